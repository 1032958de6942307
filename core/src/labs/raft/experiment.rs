//! The election-time experiment of the Raft paper (section 9.3, Figure 16): crash the
//! leader and measure how long the cluster goes without one, over many seeds, for several
//! election-timeout ranges.
//!
//! The measurement itself is the `election_time_ms` gauge that the lab's observer keeps
//! (see [`super::lab`]): the time from the moment the cluster first loses its live leader
//! until a live leader is in charge again. A scenario whose timeline crashes the leader
//! (the `raft-election-time` preset does, with the `crash_leader` lab action) therefore
//! reports it in every run, so `netsplit sweep core/scenarios/raft/raft-election-time.json
//! --seeds 1000 --metric election_time_ms` is the experiment for one range. The functions
//! here run it for several ranges, one seed at a time so that a browser can spread the work
//! over animation frames and show progress.

use serde::Serialize;

use super::Raft;
use super::lab::ELECTION_TIME_GAUGE;
use crate::lab::build_simulator;
use crate::protocol::MICROS_PER_MS;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::RunStop;

/// The preset the experiment starts from.
pub const PRESET: &str = include_str!("../../../scenarios/raft/raft-election-time.json");

/// The timeout ranges of Figure 16's top graph, in milliseconds.
pub const PAPER_RANGES_MS: &[(u64, u64)] = &[
    (150, 150),
    (150, 151),
    (150, 155),
    (150, 175),
    (150, 200),
    (150, 300),
];

/// The most seeds one call of [`election_time_experiment`] runs per range.
pub const SEEDS_MAX: u64 = 100_000;

/// The most timeout ranges one call compares.
pub const RANGES_MAX: usize = 32;

/// How long a run goes when its scenario sets no end, in milliseconds.
const RUN_MS_DEFAULT: u64 = 10_000;

/// How far a run advances between two looks at the gauge, in microseconds, so that a run
/// stops soon after the new leader is elected instead of playing to its end.
const SLICE_US: u64 = 20 * MICROS_PER_MS;

/// `base` with the election timeout range and the seed replaced.
pub fn with_timeout_range(
    base: &Scenario,
    election_timeout_ms_min: u64,
    election_timeout_ms_max: u64,
    seed: u64,
) -> Scenario {
    let mut scenario = base.clone();
    scenario.seed = seed;
    if !scenario.params.is_object() {
        scenario.params = serde_json::json!({});
    }
    if let Some(params) = scenario.params.as_object_mut() {
        params.insert(
            "election_timeout_ms_min".to_string(),
            election_timeout_ms_min.into(),
        );
        params.insert(
            "election_timeout_ms_max".to_string(),
            election_timeout_ms_max.into(),
        );
    }
    scenario
}

/// Runs `scenario` until the election time is measured or the run ends, and returns it
/// in milliseconds (`None` if the leader was never lost or never replaced in time).
pub fn election_time_ms(scenario: &Scenario) -> Result<Option<f64>, ScenarioError> {
    scenario.validate()?;
    let mut sim = build_simulator::<Raft>(scenario)?;
    let until = scenario
        .run_until_ms
        .unwrap_or(RUN_MS_DEFAULT)
        .saturating_mul(MICROS_PER_MS);
    loop {
        if let Some(&value) = sim.metrics().gauges.get(ELECTION_TIME_GAUGE) {
            return Ok(Some(value));
        }
        if sim.now() >= until {
            return Ok(None);
        }
        let next = sim.now().saturating_add(SLICE_US).min(until);
        if sim.run_until(next) != RunStop::ReachedTime {
            return Ok(sim.metrics().gauges.get(ELECTION_TIME_GAUGE).copied());
        }
    }
}

/// The election times measured for one timeout range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElectionTimeSeries {
    /// The shortest election timeout, in milliseconds.
    pub election_timeout_ms_min: u64,
    /// The longest election timeout, in milliseconds.
    pub election_timeout_ms_max: u64,
    /// The measured times in milliseconds, ascending.
    pub samples_ms: Vec<f64>,
    /// How many runs did not elect a new leader before they ended.
    pub without_leader: u64,
}

impl ElectionTimeSeries {
    /// The cumulative distribution: for each sample, the fraction of all runs (those
    /// without a leader included) that had a leader by then.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let runs = (self.samples_ms.len() as u64 + self.without_leader).max(1) as f64;
        self.samples_ms
            .iter()
            .enumerate()
            .map(|(index, &time)| (time, (index + 1) as f64 / runs))
            .collect()
    }

    /// The `quantile` (between 0 and 1) of the measured times, if any were measured.
    pub fn quantile_ms(&self, quantile: f64) -> Option<f64> {
        let last = self.samples_ms.len().checked_sub(1)?;
        let position = (quantile.clamp(0.0, 1.0) * last as f64).round() as usize;
        self.samples_ms.get(position.min(last)).copied()
    }
}

/// Runs the experiment: for each range, `seeds` runs of `base` with seeds `first_seed`,
/// `first_seed + 1`, and so on.
pub fn election_time_experiment(
    base: &Scenario,
    ranges_ms: &[(u64, u64)],
    seeds: u64,
    first_seed: u64,
) -> Result<Vec<ElectionTimeSeries>, ScenarioError> {
    if seeds == 0 || seeds > SEEDS_MAX {
        return Err(ScenarioError::Invalid {
            path: "seeds".to_string(),
            reason: format!("must be between 1 and {SEEDS_MAX}, got {seeds}"),
        });
    }
    if ranges_ms.is_empty() || ranges_ms.len() > RANGES_MAX {
        return Err(ScenarioError::Invalid {
            path: "ranges".to_string(),
            reason: format!(
                "must list between 1 and {RANGES_MAX} ranges, got {}",
                ranges_ms.len()
            ),
        });
    }
    let mut series = Vec::with_capacity(ranges_ms.len());
    for &(min, max) in ranges_ms {
        let mut samples_ms = Vec::new();
        let mut without_leader = 0;
        for offset in 0..seeds {
            let scenario = with_timeout_range(base, min, max, first_seed.wrapping_add(offset));
            match election_time_ms(&scenario)? {
                Some(time) => samples_ms.push(time),
                None => without_leader += 1,
            }
        }
        samples_ms.sort_by(f64::total_cmp);
        series.push(ElectionTimeSeries {
            election_timeout_ms_min: min,
            election_timeout_ms_max: max,
            samples_ms,
            without_leader,
        });
    }
    Ok(series)
}
