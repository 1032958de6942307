//! Tests of the Paxos rules, one per rule of "Paxos Made Simple", named as sentences. The rule
//! tests drive one node's handlers directly and read the effects it records (sans-IO: no
//! simulator, so each test sets up exactly the situation the paper describes). The engine
//! tests below them run whole scenarios: every bug switch breaking Agreement, a sweep of
//! random fault schedules that never breaks it, and dueling proposers with and without
//! back-off. The Flexible Paxos tests cite Howard, Malkhi and Spiegelman, "Flexible Paxos:
//! Quorum intersection revisited" (2016), as "FPaxos".

use proptest::prelude::*;

use super::invariants::Property;
use super::lab::PROGRESS;
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

// ---- Flexible quorums (FPaxos section 3) ----

const SIX: [NodeId; 6] = [0, 1, 2, 3, 4, 5];

/// A node of six acceptors with phase-1 quorum `q1` and phase-2 quorum `q2`.
fn flexible_node(id: NodeId, q1: usize, q2: usize) -> Paxos {
    let config = Config {
        phase1_quorum: Some(q1),
        phase2_quorum: Some(q2),
        ..Config::default()
    };
    Paxos::new(id, &SIX, &config)
}

fn accepts_sent(out: &PaxosOut) -> usize {
    sends(out)
        .iter()
        .filter(|(_, message)| matches!(message, Message::Accept(_)))
        .count()
}

#[test]
fn quorums_default_to_a_majority_of_the_acceptors() {
    let six = Paxos::new(0, &SIX, &Config::default());
    assert_eq!((six.phase1_quorum(), six.phase2_quorum()), (4, 4));
    let three = node(0);
    assert_eq!((three.phase1_quorum(), three.phase2_quorum()), (2, 2));
}

#[test]
fn a_proposer_needs_q1_promises_before_it_sends_phase_2a() {
    // FPaxos section 3: phase 2 may start once a phase-1 quorum has promised, whatever its
    // size relative to a majority.
    let mut proposer = flexible_node(0, 5, 2);
    proposer.receive_request(7, request("mine"), &mut PaxosOut::new());
    let promise = Promise {
        ballot: ballot(1, 0),
        accepted: None,
    };
    let mut out = PaxosOut::new();
    for acceptor in 0..4 {
        proposer.receive_promise(acceptor, promise.clone(), &mut out);
    }
    assert_eq!(accepts_sent(&out), 0, "four promises are not Q1 = 5");
    proposer.receive_promise(4, promise, &mut out);
    assert_eq!(
        accepts_sent(&out),
        SIX.len(),
        "the fifth promise completes phase 1"
    );
}

#[test]
fn a_value_is_chosen_when_q2_acceptors_accept() {
    // FPaxos section 3: a value is decided once a phase-2 quorum has accepted it; a
    // learner counting Q2 = 2 of six learns after two acceptances, below a majority.
    let mut learner = flexible_node(5, 5, 2);
    let accepted = Accepted {
        ballot: ballot(1, 0),
        value: "v".to_string(),
    };
    let mut out = PaxosOut::new();
    learner.receive_accepted(0, accepted.clone(), &mut out);
    assert_eq!(
        learner.learner.learned, None,
        "one acceptance is not Q2 = 2"
    );
    learner.receive_accepted(1, accepted, &mut out);
    assert_eq!(learner.learner.learned.as_deref(), Some("v"));
}

#[test]
fn a_learner_never_counts_two_values_of_one_ballot_together() {
    // Section 2.2 (and FPaxos section 3): a value is chosen when a quorum accepted *it*;
    // two acceptances of different values in one (non-unique) ballot are two proposals.
    let mut learner = node(2);
    let mut out = PaxosOut::new();
    for (acceptor, value) in [(0, "a"), (1, "b")] {
        learner.receive_accepted(
            acceptor,
            Accepted {
                ballot: ballot(1, 0),
                value: value.to_string(),
            },
            &mut out,
        );
    }
    assert_eq!(learner.learner.learned, None);
}

/// A scenario of `nodes` nodes with the given quorums, as JSON text.
fn quorum_scenario(nodes: u32, q1: u64, q2: u64) -> Scenario {
    let text = serde_json::json!({
        "version": 1,
        "lab": "paxos",
        "nodes": nodes,
        "params": { "phase1_quorum": q1, "phase2_quorum": q2 },
    });
    Scenario::parse(&text.to_string()).expect("it parses")
}

#[test]
fn a_quorum_size_outside_one_to_the_acceptor_count_is_refused_naming_the_field() {
    for (q1, q2, field) in [
        (7, 3, "params.phase1_quorum"),
        (0, 3, "params.phase1_quorum"),
        (4, 7, "params.phase2_quorum"),
        (4, 0, "params.phase2_quorum"),
    ] {
        let error = crate::catalogue::build(&quorum_scenario(6, q1, q2))
            .err()
            .unwrap_or_else(|| panic!("Q1 {q1}, Q2 {q2} of 6 is refused"));
        match error {
            crate::scenario::ScenarioError::Invalid { path, reason } => {
                assert_eq!(path, field, "Q1 {q1}, Q2 {q2}: {reason}");
                assert!(reason.contains("between 1 and"), "{reason}");
            }
            other => panic!("Q1 {q1}, Q2 {q2}: {other:?}"),
        }
    }
    for (q1, q2) in [(1, 6), (6, 1), (4, 3), (3, 3)] {
        assert!(
            crate::catalogue::build(&quorum_scenario(6, q1, q2)).is_ok(),
            "Q1 {q1}, Q2 {q2} of 6 is accepted (3 + 3 is unsafe, and allowed on purpose)"
        );
    }
}

