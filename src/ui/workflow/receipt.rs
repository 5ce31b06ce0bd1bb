//! Receipt: what happened, when, by whom, for which ticket, by which path, with Graph's request
//! ids; download as JSON (never the secret). When the email did not go after a successful reset,
//! the credential is shown with copy, print and "retry sending". "Reset another user" clears
//! every secret from memory.

use leptos::prelude::*;

use leptos::task::spawn_local;

use super::actions::{json_download_href, print_page, CopyButton};
use super::email::{compose, compose_details};
use super::print::print_sheet;
use super::review::{path_token, short_time};
use super::run::{keeps_credential, kind_of, on_event, receipt_of};
use super::state::{use_flow, Flow, ReviewState, Stage};
use crate::auth::browser;
use crate::graph::client::{send_once, RetryPolicy};
use crate::graph::{Advice, GraphFailure};
use crate::secret::Secret;
use crate::ui::controls::{
    busy_button, button, capital, card, dynamic, fact, h3, list, note, para, span, what_to_do,
};
use crate::ui::{use_app, AppCtx};
use crate::workflow::entra_audit::{audit_lookup, read_audit_answer, RESET_ACTIVITY};
use crate::workflow::receipt::{EmailRecord, Receipt};
use crate::workflow::run::{
    send_email_again, verify_reset, EmailDraft, EmailState, NextAction, ResetCheck, ResetState,
};
use crate::workflow::ResetPath;

fn retry_send(app: AppCtx, flow: Flow) {
    if flow.busy.get_untracked() {
        return;
    }
    let Some(info) = flow.run_info.get_untracked() else {
        return;
    };
    let Some(mail) = info.mail.clone() else {
        return;
    };
    let Some(credential) = flow
        .run_credential
        .with_untracked(|c| c.as_ref().map(Secret::duplicate))
    else {
        return;
    };
    let Some(transport) = app.transport() else {
        return;
    };
    let mut taken = None;
    flow.report.update_untracked(|r| taken = r.take());
    let Some(mut report) = taken else {
        return;
    };
    flow.busy.set(true);
    flow.after_note.set(None);
    let kind = kind_of(&info);
    let link = info.sealed_link.clone();
    spawn_local(async move {
        let mut rng = browser::crypto_rng();
        // A sealed run sends the same link again, never the password.
        let compose_with = |secret: &Secret| match &link {
            Some(l) => compose(&mail, kind, &Secret::new(l.clone())),
            None => compose(&mail, kind, secret),
        };
        let details_with = || compose_details(&mail, kind);
        let draft = EmailDraft {
            from_mailbox: None,
            compose: &compose_with,
            details: mail
                .split_to
                .is_some()
                .then_some(&details_with as &dyn Fn() -> _),
        };
        send_email_again(
            &transport,
            &mut rng,
            &mut report,
            &credential,
            &draft,
            RetryPolicy::default(),
            &mut |e| on_event(flow, e),
        )
        .await;
        drop(credential);
        if !keeps_credential(&report.next_action) {
            // Delivered now: the credential leaves memory.
            flow.run_credential.set(None);
            if let Some(tap) = report.temporary_access_pass.as_mut() {
                tap.pass = Secret::new(String::new());
            }
        }
        let linked = flow
            .receipt
            .with_untracked(|r| r.as_ref().and_then(|r| r.entra_audit.clone()));
        let mut receipt = receipt_of(&info, &report);
        receipt.entra_audit = linked;
        flow.receipt.set(Some(receipt));
        flow.report.set(Some(report));
        flow.busy.set(false);
    });
}

/// What the admin is told when Entra's audit log may not be read.
const AUDIT_FORBIDDEN: &str = "Reading the audit log needs AuditLog.Read.All (and a role such as \
    Reports Reader or Security Reader); Handover does not ask for that permission unless it is \
    configured. To use this lookup: in the app registration, add the delegated Microsoft Graph \
    permission AuditLog.Read.All and grant consent; add \"AuditLog.Read.All\" to scopes in \
    config.json; have one of Reports Reader, Security Reader, Global Reader, Security \
    Administrator or Global Administrator; then sign in again. The reset itself is not affected, \
    and you can find the entry in the Entra admin center under Audit logs.";

