//! The OpenID Connect / OAuth 2.0 protocol, as pure functions: the discovery document, the
//! authorize URL, the callback, the token requests and answers, and the ID token checks.
//! The browser half (fetch, redirect, popup, storage) calls these.

use crate::json::{self, FromJson, Shape, Value};
use crate::quote::Quoted;

use super::errors::AuthError;
use super::pkce::PkceVerifier;
use crate::config::is_loopback_host;
use crate::secret::Secret;

/// Allowed clock difference between this computer and the authority, in seconds.
pub const CLOCK_SKEW_SECS: u64 = 5 * 60;

/// The endpoints and issuer from `{authority}/{tenant}/v2.0/.well-known/openid-configuration`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovery {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub end_session_endpoint: Option<String>,
    /// May hold `{tenantid}` (the `common` and `organizations` documents do).
    pub issuer: String,
}

struct RawDiscovery {
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    end_session_endpoint: Option<String>,
    issuer: Option<String>,
}

impl FromJson for RawDiscovery {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        v.as_object().ok_or(Shape::wrong("an object"))?;
        Ok(RawDiscovery {
            authorization_endpoint: v.opt("authorization_endpoint")?,
            token_endpoint: v.opt("token_endpoint")?,
            end_session_endpoint: v.opt("end_session_endpoint")?,
            issuer: v.opt("issuer")?,
        })
    }
}

/// Whether `url` is `https://host...`, or `http://` to a loopback host (the sandbox).
pub(crate) fn is_secure_endpoint(url: &str) -> bool {
    let (scheme, rest) = match url.split_once("://") {
        Some(parts) => parts,
        None => return false,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return false;
    }
    let host = host_of(authority);
    if host.is_empty() {
        return false;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => is_loopback_host(host),
        _ => false,
    }
}

/// The host of `host[:port]`, brackets kept for IPv6 (`[::1]`).
pub(crate) fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => &authority[..=end],
            None => authority,
        }
    } else {
        authority.split(':').next().unwrap_or(authority)
    }
}

impl Discovery {
    /// Reads a discovery document; each endpoint must be absolute `https` (or `http` on a
    /// loopback host), and `issuer` must be present.
    pub fn parse(json: &str) -> Result<Discovery, AuthError> {
        let raw: RawDiscovery = json::read(json).map_err(|e| {
            AuthError::Discovery(format!("the discovery document is not valid JSON ({e})"))
        })?;
        let endpoint = |name: &str, value: Option<String>| -> Result<String, AuthError> {
            let value = value.ok_or_else(|| {
                AuthError::Discovery(format!("the discovery document has no {name}"))
            })?;
            if is_secure_endpoint(&value) {
                Ok(value)
            } else {
                Err(AuthError::Discovery(format!(
                    "its {name} {value} is not an https address (http is allowed only on 127.0.0.1, localhost or [::1])", value = Quoted(&value)
                )))
            }
        };
        let authorization_endpoint =
            endpoint("authorization_endpoint", raw.authorization_endpoint)?;
        let token_endpoint = endpoint("token_endpoint", raw.token_endpoint)?;
        let end_session_endpoint = match raw.end_session_endpoint {
            Some(url) => Some(endpoint("end_session_endpoint", Some(url))?),
            None => None,
        };
        let issuer = raw
            .issuer
            .filter(|i| !i.is_empty())
            .ok_or_else(|| AuthError::Discovery("the discovery document has no issuer".into()))?;
        Ok(Discovery {
            authorization_endpoint,
            token_endpoint,
            end_session_endpoint,
            issuer,
        })
    }
}

/// Where the authority puts the answer on the redirect URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ResponseMode {
    /// `?code=...`: Entra's default.
    #[default]
    Query,
    /// `#code=...`: never sent to a server, not even the one hosting the page.
    Fragment,
}

impl ResponseMode {
    /// The `response_mode` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseMode::Query => "query",
            ResponseMode::Fragment => "fragment",
        }
    }
}

/// What goes into the authorize URL.
#[derive(Clone, Debug)]
pub struct AuthorizeParams<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    /// Sent space-separated; use [`crate::auth::scopes::for_request`] to add the OIDC scopes.
    pub scopes: &'a [String],
    pub state: &'a str,
    pub nonce: &'a str,
    /// [`PkceVerifier::challenge_s256`].
    pub code_challenge: &'a str,
    pub response_mode: ResponseMode,
    /// `login`, `none`, `consent` or `select_account`.
    pub prompt: Option<&'a str>,
    pub login_hint: Option<&'a str>,
}

