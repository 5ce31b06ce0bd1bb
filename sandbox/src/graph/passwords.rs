//! Resetting: `PATCH users/{id}` with passwordProfile, the Authentication Methods API's resetPassword
//! and its long-running operation, Temporary Access Passes, authentication methods and
//! revokeSignInSessions. The password policy Entra applies lives here too.

use super::{
    audit, authz, bad_request, context_url, insufficient, not_found, Caller, Ctx, GReq, GResp,
};
use crate::state::{Operation, Shared};
use crate::tenant::{Tap, Tenant, User};
use crate::util;
use serde_json::{json, Value};

pub const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";
const WRITE_PASSWORD_PROFILE: &[&str] = &[
    "User-PasswordProfile.ReadWrite.All",
    "User.ReadWrite.All",
    "Directory.AccessAsUser.All",
];
const WRITE_AUTH_METHODS: &[&str] = &["UserAuthenticationMethod.ReadWrite.All"];
const READ_AUTH_METHODS: &[&str] = &[
    "UserAuthenticationMethod.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
];
const READ_OWN_AUTH_METHODS: &[&str] = &[
    "UserAuthenticationMethod.Read",
    "UserAuthenticationMethod.ReadWrite",
];
const REVOKE: &[&str] = &[
    "User.RevokeSessions.All",
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Directory.AccessAsUser.All",
];

pub const COMPLEXITY_MESSAGE: &str = "The specified password does not comply with password complexity requirements. Please provide a different password.";
const SYNCED_MESSAGE: &str = "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.";
const TAP_POLICY_MESSAGE: &str = "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].";

/// Symbols Entra accepts in a password (concept-sspr-policy), besides letters, digits and space.
const SYMBOLS: &str = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<>";
/// A few common words Entra's global banned list holds, for the substring check.
const GLOBAL_BANNED: &[&str] = &["password", "welcome", "letmein", "qwerty", "admin"];

/// Entra's rules: 8..256 characters, 3 of 4 classes, allowed characters only, and no banned word
/// (after lower-casing and 0→o 1→l $→s @→a) among the user's names, the tenant's name and a
/// global list; words shorter than 4 letters are not checked.
pub fn password_complies(tenant: &Tenant, user: &User, pw: &str) -> bool {
    let len = pw.chars().count();
    if !(8..=256).contains(&len) {
        return false;
    }
    if !pw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || SYMBOLS.contains(c))
    {
        return false;
    }
    let classes = [
        pw.chars().any(|c| c.is_ascii_lowercase()),
        pw.chars().any(|c| c.is_ascii_uppercase()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| c == ' ' || SYMBOLS.contains(c)),
    ];
    if classes.iter().filter(|x| **x).count() < 3 {
        return false;
    }
    let normal: String = pw
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            '$' => 's',
            '@' => 'a',
            c => c,
        })
        .collect();
    let mut banned: Vec<String> = GLOBAL_BANNED.iter().map(|s| s.to_string()).collect();
    for name in [&user.given_name, &user.surname].into_iter().flatten() {
        banned.extend(
            name.split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase),
        );
    }
    banned.push(tenant.display_name.to_lowercase());
    !banned
        .iter()
        .filter(|w| w.chars().count() >= 4)
        .any(|w| normal.contains(w.as_str()))
}

/// A password Entra would generate: 16 characters, every class present.
fn generate_password(tenant: &Tenant, user: &User) -> String {
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SYM: &[u8] = b"!#%+-=?@";
    loop {
        let mut chars: Vec<u8> = Vec::new();
        for set in [LOWER, UPPER, DIGIT, SYM] {
            chars.push(set[util::random_below(set.len())]);
        }
        let all: Vec<u8> = [LOWER, UPPER, DIGIT, SYM].concat();
        while chars.len() < 16 {
            chars.push(all[util::random_below(all.len())]);
        }
        for i in (1..chars.len()).rev() {
            chars.swap(i, util::random_below(i + 1));
        }
        let pw = String::from_utf8(chars).expect("ASCII");
        if password_complies(tenant, user, &pw) {
            return pw;
        }
    }
}

