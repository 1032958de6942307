//! Rendezvous hashing, or highest random weight (Thaler and Ravishankar, "Using
//! Name-Based Mappings to Increase Hit Rates", 1998).
//!
//! Every node scores every key with a hash of the pair, and the highest score wins. A
//! new node takes exactly the keys it now outscores everyone on, and a removed node's
//! keys go each to its own runner-up, so movement is minimal with no tokens and no
//! table; the ranking also gives a natural preference list for replicas. The price is
//! N hashes per lookup.
//!
//! Weights use the logarithmic method (Schindelhauer and Schomaker, 2005): a node of
//! weight w scores `-w / ln(u)` where u is its hash as a fraction in (0, 1), which gives
//! it a key share proportional to w. When all weights are equal the lab compares the
//! integer hashes directly instead, which ranks identically and needs no floating point.

use super::hash::{rendezvous_node_seed, rendezvous_score};
use super::membership::Member;
use super::scheme::{LookupCost, Scheme, SchemeConfig, SchemeKind, check_inputs};
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// Rendezvous hashing over the live nodes.
#[derive(Debug, Clone)]
pub struct Rendezvous {
    nodes: Vec<NodeId>,
    seeds: Vec<u64>,
    weights: Vec<f64>,
    weighted: bool,
}

impl Rendezvous {
    /// The score of node number `index` for the key, comparable across nodes.
    fn score(&self, index: usize, key_hash: u64) -> f64 {
        let hash = rendezvous_score(self.seeds[index], key_hash);
        // Map the hash to a fraction strictly inside (0, 1) so the logarithm is finite.
        let fraction = ((hash >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        -self.weights[index] / libm::log(fraction)
    }

    /// Node indices ranked for the key, best first.
    fn ranking(&self, key_hash: u64) -> Vec<usize> {
        let mut indices: Vec<usize> = (0..self.nodes.len()).collect();
        if self.weighted {
            let scores: Vec<f64> = indices
                .iter()
                .map(|&index| self.score(index, key_hash))
                .collect();
            indices.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        } else {
            indices.sort_by_key(|&index| {
                std::cmp::Reverse(rendezvous_score(self.seeds[index], key_hash))
            });
        }
        indices
    }
}

impl Scheme for Rendezvous {
    fn build(members: &[Member], config: &SchemeConfig) -> Result<Self, ScenarioError> {
        check_inputs(members, config)?;
        let weighted = members
            .iter()
            .any(|member| member.weight != members[0].weight);
        Ok(Self {
            nodes: members.iter().map(|member| member.node).collect(),
            seeds: members
                .iter()
                .map(|member| rendezvous_node_seed(member.node))
                .collect(),
            weights: members
                .iter()
                .map(|member| f64::from(member.weight))
                .collect(),
            weighted,
        })
    }

    fn kind(&self) -> SchemeKind {
        SchemeKind::Rendezvous
    }

    fn lookup(&self, key_hash: u64) -> NodeId {
        let mut best = 0;
        if self.weighted {
            let mut best_score = self.score(0, key_hash);
            for index in 1..self.nodes.len() {
                let score = self.score(index, key_hash);
                if score > best_score {
                    best = index;
                    best_score = score;
                }
            }
        } else {
            let mut best_score = rendezvous_score(self.seeds[0], key_hash);
            for (index, &seed) in self.seeds.iter().enumerate().skip(1) {
                let score = rendezvous_score(seed, key_hash);
                if score > best_score {
                    best = index;
                    best_score = score;
                }
            }
        }
        self.nodes[best]
    }

    fn replicas(&self, key_hash: u64, count: usize) -> Option<Vec<NodeId>> {
        Some(
            self.ranking(key_hash)
                .into_iter()
                .take(count)
                .map(|index| self.nodes[index])
                .collect(),
        )
    }

    fn lookup_cost(&self) -> LookupCost {
        let nodes = self.nodes.len();
        LookupCost {
            complexity: "O(N)".to_owned(),
            steps: nodes as f64,
            memory_entries: nodes as u64,
            description: format!("one hash per node: {nodes} hashes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_is_the_first_of_the_preference_list() {
        let members: Vec<Member> = (0..8).map(Member::new).collect();
        let scheme = Rendezvous::build(&members, &SchemeConfig::default()).unwrap();
        for key in 0..500u64 {
            let key_hash = super::super::hash::hash_u64(key, 1);
            let replicas = scheme.replicas(key_hash, 3).unwrap();
            assert_eq!(replicas[0], scheme.lookup(key_hash));
            assert_eq!(replicas.len(), 3);
        }
    }

    #[test]
    fn a_removed_node_gives_each_of_its_keys_to_that_key_s_runner_up() {
        // Thaler and Ravishankar: removing a node only reassigns its own keys, each to
        // the node that ranked second for it.
        let members: Vec<Member> = (0..6).map(Member::new).collect();
        let before = Rendezvous::build(&members, &SchemeConfig::default()).unwrap();
        let after = Rendezvous::build(&members[1..], &SchemeConfig::default()).unwrap();
        for key in 0..2_000u64 {
            let key_hash = super::super::hash::hash_u64(key, 2);
            let ranking = before.replicas(key_hash, 2).unwrap();
            let expected = if ranking[0] == 0 {
                ranking[1]
            } else {
                ranking[0]
            };
            assert_eq!(after.lookup(key_hash), expected);
        }
    }

    #[test]
    fn a_heavier_node_wins_about_its_weight_share() {
        let members = [Member { node: 0, weight: 1 }, Member { node: 1, weight: 3 }];
        let scheme = Rendezvous::build(&members, &SchemeConfig::default()).unwrap();
        let heavy = (0..20_000u64)
            .filter(|&key| scheme.lookup(super::super::hash::hash_u64(key, 3)) == 1)
            .count();
        // Expected 15,000; the binomial standard deviation is about 61.
        assert!((14_500..15_500).contains(&heavy), "heavy node got {heavy}");
    }
}
