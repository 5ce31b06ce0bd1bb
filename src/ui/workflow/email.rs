//! Email: the recipient (prefilled from the user's alternate addresses), an optional cc, the
//! subject, whether a copy stays in Sent Items (off), and a live preview of the message. The
//! preview's HTML is shown in an iframe with `sandbox=""`, so nothing in it can run; the
//! credential is masked there (an attribute must never hold a secret).

use leptos::prelude::*;

use super::state::{use_flow, CredentialMode, Flow, MailPlan};
use crate::graph::{MailAddress, MailMessage, User};
use crate::secret::Secret;
use crate::ui::controls::{checkbox_row, dynamic, error_note, h3, note, span, text_row};
use crate::ui::{use_app, AppCtx};
use crate::welcome::{render_half, CredentialKind, Half, WelcomeFields, WelcomeTemplate};

/// Why `address` is not a usable email address, or `None` when it is.
pub fn address_problem(address: &str) -> Option<String> {
    let a = address.trim();
    if a.is_empty() {
        return Some("enter an email address.".into());
    }
    let bad = |why: &str| Some(["\u{201c}", a, "\u{201d} ", why].concat());
    if a.len() > 254 {
        return bad("is too long for an email address.");
    }
    let Some((local, domain)) = a.split_once('@') else {
        return bad("has no @: type a full address such as name@example.org.");
    };
    if local.is_empty() || domain.contains('@') {
        return bad("is not an email address.");
    }
    if a.chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"".contains(c))
    {
        return bad("contains a space or a character addresses cannot have.");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return bad("does not end in a valid domain such as example.org.");
    }
    None
}

/// The cc field: addresses separated by commas, semicolons or spaces.
pub fn parse_cc(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for part in text
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if let Some(p) = address_problem(part) {
            return Err(p);
        }
        if !out.iter().any(|x: &String| x.eq_ignore_ascii_case(part)) {
            out.push(part.to_owned());
        }
    }
    Ok(out)
}

/// Whether `address` is the target's own mailbox (which they cannot open before signing in).
pub fn is_own_mailbox(target: &User, address: &str) -> bool {
    let a = address.trim();
    !a.is_empty()
        && [&target.mail, &target.user_principal_name]
            .into_iter()
            .flatten()
            .any(|m| m.eq_ignore_ascii_case(a))
}

/// Fills the recipient and the subject for a newly reviewed target.
pub fn prefill(app: AppCtx, flow: Flow) {
    let Some(target) = flow.target_untracked() else {
        return;
    };
    flow.to
        .set(target.other_mails.first().cloned().unwrap_or_default());
    let subject = render(&app, flow, &target, &Secret::new(String::new()), false).subject;
    flow.subject.set(subject);
}

/// The sender's name in the email: the signed-in admin.
pub fn sender_name(app: &AppCtx) -> String {
    app.account
        .get_untracked()
        .map(|a| a.name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "IT".into())
}

/// The ticket as the email shows it.
pub fn ticket_text(ticket: &str) -> String {
    let t = ticket.trim();
    if t.is_empty() {
        "none given".into()
    } else {
        t.to_owned()
    }
}

/// What kind of credential the email carries, from the choices on screen.
pub fn credential_kind(flow: Flow, tracked: bool) -> CredentialKind {
    let mode = if tracked {
        flow.mode.get()
    } else {
        flow.mode.get_untracked()
    };
    if mode != CredentialMode::Tap {
        let sealed = if tracked {
            flow.sealed.get()
        } else {
            flow.sealed.get_untracked()
        };
        return if sealed {
            CredentialKind::SealedLink
        } else {
            CredentialKind::TemporaryPassword
        };
    }
    let options = if tracked {
        flow.tap_options()
    } else {
        flow.tap_options_untracked()
    };
    let options = options.unwrap_or_default();
    CredentialKind::TemporaryAccessPass {
        lifetime_minutes: options.lifetime_minutes,
        usable_once: options.usable_once,
    }
}

fn render(
    app: &AppCtx,
    flow: Flow,
    target: &User,
    credential: &Secret,
    tracked: bool,
) -> crate::welcome::WelcomeEmail {
    let ticket = if tracked {
        flow.ticket.get()
    } else {
        flow.ticket.get_untracked()
    };
    WelcomeTemplate::default().render(&WelcomeFields {
        display_name: target.label(),
        upn: target.user_principal_name.as_deref().unwrap_or_default(),
        credential,
        kind: credential_kind(flow, tracked),
        ticket: &ticket_text(&ticket),
        sender_name: &sender_name(app),
    })
}

