//! The CRDT presets through the `netsplit` binary (built with `--features cli`): every
//! correct preset exits 0 with no violation over several seeds (`NETSPLIT_SEEDS` sets how
//! many), every bug preset exits 1 naming the property it breaks, and the figures each
//! preset's description quotes are what its run gives. The lists must name every embedded
//! CRDT preset.
#![cfg(feature = "cli")]

use std::process::Command;

#[path = "support/cli.rs"]
mod cli;
use cli::seeds;

use serde_json::Value;

/// Presets where every property holds.
const CORRECT_PRESETS: &[&str] = &[
    "crdt-causal-delivery",
    "crdt-flaky-network",
    "crdt-mv-register",
    "crdt-or-set-remove",
    "crdt-partition-counter",
    "crdt-set-op-based",
    "crdt-set-state-gossip",
    "crdt-text",
];

/// Bug presets, each with the first property it breaks.
const BUG_PRESETS: &[(&str, &str)] = &[
    ("crdt-bug-naive-counter", "No update lost"),
    ("crdt-bug-naive-set", "No update lost"),
    ("crdt-bug-no-causal-delivery", "Strong eventual consistency"),
];

fn run(name: &str, seed: u64) -> (Option<i32>, Value) {
    let (code, printed) = cli::run_preset(name, seed);
    (code, serde_json::from_str(&printed).unwrap_or(Value::Null))
}

#[test]
fn every_crdt_preset_is_listed_here() {
    let bugs: Vec<&str> = BUG_PRESETS.iter().map(|(name, _)| *name).collect();
    cli::assert_lists_every_preset("crdt-", &[CORRECT_PRESETS, &bugs]);
}

#[test]
fn every_correct_crdt_preset_exits_zero_with_no_violation_over_seeds() {
    for name in CORRECT_PRESETS {
        for seed in 1..=seeds() {
            let (code, report) = run(name, seed);
            assert_eq!(code, Some(0), "{name} seed {seed}: {report}");
            assert_eq!(
                report["violations"],
                Value::Array(Vec::new()),
                "{name} seed {seed}"
            );
            assert_eq!(
                report["metrics"]["gauges"]["distinct_values"], 1.0,
                "{name} seed {seed} ends converged"
            );
        }
    }
}

#[test]
fn every_crdt_bug_preset_exits_one_naming_the_property_it_breaks() {
    for (name, property) in BUG_PRESETS {
        for seed in 1..=seeds() {
            let (code, report) = run(name, seed);
            assert_eq!(code, Some(1), "{name} seed {seed}");
            assert_eq!(
                report["violations"][0]["property"], *property,
                "{name} seed {seed}"
            );
        }
    }
}

/// A figure of a preset's report at its own seed: a path into the report and its value.
fn figure(report: &Value, path: &[&str]) -> Value {
    path.iter()
        .fold(report.clone(), |value, key| match key.parse::<usize>() {
            Ok(index) => value[index].clone(),
            Err(_) => value[*key].clone(),
        })
}

