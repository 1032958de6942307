//! Side by side: one arrival trace through several algorithms, with per-request
//! decisions, levels for the UI, and metrics per algorithm.
//!
//! All algorithms are configured from one [`LimitParams`]: "at most `limit` requests per
//! `window_ms`". The window-based algorithms use it directly; the bucket-like ones
//! (token bucket, leaky bucket meter and shaper, GCRA) earn or leak one request every
//! `window / limit` and take their burst from `burst`. The metric that makes them
//! comparable is the most requests any one client got through in any window of the
//! limit's length: the sliding window log never exceeds `limit`, the fixed window can
//! reach `2 * limit`, and a token bucket with `burst = limit` can reach `2 * limit - 1`.

use crate::collections::SortedMap;

use serde::{Deserialize, Serialize};

use super::{
    Arrival, ClientKey, Decision, Error, FixedWindowCounter, Gcra, LeakyBucketMeter,
    LeakyBucketShaper, Level, Limiter, SlidingWindowCounter, SlidingWindowLog, Time, TokenBucket,
    check_range,
};
use crate::protocol::MICROS_PER_MS;

/// The shared limit every algorithm is configured from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitParams {
    /// At most this many requests per window, per client.
    pub limit: u64,
    /// The window's length, in milliseconds.
    pub window_ms: u64,
    /// How many requests the bucket-like algorithms let through at one instant after a
    /// quiet spell (token bucket and meter capacity, GCRA burst). Defaults to `limit`.
    #[serde(default)]
    pub burst: Option<u64>,
    /// How many requests the shaper lets wait. Defaults to `limit`.
    #[serde(default)]
    pub queue_capacity: Option<u64>,
}

impl LimitParams {
    /// Checks every number, naming fields under `path` (e.g. `params`).
    pub fn validate(&self, path: &str) -> Result<(), Error> {
        check_range(&format!("{path}.limit"), self.limit, 1, 100_000)?;
        check_range(&format!("{path}.window_ms"), self.window_ms, 1, 86_400_000)?;
        if let Some(burst) = self.burst {
            check_range(&format!("{path}.burst"), burst, 1, 1_000_000)?;
        }
        if let Some(queue_capacity) = self.queue_capacity {
            check_range(
                &format!("{path}.queue_capacity"),
                queue_capacity,
                0,
                1_000_000,
            )?;
        }
        if !self.window_us().is_multiple_of(self.limit) {
            return Err(Error::at(
                format!("{path}.limit"),
                format!(
                    "the bucket algorithms earn one request every window / limit, and {} us does not divide into {} whole microseconds; choose a limit that divides it",
                    self.window_us(),
                    self.limit
                ),
            ));
        }
        Ok(())
    }

    /// The window's length in microseconds.
    pub fn window_us(&self) -> Time {
        self.window_ms * MICROS_PER_MS
    }

    /// The time to earn (or leak) one request: `window / limit`, in microseconds.
    pub fn interval_us(&self) -> Time {
        self.window_us() / self.limit.max(1)
    }

    /// The bucket-like algorithms' burst.
    pub fn burst(&self) -> u64 {
        self.burst.unwrap_or(self.limit)
    }

    /// The shaper's queue capacity.
    pub fn queue_capacity(&self) -> u64 {
        self.queue_capacity.unwrap_or(self.limit)
    }
}

/// The algorithms of the lab, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlgorithmKind {
    /// [`TokenBucket`].
    TokenBucket,
    /// [`LeakyBucketMeter`].
    LeakyBucketMeter,
    /// [`LeakyBucketShaper`].
    LeakyBucketShaper,
    /// [`FixedWindowCounter`].
    FixedWindow,
    /// [`SlidingWindowLog`].
    SlidingWindowLog,
    /// [`SlidingWindowCounter`].
    SlidingWindowCounter,
    /// [`Gcra`].
    Gcra,
}

impl AlgorithmKind {
    /// Every algorithm, in the order the lab shows them.
    pub const ALL: [AlgorithmKind; 7] = [
        AlgorithmKind::TokenBucket,
        AlgorithmKind::LeakyBucketMeter,
        AlgorithmKind::LeakyBucketShaper,
        AlgorithmKind::FixedWindow,
        AlgorithmKind::SlidingWindowLog,
        AlgorithmKind::SlidingWindowCounter,
        AlgorithmKind::Gcra,
    ];

