//! The consistent hashing lab's page: its reducer and its rendering, in a real browser.

use std::rc::Rc;

use netsplit_core::labs::hashing::{Ring, Scheme, SchemeKind};
use netsplit_web::labs::hashing::page::HashingLabView;
use netsplit_web::labs::hashing::state::{
    Action, Field, HashingState, KEY_DOTS_MAX, count, moved_sentence, parse_field,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Debug WebAssembly is slow, so the tests use a tenth of the page's 100,000 keys; the
/// Playwright test runs the page's own numbers in the release build.
const KEYS: u32 = 10_000;

#[component]
fn SmallLab() -> Html {
    let state = use_reducer(|| HashingState::with_keys(KEYS));
    html! { <HashingLabView state={state} /> }
}

fn reduce(state: HashingState, action: Action) -> HashingState {
    (*Rc::new(state).reduce(action)).clone()
}

#[wasm_bindgen_test]
fn adding_an_eleventh_node_to_the_ring_moves_about_one_key_in_eleven_all_to_the_new_node() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = HashingState::with_keys(KEYS);
    assert_eq!(state.lab.scheme(), SchemeKind::Ring);
    assert_eq!(state.lab.membership().live.len(), 10);
    let state = reduce(state, Action::AddNode);
    let last = state.lab.last_change().expect("a change happened");
    // Karger et al.: only the keys on the arcs the new node's tokens take over move, and
    // they move to the new node.
    assert!(last.moved.iter().all(|moved| moved.to == 10));
    let fraction = last.metrics.moved_fraction;
    assert!((0.06..0.12).contains(&fraction), "moved {fraction}");
    assert!((last.metrics.ideal_fraction - 1.0 / 11.0).abs() < 1e-9);
    let sentence = moved_sentence(&state).unwrap();
    assert!(sentence.contains("ideal 9.1%"), "{sentence}");
    assert!(
        sentence.starts_with("add node 10 (weight 1): moved "),
        "{sentence}"
    );
}

#[wasm_bindgen_test]
fn switching_to_modulo_after_the_change_recounts_it_and_about_ten_keys_in_eleven_move() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = reduce(HashingState::with_keys(KEYS), Action::AddNode);
    let ring_moved = state.lab.last_change().unwrap().metrics.keys_moved;
    let state = reduce(state, Action::SetScheme(SchemeKind::Modulo));
    let modulo_moved = state.lab.last_change().unwrap().metrics.keys_moved;
    // hash mod 10 and hash mod 11 agree only when hash mod 110 is below 10: 1 in 11.
    let keys = state.lab.keys().len() as f64;
    assert!((modulo_moved as f64 / keys - 10.0 / 11.0).abs() < 0.01);
    assert!(modulo_moved > 8 * ring_moved);
    let comparison = state.derived.comparison.as_ref().unwrap();
    assert_eq!(comparison.len(), SchemeKind::ALL.len());
    let modulo_row = comparison
        .iter()
        .find(|row| row.scheme == SchemeKind::Modulo)
        .unwrap();
    assert_eq!(modulo_row.change.as_ref().unwrap().keys_moved, modulo_moved);
}

#[wasm_bindgen_test]
fn an_out_of_range_field_is_refused_with_its_reason_and_the_lab_stays_as_it_was() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = HashingState::with_keys(KEYS);
    let before = state.lab.clone();
    let state = reduce(state, Action::SetField(Field::Vnodes, "0".into()));
    assert_eq!(
        state.errors.get(&Field::Vnodes).map(String::as_str),
        Some("must be between 1 and 1000, got 0")
    );
    assert_eq!(
        state.drafts.get(&Field::Vnodes).map(String::as_str),
        Some("0")
    );
    assert_eq!(state.lab, before);
    let state = reduce(state, Action::SetField(Field::Keys, "lots".into()));
    assert_eq!(
        state.errors.get(&Field::Keys).map(String::as_str),
        Some("\"lots\" is not a number")
    );
    let state = reduce(state, Action::SetField(Field::Skew, "2.5e9".into()));
    assert!(state.errors.contains_key(&Field::Skew));
    // A good value clears the field's error and applies.
    let state = reduce(state, Action::SetField(Field::Vnodes, "10".into()));
    assert!(!state.errors.contains_key(&Field::Vnodes));
    assert_eq!(state.lab.config().vnodes, 10);
    assert_eq!(state.derived.ring.tokens.len(), 100);
    assert!(parse_field(Field::Replicas, "2.5").is_err());
    assert_eq!(parse_field(Field::Epsilon, "0.5"), Ok(0.5));
}

