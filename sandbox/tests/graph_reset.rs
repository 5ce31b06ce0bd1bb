//! Graph: resetting passwords (PATCH passwordProfile, resetPassword and its operation), Temporary
//! Access Passes, authentication methods and the audit log, with Microsoft's documented bodies.

mod common;
use axum::http::StatusCode;
use common::*;
use sandbox::util::query_encode;
use serde_json::{json, Value};

fn profile(pw: &str) -> Value {
    json!({"passwordProfile": {"forceChangePasswordNextSignIn": true, "password": pw}})
}

#[tokio::test]
async fn a_user_admin_resets_a_member_by_patch() {
    let s = Sbx::new();
    let t = s.sign_in("uma.useradmin").await;
    let before = s.credentials(&upn("alex.wilber")).await;
    let r = s
        .graph(
            &t,
            "PATCH",
            &format!("/users/{}", upn("alex.wilber")),
            Some(profile("Blue-Harbor-42!")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert!(r.text.is_empty());
    let after = s.credentials(&upn("alex.wilber")).await;
    assert_eq!(after["password"], "Blue-Harbor-42!");
    assert_eq!(after["forceChangePasswordNextSignIn"], true);
    assert_ne!(
        after["lastPasswordChangeDateTime"],
        before["lastPasswordChangeDateTime"]
    );
}

#[tokio::test]
async fn a_helpdesk_admin_patching_a_global_admin_gets_403_with_graphs_message() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let r = s
        .graph(
            &t,
            "PATCH",
            &format!("/users/{}", upn("gordon.gale")),
            Some(profile("Blue-Harbor-42!")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "Authorization_RequestDenied");
    assert_eq!(
        r.message(),
        "Insufficient privileges to complete the operation."
    );
    assert_eq!(
        s.credentials(&upn("gordon.gale")).await["password"],
        "Old-Passw0rd-Gordon"
    );
    // Also refused: a member of a role-assignable group, and anything for a user with no admin role.
    let r = s
        .graph(
            &t,
            "PATCH",
            &format!("/users/{}", upn("grace.kim")),
            Some(profile("Blue-Harbor-42!")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let rita = s.sign_in("rita.regular").await;
    let r = s
        .graph(
            &rita,
            "PATCH",
            &format!("/users/{}", upn("alex.wilber")),
            Some(profile("Blue-Harbor-42!")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A Privileged Authentication Administrator may.
    let priya = s.sign_in("priya.pam").await;
    let r = s
        .graph(
            &priya,
            "PATCH",
            &format!("/users/{}", upn("gordon.gale")),
            Some(profile("Blue-Harbor-42!")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_policy_violating_password_is_400() {
    let s = Sbx::new();
    let t = s.sign_in("uma.useradmin").await;
    for pw in [
        "short1!",
        "alllowercaseletters",
        "Contoso-2024-Summer",
        "Wilber-Harbor-42",
        "Pässwörd-Harbor-42",
    ] {
        let r = s
            .graph(
                &t,
                "PATCH",
                &format!("/users/{}", upn("alex.wilber")),
                Some(profile(pw)),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{pw}");
        assert_eq!(r.code(), "Request_BadRequest");
        assert_eq!(
            r.message(),
            "The specified password does not comply with password complexity requirements. Please provide a different password."
        );
    }
    assert_eq!(
        s.credentials(&upn("alex.wilber")).await["password"],
        "Old-Passw0rd-Alex"
    );
}

#[tokio::test]
async fn synced_users_and_guests_cannot_be_reset_by_patch() {
    let s = Sbx::new();
    let t = s.sign_in("ada.admin").await;
    let r = s
        .graph(
            &t,
            "PATCH",
            "/users/samuel.okafor@contoso.com",
            Some(profile("Blue-Harbor-42!")),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.message()
            .contains("on-premises mastered Directory Sync objects"),
        "{}",
        r.text
    );
    let guest = query_encode("gary_fabrikam.example#EXT#@contoso.onmicrosoft.com");
    let r = s
        .graph(
            &t,
            "PATCH",
            &format!("/users/{guest}"),
            Some(profile("Blue-Harbor-42!")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn patch_needs_a_password_write_scope() {
    let s = Sbx::new();
    let t = s
        .sign_in_with(&upn("ada.admin"), "User.Read.All openid")
        .await
        .access;
    let r = s
        .graph(
            &t,
            "PATCH",
            &format!("/users/{}", upn("alex.wilber")),
            Some(profile("Blue-Harbor-42!")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let t = s
        .sign_in_with(
            &upn("ada.admin"),
            "User-PasswordProfile.ReadWrite.All openid",
        )
        .await
        .access;
    let r = s
        .graph(
            &t,
            "PATCH",
            &format!("/users/{}", upn("alex.wilber")),
            Some(profile("Blue-Harbor-42!")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

const RESET: &str = "authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword";

/// Polls an operation Location to its end; returns the statuses seen and the final body.
async fn poll_to_end(s: &Sbx, t: &str, location: &str, user: &str) -> (Vec<String>, Value) {
    let mut seen = Vec::new();
    for _ in 0..10 {
        let r = s.graph(t, "GET", location, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let v = r.json();
        let status = v["status"].as_str().unwrap().to_string();
        seen.push(status.clone());
        if status == "succeeded" || status == "failed" {
            assert!(r.header("retry-after").is_none());
            return (seen, v);
        }
        assert!(r.header("retry-after").is_some());
        // The password has not changed before the operation succeeds.
        assert_ne!(s.credentials(user).await["password"], "Blue-Harbor-42!");
    }
    panic!("the operation never ended: {seen:?}");
}

#[tokio::test]
async fn reset_password_for_a_synced_user_goes_through_writeback_and_is_polled_to_success() {
    let s = Sbx::new();
    let t = s.sign_in("aaron.auth").await;
    let r = s
        .graph(
            &t,
            "POST",
            &format!("/users/samuel.okafor@contoso.com/{RESET}"),
            Some(json!({"newPassword": "Blue-Harbor-42!"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert!(r.text.is_empty());
    let location = r.header("location").unwrap().to_string();
    let id = s.user_id(&t, "samuel.okafor@contoso.com").await;
    assert!(
        location.starts_with(&format!("{API}/v1.0/users/{id}/authentication/operations/")),
        "{location}"
    );
    assert!(
        location.contains("?aadgdc="),
        "the Location keeps its query string"
    );
    assert!(r.header("retry-after").is_some());

    // Without the query string the operation is not found: the page must keep the URL whole.
    let bare = location.split('?').next().unwrap();
    assert_eq!(
        s.graph(&t, "GET", bare, None).await.status,
        StatusCode::NOT_FOUND
    );

    let (seen, last) = poll_to_end(&s, &t, &location, "samuel.okafor@contoso.com").await;
    assert_eq!(seen, vec!["notStarted", "running", "succeeded"]);
    assert!(last["createdDateTime"].is_string());
    let c = s.credentials("samuel.okafor@contoso.com").await;
    assert_eq!(c["password"], "Blue-Harbor-42!");
    assert_eq!(c["forceChangePasswordNextSignIn"], true);
}

#[tokio::test]
async fn reset_password_fails_at_the_end_when_writeback_fails() {
    let s = Sbx::new();
    let t = s.sign_in("priya.pam").await;
    let r = s
        .graph(
            &t,
            "POST",
            &format!("/users/fay.lindqvist@contoso.com/{RESET}"),
            Some(json!({"newPassword": "Blue-Harbor-42!"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let location = r.header("location").unwrap().to_string();
    let (seen, last) = poll_to_end(&s, &t, &location, "fay.lindqvist@contoso.com").await;
    assert_eq!(seen.last().unwrap(), "failed");
    assert!(last["statusDetail"].as_str().unwrap().contains("writeback"));
    assert_eq!(
        s.credentials("fay.lindqvist@contoso.com").await["password"],
        "Old-Passw0rd-Fay"
    );
}

#[tokio::test]
async fn reset_password_is_refused_for_self_for_low_roles_and_weak_passwords() {
    let s = Sbx::new();
    let aaron = s.sign_in("aaron.auth").await;
    let r = s
        .graph(
            &aaron,
            "POST",
            &format!("/me/{RESET}"),
            Some(json!({"newPassword": "Blue-Harbor-42!"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s
        .graph(
            &aaron,
            "POST",
            &format!("/users/{}/{RESET}", upn("aaron.auth")),
            Some(json!({"newPassword": "Blue-Harbor-42!"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An Authentication Administrator cannot reset a Global Administrator either way.
    let r = s
        .graph(
            &aaron,
            "POST",
            &format!("/users/{}/{RESET}", upn("gordon.gale")),
            Some(json!({"newPassword": "Blue-Harbor-42!"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "Authorization_RequestDenied");
    // A Helpdesk Administrator has no authentication-methods role.
    let hana = s.sign_in("hana.helpdesk").await;
    let r = s
        .graph(
            &hana,
            "POST",
            &format!("/users/{}/{RESET}", upn("alex.wilber")),
            Some(json!({"newPassword": "Blue-Harbor-42!"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s
        .graph(
            &aaron,
            "POST",
            &format!("/users/{}/{RESET}", upn("alex.wilber")),
            Some(json!({"newPassword": "password"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reset_password_without_a_password_returns_a_generated_one() {
    let s = Sbx::new();
    let t = s.sign_in("aaron.auth").await;
    let r = s
        .graph(
            &t,
            "POST",
            &format!("/users/{}/{RESET}", upn("megan.bowen")),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let generated = r.json()["newPassword"].as_str().unwrap().to_string();
    assert!(generated.len() >= 12);
    let location = r.header("location").unwrap().to_string();
    let (_, last) = poll_to_end(&s, &t, &location, &upn("megan.bowen")).await;
    assert_eq!(last["status"], "succeeded");
    assert_eq!(
        s.credentials(&upn("megan.bowen")).await["password"],
        generated.as_str()
    );
}

#[tokio::test]
async fn temporary_access_pass_rules() {
    let s = Sbx::new();
    let t = s.sign_in("aaron.auth").await;
    let path = format!(
        "/users/{}/authentication/temporaryAccessPassMethods",
        upn("alex.wilber")
    );
    for lifetime in [9, 43201] {
        let r = s
            .graph(
                &t,
                "POST",
                &path,
                Some(json!({"lifetimeInMinutes": lifetime})),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{lifetime}");
    }
    let r = s
        .graph(
            &t,
            "POST",
            &path,
            Some(json!({"lifetimeInMinutes": 60, "isUsableOnce": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v = r.json();
    let pass = v["temporaryAccessPass"].as_str().unwrap().to_string();
    assert!(pass.len() >= 8);
    assert_eq!(v["lifetimeInMinutes"], 60);
    assert_eq!(v["isUsableOnce"], true);
    assert_eq!(v["isUsable"], true);
    assert_eq!(v["methodUsabilityReason"], "EnabledByPolicy");
    assert_eq!(
        s.credentials(&upn("alex.wilber")).await["temporaryAccessPasses"][0]["temporaryAccessPass"],
        pass.as_str()
    );
    // Shown once: listing does not reveal it.
    let r = s.graph(&t, "GET", &path, None).await;
    assert_eq!(r.json()["value"][0]["temporaryAccessPass"], Value::Null);
    // One per user.
    let r = s.graph(&t, "POST", &path, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Outside the policy.
    let r = s
        .graph(
            &t,
            "POST",
            &format!(
                "/users/{}/authentication/temporaryAccessPassMethods",
                upn("otto.berg")
            ),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.message(),
        "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."
    );
    // The authentication methods list shows the password, the TAP and the file's methods.
    let r = s
        .graph(
            &t,
            "GET",
            &format!("/users/{}/authentication/methods", upn("alex.wilber")),
            None,
        )
        .await;
    let types: Vec<String> = r.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["@odata.type"].as_str().unwrap().to_string())
        .collect();
    assert!(types.contains(&"#microsoft.graph.passwordAuthenticationMethod".to_string()));
    assert!(types.contains(&"#microsoft.graph.phoneAuthenticationMethod".to_string()));
    assert!(types.contains(&"#microsoft.graph.temporaryAccessPassAuthenticationMethod".to_string()));
}

#[tokio::test]
async fn the_audit_log_filters_by_target_and_time_and_keeps_the_client_request_id() {
    let s = Sbx::new();
    let uma = s.sign_in("uma.useradmin").await;
    let ada = s.sign_in("ada.admin").await;
    let alex = s.user_id(&ada, &upn("alex.wilber")).await;
    for (who, crid) in [
        ("alex.wilber", "0a0a0a0a-1111-4222-8333-444444444444"),
        ("megan.bowen", "0b0b0b0b-1111-4222-8333-444444444444"),
    ] {
        let r = s
            .graph_h(
                &uma,
                "PATCH",
                &format!("/users/{}", upn(who)),
                &[("client-request-id", crid)],
                Some(profile("Blue-Harbor-42!")),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    }
    // Both documented spellings of the lambda; the id compares without regard to case.
    for f in [
        format!("activityDateTime ge 2000-01-01T00:00:00Z and activityDisplayName eq 'Reset user password' and targetResources/any(t: t/id eq '{alex}')"),
        format!("targetResources/any(t:t/id eq '{}') and activityDisplayName eq 'Reset user password'", alex.to_uppercase()),
    ] {
        let r = s
            .graph(
                &ada,
                "GET",
                &format!("/auditLogs/directoryAudits?$filter={}", query_encode(&f)),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{f}: {}", r.text);
        let v = r.json();
        let list = v["value"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{f}: {v}");
        assert_eq!(list[0]["targetResources"][0]["id"], alex.as_str());
        assert_eq!(list[0]["correlationId"], "0a0a0a0a-1111-4222-8333-444444444444");
        assert!(list[0]["id"].as_str().is_some_and(|id| !id.is_empty()));
    }
    // A time after the resets finds nothing.
    let f = format!(
        "activityDateTime ge 2999-01-01T00:00:00Z and targetResources/any(t: t/id eq '{alex}')"
    );
    let r = s
        .graph(
            &ada,
            "GET",
            &format!("/auditLogs/directoryAudits?$filter={}", query_encode(&f)),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["value"].as_array().unwrap().len(), 0);
    // Properties of targetResources that are not documented as filterable are refused.
    let f = "targetResources/any(t: t/type eq 'User')";
    let r = s
        .graph(
            &ada,
            "GET",
            &format!("/auditLogs/directoryAudits?$filter={}", query_encode(f)),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
}

#[tokio::test]
async fn the_audit_log_records_resets_by_activity() {
    let s = Sbx::new();
    let uma = s.sign_in("uma.useradmin").await;
    s.graph(
        &uma,
        "PATCH",
        &format!("/users/{}", upn("alex.wilber")),
        Some(profile("Blue-Harbor-42!")),
    )
    .await;
    let ada = s.sign_in("ada.admin").await;
    let f = query_encode("activityDisplayName eq 'Reset user password'");
    let r = s
        .graph(
            &ada,
            "GET",
            &format!("/auditLogs/directoryAudits?$filter={f}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["value"][0]["targetResources"][0]["userPrincipalName"],
        upn("alex.wilber")
    );
    assert_eq!(
        v["value"][0]["initiatedBy"]["user"]["userPrincipalName"],
        upn("uma.useradmin")
    );
    // A Helpdesk Administrator cannot read the audit log; AuditLog.Read.All is needed too.
    let hana = s.sign_in("hana.helpdesk").await;
    assert_eq!(
        s.graph(&hana, "GET", "/auditLogs/directoryAudits", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let narrow = s
        .sign_in_with(&upn("ada.admin"), "User.Read.All openid")
        .await
        .access;
    assert_eq!(
        s.graph(&narrow, "GET", "/auditLogs/directoryAudits", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
