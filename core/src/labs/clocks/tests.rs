//! The lab's rules as sentences, one test per rule: the clocks' rules from their papers,
//! the checks firing when a rule is broken, Chandy and Lamport's marker rules, the FIFO
//! layer and its bug switch, and bad parameters refused by name.

use serde_json::{Value as Json, json};

use super::clock::{Hlc, PhysicalClock, Stamp, VectorClock};
use super::lab::{
    draw_clocks, hlc_condition, lamport_condition, skew, snapshot_checkable, snapshot_condition,
    vector_condition,
};
use super::truetime::{Interval, wait_us};
use super::{
    Body, Config, EventKind, Marker, Message, Node, Reply, Request, SnapshotId, Stamped, Timer,
    Transfer, WriteReply,
};
use crate::catalogue::build_from_json;
use crate::lab::LabRun;
use crate::protocol::{Context, Effect, OutFor, Protocol};

const NODES: &[u32] = &[0, 1, 2];

fn context(id: u32, now: u64) -> Context<'static> {
    Context {
        id,
        now,
        nodes: NODES,
    }
}

fn node(id: u32) -> Node {
    Node::new(id, NODES, &Config::default())
}

fn sends(out: &OutFor<Node>) -> Vec<(u32, Message)> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { to, message } => Some((*to, message.clone())),
            _ => None,
        })
        .collect()
}

fn message(body: Body, sequence: u64) -> Message {
    Message {
        body,
        stamp: Stamp::default(),
        sequence,
    }
}

fn transfer(amount: u64, sequence: u64) -> Message {
    message(Body::Transfer(Transfer { amount }), sequence)
}

fn marker(initiator: u32, sequence: u64) -> Message {
    message(
        Body::Marker(Marker {
            snapshot: SnapshotId {
                number: 1,
                initiator,
            },
        }),
        sequence,
    )
}

fn stamped(index: u64, lamport: u64, kind: EventKind) -> Stamped {
    Stamped {
        index,
        time: 0,
        pt: 0,
        kind,
        stamp: Stamp {
            lamport,
            ..Stamp::default()
        },
    }
}

fn run(params: Json, requests: Json, until_ms: u64) -> Box<dyn LabRun> {
    let scenario = json!({
        "version": 1, "lab": "clocks", "nodes": 3, "seed": 5,
        "params": params,
        "network": { "latency": { "distribution": "uniform", "min_ms": 1, "max_ms": 40 } },
        "workload": { "requests": requests },
        "run_until_ms": until_ms,
    });
    let mut lab = build_from_json(&scenario.to_string()).expect("the scenario is valid");
    lab.run_until(until_ms * 1_000);
    lab
}

#[test]
fn a_physical_clock_reads_true_time_plus_its_offset_plus_its_drift() {
    let clock = PhysicalClock {
        offset_us: -300,
        drift_ppm: 100,
    };
    assert_eq!(clock.read(0), -300);
    assert_eq!(clock.read(1_000_000), 1_000_000 - 300 + 100);
    assert_eq!(clock.error(2_000_000), -100);
}

#[test]
fn the_skew_is_the_fastest_clock_minus_the_slowest() {
    let clocks = [
        PhysicalClock {
            offset_us: 50,
            drift_ppm: 0,
        },
        PhysicalClock {
            offset_us: -20,
            drift_ppm: 0,
        },
        PhysicalClock::default(),
    ];
    assert_eq!(skew(&clocks, 10_000), 70);
}

#[test]
fn drawn_clocks_stay_within_their_bounds_and_follow_the_seed() {
    let clocks = draw_clocks(9, 16, 1_000, 50);
    assert!(clocks.iter().all(|clock| clock.offset_us.abs() <= 1_000));
    assert!(clocks.iter().all(|clock| clock.drift_ppm.abs() <= 50));
    assert_eq!(clocks, draw_clocks(9, 16, 1_000, 50));
    assert_ne!(clocks, draw_clocks(10, 16, 1_000, 50));
}

#[test]
fn ir1_each_process_increments_its_clock_between_two_successive_events() {
    let mut stamp = Stamp::default();
    stamp.local_or_send(1, 0);
    stamp.local_or_send(1, 0);
    assert_eq!(stamp.lamport, 2);
}

