//! A local simulation of a Microsoft 365 tenant for Handover: Entra ID sign-in (OAuth 2.0 code flow
//! with PKCE, for a single-page app) and the Microsoft Graph endpoints the page calls, with sample data,
//! fault injection, a request log and an outbox. Written from Microsoft's documented behaviour
//! (see ../shared/GRAPH.md), independently of the page's own types.
//!
//! Two origins on one port: the page is served at `http://127.0.0.1:{port}/`, the authority and Graph
//! answer at `http://localhost:{port}`, so the page's calls are cross-origin and CORS is exercised as
//! against Microsoft.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sandbox::Error> {
//! let running = sandbox::start(sandbox::Options::default()).await?;
//! println!("open {}/", running.page_origin());
//! running.shutdown().await;
//! # Ok(()) }
//! ```

mod authority;
mod control;
mod graph;
mod middleware;
mod site;
mod state;
pub mod tenant;
pub mod util;

pub use site::normalize_base_path;

use axum::routing::{any, get, post};
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use state::Fault;
pub use tenant::Tenant;

/// Where the tenant comes from.
#[derive(Clone, Debug, Default)]
pub enum TenantSource {
    /// The bundled sample (`sandbox/tenant.sample.json`).
    #[default]
    Sample,
    /// A tenant file (JSON, documented in sandbox/README.md).
    File(PathBuf),
    /// An already parsed tenant.
    Parsed(Box<Tenant>),
}

impl From<PathBuf> for TenantSource {
    fn from(p: PathBuf) -> Self {
        TenantSource::File(p)
    }
}

impl From<Tenant> for TenantSource {
    fn from(t: Tenant) -> Self {
        TenantSource::Parsed(Box::new(t))
    }
}

/// How to run the sandbox.
#[derive(Clone, Debug)]
pub struct Options {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub tenant: TenantSource,
    /// The built page (index.html, .js, .wasm); `None` serves a page that says how to build it.
    pub dist: Option<PathBuf>,
    /// Lifetime of access tokens (default 3600 s).
    pub access_token_lifetime: Duration,
    /// List `Retry-After` and `Location` in `Access-Control-Expose-Headers` (Graph does not).
    pub expose_headers: bool,
    /// Further SPA redirect URIs to accept (their origins are allowed by CORS too).
    pub extra_redirect_uris: Vec<String>,
    /// Print one line per authority/Graph request to stdout (method, path, status; never secrets).
    pub log_requests: bool,
    /// Where the page is served, as a static host would under a base path: `/` (default) or e.g.
    /// `/tools/handover/`. config.json is served beside index.html there too, naming that address
    /// as `redirectUri`, and the address is registered as a SPA redirect URI.
    pub base_path: String,
    /// Origins config.json names in `allowedParentOrigins` (portals that may frame the page);
    /// [`Running::allow_parent_origins`] changes them while running.
    pub allowed_parent_origins: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: 0,
            tenant: TenantSource::Sample,
            dist: None,
            access_token_lifetime: Duration::from_secs(3600),
            expose_headers: false,
            extra_redirect_uris: Vec::new(),
            log_requests: false,
            base_path: "/".to_owned(),
            allowed_parent_origins: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub enum Error {
    /// The tenant file could not be read or is invalid.
    Tenant(String),
    /// The port could not be bound.
    Bind(std::io::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Tenant(m) => write!(f, "{m}"),
            Error::Bind(e) => write!(f, "cannot listen on 127.0.0.1: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// A running sandbox. Stops when [`Running::shutdown`] is awaited or when dropped.
pub struct Running {
    port: u16,
    tenant: Tenant,
    shared: Arc<state::Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:{port}`: where the page is served.
    pub fn page_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://localhost:{port}`: the authority and Graph base.
    pub fn api_origin(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// The tenant as loaded (its accounts, ids and app registration).
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// Sets the origins config.json names in `allowedParentOrigins` from now on.
    pub fn allow_parent_origins(&self, origins: Vec<String>) {
        let value = if origins.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::json!(origins)
        };
        self.shared.set_config("allowedParentOrigins", value);
    }

    /// Sets one more key of config.json from now on (for example `theme`); null removes it.
    pub fn set_config(&self, key: &str, value: serde_json::Value) {
        self.shared.set_config(key, value);
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn load_tenant(source: &TenantSource) -> Result<Tenant, Error> {
    match source {
        TenantSource::Sample => Ok(Tenant::sample()),
        TenantSource::File(p) => Tenant::load(p).map_err(Error::Tenant),
        TenantSource::Parsed(t) => Ok((**t).clone()),
    }
}

/// Binds 127.0.0.1 and serves the sandbox in a background task.
pub async fn start(options: Options) -> Result<Running, Error> {
    let tenant = load_tenant(&options.tenant)?;
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], options.port)))
        .await
        .map_err(Error::Bind)?;
    let port = listener.local_addr().map_err(Error::Bind)?.port();
    let (app, shared) = router(&options, tenant.clone(), port);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await;
    });
    Ok(Running {
        port,
        tenant,
        shared,
        stop: Some(stop_tx),
        task: Some(task),
    })
}

