//! Graph: reading users, roles and PIM eligibility; headers and error bodies.

mod common;
use axum::http::StatusCode;
use common::*;
use sandbox::util::query_encode;
use serde_json::Value;

fn upns(v: &Value) -> Vec<String> {
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_answer_has_request_ids_and_errors_have_graphs_shape() {
    let s = Sbx::new();
    let t = s.sign_in("ada.admin").await;
    let r = s
        .graph_h(
            &t,
            "GET",
            "/me",
            &[("client-request-id", "11111111-2222-3333-4444-555555555555")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("client-request-id"),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(r.header("request-id").unwrap().len(), 36);
    assert_eq!(r.json()["userPrincipalName"], upn("ada.admin"));
    assert!(r.json()["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#users/$entity"));

    let r = s
        .graph(&t, "GET", "/users/nobody@contoso.onmicrosoft.com", None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let v = r.json();
    assert_eq!(v["error"]["code"], "Request_ResourceNotFound");
    assert_eq!(
        v["error"]["message"],
        "Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present."
    );
    let inner = &v["error"]["innerError"];
    assert_eq!(inner["request-id"].as_str(), r.header("request-id"));
    assert_eq!(
        inner["client-request-id"].as_str(),
        r.header("client-request-id")
    );
    assert!(inner["date"].is_string());
}

#[tokio::test]
async fn missing_tokens_are_401_and_missing_scopes_403() {
    let s = Sbx::new();
    let r = s.send("GET", "/v1.0/me", &[], None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "InvalidAuthenticationToken");
    assert_eq!(r.message(), "Access token is empty.");
    let r = s.graph("not-a-token", "GET", "/me", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Only User.Read: the directory cannot be listed.
    let t = s
        .sign_in_with(&upn("ada.admin"), "User.Read openid")
        .await
        .access;
    assert_eq!(s.graph(&t, "GET", "/me", None).await.status, StatusCode::OK);
    let r = s.graph(&t, "GET", "/users", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "Authorization_RequestDenied");
    assert_eq!(
        r.message(),
        "Insufficient privileges to complete the operation."
    );
}

#[tokio::test]
async fn a_user_by_url_encoded_upn_with_an_apostrophe() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/users/{}",
                query_encode("sean.o'brien@contoso.onmicrosoft.com")
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["displayName"], "Seán O'Brien");
    // By id too.
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        s.graph(&t, "GET", &format!("/users/{id}"), None)
            .await
            .json()["displayName"],
        "Seán O'Brien"
    );
}

#[tokio::test]
async fn select_returns_other_mails_and_sync_state_only_when_asked() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let r = s
        .graph(&t, "GET", &format!("/users/{}", upn("alex.wilber")), None)
        .await;
    let v = r.json();
    assert!(v.get("otherMails").is_none());
    assert!(v.get("onPremisesSyncEnabled").is_none());
    assert!(v.get("businessPhones").is_some());
    let r = s
        .graph(
            &t,
            "GET",
            "/users/samuel.okafor@contoso.com?$select=id,displayName,otherMails,onPremisesSyncEnabled,accountEnabled,userType,lastPasswordChangeDateTime",
            None,
        )
        .await;
    let v = r.json();
    assert_eq!(v["onPremisesSyncEnabled"], true);
    assert_eq!(v["userType"], "Member");
    assert!(v["otherMails"].is_array());
    assert!(v.get("mail").is_none());
    assert!(v["@odata.context"]
        .as_str()
        .unwrap()
        .contains("users(id,displayName,otherMails"));
    let r = s.graph(&t, "GET", "/users?$select=id,bogus", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r
        .message()
        .contains("Could not find a property named 'bogus'"));
}

#[tokio::test]
async fn filter_eq_and_startswith_joined_by_or_with_odata_quoting() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let f = "userPrincipalName eq 'sean.o''brien@contoso.onmicrosoft.com' or startswith(displayName,'Meg') or mail eq 'ALEX.WILBER@contoso.onmicrosoft.com'";
    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/users?$filter={}&$select=id,userPrincipalName",
                query_encode(f)
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut got = upns(&r.json());
    got.sort();
    assert_eq!(
        got,
        vec![
            upn("alex.wilber"),
            upn("megan.bowen"),
            "sean.o'brien@contoso.onmicrosoft.com".to_string()
        ]
    );
    // startswith on the UPN, and the HTML-named user is found by its literal name.
    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/users?$filter={}",
                query_encode("startswith(displayName,'<img')")
            ),
            None,
        )
        .await;
    assert_eq!(upns(&r.json()), vec![upn("html.name")]);
}

