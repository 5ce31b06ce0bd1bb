//! The plan: before any write, which way this reset goes, or why it must not happen.
//!
//! ```
//! use handover::graph::User;
//! use handover::workflow::plan::{plan, AdminContext, PlanOptions, ResetPath, TargetRoles};
//! use handover::workflow::roles::template;
//!
//! let target: User = handover::json::read(r#"{"id":"u1","userPrincipalName":"ada@contoso.com","userType":"Member","accountEnabled":true,"lastPasswordChangeDateTime":"2024-01-01T00:00:00Z"}"#).unwrap();
//! let admin = AdminContext::new("admin-1", vec![template::USER_ADMINISTRATOR.into()],
//!     "openid User-PasswordProfile.ReadWrite.All Mail.Send");
//! let plan = plan(&target, &TargetRoles::none(), &admin, &PlanOptions::default()).unwrap();
//! assert_eq!(plan.path, ResetPath::Standard);
//! ```
//!
//! PIM-eligible roles of the target: Entra's enforcement looks only at active roles, but an
//! eligible role can be activated at any moment by whoever holds the password. So they count as
//! privileged for the path, and (by default, [`PlanOptions::eligible_roles_count`]) they also count
//! in "Who can reset passwords": a Helpdesk Administrator who could reset someone eligible for
//! Global Administrator could sign in as them and activate it, the very escalation the table
//! exists to prevent. Entra itself would allow that reset, so the refusal says so.

use super::roles::{
    describe_with_article, least_privileged_resetter, role_name, ResetterRole, TargetRow,
};
use crate::graph::{DirectoryRole, Group, Me, RoleEligibility, User};

/// Delegated permissions Handover may need, by name.
pub mod scope {
    pub const USER_PASSWORD_PROFILE: &str = "User-PasswordProfile.ReadWrite.All";
    pub const USER_READ_WRITE_ALL: &str = "User.ReadWrite.All";
    pub const DIRECTORY_ACCESS_AS_USER: &str = "Directory.AccessAsUser.All";
    pub const AUTH_METHODS: &str = "UserAuthenticationMethod.ReadWrite.All";
    pub const TAP: &str = "UserAuthMethod-TAP.ReadWrite.All";
    pub const MAIL_SEND: &str = "Mail.Send";
}

/// How the password (or pass) is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetPath {
    /// `PATCH /users/{id}` with `passwordProfile` (cloud users without admin roles).
    Standard,
    /// `POST .../methods/{password}/resetPassword`, polled to the end: privileged targets and
    /// synced targets (it goes through password writeback).
    AuthenticationMethods,
    /// A Temporary Access Pass instead of a password; the password is left as it is.
    TemporaryAccessPass,
}

impl ResetPath {
    /// The variant's name, as the receipt writes it.
    pub fn name(self) -> &'static str {
        match self {
            ResetPath::Standard => "Standard",
            ResetPath::AuthenticationMethods => "AuthenticationMethods",
            ResetPath::TemporaryAccessPass => "TemporaryAccessPass",
        }
    }

    /// How the path is named to the admin.
    pub fn describe(self) -> &'static str {
        match self {
            ResetPath::Standard => "standard password reset",
            ResetPath::AuthenticationMethods => {
                "password reset through the Authentication Methods API"
            }
            ResetPath::TemporaryAccessPass => "Temporary Access Pass",
        }
    }
}

/// What the admin wants to hand over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CredentialChoice {
    #[default]
    Password,
    TemporaryAccessPass,
}

/// The admin's choices that shape the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    pub credential: CredentialChoice,
    /// Whether the welcome email is sent (else the admin prints or copies the credential).
    pub send_email: bool,
    /// Whether PIM-eligible roles count as held in "Who can reset passwords" (see the module
    /// docs). They always count as privileged for the choice of path.
    pub eligible_roles_count: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            credential: CredentialChoice::Password,
            send_email: true,
            eligible_roles_count: true,
        }
    }
}

