//! The page's Content-Security-Policy and Subresource Integrity (issue 7): the policy in the
//! built `dist/index.html` directive by directive, and the page mounting and signing in under
//! it while the browser blocks what the policy forbids.

use std::collections::BTreeMap;

use e2e::control::request;
use e2e::{ensure, Ctx, TestResult};
use serde_json::{json, Value};

const USER_ADMIN: &str = "uma.useradmin@contoso.onmicrosoft.com";
const META: &str = r#"<meta http-equiv="Content-Security-Policy" content=""#;

/// The policy of a page as directive → sources, and where its meta tag starts.
fn policy_of(html: &str) -> Result<(usize, BTreeMap<String, Vec<String>>), String> {
    let at = html
        .find(META)
        .ok_or("the page has no Content-Security-Policy meta tag")?;
    let start = at + META.len();
    let len = html[start..]
        .find('"')
        .ok_or("the Content-Security-Policy meta tag is not closed")?;
    let mut policy = BTreeMap::new();
    for directive in html[start..start + len].split(';') {
        let mut words = directive.split_whitespace().map(str::to_owned);
        if let Some(name) = words.next() {
            if policy.insert(name.clone(), words.collect()).is_some() {
                return Err(format!(
                    "{name} is given twice (the browser ignores the second)"
                ));
            }
        }
    }
    Ok((at, policy))
}

