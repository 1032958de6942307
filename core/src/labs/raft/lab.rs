//! Raft as a lab of the engine: its catalogue entry, its invariants, its lab actions and
//! the metrics it adds to every run.
//!
//! Lab actions (`{"type": "lab", "name": ..., "args": ...}` in a timeline or from the UI):
//! - `crash_leader`: crash the live leader of the highest term (the leader is not known
//!   when a scenario is written, so a plain `crash` cannot target it).
//! - `isolate_leader`: cut every link of that leader, both ways.
//! - `partition_leader`: split the cluster so that the leader and `args.followers` of the
//!   lowest-numbered other servers (one by default) are on the minority side: the old
//!   leader keeps believing it leads while the majority elects a new one.
//! - `partition_followers`: split off `args.count` (default: as many as stay a minority)
//!   of the highest-numbered servers that are not the leader; the leader keeps a majority.
//! - `restart_crashed`: restart every crashed server.
//! - `timeout` with `args.node`: make that server's election timer fire now (RaftScope's
//!   "timeout" verb).
//! - `add_server`: single-server membership change (thesis 4.1). Without `args.node` it
//!   starts a new, empty server and asks the live leader to add it; with `args.node` it asks
//!   the leader to add that running server. The leader appends a configuration entry and
//!   the new server catches up from AppendEntries (or InstallSnapshot). Refused, with the
//!   leader's reason, when no leader is live or a change is still uncommitted.
//! - `remove_server` with `args.node`: asks the live leader to remove that server. The
//!   server keeps running: it is shut down with a plain `remove_node` when the learner
//!   wishes, which lets the disruptive-server problem of thesis 4.2.3 be shown.
//!
//! Metrics (gauges, in every report and sweepable with `--metric`): `term` (highest term of
//! a live server), `leader` (id of the live leader of the highest term, -1 when none),
//! `commit_index` (highest commit index), and `election_time_ms`: the time from the moment
//! the cluster first loses its live leader (a crash, or the leader stepping down) until a
//! live leader is in charge again. That is the paper's Figure 16 measurement; see
//! [`super::experiment`].

use crate::collections::SortedSet;

use super::invariants::{Property, RaftSafety};
use super::{Config, Operation, Raft, Request, Timer};
use crate::event::{Action, ActionError, NodeStatus};
use crate::invariant::{Invariant, InvariantKind, Violation};
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, Runs, build_protocol_lab};
use crate::metrics::Metrics;
use crate::protocol::{NodeId, Protocol};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{LabActionFn, ObserverFn, SimView, Simulator};

/// The Raft lab's catalogue entry.
pub const INFO: LabInfo = LabInfo {
    name: "raft",
    title: "Raft consensus",
    description: "Crash the leader, split the cluster, flip a bug switch, and watch the \
                  safety checker.",
    papers: &[
        "Diego Ongaro and John Ousterhout, In Search of an Understandable Consensus Algorithm (extended version), 2014",
        "Diego Ongaro, Consensus: Bridging Theory and Practice (PhD thesis), 2014",
    ],
};

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::RAFT,
    runs: Runs::Engine(build),
};

/// Builds a Raft run from a validated scenario.
pub fn build(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build_protocol_lab::<Raft>(scenario)?))
}

/// The gauge holding the measured election time.
pub const ELECTION_TIME_GAUGE: &str = "election_time_ms";

/// The gauge holding when the cluster lost its live leader (internal to the measurement).
const LEADERLESS_SINCE_GAUGE: &str = "leaderless_since_ms";

/// One of Raft's properties as an engine invariant, with its own incremental checker.
#[derive(Debug, Clone)]
pub struct SafetyInvariant {
    property: Property,
    checker: RaftSafety,
}

impl SafetyInvariant {
    /// The invariant checking `property`.
    pub fn new(property: Property) -> Self {
        Self {
            property,
            checker: RaftSafety::only(property),
        }
    }

    /// The invariant checking `property` with a checker whose history maps hold at most
    /// `records_max` records (tests use a small cap to see it reported).
    pub fn with_records_max(property: Property, records_max: usize) -> Self {
        Self {
            property,
            checker: RaftSafety::only(property).with_records_max(records_max),
        }
    }
}

/// The servers whose state is real right now: up or paused (a crashed server's memory is
/// gone; only its disk remains, and the checker sees it again once it restarts).
fn running(view: &Simulator<Raft>) -> Vec<(NodeId, &Raft)> {
    view.nodes()
        .filter(|(_, status, _)| matches!(status, NodeStatus::Up | NodeStatus::Paused))
        .map(|(id, _, node)| (id, node))
        .collect()
}

impl Invariant<Raft> for SafetyInvariant {
    fn name(&self) -> &str {
        self.property.name()
    }

