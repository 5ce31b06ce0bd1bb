use super::*;
use crate::graph::{DirectoryRole, Group, RoleEligibility, User};
use crate::workflow::roles::{template, ResetterRole, TargetRow};

const ALL_SCOPES: &str = "openid profile offline_access https://graph.microsoft.com/User-PasswordProfile.ReadWrite.All UserAuthenticationMethod.ReadWrite.All Mail.Send";

fn user(id: &str) -> User {
    User {
        id: id.into(),
        display_name: Some("Ada Lovelace".into()),
        given_name: Some("Ada".into()),
        surname: Some("Lovelace".into()),
        user_principal_name: Some("ada@contoso.com".into()),
        mail: Some("ada@contoso.com".into()),
        other_mails: vec!["ada@example.org".into()],
        account_enabled: Some(true),
        user_type: Some("Member".into()),
        on_premises_sync_enabled: None,
        last_password_change_date_time: Some("2025-01-01T00:00:00Z".into()),
    }
}

fn admin(role: ResetterRole) -> AdminContext {
    AdminContext::new("admin-1", vec![role.template_id().into()], ALL_SCOPES)
}

fn active(template_id: &str) -> TargetRoles {
    TargetRoles {
        active: vec![DirectoryRole {
            id: Some("tenant-specific".into()),
            display_name: None,
            role_template_id: Some(template_id.into()),
        }],
        ..TargetRoles::none()
    }
}

fn eligible(template_id: &str) -> TargetRoles {
    TargetRoles {
        eligible: vec![RoleEligibility {
            id: Some("e".into()),
            principal_id: Some("t".into()),
            role_definition_id: template_id.into(),
            directory_scope_id: Some("/".into()),
            start_date_time: None,
            end_date_time: None,
            member_type: Some("Direct".into()),
        }],
        ..TargetRoles::none()
    }
}

/// One representative role per row of "Who can reset passwords" (None = no admin role), with the
/// row's cells for Password, Helpdesk, Auth, User, PAA, GA.
fn table() -> Vec<(Option<&'static str>, [bool; 6])> {
    vec![
        (None, [true, true, true, true, true, true]),
        (
            Some(template::PASSWORD_ADMINISTRATOR),
            [true, true, true, true, true, true],
        ),
        (
            Some(template::DIRECTORY_READERS),
            [true, true, true, true, true, true],
        ),
        (
            Some(template::GUEST_INVITER),
            [true, true, true, true, true, true],
        ),
        (
            Some(template::HELPDESK_ADMINISTRATOR),
            [false, true, false, true, true, true],
        ),
        (
            Some(template::REPORTS_READER),
            [false, true, true, true, true, true],
        ),
        (
            Some(template::MESSAGE_CENTER_READER),
            [false, true, true, true, true, true],
        ),
        (
            Some(template::USAGE_SUMMARY_REPORTS_READER),
            [false, true, true, true, true, true],
        ),
        (
            Some(template::USER_EXPERIENCE_SUCCESS_MANAGER),
            [false, true, true, true, true, true],
        ),
        (
            Some(template::AUTHENTICATION_ADMINISTRATOR),
            [false, false, true, false, true, true],
        ),
        (
            Some(template::USER_ADMINISTRATOR),
            [false, false, false, true, true, true],
        ),
        (
            Some(template::GROUPS_ADMINISTRATOR),
            [false, false, false, true, true, true],
        ),
        (
            Some(template::GLOBAL_ADMINISTRATOR),
            [false, false, false, false, true, true],
        ),
        (
            Some(template::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR),
            [false, false, false, false, true, true],
        ),
        (
            Some(template::PRIVILEGED_ROLE_ADMINISTRATOR),
            [false, false, false, false, true, true],
        ),
        (
            Some(template::SECURITY_ADMINISTRATOR),
            [false, false, false, false, true, true],
        ),
        (
            Some("d1a0a4f1-0000-4000-8000-c0ffeec0ffee"),
            [false, false, false, false, true, true],
        ),
    ]
}

