//! The application root: hash routing between the home gallery and the labs.
//!
//! Routes live in the URL hash (`#/raft`, `#/hashing`, ...) so any static host serves the app
//! without rewrite rules.

use yew::prelude::*;

use crate::components::site_header::site_header;
use crate::route::{Route, use_route};

/// The whole app.
#[component]
pub fn App() -> Html {
    let route = use_route();
    let embed = crate::embed::current();
    use_effect_with((), move |_| {
        crate::embed::apply_to_document(&crate::embed::current())
    });
    // An embed names its lab in the query (`?embed&lab=raft`) when the hash names none.
    let shown = match (&*route, &embed.lab) {
        (Route::Home, Some(lab)) => Route::Lab(lab.clone()),
        (route, _) => route.clone(),
    };
    // This bundle carries some pages only (crate::bundle). The page a visit starts on is
    // the one www/loader.js picked the bundle for; navigating to a page of another bundle
    // reloads, and the loader then starts that one.
    let bundle = crate::bundle::current();
    let first = use_mut_ref(|| shown.clone());
    let elsewhere = !bundle.shows(&shown);
    let moved = *first.borrow() != shown;
    use_effect_with((elsewhere, moved), |(elsewhere, moved)| {
        if *elsewhere
            && *moved
            && let Some(window) = web_sys::window()
        {
            let _ = window.location().reload();
        }
    });
    let body = match &shown {
        _ if elsewhere && moved => html! {
            <main class="home" aria-busy="true">
                <p class="pitch" role="status">{ "Loading…" }</p>
            </main>
        },
        _ if elsewhere => html! {
            <main class="home">
                <h1>{ "This page did not load" }</h1>
                <p class="pitch" role="alert">{ format!(
                    "The {} bundle of the app started, and it does not carry this page. Reload the page to try again.",
                    bundle.name
                ) }</p>
                <a href="#/">{ "Back to all labs" }</a>
            </main>
        },
        Route::Home => bundle.home.map(|gallery| gallery()).unwrap_or_default(),
        Route::Lab(id) => bundle
            .lab(id)
            .map(|lab| (lab.page)(lab))
            .unwrap_or_default(),
        Route::NotFound(path) => html! {
            <main class="home">
                <h1>{ "Page not found" }</h1>
                <p class="pitch">{ format!("Nothing lives at #{path}.") }</p>
                <a href="#/">{ "Back to all labs" }</a>
            </main>
        },
    };
    html! {
        <>
            { site_header(&route) }
            { body }
        </>
    }
}
