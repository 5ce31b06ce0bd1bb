//! The browser and network half of `cargo xtask bench` (issue 8): how long the page takes to its
//! first interactive screen, and how many sequential round trips and how much wall time a reset
//! costs against the sandbox with latency added to every request, with a by-hand baseline.
//!
//! Not a test: nothing here asserts a time. A run that does not finish (no receipt, a refusal, a
//! Graph error in the baseline) is an error, never a number.
//!
//! Definitions (also printed by xtask):
//! - *Interactive*: the page's `performance.mark("handover:interactive")`, set by an effect of the
//!   signed-out card once that card and its Sign-in click handler are mounted; the figure is the
//!   mark's `startTime`, i.e. milliseconds since the navigation started. Every load uses a new
//!   browser with an empty profile (nothing cached), against the sandbox without added latency.
//! - *Round trips*: from the sandbox's request log (authority and Graph requests; a `$batch` is one
//!   entry however many requests it carries; CORS preflights and the page's files are not logged),
//!   the longest chain of requests each of which started after the previous one ended
//!   (`startedUs >= endedUs`), over the requests that started in the window. The same chain is
//!   also counted with the CORS preflights the sandbox lists apart (`GET /_sandbox/preflights`).
//! - *Wall time*: `performance.now()` in the page from the click (a capturing listener) to the
//!   moment a MutationObserver sees the finished receipt (or the plan, for the Review step).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::{json, Value};

use crate::control::{exchange, get_json, post_json, Answer};
use crate::page::{click, css_string, exists, set_value, text_of, value_of, wait_enabled};
use crate::{open_browser, sign_in_as, wait_for, wait_for_text, Driver, Setup};

pub const USER_ADMIN: &str = "uma.useradmin@contoso.onmicrosoft.com";
pub const PRIV_AUTH_ADMIN: &str = "priya.pam@contoso.onmicrosoft.com";
pub const AUTH_ADMIN: &str = "aaron.auth@contoso.onmicrosoft.com";
pub const ALEX: &str = "alex.wilber@contoso.onmicrosoft.com";
pub const GORDON_GA: &str = "gordon.gale@contoso.onmicrosoft.com";

/// How much to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Page loads for the interactive time.
    pub loads: usize,
    /// Runs of each reset path, and of the baseline.
    pub runs: usize,
    /// Latency added to every request for the reset paths and the baseline.
    pub latency_ms: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            loads: 10,
            runs: 5,
            latency_ms: 100,
        }
    }
}

/// One of the page's reset paths.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    pub key: &'static str,
    pub label: &'static str,
    pub admin: &'static str,
    pub target: &'static str,
    /// The plan's `data-path` this run must get.
    pub plan: &'static str,
    pub tap: bool,
    /// A privileged target: the UPN must be typed to confirm.
    pub type_upn: bool,
    /// If the target has no otherMails, where the email goes.
    pub fallback_to: &'static str,
}

pub const SCENARIOS: [Scenario; 3] = [
    Scenario {
        key: "standard",
        label: "standard path (User Administrator resets alex.wilber: PATCH + sendMail)",
        admin: USER_ADMIN,
        target: ALEX,
        plan: "standard",
        tap: false,
        type_upn: false,
        fallback_to: "alex.wilber.home@example.net",
    },
    Scenario {
        key: "authenticationMethods",
        label: "Authentication Methods path (Privileged Auth Admin resets a Global Admin)",
        admin: PRIV_AUTH_ADMIN,
        target: GORDON_GA,
        plan: "authentication-methods",
        tap: false,
        type_upn: true,
        fallback_to: "gordon.home@example.net",
    },
    Scenario {
        key: "tap",
        label: "Temporary Access Pass run (Authentication Admin, alex.wilber)",
        admin: AUTH_ADMIN,
        target: ALEX,
        plan: "temporary-access-pass",
        tap: true,
        type_upn: false,
        fallback_to: "alex.wilber.home@example.net",
    },
];

