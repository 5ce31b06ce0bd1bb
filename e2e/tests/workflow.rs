//! The reset-and-welcome workflow (issue 6) against the sandbox tenant, the admin's way: through
//! the visible page, checked against the sandbox's outbox, request log and credential state.

use std::path::PathBuf;

use e2e::page::{
    attr_of, body_of, carries, click, confirm_and_run, credentials, exists, find_and_pick,
    graph_writes, messages, outbox, page_html, plan_path, requests, set_value, tenant_password,
    text_of, to_of, value_of, wait_plan,
};
use e2e::{ensure, fail, wait_for, wait_for_text, Ctx, TestResult};
use serde_json::Value;

const USER_ADMIN: &str = "uma.useradmin@contoso.onmicrosoft.com";
const PRIV_AUTH_ADMIN: &str = "priya.pam@contoso.onmicrosoft.com";
const AUTH_ADMIN: &str = "aaron.auth@contoso.onmicrosoft.com";
const HELPDESK_ADMIN: &str = "hana.helpdesk@contoso.onmicrosoft.com";
const NO_MAILBOX_ADMIN: &str = "noel.nomailbox@contoso.onmicrosoft.com";

const ALEX: &str = "alex.wilber@contoso.onmicrosoft.com";
const ALEX_HOME: &str = "alex.wilber.home@example.net";
const GORDON_GA: &str = "gordon.gale@contoso.onmicrosoft.com";
const FAY_SYNCED: &str = "fay.lindqvist@contoso.com";
const GARY_GUEST: &str = "gary_fabrikam.example#EXT#@contoso.onmicrosoft.com";
const HTML_NAMED: &str = "html.name@contoso.onmicrosoft.com";
const HTML_NAME: &str = "<img src=x onerror=alert(1)>";
const SEAN: &str = "sean.o'brien@contoso.onmicrosoft.com";

/// Signs in and waits until the admin's roles were read (the plan needs them).
async fn sign_in(t: &Ctx, upn: &str) -> TestResult {
    t.sign_in_as(upn).await?;
    wait_for_text(&t.browser, "#admin-roles", "Administrator", 20).await?;
    Ok(())
}

/// `s` as it appears in serialized HTML text.
fn html_escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn password_of(t: &Ctx, upn: &str) -> Result<String, String> {
    tenant_password(t.port(), upn).await
}

/// Makes sure the recipient field holds an address (targets without otherMails).
async fn ensure_recipient(t: &Ctx, fallback: &str) -> TestResult {
    if value_of(&t.browser, "#email-to").await?.trim().is_empty() {
        set_value(&t.browser, "#email-to", fallback).await?;
    }
    Ok(())
}

async fn screenshot(t: &Ctx, css: &str, name: &str) -> TestResult {
    let _ = t
        .browser
        .execute(
            "const e = document.querySelector(arguments[0]); if (e) { e.scrollIntoView({block: 'start'}); }",
            vec![Value::String(css.to_owned())],
        )
        .await;
    let png = t.browser.screenshot().await?;
    // The README's pictures are refreshed only on request, so a test run leaves the tree as it was.
    let dir = if std::env::var_os("HANDOVER_UPDATE_SCREENSHOTS").is_some() {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots")
    };
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), png)?;
    Ok(())
}

