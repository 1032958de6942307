//! The one event vocabulary shared by the scheduler, the trace, the UI and
//! scenario timelines.
//!
//! [`Action`]s are what a learner (a button in the UI) or a scenario timeline asks
//! for; [`TraceEvent`]s are what happened, in order, including the steps the
//! simulator takes by itself (deliveries, drops, timers, disk writes).

use serde::{Deserialize, Serialize};

use crate::network::Latency;
use crate::protocol::{NodeId, RequestId, Time};

/// A node's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    /// Running normally.
    Up,
    /// Stopped; its volatile state is gone and only its disk remains.
    Crashed,
    /// Frozen (a long garbage-collection pause or a slow machine): its messages
    /// and timers wait until it resumes.
    Paused,
    /// Gone for good.
    Removed,
}

/// Something a learner or a scenario timeline does to the running system.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Crash `node`: volatile state and unfinished disk writes are lost.
    Crash {
        /// The node.
        node: NodeId,
    },
    /// Restart a crashed `node` from what its disk holds.
    Restart {
        /// The node.
        node: NodeId,
    },
    /// Freeze `node` until it is resumed.
    Pause {
        /// The node.
        node: NodeId,
    },
    /// Unfreeze a paused `node`; everything that waited for it is handled now.
    Resume {
        /// The node.
        node: NodeId,
    },
    /// Add a fresh node with the next free id.
    AddNode,
    /// Remove `node` for good.
    RemoveNode {
        /// The node.
        node: NodeId,
    },
    /// Cut the link `from → to` in that direction only.
    CutLink {
        /// The sender side.
        from: NodeId,
        /// The receiver side.
        to: NodeId,
    },
    /// Cut the links between `from` and `to` in both directions.
    CutLinkBoth {
        /// One end.
        from: NodeId,
        /// The other end.
        to: NodeId,
    },
    /// Bring the link `from → to` back up.
    HealLink {
        /// The sender side.
        from: NodeId,
        /// The receiver side.
        to: NodeId,
    },
    /// Cut every link to and from `node`.
    Isolate {
        /// The node.
        node: NodeId,
    },
    /// Split the network into `groups`; nodes in no group form one more group.
    Partition {
        /// The groups of nodes that can still talk among themselves.
        groups: Vec<Vec<NodeId>>,
    },
    /// Remove every cut, isolation and partition.
    HealAll,
    /// Change the latency and/or loss of the link `from → to`.
    SetLink {
        /// The sender side.
        from: NodeId,
        /// The receiver side.
        to: NodeId,
        /// The new latency, if it changes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        latency: Option<Latency>,
        /// The new loss probability, if it changes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        loss_probability: Option<f64>,
    },
    /// A client sends `request` (in the lab's request format) to `node`.
    ClientRequest {
        /// The node the client talks to.
        node: NodeId,
        /// The request, decoded by the lab.
        request: serde_json::Value,
    },
    /// A lab-specific action, e.g. `{"name": "force_election", "args": {"node": 1}}`.
    Lab {
        /// The lab's name for the action.
        name: String,
        /// Its arguments.
        #[serde(default)]
        args: serde_json::Value,
    },
}

/// The `type` of each [`Action`] in scenario JSON, in declaration order.
pub(crate) const ACTION_TYPES: &[&str] = &[
    "crash",
    "restart",
    "pause",
    "resume",
    "add_node",
    "remove_node",
    "cut_link",
    "cut_link_both",
    "heal_link",
    "isolate",
    "partition",
    "heal_all",
    "set_link",
    "client_request",
    "lab",
];

