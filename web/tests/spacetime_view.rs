//! The space-time diagram in a real browser: lanes, arrows and marks drawn from the core's
//! query, and a click on an arrow selecting the same event the event log marks.

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "support/playground.rs"]
mod support;
use support::render_playground;

fn click(element: &web_sys::Element) {
    let dispatch = js_sys::Function::new_with_args(
        "element",
        "element.dispatchEvent(new MouseEvent('click', { bubbles: true }))",
    );
    dispatch
        .call1(&wasm_bindgen::JsValue::NULL, element)
        .unwrap();
}

fn count(host: &web_sys::Element, selector: &str) -> u32 {
    host.query_selector_all(selector).unwrap().length()
}

#[wasm_bindgen_test]
async fn every_engine_lab_draws_a_space_time_diagram_with_a_lane_per_node() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    for (lab, preset, lanes) in [
        ("raft", "raft-leader-crash", 5),
        ("broadcast", "broadcast-basic", 5),
    ] {
        let host = render_playground(lab, preset, 1_000_000).await;
        assert!(
            host.query_selector("svg.spacetime-view").unwrap().is_some(),
            "{lab} has the diagram"
        );
        assert_eq!(count(&host, "svg.spacetime-view .st-label"), lanes, "{lab}");
        assert!(
            count(&host, "svg.spacetime-view g.st-deliver") > 0,
            "{lab} draws arrows"
        );
    }
}

#[wasm_bindgen_test]
async fn a_crashed_leader_is_a_gap_in_its_lane_and_fit_all_shows_the_whole_run() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render_playground("raft", "raft-leader-crash", 2_000_000).await;
    let fit = host
        .query_selector_all(".spacetime-tools button")
        .unwrap()
        .get(2)
        .unwrap()
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap();
    assert_eq!(fit.text_content().unwrap(), "Fit all");
    fit.click();
    yew::scheduler::flush().await;
    assert_eq!(count(&host, "svg.spacetime-view .st-lane.st-crashed"), 1);
    let status = host.query_selector(".spacetime-status").unwrap().unwrap();
    assert!(
        status.text_content().unwrap().contains("the whole run"),
        "{:?}",
        status.text_content()
    );
}

#[wasm_bindgen_test]
async fn clicking_an_arrow_selects_the_same_event_the_event_log_marks() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render_playground("broadcast", "broadcast-basic", 600_000).await;
    let arrows = host
        .query_selector_all("svg.spacetime-view g.st-deliver")
        .unwrap();
    let arrow = arrows
        .get(arrows.length() / 2)
        .unwrap()
        .dyn_into::<web_sys::Element>()
        .unwrap();
    let seq = arrow
        .get_attribute("data-seq")
        .expect("an arrow names its event");
    click(&arrow);
    yew::scheduler::flush().await;
    let in_diagram = host
        .query_selector("svg.spacetime-view [aria-current='true']")
        .unwrap()
        .expect("the diagram marks the selection");
    assert_eq!(in_diagram.get_attribute("data-seq"), Some(seq.clone()));
    let in_log = host
        .query_selector(".event-log [aria-current='true']")
        .unwrap()
        .expect("the event log marks the same event");
    assert_eq!(in_log.get_attribute("data-seq"), Some(seq));
    let described = host.query_selector(".spacetime-selected").unwrap().unwrap();
    assert!(
        described
            .text_content()
            .unwrap()
            .contains("causal past is drawn"),
        "the selection and its causality are told in words"
    );
    assert!(count(&host, "svg.spacetime-view .st-past") > 0);
}
