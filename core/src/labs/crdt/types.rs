//! The replicated data types, each a join on a semilattice, following Shapiro, Preguiça,
//! Baquero and Zawirski, "A comprehensive study of Convergent and Commutative Replicated
//! Data Types" (INRIA RR-7506, 2011); section and specification numbers below are that
//! report's.
//!
//! Every type implements [`Crdt`] in both of the report's styles at once:
//!
//! - *State-based* (section 2.2.1, Specification 1): the payload forms a join
//!   semilattice; [`Crdt::merge`] is its least upper bound, so it is commutative,
//!   associative and idempotent, and every update is inflationary (the new payload is
//!   above the old one in [`Crdt::le`]). Theorem 2.1: replicas that merge each other's
//!   payloads, whatever the order and however often, converge.
//! - *Operation-based* (section 2.2.2, Specification 2): an update is split into
//!   [`Crdt::prepare`], run at the source only (it may read the local payload, the
//!   "atSource" part), and [`Crdt::effect`], run at every replica (the "downstream"
//!   part). Theorem 2.2: if concurrent operations commute and the delivery layer gives
//!   causal order and exactly-once delivery, replicas converge. The effects here are not
//!   idempotent and some are not safe out of causal order, on purpose: that is the
//!   delivery layer's job, and the lab's bug switch shows what happens without it.
//!
//! At the source, an update is `effect(prepare(update))` in both styles, so a state-based
//! replica and an op-based replica that saw the same updates hold the same payload.
//!
//! Two *naive baselines* sit beside the CRDTs: [`NaiveCounter`], a counter replicated as a
//! last-writer-wins register of its total (two concurrent increments write the same total
//! and one is lost), and [`NaiveSet`], a set whose remove deletes and whose merge is union
//! (a merge with a replica that still holds the element brings it back). Both merges are
//! joins, so the replicas converge; what they converge to has lost updates.
//!
//! Sizes: [`Crdt::wire_bytes`] is the size of a compact fixed-width encoding (4-byte
//! replica ids, elements and characters, 8-byte counts, values and clock entries, 4-byte
//! lengths), so that the lab can compare what state-based and op-based replication send.

use std::fmt::Debug;
use std::hash::Hash;

use serde::{Serialize, Serializer};

use crate::collections::{SortedMap, SortedSet};

/// A replica's identity: its node id.
pub type ReplicaId = u32;

/// An element of the set types.
pub type Element = u32;

/// The most characters one text insert may carry.
pub const INSERT_CHARS_MAX: usize = 64;

/// The most elements (live and deleted) a text replica holds; inserts beyond are refused.
pub const TEXT_ELEMENTS_MAX: usize = 2_000;

/// The most elements a set replica holds; adds beyond are refused.
pub const SET_ELEMENTS_MAX: usize = 1_000;

/// The largest amount one increment or decrement may carry.
pub const AMOUNT_MAX: u32 = 1_000_000;

/// Bytes of a replica id, an element or a character in the encoding `wire_bytes` counts.
const WORD_BYTES: u64 = 4;
/// Bytes of a count, a value, a time or a clock entry's counter.
const LONG_BYTES: u64 = 8;
/// Bytes of a collection's length prefix.
const LENGTH_BYTES: u64 = 4;

/// What a client asks a replica to do. Each type accepts the updates that make sense for
/// it and refuses the others.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Update {
    /// Add `amount` to a counter.
    Increment {
        /// How much (at least 1).
        amount: u32,
    },
    /// Subtract `amount` from a PN-Counter.
    Decrement {
        /// How much (at least 1).
        amount: u32,
    },
    /// Add `element` to a set.
    Add {
        /// The element.
        element: Element,
    },
    /// Remove `element` from a set.
    Remove {
        /// The element.
        element: Element,
    },
    /// Assign `value` to a register.
    Set {
        /// The value.
        value: i64,
    },
    /// Insert `text` before the visible character at `index` of a text (at the end if
    /// `index` is the length).
    Insert {
        /// Where, in visible characters.
        index: u32,
        /// What.
        text: String,
    },
    /// Delete `count` visible characters of a text from `index` on.
    Delete {
        /// Where, in visible characters.
        index: u32,
        /// How many.
        count: u32,
    },
}