fn sources<'a>(policy: &'a BTreeMap<String, Vec<String>>, name: &str) -> Vec<&'a str> {
    policy
        .get(name)
        .map(|v| v.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The built page's policy, each directive exactly; the meta tag before every script and
/// asset; Trunk's assets carrying integrity.
pub async fn csp_in_built_page(t: Ctx) -> TestResult {
    let path = t.setup.dist.join("index.html");
    let html = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (at, policy) = policy_of(&html)?;
    let expected_exactly: [(&str, &[&str]); 7] = [
        ("default-src", &["'none'"]),
        ("style-src", &["'self'"]),
        ("img-src", &["'self'", "data:"]),
        (
            "connect-src",
            &[
                "'self'",
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com",
            ],
        ),
        ("frame-src", &["'none'"]),
        ("base-uri", &["'none'"]),
        ("form-action", &["'none'"]),
    ];
    for (name, want) in expected_exactly {
        let got = sources(&policy, name);
        ensure!(got == want, "{name} is {got:?}, expected {want:?}");
    }
    let script = sources(&policy, "script-src");
    ensure!(
        script.starts_with(&["'self'", "'wasm-unsafe-eval'"]),
        "script-src is {script:?}"
    );
    let hashes: Vec<&str> = script[2..].to_vec();
    let inline_scripts = html.matches("<script type=\"module\">").count();
    ensure!(
        inline_scripts >= 1 && hashes.len() == inline_scripts,
        "{inline_scripts} inline script(s) but script-src adds {hashes:?}"
    );
    ensure!(
        hashes
            .iter()
            .all(|h| h.starts_with("'sha256-") && h.ends_with("='")),
        "script-src allows more than hashes: {hashes:?}"
    );
    let known = expected_exactly.map(|(name, _)| name);
    for name in policy.keys() {
        ensure!(
            name == "script-src" || known.contains(&name.as_str()),
            "unexpected directive {name}"
        );
    }
    ensure!(
        !html.contains("unsafe-inline") && !html.contains("'unsafe-eval'"),
        "the policy allows inline code or eval"
    );
    for tag in ["<script", "<link"] {
        let first = html.find(tag).unwrap_or(usize::MAX);
        ensure!(
            at < first,
            "a {tag} comes before the policy, which only governs what follows it"
        );
    }
    let stylesheets = html.matches("rel=\"stylesheet\"").count();
    ensure!(stylesheets >= 1, "the built page has no stylesheet");
    let mut checked = 0;
    for (what, marker) in [
        ("stylesheet", "rel=\"stylesheet\""),
        ("JS modulepreload", "rel=\"modulepreload\""),
        ("wasm preload", "as=\"fetch\" type=\"application/wasm\""),
    ] {
        for (pos, _) in html.match_indices(marker) {
            let start = html[..pos].rfind('<').unwrap_or(0);
            let end = pos + html[pos..].find('>').unwrap_or(0);
            let tag = &html[start..end];
            ensure!(
                tag.contains("integrity=\"sha384-"),
                "the {what} has no integrity: {tag}"
            );
            checked += 1;
        }
    }
    ensure!(
        checked == stylesheets + 2,
        "expected {stylesheets} stylesheet(s), one modulepreload and one wasm preload, found {checked} assets"
    );
    // Chromium ignores integrity on the wasm preload, so the loader fetches the wasm itself
    // with the same integrity (xtask/src/csp.rs); fetch() enforces it.
    ensure!(
        html.contains("module_or_path: fetch('./") && html.contains("{ integrity: 'sha384-"),
        "the loader does not fetch the wasm with its integrity"
    );

    // The hash is of the loader as the browser reads it: the page mounts (no blocked loader),
    // and the hash computed in the page equals the one in the policy.
    t.browser.goto(&t.page_url()).await?;
    t.wait_for("#handover-app", 20).await?;
    let computed = t
        .browser
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const text = document.querySelector('script[type=module]').textContent;\
             crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then(d =>\
               done(\"'sha256-\" + btoa(String.fromCharCode(...new Uint8Array(d))) + \"'\"));",
            vec![],
        )
        .await?;
    ensure!(
        computed.as_str().is_some_and(|h| hashes.contains(&h)),
        "the loader hashes to {computed}, the policy has {hashes:?}"
    );
    Ok(())
}

/// Served by the sandbox, the policy adds the sandbox's API origin to connect-src; the page
/// signs in under it; and the browser enforces it: an injected inline script does not run, a
/// request to another origin and an inline style attribute are refused, each with a report.
pub async fn page_signs_in_under_csp(t: Ctx) -> TestResult {
    let (status, served) = request(t.port(), "GET", "/", None).await?;
    ensure!(status == 200, "GET / answered {status}");
    let (_, policy) = policy_of(&served)?;
    let api = t.sandbox.api_origin();
    let connect = sources(&policy, "connect-src");
    ensure!(
        connect.last() == Some(&api.as_str()) && connect.len() == 4,
        "the sandbox serves connect-src {connect:?}, expected the defaults and {api}"
    );

    t.sign_in_as(USER_ADMIN).await?;
    e2e::wait_for_text(&t.browser, "#admin-roles", "User Administrator", 15).await?;

    let probe = t
        .browser
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const seen = [];\
             document.addEventListener('securitypolicyviolation', e => seen.push(e.effectiveDirective));\
             const s = document.createElement('script');\
             s.textContent = 'window.__injected = true';\
             document.body.appendChild(s);\
             const d = document.createElement('div');\
             d.setAttribute('style', 'color: red');\
             document.body.appendChild(d);\
             fetch('http://127.0.0.2:9/').then(() => 'fetched', e => 'refused').then(outcome =>\
               setTimeout(() => done({ injected: window.__injected === true, outcome, seen,\
                                       styled: d.style.color }), 300));",
            vec![],
        )
        .await?;
    ensure!(
        probe["injected"] == json!(false),
        "an injected inline script ran: {probe}"
    );
    ensure!(
        probe["outcome"] == json!("refused"),
        "a request to another origin was not refused: {probe}"
    );
    ensure!(
        probe["styled"] == json!(""),
        "an inline style attribute applied: {probe}"
    );
    let seen: Vec<&str> = probe["seen"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for directive in ["script-src-elem", "style-src-attr", "connect-src"] {
        ensure!(
            seen.contains(&directive),
            "no violation report for {directive}: {seen:?}"
        );
    }
    Ok(())
}
