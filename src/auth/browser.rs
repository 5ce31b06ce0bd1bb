//! The browser half of sign-in: fetches, the in-flight record in sessionStorage (redirect only,
//! removed at the callback), the popup hand-back over BroadcastChannel, and the in-memory session.
//!
//! Nothing here decides protocol questions: PKCE, URLs, callbacks, ID token checks and session
//! timing are in the pure modules beside this one.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::errors::AuthError;
use super::oidc::{self, AuthorizeParams, Callback, Discovery, ResponseMode};
use super::pkce::{random_url_token, PkceVerifier};
use super::session::Session;
use crate::config::Config;
use crate::secret::Secret;

/// sessionStorage key of the one in-flight redirect sign-in. Removed as soon as the callback is read.
pub const IN_FLIGHT_KEY: &str = "handover.signin";
/// The channel a popup's callback page hands `code` and `state` back on.
pub const POPUP_CHANNEL: &str = "handover.signin";
/// How long the page waits for a popup before saying so.
const POPUP_WAIT_MS: i32 = 5 * 60 * 1000;
/// Time limit of one request to the authority or Graph.
pub const REQUEST_TIMEOUT_MS: i32 = 30_000;

pub fn window() -> web_sys::Window {
    // The page only runs in a window; a worker would be a build mistake, not an input.
    web_sys::window().expect("Handover runs in a browser window")
}

/// The browser's crypto RNG (`crypto.getRandomValues` through getrandom). It cannot fail in a
/// browser that runs wasm, so its error type is unwrapped to make it an infallible `Rng`.
pub fn crypto_rng() -> rand::rand_core::UnwrapErr<rand::rngs::SysRng> {
    rand::rand_core::UnwrapErr(rand::rngs::SysRng)
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

pub fn now_unix() -> u64 {
    (now_ms() / 1000.0) as u64
}

/// Whether the page is inside a frame (an intranet portal): then sign-in must use a popup,
/// since Entra refuses to be framed.
pub fn is_framed() -> bool {
    let w = window();
    match w.top() {
        Ok(Some(top)) => !js_sys::Object::is(top.as_ref(), w.as_ref()),
        // A cross-origin top that cannot even be named is still a frame.
        _ => true,
    }
}

/// The page's own address without query or fragment: the default redirect URI.
pub fn page_url() -> String {
    let loc = window().location();
    let origin = loc.origin().unwrap_or_default();
    let path = loc.pathname().unwrap_or_else(|_| "/".into());
    format!("{origin}{path}")
}

fn session_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn js_err(e: JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        String::from(err.message())
    } else {
        e.as_string().unwrap_or_else(|| "unknown error".into())
    }
}

/// A text answer: status and body.
pub struct TextAnswer {
    pub status: u16,
    pub body: String,
    pub headers: web_sys::Headers,
}

/// One `fetch` with a time limit. `Err` means no answer (network, CORS, timeout).
pub async fn fetch_text(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<TextAnswer, String> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_mode(web_sys::RequestMode::Cors);
    // Never send or store cookies for these hosts.
    init.set_credentials(web_sys::RequestCredentials::Omit);
    // Never let the HTTP cache keep a read (user profiles, roles, methods). Writes and `$batch` are
    // POST/PATCH, whose answers an HTTP cache does not store, so they keep the default mode: with
    // `no-store` Chromium also skips its CORS preflight cache, which made every `$batch` (and so
    // every reset) wait one extra round trip for a fresh OPTIONS (measured with `cargo xtask bench`).
    // The token endpoint answers with `Cache-Control: no-store` itself (RFC 6749 section 5.1).
    if method == "GET" {
        init.set_cache(web_sys::RequestCache::NoStore);
    }
    init.set_referrer_policy(web_sys::ReferrerPolicy::NoReferrer);
    let h = web_sys::Headers::new().map_err(js_err)?;
    for (k, v) in headers {
        h.set(k, v).map_err(js_err)?;
    }
    init.set_headers(&h);
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(b));
    }
    let controller = web_sys::AbortController::new().map_err(js_err)?;
    init.set_signal(Some(&controller.signal()));
    let abort = Closure::once(move || controller.abort());
    let timer = window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            abort.as_ref().unchecked_ref(),
            REQUEST_TIMEOUT_MS,
        )
        .map_err(js_err)?;
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(js_err)?;
    let result = JsFuture::from(window().fetch_with_request(&request)).await;
    let answer = async {
        let resp: web_sys::Response = result.map_err(js_err)?.dyn_into().map_err(js_err)?;
        let text = JsFuture::from(resp.text().map_err(js_err)?)
            .await
            .map_err(js_err)?;
        Ok(TextAnswer {
            status: resp.status(),
            body: text.as_string().unwrap_or_default(),
            headers: resp.headers(),
        })
    }
    .await;
    window().clear_timeout_with_handle(timer);
    drop(abort);
    answer
}

