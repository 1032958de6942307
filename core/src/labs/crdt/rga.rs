//! RGA, the Replicated Growable Array (Roh, Jeon, Kim and Lee, "Replicated abstract data
//! types: Building blocks for collaborative applications", 2011; the sequence CRDTs of
//! section 3.5 of Shapiro et al.): collaborative text where every character has an
//! identity.
//!
//! Each inserted character gets a unique id, a Lamport timestamp `(counter, replica)`
//! whose counter is above every id its replica has seen, and names the character it was
//! typed after (its *anchor*; `None` for the start of the text). A delete never removes a
//! character, it marks it with a tombstone, because a concurrent insert may be anchored
//! to it. The text is the depth-first walk of the tree that the anchors form, visiting the
//! characters anchored to the same one newest first (descending id): a character typed
//! right after its anchor is newer than everything its replica had seen there, so it
//! lands directly after the anchor, and two characters typed concurrently after the same
//! anchor are ordered the same way everywhere, by id. This is RGA's "skip the newer
//! successors" insertion rule, written as an order on a tree.
//!
//! The payload (every character with its anchor, and the tombstones) is a join
//! semilattice under union, so the same type replicates state-based. Op-based, an insert
//! needs its anchor and a delete its target to have arrived first: causal delivery. The
//! downstream effect here skips an insert whose anchor is missing and a delete whose
//! target is missing, which is what a replica without causal delivery can do, and that
//! replica then differs for ever from the others.

use serde::Serialize;

use crate::collections::{SortedMap, SortedSet};

use super::types::{
    Crdt, INSERT_CHARS_MAX, Refusal, Source, TEXT_ELEMENTS_MAX, Update, Value, is_subset,
};

/// A character's identity: a Lamport counter, then the replica that typed it. Ordered by
/// counter first, so a newer character (one typed after seeing another) has a larger id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RgaId {
    /// The Lamport counter.
    pub counter: u64,
    /// The typing replica.
    pub replica: u32,
}

/// One character with the character it was typed after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RgaNode {
    /// The character typed before it (`None`: the start of the text).
    pub anchor: Option<RgaId>,
    /// The character.
    pub character: char,
}

/// An RGA operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum RgaOp {
    /// Insert characters, each anchored to the one before it (the first to an existing
    /// character, or the start).
    Insert(Vec<(RgaId, RgaNode)>),
    /// Put tombstones on characters.
    Delete(Vec<RgaId>),
}

/// The text type: every character ever typed, with its anchor, and the deleted ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Rga {
    /// Every character ever inserted, by id.
    #[serde(serialize_with = "super::types::serialize_map_as_list")]
    pub nodes: SortedMap<RgaId, RgaNode>,
    /// The deleted characters.
    pub tombstones: SortedSet<RgaId>,
}

/// Bytes of an id (counter and replica).
const ID_BYTES: u64 = 12;
/// Bytes of one inserted character: its id, its anchor (a flag and an id) and the character.
const NODE_BYTES: u64 = ID_BYTES + 1 + ID_BYTES + 4;

impl Rga {
    /// Every character's id in text order, deleted ones included.
    pub fn order(&self) -> Vec<RgaId> {
        let mut children: SortedMap<Option<RgaId>, Vec<RgaId>> = SortedMap::new();
        for (&id, node) in &self.nodes {
            children.entry(node.anchor).or_default().push(id);
        }
        let mut order = Vec::with_capacity(self.nodes.len());
        // Children are listed in ascending id order; pushing them in that order leaves the
        // newest on top of the stack, so it is visited first.
        let mut stack: Vec<RgaId> = children.get(&None).cloned().unwrap_or_default();
        while let Some(id) = stack.pop() {
            order.push(id);
            if let Some(below) = children.get(&Some(id)) {
                stack.extend(below.iter().copied());
            }
        }
        order
    }

    /// The ids of the characters still visible, in text order.
    pub fn visible(&self) -> Vec<RgaId> {
        self.order()
            .into_iter()
            .filter(|id| !self.tombstones.contains(id))
            .collect()
    }

