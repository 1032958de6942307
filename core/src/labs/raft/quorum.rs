//! Majorities: how many servers make a quorum, whether a set of votes wins, and which log
//! index a majority has replicated. Pure functions over configurations, kept apart from the
//! protocol as etcd-io/raft keeps its `quorum` package apart.

use crate::collections::SortedSet;

use super::log::LogIndex;
use crate::NodeId;

/// The smallest number of servers that is more than half of `members` servers.
pub fn majority(members: usize) -> usize {
    members / 2 + 1
}

/// Whether the servers in `granted` that belong to `members` form a majority of `members`.
/// Votes from servers outside the configuration do not count. An empty configuration has
/// no quorum at all.
pub fn is_quorum(members: &[NodeId], granted: &SortedSet<NodeId>) -> bool {
    if members.is_empty() {
        return false;
    }
    let count = members.iter().filter(|id| granted.contains(id)).count();
    count >= majority(members.len())
}

/// The highest index stored on a majority, given one match index per member (in any
/// order): the largest N with `matchIndex[i] >= N` for a majority of members, as Figure 2's
/// rule for leaders states it. Returns 0 for an empty configuration.
///
/// Counted rather than sorted: a configuration holds at most a few dozen members, and the
/// browser bundle then carries no sort routine for it (3 KB of code).
pub fn quorum_index(match_indexes: Vec<LogIndex>) -> LogIndex {
    let needed = majority(match_indexes.len());
    match_indexes
        .iter()
        .copied()
        .filter(|candidate| {
            match_indexes
                .iter()
                .filter(|index| *index >= candidate)
                .count()
                >= needed
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_majority_is_more_than_half() {
        assert_eq!(majority(1), 1);
        assert_eq!(majority(2), 2);
        assert_eq!(majority(3), 2);
        assert_eq!(majority(4), 3);
        assert_eq!(majority(5), 3);
    }

    #[test]
    fn votes_from_outside_the_configuration_do_not_count() {
        let granted: SortedSet<NodeId> = [1, 7, 8].into_iter().collect();
        assert!(!is_quorum(&[1, 2, 3], &granted));
        let granted: SortedSet<NodeId> = [1, 3].into_iter().collect();
        assert!(is_quorum(&[1, 2, 3], &granted));
        assert!(!is_quorum(&[], &granted));
    }

    #[test]
    fn the_quorum_index_is_the_highest_index_a_majority_holds() {
        assert_eq!(quorum_index(vec![5, 3, 9]), 5);
        assert_eq!(quorum_index(vec![5, 3, 9, 1]), 3);
        assert_eq!(quorum_index(vec![4]), 4);
        assert_eq!(quorum_index(vec![]), 0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(256))]
        /// The count agrees with the textbook reading: sorted descending, the majority-th
        /// value (and a majority holds it or more).
        #[test]
        fn the_quorum_index_is_the_majority_th_largest(
            indexes in proptest::collection::vec(0u64..20, 1..12)
        ) {
            let mut descending = indexes.clone();
            descending.sort_unstable_by(|a, b| b.cmp(a));
            let expected = descending[majority(indexes.len()) - 1];
            proptest::prop_assert_eq!(quorum_index(indexes), expected);
        }
    }
}
