//! Which nodes hold keys, and the changes a learner (or a scenario) makes to that set.
//!
//! Live members are kept in join order, because jump hash and modulo number their
//! buckets by it: a node that joins takes the next bucket number. A crashed node leaves
//! the live set but is remembered with its weight, so re-adding it restores the same
//! tokens, the same Maglev permutation and the same rendezvous identity.

use serde::{Deserialize, Serialize};

use super::{NODES_MAX, WEIGHT_MAX};
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// A live node and its weight (its relative share of the keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The node's identity.
    pub node: NodeId,
    /// The node's weight, from 1 to [`WEIGHT_MAX`]. A ring node gets `vnodes * weight`
    /// tokens; modulo and jump give it `weight` buckets; Maglev gives it `weight` turns
    /// per round; rendezvous scales its score.
    pub weight: u32,
}

impl Member {
    /// A member of weight 1.
    pub fn new(node: NodeId) -> Self {
        Self { node, weight: 1 }
    }
}

fn weight_one() -> u32 {
    1
}

/// One membership change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// A new node joins with `weight` (1 when not given).
    Add {
        /// The new node, which must be neither live nor crashed.
        node: NodeId,
        /// Its weight.
        #[serde(default = "weight_one")]
        weight: u32,
    },
    /// A node leaves for good: it is forgotten (live or crashed).
    Remove {
        /// The node leaving.
        node: NodeId,
    },
    /// A live node crashes: it stops holding keys but is remembered for a re-add.
    Crash {
        /// The node crashing.
        node: NodeId,
    },
    /// A crashed node comes back with the weight it had.
    Readd {
        /// The crashed node returning.
        node: NodeId,
    },
}

impl Change {
    /// The node the change is about.
    pub fn node(&self) -> NodeId {
        match *self {
            Change::Add { node, .. }
            | Change::Remove { node }
            | Change::Crash { node }
            | Change::Readd { node } => node,
        }
    }

    /// A short sentence for logs and the UI, e.g. `"add node 10 (weight 1)"`.
    pub fn describe(&self) -> String {
        match *self {
            Change::Add { node, weight } => format!("add node {node} (weight {weight})"),
            Change::Remove { node } => format!("remove node {node}"),
            Change::Crash { node } => format!("crash node {node}"),
            Change::Readd { node } => format!("re-add node {node}"),
        }
    }
}

/// The live nodes in join order, and the crashed nodes remembered for a re-add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// Live nodes in join order.
    pub live: Vec<Member>,
    /// Crashed nodes, in crash order, with the weight they will come back with.
    pub crashed: Vec<Member>,
}

impl Membership {
    /// Nodes `0..count`, all of weight 1. `field` names the count in errors.
    pub fn with_nodes(count: u32, field: &str) -> Result<Self, ScenarioError> {
        if count == 0 || count as usize > NODES_MAX {
            return Err(ScenarioError::at(
                field,
                format!("must be between 1 and {NODES_MAX} nodes, got {count}"),
            ));
        }
        Ok(Self {
            live: (0..count).map(Member::new).collect(),
            crashed: Vec::new(),
        })
    }

    /// The given live members, checked: at least one, at most [`NODES_MAX`], distinct
    /// ids, weights in range.
    pub fn from_members(live: Vec<Member>, field: &str) -> Result<Self, ScenarioError> {
        validate_members(&live, field)?;
        Ok(Self {
            live,
            crashed: Vec::new(),
        })
    }

    fn live_index(&self, node: NodeId) -> Option<usize> {
        self.live.iter().position(|member| member.node == node)
    }

    fn crashed_index(&self, node: NodeId) -> Option<usize> {
        self.crashed.iter().position(|member| member.node == node)
    }

    /// Applies `change`, or explains (naming `field`) why it cannot be applied. The set
    /// is unchanged on error. Removing or crashing the last live node is refused,
    /// because every key must have somewhere to go.
    pub fn apply(&mut self, change: &Change, field: &str) -> Result<(), ScenarioError> {
        match *change {
            Change::Add { node, weight } => {
                if self.live_index(node).is_some() {
                    return Err(ScenarioError::at(
                        field,
                        format!("node {node} is already live"),
                    ));
                }
                if self.crashed_index(node).is_some() {
                    return Err(ScenarioError::at(
                        field,
                        format!("node {node} crashed; use readd to bring it back"),
                    ));
                }
                check_weight(weight, &format!("{field}.weight"))?;
                if self.live.len() >= NODES_MAX {
                    return Err(ScenarioError::at(
                        field,
                        format!("at most {NODES_MAX} nodes may be live"),
                    ));
                }
                self.live.push(Member { node, weight });
            }
            Change::Remove { node } => {
                if let Some(index) = self.live_index(node) {
                    self.refuse_last(node, field)?;
                    self.live.remove(index);
                } else if let Some(index) = self.crashed_index(node) {
                    self.crashed.remove(index);
                } else {
                    return Err(ScenarioError::at(
                        field,
                        format!("node {node} is neither live nor crashed"),
                    ));
                }
            }
            Change::Crash { node } => {
                let Some(index) = self.live_index(node) else {
                    return Err(ScenarioError::at(field, format!("node {node} is not live")));
                };
                self.refuse_last(node, field)?;
                let member = self.live.remove(index);
                self.crashed.push(member);
            }
            Change::Readd { node } => {
                let Some(index) = self.crashed_index(node) else {
                    return Err(ScenarioError::at(
                        field,
                        format!("node {node} has not crashed"),
                    ));
                };
                let member = self.crashed.remove(index);
                self.live.push(member);
            }
        }
        Ok(())
    }