/// Everything measured, as the JSON xtask merges into its report.
pub async fn run(setup: &Setup, opts: &Options) -> Result<Value, String> {
    if opts.loads == 0 || opts.runs == 0 {
        return Err("--loads and --runs must be at least 1".into());
    }
    let driver = Driver::start(&setup.chromedriver)?;
    let interactive = interactive_loads(&driver, setup, opts.loads).await?;
    let mut paths = Vec::new();
    for sc in SCENARIOS {
        println!(
            "--> {} ({} runs, {} ms added to every request)",
            sc.label, opts.runs, opts.latency_ms
        );
        let mut runs = Vec::new();
        for i in 0..opts.runs {
            let r = reset_run(&driver, setup, &sc, opts.latency_ms)
                .await
                .map_err(|e| format!("{} run {}: {e}", sc.key, i + 1))?;
            println!(
                "    run {}: {} round trips ({} with preflights), {:.0} ms click to receipt; \
                 review: {} round trips ({} with preflights), {:.0} ms",
                i + 1,
                r["run"]["roundTrips"],
                r["run"]["roundTripsWithPreflights"],
                r["run"]["wallMs"].as_f64().unwrap_or(0.0),
                r["review"]["roundTrips"],
                r["review"]["roundTripsWithPreflights"],
                r["review"]["wallMs"].as_f64().unwrap_or(0.0),
            );
            runs.push(r);
        }
        paths.push(summarise_path(&sc, runs));
    }
    drop(driver);
    println!(
        "--> baseline: the standard reset by hand, one request after another ({} runs)",
        opts.runs
    );
    let baseline = baseline_runs(setup, opts).await?;
    Ok(json!({
        "latencyMs": opts.latency_ms,
        "interactive": interactive,
        "paths": paths,
        "baseline": baseline,
    }))
}

// ---- Statistics -------------------------------------------------------------------------------

/// Median (the mean of the middle two for an even count), min and max.
pub fn stats(values: &[f64]) -> Value {
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return json!(null);
    }
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    json!({"median": round1(median), "min": round1(v[0]), "max": round1(v[n - 1]), "n": n})
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A logged request's timing: (id, startedUs, endedUs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    pub id: u64,
    pub start: u64,
    pub end: u64,
}

/// The longest chain of requests in which each started after the previous one ended: the
/// sequential round trips. Returns the chain (in order).
pub fn longest_chain(spans: &[Span]) -> Vec<Span> {
    let mut by_end: Vec<Span> = spans.to_vec();
    by_end.sort_by_key(|s| (s.end, s.start));
    // best[i]: length of the longest chain ending with by_end[i]; prev[i]: the one before it.
    let mut best = vec![1usize; by_end.len()];
    let mut prev = vec![None; by_end.len()];
    for i in 0..by_end.len() {
        for j in 0..i {
            if by_end[j].end <= by_end[i].start && best[j] + 1 > best[i] {
                best[i] = best[j] + 1;
                prev[i] = Some(j);
            }
        }
    }
    let Some(mut i) = (0..by_end.len()).max_by_key(|&i| (best[i], std::cmp::Reverse(i))) else {
        return Vec::new();
    };
    let mut chain = vec![by_end[i]];
    while let Some(p) = prev[i] {
        chain.push(by_end[p]);
        i = p;
    }
    chain.reverse();
    chain
}

// ---- Interactive time -------------------------------------------------------------------------

