//! The control API under `/_sandbox/` for tests and the demo (documented in README.md).

use crate::state::{Fault, Shared};
use crate::util::{self, html_escape};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

fn json_resp(status: StatusCode, v: Value) -> Response {
    let mut resp = (status, v.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn bad(message: &str) -> Response {
    json_resp(StatusCode::BAD_REQUEST, json!({"error": message}))
}

/// `POST /_sandbox/reset`: the tenant file's state again; no outbox, log, faults, codes or tokens.
pub async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.reset();
    json_resp(
        StatusCode::OK,
        json!({"reset": true, "now": util::iso(shared.now_ms())}),
    )
}

/// `POST /_sandbox/faults`: add a fault (see README).
pub async fn add_fault(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let mut fault: Fault = match serde_json::from_str(&body) {
        Ok(f) => f,
        Err(e) => return bad(&format!("invalid fault: {e}")),
    };
    if fault.status.is_none() && fault.latency_ms.is_none() {
        return bad("a fault needs a status, a latencyMs, or both");
    }
    if let Some(s) = fault.status {
        if !(400..=599).contains(&s) {
            return bad("status must be an error status (400..599)");
        }
    }
    if fault.count == Some(0) {
        return bad("count must be at least 1, or null for every matching request");
    }
    let mut s = shared.lock();
    s.next_fault_id += 1;
    fault.id = s.next_fault_id;
    s.faults.push(fault.clone());
    json_resp(StatusCode::CREATED, json!(fault))
}

pub async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    let s = shared.lock();
    json_resp(StatusCode::OK, json!({"faults": s.faults}))
}

pub async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.lock().faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub struct RequestsQuery {
    /// Only entries with an id above this.
    since: Option<u64>,
}

/// The entries of a log whose id is above the query's `since` (all of them without it).
fn since<'a>(log: &'a [Value], q: &RequestsQuery) -> Vec<&'a Value> {
    let after = q.since.unwrap_or(0);
    log.iter()
        .filter(|e| e["id"].as_u64().unwrap_or(0) > after)
        .collect()
}

/// `GET /_sandbox/requests[?since=N]`: the request log (Authorization redacted).
pub async fn requests(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<RequestsQuery>,
) -> Response {
    let s = shared.lock();
    json_resp(StatusCode::OK, json!({"requests": since(&s.log, &q)}))
}

/// `GET /_sandbox/preflights[?since=N]`: the CORS preflights to the authority and Graph, which the
/// request log leaves out.
pub async fn preflights(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<RequestsQuery>,
) -> Response {
    let s = shared.lock();
    json_resp(
        StatusCode::OK,
        json!({"preflights": since(&s.preflights, &q)}),
    )
}

/// The most latency `POST /_sandbox/latency` accepts.
const MAX_LATENCY_MS: u64 = 60_000;

/// `POST /_sandbox/latency {"ms": N}`: every later request except the control API's waits N ms
/// before it is handled (0 turns it off; `POST /_sandbox/reset` too).
pub async fn set_latency(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let v: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => return bad(&format!("invalid body: {e}")),
    };
    let Some(ms) = v
        .get("ms")
        .and_then(Value::as_u64)
        .filter(|ms| *ms <= MAX_LATENCY_MS)
    else {
        return bad("body must be {\"ms\": N} with N a whole number from 0 to 60000");
    };
    shared.lock().latency_ms = ms;
    json_resp(StatusCode::OK, json!({"latencyMs": ms}))
}

/// `GET /_sandbox/latency`.
pub async fn get_latency(State(shared): State<Arc<Shared>>) -> Response {
    let ms = shared.lock().latency_ms;
    json_resp(StatusCode::OK, json!({"latencyMs": ms}))
}

/// `GET /_sandbox/users/{upn or id}/credentials`.
pub async fn credentials(State(shared): State<Arc<Shared>>, Path(user): Path<String>) -> Response {
    let s = shared.lock();
    let Some(u) = s.tenant.user(&user) else {
        return json_resp(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no user '{user}'")}),
        );
    };
    let now = shared.now_ms();
    let taps: Vec<Value> = u
        .taps
        .iter()
        .map(|t| {
            let end = t.start_ms + t.lifetime_in_minutes as i64 * 60_000;
            json!({
                "id": t.id,
                "temporaryAccessPass": t.pass,
                "createdDateTime": util::iso(t.created_ms),
                "startDateTime": util::iso(t.start_ms),
                "lifetimeInMinutes": t.lifetime_in_minutes,
                "isUsableOnce": t.is_usable_once,
                "isUsable": now >= t.start_ms && now < end,
            })
        })
        .collect();
    json_resp(
        StatusCode::OK,
        json!({
            "id": u.id,
            "userPrincipalName": u.user_principal_name,
            "password": u.password,
            "forceChangePasswordNextSignIn": u.force_change_password_next_sign_in,
            "lastPasswordChangeDateTime": u.last_password_change_date_time,
            "sessionsRevokedDateTime": u.sessions_revoked_at.map(util::iso),
            "temporaryAccessPasses": taps,
        }),
    )
}