/// Reads `config.json` beside `index.html` (relative to the document, so any base path works).
pub async fn load_config() -> Result<Config, String> {
    let url = web_sys::Url::new_with_base(
        "config.json",
        &window()
            .document()
            .and_then(|d| d.base_uri().ok().flatten())
            .unwrap_or_else(page_url),
    )
    .map_err(js_err)?
    .href();
    let answer = fetch_text("GET", &url, &[], None)
        .await
        .map_err(|e| format!("config.json could not be loaded from {url}: {e}"))?;
    if answer.status != 200 {
        return Err(format!(
            "config.json was not found beside index.html ({url} answered {}). Copy \
             config.example.json to config.json and fill in your tenant and app registration.",
            answer.status
        ));
    }
    Config::parse(&answer.body).map_err(|e| e.to_string())
}

pub async fn discover(config: &Config) -> Result<Discovery, AuthError> {
    let url = config.discovery_url();
    let answer = fetch_text("GET", &url, &[], None)
        .await
        .map_err(|e| AuthError::Network(format!("{url}: {e}")))?;
    if answer.status != 200 {
        return Err(AuthError::Network(format!(
            "the authority's discovery document {url} answered {}",
            answer.status
        )));
    }
    Discovery::parse(&answer.body)
}

/// What is remembered between starting a sign-in and its callback. No `Debug`: nothing of it
/// is ever printed.
pub struct InFlight {
    state: String,
    nonce: String,
    verifier: PkceVerifier,
}

impl InFlight {
    /// Fresh `state`, `nonce` and PKCE verifier from the crypto RNG.
    pub fn generate() -> InFlight {
        let mut rng = crypto_rng();
        InFlight {
            state: random_url_token(&mut rng, 32),
            nonce: random_url_token(&mut rng, 32),
            verifier: PkceVerifier::generate(&mut rng),
        }
    }

    pub fn state(&self) -> &str {
        &self.state
    }

    fn authorize_url(&self, config: &Config, d: &Discovery, hint: Option<&str>) -> String {
        let redirect_uri = redirect_uri(config);
        let challenge = self.verifier.challenge_s256();
        // openid, profile and offline_access are always asked for, whatever config lists.
        let scopes = super::scopes::for_request(&config.scopes);
        oidc::authorize_url(
            d,
            &AuthorizeParams {
                client_id: &config.client_id,
                redirect_uri: &redirect_uri,
                scopes: &scopes,
                state: &self.state,
                nonce: &self.nonce,
                code_challenge: &challenge,
                response_mode: ResponseMode::Query,
                prompt: Some("select_account"),
                login_hint: hint,
            },
        )
    }

    /// Parks the values in sessionStorage for a redirect sign-in (the only thing Handover
    /// ever stores).
    pub fn store(&self) -> Result<(), AuthError> {
        let mut record = crate::json::Map::default();
        record.insert("state", self.state.as_str());
        record.insert("nonce", self.nonce.as_str());
        record.insert("verifier", self.verifier.expose_secret());
        let mut record = crate::json::Value::Object(record);
        let storage = session_storage().ok_or_else(|| {
            AuthError::Network("this browser blocks sessionStorage; use the popup sign-in".into())
        })?;
        let mut text = record.to_json();
        record.wipe();
        let stored = storage
            .set_item(IN_FLIGHT_KEY, &text)
            .map_err(|e| AuthError::Network(js_err(e)));
        zeroize::Zeroize::zeroize(&mut text);
        stored
    }

    /// Reads and removes the in-flight record: it is used once, whatever happens next.
    pub fn take() -> Option<InFlight> {
        let storage = session_storage()?;
        let raw = storage.get_item(IN_FLIGHT_KEY).ok().flatten();
        let _ = storage.remove_item(IN_FLIGHT_KEY);
        let v = crate::json::parse(&raw?).ok()?;
        let verifier =
            PkceVerifier::from_secret(Secret::new(v["verifier"].as_str()?.to_string())).ok()?;
        Some(InFlight {
            state: v["state"].as_str()?.to_string(),
            nonce: v["nonce"].as_str()?.to_string(),
            verifier,
        })
    }
}

pub fn redirect_uri(config: &Config) -> String {
    config.redirect_uri.clone().unwrap_or_else(page_url)
}

/// Starts the full-page redirect sign-in. The page navigates away.
pub fn begin_redirect(config: &Config, discovery: &Discovery) -> Result<(), AuthError> {
    let flight = InFlight::generate();
    flight.store()?;
    let url = flight.authorize_url(config, discovery, None);
    window()
        .location()
        .assign(&url)
        .map_err(|e| AuthError::Network(js_err(e)))
}

