//! Traffic: arrival traces for the limiters, generated deterministically from a seed.
//!
//! A trace is a list of [`Arrival`]s (a time and a client key) sorted by time. Each
//! [`TrafficSource`] produces one client's requests over a span of time following one
//! [`TrafficPattern`]; several sources, for the same or different clients, merge into
//! one trace. The only random pattern, Poisson, draws from one `ChaCha8Rng` seeded by
//! the scenario, and turns its draws into times with integer arithmetic only (a
//! fixed-point logarithm instead of `f64::ln`, whose last bits may differ between the
//! browser and a native build), so a seed gives the same trace everywhere.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{ClientKey, Error, Time, check_range};
use crate::protocol::MICROS_PER_MS;

/// The most arrivals one trace may hold, so that a scenario cannot ask for more work
/// than a browser tab can do.
pub const ARRIVALS_MAX: usize = 200_000;

/// The largest rate any pattern accepts, in requests per second.
pub const RATE_PER_SECOND_MAX: u64 = 1_000_000;

/// The longest span a source may cover: one day in milliseconds.
pub const SPAN_MS_MAX: u64 = 86_400_000;

/// One request arriving at the limiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Arrival {
    /// When it arrives, in microseconds.
    pub at: Time,
    /// Whose request it is.
    pub client: ClientKey,
}

/// How a source spreads its requests over its span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TrafficPattern {
    /// One request every `interval_ms`, starting at the span's start.
    Steady {
        /// The time between requests, in milliseconds.
        interval_ms: u64,
    },
    /// Every `period_ms`, a burst of `burst_size` requests `spacing_ms` apart.
    Bursty {
        /// Requests per burst.
        burst_size: u64,
        /// The time between requests inside a burst, in milliseconds (0: all at once).
        spacing_ms: u64,
        /// The time from one burst's start to the next one's, in milliseconds.
        period_ms: u64,
    },
    /// Independent arrivals at an average of `rate_per_second` (exponential gaps).
    Poisson {
        /// The mean rate, in requests per second.
        rate_per_second: u64,
    },
    /// Alternating on and off periods; while on, one request every `interval_ms`.
    OnOff {
        /// How long each on period lasts, in milliseconds.
        on_ms: u64,
        /// How long each off period lasts, in milliseconds.
        off_ms: u64,
        /// The time between requests while on, in milliseconds.
        interval_ms: u64,
    },
    /// A rate changing linearly from `rate_start_per_second` at the span's start to
    /// `rate_end_per_second` at its end; the k-th request comes exactly when the
    /// expected count reaches k.
    Ramp {
        /// The rate at the start, in requests per second.
        rate_start_per_second: u64,
        /// The rate at the end, in requests per second.
        rate_end_per_second: u64,
    },
    /// Requests at exactly these times (the hand-drawn timeline), in milliseconds from
    /// the start of the run; the span is ignored.
    Explicit {
        /// The arrival times in milliseconds, in any order.
        at_ms: Vec<u64>,
    },
}

/// One client's requests over a span of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSource {
    /// The client key the requests carry.
    pub client: ClientKey,
    /// Where the span starts, in milliseconds (default 0).
    #[serde(default)]
    pub start_ms: u64,
    /// Where the span ends (exclusive), in milliseconds; the run's duration if absent.
    #[serde(default)]
    pub end_ms: Option<u64>,
    /// How requests are spread over the span.
    pub pattern: TrafficPattern,
}

