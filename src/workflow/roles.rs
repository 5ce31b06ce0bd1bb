//! Directory roles and Microsoft's "Who can reset passwords" table.
//!
//! Roles are compared by template id (the same in every tenant). The table (entra-docs,
//! privileged-roles-permissions) names six roles that may reset passwords, each for a set of
//! target roles; a target holding several roles can be reset only by a role allowed for all of
//! them. Both reset endpoints (PATCH and the Authentication Methods API) enforce it.

/// Role template ids Handover knows by name.
pub mod template {
    pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
    pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str =
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
    pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
    pub const AUTHENTICATION_ADMINISTRATOR: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
    pub const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
    pub const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
    pub const PASSWORD_ADMINISTRATOR: &str = "966707d0-3269-4727-9be2-8c3a10f19b9d";
    pub const SECURITY_ADMINISTRATOR: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
    pub const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
    pub const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";
    pub const GUEST_INVITER: &str = "95e79109-95c0-4d8e-aee3-d01accf2d47b";
    pub const REPORTS_READER: &str = "4a5d8f65-41da-4de4-8968-e035b65339cf";
    pub const MESSAGE_CENTER_READER: &str = "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b";
    pub const USAGE_SUMMARY_REPORTS_READER: &str = "75934031-6c7e-415a-99d7-48dbd49e875e";
    pub const USER_EXPERIENCE_SUCCESS_MANAGER: &str = "27460883-1df1-4691-b032-3b79643e5e63";
    pub const GROUPS_ADMINISTRATOR: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
    /// Every member of a tenant holds it implicitly; it is not an admin role.
    pub const USER: &str = "a0b1b346-4d3e-4e8b-98f8-753987be4970";
    /// Guests' implicit role.
    pub const GUEST_USER: &str = "10dae51f-b6af-4016-8d66-8c2a99b929b3";
    /// Restricted guests' implicit role.
    pub const RESTRICTED_GUEST_USER: &str = "2af84b1e-32c8-42b7-82bc-daa82404023b";
}

const NAMES: &[(&str, &str)] = &[
    (template::GLOBAL_ADMINISTRATOR, "Global Administrator"),
    (
        template::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
        "Privileged Authentication Administrator",
    ),
    (
        template::PRIVILEGED_ROLE_ADMINISTRATOR,
        "Privileged Role Administrator",
    ),
    (
        template::AUTHENTICATION_ADMINISTRATOR,
        "Authentication Administrator",
    ),
    (template::USER_ADMINISTRATOR, "User Administrator"),
    (template::HELPDESK_ADMINISTRATOR, "Helpdesk Administrator"),
    (template::PASSWORD_ADMINISTRATOR, "Password Administrator"),
    (template::SECURITY_ADMINISTRATOR, "Security Administrator"),
    (
        template::APPLICATION_ADMINISTRATOR,
        "Application Administrator",
    ),
    (template::DIRECTORY_READERS, "Directory Readers"),
    (template::GUEST_INVITER, "Guest Inviter"),
    (template::REPORTS_READER, "Reports Reader"),
    (template::MESSAGE_CENTER_READER, "Message Center Reader"),
    (
        template::USAGE_SUMMARY_REPORTS_READER,
        "Usage Summary Reports Reader",
    ),
    (
        template::USER_EXPERIENCE_SUCCESS_MANAGER,
        "User Experience Success Manager",
    ),
    (template::GROUPS_ADMINISTRATOR, "Groups Administrator"),
];

/// The English name of a known role template, if known.
pub fn role_name(template_id: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(template_id))
        .map(|(_, name)| *name)
}

/// Whether a template id is one of the implicit non-admin roles (User, Guest User, ...).
pub fn is_implicit_role(template_id: &str) -> bool {
    [
        template::USER,
        template::GUEST_USER,
        template::RESTRICTED_GUEST_USER,
    ]
    .iter()
    .any(|id| id.eq_ignore_ascii_case(template_id))
}

/// The roles that may reset passwords: the table's columns, least privileged first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResetterRole {
    PasswordAdministrator,
    HelpdeskAdministrator,
    AuthenticationAdministrator,
    UserAdministrator,
    PrivilegedAuthenticationAdministrator,
    GlobalAdministrator,
}

impl ResetterRole {
    /// All six, least privileged first (the order used to name "the role that can").
    pub const ALL: [ResetterRole; 6] = [
        ResetterRole::PasswordAdministrator,
        ResetterRole::HelpdeskAdministrator,
        ResetterRole::AuthenticationAdministrator,
        ResetterRole::UserAdministrator,
        ResetterRole::PrivilegedAuthenticationAdministrator,
        ResetterRole::GlobalAdministrator,
    ];

