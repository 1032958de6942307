//! The lab's rules as sentences: replicas on the engine diverge under a partition and
//! converge after it heals, in both styles; the checkers catch what the bug switch and the
//! naive baselines break; bad parameters are refused by name.

use serde_json::{Value as Json, json};

use super::lab::splice;
use super::rga::Rga;
use super::types::{Crdt, Source, Update, Value};
use crate::catalogue::build_from_json;
use crate::event::Action;
use crate::lab::LabRun;

/// A run of `nodes` replicas with `params`, the default network unless `network` says
/// otherwise, the given workload requests and timeline.
fn run(nodes: u32, params: Json, network: Json, requests: Json, timeline: Json) -> Box<dyn LabRun> {
    let scenario = json!({
        "version": 1, "lab": "crdt", "nodes": nodes, "seed": 3,
        "params": params, "network": network,
        "workload": { "requests": requests },
        "timeline": timeline,
    });
    build_from_json(&scenario.to_string()).expect("the scenario is valid")
}

fn value(run: &dyn LabRun, node: u32) -> Json {
    run.node_state(node).expect("the node exists")["value"].clone()
}

fn gauge(run: &dyn LabRun, name: &str) -> f64 {
    run.metrics().gauges.get(name).copied().unwrap_or(f64::NAN)
}

fn violated(run: &dyn LabRun) -> Vec<String> {
    run.violations()
        .iter()
        .map(|violation| violation.property.clone())
        .collect()
}

fn partitioned_counter(replication: &str) -> Box<dyn LabRun> {
    run(
        3,
        json!({ "crdt": "pn_counter", "replication": replication }),
        json!({}),
        json!([
            { "at_ms": 300, "node": 0, "request": { "op": "increment", "amount": 2 } },
            { "at_ms": 310, "node": 2, "request": { "op": "decrement" } },
            { "at_ms": 320, "node": 1, "request": { "op": "increment" } },
        ]),
        json!([
            { "at_ms": 200, "action": { "type": "partition", "groups": [[0, 1], [2]] } },
            { "at_ms": 1000, "action": { "type": "heal_all" } },
        ]),
    )
}

#[test]
fn state_based_replicas_diverge_under_a_partition_and_converge_after_it_heals() {
    let mut lab = partitioned_counter("state");
    lab.run_until(900_000);
    assert_eq!(
        value(&*lab, 0),
        json!(3),
        "both increments of the majority side"
    );
    assert_eq!(value(&*lab, 1), json!(3));
    assert_eq!(
        value(&*lab, 2),
        json!(-1),
        "the minority side's decrement alone"
    );
    assert_eq!(gauge(&*lab, "distinct_values"), 2.0);
    lab.run_until(2_000_000);
    for node in 0..3 {
        assert_eq!(value(&*lab, node), json!(2), "n{node} merged every update");
    }
    assert!(gauge(&*lab, "converged_at_ms") > 1_000.0);
    assert!(lab.violations().is_empty() && lab.warnings().is_empty());
}

#[test]
fn op_based_replicas_catch_up_through_anti_entropy_after_the_partition_heals() {
    let mut lab = partitioned_counter("op");
    lab.run_until(900_000);
    assert_eq!(value(&*lab, 2), json!(-1));
    lab.run_until(2_000_000);
    for node in 0..3 {
        assert_eq!(value(&*lab, node), json!(2));
    }
    let scalars = lab.metrics().scalars();
    assert!(scalars["sent.Ops"] > 0.0 && scalars["sent.Clock"] > 0.0);
    assert!(!scalars.contains_key("sent.State"));
    assert!(lab.violations().is_empty() && lab.warnings().is_empty());
}

