//! While a run is in progress, leaving or reloading the page asks for confirmation: a
//! `beforeunload` listener that cancels the event, registered when the run starts and removed
//! when it ends (receipt or final error), so an ordinary visit is never held up.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type Listener = Closure<dyn FnMut(web_sys::Event)>;

thread_local! {
    /// The listener while it is registered.
    static LISTENER: RefCell<Option<Listener>> = const { RefCell::new(None) };
}

/// Registers (`true`) or removes (`false`) the listener; calling it twice with the same value
/// changes nothing.
pub fn set(on: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    LISTENER.with(|slot| {
        let mut slot = slot.borrow_mut();
        match (on, slot.is_some()) {
            (true, false) => {
                let listener = Listener::new(|ev: web_sys::Event| {
                    // The standard way, and `returnValue` for browsers that still need it.
                    ev.prevent_default();
                    let _ = js_sys::Reflect::set(
                        &ev,
                        &JsValue::from_str("returnValue"),
                        &JsValue::TRUE,
                    );
                });
                if window
                    .add_event_listener_with_callback(
                        "beforeunload",
                        listener.as_ref().unchecked_ref(),
                    )
                    .is_ok()
                {
                    *slot = Some(listener);
                }
            }
            (false, true) => {
                if let Some(listener) = slot.take() {
                    let _ = window.remove_event_listener_with_callback(
                        "beforeunload",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
            _ => {}
        }
    });
}
