//! The Raft lab in the browser: the shared playground plus Raft's own panels (the log and
//! state view, the election-time experiment), its buttons, its Parameters options and bug
//! switches.

use netsplit_core::Action;
use yew::prelude::*;

use super::{LabButton, LabEntry, LabForm, ParamField, Toggle};
use crate::bundle::{Bundle, PartView};
use crate::state::PlaygroundHandle;

pub mod experiment;
pub mod view;

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("raft-steady-state"),
    client_request: Some(
        r#"{ "operation": { "type": "put", "key": "x", "value": "from the toolbar" } }"#,
    ),
    add_node,
    add_node_hint: Some("Start a server and ask the leader to add it to the configuration"),
    remove_node,
    buttons: BUTTONS,
    charted_gauges: &[("term", "term"), ("commit_index", "commit index")],
    form: LabForm {
        nodes_max: Some(15.0),
        params: PARAMS,
        toggles: TOGGLES,
    },
    extras,
    ..LabEntry::playground(&netsplit_core::labs::raft::lab::LAB, picture, || &BUNDLE)
};

/// The bundle of the Raft page alone; the election-time experiment is a part of its own.
pub static BUNDLE: Bundle = super::single("raft", &[ENTRY]);

/// The parts of the Raft page: the election-time experiment.
pub const PARTS: &[(&str, PartView)] = &[(experiment::PART, experiment::part)];

/// The Raft page's election-time experiment, as a part (see `crate::remote_part`).
pub static EXPERIMENT: Bundle = Bundle {
    name: experiment::PART,
    home: None,
    labs: &[],
    parts: PARTS,
};

/// "Add node" in Raft is a single-server membership change (thesis 4.1): a new server
/// starts and the leader is asked to add it.
fn add_node() -> Action {
    Action::Lab {
        name: "add_server".into(),
        args: serde_json::Value::Null,
    }
}

/// "Remove node" asks the leader to remove the server from the configuration; the server
/// keeps running until crashed.
fn remove_node(node: u32) -> Action {
    Action::Lab {
        name: "remove_server".into(),
        args: serde_json::json!({ "node": node }),
    }
}

const BUTTONS: &[LabButton] = &[
    LabButton {
        label: "Crash leader",
        action: "crash_leader",
        args: "null",
        needs_node: false,
    },
    LabButton {
        label: "Isolate leader",
        action: "isolate_leader",
        args: "null",
        needs_node: false,
    },
    LabButton {
        label: "Restart crashed",
        action: "restart_crashed",
        args: "null",
        needs_node: false,
    },
];

/// Raft's timing parameters, and log compaction (an option).
pub const PARAMS: &[ParamField] = &[
    ParamField {
        id: "election_min",
        label: "Election timeout min (ms)",
        param: "election_timeout_ms_min",
        default: 150.0,
        min: 1.0,
        max: 60_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "election_max",
        label: "Election timeout max (ms)",
        param: "election_timeout_ms_max",
        default: 300.0,
        min: 1.0,
        max: 60_000.0,
        at_least: Some("election_min"),
        whole: true,
        hint: None,
    },
    ParamField {
        id: "heartbeat",
        label: "Heartbeat interval (ms)",
        param: "heartbeat_interval_ms",
        default: 50.0,
        min: 1.0,
        max: 60_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "snapshot",
        label: "Snapshot every N applied entries (0 = off)",
        param: "snapshot_threshold",
        default: 0.0,
        min: 0.0,
        max: 1_000_000.0,
        at_least: None,
        whole: true,
        hint: Some(
            "Log compaction (section 7): servers fold applied entries into a snapshot, and a follower too far behind receives InstallSnapshot.",
        ),
    },
];

/// Raft's options and bug switches, in the order the form shows them.
pub const TOGGLES: &[Toggle] = &[
    Toggle {
        id: "pre_vote",
        path: &["pre_vote"],
        label: "PreVote",
        explanation: "A server first asks whether it could win before it raises its term, so a server coming back from a partition cannot force an election (thesis 9.6).",
        bug: false,
    },
    Toggle {
        id: "check_quorum",
        path: &["check_quorum"],
        label: "CheckQuorum",
        explanation: "A leader that has not heard from a majority for an election timeout steps down, and servers that heard from a leader recently ignore vote requests, so a removed or cut-off server cannot depose a healthy leader (thesis 6.2, 4.2.3).",
        bug: false,
    },
    Toggle {
        id: "read_index",
        path: &["read_index"],
        label: "ReadIndex reads",
        explanation: "Reads skip the log: the leader notes its commit index, confirms it still leads with a heartbeat round a majority answers, waits until it has applied that index, then answers (thesis 6.4). A lease would skip the heartbeat round by trusting clocks; this lab never serves reads on a lease alone.",
        bug: false,
    },
    Toggle {
        id: "commit_earlier_terms_by_counting",
        path: &["bugs", "commit_earlier_terms_by_counting"],
        label: "Commit earlier-term entries by counting replicas",
        explanation: "A leader commits an entry of an older term once a majority stores it; Figure 8 shows such an entry being overwritten after it was applied (section 5.4.2).",
        bug: true,
    },
    Toggle {
        id: "vote_without_log_check",
        path: &["bugs", "vote_without_log_check"],
        label: "Grant votes without the up-to-date check",
        explanation: "Voters skip the log comparison of section 5.4.1, so a server missing committed entries can become leader and overwrite them.",
        bug: true,
    },
    Toggle {
        id: "no_timeout_randomization",
        path: &["bugs", "no_timeout_randomization"],
        label: "No timeout randomization",
        explanation: "Every server waits exactly the minimum election timeout, so candidates start together and keep splitting the vote (section 5.2).",
        bug: true,
    },
    Toggle {
        id: "forget_voted_for_on_restart",
        path: &["bugs", "forget_voted_for_on_restart"],
        label: "Forget votedFor on restart",
        explanation: "votedFor is kept in memory only, so a server that restarts can vote twice in one term and two leaders can share it (Figure 2 makes it persistent).",
        bug: true,
    },
    Toggle {
        id: "acknowledge_before_disk",
        path: &["bugs", "acknowledge_before_disk"],
        label: "Acknowledge before the disk write lands",
        explanation: "A follower answers success for entries whose write is still under way; a crash before it lands loses an entry the leader counted, and a committed entry can vanish (Figure 2: persistent state is updated on stable storage before responding to RPCs).",
        bug: true,
    },
];

fn extras(state: &PlaygroundHandle) -> Html {
    html! { <>
        { view::raft_view(state) }
        // The experiment's code is in this bundle (the development build), or in a part
        // downloaded when the learner runs it (the published site); reached through the
        // bundle, so the page's own bundle does not link it.
        { match crate::bundle::current().part(experiment::PART) {
            Some(view) => view(None),
            None => html! { <experiment::ExperimentLauncher /> },
        } }
    </> }
}

/// A five-server cluster with its leader ringed and one server down.
fn picture() -> Html {
    crate::components::lab_picture::cluster(true, false)
}
