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
use netsplit_core::explore;
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
        /// Set a parameter first, `PATH=VALUE` with a dotted path into `params` and a JSON
        /// value, e.g. `epsilon_us=8000`. Repeatable.
        #[arg(long)]
        set: Vec<String>,
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
        /// Run only shard K of N (`K/N`): the seeds whose offset is K - 1 modulo N.
        /// `netsplit merge` combines the shards' reports into the report one process
        /// running every seed would have printed.
        #[arg(long)]
        shard: Option<String>,
        /// Set a parameter first, `PATH=VALUE` with a dotted path into `params` and a JSON
        /// value, e.g. `three_phase_commit=true` or `epsilon_us=8000` (one sweep per value to
        /// compare them). Repeatable.
        #[arg(long)]
        set: Vec<String>,
    },
    /// Combine the JSON reports of a sweep's shards (`netsplit sweep --shard K/N`, one
    /// file each) into the report of the whole sweep.
    Merge {
        /// The shards' reports.
        #[arg(required = true)]
        files: Vec<String>,
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
    /// Search for a run that breaks an invariant: the scenario under many seeds, each with
    /// its own random fault schedule (a nemesis), in parallel. The first failing run (in
    /// seed order, so the answer does not depend on --jobs) is shrunk and written to a
    /// scenario file that `netsplit run` and the playground replay. Exits 1 when a
    /// violation is found, 0 when none is.
    Explore {
        /// The scenario file, or `preset:NAME`.
        file: String,
        /// How many runs (seeds) to try at most.
        #[arg(long, default_value_t = 200)]
        runs: u64,
        /// The nemesis: `mixed`, `crashes` or `partitions`.
        #[arg(long, default_value = "mixed")]
        profile: String,
        /// The first seed (seeds are consecutive from here).
        #[arg(long, default_value_t = 0)]
        first_seed: u64,
        /// Threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
        /// Each run's length in milliseconds (overrides `run_until_ms`).
        #[arg(long)]
        until: Option<u64>,
        /// Set a parameter first, `PATH=VALUE` with a dotted path into `params` and a JSON
        /// value, e.g. `bugs.vote_without_log_check=true`. Repeatable.
        #[arg(long)]
        set: Vec<String>,
        /// Where to write the shrunk failing scenario (default
        /// `netsplit-explore-<lab>-seed<N>.json`).
        #[arg(long)]
        out: Option<String>,
        /// The most runs shrinking may take.
        #[arg(long, default_value_t = 400)]
        shrink_runs: usize,
        /// Try only shard K of N (`K/N`) of the runs: those whose offset is K - 1 modulo N.
        /// The first failing seed over all shards is the smallest any shard reports.
        #[arg(long)]
        shard: Option<String>,
        /// The mean gap between two faults' starts, in ms (overrides the profile's).
        #[arg(long)]
        gap_ms: Option<u64>,
        /// How long a fault lasts, `MIN-MAX` in ms (overrides the profile's).
        #[arg(long)]
        fault_ms: Option<String>,
    },
    /// List the built-in presets.
    Presets,
}

/// The most runs one exploration may try.
const EXPLORE_RUNS_MAX: u64 = 10_000_000;

