//! The welcome email: a template rendered into a subject, an HTML part and a plain-text part.
//! The page uses Handover's default ([`WelcomeTemplate::default`]); [`WelcomeTemplate::parse`]
//! checks a custom one, but config.json has no setting that supplies one yet.
//!
//! Placeholders are written `{{name}}`: `display_name`, `upn`, `credential` (the temporary
//! password or Temporary Access Pass), `credential_label` ("Temporary password" or "Temporary
//! Access Pass"), `first_sign_in` (the steps the user will go through), `ticket` and
//! `sender_name`. A template is checked when it is loaded: an unknown placeholder, a body
//! without `{{credential}}` or a subject with it is an error then, so rendering cannot fail.
//! In the HTML part every value is escaped (`& < > " ' \``), so it is inert in text and in
//! quoted attributes alike; the plain-text part carries the values unchanged.
//!
//! ```
//! use handover::secret::Secret;
//! use handover::welcome::{CredentialKind, WelcomeFields, WelcomeTemplate};
//!
//! let password = Secret::new("Xq7#mP2$vL9!wE4k".to_owned());
//! let email = WelcomeTemplate::default().render(&WelcomeFields {
//!     display_name: "Anna Lindqvist",
//!     upn: "anna.lindqvist@contoso.com",
//!     credential: &password,
//!     kind: CredentialKind::TemporaryPassword,
//!     ticket: "INC-1042",
//!     sender_name: "Contoso IT",
//! });
//! assert_eq!(email.subject, "Welcome to Microsoft 365, Anna Lindqvist");
//! assert!(email.text.expose_secret().contains("Xq7#mP2$vL9!wE4k"));
//! assert!(email.html.expose_secret().contains("anna.lindqvist@contoso.com"));
//! ```

mod default_template;
mod split;

pub use split::{render_half, split_problem, Half, HalfEmail};

use crate::secret::Secret;
use core::fmt;

/// A value a template can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    DisplayName,
    Upn,
    Credential,
    CredentialLabel,
    FirstSignIn,
    Ticket,
    SenderName,
}

impl Placeholder {
    pub const ALL: [Placeholder; 7] = [
        Placeholder::DisplayName,
        Placeholder::Upn,
        Placeholder::Credential,
        Placeholder::CredentialLabel,
        Placeholder::FirstSignIn,
        Placeholder::Ticket,
        Placeholder::SenderName,
    ];

    /// The name written between `{{` and `}}`.
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::DisplayName => "display_name",
            Placeholder::Upn => "upn",
            Placeholder::Credential => "credential",
            Placeholder::CredentialLabel => "credential_label",
            Placeholder::FirstSignIn => "first_sign_in",
            Placeholder::Ticket => "ticket",
            Placeholder::SenderName => "sender_name",
        }
    }

    fn from_name(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Which of the three templates an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplatePart {
    Subject,
    Html,
    Text,
}

impl fmt::Display for TemplatePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TemplatePart::Subject => "subject",
            TemplatePart::Html => "HTML",
            TemplatePart::Text => "plain-text",
        })
    }
}

/// Why a custom template was refused when the config was loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateError {
    UnknownPlaceholder { part: TemplatePart, name: String },
    UnclosedPlaceholder { part: TemplatePart, near: String },
    MissingCredential { part: TemplatePart },
    CredentialInSubject,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::UnknownPlaceholder { part, name } => {
                write!(f, "The {part} template uses {{{{{name}}}}}, which Handover does not know. Use one of:")?;
                for placeholder in Placeholder::ALL {
                    write!(f, " {{{{{}}}}}", placeholder.name())?;
                }
                f.write_str(".")
            }
            TemplateError::UnclosedPlaceholder { part, near } => write!(
                f,
                "The {part} template opens a placeholder with {{{{ but never closes it with }}}} (at \"{{{{{near}\")."
            ),
            TemplateError::MissingCredential { part } => write!(
                f,
                "The {part} template has no {{{{credential}}}}, so the user would not get their password or Temporary Access Pass. Add it."
            ),
            TemplateError::CredentialInSubject => f.write_str(
                "The subject must not contain {{credential}}: subjects show in notifications and message lists. Put it in the body.",
            ),
        }
    }
}

