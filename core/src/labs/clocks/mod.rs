//! Time and order: physical clocks that disagree, the logical clocks that order events
//! without them, and a consistent snapshot of a running bank, read beside Lamport, "Time,
//! Clocks, and the Ordering of Events in a Distributed System" (1978), Mattern, "Virtual
//! Time and Global States of Distributed Systems" (1988), Kulkarni, Demirbas, Madappa,
//! Avva and Leone, "Logical Physical Clocks" (2014), Chandy and Lamport, "Distributed
//! Snapshots: Determining Global States of Distributed Systems" (1985), and Corbett et al.,
//! "Spanner: Google's Globally-Distributed Database" (2012) for TrueTime.
//!
//! **Physical clocks.** Each node reads a clock of its own ([`clock::PhysicalClock`]):
//! true (virtual) time plus an offset, plus a drift of some parts per million, so two
//! nodes' readings drift apart as the run goes on. The scenario sets each node's offset and
//! drift (`params.clocks`), or leaves them to be drawn from a ChaCha8 generator seeded with
//! the scenario's seed (within `offset_us_max` and `drift_ppm_max`). The protocol never
//! reads true time except to compute its own clock's reading from it; the lab's checks
//! read true time to say how wrong the clocks are. The skew `ε` at a moment is the spread
//! between the fastest and the slowest clock then.
//!
//! **Happened before (Lamport, 1978).** Event `a` happened before `b` when they are on one
//! node in that order, or `a` sends a message that `b` receives, or a chain of these leads
//! from `a` to `b`; otherwise they are concurrent. The space-time diagram draws exactly
//! this relation (`crate::spacetime::causality` computes it from the trace).
//!
//! **Logical clocks.** Lamport's clock is one counter per node: increment it between two
//! events (IR1) and, on receipt, move it past the message's timestamp (IR2). Then `a -> b`
//! implies `L(a) < L(b)` (the Clock Condition) but not the converse. A vector clock keeps
//! one counter per node and takes the entry-wise maximum on receipt, and then `a -> b`
//! exactly when `V(a) < V(b)`: concurrent events have incomparable vectors. Every event a
//! node handles (a timer, a client's request, a delivery) and every message it sends is
//! an event and is stamped with all three clocks ([`clock::Stamp`]); each message carries
//! its send event's stamp.
//!
//! **Hybrid logical clocks (Kulkarni et al., 2014).** An HLC timestamp `(l, c)` keeps
//! Lamport's guarantee while staying close to physical time: `l` is the largest physical
//! reading the node has heard of (its own or a message's), `c` a counter that breaks ties
//! when `l` does not move. The algorithm ([`clock::Hlc`]) never lets `l` fall behind the
//! node's own physical clock, and since every `l` is some node's earlier reading, `l`
//! stays within the skew `ε` of the node's physical time: `0 <= l - pt <= ε`.
//!
//! **Consistent snapshots (Chandy and Lamport, 1985).** The nodes run a bank: each starts
//! with `initial_balance`, and on its workload timer either makes a local event or sends a
//! transfer of part of its balance to another node, so the total money is conserved
//! (some of it is in flight at any moment). A snapshot starts at any node (a client's
//! `{"op": "snapshot"}`, or the lab action `snapshot`). The marker sending rule: a node
//! records its state (its balance), then sends a marker on every outgoing channel before
//! any further message. The marker receiving rule: on a marker from channel `c`, a node
//! that has not recorded its state records it, records `c` as empty and starts recording
//! its other incoming channels; a node that has, records `c`'s state as the transfers that
//! arrived on `c` since it recorded its own state. When a node has a marker from every
//! incoming channel its part is done, and it sends its recorded state to the initiator,
//! which adds up the balances and the channels' transfers. The recorded global state need
//! not have happened at any one instant, but it is consistent, so its sum is the total.
//!
//! **FIFO channels.** The algorithm needs channels that deliver in order; the simulated
//! network reorders (latencies vary), so every message carries a per-channel sequence
//! number and the receiver holds back a message until its predecessors have arrived, as
//! TCP does. The bug switch `non_fifo` hands messages over as they arrive: a transfer
//! sent after a marker can overtake it, is counted in the receiver's recorded balance and
//! again in its sender's, and the snapshot's sum comes out wrong. The lab assumes, as the
//! paper does, that channels lose nothing and nodes do not fail; a run where a transfer is
//! lost or a node crashed says the sum cannot be checked.
//!
//! **TrueTime and commit wait (Corbett et al., 2012).** Each node also leads one row of a
//! small Spanner-style store: a client's write is a transaction whose commit timestamp is
//! `TT.now().latest`, and the leader acknowledges it only once `TT.after(s)` holds, about
//! `2ε` later ([`truetime`] follows the paper's sections 3 and 4.1.2). The bug switch
//! `skip_commit_wait` acknowledges at once.
//!
//! **What is checked ([`lab`]).** After every event: the clock condition for Lamport's
//! clock, the vector clocks' rules, the HLC bound, that every snapshot's sum is the
//! total, that every `TT.now()` interval holds the true time, and external consistency
//! (a transaction acknowledged before another starts has the smaller timestamp). The
//! property tests check, on random runs, that Lamport clocks respect the diagram's
//! happens-before, that vector clocks characterise it exactly, that HLC stays within the
//! skew, that the snapshot sum is the total on FIFO channels, and that commit wait keeps
//! external consistency under every skew within `ε` while skipping it is caught.

