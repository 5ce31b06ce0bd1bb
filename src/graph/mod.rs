//! The Microsoft Graph client, pure half: typed requests and answers, Graph's error shape as a
//! typed error, OData helpers, `$batch`, and the transport-neutral [`GraphRequest`] /
//! [`GraphResponse`] pair with the [`GraphTransport`] trait the browser implements.
//!
//! How a call is made:
//! 1. build a [`Call`] with a function of [`endpoints`] (or [`odata`] for the Find step);
//! 2. send it directly ([`Call::into_request`]) or in a batch ([`batch::BatchBuilder`]);
//! 3. stamp a fresh `client-request-id` ([`new_client_request_id`]) and hand the request to the
//!    transport;
//! 4. read the answer with [`error::read_json`] or [`batch::BatchAnswer`], which give the typed
//!    answer or a [`GraphFailure`] (never a panic, whatever the body).
//!
//! The retrying sender that the workflow uses lives in [`client`].
//!
//! What the browser transport (an implementation of [`GraphTransport`]) must do, and no more:
//! - send `req.method` to `{graph base URL}{req.path_and_query}` with `req.headers`, the body
//!   `req.body` if any, and `Authorization: Bearer {token}` from the session (refreshing the token
//!   first when it is about to expire);
//! - return [`GraphResponse`] with the status, the headers it can read (at least `request-id` and
//!   `client-request-id`) and the body text, for every status, 4xx and 5xx included;
//! - map failures to [`TransportError`]: no token / refresh failed → `SignInRequired`; refused
//!   before sending → `NotSent`; `fetch` rejected or timed out after sending → `NoAnswer` (a
//!   write may have happened, and the runner treats it so);
//! - `sleep(ms)` with `setTimeout`; `now()` with `new Date().toISOString()`.

pub mod batch;
pub mod client;
pub mod endpoints;
pub mod error;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
pub mod http;
pub mod model;
pub mod odata;
#[cfg(test)]
pub(crate) mod testing;

pub use batch::{Batch, BatchAnswer, BatchBuilder, BatchError, PartAnswer};
pub use client::{RetryPolicy, Sent};
pub use endpoints::{BodyType, Call, JsonBody, MailAddress, MailMessage, TapRequest};
pub use error::{Advice, GraphError, GraphErrorKind, GraphFailure, MalformedAnswer};
pub use http::{
    new_client_request_id, GraphRequest, GraphResponse, GraphTransport, Headers, Method,
    TransportError, GRAPH_VERSION,
};
pub use model::{
    Collection, DirectoryRole, Group, LongRunningOperation, Me, OperationStatus, RoleEligibility,
    TemporaryAccessPass, User,
};