/// Percent-encodes everything but RFC 3986's unreserved characters (space is `%20`), which is
/// valid both in a URL query and in an `application/x-www-form-urlencoded` body.
pub fn percent_encode(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// Decodes one `application/x-www-form-urlencoded` value: `+` is a space, `%XX` a byte; a `%`
/// not followed by two hex digits is kept as it is; invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // `from_str_radix` alone would take a sign ("%+1"), so check both digits.
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| core::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn push_param(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() && !out.ends_with('?') && !out.ends_with('&') {
        out.push('&');
    }
    out.push_str(name);
    out.push('=');
    percent_encode(value, out);
}

/// The URL to send the admin to: `response_type=code`, `code_challenge_method=S256`, every
/// value percent-encoded. Keeps any query the authorization endpoint already has.
pub fn authorize_url(discovery: &Discovery, p: &AuthorizeParams) -> String {
    let mut url = discovery.authorization_endpoint.clone();
    url.push(if url.contains('?') { '&' } else { '?' });
    push_param(&mut url, "client_id", p.client_id);
    push_param(&mut url, "response_type", "code");
    push_param(&mut url, "redirect_uri", p.redirect_uri);
    push_param(&mut url, "response_mode", p.response_mode.as_str());
    push_param(&mut url, "scope", &p.scopes.join(" "));
    push_param(&mut url, "state", p.state);
    push_param(&mut url, "nonce", p.nonce);
    push_param(&mut url, "code_challenge", p.code_challenge);
    push_param(&mut url, "code_challenge_method", "S256");
    if let Some(prompt) = p.prompt {
        push_param(&mut url, "prompt", prompt);
    }
    if let Some(hint) = p.login_hint {
        push_param(&mut url, "login_hint", hint);
    }
    url
}

/// The URL that ends the authority's session (sign-out), if the authority offers one.
pub fn end_session_url(
    discovery: &Discovery,
    post_logout_redirect_uri: &str,
    logout_hint: Option<&str>,
) -> Option<String> {
    let mut url = discovery.end_session_endpoint.clone()?;
    url.push(if url.contains('?') { '&' } else { '?' });
    push_param(
        &mut url,
        "post_logout_redirect_uri",
        post_logout_redirect_uri,
    );
    if let Some(hint) = logout_hint {
        push_param(&mut url, "logout_hint", hint);
    }
    Some(url)
}

/// What came back on the redirect URI.
#[derive(Debug)]
pub enum Callback {
    /// Success: the one-time code (redeem it once) and the state to check.
    Code { code: Secret, state: String },
    /// The authority refused or the admin cancelled: `error`, `error_description`, `state`.
    Error {
        error: String,
        description: String,
        state: Option<String>,
    },
}

impl Callback {
    /// The error as an [`AuthError::Authority`] (codes read from the description), or `None`
    /// for a code.
    pub fn to_error(&self) -> Option<AuthError> {
        match self {
            Callback::Code { .. } => None,
            Callback::Error {
                error, description, ..
            } => Some(AuthError::Authority {
                error: error.clone(),
                description: description.clone(),
                codes: super::errors::aadsts_code(description)
                    .into_iter()
                    .collect(),
            }),
        }
    }
}

/// Reads the redirect's query or fragment (`?a=b`, `#a=b` or `a=b`). `None` when it holds
/// neither `code` nor `error` (an ordinary page load). An `error` wins over a `code`; the first
/// of repeated parameters counts.
pub fn parse_callback(query_or_fragment: &str) -> Option<Callback> {
    let text = query_or_fragment
        .strip_prefix('?')
        .or_else(|| query_or_fragment.strip_prefix('#'))
        .unwrap_or(query_or_fragment);
    let mut code: Option<Secret> = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for pair in text.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match percent_decode(name).as_str() {
            "code" if code.is_none() => code = Some(Secret::new(percent_decode(value))),
            "state" if state.is_none() => state = Some(percent_decode(value)),
            "error" if error.is_none() => error = Some(percent_decode(value)),
            "error_description" if description.is_none() => {
                description = Some(percent_decode(value))
            }
            _ => {}
        }
    }
    if let Some(error) = error.filter(|e| !e.is_empty()) {
        return Some(Callback::Error {
            error,
            description: description.unwrap_or_default(),
            state,
        });
    }
    let code = code.filter(|c| !c.is_empty())?;
    Some(Callback::Code {
        code,
        state: state.unwrap_or_default(),
    })
}

/// Compares in time that does not depend on where the strings differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `state` that came back must be the one sent; an empty expected state never matches.
pub fn check_state(expected: &str, got: &str) -> Result<(), AuthError> {
    if !expected.is_empty() && constant_time_eq(expected.as_bytes(), got.as_bytes()) {
        Ok(())
    } else {
        Err(AuthError::StateMismatch)
    }
}

