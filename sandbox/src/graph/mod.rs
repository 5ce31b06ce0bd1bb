//! Microsoft Graph v1.0: the endpoints Handover calls, with Graph's headers, error bodies and
//! authorization (token scopes, and the caller's directory roles against the target's).

mod audit;
mod authz;
mod batch;
mod mail;
pub mod odata;
mod passwords;
mod users;

use crate::middleware::{self, Faulted};
use crate::state::Shared;
use crate::util;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Per-request identifiers Graph echoes in headers and error bodies.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub request_id: String,
    pub client_request_id: String,
    pub now_ms: i64,
}

impl Ctx {
    pub fn new(client_request_id: Option<&str>, now_ms: i64) -> Ctx {
        Ctx {
            request_id: util::guid(),
            client_request_id: client_request_id
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
                .unwrap_or_else(util::guid),
            now_ms,
        }
    }
}

/// A Graph answer before it becomes HTTP (or an entry in a $batch answer).
#[derive(Clone, Debug)]
pub struct GResp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl GResp {
    pub fn json(status: u16, body: Value) -> GResp {
        GResp {
            status,
            headers: vec![],
            body: Some(body),
        }
    }

    pub fn empty(status: u16) -> GResp {
        GResp {
            status,
            headers: vec![],
            body: None,
        }
    }

    pub fn error(ctx: &Ctx, status: u16, code: &str, message: &str) -> GResp {
        GResp::json(
            status,
            json!({"error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": util::iso(ctx.now_ms).trim_end_matches('Z'),
                    "request-id": ctx.request_id,
                    "client-request-id": ctx.client_request_id,
                }
            }}),
        )
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> GResp {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// The common denials, worded as Graph words them.
pub fn insufficient(ctx: &Ctx) -> GResp {
    GResp::error(
        ctx,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

pub fn not_found(ctx: &Ctx, key: &str) -> GResp {
    GResp::error(
        ctx,
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."),
    )
}

pub fn bad_request(ctx: &Ctx, code: &str, message: &str) -> GResp {
    GResp::error(ctx, 400, code, message)
}

/// The signed-in admin behind an access token.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: String,
    pub scopes: Vec<String>,
}

impl Caller {
    pub fn has_any(&self, scopes: &[&str]) -> bool {
        self.scopes
            .iter()
            .any(|s| scopes.iter().any(|w| w.eq_ignore_ascii_case(s)))
    }
}

/// One Graph request, top-level or inside a $batch.
#[derive(Clone, Debug)]
pub struct GReq {
    pub method: String,
    /// Path below `/v1.0`, e.g. `/users/x/sendMail` (still percent-encoded).
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Lower-cased header names.
    pub headers: HashMap<String, String>,
    pub body: Option<Value>,
    /// The body was present but not JSON.
    pub body_invalid: bool,
}

impl GReq {
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| {
                k.eq_ignore_ascii_case(name) || k.eq_ignore_ascii_case(&format!("${name}"))
            })
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

fn header_map_to_lower(h: &HeaderMap) -> HashMap<String, String> {
    h.iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_ascii_lowercase(), v.to_string()))
        })
        .collect()
}

