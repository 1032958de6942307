//! Page-wide keyboard shortcuts: Space plays or pauses, Right arrow steps. Ignored while the
//! focus is in a text field or on a control that uses those keys itself.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// A shortcut the playground understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    /// Space.
    TogglePlay,
    /// Right arrow.
    Step,
}

/// Calls `on_shortcut` for each shortcut pressed anywhere on the page.
#[hook]
pub fn use_key_shortcuts(on_shortcut: Callback<Shortcut>) {
    use_effect_with((), move |_| {
        let listener =
            Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |event: web_sys::KeyboardEvent| {
                if event.ctrl_key() || event.meta_key() || event.alt_key() {
                    return;
                }
                let target_tag = event
                    .target()
                    .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
                    .map(|element| element.tag_name().to_ascii_lowercase())
                    .unwrap_or_default();
                // Text fields, sliders and buttons already give Space and arrows a meaning.
                if matches!(
                    target_tag.as_str(),
                    "input" | "select" | "textarea" | "button" | "a"
                ) {
                    return;
                }
                let shortcut = match event.key().as_str() {
                    " " | "Spacebar" => Shortcut::TogglePlay,
                    "ArrowRight" => Shortcut::Step,
                    _ => return,
                };
                event.prevent_default();
                on_shortcut.emit(shortcut);
            });
        let window = web_sys::window();
        if let Some(window) = &window {
            let _ = window
                .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(window) = window {
                let _ = window.remove_event_listener_with_callback(
                    "keydown",
                    listener.as_ref().unchecked_ref(),
                );
            }
        }
    });
}
