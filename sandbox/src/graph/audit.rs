//! `auditLogs/directoryAudits`: the entries the sandbox recorded for resets, newest first.

use super::odata::{self, Field, FilterError};
use super::{authz, bad_request, context_url, insufficient, Caller, Ctx, GReq, GResp};
use crate::state::{Shared, State};
use crate::tenant::User;
use crate::util;
use serde_json::{json, Value};

pub fn record(s: &mut State, ctx: &Ctx, initiator: &User, target: &User, activity: &str) {
    s.audits.push(json!({
        "id": format!("Directory_{}", util::guid()),
        "category": "UserManagement",
        "correlationId": ctx.client_request_id,
        "result": "success",
        "resultReason": "",
        "activityDisplayName": activity,
        "activityDateTime": util::iso(ctx.now_ms),
        "loggedByService": "Core Directory",
        "operationType": "Update",
        "initiatedBy": {
            "app": null,
            "user": {
                "id": initiator.id,
                "displayName": null,
                "userPrincipalName": initiator.user_principal_name,
                "ipAddress": "127.0.0.1",
                "userType": null,
                "homeTenantId": null,
                "homeTenantName": null,
            }
        },
        "targetResources": [{
            "id": target.id,
            "displayName": null,
            "type": "User",
            "userPrincipalName": target.user_principal_name,
            "groupType": null,
            "modifiedProperties": [],
        }],
        "additionalDetails": [],
    }));
}

pub fn list(shared: &Shared, caller: &Caller, ctx: &Ctx, req: &GReq) -> GResp {
    if !caller.has_any(&["AuditLog.Read.All"]) {
        return insufficient(ctx);
    }
    let filter = match req.q("filter") {
        None => None,
        Some(f) => match odata::parse_filter(f) {
            Ok(p) => {
                for name in p.properties() {
                    if ![
                        "activityDisplayName",
                        "activityDateTime",
                        "category",
                        "result",
                        "loggedByService",
                        "correlationId",
                        "targetResources",
                    ]
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(name))
                    {
                        return bad_request(
                            ctx,
                            "BadRequest",
                            &format!("Invalid filter clause: property '{name}' is not supported in the sandbox's directoryAudits filter."),
                        );
                    }
                }
                for (coll, inner) in p.any_clauses() {
                    // Documented: targetResources supports $filter (eq) on id and displayName,
                    // and startswith on displayName.
                    if !coll.eq_ignore_ascii_case("targetResources")
                        || inner.iter().any(|x| {
                            !["id", "displayName"]
                                .iter()
                                .any(|k| k.eq_ignore_ascii_case(x))
                        })
                    {
                        return bad_request(
                            ctx,
                            "BadRequest",
                            &format!("Invalid filter clause: any() on '{coll}' with properties {inner:?} is not supported in the sandbox's directoryAudits filter; use targetResources/any(t: t/id eq '...')."),
                        );
                    }
                }
                Some(p)
            }
            Err(FilterError::Syntax(m) | FilterError::Unsupported(m)) => {
                return bad_request(ctx, "BadRequest", &m)
            }
        },
    };
    let top = match req.q("top").map(str::parse::<usize>) {
        None => 1000,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => {
            return bad_request(
                ctx,
                "BadRequest",
                "Invalid $top: must be between 1 and 1000.",
            )
        }
    };
    let s = shared.lock();
    let Some(me) = s.tenant.user(&caller.user_id) else {
        return insufficient(ctx);
    };
    if !authz::may_read_audit(&s.tenant, me) {
        return insufficient(ctx);
    }
    let value: Vec<Value> = s
        .audits
        .iter()
        .rev()
        .filter(|a| {
            filter.as_ref().is_none_or(|f| {
                f.eval(&|p: &str| {
                    if p.eq_ignore_ascii_case("targetResources") {
                        return Field::Objects(
                            a.get("targetResources")
                                .and_then(Value::as_array)
                                .cloned()
                                .unwrap_or_default(),
                        );
                    }
                    let key = [
                        "activityDisplayName",
                        "activityDateTime",
                        "category",
                        "result",
                        "loggedByService",
                        "correlationId",
                    ]
                    .iter()
                    .find(|x| x.eq_ignore_ascii_case(p))
                    .copied()
                    .unwrap_or("");
                    Field::Str(a.get(key).and_then(Value::as_str).map(str::to_owned))
                })
            })
        })
        .take(top)
        .cloned()
        .collect();
    GResp::json(
        200,
        json!({"@odata.context": context_url(shared, "auditLogs/directoryAudits"), "value": value}),
    )
}
