//! The `netsplit` headless command-line tool: run, sweep and check scenarios.
//!
//! Exit codes: 0 when everything ran and no invariant was violated, 1 when a run
//! violated an invariant, 2 when the input was bad (unreadable file, malformed or
//! invalid scenario, unknown lab). A missed liveness expectation is a warning: it is
//! reported under `warnings` and exits 0, unless the scenario says `"liveness": "fail"`
//! (a scenario whose point is a cluster that makes no progress), where it exits 1.
//! A checker that reached the cap on what it remembers is reported under
//! `checker_limits`.
//!
//! `FILE` is a path to a scenario, or `preset:NAME` for one of the presets built
//! into the binary (`netsplit presets` lists them).
//!
//! Which lab a scenario belongs to is its `"lab"` field, looked up in the catalogue
//! (`netsplit_core::catalogue`): engine labs are built and run; model labs (consistent
//! hashing) compute their own report.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use netsplit_core::catalogue;
use netsplit_core::labs::ratelimit;
use netsplit_core::protocol::MICROS_PER_MS;
use netsplit_core::scenario::Liveness;
use netsplit_core::{
    CheckerLimit, MetricsView, RunStop, Scenario, ScenarioError, Violation, Warning, build, presets,
};
use rayon::prelude::*;
use serde::Serialize;

/// Deterministic distributed-systems simulations, headless.
#[derive(Debug, Parser)]
#[command(name = "netsplit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one scenario and print a JSON report.
    Run {
        /// The scenario file, or `preset:NAME`.
        file: String,
        /// Run until this many milliseconds of virtual time (overrides `run_until_ms`).
        #[arg(long)]
        until: Option<u64>,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Run one scenario under many seeds in parallel and summarise.
    Sweep {
        /// The scenario file, or `preset:NAME`.
        file: String,
        /// How many seeds to run.
        #[arg(long)]
        seeds: u64,
        /// The first seed (seeds are consecutive from here).
        #[arg(long, default_value_t = 0)]
        first_seed: u64,
        /// The metric to summarise (e.g. `messages_delivered`,
        /// `client_latency_ms_p99`); by default the lab's own set.
        #[arg(long)]
        metric: Vec<String>,
        /// Run until this many milliseconds (overrides `run_until_ms`).
        #[arg(long)]
        until: Option<u64>,
    },
    /// Validate a scenario without running it.
    Check {
        /// The scenario file, or `preset:NAME`.
        file: String,
    },
    /// Print each request's decision under every rate limiting algorithm (rate
    /// limiting scenarios, e.g. one with an explicit arrival list).
    Decisions {
        /// The scenario file, or `preset:NAME`.
        file: String,
        /// Print JSON instead of the text table.
        #[arg(long)]
        json: bool,
    },
    /// List the built-in presets.
    Presets,
}

/// The most seeds one sweep may run.
const SWEEP_SEEDS_MAX: u64 = 1_000_000;

#[derive(Debug, Serialize)]
struct RunReport {
    lab: String,
    seed: u64,
    trace_hash: String,
    events: u64,
    time_ms: f64,
    stopped_by: RunStop,
    violations: Vec<Violation>,
    /// Liveness expectations the run missed (exit 0 unless the scenario requires liveness).
    warnings: Vec<Warning>,
    /// Checkers that reached their cap, so their verdicts cover less than the whole run.
    checker_limits: Vec<CheckerLimit>,
    action_errors: Vec<String>,
    metrics: MetricsView,
}

impl RunReport {
    /// Whether the run fails (exit 1): a violation, or a warning in a scenario that
    /// requires liveness.
    fn failed(&self, liveness: Liveness) -> bool {
        !self.violations.is_empty() || (liveness == Liveness::Fail && !self.warnings.is_empty())
    }
}

/// The text of a scenario file or `preset:NAME` (a preset of any lab).
fn read_text(file: &str) -> Result<String, String> {
    match file.strip_prefix("preset:") {
        Some(name) => presets::get(name)
            .map(str::to_string)
            .ok_or_else(|| format!("{file}: no such preset (see `netsplit presets`)")),
        None => std::fs::read_to_string(file).map_err(|error| format!("{file}: {error}")),
    }
}

/// The report of a scenario of a model lab (the consistent hashing lab is a computation,
/// not a simulation: its scenarios have their own format and report). Returns `None` for a
/// scenario of an engine lab, or one that cannot be read (reported by the engine path).
fn model_report(file: &str) -> Option<Result<serde_json::Value, String>> {
    let text = read_text(file).ok()?;
    catalogue::model_report(&text).map(|report| report.map_err(|error| format!("{file}: {error}")))
}

fn read_scenario(file: &str) -> Result<Scenario, String> {
    let text = read_text(file)?;
    let scenario = Scenario::parse(&text).map_err(|error| format!("{file}: {error}"))?;
    Ok(scenario)
}

