//! The Paxos presets through the `netsplit` binary (built with `--features cli`): every correct
//! preset exits 0 with no violation, and every bug-switch preset exits 1 naming Agreement, over
//! several seeds (`NETSPLIT_SEEDS` sets how many); the livelock preset exits 1 naming the
//! Progress expectation it requires. The lists must name every embedded Paxos preset.
#![cfg(feature = "cli")]

#[path = "support/cli.rs"]
mod cli;
use cli::run_preset as run;

/// Presets of correct Paxos: every property holds.
const CORRECT_PRESETS: &[&str] = &[
    "paxos-basic",
    "paxos-dueling-proposers",
    "paxos-acceptor-crash",
    "paxos-flexible-n6-q1-4-q2-3",
    "paxos-dueling-proposers-with-backoff",
];

/// Bug-switch presets; each breaks Agreement.
const BUG_PRESETS: &[&str] = &[
    "paxos-bug-acceptor-forgets-on-restart",
    "paxos-bug-proposer-ignores-promised-values",
    "paxos-bug-accept-without-promise-check",
    "paxos-bug-ballots-not-unique",
    "paxos-bug-flexible-quorums-disjoint",
];

/// Presets whose bug stops progress: `"liveness": "fail"`, and no violation.
const LIVELOCK_PRESETS: &[&str] = &["paxos-bug-dueling-proposers-livelock"];

#[test]
fn every_paxos_preset_is_listed_here() {
    cli::assert_lists_every_preset("paxos-", &[CORRECT_PRESETS, BUG_PRESETS, LIVELOCK_PRESETS]);
}

#[test]
fn every_correct_paxos_preset_exits_zero_with_no_violation_over_seeds() {
    cli::assert_exit_zero_over_seeds(CORRECT_PRESETS);
}

#[test]
fn every_paxos_bug_preset_exits_one_naming_agreement() {
    for name in BUG_PRESETS {
        let (code, report) = run(name, 1);
        assert_eq!(code, Some(1), "{name}:\n{report}");
        assert!(report.contains("Agreement"), "{name}:\n{report}");
    }
}

#[test]
fn the_paxos_livelock_preset_exits_one_naming_progress_and_no_violation() {
    for name in LIVELOCK_PRESETS {
        let (code, report) = run(name, 1);
        assert_eq!(code, Some(1), "{name}:\n{report}");
        assert!(report.contains("\"violations\": []"), "{name}:\n{report}");
        assert!(report.contains("Progress"), "{name}:\n{report}");
    }
}
