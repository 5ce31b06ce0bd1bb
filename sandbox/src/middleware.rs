//! Cross-cutting layers: CORS as Microsoft's endpoints answer it, the request log, and the fault
//! injector's matching.

use crate::state::Shared;
use crate::util;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

/// Headers Graph lets a browser read.
const EXPOSED: &str = "request-id, client-request-id";
/// What `--expose-headers` adds (Graph does not list these; the page must cope without them).
const EXPOSED_EXTRA: &str = ", Retry-After, Location";
const MAX_LOG_ENTRIES: usize = 5000;

/// Marks a response produced by an injected fault, for the request log.
#[derive(Clone, Copy)]
pub struct Faulted;

/// The request log entry of the current request (the batch handler adds inner requests to it).
#[derive(Clone, Copy)]
pub struct LogId(pub u64);

pub async fn cors(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let allowed = origin.as_deref().is_some_and(|o| {
        shared
            .allowed_origins()
            .iter()
            .any(|a| a.eq_ignore_ascii_case(o))
    });
    let is_preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if is_preflight {
        if is_api_path(req.uri().path()) {
            record_preflight(&shared, &req);
        }
        let mut resp = StatusCode::NO_CONTENT.into_response();
        let h = resp.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        if allowed {
            if let Some(o) = origin
                .as_deref()
                .and_then(|o| HeaderValue::from_str(o).ok())
            {
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
            }
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
            );
            let asked = req
                .headers()
                .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .cloned()
                .unwrap_or_else(|| HeaderValue::from_static("Authorization, Content-Type"));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("3600"),
            );
        }
        return resp;
    }
    let mut resp = next.run(req).await;
    if allowed {
        let h = resp.headers_mut();
        if let Some(o) = origin
            .as_deref()
            .and_then(|o| HeaderValue::from_str(o).ok())
        {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        }
        let exposed = if shared.settings.expose_headers {
            format!("{EXPOSED}{EXPOSED_EXTRA}")
        } else {
            EXPOSED.to_string()
        };
        if let Ok(v) = HeaderValue::from_str(&exposed) {
            h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
        }
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    resp
}

/// Notes a CORS preflight to the authority or Graph, with when it arrived and was answered
/// (answering one takes no time after any added latency, so both are known here).
fn record_preflight(shared: &Shared, req: &Request) {
    let arrived = req
        .extensions()
        .get::<Arrived>()
        .map_or_else(Instant::now, |a| a.0);
    let ended = shared.micros_since_start(Instant::now());
    let asked = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut s = shared.lock();
    s.next_preflight_id += 1;
    let entry = json!({
        "id": s.next_preflight_id,
        "path": req.uri().path(),
        "requestMethod": asked,
        "startedUs": shared.micros_since_start(arrived),
        "endedUs": ended,
    });
    s.preflights.push(entry);
    if s.preflights.len() > MAX_LOG_ENTRIES {
        let excess = s.preflights.len() - MAX_LOG_ENTRIES;
        s.preflights.drain(..excess);
    }
}

/// Requests worth logging: the authority and Graph, not the page's files nor the control API.
fn is_api_path(path: &str) -> bool {
    path.starts_with("/v1.0/")
        || path.contains("/oauth2/")
        || path.contains("/.well-known/")
        || path.contains("/discovery/")
}

pub fn redacted_headers(headers: &HeaderMap) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in headers {
        let name = k.as_str().to_ascii_lowercase();
        let value = if name == "authorization" || name == "cookie" {
            "[redacted]".to_string()
        } else {
            v.to_str().unwrap_or("[binary]").to_string()
        };
        m.insert(name, Value::String(value));
    }
    Value::Object(m)
}

pub fn body_for_log(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => v,
        Err(_) => match std::str::from_utf8(bytes) {
            Ok(s) => Value::String(s.to_string()),
            Err(_) => Value::String(format!("[{} bytes of binary]", bytes.len())),
        },
    }
}

/// When a request reached the sandbox (set by the outermost layer, before any added latency).
#[derive(Clone, Copy)]
pub struct Arrived(pub Instant);