    fn description(&self) -> &str {
        self.property.description()
    }

    fn check(&mut self, view: &SimView<Raft>) -> Option<Violation> {
        let nodes = running(view);
        let disks = |id: NodeId| view.durable(id);
        let found = self.checker.observe(view.now(), &nodes, &disks);
        found.into_iter().next().map(|violation| Violation {
            property: self.property.name().to_string(),
            time: violation.time,
            nodes: violation.nodes,
            message: violation.message,
        })
    }

    fn kind(&self) -> InvariantKind {
        match self.property {
            Property::ElectionProgress => InvariantKind::Liveness,
            _ => InvariantKind::Safety,
        }
    }

    fn limit_reached(&self) -> Option<String> {
        self.checker.saturated().then(|| {
            format!(
                "The {} checker's history reached its cap of {} records: what happens after that is checked only against what it had recorded, so a later break that depends on newer entries can go unseen.",
                self.property.name(),
                self.checker.records_max()
            )
        })
    }
}

/// The live leader of the highest term, if any.
pub fn live_leader(sim: &Simulator<Raft>) -> Option<NodeId> {
    sim.nodes()
        .filter(|(_, status, node)| *status == NodeStatus::Up && node.is_leader())
        .max_by_key(|(id, _, node)| (node.current_term(), *id))
        .map(|(id, _, _)| id)
}

fn required_leader(sim: &Simulator<Raft>, action: &str) -> Result<NodeId, ActionError> {
    live_leader(sim).ok_or_else(|| {
        ActionError::Invalid(format!("{action}: no live server is leader right now"))
    })
}

fn lab_action(
    sim: &mut Simulator<Raft>,
    name: &str,
    args: &serde_json::Value,
) -> Result<(), ActionError> {
    match name {
        "crash_leader" => {
            let leader = required_leader(sim, name)?;
            sim.apply(&Action::Crash { node: leader })
        }
        "isolate_leader" => {
            let leader = required_leader(sim, name)?;
            sim.apply(&Action::Isolate { node: leader })
        }
        "partition_leader" => {
            let leader = required_leader(sim, name)?;
            let followers = match args.get("followers") {
                None => 1,
                Some(value) => value.as_u64().ok_or_else(|| {
                    ActionError::Invalid(format!(
                        "partition_leader: args.followers must be a whole number, got {value}"
                    ))
                })?,
            };
            let others: Vec<NodeId> = sim
                .nodes()
                .filter(|(id, status, _)| *id != leader && *status != NodeStatus::Removed)
                .map(|(id, _, _)| id)
                .collect();
            let minority_followers = usize::try_from(followers)
                .unwrap_or(usize::MAX)
                .min(others.len().saturating_sub(1) / 2);
            let mut minority: SortedSet<NodeId> =
                others.iter().copied().take(minority_followers).collect();
            minority.insert(leader);
            let majority: Vec<NodeId> = others
                .into_iter()
                .filter(|id| !minority.contains(id))
                .collect();
            sim.apply(&Action::Partition {
                groups: vec![minority.into_iter().collect(), majority],
            })
        }
        "partition_followers" => {
            let leader = live_leader(sim);
            let count = match args.get("count") {
                None => None,
                Some(value) => Some(value.as_u64().ok_or_else(|| {
                    ActionError::Invalid(format!(
                        "partition_followers: args.count must be a whole number, got {value}"
                    ))
                })?),
            };
            let present: Vec<NodeId> = sim
                .nodes()
                .filter(|(_, status, _)| *status != NodeStatus::Removed)
                .map(|(id, _, _)| id)
                .collect();
            let minority_max = present.len().saturating_sub(1) / 2;
            let count = count.map_or(minority_max, |count| {
                usize::try_from(count)
                    .unwrap_or(usize::MAX)
                    .min(minority_max)
            });
            let minority: Vec<NodeId> = present
                .iter()
                .rev()
                .copied()
                .filter(|&id| Some(id) != leader)
                .take(count)
                .collect();
            let majority: Vec<NodeId> = present
                .into_iter()
                .filter(|id| !minority.contains(id))
                .collect();
            sim.apply(&Action::Partition {
                groups: vec![minority, majority],
            })
        }
        "restart_crashed" => sim.restart_crashed(),
        "timeout" => {
            let node = args
                .get("node")
                .and_then(serde_json::Value::as_u64)
                .and_then(|node| NodeId::try_from(node).ok())
                .ok_or_else(|| {
                    ActionError::Invalid("timeout: args.node must name a server".to_string())
                })?;
            sim.poke(node, |state, context, out| {
                state.on_timer(context, Timer::Election, out)
            })
        }
        "add_server" => {
            let node = match args.get("node") {
                None | Some(serde_json::Value::Null) => None,
                Some(_) => Some(server_argument(name, args)?),
            };
            if let Some(node) = node
                && !sim
                    .nodes()
                    .any(|(id, status, _)| id == node && status != NodeStatus::Removed)
            {
                return Err(ActionError::Invalid(format!(
                    "{name}: there is no running server n{node}; leave args.node out to start a new one"
                )));
            }
            let leader = required_leader(sim, name)?;
            // The id a new server will get is the next one the simulator hands out.
            let id = node.unwrap_or_else(|| sim.node_count());
            let operation = Operation::AddServer { id };
            check_membership_change(sim, leader, &operation, id, name)?;
            if node.is_none() {
                sim.apply(&Action::AddNode)?;
            }
            membership_request(sim, leader, operation)
        }
        "remove_server" => {
            let id = server_argument(name, args)?;
            let leader = required_leader(sim, name)?;
            let operation = Operation::RemoveServer { id };
            check_membership_change(sim, leader, &operation, id, name)?;
            membership_request(sim, leader, operation)
        }
        other => Err(ActionError::UnknownLabAction(other.to_string())),
    }
}

