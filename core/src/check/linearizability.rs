//! The linearizability checker.
//!
//! A history is *linearizable* (Herlihy & Wing 1990) when its operations can be put
//! in one sequential order such that (1) every operation that returned before another
//! was invoked comes before it, and (2) every answer is the one the sequential
//! [`Model`] gives in that order. Intuitively, each operation seems to take effect at
//! a single instant between its invocation and its return.
//!
//! # The search
//!
//! The checker follows Wing & Gong (1993, "Testing and Verifying Concurrent Objects")
//! with the memoisation Lowe (2017, "Testing for linearizability") and Horn & Kroening
//! (2015, "Faster linearizability checking via P-compositionality") added, the design
//! Knossos and Porcupine use:
//!
//! - The history becomes one list of *call* and *return* events sorted by time. An
//!   operation whose call comes before the first return still in the list could be the
//!   next one in the order: nothing that must precede it is left.
//! - The search tries those candidates in turn. When the model gives the recorded answer
//!   it *lifts* the operation (removes its call and return from the list, a "dancing
//!   links" unlink that is undone in constant time) and starts over from the head.
//! - Reaching a return event means the operation it belongs to had to be placed by now
//!   and was not: the search backtracks, restoring the last lifted operation and the
//!   state before it, and tries the candidate after it.
//! - Every (set of placed operations, model state) pair it reaches is remembered. Two
//!   orders that place the same operations and leave the same state have the same
//!   future, so the second is pruned. This is what keeps the search practical: without
//!   it the search is exponential in the number of concurrent operations. The set is
//!   stored in a short exact form (see `Search`): the first operation still waiting,
//!   which ones of the few operations concurrent with it are placed, and which pending
//!   ones are, so an entry costs a few words even for a key with 10,000 operations.
//! - Operations are first split by the model's partition (key), and each partition is
//!   searched on its own (P-compositionality).
//!
//! # Pending operations
//!
//! An operation that never returned may have taken effect at any time after its
//! invocation, or never. It gets a return event after every real one, and any answer
//! is accepted for it. Placing it last is the same as it never happening, since nothing
//! later observes it, so "at any time or never" needs no extra branch. A pending
//! operation that cannot change the state (a read) is dropped before the search.
//!
//! # Bounds
//!
//! Checking linearizability is NP-complete (Gibbons & Korach 1997), so the search is
//! bounded: every visit of an event is a step, and a check that uses up
//! [`CheckOptions::max_steps`] answers [`CheckResult::Unknown`] instead of running on.
//! The memo is bounded too, by [`CheckOptions::memo_bytes_max`], since every step can
//! add an entry to it.

use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher};

use serde::{Deserialize, Serialize};

use super::history::{HistoryError, Op, validate};
use super::model::Model;
use crate::protocol::{MICROS_PER_MS, Time};

/// How much work a check may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckOptions {
    /// The most search steps the whole check (all partitions together) may take. A
    /// step is one visit of a call or return event; each costs one model step at most.
    pub max_steps: u64,
    /// The most memory, in bytes, the memo of explored search states may take in one
    /// partition. Each entry is counted as its set of placed operations plus the inline
    /// size of the model state (heap data a state owns, such as a string's bytes, is not
    /// counted), so treat this as an estimate.
    pub memo_bytes_max: u64,
}

impl Default for CheckOptions {
    /// Bounds that a history of tens of thousands of operations from a healthy
    /// protocol stays well inside (a linearizable 10,000-operation history over 10 keys
    /// takes about 11,000 steps), and that a native build runs through in well under a
    /// second (about half a microsecond per step).
    fn default() -> Self {
        Self {
            max_steps: 1_000_000,
            memo_bytes_max: 128 * 1024 * 1024,
        }
    }
}

/// The verdict of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum CheckResult {
    /// Some order of the operations respects real time and the model.
    Linearizable,
    /// No order does: the history shows behaviour no single correct copy could have.
    NotLinearizable {
        /// The partition (key) whose operations cannot be ordered, as the model names it.
        key: String,
        /// A sentence for a learner naming the operations involved and what went wrong.
        explanation: String,
    },
    /// The search bound was hit before a verdict was found.
    Unknown {
        /// Why there is no verdict, e.g. `"search bound of 1000 steps hit"`.
        reason: String,
    },
}

