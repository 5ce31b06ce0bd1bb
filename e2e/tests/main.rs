//! The end-to-end suite: headless Chromium, the built page, a fresh sandbox tenant per test.

mod foundation;

fn main() {
    e2e::run_suite(e2e::tests![foundation::page_mounts]);
}
