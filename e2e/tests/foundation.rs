use e2e::{ensure, Ctx, TestResult};

/// The release page loads from the sandbox and the wasm app mounts (a broken wasm leaves the
/// body empty, which this catches).
pub async fn page_mounts(t: Ctx) -> TestResult {
    t.browser.goto(&t.page_url()).await?;
    let app = t.wait_for("#handover-app", 20).await?;
    let text = app.text().await?;
    ensure!(
        text.contains("Handover"),
        "the app mounted but shows: {text:?}"
    );
    Ok(())
}
