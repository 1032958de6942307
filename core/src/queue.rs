//! The event queue: events ordered by time, and by scheduling order within one
//! time.
//!
//! The queue is a sorted map from time to the events due then, in the order they
//! were scheduled. That is exactly the `(time, sequence)` order of a binary heap
//! keyed by a global sequence number, without storing the number: events are
//! scheduled with increasing sequence numbers, so appending to a time's list keeps
//! them in sequence order. It is also much faster on big runs: a thousand nodes
//! broadcasting put a million messages in flight, and a binary heap of a million
//! entries pays about twenty cache misses per removal, while here the map has one
//! key per distinct microsecond (tens of thousands) and each removal is a short
//! walk down the map's left edge plus a pop from the front of a list.
//!
//! The order is a pure function of the pushes and pops, never of how the lists
//! are stored, so a cloned queue (a time-travel snapshot) pops exactly as the
//! original would.

use std::collections::{BTreeMap, VecDeque};

use crate::protocol::Time;

/// Events ordered by `(time, order of scheduling)`.
///
/// The map holds only small integers (an index into `buckets`), so inserting and
/// removing keys moves a few bytes rather than whole events, and the lists of
/// emptied times are kept on a free list and reused, so a steady run allocates
/// almost nothing.
#[derive(Debug, Clone)]
pub struct EventQueue<E> {
    index: BTreeMap<Time, u32>,
    buckets: Vec<VecDeque<E>>,
    free: Vec<u32>,
    len: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self {
            index: BTreeMap::new(),
            buckets: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many events are queued.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Schedules `event` at `time`, after every event already scheduled then.
    #[inline]
    pub fn push(&mut self, time: Time, event: E) {
        self.len += 1;
        let slot = match self.index.entry(time) {
            std::collections::btree_map::Entry::Occupied(entry) => *entry.get(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                let slot = match self.free.pop() {
                    Some(slot) => slot,
                    None => {
                        self.buckets.push(VecDeque::new());
                        (self.buckets.len() - 1) as u32
                    }
                };
                entry.insert(slot);
                slot
            }
        };
        self.buckets[slot as usize].push_back(event);
    }

    /// Removes and returns the earliest event with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        let first = self.index.first_entry()?;
        let time = *first.key();
        let slot = *first.get();
        let bucket = &mut self.buckets[slot as usize];
        let event = bucket.pop_front()?;
        if bucket.is_empty() {
            first.remove();
            self.free.push(slot);
        }
        self.len -= 1;
        Some((time, event))
    }

    /// The earliest event and its time, without removing it.
    #[inline]
    pub fn peek(&self) -> Option<(Time, &E)> {
        let (time, slot) = self.index.first_key_value()?;
        let event = self.buckets[*slot as usize].front()?;
        Some((*time, event))
    }

    /// Every queued event with its time, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Time, &E)> {
        self.index.iter().flat_map(|(time, slot)| {
            self.buckets[*slot as usize]
                .iter()
                .map(move |event| (*time, event))
        })
    }
}

/// The bytes one queued event takes, not counting the map's per-time overhead.
pub fn entry_size<E>() -> usize {
    std::mem::size_of::<E>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_by_time_then_in_scheduling_order() {
        let mut queue = EventQueue::new();
        queue.push(5, "b");
        queue.push(3, "a");
        queue.push(5, "c");
        queue.push(5, "d");
        queue.push(9, "e");
        assert_eq!(queue.len(), 5);
        assert_eq!(queue.peek(), Some((3, &"a")));
        let order: Vec<(Time, &str)> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(
            order,
            vec![(3, "a"), (5, "b"), (5, "c"), (5, "d"), (9, "e")]
        );
        assert!(queue.is_empty());
    }

    #[test]
    fn the_queue_agrees_with_a_heap_ordered_by_time_and_sequence() {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut rng = crate::rng::SimRng::new(9);
        let mut queue = EventQueue::new();
        let mut heap = BinaryHeap::new();
        let mut sequence = 0u64;
        for _ in 0..5_000 {
            if rng.chance(0.6) {
                let time = rng.range_inclusive(0, 50);
                queue.push(time, sequence);
                heap.push(Reverse((time, sequence)));
                sequence += 1;
            } else {
                let expected = heap.pop().map(|Reverse(pair)| pair);
                assert_eq!(queue.pop(), expected);
            }
        }
        let rest: Vec<(Time, u64)> = queue.iter().map(|(time, seq)| (time, *seq)).collect();
        let mut expected: Vec<(Time, u64)> = heap.into_iter().map(|Reverse(pair)| pair).collect();
        expected.sort();
        assert_eq!(rest, expected);
    }
}
