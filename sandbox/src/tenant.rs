//! The tenant file: the directory the sandbox simulates. Its format is documented in README.md.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// The sample tenant shipped beside the crate; the binary uses it when `--tenant` is not given.
pub const SAMPLE_TENANT_JSON: &str = include_str!("../tenant.sample.json");

pub mod role {
    //! Microsoft's built-in roleTemplateIds (the same in every tenant).
    pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
    pub const PRIVILEGED_AUTH_ADMIN: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
    pub const PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
    pub const AUTH_ADMIN: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
    pub const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
    pub const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
    pub const PASSWORD_ADMIN: &str = "966707d0-3269-4727-9be2-8c3a10f19b9d";
    pub const SECURITY_ADMIN: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
    pub const SECURITY_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
    pub const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
    pub const REPORTS_READER: &str = "4a5d8f65-41da-4de4-8968-e035b65339cf";
    pub const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";
    pub const GUEST_INVITER: &str = "95e79109-95c0-4d8e-aee3-d01accf2d47b";
    pub const MESSAGE_CENTER_READER: &str = "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b";
    pub const USAGE_SUMMARY_READER: &str = "75934031-6c7e-415a-99d7-48dbd49e875e";
    pub const UX_SUCCESS_MANAGER: &str = "27460883-1df1-4691-b032-3b79643e5e63";
    pub const GROUPS_ADMIN: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// The directory (tenant) id, a GUID: the `tid` claim.
    pub tenant_id: String,
    /// The initial domain, e.g. `contoso.onmicrosoft.com`; accepted in place of the id in URLs.
    pub domain: String,
    /// The organisation's name (Contoso); also a banned-password word.
    pub display_name: String,
    pub app: AppRegistration,
    #[serde(default)]
    pub password_writeback: bool,
    #[serde(default)]
    pub temporary_access_pass_policy: TapPolicy,
    #[serde(default)]
    pub role_definitions: Vec<RoleDefinition>,
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignment>,
    #[serde(default)]
    pub role_eligibilities: Vec<RoleAssignment>,
    #[serde(default)]
    pub groups: Vec<Group>,
    pub users: Vec<User>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRegistration {
    pub client_id: String,
    #[serde(default = "default_app_name")]
    pub display_name: String,
    /// Redirect URIs of type spa; `{page}` stands for the page origin `http://127.0.0.1:P`.
    pub spa_redirect_uris: Vec<String>,
    /// Delegated Graph permissions an admin consented to for the whole tenant.
    pub consented_scopes: Vec<String>,
}

fn default_app_name() -> String {
    "Handover".into()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TapPolicy {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Users (UPN or id) in the policy's scope.
    #[serde(default)]
    pub include_users: Vec<String>,
    /// Groups (id or displayName) in the policy's scope.
    #[serde(default)]
    pub include_groups: Vec<String>,
    #[serde(default = "default_tap_lifetime")]
    pub default_lifetime_in_minutes: u32,
    #[serde(default = "default_tap_length")]
    pub default_length: usize,
}

impl Default for TapPolicy {
    fn default() -> Self {
        TapPolicy {
            enabled: true,
            include_users: vec![],
            include_groups: vec![],
            default_lifetime_in_minutes: default_tap_lifetime(),
            default_length: default_tap_length(),
        }
    }
}

fn yes() -> bool {
    true
}
fn default_tap_lifetime() -> u32 {
    60
}
fn default_tap_length() -> usize {
    8
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    /// The tenant-specific directoryRole object id.
    pub id: String,
    pub role_template_id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub role_template_id: String,
    /// A user (UPN or id) or a group (id or displayName).
    pub principal: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub is_assignable_to_role: bool,
    /// Members (UPN or id).
    #[serde(default)]
    pub members: Vec<String>,
    /// Owners (UPN or id). Owning a role-assignable group is privileged too.
    #[serde(default)]
    pub owners: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub surname: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub other_mails: Vec<String>,
    #[serde(default)]
    pub job_title: Option<String>,
    #[serde(default = "yes")]
    pub account_enabled: bool,
    #[serde(default = "member")]
    pub user_type: String,
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(default)]
    pub last_password_change_date_time: Option<String>,
    /// The current password (the sandbox keeps it so tests can check a reset).
    pub password: String,
    #[serde(default)]
    pub force_change_password_next_sign_in: bool,
    /// Listed in the sign-in account chooser.
    #[serde(default)]
    pub can_sign_in: bool,
    /// Has an Exchange Online mailbox (sendMail works).
    #[serde(default)]
    pub has_mailbox: bool,
    /// Users (UPN or id) with send-as rights on this mailbox (a shared mailbox).
    #[serde(default)]
    pub send_as: Vec<String>,
    /// Password writeback fails for this synced user.
    #[serde(default)]
    pub writeback_fails: bool,
    /// Graph authenticationMethod objects, as `GET /users/{id}/authentication/methods` lists them.
    #[serde(default)]
    pub authentication_methods: Vec<Value>,
    /// What the account is for (documentation only).
    #[serde(default)]
    pub purpose: Option<String>,
    /// Runtime state: Temporary Access Passes created through Graph.
    #[serde(default, skip_serializing)]
    pub taps: Vec<Tap>,
    /// Runtime state: revokeSignInSessions time (ms since epoch).
    #[serde(default, skip_serializing)]
    pub sessions_revoked_at: Option<i64>,
}

fn member() -> String {
    "Member".into()
}

#[derive(Clone, Debug, Default)]
pub struct Tap {
    pub id: String,
    pub pass: String,
    pub created_ms: i64,
    pub start_ms: i64,
    pub lifetime_in_minutes: u32,
    pub is_usable_once: bool,
}

impl<'de> Deserialize<'de> for Tap {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "Temporary Access Passes are runtime state",
        ))
    }
}