/// A verdict with the work it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The verdict.
    pub result: CheckResult,
    /// The search steps used, over all partitions.
    pub steps: u64,
    /// How many partitions (keys) the history touched.
    pub partitions: usize,
}

/// An operation of model `M`'s history.
type OpOf<M> = Op<<M as Model>::Input, <M as Model>::Output>;

/// Checks whether `history` is linearizable with respect to `model`, within the bounds
/// of `options`.
///
/// Partitions are searched smallest first (then in key order), so a bound that runs out
/// on one large key still leaves the small ones decided; the first partition found not
/// linearizable is reported. Returns an error only for a malformed history (see
/// [`validate`]).
pub fn check<M: Model>(
    model: &M,
    history: &[Op<M::Input, M::Output>],
    options: &CheckOptions,
) -> Result<CheckReport, HistoryError> {
    validate(history)?;
    let mut partitions: BTreeMap<M::Key, Vec<&OpOf<M>>> = BTreeMap::new();
    for op in history {
        if op.is_pending() && model.is_read_only(&op.input) {
            continue;
        }
        partitions
            .entry(model.partition(&op.input))
            .or_default()
            .push(op);
    }
    let partition_count = partitions.len();
    let mut ordered: Vec<(M::Key, Vec<&OpOf<M>>)> = partitions.into_iter().collect();
    // A stable sort keeps the key order among partitions of equal size.
    ordered.sort_by_key(|(_, ops)| ops.len());

    let mut steps_used: u64 = 0;
    for (key, ops) in &ordered {
        let budget = options.max_steps.saturating_sub(steps_used);
        let search = Search::new(model, ops);
        let (outcome, steps) = search.run(budget, options.memo_bytes_max);
        steps_used = steps_used.saturating_add(steps);
        let result = match outcome {
            Outcome::Linearizable => continue,
            Outcome::BoundHit => CheckResult::Unknown {
                reason: format!(
                    "search bound of {} steps hit while checking {} ({} operations)",
                    options.max_steps,
                    model.describe_key(key),
                    ops.len()
                ),
            },
            Outcome::MemoFull => CheckResult::Unknown {
                reason: format!(
                    "memory bound of {} bytes for remembered search states hit while checking \
                     {} ({} operations)",
                    options.memo_bytes_max,
                    model.describe_key(key),
                    ops.len()
                ),
            },
            Outcome::NotLinearizable(dead_end) => CheckResult::NotLinearizable {
                key: model.describe_key(key),
                explanation: explain(model, key, ops, &dead_end),
            },
        };
        return Ok(CheckReport {
            result,
            steps: steps_used,
            partitions: partition_count,
        });
    }
    Ok(CheckReport {
        result: CheckResult::Linearizable,
        steps: steps_used,
        partitions: partition_count,
    })
}

/// A fixed set of bits, one per operation of a partition: which ones are placed.
#[derive(Debug, Clone)]
struct Bitset {
    words: Vec<u64>,
}

impl Bitset {
    fn new(bits: usize) -> Self {
        Self {
            words: vec![0; bits.div_ceil(64)],
        }
    }

    fn set(&mut self, bit: usize) {
        if let Some(word) = self.words.get_mut(bit / 64) {
            *word |= 1 << (bit % 64);
        }
    }

    fn clear(&mut self, bit: usize) {
        if let Some(word) = self.words.get_mut(bit / 64) {
            *word &= !(1 << (bit % 64));
        }
    }

    /// Appends bits `from..to` to `out`, packed 64 to a word, the first bit lowest.
    fn push_range(&self, from: usize, to: usize, out: &mut Vec<u64>) {
        let mut start = from;
        while start < to {
            let (index, offset) = (start / 64, start % 64);
            let low = self.words.get(index).copied().unwrap_or(0) >> offset;
            let high = if offset == 0 {
                0
            } else {
                self.words.get(index + 1).copied().unwrap_or(0) << (64 - offset)
            };
            let length = (to - start).min(64);
            let mask = if length == 64 {
                u64::MAX
            } else {
                (1 << length) - 1
            };
            out.push((low | high) & mask);
            start += length;
        }
    }
}

/// The memo: (placed set's key, state) pairs already explored.
type Memo<S> = HashSet<(Box<[u64]>, S), BuildHasherDefault<DefaultHasher>>;

/// The end-of-list marker in the event list's links.
const NONE: usize = usize::MAX;

