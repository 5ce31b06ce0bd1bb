//! Graph's answers as Rust types, from Microsoft's documented JSON. Unknown fields are ignored;
//! fields Graph may send as `null` or leave out are `Option` (or default to empty lists).

use crate::json::{FromJson, Shape, Value};
use crate::secret::Secret;

/// Checks that `v` is an object (the typed readers below then take its fields).
fn object(v: &Value) -> Result<&Value, Shape> {
    v.as_object().map(|_| v).ok_or(Shape::wrong("an object"))
}

/// A collection answer: `{"value":[...], "@odata.nextLink": "..."}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Collection<T> {
    pub value: Vec<T>,
    /// Present when Graph has more pages; Handover reads one page and says when it is incomplete.
    pub next_link: Option<String>,
}

/// A user, with the fields of [`super::odata::USER_SELECT`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
    pub other_mails: Vec<String>,
    pub account_enabled: Option<bool>,
    /// `Member` or `Guest`.
    pub user_type: Option<String>,
    /// `true`: synced now; `false`: was synced once; `null`: cloud-only, never synced.
    pub on_premises_sync_enabled: Option<bool>,
    /// RFC 3339, kept as Graph's string.
    pub last_password_change_date_time: Option<String>,
}

impl User {
    /// A guest (`userType` Guest), or an external member whose UPN carries `#EXT#`: either way the
    /// account signs in with its home tenant's password.
    pub fn is_external(&self) -> bool {
        self.user_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("Guest"))
            || self
                .user_principal_name
                .as_deref()
                .is_some_and(|u| u.to_ascii_uppercase().contains("#EXT#"))
    }

    /// Synchronized from on-premises Active Directory right now.
    pub fn is_synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }

    /// Explicitly disabled (`accountEnabled: false`).
    pub fn is_disabled(&self) -> bool {
        self.account_enabled == Some(false)
    }

    /// The name to show: display name, else UPN, else id.
    pub fn label(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.user_principal_name.as_deref())
            .unwrap_or(&self.id)
    }
}

/// An activated directory role, as listed by `transitiveMemberOf/microsoft.graph.directoryRole`.
/// Compare [`DirectoryRole::role_template_id`]: `id` differs from tenant to tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryRole {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub role_template_id: Option<String>,
}

/// A PIM eligibility (`unifiedRoleEligibilityScheduleInstance`). For built-in roles
/// `roleDefinitionId` is the role template id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleEligibility {
    pub id: Option<String>,
    pub principal_id: Option<String>,
    pub role_definition_id: String,
    /// `/` for the whole tenant; an administrative unit or object otherwise.
    pub directory_scope_id: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
    /// `Direct`, `Group` or `Inherited`.
    pub member_type: Option<String>,
}

/// A group, as far as role-assignability goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub display_name: Option<String>,
    pub is_assignable_to_role: Option<bool>,
}

/// The signed-in admin (`/me`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Me {
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
}

/// State of a long-running operation; `Succeeded` and `Failed` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationStatus {
    NotStarted,
    Running,
    Succeeded,
    Failed,
    /// A value Graph added later (`unknownFutureValue` or newer); treated as still running.
    Unknown,
}

impl OperationStatus {
    /// Whether the operation has ended.
    pub fn is_final(self) -> bool {
        matches!(self, OperationStatus::Succeeded | OperationStatus::Failed)
    }

    /// The variant's name, as the run's step record shows it (what `{:?}` wrote, without
    /// pulling `Debug` into the page).
    pub fn name(self) -> &'static str {
        match self {
            OperationStatus::NotStarted => "NotStarted",
            OperationStatus::Running => "Running",
            OperationStatus::Succeeded => "Succeeded",
            OperationStatus::Failed => "Failed",
            OperationStatus::Unknown => "Unknown",
        }
    }
}

impl FromJson for OperationStatus {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        // The docs show both `notStarted` and `NotStarted`.
        let s = String::from_json(v)?;
        Ok(match s.to_ascii_lowercase().as_str() {
            "notstarted" => OperationStatus::NotStarted,
            "running" => OperationStatus::Running,
            "succeeded" => OperationStatus::Succeeded,
            "failed" => OperationStatus::Failed,
            _ => OperationStatus::Unknown,
        })
    }
}

