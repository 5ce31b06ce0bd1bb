//! The page's weight (issue #8): what a static host sends for the whole page, every file in
//! dist/ compressed with gzip at level 9.
//!
//! Two limits. The budget, 150 KB (KB = 1024 bytes, so 153,600 bytes; the aim beyond it
//! is 78 KB, what `@azure/msal-browser` alone weighs gzipped), is printed with the distance to it
//! but does not fail the run while the page is over it (issue #8 is open; README, Page weight).
//! The ceiling, [`CEILING_BYTES`], just above today's weight, does fail it: the page may not
//! grow back while it is being cut. Lower the ceiling with every cut that lands; once the page is
//! within the budget, the budget becomes the ceiling.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

/// 150 KB of 1024 bytes.
pub const BUDGET_BYTES: u64 = 150 * 1024;

/// The most the page may weigh today: 247,331 bytes measured on 28 Nov 2026 (after the cuts
/// of base64, serde, the view code's generic instances, the front-coded word list, the
/// standard library built with the page with `panic = "immediate-abort"`, the shared view and
/// logic helpers, the Unicode and formatting tables, wasm-streams' exported classes and the
/// per-type signal code; README, Page weight), plus about 1.5% for ordinary changes.
pub const CEILING_BYTES: u64 = 251_000;

// A ceiling below the budget would hide the budget's line; lower both together then.
const _: () = assert!(CEILING_BYTES >= BUDGET_BYTES);

pub struct Asset {
    /// The path under dist/, with `/` between folders.
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
}

/// Every file of the page in `dist` (all but the checksum list), sorted by name, with its raw
/// and gzip -9 size.
pub fn measure(dist: &Path) -> Result<Vec<Asset>, String> {
    let mut assets = Vec::new();
    for (name, bytes) in crate::ui::dist_files(dist)? {
        assets.push(Asset {
            name,
            raw: bytes.len() as u64,
            gzip: gzip9(&bytes)?,
        });
    }
    if assets.is_empty() {
        return Err(format!(
            "{} has no page files: build the page first",
            dist.display()
        ));
    }
    Ok(assets)
}

/// The size of `bytes` as gzip at level 9 writes them (header and trailer included).
pub fn gzip9(bytes: &[u8]) -> Result<u64, String> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(9));
    enc.write_all(bytes)
        .and_then(|()| enc.finish())
        .map(|v| v.len() as u64)
        .map_err(|e| format!("gzip failed: {e}"))
}

/// The table of assets and the total, with the distance to [`BUDGET_BYTES`]; `Ok` within
/// `ceiling` bytes, else an error naming every asset's gzip size.
pub fn check(assets: &[Asset], ceiling: u64) -> Result<String, String> {
    let raw: u64 = assets.iter().map(|a| a.raw).sum();
    let gzip: u64 = assets.iter().map(|a| a.gzip).sum();
    let mut table = String::new();
    for a in assets {
        table.push_str(&format!(
            "  {:>9} B raw  {:>9} B gzip -9  {}\n",
            a.raw, a.gzip, a.name
        ));
    }
    table.push_str(&format!(
        "  {raw:>9} B raw  {gzip:>9} B gzip -9  total ({} KB, KB = 1024 B)\n",
        kb(gzip)
    ));
    table.push_str(&if gzip <= BUDGET_BYTES {
        format!("  within issue #8's budget of {} KB\n", kb(BUDGET_BYTES))
    } else {
        format!(
            "  over issue #8's budget of {} KB by {} bytes (not yet enforced; the ceiling is)\n",
            kb(BUDGET_BYTES),
            gzip - BUDGET_BYTES
        )
    });
    if gzip <= ceiling {
        Ok(table)
    } else {
        Err(format!(
            "the page weighs {gzip} bytes with gzip -9 ({} KB), over its ceiling of {ceiling} \
             bytes ({} KB) by {} bytes:\n{table}Find what grew with twiggy on the wasm (README, \
             Page weight) and cut it before landing.",
            kb(gzip),
            kb(ceiling),
            gzip - ceiling
        ))
    }
}

fn kb(bytes: u64) -> String {
    format!("{}.{}", bytes / 1024, (bytes % 1024) * 10 / 1024)
}

/// Measures `dist` and checks it against [`CEILING_BYTES`], printing the table when it holds.
pub fn enforce(dist: &Path) -> Result<(), String> {
    let assets = measure(dist)?;
    let table = check(&assets, CEILING_BYTES)?;
    print!("{table}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dist(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-budget-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        dir
    }

    /// Bytes gzip cannot shrink (a xorshift stream), so the test controls the gzip size.
    fn noise(n: usize) -> Vec<u8> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn gzip9_matches_what_compresses() {
        let text = vec![b'a'; 100_000];
        let small = gzip9(&text).unwrap();
        assert!(small < 500, "{small}");
        let random = gzip9(&noise(10_000)).unwrap();
        assert!(random > 10_000, "{random}");
    }

    #[test]
    fn every_served_file_counts_and_the_checksums_do_not() {
        let dist = temp_dist("count");
        std::fs::write(dist.join("index.html"), b"<html></html>").unwrap();
        std::fs::write(dist.join("sub/app.wasm"), noise(3000)).unwrap();
        std::fs::write(dist.join("SHA256SUMS"), noise(5000)).unwrap();
        let assets = measure(&dist).unwrap();
        let names: Vec<&str> = assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["index.html", "sub/app.wasm"]);
        assert_eq!(assets[1].raw, 3000);
        assert!(assets[1].gzip > 3000);
        std::fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn over_budget_fails_naming_each_asset_and_within_passes() {
        let dist = temp_dist("over");
        std::fs::write(dist.join("index.html"), b"<html></html>").unwrap();
        std::fs::write(dist.join("page_bg.wasm"), noise(20_000)).unwrap();
        let assets = measure(&dist).unwrap();
        let total: u64 = assets.iter().map(|a| a.gzip).sum();

        let err = check(&assets, total - 1).unwrap_err();
        assert!(err.contains("over its ceiling"), "{err}");
        assert!(err.contains("by 1 bytes"), "{err}");
        for a in &assets {
            assert!(err.contains(&a.name), "{err}");
            assert!(err.contains(&format!("{} B gzip", a.gzip)), "{err}");
        }

        let ok = check(&assets, total).unwrap();
        assert!(ok.contains(&format!("{total} B gzip -9  total")), "{ok}");
        // 20,000 bytes of noise are within 150 KB: the budget line says so.
        assert!(ok.contains("within issue #8's budget"), "{ok}");
        std::fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn an_empty_dist_is_an_error_not_a_pass() {
        let dist = temp_dist("empty");
        std::fs::remove_dir_all(dist.join("sub")).unwrap();
        assert!(measure(&dist).is_err());
        std::fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn over_the_budget_but_within_the_ceiling_passes_and_says_by_how_much() {
        let assets = [Asset {
            name: "page_bg.wasm".into(),
            raw: 900_000,
            gzip: BUDGET_BYTES + 10,
        }];
        let ok = check(&assets, BUDGET_BYTES + 10).unwrap();
        assert!(
            ok.contains("over issue #8's budget of 150.0 KB by 10 bytes"),
            "{ok}"
        );
        assert!(check(&assets, BUDGET_BYTES + 9).is_err());
    }

    #[test]
    fn the_budget_is_150_kb_of_1024_bytes() {
        assert_eq!(BUDGET_BYTES, 153_600);
        assert_eq!(kb(153_600), "150.0");
        assert_eq!(kb(80_000), "78.1");
    }
}
