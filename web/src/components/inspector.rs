//! The selected node: its lifecycle controls, its links, and its state (pretty-printed).

use netsplit_core::{Action as SimAction, NodeStatus};
use yew::prelude::*;

use crate::state::{Action, PlaygroundHandle};

/// The node inspector.
pub fn inspector(state: &PlaygroundHandle) -> Html {
    let state = state.clone();
    let Some(id) = state.selected else {
        return html! {
            <section class="panel inspector" aria-label="Inspector">
                <h2>{ "Inspector" }</h2>
                <p class="muted">{ "Select a node (click it, or Tab to it and press Enter) to see its state and act on it." }</p>
            </section>
        };
    };
    let (node, others, state_json, links, timers) = {
        let run = state.run.borrow();
        let now = run.now();
        // The protocol's shown timer (Raft's election timer) in words: the ring on the canvas
        // is not the only way to read it.
        let timers = run
            .shown_timers()
            .into_iter()
            .find(|timer| timer.node == id)
            .map(|timer| {
                (
                    timer.label,
                    crate::components::cluster_view::timer_text(&timer, now),
                )
            });
        let nodes = run.nodes();
        let node = nodes.iter().find(|node| node.id == id).cloned();
        let others: Vec<_> = nodes
            .iter()
            .filter(|other| other.id != id && other.status != NodeStatus::Removed)
            .map(|other| other.id)
            .collect();
        (node, others, run.node_state(id), run.links(), timers)
    };
    let Some(node) = node else {
        return html! { <section class="panel inspector"><p>{ "That node is gone." }</p></section> };
    };
    let act = |action: SimAction| {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::Apply(action.clone())))
    };
    let pretty = state_json
        .map(|value| serde_json::to_string_pretty(&value).unwrap_or_default())
        .unwrap_or_else(|| "(no state)".into());
    let is_down = |from: u32, to: u32| {
        links
            .iter()
            .any(|link| link.from == from && link.to == to && !link.up)
    };
    let status = format!("{:?}", node.status).to_ascii_lowercase();
    html! {
        <section class="panel inspector" aria-label="Inspector">
            <h2>{ format!("Node {}", node.label) }</h2>
            <dl class="kv">
                <dt>{ "status" }</dt><dd>{ status }</dd>
                if !node.role.is_empty() { <dt>{ "role" }</dt><dd>{ node.role }</dd> }
                if let Some((label, text)) = timers {
                    <dt>{ label }{ " timer" }</dt><dd class="timer-text">{ text }</dd>
                }
            </dl>
            <div class="node-actions" role="group" aria-label={format!("Act on node {}", node.label)}>
                { match node.status {
                    NodeStatus::Up => html! { <>
                        <button onclick={act(SimAction::Crash { node: id })} aria-label="Crash">{ "Crash" }</button>
                        <button onclick={act(SimAction::Pause { node: id })} aria-label="Pause node">{ "Pause node" }</button>
                    </> },
                    NodeStatus::Crashed => html! {
                        <button onclick={act(SimAction::Restart { node: id })} aria-label="Restart">{ "Restart" }</button>
                    },
                    NodeStatus::Paused => html! {
                        <button onclick={act(SimAction::Resume { node: id })} aria-label="Resume node">{ "Resume node" }</button>
                    },
                    NodeStatus::Removed => html! {},
                } }
                if node.status != NodeStatus::Removed {
                    <button onclick={act(SimAction::Isolate { node: id })} aria-label="Isolate">{ "Isolate" }</button>
                    <button onclick={act(crate::labs::entry(&state.lab).map_or(SimAction::RemoveNode { node: id }, |entry| (entry.remove_node)(id)))} aria-label="Remove node">{ "Remove node" }</button>
                }
            </div>
            if !others.is_empty() {
                <details class="node-links">
                    <summary>{ format!("Links of {}", node.label) }</summary>
                    <ul class="link-list">
                        { for others.iter().map(|&other| {
                            let cut = is_down(id, other) || is_down(other, id);
                            let action = if cut {
                                SimAction::HealLink { from: id, to: other }
                            } else {
                                SimAction::CutLinkBoth { from: id, to: other }
                            };
                            let heal_back = SimAction::HealLink { from: other, to: id };
                            let state = state.clone();
                            let onclick = Callback::from(move |_| {
                                state.dispatch(Action::Apply(action.clone()));
                                if cut {
                                    state.dispatch(Action::Apply(heal_back.clone()));
                                }
                            });
                            let label = if cut { format!("Heal link n{id}–n{other}") } else { format!("Cut link n{id}–n{other}") };
                            html! {
                                <li key={other}>
                                    { format!("n{id} – n{other}: {}", if cut { "cut" } else { "up" }) }
                                    <button onclick={onclick} aria-label={label}>{ if cut { "Heal link" } else { "Cut link" } }</button>
                                </li>
                            }
                        }) }
                    </ul>
                </details>
            }
            <details class="raw-state" open=true>
                <summary>{ "State (raw)" }</summary>
                <pre class="state-view" tabindex="0" aria-label={format!("State of node {}", node.label)}>{ pretty }</pre>
            </details>
        </section>
    }
}
