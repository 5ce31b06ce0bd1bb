//! The sheet printed for the user (Microsoft's advice for handing over a first credential:
//! in person or on paper rather than by email): their name, username, the temporary password or
//! Temporary Access Pass and how to sign in. Hidden on screen; the print stylesheet shows it and
//! nothing else.

use leptos::prelude::*;

use super::state::Flow;
use crate::ui::controls::{dynamic, fact, h3};
use crate::ui::AppCtx;

/// The printable sheet; rendered only while the credential is still in memory.
pub fn print_sheet(app: AppCtx, flow: Flow) -> AnyView {
    let info = move || flow.run_info.get();
    let name = move || {
        info()
            .map(|i| i.plan.target_display_name.clone())
            .unwrap_or_default()
    };
    let upn = move || {
        info()
            .and_then(|i| i.plan.target_user_principal_name)
            .unwrap_or_default()
    };
    let tap = move || info().and_then(|i| i.tap);
    let credential = move || {
        flow.run_credential
            .with(|c| c.as_ref().map(|s| s.expose_secret().to_owned()))
            .unwrap_or_default()
    };
    let product = move || {
        app.config
            .with_value(|c| c.as_ref().map(|c| c.theme.name().to_owned()))
            .unwrap_or_else(|| "Handover".into())
    };
    let steps = move || {
        match tap() {
        Some(t) => {
            let mut validity = ["The pass works for ", &t.lifetime_minutes.to_string(), " minutes"].concat();
            if let Some(s) = t.start.as_deref() {
                validity.push_str(" from ");
                validity.push_str(s);
            }
            validity.push_str(if t.usable_once { ", once." } else { "." });
            view! {
                <ol>
                    <li>"On your computer or phone, open https://aka.ms/mysecurityinfo."</li>
                    <li>"Enter your username, then the Temporary Access Pass when you are asked for it."</li>
                    <li>"Add a sign-in method as the page guides you (the Microsoft Authenticator app, or a passkey)."</li>
                </ol>
                <p>{validity}</p>
            }
            .into_any()
        }
        None => view! {
            <ol>
                <li>"Open https://www.office.com and choose Sign in."</li>
                <li>"Enter your username, then the temporary password."</li>
                <li>"Choose a new password when you are asked to. The temporary one then stops working."</li>
                <li>"If you are asked to set up the Microsoft Authenticator app or another method, follow the steps."</li>
            </ol>
        }
        .into_any(),
    }
    };
    let label = move || {
        if tap().is_some() {
            "Temporary Access Pass"
        } else {
            "Temporary password"
        }
    };
    view! {
        <section class="wf-print wf-print-sheet" id="print-sheet" aria-hidden="true">
            <p class="print-from">{dynamic(move || product().into_any())}</p>
            <h2>"Your Microsoft 365 account"</h2>
            <dl>
                {fact("Name", Some("print-name"), None, dynamic(move || name().into_any()))}
                {fact("Username", Some("print-upn"), Some("mono"), dynamic(move || upn().into_any()))}
                <dt>{dynamic(move || label().into_any())}</dt>
                <dd class="mono print-secret" id="print-credential-value">{dynamic(move || credential().into_any())}</dd>
            </dl>
            {h3("How to sign in")}
            {dynamic(move || steps().into_any())}
            <p class="print-note">"Keep this sheet to yourself, and destroy it once you have signed in. \
                Nobody from IT will ever ask you for your password."</p>
        </section>
    }
    .into_any()
}
