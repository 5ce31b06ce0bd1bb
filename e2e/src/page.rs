//! Helpers for the workflow's end-to-end tests: driving the page's screens the way an admin
//! does, and reading the sandbox's outbox, request log and credential state.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::control::{get_json, post_json};
use crate::{wait_for, Ctx};

/// A CSS attribute selector value in double quotes (UPNs may hold an apostrophe).
pub fn css_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Sets an input's value and fires `input` (and `change`), as typing would.
pub async fn set_value(browser: &Client, css: &str, value: &str) -> Result<(), String> {
    wait_for(browser, css, 20).await?;
    let script = "const e = document.querySelector(arguments[0]);\
                  if (!e) { return false; }\
                  e.value = arguments[1];\
                  e.dispatchEvent(new Event('input', {bubbles: true}));\
                  e.dispatchEvent(new Event('change', {bubbles: true}));\
                  return true;";
    let done = browser
        .execute(script, vec![json!(css), json!(value)])
        .await
        .map_err(|e| format!("setting {css}: {e}"))?;
    if done != json!(true) {
        return Err(format!("no element {css} to type into"));
    }
    Ok(())
}

/// Clicks the first element matching `css` once it appears.
pub async fn click(browser: &Client, css: &str) -> Result<(), String> {
    wait_for(browser, css, 20)
        .await?
        .click()
        .await
        .map_err(|e| format!("click {css}: {e}"))
}

/// The `value` property of an input.
pub async fn value_of(browser: &Client, css: &str) -> Result<String, String> {
    wait_for(browser, css, 20).await?;
    let v = browser
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
            vec![json!(css)],
        )
        .await
        .map_err(|e| format!("reading {css}: {e}"))?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Text of `css`, or an empty string when absent.