/// Who makes an update and when: what [`Crdt::prepare`] may use to make identifiers and
/// timestamps unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The replica the update is made at.
    pub replica: ReplicaId,
    /// The replica's own count of updates, this one included (1 for its first): unique
    /// per replica, so `(replica, sequence)` names the update.
    pub sequence: u64,
    /// The virtual time, in microseconds.
    pub time: u64,
}

/// Why a replica refused an update, in a sentence.
pub type Refusal = String;

/// What a replica shows: the query result of its type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A counter's value.
    Number(i64),
    /// A set's elements, ascending.
    Elements(Vec<Element>),
    /// A register's value(s): one for LWW (none before the first write), every concurrent
    /// write for MV, ascending.
    Values(Vec<i64>),
    /// A text.
    Text(String),
}

impl Value {
    /// A short rendering for messages and the UI.
    pub fn render(&self) -> String {
        match self {
            Value::Number(number) => number.to_string(),
            Value::Elements(elements) => format!(
                "{{{}}}",
                elements
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Values(values) => format!(
                "[{}]",
                values
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Text(text) => format!("{text:?}"),
        }
    }
}

/// A replicated data type: a payload that is a join semilattice, with the op-based split
/// of every update into a source part and a downstream part.
pub trait Crdt: Clone + Debug + Default + PartialEq + Hash + Serialize {
    /// What op-based replication ships: the downstream part of one update.
    type Op: Clone + Debug + PartialEq + Eq + Hash + Serialize;

    /// The query: what the replica shows.
    fn value(&self) -> Value;

    /// The join: the least upper bound of `self` and `other`, in place.
    fn merge(&mut self, other: &Self);

    /// The semilattice order: whether `self` is at or below `other` (`merge(self, other)
    /// == other`).
    fn le(&self, other: &Self) -> bool;

    /// The source part of `update` made at `source`: checks the update's precondition
    /// against the local payload and returns the operation to apply everywhere.
    fn prepare(&self, source: Source, update: &Update) -> Result<Self::Op, Refusal>;

    /// The downstream part: applies `op` to the payload.
    fn effect(&mut self, op: &Self::Op);

    /// The bytes the payload takes in the lab's compact encoding.
    fn wire_bytes(&self) -> u64;

    /// The bytes `op` takes in the lab's compact encoding.
    fn op_bytes(op: &Self::Op) -> u64;
}

fn refuse_for<T>(kind: &str, update: &Update) -> Result<T, Refusal> {
    Err(format!("a {kind} does not take {update:?}"))
}

fn checked_amount(amount: u32) -> Result<u64, Refusal> {
    if amount == 0 || amount > AMOUNT_MAX {
        return Err(format!(
            "an amount must be between 1 and {AMOUNT_MAX}, got {amount}"
        ));
    }
    Ok(u64::from(amount))
}

/// Whether every element of `a` is in `b`.
pub fn is_subset<T: Ord>(a: &SortedSet<T>, b: &SortedSet<T>) -> bool {
    a.iter().all(|element| b.contains(element))
}

/// Serializes a map with structured keys as a list of `[key, value]` pairs (JSON map keys
/// must be strings).
fn map_as_list<S: Serializer, K: Serialize, V: Serialize>(
    map: &SortedMap<K, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(map.iter())
}

// ----- Counters (section 3.1) -------------------------------------------------------

/// G-Counter (section 3.1.2, Specification 6): one entry per replica, each incremented
/// only by its own replica; the value is their sum and the merge takes the maximum of
/// each entry. A replica's entry only grows, so the maximum is the latest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct GCounter {
    /// Each replica's own increments.
    pub counts: SortedMap<ReplicaId, u64>,
}

/// An increment of a replica's entry (the op-based counter of section 3.1.1,
/// Specification 5, restricted to increments).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CounterOp {
    /// Whose entry.
    pub replica: ReplicaId,
    /// By how much.
    pub amount: u64,
}

