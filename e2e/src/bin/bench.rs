//! `cargo xtask bench` runs this: the browser and network measurements of e2e::bench, written as
//! JSON to the path given with `--out`. Needs HANDOVER_DIST, CHROMEDRIVER and CHROMIUM as the
//! e2e suite does. Exits non-zero, saying why, if any run does not complete.

use std::path::PathBuf;
use std::process::ExitCode;

use e2e::bench::Options;
use e2e::Setup;

const USAGE: &str = "usage: bench --out FILE [--loads N] [--runs N] [--latency-ms N]";

fn parse(args: &[String]) -> Result<(PathBuf, Options), String> {
    let mut opts = Options::default();
    let mut out = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{name} needs a whole number, not {v:?}\n{USAGE}"))
        };
        match a.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--loads" => opts.loads = number("--loads", value("--loads")?)? as usize,
            "--runs" => opts.runs = number("--runs", value("--runs")?)? as usize,
            "--latency-ms" => opts.latency_ms = number("--latency-ms", value("--latency-ms")?)?,
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    let out = out.ok_or_else(|| format!("--out is required\n{USAGE}"))?;
    Ok((out, opts))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = parse(&args).and_then(|(out, opts)| {
        let setup = Setup::from_env()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start tokio: {e}"))?;
        let report = runtime.block_on(e2e::bench::run(&setup, &opts))?;
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| format!("cannot write the report: {e}"))?;
        std::fs::write(&out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}