/// A User Administrator resets a plain cloud user: one email to the alternate address carrying
/// exactly the password the tenant now holds, change forced at next sign-in, nothing in Sent
/// Items, and a receipt with Graph's request ids and no password anywhere on the page.
pub async fn user_admin_resets_cloud_user(t: Ctx) -> TestResult {
    sign_in(&t, USER_ADMIN).await?;
    let before = password_of(&t, ALEX).await?;
    // A display-name search ("Alex"), not the exact UPN.
    find_and_pick(&t, "Alex", ALEX).await?;
    ensure!(
        wait_plan(&t.browser).await? == "plan",
        "refused: {}",
        text_of(&t.browser, "#refusal").await
    );
    let path = plan_path(&t.browser).await?;
    ensure!(
        path == "standard",
        "the plan is {path}, not the standard path"
    );
    let to = value_of(&t.browser, "#email-to").await?;
    ensure!(to == ALEX_HOME, "the recipient was prefilled with {to:?}");
    ensure!(
        attr_of(&t.browser, "#email-preview", "sandbox")
            .await?
            .is_empty(),
        "the preview iframe is not fully sandboxed"
    );
    let save = t
        .browser
        .execute(
            "return document.querySelector('#email-save-sent').checked;",
            vec![],
        )
        .await?;
    ensure!(save == Value::Bool(false), "Save to Sent Items starts on");
    set_value(&t.browser, "#confirm-ticket", "INC-1042").await?;
    screenshot(&t, "#review-card", "review.png").await?;
    screenshot(&t, "#email", "email.png").await?;
    confirm_and_run(&t, "INC-1042", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent']",
        30,
    )
    .await?;

    let now = credentials(t.port(), ALEX).await?;
    let password = now["password"].as_str().unwrap_or_default().to_owned();
    ensure!(
        !password.is_empty() && password != before,
        "the password did not change"
    );
    ensure!(
        now["forceChangePasswordNextSignIn"] == Value::Bool(true),
        "forceChangePasswordNextSignIn is {}",
        now["forceChangePasswordNextSignIn"]
    );
    let box_ = outbox(t.port()).await?;
    let sent = box_["messages"].as_array().cloned().unwrap_or_default();
    ensure!(sent.len() == 1, "{} messages in the outbox", sent.len());
    ensure!(
        to_of(&sent[0]) == [ALEX_HOME],
        "the email went to {:?}",
        to_of(&sent[0])
    );
    ensure!(
        carries(&sent[0], &password),
        "the email does not carry the password the tenant holds"
    );
    ensure!(
        sent[0]["saveToSentItems"] == Value::Bool(false),
        "saveToSentItems was {}",
        sent[0]["saveToSentItems"]
    );
    let sent_items = box_["sentItems"][USER_ADMIN].as_array().map_or(0, Vec::len);
    ensure!(
        sent_items == 0,
        "{sent_items} copies in the admin's Sent Items"
    );
    // One click ran it once: exactly one PATCH and one sendMail.
    let writes = graph_writes(t.port()).await?;
    ensure!(
        writes.iter().filter(|w| w.starts_with("PATCH")).count() == 1
            && writes.iter().filter(|w| w.contains("sendMail")).count() == 1,
        "writes: {writes:?}"
    );
    // The receipt lists Graph's request ids (the ones the sandbox logged) and no password.
    let ids = text_of(&t.browser, "#receipt-request-ids").await;
    // The runner sent reset and email in one $batch: the receipt names the client-request-id
    // Handover sent with it (as the sandbox logged it) and the request-id Graph answered.
    let batch_ids: Vec<String> = requests(t.port())
        .await?
        .iter()
        .filter(|r| r["path"] == "/v1.0/$batch")
        .filter(|r| {
            r["inner"]
                .as_array()
                .is_some_and(|i| i.iter().any(|p| p["method"] == "PATCH"))
        })
        .filter_map(|r| {
            r["headers"]["client-request-id"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    ensure!(
        batch_ids.len() == 1 && ids.contains(&batch_ids[0]),
        "the receipt's ids ({ids:?}) do not name the request the sandbox saw ({batch_ids:?})"
    );
    ensure!(
        ids.matches("request-id").count() >= 4,
        "the receipt lacks request ids: {ids:?}"
    );
    ensure!(
        !ids.contains("not readable"),
        "some request ids are missing: {ids:?}"
    );
    ensure!(
        text_of(&t.browser, "#receipt-ticket").await == "INC-1042",
        "the ticket is not on the receipt"
    );
    let html = page_html(&t.browser).await?;
    ensure!(
        !html.contains(&password) && !html.contains(&html_escaped(&password)),
        "the password is still on the page after a delivered email"
    );
    let href = attr_of(&t.browser, "#receipt-download", "href").await?;
    ensure!(
        href.starts_with("data:application/json") && !href.contains(&password),
        "the downloadable receipt is wrong or holds the password"
    );
    screenshot(&t, "#run", "receipt.png").await?;
    // Reset another user: back to an empty Find, no trace of the run.
    click(&t.browser, "#reset-another").await?;
    wait_for(&t.browser, "#find-input", 10).await?;
    ensure!(
        !exists(&t.browser, "#receipt").await,
        "the receipt stayed after Reset another user"
    );
    Ok(())
}

/// A Privileged Authentication Administrator resets a Global Administrator through the
/// Authentication Methods API; the operation is polled to succeeded before the email goes.
pub async fn pam_resets_global_admin(t: Ctx) -> TestResult {
    sign_in(&t, PRIV_AUTH_ADMIN).await?;
    find_and_pick(&t, GORDON_GA, GORDON_GA).await?;
    ensure!(
        wait_plan(&t.browser).await? == "plan",
        "refused: {}",
        text_of(&t.browser, "#refusal").await
    );
    let path = plan_path(&t.browser).await?;
    ensure!(path == "authentication-methods", "the plan is {path}");
    ensure!(
        exists(&t.browser, "#review-privileged").await,
        "a Global Administrator is not marked privileged"
    );
    ensure_recipient(&t, "gordon.home@example.net").await?;
    // Without the UPN typed, the run stays off.
    set_value(&t.browser, "#confirm-ticket", "CHG-7").await?;
    let enabled = wait_for(&t.browser, "#confirm-run", 10)
        .await?
        .is_enabled()
        .await?;
    ensure!(
        !enabled,
        "a privileged reset could run without typing the UPN"
    );
    confirm_and_run(&t, "CHG-7", Some(GORDON_GA)).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent']",
        60,
    )
    .await?;

    // In the log: resetPassword, then polls of the operation, then (only then) sendMail.
    let mut order = Vec::new();
    for r in requests(t.port()).await? {
        let parts: Vec<Value> = if r["path"] == "/v1.0/$batch" {
            r["inner"].as_array().cloned().unwrap_or_default()
        } else {
            vec![r.clone()]
        };
        for p in parts {
            let path = p["path"].as_str().unwrap_or_default();
            if path.ends_with("/resetPassword") {
                order.push("reset");
            } else if path.contains("/authentication/operations/") {
                order.push("poll");
            } else if path.ends_with("/sendMail") {
                order.push("mail");
            }
        }
    }
    let mail_at = order.iter().position(|x| *x == "mail");
    let polls_before = order
        .iter()
        .take(mail_at.unwrap_or(0))
        .filter(|x| **x == "poll")
        .count();
    ensure!(
        order.first() == Some(&"reset") && mail_at.is_some() && polls_before >= 3,
        "expected resetPassword, three polls (notStarted, running, succeeded), then sendMail: {order:?}"
    );
    ensure!(
        order.iter().filter(|x| **x == "mail").count() == 1,
        "sendMail more than once: {order:?}"
    );
    let steps = text_of(&t.browser, "#run-steps").await;
    ensure!(
        exists(
            &t.browser,
            "#run-steps li[data-step='WaitForOperation'][data-state='succeeded']"
        )
        .await,
        "the wait for the operation is not shown as succeeded: {steps:?}"
    );
    let password = password_of(&t, GORDON_GA).await?;
    let sent = messages(t.port()).await?;
    ensure!(
        sent.len() == 1 && carries(&sent[0], &password),
        "the email does not carry the new password ({} messages)",
        sent.len()
    );
    let c = credentials(t.port(), GORDON_GA).await?;
    ensure!(
        c["forceChangePasswordNextSignIn"] == Value::Bool(true),
        "change at next sign-in not set"
    );
    Ok(())
}

/// A Helpdesk Administrator and a Global Administrator target: refused at Review, naming the
/// role that can; nothing written.
pub async fn helpdesk_refused_for_global_admin(t: Ctx) -> TestResult {
    sign_in(&t, HELPDESK_ADMIN).await?;
    find_and_pick(&t, GORDON_GA, GORDON_GA).await?;
    ensure!(
        wait_plan(&t.browser).await? == "refusal",
        "no refusal: the plan says {}",
        text_of(&t.browser, "#plan").await
    );
    let text = text_of(&t.browser, "#refusal").await;
    ensure!(
        text.contains("Helpdesk Administrator")
            && text.contains("Privileged Authentication Administrator"),
        "the refusal does not name the admin's role and the role that can: {text:?}"
    );
    ensure!(
        !exists(&t.browser, "#confirm-run").await && !exists(&t.browser, "#credential").await,
        "the page offers to go on after a refusal"
    );
    let writes = graph_writes(t.port()).await?;
    ensure!(writes.is_empty(), "writes after a refusal: {writes:?}");
    Ok(())
}

/// A synced user whose password writeback fails: the operation ends failed, no email goes, and
/// the page says why.
pub async fn synced_writeback_failure(t: Ctx) -> TestResult {
    sign_in(&t, AUTH_ADMIN).await?;
    let before = password_of(&t, FAY_SYNCED).await?;
    find_and_pick(&t, FAY_SYNCED, FAY_SYNCED).await?;
    ensure!(
        wait_plan(&t.browser).await? == "plan",
        "refused: {}",
        text_of(&t.browser, "#refusal").await
    );
    let path = plan_path(&t.browser).await?;
    ensure!(
        path == "authentication-methods",
        "a synced user goes by {path}"
    );
    let warnings = text_of(&t.browser, "#plan-warnings").await;
    ensure!(
        warnings.contains("writeback"),
        "no writeback warning: {warnings:?}"
    );
    ensure_recipient(&t, "fay.home@example.net").await?;
    confirm_and_run(&t, "INC-77", None).await?;
    wait_for(&t.browser, "#receipt[data-reset='failed']", 60).await?;
    let why = text_of(&t.browser, "#reset-failed").await;
    ensure!(
        why.to_lowercase().contains("writeback") || why.to_lowercase().contains("on-premises"),
        "the page does not say why: {why:?}"
    );
    ensure!(
        messages(t.port()).await?.is_empty(),
        "an email went after a failed reset"
    );
    ensure!(
        password_of(&t, FAY_SYNCED).await? == before,
        "the password changed although the operation failed"
    );
    let email = attr_of(&t.browser, "#receipt", "data-email").await?;
    ensure!(email == "notSent", "the receipt says the email is {email}");
    Ok(())
}

/// A guest is refused at Review (their password lives in their home tenant).
pub async fn guest_refused(t: Ctx) -> TestResult {
    sign_in(&t, USER_ADMIN).await?;
    find_and_pick(&t, "Gary", GARY_GUEST).await?;
    ensure!(
        wait_plan(&t.browser).await? == "refusal",
        "a guest was not refused"
    );
    let text = text_of(&t.browser, "#refusal").await;
    ensure!(
        text.contains("guest") && text.contains("home"),
        "the refusal does not explain: {text:?}"
    );
    ensure!(
        text_of(&t.browser, "#review-type").await.contains("Guest"),
        "the card does not say guest"
    );
    let writes = graph_writes(t.port()).await?;
    ensure!(writes.is_empty(), "writes for a guest: {writes:?}");
    Ok(())
}

/// A Temporary Access Pass run: the email carries the pass the tenant created; the password is
/// unchanged.
pub async fn tap_run(t: Ctx) -> TestResult {
    sign_in(&t, AUTH_ADMIN).await?;
    let before = password_of(&t, ALEX).await?;
    find_and_pick(&t, ALEX, ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "refused");
    click(&t.browser, "#mode-tap").await?;
    wait_for(&t.browser, "#tap-lifetime", 10).await?;
    wait_for(&t.browser, "#plan[data-path='temporary-access-pass']", 10).await?;
    set_value(&t.browser, "#tap-lifetime", "120").await?;
    confirm_and_run(&t, "INC-9", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent']",
        60,
    )
    .await?;
    let c = credentials(t.port(), ALEX).await?;
    let taps = c["temporaryAccessPasses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(pass) = taps.first().and_then(|p| p["temporaryAccessPass"].as_str()) else {
        fail!("no pass was created: {c}");
    };
    ensure!(
        taps[0]["lifetimeInMinutes"] == 120,
        "the lifetime chosen was not sent: {}",
        taps[0]
    );
    let sent = messages(t.port()).await?;
    ensure!(
        sent.len() == 1 && carries(&sent[0], pass),
        "the email does not carry the pass"
    );
    ensure!(
        c["password"].as_str() == Some(before.as_str()),
        "the password changed on a TAP run"
    );
    let html = page_html(&t.browser).await?;
    ensure!(
        !html.contains(pass) && !html.contains(&html_escaped(pass)),
        "the pass is still on the page after delivery"
    );
    Ok(())
}

/// The mailbox-less User Administrator: the reset succeeds, sendMail fails with
/// MailboxNotEnabledForRESTAPI; the page explains it and shows the password with copy and
/// print, and offers retry sending.
pub async fn mailboxless_admin_gets_password_shown(t: Ctx) -> TestResult {
    sign_in(&t, NO_MAILBOX_ADMIN).await?;
    find_and_pick(&t, ALEX, ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "refused");
    confirm_and_run(&t, "INC-3", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='failed']",
        30,
    )
    .await?;
    let why = text_of(&t.browser, "#email-failed").await;
    ensure!(
        why.contains("mailbox"),
        "the failure is not explained: {why:?}"
    );
    let shown = text_of(&t.browser, "#handover-credential").await;
    let password = password_of(&t, ALEX).await?;
    ensure!(
        shown == password,
        "the page shows {} characters, not the password the tenant holds",
        shown.len()
    );
    for id in ["#copy-credential", "#print-credential", "#retry-send"] {
        ensure!(exists(&t.browser, id).await, "{id} is missing");
    }
    ensure!(messages(t.port()).await?.is_empty(), "a message was sent");
    // Retrying fails the same way and keeps everything on screen.
    click(&t.browser, "#retry-send").await?;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    wait_for(&t.browser, "#retry-send:not([disabled])", 20).await?;
    ensure!(
        text_of(&t.browser, "#handover-credential").await == password,
        "the password left the screen after a failed retry"
    );
    let sends = graph_writes(t.port())
        .await?
        .into_iter()
        .filter(|w| w.contains("sendMail"))
        .count();
    ensure!(
        sends == 2,
        "{sends} sendMail attempts (expected the run's and the retry's)"
    );
    Ok(())
}

/// The HTML-named user: nothing executes in the page or in the email, and the name reads as
/// typed.
pub async fn html_named_user_is_inert(t: Ctx) -> TestResult {
    sign_in(&t, USER_ADMIN).await?;
    find_and_pick(&t, HTML_NAMED, HTML_NAMED).await?;
    let name = text_of(&t.browser, "#review-name").await;
    ensure!(name == HTML_NAME, "the name reads {name:?}");
    let imgs = t
        .browser
        .execute("return document.querySelectorAll('img').length;", vec![])
        .await?;
    ensure!(
        imgs == 0,
        "the name became {imgs} img element(s) in the page"
    );
    ensure!(wait_plan(&t.browser).await? == "plan", "refused");
    ensure_recipient(&t, "html.home@example.net").await?;
    confirm_and_run(&t, "INC-5", None).await?;
    wait_for(&t.browser, "#receipt[data-email='sent']", 30).await?;
    ensure!(
        t.browser.get_alert_text().await.is_err(),
        "an alert opened in the page"
    );
    let sent = messages(t.port()).await?;
    ensure!(sent.len() == 1, "{} messages", sent.len());
    let body = body_of(&sent[0]);
    ensure!(
        !body.contains("<img") && body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the name is not escaped in the email body"
    );
    let subject = sent[0]["subject"].as_str().unwrap_or_default();
    ensure!(
        subject.ends_with(HTML_NAME),
        "the subject does not read as typed: {subject:?}"
    );
    // Open the email as the sandbox's outbox shows it: nothing runs there either.
    t.browser
        .goto(&format!("{}/_sandbox/outbox", t.sandbox.page_origin()))
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    ensure!(
        t.browser.get_alert_text().await.is_err(),
        "an alert opened in the outbox"
    );
    Ok(())
}

/// After every access token expired, Find still works: the page renewed the token with the
/// refresh token, unnoticed. (An apostrophe in the UPN is looked up exactly.)
pub async fn find_after_token_expiry(t: Ctx) -> TestResult {
    sign_in(&t, USER_ADMIN).await?;
    let before = requests(t.port()).await?.len();
    e2e::page::expire_tokens(t.port()).await?;
    find_and_pick(&t, SEAN, SEAN).await?;
    let log = requests(t.port()).await?;
    let refreshed = log.iter().skip(before).any(|r| {
        r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/oauth2/v2.0/token"))
            && r["body"].to_string().contains("refresh_token")
            && r["body"].to_string().contains("grant_type")
    });
    ensure!(refreshed, "no refresh_token grant after the tokens expired");
    ensure!(
        !exists(&t.browser, "#session-ended").await && !exists(&t.browser, "#find-failed").await,
        "the admin noticed: {}",
        text_of(&t.browser, "#workflow").await
    );
    Ok(())
}

/// Find says plainly when nothing matches, when many match, and when the lookup failed.
pub async fn find_states_said_plainly(t: Ctx) -> TestResult {
    sign_in(&t, USER_ADMIN).await?;
    let input = wait_for(&t.browser, "#find-input", 20).await?;
    input.send_keys("Zebediah Nobody").await?;
    let none = wait_for_text(&t.browser, "#find-none", "No user matches", 20).await?;
    ensure!(
        none.contains("Zebediah Nobody"),
        "the no-match message does not quote the search: {none:?}"
    );
    set_value(&t.browser, "#find-input", "a").await?;
    let many = wait_for_text(&t.browser, "#find-count", "users match", 20).await?;
    let listed = t
        .browser
        .execute(
            "return document.querySelectorAll('#find-results li').length;",
            vec![],
        )
        .await?;
    ensure!(
        listed.as_u64().is_some_and(|n| n > 1),
        "{many:?} but {listed} listed"
    );
    // Every user query now refused: the lookup failed, and the page says so.
    e2e::control::post_json(
        t.port(),
        "/_sandbox/faults",
        &serde_json::json!({"method": "GET", "path": "/v1.0/users", "status": 403,
            "code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}),
    )
    .await?;
    set_value(&t.browser, "#find-input", "Megan").await?;
    let failed = wait_for_text(&t.browser, "#find-failed", "search failed", 30).await?;
    ensure!(
        !exists(&t.browser, "#find-none").await,
        "a failed lookup was reported as no match: {failed:?}"
    );
    Ok(())
}

const GLOBAL_ADMIN: &str = "ada.admin@contoso.onmicrosoft.com";

/// The receipt's downloadable JSON, decoded from the link's `data:` URL.
async fn receipt_json(t: &Ctx) -> Result<Value, String> {
    let text = t
        .browser
        .execute(
            "const h = document.querySelector('#receipt-download').getAttribute('href'); \
             return decodeURIComponent(h.slice(h.indexOf(',') + 1));",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_str(text.as_str().unwrap_or_default())
        .map_err(|e| format!("the receipt is not JSON: {e}"))
}

/// Signs in as `admin`, resets Alex by the standard path and waits for the receipt.
async fn standard_reset_of_alex(t: &Ctx, admin: &str, ticket: &str) -> TestResult {
    sign_in(t, admin).await?;
    find_and_pick(t, "Alex", ALEX).await?;
    ensure!(
        wait_plan(&t.browser).await? == "plan",
        "refused: {}",
        text_of(&t.browser, "#refusal").await
    );
    let path = plan_path(&t.browser).await?;
    ensure!(
        path == "standard",
        "the plan is {path}, not the standard path"
    );
    if value_of(&t.browser, "#email-to").await?.trim().is_empty() {
        set_value(&t.browser, "#email-to", ALEX_HOME).await?;
    }
    confirm_and_run(t, ticket, None).await?;
    wait_for(&t.browser, "#receipt[data-reset='done']", 60).await?;
    Ok(())
}

/// Graph GETs of `auditLogs/directoryAudits` the sandbox has seen.
async fn audit_reads(t: &Ctx) -> Result<usize, String> {
    Ok(requests(t.port())
        .await?
        .iter()
        .filter(|r| {
            r["method"] == "GET"
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("/auditLogs/directoryAudits"))
        })
        .count())
}

/// A Global Administrator whose sign-in asks for AuditLog.Read.All (config.json `scopes`) resets
/// Alex, then "Find Entra's audit entry" links the sandbox's "Reset user password" entry into
/// the receipt (id and correlationId as the sandbox recorded them) and into its JSON, with one GET
/// sent only on the click.
pub async fn receipt_links_entra_audit_entry(t: Ctx) -> TestResult {
    t.sandbox.set_config(
        "scopes",
        serde_json::json!([
            "User.Read.All",
            "User.ReadWrite.All",
            "UserAuthenticationMethod.ReadWrite.All",
            "Mail.Send",
            "Directory.Read.All",
            "RoleEligibilitySchedule.Read.Directory",
            "AuditLog.Read.All"
        ]),
    );
    standard_reset_of_alex(&t, GLOBAL_ADMIN, "INC-3030").await?;
    ensure!(
        audit_reads(&t).await? == 0,
        "the audit log was read before the button was clicked"
    );
    ensure!(
        receipt_json(&t).await?.get("entraAudit").is_none(),
        "the receipt has entraAudit before any lookup"
    );
    click(&t.browser, "#find-entra-audit").await?;
    wait_for(&t.browser, "#entra-audit", 30).await?;
    ensure!(
        audit_reads(&t).await? == 1,
        "{} audit reads for one click",
        audit_reads(&t).await?
    );
    let audits = e2e::control::get_json(t.port(), "/_sandbox/audits").await?;
    let entry = audits["audits"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .find(|a| {
            a["activityDisplayName"] == "Reset user password"
                && a["targetResources"][0]["userPrincipalName"] == ALEX
        })
        .cloned()
        .ok_or_else(|| format!("the sandbox recorded no reset of Alex: {audits}"))?;
    let id = entry["id"].as_str().unwrap_or_default().to_owned();
    let correlation = entry["correlationId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        !id.is_empty() && !correlation.is_empty(),
        "the entry has no id or correlationId: {entry}"
    );
    let shown_id = text_of(&t.browser, "#entra-audit-id").await;
    let shown_corr = text_of(&t.browser, "#entra-audit-correlation").await;
    ensure!(
        shown_id == id,
        "the receipt shows id {shown_id:?}, the sandbox recorded {id:?}"
    );
    ensure!(
        shown_corr == correlation,
        "the receipt shows correlationId {shown_corr:?}, the sandbox recorded {correlation:?}"
    );
    let activity = text_of(&t.browser, "#entra-audit-activity").await;
    ensure!(
        activity.starts_with("Reset user password"),
        "activity shown: {activity:?}"
    );
    let result = text_of(&t.browser, "#entra-audit-result").await;
    ensure!(result == "success", "result shown: {result:?}");
    let json = receipt_json(&t).await?;
    ensure!(
        json["entraAudit"]["id"] == id.as_str()
            && json["entraAudit"]["correlationId"] == correlation.as_str(),
        "the receipt JSON's entraAudit is {}",
        json["entraAudit"]
    );
    // The filter the page sent names the target by the id the sandbox's entry is about.
    let target_id = entry["targetResources"][0]["id"]
        .as_str()
        .unwrap_or_default();
    let filter = requests(t.port())
        .await?
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/auditLogs/directoryAudits"))
        })
        .flat_map(|r| r["query"].as_array().cloned().unwrap_or_default())
        .find(|kv| kv[0] == "$filter")
        .and_then(|kv| kv[1].as_str().map(str::to_owned))
        .unwrap_or_default();
    ensure!(
        !target_id.is_empty()
            && filter.contains(&format!("targetResources/any(t: t/id eq '{target_id}')"))
            && filter.contains("activityDisplayName eq 'Reset user password'")
            && filter.contains("activityDateTime ge "),
        "the lookup's $filter is {filter:?}"
    );
    screenshot(&t, "#receipt", "receipt-entra-audit.png").await?;
    Ok(())
}

/// A User Administrator signed in with the default permissions (no AuditLog.Read.All) clicks
/// "Find Entra's audit entry": Graph answers 403 and the page says what is needed and how to get
/// it; the receipt JSON gains nothing.
pub async fn audit_lookup_without_permission_explained(t: Ctx) -> TestResult {
    standard_reset_of_alex(&t, USER_ADMIN, "INC-3031").await?;
    click(&t.browser, "#find-entra-audit").await?;
    wait_for(&t.browser, "#entra-audit-note", 30).await?;
    let note = text_of(&t.browser, "#entra-audit-note").await;
    ensure!(
        note.starts_with("Reading the audit log needs AuditLog.Read.All (and a role such as Reports Reader or Security Reader)")
            && note.contains("config.json")
            && note.contains("grant consent"),
        "the 403 explanation is {note:?}"
    );
    ensure!(
        audit_reads(&t).await? == 1,
        "{} audit reads for one click",
        audit_reads(&t).await?
    );
    ensure!(
        !exists(&t.browser, "#entra-audit").await
            && receipt_json(&t).await?.get("entraAudit").is_none(),
        "an entry was linked although the read was refused"
    );
    Ok(())
}
