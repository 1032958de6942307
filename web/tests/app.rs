//! The app rendered in a real browser (headless Chromium via wasm-bindgen-test).

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Renders the app into a fresh element and lets Yew finish rendering.
async fn render_app() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<netsplit_web::App>::with_root(host.clone()).render();
    yew::scheduler::flush().await;
    host
}

#[wasm_bindgen_test]
async fn the_home_page_shows_the_title_and_a_card_per_lab() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let host = render_app().await;
    let heading = host.query_selector("h1").unwrap().expect("a heading");
    assert_eq!(heading.text_content().unwrap(), "Netsplit");
    let cards = host.query_selector_all(".gallery .lab-card").unwrap();
    assert_eq!(cards.length() as usize, netsplit_web::labs::CARDS.len());
    let raft_link = host.query_selector("a[href='#/raft']").unwrap();
    assert!(raft_link.is_some(), "the gallery links to the Raft lab");
}

#[wasm_bindgen_test]
fn routes_are_read_from_the_hash() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    use netsplit_web::route::Route;
    assert_eq!(Route::parse(""), Route::Home);
    assert_eq!(Route::parse("#/"), Route::Home);
    assert_eq!(Route::parse("#/raft"), Route::Lab("raft".into()));
    assert_eq!(Route::parse("#/raft?seed=4"), Route::Lab("raft".into()));
    assert_eq!(Route::parse("#/nope"), Route::NotFound("/nope".into()));
    assert_eq!(Route::parse("#section-2"), Route::Home);
}

#[wasm_bindgen_test]
async fn the_broadcast_lab_draws_its_nodes_and_adds_one_on_click() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    use wasm_bindgen::JsCast;
    web_sys::window()
        .unwrap()
        .location()
        .set_hash("#/broadcast")
        .unwrap();
    let host = render_app().await;
    let nodes = host.query_selector_all(".cluster-view g.node").unwrap();
    assert_eq!(nodes.length(), 5, "{}", host.inner_html());
    let add = host
        .query_selector("button[aria-label='Add node']")
        .unwrap()
        .expect("an Add node button")
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap();
    add.click();
    yew::scheduler::flush().await;
    let nodes = host.query_selector_all(".cluster-view g.node").unwrap();
    assert_eq!(nodes.length(), 6);
    web_sys::window().unwrap().location().set_hash("").unwrap();
}
