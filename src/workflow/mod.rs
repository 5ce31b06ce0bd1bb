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

/// The distinct items, in order: the same as collecting, `sort()` and `dedup()`, for the few
/// fieldless enums a review lists. Insertion keeps the page free of the standard library's
/// stable sort, which is compiled once per item type (about 2.4 KB of wasm each).
pub(crate) fn sorted_unique<T: Ord>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if let Err(at) = out.binary_search(&item) {
            out.insert(at, item);
        }
    }
    out
}

// proptest is a native-only dev-dependency (Cargo.toml): the wasm32 test build has no proptest.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod sorted_unique_tests {
    use super::sorted_unique;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_as_sort_then_dedup(items in proptest::collection::vec(0u8..12, 0..40)) {
            let mut expected = items.clone();
            expected.sort();
            expected.dedup();
            prop_assert_eq!(sorted_unique(items), expected);
        }
    }
}
