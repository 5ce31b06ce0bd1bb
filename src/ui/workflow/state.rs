//! The workflow's state on the page: one set of signals shared by every screen (provided as
//! context), the plan derived from it, and the one place that clears every secret.

use leptos::prelude::*;

use crate::credential::{check_password, PolicyContext, TapOptions};
use crate::graph::User;
use crate::secret::Secret;
use crate::ui::signals::{IndexSignal, Indexed, OptSignal, Seq, ValSignal};
use crate::ui::AppCtx;
use crate::workflow::find::FindOutcome;
use crate::workflow::receipt::Receipt;
use crate::workflow::review::{ReviewError, ReviewOutcome};
use crate::workflow::run::{RunReport, Step};
use crate::workflow::{plan, AdminContext, CredentialChoice, Plan, PlanOptions, Refusal};

use super::email::{address_problem, parse_cc};
use crate::welcome::split_problem;

/// What the Find box shows.
#[derive(Clone, Debug, PartialEq)]
pub enum FindState {
    Idle,
    Searching,
    Done(FindOutcome),
}

/// What the Review card shows.
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewState {
    Empty,
    Loading { label: String },
    Loaded(Box<ReviewOutcome>),
    Failed(Box<ReviewError>),
}

/// How the credential is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialMode {
    /// A generated random password.
    Password,
    /// A generated passphrase (easier to read over the phone).
    Passphrase,
    /// One the admin typed.
    Typed,
    /// A Temporary Access Pass instead of a password.
    Tap,
}

// Checked when the page compiles: `ALL` lists every variant (the matches are exhaustive, so a new
// variant fails the build here) in declaration order.
const _: () = {
    let modes = match CredentialMode::Password {
        CredentialMode::Password
        | CredentialMode::Passphrase
        | CredentialMode::Typed
        | CredentialMode::Tap => 4,
    };
    let stages = match Stage::Compose {
        Stage::Compose | Stage::Running | Stage::Finished => 3,
    };
    assert!(CredentialMode::ALL.len() == modes && Stage::ALL.len() == stages);
    let mut i = 0;
    while i < modes {
        assert!(CredentialMode::ALL[i] as usize == i);
        i += 1;
    }
    let mut i = 0;
    while i < stages {
        assert!(Stage::ALL[i] as usize == i);
        i += 1;
    }
};

impl Indexed for CredentialMode {
    const ALL: &'static [Self] = &[
        CredentialMode::Password,
        CredentialMode::Passphrase,
        CredentialMode::Typed,
        CredentialMode::Tap,
    ];
    fn index(self) -> usize {
        self as usize
    }
}

/// Where the page is in one reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Find, review, credential, email, confirm.
    Compose,
    /// The runner is working.
    Running,
    /// The receipt is shown.
    Finished,
}

impl Indexed for Stage {
    const ALL: &'static [Self] = &[Stage::Compose, Stage::Running, Stage::Finished];
    fn index(self) -> usize {
        self as usize
    }
}

impl Stage {
    /// The variant's name, as `#run[data-stage]` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Compose => "Compose",
            Stage::Running => "Running",
            Stage::Finished => "Finished",
        }
    }
}

/// The outcome of one run step as shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineState {
    Running,
    Succeeded,
    Failed,
}

impl LineState {
    pub fn as_str(self) -> &'static str {
        match self {
            LineState::Running => "running",
            LineState::Succeeded => "succeeded",
            LineState::Failed => "failed",
        }
    }
}

/// One step of the run as the admin sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct StepLine {
    pub step: Step,
    pub state: LineState,
    /// Waits, operation status and the like, in order.
    pub messages: Vec<String>,
    pub summary: Option<String>,
}

/// What the email will be, without the credential: enough to compose it again for "retry
/// sending" and to fill the receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailPlan {
    pub subject: String,
    pub to: String,
    pub cc: Vec<String>,
    pub save_to_sent_items: bool,
    pub display_name: String,
    pub upn: String,
    pub ticket: String,
    pub sender_name: String,
    /// The email carries a sealed link instead of the password.
    pub sealed: bool,
    /// Split delivery: the credential goes here, the account details to `to`.
    pub split_to: Option<String>,
    /// The tenant's encryption rule, when the admin asked for it to apply.
    pub encryption: Option<crate::config::EncryptionRule>,
}

