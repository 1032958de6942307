//! The rate limiting page: its model driven as the controls drive it, its helpers, and the
//! page rendered in a real browser.

use std::rc::Rc;

use netsplit_core::labs::ratelimit::scenario::RateLimitScenario;
use netsplit_core::labs::ratelimit::{AlgorithmKind, report};
use netsplit_core::presets;
use netsplit_web::labs::ratelimit::distributed::distributed_scenario;
use netsplit_web::labs::ratelimit::model::{
    FieldSpec, LEVEL_SAMPLES, SideBySideAction, SideBySideState, TrafficChoice, level_at,
    live_outcome, parse_field, percent_of, rate_limit_presets, requests_in_dispute,
    time_at_fraction,
};
use netsplit_web::labs::ratelimit::timeline::thousandths;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

fn window_max(state: &SideBySideState, kind: AlgorithmKind) -> u64 {
    state
        .comparison
        .run(kind)
        .expect("the algorithm is selected")
        .metrics
        .window_admitted_max
}

fn fixed_versus_log(state: &SideBySideState) -> usize {
    state
        .comparison
        .disagreements(AlgorithmKind::FixedWindow, AlgorithmKind::SlidingWindowLog)
        .len()
}

fn boundary_burst() -> Rc<SideBySideState> {
    Rc::new(SideBySideState::with_preset("ratelimit-boundary-burst"))
}

#[wasm_bindgen_test]
fn a_number_out_of_its_range_is_refused_with_the_range_in_the_reason() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let spec = FieldSpec {
        id: "limit",
        label: "Limit",
        minimum: 1,
        maximum: 1_000,
        optional: false,
        blank_means: "",
    };
    assert_eq!(parse_field(&spec, " 10 "), Ok(Some(10)));
    assert_eq!(
        parse_field(&spec, "0"),
        Err("Must be from 1 to 1000; 0 is out of range.".to_string())
    );
    assert!(
        parse_field(&spec, "ten")
            .unwrap_err()
            .contains("not a whole number")
    );
    assert!(
        parse_field(&spec, "").is_err(),
        "a required field cannot be blank"
    );
    let optional = FieldSpec {
        optional: true,
        ..spec
    };
    assert_eq!(parse_field(&optional, ""), Ok(None));
}

#[wasm_bindgen_test]
fn the_five_presets_load_with_their_descriptions() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let presets = rate_limit_presets();
    assert_eq!(presets.len(), 5);
    assert!(presets.iter().all(|preset| !preset.description.is_empty()));
    assert_eq!(
        presets
            .iter()
            .filter(|preset| preset.is_distributed())
            .count(),
        2
    );
}

/// Issue 7: "the fixed window admits 2x the limit across a boundary; the sliding log never
/// admits more than the limit in any window".
#[wasm_bindgen_test]
fn the_boundary_burst_preset_shows_twice_the_limit_through_the_fixed_window_only() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = boundary_burst();
    assert_eq!(state.traffic, TrafficChoice::HandDrawn);
    assert_eq!(state.drawn_ms.len(), 20);
    assert_eq!(window_max(&state, AlgorithmKind::FixedWindow), 20);
    assert_eq!(window_max(&state, AlgorithmKind::SlidingWindowLog), 10);
    assert_eq!(fixed_versus_log(&state), 10);
    assert_eq!(requests_in_dispute(&state.comparison), 10);
}

#[wasm_bindgen_test]
fn switching_steady_traffic_to_bursty_makes_the_fixed_window_and_the_log_disagree() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = boundary_burst()
        .reduce(SideBySideAction::ClearDrawn)
        .reduce(SideBySideAction::SetTraffic(TrafficChoice::Steady));
    assert_eq!(
        state.comparison.arrivals.len(),
        30,
        "one request every 100 ms for 3 s"
    );
    assert_eq!(fixed_versus_log(&state), 0);
    let state = state.reduce(SideBySideAction::SetTraffic(TrafficChoice::Bursty));
    assert!(fixed_versus_log(&state) > 0);
    assert!(window_max(&state, AlgorithmKind::FixedWindow) > 10);
    assert_eq!(window_max(&state, AlgorithmKind::SlidingWindowLog), 10);
    assert!(
        state.modified,
        "the form is no longer the preset as shipped"
    );
    let state = state.reduce(SideBySideAction::LoadPreset(
        "ratelimit-boundary-burst".to_string(),
    ));
    assert!(!state.modified);
    assert_eq!(
        fixed_versus_log(&state),
        10,
        "restoring the preset restores its requests"
    );
}

