//! Sequential specifications the linearizability checker compares histories with.
//!
//! A [`Model`] says what one object does when operations reach it one at a time: from
//! a state and an input, the next state and the answer a correct object gives. The
//! checker's job is to find an order of a concurrent history's operations, consistent
//! with real time, in which every answer is the one the model gives.
//!
//! A model also splits its operations into independent *partitions* (for a key-value
//! store, one per key). Linearizability is compositional (Herlihy & Wing 1990,
//! "Linearizability: A Correctness Condition for Concurrent Objects", Theorem 1): a
//! history is linearizable exactly when the sub-history of each object is, so each key
//! is checked on its own. This turns one search over all operations into many small
//! ones, which is what makes checking thousands of operations cheap.
//!
//! [`KvModel`] is the key-value store every Netsplit protocol's clients speak to:
//! `put`, `get` and compare-and-set on string keys and values, each key an independent
//! register that starts empty.

use std::fmt::Debug;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use super::history::Op;

/// A sequential specification: what a correct object does with one operation at a time.
///
/// The model is deterministic: from a given state an input has exactly one outcome.
/// That is what lets an operation with no answer (a pending one) be placed without
/// guessing its output.
pub trait Model {
    /// The name of an independent part of the object (a key). Operations with
    /// different keys never affect each other.
    type Key: Ord + Clone + Debug;
    /// What a client asks for.
    type Input: Clone + Debug;
    /// What a correct object answers.
    type Output: Clone + PartialEq + Debug;
    /// The state of one partition. `Eq + Hash` because the search remembers which
    /// (operations done, state) pairs it has already explored.
    type State: Clone + Eq + Hash + Debug;

    /// The state every partition starts in.
    fn init(&self) -> Self::State;

    /// The partition `input` belongs to.
    fn partition(&self, input: &Self::Input) -> Self::Key;

    /// Applies `input` to `state`: the state afterwards and the answer a correct object
    /// gives.
    fn step(&self, state: &Self::State, input: &Self::Input) -> (Self::State, Self::Output);

    /// Whether `input` never changes the state. A pending operation of this kind can
    /// be left out of the search: it has no answer to explain and no effect to place,
    /// so it fits anywhere. The default, `false`, is always safe.
    fn is_read_only(&self, _input: &Self::Input) -> bool {
        false
    }

    /// Names a partition for a learner, e.g. `key "x"`.
    fn describe_key(&self, key: &Self::Key) -> String {
        format!("{key:?}")
    }

    /// Names an operation for a learner, e.g. `put(x, 1)`.
    fn describe_input(&self, input: &Self::Input) -> String {
        format!("{input:?}")
    }

    /// Names an answer for a learner, e.g. `"1"` or `nothing`.
    fn describe_output(&self, output: &Self::Output) -> String {
        format!("{output:?}")
    }

    /// Describes a partition's state for a learner, e.g. `holds "1"`.
    fn describe_state(&self, state: &Self::State) -> String {
        format!("is in state {state:?}")
    }

    /// One more sentence on why `blocked` fits no order, when the partition's operations
    /// `ops` alone show it (e.g. "no operation ever wrote that value"). The default says
    /// nothing more.
    fn hint(
        &self,
        _ops: &[&Op<Self::Input, Self::Output>],
        _blocked: &Op<Self::Input, Self::Output>,
    ) -> Option<String> {
        None
    }
}

/// A request to the key-value store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum KvInput {
    /// Set `key` to `value`.
    Put {
        /// The key to write.
        key: String,
        /// The value to store.
        value: String,
    },
    /// Read `key`.
    Get {
        /// The key to read.
        key: String,
    },
    /// Set `key` to `new` if and only if it currently holds `expected` (`None`: if the
    /// key has never been written).
    Cas {
        /// The key to compare and set.
        key: String,
        /// The value the key must hold for the swap to happen, or `None` for "absent".
        expected: Option<String>,
        /// The value to store if the comparison succeeds.
        new: String,
    },
}

impl KvInput {
    /// The key the request is about.
    pub fn key(&self) -> &str {
        match self {
            KvInput::Put { key, .. } | KvInput::Get { key } | KvInput::Cas { key, .. } => key,
        }
    }
}

/// An answer from the key-value store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "result", content = "value", rename_all = "snake_case")]
pub enum KvOutput {
    /// A `put` was applied.
    Written,
    /// A `get` read this value (`None`: the key has never been written).
    Value(Option<String>),
    /// Whether a `cas` swapped the value.
    Swapped(bool),
}

/// A key-value store of independent registers, one per key, each starting empty.
///
/// `put` always succeeds; `get` returns the key's current value; `cas` replaces the
/// value only when it equals `expected`, and says whether it did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KvModel;

impl Model for KvModel {
    type Key = String;
    type Input = KvInput;
    type Output = KvOutput;
    type State = Option<String>;

    fn init(&self) -> Self::State {
        None
    }

    fn partition(&self, input: &KvInput) -> String {
        input.key().to_string()
    }