pub mod clock;
pub mod lab;
pub mod truetime;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::NodeId;
use crate::protocol::{Context, MICROS_PER_MS, MessageInfo, OutFor, Protocol, RequestId, Time};

use clock::{DRIFT_PPM_LIMIT, OFFSET_US_LIMIT, PhysicalClock, Stamp};
use truetime::{EPSILON_US_LIMIT, Interval, PENDING_MAX, Pending, Version};

/// The most nodes a scenario may have (vector clocks grow with it).
pub const NODES_MAX: u32 = 16;

/// The most stamped events a node keeps (newest last) for the checks and the panel.
pub const STAMPS_KEPT: usize = 256;

/// The most messages a node holds back waiting for their predecessors.
pub const HELD_BACK_MAX: usize = 1_024;

/// The most snapshots one run takes.
pub const SNAPSHOTS_MAX: u32 = 1_000;

/// The longest workload interval accepted, in ms.
pub const INTERVAL_MS_LIMIT: u64 = 600_000;

/// The largest starting balance accepted.
pub const BALANCE_LIMIT: u64 = 1_000_000_000;

/// The lab's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Each node's physical clock, by node id. Left empty, the lab draws them (see
    /// [`lab`]'s `prepare`) from the scenario's seed.
    pub clocks: Vec<PhysicalClock>,
    /// The largest offset a drawn clock gets, in µs.
    pub offset_us_max: u64,
    /// The largest drift a drawn clock gets, in ppm.
    pub drift_ppm_max: u64,
    /// The seed of the workload's choices (which peer, how much); the scenario's seed when
    /// left out.
    pub seed: Option<u64>,
    /// The shortest time between two workload events of a node, in ms.
    pub interval_ms_min: u64,
    /// The longest such time, in ms.
    pub interval_ms_max: u64,
    /// The percentage of workload events that are local events rather than transfers.
    pub local_percent: u64,
    /// No workload events after this time (ms); `None` for the whole run.
    pub workload_until_ms: Option<u64>,
    /// Each node's balance at the start.
    pub initial_balance: u64,
    /// The largest transfer.
    pub transfer_max: u64,
    /// The bug switch: channels hand messages over as they arrive, without the layer that
    /// holds back early ones, so they are not FIFO.
    pub non_fifo: bool,
    /// TrueTime's error bound ε, in µs: `TT.now()` is the node's clock ± ε. The guarantee
    /// holds while every clock's error stays within it.
    pub epsilon_us: u64,
    /// The bug switch of the store: acknowledge a write as soon as its timestamp is
    /// assigned, without waiting until `TT.after(s)`.
    pub skip_commit_wait: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            clocks: Vec::new(),
            offset_us_max: 20_000,
            drift_ppm_max: 200,
            seed: None,
            interval_ms_min: 20,
            interval_ms_max: 60,
            local_percent: 30,
            workload_until_ms: None,
            initial_balance: 1_000,
            transfer_max: 100,
            non_fifo: false,
            epsilon_us: 4_000,
            skip_commit_wait: false,
        }
    }
}

