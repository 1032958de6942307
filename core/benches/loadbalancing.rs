//! Load balancing lab benchmark: simulated client requests per second of wall time,
//! for 10 and 100 servers at about 70% utilization, least connections, one
//! balancer per 10 servers, health checks on. Each iteration builds the run and
//! simulates two seconds of virtual time; the throughput criterion reports is
//! requests completed per second of wall time.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsplit_core::lab::build_simulator;
use netsplit_core::labs::loadbalancing::{LoadBalancing, lab};
use netsplit_core::scenario::Scenario;
use netsplit_core::sim::Simulator;

const SIMULATED_US: u64 = 2_000_000;

/// A scenario with `servers` servers (4 workers, 10 ms exponential service each)
/// loaded to 70%.
fn scenario(servers: u32) -> Scenario {
    let balancers = (servers / 10).max(1);
    let clients = (servers / 5).max(2);
    // Capacity is servers * 4 workers / 10 ms = servers * 400 requests per second.
    let rate_per_client = f64::from(servers) * 400.0 * 0.7 / f64::from(clients);
    let text = serde_json::json!({
        "version": 1,
        "lab": "loadbalancing",
        "nodes": balancers + clients + servers,
        "seed": 1,
        "network": { "latency": { "distribution": "uniform", "min_ms": 0.5, "max_ms": 1.5 } },
        "params": {
            "balancers": balancers,
            "clients": { "count": clients, "rate_per_second": rate_per_client },
            "servers": { "count": servers },
            "policy": { "type": "least_connections" }
        },
        "limits": { "max_client_requests": 10_000_000, "max_events": 100_000_000 }
    })
    .to_string();
    let scenario = Scenario::parse(&text).expect("the benchmark scenario is valid");
    lab::prepare(&scenario).expect("the node count matches")
}

fn simulate(scenario: &Scenario) -> Simulator<LoadBalancing> {
    let mut sim = build_simulator::<LoadBalancing>(scenario).expect("builds");
    sim.run_until(SIMULATED_US);
    sim
}

fn requests_per_second(c: &mut Criterion) {
    let mut group = c.benchmark_group("loadbalancing");
    group.sample_size(10);
    for servers in [10u32, 100] {
        let scenario = scenario(servers);
        let completed = lab::sim_report(&simulate(&scenario)).requests_succeeded;
        group.throughput(Throughput::Elements(completed));
        group.bench_function(format!("{servers}_servers_2s_simulated"), |bencher| {
            bencher.iter(|| black_box(simulate(&scenario).events()));
        });
    }
    group.finish();
}

criterion_group!(benches, requests_per_second);
criterion_main!(benches);
