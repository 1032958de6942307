//! Decisions per second of each rate limiting algorithm, and our GCRA beside the
//! `governor` crate's GCRA given the same work, in the same run.
//!
//! Every limiter decides the same trace: 10_000 requests from each client at twice its
//! limit, Poisson, built fresh for each iteration so that every iteration does the same
//! work. One client has a limit of 100 per second (50 seconds of traffic); a hundred
//! clients have 10 per second each (5 seconds of traffic, 100 requests a client), so that
//! every client's traffic outlasts its burst many times over and about half the requests
//! are rejected. (At 100 per second each, the hundred clients' half second of traffic
//! fitted in their bursts and every request was admitted.)
//!
//! - `ratelimit_one_client` and `ratelimit_hundred_clients` time every algorithm of the lab
//!   as the lab runs it: a `Box<dyn Limiter>` from `AlgorithmKind::build`, with per-key
//!   state.
//! - `gcra_vs_governor_one_client` and `gcra_vs_governor_hundred_clients` time our `Gcra`
//!   (the concrete type, no box) beside governor's keyed GCRA (`RateLimiter::hashmap`),
//!   both keyed by client, with the same quota: a burst of `limit` and one request per
//!   `window / limit`, which is the same GCRA (governor's `tau` is `(burst - 1) * T` as
//!   ours). Neither side reads a real clock: ours takes each arrival's time as an argument,
//!   and governor reads a clock that is a plain cell set to the arrival's time (not its
//!   `FakeRelativeClock`, whose advance is an atomic compare-and-swap loop). Governor
//!   still updates each key's state with an atomic compare-and-swap behind a mutex-guarded
//!   map: that is how it is built, for a limiter shared between threads, and it is part of
//!   what is measured. With one client, governor's direct limiter (no key, no map) is
//!   timed too, as a reference. Before anything is timed, each governor limiter and ours
//!   decide the whole trace and the decisions are asserted equal, request by request.
//!
//! Run with `cargo bench -p netsplit-core --bench ratelimit` (add `-- --quick` for a short
//! run); criterion reports throughput in elements (decisions) per second.

use std::cell::Cell;
use std::hint::black_box;
use std::num::NonZeroU32;
use std::rc::Rc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use governor::clock::Clock;
use governor::nanos::Nanos;
use governor::{Quota, RateLimiter};
use netsplit_core::labs::ratelimit::traffic::generate;
use netsplit_core::labs::ratelimit::{
    AlgorithmKind, Arrival, Gcra, LimitParams, Limiter, TrafficPattern, TrafficSource,
};

const REQUESTS: usize = 10_000;

/// Each client's limit: 100 per second alone, 10 per second among a hundred (see the
/// module documentation); the burst and the shaper's queue default to the limit.
fn params(clients: u32) -> LimitParams {
    LimitParams {
        limit: if clients == 1 { 100 } else { 10 },
        window_ms: 1_000,
        burst: None,
        queue_capacity: None,
    }
}

/// `clients` Poisson sources, each at twice its limit.
fn trace(clients: u32) -> Vec<Arrival> {
    let rate_per_second = 2 * params(clients).limit;
    let sources: Vec<TrafficSource> = (0..clients)
        .map(|client| TrafficSource {
            client,
            start_ms: 0,
            end_ms: None,
            pattern: TrafficPattern::Poisson { rate_per_second },
        })
        .collect();
    // Long enough for REQUESTS arrivals at that rate from every client, then cut.
    let duration_ms = (REQUESTS as u64 * 1_000 / (rate_per_second * u64::from(clients))) * 2;
    let mut trace = generate(&sources, duration_ms, 7).expect("the benchmark trace is valid");
    trace.truncate(REQUESTS);
    assert_eq!(
        trace.len(),
        REQUESTS,
        "the benchmark needs {REQUESTS} arrivals"
    );
    trace
}

/// A clock for governor that reads a time the loop sets, in nanoseconds since the
/// limiter was made: a plain cell, with nothing atomic.
#[derive(Clone, Default)]
struct TraceClock(Rc<Cell<u64>>);

