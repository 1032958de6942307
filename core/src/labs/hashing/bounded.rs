//! Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam,
//! "Consistent Hashing with Bounded Loads", SODA 2018).
//!
//! The ring, with a capacity: given a load factor `1 + epsilon`, no node may hold more
//! than `cap = ceil((1 + epsilon) * keys / nodes)` keys. Keys are placed in order; each
//! goes to the first node clockwise from it that is still under its cap. The paper shows
//! that a change then moves O(1 / epsilon^2) keys per key that must move, and that no
//! node is ever over the cap, which is what tames a hot spot: a node whose arcs are too
//! large simply stops accepting keys and its neighbours absorb the rest.
//!
//! With weights the cap is per node, `ceil((1 + epsilon) * keys * weight / total
//! weight)`, which is the formula above when weights are equal. The caps always add up
//! to at least the number of keys, so every key finds a place.
//!
//! The bound is on key counts. Under a skewed workload a single hot key still lands on
//! one node: its requests cannot be split without breaking "one key, one owner".
//!
//! **Replicas.** The paper places one copy of each key; its users (Vimeo's HAProxy
//! balancer, Google's Cloud Pub/Sub) route each request to that one owner. For a Dynamo
//! style preference list we keep the ring's rule and start it where the key landed: the
//! list is the owner the capped walk chose, then the next distinct nodes met walking on
//! clockwise from the owner's token, skipping nodes already chosen. The nodes the key
//! walked past because they were full come last, only if the walk goes all the way round.
//! Replicas do not count against the caps: the cap bounds how many keys a node owns,
//! which is the load the paper bounds. Continuing from the owner keeps the list a window
//! of the ring, so when a full node turns a key away, the key goes to the node that was
//! already its second replica on the plain ring, and the list shifts by one rather than
//! being rebuilt. [`Scheme::replicas`] knows only the key, not the keys placed before
//! it, so it gives the list for the plain ring's owner; [`BoundedLoads::walk`] gives it
//! for the owner the placement chose, and is what the lab shows.

use super::membership::{Member, total_weight};
use super::ring::Ring;
use super::scheme::{LookupCost, Scheme, SchemeConfig, SchemeKind, log2_steps};
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// The ring with bounded loads.
#[derive(Debug, Clone)]
pub struct BoundedLoads {
    ring: Ring,
    epsilon: f64,
}

impl BoundedLoads {
    /// The ring underneath.
    pub fn ring(&self) -> &Ring {
        &self.ring
    }

    /// Each member's cap for `key_count` keys, in member order.
    pub fn caps(&self, key_count: usize) -> Vec<u64> {
        let members = self.ring.members();
        let total = total_weight(members);
        members
            .iter()
            .map(|member| {
                let weight = u64::from(member.weight);
                let exact = (1.0 + self.epsilon) * key_count as f64 * weight as f64 / total as f64;
                // The integer ceiling of the unscaled share guards against the floating
                // point product landing just below an integer: it keeps the sum of caps
                // at least the number of keys.
                let share = (key_count as u64 * weight).div_ceil(total);
                (exact.ceil() as u64).max(share)
            })
            .collect()
    }

    /// Places every key in order and returns the owners and the total number of tokens
    /// visited (one per key when nobody is full).
    pub fn assign_with_probes(&self, key_hashes: &[u64]) -> (Vec<NodeId>, u64) {
        let caps = self.caps(key_hashes.len());
        let mut loads = vec![0u64; caps.len()];
        let positions = self.ring.positions().len();
        let slots = self.ring.slots();
        let owners = self.ring.owners();
        let mut probes: u64 = 0;
        let mut assignment = Vec::with_capacity(key_hashes.len());
        for &key_hash in key_hashes {
            let start = self.ring.token_index(key_hash);
            // The caps add up to at least the number of keys, so some node has room
            // and the walk ends within one turn of the ring.
            let mut chosen = owners[start];
            for step in 0..positions {
                let index = (start + step) % positions;
                probes += 1;
                let slot = slots[index] as usize;
                if loads[slot] < caps[slot] {
                    loads[slot] += 1;
                    chosen = owners[index];
                    break;
                }
            }
            assignment.push(chosen);
        }
        (assignment, probes)
    }

