//! Embedding in a portal: whether the frame's ancestors are allowed, and the postMessage
//! interface as versioned JSON (pure: the browser half is `ui::embed`).
//!
//! Every message, both ways, is a JSON object `{"handover": 1, "type": "...", ...}`. The portal
//! may send `prefill` (a target user and a ticket); the page sends `ready`, `signed-in` and
//! `completed`. docs/EMBED.md describes them for portal authors.

use crate::json::{self, Map, Value};
use crate::quote::Quoted;

/// The version of the message shapes; a message naming another version is refused.
pub const PROTOCOL_VERSION: u64 = 1;
/// The largest message accepted (its JSON text), in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// The longest target text accepted (a UPN is at most 113 characters; search text is shorter).
pub const MAX_USER_CHARS: usize = 256;
/// The longest ticket accepted.
pub const MAX_TICKET_CHARS: usize = 200;

/// Why the page refuses to run in this frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameRefusal {
    /// An ancestor's origin is not in `allowedParentOrigins`.
    NotAllowed { origin: String },
    /// The browser cannot say who the parent is, and the parent did not answer the handshake.
    Unverified,
}

impl std::fmt::Display for FrameRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameRefusal::NotAllowed { origin } if origin.is_empty() || origin == "null" => write!(
                f,
                "Handover is shown inside a frame whose origin cannot be named (a sandboxed or \
                 local page), so it will not run there. Open Handover in its own tab."
            ),
            FrameRefusal::NotAllowed { origin } => write!(
                f,
                "Handover is shown inside a page from {origin}, which is not allowed to embed it, \
                 so it will not run there. Open Handover in its own tab, or ask whoever manages \
                 Handover to add {origin} to allowedParentOrigins in config.json."
            ),
            FrameRefusal::Unverified => write!(
                f,
                "Handover is shown inside a frame, and the page around it did not identify itself \
                 (this browser does not tell a frame who its parent is, and the portal did not \
                 answer Handover's \u{201c}ready\u{201d} message), so it will not run there. Open \
                 Handover in its own tab, or see docs/EMBED.md for the portal's part."
            ),
        }
    }
}

/// Strips a trailing slash and lower-cases scheme and host, so `https://Intranet.Contoso.com/`
/// and `https://intranet.contoso.com` compare equal.
fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Whether `origin` is the page's own or one of the allowed ones.
pub fn origin_allowed(origin: &str, own_origin: &str, allowed: &[String]) -> bool {
    let o = normalize_origin(origin);
    if o.is_empty() || o == "null" {
        return false;
    }
    o == normalize_origin(own_origin) || allowed.iter().any(|a| normalize_origin(a) == o)
}

/// Checks the frame's ancestors, nearest first (`location.ancestorOrigins`): every one must be
/// allowed, since a portal that is itself framed by another site would otherwise lend it
/// Handover. Gives the parent's origin, the only one messages are posted to.
pub fn check_ancestors(
    ancestors: &[String],
    own_origin: &str,
    allowed: &[String],
) -> Result<String, FrameRefusal> {
    let Some(parent) = ancestors.first() else {
        return Err(FrameRefusal::Unverified);
    };
    if let Some(bad) = ancestors
        .iter()
        .find(|a| !origin_allowed(a, own_origin, allowed))
    {
        return Err(FrameRefusal::NotAllowed {
            origin: bad.trim().to_owned(),
        });
    }
    Ok(normalize_origin(parent))
}

/// The origins to try the handshake with when the browser cannot name the parent: the allowed
/// ones and the page's own, each once. Posting to an exact origin is delivered only if the parent
/// has it, so nothing reaches a parent that is not allowed.
pub fn handshake_targets(own_origin: &str, allowed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for o in std::iter::once(own_origin)
        .chain(allowed.iter().map(String::as_str))
        .map(normalize_origin)
    {
        if !o.is_empty() && !out.contains(&o) {
            out.push(o);
        }
    }
    out
}

