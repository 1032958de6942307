//! The playground reducer, driven as the controls drive it.

use std::rc::Rc;

use netsplit_core::{Action as SimAction, NodeStatus, presets, scenario::Scenario};
use netsplit_web::state::{Action, PlaygroundState, Tool};
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

fn broadcast() -> Rc<PlaygroundState> {
    let scenario = Scenario::parse(presets::get("broadcast-basic").unwrap()).unwrap();
    Rc::new(PlaygroundState::new("broadcast", scenario).unwrap())
}

fn status(state: &PlaygroundState, node: u32) -> NodeStatus {
    state
        .run
        .borrow()
        .nodes()
        .iter()
        .find(|view| view.id == node)
        .unwrap()
        .status
}

#[wasm_bindgen_test]
fn crashing_and_restarting_a_node_changes_its_status() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = broadcast().reduce(Action::Apply(SimAction::Crash { node: 2 }));
    assert_eq!(status(&state, 2), NodeStatus::Crashed);
    assert!(state.notice.is_none());
    let state = state.reduce(Action::Apply(SimAction::Restart { node: 2 }));
    assert_eq!(status(&state, 2), NodeStatus::Up);
}

#[wasm_bindgen_test]
fn a_refused_action_is_explained_and_changes_nothing() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = broadcast().reduce(Action::Apply(SimAction::Restart { node: 1 }));
    let notice = state
        .notice
        .clone()
        .expect("restarting a running node is refused");
    assert!(notice.contains("node 1"), "{notice}");
    assert_eq!(status(&state, 1), NodeStatus::Up);
}

#[wasm_bindgen_test]
fn a_speed_out_of_range_is_refused_with_the_reason() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = broadcast().reduce(Action::SetSpeed(1_000.0));
    assert_eq!(state.speed, 10.0);
    assert!(state.notice.as_deref().unwrap_or("").contains("between"));
    let state = state.reduce(Action::SetSpeed(f64::NAN));
    assert_eq!(state.speed, 10.0);
}

#[wasm_bindgen_test]
fn frames_advance_virtual_time_only_while_playing() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = broadcast();
    let state = state.reduce(Action::Frame { wall_ms: 0.0 });
    let state = state.reduce(Action::Frame { wall_ms: 16.0 });
    assert_eq!(state.run.borrow().now(), 0, "paused: no time passes");
    let state = state.reduce(Action::TogglePlay);
    let state = state.reduce(Action::Frame { wall_ms: 100.0 });
    let state = state.reduce(Action::Frame { wall_ms: 150.0 });
    // 50 wall ms at 10x is 50 * 10 * 10 = 5,000 virtual µs.
    assert_eq!(state.run.borrow().now(), 5_000);
}

#[wasm_bindgen_test]
fn seeking_back_and_playing_again_reaches_the_same_fingerprint() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = broadcast().reduce(Action::TogglePlay);
    let mut state = state.reduce(Action::Frame { wall_ms: 0.0 });
    for frame in 1..=40 {
        state = state.reduce(Action::Frame {
            wall_ms: f64::from(frame) * 50.0,
        });
    }
    let (end, hash) = {
        let run = state.run.borrow();
        (run.now(), run.trace_hash())
    };
    assert!(end > 0);
    let state = state.reduce(Action::Seek(end / 3));
    assert_eq!(state.run.borrow().now(), end / 3);
    let state = state.reduce(Action::Seek(end));
    assert_eq!(state.run.borrow().trace_hash(), hash);
}

#[wasm_bindgen_test]
fn a_partition_needs_two_groups_and_then_cuts_across_them() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = broadcast().reduce(Action::SetTool(Tool::Partition));
    let refused = state.clone().reduce(Action::ApplyPartition);
    assert!(refused.notice.is_some(), "an empty group is refused");
    let state = state
        .reduce(Action::TogglePartitionMember(0))
        .reduce(Action::TogglePartitionMember(1))
        .reduce(Action::ApplyPartition);
    assert!(state.notice.is_none(), "{:?}", state.notice);
    assert_eq!(state.tool, Tool::Select);
    let links = state.run.borrow().links();
    assert!(
        links
            .iter()
            .any(|link| link.from == 0 && link.to == 2 && !link.up)
    );
    assert!(
        !links
            .iter()
            .any(|link| link.from == 0 && link.to == 1 && !link.up)
    );
}

