//! Safer delivery (issue 10) against the sandbox tenant: TAP advice from the target's registered
//! sign-in methods, read in the Review's one `$batch`.

use e2e::page::{click, css_string, find_and_pick, requests, set_value, text_of, wait_plan};
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