    /// The key's preference list when the placement gave it to `owner`, and the ring
    /// tokens visited to build it: clockwise from the key to `owner`'s first token at or
    /// after it (the token the capped walk stopped at), then on until `count` distinct
    /// nodes (or every live node) are in the list. The list starts with `owner`; see the
    /// module documentation. An `owner` that is not a member (which the placement never
    /// gives) gets the plain ring's walk.
    pub fn walk(&self, key_hash: u64, owner: NodeId, count: usize) -> (Vec<usize>, Vec<NodeId>) {
        let ring_owners = self.ring.owners();
        let total = ring_owners.len();
        let start = self.ring.token_index(key_hash);
        let Some(to_owner) = (0..total).find(|&step| ring_owners[(start + step) % total] == owner)
        else {
            return self.ring.walk(key_hash, count);
        };
        let wanted = count.min(self.ring.members().len());
        let mut visited: Vec<usize> = (0..=to_owner).map(|step| (start + step) % total).collect();
        let mut list = Vec::with_capacity(wanted);
        if wanted > 0 {
            list.push(owner);
        }
        let owner_token = start + to_owner;
        // One turn of the ring from the owner's token sees every node, so the walk ends.
        for step in 1..total {
            if list.len() >= wanted {
                break;
            }
            let index = (owner_token + step) % total;
            visited.push(index);
            let node = ring_owners[index];
            if !list.contains(&node) {
                list.push(node);
            }
        }
        (visited, list)
    }

    /// The preference list of `count` distinct nodes for a key the placement gave to
    /// `owner`, owner first: the list of [`BoundedLoads::walk`].
    pub fn preference_list(&self, key_hash: u64, owner: NodeId, count: usize) -> Vec<NodeId> {
        self.walk(key_hash, owner, count).1
    }
}

impl Scheme for BoundedLoads {
    fn build(members: &[Member], config: &SchemeConfig) -> Result<Self, ScenarioError> {
        Ok(Self {
            ring: Ring::build(members, config)?,
            epsilon: config.load_epsilon,
        })
    }

    fn kind(&self) -> SchemeKind {
        SchemeKind::BoundedLoads
    }

    /// The owner when no node is full: the plain ring's. The loaded placement of a key
    /// depends on the keys before it; see [`Scheme::assign`].
    fn lookup(&self, key_hash: u64) -> NodeId {
        self.ring.lookup(key_hash)
    }

    fn assign(&self, key_hashes: &[u64]) -> Vec<NodeId> {
        self.assign_with_probes(key_hashes).0
    }

    /// The list for the owner [`Scheme::lookup`] gives, the plain ring's, because a key's
    /// loaded owner depends on the keys placed before it. With the placement's owner at
    /// hand, use [`BoundedLoads::preference_list`].
    fn replicas(&self, key_hash: u64, count: usize) -> Option<Vec<NodeId>> {
        Some(self.preference_list(key_hash, self.lookup(key_hash), count))
    }

    fn lookup_cost(&self) -> LookupCost {
        let tokens = self.ring.positions().len() as u64;
        LookupCost {
            complexity: "O(log T + probes)".to_owned(),
            steps: log2_steps(tokens) + 1.0,
            memory_entries: tokens + self.ring.members().len() as u64,
            description: format!("binary search over {tokens} tokens, then a walk past full nodes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::hashing::hash::hash_u64;

    #[test]
    fn the_cap_is_the_ceiling_of_one_plus_epsilon_times_the_mean() {
        // Mirrokni et al., section 2: capacity ceil((1 + epsilon) m / n) per bin.
        let members: Vec<Member> = (0..3).map(Member::new).collect();
        let config = SchemeConfig {
            load_epsilon: 0.25,
            ..SchemeConfig::default()
        };
        let scheme = BoundedLoads::build(&members, &config).unwrap();
        assert_eq!(scheme.caps(100), vec![42, 42, 42]);
        assert_eq!(scheme.caps(0), vec![0, 0, 0]);
    }

    #[test]
    fn with_one_token_per_node_no_node_exceeds_its_cap() {
        let members: Vec<Member> = (0..10).map(Member::new).collect();
        let config = SchemeConfig {
            vnodes: 1,
            load_epsilon: 0.1,
            ..SchemeConfig::default()
        };
        let scheme = BoundedLoads::build(&members, &config).unwrap();
        let keys: Vec<u64> = (0..10_000u64).map(|key| hash_u64(key, 4)).collect();
        let owners = scheme.assign(&keys);
        let cap = scheme.caps(keys.len())[0];
        assert_eq!(cap, 1_100);
        for node in 0..10 {
            let load = owners.iter().filter(|&&owner| owner == node).count() as u64;
            assert!(
                load <= cap,
                "node {node} holds {load} keys over the cap {cap}"
            );
        }
    }
}