pub async fn text_of(browser: &Client, css: &str) -> String {
    match browser.find(Locator::Css(css)).await {
        Ok(el) => el.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Whether `css` matches anything now.
pub async fn exists(browser: &Client, css: &str) -> bool {
    browser.find(Locator::Css(css)).await.is_ok()
}

/// The whole document as HTML (attributes included), for "no secret anywhere" checks.
pub async fn page_html(browser: &Client) -> Result<String, String> {
    let v = browser
        .execute("return document.documentElement.outerHTML;", vec![])
        .await
        .map_err(|e| format!("reading the page: {e}"))?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Types `query` in the Find box, waits for `upn` among the results, picks it and waits for
/// the Review card.
pub async fn find_and_pick(t: &Ctx, query: &str, upn: &str) -> Result<(), String> {
    let input = wait_for(&t.browser, "#find-input", 20).await?;
    input
        .send_keys(query)
        .await
        .map_err(|e| format!("typing in Find: {e}"))?;
    let pick = format!("#find-results li[data-upn={}] button", css_string(upn));
    click(&t.browser, &pick).await?;
    let card = format!("#review-card[data-upn={}]", css_string(upn));
    wait_for(&t.browser, &card, 20).await?;
    Ok(())
}

/// Waits until the plan (or the refusal) is on the Review card; returns which appeared.
pub async fn wait_plan(browser: &Client) -> Result<&'static str, String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if exists(browser, "#refusal").await {
            return Ok("refusal");
        }
        if exists(browser, "#plan").await {
            return Ok("plan");
        }
        if Instant::now() > deadline {
            return Err(format!(
                "neither a plan nor a refusal appeared; the review shows: {:?}",
                text_of(browser, "#workflow").await
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `data-path` of the plan shown.
pub async fn plan_path(browser: &Client) -> Result<String, String> {
    let el = wait_for(browser, "#plan", 20).await?;
    el.attr("data-path")
        .await
        .map_err(|e| format!("reading the plan: {e}"))?
        .ok_or_else(|| "the plan has no data-path".to_owned())
}

/// Fills the ticket (and the UPN for a privileged target), then clicks Run twice (the second
/// click must do nothing) and waits for the receipt.
pub async fn confirm_and_run(
    t: &Ctx,
    ticket: &str,
    confirm_upn: Option<&str>,
) -> Result<(), String> {
    set_value(&t.browser, "#confirm-ticket", ticket).await?;
    if let Some(upn) = confirm_upn {
        set_value(&t.browser, "#confirm-upn", upn).await?;
    }
    wait_enabled(&t.browser, "#confirm-run", 10).await?;
    let button = wait_for(&t.browser, "#confirm-run", 5).await?;
    button
        .click()
        .await
        .map_err(|e| format!("click Run: {e}"))?;
    // A second click, if the button is still there, must not start a second run.
    if let Ok(again) = t.browser.find(Locator::Css("#confirm-run")).await {
        let _ = again.click().await;
    }
    wait_for(&t.browser, "#receipt", 60).await?;
    Ok(())
}

/// Waits until `css` exists and is not disabled; reports the page's blockers if it stays off.
pub async fn wait_enabled(browser: &Client, css: &str, secs: u64) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Ok(el) = browser.find(Locator::Css(css)).await {
            if el.is_enabled().await.unwrap_or(false) {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{css} stayed disabled; the page says: {:?}",
                text_of(browser, "#confirm-problems").await
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An attribute of the first match of `css`.
pub async fn attr_of(browser: &Client, css: &str, name: &str) -> Result<String, String> {
    let el = wait_for(browser, css, 20).await?;
    el.attr(name)
        .await
        .map_err(|e| format!("{css}[{name}]: {e}"))?
        .ok_or_else(|| format!("{css} has no {name}"))
}

/// The sandbox's outbox: every message sent, and Sent Items by mailbox.
pub async fn outbox(port: u16) -> Result<Value, String> {
    get_json(port, "/_sandbox/outbox.json").await
}

/// The messages in the outbox.
pub async fn messages(port: u16) -> Result<Vec<Value>, String> {
    Ok(outbox(port)
        .await?
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// The sandbox's credential state of one user.
pub async fn credentials(port: u16, upn: &str) -> Result<Value, String> {
    let path = format!("/_sandbox/users/{}/credentials", percent(upn));
    get_json(port, &path).await
}

/// The password the sandbox holds for `upn` (its control API); an error when there is none.
pub async fn tenant_password(port: u16, upn: &str) -> Result<String, String> {
    let c = credentials(port, upn).await?;
    c["password"]
        .as_str()
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| format!("the sandbox has no password for {upn}: {c}"))
}

/// The request log.
pub async fn requests(port: u16) -> Result<Vec<Value>, String> {
    Ok(get_json(port, "/_sandbox/requests")
        .await?
        .get("requests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// Every Graph request that writes (PATCH, POST other than `$batch`, DELETE), top level and
/// inside batches, as `METHOD path`.
pub async fn graph_writes(port: u16) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for r in requests(port).await? {
        let path = r["path"].as_str().unwrap_or_default();
        if !path.starts_with("/v1.0/") {
            continue;
        }
        let method = r["method"].as_str().unwrap_or_default();
        if path == "/v1.0/$batch" {
            for inner in r["inner"].as_array().into_iter().flatten() {
                let m = inner["method"].as_str().unwrap_or_default();
                if !m.eq_ignore_ascii_case("GET") {
                    out.push(format!(
                        "{m} {}",
                        inner["path"].as_str().unwrap_or_default()
                    ));
                }
            }
        } else if !method.eq_ignore_ascii_case("GET") {
            out.push(format!("{method} {path}"));
        }
    }
    Ok(out)
}

/// Asks the sandbox to expire every access token issued so far.
pub async fn expire_tokens(port: u16) -> Result<(), String> {
    post_json(port, "/_sandbox/tokens/expire", &json!({}))
        .await
        .map(|_| ())
}

/// Percent-encodes a path segment.
pub fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The HTML body of an outbox message.
pub fn body_of(message: &Value) -> &str {
    message["body"]["content"].as_str().unwrap_or_default()
}

/// Whether an outbox message carries `secret`, read as the recipient reads it (the sandbox's
/// text rendering of the HTML, entities decoded: a `&` in a password is `&amp;` in the HTML).
pub fn carries(message: &Value, secret: &str) -> bool {
    message["text"].as_str().is_some_and(|t| t.contains(secret))
}

/// The `to` addresses of an outbox message.
pub fn to_of(message: &Value) -> Vec<String> {
    message["toRecipients"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["emailAddress"]["address"].as_str().map(str::to_owned))
        .collect()
}
