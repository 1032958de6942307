//! Engine benchmarks: delivered messages per second for a steady 5-node workload
//! and a 1,000-node broadcast, plus the memory one in-flight message takes.
//!
//! Run with `cargo bench -p netsplit-core --bench engine`. Criterion reports
//! throughput in delivered messages ("elements") per second. The simulator is
//! driven directly (no time-travel snapshots), as a headless sweep would be.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsplit_core::lab::build_simulator;
use netsplit_core::protocols::broadcast::Broadcast;
use netsplit_core::scenario::Scenario;
use netsplit_core::sim::{Simulator, queue_entry_size};

const STEADY: &str = r#"{
    "version": 1, "lab": "broadcast", "nodes": 5, "seed": 1,
    "params": {"round_ms_min": 10, "round_ms_max": 15},
    "network": {"latency": {"distribution": "uniform", "min_ms": 1, "max_ms": 5}},
    "run_until_ms": 20000
}"#;

fn large() -> &'static str {
    netsplit_core::presets::get("broadcast-large").expect("the large preset exists")
}

fn simulator(text: &str) -> (Simulator<Broadcast>, u64) {
    let scenario = Scenario::parse(text).expect("the benchmark scenario is valid");
    let until = scenario
        .run_until_ms
        .expect("bench scenarios set run_until_ms")
        * 1_000;
    (
        build_simulator::<Broadcast>(&scenario).expect("the benchmark scenario builds"),
        until,
    )
}

fn delivered_in(text: &str) -> u64 {
    let (mut sim, until) = simulator(text);
    sim.run_until(until);
    sim.metrics().view().messages_delivered
}

fn engine(c: &mut Criterion) {
    let entry = queue_entry_size::<Broadcast>();
    println!(
        "memory per in-flight message: {entry} bytes (one queue entry holding the message \
         inline; broadcast messages own no heap memory)"
    );
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.warm_up_time(Duration::from_secs(1));

    group.throughput(Throughput::Elements(delivered_in(STEADY)));
    group.bench_function("steady_5_nodes_20s", |b| {
        b.iter(|| {
            let (mut sim, until) = simulator(STEADY);
            black_box(sim.run_until(until));
            black_box(sim.trace_hash())
        })
    });

    group.throughput(Throughput::Elements(delivered_in(large())));
    group.bench_function("broadcast_1000_nodes", |b| {
        b.iter(|| {
            let (mut sim, until) = simulator(large());
            black_box(sim.run_until(until));
            black_box(sim.trace_hash())
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
