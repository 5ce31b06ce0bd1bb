//! Run: carries the plan out through the runner and shows each step as it happens, with its
//! outcome and the runner's wait messages.

use leptos::prelude::*;

use leptos::task::spawn_local;

use super::actions::now_iso;
use super::email::{compose, compose_details, credential_kind, parse_cc, sender_name, ticket_text};
use super::state::{
    effective_admin, use_flow, CredentialMode, Flow, LineState, MailPlan, ReviewState, RunInfo,
    Stage, StepLine,
};
use crate::auth::browser;
use crate::graph::TapRequest;
use crate::secret::Secret;
use crate::ui::controls::dynamic;
use crate::ui::AppCtx;
use crate::welcome::CredentialKind;
use crate::workflow::receipt::{Receipt, ReceiptContext};
use crate::workflow::run::{EmailDraft, NextAction, RunEvent, RunReport, Step};
use crate::workflow::{run, RunRequest};

/// Applies one runner event to the lines on screen.
pub fn on_event(flow: Flow, event: RunEvent) {
    let message = event.message();
    flow.lines.update(|lines| {
        let last_of = |lines: &mut Vec<StepLine>, step: Step| -> Option<usize> {
            lines.iter().rposition(|l| l.step == step)
        };
        match event {
            RunEvent::StepStarted { step } => {
                let open = lines
                    .iter()
                    .any(|l| l.step == step && l.state == LineState::Running);
                if !open {
                    lines.push(StepLine {
                        step,
                        state: LineState::Running,
                        messages: Vec::new(),
                        summary: None,
                    });
                }
            }
            RunEvent::Waiting { step, .. } => {
                if let Some(i) = last_of(lines, step) {
                    lines[i].messages.push(message);
                }
            }
            RunEvent::OperationStatus { .. } => {
                let i = last_of(lines, Step::WaitForOperation)
                    .or_else(|| last_of(lines, Step::ResetPassword));
                if let Some(i) = i {
                    if lines[i].messages.last() != Some(&message) {
                        lines[i].messages.push(message);
                    }
                }
            }
            RunEvent::StepFinished {
                step,
                succeeded,
                summary,
            } => {
                if let Some(i) = last_of(lines, step) {
                    lines[i].state = if succeeded {
                        LineState::Succeeded
                    } else {
                        LineState::Failed
                    };
                    lines[i].summary = Some(summary);
                }
            }
        }
    });
}

/// Whether the credential must stay on screen after this ending.
pub fn keeps_credential(next: &NextAction) -> bool {
    matches!(
        next,
        NextAction::ShowCredential
            | NextAction::ShowCredentialAndOfferResend
            | NextAction::ConfirmDeliveryBeforeResending
    )
}

/// Builds the receipt of `report` with what the page knows around it.
pub fn receipt_of(info: &RunInfo, report: &RunReport) -> Receipt {
    let ctx = ReceiptContext {
        started_at: info.started_at.clone(),
        finished_at: info.finished_at.clone(),
        ticket: info.ticket.clone(),
        // Split: `to` got the details, the second recipient the credential.
        to: info
            .mail
            .iter()
            .map(|m| m.split_to.clone().unwrap_or_else(|| m.to.clone()))
            .collect(),
        details_to: info
            .mail
            .as_ref()
            .filter(|m| m.split_to.is_some())
            .map(|m| m.to.clone()),
        cc: info.mail.as_ref().map(|m| m.cc.clone()).unwrap_or_default(),
        saved_to_sent_items: info.mail.as_ref().is_some_and(|m| m.save_to_sent_items),
        sealed_link: info.sealed_link.is_some(),
        encryption_requested: info
            .mail
            .as_ref()
            .and_then(|m| m.encryption.as_ref())
            .map(|r| r.describe()),
    };
    Receipt::new(&ctx, &info.admin, &info.plan, report)
}

