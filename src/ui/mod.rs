//! Leptos components: one file per screen or widget.
use leptos::prelude::*;

/// Mounts the root component on `<body>`.
pub fn mount() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    view! {
        <main id="handover-app" data-ready="true">
            <h1>"Handover"</h1>
            <p>"Reset a Microsoft 365 password and send the welcome email."</p>
        </main>
    }
}
