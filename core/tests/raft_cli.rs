//! The Raft presets through the `netsplit` binary (built with `--features cli`): every correct
//! preset exits 0 with no violation, and every bug-switch preset exits 1 naming the property
//! it breaks, over several seeds. `NETSPLIT_SEEDS` sets how many.
#![cfg(feature = "cli")]

use std::process::Command;

#[path = "support/raft_presets.rs"]
mod raft_presets;
use raft_presets::{BUG_PRESETS, CORRECT_PRESETS};

fn seeds() -> u64 {
    std::env::var("NETSPLIT_SEEDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(3)
}

/// Runs `netsplit run preset:<name> --seed <seed>` and returns its exit code and report.
fn run(name: &str, seed: u64) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .args([
            "run",
            &format!("preset:{name}"),
            "--seed",
            &seed.to_string(),
        ])
        .output()
        .expect("the netsplit binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

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
