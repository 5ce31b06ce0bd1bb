//! Runs through the page with the sandbox injecting faults (issue 7): throttling storms,
//! unavailability, latency, an access token that expires mid-run, and failures that outlast the
//! retries. Each is checked against the sandbox's outbox, credential state and request log:
//! exactly one email, carrying the password the tenant holds; the reset applied once (a repeated
//! PATCH only before any success, and always with the same password); and, when Graph never
//! recovers, nothing sent twice and only the safe next step offered.

use std::time::Duration;

use e2e::control::post_json;
use e2e::page::{
    carries, click, exists, find_and_pick, messages, plan_path, requests, set_value,
    tenant_password, text_of, to_of, wait_enabled, wait_plan,
};
use e2e::{ensure, fail, wait_for, wait_for_text, Ctx, TestResult};
use serde_json::{json, Value};

const USER_ADMIN: &str = "uma.useradmin@contoso.onmicrosoft.com";
const ALEX: &str = "alex.wilber@contoso.onmicrosoft.com";
const ALEX_HOME: &str = "alex.wilber.home@example.net";

/// Every matching PATCH of a user (the reset), inner `$batch` requests included.
const RESET_PATH: &str = "/v1.0/users/*";
/// Every sendMail, from the admin's own mailbox or another.
const SEND_MAIL_PATH: &str = "/v1.0/*sendMail";

async fn fault(t: &Ctx, fault: Value) -> TestResult {
    post_json(t.port(), "/_sandbox/faults", &fault).await?;
    Ok(())
}

async fn sandbox_password(t: &Ctx, upn: &str) -> Result<String, String> {
    tenant_password(t.port(), upn).await
}

/// Signs in as a User Administrator and brings Alex to Review with the standard plan; returns
/// Alex's password before the run.
async fn review_alex(t: &Ctx) -> Result<String, String> {
    t.sign_in_as(USER_ADMIN).await?;
    wait_for_text(&t.browser, "#admin-roles", "Administrator", 20).await?;
    let before = sandbox_password(t, ALEX).await?;
    find_and_pick(t, "Alex", ALEX).await?;
    if wait_plan(&t.browser).await? != "plan" {
        return Err(format!(
            "refused: {}",
            text_of(&t.browser, "#refusal").await
        ));
    }
    let path = plan_path(&t.browser).await?;
    if path != "standard" {
        return Err(format!("the plan is {path}, not the standard path"));
    }
    Ok(before)
}

/// Fills the ticket and clicks Run once (the receipt is awaited by the caller).
async fn start_run(t: &Ctx, ticket: &str) -> TestResult {
    set_value(&t.browser, "#confirm-ticket", ticket).await?;
    wait_enabled(&t.browser, "#confirm-run", 10).await?;
    click(&t.browser, "#confirm-run").await?;
    Ok(())
}

/// One Graph request as the sandbox saw it: top level, or one part of a `$batch`.
#[derive(Debug)]
struct Part {
    method: String,
    path: String,
    status: u64,
    body: Value,
}

/// Every Graph request in the log in order, batch parts in place of their `$batch`.
async fn graph_parts(t: &Ctx) -> Result<Vec<Part>, String> {
    let mut out = Vec::new();
    for r in requests(t.port()).await? {
        let path = r["path"].as_str().unwrap_or_default();
        if !path.starts_with("/v1.0/") {
            continue;
        }
        if path == "/v1.0/$batch" {
            for p in r["inner"].as_array().into_iter().flatten() {
                out.push(Part {
                    method: p["method"].as_str().unwrap_or_default().to_uppercase(),
                    path: format!("/v1.0{}", p["path"].as_str().unwrap_or_default()),
                    status: p["status"].as_u64().unwrap_or(0),
                    body: p["body"].clone(),
                });
            }
        } else {
            out.push(Part {
                method: r["method"].as_str().unwrap_or_default().to_uppercase(),
                path: path.to_owned(),
                status: r["status"].as_u64().unwrap_or(0),
                body: r["body"].clone(),
            });
        }
    }
    Ok(out)
}

fn is_reset(p: &Part) -> bool {
    p.method == "PATCH" && p.path.starts_with("/v1.0/users/")
}

fn is_send_mail(p: &Part) -> bool {
    p.method == "POST" && p.path.ends_with("/sendMail")
}

