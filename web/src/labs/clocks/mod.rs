//! The time and order lab in the browser: the shared playground, whose space-time diagram
//! is the main view (select an event to see its causal past and future), plus the clock
//! panel: each node's physical clock and its error, its Lamport, vector and hybrid logical
//! clocks, its balance, a "Take snapshot" button per node, the latest snapshots'
//! recorded states with their checked sums, and, once the store has writes, each node's
//! TrueTime interval and its row.

use yew::prelude::*;

use super::{LabButton, LabEntry, LabForm, ParamField, Toggle};
use crate::bundle::Bundle;
use crate::components::lab_picture::node;
use crate::state::PlaygroundHandle;

pub mod view;

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("clocks-skewed-clocks"),
    buttons: BUTTONS,
    charted_gauges: &[
        ("clock_skew_us", "clock skew ε (µs)"),
        ("hlc_ahead_max_us", "largest HLC l − pt (µs)"),
    ],
    form: LabForm {
        nodes_max: Some(16.0),
        params: PARAMS,
        toggles: TOGGLES,
    },
    extras,
    ..LabEntry::playground(&netsplit_core::labs::clocks::lab::LAB, picture, || &BUNDLE)
};

/// The bundle of the time and order page alone.
pub static BUNDLE: Bundle = super::single("clocks", &[ENTRY]);

const BUTTONS: &[LabButton] = &[
    LabButton {
        label: "Take snapshot",
        action: "snapshot",
        args: r#"{"node": "$node"}"#,
        needs_node: true,
    },
    LabButton {
        label: "Write (commit wait)",
        action: "write",
        args: r#"{"node": "$node"}"#,
        needs_node: true,
    },
];

/// The workload's pace and the bounds of the drawn clocks.
pub const PARAMS: &[ParamField] = &[
    ParamField {
        id: "interval_min",
        label: "Work every, min (ms)",
        param: "interval_ms_min",
        default: 20.0,
        min: 1.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "interval_max",
        label: "Work every, max (ms)",
        param: "interval_ms_max",
        default: 60.0,
        min: 1.0,
        max: 600_000.0,
        at_least: Some("interval_min"),
        whole: true,
        hint: None,
    },
    ParamField {
        id: "offset_max",
        label: "Largest clock offset (µs)",
        param: "offset_us_max",
        default: 20_000.0,
        min: 0.0,
        max: 10_000_000.0,
        at_least: None,
        whole: true,
        hint: Some("Clocks the scenario does not set are drawn from its seed within this offset."),
    },
    ParamField {
        id: "drift_max",
        label: "Largest clock drift (ppm)",
        param: "drift_ppm_max",
        default: 200.0,
        min: 0.0,
        max: 1_000.0,
        at_least: None,
        whole: true,
        hint: Some("And within this drift, in microseconds gained or lost per second."),
    },
    ParamField {
        id: "epsilon",
        label: "TrueTime ε (µs)",
        param: "epsilon_us",
        default: 4_000.0,
        min: 0.0,
        max: 10_000_000.0,
        at_least: None,
        whole: true,
        hint: Some(
            "TT.now() is each node's clock ± ε; a write's commit wait lasts about 2ε. Clocks further off than ε break TrueTime's guarantee.",
        ),
    },
];

/// The bug switches.
pub const TOGGLES: &[Toggle] = &[
    Toggle {
        id: "non_fifo",
        path: &["non_fifo"],
        label: "Channels not FIFO",
        explanation: "Messages are handed over as they arrive instead of in the order they were sent: a transfer can overtake a snapshot marker and the snapshot's sum comes out wrong (Chandy and Lamport assume FIFO channels).",
        bug: true,
    },
    Toggle {
        id: "skip_commit_wait",
        path: &["skip_commit_wait"],
        label: "Skip commit wait",
        explanation: "A leader acknowledges a write as soon as it has its timestamp TT.now().latest, without waiting until TT.after(s): a later write on a node with a slower clock can get a smaller timestamp, and External consistency fails (Spanner, section 4.1.2).",
        bug: true,
    },
];

fn extras(state: &PlaygroundHandle) -> Html {
    view::clocks_view(state)
}

/// Three lanes with a message arrow between them, as in a space-time diagram.
fn picture() -> Html {
    html! { <>
        { for [30.0, 60.0, 90.0].iter().map(|&y| html! {
            <line x1="30" y1={y.to_string()} x2="210" y2={y.to_string()} stroke="var(--border)" stroke-width="1.5" />
        }) }
        <line x1="70" y1="30" x2="130" y2="60" stroke="var(--accent)" stroke-width="2" />
        <line x1="140" y1="60" x2="190" y2="90" stroke="var(--accent)" stroke-width="2" />
        <line x1="100" y1="14" x2="160" y2="106" stroke="var(--bad)" stroke-width="2" stroke-dasharray="6 4" />
        { node(70.0, 30.0, "var(--leader)", false) }
        { node(130.0, 60.0, "var(--leader)", false) }
        { node(190.0, 90.0, "var(--leader)", false) }
    </> }
}