#[wasm_bindgen_test]
fn crashing_a_node_and_re_adding_it_puts_every_key_back_where_it_was() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = HashingState::with_keys(KEYS);
    let original = state.lab.assignment().to_vec();
    let state = reduce(state, Action::SetTarget(3));
    let state = reduce(state, Action::CrashNode);
    assert!(state.is_crashed(3));
    let crashed = state.lab.last_change().unwrap();
    assert!(crashed.moved.iter().all(|moved| moved.from == 3));
    let state = reduce(state, Action::ReaddNode);
    assert!(!state.is_crashed(3));
    assert_eq!(state.lab.assignment(), original.as_slice());
}

#[wasm_bindgen_test]
fn a_refused_membership_change_says_why() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = reduce(HashingState::with_keys(KEYS), Action::SetTarget(2));
    // Node 2 is live, so it cannot be re-added.
    let state = reduce(state, Action::ReaddNode);
    let reason = state.errors.get(&Field::Membership).expect("a reason");
    assert_eq!(reason, "change: node 2 has not crashed");
    assert!(state.lab.last_change().is_none());
}

#[wasm_bindgen_test]
fn the_modulo_preset_loads_with_its_script_and_its_change_moves_ten_keys_in_eleven() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = reduce(
        HashingState::with_keys(KEYS),
        Action::LoadPreset("hashing-modulo-vs-ring".into()),
    );
    assert_eq!(state.lab.scheme(), SchemeKind::Modulo);
    let preset = state.preset.as_ref().unwrap();
    assert_eq!(preset.pending.len(), 1);
    let state = reduce(state, Action::ApplyPresetChange);
    assert!(state.preset.as_ref().unwrap().pending.is_empty());
    let fraction = state.lab.last_change().unwrap().metrics.moved_fraction;
    assert!((fraction - 10.0 / 11.0).abs() < 0.01, "moved {fraction}");
    let state = reduce(state, Action::LoadPreset("no-such-preset".into()));
    assert!(state.errors.contains_key(&Field::Preset));
}

#[wasm_bindgen_test]
fn the_ring_draws_at_most_the_capped_number_of_key_dots() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = HashingState::with_keys(KEYS);
    assert!(state.lab.keys().len() > KEY_DOTS_MAX);
    assert!(state.derived.ring.keys.len() <= KEY_DOTS_MAX);
    assert!(state.derived.ring.keys.len() > KEY_DOTS_MAX / 2);
    assert_eq!(count(100_000), "100,000");
    assert_eq!(count(999), "999");
}

fn html_element(host: &web_sys::Element, selector: &str) -> web_sys::HtmlElement {
    host.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap()
}

#[wasm_bindgen_test]
async fn the_page_highlights_moved_keys_after_add_node_and_the_count_jumps_under_modulo() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<SmallLab>::with_root(host.clone()).render();
    yew::scheduler::flush().await;

    let heading = host.query_selector("h1").unwrap().unwrap();
    assert_eq!(heading.text_content().unwrap(), "Consistent hashing");
    assert_eq!(
        host.query_selector_all(".hashing-ring rect.key.moved")
            .unwrap()
            .length(),
        0
    );

    html_element(&host, "button[aria-label='Add node']").click();
    yew::scheduler::flush().await;
    let status = html_element(&host, ".hashing-moved")
        .text_content()
        .unwrap();
    assert!(status.contains("ideal 9.1%"), "{status}");
    let highlighted = host
        .query_selector_all(".hashing-ring rect.key.moved")
        .unwrap()
        .length();
    assert!(highlighted > 20, "{highlighted} moved keys drawn");

    let select: web_sys::HtmlSelectElement =
        html_element(&host, "#hashing-scheme").dyn_into().unwrap();
    select.set_value("modulo");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    let status = html_element(&host, ".hashing-moved")
        .text_content()
        .unwrap();
    let percent: f64 = status
        .split("moved ")
        .nth(1)
        .and_then(|rest| rest.split('%').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no percentage in {status}"));
    assert!((percent - 90.9).abs() < 1.5, "{status}");
    let highlighted_modulo = host
        .query_selector_all(".hashing-ring rect.key.moved")
        .unwrap()
        .length();
    assert!(highlighted_modulo > 5 * highlighted);

    // A refused value is shown next to its field.
    let vnodes: web_sys::HtmlInputElement =
        html_element(&host, "#hashing-vnodes").dyn_into().unwrap();
    vnodes.set_value("5000");
    vnodes
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    let error = html_element(&host, "#hashing-vnodes-error")
        .text_content()
        .unwrap();
    assert_eq!(error, "must be between 1 and 1000, got 5000");
    assert_eq!(
        vnodes.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
}

#[wasm_bindgen_test]
fn the_hashing_route_is_read_from_the_hash() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    use netsplit_web::route::Route;
    assert_eq!(Route::parse("#/hashing"), Route::Lab("hashing".into()));
}