/// Builds a form body into a buffer sized up front, so no reallocation leaves a copy of a
/// secret behind in freed memory.
fn form_body(pairs: &[(&str, &str)]) -> Secret {
    let capacity = pairs.iter().map(|(n, v)| n.len() + 2 + v.len() * 3).sum();
    let mut body = String::with_capacity(capacity);
    for (name, value) in pairs {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(name);
        body.push('=');
        percent_encode(value, &mut body);
    }
    Secret::new(body)
}

/// The `application/x-www-form-urlencoded` body that redeems a code (no client secret: a
/// single-page app is a public client).
pub fn token_request_body(
    client_id: &str,
    redirect_uri: &str,
    code: &Secret,
    verifier: &PkceVerifier,
    scopes: &[String],
) -> Secret {
    form_body(&[
        ("client_id", client_id),
        ("grant_type", "authorization_code"),
        ("scope", &scopes.join(" ")),
        ("code", code.expose_secret()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.expose_secret()),
    ])
}

/// The body that trades a refresh token for new tokens.
pub fn refresh_request_body(client_id: &str, refresh_token: &Secret, scopes: &[String]) -> Secret {
    form_body(&[
        ("client_id", client_id),
        ("grant_type", "refresh_token"),
        ("scope", &scopes.join(" ")),
        ("refresh_token", refresh_token.expose_secret()),
    ])
}

/// A successful token answer. Debug prints `[redacted]` for every token.
#[derive(Debug)]
pub struct TokenAnswer {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// What was actually granted (space-separated); see [`crate::auth::scopes::Scopes`].
    pub scope: String,
    pub id_token: Option<Secret>,
    /// Seconds until the refresh token dies (Entra sends it for single-page apps: at most 24 h
    /// after the original sign-in).
    pub refresh_token_expires_in: Option<u64>,
}

struct RawTokenAnswer {
    access_token: Option<Secret>,
    token_type: Option<String>,
    refresh_token: Option<Secret>,
    expires_in: Option<Value>,
    refresh_token_expires_in: Option<Value>,
    scope: Option<String>,
    id_token: Option<Secret>,
}

impl FromJson for RawTokenAnswer {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        v.as_object().ok_or(Shape::wrong("an object"))?;
        Ok(RawTokenAnswer {
            access_token: v.opt("access_token")?,
            token_type: v.opt("token_type")?,
            refresh_token: v.opt("refresh_token")?,
            expires_in: v.opt("expires_in")?,
            refresh_token_expires_in: v.opt("refresh_token_expires_in")?,
            scope: v.opt("scope")?,
            id_token: v.opt("id_token")?,
        })
    }
}

struct RawErrorAnswer {
    error: String,
    error_description: String,
    error_codes: Vec<u32>,
}

impl FromJson for RawErrorAnswer {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        Ok(RawErrorAnswer {
            error: v.req("error")?,
            error_description: v.opt("error_description")?.unwrap_or_default(),
            error_codes: v.opt("error_codes")?.unwrap_or_default(),
        })
    }
}

/// Seconds as a number or a numeric string (older endpoints send strings).
fn seconds(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.floor_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads the token endpoint's answer. An OAuth error body (`error`, `error_description`,
/// `error_codes`) becomes [`AuthError::Authority`] whatever the status; a non-2xx answer that
/// is not OAuth becomes [`AuthError::Network`]; a 2xx without an access token is malformed.
pub fn parse_token_answer(status: u16, body: &str) -> Result<TokenAnswer, AuthError> {
    if let Ok(e) = json::read::<RawErrorAnswer>(body) {
        let codes = if e.error_codes.is_empty() {
            super::errors::aadsts_code(&e.error_description)
                .into_iter()
                .collect()
        } else {
            e.error_codes
        };
        return Err(AuthError::Authority {
            error: e.error,
            description: e.error_description,
            codes,
        });
    }
    if !(200..300).contains(&status) {
        return Err(AuthError::Network(format!(
            "The token endpoint answered HTTP {status} without an OAuth error."
        )));
    }
    let raw: RawTokenAnswer = json::read(body).map_err(|e| {
        AuthError::MalformedToken(format!("The token answer is not valid JSON ({e})."))
    })?;
    if let Some(kind) = &raw.token_type {
        if !kind.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::MalformedToken(format!(
                "The token answer's token_type is {kind}, not Bearer.",
                kind = Quoted(kind)
            )));
        }
    }
    let access_token = raw
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AuthError::MalformedToken("The token answer has no access_token.".into()))?;
    let expires_in = seconds(raw.expires_in.as_ref()).ok_or_else(|| {
        AuthError::MalformedToken("The token answer has no usable expires_in.".into())
    })?;
    Ok(TokenAnswer {
        access_token,
        refresh_token: raw.refresh_token.filter(|t| !t.is_empty()),
        expires_in,
        scope: raw.scope.unwrap_or_default(),
        id_token: raw.id_token.filter(|t| !t.is_empty()),
        refresh_token_expires_in: seconds(raw.refresh_token_expires_in.as_ref()),
    })
}

