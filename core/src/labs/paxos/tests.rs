//! Tests of the Paxos rules, one per rule of "Paxos Made Simple", named as sentences. The rule
//! tests drive one node's handlers directly and read the effects it records (sans-IO: no
//! simulator, so each test sets up exactly the situation the paper describes). The engine
//! tests below them run whole scenarios: every bug switch breaking Agreement, a sweep of
//! random fault schedules that never breaks it, and dueling proposers with and without
//! back-off.

use super::invariants::Property;
use super::*;
use crate::Time;
use crate::lab::build_simulator;
use crate::protocol::Effect;
use crate::scenario::Scenario;
use crate::sim::Simulator;

const MEMBERS: [NodeId; 3] = [0, 1, 2];

fn node(id: NodeId) -> Paxos {
    Paxos::new(id, &MEMBERS, &Config::default())
}

fn node_with(id: NodeId, bugs: Bugs) -> Paxos {
    let config = Config {
        bugs,
        ..Config::default()
    };
    Paxos::new(id, &MEMBERS, &config)
}

fn ballot(round: u64, proposer: NodeId) -> Ballot {
    Ballot { round, proposer }
}

fn proposal(round: u64, proposer: NodeId, value: &str) -> Proposal {
    Proposal {
        ballot: ballot(round, proposer),
        value: value.to_string(),
    }
}

fn request(value: &str) -> Request {
    Request {
        value: value.to_string(),
    }
}

/// The messages recorded, with their receivers, in order.
fn sends(out: &PaxosOut) -> Vec<(NodeId, Message)> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { to, message } => Some((*to, message.clone())),
            _ => None,
        })
        .collect()
}

/// Whether a `Persist` was recorded before the first send.
fn persisted_before_sending(out: &PaxosOut) -> bool {
    let persist = out
        .effects()
        .iter()
        .position(|effect| matches!(effect, Effect::Persist));
    let send = out
        .effects()
        .iter()
        .position(|effect| matches!(effect, Effect::Send { .. }));
    matches!((persist, send), (Some(persist), Some(send)) if persist < send)
}

fn replies(out: &PaxosOut) -> Vec<(RequestId, Reply)> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::Reply { request, result } => Some((*request, result.clone())),
            _ => None,
        })
        .collect()
}

/// A proposer on node 0 that has sent phase 1a for "mine" in ballot 1.0.
fn preparing_proposer() -> Paxos {
    let mut proposer = node(0);
    proposer.receive_request(7, request("mine"), &mut PaxosOut::new());
    proposer
}

// ---- Phase 1a ----

#[test]
fn a_client_request_makes_the_node_send_a_prepare_to_every_acceptor() {
    let mut proposer = node(0);
    let mut out = PaxosOut::new();
    proposer.receive_request(7, request("mine"), &mut out);
    let prepares: Vec<NodeId> = sends(&out)
        .into_iter()
        .filter(|(_, message)| {
            *message
                == Message::Prepare(Prepare {
                    ballot: ballot(1, 0),
                })
        })
        .map(|(to, _)| to)
        .collect();
    assert_eq!(prepares, MEMBERS.to_vec());
}

#[test]
fn a_proposer_remembers_its_round_on_disk_before_any_prepare_leaves() {
    let mut proposer = node(0);
    let mut out = PaxosOut::new();
    proposer.receive_request(7, request("mine"), &mut out);
    assert!(persisted_before_sending(&out));
    assert_eq!(proposer.durable().round, 1);
}

#[test]
fn ballots_are_unique_because_they_carry_the_proposer_id() {
    let mut first = node(0);
    let mut second = node(1);
    let mut out = PaxosOut::new();
    first.receive_request(1, request("a"), &mut out);
    second.receive_request(2, request("b"), &mut out);
    let ballots: Vec<Ballot> = sends(&out)
        .into_iter()
        .filter_map(|(_, message)| match message {
            Message::Prepare(Prepare { ballot }) => Some(ballot),
            _ => None,
        })
        .collect();
    assert!(ballots.contains(&ballot(1, 0)) && ballots.contains(&ballot(1, 1)));
    assert!(
        ballot(1, 1) > ballot(1, 0),
        "the proposer id breaks the tie"
    );
    assert!(ballot(2, 0) > ballot(1, 1), "the round comes first");
}

