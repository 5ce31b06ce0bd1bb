//! ChromeDriver endpoints that fantoccini does not wrap (DevTools commands, the logs): each is a
//! POST of a JSON body to a path under the current session.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use serde_json::Value;

/// `POST /session/{id}/{path}` with `body`.
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// Sends `body` to the session's `path` (e.g. `goog/cdp/execute`, `se/log`); `what` names the
/// action in the error.
pub(crate) async fn session_post(
    browser: &Client,
    path: &'static str,
    body: Value,
    what: &str,
) -> Result<Value, String> {
    browser
        .issue_cmd(SessionPost { path, body })
        .await
        .map_err(|e| format!("{what}: {e}"))
}