impl GCounter {
    fn total(&self) -> u64 {
        self.counts
            .values()
            .fold(0u64, |sum, count| sum.saturating_add(*count))
    }
}

impl Crdt for GCounter {
    type Op = CounterOp;

    fn value(&self) -> Value {
        Value::Number(i64::try_from(self.total()).unwrap_or(i64::MAX))
    }

    fn merge(&mut self, other: &Self) {
        for (&replica, &count) in &other.counts {
            let entry = self.counts.entry(replica).or_insert(0);
            *entry = (*entry).max(count);
        }
    }

    fn le(&self, other: &Self) -> bool {
        self.counts
            .iter()
            .all(|(replica, count)| other.counts.get(replica).is_some_and(|c| c >= count))
    }

    fn prepare(&self, source: Source, update: &Update) -> Result<CounterOp, Refusal> {
        match update {
            Update::Increment { amount } => Ok(CounterOp {
                replica: source.replica,
                amount: checked_amount(*amount)?,
            }),
            other => refuse_for("G-Counter", other),
        }
    }

    fn effect(&mut self, op: &CounterOp) {
        let entry = self.counts.entry(op.replica).or_insert(0);
        *entry = entry.saturating_add(op.amount);
    }

    fn wire_bytes(&self) -> u64 {
        LENGTH_BYTES + self.counts.len() as u64 * (WORD_BYTES + LONG_BYTES)
    }

    fn op_bytes(_op: &CounterOp) -> u64 {
        1 + WORD_BYTES + LONG_BYTES
    }
}

/// PN-Counter (section 3.1.3, Specification 7): two G-Counters, one of increments and one
/// of decrements; the value is their difference. A single vector that went down could
/// not be merged by maximum, which is why there are two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct PnCounter {
    /// The increments.
    pub increments: GCounter,
    /// The decrements.
    pub decrements: GCounter,
}

/// An increment or a decrement of a replica's entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PnOp {
    /// Whether it is a decrement.
    pub negative: bool,
    /// Whose entry and how much.
    pub op: CounterOp,
}

impl Crdt for PnCounter {
    type Op = PnOp;

    fn value(&self) -> Value {
        let up = i128::from(self.increments.total());
        let down = i128::from(self.decrements.total());
        Value::Number(i64::try_from(up - down).unwrap_or(i64::MAX))
    }

    fn merge(&mut self, other: &Self) {
        self.increments.merge(&other.increments);
        self.decrements.merge(&other.decrements);
    }

    fn le(&self, other: &Self) -> bool {
        self.increments.le(&other.increments) && self.decrements.le(&other.decrements)
    }

    fn prepare(&self, source: Source, update: &Update) -> Result<PnOp, Refusal> {
        let (negative, amount) = match update {
            Update::Increment { amount } => (false, amount),
            Update::Decrement { amount } => (true, amount),
            other => return refuse_for("PN-Counter", other),
        };
        Ok(PnOp {
            negative,
            op: CounterOp {
                replica: source.replica,
                amount: checked_amount(*amount)?,
            },
        })
    }

    fn effect(&mut self, op: &PnOp) {
        if op.negative {
            self.decrements.effect(&op.op);
        } else {
            self.increments.effect(&op.op);
        }
    }

    fn wire_bytes(&self) -> u64 {
        self.increments.wire_bytes() + self.decrements.wire_bytes()
    }

    fn op_bytes(op: &PnOp) -> u64 {
        GCounter::op_bytes(&op.op)
    }
}

// ----- Registers (section 3.2) ------------------------------------------------------

/// A write's timestamp: a time, then the writer's id to break ties, so that two writes
/// are never equal.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub struct Stamp {
    /// The time (µs), or one past the register's stamp if that is later.
    pub time: u64,
    /// The writer.
    pub replica: ReplicaId,
}

impl Stamp {
    /// A stamp at `source` that is above `current`: the virtual time, unless the register
    /// already holds a write stamped at or after it (a replica's clock never runs behind
    /// what it has seen, as with Lamport's clocks).
    fn after(current: Option<Stamp>, source: Source) -> Stamp {
        let floor = current.map_or(0, |stamp| stamp.time.saturating_add(1));
        Stamp {
            time: source.time.max(floor),
            replica: source.replica,
        }
    }
}

