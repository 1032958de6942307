//! The deterministic discrete-event simulator.
//!
//! A [`Simulator`] owns everything nondeterministic about a distributed system:
//! virtual time, the event queue, the network, the disks and the one seeded random
//! generator. Protocol nodes are pure state machines (see `protocol`); the simulator
//! calls their handlers one event at a time and carries out the effects they record.
//!
//! Events are ordered by `(time, order of scheduling)` (see `queue`), so two events
//! at the same microsecond happen in the order they were scheduled and every run is
//! a pure function of its scenario and seed. Stale entries (a timer re-armed or
//! cancelled, a disk write lost in a crash) stay in the queue and are skipped when
//! they reach its head, which is cheaper than searching the queue to remove them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::collections::SortedSet;
use crate::event::{Action, ActionError, DropReason, NodeStatus, TraceEvent};
use crate::invariant::{
    CheckerLimit, Invariant, InvariantKind, InvariantStatus, Violation, Warning,
};
use crate::metrics::Metrics;
use crate::network::{LinkConfig, Network, Transmission};
use crate::protocol::{Context, Effect, MessageInfo, NodeId, OutFor, Protocol, RequestId, Time};
use crate::queue::EventQueue;
use crate::rng::SimRng;
use crate::trace::{MessageLink, Payload, Trace};

/// The read-only view of a simulation that invariants and observers get.
pub type SimView<P> = Simulator<P>;

/// How many recent drops are kept for the UI.
pub const RECENT_DROPS_MAX: usize = 1_000;

/// How many violations are kept (one per invariant is recorded; this caps labs
/// with very many invariants).
pub const VIOLATIONS_MAX: usize = 256;

/// How many errors from scheduled actions are kept.
pub const ACTION_ERRORS_MAX: usize = 256;

/// The simulator's settings, from the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The seed of the run's one random generator.
    pub seed: u64,
    /// How long a disk write takes (µs).
    pub disk_write_latency: Time,
    /// The most events a run may process.
    pub max_events: u64,
    /// The most messages that may be in flight at once; sends beyond it are dropped.
    pub max_in_flight: u64,
    /// The most nodes the cluster may grow to.
    pub max_nodes: u32,
    /// The most client requests a run may issue.
    pub max_client_requests: u64,
    /// How many trace entries are kept for the UI (all are hashed).
    pub trace_capacity: usize,
    /// Whether `run_until` stops at the first violation.
    pub stop_on_violation: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            disk_write_latency: 1_000,
            max_events: 10_000_000,
            max_in_flight: 1_000_000,
            max_nodes: 1_000,
            max_client_requests: 1_000_000,
            trace_capacity: 10_000,
            stop_on_violation: false,
        }
    }
}

/// Why a bounded run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStop {
    /// It reached the requested time.
    ReachedTime,
    /// Nothing was left to happen.
    QueueEmpty,
    /// It hit `limits.max_events`.
    MaxEvents,
    /// An invariant was violated and the scenario asked to stop there.
    Violation,
}

/// Where a generated client request goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// A node chosen uniformly among those not removed.
    Random,
    /// Each node not removed in turn.
    RoundRobin,
    /// Always this node.
    Node(NodeId),
}

/// A steady stream of client requests.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestGenerator {
    /// Time between two requests (µs, at least 1).
    pub interval: Time,
    /// When the first request goes out (µs).
    pub start: Time,
    /// When the stream stops (µs), if it does.
    pub stop: Option<Time>,
    /// Where requests go.
    pub target: Target,
    /// The request in JSON; the string `"$n"` becomes the request's number and
    /// `$n` inside a longer string is replaced by it.
    pub template: serde_json::Value,
    /// How many requests were generated so far.
    pub generated: u64,
    /// The next node for round-robin targeting.
    pub round_robin_next: usize,
}

/// Fills the `$n` placeholders of a request template.
pub fn fill_template(template: &serde_json::Value, number: u64) -> serde_json::Value {
    use serde_json::Value;
    match template {
        Value::String(text) if text == "$n" => Value::from(number),
        Value::String(text) if text.contains("$n") => {
            Value::String(text.replace("$n", &number.to_string()))
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| fill_template(item, number))
                .collect(),
        ),
        Value::Object(fields) => {
            let mut filled = fields.clone();
            for value in filled.values_mut() {
                *value = fill_template(value, number);
            }
            Value::Object(filled)
        }
        other => other.clone(),
    }
}

/// One client request and its answer, for checkers such as linearizability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientCall<Q, R> {
    /// The request's id.
    pub id: RequestId,
    /// The node the client sent it to.
    pub node: NodeId,
    /// When it was sent (µs).
    pub invoked_at: Time,
    /// What was asked.
    pub request: Q,
    /// When the answer came (µs), if it did.
    pub replied_at: Option<Time>,
    /// The answer, if any.
    pub reply: Option<R>,
}

/// The client history type of protocol `P`.
pub type ClientHistory<P> = Vec<ClientCall<<P as Protocol>::Request, <P as Protocol>::Reply>>;

/// A message on its way, or one just dropped, as the UI sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageView {
    /// A run-unique id, stable while the message is in flight (for animation).
    pub id: u64,
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// When it was sent (µs).
    pub sent_at: Time,
    /// When it arrives, or was dropped (µs).
    pub deliver_at: Time,
    /// The message kind.
    pub kind: &'static str,
    /// A one-line summary.
    pub summary: String,
    /// Why it was dropped, for dropped messages.
    pub dropped: Option<DropReason>,
}

/// A node as the UI sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeView {
    /// The node's id.
    pub id: NodeId,
    /// Its lifecycle state.
    pub status: NodeStatus,
    /// Its protocol role (`""` if the protocol has none).
    pub role: &'static str,
    /// A short label, e.g. `"n3"`.
    pub label: String,
}

/// A timer the protocol says is worth showing (see [`Protocol::shown_timer`]), armed at one
/// node: the canvas draws it as a ring that drains from `set_at` to `due_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimerView {
    /// The node whose timer it is.
    pub node: NodeId,
    /// What the protocol calls it, e.g. `"election"`.
    pub label: &'static str,
    /// When it was last armed (µs); re-arming it (a Raft heartbeat) moves this forward.
    pub set_at: Time,
    /// When it fires unless re-armed or cancelled first (µs).
    pub due_at: Time,
}

/// A directed link that differs from the default or is down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkView {
    /// The sender side.
    pub from: NodeId,
    /// The receiver side.
    pub to: NodeId,
    /// Whether messages can cross.
    pub up: bool,
    /// How the link behaves.
    pub config: LinkConfig,
}

/// What the queue holds.
#[derive(Debug, Clone)]
enum EventKind<P: Protocol> {
    Deliver {
        id: u64,
        from: NodeId,
        to: NodeId,
        sent_at: Time,
        message: P::Message,
    },
    Timer {
        node: NodeId,
        timer: P::Timer,
        generation: u64,
    },
    DiskWriteDone {
        node: NodeId,
        write: u64,
    },
    /// A client request delivered to a paused node, waiting for it to resume.
    ClientDelivery {
        node: NodeId,
        id: RequestId,
        request: P::Request,
    },
    /// The scenario timeline's action number `index`.
    Scheduled {
        index: u32,
    },
    /// The scenario workload's request number `index`.
    Workload {
        index: u32,
    },
    /// The request generator's next request.
    Generate,
}

/// The size in bytes of one queued event for protocol `P`: the memory one
/// in-flight message takes, besides any heap data the message owns.
pub fn queue_entry_size<P: Protocol>() -> usize {
    crate::queue::entry_size::<EventKind<P>>()
}

type HeldEffect<P> =
    Effect<<P as Protocol>::Message, <P as Protocol>::Timer, <P as Protocol>::Reply>;

#[derive(Debug, Clone)]
struct PendingWrite<P: Protocol> {
    id: u64,
    durable: P::Durable,
    held: Vec<HeldEffect<P>>,
}

/// An armed timer: the generation that tells its queue entry from stale ones, and when it was
/// armed and is due (kept for the UI's timer view; the queue alone decides when it fires).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ArmedTimer {
    generation: u64,
    set_at: Time,
    due_at: Time,
}

#[derive(Debug, Clone)]
struct NodeSlot<P: Protocol> {
    state: P,
    status: NodeStatus,
    durable: P::Durable,
    /// A B-tree, not a sorted vector: a load balancer arms one timer per request in
    /// flight (up to `balancer_pending_max`, 10,000 by default) and sets and cancels them
    /// out of order on every request, which would move the whole vector each time.
    timers: BTreeMap<P::Timer, ArmedTimer>,
    pending_writes: VecDeque<PendingWrite<P>>,
    disk_busy_until: Time,
    backlog: Vec<EventKind<P>>,
}

#[derive(Debug, Clone)]
struct DropRecord<P: Protocol> {
    id: u64,
    from: NodeId,
    to: NodeId,
    sent_at: Time,
    dropped_at: Time,
    reason: DropReason,
    message: P::Message,
}

/// A hook that carries out lab-specific actions (`Action::Lab`).
pub type LabActionFn<P> =
    fn(&mut Simulator<P>, &str, &serde_json::Value) -> Result<(), ActionError>;

/// A hook called after every event so a lab can update its own metrics.
pub type ObserverFn<P> = fn(&Simulator<P>, &mut Metrics);