#[wasm_bindgen_test]
fn an_out_of_range_field_is_refused_and_the_last_good_comparison_stays() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let before = boundary_burst();
    let after = before
        .clone()
        .reduce(SideBySideAction::SetField("window_ms", "0".to_string()));
    assert!(Rc::ptr_eq(&before.comparison, &after.comparison));
    assert!(after.errors.contains_key("window_ms"), "{:?}", after.errors);
    // A limit that does not divide the window is refused next to the limit, with the core's
    // reason.
    let after = before.reduce(SideBySideAction::SetField("limit", "3".to_string()));
    let reason = after.errors.get("limit").expect("the limit is refused");
    assert!(reason.contains("divide"), "{reason}");
    assert_eq!(after.comparison.arrivals.len(), 20);
}

#[wasm_bindgen_test]
fn a_hand_drawn_request_joins_the_trace_in_time_order() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = boundary_burst().reduce(SideBySideAction::AddRequest(2_500));
    assert_eq!(state.comparison.arrivals.len(), 21);
    assert_eq!(state.comparison.arrivals.last().unwrap().at, 2_500_000);
    let state = state.reduce(SideBySideAction::AddRequest(10));
    assert_eq!(state.comparison.arrivals[0].at, 10_000);
    // A request after the run's end is refused, naming the run length.
    let state = state.reduce(SideBySideAction::AddRequest(3_000));
    assert!(
        state.errors.contains_key("duration_ms"),
        "{:?}",
        state.errors
    );
    assert_eq!(state.comparison.arrivals.len(), 22);
}

#[wasm_bindgen_test]
fn too_much_traffic_to_draw_is_refused_with_the_count() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = boundary_burst()
        .reduce(SideBySideAction::SetTraffic(TrafficChoice::Poisson))
        .reduce(SideBySideAction::SetField(
            "poisson_rate_per_second",
            "10000".to_string(),
        ));
    let reason = state.errors.get("traffic").expect("the traffic is refused");
    assert!(reason.contains("at most 2000"), "{reason}");
}

#[wasm_bindgen_test]
fn deselecting_every_algorithm_is_refused() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let mut state = boundary_burst();
    for kind in state.algorithms.clone() {
        state = state.reduce(SideBySideAction::ToggleAlgorithm(kind));
    }
    assert!(state.errors.contains_key("algorithms"));
    // The last good comparison, with only the last algorithm deselected, stays on screen.
    assert_eq!(state.comparison.runs.len(), 1);
    assert_eq!(state.comparison.runs[0].algorithm, AlgorithmKind::Gcra);
}

#[wasm_bindgen_test]
fn the_cursor_moves_in_real_time_only_while_playing_and_stops_at_the_end() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = boundary_burst().reduce(SideBySideAction::Frame(0.0));
    assert_eq!(state.cursor_us, None, "nothing moves while paused");
    let state = state
        .reduce(SideBySideAction::TogglePlay)
        .reduce(SideBySideAction::Frame(1_000.0))
        .reduce(SideBySideAction::Frame(1_050.0));
    assert_eq!(
        state.cursor_us,
        Some(50_000),
        "50 ms of wall clock is 50 ms of trace"
    );
    let mut state = state;
    for frame in 0..100 {
        state = state.reduce(SideBySideAction::Frame(1_100.0 + 100.0 * f64::from(frame)));
    }
    assert_eq!(state.cursor_us, Some(3_000_000));
    assert!(!state.playing, "playing stops at the end of the run");
}

