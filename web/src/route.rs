//! Hash routing: the part of the URL after `#` picks the page.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// A page of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// The lab gallery.
    Home,
    /// One lab, by its id (`raft`, `hashing`, ...).
    Lab(String),
    /// A hash that names nothing.
    NotFound(String),
}

impl Route {
    /// Reads a route from a location hash such as `#/raft?seed=3`.
    pub fn parse(hash: &str) -> Route {
        let path = hash.trim_start_matches('#');
        // A hash that is not a route (an in-page anchor, or a test runner's own marker) shows home.
        if !path.starts_with('/') {
            return Route::Home;
        }
        let path = path.split('?').next().unwrap_or("");
        let trimmed = path.trim_matches('/');
        if trimmed.is_empty() {
            return Route::Home;
        }
        if crate::labs::find(trimmed).is_some() {
            Route::Lab(trimmed.to_string())
        } else {
            Route::NotFound(path.to_string())
        }
    }

    /// The hash that leads to this route.
    pub fn href(&self) -> String {
        match self {
            Route::Home => "#/".into(),
            Route::Lab(id) => format!("#/{id}"),
            Route::NotFound(path) => format!("#{path}"),
        }
    }
}

/// The page's location hash (`#/raft?s=..`), or an empty string.
pub fn current_hash() -> String {
    web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default()
}

/// The current route, updated on every `hashchange`.
#[hook]
pub fn use_route() -> UseStateHandle<Route> {
    let route = use_state(|| Route::parse(&current_hash()));
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener =
                Closure::<dyn Fn()>::new(move || route.set(Route::parse(&current_hash())));
            let window = web_sys::window();
            if let Some(window) = &window {
                let _ = window.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(window) = window {
                    let _ = window.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    route
}