    /// The algorithm's stable name, as in scenario files and [`Limiter::name`].
    pub fn name(self) -> &'static str {
        match self {
            AlgorithmKind::TokenBucket => "token_bucket",
            AlgorithmKind::LeakyBucketMeter => "leaky_bucket_meter",
            AlgorithmKind::LeakyBucketShaper => "leaky_bucket_shaper",
            AlgorithmKind::FixedWindow => "fixed_window",
            AlgorithmKind::SlidingWindowLog => "sliding_window_log",
            AlgorithmKind::SlidingWindowCounter => "sliding_window_counter",
            AlgorithmKind::Gcra => "gcra",
        }
    }

    /// A limiter of this kind configured from `params`.
    pub fn build(self, params: &LimitParams) -> Result<Box<dyn Limiter>, Error> {
        params.validate("params")?;
        let interval = params.interval_us();
        let window = params.window_us();
        Ok(match self {
            AlgorithmKind::TokenBucket => Box::new(TokenBucket::new(params.burst(), interval)?),
            AlgorithmKind::LeakyBucketMeter => {
                Box::new(LeakyBucketMeter::new(params.burst(), interval)?)
            }
            AlgorithmKind::LeakyBucketShaper => {
                Box::new(LeakyBucketShaper::new(params.queue_capacity(), interval)?)
            }
            AlgorithmKind::FixedWindow => Box::new(FixedWindowCounter::new(params.limit, window)?),
            AlgorithmKind::SlidingWindowLog => {
                Box::new(SlidingWindowLog::new(params.limit, window)?)
            }
            AlgorithmKind::SlidingWindowCounter => {
                Box::new(SlidingWindowCounter::new(params.limit, window)?)
            }
            AlgorithmKind::Gcra => Box::new(Gcra::new(params.burst(), interval)?),
        })
    }
}

/// What one algorithm did to the whole trace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AlgorithmMetrics {
    /// Requests let through, at once or after a delay.
    pub admitted: u64,
    /// Requests refused.
    pub rejected: u64,
    /// Requests let through after waiting in the shaper's queue.
    pub delayed: u64,
    /// The most requests one client got through in any window of the limit's length
    /// (counted when they leave the limiter, so after any queueing delay).
    pub window_admitted_max: u64,
    /// The total queueing delay, in microseconds.
    pub queueing_delay_us_total: Time,
    /// The longest queueing delay, in microseconds.
    pub queueing_delay_us_max: Time,
    /// The mean queueing delay over admitted requests, in microseconds (rounded down).
    pub queueing_delay_us_mean: Time,
}

/// One algorithm's column of the side-by-side view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlgorithmRun {
    /// Which algorithm.
    pub algorithm: AlgorithmKind,
    /// What its level counts.
    pub level_unit: &'static str,
    /// What burst means for it.
    pub burst_meaning: &'static str,
    /// Its decision on each request of the trace, in trace order.
    pub decisions: Vec<Decision>,
    /// Its level for the requesting client just after each decision, in trace order.
    pub levels: Vec<Level>,
    /// Totals over the trace.
    pub metrics: AlgorithmMetrics,
}

/// Several limiters fed the same requests one at a time, for the UI to step through.
pub struct SideBySide {
    kinds: Vec<AlgorithmKind>,
    limiters: Vec<Box<dyn Limiter>>,
}

impl SideBySide {
    /// One limiter per kind in `algorithms` (in that order), configured from `params`.
    pub fn new(params: &LimitParams, algorithms: &[AlgorithmKind]) -> Result<Self, Error> {
        let limiters = algorithms
            .iter()
            .map(|kind| kind.build(params))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            kinds: algorithms.to_vec(),
            limiters,
        })
    }

    /// The algorithms, in column order.
    pub fn kinds(&self) -> &[AlgorithmKind] {
        &self.kinds
    }

    /// The limiters, in column order, for reading levels between requests.
    pub fn limiters(&self) -> &[Box<dyn Limiter>] {
        &self.limiters
    }

    /// Every limiter's decision on `arrival`, in column order.
    pub fn step(&mut self, arrival: Arrival) -> Vec<Decision> {
        self.limiters
            .iter_mut()
            .map(|limiter| limiter.decide(arrival.at, arrival.client))
            .collect()
    }
}

