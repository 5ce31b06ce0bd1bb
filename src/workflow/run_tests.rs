use rand::SeedableRng;
use serde_json::{json, Value};

use super::*;
use crate::graph::testing::{block_on, Fake};
use crate::graph::{BodyType, MailAddress, MailMessage, User};
use crate::workflow::plan::{plan, AdminContext, CredentialChoice, PlanOptions, TargetRoles};
use crate::workflow::receipt::{Receipt, ReceiptContext};
use crate::workflow::roles::template;

const PASSWORD: &str = "Tr1cky-Pa$$-9911";
const TAP_VALUE: &str = "Xq9#mK2v";

fn batch_answer(parts: Value) -> Result<GraphResponse, TransportError> {
    Ok(
        GraphResponse::new(200, json!({ "responses": parts }).to_string())
            .with_header("request-id", "outer-req-id"),
    )
}

fn graph_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message,
        "innerError": {"date": "2026-11-27T10:00:01", "request-id": format!("rid-{code}"), "client-request-id": "cid"}}})
}

fn target(synced: bool) -> User {
    User {
        id: "u-1".into(),
        display_name: Some("Ada Lovelace".into()),
        given_name: Some("Ada".into()),
        surname: Some("Lovelace".into()),
        user_principal_name: Some("ada@contoso.com".into()),
        mail: Some("ada@contoso.com".into()),
        other_mails: vec!["ada@example.org".into()],
        account_enabled: Some(true),
        user_type: Some("Member".into()),
        on_premises_sync_enabled: synced.then_some(true),
        last_password_change_date_time: Some("2025-01-01T00:00:00Z".into()),
    }
}

fn admin(role: &str) -> AdminContext {
    AdminContext::new(
        "admin-1",
        vec![role.into()],
        "User-PasswordProfile.ReadWrite.All UserAuthenticationMethod.ReadWrite.All Mail.Send",
    )
}

fn standard_plan() -> Plan {
    plan(
        &target(false),
        &TargetRoles::none(),
        &admin(template::USER_ADMINISTRATOR),
        &PlanOptions::default(),
    )
    .expect("standard plan")
}

fn auth_methods_plan(synced: bool) -> Plan {
    let roles = if synced {
        TargetRoles::none()
    } else {
        TargetRoles {
            active: vec![crate::graph::DirectoryRole {
                id: None,
                display_name: None,
                role_template_id: Some(template::GLOBAL_ADMINISTRATOR.into()),
            }],
            ..TargetRoles::none()
        }
    };
    let p = plan(
        &target(synced),
        &roles,
        &admin(template::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR),
        &PlanOptions::default(),
    )
    .expect("auth methods plan");
    assert_eq!(p.path, ResetPath::AuthenticationMethods);
    p
}

fn compose(credential: &Secret) -> MailMessage {
    MailMessage {
        subject: "Welcome to Contoso".into(),
        body_type: BodyType::Html,
        body: Secret::new(format!(
            "<p>Your password: <code>{}</code></p>",
            credential.expose_secret()
        )),
        to: vec![MailAddress {
            address: "ada@example.org".into(),
            name: Some("Ada".into()),
        }],
        cc: vec![],
        save_to_sent_items: false,
        headers: Vec::new(),
    }
}

struct Outcome {
    report: RunReport,
    events: Vec<RunEvent>,
}

fn run_with(fake: &Fake, plan: &Plan, password: Option<&Secret>, email: bool) -> Outcome {
    let compose_fn = compose;
    let draft = email.then_some(EmailDraft {
        from_mailbox: None,
        compose: &compose_fn,
        details: None,
    });
    let mut request = RunRequest::new(plan, password, draft);
    request.retry.max_attempts = 4;
    request.poll.max_polls = 6;
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut events = Vec::new();
    let report = block_on(run(fake, &mut rng, request, &mut |e| events.push(e)));
    Outcome { report, events }
}

fn mail_sends(fake: &Fake) -> usize {
    fake.seen()
        .iter()
        .flat_map(|s| s.batch_parts())
        .filter(|p| p["url"].as_str().is_some_and(|u| u.ends_with("/sendMail")))
        .count()
}

#[test]
fn standard_path_is_one_batch_with_the_mail_depending_on_the_patch() {
    let fake = Fake::new(vec![batch_answer(json!([
        {"id": "mail", "status": 202, "headers": {}},
        {"id": "reset", "status": 204, "headers": {}}
    ]))]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(out.report.round_trips, 1);
    assert_eq!(out.report.reset, ResetState::Done);
    assert_eq!(out.report.email, EmailState::Sent);
    assert_eq!(out.report.next_action, NextAction::Done);
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("POST", "/v1.0/$batch")
    );
    let crid = seen[0].header("client-request-id").unwrap_or_default();
    assert_eq!(crid.len(), 36);
    let parts = seen[0].batch_parts();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0]["method"], "PATCH");
    assert_eq!(parts[0]["url"], "/users/u-1");
    assert_eq!(parts[0]["body"]["passwordProfile"]["password"], PASSWORD);
    assert_eq!(
        parts[0]["body"]["passwordProfile"]["forceChangePasswordNextSignIn"],
        true
    );
    assert_eq!(parts[1]["method"], "POST");
    assert_eq!(parts[1]["url"], "/me/sendMail");
    assert_eq!(parts[1]["dependsOn"], json!(["reset"]));
    assert_eq!(parts[1]["body"]["saveToSentItems"], false);
    // The receipt's steps carry the ids.
    assert!(out.report.steps.iter().all(|s| s.client_request_id == crid));
    assert!(out
        .report
        .steps
        .iter()
        .all(|s| s.request_id.as_deref() == Some("outer-req-id")));
    assert!(out.events.contains(&RunEvent::StepStarted {
        step: Step::ResetPassword
    }));
    assert!(out.events.iter().any(|e| matches!(
        e,
        RunEvent::StepFinished {
            step: Step::SendEmail,
            succeeded: true,
            ..
        }
    )));
}