/// How one partition's search ended.
enum Outcome<'a, M: Model> {
    Linearizable,
    NotLinearizable(DeadEnd<'a, M>),
    BoundHit,
    MemoFull,
}

/// The deepest point the search reached before it had to backtrack: the longest
/// order of operations that respects real time and the model.
struct DeadEnd<'a, M: Model> {
    /// How many operations the order places.
    placed_count: usize,
    /// The last few of them (at most [`EXPLANATION_OPS_MAX`]), in order. Only these are
    /// kept, since only these are shown.
    placed_last: Vec<&'a OpOf<M>>,
    /// The model state after them.
    state: M::State,
    /// The operation that had to be placed next and could not be.
    blocked: &'a OpOf<M>,
}

/// The search over one partition's operations.
///
/// Operations are renumbered: completed ones first, by invocation time, then pending
/// ones. Events are numbered `2 * op` (the call) and `2 * op + 1` (the return); the
/// list's head is a sentinel numbered `2 * ops.len()`.
///
/// # The memo key
///
/// Remembering the whole set of placed operations would cost a bit per operation per
/// memo entry: over a kilobyte for one 10,000-operation key. The key stored instead is
/// exact but short. Let `u` be the first completed operation (by invocation) not yet
/// placed. Every completed operation before `u` is placed, by the choice of `u`. A
/// completed operation `v` can only have been placed while `u` was waiting if `v`'s call
/// came before `u`'s return (otherwise `u` had to go first), and `u` has been waiting
/// since before any operation now placed after it. So beyond `u` only the completed
/// operations invoked before `u` returned (its *window*, usually as many as there are
/// concurrent clients) can be placed. The key is `u`, the window's bits, and the bits of
/// the few pending operations, which are bound by nothing.
struct Search<'a, M: Model> {
    model: &'a M,
    ops: Vec<&'a OpOf<M>>,
    /// How many of `ops` are completed; they come first.
    completed_count: usize,
    /// For each completed operation, the last completed one invoked before it returned.
    window_end: Vec<usize>,
    next: Vec<usize>,
    previous: Vec<usize>,
    head: usize,
}

