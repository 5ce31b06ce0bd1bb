//! Chrome DevTools Protocol commands through ChromeDriver's `goog/cdp/execute` endpoint (which
//! fantoccini does not wrap): emulating print media or a dark colour scheme.

use fantoccini::Client;
use serde_json::{json, Value};

use crate::wd::session_post;

/// Runs one DevTools command on the current page.
pub async fn execute(browser: &Client, cmd: &'static str, params: Value) -> Result<Value, String> {
    let body = json!({ "cmd": cmd, "params": params });
    session_post(
        browser,
        "goog/cdp/execute",
        body,
        &format!("DevTools {cmd}"),
    )
    .await
}

/// `Emulation.setEmulatedMedia`: `media` ("print", "screen" or "" for none) and media features
/// such as `prefers-color-scheme`.
pub async fn emulate_media(
    browser: &Client,
    media: &str,
    color_scheme: Option<&str>,
) -> Result<(), String> {
    let features: Vec<Value> = color_scheme
        .map(|s| json!({"name": "prefers-color-scheme", "value": s}))
        .into_iter()
        .collect();
    execute(
        browser,
        "Emulation.setEmulatedMedia",
        json!({ "media": media, "features": features }),
    )
    .await
    .map(|_| ())
}
