//! Modulo-N: a key goes to bucket `hash mod B`, where the B buckets are the live nodes
//! in join order, each repeated `weight` times.
//!
//! The baseline every other scheme is measured against. Balance is as good as the
//! hash, lookups are one division, and almost nothing survives a change: when B becomes
//! B + 1, a key stays put only if `hash mod B == hash mod (B + 1)`, which holds for about
//! 1/(B + 1) of keys, so about B/(B + 1) of them move.

use super::membership::Member;
use super::scheme::{LookupCost, Scheme, SchemeConfig, SchemeKind, check_inputs};
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// The modulo-N scheme.
#[derive(Debug, Clone)]
pub struct Modulo {
    buckets: Vec<NodeId>,
}

impl Scheme for Modulo {
    fn build(members: &[Member], config: &SchemeConfig) -> Result<Self, ScenarioError> {
        check_inputs(members, config)?;
        let buckets = members
            .iter()
            .flat_map(|member| std::iter::repeat_n(member.node, member.weight as usize))
            .collect();
        Ok(Self { buckets })
    }

    fn kind(&self) -> SchemeKind {
        SchemeKind::Modulo
    }

    #[inline]
    fn lookup(&self, key_hash: u64) -> NodeId {
        // `build` refuses an empty member list and weights of zero, so there is always
        // at least one bucket.
        self.buckets[(key_hash % self.buckets.len() as u64) as usize]
    }

    fn lookup_cost(&self) -> LookupCost {
        LookupCost {
            complexity: "O(1)".to_owned(),
            steps: 1.0,
            memory_entries: self.buckets.len() as u64,
            description: format!("one remainder by {} buckets", self.buckets.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulo_sends_a_key_to_its_remainder_bucket_in_join_order() {
        let members = [Member::new(7), Member::new(3), Member::new(5)];
        let scheme = Modulo::build(&members, &SchemeConfig::default()).unwrap();
        assert_eq!(scheme.lookup(0), 7);
        assert_eq!(scheme.lookup(4), 3);
        assert_eq!(scheme.lookup(8), 5);
    }
}
