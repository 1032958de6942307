//! A distributed limiter: one global limit enforced by several limiter nodes behind a
//! load balancer, and what network faults do to it.
//!
//! The global rule is "at most `limit` requests per aligned window of `window_ms`, over
//! all clients together". A load balancer hands requests to the limiter nodes in turn
//! (round robin), so no single node sees all the traffic, and the nodes must share
//! what they have admitted in one of two ways:
//!
//! - **Central counter** ([`SharingMode::CentralCounter`]): every node asks one central
//!   counter node (think Redis `INCR` on a key per window) and waits for the answer.
//!   The count is exact while the central node is reachable. If the node's link to it
//!   is cut, or the central node is down, the question is lost and the node gives up
//!   after `timeout_ms`: it must then admit without knowing (fail-open, the global
//!   limit can be exceeded) or reject (fail-closed, good traffic is refused). A central
//!   node that crashes loses its counts, so after it restarts the current window is
//!   counted from zero again.
//! - **Periodic synchronization** ([`SharingMode::PeriodicSync`]): each node counts what
//!   it admitted in the current window and every `sync_interval_ms` sends its count to
//!   every other node. A node admits while its own count plus the last counts it heard
//!   from its peers for the same window stay under the limit. Between syncs the peers'
//!   counts are stale, so the limit is exceeded even without faults (windows of 12 to 14
//!   for a limit of 10 in the partition preset); during a partition the two sides stop
//!   hearing each other and each admits up to the whole limit (windows of 20 and 21). Fail-closed here means a node that has not heard from some peer for longer
//!   than two sync intervals plus the latency rejects everything until it hears again.
//!
//! Requests carry the window of their arrival time (the node's clock), as a Redis key
//! named after the window would, so the central counter and the ground truth count the
//! same windows. The ground truth is an ideal single limiter that sees every request
//! at once: in each window it admits `min(offered, limit)`. Against it the model
//! reports how many requests were admitted over the global limit (and that as a percent
//! of what the ideal limiter admits) and how many were wrongly rejected (the ideal
//! limiter had room for them).
//!
//! This is a self-contained deterministic model in integer microseconds (the same
//! limiter as a protocol for the simulation engine is [`super::cluster`]): every message takes exactly `latency_ms` one way, a message
//! is lost when its link is cut (or its receiver is down) at the moment it is sent or
//! would arrive, and events at the same instant happen in the engine's order: faults
//! and client requests (scheduled before the run) come first, then messages and timers
//! in the order they were set off. So a request decides before a sync message arriving
//! at the same microsecond, and a timeout that falls on the very microsecond of the
//! central counter's answer wins. The same trace and configuration always give the
//! same result, and the engine run of the same scenario (see [`super::engine`]) gives
//! the same decisions at the same times.

use crate::collections::SortedMap;
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::{Arrival, ClientKey, Decision, Error, LimitParams, Time, check_range};
use crate::protocol::{MICROS_PER_MS, NodeId};

/// The most limiter nodes a model may have.
pub const NODES_MAX: u64 = 16;

/// The most faults a configuration may list.
pub const FAULTS_MAX: usize = 64;

/// The most synchronization rounds one run may hold.
pub const SYNC_ROUNDS_MAX: u64 = 100_000;

/// The longest latency or timeout, in milliseconds.
pub const DELAY_MS_MAX: u64 = 60_000;

/// How the limiter nodes share what they admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharingMode {
    /// Every decision asks one central counter node.
    CentralCounter,
    /// Nodes decide locally and exchange their counts every sync interval.
    PeriodicSync,
}

/// What a node does when it cannot know the global count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// Admit: availability first, the global limit may be exceeded.
    FailOpen,
    /// Reject: the limit first, good traffic may be refused.
    FailClosed,
}

