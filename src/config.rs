//! Runtime settings: `config.json` beside `index.html`, read at start and validated, so a
//! mistake shows a page naming the field, what is wrong and an example instead of a blank
//! screen. Keys are camelCase; keys starting with `//` are comments. `config.example.json`
//! documents every key.
//!
//! ```
//! use handover::config::{Config, SignInMode};
//!
//! let config = Config::parse(r#"{
//!     "// what": "Contoso's Handover",
//!     "tenant": "contoso.onmicrosoft.com",
//!     "clientId": "11111111-2222-3333-4444-555555555555"
//! }"#)?;
//! assert_eq!(config.authority, "https://login.microsoftonline.com");
//! assert_eq!(config.sign_in_mode, SignInMode::Auto);
//! assert_eq!(config.discovery_url(),
//!     "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration");
//! # Ok::<(), handover::config::ConfigError>(())
//! ```

use core::fmt;

use crate::json::{self, Map, Value};
use crate::quote::Quoted;

use crate::auth::scopes;

/// Microsoft's public cloud.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// Microsoft Graph in the public cloud.
pub const DEFAULT_GRAPH: &str = "https://graph.microsoft.com";

/// The validated settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Tenant id (GUID), a verified domain, or `organizations`/`common` (allowed, not advised).
    pub tenant: String,
    /// The app registration's Application (client) ID.
    pub client_id: String,
    /// Where the authority sends the answer; `None`: the page's own address.
    pub redirect_uri: Option<String>,
    /// Scheme and host of the authority, no trailing slash.
    pub authority: String,
    /// Scheme and host of Microsoft Graph, no trailing slash.
    pub graph: String,
    /// The permissions to request (the OIDC scopes are added at request time).
    pub scopes: Vec<String>,
    pub sign_in_mode: SignInMode,
    /// Origins allowed to embed Handover in a frame; empty: same origin only.
    pub allowed_parent_origins: Vec<String>,
    /// Whether a reset asks for a ticket number.
    pub require_ticket: bool,
    /// Colours, font, logo and name (`crate::theme`).
    pub theme: crate::theme::Theme,
    /// How the tenant's mail flow rule recognises a message to encrypt (Purview Message
    /// Encryption); `None`: not configured.
    pub encryption: Option<EncryptionRule>,
}

/// What Handover puts on a welcome email so the tenant's Exchange Online mail flow rule applies
/// Purview Message Encryption to it (docs/purview-encryption.md has the matching rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptionRule {
    /// An `x-` header (name, value), sent in sendMail's `internetMessageHeaders`.
    pub header: Option<(String, String)>,
    /// A tag added to the start of the subject, e.g. `[encrypt]`.
    pub subject_tag: Option<String>,
}

impl EncryptionRule {
    /// The rule in the receipt's words: `header X-Handover-Encrypt: OME, subject tag [encrypt]`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some((name, value)) = &self.header {
            parts.push(format!("header {name}: {value}"));
        }
        if let Some(tag) = &self.subject_tag {
            parts.push(format!("subject tag {tag}"));
        }
        parts.join(", ")
    }

    /// `subject` with the tag in front (once).
    pub fn tag_subject(&self, subject: &str) -> String {
        match &self.subject_tag {
            Some(tag) if !subject.contains(tag.as_str()) => format!("{tag} {subject}"),
            _ => subject.to_owned(),
        }
    }
}

/// How the sign-in page is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SignInMode {
    /// A popup when Handover is inside a frame (Entra refuses to be framed), else a redirect.
    #[default]
    Auto,
    /// A full-page redirect.
    Redirect,
    /// A popup window.
    Popup,
}

impl SignInMode {
    /// The config.json spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SignInMode::Auto => "auto",
            SignInMode::Redirect => "redirect",
            SignInMode::Popup => "popup",
        }
    }
}

/// A config.json problem: which field, what is wrong, and an example of a good value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The camelCase key (or `config.json` for the file as a whole).
    pub field: String,
    /// What is wrong, in a sentence or two.
    pub problem: String,
    /// A good value, as JSON.
    pub example: String,
}

