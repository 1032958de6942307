//! The distributed limiter as a [`Protocol`]: the same two designs as [`super::distributed`],
//! written as a sans-IO state machine so that the simulation engine can run it with its
//! own network, faults and timeline.
//!
//! [`super::distributed::run`] is a closed-form model that plays a trace through fixed
//! latencies and scheduled faults; this is the same limiter as nodes that only react to
//! a client request, a message or a timer and record what they want done in an
//! [`Out`](crate::protocol::Out). The tests drive it with a small deterministic harness
//! using the model's network rules and check that it decides every request as the
//! model does, so the engine-run lab and the closed-form report tell the same story.
//!
//! Roles:
//! - In central counter mode the member with the highest id is the **central counter**
//!   (a Redis stand-in): it answers [`LimitMessage::Ask`] with whether the request's
//!   window still had room, counting it if so. Its counts are volatile, so a crash
//!   empties them. Every other member is a **limiter node**: it forwards each client
//!   request to the central counter, arms a [`LimitTimer::Answer`] timeout, and applies
//!   its failure policy if the timeout fires first.
//! - In periodic synchronization mode every member is a limiter node: it counts what
//!   it admitted in the current window, sends [`LimitMessage::Counts`] to every peer on
//!   each [`LimitTimer::Sync`], and admits while its own count plus its peers' last
//!   counts for the same window stay under the limit.

use crate::collections::SortedMap;

use serde::{Deserialize, Serialize};

use super::ClientKey;
use super::distributed::{FailurePolicy, Reason, SharingMode};
use crate::protocol::{
    Context, MICROS_PER_MS, MessageInfo, NodeId, OutFor, Protocol, RequestId, Time,
};

/// The most client requests a limiter node waits on at once; beyond it a request is
/// decided by the failure policy at once, so a dead central counter cannot make the
/// waiting list grow without bound.
pub const PENDING_MAX: usize = 10_000;

/// Parameters shared by every node of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// At most this many requests per window, over all clients and nodes.
    pub limit: u64,
    /// The window's length, in milliseconds.
    pub window_ms: u64,
    /// How the nodes share what they admitted.
    pub sharing: SharingMode,
    /// What a node does when it cannot know the global count.
    pub failure_policy: FailurePolicy,
    /// How long a limiter node waits for the central counter, in milliseconds.
    pub timeout_ms: u64,
    /// How often limiter nodes send their counts to each other, in milliseconds.
    pub sync_interval_ms: u64,
    /// How long a peer may stay silent before a fail-closed node stops admitting, in
    /// milliseconds. The closed-form model uses two sync intervals plus the latency.
    pub silence_ms_max: u64,
}

impl ClusterConfig {
    /// Checks every number; the error is `(field, reason)`, the field relative to the
    /// configuration (the engine prefixes `params.`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let checks = [
            ("limit", self.limit, 1, 100_000),
            ("window_ms", self.window_ms, 1, 86_400_000),
            ("timeout_ms", self.timeout_ms, 1, 60_000),
            ("sync_interval_ms", self.sync_interval_ms, 1, 60_000),
            ("silence_ms_max", self.silence_ms_max, 1, 3_600_000),
        ];
        for (field, value, minimum, maximum) in checks {
            if value < minimum || value > maximum {
                return Err((
                    field.to_string(),
                    format!("must be between {minimum} and {maximum}, got {value}"),
                ));
            }
        }
        Ok(())
    }

    fn window_us(&self) -> Time {
        self.window_ms.max(1) * MICROS_PER_MS
    }

    fn timeout_us(&self) -> Time {
        self.timeout_ms * MICROS_PER_MS
    }

    fn sync_interval_us(&self) -> Time {
        self.sync_interval_ms * MICROS_PER_MS
    }

    fn silence_us_max(&self) -> Time {
        self.silence_ms_max * MICROS_PER_MS
    }
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            limit: 10,
            window_ms: 1_000,
            sharing: SharingMode::CentralCounter,
            failure_policy: FailurePolicy::FailOpen,
            timeout_ms: 100,
            sync_interval_ms: 100,
            silence_ms_max: 200,
        }
    }
}

