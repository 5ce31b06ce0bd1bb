//! Entra ID's password rules, checked before any reset (generated or typed passwords alike).
//!
//! Rules (concept-sspr-policy, shared/GRAPH.md): 8 to 256 characters; at least 3 of lowercase,
//! uppercase, digit, symbol; only ASCII letters, digits, Entra's symbols and space; and the
//! banned-password rule: after lowercasing and mapping `0→o 1→l $→s @→a`, the password must not
//! contain the user's given name, surname, UPN local part or the tenant's name.
//!
//! Our reading of the banned-name rule, stricter than Entra where the documentation is vague:
//! each name is lowercased and split into runs of letters, and every run of
//! [`MIN_BANNED_TOKEN_LEN`] (4) or more letters is a banned substring. So `anna.smith42` bans
//! `anna` and `smith`, and a three-letter name like "Li" or "Ann" bans nothing, as in Entra.

use super::alphabet::CharClass;
use core::fmt;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 256;
/// How many of the four classes Entra requires.
pub const REQUIRED_CLASSES: usize = 3;
/// Name parts shorter than this are not banned (Entra: "4+ letters").
pub const MIN_BANNED_TOKEN_LEN: usize = 4;

/// Where a banned name came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameSource {
    GivenName,
    Surname,
    UserPrincipalName,
    TenantName,
}

impl NameSource {
    fn describe(self) -> &'static str {
        match self {
            NameSource::GivenName => "the user's first name",
            NameSource::Surname => "the user's last name",
            NameSource::UserPrincipalName => "the user's sign-in name",
            NameSource::TenantName => "your organisation's name",
        }
    }
}

/// The names a password must not contain, for one target user.
///
/// ```
/// use handover::credential::{check_password, PolicyContext};
///
/// let target = PolicyContext::default()
///     .given_name("Anna")
///     .surname("Lindqvist")
///     .user_principal_name("anna.lindqvist@contoso.com")
///     .tenant_name("Contoso");
/// assert!(check_password("Blue-Harbor-71x", &target).is_ok());
/// assert!(check_password("C0nt0so-Harbor-7", &target).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyContext {
    banned: Vec<(String, NameSource)>,
}

impl PolicyContext {
    pub fn given_name(self, name: &str) -> Self {
        self.with(name, NameSource::GivenName)
    }

    pub fn surname(self, name: &str) -> Self {
        self.with(name, NameSource::Surname)
    }

    /// Only the part before `@` counts; the domain is not a name.
    pub fn user_principal_name(self, upn: &str) -> Self {
        let local = upn.split('@').next().unwrap_or(upn);
        self.with(local, NameSource::UserPrincipalName)
    }

    pub fn tenant_name(self, name: &str) -> Self {
        self.with(name, NameSource::TenantName)
    }

    fn with(mut self, name: &str, source: NameSource) -> Self {
        // ASCII lowercasing: a password must be ASCII, so a token with any other letter can never
        // match it whatever its case, and Unicode's case tables would cost the page ~12 KB.
        let lower = name.to_ascii_lowercase();
        for token in lower.split(|c: char| !c.is_alphabetic()) {
            let known = self.banned.iter().any(|(t, _)| t == token);
            if token.chars().count() >= MIN_BANNED_TOKEN_LEN && !known {
                self.banned.push((token.to_owned(), source));
            }
        }
        self
    }

    /// The banned substrings, lowercase, each with where it came from.
    pub fn banned_tokens(&self) -> impl Iterator<Item = (&str, NameSource)> {
        self.banned.iter().map(|(t, s)| (t.as_str(), *s))
    }
}

/// One broken rule, worded so the admin knows what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyViolation {
    TooShort {
        length: usize,
    },
    TooLong {
        length: usize,
    },
    /// Letters with accents, emoji, any character beyond ASCII.
    NonAscii,
    /// Tab, line break or another invisible control character.
    ControlCharacter,
    TooFewClasses {
        missing: Vec<CharClass>,
    },
    ContainsName {
        name: String,
        source: NameSource,
    },
}

