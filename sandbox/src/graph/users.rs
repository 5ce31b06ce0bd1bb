//! Reading users: `users` (list, $filter, $search, $select, $top, paging), `users/{id|upn}`, `me`,
//! `transitiveMemberOf`, and PIM's roleEligibilityScheduleInstances.

use super::odata::{self, Field, FilterError};
use super::{bad_request, context_url, insufficient, not_found, Caller, Ctx, GReq, GResp};
use crate::state::Shared;
use crate::tenant::{Group, RoleDefinition, Tenant, User};
use crate::util;
use serde_json::{json, Map, Value};

const READ_USERS: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Directory.AccessAsUser.All",
];
const READ_SELF: &[&str] = &["User.Read", "User.ReadWrite"];
const READ_MEMBERSHIP: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "GroupMember.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Directory.AccessAsUser.All",
];
const READ_ELIGIBILITY: &[&str] = &[
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
];

/// What Graph returns for a user when no `$select` is given.
const DEFAULT_PROPS: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

const ALL_PROPS: &[&str] = &[
    "id",
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "accountEnabled",
    "userType",
    "otherMails",
    "onPremisesSyncEnabled",
    "lastPasswordChangeDateTime",
    "usageLocation",
    "passwordProfile",
];

const FILTERABLE: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "mail",
    "givenName",
    "surname",
    "accountEnabled",
    "userType",
    "jobTitle",
];

fn prop(u: &User, name: &str) -> Value {
    let opt = |o: &Option<String>| o.clone().map(Value::String).unwrap_or(Value::Null);
    match name {
        "id" => json!(u.id),
        "businessPhones" => json!([]),
        "displayName" => json!(u.display_name),
        "givenName" => opt(&u.given_name),
        "jobTitle" => opt(&u.job_title),
        "mail" => opt(&u.mail),
        "surname" => opt(&u.surname),
        "userPrincipalName" => json!(u.user_principal_name),
        "accountEnabled" => json!(u.account_enabled),
        "userType" => json!(u.user_type),
        "otherMails" => json!(u.other_mails),
        "onPremisesSyncEnabled" => json!(u.on_premises_sync_enabled),
        "lastPasswordChangeDateTime" => opt(&u.last_password_change_date_time),
        // Graph never returns the password; passwordProfile reads as null.
        _ => Value::Null,
    }
}

/// Resolves `$select` to canonical property names, or Graph's error for an unknown one.
pub fn parse_select(ctx: &Ctx, req: &GReq) -> Result<Vec<&'static str>, GResp> {
    let Some(sel) = req.q("select") else {
        return Ok(DEFAULT_PROPS.to_vec());
    };
    let mut out = Vec::new();
    for name in sel.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match ALL_PROPS.iter().find(|p| p.eq_ignore_ascii_case(name)) {
            Some(p) => {
                if !out.contains(p) {
                    out.push(*p)
                }
            }
            None => {
                return Err(bad_request(
                    ctx,
                    "BadRequest",
                    &format!("Parsing OData Select and Expand failed: Could not find a property named '{name}' on type 'microsoft.graph.user'."),
                ))
            }
        }
    }
    Ok(out)
}

pub fn user_json(u: &User, props: &[&str]) -> Value {
    let mut m = Map::new();
    for p in props {
        m.insert((*p).to_string(), prop(u, p));
    }
    Value::Object(m)
}

fn select_fragment(req: &GReq, props: &[&str]) -> String {
    if req.q("select").is_some() {
        format!("users({})", props.join(","))
    } else {
        "users".to_string()
    }
}

