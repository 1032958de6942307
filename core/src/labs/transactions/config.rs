//! The transactions lab's parameters: the timeouts, the bound on being in doubt after the
//! system heals, an optional coordinator crash at a random moment (for sweeps), the choice
//! of three-phase commit, and the bug switch.

use serde::{Deserialize, Serialize};

/// Everything that shapes a node, as a scenario's `params` gives it. Every field has a
/// default, so `{}` is valid; unknown fields are refused so that a typo does not silently
/// fall back to a default.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How long the coordinator waits for every vote before it aborts, in milliseconds.
    pub vote_timeout_ms: u64,
    /// How long a prepared participant waits for the decision before it runs the
    /// termination protocol, and between two rounds of it, in milliseconds. Under
    /// three-phase commit a participant waits `vote_timeout_ms + decision_timeout_ms` for
    /// the coordinator's next message, so that it never gives up before the coordinator
    /// could have answered.
    pub decision_timeout_ms: u64,
    /// How often the coordinator resends a decision not yet acknowledged, in milliseconds.
    pub resend_ms: u64,
    /// The liveness bound: once every node runs and no link is cut, no participant should
    /// stay in doubt longer than this, in milliseconds (a warning otherwise).
    pub in_doubt_ms_max: u64,
    /// Crash the coordinator once at a moment drawn uniformly from a range (from the
    /// scenario's seed, so that a seed sweep varies it), and restart it later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crash_coordinator: Option<CoordinatorCrash>,
    /// Run three-phase commit instead of two-phase commit. A switch rather than an enum of
    /// protocols because the page's Parameters form offers switches, and there are two.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub three_phase_commit: bool,
    /// Deliberately broken variants.
    pub bugs: Bugs,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            vote_timeout_ms: 200,
            decision_timeout_ms: 100,
            resend_ms: 100,
            in_doubt_ms_max: 1_000,
            crash_coordinator: None,
            three_phase_commit: false,
            bugs: Bugs::default(),
        }
    }
}

/// A coordinator crash at a random moment, for sweeps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinatorCrash {
    /// The earliest moment, in milliseconds.
    pub from_ms: u64,
    /// The latest moment, in milliseconds.
    pub to_ms: u64,
    /// How long the coordinator stays down, in milliseconds.
    pub down_ms: u64,
}

/// The bug switches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bugs {
    /// The coordinator sends commit before its decision is on disk. A crash in that window
    /// leaves a log with no decision, so the restarted coordinator aborts what some
    /// participants already committed.
    pub coordinator_commits_before_logging: bool,
}

/// The longest timeout accepted, in milliseconds.
pub const TIMEOUT_MS_LIMIT: u64 = 600_000;

impl Config {
    /// Checks every number for range and consistency; the error names the field.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (field, value) in [
            ("vote_timeout_ms", self.vote_timeout_ms),
            ("decision_timeout_ms", self.decision_timeout_ms),
            ("resend_ms", self.resend_ms),
            ("in_doubt_ms_max", self.in_doubt_ms_max),
        ] {
            if value == 0 || value > TIMEOUT_MS_LIMIT {
                return Err((
                    field.to_string(),
                    format!("must be between 1 and {TIMEOUT_MS_LIMIT}, got {value}"),
                ));
            }
        }
        if let Some(crash) = &self.crash_coordinator {
            if crash.from_ms > TIMEOUT_MS_LIMIT {
                return Err((
                    "crash_coordinator.from_ms".to_string(),
                    format!("must be at most {TIMEOUT_MS_LIMIT}, got {}", crash.from_ms),
                ));
            }
            if crash.to_ms < crash.from_ms || crash.to_ms > TIMEOUT_MS_LIMIT {
                return Err((
                    "crash_coordinator.to_ms".to_string(),
                    format!(
                        "must be between from_ms ({}) and {TIMEOUT_MS_LIMIT}, got {}",
                        crash.from_ms, crash.to_ms
                    ),
                ));
            }
            if crash.down_ms == 0 || crash.down_ms > TIMEOUT_MS_LIMIT {
                return Err((
                    "crash_coordinator.down_ms".to_string(),
                    format!(
                        "must be between 1 and {TIMEOUT_MS_LIMIT}, got {}",
                        crash.down_ms
                    ),
                ));
            }
        }
        Ok(())
    }
}