/// What the admin is told when Entra has no entry yet.
const AUDIT_NOT_YET: &str =
    "Entra has not recorded it yet; audit entries can take a few minutes. Try again.";

/// "Find Entra's audit entry": one GET of `auditLogs/directoryAudits` for this run's target since
/// the run started; a found entry is linked into the receipt (and its JSON).
fn find_audit_entry(
    app: AppCtx,
    flow: Flow,
    looking: RwSignal<bool>,
    note: RwSignal<Option<String>>,
) {
    if looking.get_untracked() {
        return;
    }
    let Some(r) = flow.receipt.get_untracked() else {
        return;
    };
    let Some(transport) = app.transport() else {
        return;
    };
    let activity = (r.path != ResetPath::TemporaryAccessPass).then_some(RESET_ACTIVITY);
    let call = match audit_lookup(&r.target.id, &r.started_at, activity) {
        Ok(c) => c,
        Err(e) => {
            note.set(Some(e.to_string()));
            return;
        }
    };
    let crid = r.reset.client_request_id.clone();
    looking.set(true);
    note.set(None);
    spawn_local(async move {
        let mut rng = browser::crypto_rng();
        let (_, response) = send_once(&transport, &mut rng, call.into_request()).await;
        let outcome = response
            .map_err(GraphFailure::Transport)
            .and_then(|resp| read_audit_answer(&resp, crid.as_deref()));
        looking.set(false);
        match outcome {
            Ok(Some(entry)) => flow.receipt.update(|r| {
                if let Some(r) = r.as_mut() {
                    r.entra_audit = Some(entry);
                }
            }),
            Ok(None) => note.set(Some(AUDIT_NOT_YET.into())),
            Err(GraphFailure::Graph(e)) if e.status == 403 => {
                note.set(Some(AUDIT_FORBIDDEN.into()));
            }
            Err(f) => {
                let a = f.advice();
                note.set(Some(
                    [a.what_happened.as_str(), " ", &a.what_to_do].concat(),
                ));
            }
        }
    });
}

fn check_reset(app: AppCtx, flow: Flow) {
    if flow.busy.get_untracked() {
        return;
    }
    let Some(info) = flow.run_info.get_untracked() else {
        return;
    };
    let Some(transport) = app.transport() else {
        return;
    };
    flow.busy.set(true);
    spawn_local(async move {
        let mut rng = browser::crypto_rng();
        let result = verify_reset(
            &transport,
            &mut rng,
            &info.plan.target_id,
            info.last_change_before.as_deref(),
            RetryPolicy::default(),
            &mut |_, _| {},
        )
        .await;
        flow.after_note.set(Some(match result {
            Ok(ResetCheck::Changed { at }) => [
                "The password was changed at ",
                &short_time(&at),
                ": the reset happened, but no email was sent. Start a new reset to hand over a password you know (the newest one is the valid one).",
            ]
            .concat(),
            Ok(ResetCheck::Unchanged) => {
                "The password has not changed: the reset did not happen. The old password still works; start again.".into()
            }
            Err(f) => ["The check failed: ", &f.advice().what_happened].concat(),
        }));
        flow.busy.set(false);
    });
}

fn reset_word(state: &str) -> &'static str {
    match state {
        "done" => "done",
        "failed" => "failed",
        "unknown" => "unknown",
        _ => "not attempted",
    }
}