/// Sets `params.<path>` to `value` (JSON, or a string when it is not JSON).
fn set_param(scenario: &mut Scenario, setting: &str) -> Result<(), String> {
    let (path, value) = setting
        .split_once('=')
        .ok_or_else(|| format!("--set {setting}: expected PATH=VALUE"))?;
    let value: serde_json::Value = serde_json::from_str(value)
        .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
    if !scenario.params.is_object() {
        scenario.params = serde_json::json!({});
    }
    let mut at = &mut scenario.params;
    let parts: Vec<&str> = path.split('.').collect();
    for (index, part) in parts.iter().enumerate() {
        if part.is_empty() {
            return Err(format!("--set {setting}: empty name in the path"));
        }
        let Some(object) = at.as_object_mut() else {
            return Err(format!(
                "--set {setting}: params.{} is not an object",
                parts[..index].join(".")
            ));
        };
        if index + 1 == parts.len() {
            object.insert(part.to_string(), value);
            return Ok(());
        }
        at = object
            .entry(part.to_string())
            .or_insert_with(|| serde_json::json!({}));
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct Found {
    seed: u64,
    property: String,
    message: String,
    time_ms: f64,
    shrunk: Option<ShrunkReport>,
    file: Option<String>,
}

#[derive(Debug, Serialize)]
struct ShrunkReport {
    actions_before: usize,
    actions_after: usize,
    run_ms_before: u64,
    run_ms_after: u64,
    runs: usize,
    capped: bool,
    property: String,
    time_ms: f64,
}

struct ExploreOptions {
    shard: Shard,
    runs: u64,
    first_seed: u64,
    jobs: Option<usize>,
    out: Option<String>,
    shrink_runs: usize,
}

/// Explores and reports; `Ok(true)` when nothing was found.
fn explore(
    base: &Scenario,
    profile: &explore::Profile,
    options: &ExploreOptions,
) -> Result<bool, String> {
    if options.runs == 0 || options.runs > EXPLORE_RUNS_MAX {
        return Err(format!(
            "--runs: must be between 1 and {EXPLORE_RUNS_MAX}, got {}",
            options.runs
        ));
    }
    // A bad scenario fails before any thread starts.
    build(base).map_err(|error| error.to_string())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or(0))
        .build()
        .map_err(|error| format!("--jobs: {error}"))?;
    let offsets: Vec<u64> = options.shard.offsets(options.runs).collect();
    let progress = ProgressBar::new(offsets.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let batch = (pool.current_num_threads() as u64 * 4).max(1);
    let mut coverage = explore::Coverage::default();
    let mut found = None;
    for chunk in offsets.chunks(batch as usize) {
        if found.is_some() {
            break;
        }
        let outcomes: Vec<Result<explore::Outcome, String>> = pool.install(|| {
            chunk
                .par_iter()
                .map(|&offset| {
                    let seed = options.first_seed.wrapping_add(offset);
                    let outcome = explore::run_seed(base, profile, seed)
                        .map_err(|error| format!("seed {seed}: {error}"));
                    progress.inc(1);
                    outcome
                })
                .collect()
        });
        for outcome in outcomes {
            let outcome = outcome?;
            coverage.add(&outcome);
            if let Some(violation) = outcome.violation {
                found = Some((outcome.seed, violation));
                break;
            }
        }
        progress.set_message(format!(
            "{:.0} runs/s",
            coverage.runs as f64 / started.elapsed().as_secs_f64().max(1e-9)
        ));
    }
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let found = match found {
        None => None,
        Some((seed, violation)) => {
            let failing = explore::scenario_for(base, profile, seed);
            let shrunk = explore::shrink(&failing, &violation.property, options.shrink_runs);
            let scenario = shrunk.as_ref().map_or(&failing, |shrunk| &shrunk.scenario);
            let file = options
                .out
                .clone()
                .unwrap_or_else(|| format!("netsplit-explore-{}-seed{seed}.json", base.lab));
            let text = serde_json::to_string_pretty(scenario)
                .map_err(|error| format!("could not write the scenario: {error}"))?;
            std::fs::write(&file, text + "\n").map_err(|error| format!("{file}: {error}"))?;
            Some(Found {
                seed,
                property: violation.property.clone(),
                message: violation.message.clone(),
                time_ms: violation.time as f64 / MICROS_PER_MS as f64,
                shrunk: shrunk.map(|shrunk| ShrunkReport {
                    actions_before: shrunk.actions.0,
                    actions_after: shrunk.actions.1,
                    run_ms_before: shrunk.run_ms.0,
                    run_ms_after: shrunk.run_ms.1,
                    runs: shrunk.runs,
                    capped: shrunk.capped,
                    property: shrunk.violation.property,
                    time_ms: shrunk.violation.time as f64 / MICROS_PER_MS as f64,
                }),
                file: Some(file),
            })
        }
    };
    print_json(&serde_json::json!({
        "lab": base.lab,
        "profile": profile.name,
        "first_seed": options.first_seed,
        "runs": coverage.runs,
        "runs_per_second": (coverage.runs as f64 / seconds.max(1e-9) * 10.0).round() / 10.0,
        "found": found,
        "coverage": coverage,
    }));
    if let Some(found) = &found {
        eprintln!(
            "netsplit: seed {} broke {}; the shrunk run is in {} (netsplit run {} replays it)",
            found.seed,
            found.property,
            found.file.as_deref().unwrap_or("?"),
            found.file.as_deref().unwrap_or("?"),
        );
    }
    Ok(found.is_none())
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

/// One seed of a sweep, as the sweep's JSON lists it (and `netsplit merge` reads it back).
#[derive(Debug, Serialize, serde::Deserialize)]
struct SeedResult {
    seed: u64,
    trace_hash: String,
    events: u64,
    stopped_by: RunStop,
    violations: usize,
    warnings: usize,
    checker_limits: usize,
    failed: bool,
    metrics: BTreeMap<String, f64>,
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

/// `--shard K/N`: this process runs the seeds whose offset from the first seed is K - 1
/// modulo N.
#[derive(Debug, Clone, Copy)]
struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    const WHOLE: Shard = Shard { index: 0, count: 1 };

    fn parse(text: &str) -> Result<Shard, String> {
        let parsed = text
            .split_once('/')
            .and_then(|(k, n)| Some((k.parse::<u64>().ok()?, n.parse::<u64>().ok()?)));
        match parsed {
            Some((k, n)) if k >= 1 && k <= n => Ok(Shard {
                index: k - 1,
                count: n,
            }),
            _ => Err(format!(
                "--shard {text}: expected K/N with 1 <= K <= N, e.g. 2/4"
            )),
        }
    }

    /// The offsets (from the first seed) of this shard among `total`.
    fn offsets(self, total: u64) -> impl Iterator<Item = u64> {
        (self.index..total).step_by(self.count as usize)
    }
}

fn sweep(
    scenario: &Scenario,
    seeds: u64,
    first_seed: u64,
    metrics: &[String],
    until: Option<u64>,
    shard: Shard,
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
    let offsets: Vec<u64> = shard.offsets(seeds).collect();
    let progress = ProgressBar::new(offsets.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {elapsed} elapsed, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let results: Vec<Result<SeedResult, String>> = offsets
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
                metrics: report.metrics.scalars().into_iter().collect(),
            })
        })
        .collect();
    progress.finish_and_clear();
    let results: Vec<SeedResult> = results.into_iter().collect::<Result<_, _>>()?;
    let names: Vec<String> = if metrics.is_empty() {
        // The lab's defaults that its runs report (a run without clients has no client
        // latency to summarise).
        defaults
            .iter()
            .filter(|name| {
                results
                    .iter()
                    .any(|result| result.metrics.contains_key(**name))
            })
            .map(|name| name.to_string())
            .collect()
    } else {
        metrics.to_vec()
    };
    sweep_report(&scenario.lab, scenario.liveness, results, &names)
}

