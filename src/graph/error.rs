//! Graph's error body turned into a typed error with advice an admin can act on.
//!
//! Graph's documented shape:
//! `{"error":{"code":"...","message":"...","innerError":{"date":"...","request-id":"...","client-request-id":"..."}}}`.
//! Anything else (an HTML page from a proxy, an empty body) still becomes a [`GraphError`], keyed on
//! the HTTP status, never a panic.

use core::fmt;

use crate::json::{self, ReadError, Shape, Value};

use super::http::{GraphResponse, Headers, TransportError};

/// What kind of failure this is, as far as Handover acts on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphErrorKind {
    /// 403 `Authorization_RequestDenied`: the role or the consented permission is too low.
    AuthorizationDenied,
    /// 404 `Request_ResourceNotFound` (or any 404).
    NotFound,
    /// 401 `InvalidAuthenticationToken` (expired or wrong audience).
    InvalidToken,
    /// 400: the password fails the complexity rules or the banned-password list.
    PasswordComplexity,
    /// 400: the user is mastered on-premises (synced) and PATCH cannot change it.
    OnPremisesMastered,
    /// The admin has no Exchange Online mailbox (`MailboxNotEnabledForRESTAPI`).
    MailboxNotEnabled,
    /// 403 `ErrorAccessDenied` from Exchange: Mail.Send missing or send-as not granted.
    MailAccessDenied,
    /// `ErrorInvalidRecipients`: an address Exchange refuses.
    InvalidRecipients,
    /// 429: throttled. Not carried out; safe to retry after the wait.
    Throttled,
    /// 503 or 504: transient trouble at Graph.
    Unavailable,
    /// The Temporary Access Pass policy does not cover this user.
    TapPolicy,
    /// 424 inside `$batch`: the request this one depended on failed, so it was not run.
    FailedDependency,
    /// 400 `Request_UnsupportedQuery` (e.g. `$search` without `ConsistencyLevel`).
    UnsupportedQuery,
    /// Any other 400.
    BadRequest,
    /// Anything else.
    Other,
}

/// A Graph error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphError {
    pub status: u16,
    pub kind: GraphErrorKind,
    /// Graph's `error.code`, or `HTTP {status}` when the body was not Graph's error JSON.
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
    /// `Retry-After` in milliseconds, when it could be read (headers of a `$batch` part).
    pub retry_after_ms: Option<u32>,
}

/// An explanation for the admin: what happened, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advice {
    pub what_happened: String,
    pub what_to_do: String,
}

/// What Graph's error JSON says: code, message, and from `innerError` the date and request ids.
#[derive(Default)]
struct ErrorEnvelope {
    code: Option<String>,
    message: Option<String>,
    date: Option<String>,
    request_id: Option<String>,
    client_request_id: Option<String>,
}

impl ErrorEnvelope {
    /// Reads `{"error":{...}}`; a body of another shape gives `None` (the status then speaks).
    fn read(v: &Value) -> Option<ErrorEnvelope> {
        let read = || -> Result<ErrorEnvelope, Shape> {
            let error = v.get("error").filter(|e| e.as_object().is_some());
            let error = error.ok_or_else(|| Shape::missing("error"))?;
            let inner = match error.get("innerError") {
                Some(i) if !i.is_null() => Some(i),
                _ => error.get("innererror").filter(|i| !i.is_null()),
            };
            let inner = inner.unwrap_or(&Value::Null);
            if !inner.is_null() && inner.as_object().is_none() {
                return Err(Shape::wrong("an object"));
            }
            Ok(ErrorEnvelope {
                code: error.opt("code")?,
                message: error.opt("message")?,
                date: inner.opt("date")?,
                request_id: inner.opt("request-id")?,
                client_request_id: inner.opt("client-request-id")?,
            })
        };
        read().ok()
    }
}

