//! What the browser test files share: rendering a lab's playground into a fresh element.
//! Included with `#[path]`.

use netsplit_core::{presets, scenario::Scenario};
use netsplit_web::components::lab_page::{Playground, PlaygroundProps};
use netsplit_web::state::PlaygroundState;

/// Renders lab `lab`'s playground on preset `preset`, run to `until` µs first, into a fresh
/// element of the page.
pub async fn render_playground(lab: &str, preset: &str, until: u64) -> web_sys::Element {
    let entry = netsplit_web::labs::ENTRIES
        .iter()
        .find(|entry| entry.id() == lab)
        .expect("the lab has an entry");
    let scenario = Scenario::parse(presets::get(preset).expect("the preset exists")).unwrap();
    let initial = PlaygroundState::new(lab, scenario).unwrap();
    initial.run.borrow_mut().run_until(until);
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<Playground>::with_root_and_props(
        host.clone(),
        PlaygroundProps {
            entry,
            initial,
            side_panel: None,
            page_chooses_scenario: false,
        },
    )
    .render();
    yew::scheduler::flush().await;
    host
}