/// A fault over the half-open span `[from_ms, to_ms)` of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// The link between limiter node `node` and the central counter is cut.
    CutCentralLink {
        /// The limiter node, from 0.
        node: NodeId,
        /// When the cut starts, in milliseconds.
        from_ms: u64,
        /// When the link heals, in milliseconds.
        to_ms: u64,
    },
    /// The central counter is down, and loses its counts.
    CrashCentral {
        /// When it crashes, in milliseconds.
        from_ms: u64,
        /// When it restarts (empty), in milliseconds.
        to_ms: u64,
    },
    /// The limiter nodes in `side` cannot exchange messages with the others (the
    /// central counter stays reachable from both sides).
    Partition {
        /// The nodes on one side; every other node is on the other.
        side: Vec<NodeId>,
        /// When the partition starts, in milliseconds.
        from_ms: u64,
        /// When it heals, in milliseconds.
        to_ms: u64,
    },
}

impl Fault {
    /// The span `[from, to)` in microseconds.
    fn span(&self) -> (Time, Time) {
        let (from_ms, to_ms) = match self {
            Fault::CutCentralLink { from_ms, to_ms, .. }
            | Fault::CrashCentral { from_ms, to_ms }
            | Fault::Partition { from_ms, to_ms, .. } => (*from_ms, *to_ms),
        };
        (from_ms * MICROS_PER_MS, to_ms * MICROS_PER_MS)
    }

    fn active_at(&self, at: Time) -> bool {
        let (from, to) = self.span();
        from <= at && at < to
    }
}

/// The distributed limiter's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributedConfig {
    /// How many limiter nodes share the load. In a scenario this comes from the
    /// top-level `nodes`, so it is neither read from nor written to JSON.
    #[serde(skip, default = "one_node")]
    pub nodes: u64,
    /// How they share state.
    pub sharing: SharingMode,
    /// What a node does when it cannot know the global count.
    pub failure_policy: FailurePolicy,
    /// One-way network latency between any two nodes, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// How long a node waits for the central counter before applying its failure
    /// policy, in milliseconds (central counter mode).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// How often nodes send their counts to each other, in milliseconds (periodic
    /// synchronization mode).
    #[serde(default = "default_sync_interval_ms")]
    pub sync_interval_ms: u64,
    /// The faults, in any order.
    #[serde(default)]
    pub faults: Vec<Fault>,
}

impl Default for DistributedConfig {
    /// One limiter node asking a central counter 1 ms away, failing open after
    /// 100 ms, syncing every 100 ms in periodic mode, and no faults.
    fn default() -> Self {
        Self {
            nodes: 1,
            sharing: SharingMode::CentralCounter,
            failure_policy: FailurePolicy::FailOpen,
            latency_ms: 1,
            timeout_ms: default_timeout_ms(),
            sync_interval_ms: default_sync_interval_ms(),
            faults: Vec::new(),
        }
    }
}

fn one_node() -> u64 {
    1
}

fn default_timeout_ms() -> u64 {
    100
}

fn default_sync_interval_ms() -> u64 {
    100
}

