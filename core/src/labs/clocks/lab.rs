//! The time and order lab on the engine: its catalogue entry, its checks, its lab action
//! and the figures it adds to every run.
//!
//! Checks, after every event (each reads the stamps of the events the node just handled):
//! - **Lamport's Clock Condition** (safety, IR1 and IR2): a node's clock grows with every
//!   event, and a receive's clock is greater than the message's.
//! - **Vector clocks order events** (safety): a node's vector grows with every event, and a
//!   message's vector is below its receive's.
//! - **HLC within the clock skew** (safety): an event's `l` is never behind the node's
//!   physical clock, and ahead of it by at most the skew ε (the spread of all the clocks
//!   then), and `(l, c)` grows with every event and across every message.
//! - **Snapshot sum is the total** (safety): a finished snapshot's recorded balances plus
//!   recorded channels add up to the money the bank started with. It stands down, saying
//!   so in the figures, when a transfer was lost or a node crashed (outside the paper's
//!   model).
//! - **TrueTime interval holds true time** (Spanner's assumption, section 3): every
//!   `TT.now()` a leader calls contains the true time of the call. It fails when a clock's
//!   error exceeds `ε`: the lab lets a scenario set such clocks and shows the guarantee
//!   go, rather than refusing them.
//! - **External consistency** (safety, section 4.1.2): if a write was acknowledged before
//!   another write started (in true time, as the client history records them), the first
//!   has the smaller commit timestamp.
//!
//! Lab actions (`{"type": "lab", "name": "snapshot", "args": {"node": 1}}`): node 1 starts
//! a snapshot, as a client's `{"op": "snapshot"}` request to it; `write` (same arguments)
//! sends node 1 a client's write, `{"op": "write", "value": N}` with N the request's number.
//!
//! Figures (gauges): `clock_skew_us` (ε now), `hlc_ahead_max_us` (the largest `l - pt`
//! seen), `hlc_counter_max`, `snapshots_completed`, `snapshot_sum` and
//! `snapshot_expected` (the latest finished snapshot's sum and the bank's total),
//! `snapshot_checkable` (0 when a transfer had been lost or a node had crashed by the time
//! it finished), `held_back_max`; once a write has committed, `writes_committed`,
//! `commit_wait_ms_mean` and `commit_wait_ms_max` (the true time from a write's arrival to
//! its acknowledgement, which here is all commit wait), and `writes_refused`.

use super::clock::PhysicalClock;
use super::{Config, EventKind, NODES_MAX, Node, Reply, Request, Stamped};
use crate::event::{ActionError, NodeStatus};
use crate::invariant::{FnInvariant, Invariant, Violation};
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, Runs, build_protocol_lab};
use crate::metrics::Metrics;
use crate::protocol::{NodeId, Time};
use crate::rng::SimRng;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{LabActionFn, ObserverFn, SimView, Simulator};

/// The lab's catalogue entry.
pub const INFO: LabInfo = LabInfo {
    name: "clocks",
    title: "Time and order",
    description: "Skew the nodes' clocks, watch Lamport, vector and hybrid logical clocks \
                  order the events anyway, take a consistent snapshot of a running bank, and \
                  pay for external consistency with TrueTime's commit wait.",
    papers: &[
        "Lamport, Time, Clocks, and the Ordering of Events in a Distributed System, 1978",
        "Mattern, Virtual Time and Global States of Distributed Systems, 1988",
        "Kulkarni, Demirbas, Madappa, Avva, Leone, Logical Physical Clocks, 2014",
        "Chandy, Lamport, Distributed Snapshots: Determining Global States of Distributed Systems, 1985",
        "Corbett et al., Spanner: Google's Globally-Distributed Database, 2012",
    ],
};

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::CLOCKS,
    runs: Runs::Engine(build),
};

/// Builds a run from a validated scenario.
pub fn build(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build_protocol_lab::<Node>(scenario)?))
}

/// The skew ε at true time `now`: the fastest clock's reading minus the slowest's.
pub fn skew(clocks: &[PhysicalClock], now: Time) -> i64 {
    let readings = clocks.iter().map(|clock| clock.read(now));
    let fastest = readings.clone().max().unwrap_or(0);
    let slowest = readings.min().unwrap_or(0);
    fastest - slowest
}

/// The events of `node` handled at the current instant, each with the one before it.
fn fresh(node: &Node, now: Time) -> impl Iterator<Item = (Option<&Stamped>, &Stamped)> {
    let start = node
        .stamps
        .iter()
        .rposition(|stamped| stamped.time < now)
        .map_or(0, |position| position + 1);
    (start..node.stamps.len()).map(move |index| {
        let previous = index.checked_sub(1).map(|before| &node.stamps[before]);
        (previous, &node.stamps[index])
    })
}

