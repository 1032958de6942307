//! Checkers that judge a run from what its clients saw.
//!
//! [`linearizability`] decides whether a recorded client [`history`] could have come
//! from a single copy of the object described by a sequential [`model`]: the guarantee
//! Raft's key-value store promises and the one a learner breaks by turning on a bug
//! switch. Checkers live apart from protocol code and know nothing of nodes or
//! messages, so one checker serves every protocol whose clients speak the model's
//! vocabulary.
//!
//! ```
//! use netsplit_core::check::{CheckOptions, CheckResult, KvInput, KvModel, KvOutput, Op, check};
//!
//! let put = KvInput::Put { key: "x".into(), value: "1".into() };
//! let get = KvInput::Get { key: "x".into() };
//! let history = vec![
//!     Op::completed(1, 0, 10, put, KvOutput::Written),
//!     // The read starts after the write finished, yet misses it: a stale read.
//!     Op::completed(2, 20, 30, get, KvOutput::Value(None)),
//! ];
//! let report = check(&KvModel, &history, &CheckOptions::default()).unwrap();
//! assert!(matches!(report.result, CheckResult::NotLinearizable { .. }));
//! ```

pub mod history;
pub mod linearizability;
pub mod model;

#[cfg(test)]
mod tests;

pub use history::{ClientId, HISTORY_OPS_MAX, HistoryError, HistoryRecorder, Op, validate};
pub use linearizability::{CheckOptions, CheckReport, CheckResult, check};
pub use model::{KvInput, KvModel, KvOutput, Model};
