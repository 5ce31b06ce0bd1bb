//! The Review step's reads, in one `$batch` (one round trip): the user, its active roles, its
//! PIM eligibilities, its groups (member, and owner) to find role-assignable ones, optionally the signed-in
//! admin and their roles (skip them when read once at sign-in), and optionally the user's
//! authentication methods.
//!
//! A part that fails does not fail the review, except the user itself: a 403 on eligibility
//! (the admin lacks `RoleEligibilitySchedule.Read.Directory`) becomes a note and
//! `eligible_known: false`, which the plan turns into "roles may be incomplete".

use rand::Rng;

use super::plan::{AdminContext, TargetRoles};
use crate::graph::client::{send_read, RetryPolicy};
use crate::graph::model::AuthenticationMethod;
use crate::graph::{
    endpoints, Advice, Batch, BatchAnswer, BatchBuilder, BatchError, Collection, DirectoryRole,
    GraphFailure, GraphTransport, Group, Me, RoleEligibility, User,
};

/// Part ids of the review batch.
pub mod part {
    pub const USER: &str = "user";
    pub const ROLES: &str = "roles";
    pub const ELIGIBLE: &str = "eligible";
    pub const GROUPS: &str = "groups";
    pub const OWNED: &str = "owned";
    pub const ME: &str = "me";
    pub const MY_ROLES: &str = "myRoles";
    pub const METHODS: &str = "methods";
}

/// What to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewRequest<'a> {
    /// The target's object id (from the Find step).
    pub target_id: &'a str,
    /// Read `/me` and its roles too (when the admin context was not read at sign-in).
    pub include_admin: bool,
    /// Read the target's authentication methods (for TAP advice).
    pub include_authentication_methods: bool,
}

/// The batch for `request` (5 to 8 parts, well under Graph's 20).
pub fn review_batch(request: &ReviewRequest<'_>) -> Result<Batch, BatchError> {
    let id = request.target_id;
    let mut b = BatchBuilder::new();
    b.add(part::USER, endpoints::get_user(id))?;
    b.add(part::ROLES, endpoints::user_directory_roles(id))?;
    b.add(part::ELIGIBLE, endpoints::role_eligibility_instances(id))?;
    b.add(part::GROUPS, endpoints::group_memberships(id))?;
    b.add(part::OWNED, endpoints::owned_groups(id))?;
    if request.include_admin {
        b.add(part::ME, endpoints::get_me())?;
        b.add(part::MY_ROLES, endpoints::my_directory_roles())?;
    }
    if request.include_authentication_methods {
        b.add(part::METHODS, endpoints::authentication_methods(id))?;
    }
    b.build()
}

/// The batch that reads only the signed-in admin (`/me` and roles), for use right after sign-in.
pub fn admin_batch() -> Result<Batch, BatchError> {
    let mut b = BatchBuilder::new();
    b.add(part::ME, endpoints::get_me())?;
    b.add(part::MY_ROLES, endpoints::my_directory_roles())?;
    b.build()
}

/// Reads the answer of [`admin_batch`] (or the admin parts of a review batch).
pub fn parse_admin(
    answer: &BatchAnswer,
    granted_scopes: &str,
) -> Result<AdminContext, GraphFailure> {
    let me: Me = answer.require(part::ME)?.json("signed-in user")?;
    let roles: Collection<DirectoryRole> =
        answer.require(part::MY_ROLES)?.json("directory roles")?;
    Ok(AdminContext::from_me(&me, &roles.value, granted_scopes))
}

/// A part that failed or was incomplete, explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewNote {
    pub part: &'static str,
    pub message: String,
    pub failure: Option<GraphFailure>,
}

/// Everything the Review card and the plan need.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewOutcome {
    pub target: User,
    pub roles: TargetRoles,
    /// `Some` when the admin was read in this batch.
    pub admin: Option<Result<AdminContext, GraphFailure>>,
    /// `Some` when the methods were read in this batch.
    pub authentication_methods: Option<Result<Vec<AuthenticationMethod>, GraphFailure>>,
    pub notes: Vec<ReviewNote>,
}

/// The review failed: the user itself could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewError {
    pub failure: GraphFailure,
    pub advice: Advice,
}

impl From<GraphFailure> for ReviewError {
    fn from(failure: GraphFailure) -> Self {
        let advice = failure.advice();
        ReviewError { failure, advice }
    }
}

fn note(part: &'static str, what: &str, failure: GraphFailure) -> ReviewNote {
    let permission_hint = match failure.graph_error() {
        Some(e) if e.status == 403 => " (a permission is missing)",
        _ => "",
    };
    ReviewNote {
        part,
        message: format!(
            "{what} could not be read{permission_hint}: the roles shown may be incomplete."
        ),
        failure: Some(failure),
    }
}

