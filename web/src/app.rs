//! The application root.
use yew::prelude::*;

/// The whole app.
#[component]
pub fn App() -> Html {
    html! {
        <main class="home">
            <h1>{ "Netsplit" }</h1>
            <p class="pitch">{ "Break a distributed system in your browser and watch it recover." }</p>
            <section class="gallery" aria-label="Labs">
                <p>{ "Labs are coming: Raft, consistent hashing, rate limiting, load balancing." }</p>
            </section>
        </main>
    }
}