/// `POST /_sandbox/tokens/expire`: every access token issued so far expires now.
pub async fn expire_tokens(State(shared): State<Arc<Shared>>) -> Response {
    let now = shared.now_ms();
    let mut s = shared.lock();
    let n = s.access_tokens.len();
    for t in s.access_tokens.values_mut() {
        t.expires_ms = t.expires_ms.min(now);
    }
    json_resp(StatusCode::OK, json!({"expired": n}))
}

/// `GET /_sandbox/tokens`: every access, refresh and ID token issued since the last reset, spent
/// and expired ones included, so a test can check none of them leaked into the browser.
pub async fn issued_tokens(State(shared): State<Arc<Shared>>) -> Response {
    let s = shared.lock();
    json_resp(StatusCode::OK, json!({"issued": s.issued_tokens}))
}

/// `POST /_sandbox/clock/advance {"seconds": N}`.
pub async fn advance_clock(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let v: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => return bad(&format!("invalid body: {e}")),
    };
    let Some(secs) = v
        .get("seconds")
        .and_then(Value::as_f64)
        .filter(|s| *s >= 0.0)
    else {
        return bad("body must be {\"seconds\": N} with N >= 0");
    };
    shared.advance_clock((secs * 1000.0) as i64);
    json_resp(StatusCode::OK, json!({"now": util::iso(shared.now_ms())}))
}

pub async fn outbox_json(State(shared): State<Arc<Shared>>) -> Response {
    let s = shared.lock();
    let sent: HashMap<&String, &Vec<Value>> = s.sent_items.iter().collect();
    json_resp(
        StatusCode::OK,
        json!({"messages": s.outbox, "sentItems": sent}),
    )
}

pub async fn audits(State(shared): State<Arc<Shared>>) -> Response {
    let s = shared.lock();
    json_resp(StatusCode::OK, json!({"audits": s.audits}))
}

fn recipients_text(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    let addr = r["emailAddress"]["address"].as_str().unwrap_or("");
                    match r["emailAddress"]["name"].as_str() {
                        Some(n) if !n.is_empty() => format!("{n} <{addr}>"),
                        _ => addr.to_string(),
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// `GET /_sandbox/outbox`: sent mail as an admin would see it. Every value is escaped; HTML bodies
/// render in a sandboxed iframe (no scripts, no same-origin) under a CSP that blocks remote loads.
pub async fn outbox_html(State(shared): State<Arc<Shared>>) -> Response {
    let s = shared.lock();
    let mut items = String::new();
    for (i, m) in s.outbox.iter().enumerate().rev() {
        let e = |v: &Value| html_escape(v.as_str().unwrap_or(""));
        let mut headers = String::new();
        for h in m["internetMessageHeaders"].as_array().into_iter().flatten() {
            headers.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                e(&h["name"]),
                e(&h["value"])
            ));
        }
        let body = if m["body"]["contentType"] == "html" {
            format!(
                "<iframe class=\"body\" sandbox title=\"HTML body of message {n}\" srcdoc=\"{}\"></iframe>",
                html_escape(m["body"]["content"].as_str().unwrap_or("")),
                n = i + 1
            )
        } else {
            format!("<pre class=\"body\">{}</pre>", e(&m["body"]["content"]))
        };
        items.push_str(&format!(
            "<article data-message-id=\"{id}\"><h2>{subject}</h2>\
             <dl><dt>From</dt><dd>{from}</dd><dt>Sent by</dt><dd>{by}</dd><dt>To</dt><dd>{to}</dd><dt>Cc</dt><dd>{cc}</dd>\
             <dt>Sent</dt><dd>{date}</dd><dt>Saved to Sent Items</dt><dd>{saved}</dd></dl>\
             {body}<details><summary>Text</summary><pre>{text}</pre></details>\
             <details><summary>Headers received</summary><table>{headers}</table></details></article>",
            id = e(&m["id"]),
            subject = if m["subject"].as_str().unwrap_or("").is_empty() { "(no subject)".to_string() } else { e(&m["subject"]) },
            from = html_escape(&recipients_text(&json!([m["from"]]))),
            by = e(&m["sentBy"]),
            to = html_escape(&recipients_text(&m["toRecipients"])),
            cc = html_escape(&recipients_text(&m["ccRecipients"])),
            date = e(&m["sentDateTime"]),
            saved = if m["saveToSentItems"] == true { "yes" } else { "no" },
            text = e(&m["text"]),
        ));
    }
    if items.is_empty() {
        items = "<p class=\"empty\">No mail has been sent.</p>".into();
    }
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sandbox outbox</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:960px;margin:24px auto;padding:0 16px}}\
         article{{border:1px solid #ccc;border-radius:6px;padding:12px 16px;margin:16px 0}}\
         dl{{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}}dt{{font-weight:600}}dd{{margin:0}}\
         iframe.body{{width:100%;height:420px;border:1px solid #ddd}}pre{{white-space:pre-wrap}}th{{text-align:left;padding-right:12px}}</style>\
         </head><body><h1>Outbox ({n} message{s})</h1>{items}</body></html>",
        n = s.outbox.len(),
        s = if s.outbox.len() == 1 { "" } else { "s" },
    );
    let mut resp = (StatusCode::OK, Html(html)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