impl DistributedConfig {
    /// Checks every number, naming fields under `path` (e.g. `distributed`).
    pub fn validate(&self, path: &str) -> Result<(), Error> {
        check_range(&format!("{path}.nodes"), self.nodes, 1, NODES_MAX)?;
        check_range(
            &format!("{path}.latency_ms"),
            self.latency_ms,
            0,
            DELAY_MS_MAX,
        )?;
        check_range(
            &format!("{path}.timeout_ms"),
            self.timeout_ms,
            1,
            DELAY_MS_MAX,
        )?;
        check_range(
            &format!("{path}.sync_interval_ms"),
            self.sync_interval_ms,
            1,
            DELAY_MS_MAX,
        )?;
        if self.faults.len() > FAULTS_MAX {
            return Err(Error::at(
                format!("{path}.faults"),
                format!(
                    "must hold at most {FAULTS_MAX} faults, got {}",
                    self.faults.len()
                ),
            ));
        }
        for (index, fault) in self.faults.iter().enumerate() {
            let field = format!("{path}.faults[{index}]");
            let (from, to) = fault.span();
            check_range(
                &format!("{field}.from_ms"),
                from / MICROS_PER_MS,
                0,
                86_400_000,
            )?;
            check_range(&format!("{field}.to_ms"), to / MICROS_PER_MS, 0, 86_400_000)?;
            if to < from {
                return Err(Error::at(
                    format!("{field}.to_ms"),
                    "must not be before from_ms",
                ));
            }
            match fault {
                Fault::CutCentralLink { node, .. } => {
                    check_range(
                        &format!("{field}.node"),
                        u64::from(*node),
                        0,
                        self.nodes - 1,
                    )?;
                }
                Fault::CrashCentral { .. } => {}
                Fault::Partition { side, .. } => {
                    if side.is_empty() || side.len() as u64 >= self.nodes {
                        return Err(Error::at(
                            format!("{field}.side"),
                            "must list at least one node and leave at least one on the other side",
                        ));
                    }
                    for (position, node) in side.iter().enumerate() {
                        check_range(
                            &format!("{field}.side[{position}]"),
                            u64::from(*node),
                            0,
                            self.nodes - 1,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    fn central_link_up(&self, node: NodeId, at: Time) -> bool {
        !self.faults.iter().any(|fault| {
            matches!(fault, Fault::CutCentralLink { node: cut, .. } if *cut == node)
                && fault.active_at(at)
        })
    }

    fn central_up(&self, at: Time) -> bool {
        !self
            .faults
            .iter()
            .any(|fault| matches!(fault, Fault::CrashCentral { .. }) && fault.active_at(at))
    }

    /// The latest restart of the central counter at or before `at`, if any: counts
    /// made before it were lost.
    fn central_restarted_at(&self, at: Time) -> Option<Time> {
        self.faults
            .iter()
            .filter(|fault| matches!(fault, Fault::CrashCentral { .. }))
            .map(Fault::span)
            .filter(|&(_, to)| to <= at)
            .map(|(_, to)| to)
            .max()
    }

    fn nodes_connected(&self, first: NodeId, second: NodeId, at: Time) -> bool {
        !self.faults.iter().any(|fault| match fault {
            Fault::Partition { side, .. } => {
                fault.active_at(at) && (side.contains(&first) != side.contains(&second))
            }
            Fault::CutCentralLink { .. } | Fault::CrashCentral { .. } => false,
        })
    }
}

/// Why a node decided as it did, for the timeline's tooltip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The central counter answered that the window had room.
    CentralAdmitted,
    /// The central counter answered that the window was full.
    CentralRejected,
    /// No answer from the central counter in time; the node failed open.
    CentralUnreachableFailedOpen,
    /// No answer from the central counter in time; the node failed closed.
    CentralUnreachableFailedClosed,
    /// The node's own count plus its peers' last counts had room.
    EstimateAdmitted,
    /// The node's own count plus its peers' last counts reached the limit.
    EstimateRejected,
    /// Some peer was silent for too long and the node failed closed.
    PeersSilentFailedClosed,
}

/// One request's fate in the distributed limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DistributedDecision {
    /// When it arrived at the load balancer, in microseconds.
    pub at: Time,
    /// Whose request it was.
    pub client: ClientKey,
    /// Which limiter node the load balancer gave it to.
    pub node: NodeId,
    /// Admit or reject.
    pub decision: Decision,
    /// When the node knew, in microseconds (later than `at` when it waited for the
    /// central counter).
    pub decided_at: Time,
    /// Why.
    pub reason: Reason,
}

/// One window of the ground-truth comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WindowOutcome {
    /// The window's start, in microseconds.
    pub start: Time,
    /// Requests that arrived in it.
    pub offered: u64,
    /// Requests the distributed limiter admitted in it.
    pub admitted: u64,
    /// Requests an ideal single limiter would have admitted: `min(offered, limit)`.
    pub ideal_admitted: u64,
}

/// The distributed limiter's result on one trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistributedOutcome {
    /// Per request, in trace order.
    pub decisions: Vec<DistributedDecision>,
    /// Per window that had traffic, in time order.
    pub windows: Vec<WindowOutcome>,
    /// Requests admitted in total.
    pub admitted: u64,
    /// Requests rejected in total.
    pub rejected: u64,
    /// What an ideal single limiter admits in total.
    pub ideal_admitted: u64,
    /// Requests admitted beyond the global limit, summed over windows.
    pub admitted_over_limit: u64,
    /// `admitted_over_limit` as a percent of `ideal_admitted` (display only; decisions
    /// never use it).
    pub admitted_over_limit_percent: f64,
    /// The worst window's excess over the limit, as a percent of the limit.
    pub window_over_limit_percent_max: f64,
    /// Requests refused although the ideal limiter had room, summed over windows.
    pub wrongly_rejected: u64,
    /// Messages between nodes (questions, answers and syncs) that were sent.
    pub messages_sent: u64,
    /// Messages lost to a cut link, a partition or a crashed central counter.
    pub messages_lost: u64,
}

/// Runs `trace` (sorted by time) through the distributed limiter.
pub fn run(
    trace: &[Arrival],
    params: &LimitParams,
    config: &DistributedConfig,
) -> Result<DistributedOutcome, Error> {
    run_under("distributed", trace, params, config)
}

/// [`run`], naming the configuration's fields under `path` in errors (e.g.
/// `params.distributed.sync_interval_ms`).
pub fn run_under(
    path: &str,
    trace: &[Arrival],
    params: &LimitParams,
    config: &DistributedConfig,
) -> Result<DistributedOutcome, Error> {
    params.validate("params")?;
    config.validate(path)?;
    let mut model = Model::new(params, config);
    if config.sharing == SharingMode::PeriodicSync {
        let last = trace.last().map_or(0, |arrival| arrival.at);
        let rounds = last / (config.sync_interval_ms * MICROS_PER_MS);
        if rounds > SYNC_ROUNDS_MAX {
            return Err(Error::at(
                format!("{path}.sync_interval_ms"),
                format!(
                    "the run would need {rounds} sync rounds, more than {SYNC_ROUNDS_MAX}; sync less often"
                ),
            ));
        }
    }
    let decisions = trace
        .iter()
        .enumerate()
        .map(|(index, &arrival)| model.decide(index, arrival))
        .collect::<Vec<_>>();
    Ok(model.outcome(decisions))
}

/// A count one node sent another: what it admitted in `window`.
#[derive(Debug, Clone, Copy)]
struct SyncMessage {
    deliver_at: Time,
    from: NodeId,
    to: NodeId,
    window: u64,
    count: u64,
}

/// What one node last heard from one peer.
#[derive(Debug, Clone, Copy, Default)]
struct PeerCount {
    window: u64,
    count: u64,
    heard_at: Time,
}

struct Model<'a> {
    config: &'a DistributedConfig,
    limit: u64,
    window_us: Time,
    latency_us: Time,
    /// Central counter mode: admitted per window, and since which restart.
    central_counts: SortedMap<u64, u64>,
    central_counts_since: Option<Time>,
    /// Periodic sync mode: each node's own (window, count).
    local: Vec<(u64, u64)>,
    /// Periodic sync mode: `peers[node][peer]`.
    peers: Vec<Vec<PeerCount>>,
    next_sync_at: Time,
    in_flight: VecDeque<SyncMessage>,
    messages_sent: u64,
    messages_lost: u64,
}

impl<'a> Model<'a> {
    fn new(params: &LimitParams, config: &'a DistributedConfig) -> Self {
        let nodes = config.nodes as usize;
        Self {
            config,
            limit: params.limit,
            window_us: params.window_us(),
            latency_us: config.latency_ms * MICROS_PER_MS,
            central_counts: SortedMap::new(),
            central_counts_since: None,
            local: vec![(0, 0); nodes],
            peers: vec![vec![PeerCount::default(); nodes]; nodes],
            next_sync_at: config.sync_interval_ms * MICROS_PER_MS,
            in_flight: VecDeque::new(),
            messages_sent: 0,
            messages_lost: 0,
        }
    }