/// Parses `Retry-After` given in seconds (Graph sends whole or fractional seconds) into
/// milliseconds. An HTTP date cannot be read without a clock and gives `None`.
pub fn parse_retry_after(value: &str) -> Option<u32> {
    // Read as decimal text, not as an f64: float parsing would add ~15 KB to the page.
    let text = value.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !digits(whole) || !digits(fraction) {
        return None;
    }
    // Capped at a day so the arithmetic cannot overflow; the runner's own limits are far lower.
    const DAY_MS: u64 = 86_400_000;
    let mut ms: u64 = 0;
    for b in whole.bytes() {
        ms = (ms * 10 + u64::from(b - b'0') * 1000).min(DAY_MS * 10);
    }
    // Milliseconds from the first three fraction digits, rounded up by any digit after them.
    let mut scale = 100;
    for (i, b) in fraction.bytes().enumerate() {
        let d = u64::from(b - b'0');
        if i < 3 {
            ms += d * scale;
            scale /= 10;
        } else if d > 0 {
            ms += 1;
            break;
        }
    }
    Some(ms.min(DAY_MS) as u32)
}

impl GraphError {
    /// Builds the error from a status, the readable headers and the body, whatever the body is.
    pub fn from_parts(status: u16, headers: &Headers, body: &str) -> GraphError {
        let parsed = json::parse(body).ok();
        Self::from_json(status, headers, parsed.as_ref())
    }

    /// Builds the error from the JSON body of a `$batch` part.
    pub fn from_json(status: u16, headers: &Headers, body: Option<&Value>) -> GraphError {
        let parsed = body.and_then(ErrorEnvelope::read).unwrap_or_default();
        Self::from_envelope(status, headers, parsed)
    }

    /// Builds the error from a direct answer.
    pub fn from_response(resp: &GraphResponse) -> GraphError {
        Self::from_parts(resp.status, &resp.headers, &resp.body)
    }

    fn from_envelope(status: u16, headers: &Headers, parsed: ErrorEnvelope) -> GraphError {
        let ErrorEnvelope {
            code,
            message,
            date,
            request_id,
            client_request_id,
        } = parsed;
        let code = code
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| format!("HTTP {status}"));
        let message = message.unwrap_or_else(|| default_message(status).to_owned());
        let kind = classify(status, &code, &message);
        GraphError {
            status,
            kind,
            code,
            message,
            request_id: request_id.or_else(|| headers.get("request-id").map(str::to_owned)),
            client_request_id: client_request_id
                .or_else(|| headers.get("client-request-id").map(str::to_owned)),
            date: date.or_else(|| headers.get("date").map(str::to_owned)),
            retry_after_ms: headers.get("retry-after").and_then(parse_retry_after),
        }
    }

    /// Whether waiting and sending the same request again may succeed: 429, 503 and 504.
    /// (Whether a retry is *safe* is the caller's decision: a 504 on sendMail may have sent it.)
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            GraphErrorKind::Throttled | GraphErrorKind::Unavailable
        )
    }

    /// Whether Graph certainly did not carry the request out: a throttled request was refused
    /// before running, a 503 is "not now", a failed dependency was never started, and a 4xx is a
    /// refusal. Only a 504 (and other 5xx) leaves the outcome open.
    pub fn certainly_not_applied(&self) -> bool {
        self.status == 429 || self.status == 503 || (400..500).contains(&self.status)
    }

    /// A plain explanation for the admin, with what to do next.
    pub fn advice(&self) -> Advice {
        let (what, todo): (String, String) = match self.kind {
            GraphErrorKind::AuthorizationDenied => (
                "Microsoft Entra refused: your role or the permissions granted to Handover are not enough for this user.".into(),
                "Check that your admin role is active (activate it in PIM if it is eligible) and can reset this user; a Privileged Authentication Administrator can reset anyone.".into(),
            ),
            GraphErrorKind::NotFound => (
                "The user or object was not found. It may have been deleted, or the directory has not caught up yet.".into(),
                "Search for the user again; if it was just created, wait a minute and retry.".into(),
            ),
            GraphErrorKind::InvalidToken => (
                "Your sign-in is no longer valid (the access token expired or was rejected).".into(),
                "Sign in again; nothing you entered is lost.".into(),
            ),
            GraphErrorKind::PasswordComplexity => (
                "Microsoft Entra rejected the password: it does not meet the complexity rules or contains a banned word (such as the user's name or the company name).".into(),
                "Generate a new password and try again.".into(),
            ),
            GraphErrorKind::OnPremisesMastered => (
                "This user is synchronized from on-premises Active Directory, so the password cannot be changed in the cloud directly.".into(),
                "Use the Authentication Methods path (it needs password writeback), or reset the password in on-premises Active Directory.".into(),
            ),
            GraphErrorKind::MailboxNotEnabled => (
                "Your account has no Exchange Online mailbox (it may be unlicensed, inactive or on-premises), so Handover cannot send mail as you.".into(),
                "Give the credential to the user another way (copy or print it), or send from a shared mailbox or an account with a mailbox.".into(),
            ),
            GraphErrorKind::MailAccessDenied => (
                "Exchange refused to send: Handover lacks the Mail.Send permission, or you may not send as this mailbox.".into(),
                "Consent to Mail.Send (or get Send As rights on the shared mailbox), or give the credential to the user another way.".into(),
            ),
            GraphErrorKind::InvalidRecipients => (
                "Exchange refused the recipient address.".into(),
                "Check the address and send again.".into(),
            ),
            GraphErrorKind::Throttled => (
                "Microsoft Graph is busy and asked Handover to slow down (429).".into(),
                "Wait a moment and try again.".into(),
            ),
            GraphErrorKind::Unavailable => (
                format!("Microsoft Graph is temporarily unavailable ({}).", self.status),
                "Wait a moment and try again.".into(),
            ),
            GraphErrorKind::TapPolicy => (
                "The Temporary Access Pass policy does not allow a pass for this user (TAP is off, or the user is not in its target groups, or the lifetime is outside the policy).".into(),
                "Ask an Authentication Policy Administrator to include this user in the TAP policy, or reset the password instead.".into(),
            ),
            GraphErrorKind::FailedDependency => (
                "This step was not run because the step before it failed.".into(),
                "Fix the earlier step's error first.".into(),
            ),
            GraphErrorKind::UnsupportedQuery => (
                "Microsoft Graph did not accept the search query.".into(),
                "Try the exact user principal name or email address instead.".into(),
            ),
            GraphErrorKind::BadRequest | GraphErrorKind::Other => (
                format!("Microsoft Graph answered {} {}: {}", self.status, self.code, self.message),
                "Keep the request id below for a support case, and try again.".into(),
            ),
        };
        Advice {
            what_happened: what,
            what_to_do: todo,
        }
    }
}

