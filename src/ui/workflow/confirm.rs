//! Confirm: one sentence saying what will happen, the ticket or reason (required when config
//! says so), the UPN typed again for a privileged target, and one button that runs it once.

use leptos::prelude::*;

use super::run::start_run;
use super::state::{use_flow, CredentialMode, Flow, Stage};
use crate::ui::controls::{dynamic, list, text_row_with};
use crate::ui::{use_app, AppCtx};
use crate::workflow::Plan;

/// Whether config asks for a ticket (it does unless `requireTicket` is false).
pub fn ticket_required(app: &AppCtx) -> bool {
    app.config
        .with_value(|c| c.as_ref().is_none_or(|c| c.require_ticket))
}

/// The summary sentence.
pub fn summary(flow: Flow, plan: &Plan) -> String {
    let who = match &plan.target_user_principal_name {
        Some(upn) if upn != &plan.target_display_name => {
            [plan.target_display_name.as_str(), " (", upn, ")"].concat()
        }
        _ => plan.target_display_name.clone(),
    };
    let what = if flow.mode.get() == CredentialMode::Tap {
        "Create a Temporary Access Pass for "
    } else {
        "Reset the password of "
    };
    let mut s = [what, &who].concat();
    if flow.send_email.get() {
        let split = flow.split.get();
        let to = if split { flow.split_to } else { flow.to }.get();
        s.push_str(" and email it to ");
        s.push_str(to.trim());
        let cc = flow.cc.get();
        if !cc.trim().is_empty() {
            s.push_str(", with a copy to ");
            s.push_str(cc.trim());
        }
        if split {
            s.push_str(", after the account details (no credential) went to ");
            s.push_str(flow.to.get().trim());
        }
        s.push('.');
        s
    } else {
        s.push_str(" and show it here to hand over yourself (no email).");
        s
    }
}

/// Everything that stops the run, in the admin's words (empty: ready).
pub fn problems(app: &AppCtx, flow: Flow) -> Vec<String> {
    let mut out = Vec::new();
    let plan = match flow.plan.get() {
        Some(Ok(p)) => p,
        Some(Err(r)) => return vec![r.message],
        None => return vec!["The review is not finished.".into()],
    };
    if let Some(p) = flow.credential_problem(app) {
        out.push(["Credential: ", &p].concat());
    }
    if let Some(p) = flow.email_problem() {
        out.push(["Email: ", &p].concat());
    }
    if ticket_required(app) && flow.ticket.get().trim().is_empty() {
        out.push("Enter the ticket number or business reason.".into());
    }
    if plan.confirm_by_typing_upn {
        let typed = flow.confirm_upn.get();
        let upn = plan.target_user_principal_name.clone().unwrap_or_default();
        if !typed.trim().eq_ignore_ascii_case(&upn) {
            out.push("Type the user principal name of this privileged account to confirm.".into());
        }
    }
    out
}

/// The run's blockers, worked out where they are read (the button, the list, the click): a
/// `Memo<Vec<String>>` would bring its own copy of Leptos's memo code for this one use.
#[derive(Clone, Copy)]
struct Blockers {
    app: AppCtx,
    flow: Flow,
}

impl Blockers {
    fn get(&self) -> Vec<String> {
        problems(&self.app, self.flow)
    }

    fn get_untracked(&self) -> Vec<String> {
        untrack(|| self.get())
    }
}

#[component]
pub fn ConfirmStep() -> impl IntoView {
    let app = use_app();
    let flow = use_flow();
    let required = ticket_required(&app);
    let blockers = Blockers { app, flow };
    let sentence = move || flow.ready_plan().map(|p| summary(flow, &p));
    let privileged_upn = move || {
        flow.ready_plan()
            .filter(|p| p.confirm_by_typing_upn)
            .map(|p| p.target_user_principal_name.unwrap_or_default())
    };
    let run = move |_| {
        if blockers.get_untracked().is_empty() {
            start_run(app, flow);
        }
    };
    view! {
        <section class="card wf-card" id="confirm">
            <h2>"5. Confirm"</h2>
            <p id="confirm-summary" class="wf-summary">{dynamic(move || sentence().into_any())}</p>
            {text_row_with(
                "confirm-ticket",
                if required {
                    "Ticket number or business reason (required)"
                } else {
                    "Ticket number or business reason (optional)"
                },
                "text",
                None,
                true,
                false,
                flow.ticket,
            )}
            {dynamic(move || (privileged_upn().map(|upn| view! {
                <div class="wf-row wf-privileged-confirm">
                    <label for="confirm-upn">
                        "This account is privileged. Type its user principal name, "
                        <code>{upn}</code> ", to confirm"
                    </label>
                    <input
                        id="confirm-upn"
                        type="text"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || flow.confirm_upn.get()
                        on:input=move |ev| flow.confirm_upn.set(event_target_value(&ev))
                    />
                </div>
            })).into_any())}
            {dynamic(move || list(Some("muted"), Some("confirm-problems"), false, blockers.get()))}
            <button
                type="button"
                class="primary"
                id="confirm-run"
                disabled=move || !blockers.get().is_empty() || flow.stage.get() != Stage::Compose
                on:click=run
            >
                {dynamic(move || (match (flow.mode.get() == CredentialMode::Tap, flow.send_email.get()) {
                    (true, true) => "Create the pass and email it",
                    (true, false) => "Create the pass",
                    (false, true) => "Reset the password and email it",
                    (false, false) => "Reset the password",
                }).into_any())}
            </button>
        </section>
    }
}
