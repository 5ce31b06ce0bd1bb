//! The browser half of embedding: who the parent frame is, the message listener, and posting to
//! the parent. The decisions (which origins, which message shapes) are in `crate::embed`.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::AppCtx;
use crate::auth::browser::{self, window};
use crate::config::Config;
use crate::embed::{
    check_ancestors, handshake_targets, parse_inbound, FrameRefusal, Inbound, MessageError,
    Outbound,
};

type MessageListener = Closure<dyn FnMut(web_sys::MessageEvent)>;

/// How long a portal has to answer `ready` when the browser cannot name the parent.
const HANDSHAKE_MS: i32 = 10_000;

/// What the portal asked to fill in, waiting for the workflow to take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefill {
    pub user: Option<String>,
    pub ticket: Option<String>,
}

fn own_origin() -> String {
    window().location().origin().unwrap_or_default()
}

/// `location.ancestorOrigins`, nearest first, where the browser has it (Chromium, Safari; not
/// Firefox).
fn ancestor_origins() -> Option<Vec<String>> {
    let location = window().location();
    let list =
        js_sys::Reflect::get(location.as_ref(), &JsValue::from_str("ancestorOrigins")).ok()?;
    if list.is_undefined() || list.is_null() {
        return None;
    }
    let len = js_sys::Reflect::get(&list, &JsValue::from_str("length"))
        .ok()?
        .as_f64()? as u32;
    (0..len)
        .map(|i| js_sys::Reflect::get_u32(&list, i).ok()?.as_string())
        .collect()
}

fn parent_window() -> Option<web_sys::Window> {
    window().parent().ok().flatten()
}

/// Whether `ev` comes from the parent window itself (not a sibling frame, a child or a popup).
fn from_parent(ev: &web_sys::MessageEvent) -> bool {
    match (ev.source(), parent_window()) {
        (Some(source), Some(parent)) => js_sys::Object::is(&source, parent.as_ref()),
        _ => false,
    }
}

/// The message's data as JSON text (the portal posts a plain object).
fn data_text(ev: &web_sys::MessageEvent) -> Option<String> {
    js_sys::JSON::stringify(&ev.data()).ok()?.as_string()
}

/// Decides whether this framed page may run, and gives the parent's origin. Call only when
/// framed. With `ancestorOrigins` the answer is immediate; without it the page posts `ready`
/// to each allowed origin (exact target origins: only the right parent receives it) and takes
/// the parent's origin from its first valid answer, as the browser reports it.
pub async fn verify_parent(config: &Config) -> Result<(String, Option<Inbound>), FrameRefusal> {
    let own = own_origin();
    if let Some(ancestors) = ancestor_origins() {
        return check_ancestors(&ancestors, &own, &config.allowed_parent_origins)
            .map(|p| (p, None));
    }
    handshake(&own, &config.allowed_parent_origins).await
}

async fn handshake(
    own: &str,
    allowed: &[String],
) -> Result<(String, Option<Inbound>), FrameRefusal> {
    let Some(parent) = parent_window() else {
        return Err(FrameRefusal::Unverified);
    };
    let targets = handshake_targets(own, allowed);
    let slot: Rc<RefCell<Option<(String, Inbound)>>> = Rc::new(RefCell::new(None));
    let listener: Rc<RefCell<Option<MessageListener>>> = Rc::new(RefCell::new(None));
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let slot_msg = slot.clone();
        let resolve_msg = resolve.clone();
        let own = own.to_owned();
        let allowed = allowed.to_vec();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let origin = ev.origin();
                if !from_parent(&ev) || !crate::embed::origin_allowed(&origin, &own, &allowed) {
                    return;
                }
                let Some(Ok(msg)) = data_text(&ev).map(|t| parse_inbound(&t)) else {
                    return;
                };
                if slot_msg.borrow().is_none() {
                    *slot_msg.borrow_mut() = Some((origin, msg));
                    let _ = resolve_msg.call0(&JsValue::NULL);
                }
            });
        let _ = window()
            .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        *listener.borrow_mut() = Some(on_message);
        let on_timeout = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(
            on_timeout.unchecked_ref(),
            HANDSHAKE_MS,
        );
    });
    let ready = json_value(&Outbound::Ready.to_json());
    for target in &targets {
        // Delivered only if the parent's origin is exactly `target`.
        let _ = parent.post_message(&ready, target);
    }
    let _ = JsFuture::from(promise).await;
    if let Some(l) = listener.borrow_mut().take() {
        let _ = window().remove_event_listener_with_callback("message", l.as_ref().unchecked_ref());
    }
    let answer = slot.borrow_mut().take();
    match answer {
        Some((origin, msg)) => Ok((origin, Some(msg))),
        None => Err(FrameRefusal::Unverified),
    }
}

fn json_value(v: &crate::json::Value) -> JsValue {
    js_sys::JSON::parse(&v.to_json()).unwrap_or(JsValue::NULL)
}

/// Posts `msg` to the verified parent, with its exact origin as the target (never `*`). Does
/// nothing when the page is not framed.
pub fn post(app: &AppCtx, msg: &Outbound) {
    let Some(origin) = app.parent_origin.get_value() else {
        return;
    };
    if let Some(parent) = parent_window() {
        let _ = parent.post_message(&json_value(&msg.to_json()), &origin);
    }
}

/// Takes a message the portal sent.
fn take(app: AppCtx, msg: Inbound) {
    match msg {
        Inbound::Prefill { user, ticket } => app.prefill.set(Some(Prefill { user, ticket })),
    }
}

/// Listens to the verified parent for the rest of the page's life: messages from any other
/// origin or window are ignored, and so is anything that is not a valid Handover message.
pub fn listen(app: AppCtx, parent_origin: String, first: Option<Inbound>) {
    app.parent_origin.set_value(Some(parent_origin.clone()));
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if ev.origin().to_ascii_lowercase() != parent_origin || !from_parent(&ev) {
                return;
            }
            match data_text(&ev).map(|t| parse_inbound(&t)) {
                Some(Ok(msg)) => take(app, msg),
                Some(Err(MessageError::Foreign)) | None => {}
                Some(Err(e)) => {
                    // For the portal's developer; a message from the portal holds no secret.
                    web_sys::console::warn_1(&JsValue::from_str(&format!(
                        "Handover ignored a message from the portal: {e}. See docs/EMBED.md."
                    )));
                }
            }
        });
    let _ =
        window().add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    // Lives as long as the page.
    on_message.forget();
    match first {
        // The handshake's `ready` was answered already.
        Some(msg) => take(app, msg),
        None => post(&app, &Outbound::Ready),
    }
}

/// Whether the page is framed; a wrapper so the shell reads as one sentence.
pub fn framed() -> bool {
    browser::is_framed()
}
