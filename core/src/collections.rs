//! Small sorted collections: a map and a set kept as one vector sorted by key.
//!
//! The standard `BTreeMap` compiles to a full copy of the B-tree code (insert with
//! node splits, remove with rebalancing, range search) for every key and value type
//! it is used with. The browser build had about eighty such copies, most of them for
//! maps that hold a handful of entries: the timers of one node, the votes of one
//! election, the counters of one run. A vector sorted by key serves those maps as
//! fast (one binary search, then a short memory move) and its code is a fraction of
//! the size, so the download shrinks.
//!
//! [`SortedMap`] wraps ICU4X's `litemap::LiteMap` (a map on a sorted `Vec`) and adds
//! what the project needs on top: the same JSON as `BTreeMap` (litemap's own serde
//! support writes an empty map or one with structured keys as a list, which would
//! change the serialized node state), the same `Debug` text, and a `FromIterator`
//! that inserts one by one instead of instantiating a sort for every type.
//! [`SortedSet`] is the matching set on a sorted `Vec`.
//!
//! Both keep their elements in ascending order, so iteration is sorted exactly as
//! with `BTreeMap` and `BTreeSet`, and runs stay deterministic. Inserting a key that
//! sorts last costs a binary search and a push; inserting elsewhere moves the later
//! elements, so these collections are for maps of at most a few thousand entries.
//! Large maps that grow on the hot path (the event queue, Raft's log, the checker's
//! histories) keep `BTreeMap`.

use litemap::LiteMap;
use serde::{Serialize, Serializer};
use std::borrow::Borrow;
use std::fmt;
use std::ops::{Deref, DerefMut, Index};

/// A map ordered by key, kept as one vector sorted by key.
///
/// It dereferences to `litemap::LiteMap`, which supplies the map operations
/// (`get`, `get_mut`, `insert`, `remove`, `entry`, `retain`, `iter`, `first`,
/// `last`, ...). It serializes, prints and hashes exactly as a `BTreeMap` with the
/// same entries would.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SortedMap<K, V>(LiteMap<K, V>);

impl<K, V> SortedMap<K, V> {
    /// An empty map; it allocates nothing until the first insert.
    pub const fn new() -> Self {
        Self(LiteMap::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// The values in key order, mutable.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, value)| value)
    }
}

impl<K, V> SortedMap<K, V> {
    /// The values in key order, taken out of the map.
    pub fn into_values(self) -> impl DoubleEndedIterator<Item = V> {
        self.0.into_tuple_vec().into_iter().map(|(_, value)| value)
    }
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> Deref for SortedMap<K, V> {
    type Target = LiteMap<K, V>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<K, V> DerefMut for SortedMap<K, V> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<K: fmt::Debug + Ord, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    /// Prints `{key: value, ...}`, as `BTreeMap` does.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_map().entries(self.0.iter()).finish()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    /// Collects pairs; a later pair replaces an earlier one with the same key, as in
    /// `BTreeMap`. Each pair is inserted on its own: the maps this type serves are
    /// small, and a sort would add a copy of the sorting code for every entry type.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut map = Self::new();
        map.extend(pairs);
        map
    }
}

impl<K: Ord, V> Extend<(K, V)> for SortedMap<K, V> {
    /// Inserts every pair; a later pair replaces an earlier one with the same key.
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, pairs: I) {
        for (key, value) in pairs {
            self.0.insert(key, value);
        }
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SortedMap<K, V> {
    /// Builds a map from literal pairs, as `BTreeMap::from` does.
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl<K: Ord + Borrow<Q>, V, Q: Ord + ?Sized> Index<&Q> for SortedMap<K, V> {
    type Output = V;

    /// The value at `key`, as `BTreeMap`'s indexing gives it (a borrowed key such as
    /// `&str` for `String` keys works too).
    ///
    /// # Panics
    ///
    /// Panics if `key` is not in the map, as `BTreeMap` does.
    fn index(&self, key: &Q) -> &V {
        match self.0.get(key) {
            Some(value) => value,
            None => panic!("no entry found for key"),
        }
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    /// The pairs in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_tuple_vec().into_iter()
    }
}

impl<'a, K: 'a, V: 'a> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = <&'a LiteMap<K, V> as IntoIterator>::IntoIter;

    /// The pairs in key order, borrowed.
    fn into_iter(self) -> Self::IntoIter {
        (&self.0).into_iter()
    }
}

impl<'a, K: 'a, V: 'a> IntoIterator for &'a mut SortedMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = <&'a mut LiteMap<K, V> as IntoIterator>::IntoIter;

    /// The pairs in key order, values mutable.
    fn into_iter(self) -> Self::IntoIter {
        (&mut self.0).into_iter()
    }
}

impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    /// Writes a map, entries in key order, as `BTreeMap` does (an empty map is `{}`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter())
    }
}