impl Config {
    /// Checks every number; the error names the field.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.clocks.len() > NODES_MAX as usize {
            return Err((
                "clocks".into(),
                format!("at most {NODES_MAX} clocks, got {}", self.clocks.len()),
            ));
        }
        for (index, clock) in self.clocks.iter().enumerate() {
            if clock.offset_us.abs() > OFFSET_US_LIMIT {
                return Err((
                    format!("clocks[{index}].offset_us"),
                    format!(
                        "must be within ±{OFFSET_US_LIMIT} µs, got {}",
                        clock.offset_us
                    ),
                ));
            }
            if clock.drift_ppm.abs() > DRIFT_PPM_LIMIT {
                return Err((
                    format!("clocks[{index}].drift_ppm"),
                    format!(
                        "must be within ±{DRIFT_PPM_LIMIT} ppm, got {}",
                        clock.drift_ppm
                    ),
                ));
            }
        }
        if self.offset_us_max > OFFSET_US_LIMIT as u64 {
            return Err((
                "offset_us_max".into(),
                format!("must be at most {OFFSET_US_LIMIT}"),
            ));
        }
        if self.drift_ppm_max > DRIFT_PPM_LIMIT as u64 {
            return Err((
                "drift_ppm_max".into(),
                format!("must be at most {DRIFT_PPM_LIMIT}"),
            ));
        }
        if self.interval_ms_min == 0 || self.interval_ms_min > INTERVAL_MS_LIMIT {
            return Err((
                "interval_ms_min".into(),
                format!("must be between 1 and {INTERVAL_MS_LIMIT}"),
            ));
        }
        if self.interval_ms_max < self.interval_ms_min || self.interval_ms_max > INTERVAL_MS_LIMIT {
            return Err((
                "interval_ms_max".into(),
                format!("must be between interval_ms_min and {INTERVAL_MS_LIMIT}"),
            ));
        }
        if self.local_percent > 100 {
            return Err(("local_percent".into(), "must be at most 100".into()));
        }
        if self.initial_balance > BALANCE_LIMIT {
            return Err((
                "initial_balance".into(),
                format!("must be at most {BALANCE_LIMIT}"),
            ));
        }
        if self.transfer_max == 0 || self.transfer_max > BALANCE_LIMIT {
            return Err((
                "transfer_max".into(),
                format!("must be between 1 and {BALANCE_LIMIT}"),
            ));
        }
        if self.epsilon_us > EPSILON_US_LIMIT {
            return Err((
                "epsilon_us".into(),
                format!("must be at most {EPSILON_US_LIMIT}"),
            ));
        }
        Ok(())
    }

    /// Node `id`'s physical clock (a perfect one past the end of the list).
    pub fn clock(&self, id: NodeId) -> PhysicalClock {
        self.clocks.get(id as usize).copied().unwrap_or_default()
    }
}

/// A snapshot's name: the initiator's count of snapshots it has heard of, then the
/// initiator. A newer one (larger) supersedes an unfinished older one.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SnapshotId {
    /// The number.
    pub number: u32,
    /// The node that started it.
    pub initiator: NodeId,
}

/// A transfer of money.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Transfer {
    /// How much.
    pub amount: u64,
}

/// The snapshot's marker.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Marker {
    /// Which snapshot.
    pub snapshot: SnapshotId,
}

/// A node's part of a snapshot, sent to the initiator when done.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Report {
    /// Which snapshot.
    pub snapshot: SnapshotId,
    /// The node's recorded balance.
    pub balance: u64,
    /// Each incoming channel's recorded transfers, by sender.
    pub channels: Vec<(NodeId, Vec<u64>)>,
}

/// What a message says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Body {
    /// Money.
    Transfer(Transfer),
    /// A snapshot marker.
    Marker(Marker),
    /// A finished part of a snapshot.
    Report(Report),
}

/// Every message: its body, the send event's stamp, and its place on its channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Message {
    /// What it says.
    pub body: Body,
    /// The clocks of its send event.
    pub stamp: Stamp,
    /// Its number on the channel from its sender to its receiver (from 0).
    pub sequence: u64,
}

impl MessageInfo for Message {
    fn kind(&self) -> &'static str {
        match self.body {
            Body::Transfer(_) => "Transfer",
            Body::Marker(_) => "Marker",
            Body::Report(_) => "Report",
        }
    }

    fn summary(&self) -> String {
        let what = match &self.body {
            Body::Transfer(transfer) => format!("transfer {}", transfer.amount),
            Body::Marker(marker) => format!(
                "marker of snapshot {}@n{}",
                marker.snapshot.number, marker.snapshot.initiator
            ),
            Body::Report(report) => format!(
                "report of snapshot {}@n{}: balance {}",
                report.snapshot.number, report.snapshot.initiator, report.balance
            ),
        };
        format!("{what}, #{}, {}", self.sequence, self.stamp.render())
    }
}

