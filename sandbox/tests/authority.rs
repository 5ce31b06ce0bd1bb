//! Entra ID v2 sign-in as a single-page app: discovery, authorize, token, refresh, CORS.

mod common;
use axum::http::StatusCode;
use common::*;
use serde_json::Value;

fn authorize_params<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        (
            "scope",
            "https://graph.microsoft.com/User.Read.All openid profile offline_access",
        ),
        ("state", "xyz"),
        ("nonce", "n-0S6"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        p.retain(|(pk, _)| pk != k);
        p.push((k, v));
    }
    p.retain(|(_, v)| !v.is_empty());
    p
}

fn aadsts(r: &Resp) -> (String, String) {
    let v = r.json();
    (
        v["error"].as_str().unwrap_or("").to_string(),
        v["error_description"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn discovery_names_the_sandbox_endpoints_and_issuer() {
    let s = Sbx::new();
    let r = s
        .get(&format!("/{TENANT}/v2.0/.well-known/openid-configuration"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let tid = "8d7c1e2a-4b3f-4c6d-9e8f-0a1b2c3d4e5f";
    assert_eq!(v["issuer"], format!("{API}/{tid}/v2.0"));
    assert_eq!(
        v["authorization_endpoint"],
        format!("{API}/{tid}/oauth2/v2.0/authorize")
    );
    assert_eq!(
        v["token_endpoint"],
        format!("{API}/{tid}/oauth2/v2.0/token")
    );
    assert!(v["end_session_endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/oauth2/v2.0/logout"));
    assert!(v["jwks_uri"].is_string());
    // The tenant id works as well as the domain; another tenant does not.
    assert_eq!(
        s.get(&format!("/{tid}/v2.0/.well-known/openid-configuration"))
            .await
            .status,
        StatusCode::OK
    );
    let r = s
        .get("/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(aadsts(&r).1.starts_with("AADSTS90002"));
}

#[tokio::test]
async fn config_json_points_the_page_at_the_sandbox() {
    let s = Sbx::new();
    let r = s.get("/config.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let v = r.json();
    assert_eq!(v["tenant"], TENANT);
    assert_eq!(v["clientId"], CLIENT_ID);
    assert_eq!(v["redirectUri"], REDIRECT);
    assert_eq!(v["authority"], API);
    assert_eq!(v["graph"], API);
    assert_eq!(v["signInMode"], "auto");
    assert!(v.get("allowedParentOrigins").is_none(), "{v}");
}

#[tokio::test]
async fn config_json_names_the_allowed_parent_origins() {
    let s = Sbx::with(sandbox::Options {
        allowed_parent_origins: vec!["http://127.0.0.1:9000".into()],
        ..Default::default()
    });
    let v = s.get("/config.json").await.json();
    assert_eq!(
        v["allowedParentOrigins"],
        serde_json::json!(["http://127.0.0.1:9000"])
    );
}

#[tokio::test]
async fn pkce_s256_with_the_rfc7636_vector_signs_in_and_the_id_token_has_its_claims() {
    let s = Sbx::new();
    let scopes = "https://graph.microsoft.com/User.Read.All openid profile offline_access";
    let code = s.code_for(&upn("ada.admin"), scopes).await;
    let r = s.redeem_code(&code, scopes).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.header("cache-control"), Some("no-store, no-cache"));
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["scope"], "User.Read.All openid profile offline_access");
    assert!(v["refresh_token"].is_string());
    let claims = jwt_claims(v["id_token"].as_str().unwrap());
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["nonce"], "nonce-1");
    assert_eq!(claims["tid"], "8d7c1e2a-4b3f-4c6d-9e8f-0a1b2c3d4e5f");
    assert_eq!(claims["preferred_username"], upn("ada.admin"));
    assert_eq!(claims["name"], "Ada Lovelace");
    assert_eq!(
        claims["iss"],
        format!("{API}/8d7c1e2a-4b3f-4c6d-9e8f-0a1b2c3d4e5f/v2.0")
    );
    assert!(claims["oid"].is_string());
    let (iat, nbf, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["nbf"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!(nbf <= iat && exp > iat);
}

#[tokio::test]
async fn a_wrong_verifier_is_refused() {
    let s = Sbx::new();
    let code = s.code_for(&upn("ada.admin"), "openid").await;
    let r = s
        .redeem(
            &[
                ("client_id", CLIENT_ID),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("grant_type", "authorization_code"),
                (
                    "code_verifier",
                    "this-verifier-is-long-enough-but-does-not-match-000",
                ),
            ],
            Some(PAGE),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let (e, d) = aadsts(&r);
    assert_eq!(e, "invalid_grant");
    assert!(d.starts_with("AADSTS501481"), "{d}");
}

#[tokio::test]
async fn plain_pkce_is_refused_at_authorize_and_missing_pkce_at_redemption() {
    let s = Sbx::new();
    let r = s
        .get(&s.authorize_url(&authorize_params(&[
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
            ("prompt", "none"),
            ("login_hint", &upn("ada.admin")),
        ])))
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let loc = r.header("location").unwrap();
    assert_eq!(param(loc, "error").as_deref(), Some("invalid_request"));
    assert_eq!(param(loc, "state").as_deref(), Some("xyz"));
    assert!(param(loc, "code").is_none());

    // No challenge at all: Entra issues the code but will not redeem it cross-origin.
    let r = s
        .get(&s.authorize_url(&authorize_params(&[
            ("code_challenge", ""),
            ("code_challenge_method", ""),
            ("prompt", "none"),
            ("login_hint", &upn("ada.admin")),
        ])))
        .await;
    let code = param(r.header("location").unwrap(), "code").expect("code");
    let r = s.redeem_code(&code, "openid").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(aadsts(&r).1.starts_with("AADSTS9002325"), "{}", r.text);
}

#[tokio::test]
async fn a_code_used_twice_is_refused() {
    let s = Sbx::new();
    let code = s.code_for(&upn("ada.admin"), "openid").await;
    assert_eq!(s.redeem_code(&code, "openid").await.status, StatusCode::OK);
    let r = s.redeem_code(&code, "openid").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let (e, d) = aadsts(&r);
    assert_eq!(e, "invalid_grant");
    assert!(d.starts_with("AADSTS54005"), "{d}");
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let s = Sbx::new();
    let code = s.code_for(&upn("ada.admin"), "openid").await;
    s.post_json(
        "/_sandbox/clock/advance",
        serde_json::json!({"seconds": 601}),
    )
    .await;
    let r = s.redeem_code(&code, "openid").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(aadsts(&r).1.starts_with("AADSTS70008"), "{}", r.text);
}

#[tokio::test]
async fn redemption_without_origin_is_refused_with_aadsts9002327() {
    let s = Sbx::new();
    let code = s.code_for(&upn("ada.admin"), "openid").await;
    let r = s
        .redeem(
            &[
                ("client_id", CLIENT_ID),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("grant_type", "authorization_code"),
                ("code_verifier", VERIFIER),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let (e, d) = aadsts(&r);
    assert_eq!(e, "invalid_request");
    assert!(d.starts_with("AADSTS9002327"), "{d}");
    assert_eq!(r.json()["error_codes"][0], 9002327);
}

#[tokio::test]
async fn redirect_uri_must_match_at_redemption_and_client_secret_is_refused() {
    let s = Sbx::new();
    let code = s.code_for(&upn("ada.admin"), "openid").await;
    let r = s
        .redeem(
            &[
                ("client_id", CLIENT_ID),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:4999/other"),
                ("grant_type", "authorization_code"),
                ("code_verifier", VERIFIER),
            ],
            Some(PAGE),
        )
        .await;
    assert!(aadsts(&r).1.starts_with("AADSTS500112"), "{}", r.text);
    let r = s
        .redeem(
            &[
                ("client_id", CLIENT_ID),
                ("client_secret", "s"),
                ("grant_type", "authorization_code"),
            ],
            Some(PAGE),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(aadsts(&r).1.starts_with("AADSTS700025"));
}

#[tokio::test]
async fn unknown_client_and_unregistered_redirect_uri_show_an_error_page_without_redirecting() {
    let s = Sbx::new();
    let r = s
        .get(&s.authorize_url(&authorize_params(&[(
            "client_id",
            "00000000-1111-2222-3333-444444444444",
        )])))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.header("location").is_none());
    assert!(r.text.contains("AADSTS700016"));
    let r = s
        .get(&s.authorize_url(&authorize_params(&[(
            "redirect_uri",
            "https://evil.example/",
        )])))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.header("location").is_none());
    assert!(r.text.contains("AADSTS50011"));
    assert!(!r.text.contains("<script"), "the URI is escaped");
}

#[tokio::test]
async fn the_account_chooser_lists_sign_in_accounts_escaped_and_refuses_framing() {
    let s = Sbx::new();
    let r = s
        .get(&s.authorize_url(&authorize_params(&[("state", "<b>\"st\"</b>")])))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert!(r
        .header("content-security-policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(r.header("cross-origin-opener-policy").is_some());
    for local in [
        "ada.admin",
        "priya.pam",
        "aaron.auth",
        "uma.useradmin",
        "hana.helpdesk",
        "pat.password",
        "noel.nomailbox",
        "rita.regular",
    ] {
        let u = upn(local);
        assert!(
            r.text.contains(&format!("<button class=\"acct\" type=\"submit\" name=\"login\" value=\"{u}\" data-upn=\"{u}\"")),
            "{local} missing"
        );
    }
    // Targets that cannot sign in are not listed.
    assert!(!r.text.contains("data-upn=\"gordon.gale@"));
    // Parameters travel as escaped hidden fields.
    assert!(r
        .text
        .contains("value=\"&lt;b&gt;&quot;st&quot;&lt;/b&gt;\""));
    assert!(!r.text.contains("<b>\"st\"</b>"));
    assert!(r.text.contains("data-action=\"cancel\""));
}

#[tokio::test]
async fn choosing_an_account_redirects_with_a_code_and_cancel_with_access_denied() {
    let s = Sbx::new();
    let mut form: Vec<String> = authorize_params(&[("response_mode", "fragment")])
        .iter()
        .map(|(k, v)| format!("{k}={}", sandbox::util::query_encode(v)))
        .collect();
    form.push(format!(
        "login={}",
        sandbox::util::query_encode(&upn("hana.helpdesk"))
    ));
    let r = s
        .send(
            "POST",
            &format!("/{TENANT}/oauth2/v2.0/authorize"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.join("&")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let loc = r.header("location").unwrap().to_string();
    assert!(loc.starts_with(&format!("{REDIRECT}#code=")), "{loc}");
    assert_eq!(param(&loc, "state").as_deref(), Some("xyz"));
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();

    // That browser session now answers prompt=none without a hint.
    let r = s
        .send(
            "GET",
            &s.authorize_url(&authorize_params(&[("prompt", "none")])),
            &[("cookie", &cookie)],
            None,
        )
        .await;
    assert!(param(r.header("location").unwrap(), "code").is_some());

    form.pop();
    form.push("cancel=1".into());
    let r = s
        .send(
            "POST",
            &format!("/{TENANT}/oauth2/v2.0/authorize"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.join("&")),
        )
        .await;
    let loc = r.header("location").unwrap();
    assert_eq!(param(loc, "error").as_deref(), Some("access_denied"));
    assert!(param(loc, "error_description")
        .unwrap()
        .starts_with("AADSTS65004"));
    assert_eq!(param(loc, "state").as_deref(), Some("xyz"));
}

#[tokio::test]
async fn prompt_none_without_a_session_or_usable_hint_is_login_required() {
    let s = Sbx::new();
    for hint in [
        "",
        "gordon.gale@contoso.onmicrosoft.com",
        "nobody@contoso.onmicrosoft.com",
    ] {
        let r = s
            .get(&s.authorize_url(&authorize_params(&[
                ("prompt", "none"),
                ("login_hint", hint),
            ])))
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        let loc = r.header("location").unwrap();
        assert_eq!(
            param(loc, "error").as_deref(),
            Some("login_required"),
            "hint {hint}"
        );
        assert!(param(loc, "error_description")
            .unwrap()
            .starts_with("AADSTS50058"));
    }
}

#[tokio::test]
async fn granted_scopes_are_the_intersection_of_requested_and_consented() {
    let s = Sbx::new();
    let t = s
        .sign_in_with(
            &upn("ada.admin"),
            "https://graph.microsoft.com/User.Read.All Mail.Send https://graph.microsoft.com/Calendars.ReadWrite openid profile offline_access",
        )
        .await;
    assert_eq!(
        t.scope,
        "User.Read.All Mail.Send openid profile offline_access"
    );
    // Without offline_access there is no refresh token.
    let t = s
        .sign_in_with(&upn("ada.admin"), "User.Read.All openid")
        .await;
    assert!(t.refresh.is_none());
    assert!(t.id_token.is_some());
    // A scope not granted is not usable: Mail.Send was not asked for this time.
    let r = s
        .graph(&t.access, "POST", "/me/sendMail", Some(serde_json::json!({"message": {"subject": "x", "toRecipients": [{"emailAddress": {"address": "a@example.com"}}]}})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "ErrorAccessDenied");
}

#[tokio::test]
async fn expired_access_tokens_get_401_and_a_rotated_refresh_token_brings_a_new_one() {
    let s = Sbx::new();
    let t = s.sign_in_with(&upn("ada.admin"), DEFAULT_SCOPES).await;
    assert_eq!(
        s.graph(&t.access, "GET", "/me", None).await.status,
        StatusCode::OK
    );
    let r = s
        .post_json("/_sandbox/tokens/expire", serde_json::json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.graph(&t.access, "GET", "/me", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "InvalidAuthenticationToken");
    assert_eq!(r.message(), "Access token has expired or is not yet valid.");
    assert!(r.header("www-authenticate").is_some());

    let rt = t.refresh.clone().unwrap();
    let s = &s;
    let refresh = |rt: String| async move {
        s.redeem(
            &[
                ("client_id", CLIENT_ID),
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
                ("scope", DEFAULT_SCOPES),
            ],
            Some(PAGE),
        )
        .await
    };
    let r = refresh(rt.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v: Value = r.json();
    let new_access = v["access_token"].as_str().unwrap().to_string();
    let new_rt = v["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new_rt, rt);
    assert!(v["refresh_token_expires_in"].as_i64().unwrap() <= 86_400);
    assert_eq!(
        s.graph(&new_access, "GET", "/me", None).await.status,
        StatusCode::OK
    );
    // The spent refresh token is refused.
    let r = refresh(rt.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(aadsts(&r).0, "invalid_grant");
    // The refresh token needs an Origin too.
    let r = s
        .redeem(
            &[
                ("client_id", CLIENT_ID),
                ("grant_type", "refresh_token"),
                ("refresh_token", &new_rt),
            ],
            None,
        )
        .await;
    assert!(aadsts(&r).1.starts_with("AADSTS9002327"));
    // The control API lists every token issued, the spent and expired ones too (for the e2e
    // scan that looks for leaked secrets), in the order they were issued.
    let issued: Value = s.get("/_sandbox/tokens").await.json();
    let issued: Vec<&str> = issued["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        issued,
        [
            t.access.as_str(),
            &rt,
            t.id_token.as_deref().unwrap(),
            &new_access,
            &new_rt,
            v["id_token"].as_str().unwrap()
        ],
        "the issued tokens"
    );
    s.post_json("/_sandbox/reset", serde_json::json!({})).await;
    let issued: Value = s.get("/_sandbox/tokens").await.json();
    assert_eq!(issued["issued"], serde_json::json!([]));
}

#[tokio::test]
async fn refresh_tokens_die_24_hours_after_sign_in_whatever_is_refreshed_between() {
    let s = Sbx::new();
    let t = s.sign_in_with(&upn("ada.admin"), DEFAULT_SCOPES).await;
    s.post_json(
        "/_sandbox/clock/advance",
        serde_json::json!({"seconds": 23 * 3600}),
    )
    .await;
    let r = s
        .redeem(
            &[
                ("client_id", CLIENT_ID),
                ("grant_type", "refresh_token"),
                ("refresh_token", t.refresh.as_ref().unwrap()),
            ],
            Some(PAGE),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let rt = r.json()["refresh_token"].as_str().unwrap().to_string();
    s.post_json(
        "/_sandbox/clock/advance",
        serde_json::json!({"seconds": 3601}),
    )
    .await;
    let r = s
        .redeem(
            &[
                ("client_id", CLIENT_ID),
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
            ],
            Some(PAGE),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(aadsts(&r).1.starts_with("AADSTS700084"), "{}", r.text);
}

#[tokio::test]
async fn revoke_sign_in_sessions_kills_refresh_tokens() {
    let s = Sbx::new();
    let hana = s.sign_in_with(&upn("hana.helpdesk"), DEFAULT_SCOPES).await;
    // A User Administrator may not revoke a Global Administrator's sessions...
    let admin = s.sign_in("uma.useradmin").await;
    let r = s
        .graph(
            &admin,
            "POST",
            &format!("/users/{}/revokeSignInSessions", upn("ada.admin")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // ...but may revoke a Helpdesk Administrator's.
    let r = s
        .graph(
            &admin,
            "POST",
            &format!("/users/{}/revokeSignInSessions", upn("hana.helpdesk")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["value"], true);
    let r = s
        .redeem(
            &[
                ("client_id", CLIENT_ID),
                ("grant_type", "refresh_token"),
                ("refresh_token", hana.refresh.as_ref().unwrap()),
            ],
            Some(PAGE),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(aadsts(&r).0 == "invalid_grant");
}

#[tokio::test]
async fn cors_allows_only_registered_origins() {
    let s = Sbx::new();
    let pre = |origin: &'static str| {
        let s = &s;
        async move {
            s.send(
                "OPTIONS",
                "/v1.0/me",
                &[
                    ("origin", origin),
                    ("access-control-request-method", "GET"),
                    (
                        "access-control-request-headers",
                        "authorization,client-request-id",
                    ),
                ],
                None,
            )
            .await
        }
    };
    let r = pre(PAGE).await;
    assert!(r.status.is_success());
    assert_eq!(r.header("access-control-allow-origin"), Some(PAGE));
    assert!(r
        .header("access-control-allow-headers")
        .unwrap()
        .contains("authorization"));
    let r = pre("http://evil.example").await;
    assert!(r.header("access-control-allow-origin").is_none());

    // The token endpoint: answers (Entra does), but an unregistered origin cannot read it.
    let code = s.code_for(&upn("ada.admin"), "openid").await;
    let r = s
        .redeem(
            &[
                ("client_id", CLIENT_ID),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("grant_type", "authorization_code"),
                ("code_verifier", VERIFIER),
            ],
            Some("http://evil.example"),
        )
        .await;
    assert!(r.header("access-control-allow-origin").is_none());
    let code = s.code_for(&upn("ada.admin"), "openid").await;
    let r = s.redeem_code(&code, "openid").await;
    assert_eq!(r.header("access-control-allow-origin"), Some(PAGE));
}
