//! Safer delivery (issue 10) against the sandbox tenant: TAP advice from the target's registered
//! sign-in methods, read in the Review's one `$batch`.

use e2e::page::{
    carries, click, confirm_and_run, css_string, find_and_pick, messages, requests, set_value,
    tenant_password, text_of, value_of, wait_plan,
};
use e2e::portal::Portal;
use e2e::{ensure, wait_for, wait_for_text, Ctx, TestResult};

/// An Authentication Administrator: a role that may read other users' sign-in methods.
const AUTH_ADMIN: &str = "aaron.auth@contoso.onmicrosoft.com";
/// A User Administrator: may reset, may not read sign-in methods.
const USER_ADMIN: &str = "uma.useradmin@contoso.onmicrosoft.com";
/// Registered: a password only.
const JONI_PASSWORD_ONLY: &str = "joni.sherman@contoso.onmicrosoft.com";
/// Registered: a password and Microsoft Authenticator.
const MEGAN_AUTHENTICATOR: &str = "megan.bowen@contoso.onmicrosoft.com";

async fn sign_in(t: &Ctx, upn: &str) -> TestResult {
    t.sign_in_as(upn).await?;
    wait_for_text(&t.browser, "#admin-roles", "Administrator", 20).await?;
    Ok(())
}

/// The user with only a password gets the TAP recommendation (with its reason), the one with
/// Authenticator does not; the methods came in the Review's `$batch`, not a separate request; an
/// admin whose role may not read methods sees "unknown" and can still go on.
pub async fn tap_advice_from_methods(t: Ctx) -> TestResult {
    sign_in(&t, AUTH_ADMIN).await?;
    find_and_pick(&t, "Joni", JONI_PASSWORD_ONLY).await?;
    wait_for_text(&t.browser, "#review-methods", "Password", 20).await?;
    let advice = wait_for(&t.browser, "#tap-advice", 10).await;
    ensure!(
        advice.is_ok(),
        "no TAP advice for a password-only user; methods shown: {:?}",
        text_of(&t.browser, "#review-methods").await
    );
    let text = text_of(&t.browser, "#tap-advice").await;
    ensure!(
        text.contains("register MFA at their first sign-in")
            && text.contains("phishing-resistant")
            && text.contains("Temporary Access Pass"),
        "the advice lacks its reason: {text:?}"
    );
    // The advice's button switches the credential to a TAP.
    click(&t.browser, "#tap-advice-use").await?;
    let checked = t
        .browser
        .execute(
            "const e = document.querySelector('#mode-tap'); return !!(e && e.checked);",
            vec![],
        )
        .await?;
    ensure!(
        checked == serde_json::Value::Bool(true),
        "the TAP choice is not selected after following the advice"
    );

    // The methods were read inside the review's $batch: no direct GET of them.
    let log = requests(t.port()).await?;
    let in_batch = log.iter().any(|r| {
        r["path"] == "/v1.0/$batch"
            && r["inner"].as_array().is_some_and(|parts| {
                parts.iter().any(|p| {
                    p["path"]
                        .as_str()
                        .is_some_and(|s| s.ends_with("/authentication/methods"))
                }) && parts.len() >= 5
            })
    });
    let direct = log.iter().any(|r| {
        r["path"]
            .as_str()
            .is_some_and(|s| s.ends_with("/authentication/methods"))
    });
    ensure!(
        in_batch && !direct,
        "the methods were not read in the review batch (in batch: {in_batch}, direct: {direct})"
    );

    // Review the user with Authenticator instead (tokens live in memory only: no reload).
    set_value(&t.browser, "#find-input", "Megan").await?;
    click(
        &t.browser,
        &format!(
            "#find-results li[data-upn={}] button",
            css_string(MEGAN_AUTHENTICATOR)
        ),
    )
    .await?;
    wait_for(
        &t.browser,
        &format!("#review-card[data-upn={}]", css_string(MEGAN_AUTHENTICATOR)),
        20,
    )
    .await?;
    wait_for_text(&t.browser, "#review-methods", "Microsoft Authenticator", 20).await?;
    wait_plan(&t.browser).await?;
    ensure!(
        !e2e::page::exists(&t.browser, "#tap-advice").await,
        "a user with Authenticator got the TAP advice"
    );
    Ok(())
}