/// Summarises a sweep's seeds (from one process, or merged from shards) and prints the
/// report; `Ok(false)` when a seed failed.
fn sweep_report(
    lab: &str,
    liveness: Liveness,
    mut results: Vec<SeedResult>,
    names: &[String],
) -> Result<bool, String> {
    let seeds = results.len();
    results.sort_by_key(|result| result.seed);
    let known: Vec<String> = results
        .first()
        .map(|result| result.metrics.keys().cloned().collect())
        .unwrap_or_default();
    for result in &mut results {
        result.metrics.retain(|name, _| names.contains(name));
    }
    let mut summaries = Vec::new();
    for name in names {
        let mut values: Vec<f64> = results
            .iter()
            .filter_map(|result| result.metrics.get(name).copied())
            .collect();
        if values.is_empty() {
            return Err(format!(
                "--metric: no run reported a metric named {name:?}; known: {}",
                known.join(", ")
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
    print_json(&serde_json::json!({
        "lab": lab,
        "liveness": liveness,
        "metrics": names,
        "seeds": results,
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
            if liveness == Liveness::Fail {
                ", or a missed liveness expectation, which this scenario requires"
            } else {
                ""
            },
            failing[0]
        );
    }
    if !warned.is_empty() && liveness == Liveness::Warn {
        eprintln!(
            "netsplit: {} of {seeds} seeds missed a liveness expectation (warnings, not failures); first such seed: {}",
            warned.len(),
            warned[0]
        );
    }
    Ok(failing.is_empty())
}

/// A shard's report, as much of it as merging needs.
#[derive(Debug, serde::Deserialize)]
struct ShardReport {
    lab: String,
    liveness: Liveness,
    metrics: Vec<String>,
    seeds: Vec<SeedResult>,
}

/// Merges the shards' reports; `Ok(false)` when a seed failed.
fn merge(files: &[String]) -> Result<bool, String> {
    let mut reports = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|error| format!("{file}: {error}"))?;
        let report: ShardReport = serde_json::from_str(&text)
            .map_err(|error| format!("{file}: not a sweep report: {error}"))?;
        reports.push((file, report));
    }
    let (first_file, first) = &reports[0];
    let mut seeds = Vec::new();
    for (file, report) in &reports {
        if report.lab != first.lab
            || report.metrics != first.metrics
            || report.liveness != first.liveness
        {
            return Err(format!(
                "{file}: a sweep of another scenario or other metrics than {first_file} ({} lab, metrics {:?})",
                first.lab, first.metrics
            ));
        }
    }
    let (lab, liveness, names) = (first.lab.clone(), first.liveness, first.metrics.clone());
    for (_, report) in reports {
        seeds.extend(report.seeds);
    }
    seeds.sort_by_key(|result| result.seed);
    if let Some(pair) = seeds.windows(2).find(|pair| pair[0].seed == pair[1].seed) {
        return Err(format!(
            "seed {} is in more than one report: the shards overlap",
            pair[0].seed
        ));
    }
    sweep_report(&lab, liveness, seeds, &names)
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
        Command::Run {
            file,
            until,
            seed,
            set,
        } => {
            let mut scenario = match read_scenario(&file) {
                Ok(scenario) => scenario,
                Err(message) => return fail(message),
            };
            if let Some(seed) = seed {
                scenario.seed = seed;
            }
            for setting in &set {
                if let Err(message) = set_param(&mut scenario, setting) {
                    return fail(message);
                }
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
        Command::Merge { files } => match merge(&files) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(message) => fail(message),
        },
        Command::Explore { file, .. } if model_report(&file).is_some() => fail(format!(
            "{file}: a consistent hashing scenario is a computation, not a simulation: there is nothing to explore"
        )),
        Command::Explore {
            file,
            runs,
            profile,
            first_seed,
            jobs,
            until,
            set,
            out,
            shrink_runs,
            gap_ms,
            fault_ms,
            shard,
        } => {
            let shard = match shard.as_deref().map(Shard::parse).transpose() {
                Ok(shard) => shard.unwrap_or(Shard::WHOLE),
                Err(message) => return fail(message),
            };
            let mut scenario = match read_scenario(&file) {
                Ok(scenario) => scenario,
                Err(message) => return fail(message),
            };
            let Some(&profile) = explore::profile(&profile) else {
                return fail(format!(
                    "--profile: no nemesis called {profile:?}; known: {}",
                    explore::PROFILES
                        .iter()
                        .map(|profile| profile.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            let mut profile = profile;
            if let Some(gap) = gap_ms {
                if gap == 0 {
                    return fail("--gap-ms: must be at least 1".to_string());
                }
                profile.gap_ms = gap;
            }
            if let Some(range) = fault_ms {
                match range
                    .split_once('-')
                    .and_then(|(low, high)| Some((low.parse().ok()?, high.parse().ok()?)))
                {
                    Some((low, high)) if low <= high => profile.fault_ms = (low, high),
                    _ => {
                        return fail(format!(
                            "--fault-ms {range}: expected MIN-MAX in whole ms, MIN at most MAX"
                        ));
                    }
                }
            }
            for setting in &set {
                if let Err(message) = set_param(&mut scenario, setting) {
                    return fail(message);
                }
            }
            if until.is_some() {
                scenario.run_until_ms = until;
            }
            let options = ExploreOptions {
                shard,
                runs,
                first_seed,
                jobs,
                out,
                shrink_runs,
            };
            match explore(&scenario, &profile, &options) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(message) => fail(message),
            }
        }
        Command::Sweep {
            file,
            seeds,
            first_seed,
            metric,
            until,
            shard,
            set,
        } => {
            let mut scenario = match read_scenario(&file) {
                Ok(scenario) => scenario,
                Err(message) => return fail(message),
            };
            for setting in &set {
                if let Err(message) = set_param(&mut scenario, setting) {
                    return fail(message);
                }
            }
            let shard = match shard.as_deref().map(Shard::parse).transpose() {
                Ok(shard) => shard.unwrap_or(Shard::WHOLE),
                Err(message) => return fail(message),
            };
            match sweep(&scenario, seeds, first_seed, &metric, until, shard) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(message) => fail(message),
            }
        }
    }
}