pub fn patch_user(shared: &Shared, caller: &Caller, ctx: &Ctx, req: &GReq, key: &str) -> GResp {
    let Some(body) = req.body.as_ref().and_then(Value::as_object) else {
        return bad_request(ctx, "BadRequest", "Empty Payload. JSON content expected.");
    };
    let others: Vec<&String> = body.keys().filter(|k| *k != "passwordProfile").collect();
    let needs = if others.is_empty() {
        WRITE_PASSWORD_PROFILE
    } else {
        &[
            "User.ReadWrite.All",
            "Directory.ReadWrite.All",
            "Directory.AccessAsUser.All",
        ][..]
    };
    if !caller.has_any(needs) {
        return insufficient(ctx);
    }
    let mut s = shared.lock();
    let now = ctx.now_ms;
    let t = &s.tenant;
    let Some(target) = t.user(key) else {
        return not_found(ctx, key);
    };
    let Some(me) = t.user(&caller.user_id) else {
        return insufficient(ctx);
    };
    for k in &others {
        if !["accountEnabled", "displayName", "jobTitle", "otherMails"].contains(&k.as_str()) {
            return bad_request(
                ctx,
                "Request_BadRequest",
                &format!("Property '{k}' cannot be updated through the sandbox, or does not exist on type 'microsoft.graph.user'."),
            );
        }
    }
    let profile = body.get("passwordProfile");
    if profile.is_some() || others.iter().any(|k| *k == "accountEnabled") {
        if !authz::may_reset_password(t, me, target) || target.is_guest() {
            return insufficient(ctx);
        }
        if target.is_synced() {
            return bad_request(ctx, "Request_BadRequest", SYNCED_MESSAGE);
        }
    }
    let mut new_password = None;
    let mut force = None;
    if let Some(p) = profile {
        let Some(p) = p.as_object() else {
            return bad_request(
                ctx,
                "Request_BadRequest",
                "Invalid value for property 'passwordProfile'.",
            );
        };
        if let Some(pw) = p.get("password") {
            let Some(pw) = pw.as_str() else {
                return bad_request(
                    ctx,
                    "Request_BadRequest",
                    "Invalid value for property 'password'.",
                );
            };
            if !password_complies(t, target, pw) {
                return bad_request(ctx, "Request_BadRequest", COMPLEXITY_MESSAGE);
            }
            new_password = Some(pw.to_string());
        }
        force = Some(
            p.get("forceChangePasswordNextSignIn")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        );
    }
    let (caller_snapshot, target_id) = (me.clone(), target.id.clone());
    let u = s.tenant.user_mut(&target_id).expect("found above");
    if let Some(pw) = &new_password {
        u.password = pw.clone();
        u.last_password_change_date_time = Some(util::iso(now));
    }
    if let Some(f) = force {
        u.force_change_password_next_sign_in = f;
    }
    if let Some(v) = body.get("accountEnabled").and_then(Value::as_bool) {
        u.account_enabled = v;
    }
    if let Some(v) = body.get("displayName").and_then(Value::as_str) {
        u.display_name = v.to_string();
    }
    if let Some(v) = body.get("jobTitle") {
        u.job_title = v.as_str().map(str::to_owned);
    }
    if let Some(v) = body.get("otherMails").and_then(Value::as_array) {
        u.other_mails = v
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect();
    }
    let target_snapshot = u.clone();
    if new_password.is_some() {
        audit::record(
            &mut s,
            ctx,
            &caller_snapshot,
            &target_snapshot,
            "Reset user password",
        );
    }
    audit::record(
        &mut s,
        ctx,
        &caller_snapshot,
        &target_snapshot,
        "Update user",
    );
    GResp::empty(204)
}

