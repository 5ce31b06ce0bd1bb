//! Delegated permissions: what Handover asks for, what the token answer says was granted, and
//! which features a missing permission turns off.
//!
//! The reset permissions are the plan's ([`crate::workflow::plan::scope`]), so the sign-in and
//! the plan can never disagree about a name.
//!
//! ```
//! use handover::auth::scopes::{unavailable, Feature, Scopes};
//!
//! let granted = Scopes::parse("openid profile https://graph.microsoft.com/User.Read.All User.ReadWrite.All");
//! assert!(granted.contains("user.read.all"));
//! let missing = unavailable(&granted);
//! assert!(missing.contains(&(Feature::SendMail, "Mail.Send")));
//! ```

use crate::workflow::plan::scope;

/// Permissions that are not the plan's own.
pub mod name {
    pub const USER_READ_ALL: &str = "User.Read.All";
    pub const DIRECTORY_READ_ALL: &str = "Directory.Read.All";
    pub const DIRECTORY_READ_WRITE_ALL: &str = "Directory.ReadWrite.All";
    pub const ROLE_MANAGEMENT_READ_DIRECTORY: &str = "RoleManagement.Read.Directory";
    pub const ROLE_MANAGEMENT_READ_ALL: &str = "RoleManagement.Read.All";
    pub const ROLE_MANAGEMENT_READ_WRITE_DIRECTORY: &str = "RoleManagement.ReadWrite.Directory";
    pub const ROLE_ELIGIBILITY_READ: &str = "RoleEligibilitySchedule.Read.Directory";
    pub const ROLE_ELIGIBILITY_READ_WRITE: &str = "RoleEligibilitySchedule.ReadWrite.Directory";
    pub const AUDIT_LOG_READ_ALL: &str = "AuditLog.Read.All";
    pub const OPENID: &str = "openid";
    pub const PROFILE: &str = "profile";
    pub const OFFLINE_ACCESS: &str = "offline_access";
}

/// What Handover asks for when config.json names no `scopes`: what a reset needs, plus the
/// OpenID Connect scopes (an ID token with the admin's name, and a refresh token).
pub const DEFAULT: &[&str] = &[
    name::USER_READ_ALL,
    scope::USER_READ_WRITE_ALL,
    scope::AUTH_METHODS,
    scope::MAIL_SEND,
    name::DIRECTORY_READ_ALL,
    // The least privileged permission that reads eligible role instances (Graph's permission
    // table for roleEligibilityScheduleInstances); RoleManagement.Read.Directory also reads
    // every role assignment and definition, which Handover never needs.
    name::ROLE_ELIGIBILITY_READ,
    name::OPENID,
    name::PROFILE,
    name::OFFLINE_ACCESS,
];

/// The OpenID Connect scopes the sign-in cannot do without: `openid` for the ID token (the
/// nonce check and the admin's name), `profile` for the name, `offline_access` for refreshing.
pub const OIDC: &[&str] = &[name::OPENID, name::PROFILE, name::OFFLINE_ACCESS];

/// The `scope` to request: the configured scopes, plus any of [`OIDC`] they leave out, without
/// duplicates (case-insensitive), in order.
pub fn for_request(configured: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(configured.len() + OIDC.len());
    for s in configured
        .iter()
        .map(String::as_str)
        .chain(OIDC.iter().copied())
    {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_owned());
        }
    }
    out
}

/// Granted permissions, from the token answer's space-separated `scope`. Names are kept without
/// their resource prefix (`https://graph.microsoft.com/Mail.Send` is `Mail.Send`) and compared
/// case-insensitively, as Entra treats them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses a space-separated `scope` value; empty and repeated names are dropped.
    pub fn parse(scope: &str) -> Scopes {
        let mut names: Vec<String> = Vec::new();
        for raw in scope.split_whitespace() {
            // `https://graph.microsoft.com/User.Read.All` or `00000003-.../User.Read.All`.
            let short = raw.rsplit('/').next().unwrap_or(raw);
            if !short.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(short)) {
                names.push(short.to_owned());
            }
        }
        Scopes(names)
    }

    /// Whether `name` (short or prefixed form) was granted, case-insensitively.
    pub fn contains(&self, name: &str) -> bool {
        let short = name.rsplit('/').next().unwrap_or(name);
        self.0.iter().any(|n| n.eq_ignore_ascii_case(short))
    }

    /// Whether any of `names` was granted.
    pub fn contains_any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.contains(n))
    }

    /// The granted names, short form, in the order the authority gave them.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Space-separated, short form: what [`crate::workflow::plan::AdminContext::new`] takes.
    pub fn to_space_separated(&self) -> String {
        self.0.join(" ")
    }

    /// Whether nothing was granted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many names were granted.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// Something the admin can do on the page that needs a permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feature {
    FindUsers,
    ReadRoles,
    ReadEligibleRoles,
    ResetPassword,
    ResetPrivilegedOrSynced,
    TemporaryAccessPass,
    SendMail,
    ReadAuditLog,
}

