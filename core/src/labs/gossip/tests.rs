//! Tests of SWIM's rules, one per rule of the paper, named as sentences. The rule tests
//! drive one member's handlers directly and read the effects it records (sans-IO: each test
//! sets up exactly the situation the paper describes). The engine tests below them run
//! whole scenarios: a join spreading to every view, and a property test over random crash
//! schedules on a network that loses nothing, where no member may ever be declared dead
//! while it runs.

use proptest::prelude::*;

use super::lab::NO_HEALTHY_MEMBER_DECLARED_DEAD;
use super::*;
use crate::lab::build_simulator;
use crate::protocol::{Effect, MICROS_PER_MS, Out};
use crate::scenario::Scenario;

type SwimOut = Out<Message, Timer, Reply>;

const MEMBERS: [NodeId; 8] = [0, 1, 2, 3, 4, 5, 6, 7];

fn config() -> Config {
    Config {
        seed: Some(1),
        ..Config::default()
    }
}

fn member(id: NodeId, config: &Config) -> Swim {
    Swim::new(id, &MEMBERS, config)
}

fn at(id: NodeId, now: Time) -> Context<'static> {
    Context {
        id,
        now,
        nodes: &MEMBERS,
    }
}

fn sends(out: &SwimOut) -> Vec<(NodeId, Message)> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { to, message } => Some((*to, message.clone())),
            _ => None,
        })
        .collect()
}

const PERIOD: Time = 200 * MICROS_PER_MS;

/// Starts a protocol period at `now` and returns the probe's target and sequence number.
fn probe(swim: &mut Swim, now: Time) -> (NodeId, u64) {
    let mut out = SwimOut::new();
    swim.on_timer(&at(swim.id, now), Timer::ProtocolPeriod, &mut out);
    let probe = swim.probe.clone().expect("a member with peers probes one");
    (probe.target, probe.seq)
}

fn status_of(swim: &Swim, other: NodeId) -> Status {
    swim.member(other).expect("a known member").status
}

#[test]
fn each_protocol_period_a_member_pings_one_other_member_and_arms_the_ping_timeout() {
    // Section 3.1: "each member Mi picks a random member Mj from its membership list and
    // sends a ping message to Mj".
    let mut swim = member(0, &config());
    let mut out = SwimOut::new();
    swim.on_timer(&at(0, 0), Timer::ProtocolPeriod, &mut out);
    let sent = sends(&out);
    assert_eq!(sent.len(), 1);
    assert_ne!(sent[0].0, 0);
    assert!(matches!(sent[0].1, Message::Ping(_)));
    assert!(out.effects().contains(&Effect::SetTimer {
        timer: Timer::PingTimeout,
        delay_min: 60 * MICROS_PER_MS,
        delay_max: 60 * MICROS_PER_MS,
    }));
    assert!(out.effects().contains(&Effect::SetTimer {
        timer: Timer::ProtocolPeriod,
        delay_min: PERIOD,
        delay_max: PERIOD,
    }));
}

#[test]
fn a_ping_is_answered_with_an_ack_of_the_same_sequence_number() {
    let mut swim = member(3, &config());
    let mut out = SwimOut::new();
    swim.on_message(
        &at(3, 0),
        5,
        Message::Ping(Ping {
            seq: 42,
            updates: Vec::new(),
        }),
        &mut out,
    );
    assert_eq!(
        sends(&out),
        vec![(
            5,
            Message::Ack(Ack {
                seq: 42,
                target: 3,
                updates: Vec::new()
            })
        )]
    );
}

#[test]
fn without_a_direct_ack_in_time_k_other_members_are_asked_to_probe_the_target() {
    // Section 3.1: Mi "selects k members at random from its membership list and sends each
    // of them a ping-req(Mj) message".
    let mut swim = member(0, &config());
    let (target, seq) = probe(&mut swim, 0);
    let mut out = SwimOut::new();
    swim.on_timer(&at(0, 60 * MICROS_PER_MS), Timer::PingTimeout, &mut out);
    let mut helpers: Vec<NodeId> = sends(&out)
        .into_iter()
        .map(|(to, message)| {
            assert!(
                matches!(message, Message::PingReq(PingReq { seq: s, target: t, .. }) if s == seq && t == target)
            );
            to
        })
        .collect();
    helpers.sort_unstable();
    helpers.dedup();
    assert_eq!(helpers.len(), 3);
    assert!(!helpers.contains(&target) && !helpers.contains(&0));
}

#[test]
fn with_the_no_indirect_probes_bug_no_ping_req_is_sent() {
    let mut config = config();
    config.bugs.no_indirect_probes = true;
    let mut swim = member(0, &config);
    probe(&mut swim, 0);
    let mut out = SwimOut::new();
    swim.on_timer(&at(0, 60 * MICROS_PER_MS), Timer::PingTimeout, &mut out);
    assert!(sends(&out).is_empty());
}

