//! How xtask talks: every step says what it does and how long it took.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::describe;

pub fn note(text: &str) {
    println!("--> {text}");
}

pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 90.0 {
        format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{s:.1} s")
    }
}

/// Runs one named step, printing its name first and its duration (or failure) after.
pub fn step<T>(name: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    println!("==> {name}");
    let _ = std::io::stdout().flush();
    let started = Instant::now();
    let result = f();
    match &result {
        Ok(_) => println!("    done in {}", seconds(started.elapsed())),
        Err(_) => println!("    FAILED after {}", seconds(started.elapsed())),
    }
    result
}

/// Counts tests over every suite from libtest's (and wasm-bindgen-test's) summary lines.
#[derive(Default)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
}

impl Tally {
    /// Runs a `cargo test` command, echoing its output, and adds its summary lines to the tally.
    pub fn run_cargo_tests(&mut self, cmd: &mut Command) -> Result<(), String> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not run {}: {e}", describe(cmd)))?;
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                println!("{line}");
                if let Some((p, f)) = parse_summary(&line) {
                    self.passed += p;
                    self.failed += f;
                }
            }
        }
        let status = child
            .wait()
            .map_err(|e| format!("{}: {e}", describe(cmd)))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{} failed ({status})", describe(cmd)))
        }
    }
}

/// Reads "test result: ok. 12 passed; 0 failed; ..." into (12, 0).
pub fn parse_summary(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let mut passed = None;
    let mut failed = None;
    for part in rest.split(';') {
        let words: Vec<&str> = part.split_whitespace().collect();
        let n = words.len();
        if n >= 2 {
            let count = words[n - 2].parse::<u64>().ok();
            match words[n - 1] {
                "passed" => passed = count,
                "failed" => failed = count,
                _ => {}
            }
        }
    }
    Some((passed?, failed?))
}

pub fn print_dist_listing(dist: &Path) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(dist)
        .map_err(|e| format!("cannot list {}: {e}", dist.display()))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let len = e.metadata().map(|m| m.len()).unwrap_or(0);
        println!("  {:>9} B  {}", len, e.file_name().to_string_lossy());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_summary;

    #[test]
    fn reads_libtest_and_wasm_bindgen_test_summaries() {
        assert_eq!(
            parse_summary("test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s"),
            Some((12, 0))
        );
        assert_eq!(
            parse_summary("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some((3, 2))
        );
        assert_eq!(parse_summary("running 3 tests"), None);
    }
}
