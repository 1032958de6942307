//! Raft's options and bug switches in the parameters form, rendered in a real browser: ticking a
//! box and applying writes the field into the scenario the run restarts from.

use netsplit_core::{presets, scenario::Scenario};
use netsplit_web::components::scenario_form::{ScenarioForm, edited, toggle_value};
use netsplit_web::labs::raft::TOGGLES as RAFT_TOGGLES;
use netsplit_web::state::PlaygroundState;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

fn preset(name: &str) -> Scenario {
    Scenario::parse(presets::get(name).expect("a preset")).expect("it parses")
}

/// Props of [`FormUnderTest`].
#[derive(Properties, PartialEq)]
struct FormUnderTestProps {
    preset: &'static str,
}

/// The form beside the parameters of the scenario the run was last started from.
#[component]
fn FormUnderTest(props: &FormUnderTestProps) -> Html {
    let name = props.preset;
    let state = use_reducer(move || PlaygroundState::new("raft", preset(name)).expect("it runs"));
    let params = state.run.borrow().scenario().params.to_string();
    html! {
        <>
            <ScenarioForm base={state.base.clone()} dispatcher={state.dispatcher()} />
            <pre id="params">{ params }</pre>
        </>
    }
}

async fn render(preset: &'static str) -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<FormUnderTest>::with_root_and_props(
        host.clone(),
        FormUnderTestProps { preset },
    )
    .render();
    yew::scheduler::flush().await;
    host
}

fn element<T: JsCast>(host: &web_sys::Element, selector: &str) -> T {
    host.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is on the page"))
        .dyn_into::<T>()
        .unwrap()
}

fn params(host: &web_sys::Element) -> serde_json::Value {
    let text = element::<web_sys::HtmlElement>(host, "#params")
        .text_content()
        .unwrap();
    serde_json::from_str(&text).expect("params are JSON")
}

async fn apply(host: &web_sys::Element) {
    element::<web_sys::HtmlElement>(host, "button[type='submit']").click();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn ticking_a_bug_switch_and_applying_writes_it_into_the_scenario() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render("raft-figure-8").await;
    assert_eq!(
        params(&host)["bugs"],
        serde_json::Value::Null,
        "Figure 8 starts without bugs"
    );
    let checkbox: web_sys::HtmlInputElement =
        element(&host, "input[name='commit_earlier_terms_by_counting']");
    assert!(!checkbox.checked());
    assert!(
        checkbox.closest(".bug-switches").unwrap().is_some(),
        "the switch sits in the Bug switches fieldset"
    );
    checkbox.click();
    apply(&host).await;
    let written = params(&host);
    assert_eq!(written["bugs"]["commit_earlier_terms_by_counting"], true);
    assert_eq!(
        written["leader_noop"], false,
        "the preset's other parameters are kept"
    );
    let checkbox: web_sys::HtmlInputElement =
        element(&host, "input[name='commit_earlier_terms_by_counting']");
    assert!(checkbox.checked(), "the restarted run shows the switch on");
}

#[wasm_bindgen_test]
async fn options_are_ticked_as_the_scenario_says_and_unticking_turns_them_off() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render("raft-membership-change").await;
    let pre_vote: web_sys::HtmlInputElement = element(&host, "input[name='pre_vote']");
    let check_quorum: web_sys::HtmlInputElement = element(&host, "input[name='check_quorum']");
    assert!(pre_vote.checked() && check_quorum.checked());
    assert!(
        pre_vote.closest(".bug-switches").unwrap().is_none(),
        "options are not among the bug switches"
    );
    pre_vote.click();
    let snapshot: web_sys::HtmlInputElement = element(&host, "input[name='snapshot']");
    snapshot.set_value("50");
    apply(&host).await;
    let written = params(&host);
    assert_eq!(written["pre_vote"], false);
    assert_eq!(written["check_quorum"], true);
    assert_eq!(written["snapshot_threshold"], 50);
}

#[wasm_bindgen_test]
fn every_switch_has_an_explanation_and_an_unchanged_switch_leaves_the_scenario_alone() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let base = preset("raft-steady-state");
    for toggle in RAFT_TOGGLES {
        assert!(toggle.explanation.ends_with('.'), "{}", toggle.id);
        let unchanged = edited(&base, &[(toggle.id, "false".into())]).unwrap();
        assert_eq!(unchanged.params, base.params, "{}", toggle.id);
        let on = edited(&base, &[(toggle.id, "true".into())]).unwrap();
        assert!(toggle_value(&on.params, toggle), "{}", toggle.id);
    }
    let refused = edited(&base, &[("snapshot", "2.5".into())]).unwrap_err();
    assert!(refused.contains("whole number"), "{refused}");
}

#[wasm_bindgen_test]
fn an_optional_parameter_left_empty_is_taken_out_and_a_number_is_written() {
    // Paxos's quorum sizes: empty means the core's majority.
    let flexible = preset("paxos-flexible-n6-q1-4-q2-3");
    assert_eq!(flexible.params["phase1_quorum"], 4);
    let majority = edited(&flexible, &[("phase1_quorum", String::new())]).unwrap();
    assert!(majority.params["phase1_quorum"].is_null());
    assert!(netsplit_core::catalogue::build(&majority).is_ok());
    assert_eq!(majority.params["phase2_quorum"], 3);
    let basic = preset("paxos-basic");
    let set = edited(&basic, &[("phase2_quorum", "2".into())]).unwrap();
    assert_eq!(set.params["phase2_quorum"], 2);
    let unchanged = edited(&basic, &[("phase1_quorum", String::new())]).unwrap();
    assert_eq!(unchanged.params, basic.params);
    // More than the acceptors: the run is refused when built, naming the field (the page
    // keeps the old run and shows the reason).
    let too_big = edited(&basic, &[("phase1_quorum", "9".into())]).unwrap();
    let refused = netsplit_core::catalogue::build(&too_big)
        .err()
        .unwrap()
        .to_string();
    assert!(refused.contains("params.phase1_quorum"), "{refused}");
}
