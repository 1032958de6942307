//! The Raft lab's parameters: timeouts, options and bug switches.

use serde::{Deserialize, Serialize};

/// Everything that shapes a Raft node, as a scenario's `params` gives it. Every field has
/// a default, so `{}` is a valid configuration; unknown fields are refused so that a typo
/// does not silently fall back to a default.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The shortest election timeout, in milliseconds (the paper suggests 150).
    pub election_timeout_ms_min: u64,
    /// The longest election timeout, in milliseconds (the paper suggests 300). Each
    /// follower waits a delay drawn from this range, which is what makes split votes rare.
    pub election_timeout_ms_max: u64,
    /// How often an idle leader sends empty AppendEntries, in milliseconds.
    pub heartbeat_interval_ms: u64,
    /// PreVote (thesis 9.6): a server asks whether it could win before it bumps its term,
    /// so a server cut off from the cluster cannot disrupt it when it comes back.
    pub pre_vote: bool,
    /// CheckQuorum (thesis 6.2 and 4.2.3): a leader that has not heard from a majority for
    /// an election timeout steps down, and a server that heard from a leader within the
    /// minimum election timeout ignores vote requests.
    pub check_quorum: bool,
    /// Take a snapshot once this many applied entries sit in the log (section 7); 0 turns
    /// log compaction off. Followers far behind then receive InstallSnapshot.
    pub snapshot_threshold: u64,
    /// Whether a new leader appends a blank entry at the start of its term (section 8), so
    /// that entries of earlier terms commit without waiting for a client request.
    pub leader_noop: bool,
    /// Whether a follower that knows the leader forwards a client request to it (once)
    /// instead of answering `NotLeader`, so that scenarios sending requests to any server
    /// still see them committed. The leader answers the client directly.
    pub forward_to_leader: bool,
    /// The most entries one AppendEntries carries.
    pub max_entries_per_append: u64,
    /// The most entries a leader keeps uncompacted before it refuses new requests, so that
    /// a run without snapshots cannot grow without bound.
    pub max_log_entries: u64,
    /// ReadIndex (thesis 6.4): the leader answers a read without appending it to the log,
    /// after a heartbeat round confirms a majority still follows it and it has applied the
    /// commit index it noted when the read arrived. Off: reads go through the log.
    pub read_index: bool,
    /// Deliberately broken variants for the learner to switch on and watch the checker catch.
    pub bugs: Bugs,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            election_timeout_ms_min: 150,
            election_timeout_ms_max: 300,
            heartbeat_interval_ms: 50,
            pre_vote: false,
            check_quorum: false,
            snapshot_threshold: 0,
            leader_noop: true,
            forward_to_leader: true,
            max_entries_per_append: 64,
            max_log_entries: 100_000,
            read_index: false,
            bugs: Bugs::default(),
        }
    }
}

/// The bug switches. Each one removes one rule of the paper.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bugs {
    /// A leader commits an entry of an earlier term as soon as a majority stores it,
    /// instead of only entries of its current term (section 5.4.2 and Figure 8).
    pub commit_earlier_terms_by_counting: bool,
    /// A server grants its vote without checking that the candidate's log is at least as
    /// up-to-date as its own (section 5.4.1), so a leader can lack committed entries.
    pub vote_without_log_check: bool,
    /// Every server waits exactly the minimum election timeout (section 5.2), so candidates
    /// keep splitting the vote.
    pub no_timeout_randomization: bool,
    /// A restarted server forgets whom it voted for (Figure 2 makes votedFor persistent),
    /// so it can vote twice in one term and two leaders can share a term.
    pub forget_voted_for_on_restart: bool,
    /// A server answers an AppendEntries, InstallSnapshot or RequestVote at once when that
    /// message changed nothing, even if the entries or the vote it confirms are still being
    /// written by an earlier one (Figure 2: persistent state is "updated on stable storage
    /// before responding to RPCs"). A crash before the write lands then loses an entry the
    /// leader counted as stored, and a committed entry can vanish.
    pub acknowledge_before_disk: bool,
}

/// Why a configuration was refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ConfigError {
    /// The offending field, as spelled in the scenario.
    pub field: &'static str,
    /// Why it was refused.
    pub reason: String,
}

/// The longest election timeout accepted, in milliseconds.
pub const ELECTION_TIMEOUT_MS_LIMIT: u64 = 600_000;

/// The most entries one AppendEntries may carry.
pub const ENTRIES_PER_APPEND_LIMIT: u64 = 10_000;