/// The node's timers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Timer {
    /// Time for the next local event or transfer.
    Work,
    /// Time to look whether `TT.after(s)` holds for the oldest write in commit wait.
    CommitWait,
}

/// A client's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Start a snapshot at this node.
    Snapshot,
    /// A read-write transaction that writes `value` into the row this node leads.
    Write {
        /// The value.
        value: u64,
    },
}

/// The answer to a snapshot request: the snapshot's sum, once every part is in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SnapshotReply {
    /// Which snapshot.
    pub snapshot: SnapshotId,
    /// The recorded balances plus the recorded channels' transfers.
    pub sum: u64,
}

/// The answer to a write: its commit timestamp once it is committed, or a refusal when
/// the leader already holds [`PENDING_MAX`] writes in commit wait.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct WriteReply {
    /// Whether it committed.
    pub committed: bool,
    /// Its commit timestamp `s`, µs (0 when refused).
    pub timestamp: i64,
}

/// A reply to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Reply {
    /// A snapshot's sum.
    Snapshot(SnapshotReply),
    /// A write's outcome.
    Write(WriteReply),
}

// Written by hand rather than derived, for a smaller browser build; the format and the
// messages are those of serde's derive (see `crate::tagged_enum`).
impl<'de> Deserialize<'de> for Request {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tagged = crate::tagged_enum::Tagged::read(
            deserializer,
            "op",
            &["snapshot", "write"],
            "internally tagged enum Request",
        )?;
        if tagged.variant == 0 {
            tagged.unit()?;
            return Ok(Request::Snapshot);
        }
        Ok(Request::Write {
            value: tagged.one(&["value"], "struct variant Request::Write")?,
        })
    }
}

// The run's fingerprint hashes timers, requests and replies with `Hash`. A derived `Hash`
// writes no discriminant for an enum of one variant, which is what `Timer` and `Request`
// were before the store, so the first variants hash as they did then (nothing, or the
// snapshot reply alone) and the presets from before keep their fingerprints; the store's
// variants write a word of their own first.
impl Hash for Timer {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Timer::Work => {}
            Timer::CommitWait => state.write_u64(1),
        }
    }
}

impl Hash for Request {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Request::Snapshot => {}
            Request::Write { value } => {
                state.write_u64(1);
                value.hash(state);
            }
        }
    }
}

impl Hash for Reply {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Reply::Snapshot(reply) => reply.hash(state),
            Reply::Write(reply) => {
                state.write_u64(u64::MAX);
                reply.hash(state);
            }
        }
    }
}

/// What kind of event a stamp belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum EventKind {
    /// A timer or a client's request.
    Local,
    /// A message sent to `to`.
    Send {
        /// The receiver.
        to: NodeId,
    },
    /// A message from `from` arrived, carrying the stamp `sent`.
    Receive {
        /// The sender.
        from: NodeId,
        /// The message's stamp.
        sent: Stamp,
    },
}

/// One event of a node with its clocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stamped {
    /// Its place among the node's events (from 0).
    pub index: u64,
    /// True (virtual) time, µs.
    pub time: Time,
    /// The node's physical clock then, µs.
    pub pt: i64,
    /// What it was.
    pub kind: EventKind,
    /// The clocks after it.
    pub stamp: Stamp,
}

/// A node's recording of one snapshot (Chandy and Lamport's rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recording {
    /// Which snapshot.
    pub snapshot: SnapshotId,
    /// The node's balance when it recorded its state.
    pub balance: u64,
    /// Each incoming channel: its sender, the transfers recorded on it, and whether its
    /// marker has arrived (its state is final).
    pub channels: Vec<(NodeId, Vec<u64>, bool)>,
}

impl Recording {
    fn done(&self) -> bool {
        self.channels.iter().all(|(_, _, closed)| *closed)
    }

    fn report(&self) -> Report {
        Report {
            snapshot: self.snapshot,
            balance: self.balance,
            channels: self
                .channels
                .iter()
                .map(|(from, amounts, _)| (*from, amounts.clone()))
                .collect(),
        }
    }
}

/// A finished snapshot as its initiator assembled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotResult {
    /// Which snapshot.
    pub snapshot: SnapshotId,
    /// Each node's recorded balance.
    pub balances: Vec<(NodeId, u64)>,
    /// Each channel's recorded transfers, as `(from, to, amounts)`, non-empty ones only.
    pub channels: Vec<(NodeId, NodeId, Vec<u64>)>,
    /// Balances plus channels.
    pub sum: u64,
    /// When it finished (true time, µs).
    pub completed_at: Time,
}

