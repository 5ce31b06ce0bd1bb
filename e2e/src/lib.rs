//! End-to-end support: a ChromeDriver that is always stopped, headless Chromium sessions that are
//! always closed, a fresh sandbox tenant per test, and a small libtest-like runner.
//!
//! The runner gives every test its own sandbox (in-process, on a free loopback port) and its own
//! browser session, runs it in a spawned task with a time limit (a panic or a hang fails only that
//! test), then closes the session and stops the sandbox whatever happened.

use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod bench;
pub mod cdp;
pub mod control;
pub mod logs;
pub mod portal;
mod wd;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
pub type TestFuture = Pin<Box<dyn Future<Output = TestResult> + Send>>;
pub type TestFn = fn(Ctx) -> TestFuture;

/// Builds the list of tests: `tests![foundation::page_mounts, signin::redirect]`.
#[macro_export]
macro_rules! tests {
    ($($name:path),* $(,)?) => {
        vec![$((stringify!($name).replace(' ', ""), (|ctx| Box::pin($name(ctx))) as $crate::TestFn)),*]
    };
}

/// Fails the test with a message (a `?`-able error).
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => { return Err(format!($($arg)*).into()) };
}

/// Asserts inside a test without panicking the task (so the failure text stays clear).
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => { if !$cond { $crate::fail!($($arg)*); } };
}

/// Where the built page and the browser are; set by `cargo xtask test`.
#[derive(Clone, Debug)]
pub struct Setup {
    pub dist: PathBuf,
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
}

impl Setup {
    pub fn from_env() -> Result<Setup, String> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let dist = std::env::var_os("HANDOVER_DIST")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("dist"));
        if !dist.join("index.html").exists() {
            return Err(format!(
                "no built page in {}: run `cargo xtask build` first, or run the e2e suite through \
                 `cargo xtask test`",
                dist.display()
            ));
        }
        let chromedriver = std::env::var_os("CHROMEDRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
        let chromium = std::env::var_os("CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        for (what, p) in [("chromedriver", &chromedriver), ("chromium", &chromium)] {
            if !p.exists() {
                return Err(format!(
                    "{what} not found at {}: `cargo xtask test` installs it",
                    p.display()
                ));
            }
        }
        Ok(Setup {
            dist,
            chromedriver,
            chromium,
        })
    }
}

/// A ChromeDriver child process on a free loopback port; killed when dropped.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    pub fn start(path: &Path) -> Result<Driver, String> {
        let port = free_port()?;
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
        let driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!(
                    "chromedriver did not listen on port {port} within 20 s"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(driver)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Opens a headless Chromium session with a fresh profile; the flags keep it off the closed network.
pub async fn open_browser(
    driver: &Driver,
    chromium: &Path,
    profile: &Path,
) -> Result<Client, String> {
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
            // Network events for the request-destination scan; Page events show the dialogs
            // Chromium opened (ChromeDriver accepts `beforeunload` ones by itself).
            "perfLoggingPrefs": { "enableNetwork": true, "enablePage": true },
        },
        "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
    });
    let Value::Object(caps) = caps else {
        return Err("capabilities are not an object".into());
    };
    let mut builder = ClientBuilder::new(HttpConnector::new());
    builder.capabilities(caps);
    builder
        .connect(&driver.url())
        .await
        .map_err(|e| format!("cannot open a Chromium session: {e}"))
}

/// What each test gets: its own sandbox tenant and browser session.
pub struct Ctx {
    pub browser: Client,
    pub sandbox: std::sync::Arc<sandbox::Running>,
    pub setup: Setup,
}

impl Ctx {
    /// The page's address on the sandbox (`http://127.0.0.1:P/`).
    pub fn page_url(&self) -> String {
        format!("{}/", self.sandbox.page_origin())
    }

    /// Signs in through the page's redirect flow as a sample account of the sandbox tenant,
    /// and waits until the page shows the signed-in header.
    pub async fn sign_in_as(&self, upn: &str) -> Result<(), String> {
        sign_in_as(&self.browser, &self.page_url(), upn).await
    }

    /// The sandbox's port, for the control API.
    pub fn port(&self) -> u16 {
        self.sandbox.port()
    }

    /// Waits until `css` matches an element, up to `secs` seconds.
    pub async fn wait_for(
        &self,
        css: &str,
        secs: u64,
    ) -> Result<fantoccini::elements::Element, String> {
        wait_for(&self.browser, css, secs).await
    }
}

