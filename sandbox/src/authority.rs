//! The Microsoft identity platform v2 endpoints for a single-page app: discovery, authorize (an
//! account chooser), token (authorization_code with PKCE S256, refresh_token), logout and keys.
//! Error codes and texts follow Entra's AADSTS messages.

use crate::middleware::{self, Faulted};
use crate::state::{AccessToken, AuthCode, RefreshToken, Shared};
use crate::tenant::{Tenant, User};
use crate::util::{self, html_escape, query_encode};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

const GRAPH_PREFIX: &str = "https://graph.microsoft.com/";
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];
const CODE_LIFETIME_MS: i64 = 10 * 60 * 1000;
const SPA_REFRESH_LIFETIME_MS: i64 = 24 * 3600 * 1000;
const SESSION_COOKIE: &str = "sbx_session";
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

fn issuer(shared: &Shared, t: &Tenant) -> String {
    format!("{}/{}/v2.0", shared.api_origin(), t.tenant_id)
}

/// An OAuth error answer in Entra's JSON shape.
fn oauth_error(
    shared: &Shared,
    status: StatusCode,
    error: &str,
    code: u32,
    message: &str,
) -> Response {
    let now = shared.now_ms();
    let trace = util::guid();
    let corr = util::guid();
    let ts = util::iso(now).replace('T', " ");
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts}"),
        "error_codes": [code],
        "timestamp": ts,
        "trace_id": trace,
        "correlation_id": corr,
        "error_uri": format!("{}/error?code={code}", shared.api_origin()),
    });
    json_no_store(status, body)
}