impl TraceClock {
    fn set_us(&self, at_us: u64) {
        self.0.set(at_us * 1_000);
    }
}

impl Clock for TraceClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::from(self.0.get())
    }
}

/// Governor's quota for `params`: GCRA with our burst and emission interval.
fn quota(params: &LimitParams) -> Quota {
    let burst = NonZeroU32::new(u32::try_from(params.burst()).expect("the burst fits in u32"))
        .expect("the burst is positive");
    Quota::with_period(Duration::from_micros(params.interval_us()))
        .expect("the period is positive")
        .allow_burst(burst)
}

/// Our GCRA's decision on every arrival of `trace`.
fn ours_decide(params: &LimitParams, trace: &[Arrival]) -> Vec<bool> {
    let mut limiter = Gcra::new(params.burst(), params.interval_us()).expect("valid parameters");
    trace
        .iter()
        .map(|arrival| limiter.decide(arrival.at, arrival.client).is_admitted())
        .collect()
}

/// Governor's keyed GCRA's decision on every arrival of `trace`.
fn governor_keyed_decide(quota: Quota, trace: &[Arrival]) -> Vec<bool> {
    let clock = TraceClock::default();
    let limiter = RateLimiter::hashmap_with_clock(quota, clock.clone());
    trace
        .iter()
        .map(|arrival| {
            clock.set_us(arrival.at);
            limiter.check_key(&arrival.client).is_ok()
        })
        .collect()
}

/// Governor's direct (unkeyed) GCRA's decision on every arrival of a one-client `trace`.
fn governor_direct_decide(quota: Quota, trace: &[Arrival]) -> Vec<bool> {
    let clock = TraceClock::default();
    let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
    trace
        .iter()
        .map(|arrival| {
            clock.set_us(arrival.at);
            limiter.check().is_ok()
        })
        .collect()
}

/// Counts the trues, so the timed loops return something the optimiser must compute.
fn admitted(decisions: &[bool]) -> usize {
    decisions.iter().filter(|&&admit| admit).count()
}

fn lab_algorithms(c: &mut Criterion, group_name: &str, clients: u32) {
    let trace = trace(clients);
    let params = params(clients);
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
    group.finish();
}

fn gcra_vs_governor(c: &mut Criterion, group_name: &str, clients: u32) {
    let trace = trace(clients);
    let params = params(clients);
    let quota = quota(&params);
    let ours = ours_decide(&params, &trace);
    // About half are rejected, so an agreement here is not an accident of admitting all.
    assert!(
        (REQUESTS / 4..REQUESTS * 3 / 4).contains(&admitted(&ours)),
        "ours admitted {} of {REQUESTS}",
        admitted(&ours)
    );
    assert_eq!(
        governor_keyed_decide(quota, &trace),
        ours,
        "governor's keyed GCRA and ours decide the trace differently"
    );
    if clients == 1 {
        assert_eq!(
            governor_direct_decide(quota, &trace),
            ours,
            "governor's direct GCRA and ours decide the trace differently"
        );
    }
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(REQUESTS as u64));
    group.bench_function("ours_gcra_keyed", |bencher| {
        bencher.iter(|| black_box(admitted(&ours_decide(&params, black_box(&trace)))));
    });
    group.bench_function("governor_gcra_keyed", |bencher| {
        bencher.iter(|| black_box(admitted(&governor_keyed_decide(quota, black_box(&trace)))));
    });
    if clients == 1 {
        group.bench_function("governor_gcra_direct", |bencher| {
            bencher.iter(|| black_box(admitted(&governor_direct_decide(quota, black_box(&trace)))));
        });
    }
    group.finish();
}

fn one_client(c: &mut Criterion) {
    lab_algorithms(c, "ratelimit_one_client", 1);
    gcra_vs_governor(c, "gcra_vs_governor_one_client", 1);
}

fn hundred_clients(c: &mut Criterion) {
    lab_algorithms(c, "ratelimit_hundred_clients", 100);
    gcra_vs_governor(c, "gcra_vs_governor_hundred_clients", 100);
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