pub fn reset_password(
    shared: &Shared,
    caller: &Caller,
    ctx: &Ctx,
    req: &GReq,
    key: &str,
    method_id: &str,
) -> GResp {
    if !caller.has_any(WRITE_AUTH_METHODS) {
        return insufficient(ctx);
    }
    let mut s = shared.lock();
    let t = &s.tenant;
    let Some(target) = t.user(key) else {
        return not_found(ctx, key);
    };
    if !method_id.eq_ignore_ascii_case(PASSWORD_METHOD_ID) {
        return not_found(ctx, method_id);
    }
    let Some(me) = t.user(&caller.user_id) else {
        return insufficient(ctx);
    };
    // Not for the caller's own account, and guests are reset in their home tenant only.
    if me.id == target.id || target.is_guest() || !authz::may_manage_auth_methods(t, me, target) {
        return insufficient(ctx);
    }
    let supplied = match req.body.as_ref().and_then(|b| b.get("newPassword")) {
        None | Some(Value::Null) => None,
        Some(Value::String(pw)) => Some(pw.clone()),
        Some(_) => {
            return bad_request(
                ctx,
                "badRequest",
                "Invalid value for property 'newPassword'.",
            )
        }
    };
    if let Some(pw) = &supplied {
        if !password_complies(t, target, pw) {
            return bad_request(ctx, "badRequest", COMPLEXITY_MESSAGE);
        }
    }
    let generated = supplied.is_none();
    let new_password = supplied.unwrap_or_else(|| generate_password(t, target));
    let op = Operation {
        id: util::guid(),
        user_id: target.id.clone(),
        caller_id: me.id.clone(),
        aadgdc: "SBX01P".into(),
        new_password: new_password.clone(),
        generated,
        created_ms: ctx.now_ms,
        last_action_ms: ctx.now_ms,
        polls: 0,
        status: "notStarted",
        status_detail: None,
    };
    let location = format!(
        "{}/v1.0/users/{}/authentication/operations/{}?aadgdc={}&aadgsu=ssprprod-a",
        shared.api_origin(),
        target.id,
        op.id,
        op.aadgdc
    );
    s.operations.insert(op.id.clone(), op);
    let resp = if generated {
        GResp::json(
            202,
            json!({
                "@odata.context": context_url(shared, "microsoft.graph.passwordResetResponse"),
                "newPassword": new_password,
            }),
        )
    } else {
        GResp::empty(202)
    };
    resp.header("Location", location).header("Retry-After", "1")
}

/// Polls advance the operation: notStarted, then running, then its end (or at once after 30 s).
fn advance(op: &mut Operation, tenant: &Tenant, now: i64) -> bool {
    if op.status == "succeeded" || op.status == "failed" {
        return false;
    }
    op.polls += 1;
    op.last_action_ms = now;
    let finished = op.polls >= 3 || now - op.created_ms >= 30_000;
    if !finished {
        op.status = if op.polls == 1 {
            "notStarted"
        } else {
            "running"
        };
        return false;
    }
    let user = tenant.user(&op.user_id);
    match user {
        Some(u) if u.is_synced() && !tenant.password_writeback => {
            op.status = "failed";
            op.status_detail = Some("Password writeback is not enabled for this tenant, so the password of an on-premises synced user cannot be reset.".into());
        }
        Some(u) if u.is_synced() && u.writeback_fails => {
            op.status = "failed";
            op.status_detail = Some("The on-premises directory rejected the new password during password writeback (it does not meet the on-premises password policy).".into());
        }
        Some(_) => op.status = "succeeded",
        None => {
            op.status = "failed";
            op.status_detail = Some("The user no longer exists.".into());
        }
    }
    op.status == "succeeded"
}