impl std::error::Error for TemplateError {}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Value(Placeholder),
}

/// A checked template: rendering it cannot fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WelcomeTemplate {
    subject: Vec<Piece>,
    html: Vec<Piece>,
    text: Vec<Piece>,
}

impl Default for WelcomeTemplate {
    fn default() -> Self {
        use default_template::{HTML, SUBJECT, TEXT};
        // The default is a constant, parsed and checked by the tests below.
        WelcomeTemplate::parse(SUBJECT, HTML, TEXT).expect("the default template is valid")
    }
}

/// What the credential is; it decides the label and the first-sign-in steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    TemporaryPassword,
    TemporaryAccessPass {
        lifetime_minutes: u32,
        usable_once: bool,
    },
    /// The credential is a sealed link to Handover's unlock view (the password encrypted in its
    /// fragment); the passphrase comes by phone.
    SealedLink,
}

/// The values for one email. The credential stays a [`Secret`] until it is written into the
/// email's own [`Secret`] bodies.
#[derive(Debug)]
pub struct WelcomeFields<'a> {
    pub display_name: &'a str,
    pub upn: &'a str,
    pub credential: &'a Secret,
    pub kind: CredentialKind,
    pub ticket: &'a str,
    pub sender_name: &'a str,
}

/// A rendered email. Both bodies hold the credential, so they are [`Secret`]s: redacted when
/// printed, zeroized when dropped. The subject never holds it.
#[derive(Debug)]
pub struct WelcomeEmail {
    pub subject: String,
    pub html: Secret,
    pub text: Secret,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Subject,
    Html,
    Text,
}

impl WelcomeTemplate {
    /// Checks a custom template: every placeholder known, `{{credential}}` in
    /// both bodies and not in the subject.
    pub fn parse(subject: &str, html: &str, text: &str) -> Result<Self, TemplateError> {
        let subject = parse_part(subject, TemplatePart::Subject)?;
        let html = parse_part(html, TemplatePart::Html)?;
        let text = parse_part(text, TemplatePart::Text)?;
        let has_credential =
            |pieces: &[Piece]| pieces.contains(&Piece::Value(Placeholder::Credential));
        if has_credential(&subject) {
            return Err(TemplateError::CredentialInSubject);
        }
        for (pieces, part) in [(&html, TemplatePart::Html), (&text, TemplatePart::Text)] {
            if !has_credential(pieces) {
                return Err(TemplateError::MissingCredential { part });
            }
        }
        Ok(WelcomeTemplate {
            subject,
            html,
            text,
        })
    }

    /// The email for one user.
    pub fn render(&self, fields: &WelcomeFields<'_>) -> WelcomeEmail {
        let steps = first_sign_in_steps(fields.kind);
        let values = Values {
            fields,
            label: label(fields.kind),
            steps_html: steps_html(&steps),
            steps_text: steps_text(&steps),
        };
        WelcomeEmail {
            subject: render_part(&self.subject, Mode::Subject, &values),
            html: Secret::new(render_part(&self.html, Mode::Html, &values)),
            text: Secret::new(render_part(&self.text, Mode::Text, &values)),
        }
    }
}

fn label(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::TemporaryPassword => "Temporary password",
        CredentialKind::TemporaryAccessPass { .. } => "Temporary Access Pass",
        CredentialKind::SealedLink => "Temporary password (sealed link)",
    }
}

fn parse_part(source: &str, part: TemplatePart) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            pieces.push(Piece::Literal(rest[..open].to_owned()));
        }
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            let near = after.chars().take(20).collect();
            return Err(TemplateError::UnclosedPlaceholder { part, near });
        };
        let name = after[..close].trim();
        let placeholder =
            Placeholder::from_name(name).ok_or_else(|| TemplateError::UnknownPlaceholder {
                part,
                name: name.chars().take(40).collect(),
            })?;
        pieces.push(Piece::Value(placeholder));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest.to_owned()));
    }
    Ok(pieces)
}

struct Values<'a> {
    fields: &'a WelcomeFields<'a>,
    label: &'static str,
    steps_html: String,
    steps_text: String,
}

