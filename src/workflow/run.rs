//! The runner: carries a [`Plan`] out through a [`GraphTransport`], and ends in a [`RunReport`]
//! that says exactly what is known.
//!
//! Sequential round trips, each the fewest the data allows:
//! - **Standard**: 1. One `$batch` with the PATCH and the sendMail `dependsOn` it, so Graph runs the
//!   send only after the reset succeeded (else it answers 424 for it). With split delivery the
//!   batch is [PATCH; details sendMail dependsOn PATCH; credential sendMail dependsOn details].
//! - **Authentication Methods**: 3 at best. The resetPassword (inside a `$batch`, whose answer
//!   carries `Location` and `Retry-After`, which the browser hides on a direct answer), at least one
//!   poll of the operation (also batched, for `Retry-After`), then the sendMail: the email may only
//!   go once the operation is `succeeded`, which no `dependsOn` can express.
//! - **Temporary Access Pass**: 2. The pass is created, and only then can the email that carries it
//!   be written.
//!
//! Safety of retries: 429 and 503 mean "not carried out", so anything is retried after them
//! (honouring `Retry-After` when readable, else exponential backoff with jitter), within a
//! [`RetryPolicy`]. A reset is repeated only with the same password and only while it is not
//! known to have succeeded. A sendMail is never repeated after an answer that may mean it went
//! out (a lost answer, a 504, a garbled batch answer): the report then says "unknown" and the
//! admin decides ([`send_email_again`]). Split delivery: the credential's message never goes
//! unless the account details message was accepted; a retry re-sends the details only together
//! with the credential's message, never on its own.

use core::fmt;

use rand::Rng;

use super::plan::{Plan, ResetPath};
use crate::graph::client::{send_once, Backoff, RetryPolicy};
use crate::graph::{
    endpoints, Advice, Batch, BatchAnswer, BatchBuilder, Call, GraphError, GraphErrorKind,
    GraphFailure, GraphResponse, GraphTransport, LongRunningOperation, MailMessage,
    MalformedAnswer, OperationStatus, PartAnswer, TapRequest, TemporaryAccessPass, TransportError,
};
use crate::secret::Secret;

/// The steps a run may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    ResetPassword,
    WaitForOperation,
    CreateTemporaryAccessPass,
    SendEmail,
    /// Split delivery: the account details, sent before the credential's message.
    SendDetails,
}

impl Step {
    /// The variant's name, as the receipt writes it.
    pub fn name(self) -> &'static str {
        match self {
            Step::ResetPassword => "ResetPassword",
            Step::WaitForOperation => "WaitForOperation",
            Step::CreateTemporaryAccessPass => "CreateTemporaryAccessPass",
            Step::SendEmail => "SendEmail",
            Step::SendDetails => "SendDetails",
        }
    }

    /// The step in the admin's words.
    pub fn label(self) -> &'static str {
        match self {
            Step::ResetPassword => "Reset the password",
            Step::WaitForOperation => "Wait for the reset to finish",
            Step::CreateTemporaryAccessPass => "Create the Temporary Access Pass",
            Step::SendEmail => "Send the welcome email",
            Step::SendDetails => "Send the account details",
        }
    }
}

/// Why the runner waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitReason {
    /// 429.
    Throttled,
    /// 503 or 504.
    Unavailable,
    /// The answer was lost; the request is safe to repeat.
    NoAnswer,
    /// The operation is still running.
    Polling,
}

/// Progress, pushed to the callback as it happens (the UI turns these into signals).
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    StepStarted {
        step: Step,
    },
    Waiting {
        step: Step,
        wait_ms: u32,
        attempt: u32,
        reason: WaitReason,
    },
    OperationStatus {
        status: OperationStatus,
    },
    StepFinished {
        step: Step,
        succeeded: bool,
        summary: String,
    },
}

fn seconds(ms: u32) -> u32 {
    ms.div_ceil(1000).max(1)
}

impl RunEvent {
    /// One line for the admin, e.g. "Graph is busy, retrying in 4 s".
    pub fn message(&self) -> String {
        match self {
            RunEvent::StepStarted { step } => format!("{}…", step.label()),
            RunEvent::Waiting {
                wait_ms, reason, ..
            } => match reason {
                WaitReason::Throttled => {
                    format!("Graph is busy, retrying in {} s", seconds(*wait_ms))
                }
                WaitReason::Unavailable => {
                    format!(
                        "Graph is temporarily unavailable, retrying in {} s",
                        seconds(*wait_ms)
                    )
                }
                WaitReason::NoAnswer => {
                    format!(
                        "No answer from Graph, trying again in {} s",
                        seconds(*wait_ms)
                    )
                }
                WaitReason::Polling => {
                    format!(
                        "The reset is still running, checking again in {} s",
                        seconds(*wait_ms)
                    )
                }
            },
            RunEvent::OperationStatus { status } => match status {
                OperationStatus::NotStarted => "The reset is queued".into(),
                OperationStatus::Running => "The reset is running".into(),
                OperationStatus::Succeeded => "The reset succeeded".into(),
                OperationStatus::Failed => "The reset failed".into(),
                OperationStatus::Unknown => "The reset is in progress".into(),
            },
            RunEvent::StepFinished { step, summary, .. } => format!("{}: {summary}", step.label()),
        }
    }
}

/// One request of the run, for the receipt (never a body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    pub step: Step,
    pub attempt: u32,
    /// When it was sent, if the transport has a clock.
    pub at: Option<String>,
    /// The HTTP status of this step's answer (the part's status inside a `$batch`).
    pub http_status: Option<u16>,
    pub outcome: String,
    /// Graph's `request-id` (from the answer's headers or the error body).
    pub request_id: Option<String>,
    /// The `client-request-id` Handover sent with the HTTP request that carried the step.
    pub client_request_id: String,
    /// The part id, when the step went inside a `$batch`.
    pub batch_part: Option<String>,
}

/// What is known of the reset (or of the pass's creation).
#[derive(Clone, Debug, PartialEq)]
pub enum ResetState {
    /// Nothing was sent (the session ended before the first request).
    NotAttempted,
    /// Graph confirmed it: 204 for a PATCH, `succeeded` for the operation, 201 for a pass.
    Done,
    /// Graph refused or the operation failed; the old password still works.
    Failed {
        reason: String,
        advice: Advice,
        error: Option<GraphFailure>,
    },
    /// It may or may not have happened.
    Unknown { why: String },
}

/// What is known of the welcome email.
#[derive(Clone, Debug, PartialEq)]
pub enum EmailState {
    /// The admin chose print or copy instead.
    NotRequested,
    /// Certainly not sent, because the reset did not succeed (or is not known to have).
    NotSent { why: String },
    /// Graph accepted it (202): accepted for delivery, not yet delivered.
    Sent,
    /// Certainly not sent: Graph refused it.
    Failed {
        reason: String,
        advice: Advice,
        error: GraphFailure,
    },
    /// It may have been sent: do not send again without asking the recipient.
    Unknown { why: String },
}

/// The one safe thing to offer next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextAction {
    /// All done: show the receipt.
    Done,
    /// Done, no email was wanted: show the credential with copy and print.
    ShowCredential,
    /// The reset succeeded but the email certainly did not go: show the credential with copy and
    /// print, and offer "retry sending".
    ShowCredentialAndOfferResend,
    /// The reset succeeded; the email may have gone. Show the credential; send again only if the
    /// recipient confirms nothing arrived.
    ConfirmDeliveryBeforeResending,
    /// The reset may or may not have happened: send nothing; check the user's last password
    /// change or the audit log, or start a new reset (a new password is then the valid one).
    VerifyReset,
    /// The reset did not happen: fix the cause (see the advice) and run again.
    FixAndRetry,
    /// The session ended before anything was sent: sign in again; the run's state is kept.
    SignInAgain,
}

