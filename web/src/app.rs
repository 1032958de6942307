//! The application root: hash routing between the home gallery and the labs.
//!
//! Routes live in the URL hash (`#/raft`, `#/hashing`, ...) so any static host serves the app
//! without rewrite rules.

use yew::prelude::*;

use crate::components::hashing_lab::HashingLabPage;
use crate::components::home_gallery::HomeGallery;
use crate::components::lab_page::LabPage;
use crate::components::ratelimit_lab::RateLimitLab;
use crate::components::site_header::SiteHeader;
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
    let body = match &shown {
        Route::Home => html! { <HomeGallery /> },
        Route::Lab(id) if id == "hashing" => html! { <HashingLabPage /> },
        Route::Lab(id) => match crate::labs::find(id) {
            // The rate limiting lab has its own page: the side-by-side view is not a
            // message-passing run, and its distributed view mounts the playground itself.
            Some(card) if card.id == "ratelimit" => html! { <RateLimitLab /> },
            Some(card) => html! { <LabPage card={card} /> },
            None => html! {},
        },
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
            <SiteHeader route={(*route).clone()} />
            { body }
        </>
    }
}
