//! The rate limiting lab's scenario file and report.
//!
//! A scenario is JSON in the project's scenario envelope (`"version": 1`,
//! `"lab": "ratelimit"`, `title`, `description`, `seed`, `nodes`, `run_until_ms`,
//! `params`), so the engine's scenario reader accepts the same files; everything that
//! is particular to this lab lives in `params`: the shared limit, the algorithms to
//! compare, the traffic (generated patterns and an explicit arrival list, as drawn on
//! the timeline) and optionally a distributed limiter of `nodes` limiter nodes to run
//! on the same traffic. [`report`] turns it into a [`RateLimitReport`]: each request's
//! decision per algorithm, per-algorithm metrics and, if asked, the distributed
//! limiter's outcome. Unknown fields are refused, and every error names the field's
//! path, e.g. `params.traffic[0].pattern.steady.interval_ms`.
//!
//! ```json
//! {
//!   "version": 1,
//!   "lab": "ratelimit",
//!   "nodes": 1,
//!   "run_until_ms": 2000,
//!   "params": {
//!     "limit": 10,
//!     "window_ms": 1000,
//!     "algorithms": ["fixed_window", "sliding_window_log"],
//!     "arrivals": [{ "at_ms": 999, "client": 0 }, { "at_ms": 1000, "client": 0 }]
//!   }
//! }
//! ```

use crate::collections::SortedSet;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::compare::{AlgorithmKind, Comparison, LimitParams, compare};
use super::distributed::{DistributedConfig, DistributedOutcome, NODES_MAX};
use super::traffic::{ARRIVALS_MAX, SPAN_MS_MAX, TrafficSource, generate_under};
use super::{Arrival, CLIENT_KEYS_MAX, ClientKey, Error, check_range, distributed};
use crate::protocol::MICROS_PER_MS;

/// The scenario format version this code reads.
pub const SCENARIO_VERSION: u32 = 1;

/// The `lab` value of a rate limiting scenario.
pub const LAB_NAME: &str = "ratelimit";

/// The most traffic sources a scenario may list.
pub const SOURCES_MAX: usize = 64;

/// One request of the explicit arrival list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplicitArrival {
    /// When it arrives, in milliseconds from the start.
    pub at_ms: u64,
    /// Whose request it is (default 0).
    #[serde(default)]
    pub client: ClientKey,
}

fn one() -> u32 {
    1
}

/// A rate limiting lab scenario. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitScenario {
    /// The format version; must be 1.
    pub version: u32,
    /// Which lab; must be `"ratelimit"`.
    pub lab: String,
    /// A short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the scenario shows, for the learner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The seed of the random traffic patterns.
    #[serde(default)]
    pub seed: u64,
    /// How many limiter nodes sit behind the load balancer in the distributed limiter
    /// (default 1; the side-by-side comparison is one limiter per algorithm).
    #[serde(default = "one")]
    pub nodes: u32,
    /// How long the run lasts, in milliseconds; generated traffic ends here.
    pub run_until_ms: u64,
    /// Everything particular to this lab.
    pub params: RateLimitParams,
}

/// The `params` of a rate limiting scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitParams {
    /// At most this many requests per window, per client (and, for the distributed
    /// limiter, over all clients).
    pub limit: u64,
    /// The window's length, in milliseconds.
    pub window_ms: u64,
    /// The bucket-like algorithms' burst; `limit` if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u64>,
    /// The shaper's queue capacity; `limit` if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_capacity: Option<u64>,
    /// The algorithms to compare, in column order; all of them if absent.
    #[serde(default = "all_algorithms")]
    pub algorithms: Vec<AlgorithmKind>,
    /// Generated traffic.
    #[serde(default)]
    pub traffic: Vec<TrafficSource>,
    /// Requests at explicit times, merged with the generated traffic.
    #[serde(default)]
    pub arrivals: Vec<ExplicitArrival>,
    /// A distributed limiter to run on the same traffic, with one global limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distributed: Option<DistributedConfig>,
}

impl RateLimitParams {
    /// The shared limit every algorithm is configured from.
    pub fn limit_params(&self) -> LimitParams {
        LimitParams {
            limit: self.limit,
            window_ms: self.window_ms,
            burst: self.burst,
            queue_capacity: self.queue_capacity,
        }
    }
}

