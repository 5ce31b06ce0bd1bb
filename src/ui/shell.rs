//! The root: start-up (config, the sign-in answer in the address, discovery), and what shows in
//! each phase.

use std::rc::Rc;

use leptos::prelude::*;

use leptos::task::spawn_local;

use super::embed;
use super::signin::{SessionEndedBanner, SignedInHeader, SignedOutCard};
use super::workflow::Workflow;
use super::{AppCtx, Phase};
use crate::auth::browser::{self, Arrival};
use crate::auth::session::Session;
use crate::graph::client::{send_read, RetryPolicy};
use crate::graph::fetch::SessionHolder;
use crate::graph::BatchAnswer;
use crate::ui::controls::dynamic;
use crate::workflow::review;

#[component]
pub fn App() -> impl IntoView {
    let app = AppCtx::new();
    provide_context(app);
    spawn_local(start(app));
    view! {
        <main id="handover-app" data-phase=move || phase_name(&app.phase.get())>
            <h1 id="product">{dynamic(move || ({
                // Re-read once config.json is in (the phase leaves Starting then).
                app.phase.track();
                let theme = app.config.with_value(|c| c.as_ref().map(|c| c.theme.clone())).unwrap_or_default();
                view! {
                    {theme.logo_url.clone().map(|src| view! { <img class="ho-logo" id="product-logo" src=src alt=""/> })}
                    <span id="product-name">{theme.name().to_owned()}</span>
                }
            }).into_any())}</h1>
            {dynamic(move || (match app.phase.get() {
                Phase::Starting => view! { <p class="muted">"Starting…"</p> }.into_any(),
                Phase::ConfigError(text) => view! {
                    <section class="card" id="config-error" role="alert">
                        <h2 class="error">"Handover cannot start: config.json needs fixing"</h2>
                        <p>{text}</p>
                        <p class="muted">"config.example.json beside index.html documents every setting."</p>
                    </section>
                }.into_any(),
                Phase::AuthorityUnreachable(ex) => view! {
                    <section class="card" id="authority-error" role="alert">
                        <h2 class="error">{ex.title}</h2>
                        <p>{ex.detail}</p>
                        <p>{ex.fix}</p>
                    </section>
                }.into_any(),
                Phase::FramedRefused(text) => view! {
                    <section class="card" id="framed-refused" role="alert">
                        <h2 class="error">"Handover will not run inside this page"</h2>
                        <p>{text}</p>
                    </section>
                }.into_any(),
                Phase::PopupRelayed => view! {
                    <section class="card" id="popup-relayed">
                        <p>"Sign-in finished. Handover continues in the window that opened this one; \
                            you can close this window."</p>
                    </section>
                }.into_any(),
                Phase::SignedOut => view! { <SignedOutCard/> }.into_any(),
                Phase::SignedIn => view! {
                    <SignedInHeader/>
                    <SessionEndedBanner/>
                    <Workflow/>
                }.into_any(),
            }).into_any())}
        </main>
    }
}

fn phase_name(p: &Phase) -> &'static str {
    match p {
        Phase::Starting => "starting",
        Phase::ConfigError(_) => "config-error",
        Phase::AuthorityUnreachable(_) => "authority-error",
        Phase::FramedRefused(_) => "framed-refused",
        Phase::PopupRelayed => "popup-relayed",
        Phase::SignedOut => "signed-out",
        Phase::SignedIn => "signed-in",
    }
}

async fn start(app: AppCtx) {
    let config = match browser::load_config().await {
        Ok(c) => c,
        Err(e) => {
            app.phase.set(Phase::ConfigError(e));
            return;
        }
    };
    app.config.set_value(Some(config.clone()));
    super::theme::apply(&config.theme);
    // Inside a frame, nothing else happens (no sign-in answer is read, no sign-in, no Graph)
    // until the parent is known to be allowed.
    if embed::framed() {
        match embed::verify_parent(&config).await {
            Ok((parent, first)) => embed::listen(app, parent, first),
            Err(refusal) => {
                app.phase.set(Phase::FramedRefused(refusal.to_string()));
                return;
            }
        }
    }
    // Read (and clear) a sign-in answer in the address before anything else.
    let arrival = browser::arrival();
    if let Arrival::PopupRelayed = arrival {
        app.phase.set(Phase::PopupRelayed);
        return;
    }
    let discovery = match browser::discover(&config).await {
        Ok(d) => d,
        Err(e) => {
            app.phase.set(Phase::AuthorityUnreachable(e.explain()));
            return;
        }
    };
    let holder = SessionHolder::new(config, discovery);
    holder.on_ended(Rc::new(move || app.session_ended.set(true)));
    app.set_holder(holder.clone());
    match arrival {
        Arrival::Callback(callback, flight) => {
            match browser::complete(&holder.config, &holder.discovery, callback, flight).await {
                Ok(session) => signed_in(app, session),
                Err(e) => {
                    app.fail_auth(&e);
                    app.phase.set(Phase::SignedOut);
                }
            }
        }
        Arrival::Refused(e) => {
            app.fail_auth(&e);
            app.phase.set(Phase::SignedOut);
        }
        Arrival::Plain | Arrival::PopupRelayed => app.phase.set(Phase::SignedOut),
    }
}

/// Keeps the new session in memory, shows the admin, and reads their roles once.
pub(super) fn signed_in(app: AppCtx, session: Session) {
    let Some(holder) = app.holder() else {
        return;
    };
    let granted = session.granted().to_space_separated();
    app.account.set(Some(session.account().clone()));
    embed::post(
        &app,
        &crate::embed::Outbound::SignedIn {
            admin: Some(session.account().username.clone()).filter(|u| !u.is_empty()),
        },
    );
    app.granted.set(granted.clone());
    holder.set_session(session);
    app.auth_error.set(None);
    app.session_ended.set(false);
    app.phase.set(Phase::SignedIn);
    if app.admin.with_untracked(Option::is_some) {
        return;
    }
    spawn_local(async move {
        let Some(transport) = app.transport() else {
            return;
        };
        let mut rng = browser::crypto_rng();
        let sent = send_read(
            &transport,
            &mut rng,
            RetryPolicy::default(),
            || match review::admin_batch() {
                Ok(b) => b.into_request(),
                // Two fixed parts always fit in a batch.
                Err(_) => unreachable_batch(),
            },
            &mut |_, _| {},
        )
        .await;
        let parsed = match sent.response {
            Ok(resp) => BatchAnswer::from_response(&resp)
                .and_then(|answer| review::parse_admin(&answer, &granted))
                .map_err(|f| f.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match parsed {
            Ok(admin) => app.admin.set(Some(admin)),
            Err(e) => app.admin_error.set(Some(e)),
        }
    });
}

fn unreachable_batch() -> crate::graph::GraphRequest {
    crate::graph::GraphRequest::new(crate::graph::Method::Get, "/v1.0/me")
}
