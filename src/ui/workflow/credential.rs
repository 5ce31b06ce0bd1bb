//! Credential: a generated password (length, passphrase mode, regenerate, show/hide, strength),
//! one the admin types (checked against the Entra policy as they type), or a Temporary Access
//! Pass with its options. The secret reaches the DOM only as a text node while shown.

use leptos::prelude::*;

use super::actions::copy_text;
use super::state::{policy_context, use_flow, CredentialMode, Flow};
use crate::auth::browser;
use crate::credential::{
    check_password, CharClass, PassphraseOptions, PasswordOptions, Recipe, MAX_WORDS, MIN_WORDS,
    TAP_MAX_LIFETIME_MINUTES, TAP_MIN_LIFETIME_MINUTES, UI_MAX_LENGTH, UI_MIN_LENGTH,
};
use crate::secret::Secret;
use crate::ui::controls::{button, checkbox_row, dynamic, error_note, list, note, para, text_row};
use crate::ui::{use_app, AppCtx};

/// Draws a new password or passphrase for the reviewed target (the old one is zeroized).
pub fn regenerate(app: AppCtx, flow: Flow) {
    let Some(target) = flow.target_untracked() else {
        return;
    };
    let context = policy_context(&app, &target);
    let recipe = match flow.mode.get_untracked() {
        CredentialMode::Passphrase => Recipe::Passphrase(PassphraseOptions {
            words: flow.words.get_untracked(),
            ..PassphraseOptions::default()
        }),
        _ => Recipe::Password(PasswordOptions {
            length: flow.length.get_untracked(),
            ..PasswordOptions::default()
        }),
    };
    let mut rng = browser::crypto_rng();
    match recipe.generate(&mut rng, &context) {
        Ok(secret) => {
            flow.generated.set(Some(secret));
            flow.generate_error.set(None);
        }
        Err(e) => {
            flow.generated.set(None);
            flow.generate_error.set(Some(e.to_string()));
        }
    }
}

/// Bits rounded to a whole number, as text. `bits` is never negative, so adding ½ and
/// truncating rounds half up as `f64::round` does (which would bring libm's `round`).
fn whole_bits(bits: f64) -> String {
    ((bits + 0.5) as u32).to_string()
}

fn strength_label(bits: f64) -> &'static str {
    if bits >= 80.0 {
        "strong"
    } else if bits >= 60.0 {
        "good"
    } else if bits >= 40.0 {
        "fair"
    } else {
        "weak"
    }
}

/// A rough estimate for a typed password: length times the log of the classes' pool.
fn typed_bits(s: &str) -> f64 {
    let mut pool = 0u32;
    for (class, size) in [
        (CharClass::Lowercase, 26),
        (CharClass::Uppercase, 26),
        (CharClass::Digit, 10),
        (CharClass::Symbol, 33),
    ] {
        if s.chars().any(|c| CharClass::of(c) == Some(class)) {
            pool += size;
        }
    }
    if pool == 0 {
        return 0.0;
    }
    s.chars().count() as f64 * crate::credential::log2(f64::from(pool))
}

pub(super) fn set_mode(app: AppCtx, flow: Flow, mode: CredentialMode) {
    if flow.mode.get_untracked() == mode {
        return;
    }
    flow.mode.set(mode);
    flow.shown.set(false);
    // The typed field is rendered empty again: never keep a value the admin no longer sees.
    flow.typed.set(None);
    if matches!(mode, CredentialMode::Password | CredentialMode::Passphrase) {
        regenerate(app, flow);
    }
}

/// "Show"/"Hide" for the credential, one button for both modes that have it.
fn show_button(flow: Flow) -> AnyView {
    button(
        "credential-show",
        None,
        dynamic(move || (if flow.shown.get() { "Hide" } else { "Show" }).into_any()),
        Box::new(move || flow.shown.update(|s| *s = !*s)),
    )
}

fn mode_choice(
    app: AppCtx,
    flow: Flow,
    mode: CredentialMode,
    id: &'static str,
    label: &'static str,
) -> AnyView {
    view! {
        <label class="wf-choice">
            <input
                type="radio"
                name="credential-mode"
                id=id
                prop:checked=move || flow.mode.get() == mode
                on:change=move |_| set_mode(app, flow, mode)
            />
            " " {label}
        </label>
    }
    .into_any()
}

