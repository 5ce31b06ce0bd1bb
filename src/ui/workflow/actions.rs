//! Small browser actions the screens share: the clock, copy to the clipboard, print, and a
//! download link for the receipt.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::browser;
use crate::ui::controls::dynamic;

/// Now, as the browser's clock says, in ISO 8601 UTC.
pub fn now_iso() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// Puts `text` on the clipboard. `done` hears whether it worked (a browser may refuse without a
/// user gesture or on a page that is not secure).
pub fn copy_text_then(text: &str, done: impl FnOnce(bool) + 'static) {
    let promise = browser::window().navigator().clipboard().write_text(text);
    spawn_local(async move {
        let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
        done(ok);
    });
}

/// Puts `text` on the clipboard, without feedback.
pub fn copy_text(text: &str) {
    copy_text_then(text, |_| {});
}

/// Opens the browser's print dialog; the print stylesheet shows only `.wf-print` (the sheet for
/// the user, `print.rs`).
pub fn print_page() {
    // The print dialog cannot fail in a way the admin could act on.
    let _ = browser::window().print();
}

/// A `data:` URL for downloading `json` (the receipt, which holds no secret).
pub fn json_download_href(json: &str) -> String {
    let encoded: String = js_sys::encode_uri_component(json).into();
    format!("data:application/json;charset=utf-8,{encoded}")
}

/// A copy button that says "Copied" for a moment.
#[component]
pub fn CopyButton(
    id: &'static str,
    /// Called on click to copy; returns what to copy, if anything.
    text: Callback<(), Option<String>>,
) -> impl IntoView {
    // What the button says: an index into LABELS, held in a usize signal (the page has those
    // anyway) rather than an Option<bool> one, which would bring its own copy of signal code.
    const LABELS: [&str; 3] = ["Copy", "Copied", "Copy failed: select and copy by hand"];
    let state = RwSignal::new(0usize);
    let click = move |_| {
        if let Some(t) = text.run(()) {
            let mut t = t;
            copy_text_then(&t, move |ok| {
                state.set(if ok { 1 } else { 2 });
                spawn_local(async move {
                    browser::sleep_ms(2_000).await;
                    state.set(0);
                });
            });
            zeroize::Zeroize::zeroize(&mut t);
        }
    };
    view! {
        <button type="button" id=id on:click=click>
            {dynamic(move || LABELS[state.get()].into_any())}
        </button>
    }
}
