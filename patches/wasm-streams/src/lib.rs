//! Handover's replacement for the `wasm-streams` crate, wired in by `[patch.crates-io]` in the
//! workspace's Cargo.toml.
//!
//! Leptos always enables server_fn's `browser` feature, which depends on `wasm-streams`. That
//! crate's Rust-to-JS stream adapters are `#[wasm_bindgen]` classes (`IntoUnderlyingSource`,
//! `IntoUnderlyingByteSource`, `IntoUnderlyingSink`), and wasm-bindgen exports every such class
//! whether or not anything uses it, so their code and JS glue stayed in the page although
//! Handover has no server functions (about 15 KB of wasm and 7 KB of JS, 7 KB gzip in all).
//!
//! This crate offers the same names for the calls server_fn makes (`ReadableStream::from_raw`,
//! `from_stream`, `into_raw`, `into_stream`), built on `web_sys` and closures instead of exported
//! classes, so nothing is kept unless it is called. Written for Handover; the behaviour follows
//! the Streams standard (a reader's `read()` resolves to `{ done, value }`; an underlying
//! source's `pull(controller)` may return a promise, and is not called again until it settles).

pub mod readable {
    use core::cell::RefCell;
    use core::marker::PhantomData;
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::future::Future;
    use std::rc::Rc;

    use futures_util::Stream;
    use js_sys::{Object, Promise, Reflect};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_futures::{future_to_promise, JsFuture};
    use web_sys::{ReadableStreamDefaultController, ReadableStreamDefaultReader};

    /// The JavaScript types, as `wasm_streams::readable::sys` names them.
    pub mod sys {
        pub use web_sys::{ReadableStream, ReadableStreamDefaultReader};
    }

    /// A JavaScript `ReadableStream`.
    #[derive(Debug)]
    pub struct ReadableStream {
        raw: sys::ReadableStream,
    }

    type BoxedStream = Pin<Box<dyn Stream<Item = Result<JsValue, JsValue>>>>;

    impl ReadableStream {
        /// Wraps a JavaScript stream.
        pub fn from_raw(raw: sys::ReadableStream) -> Self {
            Self { raw }
        }

        /// A JavaScript stream whose chunks are `stream`'s items: `Ok` is enqueued, `Err`
        /// errors the stream, the end closes it. Each `pull` polls `stream` for one item.
        pub fn from_stream<St>(stream: St) -> Self
        where
            St: Stream<Item = Result<JsValue, JsValue>> + 'static,
        {
            let stream: Rc<RefCell<BoxedStream>> = Rc::new(RefCell::new(Box::pin(stream)));
            let pull = Closure::<dyn FnMut(ReadableStreamDefaultController) -> Promise>::new(
                move |controller: ReadableStreamDefaultController| {
                    let stream = Rc::clone(&stream);
                    future_to_promise(async move {
                        let next =
                            core::future::poll_fn(|cx| stream.borrow_mut().as_mut().poll_next(cx))
                                .await;
                        match next {
                            Some(Ok(chunk)) => controller.enqueue_with_chunk(&chunk)?,
                            Some(Err(e)) => controller.error_with_e(&e),
                            None => controller.close()?,
                        }
                        Ok(JsValue::UNDEFINED)
                    })
                },
            );
            let source = Object::new();
            // Setting a property on a fresh plain object cannot fail.
            let _ = Reflect::set(&source, &JsValue::from_str("pull"), &pull.into_js_value());
            let raw = sys::ReadableStream::new_with_underlying_source(&source)
                .unwrap_or_else(|e| wasm_bindgen::throw_val(e));
            Self { raw }
        }

        /// The JavaScript stream.
        pub fn as_raw(&self) -> &sys::ReadableStream {
            &self.raw
        }

        /// The JavaScript stream.
        pub fn into_raw(self) -> sys::ReadableStream {
            self.raw
        }

        /// Reads the stream chunk by chunk. Throws when it is already locked to a reader.
        pub fn into_stream(self) -> IntoStream<'static> {
            match ReadableStreamDefaultReader::new(&self.raw) {
                Ok(reader) => IntoStream {
                    reader: Some(reader),
                    pending: None,
                    _reader: PhantomData,
                },
                Err(e) => wasm_bindgen::throw_val(e),
            }
        }
    }

    /// The chunks of a [`ReadableStream`], as a Rust [`Stream`]. Dropping it releases the
    /// stream's lock.
    pub struct IntoStream<'reader> {
        reader: Option<ReadableStreamDefaultReader>,
        pending: Option<JsFuture>,
        _reader: PhantomData<&'reader ()>,
    }

    impl IntoStream<'_> {
        fn finish(&mut self) {
            self.pending = None;
            if let Some(reader) = self.reader.take() {
                reader.release_lock();
            }
        }
    }

    impl Stream for IntoStream<'_> {
        type Item = Result<JsValue, JsValue>;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let this = self.get_mut();
            let Some(reader) = &this.reader else {
                return Poll::Ready(None);
            };
            let read = this
                .pending
                .get_or_insert_with(|| JsFuture::from(reader.read()));
            let result = match Pin::new(read).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => result,
            };
            this.pending = None;
            match result {
                Ok(answer) => {
                    let done = Reflect::get(&answer, &JsValue::from_str("done"))
                        .map_or(true, |d| d.is_truthy());
                    if done {
                        this.finish();
                        return Poll::Ready(None);
                    }
                    let value = Reflect::get(&answer, &JsValue::from_str("value"))
                        .unwrap_or(JsValue::UNDEFINED);
                    Poll::Ready(Some(Ok(value)))
                }
                Err(e) => {
                    this.finish();
                    Poll::Ready(Some(Err(e)))
                }
            }
        }
    }

    impl Drop for IntoStream<'_> {
        fn drop(&mut self) {
            // A read still pending keeps the lock: release it only when none is.
            if self.pending.is_none() {
                self.finish();
            }
        }
    }
}

pub use readable::ReadableStream;
