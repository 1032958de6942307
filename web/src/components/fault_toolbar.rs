//! The fault tools: add a node, partition, heal all, send a client request. Node and link
//! tools live in the inspector and the link popover, next to what they act on.

use netsplit_core::Action as SimAction;
use yew::prelude::*;

use crate::state::{Action, PlaygroundHandle, Tool};

/// The toolbar above the canvas, with the lab's client request if it takes any.
pub fn fault_toolbar(state: &PlaygroundHandle, client_request: Option<serde_json::Value>) -> Html {
    let state = state.clone();
    let entry = crate::labs::entry(&state.lab);
    let add = {
        let state = state.clone();
        Callback::from(move |_| {
            let action = entry.map_or(SimAction::AddNode, |entry| (entry.add_node)());
            state.dispatch(Action::Apply(action))
        })
    };
    let heal = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::Apply(SimAction::HealAll)))
    };
    let partitioning = state.tool == Tool::Partition;
    let partition = {
        let state = state.clone();
        Callback::from(move |_| {
            let tool = if partitioning {
                Tool::Select
            } else {
                Tool::Partition
            };
            state.dispatch(Action::SetTool(tool));
        })
    };
    let apply_partition = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::ApplyPartition))
    };
    let client = client_request.map(|request| {
        let state = state.clone();
        Callback::from(move |_| {
            // To the selected node, or else to the first node that is up.
            let node = state.selected.or_else(|| {
                state
                    .run
                    .borrow()
                    .nodes()
                    .iter()
                    .find(|node| node.status == netsplit_core::NodeStatus::Up)
                    .map(|node| node.id)
            });
            match node {
                Some(node) => state.dispatch(Action::Apply(SimAction::ClientRequest {
                    node,
                    request: request.clone(),
                })),
                None => state.dispatch(Action::Notice(Some(
                    "No node is up to take a client request.".into(),
                ))),
            }
        })
    });
    let lab_buttons = entry
        .map_or(&[][..], |entry| entry.buttons)
        .iter()
        .map(|button| {
            let state = state.clone();
            let button = *button;
            let onclick = Callback::from(move |_| {
                let node = state.selected.map(|node| node.to_string());
                if button.needs_node && node.is_none() {
                    state.dispatch(Action::Notice(Some(format!(
                        "{}: select a node first.",
                        button.label
                    ))));
                    return;
                }
                let text = button
                    .args
                    .replace("\"$node\"", node.as_deref().unwrap_or("0"));
                match serde_json::from_str(&text) {
                    Ok(args) => state.dispatch(Action::Apply(SimAction::Lab {
                        name: button.action.to_string(),
                        args,
                    })),
                    Err(error) => {
                        state.dispatch(Action::Notice(Some(format!("{}: {error}", button.label))))
                    }
                }
            });
            html! { <button onclick={onclick} aria-label={button.label}>{ button.label }</button> }
        })
        .collect::<Vec<Html>>();
    let controls = entry
        .and_then(|entry| entry.controls)
        .map(|controls| controls(&state));
    html! {
        <div class="toolbar" role="toolbar" aria-label="Fault tools">
            <div class="group">
                <button onclick={add} aria-label="Add node" title={entry.and_then(|entry| entry.add_node_hint)}>{ "+ Add node" }</button>
            </div>
            <div class="group">
                <button onclick={partition} aria-pressed={partitioning.to_string()} aria-label="Partition"
                        title="Pick the nodes of one side, then apply">{ "Partition" }</button>
                if partitioning {
                    <span>{ format!("Group A: {} picked", state.partition_group.len()) }</span>
                    <button class="primary" onclick={apply_partition} aria-label="Apply partition">{ "Apply partition" }</button>
                }
                <button onclick={heal} aria-label="Heal all">{ "Heal all" }</button>
            </div>
            if !lab_buttons.is_empty() || controls.is_some() {
                <div class="group">{ lab_buttons }{ controls.unwrap_or_default() }</div>
            }
            if let Some(client) = client {
                <div class="group">
                    <button onclick={client} aria-label="Client request"
                            title="Send a client request to the selected node (or the first node up)">{ "Client request" }</button>
                </div>
            }
            if partitioning {
                <p class="hint">{ "Click the nodes of one side of the partition; the others form the other side." }</p>
            }
        </div>
    }
}