/// A deterministic simulation of a cluster running protocol `P`.
#[derive(Debug, Clone)]
pub struct Simulator<P: Protocol> {
    config: SimConfig,
    protocol_config: P::Config,
    now: Time,
    events: u64,
    steps: u64,
    queue: EventQueue<EventKind<P>>,
    rng: SimRng,
    network: Network,
    nodes: Vec<NodeSlot<P>>,
    initial_members: Vec<NodeId>,
    live_ids: Vec<NodeId>,
    out: OutFor<P>,
    next_generation: u64,
    next_write: u64,
    next_message_id: u64,
    in_flight: u64,
    trace: Trace<P>,
    metrics: Metrics,
    history: ClientHistory<P>,
    recent_drops: VecDeque<DropRecord<P>>,
    invariants: Vec<Box<dyn Invariant<P>>>,
    invariant_violated: Vec<Option<Violation>>,
    violations: Vec<Violation>,
    warnings: Vec<Warning>,
    checker_limits: Vec<Option<CheckerLimit>>,
    violation_pending_stop: bool,
    timeline: Arc<Vec<Action>>,
    workload: Arc<Vec<(NodeId, P::Request)>>,
    generator: Option<RequestGenerator>,
    action_errors: Vec<String>,
    lab_action: Option<LabActionFn<P>>,
    observer: Option<ObserverFn<P>>,
    started: bool,
    touched: Vec<NodeId>,
}