/// The message for the runner: the template around `credential`, to and cc as planned. With
/// split delivery, the credential's half, to the second recipient (with the cc).
pub fn compose(mail: &MailPlan, kind: CredentialKind, credential: &Secret) -> MailMessage {
    let fields = WelcomeFields {
        display_name: &mail.display_name,
        upn: &mail.upn,
        credential,
        kind,
        ticket: &mail.ticket,
        sender_name: &mail.sender_name,
    };
    let (subject, body, to) = match &mail.split_to {
        Some(second) => {
            let half = render_half(Half::Secret, &fields, &mail.to);
            (half.subject, half.text, address(second, None))
        }
        None => {
            let email = WelcomeTemplate::default().render(&fields);
            let name = Some(mail.display_name.clone()).filter(|n| !n.is_empty());
            (mail.subject.clone(), email.html, address(&mail.to, name))
        }
    };
    let cc = mail
        .cc
        .iter()
        .map(|a| MailAddress {
            address: a.clone(),
            name: None,
        })
        .collect();
    let subject = match &mail.encryption {
        Some(rule) => rule.tag_subject(&subject),
        None => subject,
    };
    let mut message = MailMessage::html(subject, body, to, cc);
    if mail.split_to.is_some() {
        message.body_type = crate::graph::BodyType::Text;
    }
    message.save_to_sent_items = mail.save_to_sent_items;
    if let Some((name, value)) = mail.encryption.as_ref().and_then(|r| r.header.clone()) {
        message.headers.push((name, value));
    }
    message
}

fn address(a: &str, name: Option<String>) -> Vec<MailAddress> {
    vec![MailAddress {
        address: a.to_owned(),
        name,
    }]
}

/// Split delivery's first message: the account details, to the user, naming the second
/// recipient; no credential, no cc, no encryption mark (nothing secret in it).
pub fn compose_details(mail: &MailPlan, kind: CredentialKind) -> MailMessage {
    let none = Secret::new(String::new());
    let fields = WelcomeFields {
        display_name: &mail.display_name,
        upn: &mail.upn,
        credential: &none,
        kind,
        ticket: &mail.ticket,
        sender_name: &mail.sender_name,
    };
    let second = mail.split_to.as_deref().unwrap_or_default();
    let half = render_half(Half::Details, &fields, second);
    let name = Some(mail.display_name.clone()).filter(|n| !n.is_empty());
    let mut message = MailMessage::html(
        mail.subject.clone(),
        half.text,
        address(&mail.to, name),
        Vec::new(),
    );
    message.body_type = crate::graph::BodyType::Text;
    message.save_to_sent_items = mail.save_to_sent_items;
    message
}

/// The preview (HTML and text) with the credential masked: the HTML goes into an attribute.
fn preview_email(app: AppCtx, flow: Flow) -> Option<(String, String)> {
    let target = flow.target()?;
    let mask = match flow.mode.get() {
        _ if flow.sealed.get() && flow.mode.get() != CredentialMode::Tap => {
            "[a sealed link to this page, made when you confirm]".to_owned()
        }
        CredentialMode::Tap => "[the Temporary Access Pass, created when you confirm]".to_owned(),
        CredentialMode::Typed => {
            "\u{2022}".repeat(flow.typed.with(|t| t.as_ref().map_or(8, Secret::len)))
        }
        _ => "\u{2022}".repeat(flow.generated.with(|g| g.as_ref().map_or(16, Secret::len))),
    };
    let mask = Secret::new(mask);
    if flow.split.get() {
        let ticket = ticket_text(&flow.ticket.get());
        let sender = sender_name(&app);
        let fields = WelcomeFields {
            display_name: target.label(),
            upn: target.user_principal_name.as_deref().unwrap_or_default(),
            credential: &mask,
            kind: credential_kind(flow, true),
            ticket: &ticket,
            sender_name: &sender,
        };
        let details = render_half(Half::Details, &fields, &flow.split_to.get());
        let secret = render_half(Half::Secret, &fields, &flow.to.get());
        let text = [
            details.text.expose_secret(),
            "\n\n---- ",
            &secret.subject,
            " ----\n\n",
            secret.text.expose_secret(),
        ]
        .concat();
        let mut html = "<pre>".to_owned();
        crate::welcome::escape_html_into(&mut html, &text);
        return Some((html, text));
    }
    let email = render(&app, flow, &target, &mask, true);
    Some((
        email.html.expose_secret().to_owned(),
        email.text.expose_secret().to_owned(),
    ))
}