#[wasm_bindgen_test]
fn the_level_line_follows_each_limiter_between_requests_too() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = boundary_burst();
    let column = |kind| {
        state
            .comparison
            .runs
            .iter()
            .position(|run| run.algorithm == kind)
            .unwrap()
    };
    let log = &state.levels[column(AlgorithmKind::SlidingWindowLog)];
    assert_eq!(log.len(), 2 * 20 + LEVEL_SAMPLES as usize + 1);
    assert!(
        log.windows(2).all(|pair| pair[0].0 <= pair[1].0),
        "in time order"
    );
    assert_eq!(
        level_at(log, 0).unwrap().value_milli,
        0,
        "nothing admitted yet"
    );
    // The ten requests just before the boundary fill the log to the limit.
    assert_eq!(level_at(log, 999_000).unwrap().value_milli, 10_000);
    // A window after the last admitted request, the log has forgotten every request.
    assert_eq!(level_at(log, 2_500_000).unwrap().value_milli, 0);
    let bucket = &state.levels[column(AlgorithmKind::TokenBucket)];
    let emptied = level_at(bucket, 1_009_000).unwrap();
    assert!(emptied.value_milli < 1_000, "the burst emptied the bucket");
    // One token per 100 ms: a second later the bucket is full again.
    let refilled = level_at(bucket, 2_500_000).unwrap();
    assert_eq!(refilled.value_milli, refilled.capacity_milli);
    assert_eq!(thousandths(2_450), "2.5");
    assert_eq!(thousandths(10_000), "10");
}

#[wasm_bindgen_test]
fn a_click_lands_on_the_nearest_millisecond_inside_the_run() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    assert_eq!(time_at_fraction(0.5, 3_000), 1_500);
    assert_eq!(time_at_fraction(1.2, 3_000), 2_999);
    assert_eq!(time_at_fraction(-0.1, 3_000), 0);
    assert_eq!(time_at_fraction(f64::NAN, 3_000), 0);
    assert_eq!(percent_of(1_500_000, 3_000_000), 50.0);
    assert_eq!(percent_of(5, 0), 0.0);
}

fn engine_outcome(scenario: netsplit_core::Scenario) -> (u64, u64, u64) {
    let until_us = scenario.run_until_ms.unwrap() * 1_000;
    let mut run = netsplit_core::build(&scenario).unwrap();
    run.run_until(until_us + 1_000_000);
    let outcome = live_outcome(&run.client_history(), 10, 1_000_000);
    (
        outcome.admitted,
        outcome.admitted_over_limit,
        outcome.wrongly_rejected,
    )
}

#[wasm_bindgen_test]
fn the_live_global_figure_at_the_end_of_a_run_equals_the_closed_form_model() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let name = "ratelimit-bug-central-store-down";
    let model = report(&RateLimitScenario::from_json(presets::get(name).unwrap()).unwrap())
        .unwrap()
        .distributed
        .unwrap();
    let (admitted, over, wrongly_rejected) =
        engine_outcome(distributed_scenario(name, None, None).unwrap());
    assert_eq!(admitted, model.admitted);
    assert_eq!(over, model.admitted_over_limit);
    assert_eq!(wrongly_rejected, model.wrongly_rejected);
    assert!(over > 0, "failing open exceeds the global limit");
}

#[wasm_bindgen_test]
fn failing_closed_trades_admissions_over_the_limit_for_wrong_rejections() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let name = "ratelimit-bug-central-store-down";
    let (_, open_over, open_wrong) =
        engine_outcome(distributed_scenario(name, None, Some("fail_open")).unwrap());
    let (_, closed_over, closed_wrong) =
        engine_outcome(distributed_scenario(name, None, Some("fail_closed")).unwrap());
    assert!(closed_over < open_over, "{closed_over} < {open_over}");
    assert!(closed_wrong > open_wrong, "{closed_wrong} > {open_wrong}");
    let error = distributed_scenario(name, Some("gossip"), None).unwrap_err();
    assert!(error.contains("gossip"), "{error}");
    assert!(distributed_scenario("ratelimit-boundary-burst", None, None).is_err());
}

async fn render_page() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<netsplit_web::labs::ratelimit::page::RateLimitLab>::with_root(host.clone())
        .render();
    yew::scheduler::flush().await;
    host
}

fn decisions(host: &web_sys::Element, algorithm: &str) -> Vec<String> {
    let marks = host
        .query_selector_all(&format!(
            ".rl-timeline[data-algorithm='{algorithm}'] .rl-mark"
        ))
        .unwrap();
    (0..marks.length())
        .map(|index| {
            marks
                .item(index)
                .unwrap()
                .dyn_into::<web_sys::Element>()
                .unwrap()
                .get_attribute("data-decision")
                .unwrap()
        })
        .collect()
}

