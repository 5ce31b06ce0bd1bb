//! The signed-in session: tokens in memory only (never storage, the URL or the console).
//! Debug prints `[redacted]` for the tokens; [`Secret`] zeroizes them on drop.

use super::oidc::{Account, TokenAnswer};
use super::scopes::Scopes;
use crate::secret::Secret;

/// Refresh this long before the access token expires, in milliseconds.
pub const REFRESH_MARGIN_MS: f64 = 5.0 * 60.0 * 1000.0;
/// A single-page app's refresh token dies this long after sign-in whatever is refreshed in
/// between (used when the answer does not say `refresh_token_expires_in`).
pub const SPA_SESSION_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;

/// The tokens and who they belong to. Times are milliseconds since the Unix epoch, as
/// `Date.now()` gives them.
#[derive(Debug)]
pub struct Session {
    access: Secret,
    refresh: Option<Secret>,
    expires_at_ms: f64,
    /// Lifetime of the current access token, for the refresh margin.
    lifetime_ms: f64,
    refresh_expires_at_ms: Option<f64>,
    granted: Scopes,
    account: Account,
    signed_in_at_ms: f64,
}

impl Session {
    /// A session from the code redemption's answer and the account read from its ID token.
    pub fn from_answer(answer: TokenAnswer, account: Account, now_ms: f64) -> Session {
        let refresh_expires_at_ms = answer.refresh_token.as_ref().map(|_| {
            answer
                .refresh_token_expires_in
                .map_or(now_ms + SPA_SESSION_MS, |s| now_ms + s as f64 * 1000.0)
        });
        Session {
            expires_at_ms: now_ms + answer.expires_in as f64 * 1000.0,
            lifetime_ms: answer.expires_in as f64 * 1000.0,
            granted: Scopes::parse(&answer.scope),
            access: answer.access_token,
            refresh: answer.refresh_token,
            refresh_expires_at_ms,
            account,
            signed_in_at_ms: now_ms,
        }
    }

    /// The bearer token for Graph.
    pub fn access_token(&self) -> &Secret {
        &self.access
    }

    /// Whether to refresh before the next call: within [`REFRESH_MARGIN_MS`] of expiry, or past
    /// it. A token that lives less than twice the margin (a test authority's short tokens) is
    /// refreshed at half its life instead, so it is not refreshed before every call.
    pub fn needs_refresh(&self, now_ms: f64) -> bool {
        let margin = REFRESH_MARGIN_MS.min(self.lifetime_ms / 2.0);
        now_ms >= self.expires_at_ms - margin
    }

    /// Whether the access token has expired outright.
    pub fn is_expired(&self, now_ms: f64) -> bool {
        now_ms >= self.expires_at_ms
    }

    /// The refresh token, if the answer carried one (`offline_access`).
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh.as_ref()
    }

    /// Whether a refresh can still work: there is a refresh token and its lifetime (24 h for
    /// a single-page app) has not run out.
    pub fn can_refresh(&self, now_ms: f64) -> bool {
        self.refresh.is_some() && self.refresh_expires_at_ms.is_none_or(|end| now_ms < end)
    }

    /// Takes a refresh answer: new access token, expiry and granted scopes; the refresh token
    /// is replaced whenever a new one arrives (the spent one may already be refused). The
    /// session's end is not extended: a single-page app's refresh tokens all die 24 h after
    /// the original sign-in.
    pub fn apply_refresh(&mut self, answer: TokenAnswer, now_ms: f64) {
        self.access = answer.access_token;
        self.expires_at_ms = now_ms + answer.expires_in as f64 * 1000.0;
        self.lifetime_ms = answer.expires_in as f64 * 1000.0;
        if !answer.scope.trim().is_empty() {
            self.granted = Scopes::parse(&answer.scope);
        }
        if let Some(new_refresh) = answer.refresh_token {
            self.refresh = Some(new_refresh);
            if let Some(secs) = answer.refresh_token_expires_in {
                let end = now_ms + secs as f64 * 1000.0;
                self.refresh_expires_at_ms =
                    Some(self.refresh_expires_at_ms.map_or(end, |old| old.min(end)));
            }
        }
    }

    /// When the access token expires (ms since the epoch).
    pub fn expires_at_ms(&self) -> f64 {
        self.expires_at_ms
    }

    /// When the refresh token dies and the admin must sign in again, if known.
    pub fn refresh_expires_at_ms(&self) -> Option<f64> {
        self.refresh_expires_at_ms
    }

    /// When the admin signed in.
    pub fn signed_in_at_ms(&self) -> f64 {
        self.signed_in_at_ms
    }

    /// The permissions actually granted.
    pub fn granted(&self) -> &Scopes {
        &self.granted
    }

    /// The signed-in admin.
    pub fn account(&self) -> &Account {
        &self.account
    }
}
