//! Handover: reset a Microsoft 365 user's password and send them a welcome email, from a static page.
//!
//! The pure core (`credential`, `welcome`, `workflow`'s plan, `graph`'s answer types) is plain Rust and
//! tests natively; the browser half (`ui`, the fetch path, sign-in) only builds for wasm32.

pub mod auth;
pub mod b64;
pub mod config;
pub mod credential;
pub mod embed;
pub mod graph;
pub mod json;
pub mod quote;
pub mod secret;
pub mod sha256;
pub mod theme;
pub mod welcome;
pub mod workflow;

#[cfg(target_arch = "wasm32")]
mod ui;

#[cfg(target_arch = "wasm32")]
pub use ui::mount;
/// The sealed link's WebCrypto half (public for the browser tests).
#[cfg(target_arch = "wasm32")]
pub use ui::webcrypto;
