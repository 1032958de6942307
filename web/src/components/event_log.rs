//! The run's event log, newest first, filterable; clicking an entry seeks to its time.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::playback_bar::format_time;
use crate::state::{Action, PlaygroundHandle};

/// How many of the newest trace entries the log shows.
pub const LOG_ENTRIES_SHOWN: usize = 150;

/// While the run plays, the log is rebuilt at most this often (wall-clock milliseconds). A
/// list that scrolls sixty times a second cannot be read, and formatting and laying out 150
/// entries every frame cost more than drawing a busy 1,000-node canvas. Paused, stepping or
/// filtering, it updates at once.
pub const LOG_REFRESH_MS_WHILE_PLAYING: f64 = 250.0;

/// Props of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
}

/// One line of the log as shown.
#[derive(PartialEq)]
struct LogLine {
    seq: u64,
    node: Option<netsplit_core::NodeId>,
    time: netsplit_core::Time,
    kind: &'static str,
    text: String,
}

/// The lines last built, and what they were built from.
struct LogCache {
    built_at_ms: f64,
    version: u64,
    needle: String,
    lines: Rc<Vec<LogLine>>,
}

fn wall_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map(|performance| performance.now())
        .unwrap_or(0.0)
}

/// The event log.
#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let state = props.state.clone();
    let filter = use_state(String::new);
    let cache = use_mut_ref(|| None::<LogCache>);
    let needle = filter.to_ascii_lowercase();
    let now_ms = wall_ms();
    let stale = match &*cache.borrow() {
        None => true,
        Some(cached) => {
            cached.needle != needle
                || (cached.version != state.version
                    && (!state.playing
                        || now_ms - cached.built_at_ms >= LOG_REFRESH_MS_WHILE_PLAYING))
        }
    };
    if stale {
        let entries = state.run.borrow().trace_tail(if needle.is_empty() {
            LOG_ENTRIES_SHOWN
        } else {
            2_000
        });
        let lines: Vec<LogLine> = entries
            .into_iter()
            .rev()
            .filter(|entry| {
                needle.is_empty()
                    || entry.text.to_ascii_lowercase().contains(&needle)
                    || entry.kind.contains(&needle)
            })
            .take(LOG_ENTRIES_SHOWN)
            .map(|entry| LogLine {
                seq: entry.seq,
                node: entry.nodes.last().copied(),
                time: entry.time,
                kind: entry.kind,
                text: format!("{}  {}", format_time(entry.time), entry.text),
            })
            .collect();
        *cache.borrow_mut() = Some(LogCache {
            built_at_ms: now_ms,
            version: state.version,
            needle: needle.clone(),
            lines: Rc::new(lines),
        });
    }
    let lines = cache
        .borrow()
        .as_ref()
        .map(|cached| cached.lines.clone())
        .unwrap_or_default();
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                filter.set(input.value());
            }
        })
    };
    let on_select = {
        let state = state.clone();
        Callback::from(move |(seq, time, node)| {
            state.dispatch(Action::SelectEvent { seq, time, node })
        })
    };
    html! {
        <section class="panel" aria-label="Event log">
            <h2>{ "Event log" }</h2>
            <input type="search" placeholder="Filter (e.g. crash, n2, AppendEntries)" aria-label="Filter the event log"
                   value={(*filter).clone()} oninput={on_filter} />
            <LogList lines={lines} selected={state.selected_event} on_select={on_select} />
        </section>
    }
}

/// Props of [`LogList`]: the lines compare by pointer, so an unchanged list is not re-rendered.
#[derive(Properties)]
struct LogListProps {
    lines: Rc<Vec<LogLine>>,
    selected: Option<u64>,
    on_select: Callback<(u64, netsplit_core::Time, Option<netsplit_core::NodeId>)>,
}

impl PartialEq for LogListProps {
    fn eq(&self, other: &Self) -> bool {
        // The callback does the same thing every render; only the lines and selection matter.
        Rc::ptr_eq(&self.lines, &other.lines) && self.selected == other.selected
    }
}

/// The list itself, newest first; each entry selects its event and seeks to its time.
#[component]
fn LogList(props: &LogListProps) -> Html {
    let shown = props.lines.iter().map(|line| {
        let (seq, time, node) = (line.seq, line.time, line.node);
        let on_select = props.on_select.clone();
        let onclick = Callback::from(move |_| on_select.emit((seq, time, node)));
        let selected = props.selected == Some(seq);
        html! {
            <li>
                <button onclick={onclick} title="Select this event and seek to it"
                    data-seq={seq.to_string()} aria-current={selected.then_some("true")}
                    class={classes!("log-entry", format!("kind-{}", line.kind), selected.then_some("selected"))}>
                    { line.text.clone() }
                </button>
            </li>
        }
    });
    html! { <ol class="event-log" reversed=true>{ for shown }</ol> }
}