impl fmt::Display for PolicyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyViolation::TooShort { length } => write!(
                f,
                "The password has {length} characters; Entra ID needs at least {MIN_LENGTH}. Make it longer."
            ),
            PolicyViolation::TooLong { length } => write!(
                f,
                "The password has {length} characters; Entra ID allows at most {MAX_LENGTH}. Make it shorter."
            ),
            PolicyViolation::NonAscii => f.write_str(
                "The password has a character Entra ID rejects (an accented letter, emoji or other non-ASCII character). Use only A-Z, a-z, 0-9, symbols and space.",
            ),
            PolicyViolation::ControlCharacter => f.write_str(
                "The password has a tab, line break or other invisible character. Remove it.",
            ),
            PolicyViolation::TooFewClasses { missing } => {
                f.write_str("Entra ID needs at least 3 of lowercase letters, uppercase letters, digits and symbols. Add ")?;
                for (i, class) in missing.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    f.write_str(class.name())?;
                }
                f.write_str(".")
            }
            PolicyViolation::ContainsName { name, source } => write!(
                f,
                "The password contains \"{name}\", {}; Entra ID bans it (also when written with 0, 1, $ or @ for o, l, s, a). Choose another password.",
                source.describe()
            ),
        }
    }
}

impl std::error::Error for PolicyViolation {}