/// What the page found in its own address at start.
pub enum Arrival {
    /// An ordinary visit.
    Plain,
    /// The answer to a redirect sign-in started in this tab: check and redeem it with
    /// [`complete`].
    Callback(Callback, InFlight),
    /// An answer that does not belong to a sign-in started here.
    Refused(AuthError),
    /// The answer to a popup sign-in: it was handed to the opener; this window closes.
    PopupRelayed,
}

/// Looks at the address for an authorization answer, and clears it from the address bar and
/// the history entry at once (the code must not linger in the URL).
pub fn arrival() -> Arrival {
    let loc = window().location();
    let search = loc.search().unwrap_or_default();
    let hash = loc.hash().unwrap_or_default();
    let callback = oidc::parse_callback(&search).or_else(|| oidc::parse_callback(&hash));
    let Some(callback) = callback else {
        // An ordinary visit means no sign-in is pending in this tab (the admin came back from
        // the sign-in page without an answer): drop any abandoned verifier at once.
        forget_storage();
        return Arrival::Plain;
    };
    clear_address();
    let has_state = match &callback {
        Callback::Code { .. } => true,
        Callback::Error { state, .. } => state.is_some(),
    };
    match InFlight::take() {
        // A redirect sign-in started in this tab: its record names the state to expect.
        Some(flight) => Arrival::Callback(callback, flight),
        // No record here: a popup's answer. Hand it to the window that waits for it, which
        // checks the state against its own. (`window.opener` is not consulted: Entra's COOP
        // headers cut that link.)
        None if has_state => {
            relay_to_opener(&search, &hash);
            Arrival::PopupRelayed
        }
        None => Arrival::Refused(AuthError::StateMismatch),
    }
}

fn clear_address() {
    let w = window();
    let path = w.location().pathname().unwrap_or_else(|_| "/".into());
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
}

fn relay_to_opener(search: &str, hash: &str) {
    let answer = if search.len() > 1 { search } else { hash };
    if let Ok(channel) = web_sys::BroadcastChannel::new(POPUP_CHANNEL) {
        let _ = channel.post_message(&JsValue::from_str(answer));
        channel.close();
    }
    let _ = window().close();
}

/// Checks the callback against the in-flight values and redeems the code once.
pub async fn complete(
    config: &Config,
    discovery: &Discovery,
    callback: Callback,
    flight: InFlight,
) -> Result<Session, AuthError> {
    let (code, state) = match callback {
        Callback::Code { code, state } => (code, state),
        Callback::Error {
            error,
            description,
            state,
        } => {
            if let Some(s) = state {
                oidc::check_state(&flight.state, &s)?;
            }
            return Err(AuthError::Authority {
                error,
                description,
                codes: Vec::new(),
            });
        }
    };
    oidc::check_state(&flight.state, &state)?;
    redeem(config, discovery, &code, &flight).await
}

async fn redeem(
    config: &Config,
    discovery: &Discovery,
    code: &Secret,
    flight: &InFlight,
) -> Result<Session, AuthError> {
    let body = oidc::token_request_body(
        &config.client_id,
        &redirect_uri(config),
        code,
        &flight.verifier,
        &super::scopes::for_request(&config.scopes),
    );
    let answer = post_form(&discovery.token_endpoint, &body).await?;
    let answer = oidc::parse_token_answer(answer.status, &answer.body)?;
    let id_token = answer
        .id_token
        .as_ref()
        .ok_or_else(|| AuthError::MalformedToken("the answer has no ID token".into()))?;
    let account = oidc::validate_id_token(
        id_token.expose_secret(),
        &flight.nonce,
        &config.client_id,
        &discovery.issuer,
        now_unix(),
    )?;
    Ok(Session::from_answer(answer, account, now_ms()))
}

async fn post_form(url: &str, body: &Secret) -> Result<TextAnswer, AuthError> {
    fetch_text(
        "POST",
        url,
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(body.expose_secret()),
    )
    .await
    .map_err(|e| AuthError::Network(format!("{url}: {e}")))
}