pub fn to_response(resp: GResp, ctx: &Ctx) -> Response {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    let h = builder.headers_mut().expect("a fresh builder has headers");
    let mut put = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.insert(n, v);
        }
    };
    put("request-id", &ctx.request_id);
    put("client-request-id", &ctx.client_request_id);
    put("Date", &util::http_date(ctx.now_ms));
    put("Cache-Control", "no-cache");
    put(
        "x-ms-ags-diagnostic",
        r#"{"ServerInfo":{"DataCenter":"Sandbox","Slice":"L","Ring":"0","ScaleUnit":"000","RoleInstance":"SBX000001"}}"#,
    );
    for (k, v) in &resp.headers {
        put(k, v);
    }
    let body = match &resp.body {
        Some(v) => {
            put(
                "Content-Type",
                "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
            );
            put("OData-Version", "4.0");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Builds the error a fault asks for, in Graph's shape.
pub fn fault_response(ctx: &Ctx, hit: &middleware::FaultHit, status: u16) -> GResp {
    let (code, message) = middleware::default_fault_error(status);
    let mut r = GResp::error(
        ctx,
        status,
        hit.code.as_deref().unwrap_or(code),
        hit.message.as_deref().unwrap_or(message),
    );
    if let Some(ra) = hit.retry_after {
        r = r.header("Retry-After", middleware::format_retry_after(ra));
    }
    r
}

pub fn authenticate(
    shared: &Shared,
    ctx: &Ctx,
    headers: &HashMap<String, String>,
) -> Result<Caller, GResp> {
    let unauthorized = |message: &str| {
        GResp::error(ctx, 401, "InvalidAuthenticationToken", message).header(
            "WWW-Authenticate",
            format!(
                "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                shared.api_origin()
            ),
        )
    };
    let raw = headers.get("authorization").map(|s| s.trim()).unwrap_or("");
    let token = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .unwrap_or(if raw.contains(' ') { "" } else { raw })
        .trim();
    if token.is_empty() {
        return Err(unauthorized("Access token is empty."));
    }
    let s = shared.lock();
    let Some(t) = s.access_tokens.get(token) else {
        return Err(unauthorized(
            "Invalid JWT token. The token is malformed or was not issued by this tenant.",
        ));
    };
    if t.expires_ms <= ctx.now_ms {
        return Err(unauthorized(
            "Access token has expired or is not yet valid.",
        ));
    }
    Ok(Caller {
        user_id: t.user_id.clone(),
        scopes: t.scopes.clone(),
    })
}

/// `ANY /v1.0/{*rest}`.
pub async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = header_map_to_lower(&parts.headers);
    let ctx = Ctx::new(
        headers.get("client-request-id").map(String::as_str),
        shared.now_ms(),
    );
    let full_path = parts.uri.path().to_string();
    let path = full_path
        .strip_prefix("/v1.0")
        .unwrap_or(&full_path)
        .to_string();
    let method = parts.method.as_str().to_ascii_uppercase();

    if let Some(hit) = middleware::take_fault(&shared, &method, &full_path) {
        middleware::apply_latency(&hit).await;
        if let Some(status) = hit.status {
            let ctx = Ctx {
                now_ms: shared.now_ms(),
                ..ctx
            };
            let mut resp = to_response(fault_response(&ctx, &hit, status), &ctx);
            resp.extensions_mut().insert(Faulted);
            return resp;
        }
    }
    let ctx = Ctx {
        now_ms: shared.now_ms(),
        ..ctx
    };

    let bytes = to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default();
    let (body, body_invalid) = if bytes.iter().all(u8::is_ascii_whitespace) {
        (None, false)
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => (Some(v), false),
            Err(_) => (None, true),
        }
    };
    let greq = GReq {
        method,
        path,
        query: parts.uri.query().map(util::parse_query).unwrap_or_default(),
        headers,
        body,
        body_invalid,
    };

    let caller = match authenticate(&shared, &ctx, &greq.headers) {
        Ok(c) => c,
        Err(r) => return to_response(r, &ctx),
    };

    if greq.path.eq_ignore_ascii_case("/$batch") {
        if greq.method != "POST" {
            return to_response(method_not_allowed(&ctx), &ctx);
        }
        let log_id = parts.extensions.get::<middleware::LogId>().copied();
        let resp = batch::run(&shared, &caller, &ctx, &greq, log_id).await;
        return to_response(resp, &ctx);
    }
    let resp = dispatch(&shared, &caller, &ctx, &greq);
    to_response(resp, &ctx)
}

