//! ChromeDriver's logs (`goog:loggingPrefs` in the capabilities): the browser console and the
//! performance log (DevTools Network and Page events), read through ChromeDriver's log endpoint,
//! which fantoccini does not wrap. Each read returns the entries since the previous read.

use fantoccini::Client;
use serde_json::{json, Value};

use crate::wd::session_post;

/// The entries of ChromeDriver's log `kind` since the last read (`POST /session/{id}/se/log`).
async fn read(browser: &Client, kind: &'static str) -> Result<Vec<Value>, String> {
    let what = format!("reading the {kind} log");
    let v = session_post(browser, "se/log", json!({ "type": kind }), &what).await?;
    v.as_array()
        .cloned()
        .ok_or_else(|| format!("the {kind} log is not a list: {v}"))
}

/// The console and other browser messages since the last read: `{level, message, source,
/// timestamp}` each.
pub async fn console(browser: &Client) -> Result<Vec<Value>, String> {
    read(browser, "browser").await
}

/// The DevTools events since the last read, each as `{"method", "params"}`.
pub async fn devtools_events(browser: &Client) -> Result<Vec<Value>, String> {
    Ok(read(browser, "performance")
        .await?
        .iter()
        .filter_map(|e| e["message"].as_str())
        .filter_map(|m| serde_json::from_str::<Value>(m).ok())
        .map(|m| m["message"].clone())
        .collect())
}

/// Every URL the browser requested (`Network.requestWillBeSent`) among `events`.
pub fn requested_urls(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["method"] == "Network.requestWillBeSent")
        .filter_map(|e| e["params"]["request"]["url"].as_str().map(str::to_owned))
        .collect()
}

/// The JavaScript dialogs Chromium opened (`Page.javascriptDialogOpening`), by type
/// (`alert`, `confirm`, `prompt`, `beforeunload`).
pub fn dialogs_opened(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["method"] == "Page.javascriptDialogOpening")
        .map(|e| e["params"]["type"].as_str().unwrap_or("?").to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{dialogs_opened, requested_urls};
    use serde_json::json;

    #[test]
    fn picks_requests_and_dialogs_out_of_devtools_events() {
        let events = vec![
            json!({"method": "Network.requestWillBeSent", "params": {"request": {"url": "http://127.0.0.1:1/"}}}),
            json!({"method": "Network.responseReceived", "params": {"response": {"url": "http://x/"}}}),
            json!({"method": "Page.javascriptDialogOpening", "params": {"type": "beforeunload", "message": ""}}),
        ];
        assert_eq!(requested_urls(&events), ["http://127.0.0.1:1/"]);
        assert_eq!(dialogs_opened(&events), ["beforeunload"]);
    }
}