async fn interactive_loads(driver: &Driver, setup: &Setup, loads: usize) -> Result<Value, String> {
    println!(
        "--> time to the first interactive screen: {loads} loads, each in a new browser with an \
         empty profile (no added latency)"
    );
    let sandbox = start_sandbox(setup).await?;
    let url = format!("{}/", sandbox.page_origin());
    let mut samples = Vec::new();
    let mut details = Vec::new();
    for i in 0..loads {
        let profile = profile_dir(&format!("load-{i}"));
        let browser = open_browser(driver, &setup.chromium, &profile).await?;
        let outcome = one_load(&browser, &url).await;
        let _ = browser.close().await;
        let _ = std::fs::remove_dir_all(&profile);
        let (ms, detail) = outcome.map_err(|e| format!("page load {}: {e}", i + 1))?;
        println!(
            "    load {}: {ms:.1} ms (wasm transferred: {} bytes)",
            i + 1,
            detail["wasmTransferBytes"]
        );
        samples.push(ms);
        details.push(detail);
    }
    sandbox.shutdown().await;
    Ok(json!({
        "definition": "performance.getEntriesByName('handover:interactive')[0].startTime: ms from navigation start until the signed-out card and its Sign-in handler are mounted; new browser and empty profile per load; no added latency",
        "ms": stats(&samples),
        "samples": samples,
        "loads": details,
    }))
}