/// IR1 and IR2 for one event: what is wrong, in words, or `None`.
pub fn lamport_condition(previous: Option<&Stamped>, event: &Stamped) -> Option<String> {
    if let Some(previous) = previous
        && event.stamp.lamport <= previous.stamp.lamport
    {
        return Some(format!(
            "event {} has Lamport clock {} but the event before it on the same node has {}: IR1 (increment between successive events) is broken",
            event.index, event.stamp.lamport, previous.stamp.lamport
        ));
    }
    if let EventKind::Receive { from, sent } = &event.kind
        && event.stamp.lamport <= sent.lamport
    {
        return Some(format!(
            "the receive of a message from n{from} stamped L{} got Lamport clock {}: IR2 (move past the message's timestamp) is broken",
            sent.lamport, event.stamp.lamport
        ));
    }
    None
}

/// The vector clock rules for one event.
pub fn vector_condition(previous: Option<&Stamped>, event: &Stamped) -> Option<String> {
    if let Some(previous) = previous
        && !previous.stamp.vector.before(&event.stamp.vector)
    {
        return Some(format!(
            "event {} has vector {} which is not above the previous event's {}",
            event.index,
            event.stamp.vector.render(),
            previous.stamp.vector.render()
        ));
    }
    if let EventKind::Receive { from, sent } = &event.kind
        && !sent.vector.before(&event.stamp.vector)
    {
        return Some(format!(
            "the receive of a message from n{from} with vector {} got vector {}, not above it",
            sent.vector.render(),
            event.stamp.vector.render()
        ));
    }
    None
}

/// The HLC rules for one event, given the skew ε at its time.
pub fn hlc_condition(previous: Option<&Stamped>, event: &Stamped, epsilon: i64) -> Option<String> {
    let hlc = event.stamp.hlc;
    if hlc.l < event.pt {
        return Some(format!(
            "event {} has HLC l = {} µs, behind its physical clock {} µs",
            event.index, hlc.l, event.pt
        ));
    }
    if hlc.l - event.pt > epsilon {
        return Some(format!(
            "event {} has HLC l = {} µs, {} µs ahead of its physical clock {} µs, more than the clock skew ε = {} µs",
            event.index,
            hlc.l,
            hlc.l - event.pt,
            event.pt,
            epsilon
        ));
    }
    if let Some(previous) = previous
        && hlc <= previous.stamp.hlc
    {
        return Some(format!(
            "event {} has HLC ({}, {}), not above the previous event's ({}, {})",
            event.index, hlc.l, hlc.c, previous.stamp.hlc.l, previous.stamp.hlc.c
        ));
    }
    if let EventKind::Receive { from, sent } = &event.kind
        && hlc <= sent.hlc
    {
        return Some(format!(
            "the receive of a message from n{from} stamped HLC ({}, {}) got ({}, {}), not above it",
            sent.hlc.l, sent.hlc.c, hlc.l, hlc.c
        ));
    }
    None
}

fn every_fresh_event(
    view: &SimView<Node>,
    mut check: impl FnMut(Option<&Stamped>, &Stamped) -> Option<String>,
) -> Option<(Vec<NodeId>, String)> {
    let now = view.now();
    view.touched().iter().find_map(|&id| {
        let node = view.node(id)?;
        fresh(node, now).find_map(|(previous, event)| {
            check(previous, event).map(|message| (vec![id], format!("n{id}: {message}")))
        })
    })
}

fn lamport(view: &SimView<Node>) -> Option<(Vec<NodeId>, String)> {
    every_fresh_event(view, lamport_condition)
}

fn vector(view: &SimView<Node>) -> Option<(Vec<NodeId>, String)> {
    every_fresh_event(view, vector_condition)
}

fn all_clocks(view: &SimView<Node>) -> Vec<PhysicalClock> {
    view.nodes().map(|(_, _, node)| node.clock).collect()
}

fn hlc(view: &SimView<Node>) -> Option<(Vec<NodeId>, String)> {
    let epsilon = skew(&all_clocks(view), view.now());
    every_fresh_event(view, |previous, event| {
        hlc_condition(previous, event, epsilon)
    })
}

