//! After Trunk: pins the inline loader script in the page's Content-Security-Policy.
//!
//! Trunk writes an inline `<script type="module">` that names the hashed asset files, so its
//! text (and its hash) changes with every build. `index.html` carries the policy without it;
//! this adds `'sha256-…'` of each inline script to `script-src` in `dist/index.html`.

use sha2::{Digest, Sha256};
use std::path::Path;

const META_OPEN: &str = r#"<meta http-equiv="Content-Security-Policy" content=""#;

/// Rewrites `dist/index.html` so the loader checks the wasm's integrity and the CSP allows
/// exactly the inline scripts it contains.
pub(crate) fn pin_inline_scripts(dist: &Path) -> Result<(), String> {
    let path = dist.join("index.html");
    let html = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let pinned = with_script_hashes(&with_wasm_integrity(&html)?)?;
    std::fs::write(&path, pinned).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Chromium ignores `integrity` on the wasm `<link rel="preload" as="fetch">` (and runs a changed
/// wasm), but enforces it on `fetch()`: so the loader fetches the wasm itself with the preload's
/// integrity and hands the answer to wasm-bindgen's `init`, which takes a `Response` promise.
fn with_wasm_integrity(html: &str) -> Result<String, String> {
    let marker = r#"as="fetch" type="application/wasm""#;
    let at = html
        .find(marker)
        .ok_or("dist/index.html has no wasm preload link (did Trunk change?)")?;
    let tag_start = html[..at].rfind('<').unwrap_or(0);
    let tag_end = at + html[at..].find('>').unwrap_or(0);
    let tag = &html[tag_start..tag_end];
    let attribute = |name: &str| {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        let len = tag[start..].find('"')?;
        Some(&tag[start..start + len])
    };
    let (Some(href), Some(integrity)) = (attribute("href"), attribute("integrity")) else {
        return Err(format!("the wasm preload lacks href or integrity: {tag}"));
    };
    let plain = format!("module_or_path: '{href}'");
    let checked = format!("module_or_path: fetch('{href}', {{ integrity: '{integrity}' }})");
    if html.contains(&checked) {
        return Ok(html.to_owned());
    }
    if html.matches(&plain).count() != 1 {
        return Err(format!(
            "the loader does not name the wasm as `{plain}` once (did Trunk change?)"
        ));
    }
    Ok(html.replacen(&plain, &checked, 1))
}

/// The page with `'sha256-…'` of every inline script appended to the CSP's `script-src`.
fn with_script_hashes(html: &str) -> Result<String, String> {
    let hashes: Vec<String> = inline_scripts(html)
        .iter()
        .map(|body| format!("'sha256-{}'", base64(&Sha256::digest(body.as_bytes()))))
        .collect();
    let start = html.find(META_OPEN).ok_or(
        "dist/index.html has no Content-Security-Policy meta tag (index.html must keep it)",
    )? + META_OPEN.len();
    let end = start
        + html[start..]
            .find('"')
            .ok_or("the Content-Security-Policy meta tag is not closed")?;
    let policy = &html[start..end];
    if html[..start].contains("<script") {
        return Err("an inline script comes before the Content-Security-Policy meta tag".into());
    }
    let directives: Vec<String> = policy
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let is_script_src = d.split_whitespace().next() == Some("script-src");
            let mut d = d.to_owned();
            if is_script_src {
                for h in &hashes {
                    if !d.split_whitespace().any(|t| t == h) {
                        d.push(' ');
                        d.push_str(h);
                    }
                }
            }
            d
        })
        .collect();
    if !directives.iter().any(|d| d.starts_with("script-src ")) {
        return Err("the Content-Security-Policy has no script-src directive".into());
    }
    Ok(format!(
        "{}{}{}",
        &html[..start],
        directives.join("; "),
        &html[end..]
    ))
}

/// The text of each `<script>` without a `src` attribute, exactly as the browser hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let after = &rest[open..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            found.push(&body[..close]);
        }
        rest = &body[close..];
    }
    found
}

/// Standard base64 with padding, as CSP hash sources are written.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn adds_the_hash_of_each_inline_script_to_script_src_only() {
        let html = concat!(
            r#"<head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; "#,
            r#"script-src 'self' 'wasm-unsafe-eval'; style-src 'self'">"#,
            "<script type=\"module\">alert(1)</script>",
            "<script src=\"./x.js\"></script></head>"
        );
        let out = with_script_hashes(html).expect("pinned");
        // sha256("alert(1)") in base64, as `openssl dgst -sha256 -binary | base64` prints it.
        let hash = "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='";
        assert!(out.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' {hash}; style-src 'self'\""
        )));
        assert_eq!(out.matches("sha256-").count(), 1, "{out}");
        // Running it again changes nothing.
        assert_eq!(with_script_hashes(&out).expect("pinned"), out);
    }

    #[test]
    fn the_loader_fetches_the_wasm_with_the_preload_integrity() {
        let html = concat!(
            "<script type=\"module\">\nimport init from './h.js';\n",
            "const wasm = await init({ module_or_path: './h_bg.wasm' });\n</script>",
            r#"<link rel="preload" href="./h_bg.wasm" crossorigin="anonymous" "#,
            r#"integrity="sha384-abc" as="fetch" type="application/wasm">"#
        );
        let out = with_wasm_integrity(html).expect("rewritten");
        assert!(out.contains(
            "init({ module_or_path: fetch('./h_bg.wasm', { integrity: 'sha384-abc' }) })"
        ));
        assert_eq!(with_wasm_integrity(&out).expect("again"), out);
        let renamed = html.replace("module_or_path: './h_bg.wasm'", "module_or_path: x");
        assert!(with_wasm_integrity(&renamed).is_err());
    }

    #[test]
    fn refuses_a_page_without_the_policy_or_with_a_script_above_it() {
        assert!(with_script_hashes("<script>x</script>").is_err());
        let early = concat!(
            "<script>x</script>",
            r#"<meta http-equiv="Content-Security-Policy" content="script-src 'self'">"#
        );
        assert!(with_script_hashes(early).is_err());
    }
}