    fn decide(&mut self, index: usize, arrival: Arrival) -> DistributedDecision {
        // Round robin: the load balancer hands request i to node i mod n.
        let node = (index as u64 % self.config.nodes) as NodeId;
        let window = arrival.at / self.window_us;
        let (admitted, decided_at, reason) = match self.config.sharing {
            SharingMode::CentralCounter => self.ask_central(node, arrival.at, window),
            SharingMode::PeriodicSync => {
                self.sync_until(arrival.at);
                self.decide_locally(node, arrival.at, window)
            }
        };
        DistributedDecision {
            at: arrival.at,
            client: arrival.client,
            node,
            decision: if admitted {
                Decision::Admit
            } else {
                Decision::Reject
            },
            decided_at,
            reason,
        }
    }

    fn ask_central(&mut self, node: NodeId, at: Time, window: u64) -> (bool, Time, Reason) {
        let config = self.config;
        let reaches_at = at.saturating_add(self.latency_us);
        let answered_at = reaches_at.saturating_add(self.latency_us);
        let timeout_at = at.saturating_add(config.timeout_ms * MICROS_PER_MS);
        self.messages_sent += 1;
        let question_arrives = config.central_link_up(node, at)
            && config.central_link_up(node, reaches_at)
            && config.central_up(reaches_at);
        let answer = if question_arrives {
            let restarted = config.central_restarted_at(reaches_at);
            if restarted != self.central_counts_since {
                // The central counter crashed since it last counted: its counts are gone.
                self.central_counts.clear();
                self.central_counts_since = restarted;
            }
            let count = self.central_counts.entry(window).or_insert(0);
            let admitted = *count < self.limit;
            if admitted {
                *count += 1;
            }
            // Requests come in time order, so windows before the previous one are never
            // asked about again; dropping them keeps the map bounded.
            let oldest_kept = window.saturating_sub(1);
            self.central_counts.retain(|&kept, _| kept >= oldest_kept);
            self.messages_sent += 1;
            let answer_arrives = config.central_link_up(node, reaches_at)
                && config.central_link_up(node, answered_at);
            if answer_arrives {
                Some(admitted)
            } else {
                self.messages_lost += 1;
                None
            }
        } else {
            self.messages_lost += 1;
            None
        };
        match answer {
            // The timeout was armed before the answer was sent, so at the same instant
            // it fires first.
            Some(admitted) if answered_at < timeout_at => {
                let reason = if admitted {
                    Reason::CentralAdmitted
                } else {
                    Reason::CentralRejected
                };
                (admitted, answered_at, reason)
            }
            _ => match config.failure_policy {
                FailurePolicy::FailOpen => (true, timeout_at, Reason::CentralUnreachableFailedOpen),
                FailurePolicy::FailClosed => {
                    (false, timeout_at, Reason::CentralUnreachableFailedClosed)
                }
            },
        }
    }