#[test]
fn without_the_proposer_id_two_proposers_issue_the_same_ballot_only_with_the_bug_switched_on() {
    // Section 2.5: "different proposers choose their numbers from disjoint sets of numbers".
    let first_ballots = |bugs: Bugs| {
        let mut out = PaxosOut::new();
        node_with(0, bugs.clone()).receive_request(1, request("a"), &mut out);
        node_with(2, bugs).receive_request(2, request("b"), &mut out);
        let mut ballots: Vec<Ballot> = sends(&out)
            .into_iter()
            .filter_map(|(_, message)| match message {
                Message::Prepare(Prepare { ballot }) => Some(ballot),
                _ => None,
            })
            .collect();
        ballots.dedup();
        ballots
    };
    let bug = Bugs {
        ballots_without_proposer_id: true,
        ..Bugs::default()
    };
    assert_eq!(first_ballots(bug), vec![ballot(1, 0)]);
    assert_eq!(
        first_ballots(Bugs::default()),
        vec![ballot(1, 0), ballot(1, 2)]
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
        (
            "paxos-bug-ballots-not-unique",
            "ballots_without_proposer_id",
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
    let same_ballots = Bugs {
        ballots_without_proposer_id: true,
        ..Bugs::default()
    };
    let counts: Vec<u64> = [forgets, ignores, no_check, same_ballots]
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
        (
            "paxos-bug-ballots-not-unique",
            &[("Agreement", 29_000), ("Learners agree", 34_000)][..],
        ),
        (
            "paxos-bug-flexible-quorums-disjoint",
            &[("Agreement", 28_000), ("Learners agree", 33_000)][..],
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

/// A preset's run with `params` patched (each `(field, value)` set at the top level of
/// `params`): the answers clients got in request order, when the value was chosen (ms, if
/// it was), the highest round, the violated properties and the missed expectations.
struct Outcome {
    answers: Vec<String>,
    chosen_ms: Option<f64>,
    round: u64,
    violated: Vec<String>,
    warned: Vec<(String, Time)>,
    sent: Vec<(String, u64)>,
}

fn outcome(name: &str, patch: &[(&str, serde_json::Value)]) -> Outcome {
    let mut scenario = preset(name);
    for (field, value) in patch {
        scenario.params[*field] = value.clone();
    }
    let sim = simulate(&scenario, scenario.run_until_ms.unwrap_or(1_000));
    let gauges = &sim.metrics().gauges;
    let view = sim.metrics().view();
    Outcome {
        answers: sim
            .client_history()
            .iter()
            .map(|call| match &call.reply {
                Some(Reply::Chosen { value }) => value.clone(),
                other => format!("{other:?}"),
            })
            .collect(),
        chosen_ms: gauges.get("chosen_at_ms").copied(),
        round: gauges.get("highest_round").copied().unwrap_or(0.0) as u64,
        violated: violated(&sim),
        warned: sim
            .warnings()
            .iter()
            .map(|warning| (warning.property.clone(), warning.time))
            .collect(),
        sent: view
            .scalars()
            .into_iter()
            .filter_map(|(key, value)| Some((key.strip_prefix("sent.")?.to_string(), value as u64)))
            .collect(),
    }
}

#[test]
fn disjoint_quorums_choose_two_values_and_intersecting_ones_one_as_the_preset_says() {
    // FPaxos section 3: with Q1 + Q2 <= N a phase-1 quorum can miss every acceptor of a
    // phase-2 quorum. Here each side of the partition is both.
    let name = "paxos-bug-flexible-quorums-disjoint";
    let broken = outcome(name, &[]);
    assert_eq!(broken.answers, vec!["apple", "banana"]);
    assert_eq!(broken.chosen_ms, Some(28.0));
    let fixed = outcome(name, &[("phase1_quorum", serde_json::json!(4))]);
    assert!(fixed.violated.is_empty(), "{:?}", fixed.violated);
    assert_eq!(fixed.answers, vec!["apple", "apple"]);
    assert_eq!((fixed.chosen_ms, fixed.round), (Some(504.678), 3));
}

#[test]
fn a_phase_2_quorum_of_three_survives_three_crashes_and_phase_1_waits_for_a_fourth_acceptor() {
    // FPaxos section 4: a smaller Q2 tolerates more failures in phase 2 and pays with a
    // larger Q1.
    let name = "paxos-flexible-n6-q1-4-q2-3";
    let flexible = outcome(name, &[]);
    assert!(flexible.violated.is_empty(), "{:?}", flexible.violated);
    assert_eq!(flexible.answers, vec!["apple", "apple"]);
    assert_eq!((flexible.chosen_ms, flexible.round), (Some(28.0), 3));
    let scenario = preset(name);
    let sim = simulate(&scenario, scenario.run_until_ms.unwrap_or(1_000));
    let answered_ms: Vec<f64> = sim
        .client_history()
        .iter()
        .filter_map(|call| call.replied_at)
        .map(|time| time as f64 / 1_000.0)
        .collect();
    assert_eq!(answered_ms, vec![33.0, 867.838]);
    // Majorities of six (4 and 4): the same crashes leave phase 2 one acceptor short.
    let majority = outcome(name, &[("phase2_quorum", serde_json::json!(4))]);
    assert!(majority.violated.is_empty(), "{:?}", majority.violated);
    assert_eq!(majority.chosen_ms, Some(862.838));
}

#[test]
fn the_ballots_preset_chooses_one_value_once_ballots_carry_the_proposer_id() {
    let name = "paxos-bug-ballots-not-unique";
    let broken = outcome(name, &[]);
    assert_eq!(broken.answers, vec!["apple", "banana"]);
    assert_eq!((broken.chosen_ms, broken.round), (Some(28.0), 1));
    let mut fixed_scenario = preset(name);
    fixed_scenario.params["bugs"]["ballots_without_proposer_id"] = serde_json::json!(false);
    let sim = simulate(&fixed_scenario, 1_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let answers: Vec<Option<Reply>> = sim
        .client_history()
        .iter()
        .map(|call| call.reply.clone())
        .collect();
    let banana = Some(Reply::Chosen {
        value: "banana".to_string(),
    });
    assert_eq!(answers, vec![banana.clone(), banana]);
}

#[test]
fn dueling_proposers_without_back_off_livelock_and_with_it_settle_as_the_presets_say() {
    // Section 2.4: two proposers can keep preempting each other; a randomized back-off
    // lets one finish. The pair differs only in the back-off range.
    let livelock = outcome("paxos-bug-dueling-proposers-livelock", &[]);
    assert!(livelock.violated.is_empty(), "{:?}", livelock.violated);
    assert_eq!(livelock.chosen_ms, None);
    assert_eq!(livelock.warned, vec![(PROGRESS.to_string(), 119_000)]);
    assert_eq!(livelock.round, 166);
    assert!(livelock.answers.iter().all(|answer| answer == "None"));
    assert_eq!(
        livelock.sent.iter().find(|(kind, _)| kind == "Nack"),
        Some(&("Nack".to_string(), 658))
    );
    let settled = outcome("paxos-dueling-proposers-with-backoff", &[]);
    assert!(settled.violated.is_empty() && settled.warned.is_empty());
    assert_eq!(settled.answers, vec!["banana", "banana"]);
    assert_eq!((settled.chosen_ms, settled.round), (Some(53.0), 2));
    let mut livelock_scenario = preset("paxos-bug-dueling-proposers-livelock");
    let settled_scenario = preset("paxos-dueling-proposers-with-backoff");
    livelock_scenario.params = settled_scenario.params.clone();
    livelock_scenario.liveness = settled_scenario.liveness;
    livelock_scenario.title = settled_scenario.title.clone();
    livelock_scenario.description = settled_scenario.description.clone();
    assert_eq!(
        livelock_scenario, settled_scenario,
        "the two presets differ in the back-off only"
    );
}

#[test]
fn a_value_chosen_before_round_ten_meets_the_progress_expectation() {
    for name in [
        "paxos-basic",
        "paxos-dueling-proposers",
        "paxos-acceptor-crash",
        "paxos-flexible-n6-q1-4-q2-3",
    ] {
        assert!(outcome(name, &[]).warned.is_empty(), "{name}");
    }
}

/// A random fault schedule run with `nodes` acceptors and quorums `q1`, `q2`.
fn flexible_schedule(seed: u64, nodes: u32, q1: usize, q2: usize) -> Scenario {
    let mut scenario = random_schedule(seed, &Bugs::default());
    // The schedule names nodes below 5; more nodes only add acceptors.
    scenario.nodes = scenario.nodes.max(nodes);
    scenario.params["phase1_quorum"] = serde_json::json!(q1);
    scenario.params["phase2_quorum"] = serde_json::json!(q2);
    scenario
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// FPaxos section 3: any Q1 + Q2 > N is safe, whatever the faults.
    #[test]
    fn flexible_paxos_with_intersecting_quorums_never_chooses_two_values(
        seed in any::<u64>(),
        nodes in 5u32..=7,
        q2_share in 0.0f64..1.0,
        q1_extra in 0usize..3,
    ) {
        let n = nodes as usize;
        let q2 = 1 + ((q2_share * n as f64) as usize).min(n - 1);
        let q1 = (n - q2 + 1 + q1_extra).min(n);
        prop_assert!(q1 + q2 > n);
        let scenario = flexible_schedule(seed, nodes, q1, q2);
        let sim = simulate(&scenario, 3_000);
        prop_assert!(
            sim.violations().is_empty(),
            "seed {seed}, N {n}, Q1 {q1}, Q2 {q2}: {:?}",
            sim.violations()
        );
    }
}
