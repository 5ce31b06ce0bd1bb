//! Entra's own audit entry for a reset (`GET /auditLogs/directoryAudits`), to link it into the
//! receipt. Needs the optional `AuditLog.Read.All` permission and a role that may read audit logs;
//! Entra records entries some minutes after the change, so "none yet" is a normal answer.
//!
//! 1. [`audit_lookup`] builds the one GET: entries since the run started, about the target
//!    (`targetResources/any(t: t/id eq '...')`), for the reset's activity when it has one;
//! 2. [`read_audit_answer`] reads the answer into an [`EntraAuditEntry`] (or `None`), preferring
//!    the entry whose `correlationId` is the `client-request-id` the page sent for the reset.

use crate::graph::endpoints::Call;
use crate::graph::error::read_json;
use crate::graph::odata::{query, quote};
use crate::graph::{Collection, GraphFailure, GraphResponse, Method};
use crate::json::{FromJson, Map, Shape, Value};

/// The activity Entra logs for an admin password reset (a supplied or a generated password).
pub const RESET_ACTIVITY: &str = "Reset user password";

/// How many entries one lookup reads (Graph's default page is 100; resets of one user in a few
/// minutes are a handful).
pub const LOOKUP_TOP: u32 = 20;

/// The run's start time is not an ISO 8601 UTC date-time (`2026-11-27T15:04:05Z`, fraction
/// allowed): the lookup cannot say "since the run started".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadStartTime(pub String);

impl core::fmt::Display for BadStartTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "The run's start time '{}' is not a UTC date-time, so Entra's audit log cannot be searched from it.",
            self.0
        )
    }
}

/// `2026-11-27T15:04:05.123Z` → `2026-11-27T15:04:05Z` (whole seconds, rounded down, so an entry
/// logged in the same second as the start is not missed). Checks the shape digit by digit.
fn since_literal(started_at: &str) -> Result<String, BadStartTime> {
    let bad = || BadStartTime(started_at.to_owned());
    let b = started_at.as_bytes();
    if b.len() < 20 {
        return Err(bad());
    }
    let shape = b"dddd-dd-ddTdd:dd:dd";
    for (i, &s) in shape.iter().enumerate() {
        let ok = if s == b'd' {
            b[i].is_ascii_digit()
        } else {
            b[i] == s
        };
        if !ok {
            return Err(bad());
        }
    }
    let rest = &started_at[19..];
    let fraction_ok = match rest.strip_prefix('.') {
        Some(f) => f
            .strip_suffix('Z')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())),
        None => rest == "Z",
    };
    if !fraction_ok {
        return Err(bad());
    }
    Ok(format!("{}Z", &started_at[..19]))
}

/// The `$filter` of the lookup.
pub fn audit_filter(
    target_id: &str,
    started_at: &str,
    activity: Option<&str>,
) -> Result<String, BadStartTime> {
    let since = since_literal(started_at)?;
    let mut f = format!("activityDateTime ge {since}");
    if let Some(a) = activity {
        f.push_str(" and activityDisplayName eq ");
        f.push_str(&quote(a));
    }
    f.push_str(" and targetResources/any(t: t/id eq ");
    f.push_str(&quote(target_id));
    f.push(')');
    Ok(f)
}

/// `GET /auditLogs/directoryAudits?$filter=...&$top=20`.
pub fn audit_lookup(
    target_id: &str,
    started_at: &str,
    activity: Option<&str>,
) -> Result<Call, BadStartTime> {
    let filter = audit_filter(target_id, started_at, activity)?;
    let top = LOOKUP_TOP.to_string();
    Ok(Call::new(
        Method::Get,
        format!(
            "/auditLogs/directoryAudits{}",
            query(&[("$filter", &filter), ("$top", &top)])
        ),
    ))
}

/// One `directoryAudit` as Graph documents it (only what the receipt keeps).
struct DirectoryAudit {
    id: String,
    activity_display_name: Option<String>,
    result: Option<String>,
    correlation_id: Option<String>,
    activity_date_time: Option<String>,
}

impl FromJson for DirectoryAudit {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        Ok(DirectoryAudit {
            id: v.req("id")?,
            activity_display_name: v.opt("activityDisplayName")?,
            result: v.opt("result")?,
            correlation_id: v.opt("correlationId")?,
            activity_date_time: v.opt("activityDateTime")?,
        })
    }
}