/// Reads a review batch answer into the plan's inputs.
pub fn parse_review(
    answer: &BatchAnswer,
    granted_scopes: &str,
) -> Result<ReviewOutcome, ReviewError> {
    let target: User = answer.require(part::USER)?.json("user")?;
    let mut notes = Vec::new();
    let mut roles = TargetRoles::default();

    match answer
        .require(part::ROLES)
        .and_then(|p| p.json::<Collection<DirectoryRole>>("directory roles"))
    {
        Ok(c) => {
            roles.active = c.value;
            roles.active_known = c.next_link.is_none();
            if c.next_link.is_some() {
                notes.push(ReviewNote {
                    part: part::ROLES,
                    message: "The user has more active roles than one page shows.".into(),
                    failure: None,
                });
            }
        }
        Err(f) => notes.push(note(part::ROLES, "Active directory roles", f)),
    }

    match answer
        .require(part::ELIGIBLE)
        .and_then(|p| p.json::<Collection<RoleEligibility>>("role eligibilities"))
    {
        Ok(c) => {
            let active: Vec<&str> = roles
                .active
                .iter()
                .filter_map(|r| r.role_template_id.as_deref())
                .collect();
            roles.eligible = c
                .value
                .into_iter()
                .filter(|e| {
                    e.principal_id
                        .as_deref()
                        .is_none_or(|p| p.eq_ignore_ascii_case(&target.id))
                })
                // An eligible role that is active right now shows once, as active.
                .filter(|e| {
                    !active
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(&e.role_definition_id))
                })
                .collect();
            roles.eligible_known = c.next_link.is_none();
        }
        Err(f) => notes.push(note(part::ELIGIBLE, "PIM-eligible roles", f)),
    }

    let mut groups_known = true;
    for (id, what) in [
        (part::GROUPS, "Role-assignable group memberships"),
        (part::OWNED, "Owned groups"),
    ] {
        match answer
            .require(id)
            .and_then(|p| p.json::<Collection<Group>>("groups"))
        {
            Ok(c) => {
                groups_known &= c.next_link.is_none();
                for g in c.value {
                    // Only role-assignable groups count; roles and units in the list lack the property.
                    if g.is_assignable_to_role == Some(true)
                        && !roles.role_assignable_groups.iter().any(|x| x.id == g.id)
                    {
                        roles.role_assignable_groups.push(g);
                    }
                }
            }
            Err(f) => {
                groups_known = false;
                notes.push(note(id, what, f));
            }
        }
    }
    roles.groups_known = groups_known;

    let admin = answer
        .get(part::ME)
        .map(|_| parse_admin(answer, granted_scopes));
    let authentication_methods = answer.get(part::METHODS).map(|p| {
        p.json::<Collection<AuthenticationMethod>>("authentication methods")
            .map(|c| c.value)
    });

    Ok(ReviewOutcome {
        target,
        roles,
        admin,
        authentication_methods,
        notes,
    })
}