#[wasm_bindgen_test]
fn selecting_a_key_shows_a_preference_list_of_n_distinct_nodes_owner_first() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = reduce(HashingState::with_keys(KEYS), Action::SelectKey(Some(7)));
    let walk = state.derived.ring.selected.as_ref().expect("a walk");
    assert_eq!(walk.key, 7);
    let replicas = walk.replicas.as_ref().unwrap();
    // Dynamo: the preference list is the first N distinct nodes clockwise.
    assert_eq!(replicas.len(), 3);
    assert_eq!(replicas[0], walk.owner);
    assert!(replicas[0] != replicas[1] && replicas[1] != replicas[2] && replicas[0] != replicas[2]);
    let state = reduce(state, Action::SetField(Field::Replicas, "5".into()));
    let walk = state.derived.ring.selected.as_ref().unwrap();
    assert_eq!(walk.replicas.as_ref().unwrap().len(), 5);
    let state = reduce(state, Action::SelectKey(Some(u32::MAX)));
    assert!(state.errors.contains_key(&Field::TypedKey));
    let state = reduce(state, Action::TypeKey("bob".into()));
    assert_eq!(state.lab.keys().len(), KEYS as usize + 2);
    assert_eq!(state.derived.ring.selected.as_ref().unwrap().name, "bob");
    assert!(!state.errors.contains_key(&Field::TypedKey));
}

#[wasm_bindgen_test]
fn under_bounded_loads_the_key_panel_lists_the_owner_the_caps_chose_first() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    // One token per node makes some arcs far too large, so full nodes turn keys away.
    let state = reduce(
        HashingState::with_keys(KEYS),
        Action::SetScheme(SchemeKind::BoundedLoads),
    );
    let state = reduce(state, Action::SetField(Field::Vnodes, "1".into()));
    let ring = Ring::build(&state.lab.membership().live, state.lab.config()).unwrap();
    let turned_away = (0..state.lab.keys().len())
        .find(|&key| state.lab.assignment()[key] != ring.lookup(state.lab.keys().hashes[key]))
        .expect("a key the caps moved off its ring owner") as u32;
    let state = reduce(state, Action::SelectKey(Some(turned_away)));
    let walk = state.derived.ring.selected.as_ref().expect("a walk");
    // The page shows the core's list: the placed owner first, then N - 1 other nodes.
    let replicas = walk.replicas.as_ref().unwrap();
    assert_eq!(replicas[0], walk.owner);
    assert_eq!(replicas.len(), 3);
    assert!(replicas[0] != replicas[1] && replicas[1] != replicas[2] && replicas[0] != replicas[2]);
}

#[wasm_bindgen_test]
fn a_jump_hash_crash_in_the_middle_says_why_it_moves_far_more_than_the_ideal() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let state = reduce(
        HashingState::with_keys(KEYS),
        Action::SetScheme(SchemeKind::Jump),
    );
    let state = reduce(state, Action::SetTarget(3));
    let state = reduce(state, Action::CrashNode);
    let sentence = moved_sentence(&state).unwrap();
    assert!(sentence.starts_with("crash node 3: moved "), "{sentence}");
    assert!(sentence.contains("ideal 10.0%"), "{sentence}");
    assert!(sentence.contains("only the last bucket"), "{sentence}");
    let metrics = &state.lab.last_change().unwrap().metrics;
    assert!(
        metrics.moved_fraction > 0.5,
        "moved {}",
        metrics.moved_fraction
    );
}