    fn refuse_last(&self, node: NodeId, field: &str) -> Result<(), ScenarioError> {
        if self.live.len() == 1 {
            return Err(ScenarioError::at(
                field,
                format!("node {node} is the last live node; keys would have nowhere to go"),
            ));
        }
        Ok(())
    }

    /// The sum of the live weights.
    pub fn total_weight(&self) -> u64 {
        total_weight(&self.live)
    }
}

/// The sum of the members' weights.
pub fn total_weight(members: &[Member]) -> u64 {
    members.iter().map(|member| u64::from(member.weight)).sum()
}

fn check_weight(weight: u32, field: &str) -> Result<(), ScenarioError> {
    if weight == 0 || weight > WEIGHT_MAX {
        return Err(ScenarioError::at(
            field,
            format!("must be between 1 and {WEIGHT_MAX}, got {weight}"),
        ));
    }
    Ok(())
}

/// Checks a member list every scheme can be built from: one to [`NODES_MAX`] members,
/// distinct ids, weights from 1 to [`WEIGHT_MAX`].
pub fn validate_members(members: &[Member], field: &str) -> Result<(), ScenarioError> {
    if members.is_empty() || members.len() > NODES_MAX {
        return Err(ScenarioError::at(
            field,
            format!(
                "must hold between 1 and {NODES_MAX} nodes, got {}",
                members.len()
            ),
        ));
    }
    let mut ids: Vec<NodeId> = members.iter().map(|member| member.node).collect();
    ids.sort_unstable();
    if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(ScenarioError::at(
            field,
            format!("node {} appears twice", pair[0]),
        ));
    }
    for (index, member) in members.iter().enumerate() {
        check_weight(member.weight, &format!("{field}[{index}].weight"))?;
    }
    Ok(())
}

/// The ideal fraction of keys a change moves: the weight share that changes hands.
/// Adding the (n+1)-th equal node should move 1/(n+1) of the keys (all to it); removing
/// one of n equal nodes should move 1/n (all from it). Removing a crashed node moves none.
pub fn ideal_moved_fraction(before: &[Member], after: &[Member], change: &Change) -> f64 {
    let node = change.node();
    let weight_in = |members: &[Member]| {
        members
            .iter()
            .find(|member| member.node == node)
            .map_or(0, |member| u64::from(member.weight))
    };
    match change {
        Change::Add { .. } | Change::Readd { .. } => {
            let total = total_weight(after);
            if total == 0 {
                0.0
            } else {
                weight_in(after) as f64 / total as f64
            }
        }
        Change::Remove { .. } | Change::Crash { .. } => {
            let total = total_weight(before);
            if total == 0 {
                0.0
            } else {
                weight_in(before) as f64 / total as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crashed_node_comes_back_with_its_weight_at_the_end_of_the_join_order() {
        let mut membership = Membership::with_nodes(3, "nodes").unwrap();
        membership
            .apply(&Change::Add { node: 9, weight: 4 }, "change")
            .unwrap();
        membership
            .apply(&Change::Crash { node: 9 }, "change")
            .unwrap();
        assert_eq!(membership.live.len(), 3);
        membership
            .apply(&Change::Readd { node: 9 }, "change")
            .unwrap();
        assert_eq!(membership.live.last(), Some(&Member { node: 9, weight: 4 }));
        assert!(membership.crashed.is_empty());
    }

    #[test]
    fn the_last_live_node_cannot_crash_or_leave() {
        let mut membership = Membership::with_nodes(1, "nodes").unwrap();
        let error = membership
            .apply(&Change::Crash { node: 0 }, "changes[0]")
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("changes[0]: node 0 is the last")
        );
        assert!(
            membership
                .apply(&Change::Remove { node: 0 }, "changes[0]")
                .is_err()
        );
        assert_eq!(membership.live.len(), 1);
    }

    #[test]
    fn adding_a_live_or_crashed_node_is_refused_with_the_reason() {
        let mut membership = Membership::with_nodes(2, "nodes").unwrap();
        let error = membership
            .apply(&Change::Add { node: 1, weight: 1 }, "changes[1]")
            .unwrap_err();
        assert_eq!(error.to_string(), "changes[1]: node 1 is already live");
        membership.apply(&Change::Crash { node: 1 }, "c").unwrap();
        let error = membership
            .apply(&Change::Add { node: 1, weight: 1 }, "c")
            .unwrap_err();
        assert!(error.to_string().contains("use readd"));
        let error = membership
            .apply(&Change::Add { node: 5, weight: 0 }, "c")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "c.weight: must be between 1 and 1000, got 0"
        );
    }

    #[test]
    fn the_ideal_share_of_adding_the_eleventh_node_is_one_eleventh() {
        let before: Vec<Member> = (0..10).map(Member::new).collect();
        let mut after = before.clone();
        after.push(Member::new(10));
        let change = Change::Add {
            node: 10,
            weight: 1,
        };
        let ideal = ideal_moved_fraction(&before, &after, &change);
        assert!((ideal - 1.0 / 11.0).abs() < 1e-12);
        let ideal_remove = ideal_moved_fraction(&after, &before, &Change::Remove { node: 10 });
        assert!((ideal_remove - 1.0 / 11.0).abs() < 1e-12);
    }
}
