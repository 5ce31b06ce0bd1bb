//! The reset-and-welcome workflow screens: find, review, credential, email, confirm, run, receipt.

use leptos::prelude::*;

#[component]
pub fn Workflow() -> impl IntoView {
    view! {
        <section class="card" id="workflow">
            <h2>"Find the user"</h2>
        </section>
    }
}
