//! `cargo xtask bench` (issue 8): what the page costs to load and what a reset costs in round
//! trips. Not a test: it measures and reports, and fails only when a run does not complete.
//!
//! Sizes are computed here (gzip -9 with flate2, brotli quality 11 with the brotli crate); the
//! browser and network figures come from the e2e crate's `bench` binary (headless Chromium and the
//! sandbox, see e2e/src/bench.rs for the exact definitions), whose JSON is merged into one report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{json, Value};

use crate::tools::Tools;
use crate::ui::{self, step};
use crate::{build_page, run};

pub const HELP: &str = "\
options for bench:
  --loads N        page loads for the time to interactive (default 10)
  --runs N         runs of each reset path and of the baseline (default 5)
  --latency-ms N   latency the sandbox adds to every request for the reset runs (default 100)
  --out FILE       where to write the JSON report (default target/bench.json)
";

/// Brotli's window for the sizes: 22 bits, the library's default (4 MiB: more than any asset).
const BROTLI_LGWIN: u32 = 22;

pub fn bench(root: &Path, args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let mut out = root.join("target/bench.json");
    let mut pass_on: Vec<String> = Vec::new();
    // The driver's defaults, echoed in the progress line; an option passed on replaces them.
    let (mut loads, mut runs, mut latency_ms) = (10, 5, 100);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--loads" | "--runs" | "--latency-ms" => {
                let v = it.next().ok_or(format!("{a} needs a number\n\n{HELP}"))?;
                let n = v
                    .parse::<u64>()
                    .map_err(|_| format!("{a} needs a whole number, not {v:?}"))?;
                match a.as_str() {
                    "--loads" => loads = n,
                    "--runs" => runs = n,
                    _ => latency_ms = n,
                }
                pass_on.push(a.clone());
                pass_on.push(v.clone());
            }
            "--out" => {
                out = PathBuf::from(it.next().ok_or(format!("--out needs a file\n\n{HELP}"))?)
            }
            other => return Err(format!("unknown option for bench: {other}\n\n{HELP}")),
        }
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }

    let tools = Tools::ensure(root, true)?;
    let dist = build_page(root, &tools)?;
    let sizes = step(
        "Measuring every file of dist/: raw, gzip -9, brotli (quality 11)",
        || sizes(&dist),
    )?;
    let browser_out = out.with_extension("browser.json");
    let _ = std::fs::remove_file(&browser_out);
    step(
        &format!(
            "Measuring in headless Chromium against the sandbox: {loads} cold page loads, {runs} \
             runs of each reset path with {latency_ms} ms added to every request, and the by-hand \
             baseline (builds the e2e bench driver first; a few minutes)"
        ),
        || {
            let mut cmd = Command::new("cargo");
            cmd.args([
                "run", "--quiet", "-p", "e2e", "--bin", "bench", "--", "--out",
            ])
            .arg(&browser_out)
            .args(&pass_on)
            .env("HANDOVER_DIST", &dist)
            .env("CHROMEDRIVER", &tools.chromedriver)
            .env("CHROMIUM", &tools.chromium);
            run(&mut cmd)
        },
    )?;
    let text = std::fs::read_to_string(&browser_out).map_err(|e| {
        format!(
            "the bench driver wrote no report at {}: {e}",
            browser_out.display()
        )
    })?;
    let measured: Value = serde_json::from_str(&text)
        .map_err(|e| format!("the bench driver's report is not JSON: {e}"))?;
    let _ = std::fs::remove_file(&browser_out);

    let mut report = json!({
        "dist": dist.display().to_string(),
        "sizes": sizes,
    });
    if let (Value::Object(r), Value::Object(m)) = (&mut report, measured) {
        r.extend(m);
    }
    let table = table(&report)?;
    let pretty = serde_json::to_string_pretty(&report)
        .map_err(|e| format!("cannot write the report: {e}"))?;
    std::fs::write(&out, pretty).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("\n{table}");
    println!(
        "The same figures, with every run and every request counted, are in {}.",
        out.display()
    );
    println!("The bench took {}.", ui::seconds(started.elapsed()));
    Ok(())
}

/// Every file the page is served from, with its raw, gzip -9 and brotli 11 sizes, and the total.
fn sizes(dist: &Path) -> Result<Value, String> {
    let files = ui::dist_files(dist)?;
    if !files.iter().any(|(n, _)| n.ends_with(".wasm")) {
        return Err(format!("no .wasm file in {}", dist.display()));
    }
    let mut rows = Vec::new();
    let (mut raw, mut gz, mut br) = (0usize, 0usize, 0usize);
    for (name, bytes) in &files {
        let g = gzip9(bytes)?;
        let b = brotli11(bytes)?;
        raw += bytes.len();
        gz += g;
        br += b;
        rows.push(json!({"file": name, "raw": bytes.len(), "gzip9": g, "brotli11": b}));
    }
    Ok(json!({
        "files": rows,
        "total": {"raw": raw, "gzip9": gz, "brotli11": br},
        "note": "every file in dist/ but SHA256SUMS; gzip: flate2 at level 9 (gzip -9); brotli: quality 11, window 22 bits",
    }))
}

fn gzip9(bytes: &[u8]) -> Result<usize, String> {
    crate::budget::gzip9(bytes).map(|n| n as usize)
}

fn brotli11(bytes: &[u8]) -> Result<usize, String> {
    let mut enc = brotli::CompressorWriter::new(Vec::new(), 4096, 11, BROTLI_LGWIN);
    enc.write_all(bytes)
        .and_then(|()| enc.flush())
        .map_err(|e| format!("brotli: {e}"))?;
    Ok(enc.into_inner().len())
}

