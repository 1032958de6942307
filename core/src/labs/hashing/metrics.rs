//! What the lab measures: per-node load, its spread, the keys a change moved against
//! the ideal, and a table comparing every scheme on the same keys and change.

use crate::collections::SortedMap;

use serde::{Deserialize, Serialize};

use super::HashingError;
use super::membership::{Change, Member, ideal_moved_fraction, total_weight};
use super::scheme::{LookupCost, SchemeConfig, SchemeKind, build_scheme, check_rendezvous_work};
use super::workload::KeySet;
use crate::protocol::NodeId;

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
/// Owners that are not members (which a correct scheme never returns) are ignored.
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

/// Every scheme on the same keys: placed for `before`, then for `after` the change (when
/// there is one), with the keys moved and the load after.
pub fn compare_schemes(
    before: &[Member],
    change: Option<(&Change, &[Member])>,
    keys: &KeySet,
    config: &SchemeConfig,
) -> Result<Vec<ComparisonRow>, HashingError> {
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