/// What the portal may ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    /// Fill in the target (a UPN, an address or search text) and the ticket.
    Prefill {
        user: Option<String>,
        ticket: Option<String>,
    },
}

/// Why a message from the portal was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageError {
    TooLarge {
        bytes: usize,
    },
    NotJson,
    NotObject,
    /// Not a Handover message (no `handover` key): another script's message, ignored quietly.
    Foreign,
    Version(String),
    UnknownType(String),
    /// A field has the wrong type, is too long, or is not expected.
    Field {
        name: String,
        problem: String,
    },
}

impl std::fmt::Display for MessageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MessageError::TooLarge { bytes } => write!(
                f,
                "the message is {bytes} bytes; at most {MAX_MESSAGE_BYTES} are accepted"
            ),
            MessageError::NotJson => write!(f, "the message is not JSON"),
            MessageError::NotObject => write!(f, "the message is not a JSON object"),
            MessageError::Foreign => write!(f, "the message has no \"handover\" version key"),
            MessageError::Version(v) => write!(
                f,
                "the message is for version {v}; this page speaks version {PROTOCOL_VERSION}"
            ),
            MessageError::UnknownType(t) => write!(f, "unknown message type {t}", t = Quoted(t)),
            MessageError::Field { name, problem } => {
                write!(f, "field {name}: {problem}", name = Quoted(name))
            }
        }
    }
}

fn field_error(name: &str, problem: impl Into<String>) -> MessageError {
    MessageError::Field {
        name: name.to_owned(),
        problem: problem.into(),
    }
}

/// An optional string field: absent or null is `None`; blank is `None`; too long or with
/// control characters is refused.
fn optional_text(map: &Map, name: &str, max_chars: usize) -> Result<Option<String>, MessageError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            if n > max_chars {
                return Err(field_error(
                    name,
                    format!("{n} characters; at most {max_chars} are accepted"),
                ));
            }
            if s.chars().any(char::is_control) {
                return Err(field_error(name, "contains a control character"));
            }
            let t = s.trim();
            Ok((!t.is_empty()).then(|| t.to_owned()))
        }
        Some(_) => Err(field_error(name, "must be a string")),
    }
}

/// At most 40 characters of something the portal sent, for an error message.
fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Parses a message from the portal (its JSON text).
pub fn parse_inbound(text: &str) -> Result<Inbound, MessageError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(MessageError::TooLarge { bytes: text.len() });
    }
    let value = json::parse(text).map_err(|_| MessageError::NotJson)?;
    let Value::Object(map) = value else {
        return Err(MessageError::NotObject);
    };
    match map.get("handover") {
        None => return Err(MessageError::Foreign),
        Some(Value::Number(n)) if n.as_u64() == Some(PROTOCOL_VERSION) => {}
        Some(other) => return Err(MessageError::Version(short(&other.to_json()))),
    }
    let kind = match map.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(_) => return Err(field_error("type", "must be a string")),
        None => return Err(field_error("type", "is missing")),
    };
    let expect_only = |keys: &[&str]| -> Result<(), MessageError> {
        match map
            .keys()
            .find(|k| !["handover", "type"].contains(&k.as_str()) && !keys.contains(&k.as_str()))
        {
            Some(k) => Err(field_error(
                &short(k),
                format!("is not part of a {kind} message", kind = Quoted(kind)),
            )),
            None => Ok(()),
        }
    };
    match kind {
        "prefill" => {
            expect_only(&["user", "ticket"])?;
            Ok(Inbound::Prefill {
                user: optional_text(&map, "user", MAX_USER_CHARS)?,
                ticket: optional_text(&map, "ticket", MAX_TICKET_CHARS)?,
            })
        }
        other => Err(MessageError::UnknownType(short(other))),
    }
}

/// What the page tells the portal. None of them can carry a secret: the receipt holds none.
#[derive(Clone, Debug, PartialEq)]
pub enum Outbound {
    /// The page has started and listens for `prefill`.
    Ready,
    /// The admin signed in (never a token).
    SignedIn { admin: Option<String> },
    /// A run finished; its receipt (the audit record, without the credential).
    Completed { receipt: Value },
}