/// The resets and sendMails the sandbox saw, as `(status, password sent)` and statuses.
struct Writes {
    resets: Vec<(u64, String)>,
    mails: Vec<u64>,
}

async fn writes(t: &Ctx) -> Result<Writes, String> {
    let parts = graph_parts(t).await?;
    Ok(Writes {
        resets: parts
            .iter()
            .filter(|p| is_reset(p))
            .map(|p| {
                let pw = p.body["passwordProfile"]["password"]
                    .as_str()
                    .unwrap_or_default();
                (p.status, pw.to_owned())
            })
            .collect(),
        mails: parts
            .iter()
            .filter(|p| is_send_mail(p))
            .map(|p| p.status)
            .collect(),
    })
}

fn ok(status: u64) -> bool {
    (200..300).contains(&status)
}

/// The end every recovering run must reach: the receipt says done and sent; exactly one email
/// in the outbox, to Alex's alternate address, carrying the password the tenant now holds; the
/// reset applied once and never after a success, every PATCH with that same password; one
/// accepted sendMail and none after it. Returns what the sandbox saw.
async fn one_clean_run(t: &Ctx, before: &str) -> Result<Writes, String> {
    if let Err(e) = wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent']",
        90,
    )
    .await
    {
        return Err(format!(
            "{e}; the page says: {:?}",
            text_of(&t.browser, "#workflow").await
        ));
    }
    let password = sandbox_password(t, ALEX).await?;
    if password == before {
        return Err("the password did not change".into());
    }
    let sent = messages(t.port()).await?;
    if sent.len() != 1 {
        return Err(format!("{} messages in the outbox", sent.len()));
    }
    if to_of(&sent[0]) != [ALEX_HOME] {
        return Err(format!("the email went to {:?}", to_of(&sent[0])));
    }
    if !carries(&sent[0], &password) {
        return Err("the email does not carry the password the tenant holds".into());
    }
    let w = writes(t).await?;
    let applied = w.resets.iter().filter(|(s, _)| ok(*s)).count();
    if applied != 1 || !w.resets.last().is_some_and(|(s, _)| ok(*s)) {
        return Err(format!(
            "the reset was not applied exactly once, last: {:?}",
            w.resets.iter().map(|(s, _)| s).collect::<Vec<_>>()
        ));
    }
    if let Some((s, _)) = w.resets.iter().find(|(_, pw)| *pw != password) {
        return Err(format!(
            "a PATCH (answered {s}) carried another password than the one the tenant holds"
        ));
    }
    let accepted = w.mails.iter().filter(|s| **s == 202).count();
    if accepted != 1 || w.mails.last() != Some(&202) {
        return Err(format!("sendMail statuses: {:?}", w.mails));
    }
    Ok(w)
}

/// Waits until one of the run's step messages contains `needle` (it is shown while the run
/// waits, and stays in the step's list afterwards).
async fn wait_message(t: &Ctx, needle: &str) -> Result<String, String> {
    wait_for_text(&t.browser, "#run-steps", needle, 60).await
}

/// (a) A 429 storm on the reset, with Retry-After (read from the `$batch` answer): the page says
/// "Graph is busy, retrying in 2 s", repeats the PATCH with the same password, and the run
/// completes with one email.
pub async fn storm_on_reset(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    fault(
        &t,
        json!({"method": "PATCH", "path": RESET_PATH, "status": 429, "retryAfter": 2, "count": 3}),
    )
    .await?;
    start_run(&t, "INC-429").await?;
    wait_message(&t, "Graph is busy, retrying in 2 s").await?;
    let w = one_clean_run(&t, &before).await?;
    let statuses: Vec<u64> = w.resets.iter().map(|(s, _)| *s).collect();
    ensure!(
        statuses == [429, 429, 429, 204],
        "the PATCHes were answered {statuses:?}"
    );
    Ok(())
}

