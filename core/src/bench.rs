//! The standard benchmark workloads, shared by the native benchmark
//! (`benches/engine.rs`) and the browser benchmark, so both measure the same runs.
//!
//! Nothing here reads a clock: callers time [`run_workload`] with whatever clock
//! their platform has (`std::time::Instant` natively, `performance.now()` in a
//! browser) and divide [`WorkloadResult::delivered`] by the elapsed time.

use crate::lab::build_simulator;
use crate::labs::broadcast::Broadcast;
use crate::protocol::MICROS_PER_MS;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::queue_entry_size;

/// A steady 5-node workload: every node pings the other four every 10–15 ms and
/// each ping is answered, for 20 s of virtual time (about 64,000 deliveries).
pub const STEADY_5_NODES: &str = r#"{
    "version": 1, "lab": "broadcast", "nodes": 5, "seed": 1,
    "params": {"round_ms_min": 10, "round_ms_max": 15},
    "network": {"latency": {"distribution": "uniform", "min_ms": 1, "max_ms": 5}},
    "run_until_ms": 20000
}"#;

/// A 1,000-node broadcast: the `broadcast-large` preset (about 900,000 events,
/// with up to a million messages in flight at once).
pub fn broadcast_1000_nodes() -> &'static str {
    crate::presets::get("broadcast-large").unwrap_or(STEADY_5_NODES)
}

/// What one benchmark run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkloadResult {
    /// Events processed.
    pub events: u64,
    /// Messages delivered to their receivers.
    pub delivered: u64,
    /// The run's fingerprint, so a benchmark can check it measured the same run
    /// on every platform.
    pub trace_hash: u64,
}

/// Runs a broadcast scenario to its `run_until_ms` on a bare simulator (no
/// time-travel snapshots, as a headless sweep runs).
pub fn run_workload(text: &str) -> Result<WorkloadResult, ScenarioError> {
    let scenario = Scenario::parse(text)?;
    let until = scenario
        .run_until_ms
        .unwrap_or(0)
        .saturating_mul(MICROS_PER_MS);
    let mut sim = build_simulator::<Broadcast>(&scenario)?;
    sim.run_until(until);
    Ok(WorkloadResult {
        events: sim.events(),
        delivered: sim.metrics().view().messages_delivered,
        trace_hash: sim.trace_hash(),
    })
}

/// The bytes one in-flight broadcast message occupies in the event queue (its
/// messages own no heap memory), not counting the queue's per-microsecond index.
pub fn in_flight_message_bytes() -> usize {
    queue_entry_size::<Broadcast>()
}
