//! Embedding in an intranet portal (issue 9): examples/portal.html on another loopback origin
//! frames the page; the page signs in by popup, takes the portal's prefill, and posts `ready`,
//! `signed-in` and `completed` (never a secret); messages from anyone else are ignored; a page
//! framed by an origin config.json does not allow refuses to run.

use std::time::Duration;

use e2e::page::{click, confirm_and_run, credentials, requests, set_value, value_of, wait_plan};
use e2e::portal::{example_portal, Portal};
use e2e::{ensure, fail, pick_account, wait_for, wait_for_text, Ctx, TestResult};
use fantoccini::Locator;
use serde_json::{json, Value};

const USER_ADMIN: &str = "uma.useradmin@contoso.onmicrosoft.com";
const ALEX: &str = "alex.wilber@contoso.onmicrosoft.com";

/// Back to the top document of the current window (WebDriver's Switch To Window resets the
/// browsing context to the window's top level).
async fn to_top(t: &Ctx) -> Result<(), String> {
    let w = t
        .browser
        .window()
        .await
        .map_err(|e| format!("the current window: {e}"))?;
    t.browser
        .switch_to_window(w)
        .await
        .map_err(|e| format!("back to the top document: {e}"))
}

/// Enters the Handover frame of the portal (from anywhere in the window).
async fn enter_handover(t: &Ctx) -> TestResult {
    to_top(t).await?;
    let frame = wait_for(&t.browser, "#handover", 10).await?;
    frame.enter_frame().await?;
    Ok(())
}

