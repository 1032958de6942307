//! The lab's state, as the playground holds and renders it.
//!
//! [`HashingLab`] keeps the scheme, the membership, the keys and their owners, and the
//! last change with the keys it moved. Every mutation goes through a method that
//! recomputes what depends on it, so the state is always consistent: switching the
//! scheme re-places the keys and recomputes the last change's moves under the new
//! scheme (the "switch to modulo and watch the count jump" moment). The views
//! ([`RingView`], [`KeyWalk`]) are plain data in ring fractions, ready to draw.

use serde::{Deserialize, Serialize};

use super::NODES_MAX;
use super::bounded::BoundedLoads;
use super::hash::ring_fraction;
use super::membership::{Change, Member, Membership};
use super::metrics::{
    ChangeMetrics, ComparisonRow, LoadSummary, MovedKey, PlacementSpread, change_note,
    compare_schemes, load_summary, moved_keys, placement_spread,
};
use super::ring::Ring;
use super::scheme::{
    LookupCost, Scheme, SchemeConfig, SchemeKind, build_scheme, check_rendezvous_work,
};
use super::workload::{KeySet, Workload};
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// The last membership change and what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastChange {
    /// The live members before the change.
    pub members_before: Vec<Member>,
    /// Each key's owner before the change, under the current scheme.
    pub assignment_before: Vec<NodeId>,
    /// The keys that changed owner.
    pub moved: Vec<MovedKey>,
    /// The counts, against the ideal.
    pub metrics: ChangeMetrics,
}

/// A ring token, for drawing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RingToken {
    /// Its position as a fraction of the ring, in `[0, 1)`.
    pub fraction: f64,
    /// Its owner.
    pub node: NodeId,
}

/// A stretch of the ring owned by one node: the keys after `start_fraction` up to and
/// including `end_fraction`. The arc that crosses the top of the ring has
/// `start_fraction > end_fraction`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RingArc {
    /// Where the arc starts (exclusive).
    pub start_fraction: f64,
    /// Where it ends (inclusive): the position of the owning token.
    pub end_fraction: f64,
    /// The owner.
    pub node: NodeId,
}

/// A key drawn as a dot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KeyDot {
    /// The key's index.
    pub key: u32,
    /// Its position as a fraction of the ring.
    pub fraction: f64,
    /// Its owner.
    pub node: NodeId,
    /// Whether the last change moved it (to highlight).
    pub moved: bool,
}

/// The path from a key to its owner and replicas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyWalk {
    /// The key's index.
    pub key: u32,
    /// Its name.
    pub name: String,
    /// Its 64-bit hash in hexadecimal (a JSON number would lose bits in JavaScript).
    pub hash_hex: String,
    /// Its position as a fraction of the ring.
    pub fraction: f64,
    /// Its owner.
    pub owner: NodeId,
    /// Its owner before the last change, if there was one.
    pub owner_before: Option<NodeId>,
    /// Its preference list (owner first), when the scheme has one.
    pub replicas: Option<Vec<NodeId>>,
    /// The ring tokens visited clockwise from the key up to the last replica (ring schemes
    /// only); under bounded loads the walk passes the full nodes before the owner.
    pub visited: Vec<RingToken>,
}

/// The ring as the UI draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RingView {
    /// The scheme shown.
    pub scheme: SchemeKind,
    /// Every token (empty for schemes without a ring).
    pub tokens: Vec<RingToken>,
    /// Consecutive tokens of one owner merged into arcs (empty without a ring).
    pub arcs: Vec<RingArc>,
    /// A sample of the keys, evenly spread over the key list.
    pub keys: Vec<KeyDot>,
    /// The selected key's walk.
    pub selected: Option<KeyWalk>,
}

/// The state of the consistent hashing lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HashingLab {
    scheme: SchemeKind,
    config: SchemeConfig,
    membership: Membership,
    workload: Workload,
    keys: KeySet,
    assignment: Vec<NodeId>,
    last_change: Option<LastChange>,
    selected_key: Option<u32>,
    replicas: u32,
}

