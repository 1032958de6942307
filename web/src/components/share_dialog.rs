//! The "Share" and "Embed" buttons, their small dialog with the link and a Copy button,
//! and the export and import of the run: scenario JSON, canvas SVG and PNG, metrics CSV.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::share;
use crate::state::{Action, PlaygroundHandle};

/// Props of [`ShareDialog`].
#[derive(Properties, PartialEq)]
pub struct ShareDialogProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
}

/// What the dialog shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Closed,
    Link,
    Embed,
}

/// The share and export buttons, and the dialog they open.
#[component]
pub fn ShareDialog(props: &ShareDialogProps) -> Html {
    let state = props.state.clone();
    let shown = use_state(|| Shown::Closed);
    let copied = use_state(|| None::<bool>);
    let field = use_node_ref();

    // The link or snippet: the browser compresses it asynchronously, so it is made when
    // the dialog opens (or the run moves while it is open) and shown once ready.
    let made = use_state(|| None::<Result<String, String>>);
    // Which request is the latest: an older one that finishes late is dropped.
    let generation = use_mut_ref(|| 0_u64);
    let moment = {
        let run = state.run.borrow();
        (*shown != Shown::Closed).then(|| (run.scenario(), run.now()))
    };
    {
        let made = made.clone();
        let lab = state.lab.clone();
        use_effect_with((*shown, moment), move |(shown, moment)| {
            made.set(None);
            *generation.borrow_mut() += 1;
            let this = *generation.borrow();
            if let Some((scenario, now)) = moment.clone() {
                let shown = *shown;
                wasm_bindgen_futures::spawn_local(async move {
                    let page = share::page_address();
                    let text = if shown == Shown::Link {
                        share::share_link(&page, &lab, &scenario, now).await
                    } else {
                        share::embed_snippet(&page, &lab, &scenario, now).await
                    };
                    if *generation.borrow() == this {
                        made.set(Some(text));
                    }
                });
            }
        });
    }
    let (text, problem) = match &*made {
        Some(Ok(text)) => (text.clone(), None),
        Some(Err(reason)) => (String::new(), Some(reason.clone())),
        None => (String::new(), None),
    };
    let ready = !text.is_empty();
    let open = |which: Shown| {
        let shown = shown.clone();
        let copied = copied.clone();
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            // A link is of a moment: stop time so the link and the screen agree.
            state.dispatch(Action::Pause);
            copied.set(None);
            shown.set(which);
        })
    };
    let close = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| shown.set(Shown::Closed))
    };
    let copy = {
        let copied = copied.clone();
        let field = field.clone();
        let text = text.clone();
        Callback::from(move |_: MouseEvent| {
            // Select the text first: if the Clipboard API is refused, the learner can
            // still press Ctrl+C (or Cmd+C) on the selection.
            if let Some(input) = field.cast::<web_sys::HtmlTextAreaElement>() {
                input.select();
            }
            let copied = copied.clone();
            share::copy_text(&text, Callback::from(move |ok| copied.set(Some(ok))));
        })
    };
    let notify = {
        let state = state.clone();
        move |result: Result<(), String>| {
            if let Err(reason) = result {
                state.dispatch(Action::Notice(Some(format!("Export failed: {reason}"))));
            }
        }
    };
    let file_stem = {
        let run = state.run.borrow();
        format!("netsplit-{}-{}ms", state.lab, run.now() / 1_000)
    };
    let export_json = {
        let state = state.clone();
        let notify = notify.clone();
        let stem = file_stem.clone();
        Callback::from(move |_: MouseEvent| {
            let json = state.run.borrow().scenario().to_json();
            notify(share::download_text(
                &format!("{stem}.json"),
                "application/json",
                &json,
            ));
        })
    };
    let export_csv = {
        let state = state.clone();
        let notify = notify.clone();
        let stem = file_stem.clone();
        Callback::from(move |_: MouseEvent| {
            let csv = share::metrics_csv(&state.run.borrow().metrics());
            notify(share::download_text(
                &format!("{stem}-metrics.csv"),
                "text/csv",
                &csv,
            ));
        })
    };
    let export_svg = {
        let notify = notify.clone();
        let stem = file_stem.clone();
        Callback::from(move |_: MouseEvent| {
            notify(share::canvas_svg().and_then(|svg| {
                share::download_text(&format!("{stem}.svg"), "image/svg+xml", &svg)
            }));
        })
    };
    let export_png = {
        let notify = notify.clone();
        let stem = file_stem.clone();
        Callback::from(move |_: MouseEvent| {
            notify(share::download_canvas_png(&format!("{stem}.png")));
        })
    };
    let import = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                share::read_scenario_file(file, load_callback(&state));
            }
            // Picking the same file again must fire `change` again.
            input.set_value("");
        })
    };

    html! {
        <div class="share-actions" role="group" aria-label="Share and export">
            <button onclick={open(Shown::Link)} aria-label="Share" aria-haspopup="dialog">{ "Share" }</button>
            <button onclick={open(Shown::Embed)} aria-label="Embed" aria-haspopup="dialog">{ "Embed" }</button>
            <details class="export-menu">
                <summary>{ "Export" }</summary>
                <div class="export-items">
                    <button onclick={export_json} aria-label="Download scenario JSON">{ "Scenario (JSON)" }</button>
                    <button onclick={export_svg} aria-label="Download canvas SVG">{ "Canvas (SVG)" }</button>
                    <button onclick={export_png} aria-label="Download canvas PNG">{ "Canvas (PNG)" }</button>
                    <button onclick={export_csv} aria-label="Download metrics CSV">{ "Metrics (CSV)" }</button>
                    <label class="import">
                        { "Open scenario file " }
                        <input type="file" accept=".json,application/json" aria-label="Open scenario file" onchange={import} />
                    </label>
                </div>
            </details>
            if *shown != Shown::Closed {
                <div class="share-dialog panel" role="dialog" aria-modal="false"
                     aria-label={if *shown == Shown::Link { "Share link" } else { "Embed snippet" }}>
                    <p class="muted">{
                        if *shown == Shown::Link {
                            "Anyone who opens this link sees this run, replayed to this moment: same seed, same actions, same fingerprint."
                        } else {
                            "Paste this into your page. It works from 320 px wide; see docs/embedding.md for options."
                        }
                    }</p>
                    <textarea ref={field} class="share-text" readonly=true rows="3"
                              aria-label={if *shown == Shown::Link { "Link" } else { "Snippet" }}
                              aria-busy={if made.is_none() { "true" } else { "false" }}
                              placeholder="Making it…" value={text} />
                    if let Some(reason) = problem {
                        <p class="field-error" role="alert">{ format!("No link: {reason}.") }</p>
                    }
                    <div class="share-dialog-buttons">
                        <button class="primary" onclick={copy} aria-label="Copy" disabled={!ready}>{ "Copy" }</button>
                        <button onclick={close} aria-label="Close">{ "Close" }</button>
                        { match *copied {
                            Some(true) => html! { <span role="status">{ "Copied." }</span> },
                            Some(false) => html! { <span role="status">{ "Copying is not allowed here: the text is selected, press Ctrl+C." }</span> },
                            None => html! {},
                        } }
                    </div>
                </div>
            }
        </div>
    }
}