/// The most entries a log may hold uncompacted.
pub const LOG_ENTRIES_LIMIT: u64 = 10_000_000;

impl Config {
    /// Checks every number for range and consistency.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let error = |field, reason: String| Err(ConfigError { field, reason });
        if self.election_timeout_ms_min == 0 {
            return error("election_timeout_ms_min", "must be at least 1".into());
        }
        if self.election_timeout_ms_max > ELECTION_TIMEOUT_MS_LIMIT {
            return error(
                "election_timeout_ms_max",
                format!(
                    "must be at most {ELECTION_TIMEOUT_MS_LIMIT}, got {}",
                    self.election_timeout_ms_max
                ),
            );
        }
        if self.election_timeout_ms_max < self.election_timeout_ms_min {
            return error(
                "election_timeout_ms_max",
                format!(
                    "must be at least election_timeout_ms_min ({}), got {}",
                    self.election_timeout_ms_min, self.election_timeout_ms_max
                ),
            );
        }
        if self.heartbeat_interval_ms == 0 || self.heartbeat_interval_ms > ELECTION_TIMEOUT_MS_LIMIT
        {
            return error(
                "heartbeat_interval_ms",
                format!(
                    "must be between 1 and {ELECTION_TIMEOUT_MS_LIMIT}, got {}",
                    self.heartbeat_interval_ms
                ),
            );
        }
        if self.max_entries_per_append == 0
            || self.max_entries_per_append > ENTRIES_PER_APPEND_LIMIT
        {
            return error(
                "max_entries_per_append",
                format!(
                    "must be between 1 and {ENTRIES_PER_APPEND_LIMIT}, got {}",
                    self.max_entries_per_append
                ),
            );
        }
        if self.max_log_entries == 0 || self.max_log_entries > LOG_ENTRIES_LIMIT {
            return error(
                "max_log_entries",
                format!(
                    "must be between 1 and {LOG_ENTRIES_LIMIT}, got {}",
                    self.max_log_entries
                ),
            );
        }
        if self.snapshot_threshold > LOG_ENTRIES_LIMIT {
            return error(
                "snapshot_threshold",
                format!(
                    "must be at most {LOG_ENTRIES_LIMIT} (0 turns compaction off), got {}",
                    self.snapshot_threshold
                ),
            );
        }
        Ok(())
    }

    /// A copy with every number forced into its valid range, for constructors that cannot
    /// report an error. Scenarios are validated before they get here; this only guards
    /// against a node being built from an unchecked configuration.
    pub fn clamped(&self) -> Self {
        let mut config = self.clone();
        config.election_timeout_ms_min = config
            .election_timeout_ms_min
            .clamp(1, ELECTION_TIMEOUT_MS_LIMIT);
        config.election_timeout_ms_max = config
            .election_timeout_ms_max
            .clamp(config.election_timeout_ms_min, ELECTION_TIMEOUT_MS_LIMIT);
        config.heartbeat_interval_ms = config
            .heartbeat_interval_ms
            .clamp(1, ELECTION_TIMEOUT_MS_LIMIT);
        config.max_entries_per_append = config
            .max_entries_per_append
            .clamp(1, ENTRIES_PER_APPEND_LIMIT);
        config.max_log_entries = config.max_log_entries.clamp(1, LOG_ENTRIES_LIMIT);
        config.snapshot_threshold = config.snapshot_threshold.min(LOG_ENTRIES_LIMIT);
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_object_gives_the_papers_defaults() {
        let config: Config = serde_json::from_str("{}").expect("empty params decode");
        assert_eq!(config.election_timeout_ms_min, 150);
        assert_eq!(config.election_timeout_ms_max, 300);
        assert_eq!(config.heartbeat_interval_ms, 50);
        assert!(config.validate().is_ok());
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let error = serde_json::from_str::<Config>(r#"{"bugs": {"forget_voted_for": true}}"#)
            .expect_err("typo must be refused");
        assert!(error.to_string().contains("forget_voted_for"), "{error}");
    }

    #[test]
    fn a_timeout_range_that_ends_before_it_starts_names_the_field() {
        let config = Config {
            election_timeout_ms_min: 300,
            election_timeout_ms_max: 150,
            ..Config::default()
        };
        let error = config.validate().expect_err("inverted range");
        assert_eq!(error.field, "election_timeout_ms_max");
        assert_eq!(config.clamped().election_timeout_ms_max, 300);
    }
}