pub fn get_operation(
    shared: &Shared,
    caller: &Caller,
    ctx: &Ctx,
    req: &GReq,
    key: &str,
    op_id: &str,
) -> GResp {
    let mut s = shared.lock();
    let Some(target) = s.tenant.user(key).cloned() else {
        return not_found(ctx, key);
    };
    let own = target.id == caller.user_id;
    if !(caller.has_any(READ_AUTH_METHODS) || (own && caller.has_any(READ_OWN_AUTH_METHODS))) {
        return insufficient(ctx);
    }
    let aadgdc = req.q("aadgdc").unwrap_or("").to_string();
    let tenant = s.tenant.clone();
    let Some(op) = s.operations.get_mut(op_id) else {
        return not_found(ctx, op_id);
    };
    // The Location's query string routes the poll; without it the operation is not found.
    if op.user_id != target.id || op.aadgdc != aadgdc {
        return not_found(ctx, op_id);
    }
    let Some(me) = tenant.user(&caller.user_id) else {
        return insufficient(ctx);
    };
    if op.caller_id != me.id && !authz::may_read_auth_methods(&tenant, me) {
        return insufficient(ctx);
    }
    let succeeded_now = advance(op, &tenant, ctx.now_ms);
    let body = json!({
        "@odata.context": context_url(shared, &format!("users('{}')/authentication/operations/$entity", target.id)),
        "id": op.id,
        "createdDateTime": util::iso(op.created_ms),
        "lastActionDateTime": util::iso(op.last_action_ms),
        "status": op.status,
        "statusDetail": op.status_detail,
        "resourceLocation": null,
    });
    let final_status = op.status;
    let (new_password, generated) = (op.new_password.clone(), op.generated);
    if succeeded_now {
        let u = s.tenant.user_mut(&target.id).expect("exists");
        u.password = new_password;
        u.force_change_password_next_sign_in = true;
        u.last_password_change_date_time = Some(util::iso(ctx.now_ms));
        let target_now = u.clone();
        audit::record(&mut s, ctx, me, &target_now, "Reset user password");
        let second = if generated {
            "Reset password (by admin)"
        } else {
            "Update user"
        };
        audit::record(&mut s, ctx, me, &target_now, second);
    }
    let resp = GResp::json(200, body);
    if final_status == "succeeded" || final_status == "failed" {
        resp
    } else {
        resp.header("Retry-After", "1")
    }
}

fn tap_json(shared: &Shared, user_id: &str, tap: &Tap, now: i64, with_pass: bool) -> Value {
    let end = tap.start_ms + tap.lifetime_in_minutes as i64 * 60_000;
    let (usable, reason) = if now < tap.start_ms {
        (false, "NotYetValid")
    } else if now >= end {
        (false, "Expired")
    } else {
        (true, "EnabledByPolicy")
    };
    let mut v = json!({
        "@odata.context": context_url(shared, &format!("users('{user_id}')/authentication/temporaryAccessPassMethods/$entity")),
        "id": tap.id,
        "temporaryAccessPass": null,
        "createdDateTime": util::iso(tap.created_ms),
        "startDateTime": util::iso(tap.start_ms),
        "lifetimeInMinutes": tap.lifetime_in_minutes,
        "isUsableOnce": tap.is_usable_once,
        "isUsable": usable,
        "methodUsabilityReason": reason,
    });
    if with_pass {
        v["temporaryAccessPass"] = json!(tap.pass);
    }
    v
}

pub fn list_methods(shared: &Shared, caller: &Caller, ctx: &Ctx, key: &str) -> GResp {
    let s = shared.lock();
    let Some(target) = s.tenant.user(key) else {
        return not_found(ctx, key);
    };
    let own = target.id == caller.user_id;
    if !(caller.has_any(READ_AUTH_METHODS) || (own && caller.has_any(READ_OWN_AUTH_METHODS))) {
        return insufficient(ctx);
    }
    let Some(me) = s.tenant.user(&caller.user_id) else {
        return insufficient(ctx);
    };
    if !own && !authz::may_read_auth_methods(&s.tenant, me) {
        return insufficient(ctx);
    }
    let mut value = vec![json!({
        "@odata.type": "#microsoft.graph.passwordAuthenticationMethod",
        "id": PASSWORD_METHOD_ID,
        "password": null,
        "createdDateTime": target.last_password_change_date_time,
    })];
    value.extend(target.authentication_methods.iter().cloned());
    for tap in &target.taps {
        let mut v = tap_json(shared, &target.id, tap, ctx.now_ms, false);
        if let Some(o) = v.as_object_mut() {
            o.remove("@odata.context");
            o.insert(
                "@odata.type".into(),
                json!("#microsoft.graph.temporaryAccessPassAuthenticationMethod"),
            );
        }
        value.push(v);
    }
    GResp::json(
        200,
        json!({
            "@odata.context": context_url(shared, &format!("users('{}')/authentication/methods", target.id)),
            "value": value
        }),
    )
}