/// An initiator gathering the parts of its snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gathering {
    /// Which snapshot.
    pub snapshot: SnapshotId,
    /// The client request to answer, if a client asked.
    pub request: Option<RequestId>,
    /// The parts in so far.
    pub reports: Vec<(NodeId, Report)>,
    /// How many parts make it whole.
    pub expected: usize,
}

/// One node: its bank account, its clocks, its channels and its snapshot state.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Who it is.
    pub id: NodeId,
    /// Its physical clock.
    pub clock: PhysicalClock,
    /// The clocks after its latest event.
    pub stamp: Stamp,
    /// Its money.
    pub balance: u64,
    /// Events so far.
    pub events: u64,
    /// Its newest events with their clocks (at most [`STAMPS_KEPT`]); the checks read them.
    #[serde(skip)]
    pub stamps: Vec<Stamped>,
    /// The next sequence number on each outgoing channel, by receiver.
    #[serde(skip)]
    pub next_out: Vec<u64>,
    /// The next sequence number expected on each incoming channel, by sender.
    #[serde(skip)]
    pub next_in: Vec<u64>,
    /// Messages that arrived early, held back until their predecessors arrive.
    pub held_back: Vec<(NodeId, Message)>,
    /// Messages refused because the hold-back buffer was full.
    pub held_back_refused: u64,
    /// The largest snapshot number it has heard of.
    pub snapshot_number: u32,
    /// Its recording of the current snapshot.
    pub recording: Option<Recording>,
    /// As an initiator: the snapshot it is gathering.
    pub gathering: Option<Gathering>,
    /// As an initiator: its latest finished snapshot.
    pub last_snapshot: Option<SnapshotResult>,
    /// Snapshots it finished as initiator.
    pub snapshots_completed: u64,
    /// Set when the node was rebuilt after a crash (its balance and clocks are lost, so
    /// the snapshot check no longer applies).
    pub recovered: bool,
    /// As a leader of the store: its row's latest committed version.
    pub row: Option<Version>,
    /// Writes timestamped and waiting for `TT.after(s)`, oldest (smallest `s`) first.
    pub pending: Vec<Pending>,
    /// The largest commit timestamp it has assigned (its timestamps only grow).
    pub last_timestamp: i64,
    /// Its latest `TT.now()` (the lab checks that it held the true time).
    pub truetime_last: Option<Interval>,
    /// Writes it committed and acknowledged.
    pub commits: u64,
    /// The true time those writes took from arrival to acknowledgement, summed (µs; for
    /// the lab's figures, never read by the protocol).
    pub commit_latency_us_total: u64,
    /// The longest of those, µs.
    pub commit_latency_us_max: u64,
    /// Writes refused because [`PENDING_MAX`] were already waiting.
    pub writes_refused: u64,
    /// Workload events so far (numbers the workload's choices).
    workload_events: u64,
    #[serde(skip)]
    config: Config,
}

