//! The recorded client history a linearizability check reads.
//!
//! A history is a plain list of [`Op`]s, one per client request, in any order. Each
//! operation says who asked (`client`), when the request left the client
//! (`invoke_time`), what it asked for (`input`) and, if an answer came back, when
//! (`return_time`) and what it said (`output`). An operation with no answer is
//! *pending*: the client timed out or the node it talked to crashed, so the request
//! may have taken effect at any moment after it was invoked, or never.
//!
//! Times are virtual microseconds ([`Time`]). Two events at the same instant are
//! treated as concurrent, which is the lenient reading: an operation invoked at the
//! very microsecond another one returned may be ordered before it. This can only hide
//! a violation that depends on a tie, never invent one.
//!
//! The simulator's own request and reply types are adapted into these by the caller;
//! the checker knows nothing about nodes, messages or request ids. A request that the
//! client retries (the same client id and sequence number sent again, perhaps to another
//! node) is still one operation: invoked when it was first sent, returned when the client
//! accepted an answer. Recording each retry as its own operation would claim the write
//! happened twice. [`HistoryRecorder`] builds a history from invoke and reply events.

use serde::{Deserialize, Serialize};

use crate::protocol::Time;

/// A client's identity in a history. Operations of one client need not be sequential
/// for the check to be sound, but real clients issue one request at a time.
pub type ClientId = u64;

/// The most operations one history may hold. A check keeps a bit per operation in
/// every memoised search state, so the limit keeps memory use predictable.
pub const HISTORY_OPS_MAX: usize = 1_000_000;

/// One client operation: a request and, if it came, its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op<I, O> {
    /// The client that issued the request.
    pub client: ClientId,
    /// When the client sent the request, in virtual microseconds.
    pub invoke_time: Time,
    /// When the client received the answer, in virtual microseconds, or `None` if it
    /// never did (the operation is pending).
    pub return_time: Option<Time>,
    /// What the client asked for.
    pub input: I,
    /// What the answer said, or `None` if no answer came. Present exactly when
    /// `return_time` is.
    pub output: Option<O>,
}

impl<I, O> Op<I, O> {
    /// A completed operation: invoked at `invoke_time`, answered with `output` at
    /// `return_time`.
    pub fn completed(
        client: ClientId,
        invoke_time: Time,
        return_time: Time,
        input: I,
        output: O,
    ) -> Self {
        Self {
            client,
            invoke_time,
            return_time: Some(return_time),
            input,
            output: Some(output),
        }
    }

    /// A pending operation: invoked at `invoke_time` and never answered.
    pub fn pending(client: ClientId, invoke_time: Time, input: I) -> Self {
        Self {
            client,
            invoke_time,
            return_time: None,
            input,
            output: None,
        }
    }

    /// Whether the operation never got an answer.
    pub fn is_pending(&self) -> bool {
        self.return_time.is_none()
    }
}

/// Why a history cannot be checked. Each variant names the operation (by its index
/// in the history) and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// More operations than [`HISTORY_OPS_MAX`].
    #[error("the history has {count} operations, more than the limit of {limit}")]
    TooManyOps {
        /// How many operations the history has.
        count: usize,
        /// The limit, [`HISTORY_OPS_MAX`].
        limit: usize,
    },
    /// An answer that arrived before its request was sent.
    #[error(
        "operation {index}: return_time ({return_time} µs) is before invoke_time ({invoke_time} µs)"
    )]
    ReturnBeforeInvoke {
        /// The operation's position in the history.
        index: usize,
        /// Its invoke time.
        invoke_time: Time,
        /// Its return time.
        return_time: Time,
    },
    /// A return time without an answer.
    #[error("operation {index}: return_time is set but output is missing")]
    ReturnWithoutOutput {
        /// The operation's position in the history.
        index: usize,
    },
    /// An answer without a return time.
    #[error("operation {index}: output is set but return_time is missing")]
    OutputWithoutReturn {
        /// The operation's position in the history.
        index: usize,
    },
    /// An answer recorded for an operation the recorder never saw invoked.
    #[error("operation {index}: no such operation was invoked (the history has {count})")]
    UnknownOp {
        /// The position given.
        index: usize,
        /// How many operations the history has.
        count: usize,
    },
    /// A second answer recorded for the same operation.
    #[error("operation {index}: an answer was already recorded")]
    AlreadyAnswered {
        /// The operation's position in the history.
        index: usize,
    },
}

/// Builds a history as a run goes: [`HistoryRecorder::invoke`] when a client sends a
/// request, [`HistoryRecorder::complete`] when its answer arrives. Operations never
/// completed stay pending, which is exactly right for requests lost to a crash or a
/// timeout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRecorder<I, O> {
    ops: Vec<Op<I, O>>,
}

impl<I, O> Default for HistoryRecorder<I, O> {
    fn default() -> Self {
        Self { ops: Vec::new() }
    }
}

impl<I, O> HistoryRecorder<I, O> {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `client` sent `input` at `time`; returns the operation's index, to
    /// pass to [`HistoryRecorder::complete`]. Fails once the history holds
    /// [`HISTORY_OPS_MAX`] operations.
    pub fn invoke(
        &mut self,
        client: ClientId,
        time: Time,
        input: I,
    ) -> Result<usize, HistoryError> {
        if self.ops.len() >= HISTORY_OPS_MAX {
            return Err(HistoryError::TooManyOps {
                count: self.ops.len() + 1,
                limit: HISTORY_OPS_MAX,
            });
        }
        self.ops.push(Op::pending(client, time, input));
        Ok(self.ops.len() - 1)
    }

