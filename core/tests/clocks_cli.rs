//! The time and order presets through the `netsplit` binary (built with `--features cli`):
//! every correct preset exits 0 with no violation over several seeds (`NETSPLIT_SEEDS` sets
//! how many), the bug preset exits 1 naming the property it breaks, and the figures each
//! preset's description quotes are what its run gives. The lists must name every embedded
//! clocks preset.
#![cfg(feature = "cli")]

#[path = "support/cli.rs"]
mod cli;
use cli::seeds;

use serde_json::Value;

/// Presets where every property holds.
const CORRECT_PRESETS: &[&str] = &["clocks-skewed-clocks", "clocks-snapshot"];

/// Bug presets, each with the first property it breaks.
const BUG_PRESETS: &[(&str, &str)] =
    &[("clocks-bug-non-fifo-snapshot", "Snapshot sum is the total")];

fn run(name: &str, seed: u64) -> (Option<i32>, Value) {
    let (code, printed) = cli::run_preset(name, seed);
    (code, serde_json::from_str(&printed).unwrap_or(Value::Null))
}

#[test]
fn every_clocks_preset_is_listed_here() {
    let mut embedded: Vec<&str> = netsplit_core::presets::all()
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| name.starts_with("clocks-"))
        .collect();
    let mut listed: Vec<&str> = CORRECT_PRESETS
        .iter()
        .copied()
        .chain(BUG_PRESETS.iter().map(|(name, _)| *name))
        .collect();
    embedded.sort_unstable();
    listed.sort_unstable();
    assert_eq!(embedded, listed);
}

#[test]
fn every_correct_clocks_preset_exits_zero_with_no_violation_over_seeds() {
    for name in CORRECT_PRESETS {
        for seed in 1..=seeds() {
            let (code, report) = run(name, seed);
            assert_eq!(code, Some(0), "{name} seed {seed}: {report}");
            assert_eq!(
                report["violations"],
                Value::Array(Vec::new()),
                "{name} seed {seed}"
            );
        }
    }
}

#[test]
fn every_clocks_bug_preset_exits_one_naming_the_property_it_breaks() {
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
fn the_figures_the_clocks_presets_quote_are_what_their_runs_give() {
    let checks: &[(&str, &[&str], Value)] = &[
        (
            "clocks-skewed-clocks",
            &["metrics", "kinds", "0", "sent"],
            178.into(),
        ),
        (
            "clocks-skewed-clocks",
            &["metrics", "gauges", "clock_skew_us"],
            28985.0.into(),
        ),
        (
            "clocks-skewed-clocks",
            &["metrics", "gauges", "hlc_ahead_max_us"],
            23634.0.into(),
        ),
        (
            "clocks-skewed-clocks",
            &["metrics", "gauges", "hlc_counter_max"],
            4.0.into(),
        ),
        (
            "clocks-snapshot",
            &["metrics", "gauges", "held_back_max"],
            5.0.into(),
        ),
        (
            "clocks-snapshot",
            &["metrics", "gauges", "snapshot_sum"],
            3000.0.into(),
        ),
        (
            "clocks-snapshot",
            &["metrics", "kinds", "0", "sent"],
            271.into(),
        ),
        (
            "clocks-bug-non-fifo-snapshot",
            &["metrics", "gauges", "snapshot_sum"],
            3408.0.into(),
        ),
        (
            "clocks-bug-non-fifo-snapshot",
            &["metrics", "gauges", "snapshot_expected"],
            3000.0.into(),
        ),
    ];
    for (name, path, expected) in checks {
        let (_, report) = run(name, 1);
        assert_eq!(&figure(&report, path), expected, "{name} {path:?}");
    }
}
