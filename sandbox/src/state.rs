//! The sandbox's mutable world: the live tenant, issued codes and tokens, operations, the outbox,
//! the request log and the fault list. One mutex; no handler holds it across an `.await`.

use crate::tenant::Tenant;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Settings fixed for a run.
#[derive(Clone, Debug)]
pub struct Settings {
    pub port: u16,
    pub access_token_lifetime_secs: i64,
    pub expose_headers: bool,
    pub extra_redirect_uris: Vec<String>,
    pub log_requests: bool,
}

pub struct Shared {
    pub settings: Settings,
    /// The tenant as loaded, restored by `POST /_sandbox/reset`.
    pub original: Tenant,
    /// Per-run random key signing ID tokens (HS256).
    pub signing_key: [u8; 32],
    clock_offset_ms: AtomicI64,
    /// When the sandbox started: the origin of the request log's `startedUs`/`endedUs`.
    started: Instant,
    state: Mutex<State>,
    /// Keys config.json adds to (or replaces in) what the sandbox writes itself.
    config_extra: Mutex<serde_json::Map<String, Value>>,
}

#[derive(Default)]
pub struct State {
    pub tenant: Tenant,
    pub codes: HashMap<String, AuthCode>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    /// Session cookie value → user id (the "already signed in" state prompt=none relies on).
    pub sessions: HashMap<String, String>,
    pub operations: HashMap<String, Operation>,
    pub outbox: Vec<Value>,
    /// Sender UPN → copies saved to Sent Items.
    pub sent_items: BTreeMap<String, Vec<Value>>,
    pub log: Vec<Value>,
    pub next_log_id: u64,
    pub faults: Vec<Fault>,
    pub next_fault_id: u64,
    pub audits: Vec<Value>,
    /// Added to every request but the control API's (`POST /_sandbox/latency`).
    pub latency_ms: u64,
    /// Every access, refresh and ID token issued since the last reset (spent ones included), for
    /// tests that scan the browser for leaked secrets (`GET /_sandbox/tokens`).
    pub issued_tokens: Vec<String>,
    /// CORS preflights to the authority and Graph (`GET /_sandbox/preflights`).
    pub preflights: Vec<Value>,
    pub next_preflight_id: u64,
}

impl Default for Tenant {
    fn default() -> Self {
        Tenant::sample()
    }
}

#[derive(Clone, Debug)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub issued_ms: i64,
    pub redeemed: bool,
    pub client_info: bool,
}

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub user_id: String,
    pub scopes: Vec<String>,
    pub expires_ms: i64,
}

#[derive(Clone, Debug)]
pub struct RefreshToken {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    /// When the user signed in interactively: SPA refresh tokens die 24 h after it.
    pub session_start_ms: i64,
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub id: String,
    pub user_id: String,
    pub caller_id: String,
    /// The `aadgdc` query value the Location carried; a poll must bring it back.
    pub aadgdc: String,
    pub new_password: String,
    pub generated: bool,
    pub created_ms: i64,
    pub last_action_ms: i64,
    pub polls: u32,
    pub status: &'static str,
    pub status_detail: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    #[serde(default)]
    pub id: u64,
    #[serde(default = "any_method")]
    pub method: String,
    #[serde(default = "any_path")]
    pub path: String,
    #[serde(default)]
    pub status: Option<u16>,
    /// Seconds; may be fractional, as Graph's may be.
    #[serde(default)]
    pub retry_after: Option<f64>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// The next N matching requests; `null` = every one, forever.
    #[serde(default)]
    pub count: Option<u32>,
    /// Optional override of the error code in the body.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

fn any_method() -> String {
    "*".into()
}
fn any_path() -> String {
    "*".into()
}

impl Shared {
    /// What config.json adds to the sandbox's own keys.
    pub fn config_extra(&self) -> serde_json::Map<String, Value> {
        self.config_extra
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sets one key of config.json (null removes it).
    pub fn set_config(&self, key: &str, value: Value) {
        let mut extra = self.config_extra.lock().unwrap_or_else(|p| p.into_inner());
        if value.is_null() {
            extra.remove(key);
        } else {
            extra.insert(key.to_owned(), value);
        }
    }

    pub fn new(settings: Settings, tenant: Tenant) -> Shared {
        let mut key = [0u8; 32];
        crate::util::random_bytes(&mut key);
        Shared {
            settings,
            original: tenant.clone(),
            signing_key: key,
            clock_offset_ms: AtomicI64::new(0),
            started: Instant::now(),
            state: Mutex::new(State {
                tenant,
                ..State::default()
            }),
            config_extra: Mutex::new(serde_json::Map::new()),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked mid-update leaves plain data behind; keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The sandbox's clock: real time plus what tests advanced it by.
    pub fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        real + self.clock_offset_ms.load(Ordering::SeqCst)
    }

    /// Microseconds from the sandbox's start to `t`, on a monotonic clock (not the sandbox
    /// clock, which tests move).
    pub fn micros_since_start(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.started).as_micros() as u64
    }

    pub fn advance_clock(&self, ms: i64) {
        self.clock_offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn reset(&self) {
        let mut s = self.lock();
        *s = State {
            tenant: self.original.clone(),
            ..State::default()
        };
        self.clock_offset_ms.store(0, Ordering::SeqCst);
    }

    pub fn page_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.settings.port)
    }

    pub fn api_origin(&self) -> String {
        format!("http://localhost:{}", self.settings.port)
    }

    /// Every redirect URI the app accepts (spa type), with `{page}` filled in.
    pub fn redirect_uris(&self) -> Vec<String> {
        let mut v = self.original.spa_redirect_uris(&self.page_origin());
        v.extend(self.settings.extra_redirect_uris.iter().cloned());
        v
    }

    /// Origins allowed by CORS: those of the registered SPA redirect URIs.
    pub fn allowed_origins(&self) -> Vec<String> {
        self.redirect_uris()
            .iter()
            .filter_map(|u| origin_of(u))
            .collect()
    }
}

/// `scheme://host[:port]` of an absolute URL.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}