/// Messages between the nodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum LimitMessage {
    /// A limiter node asks the central counter about one client request.
    Ask {
        /// The client request, echoed in the answer.
        request: RequestId,
        /// The window of the request's arrival (the asking node's clock).
        window: u64,
    },
    /// The central counter's answer.
    Answer {
        /// The client request asked about.
        request: RequestId,
        /// Whether the window had room (and the request was counted).
        admitted: bool,
    },
    /// A limiter node's count of what it admitted in `window`.
    Counts {
        /// The window counted.
        window: u64,
        /// Requests the sender admitted in it.
        count: u64,
    },
}

impl MessageInfo for LimitMessage {
    fn kind(&self) -> &'static str {
        match self {
            LimitMessage::Ask { .. } => "Ask",
            LimitMessage::Answer { .. } => "Answer",
            LimitMessage::Counts { .. } => "Counts",
        }
    }

    fn summary(&self) -> String {
        match self {
            LimitMessage::Ask { request, window } => format!("request {request}, window {window}"),
            LimitMessage::Answer { request, admitted } => {
                format!(
                    "request {request} {}",
                    if *admitted { "admitted" } else { "rejected" }
                )
            }
            LimitMessage::Counts { window, count } => {
                format!("{count} admitted in window {window}")
            }
        }
    }
}

/// Timers of a limiter node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum LimitTimer {
    /// Time to send this node's count to its peers (periodic synchronization).
    Sync,
    /// The central counter did not answer about this request in time.
    Answer(RequestId),
}

/// A client request: one call from one client.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LimitRequest {
    /// Whose call it is (the global limit counts every client).
    pub client: ClientKey,
}

/// The answer to a client request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LimitReply {
    /// Whether the call may go through.
    pub admitted: bool,
    /// Why.
    pub reason: Reason,
}

/// What one node last heard from one peer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
struct Heard {
    window: u64,
    count: u64,
    at: Time,
}

/// One node of the distributed limiter: a limiter node or the central counter.
#[derive(Debug, Clone, Serialize)]
pub struct LimiterNode {
    id: NodeId,
    config: ClusterConfig,
    /// The central counter in central mode (the highest member id), else `None`.
    central: Option<NodeId>,
    /// Central counter: admitted per window. Volatile.
    counts: SortedMap<u64, u64>,
    /// Limiter node, central mode: requests waiting for an answer (at most
    /// [`PENDING_MAX`]; ids grow, so new ones go at the end).
    pending: SortedMap<RequestId, ()>,
    /// Limiter node, sync mode: what it admitted in its current window.
    own_window: u64,
    own_count: u64,
    /// Limiter node, sync mode: the last count heard from each peer.
    heard: SortedMap<NodeId, Heard>,
}

impl LimiterNode {
    fn is_central(&self) -> bool {
        self.central == Some(self.id)
    }

    fn reply_by_policy(&self, request: RequestId, out: &mut OutFor<Self>) {
        let reply = match self.config.failure_policy {
            FailurePolicy::FailOpen => LimitReply {
                admitted: true,
                reason: Reason::CentralUnreachableFailedOpen,
            },
            FailurePolicy::FailClosed => LimitReply {
                admitted: false,
                reason: Reason::CentralUnreachableFailedClosed,
            },
        };
        out.reply(request, reply);
    }

    /// The central counter's rule: admit while the window's count is under the limit.
    fn count_in_window(&mut self, window: u64) -> bool {
        let count = self.counts.entry(window).or_insert(0);
        let admitted = *count < self.config.limit;
        if admitted {
            *count += 1;
        }
        // Windows more than one behind can no longer be asked about by a node with a
        // sane clock; forgetting them keeps the map bounded.
        let oldest_kept = window.saturating_sub(1);
        self.counts.retain(|&kept, _| kept >= oldest_kept);
        admitted
    }