impl TrafficSource {
    /// Checks every number, naming fields under `path` (e.g. `traffic[2]`).
    pub fn validate(&self, path: &str, duration_ms: u64) -> Result<(), Error> {
        let end_ms = self.end_ms.unwrap_or(duration_ms);
        check_range(&format!("{path}.start_ms"), self.start_ms, 0, SPAN_MS_MAX)?;
        check_range(&format!("{path}.end_ms"), end_ms, 0, SPAN_MS_MAX)?;
        if end_ms < self.start_ms {
            return Err(Error::at(
                format!("{path}.end_ms"),
                format!(
                    "must not be before start_ms ({}), got {end_ms}",
                    self.start_ms
                ),
            ));
        }
        let pattern = format!("{path}.pattern");
        match &self.pattern {
            TrafficPattern::Steady { interval_ms } => check_range(
                &format!("{pattern}.steady.interval_ms"),
                *interval_ms,
                1,
                SPAN_MS_MAX,
            ),
            TrafficPattern::Bursty {
                burst_size,
                spacing_ms,
                period_ms,
            } => {
                let field = format!("{pattern}.bursty");
                check_range(
                    &format!("{field}.burst_size"),
                    *burst_size,
                    1,
                    ARRIVALS_MAX as u64,
                )?;
                check_range(&format!("{field}.spacing_ms"), *spacing_ms, 0, SPAN_MS_MAX)?;
                check_range(&format!("{field}.period_ms"), *period_ms, 1, SPAN_MS_MAX)
            }
            TrafficPattern::Poisson { rate_per_second } => check_range(
                &format!("{pattern}.poisson.rate_per_second"),
                *rate_per_second,
                1,
                RATE_PER_SECOND_MAX,
            ),
            TrafficPattern::OnOff {
                on_ms,
                off_ms,
                interval_ms,
            } => {
                let field = format!("{pattern}.on_off");
                check_range(&format!("{field}.on_ms"), *on_ms, 1, SPAN_MS_MAX)?;
                check_range(&format!("{field}.off_ms"), *off_ms, 0, SPAN_MS_MAX)?;
                check_range(
                    &format!("{field}.interval_ms"),
                    *interval_ms,
                    1,
                    SPAN_MS_MAX,
                )
            }
            TrafficPattern::Ramp {
                rate_start_per_second,
                rate_end_per_second,
            } => {
                let field = format!("{pattern}.ramp");
                check_range(
                    &format!("{field}.rate_start_per_second"),
                    *rate_start_per_second,
                    0,
                    RATE_PER_SECOND_MAX,
                )?;
                check_range(
                    &format!("{field}.rate_end_per_second"),
                    *rate_end_per_second,
                    0,
                    RATE_PER_SECOND_MAX,
                )
            }
            TrafficPattern::Explicit { at_ms } => {
                if at_ms.len() > ARRIVALS_MAX {
                    return Err(Error::at(
                        format!("{pattern}.explicit.at_ms"),
                        format!(
                            "must hold at most {ARRIVALS_MAX} times, got {}",
                            at_ms.len()
                        ),
                    ));
                }
                for (index, &at) in at_ms.iter().enumerate() {
                    check_range(
                        &format!("{pattern}.explicit.at_ms[{index}]"),
                        at,
                        0,
                        SPAN_MS_MAX,
                    )?;
                }
                Ok(())
            }
        }
    }