/// The target's roles as read at Review. A `*_known: false` means that read failed (say, a 403 on
/// eligibility because the admin lacks `RoleEligibilitySchedule.Read.Directory`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetRoles {
    pub active: Vec<DirectoryRole>,
    pub eligible: Vec<RoleEligibility>,
    /// Role-assignable groups the target is a member or owner of.
    pub role_assignable_groups: Vec<Group>,
    pub active_known: bool,
    pub eligible_known: bool,
    pub groups_known: bool,
}

impl TargetRoles {
    /// A target known to hold nothing.
    pub fn none() -> TargetRoles {
        TargetRoles {
            active_known: true,
            eligible_known: true,
            groups_known: true,
            ..TargetRoles::default()
        }
    }
}

/// The signed-in admin: id, active role template ids and the scopes the token carries. Read once
/// at sign-in (or in the Review batch) and reused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdminContext {
    pub id: String,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
    pub role_template_ids: Vec<String>,
    /// Scope names without the resource prefix (`Mail.Send`, not `https://graph.microsoft.com/Mail.Send`).
    pub granted_scopes: Vec<String>,
}

impl AdminContext {
    /// From an id, role template ids and the token answer's space-separated `scope`.
    pub fn new(id: &str, role_template_ids: Vec<String>, granted_scopes: &str) -> AdminContext {
        AdminContext {
            id: id.to_owned(),
            user_principal_name: None,
            display_name: None,
            role_template_ids,
            granted_scopes: granted_scopes
                .split_whitespace()
                .map(|s| s.rsplit('/').next().unwrap_or(s).to_owned())
                .collect(),
        }
    }

    /// From `/me`, its directory roles and the granted scopes.
    pub fn from_me(me: &Me, roles: &[DirectoryRole], granted_scopes: &str) -> AdminContext {
        let ids = roles
            .iter()
            .filter_map(|r| r.role_template_id.clone())
            .collect();
        AdminContext {
            user_principal_name: me.user_principal_name.clone(),
            display_name: me.display_name.clone(),
            ..AdminContext::new(&me.id, ids, granted_scopes)
        }
    }

    /// Whether the token carries `scope` (case-insensitive).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.granted_scopes
            .iter()
            .any(|s| s.eq_ignore_ascii_case(scope))
    }

    /// The admin's roles that may reset passwords, least privileged first.
    pub fn resetter_roles(&self) -> Vec<ResetterRole> {
        super::sorted_unique(
            self.role_template_ids
                .iter()
                .filter_map(|id| ResetterRole::from_template_id(id)),
        )
    }

    /// A label for the receipt: UPN, else display name, else id.
    pub fn label(&self) -> &str {
        self.user_principal_name
            .as_deref()
            .or(self.display_name.as_deref())
            .unwrap_or(&self.id)
    }
}

/// Something the admin should know, without stopping the reset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
}

/// The kinds of [`Warning`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningKind {
    AccountDisabled,
    LastPasswordChangeUnknown,
    EligibleRoles,
    ActiveRolesUnknown,
    EligibleRolesUnknown,
    GroupsUnknown,
    SyncedNeedsWriteback,
    PreviouslySynced,
}

impl WarningKind {
    /// The variant's name, as the page's `data-kind` writes it (cheaper than `Debug` there).
    pub fn name(self) -> &'static str {
        match self {
            WarningKind::AccountDisabled => "AccountDisabled",
            WarningKind::LastPasswordChangeUnknown => "LastPasswordChangeUnknown",
            WarningKind::EligibleRoles => "EligibleRoles",
            WarningKind::ActiveRolesUnknown => "ActiveRolesUnknown",
            WarningKind::EligibleRolesUnknown => "EligibleRolesUnknown",
            WarningKind::GroupsUnknown => "GroupsUnknown",
            WarningKind::SyncedNeedsWriteback => "SyncedNeedsWriteback",
            WarningKind::PreviouslySynced => "PreviouslySynced",
        }
    }
}