/// Whether the run stayed inside the snapshot algorithm's model: no transfer lost, no
/// node crashed.
pub fn snapshot_checkable(view: &SimView<Node>) -> bool {
    let crashed = view
        .nodes()
        .any(|(_, status, node)| node.recovered || status == NodeStatus::Crashed);
    let lost = view
        .metrics()
        .kind("Transfer")
        .map_or(0, |counts| counts.dropped);
    !crashed && lost == 0
}

/// The money the bank holds, whatever is in flight: every node's starting balance.
pub fn bank_total(view: &SimView<Node>) -> u64 {
    view.protocol_config().initial_balance * u64::from(view.node_count())
}

/// A snapshot's sum against the total: what is wrong, in words, or `None`.
pub fn snapshot_condition(sum: u64, total: u64) -> Option<String> {
    (sum != total).then(|| {
        format!(
            "the snapshot's recorded balances and channels add up to {sum} but the bank holds {total}: the recorded global state is not consistent"
        )
    })
}

fn snapshot_sum(view: &SimView<Node>) -> Option<(Vec<NodeId>, String)> {
    let now = view.now();
    let finished: Vec<(NodeId, u64, u32)> = view
        .touched()
        .iter()
        .filter_map(|&id| {
            let result = view.node(id)?.last_snapshot.as_ref()?;
            (result.completed_at == now).then_some((id, result.sum, result.snapshot.number))
        })
        .collect();
    if finished.is_empty() || !snapshot_checkable(view) {
        return None;
    }
    let total = bank_total(view);
    finished.into_iter().find_map(|(id, sum, number)| {
        snapshot_condition(sum, total)
            .map(|message| (vec![id], format!("snapshot {number}@n{id}: {message}")))
    })
}

/// TrueTime's guarantee for the latest `TT.now()` of every node that called it just now.
fn truetime_bound(view: &SimView<Node>) -> Option<(Vec<NodeId>, String)> {
    let now = view.now();
    let epsilon = view.protocol_config().epsilon_us;
    view.touched().iter().find_map(|&id| {
        let interval = view.node(id)?.truetime_last?;
        (interval.at == now && !interval.holds_true_time()).then(|| {
            (
                vec![id],
                format!(
                    "n{id}'s TT.now() at true time {now} µs returned [{}, {}], which does not contain it: its clock is {} µs off, more than ε = {epsilon} µs, so TrueTime's guarantee (and commit wait's argument) no longer holds",
                    interval.earliest,
                    interval.latest,
                    (interval.earliest + epsilon as i64) - now as i64,
                ),
            )
        })
    })
}

/// One acknowledged write, as the external-consistency check remembers it.
#[derive(Debug, Clone, Copy)]
struct Acknowledged {
    /// When its client got the answer (true time, µs).
    at: Time,
    /// The largest commit timestamp among the writes acknowledged up to this one, with
    /// that write's request and leader.
    largest: (i64, u64, NodeId),
}

/// External consistency (Spanner, section 4.1.2): if `T1` was acknowledged before `T2`
/// started, `s1 < s2`. It reads only the client history: when each write was sent and
/// answered (true time) and the timestamp in its answer. Acknowledgements come in true
/// time order, so for each newly answered `T2` the largest timestamp among the writes
/// answered before `T2` started is one binary search away.
#[derive(Debug, Clone, Default)]
pub struct ExternalConsistency {
    /// The first history entry not looked at yet.
    next: usize,
    /// Writes sent and not yet answered, by history index.
    waiting: Vec<usize>,
    /// Acknowledged writes in order, each with the running maximum.
    acknowledged: Vec<Acknowledged>,
}

impl Invariant<Node> for ExternalConsistency {
    fn name(&self) -> &str {
        "External consistency"
    }

    fn description(&self) -> &str {
        "If a write was acknowledged before another write started (in true time), the first has the smaller commit timestamp (Spanner, section 4.1.2)."
    }