#[test]
fn op_based_replication_sends_fewer_bytes_than_full_state_gossip_once_the_payload_grows() {
    let bytes = |replication: &str| {
        let mut lab = run(
            3,
            json!({ "crdt": "rga", "replication": replication }),
            json!({}),
            json!([
                { "at_ms": 100, "node": 0, "request": { "op": "insert", "index": 0, "text": "the quick brown fox" } },
                { "at_ms": 200, "node": 1, "request": { "op": "insert", "index": 0, "text": "jumps over " } },
            ]),
            json!([]),
        );
        lab.run_until(2_000_000);
        assert!(lab.violations().is_empty());
        lab.metrics()
            .counters
            .get("bytes_sent")
            .copied()
            .unwrap_or(0)
    };
    let (state, op) = (bytes("state"), bytes("op"));
    // Every state message carries all 30 characters (29 bytes each); an anti-entropy
    // message carries a vector of at most 3 entries.
    assert!(
        op > 0 && op * 10 < state,
        "op-based {op} bytes, state-based {state}"
    );
}

/// An OR-Set replica 0 adds 7 and removes it; the link to replica 1 is slow when the add
/// goes out and fast again for the remove, so the remove arrives first.
fn overtaken_add(causal: bool) -> Box<dyn LabRun> {
    let mut lab = run(
        2,
        json!({ "crdt": "or_set", "replication": "op",
                "bugs": { "no_causal_delivery": !causal } }),
        json!({ "latency": { "distribution": "fixed", "ms": 5 } }),
        json!([
            { "at_ms": 100, "node": 0, "request": { "op": "add", "element": 7 } },
            { "at_ms": 110, "node": 0, "request": { "op": "remove", "element": 7 } },
        ]),
        json!([
            { "at_ms": 99, "action": { "type": "set_link", "from": 0, "to": 1,
                "latency": { "distribution": "fixed", "ms": 50 } } },
            { "at_ms": 105, "action": { "type": "set_link", "from": 0, "to": 1,
                "latency": { "distribution": "fixed", "ms": 5 } } },
        ]),
    );
    lab.run_until(3_000_000);
    lab
}

#[test]
fn with_causal_delivery_a_remove_that_overtakes_its_add_waits_for_it() {
    let lab = overtaken_add(true);
    assert_eq!(value(&*lab, 0), json!([]));
    assert_eq!(value(&*lab, 1), json!([]));
    assert!(lab.violations().is_empty());
}

#[test]
fn without_causal_delivery_replicas_that_saw_the_same_updates_differ_and_the_checker_says_so() {
    let lab = overtaken_add(false);
    assert_eq!(value(&*lab, 0), json!([]));
    assert_eq!(value(&*lab, 1), json!([7]), "the remove removed nothing");
    let violations = violated(&*lab);
    assert!(violations.contains(&"Strong eventual consistency".to_string()));
    let sec = &lab.violations()[0];
    assert_eq!(sec.nodes, vec![0, 1]);
    assert!(
        sec.message.contains("have seen the same 2 updates"),
        "{}",
        sec.message
    );
    assert_eq!(lab.warnings()[0].property, "Convergence after healing");
}

#[test]
fn the_naive_counter_loses_concurrent_increments_and_the_checker_counts_them() {
    let mut lab = run(
        2,
        json!({ "crdt": "naive_counter" }),
        json!({}),
        json!([
            { "at_ms": 300, "node": 0, "request": { "op": "increment" } },
            { "at_ms": 301, "node": 1, "request": { "op": "increment" } },
        ]),
        json!([]),
    );
    lab.run_until(2_000_000);
    assert_eq!(
        value(&*lab, 0),
        json!(1),
        "both wrote the total 1; one write won"
    );
    assert_eq!(value(&*lab, 1), json!(1));
    assert_eq!(gauge(&*lab, "lost_updates"), 1.0);
    assert_eq!(violated(&*lab), vec!["No update lost".to_string()]);
    assert!(
        lab.violations()[0].message.contains("1 increment was lost"),
        "{}",
        lab.violations()[0].message
    );
}

#[test]
fn a_g_counter_in_the_same_schedule_keeps_both_increments() {
    let mut lab = run(
        2,
        json!({ "crdt": "g_counter" }),
        json!({}),
        json!([
            { "at_ms": 300, "node": 0, "request": { "op": "increment" } },
            { "at_ms": 301, "node": 1, "request": { "op": "increment" } },
        ]),
        json!([]),
    );
    lab.run_until(2_000_000);
    assert_eq!(value(&*lab, 0), json!(2));
    assert_eq!(gauge(&*lab, "lost_updates"), 0.0);
    assert!(lab.violations().is_empty());
}