pub fn get_user(
    shared: &Shared,
    caller: &Caller,
    ctx: &Ctx,
    req: &GReq,
    key: &str,
    is_me: bool,
) -> GResp {
    let s = shared.lock();
    let Some(u) = s.tenant.user(key) else {
        return not_found(ctx, key);
    };
    let own = u.id == caller.user_id;
    if !(caller.has_any(READ_USERS) || (own && caller.has_any(READ_SELF))) {
        return insufficient(ctx);
    }
    let props = match parse_select(ctx, req) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let mut body = user_json(u, &props);
    let frag = if is_me {
        if req.q("select").is_some() {
            format!("users({})/$entity", props.join(","))
        } else {
            "users/$entity".to_string()
        }
    } else {
        format!("{}/$entity", select_fragment(req, &props))
    };
    body.as_object_mut()
        .expect("user_json builds an object")
        .insert("@odata.context".into(), json!(context_url(shared, &frag)));
    GResp::json(200, body)
}

fn user_field(u: &User, name: &str) -> Field {
    match FILTERABLE
        .iter()
        .find(|p| p.eq_ignore_ascii_case(name))
        .copied()
    {
        Some("id") => Field::Str(Some(u.id.clone())),
        Some("userPrincipalName") => Field::Str(Some(u.user_principal_name.clone())),
        Some("displayName") => Field::Str(Some(u.display_name.clone())),
        Some("mail") => Field::Str(u.mail.clone()),
        Some("givenName") => Field::Str(u.given_name.clone()),
        Some("surname") => Field::Str(u.surname.clone()),
        Some("userType") => Field::Str(Some(u.user_type.clone())),
        Some("jobTitle") => Field::Str(u.job_title.clone()),
        Some("accountEnabled") => Field::Bool(Some(u.account_enabled)),
        _ => Field::Str(None),
    }
}

fn searchable(u: &User, property: &str) -> Option<Vec<String>> {
    match property.to_ascii_lowercase().as_str() {
        "displayname" => Some(vec![u.display_name.clone()]),
        "userprincipalname" => Some(vec![u.user_principal_name.clone()]),
        "mail" => Some(u.mail.clone().into_iter().collect()),
        "givenname" => Some(u.given_name.clone().into_iter().collect()),
        "surname" => Some(u.surname.clone().into_iter().collect()),
        "jobtitle" => Some(u.job_title.clone().into_iter().collect()),
        _ => None,
    }
}

const PAGE_DEFAULT: usize = 100;