impl HashingLab {
    /// A lab placing `workload`'s keys on `membership` with `scheme`, showing
    /// preference lists of `replicas` nodes. A Maglev table size left out of `config` is
    /// chosen here for the cluster (live and crashed nodes) and kept through later changes.
    pub fn new(
        scheme: SchemeKind,
        config: SchemeConfig,
        membership: Membership,
        workload: Workload,
        replicas: u32,
    ) -> Result<Self, ScenarioError> {
        config.validate("")?;
        let config = config.with_maglev_table_for(cluster_size(&membership));
        check_replicas(replicas)?;
        let keys = workload.generate("")?;
        let mut lab = Self {
            scheme,
            config,
            membership,
            workload,
            keys,
            assignment: Vec::new(),
            last_change: None,
            selected_key: None,
            replicas,
        };
        lab.recompute()?;
        Ok(lab)
    }

    /// The scheme in use.
    pub fn scheme(&self) -> SchemeKind {
        self.scheme
    }

    /// The scheme parameters.
    pub fn config(&self) -> &SchemeConfig {
        &self.config
    }

    /// Live and crashed nodes.
    pub fn membership(&self) -> &Membership {
        &self.membership
    }

    /// What keys are generated.
    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    /// The keys.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// Each key's owner, parallel to the keys.
    pub fn assignment(&self) -> &[NodeId] {
        &self.assignment
    }

    /// The last change and what it moved.
    pub fn last_change(&self) -> Option<&LastChange> {
        self.last_change.as_ref()
    }

    /// The selected key's index.
    pub fn selected_key(&self) -> Option<u32> {
        self.selected_key
    }

    /// How many nodes a preference list holds.
    pub fn replicas(&self) -> u32 {
        self.replicas
    }

    /// Re-places every key for the current members and, if there was a change,
    /// re-places them for the members before it to recount the moves.
    fn recompute(&mut self) -> Result<(), ScenarioError> {
        self.check_work(&self.membership.live)?;
        if let Some(last) = &self.last_change {
            self.check_work(&last.members_before)?;
        }
        let scheme = build_scheme(self.scheme, &self.membership.live, &self.config)?;
        let assignment = scheme.assign(&self.keys.hashes);
        let last_change = match self.last_change.take() {
            None => None,
            Some(last) => {
                let before = build_scheme(self.scheme, &last.members_before, &self.config)?;
                let assignment_before = before.assign(&self.keys.hashes);
                let moved = moved_keys(&assignment_before, &assignment);
                let metrics = ChangeMetrics::new(
                    &last.metrics.change,
                    &moved,
                    &last.members_before,
                    &self.membership.live,
                    self.keys.len(),
                );
                Some(LastChange {
                    members_before: last.members_before,
                    assignment_before,
                    moved,
                    metrics,
                })
            }
        };
        self.assignment = assignment;
        self.last_change = last_change;
        Ok(())
    }

    /// Refuses a placement whose cost is out of bounds for the current scheme.
    fn check_work(&self, members: &[Member]) -> Result<(), ScenarioError> {
        if self.scheme == SchemeKind::Rendezvous {
            check_rendezvous_work(self.keys.len(), members.len(), "keys")?;
        }
        Ok(())
    }

    /// Applies a membership change and counts the keys it moved. On error nothing
    /// changes.
    pub fn apply(&mut self, change: &Change) -> Result<&ChangeMetrics, ScenarioError> {
        let mut membership = self.membership.clone();
        membership.apply(change, "change")?;
        self.check_work(&membership.live)?;
        let scheme = build_scheme(self.scheme, &membership.live, &self.config)?;
        let assignment = scheme.assign(&self.keys.hashes);
        let moved = moved_keys(&self.assignment, &assignment);
        let metrics = ChangeMetrics::new(
            change,
            &moved,
            &self.membership.live,
            &membership.live,
            self.keys.len(),
        );
        let members_before = std::mem::replace(&mut self.membership, membership).live;
        let assignment_before = std::mem::replace(&mut self.assignment, assignment);
        let last = self.last_change.insert(LastChange {
            members_before,
            assignment_before,
            moved,
            metrics,
        });
        Ok(&last.metrics)
    }

    /// Switches the scheme, re-placing the keys and recounting the last change.
    pub fn set_scheme(&mut self, scheme: SchemeKind) -> Result<(), ScenarioError> {
        let previous = std::mem::replace(&mut self.scheme, scheme);
        self.recompute().inspect_err(|_| self.scheme = previous)
    }