impl ConfigError {
    pub(crate) fn new(field: &str, problem: impl Into<String>, example: &str) -> ConfigError {
        ConfigError {
            field: field.to_owned(),
            problem: problem.into(),
            example: example.to_owned(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field == "config.json" {
            write!(
                f,
                "config.json: {} For example: {}",
                self.problem, self.example
            )
        } else {
            write!(
                f,
                "config.json, \"{}\": {} For example: \"{}\": {}",
                self.field, self.problem, self.field, self.example
            )
        }
    }
}

impl std::error::Error for ConfigError {}

const KEYS: &[&str] = &[
    "tenant",
    "clientId",
    "redirectUri",
    "authority",
    "graph",
    "scopes",
    "signInMode",
    "allowedParentOrigins",
    "requireTicket",
    "theme",
    "encryption",
];

const EX_TENANT: &str =
    "\"contoso.onmicrosoft.com\" (or the tenant ID, \"72f988bf-86f1-41af-91ab-2d7cd011db47\")";
const EX_CLIENT_ID: &str = "\"00001111-aaaa-2222-bbbb-3333cccc4444\"";
const EX_REDIRECT: &str = "\"https://intranet.contoso.com/tools/handover/\"";
const EX_AUTHORITY: &str = "\"https://login.microsoftonline.com\"";
const EX_GRAPH: &str = "\"https://graph.microsoft.com\"";
const EX_SCOPES: &str = "[\"User.Read.All\", \"User.ReadWrite.All\", \"Mail.Send\"]";
const EX_MODE: &str = "\"auto\" (or \"redirect\", \"popup\")";
const EX_PARENTS: &str = "[\"https://intranet.contoso.com\"]";
const EX_TICKET: &str = "true";
const EX_ENCRYPTION: &str =
    "{ \"header\": { \"name\": \"X-Handover-Encrypt\", \"value\": \"OME\" }, \"subjectTag\": \"[encrypt]\" }";

/// Reads the `encryption` object: an `x-` header and/or a subject tag.
fn encryption_rule(v: &Value) -> Result<EncryptionRule, ConfigError> {
    let Value::Object(map) = v else {
        return Err(ConfigError::new(
            "encryption",
            format!("must be an object in {{ }}, not {}.", type_name(v)),
            EX_ENCRYPTION,
        ));
    };
    for key in map.keys() {
        if !(key.starts_with("//") || key == "header" || key == "subjectTag") {
            return Err(ConfigError::new(
                "encryption",
                format!("has {key}, which Handover does not know: use \"header\" and/or \"subjectTag\".", key = Quoted(key)),
                EX_ENCRYPTION,
            ));
        }
    }
    let header = match map.get("header").filter(|h| !h.is_null()) {
        None => None,
        Some(Value::Object(h)) => {
            let name = h
                .get("name")
                .map_or(Ok(""), |n| string("encryption", n, EX_ENCRYPTION))?;
            let value = h
                .get("value")
                .map_or(Ok(""), |n| string("encryption", n, EX_ENCRYPTION))?;
            // Graph accepts only custom headers whose names start with x- (InvalidInternetMessageHeader).
            let name_ok = name.len() > 2
                && name[..2].eq_ignore_ascii_case("x-")
                && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
            if !name_ok {
                return Err(ConfigError::new(
                    "encryption",
                    format!("header name {name} must start with \"x-\" or \"X-\" and hold only letters, digits and dashes: Graph's sendMail refuses any other custom header.", name = Quoted(name)),
                    EX_ENCRYPTION,
                ));
            }
            if value.is_empty() || value.chars().any(char::is_control) || value.len() > 200 {
                return Err(ConfigError::new(
                    "encryption",
                    "header value must be non-empty text on one line, at most 200 characters.",
                    EX_ENCRYPTION,
                ));
            }
            Some((name.to_owned(), value.to_owned()))
        }
        Some(other) => {
            return Err(ConfigError::new(
                "encryption",
                format!(
                    "\"header\" must be an object with \"name\" and \"value\", not {}.",
                    type_name(other)
                ),
                EX_ENCRYPTION,
            ))
        }
    };
    let subject_tag = match map.get("subjectTag").filter(|t| !t.is_null()) {
        None => None,
        Some(t) => {
            let tag = string("encryption", t, EX_ENCRYPTION)?;
            if tag.chars().any(char::is_control) || tag.chars().count() > 40 {
                return Err(ConfigError::new(
                    "encryption",
                    "\"subjectTag\" must be one line of at most 40 characters.",
                    EX_ENCRYPTION,
                ));
            }
            Some(tag.to_owned())
        }
    };
    if header.is_none() && subject_tag.is_none() {
        return Err(ConfigError::new(
            "encryption",
            "names neither a header nor a subject tag: give at least one, or remove the key.",
            EX_ENCRYPTION,
        ));
    }
    Ok(EncryptionRule {
        header,
        subject_tag,
    })
}

/// Whether `host` is a loopback name: `127.0.0.1`, `localhost` or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]"
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// What kind of URL a field holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UrlKind {
    /// Scheme and host only (a trailing slash is dropped).
    Origin,
    /// May have a path and query, never a fragment.
    WithPath,
}

/// Checks an absolute http(s) URL; returns it normalised (an origin without a trailing slash).
fn check_url(
    field: &str,
    value: &str,
    kind: UrlKind,
    example: &str,
) -> Result<String, ConfigError> {
    let err = |problem: String| Err(ConfigError::new(field, problem, example));
    let Some((scheme, rest)) = value.split_once("://") else {
        return err(format!(
            "{value} is not an absolute address: it must start with https://.",
            value = Quoted(value)
        ));
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return err(format!(
            "{value} uses {scheme}://; only https:// works here.",
            value = Quoted(value)
        ));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return err(format!(
            "{value} holds a user name or password (\"@\"); remove it.",
            value = Quoted(value)
        ));
    }
    let host = crate::auth::oidc::host_of(authority);
    let port = &authority[host.len()..];
    let host_ok = if host.starts_with('[') {
        host == "[::1]"
    } else {
        is_loopback_host(host) || is_domain(host) || is_ipv4(host)
    };
    if host.is_empty() || !host_ok {
        return err(format!(
            "{value} has no valid host name.",
            value = Quoted(value)
        ));
    }
    if !(port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            p.chars().all(|c| c.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n > 0)
        }))
    {
        return err(format!(
            "{value} has an invalid port.",
            value = Quoted(value)
        ));
    }
    if scheme == "http" && !is_loopback_host(host) {
        return err(format!(
            "{value} uses http://. Tokens and passwords travel over this address, so it must be https://; plain http is accepted only on this computer (127.0.0.1, localhost or [::1]) for testing.", value = Quoted(value)
        ));
    }
    match kind {
        UrlKind::Origin => {
            if !(tail.is_empty() || tail == "/") {
                return err(format!(
                    "{value} has a path or query ({tail}); give only the scheme and host, Handover adds the rest.", value = Quoted(value), tail = Quoted(tail)
                ));
            }
            Ok(format!("{scheme}://{}", authority.to_ascii_lowercase()))
        }
        UrlKind::WithPath => {
            if tail.contains('#') {
                return err(format!(
                    "{value} has a fragment (#...); a redirect URI must not have one.",
                    value = Quoted(value)
                ));
            }
            Ok(value.to_owned())
        }
    }
}

