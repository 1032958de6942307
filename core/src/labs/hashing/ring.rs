//! The hash ring with virtual nodes (Karger et al., "Consistent Hashing and Random
//! Trees", STOC 1997; DeCandia et al., "Dynamo", SOSP 2007).
//!
//! Every node places `vnodes * weight` tokens on a circle of 2^64 positions and a key
//! belongs to the first token at or after its own position, wrapping past the top. A
//! new node's tokens each take over the arc just before them, so the only keys that
//! move are those that now belong to the new node, about 1/(N+1) of them. With one
//! token per node the arcs are uneven (the largest is about ln N / N of the circle);
//! with V tokens per node each node's share is a sum of V arcs and its spread shrinks
//! like 1/sqrt(V).
//!
//! The tokens live in two parallel sorted arrays (positions and owners) so a lookup is
//! a branch-light binary search over eight-byte positions. Dynamo's preference list for
//! a key is the first N distinct owners met walking clockwise from it.

use super::hash::token_position;
use super::membership::Member;
use super::scheme::{
    LookupCost, Scheme, SchemeConfig, SchemeKind, check_inputs, log2_steps, token_count,
};
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// The ring: token positions in ascending order and each token's owner.
#[derive(Debug, Clone)]
pub struct Ring {
    positions: Vec<u64>,
    owners: Vec<NodeId>,
    /// Each token's owner as an index into `members`, for schemes that count loads.
    slots: Vec<u32>,
    members: Vec<Member>,
}

impl Ring {
    /// The token positions, ascending.
    pub fn positions(&self) -> &[u64] {
        &self.positions
    }

    /// The owner of each token, parallel to [`Ring::positions`].
    pub fn owners(&self) -> &[NodeId] {
        &self.owners
    }

    /// Each token's owner as an index into [`Ring::members`].
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// The members the ring was built for, in the order given.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The index of the token that owns `key_hash`: the first at or after it, or the
    /// first token of all when the key lies past the last one.
    #[inline]
    pub fn token_index(&self, key_hash: u64) -> usize {
        let index = self
            .positions
            .partition_point(|&position| position < key_hash);
        if index == self.positions.len() {
            0
        } else {
            index
        }
    }

    /// Dynamo's walk: the tokens visited clockwise from the key until `count` distinct
    /// owners are found (or every token was seen), and those owners in order. The walk
    /// visits at most every token once.
    pub fn walk(&self, key_hash: u64, count: usize) -> (Vec<usize>, Vec<NodeId>) {
        let start = self.token_index(key_hash);
        let wanted = count.min(self.members.len());
        let mut visited = Vec::new();
        let mut owners: Vec<NodeId> = Vec::with_capacity(wanted);
        let total = self.positions.len();
        for step in 0..total {
            if owners.len() >= wanted {
                break;
            }
            let index = (start + step) % total;
            visited.push(index);
            let owner = self.owners[index];
            if !owners.contains(&owner) {
                owners.push(owner);
            }
        }
        (visited, owners)
    }
}

impl Scheme for Ring {
    fn build(members: &[Member], config: &SchemeConfig) -> Result<Self, ScenarioError> {
        check_inputs(members, config)?;
        let total = token_count(members, config)? as usize;
        let mut tokens: Vec<(u64, NodeId, u32)> = Vec::with_capacity(total);
        for (slot, member) in members.iter().enumerate() {
            for index in 0..member.weight * config.vnodes {
                tokens.push((token_position(member.node, index), member.node, slot as u32));
            }
        }
        // Two tokens at the same position (vanishingly rare) are ordered by node id, so
        // the ring never depends on the order members were given in.
        tokens.sort_unstable_by_key(|&(position, node, _)| (position, node));
        Ok(Self {
            positions: tokens.iter().map(|token| token.0).collect(),
            owners: tokens.iter().map(|token| token.1).collect(),
            slots: tokens.iter().map(|token| token.2).collect(),
            members: members.to_vec(),
        })
    }

    fn kind(&self) -> SchemeKind {
        SchemeKind::Ring
    }

    #[inline]
    fn lookup(&self, key_hash: u64) -> NodeId {
        self.owners[self.token_index(key_hash)]
    }

    fn replicas(&self, key_hash: u64, count: usize) -> Option<Vec<NodeId>> {
        Some(self.walk(key_hash, count).1)
    }

