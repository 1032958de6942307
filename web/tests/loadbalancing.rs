//! The load balancing lab's charts, drawn in a real browser from real runs: the
//! slow-server preset (round robin keeps feeding a slowed server) and the
//! dead-server preset (requests to a crashed server fail until it is detected).

use netsplit_core::labs::loadbalancing::lab::report_of;
use netsplit_core::labs::loadbalancing::report::Report;
use netsplit_core::presets;
use netsplit_core::scenario::Scenario;
use netsplit_web::labs::loadbalancing::figures::{
    format_ms, latest_complete_window, loadbalancing_figures, nice_ceiling, server_condition,
};
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The report of preset `name` run to `until_ms`.
fn report_at(name: &str, until_ms: u64) -> Report {
    let text = presets::all()
        .iter()
        .find(|(preset, _)| *preset == name)
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("no preset {name}"));
    let scenario = Scenario::parse(text).expect("the preset parses");
    let mut run = netsplit_core::catalogue::build(&scenario).expect("the preset builds");
    run.run_until(until_ms * 1_000);
    report_of(run.as_ref()).expect("a load balancing run has a report")
}

#[derive(Properties, PartialEq)]
struct FiguresProps {
    report: Report,
}

#[component]
fn Figures(props: &FiguresProps) -> Html {
    loadbalancing_figures(&props.report)
}

/// Renders the figures of `report` into a fresh element.
async fn render(report: Report) -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<Figures>::with_root_and_props(host.clone(), FiguresProps { report }).render();
    yew::scheduler::flush().await;
    host
}

fn text_of(host: &web_sys::Element, selector: &str) -> String {
    host.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector} in {}", host.inner_html()))
        .text_content()
        .unwrap_or_default()
}

fn attribute_of(host: &web_sys::Element, selector: &str, name: &str) -> String {
    host.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
        .get_attribute(name)
        .unwrap_or_default()
}

/// The figure after `word` in the numbers a server row writes out, e.g. "busy 75%"
/// gives 75 for "busy" and "queue 3 now, longest 12" gives 12 for "longest".
fn server_figure(host: &web_sys::Element, node: u32, word: &str) -> f64 {
    let numbers = text_of(
        host,
        &format!("li[data-server='{node}'] .lb-server-numbers"),
    );
    numbers
        .split(&format!("{word} "))
        .nth(1)
        .and_then(|rest| rest.split(['%', ' ']).next())
        .and_then(|figure| figure.parse().ok())
        .unwrap_or_else(|| panic!("no {word} figure in {numbers:?}"))
}

#[wasm_bindgen_test]
async fn the_server_charts_name_the_slowed_server_and_show_it_busier_than_the_rest() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let report = report_at("loadbalancing-slow-server", 6_000);
    let host = render(report.clone()).await;
    let rows = host.query_selector_all("li.lb-server").unwrap();
    assert_eq!(rows.length(), 5, "one row per server");
    assert_eq!(
        text_of(&host, "li[data-server='3'] .lb-condition"),
        "slowed ×3"
    );
    assert!(
        host.query_selector("li[data-server='4'] .lb-condition")
            .unwrap()
            .is_none(),
        "a normal server carries no condition"
    );
    assert!(
        host.query_selector("li[data-server='3'] .lb-marked-ground")
            .unwrap()
            .is_some(),
        "the slowed server's chart is hatched"
    );
    // Two clients at 500 requests per second keep each server's four workers half
    // busy; n3, three times slower, is given the same share and saturates.
    let slowed = server_figure(&host, 3, "busy");
    let slowed_queue = server_figure(&host, 3, "longest");
    assert_eq!(slowed, 100.0);
    for other in [4, 5, 6, 7] {
        let busy = server_figure(&host, other, "busy");
        assert!(slowed > busy * 1.5, "n3 busy {slowed}% vs n{other} {busy}%");
        let queue = server_figure(&host, other, "longest");
        assert!(
            slowed_queue > queue * 5.0,
            "n3 longest queue {slowed_queue} vs n{other} {queue}"
        );
    }
    let label = attribute_of(&host, "li[data-server='3'] svg", "aria-label");
    assert!(label.starts_with("Server n3 (slowed ×3)"), "{label}");
    let utilization = attribute_of(&host, "li[data-server='3'] .lb-utilization", "d");
    assert!(
        utilization.matches('L').count() >= 2 * 5,
        "one step per window: {utilization}"
    );
}