/// A write of `value` stamped `stamp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Write {
    /// The value written.
    pub value: i64,
    /// When, and by whom.
    pub stamp: Stamp,
}

/// LWW-Register (section 3.2.1, Specifications 8 and 9): the write with the greatest
/// timestamp wins; concurrent writes other than the winner are silently lost, which is
/// the type's documented semantics, not a bug.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct LwwRegister {
    /// The winning write so far, if any.
    pub write: Option<Write>,
}

impl Crdt for LwwRegister {
    type Op = Write;

    fn value(&self) -> Value {
        Value::Values(self.write.iter().map(|write| write.value).collect())
    }

    fn merge(&mut self, other: &Self) {
        if let Some(write) = other.write {
            self.effect(&write);
        }
    }

    fn le(&self, other: &Self) -> bool {
        match (self.write, other.write) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => mine.stamp <= theirs.stamp,
        }
    }

    fn prepare(&self, source: Source, update: &Update) -> Result<Write, Refusal> {
        match update {
            Update::Set { value } => Ok(Write {
                value: *value,
                stamp: Stamp::after(self.write.map(|write| write.stamp), source),
            }),
            other => refuse_for("LWW-Register", other),
        }
    }

    fn effect(&mut self, op: &Write) {
        if self.write.is_none_or(|write| write.stamp < op.stamp) {
            self.write = Some(*op);
        }
    }

    fn wire_bytes(&self) -> u64 {
        1 + self
            .write
            .map_or(0, |_| LONG_BYTES + LONG_BYTES + WORD_BYTES)
    }

    fn op_bytes(_op: &Write) -> u64 {
        LONG_BYTES + LONG_BYTES + WORD_BYTES
    }
}

/// A version vector: per replica, how many of its writes a write has seen.
pub type VersionVector = SortedMap<ReplicaId, u64>;

/// Whether version vector `a` is at or below `b`, entry by entry.
pub fn vv_le(a: &VersionVector, b: &VersionVector) -> bool {
    a.iter()
        .all(|(replica, count)| b.get(replica).is_some_and(|c| c >= count))
}

/// A write of the MV-Register with the version vector that orders it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct VersionedWrite {
    /// The value written.
    pub value: i64,
    /// What the writer had seen, its own write included.
    pub version: VersionVector,
}

/// MV-Register (section 3.2.2, Specification 10): a write supersedes exactly the writes
/// its writer had seen, as told by version vectors; concurrent writes all survive, and a
/// reader sees every one of them until a later write supersedes them together (Dynamo's
/// shopping cart). The payload is the antichain of writes no other write dominates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct MvRegister {
    /// The concurrent writes, none dominating another, in ascending order.
    pub writes: Vec<VersionedWrite>,
}

impl MvRegister {
    /// Adds `write` unless a write already held dominates or equals it, and drops the
    /// writes it dominates.
    fn insert(&mut self, write: &VersionedWrite) {
        if self
            .writes
            .iter()
            .any(|held| vv_le(&write.version, &held.version))
        {
            return;
        }
        self.writes
            .retain(|held| !vv_le(&held.version, &write.version));
        let at = self.writes.partition_point(|held| held < write);
        self.writes.insert(at, write.clone());
    }
}

impl Crdt for MvRegister {
    type Op = VersionedWrite;

    fn value(&self) -> Value {
        let values: SortedSet<i64> = self.writes.iter().map(|write| write.value).collect();
        Value::Values(values.into_iter().collect())
    }

    fn merge(&mut self, other: &Self) {
        for write in &other.writes {
            self.insert(write);
        }
    }

    fn le(&self, other: &Self) -> bool {
        self.writes.iter().all(|mine| {
            other
                .writes
                .iter()
                .any(|theirs| vv_le(&mine.version, &theirs.version))
        })
    }