#[wasm_bindgen_test]
fn a_new_seed_restarts_the_run_with_that_seed() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = broadcast().reduce(Action::Apply(SimAction::AddNode));
    let state = state.reduce(Action::SetSeed(42));
    assert_eq!(state.base.seed, 42);
    assert_eq!(
        state.run.borrow().nodes().len(),
        5,
        "the restart drops the added node"
    );
}

#[wasm_bindgen_test]
fn the_parameters_form_refuses_a_value_out_of_range_naming_the_field() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    use netsplit_web::components::scenario_form::edited;
    let base = Scenario::parse(presets::get("raft-steady-state").unwrap()).unwrap();
    let refused = edited(&base, &[("nodes", "40".into())]).unwrap_err();
    assert!(
        refused.contains("Servers") && refused.contains("between 1 and 15"),
        "{refused}"
    );
    let refused = edited(
        &base,
        &[
            ("election_min", "300".into()),
            ("election_max", "200".into()),
        ],
    )
    .unwrap_err();
    assert!(refused.contains("Election timeout max"), "{refused}");
    let changed = edited(
        &base,
        &[
            ("nodes", "7".into()),
            ("election_min", "200".into()),
            ("election_max", "400".into()),
            ("loss", "5".into()),
        ],
    )
    .unwrap();
    assert_eq!(changed.nodes, 7);
    assert_eq!(changed.params["election_timeout_ms_max"], 400);
    assert!((changed.network.loss_probability - 0.05).abs() < 1e-12);
    let state = PlaygroundState::new("raft", changed).unwrap();
    assert_eq!(state.run.borrow().nodes().len(), 7);
}

#[wasm_bindgen_test]
fn the_kind_history_turns_counts_into_messages_per_second_by_kind() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    use netsplit_web::state::{KIND_SAMPLE_US, KindHistory};
    let mut history = KindHistory::default();
    history.sample(0, Vec::new);
    history.sample(KIND_SAMPLE_US / 2, || panic!("not due yet"));
    history.sample(KIND_SAMPLE_US, || vec![("RequestVote", 4)]);
    history.sample(2 * KIND_SAMPLE_US, || {
        vec![("RequestVote", 4), ("AppendEntries", 10)]
    });
    let rates = history.rates();
    assert_eq!(rates.kinds, vec!["RequestVote", "AppendEntries"]);
    // 4 votes in the first 0.1 s is 40 per second; none in the next, and 10 AppendEntries.
    assert_eq!(
        rates.intervals,
        vec![
            (KIND_SAMPLE_US, vec![40.0, 0.0]),
            (2 * KIND_SAMPLE_US, vec![0.0, 100.0]),
        ]
    );
    history.sample(KIND_SAMPLE_US + 1, || vec![("RequestVote", 9)]);
    assert_eq!(
        history.samples.len(),
        2,
        "a seek back forgets the samples after it, and the next is not due yet"
    );
}

#[wasm_bindgen_test]
fn playing_frames_fill_the_kind_history() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let mut state = broadcast().reduce(Action::TogglePlay);
    let mut wall_ms = 0.0;
    for _ in 0..40 {
        state = state.reduce(Action::Frame { wall_ms });
        wall_ms += 100.0;
    }
    let rates = state.kind_history.borrow().rates();
    assert!(rates.kinds.contains(&"Ping"), "{:?}", rates.kinds);
    assert!(!rates.intervals.is_empty());
}

#[wasm_bindgen_test]
fn speeds_are_labelled_against_real_time_and_the_clock_says_what_a_second_plays() {
    use netsplit_web::components::playback_bar::{SPEEDS, speed_label, speed_ratio};
    assert_eq!(speed_label(100.0), "real time");
    assert_eq!(speed_label(10.0), "1/10 of real time");
    assert_eq!(speed_label(1.0), "1/100 of real time");
    assert_eq!(speed_label(0.25), "1/400 of real time");
    assert_eq!(speed_ratio(10.0), "1 s plays 100 ms");
    assert_eq!(speed_ratio(100.0), "1 s plays 1 s");
    let labels: Vec<String> = SPEEDS.iter().map(|speed| speed_label(*speed)).collect();
    let mut unique = labels.clone();
    unique.dedup();
    assert_eq!(labels, unique, "every speed reads differently");
}
