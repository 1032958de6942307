//! Netsplit's browser front end: a Yew app over `netsplit-core`.
//!
//! Only this crate touches wall-clock time, the DOM and the URL.

pub mod app;
pub mod components;
pub mod labs;
pub mod route;

pub use app::App;