    /// Delivers every sync message and sends every sync round due strictly before
    /// `now`, in time order: a request at `now` is decided before anything else at `now`
    /// happens, as on the engine, where requests are scheduled before the run starts.
    /// (Whether a delivery or a send comes first at one instant changes nothing: a node
    /// sends its own count, whatever it has heard.)
    fn sync_until(&mut self, now: Time) {
        let interval = self.config.sync_interval_ms * MICROS_PER_MS;
        loop {
            let delivery = self.in_flight.front().map(|message| message.deliver_at);
            let send = Some(self.next_sync_at).filter(|&at| at < now);
            match (delivery.filter(|&at| at < now), send) {
                (Some(deliver_at), Some(send_at)) if deliver_at <= send_at => self.deliver(),
                (Some(_), None) => self.deliver(),
                (_, Some(send_at)) => {
                    self.send_counts(send_at);
                    self.next_sync_at = send_at.saturating_add(interval);
                }
                (None, None) => break,
            }
        }
    }

    fn deliver(&mut self) {
        let Some(message) = self.in_flight.pop_front() else {
            return;
        };
        let peer = &mut self.peers[message.to as usize][message.from as usize];
        *peer = PeerCount {
            window: message.window,
            count: message.count,
            heard_at: message.deliver_at,
        };
    }

