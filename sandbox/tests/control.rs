//! The control API, fault injection, CORS exposure, static files, and a real socket.

mod common;
use axum::http::StatusCode;
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_429_fault_with_retry_after_answers_in_graphs_shape_and_is_logged() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let r = s
        .post_json("/_sandbox/faults", json!({"method": "PATCH", "path": "/v1.0/users/*", "status": 429, "retryAfter": 2, "count": 1}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let body = json!({"passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "Blue-Harbor-42!"}});
    // A GET does not match the PATCH fault.
    assert_eq!(s.graph(&t, "GET", "/me", None).await.status, StatusCode::OK);
    let r = s
        .graph(
            &t,
            "PATCH",
            &format!("/users/{}", upn("alex.wilber")),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(r.code(), "TooManyRequests");
    assert!(r.json()["error"]["innerError"]["request-id"].is_string());
    assert_eq!(
        s.credentials(&upn("alex.wilber")).await["password"],
        "Old-Passw0rd-Alex"
    );
    // Count 1: the next one goes through.
    let r = s
        .graph(
            &t,
            "PATCH",
            &format!("/users/{}", upn("alex.wilber")),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    let log = s.get("/_sandbox/requests").await.json();
    let entries = log["requests"].as_array().unwrap();
    let patches: Vec<_> = entries.iter().filter(|e| e["method"] == "PATCH").collect();
    assert_eq!(patches.len(), 2);
    assert_eq!(patches[0]["status"], 429);
    assert_eq!(patches[0]["faulted"], true);
    assert_eq!(patches[1]["faulted"], false);
    assert_eq!(
        patches[1]["body"]["passwordProfile"]["forceChangePasswordNextSignIn"],
        true
    );
    // The Authorization value never appears in the log.
    assert_eq!(patches[0]["headers"]["authorization"], "[redacted]");
    assert!(!log.to_string().contains(&t));
}

#[tokio::test]
async fn faults_apply_before_authorization_and_can_last_forever_until_cleared() {
    let s = Sbx::new();
    s.post_json(
        "/_sandbox/faults",
        json!({"method": "*", "path": "/v1.0/me", "status": 503, "count": null}),
    )
    .await;
    for _ in 0..3 {
        let r = s.send("GET", "/v1.0/me", &[], None).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(
        s.get("/_sandbox/faults").await.json()["faults"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.send("DELETE", "/_sandbox/faults", &[], None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.send("GET", "/v1.0/me", &[], None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A fault needs a status or a latency.
    let r = s
        .post_json("/_sandbox/faults", json!({"path": "/v1.0/me"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_latency_fault_delays_and_then_answers_normally() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    s.post_json(
        "/_sandbox/faults",
        json!({"path": "/v1.0/me", "latencyMs": 150, "count": 1}),
    )
    .await;
    let start = Instant::now();
    let r = s.graph(&t, "GET", "/me", None).await;
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert_eq!(r.status, StatusCode::OK);
    let start = Instant::now();
    s.graph(&t, "GET", "/me", None).await;
    assert!(start.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn a_fault_on_the_token_endpoint() {
    let s = Sbx::new();
    let code = s.code_for(&upn("ada.admin"), "openid").await;
    s.post_json("/_sandbox/faults", json!({"method": "POST", "path": "/*/oauth2/v2.0/token", "status": 503, "retryAfter": 1.5, "count": 1})).await;
    let r = s.redeem_code(&code, "openid").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header("retry-after"), Some("1.5"));
    assert_eq!(r.json()["error"], "temporarily_unavailable");
    assert_eq!(s.redeem_code(&code, "openid").await.status, StatusCode::OK);
}

#[tokio::test]
async fn reset_restores_the_tenant_and_clears_tokens_outbox_log_and_faults() {
    let s = Sbx::new();
    let t = s.sign_in("uma.useradmin").await;
    let body = json!({"passwordProfile": {"forceChangePasswordNextSignIn": false, "password": "Blue-Harbor-42!"}});
    s.graph(
        &t,
        "PATCH",
        &format!("/users/{}", upn("alex.wilber")),
        Some(body),
    )
    .await;
    s.graph(&t, "POST", "/me/sendMail", Some(json!({"message": {"subject": "x", "toRecipients": [{"emailAddress": {"address": "a@example.com"}}]}}))).await;
    s.post_json("/_sandbox/faults", json!({"status": 500}))
        .await;
    s.post_json("/_sandbox/clock/advance", json!({"seconds": 100}))
        .await;
    let r = s.post_json("/_sandbox/reset", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        s.credentials(&upn("alex.wilber")).await["password"],
        "Old-Passw0rd-Alex"
    );
    assert_eq!(
        s.get("/_sandbox/outbox.json").await.json()["messages"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.get("/_sandbox/requests").await.json()["requests"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.get("/_sandbox/faults").await.json()["faults"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let r = s.graph(&t, "GET", "/me", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "tokens are forgotten");
}

#[tokio::test]
async fn credentials_of_an_unknown_user_are_404() {
    let s = Sbx::new();
    assert_eq!(
        s.get("/_sandbox/users/nobody/credentials").await.status,
        StatusCode::NOT_FOUND
    );
    let c = s.credentials("samuel.okafor@contoso.com").await;
    assert_eq!(c["forceChangePasswordNextSignIn"], false);
    assert!(c["temporaryAccessPasses"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn retry_after_and_location_are_not_exposed_unless_asked() {
    for expose in [false, true] {
        let s = Sbx::with(sandbox::Options {
            expose_headers: expose,
            ..Default::default()
        });
        let t = s.sign_in("hana.helpdesk").await;
        let r = s.graph(&t, "GET", "/me", None).await;
        assert_eq!(r.header("access-control-allow-origin"), Some(PAGE));
        let exposed = r
            .header("access-control-expose-headers")
            .unwrap()
            .to_ascii_lowercase();
        assert!(exposed.contains("request-id") && exposed.contains("client-request-id"));
        assert_eq!(exposed.contains("retry-after"), expose);
        assert_eq!(exposed.contains("location"), expose);
    }
}

#[tokio::test]
async fn extra_redirect_uris_are_accepted_and_their_origin_allowed() {
    let s = Sbx::with(sandbox::Options {
        extra_redirect_uris: vec!["http://127.0.0.1:8080/handover/".into()],
        ..Default::default()
    });
    let url = s.authorize_url(&[
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", "http://127.0.0.1:8080/handover/"),
        ("scope", "openid"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("prompt", "none"),
        ("login_hint", &upn("ada.admin")),
    ]);
    let r = s.get(&url).await;
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("http://127.0.0.1:8080/handover/?code="));
    let r = s
        .send(
            "OPTIONS",
            "/v1.0/me",
            &[
                ("origin", "http://127.0.0.1:8080"),
                ("access-control-request-method", "GET"),
            ],
            None,
        )
        .await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8080")
    );
}

#[tokio::test]
async fn the_page_is_served_from_dist_with_wasm_as_application_wasm() {
    let dir = std::env::temp_dir().join(format!("sandbox-dist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Handover</title>",
    )
    .unwrap();
    std::fs::write(dir.join("handover_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let s = Sbx::with(sandbox::Options {
        dist: Some(dir.clone()),
        ..Default::default()
    });
    let r = s.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("<title>Handover</title>"));
    let r = s.get("/handover_bg.wasm").await;
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    assert_eq!(s.get("/missing.js").await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.get("/../Cargo.toml").await.status, StatusCode::NOT_FOUND);
    // config.json is the sandbox's, not a file.
    assert_eq!(s.get("/config.json").await.json()["clientId"], CLIENT_ID);
    std::fs::remove_dir_all(&dir).ok();

    // Without dist, / says how to build the page.
    let s = Sbx::new();
    let r = s.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("cargo xtask"));
}

#[tokio::test]
async fn a_tenant_file_that_does_not_parse_is_an_error() {
    let dir = std::env::temp_dir().join(format!("sandbox-tenant-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tenant.json");
    std::fs::write(&path, "{\"tenantId\": 1}").unwrap();
    let err = sandbox::start(sandbox::Options {
        tenant: sandbox::TenantSource::File(path),
        ..Default::default()
    })
    .await
    .err()
    .expect("an invalid tenant file is refused");
    assert!(matches!(err, sandbox::Error::Tenant(_)), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Sends one HTTP/1.1 request over a real socket and returns the raw answer.
async fn raw_http(port: u16, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out))
        .await
        .expect("the server answers")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn start_serves_both_origins_on_one_loopback_port_and_shuts_down() {
    let running = sandbox::start(sandbox::Options::default()).await.unwrap();
    let port = running.port();
    assert_ne!(port, 0);
    assert_eq!(running.page_origin(), format!("http://127.0.0.1:{port}"));
    assert_eq!(running.api_origin(), format!("http://localhost:{port}"));
    let answer = raw_http(
        port,
        &format!(
            "GET /config.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(&format!("\"redirectUri\":\"http://127.0.0.1:{port}/\"")));
    let answer = raw_http(
        port,
        &format!("GET /{TENANT}/v2.0/.well-known/openid-configuration HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(answer.contains(&format!(
        "http://localhost:{port}/8d7c1e2a-4b3f-4c6d-9e8f-0a1b2c3d4e5f/oauth2/v2.0/token"
    )));
    running.shutdown().await;
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
}