/// What the portal received from Handover so far (examples/portal.html keeps it).
async fn portal_events(t: &Ctx) -> Result<Vec<Value>, String> {
    to_top(t).await?;
    let v = t
        .browser
        .execute("return window.handoverEvents || [];", vec![])
        .await
        .map_err(|e| format!("read the portal's events: {e}"))?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

/// Waits until the portal received a message of type `kind`.
async fn wait_event(t: &Ctx, kind: &str, secs: u64) -> Result<Value, String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let events = portal_events(t).await?;
        if let Some(e) = events.iter().find(|e| e["type"] == kind) {
            return Ok(e.clone());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!(
                "the portal got no {kind:?} within {secs} s; it got {}",
                Value::Array(events)
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// In the framed page, signs in through the popup as `upn`; ends inside the frame.
async fn sign_in_by_popup(t: &Ctx, upn: &str) -> TestResult {
    let main_window = t.browser.window().await?;
    enter_handover(t).await?;
    wait_for(&t.browser, "#sign-in", 20).await?.click().await?;
    let mut popup = None;
    for _ in 0..100 {
        if let Some(w) = t
            .browser
            .windows()
            .await?
            .into_iter()
            .find(|w| *w != main_window)
        {
            popup = Some(w);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(popup) = popup else {
        fail!("no sign-in window opened");
    };
    t.browser.switch_to_window(popup).await?;
    pick_account(&t.browser, upn).await?;
    for _ in 0..100 {
        if t.browser.windows().await?.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    t.browser.switch_to_window(main_window).await?;
    enter_handover(t).await?;
    wait_for_text(&t.browser, "#admin-upn", upn, 20).await?;
    wait_for_text(&t.browser, "#admin-roles", "Administrator", 20).await?;
    Ok(())
}

/// The portal (examples/portal.html as shipped, pointed at the sandbox's page) fills in the
/// target and ticket; the framed page signs in by popup, runs the reset, and the portal gets
/// `ready`, `signed-in` with the admin's UPN and nothing else, and `completed` with the receipt,
/// in which neither the password the tenant now holds nor any token appears.
pub async fn portal_prefills_and_gets_receipt(t: Ctx) -> TestResult {
    let portal = Portal::start(&example_portal(&t.page_url())?).await?;
    t.sandbox.allow_parent_origins(vec![portal.origin()]);
    let before = credentials(t.port(), ALEX).await?;
    t.browser
        .goto(&format!("{}?user={ALEX}&ticket=INC-2077", portal.url()))
        .await?;
    let ready = wait_event(&t, "ready", 20).await?;
    ensure!(
        ready == json!({"handover": 1, "type": "ready"}),
        "ready is {ready}"
    );
    sign_in_by_popup(&t, USER_ADMIN).await?;
    // The prefill (sent on `ready`, before sign-in) waited for the workflow, then searched.
    ensure!(
        value_of(&t.browser, "#find-input").await? == ALEX,
        "the Find box holds {:?}",
        value_of(&t.browser, "#find-input").await?
    );
    click(
        &t.browser,
        &format!("#find-results li[data-upn=\"{ALEX}\"] button"),
    )
    .await?;
    ensure!(
        wait_plan(&t.browser).await? == "plan",
        "the review refused the reset"
    );
    let ticket = value_of(&t.browser, "#confirm-ticket").await?;
    ensure!(
        ticket == "INC-2077",
        "the ticket field holds {ticket:?}, not the portal's"
    );
    if value_of(&t.browser, "#email-to").await?.trim().is_empty() {
        set_value(&t.browser, "#email-to", "alex.wilber.home@example.net").await?;
    }
    confirm_and_run(&t, "INC-2077", None).await?;
    wait_for(&t.browser, "#receipt[data-reset='done']", 30).await?;

    let completed = wait_event(&t, "completed", 20).await?;
    let receipt = &completed["receipt"];
    ensure!(
        receipt["target"]["userPrincipalName"] == ALEX,
        "the receipt names {}",
        receipt["target"]
    );
    ensure!(
        receipt["ticket"] == "INC-2077",
        "the receipt's ticket is {}",
        receipt["ticket"]
    );
    ensure!(
        receipt["reset"]["state"] == "done",
        "the receipt's reset is {}",
        receipt["reset"]
    );
    let signed_in = wait_event(&t, "signed-in", 5).await?;
    ensure!(
        signed_in == json!({"handover": 1, "type": "signed-in", "admin": USER_ADMIN}),
        "signed-in carries more than the admin's UPN: {signed_in}"
    );
    let now = credentials(t.port(), ALEX).await?;
    let password = now["password"].as_str().unwrap_or_default().to_owned();
    ensure!(
        !password.is_empty() && now["password"] != before["password"],
        "the password did not change"
    );
    let everything = Value::Array(portal_events(&t).await?).to_string();
    ensure!(
        !everything.contains(&password),
        "the password the tenant now holds reached the portal"
    );
    for word in ["access_token", "refresh_token", "Bearer", "password\":\""] {
        ensure!(
            !everything.contains(word),
            "the portal's messages contain {word:?}: {everything}"
        );
    }
    let kinds: Vec<String> = portal_events(&t)
        .await?
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect();
    ensure!(
        kinds.first().map(String::as_str) == Some("ready")
            && kinds
                .iter()
                .all(|k| ["ready", "signed-in", "completed"].contains(&k.as_str())),
        "the portal got {kinds:?}"
    );
    drop(portal);
    Ok(())
}

/// A prefill from a sibling frame of an unknown origin, and one from a sibling frame of the
/// allowed origin (not the parent window), are both ignored; the parent's own prefill is taken.
pub async fn foreign_messages_ignored(t: Ctx) -> TestResult {
    let stranger = Portal::start("<!doctype html><title>Elsewhere</title><p>elsewhere</p>").await?;
    let html = example_portal(&t.page_url())?.replace(
        "</main>",
        &format!(
            "<iframe id=stranger src=\"{}\"></iframe>\
             <iframe id=sibling srcdoc=\"<p>same origin as the portal</p>\"></iframe></main>",
            stranger.url()
        ),
    );
    let portal = Portal::start(&html).await?;
    t.sandbox.allow_parent_origins(vec![portal.origin()]);
    t.browser.goto(&portal.url()).await?;
    wait_event(&t, "ready", 20).await?;
    sign_in_by_popup(&t, USER_ADMIN).await?;
    wait_for(&t.browser, "#find-input", 10).await?;
    // frames[0] is Handover (first in the portal's document).
    let post = "window.parent.frames[0].postMessage(\
        {handover: 1, type: 'prefill', user: arguments[0], ticket: 'FORGED'}, '*'); return true;";
    for (frame, user) in [
        ("#stranger", "gordon.gale@contoso.onmicrosoft.com"),
        ("#sibling", "fay.lindqvist@contoso.com"),
    ] {
        to_top(&t).await?;
        wait_for(&t.browser, frame, 10).await?.enter_frame().await?;
        t.browser
            .execute(post, vec![Value::String(user.into())])
            .await?;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    enter_handover(&t).await?;
    let find = value_of(&t.browser, "#find-input").await?;
    ensure!(
        find.is_empty(),
        "a message from outside the parent filled in {find:?}"
    );
    // The same message from the parent itself is taken (so the two above were really ignored,
    // not lost).
    to_top(&t).await?;
    set_value(&t.browser, "#user", ALEX).await?;
    t.browser
        .find(Locator::Css("#prefill button"))
        .await?
        .click()
        .await?;
    enter_handover(&t).await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let find = value_of(&t.browser, "#find-input").await?;
        if find == ALEX {
            break;
        }
        if std::time::Instant::now() > deadline {
            fail!("the parent's prefill did not arrive: the Find box holds {find:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for(
        &t.browser,
        &format!("#find-results li[data-upn=\"{ALEX}\"]"),
        20,
    )
    .await?;
    drop((portal, stranger));
    Ok(())
}

/// Framed by an origin config.json does not name, and framed by an allowed portal that is itself
/// framed by another site, the page says why it refuses and never reaches the authority or
/// Graph; the portal gets no message.
pub async fn refused_when_framed_by_others(t: Ctx) -> TestResult {
    let portal = Portal::start(&example_portal(&t.page_url())?).await?;
    t.browser.goto(&portal.url()).await?;
    enter_handover(&t).await?;
    let text = wait_for_text(&t.browser, "#framed-refused", &portal.origin(), 20).await?;
    ensure!(
        text.contains("allowedParentOrigins"),
        "the refusal does not say what to do: {text:?}"
    );
    ensure!(
        t.browser.find(Locator::Css("#sign-in")).await.is_err(),
        "a refused page still offers sign-in"
    );
    ensure!(
        portal_events(&t).await?.is_empty(),
        "a refused page posted to its parent"
    );

    // Now the portal is allowed, but a third site frames the portal.
    t.sandbox.allow_parent_origins(vec![portal.origin()]);
    let outer = Portal::start(&format!(
        "<!doctype html><title>Outer</title><iframe id=portal src=\"{}\" width=1200 height=850></iframe>",
        portal.url()
    ))
    .await?;
    t.browser.goto(&outer.url()).await?;
    to_top(&t).await?;
    wait_for(&t.browser, "#portal", 10)
        .await?
        .enter_frame()
        .await?;
    wait_for(&t.browser, "#handover", 10)
        .await?
        .enter_frame()
        .await?;
    wait_for_text(&t.browser, "#framed-refused", &outer.origin(), 20).await?;

    let reached: Vec<String> = requests(t.port())
        .await?
        .iter()
        .filter_map(|r| r["path"].as_str().map(str::to_owned))
        .filter(|p| {
            p.contains("/oauth2/") || p.contains("openid-configuration") || p.starts_with("/v1.0/")
        })
        .collect();
    ensure!(
        reached.is_empty(),
        "a refused page reached the authority or Graph: {reached:?}"
    );
    drop((outer, portal));
    Ok(())
}

/// The computed value of `prop` on the first element matching `css`.
async fn computed(t: &Ctx, css: &str, prop: &str) -> Result<String, String> {
    let v = t
        .browser
        .execute(
            "const e = document.querySelector(arguments[0]);\
             return e ? getComputedStyle(e).getPropertyValue(arguments[1]) : null;",
            vec![Value::String(css.into()), Value::String(prop.into())],
        )
        .await
        .map_err(|e| format!("computed {prop} of {css}: {e}"))?;
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{css} is not on the page"))
}

/// config.json's theme restyles the page under its CSP (`style-src 'self'`: the custom
/// properties go through the CSSOM): the accent and the text on it in light and in dark mode
/// (emulated through DevTools), the font, the name in the header and the title, and a `data:`
/// logo that loads.
pub async fn theme_from_config(t: Ctx) -> TestResult {
    let logo = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnIHdpZHRoPSc0MCcgaGVpZ2h0PScyMCc+PHJlY3Qgd2lkdGg9JzQwJyBoZWlnaHQ9JzIwJyBmaWxsPScjOGExNTM4Jy8+PC9zdmc+";
    t.sandbox.set_config(
        "theme",
        json!({
            "accent": "#8a1538",
            "accentDark": "#ffb3c1",
            "font": "Georgia, serif",
            "logoUrl": logo,
            "productName": "Contoso password reset",
        }),
    );
    e2e::cdp::emulate_media(&t.browser, "", Some("light")).await?;
    t.browser.goto(&t.page_url()).await?;
    wait_for(&t.browser, "#sign-in", 20).await?;
    let name = wait_for_text(&t.browser, "#product-name", "Contoso password reset", 10).await?;
    ensure!(name == "Contoso password reset", "the header says {name:?}");
    let title = t.browser.title().await?;
    ensure!(title == "Contoso password reset", "the title is {title:?}");
    let bg = computed(&t, "#sign-in", "background-color").await?;
    let fg = computed(&t, "#sign-in", "color").await?;
    ensure!(
        bg == "rgb(138, 21, 56)" && fg == "rgb(255, 255, 255)",
        "light mode: the sign-in button is {fg} on {bg}"
    );
    let font = computed(&t, "body", "font-family").await?;
    ensure!(font.starts_with("Georgia"), "the font is {font:?}");
    let width = t
        .browser
        .execute(
            "const i = document.getElementById('product-logo'); return i && i.complete ? i.naturalWidth : -1;",
            vec![],
        )
        .await?;
    ensure!(
        width == json!(40),
        "the data: logo did not load (natural width {width})"
    );
    e2e::cdp::emulate_media(&t.browser, "", Some("dark")).await?;
    let bg = computed(&t, "#sign-in", "background-color").await?;
    let fg = computed(&t, "#sign-in", "color").await?;
    ensure!(
        bg == "rgb(255, 179, 193)" && fg == "rgb(0, 0, 0)",
        "dark mode: the sign-in button is {fg} on {bg}"
    );
    // No style attribute was written (the CSP would have refused it); the properties are CSSOM.
    let attr = t
        .browser
        .execute(
            "return document.documentElement.style.getPropertyValue('--ho-theme-accent');",
            vec![],
        )
        .await?;
    ensure!(
        attr.as_str().map(str::trim) == Some("#8a1538"),
        "--ho-theme-accent on <html> is {attr}"
    );
    Ok(())
}

/// A theme config.json cannot use stops the page with the field named.
pub async fn bad_theme_explained(t: Ctx) -> TestResult {
    t.sandbox.set_config(
        "theme",
        json!({ "logoUrl": "https://cdn.example/logo.png" }),
    );
    t.browser.goto(&t.page_url()).await?;
    let text = wait_for_text(&t.browser, "#config-error", "theme.logoUrl", 20).await?;
    ensure!(
        text.contains("img-src 'self' data:"),
        "the error does not say why: {text:?}"
    );
    Ok(())
}
