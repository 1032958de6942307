//! What the lab measures: per-node load, its spread, the keys a change moved against
//! the ideal, and a table comparing every scheme on the same keys and change.

use crate::collections::SortedMap;

use serde::{Deserialize, Serialize};

use super::membership::{Change, Member, ideal_moved_fraction, total_weight};
use super::scheme::{
    LookupCost, Scheme, SchemeConfig, SchemeKind, build_scheme, check_rendezvous_work,
};
use super::workload::KeySet;
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// One node's share of the keys and of the requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeLoad {
    /// The node.
    pub node: NodeId,
    /// Its weight.
    pub weight: u32,
    /// How many keys it owns.
    pub keys: u64,
    /// Its fraction of all keys.
    pub key_share: f64,
    /// How many requests its keys receive (equal to `keys` without skew).
    pub requests: u64,
    /// Its fraction of all requests.
    pub request_share: f64,
}

/// The load of every live node and how uneven it is.
///
/// The spread figures compare each node with its fair share (its weight's fraction of
/// the total): `keys_std_dev_over_mean` is the standard deviation of `load / fair share`
/// and `keys_max_over_mean` its maximum. With equal weights these are exactly the
/// standard deviation over the mean and the maximum over the mean of the key counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadSummary {
    /// Every live node, in join order.
    pub nodes: Vec<NodeLoad>,
    /// The standard deviation of key counts over their mean (weight-normalised).
    pub keys_std_dev_over_mean: f64,
    /// The largest key count over the mean (weight-normalised); 1 is perfect.
    pub keys_max_over_mean: f64,
    /// The same spread for requests.
    pub requests_std_dev_over_mean: f64,
    /// The busiest node's requests over the mean (weight-normalised).
    pub requests_max_over_mean: f64,
    /// The node receiving the most requests (the lowest id among equals).
    pub busiest_node: NodeId,
    /// The spread of the shares the scheme gives the nodes, exactly, without the noise
    /// of sampling keys; `None` where the scheme has no exact shares (see
    /// [`Scheme::hash_space_shares`](super::scheme::Scheme::hash_space_shares)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<PlacementSpread>,
}

/// How uneven the shares of the hash space a scheme gives the nodes are, computed
/// exactly from its structure (the ring's arcs, Maglev's table) rather than from counted
/// keys.
///
/// The key figures of [`LoadSummary`] count placed keys, so they add the noise of the
/// sample to the placement's own unevenness: with a hundred nodes of 1,000 tokens and
/// 100,000 keys the keys' std/mean reads about 0.044 where the arcs' is 0.031 (near the
/// ring's 1/sqrt(1,000)), and the binomial noise of 1,000 keys a node, also about
/// 1/sqrt(1,000), makes up the difference (0.031² + 0.032² ≈ 0.044²). This is the figure
/// the counts would reach with infinitely many keys.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlacementSpread {
    /// The standard deviation of `share / fair share` over the live nodes.
    pub std_dev_over_mean: f64,
    /// The largest `share / fair share`; 1 is perfect.
    pub max_over_mean: f64,
}

/// A key that changed owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedKey {
    /// The key's index in the key set.
    pub key: u32,
    /// Its owner before the change.
    pub from: NodeId,
    /// Its owner after.
    pub to: NodeId,
}

/// How much a membership change disturbed the placement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeMetrics {
    /// The change.
    pub change: Change,
    /// How many keys changed owner.
    pub keys_moved: u64,
    /// `keys_moved` over all keys.
    pub moved_fraction: f64,
    /// The least any scheme could move: the weight share that changed hands (1/(n+1)
    /// when adding the (n+1)-th node of equal weight).
    pub ideal_fraction: f64,
    /// `ideal_fraction` times the number of keys.
    pub ideal_keys: f64,
    /// Moves between two nodes that were both live before and after: pure disruption,
    /// zero for the ring, jump (at the end) and rendezvous.
    pub moves_between_bystanders: u64,
}

impl ChangeMetrics {
    /// The metrics of `change` given the keys it moved, the live members around it and
    /// the number of keys.
    pub fn new(
        change: &Change,
        moved: &[MovedKey],
        before: &[Member],
        after: &[Member],
        key_count: usize,
    ) -> Self {
        let node = change.node();
        let keys_moved = moved.len() as u64;
        let ideal_fraction = ideal_moved_fraction(before, after, change);
        Self {
            change: *change,
            keys_moved,
            moved_fraction: fraction(keys_moved, key_count as u64),
            ideal_fraction,
            ideal_keys: ideal_fraction * key_count as f64,
            moves_between_bystanders: moved
                .iter()
                .filter(|moved| moved.from != node && moved.to != node)
                .count() as u64,
        }
    }
}