fn headline(r: &Receipt) -> String {
    let who = &r.target.display_name;
    let tap = r.path == ResetPath::TemporaryAccessPass;
    let sent = |e: &Option<EmailRecord>| e.as_ref().is_some_and(|e| e.outcome.state == "sent");
    let email_sent = sent(&r.email) && (r.details_email.is_none() || sent(&r.details_email));
    let (before, after) = match (r.reset.state, tap) {
        ("done", false) if email_sent => (
            "Done: ",
            "'s password was reset and the welcome email was sent.",
        ),
        ("done", true) if email_sent => (
            "Done: a Temporary Access Pass for ",
            " was created and emailed.",
        ),
        ("done", false) => ("", "'s password was reset, but the email did not go."),
        ("done", true) => (
            "A Temporary Access Pass for ",
            " was created, but the email did not go.",
        ),
        ("failed", _) => ("Nothing was changed: the reset of ", " failed."),
        ("unknown", _) => ("It is not known whether ", "'s password was reset."),
        _ => return "Nothing was sent.".to_owned(),
    };
    [before, who, after].concat()
}

/// The advice of whatever went wrong, from the report.
fn failure_advice(flow: Flow) -> Option<(String, Advice)> {
    flow.report.with(|r| {
        let r = r.as_ref()?;
        // Split delivery: until the details went, theirs is the failure to explain.
        let email = match &r.details {
            EmailState::NotRequested | EmailState::Sent => &r.email,
            d => d,
        };
        match (&r.reset, email) {
            (ResetState::Failed { reason, advice, .. }, _) => {
                Some((reason.clone(), advice.clone()))
            }
            (ResetState::Unknown { why }, _) => Some((
                why.clone(),
                Advice {
                    what_happened: "The answer to the reset was lost.".into(),
                    what_to_do: "Check whether the password changed before doing anything else."
                        .into(),
                },
            )),
            (_, EmailState::Failed { reason, advice, .. }) => {
                Some((reason.clone(), advice.clone()))
            }
            (_, EmailState::NotSent { why }) => Some((
                why.clone(),
                Advice {
                    what_happened: why.clone(),
                    what_to_do: "Give the credential to the user another way, or retry sending."
                        .into(),
                },
            )),
            (_, EmailState::Unknown { why }) => Some((
                why.clone(),
                Advice {
                    what_happened: why.clone(),
                    what_to_do: "Ask the recipient whether it arrived before sending again.".into(),
                },
            )),
            _ => None,
        }
    })
}

#[component]
pub fn ReceiptView() -> impl IntoView {
    let flow = use_flow();
    dynamic(move || {
        (flow.stage.get() == Stage::Finished)
            .then(|| flow.receipt.get().map(|r| untrack(|| finished(r))))
            .flatten()
            .into_any()
    })
}

/// "name (upn)" when there is a user principal name, else the name.
fn name_and_upn(name: &str, upn: Option<&str>) -> String {
    match upn {
        Some(u) => [name, " (", u, ")"].concat(),
        None => name.to_owned(),
    }
}

fn email_line(e: &EmailRecord) -> String {
    let mut s = [e.outcome.state, ": to ", &e.to.join(", ")].concat();
    if !e.cc.is_empty() {
        s.push_str(", cc ");
        s.push_str(&e.cc.join(", "));
    }
    s.push_str(if e.saved_to_sent_items {
        "; a copy was kept in Sent Items"
    } else {
        "; no copy in Sent Items"
    });
    if e.carries == "accountDetails" {
        s.push_str("; username and sign-in links only, no credential");
    }
    if e.carries == "sealedLink" {
        s.push_str("; it carried a sealed link, not the password");
    }
    if let Some(rule) = &e.encryption_requested {
        s.push_str("; encryption requested (");
        s.push_str(rule);
        s.push(')');
    }
    if let Some(d) = &e.outcome.detail {
        s.push_str(" (");
        s.push_str(d);
        s.push(')');
    }
    s
}

/// The receipt's download name: `handover-receipt-<upn or id>-<finished>.json`.
fn file_name(r: &Receipt) -> String {
    let who = r
        .target
        .user_principal_name
        .as_deref()
        .unwrap_or(&r.target.id)
        .replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
            "_",
        );
    [
        "handover-receipt-",
        &who,
        "-",
        &r.finished_at.replace([':', '.'], ""),
        ".json",
    ]
    .concat()
}

