//! Deployment (issue 9): the built `dist/` runs from a static host under a base path, with
//! config.json beside index.html there, and signs in with that address as its redirect URI.

use e2e::control::get_json;
use e2e::{ensure, sign_in_as, wait_for, wait_for_text, Ctx, TestResult};

const BASE: &str = "/tools/handover/";
const ADMIN: &str = "uma.useradmin@contoso.onmicrosoft.com";

/// The `redirect_uri` of every authorize request the sandbox logged.
async fn authorize_redirect_uris(port: u16) -> Result<Vec<String>, String> {
    let log = get_json(port, "/_sandbox/requests").await?;
    Ok(log["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/oauth2/v2.0/authorize"))
        })
        .filter_map(|r| {
            let pair = r["query"]
                .as_array()?
                .iter()
                .find(|kv| kv[0] == "redirect_uri")?;
            pair[1].as_str().map(str::to_owned)
        })
        .collect())
}

/// Served under /tools/handover/ (nothing of the page at the root), the page loads its assets and
/// config.json relative to itself, signs in by redirect and comes back to the base address.
pub async fn base_path_signs_in(t: Ctx) -> TestResult {
    let host = sandbox::start(sandbox::Options {
        port: 0,
        dist: Some(t.setup.dist.clone()),
        base_path: BASE.to_owned(),
        ..sandbox::Options::default()
    })
    .await
    .map_err(|e| format!("sandbox under {BASE}: {e}"))?;
    let page = format!("{}{BASE}", host.page_origin());

    // The folder's address without its slash is redirected, so relative URLs still resolve.
    t.browser
        .goto(&format!(
            "{}{}",
            host.page_origin(),
            BASE.trim_end_matches('/')
        ))
        .await?;
    wait_for(&t.browser, "#sign-in", 20).await?;
    let landed = t.browser.current_url().await?;
    ensure!(
        landed.as_str() == page,
        "opening the folder without its slash ended at {landed}, not {page}"
    );

    sign_in_as(&t.browser, &page, ADMIN).await?;
    wait_for_text(&t.browser, "#admin-upn", ADMIN, 20).await?;
    let back = t.browser.current_url().await?;
    ensure!(
        back.path() == BASE && back.query().is_none(),
        "after sign-in the page is at {back}, not {page} with a clean address"
    );

    let asked: Vec<String> = authorize_redirect_uris(host.port()).await?;
    ensure!(
        !asked.is_empty() && asked.iter().all(|u| *u == page),
        "the authorize requests named redirect_uri {asked:?}, expected only {page}"
    );
    // Graph answered the page from the base path (CORS allows the page's origin).
    let log = get_json(host.port(), "/_sandbox/requests").await?;
    let graph_calls = log["requests"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/v1.0/")))
                .count()
        })
        .unwrap_or(0);
    ensure!(
        graph_calls > 0,
        "the page made no Graph call after signing in under {BASE}"
    );
    host.shutdown().await;
    Ok(())
}