/// The whole sandbox as a Router, for in-process tests (`tower::ServiceExt::oneshot`).
/// `port` is the one the URLs it hands out (config.json, redirects, Location) will name.
pub fn app(options: &Options, port: u16) -> Result<Router, Error> {
    let tenant = load_tenant(&options.tenant)?;
    Ok(router(options, tenant, port).0)
}

fn router(options: &Options, tenant: Tenant, port: u16) -> (Router, Arc<state::Shared>) {
    let base_path = site::normalize_base_path(&options.base_path);
    let mut extra_redirect_uris = options.extra_redirect_uris.clone();
    if base_path != "/" {
        extra_redirect_uris.push(format!("http://127.0.0.1:{port}{base_path}"));
    }
    let settings = state::Settings {
        port,
        access_token_lifetime_secs: options.access_token_lifetime.as_secs().max(1) as i64,
        expose_headers: options.expose_headers,
        extra_redirect_uris,
        log_requests: options.log_requests,
    };
    let shared = Arc::new(state::Shared::new(settings, tenant));
    if !options.allowed_parent_origins.is_empty() {
        shared.set_config(
            "allowedParentOrigins",
            serde_json::json!(options.allowed_parent_origins),
        );
    }
    let mut routes = Router::new().route("/config.json", get(site::config_json));
    if base_path != "/" {
        routes = routes.route(&format!("{base_path}config.json"), get(site::config_json));
    }
    let site = Arc::new(site::Site {
        dist: options.dist.clone(),
        base_path,
    });
    let routes = routes
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(authority::discovery),
        )
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authority::authorize_get).post(authority::authorize_post),
        )
        .route("/{tenant}/oauth2/v2.0/token", post(authority::token))
        .route("/{tenant}/oauth2/v2.0/logout", get(authority::logout))
        .route("/{tenant}/discovery/v2.0/keys", get(authority::keys))
        .route("/v1.0/{*rest}", any(graph::handle))
        .route("/_sandbox/reset", post(control::reset))
        .route(
            "/_sandbox/faults",
            post(control::add_fault)
                .get(control::list_faults)
                .delete(control::clear_faults),
        )
        .route("/_sandbox/requests", get(control::requests))
        .route("/_sandbox/preflights", get(control::preflights))
        .route(
            "/_sandbox/latency",
            post(control::set_latency).get(control::get_latency),
        )
        .route(
            "/_sandbox/users/{user}/credentials",
            get(control::credentials),
        )
        .route("/_sandbox/tokens", get(control::issued_tokens))
        .route("/_sandbox/tokens/expire", post(control::expire_tokens))
        .route("/_sandbox/clock/advance", post(control::advance_clock))
        .route("/_sandbox/outbox", get(control::outbox_html))
        .route("/_sandbox/outbox.json", get(control::outbox_json))
        .route("/_sandbox/audits", get(control::audits))
        .fallback(site::static_file)
        .layer(axum::Extension(site))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            middleware::request_log,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            middleware::cors,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            middleware::network_latency,
        ))
        .with_state(shared.clone());
    (routes, shared)
}