/// SplitMix64's mixing function: the workload's `n`-th choice at a node is a fixed function
/// of the seed, the node and `n`, so the choices never touch the simulator's generator.
fn mix(seed: u64, node: NodeId, n: u64) -> u64 {
    let mut z = seed
        ^ (u64::from(node) << 40)
        ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ 0xD1B5_4A32_D192_ED03;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn slot(list: &mut Vec<u64>, node: NodeId) -> &mut u64 {
    let index = node as usize;
    if list.len() <= index {
        list.resize(index + 1, 0);
    }
    &mut list[index]
}

impl Node {
    /// The node's physical clock at true time `now`.
    pub fn physical_time(&self, now: Time) -> i64 {
        self.clock.read(now)
    }

    fn record(&mut self, now: Time, kind: EventKind) {
        if self.stamps.len() >= STAMPS_KEPT {
            self.stamps.remove(0);
        }
        self.stamps.push(Stamped {
            index: self.events,
            time: now,
            pt: self.physical_time(now),
            kind,
            stamp: self.stamp.clone(),
        });
        self.events += 1;
    }

    /// A local event: a timer or a client's request.
    fn local_event(&mut self, ctx: &Context<'_>) {
        let pt = self.physical_time(ctx.now);
        self.stamp.local_or_send(self.id, pt);
        self.record(ctx.now, EventKind::Local);
    }

    /// A send event: the clocks tick and the message carries the result.
    fn send(&mut self, ctx: &Context<'_>, to: NodeId, body: Body, out: &mut OutFor<Self>) {
        let pt = self.physical_time(ctx.now);
        self.stamp.local_or_send(self.id, pt);
        self.record(ctx.now, EventKind::Send { to });
        let next = slot(&mut self.next_out, to);
        let sequence = *next;
        *next += 1;
        out.send(
            to,
            Message {
                body,
                stamp: self.stamp.clone(),
                sequence,
            },
        );
    }

    fn peers(&self, ctx: &Context<'_>) -> Vec<NodeId> {
        ctx.nodes
            .iter()
            .copied()
            .filter(|&node| node != self.id)
            .collect()
    }

    /// One workload event: a local event, or a transfer to a peer chosen by the seed.
    fn work(&mut self, ctx: &Context<'_>, out: &mut OutFor<Self>) {
        let choice = mix(self.config.seed.unwrap_or(0), self.id, self.workload_events);
        self.workload_events += 1;
        let peers = self.peers(ctx);
        if choice % 100 < self.config.local_percent || peers.is_empty() || self.balance == 0 {
            return;
        }
        let to = peers[((choice >> 8) % peers.len() as u64) as usize];
        let amount = 1 + (choice >> 24) % self.config.transfer_max.min(self.balance);
        self.balance -= amount;
        self.send(ctx, to, Body::Transfer(Transfer { amount }), out);
    }

    fn arm_work(&self, ctx: &Context<'_>, out: &mut OutFor<Self>) {
        let until = self
            .config
            .workload_until_ms
            .map(|until| until * MICROS_PER_MS);
        if until.is_some_and(|until| ctx.now >= until) {
            return;
        }
        out.set_timer(
            Timer::Work,
            self.config.interval_ms_min * MICROS_PER_MS,
            self.config.interval_ms_max * MICROS_PER_MS,
        );
    }

    /// The marker sending rule: record the own state, then send a marker on every outgoing
    /// channel before anything else is sent on it; record every incoming channel.
    fn record_state(&mut self, ctx: &Context<'_>, snapshot: SnapshotId, out: &mut OutFor<Self>) {
        let peers = self.peers(ctx);
        self.recording = Some(Recording {
            snapshot,
            balance: self.balance,
            channels: peers
                .iter()
                .map(|&from| (from, Vec::new(), false))
                .collect(),
        });
        for to in peers {
            self.send(ctx, to, Body::Marker(Marker { snapshot }), out);
        }
    }

    /// Starts a snapshot here (a client asked, or the lab action).
    pub fn start_snapshot(
        &mut self,
        ctx: &Context<'_>,
        request: Option<RequestId>,
        out: &mut OutFor<Self>,
    ) {
        if self.snapshot_number >= SNAPSHOTS_MAX {
            return;
        }
        self.snapshot_number += 1;
        let snapshot = SnapshotId {
            number: self.snapshot_number,
            initiator: self.id,
        };
        self.gathering = Some(Gathering {
            snapshot,
            request,
            reports: Vec::new(),
            expected: ctx.nodes.len(),
        });
        self.record_state(ctx, snapshot, out);
        self.finish_part(ctx, out);
    }

    /// The marker receiving rule.
    fn on_marker(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        marker: Marker,
        out: &mut OutFor<Self>,
    ) {
        let current = self.recording.as_ref().map(|recording| recording.snapshot);
        if current.is_some_and(|current| marker.snapshot < current) {
            return;
        }
        if current != Some(marker.snapshot) {
            // First marker of this snapshot: record the state; this channel is empty.
            self.snapshot_number = self.snapshot_number.max(marker.snapshot.number);
            self.record_state(ctx, marker.snapshot, out);
        }
        if let Some(recording) = &mut self.recording
            && let Some(channel) = recording
                .channels
                .iter_mut()
                .find(|(sender, _, _)| *sender == from)
        {
            channel.2 = true;
        }
        self.finish_part(ctx, out);
    }

    /// Sends the recording to the initiator once every incoming channel's marker is in.
    fn finish_part(&mut self, ctx: &Context<'_>, out: &mut OutFor<Self>) {
        let Some(recording) = &self.recording else {
            return;
        };
        if !recording.done() {
            return;
        }
        let report = recording.report();
        let initiator = report.snapshot.initiator;
        if initiator == self.id {
            self.gather(ctx, self.id, report, out);
        } else {
            self.send(ctx, initiator, Body::Report(report), out);
        }
    }

    fn gather(&mut self, ctx: &Context<'_>, from: NodeId, report: Report, out: &mut OutFor<Self>) {
        let Some(gathering) = &mut self.gathering else {
            return;
        };
        if gathering.snapshot != report.snapshot
            || gathering.reports.iter().any(|(node, _)| *node == from)
        {
            return;
        }
        gathering.reports.push((from, report));
        if gathering.reports.len() < gathering.expected {
            return;
        }
        let mut gathering = self.gathering.take().expect("checked above");
        gathering.reports.sort_by_key(|(node, _)| *node);
        let mut sum = 0u64;
        let mut balances = Vec::new();
        let mut channels = Vec::new();
        for (node, report) in &gathering.reports {
            sum += report.balance;
            balances.push((*node, report.balance));
            for (from, amounts) in &report.channels {
                sum += amounts.iter().sum::<u64>();
                if !amounts.is_empty() {
                    channels.push((*from, *node, amounts.clone()));
                }
            }
        }
        self.last_snapshot = Some(SnapshotResult {
            snapshot: gathering.snapshot,
            balances,
            channels,
            sum,
            completed_at: ctx.now,
        });
        self.snapshots_completed += 1;
        if let Some(request) = gathering.request {
            out.reply(
                request,
                Reply::Snapshot(SnapshotReply {
                    snapshot: gathering.snapshot,
                    sum,
                }),
            );
        }
    }

    /// A message the channel hands over (in order if FIFO).
    fn deliver(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        message: Message,
        out: &mut OutFor<Self>,
    ) {
        match message.body {
            Body::Transfer(transfer) => {
                self.balance += transfer.amount;
                if let Some(recording) = &mut self.recording
                    && let Some(channel) = recording
                        .channels
                        .iter_mut()
                        .find(|(sender, _, closed)| *sender == from && !closed)
                {
                    channel.1.push(transfer.amount);
                }
            }
            Body::Marker(marker) => self.on_marker(ctx, from, marker, out),
            Body::Report(report) => self.gather(ctx, from, report, out),
        }
    }
}

impl Node {
    /// `TT.now()`: the node's clock ± ε (section 3), remembered for the lab's check.
    fn truetime_now(&mut self, ctx: &Context<'_>) -> Interval {
        let interval = Interval::now(self.physical_time(ctx.now), self.config.epsilon_us, ctx.now);
        self.truetime_last = Some(interval);
        interval
    }

    /// A write arrives: the Start rule assigns `s` no less than `TT.now().latest` and
    /// above every earlier timestamp; then the Commit Wait rule holds the acknowledgement
    /// until `TT.after(s)` (section 4.1.2), unless the bug switch skips it.
    fn start_write(
        &mut self,
        ctx: &Context<'_>,
        request: RequestId,
        value: u64,
        out: &mut OutFor<Self>,
    ) {
        if self.pending.len() >= PENDING_MAX {
            self.writes_refused += 1;
            out.reply(
                request,
                Reply::Write(WriteReply {
                    committed: false,
                    timestamp: 0,
                }),
            );
            return;
        }
        let now = self.truetime_now(ctx);
        let timestamp = now.latest.max(self.last_timestamp + 1);
        self.last_timestamp = timestamp;
        self.pending.push(Pending {
            request,
            value,
            timestamp,
            arrived_at: ctx.now,
        });
        if self.config.skip_commit_wait {
            self.acknowledge(ctx, out);
        } else if self.pending.len() == 1 {
            self.arm_commit_wait(ctx, out);
        }
    }

    /// Commits and acknowledges the oldest waiting write.
    fn acknowledge(&mut self, ctx: &Context<'_>, out: &mut OutFor<Self>) {
        let write = self.pending.remove(0);
        self.row = Some(Version {
            value: write.value,
            timestamp: write.timestamp,
        });
        let latency = ctx.now - write.arrived_at;
        self.commits += 1;
        self.commit_latency_us_total += latency;
        self.commit_latency_us_max = self.commit_latency_us_max.max(latency);
        out.reply(
            write.request,
            Reply::Write(WriteReply {
                committed: true,
                timestamp: write.timestamp,
            }),
        );
    }

    fn arm_commit_wait(&mut self, ctx: &Context<'_>, out: &mut OutFor<Self>) {
        if let Some(oldest) = self.pending.first() {
            let delay = truetime::wait_us(
                self.physical_time(ctx.now),
                self.config.epsilon_us,
                oldest.timestamp,
            );
            out.set_timer(Timer::CommitWait, delay, delay);
        }
    }

    /// The commit-wait timer: acknowledge every waiting write whose timestamp has
    /// definitely passed, then wait for the next (or longer, if this clock runs slow).
    fn commit_wait(&mut self, ctx: &Context<'_>, out: &mut OutFor<Self>) {
        let now = self.truetime_now(ctx);
        while self
            .pending
            .first()
            .is_some_and(|oldest| now.after(oldest.timestamp))
        {
            self.acknowledge(ctx, out);
        }
        self.arm_commit_wait(ctx, out);
    }
}

impl Protocol for Node {
    type Message = Message;
    type Timer = Timer;
    type Request = Request;
    type Reply = Reply;
    type Durable = ();
    type Config = Config;

    fn new(id: NodeId, _members: &[NodeId], config: &Config) -> Self {
        let clock = config.clock(id);
        // The paper starts `l` at 0 with physical clocks that start at 0 or later; a clock
        // here may start behind 0, so `l` starts at the clock's first reading instead.
        let mut stamp = Stamp::default();
        stamp.hlc.l = clock.read(0);
        Self {
            id,
            clock,
            stamp,
            balance: config.initial_balance,
            events: 0,
            stamps: Vec::new(),
            next_out: Vec::new(),
            next_in: Vec::new(),
            held_back: Vec::new(),
            held_back_refused: 0,
            snapshot_number: 0,
            recording: None,
            gathering: None,
            last_snapshot: None,
            snapshots_completed: 0,
            recovered: false,
            row: None,
            pending: Vec::new(),
            last_timestamp: i64::MIN,
            truetime_last: None,
            commits: 0,
            commit_latency_us_total: 0,
            commit_latency_us_max: 0,
            writes_refused: 0,
            workload_events: 0,
            config: config.clone(),
        }
    }

    /// A crash loses everything: the node comes back with no money and fresh clocks,
    /// which breaks the bank's conservation (the snapshot check then stands down).
    fn recover(id: NodeId, members: &[NodeId], config: &Config, _durable: ()) -> Self {
        let mut node = Self::new(id, members, config);
        node.balance = 0;
        node.recovered = true;
        node
    }

    fn durable(&self) {}

    fn on_start(&mut self, ctx: &Context<'_>, out: &mut OutFor<Self>) {
        self.arm_work(ctx, out);
    }

    fn on_message(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        message: Message,
        out: &mut OutFor<Self>,
    ) {
        // The clocks sit under the channel: an arrival is a receive event even when the
        // message is held back, so the clocks follow the diagram's happens-before.
        let pt = self.physical_time(ctx.now);
        self.stamp.receive(self.id, &message.stamp, pt);
        self.record(
            ctx.now,
            EventKind::Receive {
                from,
                sent: message.stamp.clone(),
            },
        );
        if self.config.non_fifo {
            self.deliver(ctx, from, message, out);
            return;
        }
        if message.sequence != *slot(&mut self.next_in, from) {
            if self.held_back.len() >= HELD_BACK_MAX {
                self.held_back_refused += 1;
            } else {
                self.held_back.push((from, message));
            }
            return;
        }
        *slot(&mut self.next_in, from) += 1;
        self.deliver(ctx, from, message, out);
        // Hand over the held-back successors, in order.
        while let Some(position) = self.held_back.iter().position(|(sender, held)| {
            *sender == from
                && held.sequence == self.next_in.get(from as usize).copied().unwrap_or(0)
        }) {
            let (_, next) = self.held_back.remove(position);
            *slot(&mut self.next_in, from) += 1;
            self.deliver(ctx, from, next, out);
        }
    }

    fn on_timer(&mut self, ctx: &Context<'_>, timer: Timer, out: &mut OutFor<Self>) {
        match timer {
            Timer::Work => {
                self.local_event(ctx);
                self.work(ctx, out);
                self.arm_work(ctx, out);
            }
            Timer::CommitWait => {
                self.local_event(ctx);
                self.commit_wait(ctx, out);
            }
        }
    }

    fn on_client(
        &mut self,
        ctx: &Context<'_>,
        id: RequestId,
        request: Request,
        out: &mut OutFor<Self>,
    ) {
        self.local_event(ctx);
        match request {
            Request::Snapshot => self.start_snapshot(ctx, Some(id), out),
            Request::Write { value } => self.start_write(ctx, id, value, out),
        }
    }

    fn role(&self) -> &'static str {
        if self.gathering.is_some() {
            "initiator"
        } else if self
            .recording
            .as_ref()
            .is_some_and(|recording| !recording.done())
        {
            "recording"
        } else if !self.pending.is_empty() {
            "commit wait"
        } else {
            ""
        }
    }
}