pub fn list_taps(shared: &Shared, caller: &Caller, ctx: &Ctx, key: &str) -> GResp {
    let s = shared.lock();
    let Some(target) = s.tenant.user(key) else {
        return not_found(ctx, key);
    };
    let Some(me) = s.tenant.user(&caller.user_id) else {
        return insufficient(ctx);
    };
    if !caller.has_any(READ_AUTH_METHODS) || !authz::may_read_auth_methods(&s.tenant, me) {
        return insufficient(ctx);
    }
    let value: Vec<Value> = target
        .taps
        .iter()
        .map(|t| {
            let mut v = tap_json(shared, &target.id, t, ctx.now_ms, false);
            if let Some(o) = v.as_object_mut() {
                o.remove("@odata.context");
            }
            v
        })
        .collect();
    GResp::json(
        200,
        json!({
            "@odata.context": context_url(shared, &format!("users('{}')/authentication/temporaryAccessPassMethods", target.id)),
            "value": value
        }),
    )
}

fn tap_error(ctx: &Ctx, message: &str) -> GResp {
    bad_request(ctx, "badRequest", message)
}

pub fn create_tap(shared: &Shared, caller: &Caller, ctx: &Ctx, req: &GReq, key: &str) -> GResp {
    if !caller.has_any(WRITE_AUTH_METHODS) {
        return insufficient(ctx);
    }
    let mut s = shared.lock();
    let t = &s.tenant;
    let Some(target) = t.user(key) else {
        return not_found(ctx, key);
    };
    let Some(me) = t.user(&caller.user_id) else {
        return insufficient(ctx);
    };
    if !authz::may_manage_auth_methods(t, me, target) {
        return insufficient(ctx);
    }
    let empty = json!({});
    let body = req.body.as_ref().unwrap_or(&empty);
    let policy = &t.temporary_access_pass_policy;
    let lifetime = match body.get("lifetimeInMinutes") {
        None | Some(Value::Null) => policy.default_lifetime_in_minutes as i64,
        Some(v) => match v.as_i64() {
            Some(n) => n,
            None => return tap_error(ctx, "Invalid value for property 'lifetimeInMinutes'."),
        },
    };
    if !(10..=43_200).contains(&lifetime) {
        return tap_error(
            ctx,
            "The lifetimeInMinutes value is outside the range allowed by the Temporary Access Pass policy (10 to 43200 minutes).",
        );
    }
    let is_usable_once = match body.get("isUsableOnce") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return tap_error(ctx, "Invalid value for property 'isUsableOnce'."),
    };
    let start = match body.get("startDateTime") {
        None | Some(Value::Null) => ctx.now_ms,
        Some(Value::String(v)) => match util::parse_iso(v) {
            Some(ms) => ms,
            None => return tap_error(ctx, "Invalid value for property 'startDateTime'."),
        },
        Some(_) => return tap_error(ctx, "Invalid value for property 'startDateTime'."),
    };
    if !t.in_tap_policy(target) {
        return tap_error(ctx, TAP_POLICY_MESSAGE);
    }
    let now = ctx.now_ms;
    let still_valid = target
        .taps
        .iter()
        .any(|x| now < x.start_ms + x.lifetime_in_minutes as i64 * 60_000);
    if still_valid {
        return tap_error(
            ctx,
            "The user already has a valid Temporary Access Pass; delete it before creating a new one.",
        );
    }
    const TAP_CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+=?@";
    let len = policy.default_length.clamp(8, 48);
    let pass: String = (0..len)
        .map(|_| TAP_CHARS[util::random_below(TAP_CHARS.len())] as char)
        .collect();
    let tap = Tap {
        id: util::guid(),
        pass,
        created_ms: now,
        start_ms: start,
        lifetime_in_minutes: lifetime as u32,
        is_usable_once,
    };
    let target_id = target.id.clone();
    let body = tap_json(shared, &target_id, &tap, now, true);
    let u = s.tenant.user_mut(&target_id).expect("found above");
    u.taps.clear();
    u.taps.push(tap);
    GResp::json(201, body)
}