impl Values<'_> {
    fn get(&self, placeholder: Placeholder, mode: Mode) -> &str {
        let f = self.fields;
        match placeholder {
            Placeholder::DisplayName => f.display_name,
            Placeholder::Upn => f.upn,
            Placeholder::Credential => f.credential.expose_secret(),
            Placeholder::CredentialLabel => self.label,
            Placeholder::FirstSignIn if mode == Mode::Html => &self.steps_html,
            Placeholder::FirstSignIn => &self.steps_text,
            Placeholder::Ticket => f.ticket,
            Placeholder::SenderName => f.sender_name,
        }
    }
}

/// Renders into a buffer sized for the worst case up front, so it never reallocates and
/// leaves a stray copy of the credential in freed memory.
fn render_part(pieces: &[Piece], mode: Mode, values: &Values<'_>) -> String {
    // Escaping turns one byte into at most six (`&quot;`); the steps block is ready-made.
    let expansion = |p: Placeholder| {
        if mode == Mode::Html && p != Placeholder::FirstSignIn {
            6
        } else {
            1
        }
    };
    let capacity = pieces
        .iter()
        .map(|piece| match piece {
            Piece::Literal(text) => text.len(),
            Piece::Value(p) => values.get(*p, mode).len() * expansion(*p),
        })
        .sum();
    let mut out = String::with_capacity(capacity);
    let allocated = out.capacity();
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Value(p) => {
                let value = values.get(*p, mode);
                match mode {
                    Mode::Html if *p == Placeholder::FirstSignIn => out.push_str(value),
                    Mode::Html => escape_html_into(&mut out, value),
                    Mode::Text => out.push_str(value),
                    // One line: no header folding or injected line breaks in the subject.
                    Mode::Subject => {
                        out.extend(value.chars().map(|c| if c.is_control() { ' ' } else { c }))
                    }
                }
            }
        }
    }
    debug_assert_eq!(out.capacity(), allocated, "the rendered email reallocated");
    out
}

/// Escapes `& < > " '` and the backtick, safe in element text and in quoted attributes.
pub fn escape_html_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '`' => out.push_str("&#96;"),
            _ => out.push(c),
        }
    }
}

fn first_sign_in_steps(kind: CredentialKind) -> [String; 3] {
    match kind {
        CredentialKind::TemporaryPassword => [
            "Go to https://www.office.com and sign in with your username and the temporary password above.".into(),
            "Choose a new password when asked. The temporary password stops working once you have.".into(),
            "Set up multi-factor authentication when asked, for example the Microsoft Authenticator app on your phone.".into(),
        ],
        CredentialKind::TemporaryAccessPass { lifetime_minutes, usable_once } => [
            "Go to https://www.office.com, enter your username, and enter the Temporary Access Pass above where a password is asked for.".into(),
            format!(
                "The pass works for {}{}.",
                describe_minutes(lifetime_minutes),
                if usable_once { ", for one sign-in only" } else { ", as many times as you need in that time" }
            ),
            "Set up your sign-in methods when asked, for example the Microsoft Authenticator app, and a password if your organisation asks for one.".into(),
        ],
        CredentialKind::SealedLink => [
            "Open the sealed link above in your browser and type the passphrase IT reads to you by phone: the page shows your temporary password. This email does not contain it.".into(),
            "Go to https://www.office.com, sign in with your username and that password, and choose a new password when asked.".into(),
            "Set up multi-factor authentication when asked, for example the Microsoft Authenticator app on your phone.".into(),
        ],
    }
}

fn describe_minutes(minutes: u32) -> String {
    let (count, unit) = if minutes.is_multiple_of(1440) {
        (minutes / 1440, "day")
    } else if minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

fn steps_html(steps: &[String]) -> String {
    let mut out = String::from(r#"<ol style="margin:0 0 20px 0;padding-left:20px;">"#);
    for step in steps {
        out.push_str("<li>");
        escape_html_into(&mut out, step);
        out.push_str("</li>");
    }
    out.push_str("</ol>");
    out
}

fn steps_text(steps: &[String]) -> String {
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("    {}. {step}", i + 1));
    }
    out
}

#[cfg(test)]
mod tests;
