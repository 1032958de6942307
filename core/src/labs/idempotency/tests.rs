//! Tests of idempotency keys and retries, one per rule, named as sentences: the rule tests
//! drive one node's handlers directly (sans-IO); the engine tests run the presets and a
//! property test of random timeouts, retries and faults.

use proptest::prelude::*;

use super::lab::{EXACTLY_ONCE, double_charges};
use super::*;
use crate::lab::build_simulator;
use crate::protocol::Effect;
use crate::scenario::Scenario;
use crate::sim::Simulator;

const MEMBERS: [NodeId; 3] = [CLIENT, SERVICE, PROCESSOR];

fn node(id: NodeId, keys: Keys) -> Node {
    let config = Config {
        keys,
        ..Config::default()
    };
    Node::new(id, &MEMBERS, &config)
}

fn sends(out: &IdemOut) -> Vec<(NodeId, Message)> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { to, message } => Some((*to, message.clone())),
            _ => None,
        })
        .collect()
}

fn persisted_before_sending(out: &IdemOut) -> bool {
    let effects = out.effects();
    let persist = effects
        .iter()
        .position(|effect| matches!(effect, Effect::Persist));
    let send = effects
        .iter()
        .position(|effect| matches!(effect, Effect::Send { .. }));
    matches!((persist, send), (Some(persist), Some(send)) if persist < send)
}

fn charge(attempt: u32) -> Charge {
    Charge {
        payment: 1,
        key: Some("key-1".to_string()),
        amount: 500,
        attempt,
    }
}

fn retry_range(out: &IdemOut) -> Option<(Time, Time)> {
    out.effects().iter().find_map(|effect| match effect {
        Effect::SetTimer {
            timer: Timer::Retry(_),
            delay_min,
            delay_max,
        } => Some((*delay_min, *delay_max)),
        _ => None,
    })
}

#[test]
fn the_client_sends_the_same_key_on_every_attempt() {
    let mut client = node(CLIENT, Keys::RecordedFirst);
    let mut out = IdemOut::new();
    client.client_pay(0, Request { amount: 500 }, &mut out);
    client.client_attempt(1, &mut out);
    let keys: Vec<Option<String>> = sends(&out)
        .into_iter()
        .filter_map(|(_, message)| match message {
            Message::Charge(charge) => Some(charge.key),
            _ => None,
        })
        .collect();
    assert_eq!(keys, vec![Some("key-1".to_string()); 2]);
}

#[test]
fn without_keys_the_client_sends_no_key() {
    let mut client = node(CLIENT, Keys::None);
    let mut out = IdemOut::new();
    client.client_pay(0, Request { amount: 500 }, &mut out);
    assert!(matches!(
        &sends(&out)[0].1,
        Message::Charge(Charge { key: None, .. })
    ));
}

#[test]
fn the_back_off_doubles_with_every_attempt_up_to_its_cap_and_full_jitter_draws_from_zero() {
    let mut client = node(CLIENT, Keys::RecordedFirst);
    client.client_pay(0, Request { amount: 500 }, &mut IdemOut::new());
    let mut bounds = Vec::new();
    for _ in 0..4 {
        let mut out = IdemOut::new();
        client.client_timeout(1, &mut out);
        bounds.push(retry_range(&out).expect("a retry is armed"));
        client.client_attempt(1, &mut IdemOut::new());
    }
    // Base 50 ms, cap 1 s: 50, 100, 200, 400 ms, each drawn from zero.
    let ms = MICROS_PER_MS;
    assert_eq!(
        bounds,
        vec![(0, 50 * ms), (0, 100 * ms), (0, 200 * ms), (0, 400 * ms)]
    );
}

#[test]
fn without_jitter_the_back_off_is_exactly_its_bound() {
    let config = Config {
        jitter: false,
        ..Config::default()
    };
    let mut client = Node::new(CLIENT, &MEMBERS, &config);
    client.client_pay(0, Request { amount: 500 }, &mut IdemOut::new());
    let mut out = IdemOut::new();
    client.client_timeout(1, &mut out);
    assert_eq!(
        retry_range(&out),
        Some((50 * MICROS_PER_MS, 50 * MICROS_PER_MS))
    );
}

#[test]
fn the_client_gives_up_after_its_last_attempt() {
    let config = Config {
        attempts_max: 1,
        ..Config::default()
    };
    let mut client = Node::new(CLIENT, &MEMBERS, &config);
    client.client_pay(0, Request { amount: 500 }, &mut IdemOut::new());
    let mut out = IdemOut::new();
    client.client_timeout(1, &mut out);
    assert!(out.effects().iter().any(|effect| matches!(
        effect,
        Effect::Reply {
            result: Reply::GaveUp { payment: 1 },
            ..
        }
    )));
}

