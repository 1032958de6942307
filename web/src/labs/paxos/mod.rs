//! The Paxos lab in the browser: the shared playground with Paxos's buttons, its Parameters
//! (ballot timeout and back-off) and its bug switches, and a picture of two proposers.

use yew::prelude::*;

use super::{LabButton, LabEntry, LabForm, ParamField, Toggle};
use crate::bundle::Bundle;
use crate::components::lab_picture::{node, on_circle};

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("paxos-basic"),
    client_request: Some(r#"{ "value": "from the toolbar" }"#),
    buttons: BUTTONS,
    charted_gauges: &[
        ("highest_round", "highest round"),
        ("learners_learned", "learners that learned"),
    ],
    form: LabForm {
        nodes_max: Some(15.0),
        params: PARAMS,
        toggles: TOGGLES,
    },
    ..LabEntry::playground(&netsplit_core::labs::paxos::lab::LAB, picture, || &BUNDLE)
};

/// The bundle of the Paxos page alone.
pub static BUNDLE: Bundle = super::single("paxos", &[ENTRY]);

const BUTTONS: &[LabButton] = &[
    LabButton {
        label: "Propose \"red\" here",
        action: "propose",
        args: r#"{ "node": "$node", "value": "red" }"#,
        needs_node: true,
    },
    LabButton {
        label: "Propose \"blue\" here",
        action: "propose",
        args: r#"{ "node": "$node", "value": "blue" }"#,
        needs_node: true,
    },
    LabButton {
        label: "Retry with a higher ballot",
        action: "retry",
        args: r#"{ "node": "$node" }"#,
        needs_node: true,
    },
    LabButton {
        label: "Restart crashed",
        action: "restart_crashed",
        args: "null",
        needs_node: false,
    },
];

/// How long a proposer waits, and how it backs off.
pub const PARAMS: &[ParamField] = &[
    ParamField {
        id: "ballot_timeout",
        label: "Ballot timeout (ms)",
        param: "ballot_timeout_ms",
        default: 200.0,
        min: 1.0,
        max: 60_000.0,
        at_least: None,
        whole: true,
        hint: Some("How long a proposer waits for a majority before it tries a higher ballot."),
    },
    ParamField {
        id: "backoff_min",
        label: "Back-off min (ms)",
        param: "backoff_ms_min",
        default: 10.0,
        min: 0.0,
        max: 60_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "backoff_max",
        label: "Back-off max (ms)",
        param: "backoff_ms_max",
        default: 100.0,
        min: 0.0,
        max: 60_000.0,
        at_least: Some("backoff_min"),
        whole: true,
        hint: Some(
            "A refused proposer waits a delay drawn from this range before a higher ballot (section 2.4). Set both to 0 to watch dueling proposers preempt each other.",
        ),
    },
    ParamField {
        id: "phase1_quorum",
        label: "Phase 1 quorum",
        param: "phase1_quorum",
        default: f64::NAN,
        min: 1.0,
        max: 100.0,
        at_least: None,
        whole: true,
        hint: Some(
            "How many acceptors must promise before a proposer starts phase 2; empty means a majority.",
        ),
    },
    ParamField {
        id: "phase2_quorum",
        label: "Phase 2 quorum",
        param: "phase2_quorum",
        default: f64::NAN,
        min: 1.0,
        max: 100.0,
        at_least: None,
        whole: true,
        hint: Some(
            "How many acceptors must accept before a value is chosen; empty means a majority. Flexible Paxos (Howard et al., 2016): any sizes are safe when the two add up to more than the acceptors, because then every phase 1 quorum meets every phase 2 quorum.",
        ),
    },
];

/// Paxos's bug switches, in the order the form shows them.
pub const TOGGLES: &[Toggle] = &[
    Toggle {
        id: "acceptor_forgets_on_restart",
        path: &["bugs", "acceptor_forgets_on_restart"],
        label: "Acceptors forget on restart",
        explanation: "A restarted acceptor comes back with no promise and no accepted proposal, as if it kept them in memory only; a new majority can then choose a second value (section 2.2: an acceptor must remember even if it fails and restarts).",
        bug: true,
    },
    Toggle {
        id: "proposer_ignores_promised_values",
        path: &["bugs", "proposer_ignores_promised_values"],
        label: "Proposer ignores promised values",
        explanation: "In phase 2a the proposer sends its own value even when a promise reported an accepted one, so it can overwrite a value already chosen.",
        bug: true,
    },
    Toggle {
        id: "accept_without_promise_check",
        path: &["bugs", "accept_without_promise_check"],
        label: "Accept below the promise",
        explanation: "An acceptor accepts a proposal numbered below a ballot it promised (phase 2b), so a slow old proposal can be chosen beside a newer one.",
        bug: true,
    },
    Toggle {
        id: "ballots_without_proposer_id",
        path: &["bugs", "ballots_without_proposer_id"],
        label: "Ballots without the proposer id",
        explanation: "Ballots are rounds only, so two proposers in the same round issue the same ballot with different values and an acceptor accepts both; two values can be chosen (section 2.5: different proposers must number their proposals from disjoint sets).",
        bug: true,
    },
];

/// Five nodes; two proposers (ringed) send to every acceptor at once.
fn picture() -> Html {
    let count = 5;
    let points: Vec<(f64, f64)> = (0..count)
        .map(|index| on_circle(index, count, 42.0))
        .collect();
    let proposers = [0, 2];
    html! { <>
        { for proposers.iter().flat_map(|&from| (0..count).filter(move |&to| to != from).map(move |to| (from, to))).map(|(from, to)| html! {
            <line x1={points[from].0.to_string()} y1={points[from].1.to_string()} x2={points[to].0.to_string()} y2={points[to].1.to_string()}
                  stroke={if from == 0 { "var(--leader)" } else { "var(--accent)" }} stroke-width="1.5" />
        }) }
        { for points.iter().enumerate().map(|(index, &(x, y))| html! { <>
            { node(x, y, "var(--follower)", false) }
            if proposers.contains(&index) { <circle cx={x.to_string()} cy={y.to_string()} r="14" fill="none" stroke="var(--leader)" stroke-width="1.5" /> }
        </> }) }
    </> }
}
