//! TrueTime and commit wait, read beside Corbett et al., "Spanner: Google's
//! Globally-Distributed Database" (OSDI 2012), sections 3 and 4.1.2.
//!
//! **TrueTime (section 3).** `TT.now()` does not return a time but an interval
//! `[earliest, latest]` that is guaranteed to contain the absolute time at which it was
//! called; `ε` is half its width. `TT.after(t)` is true when `t` has definitely passed
//! (`TT.now().earliest > t`). Spanner keeps the guarantee with GPS and atomic-clock time
//! masters; here a node's interval is its own skewed clock `± ε`, where `ε` is the lab's
//! parameter `epsilon_us`, so the guarantee holds exactly while every clock's error stays
//! within `ε`. The lab does not refuse clocks that stray further: the check *TrueTime
//! interval holds true time* fires at the first `TT.now()` whose interval misses the true
//! time, because a learner should see that everything below rests on that assumption.
//!
//! **Assigning timestamps (section 4.1.2).** Spanner's external-consistency invariant:
//! if the start of a transaction `T2` occurs after the commit of `T1`, then `T1`'s commit
//! timestamp is smaller than `T2`'s. Two rules give it. *Start*: the leader assigns a
//! commit timestamp `s` no less than `TT.now().latest`, computed after the commit request
//! arrived (and above every timestamp it assigned before, so its timestamps increase).
//! *Commit wait*: no client sees the commit until `TT.after(s)` is true. Then
//! `s1 < t_abs(commit of T1) < t_abs(start of T2) <= t_abs(arrival of T2) <= s2`. Since `s`
//! was `TT.now().latest`, waiting until it is `TT.now().earliest` takes about `2ε`: the
//! price of external consistency is paid in latency, per transaction.
//!
//! **The lab's store.** Every node leads one row of a store (the lab leaves out the Paxos
//! replication of each group and two-phase commit across groups): a client's
//! `{"op": "write", "value": 7}` is a read-write transaction that writes the row at the
//! node it is sent to. The bug switch `skip_commit_wait` acknowledges as soon as the
//! timestamp is assigned; a transaction can then be acknowledged before its timestamp has
//! passed, and one that starts after it on a node with a slower clock can get a smaller
//! timestamp, which the check *External consistency* catches.

use serde::Serialize;

use crate::protocol::{RequestId, Time};

/// The largest `ε` accepted, in µs (10 s, the largest clock offset a scenario may give).
pub const EPSILON_US_LIMIT: u64 = super::clock::OFFSET_US_LIMIT as u64;

/// What `TT.now()` returned: an interval of width `2ε` around the node's clock reading,
/// with the true time of the call beside it (for the lab's check, never for the protocol).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Interval {
    /// The earliest the absolute time can be, µs.
    pub earliest: i64,
    /// The latest it can be, µs.
    pub latest: i64,
    /// The true (virtual) time of the call, µs.
    pub at: Time,
}

impl Interval {
    /// `TT.now()` for a clock that reads `pt` with error bound `epsilon`, called at true
    /// time `at`.
    pub fn now(pt: i64, epsilon: u64, at: Time) -> Self {
        let epsilon = epsilon as i64;
        Self {
            earliest: pt - epsilon,
            latest: pt + epsilon,
            at,
        }
    }

    /// `TT.after(t)`: `t` has definitely passed.
    pub fn after(&self, t: i64) -> bool {
        self.earliest > t
    }

    /// Whether the interval holds the true time of the call (TrueTime's guarantee).
    pub fn holds_true_time(&self) -> bool {
        self.earliest <= self.at as i64 && self.at as i64 <= self.latest
    }
}

/// A read-write transaction a leader has timestamped and not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    /// The client request to answer.
    pub request: RequestId,
    /// The value it writes.
    pub value: u64,
    /// Its commit timestamp `s`, µs.
    pub timestamp: i64,
    /// The true time its request arrived, µs (for the lab's figures only).
    pub arrived_at: Time,
}

/// A committed version of a leader's row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Version {
    /// The value written.
    pub value: u64,
    /// Its commit timestamp, µs.
    pub timestamp: i64,
}

/// The most transactions a leader holds in commit wait; past it a write is refused.
pub const PENDING_MAX: usize = 4_096;

/// The commit-wait delay to ask for: how far the node's clock must still move before
/// `TT.after(s)` holds, read as true µs (at least 1). A clock that runs slow needs a second
/// wait, which the leader arms when the first ends early.
pub fn wait_us(pt: i64, epsilon: u64, timestamp: i64) -> Time {
    (timestamp + epsilon as i64 + 1 - pt).max(1) as Time
}
