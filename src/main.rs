//! Mounts the app; nothing else.
#[cfg(target_arch = "wasm32")]
fn main() {
    handover::mount();
}

// The page only runs in a browser; natively this binary exists so `cargo test` builds the crate.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("handover is a web page: build it with `cargo xtask build` and open dist/index.html");
}