fn json_no_store(status: StatusCode, body: Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// Applies an injected fault to an authority endpoint (OAuth error shape).
async fn authority_fault(shared: &Shared, method: &str, path: &str) -> Option<Response> {
    let hit = middleware::take_fault(shared, method, path)?;
    middleware::apply_latency(&hit).await;
    let status = hit.status?;
    let mut resp = oauth_error(
        shared,
        StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
        hit.code.as_deref().unwrap_or("temporarily_unavailable"),
        50196,
        hit.message.as_deref().unwrap_or(
            "The server is temporarily unable to service your request (an injected fault).",
        ),
    );
    if let Some(ra) = hit.retry_after {
        if let Ok(v) = HeaderValue::from_str(&middleware::format_retry_after(ra)) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp.extensions_mut().insert(Faulted);
    Some(resp)
}

fn tenant_not_found(shared: &Shared, name: &str) -> Response {
    oauth_error(
        shared,
        StatusCode::BAD_REQUEST,
        "invalid_tenant",
        90002,
        &format!("Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
    )
}

pub async fn discovery(State(shared): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    let path = format!("/{tenant}/v2.0/.well-known/openid-configuration");
    if let Some(r) = authority_fault(&shared, "GET", &path).await {
        return r;
    }
    let t = shared.original.clone();
    if !t.is_named(&tenant) {
        return tenant_not_found(&shared, &tenant);
    }
    let a = shared.api_origin();
    let tid = &t.tenant_id;
    let body = json!({
        "token_endpoint": format!("{a}/{tid}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{a}/{tid}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer(&shared, &t),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{a}/oidc/userinfo"),
        "authorization_endpoint": format!("{a}/{tid}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{a}/{tid}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{a}/{tid}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{a}/{tid}/kerberos"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": a.trim_start_matches("http://"),
        "rbac_url": "https://pas.windows.net",
    });
    let mut resp = (StatusCode::OK, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

pub async fn keys() -> Response {
    // ID tokens are HS256-signed with a per-run secret; no public key is published.
    let mut resp = (StatusCode::OK, json!({"keys": []}).to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// Normalises requested scopes: `https://graph.microsoft.com/X` → `X`; returns (graph, oidc).
fn split_scopes(requested: &str) -> (Vec<String>, Vec<String>) {
    let mut graph = Vec::new();
    let mut oidc = Vec::new();
    for s in requested.split_whitespace() {
        if let Some(o) = OIDC_SCOPES.iter().find(|o| o.eq_ignore_ascii_case(s)) {
            if !oidc.iter().any(|x: &String| x == o) {
                oidc.push(o.to_string());
            }
            continue;
        }
        let short = if s.len() > GRAPH_PREFIX.len()
            && s[..GRAPH_PREFIX.len()].eq_ignore_ascii_case(GRAPH_PREFIX)
        {
            &s[GRAPH_PREFIX.len()..]
        } else if s.contains("://") {
            continue; // another resource: not Graph, not granted here
        } else {
            s
        };
        if !graph.iter().any(|x: &String| x.eq_ignore_ascii_case(short)) {
            graph.push(short.to_string());
        }
    }
    (graph, oidc)
}

/// Granted = requested ∩ consented (Graph's short form), then the OpenID scopes asked for.
pub fn granted_scopes(tenant: &Tenant, requested: &str) -> Vec<String> {
    let (graph, oidc) = split_scopes(requested);
    let consented = &tenant.app.consented_scopes;
    let mut out: Vec<String> = Vec::new();
    for g in &graph {
        if g.eq_ignore_ascii_case(".default") {
            for c in consented {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        } else if let Some(c) = consented.iter().find(|c| c.eq_ignore_ascii_case(g)) {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
    }
    for o in ["openid", "profile", "email", "offline_access"] {
        if oidc.iter().any(|x| x == o) {
            out.push(o.to_string());
        }
    }
    out
}

struct AuthRequest {
    params: HashMap<String, String>,
    redirect_uri: String,
    fragment: bool,
}

impl AuthRequest {
    fn get(&self, k: &str) -> Option<&str> {
        self.params.get(k).map(String::as_str)
    }
}

/// An error page for requests that cannot be redirected (unknown app or redirect URI), as Entra shows.
fn error_page(status: StatusCode, code: u32, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title>{STYLE}</head>\
         <body><main><h1>Sign in</h1><p class=\"err\">Sorry, but we’re having trouble signing you in.</p>\
         <p><code>AADSTS{code}: {}</code></p></main></body></html>",
        html_escape(message)
    );
    let mut resp = (status, Html(html)).into_response();
    frame_headers(resp.headers_mut());
    resp
}

fn frame_headers(h: &mut HeaderMap) {
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'; script-src 'none'; object-src 'none'"),
    );
    h.insert(
        "Cross-Origin-Opener-Policy",
        HeaderValue::from_static("same-origin-allow-popups"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
}

/// Validates what Entra validates before it will redirect anywhere.
fn validate(
    shared: &Shared,
    tenant: &str,
    params: HashMap<String, String>,
) -> Result<AuthRequest, Box<Response>> {
    let t = &shared.original;
    if !t.is_named(tenant) {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            90002,
            &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        )));
    }
    let client_id = params.get("client_id").map(String::as_str).unwrap_or("");
    if !client_id.eq_ignore_ascii_case(&t.app.client_id) {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", t.display_name),
        )));
    }
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    if !shared.redirect_uris().contains(&redirect_uri) {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            50011,
            &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal."),
        )));
    }
    let mode = params
        .get("response_mode")
        .map(String::as_str)
        .unwrap_or("query");
    let fragment = match mode {
        "query" => false,
        "fragment" => true,
        _ => {
            return Err(Box::new(error_page(
                StatusCode::BAD_REQUEST,
                900144,
                &format!(
                    "The sandbox supports response_mode 'query' and 'fragment' only, not '{mode}'."
                ),
            )))
        }
    };
    Ok(AuthRequest {
        params,
        redirect_uri,
        fragment,
    })
}

fn redirect_with(req: &AuthRequest, pairs: &[(&str, String)]) -> Response {
    let mut pairs: Vec<(&str, String)> = pairs.to_vec();
    if let Some(state) = req.get("state") {
        pairs.push(("state", state.to_string()));
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", query_encode(v)))
        .collect();
    let sep = if req.fragment {
        "#"
    } else if req.redirect_uri.contains('?') {
        "&"
    } else {
        "?"
    };
    let location = format!("{}{sep}{}", req.redirect_uri, encoded.join("&"));
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    resp
}

fn redirect_error(
    shared: &Shared,
    req: &AuthRequest,
    error: &str,
    code: u32,
    message: &str,
) -> Response {
    let now = shared.now_ms();
    let desc = format!(
        "AADSTS{code}: {message} Trace ID: {} Correlation ID: {} Timestamp: {}",
        util::guid(),
        util::guid(),
        util::iso(now).replace('T', " ")
    );
    redirect_with(
        req,
        &[
            ("error", error.to_string()),
            ("error_description", desc),
            (
                "error_uri",
                format!("{}/error?code={code}", shared.api_origin()),
            ),
        ],
    )
}

/// Checks that do not stop a redirect (errors go back to the app).
fn check_redirectable(shared: &Shared, req: &AuthRequest) -> Result<(), Box<Response>> {
    let rt = req.get("response_type").unwrap_or("");
    if rt != "code" {
        return Err(Box::new(redirect_error(
            shared,
            req,
            "unsupported_response_type",
            700054,
            &format!("response_type '{rt}' is not enabled for the application."),
        )));
    }
    if req.get("scope").is_none_or(|s| s.trim().is_empty()) {
        return Err(Box::new(redirect_error(
            shared,
            req,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        )));
    }
    if let Some(ch) = req.get("code_challenge") {
        let method = req.get("code_challenge_method").unwrap_or("plain");
        if method != "S256" {
            return Err(Box::new(redirect_error(
                shared,
                req,
                "invalid_request",
                501491,
                &format!("Invalid code_challenge_method '{method}': single-page applications must use S256."),
            )));
        }
        if ch.len() != 43
            || !ch
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Box::new(redirect_error(
                shared,
                req,
                "invalid_request",
                501491,
                "Invalid size of Code_Challenge parameter.",
            )));
        }
    }
    Ok(())
}

