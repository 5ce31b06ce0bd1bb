//! The transport-neutral request and answer, and the one trait a transport implements.
//!
//! Everything in `graph/` and `workflow/` speaks [`GraphRequest`] and [`GraphResponse`]; the browser
//! transport (a thin `fetch` adapter, written elsewhere) only has to add the bearer token, send the
//! request to the configured Graph base URL, and copy back the status, the headers the browser can
//! read and the body. Native tests use a scripted fake instead.

use core::fmt;

use rand::Rng;
use zeroize::Zeroize;

/// The Graph version every path in Handover is written against.
pub const GRAPH_VERSION: &str = "/v1.0";

/// The HTTP methods Handover uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    /// The method as written on the wire (`"GET"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HTTP headers as an ordered list; names compare case-insensitively.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// Sets `name` to `value`, replacing any header of the same name (in any case).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.set_string(name, value.into());
    }

    /// [`Headers::set`]'s one non-generic body.
    #[inline(never)]
    fn set_string(&mut self, name: &str, value: String) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.0.push((name.to_owned(), value));
    }

    /// Builder form of [`Headers::set`].
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// The value of `name` (case-insensitive), if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every `(name, value)` pair, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (n, v) in iter {
            let n: String = n.into();
            headers.set(&n, v);
        }
        headers
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (n, v) in &self.0 {
            if n.eq_ignore_ascii_case("authorization") {
                map.entry(n, &"[redacted]");
            } else {
                map.entry(n, v);
            }
        }
        map.finish()
    }
}

/// One request to Microsoft Graph, independent of how it is sent.
///
/// `path_and_query` is relative to the Graph base URL and starts with the version, e.g.
/// `/v1.0/users?$filter=...`; the transport prepends the configured base
/// (`https://graph.microsoft.com` or the sandbox) and adds `Authorization`. The body, when present,
/// is JSON and may carry the new password: it is zeroized when the request is dropped and never
/// printed by `Debug`.
pub struct GraphRequest {
    pub method: Method,
    pub path_and_query: String,
    pub headers: Headers,
    pub body: Option<String>,
}

impl GraphRequest {
    /// A request without a body.
    pub fn new(method: Method, path_and_query: impl Into<String>) -> Self {
        GraphRequest {
            method,
            path_and_query: path_and_query.into(),
            headers: Headers::new(),
            body: None,
        }
    }

    /// The `client-request-id` this request carries, if one was stamped.
    pub fn client_request_id(&self) -> Option<&str> {
        self.headers.get("client-request-id")
    }
}

impl Drop for GraphRequest {
    fn drop(&mut self) {
        if let Some(body) = self.body.as_mut() {
            body.zeroize();
        }
    }
}

impl fmt::Debug for GraphRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphRequest")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("headers", &self.headers)
            .field("body", &self.body.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Graph's answer as the transport saw it.
///
/// `headers` holds only what the transport could read: a browser sees `request-id` and
/// `client-request-id` but usually not `Retry-After` or `Location` on a direct answer, which is
/// why Handover reads those from `$batch` answers. The body may carry a Temporary Access Pass, so
/// it is zeroized on drop and not printed by `Debug`.
pub struct GraphResponse {
    pub status: u16,
    pub headers: Headers,
    pub body: String,
}

impl GraphResponse {
    /// An answer with a status and a body, no headers.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        GraphResponse {
            status,
            headers: Headers::new(),
            body: body.into(),
        }
    }

    /// Builder: adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Graph's `request-id` header, when the transport could read it.
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("request-id")
    }
}

impl Drop for GraphResponse {
    fn drop(&mut self) {
        self.body.zeroize();
    }
}