// Written by hand rather than derived, for a smaller browser build; the format and
// messages are the derive's (see `crate::tagged_enum`, whose tests compare the two).
impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use crate::tagged_enum::{Tagged, decode, required};
        let tagged = Tagged::read(
            deserializer,
            "type",
            ACTION_TYPES,
            "internally tagged enum Action",
        )?;
        let variant = tagged.variant;
        Ok(match variant {
            0 | 1 | 2 | 3 | 5 | 9 => {
                let expecting = match variant {
                    0 => "struct variant Action::Crash",
                    1 => "struct variant Action::Restart",
                    2 => "struct variant Action::Pause",
                    3 => "struct variant Action::Resume",
                    5 => "struct variant Action::RemoveNode",
                    _ => "struct variant Action::Isolate",
                };
                let mut node = None;
                tagged.fields(&["node"], 1, expecting, |_, json| {
                    node = Some(decode(json)?);
                    Ok(())
                })?;
                let node = required(node, "node")?;
                match variant {
                    0 => Action::Crash { node },
                    1 => Action::Restart { node },
                    2 => Action::Pause { node },
                    3 => Action::Resume { node },
                    5 => Action::RemoveNode { node },
                    _ => Action::Isolate { node },
                }
            }
            6..=8 => {
                let expecting = match variant {
                    6 => "struct variant Action::CutLink",
                    7 => "struct variant Action::CutLinkBoth",
                    _ => "struct variant Action::HealLink",
                };
                let (mut from, mut to) = (None, None);
                tagged.fields(&["from", "to"], 2, expecting, |index, json| {
                    match index {
                        0 => from = Some(decode(json)?),
                        _ => to = Some(decode(json)?),
                    }
                    Ok(())
                })?;
                let from = required(from, "from")?;
                let to = required(to, "to")?;
                match variant {
                    6 => Action::CutLink { from, to },
                    7 => Action::CutLinkBoth { from, to },
                    _ => Action::HealLink { from, to },
                }
            }
            4 => {
                tagged.unit()?;
                Action::AddNode
            }
            11 => {
                tagged.unit()?;
                Action::HealAll
            }
            10 => {
                let mut groups = None;
                tagged.fields(
                    &["groups"],
                    1,
                    "struct variant Action::Partition",
                    |_, json| {
                        groups = Some(decode(json)?);
                        Ok(())
                    },
                )?;
                Action::Partition {
                    groups: required(groups, "groups")?,
                }
            }
            12 => {
                let (mut from, mut to, mut latency, mut loss_probability) =
                    (None, None, None, None);
                tagged.fields(
                    &["from", "to", "latency", "loss_probability"],
                    2,
                    "struct variant Action::SetLink",
                    |index, json| {
                        match index {
                            0 => from = Some(decode(json)?),
                            1 => to = Some(decode(json)?),
                            2 => latency = Some(decode(json)?),
                            _ => loss_probability = Some(decode(json)?),
                        }
                        Ok(())
                    },
                )?;
                let from = required(from, "from")?;
                let to = required(to, "to")?;
                Action::SetLink {
                    from,
                    to,
                    latency: latency.unwrap_or(None),
                    loss_probability: loss_probability.unwrap_or(None),
                }
            }
            13 => {
                let (mut node, mut request) = (None, None);
                tagged.fields(
                    &["node", "request"],
                    2,
                    "struct variant Action::ClientRequest",
                    |index, json| {
                        match index {
                            0 => node = Some(decode(json)?),
                            _ => request = Some(json),
                        }
                        Ok(())
                    },
                )?;
                let node = required(node, "node")?;
                Action::ClientRequest {
                    node,
                    request: required(request, "request")?,
                }
            }
            _ => {
                let (mut name, mut args) = (None, None);
                tagged.fields(
                    &["name", "args"],
                    1,
                    "struct variant Action::Lab",
                    |index, json| {
                        match index {
                            0 => name = Some(decode(json)?),
                            _ => args = Some(json),
                        }
                        Ok(())
                    },
                )?;
                Action::Lab {
                    name: required(name, "name")?,
                    args: args.unwrap_or_default(),
                }
            }
        })
    }
}

impl Action {
    /// A short stable tag for the action, as in its JSON `type`.
    pub fn tag(&self) -> &'static str {
        match self {
            Action::Crash { .. } => "crash",
            Action::Restart { .. } => "restart",
            Action::Pause { .. } => "pause",
            Action::Resume { .. } => "resume",
            Action::AddNode => "add_node",
            Action::RemoveNode { .. } => "remove_node",
            Action::CutLink { .. } => "cut_link",
            Action::CutLinkBoth { .. } => "cut_link_both",
            Action::HealLink { .. } => "heal_link",
            Action::Isolate { .. } => "isolate",
            Action::Partition { .. } => "partition",
            Action::HealAll => "heal_all",
            Action::SetLink { .. } => "set_link",
            Action::ClientRequest { .. } => "client_request",
            Action::Lab { .. } => "lab",
        }
    }
}

/// Why an action could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The action names a node that does not exist.
    #[error("node {node} does not exist (the cluster has nodes 0 to {last})")]
    UnknownNode {
        /// The node named.
        node: NodeId,
        /// The highest existing id.
        last: NodeId,
    },
    /// The node is not in a state the action applies to.
    #[error("cannot {action} node {node}: it is {status}")]
    WrongStatus {
        /// What was asked.
        action: &'static str,
        /// The node.
        node: NodeId,
        /// Its state, in words.
        status: &'static str,
    },
    /// The action's arguments are invalid.
    #[error("{0}")]
    Invalid(String),
    /// The lab does not know this lab-specific action.
    #[error("this lab has no action named {0:?}")]
    UnknownLabAction(String),
    /// A bound of the simulation (node count) would be exceeded.
    #[error("{0}")]
    Limit(String),
}