/// Reads `args.node` as a server id, or says what is wrong with it.
fn server_argument(action: &str, args: &serde_json::Value) -> Result<NodeId, ActionError> {
    args.get("node")
        .and_then(serde_json::Value::as_u64)
        .and_then(|node| NodeId::try_from(node).ok())
        .ok_or_else(|| ActionError::Invalid(format!("{action}: args.node must name a server")))
}

/// Refuses a membership change the leader would refuse, before anything is started, so the
/// learner reads the leader's reason at once instead of in the client history.
fn check_membership_change(
    sim: &Simulator<Raft>,
    leader: NodeId,
    operation: &Operation,
    id: NodeId,
    action: &str,
) -> Result<(), ActionError> {
    let Some((_, _, state)) = sim.nodes().find(|(node, _, _)| *node == leader) else {
        return Err(ActionError::Invalid(format!(
            "{action}: the leader n{leader} is gone"
        )));
    };
    state
        .membership_change(operation, id)
        .map(|_| ())
        .map_err(|reason| ActionError::Invalid(format!("{action}: {reason}")))
}

/// Sends the membership change to the leader as a client request, as an administrator would.
fn membership_request(
    sim: &mut Simulator<Raft>,
    leader: NodeId,
    operation: Operation,
) -> Result<(), ActionError> {
    let request = Request {
        client: 0,
        sequence: 0,
        operation,
    };
    sim.client_request(leader, request).map(|_| ())
}

fn observe(sim: &Simulator<Raft>, metrics: &mut Metrics) {
    let mut term = 0;
    let mut commit_index = 0;
    for (_, status, node) in sim.nodes() {
        if status == NodeStatus::Up {
            term = term.max(node.current_term());
            commit_index = commit_index.max(node.commit_index());
        }
    }
    let leader = live_leader(sim);
    metrics.set_gauge("term", term as f64);
    metrics.set_gauge("commit_index", commit_index as f64);
    metrics.set_gauge("leader", leader.map_or(-1.0, f64::from));
    let now_ms = sim.now() as f64 / 1_000.0;
    match leader {
        Some(_) => {
            metrics.set_gauge("had_leader", 1.0);
            if let Some(since) = metrics.gauges.remove(LEADERLESS_SINCE_GAUGE)
                && !metrics.gauges.contains_key(ELECTION_TIME_GAUGE)
            {
                metrics.set_gauge(ELECTION_TIME_GAUGE, now_ms - since);
            }
        }
        None => {
            let had_leader = metrics.gauges.contains_key("had_leader");
            if had_leader && !metrics.gauges.contains_key(LEADERLESS_SINCE_GAUGE) {
                metrics.set_gauge(LEADERLESS_SINCE_GAUGE, now_ms);
            }
        }
    }
}

impl LabProtocol for Raft {
    const INFO: LabInfo = INFO;
    // `election_time_ms` is left out: only runs that lose their leader measure it.
    const SWEEP_METRICS: &'static [&'static str] = &[
        "messages_delivered",
        "term",
        "client_latency_ms_p50",
        "client_latency_ms_p99",
    ];

    fn invariants(_config: &Config) -> Vec<Box<dyn Invariant<Self>>> {
        Property::ALL
            .iter()
            .map(|&property| Box::new(SafetyInvariant::new(property)) as Box<dyn Invariant<Self>>)
            .collect()
    }

    fn lab_action() -> Option<LabActionFn<Self>> {
        Some(lab_action)
    }

    fn observer() -> Option<ObserverFn<Self>> {
        Some(observe)
    }

    fn validate_config(config: &Config) -> Result<(), (String, String)> {
        config
            .validate()
            .map_err(|error| (error.field.to_string(), error.reason))
    }
}
