//! Find: one search box. A UPN or address is looked up exactly; other text searches display
//! names as the admin types (debounced). No match, many matches and a failed lookup are each said
//! plainly.

use leptos::prelude::*;

use leptos::task::spawn_local;

use super::review::select_user;
use super::state::{use_flow, FindState, Flow};
use crate::auth::browser;
use crate::graph::client::{send_read, RetryPolicy};
use crate::graph::{BatchAnswer, GraphFailure, GraphRequest, GraphTransport, Method, User};
use crate::ui::controls::{dynamic, note, para};
use crate::ui::{use_app, AppCtx};
use crate::workflow::find::{find_batch, parse_find, FindOutcome, FIND_TOP};

/// Quiet time after the last keystroke before searching.
const DEBOUNCE_MS: u32 = 300;

fn failed(failure: GraphFailure) -> FindOutcome {
    let advice = failure.advice();
    FindOutcome::Failed { failure, advice }
}

/// Sends the Find batch for `text` and reads the answer.
pub async fn look_up<T: GraphTransport>(
    transport: &T,
    text: &str,
    on_wait: &mut dyn FnMut(u32, u32),
) -> Option<FindOutcome> {
    find_batch(text, FIND_TOP)?;
    let mut rng = browser::crypto_rng();
    let sent = send_read(
        transport,
        &mut rng,
        RetryPolicy::default(),
        || match find_batch(text, FIND_TOP) {
            Some(b) => b.into_request(),
            // Checked above: the text is not blank.
            None => GraphRequest::new(Method::Get, "/v1.0/$batch"),
        },
        on_wait,
    )
    .await;
    Some(match sent.response {
        Ok(resp) => match BatchAnswer::from_response(&resp) {
            Ok(answer) => parse_find(text, &answer),
            Err(f) => failed(f),
        },
        Err(e) => failed(GraphFailure::Transport(e)),
    })
}

pub(super) fn schedule(app: AppCtx, flow: Flow, text: String) {
    flow.find_seq.bump();
    let mine = flow.find_seq.get_value();
    let current = move || flow.find_seq.get_value() == mine;
    if text.trim().is_empty() {
        flow.find.set(FindState::Idle);
        return;
    }
    spawn_local(async move {
        browser::sleep_ms(DEBOUNCE_MS).await;
        if !current() {
            return;
        }
        let Some(transport) = app.transport() else {
            return;
        };
        flow.find.set(FindState::Searching);
        flow.find_wait.set(None);
        let mut on_wait = |ms: u32, _attempt: u32| {
            if current() {
                flow.find_wait.set(Some(
                    [
                        "Graph is busy, retrying in ",
                        &ms.div_ceil(1000).max(1).to_string(),
                        " s",
                    ]
                    .concat(),
                ));
            }
        };
        let outcome = look_up(&transport, &text, &mut on_wait).await;
        if !current() {
            return;
        }
        flow.find_wait.set(None);
        flow.find.set(match outcome {
            Some(o) => FindState::Done(o),
            None => FindState::Idle,
        });
    });
}

fn account_tags(u: &User) -> String {
    let mut tags = Vec::new();
    if u.is_disabled() {
        tags.push("disabled");
    }
    if u.is_external() {
        tags.push("guest");
    }
    if u.is_synced() {
        tags.push("synced");
    }
    if tags.is_empty() {
        tags.push("enabled");
    }
    tags.join(" · ")
}

#[component]
pub fn FindStep() -> impl IntoView {
    let app = use_app();
    let flow = use_flow();
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        flow.query.set(text.clone());
        schedule(app, flow, text);
    };
    let status = move || {
        match flow.find.get() {
        FindState::Idle => note(true, Some("muted"),
            None,
            None,
            "Type a name to search, or a full user principal name or email address.",
        ),
        FindState::Searching => view! {
            <p class="muted" id="find-searching">
                "Searching…" {dynamic(move || (flow.find_wait.get().map(|w| [" ", &w].concat())).into_any())}
            </p>
        }
        .into_any(),
        FindState::Done(FindOutcome::NoMatch { message }) => {
            para(None, Some("find-none"), None, Some(message))
        }
        FindState::Done(FindOutcome::Failed { failure, advice }) => view! {
            <div id="find-failed" class="error" role="alert">
                {para(None, None, None, Some(["The search failed: ", &advice.what_happened].concat()))}
                {para(None, None, None, Some(advice.what_to_do))}
                {para(Some("muted mono"), None, None, Some(failure.to_string()))}
            </div>
        }
        .into_any(),
        FindState::Done(FindOutcome::Found { users, partial }) => {
            let n = users.len();
            let count = if n == 1 {
                "One user matches.".to_owned()
            } else if n >= usize::from(FIND_TOP) {
                [&n.to_string(), " or more users match: type more of the name to narrow it down."].concat()
            } else {
                [&n.to_string(), " users match: pick one."].concat()
            };
            view! {
                {para(None, Some("find-count"), None, Some(count))}
                {para(Some("warning"), Some("find-partial"), None, partial)}
            }
            .into_any()
        }
    }
    };
    let results = move || {
        match flow.find.get() {
        FindState::Done(FindOutcome::Found { users, .. }) => users
            .into_iter()
            .map(|u| {
                let upn = u.user_principal_name.clone().unwrap_or_default();
                let upn_attr = upn.clone();
                let id = u.id.clone();
                let selected = move || flow.selected_id.get().as_deref() == Some(id.as_str());
                let name = u.label().to_owned();
                let tags = account_tags(&u);
                view! {
                    <li data-upn=upn_attr class:selected=selected>
                        <button type="button" class="find-pick" on:click=move |_| select_user(app, flow, u.clone())>
                            <span class="find-name">{name}</span>
                            " "
                            <span class="find-upn mono">{upn}</span>
                            " "
                            <span class="find-tags muted">{tags}</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
            .into_any(),
        _ => ().into_any(),
    }
    };
    view! {
        <section class="card wf-card" id="find">
            <h2>"1. Find the user"</h2>
            <label for="find-input">"Name, user principal name or email address"</label>
            <input
                id="find-input"
                type="search"
                autocomplete="off"
                spellcheck="false"
                placeholder="Ada Lovelace, or ada@contoso.com"
                prop:value=move || flow.query.get()
                on:input=on_input
            />
            <div id="find-status" role="status">{dynamic(move || status().into_any())}</div>
            <ul id="find-results" class="wf-results">{dynamic(move || results().into_any())}</ul>
        </section>
    }
}
