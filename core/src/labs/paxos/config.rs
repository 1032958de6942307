//! The Paxos lab's parameters: how long a proposer waits, how it backs off, how many
//! acceptors make each phase's quorum (Flexible Paxos), and the bug switches.

use serde::{Deserialize, Serialize};

/// Everything that shapes a Paxos node, as a scenario's `params` gives it. Every field has a
/// default, so `{}` is valid; unknown fields are refused so that a typo does not silently
/// fall back to a default.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How long a proposer waits for a majority to answer one ballot before it tries a higher
    /// one, in milliseconds (messages may be lost, acceptors may crash).
    pub ballot_timeout_ms: u64,
    /// The shortest wait before a proposer retries with a higher ballot, in milliseconds:
    /// after a NACK, and added to `ballot_timeout_ms` after a silent ballot.
    pub backoff_ms_min: u64,
    /// The longest such wait, in milliseconds. The simulator draws each wait from
    /// `[backoff_ms_min, backoff_ms_max]`; a range of zero width (say `0` and `0`) is no
    /// back-off at all, and two dueling proposers can then preempt each other for ever.
    pub backoff_ms_max: u64,
    /// How many promises a proposer needs before phase 2 (Flexible Paxos's Q1); `None` is a
    /// majority of the acceptors. Flexible Paxos is safe whenever `Q1 + Q2 > N`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase1_quorum: Option<usize>,
    /// How many acceptors must accept one ballot for its value to be chosen, and how many
    /// acceptances a learner counts (Flexible Paxos's Q2); `None` is a majority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase2_quorum: Option<usize>,
    /// Deliberately broken variants for the learner to switch on and watch the checker catch.
    pub bugs: Bugs,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            ballot_timeout_ms: 200,
            backoff_ms_min: 10,
            backoff_ms_max: 100,
            phase1_quorum: None,
            phase2_quorum: None,
            bugs: Bugs::default(),
        }
    }
}

/// The bug switches. Each one removes one rule of "Paxos Made Simple".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bugs {
    /// A restarted acceptor comes back with no promise and no accepted proposal, as if it had
    /// kept them in memory only (section 2.2: an acceptor "must remember this information
    /// even if it fails and then restarts").
    pub acceptor_forgets_on_restart: bool,
    /// In phase 2 the proposer sends its own value even when a promise reported an accepted
    /// proposal (phase 2a: v must be "the value of the highest-numbered proposal among the
    /// responses").
    pub proposer_ignores_promised_values: bool,
    /// An acceptor accepts a proposal numbered below the promise it already made (phase 2b:
    /// it accepts "unless it has already responded to a prepare request having a number
    /// greater than n").
    pub accept_without_promise_check: bool,
    /// Ballots are rounds only: every proposer numbers its ballots `r.0`, without its own id
    /// to break ties, so two proposers in the same round issue the same ballot with two
    /// different values (section 2.5: "different proposers choose their numbers from
    /// disjoint sets of numbers").
    pub ballots_without_proposer_id: bool,
}

/// The longest timeout or back-off accepted, in milliseconds.
pub const TIMEOUT_MS_LIMIT: u64 = 600_000;

impl Config {
    /// Checks every number for range and consistency; the error names the field.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.ballot_timeout_ms == 0 || self.ballot_timeout_ms > TIMEOUT_MS_LIMIT {
            return Err((
                "ballot_timeout_ms".to_string(),
                format!(
                    "must be between 1 and {TIMEOUT_MS_LIMIT}, got {}",
                    self.ballot_timeout_ms
                ),
            ));
        }
        if self.backoff_ms_min > TIMEOUT_MS_LIMIT {
            return Err((
                "backoff_ms_min".to_string(),
                format!(
                    "must be at most {TIMEOUT_MS_LIMIT}, got {}",
                    self.backoff_ms_min
                ),
            ));
        }
        if self.backoff_ms_max < self.backoff_ms_min || self.backoff_ms_max > TIMEOUT_MS_LIMIT {
            return Err((
                "backoff_ms_max".to_string(),
                format!(
                    "must be between backoff_ms_min ({}) and {TIMEOUT_MS_LIMIT}, got {}",
                    self.backoff_ms_min, self.backoff_ms_max
                ),
            ));
        }
        for (field, quorum) in [
            ("phase1_quorum", self.phase1_quorum),
            ("phase2_quorum", self.phase2_quorum),
        ] {
            if quorum == Some(0) {
                return Err((field.to_string(), "must be at least 1, got 0".to_string()));
            }
        }
        Ok(())
    }

    /// Checks the quorum sizes against the number of acceptors `acceptors`: each must be
    /// between 1 and `acceptors`. Their sum may be at most `acceptors` (that is the unsafe
    /// configuration a learner may ask for on purpose); the error names the field.
    pub fn validate_quorums(&self, acceptors: usize) -> Result<(), (String, String)> {
        for (field, quorum) in [
            ("phase1_quorum", self.phase1_quorum),
            ("phase2_quorum", self.phase2_quorum),
        ] {
            if let Some(quorum) = quorum
                && (quorum == 0 || quorum > acceptors)
            {
                return Err((
                    field.to_string(),
                    format!(
                        "must be between 1 and the number of acceptors ({acceptors}), got {quorum}"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Q1 for `acceptors` acceptors: the configured size, or a majority.
    pub fn phase1_quorum_of(&self, acceptors: usize) -> usize {
        self.phase1_quorum.unwrap_or(acceptors / 2 + 1)
    }

    /// Q2 for `acceptors` acceptors: the configured size, or a majority.
    pub fn phase2_quorum_of(&self, acceptors: usize) -> usize {
        self.phase2_quorum.unwrap_or(acceptors / 2 + 1)
    }
}
