//! The unlock view: the page opened with a sealed link (`#unlock=v1....`). It takes the link out
//! of the address bar and history before anything else, asks for the passphrase read over the
//! phone, and shows the password with copy. No sign-in, no config, no request with the link.
//! Inside a frame it asks for nothing: it says to open the link in its own tab.

use leptos::prelude::*;

use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

use super::webcrypto::{open, UnlockFailure};
use super::workflow::actions::CopyButton;
use crate::auth::browser;
use crate::credential::sealed::{normalize_passphrase, LinkError, SealedLink};
use crate::secret::Secret;
use crate::ui::controls::{dynamic, note};

/// Reads a sealed link from `location.hash` and clears it from the address bar and the
/// current history entry (`history.replaceState`). `None`: the page was not opened with one.
pub fn take_sealed_link() -> Option<Result<SealedLink, LinkError>> {
    let w = browser::window();
    let location = w.location();
    let hash = location.hash().ok()?;
    let link = SealedLink::from_hash(&hash)?;
    let mut path = location.pathname().unwrap_or_default();
    path.push_str(&location.search().unwrap_or_default());
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
    Some(link)
}

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Waiting,
    Working,
    Failed(String, &'static str),
}

/// What a framed unlock view says instead of asking for the passphrase.
const FRAMED: &str = "For your safety this page does not open inside another page. Open the link \
    from the email in its own browser tab or window.";

#[component]
pub fn Unlock(link: Result<SealedLink, LinkError>) -> impl IntoView {
    // Inside a frame, another page could overlay or restyle the form the passphrase is typed
    // into (clickjacking): the view only says how to open it. A meta CSP cannot say
    // frame-ancestors, and the host's headers are not ours to rely on.
    if browser::is_framed() {
        return view! {
            <main id="handover-app" data-phase="unlock">
                <h1>"Handover"</h1>
                <section class="card" id="unlock" role="alert">
                    <h2 class="error">"Open this link in its own tab"</h2>
                    <p id="unlock-error" data-reason="framed">{FRAMED}</p>
                </section>
            </main>
        }
        .into_any();
    }
    let link = match link {
        Ok(l) => l,
        Err(e) => {
            return view! {
                <main id="handover-app" data-phase="unlock">
                    <h1>"Handover"</h1>
                    <section class="card" id="unlock" role="alert">
                        <h2 class="error">"This link cannot be opened"</h2>
                        <p id="unlock-error" data-reason="link">{e.to_string()}</p>
                    </section>
                </main>
            }
            .into_any()
        }
    };
    let link = StoredValue::new(link);
    let typed = RwSignal::new(String::new());
    let status = crate::ui::signals::ValSignal::new(Status::Waiting);
    let password: RwSignal<Option<Secret>, LocalStorage> = RwSignal::new_local(None);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if status.get_untracked() == Status::Working {
            return;
        }
        let phrase = normalize_passphrase(&typed.get_untracked());
        if phrase.is_empty() {
            status.set(Status::Failed(
                "Type the passphrase you were given by phone.".into(),
                "empty",
            ));
            return;
        }
        status.set(Status::Working);
        spawn_local(async move {
            let link = link.get_value();
            match open(&link, &phrase).await {
                Ok(p) => {
                    typed.set(String::new());
                    password.set(Some(p));
                    status.set(Status::Waiting);
                }
                Err(UnlockFailure::Open(e)) => {
                    let reason = match e {
                        crate::credential::sealed::OpenError::WrongPassphrase => "passphrase",
                        crate::credential::sealed::OpenError::Tampered => "tampered",
                    };
                    status.set(Status::Failed(e.to_string(), reason));
                }
                Err(UnlockFailure::Browser(e)) => status.set(Status::Failed(e, "browser")),
            }
        });
    };
    let copy = Callback::new(move |()| {
        password.with_untracked(|p| p.as_ref().map(|s| s.expose_secret().to_owned()))
    });
    view! {
        <main id="handover-app" data-phase="unlock">
            <h1>"Handover"</h1>
            <section class="card" id="unlock">
                <h2>"Your temporary password"</h2>
                {dynamic(move || (match password.with(|p| p.as_ref().map(|s| s.expose_secret().to_owned())) {
                    Some(p) => view! {
                        {note(true, None, None, None, "Sign in with this password; you will be asked to choose a new one.")}
                        <p><code class="secret mono" id="unlock-password">{p}</code> " " <CopyButton id="unlock-copy" text=copy/></p>
                        {note(true, Some("muted"), None, None, "Close this page once you have signed in: the password is not kept anywhere.")}
                    }.into_any(),
                    None => view! {
                        {note(true, None, None, None, "Type the passphrase IT read to you by phone. The password is decrypted in this \
                            browser; the link never leaves it.")}
                        <form id="unlock-form" on:submit=submit>
                            <label for="unlock-passphrase">"Passphrase"</label>
                            <input id="unlock-passphrase" type="text" autocomplete="off" spellcheck="false"
                                autocapitalize="off" prop:value=move || typed.get()
                                on:input=move |ev| typed.set(event_target_value(&ev))/>
                            <button type="submit" id="unlock-open" disabled=move || status.get() == Status::Working>
                                {dynamic(move || (if status.get() == Status::Working { "Unlocking…" } else { "Unlock" }).into_any())}
                            </button>
                        </form>
                        {dynamic(move || (match status.get() {
                            Status::Failed(message, reason) => view! {
                                <p class="error" id="unlock-error" data-reason=reason role="alert">{message}</p>
                            }.into_any(),
                            _ => ().into_any(),
                        }).into_any())}
                    }.into_any(),
                }).into_any())}
            </section>
        </main>
    }
    .into_any()
}