    fn prepare(&self, source: Source, update: &Update) -> Result<VersionedWrite, Refusal> {
        let Update::Set { value } = update else {
            return refuse_for("MV-Register", update);
        };
        let mut version = SortedMap::new();
        for write in &self.writes {
            for (&replica, &count) in &write.version {
                let entry = version.entry(replica).or_insert(0);
                *entry = (*entry).max(count);
            }
        }
        *version.entry(source.replica).or_insert(0) += 1;
        Ok(VersionedWrite {
            value: *value,
            version,
        })
    }

    fn effect(&mut self, op: &VersionedWrite) {
        self.insert(op);
    }

    fn wire_bytes(&self) -> u64 {
        LENGTH_BYTES + self.writes.iter().map(VersionedWrite::bytes).sum::<u64>()
    }

    fn op_bytes(op: &VersionedWrite) -> u64 {
        op.bytes()
    }
}

impl VersionedWrite {
    fn bytes(&self) -> u64 {
        LONG_BYTES + LENGTH_BYTES + self.version.len() as u64 * (WORD_BYTES + LONG_BYTES)
    }
}

// ----- Sets (section 3.3) -----------------------------------------------------------

fn check_room(len: usize) -> Result<(), Refusal> {
    if len >= SET_ELEMENTS_MAX {
        return Err(format!("a set holds at most {SET_ELEMENTS_MAX} elements"));
    }
    Ok(())
}

/// An addition or a removal of one element.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum ElementOp {
    /// Add the element.
    Add(Element),
    /// Remove the element.
    Remove(Element),
}

impl ElementOp {
    fn bytes() -> u64 {
        1 + WORD_BYTES
    }
}

/// G-Set (section 3.3.1, Specification 11): a set that only grows; the merge is union.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct GSet {
    /// The elements.
    pub elements: SortedSet<Element>,
}

impl Crdt for GSet {
    type Op = Element;

    fn value(&self) -> Value {
        Value::Elements(self.elements.iter().copied().collect())
    }

    fn merge(&mut self, other: &Self) {
        self.elements.extend(other.elements.iter().copied());
    }

    fn le(&self, other: &Self) -> bool {
        is_subset(&self.elements, &other.elements)
    }

    fn prepare(&self, _source: Source, update: &Update) -> Result<Element, Refusal> {
        match update {
            Update::Add { element } => {
                check_room(self.elements.len())?;
                Ok(*element)
            }
            other => refuse_for("G-Set", other),
        }
    }

    fn effect(&mut self, op: &Element) {
        self.elements.insert(*op);
    }

    fn wire_bytes(&self) -> u64 {
        LENGTH_BYTES + self.elements.len() as u64 * WORD_BYTES
    }

    fn op_bytes(_op: &Element) -> u64 {
        WORD_BYTES
    }
}

/// 2P-Set (section 3.3.2, Specification 12): a G-Set of additions and a G-Set of removals
/// (tombstones); an element is in if added and not removed. A removed element can never
/// come back, and an element can be removed only where it has been added (the source
/// precondition).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct TwoPhaseSet {
    /// Every element ever added.
    pub added: SortedSet<Element>,
    /// Every element ever removed.
    pub removed: SortedSet<Element>,
}

impl Crdt for TwoPhaseSet {
    type Op = ElementOp;

    fn value(&self) -> Value {
        Value::Elements(
            self.added
                .iter()
                .filter(|element| !self.removed.contains(element))
                .copied()
                .collect(),
        )
    }

    fn merge(&mut self, other: &Self) {
        self.added.extend(other.added.iter().copied());
        self.removed.extend(other.removed.iter().copied());
    }

    fn le(&self, other: &Self) -> bool {
        is_subset(&self.added, &other.added) && is_subset(&self.removed, &other.removed)
    }

    fn prepare(&self, _source: Source, update: &Update) -> Result<ElementOp, Refusal> {
        match update {
            Update::Add { element } => {
                if self.removed.contains(element) {
                    return Err(format!(
                        "{element} was removed, and a 2P-Set never adds it again"
                    ));
                }
                check_room(self.added.len())?;
                Ok(ElementOp::Add(*element))
            }
            Update::Remove { element } => {
                if !self.added.contains(element) || self.removed.contains(element) {
                    return Err(format!("{element} is not in the set here"));
                }
                Ok(ElementOp::Remove(*element))
            }
            other => refuse_for("2P-Set", other),
        }
    }