/// Runs a scenario to its end and reports. Labs with their own kind of run add an
/// arm here.
fn run_scenario(scenario: &Scenario, until_ms: Option<u64>) -> Result<RunReport, ScenarioError> {
    #[allow(clippy::match_single_binding)]
    match scenario.lab.as_str() {
        _ => {
            let mut lab = build(scenario)?;
            let until = until_ms
                .or(scenario.run_until_ms)
                .map_or(u64::MAX, |ms| ms.saturating_mul(MICROS_PER_MS));
            let stopped_by = lab.run_until(until);
            Ok(RunReport {
                lab: scenario.lab.clone(),
                seed: scenario.seed,
                trace_hash: format!("{:016x}", lab.trace_hash()),
                events: lab.events(),
                time_ms: lab.now() as f64 / MICROS_PER_MS as f64,
                stopped_by,
                violations: lab.violations().to_vec(),
                warnings: lab.warnings().to_vec(),
                checker_limits: lab.checker_limits(),
                action_errors: lab.action_errors(),
                metrics: lab.metrics(),
            })
        }
    }
}

fn print_json<T: Serialize>(value: &T) {
    use std::io::Write;
    match serde_json::to_string_pretty(value) {
        // A closed pipe (`netsplit run ... | head`) is not an error worth a panic.
        Ok(text) => {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
        Err(error) => eprintln!("netsplit: could not write the report: {error}"),
    }
}

#[derive(Debug, Serialize)]
struct SeedResult {
    seed: u64,
    trace_hash: String,
    events: u64,
    stopped_by: RunStop,
    violations: usize,
    warnings: usize,
    checker_limits: usize,
    failed: bool,
    metrics: netsplit_core::collections::SortedMap<String, f64>,
}

#[derive(Debug, Serialize)]
struct Summary {
    metric: String,
    runs: usize,
    min: f64,
    mean: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

fn summarise(metric: &str, values: &mut [f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = |quantile: f64| {
        let index = ((quantile * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1;
        values[index]
    };
    Some(Summary {
        metric: metric.to_string(),
        runs: values.len(),
        min: values[0],
        mean: values.iter().sum::<f64>() / values.len() as f64,
        p50: rank(0.50),
        p90: rank(0.90),
        p99: rank(0.99),
        max: values[values.len() - 1],
    })
}

fn sweep(
    scenario: &Scenario,
    seeds: u64,
    first_seed: u64,
    metrics: &[String],
    until: Option<u64>,
) -> Result<bool, String> {
    if seeds == 0 || seeds > SWEEP_SEEDS_MAX {
        return Err(format!(
            "--seeds: must be between 1 and {SWEEP_SEEDS_MAX}, got {seeds}"
        ));
    }
    // Build once up front so a bad scenario fails before any thread starts; the run
    // also names the lab's default metrics.
    let defaults = build(scenario)
        .map_err(|error| error.to_string())?
        .sweep_metrics();
    let progress = ProgressBar::new(seeds);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {elapsed} elapsed, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let results: Vec<Result<SeedResult, String>> = (0..seeds)
        .into_par_iter()
        .map(|offset| {
            let mut seeded = scenario.clone();
            seeded.seed = first_seed.wrapping_add(offset);
            let report = run_scenario(&seeded, until).map_err(|error| error.to_string())?;
            progress.inc(1);
            let failed = report.failed(seeded.liveness);
            Ok(SeedResult {
                seed: seeded.seed,
                trace_hash: report.trace_hash,
                events: report.events,
                stopped_by: report.stopped_by,
                violations: report.violations.len(),
                warnings: report.warnings.len(),
                checker_limits: report.checker_limits.len(),
                failed,
                metrics: report.metrics.scalars(),
            })
        })
        .collect();
    progress.finish_and_clear();
    let results: Vec<SeedResult> = results.into_iter().collect::<Result<_, _>>()?;
    let names: Vec<String> = if metrics.is_empty() {
        defaults.iter().map(|name| name.to_string()).collect()
    } else {
        metrics.to_vec()
    };
    let mut summaries = Vec::new();
    for name in &names {
        let mut values: Vec<f64> = results
            .iter()
            .filter_map(|result| result.metrics.get(name).copied())
            .collect();
        if values.is_empty() {
            return Err(format!(
                "--metric: no run reported a metric named {name:?}; known: {}",
                results
                    .first()
                    .map(|result| result
                        .metrics
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ));
        }
        summaries.extend(summarise(name, &mut values));
    }
    let mut events: Vec<f64> = results.iter().map(|result| result.events as f64).collect();
    summaries.extend(summarise("events", &mut events));
    let failing: Vec<u64> = results
        .iter()
        .filter(|result| result.failed)
        .map(|result| result.seed)
        .collect();
    let warned: Vec<u64> = results
        .iter()
        .filter(|result| result.warnings > 0)
        .map(|result| result.seed)
        .collect();
    let capped: Vec<u64> = results
        .iter()
        .filter(|result| result.checker_limits > 0)
        .map(|result| result.seed)
        .collect();
    let per_seed: Vec<serde_json::Value> = results
        .iter()
        .map(|result| {
            let chosen: BTreeMap<&String, f64> = names
                .iter()
                .filter_map(|name| result.metrics.get(name).map(|value| (name, *value)))
                .collect();
            serde_json::json!({
                "seed": result.seed,
                "trace_hash": result.trace_hash,
                "events": result.events,
                "stopped_by": result.stopped_by,
                "violations": result.violations,
                "warnings": result.warnings,
                "checker_limits": result.checker_limits,
                "metrics": chosen,
            })
        })
        .collect();
    print_json(&serde_json::json!({
        "lab": scenario.lab,
        "seeds": per_seed,
        "summary": summaries,
        "seeds_failed": failing,
        "seeds_with_violations": results
            .iter()
            .filter(|result| result.violations > 0)
            .map(|result| result.seed)
            .collect::<Vec<_>>(),
        "seeds_with_warnings": warned,
        "seeds_with_checker_limits": capped,
    }));
    if !failing.is_empty() {
        eprintln!(
            "netsplit: {} of {seeds} seeds failed (a violated invariant{}); first failing seed: {}",
            failing.len(),
            if scenario.liveness == Liveness::Fail {
                ", or a missed liveness expectation, which this scenario requires"
            } else {
                ""
            },
            failing[0]
        );
    }
    if !warned.is_empty() && scenario.liveness == Liveness::Warn {
        eprintln!(
            "netsplit: {} of {seeds} seeds missed a liveness expectation (warnings, not failures); first such seed: {}",
            warned.len(),
            warned[0]
        );
    }
    Ok(failing.is_empty())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let fail = |message: String| {
        eprintln!("netsplit: {message}");
        ExitCode::from(2)
    };
    match cli.command {
        Command::Decisions { file, json } => {
            let scenario = match read_scenario(&file) {
                Ok(scenario) => scenario,
                Err(message) => return fail(message),
            };
            let report = ratelimit::lab::rate_limit_scenario(&scenario)
                .map_err(|error| error.to_string())
                .and_then(|lab| {
                    ratelimit::scenario::report(&lab).map_err(|error| error.to_string())
                });
            match report {
                Ok(report) if json => {
                    print_json(&report);
                    ExitCode::SUCCESS
                }
                Ok(report) => {
                    use std::io::Write;
                    let _ = write!(std::io::stdout().lock(), "{}", report.to_text());
                    ExitCode::SUCCESS
                }
                Err(message) => fail(format!("{file}: {message}")),
            }
        }
        Command::Presets => {
            for lab in catalogue::LABS {
                for (name, text) in lab.presets {
                    // Engine scenarios call it `title`, the hashing lab's `name`.
                    let title = serde_json::from_str::<serde_json::Value>(text)
                        .ok()
                        .and_then(|value| {
                            value["title"]
                                .as_str()
                                .or(value["name"].as_str())
                                .map(str::to_string)
                        })
                        .unwrap_or_default();
                    use std::io::Write;
                    let _ = writeln!(std::io::stdout().lock(), "preset:{name}\t{title}");
                }
            }
            ExitCode::SUCCESS
        }
        Command::Check { file } if model_report(&file).is_some() => {
            match model_report(&file).unwrap_or_else(|| Err("not a model lab's scenario".into())) {
                Ok(_) => {
                    println!("{file}: ok (hashing lab)");
                    ExitCode::SUCCESS
                }
                Err(message) => fail(message),
            }
        }
        Command::Check { file } => match read_scenario(&file) {
            Ok(scenario) => match build(&scenario) {
                Ok(lab) => {
                    println!(
                        "{file}: ok ({} lab, {} nodes, seed {})",
                        lab.lab(),
                        scenario.nodes,
                        scenario.seed
                    );
                    ExitCode::SUCCESS
                }
                Err(error) => fail(format!("{file}: {error}")),
            },
            Err(message) => fail(message),
        },
        Command::Run { file, .. } if model_report(&file).is_some() => {
            match model_report(&file).unwrap_or_else(|| Err("not a model lab's scenario".into())) {
                Ok(report) => {
                    print_json(&report);
                    ExitCode::SUCCESS
                }
                Err(message) => fail(message),
            }
        }
        Command::Run { file, until, seed } => {
            let mut scenario = match read_scenario(&file) {
                Ok(scenario) => scenario,
                Err(message) => return fail(message),
            };
            if let Some(seed) = seed {
                scenario.seed = seed;
            }
            match run_scenario(&scenario, until) {
                Ok(report) => {
                    print_json(&report);
                    if report.failed(scenario.liveness) {
                        ExitCode::from(1)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(error) => fail(format!("{file}: {error}")),
            }
        }
        Command::Sweep {
            file,
            seeds,
            first_seed,
            metric,
            until,
        } => {
            let scenario = match read_scenario(&file) {
                Ok(scenario) => scenario,
                Err(message) => return fail(message),
            };
            match sweep(&scenario, seeds, first_seed, &metric, until) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(message) => fail(message),
            }
        }
    }
}