/// Shows the end of a run: the receipt, and the credential only when it is still needed.
pub fn settle(flow: Flow, info: RunInfo, mut report: RunReport, password: Option<Secret>) {
    let keep = keeps_credential(&report.next_action);
    let credential = match report.temporary_access_pass.as_mut() {
        Some(tap) if keep => Some(tap.pass.duplicate()),
        Some(tap) => {
            // Delivered: the pass need not stay in memory (dropping zeroizes it).
            tap.pass = Secret::new(String::new());
            None
        }
        None if keep => password,
        None => None,
    };
    flow.receipt.set(Some(receipt_of(&info, &report)));
    flow.run_credential.set(credential);
    flow.run_info.set(Some(info));
    flow.report.set(Some(report));
    flow.stage.set(Stage::Finished);
}

/// Starts the run once: the first call moves the page to Running, any later call does nothing.
pub fn start_run(app: AppCtx, flow: Flow) {
    if flow.stage.get_untracked() != Stage::Compose {
        return;
    }
    let Some(Ok(plan)) = flow.plan.get_untracked() else {
        return;
    };
    let ReviewState::Loaded(outcome) = flow.review.get_untracked() else {
        return;
    };
    let Some(admin) = effective_admin(app.admin.get_untracked(), &outcome) else {
        return;
    };
    let Some(transport) = app.transport() else {
        return;
    };
    let target = outcome.target;
    let mode = flow.mode.get_untracked();
    let (password, tap) = match mode {
        CredentialMode::Tap => {
            let Ok(options) = flow.tap_options_untracked() else {
                return;
            };
            let Ok(body) = options.request_body() else {
                return;
            };
            (None, Some((TapRequest::from(&body), options)))
        }
        CredentialMode::Typed => (
            flow.typed
                .with_untracked(|t| t.as_ref().map(Secret::duplicate)),
            None,
        ),
        CredentialMode::Password | CredentialMode::Passphrase => (
            flow.generated
                .with_untracked(|g| g.as_ref().map(Secret::duplicate)),
            None,
        ),
    };
    if mode != CredentialMode::Tap && password.is_none() {
        return;
    }
    let ticket = flow.ticket.get_untracked().trim().to_owned();
    let mail = flow.send_email.get_untracked().then(|| MailPlan {
        subject: flow.subject.get_untracked().trim().to_owned(),
        to: flow.to.get_untracked().trim().to_owned(),
        cc: parse_cc(&flow.cc.get_untracked()).unwrap_or_default(),
        save_to_sent_items: flow.save_sent.get_untracked(),
        display_name: target.label().to_owned(),
        upn: target.user_principal_name.clone().unwrap_or_default(),
        ticket: ticket_text(&ticket),
        sender_name: sender_name(&app),
        sealed: flow.sealed.get_untracked() && mode != CredentialMode::Tap,
        split_to: flow
            .split
            .get_untracked()
            .then(|| flow.split_to.get_untracked().trim().to_owned()),
        encryption: flow
            .encrypt
            .get_untracked()
            .then(|| {
                app.config
                    .with_value(|c| c.as_ref().and_then(|c| c.encryption.clone()))
            })
            .flatten(),
    });
    let kind = credential_kind(flow, false);
    let mut info = RunInfo {
        plan,
        admin,
        mail,
        ticket,
        started_at: now_iso(),
        finished_at: String::new(),
        last_change_before: target.last_password_change_date_time.clone(),
        tap: tap.as_ref().map(|(_, o)| o.clone()),
        sealed_link: None,
    };
    flow.lines.set(Vec::new());
    flow.stage.set(Stage::Running);
    spawn_local(async move {
        let mut rng = browser::crypto_rng();
        // A sealed link is made before anything is written: if the browser cannot, nothing happens.
        if info.mail.as_ref().is_some_and(|m| m.sealed) {
            let Some(pw) = password.as_ref() else {
                return;
            };
            match make_sealed_link(pw, &mut rng).await {
                Ok((link, passphrase)) => {
                    info.sealed_link = Some(link);
                    flow.unlock_passphrase.set(Some(passphrase));
                }
                Err(e) => {
                    flow.generate_error
                        .set(Some(format!("The sealed link could not be made: {e}")));
                    flow.stage.set(Stage::Compose);
                    return;
                }
            }
        }
        let mail = info.mail.clone();
        let link = info.sealed_link.clone();
        let compose_with = move |secret: &Secret| {
            let link = link.as_ref().map(|l| Secret::new(l.clone()));
            // The sealed link replaces the password in the email.
            let carried = link.as_ref().unwrap_or(secret);
            match &mail {
                Some(m) => compose(m, kind, carried),
                // Not called without a draft.
                None => compose(&MailPlan::default(), kind, carried),
            }
        };
        let details_of = info.mail.clone().filter(|m| m.split_to.is_some());
        let details_with =
            || compose_details(details_of.as_ref().unwrap_or(&MailPlan::default()), kind);
        let draft = info.mail.as_ref().map(|m| EmailDraft {
            from_mailbox: None,
            compose: &compose_with,
            details: m
                .split_to
                .is_some()
                .then_some(&details_with as &dyn Fn() -> _),
        });
        let mut request = RunRequest::new(&info.plan, password.as_ref(), draft);
        if let Some((tap_request, _)) = &tap {
            request.tap = tap_request.clone();
        }
        let report = run(&transport, &mut rng, request, &mut |e| on_event(flow, e)).await;
        info.finished_at = now_iso();
        settle(flow, info, report, password);
    });
}