    fn effect(&mut self, op: &ElementOp) {
        match op {
            ElementOp::Add(element) => {
                self.added.insert(*element);
            }
            ElementOp::Remove(element) => {
                self.removed.insert(*element);
            }
        }
    }

    fn wire_bytes(&self) -> u64 {
        2 * LENGTH_BYTES + (self.added.len() + self.removed.len()) as u64 * WORD_BYTES
    }

    fn op_bytes(_op: &ElementOp) -> u64 {
        ElementOp::bytes()
    }
}

/// A unique tag of one addition: the adding replica and its update's sequence number.
pub type Tag = (ReplicaId, u64);

/// An OR-Set operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum OrSetOp {
    /// Add `element` under the fresh tag `tag`.
    Add {
        /// The element.
        element: Element,
        /// Its new unique tag.
        tag: Tag,
    },
    /// Remove `element` as observed at the source: exactly the tags seen there.
    Remove {
        /// The element.
        element: Element,
        /// The tags the source had for it.
        tags: Vec<Tag>,
    },
}

/// OR-Set, the observed-remove set (section 3.3.5, Specification 15): every addition
/// carries a unique tag, and a remove removes only the tags its source observed, so an
/// addition concurrent with a remove survives it (add wins) and an element can be added
/// again after a remove.
///
/// Specification 15 is op-based and keeps no tombstones: its remove requires causal
/// delivery, since a remove that overtakes the addition it observed removes nothing and
/// the addition then arrives and stays. The state-based variant (section 3.3.5's remark)
/// keeps the removed tags as tombstones so that a merge knows an absent tag was removed
/// rather than not yet seen; here the two share one payload: `entries` and `tombstones`,
/// and the downstream remove records its tags as tombstones but the downstream add does
/// not look at them, exactly as Specification 15.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct OrSet {
    /// The live (element, tag) pairs.
    pub entries: SortedSet<(Element, Tag)>,
    /// The tags removed so far.
    pub tombstones: SortedSet<Tag>,
}

impl Crdt for OrSet {
    type Op = OrSetOp;

    fn value(&self) -> Value {
        let mut elements: Vec<Element> = self.entries.iter().map(|(element, _)| *element).collect();
        elements.dedup();
        Value::Elements(elements)
    }

    fn merge(&mut self, other: &Self) {
        self.tombstones.extend(other.tombstones.iter().copied());
        self.entries.extend(other.entries.iter().copied());
        let tombstones = &self.tombstones;
        self.entries.retain(|(_, tag)| !tombstones.contains(tag));
    }

    fn le(&self, other: &Self) -> bool {
        is_subset(&self.tombstones, &other.tombstones)
            && self
                .entries
                .iter()
                .all(|entry| other.entries.contains(entry) || other.tombstones.contains(&entry.1))
    }

    fn prepare(&self, source: Source, update: &Update) -> Result<OrSetOp, Refusal> {
        match update {
            Update::Add { element } => {
                check_room(self.entries.len())?;
                Ok(OrSetOp::Add {
                    element: *element,
                    tag: (source.replica, source.sequence),
                })
            }
            Update::Remove { element } => {
                let tags: Vec<Tag> = self
                    .entries
                    .iter()
                    .filter(|(held, _)| held == element)
                    .map(|(_, tag)| *tag)
                    .collect();
                if tags.is_empty() {
                    return Err(format!("{element} is not in the set here"));
                }
                Ok(OrSetOp::Remove {
                    element: *element,
                    tags,
                })
            }
            other => refuse_for("OR-Set", other),
        }
    }

    fn effect(&mut self, op: &OrSetOp) {
        match op {
            OrSetOp::Add { element, tag } => {
                self.entries.insert((*element, *tag));
            }
            OrSetOp::Remove { element, tags } => {
                for tag in tags {
                    self.entries.remove(&(*element, *tag));
                    self.tombstones.insert(*tag);
                }
            }
        }
    }