/// A User Administrator may not read sign-in methods: the Review says "unknown" and the plan
/// still appears (a 403 on that part is no failed Review).
pub async fn methods_unknown_without_permission(t: Ctx) -> TestResult {
    sign_in(&t, USER_ADMIN).await?;
    find_and_pick(&t, "Joni", JONI_PASSWORD_ONLY).await?;
    let shown = wait_plan(&t.browser).await?;
    ensure!(shown == "plan", "no plan: {shown}");
    wait_for(&t.browser, "#review-methods [data-methods='unknown']", 10).await?;
    let why = text_of(&t.browser, "#review-methods-why").await;
    ensure!(
        why.contains("UserAuthenticationMethod.Read.All"),
        "the unknown methods are not explained: {why:?}"
    );
    ensure!(
        !e2e::page::exists(&t.browser, "#tap-advice").await,
        "advice given without knowing the methods"
    );
    Ok(())
}

const ALEX: &str = "alex.wilber@contoso.onmicrosoft.com";
const ALEX_HOME: &str = "alex.wilber.home@example.net";

/// The sealed link in an email's text: from `http` to the end of the `#unlock=` fragment.
fn sealed_link_in(text: &str) -> Option<String> {
    let at = text.find("#unlock=")?;
    let start = text[..at].rfind("http")?;
    let end = text[at..]
        .find(|c: char| c.is_whitespace() || c == '<' || c == '"')
        .map_or(text.len(), |e| at + e);
    Some(text[start..end].to_owned())
}

/// Opens `url` in `browser` from a blank page (so a fragment-only change still loads the page).
async fn open_fresh(browser: &fantoccini::Client, url: &str) -> TestResult {
    browser
        .goto("about:blank")
        .await
        .map_err(|e| format!("about:blank: {e}"))?;
    browser
        .goto(url)
        .await
        .map_err(|e| format!("open the sealed link: {e}"))?;
    Ok(())
}

/// A sealed-link run: the email holds no password anywhere; its link, opened in a fresh
/// browser with the passphrase the admin saw, shows exactly the password the tenant holds; the
/// fragment leaves the address bar and never reaches the sandbox; a wrong passphrase and a
/// changed ciphertext each get their own message; framed by another site, it asks for nothing.
pub async fn sealed_link_run(t: Ctx) -> TestResult {
    sign_in(&t, USER_ADMIN).await?;
    find_and_pick(&t, "Alex", ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "no plan for Alex");
    if value_of(&t.browser, "#email-to").await?.trim().is_empty() {
        set_value(&t.browser, "#email-to", ALEX_HOME).await?;
    }
    click(&t.browser, "#email-sealed").await?;
    wait_for(&t.browser, "#email-sealed-note", 5).await?;
    confirm_and_run(&t, "INC-2010", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent']",
        60,
    )
    .await?;
    let passphrase = text_of(&t.browser, "#sealed-passphrase").await;
    ensure!(
        passphrase.split('-').count() >= 4,
        "the admin was not shown a passphrase of 4+ words: {passphrase:?}"
    );
    let password = tenant_password(t.port(), ALEX).await?;

    let sent = messages(t.port()).await?;
    ensure!(sent.len() == 1, "{} messages in the outbox", sent.len());
    let whole = sent[0].to_string();
    ensure!(
        !whole.contains(&password) && !carries(&sent[0], &password),
        "the sealed email contains the password"
    );
    ensure!(
        !whole.contains(&passphrase),
        "the sealed email contains the passphrase"
    );
    let text = sent[0]["text"].as_str().unwrap_or_default();
    let Some(link) = sealed_link_in(text) else {
        e2e::fail!("no sealed link in the email: {text}");
    };
    ensure!(
        link.starts_with(&t.page_url()),
        "the link {link} does not point at the page {}",
        t.page_url()
    );
    let ciphertext = link.rsplit('.').next().unwrap_or_default().to_owned();
    ensure!(ciphertext.len() > 20, "no ciphertext in {link}");

    let before = requests(t.port()).await?.len();
    unlock_in_fresh_browser(&t, "fresh", &link, &passphrase, &password).await?;
    unlock_refused_when_framed(&t, &link).await?;

    // The sendMail body carried the link to Graph (that is the email). Opening it needed no
    // sign-in and no Graph call (the log holds the authority and Graph, not the page's files),
    // and no request's address or headers ever held the fragment or the ciphertext.
    let log = requests(t.port()).await?;
    let after = &log[before.min(log.len())..];
    ensure!(
        after.is_empty(),
        "opening the sealed link made {} sign-in or Graph requests: {after:?}",
        after.len()
    );
    for r in &log {
        let addressed = format!(
            "{} {} {} {}",
            r["path"], r["rawQuery"], r["query"], r["headers"]
        );
        ensure!(
            !addressed.contains(&ciphertext) && !addressed.contains("unlock="),
            "a request's address or headers held the sealed link: {addressed}"
        );
    }
    Ok(())
}

