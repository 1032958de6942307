//! The Raft presets the integration tests run, shared by `raft.rs` (through the library) and
//! `raft_cli.rs` (through the `netsplit` binary); `raft.rs` checks that the lists name every
//! embedded Raft preset.

/// Presets of correct Raft: every property holds.
pub const CORRECT_PRESETS: &[&str] = &[
    "raft-steady-state",
    "raft-leader-crash",
    "raft-minority-partition",
    "raft-stale-leader",
    "raft-figure-8",
    "raft-flaky-network",
    "raft-membership-change",
    "raft-election-time",
    "raft-durable-ack",
];

/// Bug-switch presets and the safety property each one breaks.
pub const BUG_PRESETS: &[(&str, &str)] = &[
    (
        "raft-bug-commit-earlier-terms-by-counting",
        "Leader Completeness",
    ),
    ("raft-bug-vote-without-log-check", "Leader Completeness"),
    ("raft-bug-forget-voted-for-on-restart", "Election Safety"),
    ("raft-bug-acknowledge-before-disk", "Leader Completeness"),
];

/// Bug-switch presets whose bug shows as a missed liveness expectation (a warning, not a
/// violation), and that expectation. Each sets `"liveness": "fail"`, so the warning fails
/// the run.
pub const LIVENESS_BUG_PRESETS: &[(&str, &str)] =
    &[("raft-bug-no-timeout-randomization", "Election Progress")];
