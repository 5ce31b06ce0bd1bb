//! `cargo run -p sandbox -- --port P --tenant FILE --dist DIR [--token-lifetime SECS]
//! [--expose-headers] [--redirect-uri URI]... [--base-path PATH] [--parent-origin ORIGIN]... [--quiet]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const HELP: &str = "\
sandbox: a local Entra ID + Microsoft Graph tenant for Handover

USAGE:
    cargo run -p sandbox -- [OPTIONS]

OPTIONS:
    --port P              Port on 127.0.0.1 (default 0: pick a free one)
    --tenant FILE         Tenant file (JSON; see sandbox/README.md). Default: the bundled sample tenant
    --dist DIR            The built page to serve at http://127.0.0.1:P/ (index.html, .js, .wasm)
    --token-lifetime SECS Access token lifetime in seconds (default 3600)
    --expose-headers      List Retry-After and Location in Access-Control-Expose-Headers
                          (Graph does not; off by default so the page is tested against the harder case)
    --redirect-uri URI    Accept another SPA redirect URI (and allow its origin by CORS); repeatable
    --base-path PATH      Serve the page (and its config.json) under PATH, e.g. /tools/handover/, as a
                          static host would; that address is registered as a redirect URI
    --parent-origin ORIGIN  Name ORIGIN in config.json's allowedParentOrigins (a portal that may
                          frame the page, e.g. http://127.0.0.1:9000 serving examples/portal.html); repeatable
    --quiet               Do not print one line per authority/Graph request
    -h, --help            Show this help

The page is served at http://127.0.0.1:P/ and the authority and Graph at http://localhost:P.
Control API for tests: http://localhost:P/_sandbox/ (reset, faults, requests, credentials, tokens, tokens/expire,
clock/advance, outbox). Ctrl-C stops it.";

fn parse(args: Vec<String>) -> Result<sandbox::Options, String> {
    let mut o = sandbox::Options {
        log_requests: true,
        ..sandbox::Options::default()
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                o.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port needs a number 0..65535")?
            }
            "--tenant" => o.tenant = sandbox::TenantSource::File(PathBuf::from(value("--tenant")?)),
            "--dist" => o.dist = Some(PathBuf::from(value("--dist")?)),
            "--token-lifetime" => {
                let secs: u64 = value("--token-lifetime")?
                    .parse()
                    .map_err(|_| "--token-lifetime needs a whole number of seconds")?;
                if secs == 0 {
                    return Err("--token-lifetime must be at least 1".into());
                }
                o.access_token_lifetime = Duration::from_secs(secs);
            }
            "--expose-headers" => o.expose_headers = true,
            "--redirect-uri" => o.extra_redirect_uris.push(value("--redirect-uri")?),
            "--base-path" => o.base_path = value("--base-path")?,
            "--parent-origin" => o.allowed_parent_origins.push(value("--parent-origin")?),
            "--quiet" => o.log_requests = false,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option '{other}'")),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sandbox: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let dist = options.dist.clone();
    let base_path = sandbox::normalize_base_path(&options.base_path);
    let running = match sandbox::start(options).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let t = running.tenant();
    println!("Handover sandbox tenant: {} ({})", t.display_name, t.domain);
    println!("Page:      {}{base_path}", running.page_origin());
    println!("Authority: {}/{}/v2.0", running.api_origin(), t.tenant_id);
    println!("Graph:     {}/v1.0", running.api_origin());
    println!("Outbox:    {}/_sandbox/outbox", running.api_origin());
    if dist.is_none() {
        println!("(no --dist: the page is not served; / explains how to build it)");
    }
    println!("Sign-in accounts (pick one on the sign-in page; no password needed):");
    for u in t
        .users
        .iter()
        .filter(|u| u.can_sign_in && u.account_enabled)
    {
        let roles: Vec<String> = t
            .active_roles(u)
            .iter()
            .map(|r| r.display_name.clone())
            .collect();
        println!(
            "  {:<42} {}{}",
            u.user_principal_name,
            if roles.is_empty() {
                "no admin role".to_string()
            } else {
                roles.join(", ")
            },
            if u.has_mailbox { "" } else { " (no mailbox)" }
        );
    }
    println!("Ctrl-C stops the sandbox.");
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown().await;
    ExitCode::SUCCESS
}