/// Sends the review batch (retrying transient failures; it only reads) and parses it.
/// `on_wait(ms, attempt)` reports each wait.
pub async fn load_review<T: GraphTransport, R: Rng + ?Sized>(
    transport: &T,
    rng: &mut R,
    request: &ReviewRequest<'_>,
    granted_scopes: &str,
    on_wait: &mut dyn FnMut(u32, u32),
) -> Result<ReviewOutcome, ReviewError> {
    // Building the batch cannot fail for these fixed parts; map it to a typed error anyway.
    if let Err(e) = review_batch(request) {
        return Err(GraphFailure::Malformed(crate::graph::MalformedAnswer {
            status: 0,
            expected: "a review batch".into(),
            detail: e.to_string(),
        })
        .into());
    }
    let sent = send_read(
        transport,
        rng,
        RetryPolicy::default(),
        || match review_batch(request) {
            Ok(b) => b.into_request(),
            Err(_) => crate::graph::GraphRequest::new(crate::graph::Method::Get, "/v1.0/$batch"),
        },
        on_wait,
    )
    .await;
    let response = sent.response.map_err(GraphFailure::Transport)?;
    let answer = BatchAnswer::from_response(&response)?;
    parse_review(&answer, granted_scopes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::roles::template;

    fn answer(json: &str) -> BatchAnswer {
        match BatchAnswer::from_json(200, json) {
            Ok(a) => a,
            Err(e) => panic!("test answer: {e}"),
        }
    }

    const REVIEW_ANSWER: &str = r##"{"responses":[
      {"id":"roles","status":200,"headers":{"Content-Type":"application/json"},"body":{
        "@odata.context":"https://graph.microsoft.com/v1.0/$metadata#directoryRoles",
        "value":[{"@odata.type":"#microsoft.graph.directoryRole","id":"f8e85ed8-f66f-4058-b170-3efae8b9c6e5",
                  "displayName":"Helpdesk Administrator","roleTemplateId":"729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}},
      {"id":"user","status":200,"body":{"id":"u-42","displayName":"Grace Hopper","givenName":"Grace","surname":"Hopper",
        "userPrincipalName":"grace@contoso.com","mail":"grace@contoso.com","otherMails":["grace@example.org"],
        "accountEnabled":false,"userType":"Member","onPremisesSyncEnabled":true,
        "lastPasswordChangeDateTime":"2025-03-01T08:00:00Z"}},
      {"id":"eligible","status":403,"body":{"error":{"code":"AccessDenied","message":"Request Authorization failed",
        "innerError":{"date":"2026-11-27T10:00:00","request-id":"r-el","client-request-id":"c-el"}}}},
      {"id":"groups","status":200,"body":{"value":[
        {"@odata.type":"#microsoft.graph.group","id":"g1","displayName":"Tier0 Admins","isAssignableToRole":true},
        {"@odata.type":"#microsoft.graph.group","id":"g2","displayName":"All staff","isAssignableToRole":null},
        {"@odata.type":"#microsoft.graph.directoryRole","id":"r9","displayName":"Helpdesk Administrator","roleTemplateId":"729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}},
      {"id":"owned","status":200,"body":{"value":[]}},
      {"id":"me","status":200,"body":{"id":"admin-1","displayName":"Ada Admin","userPrincipalName":"ada.admin@contoso.com"}},
      {"id":"myRoles","status":200,"body":{"value":[{"id":"x","displayName":"User Administrator","roleTemplateId":"fe930be7-5e62-47db-91af-98c3a49a38b1"}]}}
    ]}"##;

    #[test]
    fn load_review_is_one_round_trip_and_retries_a_throttled_batch() {
        use crate::graph::testing::{block_on, Fake};
        use crate::graph::GraphResponse;
        let fake = Fake::new(vec![
            Ok(GraphResponse::new(429, "").with_header("Retry-After", "1")),
            Ok(GraphResponse::new(200, REVIEW_ANSWER)),
        ]);
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(9);
        let mut waits = Vec::new();
        let request = ReviewRequest {
            target_id: "u-42",
            include_admin: true,
            include_authentication_methods: false,
        };
        let outcome = block_on(load_review(
            &fake,
            &mut rng,
            &request,
            "Mail.Send",
            &mut |ms, _| waits.push(ms),
        ));
        let outcome = outcome.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(outcome.target.id, "u-42");
        assert_eq!(waits, [1000]);
        let seen = fake.seen();
        assert_eq!(seen.len(), 2);
        assert!(seen.iter().all(|s| s.path == "/v1.0/$batch"));
        assert_eq!(seen[1].batch_parts().len(), 7);
    }

    #[test]
    fn mangled_answers_never_panic() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        let original: Vec<char> = REVIEW_ANSWER.chars().collect();
        let (mut parsed, mut rejected) = (0, 0);
        for _ in 0..3000 {
            let mut text = original.clone();
            for _ in 0..rng.random_range(1..4) {
                if text.is_empty() {
                    break;
                }
                let at = rng.random_range(0..text.len());
                match rng.random_range(0..3) {
                    0 => {
                        text.remove(at);
                    }
                    1 => text.insert(
                        at,
                        ['"', '{', '}', ']', ',', '0', 'x', '\\'][rng.random_range(0..8)],
                    ),
                    _ => text.truncate(at),
                }
            }
            let text: String = text.into_iter().collect();
            match BatchAnswer::from_json(200, &text) {
                Ok(a) => match parse_review(&a, "Mail.Send") {
                    Ok(_) => parsed += 1,
                    Err(_) => rejected += 1,
                },
                Err(_) => rejected += 1,
            }
            let _ = crate::graph::GraphError::from_parts(500, &crate::graph::Headers::new(), &text);
        }
        // Both outcomes happened, so the mutations reached the parsers' error paths and past them.
        assert!(
            parsed > 0 && rejected > 0,
            "parsed {parsed}, rejected {rejected}"
        );
    }

    #[test]
    fn the_batch_has_the_review_reads() {
        let batch = review_batch(&ReviewRequest {
            target_id: "u-42",
            include_admin: true,
            include_authentication_methods: true,
        });
        let batch = match batch {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            batch.ids(),
            ["user", "roles", "eligible", "groups", "owned", "me", "myRoles", "methods"]
        );
        let urls: Vec<&str> = batch.parts().iter().map(|p| p.call.path.as_str()).collect();
        assert!(
            urls[0].starts_with("/users/u-42?$select=")
                && urls[0].contains("otherMails")
                && urls[0].contains("onPremisesSyncEnabled")
        );
        assert!(urls[1].starts_with("/users/u-42/transitiveMemberOf/microsoft.graph.directoryRole"));
        assert!(urls[2].contains("principalId%20eq%20%27u-42%27"));
        assert_eq!(urls[6], "/me/transitiveMemberOf/microsoft.graph.directoryRole?$select=id%2CdisplayName%2CroleTemplateId");
        let without = review_batch(&ReviewRequest {
            target_id: "u-42",
            include_admin: false,
            include_authentication_methods: false,
        });
        assert_eq!(without.map(|b| b.parts().len()).ok(), Some(5));
    }

    #[test]
    fn a_failed_part_is_a_note_not_a_failure() {
        let outcome = match parse_review(&answer(REVIEW_ANSWER), "User.ReadWrite.All Mail.Send") {
            Ok(o) => o,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(
            outcome.target.user_principal_name.as_deref(),
            Some("grace@contoso.com")
        );
        assert_eq!(outcome.target.other_mails, ["grace@example.org"]);
        assert!(outcome.roles.active_known);
        assert_eq!(
            outcome.roles.active[0].role_template_id.as_deref(),
            Some(template::HELPDESK_ADMINISTRATOR)
        );
        assert!(!outcome.roles.eligible_known);
        assert_eq!(outcome.notes.len(), 1);
        assert_eq!(outcome.notes[0].part, "eligible");
        assert!(outcome.notes[0].message.contains("permission"));
        assert_eq!(
            outcome.notes[0]
                .failure
                .as_ref()
                .and_then(|f| f.graph_error())
                .and_then(|e| e.request_id.as_deref()),
            Some("r-el")
        );
        // Only the group that really is role-assignable counts.
        assert_eq!(outcome.roles.role_assignable_groups.len(), 1);
        assert_eq!(outcome.roles.role_assignable_groups[0].id, "g1");
        assert!(outcome.roles.groups_known);
        let admin = match outcome.admin {
            Some(Ok(a)) => a,
            other => panic!("admin: {other:?}"),
        };
        assert_eq!(admin.id, "admin-1");
        assert!(admin.has_scope("mail.send"));
        assert_eq!(admin.role_template_ids, [template::USER_ADMINISTRATOR]);
        assert!(outcome.authentication_methods.is_none());
    }

    #[test]
    fn a_missing_user_fails_the_review_with_advice() {
        let json = r#"{"responses":[{"id":"user","status":404,"body":{"error":{"code":"Request_ResourceNotFound","message":"Resource 'u-42' does not exist"}}}]}"#;
        match parse_review(&answer(json), "") {
            Err(e) => {
                assert_eq!(e.failure.graph_error().map(|g| g.status), Some(404));
                assert!(e.advice.what_to_do.contains("Search"));
            }
            Ok(o) => panic!("expected failure, got {o:?}"),
        }
        // A batch answer without the user part at all is typed, not a panic.
        assert!(parse_review(&answer(r#"{"responses":[]}"#), "").is_err());
    }

    #[test]
    fn eligibility_is_read_and_active_duplicates_dropped() {
        let json = r#"{"responses":[
          {"id":"user","status":200,"body":{"id":"u1"}},
          {"id":"roles","status":200,"body":{"value":[{"roleTemplateId":"fe930be7-5e62-47db-91af-98c3a49a38b1"}]}},
          {"id":"eligible","status":200,"body":{"value":[
             {"id":"e1","principalId":"u1","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","directoryScopeId":"/"},
             {"id":"e2","principalId":"u1","roleDefinitionId":"fe930be7-5e62-47db-91af-98c3a49a38b1","directoryScopeId":"/"}]}},
          {"id":"groups","status":400,"body":{"error":{"code":"Request_UnsupportedQuery","message":"no"}}},
          {"id":"owned","status":200,"body":{"value":[{"id":"g9","displayName":"PIM owners","isAssignableToRole":true}]}}
        ]}"#;
        let outcome = match parse_review(&answer(json), "") {
            Ok(o) => o,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(outcome.roles.eligible.len(), 1);
        assert_eq!(
            outcome.roles.eligible[0].role_definition_id,
            template::GLOBAL_ADMINISTRATOR
        );
        assert!(!outcome.roles.groups_known);
        assert_eq!(
            outcome.roles.role_assignable_groups.len(),
            1,
            "owner of a role-assignable group"
        );
        assert!(outcome.admin.is_none());
    }
}
