//! JSON batching: up to 20 calls in one `POST /v1.0/$batch`.
//!
//! Besides saving round trips, a batch is how the page reads `Location` and `Retry-After`: on a
//! direct answer the browser hides them (Graph does not expose them to CORS), but a batch answer
//! carries each part's headers inside its JSON body.
//!
//! ```
//! use handover::graph::{batch::BatchBuilder, endpoints};
//!
//! let mut batch = BatchBuilder::new();
//! batch.add("user", endpoints::get_user("42")).unwrap();
//! batch.add("roles", endpoints::user_directory_roles("42")).unwrap();
//! let request = batch.build().unwrap().into_request();
//! assert_eq!(request.path_and_query, "/v1.0/$batch");
//! ```

use core::fmt;

use super::endpoints::{push_json_string, Call};
use super::error::{parse_retry_after, GraphError, GraphFailure, MalformedAnswer};
use super::http::{GraphRequest, GraphResponse, Headers, Method, GRAPH_VERSION};
use crate::json::{self, FromJson, Map, Shape, Value};
use crate::quote::Quoted;

/// Graph's limit on requests in one batch.
pub const MAX_BATCH_PARTS: usize = 20;

/// Why a batch could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchError {
    /// More than [`MAX_BATCH_PARTS`] requests.
    TooManyParts,
    /// Two requests with the same id.
    DuplicateId(String),
    /// An empty id.
    EmptyId,
    /// `dependsOn` names a request that is not earlier in the batch.
    UnknownDependency { id: String, depends_on: String },
    /// A batch with no request.
    Empty,
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::TooManyParts => {
                write!(f, "a batch holds at most {MAX_BATCH_PARTS} requests")
            }
            BatchError::DuplicateId(id) => {
                write!(f, "two batch requests share the id {id}", id = Quoted(id))
            }
            BatchError::EmptyId => f.write_str("a batch request needs an id"),
            BatchError::UnknownDependency { id, depends_on } => write!(
                f,
                "batch request {id} depends on {depends_on}, which is not an earlier request",
                id = Quoted(id),
                depends_on = Quoted(depends_on)
            ),
            BatchError::Empty => f.write_str("a batch needs at least one request"),
        }
    }
}

/// One request inside a batch.
#[derive(Debug)]
pub struct BatchPart {
    pub id: String,
    pub call: Call,
    pub depends_on: Vec<String>,
}

/// Collects parts, checking Graph's rules as they are added.
#[derive(Debug, Default)]
pub struct BatchBuilder {
    parts: Vec<BatchPart>,
}

impl BatchBuilder {
    /// An empty batch.
    pub fn new() -> Self {
        BatchBuilder { parts: Vec::new() }
    }

    /// Adds an independent request.
    pub fn add(&mut self, id: &str, call: Call) -> Result<&mut Self, BatchError> {
        self.add_after(id, call, &[])
    }

    /// Adds a request that Graph runs only if every request in `depends_on` succeeded (else it
    /// answers 424 for it). Dependencies must be added first.
    pub fn add_after(
        &mut self,
        id: &str,
        call: Call,
        depends_on: &[&str],
    ) -> Result<&mut Self, BatchError> {
        if self.parts.len() >= MAX_BATCH_PARTS {
            return Err(BatchError::TooManyParts);
        }
        if id.is_empty() {
            return Err(BatchError::EmptyId);
        }
        if self.parts.iter().any(|p| p.id == id) {
            return Err(BatchError::DuplicateId(id.to_owned()));
        }
        for dep in depends_on {
            if !self.parts.iter().any(|p| p.id == *dep) {
                return Err(BatchError::UnknownDependency {
                    id: id.to_owned(),
                    depends_on: (*dep).to_owned(),
                });
            }
        }
        self.parts.push(BatchPart {
            id: id.to_owned(),
            call,
            depends_on: depends_on.iter().map(|d| (*d).to_owned()).collect(),
        });
        Ok(self)
    }

