//! Fuzzing the welcome template loader and renderer: admin templates of any text (and
//! templates assembled from real and broken placeholders) load or give a typed error; every
//! loaded template renders any field values without a panic, without a field adding markup to
//! the HTML part, without a line break in the subject, and without the credential in Debug
//! output.
//!
//! Long run: `HANDOVER_FUZZ_CASES=200000 cargo test -p handover --release --test fuzz_welcome`.
#![cfg(not(target_arch = "wasm32"))]

use handover::secret::Secret;
use handover::welcome::{
    escape_html_into, CredentialKind, Placeholder, TemplateError, WelcomeFields, WelcomeTemplate,
};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

fn fuzz_config() -> ProptestConfig {
    let cases = std::env::var("HANDOVER_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        // About a third of generated custom templates are refused (and skipped); a long run
        // must not stop at proptest's fixed limit of 65,536 skips.
        max_local_rejects: cases.saturating_mul(4).max(65_536),
        ..ProptestConfig::default()
    }
}

/// A piece of template source: text, a known placeholder (spaced or not), or something that
/// looks like one and is not.
fn piece() -> impl Strategy<Value = String> {
    let names: Vec<&'static str> = Placeholder::ALL.iter().map(|p| p.name()).collect();
    prop_oneof![
        4 => "\\PC{0,30}",
        2 => "[<>&\"'`a-z {}/=]{0,20}",
        3 => (prop::sample::select(names), any::<bool>())
            .prop_map(|(n, spaced)| if spaced { format!("{{{{ {n} }}}}") } else { format!("{{{{{n}}}}}") }),
        1 => Just("{{credential}}".to_owned()),
        1 => prop::sample::select(vec!["{{", "}}", "{{}}", "{{ nope }}", "{{{credential}}}", "{{credential", "}}{{", "{{\u{0}}}", "{{display_name}"])
            .prop_map(str::to_owned),
    ]
}

fn source() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        4 => prop::collection::vec(piece(), 0..12).prop_map(|p| p.concat()),
    ]
}

/// Field values an attacker could choose (a display name is set by whoever can edit the user).
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[<>&\"'`a-zA-Z \\r\\n\\t\u{0}\u{85}\u{2028}]{0,40}",
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("\"><script>alert(document.domain)</script>".to_owned()),
        Just("{{credential}}".to_owned()),
    ]
}

fn kind() -> impl Strategy<Value = CredentialKind> {
    prop_oneof![
        Just(CredentialKind::TemporaryPassword),
        (any::<u32>(), any::<bool>()).prop_map(|(lifetime_minutes, usable_once)| {
            CredentialKind::TemporaryAccessPass {
                lifetime_minutes,
                usable_once,
            }
        }),
    ]
}

/// A credential that cannot occur by chance in a template or another field.
fn credential() -> impl Strategy<Value = String> {
    "[A-Za-z0-9#$%&<>\"'`!]{10,40}".prop_map(|s| format!("Pw9~{s}"))
}

const MARKUP: [char; 5] = ['<', '>', '"', '\'', '`'];

fn markup_count(html: &str) -> [usize; 5] {
    MARKUP.map(|c| html.matches(c).count())
}

fn templates() -> impl Strategy<Value = WelcomeTemplate> {
    prop_oneof![
        Just(WelcomeTemplate::default()),
        (source(), source(), source()).prop_filter_map("the template was refused", |(s, h, t)| {
            WelcomeTemplate::parse(
                &s,
                &format!("{h}{{{{credential}}}}"),
                &format!("{{{{credential}}}}{t}"),
            )
            .ok()
        }),
    ]
}

proptest! {
    #![proptest_config(fuzz_config())]

    /// Any three sources load or give the error that says why; the refusals are the documented
    /// ones.
    #[test]
    fn loading_templates(subject in source(), html in source(), text in source()) {
        match WelcomeTemplate::parse(&subject, &html, &text) {
            Ok(_) => {
                prop_assert!(html.contains("credential") && text.contains("credential"));
            }
            Err(e) => {
                prop_assert!(!e.to_string().is_empty());
                if let TemplateError::UnknownPlaceholder { name, .. } = &e {
                    prop_assert!(name.chars().count() <= 40);
                }
            }
        }
    }

    /// Rendering: the fields add no markup character to the HTML part (they are escaped), the
    /// subject is one line, the plain text carries the credential unchanged, and Debug output
    /// never shows it.
    #[test]
    fn rendering(
        template in templates(),
        display_name in field(),
        upn in field(),
        ticket in field(),
        sender_name in field(),
        password in credential(),
        kind in kind(),
    ) {
        let secret = Secret::new(password.clone());
        let email = template.render(&WelcomeFields {
            display_name: &display_name,
            upn: &upn,
            credential: &secret,
            kind,
            ticket: &ticket,
            sender_name: &sender_name,
        });
        // The same template with inert values: every markup character in the real rendering
        // must come from the template itself.
        let inert = Secret::new("x".into());
        let baseline = template.render(&WelcomeFields {
            display_name: "x",
            upn: "x",
            credential: &inert,
            kind,
            ticket: "x",
            sender_name: "x",
        });
        let html = email.html.expose_secret();
        prop_assert_eq!(markup_count(html), markup_count(baseline.html.expose_secret()));
        let mut escaped = String::new();
        escape_html_into(&mut escaped, &password);
        prop_assert!(html.contains(&escaped));
        prop_assert!(email.text.expose_secret().contains(&password));
        prop_assert!(!email.subject.chars().any(char::is_control), "{:?}", email.subject);
        prop_assert!(!email.subject.contains(&password));
        let printed = format!("{email:?}");
        prop_assert!(!printed.contains(&password), "the credential leaked into Debug: {}", printed);
    }

    /// The escaper alone: no markup character survives, and undoing it gives the input back.
    #[test]
    fn escaping(value in any::<String>()) {
        let mut out = String::new();
        escape_html_into(&mut out, &value);
        prop_assert!(!out.contains(MARKUP));
        let undone = out
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#96;", "`")
            .replace("&amp;", "&");
        prop_assert_eq!(undone, value);
    }
}