/// The same valid link framed by another site: the view asks for no passphrase and says to open
/// the link in its own tab (a framing page could overlay the form: clickjacking).
async fn unlock_refused_when_framed(t: &Ctx, link: &str) -> TestResult {
    let html = format!(
        "<!doctype html><title>Framer</title><iframe id=framed src=\"{link}\" width=900 height=600></iframe>"
    );
    let framer = Portal::start(&html).await?;
    t.browser.goto(&framer.url()).await?;
    wait_for(&t.browser, "#framed", 10)
        .await?
        .enter_frame()
        .await?;
    let text = wait_for_text(
        &t.browser,
        "#unlock-error[data-reason='framed']",
        "its own browser tab",
        20,
    )
    .await?;
    ensure!(
        text.contains("Open the link"),
        "the framed refusal does not say what to do: {text:?}"
    );
    ensure!(
        t.browser
            .find(fantoccini::Locator::Css("#unlock-passphrase"))
            .await
            .is_err(),
        "a framed unlock view still asks for the passphrase"
    );
    t.browser.goto("about:blank").await?;
    drop(framer);
    Ok(())
}

/// [`unlock_in`] in a fresh browser: its own ChromeDriver and profile (named by `tag`), no
/// session, no storage; closed and removed afterwards whatever the outcome.
async fn unlock_in_fresh_browser(
    t: &Ctx,
    tag: &str,
    link: &str,
    passphrase: &str,
    password: &str,
) -> TestResult {
    let driver = e2e::Driver::start(&t.setup.chromedriver)?;
    let profile = std::env::temp_dir().join(format!("handover-e2e-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let fresh = e2e::open_browser(&driver, &t.setup.chromium, &profile).await?;
    let outcome = unlock_in(&fresh, link, passphrase, password).await;
    let _ = fresh.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    outcome
}

async fn unlock_in(
    browser: &fantoccini::Client,
    link: &str,
    passphrase: &str,
    password: &str,
) -> TestResult {
    open_fresh(browser, link).await?;
    wait_for(browser, "#unlock-passphrase", 20).await?;
    let url = browser
        .current_url()
        .await
        .map_err(|e| format!("current url: {e}"))?;
    ensure!(
        url.fragment().is_none() && !url.as_str().contains("unlock"),
        "the address bar still holds the link: {url}"
    );
    // A wrong passphrase first.
    set_value(browser, "#unlock-passphrase", "wrong-words-every-time").await?;
    click(browser, "#unlock-open").await?;
    wait_for(browser, "#unlock-error[data-reason='passphrase']", 60).await?;
    // The one the admin read out, typed with spaces and capitals.
    let typed = passphrase.replace('-', " ").to_uppercase();
    set_value(browser, "#unlock-passphrase", &typed).await?;
    click(browser, "#unlock-open").await?;
    wait_for(browser, "#unlock-password", 60).await?;
    let shown = text_of(browser, "#unlock-password").await;
    ensure!(
        shown == password,
        "the unlock view shows {shown:?}, not the password the sandbox holds"
    );
    // The same link with one ciphertext character changed: tampered, said so.
    let at = link.len() - 10;
    let old = link.as_bytes()[at];
    let new = if old == b'A' { 'B' } else { 'A' };
    let tampered = format!("{}{}{}", &link[..at], new, &link[at + 1..]);
    open_fresh(browser, &tampered).await?;
    set_value(browser, "#unlock-passphrase", passphrase).await?;
    click(browser, "#unlock-open").await?;
    wait_for(browser, "#unlock-error[data-reason='tampered']", 60).await?;
    Ok(())
}

/// With `encryption` in config.json, the email carries the `x-` header through
/// `internetMessageHeaders` and the subject tag, the sandbox's outbox shows the header it
/// received, and the receipt records that encryption was requested.
pub async fn encryption_header_reaches_the_outbox(t: Ctx) -> TestResult {
    t.sandbox.set_config(
        "encryption",
        serde_json::json!({"header": {"name": "X-Handover-Encrypt", "value": "OME"}, "subjectTag": "[encrypt]"}),
    );
    sign_in(&t, USER_ADMIN).await?;
    find_and_pick(&t, "Alex", ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "no plan for Alex");
    if value_of(&t.browser, "#email-to").await?.trim().is_empty() {
        set_value(&t.browser, "#email-to", ALEX_HOME).await?;
    }
    let note = text_of(&t.browser, "#email-encrypt-note").await;
    ensure!(
        note.contains("X-Handover-Encrypt"),
        "the email step does not say how the message is marked: {note:?}"
    );
    confirm_and_run(&t, "INC-2020", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent']",
        60,
    )
    .await?;
    let sent = messages(t.port()).await?;
    ensure!(sent.len() == 1, "{} messages in the outbox", sent.len());
    let header = sent[0]["internetMessageHeaders"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|h| h["name"] == "X-Handover-Encrypt")
        .cloned();
    ensure!(
        header.as_ref().is_some_and(|h| h["value"] == "OME"),
        "the outbox has no X-Handover-Encrypt: OME header: {}",
        sent[0]["internetMessageHeaders"]
    );
    let subject = sent[0]["subject"].as_str().unwrap_or_default();
    ensure!(
        subject.starts_with("[encrypt] "),
        "the subject is not tagged: {subject:?}"
    );
    let receipt = text_of(&t.browser, "#receipt-email").await;
    ensure!(
        receipt.contains(
            "encryption requested (header X-Handover-Encrypt: OME, subject tag [encrypt])"
        ),
        "the receipt does not record the encryption request: {receipt:?}"
    );
    // The outbox page shows the headers received.
    let page = e2e::control::request(t.port(), "GET", "/_sandbox/outbox", None).await;
    ensure!(
        page.as_ref()
            .is_ok_and(|(_, body)| body.contains("X-Handover-Encrypt")),
        "the outbox page does not show the header"
    );
    Ok(())
}

const BOSS: &str = "helpdesk@contoso.onmicrosoft.com";

/// Reviews Alex and chooses split delivery: details to Alex's home address, the password to
/// [`BOSS`].
async fn choose_split(t: &Ctx) -> TestResult {
    sign_in(t, USER_ADMIN).await?;
    find_and_pick(t, "Alex", ALEX).await?;
    ensure!(wait_plan(&t.browser).await? == "plan", "no plan for Alex");
    set_value(&t.browser, "#email-to", ALEX_HOME).await?;
    click(&t.browser, "#email-split").await?;
    Ok(())
}

/// Split delivery: the account details to the user, the password to a second recipient. The
/// outbox has exactly two messages, one to each; only the one to the second recipient holds the
/// password the sandbox holds for the user; the other holds the username and names the second
/// recipient. Both went in the reset's one `$batch`, chained by `dependsOn`; the Purview mark
/// is on the credential's message only. A second recipient equal to the first is refused with a
/// message that says what to do.
pub async fn split_delivery_run(t: Ctx) -> TestResult {
    t.sandbox.set_config(
        "encryption",
        serde_json::json!({"header": {"name": "X-Handover-Encrypt", "value": "OME"}, "subjectTag": "[encrypt]"}),
    );
    choose_split(&t).await?;
    set_value(&t.browser, "#email-split-to", &ALEX_HOME.to_uppercase()).await?;
    wait_for_text(&t.browser, "#email-split-problem", "must differ", 5).await?;
    set_value(&t.browser, "#email-split-to", BOSS).await?;
    ensure!(
        !e2e::page::exists(&t.browser, "#email-split-problem").await,
        "a valid second recipient is still refused"
    );
    let summary = text_of(&t.browser, "#confirm-summary").await;
    ensure!(
        summary.contains(&format!("email it to {BOSS}"))
            && summary.contains(&format!("went to {ALEX_HOME}")),
        "the confirm step does not say where each message goes: {summary:?}"
    );
    let before = requests(t.port()).await?.len();
    confirm_and_run(&t, "INC-2030", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent'][data-details='sent']",
        60,
    )
    .await?;
    let password = tenant_password(t.port(), ALEX).await?;

    let sent = messages(t.port()).await?;
    ensure!(sent.len() == 2, "{} messages in the outbox", sent.len());
    let holding: Vec<_> = sent
        .iter()
        .filter(|m| m.to_string().contains(&password) || carries(m, &password))
        .collect();
    ensure!(
        holding.len() == 1,
        "{} messages hold the password",
        holding.len()
    );
    ensure!(
        e2e::page::to_of(holding[0]) == [BOSS],
        "the password went to {:?}",
        e2e::page::to_of(holding[0])
    );
    let Some(details) = sent.iter().find(|m| e2e::page::to_of(m) == [ALEX_HOME]) else {
        e2e::fail!("no message to {ALEX_HOME}");
    };
    let text = details["text"].as_str().unwrap_or_default();
    ensure!(
        text.contains(ALEX) && text.contains(BOSS),
        "the details message lacks the username or the second recipient: {text}"
    );
    // The encryption mark goes on the credential's message only.
    let marked = |m: &serde_json::Value| {
        m["internetMessageHeaders"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|h| h["name"] == "X-Handover-Encrypt")
            || m["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("[encrypt]"))
    };
    ensure!(
        marked(holding[0]) && !marked(details),
        "the encryption mark is not on the credential's message alone"
    );
    let secret_text = holding[0]["text"].as_str().unwrap_or_default();
    ensure!(
        secret_text.contains(ALEX_HOME) && secret_text.contains(ALEX),
        "the password's message does not name the username and the first recipient: {secret_text}"
    );

    // One round trip: the reset's $batch carried both messages, chained.
    let log = requests(t.port()).await?;
    let batches: Vec<_> = log[before.min(log.len())..]
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("$batch")))
        .collect();
    ensure!(
        batches.len() == 1,
        "{} $batch requests in the run",
        batches.len()
    );
    let chain: Vec<(String, serde_json::Value)> = batches[0]["inner"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["method"].as_str().unwrap_or("").to_owned(),
                p["dependsOn"].clone(),
            )
        })
        .collect();
    ensure!(
        chain.len() == 3
            && chain[0].0 == "PATCH"
            && chain[1].1 == serde_json::json!([batches[0]["inner"][0]["id"]])
            && chain[2].1 == serde_json::json!([batches[0]["inner"][1]["id"]]),
        "the batch is not [PATCH; mail after it; mail after that]: {chain:?}"
    );
    let receipt = text_of(&t.browser, "#receipt-details").await;
    ensure!(
        receipt.contains(ALEX_HOME) && receipt.contains("no credential"),
        "the receipt does not record the details message: {receipt:?}"
    );
    Ok(())
}

