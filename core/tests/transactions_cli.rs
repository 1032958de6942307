//! The transactions presets through the `netsplit` binary (built with `--features cli`): every
//! correct preset exits 0 with no violation over several seeds (`NETSPLIT_SEEDS` sets how
//! many), the bug-switch preset exits 1 naming Atomicity, and the coordinator-crash sweep
//! gives the shares its paragraph reports. The lists must name every embedded preset.
#![cfg(feature = "cli")]

use std::process::Command;

use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;
use cli::run_preset as run;

/// Presets of correct two-phase commit.
const CORRECT_PRESETS: &[&str] = &[
    "transactions-happy-path",
    "transactions-coordinator-crash",
    "transactions-coordinator-crash-sweep",
];

/// Bug-switch presets; each breaks Atomicity.
const BUG_PRESETS: &[&str] = &["transactions-bug-commit-before-logging"];

#[test]
fn every_transactions_preset_is_listed_here() {
    cli::assert_lists_every_preset("transactions-", &[CORRECT_PRESETS, BUG_PRESETS]);
}

#[test]
fn every_correct_transactions_preset_exits_zero_with_no_violation_over_seeds() {
    cli::assert_exit_zero_over_seeds(CORRECT_PRESETS);
}

#[test]
fn the_commit_before_logging_preset_exits_one_naming_atomicity_at_306_ms() {
    for name in BUG_PRESETS {
        let (code, report) = run(name, 1);
        assert_eq!(code, Some(1), "{name}:\n{report}");
        let report: Value = serde_json::from_str(&report).expect("a JSON report");
        let violation = &report["violations"][0];
        assert_eq!(violation["property"], "Atomicity", "{name}");
        assert_eq!(violation["time"], 306_000, "{name}");
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
fn a_thousand_random_coordinator_crashes_commit_474_block_and_abort_503_and_never_start_23() {
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
        .output()
        .expect("the netsplit binary runs");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(report["seeds_with_violations"], serde_json::json!([]));
    let runs = report["seeds"].as_array().expect("per-seed results");
    assert_eq!(runs.len(), 1_000);
    let metric = |run: &Value, name: &str| run["metrics"][name].as_f64().unwrap_or(f64::NAN);
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
    let longest = |values: &[f64]| values.iter().copied().fold(f64::MIN, f64::max);
    let shortest = |values: &[f64]| values.iter().copied().fold(f64::MAX, f64::min);
    assert_eq!(longest(&committed), 39.648);
    assert_eq!((shortest(&blocked), longest(&blocked)), (495.086, 535.591));
}
