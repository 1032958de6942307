//! The "Share" and "Embed" buttons, their small dialog with the link and a Copy button,
//! and the export and import of a page's scenario: one component, [`ShareDialog`], for
//! every page that can be shared ([`Shareable`]): the engine labs' playground (which adds
//! the canvas SVG and PNG and the metrics CSV to Export), the hashing page and the rate
//! limiting side-by-side view.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::share;
use crate::state::{Action, PlaygroundHandle};

/// What a page shares at a moment: its scenario as JSON (in its lab's format), the
/// virtual time to replay it to if the page has one, and a title for the embed.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The scenario's JSON, as Export downloads it.
    pub json: String,
    /// Where the page is in time, in microseconds, if it has a time (the link's `t`).
    pub time_us: Option<netsplit_core::protocol::Time>,
    /// The embedded frame's title.
    pub title: String,
}

/// A page the dialog can share: a handle on its state. The dialog is generic over it, so
/// each page's copy calls its own page directly.
pub trait Shareable: Clone + PartialEq + 'static {
    /// What the link promises, above it.
    const PROMISE: &'static str;
    /// The lab's id, which the link's route names.
    fn lab(&self) -> String;
    /// The page's state as a scenario, or why it cannot be written as one. Called on every
    /// render while a dialog is open (so the link follows the page) and on Export.
    fn snapshot(&self) -> Result<Snapshot, String>;
    /// Called when a dialog opens: a page that plays pauses, so the link and the screen agree.
    fn pause(&self) {}
    /// Shows a sentence: why an export failed or a file could not be opened.
    fn notice(&self, notice: String);
    /// Opens a scenario file the learner picked or dropped, or says why it cannot.
    fn import(&self, file: Result<share::ScenarioFile, String>);
    /// More export buttons, after the scenario's.
    fn exports(&self) -> Html {
        Html::default()
    }
}

/// Props of [`ShareDialog`].
#[derive(Properties, PartialEq)]
pub struct ShareDialogProps<S: Shareable> {
    /// The page to share.
    pub state: S,
}

/// What the dialog shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Closed,
    Link,
    Embed,
}

/// The Share, Embed and Export buttons of a page, and the dialog they open.
#[component]
pub fn ShareDialog<S: Shareable>(props: &ShareDialogProps<S>) -> Html {
    let state = props.state.clone();
    let shown = use_state(|| Shown::Closed);
    let copied = use_state(|| None::<bool>);
    let field = use_node_ref();

    // The link or snippet: the browser compresses it asynchronously, so it is made when
    // the dialog opens (or the page changes while it is open) and shown once ready.
    let made = use_state(|| None::<Result<String, String>>);
    // Which request is the latest: an older one that finishes late is dropped.
    let generation = use_mut_ref(|| 0_u64);
    let moment = (*shown != Shown::Closed).then(|| state.snapshot());
    {
        let made = made.clone();
        let lab = state.lab();
        use_effect_with((*shown, moment), move |(shown, moment)| {
            made.set(None);
            *generation.borrow_mut() += 1;
            let this = *generation.borrow();
            match moment.clone() {
                Some(Ok(snapshot)) => {
                    let shown = *shown;
                    wasm_bindgen_futures::spawn_local(async move {
                        let page = share::page_address();
                        let text = if shown == Shown::Link {
                            share::share_link_json(&page, &lab, &snapshot.json, snapshot.time_us)
                                .await
                        } else {
                            share::embed_snippet_json(
                                &page,
                                &lab,
                                &snapshot.title,
                                &snapshot.json,
                                snapshot.time_us,
                            )
                            .await
                        };
                        if *generation.borrow() == this {
                            made.set(Some(text));
                        }
                    });
                }
                Some(Err(reason)) => made.set(Some(Err(reason))),
                None => {}
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
            state.pause();
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
    let export_json = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let result = state.snapshot().and_then(|snapshot| {
                share::download_text(
                    &format!("{}.json", file_stem(&state.lab(), snapshot.time_us)),
                    "application/json",
                    &snapshot.json,
                )
            });
            if let Err(reason) = result {
                state.notice(format!("Export failed: {reason}"));
            }
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
                let state = state.clone();
                share::read_scenario_file(file, Callback::from(move |read| state.import(read)));
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
                    { state.exports() }
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
                            S::PROMISE
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

/// The name of an exported file without its extension: `netsplit-<lab>`, and the time
/// in whole milliseconds when the page has one.
fn file_stem(lab: &str, time_us: Option<netsplit_core::protocol::Time>) -> String {
    match time_us {
        Some(time_us) => format!("netsplit-{lab}-{}ms", time_us / 1_000),
        None => format!("netsplit-{lab}"),
    }
}

/// An engine lab's run: its scenario and time, with the canvas and metrics exports.
impl Shareable for PlaygroundHandle {
    const PROMISE: &'static str = "Anyone who opens this link sees this run, replayed to this moment: same seed, same actions, same fingerprint.";

    fn lab(&self) -> String {
        self.lab.to_string()
    }

    fn snapshot(&self) -> Result<Snapshot, String> {
        let run = self.run.borrow();
        let scenario = run.scenario();
        Ok(Snapshot {
            json: scenario.to_json(),
            time_us: Some(run.now()),
            title: scenario
                .title
                .unwrap_or_else(|| format!("Netsplit {} lab", self.lab)),
        })
    }

    fn pause(&self) {
        self.dispatch(Action::Pause);
    }

    fn notice(&self, notice: String) {
        self.dispatch(Action::Notice(Some(notice)));
    }

    fn import(&self, file: Result<share::ScenarioFile, String>) {
        match file.and_then(|file| file.parse(netsplit_core::scenario::Scenario::parse)) {
            Ok(scenario) => self.dispatch(Action::Load(Box::new(scenario))),
            Err(reason) => self.dispatch(Action::Notice(Some(reason))),
        }
    }

    fn exports(&self) -> Html {
        let stem = file_stem(&self.lab, Some(self.run.borrow().now()));
        let export = |make: fn(&PlaygroundHandle, &str) -> Result<(), String>| {
            let state = self.clone();
            let stem = stem.clone();
            Callback::from(move |_: MouseEvent| {
                if let Err(reason) = make(&state, &stem) {
                    state.notice(format!("Export failed: {reason}"));
                }
            })
        };
        html! { <>
            <button onclick={export(|_, stem| share::canvas_svg().and_then(|svg| {
                share::download_text(&format!("{stem}.svg"), "image/svg+xml", &svg)
            }))} aria-label="Download canvas SVG">{ "Canvas (SVG)" }</button>
            <button onclick={export(|_, stem| share::download_canvas_png(&format!("{stem}.png")))}
                aria-label="Download canvas PNG">{ "Canvas (PNG)" }</button>
            <button onclick={export(|state, stem| {
                let csv = share::metrics_csv(&state.run.borrow().metrics());
                share::download_text(&format!("{stem}-metrics.csv"), "text/csv", &csv)
            })} aria-label="Download metrics CSV">{ "Metrics (CSV)" }</button>
        </> }
    }
}

/// Hands a scenario file dropped anywhere on the page to the page's [`Shareable::import`].
#[hook]
pub fn use_file_drop<S: Shareable>(state: S) {
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
            let state = latest.borrow().clone();
            share::read_scenario_file(file, Callback::from(move |read| state.import(read)));
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