fn resurrection(crdt: &str) -> Box<dyn LabRun> {
    let mut lab = run(
        2,
        json!({ "crdt": crdt }),
        json!({}),
        json!([
            { "at_ms": 50, "node": 0, "request": { "op": "add", "element": 4 } },
            { "at_ms": 500, "node": 0, "request": { "op": "remove", "element": 4 } },
        ]),
        json!([]),
    );
    lab.run_until(1_500_000);
    lab
}

#[test]
fn the_naive_set_brings_a_removed_element_back_and_the_checker_reports_the_lost_remove() {
    let lab = resurrection("naive_set");
    assert_eq!(value(&*lab, 0), json!([4]), "merged back from replica 1");
    // Replica 1 merged the removal's payload into its own and kept 4, while replica 0,
    // having seen the same two updates, showed nothing: a remove that is not inflationary
    // breaks strong eventual consistency too, until replica 0 merges 4 back.
    assert_eq!(
        violated(&*lab),
        vec![
            "Strong eventual consistency".to_string(),
            "No update lost".to_string()
        ]
    );
    assert_eq!(gauge(&*lab, "lost_updates"), 1.0);
}

#[test]
fn the_or_set_keeps_a_remove_that_saw_its_add() {
    let lab = resurrection("or_set");
    assert_eq!(value(&*lab, 0), json!([]));
    assert_eq!(value(&*lab, 1), json!([]));
    assert!(lab.violations().is_empty());
}

#[test]
fn a_crashed_replica_keeps_its_updates_on_disk_and_catches_up_by_merging() {
    let mut lab = run(
        3,
        json!({ "crdt": "g_set" }),
        json!({}),
        json!([
            { "at_ms": 100, "node": 2, "request": { "op": "add", "element": 1 } },
            { "at_ms": 400, "node": 0, "request": { "op": "add", "element": 2 } },
        ]),
        json!([
            { "at_ms": 150, "action": { "type": "crash", "node": 2 } },
            { "at_ms": 600, "action": { "type": "restart", "node": 2 } },
        ]),
    );
    lab.run_until(1_500_000);
    for node in 0..3 {
        assert_eq!(value(&*lab, node), json!([1, 2]), "n{node}");
    }
    assert!(lab.violations().is_empty() && lab.warnings().is_empty());
}

#[test]
fn the_convergence_check_warns_when_replicas_are_still_apart_after_the_bound() {
    let mut lab = run(
        2,
        json!({ "crdt": "g_counter", "converge_within_ms": 10 }),
        json!({ "latency": { "distribution": "fixed", "ms": 400 } }),
        json!([{ "at_ms": 100, "node": 0, "request": { "op": "increment" } }]),
        json!([]),
    );
    lab.run_until(2_000_000);
    assert!(lab.violations().is_empty());
    let warning = &lab.warnings()[0];
    assert_eq!(warning.property, "Convergence after healing");
    assert_eq!(warning.nodes, vec![0, 1]);
    assert_eq!(
        value(&*lab, 1),
        json!(1),
        "it converged later, past the bound"
    );
}

#[test]
fn the_edit_action_turns_a_text_replica_into_the_typed_text_and_the_others_follow() {
    let mut lab = run(2, json!({ "crdt": "rga" }), json!({}), json!([]), json!([]));
    lab.run_until(50_000);
    let edit = |text: &str| Action::Lab {
        name: "edit".to_string(),
        args: json!({ "node": 0, "text": text }),
    };
    lab.apply(edit("hello world")).expect("node 0 is up");
    lab.run_until(100_000);
    lab.apply(edit("hello, brave world")).expect("node 0 is up");
    lab.run_until(1_000_000);
    assert_eq!(value(&*lab, 0), json!("hello, brave world"));
    assert_eq!(value(&*lab, 1), json!("hello, brave world"));
    let wrong = Action::Lab {
        name: "edit".to_string(),
        args: json!({ "node": 0 }),
    };
    assert!(lab.apply(wrong).is_err());
}