/// Every rule the password breaks for this user; `Ok` when Entra ID should accept it.
pub fn check_password(password: &str, context: &PolicyContext) -> Result<(), Vec<PolicyViolation>> {
    let mut violations = Vec::new();
    let length = password.chars().count();
    if length < MIN_LENGTH {
        violations.push(PolicyViolation::TooShort { length });
    } else if length > MAX_LENGTH {
        violations.push(PolicyViolation::TooLong { length });
    }
    if !password.is_ascii() {
        violations.push(PolicyViolation::NonAscii);
    }
    if password.chars().any(|c| c.is_ascii_control()) {
        violations.push(PolicyViolation::ControlCharacter);
    }
    let missing: Vec<CharClass> = CharClass::ALL
        .into_iter()
        .filter(|&class| !password.chars().any(|c| CharClass::of(c) == Some(class)))
        .collect();
    if CharClass::ALL.len() - missing.len() < REQUIRED_CLASSES {
        violations.push(PolicyViolation::TooFewClasses { missing });
    }
    if !context.banned.is_empty() {
        let mut normalised: String = password.chars().map(normalise).collect();
        for (token, source) in context.banned_tokens() {
            if normalised.contains(token) {
                violations.push(PolicyViolation::ContainsName {
                    name: token.to_owned(),
                    source,
                });
            }
        }
        zeroize::Zeroize::zeroize(&mut normalised);
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

/// Entra's banned-password normalisation of one character (ASCII lowercase: a non-ASCII
/// password is already refused as `NonAscii`).
fn normalise(c: char) -> char {
    let mapped = match c {
        '0' => 'o',
        '1' => 'l',
        '$' => 's',
        '@' => 'a',
        _ => c,
    };
    mapped.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use PolicyViolation::*;

    fn anna() -> PolicyContext {
        PolicyContext::default()
            .given_name("Anna")
            .surname("O'Sullivan-Smith")
            .user_principal_name("anna.smith42@contoso.onmicrosoft.com")
            .tenant_name("Contoso Ltd")
    }

    #[test]
    fn tokens_are_letter_runs_of_four_or_more() {
        let anna = anna();
        let tokens: Vec<(&str, NameSource)> = anna.banned_tokens().collect();
        assert_eq!(
            tokens,
            [
                ("anna", NameSource::GivenName),
                ("sullivan", NameSource::Surname),
                ("smith", NameSource::Surname),
                ("contoso", NameSource::TenantName),
            ]
        );
        let short = PolicyContext::default().given_name("Li").surname("Ann");
        assert_eq!(short.banned_tokens().count(), 0);
    }

    /// Passwords Entra accepts and rejects, with the rule that rejects them.
    #[test]
    fn policy_table() {
        let ctx = anna();
        let table: Vec<(&str, Vec<PolicyViolation>)> = vec![
            // Accepted.
            ("Xq7#mP2$vL9!", vec![]),
            ("abcdEFGH1234", vec![]),  // lower, upper, digit
            ("abcdefg1!", vec![]),     // lower, digit, symbol
            ("ABCD efg 12", vec![]),   // space is a symbol
            ("Aa1aaaaa", vec![]),      // exactly 8
            ("Ann-Li-Ltd-77", vec![]), // 3-letter names are not banned
            ("Mont0-Bay-x", vec![]),   // "anna"-free, "cont" is only part of "contoso"
            // Length.
            ("Aa1!aaa", vec![TooShort { length: 7 }]),
            (
                "",
                vec![
                    TooShort { length: 0 },
                    TooFewClasses {
                        missing: CharClass::ALL.to_vec(),
                    },
                ],
            ),
            // Classes.
            (
                "alllowercase",
                vec![TooFewClasses {
                    missing: vec![CharClass::Uppercase, CharClass::Digit, CharClass::Symbol],
                }],
            ),
            (
                "Password",
                vec![TooFewClasses {
                    missing: vec![CharClass::Digit, CharClass::Symbol],
                }],
            ),
            (
                "12345678!",
                vec![TooFewClasses {
                    missing: vec![CharClass::Lowercase, CharClass::Uppercase],
                }],
            ),
            // Characters.
            ("Pässword1!", vec![NonAscii]),
            ("Pass\tword1", vec![ControlCharacter]),
            ("Emoji-😀-Aa1", vec![NonAscii]),
            // Banned names, with Entra's normalisation.
            (
                "Anna-2024!x",
                vec![ContainsName {
                    name: "anna".into(),
                    source: NameSource::GivenName,
                }],
            ),
            (
                "@nn@-2024!x",
                vec![ContainsName {
                    name: "anna".into(),
                    source: NameSource::GivenName,
                }],
            ),
            (
                "xx$MITH-99",
                vec![ContainsName {
                    name: "smith".into(),
                    source: NameSource::Surname,
                }],
            ),
            (
                "C0nt0$0#Rules1",
                vec![ContainsName {
                    name: "contoso".into(),
                    source: NameSource::TenantName,
                }],
            ),
            (
                "Su11ivan#9",
                vec![ContainsName {
                    name: "sullivan".into(),
                    source: NameSource::Surname,
                }],
            ),
        ];
        for (password, expected) in table {
            let got = check_password(password, &ctx).err().unwrap_or_default();
            assert_eq!(got, expected, "{password:?}");
        }
        let long = format!("Aa1!{}", "x".repeat(253));
        assert_eq!(
            check_password(&long, &ctx),
            Err(vec![TooLong { length: 257 }])
        );
        assert_eq!(check_password(&long[..256], &ctx), Ok(()));
    }

    #[test]
    fn names_only_count_for_their_user() {
        assert!(check_password("Anna-2024!x", &PolicyContext::default()).is_ok());
    }

    #[test]
    fn messages_tell_the_admin_what_to_do() {
        let short = TooShort { length: 5 }.to_string();
        assert!(
            short.contains("5 characters") && short.contains("at least 8"),
            "{short}"
        );
        let classes = TooFewClasses {
            missing: vec![CharClass::Digit, CharClass::Symbol],
        }
        .to_string();
        assert!(classes.ends_with("Add digits or symbols."), "{classes}");
        let name = ContainsName {
            name: "contoso".into(),
            source: NameSource::TenantName,
        }
        .to_string();
        assert!(
            name.contains("\"contoso\", your organisation's name"),
            "{name}"
        );
    }
}