#[test]
fn a_member_asked_to_ping_req_pings_the_target_and_relays_its_ack_to_the_requester() {
    let mut helper = member(4, &config());
    let mut out = SwimOut::new();
    helper.on_message(
        &at(4, 0),
        0,
        Message::PingReq(PingReq {
            seq: 9,
            target: 6,
            updates: Vec::new(),
        }),
        &mut out,
    );
    let sent = sends(&out);
    let Message::Ping(Ping { seq: relay_seq, .. }) = sent[0].1 else {
        panic!("a ping to the target, got {sent:?}");
    };
    assert_eq!(sent[0].0, 6);
    let mut out = SwimOut::new();
    helper.on_message(
        &at(4, 1_000),
        6,
        Message::Ack(Ack {
            seq: relay_seq,
            target: 6,
            updates: Vec::new(),
        }),
        &mut out,
    );
    assert_eq!(
        sends(&out),
        vec![(
            0,
            Message::Ack(Ack {
                seq: 9,
                target: 6,
                updates: Vec::new()
            })
        )]
    );
}

#[test]
fn a_relayed_ack_completes_the_probe_and_nobody_is_suspected() {
    let mut swim = member(0, &config());
    let (target, seq) = probe(&mut swim, 0);
    let mut out = SwimOut::new();
    swim.on_message(
        &at(0, 100 * MICROS_PER_MS),
        2,
        Message::Ack(Ack {
            seq,
            target,
            updates: Vec::new(),
        }),
        &mut out,
    );
    probe(&mut swim, PERIOD);
    assert_eq!(status_of(&swim, target), Status::Alive);
}

#[test]
fn a_target_that_acks_neither_directly_nor_indirectly_by_the_end_of_the_period_is_suspected() {
    // Section 4.2: a member that fails a probe is marked Suspected, not failed.
    let mut swim = member(0, &config());
    let (target, _) = probe(&mut swim, 0);
    probe(&mut swim, PERIOD);
    assert_eq!(status_of(&swim, target), Status::Suspect);
    assert_eq!(swim.suspicions_started, 1);
    assert!(swim.buffer.iter().any(|waiting| waiting.update
        == Update {
            member: target,
            status: Status::Suspect,
            incarnation: 0
        }));
}

#[test]
fn with_the_no_suspicion_bug_one_failed_probe_declares_the_target_dead() {
    // Section 3: the basic protocol declares a member failed on one failed probe.
    let mut config = config();
    config.bugs.no_suspicion = true;
    let mut swim = member(0, &config);
    let (target, _) = probe(&mut swim, 0);
    probe(&mut swim, PERIOD);
    assert_eq!(status_of(&swim, target), Status::Dead);
    assert_eq!(swim.confirmed, vec![(target, PERIOD)]);
}

#[test]
fn a_suspicion_unrefuted_for_the_suspicion_timeout_becomes_a_confirmation() {
    let mut swim = member(0, &config());
    let (target, _) = probe(&mut swim, 0);
    probe(&mut swim, PERIOD);
    // The target is never heard from again; acks for later probes of others arrive.
    for period in 2..=5 {
        let now = PERIOD * period;
        let (next, seq) = probe(&mut swim, now);
        swim.on_message(
            &at(0, now + 1),
            next,
            Message::Ack(Ack {
                seq,
                target: next,
                updates: Vec::new(),
            }),
            &mut SwimOut::new(),
        );
        assert_ne!(status_of(&swim, target), Status::Dead, "period {period}");
    }
    probe(&mut swim, PERIOD * 6);
    assert_eq!(status_of(&swim, target), Status::Dead);
    assert_eq!(swim.confirmed, vec![(target, PERIOD * 6)]);
}

#[test]
fn a_suspected_member_refutes_by_raising_its_incarnation_and_disseminating_alive() {
    // Section 4.2: "Mj increments its incarnation number and disseminates an Alive message".
    let mut swim = member(3, &config());
    let mut out = SwimOut::new();
    swim.on_message(
        &at(3, 0),
        1,
        Message::Ping(Ping {
            seq: 1,
            updates: vec![Update {
                member: 3,
                status: Status::Suspect,
                incarnation: 0,
            }],
        }),
        &mut out,
    );
    assert_eq!(swim.incarnation, 1);
    let sent = sends(&out);
    let Message::Ack(ack) = &sent[0].1 else {
        panic!("an ack");
    };
    assert!(ack.updates.contains(&Update {
        member: 3,
        status: Status::Alive,
        incarnation: 1
    }));
}

