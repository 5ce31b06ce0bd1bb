//! Chrome DevTools Protocol commands through ChromeDriver's `goog/cdp/execute` endpoint (which
//! fantoccini does not wrap): emulating print media or a dark colour scheme.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use serde_json::{json, Value};

/// `POST /session/{id}/goog/cdp/execute {"cmd", "params"}`.
#[derive(Debug)]
struct Execute {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Execute {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

/// Runs one DevTools command on the current page.
pub async fn execute(browser: &Client, cmd: &'static str, params: Value) -> Result<Value, String> {
    browser
        .issue_cmd(Execute { cmd, params })
        .await
        .map_err(|e| format!("DevTools {cmd}: {e}"))
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
