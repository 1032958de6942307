//! Engine benchmarks: delivered messages per second for a steady 5-node workload
//! and a 1,000-node broadcast, plus the memory one in-flight message takes.
//!
//! Run with `cargo bench -p netsplit-core --bench engine`. Criterion reports
//! throughput in delivered messages ("elements") per second. The workloads are
//! `netsplit_core::bench`'s, shared with the browser benchmark.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsplit_core::bench::{
    STEADY_5_NODES, broadcast_1000_nodes, in_flight_message_bytes, run_workload,
};

fn engine(c: &mut Criterion) {
    println!(
        "memory per in-flight message: {} bytes (one queue entry holding the message inline; \
         broadcast messages own no heap memory)",
        in_flight_message_bytes()
    );
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.warm_up_time(Duration::from_secs(1));

    for (name, text) in [
        ("steady_5_nodes_20s", STEADY_5_NODES),
        ("broadcast_1000_nodes", broadcast_1000_nodes()),
    ] {
        let result = run_workload(text).expect("the benchmark scenario runs");
        println!(
            "{name}: {} events, {} delivered, trace hash {:016x}",
            result.events, result.delivered, result.trace_hash
        );
        group.throughput(Throughput::Elements(result.delivered));
        group.bench_function(name, |b| {
            b.iter(|| black_box(run_workload(black_box(text)).expect("runs")))
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