fn default_message(status: u16) -> &'static str {
    match status {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        424 => "Failed dependency",
        429 => "Too many requests",
        500 => "Internal server error",
        502 => "Bad gateway",
        503 => "Service unavailable",
        504 => "Gateway timeout",
        _ => "The answer was not Microsoft Graph's error format",
    }
}

fn classify(status: u16, code: &str, message: &str) -> GraphErrorKind {
    let msg = message.to_ascii_lowercase();
    let code_is = |c: &str| code.eq_ignore_ascii_case(c);
    if status == 429 || code_is("TooManyRequests") || code_is("activityLimitReached") {
        GraphErrorKind::Throttled
    } else if status == 503 || status == 504 {
        GraphErrorKind::Unavailable
    } else if status == 424 {
        GraphErrorKind::FailedDependency
    } else if code_is("MailboxNotEnabledForRESTAPI") || code_is("MailboxNotSupportedForRESTAPI") {
        GraphErrorKind::MailboxNotEnabled
    } else if code_is("ErrorInvalidRecipients") {
        GraphErrorKind::InvalidRecipients
    } else if code_is("ErrorAccessDenied") || code_is("ErrorSendAsDenied") {
        GraphErrorKind::MailAccessDenied
    } else if code_is("InvalidAuthenticationToken") || status == 401 {
        GraphErrorKind::InvalidToken
    } else if msg.contains("usercredentialpolicy") || msg.contains("temporaryaccesspass") {
        GraphErrorKind::TapPolicy
    } else if msg.contains("on-premises mastered") || msg.contains("on-premise mastered") {
        GraphErrorKind::OnPremisesMastered
    } else if msg.contains("password complexity")
        || msg.contains("banned password")
        || code_is("PasswordPolicyViolation")
    {
        GraphErrorKind::PasswordComplexity
    } else if code_is("Authorization_RequestDenied") || status == 403 {
        GraphErrorKind::AuthorizationDenied
    } else if code_is("Request_ResourceNotFound") || status == 404 {
        GraphErrorKind::NotFound
    } else if code_is("Request_UnsupportedQuery") {
        GraphErrorKind::UnsupportedQuery
    } else if status == 400 {
        GraphErrorKind::BadRequest
    } else {
        GraphErrorKind::Other
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// A 2xx answer that is not the JSON Handover expected. It never holds the body itself (the body
/// may carry a secret), only where parsing stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedAnswer {
    pub status: u16,
    /// What was expected, e.g. `"user"`, `"$batch answer"`.
    pub expected: String,
    /// The parser's category and position, e.g. `"syntax at line 1 column 7"`.
    pub detail: String,
}

impl MalformedAnswer {
    pub(crate) fn from_read(status: u16, expected: &str, err: &ReadError) -> Self {
        let detail = match err {
            ReadError::Syntax(e) => format!(
                "{} at line {} column {}: {}",
                if e.eof { "truncated" } else { "not JSON" },
                e.line,
                e.column,
                e.what
            ),
            ReadError::Shape(s) => format!("unexpected shape: {s}"),
        };
        MalformedAnswer {
            status,
            expected: expected.to_owned(),
            detail,
        }
    }
}

impl fmt::Display for MalformedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Microsoft Graph answered {} but not with the expected {} ({})",
            self.status, self.expected, self.detail
        )
    }
}

