//! One reset as data: the plan (which path, or why it is refused), the Review step's reads, the
//! runner that carries a plan out through `graph/`, and the receipt.
//!
//! The UI's way through it:
//! 0. [`find::find_batch`] → send → [`find::parse_find`] turns the search box into users;
//! 1. [`review::review_batch`] → send → [`review::parse_review`] gives the target, its roles and
//!    (optionally) the admin's context;
//! 2. [`plan::plan`] gives a [`plan::Plan`] or a [`plan::Refusal`];
//! 3. [`run::run`] carries the plan out, pushing [`run::RunEvent`]s to a callback, and returns a
//!    [`run::RunReport`] that says exactly what is known;
//! 4. [`receipt::Receipt::new`] turns the report into the downloadable audit record.

pub mod entra_audit;
pub mod find;
pub mod methods;
pub mod plan;
pub mod receipt;
pub mod review;
pub mod roles;
pub mod run;

pub use plan::{
    plan, AdminContext, CredentialChoice, Plan, PlanOptions, Refusal, RefusalReason, ResetPath,
    TargetRoles, Warning, WarningKind,
};
pub use receipt::{Receipt, ReceiptContext};
pub use review::{parse_review, review_batch, ReviewOutcome, ReviewRequest};
pub use run::{
    run, send_email_again, verify_reset, EmailState, NextAction, ResetCheck, ResetState, RunEvent,
    RunReport, RunRequest,
};