fn is_ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn string<'a>(field: &str, v: &'a Value, example: &str) -> Result<&'a str, ConfigError> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Ok(s.trim()),
        Value::String(_) => Err(ConfigError::new(field, "is empty.", example)),
        other => Err(ConfigError::new(
            field,
            format!("must be text in quotes, not {}.", type_name(other)),
            example,
        )),
    }
}

fn string_list(field: &str, v: &Value, example: &str) -> Result<Vec<String>, ConfigError> {
    let Value::Array(items) = v else {
        return Err(ConfigError::new(
            field,
            format!("must be a list in [ ], not {}.", type_name(v)),
            example,
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
            _ => {
                return Err(ConfigError::new(
                    field,
                    format!("item {} is not a non-empty text in quotes.", i + 1),
                    example,
                ))
            }
        }
    }
    Ok(out)
}

fn suggestion(key: &str) -> Option<&'static str> {
    let folded: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    KEYS.iter()
        .copied()
        .find(|k| k.to_ascii_lowercase() == folded)
}

impl Config {
    /// Reads and validates config.json. Unknown keys are errors (a typo like `clientID` would
    /// otherwise be silently ignored), except comments: keys starting with `//`.
    pub fn parse(json: &str) -> Result<Config, ConfigError> {
        let root = json::parse(json).map_err(|e| {
            ConfigError::new(
                "config.json",
                format!(
                    "is not valid JSON: {} at line {}, column {}.",
                    if e.eof { "it ends too early" } else { e.what },
                    e.line,
                    e.column
                ),
                "{ \"tenant\": \"contoso.onmicrosoft.com\", \"clientId\": \"00001111-aaaa-2222-bbbb-3333cccc4444\" }",
            )
        })?;
        let Value::Object(map) = root else {
            return Err(ConfigError::new(
                "config.json",
                format!("must be one JSON object in {{ }}, not {}.", type_name(&root)),
                "{ \"tenant\": \"contoso.onmicrosoft.com\", \"clientId\": \"00001111-aaaa-2222-bbbb-3333cccc4444\" }",
            ));
        };
        for key in map.keys() {
            if key.starts_with("//") || KEYS.contains(&key.as_str()) {
                continue;
            }
            let problem = match suggestion(key) {
                Some(good) => format!("is not a setting Handover knows; did you mean \"{good}\" (spelled exactly so)?"),
                None => format!(
                    "is not a setting Handover knows. The settings are: {}. To leave a note, start the key with //.",
                    KEYS.join(", ")
                ),
            };
            return Err(ConfigError::new(
                key,
                problem,
                "(remove it, or rename it to a setting)",
            ));
        }
        Self::from_map(&map)
    }

