//! Property tests on random runs of the engine: Lamport clocks respect the space-time
//! diagram's happens-before (`crate::spacetime::causality`), vector clocks characterise it
//! exactly, HLC stays within the clock skew of physical time, and a snapshot on FIFO
//! channels adds up to the bank's total; TrueTime's commit wait keeps external consistency
//! under every skew within `ε`, and skipping it is caught (the check agreeing, run by run,
//! with a search of the client history for two writes out of order).
//!
//! Each run is a few hundred events, short enough that every node keeps all its stamps
//! (fewer than [`super::STAMPS_KEPT`]) and the trace keeps every entry, so each of the
//! diagram's events can be paired with its stamp.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::json;

use super::clock::Stamp;
use super::{EventKind, Node, Reply, STAMPS_KEPT};
use crate::lab::{LabRun, ProtocolLab, build_protocol_lab};
use crate::scenario::Scenario;
use crate::spacetime::{Causal, SpacetimeEvent, SpacetimeKind, causality};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    }
}

/// A random run: 2 to 4 nodes, random clocks (drawn from the seed within random bounds),
/// a random workload pace and latency, and a snapshot from a random node at a random time.
fn scenario(
    nodes: u32,
    seed: u64,
    interval_ms: u64,
    latency_ms_max: u64,
    offset_us_max: u64,
    drift_ppm_max: u64,
    snapshot_ms: u64,
) -> Scenario {
    let text = json!({
        "version": 1, "lab": "clocks", "nodes": nodes, "seed": seed,
        "params": {
            "interval_ms_min": interval_ms, "interval_ms_max": interval_ms * 3,
            "offset_us_max": offset_us_max, "drift_ppm_max": drift_ppm_max,
        },
        "network": { "latency": { "distribution": "uniform", "min_ms": 1, "max_ms": latency_ms_max } },
        "workload": { "requests": [
            { "at_ms": snapshot_ms, "node": seed % u64::from(nodes), "request": { "op": "snapshot" } }
        ] },
    });
    Scenario::from_json(&text.to_string()).expect("a valid scenario")
}

fn runs() -> impl Strategy<Value = Scenario> {
    (
        2u32..=4,
        any::<u64>(),
        4u64..20,
        1u64..40,
        0u64..50_000,
        0u64..1_000,
        10u64..150,
    )
        .prop_map(
            |(nodes, seed, interval, latency, offset, drift, snapshot)| {
                scenario(nodes, seed, interval, latency, offset, drift, snapshot)
            },
        )
}

/// The events of the diagram the protocol stamps (sends, deliveries, timers, client
/// requests), each with its stamp, pairing each lane's events with its node's stamps in
/// order and checking that their kinds agree.
fn stamped_events(
    lab: &ProtocolLab<Node>,
    events: &[SpacetimeEvent],
) -> Result<Vec<Option<Stamp>>, TestCaseError> {
    let sim = lab.sim();
    let mut next = vec![0usize; sim.node_count() as usize];
    let mut stamps = Vec::with_capacity(events.len());
    for event in events {
        let expected = match event.kind {
            SpacetimeKind::Send => "send",
            SpacetimeKind::Deliver => "receive",
            SpacetimeKind::Timer | SpacetimeKind::ClientRequest => "local",
            _ => {
                stamps.push(None);
                continue;
            }
        };
        let node = sim.node(event.node).expect("a lane is a node");
        prop_assert!(node.stamps.len() < STAMPS_KEPT, "the run kept every stamp");
        let index = next[event.node as usize];
        next[event.node as usize] += 1;
        let stamped = node.stamps.get(index);
        prop_assert!(stamped.is_some(), "n{} has no stamp {index}", event.node);
        let stamped = stamped.expect("checked");
        let kind = match stamped.kind {
            EventKind::Send { .. } => "send",
            EventKind::Receive { .. } => "receive",
            EventKind::Local => "local",
        };
        prop_assert_eq!(kind, expected, "n{} event {}", event.node, index);
        prop_assert_eq!(stamped.time, event.time);
        stamps.push(Some(stamped.stamp.clone()));
    }
    for (id, _, node) in sim.nodes() {
        prop_assert_eq!(
            next[id as usize],
            node.stamps.len(),
            "every stamp of n{} paired",
            id
        );
    }
    Ok(stamps)
}