#[test]
fn a_restarted_proposer_never_reuses_a_round() {
    let mut proposer = preparing_proposer();
    let durable = proposer.durable();
    proposer = Paxos::recover(0, &MEMBERS, &Config::default(), durable);
    let mut out = PaxosOut::new();
    proposer.receive_request(8, request("again"), &mut out);
    assert!(sends(&out).contains(&(
        1,
        Message::Prepare(Prepare {
            ballot: ballot(2, 0)
        })
    )));
}

// ---- Phase 1b ----

#[test]
fn an_acceptor_promises_a_higher_ballot_and_reports_its_highest_accepted_proposal() {
    let mut acceptor = node(1);
    acceptor.acceptor.promised = Some(ballot(1, 0));
    acceptor.acceptor.accepted = Some(proposal(1, 0, "old"));
    let mut out = PaxosOut::new();
    acceptor.receive_prepare(
        2,
        Prepare {
            ballot: ballot(2, 2),
        },
        &mut out,
    );
    assert_eq!(
        sends(&out),
        vec![(
            2,
            Message::Promise(Promise {
                ballot: ballot(2, 2),
                accepted: Some(proposal(1, 0, "old")),
            })
        )]
    );
    assert_eq!(acceptor.acceptor.promised, Some(ballot(2, 2)));
}

#[test]
fn a_promise_leaves_only_after_it_is_on_disk() {
    let mut acceptor = node(1);
    let mut out = PaxosOut::new();
    acceptor.receive_prepare(
        0,
        Prepare {
            ballot: ballot(1, 0),
        },
        &mut out,
    );
    assert!(persisted_before_sending(&out));
}

#[test]
fn an_acceptor_refuses_a_lower_ballot_with_a_nack_carrying_its_promise() {
    let mut acceptor = node(1);
    acceptor.acceptor.promised = Some(ballot(5, 2));
    let mut out = PaxosOut::new();
    acceptor.receive_prepare(
        0,
        Prepare {
            ballot: ballot(3, 0),
        },
        &mut out,
    );
    assert_eq!(
        sends(&out),
        vec![(
            0,
            Message::Nack(Nack {
                ballot: ballot(3, 0),
                promised: ballot(5, 2),
            })
        )]
    );
    assert_eq!(acceptor.acceptor.promised, Some(ballot(5, 2)));
}

#[test]
fn a_duplicated_prepare_gets_the_same_promise_again() {
    let mut acceptor = node(1);
    let mut out = PaxosOut::new();
    acceptor.receive_prepare(
        0,
        Prepare {
            ballot: ballot(1, 0),
        },
        &mut out,
    );
    acceptor.receive_prepare(
        0,
        Prepare {
            ballot: ballot(1, 0),
        },
        &mut out,
    );
    let promises = sends(&out)
        .iter()
        .filter(|(_, message)| matches!(message, Message::Promise(_)))
        .count();
    assert_eq!(promises, 2);
}

// ---- Phase 2a ----

#[test]
fn with_a_majority_of_promises_the_proposer_sends_the_highest_numbered_accepted_value() {
    let mut proposer = preparing_proposer();
    proposer.proposer.round_seen = 0;
    let mut out = PaxosOut::new();
    proposer.receive_promise(
        1,
        Promise {
            ballot: ballot(1, 0),
            accepted: None,
        },
        &mut out,
    );
    assert!(
        sends(&out).is_empty(),
        "one promise is not a majority of three"
    );
    // Only a majority's promises are needed; the highest-numbered report wins.
    let mut proposer = preparing_proposer();
    let mut out = PaxosOut::new();
    proposer.proposer.phase = Phase::Preparing {
        ballot: ballot(1, 0),
        promised_by: vec![2],
        highest_accepted: Some(proposal(0, 1, "older")),
    };
    proposer.receive_promise(
        1,
        Promise {
            ballot: ballot(1, 0),
            accepted: Some(proposal(0, 2, "newer")),
        },
        &mut out,
    );
    let accepts: Vec<Message> = sends(&out)
        .into_iter()
        .map(|(_, message)| message)
        .collect();
    assert_eq!(accepts.len(), 3);
    assert!(accepts.iter().all(|message| *message
        == Message::Accept(Accept {
            ballot: ballot(1, 0),
            value: "newer".to_string(),
        })));
}

