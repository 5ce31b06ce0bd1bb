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

/// The checksum file `cargo xtask build` writes into `dist/`, in `sha256sum -c` format.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// Prints every file of `dist/` with its size and SHA-256, and writes the same hashes to
/// `dist/SHA256SUMS` so an auditor can check a copy with `sha256sum -c SHA256SUMS`.
pub fn print_dist_listing(dist: &Path) -> Result<(), String> {
    let files = dist_files(dist)?;
    let mut sums = String::new();
    for (name, bytes) in &files {
        let hash = sha256_hex(bytes);
        println!("  {:>9} B  {hash}  {name}", bytes.len());
        // Two spaces: sha256sum's text-mode separator, which `sha256sum -c` reads on every system.
        sums.push_str(&format!("{hash}  {name}\n"));
    }
    let sums_path = dist.join(SUMS_FILE);
    std::fs::write(&sums_path, sums)
        .map_err(|e| format!("cannot write {}: {e}", sums_path.display()))?;
    println!(
        "  SHA-256 of each file written to {} (check a copy: cd into it, then `sha256sum -c {SUMS_FILE}`)",
        sums_path.display()
    );
    Ok(())
}

/// Every file under `dist`, as (path relative to `dist` with `/` separators, contents), sorted
/// by path; the checksum file itself is left out, so it never lists a stale hash of itself.
pub(crate) fn dist_files(dist: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut dirs = vec![(dist.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = dirs.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let path = entry.path();
            if path.is_dir() {
                dirs.push((path, format!("{name}/")));
            } else if name != SUMS_FILE {
                let bytes = std::fs::read(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                out.push((name, bytes));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{parse_summary, print_dist_listing, sha256_hex, SUMS_FILE};

    #[test]
    fn sha256_matches_the_fips_180_2_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn dist_listing_writes_sha256sums_without_itself() {
        let dist = std::env::temp_dir().join(format!("xtask-sums-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dist);
        std::fs::create_dir_all(dist.join("assets")).unwrap();
        std::fs::write(dist.join("index.html"), "abc").unwrap();
        std::fs::write(dist.join("assets/logo.svg"), "").unwrap();
        std::fs::write(dist.join(SUMS_FILE), "stale").unwrap();

        print_dist_listing(&dist).unwrap();
        let sums = std::fs::read_to_string(dist.join(SUMS_FILE)).unwrap();
        std::fs::remove_dir_all(&dist).unwrap();
        assert_eq!(
            sums,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  assets/logo.svg\n\
             ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  index.html\n"
        );
    }

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
