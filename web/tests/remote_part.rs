//! A part of a page rendered from the host element's request, as a part's bundle renders it
//! (web/src/remote_part.rs).

use netsplit_web::remote_part::{CHANGE_EVENT, PartRequest, PartRoot, PartRootProps};
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

fn preset_view(preset: Option<String>) -> Html {
    html! { <p class="part-preset">{ preset.unwrap_or_else(|| "default".into()) }</p> }
}

/// Lets Yew finish rendering.
async fn settle() {
    yew::scheduler::flush().await;
}

fn host() -> web_sys::Element {
    let document = document();
    let host = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&host)
        .expect("appended");
    host
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|window| window.document())
        .expect("a document")
}

#[wasm_bindgen_test]
fn a_request_written_on_the_host_reads_back_the_same() {
    let host = host();
    for request in [
        PartRequest {
            preset: Some("ratelimit-bug-central-store-down".into()),
            shown: true,
        },
        PartRequest {
            preset: None,
            shown: false,
        },
    ] {
        request.write(&host);
        assert_eq!(PartRequest::read(&host), request);
    }
    // A host the page never wrote on asks for the default, shown.
    let fresh = document().create_element("div").expect("a div");
    assert_eq!(
        PartRequest::read(&fresh),
        PartRequest {
            preset: None,
            shown: true
        }
    );
}

#[wasm_bindgen_test]
async fn the_part_follows_the_pages_requests_and_renders_nothing_while_hidden() {
    let host = host();
    PartRequest {
        preset: Some("first".into()),
        shown: true,
    }
    .write(&host);
    yew::Renderer::<PartRoot>::with_root_and_props(
        host.clone(),
        PartRootProps {
            host: host.clone(),
            view: preset_view,
        },
    )
    .render();
    settle().await;
    let text = |host: &web_sys::Element| host.text_content().unwrap_or_default();
    assert_eq!(text(&host), "first");

    let change = || {
        host.dispatch_event(&web_sys::Event::new(CHANGE_EVENT).expect("an event"))
            .expect("dispatched")
    };
    PartRequest {
        preset: Some("second".into()),
        shown: true,
    }
    .write(&host);
    assert_eq!(
        text(&host),
        "first",
        "nothing changes before the page fires the event"
    );
    change();
    settle().await;
    assert_eq!(text(&host), "second");

    PartRequest {
        preset: Some("second".into()),
        shown: false,
    }
    .write(&host);
    change();
    settle().await;
    assert_eq!(
        host.query_selector(".part-preset").expect("a query"),
        None,
        "hidden: nothing rendered"
    );

    PartRequest {
        preset: None,
        shown: true,
    }
    .write(&host);
    change();
    settle().await;
    assert_eq!(text(&host), "default");
}
