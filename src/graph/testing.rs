//! Test helpers shared by graph/ and workflow/: a scripted transport and a tiny executor.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use serde_json::Value;

use super::{GraphRequest, GraphResponse, GraphTransport, TransportError};

/// Runs a future to completion on this thread; the fake transport never pends.
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// What the fake saw of one request.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
}

impl Seen {
    pub(crate) fn batch_parts(&self) -> Vec<Value> {
        self.body
            .as_ref()
            .and_then(|b| b["requests"].as_array().cloned())
            .unwrap_or_default()
    }
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A scripted Graph: answers in order, records requests and sleeps.
pub(crate) struct Fake {
    script: RefCell<VecDeque<Result<GraphResponse, TransportError>>>,
    seen: RefCell<Vec<Seen>>,
    slept: RefCell<Vec<u32>>,
}

impl Fake {
    pub(crate) fn new(script: Vec<Result<GraphResponse, TransportError>>) -> Fake {
        Fake {
            script: RefCell::new(script.into()),
            seen: RefCell::new(Vec::new()),
            slept: RefCell::new(Vec::new()),
        }
    }
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.borrow().clone()
    }
    pub(crate) fn slept(&self) -> Vec<u32> {
        self.slept.borrow().clone()
    }
    pub(crate) fn exhausted(&self) -> bool {
        self.script.borrow().is_empty()
    }
}

impl GraphTransport for Fake {
    async fn send(&self, req: GraphRequest) -> Result<GraphResponse, TransportError> {
        self.seen.borrow_mut().push(Seen {
            method: req.method.as_str().to_owned(),
            path: req.path_and_query.clone(),
            headers: req
                .headers
                .iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
            body: req
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok()),
        });
        self.script.borrow_mut().pop_front().unwrap_or_else(|| {
            Err(TransportError::NotSent {
                reason: "the test script has no more answers".into(),
            })
        })
    }
    async fn sleep(&self, ms: u32) {
        self.slept.borrow_mut().push(ms);
    }
    fn now(&self) -> Option<String> {
        Some("2026-11-27T10:00:00Z".into())
    }
}