#[test]
fn ir2_a_receive_sets_the_clock_past_the_message_timestamp() {
    let mut stamp = Stamp {
        lamport: 3,
        ..Stamp::default()
    };
    let sent = Stamp {
        lamport: 9,
        ..Stamp::default()
    };
    stamp.receive(0, &sent, 0);
    assert_eq!(stamp.lamport, 10);
}

#[test]
fn a_vector_receive_takes_the_entrywise_maximum_then_counts_the_receive() {
    let mut mine = VectorClock(vec![2, 0, 1]);
    mine.receive(0, &VectorClock(vec![1, 4]));
    assert_eq!(mine, VectorClock(vec![3, 4, 1]));
}

#[test]
fn concurrent_events_have_incomparable_vectors() {
    let a = VectorClock(vec![1, 0]);
    let b = VectorClock(vec![0, 1]);
    assert!(!a.before(&b) && !b.before(&a));
    assert!(a.before(&VectorClock(vec![1, 1])));
    assert!(!a.before(&a));
}

#[test]
fn hlc_send_takes_physical_time_when_it_is_ahead_and_resets_the_counter() {
    let mut hlc = Hlc { l: 10, c: 4 };
    hlc.local_or_send(15);
    assert_eq!(hlc, Hlc { l: 15, c: 0 });
}

#[test]
fn hlc_send_counts_up_when_physical_time_is_behind_l() {
    let mut hlc = Hlc { l: 10, c: 4 };
    hlc.local_or_send(7);
    assert_eq!(hlc, Hlc { l: 10, c: 5 });
}

#[test]
fn hlc_receive_with_equal_l_everywhere_takes_the_larger_counter_plus_one() {
    let mut hlc = Hlc { l: 10, c: 2 };
    hlc.receive(Hlc { l: 10, c: 6 }, 8);
    assert_eq!(hlc, Hlc { l: 10, c: 7 });
}

#[test]
fn hlc_receive_of_an_older_message_counts_up_the_own_counter() {
    let mut hlc = Hlc { l: 10, c: 2 };
    hlc.receive(Hlc { l: 9, c: 6 }, 8);
    assert_eq!(hlc, Hlc { l: 10, c: 3 });
}

#[test]
fn hlc_receive_of_a_newer_message_takes_its_l_and_counter_plus_one() {
    let mut hlc = Hlc { l: 10, c: 2 };
    hlc.receive(Hlc { l: 12, c: 6 }, 8);
    assert_eq!(hlc, Hlc { l: 12, c: 7 });
}

#[test]
fn hlc_receive_after_physical_time_passed_both_resets_the_counter() {
    let mut hlc = Hlc { l: 10, c: 2 };
    hlc.receive(Hlc { l: 12, c: 6 }, 20);
    assert_eq!(hlc, Hlc { l: 20, c: 0 });
}

#[test]
fn the_lamport_check_fires_when_a_receive_is_not_past_the_message() {
    let sent = Stamp {
        lamport: 5,
        ..Stamp::default()
    };
    let event = stamped(1, 5, EventKind::Receive { from: 2, sent });
    let message = lamport_condition(None, &event).expect("IR2 is broken");
    assert!(message.contains("IR2"), "{message}");
}

#[test]
fn the_lamport_check_fires_when_the_clock_does_not_grow_between_events() {
    let before = stamped(0, 4, EventKind::Local);
    let event = stamped(1, 4, EventKind::Local);
    assert!(lamport_condition(Some(&before), &event).is_some());
    assert!(lamport_condition(Some(&before), &stamped(1, 5, EventKind::Local)).is_none());
}

#[test]
fn the_vector_check_fires_when_a_receive_is_not_above_the_message() {
    let sent = Stamp {
        vector: VectorClock(vec![0, 3]),
        ..Stamp::default()
    };
    let mut event = stamped(1, 1, EventKind::Receive { from: 1, sent });
    event.stamp.vector = VectorClock(vec![1, 2]);
    assert!(vector_condition(None, &event).is_some());
    event.stamp.vector = VectorClock(vec![1, 3]);
    assert!(vector_condition(None, &event).is_none());
}

