//! Installs what the project needs when it is missing, and only then: each check is a version
//! query, so a second run costs a few seconds.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run;
use crate::ui::{note, step};

pub const TRUNK_VERSION: &str = "0.21.14";
/// binaryen's wasm-opt from npm; Debian's binaryen 108 emits a wasm Chromium rejects.
pub const BINARYEN_VERSION: &str = "132.0.0";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

pub struct Tools {
    pub trunk: PathBuf,
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    /// Directories put first on PATH for Trunk and the browser tests.
    path_dirs: Vec<PathBuf>,
}

impl Tools {
    /// Makes sure every tool is present at the right version; `for_tests` adds Chromium.
    pub fn ensure(root: &Path, for_tests: bool) -> Result<Tools, String> {
        let checked = std::time::Instant::now();
        let cargo_bin = cargo_home().join("bin");
        let npm_bin = root.join("tools/node_modules/.bin");

        ensure_wasm_target()?;
        ensure_std_source()?;

        let trunk = cargo_bin.join("trunk");
        if version_of(&trunk).as_deref() != Some(TRUNK_VERSION) {
            note(&format!(
                "Trunk {TRUNK_VERSION} is missing: installing it with cargo install. This takes about \
                 8 minutes on 2 cores (it is built once, then reused)."
            ));
            step(&format!("Installing Trunk {TRUNK_VERSION}"), || {
                // Trunk is a build tool: a quick, unoptimised-LTO build halves its install time.
                run(Command::new("cargo")
                    .args(["install", "--locked", "trunk", "--version", TRUNK_VERSION])
                    .env("CARGO_PROFILE_RELEASE_LTO", "off")
                    .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
                    .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"))
            })?;
        }

        let wanted = locked_version(root, "wasm-bindgen")?;
        let bindgen = cargo_bin.join("wasm-bindgen");
        let runner = cargo_bin.join("wasm-bindgen-test-runner");
        if version_of(&bindgen).as_deref() != Some(wanted.as_str()) || !runner.exists() {
            note(&format!(
                "wasm-bindgen-cli {wanted} (the version in Cargo.lock) is missing: installing it with \
                 cargo install. This takes about 4 minutes."
            ));
            step(&format!("Installing wasm-bindgen-cli {wanted}"), || {
                // Not --locked: its lock pins a crate version the registry mirror does not carry.
                run(Command::new("cargo").args([
                    "install",
                    "wasm-bindgen-cli",
                    "--version",
                    &wanted,
                    "--force",
                ]))
            })?;
        }

        let wasm_opt = npm_bin.join("wasm-opt");
        let major = BINARYEN_VERSION
            .split('.')
            .next()
            .unwrap_or(BINARYEN_VERSION);
        let have = version_line(&wasm_opt);
        if !have
            .as_deref()
            .is_some_and(|v| v.contains(&format!("version {major}")))
        {
            step(
                &format!("Installing wasm-opt {major} (npm package binaryen@{BINARYEN_VERSION}) into tools/"),
                || {
                    std::fs::create_dir_all(root.join("tools"))
                        .map_err(|e| format!("cannot create tools/: {e}"))?;
                    run(Command::new("npm")
                        .args(["install", "--prefix", "tools", "--no-audit", "--no-fund"])
                        .arg(format!("binaryen@{BINARYEN_VERSION}"))
                        .current_dir(root))
                },
            )?;
        }

        let chromium = PathBuf::from("/usr/bin/chromium");
        let chromedriver = PathBuf::from("/usr/bin/chromedriver");
        if for_tests && !(chromium.exists() && chromedriver.exists()) {
            note("Chromium and ChromeDriver are missing: installing Debian's packages (about a minute).");
            step(
                "Installing chromium and chromium-driver with apt-get",
                || {
                    run(Command::new("apt-get").arg("update").arg("-q"))?;
                    run(Command::new("apt-get")
                        .args(["install", "-y", "-q", "chromium", "chromium-driver"])
                        .env("DEBIAN_FRONTEND", "noninteractive"))
                },
            )?;
        }

        println!(
            "==> Tools ready after {}: wasm32 target, rust-src, Trunk {TRUNK_VERSION}, wasm-bindgen {wanted}, \
             wasm-opt {major}{}",
            crate::ui::seconds(checked.elapsed()),
            if for_tests { ", Chromium and ChromeDriver" } else { "" }
        );
        Ok(Tools {
            trunk,
            chromium,
            chromedriver,
            path_dirs: vec![npm_bin, cargo_bin],
        })
    }

    /// PATH with the project's tools first, so Trunk finds the pinned wasm-bindgen and wasm-opt.
    pub fn path_env(&self) -> std::ffi::OsString {
        let mut dirs: Vec<PathBuf> = self.path_dirs.clone();
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(dirs).unwrap_or_default()
    }
}

fn cargo_home() -> PathBuf {
    if let Some(h) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(h);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"));
    home.join(".cargo")
}

fn ensure_wasm_target() -> Result<(), String> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed to add the wasm32 target: {e}"))?;
    if String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == WASM_TARGET)
    {
        return Ok(());
    }
    step(&format!("Adding the Rust target {WASM_TARGET}"), || {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
    })
}