    /// The periodic synchronization rule: admit while the own count plus the peers'
    /// last counts for this window stay under the limit; fail closed on silent peers.
    fn decide_locally(&mut self, ctx: &Context<'_>) -> LimitReply {
        let window = ctx.now / self.config.window_us();
        if self.own_window != window {
            self.own_window = window;
            self.own_count = 0;
        }
        let peers = ctx.nodes.iter().filter(|&&peer| peer != self.id);
        let mut peers_count = 0;
        let mut some_peer_silent = false;
        for peer in peers {
            let heard = self.heard.get(peer).copied().unwrap_or_default();
            if ctx.now.saturating_sub(heard.at) > self.config.silence_us_max() {
                some_peer_silent = true;
            }
            if heard.window == window {
                peers_count += heard.count;
            }
        }
        if some_peer_silent && self.config.failure_policy == FailurePolicy::FailClosed {
            return LimitReply {
                admitted: false,
                reason: Reason::PeersSilentFailedClosed,
            };
        }
        if self.own_count + peers_count < self.config.limit {
            self.own_count += 1;
            LimitReply {
                admitted: true,
                reason: Reason::EstimateAdmitted,
            }
        } else {
            LimitReply {
                admitted: false,
                reason: Reason::EstimateRejected,
            }
        }
    }
}

impl Protocol for LimiterNode {
    type Message = LimitMessage;
    type Timer = LimitTimer;
    type Request = LimitRequest;
    type Reply = LimitReply;
    type Durable = ();
    type Config = ClusterConfig;

    fn new(id: NodeId, members: &[NodeId], config: &Self::Config) -> Self {
        let central = match config.sharing {
            SharingMode::CentralCounter => members.iter().copied().max(),
            SharingMode::PeriodicSync => None,
        };
        Self {
            id,
            config: config.clone(),
            central,
            counts: SortedMap::new(),
            pending: SortedMap::new(),
            own_window: 0,
            own_count: 0,
            heard: SortedMap::new(),
        }
    }

    fn recover(id: NodeId, members: &[NodeId], config: &Self::Config, _durable: ()) -> Self {
        // A limiter keeps nothing on disk: a restarted central counter starts empty,
        // which is exactly how it lets a window's limit through a second time.
        Self::new(id, members, config)
    }

    fn durable(&self) -> Self::Durable {}

    fn on_start(&mut self, _ctx: &Context<'_>, out: &mut OutFor<Self>) {
        if self.config.sharing == SharingMode::PeriodicSync {
            let interval = self.config.sync_interval_us();
            out.set_timer(LimitTimer::Sync, interval, interval);
        }
    }

    fn on_message(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        message: Self::Message,
        out: &mut OutFor<Self>,
    ) {
        match message {
            LimitMessage::Ask { request, window } => {
                if self.is_central() {
                    let admitted = self.count_in_window(window);
                    out.send(from, LimitMessage::Answer { request, admitted });
                }
            }
            LimitMessage::Answer { request, admitted } => {
                // An answer after the timeout finds nothing pending and is ignored: the
                // client already has its answer from the failure policy.
                if self.pending.remove(&request).is_some() {
                    out.cancel_timer(LimitTimer::Answer(request));
                    let reason = if admitted {
                        Reason::CentralAdmitted
                    } else {
                        Reason::CentralRejected
                    };
                    out.reply(request, LimitReply { admitted, reason });
                }
            }
            LimitMessage::Counts { window, count } => {
                self.heard.insert(
                    from,
                    Heard {
                        window,
                        count,
                        at: ctx.now,
                    },
                );
            }
        }
    }