fn all_algorithms() -> Vec<AlgorithmKind> {
    AlgorithmKind::ALL.to_vec()
}

impl RateLimitScenario {
    /// Reads and validates a scenario from JSON, naming the field of any error.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let scenario: Self = serde_json::from_str(text).map_err(|error| Error::Parse {
            path: crate::json_path::locate(text, &error),
            message: error.to_string(),
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The distributed limiter's configuration with its node count filled in from the
    /// scenario's `nodes`, if the scenario has one.
    pub fn distributed_config(&self) -> Option<DistributedConfig> {
        self.params.distributed.clone().map(|mut config| {
            config.nodes = u64::from(self.nodes);
            config
        })
    }

    /// Checks every field's range and their consistency.
    pub fn validate(&self) -> Result<(), Error> {
        if self.version != SCENARIO_VERSION {
            return Err(Error::at(
                "version",
                format!("must be {SCENARIO_VERSION}, got {}", self.version),
            ));
        }
        if self.lab != LAB_NAME {
            return Err(Error::at(
                "lab",
                format!("must be \"{LAB_NAME}\", got \"{}\"", self.lab),
            ));
        }
        check_range("nodes", u64::from(self.nodes), 1, NODES_MAX)?;
        check_range("run_until_ms", self.run_until_ms, 1, SPAN_MS_MAX)?;
        let params = &self.params;
        params.limit_params().validate("params")?;
        if params.algorithms.is_empty() {
            return Err(Error::at(
                "params.algorithms",
                "must name at least one algorithm",
            ));
        }
        let mut seen = SortedSet::new();
        for (index, algorithm) in params.algorithms.iter().enumerate() {
            if !seen.insert(algorithm) {
                return Err(Error::at(
                    format!("params.algorithms[{index}]"),
                    "names an algorithm already listed",
                ));
            }
        }
        if params.traffic.len() > SOURCES_MAX {
            return Err(Error::at(
                "params.traffic",
                format!(
                    "must hold at most {SOURCES_MAX} sources, got {}",
                    params.traffic.len()
                ),
            ));
        }
        for (index, source) in params.traffic.iter().enumerate() {
            source.validate(&format!("params.traffic[{index}]"), self.run_until_ms)?;
        }
        if params.arrivals.len() > ARRIVALS_MAX {
            return Err(Error::at(
                "params.arrivals",
                format!(
                    "must hold at most {ARRIVALS_MAX} requests, got {}",
                    params.arrivals.len()
                ),
            ));
        }
        for (index, arrival) in params.arrivals.iter().enumerate() {
            check_range(
                &format!("params.arrivals[{index}].at_ms"),
                arrival.at_ms,
                0,
                self.run_until_ms - 1,
            )?;
        }
        if params.traffic.is_empty() && params.arrivals.is_empty() {
            return Err(Error::at(
                "params.traffic",
                "the scenario has no requests; add traffic sources or arrivals",
            ));
        }
        if let Some(config) = self.distributed_config() {
            config.validate("params.distributed")?;
        }
        Ok(())
    }

    /// The scenario's arrival trace: generated traffic and explicit arrivals, sorted by
    /// time (generated sources first at equal times, then explicit ones in list order).
    pub fn trace(&self) -> Result<Vec<Arrival>, Error> {
        self.validate()?;
        let params = &self.params;
        let mut trace = generate_under(
            "params.traffic",
            &params.traffic,
            self.run_until_ms,
            self.seed,
        )?;
        if trace.len() + params.arrivals.len() > ARRIVALS_MAX {
            return Err(Error::at(
                "params.arrivals",
                format!("traffic and arrivals together make more than {ARRIVALS_MAX} requests"),
            ));
        }
        trace.extend(params.arrivals.iter().map(|arrival| Arrival {
            at: arrival.at_ms * MICROS_PER_MS,
            client: arrival.client,
        }));
        trace.sort_by_key(|arrival| arrival.at);
        // Sorted and deduplicated at once: a trace of up to `ARRIVALS_MAX` requests may
        // name that many clients in any order, too many to insert one by one in order.
        let mut clients: Vec<ClientKey> = trace.iter().map(|arrival| arrival.client).collect();
        clients.sort_unstable();
        clients.dedup();
        if clients.len() > CLIENT_KEYS_MAX {
            return Err(Error::at(
                "params.traffic",
                format!(
                    "the requests come from {} clients, more than {CLIENT_KEYS_MAX}",
                    clients.len()
                ),
            ));
        }
        Ok(trace)
    }
}