pub fn delete_tap(shared: &Shared, caller: &Caller, ctx: &Ctx, key: &str, tap_id: &str) -> GResp {
    if !caller.has_any(WRITE_AUTH_METHODS) {
        return insufficient(ctx);
    }
    let mut s = shared.lock();
    let t = &s.tenant;
    let (Some(target), Some(me)) = (t.user(key), t.user(&caller.user_id)) else {
        return not_found(ctx, key);
    };
    if !authz::may_manage_auth_methods(t, me, target) {
        return insufficient(ctx);
    }
    let id = target.id.clone();
    let u = s.tenant.user_mut(&id).expect("found above");
    let before = u.taps.len();
    u.taps.retain(|x| !x.id.eq_ignore_ascii_case(tap_id));
    if u.taps.len() == before {
        return not_found(ctx, tap_id);
    }
    GResp::empty(204)
}

pub fn revoke_sessions(shared: &Shared, caller: &Caller, ctx: &Ctx, key: &str) -> GResp {
    let mut s = shared.lock();
    let t = &s.tenant;
    let Some(target) = t.user(key) else {
        return not_found(ctx, key);
    };
    let own = target.id == caller.user_id;
    if !(caller.has_any(REVOKE) || (own && caller.has_any(&["User.ReadWrite"]))) {
        return insufficient(ctx);
    }
    let Some(me) = t.user(&caller.user_id) else {
        return insufficient(ctx);
    };
    if !own && !authz::may_reset_password(t, me, target) {
        return insufficient(ctx);
    }
    let id = target.id.clone();
    if let Some(u) = s.tenant.user_mut(&id) {
        u.sessions_revoked_at = Some(ctx.now_ms);
    }
    s.refresh_tokens.retain(|_, r| r.user_id != id);
    s.sessions.retain(|_, uid| *uid != id);
    GResp::json(
        200,
        json!({"@odata.context": context_url(shared, "Edm.Boolean"), "value": true}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_checks_length_classes_characters_and_banned_words() {
        let t = Tenant::sample();
        let alex = t.user("alex.wilber@contoso.onmicrosoft.com").unwrap();
        assert!(password_complies(&t, alex, "Blue-Harbor-42"));
        assert!(!password_complies(&t, alex, "Sh0rt!"));
        assert!(!password_complies(&t, alex, "alllowercase12"));
        assert!(!password_complies(&t, alex, "Ünïcode-Pass-42"));
        assert!(
            !password_complies(&t, alex, "C0nt0so-Harbor-42"),
            "tenant name, with 0 for o"
        );
        assert!(
            !password_complies(&t, alex, "Wi1ber-Harbor-42"),
            "surname, with 1 for l"
        );
        assert!(!password_complies(&t, alex, "P@ssword-Harbor-42"));
        // "Alex" is exactly four letters: checked.
        assert!(!password_complies(&t, alex, "Harbor-ALEX-42"));
    }

    #[test]
    fn generated_passwords_comply() {
        let t = Tenant::sample();
        let u = t.user("zoe.muller@contoso.onmicrosoft.com").unwrap();
        for _ in 0..50 {
            assert!(password_complies(&t, u, &generate_password(&t, u)));
        }
    }
}