impl<P: Protocol + 'static> Simulator<P> {
    /// A cluster of `node_count` fresh nodes (ids `0..node_count`) on `network`.
    /// Nodes start when [`Simulator::start`] is called, so that scheduled actions
    /// and requests can be added first.
    pub fn new(
        config: SimConfig,
        protocol_config: P::Config,
        network: Network,
        node_count: u32,
    ) -> Self {
        let node_count = node_count.min(config.max_nodes);
        let initial_members: Vec<NodeId> = (0..node_count).collect();
        let nodes = initial_members
            .iter()
            .map(|&id| NodeSlot {
                state: P::new(id, &initial_members, &protocol_config),
                status: NodeStatus::Up,
                durable: P::Durable::default(),
                timers: BTreeMap::new(),
                pending_writes: VecDeque::new(),
                disk_busy_until: 0,
                backlog: Vec::new(),
            })
            .collect();
        Self {
            rng: SimRng::new(config.seed),
            trace: Trace::new(config.trace_capacity),
            config,
            protocol_config,
            now: 0,
            events: 0,
            steps: 0,
            queue: EventQueue::new(),
            network,
            nodes,
            live_ids: initial_members.clone(),
            initial_members,
            out: OutFor::<P>::new(),
            next_generation: 0,
            next_write: 0,
            next_message_id: 0,
            in_flight: 0,
            metrics: Metrics::default(),
            history: Vec::new(),
            recent_drops: VecDeque::new(),
            invariants: Vec::new(),
            invariant_violated: Vec::new(),
            violations: Vec::new(),
            warnings: Vec::new(),
            checker_limits: Vec::new(),
            violation_pending_stop: false,
            timeline: Arc::new(Vec::new()),
            workload: Arc::new(Vec::new()),
            generator: None,
            action_errors: Vec::new(),
            lab_action: None,
            observer: None,
            started: false,
            touched: Vec::new(),
        }
    }

    /// Registers an invariant, checked after every event from now on.
    pub fn add_invariant(&mut self, invariant: Box<dyn Invariant<P>>) {
        self.invariants.push(invariant);
        self.invariant_violated.push(None);
        self.checker_limits.push(None);
    }

    /// Sets the hook for lab-specific actions.
    pub fn set_lab_action(&mut self, hook: LabActionFn<P>) {
        self.lab_action = Some(hook);
    }

    /// Sets the hook that updates lab metrics after every event.
    pub fn set_observer(&mut self, hook: ObserverFn<P>) {
        self.observer = Some(hook);
    }

    /// Schedules the scenario's timeline: each action at its time (µs). Call before
    /// [`Simulator::start`] so that an action at time `t` comes before anything
    /// else scheduled for `t`.
    pub fn schedule_timeline(&mut self, entries: Vec<(Time, Action)>) {
        let mut actions = Vec::with_capacity(entries.len());
        for (index, (time, action)) in entries.into_iter().enumerate() {
            actions.push(action);
            self.push(
                time,
                EventKind::Scheduled {
                    index: index as u32,
                },
            );
        }
        self.timeline = Arc::new(actions);
    }

    /// Schedules explicit client requests: `(time, node, request)`.
    pub fn schedule_requests(&mut self, entries: Vec<(Time, NodeId, P::Request)>) {
        let mut requests = Vec::with_capacity(entries.len());
        for (index, (time, node, request)) in entries.into_iter().enumerate() {
            requests.push((node, request));
            self.push(
                time,
                EventKind::Workload {
                    index: index as u32,
                },
            );
        }
        self.workload = Arc::new(requests);
    }

    /// Installs a request generator.
    pub fn set_generator(&mut self, generator: RequestGenerator) {
        let start = generator.start;
        self.generator = Some(generator);
        self.push(start, EventKind::Generate);
    }

    /// Starts every node (calls `on_start` in id order). Does nothing the second time.
    pub fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        for id in 0..self.nodes.len() as NodeId {
            self.run_handler(id, |state, context, out| state.on_start(context, out));
        }
        self.after_change();
    }

    // ----- Queries -------------------------------------------------------------

    /// The current virtual time (µs).
    pub fn now(&self) -> Time {
        self.now
    }

    /// How many events were processed. Scenario timeline actions are not counted,
    /// so a run and the scenario exported from it (where the learner's actions
    /// become timeline entries) count the same events and hit `max_events` at the
    /// same point.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// How many queue entries were processed, timeline actions included. Time
    /// travel uses it to re-apply an action exactly where it was first applied.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The run's fingerprint so far.
    pub fn trace_hash(&self) -> u64 {
        self.trace.hash()
    }

    /// The event log.
    pub fn trace(&self) -> &Trace<P> {
        &self.trace
    }

    /// The run's counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The settings.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The lab parameters every node was built with.
    pub fn protocol_config(&self) -> &P::Config {
        &self.protocol_config
    }

    /// How many nodes exist (including crashed and removed ones).
    pub fn node_count(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// The nodes not removed, in id order.
    pub fn live_ids(&self) -> &[NodeId] {
        &self.live_ids
    }

    /// Node `id`'s protocol state. For a crashed node this is the state it had
    /// when it crashed, which it has lost; use [`Simulator::durable`] for what
    /// survives.
    pub fn node(&self, id: NodeId) -> Option<&P> {
        self.nodes.get(id as usize).map(|slot| &slot.state)
    }

    /// Node `id`'s lifecycle state.
    pub fn status(&self, id: NodeId) -> Option<NodeStatus> {
        self.nodes.get(id as usize).map(|slot| slot.status)
    }

    /// What node `id`'s disk holds (the last completed write).
    pub fn durable(&self, id: NodeId) -> Option<&P::Durable> {
        self.nodes.get(id as usize).map(|slot| &slot.durable)
    }

    /// Every node with its status and state, in id order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, NodeStatus, &P)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(id, slot)| (id as NodeId, slot.status, &slot.state))
    }

    /// Every client request so far, by id.
    pub fn client_history(&self) -> &ClientHistory<P> {
        &self.history
    }

    /// Violations recorded so far (the first of each invariant).
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Liveness expectations not met so far (the first miss of each), in the order seen.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The checkers that reached the cap on what they remember, with when and what
    /// they stopped recording.
    pub fn checker_limits(&self) -> Vec<CheckerLimit> {
        self.checker_limits.iter().flatten().cloned().collect()
    }

    /// Each invariant with its state.
    pub fn invariant_statuses(&self) -> Vec<InvariantStatus> {
        self.invariants
            .iter()
            .zip(&self.invariant_violated)
            .map(|(invariant, failure)| {
                let kind = invariant.kind();
                let (violation, warning) = match kind {
                    InvariantKind::Safety => (failure.clone(), None),
                    InvariantKind::Liveness => (None, failure.clone().map(Warning::from)),
                };
                InvariantStatus {
                    name: invariant.name().to_string(),
                    description: invariant.description().to_string(),
                    kind,
                    ok: failure.is_none(),
                    violation,
                    warning,
                }
            })
            .collect()
    }

    /// Errors from scheduled actions that could not be applied (e.g. restarting a
    /// node that is up), with their times.
    pub fn action_errors(&self) -> &[String] {
        &self.action_errors
    }

    /// The nodes whose handlers ran during the last event or action, in the order
    /// they first ran. Invariants that only concern one node's own state can check
    /// just these instead of every node.
    pub fn touched(&self) -> &[NodeId] {
        &self.touched
    }

    /// How many messages are in flight (including those waiting at paused nodes).
    pub fn in_flight_count(&self) -> u64 {
        self.in_flight
    }

    /// When the next event happens, if anything is scheduled.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek().map(|(time, _)| time)
    }

    /// Every message on its way, ordered by arrival time, then id. Messages waiting
    /// at a paused receiver are included with the time they arrived.
    pub fn in_flight(&self) -> Vec<MessageView> {
        let mut views: Vec<MessageView> = self
            .queue
            .iter()
            .filter_map(|(time, kind)| match kind {
                EventKind::Deliver {
                    id,
                    from,
                    to,
                    sent_at,
                    message,
                } => Some(message_view(*id, *from, *to, *sent_at, time, message, None)),
                _ => None,
            })
            .collect();
        for slot in &self.nodes {
            for kind in &slot.backlog {
                if let EventKind::Deliver {
                    id,
                    from,
                    to,
                    sent_at,
                    message,
                } = kind
                {
                    views.push(message_view(
                        *id, *from, *to, *sent_at, self.now, message, None,
                    ));
                }
            }
        }
        views.sort_by_key(|view| (view.deliver_at, view.id));
        views
    }

    /// A sample of the messages on their way, for drawing a cluster too busy to draw
    /// whole: those whose id is a multiple of `stride` (0 is taken as 1), at most
    /// `max` of them, in no particular order. Message ids are handed out in sending
    /// order, so the sample is spread evenly over the traffic, and a message in it stays
    /// in it for as long as it flies (no flicker from frame to frame while `stride`
    /// holds). Unlike [`Simulator::in_flight`] it does not sort and builds a view only
    /// for the messages it returns, so its cost is one pass over the queue. Without
    /// `summaries` each view's summary is left empty, which saves formatting thousands
    /// of strings per frame for a canvas that shows no tooltips.
    pub fn in_flight_sample(&self, stride: u64, max: usize, summaries: bool) -> Vec<MessageView> {
        let stride = stride.max(1);
        let queued = self.queue.iter().filter_map(|(time, kind)| match kind {
            EventKind::Deliver {
                id,
                from,
                to,
                sent_at,
                message,
            } if id % stride == 0 => Some((*id, *from, *to, *sent_at, time, message)),
            _ => None,
        });
        let waiting = self.nodes.iter().flat_map(|slot| {
            slot.backlog.iter().filter_map(|kind| match kind {
                EventKind::Deliver {
                    id,
                    from,
                    to,
                    sent_at,
                    message,
                } if id % stride == 0 => Some((*id, *from, *to, *sent_at, self.now, message)),
                _ => None,
            })
        });
        queued
            .chain(waiting)
            .take(max)
            .map(|(id, from, to, sent_at, deliver_at, message)| {
                if summaries {
                    message_view(id, from, to, sent_at, deliver_at, message, None)
                } else {
                    MessageView {
                        id,
                        from,
                        to,
                        sent_at,
                        deliver_at,
                        kind: message.kind(),
                        summary: String::new(),
                        dropped: None,
                    }
                }
            })
            .collect()
    }

    /// Messages dropped at or after `since` (µs), oldest first (the newest
    /// [`RECENT_DROPS_MAX`] are kept).
    pub fn recent_drops(&self, since: Time) -> Vec<MessageView> {
        self.recent_drops
            .iter()
            .filter(|record| record.dropped_at >= since)
            .map(|record| {
                message_view(
                    record.id,
                    record.from,
                    record.to,
                    record.sent_at,
                    record.dropped_at,
                    &record.message,
                    Some(record.reason),
                )
            })
            .collect()
    }

    /// Directed links that differ from the default or are down, in order, at most
    /// `limit` of them (a partition of many nodes cuts very many links).
    pub fn links(&self, limit: usize) -> Vec<LinkView> {
        let mut views: BTreeMap<(NodeId, NodeId), LinkView> = BTreeMap::new();
        for (&(from, to), config) in self.network.overrides() {
            if views.len() >= limit {
                break;
            }
            views.insert(
                (from, to),
                LinkView {
                    from,
                    to,
                    up: self.network.is_up(from, to),
                    config: config.clone(),
                },
            );
        }
        let add_if_down =
            |views: &mut BTreeMap<(NodeId, NodeId), LinkView>, from: NodeId, to: NodeId| {
                if views.len() < limit && from != to && !self.network.is_up(from, to) {
                    views.entry((from, to)).or_insert_with(|| LinkView {
                        from,
                        to,
                        up: false,
                        config: self.network.link(from, to).clone(),
                    });
                }
            };
        // Look only where a fault can be, so a cut in a large cluster does not
        // cost a scan of every pair; only a partition needs one, and then most
        // pairs are down anyway and `limit` ends the scan.
        for &(from, to) in self.network.cut_links() {
            add_if_down(&mut views, from, to);
        }
        for &node in self.network.isolated_nodes() {
            for &other in &self.live_ids {
                add_if_down(&mut views, node, other);
                add_if_down(&mut views, other, node);
            }
        }
        if self.network.is_partitioned() {
            'outer: for &from in &self.live_ids {
                for &to in &self.live_ids {
                    if views.len() >= limit {
                        break 'outer;
                    }
                    add_if_down(&mut views, from, to);
                }
            }
        }
        views.into_values().collect()
    }

    /// The armed timers of live nodes (up or paused) that the protocol names for display, by
    /// node, then in timer order. A crashed node's timers died with it, so it has none.
    pub fn shown_timers(&self) -> Vec<TimerView> {
        let mut views = Vec::new();
        for (id, slot) in self.nodes.iter().enumerate() {
            if !matches!(slot.status, NodeStatus::Up | NodeStatus::Paused) {
                continue;
            }
            for (timer, armed) in &slot.timers {
                if let Some(label) = P::shown_timer(timer) {
                    views.push(TimerView {
                        node: id as NodeId,
                        label,
                        set_at: armed.set_at,
                        due_at: armed.due_at,
                    });
                }
            }
        }
        views
    }

    /// Each node as the UI shows it.
    pub fn node_views(&self) -> Vec<NodeView> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(id, slot)| NodeView {
                id: id as NodeId,
                status: slot.status,
                role: match slot.status {
                    NodeStatus::Up | NodeStatus::Paused => slot.state.role(),
                    NodeStatus::Crashed | NodeStatus::Removed => "",
                },
                label: format!("n{id}"),
            })
            .collect()
    }

    // ----- Running -------------------------------------------------------------

    /// Processes the next event. Returns false if nothing is left or the event
    /// bound was reached.
    pub fn step(&mut self) -> bool {
        if !self.started {
            self.start();
        }
        if self.events >= self.config.max_events {
            return false;
        }
        let Some((time, kind)) = self.queue.pop() else {
            return false;
        };
        debug_assert!(time >= self.now, "time never runs backwards");
        self.touched.clear();
        self.now = self.now.max(time);
        self.steps += 1;
        if !matches!(kind, EventKind::Scheduled { .. }) {
            self.events += 1;
        }
        self.handle(kind);
        self.after_change();
        true
    }

    /// Processes every event before time `until` (µs) and then sets the clock to
    /// `until`, unless a bound stops the run first.
    pub fn run_until(&mut self, until: Time) -> RunStop {
        self.run_bounded(until, u64::MAX)
            .unwrap_or(RunStop::MaxEvents)
    }

    /// Like [`Simulator::run_until`], but also stops once `steps_max` queue
    /// entries have been processed in total ([`Simulator::steps`]); it then
    /// returns `None` and the clock stays at the last event. Time travel uses this to stop exactly where an action was
    /// applied or a snapshot is due.
    pub fn run_bounded(&mut self, until: Time, steps_max: u64) -> Option<RunStop> {
        if !self.started {
            self.start();
        }
        loop {
            if self.violation_pending_stop && self.config.stop_on_violation {
                // Stop once per violation; running again continues past it.
                self.violation_pending_stop = false;
                return Some(RunStop::Violation);
            }
            if self.events >= self.config.max_events {
                return Some(RunStop::MaxEvents);
            }
            if self.steps >= steps_max {
                return None;
            }
            match self.next_event_time() {
                Some(time) if time < until => {
                    self.step();
                }
                Some(_) => {
                    self.now = self.now.max(until);
                    return Some(RunStop::ReachedTime);
                }
                None => {
                    self.now = self.now.max(until);
                    return Some(RunStop::QueueEmpty);
                }
            }
        }
    }

    /// Moves the clock forward to `time` without processing anything. Used when
    /// replaying an action that was applied between events.
    pub fn advance_clock(&mut self, time: Time) {
        self.now = self.now.max(time);
    }

    /// A rough count of the bytes this simulation occupies, for bounding the
    /// memory time-travel snapshots use.
    pub fn approximate_bytes(&self) -> usize {
        let queue = self.queue.len() * queue_entry_size::<P>();
        // Node states own heap data the simulator cannot see; 256 bytes per node
        // is a deliberate overestimate for the labs so far.
        let nodes = self.nodes.len() * (std::mem::size_of::<NodeSlot<P>>() + 256);
        let trace = self
            .config
            .trace_capacity
            .min(self.trace.recorded() as usize)
            / 16
            * std::mem::size_of::<crate::trace::TraceRecord<P>>();
        let history = self.history.len() * std::mem::size_of::<ClientCall<P::Request, P::Reply>>();
        let drops = self.recent_drops.len() * std::mem::size_of::<DropRecord<P>>();
        std::mem::size_of::<Self>() + queue + nodes + trace + history + drops
    }

    // ----- Actions -------------------------------------------------------------

    fn check_node(&self, node: NodeId) -> Result<NodeStatus, ActionError> {
        self.status(node).ok_or(ActionError::UnknownNode {
            node,
            last: self.node_count().saturating_sub(1),
        })
    }

    /// Restarts every crashed node: the `restart_crashed` lab action the consensus labs
    /// share.
    pub fn restart_crashed(&mut self) -> Result<(), ActionError> {
        let crashed: Vec<NodeId> = self
            .nodes()
            .filter(|(_, status, _)| *status == NodeStatus::Crashed)
            .map(|(id, _, _)| id)
            .collect();
        for node in crashed {
            self.apply(&Action::Restart { node })?;
        }
        Ok(())
    }

    /// Applies `action` now. Errors leave the simulation unchanged.
    pub fn apply(&mut self, action: &Action) -> Result<(), ActionError> {
        if !self.started {
            self.start();
        }
        self.touched.clear();
        let result = self.apply_inner(action);
        self.after_change();
        result
    }

    fn wrong_status(action: &'static str, node: NodeId, status: NodeStatus) -> ActionError {
        ActionError::WrongStatus {
            action,
            node,
            status: match status {
                NodeStatus::Up => "up",
                NodeStatus::Crashed => "crashed",
                NodeStatus::Paused => "paused",
                NodeStatus::Removed => "removed",
            },
        }
    }

    fn apply_inner(&mut self, action: &Action) -> Result<(), ActionError> {
        let now = self.now;
        match action {
            Action::Crash { node } => {
                let status = self.check_node(*node)?;
                if !matches!(status, NodeStatus::Up | NodeStatus::Paused) {
                    return Err(Self::wrong_status("crash", *node, status));
                }
                self.take_down(*node, NodeStatus::Crashed);
                self.record(TraceEvent::Crash { node: *node }, Payload::None);
            }
            Action::Restart { node } => {
                let status = self.check_node(*node)?;
                if status != NodeStatus::Crashed {
                    return Err(Self::wrong_status("restart", *node, status));
                }
                let slot = &mut self.nodes[*node as usize];
                slot.state = P::recover(
                    *node,
                    &self.initial_members,
                    &self.protocol_config,
                    slot.durable.clone(),
                );
                slot.status = NodeStatus::Up;
                self.record(TraceEvent::Restart { node: *node }, Payload::None);
                self.run_handler(*node, |state, context, out| state.on_start(context, out));
            }
            Action::Pause { node } => {
                let status = self.check_node(*node)?;
                if status != NodeStatus::Up {
                    return Err(Self::wrong_status("pause", *node, status));
                }
                self.nodes[*node as usize].status = NodeStatus::Paused;
                self.record(TraceEvent::Pause { node: *node }, Payload::None);
            }
            Action::Resume { node } => {
                let status = self.check_node(*node)?;
                if status != NodeStatus::Paused {
                    return Err(Self::wrong_status("resume", *node, status));
                }
                let slot = &mut self.nodes[*node as usize];
                slot.status = NodeStatus::Up;
                let backlog = std::mem::take(&mut slot.backlog);
                self.record(TraceEvent::Resume { node: *node }, Payload::None);
                // Everything that waited is handled now, in the order it arrived.
                for kind in backlog {
                    self.push(now, kind);
                }
            }
            Action::AddNode => {
                if self.node_count() >= self.config.max_nodes {
                    return Err(ActionError::Limit(format!(
                        "cannot add a node: the cluster already has the maximum of {} nodes",
                        self.config.max_nodes
                    )));
                }
                let id = self.node_count();
                self.nodes.push(NodeSlot {
                    state: P::new(id, &self.initial_members, &self.protocol_config),
                    status: NodeStatus::Up,
                    durable: P::Durable::default(),
                    timers: BTreeMap::new(),
                    pending_writes: VecDeque::new(),
                    disk_busy_until: 0,
                    backlog: Vec::new(),
                });
                self.live_ids.push(id);
                self.record(TraceEvent::AddNode { node: id }, Payload::None);
                self.run_handler(id, |state, context, out| state.on_start(context, out));
            }
            Action::RemoveNode { node } => {
                let status = self.check_node(*node)?;
                if status == NodeStatus::Removed {
                    return Err(Self::wrong_status("remove", *node, status));
                }
                self.take_down(*node, NodeStatus::Removed);
                self.live_ids.retain(|id| id != node);
                self.record(TraceEvent::RemoveNode { node: *node }, Payload::None);
            }
            Action::CutLink { from, to } => {
                self.check_node(*from)?;
                self.check_node(*to)?;
                self.network.cut_link(*from, *to);
                self.record(
                    TraceEvent::CutLink {
                        from: *from,
                        to: *to,
                    },
                    Payload::None,
                );
            }
            Action::CutLinkBoth { from, to } => {
                self.check_node(*from)?;
                self.check_node(*to)?;
                for (from, to) in [(*from, *to), (*to, *from)] {
                    self.network.cut_link(from, to);
                    self.record(TraceEvent::CutLink { from, to }, Payload::None);
                }
            }
            Action::HealLink { from, to } => {
                self.check_node(*from)?;
                self.check_node(*to)?;
                self.network.heal_link(*from, *to);
                self.record(
                    TraceEvent::HealLink {
                        from: *from,
                        to: *to,
                    },
                    Payload::None,
                );
            }
            Action::Isolate { node } => {
                self.check_node(*node)?;
                self.network.isolate(*node);
                self.record(TraceEvent::Isolate { node: *node }, Payload::None);
            }
            Action::Partition { groups } => {
                let mut seen = SortedSet::new();
                for (index, group) in groups.iter().enumerate() {
                    for node in group {
                        self.check_node(*node)?;
                        if !seen.insert(*node) {
                            return Err(ActionError::Invalid(format!(
                                "groups[{index}]: node {node} is in more than one group"
                            )));
                        }
                    }
                }
                self.network.partition(groups);
                self.record(
                    TraceEvent::Partition {
                        groups: groups.clone(),
                    },
                    Payload::None,
                );
            }
            Action::HealAll => {
                self.network.heal_all();
                self.record(TraceEvent::HealAll, Payload::None);
            }
            Action::SetLink {
                from,
                to,
                latency,
                loss_probability,
            } => {
                self.check_node(*from)?;
                self.check_node(*to)?;
                let mut config = self.network.link(*from, *to).clone();
                if let Some(latency) = latency {
                    latency.validate("latency").map_err(|(path, reason)| {
                        ActionError::Invalid(format!("{path}: {reason}"))
                    })?;
                    config.latency = latency.clone();
                }
                if let Some(probability) = loss_probability {
                    crate::network::validate_probability("loss_probability", *probability)
                        .map_err(|(path, reason)| {
                            ActionError::Invalid(format!("{path}: {reason}"))
                        })?;
                    config.loss_probability = *probability;
                }
                self.network.set_link(*from, *to, config);
                self.record(
                    TraceEvent::SetLink {
                        from: *from,
                        to: *to,
                    },
                    Payload::None,
                );
            }
            Action::ClientRequest { node, request } => {
                self.check_node(*node)?;
                let decoded: P::Request = decode_json(request)
                    .map_err(|error| ActionError::Invalid(format!("request{error}")))?;
                self.client_request(*node, decoded)?;
            }
            Action::Lab { name, args } => {
                let Some(hook) = self.lab_action else {
                    return Err(ActionError::UnknownLabAction(name.clone()));
                };
                hook(self, name, args)?;
                self.record(TraceEvent::Lab { name: name.clone() }, Payload::None);
            }
        }
        Ok(())
    }

    /// Sends a client request to `node` now and returns its id. A request to a
    /// crashed or removed node is recorded but never answered.
    pub fn client_request(
        &mut self,
        node: NodeId,
        request: P::Request,
    ) -> Result<RequestId, ActionError> {
        let status = self.check_node(node)?;
        if self.history.len() as u64 >= self.config.max_client_requests {
            return Err(ActionError::Limit(format!(
                "cannot send more than {} client requests in one run",
                self.config.max_client_requests
            )));
        }
        let id = self.history.len() as RequestId;
        self.history.push(ClientCall {
            id,
            node,
            invoked_at: self.now,
            request: request.clone(),
            replied_at: None,
            reply: None,
        });
        self.metrics.client_request();
        self.record(
            TraceEvent::ClientRequest { node, request: id },
            Payload::Request(request.clone()),
        );
        match status {
            NodeStatus::Up => {
                self.run_handler(node, |state, context, out| {
                    state.on_client(context, id, request, out)
                });
            }
            NodeStatus::Paused => {
                self.nodes[node as usize]
                    .backlog
                    .push(EventKind::ClientDelivery { node, id, request });
            }
            NodeStatus::Crashed | NodeStatus::Removed => {}
        }
        Ok(id)
    }

    /// Runs a handler-like function on node `node` now and carries out the effects
    /// it records, exactly as for a real handler. Lab actions use this (for
    /// example to make a node time out on demand). Fails unless the node is up.
    pub fn poke(
        &mut self,
        node: NodeId,
        handler: impl FnOnce(&mut P, &Context<'_>, &mut OutFor<P>),
    ) -> Result<(), ActionError> {
        let status = self.check_node(node)?;
        if status != NodeStatus::Up {
            return Err(Self::wrong_status("act on", node, status));
        }
        self.run_handler(node, handler);
        Ok(())
    }

    /// Stops `node` (crash or removal): its timers, unfinished writes and waiting
    /// messages are lost.
    fn take_down(&mut self, node: NodeId, status: NodeStatus) {
        let now = self.now;
        let slot = &mut self.nodes[node as usize];
        slot.status = status;
        slot.timers.clear();
        slot.disk_busy_until = now;
        let writes = std::mem::take(&mut slot.pending_writes);
        let backlog = std::mem::take(&mut slot.backlog);
        for write in writes {
            for effect in write.held {
                if let Effect::Send { to, message } = effect {
                    let id = self.next_message_id;
                    self.next_message_id += 1;
                    self.drop_message(id, node, to, now, message, DropReason::SenderCrashed);
                }
            }
        }
        let reason = if status == NodeStatus::Removed {
            DropReason::NodeRemoved
        } else {
            DropReason::NodeCrashed
        };
        for kind in backlog {
            if let EventKind::Deliver {
                id,
                from,
                to,
                sent_at,
                message,
            } = kind
            {
                self.in_flight -= 1;
                self.drop_message(id, from, to, sent_at, message, reason);
            }
        }
    }

    // ----- The event loop ------------------------------------------------------

    fn push(&mut self, time: Time, kind: EventKind<P>) {
        self.queue.push(time, kind);
    }

    fn is_stale(&self, kind: &EventKind<P>) -> bool {
        match kind {
            EventKind::Timer {
                node,
                timer,
                generation,
            } => {
                self.nodes[*node as usize]
                    .timers
                    .get(timer)
                    .map(|armed| armed.generation)
                    != Some(*generation)
            }
            EventKind::DiskWriteDone { node, write } => self.nodes[*node as usize]
                .pending_writes
                .front()
                .is_none_or(|pending| pending.id != *write),
            EventKind::Generate => self.generator.is_none(),
            _ => false,
        }
    }

    /// Drops stale entries from the head of the queue so that
    /// [`Simulator::next_event_time`] is exact, checks invariants and runs the
    /// lab's observer.
    fn after_change(&mut self) {
        while let Some((_, head)) = self.queue.peek() {
            if self.is_stale(head) {
                self.queue.pop();
            } else {
                break;
            }
        }
        if let Some(observer) = self.observer {
            let mut metrics = std::mem::take(&mut self.metrics);
            observer(self, &mut metrics);
            self.metrics = metrics;
        }
        self.check_invariants();
    }

    fn check_invariants(&mut self) {
        if self.invariants.is_empty() {
            return;
        }
        let mut invariants = std::mem::take(&mut self.invariants);
        for (index, invariant) in invariants.iter_mut().enumerate() {
            if self.invariant_violated[index].is_some() {
                continue;
            }
            let found = invariant.check(self);
            if self.checker_limits[index].is_none()
                && let Some(message) = invariant.limit_reached()
            {
                self.checker_limits[index] = Some(CheckerLimit {
                    property: invariant.name().to_string(),
                    time: self.now,
                    message,
                });
            }
            let Some(mut violation) = found else {
                continue;
            };
            if violation.property.is_empty() {
                violation.property = invariant.name().to_string();
            }
            if violation.time == 0 {
                violation.time = self.now;
            }
            match invariant.kind() {
                InvariantKind::Safety => {
                    self.record(
                        TraceEvent::Violation {
                            property: violation.property.clone(),
                            nodes: violation.nodes.clone(),
                        },
                        Payload::None,
                    );
                    if self.violations.len() < VIOLATIONS_MAX {
                        self.violations.push(violation.clone());
                    }
                    self.violation_pending_stop = self.config.stop_on_violation;
                }
                // A missed liveness expectation is reported, but it neither counts as a
                // violation nor stops a run that stops on violations.
                InvariantKind::Liveness => {
                    self.record(
                        TraceEvent::Warning {
                            property: violation.property.clone(),
                            nodes: violation.nodes.clone(),
                        },
                        Payload::None,
                    );
                    if self.warnings.len() < VIOLATIONS_MAX {
                        self.warnings.push(Warning::from(violation.clone()));
                    }
                }
            }
            self.invariant_violated[index] = Some(violation);
        }
        self.invariants = invariants;
    }

    fn record(&mut self, event: TraceEvent, payload: Payload<P>) {
        self.trace.record(self.now, event, payload);
    }

    fn handle(&mut self, kind: EventKind<P>) {
        match kind {
            EventKind::Deliver {
                id,
                from,
                to,
                sent_at,
                message,
            } => self.deliver(id, from, to, sent_at, message),
            EventKind::Timer {
                node,
                timer,
                generation,
            } => {
                let slot = &mut self.nodes[node as usize];
                if slot.timers.get(&timer).map(|armed| armed.generation) != Some(generation) {
                    return;
                }
                if slot.status == NodeStatus::Paused {
                    slot.backlog.push(EventKind::Timer {
                        node,
                        timer,
                        generation,
                    });
                    return;
                }
                slot.timers.remove(&timer);
                self.record(
                    TraceEvent::TimerFired { node },
                    Payload::Timer(timer.clone()),
                );
                self.run_handler(node, |state, context, out| {
                    state.on_timer(context, timer, out)
                });
            }
            EventKind::DiskWriteDone { node, write } => {
                let slot = &mut self.nodes[node as usize];
                if slot
                    .pending_writes
                    .front()
                    .is_none_or(|pending| pending.id != write)
                {
                    return;
                }
                if slot.status == NodeStatus::Paused {
                    slot.backlog.push(EventKind::DiskWriteDone { node, write });
                    return;
                }
                let Some(done) = slot.pending_writes.pop_front() else {
                    return;
                };
                slot.durable = done.durable;
                self.record(TraceEvent::DiskWriteDone { node }, Payload::None);
                for effect in done.held {
                    match effect {
                        Effect::Send { to, message } => self.send(node, to, message),
                        Effect::Reply { request, result } => self.reply(node, request, result),
                        Effect::SetTimer { .. }
                        | Effect::CancelTimer { .. }
                        | Effect::Persist
                        | Effect::AwaitDisk => {}
                    }
                }
            }
            EventKind::ClientDelivery { node, id, request } => {
                match self.nodes[node as usize].status {
                    NodeStatus::Up => self.run_handler(node, |state, context, out| {
                        state.on_client(context, id, request, out)
                    }),
                    NodeStatus::Paused => self.nodes[node as usize]
                        .backlog
                        .push(EventKind::ClientDelivery { node, id, request }),
                    NodeStatus::Crashed | NodeStatus::Removed => {}
                }
            }
            EventKind::Scheduled { index } => {
                let timeline = Arc::clone(&self.timeline);
                if let Some(action) = timeline.get(index as usize)
                    && let Err(error) = self.apply_inner(action)
                {
                    self.note_action_error(format!(
                        "timeline[{index}] ({}) at {} µs: {error}",
                        action.tag(),
                        self.now
                    ));
                }
            }
            EventKind::Workload { index } => {
                let workload = Arc::clone(&self.workload);
                if let Some((node, request)) = workload.get(index as usize)
                    && let Err(error) = self.client_request(*node, request.clone())
                {
                    self.note_action_error(format!(
                        "workload.requests[{index}] at {} µs: {error}",
                        self.now
                    ));
                }
            }
            EventKind::Generate => self.generate(),
        }
    }

    fn note_action_error(&mut self, error: String) {
        if self.action_errors.len() < ACTION_ERRORS_MAX {
            self.action_errors.push(error);
        }
    }

    fn generate(&mut self) {
        let Some(mut generator) = self.generator.take() else {
            return;
        };
        if generator.stop.is_some_and(|stop| self.now >= stop) {
            return;
        }
        let number = generator.generated;
        generator.generated += 1;
        let target = match &generator.target {
            Target::Node(node) => Some(*node),
            Target::Random if !self.live_ids.is_empty() => {
                let index = self.rng.below(self.live_ids.len() as u64) as usize;
                Some(self.live_ids[index])
            }
            Target::RoundRobin if !self.live_ids.is_empty() => {
                let index = generator.round_robin_next % self.live_ids.len();
                generator.round_robin_next = index + 1;
                Some(self.live_ids[index])
            }
            Target::Random | Target::RoundRobin => None,
        };
        let value = fill_template(&generator.template, number);
        let next = self.now.saturating_add(generator.interval.max(1));
        self.generator = Some(generator);
        if let Some(node) = target {
            match decode_json::<P::Request>(&value) {
                Ok(request) => {
                    if let Err(error) = self.client_request(node, request) {
                        self.note_action_error(format!("workload.generator: {error}"));
                        self.generator = None;
                        return;
                    }
                }
                Err(error) => {
                    self.note_action_error(format!("workload.generator.request{error}"));
                    self.generator = None;
                    return;
                }
            }
        }
        self.push(next, EventKind::Generate);
    }

    fn deliver(&mut self, id: u64, from: NodeId, to: NodeId, sent_at: Time, message: P::Message) {
        let Some(slot) = self.nodes.get_mut(to as usize) else {
            self.in_flight -= 1;
            self.drop_message(id, from, to, sent_at, message, DropReason::UnknownNode);
            return;
        };
        match slot.status {
            NodeStatus::Up => {}
            NodeStatus::Paused => {
                slot.backlog.push(EventKind::Deliver {
                    id,
                    from,
                    to,
                    sent_at,
                    message,
                });
                return;
            }
            NodeStatus::Crashed => {
                self.in_flight -= 1;
                self.drop_message(id, from, to, sent_at, message, DropReason::NodeCrashed);
                return;
            }
            NodeStatus::Removed => {
                self.in_flight -= 1;
                self.drop_message(id, from, to, sent_at, message, DropReason::NodeRemoved);
                return;
            }
        }
        self.in_flight -= 1;
        // A link cut while the message was on it loses the message, as a pulled
        // cable would: partitions take effect at once.
        if !self.network.is_up(from, to) {
            self.drop_message(id, from, to, sent_at, message, DropReason::LinkDown);
            return;
        }
        let kind = message.kind();
        self.metrics.delivered(kind, self.now);
        self.trace.record_message(
            self.now,
            TraceEvent::Deliver {
                from,
                to,
                kind,
                sent_at,
            },
            Payload::Message(message.clone()),
            Some(MessageLink { id, sent_at }),
        );
        self.run_handler(to, |state, context, out| {
            state.on_message(context, from, message, out)
        });
    }

    fn drop_message(
        &mut self,
        id: u64,
        from: NodeId,
        to: NodeId,
        sent_at: Time,
        message: P::Message,
        reason: DropReason,
    ) {
        let kind = message.kind();
        self.metrics.dropped(kind, reason, self.now);
        self.trace.record_message(
            self.now,
            TraceEvent::Drop {
                from,
                to,
                kind,
                reason,
            },
            Payload::None,
            Some(MessageLink { id, sent_at }),
        );
        if self.recent_drops.len() >= RECENT_DROPS_MAX {
            self.recent_drops.pop_front();
        }
        self.recent_drops.push_back(DropRecord {
            id,
            from,
            to,
            sent_at,
            dropped_at: self.now,
            reason,
            message,
        });
    }

    fn send(&mut self, from: NodeId, to: NodeId, message: P::Message) {
        let id = self.next_message_id;
        self.next_message_id += 1;
        let now = self.now;
        self.metrics.sent(message.kind(), now);
        if to as usize >= self.nodes.len() {
            self.drop_message(id, from, to, now, message, DropReason::UnknownNode);
            return;
        }
        match self.network.transmit(from, to, &mut self.rng) {
            Transmission::LinkDown => {
                self.drop_message(id, from, to, now, message, DropReason::LinkDown)
            }
            Transmission::Lost => self.drop_message(id, from, to, now, message, DropReason::Loss),
            Transmission::Delivered {
                latency,
                duplicate_latency,
            } => {
                if let Some(copy_latency) = duplicate_latency {
                    let copy_id = self.next_message_id;
                    self.next_message_id += 1;
                    self.enqueue_delivery(copy_id, from, to, copy_latency, message.clone());
                }
                self.enqueue_delivery(id, from, to, latency, message);
            }
        }
    }

    fn enqueue_delivery(
        &mut self,
        id: u64,
        from: NodeId,
        to: NodeId,
        latency: Time,
        message: P::Message,
    ) {
        let now = self.now;
        if self.in_flight >= self.config.max_in_flight {
            self.drop_message(id, from, to, now, message, DropReason::InFlightLimit);
            return;
        }
        self.in_flight += 1;
        self.push(
            now.saturating_add(latency),
            EventKind::Deliver {
                id,
                from,
                to,
                sent_at: now,
                message,
            },
        );
    }

    fn reply(&mut self, node: NodeId, request: RequestId, result: P::Reply) {
        let now = self.now;
        if let Some(call) = self.history.get_mut(request as usize)
            && call.reply.is_none()
        {
            call.replied_at = Some(now);
            call.reply = Some(result.clone());
            let latency = now - call.invoked_at;
            self.metrics.client_reply(latency, now);
        }
        self.record(
            TraceEvent::ClientReply { node, request },
            Payload::Reply(result),
        );
    }

    /// Calls a handler on node `node` and carries out the effects it recorded.
    fn run_handler(
        &mut self,
        node: NodeId,
        handler: impl FnOnce(&mut P, &Context<'_>, &mut OutFor<P>),
    ) {
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        if !self.touched.contains(&node) {
            self.touched.push(node);
        }
        {
            let slot = &mut self.nodes[node as usize];
            let context = Context {
                id: node,
                now: self.now,
                nodes: &self.live_ids,
            };
            let role_before = slot.state.role();
            handler(&mut slot.state, &context, &mut out);
            let role_after = slot.state.role();
            if role_after != role_before {
                self.trace.note_role(node, role_after);
            }
        }
        // Sends and replies recorded after a `Persist` (or after an `AwaitDisk` while a
        // write is under way) wait for that write; `writes` says whether this call
        // recorded one of its own.
        let mut held: Option<Vec<HeldEffect<P>>> = None;
        let mut writes = false;
        for effect in out.drain() {
            match effect {
                Effect::Send { to, message } => match held.as_mut() {
                    Some(held) => held.push(Effect::Send { to, message }),
                    None => self.send(node, to, message),
                },
                Effect::Reply { request, result } => match held.as_mut() {
                    Some(held) => held.push(Effect::Reply { request, result }),
                    None => self.reply(node, request, result),
                },
                Effect::SetTimer {
                    timer,
                    delay_min,
                    delay_max,
                } => {
                    let delay = self.rng.range_inclusive(delay_min, delay_max);
                    let generation = self.next_generation;
                    self.next_generation += 1;
                    let due_at = self.now.saturating_add(delay);
                    self.nodes[node as usize].timers.insert(
                        timer.clone(),
                        ArmedTimer {
                            generation,
                            set_at: self.now,
                            due_at,
                        },
                    );
                    self.push(
                        due_at,
                        EventKind::Timer {
                            node,
                            timer,
                            generation,
                        },
                    );
                }
                Effect::CancelTimer { timer } => {
                    self.nodes[node as usize].timers.remove(&timer);
                }
                Effect::Persist => {
                    writes = true;
                    if held.is_none() {
                        held = Some(Vec::new());
                    }
                }
                Effect::AwaitDisk => {
                    if held.is_none() && !self.nodes[node as usize].pending_writes.is_empty() {
                        held = Some(Vec::new());
                    }
                }
            }
        }
        self.out = out;
        let Some(mut held) = held else {
            return;
        };
        if !writes {
            // Only an `AwaitDisk`: the effects leave with the last write under way, which
            // completes after every earlier one.
            if let Some(last) = self.nodes[node as usize].pending_writes.back_mut() {
                last.held.append(&mut held);
            }
            return;
        }
        let write = self.next_write;
        self.next_write += 1;
        let latency = self.config.disk_write_latency;
        let now = self.now;
        let slot = &mut self.nodes[node as usize];
        // The disk writes one thing at a time, in order.
        let done_at = slot.disk_busy_until.max(now).saturating_add(latency);
        slot.disk_busy_until = done_at;
        slot.pending_writes.push_back(PendingWrite {
            id: write,
            durable: slot.state.durable(),
            held,
        });
        self.push(done_at, EventKind::DiskWriteDone { node, write });
    }
}

fn message_view<M: MessageInfo>(
    id: u64,
    from: NodeId,
    to: NodeId,
    sent_at: Time,
    deliver_at: Time,
    message: &M,
    dropped: Option<DropReason>,
) -> MessageView {
    MessageView {
        id,
        from,
        to,
        sent_at,
        deliver_at,
        kind: message.kind(),
        summary: message.summary(),
        dropped,
    }
}

/// Decodes `value` into `T`; the error starts with the path of the bad field
/// (e.g. `.key: invalid type: ...`), or `: reason` at the top level.
pub fn decode_json<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Result<T, String> {
    crate::json_path::decode_value(value).map_err(|(path, reason)| {
        if path == "." {
            format!(": {reason}")
        } else {
            format!(".{path}: {reason}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Latency;

    /// A tiny protocol that does exactly what the tests tell it, so that each test
    /// can pin one rule of the simulator.
    #[derive(Debug, Clone, Serialize)]
    struct Probe {
        received: Vec<(NodeId, u64, Time)>,
        fired: Vec<(u8, Time)>,
        value: u64,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
    struct Note(u64);

    impl MessageInfo for Note {
        fn kind(&self) -> &'static str {
            "Note"
        }

        fn summary(&self) -> String {
            format!("{}", self.0)
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    enum Command {
        /// Store the value durably, then answer.
        Put(u64),
        /// Send a note with this value to node 1.
        Tell(u64),
        /// Answer with the value held, once every write under way is on disk.
        Confirm,
        /// Arm timer `id` for `delay` µs.
        Arm(u8, Time),
        /// Disarm timer `id`.
        Disarm(u8),
    }

    impl Protocol for Probe {
        type Message = Note;
        type Timer = u8;
        type Request = Command;
        type Reply = u64;
        type Durable = u64;
        type Config = ();

        fn new(_id: NodeId, _members: &[NodeId], _config: &()) -> Self {
            Self {
                received: Vec::new(),
                fired: Vec::new(),
                value: 0,
            }
        }

        fn recover(id: NodeId, members: &[NodeId], config: &(), durable: u64) -> Self {
            let mut node = Self::new(id, members, config);
            node.value = durable;
            node
        }

        fn durable(&self) -> u64 {
            self.value
        }

        fn on_start(&mut self, _context: &Context<'_>, _out: &mut OutFor<Self>) {}

        fn on_message(
            &mut self,
            context: &Context<'_>,
            from: NodeId,
            message: Note,
            _out: &mut OutFor<Self>,
        ) {
            self.received.push((from, message.0, context.now));
        }

        fn on_timer(&mut self, context: &Context<'_>, timer: u8, _out: &mut OutFor<Self>) {
            self.fired.push((timer, context.now));
        }

        fn shown_timer(timer: &u8) -> Option<&'static str> {
            (*timer == 1).then_some("probe")
        }

        fn on_client(
            &mut self,
            _context: &Context<'_>,
            id: RequestId,
            request: Command,
            out: &mut OutFor<Self>,
        ) {
            match request {
                Command::Put(value) => {
                    self.value = value;
                    out.persist();
                    out.send(1, Note(value));
                    out.reply(id, value);
                }
                Command::Tell(value) => out.send(1, Note(value)),
                Command::Confirm => {
                    out.await_disk();
                    out.reply(id, self.value);
                }
                Command::Arm(timer, delay) => out.set_timer(timer, delay, delay),
                Command::Disarm(timer) => out.cancel_timer(timer),
            }
        }
    }

    fn fixed_network(ms: f64) -> Network {
        Network::new(LinkConfig {
            latency: Latency::Fixed { ms },
            ..LinkConfig::default()
        })
    }

    fn probe_cluster(config: SimConfig) -> Simulator<Probe> {
        let mut sim = Simulator::new(config, (), fixed_network(10.0), 2);
        sim.start();
        sim
    }

    fn ask(sim: &mut Simulator<Probe>, node: NodeId, command: Command) -> RequestId {
        sim.client_request(node, command).expect("the node exists")
    }

    #[test]
    fn a_reply_recorded_after_persist_waits_for_the_disk_write() {
        let mut sim = probe_cluster(SimConfig {
            disk_write_latency: 3_000,
            ..SimConfig::default()
        });
        let id = ask(&mut sim, 0, Command::Put(7));
        assert_eq!(sim.client_history()[id as usize].reply, None);
        assert_eq!(
            sim.durable(0),
            Some(&0),
            "nothing is on disk before the write ends"
        );
        sim.run_until(2_999);
        assert_eq!(sim.client_history()[id as usize].reply, None);
        sim.run_until(3_001);
        assert_eq!(sim.client_history()[id as usize].replied_at, Some(3_000));
        assert_eq!(sim.durable(0), Some(&7));
        // The held send left when the write finished, then took 10 ms.
        sim.run_until(20_000);
        assert_eq!(
            sim.node(1).map(|node| node.received.clone()),
            Some(vec![(0, 7, 13_000)])
        );
    }

    #[test]
    fn an_answer_awaiting_the_disk_leaves_when_the_last_write_under_way_lands() {
        let mut sim = probe_cluster(SimConfig {
            disk_write_latency: 3_000,
            ..SimConfig::default()
        });
        ask(&mut sim, 0, Command::Put(7));
        sim.run_until(1_000);
        ask(&mut sim, 0, Command::Put(8));
        let confirm = ask(&mut sim, 0, Command::Confirm);
        assert_eq!(sim.client_history()[confirm as usize].reply, None);
        // The writes land at 3 ms and 6 ms: the answer waits for the second one and
        // records no write of its own.
        sim.run_until(5_999);
        assert_eq!(sim.client_history()[confirm as usize].reply, None);
        sim.run_until(10_000);
        assert_eq!(
            sim.client_history()[confirm as usize].replied_at,
            Some(6_000)
        );
        assert_eq!(sim.durable(0), Some(&8));
    }

    #[test]
    fn an_answer_awaiting_an_idle_disk_leaves_at_once() {
        let mut sim = probe_cluster(SimConfig::default());
        let confirm = ask(&mut sim, 0, Command::Confirm);
        assert_eq!(sim.client_history()[confirm as usize].replied_at, Some(0));
    }

    #[test]
    fn a_crash_before_the_awaited_write_lands_loses_the_answer() {
        let mut sim = probe_cluster(SimConfig::default());
        ask(&mut sim, 0, Command::Put(7));
        let confirm = ask(&mut sim, 0, Command::Confirm);
        sim.apply(&Action::Crash { node: 0 }).expect("node 0 is up");
        sim.run_until(50_000);
        assert_eq!(sim.client_history()[confirm as usize].reply, None);
    }

    #[test]
    fn a_crash_before_the_write_completes_loses_the_reply_and_the_held_send() {
        let mut sim = probe_cluster(SimConfig::default());
        let id = ask(&mut sim, 0, Command::Put(7));
        sim.apply(&Action::Crash { node: 0 }).expect("node 0 is up");
        sim.run_until(50_000);
        assert_eq!(sim.client_history()[id as usize].reply, None);
        assert_eq!(sim.durable(0), Some(&0));
        assert!(sim.node(1).is_some_and(|node| node.received.is_empty()));
        let drops = sim.recent_drops(0);
        assert_eq!(drops.len(), 1);
        assert_eq!(drops[0].dropped, Some(DropReason::SenderCrashed));
    }

    #[test]
    fn a_restarted_node_recovers_the_last_completed_write_and_nothing_volatile() {
        let mut sim = probe_cluster(SimConfig::default());
        ask(&mut sim, 0, Command::Put(7));
        ask(&mut sim, 0, Command::Arm(1, 100_000));
        sim.run_until(5_000);
        sim.apply(&Action::Crash { node: 0 }).expect("up");
        sim.apply(&Action::Restart { node: 0 }).expect("crashed");
        assert_eq!(sim.node(0).map(|node| node.value), Some(7));
        sim.run_until(200_000);
        assert!(
            sim.node(0).is_some_and(|node| node.fired.is_empty()),
            "timers are volatile and die with the crash"
        );
    }

    #[test]
    fn a_paused_node_handles_waiting_messages_and_timers_when_it_resumes() {
        let mut sim = probe_cluster(SimConfig::default());
        ask(&mut sim, 1, Command::Arm(3, 5_000));
        sim.apply(&Action::Pause { node: 1 }).expect("up");
        ask(&mut sim, 0, Command::Tell(42));
        sim.run_until(50_000);
        assert!(
            sim.node(1)
                .is_some_and(|node| node.received.is_empty() && node.fired.is_empty())
        );
        assert_eq!(
            sim.in_flight().len(),
            1,
            "the waiting message is still shown"
        );
        sim.apply(&Action::Resume { node: 1 }).expect("paused");
        sim.run_until(50_001);
        let node = sim.node(1).expect("exists");
        assert_eq!(node.fired, vec![(3, 50_000)]);
        assert_eq!(node.received, vec![(0, 42, 50_000)]);
    }

    #[test]
    fn setting_a_timer_again_replaces_it_and_cancelling_disarms_it() {
        let mut sim = probe_cluster(SimConfig::default());
        ask(&mut sim, 0, Command::Arm(1, 5_000));
        ask(&mut sim, 0, Command::Arm(1, 9_000));
        ask(&mut sim, 0, Command::Arm(2, 1_000));
        ask(&mut sim, 0, Command::Disarm(2));
        sim.run_until(100_000);
        assert_eq!(
            sim.node(0).map(|node| node.fired.clone()),
            Some(vec![(1, 9_000)])
        );
    }

    #[test]
    fn a_partition_drops_messages_already_on_the_wire() {
        let mut sim = probe_cluster(SimConfig::default());
        ask(&mut sim, 0, Command::Tell(1));
        sim.apply(&Action::Partition {
            groups: vec![vec![0], vec![1]],
        })
        .expect("valid groups");
        ask(&mut sim, 0, Command::Tell(2));
        sim.run_until(100_000);
        assert!(sim.node(1).is_some_and(|node| node.received.is_empty()));
        let reasons: Vec<Option<DropReason>> = sim
            .recent_drops(0)
            .iter()
            .map(|drop| drop.dropped)
            .collect();
        assert_eq!(
            reasons,
            vec![Some(DropReason::LinkDown), Some(DropReason::LinkDown)]
        );
    }

    #[test]
    fn sends_beyond_the_in_flight_bound_are_dropped_with_that_reason() {
        let mut sim = probe_cluster(SimConfig {
            max_in_flight: 2,
            ..SimConfig::default()
        });
        for value in 0..3 {
            ask(&mut sim, 0, Command::Tell(value));
        }
        assert_eq!(sim.in_flight_count(), 2);
        assert_eq!(
            sim.recent_drops(0)[0].dropped,
            Some(DropReason::InFlightLimit)
        );
    }

    #[test]
    fn a_run_stops_at_its_event_bound_and_says_so() {
        let mut sim = probe_cluster(SimConfig {
            max_events: 2,
            ..SimConfig::default()
        });
        for value in 0..5 {
            ask(&mut sim, 0, Command::Tell(value));
        }
        assert_eq!(sim.run_until(1_000_000), RunStop::MaxEvents);
        assert_eq!(sim.events(), 2);
        assert!(!sim.step());
    }

    #[test]
    fn actions_on_missing_or_wrong_state_nodes_fail_without_changing_anything() {
        let mut sim = probe_cluster(SimConfig::default());
        let hash = sim.trace_hash();
        assert!(sim.apply(&Action::Resume { node: 0 }).is_err());
        assert!(sim.apply(&Action::Crash { node: 5 }).is_err());
        assert!(
            sim.apply(&Action::Partition {
                groups: vec![vec![0], vec![0, 1]]
            })
            .is_err()
        );
        assert_eq!(sim.trace_hash(), hash);
    }

    #[test]
    fn a_run_that_stops_at_a_violation_can_be_continued_past_it() {
        use crate::invariant::FnInvariant;
        let mut sim = Simulator::<Probe>::new(
            SimConfig {
                stop_on_violation: true,
                ..SimConfig::default()
            },
            (),
            fixed_network(10.0),
            2,
        );
        sim.add_invariant(Box::new(FnInvariant::new(
            "node 1 never hears anything",
            "A test property that the first delivery breaks.",
            |view: &SimView<Probe>| {
                view.node(1)
                    .filter(|node: &&Probe| !node.received.is_empty())
                    .map(|_| (vec![1], "node 1 heard something".to_string()))
            },
        )));
        sim.start();
        ask(&mut sim, 0, Command::Tell(1));
        ask(&mut sim, 0, Command::Tell(2));
        assert_eq!(sim.run_until(1_000_000), RunStop::Violation);
        assert_eq!(sim.now(), 10_000);
        assert_eq!(sim.violations().len(), 1);
        assert_eq!(sim.violations()[0].time, 10_000);
        assert_eq!(sim.run_until(1_000_000), RunStop::QueueEmpty);
        assert_eq!(sim.node(1).map(|node| node.received.len()), Some(2));
    }

    /// A test expectation that node 1 hears nothing, of the kind given, whose memory
    /// holds `cap` deliveries and then says it is full.
    #[derive(Debug, Clone)]
    struct Quiet {
        kind: crate::invariant::InvariantKind,
        cap: usize,
        seen: usize,
    }

    impl Invariant<Probe> for Quiet {
        fn name(&self) -> &str {
            "node 1 stays quiet"
        }

        fn description(&self) -> &str {
            "A test property that the first delivery to node 1 breaks."
        }

        fn check(&mut self, view: &SimView<Probe>) -> Option<Violation> {
            let heard = view.node(1).map_or(0, |node| node.received.len());
            self.seen = heard.min(self.cap);
            (heard > 0).then(|| Violation {
                property: String::new(),
                time: 0,
                nodes: vec![1],
                message: format!("node 1 heard {heard} messages"),
            })
        }

        fn kind(&self) -> crate::invariant::InvariantKind {
            self.kind
        }

        fn limit_reached(&self) -> Option<String> {
            (self.seen >= self.cap).then(|| format!("remembers at most {} messages", self.cap))
        }
    }

    #[test]
    fn a_missed_liveness_expectation_is_a_warning_that_neither_counts_as_a_violation_nor_stops_the_run()
     {
        use crate::invariant::InvariantKind;
        let mut sim = Simulator::<Probe>::new(
            SimConfig {
                stop_on_violation: true,
                ..SimConfig::default()
            },
            (),
            fixed_network(10.0),
            2,
        );
        sim.add_invariant(Box::new(Quiet {
            kind: InvariantKind::Liveness,
            cap: usize::MAX,
            seen: 0,
        }));
        sim.start();
        ask(&mut sim, 0, Command::Tell(1));
        ask(&mut sim, 0, Command::Tell(2));
        assert_eq!(sim.run_until(1_000_000), RunStop::QueueEmpty);
        assert!(sim.violations().is_empty());
        assert_eq!(sim.warnings().len(), 1);
        let warning = &sim.warnings()[0];
        assert_eq!(warning.property, "node 1 stays quiet");
        assert_eq!(warning.time, 10_000);
        assert_eq!(warning.nodes, vec![1]);
        assert_eq!(warning.message, "node 1 heard 1 messages");
        let status = &sim.invariant_statuses()[0];
        assert_eq!(status.kind, InvariantKind::Liveness);
        assert!(!status.ok);
        assert_eq!(status.violation, None);
        assert_eq!(status.warning.as_ref(), Some(warning));
        assert!(
            sim.trace()
                .tail(100)
                .iter()
                .any(|record| record.view(0).kind == "warning")
        );
    }

    #[test]
    fn a_checker_that_reaches_its_cap_is_reported_with_the_time_it_did() {
        use crate::invariant::InvariantKind;
        let mut sim = Simulator::<Probe>::new(SimConfig::default(), (), fixed_network(10.0), 2);
        sim.add_invariant(Box::new(Quiet {
            kind: InvariantKind::Liveness,
            cap: 0,
            seen: 0,
        }));
        sim.start();
        sim.run_until(1_000);
        let limits = sim.checker_limits();
        assert_eq!(limits.len(), 1);
        assert_eq!(limits[0].property, "node 1 stays quiet");
        assert_eq!(limits[0].message, "remembers at most 0 messages");
        assert_eq!(limits[0].time, 0);
    }

    #[test]
    fn the_link_view_lists_exactly_the_links_that_are_down_or_changed() {
        let mut sim = Simulator::<Probe>::new(SimConfig::default(), (), fixed_network(1.0), 4);
        sim.start();
        sim.apply(&Action::CutLink { from: 0, to: 1 })
            .expect("valid");
        sim.apply(&Action::Isolate { node: 3 }).expect("valid");
        sim.apply(&Action::SetLink {
            from: 2,
            to: 0,
            latency: Some(Latency::Fixed { ms: 7.0 }),
            loss_probability: None,
        })
        .expect("valid");
        let links: Vec<(NodeId, NodeId, bool)> = sim
            .links(100)
            .iter()
            .map(|link| (link.from, link.to, link.up))
            .collect();
        assert_eq!(
            links,
            vec![
                (0, 1, false),
                (0, 3, false),
                (1, 3, false),
                (2, 0, true),
                (2, 3, false),
                (3, 0, false),
                (3, 1, false),
                (3, 2, false),
            ]
        );
        sim.apply(&Action::Partition {
            groups: vec![vec![0, 1], vec![2, 3]],
        })
        .expect("valid");
        assert_eq!(sim.links(3).len(), 3, "the limit caps the list");
    }

    #[test]
    fn a_removed_node_leaves_the_membership_and_its_messages_are_dropped() {
        let mut sim = probe_cluster(SimConfig::default());
        ask(&mut sim, 0, Command::Tell(1));
        sim.apply(&Action::RemoveNode { node: 1 }).expect("exists");
        assert_eq!(sim.live_ids(), &[0]);
        sim.run_until(100_000);
        assert_eq!(
            sim.recent_drops(0)[0].dropped,
            Some(DropReason::NodeRemoved)
        );
        sim.apply(&Action::AddNode).expect("room for more");
        assert_eq!(sim.live_ids(), &[0, 2]);
    }

    #[test]
    fn the_in_flight_sample_keeps_every_strideth_message_up_to_the_bound() {
        let mut sim = probe_cluster(SimConfig::default());
        for value in 0..10 {
            ask(&mut sim, 0, Command::Tell(value));
        }
        let mut all: Vec<u64> = sim.in_flight().iter().map(|view| view.id).collect();
        all.sort_unstable();
        assert_eq!(all.len(), 10);
        let mut whole: Vec<u64> = sim
            .in_flight_sample(1, 100, true)
            .iter()
            .map(|view| view.id)
            .collect();
        whole.sort_unstable();
        assert_eq!(whole, all, "a stride of 1 samples every message");
        let mut halves: Vec<u64> = sim
            .in_flight_sample(2, 100, true)
            .iter()
            .map(|view| view.id)
            .collect();
        halves.sort_unstable();
        let even: Vec<u64> = all.iter().copied().filter(|id| id % 2 == 0).collect();
        assert_eq!(halves, even, "a stride of 2 keeps the even ids");
        assert_eq!(
            sim.in_flight_sample(1, 3, true).len(),
            3,
            "the bound caps it"
        );
        let bare = sim.in_flight_sample(1, 100, false);
        assert!(
            bare.iter()
                .all(|view| view.summary.is_empty() && view.kind == "Note"),
            "without summaries the kind is still told"
        );
        assert_eq!(
            sim.in_flight_sample(0, 100, true).len(),
            10,
            "a stride of 0 is taken as 1"
        );
    }

    #[test]
    fn the_timer_view_shows_when_a_named_timer_was_armed_and_is_due() {
        let mut sim = probe_cluster(SimConfig::default());
        ask(&mut sim, 0, Command::Arm(1, 5_000));
        ask(&mut sim, 0, Command::Arm(2, 9_000));
        assert_eq!(
            sim.shown_timers(),
            vec![TimerView {
                node: 0,
                label: "probe",
                set_at: 0,
                due_at: 5_000
            }],
            "only the timer the protocol names is shown"
        );
        sim.run_until(2_000);
        ask(&mut sim, 0, Command::Arm(1, 5_000));
        let view = sim.shown_timers()[0].clone();
        assert_eq!(
            (view.set_at, view.due_at),
            (2_000, 7_000),
            "re-arming restarts the ring"
        );
        sim.run_until(7_001);
        assert!(sim.shown_timers().is_empty(), "a fired timer is gone");
        ask(&mut sim, 1, Command::Arm(1, 5_000));
        sim.apply(&Action::Crash { node: 1 }).expect("exists");
        assert!(
            sim.shown_timers().is_empty(),
            "a crashed node's timers died with it"
        );
    }
}