pub fn method_not_allowed(ctx: &Ctx) -> GResp {
    GResp::error(
        ctx,
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}

/// Routes one request (top-level or from a batch) to its endpoint.
pub fn dispatch(shared: &Shared, caller: &Caller, ctx: &Ctx, req: &GReq) -> GResp {
    if req.body_invalid {
        return bad_request(
            ctx,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        );
    }
    let segs: Vec<String> = req
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(util::percent_decode)
        .collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let m = req.method.as_str();

    // `me/...` and `users/{id}/...` share their sub-resources.
    let (target, rest): (Option<&str>, &[&str]) = match l.as_slice() {
        ["me", rest @ ..] => (Some("me"), rest),
        ["users", _, rest @ ..] => (Some(segs[1].as_str()), rest),
        _ => (None, &[]),
    };
    if let Some(target) = target {
        let is_me = target == "me";
        let key = if is_me {
            caller.user_id.as_str()
        } else {
            target
        };
        return match (m, rest) {
            ("GET", []) => users::get_user(shared, caller, ctx, req, key, is_me),
            ("PATCH", []) if !is_me => passwords::patch_user(shared, caller, ctx, req, key),
            ("GET", ["transitivememberof" | "memberof"]) => {
                users::member_of(shared, caller, ctx, key, is_me, false)
            }
            ("GET", ["transitivememberof" | "memberof", "microsoft.graph.directoryrole"]) => {
                users::member_of(shared, caller, ctx, key, is_me, true)
            }
            ("GET", ["ownedobjects"] | ["ownedobjects", "microsoft.graph.group"]) => {
                users::owned_groups(shared, caller, ctx, key, is_me)
            }
            ("GET", ["authentication", "methods"]) => {
                passwords::list_methods(shared, caller, ctx, key)
            }
            ("POST", ["authentication", "methods", _, "resetpassword"]) => {
                passwords::reset_password(shared, caller, ctx, req, key, &segs[segs.len() - 2])
            }
            ("GET", ["authentication", "operations", _]) => {
                passwords::get_operation(shared, caller, ctx, req, key, &segs[segs.len() - 1])
            }
            ("GET", ["authentication", "temporaryaccesspassmethods"]) => {
                passwords::list_taps(shared, caller, ctx, key)
            }
            ("POST", ["authentication", "temporaryaccesspassmethods"]) => {
                passwords::create_tap(shared, caller, ctx, req, key)
            }
            ("DELETE", ["authentication", "temporaryaccesspassmethods", _]) => {
                passwords::delete_tap(shared, caller, ctx, key, &segs[segs.len() - 1])
            }
            ("POST", ["revokesigninsessions"]) => {
                passwords::revoke_sessions(shared, caller, ctx, key)
            }
            ("POST", ["sendmail"]) => mail::send_mail(shared, caller, ctx, req, key, is_me),
            (
                _,
                []
                | ["transitivememberof", ..]
                | ["memberof", ..]
                | ["ownedobjects", ..]
                | ["authentication", ..]
                | ["revokesigninsessions"]
                | ["sendmail"],
            ) => method_not_allowed(ctx),
            (_, [seg, ..]) => unknown_segment(ctx, seg),
        };
    }
    match (m, l.as_slice()) {
        ("GET", ["users"]) => users::list_users(shared, caller, ctx, req),
        ("GET", ["rolemanagement", "directory", "roleeligibilityscheduleinstances"]) => {
            users::role_eligibility_instances(shared, caller, ctx, req)
        }
        ("GET", ["auditlogs", "directoryaudits"]) => audit::list(shared, caller, ctx, req),
        ("POST", ["$batch"]) => bad_request(
            ctx,
            "BadRequest",
            "Nested batch requests are not supported.",
        ),
        (
            _,
            ["users"]
            | ["rolemanagement", "directory", "roleeligibilityscheduleinstances"]
            | ["auditlogs", "directoryaudits"],
        ) => method_not_allowed(ctx),
        (_, [seg, ..]) => unknown_segment(ctx, seg),
        (_, []) => unknown_segment(ctx, ""),
    }
}

fn unknown_segment(ctx: &Ctx, seg: &str) -> GResp {
    bad_request(
        ctx,
        "BadRequest",
        &format!("Resource not found for the segment '{seg}'."),
    )
}

/// `https://graph.microsoft.com/v1.0/$metadata#...` with the sandbox's Graph base.
pub fn context_url(shared: &Shared, fragment: &str) -> String {
    format!("{}/v1.0/$metadata#{fragment}", shared.api_origin())
}
