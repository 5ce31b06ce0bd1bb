//! The sheet printed for the user (issue 9): with print media emulated through DevTools, the
//! sheet shows the user's name, username, the password the tenant now holds and how to sign in,
//! and nothing else on the page is visible.

use std::path::PathBuf;

use e2e::page::{click, confirm_and_run, find_and_pick, tenant_password, wait_plan};
use e2e::{ensure, wait_for, wait_for_text, Ctx, TestResult};
use serde_json::Value;

const USER_ADMIN: &str = "uma.useradmin@contoso.onmicrosoft.com";
const ALEX: &str = "alex.wilber@contoso.onmicrosoft.com";

/// Elements a reader could see: visible, with a box, and not the sheet or inside it (nor one
/// of its ancestors, which hold it without showing anything of their own).
const VISIBLE_OUTSIDE: &str = "const sheet = document.getElementById('print-sheet');\
    return [...document.body.querySelectorAll('*')].filter(e => {\
      const s = getComputedStyle(e);\
      return s.visibility === 'visible' && s.display !== 'none' && e.getClientRects().length > 0\
        && !sheet.contains(e) && !e.contains(sheet);\
    }).map(e => e.tagName + (e.id ? '#' + e.id : ''));";

pub async fn sheet_alone_on_paper(t: Ctx) -> TestResult {
    t.sign_in_as(USER_ADMIN).await?;
    wait_for_text(&t.browser, "#admin-roles", "Administrator", 20).await?;
    find_and_pick(&t, "Alex", ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "the review refused");
    // No email: the credential stays on screen, to hand over on paper.
    click(&t.browser, "#email-send").await?;
    wait_for(&t.browser, "#email-off", 10).await?;
    confirm_and_run(&t, "INC-PRINT", None).await?;
    wait_for(&t.browser, "#receipt[data-reset='done']", 30).await?;
    let label = wait_for(&t.browser, "#print-credential", 10)
        .await?
        .text()
        .await?;
    ensure!(
        label == "Print for the user",
        "the print button says {label:?}"
    );
    let password = tenant_password(t.port(), ALEX).await?;

    // On screen the sheet is not shown.
    let on_screen = t
        .browser
        .execute(
            "return getComputedStyle(document.getElementById('print-sheet')).display;",
            vec![],
        )
        .await?;
    ensure!(
        on_screen == "none",
        "the print sheet shows on screen ({on_screen})"
    );

    e2e::cdp::emulate_media(&t.browser, "print", None).await?;
    let sheet = t
        .browser
        .find(fantoccini::Locator::Css("#print-sheet"))
        .await?;
    let text = sheet.text().await?;
    for (what, needle) in [
        ("name", "Alex Wilber"),
        ("username", ALEX),
        ("password", password.as_str()),
        ("where to sign in", "https://www.office.com"),
        ("the change at first sign-in", "Choose a new password"),
    ] {
        ensure!(
            text.contains(needle),
            "the printed sheet lacks the {what}: {text:?}"
        );
    }
    for absent in ["INC-PRINT", USER_ADMIN, "request"] {
        ensure!(
            !text.contains(absent),
            "the printed sheet shows admin details ({absent:?})"
        );
    }
    let outside = t.browser.execute(VISIBLE_OUTSIDE, vec![]).await?;
    ensure!(
        outside.as_array().is_some_and(Vec::is_empty),
        "in print, these are visible besides the sheet: {outside}"
    );
    // The hidden page takes no room (no blank pages after the sheet).
    let heights = t
        .browser
        .execute(
            "return [document.documentElement.scrollHeight,\
                     Math.ceil(document.getElementById('print-sheet').getBoundingClientRect().bottom)];",
            vec![],
        )
        .await?;
    let (page, sheet_bottom) = (
        heights[0].as_f64().unwrap_or(0.0),
        heights[1].as_f64().unwrap_or(0.0),
    );
    ensure!(
        sheet_bottom > 0.0 && page <= sheet_bottom.max(900.0) + 1.0,
        "in print the page is {page} px high but the sheet ends at {sheet_bottom} px"
    );
    let png = t.browser.screenshot().await?;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("print-sheet.png"), png)?;

    // Back on screen, the page is as it was.
    e2e::cdp::emulate_media(&t.browser, "", None).await?;
    let outside = t.browser.execute(VISIBLE_OUTSIDE, vec![]).await?;
    ensure!(
        outside
            .as_array()
            .is_some_and(|v| v.contains(&Value::String("SECTION#receipt".into()))),
        "the receipt is not visible on screen again: {outside}"
    );
    Ok(())
}