impl Outbound {
    /// The message as JSON.
    pub fn to_json(&self) -> Value {
        let mut m = Map::default();
        m.insert("handover", PROTOCOL_VERSION);
        match self {
            Outbound::Ready => m.insert("type", "ready"),
            Outbound::SignedIn { admin } => {
                m.insert("type", "signed-in");
                m.insert("admin", admin.clone());
            }
            Outbound::Completed { receipt } => {
                m.insert("type", "completed");
                m.insert("receipt", receipt.clone());
            }
        }
        m.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(v: serde_json::Value) -> Value {
        json::parse(&v.to_string()).expect("serde_json writes JSON")
    }

    fn allowed() -> Vec<String> {
        vec!["https://intranet.contoso.com".into()]
    }
    const OWN: &str = "https://handover.contoso.com";

    #[test]
    fn ancestors_must_all_be_allowed() {
        assert_eq!(
            check_ancestors(&["https://intranet.contoso.com".into()], OWN, &allowed()),
            Ok("https://intranet.contoso.com".into())
        );
        // Case and a trailing slash do not matter; the page's own origin is always allowed.
        assert_eq!(
            check_ancestors(
                &[
                    "https://Intranet.Contoso.com/".into(),
                    "https://handover.contoso.com".into()
                ],
                OWN,
                &allowed()
            ),
            Ok("https://intranet.contoso.com".into())
        );
        assert_eq!(check_ancestors(&[OWN.into()], OWN, &[]), Ok(OWN.to_owned()));
        // A parent that is allowed but framed by another site is refused, naming that site.
        assert_eq!(
            check_ancestors(
                &[
                    "https://intranet.contoso.com".into(),
                    "https://evil.example".into()
                ],
                OWN,
                &allowed()
            ),
            Err(FrameRefusal::NotAllowed {
                origin: "https://evil.example".into()
            })
        );
        assert_eq!(
            check_ancestors(&["http://intranet.contoso.com".into()], OWN, &allowed()),
            Err(FrameRefusal::NotAllowed {
                origin: "http://intranet.contoso.com".into()
            })
        );
        // An opaque origin (sandboxed iframe, file:) is never allowed.
        let refused = check_ancestors(&["null".into()], OWN, &allowed()).unwrap_err();
        assert!(refused.to_string().contains("cannot be named"), "{refused}");
        assert_eq!(
            check_ancestors(&[], OWN, &allowed()),
            Err(FrameRefusal::Unverified)
        );
    }

    #[test]
    fn refusals_say_what_to_do() {
        let text = FrameRefusal::NotAllowed {
            origin: "https://evil.example".into(),
        }
        .to_string();
        assert!(text.contains("https://evil.example"), "{text}");
        assert!(text.contains("allowedParentOrigins"), "{text}");
        assert!(FrameRefusal::Unverified
            .to_string()
            .contains("docs/EMBED.md"));
    }

    #[test]
    fn handshake_targets_are_exact_and_unique() {
        assert_eq!(
            handshake_targets(
                OWN,
                &[
                    "https://intranet.contoso.com/".into(),
                    "https://INTRANET.contoso.com".into()
                ]
            ),
            vec![OWN.to_owned(), "https://intranet.contoso.com".to_owned()]
        );
        assert!(!handshake_targets(OWN, &[]).contains(&"*".to_owned()));
    }

    #[test]
    fn prefill_parses() {
        assert_eq!(
            parse_inbound(
                r#"{"handover":1,"type":"prefill","user":" adele@contoso.com ","ticket":"INC-42"}"#
            ),
            Ok(Inbound::Prefill {
                user: Some("adele@contoso.com".into()),
                ticket: Some("INC-42".into())
            })
        );
        assert_eq!(
            parse_inbound(r#"{"handover":1,"type":"prefill","user":null,"ticket":"  "}"#),
            Ok(Inbound::Prefill {
                user: None,
                ticket: None
            })
        );
        assert_eq!(
            parse_inbound(r#"{"handover":1,"type":"prefill"}"#),
            Ok(Inbound::Prefill {
                user: None,
                ticket: None
            })
        );
    }

    #[test]
    fn wrong_messages_are_refused_with_the_reason() {
        let cases: &[(&str, MessageError)] = &[
            ("not json", MessageError::NotJson),
            ("[1,2]", MessageError::NotObject),
            (r#""prefill""#, MessageError::NotObject),
            (r#"{"type":"prefill"}"#, MessageError::Foreign),
            (
                r#"{"handover":2,"type":"prefill"}"#,
                MessageError::Version("2".into()),
            ),
            (
                r#"{"handover":"1","type":"prefill"}"#,
                MessageError::Version("\"1\"".into()),
            ),
            (
                r#"{"handover":1,"type":"reset-now"}"#,
                MessageError::UnknownType("reset-now".into()),
            ),
            (
                r#"{"handover":1}"#,
                MessageError::Field {
                    name: "type".into(),
                    problem: "is missing".into(),
                },
            ),
            (
                r#"{"handover":1,"type":"prefill","user":42}"#,
                MessageError::Field {
                    name: "user".into(),
                    problem: "must be a string".into(),
                },
            ),
            (
                r#"{"handover":1,"type":"prefill","password":"x"}"#,
                MessageError::Field {
                    name: "password".into(),
                    problem: "is not part of a \"prefill\" message".into(),
                },
            ),
            (
                r#"{"handover":1,"type":"prefill","ticket":"a\nb"}"#,
                MessageError::Field {
                    name: "ticket".into(),
                    problem: "contains a control character".into(),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_inbound(text).as_ref(), Err(want), "{text}");
        }
    }

    #[test]
    fn oversized_strings_and_messages_are_refused() {
        let long_user = "a".repeat(MAX_USER_CHARS + 1);
        let msg = format!(r#"{{"handover":1,"type":"prefill","user":"{long_user}"}}"#);
        assert_eq!(
            parse_inbound(&msg),
            Err(MessageError::Field {
                name: "user".into(),
                problem: format!(
                    "{} characters; at most {MAX_USER_CHARS} are accepted",
                    MAX_USER_CHARS + 1
                ),
            })
        );
        let ok_user = "é".repeat(MAX_USER_CHARS);
        let msg = format!(r#"{{"handover":1,"type":"prefill","user":"{ok_user}"}}"#);
        assert!(parse_inbound(&msg).is_ok());
        let long_ticket = "t".repeat(MAX_TICKET_CHARS + 1);
        let msg = format!(r#"{{"handover":1,"type":"prefill","ticket":"{long_ticket}"}}"#);
        assert!(matches!(
            parse_inbound(&msg),
            Err(MessageError::Field { name, .. }) if name == "ticket"
        ));
        let huge = format!(
            r#"{{"handover":1,"type":"prefill","x":"{}"}}"#,
            "x".repeat(MAX_MESSAGE_BYTES)
        );
        assert_eq!(
            parse_inbound(&huge),
            Err(MessageError::TooLarge { bytes: huge.len() })
        );
    }

    #[test]
    fn outbound_messages_have_the_documented_shape() {
        assert_eq!(
            Outbound::Ready.to_json(),
            ours(serde_json::json!({"handover": 1, "type": "ready"}))
        );
        assert_eq!(
            Outbound::SignedIn {
                admin: Some("admin@contoso.com".into())
            }
            .to_json(),
            ours(
                serde_json::json!({"handover": 1, "type": "signed-in", "admin": "admin@contoso.com"})
            )
        );
        let done = Outbound::Completed {
            receipt: ours(serde_json::json!({"receiptVersion": 1})),
        }
        .to_json();
        assert_eq!(done["type"].as_str(), Some("completed"));
        assert_eq!(done["receipt"]["receiptVersion"].as_u64(), Some(1));
    }
}
