//! The home page: the pitch and a card per lab.

use yew::prelude::*;

use crate::components::lab_picture::LabPicture;
use crate::labs::LABS;
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
                { for LABS.iter().map(|lab| html! {
                    <li class="lab-card">
                        <LabPicture lab={lab.id} />
                        <h2>{ lab.title }</h2>
                        <p>{ lab.description }</p>
                        <p class="papers">{ lab.papers }</p>
                        <a class="button primary open" href={Route::Lab(lab.id.to_string()).href()}
                           aria-label={format!("Open the {} lab", lab.title)}>{ "Open lab" }</a>
                    </li>
                }) }
            </ul>
        </main>
    }
}