#[test]
fn every_row_of_the_table_for_every_admin_role() {
    for (role, cells) in table() {
        let roles = role.map_or_else(TargetRoles::none, active);
        for (caller, allowed) in ResetterRole::ALL.into_iter().zip(cells) {
            let result = plan(&user("t"), &roles, &admin(caller), &PlanOptions::default());
            match (&result, allowed) {
                (Ok(p), true) => {
                    // resetPassword needs an authentication administrator role; others
                    // reset the admin targets they may reset the standard way.
                    let expected = if role.is_some() && caller.manages_authentication_methods() {
                        ResetPath::AuthenticationMethods
                    } else {
                        ResetPath::Standard
                    };
                    assert_eq!(p.path, expected, "{role:?} by {caller:?}");
                    assert_eq!(p.acting_role, caller);
                    assert_eq!(p.privileged, role.is_some());
                    assert_eq!(p.confirm_by_typing_upn, role.is_some());
                }
                (Err(r), false) => {
                    let rows: Vec<TargetRow> =
                        role.map(TargetRow::of_template).into_iter().collect();
                    let ask_for = crate::workflow::roles::least_privileged_resetter(&rows);
                    assert_eq!(
                        r.reason,
                        RefusalReason::RoleTooLow { ask_for },
                        "{role:?} by {caller:?}"
                    );
                    assert!(
                        r.message
                            .starts_with(&format!("Your role, {},", caller.name())),
                        "{}",
                        r.message
                    );
                    assert!(r.what_to_do.contains(ask_for.name()), "{}", r.what_to_do);
                }
                _ => panic!("{role:?} by {caller:?}: expected allowed={allowed}, got {result:?}"),
            }
        }
    }
}

#[test]
fn the_documented_refusal_sentence() {
    let r = plan(
        &user("t"),
        &active(template::GLOBAL_ADMINISTRATOR),
        &admin(ResetterRole::HelpdeskAdministrator),
        &PlanOptions::default(),
    );
    let r = r.expect_err("refused");
    assert_eq!(
        format!("{} {}", r.message, r.what_to_do),
        "Your role, Helpdesk Administrator, cannot reset a Global Administrator. Ask a Privileged Authentication Administrator."
    );
}

#[test]
fn several_target_roles_need_a_role_allowed_for_all() {
    let mut roles = active(template::HELPDESK_ADMINISTRATOR);
    roles
        .active
        .extend(active(template::AUTHENTICATION_ADMINISTRATOR).active);
    for caller in [
        ResetterRole::HelpdeskAdministrator,
        ResetterRole::AuthenticationAdministrator,
        ResetterRole::UserAdministrator,
    ] {
        let r =
            plan(&user("t"), &roles, &admin(caller), &PlanOptions::default()).expect_err("refused");
        assert_eq!(
            r.reason,
            RefusalReason::RoleTooLow {
                ask_for: ResetterRole::PrivilegedAuthenticationAdministrator
            }
        );
    }
    assert!(plan(
        &user("t"),
        &roles,
        &admin(ResetterRole::PrivilegedAuthenticationAdministrator),
        &PlanOptions::default()
    )
    .is_ok());
}

#[test]
fn an_admin_with_several_roles_uses_the_least_that_suffices() {
    let a = AdminContext::new(
        "admin-1",
        vec![
            template::GLOBAL_ADMINISTRATOR.into(),
            template::HELPDESK_ADMINISTRATOR.into(),
            template::SECURITY_ADMINISTRATOR.into(),
        ],
        ALL_SCOPES,
    );
    let p = plan(
        &user("t"),
        &active(template::REPORTS_READER),
        &a,
        &PlanOptions::default(),
    )
    .expect("plan");
    assert_eq!(p.acting_role, ResetterRole::HelpdeskAdministrator);
    let p = plan(
        &user("t"),
        &active(template::GLOBAL_ADMINISTRATOR),
        &a,
        &PlanOptions::default(),
    )
    .expect("plan");
    assert_eq!(p.acting_role, ResetterRole::GlobalAdministrator);
}

#[test]
fn guests_and_external_members_are_refused() {
    let mut guest = user("t");
    guest.user_type = Some("Guest".into());
    let r = plan(
        &guest,
        &TargetRoles::none(),
        &admin(ResetterRole::GlobalAdministrator),
        &PlanOptions::default(),
    )
    .expect_err("refused");
    assert_eq!(r.reason, RefusalReason::ExternalUser);
    assert!(r.what_to_do.contains("home tenant"));
    let mut external = user("t");
    external.user_principal_name = Some("bob_fabrikam.com#EXT#@contoso.onmicrosoft.com".into());
    let r = plan(
        &external,
        &TargetRoles::none(),
        &admin(ResetterRole::GlobalAdministrator),
        &PlanOptions::default(),
    )
    .expect_err("refused");
    assert_eq!(r.reason, RefusalReason::ExternalUser);
}

