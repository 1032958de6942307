//! Two-phase commit as a lab of the engine: its catalogue entry, its checks, its lab actions
//! and the figures it adds to every run.
//!
//! Checks, after every event:
//! - **Atomicity** (safety): no transaction is recorded committed in one participant's log
//!   and aborted in another's. Logs are read from disk (crashed participants too): an
//!   outcome counts once it is durable.
//! - **No one in doubt for ever** (liveness, a warning): once every node runs and no link
//!   is cut, no participant stays prepared without a decision for longer than
//!   `in_doubt_ms_max`.
//!
//! Lab actions (`{"type": "lab", "name": ..., "args": ...}`):
//! - `begin` with `args.key` (and optionally `args.vote_no`, a list of participants): a
//!   client asks the coordinator to run a transaction writing that key.
//! - `restart_crashed`: restart every crashed node.
//!
//! Figures (gauges): `locks_held` (keys locked by participants in doubt now, crashed ones
//! included: their locks are on disk), `lock_held_ms_max` (the longest any lock has been
//! held so far, from the prepared record to the decision), `committed` and `aborted`
//! (transactions whose outcome is on the coordinator's disk), `in_doubt` (participants
//! prepared without a decision now) and `blocked` (1 once a participant has run the
//! termination protocol twice for one transaction, three times under three-phase commit,
//! and still does not know its outcome).
//!
//! A scenario's `params.crash_coordinator` (`from_ms`, `to_ms`, `down_ms`) adds a crash of
//! the coordinator at a moment drawn uniformly from `[from_ms, to_ms]` with a generator
//! seeded from the scenario's seed, and its restart `down_ms` later: `netsplit sweep` over
//! seeds then crashes it at a uniform random time in each run.

use super::{COORDINATOR, Config, Durable, Outcome, Request, TwoPhaseCommit, TxnId};
use crate::event::{Action, ActionError, NodeStatus};
use crate::invariant::{FnInvariant, Invariant, InvariantKind, Violation};
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, Runs, build_protocol_lab};
use crate::metrics::Metrics;
use crate::protocol::{MICROS_PER_MS, NodeId, Time};
use crate::scenario::{Scenario, ScenarioError, TimelineEntry};
use crate::sim::{LabActionFn, ObserverFn, SimView, Simulator, decode_json};

/// The transactions lab's catalogue entry.
pub const INFO: LabInfo = LabInfo {
    name: "transactions",
    title: "Transactions",
    description: "Run two-phase commit, crash the coordinator between prepare and commit, and \
                  watch prepared participants hold their locks and wait; switch to three-phase \
                  commit and watch them finish without it, until a partition splits them.",
    papers: &[
        "Henry Robinson, Consensus Protocols: Two-Phase Commit, The Paper Trail, 2008",
        "Bernstein, Hadzilacos, Goodman, Concurrency Control and Recovery in Database Systems, 1987",
        "Jim Gray, Notes on Data Base Operating Systems, 1978",
        "Dale Skeen, Nonblocking Commit Protocols, SIGMOD 1981",
        "Henry Robinson, Consensus Protocols: Three-phase Commit, The Paper Trail, 2008",
    ],
};

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::TRANSACTIONS,
    runs: Runs::Engine(build),
};

/// Builds a transactions run from a validated scenario.
pub fn build(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build_protocol_lab::<TwoPhaseCommit>(scenario)?))
}

/// The most nodes a run may have (one coordinator and its participants).
pub const NODES_MAX: u32 = 16;

/// The name of the atomicity property.
pub const ATOMICITY: &str = "Atomicity";

/// The name of the liveness expectation.
pub const NO_ONE_IN_DOUBT: &str = "No one in doubt for ever";

/// Every node's log as it is on disk, with the node's id.
fn disks(view: &SimView<TwoPhaseCommit>) -> Vec<(NodeId, &Durable)> {
    view.nodes()
        .filter_map(|(id, _, _)| view.durable(id).map(|disk| (id, disk)))
        .collect()
}

/// The first transaction committed on one participant's disk and aborted on another's.
pub fn atomicity_broken(disks: &[(NodeId, &Durable)]) -> Option<(TxnId, NodeId, NodeId)> {
    let mut outcomes: Vec<(TxnId, Outcome, NodeId)> = Vec::new();
    for &(node, disk) in disks {
        if node == COORDINATOR {
            continue;
        }
        for record in &disk.log {
            if let super::Record::Decided { txn, outcome, .. } = record {
                outcomes.push((*txn, *outcome, node));
            }
        }
    }
    outcomes.sort_unstable_by_key(|&(txn, outcome, node)| (txn, outcome == Outcome::Abort, node));
    outcomes.chunk_by(|a, b| a.0 == b.0).find_map(|same| {
        let committed = same.iter().find(|entry| entry.1 == Outcome::Commit)?;
        let aborted = same.iter().find(|entry| entry.1 == Outcome::Abort)?;
        Some((committed.0, committed.2, aborted.2))
    })
}

