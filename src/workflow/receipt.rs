//! The receipt: the downloadable audit record of one run. What was done, when, by whom, for which
//! ticket, to whom, by which path, each step with Graph's request ids, and never the password or
//! the pass (nothing secret is reachable from these types: they hold no [`crate::secret::Secret`]).

use super::entra_audit::EntraAuditEntry;
use super::plan::{AdminContext, Plan, ResetPath};
use super::run::{EmailState, NextAction, ResetState, RunReport, StepRecord};
use crate::json::{Map, Value};

/// What the page knows around the run. Timestamps are strings from the browser's clock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptContext {
    pub started_at: String,
    pub finished_at: String,
    /// The ticket number or business reason the admin typed.
    pub ticket: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub saved_to_sent_items: bool,
    /// The email carried a sealed link (the password encrypted in its fragment), not the password.
    pub sealed_link: bool,
    /// The encryption rule the email was marked for (header and/or subject tag), if any.
    pub encryption_requested: Option<String>,
    /// Split delivery: where the account details went (`to` then got the credential).
    pub details_to: Option<String>,
}

/// Who ran it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerformedBy {
    pub id: String,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
    pub acting_role: &'static str,
}

/// Whom it was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetRecord {
    pub id: String,
    pub user_principal_name: Option<String>,
    pub display_name: String,
    pub privileged: bool,
}

/// The state of one outcome, in a stable vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeRecord {
    /// `done`, `failed`, `unknown`, `notAttempted` / `sent`, `failed`, `unknown`, `notSent`,
    /// `notRequested`.
    pub state: &'static str,
    pub detail: Option<String>,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
}

/// The email part of the receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailRecord {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub saved_to_sent_items: bool,
    /// `password` (in the body), `temporaryAccessPass`, `accountDetails` (split delivery's
    /// first message: username and sign-in links, no credential) or `sealedLink` (the body holds a link whose fragment is the
    /// password encrypted under a passphrase given by phone).
    pub carries: &'static str,
    /// Purview Message Encryption was requested through the tenant's mail flow rule: how the
    /// message was marked. Whether the rule encrypted it is the tenant's to show (message trace).
    pub encryption_requested: Option<String>,
    pub outcome: OutcomeRecord,
}

/// The pass's settings (never the pass).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapRecord {
    pub lifetime_in_minutes: Option<u32>,
    pub is_usable_once: Option<bool>,
    pub start_date_time: Option<String>,
}

/// The audit record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub receipt_version: u32,
    pub started_at: String,
    pub finished_at: String,
    pub ticket: String,
    pub performed_by: PerformedBy,
    pub target: TargetRecord,
    pub path: ResetPath,
    /// `password` or `temporaryAccessPass`.
    pub credential: &'static str,
    pub force_change_password_next_sign_in: bool,
    pub temporary_access_pass: Option<TapRecord>,
    pub reset: OutcomeRecord,
    /// The message that held the credential (or sealed link).
    pub email: Option<EmailRecord>,
    /// Split delivery: the account details message, which held no credential (left out of the
    /// JSON when the delivery was not split).
    pub details_email: Option<EmailRecord>,
    pub warnings: Vec<String>,
    pub steps: Vec<StepRecord>,
    pub next_action: NextAction,
    pub round_trips: u32,
    /// Entra's own audit entry for the reset, once the admin has looked it up (left out until
    /// then).
    pub entra_audit: Option<EntraAuditEntry>,
}

fn ids_of(
    steps: &[StepRecord],
    pick: impl Fn(&StepRecord) -> bool,
) -> (Option<String>, Option<String>) {
    steps
        .iter()
        .rev()
        .find(|s| pick(s))
        .map_or((None, None), |s| {
            (s.request_id.clone(), Some(s.client_request_id.clone()))
        })
}