    fn next_counter(&self) -> u64 {
        self.nodes
            .last()
            .map_or(1, |(id, _)| id.counter.saturating_add(1))
    }
}

impl Crdt for Rga {
    type Op = RgaOp;

    fn value(&self) -> Value {
        Value::Text(
            self.order()
                .into_iter()
                .filter(|id| !self.tombstones.contains(id))
                .filter_map(|id| self.nodes.get(&id).map(|node| node.character))
                .collect(),
        )
    }

    fn merge(&mut self, other: &Self) {
        for (id, node) in &other.nodes {
            self.nodes.entry(*id).or_insert(*node);
        }
        self.tombstones.extend(other.tombstones.iter().copied());
    }

    fn le(&self, other: &Self) -> bool {
        self.nodes.keys().all(|id| other.nodes.contains_key(id))
            && is_subset(&self.tombstones, &other.tombstones)
    }

    fn prepare(&self, source: Source, update: &Update) -> Result<RgaOp, Refusal> {
        match update {
            Update::Insert { index, text } => {
                let characters: Vec<char> = text.chars().collect();
                if characters.is_empty() || characters.len() > INSERT_CHARS_MAX {
                    return Err(format!(
                        "an insert carries 1 to {INSERT_CHARS_MAX} characters, got {}",
                        characters.len()
                    ));
                }
                if self.nodes.len() + characters.len() > TEXT_ELEMENTS_MAX {
                    return Err(format!(
                        "a text holds at most {TEXT_ELEMENTS_MAX} characters, deleted ones included"
                    ));
                }
                let visible = self.visible();
                let index = *index as usize;
                if index > visible.len() {
                    return Err(format!(
                        "index {index} is past the end of the text ({} characters)",
                        visible.len()
                    ));
                }
                let mut anchor = index.checked_sub(1).map(|before| visible[before]);
                let mut counter = self.next_counter();
                let mut inserted = Vec::with_capacity(characters.len());
                for character in characters {
                    let id = RgaId {
                        counter,
                        replica: source.replica,
                    };
                    inserted.push((id, RgaNode { anchor, character }));
                    anchor = Some(id);
                    counter = counter.saturating_add(1);
                }
                Ok(RgaOp::Insert(inserted))
            }
            Update::Delete { index, count } => {
                let visible = self.visible();
                let start = *index as usize;
                let end = start.saturating_add(*count as usize);
                if *count == 0 || end > visible.len() {
                    return Err(format!(
                        "cannot delete {count} characters from index {index} of a text of {}",
                        visible.len()
                    ));
                }
                Ok(RgaOp::Delete(visible[start..end].to_vec()))
            }
            other => Err(format!("a text (RGA) does not take {other:?}")),
        }
    }

    fn effect(&mut self, op: &RgaOp) {
        match op {
            RgaOp::Insert(inserted) => {
                for (id, node) in inserted {
                    // Without causal delivery the anchor may not have arrived: the
                    // character cannot be placed, and is skipped.
                    let placed = node
                        .anchor
                        .is_none_or(|anchor| self.nodes.contains_key(&anchor));
                    if placed {
                        self.nodes.entry(*id).or_insert(*node);
                    }
                }
            }
            RgaOp::Delete(ids) => {
                for id in ids {
                    if self.nodes.contains_key(id) {
                        self.tombstones.insert(*id);
                    }
                }
            }
        }
    }

    fn wire_bytes(&self) -> u64 {
        8 + self.nodes.len() as u64 * NODE_BYTES + self.tombstones.len() as u64 * ID_BYTES
    }

    fn op_bytes(op: &RgaOp) -> u64 {
        match op {
            RgaOp::Insert(inserted) => 5 + inserted.len() as u64 * NODE_BYTES,
            RgaOp::Delete(ids) => 5 + ids.len() as u64 * ID_BYTES,
        }
    }
}