    fn on_timer(&mut self, ctx: &Context<'_>, timer: Self::Timer, out: &mut OutFor<Self>) {
        match timer {
            LimitTimer::Sync => {
                let window = ctx.now / self.config.window_us();
                let count = if self.own_window == window {
                    self.own_count
                } else {
                    0
                };
                out.broadcast(self.id, ctx.nodes, &LimitMessage::Counts { window, count });
                let interval = self.config.sync_interval_us();
                out.set_timer(LimitTimer::Sync, interval, interval);
            }
            LimitTimer::Answer(request) => {
                if self.pending.remove(&request).is_some() {
                    self.reply_by_policy(request, out);
                }
            }
        }
    }

    fn on_client(
        &mut self,
        ctx: &Context<'_>,
        id: RequestId,
        _request: Self::Request,
        out: &mut OutFor<Self>,
    ) {
        let window = ctx.now / self.config.window_us();
        match self.central {
            Some(central) if central == self.id => {
                // A request sent straight to the central counter is counted there.
                let admitted = self.count_in_window(window);
                let reason = if admitted {
                    Reason::CentralAdmitted
                } else {
                    Reason::CentralRejected
                };
                out.reply(id, LimitReply { admitted, reason });
            }
            Some(central) => {
                if self.pending.len() >= PENDING_MAX {
                    self.reply_by_policy(id, out);
                    return;
                }
                self.pending.insert(id, ());
                out.send(
                    central,
                    LimitMessage::Ask {
                        request: id,
                        window,
                    },
                );
                let timeout = self.config.timeout_us();
                out.set_timer(LimitTimer::Answer(id), timeout, timeout);
            }
            None => {
                let reply = self.decide_locally(ctx);
                out.reply(id, reply);
            }
        }
    }

    fn role(&self) -> &'static str {
        if self.is_central() {
            "central"
        } else {
            "limiter"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::ratelimit::distributed::{self, DistributedConfig, Fault};
    use crate::labs::ratelimit::{Arrival, Decision, LimitParams};
    use crate::protocol::{Effect, Out};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// A deterministic harness with the closed-form model's network rules: every
    /// message takes `latency` one way and is lost if its link is cut, or its receiver
    /// down, when it is sent or when it would arrive. At one instant, central crashes
    /// and restarts come first, then client requests, then messages and timers in the
    /// order they were set off, as on the engine (whose timeline is queued before the
    /// run starts).
    struct Harness<'a> {
        fault_config: &'a DistributedConfig,
        latency: Time,
        members: Vec<NodeId>,
        nodes: Vec<LimiterNode>,
        config: ClusterConfig,
        /// `(time, rank, sequence)` to the event; rank orders events at one instant.
        queue: BTreeMap<(Time, u8, u64), Event>,
        /// The deadline of each armed timer, so a re-armed or cancelled timer's old
        /// event is recognised as stale.
        deadlines: BTreeMap<(NodeId, LimitTimer), Time>,
        sequence: u64,
        replies: BTreeMap<RequestId, (NodeId, Time, LimitReply)>,
        /// How many crash spans of the central counter are in force (they may overlap).
        central_crashes: u32,
    }

    enum Event {
        Deliver(NodeId, NodeId, LimitMessage),
        Timer(NodeId, LimitTimer),
        Client(NodeId, RequestId),
        CentralCrash,
        CentralRestart,
    }

    impl<'a> Harness<'a> {
        fn new(config: ClusterConfig, fault_config: &'a DistributedConfig) -> Self {
            let limiters = fault_config.nodes as NodeId;
            let count = match config.sharing {
                SharingMode::CentralCounter => limiters + 1,
                SharingMode::PeriodicSync => limiters,
            };
            let members: Vec<NodeId> = (0..count).collect();
            let nodes = members
                .iter()
                .map(|&id| LimiterNode::new(id, &members, &config))
                .collect();
            Self {
                fault_config,
                latency: fault_config.latency_ms * MICROS_PER_MS,
                members,
                nodes,
                config,
                queue: BTreeMap::new(),
                deadlines: BTreeMap::new(),
                sequence: 0,
                replies: BTreeMap::new(),
                central_crashes: 0,
            }
        }