impl User {
    pub fn matches(&self, key: &str) -> bool {
        self.id.eq_ignore_ascii_case(key) || self.user_principal_name.eq_ignore_ascii_case(key)
    }
    pub fn is_guest(&self) -> bool {
        self.user_type.eq_ignore_ascii_case("Guest")
    }
    pub fn is_synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }
}

impl Tenant {
    pub fn load(path: &Path) -> Result<Tenant, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the tenant file {}: {e}", path.display()))?;
        Tenant::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Tenant, String> {
        let t: Tenant =
            serde_json::from_str(text).map_err(|e| format!("invalid tenant file: {e}"))?;
        t.validate()?;
        Ok(t)
    }

    pub fn sample() -> Tenant {
        Tenant::parse(SAMPLE_TENANT_JSON).expect("the bundled sample tenant is valid")
    }

    fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for u in &self.users {
            if !seen.insert(u.id.to_ascii_lowercase())
                || !seen.insert(u.user_principal_name.to_ascii_lowercase())
            {
                return Err(format!(
                    "user {} is listed twice (same id or UPN)",
                    u.user_principal_name
                ));
            }
        }
        for a in self.role_assignments.iter().chain(&self.role_eligibilities) {
            if self.role_definition(&a.role_template_id).is_none() {
                return Err(format!(
                    "role {} is assigned but not in roleDefinitions",
                    a.role_template_id
                ));
            }
            if self.user(&a.principal).is_none() && self.group(&a.principal).is_none() {
                return Err(format!(
                    "role assignment principal {} is neither a user nor a group",
                    a.principal
                ));
            }
        }
        for g in &self.groups {
            for m in &g.members {
                if self.user(m).is_none() {
                    return Err(format!("group {} lists unknown member {m}", g.display_name));
                }
            }
        }
        Ok(())
    }

    pub fn user(&self, key: &str) -> Option<&User> {
        self.users.iter().find(|u| u.matches(key))
    }

    pub fn user_mut(&mut self, key: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.matches(key))
    }

    pub fn group(&self, key: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.id.eq_ignore_ascii_case(key) || g.display_name == key)
    }

    pub fn role_definition(&self, template: &str) -> Option<&RoleDefinition> {
        self.role_definitions
            .iter()
            .find(|r| r.role_template_id.eq_ignore_ascii_case(template))
    }

    /// Whether `name` (the tenant id or its domain) names this tenant.
    pub fn is_named(&self, name: &str) -> bool {
        self.tenant_id.eq_ignore_ascii_case(name) || self.domain.eq_ignore_ascii_case(name)
    }

    pub fn groups_of<'a>(&'a self, user: &'a User) -> impl Iterator<Item = &'a Group> + 'a {
        self.groups
            .iter()
            .filter(move |g| g.members.iter().any(|m| user.matches(m)))
    }

    fn principal_is(&self, principal: &str, user: &User) -> bool {
        if user.matches(principal) {
            return true;
        }
        match self.group(principal) {
            Some(g) => g.members.iter().any(|m| user.matches(m)),
            None => false,
        }
    }

    /// Active (not merely eligible) roles, directly or through groups, as Graph's
    /// transitiveMemberOf/microsoft.graph.directoryRole lists them.
    pub fn active_roles(&self, user: &User) -> Vec<&RoleDefinition> {
        let mut out: Vec<&RoleDefinition> = Vec::new();
        for a in &self.role_assignments {
            if self.principal_is(&a.principal, user) {
                if let Some(def) = self.role_definition(&a.role_template_id) {
                    if !out.iter().any(|d| d.id == def.id) {
                        out.push(def);
                    }
                }
            }
        }
        out
    }

    pub fn active_role_templates(&self, user: &User) -> Vec<String> {
        self.active_roles(user)
            .iter()
            .map(|r| r.role_template_id.to_ascii_lowercase())
            .collect()
    }

    /// Groups `user` owns (`GET /users/{id}/ownedObjects/microsoft.graph.group`).
    pub fn groups_owned_by<'a>(&'a self, user: &'a User) -> impl Iterator<Item = &'a Group> + 'a {
        self.groups
            .iter()
            .filter(move |g| g.owners.iter().any(|o| user.matches(o)))
    }

    /// Member or owner of a role-assignable group: "Who can reset passwords" puts both in the
    /// privileged row.
    pub fn in_role_assignable_group(&self, user: &User) -> bool {
        self.groups_of(user).any(|g| g.is_assignable_to_role)
            || self.groups_owned_by(user).any(|g| g.is_assignable_to_role)
    }

    pub fn eligibilities_of<'a>(
        &'a self,
        user: &'a User,
    ) -> impl Iterator<Item = &'a RoleAssignment> + 'a {
        self.role_eligibilities
            .iter()
            .filter(move |a| self.principal_is(&a.principal, user))
    }

    pub fn in_tap_policy(&self, user: &User) -> bool {
        let p = &self.temporary_access_pass_policy;
        p.enabled
            && (p
                .include_users
                .iter()
                .any(|k| k == "all_users" || user.matches(k))
                || p.include_groups.iter().any(|g| match self.group(g) {
                    Some(g) => g.members.iter().any(|m| user.matches(m)),
                    None => false,
                }))
    }

    /// The page origin substituted for `{page}` in the registered redirect URIs.
    pub fn spa_redirect_uris(&self, page_origin: &str) -> Vec<String> {
        self.app
            .spa_redirect_uris
            .iter()
            .map(|u| u.replace("{page}", page_origin))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_tenant_loads_and_has_the_issue_accounts() {
        let t = Tenant::sample();
        let ga = t.user("ada.admin@contoso.onmicrosoft.com").unwrap();
        assert!(t
            .active_role_templates(ga)
            .contains(&role::GLOBAL_ADMIN.to_string()));
        assert!(t.users.iter().any(|u| u.display_name.contains("<img")));
        assert!(t.users.iter().any(|u| u.user_principal_name.contains('\'')));
        assert!(t.users.iter().any(|u| !u.display_name.is_ascii()));
    }

    #[test]
    fn a_dangling_role_assignment_is_refused() {
        let mut v: Value = serde_json::from_str(SAMPLE_TENANT_JSON).unwrap();
        v["roleAssignments"].as_array_mut().unwrap().push(
            serde_json::json!({"roleTemplateId": role::GLOBAL_ADMIN, "principal": "nobody@x"}),
        );
        let err = Tenant::parse(&v.to_string()).unwrap_err();
        assert!(err.contains("nobody@x"), "{err}");
    }
}
