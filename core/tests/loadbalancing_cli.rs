//! The figures load balancing presets' descriptions quote, as the `netsplit` binary prints
//! them (its gauges, the numbers a learner sees): a description must say what the run shows.
#![cfg(feature = "cli")]

#[path = "support/cli.rs"]
mod cli;

use serde_json::Value;

/// Runs `target` (`preset:<name>` or a file) and returns the report's gauges.
fn gauges(target: &str) -> Value {
    let (code, printed) = cli::run(target, None);
    assert_eq!(code, Some(0), "{target} exits 0");
    let report: Value = serde_json::from_str(&printed).expect("a JSON report");
    report["metrics"]["gauges"].clone()
}

fn preset_text(name: &str) -> Value {
    serde_json::from_str(netsplit_core::presets::get(name).expect("the preset exists"))
        .expect("the preset is JSON")
}

#[test]
fn the_basic_preset_answers_its_requests_without_a_retry_as_its_description_says() {
    let run = gauges("preset:loadbalancing-basic");
    assert_eq!(run["requests_failed"], 0.0);
    assert_eq!(run["retries"], 0.0);
    assert_eq!(
        (
            run["requests_succeeded"].as_f64(),
            run["requests_started"].as_f64()
        ),
        (Some(2_994.0), Some(2_999.0))
    );
    let description = preset_text("loadbalancing-basic")["description"].to_string();
    assert!(description.contains("2,994 of 2,999"), "{description}");
}

#[test]
fn a_retry_budget_ends_the_retry_storm_with_the_figures_its_description_quotes() {
    let storm = gauges("preset:loadbalancing-retry-storm");
    let mut budgeted = preset_text("loadbalancing-retry-storm");
    budgeted["params"]["retries"]["budget_percent"] = 10.into();
    budgeted["params"]["retries"]["budget_retries_max"] = 10.into();
    let file =
        std::env::temp_dir().join(format!("netsplit-retry-budget-{}.json", std::process::id()));
    std::fs::write(&file, budgeted.to_string()).expect("the scratch folder is writable");
    let calm = gauges(file.to_str().expect("a UTF-8 path"));
    let _ = std::fs::remove_file(&file);
    let pick = |run: &Value, name: &str| run[name].as_f64().unwrap_or(f64::NAN);
    assert_eq!(
        (pick(&storm, "retries"), pick(&calm, "retries")),
        (35_623.0, 863.0)
    );
    assert_eq!(
        (
            pick(&storm, "requests_succeeded"),
            pick(&calm, "requests_succeeded")
        ),
        (4_853.0, 14_077.0)
    );
    assert_eq!(
        (
            pick(&storm, "window_error_rate"),
            pick(&calm, "window_error_rate")
        ),
        (1.0, 0.0)
    );
    let description = preset_text("loadbalancing-retry-storm")["description"].to_string();
    for figure in [
        "863 retries instead of 35,623",
        "14,077 requests instead of 4,853",
    ] {
        assert!(description.contains(figure), "{figure}: {description}");
    }
}

#[test]
fn a_load_balancing_run_reports_its_own_figures_and_no_client_block_of_zeros() {
    // The lab's clients are its own traffic, not the engine's client requests: the report
    // leaves the engine's client block out rather than printing zeros, and a sweep asked
    // for the engine's client latency says no run reported it.
    let (code, stdout) = cli::run("preset:loadbalancing-two-choices", Some(1));
    assert_eq!(code, Some(0));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        report["metrics"].get("client").is_none(),
        "{}",
        report["metrics"]
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .args([
            "sweep",
            "preset:loadbalancing-two-choices",
            "--seeds",
            "1",
            "--metric",
            "client_latency_ms_p50",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no run reported a metric named \"client_latency_ms_p50\""),
        "{stderr}"
    );
}