async fn one_load(browser: &Client, url: &str) -> Result<(f64, Value), String> {
    browser
        .goto(url)
        .await
        .map_err(|e| format!("open the page: {e}"))?;
    wait_for(browser, "#sign-in", 30).await?;
    let script = "const m = performance.getEntriesByName('handover:interactive');\
                  if (m.length === 0) { return null; }\
                  const nav = performance.getEntriesByType('navigation')[0];\
                  const wasm = performance.getEntriesByType('resource')\
                      .filter(r => r.name.endsWith('.wasm'))\
                      .map(r => r.transferSize);\
                  return {mark: m[0].startTime, marks: m.length,\
                          navigationType: nav ? nav.type : null,\
                          wasm: wasm};";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = browser
            .execute(script, vec![])
            .await
            .map_err(|e| format!("reading the Performance API: {e}"))?;
        if let Some(mark) = v["mark"].as_f64() {
            let wasm: Vec<u64> = v["wasm"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .collect();
            if wasm.is_empty() {
                return Err("the page loaded no .wasm file (Performance API)".into());
            }
            return Ok((
                mark,
                json!({
                    "ms": mark,
                    "navigationType": v["navigationType"],
                    "wasmTransferBytes": wasm.iter().sum::<u64>(),
                }),
            ));
        }
        if Instant::now() > deadline {
            return Err(
                "the Sign-in button is there but the page never marked handover:interactive".into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---- The page's reset paths -------------------------------------------------------------------

/// Installed before the measured clicks: notes `performance.now()` at the first click on
/// `#find-results button` and on `#confirm-run` (capturing, so before the page's handler), and
/// when the plan (or a refusal) and the finished receipt first appear.
const STOPWATCH: &str = "\
    const b = window.__handoverBench = {};\
    document.addEventListener('click', (e) => {\
        const now = performance.now();\
        if (!(e.target instanceof Element)) { return; }\
        if (b.pick === undefined && e.target.closest('#find-results button')) { b.pick = now; }\
        if (b.run === undefined && e.target.closest('#confirm-run')) { b.run = now; }\
    }, true);\
    const look = () => {\
        const now = performance.now();\
        if (b.pick !== undefined && b.plan === undefined && document.querySelector('#plan, #refusal')) { b.plan = now; }\
        if (b.run !== undefined && b.receipt === undefined && document.querySelector(\"#receipt[data-reset='done'][data-email='sent']\")) { b.receipt = now; }\
    };\
    new MutationObserver(look).observe(document.documentElement, {subtree: true, childList: true, attributes: true});\
    return true;";

async fn stopwatch(browser: &Client) -> Result<Value, String> {
    browser
        .execute("return window.__handoverBench || null;", vec![])
        .await
        .map_err(|e| format!("reading the stopwatch: {e}"))
}

async fn reset_run(
    driver: &Driver,
    setup: &Setup,
    sc: &Scenario,
    latency_ms: u64,
) -> Result<Value, String> {
    let sandbox = start_sandbox(setup).await?;
    let profile = profile_dir(&format!("{}-run", sc.key));
    let browser = open_browser(driver, &setup.chromium, &profile).await?;
    let outcome = drive_reset(&browser, sandbox.port(), sc, latency_ms).await;
    let _ = browser.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    sandbox.shutdown().await;
    outcome
}

async fn drive_reset(
    browser: &Client,
    port: u16,
    sc: &Scenario,
    latency_ms: u64,
) -> Result<Value, String> {
    let page_url = format!("http://127.0.0.1:{port}/");
    // Sign-in is not measured: it runs without the added latency.
    sign_in_as(browser, &page_url, sc.admin).await?;
    wait_for_text(browser, "#admin-roles", "Administrator", 20).await?;
    post_json(port, "/_sandbox/latency", &json!({"ms": latency_ms})).await?;

    // Find the target (not measured), then the measured pick → Review.
    let input = wait_for(browser, "#find-input", 20).await?;
    input
        .send_keys(sc.target)
        .await
        .map_err(|e| format!("typing in Find: {e}"))?;
    let pick = format!(
        "#find-results li[data-upn={}] button",
        css_string(sc.target)
    );
    wait_for(browser, &pick, 30).await?;
    // Let any search still in flight finish, so the Review window holds only the Review's reads.
    wait_log_settled(port).await?;
    browser
        .execute(STOPWATCH, vec![])
        .await
        .map_err(|e| format!("installing the stopwatch: {e}"))?;
    let before_pick = last_log_id(port).await?;
    let before_pick_pre = last_preflight_id(port).await?;
    click(browser, &pick).await?;
    wait_for(browser, "#plan, #refusal", 30).await?;
    if exists(browser, "#refusal").await {
        return Err(format!(
            "the Review refused: {}",
            text_of(browser, "#refusal").await
        ));
    }
    // A TAP run starts from the standard plan and switches below.
    let expected = if sc.tap { "standard" } else { sc.plan };
    let path = crate::page::plan_path(browser).await?;
    if path != expected {
        return Err(format!("the Review's plan is {path}, not {expected}"));
    }
    let review_log = settled_window(port, before_pick).await?;
    let review_pre = preflights(port, before_pick_pre).await?;
    let review_times = stopwatch(browser).await?;

    // Set up the run (not measured).
    if sc.tap {
        click(browser, "#mode-tap").await?;
        wait_for(browser, "#plan[data-path='temporary-access-pass']", 10).await?;
        set_value(browser, "#tap-lifetime", "120").await?;
    }
    if value_of(browser, "#email-to").await?.trim().is_empty() {
        set_value(browser, "#email-to", sc.fallback_to).await?;
    }
    set_value(browser, "#confirm-ticket", "BENCH-1").await?;
    if sc.type_upn {
        set_value(browser, "#confirm-upn", sc.target).await?;
    }
    wait_enabled(browser, "#confirm-run", 10).await?;
    wait_log_settled(port).await?;
    let before_run = last_log_id(port).await?;
    let before_run_pre = last_preflight_id(port).await?;

    // The measured run: click → the finished receipt.
    click(browser, "#confirm-run").await?;
    if let Err(e) = wait_for(
        browser,
        "#receipt[data-reset='done'][data-email='sent']",
        60,
    )
    .await
    {
        let receipt = text_of(browser, "#receipt").await;
        let page = text_of(browser, "#workflow").await;
        return Err(format!(
            "no finished receipt ({e}); receipt: {receipt:?}; page: {page:?}"
        ));
    }
    let run_log = settled_window(port, before_run).await?;
    let run_pre = preflights(port, before_run_pre).await?;
    let times = stopwatch(browser).await?;

    // The sandbox must agree that it happened: one email, and the credential changed.
    let sent = get_json(port, "/_sandbox/outbox.json").await?["messages"]
        .as_array()
        .map_or(0, Vec::len);
    if sent != 1 {
        return Err(format!(
            "{sent} messages in the outbox after the run, not 1"
        ));
    }
    let cred = get_json(
        port,
        &format!(
            "/_sandbox/users/{}/credentials",
            crate::page::percent(sc.target)
        ),
    )
    .await?;
    let changed = if sc.tap {
        cred["temporaryAccessPasses"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    } else {
        cred["forceChangePasswordNextSignIn"] == json!(true)
    };
    if !changed {
        return Err(format!(
            "the receipt says done but the sandbox shows no new credential for {}",
            sc.target
        ));
    }

    let review = window_figures(&review_log, &review_pre, &review_times, "pick", "plan")?;
    let run = window_figures(&run_log, &run_pre, &times, "run", "receipt")?;
    Ok(json!({"review": review, "run": run}))
}

/// Round trips, requests and wall time for one measured window.
fn window_figures(
    log: &[Value],
    preflights: &[Value],
    times: &Value,
    from: &str,
    to: &str,
) -> Result<Value, String> {
    let (Some(a), Some(b)) = (times[from].as_f64(), times[to].as_f64()) else {
        return Err(format!(
            "the page's stopwatch missed the {from} or the {to}: {times}"
        ));
    };
    let spans = spans_of(log)?;
    let chain = longest_chain(&spans);
    let describe = |id: u64| {
        log.iter()
            .find(|e| e["id"] == id)
            .map(describe_entry)
            .unwrap_or_default()
    };
    // The same chain with the CORS preflights (their ids moved past the log's).
    let mut with_pre = spans.clone();
    for p in spans_of(preflights)? {
        with_pre.push(Span {
            id: PREFLIGHT_ID_BASE + p.id,
            ..p
        });
    }
    let chain_pre = longest_chain(&with_pre);
    let describe_pre = |id: u64| {
        if id > PREFLIGHT_ID_BASE {
            preflights
                .iter()
                .find(|e| e["id"] == id - PREFLIGHT_ID_BASE)
                .map(|e| {
                    format!(
                        "OPTIONS {} (preflight for {})",
                        e["path"].as_str().unwrap_or("?"),
                        e["requestMethod"].as_str().unwrap_or("?")
                    )
                })
                .unwrap_or_default()
        } else {
            describe(id)
        }
    };
    Ok(json!({
        "wallMs": round1(b - a),
        "roundTrips": chain.len(),
        "requests": log.len(),
        "preflights": preflights.len(),
        "roundTripsWithPreflights": chain_pre.len(),
        "chainWithPreflights": chain_pre.iter().map(|s| describe_pre(s.id)).collect::<Vec<_>>(),
        "chain": chain.iter().map(|s| describe(s.id)).collect::<Vec<_>>(),
        "all": log.iter().map(describe_entry).collect::<Vec<_>>(),
    }))
}

/// `METHOD path [inner: ...] -> status`, for the JSON.
fn describe_entry(e: &Value) -> String {
    let mut s = format!(
        "{} {}",
        e["method"].as_str().unwrap_or("?"),
        e["path"].as_str().unwrap_or("?")
    );
    if let Some(inner) = e["inner"].as_array().filter(|i| !i.is_empty()) {
        let parts: Vec<String> = inner
            .iter()
            .map(|i| {
                format!(
                    "{} {}",
                    i["method"].as_str().unwrap_or("?"),
                    i["path"].as_str().unwrap_or("?")
                )
            })
            .collect();
        s.push_str(&format!(" [{}]", parts.join("; ")));
    }
    s.push_str(&format!(" -> {}", e["status"]));
    s
}

fn spans_of(log: &[Value]) -> Result<Vec<Span>, String> {
    log.iter()
        .map(|e| {
            match (
                e["id"].as_u64(),
                e["startedUs"].as_u64(),
                e["endedUs"].as_u64(),
            ) {
                (Some(id), Some(start), Some(end)) => Ok(Span { id, start, end }),
                _ => Err(format!(
                    "a logged request has no start/end time (is the sandbox current?): {e}"
                )),
            }
        })
        .collect()
}

async fn log_entries(port: u16, since: u64) -> Result<Vec<Value>, String> {
    Ok(
        get_json(port, &format!("/_sandbox/requests?since={since}")).await?["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    )
}

/// Preflight spans get ids above this, apart from the request log's.
const PREFLIGHT_ID_BASE: u64 = 1 << 40;

async fn preflights(port: u16, since: u64) -> Result<Vec<Value>, String> {
    Ok(
        get_json(port, &format!("/_sandbox/preflights?since={since}")).await?["preflights"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    )
}

async fn last_preflight_id(port: u16) -> Result<u64, String> {
    Ok(preflights(port, 0)
        .await?
        .iter()
        .filter_map(|e| e["id"].as_u64())
        .max()
        .unwrap_or(0))
}

async fn last_log_id(port: u16) -> Result<u64, String> {
    Ok(log_entries(port, 0)
        .await?
        .iter()
        .filter_map(|e| e["id"].as_u64())
        .max()
        .unwrap_or(0))
}

/// Waits until no logged request is in flight and none started for 300 ms.
async fn wait_log_settled(port: u16) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = (u64::MAX, false);
    let mut quiet_since = Instant::now();
    loop {
        let log = log_entries(port, 0).await?;
        let id = log
            .iter()
            .filter_map(|e| e["id"].as_u64())
            .max()
            .unwrap_or(0);
        let busy = log.iter().any(|e| e["endedUs"].is_null());
        if (id, busy) != last {
            last = (id, busy);
            quiet_since = Instant::now();
        } else if !busy && quiet_since.elapsed() >= Duration::from_millis(300) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the page's requests did not settle within 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The requests logged after `since`, once all of them have ended.
async fn settled_window(port: u16, since: u64) -> Result<Vec<Value>, String> {
    wait_log_settled(port).await?;
    log_entries(port, since).await
}

// ---- The baseline: the standard reset by hand -------------------------------------------------

async fn baseline_runs(setup: &Setup, opts: &Options) -> Result<Value, String> {
    let mut walls = Vec::new();
    let mut trips = Vec::new();
    let mut last_chain = Value::Null;
    for i in 0..opts.runs {
        let sandbox = start_sandbox(setup).await?;
        let outcome = baseline_once(sandbox.port(), opts.latency_ms, i).await;
        sandbox.shutdown().await;
        let (wall, log) = outcome.map_err(|e| format!("baseline run {}: {e}", i + 1))?;
        let spans = spans_of(&log)?;
        let chain = longest_chain(&spans);
        println!(
            "    run {}: {} round trips, {wall:.0} ms",
            i + 1,
            chain.len()
        );
        trips.push(chain.len() as f64);
        walls.push(wall);
        last_chain = json!(log.iter().map(describe_entry).collect::<Vec<_>>());
    }
    Ok(json!({
        "definition": "GET users?$filter=userPrincipalName eq ..., GET users/{id}/transitiveMemberOf/microsoft.graph.directoryRole, PATCH users/{id} passwordProfile, POST me/sendMail; one after another over plain HTTP/1.1 from Rust, a token from the sandbox's authority (prompt=none + login_hint, PKCE), timed from the first request's send to the last answer",
        "wallMs": stats(&walls),
        "roundTrips": stats(&trips),
        "requests": last_chain,
    }))
}

/// RFC 7636 Appendix B's verifier and its S256 challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn baseline_once(port: u16, latency_ms: u64, n: usize) -> Result<(f64, Vec<Value>), String> {
    use sandbox::util::query_encode as enc;
    let config = get_json(port, "/config.json").await?;
    let tenant = config["tenant"]
        .as_str()
        .ok_or("config.json has no tenant")?;
    let client_id = config["clientId"]
        .as_str()
        .ok_or("config.json has no clientId")?;
    let redirect = config["redirectUri"]
        .as_str()
        .ok_or("config.json has no redirectUri")?;
    let scope = "https://graph.microsoft.com/.default openid";
    let authorize = format!(
        "/{tenant}/oauth2/v2.0/authorize?client_id={}&response_type=code&redirect_uri={}&scope={}\
         &code_challenge={CHALLENGE}&code_challenge_method=S256&prompt=none&login_hint={}",
        enc(client_id),
        enc(redirect),
        enc(scope),
        enc(USER_ADMIN)
    );
    let r = http(port, "GET", &authorize, &[], None).await?;
    let location = r.header("location").unwrap_or_default();
    let code = location
        .split(['?', '&', '#'])
        .find_map(|p| p.strip_prefix("code="))
        .ok_or_else(|| format!("authorize gave no code ({}): {location}", r.status))?
        .to_owned();
    let form = format!(
        "client_id={}&scope={}&code={code}&redirect_uri={}&grant_type=authorization_code&code_verifier={VERIFIER}",
        enc(client_id),
        enc(scope),
        enc(redirect)
    );
    let origin = redirect.trim_end_matches('/');
    let r = http(
        port,
        "POST",
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", origin),
        ],
        Some(form),
    )
    .await?;
    let token: Value =
        serde_json::from_str(&r.body).map_err(|e| format!("token answer not JSON: {e}"))?;
    let token = token["access_token"]
        .as_str()
        .ok_or_else(|| format!("no access token ({}): {}", r.status, r.body))?
        .to_owned();
    let auth = format!("Bearer {token}");

    post_json(port, "/_sandbox/latency", &json!({"ms": latency_ms})).await?;
    let before = last_log_id(port).await?;
    let started = Instant::now();
    let graph = |method: &'static str, path: String, body: Option<Value>| {
        let auth = auth.clone();
        async move {
            let mut headers = vec![("Authorization", auth.as_str())];
            if body.is_some() {
                headers.push(("Content-Type", "application/json"));
            }
            let r = http(port, method, &path, &headers, body.map(|b| b.to_string())).await?;
            if !(200..300).contains(&r.status) {
                return Err(format!("{method} {path} answered {}: {}", r.status, r.body));
            }
            Ok::<_, String>(r)
        }
    };
    // 1. Find the user.
    let filter = format!("userPrincipalName eq '{ALEX}'");
    let found = graph(
        "GET",
        format!(
            "/v1.0/users?$filter={}&$select=id,displayName,userPrincipalName,otherMails",
            enc(&filter)
        ),
        None,
    )
    .await?;
    let found: Value = serde_json::from_str(&found.body).map_err(|e| e.to_string())?;
    let user = found["value"]
        .get(0)
        .cloned()
        .ok_or_else(|| format!("{ALEX} was not found"))?;
    let id = user["id"].as_str().ok_or("the user has no id")?.to_owned();
    let to = user["otherMails"][0]
        .as_str()
        .ok_or("the user has no otherMails to write to")?
        .to_owned();
    // 2. Their roles (a privileged user would need another path).
    let roles = graph(
        "GET",
        format!("/v1.0/users/{id}/transitiveMemberOf/microsoft.graph.directoryRole"),
        None,
    )
    .await?;
    let roles: Value = serde_json::from_str(&roles.body).map_err(|e| e.to_string())?;
    if roles["value"].as_array().is_some_and(|r| !r.is_empty()) {
        return Err(format!("{ALEX} holds roles; the baseline expects none"));
    }
    // 3. Reset.
    let password = format!("Tidal-Ferry-{n}7q!");
    graph(
        "PATCH",
        format!("/v1.0/users/{id}"),
        Some(json!({"passwordProfile": {"forceChangePasswordNextSignIn": true, "password": password}})),
    )
    .await?;
    // 4. Email.
    graph(
        "POST",
        "/v1.0/me/sendMail".to_owned(),
        Some(json!({
            "message": {
                "subject": "Your new password",
                "body": {"contentType": "Text", "content": format!("Your temporary password: {password}")},
                "toRecipients": [{"emailAddress": {"address": to}}],
            },
            "saveToSentItems": false,
        })),
    )
    .await?;
    let wall = started.elapsed().as_secs_f64() * 1000.0;
    post_json(port, "/_sandbox/latency", &json!({"ms": 0})).await?;
    let log = settled_window(port, before).await?;
    let graph_log: Vec<Value> = log
        .into_iter()
        .filter(|e| e["path"].as_str().is_some_and(|p| p.starts_with("/v1.0/")))
        .collect();
    if graph_log.len() != 4 {
        return Err(format!(
            "the sandbox logged {} Graph requests, not 4",
            graph_log.len()
        ));
    }
    Ok((wall, graph_log))
}

/// One request to the sandbox's API origin (`localhost`), as a plain HTTP client would send it.
async fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<Answer, String> {
    exchange(
        port,
        "localhost",
        method,
        path,
        headers,
        &body.unwrap_or_default(),
    )
    .await
}

// ---- Plumbing ---------------------------------------------------------------------------------

async fn start_sandbox(setup: &Setup) -> Result<sandbox::Running, String> {
    sandbox::start(sandbox::Options {
        port: 0,
        dist: Some(setup.dist.clone()),
        ..sandbox::Options::default()
    })
    .await
    .map_err(|e| format!("cannot start the sandbox: {e}"))
}

fn profile_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("handover-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Per-path summary: medians of the runs.
fn summarise_path(sc: &Scenario, runs: Vec<Value>) -> Value {
    let pick = |section: &str, field: &str| -> Vec<f64> {
        runs.iter()
            .filter_map(|r| r[section][field].as_f64())
            .collect()
    };
    json!({
        "key": sc.key,
        "label": sc.label,
        "run": {
            "wallMs": stats(&pick("run", "wallMs")),
            "roundTrips": stats(&pick("run", "roundTrips")),
            "requests": stats(&pick("run", "requests")),
            "preflights": stats(&pick("run", "preflights")),
            "roundTripsWithPreflights": stats(&pick("run", "roundTripsWithPreflights")),
        },
        "review": {
            "wallMs": stats(&pick("review", "wallMs")),
            "roundTrips": stats(&pick("review", "roundTrips")),
            "requests": stats(&pick("review", "requests")),
            "preflights": stats(&pick("review", "preflights")),
            "roundTripsWithPreflights": stats(&pick("review", "roundTripsWithPreflights")),
        },
        "firstRun": runs.first().cloned().unwrap_or(Value::Null),
        "runs": runs,
    })
}

#[cfg(test)]
mod tests {
    use super::{longest_chain, stats, Span};

    fn s(id: u64, start: u64, end: u64) -> Span {
        Span { id, start, end }
    }

    #[test]
    fn the_longest_chain_counts_only_requests_that_wait_for_the_previous_answer() {
        // Two parallel reads, then a write after both, then an email after the write.
        let spans = [s(1, 0, 100), s(2, 5, 120), s(3, 130, 230), s(4, 240, 330)];
        let ids: Vec<u64> = longest_chain(&spans).iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), 3);
        assert_eq!(&ids[1..], &[3, 4]);
        // All in parallel: one round trip.
        assert_eq!(
            longest_chain(&[s(1, 0, 100), s(2, 1, 101), s(3, 2, 99)]).len(),
            1
        );
        // A request that starts exactly when the previous ended follows it.
        assert_eq!(longest_chain(&[s(1, 0, 100), s(2, 100, 200)]).len(), 2);
        assert!(longest_chain(&[]).is_empty());
    }

    #[test]
    fn stats_give_the_median_min_and_max() {
        let v = stats(&[5.0, 1.0, 3.0]);
        assert_eq!(
            (v["median"].as_f64(), v["min"].as_f64(), v["max"].as_f64()),
            (Some(3.0), Some(1.0), Some(5.0))
        );
        assert_eq!(stats(&[4.0, 1.0, 2.0, 3.0])["median"].as_f64(), Some(2.5));
    }
}
