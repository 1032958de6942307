//! The transactions presets through the `netsplit` binary (built with `--features cli`): every
//! correct preset exits 0 with no violation over several seeds (`NETSPLIT_SEEDS` sets how
//! many), the bug presets exit 1 naming Atomicity, and the coordinator-crash sweep gives
//! the shares its paragraph reports, under two-phase commit and (with
//! `--set three_phase_commit=true`) three-phase commit. The lists must name every embedded
//! preset.
#![cfg(feature = "cli")]

use std::process::Command;

use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;
use cli::run_preset as run;

/// Presets of correct two-phase and three-phase commit.
const CORRECT_PRESETS: &[&str] = &[
    "transactions-happy-path",
    "transactions-coordinator-crash",
    "transactions-coordinator-crash-sweep",
    "transactions-3pc-coordinator-crash",
];

/// Presets that break Atomicity: a bug switch, and three-phase commit under a partition.
const BUG_PRESETS: &[&str] = &[
    "transactions-bug-commit-before-logging",
    "transactions-bug-3pc-partition",
];

#[test]
fn every_transactions_preset_is_listed_here() {
    cli::assert_lists_every_preset("transactions-", &[CORRECT_PRESETS, BUG_PRESETS]);
}

#[test]
fn every_correct_transactions_preset_exits_zero_with_no_violation_over_seeds() {
    cli::assert_exit_zero_over_seeds(CORRECT_PRESETS);
}

#[test]
fn the_commit_before_logging_preset_exits_one_naming_atomicity_at_306_ms_and_the_3pc_partition_preset_at_417_ms()
 {
    for (name, time) in BUG_PRESETS.iter().zip([306_000, 417_000]) {
        let (code, report) = run(name, 1);
        assert_eq!(code, Some(1), "{name}:\n{report}");
        let report: Value = serde_json::from_str(&report).expect("a JSON report");
        let violation = &report["violations"][0];
        assert_eq!(violation["property"], "Atomicity", "{name}");
        assert_eq!(violation["time"], time, "{name}");
        assert_eq!(violation["nodes"], serde_json::json!([1, 2]), "{name}");
    }
}

#[test]
fn the_coordinator_crash_preset_blocks_holding_locks_for_590_ms_and_then_aborts() {
    let (code, report) = run("transactions-coordinator-crash", 1);
    assert_eq!(code, Some(0), "{report}");
    let report: Value = serde_json::from_str(&report).expect("a JSON report");
    let gauges = &report["metrics"]["gauges"];
    assert_eq!(gauges["blocked"], 1.0);
    assert_eq!(gauges["lock_held_ms_max"], 590.0);
    assert_eq!(gauges["aborted"], 1.0);
    assert_eq!(gauges["committed"], 1.0, "t2 commits after the restart");
    assert_eq!(gauges["locks_held"], 0.0);
}

#[test]
fn the_3pc_coordinator_crash_preset_commits_without_the_coordinator_holding_locks_for_328_ms_and_never_blocks()
 {
    let (code, report) = run("transactions-3pc-coordinator-crash", 1);
    assert_eq!(code, Some(0), "{report}");
    let report: Value = serde_json::from_str(&report).expect("a JSON report");
    let gauges = &report["metrics"]["gauges"];
    assert_eq!(gauges["blocked"], 0.0);
    assert_eq!(gauges["lock_held_ms_max"], 328.0);
    assert_eq!(gauges["committed"], 2.0, "t1 and t2");
    assert_eq!(gauges["aborted"], 0.0);
    assert_eq!(gauges["locks_held"], 0.0);
}

/// The coordinator-crash sweep over seeds 0 to 999, `extra` added to the command line.
fn crash_sweep(extra: &[&str]) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .args([
            "sweep",
            "preset:transactions-coordinator-crash-sweep",
            "--seeds",
            "1000",
            "--metric",
            "blocked",
            "--metric",
            "committed",
            "--metric",
            "aborted",
            "--metric",
            "lock_held_ms_max",
        ])
        .args(extra)
        .output()
        .expect("the netsplit binary runs");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(report["seeds_with_violations"], serde_json::json!([]));
    let runs = report["seeds"]
        .as_array()
        .expect("per-seed results")
        .clone();
    assert_eq!(runs.len(), 1_000);
    runs
}

fn metric(run: &Value, name: &str) -> f64 {
    run["metrics"][name].as_f64().unwrap_or(f64::NAN)
}

fn longest(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::MIN, f64::max)
}

fn shortest(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::MAX, f64::min)
}

#[test]
fn a_thousand_random_coordinator_crashes_commit_474_block_and_abort_503_and_never_start_23() {
    let runs = crash_sweep(&[]);
    let committed: Vec<f64> = runs
        .iter()
        .filter(|run| metric(run, "committed") == 1.0)
        .map(|run| metric(run, "lock_held_ms_max"))
        .collect();
    let blocked: Vec<f64> = runs
        .iter()
        .filter(|run| metric(run, "blocked") == 1.0)
        .map(|run| metric(run, "lock_held_ms_max"))
        .collect();
    let aborted = runs
        .iter()
        .filter(|run| metric(run, "aborted") == 1.0)
        .count();
    let blocked_and_aborted = runs
        .iter()
        .filter(|run| metric(run, "blocked") == 1.0 && metric(run, "aborted") == 1.0)
        .count();
    let neither = runs
        .iter()
        .filter(|run| metric(run, "committed") == 0.0 && metric(run, "aborted") == 0.0)
        .count();
    assert_eq!(committed.len(), 474);
    assert_eq!(blocked.len(), 503);
    assert_eq!((aborted, blocked_and_aborted), (503, 503));
    assert_eq!(neither, 23);
    assert_eq!(longest(&committed), 39.648);
    assert_eq!((shortest(&blocked), longest(&blocked)), (495.086, 535.591));
}

#[test]
fn under_three_phase_commit_the_same_thousand_crashes_commit_474_abort_503_never_start_23_and_never_block()
 {
    let runs = crash_sweep(&["--set", "three_phase_commit=true"]);
    let held = |outcome: &str| -> Vec<f64> {
        runs.iter()
            .filter(|run| metric(run, outcome) == 1.0)
            .map(|run| metric(run, "lock_held_ms_max"))
            .collect()
    };
    let (committed, aborted) = (held("committed"), held("aborted"));
    assert!(runs.iter().all(|run| metric(run, "blocked") == 0.0));
    assert_eq!((committed.len(), aborted.len()), (474, 503));
    let neither = runs
        .iter()
        .filter(|run| metric(run, "committed") == 0.0 && metric(run, "aborted") == 0.0)
        .count();
    assert_eq!(neither, 23);
    // 459 runs crash between the pre-commit and the commit, and the participants commit
    // on their own; 15 crash after the commit went out.
    let on_their_own: Vec<f64> = committed.iter().copied().filter(|&ms| ms > 100.0).collect();
    assert_eq!(on_their_own.len(), 459);
    assert_eq!(
        (shortest(&on_their_own), longest(&committed)),
        (344.543, 378.69)
    );
    assert_eq!((shortest(&aborted), longest(&aborted)), (319.027, 351.2));
}