impl<'a, M: Model> Search<'a, M> {
    fn new(model: &'a M, partition_ops: &[&'a OpOf<M>]) -> Self {
        let mut ops: Vec<&'a OpOf<M>> = partition_ops.to_vec();
        // Pending last (a `None` return sorts after every time once mapped to `MAX`).
        // The sort is stable, so ties keep the history's order and runs are repeatable.
        ops.sort_by_key(|op| {
            (
                op.is_pending(),
                op.invoke_time,
                op.return_time.unwrap_or(Time::MAX),
            )
        });
        let completed_count = ops.iter().take_while(|op| !op.is_pending()).count();
        let completed = &ops[..completed_count];
        let window_end = completed
            .iter()
            .map(|op| {
                let return_time = op.return_time.unwrap_or(Time::MAX);
                // At least `op` itself qualifies, since it returns after it is invoked.
                completed
                    .partition_point(|other| other.invoke_time <= return_time)
                    .saturating_sub(1)
            })
            .collect();

        let mut events: Vec<(Time, u8, usize)> = Vec::with_capacity(ops.len() * 2);
        for (index, op) in ops.iter().enumerate() {
            // Calls sort before returns at the same instant, so operations that touch
            // in time count as concurrent; pending returns (rank 2) sort after all.
            events.push((op.invoke_time, 0, 2 * index));
            match op.return_time {
                Some(time) => events.push((time, 1, 2 * index + 1)),
                None => events.push((Time::MAX, 2, 2 * index + 1)),
            }
        }
        events.sort_unstable();
        let head = 2 * ops.len();
        let mut next = vec![NONE; head + 1];
        let mut previous = vec![NONE; head + 1];
        let mut last = head;
        for &(_, _, event) in &events {
            next[last] = event;
            previous[event] = last;
            last = event;
        }
        Self {
            model,
            ops,
            completed_count,
            window_end,
            next,
            previous,
            head,
        }
    }

    /// Removes `event` from the list; its own links stay so [`Self::relink`] can undo it.
    fn unlink(&mut self, event: usize) {
        let (before, after) = (self.previous[event], self.next[event]);
        self.next[before] = after;
        if after != NONE {
            self.previous[after] = before;
        }
    }

    /// Puts back an event removed by [`Self::unlink`]; removals are undone in reverse.
    fn relink(&mut self, event: usize) {
        let (before, after) = (self.previous[event], self.next[event]);
        self.next[before] = event;
        if after != NONE {
            self.previous[after] = event;
        }
    }

    /// Places operation `op`: removes its call and then its return.
    fn lift(&mut self, op: usize) {
        self.unlink(2 * op);
        self.unlink(2 * op + 1);
    }

    /// Undoes [`Self::lift`] in reverse order.
    fn unlift(&mut self, op: usize) {
        self.relink(2 * op + 1);
        self.relink(2 * op);
    }

    /// The memo key of the placed set `placed`, which the event list must match (see
    /// the type's documentation).
    fn memo_key(&self, placed: &Bitset) -> Box<[u64]> {
        // The first completed call still in the list is `u`. Only calls of pending
        // operations can come before it: an earlier unplaced completed operation would
        // be `u`, and a return's call is always still in the list before it.
        let mut event = self.next[self.head];
        while event != NONE && event.is_multiple_of(2) && event / 2 >= self.completed_count {
            event = self.next[event];
        }
        let first_unplaced = if event != NONE && event.is_multiple_of(2) {
            event / 2
        } else {
            self.completed_count
        };
        let window_end = self
            .window_end
            .get(first_unplaced)
            .copied()
            .unwrap_or(first_unplaced);
        let mut key = Vec::with_capacity(
            2 + (window_end - first_unplaced) / 64
                + (self.ops.len() - self.completed_count).div_ceil(64),
        );
        key.push(first_unplaced as u64);
        placed.push_range(first_unplaced + 1, window_end + 1, &mut key);
        placed.push_range(self.completed_count, self.ops.len(), &mut key);
        key.into_boxed_slice()
    }

    fn run(mut self, budget: u64, memo_bytes_max: u64) -> (Outcome<'a, M>, u64) {
        let operation_count = self.ops.len();
        let mut state = self.model.init();
        let mut placed = Bitset::new(operation_count);
        // The memo of explored (placed set, state) pairs. Only membership is asked, never
        // iteration order, and the hasher has fixed keys, so runs are reproducible.
        let mut seen: Memo<M::State> = HashSet::default();
        let mut memo_bytes: u64 = 0;
        // The operations placed so far, each with the state before it, for backtracking.
        let mut stack: Vec<(usize, M::State)> = Vec::with_capacity(operation_count);
        let mut deepest: Option<DeadEnd<'a, M>> = None;
        let mut event = self.next[self.head];
        let mut steps: u64 = 0;
        while self.next[self.head] != NONE {
            if steps >= budget {
                return (Outcome::BoundHit, steps);
            }
            steps += 1;
            let is_call = event != NONE && event.is_multiple_of(2);
            if is_call {
                let op_index = event / 2;
                let op = self.ops[op_index];
                let (new_state, expected) = self.model.step(&state, &op.input);
                let answer_fits = op.output.as_ref().is_none_or(|output| *output == expected);
                if answer_fits {
                    placed.set(op_index);
                    self.lift(op_index);
                    let key = self.memo_key(&placed);
                    let entry_bytes = (key.len() * size_of::<u64>()
                        + size_of::<(Box<[u64]>, M::State)>()
                        + size_of::<u64>()) as u64;
                    if memo_bytes.saturating_add(entry_bytes) > memo_bytes_max {
                        return (Outcome::MemoFull, steps);
                    }
                    if seen.insert((key, new_state.clone())) {
                        memo_bytes += entry_bytes;
                        stack.push((op_index, std::mem::replace(&mut state, new_state)));
                        event = self.next[self.head];
                        continue;
                    }
                    self.unlift(op_index);
                    placed.clear(op_index);
                }
                event = self.next[event];
                continue;
            }
            // A return event (the list always ends with one): the operation it closes had
            // to be placed before anything after it, and every candidate failed.
            let blocked = if event == NONE { NONE } else { event / 2 };
            if blocked != NONE
                && deepest
                    .as_ref()
                    .is_none_or(|dead| stack.len() > dead.placed_count)
            {
                deepest = Some(DeadEnd {
                    placed_count: stack.len(),
                    placed_last: stack[stack.len().saturating_sub(EXPLANATION_OPS_MAX)..]
                        .iter()
                        .map(|(op_index, _)| self.ops[*op_index])
                        .collect(),
                    state: state.clone(),
                    blocked: self.ops[blocked],
                });
            }
            let Some((op_index, previous_state)) = stack.pop() else {
                return match deepest {
                    Some(dead_end) => (Outcome::NotLinearizable(dead_end), steps),
                    // Unreachable for a non-empty list, whose last event is a return;
                    // answering "unknown" beats panicking if that reasoning is ever wrong.
                    None => (Outcome::BoundHit, steps),
                };
            };
            state = previous_state;
            placed.clear(op_index);
            self.unlift(op_index);
            event = self.next[2 * op_index];
        }
        (Outcome::Linearizable, steps)
    }
}

