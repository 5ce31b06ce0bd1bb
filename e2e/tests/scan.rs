//! The scan after full runs (issue 7): where the browser went and what it kept. Two runs through
//! the page (a password reset with one throttled attempt, then a Temporary Access Pass), then
//! "Reset another user"; then every request Chromium made (its performance log) must have gone to
//! the page's own origin or to the sandbox's authority and Graph paths, and no secret the runs
//! handled (the new password, the pass, any access, refresh or ID token the sandbox issued) may be
//! in the console, storage, cookies, the address, the addresses the page put in the history, any
//! requested URL, or the page once the receipt is closed.

use e2e::control::{get_json, post_json};
use e2e::logs::{console, devtools_events};
use e2e::page::{
    click, confirm_and_run, credentials, find_and_pick, messages, page_html, wait_plan,
};
use e2e::{ensure, wait_for, wait_for_text, Ctx, TestResult};
use serde_json::{json, Value};

const AUTH_ADMIN: &str = "aaron.auth@contoso.onmicrosoft.com";
const ALEX: &str = "alex.wilber@contoso.onmicrosoft.com";

/// Where a request may go. From the page's documents (on the page's origin): the page's origin,
/// or the sandbox's API origin on the authority's paths (`/{tenant}/oauth2/v2.0/...`,
/// `/{tenant}/v2.0/.well-known/...`, discovery) or Graph's (`/v1.0/...`). From the authority's
/// own sign-in page (the sandbox's account chooser, standing in for Microsoft's): its own origin
/// only (Chromium asks it for `/favicon.ico`). `None` when allowed, else why not.
fn disallowed(url: &str, document: &str, page_origin: &str, api_origin: &str) -> Option<String> {
    let on = |origin: &str, u: &str| {
        u.strip_prefix(origin)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
    };
    if on(api_origin, document) && !on(page_origin, document) {
        return (!on(api_origin, url))
            .then(|| "the authority's page reached another origin".to_owned());
    }
    if !on(page_origin, document) {
        return Some(format!("from a document of another origin ({document})"));
    }
    if on(page_origin, url) {
        return None;
    }
    if !on(api_origin, url) {
        return Some("another origin".into());
    }
    let path = url[api_origin.len()..]
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    let authority = path.contains("/oauth2/v2.0/")
        || path.ends_with("/.well-known/openid-configuration")
        || path.contains("/discovery/");
    if path.starts_with("/v1.0/") || authority {
        None
    } else {
        Some(format!(
            "the API origin, but neither an authority nor a Graph path ({path})"
        ))
    }
}

/// Requests made by Chromium's own pages (the new-tab page it opens before the test navigates)
/// are not the page's.
fn browser_internal(document: &str) -> bool {
    [
        "chrome:",
        "chrome-search:",
        "chrome-untrusted:",
        "about:",
        "devtools:",
    ]
    .iter()
    .any(|s| document.starts_with(s))
}

/// The secrets of the runs, by name, for the failure messages (never printed themselves).
async fn secrets(t: &Ctx) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let c = credentials(t.port(), ALEX).await?;
    if let Some(p) = c["password"].as_str() {
        out.push(("Alex's new password".to_owned(), p.to_owned()));
    }
    for tap in c["temporaryAccessPasses"].as_array().into_iter().flatten() {
        if let Some(p) = tap["temporaryAccessPass"].as_str() {
            out.push(("the Temporary Access Pass".to_owned(), p.to_owned()));
        }
    }
    let issued = get_json(t.port(), "/_sandbox/tokens").await?;
    for (i, tok) in issued["issued"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(tok) = tok.as_str() {
            out.push((format!("issued token #{}", i + 1), tok.to_owned()));
        }
    }
    Ok(out)
}

/// Names of the secrets found in `haystack`.
fn found_in(secrets: &[(String, String)], haystack: &str) -> Vec<String> {
    secrets
        .iter()
        .filter(|(_, s)| haystack.contains(s.as_str()))
        .map(|(n, _)| n.clone())
        .collect()
}

