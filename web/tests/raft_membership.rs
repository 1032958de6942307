//! Membership change from the Raft lab's controls: "Add node" goes through the leader's
//! configuration entry, and the Raft view reads the configuration and the pending change.

use netsplit_core::{presets, scenario::Scenario};
use netsplit_web::labs::raft::view::LogRow;

/// What the toolbar's "Add node" does in lab `lab`.
fn add_node_action(lab: &str) -> netsplit_core::Action {
    (netsplit_web::labs::entry(lab)
        .expect("the lab is carried")
        .add_node)()
}

/// What the inspector's "Remove node" does to `node` in lab `lab`.
fn remove_node_action(lab: &str, node: u32) -> netsplit_core::Action {
    (netsplit_web::labs::entry(lab)
        .expect("the lab is carried")
        .remove_node)(node)
}
use netsplit_web::state::{Action, PlaygroundState};
use std::rc::Rc;
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

/// Runs the state's simulation on to `time_us` (seeking only moves within explored time).
fn run_to(state: Rc<PlaygroundState>, time_us: u64) -> Rc<PlaygroundState> {
    state.run.borrow_mut().run_until(time_us);
    state
}

fn raft_state() -> Rc<PlaygroundState> {
    let scenario = Scenario::parse(presets::get("raft-steady-state").unwrap()).unwrap();
    Rc::new(PlaygroundState::new("raft", scenario).unwrap())
}

/// Every server's row of the log grid, as the Raft view reads it.
fn rows(state: &PlaygroundState) -> Vec<LogRow> {
    let run = state.run.borrow();
    run.nodes()
        .iter()
        .map(|node| {
            let json = run.node_state(node.id).expect("state");
            LogRow::from_state(node.id, node.role, true, &json)
        })
        .collect()
}

#[wasm_bindgen_test]
fn add_node_in_the_raft_lab_adds_a_server_through_the_leaders_configuration_entry() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = run_to(raft_state(), 1_000_000);
    let state = state.reduce(Action::Apply(add_node_action("raft")));
    assert_eq!(state.notice, None);
    let leader = rows(&state)
        .into_iter()
        .find(|row| row.role == "leader")
        .expect("a leader");
    assert_eq!(leader.members, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(
        leader.pending_change(),
        Some((vec![5], vec![])),
        "the change waits for commitment"
    );
    let newcomer = &rows(&state)[5];
    assert_eq!(newcomer.last_index(), 0, "the new server starts empty");

    let state = run_to(state, 2_000_000);
    for row in rows(&state) {
        assert_eq!(row.members, vec![0, 1, 2, 3, 4, 5], "n{}", row.id);
        assert_eq!(row.pending_change(), None, "n{}", row.id);
    }
    let rows = rows(&state);
    assert!(
        rows[5].commit_index > leader.commit_index,
        "n5 received and committed the log"
    );
    assert!(state.run.borrow().violations().is_empty());
    // The change is part of the run's scenario, so a share link carries it.
    let scenario = state.run.borrow().scenario();
    assert!(
        scenario.timeline.iter().any(|step| matches!(&step.action,
            netsplit_core::Action::Lab { name, .. } if name == "add_server")),
        "the add is recorded in the timeline"
    );
}

#[wasm_bindgen_test]
fn remove_node_in_the_raft_lab_takes_the_server_out_of_the_configuration() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = run_to(raft_state(), 1_000_000);
    let leader = rows(&state)
        .into_iter()
        .find(|row| row.role == "leader")
        .expect("a leader");
    let victim = (leader.id + 1) % 5;
    let state = state.reduce(Action::Apply(remove_node_action("raft", victim)));
    assert_eq!(state.notice, None);
    let state = run_to(state, 2_000_000);
    let rows = rows(&state);
    assert!(!rows[leader.id as usize].members.contains(&victim));
    assert_eq!(rows[victim as usize].role, "removed");
    // Elsewhere "Remove node" still takes the node out of the simulation.
    assert_eq!(
        remove_node_action("broadcast", 2),
        netsplit_core::Action::RemoveNode { node: 2 }
    );
}

/// Props of [`RaftViewUnderTest`].
#[derive(yew::Properties, PartialEq)]
struct RaftViewUnderTestProps {
    /// The state to start from, wrapped so that props compare by pointer.
    initial: Rc<PlaygroundState>,
}

/// The Raft view driven by its own reducer, as the lab page drives it.
#[yew::component]
fn RaftViewUnderTest(props: &RaftViewUnderTestProps) -> yew::Html {
    let initial = (*props.initial).clone();
    let state = yew::use_reducer(move || initial);
    netsplit_web::labs::raft::view::raft_view(&state)
}

#[wasm_bindgen_test]
async fn a_running_server_outside_the_configuration_is_offered_and_added_with_one_click() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    use wasm_bindgen::JsCast;
    // A node started without a membership change (as a double-click on the canvas does) runs
    // outside the configuration until the leader is asked to add it.
    let state =
        run_to(raft_state(), 1_000_000).reduce(Action::Apply(netsplit_core::Action::AddNode));
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<RaftViewUnderTest>::with_root_and_props(
        host.clone(),
        RaftViewUnderTestProps { initial: state },
    )
    .render();
    yew::scheduler::flush().await;
    let text = host.text_content().unwrap();
    assert!(
        text.contains("Running but not in the configuration: n5"),
        "{text}"
    );
    host.query_selector("button[aria-label='Add n5 to the configuration']")
        .unwrap()
        .expect("a button to add n5")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap()
        .click();
    yew::scheduler::flush().await;
    let text = host.text_content().unwrap();
    assert!(text.contains("Pending: adding n5"), "{text}");
    assert!(
        !text.contains("Running but not in the configuration"),
        "{text}"
    );
}