    /// Number of parts so far.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether no part was added.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The finished batch.
    pub fn build(self) -> Result<Batch, BatchError> {
        if self.parts.is_empty() {
            return Err(BatchError::Empty);
        }
        Ok(Batch { parts: self.parts })
    }
}

/// A checked batch, ready to send.
#[derive(Debug)]
pub struct Batch {
    parts: Vec<BatchPart>,
}

impl Batch {
    /// The parts, in order.
    pub fn parts(&self) -> &[BatchPart] {
        &self.parts
    }

    /// The ids, in order.
    pub fn ids(&self) -> Vec<&str> {
        self.parts.iter().map(|p| p.id.as_str()).collect()
    }

    /// `POST /v1.0/$batch` with the JSON envelope. Part bodies (which may carry the password) are
    /// copied straight into one pre-sized buffer that is zeroized with the request.
    pub fn into_request(self) -> GraphRequest {
        let size: usize = self
            .parts
            .iter()
            .map(|p| 128 + p.call.path.len() + p.call.body.as_ref().map_or(0, |b| b.as_str().len()))
            .sum();
        let mut json = String::with_capacity(size + 32);
        json.push_str("{\"requests\":[");
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str("{\"id\":");
            push_json_string(&mut json, &part.id);
            json.push_str(",\"method\":");
            push_json_string(&mut json, part.call.method.as_str());
            json.push_str(",\"url\":");
            push_json_string(&mut json, &part.call.path);
            if !part.call.headers.is_empty() {
                json.push_str(",\"headers\":{");
                for (j, (name, value)) in part.call.headers.iter().enumerate() {
                    if j > 0 {
                        json.push(',');
                    }
                    push_json_string(&mut json, name);
                    json.push(':');
                    push_json_string(&mut json, value);
                }
                json.push('}');
            }
            if let Some(body) = &part.call.body {
                json.push_str(",\"body\":");
                json.push_str(body.as_str());
            }
            if !part.depends_on.is_empty() {
                json.push_str(",\"dependsOn\":[");
                for (j, dep) in part.depends_on.iter().enumerate() {
                    if j > 0 {
                        json.push(',');
                    }
                    push_json_string(&mut json, dep);
                }
                json.push(']');
            }
            json.push('}');
        }
        json.push_str("]}");
        let mut req = GraphRequest::new(Method::Post, format!("{GRAPH_VERSION}/$batch"));
        req.headers.set("Content-Type", "application/json");
        req.headers.set("Accept", "application/json");
        req.body = Some(json);
        req
    }
}

struct RawAnswer {
    responses: Vec<RawPart>,
}

struct RawPart {
    id: String,
    status: u16,
    headers: Option<Map>,
    body: Option<Value>,
}

impl FromJson for RawAnswer {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        Ok(RawAnswer {
            responses: v.req("responses")?,
        })
    }
}

impl FromJson for RawPart {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        Ok(RawPart {
            id: v.req("id")?,
            status: v.req("status")?,
            headers: v.opt("headers")?,
            body: v.opt("body")?,
        })
    }
}

/// One part of a batch answer.
#[derive(Clone, Debug, PartialEq)]
pub struct PartAnswer {
    pub id: String,
    pub status: u16,
    /// The part's own headers, e.g. `Location`, `Retry-After`.
    pub headers: Headers,
    /// The JSON body, if any (a non-JSON body arrives base64-encoded as a string).
    pub body: Option<Value>,
}

impl PartAnswer {
    /// Whether the part succeeded (2xx).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Retry-After` in milliseconds (fractional seconds allowed).
    pub fn retry_after_ms(&self) -> Option<u32> {
        self.headers.get("retry-after").and_then(parse_retry_after)
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location")
    }

    /// The typed error when the part failed.
    pub fn error(&self) -> Option<GraphError> {
        (!self.is_success())
            .then(|| GraphError::from_json(self.status, &self.headers, self.body.as_ref()))
    }