#[test]
fn with_no_accepted_value_reported_the_proposer_sends_its_clients_value() {
    let mut proposer = preparing_proposer();
    let mut out = PaxosOut::new();
    for from in [0, 1] {
        proposer.receive_promise(
            from,
            Promise {
                ballot: ballot(1, 0),
                accepted: None,
            },
            &mut out,
        );
    }
    assert!(sends(&out).contains(&(
        2,
        Message::Accept(Accept {
            ballot: ballot(1, 0),
            value: "mine".to_string(),
        })
    )));
}

#[test]
fn a_promise_counted_twice_is_still_one_acceptor() {
    let mut proposer = preparing_proposer();
    let mut out = PaxosOut::new();
    for _ in 0..2 {
        proposer.receive_promise(
            1,
            Promise {
                ballot: ballot(1, 0),
                accepted: None,
            },
            &mut out,
        );
    }
    assert!(
        sends(&out).is_empty(),
        "a duplicated promise is not a majority"
    );
}

#[test]
fn the_proposer_ignores_promised_values_only_with_the_bug_switched_on() {
    let bugs = Bugs {
        proposer_ignores_promised_values: true,
        ..Bugs::default()
    };
    let mut proposer = node_with(0, bugs);
    proposer.receive_request(7, request("mine"), &mut PaxosOut::new());
    let mut out = PaxosOut::new();
    for from in [1, 2] {
        proposer.receive_promise(
            from,
            Promise {
                ballot: ballot(1, 0),
                accepted: Some(proposal(0, 1, "chosen before")),
            },
            &mut out,
        );
    }
    assert!(sends(&out).contains(&(
        1,
        Message::Accept(Accept {
            ballot: ballot(1, 0),
            value: "mine".to_string(),
        })
    )));
}

// ---- Phase 2b ----

#[test]
fn an_acceptor_accepts_unless_it_promised_a_higher_ballot() {
    let mut acceptor = node(1);
    acceptor.acceptor.promised = Some(ballot(2, 0));
    let mut out = PaxosOut::new();
    acceptor.receive_accept(
        2,
        Accept {
            ballot: ballot(1, 2),
            value: "late".to_string(),
        },
        &mut out,
    );
    assert_eq!(acceptor.acceptor.accepted, None);
    assert!(matches!(sends(&out)[..], [(2, Message::Nack(_))]));
    let mut out = PaxosOut::new();
    acceptor.receive_accept(
        0,
        Accept {
            ballot: ballot(2, 0),
            value: "on time".to_string(),
        },
        &mut out,
    );
    assert_eq!(acceptor.acceptor.accepted, Some(proposal(2, 0, "on time")));
}

#[test]
fn an_acceptance_is_on_disk_before_any_learner_hears_of_it() {
    let mut acceptor = node(1);
    let mut out = PaxosOut::new();
    acceptor.receive_accept(
        0,
        Accept {
            ballot: ballot(1, 0),
            value: "v".to_string(),
        },
        &mut out,
    );
    assert!(persisted_before_sending(&out));
    let learners: Vec<NodeId> = sends(&out).into_iter().map(|(to, _)| to).collect();
    assert_eq!(learners, MEMBERS.to_vec(), "every learner hears of it");
}

#[test]
fn the_acceptor_accepts_below_its_promise_only_with_the_bug_switched_on() {
    let bugs = Bugs {
        accept_without_promise_check: true,
        ..Bugs::default()
    };
    let mut acceptor = node_with(1, bugs);
    acceptor.acceptor.promised = Some(ballot(2, 0));
    acceptor.receive_accept(
        2,
        Accept {
            ballot: ballot(1, 2),
            value: "late".to_string(),
        },
        &mut PaxosOut::new(),
    );
    assert_eq!(acceptor.acceptor.accepted, Some(proposal(1, 2, "late")));
}