impl fmt::Debug for GraphResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why a transport could not deliver an answer.
///
/// The distinction that matters is whether Graph may have acted: after [`TransportError::NoAnswer`]
/// a write may have happened, so the runner never repeats a request that could send mail twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The request never left the page (a header the browser refused, the page going offline
    /// before sending, ...). Graph did nothing.
    NotSent { reason: String },
    /// No access token could be had (the session is over). Nothing was sent; sign in again.
    SignInRequired,
    /// The request was sent but no answer came back (connection dropped, timeout, CORS failure
    /// of the answer). Graph may or may not have acted.
    NoAnswer { detail: String },
}

impl TransportError {
    /// Whether Graph may have carried the request out.
    pub fn may_have_reached_graph(&self) -> bool {
        matches!(self, TransportError::NoAnswer { .. })
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::NotSent { reason } => write!(f, "the request was not sent: {reason}"),
            TransportError::SignInRequired => f.write_str("your session has ended; sign in again"),
            TransportError::NoAnswer { detail } => {
                write!(f, "no answer from Microsoft Graph ({detail})")
            }
        }
    }
}

/// What the browser transport (or a test fake) implements.
///
/// The browser is single-threaded, so the futures need not be `Send`; that is why this uses plain
/// `async fn` in the trait.
///
/// ```
/// use handover::graph::{GraphRequest, GraphResponse, GraphTransport, TransportError};
///
/// struct AlwaysNotFound;
/// impl GraphTransport for AlwaysNotFound {
///     async fn send(&self, _req: GraphRequest) -> Result<GraphResponse, TransportError> {
///         Ok(GraphResponse::new(404, r#"{"error":{"code":"Request_ResourceNotFound","message":"gone"}}"#))
///     }
///     async fn sleep(&self, _ms: u32) {}
/// }
/// ```
#[allow(async_fn_in_trait)]
pub trait GraphTransport {
    /// Sends `req` to `{graph base}{req.path_and_query}` with the bearer token added, and returns
    /// the answer whatever its status (a 4xx/5xx is an `Ok` answer, not a transport error).
    async fn send(&self, req: GraphRequest) -> Result<GraphResponse, TransportError>;

    /// Waits `ms` milliseconds (a `setTimeout` in the browser, nothing in tests).
    async fn sleep(&self, ms: u32);

    /// The current time as an RFC 3339 string for the receipt, if the transport has a clock.
    fn now(&self) -> Option<String> {
        None
    }
}

/// A fresh random GUID (version 4) for the `client-request-id` header, from the injected RNG.
pub fn new_client_request_id<R: Rng + ?Sized>(rng: &mut R) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn headers_are_case_insensitive_and_replace() {
        let mut h = Headers::new();
        h.set("Retry-After", "3");
        h.set("retry-after", "5");
        assert_eq!(h.len(), 1);
        assert_eq!(h.get("RETRY-AFTER"), Some("5"));
        assert_eq!(h.get("location"), None);
    }

    #[test]
    fn debug_hides_bodies_and_tokens() {
        let mut req = GraphRequest::new(Method::Patch, "/v1.0/users/1");
        req.headers.set("Authorization", "Bearer eyJsecret");
        req.body = Some(r#"{"passwordProfile":{"password":"Hunter2!x"}}"#.to_owned());
        let shown = format!("{req:?}");
        assert!(!shown.contains("Hunter2"), "{shown}");
        assert!(!shown.contains("eyJsecret"), "{shown}");
        assert!(shown.contains("/v1.0/users/1"));
        let resp = GraphResponse::new(201, r#"{"temporaryAccessPass":"TAPVALUE"}"#);
        assert!(!format!("{resp:?}").contains("TAPVALUE"));
    }

    #[test]
    fn client_request_ids_are_v4_guids_and_differ() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let a = new_client_request_id(&mut rng);
        let b = new_client_request_id(&mut rng);
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert_eq!(id.len(), 36);
            let parts: Vec<&str> = id.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(parts[2].starts_with('4'), "{id}");
            assert!(
                matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
                "{id}"
            );
            assert!(id
                .chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
    }
}