    /// Token `i` owns the hashes after token `i - 1` up to its own position; the first
    /// token also owns those past the last one, round the top of the ring.
    fn hash_space_shares(&self) -> Option<Vec<(NodeId, f64)>> {
        let mut owned = vec![0u128; self.members.len()];
        let count = self.positions.len();
        for index in 0..count {
            let position = u128::from(self.positions[index]);
            let previous = u128::from(self.positions[(index + count - 1) % count]);
            // In 128 bits the first arc wraps without overflow: a single token owns all
            // 2^64 hashes.
            let arc = if index == 0 {
                position + (1u128 << 64) - previous
            } else {
                position - previous
            };
            owned[self.slots[index] as usize] += arc;
        }
        Some(
            self.members
                .iter()
                .zip(owned)
                .map(|(member, hashes)| (member.node, hashes as f64 / (1u128 << 64) as f64))
                .collect(),
        )
    }

    fn lookup_cost(&self) -> LookupCost {
        let tokens = self.positions.len() as u64;
        LookupCost {
            complexity: "O(log T)".to_owned(),
            steps: log2_steps(tokens),
            memory_entries: tokens,
            description: format!("binary search over {tokens} tokens"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::hashing::hash::hash_u64;

    fn members(count: u32) -> Vec<Member> {
        (0..count).map(Member::new).collect()
    }

    #[test]
    fn a_key_belongs_to_the_first_token_clockwise_and_wraps_past_the_top() {
        let ring = Ring::build(&members(3), &SchemeConfig::default()).unwrap();
        let first = ring.positions()[0];
        let last = *ring.positions().last().unwrap();
        assert_eq!(ring.lookup(first), ring.owners()[0]);
        assert_eq!(ring.lookup(first.wrapping_sub(1)), ring.owners()[0]);
        assert_eq!(ring.lookup(first + 1), ring.owners()[1]);
        assert_eq!(ring.lookup(last + 1), ring.owners()[0]);
        assert_eq!(ring.positions().len(), 300);
    }

    #[test]
    fn a_node_gets_vnodes_times_weight_tokens() {
        let members = [Member { node: 4, weight: 3 }, Member::new(9)];
        let config = SchemeConfig {
            vnodes: 10,
            ..SchemeConfig::default()
        };
        let ring = Ring::build(&members, &config).unwrap();
        assert_eq!(
            ring.owners().iter().filter(|&&owner| owner == 4).count(),
            30
        );
        assert_eq!(
            ring.owners().iter().filter(|&&owner| owner == 9).count(),
            10
        );
        assert!(ring.positions().is_sorted());
    }

    #[test]
    fn the_ring_does_not_depend_on_the_order_members_are_given() {
        let forward = Ring::build(&members(5), &SchemeConfig::default()).unwrap();
        let mut reversed_members = members(5);
        reversed_members.reverse();
        let reversed = Ring::build(&reversed_members, &SchemeConfig::default()).unwrap();
        assert_eq!(forward.positions(), reversed.positions());
        assert_eq!(forward.owners(), reversed.owners());
    }

    #[test]
    fn a_dynamo_preference_list_starts_with_the_owner_and_never_repeats_a_node() {
        // DeCandia et al., section 4.3: the preference list skips positions so that it
        // contains only distinct physical nodes.
        let ring = Ring::build(&members(6), &SchemeConfig::default()).unwrap();
        for key in 0..1_000u64 {
            let key_hash = hash_u64(key, 9);
            let list = ring.replicas(key_hash, 3).unwrap();
            assert_eq!(list[0], ring.lookup(key_hash));
            assert_eq!(list.len(), 3);
            assert!(list[0] != list[1] && list[1] != list[2] && list[0] != list[2]);
        }
        let everyone = ring.replicas(7, 50).unwrap();
        assert_eq!(everyone.len(), 6);
    }

    #[test]
    fn too_many_tokens_are_refused_naming_vnodes() {
        let members: Vec<Member> = (0..4_096)
            .map(|node| Member {
                node,
                weight: 1_000,
            })
            .collect();
        let config = SchemeConfig {
            vnodes: 1_000,
            ..SchemeConfig::default()
        };
        let error = Ring::build(&members, &config).unwrap_err();
        assert!(error.to_string().starts_with("vnodes: the ring would hold"));
    }
}
