//! Property tests over random traces: the guarantees each algorithm makes, checked on
//! whatever traffic proptest can think of.

use proptest::prelude::*;

use super::compare::most_in_any_window;
use super::{
    Arrival, ClientKey, Decision, Gcra, LeakyBucketMeter, LeakyBucketShaper, Limiter,
    SlidingWindowLog, Time, TokenBucket,
};

/// The case count: `PROPTEST_CASES` if set, else a number that keeps the suite fast.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(128);
    ProptestConfig::with_cases(cases)
}

/// A sorted trace of up to 300 requests from up to three clients, with gaps between 0
/// and `gap_max` microseconds (zero gaps make bursts at one instant).
fn trace(gap_max: Time) -> impl Strategy<Value = Vec<Arrival>> {
    prop::collection::vec((0..=gap_max, 0..3 as ClientKey), 1..300).prop_map(|steps| {
        let mut at = 0;
        steps
            .into_iter()
            .map(|(gap, client)| {
                at += gap;
                Arrival { at, client }
            })
            .collect()
    })
}

fn decide_all(limiter: &mut dyn Limiter, trace: &[Arrival]) -> Vec<Decision> {
    trace
        .iter()
        .map(|arrival| limiter.decide(arrival.at, arrival.client))
        .collect()
}

proptest! {
    #![proptest_config(config())]

    /// The sliding window log is exact: no window (t - window, t] of any client ever
    /// holds more than `limit` admitted requests.
    #[test]
    fn the_sliding_log_never_admits_more_than_the_limit_in_any_window(
        limit in 1u64..20,
        window_us in 1u64..5_000,
        trace in trace(600),
    ) {
        let mut log = SlidingWindowLog::new(limit, window_us).unwrap();
        let decisions = decide_all(&mut log, &trace);
        for client in 0..3 {
            let mut admitted: Vec<Time> = trace
                .iter()
                .zip(&decisions)
                .filter(|(arrival, decision)| arrival.client == client && decision.is_admitted())
                .map(|(arrival, _)| arrival.at)
                .collect();
            prop_assert!(most_in_any_window(&mut admitted, window_us) <= limit);
        }
    }

    /// GCRA with burst b and emission interval T decides every request as a token
    /// bucket of capacity b refilled one token per T does, and so does a leaky bucket
    /// meter of capacity b leaking one unit per T.
    #[test]
    fn gcra_and_the_token_bucket_with_matching_parameters_decide_every_request_identically(
        burst in 1u64..12,
        interval_us in 1u64..2_000,
        trace in trace(3_000),
    ) {
        let bucket = decide_all(&mut TokenBucket::new(burst, interval_us).unwrap(), &trace);
        let gcra = decide_all(&mut Gcra::new(burst, interval_us).unwrap(), &trace);
        let meter = decide_all(&mut LeakyBucketMeter::new(burst, interval_us).unwrap(), &trace);
        prop_assert_eq!(&bucket, &gcra);
        prop_assert_eq!(&bucket, &meter);
    }

    /// The shaper's output is smooth: a client's admitted requests leave at least one
    /// leak interval apart, and never more than `queue_capacity` wait at once.
    #[test]
    fn the_shaper_lets_requests_out_one_interval_apart_at_most(
        queue_capacity in 0u64..8,
        interval_us in 1u64..2_000,
        trace in trace(1_500),
    ) {
        let mut shaper = LeakyBucketShaper::new(queue_capacity, interval_us).unwrap();
        let mut last_departure: [Option<Time>; 3] = [None; 3];
        for arrival in &trace {
            let decision = shaper.decide(arrival.at, arrival.client);
            if decision.is_admitted() {
                let departure = arrival.at + decision.delay_us();
                if let Some(previous) = last_departure[arrival.client as usize] {
                    prop_assert!(departure >= previous + interval_us);
                }
                last_departure[arrival.client as usize] = Some(departure);
            }
            prop_assert!(shaper.level(arrival.at, arrival.client).value_milli <= queue_capacity * 1_000);
        }
    }

    /// Our GCRA decides every request of a one-client trace as the `governor` crate's
    /// GCRA does with the same emission interval and burst: the reference the
    /// benchmark compares against agrees with us, not just runs beside us.
    #[test]
    fn our_gcra_decides_as_the_governor_crate_does(
        burst in 1u32..12,
        interval_us in 1u64..2_000,
        trace in trace(3_000),
    ) {
        use governor::clock::FakeRelativeClock;
        use governor::{Quota, RateLimiter};
        use std::num::NonZeroU32;
        use std::time::Duration;

        let quota = Quota::with_period(Duration::from_micros(interval_us))
            .unwrap()
            .allow_burst(NonZeroU32::new(burst).unwrap());
        let clock = FakeRelativeClock::default();
        let reference = RateLimiter::direct_with_clock(quota, clock.clone());
        let mut gcra = Gcra::new(u64::from(burst), interval_us).unwrap();
        let mut now = 0;
        for (index, arrival) in trace.iter().enumerate() {
            clock.advance(Duration::from_micros(arrival.at - now));
            now = arrival.at;
            let expected = reference.check().is_ok();
            // One key only: governor's direct limiter is unkeyed.
            let ours = gcra.decide(arrival.at, 0).is_admitted();
            prop_assert_eq!(ours, expected, "request {} at {}", index, arrival.at);
        }
    }
}

/// Times at the very end of the clock's range, huge parameters and time running
/// backwards must not panic any algorithm: bad input never panics. While time only
/// moves forward, no level exceeds its capacity.
#[test]
fn extreme_times_and_parameters_never_panic_any_algorithm() {
    use super::compare::{AlgorithmKind, LimitParams};

    let extremes = [
        LimitParams {
            limit: 1,
            window_ms: 86_400_000,
            burst: Some(1_000_000),
            queue_capacity: Some(1_000_000),
        },
        LimitParams {
            limit: 100_000,
            window_ms: 100,
            burst: Some(1),
            queue_capacity: Some(0),
        },
    ];
    for params in extremes {
        for kind in AlgorithmKind::ALL {
            let mut limiter = kind.build(&params).unwrap();
            for now in [0, u64::MAX / 2, u64::MAX - 1, u64::MAX, u64::MAX] {
                limiter.decide(now, ClientKey::MAX);
                let level = limiter.level(now, ClientKey::MAX);
                assert!(
                    level.value_milli <= level.capacity_milli,
                    "{kind:?} at {now}: {level:?}"
                );
            }
            for now in [0, u64::MAX, 1] {
                limiter.decide(now, ClientKey::MAX);
                limiter.level(now, ClientKey::MAX);
            }
        }
    }
}