fn num(v: &Value) -> Result<f64, String> {
    v.as_f64()
        .ok_or_else(|| format!("the report lacks a figure where one was expected: {v}"))
}

/// `median (min–max)` of a stats object.
fn spread(v: &Value, unit: &str) -> Result<String, String> {
    Ok(format!(
        "{:.0}{unit} ({:.0}–{:.0})",
        num(&v["median"])?,
        num(&v["min"])?,
        num(&v["max"])?
    ))
}

/// One path's row: round trips, with preflights, requests (medians and spreads), wall time.
fn row(name: &str, v: &Value) -> Result<String, String> {
    Ok(format!(
        "  {:<40} {:>11} {:>16} {:>9} {:>20}",
        name,
        spread(&v["roundTrips"], "")?,
        spread(&v["roundTripsWithPreflights"], "")?,
        num(&v["requests"]["median"])?,
        spread(&v["wallMs"], "")?
    ))
}

/// The printed table (everything in it is also in the JSON).
fn table(r: &Value) -> Result<String, String> {
    let mut t = String::new();
    let mut line = |s: String| {
        t.push_str(&s);
        t.push('\n');
    };
    line("Page bytes (dist/, as a static host serves them)".into());
    line(format!(
        "  {:<44} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip -9", "brotli 11"
    ));
    let files = r["sizes"]["files"].as_array().cloned().unwrap_or_default();
    for f in files.iter().chain(std::iter::once(&json!({
        "file": "total",
        "raw": r["sizes"]["total"]["raw"],
        "gzip9": r["sizes"]["total"]["gzip9"],
        "brotli11": r["sizes"]["total"]["brotli11"],
    }))) {
        line(format!(
            "  {:<44} {:>10} {:>10} {:>10}",
            f["file"].as_str().unwrap_or("?"),
            num(&f["raw"])?,
            num(&f["gzip9"])?,
            num(&f["brotli11"])?
        ));
    }
    let i = &r["interactive"]["ms"];
    line(String::new());
    line(format!(
        "Navigation to first interactive screen (headless Chromium, new empty profile per load, \
         no added latency; mark handover:interactive): median {:.1} ms, min {:.1} ms, max {:.1} ms \
         over {} loads",
        num(&i["median"])?,
        num(&i["min"])?,
        num(&i["max"])?,
        i["n"]
    ));
    line(String::new());
    let latency = num(&r["latencyMs"])?;
    let paths = r["paths"].as_array().cloned().unwrap_or_default();
    let runs = paths
        .first()
        .and_then(|p| p["run"]["wallMs"]["n"].as_u64())
        .unwrap_or(0);
    line(format!(
        "Confirm click to receipt, {latency:.0} ms added to every request (median of {runs}; \
         min–max)"
    ));
    let head = format!(
        "  {:<40} {:>11} {:>16} {:>9} {:>20}",
        "path", "round trips", "with preflights", "requests", "wall ms"
    );
    line(head.clone());
    let mut standard_wall = None;
    let mut standard_trips = None;
    for p in &paths {
        let run = &p["run"];
        if p["key"] == "standard" {
            standard_wall = run["wallMs"]["median"].as_f64();
            standard_trips = run["roundTrips"]["median"].as_f64();
        }
        line(row(p["key"].as_str().unwrap_or("?"), run)?);
    }
    let b = &r["baseline"];
    line(format!(
        "  {:<40} {:>11} {:>16} {:>9} {:>20}",
        "baseline: standard by hand, sequential",
        spread(&b["roundTrips"], "")?,
        "(no CORS)",
        b["requests"].as_array().map_or(0, Vec::len),
        spread(&b["wallMs"], "")?
    ));
    let (Some(sw), Some(st)) = (standard_wall, standard_trips) else {
        return Err("the report has no standard path".into());
    };
    line(format!(
        "  ratio baseline / Handover (standard path, medians): wall time {:.2}x, round trips {:.2}x",
        num(&b["wallMs"]["median"])? / sw,
        num(&b["roundTrips"]["median"])? / st
    ));
    line(String::new());
    line(format!(
        "Review step's reads: user selected to plan shown, {latency:.0} ms added (median of {runs}; \
         min–max)"
    ));
    line(head);
    for p in &paths {
        line(row(p["key"].as_str().unwrap_or("?"), &p["review"])?);
    }
    line(String::new());
    line(
        "Round trips: from the sandbox's request log (authority and Graph; a $batch is one \
         request; page files are not counted), the longest chain of requests each starting after \
         the previous one ended; \"with preflights\" counts the same chain with the CORS \
         preflights the sandbox answered (GET /_sandbox/preflights). Wall time: performance.now() \
         in the page from the click to the receipt (or the plan) appearing."
            .into(),
    );
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::{brotli11, gzip9};

    #[test]
    fn compressed_sizes_shrink_repetitive_input_and_gzip_has_its_frame() {
        let text = "handover ".repeat(1000);
        let g = gzip9(text.as_bytes()).unwrap();
        let b = brotli11(text.as_bytes()).unwrap();
        assert!(g < 200 && b < 200, "gzip {g}, brotli {b}");
        // An empty input still costs gzip's 18-byte header and trailer plus an empty block.
        assert_eq!(gzip9(b"").unwrap(), 20);
        assert!(brotli11(b"").unwrap() >= 1);
    }
}