    /// Appends this source's arrivals to `trace`, drawing randomness from `rng`. Fails,
    /// naming `path`, if the trace would grow past [`ARRIVALS_MAX`]. Call
    /// [`TrafficSource::validate`] first: unvalidated zero intervals are refused here too.
    pub fn generate_into(
        &self,
        path: &str,
        duration_ms: u64,
        rng: &mut ChaCha8Rng,
        trace: &mut Vec<Arrival>,
    ) -> Result<(), Error> {
        self.validate(path, duration_ms)?;
        let start = self.start_ms * MICROS_PER_MS;
        let end = self.end_ms.unwrap_or(duration_ms) * MICROS_PER_MS;
        let client = self.client;
        let push = |at: Time, trace: &mut Vec<Arrival>| -> Result<(), Error> {
            if trace.len() >= ARRIVALS_MAX {
                return Err(Error::at(
                    path,
                    format!(
                        "the traffic makes more than {ARRIVALS_MAX} requests; shorten the run or lower the rate"
                    ),
                ));
            }
            trace.push(Arrival { at, client });
            Ok(())
        };
        match &self.pattern {
            TrafficPattern::Steady { interval_ms } => {
                let mut at = start;
                while at < end {
                    push(at, trace)?;
                    at += interval_ms * MICROS_PER_MS;
                }
            }
            TrafficPattern::Bursty {
                burst_size,
                spacing_ms,
                period_ms,
            } => {
                let mut burst_start = start;
                while burst_start < end {
                    for request in 0..*burst_size {
                        let at = burst_start + request * spacing_ms * MICROS_PER_MS;
                        if at >= end {
                            break;
                        }
                        push(at, trace)?;
                    }
                    burst_start += period_ms * MICROS_PER_MS;
                }
            }
            TrafficPattern::Poisson { rate_per_second } => {
                let mut at = start;
                loop {
                    let exponential_q32 = exponential_q32(rng.next_u64());
                    // gap = 1e6 / rate * E microseconds, multiplied out before dividing.
                    let gap =
                        (1_000_000u128 * exponential_q32 / u128::from(*rate_per_second)) >> 32;
                    at = at.saturating_add(u64::try_from(gap).unwrap_or(u64::MAX));
                    if at >= end {
                        break;
                    }
                    push(at, trace)?;
                }
            }
            TrafficPattern::OnOff {
                on_ms,
                off_ms,
                interval_ms,
            } => {
                let cycle = (on_ms + off_ms) * MICROS_PER_MS;
                let mut cycle_start = start;
                while cycle_start < end {
                    let on_end = (cycle_start + on_ms * MICROS_PER_MS).min(end);
                    let mut at = cycle_start;
                    while at < on_end {
                        push(at, trace)?;
                        at += interval_ms * MICROS_PER_MS;
                    }
                    cycle_start += cycle;
                }
            }
            TrafficPattern::Ramp {
                rate_start_per_second,
                rate_end_per_second,
            } => {
                for at in ramp_times(start, end, *rate_start_per_second, *rate_end_per_second) {
                    push(at, trace)?;
                }
            }
            TrafficPattern::Explicit { at_ms } => {
                for &at in at_ms {
                    push(at * MICROS_PER_MS, trace)?;
                }
            }
        }
        Ok(())
    }
}

/// Builds one trace from `sources`, sorted by time; requests at the same time keep the
/// order of their sources and, within a source, their generation order.
pub fn generate(
    sources: &[TrafficSource],
    duration_ms: u64,
    seed: u64,
) -> Result<Vec<Arrival>, Error> {
    generate_under("traffic", sources, duration_ms, seed)
}

/// [`generate`], naming the sources `{path}[i]` in errors (e.g. `params.traffic[2]`).
pub fn generate_under(
    path: &str,
    sources: &[TrafficSource],
    duration_ms: u64,
    seed: u64,
) -> Result<Vec<Arrival>, Error> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut trace = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        source.generate_into(
            &format!("{path}[{index}]"),
            duration_ms,
            &mut rng,
            &mut trace,
        )?;
    }
    // A stable sort keeps ties in source order.
    trace.sort_by_key(|arrival| arrival.at);
    Ok(trace)
}

