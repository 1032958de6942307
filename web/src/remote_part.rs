//! A part of a page whose code lives in another bundle, downloaded when it is first shown.
//!
//! The rate limiting page opens on its side-by-side view, which needs no simulation engine;
//! its "Distributed limiter" tab runs the whole playground. So that a first visit downloads
//! only what it shows, the published site builds that tab as a bundle of its own
//! (`netsplit-ratelimit-distributed`), and the page mounts it into a host element when the
//! learner opens the tab. Two WebAssembly instances then share the page: the page's, which
//! owns everything but the host element's children, and the part's, which renders inside it.
//!
//! They talk through the host element only:
//! - `data-preset` names the preset the part should run (absent: its own default);
//! - `data-shown` is `"false"` while the part is hidden (it then renders nothing, so its
//!   keyboard shortcuts and animation frames stop, as when a local tab unmounts);
//! - after changing either, the page fires [`CHANGE_EVENT`] on the host, and the part reads
//!   them again.
//!
//! `www/loader.js` defines `window.netsplitPart(name)`, which downloads bundle `name` and
//! starts it; that bundle's `main` calls [`mount`]. The development build (`trunk serve`)
//! carries every view itself and never mounts a part.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// The id of the element a part renders into (one part per page).
pub const HOST_ID: &str = "netsplit-part";

/// The event the page fires on the host after changing its `data-*` attributes.
pub const CHANGE_EVENT: &str = "netsplit-part-change";

/// What the page asks of its part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartRequest {
    /// The preset to run, if the page named one.
    pub preset: Option<String>,
    /// Whether the part is on screen.
    pub shown: bool,
}

impl PartRequest {
    /// The request written on `host`.
    pub fn read(host: &web_sys::Element) -> PartRequest {
        PartRequest {
            preset: host.get_attribute("data-preset"),
            shown: host.get_attribute("data-shown").as_deref() != Some("false"),
        }
    }

    /// Writes the request on `host`.
    pub fn write(&self, host: &web_sys::Element) {
        let _ = match &self.preset {
            Some(preset) => host.set_attribute("data-preset", preset),
            None => host.remove_attribute("data-preset"),
        };
        let _ = host.set_attribute("data-shown", if self.shown { "true" } else { "false" });
    }
}

/// Props of [`RemotePart`].
#[derive(Properties, PartialEq)]
pub struct RemotePartProps {
    /// The bundle that carries the part (`ratelimit-distributed`).
    pub bundle: &'static str,
    /// What the part shows, for the loading message ("the distributed limiter").
    pub label: &'static str,
    /// What the page asks of it.
    pub request: PartRequest,
}

/// The host of a part from another bundle: asks the loader for the bundle the first time the
/// part is shown, and passes every later request on. Keep it at one place in the page's tree
/// once rendered: if Yew re-created the host, the part would be left rendering into a
/// detached element.
#[component]
pub fn RemotePart(props: &RemotePartProps) -> Html {
    let host = use_node_ref();
    let requested = use_mut_ref(|| false);
    {
        let host = host.clone();
        let bundle = props.bundle;
        use_effect_with(props.request.clone(), move |request| {
            if let Some(element) = host.cast::<web_sys::Element>() {
                request.write(&element);
                if *requested.borrow() {
                    if let Ok(event) = web_sys::Event::new(CHANGE_EVENT) {
                        let _ = element.dispatch_event(&event);
                    }
                } else if request.shown {
                    *requested.borrow_mut() = true;
                    if let Err(reason) = load(bundle) {
                        show_failure(&element, &reason);
                    }
                }
            }
        });
    }
    html! {
        <>
            <div id={HOST_ID} class="remote-part" ref={host}></div>
            <p class="remote-part-loading muted" role="status">{ format!("Loading {}…", props.label) }</p>
        </>
    }
}

/// Asks `www/loader.js` to download and start bundle `bundle`.
pub fn load(bundle: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("there is no window")?;
    let loader = js_sys::Reflect::get(&window, &JsValue::from_str("netsplitPart"))
        .ok()
        .and_then(|value| value.dyn_into::<js_sys::Function>().ok())
        .ok_or("this page was not started by Netsplit's loader (www/loader.js)")?;
    loader
        .call1(&window, &JsValue::from_str(bundle))
        .map(|_| ())
        .map_err(|error| format!("{error:?}"))
}

/// Writes an alert into the (otherwise empty) host, which also hides the loading message.
pub fn show_failure(host: &web_sys::Element, reason: &str) {
    let Some(document) = host.owner_document() else {
        return;
    };
    if let Ok(note) = document.create_element("p") {
        note.set_class_name("field-error");
        let _ = note.set_attribute("role", "alert");
        note.set_text_content(Some(&format!("This view could not load: {reason}.")));
        let _ = host.append_child(&note);
    }
}

/// Props of [`PartRoot`].
#[derive(Properties)]
pub struct PartRootProps {
    /// The host element the part renders into.
    pub host: web_sys::Element,
    /// Renders the part for a preset.
    pub view: crate::bundle::PartView,
}

impl PartialEq for PartRootProps {
    fn eq(&self, other: &Self) -> bool {
        // The view is fixed for a bundle; the host says which part this is.
        self.host == other.host
    }
}

/// The root of a part's own app: renders the view for the host's current request.
#[component]
pub fn PartRoot(props: &PartRootProps) -> Html {
    let request = use_state(|| PartRequest::read(&props.host));
    {
        let request = request.clone();
        use_effect_with(props.host.clone(), move |host| {
            let listener = {
                let host = host.clone();
                Closure::<dyn Fn()>::new(move || request.set(PartRequest::read(&host)))
            };
            let _ = host
                .add_event_listener_with_callback(CHANGE_EVENT, listener.as_ref().unchecked_ref());
            let host = host.clone();
            move || {
                let _ = host.remove_event_listener_with_callback(
                    CHANGE_EVENT,
                    listener.as_ref().unchecked_ref(),
                );
            }
        });
    }
    if !request.shown {
        return Html::default();
    }
    (props.view)(request.preset.clone())
}

/// Starts a part's bundle: installs `bundle` and renders its part `name` into the page's
/// host. What the `main` of a part's bundle does.
pub fn mount(bundle: &'static crate::bundle::Bundle, name: &str) {
    crate::panic_overlay::install();
    crate::bundle::install(bundle);
    let host = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(HOST_ID));
    match (host, bundle.part(name)) {
        (Some(host), Some(view)) => {
            yew::Renderer::<PartRoot>::with_root_and_props(
                host.clone(),
                PartRootProps { host, view },
            )
            .render();
        }
        (None, _) => web_sys::console::error_1(&JsValue::from_str(&format!(
            "Netsplit: bundle {} found no #{HOST_ID} element to render into",
            bundle.name
        ))),
        (_, None) => web_sys::console::error_1(&JsValue::from_str(&format!(
            "Netsplit: bundle {} does not carry part {name}",
            bundle.name
        ))),
    }
}