/// The side-by-side result of one trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The window the metrics measure in, in microseconds.
    pub window_us: Time,
    /// The trace, in order.
    pub arrivals: Vec<Arrival>,
    /// One run per selected algorithm, in the order selected.
    pub runs: Vec<AlgorithmRun>,
}

impl Comparison {
    /// The run of `algorithm`, if it was selected.
    pub fn run(&self, algorithm: AlgorithmKind) -> Option<&AlgorithmRun> {
        self.runs.iter().find(|run| run.algorithm == algorithm)
    }

    /// The indices of the requests that `first` and `second` decided differently
    /// (admitted versus rejected; a delay counts as admitted).
    pub fn disagreements(&self, first: AlgorithmKind, second: AlgorithmKind) -> Vec<usize> {
        let (Some(first), Some(second)) = (self.run(first), self.run(second)) else {
            return Vec::new();
        };
        first
            .decisions
            .iter()
            .zip(&second.decisions)
            .enumerate()
            .filter(|(_, (a, b))| a.is_admitted() != b.is_admitted())
            .map(|(index, _)| index)
            .collect()
    }
}

/// Runs `trace` (sorted by time) through each of `algorithms` configured from `params`.
pub fn compare(
    trace: &[Arrival],
    params: &LimitParams,
    algorithms: &[AlgorithmKind],
) -> Result<Comparison, Error> {
    let mut side_by_side = SideBySide::new(params, algorithms)?;
    let mut runs: Vec<AlgorithmRun> = side_by_side
        .kinds
        .iter()
        .zip(&side_by_side.limiters)
        .map(|(&algorithm, limiter)| AlgorithmRun {
            algorithm,
            level_unit: limiter.level_unit(),
            burst_meaning: limiter.burst_meaning(),
            decisions: Vec::with_capacity(trace.len()),
            levels: Vec::with_capacity(trace.len()),
            metrics: AlgorithmMetrics::default(),
        })
        .collect();
    for &arrival in trace {
        let decisions = side_by_side.step(arrival);
        for ((run, decision), limiter) in runs.iter_mut().zip(decisions).zip(&side_by_side.limiters)
        {
            run.decisions.push(decision);
            run.levels.push(limiter.level(arrival.at, arrival.client));
        }
    }
    let window_us = params.window_us();
    for run in &mut runs {
        run.metrics = metrics(trace, &run.decisions, window_us);
    }
    Ok(Comparison {
        window_us,
        arrivals: trace.to_vec(),
        runs,
    })
}

/// Totals of one algorithm's decisions on `trace`.
fn metrics(trace: &[Arrival], decisions: &[Decision], window_us: Time) -> AlgorithmMetrics {
    let mut metrics = AlgorithmMetrics::default();
    let mut departures: SortedMap<ClientKey, Vec<Time>> = SortedMap::new();
    for (arrival, &decision) in trace.iter().zip(decisions) {
        match decision {
            Decision::Reject => metrics.rejected += 1,
            Decision::Admit | Decision::Delay(_) => {
                metrics.admitted += 1;
                let delay = decision.delay_us();
                if delay > 0 {
                    metrics.delayed += 1;
                }
                metrics.queueing_delay_us_total += delay;
                metrics.queueing_delay_us_max = metrics.queueing_delay_us_max.max(delay);
                departures
                    .entry(arrival.client)
                    .or_default()
                    .push(arrival.at.saturating_add(delay));
            }
        }
    }
    metrics.queueing_delay_us_mean = metrics
        .queueing_delay_us_total
        .checked_div(metrics.admitted)
        .unwrap_or(0);
    metrics.window_admitted_max = departures
        .into_values()
        .map(|mut times| most_in_any_window(&mut times, window_us))
        .max()
        .unwrap_or(0);
    metrics
}

