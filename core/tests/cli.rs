//! The `netsplit` binary's exit codes and reports (built with `--features cli`).
#![cfg(feature = "cli")]

use std::process::{Command, Output};

fn netsplit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .args(args)
        .output()
        .expect("the netsplit binary runs")
}

fn scratch_file(name: &str, text: &str) -> String {
    let path =
        std::env::temp_dir().join(format!("netsplit-cli-test-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("the temporary directory is writable");
    path.to_string_lossy().into_owned()
}

#[test]
fn run_prints_a_report_with_the_fingerprint_and_exits_zero() {
    let output = netsplit(&["run", "preset:broadcast-basic", "--until", "500"]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the report is JSON");
    assert_eq!(report["trace_hash"].as_str().map(str::len), Some(16));
    assert_eq!(report["stopped_by"], "reached_time");
    assert_eq!(report["time_ms"], 500.0);
    assert!(report["events"].as_u64().is_some_and(|events| events > 0));
    assert!(report["metrics"]["messages_delivered"].as_u64().is_some());
    assert_eq!(report["warnings"], serde_json::json!([]));
    assert_eq!(report["checker_limits"], serde_json::json!([]));
}

#[test]
fn the_seed_flag_changes_the_run_and_the_same_seed_repeats_it() {
    let hash = |seed: &str| {
        let output = netsplit(&[
            "run",
            "preset:broadcast-basic",
            "--until",
            "500",
            "--seed",
            seed,
        ]);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        report["trace_hash"].as_str().map(str::to_string)
    };
    assert_eq!(hash("5"), hash("5"));
    assert_ne!(hash("5"), hash("6"));
}

#[test]
fn a_violated_invariant_exits_one() {
    let output = netsplit(&["run", "preset:broadcast-bug-duplicates"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        report["violations"][0]["property"],
        "answers never outnumber peers"
    );
}

#[test]
fn bad_input_exits_two_with_the_path_of_the_problem() {
    let file = scratch_file(
        "bad.json",
        r#"{"version": 1, "lab": "broadcast", "nodes": 3, "network": {"loss_probability": 1.5}}"#,
    );
    for command in ["run", "check"] {
        let output = netsplit(&[command, &file]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(
            message.contains("network.loss_probability: must be between 0 and 1, got 1.5"),
            "{message}"
        );
    }
    let output = netsplit(&["check", "/no/such/file.json"]);
    assert_eq!(output.status.code(), Some(2));
    let output = netsplit(&["run", "preset:no-such-preset"]);
    assert_eq!(output.status.code(), Some(2));
    let output = netsplit(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn check_accepts_every_preset() {
    for (name, _) in netsplit_core::presets::all() {
        let output = netsplit(&["check", &format!("preset:{name}")]);
        assert_eq!(output.status.code(), Some(0), "{name}");
    }
}

#[test]
fn sweep_summarises_a_metric_over_seeds() {
    let output = netsplit(&[
        "sweep",
        "preset:broadcast-faults",
        "--seeds",
        "6",
        "--until",
        "1000",
        "--metric",
        "messages_delivered",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["seeds"].as_array().map(Vec::len), Some(6));
    let summary = &report["summary"][0];
    assert_eq!(summary["metric"], "messages_delivered");
    assert_eq!(summary["runs"], 6);
    assert!(summary["min"].as_f64() <= summary["p50"].as_f64());
    assert!(summary["p50"].as_f64() <= summary["max"].as_f64());
    let output = netsplit(&[
        "sweep",
        "preset:broadcast-faults",
        "--seeds",
        "2",
        "--metric",
        "nonsense",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_sweep_without_metrics_summarises_the_labs_own_figures() {
    let output = netsplit(&["sweep", "preset:loadbalancing-two-choices", "--seeds", "2"]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let metrics: Vec<&str> = report["summary"]
        .as_array()
        .expect("a summary")
        .iter()
        .filter_map(|summary| summary["metric"].as_str())
        .collect();
    assert_eq!(
        metrics,
        [
            "latency_ms_p50",
            "latency_ms_p99",
            "throughput_per_second",
            "requests_succeeded",
            "events"
        ]
    );
    for summary in report["summary"].as_array().expect("a summary") {
        assert!(summary["min"].as_f64() > Some(0.0), "{summary}");
    }
}

#[test]
fn a_preset_exits_one_exactly_when_its_name_says_bug() {
    // The rule every preset follows: one that demonstrates a violation (a bug switch, an
    // unsafe design) has `bug` in its file name and makes `netsplit run` exit 1; every other
    // preset exits 0.
    let mut wrong = Vec::new();
    for lab in netsplit_core::catalogue::LABS {
        for (name, _) in lab.presets {
            let output = netsplit(&["run", &format!("preset:{name}")]);
            let expected = if name.contains("bug") { 1 } else { 0 };
            if output.status.code() != Some(expected) {
                wrong.push(format!(
                    "{name} exits {:?}, expected {expected}",
                    output.status.code()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
