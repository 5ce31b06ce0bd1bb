//! The page's side of the port: `config.json` pointing the page at the sandbox, and the built page
//! from `dist` (index.html for `/`, `.wasm` as application/wasm).

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
}

pub async fn config_json(State(shared): State<Arc<Shared>>) -> Response {
    let t = &shared.original;
    let body = json!({
        "tenant": t.domain,
        "clientId": t.app.client_id,
        "redirectUri": format!("{}/", shared.page_origin()),
        "authority": shared.api_origin(),
        "graph": shared.api_origin(),
        "signInMode": "auto",
    });
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

pub async fn static_file(Extension(site): Extension<Arc<Site>>, uri: Uri) -> Response {
    let raw = crate::util::percent_decode(uri.path());
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
        Ok(bytes) => {
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
