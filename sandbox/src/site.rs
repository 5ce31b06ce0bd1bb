//! The page's side of the port: `config.json` pointing the page at the sandbox, and the built page
//! from `dist` (index.html for `/`, `.wasm` as application/wasm), at `/` or under a base path.

use crate::state::Shared;
use crate::util::html_escape;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use serde_json::json;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

pub struct Site {
    pub dist: Option<PathBuf>,
    /// `/`, or a path with a leading and a trailing slash ([`normalize_base_path`]).
    pub base_path: String,
}

/// `tools/handover` → `/tools/handover/`; empty → `/`.
pub fn normalize_base_path(path: &str) -> String {
    let inner = path.trim_matches('/');
    if inner.is_empty() {
        "/".to_owned()
    } else {
        format!("/{inner}/")
    }
}

pub async fn config_json(
    State(shared): State<Arc<Shared>>,
    Extension(site): Extension<Arc<Site>>,
) -> Response {
    let t = &shared.original;
    let mut body = json!({
        "tenant": t.domain,
        "clientId": t.app.client_id,
        "redirectUri": format!("{}{}", shared.page_origin(), site.base_path),
        "authority": shared.api_origin(),
        "graph": shared.api_origin(),
        "signInMode": "auto",
    });
    for (key, value) in shared.config_extra() {
        body[key] = value;
    }
    let mut resp = (StatusCode::OK, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "jpg" | "jpeg" => "image/jpeg",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn not_built(dist: Option<&Path>) -> Response {
    let where_ = dist
        .map(|d| {
            format!(
                "<p>No <code>index.html</code> was found in <code>{}</code>.</p>",
                html_escape(&d.display().to_string())
            )
        })
        .unwrap_or_else(|| {
            "<p>The sandbox was started without <code>--dist</code>.</p>".to_string()
        });
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Handover sandbox</title></head><body>\
         <h1>The Handover page is not built</h1>{where_}\
         <p>Build it with <code>cargo xtask build</code> (or run <code>cargo xtask demo</code>, which builds and starts everything), \
         then start the sandbox with <code>cargo run -p sandbox -- --dist dist</code>.</p>\
         <p>The sandbox itself is running: see <a href=\"/config.json\">config.json</a>, \
         <a href=\"/_sandbox/outbox\">the outbox</a> and <a href=\"/_sandbox/requests\">the request log</a>.</p></body></html>"
    ))
    .into_response()
}

/// The page's Content-Security-Policy names the real authority and Graph hosts in
/// `connect-src`; the sandbox answers both on its API origin, so it adds that origin when it
/// serves index.html. Nothing else in the policy changes.
pub fn allow_connect_to(html: &str, origin: &str) -> String {
    const META: &str = r#"<meta http-equiv="Content-Security-Policy" content=""#;
    let Some(meta) = html.find(META) else {
        return html.to_owned();
    };
    let start = meta + META.len();
    let Some(len) = html[start..].find('"') else {
        return html.to_owned();
    };
    let policy: Vec<String> = html[start..start + len]
        .split(';')
        .map(|d| {
            let d = d.trim();
            if d.split_whitespace().next() == Some("connect-src") {
                format!("{d} {origin}")
            } else {
                d.to_owned()
            }
        })
        .filter(|d| !d.is_empty())
        .collect();
    format!(
        "{}{}{}",
        &html[..start],
        policy.join("; "),
        &html[start + len..]
    )
}

pub async fn static_file(
    State(shared): State<Arc<Shared>>,
    Extension(site): Extension<Arc<Site>>,
    uri: Uri,
) -> Response {
    let raw = crate::util::percent_decode(uri.path());
    // Under a base path, as a static host does: the folder without its slash redirects (relative
    // asset URLs need it), and nothing outside the folder is the page's.
    if site.base_path != "/" && format!("{raw}/") == site.base_path {
        let mut resp = StatusCode::MOVED_PERMANENTLY.into_response();
        if let Ok(v) = HeaderValue::from_str(&site.base_path) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return resp;
    }
    let Some(raw) = raw.strip_prefix(site.base_path.as_str()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let raw = format!("/{raw}");
    let rel = Path::new(raw.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(dist) = site.dist.as_deref() else {
        return if raw == "/" || raw == "/index.html" {
            not_built(None)
        } else {
            StatusCode::NOT_FOUND.into_response()
        };
    };
    let mut path = dist.join(rel);
    if raw.ends_with('/') || path.is_dir() {
        path = path.join("index.html");
    }
    if !path.is_file() && path.extension().is_none() {
        // Client-side routes fall back to the page.
        path = dist.join("index.html");
    }
    match tokio::fs::read(&path).await {
        Ok(mut bytes) => {
            if path.file_name().is_some_and(|n| n == "index.html") {
                let html = String::from_utf8_lossy(&bytes);
                bytes = allow_connect_to(&html, &shared.api_origin()).into_bytes();
            }
            let mut resp = (StatusCode::OK, bytes).into_response();
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(content_type(&path)) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            resp
        }
        Err(_) if path.file_name().is_some_and(|n| n == "index.html") => not_built(Some(dist)),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::allow_connect_to;

    #[test]
    fn adds_the_api_origin_to_connect_src_and_nothing_else() {
        let page = concat!(
            r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; "#,
            r#"connect-src 'self' https://graph.microsoft.com; form-action 'none'"><p>hi</p>"#
        );
        assert_eq!(
            allow_connect_to(page, "http://localhost:8080"),
            concat!(
                r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; "#,
                r#"connect-src 'self' https://graph.microsoft.com http://localhost:8080; "#,
                r#"form-action 'none'"><p>hi</p>"#
            )
        );
        assert_eq!(
            allow_connect_to("<p>no policy</p>", "http://x"),
            "<p>no policy</p>"
        );
    }
}
