//! Applies config.json's `theme`: custom properties on the document element through the CSSOM
//! (allowed under `style-src 'self'`, unlike a `style` attribute), and the window title.

use wasm_bindgen::JsCast;

use crate::auth::browser::window;
use crate::theme::Theme;

/// Sets the theme's custom properties; the stylesheet falls back to the built-in look for any
/// that are not set, in light and dark mode.
pub fn apply(theme: &Theme) {
    let Some(document) = window().document() else {
        return;
    };
    if let Some(root) = document
        .document_element()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let style = root.style();
        for (name, value) in theme.custom_properties() {
            let _ = style.set_property(name, &value);
        }
    }
    document.set_title(theme.name());
}
