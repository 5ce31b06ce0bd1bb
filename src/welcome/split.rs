//! Split delivery: the account details go to the user, the credential to another recipient
//! (their manager, a helpdesk address), each in plain text and each naming where the other half
//! went. The details half has no `{{credential}}` at all, so it cannot carry one.

use super::{parse_part, render_part, Mode, Piece, TemplatePart, Values, WelcomeFields};
use crate::secret::Secret;

/// Which half of a split delivery a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Half {
    /// For the user: username and where to sign in; no credential.
    Details,
    /// For the other recipient: the credential (or sealed link) and the username only.
    Secret,
}

/// Where the other recipient's address goes in the texts below.
const OTHER: &str = "%OTHER%";

const DETAILS: &str = "Hello {{display_name}},

Your Microsoft 365 account is ready.
Username: {{upn}}
Sign in: https://www.office.com
Security info: https://aka.ms/mysecurityinfo

{{credential_label}}: sent separately to %OTHER%, who passes it on to you. This message does not contain it.

Ticket: {{ticket}}
{{sender_name}}";

const SECRET_SUBJECT: &str = "{{credential_label}} for {{display_name}}";

const SECRET: &str = "{{credential_label}} for {{display_name}} ({{upn}}):

{{credential}}

Please pass it on to them. Their account details went to %OTHER%; only this message holds the credential.

Ticket: {{ticket}}
{{sender_name}}";

/// One rendered half: its plain-text body, and for [`Half::Secret`] its subject (the details
/// half keeps the subject the admin chose).
#[derive(Debug)]
pub struct HalfEmail {
    pub subject: String,
    pub text: Secret,
}

/// Renders `half` for `fields`, naming `other` as where the other half went.
pub fn render_half(half: Half, fields: &WelcomeFields<'_>, other: &str) -> HalfEmail {
    let parse = |source: &str, part| {
        // Constants: parsed and checked by the tests.
        let pieces = parse_part(source, part).unwrap_or_default();
        pieces
            .into_iter()
            .map(|p| match p {
                Piece::Literal(s) => Piece::Literal(s.replace(OTHER, other)),
                v => v,
            })
            .collect::<Vec<_>>()
    };
    let values = Values {
        fields,
        label: super::label(fields.kind),
        steps_html: String::new(),
        steps_text: String::new(),
    };
    let (subject, body) = match half {
        Half::Details => (String::new(), DETAILS),
        Half::Secret => (
            render_part(
                &parse(SECRET_SUBJECT, TemplatePart::Subject),
                Mode::Subject,
                &values,
            ),
            SECRET,
        ),
    };
    HalfEmail {
        subject,
        text: Secret::new(render_part(
            &parse(body, TemplatePart::Text),
            Mode::Text,
            &values,
        )),
    }
}

/// Why `second` cannot take the credential when the details go to `first`, or `None`.
pub fn split_problem(first: &str, second: &str) -> Option<&'static str> {
    first.trim().eq_ignore_ascii_case(second.trim()).then_some(
        "must differ from the recipient of the account details: use their manager's or the helpdesk's address.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::welcome::CredentialKind;

    const PW: &str = "Xq7#mP2$vL9!wE4k";

    fn fields<'a>(credential: &'a Secret, kind: CredentialKind) -> WelcomeFields<'a> {
        WelcomeFields {
            display_name: "Anna Lindqvist",
            upn: "anna@contoso.com",
            credential,
            kind,
            ticket: "INC-7",
            sender_name: "Contoso IT",
        }
    }

    #[test]
    fn the_templates_parse_and_only_the_secret_half_has_the_credential() {
        let has = |s: &str| {
            parse_part(s, TemplatePart::Text)
                .unwrap()
                .contains(&Piece::Value(super::super::Placeholder::Credential))
        };
        assert!(!has(DETAILS));
        assert!(has(SECRET));
        assert!(parse_part(SECRET_SUBJECT, TemplatePart::Subject).is_ok());
    }

    #[test]
    fn details_name_the_other_recipient_and_hold_no_credential() {
        let pw = Secret::new(PW.into());
        for kind in [
            CredentialKind::TemporaryPassword,
            CredentialKind::SealedLink,
            CredentialKind::TemporaryAccessPass {
                lifetime_minutes: 60,
                usable_once: true,
            },
        ] {
            let e = render_half(Half::Details, &fields(&pw, kind), "boss@contoso.com");
            let text = e.text.expose_secret();
            assert!(!text.contains(PW), "{text}");
            assert!(text.contains("anna@contoso.com") && text.contains("https://www.office.com"));
            assert!(
                text.contains("sent separately to boss@contoso.com"),
                "{text}"
            );
            assert!(!text.contains(OTHER) && !text.contains("{{"));
        }
    }

    #[test]
    fn the_secret_half_holds_the_credential_and_names_the_other_recipient() {
        let link = Secret::new("https://h.example/#unlock=v1.abc".into());
        let e = render_half(
            Half::Secret,
            &fields(&link, CredentialKind::SealedLink),
            "anna.home@example.org",
        );
        let text = e.text.expose_secret();
        assert!(text.contains("https://h.example/#unlock=v1.abc"));
        assert!(text.contains("anna@contoso.com"));
        assert!(
            text.contains("details went to anna.home@example.org"),
            "{text}"
        );
        // Not a full welcome: no sign-in steps.
        assert!(!text.contains("Security info"));
        assert_eq!(
            e.subject,
            "Temporary password (sealed link) for Anna Lindqvist"
        );
        assert!(!e.subject.contains("unlock"));
    }

    #[test]
    fn the_second_recipient_must_differ() {
        assert!(split_problem("a@x.org", " A@X.org ").is_some());
        assert!(split_problem("a@x.org", "b@x.org").is_none());
    }
}