#[test]
fn a_restarted_acceptor_remembers_its_promise_and_acceptance() {
    let mut acceptor = node(1);
    acceptor.receive_accept(
        0,
        Accept {
            ballot: ballot(1, 0),
            value: "v".to_string(),
        },
        &mut PaxosOut::new(),
    );
    let restarted = Paxos::recover(1, &MEMBERS, &Config::default(), acceptor.durable());
    assert_eq!(restarted.acceptor, acceptor.acceptor);
    let bugs = Bugs {
        acceptor_forgets_on_restart: true,
        ..Bugs::default()
    };
    let config = Config {
        bugs,
        ..Config::default()
    };
    let forgetful = Paxos::recover(1, &MEMBERS, &config, acceptor.durable());
    assert_eq!(forgetful.acceptor, Acceptor::default());
}

// ---- Learning (2.3) ----

#[test]
fn a_learner_learns_once_a_majority_accepted_one_ballot_and_answers_its_clients() {
    let mut learner = preparing_proposer();
    let mut out = PaxosOut::new();
    let accepted = |round| Accepted {
        ballot: ballot(round, 2),
        value: "v".to_string(),
    };
    learner.receive_accepted(1, accepted(1), &mut out);
    learner.receive_accepted(2, accepted(2), &mut out);
    assert_eq!(
        learner.learner.learned, None,
        "two ballots are not one majority"
    );
    learner.receive_accepted(1, accepted(1), &mut out);
    assert_eq!(learner.learner.learned, None, "a duplicate counts once");
    learner.receive_accepted(0, accepted(1), &mut out);
    assert_eq!(learner.learner.learned.as_deref(), Some("v"));
    assert_eq!(
        replies(&out),
        vec![(
            7,
            Reply::Chosen {
                value: "v".to_string()
            }
        )]
    );
    let mut out = PaxosOut::new();
    learner.receive_request(9, request("other"), &mut out);
    assert_eq!(
        replies(&out),
        vec![(
            9,
            Reply::Chosen {
                value: "v".to_string()
            }
        )],
        "once learned, a client is answered at once with the chosen value"
    );
}

// ---- Progress (2.4) ----

#[test]
fn a_nack_makes_the_proposer_back_off_and_jump_past_the_promise() {
    let mut proposer = preparing_proposer();
    let mut out = PaxosOut::new();
    proposer.receive_nack(
        Nack {
            ballot: ballot(1, 0),
            promised: ballot(9, 2),
        },
        &mut out,
    );
    assert_eq!(proposer.proposer.phase, Phase::BackingOff);
    let config = Config::default();
    assert!(out.effects().contains(&Effect::SetTimer {
        timer: Timer::Retry,
        delay_min: config.backoff_ms_min * MICROS_PER_MS,
        delay_max: config.backoff_ms_max * MICROS_PER_MS,
    }));
    let mut out = PaxosOut::new();
    proposer.on_timer(
        &Context {
            id: 0,
            now: 0,
            nodes: &MEMBERS,
        },
        Timer::Retry,
        &mut out,
    );
    assert!(sends(&out).contains(&(
        1,
        Message::Prepare(Prepare {
            ballot: ballot(10, 0)
        })
    )));
}

#[test]
fn a_nack_for_an_abandoned_ballot_changes_nothing() {
    let mut proposer = preparing_proposer();
    let mut out = PaxosOut::new();
    proposer.receive_nack(
        Nack {
            ballot: ballot(0, 0),
            promised: ballot(3, 1),
        },
        &mut out,
    );
    assert!(matches!(proposer.proposer.phase, Phase::Preparing { .. }));
    assert!(out.effects().is_empty());
}

// ---- Whole runs on the engine ----

fn simulate(scenario: &Scenario, until_ms: u64) -> Simulator<Paxos> {
    let mut sim = build_simulator::<Paxos>(scenario).expect("the scenario is valid");
    sim.run_until(until_ms * MICROS_PER_MS);
    sim
}

