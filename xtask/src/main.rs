//! `cargo xtask demo|test|build`: the project's own commands. Each installs what it is missing
//! (idempotently, saying what and how long), then builds, serves or tests.

mod bench;
mod budget;
mod csp;
mod tools;
mod ui;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use tools::Tools;
use ui::{step, Tally};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  demo     install what is missing, build the page in release and serve it with the sandbox
           tenant on http://127.0.0.1:8080 (Ctrl-C stops it)
  test     install what the tests need, then run every stage: fmt, clippy (native and wasm32),
           native unit tests, browser tests in headless Chromium, end-to-end tests
  build    install what is missing and write the release page to dist/ for a static host
  weigh    build the release page, then weigh it as the test stage does: gzip -9 of every file
           in dist/, the total against issue #8's budget, failing above the ceiling;
           `weigh --dist DIR` weighs an existing build in DIR instead, without building
  tools    only install what is missing (wasm32 target, Trunk, wasm-bindgen, wasm-opt, Chromium)
  bench    build the release page, then measure it: bytes per file (raw, gzip -9, brotli 11),
           time to the first interactive screen in headless Chromium, and round trips and wall
           time of each reset path against the sandbox with 100 ms added to every request, beside
           a by-hand baseline; prints a table and writes it as JSON (target/bench.json)

options for demo:
  --port P     serve on 127.0.0.1:P instead of 8080
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    if let Err(e) = std::env::set_current_dir(&root) {
        eprintln!("xtask: cannot enter {}: {e}", root.display());
        return ExitCode::FAILURE;
    }
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(&root, &args[1..]),
        Some("test") => test(&root),
        Some("build") => build(&root).map(|_| ()),
        Some("weigh") => weigh(&root, &args[1..]),
        Some("tools") => Tools::ensure(&root, true).map(|_| ()),
        Some("bench") => bench::bench(&root, &args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}\n{}", bench::HELP);
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    // CARGO_MANIFEST_DIR is xtask/; the workspace root is its parent. `cargo run` (the `cargo
    // xtask` alias) sets it for this process, naming the checkout it was run from; the value
    // compiled in names the checkout the binary was built from, which differs when a target
    // directory is shared by two checkouts and cargo did not rebuild xtask.
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    dir.parent().map(Path::to_path_buf).unwrap_or(dir)
}

/// Builds the release page into `dist/` with Trunk (wasm-opt -Oz), offline so a missing tool fails
/// loudly instead of being downloaded.
fn build_page(root: &Path, tools: &Tools) -> Result<PathBuf, String> {
    let dist = root.join("dist");
    step(
        "Building the page in release with Trunk (cold: a few minutes; warm: seconds)",
        || {
            let mut cmd = Command::new(&tools.trunk);
            tools::size_build_env(root, &mut cmd)?;
            cmd.args(["build", "--release", "--offline", "--dist"])
                .arg(&dist)
                .env("PATH", tools.path_env())
                // Trunk must not pick up a stray NO_COLOR-less terminal setting in CI logs.
                .env("TRUNK_NO_COLOR", "true");
            run(&mut cmd)
        },
    )?;
    csp::pin_inline_scripts(&dist)?;
    Ok(dist)
}

fn build(root: &Path) -> Result<PathBuf, String> {
    let tools = Tools::ensure(root, false)?;
    let dist = build_page(root, &tools)?;
    println!("\nThe release page is in {}:", dist.display());
    ui::print_dist_listing(&dist)?;
    Ok(dist)
}

fn weigh(root: &Path, args: &[String]) -> Result<(), String> {
    match args {
        [] => build(root).and_then(|dist| budget::enforce(&dist)),
        [flag, dir] if flag == "--dist" => budget::enforce(Path::new(dir)),
        _ => Err(format!(
            "weigh takes no options but `--dist DIR`\n\n{USAGE}"
        )),
    }
}