#[test]
fn two_text_replicas_typing_concurrently_across_a_partition_converge_without_interleaving() {
    for replication in ["state", "op"] {
        let mut lab = run(
            2,
            json!({ "crdt": "rga", "replication": replication }),
            json!({}),
            json!([
                { "at_ms": 50, "node": 0, "request": { "op": "insert", "index": 0, "text": "ab" } },
                { "at_ms": 300, "node": 0, "request": { "op": "insert", "index": 2, "text": "cd" } },
                { "at_ms": 300, "node": 1, "request": { "op": "insert", "index": 2, "text": "xy" } },
                { "at_ms": 310, "node": 1, "request": { "op": "delete", "index": 0, "count": 1 } },
            ]),
            json!([
                { "at_ms": 250, "action": { "type": "partition", "groups": [[0], [1]] } },
                { "at_ms": 800, "action": { "type": "heal_all" } },
            ]),
        );
        lab.run_until(2_000_000);
        let text = value(&*lab, 0);
        assert_eq!(text, value(&*lab, 1), "{replication}");
        assert!(
            text == json!("bcdxy") || text == json!("bxycd"),
            "{replication}: each replica's run stays whole: {text}"
        );
        assert!(lab.violations().is_empty(), "{replication}");
    }
}

#[test]
fn rga_places_concurrent_inserts_at_one_anchor_newest_first_on_every_replica() {
    let source = |replica, time| Source {
        replica,
        sequence: 1,
        time,
    };
    let mut left = Rga::default();
    let mut right = Rga::default();
    let typed_left = left
        .prepare(
            source(0, 1),
            &Update::Insert {
                index: 0,
                text: "L".to_string(),
            },
        )
        .expect("an insert at 0 of an empty text");
    let typed_right = right
        .prepare(
            source(1, 1),
            &Update::Insert {
                index: 0,
                text: "R".to_string(),
            },
        )
        .expect("an insert at 0 of an empty text");
    left.effect(&typed_left);
    left.effect(&typed_right);
    right.effect(&typed_right);
    right.effect(&typed_left);
    assert_eq!(left.value(), right.value());
    // Equal counters: the replica id breaks the tie, the larger first.
    assert_eq!(left.value(), Value::Text("RL".to_string()));
}

#[test]
fn a_naive_set_remove_is_not_inflationary() {
    use super::types::NaiveSet;
    let mut set = NaiveSet::default();
    let at = Source {
        replica: 0,
        sequence: 1,
        time: 0,
    };
    let add = set.prepare(at, &Update::Add { element: 1 }).expect("add");
    set.effect(&add);
    let before = set.clone();
    let remove = set
        .prepare(at, &Update::Remove { element: 1 })
        .expect("1 is in the set");
    set.effect(&remove);
    assert!(!before.le(&set), "the remove moved the payload down");
    let mut merged = set.clone();
    merged.merge(&before);
    assert_eq!(
        merged.value(),
        Value::Elements(vec![1]),
        "and a merge undoes it"
    );
}

#[test]
fn splice_finds_the_one_change_between_two_texts() {
    assert_eq!(splice("hello", "help"), (3, 2, "p".to_string()));
    assert_eq!(splice("abc", "abc"), (3, 0, String::new()));
    assert_eq!(splice("", "hi"), (0, 0, "hi".to_string()));
    assert_eq!(splice("aaa", "aa"), (2, 1, String::new()));
}

#[test]
fn bad_parameters_are_refused_naming_the_field() {
    let error = |params: Json, nodes: u32| {
        let scenario = json!({ "version": 1, "lab": "crdt", "nodes": nodes, "params": params });
        build_from_json(&scenario.to_string())
            .err()
            .expect("invalid")
            .to_string()
    };
    assert!(error(json!({ "gossip_ms_min": 0 }), 3).starts_with("params.gossip_ms_min: must be"));
    assert!(
        error(json!({ "gossip_ms_min": 50, "gossip_ms_max": 10 }), 3)
            .starts_with("params.gossip_ms_max")
    );
    assert!(error(json!({ "converge_within_ms": 0 }), 3).starts_with("params.converge_within_ms"));
    assert!(
        error(json!({ "bugs": { "no_causal_delivery": true } }), 3)
            .starts_with("params.bugs.no_causal_delivery: applies to op-based")
    );
    assert!(error(json!({ "crdt": "b_tree" }), 3).starts_with("params.crdt"));
    assert!(error(json!({ "colour": 1 }), 3).starts_with("params"));
    assert!(error(json!({}), 17).starts_with("nodes: the CRDT lab runs at most 16 replicas"));
}