    fn check(&mut self, view: &SimView<Node>) -> Option<Violation> {
        let history = view.client_history();
        for (index, call) in history.iter().enumerate().skip(self.next) {
            if matches!(call.request, Request::Write { .. }) {
                self.waiting.push(index);
            }
        }
        self.next = history.len();
        // Every answer found here came at this instant (the check runs after every event),
        // so their order among themselves does not matter: none precedes another's start.
        let mut answered: Vec<(Time, usize, i64)> = Vec::new();
        self.waiting.retain(|&index| {
            let call = &history[index];
            match (&call.reply, call.replied_at) {
                (Some(Reply::Write(reply)), Some(at)) => {
                    if reply.committed {
                        answered.push((at, index, reply.timestamp));
                    }
                    false
                }
                _ => true,
            }
        });
        let mut broken = None;
        for (at, index, timestamp) in answered {
            let call = &history[index];
            let before = self
                .acknowledged
                .partition_point(|earlier| earlier.at < call.invoked_at);
            if broken.is_none()
                && let Some(earlier) = before.checked_sub(1).map(|last| self.acknowledged[last])
                && earlier.largest.0 >= timestamp
            {
                let (s1, request1, node1) = earlier.largest;
                let acknowledged_at = history[request1 as usize].replied_at.unwrap_or(0);
                broken = Some(Violation {
                    property: String::new(),
                    time: 0,
                    nodes: vec![node1, call.node],
                    message: format!(
                        "write {} at n{} started at true time {} µs, after write {request1} at n{node1} was acknowledged at {acknowledged_at} µs, yet its commit timestamp {timestamp} µs is not above that write's {s1} µs{}",
                        call.id,
                        call.node,
                        call.invoked_at,
                        if s1 > acknowledged_at as i64 {
                            format!(
                                " (write {request1}'s timestamp was still {} µs in the future when it was acknowledged, which commit wait exists to prevent)",
                                s1 - acknowledged_at as i64
                            )
                        } else {
                            String::new()
                        }
                    ),
                });
            }
            let largest = match self.acknowledged.last() {
                Some(last) if last.largest.0 >= timestamp => last.largest,
                _ => (timestamp, call.id, call.node),
            };
            self.acknowledged.push(Acknowledged { at, largest });
        }
        broken
    }
}

fn node_argument(action: &str, args: &serde_json::Value) -> Result<NodeId, ActionError> {
    args.get("node")
        .and_then(serde_json::Value::as_u64)
        .and_then(|node| NodeId::try_from(node).ok())
        .ok_or_else(|| ActionError::Invalid(format!("{action}: args.node must name a node")))
}

fn lab_action(
    sim: &mut Simulator<Node>,
    name: &str,
    args: &serde_json::Value,
) -> Result<(), ActionError> {
    match name {
        "snapshot" => {
            let node = node_argument(name, args)?;
            sim.client_request(node, Request::Snapshot).map(|_| ())
        }
        "write" => {
            let node = node_argument(name, args)?;
            let value = sim.client_history().len() as u64;
            sim.client_request(node, Request::Write { value })
                .map(|_| ())
        }
        other => Err(ActionError::UnknownLabAction(other.to_string())),
    }
}

fn observe(sim: &Simulator<Node>, metrics: &mut Metrics) {
    let now = sim.now();
    metrics.set_gauge("clock_skew_us", skew(&all_clocks(sim), now) as f64);
    let mut ahead = metrics
        .gauges
        .get("hlc_ahead_max_us")
        .copied()
        .unwrap_or(0.0);
    let mut counter = metrics
        .gauges
        .get("hlc_counter_max")
        .copied()
        .unwrap_or(0.0);
    let mut held = metrics.gauges.get("held_back_max").copied().unwrap_or(0.0);
    let mut completed = 0;
    let mut latest: Option<(Time, u64)> = None;
    for &id in sim.touched() {
        let Some(node) = sim.node(id) else { continue };
        for (_, event) in fresh(node, now) {
            ahead = ahead.max((event.stamp.hlc.l - event.pt) as f64);
            counter = counter.max(f64::from(event.stamp.hlc.c));
        }
        held = held.max(node.held_back.len() as f64);
    }
    let (mut commits, mut latency_total, mut latency_max, mut refused) = (0, 0, 0, 0);
    for (_, _, node) in sim.nodes() {
        commits += node.commits;
        latency_total += node.commit_latency_us_total;
        latency_max = latency_max.max(node.commit_latency_us_max);
        refused += node.writes_refused;
        completed += node.snapshots_completed;
        if let Some(result) = &node.last_snapshot
            && latest.is_none_or(|(at, _)| result.completed_at > at)
        {
            latest = Some((result.completed_at, result.sum));
        }
    }
    metrics.set_gauge("hlc_ahead_max_us", ahead);
    metrics.set_gauge("hlc_counter_max", counter);
    metrics.set_gauge("held_back_max", held);
    metrics.set_gauge("snapshots_completed", completed as f64);
    if commits + refused > 0 {
        metrics.set_gauge("writes_committed", commits as f64);
        metrics.set_gauge("writes_refused", refused as f64);
        let mean = latency_total as f64 / commits.max(1) as f64;
        metrics.set_gauge(
            "commit_wait_ms_mean",
            (mean / 1_000.0 * 1_000.0).round() / 1_000.0,
        );
        metrics.set_gauge("commit_wait_ms_max", latency_max as f64 / 1_000.0);
    }
    // Whether the run is checkable costs a look at every metric, so it is worked out once,
    // when a snapshot finishes: the gauges describe the latest finished snapshot.
    if let Some((completed_at, sum)) = latest
        && completed_at == now
    {
        metrics.set_gauge("snapshot_sum", sum as f64);
        metrics.set_gauge("snapshot_expected", bank_total(sim) as f64);
        metrics.set_gauge(
            "snapshot_checkable",
            if snapshot_checkable(sim) { 1.0 } else { 0.0 },
        );
    }
}