    fn from_map(map: &Map) -> Result<Config, ConfigError> {
        let present = |k: &str| map.get(k).filter(|v| !v.is_null());

        let tenant = match present("tenant") {
            None => {
                return Err(ConfigError::new(
                    "tenant",
                    "is missing: Handover needs to know which tenant to sign in to.",
                    EX_TENANT,
                ))
            }
            Some(v) => string("tenant", v, EX_TENANT)?,
        };
        let tenant_ok = is_guid(tenant)
            || is_domain(tenant)
            || tenant.eq_ignore_ascii_case("organizations")
            || tenant.eq_ignore_ascii_case("common");
        if !tenant_ok {
            let why = if tenant.eq_ignore_ascii_case("consumers") {
                "is \"consumers\": personal Microsoft accounts cannot administer a tenant."
                    .to_owned()
            } else {
                format!("{tenant} is neither a tenant ID (a GUID) nor a domain name. \"organizations\" and \"common\" are accepted but not advised for an admin tool.", tenant = Quoted(tenant))
            };
            return Err(ConfigError::new("tenant", why, EX_TENANT));
        }

        let client_id = match present("clientId") {
            None => return Err(ConfigError::new("clientId", "is missing: give the Application (client) ID of Handover's app registration (Entra admin center → App registrations → Overview).", EX_CLIENT_ID)),
            Some(v) => string("clientId", v, EX_CLIENT_ID)?,
        };
        if !is_guid(client_id) {
            return Err(ConfigError::new(
                "clientId",
                format!("{client_id} is not a GUID; it is the Application (client) ID shown on the app registration's Overview page.", client_id = Quoted(client_id)),
                EX_CLIENT_ID,
            ));
        }

        let redirect_uri = match present("redirectUri") {
            None => None,
            Some(v) => Some(check_url(
                "redirectUri",
                string("redirectUri", v, EX_REDIRECT)?,
                UrlKind::WithPath,
                EX_REDIRECT,
            )?),
        };
        let origin = |field: &str, default: &str, example: &str| match present(field) {
            None => Ok(default.to_owned()),
            Some(v) => check_url(field, string(field, v, example)?, UrlKind::Origin, example),
        };
        let authority = origin("authority", DEFAULT_AUTHORITY, EX_AUTHORITY)?;
        let graph = origin("graph", DEFAULT_GRAPH, EX_GRAPH)?;

        let scopes = match present("scopes") {
            None => scopes::DEFAULT.iter().map(|s| (*s).to_owned()).collect(),
            Some(v) => {
                let list = string_list("scopes", v, EX_SCOPES)?;
                if list.is_empty() {
                    return Err(ConfigError::new(
                        "scopes",
                        "is an empty list; remove the key to use the default permissions.",
                        EX_SCOPES,
                    ));
                }
                if let Some(bad) = list.iter().find(|s| s.chars().any(char::is_whitespace)) {
                    return Err(ConfigError::new(
                        "scopes",
                        format!(
                            "{bad} holds a space; give one permission per item.",
                            bad = Quoted(bad)
                        ),
                        EX_SCOPES,
                    ));
                }
                list
            }
        };

        let sign_in_mode = match present("signInMode") {
            None => SignInMode::Auto,
            Some(v) => match string("signInMode", v, EX_MODE)?
                .to_ascii_lowercase()
                .as_str()
            {
                "auto" => SignInMode::Auto,
                "redirect" => SignInMode::Redirect,
                "popup" => SignInMode::Popup,
                other => {
                    return Err(ConfigError::new(
                        "signInMode",
                        format!(
                            "{other} is not one of auto, redirect or popup.",
                            other = Quoted(other)
                        ),
                        EX_MODE,
                    ))
                }
            },
        };

        let allowed_parent_origins = match present("allowedParentOrigins") {
            None => Vec::new(),
            Some(v) => {
                let mut origins = string_list("allowedParentOrigins", v, EX_PARENTS)?;
                for o in &mut origins {
                    *o = check_url("allowedParentOrigins", o, UrlKind::Origin, EX_PARENTS)?;
                }
                origins
            }
        };

        let require_ticket = match present("requireTicket") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(ConfigError::new(
                    "requireTicket",
                    format!(
                        "must be true or false (without quotes), not {}.",
                        type_name(other)
                    ),
                    EX_TICKET,
                ))
            }
        };

        let encryption = match present("encryption") {
            None => None,
            Some(v) => Some(encryption_rule(v)?),
        };

        Ok(Config {
            tenant: tenant.to_owned(),
            client_id: client_id.to_owned(),
            redirect_uri,
            authority,
            graph,
            scopes,
            sign_in_mode,
            allowed_parent_origins,
            require_ticket,
            theme: crate::theme::theme_of(map)?,
            encryption,
        })
    }

    /// `{authority}/{tenant}/v2.0/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/{}/v2.0/.well-known/openid-configuration",
            self.authority, self.tenant
        )
    }

    /// Graph's origin (scheme, host, port), e.g. for a Content-Security-Policy `connect-src`.
    pub fn graph_origin(&self) -> String {
        self.graph.clone()
    }

    /// The authority's origin (scheme, host, port).
    pub fn authority_origin(&self) -> String {
        self.authority.clone()
    }

    /// The redirect URI to use: the configured one, else `page_url` (the page's own address,
    /// without query or fragment).
    pub fn redirect_uri_or(&self, page_url: &str) -> String {
        match &self.redirect_uri {
            Some(uri) => uri.clone(),
            None => page_url
                .split(['?', '#'])
                .next()
                .unwrap_or(page_url)
                .to_owned(),
        }
    }

    /// Things that work but an admin should know, in sentences (shown, not fatal).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.tenant.eq_ignore_ascii_case("organizations")
            || self.tenant.eq_ignore_ascii_case("common")
        {
            out.push(format!(
                "tenant is \"{}\": an account from any organization can start signing in. For an admin tool, name your tenant (its ID or domain) instead.",
                self.tenant
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUID: &str = "00001111-aaaa-2222-bbbb-3333cccc4444";

    fn with(extra: &str) -> String {
        format!(r#"{{"tenant": "contoso.onmicrosoft.com", "clientId": "{GUID}"{extra}}}"#)
    }

    #[test]
    fn the_example_file_parses_and_documents_every_key() {
        let text = include_str!("../config.example.json");
        let config = Config::parse(text).expect("config.example.json is valid");
        assert_eq!(config.tenant, "contoso.onmicrosoft.com");
        assert_eq!(
            config.redirect_uri.as_deref(),
            Some("https://intranet.contoso.com/tools/handover/")
        );
        assert_eq!(config.scopes, scopes::DEFAULT);
        assert_eq!(
            config.allowed_parent_origins,
            ["https://intranet.contoso.com"]
        );
        assert_eq!(
            config.theme.accent.map(|c| c.css()).as_deref(),
            Some("#0f6cbd")
        );
        assert_eq!(config.theme.name(), "Handover");
        let root = json::parse(text).expect("JSON");
        for key in KEYS {
            assert!(root.get(key).is_some(), "{key} is not shown");
            assert!(
                root.get(&format!("// {key}")).is_some(),
                "{key} is not documented"
            );
        }
    }

    #[test]
    fn the_minimal_config_takes_the_public_cloud_defaults() {
        let c = Config::parse(&with("")).expect("valid");
        assert_eq!(c.authority, DEFAULT_AUTHORITY);
        assert_eq!(c.graph, DEFAULT_GRAPH);
        assert_eq!(c.scopes, scopes::DEFAULT);
        assert_eq!(c.sign_in_mode, SignInMode::Auto);
        assert!(c.allowed_parent_origins.is_empty());
        assert!(c.require_ticket);
        assert_eq!(c.redirect_uri, None);
        assert_eq!(
            c.redirect_uri_or("https://intranet.contoso.com/handover/?code=x#y"),
            "https://intranet.contoso.com/handover/"
        );
        assert!(c.warnings().is_empty());
        assert_eq!(c.authority_origin(), "https://login.microsoftonline.com");
        assert_eq!(c.graph_origin(), "https://graph.microsoft.com");
    }

    #[test]
    fn the_sandbox_config_parses() {
        // What the sandbox serves at /config.json.
        let c = Config::parse(
            r#"{"tenant": "9b1d8a3e-2f4c-4e6a-8d7b-1c2e3f4a5b6c", "clientId": "6731de76-14a6-49ae-97bc-6eba6914391e",
                "redirectUri": "http://127.0.0.1:8400/", "authority": "http://localhost:8400",
                "graph": "http://localhost:8400", "signInMode": "auto"}"#,
        )
        .expect("valid");
        assert_eq!(
            c.discovery_url(),
            "http://localhost:8400/9b1d8a3e-2f4c-4e6a-8d7b-1c2e3f4a5b6c/v2.0/.well-known/openid-configuration"
        );
        assert_eq!(c.graph_origin(), "http://localhost:8400");
    }

    #[test]
    fn good_configs() {
        type Check = fn(&Config) -> bool;
        let cases: &[(&str, Check)] = &[
            (
                r#", "authority": "https://login.microsoftonline.us/""#,
                |c| c.authority == "https://login.microsoftonline.us",
            ),
            (
                r#", "authority": "HTTPS://Login.MicrosoftOnline.com""#,
                |c| c.authority == "https://login.microsoftonline.com",
            ),
            (r#", "graph": "https://graph.microsoft.us""#, |c| {
                c.graph_origin() == "https://graph.microsoft.us"
            }),
            (r#", "graph": "http://[::1]:8400""#, |c| {
                c.graph == "http://[::1]:8400"
            }),
            (
                r#", "redirectUri": "https://intranet.contoso.com:8443/tools/handover/index.html""#,
                |c| {
                    c.redirect_uri.as_deref()
                        == Some("https://intranet.contoso.com:8443/tools/handover/index.html")
                },
            ),
            (r#", "redirectUri": "http://localhost:8080/""#, |c| {
                c.redirect_uri.is_some()
            }),
            (
                r#", "scopes": ["https://graph.microsoft.com/User.Read.All", "Mail.Send"]"#,
                |c| c.scopes.len() == 2,
            ),
            (r#", "signInMode": "Popup""#, |c| {
                c.sign_in_mode == SignInMode::Popup
            }),
            (r#", "signInMode": "redirect""#, |c| {
                c.sign_in_mode == SignInMode::Redirect
            }),
            (
                r#", "allowedParentOrigins": ["https://intranet.contoso.com/", "http://127.0.0.1:9000"]"#,
                |c| {
                    c.allowed_parent_origins
                        == ["https://intranet.contoso.com", "http://127.0.0.1:9000"]
                },
            ),
            (r#", "requireTicket": false"#, |c| !c.require_ticket),
            (r#", "redirectUri": null, "scopes": null"#, |c| {
                c.redirect_uri.is_none() && c.scopes == scopes::DEFAULT
            }),
            (
                r#", "//note": "comments are ignored", "// another": {"nested": true}"#,
                |_| true,
            ),
        ];
        for (extra, ok) in cases {
            let c = Config::parse(&with(extra)).unwrap_or_else(|e| panic!("{extra}: {e}"));
            assert!(ok(&c), "{extra}: {c:?}");
        }
    }

    #[test]
    fn tenants() {
        for good in [
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "contoso.com",
            "contoso.onmicrosoft.com",
            "organizations",
            "common",
        ] {
            let json = format!(r#"{{"tenant": "{good}", "clientId": "{GUID}"}}"#);
            assert!(Config::parse(&json).is_ok(), "{good}");
        }
        let c = Config::parse(&format!(
            r#"{{"tenant": "organizations", "clientId": "{GUID}"}}"#
        ))
        .expect("allowed");
        assert!(c.warnings()[0].contains("not advised") || c.warnings()[0].contains("instead"));
        for bad in [
            "consumers",
            "contoso",
            "72f988bf-86f1-41af-91ab",
            "conto so.com",
            "-x.com",
            "a..com",
        ] {
            let json = format!(r#"{{"tenant": "{bad}", "clientId": "{GUID}"}}"#);
            let e = Config::parse(&json).expect_err(bad);
            assert_eq!(e.field, "tenant", "{bad}");
        }
    }

    #[test]
    fn a_bad_theme_stops_the_page_with_the_field_named() {
        let e = Config::parse(&with(r#", "theme": {"accent": "navy"}"#)).unwrap_err();
        assert_eq!(e.field, "theme.accent");
        assert!(e.to_string().contains("#rgb or #rrggbb"), "{e}");
        let c = Config::parse(&with(r#", "theme": {"productName": "Contoso reset"}"#)).unwrap();
        assert_eq!(c.theme.name(), "Contoso reset");
    }

    #[test]
    fn bad_configs_name_the_field() {
        let cases: &[(&str, &str, &str)] = &[
            // (config, field, words in the problem)
            (
                r#"{"clientId": "00001111-aaaa-2222-bbbb-3333cccc4444"}"#,
                "tenant",
                "missing",
            ),
            (r#"{"tenant": "contoso.com"}"#, "clientId", "missing"),
            (
                r#"{"tenant": "", "clientId": "00001111-aaaa-2222-bbbb-3333cccc4444"}"#,
                "tenant",
                "empty",
            ),
            (
                r#"{"tenant": 42, "clientId": "00001111-aaaa-2222-bbbb-3333cccc4444"}"#,
                "tenant",
                "a number",
            ),
            (
                r#"{"tenant": "contoso.com", "clientId": "my-app"}"#,
                "clientId",
                "not a GUID",
            ),
            (
                r#"{"tenant": "contoso.com", "clientId": "00001111-aaaa-2222-bbbb-3333cccc444g"}"#,
                "clientId",
                "not a GUID",
            ),
            (
                &with(r#", "redirectUri": "/handover/""#),
                "redirectUri",
                "absolute",
            ),
            (
                &with(r#", "redirectUri": "http://intranet.contoso.com/""#),
                "redirectUri",
                "only on this computer",
            ),
            (
                &with(r#", "redirectUri": "https://intranet.contoso.com/#x""#),
                "redirectUri",
                "fragment",
            ),
            (
                &with(r#", "redirectUri": "ftp://intranet.contoso.com/""#),
                "redirectUri",
                "ftp",
            ),
            (
                &with(r#", "redirectUri": "https://admin:pw@intranet.contoso.com/""#),
                "redirectUri",
                "password",
            ),
            (
                &with(r#", "redirectUri": "https://intranet.contoso.com:99999/""#),
                "redirectUri",
                "port",
            ),
            (
                &with(r#", "authority": "https://login.microsoftonline.com/contoso.com""#),
                "authority",
                "path",
            ),
            (
                &with(r#", "authority": "http://login.microsoftonline.com""#),
                "authority",
                "https",
            ),
            (&with(r#", "authority": "https://""#), "authority", "host"),
            (
                &with(r#", "graph": "https://graph.microsoft.com/v1.0""#),
                "graph",
                "path",
            ),
            (
                &with(r#", "graph": "graph.microsoft.com""#),
                "graph",
                "absolute",
            ),
            (&with(r#", "scopes": []"#), "scopes", "empty"),
            (
                &with(r#", "scopes": "User.Read.All Mail.Send""#),
                "scopes",
                "list",
            ),
            (
                &with(r#", "scopes": ["User.Read.All", ""]"#),
                "scopes",
                "item 2",
            ),
            (
                &with(r#", "scopes": ["User.Read.All", 7]"#),
                "scopes",
                "item 2",
            ),
            (
                &with(r#", "scopes": ["User.Read.All Mail.Send"]"#),
                "scopes",
                "space",
            ),
            (
                &with(r#", "signInMode": "iframe""#),
                "signInMode",
                "auto, redirect or popup",
            ),
            (
                &with(r#", "allowedParentOrigins": ["https://intranet.contoso.com/portal"]"#),
                "allowedParentOrigins",
                "path",
            ),
            (
                &with(r#", "allowedParentOrigins": "https://intranet.contoso.com""#),
                "allowedParentOrigins",
                "list",
            ),
            (
                &with(r#", "requireTicket": "yes""#),
                "requireTicket",
                "true or false",
            ),
            (
                &with(r#", "clientID": "x""#),
                "clientID",
                "did you mean \"clientId\"",
            ),
            (
                &with(r#", "sign_in_mode": "popup""#),
                "sign_in_mode",
                "did you mean \"signInMode\"",
            ),
            (
                &with(r#", "color": "blue""#),
                "color",
                "start the key with //",
            ),
            ("[1, 2]", "config.json", "one JSON object"),
        ];
        for (json, field, words) in cases {
            let e = Config::parse(json).expect_err(json);
            assert_eq!(&e.field, field, "{json}: {e}");
            assert!(
                e.problem.contains(words),
                "{json}: {:?} lacks {words:?}",
                e.problem
            );
            assert!(!e.example.is_empty());
            let shown = e.to_string();
            assert!(
                shown.contains(field) && shown.contains("For example"),
                "{shown}"
            );
        }
    }

    #[test]
    fn malformed_json_gives_line_and_column() {
        let e = Config::parse("{\n  \"tenant\": \"contoso.com\",\n  \"clientId\": \"x\",\n}")
            .expect_err("trailing comma");
        assert_eq!(e.field, "config.json");
        assert!(e.problem.contains("line 4, column 1"), "{}", e.problem);
        let e = Config::parse("{\"tenant\": ").expect_err("cut short");
        assert!(e.problem.contains("ends too early"), "{}", e.problem);
        let e = Config::parse("").expect_err("empty file");
        assert_eq!(e.field, "config.json");
    }

    #[test]
    fn a_config_error_becomes_an_auth_error_with_the_same_words() {
        let e = Config::parse(&with(r#", "clientID": "x""#)).expect_err("typo");
        let explained = crate::auth::AuthError::from(e.clone()).explain();
        assert_eq!(explained.detail, e.to_string());
        assert!(explained.fix.contains("config.example.json"));
    }

    #[test]
    fn encryption_rule_is_checked() {
        let base = r#""tenant": "contoso.onmicrosoft.com", "clientId": "11111111-2222-3333-4444-555555555555""#;
        let parse = |extra: &str| Config::parse(&format!("{{{base}, \"encryption\": {extra}}}"));
        let ok = parse(
            r#"{"header": {"name": "X-Handover-Encrypt", "value": "OME"}, "subjectTag": "[encrypt]"}"#,
        );
        let rule = match ok {
            Ok(c) => c.encryption,
            Err(e) => panic!("{e}"),
        };
        let rule = rule.unwrap_or_else(|| panic!("no rule"));
        assert_eq!(
            rule.header,
            Some(("X-Handover-Encrypt".to_owned(), "OME".to_owned()))
        );
        assert_eq!(rule.tag_subject("Welcome"), "[encrypt] Welcome");
        assert_eq!(rule.tag_subject("[encrypt] Welcome"), "[encrypt] Welcome");
        assert_eq!(
            rule.describe(),
            "header X-Handover-Encrypt: OME, subject tag [encrypt]"
        );
        // A header Graph would refuse is refused here, with what to do.
        let e = parse(r#"{"header": {"name": "Handover-Encrypt", "value": "1"}}"#).err();
        assert!(e.is_some_and(|e| e.field == "encryption" && e.problem.contains("x-")));
        assert!(parse(r#"{"header": {"name": "x-a:b", "value": "1"}}"#).is_err());
        assert!(parse(r#"{"header": {"name": "x-ok", "value": ""}}"#).is_err());
        assert!(parse(r#"{}"#).is_err());
        assert!(parse(r#"{"subjectTg": "[e]"}"#).is_err());
        assert!(parse(r#""[encrypt]""#).is_err());
        let tag_only = parse(r#"{"subjectTag": "[secure]"}"#)
            .ok()
            .and_then(|c| c.encryption);
        assert_eq!(
            tag_only.and_then(|r| r.subject_tag),
            Some("[secure]".to_owned())
        );
        // Without the key there is no rule.
        assert_eq!(
            Config::parse(&format!("{{{base}}}"))
                .ok()
                .map(|c| c.encryption),
            Some(None)
        );
    }
}