/// Why Handover will not run this reset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefusalReason {
    /// A guest or external user: their password lives in their home tenant.
    ExternalUser,
    /// The admin's own account: the reset APIs refuse it, and it should go through SSPR.
    OwnAccount,
    /// The admin holds no role that resets passwords.
    NoResetRole { ask_for: ResetterRole },
    /// The admin's roles are too low for this target.
    RoleTooLow { ask_for: ResetterRole },
    /// A Temporary Access Pass needs a role that manages authentication methods.
    CannotIssueTap { ask_for: ResetterRole },
    /// A delegated permission has not been consented.
    MissingPermission { scope: String },
}

/// A refusal, in the admin's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub reason: RefusalReason,
    pub message: String,
    pub what_to_do: String,
}

/// A role of the target, for the Review card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetRole {
    pub name: String,
    pub template_id: Option<String>,
    /// Eligible through PIM rather than active.
    pub eligible: bool,
}

/// What Handover will do, once the admin confirms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub target_id: String,
    pub target_user_principal_name: Option<String>,
    pub target_display_name: String,
    pub path: ResetPath,
    /// Holds (or may activate) an admin role, or belongs to a role-assignable group.
    pub privileged: bool,
    /// Why this path, one sentence each.
    pub why: Vec<String>,
    pub warnings: Vec<Warning>,
    /// The admin's role that the reset relies on (the least privileged that suffices).
    pub acting_role: ResetterRole,
    pub send_email: bool,
    /// For a privileged target the admin types the UPN to confirm.
    pub confirm_by_typing_upn: bool,
    pub target_roles: Vec<TargetRole>,
    /// Every delegated permission the run will use.
    pub scopes_used: Vec<String>,
}

struct Holding {
    name: String,
    row: TargetRow,
    eligible: bool,
}

fn holdings(roles: &TargetRoles, eligible_count: bool) -> Vec<Holding> {
    let mut out = Vec::new();
    for r in &roles.active {
        let row = r
            .role_template_id
            .as_deref()
            .map_or(TargetRow::Privileged, TargetRow::of_template);
        let name = r
            .role_template_id
            .as_deref()
            .and_then(role_name)
            .map(str::to_owned)
            .or_else(|| r.display_name.clone())
            .unwrap_or_else(|| "an unnamed role".to_owned());
        if row != TargetRow::NoAdminRole {
            out.push(Holding {
                name,
                row,
                eligible: false,
            });
        }
    }
    if eligible_count {
        for e in &roles.eligible {
            let row = TargetRow::of_template(&e.role_definition_id);
            if row != TargetRow::NoAdminRole {
                let name = role_name(&e.role_definition_id)
                    .map_or_else(|| format!("role {}", e.role_definition_id), str::to_owned);
                out.push(Holding {
                    name,
                    row,
                    eligible: true,
                });
            }
        }
    }
    for g in &roles.role_assignable_groups {
        let group = g.display_name.as_deref().unwrap_or(&g.id);
        out.push(Holding {
            name: format!("role-assignable group {group}"),
            row: TargetRow::Privileged,
            eligible: false,
        });
    }
    out
}

fn holding_phrase(h: &Holding) -> String {
    if h.eligible {
        format!("someone eligible for {} (PIM)", h.name)
    } else if h.name.starts_with("role-assignable group") {
        format!("a member or owner of the {}", h.name)
    } else {
        describe_with_article(&h.name)
    }
}

fn role_list(roles: &[ResetterRole]) -> String {
    let names: Vec<&str> = roles.iter().map(|r| r.name()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!("Your role, {one},"),
        [init @ .., last] => format!("Your roles, {} and {last},", init.join(", ")),
    }
}

fn refuse(reason: RefusalReason, message: String, what_to_do: String) -> Refusal {
    Refusal {
        reason,
        message,
        what_to_do,
    }
}