/// One scheme's line in the comparison table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// The scheme.
    pub scheme: SchemeKind,
    /// What the change did under this scheme, if there was a change.
    pub change: Option<ChangeMetrics>,
    /// Key spread after the change.
    pub keys_std_dev_over_mean: f64,
    /// Worst key load over the mean after the change.
    pub keys_max_over_mean: f64,
    /// Worst request load over the mean after the change.
    pub requests_max_over_mean: f64,
    /// The exact spread of the shares the scheme gives the nodes after the change, where
    /// it has exact shares (the ring, Maglev).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<PlacementSpread>,
    /// What a lookup costs.
    pub lookup_cost: LookupCost,
    /// Why this scheme moved more than the ideal for a reason of structure, when it did
    /// (see [`change_note`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why `kind` moves more keys than the ideal on `change` for a reason of structure, as a
/// sentence to show beside the numbers; `None` when there is no such reason. `before` is
/// the live members before the change, in join order. Jump hash is the scheme with
/// such a reason (see [`super::jump::change_note`]).
pub fn change_note(kind: SchemeKind, before: &[Member], change: &Change) -> Option<String> {
    match kind {
        SchemeKind::Jump => super::jump::change_note(before, change).map(str::to_owned),
        SchemeKind::Modulo
        | SchemeKind::Ring
        | SchemeKind::Rendezvous
        | SchemeKind::Maglev
        | SchemeKind::BoundedLoads => None,
    }
}