    /// The role's template id.
    pub fn template_id(self) -> &'static str {
        match self {
            ResetterRole::PasswordAdministrator => template::PASSWORD_ADMINISTRATOR,
            ResetterRole::HelpdeskAdministrator => template::HELPDESK_ADMINISTRATOR,
            ResetterRole::AuthenticationAdministrator => template::AUTHENTICATION_ADMINISTRATOR,
            ResetterRole::UserAdministrator => template::USER_ADMINISTRATOR,
            ResetterRole::PrivilegedAuthenticationAdministrator => {
                template::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR
            }
            ResetterRole::GlobalAdministrator => template::GLOBAL_ADMINISTRATOR,
        }
    }

    /// The role's name.
    pub fn name(self) -> &'static str {
        role_name(self.template_id()).unwrap_or("administrator")
    }

    /// The resetter role with this template id, if it is one.
    pub fn from_template_id(id: &str) -> Option<ResetterRole> {
        Self::ALL
            .into_iter()
            .find(|r| r.template_id().eq_ignore_ascii_case(id))
    }

    /// Whether this role may manage authentication methods (create a Temporary Access Pass) at
    /// all; for which targets is then the same column of the table.
    pub fn manages_authentication_methods(self) -> bool {
        matches!(
            self,
            ResetterRole::AuthenticationAdministrator
                | ResetterRole::PrivilegedAuthenticationAdministrator
                | ResetterRole::GlobalAdministrator
        )
    }
}

/// The table's rows: what the target holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetRow {
    /// No admin role.
    NoAdminRole,
    /// Password Administrator, Directory Readers, Guest Inviter.
    PasswordAdministratorTier,
    /// Helpdesk Administrator.
    HelpdeskAdministrator,
    /// Reports Reader, Message Center Reader, Usage Summary Reports Reader, User Experience
    /// Success Manager.
    ReaderRoles,
    /// Authentication Administrator.
    AuthenticationAdministrator,
    /// User Administrator, Groups Administrator.
    UserAdministratorTier,
    /// Global Admin, Privileged Authentication Admin, Privileged Role Admin, any other or custom
    /// role, member or owner of a role-assignable group.
    Privileged,
}

impl TargetRow {
    /// The row a role template falls in. Unknown and custom roles are privileged.
    pub fn of_template(id: &str) -> TargetRow {
        let is = |t: &str| t.eq_ignore_ascii_case(id);
        if is_implicit_role(id) {
            TargetRow::NoAdminRole
        } else if is(template::PASSWORD_ADMINISTRATOR)
            || is(template::DIRECTORY_READERS)
            || is(template::GUEST_INVITER)
        {
            TargetRow::PasswordAdministratorTier
        } else if is(template::HELPDESK_ADMINISTRATOR) {
            TargetRow::HelpdeskAdministrator
        } else if is(template::REPORTS_READER)
            || is(template::MESSAGE_CENTER_READER)
            || is(template::USAGE_SUMMARY_REPORTS_READER)
            || is(template::USER_EXPERIENCE_SUCCESS_MANAGER)
        {
            TargetRow::ReaderRoles
        } else if is(template::AUTHENTICATION_ADMINISTRATOR) {
            TargetRow::AuthenticationAdministrator
        } else if is(template::USER_ADMINISTRATOR) || is(template::GROUPS_ADMINISTRATOR) {
            TargetRow::UserAdministratorTier
        } else {
            TargetRow::Privileged
        }
    }

    /// One cell of "Who can reset passwords".
    pub fn allows(self, caller: ResetterRole) -> bool {
        use ResetterRole as C;
        match self {
            TargetRow::NoAdminRole | TargetRow::PasswordAdministratorTier => true,
            TargetRow::HelpdeskAdministrator => matches!(
                caller,
                C::HelpdeskAdministrator
                    | C::UserAdministrator
                    | C::PrivilegedAuthenticationAdministrator
                    | C::GlobalAdministrator
            ),
            TargetRow::ReaderRoles => caller != C::PasswordAdministrator,
            TargetRow::AuthenticationAdministrator => matches!(
                caller,
                C::AuthenticationAdministrator
                    | C::PrivilegedAuthenticationAdministrator
                    | C::GlobalAdministrator
            ),
            TargetRow::UserAdministratorTier => matches!(
                caller,
                C::UserAdministrator
                    | C::PrivilegedAuthenticationAdministrator
                    | C::GlobalAdministrator
            ),
            TargetRow::Privileged => matches!(
                caller,
                C::PrivilegedAuthenticationAdministrator | C::GlobalAdministrator
            ),
        }
    }
}

/// The least privileged resetter role allowed for every row in `rows` (always exists: a Privileged
/// Authentication Administrator can reset anyone).
pub fn least_privileged_resetter(rows: &[TargetRow]) -> ResetterRole {
    ResetterRole::ALL
        .into_iter()
        .find(|r| rows.iter().all(|row| row.allows(*r)))
        .unwrap_or(ResetterRole::PrivilegedAuthenticationAdministrator)
}