/// A set ordered by value, kept as one vector sorted in ascending order.
///
/// It serializes as a list and prints as `{a, b}`, as `BTreeSet` does.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SortedSet<T>(Vec<T>);

impl<T> SortedSet<T> {
    /// An empty set; it allocates nothing until the first insert.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// How many values the set holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set holds no value.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values in ascending order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// The smallest value, if any.
    pub fn first(&self) -> Option<&T> {
        self.0.first()
    }

    /// The largest value, if any.
    pub fn last(&self) -> Option<&T> {
        self.0.last()
    }

    /// Removes every value.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Keeps only the values for which `keep` is true.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.0.retain(keep);
    }

    /// The values as a sorted slice.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
}

impl<T: Ord> SortedSet<T> {
    /// Whether `value` is in the set.
    pub fn contains(&self, value: &T) -> bool {
        self.0.binary_search(value).is_ok()
    }

    /// Adds `value`; returns false (and keeps the old value) if it was already there.
    pub fn insert(&mut self, value: T) -> bool {
        // Checking the last value first makes the common in-order insert a push.
        if self.0.last().is_none_or(|last| *last < value) {
            self.0.push(value);
            return true;
        }
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(index) => {
                self.0.insert(index, value);
                true
            }
        }
    }

    /// Removes `value`; returns whether it was there.
    pub fn remove(&mut self, value: &T) -> bool {
        match self.0.binary_search(value) {
            Ok(index) => {
                self.0.remove(index);
                true
            }
            Err(_) => false,
        }
    }
}

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for SortedSet<T> {
    /// Prints `{a, b}`, as `BTreeSet` does.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_set().entries(self.0.iter()).finish()
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    /// Collects values, dropping repeats. Each value is inserted on its own: the sets
    /// this type serves are small, and a sort would add code for every value type.
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let mut set = Self::new();
        set.extend(values);
        set
    }
}

