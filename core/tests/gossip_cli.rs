//! The gossip (SWIM) presets through the `netsplit` binary (built with `--features cli`):
//! every correct preset exits 0 with no violation over several seeds (`NETSPLIT_SEEDS` sets
//! how many), every bug preset exits 1 naming the property it breaks, and the figures each
//! preset's description quotes are what its run gives. The lists must name every embedded
//! gossip preset.
#![cfg(feature = "cli")]

#[path = "support/cli.rs"]
mod cli;
use cli::seeds;

use serde_json::Value;

/// Presets where every property holds.
const CORRECT_PRESETS: &[&str] = &[
    "gossip-bad-link-indirect-probes",
    "gossip-crash-detected",
    "gossip-lossy-suspects-refute",
    "gossip-slow-member-refutes",
];

/// Bug presets, each with the property it breaks.
const BUG_PRESETS: &[(&str, &str)] = &[
    (
        "gossip-bug-no-indirect-probes",
        "No healthy member declared dead",
    ),
    ("gossip-bug-no-suspicion", "No healthy member declared dead"),
];

fn run(name: &str, seed: u64) -> (Option<i32>, Value) {
    let (code, printed) = cli::run_preset(name, seed);
    (code, serde_json::from_str(&printed).unwrap_or(Value::Null))
}

#[test]
fn every_gossip_preset_is_listed_here() {
    let bugs: Vec<&str> = BUG_PRESETS.iter().map(|(name, _)| *name).collect();
    cli::assert_lists_every_preset("gossip-", &[CORRECT_PRESETS, &bugs]);
}

#[test]
fn every_correct_gossip_preset_exits_zero_with_no_violation_or_false_confirmation_over_seeds() {
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
                report["metrics"]["counters"]["false_confirmations"], 0,
                "{name} seed {seed}"
            );
        }
    }
}

#[test]
fn every_gossip_bug_preset_exits_one_naming_the_property_it_breaks() {
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

fn gauge(report: &Value, name: &str) -> String {
    format!(
        "{:.2}",
        report["metrics"]["gauges"][name]
            .as_f64()
            .unwrap_or(f64::NAN)
    )
}

fn counter(report: &Value, name: &str) -> u64 {
    report["metrics"]["counters"][name]
        .as_u64()
        .unwrap_or(u64::MAX)
}

fn violation_ms(report: &Value) -> u64 {
    report["violations"][0]["time"].as_u64().unwrap_or(0) / 1_000
}

#[test]
fn the_figures_the_gossip_presets_quote_are_what_their_runs_give() {
    let (_, crash) = run("gossip-crash-detected", 1);
    assert_eq!(gauge(&crash, "failed_member"), "7.00");
    assert_eq!(gauge(&crash, "first_detection_ms"), "742.12");
    assert_eq!(gauge(&crash, "first_confirmed_ms"), "1742.12");
    assert_eq!(gauge(&crash, "all_know_ms"), "2194.93");
    assert_eq!(gauge(&crash, "messages_per_member_per_period"), "2.04");
    assert_eq!(counter(&crash, "false_suspicions"), 0);

    let (_, lossy) = run("gossip-lossy-suspects-refute", 1);
    assert_eq!(counter(&lossy, "false_suspicions"), 13);
    assert_eq!(gauge(&lossy, "refutations"), "13.00");
    assert_eq!(gauge(&lossy, "messages_per_member_per_period"), "3.91");

    let (_, slow) = run("gossip-slow-member-refutes", 1);
    assert_eq!(counter(&slow, "false_suspicions"), 5);
    assert_eq!(gauge(&slow, "refutations"), "5.00");
    assert_eq!(slow["warnings"], Value::Array(Vec::new()));

    let (_, no_suspicion) = run("gossip-bug-no-suspicion", 1);
    assert_eq!(violation_ms(&no_suspicion), 9_816);
    assert_eq!(
        no_suspicion["violations"][0]["nodes"],
        serde_json::json!([3, 1])
    );
    assert_eq!(counter(&no_suspicion, "false_confirmations"), 5);
    assert_eq!(
        no_suspicion["warnings"][0]["property"],
        "Membership views converge"
    );

    let (_, bad_link) = run("gossip-bad-link-indirect-probes", 1);
    assert_eq!(counter(&bad_link, "false_suspicions"), 0);
    assert_eq!(gauge(&bad_link, "messages_per_member_per_period"), "2.35");

    let (_, no_indirect) = run("gossip-bug-no-indirect-probes", 1);
    assert_eq!(violation_ms(&no_indirect), 16_396);
    assert_eq!(
        no_indirect["violations"][0]["nodes"],
        serde_json::json!([2, 5])
    );
    assert_eq!(counter(&no_indirect, "false_suspicions"), 37);
    assert_eq!(gauge(&no_indirect, "refutations"), "21.00");
}
