//! The Raft presets through the `netsplit` binary (built with `--features cli`): every correct
//! preset exits 0 with no violation, and every bug-switch preset exits 1 naming the property
//! it breaks (a safety violation, or a missed liveness expectation in a scenario that
//! requires liveness), over several seeds. `NETSPLIT_SEEDS` sets how many.
#![cfg(feature = "cli")]

use std::process::Command;

#[path = "support/cli.rs"]
mod cli;
use cli::{run_preset as run, seeds};

#[path = "support/raft_presets.rs"]
mod raft_presets;
use raft_presets::{BUG_PRESETS, CORRECT_PRESETS, LIVENESS_BUG_PRESETS};

#[test]
fn every_correct_raft_preset_exits_zero_with_no_violation_over_seeds() {
    for name in CORRECT_PRESETS {
        for seed in 0..seeds() {
            let (code, report) = run(name, seed);
            assert_eq!(code, Some(0), "{name} with seed {seed}:\n{report}");
            assert!(
                report.contains("\"violations\": []"),
                "{name} with seed {seed}:\n{report}"
            );
        }
    }
}

#[test]
fn every_bug_switch_preset_exits_one_naming_the_broken_property_over_seeds() {
    for (name, property) in BUG_PRESETS {
        for seed in 0..seeds() {
            let (code, report) = run(name, seed);
            assert_eq!(code, Some(1), "{name} with seed {seed}:\n{report}");
            assert!(
                report.contains(property),
                "{name} with seed {seed} should report {property}:\n{report}"
            );
        }
    }
}

#[test]
fn every_liveness_bug_preset_exits_one_with_a_warning_and_no_violation_over_seeds() {
    for (name, property) in LIVENESS_BUG_PRESETS {
        for seed in 0..seeds() {
            let (code, report) = run(name, seed);
            assert_eq!(code, Some(1), "{name} with seed {seed}:\n{report}");
            let report: serde_json::Value = serde_json::from_str(&report).expect("JSON");
            assert_eq!(report["violations"], serde_json::json!([]), "{name}");
            assert_eq!(report["warnings"][0]["property"], *property, "{name}");
        }
    }
}

#[test]
fn a_sweep_of_correct_raft_that_misses_election_progress_warns_and_exits_zero() {
    let text = netsplit_core::presets::get("raft-election-time").expect("embedded");
    let mut scenario: serde_json::Value = serde_json::from_str(text).expect("JSON");
    scenario["params"]["election_timeout_ms_max"] = serde_json::json!(155);
    let path = std::env::temp_dir().join(format!(
        "netsplit-raft-cli-{}-150-155.json",
        std::process::id()
    ));
    std::fs::write(&path, scenario.to_string()).expect("the temporary directory is writable");
    let output = Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .args(["sweep", &path.to_string_lossy(), "--seeds", "8"])
        .output()
        .expect("the netsplit binary runs");
    let _ = std::fs::remove_file(&path);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["seeds_with_violations"], serde_json::json!([]));
    assert_eq!(report["seeds_failed"], serde_json::json!([]));
    assert!(
        report["seeds_with_warnings"]
            .as_array()
            .is_some_and(|seeds| !seeds.is_empty()),
        "{report}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("missed a liveness expectation"), "{stderr}");
}