fn fraction(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The keys whose owner differs between two assignments of the same key set.
pub fn moved_keys(before: &[NodeId], after: &[NodeId]) -> Vec<MovedKey> {
    before
        .iter()
        .zip(after)
        .enumerate()
        .filter(|(_, (from, to))| from != to)
        .map(|(key, (&from, &to))| MovedKey {
            key: key as u32,
            from,
            to,
        })
        .collect()
}

/// The load of each of `members` when key `i` of `keys` belongs to `assignment[i]`.
/// Owners that are not members (which a correct scheme never returns) are ignored. The
/// exact `placement` spread needs the scheme: [`placement_spread`] gives it.
pub fn load_summary(members: &[Member], assignment: &[NodeId], keys: &KeySet) -> LoadSummary {
    let index_of: SortedMap<NodeId, usize> = members
        .iter()
        .enumerate()
        .map(|(index, member)| (member.node, index))
        .collect();
    let mut key_counts = vec![0u64; members.len()];
    let mut request_counts = vec![0u64; members.len()];
    for (key, owner) in assignment.iter().enumerate() {
        if let Some(&index) = index_of.get(owner) {
            key_counts[index] += 1;
            request_counts[index] += keys.requests.get(key).copied().unwrap_or(0);
        }
    }
    let key_total: u64 = key_counts.iter().sum();
    let request_total: u64 = request_counts.iter().sum();
    let weight_total = total_weight(members);
    let fair_shares: Vec<f64> = members
        .iter()
        .map(|member| fraction(u64::from(member.weight), weight_total))
        .collect();
    let (keys_std_dev_over_mean, keys_max_over_mean) = spread(&key_counts, &fair_shares);
    let (requests_std_dev_over_mean, requests_max_over_mean) =
        spread(&request_counts, &fair_shares);
    let busiest = request_counts
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .map_or(0, |(index, _)| index);
    LoadSummary {
        nodes: members
            .iter()
            .enumerate()
            .map(|(index, member)| NodeLoad {
                node: member.node,
                weight: member.weight,
                keys: key_counts[index],
                key_share: fraction(key_counts[index], key_total),
                requests: request_counts[index],
                request_share: fraction(request_counts[index], request_total),
            })
            .collect(),
        keys_std_dev_over_mean,
        keys_max_over_mean,
        requests_std_dev_over_mean,
        requests_max_over_mean,
        busiest_node: members.get(busiest).map_or(0, |member| member.node),
        placement: None,
    }
}

/// The standard deviation and the maximum of `count / (total * fair share)`.
fn spread(counts: &[u64], fair_shares: &[f64]) -> (f64, f64) {
    let total: u64 = counts.iter().sum();
    if total == 0 || counts.is_empty() {
        return (0.0, 0.0);
    }
    let ratios: Vec<f64> = counts
        .iter()
        .zip(fair_shares)
        .map(|(&count, &share)| count as f64 / (total as f64 * share))
        .collect();
    spread_of_ratios(&ratios)
}

/// The standard deviation of `ratios` around 1 and their maximum.
fn spread_of_ratios(ratios: &[f64]) -> (f64, f64) {
    if ratios.is_empty() {
        return (0.0, 0.0);
    }
    // Squares by multiplication and `sqrt` are exact IEEE-754 operations, so the figure
    // is the same on every platform.
    let variance = ratios
        .iter()
        .map(|ratio| (ratio - 1.0) * (ratio - 1.0))
        .sum::<f64>()
        / ratios.len() as f64;
    let max = ratios.iter().copied().fold(0.0, f64::max);
    (variance.sqrt(), max)
}

/// The exact spread of the shares `scheme`, built for `members`, gives them against their
/// fair (weight) shares; `None` when the scheme has no exact shares.
pub fn placement_spread(scheme: &dyn Scheme, members: &[Member]) -> Option<PlacementSpread> {
    let shares = scheme.hash_space_shares()?;
    let weight_total = total_weight(members);
    let ratios: Vec<f64> = members
        .iter()
        .map(|member| {
            let share = shares
                .iter()
                .find(|(node, _)| *node == member.node)
                .map_or(0.0, |&(_, share)| share);
            share / fraction(u64::from(member.weight), weight_total)
        })
        .collect();
    let (std_dev_over_mean, max_over_mean) = spread_of_ratios(&ratios);
    Some(PlacementSpread {
        std_dev_over_mean,
        max_over_mean,
    })
}

/// Every scheme on the same keys: placed for `before`, then for `after` the change (when
/// there is one), with the keys moved and the load after.
pub fn compare_schemes(
    before: &[Member],
    change: Option<(&Change, &[Member])>,
    keys: &KeySet,
    config: &SchemeConfig,
) -> Result<Vec<ComparisonRow>, ScenarioError> {
    let most_nodes = change.map_or(before.len(), |(_, after)| before.len().max(after.len()));
    check_rendezvous_work(keys.len(), most_nodes, "keys")?;
    let mut rows = Vec::with_capacity(SchemeKind::ALL.len());
    for kind in SchemeKind::ALL {
        let scheme_before = build_scheme(kind, before, config)?;
        let assignment_before = scheme_before.assign(&keys.hashes);
        let (members_after, scheme_after, change_metrics, assignment_after) = match change {
            None => (before, scheme_before, None, assignment_before),
            Some((change, after)) => {
                let scheme_after = build_scheme(kind, after, config)?;
                let assignment_after = scheme_after.assign(&keys.hashes);
                let moved = moved_keys(&assignment_before, &assignment_after);
                let metrics = ChangeMetrics::new(change, &moved, before, after, keys.len());
                (after, scheme_after, Some(metrics), assignment_after)
            }
        };
        let load = load_summary(members_after, &assignment_after, keys);
        rows.push(ComparisonRow {
            scheme: kind,
            change: change_metrics,
            keys_std_dev_over_mean: load.keys_std_dev_over_mean,
            keys_max_over_mean: load.keys_max_over_mean,
            requests_max_over_mean: load.requests_max_over_mean,
            placement: placement_spread(scheme_after.as_ref(), members_after),
            lookup_cost: scheme_after.lookup_cost(),
            note: change.and_then(|(change, _)| change_note(kind, before, change)),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(count: usize) -> KeySet {
        KeySet {
            names: (0..count).map(|index| index.to_string()).collect(),
            hashes: (0..count as u64).collect(),
            requests: vec![1; count],
            requests_total: count as u64,
        }
    }

    #[test]
    fn a_perfectly_even_load_has_no_spread() {
        let members = [Member::new(1), Member::new(2)];
        let summary = load_summary(&members, &[1, 2, 1, 2], &keys(4));
        assert_eq!(summary.keys_std_dev_over_mean, 0.0);
        assert_eq!(summary.keys_max_over_mean, 1.0);
        assert_eq!(summary.nodes[0].key_share, 0.5);
    }

    #[test]
    fn the_spread_is_the_standard_deviation_and_maximum_over_the_mean() {
        // Loads 3 and 1: mean 2, deviations +-1, so std/mean = 0.5 and max/mean = 1.5.
        let members = [Member::new(1), Member::new(2)];
        let summary = load_summary(&members, &[1, 1, 1, 2], &keys(4));
        assert!((summary.keys_std_dev_over_mean - 0.5).abs() < 1e-12);
        assert!((summary.keys_max_over_mean - 1.5).abs() < 1e-12);
        assert_eq!(summary.busiest_node, 1);
    }

    #[test]
    fn a_heavier_node_at_its_fair_share_counts_as_even() {
        let members = [Member { node: 1, weight: 3 }, Member::new(2)];
        let summary = load_summary(&members, &[1, 1, 1, 2], &keys(4));
        assert!(summary.keys_std_dev_over_mean.abs() < 1e-12);
    }

    #[test]
    fn a_ring_s_exact_shares_are_what_evenly_spaced_hashes_find() {
        // Karger et al.: a node owns the arcs that end at its tokens. 2^21 hashes spaced
        // evenly round the ring fall on each arc in proportion to its length, give or take
        // one hash at each of a node's 100 tokens' ends.
        let members: Vec<Member> = (0..10).map(Member::new).collect();
        let ring = crate::labs::hashing::Ring::build(&members, &SchemeConfig::default()).unwrap();
        let shares = ring.hash_space_shares().unwrap();
        let probes = 1u64 << 21;
        let mut counts = [0u64; 10];
        for probe in 0..probes {
            counts[ring.lookup(probe << 43) as usize] += 1;
        }
        let total: f64 = shares.iter().map(|&(_, share)| share).sum();
        assert!((total - 1.0).abs() < 1e-12, "the shares add up to {total}");
        for (node, share) in shares {
            let probed = counts[node as usize] as f64 / probes as f64;
            assert!(
                (probed - share).abs() < 1e-4,
                "node {node}: {share} exact, {probed} probed"
            );
        }
        let exact = placement_spread(&ring, &members).unwrap();
        let fair = vec![0.1; 10];
        let (probed_std, probed_max) = spread(&counts, &fair);
        assert!((exact.std_dev_over_mean - probed_std).abs() < 1e-3);
        assert!((exact.max_over_mean - probed_max).abs() < 1e-3);
    }

    #[test]
    fn counting_keys_adds_sampling_noise_that_the_exact_spread_leaves_out() {
        // Issue 18: a hundred nodes of 1,000 tokens and 100,000 keys. The arcs' spread is
        // about 1/sqrt(1,000) (Dynamo, section 6.2); the keys' adds the binomial noise of
        // 1,000 keys a node, so it is near the root of the sum of their squares.
        let members: Vec<Member> = (0..100).map(Member::new).collect();
        let config = SchemeConfig {
            vnodes: 1_000,
            ..SchemeConfig::default()
        };
        let ring = build_scheme(SchemeKind::Ring, &members, &config).unwrap();
        let exact = placement_spread(ring.as_ref(), &members).unwrap();
        assert!(
            (0.028..0.034).contains(&exact.std_dev_over_mean),
            "{exact:?}"
        );
        let keys = crate::labs::hashing::Workload {
            keys: 100_000,
            typed_keys: Vec::new(),
            zipf: None,
            seed: 1,
        }
        .generate("")
        .unwrap();
        let counted = load_summary(&members, &ring.assign(&keys.hashes), &keys);
        let noise = ((1.0 - 0.01) / 1_000.0_f64).sqrt();
        let expected = (exact.std_dev_over_mean.powi(2) + noise * noise).sqrt();
        assert!(counted.keys_std_dev_over_mean > exact.std_dev_over_mean);
        assert!(
            (counted.keys_std_dev_over_mean / expected - 1.0).abs() < 0.25,
            "counted {}, exact {}, expected about {expected}",
            counted.keys_std_dev_over_mean,
            exact.std_dev_over_mean
        );
    }

    #[test]
    fn maglev_s_exact_spread_is_one_slot_in_m_over_n() {
        // Eisenbud et al., section 3.4: every node holds floor(M/N) or ceil(M/N) slots.
        let members: Vec<Member> = (0..7).map(Member::new).collect();
        let config = SchemeConfig {
            maglev_table_size: Some(251),
            ..SchemeConfig::default()
        };
        let maglev = build_scheme(SchemeKind::Maglev, &members, &config).unwrap();
        let exact = placement_spread(maglev.as_ref(), &members).unwrap();
        // 251 = 7 * 35 + 6: six nodes hold 36 slots, one holds 35.
        assert!((exact.max_over_mean - 36.0 * 7.0 / 251.0).abs() < 1e-12);
        assert!(exact.std_dev_over_mean < 1.0 / 35.0);
        let jump = build_scheme(SchemeKind::Jump, &members, &config).unwrap();
        assert_eq!(placement_spread(jump.as_ref(), &members), None);
    }

    #[test]
    fn moves_between_nodes_that_stayed_are_counted_apart() {
        let moved = moved_keys(&[1, 2, 3, 1], &[4, 2, 1, 1]);
        assert_eq!(
            moved,
            vec![
                MovedKey {
                    key: 0,
                    from: 1,
                    to: 4
                },
                MovedKey {
                    key: 2,
                    from: 3,
                    to: 1
                }
            ]
        );
        let before = [Member::new(1), Member::new(2), Member::new(3)];
        let after = [
            Member::new(1),
            Member::new(2),
            Member::new(3),
            Member::new(4),
        ];
        let change = Change::Add { node: 4, weight: 1 };
        let metrics = ChangeMetrics::new(&change, &moved, &before, &after, 4);
        assert_eq!(metrics.keys_moved, 2);
        assert_eq!(metrics.moves_between_bystanders, 1);
        assert_eq!(metrics.ideal_fraction, 0.25);
    }
}