/// Why a message did not arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The link was down when the message was sent or when it would have arrived.
    LinkDown,
    /// The link lost it at random (its loss probability).
    Loss,
    /// The receiver was crashed when it arrived.
    NodeCrashed,
    /// The receiver had been removed.
    NodeRemoved,
    /// The receiver does not exist.
    UnknownNode,
    /// Too many messages were in flight (the scenario's `limits.max_in_flight`).
    InFlightLimit,
    /// The sender crashed before the disk write it waited for finished.
    SenderCrashed,
}

impl DropReason {
    /// The reason in words, for the trace.
    pub fn describe(self) -> &'static str {
        match self {
            DropReason::LinkDown => "the link is down",
            DropReason::Loss => "the link lost it",
            DropReason::NodeCrashed => "the receiver is crashed",
            DropReason::NodeRemoved => "the receiver was removed",
            DropReason::UnknownNode => "the receiver does not exist",
            DropReason::InFlightLimit => "too many messages are in flight",
            DropReason::SenderCrashed => "the sender crashed before its disk write finished",
        }
    }

    /// Every reason, in a fixed order (for metrics).
    pub const ALL: [DropReason; 7] = [
        DropReason::LinkDown,
        DropReason::Loss,
        DropReason::NodeCrashed,
        DropReason::NodeRemoved,
        DropReason::UnknownNode,
        DropReason::InFlightLimit,
        DropReason::SenderCrashed,
    ];

    /// The snake_case name, as serialized.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::LinkDown => "link_down",
            DropReason::Loss => "loss",
            DropReason::NodeCrashed => "node_crashed",
            DropReason::NodeRemoved => "node_removed",
            DropReason::UnknownNode => "unknown_node",
            DropReason::InFlightLimit => "in_flight_limit",
            DropReason::SenderCrashed => "sender_crashed",
        }
    }
}

/// One thing that happened in a run. Message, timer and request contents are kept
/// beside the event in the trace (see `trace`), not here, so this type is the same
/// for every lab.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraceEvent {
    /// A message arrived and its receiver handled it.
    Deliver {
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// The message kind.
        kind: &'static str,
        /// When it was sent.
        sent_at: Time,
    },
    /// A message was lost.
    Drop {
        /// The sender.
        from: NodeId,
        /// The intended receiver.
        to: NodeId,
        /// The message kind.
        kind: &'static str,
        /// Why.
        reason: DropReason,
    },
    /// A timer fired.
    TimerFired {
        /// The node whose timer it was.
        node: NodeId,
    },
    /// A disk write finished.
    DiskWriteDone {
        /// The node that wrote.
        node: NodeId,
    },
    /// A node crashed.
    Crash {
        /// The node.
        node: NodeId,
    },
    /// A node restarted from its disk.
    Restart {
        /// The node.
        node: NodeId,
    },
    /// A node was paused.
    Pause {
        /// The node.
        node: NodeId,
    },
    /// A node resumed.
    Resume {
        /// The node.
        node: NodeId,
    },
    /// A node was added.
    AddNode {
        /// The new node's id.
        node: NodeId,
    },
    /// A node was removed.
    RemoveNode {
        /// The node.
        node: NodeId,
    },
    /// A link was cut in one direction.
    CutLink {
        /// The sender side.
        from: NodeId,
        /// The receiver side.
        to: NodeId,
    },
    /// A link was healed in one direction.
    HealLink {
        /// The sender side.
        from: NodeId,
        /// The receiver side.
        to: NodeId,
    },
    /// A node was isolated.
    Isolate {
        /// The node.
        node: NodeId,
    },
    /// The network was partitioned.
    Partition {
        /// The groups.
        groups: Vec<Vec<NodeId>>,
    },
    /// Every network fault was removed.
    HealAll,
    /// A link's latency or loss changed.
    SetLink {
        /// The sender side.
        from: NodeId,
        /// The receiver side.
        to: NodeId,
    },
    /// A client sent a request.
    ClientRequest {
        /// The node it went to.
        node: NodeId,
        /// The request's id.
        request: RequestId,
    },
    /// A node answered a client request.
    ClientReply {
        /// The node that answered.
        node: NodeId,
        /// The request's id.
        request: RequestId,
    },
    /// A lab-specific action ran.
    Lab {
        /// The action's name.
        name: String,
    },
    /// An invariant was violated (recorded the first time only).
    Violation {
        /// The property's name.
        property: String,
        /// The nodes involved.
        nodes: Vec<NodeId>,
    },
    /// A liveness expectation was not met (recorded the first time only).
    Warning {
        /// The expectation's name.
        property: String,
        /// The nodes involved.
        nodes: Vec<NodeId>,
    },
}