    fn step(&self, state: &Option<String>, input: &KvInput) -> (Option<String>, KvOutput) {
        match input {
            KvInput::Put { value, .. } => (Some(value.clone()), KvOutput::Written),
            KvInput::Get { .. } => (state.clone(), KvOutput::Value(state.clone())),
            KvInput::Cas { expected, new, .. } => {
                if state == expected {
                    (Some(new.clone()), KvOutput::Swapped(true))
                } else {
                    (state.clone(), KvOutput::Swapped(false))
                }
            }
        }
    }

    fn is_read_only(&self, input: &KvInput) -> bool {
        matches!(input, KvInput::Get { .. })
    }

    fn describe_key(&self, key: &String) -> String {
        format!("key {key:?}")
    }

    fn describe_input(&self, input: &KvInput) -> String {
        match input {
            KvInput::Put { key, value } => format!("put({key}, {value:?})"),
            KvInput::Get { key } => format!("get({key})"),
            KvInput::Cas {
                key,
                expected: Some(expected),
                new,
            } => format!("cas({key}, {expected:?} to {new:?})"),
            KvInput::Cas {
                key,
                expected: None,
                new,
            } => format!("cas({key}, absent to {new:?})"),
        }
    }

    fn describe_output(&self, output: &KvOutput) -> String {
        match output {
            KvOutput::Written => "ok".to_string(),
            KvOutput::Value(Some(value)) => format!("{value:?}"),
            KvOutput::Value(None) => "nothing".to_string(),
            KvOutput::Swapped(true) => "swapped".to_string(),
            KvOutput::Swapped(false) => "not swapped".to_string(),
        }
    }

    fn describe_state(&self, state: &Option<String>) -> String {
        match state {
            Some(value) => format!("holds {value:?}"),
            None => "is still empty".to_string(),
        }
    }

    /// Points out a value that was read, or expected by a successful `cas`, although no
    /// operation on the key ever wrote it: the plainest sign of a corrupted read.
    fn hint(
        &self,
        ops: &[&Op<KvInput, KvOutput>],
        blocked: &Op<KvInput, KvOutput>,
    ) -> Option<String> {
        let observed = match (&blocked.input, &blocked.output) {
            (KvInput::Get { .. }, Some(KvOutput::Value(Some(value)))) => value,
            (
                KvInput::Cas {
                    expected: Some(value),
                    ..
                },
                Some(KvOutput::Swapped(true)),
            ) => value,
            _ => return None,
        };
        let ever_written = ops.iter().any(|op| match &op.input {
            KvInput::Put { value, .. } | KvInput::Cas { new: value, .. } => value == observed,
            KvInput::Get { .. } => false,
        });
        (!ever_written).then(|| {
            format!(
                "No operation ever wrote {observed:?} to key {:?}.",
                blocked.input.key()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &str, value: &str) -> KvInput {
        KvInput::Put {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn a_get_returns_the_last_value_put() {
        let (state, output) = KvModel.step(&KvModel.init(), &put("x", "1"));
        assert_eq!(output, KvOutput::Written);
        let (_, output) = KvModel.step(&state, &KvInput::Get { key: "x".into() });
        assert_eq!(output, KvOutput::Value(Some("1".into())));
    }

    #[test]
    fn a_get_of_a_key_never_written_returns_nothing() {
        let (_, output) = KvModel.step(&KvModel.init(), &KvInput::Get { key: "x".into() });
        assert_eq!(output, KvOutput::Value(None));
    }

    #[test]
    fn a_cas_swaps_only_when_the_key_holds_the_expected_value() {
        let cas = |expected: Option<&str>| KvInput::Cas {
            key: "x".into(),
            expected: expected.map(str::to_string),
            new: "2".into(),
        };
        let empty = KvModel.init();
        assert_eq!(
            KvModel.step(&empty, &cas(None)),
            (Some("2".into()), KvOutput::Swapped(true))
        );
        let one = Some("1".to_string());
        assert_eq!(
            KvModel.step(&one, &cas(Some("3"))),
            (one.clone(), KvOutput::Swapped(false))
        );
        assert_eq!(
            KvModel.step(&one, &cas(Some("1"))),
            (Some("2".into()), KvOutput::Swapped(true))
        );
    }

    #[test]
    fn only_gets_are_read_only() {
        assert!(KvModel.is_read_only(&KvInput::Get { key: "x".into() }));
        assert!(!KvModel.is_read_only(&put("x", "1")));
    }

    #[test]
    fn requests_and_answers_have_a_readable_json_form() {
        let text = serde_json::to_string(&put("x", "1")).unwrap();
        assert_eq!(text, r#"{"op":"put","key":"x","value":"1"}"#);
        let text = serde_json::to_string(&KvOutput::Value(Some("1".into()))).unwrap();
        assert_eq!(text, r#"{"result":"value","value":"1"}"#);
        let back: KvInput = serde_json::from_str(r#"{"op":"get","key":"y"}"#).unwrap();
        assert_eq!(back, KvInput::Get { key: "y".into() });
    }
}