impl NextAction {
    /// The variant's name, as the receipt writes it.
    pub fn name(&self) -> &'static str {
        match self {
            NextAction::Done => "Done",
            NextAction::ShowCredential => "ShowCredential",
            NextAction::ShowCredentialAndOfferResend => "ShowCredentialAndOfferResend",
            NextAction::ConfirmDeliveryBeforeResending => "ConfirmDeliveryBeforeResending",
            NextAction::VerifyReset => "VerifyReset",
            NextAction::FixAndRetry => "FixAndRetry",
            NextAction::SignInAgain => "SignInAgain",
        }
    }
}

/// A created Temporary Access Pass, to show and put in the email.
#[derive(Debug)]
pub struct IssuedTap {
    pub pass: Secret,
    pub lifetime_in_minutes: Option<u32>,
    pub is_usable_once: Option<bool>,
    pub start_date_time: Option<String>,
}

/// How a run ended.
#[derive(Debug)]
pub struct RunReport {
    pub path: ResetPath,
    pub reset: ResetState,
    /// The message holding the credential (or sealed link).
    pub email: EmailState,
    /// Split delivery: the account details message (`NotRequested` when not split).
    pub details: EmailState,
    /// The pass, on the TAP path once created.
    pub temporary_access_pass: Option<IssuedTap>,
    pub steps: Vec<StepRecord>,
    pub next_action: NextAction,
    /// HTTP requests made (all sequential).
    pub round_trips: u32,
    /// The last operation status seen (Authentication Methods path).
    pub operation_status: Option<OperationStatus>,
}

/// Limits of polling the reset operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// The wait when Graph gives no `Retry-After`; grows by half each poll up to `max_interval_ms`.
    pub interval_ms: u32,
    pub max_interval_ms: u32,
    pub max_polls: u32,
    pub max_total_wait_ms: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            interval_ms: 1_000,
            max_interval_ms: 5_000,
            max_polls: 40,
            max_total_wait_ms: 120_000,
        }
    }
}

/// The welcome email, composed once the credential is known (for a TAP, after it was created).
pub struct EmailDraft<'a> {
    /// Send from this shared mailbox instead of the admin's own (`/users/{mailbox}/sendMail`).
    pub from_mailbox: Option<String>,
    /// Renders the message around the credential (the welcome module's renderer).
    pub compose: &'a dyn Fn(&Secret) -> MailMessage,
    /// Split delivery: the account details message (no credential), sent first; `compose`'s
    /// message goes only once it was accepted.
    pub details: Option<&'a dyn Fn() -> MailMessage>,
}

impl fmt::Debug for EmailDraft<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailDraft")
            .field("from_mailbox", &self.from_mailbox)
            .finish()
    }
}

/// Everything a run needs besides the transport, the RNG and the event callback.
#[derive(Debug)]
pub struct RunRequest<'a> {
    pub plan: &'a Plan,
    /// The new password: required on the Standard and Authentication Methods paths.
    pub password: Option<&'a Secret>,
    /// Options of the pass, on the TAP path.
    pub tap: TapRequest,
    /// `None` when the admin hands the credential over another way.
    pub email: Option<EmailDraft<'a>>,
    pub retry: RetryPolicy,
    pub poll: PollPolicy,
}

impl<'a> RunRequest<'a> {
    /// A request with default limits.
    pub fn new(
        plan: &'a Plan,
        password: Option<&'a Secret>,
        email: Option<EmailDraft<'a>>,
    ) -> Self {
        RunRequest {
            plan,
            password,
            tap: TapRequest::default(),
            email,
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
        }
    }
}

const RESET_PART: &str = "reset";
const MAIL_PART: &str = "mail";
const DETAILS_PART: &str = "details";
const POLL_PART: &str = "poll";

/// One message of the run, in the order it goes.
struct Mail {
    step: Step,
    part: &'static str,
    call: Call,
}

/// The messages of `draft` around `credential`: the account details first when split.
fn mails_of(draft: &EmailDraft<'_>, credential: &Secret) -> Vec<Mail> {
    let from = draft.from_mailbox.as_deref();
    let mut out = Vec::new();
    if let Some(details) = draft.details {
        out.push(Mail {
            step: Step::SendDetails,
            part: DETAILS_PART,
            call: endpoints::send_mail(from, &details()),
        });
    }
    out.push(Mail {
        step: Step::SendEmail,
        part: MAIL_PART,
        call: endpoints::send_mail(from, &(draft.compose)(credential)),
    });
    out
}

fn held_back() -> EmailState {
    EmailState::NotSent {
        why: "Not sent, because the account details message did not go.".into(),
    }
}

/// The state that decides what to offer: the details message's until it went.
fn delivery<'s>(details: &'s EmailState, email: &'s EmailState) -> &'s EmailState {
    match (details, email) {
        (EmailState::NotRequested | EmailState::Sent, e) | (_, e @ EmailState::Unknown { .. }) => e,
        (d, _) => d,
    }
}

/// The outcome of one HTTP exchange.
enum Exchange {
    Answer(GraphResponse),
    Lost(TransportError),
}

struct Runner<'a, T: GraphTransport, R: Rng + ?Sized> {
    transport: &'a T,
    rng: &'a mut R,
    on_event: &'a mut dyn FnMut(RunEvent),
    steps: Vec<StepRecord>,
    round_trips: u32,
    /// Graph's `request-id` of the latest answer, when the transport could read it.
    last_request_id: Option<String>,
    /// Steps started and not yet finished, in the order they started.
    open_steps: Vec<Step>,
    /// Split delivery: the details message's state once settled.
    details: Option<EmailState>,
}

/// What one batch attempt told about one part.
enum PartResult<'p> {
    Ok(&'p PartAnswer),
    /// Certainly not carried out; worth retrying after `retry_after_ms`.
    Retry {
        error: GraphError,
    },
    /// May or may not have been carried out.
    Unknown {
        why: String,
    },
    /// Refused for good.
    Refused(GraphFailure),
    /// Not run because a dependency failed (424).
    Skipped,
}

fn classify_part(part: &PartAnswer) -> PartResult<'_> {
    match part.error() {
        None => PartResult::Ok(part),
        Some(e) if e.kind == GraphErrorKind::FailedDependency => PartResult::Skipped,
        Some(e) if e.status == 429 || e.status == 503 => PartResult::Retry { error: e },
        Some(e) if e.status >= 500 => PartResult::Unknown {
            why: format!("Graph answered {} {} for it", e.status, e.code),
        },
        Some(e) => PartResult::Refused(GraphFailure::from(e)),
    }
}

fn wait_reason(e: &GraphError) -> WaitReason {
    if e.status == 429 {
        WaitReason::Throttled
    } else {
        WaitReason::Unavailable
    }
}

/// What a whole batch exchange came to.
enum BatchResult {
    Answer(BatchAnswer, String),
    /// The batch as a whole was refused before running (outer 429/503: retry; else final).
    Refused(GraphError, String),
    /// No usable answer: any part may have run.
    Unknown(String, String),
    /// The session ended: nothing was sent.
    SignIn,
    /// Not sent for another reason.
    NotSent(String),
}

impl<'a, T: GraphTransport, R: Rng + ?Sized> Runner<'a, T, R> {
    fn emit(&mut self, event: RunEvent) {
        match &event {
            RunEvent::StepStarted { step } => self.open_steps.push(*step),
            RunEvent::StepFinished { step, .. } => self.open_steps.retain(|s| s != step),
            _ => {}
        }
        (self.on_event)(event);
    }