fn sign_in_accounts(t: &Tenant) -> Vec<&User> {
    t.users
        .iter()
        .filter(|u| u.can_sign_in && u.account_enabled)
        .collect()
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::COOKIE)?.to_str().ok()?;
    raw.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == SESSION_COOKIE).then(|| v.to_string())
    })
}

/// Issues a code for `user` and redirects; starts a browser session (cookie) for prompt=none.
fn issue_code(shared: &Shared, req: &AuthRequest, user_id: &str, set_cookie: bool) -> Response {
    let now = shared.now_ms();
    let code = format!("1.sbx.{}", util::random_token(48));
    let mut s = shared.lock();
    let scopes = granted_scopes(&s.tenant, req.get("scope").unwrap_or(""));
    s.codes.insert(
        code.clone(),
        AuthCode {
            client_id: req.get("client_id").unwrap_or("").to_string(),
            redirect_uri: req.redirect_uri.clone(),
            user_id: user_id.to_string(),
            scopes,
            nonce: req.get("nonce").map(str::to_owned),
            code_challenge: req.get("code_challenge").map(str::to_owned),
            issued_ms: now,
            redeemed: false,
            client_info: req.get("client_info") == Some("1"),
        },
    );
    let cookie = if set_cookie {
        let sid = util::random_token(24);
        s.sessions.insert(sid.clone(), user_id.to_string());
        Some(sid)
    } else {
        None
    };
    drop(s);
    let mut resp = redirect_with(req, &[("code", code)]);
    if let Some(sid) = cookie {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"
        )) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

fn params_of(query: Option<&str>) -> HashMap<String, String> {
    query
        .map(util::parse_query)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

pub async fn authorize_get(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let path = format!("/{tenant}/oauth2/v2.0/authorize");
    if let Some(r) = authority_fault(&shared, "GET", &path).await {
        return r;
    }
    let req = match validate(&shared, &tenant, params_of(query.as_deref())) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    if let Err(resp) = check_redirectable(&shared, &req) {
        return *resp;
    }
    let prompt = req.get("prompt").unwrap_or("");
    if prompt == "none" {
        let live = shared.lock().tenant.clone();
        let hinted = req.get("login_hint").filter(|h| !h.is_empty());
        let user = match hinted {
            Some(hint) => sign_in_accounts(&live)
                .into_iter()
                .find(|u| u.user_principal_name.eq_ignore_ascii_case(hint))
                .map(|u| u.id.clone()),
            None => {
                session_cookie(&headers).and_then(|sid| shared.lock().sessions.get(&sid).cloned())
            }
        };
        return match user {
            Some(id) => issue_code(&shared, &req, &id, false),
            None if hinted.is_some() => redirect_error(
                &shared,
                &req,
                "login_required",
                50058,
                "A silent sign-in request was sent but the user named by login_hint has no session here (the sandbox treats every sign-in account as signed in).",
            ),
            None => redirect_error(
                &shared,
                &req,
                "login_required",
                50058,
                "A silent sign-in request was sent but no user is signed in.",
            ),
        };
    }
    chooser_page(&shared, &tenant, &req)
}

pub async fn authorize_post(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    let mut params = params_of(query.as_deref());
    params.extend(util::parse_query(&body));
    let login = params.remove("login");
    let cancel = params.remove("cancel");
    let req = match validate(&shared, &tenant, params) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    if let Err(resp) = check_redirectable(&shared, &req) {
        return *resp;
    }
    if cancel.is_some() {
        return redirect_error(
            &shared,
            &req,
            "access_denied",
            65004,
            "User declined to consent to access the app.",
        );
    }
    let live = shared.lock().tenant.clone();
    let Some(user) = login.as_deref().and_then(|upn| {
        sign_in_accounts(&live)
            .into_iter()
            .find(|u| u.user_principal_name.eq_ignore_ascii_case(upn))
    }) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50034,
            "The user account does not exist in the directory or cannot sign in to the sandbox. Choose one of the listed accounts.",
        );
    };
    issue_code(&shared, &req, &user.id.clone(), true)
}