/// Split delivery when the details message is refused (the sandbox answers 403 for the first
/// sendMail): Graph skips the password's message (424), nothing is in the outbox, the page shows
/// the password the tenant holds with "Retry sending"; the retry sends the details, then the
/// password, and no second reset.
pub async fn split_details_refused_then_retried(t: Ctx) -> TestResult {
    choose_split(&t).await?;
    set_value(&t.browser, "#email-split-to", BOSS).await?;
    e2e::control::post_json(
        t.port(),
        "/_sandbox/faults",
        &serde_json::json!({"method": "POST", "path": "/v1.0/*sendMail", "status": 403, "count": 1}),
    )
    .await?;
    confirm_and_run(&t, "INC-2031", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-details='failed'][data-email='notSent']",
        60,
    )
    .await?;
    ensure!(messages(t.port()).await?.is_empty(), "a message went");
    let password = tenant_password(t.port(), ALEX).await?;
    let shown = text_of(&t.browser, "#handover-credential").await;
    ensure!(
        shown == password,
        "the page does not show the password the tenant holds"
    );
    let resets = || async {
        let log = requests(t.port()).await?;
        Ok::<usize, String>(
            log.iter()
                .flat_map(|r| r["inner"].as_array().cloned().unwrap_or_default())
                .filter(|p| p["method"] == "PATCH")
                .count(),
        )
    };
    ensure!(resets().await? == 1, "not exactly one reset");
    click(&t.browser, "#retry-send").await?;
    wait_for(
        &t.browser,
        "#receipt[data-details='sent'][data-email='sent'][data-next='Done']",
        60,
    )
    .await?;
    let sent = messages(t.port()).await?;
    ensure!(sent.len() == 2, "{} messages after the retry", sent.len());
    let to_boss: Vec<_> = sent
        .iter()
        .filter(|m| e2e::page::to_of(m) == [BOSS])
        .collect();
    ensure!(
        to_boss.len() == 1 && carries(to_boss[0], &password),
        "the password's message did not reach {BOSS} with the password"
    );
    ensure!(
        sent.iter().filter(|m| carries(m, &password)).count() == 1,
        "the password is in more than one message"
    );
    ensure!(resets().await? == 1, "the retry reset the password again");
    Ok(())
}