#[tokio::test]
async fn a_malformed_or_unsupported_filter_is_400() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/users?$filter={}",
                query_encode("displayName eq 'unterminated")
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "BadRequest");
    assert!(r.message().starts_with("Invalid filter clause"));
    let r = s
        .graph(
            &t,
            "GET",
            &format!("/users?$filter={}", query_encode("displayName eq")),
            None,
        )
        .await;
    assert_eq!(r.code(), "BadRequest");
    let r = s
        .graph(
            &t,
            "GET",
            &format!("/users?$filter={}", query_encode("city eq 'Oslo'")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "Request_UnsupportedQuery");
    let r = s
        .graph(
            &t,
            "GET",
            &format!("/users?$filter={}", query_encode("displayName ne 'x'")),
            None,
        )
        .await;
    assert_eq!(r.code(), "Request_UnsupportedQuery");
}

#[tokio::test]
async fn search_needs_consistency_level_and_matches_word_prefixes() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let q = format!("/users?$search={}", query_encode("\"displayName:jo\""));
    let r = s.graph(&t, "GET", &q, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "Request_UnsupportedQuery");
    assert!(r.message().contains("ConsistencyLevel: eventual"));

    let r = s
        .graph_h(&t, "GET", &q, &[("ConsistencyLevel", "eventual")], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(upns(&r.json()), vec![upn("joni.sherman")]);
    // A token prefix, not a substring: "brien" matches O'Brien's second token, "rien" matches nothing.
    let r = s
        .graph_h(
            &t,
            "GET",
            &format!("/users?$search={}", query_encode("\"displayName:brien\"")),
            &[("ConsistencyLevel", "eventual")],
            None,
        )
        .await;
    assert_eq!(
        upns(&r.json()),
        vec!["sean.o'brien@contoso.onmicrosoft.com".to_string()]
    );
    let r = s
        .graph_h(
            &t,
            "GET",
            &format!(
                "/users?$search={}&$count=true",
                query_encode("\"displayName:rien\"")
            ),
            &[("ConsistencyLevel", "eventual")],
            None,
        )
        .await;
    assert_eq!(r.json()["@odata.count"], 0);
    // Non-ASCII names are searchable.
    let r = s
        .graph_h(
            &t,
            "GET",
            &format!(
                "/users?$search={}",
                query_encode("\"displayName:zoë\" OR \"mail:nobody\"")
            ),
            &[("ConsistencyLevel", "eventual")],
            None,
        )
        .await;
    assert_eq!(upns(&r.json()), vec![upn("zoe.muller")]);
}

#[tokio::test]
async fn top_and_next_link_page_through_every_user() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let r = s.graph(&t, "GET", "/users?$top=1000", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = s.graph(&t, "GET", "/users?$top=0", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let mut url = "/users?$top=10&$select=id,userPrincipalName".to_string();
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let r = s.graph(&t, "GET", &url, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let v = r.json();
        assert!(v["value"].as_array().unwrap().len() <= 10);
        all.extend(upns(&v));
        pages += 1;
        match v["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&format!("{API}/v1.0/users?")));
                assert!(next.contains("$select="));
                url = next.to_string();
            }
            None => break,
        }
    }
    let sample = sandbox::Tenant::sample();
    assert_eq!(all.len(), sample.users.len());
    assert_eq!(pages, sample.users.len().div_ceil(10));
}

