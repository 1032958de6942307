//! Paxos as a lab of the engine: its catalogue entry, its invariants, its lab actions and the
//! figures it adds to every run.
//!
//! Lab actions (`{"type": "lab", "name": ..., "args": ...}` in a timeline or from the UI):
//! - `propose` with `args.node` and `args.value`: a client asks that node to propose the
//!   value (the same as a client request `{"value": ...}`).
//! - `retry` with `args.node`: that node's proposer starts a higher ballot now, as if its
//!   retry timer fired (RaftScope's "timeout" verb). Nothing happens if it has no value.
//! - `restart_crashed`: restart every crashed node.
//!
//! Metrics (gauges, in every report): `highest_round` (the highest round on any disk),
//! `chosen_at_ms` (when a phase-2 quorum's disks first held one ballot's value: the moment
//! the value is chosen, before any learner knows), `learned_at_ms` (when the first learner learned it)
//! and `learners_learned` (how many running nodes know the outcome). The simulator's own
//! counters add `sent.Prepare`, `sent.Accept`, ... by message kind.

use super::invariants::{Observation, PaxosSafety, Property};
use super::{Ballot, Config, Paxos, Request, Value};
use crate::event::{ActionError, NodeStatus};
use crate::invariant::{Invariant, InvariantKind, Violation};
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, Runs, build_protocol_lab};
use crate::metrics::Metrics;
use crate::protocol::NodeId;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{LabActionFn, ObserverFn, SimView, Simulator};

/// The Paxos lab's catalogue entry.
pub const INFO: LabInfo = LabInfo {
    name: "paxos",
    title: "Paxos",
    description: "Propose values at two nodes at once, crash acceptors, flip a bug switch, and \
                  watch a value get chosen before anyone learns it.",
    papers: &[
        "Leslie Lamport, Paxos Made Simple, 2001",
        "Leslie Lamport, The Part-Time Parliament, 1998",
        "Heidi Howard, Dahlia Malkhi, Alexander Spiegelman, Flexible Paxos: Quorum intersection revisited, 2016",
    ],
};

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::PAXOS,
    runs: Runs::Engine(build),
};

/// Builds a Paxos run from a validated scenario.
pub fn build(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build_protocol_lab::<Paxos>(scenario)?))
}

/// How many acceptors must accept one ballot's value for it to be chosen (Q2, a majority
/// unless the scenario says otherwise), from the first node's configuration.
pub fn phase2_quorum(sim: &Simulator<Paxos>) -> usize {
    sim.nodes()
        .next()
        .map_or(1, |(_, _, node)| node.phase2_quorum())
}

/// What the checker sees now: every disk, every running learner, and the values clients
/// proposed since `proposed_seen`.
fn observation(sim: &Simulator<Paxos>, proposed_seen: usize) -> Observation<'_> {
    let disks = sim
        .nodes()
        .filter_map(|(id, _, _)| sim.durable(id).map(|disk| (id, disk)))
        .collect();
    let learned = sim
        .nodes()
        .filter(|(_, status, _)| matches!(status, NodeStatus::Up | NodeStatus::Paused))
        .filter_map(|(id, _, node)| node.learner.learned.as_ref().map(|value| (id, value)))
        .collect();
    let proposed: Vec<&Value> = sim
        .client_history()
        .iter()
        .skip(proposed_seen)
        .map(|call| &call.request.value)
        .collect();
    Observation {
        now: sim.now(),
        quorum: phase2_quorum(sim),
        disks,
        learned,
        proposed,
    }
}

/// One of Paxos's properties as an engine invariant, with its own incremental checker.
#[derive(Debug, Clone)]
pub struct SafetyInvariant {
    property: Property,
    checker: PaxosSafety,
    proposed_seen: usize,
}

impl SafetyInvariant {
    /// The invariant checking `property`.
    pub fn new(property: Property) -> Self {
        Self {
            property,
            checker: PaxosSafety::new(),
            proposed_seen: 0,
        }
    }
}

impl Invariant<Paxos> for SafetyInvariant {
    fn name(&self) -> &str {
        self.property.name()
    }

    fn description(&self) -> &str {
        self.property.description()
    }

    fn check(&mut self, view: &SimView<Paxos>) -> Option<Violation> {
        let observation = observation(view, self.proposed_seen);
        self.proposed_seen += observation.proposed.len();
        let found = self.checker.observe(&observation);
        found
            .into_iter()
            .find(|violation| violation.property == self.property)
            .map(|violation| Violation {
                property: self.property.name().to_string(),
                time: violation.time,
                nodes: violation.nodes,
                message: violation.message,
            })
    }
}

fn node_argument(action: &str, args: &serde_json::Value) -> Result<NodeId, ActionError> {
    args.get("node")
        .and_then(serde_json::Value::as_u64)
        .and_then(|node| NodeId::try_from(node).ok())
        .ok_or_else(|| ActionError::Invalid(format!("{action}: args.node must name a node")))
}

fn lab_action(
    sim: &mut Simulator<Paxos>,
    name: &str,
    args: &serde_json::Value,
) -> Result<(), ActionError> {
    match name {
        "propose" => {
            let node = node_argument(name, args)?;
            let value = args
                .get("value")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| {
                    ActionError::Invalid("propose: args.value must be a string".to_string())
                })?;
            sim.client_request(
                node,
                Request {
                    value: value.to_string(),
                },
            )
            .map(|_| ())
        }
        "retry" => {
            let node = node_argument(name, args)?;
            sim.poke(node, |state, _context, out| state.retry_now(out))
        }
        "restart_crashed" => sim.restart_crashed(),
        other => Err(ActionError::UnknownLabAction(other.to_string())),
    }
}