impl TraceEvent {
    /// A short stable tag, as in the JSON `type`.
    pub fn tag(&self) -> &'static str {
        match self {
            TraceEvent::Deliver { .. } => "deliver",
            TraceEvent::Drop { .. } => "drop",
            TraceEvent::TimerFired { .. } => "timer_fired",
            TraceEvent::DiskWriteDone { .. } => "disk_write_done",
            TraceEvent::Crash { .. } => "crash",
            TraceEvent::Restart { .. } => "restart",
            TraceEvent::Pause { .. } => "pause",
            TraceEvent::Resume { .. } => "resume",
            TraceEvent::AddNode { .. } => "add_node",
            TraceEvent::RemoveNode { .. } => "remove_node",
            TraceEvent::CutLink { .. } => "cut_link",
            TraceEvent::HealLink { .. } => "heal_link",
            TraceEvent::Isolate { .. } => "isolate",
            TraceEvent::Partition { .. } => "partition",
            TraceEvent::HealAll => "heal_all",
            TraceEvent::SetLink { .. } => "set_link",
            TraceEvent::ClientRequest { .. } => "client_request",
            TraceEvent::ClientReply { .. } => "client_reply",
            TraceEvent::Lab { .. } => "lab",
            TraceEvent::Violation { .. } => "violation",
            TraceEvent::Warning { .. } => "warning",
        }
    }

    /// A fixed number per variant, fed to the fingerprint. These numbers are part
    /// of the trace-hash format: never renumber, only append.
    pub fn code(&self) -> u8 {
        match self {
            TraceEvent::Deliver { .. } => 1,
            TraceEvent::Drop { .. } => 2,
            TraceEvent::TimerFired { .. } => 3,
            TraceEvent::DiskWriteDone { .. } => 4,
            TraceEvent::Crash { .. } => 5,
            TraceEvent::Restart { .. } => 6,
            TraceEvent::Pause { .. } => 7,
            TraceEvent::Resume { .. } => 8,
            TraceEvent::AddNode { .. } => 9,
            TraceEvent::RemoveNode { .. } => 10,
            TraceEvent::CutLink { .. } => 11,
            TraceEvent::HealLink { .. } => 12,
            TraceEvent::Isolate { .. } => 13,
            TraceEvent::Partition { .. } => 14,
            TraceEvent::HealAll => 15,
            TraceEvent::SetLink { .. } => 16,
            TraceEvent::ClientRequest { .. } => 17,
            TraceEvent::ClientReply { .. } => 18,
            TraceEvent::Lab { .. } => 19,
            TraceEvent::Violation { .. } => 20,
            TraceEvent::Warning { .. } => 21,
        }
    }

    /// The nodes the event concerns, in a fixed order.
    pub fn nodes(&self) -> Vec<NodeId> {
        match self {
            TraceEvent::Deliver { from, to, .. }
            | TraceEvent::Drop { from, to, .. }
            | TraceEvent::CutLink { from, to }
            | TraceEvent::HealLink { from, to }
            | TraceEvent::SetLink { from, to } => vec![*from, *to],
            TraceEvent::TimerFired { node }
            | TraceEvent::DiskWriteDone { node }
            | TraceEvent::Crash { node }
            | TraceEvent::Restart { node }
            | TraceEvent::Pause { node }
            | TraceEvent::Resume { node }
            | TraceEvent::AddNode { node }
            | TraceEvent::RemoveNode { node }
            | TraceEvent::Isolate { node }
            | TraceEvent::ClientRequest { node, .. }
            | TraceEvent::ClientReply { node, .. } => vec![*node],
            TraceEvent::Partition { groups } => groups.iter().flatten().copied().collect(),
            TraceEvent::Violation { nodes, .. } | TraceEvent::Warning { nodes, .. } => {
                nodes.clone()
            }
            TraceEvent::HealAll | TraceEvent::Lab { .. } => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_and_write_the_documented_json() {
        let action: Action = serde_json::from_str(r#"{"type":"cut_link","from":1,"to":2}"#)
            .expect("a cut_link action parses");
        assert_eq!(action, Action::CutLink { from: 1, to: 2 });
        let json = serde_json::to_string(&Action::AddNode).expect("serializes");
        assert_eq!(json, r#"{"type":"add_node"}"#);
    }

    #[test]
    fn an_action_with_an_unknown_field_is_rejected() {
        let result: Result<Action, _> =
            serde_json::from_str(r#"{"type":"crash","node":1,"when":3}"#);
        assert!(result.is_err());
    }

    #[test]
    fn trace_event_codes_are_distinct() {
        let events = [
            TraceEvent::HealAll,
            TraceEvent::Crash { node: 0 },
            TraceEvent::Restart { node: 0 },
        ];
        let mut codes: Vec<u8> = events.iter().map(TraceEvent::code).collect();
        codes.dedup();
        assert_eq!(codes.len(), 3);
    }
}