#[test]
fn own_account_is_refused_with_sspr() {
    let r = plan(
        &user("ADMIN-1"),
        &TargetRoles::none(),
        &admin(ResetterRole::GlobalAdministrator),
        &PlanOptions::default(),
    )
    .expect_err("refused");
    assert_eq!(r.reason, RefusalReason::OwnAccount);
    assert!(r.what_to_do.contains("myaccount.microsoft.com"));
}

#[test]
fn no_reset_role_at_all() {
    for roles in [
        vec![],
        vec![
            template::SECURITY_ADMINISTRATOR.to_string(),
            template::PRIVILEGED_ROLE_ADMINISTRATOR.to_string(),
        ],
    ] {
        let a = AdminContext::new("admin-1", roles, ALL_SCOPES);
        let r = plan(
            &user("t"),
            &active(template::HELPDESK_ADMINISTRATOR),
            &a,
            &PlanOptions::default(),
        )
        .expect_err("refused");
        assert_eq!(
            r.reason,
            RefusalReason::NoResetRole {
                ask_for: ResetterRole::HelpdeskAdministrator
            }
        );
        assert!(r.what_to_do.contains("a Helpdesk Administrator"));
    }
}

#[test]
fn synced_users_take_the_authentication_methods_path() {
    let mut synced = user("t");
    synced.on_premises_sync_enabled = Some(true);
    // Without an authentication administrator role there is no way to reset a synced user:
    // PATCH refuses it and resetPassword needs that role.
    let r = plan(
        &synced,
        &TargetRoles::none(),
        &admin(ResetterRole::HelpdeskAdministrator),
        &PlanOptions::default(),
    )
    .expect_err("refused");
    assert_eq!(
        r.reason,
        RefusalReason::RoleTooLow {
            ask_for: ResetterRole::AuthenticationAdministrator
        }
    );
    assert!(
        r.what_to_do.contains("an Authentication Administrator"),
        "{}",
        r.what_to_do
    );
    let p = plan(
        &synced,
        &TargetRoles::none(),
        &admin(ResetterRole::AuthenticationAdministrator),
        &PlanOptions::default(),
    )
    .expect("plan");
    assert_eq!(p.path, ResetPath::AuthenticationMethods);
    assert!(!p.privileged);
    assert!(p
        .warnings
        .iter()
        .any(|w| w.kind == WarningKind::SyncedNeedsWriteback));
    assert!(p.scopes_used.contains(&scope::AUTH_METHODS.to_string()));
    // Once synced, now cloud-managed: standard path, with a note.
    synced.on_premises_sync_enabled = Some(false);
    let p = plan(
        &synced,
        &TargetRoles::none(),
        &admin(ResetterRole::HelpdeskAdministrator),
        &PlanOptions::default(),
    )
    .expect("plan");
    assert_eq!(p.path, ResetPath::Standard);
    assert!(p
        .warnings
        .iter()
        .any(|w| w.kind == WarningKind::PreviouslySynced));
}

#[test]
fn pim_eligible_roles_are_privileged_and_count_in_the_table() {
    let roles = eligible(template::GLOBAL_ADMINISTRATOR);
    let r = plan(
        &user("t"),
        &roles,
        &admin(ResetterRole::UserAdministrator),
        &PlanOptions::default(),
    )
    .expect_err("refused");
    assert_eq!(
        r.reason,
        RefusalReason::RoleTooLow {
            ask_for: ResetterRole::PrivilegedAuthenticationAdministrator
        }
    );
    assert!(
        r.message.contains("eligible for Global Administrator"),
        "{}",
        r.message
    );
    assert!(
        r.what_to_do.contains("Entra would accept"),
        "{}",
        r.what_to_do
    );

    let p = plan(
        &user("t"),
        &roles,
        &admin(ResetterRole::PrivilegedAuthenticationAdministrator),
        &PlanOptions::default(),
    )
    .expect("plan");
    assert_eq!(p.path, ResetPath::AuthenticationMethods);
    assert!(p.privileged);
    assert!(p.warnings.iter().any(
        |w| w.kind == WarningKind::EligibleRoles && w.message.contains("Global Administrator")
    ));
    assert!(p
        .target_roles
        .iter()
        .any(|r| r.eligible && r.name == "Global Administrator"));

    // With eligibility not counted in the table, Entra's own rule applies: the target stays
    // privileged (confirm by typing the UPN), and a User Administrator, who cannot call
    // resetPassword, resets the standard way.
    let lenient = PlanOptions {
        eligible_roles_count: false,
        ..PlanOptions::default()
    };
    let p = plan(
        &user("t"),
        &roles,
        &admin(ResetterRole::UserAdministrator),
        &lenient,
    )
    .expect("plan");
    assert_eq!(p.path, ResetPath::Standard);
    assert!(p.privileged);
    assert!(p.confirm_by_typing_upn);
}