fn preset(name: &str) -> Scenario {
    Scenario::parse(crate::presets::get(name).expect("the preset exists")).expect("it parses")
}

fn violated(sim: &Simulator<Paxos>) -> Vec<String> {
    sim.violations()
        .iter()
        .map(|violation| violation.property.clone())
        .collect()
}

/// Every bug preset breaks Agreement, and the same schedule with the switch off does not.
#[test]
fn every_bug_switch_breaks_agreement_and_the_same_run_without_it_does_not() {
    for (name, switch) in [
        (
            "paxos-bug-acceptor-forgets-on-restart",
            "acceptor_forgets_on_restart",
        ),
        (
            "paxos-bug-proposer-ignores-promised-values",
            "proposer_ignores_promised_values",
        ),
        (
            "paxos-bug-accept-without-promise-check",
            "accept_without_promise_check",
        ),
    ] {
        let scenario = preset(name);
        assert_eq!(
            scenario.params["bugs"][switch], true,
            "{name} switches {switch} on"
        );
        let until = scenario.run_until_ms.unwrap_or(2_000);
        let sim = simulate(&scenario, until);
        assert!(
            violated(&sim).contains(&Property::Agreement.name().to_string()),
            "{name}: {:?}",
            sim.violations()
        );
        let mut fixed = scenario.clone();
        fixed.params["bugs"][switch] = serde_json::Value::Bool(false);
        let sim = simulate(&fixed, until);
        assert!(
            sim.violations().is_empty(),
            "{name} without the bug: {:?}",
            sim.violations()
        );
    }
}

/// A deterministic stand-in for a property-test generator (splitmix64).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn probability(&mut self, max_percent: u64) -> f64 {
        self.below(max_percent + 1) as f64 / 100.0
    }
}

/// A random fault schedule: 3 or 5 nodes, a lossy, duplicating, reordering network, slow
/// disks, clients proposing different values at different nodes, crashes and restarts,
/// partitions and heals.
fn random_schedule(seed: u64, bugs: &Bugs) -> Scenario {
    let mut dice = Dice(seed);
    let nodes = if dice.below(2) == 0 { 3 } else { 5 };
    let mut requests = Vec::new();
    for client in 0..2 + dice.below(3) {
        requests.push(serde_json::json!({
            "at_ms": dice.below(1_500),
            "node": dice.below(nodes),
            "request": { "value": format!("v{client}") }
        }));
    }
    let mut timeline = Vec::new();
    for _ in 0..dice.below(5) {
        let node = dice.below(nodes);
        let at = dice.below(1_500);
        timeline
            .push(serde_json::json!({ "at_ms": at, "action": { "type": "crash", "node": node } }));
        timeline.push(serde_json::json!({
            "at_ms": at + 1 + dice.below(300),
            "action": { "type": "restart", "node": node }
        }));
    }
    for _ in 0..dice.below(3) {
        let at = dice.below(1_500);
        let minority: Vec<u64> = (0..nodes).filter(|_| dice.below(3) == 0).collect();
        timeline.push(serde_json::json!({
            "at_ms": at,
            "action": { "type": "partition", "groups": [minority] }
        }));
        timeline.push(serde_json::json!({
            "at_ms": at + dice.below(600),
            "action": { "type": "heal_all" }
        }));
    }
    let backoff_ms_min = dice.below(20);
    let text = serde_json::json!({
        "version": 1,
        "lab": "paxos",
        "nodes": nodes,
        "seed": seed,
        "params": {
            "ballot_timeout_ms": 50 + dice.below(200),
            "backoff_ms_min": backoff_ms_min,
            "backoff_ms_max": backoff_ms_min + dice.below(100),
            "bugs": bugs,
        },
        "network": {
            "latency": { "distribution": "uniform", "min_ms": 1, "max_ms": 1 + dice.below(40) },
            "loss_probability": dice.probability(20),
            "duplicate_probability": dice.probability(10),
            "reorder_probability": dice.probability(30),
            "reorder_delay_ms": 50
        },
        "disk_write_latency_ms": 1 + dice.below(30),
        "workload": { "requests": requests },
        "timeline": timeline,
    });
    let mut scenario = Scenario::parse(&text.to_string()).expect("a valid schedule");
    // Actions that cannot apply (restarting a node that is up) are skipped and noted.
    scenario.timeline.sort_by_key(|entry| entry.time());
    scenario
}