#[test]
fn the_figures_the_crdt_presets_quote_are_what_their_runs_give() {
    let checks: &[(&str, &[&str], Value)] = &[
        (
            "crdt-partition-counter",
            &["metrics", "gauges", "converged_at_ms"],
            1103.082.into(),
        ),
        (
            "crdt-text",
            &["metrics", "gauges", "converged_at_ms"],
            1294.959.into(),
        ),
        (
            "crdt-text",
            &["metrics", "counters", "bytes_sent"],
            7210.into(),
        ),
        ("crdt-text", &["metrics", "kinds", "0", "sent"], 12.into()),
        ("crdt-text", &["metrics", "kinds", "1", "sent"], 120.into()),
        (
            "crdt-set-state-gossip",
            &["metrics", "counters", "bytes_sent"],
            58876.into(),
        ),
        (
            "crdt-set-state-gossip",
            &["metrics", "kinds", "0", "sent"],
            140.into(),
        ),
        (
            "crdt-set-state-gossip",
            &["metrics", "gauges", "converged_at_ms"],
            2155.53.into(),
        ),
        (
            "crdt-set-state-gossip",
            &["metrics", "gauges", "updates_made"],
            40.0.into(),
        ),
        (
            "crdt-set-op-based",
            &["metrics", "counters", "bytes_sent"],
            13554.into(),
        ),
        (
            "crdt-set-op-based",
            &["metrics", "kinds", "0", "sent"],
            97.into(),
        ),
        (
            "crdt-set-op-based",
            &["metrics", "kinds", "1", "sent"],
            140.into(),
        ),
        (
            "crdt-set-op-based",
            &["metrics", "gauges", "converged_at_ms"],
            2061.528.into(),
        ),
        (
            "crdt-bug-no-causal-delivery",
            &["violations", "0", "time"],
            151_000.into(),
        ),
        (
            "crdt-bug-no-causal-delivery",
            &["violations", "1", "property"],
            "No update lost".into(),
        ),
        (
            "crdt-bug-no-causal-delivery",
            &["warnings", "0", "time"],
            1_112_197.into(),
        ),
        (
            "crdt-bug-naive-counter",
            &["violations", "0", "time"],
            1_035_430.into(),
        ),
        (
            "crdt-bug-naive-counter",
            &["violations", "0", "nodes", "0"],
            1.into(),
        ),
        (
            "crdt-bug-naive-counter",
            &["metrics", "gauges", "lost_updates"],
            2.0.into(),
        ),
        (
            "crdt-bug-naive-set",
            &["violations", "0", "time"],
            1_018_062.into(),
        ),
        (
            "crdt-bug-naive-set",
            &["violations", "0", "nodes", "0"],
            2.into(),
        ),
        (
            "crdt-or-set-remove",
            &["metrics", "gauges", "converged_at_ms"],
            1111.965.into(),
        ),
        (
            "crdt-mv-register",
            &["metrics", "gauges", "converged_at_ms"],
            1644.192.into(),
        ),
        (
            "crdt-flaky-network",
            &["metrics", "gauges", "converged_at_ms"],
            1932.808.into(),
        ),
        (
            "crdt-flaky-network",
            &["metrics", "gauges", "updates_made"],
            19.0.into(),
        ),
        (
            "crdt-flaky-network",
            &["metrics", "counters", "bytes_sent"],
            30877.into(),
        ),
    ];
    for (name, path, expected) in checks {
        let (_, report) = run(name, 1);
        assert_eq!(&figure(&report, path), expected, "{name} {path:?}");
    }
}

fn sweep(name: &str, metric: &str) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .args([
            "sweep",
            &format!("preset:{name}"),
            "--seeds",
            "20",
            "--first-seed",
            "1",
            "--metric",
            metric,
        ])
        .output()
        .expect("the netsplit binary runs");
    serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
}

#[test]
fn over_twenty_seeds_full_state_gossip_sends_over_four_times_the_bytes_of_op_based_replication() {
    let state = sweep("crdt-set-state-gossip", "bytes_sent");
    let op = sweep("crdt-set-op-based", "bytes_sent");
    let summary = |report: &Value| {
        let bytes = &report["summary"][0];
        assert_eq!(bytes["metric"], "bytes_sent");
        assert_eq!(bytes["runs"], 20);
        (
            bytes["min"].clone(),
            bytes["max"].clone(),
            bytes["mean"].clone(),
        )
    };
    assert_eq!(
        summary(&state),
        (57378.0.into(), 62666.0.into(), 59788.6.into())
    );
    assert_eq!(
        summary(&op),
        (13410.0.into(), 14886.0.into(), 13929.0.into())
    );
    for report in [&state, &op] {
        assert_eq!(report["seeds_with_violations"], Value::Array(Vec::new()));
    }
}

#[test]
fn over_twenty_seeds_the_flaky_network_preset_never_violates_or_warns() {
    let report = sweep("crdt-flaky-network", "bytes_sent");
    assert_eq!(report["seeds"].as_array().map(Vec::len), Some(20));
    assert_eq!(report["seeds_with_violations"], Value::Array(Vec::new()));
    assert_eq!(report["seeds_with_warnings"], Value::Array(Vec::new()));
}