/// Whether some node handled two events (not sends) in the same microsecond.
fn two_handlers_at_one_instant(lab: &ProtocolLab<Node>) -> bool {
    lab.sim().nodes().any(|(_, _, node)| {
        let handled: Vec<u64> = node
            .stamps
            .iter()
            .filter(|event| !matches!(event.kind, EventKind::Send { .. }))
            .map(|event| event.time)
            .collect();
        handled.windows(2).any(|pair| pair[0] == pair[1])
    })
}

fn run(scenario: &Scenario, until: u64) -> ProtocolLab<Node> {
    let mut lab = build_protocol_lab::<Node>(scenario).expect("valid");
    lab.run_until(until);
    lab
}

/// How long a store run lasts, in ms; at most 1,000 ppm of drift adds 300 µs of error.
const STORE_RUN_MS: u64 = 300;

/// A random store run: 2 to 4 leaders, ε from 0.5 to 8 ms, each clock's offset and drift
/// drawn so that its error stays within ε for the whole run, and writes sent to random
/// leaders at 50 to 1,000 a second.
#[derive(Debug, Clone)]
struct StoreRun {
    seed: u64,
    nodes: u32,
    epsilon_us: u64,
    /// Per node: offset as thousandths of the room left by the drift, and drift in ppm.
    clocks: Vec<(i64, i64)>,
    rate_per_second: u64,
}

fn store_runs() -> impl Strategy<Value = StoreRun> {
    (
        any::<u64>(),
        2u32..=4,
        500u64..8_000,
        proptest::collection::vec((-1_000i64..=1_000, -1_000i64..=1_000), 4),
        50u64..1_000,
    )
        .prop_map(
            |(seed, nodes, epsilon_us, clocks, rate_per_second)| StoreRun {
                seed,
                nodes,
                epsilon_us,
                clocks,
                rate_per_second,
            },
        )
}

fn run_store(case: &StoreRun, skip_commit_wait: bool) -> ProtocolLab<Node> {
    // 1,000 ppm over the run is STORE_RUN_MS µs; the offset gets the rest of ε.
    let room = case.epsilon_us as i64 - STORE_RUN_MS as i64;
    let clocks: Vec<_> = case
        .clocks
        .iter()
        .map(|&(offset, drift)| json!({ "offset_us": room * offset / 1_000, "drift_ppm": drift }))
        .collect();
    let text = json!({
        "version": 1, "lab": "clocks", "nodes": case.nodes, "seed": case.seed,
        "params": {
            "clocks": clocks, "epsilon_us": case.epsilon_us,
            "skip_commit_wait": skip_commit_wait, "workload_until_ms": 0,
        },
        "workload": { "generator": {
            "rate_per_second": case.rate_per_second, "target": "random",
            "request": { "op": "write", "value": "$n" },
        } },
    });
    let scenario = Scenario::from_json(&text.to_string()).expect("a valid scenario");
    run(&scenario, STORE_RUN_MS * 1_000)
}

/// Two acknowledged writes out of order, found by comparing every pair in the client
/// history: `T1` answered before `T2` was sent, yet `s1 >= s2`.
fn writes_out_of_order(lab: &ProtocolLab<Node>) -> Option<(u64, u64)> {
    let acknowledged: Vec<(u64, u64, u64, i64)> = lab
        .sim()
        .client_history()
        .iter()
        .filter_map(|call| match (&call.reply, call.replied_at) {
            (Some(Reply::Write(reply)), Some(at)) if reply.committed => {
                Some((call.id, call.invoked_at, at, reply.timestamp))
            }
            _ => None,
        })
        .collect();
    acknowledged.iter().find_map(|&(first, _, answered, s1)| {
        acknowledged
            .iter()
            .find(|&&(_, sent, _, s2)| answered < sent && s1 >= s2)
            .map(|&(second, ..)| (first, second))
    })
}

fn properties_broken(lab: &ProtocolLab<Node>) -> Vec<&str> {
    lab.violations()
        .iter()
        .map(|violation| violation.property.as_str())
        .collect()
}

