//! The lab's named safety properties with a live status, and an alert when one breaks.

use yew::prelude::*;

use crate::components::playback_bar::format_time;
use crate::state::{Action, PlaygroundHandle};

/// The safety panel.
pub fn safety_panel(state: &PlaygroundHandle) -> Html {
    let state = state.clone();
    let (invariants, first_violation, violation_count) = {
        let run = state.run.borrow();
        let violations = run.violations();
        (
            run.invariants(),
            violations.first().cloned(),
            violations.len(),
        )
    };
    html! {
        <section class="panel safety" aria-label="Safety">
            <h2>{ "Safety properties" }</h2>
            if let Some(violation) = first_violation {
                <div class="alert" role="alert">
                    <strong>{ format!("✗ {} violated", violation.property) }</strong>
                    <p>{ format!("At {} on {}: {}", format_time(violation.time),
                        violation.nodes.iter().map(|node| format!("n{node}")).collect::<Vec<_>>().join(", "),
                        violation.message) }</p>
                    if violation_count > 1 { <p>{ format!("{} violations in all.", violation_count) }</p> }
                    <button onclick={{
                        let state = state.clone();
                        let time = violation.time;
                        Callback::from(move |_| { state.dispatch(Action::Pause); state.dispatch(Action::Seek(time)); })
                    }} aria-label="Jump to the violation">{ "Jump to it" }</button>
                </div>
            }
            if invariants.is_empty() {
                <p class="muted">{ "This lab checks no safety properties." }</p>
            } else {
                <ul class="invariants">
                    { for invariants.iter().map(|invariant| html! {
                        <li key={invariant.name.clone()} title={invariant.description.clone()}>
                            if invariant.ok {
                                <span class="status-ok" aria-hidden="true">{ "✓" }</span>
                            } else {
                                <span class="status-bad" aria-hidden="true">{ "✗" }</span>
                            }
                            <span>{ &invariant.name }</span>
                            <span class={if invariant.ok { "status-ok" } else { "status-bad" }}>
                                { if invariant.ok { "holds" } else { "violated" } }
                            </span>
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}