        fn central(&self) -> Option<NodeId> {
            (self.config.sharing == SharingMode::CentralCounter)
                .then(|| self.members.len() as NodeId - 1)
        }

        fn push(&mut self, at: Time, rank: u8, event: Event) {
            self.sequence += 1;
            self.queue.insert((at, rank, self.sequence), event);
        }

        /// Whether a message from `from` to `to` may travel at `at`.
        fn link_up(&self, from: NodeId, to: NodeId, at: Time) -> bool {
            self.fault_config.faults.iter().all(|fault| match fault {
                Fault::CutCentralLink {
                    node,
                    from_ms,
                    to_ms,
                } => {
                    let involved = Some(from) == self.central() && to == *node
                        || Some(to) == self.central() && from == *node;
                    !(involved && *from_ms * MICROS_PER_MS <= at && at < *to_ms * MICROS_PER_MS)
                }
                Fault::Partition {
                    side,
                    from_ms,
                    to_ms,
                } => {
                    let across = Some(from) != self.central()
                        && Some(to) != self.central()
                        && side.contains(&from) != side.contains(&to);
                    !(across && *from_ms * MICROS_PER_MS <= at && at < *to_ms * MICROS_PER_MS)
                }
                Fault::CrashCentral { .. } => true,
            })
        }

        fn carry_out(&mut self, node: NodeId, now: Time, out: &mut OutFor<LimiterNode>) {
            let effects: Vec<_> = out.drain().collect();
            for effect in effects {
                match effect {
                    Effect::Send { to, message } => {
                        let arrives = now + self.latency;
                        if self.link_up(node, to, now) && self.link_up(node, to, arrives) {
                            self.push(arrives, 2, Event::Deliver(node, to, message));
                        }
                    }
                    Effect::SetTimer {
                        timer, delay_min, ..
                    } => {
                        let deadline = now + delay_min;
                        self.deadlines.insert((node, timer.clone()), deadline);
                        self.push(deadline, 2, Event::Timer(node, timer));
                    }
                    Effect::CancelTimer { timer } => {
                        self.deadlines.remove(&(node, timer));
                    }
                    Effect::Reply { request, result } => {
                        self.replies.insert(request, (node, now, result));
                    }
                    Effect::Persist | Effect::AwaitDisk => {}
                }
            }
        }

        fn run(&mut self, trace: &[Arrival]) {
            let limiters = self.fault_config.nodes;
            for (index, arrival) in trace.iter().enumerate() {
                let node = (index as u64 % limiters) as NodeId;
                self.push(arrival.at, 1, Event::Client(node, index as RequestId));
            }
            let fault_config = self.fault_config;
            let has_central = self.central().is_some();
            for fault in fault_config.faults.iter().filter(|_| has_central) {
                if let Fault::CrashCentral { from_ms, to_ms } = fault {
                    // Both sort before any delivery at their instant (they are queued
                    // first), as the model's half-open spans say the central counter is
                    // down at `from` and up again at `to`.
                    self.push(*from_ms * MICROS_PER_MS, 0, Event::CentralCrash);
                    self.push(*to_ms * MICROS_PER_MS, 0, Event::CentralRestart);
                }
            }
            let mut out = Out::new();
            for id in self.members.clone() {
                let ctx = Context {
                    id,
                    now: 0,
                    nodes: &self.members.clone(),
                };
                self.nodes[id as usize].on_start(&ctx, &mut out);
                self.carry_out(id, 0, &mut out);
            }
            let last = trace.last().map_or(0, |arrival| arrival.at);
            let mut steps = 0;
            while let Some(((now, _, _), event)) = self.queue.pop_first() {
                steps += 1;
                assert!(steps < 10_000_000, "the harness ran away");
                if now > last + self.config.timeout_us() {
                    break;
                }
                let members = self.members.clone();
                let context = |id| Context {
                    id,
                    now,
                    nodes: &members,
                };
                match event {
                    Event::Deliver(from, to, message) => {
                        if Some(to) == self.central() && self.central_crashes > 0 {
                            continue;
                        }
                        self.nodes[to as usize].on_message(&context(to), from, message, &mut out);
                        self.carry_out(to, now, &mut out);
                    }
                    Event::Timer(node, timer) => {
                        if self.deadlines.get(&(node, timer.clone())) != Some(&now) {
                            continue;
                        }
                        self.deadlines.remove(&(node, timer.clone()));
                        self.nodes[node as usize].on_timer(&context(node), timer, &mut out);
                        self.carry_out(node, now, &mut out);
                    }
                    Event::Client(node, id) => {
                        let request = LimitRequest { client: 0 };
                        self.nodes[node as usize].on_client(&context(node), id, request, &mut out);
                        self.carry_out(node, now, &mut out);
                    }
                    Event::CentralCrash => self.central_crashes += 1,
                    Event::CentralRestart => {
                        self.central_crashes -= 1;
                        if let Some(central) = self.central() {
                            self.nodes[central as usize] =
                                LimiterNode::recover(central, &members, &self.config, ());
                        }
                    }
                }
            }
        }
    }