    /// The body as `T` when the part succeeded, else the typed error.
    pub fn json<T: FromJson>(&self, expected: &str) -> Result<T, GraphFailure> {
        if let Some(e) = self.error() {
            return Err(GraphFailure::from(e));
        }
        let body = self.body.as_ref().unwrap_or(&Value::Null);
        T::from_json(body).map_err(|e| {
            GraphFailure::Malformed(MalformedAnswer::from_read(
                self.status,
                expected,
                &json::ReadError::Shape(e),
            ))
        })
    }
}

/// A batch answer: the parts, in whatever order Graph returned them.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchAnswer {
    pub parts: Vec<PartAnswer>,
}

fn header_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl BatchAnswer {
    /// Reads the answer to a `$batch` POST. A non-2xx outer status is Graph's error for the whole
    /// batch (none of it ran, unless the status is a 5xx gateway error).
    pub fn from_response(resp: &GraphResponse) -> Result<BatchAnswer, GraphFailure> {
        if !resp.is_success() {
            return Err(GraphFailure::from(GraphError::from_response(resp)));
        }
        Self::from_json(resp.status, &resp.body)
    }

    /// Reads the JSON of a batch answer.
    pub fn from_json(status: u16, body: &str) -> Result<BatchAnswer, GraphFailure> {
        let raw: RawAnswer = json::read(body).map_err(|e| {
            GraphFailure::Malformed(MalformedAnswer::from_read(status, "$batch answer", &e))
        })?;
        let parts = raw
            .responses
            .into_iter()
            .map(|p| PartAnswer {
                id: p.id,
                status: p.status,
                headers: p
                    .headers
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|(k, v)| header_value(v).map(|v| (k.clone(), v)))
                    .collect(),
                body: p.body,
            })
            .collect();
        Ok(BatchAnswer { parts })
    }

    /// The part with this id.
    pub fn get(&self, id: &str) -> Option<&PartAnswer> {
        self.parts.iter().find(|p| p.id == id)
    }

    /// The part with this id, or a typed "missing" failure.
    pub fn require(&self, id: &str) -> Result<&PartAnswer, GraphFailure> {
        self.get(id).ok_or_else(|| {
            GraphFailure::Malformed(MalformedAnswer {
                status: 200,
                expected: format!("an answer for batch request {id}", id = Quoted(id)),
                detail: "missing from the $batch answer".to_owned(),
            })
        })
    }
}

