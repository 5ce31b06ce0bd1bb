//! Leptos components: one file per screen or widget. They read and write signals and call the
//! pure modules; protocol logic stays in auth/, graph/ and workflow/.

mod controls;
pub mod embed;
mod shell;
pub(crate) mod signals;
mod signin;
mod theme;
mod unlock;
pub mod webcrypto;
pub mod workflow;

use std::rc::Rc;

use leptos::prelude::*;

use crate::auth::errors::{AuthError, Explanation};
use crate::auth::oidc::Account;
use crate::config::Config;
use crate::graph::fetch::{FetchTransport, SessionHolder};
use crate::workflow::plan::AdminContext;
use signals::{OptSignal, ValSignal};

/// Mounts the root component on `<body>`; a page opened with a sealed link (`#unlock=`) shows
/// only the unlock view, and the link leaves the address bar first.
pub fn mount() {
    if let Some(link) = unlock::take_sealed_link() {
        leptos::mount::mount_to_body(move || view! { <unlock::Unlock link=link/> });
        return;
    }
    leptos::mount::mount_to_body(shell::App);
}

/// Where the page is in its life.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Starting,
    /// config.json is missing or wrong: the page says which field and how to fix it.
    ConfigError(String),
    /// The authority's discovery document could not be read.
    AuthorityUnreachable(Explanation),
    /// Framed by a page that is not allowed to embed Handover: nothing runs.
    FramedRefused(String),
    /// This window was a sign-in popup; it handed the answer back and closes.
    PopupRelayed,
    SignedOut,
    SignedIn,
}

/// What every screen can reach, provided as context. All fields are arena handles (Copy).
#[derive(Clone, Copy)]
pub struct AppCtx {
    pub phase: ValSignal<Phase>,
    /// The signed-in admin from the ID token.
    pub account: OptSignal<Account>,
    /// The admin's id, active roles and granted scopes, read once after sign-in.
    pub admin: OptSignal<AdminContext>,
    /// Why reading the admin's roles failed, if it did.
    pub admin_error: RwSignal<Option<String>>,
    /// The token answer's `scope`: what was actually granted.
    pub granted: RwSignal<String>,
    /// The last sign-in problem, explained.
    pub auth_error: OptSignal<Explanation>,
    /// The refresh token died mid-work: ask for sign-in again over the screen, keeping it.
    pub session_ended: RwSignal<bool>,
    pub config: StoredValue<Option<Config>>,
    /// When framed, the verified parent's origin: the only one messages are posted to or read from.
    pub parent_origin: StoredValue<Option<String>>,
    /// What the portal asked to fill in, until the workflow takes it.
    pub prefill: OptSignal<embed::Prefill>,
    holder: StoredValue<Option<Rc<SessionHolder>>, LocalStorage>,
}

impl AppCtx {
    fn new() -> AppCtx {
        AppCtx {
            phase: ValSignal::new(Phase::Starting),
            account: OptSignal::new(),
            admin: OptSignal::new(),
            admin_error: RwSignal::new(None),
            granted: RwSignal::new(String::new()),
            auth_error: OptSignal::new(),
            session_ended: RwSignal::new(false),
            config: StoredValue::new(None),
            parent_origin: StoredValue::new(None),
            prefill: OptSignal::new(),
            holder: StoredValue::new_local(None),
        }
    }

    /// The Graph transport for the signed-in session (None before start-up finished).
    pub fn transport(&self) -> Option<FetchTransport> {
        self.holder
            .with_value(|h| h.clone())
            .map(|holder| FetchTransport { holder })
    }

    pub(crate) fn holder(&self) -> Option<Rc<SessionHolder>> {
        self.holder.with_value(|h| h.clone())
    }

    pub(crate) fn set_holder(&self, holder: Rc<SessionHolder>) {
        self.holder.set_value(Some(holder));
    }

    /// Shows a sign-in problem with its explanation.
    pub fn fail_auth(&self, e: &AuthError) {
        // A redirect URI mismatch is explained with the exact URI to register.
        let redirect = self
            .holder()
            .map(|h| crate::auth::browser::redirect_uri(&h.config));
        self.auth_error
            .set(Some(e.explain_for(redirect.as_deref())));
    }
}

/// The context every component below the shell can read.
pub fn use_app() -> AppCtx {
    expect_context::<AppCtx>()
}