/// The most of `times` inside any half-open window `(t - window, t]`.
pub fn most_in_any_window(times: &mut [Time], window_us: Time) -> u64 {
    times.sort_unstable();
    let mut most = 0;
    let mut oldest = 0;
    for newest in 0..times.len() {
        while times[oldest].saturating_add(window_us) <= times[newest] {
            oldest += 1;
        }
        most = most.max(newest - oldest + 1);
    }
    most as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> LimitParams {
        LimitParams {
            limit: 10,
            window_ms: 1_000,
            burst: None,
            queue_capacity: None,
        }
    }

    fn boundary_trace() -> Vec<Arrival> {
        (0..10)
            .map(|request| Arrival {
                at: 999_000 + request,
                client: 0,
            })
            .chain((0..10).map(|request| Arrival {
                at: 1_000_000 + request,
                client: 0,
            }))
            .collect()
    }

    #[test]
    fn the_boundary_burst_gets_twice_the_limit_through_the_fixed_window_only() {
        let comparison = compare(&boundary_trace(), &params(), &AlgorithmKind::ALL).unwrap();
        let most = |kind| comparison.run(kind).unwrap().metrics.window_admitted_max;
        assert_eq!(most(AlgorithmKind::FixedWindow), 20);
        assert_eq!(most(AlgorithmKind::SlidingWindowLog), 10);
        assert_eq!(most(AlgorithmKind::TokenBucket), 10);
        assert_eq!(most(AlgorithmKind::Gcra), 10);
        let disagreements =
            comparison.disagreements(AlgorithmKind::FixedWindow, AlgorithmKind::SlidingWindowLog);
        assert_eq!(disagreements, (10..20).collect::<Vec<_>>());
    }

    #[test]
    fn the_shaper_admits_the_burst_late_and_reports_its_delay() {
        let comparison = compare(
            &boundary_trace(),
            &params(),
            &[AlgorithmKind::LeakyBucketShaper],
        )
        .unwrap();
        let metrics = &comparison.runs[0].metrics;
        // One goes at once, ten wait (the queue's capacity is the limit), nine are refused.
        assert_eq!(metrics.admitted, 11);
        assert_eq!(metrics.delayed, 10);
        assert_eq!(metrics.rejected, 9);
        // The queue drains one request per 100 ms interval: the tenth waiting request,
        // which arrived at 1_000_000, leaves ten intervals after the first one left at
        // 999_000, at 1_999_000.
        assert_eq!(metrics.queueing_delay_us_max, 999_000);
        // Eleven departures 100 ms apart: any one-second window (t - 1 s, t] holds ten.
        assert_eq!(metrics.window_admitted_max, 10);
    }

    /// The lab's end-to-end check at the core's level: switching the traffic to bursty
    /// makes the fixed window and the sliding log decide the same requests differently.
    #[test]
    fn bursty_traffic_makes_the_fixed_window_and_the_sliding_log_disagree() {
        use crate::labs::ratelimit::traffic::generate;
        use crate::labs::ratelimit::{TrafficPattern, TrafficSource};

        let source = |pattern| TrafficSource {
            client: 0,
            start_ms: 0,
            end_ms: None,
            pattern,
        };
        let steady = generate(
            &[source(TrafficPattern::Steady { interval_ms: 100 })],
            5_000,
            9,
        )
        .unwrap();
        let bursty = generate(
            &[source(TrafficPattern::Bursty {
                burst_size: 15,
                spacing_ms: 20,
                period_ms: 700,
            })],
            5_000,
            9,
        )
        .unwrap();
        let kinds = [AlgorithmKind::FixedWindow, AlgorithmKind::SlidingWindowLog];
        let steady = compare(&steady, &params(), &kinds).unwrap();
        assert!(steady.disagreements(kinds[0], kinds[1]).is_empty());
        let bursty = compare(&bursty, &params(), &kinds).unwrap();
        assert!(!bursty.disagreements(kinds[0], kinds[1]).is_empty());
        assert!(bursty.run(kinds[0]).unwrap().metrics.window_admitted_max > 10);
        assert_eq!(
            bursty.run(kinds[1]).unwrap().metrics.window_admitted_max,
            10
        );
    }

    #[test]
    fn every_algorithm_has_one_name_in_scenarios_in_code_and_in_its_limiter() {
        for kind in AlgorithmKind::ALL {
            let limiter = kind.build(&params()).unwrap();
            assert_eq!(limiter.name(), kind.name());
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.name())
            );
        }
    }

    #[test]
    fn the_most_in_any_window_counts_half_open_windows() {
        assert_eq!(most_in_any_window(&mut [0, 999, 1_000], 1_000), 2);
        assert_eq!(most_in_any_window(&mut [5, 5, 5], 1), 3);
        assert_eq!(most_in_any_window(&mut [], 1), 0);
    }

    #[test]
    fn a_limit_that_does_not_divide_the_window_is_refused() {
        let mut bad = params();
        bad.limit = 3;
        let error = compare(&[], &bad, &AlgorithmKind::ALL).unwrap_err();
        assert!(error.to_string().starts_with("params.limit: "), "{error}");
    }
}
