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

pub mod batch;
pub mod client;
pub mod endpoints;
pub mod error;
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