    /// Changes the scheme parameters, re-placing the keys and recounting the last change.
    /// A Maglev table size left out is chosen for the cluster as it is now.
    pub fn set_config(&mut self, config: SchemeConfig) -> Result<(), ScenarioError> {
        config.validate("")?;
        let config = config.with_maglev_table_for(cluster_size(&self.membership));
        let previous = std::mem::replace(&mut self.config, config);
        self.recompute().inspect_err(|_| self.config = previous)
    }

    /// Replaces the workload and regenerates the keys. The selection is cleared if the
    /// key no longer exists.
    pub fn set_workload(&mut self, workload: Workload) -> Result<(), ScenarioError> {
        let keys = workload.generate("")?;
        let previous_workload = std::mem::replace(&mut self.workload, workload);
        let previous_keys = std::mem::replace(&mut self.keys, keys);
        if let Err(error) = self.recompute() {
            self.workload = previous_workload;
            self.keys = previous_keys;
            return Err(error);
        }
        if self
            .selected_key
            .is_some_and(|key| key as usize >= self.keys.len())
        {
            self.selected_key = None;
        }
        Ok(())
    }

    /// Adds a key the learner typed (or finds it if it exists) and selects it. Under a
    /// Zipf workload the requests are drawn again, because the key count changed.
    pub fn add_typed_key(&mut self, name: &str) -> Result<u32, ScenarioError> {
        if let Some(index) = self.keys.find(name) {
            self.selected_key = Some(index as u32);
            return Ok(index as u32);
        }
        let mut workload = self.workload.clone();
        workload.typed_keys.push(name.to_owned());
        self.set_workload(workload)?;
        let index = self.keys.find(name).unwrap_or(0) as u32;
        self.selected_key = Some(index);
        Ok(index)
    }

    /// Selects a key by index, or clears the selection.
    pub fn select_key(&mut self, key: Option<u32>) -> Result<(), ScenarioError> {
        if let Some(index) = key
            && index as usize >= self.keys.len()
        {
            return Err(ScenarioError::at(
                "selected_key",
                format!("there are {} keys, got index {index}", self.keys.len()),
            ));
        }
        self.selected_key = key;
        Ok(())
    }

    /// Sets the length of preference lists.
    pub fn set_replicas(&mut self, replicas: u32) -> Result<(), ScenarioError> {
        check_replicas(replicas)?;
        self.replicas = replicas;
        Ok(())
    }

    /// Why the last change moved more keys than the ideal under the current scheme for a
    /// reason of structure (jump hash renumbering its buckets), if it did.
    pub fn last_change_note(&self) -> Option<String> {
        let last = self.last_change.as_ref()?;
        change_note(self.scheme, &last.members_before, &last.metrics.change)
    }

    /// The load of every live node now, with the exact spread of the scheme's shares
    /// where it has them.
    pub fn load(&self) -> LoadSummary {
        let mut load = load_summary(&self.membership.live, &self.assignment, &self.keys);
        load.placement = self.placement(&self.membership.live);
        load
    }

    /// The load before the last change (for the before/after picture).
    pub fn load_before(&self) -> Option<LoadSummary> {
        self.last_change.as_ref().map(|last| {
            let mut load = load_summary(&last.members_before, &last.assignment_before, &self.keys);
            load.placement = self.placement(&last.members_before);
            load
        })
    }

    /// The exact spread of the current scheme's shares for `members`, for the schemes
    /// that have exact shares (only those are built here).
    fn placement(&self, members: &[Member]) -> Option<PlacementSpread> {
        if !matches!(self.scheme, SchemeKind::Ring | SchemeKind::Maglev) {
            return None;
        }
        let scheme = build_scheme(self.scheme, members, &self.config).ok()?;
        placement_spread(scheme.as_ref(), members)
    }

    /// What a lookup costs under the current scheme and members.
    pub fn lookup_cost(&self) -> Result<LookupCost, ScenarioError> {
        Ok(build_scheme(self.scheme, &self.membership.live, &self.config)?.lookup_cost())
    }