/// (b) A 429 storm on sendMail: the reset is done once; the email alone is retried after the
/// Retry-After and goes exactly once.
pub async fn storm_on_send_mail(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    fault(
        &t,
        json!({"method": "POST", "path": SEND_MAIL_PATH, "status": 429, "retryAfter": 2, "count": 3}),
    )
    .await?;
    start_run(&t, "INC-429M").await?;
    wait_message(&t, "Graph is busy, retrying in 2 s").await?;
    let w = one_clean_run(&t, &before).await?;
    ensure!(
        w.resets.len() == 1,
        "the reset was sent {} times although it succeeded at once",
        w.resets.len()
    );
    ensure!(
        w.mails == [429, 429, 429, 202],
        "the sendMails were answered {:?}",
        w.mails
    );
    Ok(())
}

/// (c) Graph unavailable (503 on the whole `$batch`, twice), then well: retried with backoff,
/// the page says so, and the run completes with one email.
pub async fn unavailable_then_success(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    fault(
        &t,
        json!({"method": "POST", "path": "/v1.0/$batch", "status": 503, "retryAfter": 1, "count": 2}),
    )
    .await?;
    start_run(&t, "INC-503").await?;
    wait_message(&t, "Graph is temporarily unavailable, retrying in").await?;
    let w = one_clean_run(&t, &before).await?;
    let refused = requests(t.port())
        .await?
        .iter()
        .filter(|r| r["path"] == "/v1.0/$batch" && r["status"] == 503 && r["faulted"] == true)
        .count();
    ensure!(refused == 2, "{refused} batches were refused with 503");
    ensure!(
        w.resets.len() == 1 && w.mails.len() == 1,
        "the refused batches reached the tenant: {} resets, {} sendMails",
        w.resets.len(),
        w.mails.len()
    );
    Ok(())
}

/// (c') A 504 on the PATCH (it may have happened): repeated with the same password, never a new
/// one, and the email goes once.
pub async fn gateway_timeout_on_reset_repeats_same_password(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    fault(
        &t,
        json!({"method": "PATCH", "path": RESET_PATH, "status": 504, "count": 1}),
    )
    .await?;
    start_run(&t, "INC-504").await?;
    let w = one_clean_run(&t, &before).await?;
    let statuses: Vec<u64> = w.resets.iter().map(|(s, _)| *s).collect();
    ensure!(
        statuses == [504, 204],
        "the PATCHes were answered {statuses:?}"
    );
    ensure!(
        w.resets[0].1 == w.resets[1].1,
        "the repeated PATCH carried a new password"
    );
    Ok(())
}

/// (d) Every Graph call (and every part of a batch) answers 700 ms late: the run still completes
/// with one email and a single reset.
pub async fn latency_on_every_call(t: Ctx) -> TestResult {
    t.sign_in_as(USER_ADMIN).await?;
    wait_for_text(&t.browser, "#admin-roles", "Administrator", 20).await?;
    fault(
        &t,
        json!({"method": "*", "path": "/v1.0/*", "latencyMs": 700}),
    )
    .await?;
    let before = sandbox_password(&t, ALEX).await?;
    find_and_pick(&t, "Alex", ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "refused");
    let started = std::time::Instant::now();
    start_run(&t, "INC-SLOW").await?;
    let w = one_clean_run(&t, &before).await?;
    // The batch and its two parts each waited: at least 2.1 s.
    ensure!(
        started.elapsed() >= Duration::from_millis(2100),
        "the run took {:?}: the latency was not applied",
        started.elapsed()
    );
    ensure!(
        w.resets.len() == 1 && w.mails.len() == 1,
        "slow answers caused repeats: {} resets, {} sendMails",
        w.resets.len(),
        w.mails.len()
    );
    Ok(())
}

/// (e) Every access token expires between Review and confirm: the run's first request is
/// refused with 401, the page renews the token with the refresh token, sends again, and the run
/// completes with one email.
pub async fn token_expired_mid_run(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    let mark = requests(t.port())
        .await?
        .last()
        .and_then(|r| r["id"].as_u64())
        .unwrap_or(0);
    e2e::page::expire_tokens(t.port()).await?;
    start_run(&t, "INC-401").await?;
    one_clean_run(&t, &before).await?;
    let log: Vec<Value> = requests(t.port())
        .await?
        .into_iter()
        .filter(|r| r["id"].as_u64().unwrap_or(0) > mark)
        .collect();
    let refused = log
        .iter()
        .any(|r| r["path"] == "/v1.0/$batch" && r["status"] == 401);
    ensure!(
        refused,
        "no batch was refused with 401: the token did not expire before the run"
    );
    let refreshed = log.iter().any(|r| {
        r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/oauth2/v2.0/token"))
            && r["body"].to_string().contains("refresh_token")
            && r["status"] == 200
    });
    ensure!(refreshed, "no refresh_token grant after the tokens expired");
    ensure!(
        !exists(&t.browser, "#session-ended").await,
        "the admin was asked to sign in again"
    );
    Ok(())
}

