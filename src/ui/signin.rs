//! Signing in and out: the signed-out card, the signed-in header with what the granted
//! permissions allow, and the banner that renews a dead session without leaving the screen.

use leptos::prelude::*;

use leptos::task::spawn_local;

use super::shell::signed_in;
use super::{use_app, AppCtx, Phase};
use crate::auth::browser;
use crate::auth::errors::Explanation;
use crate::auth::scopes::{self, Scopes};
use crate::config::SignInMode;
use crate::ui::controls::{dynamic, note, show, what_to_do};
use crate::workflow::roles::role_name;

fn use_popup(app: &AppCtx) -> bool {
    match app
        .config
        .with_value(|c| c.as_ref().map(|c| c.sign_in_mode))
    {
        Some(SignInMode::Popup) => true,
        Some(SignInMode::Redirect) => false,
        // Entra refuses to be framed: inside a portal only a popup can sign in.
        Some(SignInMode::Auto) | None => browser::is_framed(),
    }
}

/// Starts a sign-in the way config and framing call for. `hint` pre-selects the account when
/// renewing a session.
fn sign_in(app: AppCtx, popup: bool, hint: Option<String>) {
    let Some(holder) = app.holder() else {
        return;
    };
    app.auth_error.set(None);
    if !popup {
        if let Err(e) = browser::begin_redirect(&holder.config, &holder.discovery) {
            app.fail_auth(&e);
        }
        return;
    }
    spawn_local(async move {
        match browser::sign_in_popup(&holder.config, &holder.discovery, hint.as_deref()).await {
            Ok(session) => signed_in(app, session),
            Err(e) => app.fail_auth(&e),
        }
    });
}

fn explanation_box(ex: Explanation) -> AnyView {
    view! {
        <div class="card explanation" id="auth-error" role="alert">
            <h2 class="error">{ex.title}</h2>
            <p>{ex.detail}</p>
            {what_to_do(ex.fix)}
        </div>
    }
    .into_any()
}

/// The sign-in problem, if there is one.
fn auth_error(app: AppCtx) -> AnyView {
    dynamic(move || app.auth_error.get().map(explanation_box).into_any())
}

#[component]
pub fn SignedOutCard() -> impl IntoView {
    let app = use_app();
    let popup = use_popup(&app);
    // `cargo xtask bench` times the page to here: this card and its Sign-in handler are mounted.
    crate::ui::signals::effect(|| {
        drop(
            window()
                .performance()
                .map(|p| p.mark("handover:interactive")),
        )
    });
    view! {
        {auth_error(app)}
        <section class="card" id="signed-out">
            <h2>"Sign in as an administrator"</h2>
            {note(true, None, None, None, "Handover signs you in to Microsoft Entra ID from this page. Your tokens stay in \
                 this tab's memory and are forgotten when you close it or sign out.")}
            <button class="primary" id="sign-in" on:click=move |_| sign_in(app, popup, None)>
                {if popup { "Sign in (opens a window)" } else { "Sign in with Microsoft" }}
            </button>
            {note(popup, Some("muted"),
                None,
                None,
                "Inside a portal, sign-in opens in a small window. If nothing happens, allow \
                 pop-ups for this site, or open Handover in its own tab.",
            )}
        </section>
    }
}

#[component]
pub fn SignedInHeader() -> impl IntoView {
    let app = use_app();
    let sign_out = move |_| {
        let hint = app
            .account
            .with_untracked(|a| a.as_ref().map(|a| a.username.clone()));
        if let Some(holder) = app.holder() {
            holder.forget();
            app.account.set(None);
            app.admin.set(None);
            app.phase.set(Phase::SignedOut);
            browser::sign_out_at_authority(&holder.config, &holder.discovery, hint.as_deref());
        }
    };
    let roles = move || match (app.admin.get(), app.admin_error.get()) {
        (Some(admin), _) => {
            let names: Vec<&str> = admin
                .role_template_ids
                .iter()
                .filter_map(|id| role_name(id))
                .collect();
            if names.is_empty() {
                "no administrator role".to_string()
            } else {
                names.join(", ")
            }
        }
        (None, Some(e)) => ["roles could not be read: ", &e].concat(),
        (None, None) => "reading your roles…".to_string(),
    };
    let missing = move || scopes::unavailable(&Scopes::parse(&app.granted.get()));
    let has_missing = Memo::new(move |_| !missing().is_empty());
    view! {
        <header class="card" id="signed-in">
            <div class="who">
                <strong id="admin-name">{dynamic(move || (app.account.get().map(|a| a.name)).into_any())}</strong>
                " "
                <span class="muted" id="admin-upn">{dynamic(move || (app.account.get().map(|a| a.username)).into_any())}</span>
                <div class="muted" id="admin-roles">{dynamic(move || roles().into_any())}</div>
            </div>
            <button id="sign-out" on:click=sign_out>"Sign out"</button>
            {show(has_missing, move || view! {
                <div class="warning" id="missing-permissions" role="status">
                    {note(true, None, None, None, "Some features are unavailable because the app was not granted their permission:")}
                    <ul>
                        {dynamic(move || (missing().into_iter().map(|(feature, scope)| view! {
                            <li data-feature=feature.name()>
                                {feature.label()} ": ask a Global Administrator to grant admin consent for "
                                <code>{scope}</code> "."
                                {feature.is_optional().then_some(" (optional)")}
                            </li>
                        }).collect_view()).into_any())}
                    </ul>
                </div>
            }.into_any())}
        </header>
    }
}

/// Shown when the refresh token died mid-work: renews by popup, so nothing on the screen is lost.
#[component]
pub fn SessionEndedBanner() -> impl IntoView {
    let app = use_app();
    let renew = move |_| {
        let hint = app
            .account
            .with_untracked(|a| a.as_ref().map(|a| a.username.clone()));
        sign_in(app, true, hint);
    };
    let ended = Memo::new(move |_| app.session_ended.get());
    view! {
        {show(ended, move || view! {
            <div class="card warning" id="session-ended" role="alert">
                {note(true, None, None, None, "Your sign-in session has ended (Microsoft ends browser sessions 24 hours after \
                     sign-in). Sign in again to carry on: everything on this page stays as it is.")}
                <button class="primary" id="sign-in-again" on:click=renew>"Sign in again"</button>
                {auth_error(app)}
            </div>
        }.into_any())}
    }
}