/// Seals `password` for the email: a fresh passphrase (shown once to the admin), salt and IV,
/// WebCrypto's PBKDF2 and AES-GCM, and the link to this page with the result in its fragment.
async fn make_sealed_link(
    password: &Secret,
    rng: &mut (impl rand::CryptoRng + ?Sized),
) -> Result<(String, Secret), String> {
    use crate::credential::sealed::{
        generate_unlock_passphrase, link_url, random_salt_iv, DEFAULT_UNLOCK_WORDS,
    };
    let passphrase = generate_unlock_passphrase(rng, DEFAULT_UNLOCK_WORDS);
    let (salt, iv) = random_salt_iv(rng);
    let link = crate::ui::webcrypto::seal(password, &passphrase, salt, iv).await?;
    let page = browser::window()
        .location()
        .href()
        .map_err(|_| "no page address".to_owned())?;
    Ok((link_url(&page, &link), passphrase))
}

/// The kind of credential a finished run carried.
pub fn kind_of(info: &RunInfo) -> CredentialKind {
    match &info.tap {
        Some(o) => CredentialKind::TemporaryAccessPass {
            lifetime_minutes: o.lifetime_minutes,
            usable_once: o.usable_once,
        },
        None if info.sealed_link.is_some() => CredentialKind::SealedLink,
        None => CredentialKind::TemporaryPassword,
    }
}

fn step_icon(state: LineState) -> &'static str {
    match state {
        LineState::Running => "\u{2026}",
        LineState::Succeeded => "\u{2714}",
        LineState::Failed => "\u{2716}",
    }
}

#[component]
pub fn RunSteps() -> impl IntoView {
    let flow = use_flow();
    let heading = move || match flow.stage.get() {
        Stage::Running => "Working…",
        _ => "What happened",
    };
    view! {
        <section class="card wf-card" id="run" data-stage=move || flow.stage.get().name()>
            <h2>{dynamic(move || heading().into_any())}</h2>
            <ol id="run-steps">
                {dynamic(move || (flow
                    .lines
                    .get()
                    .into_iter()
                    .map(|l| view! {
                        <li data-step=l.step.name() data-state=l.state.as_str() class=format!("wf-step {}", l.state.as_str())>
                            <span class="wf-step-icon" aria-hidden="true">{step_icon(l.state)}</span>
                            " "
                            <strong>{l.step.label()}</strong>
                            {l.summary.map(|s| view! { <span class="wf-step-summary">": " {s}</span> })}
                            {(!l.messages.is_empty()).then(|| view! {
                                <ul class="wf-step-messages muted">
                                    {l.messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                                </ul>
                            })}
                        </li>
                    })
                    .collect_view()).into_any())}
            </ol>
            {dynamic(move || ((flow.stage.get() == Stage::Running).then(|| view! {
                <p class="muted" id="run-wait">"Keep this page open until the run finishes."</p>
            })).into_any())}
        </section>
    }
}
