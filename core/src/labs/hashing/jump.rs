//! Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash
//! Algorithm", 2014).
//!
//! The function answers "which of B buckets?" with no table at all: it follows the key's
//! bucket as B grows from 1, jumping forward only at the B where the key must move to the
//! new bucket, which it can compute with a pseudo-random generator seeded by the key.
//! A key moves when B grows only into the new bucket B - 1 (the paper's monotonicity),
//! with probability 1/B, so movement is minimal and balance is perfect in expectation.
//! The expected number of jumps is about ln B.
//!
//! Its limit is the bucket numbering: buckets are positions, and only the last one can
//! be added or removed cheaply. Here bucket numbers follow join order (a node of weight w
//! takes w consecutive buckets), so a new node always takes the last numbers and only
//! keys moving to it move; crashing or removing a node in the middle shifts every node
//! after it down one position, so keys move between nodes that stayed. With ten nodes,
//! crashing node 3 of 0 to 9 moves about 69% of keys where the crashed node held 10%. A
//! crashed node that comes back joins at the end, in other positions than before, so
//! crashing and re-adding it does not restore the placement. The lab shows both on
//! purpose, and [`change_note`] says why beside the numbers.

use super::membership::{Change, Member};
use super::scheme::{LookupCost, Scheme, SchemeConfig, SchemeKind, check_inputs};
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// The paper's function: the bucket in `0..buckets` for `key`. Returns 0 when
/// `buckets` is 0, which callers never pass.
///
/// This follows Figure 1 of the paper step by step: a 64-bit linear congruential
/// generator advanced by the key, and the next jump computed in double precision. The
/// double arithmetic is exact IEEE-754 division and conversion, so the result is the
/// same on every platform.
#[inline]
pub fn jump_consistent_hash(key: u64, buckets: u32) -> u32 {
    let mut key = key;
    let mut bucket: i64 = -1;
    let mut next: i64 = 0;
    while next < i64::from(buckets) {
        bucket = next;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        next = ((bucket + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    bucket.max(0) as u32
}

/// How many keys [`jump_consistent_hash_lanes`] follows at once.
pub const LANES: usize = 4;

/// [`jump_consistent_hash`] for [`LANES`] keys at once, with identical results.
///
/// One key's loop is a chain of dependent floating-point divisions, so a processor
/// mostly waits on it. Following several independent keys in lock-step lets their
/// divisions overlap; a lane whose key has landed keeps its bucket while the others
/// finish. Each lane performs exactly the steps of the one-key function.
pub fn jump_consistent_hash_lanes(keys: [u64; LANES], buckets: u32) -> [u32; LANES] {
    let limit = i64::from(buckets);
    let mut keys = keys;
    let mut bucket = [-1i64; LANES];
    let mut next = [0i64; LANES];
    // Each round advances every unfinished lane by one jump; a lane finishes within
    // about ln(buckets) jumps and every jump strictly increases `next`, so the loop ends.
    while next.iter().any(|&candidate| candidate < limit) {
        for lane in 0..LANES {
            if next[lane] < limit {
                bucket[lane] = next[lane];
                keys[lane] = keys[lane]
                    .wrapping_mul(2_862_933_555_777_941_757)
                    .wrapping_add(1);
                next[lane] = ((bucket[lane] + 1) as f64
                    * ((1u64 << 31) as f64 / ((keys[lane] >> 33) + 1) as f64))
                    as i64;
            }
        }
    }
    bucket.map(|value| value.max(0) as u32)
}

/// Why a change moves more keys under jump hash than the ideal, when it does for a
/// reason of structure rather than chance: a sentence for reports and the page, or
/// `None` when the change is one jump hash makes cheaply (adding a node at the end, or
/// removing the last one). `before` is the live members before the change, in join order.
pub fn change_note(before: &[Member], change: &Change) -> Option<&'static str> {
    let is_last = before
        .last()
        .is_some_and(|member| member.node == change.node());
    match change {
        Change::Add { .. } => None,
        Change::Crash { .. } | Change::Remove { .. } if is_last => None,
        Change::Crash { .. } | Change::Remove { .. } => Some(
            "Jump hash numbers buckets by position, and only the last bucket can be removed \
             cheaply: removing this node shifts every node after it down one bucket, so keys \
             also move between nodes that stayed, far above the ideal.",
        ),
        Change::Readd { .. } => Some(
            "Jump hash numbers buckets by position: a re-added node takes the last bucket, not \
             the one it had. This change moves only the keys it gets, but unless the node was \
             last the placement before the crash is not restored: the keys the crash moved \
             between nodes that stayed do not move back.",
        ),
    }
}

/// Jump consistent hash over the live nodes in join order.
#[derive(Debug, Clone)]
pub struct Jump {
    buckets: Vec<NodeId>,
}

impl Scheme for Jump {
    fn build(members: &[Member], config: &SchemeConfig) -> Result<Self, ScenarioError> {
        check_inputs(members, config)?;
        let buckets = members
            .iter()
            .flat_map(|member| std::iter::repeat_n(member.node, member.weight as usize))
            .collect();
        Ok(Self { buckets })
    }

    fn kind(&self) -> SchemeKind {
        SchemeKind::Jump
    }

    #[inline]
    fn lookup(&self, key_hash: u64) -> NodeId {
        // At most NODES_MAX * WEIGHT_MAX buckets, far below u32::MAX.
        self.buckets[jump_consistent_hash(key_hash, self.buckets.len() as u32) as usize]
    }

    fn assign(&self, key_hashes: &[u64]) -> Vec<NodeId> {
        let buckets = self.buckets.len() as u32;
        let mut owners = Vec::with_capacity(key_hashes.len());
        let mut chunks = key_hashes.chunks_exact(LANES);
        for chunk in &mut chunks {
            let lanes = [chunk[0], chunk[1], chunk[2], chunk[3]];
            for bucket in jump_consistent_hash_lanes(lanes, buckets) {
                owners.push(self.buckets[bucket as usize]);
            }
        }
        owners.extend(chunks.remainder().iter().map(|&hash| self.lookup(hash)));
        owners
    }

    fn lookup_cost(&self) -> LookupCost {
        let buckets = self.buckets.len() as u64;
        LookupCost {
            complexity: "O(log B)".to_owned(),
            steps: libm::log(buckets as f64) + 1.0,
            memory_entries: buckets,
            description: format!("about ln({buckets}) + 1 jumps over {buckets} buckets"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::hashing::hash::hash_u64;
    use crate::labs::hashing::metrics::moved_keys;

    #[test]
    fn one_bucket_takes_every_key() {
        for key in [0, 1, u64::MAX, 0x1234_5678_9abc_def0] {
            assert_eq!(jump_consistent_hash(key, 1), 0);
        }
    }

    #[test]
    fn following_four_keys_at_once_gives_the_one_key_answers() {
        for buckets in [1, 2, 3, 10, 1_000, 65_536] {
            for start in 0..200u64 {
                let keys =
                    [0, 1, 2, 3].map(|lane| (start * 4 + lane).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                let together = jump_consistent_hash_lanes(keys, buckets);
                assert_eq!(together, keys.map(|key| jump_consistent_hash(key, buckets)));
            }
        }
        let members: Vec<Member> = (0..7).map(Member::new).collect();
        let jump = Jump::build(&members, &SchemeConfig::default()).unwrap();
        let hashes: Vec<u64> = (0..1_003u64)
            .map(|key| key.wrapping_mul(0x2545_f491_4f6c_dd1d))
            .collect();
        let one_by_one: Vec<NodeId> = hashes.iter().map(|&hash| jump.lookup(hash)).collect();
        assert_eq!(jump.assign(&hashes), one_by_one);
    }

    fn assign(members: &[Member], keys: &[u64]) -> Vec<NodeId> {
        Jump::build(members, &SchemeConfig::default())
            .unwrap()
            .assign(keys)
    }

    #[test]
    fn crashing_a_middle_node_moves_keys_between_nodes_that_stayed_and_the_note_says_why() {
        let keys: Vec<u64> = (0..50_000u64).map(|key| hash_u64(key, 5)).collect();
        let ten: Vec<Member> = (0..10).map(Member::new).collect();
        let initial = assign(&ten, &keys);
        let crash = Change::Crash { node: 3 };
        let without_three: Vec<Member> = ten.iter().copied().filter(|m| m.node != 3).collect();
        let after_crash = assign(&without_three, &keys);
        let bystanders = moved_keys(&initial, &after_crash)
            .iter()
            .filter(|moved| moved.from != 3)
            .count();
        // Far more than the crashed node's tenth move, most of them between survivors:
        // about 69% in all, as the module documentation says.
        let moved = moved_keys(&initial, &after_crash).len() as f64 / keys.len() as f64;
        assert!((0.66..0.72).contains(&moved), "moved {moved}");
        assert!(bystanders as f64 > 0.5 * keys.len() as f64, "{bystanders}");
        assert!(change_note(&ten, &crash).unwrap().contains("position"));

        // Re-added, node 3 joins at the end: bucket 9, not 3. That change alone moves only
        // keys to node 3, but the keys the crash moved between survivors stay moved.
        let readded: Vec<Member> = without_three
            .iter()
            .copied()
            .chain([Member::new(3)])
            .collect();
        let after_readd = assign(&readded, &keys);
        assert!(
            moved_keys(&after_crash, &after_readd)
                .iter()
                .all(|moved| moved.to == 3)
        );
        let not_restored = moved_keys(&initial, &after_readd).len();
        assert!(
            not_restored as f64 > 0.5 * keys.len() as f64,
            "{not_restored}"
        );
        assert!(change_note(&without_three, &Change::Readd { node: 3 }).is_some());
    }

    #[test]
    fn removing_the_last_node_moves_only_its_keys_and_needs_no_note() {
        // Lamping and Veach, section 2, read backwards: shrinking from b + 1 buckets to b
        // moves only the keys of bucket b.
        let keys: Vec<u64> = (0..20_000u64).map(|key| hash_u64(key, 6)).collect();
        let ten: Vec<Member> = (0..10).map(Member::new).collect();
        let before = assign(&ten, &keys);
        let after = assign(&ten[..9], &keys);
        assert!(
            moved_keys(&before, &after)
                .iter()
                .all(|moved| moved.from == 9)
        );
        assert_eq!(change_note(&ten, &Change::Crash { node: 9 }), None);
        assert_eq!(
            change_note(&ten[..9], &Change::Add { node: 9, weight: 1 }),
            None
        );
    }

    #[test]
    fn growing_the_bucket_count_moves_a_key_only_into_the_new_bucket() {
        // Lamping and Veach, section 2: when the number of buckets grows from b to b + 1,
        // a key's bucket either stays or becomes b.
        for key in (0..2_000u64).map(|index| index.wrapping_mul(0x9e37_79b9_7f4a_7c15)) {
            let mut previous = jump_consistent_hash(key, 1);
            for buckets in 2..200 {
                let bucket = jump_consistent_hash(key, buckets);
                assert!(bucket == previous || bucket == buckets - 1);
                previous = bucket;
            }
        }
    }
}