/// The result of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateLimitReport {
    /// The scenario's title (empty if it has none).
    pub title: String,
    /// The seed the traffic came from.
    pub seed: u64,
    /// The shared limit.
    pub params: LimitParams,
    /// Every selected algorithm's decisions, levels and metrics on the trace.
    pub comparison: Comparison,
    /// The distributed limiter's outcome on the same trace, if the scenario asked.
    pub distributed: Option<DistributedOutcome>,
}

/// Runs `scenario`: generates its trace, runs it through every selected algorithm and
/// the distributed limiter if configured.
pub fn report(scenario: &RateLimitScenario) -> Result<RateLimitReport, Error> {
    let trace = scenario.trace()?;
    let params = scenario.params.limit_params();
    let comparison = compare(&trace, &params, &scenario.params.algorithms)?;
    let distributed = scenario
        .distributed_config()
        .map(|config| distributed::run_under("params.distributed", &trace, &params, &config))
        .transpose()?;
    Ok(RateLimitReport {
        title: scenario.title.clone().unwrap_or_default(),
        seed: scenario.seed,
        params,
        comparison,
        distributed,
    })
}

/// Milliseconds with three decimals, from microseconds.
fn milliseconds(us: u64) -> String {
    format!("{}.{:03}", us / MICROS_PER_MS, us % MICROS_PER_MS)
}

impl RateLimitReport {
    /// The report as text: one line per request with each algorithm's decision, then
    /// each algorithm's metrics, then the distributed limiter's figures.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        let comparison = &self.comparison;
        let params = &self.params;
        // Writing to a String cannot fail, so the results are ignored throughout.
        let _ = writeln!(
            text,
            "ratelimit: {}  seed {}  limit {} per {} ms, burst {}, queue {}",
            if self.title.is_empty() {
                "(untitled)"
            } else {
                &self.title
            },
            self.seed,
            params.limit,
            params.window_ms,
            params.burst(),
            params.queue_capacity()
        );
        let _ = writeln!(text, "requests: {}", comparison.arrivals.len());
        let _ = writeln!(text);
        let names: Vec<&'static str> = comparison
            .runs
            .iter()
            .map(|run| run.algorithm.name())
            .collect();
        let width = |name: &str| name.len().max(18);
        let _ = write!(text, "{:>6}  {:>12}  {:>6}", "#", "at_ms", "client");
        for name in &names {
            let _ = write!(text, "  {:<width$}", name, width = width(name));
        }
        if self.distributed.is_some() {
            let _ = write!(text, "  distributed");
        }
        let _ = writeln!(text);
        for (index, arrival) in comparison.arrivals.iter().enumerate() {
            let _ = write!(
                text,
                "{:>6}  {:>12}  {:>6}",
                index,
                milliseconds(arrival.at),
                arrival.client
            );
            for (run, name) in comparison.runs.iter().zip(&names) {
                let label = run.decisions[index].label();
                let _ = write!(text, "  {:<width$}", label, width = width(name));
            }
            if let Some(outcome) = &self.distributed {
                let decision = &outcome.decisions[index];
                let _ = write!(
                    text,
                    "  {} at node {}",
                    decision.decision.label(),
                    decision.node
                );
            }
            let _ = writeln!(text);
        }
        let _ = writeln!(text);
        let _ = writeln!(
            text,
            "{:<24}  {:>8}  {:>8}  {:>7}  {:>10}  {:>12}  {:>13}",
            "algorithm",
            "admitted",
            "rejected",
            "delayed",
            "window max",
            "delay max ms",
            "delay mean ms"
        );
        for (run, name) in comparison.runs.iter().zip(&names) {
            let metrics = &run.metrics;
            let _ = writeln!(
                text,
                "{:<24}  {:>8}  {:>8}  {:>7}  {:>10}  {:>12}  {:>13}",
                name,
                metrics.admitted,
                metrics.rejected,
                metrics.delayed,
                metrics.window_admitted_max,
                milliseconds(metrics.queueing_delay_us_max),
                milliseconds(metrics.queueing_delay_us_mean)
            );
        }
        if let Some(outcome) = &self.distributed {
            let _ = writeln!(text);
            let _ = writeln!(
                text,
                "distributed: admitted {}, rejected {}, ideal {}; over the global limit {} ({:.1}% of ideal, worst window {:.1}% over); wrongly rejected {}; messages sent {}, lost {}",
                outcome.admitted,
                outcome.rejected,
                outcome.ideal_admitted,
                outcome.admitted_over_limit,
                outcome.admitted_over_limit_percent,
                outcome.window_over_limit_percent_max,
                outcome.wrongly_rejected,
                outcome.messages_sent,
                outcome.messages_lost
            );
        }
        // Columns are padded to line up; padding at the end of a line is only noise.
        let mut trimmed = String::with_capacity(text.len());
        for line in text.lines() {
            trimmed.push_str(line.trim_end());
            trimmed.push('\n');
        }
        trimmed
    }
}