/// Turns a `Location` URL (absolute or not) into a path relative to `/v1.0`, keeping the query.
/// Only the path is kept, so the poll goes to the configured Graph host whatever host the header
/// names (the token is never sent elsewhere). `None` when it is not a `/v1.0/` path.
pub fn version_relative_path(location: &str) -> Option<String> {
    let location = location.trim();
    let after_scheme = location
        .strip_prefix("https://")
        .or_else(|| location.strip_prefix("http://"));
    let path = match after_scheme {
        Some(rest) => &rest[rest.find('/')?..],
        None => location,
    };
    let rest = path.strip_prefix(GRAPH_VERSION)?;
    if rest.starts_with('/') && !rest.starts_with("//") {
        Some(rest.to_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::endpoints;
    use serde_json::Value;

    #[test]
    fn builder_enforces_limit_and_unique_ids() {
        let mut b = BatchBuilder::new();
        for i in 0..MAX_BATCH_PARTS {
            assert!(b.add(&i.to_string(), endpoints::get_me()).is_ok());
        }
        assert_eq!(
            b.add("20", endpoints::get_me()).err(),
            Some(BatchError::TooManyParts)
        );
        let mut b = BatchBuilder::new();
        assert!(b.add("a", endpoints::get_me()).is_ok());
        assert_eq!(
            b.add("a", endpoints::get_me()).err(),
            Some(BatchError::DuplicateId("a".into()))
        );
        assert_eq!(
            b.add("", endpoints::get_me()).err(),
            Some(BatchError::EmptyId)
        );
        assert_eq!(
            b.add_after("c", endpoints::get_me(), &["zzz"]).err(),
            Some(BatchError::UnknownDependency {
                id: "c".into(),
                depends_on: "zzz".into()
            })
        );
        assert_eq!(BatchBuilder::new().build().err(), Some(BatchError::Empty));
    }

    #[test]
    fn request_json_has_documented_shape() {
        let mut b = BatchBuilder::new();
        let pw = crate::secret::Secret::new("S3cret\"pw".into());
        assert!(b.add("reset", endpoints::patch_password("u1", &pw)).is_ok());
        assert!(b.add_after("mail", endpoints::get_me(), &["reset"]).is_ok());
        assert!(b
            .add(
                "search",
                crate::graph::odata::find_display_name_search("Ada", 5)
            )
            .is_ok());
        let req = match b.build() {
            Ok(batch) => batch.into_request(),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(req.method, Method::Post);
        let v: Value =
            serde_json::from_str(req.body.as_deref().unwrap_or("")).unwrap_or(Value::Null);
        let parts = v["requests"].as_array().cloned().unwrap_or_default();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0]["id"], "reset");
        assert_eq!(parts[0]["method"], "PATCH");
        assert_eq!(parts[0]["url"], "/users/u1");
        assert_eq!(parts[0]["headers"]["Content-Type"], "application/json");
        assert_eq!(
            parts[0]["body"]["passwordProfile"]["password"],
            "S3cret\"pw"
        );
        assert_eq!(parts[1]["dependsOn"], serde_json::json!(["reset"]));
        assert!(parts[1].get("body").is_none());
        assert_eq!(parts[2]["headers"]["ConsistencyLevel"], "eventual");
    }

    #[test]
    fn answer_parts_carry_headers_and_errors() {
        let body = r#"{"responses":[
            {"id":"2","status":424,"body":{"error":{"code":"FailedDependency","message":"dep"}}},
            {"id":"1","status":202,"headers":{"Location":"https://graph.microsoft.com/v1.0/users/u/authentication/operations/op1?aId=9","Retry-After":"1.5"}},
            {"id":"3","status":429,"headers":{"Retry-After":2},"body":{"error":{"code":"TooManyRequests","message":"slow"}}}
        ]}"#;
        let answer = BatchAnswer::from_json(200, body).expect("answer");
        let one = answer.get("1").expect("part 1");
        assert_eq!(one.retry_after_ms(), Some(1500));
        assert_eq!(
            one.location().and_then(version_relative_path).as_deref(),
            Some("/users/u/authentication/operations/op1?aId=9")
        );
        assert!(one.error().is_none());
        let two = answer.get("2").and_then(PartAnswer::error).expect("424");
        assert_eq!(two.kind, crate::graph::GraphErrorKind::FailedDependency);
        let three = answer.get("3").and_then(PartAnswer::error).expect("429");
        assert_eq!(three.retry_after_ms, Some(2000));
        assert!(answer.require("9").is_err());
    }

    #[test]
    fn garbage_batch_answers_are_typed() {
        for body in [
            "",
            "[]",
            "{\"responses\":3}",
            "<html/>",
            "{\"responses\":[{\"id\":1}]}",
        ] {
            assert!(
                matches!(
                    BatchAnswer::from_json(200, body),
                    Err(GraphFailure::Malformed(_))
                ),
                "{body}"
            );
        }
        let outer =
            GraphResponse::new(429, r#"{"error":{"code":"TooManyRequests","message":"x"}}"#);
        assert!(
            matches!(BatchAnswer::from_response(&outer), Err(GraphFailure::Graph(e)) if e.status == 429)
        );
    }

    #[test]
    fn location_paths() {
        assert_eq!(
            version_relative_path("http://127.0.0.1:9000/v1.0/users/a/authentication/operations/b")
                .as_deref(),
            Some("/users/a/authentication/operations/b")
        );
        assert_eq!(
            version_relative_path("/v1.0/x?y=1").as_deref(),
            Some("/x?y=1")
        );
        assert_eq!(
            version_relative_path("https://graph.microsoft.com/beta/x"),
            None
        );
        assert_eq!(version_relative_path("https://evil.example"), None);
        assert_eq!(version_relative_path("/v1.0//evil.example/x"), None);
    }
}