#[test]
fn the_correct_service_records_the_key_before_it_calls_the_processor_and_passes_the_key_on() {
    let mut service = node(SERVICE, Keys::RecordedFirst);
    let mut out = IdemOut::new();
    service.service_charge(charge(1), &mut out);
    assert!(persisted_before_sending(&out));
    assert_eq!(service.durable().keys[0].key, "key-1");
    assert!(matches!(
        &sends(&out)[0],
        (PROCESSOR, Message::Process(Process { key: Some(_), .. }))
    ));
}

#[test]
fn a_retry_whose_key_has_a_stored_response_is_replayed_without_a_new_charge() {
    let mut service = node(SERVICE, Keys::RecordedFirst);
    service.service_charge(charge(1), &mut IdemOut::new());
    service.service_charged(Charged { call: 0, charge: 7 }, &mut IdemOut::new());
    let mut out = IdemOut::new();
    service.service_charge(charge(2), &mut out);
    assert_eq!(
        sends(&out),
        vec![(
            CLIENT,
            Message::Receipt(Receipt {
                payment: 1,
                charge: 7,
                replayed: true
            })
        )]
    );
}

#[test]
fn the_service_stores_the_response_before_it_sends_the_receipt() {
    let mut service = node(SERVICE, Keys::RecordedFirst);
    service.service_charge(charge(1), &mut IdemOut::new());
    let mut out = IdemOut::new();
    service.service_charged(Charged { call: 0, charge: 7 }, &mut out);
    assert!(persisted_before_sending(&out));
    assert_eq!(service.durable().keys[0].charge, Some(7));
}

#[test]
fn a_retry_of_an_unfinished_key_asks_the_processor_again_with_the_same_key() {
    let mut service = node(SERVICE, Keys::RecordedFirst);
    service.service_charge(charge(1), &mut IdemOut::new());
    let mut out = IdemOut::new();
    service.service_charge(charge(2), &mut out);
    assert!(matches!(
        &sends(&out)[0],
        (PROCESSOR, Message::Process(Process { key: Some(key), .. })) if key == "key-1"
    ));
}

#[test]
fn the_processor_answers_a_key_it_has_charged_with_the_same_charge() {
    let mut processor = node(PROCESSOR, Keys::RecordedFirst);
    let process = |call| Process {
        payment: 1,
        key: Some("key-1".to_string()),
        amount: 500,
        call,
    };
    processor.processor_process(process(0), 0, &mut IdemOut::new());
    processor.processor_process(process(1), 0, &mut IdemOut::new());
    assert_eq!(processor.durable().charges.len(), 1);
    let answers: Vec<u64> = processor
        .processor
        .queue
        .iter()
        .map(|entry| entry.2)
        .collect();
    assert_eq!(answers, vec![1, 1]);
}

#[test]
fn the_processor_works_one_request_at_a_time() {
    let mut processor = node(PROCESSOR, Keys::None);
    let process = Process {
        payment: 1,
        key: None,
        amount: 500,
        call: 0,
    };
    let mut out = IdemOut::new();
    processor.processor_process(process.clone(), 0, &mut out);
    processor.processor_process(process, 0, &mut out);
    let delays: Vec<Time> = out
        .effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::SetTimer { delay_min, .. } => Some(*delay_min),
            _ => None,
        })
        .collect();
    assert_eq!(delays, vec![5 * MICROS_PER_MS, 10 * MICROS_PER_MS]);
}

#[test]
fn a_service_that_records_the_key_after_the_charge_calls_the_processor_again_for_a_retry_in_flight()
{
    let mut service = node(SERVICE, Keys::RecordedAfterCharge);
    let mut first = IdemOut::new();
    service.service_charge(charge(1), &mut first);
    assert!(!persisted_before_sending(&first));
    let mut out = IdemOut::new();
    service.service_charge(charge(2), &mut out);
    assert!(matches!(
        &sends(&out)[0],
        (PROCESSOR, Message::Process(Process { key: None, .. }))
    ));
}

// ---- Whole runs ----

fn preset(name: &str) -> Scenario {
    Scenario::parse(crate::presets::get(name).expect("the preset exists")).expect("it parses")
}

fn simulate(scenario: &Scenario) -> Simulator<Node> {
    let mut sim = build_simulator::<Node>(scenario).expect("the scenario is valid");
    sim.run_until(scenario.run_until_ms.unwrap_or(2_000) * MICROS_PER_MS);
    sim
}

fn gauge(sim: &Simulator<Node>, name: &str) -> f64 {
    sim.metrics().gauge(name).unwrap_or(f64::NAN)
}

fn sent(sim: &Simulator<Node>, kind: &str) -> u64 {
    sim.metrics().kind(kind).map_or(0, |counts| counts.sent)
}

fn latencies_ms(sim: &Simulator<Node>) -> Vec<f64> {
    sim.client_history()
        .iter()
        .filter_map(|call| Some((call.replied_at? - call.invoked_at) as f64 / 1_000.0))
        .collect()
}