/// Entra's audit entry as the receipt links it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntraAuditEntry {
    pub id: String,
    pub activity_display_name: Option<String>,
    /// `success`, `failure`, `timeout` or `unknownFutureValue`.
    pub result: Option<String>,
    pub correlation_id: Option<String>,
    pub activity_date_time: Option<String>,
    /// `correlationId` (it equals the `client-request-id` Handover sent for the reset) or
    /// `targetAndTime` (the newest entry about the target since the run started: Entra does not
    /// always carry the client's id over, e.g. for a request inside `$batch`).
    pub matched_by: &'static str,
}

impl From<&EntraAuditEntry> for Value {
    /// As the receipt's `entraAudit`.
    fn from(e: &EntraAuditEntry) -> Value {
        let mut m = Map::default();
        m.insert("id", e.id.as_str());
        m.insert("activityDisplayName", e.activity_display_name.clone());
        m.insert("result", e.result.clone());
        m.insert("correlationId", e.correlation_id.clone());
        m.insert("activityDateTime", e.activity_date_time.clone());
        m.insert("matchedBy", e.matched_by);
        m.into()
    }
}

/// Reads the lookup's answer: the entry whose `correlationId` is `reset_client_request_id` when
/// there is one, otherwise the newest entry; `Ok(None)` when Entra has recorded nothing yet. A
/// non-2xx answer is [`GraphFailure::Graph`] (403 when the permission or the role is missing); a
/// 2xx answer that is not a `directoryAudit` collection is [`GraphFailure::Malformed`].
pub fn read_audit_answer(
    resp: &GraphResponse,
    reset_client_request_id: Option<&str>,
) -> Result<Option<EntraAuditEntry>, GraphFailure> {
    let page: Collection<DirectoryAudit> = read_json(resp, "directoryAudit collection")?;
    let by_correlation = reset_client_request_id.and_then(|crid| {
        page.value.iter().position(|a| {
            a.correlation_id
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(crid))
        })
    });
    let (index, matched_by) = match by_correlation {
        Some(i) => (i, "correlationId"),
        None => {
            // ISO 8601 UTC strings order as their times; a missing time sorts first.
            let newest = page
                .value
                .iter()
                .enumerate()
                .max_by(|(i, a), (j, b)| {
                    a.activity_date_time
                        .cmp(&b.activity_date_time)
                        // Equal times: Graph lists newest first, so prefer the earlier index.
                        .then(j.cmp(i))
                })
                .map(|(i, _)| i);
            match newest {
                Some(i) => (i, "targetAndTime"),
                None => return Ok(None),
            }
        }
    };
    let a = page
        .value
        .into_iter()
        .nth(index)
        .expect("index from the same list");
    Ok(Some(EntraAuditEntry {
        id: a.id,
        activity_display_name: a.activity_display_name,
        result: a.result,
        correlation_id: a.correlation_id,
        activity_date_time: a.activity_date_time,
        matched_by,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{GraphErrorKind, GRAPH_VERSION};

    const TARGET: &str = "5b1f0a3e-2b7c-4a8e-9f00-000000000001";

    fn entry(id: &str, corr: &str, at: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id,
            "category": "UserManagement",
            "correlationId": corr,
            "result": "success",
            "resultReason": "",
            "activityDisplayName": "Reset user password",
            "activityDateTime": at,
            "loggedByService": "Core Directory",
            "operationType": "Update",
            "initiatedBy": {"user": {"id": "a", "userPrincipalName": "ada@contoso.com"}},
            "targetResources": [{"id": TARGET, "type": "User", "modifiedProperties": []}],
            "additionalDetails": []
        })
    }

    fn answer(value: serde_json::Value) -> GraphResponse {
        GraphResponse::new(
            200,
            serde_json::json!({"@odata.context": "x", "value": value}).to_string(),
        )
    }

    #[test]
    fn the_url_filters_by_time_activity_and_target() {
        let f = audit_filter(TARGET, "2026-11-27T15:04:05.123Z", Some(RESET_ACTIVITY)).unwrap();
        assert_eq!(
            f,
            format!("activityDateTime ge 2026-11-27T15:04:05Z and activityDisplayName eq 'Reset user password' and targetResources/any(t: t/id eq '{TARGET}')")
        );
        let call = audit_lookup(TARGET, "2026-11-27T15:04:05Z", Some(RESET_ACTIVITY)).unwrap();
        assert_eq!(call.method, Method::Get);
        let req = call.into_request();
        assert!(req.path_and_query.starts_with(&format!(
            "{GRAPH_VERSION}/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202026-11-27T15%3A04%3A05Z%20and%20activityDisplayName%20eq%20%27Reset%20user%20password%27%20and%20targetResources%2Fany%28t%3A%20t%2Fid%20eq%20%27{TARGET}%27%29&$top=20"
        )), "{}", req.path_and_query);
        // Without an activity (a Temporary Access Pass), only time and target.
        assert_eq!(
            audit_filter("o'id", "2026-11-27T15:04:05Z", None).unwrap(),
            "activityDateTime ge 2026-11-27T15:04:05Z and targetResources/any(t: t/id eq 'o''id')"
        );
    }

    #[test]
    fn a_start_that_is_not_a_utc_time_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2026-11-27 15:04:05Z",
            "2026-11-27T15:04:05",
            "2026-11-27T15:04:05+01:00",
            "2026-11-27T15:04:05.Z",
            "2026-11-27T15:04:05Z and true",
        ] {
            assert_eq!(
                audit_lookup(TARGET, bad, None).err(),
                Some(BadStartTime(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_entry_with_the_resets_client_request_id_wins() {
        let r = answer(serde_json::json!([
            entry("Directory_new", "other", "2026-11-27T15:06:00Z"),
            entry("Directory_ours", "CRID-1", "2026-11-27T15:05:00Z"),
        ]));
        let e = read_audit_answer(&r, Some("crid-1")).unwrap().unwrap();
        assert_eq!(e.id, "Directory_ours");
        assert_eq!(e.matched_by, "correlationId");
        assert_eq!(e.correlation_id.as_deref(), Some("CRID-1"));
        assert_eq!(e.result.as_deref(), Some("success"));
        assert_eq!(e.activity_display_name.as_deref(), Some(RESET_ACTIVITY));
        assert_eq!(
            e.activity_date_time.as_deref(),
            Some("2026-11-27T15:05:00Z")
        );
    }

    #[test]
    fn without_a_correlation_match_the_newest_entry_is_taken() {
        let r = answer(serde_json::json!([
            entry("Directory_old", "a", "2026-11-27T15:05:00Z"),
            entry("Directory_new", "b", "2026-11-27T15:06:00Z"),
        ]));
        let e = read_audit_answer(&r, Some("not-there")).unwrap().unwrap();
        assert_eq!(e.id, "Directory_new");
        assert_eq!(e.matched_by, "targetAndTime");
        let e = read_audit_answer(&r, None).unwrap().unwrap();
        assert_eq!(e.id, "Directory_new");
    }

    #[test]
    fn an_empty_list_is_none_yet() {
        assert_eq!(
            read_audit_answer(&answer(serde_json::json!([])), Some("x")),
            Ok(None)
        );
        // `value` left out entirely reads as empty too.
        let r = GraphResponse::new(200, "{}");
        assert_eq!(read_audit_answer(&r, None), Ok(None));
    }

    #[test]
    fn a_malformed_answer_is_a_typed_error() {
        for body in [
            "<html>proxy</html>",
            r#"{"value": [{"activityDisplayName": "Reset user password"}]}"#,
            r#"{"value": "nope"}"#,
        ] {
            match read_audit_answer(&GraphResponse::new(200, body), None) {
                Err(GraphFailure::Malformed(m)) => {
                    assert_eq!(m.status, 200);
                    assert_eq!(m.expected, "directoryAudit collection");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_403_is_a_graph_error() {
        let body = serde_json::json!({"error": {"code": "Authorization_RequestDenied",
            "message": "Insufficient privileges to complete the operation."}})
        .to_string();
        match read_audit_answer(&GraphResponse::new(403, body), None) {
            Err(GraphFailure::Graph(e)) => {
                assert_eq!(e.status, 403);
                assert_eq!(e.kind, GraphErrorKind::AuthorizationDenied);
            }
            other => panic!("{other:?}"),
        }
    }
}