/// What the receipt needs besides the report.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInfo {
    pub plan: Plan,
    pub admin: AdminContext,
    pub mail: Option<MailPlan>,
    pub ticket: String,
    pub started_at: String,
    pub finished_at: String,
    /// `lastPasswordChangeDateTime` at Review, to tell whether a lost reset happened.
    pub last_change_before: Option<String>,
    pub tap: Option<TapOptions>,
    /// The sealed link the email carried (ciphertext in its fragment), for "retry sending".
    pub sealed_link: Option<String>,
}

/// Every signal of the workflow. Copy: arena handles.
#[derive(Clone, Copy)]
pub struct Flow {
    pub query: RwSignal<String>,
    /// Bumped on each keystroke: only the latest search may show its answer.
    pub find_seq: Seq,
    pub find: ValSignal<FindState>,
    pub find_wait: RwSignal<Option<String>>,
    pub selected_id: RwSignal<Option<String>>,
    pub review: ValSignal<ReviewState>,
    pub review_seq: Seq,

    pub mode: IndexSignal<CredentialMode>,
    pub length: RwSignal<usize>,
    pub words: RwSignal<usize>,
    pub generated: RwSignal<Option<Secret>, LocalStorage>,
    pub generate_error: RwSignal<Option<String>>,
    pub typed: RwSignal<Option<Secret>, LocalStorage>,
    pub shown: RwSignal<bool>,
    pub tap_lifetime: RwSignal<String>,
    pub tap_once: RwSignal<bool>,
    pub tap_start: RwSignal<String>,

    pub send_email: RwSignal<bool>,
    pub to: RwSignal<String>,
    pub cc: RwSignal<String>,
    pub subject: RwSignal<String>,
    pub save_sent: RwSignal<bool>,
    /// Send a sealed link (password encrypted in its fragment) instead of the password.
    pub sealed: RwSignal<bool>,
    /// Mark the email for the tenant's encryption rule (when config names one).
    pub encrypt: RwSignal<bool>,
    /// Split delivery: the credential to `split_to`, the account details to `to`.
    pub split: RwSignal<bool>,
    pub split_to: RwSignal<String>,
    /// The sealed link's passphrase, shown once to the admin to read by phone.
    pub unlock_passphrase: RwSignal<Option<Secret>, LocalStorage>,

    pub ticket: RwSignal<String>,
    pub confirm_upn: RwSignal<String>,

    pub stage: IndexSignal<Stage>,
    pub lines: RwSignal<Vec<StepLine>>,
    pub report: RwSignal<Option<RunReport>, LocalStorage>,
    /// The password of the run (the pass lives in the report), for copy, print and retry.
    pub run_credential: RwSignal<Option<Secret>, LocalStorage>,
    pub run_info: OptSignal<RunInfo>,
    pub receipt: OptSignal<Receipt>,
    pub busy: RwSignal<bool>,
    pub after_note: RwSignal<Option<String>>,

    /// The plan for a password reset (a refusal here stops at Review).
    pub base_plan: Memo<Option<Result<Plan, Refusal>>>,
    /// The plan for the credential chosen now.
    pub plan: Memo<Option<Result<Plan, Refusal>>>,
}

/// The workflow context.
pub fn use_flow() -> Flow {
    expect_context::<Flow>()
}