pub async fn nothing_leaks_after_full_runs(t: Ctx) -> TestResult {
    t.sign_in_as(AUTH_ADMIN).await?;
    wait_for_text(&t.browser, "#admin-roles", "Administrator", 20).await?;
    // Run 1: a password reset, with one throttled attempt on the way.
    find_and_pick(&t, "Alex", ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "refused");
    post_json(
        t.port(),
        "/_sandbox/faults",
        &json!({"method": "*", "path": "/v1.0/users/*", "status": 429, "retryAfter": 1, "count": 1}),
    )
    .await?;
    confirm_and_run(&t, "INC-SCAN-1", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent']",
        60,
    )
    .await?;
    click(&t.browser, "#reset-another").await?;
    // Run 2: a Temporary Access Pass for the same user.
    find_and_pick(&t, "Alex", ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "refused");
    click(&t.browser, "#mode-tap").await?;
    wait_for(&t.browser, "#plan[data-path='temporary-access-pass']", 10).await?;
    confirm_and_run(&t, "INC-SCAN-2", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent']",
        60,
    )
    .await?;
    click(&t.browser, "#reset-another").await?;
    wait_for(&t.browser, "#find-input", 10).await?;
    ensure!(
        messages(t.port()).await?.len() == 2,
        "the two runs did not send two emails"
    );

    let secrets = secrets(&t).await?;
    let names: Vec<&str> = secrets.iter().map(|(n, _)| n.as_str()).collect();
    ensure!(
        names.contains(&"Alex's new password")
            && names.contains(&"the Temporary Access Pass")
            && names
                .iter()
                .filter(|n| n.starts_with("issued token"))
                .count()
                >= 3,
        "the sandbox did not give the secrets to look for: {names:?}"
    );

    // The console: a marker logged now proves the log is captured at all.
    t.browser
        .execute("console.log('handover-scan-marker'); return true;", vec![])
        .await?;
    let console = console(&t.browser).await?;
    let console_text = Value::Array(console.clone()).to_string();
    ensure!(
        console_text.contains("handover-scan-marker"),
        "the browser log was not captured ({} entries)",
        console.len()
    );
    let leaked = found_in(&secrets, &console_text);
    ensure!(leaked.is_empty(), "in the console: {leaked:?}");

    // Storage, cookies and the address, as the page sees them.
    let dump = t
        .browser
        .execute(
            "const dump = s => Object.keys(s).map(k => [k, s.getItem(k)]);\
             return {session: dump(sessionStorage), local: dump(localStorage),\
                     cookies: document.cookie, url: location.href, history: history.length};",
            vec![],
        )
        .await?;
    let leaked = found_in(&secrets, &dump.to_string());
    ensure!(
        leaked.is_empty(),
        "in storage, cookies or the address: {leaked:?}"
    );
    let html = page_html(&t.browser).await?;
    let leaked = found_in(&secrets, &html);
    ensure!(
        leaked.is_empty(),
        "on the page after the receipt was closed: {leaked:?}"
    );

    // Every request the browser made, and every address the documents had or the page put in
    // the history (navigations and pushState/replaceState), from DevTools' events.
    let events = devtools_events(&t.browser).await?;
    let requests: Vec<(String, String)> = events
        .iter()
        .filter(|e| e["method"] == "Network.requestWillBeSent")
        .map(|e| {
            let p = &e["params"];
            let url = p["request"]["url"].as_str().unwrap_or_default().to_owned();
            let document = p["documentURL"].as_str().unwrap_or_default().to_owned();
            (url, document)
        })
        .filter(|(_, document)| !browser_internal(document))
        .collect();
    let urls: Vec<String> = requests.iter().map(|(u, _)| u.clone()).collect();
    ensure!(
        urls.len() >= 10,
        "only {} requests in the performance log: not captured",
        urls.len()
    );
    let page_origin = t.sandbox.page_origin();
    let api_origin = t.sandbox.api_origin();
    let mut wrong = Vec::new();
    for (u, document) in &requests {
        if let Some(why) = disallowed(u, document, &page_origin, &api_origin) {
            wrong.push(format!("{u}: {why}"));
        }
    }
    ensure!(
        wrong.is_empty(),
        "{} requests outside the allowed destinations, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
    let graph = urls
        .iter()
        .filter(|u| u.starts_with(&format!("{api_origin}/v1.0/")))
        .count();
    let authority = urls
        .iter()
        .filter(|u| u.contains("/oauth2/v2.0/token"))
        .count();
    ensure!(
        graph > 0 && authority > 0,
        "the log lacks the Graph ({graph}) or token ({authority}) requests the runs made"
    );
    let addresses: Vec<String> = events
        .iter()
        .filter_map(|e| match e["method"].as_str() {
            Some("Page.frameNavigated") => e["params"]["frame"]["url"].as_str(),
            Some("Page.navigatedWithinDocument") => e["params"]["url"].as_str(),
            _ => None,
        })
        .map(str::to_owned)
        .collect();
    ensure!(
        !addresses.is_empty(),
        "no navigation in the performance log: Page events were not captured"
    );
    let all_urls = format!("{urls:?} {addresses:?}");
    let leaked = found_in(&secrets, &all_urls);
    ensure!(leaked.is_empty(), "in a URL: {leaked:?}");
    println!(
        "  scan: {} requests ({graph} to Graph, {authority} to the token endpoint), {} addresses, {} console entries, {} secrets looked for",
        urls.len(),
        addresses.len(),
        console.len(),
        secrets.len()
    );
    Ok(())
}
