//! The run's event log, newest first, filterable; clicking an entry seeks to its time.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::playback_bar::format_time;
use crate::state::{Action, PlaygroundHandle};

/// How many of the newest trace entries the log shows.
pub const LOG_ENTRIES_SHOWN: usize = 150;

/// Props of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
}

/// The event log.
#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let state = props.state.clone();
    let filter = use_state(String::new);
    let needle = filter.to_lowercase();
    let entries = state.run.borrow().trace_tail(if needle.is_empty() {
        LOG_ENTRIES_SHOWN
    } else {
        2_000
    });
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
    let shown = entries
        .iter()
        .rev()
        .filter(|entry| needle.is_empty() || entry.text.to_lowercase().contains(&needle) || entry.kind.contains(&needle))
        .take(LOG_ENTRIES_SHOWN)
        .map(|entry| {
            let time = entry.time;
            let state = state.clone();
            let onclick = Callback::from(move |_| state.dispatch(Action::Seek(time)));
            html! {
                <li>
                    <button onclick={onclick} title="Seek to this moment" class={classes!("log-entry", format!("kind-{}", entry.kind))}>
                        { format!("{}  {}", format_time(entry.time), entry.text) }
                    </button>
                </li>
            }
        });
    html! {
        <section class="panel" aria-label="Event log">
            <h2>{ "Event log" }</h2>
            <input type="search" placeholder="Filter (e.g. crash, n2, AppendEntries)" aria-label="Filter the event log"
                   value={(*filter).clone()} oninput={on_filter} />
            <ol class="event-log" reversed=true>{ for shown }</ol>
        </section>
    }
}