#[test]
fn a_failed_patch_makes_graph_skip_the_mail_with_424() {
    let fake = Fake::new(vec![batch_answer(json!([
        {"id": "reset", "status": 403, "body": graph_error("Authorization_RequestDenied", "Insufficient privileges to complete the operation.")},
        {"id": "mail", "status": 424, "body": graph_error("FailedDependency", "dependency failed")}
    ]))]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(out.report.round_trips, 1);
    match &out.report.reset {
        ResetState::Failed {
            error: Some(GraphFailure::Graph(e)),
            advice,
            ..
        } => {
            assert_eq!(e.kind, GraphErrorKind::AuthorizationDenied);
            assert!(!advice.what_to_do.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(out.report.email, EmailState::NotSent { .. }));
    assert_eq!(out.report.next_action, NextAction::FixAndRetry);
    assert!(fake.slept().is_empty(), "a 403 is not retried");
    let reset_step = out
        .report
        .steps
        .iter()
        .find(|s| s.step == Step::ResetPassword)
        .expect("step");
    assert_eq!(
        reset_step.request_id.as_deref(),
        Some("rid-Authorization_RequestDenied")
    );
}

#[test]
fn a_429_inside_the_batch_is_retried_after_retry_after_with_the_same_password() {
    let fake = Fake::new(vec![
        batch_answer(json!([
            {"id": "reset", "status": 429, "headers": {"Retry-After": "2.5"}, "body": graph_error("TooManyRequests", "slow down")},
            {"id": "mail", "status": 424, "body": graph_error("FailedDependency", "dep")}
        ])),
        batch_answer(json!([{"id": "reset", "status": 204}, {"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(fake.slept(), [2500]);
    assert_eq!(out.report.round_trips, 2);
    assert_eq!(out.report.reset, ResetState::Done);
    assert_eq!(out.report.email, EmailState::Sent);
    let seen = fake.seen();
    let passwords: Vec<Value> = seen
        .iter()
        .map(|s| s.batch_parts()[0]["body"]["passwordProfile"]["password"].clone())
        .collect();
    assert_eq!(passwords, [json!(PASSWORD), json!(PASSWORD)]);
    assert_ne!(
        seen[0].header("client-request-id"),
        seen[1].header("client-request-id"),
        "a fresh id per request"
    );
    let waiting: Vec<String> = out
        .events
        .iter()
        .filter(|e| matches!(e, RunEvent::Waiting { .. }))
        .map(RunEvent::message)
        .collect();
    assert_eq!(waiting, ["Graph is busy, retrying in 3 s"]);
    assert_eq!(
        mail_sends(&fake),
        2,
        "the first sendMail was not run (424), the second was"
    );
}

#[test]
fn a_429_on_the_mail_alone_resends_only_the_mail() {
    let fake = Fake::new(vec![
        batch_answer(json!([
            {"id": "reset", "status": 204},
            {"id": "mail", "status": 429, "headers": {"Retry-After": "1"}, "body": graph_error("ApplicationThrottled", "too many")}
        ])),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(out.report.email, EmailState::Sent);
    assert_eq!(fake.slept(), [1000]);
    let second = &fake.seen()[1];
    let parts = second.batch_parts();
    assert_eq!(parts.len(), 1);
    assert_eq!(
        parts[0]["url"], "/me/sendMail",
        "the reset is never repeated once it succeeded"
    );
}

#[test]
fn a_lost_answer_to_the_combined_batch_never_resends_the_mail() {
    let fake = Fake::new(vec![
        Err(TransportError::NoAnswer {
            detail: "connection reset".into(),
        }),
        batch_answer(json!([{"id": "reset", "status": 204}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(
        out.report.reset,
        ResetState::Done,
        "the PATCH alone, same password, confirms the reset"
    );
    assert!(
        matches!(out.report.email, EmailState::Unknown { .. }),
        "{:?}",
        out.report.email
    );
    assert_eq!(
        out.report.next_action,
        NextAction::ConfirmDeliveryBeforeResending
    );
    assert_eq!(mail_sends(&fake), 1);
    let second = fake.seen()[1].batch_parts();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["body"]["passwordProfile"]["password"], PASSWORD);
    assert!(fake.exhausted());
}

#[test]
fn a_network_error_after_send_mail_is_reported_unknown_and_not_retried() {
    let fake = Fake::new(vec![
        batch_answer(json!([{"id": "reset", "status": 202, "headers": {
            "Location": "https://graph.microsoft.com/v1.0/users/u-1/authentication/operations/op-1?aId=abc"}}])),
        batch_answer(
            json!([{"id": "poll", "status": 200, "body": {"id": "op-1", "status": "succeeded"}}]),
        ),
        Err(TransportError::NoAnswer {
            detail: "timeout".into(),
        }),
        // Would be used if the runner wrongly retried.
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &auth_methods_plan(false), Some(&password), true);
    assert_eq!(out.report.reset, ResetState::Done);
    assert!(matches!(out.report.email, EmailState::Unknown { .. }));
    assert_eq!(
        out.report.next_action,
        NextAction::ConfirmDeliveryBeforeResending
    );
    assert_eq!(fake.seen().len(), 3);
    assert!(!fake.exhausted());
}

#[test]
fn authentication_methods_path_polls_to_succeeded_then_sends() {
    let fake = Fake::new(vec![
        batch_answer(json!([{"id": "reset", "status": 202, "headers": {
            "Location": "https://graph.microsoft.com/v1.0/users/u-1/authentication/operations/op-1?aId=abc",
            "Retry-After": "2"}}])),
        batch_answer(
            json!([{"id": "poll", "status": 200, "body": {"id": "op-1", "status": "notStarted"}}]),
        ),
        batch_answer(
            json!([{"id": "poll", "status": 200, "headers": {"Retry-After": "0.5"}, "body": {"id": "op-1", "status": "running"}}]),
        ),
        batch_answer(
            json!([{"id": "poll", "status": 200, "body": {"id": "op-1", "status": "succeeded", "statusDetail": null}}]),
        ),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &auth_methods_plan(false), Some(&password), true);
    assert_eq!(out.report.reset, ResetState::Done);
    assert_eq!(out.report.email, EmailState::Sent);
    assert_eq!(
        out.report.operation_status,
        Some(OperationStatus::Succeeded)
    );
    assert_eq!(out.report.round_trips, 5);
    let seen = fake.seen();
    let urls: Vec<String> = seen
        .iter()
        .map(|s| s.batch_parts()[0]["url"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        urls,
        [
            "/users/u-1/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword",
            "/users/u-1/authentication/operations/op-1?aId=abc",
            "/users/u-1/authentication/operations/op-1?aId=abc",
            "/users/u-1/authentication/operations/op-1?aId=abc",
            "/me/sendMail",
        ]
    );
    assert_eq!(seen[0].batch_parts()[0]["body"]["newPassword"], PASSWORD);
    // Retry-After from the reset's part, then the interval, then the poll's own Retry-After.
    assert_eq!(fake.slept(), [2000, 1500, 500]);
    let statuses: Vec<OperationStatus> = out
        .events
        .iter()
        .filter_map(|e| match e {
            RunEvent::OperationStatus { status } => Some(*status),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        [
            OperationStatus::NotStarted,
            OperationStatus::Running,
            OperationStatus::Succeeded
        ]
    );
    // The email was started only after the operation succeeded.
    let succeeded_at = out.events.iter().position(|e| {
        *e == RunEvent::OperationStatus {
            status: OperationStatus::Succeeded,
        }
    });
    let mail_at = out.events.iter().position(|e| {
        *e == RunEvent::StepStarted {
            step: Step::SendEmail,
        }
    });
    assert!(succeeded_at < mail_at && mail_at.is_some());
}

#[test]
fn a_failed_operation_sends_no_email() {
    let fake = Fake::new(vec![
        batch_answer(json!([{"id": "reset", "status": 202, "headers": {
            "Location": "http://127.0.0.1:9000/v1.0/users/u-1/authentication/operations/op-2"}}])),
        batch_answer(
            json!([{"id": "poll", "status": 200, "body": {"status": "failed", "statusDetail": "Password writeback is not enabled."}}]),
        ),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &auth_methods_plan(true), Some(&password), true);
    match &out.report.reset {
        ResetState::Failed { reason, advice, .. } => {
            assert!(reason.contains("writeback is not enabled"), "{reason}");
            assert!(
                advice.what_to_do.contains("writeback"),
                "{}",
                advice.what_to_do
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(out.report.email, EmailState::NotSent { .. }));
    assert_eq!(out.report.next_action, NextAction::FixAndRetry);
    assert_eq!(mail_sends(&fake), 0);
    assert_eq!(fake.seen().len(), 2);
}

#[test]
fn polling_is_bounded_and_ends_unknown_without_email() {
    let mut script = vec![batch_answer(
        json!([{"id": "reset", "status": 202, "headers": {
        "Location": "/v1.0/users/u-1/authentication/operations/op-3"}}]),
    )];
    for _ in 0..10 {
        script.push(batch_answer(
            json!([{"id": "poll", "status": 200, "body": {"status": "running"}}]),
        ));
    }
    let fake = Fake::new(script);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &auth_methods_plan(false), Some(&password), true);
    assert!(
        matches!(out.report.reset, ResetState::Unknown { .. }),
        "{:?}",
        out.report.reset
    );
    assert_eq!(out.report.next_action, NextAction::VerifyReset);
    assert_eq!(mail_sends(&fake), 0);
    assert_eq!(fake.seen().len(), 1 + 6, "max_polls is 6 in these tests");
}

#[test]
fn a_temporary_access_pass_run_emails_the_pass_and_leaves_the_password() {
    let tap_body = json!({"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod", "id": "t-1",
        "temporaryAccessPass": TAP_VALUE, "lifetimeInMinutes": 60, "isUsableOnce": true, "isUsable": true,
        "methodUsabilityReason": "EnabledByPolicy", "createdDateTime": "2026-11-27T10:00:00Z"});
    let fake = Fake::new(vec![
        Ok(GraphResponse::new(201, tap_body.to_string()).with_header("request-id", "tap-rid")),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let options = PlanOptions {
        credential: CredentialChoice::TemporaryAccessPass,
        ..PlanOptions::default()
    };
    let p = plan(
        &target(false),
        &TargetRoles::none(),
        &admin(template::AUTHENTICATION_ADMINISTRATOR),
        &options,
    )
    .expect("tap plan");
    let out = run_with(&fake, &p, None, true);
    assert_eq!(out.report.reset, ResetState::Done);
    assert_eq!(out.report.email, EmailState::Sent);
    assert_eq!(out.report.round_trips, 2);
    let tap = out.report.temporary_access_pass.as_ref().expect("pass");
    assert_eq!(tap.pass.expose_secret(), TAP_VALUE);
    assert_eq!(tap.lifetime_in_minutes, Some(60));
    let seen = fake.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        (
            "POST",
            "/v1.0/users/u-1/authentication/temporaryAccessPassMethods"
        )
    );
    let mail = &seen[1].batch_parts()[0];
    assert!(mail["body"]["message"]["body"]["content"]
        .as_str()
        .is_some_and(|c| c.contains(TAP_VALUE)));
    assert!(
        seen.iter().all(|s| !s.path.contains("passwordProfile")
            && s.batch_parts().iter().all(|p| p["method"] != "PATCH")),
        "password untouched"
    );
    assert_eq!(out.report.steps[0].request_id.as_deref(), Some("tap-rid"));
}

#[test]
fn a_tap_policy_refusal_is_explained() {
    let fake = Fake::new(vec![Ok(GraphResponse::new(400, graph_error("badRequest",
        "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].").to_string()))]);
    let options = PlanOptions {
        credential: CredentialChoice::TemporaryAccessPass,
        ..PlanOptions::default()
    };
    let p = plan(
        &target(false),
        &TargetRoles::none(),
        &admin(template::AUTHENTICATION_ADMINISTRATOR),
        &options,
    )
    .expect("tap plan");
    let out = run_with(&fake, &p, None, true);
    match &out.report.reset {
        ResetState::Failed {
            error: Some(GraphFailure::Graph(e)),
            ..
        } => assert_eq!(e.kind, GraphErrorKind::TapPolicy),
        other => panic!("{other:?}"),
    }
    assert!(out.report.temporary_access_pass.is_none());
    assert_eq!(fake.seen().len(), 1);
}

#[test]
fn a_mailbox_less_admin_gets_the_credential_and_can_retry_sending() {
    let fake = Fake::new(vec![
        batch_answer(json!([
            {"id": "reset", "status": 204},
            {"id": "mail", "status": 404, "body": graph_error("MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")}
        ])),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let mut out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(out.report.reset, ResetState::Done);
    match &out.report.email {
        EmailState::Failed { advice, .. } => {
            assert!(advice.what_to_do.contains("print"), "{}", advice.what_to_do)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        out.report.next_action,
        NextAction::ShowCredentialAndOfferResend
    );
    assert!(fake.slept().is_empty());
    // The admin chooses "retry sending" (say from a shared mailbox).
    let compose_fn = compose;
    let draft = EmailDraft {
        from_mailbox: Some("helpdesk@contoso.com".into()),
        compose: &compose_fn,
        details: None,
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    block_on(send_email_again(
        &fake,
        &mut rng,
        &mut out.report,
        &password,
        &draft,
        RetryPolicy::default(),
        &mut |e| out.events.push(e),
    ));
    assert_eq!(out.report.email, EmailState::Sent);
    assert_eq!(out.report.next_action, NextAction::Done);
    assert_eq!(
        fake.seen()[1].batch_parts()[0]["url"],
        "/users/helpdesk%40contoso.com/sendMail"
    );
    assert_eq!(out.report.round_trips, 2);
}

#[test]
fn garbage_batch_answers_are_unknown_and_the_reset_is_confirmed_alone() {
    let fake = Fake::new(vec![
        Ok(GraphResponse::new(200, "<html>proxy error</html>")),
        batch_answer(json!([{"id": "reset", "status": 204}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(out.report.reset, ResetState::Done);
    assert!(matches!(out.report.email, EmailState::Unknown { .. }));
    assert_eq!(mail_sends(&fake), 1);
}

#[test]
fn throttling_that_outlasts_the_retries_ends_certainly_not_reset() {
    let throttled = || {
        batch_answer(json!([
            {"id": "reset", "status": 429, "headers": {"Retry-After": "1"}, "body": graph_error("TooManyRequests", "x")},
            {"id": "mail", "status": 424}
        ]))
    };
    let fake = Fake::new(vec![throttled(), throttled(), throttled(), throttled()]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    match &out.report.reset {
        ResetState::Failed {
            error: Some(GraphFailure::Graph(e)),
            ..
        } => assert_eq!(e.status, 429),
        other => panic!("{other:?}"),
    }
    assert!(matches!(out.report.email, EmailState::NotSent { .. }));
    assert_eq!(out.report.round_trips, 4, "max_attempts");
    assert_eq!(fake.slept(), [1000, 1000, 1000]);
}

#[test]
fn an_outer_503_without_retry_after_backs_off_with_jitter() {
    let fake = Fake::new(vec![
        Ok(GraphResponse::new(
            503,
            graph_error("serviceNotAvailable", "busy").to_string(),
        )),
        batch_answer(json!([{"id": "reset", "status": 204}, {"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(out.report.email, EmailState::Sent);
    let slept = fake.slept();
    assert_eq!(slept.len(), 1);
    assert!((500..=1000).contains(&slept[0]), "{slept:?}");
    assert_eq!(
        mail_sends(&fake),
        2,
        "a 503 on the whole batch ran nothing, so both are sent again"
    );
}

#[test]
fn a_session_that_ended_before_the_first_request_keeps_the_run() {
    let fake = Fake::new(vec![Err(TransportError::SignInRequired)]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(out.report.reset, ResetState::NotAttempted);
    assert_eq!(out.report.next_action, NextAction::SignInAgain);
}

#[test]
fn a_run_without_email_shows_the_credential() {
    let fake = Fake::new(vec![batch_answer(json!([{"id": "reset", "status": 204}]))]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), false);
    assert_eq!(out.report.email, EmailState::NotRequested);
    assert_eq!(out.report.next_action, NextAction::ShowCredential);
    assert_eq!(fake.seen()[0].batch_parts().len(), 1);
}

#[test]
fn the_receipt_never_contains_the_secret() {
    let fake = Fake::new(vec![batch_answer(
        json!([{"id": "reset", "status": 204}, {"id": "mail", "status": 202}]),
    )]);
    let password = Secret::new(PASSWORD.into());
    let p = standard_plan();
    let out = run_with(&fake, &p, Some(&password), true);
    let ctx = ReceiptContext {
        started_at: "2026-11-27T10:00:00Z".into(),
        finished_at: "2026-11-27T10:00:02Z".into(),
        ticket: "INC-4711".into(),
        to: vec!["ada@example.org".into()],
        cc: vec![],
        saved_to_sent_items: false,
        sealed_link: false,
        encryption_requested: None,
        details_to: None,
    };
    let receipt = Receipt::new(&ctx, &admin(template::USER_ADMINISTRATOR), &p, &out.report);
    let text = receipt.to_json();
    assert!(!text.contains(PASSWORD), "{text}");
    // Member names and order as the receipt was always written (declaration order, camelCase,
    // two-space indent), whatever writes it.
    assert!(
        text.starts_with("{\n  \"receiptVersion\": 1,\n  \"startedAt\": "),
        "{text}"
    );
    let ours = crate::json::parse(&text).expect("receipt json");
    let names = |v: &crate::json::Value| -> Vec<String> {
        v.as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(
        names(&ours),
        [
            "receiptVersion",
            "startedAt",
            "finishedAt",
            "ticket",
            "performedBy",
            "target",
            "path",
            "credential",
            "forceChangePasswordNextSignIn",
            "temporaryAccessPass",
            "reset",
            "email",
            "warnings",
            "steps",
            "nextAction",
            "roundTrips"
        ]
    );
    assert_eq!(
        names(&ours["steps"].as_array().expect("steps")[0]),
        [
            "step",
            "attempt",
            "at",
            "httpStatus",
            "outcome",
            "requestId",
            "clientRequestId",
            "batchPart"
        ]
    );
    assert_eq!(
        names(&ours["email"]),
        [
            "to",
            "cc",
            "savedToSentItems",
            "carries",
            "encryptionRequested",
            "outcome"
        ]
    );
    assert_eq!(
        names(&ours["reset"]),
        ["state", "detail", "requestId", "clientRequestId"]
    );
    assert!(!format!("{:?}", out.report).contains(PASSWORD));
    let v: Value = serde_json::from_str(&text).expect("receipt json");
    assert_eq!(v["ticket"], "INC-4711");
    assert_eq!(v["path"], "Standard");
    assert_eq!(v["performedBy"]["actingRole"], "User Administrator");
    assert_eq!(v["target"]["userPrincipalName"], "ada@contoso.com");
    assert_eq!(v["reset"]["state"], "done");
    assert_eq!(v["reset"]["requestId"], "outer-req-id");
    assert_eq!(v["email"]["outcome"]["state"], "sent");
    assert_eq!(v["email"]["to"], json!(["ada@example.org"]));
    assert_eq!(v["email"]["carries"], "password");
    let sealed = Receipt::new(
        &ReceiptContext {
            sealed_link: true,
            ..ctx.clone()
        },
        &admin(template::USER_ADMINISTRATOR),
        &p,
        &out.report,
    );
    assert_eq!(sealed.email.as_ref().map(|e| e.carries), Some("sealedLink"));
    assert_eq!(v["email"]["encryptionRequested"], Value::Null);
    let encrypted = Receipt::new(
        &ReceiptContext {
            encryption_requested: Some("header X-Handover-Encrypt: OME".into()),
            ..ctx.clone()
        },
        &admin(template::USER_ADMINISTRATOR),
        &p,
        &out.report,
    );
    let ev: Value = serde_json::from_str(&encrypted.to_json()).expect("receipt json");
    assert_eq!(
        ev["email"]["encryptionRequested"],
        "header X-Handover-Encrypt: OME"
    );
    assert_eq!(v["forceChangePasswordNextSignIn"], true);
    assert_eq!(v["steps"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        v["steps"][0]["clientRequestId"].as_str().map(str::len),
        Some(36)
    );
    // No lookup yet: no `entraAudit` field. After one, the entry is linked in.
    assert!(v.get("entraAudit").is_none(), "{text}");
    let mut linked = receipt.clone();
    let answer = GraphResponse::new(
        200,
        json!({"value": [{"id": "Directory_1", "activityDisplayName": "Reset user password",
            "result": "success", "correlationId": receipt.reset.client_request_id,
            "activityDateTime": "2026-11-27T10:00:01Z"}]})
        .to_string(),
    );
    linked.entra_audit = crate::workflow::entra_audit::read_audit_answer(
        &answer,
        receipt.reset.client_request_id.as_deref(),
    )
    .expect("audit answer");
    let lv: Value = serde_json::from_str(&linked.to_json()).expect("receipt json");
    assert_eq!(lv["entraAudit"]["id"], "Directory_1");
    assert_eq!(lv["entraAudit"]["matchedBy"], "correlationId");
    assert_eq!(
        lv["entraAudit"]["correlationId"],
        v["reset"]["clientRequestId"]
    );

    // The TAP run's receipt does not hold the pass either.
    let tap_body = json!({"temporaryAccessPass": TAP_VALUE, "lifetimeInMinutes": 60});
    let fake = Fake::new(vec![
        Ok(GraphResponse::new(201, tap_body.to_string())),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let options = PlanOptions {
        credential: CredentialChoice::TemporaryAccessPass,
        ..PlanOptions::default()
    };
    let tp = plan(
        &target(false),
        &TargetRoles::none(),
        &admin(template::AUTHENTICATION_ADMINISTRATOR),
        &options,
    )
    .expect("tap plan");
    let out = run_with(&fake, &tp, None, true);
    let text = Receipt::new(
        &ctx,
        &admin(template::AUTHENTICATION_ADMINISTRATOR),
        &tp,
        &out.report,
    )
    .to_json();
    assert!(!text.contains(TAP_VALUE), "{text}");
    assert!(text.contains("\"lifetimeInMinutes\": 60"), "{text}");
}

#[test]
fn a_long_retry_after_still_polls_once_within_the_budget() {
    let fake = Fake::new(vec![
        batch_answer(json!([{"id": "reset", "status": 202, "headers": {
            "Location": "/v1.0/users/u-1/authentication/operations/op-9", "Retry-After": "600"}}])),
        batch_answer(json!([{"id": "poll", "status": 200, "body": {"status": "succeeded"}}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &auth_methods_plan(false), Some(&password), false);
    assert_eq!(out.report.reset, ResetState::Done);
    assert_eq!(fake.slept(), [PollPolicy::default().max_total_wait_ms]);
    assert_eq!(out.report.next_action, NextAction::ShowCredential);
}

#[test]
fn requests_carry_only_the_client_request_id_header_of_ours() {
    let fake = Fake::new(vec![batch_answer(json!([{"id": "reset", "status": 204}]))]);
    let password = Secret::new(PASSWORD.into());
    run_with(&fake, &standard_plan(), Some(&password), false);
    let names: Vec<String> = fake.seen()[0]
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    assert_eq!(names, ["content-type", "accept", "client-request-id"]);
}

#[test]
fn a_session_ending_after_refused_attempts_means_nothing_changed() {
    let fake = Fake::new(vec![
        Ok(GraphResponse::new(
            429,
            graph_error("TooManyRequests", "x").to_string(),
        )),
        Err(TransportError::SignInRequired),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert_eq!(out.report.reset, ResetState::NotAttempted);
    assert_eq!(out.report.next_action, NextAction::SignInAgain);

    // After a lost answer, the same ending leaves the reset unknown and sends nothing more.
    let fake = Fake::new(vec![
        Err(TransportError::NoAnswer {
            detail: "reset".into(),
        }),
        Err(TransportError::SignInRequired),
    ]);
    let out = run_with(&fake, &standard_plan(), Some(&password), true);
    assert!(matches!(out.report.reset, ResetState::Unknown { .. }));
    assert!(matches!(out.report.email, EmailState::Unknown { .. }));
    assert_eq!(out.report.next_action, NextAction::VerifyReset);
}

/// Every started step gets exactly one finish, whatever the ending.
fn assert_steps_closed(events: &[RunEvent]) {
    for step in [
        Step::ResetPassword,
        Step::WaitForOperation,
        Step::CreateTemporaryAccessPass,
        Step::SendEmail,
    ] {
        let started = events
            .iter()
            .filter(|e| **e == RunEvent::StepStarted { step })
            .count();
        let finished = events
            .iter()
            .filter(|e| matches!(e, RunEvent::StepFinished { step: s, .. } if *s == step))
            .count();
        assert_eq!(started, finished, "{step:?} in {events:?}");
    }
}

#[test]
fn every_started_step_is_finished_in_the_events() {
    let password = Secret::new(PASSWORD.into());
    let scripts: Vec<(Plan, Vec<Result<GraphResponse, TransportError>>)> = vec![
        (
            standard_plan(),
            vec![batch_answer(json!([
            {"id": "reset", "status": 403, "body": graph_error("Authorization_RequestDenied", "no")},
            {"id": "mail", "status": 424}]))],
        ),
        (standard_plan(), vec![Err(TransportError::SignInRequired)]),
        (
            standard_plan(),
            vec![
                Err(TransportError::NoAnswer { detail: "x".into() }),
                Err(TransportError::SignInRequired),
            ],
        ),
        (
            auth_methods_plan(false),
            vec![
                batch_answer(
                    json!([{"id": "reset", "status": 202, "headers": {"Location": "/v1.0/users/u-1/authentication/operations/o"}}]),
                ),
                batch_answer(
                    json!([{"id": "poll", "status": 404, "body": graph_error("Request_ResourceNotFound", "gone")}]),
                ),
            ],
        ),
    ];
    for (plan, script) in scripts {
        let fake = Fake::new(script);
        let out = run_with(&fake, &plan, Some(&password), true);
        assert_steps_closed(&out.events);
        let finished_ok = out.events.iter().any(|e| {
            matches!(
                e,
                RunEvent::StepFinished {
                    step: Step::SendEmail,
                    succeeded: true,
                    ..
                }
            )
        });
        assert!(!finished_ok, "no email went out in these endings");
    }
}

#[test]
fn verify_reset_compares_the_last_password_change() {
    let check = |answer: Result<GraphResponse, TransportError>, before: Option<&str>| {
        let fake = Fake::new(vec![answer]);
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let result = block_on(verify_reset(
            &fake,
            &mut rng,
            "u-1",
            before,
            RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            },
            &mut |_, _| {},
        ));
        let seen = fake.seen();
        assert_eq!(
            seen[0].path,
            "/v1.0/users/u-1?$select=id%2ClastPasswordChangeDateTime"
        );
        result
    };
    let moved = Ok(GraphResponse::new(
        200,
        r#"{"id":"u-1","lastPasswordChangeDateTime":"2026-11-27T10:00:01Z"}"#,
    ));
    assert_eq!(
        check(moved, Some("2025-01-01T00:00:00Z")),
        Ok(ResetCheck::Changed {
            at: "2026-11-27T10:00:01Z".into()
        })
    );
    let same = Ok(GraphResponse::new(
        200,
        r#"{"id":"u-1","lastPasswordChangeDateTime":"2025-01-01T00:00:00Z"}"#,
    ));
    assert_eq!(
        check(same, Some("2025-01-01T00:00:00Z")),
        Ok(ResetCheck::Unchanged)
    );
    let first = Ok(GraphResponse::new(
        200,
        r#"{"id":"u-1","lastPasswordChangeDateTime":"2026-11-27T10:00:01Z"}"#,
    ));
    assert!(matches!(check(first, None), Ok(ResetCheck::Changed { .. })));
    assert!(matches!(
        check(Ok(GraphResponse::new(200, "nope")), None),
        Err(GraphFailure::Malformed(_))
    ));
    assert!(matches!(
        check(Ok(GraphResponse::new(404, "")), None),
        Err(GraphFailure::Graph(_))
    ));
}

// Split delivery: the account details to the user, the credential to another recipient.

const BOSS: &str = "boss@contoso.com";

fn details_message() -> MailMessage {
    MailMessage {
        subject: "Your account".into(),
        body_type: BodyType::Text,
        body: Secret::new(format!(
            "Username ada@contoso.com. The password went to {BOSS}."
        )),
        to: vec![MailAddress {
            address: "ada@example.org".into(),
            name: None,
        }],
        cc: vec![],
        save_to_sent_items: false,
        headers: Vec::new(),
    }
}

/// The split-delivery draft: the credential's message by `compose`, the details by
/// `details_message`.
fn split_draft() -> EmailDraft<'static> {
    EmailDraft {
        from_mailbox: None,
        compose: &compose,
        details: Some(&details_message),
    }
}

fn run_split(fake: &Fake, plan: &Plan, password: Option<&Secret>) -> Outcome {
    let mut request = RunRequest::new(plan, password, Some(split_draft()));
    request.retry.max_attempts = 4;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut events = Vec::new();
    let report = block_on(run(fake, &mut rng, request, &mut |e| events.push(e)));
    Outcome { report, events }
}

/// "Retry sending" after a split run: [`send_email_again`] with the split draft.
fn resend_split(fake: &Fake, out: &mut Outcome, password: &Secret) {
    let draft = split_draft();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    block_on(send_email_again(
        fake,
        &mut rng,
        &mut out.report,
        password,
        &draft,
        RetryPolicy::default(),
        &mut |e| out.events.push(e),
    ));
}

fn body_of(part: &Value) -> String {
    part["body"]["message"]["body"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn split_delivery_is_one_batch_reset_then_details_then_secret() {
    let fake = Fake::new(vec![batch_answer(json!([
        {"id": "mail", "status": 202}, {"id": "details", "status": 202}, {"id": "reset", "status": 204}
    ]))]);
    let password = Secret::new(PASSWORD.into());
    let out = run_split(&fake, &standard_plan(), Some(&password));
    assert_eq!(out.report.round_trips, 1);
    assert_eq!(
        (&out.report.details, &out.report.email),
        (&EmailState::Sent, &EmailState::Sent)
    );
    assert_eq!(out.report.next_action, NextAction::Done);
    let parts = fake.seen()[0].batch_parts();
    let ids: Vec<_> = parts
        .iter()
        .map(|p| p["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["reset", "details", "mail"]);
    assert_eq!(parts[1]["dependsOn"], json!(["reset"]));
    assert_eq!(parts[2]["dependsOn"], json!(["details"]));
    assert!(!body_of(&parts[1]).contains(PASSWORD) && body_of(&parts[1]).contains(BOSS));
    assert!(body_of(&parts[2]).contains(PASSWORD));
    // Each message has its own step and part in the receipt's records.
    let steps: Vec<_> = out
        .report
        .steps
        .iter()
        .map(|s| (s.step, s.batch_part.clone()))
        .collect();
    assert!(steps.contains(&(Step::SendDetails, Some("details".into()))));
    assert!(steps.contains(&(Step::SendEmail, Some("mail".into()))));
    assert_steps_closed(&out.events);
}

#[test]
fn split_details_refused_means_the_secret_is_not_sent() {
    let fake = Fake::new(vec![batch_answer(json!([
        {"id": "reset", "status": 204},
        {"id": "details", "status": 400, "body": graph_error("ErrorInvalidRecipients", "bad recipient")},
        {"id": "mail", "status": 424, "body": graph_error("FailedDependency", "dependency failed")}
    ]))]);
    let password = Secret::new(PASSWORD.into());
    let out = run_split(&fake, &standard_plan(), Some(&password));
    assert_eq!(out.report.reset, ResetState::Done);
    assert!(matches!(out.report.details, EmailState::Failed { .. }));
    assert!(
        matches!(out.report.email, EmailState::NotSent { .. }),
        "{:?}",
        out.report.email
    );
    assert_eq!(
        out.report.next_action,
        NextAction::ShowCredentialAndOfferResend
    );
    // Nothing after the one batch: the secret's 424 is not "retried" on its own.
    assert_eq!(fake.seen().len(), 1);
    assert_steps_closed(&out.events);
}

#[test]
fn split_details_unknown_sends_no_secret_and_asks_first() {
    let fake = Fake::new(vec![batch_answer(json!([
        {"id": "reset", "status": 204},
        {"id": "details", "status": 504, "body": graph_error("GatewayTimeout", "timeout")},
        {"id": "mail", "status": 424, "body": graph_error("FailedDependency", "dependency failed")}
    ]))]);
    let password = Secret::new(PASSWORD.into());
    let out = run_split(&fake, &standard_plan(), Some(&password));
    assert!(matches!(out.report.details, EmailState::Unknown { .. }));
    assert!(matches!(out.report.email, EmailState::NotSent { .. }));
    assert_eq!(
        out.report.next_action,
        NextAction::ConfirmDeliveryBeforeResending
    );
    assert_eq!(fake.seen().len(), 1);
}

#[test]
fn split_secret_failure_offers_resending_only_the_secret() {
    let fake = Fake::new(vec![
        batch_answer(json!([
            {"id": "reset", "status": 204},
            {"id": "details", "status": 202},
            {"id": "mail", "status": 403, "body": graph_error("ErrorAccessDenied", "Access is denied.")}
        ])),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let mut out = run_split(&fake, &standard_plan(), Some(&password));
    assert_eq!(out.report.details, EmailState::Sent);
    assert!(matches!(out.report.email, EmailState::Failed { .. }));
    assert_eq!(
        out.report.next_action,
        NextAction::ShowCredentialAndOfferResend
    );
    assert_eq!(fake.seen().len(), 1);
    resend_split(&fake, &mut out, &password);
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    let parts = seen[1].batch_parts();
    assert_eq!(parts.len(), 1, "only the secret's message goes again");
    assert_eq!(parts[0]["id"], "mail");
    assert!(body_of(&parts[0]).contains(PASSWORD));
    assert!(seen[1].batch_parts().iter().all(|p| p["method"] != "PATCH"));
    assert_eq!(out.report.email, EmailState::Sent);
    assert_eq!(out.report.details, EmailState::Sent);
    assert_eq!(out.report.next_action, NextAction::Done);
}

#[test]
fn split_resend_after_failed_details_sends_details_then_secret() {
    let fake = Fake::new(vec![
        batch_answer(json!([
            {"id": "reset", "status": 204},
            {"id": "details", "status": 403, "body": graph_error("ErrorAccessDenied", "Access is denied.")},
            {"id": "mail", "status": 424, "body": graph_error("FailedDependency", "dependency failed")}
        ])),
        batch_answer(json!([{"id": "details", "status": 202}])),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let mut out = run_split(&fake, &standard_plan(), Some(&password));
    assert_eq!(
        out.report.next_action,
        NextAction::ShowCredentialAndOfferResend
    );
    resend_split(&fake, &mut out, &password);
    let seen = fake.seen();
    let ids: Vec<_> = seen[1..]
        .iter()
        .map(|s| s.batch_parts()[0]["id"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(ids, ["details", "mail"]);
    assert_eq!(out.report.next_action, NextAction::Done);
}

#[test]
fn split_on_the_tap_path_sends_details_then_the_pass_and_stops_on_failure() {
    let tap_body =
        json!({"temporaryAccessPass": TAP_VALUE, "lifetimeInMinutes": 60, "isUsableOnce": true});
    let options = PlanOptions {
        credential: CredentialChoice::TemporaryAccessPass,
        ..PlanOptions::default()
    };
    let p = plan(
        &target(false),
        &TargetRoles::none(),
        &admin(template::AUTHENTICATION_ADMINISTRATOR),
        &options,
    )
    .expect("tap plan");
    // Both go, one after the other, after the pass exists.
    let fake = Fake::new(vec![
        Ok(GraphResponse::new(201, tap_body.to_string())),
        batch_answer(json!([{"id": "details", "status": 202}])),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let out = run_split(&fake, &p, None);
    let seen = fake.seen();
    assert_eq!(seen.len(), 3);
    assert!(!body_of(&seen[1].batch_parts()[0]).contains(TAP_VALUE));
    assert!(body_of(&seen[2].batch_parts()[0]).contains(TAP_VALUE));
    assert_eq!(out.report.next_action, NextAction::Done);
    // The details refused: the pass is not emailed, it stays on screen.
    let fake = Fake::new(vec![
        Ok(GraphResponse::new(201, tap_body.to_string())),
        batch_answer(
            json!([{"id": "details", "status": 400, "body": graph_error("ErrorInvalidRecipients", "bad")}]),
        ),
    ]);
    let out = run_split(&fake, &p, None);
    assert_eq!(fake.seen().len(), 2);
    assert!(matches!(out.report.details, EmailState::Failed { .. }));
    assert!(matches!(out.report.email, EmailState::NotSent { .. }));
    assert_eq!(
        out.report.next_action,
        NextAction::ShowCredentialAndOfferResend
    );
    assert_steps_closed(&out.events);
}

#[test]
fn split_on_the_auth_methods_path_sends_after_succeeded() {
    let fake = Fake::new(vec![
        batch_answer(json!([{"id": "reset", "status": 202,
            "headers": {"Location": "https://graph.microsoft.com/v1.0/users/u-1/authentication/operations/op-1"}}])),
        batch_answer(
            json!([{"id": "poll", "status": 200, "body": {"id": "op-1", "status": "succeeded"}}]),
        ),
        batch_answer(json!([{"id": "details", "status": 202}])),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_split(&fake, &auth_methods_plan(false), Some(&password));
    let ids: Vec<_> = fake
        .seen()
        .iter()
        .map(|s| s.batch_parts()[0]["id"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(ids, ["reset", "poll", "details", "mail"]);
    assert_eq!(out.report.next_action, NextAction::Done);
}

#[test]
fn split_receipt_records_both_recipients_outcomes_and_which_held_the_secret() {
    let fake = Fake::new(vec![Ok(GraphResponse::new(
        200,
        json!({"responses": [
            {"id": "reset", "status": 204},
            {"id": "details", "status": 202, "headers": {}},
            {"id": "mail", "status": 500, "body": graph_error("InternalServerError", "oops")}
        ]})
        .to_string(),
    )
    .with_header("request-id", "rid-batch"))]);
    let password = Secret::new(PASSWORD.into());
    let p = standard_plan();
    let out = run_split(&fake, &p, Some(&password));
    assert_eq!(
        out.report.next_action,
        NextAction::ConfirmDeliveryBeforeResending
    );
    let ctx = ReceiptContext {
        to: vec![BOSS.into()],
        details_to: Some("ada@example.org".into()),
        ..ReceiptContext::default()
    };
    let receipt = Receipt::new(&ctx, &admin(template::USER_ADMINISTRATOR), &p, &out.report);
    let text = receipt.to_json();
    assert!(!text.contains(PASSWORD));
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["detailsEmail"]["to"], json!(["ada@example.org"]));
    assert_eq!(v["detailsEmail"]["carries"], "accountDetails");
    assert_eq!(v["detailsEmail"]["outcome"]["state"], "sent");
    assert_eq!(v["detailsEmail"]["outcome"]["requestId"], "rid-batch");
    assert_eq!(v["email"]["to"], json!([BOSS]));
    assert_eq!(v["email"]["carries"], "password");
    assert_eq!(v["email"]["outcome"]["state"], "unknown");
    assert_eq!(v["email"]["outcome"]["requestId"], "rid-batch");
    // Not split: no detailsEmail at all.
    let plain = Receipt::new(
        &ReceiptContext::default(),
        &admin(template::USER_ADMINISTRATOR),
        &p,
        &run_with(
            &Fake::new(vec![batch_answer(
                json!([{"id": "reset", "status": 204}, {"id": "mail", "status": 202}]),
            )]),
            &p,
            Some(&password),
            true,
        )
        .report,
    );
    assert!(!plain.to_json().contains("detailsEmail"));
}

#[test]
fn split_details_throttled_in_the_batch_go_alone_then_the_secret() {
    let fake = Fake::new(vec![
        batch_answer(json!([
            {"id": "reset", "status": 204},
            {"id": "details", "status": 429, "headers": {"Retry-After": "1"}, "body": graph_error("TooManyRequests", "slow down")},
            {"id": "mail", "status": 424, "body": graph_error("FailedDependency", "dependency failed")}
        ])),
        batch_answer(json!([{"id": "details", "status": 202}])),
        batch_answer(json!([{"id": "mail", "status": 202}])),
    ]);
    let password = Secret::new(PASSWORD.into());
    let out = run_split(&fake, &standard_plan(), Some(&password));
    let seen = fake.seen();
    let later: Vec<_> = seen[1..]
        .iter()
        .map(|s| s.batch_parts()[0]["id"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        later,
        ["details", "mail"],
        "the secret only after the details"
    );
    assert!(seen[1..]
        .iter()
        .all(|s| s.batch_parts().iter().all(|p| p["method"] != "PATCH")));
    assert_eq!(fake.slept(), [1000]);
    assert_eq!(out.report.next_action, NextAction::Done);
}
