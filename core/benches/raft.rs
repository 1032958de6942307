//! Raft benchmarks: delivered messages per second of wall-clock time for 5 and 15 servers
//! under a steady client load, with every safety invariant checked after every event (as
//! the lab always runs). Criterion reports the figure as `thrpt` in elements per second,
//! one element being one delivered message.
//!
//! Run with `cargo bench -p netsplit-core --bench raft`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use netsplit_core::Scenario;
use netsplit_core::lab::build_simulator;
use netsplit_core::labs::raft::Raft;

/// Virtual time each run covers, in milliseconds.
const RUN_MS: u64 = 2_000;

/// Client requests per second of virtual time.
const REQUESTS_PER_SECOND: u64 = 500;

fn scenario(nodes: u32) -> Scenario {
    let json = serde_json::json!({
        "version": 1,
        "lab": "raft",
        "nodes": nodes,
        "seed": 1,
        "params": { "snapshot_threshold": 1_000 },
        "network": { "latency": { "distribution": "uniform", "min_ms": 1, "max_ms": 5 } },
        "disk_write_latency_ms": 0.5,
        "workload": { "generator": {
            "rate_per_second": REQUESTS_PER_SECOND,
            "start_ms": 300,
            "target": "round_robin",
            "request": { "operation": { "type": "put", "key": "k", "value": "v$n" } }
        } },
        "limits": { "max_events": 50_000_000, "max_client_requests": 10_000_000 },
        "run_until_ms": RUN_MS
    });
    Scenario::from_json(&json.to_string()).expect("the benchmark scenario is valid")
}

/// Runs the scenario to its end and returns how many messages were delivered.
fn run(scenario: &Scenario) -> u64 {
    let mut sim = build_simulator::<Raft>(scenario).expect("the benchmark scenario builds");
    sim.run_until(RUN_MS * 1_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.metrics().view().messages_delivered
}

fn delivered_messages_per_second(c: &mut Criterion) {
    let mut group = c.benchmark_group("raft_delivered_messages");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(8));
    for nodes in [5, 15] {
        let scenario = scenario(nodes);
        let delivered = run(&scenario);
        println!("raft {nodes} servers: {delivered} messages delivered per run of {RUN_MS} ms");
        group.throughput(Throughput::Elements(delivered));
        group.bench_with_input(
            BenchmarkId::from_parameter(nodes),
            &scenario,
            |b, scenario| b.iter(|| run(scenario)),
        );
    }
    group.finish();
}

criterion_group!(benches, delivered_messages_per_second);
criterion_main!(benches);
