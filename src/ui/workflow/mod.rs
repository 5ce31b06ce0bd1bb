//! The reset-and-welcome workflow screens: find, review, credential, email, confirm, run,
//! receipt. One file per screen; the state they share is in `state.rs`, and every decision is
//! made by the pure `crate::workflow` (the plan, the runner, the receipt).

pub(crate) mod actions;
mod confirm;
mod credential;
mod email;
mod embed;
mod find;
mod leave_guard;
mod print;
mod receipt;
mod review;
mod run;
mod state;

use leptos::prelude::*;

use self::confirm::ConfirmStep;
use self::credential::CredentialStep;
use self::email::EmailStep;
use self::find::FindStep;
use self::receipt::ReceiptView;
use self::review::ReviewStep;
use self::run::RunSteps;
use self::state::{Flow, Stage};
use crate::ui::controls::{dynamic, show};
use crate::ui::use_app;

/// The whole workflow, shown once the admin is signed in.
#[component]
pub fn Workflow() -> impl IntoView {
    let app = use_app();
    let flow = Flow::new(app);
    provide_context(flow);
    embed::wire(app, flow);
    let composing = Memo::new(move |_| flow.stage.get() == Stage::Compose);
    // The later screens appear once the review allows a reset.
    let can_compose = Memo::new(move |_| matches!(flow.base_plan.get(), Some(Ok(_))));
    // Leaving or reloading asks first while Graph is being written to: the run, and the
    // receipt's "retry sending" or "check the reset" while they wait for an answer.
    crate::ui::signals::effect(move || {
        leave_guard::set(flow.stage.get() == Stage::Running || flow.busy.get())
    });
    on_cleanup(|| leave_guard::set(false));
    view! {
        <div id="workflow">
            {dynamic(move || (if composing.get() {
                view! {
                    <FindStep/>
                    <ReviewStep/>
                    {show(can_compose, || view! {
                        <CredentialStep/>
                        <EmailStep/>
                        <ConfirmStep/>
                    }.into_any())}
                }
                .into_any()
            } else {
                view! {
                    <RunSteps/>
                    <ReceiptView/>
                }
                .into_any()
            }).into_any())}
        </div>
    }
}