#[test]
fn the_hlc_check_fires_when_l_is_behind_physical_time_or_too_far_ahead() {
    let mut event = stamped(0, 1, EventKind::Local);
    event.pt = 100;
    event.stamp.hlc = Hlc { l: 99, c: 0 };
    assert!(hlc_condition(None, &event, 50).is_some());
    event.stamp.hlc = Hlc { l: 151, c: 0 };
    assert!(hlc_condition(None, &event, 50).is_some());
    event.stamp.hlc = Hlc { l: 150, c: 0 };
    assert!(hlc_condition(None, &event, 50).is_none());
}

#[test]
fn the_snapshot_check_fires_when_the_sum_is_not_the_total() {
    assert!(snapshot_condition(3_001, 3_000).is_some());
    assert!(snapshot_condition(3_000, 3_000).is_none());
}

#[test]
fn every_message_carries_the_clocks_of_its_send_event() {
    let mut sender = node(0);
    let mut out = OutFor::<Node>::new();
    sender.start_snapshot(&context(0, 1_000), None, &mut out);
    let sent = sends(&out);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].1.stamp.lamport, 1);
    assert_eq!(sent[1].1.stamp.lamport, 2);
    assert_eq!(sender.stamp, sent[1].1.stamp);
}

#[test]
fn the_marker_sending_rule_records_the_state_then_sends_a_marker_on_every_outgoing_channel() {
    let mut initiator = node(0);
    initiator.balance = 700;
    let mut out = OutFor::<Node>::new();
    initiator.start_snapshot(&context(0, 0), None, &mut out);
    let recording = initiator.recording.as_ref().expect("recorded");
    assert_eq!(recording.balance, 700);
    let receivers: Vec<u32> = sends(&out)
        .into_iter()
        .filter(|(_, message)| matches!(message.body, Body::Marker(_)))
        .map(|(to, _)| to)
        .collect();
    assert_eq!(receivers, vec![1, 2]);
}

#[test]
fn a_first_marker_records_the_state_and_its_channel_as_empty() {
    let mut receiver = node(1);
    let mut out = OutFor::<Node>::new();
    receiver.on_message(&context(1, 0), 0, marker(0, 0), &mut out);
    let recording = receiver.recording.as_ref().expect("recorded");
    assert_eq!(recording.balance, 1_000);
    assert_eq!(recording.channels[0], (0, Vec::new(), true));
    assert_eq!(recording.channels[1], (2, Vec::new(), false));
    assert_eq!(sends(&out).len(), 2, "markers to n0 and n2");
}

#[test]
fn a_channel_state_is_the_transfers_between_the_own_recording_and_its_marker() {
    let mut receiver = node(1);
    let mut out = OutFor::<Node>::new();
    receiver.on_message(&context(1, 0), 0, marker(0, 0), &mut out);
    receiver.on_message(&context(1, 1), 2, transfer(30, 0), &mut out);
    receiver.on_message(&context(1, 2), 2, marker(0, 1), &mut out);
    receiver.on_message(&context(1, 3), 2, transfer(5, 2), &mut out);
    let report = sends(&out)
        .into_iter()
        .find_map(|(to, message)| match message.body {
            Body::Report(report) => Some((to, report)),
            _ => None,
        })
        .expect("the part is reported to the initiator");
    assert_eq!(report.0, 0);
    assert_eq!(report.1.balance, 1_000);
    assert_eq!(report.1.channels, vec![(0, vec![]), (2, vec![30])]);
    assert_eq!(receiver.balance, 1_035);
}

#[test]
fn the_fifo_layer_holds_a_message_back_until_its_predecessor_arrives() {
    let mut receiver = node(1);
    let mut out = OutFor::<Node>::new();
    receiver.on_message(&context(1, 0), 0, transfer(7, 1), &mut out);
    assert_eq!(receiver.balance, 1_000);
    assert_eq!(receiver.held_back.len(), 1);
    receiver.on_message(&context(1, 1), 0, transfer(3, 0), &mut out);
    assert_eq!(receiver.balance, 1_010);
    assert!(receiver.held_back.is_empty());
}

#[test]
fn without_fifo_a_message_is_handed_over_as_it_arrives() {
    let config = Config {
        non_fifo: true,
        ..Config::default()
    };
    let mut receiver = Node::new(1, NODES, &config);
    let mut out = OutFor::<Node>::new();
    receiver.on_message(&context(1, 0), 0, transfer(7, 1), &mut out);
    assert_eq!(receiver.balance, 1_007);
}

