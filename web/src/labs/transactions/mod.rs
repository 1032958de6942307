//! The transactions lab in the browser: the shared playground (crash the coordinator,
//! partition participants, send transactions) plus the lab's own panel, every node's state
//! with its log, the part of it on disk, and the locks it holds.

use yew::prelude::*;

use super::{LabButton, LabEntry, LabForm, ParamField, Toggle};
use crate::bundle::Bundle;
use crate::components::lab_picture::node;
use crate::state::PlaygroundHandle;

pub mod view;

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("transactions-happy-path"),
    client_request: Some(r#"{ "key": "x" }"#),
    buttons: BUTTONS,
    charted_gauges: &[
        ("locks_held", "locks held"),
        ("in_doubt", "participants in doubt"),
    ],
    form: LabForm {
        nodes_max: Some(16.0),
        params: PARAMS,
        toggles: TOGGLES,
    },
    extras,
    ..LabEntry::playground(
        &netsplit_core::labs::transactions::lab::LAB,
        picture,
        || &BUNDLE,
    )
};

/// The bundle of the transactions page alone.
pub static BUNDLE: Bundle = super::single("transactions", &[ENTRY]);

const BUTTONS: &[LabButton] = &[
    LabButton {
        label: "Begin a transaction on x",
        action: "begin",
        args: r#"{ "key": "x" }"#,
        needs_node: false,
    },
    LabButton {
        label: "Begin a transaction on y",
        action: "begin",
        args: r#"{ "key": "y" }"#,
        needs_node: false,
    },
    LabButton {
        label: "Restart crashed",
        action: "restart_crashed",
        args: "null",
        needs_node: false,
    },
];

/// The timeouts and the liveness bound.
pub const PARAMS: &[ParamField] = &[
    ParamField {
        id: "vote_timeout",
        label: "Vote timeout (ms)",
        param: "vote_timeout_ms",
        default: 200.0,
        min: 1.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "decision_timeout",
        label: "Decision timeout (ms)",
        param: "decision_timeout_ms",
        default: 100.0,
        min: 1.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: Some(
            "How long a prepared participant waits for the decision before it asks the coordinator and every other participant (the cooperative termination protocol).",
        ),
    },
    ParamField {
        id: "resend",
        label: "Resend decision every (ms)",
        param: "resend_ms",
        default: 100.0,
        min: 1.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
];

/// The protocol choice and the bug switch.
pub const TOGGLES: &[Toggle] = &[
    Toggle {
        id: "three_phase_commit",
        path: &["three_phase_commit"],
        label: "Three-phase commit",
        explanation: "Run three-phase commit instead of two-phase commit: a pre-commit round before the commit lets the participants finish without a crashed coordinator, but a network partition can make one side commit and the other abort.",
        bug: false,
    },
    Toggle {
        id: "coordinator_commits_before_logging",
        path: &["bugs", "coordinator_commits_before_logging"],
        label: "Commit before the decision is on disk",
        explanation: "The coordinator sends commit before its decision record is written. If it crashes in that window, it comes back with no decision in its log and aborts what some participants already committed.",
        bug: true,
    },
];

fn extras(state: &PlaygroundHandle) -> Html {
    view::transactions_view(state)
}

/// A coordinator above three participants, each holding a lock.
fn picture() -> Html {
    let participants = [(60.0, 90.0), (120.0, 90.0), (180.0, 90.0)];
    html! { <>
        { for participants.iter().map(|&(x, y)| html! { <>
            <line x1="120" y1="30" x2={x.to_string()} y2={y.to_string()} stroke="var(--leader)" stroke-width="1.5" />
            { node(x, y, "var(--follower)", false) }
            <rect x={(x + 10.0).to_string()} y={(y - 22.0).to_string()} width="10" height="8" rx="1" fill="var(--bad)" />
        </> }) }
        { node(120.0, 30.0, "var(--leader)", false) }
    </> }
}
