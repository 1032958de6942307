//! The network canvas in a real browser: SVG for small clusters, a painted canvas with a node
//! list for large ones, and the sampling of heavy traffic.

use netsplit_web::components::cluster_view::{CANVAS_NODES_MIN, next_stride};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "support/playground.rs"]
mod support;
use support::render_playground;

#[wasm_bindgen_test]
async fn a_thousand_nodes_are_painted_on_a_canvas_with_a_node_list_for_the_keyboard() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render_playground("broadcast", "broadcast-large", 0).await;
    let canvas = host
        .query_selector("canvas.cluster-view")
        .unwrap()
        .expect("a large cluster is painted on a canvas");
    assert_eq!(canvas.get_attribute("data-nodes").as_deref(), Some("1000"));
    assert_eq!(
        host.query_selector_all(".cluster-view g.node")
            .unwrap()
            .length(),
        0,
        "no SVG element per node"
    );
    let picker = host
        .query_selector("select[aria-label='Node']")
        .unwrap()
        .expect("a node list for keyboard users")
        .dyn_into::<web_sys::HtmlSelectElement>()
        .unwrap();
    assert_eq!(picker.length(), 1_001, "one option per node plus none");
    picker.set_value("7");
    picker
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    let inspector = host
        .query_selector("section.inspector h2")
        .unwrap()
        .expect("the inspector");
    assert_eq!(inspector.text_content().unwrap(), "Node n7");
}

#[wasm_bindgen_test]
async fn a_small_cluster_keeps_one_focusable_svg_element_per_node() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render_playground("broadcast", "broadcast-basic", 0).await;
    let nodes = host.query_selector_all(".cluster-view g.node").unwrap();
    assert_eq!(nodes.length(), 5);
    const { assert!(5 < CANVAS_NODES_MIN) };
    let first = nodes
        .get(0)
        .unwrap()
        .dyn_into::<web_sys::Element>()
        .unwrap();
    assert_eq!(first.get_attribute("tabindex").as_deref(), Some("0"));
    assert!(host.query_selector("canvas").unwrap().is_none());
}

#[wasm_bindgen_test]
fn the_sampling_stride_grows_with_the_traffic_and_shrinks_only_well_below_the_bound() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    assert_eq!(next_stride(1, 500, 1_000), 1, "everything fits");
    assert_eq!(
        next_stride(1, 20_000, 1_000),
        32,
        "20,000 / 32 = 625 fit, 20,000 / 16 = 1,250 do not"
    );
    assert_eq!(
        next_stride(32, 12_000, 1_000),
        32,
        "12,000 / 16 = 750 would fit, but is above half the bound: keep 32"
    );
    assert_eq!(
        next_stride(32, 7_000, 1_000),
        16,
        "7,000 / 16 = 437 is under half the bound: halve"
    );
    assert_eq!(next_stride(32, 0, 1_000), 1, "no traffic, no sampling");
    assert_eq!(
        next_stride(0, 10, 0),
        8,
        "a bound of zero is taken as one: 10 / 8 = 1 fits it"
    );
}

/// The `data-left` share of every election-timer ring on the canvas.
fn ring_shares(host: &web_sys::Element) -> Vec<f64> {
    let rings = host.query_selector_all("circle.timer-ring").unwrap();
    (0..rings.length())
        .map(|index| {
            rings
                .get(index)
                .unwrap()
                .dyn_into::<web_sys::Element>()
                .unwrap()
                .get_attribute("data-left")
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn each_raft_server_wears_an_election_timer_ring_that_drains_and_says_when_it_fires() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render_playground("raft", "raft-steady-state", 0).await;
    assert_eq!(
        ring_shares(&host),
        vec![1.0; 5],
        "every server's timer was just armed"
    );
    let title = host
        .query_selector("circle.timer-ring title")
        .unwrap()
        .expect("a ring carries its time in words")
        .text_content()
        .unwrap();
    assert!(
        title.starts_with("n0: election timeout in ") && title.ends_with(" ms"),
        "{title}"
    );
    // Step to the first event: the first election timeout fires. That server re-arms its timer
    // (a full ring again) as it becomes a candidate; the others' rings have drained part way.
    let step = host
        .query_selector("button[aria-label='Step']")
        .unwrap()
        .expect("a Step button")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap();
    step.click();
    yew::scheduler::flush().await;
    let shares = ring_shares(&host);
    assert_eq!(shares.len(), 5);
    assert!(
        shares.iter().any(|&share| share > 0.0 && share < 1.0),
        "some rings drained part way: {shares:?}"
    );
    assert!(
        shares.iter().all(|&share| share > 0.0),
        "no timer is overdue: {shares:?}"
    );
}
