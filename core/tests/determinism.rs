//! Property tests over random scenarios with random faults: the same scenario and
//! seed give the same fingerprint; a different seed gives a different run; seeking
//! back and playing again equals playing straight through; nothing panics.
//!
//! The case count defaults to a small number so the suite stays fast in debug
//! builds; set `PROPTEST_CASES` (e.g. `PROPTEST_CASES=2000 cargo test --release
//! --test determinism`) for a long soak.

#![cfg(not(target_arch = "wasm32"))]

use netsplit_core::event::Action;
use netsplit_core::network::Latency;
use netsplit_core::scenario::{GeneratorSpec, NetworkSpec, Scenario, TimelineEntry, Workload};
use netsplit_core::sim::Target;
use netsplit_core::{LabRun, build};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(48)
}

fn latency() -> impl Strategy<Value = Latency> {
    prop_oneof![
        (0u32..20).prop_map(|ms| Latency::Fixed { ms: f64::from(ms) }),
        (0u32..10, 0u32..20).prop_map(|(min, extra)| Latency::Uniform {
            min_ms: f64::from(min),
            max_ms: f64::from(min + extra),
        }),
        (0u32..20, 0u32..5).prop_map(|(mean, deviation)| Latency::Normal {
            mean_ms: f64::from(mean),
            std_dev_ms: f64::from(deviation),
        }),
    ]
}

/// Any action, with node ids that may or may not exist: the simulator must refuse
/// the impossible ones without panicking.
fn action() -> impl Strategy<Value = Action> {
    let node = 0u32..8;
    prop_oneof![
        node.clone().prop_map(|node| Action::Crash { node }),
        node.clone().prop_map(|node| Action::Restart { node }),
        node.clone().prop_map(|node| Action::Pause { node }),
        node.clone().prop_map(|node| Action::Resume { node }),
        Just(Action::AddNode),
        node.clone().prop_map(|node| Action::RemoveNode { node }),
        (node.clone(), node.clone()).prop_map(|(from, to)| Action::CutLink { from, to }),
        (node.clone(), node.clone()).prop_map(|(from, to)| Action::CutLinkBoth { from, to }),
        (node.clone(), node.clone()).prop_map(|(from, to)| Action::HealLink { from, to }),
        node.clone().prop_map(|node| Action::Isolate { node }),
        prop::collection::vec(prop::collection::vec(0u32..8, 0..4), 0..3)
            .prop_map(|groups| Action::Partition { groups }),
        Just(Action::HealAll),
        (
            node.clone(),
            node.clone(),
            latency(),
            prop::option::of(0.0f64..1.0)
        )
            .prop_map(|(from, to, latency, loss_probability)| Action::SetLink {
                from,
                to,
                latency: Some(latency),
                loss_probability,
            }),
        (node.clone(), 0u64..100).prop_map(|(node, value)| Action::ClientRequest {
            node,
            request: serde_json::json!({"op": "store", "value": value}),
        }),
        node.prop_map(|node| Action::ClientRequest {
            node,
            request: serde_json::json!({"op": "read"}),
        }),
    ]
}

prop_compose! {
    fn scenario()(
        nodes in 1u32..6,
        seed in any::<u64>(),
        latency in latency(),
        loss_probability in 0.0f64..0.3,
        duplicate_probability in 0.0f64..0.2,
        reorder_probability in 0.0f64..0.3,
        disk_write_latency_ms in 0u32..5,
        round_ms_min in 20u64..60,
        round_spread_ms in 1u64..40,
        deduplicate in any::<bool>(),
        timeline in prop::collection::vec((0u64..400, action()), 0..10),
        rate_per_second in prop::option::of(1.0f64..50.0),
        run_until_ms in 200u64..500,
    ) -> Scenario {
        Scenario {
            version: 1,
            lab: "broadcast".to_string(),
            title: None,
            description: None,
            params: serde_json::json!({
                "round_ms_min": round_ms_min,
                "round_ms_max": round_ms_min + round_spread_ms,
                "deduplicate": deduplicate,
            }),
            nodes,
            network: NetworkSpec {
                latency,
                loss_probability,
                duplicate_probability,
                reorder_probability,
                reorder_delay_ms: 15.0,
                links: Vec::new(),
            },
            disk_write_latency_ms: f64::from(disk_write_latency_ms),
            seed,
            workload: Workload {
                requests: Vec::new(),
                generator: rate_per_second.map(|rate_per_second| GeneratorSpec {
                    rate_per_second,
                    start_ms: 0,
                    stop_ms: None,
                    target: Target::Random,
                    request: serde_json::json!({"op": "store", "value": "$n"}),
                }),
            },
            timeline: timeline
                .into_iter()
                .map(|(at_ms, action)| TimelineEntry { at_ms: Some(at_ms), at_us: None, action })
                .collect(),
            run_until_ms: Some(run_until_ms),
            limits: Default::default(),
            liveness: Default::default(),
        }
    }
}

