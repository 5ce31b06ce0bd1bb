use super::*;

const XSS: &str = "<img src=x onerror=alert(1)>";

fn fields<'a>(
    display_name: &'a str,
    credential: &'a Secret,
    kind: CredentialKind,
) -> WelcomeFields<'a> {
    WelcomeFields {
        display_name,
        upn: "anna.lindqvist@contoso.com",
        credential,
        kind,
        ticket: "INC-1042",
        sender_name: "Contoso IT",
    }
}

#[test]
fn default_template_has_everything_the_user_needs() {
    let password = Secret::new("Xq7#mP2$vL9!wE4k".to_owned());
    let email = WelcomeTemplate::default().render(&fields(
        "Anna Lindqvist",
        &password,
        CredentialKind::TemporaryPassword,
    ));
    assert_eq!(email.subject, "Welcome to Microsoft 365, Anna Lindqvist");
    let html = email.html.expose_secret();
    let text = email.text.expose_secret();
    for part in [html, text] {
        for needle in [
            "Anna Lindqvist",
            "anna.lindqvist@contoso.com",
            "Temporary password",
            "https://www.office.com",
            "https://myaccount.microsoft.com",
            "https://aka.ms/mysecurityinfo",
            "Choose a new password",
            "multi-factor authentication",
            "INC-1042",
            "Contoso IT",
        ] {
            assert!(part.contains(needle), "missing {needle:?}");
        }
        assert!(!part.contains("{{"), "unrendered placeholder");
    }
    assert!(text.contains("Temporary password: Xq7#mP2$vL9!wE4k"));
    // In the HTML the password sits in a monospace block.
    let block = html.find("monospace;font-size:18px").unwrap();
    let password_at = html.find("Xq7#mP2$vL9!wE4k").unwrap();
    assert!(
        password_at > block && password_at - block < 120,
        "{}",
        &html[block..password_at]
    );
    assert!(html.contains(r#"<a href="https://aka.ms/mysecurityinfo""#));
    assert!(html.contains("<ol style=") && html.contains("<li>Choose a new password"));
    assert!(text.contains("    2. Choose a new password"));
    // Mail-client friendly: inline styles only, nothing fetched from elsewhere.
    for banned in ["<style", "<link", "<img", "<script", "@import", "url("] {
        assert!(!html.contains(banned), "{banned}");
    }
}

#[test]
fn markup_in_a_display_name_is_inert_in_html_and_unchanged_in_text() {
    let password = Secret::new("Xq7#mP2$vL9!wE4k".to_owned());
    let email = WelcomeTemplate::default().render(&fields(
        XSS,
        &password,
        CredentialKind::TemporaryPassword,
    ));
    let html = email.html.expose_secret();
    assert!(
        html.contains("Welcome, &lt;img src=x onerror=alert(1)&gt;</h1>"),
        "{html}"
    );
    assert!(!html.contains("<img"));
    assert!(email
        .text
        .expose_secret()
        .starts_with(&format!("Welcome, {XSS}\n")));
    assert_eq!(email.subject, format!("Welcome to Microsoft 365, {XSS}"));
}

#[test]
fn values_are_escaped_inside_attributes_and_the_credential_too() {
    let template = WelcomeTemplate::parse(
        "Hi",
        r#"<p title="{{display_name}}" data-x='{{ticket}}'>{{credential}}</p>"#,
        "{{display_name}} {{ticket}} {{credential}}",
    )
    .unwrap();
    let password = Secret::new(r#"Aa1<&>"'`"#.to_owned());
    let mut f = fields(
        r#"" onmouseover="alert(1)"#,
        &password,
        CredentialKind::TemporaryPassword,
    );
    f.ticket = "' onclick='x";
    let email = template.render(&f);
    assert_eq!(
        email.html.expose_secret(),
        r#"<p title="&quot; onmouseover=&quot;alert(1)" data-x='&#39; onclick=&#39;x'>Aa1&lt;&amp;&gt;&quot;&#39;&#96;</p>"#
    );
    assert_eq!(
        email.text.expose_secret(),
        r#"" onmouseover="alert(1) ' onclick='x Aa1<&>"'`"#
    );
}

#[test]
fn worst_case_escaping_fits_the_preallocated_buffer() {
    // `render_part` debug-asserts that it never reallocates; quotes expand the most.
    let password = Secret::new("\"".repeat(64));
    let quotes = "\"".repeat(300);
    let email = WelcomeTemplate::default().render(&fields(
        &quotes,
        &password,
        CredentialKind::TemporaryPassword,
    ));
    assert!(email.html.expose_secret().contains(&"&quot;".repeat(300)));
}

#[test]
fn temporary_access_pass_wording() {
    let tap = Secret::new("Xk4!pQ9#".to_owned());
    let kind = CredentialKind::TemporaryAccessPass {
        lifetime_minutes: 480,
        usable_once: true,
    };
    let email = WelcomeTemplate::default().render(&fields("Anna", &tap, kind));
    let text = email.text.expose_secret();
    assert!(text.contains("Temporary Access Pass: Xk4!pQ9#"), "{text}");
    assert!(
        text.contains("works for 8 hours, for one sign-in only."),
        "{text}"
    );
    assert!(!text.contains("Choose a new password"));
    let kind = CredentialKind::TemporaryAccessPass {
        lifetime_minutes: 90,
        usable_once: false,
    };
    let text = WelcomeTemplate::default()
        .render(&fields("Anna", &tap, kind))
        .text;
    assert!(text
        .expose_secret()
        .contains("works for 90 minutes, as many times as you need"));
    assert_eq!(describe_minutes(1440), "1 day");
    assert_eq!(describe_minutes(43_200), "30 days");
    assert_eq!(describe_minutes(60), "1 hour");
}

#[test]
fn sealed_link_wording_carries_the_link_not_a_password() {
    let link = Secret::new("https://handover.example/#unlock=v1.AAAA.BBBB.CCCC.DDDD".to_owned());
    let email =
        WelcomeTemplate::default().render(&fields("Anna", &link, CredentialKind::SealedLink));
    let text = email.text.expose_secret();
    assert!(
        text.contains("Temporary password (sealed link): https://handover.example/#unlock=v1.AAAA.BBBB.CCCC.DDDD"),
        "{text}"
    );
    assert!(
        text.contains("passphrase IT reads to you by phone"),
        "{text}"
    );
    assert!(email
        .html
        .expose_secret()
        .contains("#unlock=v1.AAAA.BBBB.CCCC.DDDD"));
}

#[test]
fn subject_stays_on_one_line() {
    let password = Secret::new("Xq7#mP2$vL9!wE4k".to_owned());
    let email = WelcomeTemplate::default().render(&fields(
        "Anna\r\nBcc: x@evil.test",
        &password,
        CredentialKind::TemporaryPassword,
    ));
    assert_eq!(
        email.subject,
        "Welcome to Microsoft 365, Anna  Bcc: x@evil.test"
    );
}

#[test]
fn unknown_placeholder_is_rejected_at_load() {
    let err = WelcomeTemplate::parse("Hi {{ frist_name }}", "{{credential}}", "{{credential}}")
        .unwrap_err();
    assert_eq!(
        err,
        TemplateError::UnknownPlaceholder {
            part: TemplatePart::Subject,
            name: "frist_name".into()
        }
    );
    let message = err.to_string();
    assert!(
        message.starts_with("The subject template uses {{frist_name}}"),
        "{message}"
    );
    assert!(
        message.contains("{{display_name}} {{upn}} {{credential}}"),
        "{message}"
    );

    let err =
        WelcomeTemplate::parse("Hi", "{{credential}} {{password}}", "{{credential}}").unwrap_err();
    assert_eq!(
        err,
        TemplateError::UnknownPlaceholder {
            part: TemplatePart::Html,
            name: "password".into()
        }
    );
}

#[test]
fn a_template_without_the_credential_is_rejected() {
    let err =
        WelcomeTemplate::parse("Hi", "<p>{{display_name}}</p>", "{{credential}}").unwrap_err();
    assert_eq!(
        err,
        TemplateError::MissingCredential {
            part: TemplatePart::Html
        }
    );
    assert!(err
        .to_string()
        .contains("The HTML template has no {{credential}}"));
    let err = WelcomeTemplate::parse("Hi", "{{credential}}", "Hello {{display_name}}").unwrap_err();
    assert_eq!(
        err,
        TemplateError::MissingCredential {
            part: TemplatePart::Text
        }
    );
    let err = WelcomeTemplate::parse("Pw {{credential}}", "{{credential}}", "{{credential}}")
        .unwrap_err();
    assert_eq!(err, TemplateError::CredentialInSubject);
}

#[test]
fn an_unclosed_placeholder_is_rejected() {
    let err = WelcomeTemplate::parse("Hi", "{{credential}} {{display_name", "{{credential}}")
        .unwrap_err();
    assert_eq!(
        err,
        TemplateError::UnclosedPlaceholder {
            part: TemplatePart::Html,
            near: "display_name".into()
        }
    );
    assert!(err.to_string().contains("(at \"{{display_name\")"), "{err}");
}

#[test]
fn custom_template_renders_every_placeholder_and_keeps_single_braces() {
    let template = WelcomeTemplate::parse(
        "{{ticket}} for {{display_name}}",
        "<style>p{color:red}</style>{{upn}}|{{credential_label}}|{{credential}}|{{sender_name}}",
        "{{first_sign_in}}\n{{credential}}",
    )
    .unwrap();
    let password = Secret::new("Pw-1234-abcd".to_owned());
    let email = template.render(&fields(
        "Anna",
        &password,
        CredentialKind::TemporaryPassword,
    ));
    assert_eq!(email.subject, "INC-1042 for Anna");
    assert_eq!(
        email.html.expose_secret(),
        "<style>p{color:red}</style>anna.lindqvist@contoso.com|Temporary password|Pw-1234-abcd|Contoso IT"
    );
    assert!(email
        .text
        .expose_secret()
        .starts_with("    1. Go to https://www.office.com"));
    assert!(email.text.expose_secret().ends_with("\nPw-1234-abcd"));
}

#[test]
fn the_email_does_not_print_its_bodies() {
    let password = Secret::new("Xq7#mP2$vL9!wE4k".to_owned());
    let f = fields("Anna", &password, CredentialKind::TemporaryPassword);
    let email = WelcomeTemplate::default().render(&f);
    let shown = format!("{email:?} {f:?}");
    assert!(!shown.contains("Xq7#"), "{shown}");
    assert!(shown.contains("[redacted]"));
}