pub fn list_users(shared: &Shared, caller: &Caller, ctx: &Ctx, req: &GReq) -> GResp {
    if !caller.has_any(READ_USERS) {
        return insufficient(ctx);
    }
    let eventual = req
        .header("consistencylevel")
        .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
    let props = match parse_select(ctx, req) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let count = match req.q("count") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            return bad_request(
                ctx,
                "BadRequest",
                &format!("Invalid value '{v}' for $count."),
            )
        }
    };
    if count && !eventual {
        return bad_request(
            ctx,
            "Request_BadRequest",
            "$count is not currently supported without the header 'ConsistencyLevel: eventual'.",
        );
    }
    let search = match req.q("search") {
        None => None,
        Some(_) if !eventual => {
            return bad_request(
                ctx,
                "Request_UnsupportedQuery",
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            )
        }
        Some(q) => match odata::parse_search(q) {
            Ok(s) => {
                for group in &s {
                    for c in group {
                        if searchable(&shared.original.users[0], &c.property).is_none() {
                            return bad_request(
                                ctx,
                                "Request_UnsupportedQuery",
                                &format!("This query is not supported: $search on property '{}'.", c.property),
                            );
                        }
                    }
                }
                Some(s)
            }
            Err(m) => return bad_request(ctx, "BadRequest", &m),
        },
    };
    let filter = match req.q("filter") {
        None => None,
        Some(f) => match odata::parse_filter(f) {
            Ok(parsed) => {
                for p in parsed.properties() {
                    if !FILTERABLE.iter().any(|x| x.eq_ignore_ascii_case(p)) {
                        return bad_request(
                            ctx,
                            "Request_UnsupportedQuery",
                            &format!("Unsupported or invalid query filter clause specified for property '{p}' of resource 'User'."),
                        );
                    }
                }
                if parsed.uses_ne_or_not() && !(eventual && count) {
                    return bad_request(
                        ctx,
                        "Request_UnsupportedQuery",
                        "Unsupported query: 'ne' and 'not' need the header 'ConsistencyLevel: eventual' and $count=true.",
                    );
                }
                Some(parsed)
            }
            Err(FilterError::Syntax(m)) => return bad_request(ctx, "BadRequest", &m),
            Err(FilterError::Unsupported(m)) => {
                return bad_request(ctx, "Request_UnsupportedQuery", &m)
            }
        },
    };
    let top = match req.q("top") {
        None => PAGE_DEFAULT,
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=999).contains(&n) => n,
            _ => {
                return bad_request(
                    ctx,
                    "Request_UnsupportedQuery",
                    &format!(
                        "Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."
                    ),
                )
            }
        },
    };
    let offset = match req.q("skiptoken") {
        None => 0,
        Some(tok) => match util::b64url_decode(tok)
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("sbx-offset:").and_then(|n| n.parse::<usize>().ok()))
        {
            Some(n) => n,
            None => {
                return bad_request(
                    ctx,
                    "Directory_ExpiredPageToken",
                    "The specified page token value has expired and can no longer be included in your request.",
                )
            }
        },
    };

    let s = shared.lock();
    let mut matched: Vec<&User> = s
        .tenant
        .users
        .iter()
        .filter(|u| {
            filter
                .as_ref()
                .is_none_or(|f| f.eval(&|p: &str| user_field(u, p)))
        })
        .filter(|u| {
            search.as_ref().is_none_or(|groups| {
                groups.iter().any(|and_group| {
                    and_group.iter().all(|c| {
                        searchable(u, &c.property)
                            .unwrap_or_default()
                            .iter()
                            .any(|v| odata::clause_matches(c, v))
                    })
                })
            })
        })
        .collect();
    if let Some(order) = req.q("orderby") {
        let mut parts = order.split_whitespace();
        let key = parts.next().unwrap_or("").to_ascii_lowercase();
        let desc = parts.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
        match key.as_str() {
            "displayname" => matched.sort_by_key(|u| u.display_name.to_lowercase()),
            "userprincipalname" => matched.sort_by_key(|u| u.user_principal_name.to_lowercase()),
            _ => {
                return bad_request(
                    ctx,
                    "Request_UnsupportedQuery",
                    &format!("Sorting not supported for '{order}'."),
                )
            }
        }
        if desc {
            matched.reverse();
        }
    }
    let total = matched.len();
    let page: Vec<Value> = matched
        .iter()
        .skip(offset)
        .take(top)
        .map(|u| user_json(u, &props))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context_url(shared, &select_fragment(req, &props))),
    );
    if count {
        body.insert("@odata.count".into(), json!(total));
    }
    if offset + top < total {
        let mut q: Vec<String> = req
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .map(|(k, v)| format!("{}={}", k, util::query_encode(v)))
            .collect();
        q.push(format!(
            "$skiptoken={}",
            util::b64url(format!("sbx-offset:{}", offset + top).as_bytes())
        ));
        body.insert(
            "@odata.nextLink".into(),
            json!(format!(
                "{}/v1.0/users?{}",
                shared.api_origin(),
                q.join("&")
            )),
        );
    }
    body.insert("value".into(), Value::Array(page));
    GResp::json(200, Value::Object(body))
}

pub fn role_json(r: &RoleDefinition) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.directoryRole",
        "id": r.id,
        "deletedDateTime": null,
        "description": r.description,
        "displayName": r.display_name,
        "roleTemplateId": r.role_template_id,
    })
}

fn group_json(g: &Group) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.group",
        "id": g.id,
        "deletedDateTime": null,
        "displayName": g.display_name,
        "groupTypes": [],
        "isAssignableToRole": g.is_assignable_to_role,
        "mailEnabled": false,
        "securityEnabled": true,
    })
}

