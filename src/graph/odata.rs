//! OData helpers: string literals, percent-encoding, `$select` lists and the Find step's queries.
//!
//! ```
//! use handover::graph::odata;
//!
//! assert_eq!(odata::quote("o'brien@contoso.com"), "'o''brien@contoso.com'");
//! assert_eq!(odata::percent_encode("a b&c"), "a%20b%26c");
//! ```

use super::endpoints::Call;
use super::http::Method;

/// What the Review step and the Find results ask for. `otherMails` and `onPremises*` are only
/// returned when named in `$select`.
pub const USER_SELECT: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "surname",
    "userPrincipalName",
    "mail",
    "otherMails",
    "accountEnabled",
    "userType",
    "onPremisesSyncEnabled",
    "lastPasswordChangeDateTime",
];

/// A smaller list for the signed-in admin (`/me`).
pub const ME_SELECT: &[&str] = &["id", "displayName", "userPrincipalName", "mail"];

/// What is read of a directory role.
pub const ROLE_SELECT: &[&str] = &["id", "displayName", "roleTemplateId"];

/// What is read of a group when looking for role-assignable ones.
pub const GROUP_SELECT: &[&str] = &["id", "displayName", "isAssignableToRole"];

/// An OData string literal: wrapped in `'`, with every `'` doubled.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`), as
/// UTF-8. Safe for a path segment and for a query value.
pub fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// A `$select` value: the names joined by commas (names are Handover's own constants).
pub fn select(fields: &[&str]) -> String {
    fields.join(",")
}

/// The value of a `$search` clause on one property: `"property:text"`, with `"` and `\` escaped
/// because the clause is itself a double-quoted string.
pub fn search_clause(property: &str, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + property.len() + 3);
    out.push('"');
    out.push_str(property);
    out.push(':');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A query string from `(name, raw value)` pairs: names are used as written (`$filter`), values
/// are percent-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(name);
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

/// What the admin typed in the Find box, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindInput {
    /// Nothing to look for (blank, or only spaces).
    Empty,
    /// Looks like a UPN or an email address: look it up exactly.
    Exact(String),
    /// Anything else: search display names.
    DisplayName(String),
}

impl FindInput {
    /// Classifies the admin's text (trimmed). A single `@` between non-empty parts and no spaces
    /// means a UPN or an address.
    pub fn classify(text: &str) -> FindInput {
        let text = text.trim();
        if text.is_empty() {
            return FindInput::Empty;
        }
        let looks_like_address = !text.contains(char::is_whitespace)
            && text
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if looks_like_address {
            FindInput::Exact(text.to_owned())
        } else {
            FindInput::DisplayName(text.to_owned())
        }
    }
}

/// Exact lookup: `GET /users?$filter=userPrincipalName eq '..' or mail eq '..'`.
pub fn find_exact(address: &str, top: u8) -> Call {
    let literal = quote(address);
    let filter = format!("userPrincipalName eq {literal} or mail eq {literal}");
    let top = top.to_string();
    let q = query(&[
        ("$filter", &filter),
        ("$select", &select(USER_SELECT)),
        ("$top", &top),
    ]);
    Call::new(Method::Get, format!("/users{q}"))
}

/// Display-name prefix: `GET /users?$filter=startswith(displayName,'..')`. Needs no extra header.
pub fn find_display_name_prefix(text: &str, top: u8) -> Call {
    let filter = format!("startswith(displayName,{})", quote(text));
    let top = top.to_string();
    let q = query(&[
        ("$filter", &filter),
        ("$select", &select(USER_SELECT)),
        ("$top", &top),
    ]);
    Call::new(Method::Get, format!("/users{q}"))
}

/// Display-name token search: `GET /users?$search="displayName:.."` with
/// `ConsistencyLevel: eventual` (without it Graph answers 400 `Request_UnsupportedQuery`).
/// Matches the start of any word of the name ("love" finds "Ada Lovelace"), not text inside a
/// word, and is eventually consistent (a user created a minute ago may be missing).
pub fn find_display_name_search(text: &str, top: u8) -> Call {
    let top = top.to_string();
    let q = query(&[
        ("$search", &search_clause("displayName", text)),
        ("$select", &select(USER_SELECT)),
        ("$top", &top),
    ]);
    Call::new(Method::Get, format!("/users{q}")).with_header("ConsistencyLevel", "eventual")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_doubles_apostrophes() {
        assert_eq!(quote("o'brien@contoso.com"), "'o''brien@contoso.com'");
        assert_eq!(quote("''"), "''''''");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(percent_encode("o'brien@x.com"), "o%27brien%40x.com");
        assert_eq!(percent_encode("a b+c/d?e#f"), "a%20b%2Bc%2Fd%3Fe%23f");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    #[test]
    fn exact_lookup_quotes_then_encodes() {
        let call = find_exact("o'brien@contoso.com", 5);
        assert_eq!(call.method, Method::Get);
        assert!(call.path.starts_with("/users?$filter="), "{}", call.path);
        // userPrincipalName eq 'o''brien@contoso.com' or mail eq 'o''brien@contoso.com'
        assert!(call.path.contains(
            "userPrincipalName%20eq%20%27o%27%27brien%40contoso.com%27%20or%20mail%20eq%20%27o%27%27brien%40contoso.com%27"
        ), "{}", call.path);
        assert!(call.path.contains("&$select=id%2CdisplayName"));
        assert!(call.path.ends_with("&$top=5"));
        assert!(call.headers.get("ConsistencyLevel").is_none());
    }

    #[test]
    fn search_needs_eventual_consistency_and_escapes_quotes() {
        let call = find_display_name_search("Ada \"the\" L", 10);
        assert_eq!(call.headers.get("consistencylevel"), Some("eventual"));
        assert!(call
            .path
            .contains("$search=%22displayName%3AAda%20%5C%22the%5C%22%20L%22"));
        let prefix = find_display_name_prefix("D'Arcy", 10);
        assert!(prefix
            .path
            .contains("startswith%28displayName%2C%27D%27%27Arcy%27%29"));
    }

    #[test]
    fn classify_input() {
        assert_eq!(FindInput::classify("   "), FindInput::Empty);
        assert_eq!(
            FindInput::classify(" ada@contoso.com "),
            FindInput::Exact("ada@contoso.com".into())
        );
        assert_eq!(
            FindInput::classify("Ada Lovelace"),
            FindInput::DisplayName("Ada Lovelace".into())
        );
        assert_eq!(
            FindInput::classify("@contoso.com"),
            FindInput::DisplayName("@contoso.com".into())
        );
        assert_eq!(
            FindInput::classify("ada @contoso.com"),
            FindInput::DisplayName("ada @contoso.com".into())
        );
    }
}
