//! The Find step in one round trip: a UPN or address is looked up exactly; other text is matched
//! against display names twice in the same `$batch`, by prefix (`startswith`, consistent) and by
//! word (`$search` with `ConsistencyLevel: eventual`, finds "Lovelace" in "Ada Lovelace").
//!
//! ```
//! use handover::workflow::find::{find_batch, FIND_TOP};
//!
//! let batch = find_batch("o'brien@contoso.com", FIND_TOP).expect("not blank");
//! assert_eq!(batch.ids(), ["exact"]);
//! let batch = find_batch("Ada", FIND_TOP).expect("not blank");
//! assert_eq!(batch.ids(), ["prefix", "search"]);
//! ```

use crate::graph::odata::{self, FindInput};
use crate::graph::{Advice, Batch, BatchAnswer, BatchBuilder, Collection, GraphFailure, User};

/// How many users each query asks for.
pub const FIND_TOP: u8 = 15;

const EXACT: &str = "exact";
const PREFIX: &str = "prefix";
const SEARCH: &str = "search";

/// The batch for what the admin typed; `None` when there is nothing to look for.
pub fn find_batch(text: &str, top: u8) -> Option<Batch> {
    let mut b = BatchBuilder::new();
    let added = match FindInput::classify(text) {
        FindInput::Empty => return None,
        FindInput::Exact(address) => b.add(EXACT, odata::find_exact(&address, top)).is_ok(),
        FindInput::DisplayName(name) => {
            b.add(PREFIX, odata::find_display_name_prefix(&name, top))
                .is_ok()
                && b.add(SEARCH, odata::find_display_name_search(&name, top))
                    .is_ok()
        }
    };
    if added {
        b.build().ok()
    } else {
        None
    }
}

/// What the Find step shows.
#[derive(Clone, Debug, PartialEq)]
pub enum FindOutcome {
    /// Nothing matched.
    NoMatch { message: String },
    /// One or more users, prefix matches first, without duplicates. `partial` says when one of
    /// the two display-name queries failed (the list may miss someone).
    Found {
        users: Vec<User>,
        partial: Option<String>,
    },
    /// The lookup itself failed.
    Failed {
        failure: GraphFailure,
        advice: Advice,
    },
}

/// Reads the answer of [`find_batch`] for `text`.
pub fn parse_find(text: &str, answer: &BatchAnswer) -> FindOutcome {
    let mut users: Vec<User> = Vec::new();
    let mut failures = Vec::new();
    let mut answered = 0;
    for id in [EXACT, PREFIX, SEARCH] {
        let Some(part) = answer.get(id) else { continue };
        answered += 1;
        match part.json::<Collection<User>>("users") {
            Ok(c) => {
                for u in c.value {
                    if !users.iter().any(|x| x.id == u.id) {
                        users.push(u);
                    }
                }
            }
            Err(f) => failures.push(f),
        }
    }
    if answered == 0 {
        let failure = GraphFailure::Malformed(crate::graph::MalformedAnswer {
            status: 200,
            expected: "an answer to the search".into(),
            detail: "missing from the $batch answer".into(),
        });
        let advice = failure.advice();
        return FindOutcome::Failed { failure, advice };
    }
    if users.is_empty() {
        if failures.len() == answered {
            if let Some(failure) = failures.into_iter().next() {
                let advice = failure.advice();
                return FindOutcome::Failed { failure, advice };
            }
        }
        return FindOutcome::NoMatch {
            message: format!(
                "No user matches \u{201c}{}\u{201d}. Check the spelling, or type the full user principal name or email address.",
                text.trim()
            ),
        };
    }
    let partial = failures
        .first()
        .map(|f| format!("Some results may be missing: {}", f.advice().what_happened));
    FindOutcome::Found { users, partial }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: &str) -> BatchAnswer {
        BatchAnswer::from_json(200, json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn exact_and_display_name_batches() {
        assert!(find_batch("   ", FIND_TOP).is_none());
        let exact = find_batch("o'brien@contoso.com", 5).expect("batch");
        let url = &exact.parts()[0].call.path;
        assert!(url.contains("%27o%27%27brien%40contoso.com%27"), "{url}");
        let display = find_batch("Ada L", 5).expect("batch");
        assert_eq!(
            display.parts()[1].call.headers.get("ConsistencyLevel"),
            Some("eventual")
        );
        assert!(display.parts()[0]
            .call
            .headers
            .get("ConsistencyLevel")
            .is_none());
    }

    #[test]
    fn results_are_merged_without_duplicates() {
        let json = r#"{"responses":[
          {"id":"search","status":200,"body":{"value":[{"id":"2","displayName":"Bob Ada"},{"id":"1","displayName":"Ada One"}]}},
          {"id":"prefix","status":200,"body":{"value":[{"id":"1","displayName":"Ada One"}]}}]}"#;
        match parse_find("Ada", &answer(json)) {
            FindOutcome::Found { users, partial } => {
                let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
                assert_eq!(ids, ["1", "2"]);
                assert!(partial.is_none());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_match_partial_and_failure_are_told_apart() {
        let none = r#"{"responses":[{"id":"exact","status":200,"body":{"value":[]}}]}"#;
        assert!(
            matches!(parse_find("x@contoso.com", &answer(none)), FindOutcome::NoMatch { message } if message.contains("x@contoso.com"))
        );

        let partial = r#"{"responses":[
          {"id":"prefix","status":200,"body":{"value":[{"id":"1","displayName":"Ada"}]}},
          {"id":"search","status":400,"body":{"error":{"code":"Request_UnsupportedQuery","message":"needs ConsistencyLevel"}}}]}"#;
        assert!(matches!(
            parse_find("Ada", &answer(partial)),
            FindOutcome::Found {
                partial: Some(_),
                ..
            }
        ));

        let failed = r#"{"responses":[
          {"id":"prefix","status":403,"body":{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}}},
          {"id":"search","status":403,"body":{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}}}]}"#;
        assert!(matches!(
            parse_find("Ada", &answer(failed)),
            FindOutcome::Failed { .. }
        ));
        assert!(matches!(
            parse_find("Ada", &answer(r#"{"responses":[]}"#)),
            FindOutcome::Failed { .. }
        ));
    }
}