fn atomicity(view: &SimView<TwoPhaseCommit>) -> Option<(Vec<NodeId>, String)> {
    let (txn, committed, aborted) = atomicity_broken(&disks(view))?;
    Some((
        vec![committed, aborted],
        format!(
            "Transaction t{txn} is committed at n{committed} and aborted at n{aborted}: its writes took effect at one participant and not at the other."
        ),
    ))
}

/// The liveness expectation: with every node up and no link cut for `in_doubt_ms_max`, no
/// participant is still in doubt about a transaction it prepared.
#[derive(Debug, Clone)]
pub struct InDoubtBound {
    bound: Time,
    healthy_since: Option<Time>,
}

impl InDoubtBound {
    /// The expectation with bound `in_doubt_ms_max` milliseconds.
    pub fn new(in_doubt_ms_max: u64) -> Self {
        Self {
            bound: in_doubt_ms_max * MICROS_PER_MS,
            healthy_since: Some(0),
        }
    }
}

impl Invariant<TwoPhaseCommit> for InDoubtBound {
    fn name(&self) -> &str {
        NO_ONE_IN_DOUBT
    }

    fn description(&self) -> &str {
        "Once every node runs and no link is cut, no participant stays prepared without a decision for longer than the bound (in_doubt_ms_max): when the network heals and the coordinator recovers, everyone learns the outcome (a liveness expectation, reported as a warning)."
    }

    fn kind(&self) -> InvariantKind {
        InvariantKind::Liveness
    }

    fn check(&mut self, view: &SimView<TwoPhaseCommit>) -> Option<Violation> {
        let now = view.now();
        let healthy = !view.network().has_faults()
            && view
                .nodes()
                .all(|(_, status, _)| matches!(status, NodeStatus::Up | NodeStatus::Removed));
        if !healthy {
            self.healthy_since = None;
            return None;
        }
        let since = *self.healthy_since.get_or_insert(now);
        for (id, _, node) in view.nodes() {
            if id == COORDINATOR {
                continue;
            }
            let disk = Durable {
                log: node.log.clone(),
            };
            for (txn, _, prepared_at) in disk.in_doubt() {
                let waiting_since = since.max(prepared_at);
                if now.saturating_sub(waiting_since) >= self.bound {
                    return Some(Violation {
                        property: String::new(),
                        time: now,
                        nodes: vec![id],
                        message: format!(
                            "n{id} has been in doubt about t{txn} for {} ms with every node running and no link cut.",
                            (now - waiting_since) / MICROS_PER_MS
                        ),
                    });
                }
            }
        }
        None
    }
}

fn lab_action(
    sim: &mut Simulator<TwoPhaseCommit>,
    name: &str,
    args: &serde_json::Value,
) -> Result<(), ActionError> {
    match name {
        "begin" => {
            let request: Request = decode_json(args)
                .map_err(|error| ActionError::Invalid(format!("begin: args{error}")))?;
            sim.client_request(COORDINATOR, request).map(|_| ())
        }
        "restart_crashed" => sim.restart_crashed(),
        other => Err(ActionError::UnknownLabAction(other.to_string())),
    }
}

/// A node's log as the figures read it: in memory for a running node, on disk otherwise.
fn log_of<'a>(
    sim: &'a Simulator<TwoPhaseCommit>,
    id: NodeId,
    status: NodeStatus,
    node: &'a TwoPhaseCommit,
) -> Option<&'a [super::Record]> {
    match status {
        NodeStatus::Up | NodeStatus::Paused => Some(&node.log),
        NodeStatus::Crashed => sim.durable(id).map(|disk| disk.log.as_slice()),
        NodeStatus::Removed => None,
    }
}