fn select(host: &web_sys::Element, selector: &str, value: &str) {
    let select = host
        .query_selector(selector)
        .unwrap()
        .expect("the select")
        .dyn_into::<web_sys::HtmlSelectElement>()
        .unwrap();
    select.set_value(value);
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

fn text(host: &web_sys::Element, selector: &str) -> String {
    host.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn the_page_draws_a_timeline_per_algorithm_with_each_decision_as_a_mark() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render_page().await;
    let timelines = host.query_selector_all(".rl-timeline").unwrap();
    assert_eq!(
        timelines.length(),
        5,
        "the boundary burst preset compares five algorithms"
    );
    let fixed = decisions(&host, "fixed_window");
    let log = decisions(&host, "sliding_window_log");
    assert_eq!(fixed.len(), 20);
    assert!(fixed.iter().all(|decision| decision == "admit"));
    assert_eq!(
        log.iter().filter(|decision| *decision == "reject").count(),
        10
    );
    assert_eq!(text(&host, ".rl-pair-count"), "10");

    // Every control has a label, so it has an accessible name.
    let inputs = host.query_selector_all("input, select").unwrap();
    for index in 0..inputs.length() {
        let input = inputs
            .item(index)
            .unwrap()
            .dyn_into::<web_sys::Element>()
            .unwrap();
        let has_label_element = !input.id().is_empty()
            && host
                .query_selector(&format!("label[for='{}']", input.id()))
                .unwrap()
                .is_some();
        let labelled = input.has_attribute("aria-label") || has_label_element;
        assert!(labelled, "unlabelled control: {}", input.outer_html());
    }

    // A field out of range is refused next to it with the reason.
    let limit = host
        .query_selector("#rl-limit")
        .unwrap()
        .unwrap()
        .dyn_into::<web_sys::HtmlInputElement>()
        .unwrap();
    limit.set_value("0");
    limit
        .dispatch_event(&web_sys::InputEvent::new("input").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    assert_eq!(limit.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(text(&host, "#rl-limit-error").contains("out of range"));
    assert_eq!(
        decisions(&host, "fixed_window").len(),
        20,
        "the timelines stay"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn switching_the_traffic_to_bursty_shows_the_fixed_window_and_the_log_disagreeing() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render_page().await;
    host.query_selector(".rl-traffic button[type='button']")
        .unwrap()
        .expect("the clear button")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap()
        .click();
    select(&host, "#rl-traffic", "steady");
    yew::scheduler::flush().await;
    assert_eq!(
        decisions(&host, "fixed_window"),
        decisions(&host, "sliding_window_log")
    );
    assert_eq!(text(&host, ".rl-pair-count"), "0");
    select(&host, "#rl-traffic", "bursty");
    yew::scheduler::flush().await;
    assert_ne!(
        decisions(&host, "fixed_window"),
        decisions(&host, "sliding_window_log")
    );
    assert_ne!(text(&host, ".rl-pair-count"), "0");
    host.remove();
}

#[wasm_bindgen_test]
async fn the_distributed_tab_runs_the_engine_in_the_playground_with_the_global_figure() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render_page().await;
    host.query_selector("#rl-tab-distributed")
        .unwrap()
        .unwrap()
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap()
        .click();
    yew::scheduler::flush().await;
    assert!(host.query_selector(".cluster-view").unwrap().is_some());
    assert_eq!(
        text(&host, ".rl-over-percent"),
        "0.0 %",
        "nothing answered yet"
    );
    assert_eq!(
        host.query_selector_all(".cluster-view g.node")
            .unwrap()
            .length(),
        4,
        "three limiter nodes and the central counter"
    );
    // One scenario menu, the tab's own: every choice in it has a distributed limiter.
    assert!(
        host.query_selector("select[aria-label='Scenario']")
            .unwrap()
            .is_none(),
        "the playground's own menu would offer presets without a distributed limiter"
    );
    let menu = host
        .query_selector("#rl-distributed-preset")
        .unwrap()
        .expect("the tab's menu");
    let options = menu.query_selector_all("option").unwrap();
    for index in 0..options.length() {
        let value = options
            .item(index)
            .unwrap()
            .dyn_into::<web_sys::Element>()
            .unwrap()
            .get_attribute("value")
            .unwrap_or_default();
        assert!(
            distributed_scenario(&value, None, None).is_ok(),
            "{value} offered without a distributed limiter"
        );
    }
    assert!(!text(&host, ".rl-global .muted").contains(", ."));
    host.remove();
}