#[test]
fn role_assignable_group_membership_is_privileged() {
    let roles = TargetRoles {
        role_assignable_groups: vec![Group {
            id: "g1".into(),
            display_name: Some("Tier0".into()),
            is_assignable_to_role: Some(true),
        }],
        ..TargetRoles::none()
    };
    let r = plan(
        &user("t"),
        &roles,
        &admin(ResetterRole::UserAdministrator),
        &PlanOptions::default(),
    )
    .expect_err("refused");
    assert!(
        r.message.contains("role-assignable group Tier0"),
        "{}",
        r.message
    );
    let p = plan(
        &user("t"),
        &roles,
        &admin(ResetterRole::PrivilegedAuthenticationAdministrator),
        &PlanOptions::default(),
    )
    .expect("plan");
    assert_eq!(p.path, ResetPath::AuthenticationMethods);
    assert!(p.confirm_by_typing_upn);
}

#[test]
fn disabled_and_unknown_password_age_are_warnings() {
    let mut u = user("t");
    u.account_enabled = Some(false);
    u.last_password_change_date_time = None;
    let p = plan(
        &u,
        &TargetRoles::none(),
        &admin(ResetterRole::HelpdeskAdministrator),
        &PlanOptions::default(),
    )
    .expect("a warning, not a refusal");
    let kinds: Vec<WarningKind> = p.warnings.iter().map(|w| w.kind).collect();
    assert!(kinds.contains(&WarningKind::AccountDisabled));
    assert!(kinds.contains(&WarningKind::LastPasswordChangeUnknown));
}

#[test]
fn unreadable_roles_are_warnings_and_treated_as_privileged() {
    let roles = TargetRoles {
        active_known: false,
        eligible_known: false,
        groups_known: false,
        ..TargetRoles::default()
    };
    let p = plan(
        &user("t"),
        &roles,
        &admin(ResetterRole::HelpdeskAdministrator),
        &PlanOptions::default(),
    )
    .expect("plan");
    // Treated as privileged, but a Helpdesk Administrator cannot call resetPassword.
    assert_eq!(p.path, ResetPath::Standard);
    assert!(p.privileged);
    let p_auth = plan(
        &user("t"),
        &roles,
        &admin(ResetterRole::AuthenticationAdministrator),
        &PlanOptions::default(),
    );
    assert!(
        matches!(&p_auth, Ok(q) if q.path == ResetPath::AuthenticationMethods),
        "{p_auth:?}"
    );
    let kinds: Vec<WarningKind> = p.warnings.iter().map(|w| w.kind).collect();
    for k in [
        WarningKind::ActiveRolesUnknown,
        WarningKind::EligibleRolesUnknown,
        WarningKind::GroupsUnknown,
    ] {
        assert!(kinds.contains(&k), "{k:?}");
    }
}

#[test]
fn missing_scopes_refuse_with_the_permission_to_consent() {
    let cases: [(&str, PlanOptions, bool, &str); 5] = [
        (
            "Mail.Send",
            PlanOptions::default(),
            false,
            scope::USER_PASSWORD_PROFILE,
        ),
        (
            "User-PasswordProfile.ReadWrite.All",
            PlanOptions::default(),
            false,
            scope::MAIL_SEND,
        ),
        (
            "User.ReadWrite.All Mail.Send",
            PlanOptions::default(),
            false,
            "",
        ),
        (
            "Directory.AccessAsUser.All",
            PlanOptions {
                send_email: false,
                ..PlanOptions::default()
            },
            false,
            "",
        ),
        (
            "User.ReadWrite.All Mail.Send",
            PlanOptions::default(),
            true,
            scope::AUTH_METHODS,
        ),
    ];
    for (granted, options, synced, missing) in cases {
        let mut u = user("t");
        u.on_premises_sync_enabled = synced.then_some(true);
        // A synced user needs resetPassword, hence an authentication administrator.
        let role = if synced {
            template::AUTHENTICATION_ADMINISTRATOR
        } else {
            template::USER_ADMINISTRATOR
        };
        let a = AdminContext::new("admin-1", vec![role.into()], granted);
        let result = plan(&u, &TargetRoles::none(), &a, &options);
        if missing.is_empty() {
            assert!(result.is_ok(), "{granted}: {result:?}");
        } else {
            let r = result
                .err()
                .unwrap_or_else(|| panic!("{granted}: expected refusal"));
            assert_eq!(
                r.reason,
                RefusalReason::MissingPermission {
                    scope: missing.into()
                },
                "{granted}"
            );
            assert!(r.what_to_do.contains(missing), "{}", r.what_to_do);
        }
    }
}

