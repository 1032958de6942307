//! The browser entry point Trunk builds.
fn main() {
    netsplit_web::panic_overlay::install();
    yew::Renderer::<netsplit_web::App>::new().render();
}