/// The seed count of the sweep; `NETSPLIT_SEEDS` raises it.
fn sweep_seeds() -> u64 {
    std::env::var("NETSPLIT_SEEDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2_000)
}

#[test]
fn random_fault_schedules_never_choose_two_values() {
    let mut decided = 0;
    let seeds = sweep_seeds();
    for seed in 0..seeds {
        let scenario = random_schedule(seed, &Bugs::default());
        let sim = simulate(&scenario, 3_000);
        assert!(
            sim.violations().is_empty(),
            "seed {seed} broke safety: {:?}",
            sim.violations()
        );
        if sim.metrics().gauges.contains_key("chosen_at_ms") {
            decided += 1;
        }
    }
    // Liveness is not promised, but nearly every schedule decides within 3 s.
    assert!(
        decided * 10 >= seeds * 9,
        "only {decided} of {seeds} schedules decided"
    );
}

/// How many of the first `seeds` random schedules break Agreement with `bugs` switched on.
fn schedules_breaking_agreement(bugs: &Bugs, seeds: u64) -> u64 {
    (0..seeds)
        .filter(|&seed| {
            let sim = simulate(&random_schedule(seed, bugs), 3_000);
            violated(&sim).contains(&Property::Agreement.name().to_string())
        })
        .count() as u64
}

#[test]
fn every_bug_switch_breaks_agreement_in_some_random_fault_schedules() {
    let seeds = sweep_seeds() / 4;
    let forgets = Bugs {
        acceptor_forgets_on_restart: true,
        ..Bugs::default()
    };
    let ignores = Bugs {
        proposer_ignores_promised_values: true,
        ..Bugs::default()
    };
    let no_check = Bugs {
        accept_without_promise_check: true,
        ..Bugs::default()
    };
    let counts: Vec<u64> = [forgets, ignores, no_check]
        .iter()
        .map(|bugs| schedules_breaking_agreement(bugs, seeds))
        .collect();
    eprintln!("schedules breaking Agreement out of {seeds}: {counts:?}");
    assert!(counts.iter().all(|&count| count > 0), "{counts:?}");
}

/// The dueling-proposers preset with back-off `[min, max]` ms under `seed`: whether a value
/// was chosen within the run, and the highest round any proposer reached.
fn duel(seed: u64, backoff_ms: (u64, u64)) -> (bool, u64) {
    let mut scenario = preset("paxos-dueling-proposers");
    scenario.seed = seed;
    scenario.params["backoff_ms_min"] = serde_json::json!(backoff_ms.0);
    scenario.params["backoff_ms_max"] = serde_json::json!(backoff_ms.1);
    let sim = simulate(&scenario, scenario.run_until_ms.unwrap_or(2_000));
    assert!(
        sim.violations().is_empty(),
        "seed {seed}: {:?}",
        sim.violations()
    );
    let gauges = &sim.metrics().gauges;
    (
        gauges.contains_key("chosen_at_ms"),
        gauges.get("highest_round").copied().unwrap_or(0.0) as u64,
    )
}

#[test]
fn randomized_back_off_settles_dueling_proposers_in_fewer_rounds_than_retrying_at_once() {
    let seeds = 100;
    let mut rounds = [0u64; 2];
    for (index, backoff_ms) in [(0, 0), (10, 100)].into_iter().enumerate() {
        for seed in 0..seeds {
            let (decided, round) = duel(seed, backoff_ms);
            assert!(
                decided,
                "seed {seed} with back-off {backoff_ms:?} decided nothing"
            );
            rounds[index] += round;
        }
    }
    let [at_once, backed_off] = rounds.map(|total| total as f64 / seeds as f64);
    eprintln!(
        "mean highest round over {seeds} seeds: {at_once} retrying at once, {backed_off} with back-off"
    );
    // Measured: 3.7 rounds retrying at once, 1.2 with a 10 to 100 ms back-off.
    assert!(
        at_once >= 3.0 && backed_off <= 1.5,
        "{at_once} and {backed_off}"
    );
}

/// What a preset's run shows: the values clients were answered, in request order, when the
/// value was chosen and first learned (ms), the highest round, and messages sent by kind.
fn figures(name: &str) -> (Vec<String>, f64, f64, u64, Vec<(String, u64)>) {
    let scenario = preset(name);
    let sim = simulate(&scenario, scenario.run_until_ms.unwrap_or(1_000));
    assert!(
        sim.violations().is_empty(),
        "{name}: {:?}",
        sim.violations()
    );
    let answers = sim
        .client_history()
        .iter()
        .map(|call| match &call.reply {
            Some(Reply::Chosen { value }) => value.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    let gauges = &sim.metrics().gauges;
    let view = sim.metrics().view();
    let sent = view
        .scalars()
        .into_iter()
        .filter_map(|(key, value)| Some((key.strip_prefix("sent.")?.to_string(), value as u64)))
        .collect();
    (
        answers,
        gauges["chosen_at_ms"],
        gauges["learned_at_ms"],
        gauges["highest_round"] as u64,
        sent,
    )
}

fn sent(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
    pairs
        .iter()
        .map(|(kind, count)| (kind.to_string(), *count))
        .collect()
}

#[test]
fn the_basic_preset_chooses_apple_before_anyone_learns_it_as_its_description_says() {
    let (answers, chosen_ms, learned_ms, round, messages) = figures("paxos-basic");
    assert_eq!(answers, vec!["apple", "apple"]);
    assert_eq!((chosen_ms, learned_ms, round), (129.179, 132.33, 1));
    let expected = [
        ("Accept", 5),
        ("Accepted", 25),
        ("Prepare", 5),
        ("Promise", 5),
    ];
    assert_eq!(messages, sent(&expected));
}

#[test]
fn the_dueling_preset_chooses_banana_after_six_nacks_as_its_description_says() {
    let (answers, chosen_ms, _, round, messages) = figures("paxos-dueling-proposers");
    assert_eq!(answers, vec!["banana", "banana"]);
    assert_eq!((chosen_ms, round), (42.735, 1));
    let expected = [
        ("Accept", 10),
        ("Accepted", 25),
        ("Nack", 6),
        ("Prepare", 10),
        ("Promise", 9),
    ];
    assert_eq!(messages, sent(&expected));
}

#[test]
fn the_acceptor_crash_preset_chooses_apple_without_the_crashed_minority() {
    let (answers, chosen_ms, _, round, _) = figures("paxos-acceptor-crash");
    assert_eq!(answers, vec!["apple", "apple"]);
    assert_eq!((chosen_ms, round), (140.039, 1));
}

#[test]
fn each_bug_preset_breaks_the_properties_its_description_names_at_the_times_it_quotes() {
    for (name, expected) in [
        (
            "paxos-bug-proposer-ignores-promised-values",
            &[("Agreement", 314_224), ("Learners agree", 319_224)][..],
        ),
        (
            "paxos-bug-acceptor-forgets-on-restart",
            &[("Agreement", 218_000), ("Learners agree", 223_000)][..],
        ),
        (
            "paxos-bug-accept-without-promise-check",
            &[("Agreement", 323_000), ("Promises kept", 323_000)][..],
        ),
    ] {
        let scenario = preset(name);
        let sim = simulate(&scenario, scenario.run_until_ms.unwrap_or(1_000));
        let found: Vec<(&str, Time)> = sim
            .violations()
            .iter()
            .map(|violation| (violation.property.as_str(), violation.time))
            .collect();
        assert_eq!(found, expected, "{name}");
        let (answers, ..) = (sim
            .client_history()
            .iter()
            .filter_map(|call| call.reply.clone())
            .count(),);
        assert!(answers > 0, "{name}: some client is answered");
    }
}