#[test]
fn temporary_access_pass_needs_an_authentication_role() {
    let tap = PlanOptions {
        credential: CredentialChoice::TemporaryAccessPass,
        ..PlanOptions::default()
    };
    let scopes = "UserAuthMethod-TAP.ReadWrite.All Mail.Send";
    let with =
        |role: ResetterRole| AdminContext::new("admin-1", vec![role.template_id().into()], scopes);

    let p = plan(
        &user("t"),
        &TargetRoles::none(),
        &with(ResetterRole::AuthenticationAdministrator),
        &tap,
    )
    .expect("plan");
    assert_eq!(p.path, ResetPath::TemporaryAccessPass);
    assert!(p.scopes_used.contains(&scope::TAP.to_string()));

    for role in [
        ResetterRole::HelpdeskAdministrator,
        ResetterRole::UserAdministrator,
        ResetterRole::PasswordAdministrator,
    ] {
        let r = plan(&user("t"), &TargetRoles::none(), &with(role), &tap).expect_err("refused");
        assert_eq!(
            r.reason,
            RefusalReason::CannotIssueTap {
                ask_for: ResetterRole::AuthenticationAdministrator
            },
            "{role:?}"
        );
        assert!(r.message.contains("cannot create a Temporary Access Pass"));
    }
    // An admin target needs a Privileged Authentication Administrator.
    let r = plan(
        &user("t"),
        &active(template::GLOBAL_ADMINISTRATOR),
        &with(ResetterRole::AuthenticationAdministrator),
        &tap,
    )
    .expect_err("refused");
    assert_eq!(
        r.reason,
        RefusalReason::CannotIssueTap {
            ask_for: ResetterRole::PrivilegedAuthenticationAdministrator
        }
    );
    let p = plan(
        &user("t"),
        &active(template::GLOBAL_ADMINISTRATOR),
        &with(ResetterRole::PrivilegedAuthenticationAdministrator),
        &tap,
    )
    .expect("plan");
    assert_eq!(p.path, ResetPath::TemporaryAccessPass);
    // A synced user can get a pass: it does not touch the password.
    let mut synced = user("t");
    synced.on_premises_sync_enabled = Some(true);
    assert_eq!(
        plan(
            &synced,
            &TargetRoles::none(),
            &with(ResetterRole::GlobalAdministrator),
            &tap
        )
        .map(|p| p.path)
        .ok(),
        Some(ResetPath::TemporaryAccessPass)
    );
    // Without a TAP-capable scope: refused with the least-privileged one to consent.
    let a = AdminContext::new(
        "admin-1",
        vec![template::GLOBAL_ADMINISTRATOR.into()],
        "Mail.Send",
    );
    let r = plan(&user("t"), &TargetRoles::none(), &a, &tap).expect_err("refused");
    assert_eq!(
        r.reason,
        RefusalReason::MissingPermission {
            scope: scope::TAP.into()
        }
    );
}

#[test]
fn scopes_are_normalised() {
    let a = AdminContext::new("a", vec![], "https://graph.microsoft.com/Mail.Send  openid");
    assert!(a.has_scope("Mail.Send") && a.has_scope("mail.send") && a.has_scope("openid"));
    assert!(!a.has_scope("User.ReadWrite.All"));
}

#[test]
fn warning_kind_name_is_the_variant_name_the_page_wrote_before() {
    // `data-kind` was `format!("{:?}")`; `name()` must give the same text for every kind.
    for kind in [
        WarningKind::AccountDisabled,
        WarningKind::LastPasswordChangeUnknown,
        WarningKind::EligibleRoles,
        WarningKind::ActiveRolesUnknown,
        WarningKind::EligibleRolesUnknown,
        WarningKind::GroupsUnknown,
        WarningKind::SyncedNeedsWriteback,
        WarningKind::PreviouslySynced,
    ] {
        assert_eq!(kind.name(), format!("{kind:?}"));
    }
}