#[test]
fn an_arrival_is_a_receive_event_even_when_it_is_held_back() {
    let mut receiver = node(1);
    let mut out = OutFor::<Node>::new();
    let mut early = transfer(7, 1);
    early.stamp.lamport = 40;
    receiver.on_message(&context(1, 0), 0, early, &mut out);
    assert_eq!(receiver.stamp.lamport, 41);
    assert!(matches!(
        receiver.stamps.last().map(|event| &event.kind),
        Some(EventKind::Receive { from: 0, .. })
    ));
}

#[test]
fn a_snapshot_on_fifo_channels_adds_up_to_the_total_and_answers_its_client() {
    let lab = run(
        json!({ "interval_ms_min": 2, "interval_ms_max": 6 }),
        json!([{ "at_ms": 200, "node": 1, "request": { "op": "snapshot" } }]),
        500,
    );
    assert!(lab.violations().is_empty(), "{:?}", lab.violations());
    let gauges = lab.metrics().gauges;
    assert_eq!(gauges.get("snapshots_completed"), Some(&1.0));
    assert_eq!(gauges.get("snapshot_sum"), Some(&3_000.0));
    assert_eq!(lab.client_history()[0]["reply"]["sum"], 3_000);
}

#[test]
fn without_fifo_a_transfer_overtakes_a_marker_and_the_check_catches_the_wrong_sum() {
    let lab = run(
        json!({ "interval_ms_min": 2, "interval_ms_max": 6, "non_fifo": true }),
        json!([{ "at_ms": 200, "node": 0, "request": { "op": "snapshot" } }]),
        500,
    );
    let properties: Vec<&str> = lab
        .violations()
        .iter()
        .map(|violation| violation.property.as_str())
        .collect();
    assert_eq!(properties, vec!["Snapshot sum is the total"]);
}

#[test]
fn the_snapshot_lab_action_starts_a_snapshot_at_the_named_node() {
    let mut lab = run(json!({}), json!([]), 100);
    lab.apply(crate::event::Action::Lab {
        name: "snapshot".into(),
        args: json!({ "node": 2 }),
    })
    .expect("node 2 is up");
    lab.run_until(400_000);
    let state = lab.node_state(2).expect("node 2 exists");
    assert_eq!(state["last_snapshot"]["sum"], 3_000);
    assert_eq!(state["last_snapshot"]["snapshot"]["initiator"], 2);
}

#[test]
fn a_crash_makes_the_snapshot_check_stand_down() {
    let scenario = crate::scenario::Scenario::from_json(
        r#"{"version": 1, "lab": "clocks", "nodes": 3, "seed": 5}"#,
    )
    .expect("valid");
    let mut lab = crate::lab::build_protocol_lab::<Node>(&scenario).expect("valid");
    lab.run_until(100_000);
    assert!(snapshot_checkable(lab.sim()));
    lab.apply(crate::event::Action::Crash { node: 1 })
        .expect("up");
    assert!(!snapshot_checkable(lab.sim()));
    lab.run_until(150_000);
    lab.apply(crate::event::Action::Restart { node: 1 })
        .expect("crashed");
    assert!(
        !snapshot_checkable(lab.sim()),
        "the restarted node lost its money"
    );
}

#[test]
fn bad_parameters_are_refused_by_name() {
    for (params, path) in [
        (
            json!({ "clocks": [{ "offset_us": 99_000_000 }] }),
            "params.clocks[0].offset_us",
        ),
        (
            json!({ "clocks": [{ "drift_ppm": 5_000 }] }),
            "params.clocks[0].drift_ppm",
        ),
        (json!({ "interval_ms_min": 0 }), "params.interval_ms_min"),
        (json!({ "local_percent": 101 }), "params.local_percent"),
        (json!({ "transfer_max": 0 }), "params.transfer_max"),
        (json!({ "epsilon_us": 10_000_001 }), "params.epsilon_us"),
    ] {
        let scenario = json!({ "version": 1, "lab": "clocks", "nodes": 3, "params": params });
        let error = build_from_json(&scenario.to_string())
            .err()
            .expect("refused")
            .to_string();
        assert!(error.starts_with(path), "{error}");
    }
    let error = build_from_json(r#"{"version": 1, "lab": "clocks", "nodes": 17}"#)
        .err()
        .expect("refused")
        .to_string();
    assert!(error.starts_with("nodes"), "{error}");
}

fn truetime_node(offset_us: i64, drift_ppm: i64, skip_commit_wait: bool) -> Node {
    let config = Config {
        clocks: vec![PhysicalClock {
            offset_us,
            drift_ppm,
        }],
        epsilon_us: 4_000,
        skip_commit_wait,
        ..Config::default()
    };
    Node::new(0, NODES, &config)
}

fn write_replies(out: &OutFor<Node>) -> Vec<(u64, WriteReply)> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::Reply {
                request,
                result: Reply::Write(reply),
            } => Some((*request, reply.clone())),
            _ => None,
        })
        .collect()
}