impl Flow {
    pub fn new(app: AppCtx) -> Flow {
        let review = ValSignal::new(ReviewState::Empty);
        let send_email = RwSignal::new(true);
        let mode = IndexSignal::new(CredentialMode::Password);
        let plan_with = move |choice: CredentialChoice| {
            let ReviewState::Loaded(outcome) = review.get() else {
                return None;
            };
            let admin = effective_admin(app.admin.get(), &outcome)?;
            let options = PlanOptions {
                credential: choice,
                send_email: send_email.get(),
                eligible_roles_count: true,
            };
            Some(plan(&outcome.target, &outcome.roles, &admin, &options))
        };
        // One closure type for both memos (one memo instance in the page): the base plan reads
        // no mode, so it always plans a password reset.
        let plan_memo = move |mode: Option<IndexSignal<CredentialMode>>| {
            Memo::new(move |_| {
                let choice = match mode {
                    Some(m) if m.get() == CredentialMode::Tap => {
                        CredentialChoice::TemporaryAccessPass
                    }
                    _ => CredentialChoice::Password,
                };
                plan_with(choice)
            })
        };
        let base_plan = plan_memo(None);
        let plan = plan_memo(Some(mode));
        Flow {
            query: RwSignal::new(String::new()),
            find_seq: Seq::new(),
            find: ValSignal::new(FindState::Idle),
            find_wait: RwSignal::new(None),
            selected_id: RwSignal::new(None),
            review,
            review_seq: Seq::new(),
            mode,
            length: RwSignal::new(crate::credential::DEFAULT_LENGTH),
            words: RwSignal::new(crate::credential::DEFAULT_WORDS),
            generated: RwSignal::new_local(None),
            generate_error: RwSignal::new(None),
            typed: RwSignal::new_local(None),
            shown: RwSignal::new(false),
            tap_lifetime: RwSignal::new(
                crate::credential::TAP_DEFAULT_LIFETIME_MINUTES.to_string(),
            ),
            tap_once: RwSignal::new(true),
            tap_start: RwSignal::new(String::new()),
            send_email,
            to: RwSignal::new(String::new()),
            cc: RwSignal::new(String::new()),
            subject: RwSignal::new(String::new()),
            save_sent: RwSignal::new(false),
            sealed: RwSignal::new(false),
            encrypt: RwSignal::new(true),
            split: RwSignal::new(false),
            split_to: RwSignal::new(String::new()),
            unlock_passphrase: RwSignal::new_local(None),
            ticket: RwSignal::new(String::new()),
            confirm_upn: RwSignal::new(String::new()),
            stage: IndexSignal::new(Stage::Compose),
            lines: RwSignal::new(Vec::new()),
            report: RwSignal::new_local(None),
            run_credential: RwSignal::new_local(None),
            run_info: OptSignal::new(),
            receipt: OptSignal::new(),
            busy: RwSignal::new(false),
            after_note: RwSignal::new(None),
            base_plan,
            plan,
        }
    }

    /// The reviewed target, if any.
    pub fn target(&self) -> Option<User> {
        match self.review.get() {
            ReviewState::Loaded(o) => Some(o.target),
            _ => None,
        }
    }

    /// The target without tracking.
    pub fn target_untracked(&self) -> Option<User> {
        match self.review.get_untracked() {
            ReviewState::Loaded(o) => Some(o.target),
            _ => None,
        }
    }

    /// The plan to show and run, when the review allows going on.
    pub fn ready_plan(&self) -> Option<Plan> {
        match self.plan.get() {
            Some(Ok(p)) => Some(p),
            _ => None,
        }
    }

    /// Forgets the credential and what was composed for the previous target (drops zeroize).
    pub fn clear_composition(&self) {
        self.generated.set(None);
        self.typed.set(None);
        self.generate_error.set(None);
        self.shown.set(false);
        self.mode.set(CredentialMode::Password);
        self.tap_lifetime
            .set(crate::credential::TAP_DEFAULT_LIFETIME_MINUTES.to_string());
        self.tap_once.set(true);
        self.tap_start.set(String::new());
        self.send_email.set(true);
        self.to.set(String::new());
        self.cc.set(String::new());
        self.subject.set(String::new());
        self.save_sent.set(false);
        self.sealed.set(false);
        self.encrypt.set(true);
        self.split.set(false);
        self.split_to.set(String::new());
        self.confirm_upn.set(String::new());
    }

    /// "Reset another user": every secret leaves memory, the page starts over.
    pub fn start_over(&self) {
        self.clear_composition();
        self.report.set(None);
        self.run_credential.set(None);
        self.unlock_passphrase.set(None);
        self.run_info.set(None);
        self.receipt.set(None);
        self.lines.set(Vec::new());
        self.after_note.set(None);
        self.busy.set(false);
        self.ticket.set(String::new());
        self.find_seq.bump();
        self.review_seq.bump();
        self.query.set(String::new());
        self.find.set(FindState::Idle);
        self.find_wait.set(None);
        self.selected_id.set(None);
        self.review.set(ReviewState::Empty);
        self.stage.set(Stage::Compose);
    }