/// A `longRunningOperation` (the password reset's `authentication/operations/{id}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LongRunningOperation {
    pub id: Option<String>,
    pub status: OperationStatus,
    pub status_detail: Option<String>,
    pub created_date_time: Option<String>,
    pub last_action_date_time: Option<String>,
    pub resource_location: Option<String>,
}

/// A created Temporary Access Pass. The pass itself is shown by Graph only this once.
#[derive(Debug)]
pub struct TemporaryAccessPass {
    pub id: Option<String>,
    pub temporary_access_pass: Secret,
    pub lifetime_in_minutes: Option<u32>,
    pub is_usable_once: Option<bool>,
    pub is_usable: Option<bool>,
    /// `EnabledByPolicy`, `DisabledByPolicy`, `Expired`, `NotYetValid`, `OneTimeUsed`.
    pub method_usability_reason: Option<String>,
    pub start_date_time: Option<String>,
    pub created_date_time: Option<String>,
}

/// One registered authentication method (for a later issue: TAP advice). `@odata.type` tells
/// which kind, e.g. `#microsoft.graph.microsoftAuthenticatorAuthenticationMethod`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticationMethod {
    pub id: Option<String>,
    pub odata_type: Option<String>,
}

impl<T: FromJson> FromJson for Collection<T> {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let v = object(v)?;
        Ok(Collection {
            value: v.opt("value")?.unwrap_or_default(),
            next_link: v.opt("@odata.nextLink")?,
        })
    }
}

impl FromJson for User {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let v = object(v)?;
        Ok(User {
            id: v.req("id")?,
            display_name: v.opt("displayName")?,
            given_name: v.opt("givenName")?,
            surname: v.opt("surname")?,
            user_principal_name: v.opt("userPrincipalName")?,
            mail: v.opt("mail")?,
            other_mails: v.opt("otherMails")?.unwrap_or_default(),
            account_enabled: v.opt("accountEnabled")?,
            user_type: v.opt("userType")?,
            on_premises_sync_enabled: v.opt("onPremisesSyncEnabled")?,
            last_password_change_date_time: v.opt("lastPasswordChangeDateTime")?,
        })
    }
}

impl FromJson for DirectoryRole {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let v = object(v)?;
        Ok(DirectoryRole {
            id: v.opt("id")?,
            display_name: v.opt("displayName")?,
            role_template_id: v.opt("roleTemplateId")?,
        })
    }
}

impl FromJson for RoleEligibility {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let v = object(v)?;
        Ok(RoleEligibility {
            id: v.opt("id")?,
            principal_id: v.opt("principalId")?,
            role_definition_id: v.req("roleDefinitionId")?,
            directory_scope_id: v.opt("directoryScopeId")?,
            start_date_time: v.opt("startDateTime")?,
            end_date_time: v.opt("endDateTime")?,
            member_type: v.opt("memberType")?,
        })
    }
}

impl FromJson for Group {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let v = object(v)?;
        Ok(Group {
            id: v.req("id")?,
            display_name: v.opt("displayName")?,
            is_assignable_to_role: v.opt("isAssignableToRole")?,
        })
    }
}

impl FromJson for Me {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let v = object(v)?;
        Ok(Me {
            id: v.req("id")?,
            display_name: v.opt("displayName")?,
            user_principal_name: v.opt("userPrincipalName")?,
            mail: v.opt("mail")?,
        })
    }
}

impl FromJson for LongRunningOperation {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let v = object(v)?;
        Ok(LongRunningOperation {
            id: v.opt("id")?,
            status: v.req("status")?,
            status_detail: v.opt("statusDetail")?,
            created_date_time: v.opt("createdDateTime")?,
            last_action_date_time: v.opt("lastActionDateTime")?,
            resource_location: v.opt("resourceLocation")?,
        })
    }
}