/// Whether a phase-2 quorum of disks holds one ballot's value accepted right now.
fn chosen_now(sim: &Simulator<Paxos>) -> bool {
    let quorum = phase2_quorum(sim);
    let mut proposals: Vec<(Ballot, &Value)> = sim
        .nodes()
        .filter_map(|(id, _, _)| {
            let accepted = sim.durable(id)?.accepted.as_ref()?;
            Some((accepted.ballot, &accepted.value))
        })
        .collect();
    proposals.sort_unstable();
    proposals
        .chunk_by(|a, b| a == b)
        .any(|same| same.len() >= quorum)
}

/// The round past which proposers that have chosen nothing are said to be dueling for ever.
pub const PROGRESS_ROUNDS_MAX: u64 = 10;

/// The liveness expectation "Progress" (section 2.4): a value is chosen before any
/// proposer reaches round [`PROGRESS_ROUNDS_MAX`]. Correct Paxos can miss it (the paper's
/// point is that no algorithm guarantees progress without a distinguished proposer), so a
/// miss is a warning; a preset whose point is the livelock sets `"liveness": "fail"`.
#[derive(Debug, Clone, Default)]
pub struct ProgressExpectation {
    chosen: bool,
}

/// The name of the liveness expectation.
pub const PROGRESS: &str = "Progress";

impl Invariant<Paxos> for ProgressExpectation {
    fn name(&self) -> &str {
        PROGRESS
    }

    fn description(&self) -> &str {
        "Proposers do not preempt each other for ever: a value is chosen before any proposer reaches round 10 (a liveness expectation, reported as a warning: correct Paxos can miss it under unlucky timing, section 2.4)."
    }

    fn kind(&self) -> InvariantKind {
        InvariantKind::Liveness
    }

    fn check(&mut self, view: &SimView<Paxos>) -> Option<Violation> {
        if self.chosen {
            return None;
        }
        if chosen_now(view) {
            self.chosen = true;
            return None;
        }
        let rounds: Vec<(crate::NodeId, u64)> = view
            .nodes()
            .filter_map(|(id, _, _)| view.durable(id).map(|disk| (id, disk.round)))
            .filter(|&(_, round)| round > 0)
            .collect();
        let highest = rounds.iter().map(|&(_, round)| round).max()?;
        if highest < PROGRESS_ROUNDS_MAX {
            return None;
        }
        let proposers: Vec<crate::NodeId> = rounds.iter().map(|&(id, _)| id).collect();
        Some(Violation {
            property: PROGRESS.to_string(),
            time: view.now(),
            nodes: proposers.clone(),
            message: format!(
                "No value is chosen and a proposer has reached round {highest}: nodes {proposers:?} have started ballots, and no ballot's value was accepted by a phase-2 quorum."
            ),
        })
    }
}

fn observe(sim: &Simulator<Paxos>, metrics: &mut Metrics) {
    let highest_round = sim
        .nodes()
        .filter_map(|(id, _, _)| sim.durable(id).map(|disk| disk.round))
        .max()
        .unwrap_or(0);
    metrics.set_gauge("highest_round", highest_round as f64);
    let learned = sim
        .nodes()
        .filter(|(_, status, node)| *status == NodeStatus::Up && node.learner.learned.is_some())
        .count();
    metrics.set_gauge("learners_learned", learned as f64);
    let now_ms = sim.now() as f64 / 1_000.0;
    if !metrics.gauges.contains_key("chosen_at_ms") && chosen_now(sim) {
        metrics.set_gauge("chosen_at_ms", now_ms);
    }
    if !metrics.gauges.contains_key("learned_at_ms") && learned > 0 {
        metrics.set_gauge("learned_at_ms", now_ms);
    }
}

impl LabProtocol for Paxos {
    const INFO: LabInfo = INFO;
    const SWEEP_METRICS: &'static [&'static str] =
        &["chosen_at_ms", "highest_round", "messages_delivered"];

    fn invariants(_config: &super::Config) -> Vec<Box<dyn Invariant<Self>>> {
        let mut invariants: Vec<Box<dyn Invariant<Self>>> = Property::ALL
            .iter()
            .map(|&property| Box::new(SafetyInvariant::new(property)) as Box<dyn Invariant<Self>>)
            .collect();
        invariants.push(Box::new(ProgressExpectation::default()));
        invariants
    }

    fn lab_action() -> Option<LabActionFn<Self>> {
        Some(lab_action)
    }

    fn observer() -> Option<ObserverFn<Self>> {
        Some(observe)
    }

    fn validate_config(config: &super::Config) -> Result<(), (String, String)> {
        config.validate()
    }

    /// Checks the quorum sizes against the number of acceptors, which only the scenario
    /// knows; the scenario itself runs unchanged.
    fn prepare(scenario: &Scenario) -> Result<std::borrow::Cow<'_, Scenario>, ScenarioError> {
        let quorum = |field: &str| {
            scenario
                .params
                .get(field)
                .and_then(serde_json::Value::as_u64)
                .map(|size| usize::try_from(size).unwrap_or(usize::MAX))
        };
        let quorums = Config {
            phase1_quorum: quorum("phase1_quorum"),
            phase2_quorum: quorum("phase2_quorum"),
            ..Config::default()
        };
        let acceptors = usize::try_from(scenario.nodes).unwrap_or(usize::MAX);
        quorums
            .validate_quorums(acceptors)
            .map_err(|(field, reason)| ScenarioError::at(format!("params.{field}"), reason))?;
        Ok(std::borrow::Cow::Borrowed(scenario))
    }
}
