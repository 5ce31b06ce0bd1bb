//! Graph's answers as Rust types, from Microsoft's documented JSON. Unknown fields are ignored;
//! fields Graph may send as `null` or leave out are `Option` (or default to empty lists).

use serde::{Deserialize, Deserializer, Serialize};

use crate::secret::Secret;

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// A collection answer: `{"value":[...], "@odata.nextLink": "..."}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Collection<T> {
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub value: Vec<T>,
    /// Present when Graph has more pages; Handover reads one page and says when it is incomplete.
    #[serde(default, rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

/// A user, with the fields of [`super::odata::USER_SELECT`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub surname: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub other_mails: Vec<String>,
    #[serde(default)]
    pub account_enabled: Option<bool>,
    /// `Member` or `Guest`.
    #[serde(default)]
    pub user_type: Option<String>,
    /// `true`: synced now; `false`: was synced once; `null`: cloud-only, never synced.
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// RFC 3339, kept as Graph's string.
    #[serde(default)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRole {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role_template_id: Option<String>,
}

/// A PIM eligibility (`unifiedRoleEligibilityScheduleInstance`). For built-in roles
/// `roleDefinitionId` is the role template id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleEligibility {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
    pub role_definition_id: String,
    /// `/` for the whole tenant; an administrative unit or object otherwise.
    #[serde(default)]
    pub directory_scope_id: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<String>,
    #[serde(default)]
    pub end_date_time: Option<String>,
    /// `Direct`, `Group` or `Inherited`.
    #[serde(default)]
    pub member_type: Option<String>,
}

/// A group, as far as role-assignability goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub is_assignable_to_role: Option<bool>,
}

/// The signed-in admin (`/me`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
}

/// State of a long-running operation; `Succeeded` and `Failed` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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
}

impl<'de> Deserialize<'de> for OperationStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The docs show both `notStarted` and `NotStarted`.
        let s = String::deserialize(d)?;
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LongRunningOperation {
    #[serde(default)]
    pub id: Option<String>,
    pub status: OperationStatus,
    #[serde(default)]
    pub status_detail: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub last_action_date_time: Option<String>,
    #[serde(default)]
    pub resource_location: Option<String>,
}

/// A created Temporary Access Pass. The pass itself is shown by Graph only this once.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemporaryAccessPass {
    #[serde(default)]
    pub id: Option<String>,
    pub temporary_access_pass: Secret,
    #[serde(default)]
    pub lifetime_in_minutes: Option<u32>,
    #[serde(default)]
    pub is_usable_once: Option<bool>,
    #[serde(default)]
    pub is_usable: Option<bool>,
    /// `EnabledByPolicy`, `DisabledByPolicy`, `Expired`, `NotYetValid`, `OneTimeUsed`.
    #[serde(default)]
    pub method_usability_reason: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
}

/// One registered authentication method (for a later issue: TAP advice). `@odata.type` tells
/// which kind, e.g. `#microsoft.graph.microsoftAuthenticatorAuthenticationMethod`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationMethod {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, rename = "@odata.type")]
    pub odata_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let u: User = serde_json::from_str(json).expect("documented user");
        assert_eq!(u.label(), "Adele Vance");
        assert!(u.other_mails.is_empty());
        assert!(!u.is_external() && !u.is_synced() && !u.is_disabled());
        let guest: User = serde_json::from_str(
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
                serde_json::from_str(&format!(r#"{{"status":"{text}"}}"#)).expect("operation");
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
        let tap: TemporaryAccessPass = serde_json::from_str(json).expect("tap");
        assert_eq!(tap.temporary_access_pass.expose_secret(), "#hmqQ*Qn");
        assert!(!format!("{tap:?}").contains("hmqQ"));
        assert_eq!(tap.lifetime_in_minutes, Some(60));
    }

    #[test]
    fn eligibility_and_collections() {
        let json = r#"{"value":[{"id":"x","principalId":"p","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10",
            "directoryScopeId":"/","memberType":"Direct","startDateTime":"2024-01-01T00:00:00Z","endDateTime":null}],
            "@odata.nextLink":"https://graph.microsoft.com/v1.0/next"}"#;
        let c: Collection<RoleEligibility> = serde_json::from_str(json).expect("collection");
        assert_eq!(c.value.len(), 1);
        assert!(c.next_link.is_some());
        assert!(
            serde_json::from_str::<Collection<User>>(r#"{"value":[{"displayName":"no id"}]}"#)
                .is_err()
        );
    }
}