    /// Every scheme on the current keys and the last change.
    pub fn compare(&self) -> Result<Vec<ComparisonRow>, ScenarioError> {
        match &self.last_change {
            None => compare_schemes(&self.membership.live, None, &self.keys, &self.config),
            Some(last) => compare_schemes(
                &last.members_before,
                Some((&last.metrics.change, &self.membership.live)),
                &self.keys,
                &self.config,
            ),
        }
    }

    /// The ring view with at most `key_dots_max` key dots.
    pub fn ring_view(&self, key_dots_max: usize) -> Result<RingView, ScenarioError> {
        let ring = match self.scheme {
            SchemeKind::Ring | SchemeKind::BoundedLoads => {
                Some(Ring::build(&self.membership.live, &self.config)?)
            }
            _ => None,
        };
        let (tokens, arcs) = match &ring {
            None => (Vec::new(), Vec::new()),
            Some(ring) => (ring_tokens(ring), ring_arcs(ring)),
        };
        let mut moved = vec![false; self.keys.len()];
        if let Some(last) = &self.last_change {
            for key in &last.moved {
                moved[key.key as usize] = true;
            }
        }
        let stride = self.keys.len().div_ceil(key_dots_max.max(1)).max(1);
        let shown = if key_dots_max == 0 {
            0
        } else {
            self.keys.len()
        };
        let keys = (0..shown)
            .step_by(stride)
            .map(|key| KeyDot {
                key: key as u32,
                fraction: ring_fraction(self.keys.hashes[key]),
                node: self.assignment[key],
                moved: moved[key],
            })
            .collect();
        let selected = match self.selected_key {
            None => None,
            Some(key) => Some(self.key_walk(key)?),
        };
        Ok(RingView {
            scheme: self.scheme,
            tokens,
            arcs,
            keys,
            selected,
        })
    }

    /// The walk of key number `key` to its owner and replicas.
    pub fn key_walk(&self, key: u32) -> Result<KeyWalk, ScenarioError> {
        let index = key as usize;
        if index >= self.keys.len() {
            return Err(ScenarioError::at(
                "key",
                format!("there are {} keys, got index {key}", self.keys.len()),
            ));
        }
        let hash = self.keys.hashes[index];
        let owner = self.assignment[index];
        let replica_count = self.replicas as usize;
        let (replicas, visited) = match self.scheme {
            SchemeKind::Ring => {
                let ring = Ring::build(&self.membership.live, &self.config)?;
                let (visited, owners) = ring.walk(hash, replica_count);
                (Some(owners), tokens_at(&ring, &visited))
            }
            SchemeKind::BoundedLoads => {
                // The list starts with the owner the capped placement chose, not the plain
                // ring's (see `bounded`'s module documentation).
                let bounded = BoundedLoads::build(&self.membership.live, &self.config)?;
                let (visited, owners) = bounded.walk(hash, owner, replica_count);
                (Some(owners), tokens_at(bounded.ring(), &visited))
            }
            kind => {
                let scheme = build_scheme(kind, &self.membership.live, &self.config)?;
                (scheme.replicas(hash, replica_count), Vec::new())
            }
        };
        Ok(KeyWalk {
            key,
            name: self.keys.names[index].clone(),
            hash_hex: format!("{hash:016x}"),
            fraction: ring_fraction(hash),
            owner,
            owner_before: self
                .last_change
                .as_ref()
                .map(|last| last.assignment_before[index]),
            replicas,
            visited,
        })
    }
}

/// The nodes a Maglev table is sized for: the live ones and the crashed ones, which may
/// come back.
fn cluster_size(membership: &Membership) -> usize {
    membership.live.len() + membership.crashed.len()
}

fn check_replicas(replicas: u32) -> Result<(), ScenarioError> {
    if replicas == 0 || replicas as usize > NODES_MAX {
        return Err(ScenarioError::at(
            "replicas",
            format!("must be between 1 and {NODES_MAX}, got {replicas}"),
        ));
    }
    Ok(())
}

fn tokens_at(ring: &Ring, indices: &[usize]) -> Vec<RingToken> {
    indices
        .iter()
        .map(|&index| RingToken {
            fraction: ring_fraction(ring.positions()[index]),
            node: ring.owners()[index],
        })
        .collect()
}

fn ring_tokens(ring: &Ring) -> Vec<RingToken> {
    ring.positions()
        .iter()
        .zip(ring.owners())
        .map(|(&position, &node)| RingToken {
            fraction: ring_fraction(position),
            node,
        })
        .collect()
}