#[test]
fn a_refused_update_is_answered_and_changes_nothing() {
    let mut lab = run(
        2,
        json!({ "crdt": "two_phase_set" }),
        json!({}),
        json!([
            { "at_ms": 10, "node": 0, "request": { "op": "remove", "element": 3 } },
            { "at_ms": 20, "node": 0, "request": { "op": "increment" } },
            { "at_ms": 30, "node": 0, "request": { "op": "insert", "index": 0, "text": "x" } },
        ]),
        json!([]),
    );
    lab.run_until(500_000);
    let history = lab.client_history();
    for call in 0..3 {
        assert_eq!(history[call]["reply"]["result"], "refused", "{call}");
    }
    assert_eq!(value(&*lab, 0), json!([]));
    assert_eq!(gauge(&*lab, "updates_made"), 0.0);
}

#[test]
fn the_update_lab_action_and_a_read_reach_the_replica() {
    let mut lab = run(
        2,
        json!({ "crdt": "or_set" }),
        json!({}),
        json!([]),
        json!([]),
    );
    lab.run_until(10_000);
    let update = Action::Lab {
        name: "update".to_string(),
        args: json!({ "node": 1, "op": "add", "element": 9 }),
    };
    lab.apply(update).expect("node 1 is up");
    let read = Action::ClientRequest {
        node: 1,
        request: json!({ "op": "read" }),
    };
    lab.run_until(20_000);
    lab.apply(read).expect("node 1 is up");
    lab.run_until(30_000);
    let history = lab.client_history();
    assert_eq!(history[0]["reply"]["result"], "applied");
    assert_eq!(
        history[1]["reply"],
        json!({ "result": "value", "value": [9] })
    );
    let typo = Action::Lab {
        name: "update".to_string(),
        args: json!({ "node": 1, "op": "add", "elemnt": 9 }),
    };
    assert!(lab.apply(typo).is_err(), "an unknown field is refused");
}

/// `Request` as serde derives it, to compare the hand-written decoder with.
#[derive(Debug, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[allow(dead_code)]
enum Request {
    Increment {
        #[serde(default = "one")]
        amount: u32,
    },
    Decrement {
        #[serde(default = "one")]
        amount: u32,
    },
    Add {
        element: u32,
    },
    Remove {
        element: u32,
    },
    Set {
        value: i64,
    },
    Insert {
        index: u32,
        text: String,
    },
    Delete {
        index: u32,
        count: u32,
    },
    Read,
}

fn one() -> u32 {
    1
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

    #[test]
    fn requests_decode_as_the_derive_does(text in crate::tagged_enum::tests::tagged_texts(
        "op",
        &["increment", "decrement", "add", "remove", "set", "insert", "delete", "read"],
        &["amount", "element", "value", "index", "text", "count"],
    )) {
        crate::tagged_enum::tests::assert_same::<super::Request, Request>(&text);
    }
}

#[test]
fn a_replicas_state_shows_its_payload_as_a_line() {
    let mut lab = run(
        2,
        json!({ "crdt": "or_set" }),
        json!({}),
        json!([
            { "at_ms": 10, "node": 0, "request": { "op": "add", "element": 5 } },
            { "at_ms": 20, "node": 0, "request": { "op": "add", "element": 6 } },
            { "at_ms": 30, "node": 0, "request": { "op": "remove", "element": 5 } },
        ]),
        json!([]),
    );
    lab.run_until(40_000);
    let state = lab.node_state(0).expect("node 0 exists");
    assert_eq!(state["crdt"], "or_set");
    assert_eq!(state["kind"], "OR-Set");
    assert_eq!(state["payload"], "entries {6:n0.2}, removed tags {n0.1}");
    assert_eq!(state["value"], json!([6]));
}