/// Split delivery with a sealed link: neither message holds the password; only the one to the
/// second recipient holds the link, the details message neither link nor passphrase; the link,
/// opened in a fresh browser with the passphrase the admin saw, shows the password the tenant
/// holds.
pub async fn split_sealed_link_run(t: Ctx) -> TestResult {
    choose_split(&t).await?;
    set_value(&t.browser, "#email-split-to", BOSS).await?;
    click(&t.browser, "#email-sealed").await?;
    wait_for(&t.browser, "#email-sealed-note", 5).await?;
    confirm_and_run(&t, "INC-2040", None).await?;
    wait_for(
        &t.browser,
        "#receipt[data-reset='done'][data-email='sent'][data-details='sent']",
        60,
    )
    .await?;
    let passphrase = text_of(&t.browser, "#sealed-passphrase").await;
    let password = tenant_password(t.port(), ALEX).await?;
    ensure!(
        passphrase.split('-').count() >= 4,
        "the admin was not shown a passphrase of 4+ words: {passphrase:?}"
    );
    let sent = messages(t.port()).await?;
    ensure!(sent.len() == 2, "{} messages in the outbox", sent.len());
    for m in &sent {
        let whole = m.to_string();
        ensure!(
            !whole.contains(&password) && !carries(m, &password) && !whole.contains(&passphrase),
            "a message holds the password or the passphrase: {:?}",
            e2e::page::to_of(m)
        );
    }
    let with_link: Vec<_> = sent
        .iter()
        .filter(|m| m.to_string().contains("#unlock="))
        .collect();
    ensure!(
        with_link.len() == 1 && e2e::page::to_of(with_link[0]) == [BOSS],
        "the sealed link is not in exactly one message, to {BOSS}: {} messages hold it",
        with_link.len()
    );
    let text = with_link[0]["text"].as_str().unwrap_or_default();
    let Some(link) = sealed_link_in(text) else {
        e2e::fail!("no sealed link in the credential's message: {text}");
    };
    unlock_in_fresh_browser(&t, "split-sealed", &link, &passphrase, &password).await
}
