//! "Who can reset passwords" (Microsoft Entra privileged roles and permissions): which of the
//! caller's active roles may reset a target holding which roles. Roles are compared by
//! roleTemplateId; PIM-eligible roles do not count until activated; membership of a role-assignable
//! group makes a target privileged whatever the group's roles.

use crate::tenant::{role, Tenant, User};

/// The six roles that may reset some passwords, in the table's column order.
const RESETTERS: [&str; 6] = [
    role::PASSWORD_ADMIN,
    role::HELPDESK_ADMIN,
    role::AUTH_ADMIN,
    role::USER_ADMIN,
    role::PRIVILEGED_AUTH_ADMIN,
    role::GLOBAL_ADMIN,
];

/// The caller roles allowed to reset a target that holds `target_role`.
fn allowed_for(target_role: &str) -> &'static [&'static str] {
    const ALL: &[&str] = &RESETTERS;
    const HELPDESK_ROW: &[&str] = &[
        role::HELPDESK_ADMIN,
        role::USER_ADMIN,
        role::PRIVILEGED_AUTH_ADMIN,
        role::GLOBAL_ADMIN,
    ];
    const READERS_ROW: &[&str] = &[
        role::HELPDESK_ADMIN,
        role::AUTH_ADMIN,
        role::USER_ADMIN,
        role::PRIVILEGED_AUTH_ADMIN,
        role::GLOBAL_ADMIN,
    ];
    const AUTH_ROW: &[&str] = &[
        role::AUTH_ADMIN,
        role::PRIVILEGED_AUTH_ADMIN,
        role::GLOBAL_ADMIN,
    ];
    const USER_ROW: &[&str] = &[
        role::USER_ADMIN,
        role::PRIVILEGED_AUTH_ADMIN,
        role::GLOBAL_ADMIN,
    ];
    const TOP_ROW: &[&str] = &[role::PRIVILEGED_AUTH_ADMIN, role::GLOBAL_ADMIN];
    match target_role {
        role::PASSWORD_ADMIN | role::DIRECTORY_READERS | role::GUEST_INVITER => ALL,
        role::HELPDESK_ADMIN => HELPDESK_ROW,
        role::REPORTS_READER
        | role::MESSAGE_CENTER_READER
        | role::USAGE_SUMMARY_READER
        | role::UX_SUCCESS_MANAGER => READERS_ROW,
        role::AUTH_ADMIN => AUTH_ROW,
        role::USER_ADMIN | role::GROUPS_ADMIN => USER_ROW,
        _ => TOP_ROW,
    }
}

/// Whether `caller` may reset `target`'s password (either endpoint) per the table.
pub fn may_reset_password(tenant: &Tenant, caller: &User, target: &User) -> bool {
    let caller_roles = tenant.active_role_templates(caller);
    let holds = |allowed: &[&str]| caller_roles.iter().any(|r| allowed.contains(&r.as_str()));
    if !holds(&RESETTERS) {
        return false;
    }
    if tenant.in_role_assignable_group(target) && !holds(allowed_for("other")) {
        return false;
    }
    tenant
        .active_role_templates(target)
        .iter()
        .all(|r| holds(allowed_for(r)))
}

/// The Authentication Methods API (resetPassword, Temporary Access Pass) additionally needs an
/// authentication-administrator role.
pub fn may_manage_auth_methods(tenant: &Tenant, caller: &User, target: &User) -> bool {
    let caller_roles = tenant.active_role_templates(caller);
    let auth_role = caller_roles.iter().any(|r| {
        [
            role::AUTH_ADMIN,
            role::PRIVILEGED_AUTH_ADMIN,
            role::GLOBAL_ADMIN,
        ]
        .contains(&r.as_str())
    });
    auth_role && may_reset_password(tenant, caller, target)
}

/// Reading someone else's authentication methods or operations.
pub fn may_read_auth_methods(tenant: &Tenant, caller: &User) -> bool {
    tenant.active_role_templates(caller).iter().any(|r| {
        [
            role::AUTH_ADMIN,
            role::PRIVILEGED_AUTH_ADMIN,
            role::GLOBAL_ADMIN,
            role::GLOBAL_READER,
            role::SECURITY_READER,
            role::SECURITY_ADMIN,
        ]
        .contains(&r.as_str())
    })
}

/// Reading the directory audit log needs a reports or security reading role.
pub fn may_read_audit(tenant: &Tenant, caller: &User) -> bool {
    tenant.active_role_templates(caller).iter().any(|r| {
        [
            role::GLOBAL_ADMIN,
            role::GLOBAL_READER,
            role::SECURITY_ADMIN,
            role::SECURITY_READER,
            role::REPORTS_READER,
        ]
        .contains(&r.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Tenant {
        Tenant::sample()
    }

    fn may(caller: &str, target: &str) -> bool {
        let t = t();
        let c = t.user(caller).unwrap();
        let g = t.user(target).unwrap();
        may_reset_password(&t, c, g)
    }

    const D: &str = "@contoso.onmicrosoft.com";

    #[test]
    fn the_table_holds_for_the_sample_accounts() {
        let u = |s: &str| format!("{s}{D}");
        // Everyone with a resetting role can reset a plain member.
        for c in [
            "ada.admin",
            "priya.pam",
            "aaron.auth",
            "uma.useradmin",
            "hana.helpdesk",
            "pat.password",
        ] {
            assert!(may(&u(c), &u("alex.wilber")), "{c}");
        }
        assert!(!may(&u("rita.regular"), &u("alex.wilber")));
        // A Global Administrator target: only GA and PAA.
        assert!(may(&u("ada.admin"), &u("gordon.gale")));
        assert!(may(&u("priya.pam"), &u("gordon.gale")));
        for c in [
            "aaron.auth",
            "uma.useradmin",
            "hana.helpdesk",
            "pat.password",
        ] {
            assert!(!may(&u(c), &u("gordon.gale")), "{c}");
        }
        // Helpdesk Administrator target.
        assert!(may(&u("hana.helpdesk"), &u("hugo.reyes")));
        assert!(may(&u("uma.useradmin"), &u("hugo.reyes")));
        assert!(!may(&u("pat.password"), &u("hugo.reyes")));
        assert!(!may(&u("aaron.auth"), &u("hugo.reyes")));
        // Authentication Administrator target.
        assert!(may(&u("aaron.auth"), &u("tara.quinn")));
        assert!(!may(&u("uma.useradmin"), &u("tara.quinn")));
        // PIM-eligible only: not privileged until activated.
        assert!(may(&u("hana.helpdesk"), &u("eli.novak")));
        // Member of a role-assignable group: privileged.
        assert!(!may(&u("uma.useradmin"), &u("grace.kim")));
        assert!(may(&u("priya.pam"), &u("grace.kim")));
    }
}