/// Works out the plan for resetting `target`, or the refusal.
pub fn plan(
    target: &User,
    roles: &TargetRoles,
    admin: &AdminContext,
    options: &PlanOptions,
) -> Result<Plan, Refusal> {
    let who = target.label().to_owned();

    if target.is_external() {
        return Err(refuse(
            RefusalReason::ExternalUser,
            format!("{who} is a guest (external) account: their password belongs to their home organization."),
            "Ask them to reset it in their home tenant or with their own identity provider.".into(),
        ));
    }
    if target.id.eq_ignore_ascii_case(&admin.id) {
        return Err(refuse(
            RefusalReason::OwnAccount,
            "This is your own account; an admin reset cannot be used on it.".into(),
            "Change your own password at https://myaccount.microsoft.com or with self-service password reset (https://aka.ms/sspr).".into(),
        ));
    }

    let held = holdings(roles, options.eligible_roles_count);
    let all_rows: Vec<TargetRow> = held.iter().map(|h| h.row).collect();
    let ask_for = least_privileged_resetter(&all_rows);
    let mine = admin.resetter_roles();
    if mine.is_empty() {
        return Err(refuse(
            RefusalReason::NoResetRole { ask_for },
            "None of your active admin roles can reset passwords.".into(),
            format!(
                "Ask {} to do it, or activate such a role in PIM if you are eligible.",
                describe_with_article(ask_for.name())
            ),
        ));
    }

    // Which of the admin's roles pass every row; for a TAP, only roles that manage methods.
    let wants_tap = options.credential == CredentialChoice::TemporaryAccessPass;
    let usable: Vec<ResetterRole> = mine
        .iter()
        .copied()
        .filter(|r| !wants_tap || r.manages_authentication_methods())
        .filter(|r| all_rows.iter().all(|row| row.allows(*r)))
        .collect();
    let Some(&acting_role) = usable.first() else {
        if wants_tap && !mine.iter().any(|r| r.manages_authentication_methods()) {
            let ask_tap = ResetterRole::ALL
                .into_iter()
                .filter(|r| r.manages_authentication_methods())
                .find(|r| all_rows.iter().all(|row| row.allows(*r)))
                .unwrap_or(ResetterRole::PrivilegedAuthenticationAdministrator);
            return Err(refuse(
                RefusalReason::CannotIssueTap { ask_for: ask_tap },
                format!(
                    "{} cannot create a Temporary Access Pass.",
                    role_list(&mine)
                ),
                format!(
                    "Ask {}, or reset the password instead.",
                    describe_with_article(ask_tap.name())
                ),
            ));
        }
        // Name the target's role that stops the admin's strongest role.
        let strongest = mine
            .iter()
            .copied()
            .max()
            .unwrap_or(ResetterRole::PasswordAdministrator);
        let blocking = held
            .iter()
            .find(|h| !h.row.allows(strongest))
            .map(holding_phrase)
            .unwrap_or_else(|| "this user".into());
        let mut what_to_do = format!("Ask {}.", describe_with_article(ask_for.name()));
        if held.iter().any(|h| h.eligible && !h.row.allows(strongest))
            && held
                .iter()
                .filter(|h| !h.eligible)
                .all(|h| h.row.allows(strongest))
        {
            what_to_do.push_str(
                " Entra would accept this reset today because the role is only eligible, but whoever holds the new password could activate it, so Handover treats it as held.",
            );
        }
        let ask_for = if wants_tap {
            ResetterRole::ALL
                .into_iter()
                .filter(|r| r.manages_authentication_methods())
                .find(|r| all_rows.iter().all(|row| row.allows(*r)))
                .unwrap_or(ResetterRole::PrivilegedAuthenticationAdministrator)
        } else {
            ask_for
        };
        let reason = if wants_tap {
            RefusalReason::CannotIssueTap { ask_for }
        } else {
            RefusalReason::RoleTooLow { ask_for }
        };
        let verb = if wants_tap {
            "create a Temporary Access Pass for"
        } else {
            "reset"
        };
        return Err(refuse(
            reason,
            format!("{} cannot {verb} {blocking}.", role_list(&mine)),
            what_to_do,
        ));
    };

    // Privilege for the path: any admin role, active or eligible, or a role-assignable group.
    let eligible_any = roles
        .eligible
        .iter()
        .any(|e| TargetRow::of_template(&e.role_definition_id) != TargetRow::NoAdminRole);
    let privileged = !held.is_empty() || eligible_any || !roles.active_known;

    let mut why = Vec::new();
    let path = if wants_tap {
        why.push("A Temporary Access Pass was chosen; the password stays as it is.".to_owned());
        ResetPath::TemporaryAccessPass
    } else if privileged || target.is_synced() {
        if !held.is_empty() || eligible_any {
            why.push(format!(
                "{who} holds or may activate an admin role: the reset goes through the Authentication Methods API and is followed to the end."
            ));
        } else if !roles.active_known {
            why.push("The target's roles could not be read, so Handover treats the account as privileged.".to_owned());
        }
        if target.is_synced() {
            why.push(format!(
                "{who} is synchronized from on-premises Active Directory: the new password goes through password writeback."
            ));
        }
        ResetPath::AuthenticationMethods
    } else {
        why.push(format!("{who} is a cloud account without admin roles."));
        ResetPath::Standard
    };

    // resetPassword needs a role that manages authentication methods (Authentication
    // Administrator or above). Without one: a synced account cannot be reset here at all (PATCH
    // refuses on-premises mastered objects); an admin target the table lets this role reset
    // goes the standard way, on which Entra enforces the same "who can reset" rules.
    let path = if path == ResetPath::AuthenticationMethods
        && !usable.iter().any(|r| r.manages_authentication_methods())
    {
        if target.is_synced() {
            let ask = ResetterRole::ALL
                .into_iter()
                .filter(|r| r.manages_authentication_methods())
                .find(|r| all_rows.iter().all(|row| row.allows(*r)))
                .unwrap_or(ResetterRole::PrivilegedAuthenticationAdministrator);
            return Err(refuse(
                RefusalReason::RoleTooLow { ask_for: ask },
                format!(
                    "{} cannot reset a synchronized account: only the Authentication Methods API writes its password back on-premises, and it needs an authentication administrator role.",
                    role_list(&mine)
                ),
                format!("Ask {}.", describe_with_article(ask.name())),
            ));
        }
        why.push(
            "Your role cannot use the Authentication Methods API, so the reset uses the standard path; Entra applies the same rules to it."
                .to_owned(),
        );
        ResetPath::Standard
    } else {
        path
    };

    // Permissions: refuse before any write when one is missing.
    let mut scopes_used = Vec::new();
    // `alternatives` lists acceptable scopes, least privileged first: that one is asked for.
    let need = |alternatives: &[&str], scopes_used: &mut Vec<String>| -> Result<(), Refusal> {
        let least = alternatives.first().copied().unwrap_or_default();
        match alternatives.iter().find(|s| admin.has_scope(s)) {
            Some(s) => {
                scopes_used.push((*s).to_owned());
                Ok(())
            }
            None => Err(refuse(
                RefusalReason::MissingPermission {
                    scope: least.to_owned(),
                },
                format!(
                    "Handover has not been granted the {} permission, which this {} needs.",
                    least,
                    path.describe()
                ),
                format!(
                    "Sign in again and consent to {} (an admin may need to grant it for the organization).",
                    least
                ),
            )),
        }
    };
    match path {
        ResetPath::Standard => need(
            &[
                scope::USER_PASSWORD_PROFILE,
                scope::USER_READ_WRITE_ALL,
                scope::DIRECTORY_ACCESS_AS_USER,
            ],
            &mut scopes_used,
        )?,
        ResetPath::AuthenticationMethods => need(&[scope::AUTH_METHODS], &mut scopes_used)?,
        ResetPath::TemporaryAccessPass => {
            need(&[scope::TAP, scope::AUTH_METHODS], &mut scopes_used)?
        }
    }
    if options.send_email {
        need(&[scope::MAIL_SEND], &mut scopes_used).map_err(|mut r| {
            r.message = "Handover has not been granted the Mail.Send permission, so it cannot send the welcome email.".into();
            r.what_to_do = "Consent to Mail.Send, or turn the email off and give the credential by print or copy.".into();
            r
        })?;
    }

    let mut warnings = Vec::new();
    let mut warn = |kind, message: String| warnings.push(Warning { kind, message });
    if target.is_disabled() {
        warn(
            WarningKind::AccountDisabled,
            format!("{who}'s account is disabled: the new credential will not work until it is enabled."),
        );
    }
    if target.last_password_change_date_time.is_none() {
        warn(
            WarningKind::LastPasswordChangeUnknown,
            "The last password change is unknown: the user may never have signed in.".into(),
        );
    }
    if eligible_any {
        let names: Vec<String> = roles
            .eligible
            .iter()
            .filter(|e| TargetRow::of_template(&e.role_definition_id) != TargetRow::NoAdminRole)
            .map(|e| {
                role_name(&e.role_definition_id)
                    .map_or_else(|| e.role_definition_id.clone(), str::to_owned)
            })
            .collect();
        warn(
            WarningKind::EligibleRoles,
            format!(
                "{who} is eligible (PIM) for {} and could activate it at any moment: handled as privileged.",
                names.join(", ")
            ),
        );
    }
    if !roles.active_known {
        warn(
            WarningKind::ActiveRolesUnknown,
            "The user's active roles could not be read; Entra still refuses a reset your role may not do.".into(),
        );
    }
    if !roles.eligible_known {
        warn(
            WarningKind::EligibleRolesUnknown,
            "PIM-eligible roles could not be read (RoleEligibilitySchedule.Read.Directory not granted?): the roles shown may be incomplete.".into(),
        );
    }
    if !roles.groups_known {
        warn(
            WarningKind::GroupsUnknown,
            "Role-assignable group memberships could not be read: the roles shown may be incomplete.".into(),
        );
    }
    if target.is_synced() && path == ResetPath::AuthenticationMethods {
        warn(
            WarningKind::SyncedNeedsWriteback,
            "The reset needs password writeback; if writeback is off, the operation fails and nothing is sent.".into(),
        );
    }
    if target.on_premises_sync_enabled == Some(false) {
        warn(
            WarningKind::PreviouslySynced,
            "This account was synchronized from on-premises once and is now managed in the cloud."
                .into(),
        );
    }

    let mut target_roles: Vec<TargetRole> = roles
        .active
        .iter()
        .filter(|r| {
            r.role_template_id
                .as_deref()
                .is_none_or(|id| !super::roles::is_implicit_role(id))
        })
        .map(|r| TargetRole {
            name: r
                .role_template_id
                .as_deref()
                .and_then(role_name)
                .map(str::to_owned)
                .or_else(|| r.display_name.clone())
                .unwrap_or_else(|| "Unnamed role".into()),
            template_id: r.role_template_id.clone(),
            eligible: false,
        })
        .collect();
    target_roles.extend(roles.eligible.iter().map(|e| {
        TargetRole {
            name: role_name(&e.role_definition_id)
                .map_or_else(|| e.role_definition_id.clone(), str::to_owned),
            template_id: Some(e.role_definition_id.clone()),
            eligible: true,
        }
    }));

    Ok(Plan {
        target_id: target.id.clone(),
        target_user_principal_name: target.user_principal_name.clone(),
        target_display_name: who,
        path,
        privileged,
        why,
        warnings,
        acting_role,
        send_email: options.send_email,
        confirm_by_typing_upn: privileged,
        target_roles,
        scopes_used,
    })
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