#[tokio::test]
async fn transitive_member_of_lists_active_roles_including_through_role_assignable_groups() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let r = s
        .graph(
            &t,
            "GET",
            "/me/transitiveMemberOf/microsoft.graph.directoryRole",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let roles = r.json()["value"].clone();
    assert_eq!(roles.as_array().unwrap().len(), 1);
    assert_eq!(roles[0]["@odata.type"], "#microsoft.graph.directoryRole");
    assert_eq!(
        roles[0]["roleTemplateId"],
        "729827e3-9c14-49f7-bb1b-9608f156bbb8"
    );
    assert_ne!(
        roles[0]["id"], roles[0]["roleTemplateId"],
        "directoryRole ids are tenant-specific"
    );

    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/users/{}/transitiveMemberOf/microsoft.graph.directoryRole",
                upn("grace.kim")
            ),
            None,
        )
        .await;
    let v = r.json();
    assert_eq!(
        v["value"][0]["roleTemplateId"],
        "194ae4cb-b126-40b2-bd5b-6091b380977d"
    );
    // Without the cast, groups come too.
    let r = s
        .graph(
            &t,
            "GET",
            &format!("/users/{}/transitiveMemberOf", upn("grace.kim")),
            None,
        )
        .await;
    let types: Vec<String> = r.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["@odata.type"].as_str().unwrap().to_string())
        .collect();
    assert!(types.contains(&"#microsoft.graph.group".to_string()));
    // PIM-eligible only: no active role.
    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/users/{}/transitiveMemberOf/microsoft.graph.directoryRole",
                upn("eli.novak")
            ),
            None,
        )
        .await;
    assert_eq!(r.json()["value"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn role_eligibility_schedule_instances_by_principal() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let eli = s.user_id(&t, &upn("eli.novak")).await;
    let f = format!("principalId eq '{eli}'");
    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/roleManagement/directory/roleEligibilityScheduleInstances?$filter={}",
                query_encode(&f)
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["value"][0]["roleDefinitionId"],
        "62e90394-69f5-4237-9190-012177145e10"
    );
    assert_eq!(v["value"][0]["principalId"], eli.as_str());
    let alex = s.user_id(&t, &upn("alex.wilber")).await;
    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/roleManagement/directory/roleEligibilityScheduleInstances?$filter={}",
                query_encode(&format!("principalId eq '{alex}'"))
            ),
            None,
        )
        .await;
    assert_eq!(r.json()["value"].as_array().unwrap().len(), 0);
    // Needs a role-management read scope.
    let basic = s
        .sign_in_with(&upn("hana.helpdesk"), "User.Read.All openid")
        .await
        .access;
    let r = s
        .graph(
            &basic,
            "GET",
            "/roleManagement/directory/roleEligibilityScheduleInstances",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_segments_are_400() {
    let s = Sbx::new();
    let t = s.sign_in("ada.admin").await;
    let r = s.graph(&t, "GET", "/groupz", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.message(), "Resource not found for the segment 'groupz'.");
}

#[tokio::test]
async fn owned_objects_lists_the_groups_a_user_owns() {
    let s = Sbx::new();
    let t = s.sign_in("uma.useradmin").await;
    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/users/{}/ownedObjects/microsoft.graph.group?$select=id,displayName,isAssignableToRole",
                upn("megan.bowen")
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["value"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["value"][0]["displayName"], "Onboarding");
    assert_eq!(v["value"][0]["isAssignableToRole"], false);
    // Someone who owns nothing gets an empty list, not an error.
    let r = s
        .graph(
            &t,
            "GET",
            &format!(
                "/users/{}/ownedObjects/microsoft.graph.group",
                upn("alex.wilber")
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["value"].as_array().map(Vec::len), Some(0));
}
