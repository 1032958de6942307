//! Causal broadcast: the delivery layer op-based CRDTs need (Shapiro et al. 2011, section
//! 2.2.2: "causal delivery", with exactly-once delivery of each operation).
//!
//! Every operation is tagged with its origin, its number among the origin's operations and
//! the version vector of what the origin had delivered when it made it (its causal past).
//! A receiver delivers an operation once it has delivered everything in that past: the
//! origin's previous operation, and every other replica's operations the origin had seen.
//! Until then the operation waits in a buffer. An operation already delivered is a
//! duplicate and is dropped, so the layer also gives exactly-once delivery over a network
//! that duplicates. With causal delivery switched off (the lab's bug switch) an operation
//! is delivered as soon as it arrives, duplicates still dropped: reordering then reaches
//! the data type.

use serde::Serialize;

use crate::collections::SortedSet;

use super::types::{ReplicaId, VersionVector};

/// The most operations a replica holds back waiting for their causal past; more are
/// dropped (anti-entropy sends them again).
pub const BUFFER_MAX: usize = 1_024;

/// Which operations a replica has delivered: a prefix per origin, and the ones delivered
/// past a gap (only without causal delivery).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Delivered {
    /// Per origin, how many of its first operations were delivered.
    pub clock: VersionVector,
    /// Operations delivered beyond the prefix, as `(origin, sequence)`.
    pub beyond: SortedSet<(ReplicaId, u64)>,
}

impl Delivered {
    /// Whether operation `sequence` of `origin` was delivered.
    pub fn contains(&self, origin: ReplicaId, sequence: u64) -> bool {
        sequence <= self.clock.get(&origin).copied().unwrap_or(0)
            || self.beyond.contains(&(origin, sequence))
    }

    /// Records operation `sequence` of `origin` as delivered.
    pub fn insert(&mut self, origin: ReplicaId, sequence: u64) {
        let next = self.clock.get(&origin).copied().unwrap_or(0) + 1;
        if sequence != next {
            if sequence > next {
                self.beyond.insert((origin, sequence));
            }
            return;
        }
        let mut last = sequence;
        while self.beyond.remove(&(origin, last + 1)) {
            last += 1;
        }
        self.clock.insert(origin, last);
    }
}

/// An operation as the causal layer carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Tagged<O> {
    /// The replica that made it.
    pub origin: ReplicaId,
    /// Its number among the origin's operations, from 1.
    pub sequence: u64,
    /// What the origin had delivered when it made it (its own earlier operations included).
    pub past: VersionVector,
    /// The operation.
    pub op: O,
}

/// Bytes of the tag in the lab's compact encoding: origin, sequence and the past's entries.
pub fn tag_bytes(past: &VersionVector) -> u64 {
    4 + 8 + 4 + past.len() as u64 * 12
}

/// One replica's causal delivery layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CausalLayer<O> {
    /// What has been delivered.
    pub delivered: Delivered,
    /// Operations waiting for their causal past, in arrival order.
    pub waiting: Vec<Tagged<O>>,
}

impl<O> Default for CausalLayer<O> {
    fn default() -> Self {
        Self {
            delivered: Delivered::default(),
            waiting: Vec::new(),
        }
    }
}

impl<O: Clone> CausalLayer<O> {
    /// Tags a local operation of `origin` and records it as delivered (a replica applies
    /// its own operations at once).
    pub fn local(&mut self, origin: ReplicaId, op: O) -> Tagged<O> {
        let sequence = self.delivered.clock.get(&origin).copied().unwrap_or(0) + 1;
        let tagged = Tagged {
            origin,
            sequence,
            past: self.delivered.clock.clone(),
            op,
        };
        self.delivered.insert(origin, sequence);
        tagged
    }

