//! Sign-in: OAuth 2.0 authorization code flow with PKCE against Microsoft Entra ID (or any
//! OpenID Connect authority), from the browser, with tokens kept in memory only.
//!
//! This module's pure half builds and reads every protocol message and is tested natively;
//! the browser half (fetch, sessionStorage for the in-flight values, redirect and popup,
//! BroadcastChannel) only runs on wasm32.
//!
//! One sign-in, in order:
//! 1. [`oidc::Discovery::parse`] the document at [`crate::config::Config::discovery_url`].
//! 2. [`pkce::PkceVerifier::generate`], [`pkce::random_url_token`] for `state` and `nonce`;
//!    park them (sessionStorage) until the callback, then remove them.
//! 3. Navigate to [`oidc::authorize_url`] (scopes from [`scopes::for_request`]).
//! 4. On the redirect URI: [`oidc::parse_callback`], [`oidc::check_state`].
//! 5. POST [`oidc::token_request_body`] to the token endpoint, [`oidc::parse_token_answer`],
//!    [`oidc::validate_id_token`], then [`session::Session::from_answer`].
//! 6. Before each Graph call: [`session::Session::needs_refresh`] →
//!    [`oidc::refresh_request_body`] → [`session::Session::apply_refresh`].
//! 7. [`scopes::unavailable`] tells the admin what the granted permissions leave out.

/// The browser half (the lead engineer's): fetch, sessionStorage, redirect and popup.
#[cfg(target_arch = "wasm32")]
pub mod browser;
pub mod errors;
pub mod oidc;
pub mod pkce;
pub mod scopes;
pub mod session;
#[cfg(test)]
mod tests;

pub use errors::{AuthError, Explanation};
pub use oidc::{
    authorize_url, check_state, parse_callback, parse_token_answer, refresh_request_body,
    token_request_body, validate_id_token, Account, AuthorizeParams, Callback, Discovery,
    ResponseMode, TokenAnswer,
};
pub use pkce::{random_url_token, PkceVerifier};
pub use scopes::{Feature, Scopes};
pub use session::Session;