/// Waits `secs` seconds and returns how many resets and sendMails the sandbox saw, to show that
/// nothing more is sent once the page has settled.
async fn settled_writes(t: &Ctx, secs: u64) -> Result<(usize, usize), String> {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let w = writes(t).await?;
    Ok((w.resets.len(), w.mails.len()))
}

/// After a reset that never succeeded: every PATCH carried the same password, no sendMail ran
/// (each answered 424, its dependency having failed), and nothing more goes once the page settles.
async fn reset_never_landed(t: &Ctx, w: &Writes) -> TestResult {
    ensure!(
        !w.resets.is_empty() && w.resets.iter().all(|(_, pw)| *pw == w.resets[0].1),
        "a repeated PATCH carried a new password"
    );
    ensure!(
        w.mails.iter().all(|s| *s == 424),
        "a sendMail ran without a reset: {:?}",
        w.mails
    );
    let later = settled_writes(t, 3).await?;
    ensure!(
        later == (w.resets.len(), w.mails.len()),
        "more requests went after the page settled: {later:?}"
    );
    Ok(())
}

/// (f) The reset throttled beyond the retry limits: nothing is sent, the page says the reset
/// did not happen and offers only going back (no credential, no "retry sending").
pub async fn reset_throttled_beyond_retries(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    fault(
        &t,
        json!({"method": "PATCH", "path": RESET_PATH, "status": 429, "retryAfter": 1}),
    )
    .await?;
    start_run(&t, "INC-429X").await?;
    wait_message(&t, "Graph is busy, retrying in 1 s").await?;
    wait_for(&t.browser, "#receipt[data-reset='failed']", 90).await?;
    let shown = text_of(&t.browser, "#reset-failed").await;
    ensure!(
        shown.contains("The reset did not happen") && shown.contains("no email was sent"),
        "the page does not say the reset did not happen: {shown:?}"
    );
    for css in [
        "#credential-handover",
        "#retry-send",
        "#verify-reset",
        "#confirm-run",
    ] {
        ensure!(!exists(&t.browser, css).await, "{css} is offered");
    }
    ensure!(
        exists(&t.browser, "#back-to-review").await,
        "no way back to the review"
    );
    ensure!(
        messages(t.port()).await?.is_empty(),
        "an email went without a reset"
    );
    ensure!(
        sandbox_password(&t, ALEX).await? == before,
        "the password changed"
    );
    let w = writes(&t).await?;
    ensure!(
        w.resets.len() == 5 && w.resets.iter().all(|(s, _)| *s == 429),
        "the PATCHes were answered {:?} (the retry limit is 5 attempts)",
        w.resets.iter().map(|(s, _)| s).collect::<Vec<_>>()
    );
    reset_never_landed(&t, &w).await
}

/// (f') The reset times out (504) beyond the retry limits: it may or may not have happened, so
/// nothing is sent, the page says it is unknown and offers only "Check now".
pub async fn reset_unknown_beyond_retries(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    fault(
        &t,
        json!({"method": "PATCH", "path": RESET_PATH, "status": 504, "retryAfter": 1}),
    )
    .await?;
    start_run(&t, "INC-504X").await?;
    wait_for(&t.browser, "#receipt[data-reset='unknown']", 90).await?;
    let shown = text_of(&t.browser, "#reset-unknown").await;
    ensure!(
        shown.contains("not known whether the password was reset")
            && shown.contains("No email was sent"),
        "the page does not say the outcome is unknown: {shown:?}"
    );
    ensure!(
        exists(&t.browser, "#verify-reset").await,
        "no way to check the reset"
    );
    for css in ["#credential-handover", "#retry-send", "#confirm-run"] {
        ensure!(!exists(&t.browser, css).await, "{css} is offered");
    }
    ensure!(
        messages(t.port()).await?.is_empty(),
        "an email went although the reset is unknown"
    );
    ensure!(
        sandbox_password(&t, ALEX).await? == before,
        "the password changed although every PATCH was faulted"
    );
    let w = writes(&t).await?;
    reset_never_landed(&t, &w).await
}