#[test]
fn the_override_rules_of_section_4_2_hold() {
    let held = |status, incarnation| Member {
        id: 1,
        status,
        incarnation,
        suspected_at: None,
    };
    let update = |status, incarnation| Update {
        member: 1,
        status,
        incarnation,
    };
    use Status::{Alive, Dead, Suspect};
    // Alive(i) overrides Suspect(j) and Alive(j) only when i > j.
    assert!(Swim::overrides(&held(Suspect, 1), &update(Alive, 2)));
    assert!(!Swim::overrides(&held(Suspect, 1), &update(Alive, 1)));
    assert!(Swim::overrides(&held(Alive, 1), &update(Alive, 2)));
    assert!(!Swim::overrides(&held(Alive, 1), &update(Alive, 1)));
    // Suspect(i) overrides Suspect(j) when i > j, and Alive(j) when i >= j.
    assert!(Swim::overrides(&held(Suspect, 1), &update(Suspect, 2)));
    assert!(!Swim::overrides(&held(Suspect, 1), &update(Suspect, 1)));
    assert!(Swim::overrides(&held(Alive, 1), &update(Suspect, 1)));
    assert!(!Swim::overrides(&held(Alive, 2), &update(Suspect, 1)));
    // Confirm overrides anything, and nothing overrides it.
    assert!(Swim::overrides(&held(Alive, 9), &update(Dead, 0)));
    assert!(!Swim::overrides(&held(Dead, 0), &update(Alive, 9)));
}

#[test]
fn an_update_is_piggybacked_at_most_lambda_log_n_times_and_then_leaves_the_buffer() {
    // Section 4.1: each update is piggybacked a bounded number of times, λ log n.
    let mut swim = member(0, &config());
    swim.apply(
        0,
        Update {
            member: 5,
            status: Status::Suspect,
            incarnation: 0,
        },
    );
    let times = 3 * log2_ceil(MEMBERS.len());
    assert_eq!(times, 9);
    for _ in 0..times {
        assert_eq!(swim.piggyback().len(), 1);
    }
    assert!(swim.piggyback().is_empty());
    assert!(swim.buffer.is_empty());
}

#[test]
fn a_message_carries_at_most_piggyback_max_updates_those_sent_least_first() {
    let mut config = config();
    config.piggyback_max = 2;
    let mut swim = member(0, &config);
    for member in [1, 2, 3] {
        swim.apply(
            0,
            Update {
                member,
                status: Status::Suspect,
                incarnation: 0,
            },
        );
    }
    let first: Vec<NodeId> = swim
        .piggyback()
        .iter()
        .map(|update| update.member)
        .collect();
    assert_eq!(first, vec![1, 2]);
    let second: Vec<NodeId> = swim
        .piggyback()
        .iter()
        .map(|update| update.member)
        .collect();
    assert_eq!(second, vec![3, 1]);
}

#[test]
fn round_robin_probes_every_other_member_once_per_pass() {
    // Section 4.3: targets are visited in a random order, each once per traversal.
    let config = Config {
        probe_order: ProbeOrder::RoundRobin,
        ..config()
    };
    let mut swim = member(0, &config);
    for pass in 0..3u64 {
        let mut targets: Vec<NodeId> = (0..7u64)
            .map(|index| {
                let now = PERIOD * (pass * 7 + index);
                let (target, seq) = probe(&mut swim, now);
                swim.on_message(
                    &at(0, now + 1),
                    target,
                    Message::Ack(Ack {
                        seq,
                        target,
                        updates: Vec::new(),
                    }),
                    &mut SwimOut::new(),
                );
                target
            })
            .collect();
        targets.sort_unstable();
        assert_eq!(targets, vec![1, 2, 3, 4, 5, 6, 7], "pass {pass}");
    }
}

fn scenario(json: serde_json::Value) -> Scenario {
    serde_json::from_value(json).expect("a valid scenario")
}

#[test]
fn a_member_that_joins_announces_itself_and_every_view_learns_of_it() {
    let scenario = scenario(serde_json::json!({
        "version": 1, "lab": "gossip", "nodes": 6, "seed": 3,
        "params": { "seed": 3 },
        "network": { "latency": { "distribution": "uniform", "min_ms": 2, "max_ms": 10 } },
        "timeline": [ { "at_ms": 500, "action": { "type": "add_node" } } ]
    }));
    let mut sim = build_simulator::<Swim>(&scenario).expect("valid");
    sim.run_until(4_000 * MICROS_PER_MS);
    for (id, _, swim) in sim.nodes() {
        if id != 6 {
            assert_eq!(
                swim.member(6).map(|entry| entry.status),
                Some(Status::Alive),
                "n{id}"
            );
        }
    }
    assert!(sim.violations().is_empty() && sim.warnings().is_empty());
}