    fn send_counts(&mut self, at: Time) {
        let window = at / self.window_us;
        let deliver_at = at.saturating_add(self.latency_us);
        for from in 0..self.config.nodes as NodeId {
            let (own_window, own_count) = self.local[from as usize];
            let count = if own_window == window { own_count } else { 0 };
            for to in 0..self.config.nodes as NodeId {
                if to == from {
                    continue;
                }
                self.messages_sent += 1;
                if self.config.nodes_connected(from, to, at)
                    && self.config.nodes_connected(from, to, deliver_at)
                {
                    self.in_flight.push_back(SyncMessage {
                        deliver_at,
                        from,
                        to,
                        window,
                        count,
                    });
                } else {
                    self.messages_lost += 1;
                }
            }
        }
    }

    fn decide_locally(&mut self, node: NodeId, at: Time, window: u64) -> (bool, Time, Reason) {
        let index = node as usize;
        if self.local[index].0 != window {
            self.local[index] = (window, 0);
        }
        let silence_max = 2 * self.config.sync_interval_ms * MICROS_PER_MS + self.latency_us;
        let some_peer_silent = self.peers[index]
            .iter()
            .enumerate()
            .any(|(peer, heard)| peer != index && at.saturating_sub(heard.heard_at) > silence_max);
        if some_peer_silent && self.config.failure_policy == FailurePolicy::FailClosed {
            return (false, at, Reason::PeersSilentFailedClosed);
        }
        let peers_count: u64 = self.peers[index]
            .iter()
            .enumerate()
            .filter(|&(peer, heard)| peer != index && heard.window == window)
            .map(|(_, heard)| heard.count)
            .sum();
        if self.local[index].1 + peers_count < self.limit {
            self.local[index].1 += 1;
            (true, at, Reason::EstimateAdmitted)
        } else {
            (false, at, Reason::EstimateRejected)
        }
    }