/// Opens `page_url`, starts sign-in and picks `upn` in the sandbox's account chooser.
pub async fn sign_in_as(browser: &Client, page_url: &str, upn: &str) -> Result<(), String> {
    let e = |what: &str, err: fantoccini::error::CmdError| format!("{what}: {err}");
    browser
        .goto(page_url)
        .await
        .map_err(|err| e("open the page", err))?;
    wait_for(browser, "#sign-in", 20)
        .await?
        .click()
        .await
        .map_err(|err| e("click Sign in", err))?;
    pick_account(browser, upn).await?;
    wait_for(browser, "#signed-in #admin-name", 20).await?;
    Ok(())
}

/// On the sandbox's account chooser, picks `upn`.
pub async fn pick_account(browser: &Client, upn: &str) -> Result<(), String> {
    let css = format!("button[data-upn=\"{upn}\"]");
    wait_for(browser, &css, 20)
        .await?
        .click()
        .await
        .map_err(|err| format!("choose {upn}: {err}"))
}

/// Waits until `css` matches an element whose text contains `needle`.
pub async fn wait_for_text(
    browser: &Client,
    css: &str,
    needle: &str,
    secs: u64,
) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = String::new();
    loop {
        if let Ok(el) = browser.find(Locator::Css(css)).await {
            if let Ok(text) = el.text().await {
                if text.contains(needle) {
                    return Ok(text);
                }
                last = text;
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "`{css}` did not show {needle:?} within {secs} s (last text: {last:?})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn wait_for(
    browser: &Client,
    css: &str,
    secs: u64,
) -> Result<fantoccini::elements::Element, String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Ok(el) = browser.find(Locator::Css(css)).await {
            return Ok(el);
        }
        if Instant::now() > deadline {
            let url = browser
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            return Err(format!(
                "`{css}` did not appear within {secs} s (page: {url})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs the suite the way libtest reports, and exits non-zero on any failure.
pub fn run_suite(tests: Vec<(String, TestFn)>) -> ! {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let selected: Vec<_> = tests
        .into_iter()
        .filter(|(name, _)| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str())))
        .collect();
    let setup = match Setup::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("e2e: {e}");
            println!(
                "test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out"
            );
            std::process::exit(101);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("e2e: cannot start tokio: {e}");
            std::process::exit(101);
        }
    };
    let started = Instant::now();
    println!("\nrunning {} tests", selected.len());
    let (passed, failed) = runtime.block_on(async {
        let driver = match Driver::start(&setup.chromedriver) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("e2e: {e}");
                return (0, selected.len().max(1));
            }
        };
        let mut passed = 0;
        let mut failures = Vec::new();
        for (name, test) in selected {
            match run_one(&driver, &setup, &name, test).await {
                Ok(()) => {
                    println!("test {name} ... ok");
                    passed += 1;
                }
                Err(e) => {
                    println!("test {name} ... FAILED");
                    failures.push((name, e));
                }
            }
        }
        if !failures.is_empty() {
            println!("\nfailures:\n");
            for (name, e) in &failures {
                println!("---- {name} ----\n{e}\n");
            }
        }
        drop(driver);
        (passed, failures.len())
    });
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
        if failed == 0 { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    std::process::exit(if failed == 0 { 0 } else { 101 });
}

const TEST_TIME_LIMIT: Duration = Duration::from_secs(120);

async fn run_one(driver: &Driver, setup: &Setup, name: &str, test: TestFn) -> Result<(), String> {
    let sandbox = sandbox::start(sandbox_options(setup))
        .await
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let sandbox = std::sync::Arc::new(sandbox);
    let profile = std::env::temp_dir().join(format!("handover-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let browser = open_browser(driver, &setup.chromium, &profile).await?;
    let ctx = Ctx {
        browser: browser.clone(),
        sandbox: sandbox.clone(),
        setup: setup.clone(),
    };
    let outcome = match tokio::time::timeout(TEST_TIME_LIMIT, tokio::spawn(test(ctx))).await {
        Err(_) => Err(format!("timed out after {} s", TEST_TIME_LIMIT.as_secs())),
        Ok(Err(join)) => Err(format!("panicked: {join}")),
        Ok(Ok(Err(e))) => Err(e.to_string()),
        Ok(Ok(Ok(()))) => Ok(()),
    };
    if outcome.is_err() {
        save_screenshot(&browser, name).await;
    }
    let _ = browser.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    if let Ok(sandbox) = std::sync::Arc::try_unwrap(sandbox) {
        sandbox.shutdown().await;
    }
    outcome
}

fn sandbox_options(setup: &Setup) -> sandbox::Options {
    sandbox::Options {
        port: 0,
        dist: Some(setup.dist.clone()),
        ..sandbox::Options::default()
    }
}

async fn save_screenshot(browser: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    if let Ok(png) = browser.screenshot().await {
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}.png"));
        if std::fs::write(&path, png).is_ok() {
            println!("  screenshot of the failure: {}", path.display());
        }
    }
}

// ---- Workflow end-to-end helpers (issue 6; owned by the workflow screens) ----
pub mod page;
