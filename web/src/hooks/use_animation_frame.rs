//! Calls back once per animation frame while `active`, and not at all otherwise, so a paused
//! page does no frame work and goes idle.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

type FrameClosure = Closure<dyn FnMut(f64)>;

/// Runs `on_frame(timestamp_ms)` every animation frame while `active` is true.
#[hook]
pub fn use_animation_frame(active: bool, on_frame: Callback<f64>) {
    use_effect_with(active, move |&active| {
        let handle: Rc<RefCell<Option<i32>>> = Rc::new(RefCell::new(None));
        let closure: Rc<RefCell<Option<FrameClosure>>> = Rc::new(RefCell::new(None));
        if active {
            let handle_inner = handle.clone();
            let closure_inner = closure.clone();
            *closure.borrow_mut() = Some(Closure::new(move |timestamp: f64| {
                on_frame.emit(timestamp);
                if let (Some(window), Some(callback)) =
                    (web_sys::window(), closure_inner.borrow().as_ref())
                {
                    *handle_inner.borrow_mut() = window
                        .request_animation_frame(callback.as_ref().unchecked_ref())
                        .ok();
                }
            }));
            if let (Some(window), Some(callback)) = (web_sys::window(), closure.borrow().as_ref()) {
                *handle.borrow_mut() = window
                    .request_animation_frame(callback.as_ref().unchecked_ref())
                    .ok();
            }
        }
        move || {
            if let (Some(window), Some(id)) = (web_sys::window(), handle.borrow_mut().take()) {
                let _ = window.cancel_animation_frame(id);
            }
            // Dropping the closure breaks the cycle between it and its own handle.
            closure.borrow_mut().take();
        }
    });
}