impl Feature {
    /// Every feature, in the order the page lists them.
    pub const ALL: [Feature; 8] = [
        Feature::FindUsers,
        Feature::ReadRoles,
        Feature::ReadEligibleRoles,
        Feature::ResetPassword,
        Feature::ResetPrivilegedOrSynced,
        Feature::TemporaryAccessPass,
        Feature::SendMail,
        Feature::ReadAuditLog,
    ];

    /// The variant's name, as the page's `data-feature` writes it (cheaper than `Debug` there).
    pub fn name(&self) -> &'static str {
        match self {
            Feature::FindUsers => "FindUsers",
            Feature::ReadRoles => "ReadRoles",
            Feature::ReadEligibleRoles => "ReadEligibleRoles",
            Feature::ResetPassword => "ResetPassword",
            Feature::ResetPrivilegedOrSynced => "ResetPrivilegedOrSynced",
            Feature::TemporaryAccessPass => "TemporaryAccessPass",
            Feature::SendMail => "SendMail",
            Feature::ReadAuditLog => "ReadAuditLog",
        }
    }

    /// The feature in the admin's words.
    pub fn label(&self) -> &'static str {
        match self {
            Feature::FindUsers => "Find users",
            Feature::ReadRoles => "See a user's admin roles",
            Feature::ReadEligibleRoles => "See a user's eligible (PIM) roles",
            Feature::ResetPassword => "Reset a password",
            Feature::ResetPrivilegedOrSynced => {
                "Reset the password of an admin or a synchronized user"
            }
            Feature::TemporaryAccessPass => "Create a Temporary Access Pass",
            Feature::SendMail => "Send the welcome email",
            Feature::ReadAuditLog => "Check the audit log after a reset",
        }
    }

    /// Delegated permissions any one of which enables the feature, least privileged first (that
    /// first one is the one to ask for).
    pub fn needs_any_of(&self) -> &'static [&'static str] {
        match self {
            Feature::FindUsers => &[
                name::USER_READ_ALL,
                scope::USER_READ_WRITE_ALL,
                name::DIRECTORY_READ_ALL,
                name::DIRECTORY_READ_WRITE_ALL,
                scope::DIRECTORY_ACCESS_AS_USER,
            ],
            Feature::ReadRoles => &[
                name::DIRECTORY_READ_ALL,
                name::DIRECTORY_READ_WRITE_ALL,
                scope::DIRECTORY_ACCESS_AS_USER,
            ],
            Feature::ReadEligibleRoles => &[
                name::ROLE_ELIGIBILITY_READ,
                name::ROLE_MANAGEMENT_READ_DIRECTORY,
                name::ROLE_MANAGEMENT_READ_ALL,
                name::ROLE_ELIGIBILITY_READ_WRITE,
                name::ROLE_MANAGEMENT_READ_WRITE_DIRECTORY,
            ],
            // The plan's alternatives for the standard path, in the plan's order.
            Feature::ResetPassword => &[
                scope::USER_PASSWORD_PROFILE,
                scope::USER_READ_WRITE_ALL,
                scope::DIRECTORY_ACCESS_AS_USER,
            ],
            Feature::ResetPrivilegedOrSynced => &[scope::AUTH_METHODS],
            Feature::TemporaryAccessPass => &[scope::TAP, scope::AUTH_METHODS],
            Feature::SendMail => &[scope::MAIL_SEND],
            Feature::ReadAuditLog => &[name::AUDIT_LOG_READ_ALL],
        }
    }

    /// Optional features are mentioned as such; Handover works without them.
    pub fn is_optional(&self) -> bool {
        matches!(self, Feature::ReadAuditLog)
    }
}

/// Features the granted permissions do not cover, each with the least-privileged permission to
/// consent, in [`Feature::ALL`] order. Optional features ([`Feature::is_optional`]) are included.
pub fn unavailable(granted: &Scopes) -> Vec<(Feature, &'static str)> {
    Feature::ALL
        .iter()
        .filter(|f| !granted.contains_any(f.needs_any_of()))
        .filter_map(|f| f.needs_any_of().first().map(|least| (*f, *least)))
        .collect()
}