#[component]
pub fn CredentialStep() -> impl IntoView {
    let app = use_app();
    let flow = use_flow();
    let generated_text = move || {
        if flow.shown.get() {
            flow.generated
                .with(|g| g.as_ref().map(|s| s.expose_secret().to_owned()))
                .unwrap_or_default()
        } else {
            let n = flow.generated.with(|g| g.as_ref().map_or(0, Secret::len));
            "\u{2022}".repeat(n)
        }
    };
    let strength = move || {
        let recipe = match flow.mode.get() {
            CredentialMode::Passphrase => Recipe::Passphrase(PassphraseOptions {
                words: flow.words.get(),
                ..PassphraseOptions::default()
            }),
            _ => Recipe::Password(PasswordOptions {
                length: flow.length.get(),
                ..PasswordOptions::default()
            }),
        };
        recipe
            .entropy_bits()
            .map(|b| {
                [
                    "About ",
                    // Whole bits as an integer: printing an f64 would pull in float formatting.
                    &whole_bits(b),
                    " bits of entropy: ",
                    strength_label(b),
                    ".",
                ]
                .concat()
            })
            .unwrap_or_default()
    };
    let generated = move || {
        let passphrase = flow.mode.get() == CredentialMode::Passphrase;
        view! {
            <div class="wf-row">
                {if passphrase {
                    view! {
                        <label for="credential-words">"Words"</label>
                        <select id="credential-words" on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                                flow.words.set(n);
                                regenerate(app, flow);
                            }
                        }>
                            {(MIN_WORDS..=MAX_WORDS)
                                .map(|n| view! { <option value=n.to_string() selected=move || flow.words.get() == n>{n}</option> })
                                .collect_view()}
                        </select>
                    }
                    .into_any()
                } else {
                    view! {
                        <label for="credential-length">"Length"</label>
                        <input
                            id="credential-length"
                            type="range"
                            min=UI_MIN_LENGTH.to_string()
                            max=UI_MAX_LENGTH.to_string()
                            prop:value=move || flow.length.get().to_string()
                            on:input=move |ev| {
                                if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                                    flow.length.set(n.clamp(UI_MIN_LENGTH, UI_MAX_LENGTH));
                                    regenerate(app, flow);
                                }
                            }
                        />
                        <span id="credential-length-value">{dynamic(move || [flow.length.get().to_string().as_str(), " characters"].concat().into_any())}</span>
                    }
                    .into_any()
                }}
            </div>
            <div class="wf-secret">
                <code id="credential-password" class="secret" data-shown=move || flow.shown.get().to_string()>
                    {dynamic(move || generated_text().into_any())}
                </code>
                {show_button(flow)}
                {button("credential-regenerate", None, "Regenerate".into_any(), Box::new(move || regenerate(app, flow)))}
                {button("credential-copy", None, "Copy".into_any(), Box::new(move || {
                    flow.generated.with_untracked(|g| {
                        if let Some(s) = g {
                            copy_text(s.expose_secret());
                        }
                    });
                }))}
            </div>
            <p class="muted" id="credential-strength">{dynamic(move || strength().into_any())}</p>
        }
    };
    let typed = move || {
        let violations = move || {
            let target = flow.target()?;
            let context = policy_context(&app, &target);
            flow.typed.with(|t| {
                let t = t.as_ref()?;
                check_password(t.expose_secret(), &context).err()
            })
        };
        let bits = move || {
            flow.typed
                .with(|t| t.as_ref().map(|t| typed_bits(t.expose_secret())))
        };
        view! {
            <div class="wf-row">
                <label for="credential-typed">"Password"</label>
                <input
                    id="credential-typed"
                    type=move || if flow.shown.get() { "text" } else { "password" }
                    autocomplete="new-password"
                    spellcheck="false"
                    on:input=move |ev| flow.typed.set(Some(Secret::new(event_target_value(&ev))))
                />
                {show_button(flow)}
            </div>
            {dynamic(move || (match violations() {
                Some(v) => list(
                    Some("error"),
                    Some("credential-violations"),
                    false,
                    v.iter().map(ToString::to_string).collect(),
                ),
                None => match bits() {
                    Some(b) => para(
                        Some("ok"),
                        Some("credential-policy-ok"),
                        None,
                        Some(
                            [
                                "Meets the Entra ID password policy. Estimated strength: about ",
                                &whole_bits(b),
                                " bits (",
                                strength_label(b),
                                "); a password a person chose is usually weaker than that.",
                            ]
                            .concat(),
                        ),
                    ),
                    None => ().into_any(),
                },
            }).into_any())}
        }
    };
    let tap = move || {
        view! {
            {note(true, Some("muted"), None, None, "Instead of a password, the user gets a Temporary Access Pass: a time-limited code that lets them \
                 sign in and register their own sign-in methods. Their password stays as it is. The pass is \
                 created when you confirm, shown once, and put in the email.")}
            <div class="wf-row">
                <label for="tap-lifetime">"Lifetime (minutes)"</label>
                <input
                    id="tap-lifetime"
                    type="number"
                    min=TAP_MIN_LIFETIME_MINUTES.to_string()
                    max=TAP_MAX_LIFETIME_MINUTES.to_string()
                    prop:value=move || flow.tap_lifetime.get()
                    on:input=move |ev| flow.tap_lifetime.set(event_target_value(&ev))
                />
            </div>
            {checkbox_row("tap-once", flow.tap_once, " Usable once")}
            {text_row("tap-start", "Starts (optional)", "text", Some("2025-07-01T09:00:00Z; empty starts now"), false, flow.tap_start)}
        }
    };
    view! {
        <section class="card wf-card" id="credential">
            <h2>"3. Credential"</h2>
            <fieldset class="wf-modes" id="credential-mode">
                <legend class="muted">"What the user gets"</legend>
                {mode_choice(app, flow, CredentialMode::Password, "mode-password", "Generated password")}
                {mode_choice(app, flow, CredentialMode::Passphrase, "mode-passphrase", "Generated passphrase")}
                {mode_choice(app, flow, CredentialMode::Typed, "mode-typed", "A password I type")}
                {mode_choice(app, flow, CredentialMode::Tap, "mode-tap", "Temporary Access Pass")}
            </fieldset>
            {dynamic(move || (match flow.mode.get() {
                CredentialMode::Password | CredentialMode::Passphrase => generated().into_any(),
                CredentialMode::Typed => typed().into_any(),
                CredentialMode::Tap => tap().into_any(),
            }).into_any())}
            {dynamic(move || error_note("credential-problem", flow.credential_problem(&app)))}
            {dynamic(move || note(flow.mode.get() != CredentialMode::Tap, Some("muted"),
                None,
                None,
                "The user must change it at their next sign-in.",
            ))}
        </section>
    }
}
