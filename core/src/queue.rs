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

use std::collections::{BTreeMap, VecDeque};

use crate::protocol::Time;

/// The events due at one time. Most times hold a single event, which is stored
/// without a separate allocation.
#[derive(Debug, Clone)]
enum Bucket<E> {
    One(E),
    Many(VecDeque<E>),
}

/// Events ordered by `(time, order of scheduling)`.
#[derive(Debug, Clone)]
pub struct EventQueue<E> {
    buckets: BTreeMap<Time, Bucket<E>>,
    len: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self {
            buckets: BTreeMap::new(),
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
        match self.buckets.entry(time) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(Bucket::One(event));
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let bucket = slot.get_mut();
                match bucket {
                    Bucket::Many(events) => events.push_back(event),
                    Bucket::One(_) => {
                        let mut events = VecDeque::with_capacity(4);
                        let Bucket::One(first) =
                            std::mem::replace(bucket, Bucket::Many(VecDeque::new()))
                        else {
                            unreachable!("the bucket was just matched as holding one event")
                        };
                        events.push_back(first);
                        events.push_back(event);
                        *bucket = Bucket::Many(events);
                    }
                }
            }
        }
    }

    /// Removes and returns the earliest event with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        let mut first = self.buckets.first_entry()?;
        let time = *first.key();
        let event = match first.get_mut() {
            Bucket::One(_) => match first.remove() {
                Bucket::One(event) => event,
                Bucket::Many(_) => unreachable!("the bucket was just matched as holding one"),
            },
            Bucket::Many(events) => {
                let event = events.pop_front()?;
                if events.is_empty() {
                    first.remove();
                }
                event
            }
        };
        self.len -= 1;
        Some((time, event))
    }

    /// The earliest event and its time, without removing it.
    #[inline]
    pub fn peek(&self) -> Option<(Time, &E)> {
        let (time, bucket) = self.buckets.first_key_value()?;
        let event = match bucket {
            Bucket::One(event) => event,
            Bucket::Many(events) => events.front()?,
        };
        Some((*time, event))
    }

    /// Every queued event with its time, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Time, &E)> {
        self.buckets.iter().flat_map(|(time, bucket)| {
            let events: Box<dyn Iterator<Item = &E>> = match bucket {
                Bucket::One(event) => Box::new(std::iter::once(event)),
                Bucket::Many(events) => Box::new(events.iter()),
            };
            events.map(move |event| (*time, event))
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