    fn cluster_config(params: &LimitParams, faults: &DistributedConfig) -> ClusterConfig {
        ClusterConfig {
            limit: params.limit,
            window_ms: params.window_ms,
            sharing: faults.sharing,
            failure_policy: faults.failure_policy,
            timeout_ms: faults.timeout_ms,
            sync_interval_ms: faults.sync_interval_ms,
            silence_ms_max: 2 * faults.sync_interval_ms + faults.latency_ms,
        }
    }

    fn assert_protocol_matches_model(
        trace: &[Arrival],
        params: &LimitParams,
        faults: &DistributedConfig,
    ) -> Result<(), TestCaseError> {
        let model = distributed::run(trace, params, faults).unwrap();
        let mut harness = Harness::new(cluster_config(params, faults), faults);
        harness.run(trace);
        prop_assert_eq!(harness.replies.len(), trace.len());
        for (index, expected) in model.decisions.iter().enumerate() {
            let (node, decided_at, reply) = harness.replies[&(index as RequestId)];
            let decision = if reply.admitted {
                Decision::Admit
            } else {
                Decision::Reject
            };
            prop_assert_eq!(node, expected.node, "request {}", index);
            prop_assert_eq!(decision, expected.decision, "request {}", index);
            prop_assert_eq!(reply.reason, expected.reason, "request {}", index);
            prop_assert_eq!(decided_at, expected.decided_at, "request {}", index);
        }
        Ok(())
    }

    fn params() -> LimitParams {
        LimitParams {
            limit: 5,
            window_ms: 100,
            burst: None,
            queue_capacity: None,
        }
    }