    fn outcome(self, decisions: Vec<DistributedDecision>) -> DistributedOutcome {
        let mut outcome = summarize(decisions, self.limit, self.window_us);
        outcome.messages_sent = self.messages_sent;
        outcome.messages_lost = self.messages_lost;
        outcome
    }
}

/// Compares `decisions` with the ideal single limiter of `limit` per aligned window of
/// `window_us`: per-window counts, admissions over the limit and wrong rejections. The
/// message counts are left at zero for the caller to fill in. The engine lab uses it on
/// the answers given so far, so the figures can be shown live.
pub fn summarize(
    decisions: Vec<DistributedDecision>,
    limit: u64,
    window_us: Time,
) -> DistributedOutcome {
    let window_us = window_us.max(1);
    let mut per_window: SortedMap<u64, (u64, u64)> = SortedMap::new();
    for decision in &decisions {
        let entry = per_window.entry(decision.at / window_us).or_default();
        entry.0 += 1;
        if decision.decision.is_admitted() {
            entry.1 += 1;
        }
    }
    let windows: Vec<WindowOutcome> = per_window
        .into_iter()
        .map(|(window, (offered, admitted))| WindowOutcome {
            start: window * window_us,
            offered,
            admitted,
            ideal_admitted: offered.min(limit),
        })
        .collect();
    let admitted = windows.iter().map(|window| window.admitted).sum();
    let ideal_admitted: u64 = windows.iter().map(|window| window.ideal_admitted).sum();
    let admitted_over_limit: u64 = windows
        .iter()
        .map(|window| window.admitted.saturating_sub(limit))
        .sum();
    let wrongly_rejected = windows
        .iter()
        .map(|window| window.ideal_admitted.saturating_sub(window.admitted))
        .sum();
    let worst_excess = windows
        .iter()
        .map(|window| window.admitted.saturating_sub(limit))
        .max()
        .unwrap_or(0);
    DistributedOutcome {
        rejected: decisions.len() as u64 - admitted,
        decisions,
        windows,
        admitted,
        ideal_admitted,
        admitted_over_limit,
        admitted_over_limit_percent: percent(admitted_over_limit, ideal_admitted),
        window_over_limit_percent_max: percent(worst_excess, limit),
        wrongly_rejected,
        messages_sent: 0,
        messages_lost: 0,
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> LimitParams {
        LimitParams {
            limit: 10,
            window_ms: 1_000,
            burst: None,
            queue_capacity: None,
        }
    }

    fn config(sharing: SharingMode, failure_policy: FailurePolicy) -> DistributedConfig {
        DistributedConfig {
            nodes: 3,
            sharing,
            failure_policy,
            latency_ms: 1,
            timeout_ms: 50,
            sync_interval_ms: 100,
            faults: Vec::new(),
        }
    }

    /// Thirty requests per second, evenly spread, for `seconds` seconds: three times
    /// the global limit. Each comes 1 ms after its thirtieth of a second, so that none
    /// falls on the very instant of a sync.
    fn overload(seconds: u64) -> Vec<Arrival> {
        (0..30 * seconds)
            .map(|request| Arrival {
                at: request * 1_000_000 / 30 + 1_000,
                client: 0,
            })
            .collect()
    }

    #[test]
    fn a_reachable_central_counter_enforces_the_global_limit_exactly() {
        let outcome = run(
            &overload(4),
            &params(),
            &config(SharingMode::CentralCounter, FailurePolicy::FailOpen),
        )
        .unwrap();
        assert_eq!(outcome.admitted, 40);
        assert_eq!(outcome.admitted_over_limit, 0);
        assert_eq!(outcome.wrongly_rejected, 0);
        assert_eq!(outcome.messages_lost, 0);
        assert_eq!(outcome.decisions[0].decided_at, 3_000);
    }

    #[test]
    fn a_crashed_central_counter_fails_open_over_the_limit_or_closed_under_it() {
        let mut open = config(SharingMode::CentralCounter, FailurePolicy::FailOpen);
        open.faults.push(Fault::CrashCentral {
            from_ms: 1_000,
            to_ms: 2_000,
        });
        let outcome = run(&overload(3), &params(), &open).unwrap();
        // Second 1: all thirty admitted without asking, twenty over the limit.
        assert_eq!(outcome.windows[1].admitted, 30);
        assert_eq!(outcome.admitted_over_limit, 20);
        assert_eq!(outcome.wrongly_rejected, 0);
        assert!((outcome.admitted_over_limit_percent - 20.0 * 100.0 / 30.0).abs() < 1e-9);

        let mut closed = open.clone();
        closed.failure_policy = FailurePolicy::FailClosed;
        let outcome = run(&overload(3), &params(), &closed).unwrap();
        assert_eq!(outcome.windows[1].admitted, 0);
        assert_eq!(outcome.admitted_over_limit, 0);
        assert_eq!(outcome.wrongly_rejected, 10);
    }

    #[test]
    fn a_central_counter_that_restarts_mid_window_counts_that_window_again() {
        let mut crash = config(SharingMode::CentralCounter, FailurePolicy::FailClosed);
        crash.faults.push(Fault::CrashCentral {
            from_ms: 500,
            to_ms: 600,
        });
        let outcome = run(&overload(1), &params(), &crash).unwrap();
        // Ten admitted before the crash (all by about 300 ms), the counts are lost, and
        // ten more after the restart at 600 ms: twice the limit in one window.
        assert_eq!(outcome.windows[0].admitted, 20);
        assert_eq!(outcome.admitted_over_limit, 10);
    }

    #[test]
    fn a_cut_link_only_affects_the_node_behind_it() {
        let mut cut = config(SharingMode::CentralCounter, FailurePolicy::FailClosed);
        cut.faults.push(Fault::CutCentralLink {
            node: 1,
            from_ms: 0,
            to_ms: 10_000,
        });
        let outcome = run(&overload(1), &params(), &cut).unwrap();
        for decision in &outcome.decisions {
            let unreachable = decision.reason == Reason::CentralUnreachableFailedClosed;
            assert_eq!(unreachable, decision.node == 1, "{decision:?}");
        }
        assert_eq!(outcome.admitted, 10);
    }

    #[test]
    fn periodic_sync_overshoots_a_little_between_syncs_and_a_lot_in_a_partition() {
        let healthy = run(
            &overload(3),
            &params(),
            &config(SharingMode::PeriodicSync, FailurePolicy::FailOpen),
        )
        .unwrap();
        // Between syncs each node sees its peers' counts up to a sync interval old, so
        // the three nodes together let two extra requests through every window.
        let admitted: Vec<u64> = healthy
            .windows
            .iter()
            .map(|window| window.admitted)
            .collect();
        assert_eq!(admitted, vec![12, 12, 12]);
        assert_eq!(healthy.admitted_over_limit, 6);

        let mut split = config(SharingMode::PeriodicSync, FailurePolicy::FailOpen);
        split.faults.push(Fault::Partition {
            side: vec![0],
            from_ms: 0,
            to_ms: 10_000,
        });
        let partitioned = run(&overload(3), &params(), &split).unwrap();
        // Each side believes it is alone and admits up to the whole limit: node 0 all of
        // its ten requests a second, nodes 1 and 2 together ten of their twenty.
        let admitted: Vec<u64> = partitioned
            .windows
            .iter()
            .map(|window| window.admitted)
            .collect();
        assert_eq!(admitted, vec![20, 20, 20]);
        assert_eq!(partitioned.admitted_over_limit, 30);
        assert!((partitioned.window_over_limit_percent_max - 100.0).abs() < 1e-9);
    }

    #[test]
    fn periodic_sync_failing_closed_stops_every_node_that_cannot_hear_a_peer() {
        let mut split = config(SharingMode::PeriodicSync, FailurePolicy::FailClosed);
        split.faults.push(Fault::Partition {
            side: vec![0],
            from_ms: 1_000,
            to_ms: 10_000,
        });
        let outcome = run(&overload(3), &params(), &split).unwrap();
        // Every node has a peer across the partition. The sync sent at 1_000 ms is lost,
        // the last one heard arrived at 901 ms, and once the silence exceeds two sync
        // intervals plus the latency (201 ms, so after 1_102 ms) every node rejects:
        // safe for the limit, costly for good traffic. Before that, four get through.
        let admitted: Vec<u64> = outcome
            .windows
            .iter()
            .map(|window| window.admitted)
            .collect();
        assert_eq!(admitted, vec![12, 4, 0]);
        assert_eq!(outcome.wrongly_rejected, 6 + 10);
        assert!(
            outcome
                .decisions
                .iter()
                .any(|decision| decision.reason == Reason::PeersSilentFailedClosed)
        );
    }

    #[test]
    fn a_fault_naming_a_missing_node_is_refused_with_its_path() {
        let mut bad = config(SharingMode::CentralCounter, FailurePolicy::FailOpen);
        bad.faults.push(Fault::CutCentralLink {
            node: 3,
            from_ms: 0,
            to_ms: 1,
        });
        let error = run(&[], &params(), &bad).unwrap_err();
        assert_eq!(
            error.to_string(),
            "distributed.faults[0].node: must be between 0 and 2, got 3"
        );
    }
}