    /// Records that operation `index` was answered with `output` at `time`.
    pub fn complete(&mut self, index: usize, time: Time, output: O) -> Result<(), HistoryError> {
        let count = self.ops.len();
        let op = self
            .ops
            .get_mut(index)
            .ok_or(HistoryError::UnknownOp { index, count })?;
        if op.return_time.is_some() {
            return Err(HistoryError::AlreadyAnswered { index });
        }
        if time < op.invoke_time {
            return Err(HistoryError::ReturnBeforeInvoke {
                index,
                invoke_time: op.invoke_time,
                return_time: time,
            });
        }
        op.return_time = Some(time);
        op.output = Some(output);
        Ok(())
    }

    /// The operations recorded so far, in invocation order.
    pub fn ops(&self) -> &[Op<I, O>] {
        &self.ops
    }

    /// The recorded history.
    pub fn into_ops(self) -> Vec<Op<I, O>> {
        self.ops
    }
}

/// Checks that every operation of `history` is well formed, so the search can rely on
/// it: returns come after invokes, and answers come with return times.
pub fn validate<I, O>(history: &[Op<I, O>]) -> Result<(), HistoryError> {
    if history.len() > HISTORY_OPS_MAX {
        return Err(HistoryError::TooManyOps {
            count: history.len(),
            limit: HISTORY_OPS_MAX,
        });
    }
    for (index, op) in history.iter().enumerate() {
        match (op.return_time, &op.output) {
            (Some(return_time), Some(_)) => {
                if return_time < op.invoke_time {
                    return Err(HistoryError::ReturnBeforeInvoke {
                        index,
                        invoke_time: op.invoke_time,
                        return_time,
                    });
                }
            }
            (Some(_), None) => return Err(HistoryError::ReturnWithoutOutput { index }),
            (None, Some(_)) => return Err(HistoryError::OutputWithoutReturn { index }),
            (None, None) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_before_its_invoke_is_rejected_naming_both_times() {
        let history = vec![Op::completed(1, 10, 5, (), ())];
        let error = validate(&history).unwrap_err();
        assert_eq!(
            error,
            HistoryError::ReturnBeforeInvoke {
                index: 0,
                invoke_time: 10,
                return_time: 5
            }
        );
        assert!(error.to_string().contains("return_time"));
    }

    #[test]
    fn a_return_time_without_an_output_is_rejected() {
        let mut op: Op<(), ()> = Op::completed(1, 1, 2, (), ());
        op.output = None;
        assert_eq!(
            validate(&[op]),
            Err(HistoryError::ReturnWithoutOutput { index: 0 })
        );
    }

    #[test]
    fn an_output_without_a_return_time_is_rejected() {
        let mut op: Op<(), ()> = Op::pending(1, 1, ());
        op.output = Some(());
        assert_eq!(
            validate(&[op]),
            Err(HistoryError::OutputWithoutReturn { index: 0 })
        );
    }

    #[test]
    fn an_operation_that_returns_the_instant_it_is_invoked_is_valid() {
        assert_eq!(validate(&[Op::completed(1, 7, 7, (), ())]), Ok(()));
    }

    #[test]
    fn a_recorder_leaves_unanswered_operations_pending() {
        let mut recorder: HistoryRecorder<&str, u32> = HistoryRecorder::new();
        let first = recorder.invoke(1, 10, "get").unwrap();
        let second = recorder.invoke(2, 11, "put").unwrap();
        recorder.complete(first, 20, 7).unwrap();
        let ops = recorder.into_ops();
        assert_eq!(ops[first], Op::completed(1, 10, 20, "get", 7));
        assert_eq!(ops[second], Op::pending(2, 11, "put"));
    }

    #[test]
    fn a_recorder_rejects_a_second_answer_an_unknown_operation_and_time_travel() {
        let mut recorder: HistoryRecorder<(), ()> = HistoryRecorder::new();
        let index = recorder.invoke(1, 10, ()).unwrap();
        assert_eq!(
            recorder.complete(index, 5, ()),
            Err(HistoryError::ReturnBeforeInvoke {
                index,
                invoke_time: 10,
                return_time: 5
            })
        );
        assert_eq!(
            recorder.complete(3, 20, ()),
            Err(HistoryError::UnknownOp { index: 3, count: 1 })
        );
        recorder.complete(index, 20, ()).unwrap();
        assert_eq!(
            recorder.complete(index, 30, ()),
            Err(HistoryError::AlreadyAnswered { index })
        );
        assert_eq!(recorder.ops()[index].return_time, Some(20));
    }

    #[test]
    fn a_history_round_trips_through_json() {
        let history: Vec<Op<String, u32>> = vec![
            Op::completed(1, 0, 5, "get".to_string(), 3),
            Op::pending(2, 1, "put".to_string()),
        ];
        let text = serde_json::to_string(&history).unwrap();
        let back: Vec<Op<String, u32>> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, history);
    }
}