    fn fault() -> impl Strategy<Value = Fault> {
        (0u32..3, 0u64..400, 0u64..300, 0u8..3).prop_map(|(node, from_ms, length_ms, kind)| {
            let to_ms = from_ms + length_ms;
            match kind {
                0 => Fault::CutCentralLink {
                    node,
                    from_ms,
                    to_ms,
                },
                1 => Fault::CrashCentral { from_ms, to_ms },
                _ => Fault::Partition {
                    side: vec![node],
                    from_ms,
                    to_ms,
                },
            }
        })
    }

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(64);
        ProptestConfig::with_cases(cases)
    }

    proptest! {
        #![proptest_config(config())]

        /// The protocol, run on a harness with the model's network rules, decides every
        /// request as the closed-form model does: same node, decision, reason and time.
        #[test]
        fn the_protocol_decides_every_request_as_the_closed_form_model_does(
            gaps in prop::collection::vec(0u64..20_000, 1..120),
            central in prop::bool::ANY,
            fail_open in prop::bool::ANY,
            latency_ms in 0u64..8,
            timeout_ms in 1u64..20,
            sync_interval_ms in 5u64..40,
            faults in prop::collection::vec(fault(), 0..3),
        ) {
            let mut at = 0;
            let trace: Vec<Arrival> = gaps
                .into_iter()
                .map(|gap| {
                    at += gap;
                    Arrival { at, client: 0 }
                })
                .collect();
            let faults = DistributedConfig {
                nodes: 3,
                sharing: if central { SharingMode::CentralCounter } else { SharingMode::PeriodicSync },
                failure_policy: if fail_open { FailurePolicy::FailOpen } else { FailurePolicy::FailClosed },
                latency_ms,
                timeout_ms,
                sync_interval_ms,
                faults,
            };
            assert_protocol_matches_model(&trace, &params(), &faults)?;
        }
    }

    #[test]
    fn the_default_configuration_is_valid_and_a_zero_window_is_named() {
        assert_eq!(ClusterConfig::default().validate(), Ok(()));
        let zero = ClusterConfig {
            window_ms: 0,
            ..ClusterConfig::default()
        };
        assert_eq!(
            zero.validate(),
            Err((
                "window_ms".to_string(),
                "must be between 1 and 86400000, got 0".to_string()
            ))
        );
    }

    #[test]
    fn a_limiter_node_fails_open_when_the_central_counter_never_answers() {
        let config = ClusterConfig::default();
        let members = [0, 1];
        let mut node = LimiterNode::new(0, &members, &config);
        let ctx = Context {
            id: 0,
            now: 5,
            nodes: &members,
        };
        let mut out = Out::new();
        node.on_client(&ctx, 7, LimitRequest { client: 0 }, &mut out);
        assert_eq!(
            out.effects()[0],
            Effect::Send {
                to: 1,
                message: LimitMessage::Ask {
                    request: 7,
                    window: 0
                }
            }
        );
        out.clear();
        node.on_timer(&ctx, LimitTimer::Answer(7), &mut out);
        assert_eq!(
            out.effects(),
            &[Effect::Reply {
                request: 7,
                result: LimitReply {
                    admitted: true,
                    reason: Reason::CentralUnreachableFailedOpen
                }
            }]
        );
        // The late answer finds nothing pending and changes nothing.
        out.clear();
        node.on_message(
            &ctx,
            1,
            LimitMessage::Answer {
                request: 7,
                admitted: false,
            },
            &mut out,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn the_central_counter_admits_the_limit_per_window_and_forgets_on_restart() {
        let config = ClusterConfig {
            limit: 2,
            ..ClusterConfig::default()
        };
        let members = [0, 1, 2];
        let mut central = LimiterNode::new(2, &members, &config);
        assert_eq!(central.role(), "central");
        let ctx = Context {
            id: 2,
            now: 0,
            nodes: &members,
        };
        let mut out = Out::new();
        for request in 0..3 {
            central.on_message(&ctx, 0, LimitMessage::Ask { request, window: 4 }, &mut out);
        }
        let answers: Vec<bool> = out
            .effects()
            .iter()
            .filter_map(|effect| match effect {
                Effect::Send {
                    message: LimitMessage::Answer { admitted, .. },
                    ..
                } => Some(*admitted),
                _ => None,
            })
            .collect();
        assert_eq!(answers, vec![true, true, false]);
        // Nothing is durable: the restarted counter is rebuilt from the unit value.
        let mut restarted = LimiterNode::recover(2, &members, &config, ());
        out.clear();
        restarted.on_message(
            &ctx,
            0,
            LimitMessage::Ask {
                request: 9,
                window: 4,
            },
            &mut out,
        );
        assert_eq!(
            out.effects()[0],
            Effect::Send {
                to: 0,
                message: LimitMessage::Answer {
                    request: 9,
                    admitted: true
                }
            }
        );
    }
}