fn commit_wait_delays(out: &OutFor<Node>) -> Vec<u64> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::SetTimer {
                timer: Timer::CommitWait,
                delay_min,
                ..
            } => Some(*delay_min),
            _ => None,
        })
        .collect()
}

#[test]
fn tt_now_is_an_interval_of_width_two_epsilon_and_after_means_its_earliest_has_passed() {
    let now = Interval::now(10_000, 4_000, 9_000);
    assert_eq!((now.earliest, now.latest), (6_000, 14_000));
    assert!(now.holds_true_time());
    assert!(now.after(5_999));
    assert!(!now.after(6_000));
    assert!(!Interval::now(10_000, 500, 9_000).holds_true_time());
}

#[test]
fn start_rule_a_write_is_timestamped_tt_now_latest_and_commit_wait_holds_its_acknowledgement() {
    let mut leader = truetime_node(1_000, 0, false);
    let mut out = OutFor::<Node>::default();
    leader.on_client(
        &context(0, 50_000),
        7,
        Request::Write { value: 3 },
        &mut out,
    );
    assert!(
        write_replies(&out).is_empty(),
        "no acknowledgement before TT.after(s)"
    );
    // s = pt + ε = 51,000 + 4,000; TT.after(s) needs pt - ε > s, 2ε + 1 µs of clock later.
    assert_eq!(commit_wait_delays(&out), vec![8_001]);
    assert_eq!(leader.pending[0].timestamp, 55_000);
    let mut out = OutFor::<Node>::default();
    leader.on_timer(&context(0, 58_001), Timer::CommitWait, &mut out);
    assert_eq!(
        write_replies(&out),
        vec![(
            7,
            WriteReply {
                committed: true,
                timestamp: 55_000
            }
        )]
    );
    assert_eq!(
        leader.row.map(|row| (row.value, row.timestamp)),
        Some((3, 55_000))
    );
}

#[test]
fn a_leader_assigns_increasing_timestamps_even_within_one_microsecond() {
    let mut leader = truetime_node(0, 0, false);
    let mut out = OutFor::<Node>::default();
    leader.on_client(&context(0, 1_000), 0, Request::Write { value: 1 }, &mut out);
    leader.on_client(&context(0, 1_000), 1, Request::Write { value: 2 }, &mut out);
    let stamps: Vec<i64> = leader.pending.iter().map(|write| write.timestamp).collect();
    assert_eq!(stamps, vec![5_000, 5_001]);
}

#[test]
fn a_slow_clock_waits_again_until_tt_after_holds() {
    // A clock losing 1,000 ppm moves 7,993 µs in the 8,001 µs first asked for.
    let mut leader = truetime_node(0, -1_000, false);
    let mut out = OutFor::<Node>::default();
    leader.on_client(&context(0, 0), 0, Request::Write { value: 1 }, &mut out);
    let mut out = OutFor::<Node>::default();
    leader.on_timer(&context(0, 8_001), Timer::CommitWait, &mut out);
    assert!(write_replies(&out).is_empty());
    let again = commit_wait_delays(&out);
    assert_eq!(
        again,
        vec![wait_us(leader.physical_time(8_001), 4_000, 4_000)]
    );
    let mut out = OutFor::<Node>::default();
    leader.on_timer(
        &context(0, 8_001 + again[0] + 1),
        Timer::CommitWait,
        &mut out,
    );
    assert_eq!(write_replies(&out).len(), 1);
}