/// `GET /users/{id}/ownedObjects[/microsoft.graph.group]`: the groups the user owns (the sample
/// tenant records no other owned objects).
pub fn owned_groups(shared: &Shared, caller: &Caller, ctx: &Ctx, key: &str, is_me: bool) -> GResp {
    let s = shared.lock();
    let Some(u) = s.tenant.user(key) else {
        return not_found(ctx, key);
    };
    let own = is_me || u.id == caller.user_id;
    if !(caller.has_any(READ_MEMBERSHIP) || (own && caller.has_any(READ_SELF))) {
        return insufficient(ctx);
    }
    let value: Vec<Value> = s.tenant.groups_owned_by(u).map(group_json).collect();
    GResp::json(
        200,
        json!({"@odata.context": context_url(shared, "groups"), "value": value}),
    )
}

pub fn member_of(
    shared: &Shared,
    caller: &Caller,
    ctx: &Ctx,
    key: &str,
    is_me: bool,
    roles_only: bool,
) -> GResp {
    let s = shared.lock();
    let Some(u) = s.tenant.user(key) else {
        return not_found(ctx, key);
    };
    let own = is_me || u.id == caller.user_id;
    if !(caller.has_any(READ_MEMBERSHIP) || (own && caller.has_any(READ_SELF))) {
        return insufficient(ctx);
    }
    let t: &Tenant = &s.tenant;
    let mut value: Vec<Value> = Vec::new();
    if !roles_only {
        value.extend(t.groups_of(u).map(group_json));
    }
    value.extend(t.active_roles(u).into_iter().map(role_json));
    let frag = if roles_only {
        "directoryRoles"
    } else {
        "directoryObjects"
    };
    GResp::json(
        200,
        json!({"@odata.context": context_url(shared, frag), "value": value}),
    )
}

pub fn role_eligibility_instances(
    shared: &Shared,
    caller: &Caller,
    ctx: &Ctx,
    req: &GReq,
) -> GResp {
    if !caller.has_any(READ_ELIGIBILITY) {
        return insufficient(ctx);
    }
    let filter = match req.q("filter") {
        None => None,
        Some(f) => match odata::parse_filter(f) {
            Ok(parsed) => {
                for p in parsed.properties() {
                    if !["principalId", "roleDefinitionId", "directoryScopeId"]
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case(p))
                    {
                        return bad_request(
                            ctx,
                            "BadRequest",
                            &format!("Invalid filter clause: Could not find a property named '{p}' on type 'microsoft.graph.unifiedRoleEligibilityScheduleInstance'."),
                        );
                    }
                }
                Some(parsed)
            }
            Err(FilterError::Syntax(m) | FilterError::Unsupported(m)) => {
                return bad_request(ctx, "BadRequest", &m)
            }
        },
    };
    let s = shared.lock();
    let t = &s.tenant;
    let mut value = Vec::new();
    for a in &t.role_eligibilities {
        let principal_id = t
            .user(&a.principal)
            .map(|u| u.id.clone())
            .or_else(|| t.group(&a.principal).map(|g| g.id.clone()))
            .unwrap_or_default();
        let role_id = a.role_template_id.clone();
        let item_id = util::sha256_hex(format!("{principal_id}|{role_id}").as_bytes());
        let get = |p: &str| -> Field {
            match p.to_ascii_lowercase().as_str() {
                "principalid" => Field::Str(Some(principal_id.clone())),
                "roledefinitionid" => Field::Str(Some(role_id.clone())),
                "directoryscopeid" => Field::Str(Some("/".into())),
                _ => Field::Str(None),
            }
        };
        if filter.as_ref().is_some_and(|f| !f.eval(&get)) {
            continue;
        }
        value.push(json!({
            "id": &item_id[..32],
            "principalId": principal_id,
            "roleDefinitionId": role_id,
            "directoryScopeId": "/",
            "appScopeId": null,
            "startDateTime": "2025-01-01T00:00:00Z",
            "endDateTime": null,
            "memberType": "Direct",
            "roleEligibilityScheduleId": &item_id[32..],
        }));
    }
    GResp::json(
        200,
        json!({
            "@odata.context": context_url(shared, "roleManagement/directory/roleEligibilityScheduleInstances"),
            "value": value
        }),
    )
}
