//! Review: who the target is, which roles they hold or may activate, and the plan (standard
//! path, Authentication Methods path, or a refusal saying who can do it) before any write.

use leptos::prelude::*;

use leptos::task::spawn_local;

use super::credential::{regenerate, set_mode};
use super::email::prefill;
use super::state::{use_flow, CredentialMode, Flow, ReviewState};
use crate::auth::browser;
use crate::graph::User;
use crate::ui::controls::{
    badge, button, capital, card, dynamic, fact, h3, list, note, para, span, what_to_do,
    what_to_do_in,
};
use crate::ui::{use_app, AppCtx};
use crate::workflow::methods::{advise, MethodsAdvice};
use crate::workflow::plan::TargetRoles;
use crate::workflow::review::{load_review, ReviewOutcome, ReviewRequest};
use crate::workflow::roles::{is_implicit_role, role_name, TargetRow};
use crate::workflow::{Plan, Refusal, ResetPath};

/// Picks `user` from the Find results and reads everything the plan needs, in one round trip.
pub fn select_user(app: AppCtx, flow: Flow, user: User) {
    flow.review_seq.bump();
    let mine = flow.review_seq.get_value();
    flow.selected_id.set(Some(user.id.clone()));
    flow.clear_composition();
    flow.review.set(ReviewState::Loading {
        label: user.label().to_owned(),
    });
    spawn_local(async move {
        let Some(transport) = app.transport() else {
            return;
        };
        let mut rng = browser::crypto_rng();
        let request = ReviewRequest {
            target_id: &user.id,
            include_admin: app.admin.with_untracked(Option::is_none),
            include_authentication_methods: true,
        };
        let granted = app.granted.get_untracked();
        let result = load_review(&transport, &mut rng, &request, &granted, &mut |_, _| {}).await;
        if flow.review_seq.get_value() != mine {
            return;
        }
        match result {
            Ok(outcome) => {
                flow.review.set(ReviewState::Loaded(Box::new(outcome)));
                regenerate(app, flow);
                prefill(app, flow);
            }
            Err(e) => flow.review.set(ReviewState::Failed(Box::new(e))),
        }
    });
}

/// `2025-03-01T08:00:00Z` as `2025-03-01 08:00 UTC`; anything else as it came.
pub fn short_time(s: &str) -> String {
    match (s.get(..10), s.get(11..16), s.ends_with('Z')) {
        (Some(day), Some(time), true) if s.get(10..11) == Some("T") => {
            [day, " ", time, " UTC"].concat()
        }
        _ => s.to_owned(),
    }
}

/// A stable token for the path, for tests and styling.
pub fn path_token(path: ResetPath) -> &'static str {
    match path {
        ResetPath::Standard => "standard",
        ResetPath::AuthenticationMethods => "authentication-methods",
        ResetPath::TemporaryAccessPass => "temporary-access-pass",
    }
}

struct RoleRow {
    name: String,
    how: &'static str,
    privileged: bool,
}

fn role_rows(roles: &TargetRoles) -> Vec<RoleRow> {
    let mut rows = Vec::new();
    for r in &roles.active {
        let template = r.role_template_id.as_deref();
        if template.is_some_and(is_implicit_role) {
            continue;
        }
        rows.push(RoleRow {
            name: template
                .and_then(role_name)
                .map(str::to_owned)
                .or_else(|| r.display_name.clone())
                .unwrap_or_else(|| "Unnamed role".into()),
            how: "active",
            privileged: template
                .is_none_or(|t| TargetRow::of_template(t) != TargetRow::NoAdminRole),
        });
    }
    for e in &roles.eligible {
        rows.push(RoleRow {
            name: role_name(&e.role_definition_id)
                .map_or_else(|| ["Role ", &e.role_definition_id].concat(), str::to_owned),
            how: "eligible (PIM)",
            privileged: TargetRow::of_template(&e.role_definition_id) != TargetRow::NoAdminRole,
        });
    }
    for g in &roles.role_assignable_groups {
        rows.push(RoleRow {
            name: [
                "Role-assignable group ",
                g.display_name.as_deref().unwrap_or(&g.id),
            ]
            .concat(),
            how: "member or owner",
            privileged: true,
        });
    }
    rows
}

