//! The home page: the pitch and a card per lab.

use yew::prelude::*;

use crate::components::lab_picture::lab_picture;
use crate::labs::CARDS;
use crate::route::Route;

/// The home page with the lab gallery.
#[component]
pub fn HomeGallery() -> Html {
    html! {
        <main class="home">
            <h1>{ "Netsplit" }</h1>
            <p class="pitch">
                { "A distributed-systems playground: crash leaders, cut links and throttle traffic, \
                   then watch consensus, hashing and rate limiting react. Every run replays exactly from its seed." }
            </p>
            <ul class="gallery" aria-label="Labs">
                { for CARDS.iter().map(|lab| html! {
                    <li class="lab-card">
                        { lab_picture((lab.picture)()) }
                        <h2>{ lab.title }</h2>
                        <p>{ lab.description }</p>
                        <p class="papers">{ lab.papers.join("; ") }</p>
                        <a class="button primary open" href={Route::Lab(lab.id.to_string()).href()}
                           aria-label={format!("Open the {} lab", lab.title)}>{ "Open lab" }</a>
                    </li>
                }) }
            </ul>
        </main>
    }
}
