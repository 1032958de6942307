//! The CRDT lab in the browser: the shared playground (partition, heal, crash, lose and
//! duplicate messages) plus the lab's own panel, every replica's value and state side by
//! side with the updates its type takes, and the text replicas as editable text boxes.

use yew::prelude::*;

use super::{LabButton, LabEntry, LabForm, ParamField, Toggle};
use crate::bundle::Bundle;
use crate::components::lab_picture::node;
use crate::state::PlaygroundHandle;

pub mod view;

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("crdt-text"),
    buttons: BUTTONS,
    charted_gauges: &[
        ("distinct_values", "distinct values"),
        ("lost_updates", "lost updates"),
    ],
    form: LabForm {
        nodes_max: Some(16.0),
        params: PARAMS,
        toggles: TOGGLES,
    },
    extras,
    ..LabEntry::playground(&netsplit_core::labs::crdt::lab::LAB, picture, || &BUNDLE)
};

/// The bundle of the CRDT page alone.
pub static BUNDLE: Bundle = super::single("crdt", &[ENTRY]);

const BUTTONS: &[LabButton] = &[LabButton {
    label: "Restart crashed",
    action: "restart_crashed",
    args: "null",
    needs_node: false,
}];

/// How often replicas gossip, and the convergence bound.
pub const PARAMS: &[ParamField] = &[
    ParamField {
        id: "gossip_min",
        label: "Gossip every, min (ms)",
        param: "gossip_ms_min",
        default: 100.0,
        min: 1.0,
        max: 60_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "gossip_max",
        label: "Gossip every, max (ms)",
        param: "gossip_ms_max",
        default: 150.0,
        min: 1.0,
        max: 60_000.0,
        at_least: Some("gossip_min"),
        whole: true,
        hint: None,
    },
    ParamField {
        id: "converge_within",
        label: "Converge within (ms)",
        param: "converge_within_ms",
        default: 1_000.0,
        min: 1.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: Some(
            "After the last update, with every link up and every replica running, the replicas should be equal within this bound (a liveness warning otherwise).",
        ),
    },
];

/// The bug switch.
pub const TOGGLES: &[Toggle] = &[Toggle {
    id: "no_causal_delivery",
    path: &["bugs", "no_causal_delivery"],
    label: "No causal delivery (op-based only)",
    explanation: "Operations are applied as soon as they arrive, not after their causal past: an OR-Set remove that overtakes its add removes nothing, and replicas that saw the same updates differ for ever (section 2.2.2).",
    bug: true,
}];

fn extras(state: &PlaygroundHandle) -> Html {
    view::crdt_view(state)
}

/// Two pairs of replicas on either side of a cut, each pair linked.
fn picture() -> Html {
    let pairs = [
        ((70.0, 34.0), (70.0, 86.0), "var(--leader)"),
        ((170.0, 34.0), (170.0, 86.0), "var(--accent)"),
    ];
    html! { <>
        <line x1="120" y1="10" x2="120" y2="110" stroke="var(--bad)" stroke-width="2" stroke-dasharray="6 4" />
        { for pairs.iter().map(|&((x1, y1), (x2, y2), stroke)| html! { <>
            <line x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} stroke="var(--border)" stroke-width="1.5" />
            { node(x1, y1, stroke, false) }
            { node(x2, y2, stroke, false) }
        </> }) }
    </> }
}