/// Signs in through a popup and waits for its callback page to hand the answer back.
/// Used inside frames, in popup mode, and to renew a dead session without losing the screen.
pub async fn sign_in_popup(
    config: &Config,
    discovery: &Discovery,
    login_hint: Option<&str>,
) -> Result<Session, AuthError> {
    let flight = InFlight::generate();
    let url = flight.authorize_url(config, discovery, login_hint);
    let channel =
        web_sys::BroadcastChannel::new(POPUP_CHANNEL).map_err(|e| AuthError::Network(js_err(e)))?;
    let popup = window()
        .open_with_url_and_target_and_features(
            &url,
            "handover-signin",
            "popup,width=520,height=680",
        )
        .map_err(|_| AuthError::PopupBlocked)?;
    if popup.is_none() {
        channel.close();
        return Err(AuthError::PopupBlocked);
    }
    let answer = wait_for_answer(&channel, &flight.state).await;
    channel.close();
    let callback = answer?;
    let (code, state) = match callback {
        Callback::Code { code, state } => (code, state),
        Callback::Error {
            error, description, ..
        } => {
            return Err(AuthError::Authority {
                error,
                description,
                codes: Vec::new(),
            })
        }
    };
    oidc::check_state(&flight.state, &state)?;
    redeem(config, discovery, &code, &flight).await
}

/// Resolves with the first answer on the channel that carries our state, or an error after
/// the time limit. Answers for other states (another tab's sign-in, a forged message) are ignored.
async fn wait_for_answer(
    channel: &web_sys::BroadcastChannel,
    state: &str,
) -> Result<Callback, AuthError> {
    let slot: Rc<RefCell<Option<Result<Callback, AuthError>>>> = Rc::new(RefCell::new(None));
    let expected = state.to_string();
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let slot_msg = slot.clone();
        let resolve_msg = resolve.clone();
        let expected = expected.clone();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let Some(text) = ev.data().as_string() else {
                    return;
                };
                let Some(cb) = oidc::parse_callback(&text) else {
                    return;
                };
                let matches = match &cb {
                    Callback::Code { state, .. } => oidc::check_state(&expected, state).is_ok(),
                    Callback::Error { state, .. } => state
                        .as_deref()
                        .is_some_and(|s| oidc::check_state(&expected, s).is_ok()),
                };
                if matches && slot_msg.borrow().is_none() {
                    *slot_msg.borrow_mut() = Some(Ok(cb));
                    let _ = resolve_msg.call0(&JsValue::NULL);
                }
            });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The channel is closed right after the answer; one small closure per sign-in is leaked.
        on_message.forget();
        let slot_timeout = slot.clone();
        let on_timeout = Closure::once_into_js(move || {
            if slot_timeout.borrow().is_none() {
                *slot_timeout.borrow_mut() = Some(Err(AuthError::PopupTimedOut));
            }
            let _ = resolve.call0(&JsValue::NULL);
        });
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(
            on_timeout.unchecked_ref(),
            POPUP_WAIT_MS,
        );
    });
    let _ = JsFuture::from(promise).await;
    channel.set_onmessage(None);
    let answer = slot.borrow_mut().take();
    answer.unwrap_or(Err(AuthError::PopupTimedOut))
}

/// Renews the access token with the refresh token. A dead refresh token (24 h for SPAs) is
/// `SessionEnded`: the caller asks the admin to sign in again.
pub async fn refresh(
    config: &Config,
    discovery: &Discovery,
    session: &mut Session,
) -> Result<(), AuthError> {
    let Some(refresh_token) = session.refresh_token() else {
        return Err(AuthError::SessionEnded);
    };
    if !session.can_refresh(now_ms()) {
        return Err(AuthError::SessionEnded);
    }
    let scopes = super::scopes::for_request(&config.scopes);
    let body = oidc::refresh_request_body(&config.client_id, refresh_token, &scopes);
    let answer = post_form(&discovery.token_endpoint, &body).await?;
    match oidc::parse_token_answer(answer.status, &answer.body) {
        Ok(tokens) => {
            session.apply_refresh(tokens, now_ms());
            Ok(())
        }
        // A dead grant (24 h cap, revoked, spent) means signing in again.
        Err(e) => Err(e.into_refresh_failure()),
    }
}

/// Forgets every trace of sign-in kept by the page: the in-flight record and any stray keys.
pub fn forget_storage() {
    if let Some(s) = session_storage() {
        let _ = s.remove_item(IN_FLIGHT_KEY);
    }
}

/// Ends the session at the authority where it offers an end-session endpoint.
pub fn sign_out_at_authority(config: &Config, discovery: &Discovery, hint: Option<&str>) {
    forget_storage();
    let Some(end) = discovery.end_session_endpoint.as_deref() else {
        let _ = window().location().assign(&page_url());
        return;
    };
    let mut url = format!(
        "{end}?post_logout_redirect_uri={}",
        js_sys::encode_uri_component(&redirect_uri(config))
    );
    if let Some(h) = hint {
        url.push_str("&logout_hint=");
        url.push_str(&String::from(js_sys::encode_uri_component(h)));
    }
    let _ = window().location().assign(&url);
}

/// Waits `ms` milliseconds on the browser's timer.
pub async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(
            &resolve,
            i32::try_from(ms).unwrap_or(i32::MAX),
        );
    });
    let _ = JsFuture::from(promise).await;
}
