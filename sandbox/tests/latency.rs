//! The request log's timings and the latency added to every request (`POST /_sandbox/latency`),
//! which `cargo xtask bench` uses to count sequential round trips.

mod common;
use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn log_entries(v: &Value) -> Vec<Value> {
    v["requests"].as_array().cloned().unwrap_or_default()
}

fn us(e: &Value, field: &str) -> u64 {
    e[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} missing or not a whole number in {e}"))
}

#[tokio::test]
async fn every_logged_request_has_a_start_and_an_end_in_order() {
    let s = Sbx::new();
    let t = s.sign_in("uma.useradmin").await;
    s.graph(&t, "GET", "/me", None).await;
    s.graph(&t, "GET", "/users?$top=2", None).await;
    let log = log_entries(&s.get("/_sandbox/requests").await.json());
    // authorize, token, then the two Graph reads, one after another.
    assert!(log.len() >= 4, "{log:?}");
    let mut previous_end = 0;
    for e in &log {
        let (start, end) = (us(e, "startedUs"), us(e, "endedUs"));
        assert!(start <= end, "ends before it starts: {e}");
        assert!(
            start >= previous_end,
            "a request sent after the previous answer starts before it ended: {e}"
        );
        previous_end = end;
    }
}

#[tokio::test]
async fn latency_applies_once_to_every_request_but_the_control_api_and_reset_ends_it() {
    let s = Sbx::new();
    let t = s.sign_in("uma.useradmin").await;
    let bad = s.post_json("/_sandbox/latency", json!({"ms": -1})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("ms"), "{}", bad.text);
    let r = s.post_json("/_sandbox/latency", json!({"ms": 300})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["latencyMs"], 300);
    assert_eq!(s.get("/_sandbox/latency").await.json()["latencyMs"], 300);

    // A Graph read waits, and its log entry spans the wait.
    let started = Instant::now();
    let me = s.graph(&t, "GET", "/me", None).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(me.status, StatusCode::OK);
    let log = log_entries(&s.get("/_sandbox/requests").await.json());
    let last = log.last().expect("the read was logged");
    assert_eq!(last["path"], "/v1.0/me");
    assert!(
        us(last, "endedUs") - us(last, "startedUs") >= 300_000,
        "{last}"
    );

    // A $batch of three is one request: one wait, not four.
    let batch = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me"},
        {"id": "2", "method": "GET", "url": "/users?$top=1"},
        {"id": "3", "method": "GET", "url": "/me/transitiveMemberOf/microsoft.graph.directoryRole"},
    ]});
    let started = Instant::now();
    let r = s.graph(&t, "POST", "/$batch", Some(batch)).await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(900),
        "a batch of three took {took:?}"
    );

    // A CORS preflight and the authority wait too; the control API does not.
    let started = Instant::now();
    let pre = s
        .send(
            "OPTIONS",
            "/v1.0/me",
            &[("origin", PAGE), ("access-control-request-method", "GET")],
            None,
        )
        .await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(pre.status, StatusCode::NO_CONTENT);
    // The preflight is listed apart from the request log, with its wait inside its times.
    let listed = s.get("/_sandbox/preflights").await.json()["preflights"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["path"], "/v1.0/me");
    assert_eq!(listed[0]["requestMethod"], "GET");
    assert!(
        us(&listed[0], "endedUs") - us(&listed[0], "startedUs") >= 300_000,
        "{}",
        listed[0]
    );
    assert!(
        log_entries(&s.get("/_sandbox/requests").await.json())
            .iter()
            .all(|e| e["method"] != "OPTIONS"),
        "a preflight reached the request log"
    );
    let started = Instant::now();
    s.get(&format!("/{TENANT}/v2.0/.well-known/openid-configuration"))
        .await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    s.get("/_sandbox/faults").await;
    assert!(started.elapsed() < Duration::from_millis(300));

    // Reset turns it off.
    s.post_json("/_sandbox/reset", json!({})).await;
    assert_eq!(s.get("/_sandbox/latency").await.json()["latencyMs"], 0);
    assert_eq!(
        s.get("/_sandbox/preflights").await.json()["preflights"],
        json!([])
    );
    let started = Instant::now();
    s.get(&format!("/{TENANT}/v2.0/.well-known/openid-configuration"))
        .await;
    assert!(started.elapsed() < Duration::from_millis(300));
}