    fn ready(&self, tagged: &Tagged<O>) -> bool {
        let clock = &self.delivered.clock;
        tagged.sequence == clock.get(&tagged.origin).copied().unwrap_or(0) + 1
            && tagged.past.iter().all(|(&replica, &count)| {
                replica == tagged.origin || clock.get(&replica).copied().unwrap_or(0) >= count
            })
    }

    /// Takes an arriving operation and returns the operations delivered as a result, in
    /// the order to apply them: none (a duplicate, or one that must wait), the operation
    /// itself, or it followed by waiting ones it unblocked. Without `causal` an operation
    /// is delivered on arrival.
    pub fn receive(&mut self, tagged: Tagged<O>, causal: bool) -> Vec<Tagged<O>> {
        if self.delivered.contains(tagged.origin, tagged.sequence) {
            return Vec::new();
        }
        if !causal {
            self.delivered.insert(tagged.origin, tagged.sequence);
            return vec![tagged];
        }
        if !self.ready(&tagged) {
            let known = self
                .waiting
                .iter()
                .any(|held| held.origin == tagged.origin && held.sequence == tagged.sequence);
            if !known && self.waiting.len() < BUFFER_MAX {
                self.waiting.push(tagged);
            }
            return Vec::new();
        }
        self.delivered.insert(tagged.origin, tagged.sequence);
        let mut out = vec![tagged];
        // Each delivery may unblock a waiting operation; repeat until none is ready.
        while let Some(index) = self.waiting.iter().position(|held| self.ready(held)) {
            let next = self.waiting.remove(index);
            self.delivered.insert(next.origin, next.sequence);
            out.push(next);
        }
        let delivered = &self.delivered;
        self.waiting
            .retain(|held| !delivered.contains(held.origin, held.sequence));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(origin: ReplicaId, sequence: u64, past: &[(ReplicaId, u64)]) -> Tagged<&'static str> {
        Tagged {
            origin,
            sequence,
            past: past.iter().copied().collect(),
            op: "op",
        }
    }

    #[test]
    fn an_operation_waits_until_its_causal_past_is_delivered() {
        let mut layer = CausalLayer::default();
        // Replica 1's op was made after it had delivered replica 0's first op.
        assert!(layer.receive(op(1, 1, &[(0, 1)]), true).is_empty());
        assert_eq!(layer.waiting.len(), 1);
        let delivered = layer.receive(op(0, 1, &[]), true);
        let order: Vec<(ReplicaId, u64)> = delivered
            .iter()
            .map(|tagged| (tagged.origin, tagged.sequence))
            .collect();
        assert_eq!(order, vec![(0, 1), (1, 1)]);
        assert!(layer.waiting.is_empty());
    }

    #[test]
    fn a_duplicate_is_delivered_once() {
        let mut layer = CausalLayer::default();
        assert_eq!(layer.receive(op(0, 1, &[]), true).len(), 1);
        assert!(layer.receive(op(0, 1, &[]), true).is_empty());
        assert!(layer.receive(op(0, 1, &[]), false).is_empty());
    }

    #[test]
    fn without_causal_delivery_an_operation_is_delivered_on_arrival_past_a_gap() {
        let mut layer = CausalLayer::default();
        assert_eq!(layer.receive(op(0, 2, &[(0, 1)]), false).len(), 1);
        assert!(layer.delivered.contains(0, 2));
        assert!(!layer.delivered.contains(0, 1));
        assert_eq!(layer.receive(op(0, 1, &[]), false).len(), 1);
        assert_eq!(layer.delivered.clock.get(&0), Some(&2));
        assert!(layer.delivered.beyond.is_empty());
    }

    #[test]
    fn a_local_operation_carries_what_its_origin_had_delivered() {
        let mut layer = CausalLayer::default();
        layer.receive(op(0, 1, &[]), true);
        let tagged = layer.local(2, "mine");
        assert_eq!(tagged.sequence, 1);
        assert_eq!(tagged.past, [(0, 1)].into_iter().collect());
        assert!(layer.delivered.contains(2, 1));
    }
}