#[test]
fn without_commit_wait_a_write_is_acknowledged_as_soon_as_it_is_timestamped() {
    let mut leader = truetime_node(0, 0, true);
    let mut out = OutFor::<Node>::default();
    leader.on_client(&context(0, 1_000), 4, Request::Write { value: 1 }, &mut out);
    assert_eq!(
        write_replies(&out),
        vec![(
            4,
            WriteReply {
                committed: true,
                timestamp: 5_000
            }
        )]
    );
    assert!(commit_wait_delays(&out).is_empty());
}

/// n0's clock 3 ms ahead, n1's 3 ms behind, ε = 4 ms; a write to n0 at 10 ms and one to
/// n1 at 12 ms (after the first is acknowledged, when commit wait is skipped).
fn two_writes(skip_commit_wait: bool, epsilon_us: u64) -> Box<dyn LabRun> {
    run(
        json!({
            "clocks": [{ "offset_us": 3_000 }, { "offset_us": -3_000 }],
            "epsilon_us": epsilon_us,
            "skip_commit_wait": skip_commit_wait,
            "workload_until_ms": 0,
        }),
        json!([
            { "at_ms": 10, "node": 0, "request": { "op": "write", "value": 1 } },
            { "at_ms": 12, "node": 1, "request": { "op": "write", "value": 2 } },
            { "at_ms": 30, "node": 1, "request": { "op": "write", "value": 3 } },
        ]),
        60,
    )
}

fn properties(lab: &dyn LabRun) -> Vec<String> {
    lab.violations()
        .iter()
        .map(|violation| violation.property.clone())
        .collect()
}

#[test]
fn with_commit_wait_a_write_that_starts_after_another_is_acknowledged_gets_the_larger_timestamp() {
    let lab = two_writes(false, 4_000);
    assert!(properties(&*lab).is_empty(), "{:?}", lab.violations());
    let history = lab.client_history();
    // The first write (s = 17 ms) is acknowledged at 18.001 ms, after the second started
    // at 12 ms; the third starts at 30 ms and gets 31 ms.
    assert_eq!(history[0]["reply"]["timestamp"], 17_000);
    assert_eq!(history[0]["replied_at"], 18_001);
    assert_eq!(history[2]["reply"]["timestamp"], 31_000);
    assert_eq!(
        lab.metrics().gauges.get("commit_wait_ms_mean"),
        Some(&8.001)
    );
}

#[test]
fn the_external_consistency_check_fires_when_commit_wait_is_skipped() {
    let lab = two_writes(true, 4_000);
    assert_eq!(properties(&*lab), vec!["External consistency"]);
    assert_eq!(lab.violations()[0].nodes, vec![0, 1]);
    assert_eq!(lab.violations()[0].time, 12_000);
}

#[test]
fn the_truetime_check_fires_when_a_clock_is_further_off_than_epsilon() {
    let lab = two_writes(false, 2_000);
    assert_eq!(
        properties(&*lab).first().map(String::as_str),
        Some("TrueTime interval holds true time")
    );
    assert_eq!(lab.violations()[0].time, 10_000);
}

/// The derive that [`Request`]'s hand-written decoding stands in for, under the same name,
/// since serde's error messages name the type.
mod derived {
    #[derive(Debug, serde::Deserialize)]
    #[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
    #[allow(dead_code)]
    pub enum Request {
        Snapshot,
        Write { value: u64 },
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn requests_decode_as_the_derive_does(text in crate::tagged_enum::tests::tagged_texts(
        "op",
        &["snapshot", "write"],
        &["value"],
    )) {
        crate::tagged_enum::tests::assert_same::<Request, derived::Request>(&text);
    }
}

#[test]
fn the_write_lab_action_sends_the_named_leader_a_write_that_commits_after_commit_wait() {
    let mut lab = run(json!({ "workload_until_ms": 0 }), json!([]), 1);
    lab.apply(crate::event::Action::Lab {
        name: "write".into(),
        args: json!({ "node": 2 }),
    })
    .expect("node 2 is up");
    lab.run_until(20_000);
    let history = lab.client_history();
    assert_eq!(history[0]["node"], 2);
    assert_eq!(history[0]["reply"]["committed"], true);
    let waited = history[0]["replied_at"].as_u64().unwrap_or(0)
        - history[0]["invoked_at"].as_u64().unwrap_or(0);
    assert!(waited > 2 * 4_000, "the leader waited out 2ε: {waited} µs");
}