    /// Why the credential cannot be used yet, in the admin's words.
    pub fn credential_problem(&self, app: &AppCtx) -> Option<String> {
        match self.mode.get() {
            CredentialMode::Password | CredentialMode::Passphrase => {
                if let Some(e) = self.generate_error.get() {
                    return Some(e);
                }
                self.generated
                    .with(|g| g.is_none())
                    .then(|| "Generate a password first.".to_owned())
            }
            CredentialMode::Typed => {
                let target = self.target()?;
                let context = policy_context(app, &target);
                self.typed.with(|t| match t {
                    None => Some("Type the password.".to_owned()),
                    Some(s) => check_password(s.expose_secret(), &context).err().map(|v| {
                        v.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" ")
                    }),
                })
            }
            CredentialMode::Tap => self.tap_options().err(),
        }
    }

    /// The TAP options typed in, validated.
    pub fn tap_options(&self) -> Result<TapOptions, String> {
        tap_options_from(
            &self.tap_lifetime.get(),
            self.tap_once.get(),
            &self.tap_start.get(),
        )
    }

    /// [`Flow::tap_options`] outside a reactive context.
    pub fn tap_options_untracked(&self) -> Result<TapOptions, String> {
        tap_options_from(
            &self.tap_lifetime.get_untracked(),
            self.tap_once.get_untracked(),
            &self.tap_start.get_untracked(),
        )
    }

    /// Why the email cannot go yet.
    pub fn email_problem(&self) -> Option<String> {
        if !self.send_email.get() {
            return None;
        }
        if let Some(p) = address_problem(&self.to.get()) {
            return Some(format!("Recipient: {p}"));
        }
        if let Err(p) = parse_cc(&self.cc.get()) {
            return Some(format!("Cc: {p}"));
        }
        if self.subject.get().trim().is_empty() {
            return Some("The subject is empty.".into());
        }
        self.split_problem()
    }

    /// Why the split delivery's second recipient cannot take the credential.
    pub fn split_problem(&self) -> Option<String> {
        if !self.split.get() {
            return None;
        }
        let second = self.split_to.get();
        let p = address_problem(&second)
            .or_else(|| split_problem(&self.to.get(), &second).map(str::to_owned))?;
        Some(format!("Credential recipient: {p}"))
    }
}

fn tap_options_from(lifetime: &str, once: bool, start: &str) -> Result<TapOptions, String> {
    let minutes: u32 = lifetime.trim().parse().map_err(|_| {
        format!("The lifetime must be a whole number of minutes, not \u{201c}{lifetime}\u{201d}.")
    })?;
    let options = TapOptions {
        lifetime_minutes: minutes,
        usable_once: once,
        start: (!start.trim().is_empty()).then(|| start.trim().to_owned()),
    };
    options
        .validate()
        .map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .map(|()| options)
}

/// The signed-in admin: read at sign-in, else in the review batch.
pub fn effective_admin(
    admin: Option<AdminContext>,
    outcome: &ReviewOutcome,
) -> Option<AdminContext> {
    admin.or_else(|| outcome.admin.clone().and_then(Result::ok))
}

/// The tenant's name for the banned-password check: the first label of a domain tenant
/// ("contoso" of contoso.onmicrosoft.com); nothing for a GUID.
pub fn tenant_name(app: &AppCtx) -> Option<String> {
    app.config.with_value(|c| {
        let tenant = &c.as_ref()?.tenant;
        let first = tenant.split('.').next()?;
        let is_guid = first.len() == 36 && first.matches('-').count() == 4;
        (tenant.contains('.') && !is_guid).then(|| first.to_owned())
    })
}

/// The names a password for `target` must not contain.
pub fn policy_context(app: &AppCtx, target: &User) -> PolicyContext {
    let mut c = PolicyContext::default();
    if let Some(g) = &target.given_name {
        c = c.given_name(g);
    }
    if let Some(s) = &target.surname {
        c = c.surname(s);
    }
    if let Some(u) = &target.user_principal_name {
        c = c.user_principal_name(u);
    }
    if let Some(t) = tenant_name(app) {
        c = c.tenant_name(&t);
    }
    c
}
