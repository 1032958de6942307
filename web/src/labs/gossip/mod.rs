//! The gossip and failure detection lab in the browser: the shared playground (crash,
//! partition, lose messages, add members) with SWIM's Parameters and bug switches, and the
//! lab's own panel, every member as the rest of the group sees it.

use yew::prelude::*;

use super::{LabButton, LabEntry, LabForm, ParamField, Toggle};
use crate::bundle::Bundle;
use crate::components::lab_picture::{node, on_circle};
use crate::state::PlaygroundHandle;

pub mod view;

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("gossip-crash-detected"),
    client_request: Some("{}"),
    buttons: BUTTONS,
    charted_gauges: &[
        ("suspicions_held", "suspicions held"),
        ("dead_verdicts_held", "dead verdicts held"),
    ],
    form: LabForm {
        nodes_max: Some(netsplit_core::labs::gossip::MEMBERS_MAX as f64),
        params: PARAMS,
        toggles: TOGGLES,
    },
    extras,
    ..LabEntry::playground(&netsplit_core::labs::gossip::lab::LAB, picture, || &BUNDLE)
};

/// The bundle of the gossip page alone.
pub static BUNDLE: Bundle = super::single("gossip", &[ENTRY]);

const BUTTONS: &[LabButton] = &[LabButton {
    label: "Restart crashed",
    action: "restart_crashed",
    args: "null",
    needs_node: false,
}];

/// SWIM's timing and fan-out.
pub const PARAMS: &[ParamField] = &[
    ParamField {
        id: "protocol_period",
        label: "Protocol period (ms)",
        param: "protocol_period_ms",
        default: 200.0,
        min: 2.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "ping_timeout",
        label: "Ping timeout (ms)",
        param: "ping_timeout_ms",
        default: 60.0,
        min: 1.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "indirect_probes",
        label: "Indirect probes (k)",
        param: "indirect_probes",
        default: 3.0,
        min: 0.0,
        max: 16.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "suspicion_periods",
        label: "Suspicion timeout (periods)",
        param: "suspicion_periods",
        default: 5.0,
        min: 1.0,
        max: 1_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "retransmit_multiplier",
        label: "Piggyback multiplier (λ)",
        param: "retransmit_multiplier",
        default: 3.0,
        min: 1.0,
        max: 100.0,
        at_least: None,
        whole: true,
        hint: Some("Each update rides on at most λ⌈log₂ n⌉ messages (section 4.1)."),
    },
];

/// SWIM's bug switches.
pub const TOGGLES: &[Toggle] = &[
    Toggle {
        id: "no_suspicion",
        path: &["bugs", "no_suspicion"],
        label: "No suspicion",
        explanation: "A member that fails one probe is declared dead at once, as in section 3's basic protocol: a slow member that could have refuted is evicted.",
        bug: true,
    },
    Toggle {
        id: "no_indirect_probes",
        path: &["bugs", "no_indirect_probes"],
        label: "No indirect probes",
        explanation: "No ping-req when the direct ping goes unanswered: one bad link between two healthy members is enough to fail probes, and a suspicion that is not refuted in time evicts a healthy member.",
        bug: true,
    },
];

fn extras(state: &PlaygroundHandle) -> Html {
    view::membership_view(state)
}

/// Six members; one crashed (dashed), the pings to it unanswered (red, dashed).
fn picture() -> Html {
    let count = 6;
    let points: Vec<(f64, f64)> = (0..count)
        .map(|index| on_circle(index, count, 42.0))
        .collect();
    let pings = [(0, 1), (2, 3), (4, 5), (5, 0)];
    html! { <>
        { for pings.iter().map(|&(from, to)| {
            let dead = to == 3;
            html! { <line x1={points[from].0.to_string()} y1={points[from].1.to_string()} x2={points[to].0.to_string()} y2={points[to].1.to_string()}
                stroke={if dead { "var(--bad)" } else { "var(--accent)" }} stroke-width="1.5" stroke-dasharray={if dead { "4 3" } else { "none" }} /> }
        }) }
        { for points.iter().enumerate().map(|(index, &(x, y))| node(x, y, if index == 3 { "var(--bad)" } else { "var(--follower)" }, index == 3)) }
    </> }
}