/// Everything that can go wrong with one Graph call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphFailure {
    /// Graph answered with an error (boxed: it is the large variant).
    Graph(Box<GraphError>),
    /// Graph answered success, but not with the expected JSON.
    Malformed(MalformedAnswer),
    /// No answer (see [`TransportError::may_have_reached_graph`]).
    Transport(TransportError),
}

impl GraphFailure {
    /// The Graph error, if this is one.
    pub fn graph_error(&self) -> Option<&GraphError> {
        match self {
            GraphFailure::Graph(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// Advice for the admin whatever the failure.
    pub fn advice(&self) -> Advice {
        match self {
            GraphFailure::Graph(e) => e.advice(),
            GraphFailure::Malformed(m) => Advice {
                what_happened: m.to_string(),
                what_to_do:
                    "Try again; if it keeps happening, a proxy may be rewriting Graph's answers."
                        .into(),
            },
            GraphFailure::Transport(TransportError::SignInRequired) => Advice {
                what_happened: "Your session has ended.".into(),
                what_to_do: "Sign in again; the run's state stays on the screen.".into(),
            },
            GraphFailure::Transport(t) => Advice {
                what_happened: format!("Handover could not reach Microsoft Graph: {t}."),
                what_to_do: "Check the network connection and try again.".into(),
            },
        }
    }
}

impl fmt::Display for GraphFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphFailure::Graph(e) => e.fmt(f),
            GraphFailure::Malformed(m) => m.fmt(f),
            GraphFailure::Transport(t) => t.fmt(f),
        }
    }
}

impl From<GraphError> for GraphFailure {
    fn from(e: GraphError) -> Self {
        GraphFailure::Graph(Box::new(e))
    }
}

impl From<TransportError> for GraphFailure {
    fn from(e: TransportError) -> Self {
        GraphFailure::Transport(e)
    }
}