fn or_not_given(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "not given".into())
}

fn finished(receipt: Receipt) -> AnyView {
    let app = use_app();
    let flow = use_flow();
    let r = receipt;
    let next = r.next_action.clone();
    let json = r.to_json();
    let file = file_name(&r);
    let p = &r.performed_by;
    let by = match (&p.display_name, &p.user_principal_name) {
        (Some(n), u) => name_and_upn(n, u.as_deref()),
        (None, Some(u)) => u.clone(),
        (None, None) => p.id.clone(),
    };
    let target = name_and_upn(
        &r.target.display_name,
        r.target.user_principal_name.as_deref(),
    );
    let email = r
        .email
        .as_ref()
        .map_or_else(|| "not requested".into(), email_line);
    let details = r.details_email.as_ref().map(|d| {
        fact(
            "Account details",
            Some("receipt-details"),
            None,
            email_line(d).into_any(),
        )
    });
    let ids = r
        .steps
        .iter()
        .map(|s| {
            let mut head = [s.step.label(), " (attempt "].concat();
            head.push_str(&s.attempt.to_string());
            head.push_str("): ");
            if let Some(h) = s.http_status {
                head.push_str("HTTP ");
                head.push_str(&h.to_string());
                head.push_str(", ");
            }
            head.push_str(&s.outcome);
            view! {
                <li data-step=s.step.name()>
                    {head}
                    <br/>
                    {span("muted", "request-id ")}
                    <code class="request-id">{s.request_id.clone().unwrap_or_else(|| "not readable".into())}</code>
                    {span("muted", " client-request-id ")}
                    <code class="client-request-id">{s.client_request_id.clone()}</code>
                </li>
            }
        })
        .collect_view();
    let warnings = r.warnings.clone();
    let audit_looking = RwSignal::new(false);
    let audit_note: RwSignal<Option<String>> = RwSignal::new(None);
    let audit = match &r.entra_audit {
        Some(e) => {
            let mut activity = or_not_given(&e.activity_display_name);
            if let Some(t) = e.activity_date_time.as_deref() {
                activity.push_str(", ");
                activity.push_str(&short_time(t));
            }
            view! {
                {h3("Entra's audit entry for this reset")}
                <dl class="wf-facts" id="entra-audit" data-matched-by=e.matched_by>
                    <dt>"Entry id"</dt>
                    <dd><code id="entra-audit-id">{e.id.clone()}</code></dd>
                    {fact("Activity", Some("entra-audit-activity"), None, activity.into_any())}
                    {fact("Result", Some("entra-audit-result"), None, or_not_given(&e.result).into_any())}
                    <dt>"correlationId"</dt>
                    <dd><code id="entra-audit-correlation">{or_not_given(&e.correlation_id)}</code>
                        {if e.matched_by == "correlationId" {
                            " (the client-request-id Handover sent for the reset)"
                        } else {
                            " (matched by user and time: the newest entry about this user since the run started; \
                            Entra's correlationId need not equal the client-request-id Handover sent, e.g. \
                            for a request inside $batch)"
                        }}</dd>
                </dl>
            }
            .into_any()
        }
        None if r.reset.state == "done" => view! {
            <p class="wf-actions no-print">
                {busy_button(
                    "find-entra-audit",
                    "Find Entra's audit entry".into_any(),
                    Box::new(move || audit_looking.get()),
                    Box::new(move || find_audit_entry(app, flow, audit_looking, audit_note)),
                )}
                {span("muted", " Looks up Entra's own record of this reset and links it into the receipt.")}
            </p>
            {dynamic(move || para(None, Some("entra-audit-note"), Some("status"), audit_note.get()))}
        }
        .into_any(),
        None => ().into_any(),
    };
    let when = [
        short_time(&r.started_at).as_str(),
        " to ",
        &short_time(&r.finished_at),
    ]
    .concat();
    let by = [by.as_str(), ", as ", p.acting_role].concat();
    let ticket = if r.ticket.is_empty() {
        "none given".to_owned()
    } else {
        r.ticket.clone()
    };
    let mut reset = reset_word(r.reset.state).to_owned();
    if let Some(d) = &r.reset.detail {
        reset.push_str(": ");
        reset.push_str(d);
    }
    if r.reset.state == "done" && r.force_change_password_next_sign_in {
        reset.push_str("; the user must change the password at next sign-in");
    }
    view! {
        <section
            class="card wf-card"
            id="receipt"
            data-reset=r.reset.state
            data-email=r.email.as_ref().map_or("notRequested", |e| e.outcome.state)
            data-details=r.details_email.as_ref().map(|e| e.outcome.state)
            data-next=next.name()
        >
            <h2 id="receipt-headline">{headline(&r)}</h2>
            <dl class="wf-facts">
                <dt>"What"</dt>
                <dd id="receipt-path" data-path=path_token(r.path)>{capital(r.path.describe())}</dd>
                {fact("For", Some("receipt-target"), None, target.into_any())}
                {fact("When", Some("receipt-when"), None, when.into_any())}
                {fact("By", Some("receipt-by"), None, by.into_any())}
                {fact("Ticket", Some("receipt-ticket"), None, ticket.into_any())}
                {fact("Reset", Some("receipt-reset"), None, reset.into_any())}
                {fact("Email", Some("receipt-email"), None, email.into_any())}
                {details}
            </dl>
            {list(Some("warning"), None, false, warnings)}
            {audit}
            {h3("Graph request ids (quote them to Microsoft support)")}
            <ul id="receipt-request-ids">{ids}</ul>
            <p class="wf-actions">
                <a id="receipt-download" class="button" download=file href=json_download_href(&json)>
                    "Download the receipt (JSON)"
                </a>
                {span("muted", " The receipt never contains the password or the pass.")}
            </p>
        </section>
        {dynamic(move || (flow.unlock_passphrase.with(|p| p.as_ref().map(|p| p.expose_secret().to_owned())).map(|p| view! {
            <section class="card wf-card" id="sealed-handover">
                {h3("Read this passphrase to the user by phone")}
                <p><code class="secret mono" id="sealed-passphrase">{p}</code></p>
                {note(true, Some("muted"), None, None, "The email holds only a sealed link; this passphrase opens it. Do not email \
                    or chat it. It is shown only here and leaves the page when you hide it or reset another user.")}
                {button("sealed-hide", None, "I have read it to them: hide it".into_any(), Box::new(move || flow.unlock_passphrase.set(None)))}
            </section>
        })).into_any())}
        {aftermath(app, flow)}
        <section class="card wf-card" id="after">
            {button("reset-another", Some("primary"), "Reset another user".into_any(), Box::new(move || flow.start_over()))}
            {span("muted", " Clears the credential and everything about this reset from the page.")}
            {dynamic(move || ({
                let back = matches!(flow.receipt.get().map(|r| r.next_action), Some(NextAction::FixAndRetry | NextAction::SignInAgain));
                back.then(|| view! {
                    " "
                    {button("back-to-review", None, "Back to the review".into_any(), Box::new(move || {
                        if matches!(flow.review.get_untracked(), ReviewState::Loaded(_)) {
                            flow.stage.set(Stage::Compose);
                        }
                    }))}
                })
            }).into_any())}
            {dynamic(move || note(app.session_ended.get(), Some("warning"),
                None,
                None,
                "Your session ended: sign in again above before anything else.",
            ))}
        </section>
    }
    .into_any()
}