/// (f'') sendMail unavailable beyond the retry limits: the reset is done once, the password
/// (the one the tenant holds) is on screen, the outbox is empty, no sendMail goes until the admin
/// clicks "Retry sending", and then exactly one email goes.
pub async fn send_mail_unavailable_beyond_retries(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    fault(
        &t,
        json!({"method": "POST", "path": SEND_MAIL_PATH, "status": 503, "retryAfter": 1}),
    )
    .await?;
    start_run(&t, "INC-503X").await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='failed']",
        90,
    )
    .await?;
    let password = sandbox_password(&t, ALEX).await?;
    ensure!(password != before, "the password did not change");
    let shown = text_of(&t.browser, "#handover-credential").await;
    ensure!(
        shown == password,
        "the page does not show the password the tenant holds"
    );
    ensure!(
        exists(&t.browser, "#email-failed").await && exists(&t.browser, "#retry-send").await,
        "the page does not say the email failed or offer to retry"
    );
    ensure!(messages(t.port()).await?.is_empty(), "an email went");
    let w = writes(&t).await?;
    ensure!(
        w.resets.len() == 1 && ok(w.resets[0].0),
        "the reset was not applied exactly once: {:?}",
        w.resets.iter().map(|(s, _)| s).collect::<Vec<_>>()
    );
    ensure!(
        w.mails.len() == 5 && w.mails.iter().all(|s| *s == 503),
        "the sendMails were answered {:?} (the retry limit is 5 attempts)",
        w.mails
    );
    let later = settled_writes(&t, 3).await?;
    ensure!(
        later == (1, 5),
        "requests went without the admin choosing: {later:?}"
    );
    // Graph recovers; the admin chooses to retry: one email, with the same password.
    e2e::control::request(t.port(), "DELETE", "/_sandbox/faults", None).await?;
    click(&t.browser, "#retry-send").await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while messages(t.port()).await?.is_empty() {
        if std::time::Instant::now() > deadline {
            fail!("Retry sending sent nothing within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let later = settled_writes(&t, 2).await?;
    ensure!(later == (1, 6), "after one retry click: {later:?}");
    let sent = messages(t.port()).await?;
    ensure!(
        sent.len() == 1 && carries(&sent[0], &password),
        "{} messages after the retry, or the password is not in it",
        sent.len()
    );
    ensure!(
        sandbox_password(&t, ALEX).await? == password,
        "retrying the email reset the password again"
    );
    Ok(())
}

/// (f''') sendMail times out (504: it may have gone): never repeated by the page; the password
/// is shown and the page asks to confirm with the recipient before sending again.
pub async fn send_mail_unknown_not_repeated(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    fault(
        &t,
        json!({"method": "POST", "path": SEND_MAIL_PATH, "status": 504, "count": 1}),
    )
    .await?;
    start_run(&t, "INC-504M").await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='unknown']",
        90,
    )
    .await?;
    let password = sandbox_password(&t, ALEX).await?;
    ensure!(password != before, "the password did not change");
    ensure!(
        text_of(&t.browser, "#handover-credential").await == password,
        "the page does not show the password the tenant holds"
    );
    let warning = text_of(&t.browser, "#email-unknown").await;
    ensure!(
        warning.contains("may or may not have gone"),
        "the page does not say the email's fate is unknown: {warning:?}"
    );
    let later = settled_writes(&t, 3).await?;
    ensure!(
        later == (1, 1),
        "the page repeated a request on its own: {later:?}"
    );
    ensure!(
        messages(t.port()).await?.is_empty(),
        "the outbox has mail although the only sendMail was faulted"
    );
    Ok(())
}

/// Marks this document, so a reload (a new document) can be told from staying.
async fn mark_document(t: &Ctx) -> TestResult {
    t.browser
        .execute("window.__handoverMark = 'still here'; return true;", vec![])
        .await?;
    Ok(())
}

async fn same_document(t: &Ctx) -> Result<bool, String> {
    let v = t
        .browser
        .execute("return window.__handoverMark === 'still here';", vec![])
        .await
        .map_err(|e| format!("reading the mark: {e}"))?;
    Ok(v == Value::Bool(true))
}

