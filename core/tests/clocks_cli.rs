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
const CORRECT_PRESETS: &[&str] = &[
    "clocks-skewed-clocks",
    "clocks-snapshot",
    "clocks-truetime-commit-wait",
];

/// Bug presets, each with the first property it breaks.
const BUG_PRESETS: &[(&str, &str)] = &[
    ("clocks-bug-non-fifo-snapshot", "Snapshot sum is the total"),
    ("clocks-bug-no-commit-wait", "External consistency"),
];

fn run(name: &str, seed: u64) -> (Option<i32>, Value) {
    let (code, printed) = cli::run_preset(name, seed);
    (code, serde_json::from_str(&printed).unwrap_or(Value::Null))
}

#[test]
fn every_clocks_preset_is_listed_here() {
    let bugs: Vec<&str> = BUG_PRESETS.iter().map(|(name, _)| *name).collect();
    cli::assert_lists_every_preset("clocks-", &[CORRECT_PRESETS, &bugs]);
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
        (
            "clocks-truetime-commit-wait",
            &["metrics", "gauges", "clock_skew_us"],
            7198.0.into(),
        ),
        (
            "clocks-truetime-commit-wait",
            &["metrics", "client", "requests"],
            200.into(),
        ),
        (
            "clocks-truetime-commit-wait",
            &["metrics", "gauges", "writes_committed"],
            199.0.into(),
        ),
        (
            "clocks-truetime-commit-wait",
            &["metrics", "client", "latency_ms_min"],
            8.001.into(),
        ),
        (
            "clocks-truetime-commit-wait",
            &["metrics", "client", "latency_ms_max"],
            8.002.into(),
        ),
        (
            "clocks-bug-no-commit-wait",
            &["violations", "0", "time"],
            10000.into(),
        ),
        (
            "clocks-bug-no-commit-wait",
            &["violations", "0", "nodes"],
            serde_json::json!([0, 1]),
        ),
        (
            "clocks-bug-no-commit-wait",
            &["metrics", "client", "latency_ms_max"],
            0.0.into(),
        ),
    ];
    for (name, path, expected) in checks {
        let (_, report) = run(name, 1);
        assert_eq!(&figure(&report, path), expected, "{name} {path:?}");
    }
}

#[test]
fn without_commit_wait_the_first_out_of_order_pair_is_the_one_the_bug_preset_names() {
    let (_, report) = run("clocks-bug-no-commit-wait", 1);
    let message = report["violations"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for quoted in [
        "write 2 at n1 started at true time 10000 µs",
        "write 1 at n0 was acknowledged at 5000 µs",
        "commit timestamp 10499 µs is not above that write's 12500 µs",
    ] {
        assert!(message.contains(quoted), "{quoted:?} not in {message}");
    }
}

/// `netsplit run|sweep --set epsilon_us=N`: the exit code and the report of the TrueTime
/// preset with another ε.
fn with_epsilon(command: &str, epsilon_us: u64) -> (Option<i32>, Value) {
    let mut arguments = vec![
        command.to_string(),
        "preset:clocks-truetime-commit-wait".to_string(),
        "--set".to_string(),
        format!("epsilon_us={epsilon_us}"),
    ];
    if command == "sweep" {
        arguments.extend(["--seeds", "2", "--metric", "commit_wait_ms_mean"].map(String::from));
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .args(&arguments)
        .output()
        .expect("the netsplit binary runs");
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code(), report)
}

#[test]
fn commit_wait_grows_with_epsilon_and_an_epsilon_below_the_clock_error_breaks_truetime() {
    let (code, report) = with_epsilon("sweep", 8_000);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["summary"][0]["metric"], "commit_wait_ms_mean");
    assert_eq!(report["summary"][0]["min"], 16.001);
    let (code, report) = with_epsilon("run", 3_500);
    assert_eq!(code, Some(1));
    assert_eq!(
        report["violations"][0]["property"],
        "TrueTime interval holds true time"
    );
    let (_, report) = with_epsilon("run", 2_000);
    assert_eq!(report["violations"][1]["property"], "External consistency");
    assert_eq!(report["violations"][1]["time"], 14_001);
}