fn observe(sim: &Simulator<TwoPhaseCommit>, metrics: &mut Metrics) {
    let now = sim.now();
    let mut locks_held = 0u64;
    let mut in_doubt = 0u64;
    let mut held_max: Time = 0;
    let mut blocked = false;
    for (id, status, node) in sim.nodes() {
        if id == COORDINATOR {
            continue;
        }
        let Some(log) = log_of(sim, id, status, node) else {
            continue;
        };
        let disk = Durable { log: log.to_vec() };
        let doubts = disk.in_doubt();
        locks_held += doubts.len() as u64;
        in_doubt += u64::from(!doubts.is_empty());
        for (_, _, at) in &doubts {
            held_max = held_max.max(now.saturating_sub(*at));
        }
        for record in log {
            if let super::Record::Prepared { txn, at_us, .. } = record
                && let Some(decided_at) = log.iter().find_map(|other| match other {
                    super::Record::Decided {
                        txn: decided,
                        at_us,
                        ..
                    } if decided == txn => Some(*at_us),
                    _ => None,
                })
            {
                held_max = held_max.max(decided_at.saturating_sub(*at_us));
            }
        }
        blocked |= status == NodeStatus::Up && node.blocked();
    }
    let coordinator = sim.durable(COORDINATOR);
    let count = |outcome: Outcome| {
        coordinator.map_or(0, |disk| {
            disk.log
                .iter()
                .filter(|record| {
                    matches!(record, super::Record::Decided { outcome: decided, .. } if *decided == outcome)
                })
                .count()
        }) as f64
    };
    metrics.set_gauge("locks_held", locks_held as f64);
    metrics.set_gauge("in_doubt", in_doubt as f64);
    let held_ms = held_max as f64 / MICROS_PER_MS as f64;
    let previous = metrics
        .gauges
        .get("lock_held_ms_max")
        .copied()
        .unwrap_or(0.0);
    metrics.set_gauge("lock_held_ms_max", previous.max(held_ms));
    metrics.set_gauge("committed", count(Outcome::Commit));
    metrics.set_gauge("aborted", count(Outcome::Abort));
    let was_blocked = metrics.gauges.get("blocked").copied().unwrap_or(0.0);
    metrics.set_gauge("blocked", if blocked { 1.0 } else { was_blocked });
}

/// The scenario as the engine runs it: `params.crash_coordinator` becomes a crash of the
/// coordinator at a moment drawn from the scenario's seed, and its restart.
pub fn prepare(scenario: &Scenario) -> Result<Scenario, ScenarioError> {
    let mut prepared = scenario.clone();
    if scenario.nodes < 2 || scenario.nodes > NODES_MAX {
        return Err(ScenarioError::at(
            "nodes",
            format!(
                "must be between 2 and {NODES_MAX} for the transactions lab (a coordinator and at least one participant), got {}",
                scenario.nodes
            ),
        ));
    }
    if scenario.params.is_null() {
        return Ok(prepared);
    }
    let Ok(config) = decode_json::<Config>(&scenario.params) else {
        // The engine's build names the bad field.
        return Ok(prepared);
    };
    if config.validate().is_ok()
        && let Some(crash) = config.crash_coordinator
    {
        // A generator of its own, seeded from the scenario's seed, so that the crash
        // moment varies with the seed and leaves the simulator's draws untouched.
        let mut dice = crate::rng::SimRng::new(scenario.seed ^ 0x2_9c_c0_77_15);
        let span = (crash.to_ms - crash.from_ms) * MICROS_PER_MS;
        let at = crash.from_ms * MICROS_PER_MS + dice.below(span + 1);
        prepared
            .timeline
            .push(TimelineEntry::at(at, Action::Crash { node: COORDINATOR }));
        prepared.timeline.push(TimelineEntry::at(
            at + crash.down_ms * MICROS_PER_MS,
            Action::Restart { node: COORDINATOR },
        ));
        prepared.timeline.sort_by_key(TimelineEntry::time);
    }
    Ok(prepared)
}

impl LabProtocol for TwoPhaseCommit {
    const INFO: LabInfo = INFO;
    /// Figures every preset with traffic makes non-zero; the coordinator-crash sweep names
    /// `blocked`, `committed` and `aborted` as well (see its paragraph).
    const SWEEP_METRICS: &'static [&'static str] = &["lock_held_ms_max", "messages_delivered"];

    fn invariants(config: &Config) -> Vec<Box<dyn Invariant<Self>>> {
        vec![
            Box::new(FnInvariant::new(
                ATOMICITY,
                "No transaction is committed at one participant and aborted at another (read from every participant's disk).",
                atomicity,
            )),
            Box::new(InDoubtBound::new(config.in_doubt_ms_max)),
        ]
    }

    fn lab_action() -> Option<LabActionFn<Self>> {
        Some(lab_action)
    }

    fn observer() -> Option<ObserverFn<Self>> {
        Some(observe)
    }

    fn validate_config(config: &Config) -> Result<(), (String, String)> {
        config.validate()
    }

    fn prepare(scenario: &Scenario) -> Result<std::borrow::Cow<'_, Scenario>, ScenarioError> {
        Ok(std::borrow::Cow::Owned(prepare(scenario)?))
    }
}