#[test]
fn with_keys_a_retried_payment_is_charged_once() {
    let sim = simulate(&preset("idempotency-keys"));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert_eq!(gauge(&sim, "charges"), 2.0);
    assert_eq!(gauge(&sim, "payments_paid"), 2.0);
    assert_eq!(sent(&sim, "Charge"), 4);
    assert_eq!(latencies_ms(&sim), vec![154.432, 162.09]);
}

#[test]
fn without_a_key_both_retried_payments_are_charged_twice() {
    let sim = simulate(&preset("idempotency-bug-no-key"));
    assert_eq!(sim.violations()[0].time, 180_064);
    assert_eq!(gauge(&sim, "charges"), 4.0);
    assert_eq!(gauge(&sim, "double_charges"), 2.0);
}

#[test]
fn a_key_recorded_after_the_charge_lets_a_retry_in_flight_charge_again() {
    let sim = simulate(&preset("idempotency-bug-key-recorded-after-charge"));
    assert_eq!(sim.violations()[0].time, 541_426);
    assert_eq!(double_charges(&sim), vec![(2, vec![2, 3])]);
    assert_eq!(gauge(&sim, "charges"), 3.0);
}

#[test]
fn the_retry_storm_makes_177_attempts_for_100_payments_and_224_with_jitter() {
    let mut scenario = preset("idempotency-retry-storm");
    let sim = simulate(&scenario);
    assert!(sim.violations().is_empty());
    assert_eq!(gauge(&sim, "charges"), 100.0);
    assert_eq!(gauge(&sim, "payments_paid"), 100.0);
    assert_eq!((sent(&sim, "Charge"), sent(&sim, "Process")), (177, 168));
    let slowest = latencies_ms(&sim).into_iter().fold(0.0, f64::max);
    assert_eq!(slowest, 535.304);
    scenario.params["jitter"] = serde_json::json!(true);
    let jittered = simulate(&scenario);
    assert!(jittered.violations().is_empty());
    assert_eq!(sent(&jittered, "Charge"), 224);
}

#[test]
fn each_broken_variant_charges_a_retried_payment_twice_in_its_preset() {
    for name in [
        "idempotency-bug-no-key",
        "idempotency-bug-key-recorded-after-charge",
    ] {
        let sim = simulate(&preset(name));
        let violated: Vec<&str> = sim
            .violations()
            .iter()
            .map(|violation| violation.property.as_str())
            .collect();
        assert_eq!(violated, vec![EXACTLY_ONCE], "{name}");
        assert!(!double_charges(&sim).is_empty(), "{name}");
    }
}

/// A tiny deterministic generator for building random schedules.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn random_schedule(seed: u64, keys: Keys) -> Scenario {
    let mut dice = Dice(seed);
    let requests: Vec<serde_json::Value> = (0..1 + dice.below(6))
        .map(|index| {
            serde_json::json!({
                "at_ms": dice.below(1_000),
                "node": 0,
                "request": { "amount": 100 + index }
            })
        })
        .collect();
    let mut timeline = Vec::new();
    for _ in 0..dice.below(3) {
        let node = 1 + dice.below(2);
        let at = dice.below(1_500);
        timeline
            .push(serde_json::json!({ "at_ms": at, "action": { "type": "crash", "node": node } }));
        timeline.push(serde_json::json!({
            "at_ms": at + 1 + dice.below(300),
            "action": { "type": "restart", "node": node }
        }));
    }
    let base = dice.below(100);
    let text = serde_json::json!({
        "version": 1,
        "lab": "idempotency",
        "nodes": 3,
        "seed": seed,
        "params": {
            "keys": keys,
            "timeout_ms": 10 + dice.below(200),
            "backoff_ms_base": base,
            "backoff_ms_max": base + dice.below(500),
            "jitter": dice.below(2) == 0,
            "attempts_max": 1 + dice.below(8),
            "processing_ms": dice.below(200),
        },
        "network": {
            "latency": { "distribution": "uniform", "min_ms": 1, "max_ms": 1 + dice.below(50) },
            "loss_probability": dice.below(30) as f64 / 100.0,
            "duplicate_probability": dice.below(20) as f64 / 100.0,
        },
        "disk_write_latency_ms": 1 + dice.below(20),
        "workload": { "requests": requests },
        "timeline": timeline,
        "run_until_ms": 5_000,
    });
    let mut scenario = Scenario::parse(&text.to_string()).expect("a valid schedule");
    scenario.timeline.sort_by_key(|entry| entry.time());
    scenario
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Keys recorded first and passed on never charge a payment twice, whatever the timeouts,
    /// retries, losses, duplicates and crashes of the service and the processor.
    #[test]
    fn the_correct_variant_never_charges_twice_under_random_timeouts_and_retries(seed in any::<u64>()) {
        let sim = simulate(&random_schedule(seed, Keys::RecordedFirst));
        prop_assert!(sim.violations().is_empty(), "seed {seed}: {:?}", sim.violations());
    }
}