/// The outermost layer: notes when each request arrived, then holds every request except the
/// control API's for the latency set by `POST /_sandbox/latency` (once per HTTP request: a
/// `$batch` is one request, a CORS preflight is one, a page file is one).
pub async fn network_latency(
    State(shared): State<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response {
    req.extensions_mut().insert(Arrived(Instant::now()));
    if !req.uri().path().starts_with("/_sandbox/") {
        let ms = shared.lock().latency_ms;
        if ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
    }
    next.run(req).await
}

pub async fn request_log(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if !is_api_path(&path) || req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    let arrived = req
        .extensions()
        .get::<Arrived>()
        .map_or_else(Instant::now, |a| a.0);
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, 16 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let id = {
        let mut s = shared.lock();
        s.next_log_id += 1;
        let id = s.next_log_id;
        let entry = json!({
            "id": id,
            "time": util::iso(shared.now_ms()),
            "method": parts.method.as_str(),
            "path": path,
            "query": parts.uri.query().map(util::parse_query).unwrap_or_default()
                .into_iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "rawQuery": parts.uri.query(),
            "headers": redacted_headers(&parts.headers),
            "body": body_for_log(&bytes),
            "status": null,
            "faulted": false,
            "startedUs": shared.micros_since_start(arrived),
            "endedUs": null,
        });
        s.log.push(entry);
        if s.log.len() > MAX_LOG_ENTRIES {
            let excess = s.log.len() - MAX_LOG_ENTRIES;
            s.log.drain(..excess);
        }
        id
    };
    let method = parts.method.clone();
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(LogId(id));
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let faulted = resp.extensions().get::<Faulted>().is_some();
    let ended = shared.micros_since_start(Instant::now());
    {
        let mut s = shared.lock();
        if let Some(e) = s.log.iter_mut().rev().find(|e| e["id"] == id) {
            e["status"] = json!(status);
            e["faulted"] = json!(faulted);
            e["endedUs"] = json!(ended);
        }
    }
    if shared.settings.log_requests {
        // Method, path and status only: queries and bodies may carry codes, tokens or passwords.
        println!(
            "[sandbox] {method} {path} -> {status}{}",
            if faulted { " (injected fault)" } else { "" }
        );
    }
    resp
}

/// What a matching fault asks for.
#[derive(Clone, Debug)]
pub struct FaultHit {
    pub status: Option<u16>,
    pub retry_after: Option<f64>,
    pub latency_ms: Option<u64>,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Finds the first fault matching `method` and `path`, and uses up one of its count.
pub fn take_fault(shared: &Shared, method: &str, path: &str) -> Option<FaultHit> {
    let mut s = shared.lock();
    let idx = s.faults.iter().position(|f| {
        (f.method == "*" || f.method.eq_ignore_ascii_case(method))
            && util::glob_match(&f.path, path)
            && f.count != Some(0)
    })?;
    let f = &mut s.faults[idx];
    if let Some(c) = f.count.as_mut() {
        *c -= 1;
    }
    let hit = FaultHit {
        status: f.status,
        retry_after: f.retry_after,
        latency_ms: f.latency_ms,
        code: f.code.clone(),
        message: f.message.clone(),
    };
    if f.count == Some(0) {
        s.faults.remove(idx);
    }
    Some(hit)
}

/// Applies a fault's latency; returns the status to answer with, if it has one.
pub async fn apply_latency(hit: &FaultHit) {
    if let Some(ms) = hit.latency_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

pub fn format_retry_after(secs: f64) -> String {
    if secs.fract() == 0.0 {
        format!("{}", secs as i64)
    } else {
        format!("{secs}")
    }
}

pub fn default_fault_error(status: u16) -> (&'static str, &'static str) {
    match status {
        429 => (
            "TooManyRequests",
            "Too many requests. Please retry after the time in the Retry-After header.",
        ),
        503 => (
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please retry later.",
        ),
        504 => (
            "GatewayTimeout",
            "The gateway did not receive a response in time.",
        ),
        500 => ("InternalServerError", "An internal server error occurred."),
        401 => ("InvalidAuthenticationToken", "Access token is empty."),
        403 => (
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ),
        404 => ("Request_ResourceNotFound", "The resource was not found."),
        _ => ("UnknownError", "An injected fault."),
    }
}