/// The standard library's source (rustup's `rust-src`, the same version as the compiler), which
/// the release page build compiles with the page (see [`size_build_env`]), and its dependencies,
/// fetched now so the offline Trunk build finds them.
fn ensure_std_source() -> Result<(), String> {
    let library = std_library_dir()?;
    if !library.join("Cargo.lock").exists() {
        step(
            "Adding rustup's rust-src (the standard library's source, compiled with the page for a smaller wasm)",
            || run(Command::new("rustup").args(["component", "add", "rust-src"])),
        )?;
    }
    step(
        "Fetching the standard library's pinned dependencies (its own Cargo.lock; cached after the first time)",
        || {
            run(Command::new("cargo")
                .args(["fetch", "--locked", "--quiet", "--manifest-path"])
                .arg(library.join("Cargo.toml"))
                // The library workspace uses unstable Cargo features: see size_build_env.
                .env("RUSTC_BOOTSTRAP", "1"))
        },
    )
}

/// `library/` of rustup's rust-src for the active compiler.
fn std_library_dir() -> Result<PathBuf, String> {
    let out = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || sysroot.is_empty() {
        return Err("rustc --print sysroot failed".into());
    }
    Ok(PathBuf::from(sysroot).join("lib/rustlib/src/rust/library"))
}

/// The environment of the release page build (issue #8, page weight), each part measured by
/// `cargo xtask weigh` (README, Page weight):
/// - the standard library is compiled with the page (`build-std`) with
///   `panic = "immediate-abort"`: a panic traps at once, so no panic message, location or
///   formatting code is in the wasm. The page already built with `panic = "abort"` and installs
///   no panic hook, so a panic looked the same before: the wasm stops;
/// - with std's `optimize_for_size` feature, its smaller variants of the same algorithms;
/// - with `-Zinline-mir=no`, so LLVM alone decides what to inline (at opt-level "z").
///
/// These are unstable features: `RUSTC_BOOTSTRAP=1` lets this stable toolchain use them for this
/// one build; the std source is rustup's rust-src of the same compiler, with the dependencies its
/// own Cargo.lock pins. Every other build (clippy, tests) is plain stable.
pub fn size_build_env<'c>(root: &Path, cmd: &'c mut Command) -> Result<&'c mut Command, String> {
    let mut flags = wasm_config_rustflags(root)?;
    flags.push("-Zinline-mir=no".to_string());
    Ok(cmd
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
        .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
        .env("CARGO_UNSTABLE_PANIC_IMMEDIATE_ABORT", "true")
        .env("CARGO_PROFILE_RELEASE_PANIC", "immediate-abort")
        // Replaces the config's rustflags for this build, so it carries them too.
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f")))
}

/// The `rustflags` that `.cargo/config.toml` gives wasm32 builds, read from the file itself so the
/// release build cannot drift from it (`CARGO_ENCODED_RUSTFLAGS` replaces them).
fn wasm_config_rustflags(root: &Path) -> Result<Vec<String>, String> {
    let path = root.join(".cargo/config.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_wasm_rustflags(&text).ok_or_else(|| {
        format!(
            "{} has no `rustflags = [\"…\"]` line under [target.wasm32-unknown-unknown]",
            path.display()
        )
    })
}

fn parse_wasm_rustflags(config: &str) -> Option<Vec<String>> {
    let mut in_wasm = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            in_wasm = line == "[target.wasm32-unknown-unknown]";
        } else if in_wasm {
            if let Some(list) = line.strip_prefix("rustflags") {
                let list = list.trim_start().strip_prefix('=')?.trim();
                let inner = list.strip_prefix('[')?.strip_suffix(']')?;
                return inner
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| {
                        item.strip_prefix('"')
                            .and_then(|i| i.strip_suffix('"'))
                            .map(str::to_string)
                    })
                    .collect();
            }
        }
    }
    None
}

/// First line of `tool --version`, or None when the tool is absent or broken.
fn version_line(tool: &Path) -> Option<String> {
    let out = Command::new(tool).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(str::to_string)
}

/// The version word of `tool --version` ("trunk 0.21.14" gives "0.21.14").
fn version_of(tool: &Path) -> Option<String> {
    version_line(tool)?
        .split_whitespace()
        .nth(1)
        .map(str::to_string)
}

/// The version Cargo.lock holds for `package` (the first entry of that name).
pub fn locked_version(root: &Path, package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    parse_locked_version(&lock, package)
        .ok_or_else(|| format!("Cargo.lock has no entry for {package}"))
}

fn parse_locked_version(lock: &str, package: &str) -> Option<String> {
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let next = lines.next()?.trim();
            let v = next.strip_prefix("version = \"")?.strip_suffix('"')?;
            return Some(v.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{parse_locked_version, parse_wasm_rustflags, wasm_config_rustflags};

    #[test]
    fn wasm_rustflags_read_from_the_config() {
        let config = "[alias]\nx = \"run\"\n\n[target.wasm32-unknown-unknown]\nrunner = \"r\"\n# note\nrustflags = [\"--cfg\", \"erase_components\"]\n";
        assert_eq!(
            parse_wasm_rustflags(config),
            Some(vec!["--cfg".to_string(), "erase_components".to_string()])
        );
        // Another target's rustflags are not the page's.
        assert_eq!(
            parse_wasm_rustflags("[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Ca\"]\n"),
            None
        );
        // A value that is not a list of plain strings is refused, not half read.
        assert_eq!(
            parse_wasm_rustflags("[target.wasm32-unknown-unknown]\nrustflags = [\"a\", b]\n"),
            None
        );
        // The project's own config: the page's build must keep erase_components.
        let own = wasm_config_rustflags(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap(),
        )
        .unwrap();
        assert!(
            own.windows(2).any(|w| w == ["--cfg", "erase_components"]),
            "{own:?}"
        );
    }

    #[test]
    fn reads_the_exact_package_not_a_prefix() {
        let lock = "[[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.1\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            parse_locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(parse_locked_version(lock, "trunk"), None);
    }
}
