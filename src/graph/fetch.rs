//! The browser transport: `fetch` to the configured Graph host with the session's bearer token.
//! It refreshes the token shortly before it expires and once after a 401, and says
//! `SignInRequired` when the session is over so the page can ask for sign-in without losing
//! what is on the screen.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::http::{GraphRequest, GraphResponse, GraphTransport, Headers, TransportError};
use crate::auth::browser::{self, fetch_text};
use crate::auth::errors::AuthError;
use crate::auth::oidc::Discovery;
use crate::auth::session::Session;
use crate::config::Config;

/// The signed-in state the page shares: settings, the authority's endpoints and the session,
/// which lives only in this memory.
pub struct SessionHolder {
    pub config: Config,
    pub discovery: Discovery,
    session: RefCell<Option<Session>>,
    refreshing: Cell<bool>,
    /// Called when the session cannot be renewed (the refresh token died).
    on_ended: RefCell<Option<Rc<dyn Fn()>>>,
}

impl SessionHolder {
    pub fn new(config: Config, discovery: Discovery) -> Rc<SessionHolder> {
        Rc::new(SessionHolder {
            config,
            discovery,
            session: RefCell::new(None),
            refreshing: Cell::new(false),
            on_ended: RefCell::new(None),
        })
    }

    pub fn set_session(&self, session: Session) {
        *self.session.borrow_mut() = Some(session);
    }

    /// Drops the tokens (Secret zeroizes them).
    pub fn forget(&self) {
        self.session.borrow_mut().take();
    }

    pub fn signed_in(&self) -> bool {
        self.session.borrow().is_some()
    }

    pub fn on_ended(&self, f: Rc<dyn Fn()>) {
        *self.on_ended.borrow_mut() = Some(f);
    }

    fn ended(&self) {
        // Keep nothing that can no longer be used; the screen keeps its own state.
        self.forget();
        let f = self.on_ended.borrow().clone();
        if let Some(f) = f {
            f();
        }
    }

    /// A bearer value valid for the next request, renewing the token first when it is close
    /// to expiry. One renewal at a time: refresh tokens rotate, so a second concurrent
    /// renewal would present a spent token.
    async fn bearer(&self, force_refresh: bool) -> Result<String, TransportError> {
        while self.refreshing.get() {
            browser::sleep_ms(50).await;
        }
        let due = match &*self.session.borrow() {
            None => return Err(TransportError::SignInRequired),
            Some(s) => force_refresh || s.needs_refresh(browser::now_ms()),
        };
        if due {
            self.refreshing.set(true);
            let taken = self.session.borrow_mut().take();
            let result = match taken {
                Some(mut s) => {
                    let r = browser::refresh(&self.config, &self.discovery, &mut s).await;
                    match r {
                        Ok(()) => {
                            *self.session.borrow_mut() = Some(s);
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                None => Err(AuthError::SessionEnded),
            };
            self.refreshing.set(false);
            match result {
                Ok(()) => {}
                Err(AuthError::SessionEnded) => {
                    self.ended();
                    return Err(TransportError::SignInRequired);
                }
                Err(e) => {
                    // The authority could not be reached; the tokens are gone with `taken`
                    // only if it said so. Ask for sign-in: nothing was sent to Graph.
                    self.ended();
                    return Err(TransportError::NotSent {
                        reason: format!(
                            "the access token could not be renewed: {}",
                            e.explain().title
                        ),
                    });
                }
            }
        }
        match &*self.session.borrow() {
            Some(s) => Ok(format!("Bearer {}", s.access_token().expose_secret())),
            None => Err(TransportError::SignInRequired),
        }
    }

    /// Runs `f` with the session, if there is one.
    pub fn with_session<T>(&self, f: impl FnOnce(&Session) -> T) -> Option<T> {
        self.session.borrow().as_ref().map(f)
    }
}

/// Graph over `fetch`, for the workflow's runner and the Find and Review steps.
#[derive(Clone)]
pub struct FetchTransport {
    pub holder: Rc<SessionHolder>,
}

impl FetchTransport {
    async fn send_once(
        &self,
        req: &GraphRequest,
        force_refresh: bool,
    ) -> Result<GraphResponse, TransportError> {
        let bearer = self.holder.bearer(force_refresh).await?;
        let url = format!("{}{}", self.holder.config.graph, req.path_and_query);
        let mut headers: Vec<(&str, &str)> = req.headers.iter().collect();
        headers.push(("authorization", &bearer));
        if req.body.is_some() && req.headers.get("content-type").is_none() {
            headers.push(("content-type", "application/json"));
        }
        let answer = fetch_text(req.method.as_str(), &url, &headers, req.body.as_deref())
            .await
            .map_err(|detail| TransportError::NoAnswer { detail })?;
        let mut read = Headers::new();
        // Only what CORS lets the page read; Retry-After and Location usually are not.
        for name in [
            "request-id",
            "client-request-id",
            "retry-after",
            "location",
            "content-type",
        ] {
            if let Ok(Some(v)) = answer.headers.get(name) {
                read.set(name, v);
            }
        }
        Ok(GraphResponse {
            status: answer.status,
            headers: read,
            body: answer.body,
        })
    }
}

impl GraphTransport for FetchTransport {
    async fn send(&self, req: GraphRequest) -> Result<GraphResponse, TransportError> {
        let first = self.send_once(&req, false).await?;
        if first.status != 401 {
            return Ok(first);
        }
        // A 401 means the token was refused before Graph acted: renew once and send again.
        self.send_once(&req, true).await
    }

    async fn sleep(&self, ms: u32) {
        browser::sleep_ms(ms).await;
    }

    fn now(&self) -> Option<String> {
        js_sys::Date::new_0().to_iso_string().as_string()
    }
}
