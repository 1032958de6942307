//! The clocks a node keeps: its physical clock (an offset and a drift against true time),
//! Lamport's logical clock, the vector clock, and the hybrid logical clock, each with its
//! paper's rules for a local or send event and for a receive event.

use serde::{Deserialize, Serialize};

use crate::NodeId;
use crate::protocol::Time;

/// The largest clock offset a scenario may give, in microseconds (10 s).
pub const OFFSET_US_LIMIT: i64 = 10_000_000;

/// The largest drift a scenario may give, in parts per million (a quartz oscillator drifts
/// by tens of ppm; 1,000 ppm is a very bad one).
pub const DRIFT_PPM_LIMIT: i64 = 1_000;

/// A node's physical clock: it reads `now + offset + now * drift / 10^6` when the true
/// (virtual) time is `now`. Since the drift is above -10^6 ppm the clock never runs
/// backwards, which the hybrid clock's bound needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhysicalClock {
    /// How far ahead of true time the clock is at time 0, in µs (negative: behind).
    pub offset_us: i64,
    /// How many µs the clock gains per second of true time (negative: loses).
    pub drift_ppm: i64,
}

impl PhysicalClock {
    /// The clock's reading at true time `now`, in µs.
    pub fn read(&self, now: Time) -> i64 {
        let drift = i128::from(now) * i128::from(self.drift_ppm) / 1_000_000;
        (i128::from(now) + i128::from(self.offset_us) + drift) as i64
    }

    /// How far the reading is from true time at `now`, in µs (positive: ahead).
    pub fn error(&self, now: Time) -> i64 {
        self.read(now) - now as i64
    }
}

/// A vector clock: entry `i` counts the events of node `i` that this one has heard of.
/// Missing entries are zero, so vectors of different lengths compare.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VectorClock(pub Vec<u64>);

impl VectorClock {
    /// Entry `node`.
    pub fn get(&self, node: NodeId) -> u64 {
        self.0.get(node as usize).copied().unwrap_or(0)
    }

    fn entry(&mut self, node: NodeId) -> &mut u64 {
        let index = node as usize;
        if self.0.len() <= index {
            self.0.resize(index + 1, 0);
        }
        &mut self.0[index]
    }

    /// Mattern and Fidge's rule for a local or send event: count it in the own entry.
    pub fn tick(&mut self, me: NodeId) {
        *self.entry(me) += 1;
    }

    /// The receive rule: the entry-wise maximum with the message's vector, then tick.
    pub fn receive(&mut self, me: NodeId, message: &VectorClock) {
        for (node, &count) in message.0.iter().enumerate() {
            let entry = self.entry(node as NodeId);
            *entry = (*entry).max(count);
        }
        self.tick(me);
    }

    /// `self <= other` entry by entry.
    pub fn at_most(&self, other: &VectorClock) -> bool {
        let length = self.0.len().max(other.0.len());
        (0..length).all(|node| self.get(node as NodeId) <= other.get(node as NodeId))
    }

    /// `self < other`: at most in every entry and different. An event `a` happened before
    /// `b` exactly when `V(a) < V(b)`.
    pub fn before(&self, other: &VectorClock) -> bool {
        self.at_most(other) && !other.at_most(self)
    }

    /// The vector as `[1,0,2]`.
    pub fn render(&self) -> String {
        let entries: Vec<String> = self.0.iter().map(u64::to_string).collect();
        format!("[{}]", entries.join(","))
    }
}

/// A hybrid logical clock timestamp: `l` is the largest physical time heard of, `c` counts
/// events that share that `l`. Compared as the pair `(l, c)`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Hlc {
    /// The logical part that tracks physical time, in µs.
    pub l: i64,
    /// The counter.
    pub c: u32,
}

impl Hlc {
    /// The HLC algorithm's "send or local event" rule at physical time `pt`:
    /// `l' := l; l := max(l', pt); if l = l' then c := c + 1 else c := 0`.
    pub fn local_or_send(&mut self, pt: i64) {
        let previous = self.l;
        self.l = previous.max(pt);
        self.c = if self.l == previous {
            self.c.saturating_add(1)
        } else {
            0
        };
    }

    /// The "receive event of message m" rule: `l := max(l', l.m, pt)`; `c` is
    /// `max(c', c.m) + 1` if all three `l` agree, `c' + 1` if only the own did,
    /// `c.m + 1` if only the message's did, and 0 if physical time moved past both.
    pub fn receive(&mut self, message: Hlc, pt: i64) {
        let previous = *self;
        self.l = previous.l.max(message.l).max(pt);
        self.c = if self.l == previous.l && self.l == message.l {
            previous.c.max(message.c).saturating_add(1)
        } else if self.l == previous.l {
            previous.c.saturating_add(1)
        } else if self.l == message.l {
            message.c.saturating_add(1)
        } else {
            0
        };
    }
}

/// What every event and message carries: the three logical clocks after the event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stamp {
    /// Lamport's clock.
    pub lamport: u64,
    /// The vector clock.
    pub vector: VectorClock,
    /// The hybrid logical clock.
    pub hlc: Hlc,
}

impl Stamp {
    /// Applies every clock's local-or-send rule for node `me` at physical time `pt`.
    /// Lamport's IR1: "each process increments its clock between any two successive events".
    pub fn local_or_send(&mut self, me: NodeId, pt: i64) {
        self.lamport += 1;
        self.vector.tick(me);
        self.hlc.local_or_send(pt);
    }

    /// Applies every clock's receive rule. Lamport's IR2: on receipt of a message with
    /// timestamp `Tm`, set the clock to a value greater than or equal to its present value
    /// and greater than `Tm`.
    pub fn receive(&mut self, me: NodeId, message: &Stamp, pt: i64) {
        self.lamport = self.lamport.max(message.lamport) + 1;
        self.vector.receive(me, &message.vector);
        self.hlc.receive(message.hlc, pt);
    }

    /// The stamp in one line: `L5 V[1,2,0] HLC(1003,1)`.
    pub fn render(&self) -> String {
        format!(
            "L{} V{} HLC({},{})",
            self.lamport,
            self.vector.render(),
            self.hlc.l,
            self.hlc.c
        )
    }
}