impl FromJson for TemporaryAccessPass {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let v = object(v)?;
        Ok(TemporaryAccessPass {
            id: v.opt("id")?,
            temporary_access_pass: v.req("temporaryAccessPass")?,
            lifetime_in_minutes: v.opt("lifetimeInMinutes")?,
            is_usable_once: v.opt("isUsableOnce")?,
            is_usable: v.opt("isUsable")?,
            method_usability_reason: v.opt("methodUsabilityReason")?,
            start_date_time: v.opt("startDateTime")?,
            created_date_time: v.opt("createdDateTime")?,
        })
    }
}

impl FromJson for AuthenticationMethod {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let v = object(v)?;
        Ok(AuthenticationMethod {
            id: v.opt("id")?,
            odata_type: v.opt("@odata.type")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::read;

    #[test]
    fn operation_status_names_are_the_debug_names() {
        for status in [
            OperationStatus::NotStarted,
            OperationStatus::Running,
            OperationStatus::Succeeded,
            OperationStatus::Failed,
            OperationStatus::Unknown,
        ] {
            assert_eq!(status.name(), format!("{status:?}"));
        }
    }

    #[test]
    fn user_from_documented_json() {
        let json = r#"{
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,displayName)/$entity",
            "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "displayName": "Adele Vance",
            "givenName": "Adele", "surname": "Vance",
            "userPrincipalName": "AdeleV@contoso.com",
            "mail": "AdeleV@contoso.com",
            "otherMails": null,
            "accountEnabled": true,
            "userType": "Member",
            "onPremisesSyncEnabled": null,
            "lastPasswordChangeDateTime": "2024-05-02T18:33:10Z"
        }"#;
        let u: User = read(json).expect("documented user");
        assert_eq!(u.label(), "Adele Vance");
        assert!(u.other_mails.is_empty());
        assert!(!u.is_external() && !u.is_synced() && !u.is_disabled());
        let guest: User = read(
            r#"{"id":"g","userPrincipalName":"bob_fabrikam.com#EXT#@contoso.onmicrosoft.com","userType":"Member"}"#,
        )
        .expect("guest");
        assert!(guest.is_external());
    }

    #[test]
    fn operation_status_is_case_insensitive_and_future_proof() {
        for (text, status) in [
            ("notStarted", OperationStatus::NotStarted),
            ("NotStarted", OperationStatus::NotStarted),
            ("running", OperationStatus::Running),
            ("succeeded", OperationStatus::Succeeded),
            ("Failed", OperationStatus::Failed),
            ("unknownFutureValue", OperationStatus::Unknown),
        ] {
            let op: LongRunningOperation =
                read(&format!(r#"{{"status":"{text}"}}"#)).expect("operation");
            assert_eq!(op.status, status);
        }
        assert!(OperationStatus::Failed.is_final() && !OperationStatus::Running.is_final());
    }

    #[test]
    fn tap_is_a_secret() {
        let json = r##"{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod",
            "id":"6f1c", "temporaryAccessPass":"#hmqQ*Qn", "createdDateTime":"2022-06-02T16:21:09Z",
            "startDateTime":"2022-06-05T00:00:00Z","lifetimeInMinutes":60,"isUsableOnce":false,
            "isUsable":false,"methodUsabilityReason":"NotYetValid"}"##;
        let tap: TemporaryAccessPass = read(json).expect("tap");
        assert_eq!(tap.temporary_access_pass.expose_secret(), "#hmqQ*Qn");
        assert!(!format!("{tap:?}").contains("hmqQ"));
        assert_eq!(tap.lifetime_in_minutes, Some(60));
    }

    #[test]
    fn eligibility_and_collections() {
        let json = r#"{"value":[{"id":"x","principalId":"p","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10",
            "directoryScopeId":"/","memberType":"Direct","startDateTime":"2024-01-01T00:00:00Z","endDateTime":null}],
            "@odata.nextLink":"https://graph.microsoft.com/v1.0/next"}"#;
        let c: Collection<RoleEligibility> = read(json).expect("collection");
        assert_eq!(c.value.len(), 1);
        assert!(c.next_link.is_some());
        assert!(read::<Collection<User>>(r#"{"value":[{"displayName":"no id"}]}"#).is_err());
    }
}