#[component]
pub fn ReviewStep() -> impl IntoView {
    let flow = use_flow();
    dynamic(move || match flow.review.get() {
        ReviewState::Empty => ().into_any(),
        ReviewState::Loading { label } => card(
            "review-loading",
            None,
            None,
            "2. Review",
            para(
                Some("muted"),
                None,
                None,
                Some(
                    [
                        "Reading ",
                        &label,
                        ", their roles, group memberships and sign-in methods…",
                    ]
                    .concat(),
                ),
            ),
        ),
        ReviewState::Failed(e) => card(
            "review-failed",
            Some("alert"),
            Some("error"),
            "The user could not be read",
            view! {
                <p>{e.advice.what_happened.clone()}</p>
                {what_to_do(e.advice.what_to_do.clone())}
            }
            .into_any(),
        ),
        ReviewState::Loaded(outcome) => untrack(|| review_card(*outcome)),
    })
}

fn review_card(outcome: ReviewOutcome) -> AnyView {
    let app = use_app();
    let flow = use_flow();
    let u = outcome.target.clone();
    let rows = role_rows(&outcome.roles);
    let privileged = rows.iter().any(|r| r.privileged) || !outcome.roles.active_known;
    let enabled = match u.account_enabled {
        Some(true) => span("ok", "Enabled"),
        Some(false) => span("warning", "Disabled"),
        None => span("muted", "Unknown"),
    };
    let kind = if u.is_external() {
        "Guest (external)".to_owned()
    } else {
        u.user_type.clone().unwrap_or_else(|| "Member".into())
    };
    let source = match u.on_premises_sync_enabled {
        Some(true) => "Synchronized from on-premises Active Directory",
        Some(false) => "Cloud (synchronized from on-premises in the past)",
        None => "Cloud",
    };
    let last_change = u
        .last_password_change_date_time
        .as_deref()
        .map_or_else(|| "Unknown".to_owned(), short_time);
    let other_mails = if u.other_mails.is_empty() {
        span("muted", "None")
    } else {
        view! {
            <ul class="inline-list">
                {u.other_mails.iter().map(|m| view! { <li class="mono">{m.clone()}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let roles = if rows.is_empty() {
        note(
            true,
            Some("muted"),
            Some("review-no-roles"),
            None,
            "No admin roles, active or eligible.",
        )
    } else {
        view! {
            <ul id="review-roles">
                {rows
                    .into_iter()
                    .map(|r| view! {
                        <li data-privileged=if r.privileged { "true" } else { "false" }>
                            {r.name} " "
                            <span class="muted">{["(", r.how, ")"].concat()}</span>
                            {badge(r.privileged, None, "privileged")}
                        </li>
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let (methods_list, tap_advice) = methods_view(app, flow, &outcome);
    let notes = outcome.notes.iter().map(|n| n.message.clone()).collect();
    let admin_missing = move || {
        if flow.base_plan.get().is_some() {
            return ().into_any();
        }
        match app.admin_error.get() {
            Some(e) => para(
                Some("error"),
                Some("plan-admin-error"),
                None,
                Some(["Your roles could not be read: ", &e].concat()),
            ),
            None => note(true, Some("muted"), None, None, "Reading your roles…"),
        }
    };
    view! {
        <section class="card wf-card" id="review-card" data-upn=u.user_principal_name.clone().unwrap_or_default()>
            <h2>
                "2. Review: "
                <span id="review-name">{u.label().to_owned()}</span>
                {badge(privileged, Some("review-privileged"), "Privileged")}
            </h2>
            <dl class="wf-facts">
                {fact("User principal name", Some("review-upn"), Some("mono"), u.user_principal_name.clone().unwrap_or_default().into_any())}
                {fact("Account", Some("review-enabled"), None, enabled)}
                {fact("Type", Some("review-type"), None, kind.into_any())}
                {fact("Source", Some("review-source"), None, source.into_any())}
                {fact("Last password change", Some("review-last-change"), None, last_change.into_any())}
                {fact("Alternate email", Some("review-other-mails"), None, other_mails)}
                {fact("Directory roles", None, None, roles)}
                {fact("Sign-in methods", Some("review-methods"), None, methods_list)}
            </dl>
            {tap_advice}
            {list(Some("warning"), Some("review-notes"), false, notes)}
            {dynamic(admin_missing)}
            {dynamic(move || (match flow.base_plan.get() {
                Some(Err(refusal)) => refusal_box(refusal, "refusal"),
                Some(Ok(_)) => match flow.plan.get() {
                    Some(Ok(plan)) => plan_box(plan),
                    Some(Err(refusal)) => refusal_box(refusal, "plan-refusal"),
                    None => ().into_any(),
                },
                None => ().into_any(),
            }).into_any())}
        </section>
    }
    .into_any()
}

/// The target's sign-in methods, and the TAP recommendation when they have only a password.
fn methods_view(app: AppCtx, flow: Flow, outcome: &ReviewOutcome) -> (AnyView, AnyView) {
    match advise(outcome.authentication_methods.as_ref()) {
        MethodsAdvice::NotRead => (span("muted", "Not read"), ().into_any()),
        MethodsAdvice::Unknown { why } => (
            view! { <span class="muted" data-methods="unknown">"Unknown"</span> " " <span class="muted" id="review-methods-why">{why}</span> }.into_any(),
            ().into_any(),
        ),
        MethodsAdvice::Known { kinds, recommend_tap, .. } => {
            let names = kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join(", ");
            let list = view! { <span data-methods="known">{names}</span> }.into_any();
            let advice = match recommend_tap {
                Some(reason) => view! {
                    <div class="wf-advice" id="tap-advice" role="note">
                        {h3("Recommended: a Temporary Access Pass")}
                        <p>{reason}</p>
                        {button(
                            "tap-advice-use",
                            None,
                            "Use a Temporary Access Pass".into_any(),
                            Box::new(move || set_mode(app, flow, CredentialMode::Tap)),
                        )}
                    </div>
                }
                .into_any(),
                None => ().into_any(),
            };
            (list, advice)
        }
    }
}

fn refusal_box(refusal: Refusal, id: &'static str) -> AnyView {
    view! {
        <div class="wf-refusal" id=id role="alert">
            <h3 class="error">"Handover will not do this"</h3>
            <p class="refusal-message">{refusal.message}</p>
            {what_to_do_in(Some("refusal-what-to-do"), refusal.what_to_do)}
            {note(true, Some("muted"), None, None, "Nothing has been changed.")}
        </div>
    }
    .into_any()
}

fn plan_box(plan: Plan) -> AnyView {
    let warnings = plan
        .warnings
        .iter()
        .map(|w| view! { <li class="warning" data-kind=w.kind.name()>{w.message.clone()}</li> })
        .collect_view();
    let has_warnings = !plan.warnings.is_empty();
    view! {
        <div class="wf-plan" id="plan" data-path=path_token(plan.path)>
            {h3("The plan")}
            <p id="plan-path">
                <strong>{capital(plan.path.describe())}</strong>
                {match plan.path {
                    ResetPath::Standard => " (PATCH passwordProfile, change required at next sign-in)",
                    ResetPath::AuthenticationMethods => " (resetPassword, followed until the operation succeeds; change required at next sign-in)",
                    ResetPath::TemporaryAccessPass => " (the password stays as it is)",
                }}
            </p>
            {list(None, Some("plan-why"), true, plan.why)}
            <p class="muted">"Using your role " {plan.acting_role.name()} "."</p>
            {has_warnings.then(|| view! { <ul id="plan-warnings">{warnings}</ul> })}
        </div>
    }
    .into_any()
}