const STYLE: &str = "<style>body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}main{max-width:460px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}h1{font-size:1.5rem;font-weight:600}.acct{display:block;width:100%;text-align:left;padding:10px 12px;margin:6px 0;border:1px solid #ddd;background:#fff;cursor:pointer;font:inherit}.acct:hover,.acct:focus{background:#e6f0fb;border-color:#0067b8}.upn{color:#555;font-size:.9em}.roles{color:#0067b8;font-size:.8em}.cancel{margin-top:16px;padding:6px 18px;font:inherit}.err{color:#a80000}.note{color:#666;font-size:.85em}</style>";

fn chooser_page(shared: &Shared, tenant: &str, req: &AuthRequest) -> Response {
    let live = shared.lock().tenant.clone();
    let mut hidden = String::new();
    let mut keys: Vec<&String> = req.params.keys().collect();
    keys.sort();
    for k in keys {
        hidden.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            html_escape(k),
            html_escape(&req.params[k])
        ));
    }
    let hint = req.get("login_hint").unwrap_or("");
    let mut accounts = String::new();
    for u in sign_in_accounts(&live) {
        let roles: Vec<String> = live
            .active_roles(u)
            .iter()
            .map(|r| r.display_name.clone())
            .collect();
        let roles = if roles.is_empty() {
            "No admin role".to_string()
        } else {
            roles.join(", ")
        };
        let mailbox = if u.has_mailbox { "" } else { " · no mailbox" };
        let upn = html_escape(&u.user_principal_name);
        let autofocus = if u.user_principal_name.eq_ignore_ascii_case(hint) {
            " autofocus"
        } else {
            ""
        };
        accounts.push_str(&format!(
            "<button class=\"acct\" type=\"submit\" name=\"login\" value=\"{upn}\" data-upn=\"{upn}\"{autofocus}>\
             <strong>{}</strong><br><span class=\"upn\">{upn}</span><br><span class=\"roles\">{}{}</span></button>",
            html_escape(&u.display_name),
            html_escape(&roles),
            mailbox
        ));
    }
    let action = format!("/{}/oauth2/v2.0/authorize", query_encode(tenant));
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Sign in to your account</title>{STYLE}</head><body><main>\
         <div class=\"note\">{org} · sandbox tenant</div><h1>Pick an account</h1>\
         <p class=\"note\">to continue to {app}</p>\
         <form method=\"post\" action=\"{action}\">{hidden}{accounts}\
         <button class=\"cancel\" type=\"submit\" name=\"cancel\" value=\"1\" data-action=\"cancel\">Cancel</button></form>\
         <p class=\"note\">Simulated Microsoft Entra ID. No password is needed.</p></main></body></html>",
        org = html_escape(&live.display_name),
        app = html_escape(&live.app.display_name),
    );
    let mut resp = (StatusCode::OK, Html(html)).into_response();
    frame_headers(resp.headers_mut());
    resp
}