#[wasm_bindgen_test]
async fn the_histogram_marks_the_percentiles_and_writes_them_out() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let report = report_at("loadbalancing-slow-server", 6_000);
    let host = render(report.clone()).await;
    let bars = attribute_of(&host, ".lb-histogram path.lb-bar-ok", "d");
    assert_eq!(
        bars.matches('M').count(),
        report.latency_histogram.len(),
        "one bar per latency range hit"
    );
    let labels: Vec<String> = (0..3)
        .map(|index| {
            host.query_selector_all(".lb-marker-label")
                .unwrap()
                .item(index)
                .and_then(|node| node.text_content())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(labels, ["p50", "p95", "p99"]);
    let summary = text_of(&host, ".lb-histogram-summary");
    assert!(
        summary.contains(&format!("p99 {}", format_ms(report.latency.p99_ms))),
        "{summary}"
    );
    assert!(
        summary.starts_with(&format!("{} successful requests", report.latency.count)),
        "{summary}"
    );
    // The slowed server's requests make the p99 several times the p50.
    assert!(
        report.latency.p99_ms > 4.0 * report.latency.p50_ms,
        "{:?}",
        report.latency
    );
}

#[wasm_bindgen_test]
async fn a_dead_server_shows_as_error_bars_hatched_failures_and_a_time_to_fail_line() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let report = report_at("loadbalancing-dead-server", 7_000);
    let host = render(report.clone()).await;
    let error_bars = attribute_of(&host, "path.lb-error-bar", "d")
        .matches('M')
        .count();
    let windows_with_errors = report
        .windows
        .iter()
        .filter(|window| window.error_rate > 0.0)
        .count();
    assert!(windows_with_errors >= 3, "{:?}", report.windows);
    assert_eq!(
        error_bars, windows_with_errors,
        "one bar per window with errors"
    );
    assert!(
        !attribute_of(&host, "path.lb-failed", "d").is_empty(),
        "the time-to-fail line is drawn"
    );
    assert!(
        attribute_of(&host, "path.lb-bar-failed", "d").starts_with('M'),
        "failed requests appear in the histogram"
    );
    let summary = text_of(&host, ".lb-histogram-summary");
    assert!(
        summary.contains(&format!("{} failed requests", report.requests_failed)),
        "{summary}"
    );
    assert_eq!(
        text_of(&host, "li[data-server='3'] .lb-condition"),
        "crashed"
    );
    let latest = latest_complete_window(&report.windows).expect("windows");
    let written = text_of(&host, ".lb-latest");
    assert!(written.contains("error rate"), "{written}");
    assert_eq!(
        attribute_of(&host, ".lb-latest", "data-window-p99-ms"),
        format!("{:.3}", latest.latency.p99_ms)
    );
}

#[wasm_bindgen_test]
async fn an_empty_run_draws_no_bars_and_says_so() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let report = report_at("loadbalancing-slow-server", 0);
    let host = render(report).await;
    assert!(text_of(&host, ".lb-histogram").contains("No request has ended yet."));
    assert_eq!(attribute_of(&host, "path.lb-error-bar", "d"), "");
}

#[wasm_bindgen_test]
fn helpers_round_scales_and_name_conditions() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    assert_eq!(nice_ceiling(0.0), 1.0);
    assert_eq!(nice_ceiling(7.0), 10.0);
    assert_eq!(nice_ceiling(130.0), 200.0);
    assert_eq!(nice_ceiling(450.0), 500.0);
    assert_eq!(nice_ceiling(f64::NAN), 1.0);
    assert_eq!(format_ms(812.4), "812 ms");
    assert_eq!(format_ms(12.34), "12.3 ms");
    let mut report = report_at("loadbalancing-slow-server", 3_000);
    let server = &mut report.servers[1];
    assert_eq!(server_condition(server), None);
    server.status = "removed".into();
    server.slowdown_percent = 50;
    assert_eq!(
        server_condition(server).as_deref(),
        Some("removed, sped up ×0.5")
    );
}