/// Skipping commit wait is caught on some random run, and on every run the check fires
/// exactly when the client history holds two writes out of order. The cases come from
/// the property's own generator with proptest's fixed seed, so this can fail: it does if
/// no run is caught.
#[test]
fn skipping_commit_wait_is_caught_on_some_random_run_exactly_when_writes_are_out_of_order() {
    let mut runner = TestRunner::deterministic();
    let mut caught = 0;
    for _ in 0..config().cases {
        let case = store_runs()
            .new_tree(&mut runner)
            .expect("a case")
            .current();
        let lab = run_store(&case, true);
        let broken = properties_broken(&lab);
        assert!(
            !broken.contains(&"TrueTime interval holds true time"),
            "{case:?}"
        );
        let fired = broken.contains(&"External consistency");
        assert_eq!(fired, writes_out_of_order(&lab).is_some(), "{case:?}");
        caught += usize::from(fired);
    }
    assert!(caught > 0, "no run without commit wait was caught");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn commit_wait_keeps_external_consistency_under_every_skew_within_epsilon(case in store_runs()) {
        let lab = run_store(&case, false);
        prop_assert!(lab.violations().is_empty(), "{:?}", lab.violations());
        prop_assert_eq!(writes_out_of_order(&lab), None);
        prop_assert!(lab.metrics().gauges.get("writes_committed").is_some_and(|&writes| writes > 0.0));
    }

    #[test]
    fn lamport_clocks_respect_happens_before_and_vector_clocks_characterise_it(scenario in runs()) {
        let lab = run(&scenario, 250_000);
        // The diagram places a send after the last event its node handled at that
        // microsecond; when a node handles two events in one microsecond (rare: a timer and
        // a delivery that coincide) it cannot tell which one sent, so such runs are skipped.
        prop_assume!(!two_handlers_at_one_instant(&lab));
        let window = lab.spacetime(0, lab.now(), 100_000);
        prop_assert!(!window.capped() && !window.before_retained);
        let stamps = stamped_events(&lab, &window.events)?;
        for (a, event) in window.events.iter().enumerate() {
            let Some(stamp_a) = &stamps[a] else { continue };
            let Some(marks) = causality(&window.events, event.seq) else { continue };
            for (b, mark) in marks.iter().enumerate() {
                let Some(stamp_b) = &stamps[b] else { continue };
                match mark {
                    Causal::Selected => {}
                    Causal::Past => {
                        prop_assert!(stamp_b.lamport < stamp_a.lamport, "L respects b -> a");
                        prop_assert!(stamp_b.vector.before(&stamp_a.vector), "V(b) < V(a) for b -> a");
                    }
                    Causal::Future => {
                        prop_assert!(stamp_a.lamport < stamp_b.lamport, "L respects a -> b");
                        prop_assert!(stamp_a.vector.before(&stamp_b.vector), "V(a) < V(b) for a -> b");
                    }
                    Causal::Concurrent => {
                        prop_assert!(
                            !stamp_a.vector.before(&stamp_b.vector) && !stamp_b.vector.before(&stamp_a.vector),
                            "concurrent events {} and {} have incomparable vectors, not {} and {}",
                            a, b, stamp_a.vector.render(), stamp_b.vector.render()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hlc_stays_within_the_clock_skew_of_physical_time(scenario in runs()) {
        let lab = run(&scenario, 250_000);
        let sim = lab.sim();
        let clocks: Vec<_> = sim.nodes().map(|(_, _, node)| node.clock).collect();
        let mut events = 0;
        for (_, _, node) in sim.nodes() {
            for event in &node.stamps {
                let epsilon = super::lab::skew(&clocks, event.time);
                prop_assert!(event.stamp.hlc.l >= event.pt);
                prop_assert!(event.stamp.hlc.l - event.pt <= epsilon,
                    "l - pt = {} > ε = {}", event.stamp.hlc.l - event.pt, epsilon);
                events += 1;
            }
        }
        prop_assert!(events > 0);
        prop_assert!(lab.violations().is_empty(), "{:?}", lab.violations());
    }

    #[test]
    fn a_snapshot_on_fifo_channels_sums_to_the_total(scenario in runs()) {
        let lab = run(&scenario, 1_500_000);
        prop_assert!(lab.violations().is_empty(), "{:?}", lab.violations());
        let gauges = lab.metrics().gauges;
        prop_assert_eq!(gauges.get("snapshots_completed"), Some(&1.0));
        prop_assert_eq!(gauges.get("snapshot_sum"), gauges.get("snapshot_expected"));
    }
}