impl std::fmt::Display for RateLimitReport {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        "version": 1,
        "lab": "ratelimit",
        "run_until_ms": 2000,
        "params": {
            "limit": 2,
            "window_ms": 1000,
            "algorithms": ["fixed_window", "sliding_window_log"],
            "arrivals": [
                { "at_ms": 998 }, { "at_ms": 999 }, { "at_ms": 1000 }, { "at_ms": 1001 }
            ]
        }
    }"#;

    #[test]
    fn an_explicit_arrival_list_prints_each_decision_per_algorithm() {
        let scenario = RateLimitScenario::from_json(MINIMAL).unwrap();
        let text = report(&scenario).unwrap().to_text();
        let expected = "\
ratelimit: (untitled)  seed 0  limit 2 per 1000 ms, burst 2, queue 2
requests: 4

     #         at_ms  client  fixed_window        sliding_window_log
     0       998.000       0  admit               admit
     1       999.000       0  admit               admit
     2      1000.000       0  admit               reject
     3      1001.000       0  admit               reject

algorithm                 admitted  rejected  delayed  window max  delay max ms  delay mean ms
fixed_window                     4         0        0           4         0.000          0.000
sliding_window_log               2         2        0           2         0.000          0.000
";
        assert_eq!(text, expected);
    }

    #[test]
    fn an_unknown_field_is_refused_with_its_path() {
        let text = MINIMAL.replace("\"window_ms\"", "\"window\": 1, \"window_ms\"");
        let error = RateLimitScenario::from_json(&text).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("params.window: unknown field `window`"),
            "{error}"
        );
    }

    #[test]
    fn a_wrong_type_deep_in_the_traffic_names_the_whole_path() {
        let text = MINIMAL.replace(
            "\"arrivals\"",
            r#""traffic": [{ "client": 1, "pattern": { "steady": { "interval_ms": "fast" } } }], "arrivals""#,
        );
        let error = RateLimitScenario::from_json(&text).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("params.traffic[0].pattern.steady.interval_ms: invalid type"),
            "{error}"
        );
    }

    #[test]
    fn another_version_or_lab_is_refused() {
        let error =
            RateLimitScenario::from_json(&MINIMAL.replace("\"version\": 1", "\"version\": 2"))
                .unwrap_err();
        assert_eq!(error.to_string(), "version: must be 1, got 2");
        let error = RateLimitScenario::from_json(&MINIMAL.replace("\"ratelimit\"", "\"raft\""))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "lab: must be \"ratelimit\", got \"raft\""
        );
    }

    #[test]
    fn an_arrival_after_the_run_ends_is_refused_naming_it() {
        let error =
            RateLimitScenario::from_json(&MINIMAL.replace("\"at_ms\": 1001", "\"at_ms\": 2000"))
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "params.arrivals[3].at_ms: must be between 0 and 1999, got 2000"
        );
    }

    #[test]
    fn a_listed_twice_algorithm_is_refused() {
        let text = MINIMAL.replace("\"sliding_window_log\"]", "\"fixed_window\"]");
        let error = RateLimitScenario::from_json(&text).unwrap_err();
        assert_eq!(
            error.to_string(),
            "params.algorithms[1]: names an algorithm already listed"
        );
    }

    #[test]
    fn a_bad_fault_in_the_distributed_limiter_names_its_path_under_params() {
        let text =
            include_str!("../../../scenarios/ratelimit/ratelimit-bug-central-store-down.json")
                .replace("\"node\": 2", "\"node\": 3");
        let error = RateLimitScenario::from_json(&text).unwrap_err();
        assert_eq!(
            error.to_string(),
            "params.distributed.faults[1].node: must be between 0 and 2, got 3"
        );
    }

    #[test]
    fn the_same_scenario_gives_the_same_report() {
        let text = include_str!("../../../scenarios/ratelimit/ratelimit-log-vs-counter.json");
        let scenario = RateLimitScenario::from_json(text).unwrap();
        assert_eq!(report(&scenario).unwrap(), report(&scenario).unwrap());
    }

    fn preset(text: &str) -> RateLimitReport {
        report(&RateLimitScenario::from_json(text).unwrap()).unwrap()
    }

    fn window_max(report: &RateLimitReport, algorithm: AlgorithmKind) -> u64 {
        report
            .comparison
            .run(algorithm)
            .unwrap()
            .metrics
            .window_admitted_max
    }

    #[test]
    fn the_boundary_burst_preset_gets_twice_the_limit_through_the_fixed_window() {
        let report = preset(include_str!(
            "../../../scenarios/ratelimit/ratelimit-boundary-burst.json"
        ));
        let limit = report.params.limit;
        assert_eq!(window_max(&report, AlgorithmKind::FixedWindow), 2 * limit);
        assert_eq!(window_max(&report, AlgorithmKind::SlidingWindowLog), limit);
        assert!(
            !report
                .comparison
                .disagreements(AlgorithmKind::FixedWindow, AlgorithmKind::SlidingWindowLog)
                .is_empty()
        );
    }

    #[test]
    fn the_log_versus_counter_preset_shows_the_counter_admitting_18_where_the_log_admits_10() {
        let report = preset(include_str!(
            "../../../scenarios/ratelimit/ratelimit-log-vs-counter.json"
        ));
        let limit = report.params.limit;
        assert_eq!(limit, 10);
        assert_eq!(window_max(&report, AlgorithmKind::SlidingWindowLog), limit);
        assert_eq!(window_max(&report, AlgorithmKind::SlidingWindowCounter), 18);
        assert_eq!(window_max(&report, AlgorithmKind::FixedWindow), 20);
        let description = RateLimitScenario::from_json(include_str!(
            "../../../scenarios/ratelimit/ratelimit-log-vs-counter.json"
        ))
        .unwrap()
        .description
        .unwrap_or_default();
        for quoted in ["limit of 10", "18 requests", "more than 10", "up to 20"] {
            assert!(description.contains(quoted), "{quoted}: {description}");
        }
    }

    #[test]
    fn the_shaper_versus_meter_preset_delays_what_the_meter_rejects() {
        let report = preset(include_str!(
            "../../../scenarios/ratelimit/ratelimit-shaper-vs-meter.json"
        ));
        let meter = &report
            .comparison
            .run(AlgorithmKind::LeakyBucketMeter)
            .unwrap()
            .metrics;
        let shaper = &report
            .comparison
            .run(AlgorithmKind::LeakyBucketShaper)
            .unwrap()
            .metrics;
        // Three bursts of eight: the meter admits five of each and rejects three; the queue
        // admits one at once, queues five and rejects two, as the description says.
        assert_eq!((meter.admitted, meter.rejected, meter.delayed), (15, 9, 0));
        assert_eq!(
            (shaper.admitted, shaper.rejected, shaper.delayed),
            (18, 6, 15)
        );
        assert!(shaper.queueing_delay_us_max > 0);
    }

    #[test]
    fn the_partition_preset_exceeds_the_global_limit() {
        let report = preset(include_str!(
            "../../../scenarios/ratelimit/ratelimit-bug-distributed-partition.json"
        ));
        let outcome = report.distributed.unwrap();
        assert!(outcome.admitted_over_limit > 0);
        assert!(outcome.admitted_over_limit_percent > 0.0);
    }

    #[test]
    fn the_central_store_down_preset_fails_open_over_the_limit() {
        let report = preset(include_str!(
            "../../../scenarios/ratelimit/ratelimit-bug-central-store-down.json"
        ));
        let outcome = report.distributed.unwrap();
        assert!(outcome.admitted_over_limit > 0);
        assert!(outcome.messages_lost > 0);
    }
}