pub async fn logout(
    State(shared): State<Arc<Shared>>,
    Path(_tenant): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let params = params_of(query.as_deref());
    if let Some(sid) = session_cookie(&headers) {
        shared.lock().sessions.remove(&sid);
    }
    let target = params.get("post_logout_redirect_uri").filter(|u| {
        let origins = shared.allowed_origins();
        crate::state::origin_of(u).is_some_and(|o| origins.contains(&o))
    });
    let mut resp = match target {
        Some(u) => {
            let mut r = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(u) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        None => (
            StatusCode::OK,
            Html(format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signed out</title>{STYLE}</head><body><main><h1>You signed out of your account</h1><p>It’s a good idea to close all browser windows.</p></main></body></html>")),
        )
            .into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
    )) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// Issues an access token (and refresh and ID tokens as the scopes allow).
fn issue_tokens(
    shared: &Shared,
    user: &User,
    client_id: &str,
    scopes: Vec<String>,
    nonce: Option<&str>,
    session_start_ms: i64,
    client_info: bool,
) -> Response {
    let now = shared.now_ms();
    let t = &shared.original;
    let lifetime = shared.settings.access_token_lifetime_secs;
    let graph_scopes: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !OIDC_SCOPES.contains(s))
        .collect();
    let at_claims = json!({
        "aud": GRAPH_APP_ID,
        "iss": format!("{}/{}/", shared.api_origin(), t.tenant_id),
        "iat": now / 1000,
        "nbf": now / 1000,
        "exp": now / 1000 + lifetime,
        "appid": client_id,
        "oid": user.id,
        "tid": t.tenant_id,
        "upn": user.user_principal_name,
        "scp": graph_scopes.join(" "),
        "uti": util::random_token(16),
        "ver": "1.0",
    });
    let access_token = util::jwt_hs256(&shared.signing_key, &at_claims);
    let mut body = serde_json::Map::new();
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("scope".into(), json!(scopes.join(" ")));
    body.insert("expires_in".into(), json!(lifetime));
    body.insert("ext_expires_in".into(), json!(lifetime));
    body.insert("access_token".into(), json!(access_token));
    let mut s = shared.lock();
    s.issued_tokens.push(access_token.clone());
    s.access_tokens.insert(
        access_token.clone(),
        AccessToken {
            user_id: user.id.clone(),
            scopes: graph_scopes.iter().map(|s| s.to_string()).collect(),
            expires_ms: now + lifetime * 1000,
        },
    );
    if scopes.iter().any(|s| s == "offline_access") {
        let rt = format!("1.sbx-rt.{}", util::random_token(64));
        s.issued_tokens.push(rt.clone());
        s.refresh_tokens.insert(
            rt.clone(),
            RefreshToken {
                client_id: client_id.to_string(),
                user_id: user.id.clone(),
                scopes: scopes.clone(),
                session_start_ms,
            },
        );
        body.insert("refresh_token".into(), json!(rt));
        body.insert(
            "refresh_token_expires_in".into(),
            json!(((session_start_ms + SPA_REFRESH_LIFETIME_MS - now) / 1000).max(0)),
        );
    }
    drop(s);
    if scopes.iter().any(|s| s == "openid") {
        let mut claims = json!({
            "aud": client_id,
            "iss": issuer(shared, t),
            "iat": now / 1000,
            "nbf": now / 1000,
            "exp": now / 1000 + 3600,
            "name": user.display_name,
            "oid": user.id,
            "preferred_username": user.user_principal_name,
            "sub": util::b64url(&util::hmac_sha256(client_id.as_bytes(), user.id.as_bytes())[..24]),
            "tid": t.tenant_id,
            "uti": util::random_token(16),
            "ver": "2.0",
        });
        if let Some(n) = nonce {
            claims["nonce"] = json!(n);
        }
        if scopes.iter().any(|s| s == "email") {
            claims["email"] = json!(user.mail);
        }
        let id_token = util::jwt_hs256(&shared.signing_key, &claims);
        shared.lock().issued_tokens.push(id_token.clone());
        body.insert("id_token".into(), json!(id_token));
    }
    if client_info {
        let ci = json!({"uid": user.id, "utid": t.tenant_id});
        body.insert(
            "client_info".into(),
            json!(util::b64url(ci.to_string().as_bytes())),
        );
    }
    json_no_store(StatusCode::OK, Value::Object(body))
}

pub async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = format!("/{tenant}/oauth2/v2.0/token");
    if let Some(r) = authority_fault(&shared, "POST", &path).await {
        return r;
    }
    let bad = |error: &str, code: u32, message: &str| {
        oauth_error(&shared, StatusCode::BAD_REQUEST, error, code, message)
    };
    let t = shared.original.clone();
    if !t.is_named(&tenant) {
        return tenant_not_found(&shared, &tenant);
    }
    let form: HashMap<String, String> = util::parse_query(&body).into_iter().collect();
    let f = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = f("client_id").unwrap_or("");
    if !client_id.eq_ignore_ascii_case(&t.app.client_id) {
        return oauth_error(
            &shared,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                t.display_name
            ),
        );
    }
    if f("client_secret").is_some() || f("client_assertion").is_some() {
        return oauth_error(
            &shared,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        );
    }
    if !headers.contains_key(header::ORIGIN) {
        return bad(
            "invalid_request",
            9002327,
            "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
        );
    }
    let now = shared.now_ms();
    match f("grant_type") {
        Some("authorization_code") => {
            let Some(code) = f("code") else {
                return bad(
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'code'.",
                );
            };
            let mut s = shared.lock();
            let Some(c) = s.codes.get(code).cloned() else {
                return bad(
                    "invalid_grant",
                    70000,
                    "The provided value for the 'code' parameter is not valid.",
                );
            };
            if c.redeemed {
                return bad(
                    "invalid_grant",
                    54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
                );
            }
            if now - c.issued_ms > CODE_LIFETIME_MS {
                return bad(
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
                );
            }
            if !c.client_id.eq_ignore_ascii_case(client_id) {
                return bad(
                    "invalid_grant",
                    70000,
                    "The code was issued to another client.",
                );
            }
            let redirect_uri = f("redirect_uri").unwrap_or("");
            if redirect_uri != c.redirect_uri {
                return bad(
                    "invalid_grant",
                    500112,
                    &format!("The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.", c.redirect_uri),
                );
            }
            let Some(challenge) = c.code_challenge.as_deref() else {
                return bad(
                    "invalid_request",
                    9002325,
                    "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
                );
            };
            let verifier = f("code_verifier").unwrap_or("");
            let verifier_ok = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            if !verifier_ok || util::pkce_s256(verifier) != challenge {
                return bad(
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                );
            }
            if let Some(entry) = s.codes.get_mut(code) {
                entry.redeemed = true;
            }
            let Some(user) = s.tenant.user(&c.user_id).cloned() else {
                return bad(
                    "invalid_grant",
                    50034,
                    "The user account does not exist in the directory.",
                );
            };
            drop(s);
            if !user.account_enabled {
                return bad("invalid_grant", 50057, "The user account is disabled.");
            }
            issue_tokens(
                &shared,
                &user,
                client_id,
                c.scopes.clone(),
                c.nonce.as_deref(),
                now,
                c.client_info,
            )
        }
        Some("refresh_token") => {
            let Some(rt) = f("refresh_token") else {
                return bad(
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'refresh_token'.",
                );
            };
            let mut s = shared.lock();
            let Some(r) = s.refresh_tokens.get(rt).cloned() else {
                return bad("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid (the refresh token is unknown, or was already exchanged for a newer one).");
            };
            if !r.client_id.eq_ignore_ascii_case(client_id) {
                return bad(
                    "invalid_grant",
                    70000,
                    "The refresh token was issued to another client.",
                );
            }
            let Some(user) = s.tenant.user(&r.user_id).cloned() else {
                return bad(
                    "invalid_grant",
                    50034,
                    "The user account does not exist in the directory.",
                );
            };
            if now >= r.session_start_ms + SPA_REFRESH_LIFETIME_MS {
                s.refresh_tokens.remove(rt);
                return bad(
                    "invalid_grant",
                    700084,
                    &format!("The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on {}.", util::iso(r.session_start_ms)),
                );
            }
            if user
                .sessions_revoked_at
                .is_some_and(|at| at >= r.session_start_ms)
            {
                return bad(
                    "invalid_grant",
                    50173,
                    "The provided grant has expired due to it being revoked, a fresh auth token is needed.",
                );
            }
            if !user.account_enabled {
                return bad("invalid_grant", 50057, "The user account is disabled.");
            }
            // Rotation: the old refresh token is spent.
            s.refresh_tokens.remove(rt);
            let scopes = match f("scope") {
                Some(asked) => {
                    let mut g = granted_scopes(&s.tenant, asked);
                    if !g.iter().any(|x| x == "offline_access")
                        && r.scopes.iter().any(|x| x == "offline_access")
                    {
                        g.push("offline_access".into());
                    }
                    g
                }
                None => r.scopes.clone(),
            };
            drop(s);
            issue_tokens(
                &shared,
                &user,
                client_id,
                scopes,
                None,
                r.session_start_ms,
                f("client_info") == Some("1"),
            )
        }
        other => bad(
            "unsupported_grant_type",
            70003,
            &format!(
                "The app requested an unsupported grant type '{}'.",
                other.unwrap_or("")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_intersect_with_consent_in_short_form() {
        let t = Tenant::sample();
        let g = granted_scopes(
            &t,
            "https://graph.microsoft.com/User.Read.All mail.send Calendars.Read api://other/x openid profile offline_access",
        );
        assert_eq!(
            g,
            vec![
                "User.Read.All",
                "Mail.Send",
                "openid",
                "profile",
                "offline_access"
            ]
        );
    }
}