/// The callback that loads a scenario read from a file, or shows why it cannot.
pub fn load_callback(
    state: &PlaygroundHandle,
) -> Callback<Result<netsplit_core::scenario::Scenario, String>> {
    let state = state.clone();
    Callback::from(move |result| match result {
        Ok(scenario) => state.dispatch(Action::Load(Box::new(scenario))),
        Err(reason) => state.dispatch(Action::Notice(Some(reason))),
    })
}

/// Loads a scenario file dropped anywhere on the page.
#[hook]
pub fn use_file_drop(state: PlaygroundHandle) {
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state;
    use_effect_with((), move |_| {
        use wasm_bindgen::closure::Closure;
        let over = Closure::<dyn Fn(web_sys::DragEvent)>::new(|event: web_sys::DragEvent| {
            // Without this the browser opens the dropped file instead of handing it over.
            event.prevent_default();
        });
        let drop = Closure::<dyn Fn(web_sys::DragEvent)>::new(move |event: web_sys::DragEvent| {
            let Some(file) = event
                .data_transfer()
                .and_then(|transfer| transfer.files())
                .and_then(|files| files.get(0))
            else {
                return;
            };
            event.prevent_default();
            share::read_scenario_file(file, load_callback(&latest.borrow()));
        });
        let window = web_sys::window();
        if let Some(window) = &window {
            let _ =
                window.add_event_listener_with_callback("dragover", over.as_ref().unchecked_ref());
            let _ = window.add_event_listener_with_callback("drop", drop.as_ref().unchecked_ref());
        }
        move || {
            if let Some(window) = window {
                let _ = window
                    .remove_event_listener_with_callback("dragover", over.as_ref().unchecked_ref());
                let _ = window
                    .remove_event_listener_with_callback("drop", drop.as_ref().unchecked_ref());
            }
        }
    });
}