    /// Closes every step still shown as running, so the UI never keeps a spinner forever.
    fn close_open_steps(&mut self, reset: &ResetState, email: &EmailState) {
        for step in core::mem::take(&mut self.open_steps) {
            let mail = matches!(step, Step::SendEmail | Step::SendDetails);
            let email = match (step, &self.details) {
                (Step::SendDetails, Some(d)) => d,
                _ => email,
            };
            let summary = match (mail, reset, email) {
                (true, _, EmailState::NotSent { why } | EmailState::Unknown { why }) => why.clone(),
                (true, _, EmailState::Failed { advice, .. }) => advice.what_happened.clone(),
                (_, ResetState::Failed { advice, .. }, _) => advice.what_happened.clone(),
                (_, ResetState::Unknown { why }, _) => why.clone(),
                (_, ResetState::NotAttempted, _) => "not started: sign in again".to_owned(),
                _ => "ended".to_owned(),
            };
            let succeeded = match mail {
                true => *email == EmailState::Sent,
                false => *reset == ResetState::Done,
            };
            (self.on_event)(RunEvent::StepFinished {
                step,
                succeeded,
                summary,
            });
        }
    }

    async fn exchange(&mut self, req: crate::graph::GraphRequest) -> (String, Exchange) {
        self.round_trips += 1;
        let (id, result) = send_once(self.transport, &mut *self.rng, req).await;
        self.last_request_id = result
            .as_ref()
            .ok()
            .and_then(GraphResponse::request_id)
            .map(str::to_owned);
        match result {
            Ok(resp) => (id, Exchange::Answer(resp)),
            Err(e) => (id, Exchange::Lost(e)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        step: Step,
        attempt: u32,
        status: Option<u16>,
        outcome: impl Into<String>,
        request_id: Option<String>,
        client_request_id: &str,
        part: Option<&str>,
    ) {
        // One body for every kind of outcome text.
        self.record_string(
            step,
            attempt,
            status,
            outcome.into(),
            request_id,
            client_request_id,
            part,
        );
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn record_string(
        &mut self,
        step: Step,
        attempt: u32,
        status: Option<u16>,
        outcome: String,
        request_id: Option<String>,
        client_request_id: &str,
        part: Option<&str>,
    ) {
        let at = self.transport.now();
        self.steps.push(StepRecord {
            step,
            attempt,
            at,
            http_status: status,
            outcome,
            request_id: request_id.or_else(|| self.last_request_id.clone()),
            client_request_id: client_request_id.to_owned(),
            batch_part: part.map(str::to_owned),
        });
    }

    async fn send_batch(&mut self, batch: Batch) -> BatchResult {
        let (crid, exchange) = self.exchange(batch.into_request()).await;
        match exchange {
            Exchange::Lost(TransportError::SignInRequired) => BatchResult::SignIn,
            Exchange::Lost(TransportError::NotSent { reason }) => BatchResult::NotSent(reason),
            Exchange::Lost(TransportError::NoAnswer { detail }) => {
                BatchResult::Unknown(format!("no answer from Graph ({detail})"), crid)
            }
            Exchange::Answer(resp) => match BatchAnswer::from_response(&resp) {
                Ok(answer) => BatchResult::Answer(answer, crid),
                Err(GraphFailure::Graph(e)) if e.certainly_not_applied() => {
                    BatchResult::Refused(*e, crid)
                }
                Err(GraphFailure::Graph(e)) => {
                    BatchResult::Unknown(format!("Graph answered {} {}", e.status, e.code), crid)
                }
                Err(other) => BatchResult::Unknown(other.to_string(), crid),
            },
        }
    }

    async fn wait(&mut self, step: Step, ms: u32, attempt: u32, reason: WaitReason) {
        self.emit(RunEvent::Waiting {
            step,
            wait_ms: ms,
            attempt,
            reason,
        });
        self.transport.sleep(ms).await;
    }

    /// Sends the email alone, inside a `$batch` so that `Retry-After` can be read. Retries only
    /// what certainly was not carried out.
    async fn send_mail(
        &mut self,
        mail: &Mail,
        policy: RetryPolicy,
        mut backoff: Option<Backoff>,
    ) -> EmailState {
        let mut backoff = backoff.take().unwrap_or_else(|| Backoff::new(policy));
        loop {
            let attempt = backoff.attempt();
            let mut b = BatchBuilder::new();
            if let Err(e) = b.add(mail.part, mail.call.duplicate()) {
                return email_not_sent_internal(e.to_string());
            }
            let batch = match b.build() {
                Ok(batch) => batch,
                Err(e) => return email_not_sent_internal(e.to_string()),
            };
            let retry_error = match self.send_batch(batch).await {
                BatchResult::Answer(answer, crid) => {
                    match self.read_mail_part(mail, answer.get(mail.part), attempt, &crid) {
                        MailPart::Sent => return EmailState::Sent,
                        MailPart::Retry(error) => error,
                        MailPart::Skipped => {
                            GraphError::from_json(424, &crate::graph::Headers::new(), None)
                        }
                        MailPart::Unknown(why) => return EmailState::Unknown { why },
                        MailPart::Refused(failure) => return email_failed(failure),
                    }
                }
                BatchResult::Refused(error, crid) => {
                    self.record(
                        mail.step,
                        attempt,
                        Some(error.status),
                        error.code.clone(),
                        error.request_id.clone(),
                        &crid,
                        None,
                    );
                    if !error.is_transient() {
                        return email_failed(GraphFailure::from(error));
                    }
                    error
                }
                BatchResult::Unknown(why, crid) => {
                    self.record(mail.step, attempt, None, why.clone(), None, &crid, None);
                    return EmailState::Unknown { why };
                }
                BatchResult::SignIn => {
                    return email_failed(GraphFailure::Transport(TransportError::SignInRequired));
                }
                BatchResult::NotSent(reason) => {
                    return email_failed(GraphFailure::Transport(TransportError::NotSent {
                        reason,
                    }));
                }
            };
            match backoff.next_delay(retry_error.retry_after_ms, &mut *self.rng) {
                Some(ms) => {
                    self.wait(mail.step, ms, backoff.attempt(), wait_reason(&retry_error))
                        .await
                }
                None => return email_failed(GraphFailure::from(retry_error)),
            }
        }
    }

    /// Ends a message's step on screen; keeps the details message's state.
    fn finish_mail(&mut self, step: Step, email: &EmailState) {
        if step == Step::SendDetails {
            self.details = Some(email.clone());
        }
        let (succeeded, summary) = match email {
            EmailState::NotRequested => return,
            EmailState::Sent => (true, "accepted by Exchange".to_owned()),
            EmailState::NotSent { why } | EmailState::Unknown { why } => (false, why.clone()),
            EmailState::Failed { advice, .. } => (false, advice.what_happened.clone()),
        };
        self.emit(RunEvent::StepFinished {
            step,
            succeeded,
            summary,
        });
    }

    /// Sends `mails` one after the other, each only once the one before was accepted. Returns
    /// the last one's state.
    async fn send_chain(
        &mut self,
        mails: &[Mail],
        retry: RetryPolicy,
        started: bool,
    ) -> EmailState {
        let mut state = EmailState::NotRequested;
        for mail in mails {
            if !started {
                self.emit(RunEvent::StepStarted { step: mail.step });
            }
            state = match state {
                EmailState::NotRequested | EmailState::Sent => {
                    self.send_mail(mail, retry, None).await
                }
                _ => held_back(),
            };
            self.finish_mail(mail.step, &state);
        }
        state
    }

    /// The messages' parts of the batch that set the password, in order: a message whose
    /// predecessor did not go was not run by Graph (424) and is not sent.
    async fn settle_batch_mails(
        &mut self,
        answer: &BatchAnswer,
        attempt: u32,
        crid: &str,
        mails: &[Mail],
        retry: RetryPolicy,
    ) -> EmailState {
        let mut state = EmailState::NotRequested;
        for mail in mails {
            let part = answer.get(mail.part);
            state = match (&state, part.map(classify_part)) {
                (EmailState::NotRequested | EmailState::Sent, _) => {
                    self.settle_mail_part(mail, part, attempt, crid, retry)
                        .await
                }
                (_, Some(PartResult::Ok(p))) => {
                    self.record(
                        mail.step,
                        attempt,
                        Some(p.status),
                        "accepted",
                        None,
                        crid,
                        Some(mail.part),
                    );
                    EmailState::Sent
                }
                (_, Some(PartResult::Unknown { why })) => EmailState::Unknown { why },
                (_, None) => EmailState::Unknown {
                    why: "Graph's answer did not include the email.".into(),
                },
                (_, Some(_)) => {
                    self.record(
                        mail.step,
                        attempt,
                        part.map(|p| p.status),
                        "not run",
                        None,
                        crid,
                        Some(mail.part),
                    );
                    held_back()
                }
            };
            self.finish_mail(mail.step, &state);
        }
        state
    }

    /// One message's part of the batch that set the password.
    async fn settle_mail_part(
        &mut self,
        mail: &Mail,
        part: Option<&PartAnswer>,
        attempt: u32,
        crid: &str,
        retry: RetryPolicy,
    ) -> EmailState {
        match self.read_mail_part(mail, part, attempt, crid) {
            MailPart::Sent => EmailState::Sent,
            MailPart::Retry(error) => {
                // Refused before running: send it alone, within the same budget.
                let mut mail_backoff = Backoff::new(retry);
                match mail_backoff.next_delay(error.retry_after_ms, &mut *self.rng) {
                    Some(ms) => {
                        self.wait(mail.step, ms, mail_backoff.attempt(), wait_reason(&error))
                            .await;
                        self.send_mail(mail, retry, Some(mail_backoff)).await
                    }
                    None => email_failed(GraphFailure::from(error)),
                }
            }
            MailPart::Skipped => self.send_mail(mail, retry, None).await,
            MailPart::Unknown(why) => EmailState::Unknown { why },
            MailPart::Refused(failure) => email_failed(failure),
        }
    }

    /// Records what a message's part of a `$batch` answer says as one attempt of its step.
    fn read_mail_part(
        &mut self,
        mail: &Mail,
        part: Option<&PartAnswer>,
        attempt: u32,
        crid: &str,
    ) -> MailPart {
        let Some(part) = part else {
            self.record(
                mail.step,
                attempt,
                None,
                "missing from the answer",
                None,
                crid,
                Some(mail.part),
            );
            return MailPart::Unknown("Graph's answer did not include the email.".into());
        };
        let (status, what, request_id, read) = match classify_part(part) {
            PartResult::Ok(p) => (Some(p.status), "accepted".to_owned(), None, MailPart::Sent),
            PartResult::Retry { error } => (
                Some(error.status),
                error.code.clone(),
                error.request_id.clone(),
                MailPart::Retry(error),
            ),
            PartResult::Skipped => (Some(424), "not run".to_owned(), None, MailPart::Skipped),
            PartResult::Unknown { why } => {
                (Some(part.status), why.clone(), None, MailPart::Unknown(why))
            }
            PartResult::Refused(failure) => {
                let e = failure.graph_error();
                (
                    e.map(|e| e.status),
                    e.map_or_else(|| failure.to_string(), |e| e.code.clone()),
                    e.and_then(|e| e.request_id.clone()),
                    MailPart::Refused(failure),
                )
            }
        };
        self.record(
            mail.step,
            attempt,
            status,
            what,
            request_id,
            crid,
            Some(mail.part),
        );
        read
    }
}

/// What a message's part of a `$batch` answer says (see [`classify_part`]).
enum MailPart {
    Sent,
    Retry(GraphError),
    Skipped,
    Unknown(String),
    Refused(GraphFailure),
}

fn email_failed(error: GraphFailure) -> EmailState {
    let advice = error.advice();
    EmailState::Failed {
        reason: error.to_string(),
        advice,
        error,
    }
}

fn email_not_sent_internal(why: String) -> EmailState {
    EmailState::NotSent { why }
}

fn reset_failed(error: GraphFailure) -> ResetState {
    let advice = error.advice();
    ResetState::Failed {
        reason: error.to_string(),
        advice,
        error: Some(error),
    }
}

fn next_action(reset: &ResetState, email: &EmailState) -> NextAction {
    match (reset, email) {
        (ResetState::NotAttempted, _) => NextAction::SignInAgain,
        (
            ResetState::Failed {
                error: Some(GraphFailure::Transport(TransportError::SignInRequired)),
                ..
            },
            _,
        ) => NextAction::SignInAgain,
        (ResetState::Failed { .. }, _) => NextAction::FixAndRetry,
        (ResetState::Unknown { .. }, _) => NextAction::VerifyReset,
        (ResetState::Done, EmailState::Sent) => NextAction::Done,
        (ResetState::Done, EmailState::NotRequested) => NextAction::ShowCredential,
        (ResetState::Done, EmailState::Unknown { .. }) => {
            NextAction::ConfirmDeliveryBeforeResending
        }
        (ResetState::Done, EmailState::Failed { .. } | EmailState::NotSent { .. }) => {
            NextAction::ShowCredentialAndOfferResend
        }
    }
}

fn missing_password() -> ResetState {
    ResetState::Failed {
        reason: "No password was given for a password reset.".into(),
        advice: Advice {
            what_happened: "Handover had no password to set.".into(),
            what_to_do: "Generate or type a password, then run again.".into(),
        },
        error: None,
    }
}

/// Carries `request.plan` out. Events go to `on_event` as they happen; the report says what is
/// known at the end, and which single action is safe next.
///
/// ```
/// # use handover::graph::{GraphRequest, GraphResponse, GraphTransport, TransportError};
/// # use handover::workflow::{plan, run};
/// # struct Fake;
/// # impl GraphTransport for Fake {
/// #     async fn send(&self, _r: GraphRequest) -> Result<GraphResponse, TransportError> {
/// #         Ok(GraphResponse::new(200, r#"{"responses":[{"id":"reset","status":204}]}"#))
/// #     }
/// #     async fn sleep(&self, _ms: u32) {}
/// # }
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// # let user: handover::graph::User = handover::json::read(r#"{"id":"u1","lastPasswordChangeDateTime":"x"}"#).unwrap();
/// # let admin = plan::AdminContext::new("a1", vec![handover::workflow::roles::template::USER_ADMINISTRATOR.into()], "User.ReadWrite.All");
/// # let options = plan::PlanOptions { send_email: false, ..Default::default() };
/// let the_plan = plan::plan(&user, &plan::TargetRoles::none(), &admin, &options).unwrap();
/// let password = handover::secret::Secret::new("Correct-Horse-7".into());
/// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
/// # use rand::SeedableRng;
/// let report = block_on(run::run(&Fake, &mut rng, run::RunRequest::new(&the_plan, Some(&password), None), &mut |e| println!("{}", e.message())));
/// assert_eq!(report.next_action, run::NextAction::ShowCredential);
/// ```
pub async fn run<T: GraphTransport, R: Rng + ?Sized>(
    transport: &T,
    rng: &mut R,
    request: RunRequest<'_>,
    on_event: &mut dyn FnMut(RunEvent),
) -> RunReport {
    let mut runner = Runner {
        transport,
        rng,
        on_event,
        steps: Vec::new(),
        round_trips: 0,
        last_request_id: None,
        open_steps: Vec::new(),
        details: None,
    };
    let split = request.email.as_ref().is_some_and(|d| d.details.is_some());
    let path = request.plan.path;
    let (reset, email, tap, operation_status) = match path {
        ResetPath::Standard => {
            let (r, e) = run_standard(&mut runner, &request).await;
            (r, e, None, None)
        }
        ResetPath::AuthenticationMethods => {
            let (r, e, s) = run_auth_methods(&mut runner, &request).await;
            (r, e, None, s)
        }
        ResetPath::TemporaryAccessPass => {
            let (r, e, t) = run_tap(&mut runner, &request).await;
            (r, e, t, None)
        }
    };
    runner.close_open_steps(&reset, &email);
    // Unless it was settled on its own, the details message shares the credential's fate (both
    // not sent because of the reset, or both in a lost answer).
    let details = match (split, runner.details.take()) {
        (false, _) => EmailState::NotRequested,
        (true, Some(d)) => d,
        (true, None) => email.clone(),
    };
    let next_action = next_action(&reset, delivery(&details, &email));
    RunReport {
        path,
        reset,
        email,
        details,
        temporary_access_pass: tap,
        steps: runner.steps,
        next_action,
        round_trips: runner.round_trips,
        operation_status,
    }
}

fn not_sent_because(reset: &ResetState) -> EmailState {
    match reset {
        ResetState::Done => EmailState::NotSent {
            why: "internal: reset done".into(),
        },
        ResetState::Unknown { .. } => EmailState::NotSent {
            why: "The email was not sent because the reset is not known to have succeeded.".into(),
        },
        _ => EmailState::NotSent {
            why: "The email was not sent because the reset did not succeed.".into(),
        },
    }
}

async fn run_standard<T: GraphTransport, R: Rng + ?Sized>(
    runner: &mut Runner<'_, T, R>,
    request: &RunRequest<'_>,
) -> (ResetState, EmailState) {
    let Some(password) = request.password else {
        return (
            missing_password(),
            EmailState::NotSent {
                why: "No reset was made.".into(),
            },
        );
    };
    let target = &request.plan.target_id;
    let mails = request
        .email
        .as_ref()
        .map_or_else(Vec::new, |d| mails_of(d, password));
    let mut include_mail = !mails.is_empty();
    // Set when the email's fate became unknown (the combined batch got no usable answer).
    let mut email_unknown: Option<String> = None;
    let mut backoff = Backoff::new(request.retry);
    runner.emit(RunEvent::StepStarted {
        step: Step::ResetPassword,
    });
    for mail in &mails {
        runner.emit(RunEvent::StepStarted { step: mail.step });
    }
    loop {
        let attempt = backoff.attempt();
        let mut b = BatchBuilder::new();
        let built = b
            .add(RESET_PART, endpoints::patch_password(target, password))
            .is_ok()
            && (!include_mail || {
                // Each message only after the one before it: the reset, then the details, then
                // the credential.
                let mut after = RESET_PART;
                mails.iter().all(|m| {
                    let ok = b.add_after(m.part, m.call.duplicate(), &[after]).is_ok();
                    after = m.part;
                    ok
                })
            });
        let batch = match (built, b.build()) {
            (true, Ok(batch)) => batch,
            _ => {
                return (
                    missing_password(),
                    EmailState::NotSent {
                        why: "internal batch error".into(),
                    },
                )
            }
        };
        let (retry_error, reason) = match runner.send_batch(batch).await {
            BatchResult::SignIn => {
                // Earlier attempts that were all refused (429/503) changed nothing.
                let reset = if !runner_saw_unknown(runner) {
                    ResetState::NotAttempted
                } else {
                    ResetState::Unknown {
                        why: "The session ended while the reset's outcome was unknown.".into(),
                    }
                };
                let email = match email_unknown {
                    Some(why) => EmailState::Unknown { why },
                    None => not_sent_because(&reset),
                };
                return (reset, email);
            }
            BatchResult::NotSent(reason) => {
                let reset = if !runner_saw_unknown(runner) {
                    reset_failed(GraphFailure::Transport(TransportError::NotSent { reason }))
                } else {
                    ResetState::Unknown { why: reason }
                };
                let email = match email_unknown {
                    Some(why) => EmailState::Unknown { why },
                    None => not_sent_because(&reset),
                };
                return (reset, email);
            }
            BatchResult::Refused(error, crid) => {
                runner.record(
                    Step::ResetPassword,
                    attempt,
                    Some(error.status),
                    error.code.clone(),
                    error.request_id.clone(),
                    &crid,
                    None,
                );
                if !error.is_transient() {
                    let email = match email_unknown {
                        Some(why) => EmailState::Unknown { why },
                        None => EmailState::NotSent {
                            why: "The email was not sent because the reset did not succeed.".into(),
                        },
                    };
                    let reset = if error.kind == GraphErrorKind::InvalidToken
                        && !runner_saw_unknown(runner)
                    {
                        ResetState::NotAttempted
                    } else {
                        reset_failed(GraphFailure::from(error))
                    };
                    return (reset, email);
                }
                let reason = wait_reason(&error);
                (Some(error), reason)
            }
            BatchResult::Unknown(why, crid) => {
                runner.record(
                    Step::ResetPassword,
                    attempt,
                    None,
                    why.clone(),
                    None,
                    &crid,
                    None,
                );
                if include_mail {
                    // The email may have gone with the reset: never send it again on our own.
                    email_unknown = Some(format!(
                        "The request that carried the email got no usable answer ({why})."
                    ));
                    include_mail = false;
                }
                (None, WaitReason::NoAnswer)
            }
            BatchResult::Answer(answer, crid) => {
                let reset_part = answer.get(RESET_PART);
                let reset_result = match reset_part {
                    Some(p) => classify_part(p),
                    None => PartResult::Unknown {
                        why: "the answer did not include the reset".into(),
                    },
                };
                match reset_result {
                    PartResult::Ok(p) => {
                        runner.record(
                            Step::ResetPassword,
                            attempt,
                            Some(p.status),
                            "password set",
                            None,
                            &crid,
                            Some(RESET_PART),
                        );
                        runner.emit(RunEvent::StepFinished {
                            step: Step::ResetPassword,
                            succeeded: true,
                            summary: "password set".into(),
                        });
                        // The reset is done and never repeated; now the email parts.
                        let email = if mails.is_empty() {
                            EmailState::NotRequested
                        } else if include_mail {
                            runner
                                .settle_batch_mails(&answer, attempt, &crid, &mails, request.retry)
                                .await
                        } else if let Some(why) = email_unknown.take() {
                            let unknown = EmailState::Unknown { why };
                            for mail in &mails {
                                runner.finish_mail(mail.step, &unknown);
                            }
                            unknown
                        } else {
                            // Not included in this batch and not unknown: send them now.
                            runner.send_chain(&mails, request.retry, true).await
                        };
                        return (ResetState::Done, email);
                    }
                    PartResult::Retry { error } => {
                        runner.record(
                            Step::ResetPassword,
                            attempt,
                            Some(error.status),
                            error.code.clone(),
                            error.request_id.clone(),
                            &crid,
                            Some(RESET_PART),
                        );
                        record_skipped_mail(runner, &answer, attempt, &crid, include_mail, &mails);
                        let reason = wait_reason(&error);
                        (Some(error), reason)
                    }
                    PartResult::Unknown { why } => {
                        // A 504 on the PATCH: it may have happened. The mail part depended on it,
                        // so it was not run (424), unless it is missing too.
                        runner.record(
                            Step::ResetPassword,
                            attempt,
                            reset_part.map(|p| p.status),
                            why.clone(),
                            None,
                            &crid,
                            Some(RESET_PART),
                        );
                        if include_mail && answer.get(mails[0].part).is_none_or(|p| p.status != 424)
                        {
                            email_unknown = Some(format!(
                                "The email's answer was lost with the reset's ({why})."
                            ));
                            include_mail = false;
                        } else {
                            record_skipped_mail(
                                runner,
                                &answer,
                                attempt,
                                &crid,
                                include_mail,
                                &mails,
                            );
                        }
                        (None, WaitReason::Unavailable)
                    }
                    PartResult::Refused(failure) => {
                        let e = failure.graph_error();
                        runner.record(
                            Step::ResetPassword,
                            attempt,
                            e.map(|e| e.status),
                            e.map_or_else(|| failure.to_string(), |e| e.code.clone()),
                            e.and_then(|e| e.request_id.clone()),
                            &crid,
                            Some(RESET_PART),
                        );
                        record_skipped_mail(runner, &answer, attempt, &crid, include_mail, &mails);
                        runner.emit(RunEvent::StepFinished {
                            step: Step::ResetPassword,
                            succeeded: false,
                            summary: failure.advice().what_happened,
                        });
                        let email = match email_unknown {
                            Some(why) => EmailState::Unknown { why },
                            None => EmailState::NotSent {
                                why: "The email was not sent because the reset did not succeed."
                                    .into(),
                            },
                        };
                        return (reset_failed(failure), email);
                    }
                    PartResult::Skipped => {
                        runner.record(
                            Step::ResetPassword,
                            attempt,
                            Some(424),
                            "not run",
                            None,
                            &crid,
                            Some(RESET_PART),
                        );
                        (None, WaitReason::Unavailable)
                    }
                }
            }
        };
        let retry_after = retry_error.as_ref().and_then(|e| e.retry_after_ms);
        match backoff.next_delay(retry_after, &mut *runner.rng) {
            Some(ms) => {
                runner
                    .wait(Step::ResetPassword, ms, backoff.attempt(), reason)
                    .await
            }
            None => {
                let reset = match retry_error {
                    // Every attempt was refused before running: certainly not reset.
                    Some(e) if e.certainly_not_applied() && !runner_saw_unknown(runner) => {
                        reset_failed(GraphFailure::from(e))
                    }
                    _ => ResetState::Unknown {
                        why: "Graph did not confirm the reset within the retry limits.".into(),
                    },
                };
                let email = match email_unknown {
                    Some(why) => EmailState::Unknown { why },
                    None => not_sent_because(&reset),
                };
                runner.emit(RunEvent::StepFinished {
                    step: Step::ResetPassword,
                    succeeded: false,
                    summary: "not confirmed".into(),
                });
                return (reset, email);
            }
        }
    }
}

/// Whether an earlier attempt of the reset ended with an unknown outcome (then a later refusal
/// does not prove the password unchanged).
fn runner_saw_unknown<T: GraphTransport, R: Rng + ?Sized>(runner: &Runner<'_, T, R>) -> bool {
    runner.steps.iter().any(|s| {
        s.step == Step::ResetPassword && s.http_status.is_none_or(|st| st >= 500 && st != 503)
    })
}

fn record_skipped_mail<T: GraphTransport, R: Rng + ?Sized>(
    runner: &mut Runner<'_, T, R>,
    answer: &BatchAnswer,
    attempt: u32,
    crid: &str,
    include_mail: bool,
    mails: &[Mail],
) {
    for mail in mails.iter().filter(|_| include_mail) {
        let status = answer.get(mail.part).map(|p| p.status);
        runner.record(
            mail.step,
            attempt,
            status,
            "not run: the reset did not succeed",
            None,
            crid,
            Some(mail.part),
        );
    }
}

async fn run_auth_methods<T: GraphTransport, R: Rng + ?Sized>(
    runner: &mut Runner<'_, T, R>,
    request: &RunRequest<'_>,
) -> (ResetState, EmailState, Option<OperationStatus>) {
    let Some(password) = request.password else {
        return (
            missing_password(),
            EmailState::NotSent {
                why: "No reset was made.".into(),
            },
            None,
        );
    };
    let target = &request.plan.target_id;
    runner.emit(RunEvent::StepStarted {
        step: Step::ResetPassword,
    });
    let mut backoff = Backoff::new(request.retry);
    let mut saw_unknown = false;
    // 1. Start the operation; find its Location.
    let (operation_path, first_wait) = loop {
        let attempt = backoff.attempt();
        let mut b = BatchBuilder::new();
        let batch = match b.add(RESET_PART, endpoints::reset_password(target, password)) {
            Ok(_) => b.build(),
            Err(e) => Err(e),
        };
        let Ok(batch) = batch else {
            return (
                missing_password(),
                EmailState::NotSent {
                    why: "internal batch error".into(),
                },
                None,
            );
        };
        let (retry_error, reason) = match runner.send_batch(batch).await {
            BatchResult::SignIn => {
                let reset = if saw_unknown {
                    ResetState::Unknown {
                        why: "The session ended while the reset's outcome was unknown.".into(),
                    }
                } else {
                    ResetState::NotAttempted
                };
                let email = not_sent_because(&reset);
                return (reset, email, None);
            }
            BatchResult::NotSent(reason) => {
                let reset = if saw_unknown {
                    ResetState::Unknown { why: reason }
                } else {
                    reset_failed(GraphFailure::Transport(TransportError::NotSent { reason }))
                };
                let email = not_sent_because(&reset);
                return (reset, email, None);
            }
            BatchResult::Refused(error, crid) => {
                runner.record(
                    Step::ResetPassword,
                    attempt,
                    Some(error.status),
                    error.code.clone(),
                    error.request_id.clone(),
                    &crid,
                    None,
                );
                if !error.is_transient() {
                    let reset = if saw_unknown {
                        ResetState::Unknown {
                            why: error.to_string(),
                        }
                    } else {
                        reset_failed(GraphFailure::from(error))
                    };
                    let email = not_sent_because(&reset);
                    return (reset, email, None);
                }
                let reason = wait_reason(&error);
                (Some(error), reason)
            }
            BatchResult::Unknown(why, crid) => {
                runner.record(Step::ResetPassword, attempt, None, why, None, &crid, None);
                saw_unknown = true;
                (None, WaitReason::NoAnswer)
            }
            BatchResult::Answer(answer, crid) => match answer.get(RESET_PART).map(classify_part) {
                Some(PartResult::Ok(p)) => {
                    let location = p
                        .location()
                        .and_then(crate::graph::batch::version_relative_path);
                    runner.record(
                        Step::ResetPassword,
                        attempt,
                        Some(p.status),
                        "accepted",
                        None,
                        &crid,
                        Some(RESET_PART),
                    );
                    match location {
                        Some(path) => break (path, p.retry_after_ms()),
                        None => {
                            let reset = ResetState::Unknown {
                                why: "Graph accepted the reset but named no operation to follow."
                                    .into(),
                            };
                            let email = not_sent_because(&reset);
                            return (reset, email, None);
                        }
                    }
                }
                Some(PartResult::Retry { error }) => {
                    runner.record(
                        Step::ResetPassword,
                        attempt,
                        Some(error.status),
                        error.code.clone(),
                        error.request_id.clone(),
                        &crid,
                        Some(RESET_PART),
                    );
                    let reason = wait_reason(&error);
                    (Some(error), reason)
                }
                Some(PartResult::Refused(failure)) => {
                    let e = failure.graph_error();
                    runner.record(
                        Step::ResetPassword,
                        attempt,
                        e.map(|e| e.status),
                        e.map_or_else(|| failure.to_string(), |e| e.code.clone()),
                        e.and_then(|e| e.request_id.clone()),
                        &crid,
                        Some(RESET_PART),
                    );
                    runner.emit(RunEvent::StepFinished {
                        step: Step::ResetPassword,
                        succeeded: false,
                        summary: failure.advice().what_happened,
                    });
                    let reset = if saw_unknown {
                        ResetState::Unknown {
                            why: failure.to_string(),
                        }
                    } else {
                        reset_failed(failure)
                    };
                    let email = not_sent_because(&reset);
                    return (reset, email, None);
                }
                Some(PartResult::Unknown { why }) => {
                    runner.record(
                        Step::ResetPassword,
                        attempt,
                        answer.get(RESET_PART).map(|p| p.status),
                        why,
                        None,
                        &crid,
                        Some(RESET_PART),
                    );
                    saw_unknown = true;
                    (None, WaitReason::Unavailable)
                }
                Some(PartResult::Skipped) | None => {
                    runner.record(
                        Step::ResetPassword,
                        attempt,
                        None,
                        "missing from the answer",
                        None,
                        &crid,
                        Some(RESET_PART),
                    );
                    saw_unknown = true;
                    (None, WaitReason::NoAnswer)
                }
            },
        };
        // The same password is sent again: the end state is the same whether or not a lost
        // attempt went through.
        match backoff.next_delay(
            retry_error.as_ref().and_then(|e| e.retry_after_ms),
            &mut *runner.rng,
        ) {
            Some(ms) => {
                runner
                    .wait(Step::ResetPassword, ms, backoff.attempt(), reason)
                    .await
            }
            None => {
                let reset = match retry_error {
                    Some(e) if !saw_unknown => reset_failed(GraphFailure::from(e)),
                    _ => ResetState::Unknown {
                        why: "Graph did not confirm the reset within the retry limits.".into(),
                    },
                };
                let email = not_sent_because(&reset);
                return (reset, email, None);
            }
        }
    };

    // 2. Poll the operation to a final state.
    runner.emit(RunEvent::StepStarted {
        step: Step::WaitForOperation,
    });
    let poll = request.poll;
    let mut interval = poll.interval_ms;
    let mut waited: u32 = 0;
    let mut next_wait = first_wait.unwrap_or(interval);
    let mut last_status = None;
    let mut polls = 0;
    let final_status = loop {
        // The first poll always happens, even after a long Retry-After (capped to the budget).
        if polls == 0 {
            next_wait = next_wait.min(poll.max_total_wait_ms);
        }
        if polls >= poll.max_polls || waited.saturating_add(next_wait) > poll.max_total_wait_ms {
            let reset = ResetState::Unknown {
                why: format!(
                    "The reset was still {} after {} s; it may still finish.",
                    match last_status {
                        Some(OperationStatus::NotStarted) => "queued",
                        _ => "running",
                    },
                    waited / 1000
                ),
            };
            let email = not_sent_because(&reset);
            return (reset, email, last_status);
        }
        runner
            .wait(
                Step::WaitForOperation,
                next_wait,
                polls + 1,
                WaitReason::Polling,
            )
            .await;
        waited += next_wait;
        polls += 1;
        interval = (interval + interval / 2).min(poll.max_interval_ms);
        next_wait = interval;
        let mut b = BatchBuilder::new();
        let batch = match b.add(POLL_PART, endpoints::get_operation(&operation_path)) {
            Ok(_) => b.build(),
            Err(e) => Err(e),
        };
        let Ok(batch) = batch else {
            return (
                ResetState::Unknown {
                    why: "internal batch error".into(),
                },
                EmailState::NotSent {
                    why: "The reset is not known to have succeeded.".into(),
                },
                last_status,
            );
        };
        match runner.send_batch(batch).await {
            BatchResult::Answer(answer, crid) => match answer.get(POLL_PART) {
                Some(p) if p.is_success() => match p.json::<LongRunningOperation>("operation") {
                    Ok(op) => {
                        runner.record(
                            Step::WaitForOperation,
                            polls,
                            Some(p.status),
                            op.status.name(),
                            None,
                            &crid,
                            Some(POLL_PART),
                        );
                        runner.emit(RunEvent::OperationStatus { status: op.status });
                        last_status = Some(op.status);
                        if let Some(ms) = p.retry_after_ms() {
                            next_wait = ms;
                        }
                        if op.status.is_final() {
                            break op;
                        }
                    }
                    Err(f) => {
                        runner.record(
                            Step::WaitForOperation,
                            polls,
                            Some(p.status),
                            f.to_string(),
                            None,
                            &crid,
                            Some(POLL_PART),
                        );
                    }
                },
                Some(p) => {
                    let e = p.error();
                    runner.record(
                        Step::WaitForOperation,
                        polls,
                        Some(p.status),
                        e.as_ref().map_or("error".to_owned(), |e| e.code.clone()),
                        e.as_ref().and_then(|e| e.request_id.clone()),
                        &crid,
                        Some(POLL_PART),
                    );
                    match e {
                        Some(e) if e.is_transient() => {
                            if let Some(ms) = e.retry_after_ms {
                                next_wait = ms;
                            }
                        }
                        _ => {
                            let reset = ResetState::Unknown {
                                why: format!(
                                    "The reset's progress could not be read (HTTP {}).",
                                    p.status
                                ),
                            };
                            let email = not_sent_because(&reset);
                            return (reset, email, last_status);
                        }
                    }
                }
                None => runner.record(
                    Step::WaitForOperation,
                    polls,
                    None,
                    "missing from the answer",
                    None,
                    &crid,
                    Some(POLL_PART),
                ),
            },
            BatchResult::Refused(e, crid) => {
                runner.record(
                    Step::WaitForOperation,
                    polls,
                    Some(e.status),
                    e.code.clone(),
                    e.request_id.clone(),
                    &crid,
                    None,
                );
                if !e.is_transient() {
                    let reset = ResetState::Unknown {
                        why: format!("The reset's progress could not be read: {e}."),
                    };
                    let email = not_sent_because(&reset);
                    return (reset, email, last_status);
                }
                if let Some(ms) = e.retry_after_ms {
                    next_wait = ms;
                }
            }
            BatchResult::Unknown(why, crid) => {
                runner.record(Step::WaitForOperation, polls, None, why, None, &crid, None)
            }
            BatchResult::SignIn | BatchResult::NotSent(_) => {
                let reset = ResetState::Unknown {
                    why: "The session ended while the reset was running.".into(),
                };
                let email = not_sent_because(&reset);
                return (reset, email, last_status);
            }
        }
    };
    if final_status.status == OperationStatus::Failed {
        let detail = final_status
            .status_detail
            .clone()
            .unwrap_or_else(|| "no detail given".into());
        let synced_hint = if request.plan.why.iter().any(|w| w.contains("writeback")) {
            "Check that password writeback is enabled and healthy in Entra Connect, or reset the password in on-premises Active Directory."
        } else {
            "Check the user's status in Entra, then try again with a new password."
        };
        runner.emit(RunEvent::StepFinished {
            step: Step::WaitForOperation,
            succeeded: false,
            summary: format!("failed: {detail}"),
        });
        let reset = ResetState::Failed {
            reason: format!("The password reset operation failed ({detail})."),
            advice: Advice {
                what_happened: format!("Microsoft Entra could not complete the reset: {detail}. The old password still works."),
                what_to_do: synced_hint.into(),
            },
            error: None,
        };
        return (
            reset,
            EmailState::NotSent {
                why: "The email was not sent because the reset failed.".into(),
            },
            Some(OperationStatus::Failed),
        );
    }
    runner.emit(RunEvent::StepFinished {
        step: Step::WaitForOperation,
        succeeded: true,
        summary: "password set".into(),
    });

    // 3. Only now, the email(s).
    let email = match &request.email {
        None => EmailState::NotRequested,
        Some(draft) => {
            runner
                .send_chain(&mails_of(draft, password), request.retry, false)
                .await
        }
    };
    (ResetState::Done, email, Some(OperationStatus::Succeeded))
}

async fn run_tap<T: GraphTransport, R: Rng + ?Sized>(
    runner: &mut Runner<'_, T, R>,
    request: &RunRequest<'_>,
) -> (ResetState, EmailState, Option<IssuedTap>) {
    let target = &request.plan.target_id;
    runner.emit(RunEvent::StepStarted {
        step: Step::CreateTemporaryAccessPass,
    });
    let mut backoff = Backoff::new(request.retry);
    // Creating a pass again replaces the previous one, so a repeat after a lost answer is safe:
    // only the newest pass is ever emailed.
    let tap = loop {
        let attempt = backoff.attempt();
        let call = endpoints::create_temporary_access_pass(target, &request.tap);
        let (crid, exchange) = runner.exchange(call.into_request()).await;
        let (retry_after, reason) = match exchange {
            Exchange::Answer(resp) if resp.is_success() => {
                match crate::json::read::<TemporaryAccessPass>(&resp.body) {
                    Ok(tap) => {
                        runner.record(
                            Step::CreateTemporaryAccessPass,
                            attempt,
                            Some(resp.status),
                            "created",
                            resp.request_id().map(str::to_owned),
                            &crid,
                            None,
                        );
                        break tap;
                    }
                    Err(e) => {
                        let m =
                            MalformedAnswer::from_read(resp.status, "Temporary Access Pass", &e);
                        runner.record(
                            Step::CreateTemporaryAccessPass,
                            attempt,
                            Some(resp.status),
                            m.to_string(),
                            resp.request_id().map(str::to_owned),
                            &crid,
                            None,
                        );
                        let reset = ResetState::Unknown { why: format!("{m}; a pass may exist that nobody has seen. Create a new one (it replaces it).") };
                        return (
                            reset,
                            EmailState::NotSent {
                                why: "No readable pass to send.".into(),
                            },
                            None,
                        );
                    }
                }
            }
            Exchange::Answer(resp) => {
                let e = GraphError::from_response(&resp);
                runner.record(
                    Step::CreateTemporaryAccessPass,
                    attempt,
                    Some(e.status),
                    e.code.clone(),
                    e.request_id.clone(),
                    &crid,
                    None,
                );
                if !e.is_transient() {
                    runner.emit(RunEvent::StepFinished {
                        step: Step::CreateTemporaryAccessPass,
                        succeeded: false,
                        summary: e.advice().what_happened,
                    });
                    let reset = if e.kind == GraphErrorKind::InvalidToken {
                        ResetState::NotAttempted
                    } else {
                        reset_failed(GraphFailure::from(e))
                    };
                    return (
                        reset,
                        EmailState::NotSent {
                            why: "No pass was created.".into(),
                        },
                        None,
                    );
                }
                let reason = wait_reason(&e);
                (e.retry_after_ms, reason)
            }
            Exchange::Lost(TransportError::NoAnswer { detail }) => {
                runner.record(
                    Step::CreateTemporaryAccessPass,
                    attempt,
                    None,
                    format!("no answer ({detail})"),
                    None,
                    &crid,
                    None,
                );
                (None, WaitReason::NoAnswer)
            }
            Exchange::Lost(TransportError::SignInRequired) => {
                return (
                    ResetState::NotAttempted,
                    EmailState::NotSent {
                        why: "No pass was created.".into(),
                    },
                    None,
                );
            }
            Exchange::Lost(e @ TransportError::NotSent { .. }) => {
                return (
                    reset_failed(GraphFailure::Transport(e)),
                    EmailState::NotSent {
                        why: "No pass was created.".into(),
                    },
                    None,
                );
            }
        };
        match backoff.next_delay(retry_after, &mut *runner.rng) {
            Some(ms) => {
                runner
                    .wait(
                        Step::CreateTemporaryAccessPass,
                        ms,
                        backoff.attempt(),
                        reason,
                    )
                    .await
            }
            None => {
                let reset = ResetState::Unknown { why: "Graph did not confirm the pass within the retry limits; create a new one (it replaces any other).".into() };
                return (
                    reset,
                    EmailState::NotSent {
                        why: "No pass to send.".into(),
                    },
                    None,
                );
            }
        }
    };
    runner.emit(RunEvent::StepFinished {
        step: Step::CreateTemporaryAccessPass,
        succeeded: true,
        summary: "pass created".into(),
    });
    let issued = IssuedTap {
        pass: tap.temporary_access_pass,
        lifetime_in_minutes: tap.lifetime_in_minutes,
        is_usable_once: tap.is_usable_once,
        start_date_time: tap.start_date_time,
    };
    let email = match &request.email {
        None => EmailState::NotRequested,
        Some(draft) => {
            runner
                .send_chain(&mails_of(draft, &issued.pass), request.retry, false)
                .await
        }
    };
    (ResetState::Done, email, Some(issued))
}

/// "Retry sending": sends the email again for a reset that is done. Call it only on the admin's
/// explicit choice, and after [`NextAction::ConfirmDeliveryBeforeResending`] only once the
/// recipient said nothing arrived. Appends its steps to `report` and updates its email state and
/// next action.
pub async fn send_email_again<T: GraphTransport, R: Rng + ?Sized>(
    transport: &T,
    rng: &mut R,
    report: &mut RunReport,
    credential: &Secret,
    draft: &EmailDraft<'_>,
    retry: RetryPolicy,
    on_event: &mut dyn FnMut(RunEvent),
) {
    if report.reset != ResetState::Done {
        return;
    }
    let mut runner = Runner {
        transport,
        rng,
        on_event,
        steps: Vec::new(),
        round_trips: 0,
        last_request_id: None,
        open_steps: Vec::new(),
        details: None,
    };
    // The details message goes again only when it did not go, and always with the credential's
    // after it; once it went, only the credential's message is sent again.
    let mails = mails_of(draft, credential);
    let from = match report.details {
        EmailState::NotRequested | EmailState::Sent => mails.len() - 1,
        _ => 0,
    };
    let email = runner.send_chain(&mails[from..], retry, false).await;
    runner.close_open_steps(&report.reset, &email);
    report.steps.append(&mut runner.steps);
    report.round_trips += runner.round_trips;
    if let Some(d) = runner.details.take() {
        report.details = d;
    }
    report.next_action = next_action(&report.reset, delivery(&report.details, &email));
    report.email = email;
}

/// What [`verify_reset`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResetCheck {
    /// `lastPasswordChangeDateTime` moved: a reset happened at `at`.
    Changed { at: String },
    /// It did not move: the old password is still in force.
    Unchanged,
}

/// For [`NextAction::VerifyReset`]: reads the user's `lastPasswordChangeDateTime` (one GET,
/// retried while transient) and compares it with the value seen at Review (`before`). A reset
/// whose answer was lost shows up as a change.
pub async fn verify_reset<T: GraphTransport, R: Rng + ?Sized>(
    transport: &T,
    rng: &mut R,
    user_id: &str,
    before: Option<&str>,
    retry: RetryPolicy,
    on_wait: &mut dyn FnMut(u32, u32),
) -> Result<ResetCheck, GraphFailure> {
    let sent = crate::graph::client::send_read(
        transport,
        rng,
        retry,
        || endpoints::get_last_password_change(user_id).into_request(),
        on_wait,
    )
    .await;
    let response = sent.response.map_err(GraphFailure::Transport)?;
    let now: crate::json::Value = crate::graph::error::read_json(&response, "user")?;
    let last_change = now
        .as_object()
        .map(|_| ())
        .ok_or(crate::json::Shape::wrong("an object"));
    let last_change: Option<String> = last_change
        .and_then(|()| now.opt("lastPasswordChangeDateTime"))
        .map_err(|e| {
            GraphFailure::Malformed(MalformedAnswer::from_read(
                response.status,
                "user",
                &crate::json::ReadError::Shape(e),
            ))
        })?;
    Ok(match last_change {
        Some(at) if Some(at.as_str()) != before => ResetCheck::Changed { at },
        _ => ResetCheck::Unchanged,
    })
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
