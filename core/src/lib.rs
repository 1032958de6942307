//! Netsplit's simulation core: a deterministic discrete-event simulator, its network
//! and fault model, the protocols it runs, the scenario format, traces and invariant
//! checkers. Pure Rust: no wasm, browser, clock or thread dependencies, so the same
//! scenario gives the same run natively, in the CLI and in the browser.

pub mod bench;
pub mod catalogue;
pub mod check;
pub mod collections;
pub mod event;
pub mod explore;
pub mod invariant;
pub mod json_path;
pub mod lab;
pub mod labs;
pub mod metrics;
pub mod network;
pub mod presets;
pub mod protocol;
pub mod queue;
pub mod rng;
pub mod scenario;
pub mod share;
pub mod sim;
pub mod spacetime;
pub(crate) mod tagged_enum;
pub mod timetravel;
pub mod trace;

pub use catalogue::{LABS, build, build_from_json};
pub use event::{Action, ActionError, DropReason, NodeStatus, TraceEvent};
pub use invariant::{CheckerLimit, Invariant, InvariantKind, InvariantStatus, Violation, Warning};
pub use lab::{Lab, LabInfo, LabProtocol, LabRun};
pub use metrics::MetricsView;
pub use protocol::{Context, Effect, MessageInfo, NodeId, Out, OutFor, Protocol, RequestId, Time};
pub use scenario::{Scenario, ScenarioError};
pub use sim::{LinkView, MessageView, NodeView, RunStop, SimView, Simulator};
pub use trace::TraceEntryView;