/// Formats a virtual time for a learner, in milliseconds.
fn format_time(time: Time) -> String {
    format!(
        "{}.{:03} ms",
        time / MICROS_PER_MS,
        (time % MICROS_PER_MS) * 1000 / MICROS_PER_MS
    )
}

/// Names one operation with its client, times and answer.
fn describe_op<M: Model>(model: &M, op: &Op<M::Input, M::Output>) -> String {
    match (&op.output, op.return_time) {
        (Some(output), Some(return_time)) => format!(
            "client {}'s {} (invoked at {}, returned {} at {})",
            op.client,
            model.describe_input(&op.input),
            format_time(op.invoke_time),
            model.describe_output(output),
            format_time(return_time)
        ),
        _ => format!(
            "client {}'s {} (invoked at {}, never answered)",
            op.client,
            model.describe_input(&op.input),
            format_time(op.invoke_time)
        ),
    }
}

/// How many operations of the longest valid order an explanation lists.
const EXPLANATION_OPS_MAX: usize = 3;

/// Turns the search's deepest dead end into sentences a learner can follow.
fn explain<M: Model>(
    model: &M,
    key: &M::Key,
    ops: &[&OpOf<M>],
    dead_end: &DeadEnd<'_, M>,
) -> String {
    let key_name = model.describe_key(key);
    let blocked = dead_end.blocked;
    let (_, expected) = model.step(&dead_end.state, &blocked.input);
    let mut text = format!(
        "No order of the {} operations on {key_name} respects real time and gives every \
         operation the answer it got. ",
        ops.len()
    );
    if dead_end.placed_count == 0 {
        text.push_str(&format!(
            "{} must come first, but ",
            describe_op(model, blocked)
        ));
    } else {
        let shown: Vec<String> = dead_end
            .placed_last
            .iter()
            .map(|&op| describe_op(model, op))
            .collect();
        let earlier = dead_end.placed_count - dead_end.placed_last.len();
        let lead_in = if earlier == 0 {
            String::new()
        } else {
            format!("after {earlier} earlier ones, ")
        };
        text.push_str(&format!(
            "The longest valid order places {} of them, ending {lead_in}with {}. \
             Then {} must come next, but ",
            dead_end.placed_count,
            shown.join(", then "),
            describe_op(model, blocked)
        ));
    }
    text.push_str(&format!(
        "at that point {key_name} {}, so it would have returned {}; no other operation that \
         could come before it fits either.",
        model.describe_state(&dead_end.state),
        model.describe_output(&expected)
    ));
    if let Some(hint) = model.hint(ops, blocked) {
        text.push(' ');
        text.push_str(&hint);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bit_range_is_copied_across_word_boundaries() {
        let mut set = Bitset::new(200);
        for bit in [3, 63, 64, 130, 199] {
            set.set(bit);
        }
        set.clear(3);
        let mut out = Vec::new();
        set.push_range(60, 200, &mut out);
        // Bits 63 and 64 land at 3 and 4 of the first word; 130 at 70 (word 1, bit 6);
        // 199 at 139 (word 2, bit 11).
        assert_eq!(out, vec![(1 << 3) | (1 << 4), 1 << 6, 1 << 11]);
        let mut empty = Vec::new();
        set.push_range(10, 10, &mut empty);
        assert!(empty.is_empty());
    }

    #[test]
    fn a_bitset_ignores_bits_beyond_its_size() {
        let mut set = Bitset::new(10);
        set.set(64);
        let mut out = Vec::new();
        set.push_range(0, 128, &mut out);
        assert_eq!(out, vec![0, 0]);
    }
}
