//! Sign-in (issue 4) against the sandbox tenant, the way an admin does it.

use std::time::Duration;

use e2e::control::get_json;
use e2e::{ensure, fail, pick_account, wait_for, wait_for_text, Ctx, TestResult};
use fantoccini::Locator;
use serde_json::Value;

const USER_ADMIN: &str = "uma.useradmin@contoso.onmicrosoft.com";

/// The token endpoint requests the sandbox logged.
async fn token_requests(port: u16) -> Result<Vec<Value>, String> {
    let log = get_json(port, "/_sandbox/requests").await?;
    Ok(log["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/oauth2/v2.0/token"))
        })
        .collect())
}

/// What the page keeps in storage and cookies, as the page itself sees it.
async fn storage_dump(t: &Ctx) -> Result<Value, String> {
    let script = "const dump = s => Object.keys(s).map(k => [k, s.getItem(k)]);\
                  return {session: dump(sessionStorage), local: dump(localStorage), cookies: document.cookie};";
    t.browser
        .execute(script, vec![])
        .await
        .map_err(|e| format!("reading storage: {e}"))
}

/// Redirect sign-in as a sample admin shows the admin's name and roles, and leaves no code in
/// the address.
pub async fn redirect_shows_admin(t: Ctx) -> TestResult {
    t.sign_in_as(USER_ADMIN).await?;
    let name = t.wait_for("#admin-name", 10).await?.text().await?;
    ensure!(
        name.contains("Uma"),
        "the header shows {name:?}, not the admin's name"
    );
    let upn = t.wait_for("#admin-upn", 5).await?.text().await?;
    ensure!(upn == USER_ADMIN, "the header shows the UPN {upn:?}");
    wait_for_text(&t.browser, "#admin-roles", "User Administrator", 15).await?;
    let url = t.browser.current_url().await?.to_string();
    ensure!(
        !url.contains("code=") && !url.contains("state="),
        "the authorization answer stayed in the address: {url}"
    );
    let tokens = token_requests(t.port()).await?;
    ensure!(
        tokens.len() == 1,
        "expected exactly one code redemption, the sandbox saw {}",
        tokens.len()
    );
    Ok(())
}

/// After sign-in, storage and cookies hold nothing at all: tokens live in memory only, and the
/// in-flight verifier, state and nonce were removed at the callback.
pub async fn no_token_in_storage(t: Ctx) -> TestResult {
    t.browser.goto(&t.page_url()).await?;
    t.wait_for("#sign-in", 20).await?.click().await?;
    // On the authority's page: the in-flight values are parked in the page's sessionStorage.
    wait_for(&t.browser, "button[data-upn]", 20).await?;
    pick_account(&t.browser, USER_ADMIN).await?;
    t.wait_for("#signed-in #admin-name", 20).await?;
    wait_for_text(&t.browser, "#admin-roles", "User Administrator", 15).await?;
    let dump = storage_dump(&t).await?;
    ensure!(
        dump["session"].as_array().is_some_and(Vec::is_empty),
        "sessionStorage still holds {}",
        dump["session"]
    );
    ensure!(
        dump["local"].as_array().is_some_and(Vec::is_empty),
        "localStorage holds {}",
        dump["local"]
    );
    ensure!(dump["cookies"] == "", "cookies: {}", dump["cookies"]);
    Ok(())
}

/// An answer whose `state` is not the one this page sent is refused, and its code is never
/// redeemed.
pub async fn tampered_state_refused(t: Ctx) -> TestResult {
    t.browser.goto(&t.page_url()).await?;
    t.wait_for("#sign-in", 20).await?.click().await?;
    wait_for(&t.browser, "button[data-upn]", 20).await?;
    // Instead of choosing an account, arrive back with a forged answer.
    let forged = format!("{}?code=forged-code&state=tampered-state", t.page_url());
    t.browser.goto(&forged).await?;
    wait_for_text(&t.browser, "#auth-error", "was not for this page", 20).await?;
    ensure!(
        t.browser.find(Locator::Css("#signed-in")).await.is_err(),
        "the page signed in with a forged answer"
    );
    let tokens = token_requests(t.port()).await?;
    ensure!(
        tokens.is_empty(),
        "the forged code was sent to the token endpoint"
    );
    let dump = storage_dump(&t).await?;
    ensure!(
        dump["session"].as_array().is_some_and(Vec::is_empty),
        "the in-flight values were not removed after the refused answer: {}",
        dump["session"]
    );
    Ok(())
}