impl<T: Ord> Extend<T> for SortedSet<T> {
    /// Inserts every value.
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        for value in values {
            self.insert(value);
        }
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for SortedSet<T> {
    /// Builds a set from literal values, as `BTreeSet::from` does.
    fn from(values: [T; N]) -> Self {
        values.into_iter().collect()
    }
}

impl<T> IntoIterator for SortedSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    /// The values in ascending order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    /// The values in ascending order, borrowed.
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Serialize> Serialize for SortedSet<T> {
    /// Writes a list in ascending order, as `BTreeSet` does.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::hash::{DefaultHasher, Hash, Hasher};

    fn hash_of(value: &impl Hash) -> u64 {
        let mut hasher = DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }

    /// Pairs in no particular order, with repeated keys, as the maps meet them.
    const PAIRS: [(u32, &str); 7] = [
        (5, "e"),
        (1, "a"),
        (9, "i"),
        (5, "E"),
        (3, "c"),
        (0, "z"),
        (9, "I"),
    ];

    #[test]
    fn a_sorted_map_iterates_in_key_order_and_keeps_the_last_value_of_a_repeated_key() {
        let sorted: SortedMap<u32, &str> = PAIRS.into_iter().collect();
        let reference: BTreeMap<u32, &str> = PAIRS.into_iter().collect();
        let sorted_pairs: Vec<(u32, &str)> = sorted.iter().map(|(k, v)| (*k, *v)).collect();
        let reference_pairs: Vec<(u32, &str)> = reference.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(sorted_pairs, reference_pairs);
        assert_eq!(sorted.len(), 5);
    }

    #[test]
    fn a_sorted_map_answers_insert_get_remove_and_entry_as_a_btree_map_does() {
        let mut sorted = SortedMap::new();
        let mut reference = BTreeMap::new();
        for (key, value) in PAIRS {
            assert_eq!(sorted.insert(key, value), reference.insert(key, value));
        }
        for key in 0..11 {
            assert_eq!(sorted.get(&key), reference.get(&key));
        }
        assert_eq!(sorted.remove(&5), reference.remove(&5));
        assert_eq!(sorted.remove(&5), None);
        *sorted.entry(7).or_insert("g") = "G";
        *reference.entry(7).or_insert("g") = "G";
        assert_eq!(sorted.first(), reference.first_key_value());
        assert_eq!(sorted.last(), reference.last_key_value());
        let sorted_pairs: Vec<_> = sorted.clone().into_iter().collect();
        let reference_pairs: Vec<_> = reference.clone().into_iter().collect();
        assert_eq!(sorted_pairs, reference_pairs);
    }

    #[test]
    fn a_sorted_map_serializes_prints_and_hashes_as_a_btree_map() {
        let sorted: SortedMap<String, u64> = [("b".to_string(), 2), ("a".to_string(), 1)]
            .into_iter()
            .collect();
        let reference: BTreeMap<String, u64> =
            sorted.iter().map(|(k, v)| (k.clone(), *v)).collect();
        assert_eq!(
            serde_json::to_string(&sorted).unwrap(),
            serde_json::to_string(&reference).unwrap()
        );
        assert_eq!(format!("{sorted:?}"), format!("{reference:?}"));
        assert_eq!(hash_of(&sorted), hash_of(&reference));
    }

    #[test]
    fn an_empty_sorted_map_serializes_as_an_empty_json_object_not_a_list() {
        let empty: SortedMap<u32, u32> = SortedMap::new();
        assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
    }

    #[test]
    fn a_sorted_map_with_integer_keys_serializes_as_a_btree_map() {
        let sorted: SortedMap<u32, u64> = SortedMap::from([(10, 1), (2, 3)]);
        assert_eq!(serde_json::to_string(&sorted).unwrap(), r#"{"2":3,"10":1}"#);
    }

    #[test]
    fn raft_leader_state_serializes_to_the_same_json_as_with_btree_maps_and_sets() {
        // The node inspector shows this JSON; with B-trees it was exactly this text.
        let mut leader = crate::labs::raft::LeaderState::default();
        leader.next_index.insert(3, 7);
        leader.next_index.insert(2, 5);
        leader.recently_active.insert(3);
        leader.recently_active.insert(2);
        assert_eq!(
            serde_json::to_string(&leader).unwrap(),
            concat!(
                r#"{"next_index":{"2":5,"3":7},"match_index":{},"pending":{},"#,
                r#""recently_active":[2,3],"durable_index":0,"read_round":0,"#,
                r#""acknowledged_rounds":{},"reads":[]}"#
            )
        );
    }

    #[test]
    fn a_sorted_set_matches_a_btree_set_in_order_membership_and_serialization() {
        let values = [4_u32, 1, 9, 4, 0, 7, 1];
        let mut sorted = SortedSet::new();
        let mut reference = BTreeSet::new();
        for value in values {
            assert_eq!(sorted.insert(value), reference.insert(value));
        }
        assert!(sorted.iter().eq(reference.iter()));
        for value in 0..11 {
            assert_eq!(sorted.contains(&value), reference.contains(&value));
        }
        assert_eq!(sorted.remove(&4), reference.remove(&4));
        assert_eq!(sorted.remove(&4), reference.remove(&4));
        sorted.retain(|value| value % 3 != 0);
        reference.retain(|value| value % 3 != 0);
        assert!(sorted.iter().eq(reference.iter()));
        assert_eq!(sorted.first(), reference.first());
        assert_eq!(sorted.last(), reference.last());
        assert_eq!(
            serde_json::to_string(&sorted).unwrap(),
            serde_json::to_string(&reference).unwrap()
        );
        assert_eq!(format!("{sorted:?}"), format!("{reference:?}"));
        assert_eq!(hash_of(&sorted), hash_of(&reference));
        let collected: SortedSet<u32> = values.into_iter().collect();
        assert!(collected.iter().eq(values.iter().collect::<BTreeSet<_>>()));
    }
}
