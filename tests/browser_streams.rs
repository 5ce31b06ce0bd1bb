#![cfg(target_arch = "wasm32")]
//! patches/wasm-streams (Handover's stand-in for the wasm-streams crate, without exported JS
//! classes): a Rust stream through a real JavaScript `ReadableStream` and back, as server_fn
//! would use it.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use wasm_streams::ReadableStream;

wasm_bindgen_test_configure!(run_in_browser);

/// Yields its items one by one, answering `Pending` (and waking at once) before each, as a
/// network stream would.
struct Items {
    items: VecDeque<Result<JsValue, JsValue>>,
    ready: bool,
}

impl Stream for Items {
    type Item = Result<JsValue, JsValue>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        Poll::Ready(self.items.pop_front())
    }
}

fn items(items: Vec<Result<JsValue, JsValue>>) -> Items {
    Items {
        items: items.into(),
        ready: false,
    }
}

/// Every item of `s`, up to and including the first error.
async fn collect(s: ReadableStream) -> Vec<Result<JsValue, JsValue>> {
    let mut stream = s.into_stream();
    let mut out = Vec::new();
    while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        let stop = item.is_err();
        out.push(item);
        if stop {
            break;
        }
    }
    out
}

#[wasm_bindgen_test]
async fn a_rust_stream_goes_through_a_js_stream_and_back_in_order() {
    let sent = vec![
        Ok(JsValue::from_str("first")),
        Ok(JsValue::from_f64(2.0)),
        Ok(JsValue::from_str("third")),
    ];
    let raw = ReadableStream::from_stream(items(sent)).into_raw();
    assert!(!raw.locked(), "a fresh stream has no reader");
    let got = collect(ReadableStream::from_raw(raw)).await;
    let got: Vec<JsValue> = got.into_iter().map(|r| r.expect("no error")).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0].as_string().as_deref(), Some("first"));
    assert_eq!(got[1].as_f64(), Some(2.0));
    assert_eq!(got[2].as_string().as_deref(), Some("third"));
}

#[wasm_bindgen_test]
async fn an_error_item_errors_the_js_stream() {
    let sent = vec![
        Ok(JsValue::from_str("one")),
        Err(JsValue::from_str("broken")),
    ];
    let got = collect(ReadableStream::from_stream(items(sent))).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        got[0].as_ref().ok().and_then(JsValue::as_string).as_deref(),
        Some("one")
    );
    assert_eq!(
        got[1]
            .as_ref()
            .err()
            .and_then(JsValue::as_string)
            .as_deref(),
        Some("broken")
    );
}

#[wasm_bindgen_test]
async fn an_empty_stream_ends_and_releases_its_reader() {
    let s = ReadableStream::from_stream(items(Vec::new()));
    let raw = s.as_raw().clone();
    assert!(collect(s).await.is_empty());
    assert!(!raw.locked(), "the reader's lock is released at the end");
}