#[component]
pub fn EmailStep() -> impl IntoView {
    let app = use_app();
    let flow = use_flow();
    let other_mails = move || flow.target().map(|t| t.other_mails).unwrap_or_default();
    let own_mailbox = move || {
        flow.target()
            .is_some_and(|t| is_own_mailbox(&t, &flow.to.get()))
    };
    let to_problem = move || {
        let to = flow.to.get();
        address_problem(&to)
    };
    let cc_problem = move || parse_cc(&flow.cc.get()).err();
    let preview = move || preview_email(app, flow).map(|(html, _)| html);
    let preview_text = move || preview_email(app, flow).map(|(_, text)| text);
    let choices = move || {
        let mails = other_mails();
        (mails.len() > 1).then(|| {
            view! {
                <ul id="email-to-options" class="inline-list">
                    {mails
                        .into_iter()
                        .map(|m| {
                            let pick = m.clone();
                            view! {
                                <li>
                                    <button type="button" data-address=m.clone() on:click=move |_| flow.to.set(pick.clone())>
                                        {m.clone()}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
        })
    };
    let fields = move || {
        view! {
            {text_row("email-to", "To", "email", Some("the user's personal address"), true, flow.to)}
            {dynamic(move || choices().into_any())}
            {dynamic(move || note(other_mails().is_empty(), Some("muted"),
                Some("email-no-alternate"),
                None,
                "The user has no alternate email address on file: type one.",
            ))}
            {dynamic(move || error_note("email-to-problem", to_problem()))}
            {dynamic(move || note(own_mailbox(), Some("warning"),
                Some("email-own-mailbox"),
                Some("status"),
                "This is the user's own new mailbox: they cannot open it until they have signed in with \
                 the credential this email carries. Send it to an address they can already read.",
            ))}
            {text_row("email-cc", "Cc (optional)", "text", Some("their manager or the helpdesk"), true, flow.cc)}
            {dynamic(move || error_note("email-cc-problem", cc_problem()))}
            {dynamic(move || note(!flow.cc.get().trim().is_empty(), Some("warning"),
                None,
                None,
                "Everyone in cc receives the credential too.",
            ))}
            {checkbox_row("email-split", flow.split, " Split: send the credential to someone else")}
            {dynamic(move || (flow.split.get().then(|| view! {
                {text_row("email-split-to", "Credential to", "email", Some("their manager or the helpdesk"), true, flow.split_to)}
                {dynamic(move || error_note("email-split-problem", flow.split_problem()))}
                {note(true, Some("muted"), Some("email-split-note"), None, "To gets the username and sign-in links only; this address gets the credential (with the cc), after the first message went. Each names where the other went.")}
            })).into_any())}
            {text_row("email-subject", "Subject", "text", None, false, flow.subject)}
            {dynamic(move || (app.config.with_value(|c| c.as_ref().and_then(|c| c.encryption.clone())).map(|rule| view! {
                {checkbox_row("email-encrypt", flow.encrypt, " Ask for encryption (Purview Message Encryption, by your tenant's mail flow rule)")}
                <p class="muted" id="email-encrypt-note">
                    "Marked with " {rule.describe()} ". Exchange Online encrypts it only if your tenant has the \
                     matching mail flow rule (see docs/purview-encryption.md)."
                </p>
            })).into_any())}
            {dynamic(move || ((flow.mode.get() != CredentialMode::Tap).then(|| view! {
                {checkbox_row("email-sealed", flow.sealed, " Send a sealed link instead of the password")}
                {dynamic(move || note(flow.sealed.get(), Some("muted"),
                    Some("email-sealed-note"),
                    None,
                    "The email carries a link to this page with the password encrypted in it (AES-256-GCM, \
                     key from a passphrase by PBKDF2, 600,000 iterations). After the run you see the \
                     passphrase once: read it to the user by phone. No server ever sees the link's secret part.",
                ))}
            })).into_any())}
            {checkbox_row("email-save-sent", flow.save_sent, " Keep a copy in my Sent Items")}
            {dynamic(move || note(flow.save_sent.get(), Some("warning"),
                Some("email-save-sent-warning"),
                None,
                "The copy in your Sent Items would hold the credential for as long as it is kept.",
            ))}
            {h3("Preview")}
            {note(true, Some("muted"), None, None, "Exactly what will be sent, except that the credential is masked here. Nothing in the preview can run.")}
            <p class="wf-preview-head">
                {span("muted", "Subject: ")}<span id="email-preview-subject">{dynamic(move || (flow.subject.get()).into_any())}</span>
            </p>
            <iframe
                id="email-preview"
                title="Preview of the welcome email"
                sandbox=""
                referrerpolicy="no-referrer"
                srcdoc=move || preview().unwrap_or_default()
            ></iframe>
            <details id="email-preview-text">
                <summary>"Plain-text version"</summary>
                <pre class="wf-preview-text">{dynamic(move || preview_text().into_any())}</pre>
            </details>
        }
    };
    view! {
        <section class="card wf-card" id="email">
            <h2>"4. Welcome email"</h2>
            {checkbox_row("email-send", flow.send_email, " Email the credential to the user")}
            {dynamic(move || (if flow.send_email.get() {
                fields().into_any()
            } else {
                note(true, Some("muted"),
                    Some("email-off"),
                    None,
                    "No email: after the run the credential is shown here to copy or print.",
                )
            }).into_any())}
        </section>
    }
}
