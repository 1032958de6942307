//! The lab's named safety properties with a live status, and an alert when one breaks;
//! beside them, the liveness expectations (a miss is a warning, not a violation: correct
//! code can miss one under unlucky timing) and any checker that stopped remembering at its
//! cap.

use netsplit_core::invariant::{InvariantKind, InvariantStatus};
use yew::prelude::*;

use crate::components::playback_bar::format_time;
use crate::state::{Action, PlaygroundHandle};

/// The safety panel.
pub fn safety_panel(state: &PlaygroundHandle) -> Html {
    let state = state.clone();
    let (invariants, first_violation, violation_count, limits) = {
        let run = state.run.borrow();
        let violations = run.violations();
        (
            run.invariants(),
            violations.first().cloned(),
            violations.len(),
            run.checker_limits(),
        )
    };
    let (safety, liveness): (Vec<InvariantStatus>, Vec<InvariantStatus>) = invariants
        .into_iter()
        .partition(|invariant| invariant.kind == InvariantKind::Safety);
    html! {
        <section class="panel safety" aria-label="Safety">
            <h2>{ "Safety properties" }</h2>
            if let Some(violation) = first_violation {
                <div class="alert" role="alert">
                    <strong>{ format!("✗ {} violated", violation.property) }</strong>
                    <p>{ if violation.nodes.is_empty() {
                        // A property of the whole cluster (the rate limiter's global limit)
                        // names no node.
                        format!("At {}: {}", format_time(violation.time), violation.message)
                    } else {
                        format!("At {} on {}: {}", format_time(violation.time),
                            violation.nodes.iter().map(|node| format!("n{node}")).collect::<Vec<_>>().join(", "),
                            violation.message)
                    } }</p>
                    if violation_count > 1 { <p>{ format!("{} violations in all.", violation_count) }</p> }
                    <button onclick={{
                        let state = state.clone();
                        let time = violation.time;
                        Callback::from(move |_| { state.dispatch(Action::Pause); state.dispatch(Action::Seek(time)); })
                    }} aria-label="Jump to the violation">{ "Jump to it" }</button>
                </div>
            }
            if safety.is_empty() {
                <p class="muted">{ "This lab checks no safety properties." }</p>
            } else {
                <ul class="invariants">
                    { for safety.iter().map(|invariant| html! {
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
            if !liveness.is_empty() {
                <h3>{ "Liveness (warnings, not violations)" }</h3>
                <ul class="invariants liveness">
                    { for liveness.iter().map(|invariant| html! {
                        <li key={invariant.name.clone()} title={invariant.description.clone()}>
                            if invariant.ok {
                                <span class="status-ok" aria-hidden="true">{ "✓" }</span>
                            } else {
                                <span class="status-warn" aria-hidden="true">{ "!" }</span>
                            }
                            <span>{ &invariant.name }</span>
                            <span class={if invariant.ok { "status-ok" } else { "status-warn" }}>
                                { if invariant.ok { "met so far" } else { "missed" } }
                            </span>
                            if let Some(warning) = &invariant.warning {
                                <p class="hint">{ format!("At {}: {}", format_time(warning.time), warning.message) }</p>
                            }
                        </li>
                    }) }
                </ul>
            }
            { for limits.iter().map(|limit| html! {
                <p class="hint" role="note">{ format!("{}: the checker reached its cap at {} and checks less from then on: {}",
                    limit.property, format_time(limit.time), limit.message) }</p>
            }) }
        </section>
    }
}
