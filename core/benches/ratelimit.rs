//! Decisions per second of each rate limiting algorithm, beside the `governor` crate's
//! GCRA, in the same run.
//!
//! Every limiter decides the same trace: 10_000 requests from one client, Poisson at
//! twice a limit of 100 per second (so about half are rejected), built fresh for each
//! iteration so that every iteration does the same work. `governor`'s direct (unkeyed)
//! limiter is driven by its fake clock, advanced to each arrival's time; ours keep
//! per-key state in a `BTreeMap`, so a second group measures them with 100 clients.
//!
//! Run with `cargo bench -p netsplit-core --bench ratelimit`; criterion reports
//! throughput in elements (decisions) per second.

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use governor::clock::FakeRelativeClock;
use governor::{Quota, RateLimiter};
use netsplit_core::labs::ratelimit::traffic::generate;
use netsplit_core::labs::ratelimit::{
    AlgorithmKind, Arrival, LimitParams, TrafficPattern, TrafficSource,
};

const REQUESTS: usize = 10_000;

fn params() -> LimitParams {
    LimitParams {
        limit: 100,
        window_ms: 1_000,
        burst: None,
        queue_capacity: None,
    }
}

/// `clients` Poisson sources, together at twice the limit per client.
fn trace(clients: u32) -> Vec<Arrival> {
    let sources: Vec<TrafficSource> = (0..clients)
        .map(|client| TrafficSource {
            client,
            start_ms: 0,
            end_ms: None,
            pattern: TrafficPattern::Poisson {
                rate_per_second: 200,
            },
        })
        .collect();
    // Long enough for REQUESTS arrivals at 200 per second per client, then cut.
    let duration_ms = (REQUESTS as u64 * 1_000 / (200 * u64::from(clients))) * 2;
    let mut trace = generate(&sources, duration_ms, 7).expect("the benchmark trace is valid");
    trace.truncate(REQUESTS);
    assert_eq!(
        trace.len(),
        REQUESTS,
        "the benchmark needs {REQUESTS} arrivals"
    );
    trace
}

fn ours(c: &mut Criterion, group_name: &str, clients: u32) {
    let trace = trace(clients);
    let params = params();
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(REQUESTS as u64));
    for kind in AlgorithmKind::ALL {
        group.bench_function(format!("{kind:?}"), |bencher| {
            bencher.iter(|| {
                let mut limiter = kind.build(&params).expect("valid parameters");
                let mut admitted = 0u32;
                for arrival in &trace {
                    admitted += u32::from(limiter.decide(arrival.at, arrival.client).is_admitted());
                }
                black_box(admitted)
            });
        });
    }
    if clients == 1 {
        let burst = NonZeroU32::new(params.limit as u32).expect("limit is positive");
        let quota = Quota::with_period(Duration::from_micros(params.interval_us()))
            .expect("the period is positive")
            .allow_burst(burst);
        group.bench_function("governor_gcra", |bencher| {
            bencher.iter(|| {
                let clock = FakeRelativeClock::default();
                let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
                let mut now = 0;
                let mut admitted = 0u32;
                for arrival in &trace {
                    clock.advance(Duration::from_micros(arrival.at - now));
                    now = arrival.at;
                    admitted += u32::from(limiter.check().is_ok());
                }
                black_box(admitted)
            });
        });
    }
    group.finish();
}

fn one_client(c: &mut Criterion) {
    ours(c, "ratelimit_one_client", 1);
}

fn hundred_clients(c: &mut Criterion) {
    ours(c, "ratelimit_hundred_clients", 100);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = one_client, hundred_clients
}
criterion_main!(benches);