/// Asks the page to reload, as the admin pressing F5 would (from the page's own script, so the
/// WebDriver command returns before the dialog opens).
async fn reload_from_page(t: &Ctx) -> TestResult {
    t.browser
        .execute(
            "setTimeout(() => location.reload(), 0); return true;",
            vec![],
        )
        .await?;
    Ok(())
}

/// Waits until the document was replaced (the reload went through).
async fn wait_reloaded(t: &Ctx) -> TestResult {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while same_document(t).await.unwrap_or(false) {
        if std::time::Instant::now() > deadline {
            fail!("the page did not reload within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Whether a `beforeunload` listener of the page cancels the event now (a synthetic event
/// dispatched to the window: what Chromium asks before it shows its dialog).
async fn leaving_is_guarded(t: &Ctx) -> Result<bool, String> {
    let v = t
        .browser
        .execute(
            "const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); \
             return e.defaultPrevented;",
            vec![],
        )
        .await
        .map_err(|e| format!("probing beforeunload: {e}"))?;
    Ok(v == Value::Bool(true))
}

/// The `beforeunload` dialogs Chromium opened, from DevTools' Page events, within `secs`.
/// (ChromeDriver accepts such a dialog by itself in a classic session, as the WebDriver
/// standard asks, so the dialog is seen in the performance log, not as a WebDriver alert.)
async fn beforeunload_dialogs(t: &Ctx, secs: u64) -> Result<usize, String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let mut seen = 0;
    loop {
        let events = e2e::logs::devtools_events(&t.browser).await?;
        seen += e2e::logs::dialogs_opened(&events)
            .iter()
            .filter(|d| *d == "beforeunload")
            .count();
        if seen > 0 || std::time::Instant::now() > deadline {
            return Ok(seen);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Leaving or reloading asks for confirmation exactly while a run is in progress. The page's
/// `beforeunload` listener cancels the event from the click on Run until the receipt (probed
/// before, during and after); a reload after the receipt opens no dialog and goes through; a
/// reload during a run (slowed by 4 s of latency on the reset) makes Chromium open its
/// `beforeunload` dialog.
pub async fn leaving_during_a_run_asks_first(t: Ctx) -> TestResult {
    let before = review_alex(&t).await?;
    ensure!(
        !leaving_is_guarded(&t).await?,
        "leaving asks for confirmation before any run"
    );
    fault(
        &t,
        json!({"method": "PATCH", "path": RESET_PATH, "latencyMs": 1500, "count": 1}),
    )
    .await?;
    start_run(&t, "INC-LEAVE").await?;
    wait_for(&t.browser, "#run[data-stage='Running']", 10).await?;
    ensure!(
        leaving_is_guarded(&t).await?,
        "leaving does not ask for confirmation during the run"
    );
    one_clean_run(&t, &before).await?;
    ensure!(
        !leaving_is_guarded(&t).await?,
        "leaving still asks for confirmation after the receipt"
    );
    // After the run: a reload opens no dialog and goes through.
    e2e::logs::devtools_events(&t.browser).await?;
    mark_document(&t).await?;
    reload_from_page(&t).await?;
    wait_reloaded(&t).await?;
    let dialogs = beforeunload_dialogs(&t, 1).await?;
    ensure!(
        dialogs == 0,
        "{dialogs} beforeunload dialog(s) opened after the run ended"
    );

    // A second run, slowed, and a reload in the middle of it: Chromium asks.
    t.sign_in_as(USER_ADMIN).await?;
    wait_for_text(&t.browser, "#admin-roles", "Administrator", 20).await?;
    find_and_pick(&t, "Alex", ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "refused");
    fault(
        &t,
        json!({"method": "PATCH", "path": RESET_PATH, "latencyMs": 4000, "count": 1}),
    )
    .await?;
    start_run(&t, "INC-LEAVE-2").await?;
    wait_for(&t.browser, "#run[data-stage='Running']", 10).await?;
    e2e::logs::devtools_events(&t.browser).await?;
    reload_from_page(&t).await?;
    let dialogs = beforeunload_dialogs(&t, 5).await?;
    ensure!(
        dialogs == 1,
        "{dialogs} beforeunload dialogs opened when the page was reloaded during the run"
    );
    Ok(())
}