/// The ring's arcs, with runs of one owner merged. Token `i` owns the arc from token
/// `i - 1` (exclusive) to itself; the first token's arc starts at the last token.
fn ring_arcs(ring: &Ring) -> Vec<RingArc> {
    let positions = ring.positions();
    let owners = ring.owners();
    let count = positions.len();
    let mut arcs: Vec<RingArc> = Vec::new();
    for index in 0..count {
        let start = positions[(index + count - 1) % count];
        let end = positions[index];
        match arcs.last_mut() {
            Some(last) if last.node == owners[index] => last.end_fraction = ring_fraction(end),
            _ => arcs.push(RingArc {
                start_fraction: ring_fraction(start),
                end_fraction: ring_fraction(end),
                node: owners[index],
            }),
        }
    }
    // The last run and the first may belong to one owner across the top of the ring.
    if arcs.len() > 1 && arcs[0].node == arcs[arcs.len() - 1].node {
        let last = arcs.pop().unwrap_or(arcs[0]);
        arcs[0].start_fraction = last.start_fraction;
    }
    arcs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(scheme: SchemeKind, nodes: u32, keys: u32) -> HashingLab {
        HashingLab::new(
            scheme,
            SchemeConfig::default(),
            Membership::with_nodes(nodes, "nodes").unwrap(),
            Workload {
                keys,
                typed_keys: Vec::new(),
                zipf: None,
                seed: 1,
            },
            3,
        )
        .unwrap()
    }

    #[test]
    fn adding_a_node_to_a_ring_moves_only_keys_to_it_and_highlights_them() {
        let mut lab = lab(SchemeKind::Ring, 10, 20_000);
        let metrics = lab
            .apply(&Change::Add {
                node: 10,
                weight: 1,
            })
            .unwrap()
            .clone();
        let last = lab.last_change().unwrap();
        assert!(metrics.keys_moved > 0);
        assert!(last.moved.iter().all(|moved| moved.to == 10));
        assert_eq!(metrics.moves_between_bystanders, 0);
        let view = lab.ring_view(usize::MAX).unwrap();
        let highlighted = view.keys.iter().filter(|dot| dot.moved).count() as u64;
        assert_eq!(highlighted, metrics.keys_moved);
        assert_eq!(view.tokens.len(), 1_100);
    }

    #[test]
    fn switching_to_modulo_recounts_the_last_change_and_the_count_jumps() {
        let mut lab = lab(SchemeKind::Ring, 10, 20_000);
        lab.apply(&Change::Add {
            node: 10,
            weight: 1,
        })
        .unwrap();
        let ring_moved = lab.last_change().unwrap().metrics.keys_moved;
        lab.set_scheme(SchemeKind::Modulo).unwrap();
        let modulo_moved = lab.last_change().unwrap().metrics.keys_moved;
        // Ideal is 1/11 of the keys (about 1,818); modulo moves about 10/11 (18,182).
        assert!(ring_moved < 3_000, "ring moved {ring_moved}");
        assert!(modulo_moved > 17_000, "modulo moved {modulo_moved}");
    }

    #[test]
    fn a_refused_change_leaves_the_lab_as_it_was() {
        let mut lab = lab(SchemeKind::Jump, 3, 100);
        let before = lab.clone();
        assert!(lab.apply(&Change::Readd { node: 1 }).is_err());
        assert_eq!(lab, before);
    }

    #[test]
    fn a_typed_key_is_selected_and_walks_to_its_owner_and_replicas() {
        let mut lab = lab(SchemeKind::Ring, 5, 100);
        let key = lab.add_typed_key("alice").unwrap();
        assert_eq!(key, 100);
        assert_eq!(lab.selected_key(), Some(100));
        let walk = lab.key_walk(key).unwrap();
        assert_eq!(walk.name, "alice");
        let replicas = walk.replicas.unwrap();
        assert_eq!(replicas[0], walk.owner);
        assert_eq!(replicas.len(), 3);
        assert_eq!(walk.visited[0].node, walk.owner);
        assert_eq!(
            walk.visited.last().map(|token| token.node),
            Some(replicas[2])
        );
        // Typing it again finds the same key rather than adding a second copy.
        assert_eq!(lab.add_typed_key("alice").unwrap(), 100);
        assert_eq!(lab.keys().len(), 101);
    }

    #[test]
    fn under_bounded_loads_a_key_s_preference_list_starts_with_the_owner_the_caps_chose() {
        // Issue 18: ten nodes of one token, epsilon 0.25, 100,000 keys. Full nodes turn
        // "dave" away, and its list used to come from the plain ring, without its owner.
        let config = SchemeConfig {
            vnodes: 1,
            load_epsilon: 0.25,
            ..SchemeConfig::default()
        };
        let workload = Workload {
            keys: 100_000,
            typed_keys: vec!["dave".to_owned()],
            zipf: None,
            seed: 1,
        };
        let lab = HashingLab::new(
            SchemeKind::BoundedLoads,
            config.clone(),
            Membership::with_nodes(10, "nodes").unwrap(),
            workload,
            3,
        )
        .unwrap();
        let ring = Ring::build(&lab.membership().live, &config).unwrap();
        let dave = lab.keys().find("dave").unwrap() as u32;
        let walk = lab.key_walk(dave).unwrap();
        let ring_owner = ring.lookup(lab.keys().hashes[dave as usize]);
        assert_ne!(
            walk.owner, ring_owner,
            "dave is no longer a key the caps move"
        );
        let replicas = walk.replicas.unwrap();
        assert_eq!(replicas[0], walk.owner);
        assert_eq!(replicas.len(), 3);
        assert!(replicas[0] != replicas[1] && replicas[1] != replicas[2]);
        assert!(replicas[0] != replicas[2]);
        // The walk passes the full nodes, reaches the owner, and ends at the last replica.
        assert_eq!(walk.visited[0].node, ring_owner);
        assert_eq!(
            walk.visited.last().map(|token| token.node),
            Some(replicas[2])
        );
    }

    #[test]
    fn the_load_and_the_comparison_carry_the_exact_spread_where_a_scheme_has_one() {
        let mut lab = lab(SchemeKind::Ring, 10, 2_000);
        let exact = lab
            .load()
            .placement
            .expect("the ring's arcs give exact shares");
        assert!(exact.std_dev_over_mean > 0.0 && exact.max_over_mean > 1.0);
        lab.set_scheme(SchemeKind::Rendezvous).unwrap();
        assert_eq!(lab.load().placement, None);
        for row in lab.compare().unwrap() {
            let expected = matches!(row.scheme, SchemeKind::Ring | SchemeKind::Maglev);
            assert_eq!(row.placement.is_some(), expected, "{:?}", row.scheme);
        }
    }

    #[test]
    fn arcs_cover_the_ring_and_alternate_owners() {
        let lab = lab(SchemeKind::Ring, 4, 10);
        let view = lab.ring_view(10).unwrap();
        assert!(!view.arcs.is_empty());
        for pair in view.arcs.windows(2) {
            assert_ne!(pair[0].node, pair[1].node);
            assert_eq!(pair[0].end_fraction, pair[1].start_fraction);
        }
        let first = view.arcs[0];
        let last = view.arcs[view.arcs.len() - 1];
        assert_eq!(last.end_fraction, first.start_fraction);
    }

    #[test]
    fn the_ring_view_shows_no_more_key_dots_than_asked() {
        let lab = lab(SchemeKind::Ring, 4, 1_000);
        assert!(lab.ring_view(0).unwrap().keys.is_empty());
        assert_eq!(lab.ring_view(3).unwrap().keys.len(), 3);
        assert_eq!(lab.ring_view(1_000).unwrap().keys.len(), 1_000);
        let mut rendezvous = lab.clone();
        rendezvous.set_scheme(SchemeKind::Rendezvous).unwrap();
        assert!(rendezvous.ring_view(10).unwrap().tokens.is_empty());
    }

    #[test]
    fn the_lab_survives_a_json_round_trip() {
        let mut lab = lab(SchemeKind::Maglev, 4, 50);
        lab.apply(&Change::Crash { node: 2 }).unwrap();
        let json = serde_json::to_string(&lab).unwrap();
        let back: HashingLab = serde_json::from_str(&json).unwrap();
        assert_eq!(back, lab);
    }
}