fn run_to_end(scenario: &Scenario) -> Box<dyn LabRun> {
    let mut lab = build(scenario).expect("generated scenarios are valid");
    lab.run_until(scenario.run_until_ms.unwrap_or(0) * 1_000);
    lab
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn the_same_scenario_and_seed_give_the_same_fingerprint(scenario in scenario()) {
        // Going through JSON also checks that a scenario survives being shared.
        let text = serde_json::to_string(&scenario).expect("serializes");
        let again = Scenario::parse(&text).expect("its own JSON is valid");
        let first = run_to_end(&scenario);
        let second = run_to_end(&again);
        prop_assert_eq!(first.trace_hash(), second.trace_hash());
        prop_assert_eq!(first.events(), second.events());
        prop_assert_eq!(first.metrics(), second.metrics());
    }

    #[test]
    fn a_different_seed_gives_a_different_run(scenario in scenario()) {
        // Timer jitter alone (round_ms_max > round_ms_min, and every run lasts
        // longer than a round) makes the seed matter, as long as some node lives
        // long enough to draw it: the timeline is left out because crashing every
        // node at time 0 leaves a run with no randomness at all.
        let mut scenario = scenario;
        scenario.timeline.clear();
        let mut other = scenario.clone();
        other.seed = scenario.seed.wrapping_add(1);
        prop_assert_ne!(run_to_end(&scenario).trace_hash(), run_to_end(&other).trace_hash());
    }

    #[test]
    fn seeking_back_then_playing_equals_playing_straight_through(
        scenario in scenario(),
        live_actions in prop::collection::vec((0u64..400_000, action()), 0..6),
        seek_to in 0u64..500_000,
    ) {
        let until = scenario.run_until_ms.unwrap_or(0) * 1_000;
        // The learner acts within the run, before its end.
        let mut live_actions: Vec<(u64, Action)> = live_actions
            .into_iter()
            .map(|(time, action)| (time % until.max(1), action))
            .collect();
        live_actions.sort_by_key(|(time, _)| *time);
        let mut straight = build(&scenario).expect("valid");
        for (time, action) in &live_actions {
            straight.run_until(*time);
            // Impossible actions are refused and not recorded; either way is fine.
            let _ = straight.apply(action.clone());
        }
        straight.run_until(until);
        let hash = straight.trace_hash();
        let events = straight.events();

        straight.seek(seek_to);
        prop_assert_eq!(straight.now(), seek_to.min(until));
        prop_assert!(!straight.forked());
        straight.run_until(until);
        prop_assert_eq!(straight.trace_hash(), hash);
        prop_assert_eq!(straight.events(), events);

        // The exported scenario reproduces the run too.
        let mut replay = build(&straight.scenario()).expect("the export is valid");
        replay.run_until(until);
        prop_assert_eq!(replay.trace_hash(), hash);
    }

    #[test]
    fn stepping_and_running_reach_the_same_state(scenario in scenario()) {
        let until = scenario.run_until_ms.unwrap_or(0) * 1_000;
        let mut stepped = build(&scenario).expect("valid");
        while stepped.next_event_time().is_some_and(|time| time < until) {
            prop_assert!(stepped.step());
        }
        let ran = run_to_end(&scenario);
        prop_assert_eq!(stepped.trace_hash(), ran.trace_hash());
        prop_assert_eq!(stepped.events(), ran.events());
    }
}

#[test]
fn every_preset_replays_identically_after_seeking_back() {
    for (name, text) in netsplit_core::catalogue::engine_presets() {
        let mut scenario = Scenario::parse(text).expect("presets are valid");
        scenario.limits.max_events = scenario.limits.max_events.min(20_000);
        let until = scenario.run_until_ms.unwrap_or(1_000) * 1_000;
        let mut lab = build(&scenario).expect("presets build");
        // The intervention lands off the millisecond grid that presets schedule
        // their own requests and faults on, so no two things share its microsecond.
        if lab.run_until(until / 3 + 137) == netsplit_core::RunStop::MaxEvents {
            // The event bound stopped the run between two events of one
            // microsecond, where an exported action cannot be placed exactly.
            continue;
        }
        // A learner intervenes once, part-way through.
        let _ = lab.apply(Action::Isolate { node: 0 });
        lab.run_until(until);
        let (hash, events) = (lab.trace_hash(), lab.events());
        lab.seek(until / 2);
        lab.run_until(until);
        assert_eq!(
            (lab.trace_hash(), lab.events()),
            (hash, events),
            "preset {name}"
        );
        let mut replay = build(&lab.scenario()).expect("the export is valid");
        replay.run_until(until);
        assert_eq!(replay.trace_hash(), hash, "preset {name} exported");
    }
}