/// A run of `nodes` members on a network that loses nothing, where each of `crashes`
/// (member, time in ms, restart after ms) crashes and may come back.
fn crash_schedule(
    nodes: u32,
    seed: u64,
    probe_order: &str,
    crashes: &[(u32, u64, Option<u64>)],
) -> Scenario {
    let mut timeline = Vec::new();
    for &(node, at_ms, restart_after) in crashes {
        let node = node % nodes;
        timeline.push(
            serde_json::json!({ "at_ms": at_ms, "action": { "type": "crash", "node": node } }),
        );
        if let Some(after) = restart_after {
            timeline.push(serde_json::json!({ "at_ms": at_ms + after, "action": { "type": "restart", "node": node } }));
        }
    }
    scenario(serde_json::json!({
        "version": 1, "lab": "gossip", "nodes": nodes, "seed": seed,
        "params": { "seed": seed, "probe_order": probe_order },
        "network": { "latency": { "distribution": "uniform", "min_ms": 1, "max_ms": 25 } },
        "timeline": timeline,
        "run_until_ms": 6_000
    }))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// With suspicion, on a network that loses nothing, no healthy member is ever declared
    /// dead, whatever members crash and restart, and when (sections 3.1 and 4.2). A member
    /// that restarts while it is suspected may still be confirmed dead if its refutation
    /// is late: the check excuses a verdict formed while the member was down.
    #[test]
    fn swim_with_suspicion_declares_no_running_member_dead_when_nothing_is_lost(
        seed in any::<u64>(),
        nodes in 4u32..=12,
        round_robin in any::<bool>(),
        crashes in proptest::collection::vec((0u32..12, 0u64..5_000, proptest::option::of(1u64..2_000)), 0..5),
    ) {
        let order = if round_robin { "round_robin" } else { "random" };
        let scenario = crash_schedule(nodes, seed, order, &crashes);
        let mut sim = build_simulator::<Swim>(&scenario).expect("valid");
        sim.run_until(6_000 * MICROS_PER_MS);
        prop_assert!(
            sim.violations().is_empty(),
            "seed {seed}, {nodes} members, crashes {crashes:?}: {:?}",
            sim.violations()
        );
    }
}

#[test]
fn the_no_suspicion_bug_declares_a_running_member_dead_and_the_check_fires() {
    // The checker's own test: a slow but lossless member, without suspicion, is evicted.
    let links: Vec<serde_json::Value> = (0..6)
        .filter(|&other| other != 2)
        .map(|other| {
            serde_json::json!({ "from": 2, "to": other, "both_directions": true,
            "latency": { "distribution": "fixed", "ms": 150 } })
        })
        .collect();
    let scenario = scenario(serde_json::json!({
        "version": 1, "lab": "gossip", "nodes": 6, "seed": 1,
        "params": { "seed": 1, "bugs": { "no_suspicion": true } },
        "network": { "latency": { "distribution": "fixed", "ms": 5 }, "links": links }
    }));
    let mut sim = build_simulator::<Swim>(&scenario).expect("valid");
    sim.run_until(3_000 * MICROS_PER_MS);
    assert_eq!(
        sim.violations()
            .first()
            .map(|violation| violation.property.as_str()),
        Some(NO_HEALTHY_MEMBER_DECLARED_DEAD)
    );
}

#[test]
fn a_crashed_member_is_no_false_positive_and_views_agree_on_its_death() {
    let scenario = crash_schedule(6, 2, "random", &[(4, 300, None)]);
    let mut sim = build_simulator::<Swim>(&scenario).expect("valid");
    sim.run_until(6_000 * MICROS_PER_MS);
    assert!(sim.violations().is_empty());
    for (id, status, swim) in sim.nodes() {
        if status == crate::event::NodeStatus::Up {
            assert_eq!(status_of(swim, 4), Status::Dead, "n{id}");
        }
    }
}

#[test]
fn in_the_crash_preset_n0_answers_32_alive_before_the_crash_and_n7_dead_after_it() {
    let text = crate::presets::get("gossip-crash-detected").expect("the preset exists");
    let scenario = Scenario::parse(text).expect("the preset parses");
    let mut run = crate::catalogue::build(&scenario).expect("the preset builds");
    run.run_until(6_000 * MICROS_PER_MS);
    let history = run.client_history();
    let alive = |index: usize| {
        history[index]["reply"]["alive"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(alive(0), 32);
    assert_eq!(alive(1), 31);
    assert_eq!(history[1]["reply"]["dead"], serde_json::json!([7]));
}

#[test]
fn a_members_suspect_and_dead_counts_follow_its_list() {
    let mut swim = member(0, &config());
    let update = |member, status| Update {
        member,
        status,
        incarnation: 0,
    };
    swim.apply(0, update(1, Status::Suspect));
    swim.apply(0, update(2, Status::Suspect));
    swim.apply(0, update(1, Status::Dead));
    swim.apply(0, update(9, Status::Dead));
    assert_eq!((swim.suspects, swim.dead), (1, 2));
}