/// Reads a direct answer into `T` when it is 2xx, or into the typed error otherwise.
pub fn read_json<T: json::FromJson>(
    resp: &GraphResponse,
    expected: &str,
) -> Result<T, GraphFailure> {
    if !resp.is_success() {
        return Err(GraphFailure::from(GraphError::from_response(resp)));
    }
    json::read(&resp.body)
        .map_err(|e| GraphFailure::Malformed(MalformedAnswer::from_read(resp.status, expected, &e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> GraphError {
        GraphError::from_parts(status, &Headers::new(), body)
    }

    fn graph_body(code: &str, message: &str) -> String {
        serde_json::json!({"error": {"code": code, "message": message, "innerError": {
            "date": "2026-11-27T10:00:00", "request-id": "req-1", "client-request-id": "cli-1"}}})
        .to_string()
    }

    #[test]
    fn documented_shape_is_read() {
        let e = err(
            403,
            &graph_body(
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ),
        );
        assert_eq!(e.kind, GraphErrorKind::AuthorizationDenied);
        assert_eq!(e.code, "Authorization_RequestDenied");
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        assert_eq!(e.client_request_id.as_deref(), Some("cli-1"));
        assert_eq!(e.date.as_deref(), Some("2026-11-27T10:00:00"));
        assert!(e
            .advice()
            .what_to_do
            .contains("Privileged Authentication Administrator"));
    }

    #[test]
    fn common_codes_are_classified() {
        let cases = [
            (404, "Request_ResourceNotFound", "Resource 'x' does not exist", GraphErrorKind::NotFound),
            (401, "InvalidAuthenticationToken", "Access token has expired", GraphErrorKind::InvalidToken),
            (400, "Request_BadRequest", "The specified password does not comply with password complexity requirements. Please provide a different password.", GraphErrorKind::PasswordComplexity),
            (400, "Request_BadRequest", "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.", GraphErrorKind::OnPremisesMastered),
            (404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.", GraphErrorKind::MailboxNotEnabled),
            (403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", GraphErrorKind::MailAccessDenied),
            (400, "ErrorInvalidRecipients", "At least one recipient is not valid.", GraphErrorKind::InvalidRecipients),
            (429, "TooManyRequests", "Too many requests", GraphErrorKind::Throttled),
            (503, "serviceNotAvailable", "Service unavailable", GraphErrorKind::Unavailable),
            (504, "UnknownError", "", GraphErrorKind::Unavailable),
            (400, "badRequest", "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].", GraphErrorKind::TapPolicy),
            (424, "FailedDependency", "Failed dependency", GraphErrorKind::FailedDependency),
            (400, "Request_UnsupportedQuery", "Unsupported query.", GraphErrorKind::UnsupportedQuery),
            (409, "Conflict", "x", GraphErrorKind::Other),
        ];
        for (status, code, message, kind) in cases {
            let e = err(status, &graph_body(code, message));
            assert_eq!(e.kind, kind, "{status} {code}");
            let advice = e.advice();
            assert!(!advice.what_happened.is_empty() && !advice.what_to_do.is_empty());
        }
        assert!(err(429, "").is_transient());
        assert!(err(504, "").is_transient());
        assert!(!err(504, "").certainly_not_applied());
        assert!(err(429, "").certainly_not_applied());
        assert!(!err(403, "").is_transient());
    }

    #[test]
    fn garbage_bodies_still_give_a_typed_error() {
        for body in [
            "",
            "<html>Bad Gateway</html>",
            "{\"error\":42}",
            "null",
            "{\"error\":{}}",
        ] {
            let e = err(502, body);
            assert_eq!(e.status, 502);
            assert_eq!(e.code, "HTTP 502");
            assert_eq!(e.kind, GraphErrorKind::Other);
        }
    }

    #[test]
    fn headers_fill_missing_ids_and_retry_after() {
        let headers = Headers::new()
            .with("request-id", "hdr-req")
            .with("Retry-After", "2.5");
        let e = GraphError::from_parts(429, &headers, "{}");
        assert_eq!(e.request_id.as_deref(), Some("hdr-req"));
        assert_eq!(e.retry_after_ms, Some(2500));
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(parse_retry_after("4"), Some(4000));
        assert_eq!(parse_retry_after(" 0.25 "), Some(250));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("1.0001"), Some(1001));
        assert_eq!(parse_retry_after(".5"), Some(500));
        assert_eq!(parse_retry_after("7."), Some(7000));
        assert_eq!(parse_retry_after("."), None);
        assert_eq!(parse_retry_after("1e3"), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999"),
            Some(86_400_000)
        );
        assert_eq!(parse_retry_after("86400.5"), Some(86_400_000));
    }

    #[test]
    fn read_json_types_garbage_as_malformed() {
        #[derive(Debug)]
        struct Thing {
            #[allow(dead_code)]
            id: String,
        }
        impl json::FromJson for Thing {
            fn from_json(v: &Value) -> Result<Self, Shape> {
                Ok(Thing { id: v.req("id")? })
            }
        }
        let resp = GraphResponse::new(200, "<html>oops</html>");
        match read_json::<Thing>(&resp, "user") {
            Err(GraphFailure::Malformed(m)) => {
                assert_eq!(m.expected, "user");
                assert!(m.detail.starts_with("not JSON"), "{}", m.detail);
            }
            other => panic!("expected malformed, got {other:?}"),
        }
        let wrong = GraphResponse::new(200, r#"{"id": 5}"#);
        assert!(matches!(
            read_json::<Thing>(&wrong, "user"),
            Err(GraphFailure::Malformed(_))
        ));
        let fine = GraphResponse::new(200, r#"{"id": "5"}"#);
        assert!(read_json::<Thing>(&fine, "user").is_ok());
    }
}