/// The page inside an iframe of another loopback origin signs in with a popup whose callback
/// hands the answer back; the frame shows the admin.
pub async fn popup_from_iframe(t: Ctx) -> TestResult {
    let portal = e2e::portal::Portal::start(&format!(
        "<!doctype html><title>Intranet portal</title><h1>Portal</h1>\
         <iframe id=handover src=\"{}\" width=1000 height=700></iframe>",
        t.page_url()
    ))
    .await?;
    // The page runs framed only by an origin config.json allows.
    t.sandbox.allow_parent_origins(vec![portal.origin()]);
    t.browser.goto(&portal.url()).await?;
    let main_window = t.browser.window().await?;
    let frame = wait_for(&t.browser, "#handover", 10).await?;
    frame.enter_frame().await?;
    let button = wait_for(&t.browser, "#sign-in", 20).await?;
    let label = button.text().await?;
    ensure!(
        label.contains("window"),
        "inside a frame the button should open a window: {label:?}"
    );
    button.click().await?;
    // The popup is a second window.
    let mut popup = None;
    for _ in 0..100 {
        let windows = t.browser.windows().await?;
        if let Some(w) = windows.into_iter().find(|w| *w != main_window) {
            popup = Some(w);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(popup) = popup else {
        fail!("no sign-in window opened");
    };
    t.browser.switch_to_window(popup).await?;
    pick_account(&t.browser, USER_ADMIN).await?;
    // The popup lands on the page's own origin, hands code and state back, and closes.
    for _ in 0..100 {
        if t.browser.windows().await?.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    t.browser.switch_to_window(main_window).await?;
    let frame = wait_for(&t.browser, "#handover", 10).await?;
    frame.enter_frame().await?;
    wait_for_text(&t.browser, "#admin-upn", USER_ADMIN, 20).await?;
    drop(portal);
    Ok(())
}

/// With Mail.Send not consented in the tenant, the page says so right after sign-in, before
/// any action.
pub async fn missing_mail_send_reported(t: Ctx) -> TestResult {
    let mut tenant = sandbox::Tenant::sample();
    tenant
        .app
        .consented_scopes
        .retain(|s| !s.eq_ignore_ascii_case("Mail.Send"));
    let own = sandbox::start(sandbox::Options {
        port: 0,
        tenant: sandbox::TenantSource::Parsed(Box::new(tenant)),
        dist: Some(t.setup.dist.clone()),
        log_requests: false,
        ..sandbox::Options::default()
    })
    .await
    .map_err(|e| format!("second sandbox: {e}"))?;
    let page = format!("{}/", own.page_origin());
    e2e::sign_in_as(&t.browser, &page, USER_ADMIN).await?;
    let text = wait_for_text(&t.browser, "#missing-permissions", "Mail.Send", 15).await?;
    ensure!(
        text.to_lowercase().contains("email"),
        "the notice does not say which feature is unavailable: {text:?}"
    );
    own.shutdown().await;
    Ok(())
}

/// Sign-out forgets the session and ends it at the authority, which sends the admin back to a
/// signed-out page.
pub async fn sign_out_forgets(t: Ctx) -> TestResult {
    t.sign_in_as(USER_ADMIN).await?;
    t.wait_for("#sign-out", 10).await?.click().await?;
    t.wait_for("#signed-out #sign-in", 20).await?;
    let log = get_json(t.port(), "/_sandbox/requests").await?;
    let ended = log["requests"].as_array().is_some_and(|rs| {
        rs.iter().any(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/oauth2/v2.0/logout"))
        })
    });
    ensure!(
        ended,
        "the session was not ended at the authority's logout endpoint"
    );
    let dump = storage_dump(&t).await?;
    ensure!(
        dump["session"].as_array().is_some_and(Vec::is_empty)
            && dump["local"].as_array().is_some_and(Vec::is_empty),
        "storage after sign-out: {dump}"
    );
    Ok(())
}
