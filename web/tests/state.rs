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
    let state = broadcast().reduce(Action::Apply(SimAction::Crash { node: 2 }));
    assert_eq!(status(&state, 2), NodeStatus::Crashed);
    assert!(state.notice.is_none());
    let state = state.reduce(Action::Apply(SimAction::Restart { node: 2 }));
    assert_eq!(status(&state, 2), NodeStatus::Up);
}

#[wasm_bindgen_test]
fn a_refused_action_is_explained_and_changes_nothing() {
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
    let state = broadcast().reduce(Action::SetSpeed(1_000.0));
    assert_eq!(state.speed, 10.0);
    assert!(state.notice.as_deref().unwrap_or("").contains("between"));
    let state = state.reduce(Action::SetSpeed(f64::NAN));
    assert_eq!(state.speed, 10.0);
}

#[wasm_bindgen_test]
fn frames_advance_virtual_time_only_while_playing() {
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
