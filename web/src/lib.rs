//! Netsplit's browser front end: a Yew app over `netsplit-core`.
//!
//! Only this crate touches wall-clock time, the DOM and the URL.

pub mod app;
pub mod bundle;
pub mod components;
pub mod embed;
pub mod hooks;
pub mod host_api;
pub mod labs;
pub mod layout;
pub mod number;
pub mod panic_overlay;
pub mod remote_part;
pub mod route;
pub mod share;
pub mod state;

pub use app::App;
