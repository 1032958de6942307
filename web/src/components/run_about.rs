//! "About this run": the seed and the fingerprint that identify it, and whether it forked.

use yew::prelude::*;

use crate::state::PlaygroundHandle;

/// The run's identity card.
pub fn run_about(state: &PlaygroundHandle) -> Html {
    let run = state.run.borrow();
    html! {
        <section class="panel about" aria-label="About this run">
            <h2>{ "About this run" }</h2>
            <dl class="kv">
                <dt>{ "seed" }</dt><dd class="seed">{ state.base.seed }</dd>
                <dt>{ "fingerprint" }</dt><dd class="fingerprint" title="Trace hash: the same scenario and actions give the same value on every machine">
                    { format!("{:016x}", run.trace_hash()) }</dd>
                <dt>{ "events" }</dt><dd class="events">{ run.events() }</dd>
            </dl>
            if run.forked() {
                <p class="banner fork" role="status">{ "You acted in the past: this is a new timeline, forked from the original run." }</p>
            }
        </section>
    }
}
