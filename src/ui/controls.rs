//! Form rows several screens repeat, each built by one function: one instance of its view types
//! in the page instead of one per use (README, Page weight).

use leptos::prelude::*;

/// `<div class="wf-row"><label><input type="checkbox" id=…> text</label></div>`, bound to `flag`.
pub fn checkbox_row(id: &'static str, flag: RwSignal<bool>, text: &'static str) -> AnyView {
    view! {
        <div class="wf-row">
            <label>
                <input
                    type="checkbox"
                    id=id
                    prop:checked=move || flag.get()
                    on:change=move |ev| flag.set(event_target_checked(&ev))
                />
                {text}
            </label>
        </div>
    }
    .into_any()
}

/// A labelled text field bound to `value`. `address`: autocomplete and spellcheck off.
pub fn text_row(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    placeholder: Option<&'static str>,
    address: bool,
    value: RwSignal<String>,
) -> AnyView {
    text_row_with(id, label, kind, placeholder, address, address, value)
}

/// [`text_row`] with autocomplete and spellcheck each turned off or not.
pub fn text_row_with(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    placeholder: Option<&'static str>,
    autocomplete_off: bool,
    spellcheck_off: bool,
    value: RwSignal<String>,
) -> AnyView {
    view! {
        <div class="wf-row">
            <label for=id>{label}</label>
            <input
                id=id
                type=kind
                autocomplete=autocomplete_off.then_some("off")
                spellcheck=spellcheck_off.then_some("false")
                placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </div>
    }
    .into_any()
}

/// A reactive child whose view is rebuilt when the signals it reads change, erased to one type:
/// every such child shares one render-effect instance instead of one per closure and view type.
pub fn dynamic(f: impl Fn() -> AnyView + Send + Sync + 'static) -> AnyView {
    erased(Box::new(f))
}

fn erased(f: Box<dyn Fn() -> AnyView + Send + Sync>) -> AnyView {
    (move || f()).into_any()
}

/// What `<Show>` does (the children only while `when` is true, built again only when it changes),
/// through [`dynamic`]: no instance of `Show`'s typed children per use.
pub fn show(when: Memo<bool>, children: impl Fn() -> AnyView + Send + Sync + 'static) -> AnyView {
    dynamic(move || {
        if when.get() {
            children()
        } else {
            ().into_any()
        }
    })
}

/// `<p class="error" id=…>text</p>` while there is a text, nothing otherwise.
pub fn error_note(id: &'static str, text: Option<String>) -> AnyView {
    para(Some("error"), Some(id), None, text)
}

/// `<p class=… id=… role=…>text</p>` while there is a text, nothing otherwise.
pub fn para(
    class: Option<&'static str>,
    id: Option<&'static str>,
    role: Option<&'static str>,
    text: Option<String>,
) -> AnyView {
    text.map(|t| view! { <p class=class id=id role=role>{t}</p> })
        .into_any()
}

/// `<p class=… id=… role=…>text</p>` of fixed text while `when`, nothing otherwise.
pub fn note(
    when: bool,
    class: Option<&'static str>,
    id: Option<&'static str>,
    role: Option<&'static str>,
    text: &'static str,
) -> AnyView {
    when.then(|| view! { <p class=class id=id role=role>{text}</p> })
        .into_any()
}

/// `<p><strong>"What to do: "</strong>text</p>`, the last line of every explanation.
pub fn what_to_do(text: String) -> AnyView {
    what_to_do_in(None, text)
}

/// [`what_to_do`] with a class on the paragraph.
pub fn what_to_do_in(class: Option<&'static str>, text: String) -> AnyView {
    view! { <p class=class><strong>"What to do: "</strong>{text}</p> }.into_any()
}

/// `<dt>label</dt><dd id=… class=…>body</dd>`: one fact of a `wf-facts` list.
pub fn fact(
    label: &'static str,
    id: Option<&'static str>,
    class: Option<&'static str>,
    body: AnyView,
) -> AnyView {
    view! { <dt>{label}</dt><dd id=id class=class>{body}</dd> }.into_any()
}

/// `<span class=…>text</span>`.
pub fn span(class: &'static str, text: &'static str) -> AnyView {
    view! { <span class=class>{text}</span> }.into_any()
}

/// `<section class="card wf-card" id=… role=…><h2 class=…>title</h2>body</section>`.
pub fn card(
    id: &'static str,
    role: Option<&'static str>,
    title_class: Option<&'static str>,
    title: &'static str,
    body: AnyView,
) -> AnyView {
    view! {
        <section class="card wf-card" id=id role=role>
            <h2 class=title_class>{title}</h2>
            {body}
        </section>
    }
    .into_any()
}

/// `<button type="button" id=… class=…>label</button>` that runs `click`.
pub fn button(
    id: &'static str,
    class: Option<&'static str>,
    label: AnyView,
    click: Box<dyn Fn()>,
) -> AnyView {
    view! { <button type="button" id=id class=class on:click=move |_| click()>{label}</button> }
        .into_any()
}

/// [`button`], disabled while `busy` says so.
pub fn busy_button(
    id: &'static str,
    label: AnyView,
    busy: Box<dyn Fn() -> bool + Send + Sync>,
    click: Box<dyn Fn()>,
) -> AnyView {
    view! {
        <button type="button" id=id disabled=busy on:click=move |_| click()>{label}</button>
    }
    .into_any()
}

/// `" "` and a `<span class="badge badge-privileged" id=…>text</span>` while `when`.
pub fn badge(when: bool, id: Option<&'static str>, text: &'static str) -> AnyView {
    when.then(|| view! { " " <span class="badge badge-privileged" id=id>{text}</span> })
        .into_any()
}

/// `<h3>text</h3>`.
pub fn h3(text: &'static str) -> AnyView {
    view! { <h3>{text}</h3> }.into_any()
}

/// `<ul class=… id=…>` of one `<li>` per text; nothing when there are none, unless
/// `keep_empty`.
pub fn list(
    class: Option<&'static str>,
    id: Option<&'static str>,
    keep_empty: bool,
    texts: Vec<String>,
) -> AnyView {
    if texts.is_empty() && !keep_empty {
        return ().into_any();
    }
    let items = texts
        .into_iter()
        .map(|t| view! { <li>{t}</li> })
        .collect_view();
    view! { <ul class=class id=id>{items}</ul> }.into_any()
}

/// `s` with its first letter in upper case (ASCII only: the descriptions are our own English,
/// and Unicode case tables weigh ~25 KB).
pub fn capital(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut c = s.chars();
    if let Some(f) = c.next() {
        out.push(f.to_ascii_uppercase());
        out.push_str(c.as_str());
    }
    out
}