fn demo(root: &Path, args: &[String]) -> Result<(), String> {
    let mut port = "8080".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => port = it.next().cloned().ok_or("--port needs a number")?,
            other => return Err(format!("unknown option for demo: {other}\n\n{USAGE}")),
        }
    }
    let tools = Tools::ensure(root, false)?;
    let dist = build_page(root, &tools)?;
    step("Building the sandbox tenant", || {
        run(Command::new("cargo").args(["build", "--quiet", "-p", "sandbox"]))
    })?;
    let sandbox = root.join("target/debug/sandbox");
    println!(
        "\nStarting the sandbox tenant on http://127.0.0.1:{port}/ (Ctrl-C stops it).\n\
         Open that address, choose \"Sign in\", and pick a sample admin from the list\n\
         (for example the User Administrator); sandbox/README.md describes every sample account.\n"
    );
    let mut cmd = Command::new(sandbox);
    cmd.args(["--port", &port, "--dist"]).arg(&dist);
    exec(cmd)
}

/// Replaces this process with `cmd`, so Ctrl-C stops exactly what the demo started.
#[cfg(unix)]
fn exec(mut cmd: Command) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    Err(format!("could not start the sandbox: {}", cmd.exec()))
}

#[cfg(not(unix))]
fn exec(mut cmd: Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("could not start the sandbox: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the sandbox stopped: {status}"))
    }
}

fn test(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let tools = Tools::ensure(root, true)?;
    let mut tally = Tally::default();
    let outcome = run_test_stages(root, &tools, &mut tally);
    println!();
    match &outcome {
        Ok(()) => println!("All stages passed in {}.", ui::seconds(started.elapsed())),
        Err(stage) => println!("Stopped at the failing stage: {stage}."),
    }
    // The one closing line CI reads, over all suites.
    println!("{} passed, {} failed", tally.passed, tally.failed);
    match outcome {
        Ok(()) if tally.failed == 0 => Ok(()),
        Ok(()) => Err("some tests failed".into()),
        Err(stage) => Err(format!("stage failed: {stage}")),
    }
}

fn run_test_stages(root: &Path, tools: &Tools, tally: &mut Tally) -> Result<(), String> {
    let stage = |name: &str, f: &mut dyn FnMut() -> Result<(), String>| -> Result<(), String> {
        step(name, &mut *f).map_err(|e| {
            eprintln!("{e}");
            name.to_string()
        })
    };

    stage("Checking formatting (cargo fmt --check)", &mut || {
        run(Command::new("cargo").args(["fmt", "--all", "--", "--check"]))
    })?;
    stage(
        "Linting the native crates (clippy -D warnings)",
        &mut || {
            run(Command::new("cargo").args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--quiet",
                "--",
                "-D",
                "warnings",
            ]))
        },
    )?;
    stage(
        "Linting the page on wasm32 (clippy -D warnings)",
        &mut || {
            run(Command::new("cargo").args([
                "clippy",
                "-p",
                "handover",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--quiet",
                "--",
                "-D",
                "warnings",
            ]))
        },
    )?;
    stage("Native unit and HTTP tests of every crate", &mut || {
        let mut cmd = Command::new("cargo");
        cmd.args(["test", "--workspace", "--exclude", "e2e"]);
        tally.run_cargo_tests(&mut cmd)?;
        let mut cmd = Command::new("cargo");
        cmd.args(["test", "-p", "e2e", "--lib"]);
        tally.run_cargo_tests(&mut cmd)
    })?;
    stage(
        "Browser tests (wasm-bindgen-test in headless Chromium)",
        &mut || {
            let mut cmd = Command::new("cargo");
            cmd.args([
                "test",
                "-p",
                "handover",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("PATH", tools.path_env())
            .env("CHROMEDRIVER", &tools.chromedriver)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
            tally.run_cargo_tests(&mut cmd)
        },
    )?;
    let dist = build_page(root, tools).map_err(|e| {
        eprintln!("{e}");
        "building the release page".to_string()
    })?;
    stage(
        "Weighing the page (gzip -9 of dist/: may not exceed the ceiling; the 150 KB budget reported)",
        &mut || budget::enforce(&dist),
    )?;
    stage(
        "End-to-end tests (headless Chromium against the sandbox)",
        &mut || {
            let mut cmd = Command::new("cargo");
            cmd.args(["test", "-p", "e2e", "--test", "e2e"])
                .env("HANDOVER_DIST", &dist)
                .env("CHROMEDRIVER", &tools.chromedriver)
                .env("CHROMIUM", &tools.chromium);
            tally.run_cargo_tests(&mut cmd)
        },
    )?;
    Ok(())
}

/// Runs a command with inherited output; a non-zero exit is an error naming the command.
pub(crate) fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("could not run {}: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}