/// What to do after the run: the credential to hand over, retry, or the reason it failed.
fn aftermath(app: AppCtx, flow: Flow) -> AnyView {
    let credential_text = move || {
        flow.run_credential
            .with(|c| c.as_ref().map(|s| s.expose_secret().to_owned()))
    };
    let upn = move || {
        flow.run_info
            .get()
            .and_then(|i| i.plan.target_user_principal_name)
            .unwrap_or_default()
    };
    let label = move || {
        if flow.run_info.get().is_some_and(|i| i.tap.is_some()) {
            "Temporary Access Pass"
        } else {
            "Temporary password"
        }
    };
    let current_next = move || flow.receipt.get().map(|r| r.next_action);
    let problem = move || {
        failure_advice(flow).map(|(reason, advice)| {
            view! {
                {para(Some("wf-reason"), None, None, Some(reason))}
                {para(None, None, None, Some(advice.what_happened))}
                {what_to_do(advice.what_to_do)}
            }
        })
    };
    let copy = Callback::new(move |()| credential_text());
    let handover = move || {
        let n = current_next()?;
        keeps_credential(&n).then(|| {
            let failed = n == NextAction::ShowCredentialAndOfferResend;
            let unknown = n == NextAction::ConfirmDeliveryBeforeResending;
            view! {
                <section class="card wf-card" id="credential-handover">
                    {(failed || unknown).then(|| {
                        let (id, class, title) = if failed {
                            ("email-failed", "error", "The reset worked, but the welcome email was not sent")
                        } else {
                            ("email-unknown", "warning", "The reset worked; the email may or may not have gone")
                        };
                        view! {
                            <div id=id class="wf-alert" role="alert">
                                <h2 class=class>{title}</h2>
                                {dynamic(move || problem().into_any())}
                            </div>
                        }
                    })}
                    {h3("Hand this over to the user")}
                    <dl class="wf-facts">
                        {fact("Username", Some("handover-upn"), Some("mono"), dynamic(move || upn().into_any()))}
                        <dt>{dynamic(move || label().into_any())}</dt>
                        <dd><code id="handover-credential" class="secret">{dynamic(move || credential_text().into_any())}</code></dd>
                    </dl>
                    {note(true, Some("muted"), None, None, "Sign in at https://www.office.com; the user must change the password at the first sign-in.")}
                    <p class="wf-actions no-print">
                        <CopyButton id="copy-credential" text=copy/>
                        " "
                        {button("print-credential", None, "Print for the user".into_any(), Box::new(print_page))}
                        {(failed || unknown).then(|| view! {
                            " "
                            {busy_button(
                                "retry-send",
                                (if unknown { "The user got nothing: send again" } else { "Retry sending" }).into_any(),
                                Box::new(move || flow.busy.get()),
                                Box::new(move || retry_send(app, flow)),
                            )}
                        })}
                    </p>
                    {print_sheet(app, flow)}
                </section>
            }
        })
    };
    let failure = move || {
        let n = current_next()?;
        let (id, class, title, text) = match n {
            NextAction::FixAndRetry => (
                "reset-failed",
                "error",
                "The reset did not happen",
                "The old password still works; no email was sent.",
            ),
            NextAction::VerifyReset => (
                "reset-unknown",
                "warning",
                "It is not known whether the password was reset",
                "No email was sent. Check the user's last password change before anything else.",
            ),
            NextAction::SignInAgain => (
                "run-signin",
                "warning",
                "Your session ended before anything was sent",
                "Sign in again, then go back to the review and run it again.",
            ),
            _ => return None,
        };
        let body = view! {
            {(n != NextAction::SignInAgain).then(|| dynamic(move || problem().into_any()))}
            <p>{text}</p>
            {(n == NextAction::VerifyReset).then(|| busy_button(
                "verify-reset",
                "Check now".into_any(),
                Box::new(move || flow.busy.get()),
                Box::new(move || check_reset(app, flow)),
            ))}
        };
        Some(card(id, Some("alert"), Some(class), title, body.into_any()))
    };
    view! {
        {dynamic(move || handover().into_any())}
        {dynamic(move || failure().into_any())}
        {dynamic(move || para(Some("card wf-card"), Some("after-note"), Some("status"), flow.after_note.get()))}
    }
    .into_any()
}