/// The arrival times of a linear ramp from `rate_start` to `rate_end` requests per
/// second over `[start, end)`: the k-th request comes at the first microsecond at which
/// the expected count, the integral of the rate, reaches k.
fn ramp_times(start: Time, end: Time, rate_start: u64, rate_end: u64) -> Vec<Time> {
    let span = i128::from(end - start);
    if span == 0 {
        return Vec::new();
    }
    let rate_start = i128::from(rate_start);
    let slope = i128::from(rate_end) - rate_start;
    // count(t) = (2 * rate_start * span * t + slope * t^2) / (2 * span * 1e6), kept as
    // its numerator so the comparison with k is exact.
    let numerator = |t: i128| 2 * rate_start * span * t + slope * t * t;
    let denominator = 2 * span * 1_000_000;
    let mut times = Vec::new();
    let mut low = 0i128;
    let mut k = 1i128;
    while numerator(span - 1) >= k * denominator && times.len() < ARRIVALS_MAX + 1 {
        // Binary search for the first t in [low, span) with numerator(t) >= k * denominator;
        // the count never decreases because both rates are non-negative.
        let mut high = span - 1;
        while low < high {
            let middle = low + (high - low) / 2;
            if numerator(middle) >= k * denominator {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        times.push(start + low as u64);
        k += 1;
    }
    times
}

/// `-ln(u)` in 32.32 fixed point for `u = (bits + 1) / 2^64`, a uniform draw in `(0, 1]`:
/// a standard exponential variate. Integer only, so it is the same on every platform.
pub fn exponential_q32(bits: u64) -> u128 {
    // ln(2) in 0.64 fixed point.
    const LN_2_Q64: u128 = 0xB172_17F7_D1CF_79AB;
    let value = u128::from(bits) + 1;
    let whole = 127 - u128::from(value.leading_zeros());
    // The mantissa in 1.63 fixed point, in [2^63, 2^64).
    let mut mantissa = if whole >= 63 {
        value >> (whole - 63)
    } else {
        value << (63 - whole)
    };
    let mut fraction: u128 = 0;
    for _ in 0..32 {
        mantissa = (mantissa * mantissa) >> 63;
        fraction <<= 1;
        if mantissa >= 1 << 64 {
            mantissa >>= 1;
            fraction |= 1;
        }
    }
    let log2_q32 = (whole << 32) | fraction;
    let negative_log2_q32 = (64u128 << 32) - log2_q32;
    (negative_log2_q32 * LN_2_Q64) >> 64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(pattern: TrafficPattern) -> TrafficSource {
        TrafficSource {
            client: 3,
            start_ms: 0,
            end_ms: Some(1_000),
            pattern,
        }
    }

    fn times(trace: &[Arrival]) -> Vec<Time> {
        trace.iter().map(|arrival| arrival.at).collect()
    }

    #[test]
    fn steady_traffic_comes_every_interval_within_its_span() {
        let trace = generate(
            &[source(TrafficPattern::Steady { interval_ms: 250 })],
            5_000,
            1,
        )
        .unwrap();
        assert_eq!(times(&trace), vec![0, 250_000, 500_000, 750_000]);
        assert!(trace.iter().all(|arrival| arrival.client == 3));
    }

    #[test]
    fn bursty_traffic_repeats_its_burst_every_period() {
        let pattern = TrafficPattern::Bursty {
            burst_size: 3,
            spacing_ms: 1,
            period_ms: 500,
        };
        let trace = generate(&[source(pattern)], 5_000, 1).unwrap();
        assert_eq!(
            times(&trace),
            vec![0, 1_000, 2_000, 500_000, 501_000, 502_000]
        );
    }

    #[test]
    fn on_off_traffic_is_silent_while_off() {
        let pattern = TrafficPattern::OnOff {
            on_ms: 200,
            off_ms: 300,
            interval_ms: 100,
        };
        let trace = generate(&[source(pattern)], 5_000, 1).unwrap();
        assert_eq!(times(&trace), vec![0, 100_000, 500_000, 600_000]);
    }

    #[test]
    fn a_constant_ramp_is_steady_traffic_at_that_rate() {
        let pattern = TrafficPattern::Ramp {
            rate_start_per_second: 4,
            rate_end_per_second: 4,
        };
        let trace = generate(&[source(pattern)], 5_000, 1).unwrap();
        assert_eq!(times(&trace), vec![250_000, 500_000, 750_000]);
    }

    #[test]
    fn a_rising_ramp_makes_its_expected_count_and_bunches_towards_the_end() {
        let pattern = TrafficPattern::Ramp {
            rate_start_per_second: 0,
            rate_end_per_second: 100,
        };
        let trace = generate(&[source(pattern)], 5_000, 1).unwrap();
        // The integral of a rate rising from 0 to 100 per second over one second is 50;
        // the 50th request would come exactly at the end, which is excluded.
        assert_eq!(trace.len(), 49);
        let first_half = trace.iter().filter(|arrival| arrival.at < 500_000).count();
        assert_eq!(first_half, 12);
    }

    #[test]
    fn poisson_traffic_is_reproducible_from_its_seed_and_near_its_rate() {
        let sources = [TrafficSource {
            client: 0,
            start_ms: 0,
            end_ms: Some(100_000),
            pattern: TrafficPattern::Poisson {
                rate_per_second: 50,
            },
        }];
        let first = generate(&sources, 100_000, 42).unwrap();
        let again = generate(&sources, 100_000, 42).unwrap();
        let other = generate(&sources, 100_000, 43).unwrap();
        assert_eq!(first, again);
        assert_ne!(first, other);
        // 5_000 expected over 100 s; the standard deviation is about 71.
        assert!(
            (4_700..=5_300).contains(&first.len()),
            "got {}",
            first.len()
        );
    }

    /// Pins the first Poisson arrivals of one seed, so that a change of generator,
    /// seeding or arithmetic (or a platform that computes differently) shows up here
    /// rather than as a scenario that quietly plays out differently in the browser.
    #[test]
    fn poisson_arrivals_of_a_seed_are_pinned() {
        let sources = [TrafficSource {
            client: 0,
            start_ms: 0,
            end_ms: Some(1_000),
            pattern: TrafficPattern::Poisson {
                rate_per_second: 20,
            },
        }];
        let trace = generate(&sources, 1_000, 42).unwrap();
        let first: Vec<Time> = times(&trace).into_iter().take(5).collect();
        assert_eq!(first, PINNED_POISSON_SEED_42);
    }

    const PINNED_POISSON_SEED_42: [Time; 5] = [19_143, 21_693, 64_181, 87_492, 149_628];

    #[test]
    fn the_fixed_point_exponential_matches_the_logarithm() {
        // u = 1/2 gives ln 2; u = 1 gives 0; u = 2^-64 gives 64 ln 2.
        let half = exponential_q32((1u64 << 63) - 1);
        assert!((half as i128 - 2_977_044_472).abs() < 16, "got {half}");
        assert_eq!(exponential_q32(u64::MAX), 0);
        let smallest = exponential_q32(0);
        assert!(
            (smallest as i128 - 64 * 2_977_044_472).abs() < 1_024,
            "got {smallest}"
        );
    }

    #[test]
    fn sources_merge_in_time_order_keeping_ties_in_source_order() {
        let sources = [
            TrafficSource {
                client: 1,
                start_ms: 0,
                end_ms: None,
                pattern: TrafficPattern::Explicit { at_ms: vec![5, 1] },
            },
            TrafficSource {
                client: 2,
                start_ms: 0,
                end_ms: None,
                pattern: TrafficPattern::Explicit { at_ms: vec![1] },
            },
        ];
        let trace = generate(&sources, 10, 0).unwrap();
        assert_eq!(
            trace,
            vec![
                Arrival {
                    at: 1_000,
                    client: 1
                },
                Arrival {
                    at: 1_000,
                    client: 2
                },
                Arrival {
                    at: 5_000,
                    client: 1
                },
            ]
        );
    }

    #[test]
    fn too_much_traffic_is_refused_naming_the_source() {
        let sources = [TrafficSource {
            client: 0,
            start_ms: 0,
            end_ms: Some(SPAN_MS_MAX),
            pattern: TrafficPattern::Steady { interval_ms: 1 },
        }];
        let error = generate(&sources, 10, 0).unwrap_err();
        assert!(error.to_string().starts_with("traffic[0]: "), "{error}");
    }

    #[test]
    fn a_zero_interval_is_refused_naming_its_path() {
        let error =
            generate(&[source(TrafficPattern::Steady { interval_ms: 0 })], 10, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "traffic[0].pattern.steady.interval_ms: must be between 1 and 86400000, got 0"
        );
    }
}