/// Draws `count` clocks within the bounds, from a ChaCha8 generator seeded with `seed`.
pub fn draw_clocks(
    seed: u64,
    count: u32,
    offset_us_max: u64,
    drift_ppm_max: u64,
) -> Vec<PhysicalClock> {
    let mut rng = SimRng::new(seed);
    (0..count)
        .map(|_| {
            let offset = rng.range_inclusive(0, 2 * offset_us_max) as i64 - offset_us_max as i64;
            let drift = rng.range_inclusive(0, 2 * drift_ppm_max) as i64 - drift_ppm_max as i64;
            PhysicalClock {
                offset_us: offset,
                drift_ppm: drift,
            }
        })
        .collect()
}

impl LabProtocol for Node {
    const INFO: LabInfo = INFO;
    const SWEEP_METRICS: &'static [&'static str] = &["messages_delivered", "clock_skew_us"];

    fn invariants(_config: &Config) -> Vec<Box<dyn Invariant<Self>>> {
        vec![
            Box::new(FnInvariant::new(
                "Lamport's Clock Condition",
                "A node's Lamport clock grows with every event (IR1) and a receive's clock is above the message's timestamp (IR2), so a -> b implies L(a) < L(b).",
                lamport,
            )),
            Box::new(FnInvariant::new(
                "Vector clocks order events",
                "A node's vector grows with every event and a message's vector is below its receive's.",
                vector,
            )),
            Box::new(FnInvariant::new(
                "HLC within the clock skew",
                "An event's HLC l is never behind its node's physical clock and at most the skew ε (fastest clock minus slowest) ahead of it; (l, c) grows with every event and across every message.",
                hlc,
            )),
            Box::new(FnInvariant::new(
                "Snapshot sum is the total",
                "A finished Chandy-Lamport snapshot's recorded balances plus recorded channel transfers equal the money the bank holds (checked while no transfer is lost and no node crashed).",
                snapshot_sum,
            )),
            Box::new(FnInvariant::new(
                "TrueTime interval holds true time",
                "Every TT.now() a leader calls, its clock ± ε, contains the true time of the call (Spanner, section 3); it fails when a clock's error exceeds ε.",
                truetime_bound,
            )),
            Box::new(ExternalConsistency::default()),
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

    /// Bounds the nodes, fills the workload's seed from the scenario's, and draws the
    /// clocks the scenario leaves out (for every node a run may add, too).
    fn prepare(scenario: &Scenario) -> Result<std::borrow::Cow<'_, Scenario>, ScenarioError> {
        if scenario.nodes > NODES_MAX {
            return Err(ScenarioError::at(
                "nodes",
                format!(
                    "the time and order lab runs at most {NODES_MAX} nodes, got {}",
                    scenario.nodes
                ),
            ));
        }
        let mut prepared = scenario.clone();
        prepared.limits.max_nodes = prepared.limits.max_nodes.min(NODES_MAX);
        // A parameter error is left for the engine to report with its path.
        let mut config: Config = if scenario.params.is_null() {
            Config::default()
        } else {
            match crate::sim::decode_json(&scenario.params) {
                Ok(config) => config,
                Err(_) => return Ok(std::borrow::Cow::Owned(prepared)),
            }
        };
        if config.validate().is_err() {
            return Ok(std::borrow::Cow::Owned(prepared));
        }
        if config.seed.is_none() {
            config.seed = Some(scenario.seed);
        }
        if config.clocks.len() < NODES_MAX as usize {
            let drawn = draw_clocks(
                scenario.seed,
                NODES_MAX,
                config.offset_us_max,
                config.drift_ppm_max,
            );
            let given = config.clocks.len();
            config.clocks.extend_from_slice(&drawn[given..]);
        }
        prepared.params = serde_json::to_value(&config)
            .map_err(|error| ScenarioError::at("params", error.to_string()))?;
        Ok(std::borrow::Cow::Owned(prepared))
    }
}