/// The signed-in admin, from the ID token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// `name`: the display name.
    pub name: String,
    /// `preferred_username`: usually the UPN.
    pub username: String,
    /// `oid`: the user's object id in the tenant.
    pub oid: String,
    /// `tid`: the tenant id.
    pub tid: String,
}

fn decode_segment(segment: &str) -> Option<Vec<u8>> {
    crate::b64::decode_padded_or_not(segment)
}

fn claim_str<'a>(claims: &'a Value, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fn claim_secs(claims: &Value, name: &str) -> Option<u64> {
    match claims.get(name)? {
        Value::Number(n) => n.floor_u64(),
        _ => None,
    }
}

/// Checks the ID token from the token answer and reads the admin's account from it.
///
/// The signature is not verified: the token came straight from the token endpoint over TLS
/// in answer to our own request, which OpenID Connect Core 1.0 §3.1.3.7 (point 6) allows in
/// place of checking it. What is checked: `nonce` (this sign-in), `aud` (this app), `iss`
/// (this authority and tenant; `{tenantid}` in the discovery issuer stands for the token's
/// `tid`), `exp` (not passed, with [`CLOCK_SKEW_SECS`] of slack) and `nbf`/`iat` (not in the
/// future beyond the same slack).
pub fn validate_id_token(
    id_token: &str,
    expected_nonce: &str,
    client_id: &str,
    issuer: &str,
    now_unix: u64,
) -> Result<Account, AuthError> {
    let malformed = |what: &str| AuthError::MalformedToken(format!("The ID token {what}."));
    let mut parts = id_token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "is not a compact JWT (three dot-separated parts)",
        ));
    };
    let payload = decode_segment(payload).ok_or_else(|| malformed("payload is not base64url"))?;
    let payload = core::str::from_utf8(&payload).map_err(|_| malformed("payload is not JSON"))?;
    let claims = json::parse(payload).map_err(|_| malformed("payload is not JSON"))?;
    if claims.as_object().is_none() {
        return Err(malformed("payload is not a JSON object"));
    }

    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == client_id,
        // An array is allowed by OIDC Core; then `azp` must be us too when there are several.
        Some(Value::Array(auds)) => {
            auds.iter().any(|a| a.as_str() == Some(client_id))
                && (auds.len() == 1 || claim_str(&claims, "azp") == Some(client_id))
        }
        _ => false,
    };
    if !audience_ok {
        return Err(AuthError::WrongAudience);
    }

    let tid = claim_str(&claims, "tid").unwrap_or("");
    let expected_issuer = if issuer.contains("{tenantid}") {
        if tid.is_empty() {
            return Err(AuthError::WrongIssuer);
        }
        issuer.replace("{tenantid}", tid)
    } else {
        issuer.to_owned()
    };
    if claim_str(&claims, "iss") != Some(expected_issuer.as_str()) {
        return Err(AuthError::WrongIssuer);
    }

    let nonce = claim_str(&claims, "nonce").unwrap_or("");
    if expected_nonce.is_empty() || !constant_time_eq(nonce.as_bytes(), expected_nonce.as_bytes()) {
        return Err(AuthError::NonceMismatch);
    }

    let exp = claim_secs(&claims, "exp").ok_or_else(|| malformed("has no exp claim"))?;
    if exp.saturating_add(CLOCK_SKEW_SECS) <= now_unix {
        return Err(AuthError::Expired);
    }
    let latest_start = now_unix.saturating_add(CLOCK_SKEW_SECS);
    for name in ["nbf", "iat"] {
        if claim_secs(&claims, name).is_some_and(|t| t > latest_start) {
            return Err(AuthError::NotYetValid);
        }
    }

    let oid = claim_str(&claims, "oid").ok_or_else(|| malformed("has no oid claim"))?;
    if tid.is_empty() {
        return Err(malformed("has no tid claim"));
    }
    Ok(Account {
        name: claim_str(&claims, "name").unwrap_or("").to_owned(),
        username: claim_str(&claims, "preferred_username")
            .or_else(|| claim_str(&claims, "upn"))
            .or_else(|| claim_str(&claims, "email"))
            .unwrap_or("")
            .to_owned(),
        oid: oid.to_owned(),
        tid: tid.to_owned(),
    })
}
