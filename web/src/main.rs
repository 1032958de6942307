//! The browser entry point Trunk builds.
fn main() {
    console_error_panic_hook::set_once();
    yew::Renderer::<netsplit_web::App>::new().render();
}