    fn wire_bytes(&self) -> u64 {
        let tag = WORD_BYTES + LONG_BYTES;
        2 * LENGTH_BYTES
            + self.entries.len() as u64 * (WORD_BYTES + tag)
            + self.tombstones.len() as u64 * tag
    }

    fn op_bytes(op: &OrSetOp) -> u64 {
        let tag = WORD_BYTES + LONG_BYTES;
        match op {
            OrSetOp::Add { .. } => 1 + WORD_BYTES + tag,
            OrSetOp::Remove { tags, .. } => 1 + WORD_BYTES + LENGTH_BYTES + tags.len() as u64 * tag,
        }
    }
}

// ----- The naive baselines ----------------------------------------------------------

/// The naive counter: the counter's total in a last-writer-wins register. An increment
/// writes "what I see plus one"; two replicas that increment concurrently both write the
/// same total, the later stamp wins, and one increment is lost. The merge is a join (of
/// the register), so replicas still converge, to a wrong number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct NaiveCounter {
    /// The register holding the total.
    pub register: LwwRegister,
}

impl NaiveCounter {
    fn total(&self) -> i64 {
        self.register.write.map_or(0, |write| write.value)
    }
}

impl Crdt for NaiveCounter {
    type Op = Write;

    fn value(&self) -> Value {
        Value::Number(self.total())
    }

    fn merge(&mut self, other: &Self) {
        self.register.merge(&other.register);
    }

    fn le(&self, other: &Self) -> bool {
        self.register.le(&other.register)
    }

    fn prepare(&self, source: Source, update: &Update) -> Result<Write, Refusal> {
        let total = match update {
            Update::Increment { amount } => {
                self.total().saturating_add(checked_amount(*amount)? as i64)
            }
            other => return refuse_for("naive counter", other),
        };
        self.register.prepare(source, &Update::Set { value: total })
    }

    fn effect(&mut self, op: &Write) {
        self.register.effect(op);
    }

    fn wire_bytes(&self) -> u64 {
        self.register.wire_bytes()
    }

    fn op_bytes(op: &Write) -> u64 {
        LwwRegister::op_bytes(op)
    }
}

/// The naive set: a plain set replicated by union, whose remove deletes the element. The
/// merge (union) is a join, but a remove is not inflationary: it moves the payload down,
/// and the next merge with any replica that still holds the element brings it back. The
/// remove is lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct NaiveSet {
    /// The elements.
    pub elements: SortedSet<Element>,
}

impl Crdt for NaiveSet {
    type Op = ElementOp;

    fn value(&self) -> Value {
        Value::Elements(self.elements.iter().copied().collect())
    }

    fn merge(&mut self, other: &Self) {
        self.elements.extend(other.elements.iter().copied());
    }

    fn le(&self, other: &Self) -> bool {
        is_subset(&self.elements, &other.elements)
    }

    fn prepare(&self, _source: Source, update: &Update) -> Result<ElementOp, Refusal> {
        match update {
            Update::Add { element } => {
                check_room(self.elements.len())?;
                Ok(ElementOp::Add(*element))
            }
            Update::Remove { element } => {
                if !self.elements.contains(element) {
                    return Err(format!("{element} is not in the set here"));
                }
                Ok(ElementOp::Remove(*element))
            }
            other => refuse_for("naive set", other),
        }
    }

    fn effect(&mut self, op: &ElementOp) {
        match op {
            ElementOp::Add(element) => {
                self.elements.insert(*element);
            }
            ElementOp::Remove(element) => {
                self.elements.remove(element);
            }
        }
    }

    fn wire_bytes(&self) -> u64 {
        LENGTH_BYTES + self.elements.len() as u64 * WORD_BYTES
    }

    fn op_bytes(_op: &ElementOp) -> u64 {
        ElementOp::bytes()
    }
}

pub use super::rga::{Rga, RgaId, RgaOp};

#[doc(hidden)]
pub(crate) fn serialize_map_as_list<S: Serializer, K: Serialize, V: Serialize>(
    map: &SortedMap<K, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    map_as_list(map, serializer)
}