/// A short description of a target row for messages ("a Global Administrator").
pub fn describe_with_article(name: &str) -> String {
    let article = match name.chars().next() {
        Some(c) if "AEIOUaeiou".contains(c) => "an",
        _ => "a",
    };
    format!("{article} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResetterRole as C;

    /// The table from GRAPH.md, row by row, columns Password, Helpdesk, Auth, User, PAA, GA.
    const TABLE: &[(TargetRow, [bool; 6])] = &[
        (TargetRow::NoAdminRole, [true, true, true, true, true, true]),
        (
            TargetRow::PasswordAdministratorTier,
            [true, true, true, true, true, true],
        ),
        (
            TargetRow::HelpdeskAdministrator,
            [false, true, false, true, true, true],
        ),
        (
            TargetRow::ReaderRoles,
            [false, true, true, true, true, true],
        ),
        (
            TargetRow::AuthenticationAdministrator,
            [false, false, true, false, true, true],
        ),
        (
            TargetRow::UserAdministratorTier,
            [false, false, false, true, true, true],
        ),
        (
            TargetRow::Privileged,
            [false, false, false, false, true, true],
        ),
    ];

    #[test]
    fn every_cell_matches_the_table() {
        for (row, cells) in TABLE {
            for (caller, expected) in C::ALL.into_iter().zip(cells) {
                assert_eq!(row.allows(caller), *expected, "{row:?} by {caller:?}");
            }
        }
    }

    #[test]
    fn templates_fall_in_their_rows() {
        let cases = [
            (
                template::PASSWORD_ADMINISTRATOR,
                TargetRow::PasswordAdministratorTier,
            ),
            (
                template::DIRECTORY_READERS,
                TargetRow::PasswordAdministratorTier,
            ),
            (
                template::GUEST_INVITER,
                TargetRow::PasswordAdministratorTier,
            ),
            (
                template::HELPDESK_ADMINISTRATOR,
                TargetRow::HelpdeskAdministrator,
            ),
            (template::REPORTS_READER, TargetRow::ReaderRoles),
            (template::MESSAGE_CENTER_READER, TargetRow::ReaderRoles),
            (
                template::USAGE_SUMMARY_REPORTS_READER,
                TargetRow::ReaderRoles,
            ),
            (
                template::USER_EXPERIENCE_SUCCESS_MANAGER,
                TargetRow::ReaderRoles,
            ),
            (
                template::AUTHENTICATION_ADMINISTRATOR,
                TargetRow::AuthenticationAdministrator,
            ),
            (
                template::USER_ADMINISTRATOR,
                TargetRow::UserAdministratorTier,
            ),
            (
                template::GROUPS_ADMINISTRATOR,
                TargetRow::UserAdministratorTier,
            ),
            (template::GLOBAL_ADMINISTRATOR, TargetRow::Privileged),
            (
                template::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
                TargetRow::Privileged,
            ),
            (
                template::PRIVILEGED_ROLE_ADMINISTRATOR,
                TargetRow::Privileged,
            ),
            (template::SECURITY_ADMINISTRATOR, TargetRow::Privileged),
            ("00000000-custom-role", TargetRow::Privileged),
            (template::USER, TargetRow::NoAdminRole),
        ];
        for (id, row) in cases {
            assert_eq!(TargetRow::of_template(id), row, "{id}");
            assert_eq!(
                TargetRow::of_template(&id.to_ascii_uppercase()),
                row,
                "{id} upper"
            );
        }
    }

    #[test]
    fn least_privileged_role_that_can() {
        assert_eq!(least_privileged_resetter(&[]), C::PasswordAdministrator);
        assert_eq!(
            least_privileged_resetter(&[TargetRow::HelpdeskAdministrator]),
            C::HelpdeskAdministrator
        );
        assert_eq!(
            least_privileged_resetter(&[TargetRow::ReaderRoles]),
            C::HelpdeskAdministrator
        );
        assert_eq!(
            least_privileged_resetter(&[
                TargetRow::HelpdeskAdministrator,
                TargetRow::AuthenticationAdministrator
            ]),
            C::PrivilegedAuthenticationAdministrator
        );
        assert_eq!(
            least_privileged_resetter(&[TargetRow::UserAdministratorTier]),
            C::UserAdministrator
        );
        assert_eq!(
            least_privileged_resetter(&[TargetRow::Privileged]),
            C::PrivilegedAuthenticationAdministrator
        );
        assert_eq!(C::PasswordAdministrator.name(), "Password Administrator");
        assert_eq!(
            describe_with_article("Authentication Administrator"),
            "an Authentication Administrator"
        );
    }
}