impl Receipt {
    /// Builds the receipt of a run.
    pub fn new(
        ctx: &ReceiptContext,
        admin: &AdminContext,
        plan: &Plan,
        report: &RunReport,
    ) -> Receipt {
        use super::run::Step;
        let (reset_rid, reset_crid) = ids_of(&report.steps, |s| {
            matches!(
                s.step,
                Step::ResetPassword | Step::WaitForOperation | Step::CreateTemporaryAccessPass
            )
        });
        let (state, detail) = match &report.reset {
            ResetState::NotAttempted => ("notAttempted", None),
            ResetState::Done => ("done", None),
            ResetState::Failed { reason, .. } => ("failed", Some(reason.clone())),
            ResetState::Unknown { why } => ("unknown", Some(why.clone())),
        };
        let reset = OutcomeRecord {
            state,
            detail,
            request_id: reset_rid,
            client_request_id: reset_crid,
        };
        let outcome = |email: &EmailState, step: Step| {
            let (state, detail) = match email {
                EmailState::NotRequested => return None,
                EmailState::Sent => ("sent", None),
                EmailState::NotSent { why } => ("notSent", Some(why.clone())),
                EmailState::Failed { reason, .. } => ("failed", Some(reason.clone())),
                EmailState::Unknown { why } => ("unknown", Some(why.clone())),
            };
            let (request_id, client_request_id) = ids_of(&report.steps, |s| s.step == step);
            Some(OutcomeRecord {
                state,
                detail,
                request_id,
                client_request_id,
            })
        };
        let details_email = ctx
            .details_to
            .as_ref()
            .zip(outcome(&report.details, Step::SendDetails))
            .map(|(to, outcome)| EmailRecord {
                to: vec![to.clone()],
                cc: Vec::new(),
                saved_to_sent_items: ctx.saved_to_sent_items,
                carries: "accountDetails",
                encryption_requested: None,
                outcome,
            });
        let email = outcome(&report.email, Step::SendEmail).map(|outcome| EmailRecord {
            to: ctx.to.clone(),
            cc: ctx.cc.clone(),
            saved_to_sent_items: ctx.saved_to_sent_items,
            carries: match (ctx.sealed_link, plan.path == ResetPath::TemporaryAccessPass) {
                (_, true) => "temporaryAccessPass",
                (true, false) => "sealedLink",
                (false, false) => "password",
            },
            encryption_requested: ctx.encryption_requested.clone(),
            outcome,
        });
        let is_tap = plan.path == ResetPath::TemporaryAccessPass;
        Receipt {
            receipt_version: 1,
            started_at: ctx.started_at.clone(),
            finished_at: ctx.finished_at.clone(),
            ticket: ctx.ticket.clone(),
            performed_by: PerformedBy {
                id: admin.id.clone(),
                user_principal_name: admin.user_principal_name.clone(),
                display_name: admin.display_name.clone(),
                acting_role: plan.acting_role.name(),
            },
            target: TargetRecord {
                id: plan.target_id.clone(),
                user_principal_name: plan.target_user_principal_name.clone(),
                display_name: plan.target_display_name.clone(),
                privileged: plan.privileged,
            },
            path: plan.path,
            credential: if is_tap {
                "temporaryAccessPass"
            } else {
                "password"
            },
            force_change_password_next_sign_in: !is_tap,
            temporary_access_pass: report.temporary_access_pass.as_ref().map(|t| TapRecord {
                lifetime_in_minutes: t.lifetime_in_minutes,
                is_usable_once: t.is_usable_once,
                start_date_time: t.start_date_time.clone(),
            }),
            reset,
            email,
            details_email,
            warnings: plan.warnings.iter().map(|w| w.message.clone()).collect(),
            steps: report.steps.clone(),
            next_action: report.next_action.clone(),
            round_trips: report.round_trips,
            entra_audit: None,
        }
    }

    /// The receipt as pretty JSON, for download.
    pub fn to_json(&self) -> String {
        self.to_value().to_json_pretty()
    }

    /// The receipt as a JSON value (camelCase names, enums by their variant names, members in
    /// declaration order; `entraAudit` left out until it is known).
    pub fn to_value(&self) -> Value {
        let mut m = Map::default();
        m.insert("receiptVersion", self.receipt_version);
        m.insert("startedAt", self.started_at.as_str());
        m.insert("finishedAt", self.finished_at.as_str());
        m.insert("ticket", self.ticket.as_str());
        let p = &self.performed_by;
        let mut by = Map::default();
        by.insert("id", p.id.as_str());
        by.insert("userPrincipalName", p.user_principal_name.clone());
        by.insert("displayName", p.display_name.clone());
        by.insert("actingRole", p.acting_role);
        m.insert("performedBy", by);
        let t = &self.target;
        let mut target = Map::default();
        target.insert("id", t.id.as_str());
        target.insert("userPrincipalName", t.user_principal_name.clone());
        target.insert("displayName", t.display_name.as_str());
        target.insert("privileged", t.privileged);
        m.insert("target", target);
        m.insert("path", self.path.name());
        m.insert("credential", self.credential);
        m.insert(
            "forceChangePasswordNextSignIn",
            self.force_change_password_next_sign_in,
        );
        m.insert(
            "temporaryAccessPass",
            self.temporary_access_pass.as_ref().map(|t| {
                let mut tap = Map::default();
                tap.insert("lifetimeInMinutes", t.lifetime_in_minutes);
                tap.insert("isUsableOnce", t.is_usable_once);
                tap.insert("startDateTime", t.start_date_time.clone());
                tap
            }),
        );
        m.insert("reset", &self.reset);
        m.insert("email", self.email.as_ref());
        if let Some(d) = &self.details_email {
            m.insert("detailsEmail", d);
        }
        m.insert("warnings", self.warnings.clone());
        m.insert(
            "steps",
            Value::Array(self.steps.iter().map(Value::from).collect()),
        );
        m.insert("nextAction", self.next_action.name());
        m.insert("roundTrips", self.round_trips);
        if let Some(a) = &self.entra_audit {
            m.insert("entraAudit", a);
        }
        m.into()
    }
}

impl From<&EmailRecord> for Value {
    fn from(e: &EmailRecord) -> Value {
        let mut m = Map::default();
        m.insert("to", e.to.clone());
        m.insert("cc", e.cc.clone());
        m.insert("savedToSentItems", e.saved_to_sent_items);
        m.insert("carries", e.carries);
        m.insert("encryptionRequested", e.encryption_requested.clone());
        m.insert("outcome", &e.outcome);
        m.into()
    }
}

impl From<&OutcomeRecord> for Value {
    fn from(o: &OutcomeRecord) -> Value {
        let mut m = Map::default();
        m.insert("state", o.state);
        m.insert("detail", o.detail.clone());
        m.insert("requestId", o.request_id.clone());
        m.insert("clientRequestId", o.client_request_id.clone());
        m.into()
    }
}

impl From<&StepRecord> for Value {
    fn from(s: &StepRecord) -> Value {
        let mut m = Map::default();
        m.insert("step", s.step.name());
        m.insert("attempt", s.attempt);
        m.insert("at", s.at.clone());
        m.insert("httpStatus", s.http_status);
        m.insert("outcome", s.outcome.as_str());
        m.insert("requestId", s.request_id.clone());
        m.insert("clientRequestId", s.client_request_id.as_str());
        m.insert("batchPart", s.batch_part.clone());
        m.into()
    }
}
