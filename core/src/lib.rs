//! Netsplit's simulation core: a deterministic discrete-event simulator, its network
//! and fault model, the protocols it runs, the scenario format, traces and invariant
//! checkers. Pure Rust: no wasm, browser, clock or thread dependencies, so the same
//! scenario gives the same run natively, in the CLI and in the browser.

pub mod check;
pub mod protocol;
pub mod protocols;

pub use protocol::{Context, Effect, MessageInfo, NodeId, Out, OutFor, Protocol, RequestId, Time};
