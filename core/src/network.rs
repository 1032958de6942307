//! The simulated network: directed links, their latency and faults, and partitions.
//!
//! Every ordered pair of nodes `(from, to)` is a directed link. A link behaves as
//! the network's default [`LinkConfig`] unless an override was set for it, and it is
//! up unless a fault cuts it. Faults are kept as the learner made them (a one-way
//! cut, an isolated node, a partition into groups) rather than expanded into one
//! entry per link, so a partition of a thousand nodes costs a thousand map entries,
//! not half a million, and snapshots for time travel stay small.
//!
//! A link that was healed explicitly stays up even if an isolation or partition made
//! earlier would cut it, because "heal this link" is what the learner asked for last.

use crate::collections::{SortedMap, SortedSet};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::protocol::{NodeId, Time};
use crate::rng::SimRng;

/// Node lifecycle states live with the other event types; re-exported here
/// because the UI reads them next to link states.
pub use crate::event::NodeStatus;

/// The longest latency a link may be configured with: one hour, in milliseconds.
pub const LATENCY_MS_MAX: f64 = 3_600_000.0;

/// How long a message takes to cross a link. Values are milliseconds (fractions
/// allowed, e.g. `0.25` for 250 µs); the simulator rounds to whole microseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Latency {
    /// Every message takes exactly `ms`.
    Fixed {
        /// The latency in milliseconds.
        ms: f64,
    },
    /// Uniformly distributed between `min_ms` and `max_ms` (inclusive). Messages on
    /// the same link may overtake each other.
    Uniform {
        /// The shortest latency in milliseconds.
        min_ms: f64,
        /// The longest latency in milliseconds.
        max_ms: f64,
    },
    /// Approximately normal around `mean_ms` with standard deviation `std_dev_ms`,
    /// cut off at zero. Sampled as the sum of twelve uniform integers (the
    /// Irwin–Hall construction) so no platform maths library is involved.
    Normal {
        /// The mean latency in milliseconds.
        mean_ms: f64,
        /// The standard deviation in milliseconds.
        std_dev_ms: f64,
    },
}

// Written by hand rather than derived, for a smaller browser build; the format and
// messages are the derive's (see `crate::tagged_enum`, whose tests compare the two).
impl<'de> Deserialize<'de> for Latency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tagged = crate::tagged_enum::Tagged::read(
            deserializer,
            "distribution",
            &["fixed", "uniform", "normal"],
            "internally tagged enum Latency",
        )?;
        Ok(match tagged.variant {
            0 => Latency::Fixed {
                ms: tagged.one(&["ms"], "struct variant Latency::Fixed")?,
            },
            1 => {
                let (min_ms, max_ms) =
                    tagged.two(&["min_ms", "max_ms"], "struct variant Latency::Uniform")?;
                Latency::Uniform { min_ms, max_ms }
            }
            _ => {
                let (mean_ms, std_dev_ms) =
                    tagged.two(&["mean_ms", "std_dev_ms"], "struct variant Latency::Normal")?;
                Latency::Normal {
                    mean_ms,
                    std_dev_ms,
                }
            }
        })
    }
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Uniform {
            min_ms: 1.0,
            max_ms: 5.0,
        }
    }
}

/// Converts milliseconds to whole microseconds, rounding to nearest. Negative and
/// non-finite inputs (rejected by validation anyway) become 0.
pub fn ms_to_micros(ms: f64) -> Time {
    if !ms.is_finite() || ms <= 0.0 {
        return 0;
    }
    let micros = (ms * 1_000.0).round();
    if micros >= u64::MAX as f64 {
        u64::MAX
    } else {
        micros as u64
    }
}

/// A [`Latency`] converted to whole microseconds once, so that sampling on the
/// simulation's hot path does integer arithmetic only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyModel {
    /// Always this many microseconds.
    Fixed(Time),
    /// Uniform between the two bounds, inclusive.
    Uniform(Time, Time),
    /// Approximately normal with this mean and standard deviation.
    Normal(Time, Time),
}

impl LatencyModel {
    /// Draws one latency in microseconds.
    #[inline]
    pub fn sample(self, rng: &mut SimRng) -> Time {
        match self {
            LatencyModel::Fixed(micros) => micros,
            LatencyModel::Uniform(low, high) => rng.range_inclusive(low, high),
            LatencyModel::Normal(mean, std_dev) => {
                const BITS: u32 = 20;
                const MASK: u64 = (1 << BITS) - 1;
                // Twelve 20-bit uniforms, three per 64-bit draw. Their sum has mean
                // 6 * 2^20 and standard deviation 2^20, so subtracting the mean and
                // scaling by std_dev / 2^20 gives an approximately normal deviate.
                let mut sum: i64 = 0;
                for _ in 0..4 {
                    let bits = rng.next_u64();
                    sum += (bits & MASK) as i64;
                    sum += ((bits >> BITS) & MASK) as i64;
                    sum += ((bits >> (2 * BITS)) & MASK) as i64;
                }
                let deviate = i128::from(sum - 6 * (1i64 << BITS));
                let value = i128::from(mean) + deviate * i128::from(std_dev) / (1i128 << BITS);
                value.clamp(0, i128::from(u64::MAX)) as u64
            }
        }
    }
}

impl Latency {
    /// The latency in whole microseconds.
    pub fn model(&self) -> LatencyModel {
        match *self {
            Latency::Fixed { ms } => LatencyModel::Fixed(ms_to_micros(ms)),
            Latency::Uniform { min_ms, max_ms } => {
                LatencyModel::Uniform(ms_to_micros(min_ms), ms_to_micros(max_ms))
            }
            Latency::Normal {
                mean_ms,
                std_dev_ms,
            } => LatencyModel::Normal(ms_to_micros(mean_ms), ms_to_micros(std_dev_ms)),
        }
    }

    /// Draws one latency in microseconds.
    pub fn sample(&self, rng: &mut SimRng) -> Time {
        self.model().sample(rng)
    }

    /// Checks the numbers; the error names the field (relative to `path`) and why.
    pub fn validate(&self, path: &str) -> Result<(), (String, String)> {
        let check = |field: &str, value: f64| -> Result<(), (String, String)> {
            if !value.is_finite() || !(0.0..=LATENCY_MS_MAX).contains(&value) {
                return Err((
                    format!("{path}.{field}"),
                    format!("must be between 0 and {LATENCY_MS_MAX} milliseconds, got {value}"),
                ));
            }
            Ok(())
        };
        match *self {
            Latency::Fixed { ms } => check("ms", ms),
            Latency::Uniform { min_ms, max_ms } => {
                check("min_ms", min_ms)?;
                check("max_ms", max_ms)?;
                if max_ms < min_ms {
                    return Err((
                        format!("{path}.max_ms"),
                        format!("must be at least min_ms ({min_ms}), got {max_ms}"),
                    ));
                }
                Ok(())
            }
            Latency::Normal {
                mean_ms,
                std_dev_ms,
            } => {
                check("mean_ms", mean_ms)?;
                check("std_dev_ms", std_dev_ms)
            }
        }
    }
}

/// How one directed link treats the messages that cross it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    /// How long a message takes.
    #[serde(default)]
    pub latency: Latency,
    /// The probability that a message is lost, in `[0, 1]`.
    #[serde(default)]
    pub loss_probability: f64,
    /// The probability that a message is delivered twice, in `[0, 1]`. The copy
    /// gets its own latency.
    #[serde(default)]
    pub duplicate_probability: f64,
    /// The probability that a message is held back by an extra delay so that
    /// messages sent after it can overtake it, in `[0, 1]`.
    #[serde(default)]
    pub reorder_probability: f64,
    /// The longest extra delay a held-back message gets, in milliseconds; the
    /// delay is uniform between 0 and this.
    #[serde(default)]
    pub reorder_delay_ms: f64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            latency: Latency::default(),
            loss_probability: 0.0,
            duplicate_probability: 0.0,
            reorder_probability: 0.0,
            reorder_delay_ms: 10.0,
        }
    }
}

/// Checks that `value` is a probability; the error names `path`.
pub fn validate_probability(path: &str, value: f64) -> Result<(), (String, String)> {
    if !value.is_finite() || !(0.0..=1.0).contains(&value) {
        return Err((
            path.to_string(),
            format!("must be between 0 and 1, got {value}"),
        ));
    }
    Ok(())
}

impl LinkConfig {
    /// Checks every number; the error names the field (relative to `path`).
    pub fn validate(&self, path: &str) -> Result<(), (String, String)> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}.")
        };
        self.latency.validate(&format!("{prefix}latency"))?;
        validate_probability(&format!("{prefix}loss_probability"), self.loss_probability)?;
        validate_probability(
            &format!("{prefix}duplicate_probability"),
            self.duplicate_probability,
        )?;
        validate_probability(
            &format!("{prefix}reorder_probability"),
            self.reorder_probability,
        )?;
        if !self.reorder_delay_ms.is_finite()
            || !(0.0..=LATENCY_MS_MAX).contains(&self.reorder_delay_ms)
        {
            return Err((
                format!("{prefix}reorder_delay_ms"),
                format!(
                    "must be between 0 and {LATENCY_MS_MAX} milliseconds, got {}",
                    self.reorder_delay_ms
                ),
            ));
        }
        Ok(())
    }
}

/// A [`LinkConfig`] converted to microseconds once, for the hot path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkModel {
    latency: LatencyModel,
    loss_probability: f64,
    duplicate_probability: f64,
    reorder_probability: f64,
    reorder_delay: Time,
}

impl LinkModel {
    /// The model of `config`.
    pub fn new(config: &LinkConfig) -> Self {
        Self {
            latency: config.latency.model(),
            loss_probability: config.loss_probability,
            duplicate_probability: config.duplicate_probability,
            reorder_probability: config.reorder_probability,
            reorder_delay: ms_to_micros(config.reorder_delay_ms),
        }
    }
}

/// The outcome of putting one message on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transmission {
    /// The link is down.
    LinkDown,
    /// The link lost the message.
    Lost,
    /// The message arrives after `latency` microseconds, and a duplicate after
    /// `duplicate_latency` if the link duplicated it.
    Delivered {
        /// The delay of the original.
        latency: Time,
        /// The delay of the copy, if there is one.
        duplicate_latency: Option<Time>,
    },
}

/// The whole network: default link behaviour, per-link overrides and faults.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    default: LinkConfig,
    default_model: LinkModel,
    /// A B-tree: a scenario may list up to `LINK_OVERRIDES_MAX` (100,000) overrides in
    /// any order, and a sorted vector would move most of itself for each.
    overrides: BTreeMap<(NodeId, NodeId), (LinkConfig, LinkModel)>,
    /// Links cut one by one, each by a timeline entry or a click: at most
    /// `TIMELINE_ENTRIES_MAX` plus what a user clicks, a few in practice. Looked up for
    /// every message, which a binary search does as fast as a B-tree.
    cut: SortedSet<(NodeId, NodeId)>,
    /// Links healed explicitly since the last isolation or partition (as many as `cut`).
    healed: SortedSet<(NodeId, NodeId)>,
    /// Isolated nodes: at most one entry per node (`NODES_MAX`).
    isolated: SortedSet<NodeId>,
    /// Partition group of each listed node (at most `NODES_MAX` entries). Nodes not
    /// listed share one more group.
    groups: SortedMap<NodeId, u32>,
}

impl Default for Network {
    fn default() -> Self {
        Self::new(LinkConfig::default())
    }
}

/// The group of nodes a partition did not list.
const UNLISTED_GROUP: u32 = u32::MAX;

impl Network {
    /// A fault-free network whose links all behave as `default`.
    pub fn new(default: LinkConfig) -> Self {
        Self {
            default_model: LinkModel::new(&default),
            default,
            overrides: BTreeMap::new(),
            cut: SortedSet::new(),
            healed: SortedSet::new(),
            isolated: SortedSet::new(),
            groups: SortedMap::new(),
        }
    }

    /// The behaviour of links without an override.
    pub fn default_link(&self) -> &LinkConfig {
        &self.default
    }

    /// The behaviour of the link `from → to`.
    #[inline]
    pub fn link(&self, from: NodeId, to: NodeId) -> &LinkConfig {
        if self.overrides.is_empty() {
            return &self.default;
        }
        self.overrides
            .get(&(from, to))
            .map_or(&self.default, |(config, _)| config)
    }

    #[inline]
    fn model(&self, from: NodeId, to: NodeId) -> &LinkModel {
        if self.overrides.is_empty() {
            return &self.default_model;
        }
        self.overrides
            .get(&(from, to))
            .map_or(&self.default_model, |(_, model)| model)
    }

    /// Sets the behaviour of the link `from → to`.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, config: LinkConfig) {
        if config == self.default {
            self.overrides.remove(&(from, to));
        } else {
            let model = LinkModel::new(&config);
            self.overrides.insert((from, to), (config, model));
        }
    }

    /// Whether a message can currently cross `from → to`. A node can always reach
    /// itself.
    #[inline]
    pub fn is_up(&self, from: NodeId, to: NodeId) -> bool {
        if from == to {
            return true;
        }
        if self.cut.is_empty() && self.isolated.is_empty() && self.groups.is_empty() {
            return true;
        }
        if self.healed.contains(&(from, to)) {
            return true;
        }
        if self.cut.contains(&(from, to)) {
            return false;
        }
        if self.isolated.contains(&from) || self.isolated.contains(&to) {
            return false;
        }
        self.group_of(from) == self.group_of(to)
    }

    fn group_of(&self, node: NodeId) -> u32 {
        if self.groups.is_empty() {
            return UNLISTED_GROUP;
        }
        self.groups.get(&node).copied().unwrap_or(UNLISTED_GROUP)
    }

    /// Decides the fate of one message on `from → to`, drawing from `rng` in a
    /// fixed order: loss, latency, reordering, duplication, the copy's latency.
    pub fn transmit(&self, from: NodeId, to: NodeId, rng: &mut SimRng) -> Transmission {
        if !self.is_up(from, to) {
            return Transmission::LinkDown;
        }
        if from == to {
            return Transmission::Delivered {
                latency: 0,
                duplicate_latency: None,
            };
        }
        let link = *self.model(from, to);
        if rng.chance(link.loss_probability) {
            return Transmission::Lost;
        }
        let latency = Self::one_latency(&link, rng);
        let duplicate_latency = if rng.chance(link.duplicate_probability) {
            Some(Self::one_latency(&link, rng))
        } else {
            None
        };
        Transmission::Delivered {
            latency,
            duplicate_latency,
        }
    }

    #[inline]
    fn one_latency(link: &LinkModel, rng: &mut SimRng) -> Time {
        let mut latency = link.latency.sample(rng);
        if rng.chance(link.reorder_probability) {
            latency = latency.saturating_add(rng.range_inclusive(0, link.reorder_delay));
        }
        latency
    }

    /// Cuts the link `from → to` only (the reverse direction is untouched).
    pub fn cut_link(&mut self, from: NodeId, to: NodeId) {
        self.healed.remove(&(from, to));
        self.cut.insert((from, to));
    }

    /// Brings `from → to` back up, even if an isolation or partition covers it.
    pub fn heal_link(&mut self, from: NodeId, to: NodeId) {
        self.cut.remove(&(from, to));
        if !self.is_up(from, to) {
            self.healed.insert((from, to));
        }
    }

    /// Cuts every link to and from `node`.
    pub fn isolate(&mut self, node: NodeId) {
        self.healed.retain(|&(from, to)| from != node && to != node);
        self.isolated.insert(node);
    }

    /// Splits the network into `groups`: links between different groups go down,
    /// links inside a group are unaffected. Nodes in no group form one more group
    /// together. Replaces any earlier partition.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.groups.clear();
        self.healed.clear();
        for (index, group) in groups.iter().enumerate() {
            for &node in group {
                self.groups.insert(node, index as u32);
            }
        }
    }

    /// Removes every cut, isolation and partition. Link overrides (latency, loss)
    /// stay, since they describe the links rather than faults.
    pub fn heal_all(&mut self) {
        self.cut.clear();
        self.healed.clear();
        self.isolated.clear();
        self.groups.clear();
    }

    /// Whether any fault is active.
    pub fn has_faults(&self) -> bool {
        !(self.cut.is_empty() && self.isolated.is_empty() && self.groups.is_empty())
    }

    /// Links cut one way, in order (some may be up again through a heal).
    pub fn cut_links(&self) -> impl Iterator<Item = &(NodeId, NodeId)> {
        self.cut.iter()
    }

    /// Isolated nodes, in order.
    pub fn isolated_nodes(&self) -> impl Iterator<Item = &NodeId> {
        self.isolated.iter()
    }

    /// Whether a partition is in force.
    pub fn is_partitioned(&self) -> bool {
        !self.groups.is_empty()
    }

    /// Links with an override, in order.
    pub fn overrides(&self) -> impl Iterator<Item = (&(NodeId, NodeId), &LinkConfig)> {
        self.overrides
            .iter()
            .map(|(link, (config, _))| (link, config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_way_cut_leaves_the_reverse_direction_up() {
        let mut network = Network::default();
        network.cut_link(1, 2);
        assert!(!network.is_up(1, 2));
        assert!(network.is_up(2, 1));
    }

    #[test]
    fn an_isolated_node_can_neither_send_nor_receive_but_reaches_itself() {
        let mut network = Network::default();
        network.isolate(3);
        assert!(!network.is_up(3, 0));
        assert!(!network.is_up(0, 3));
        assert!(network.is_up(3, 3));
        assert!(network.is_up(0, 1));
    }

    #[test]
    fn a_partition_cuts_links_between_groups_only() {
        let mut network = Network::default();
        network.partition(&[vec![0, 1], vec![2]]);
        assert!(network.is_up(0, 1));
        assert!(!network.is_up(1, 2));
        // Node 3 was not listed, so it joins the group of unlisted nodes.
        assert!(!network.is_up(3, 0));
        assert!(!network.is_up(3, 2));
        assert!(network.is_up(3, 4));
    }

    #[test]
    fn healing_a_link_inside_a_partition_brings_that_direction_back() {
        let mut network = Network::default();
        network.partition(&[vec![0], vec![1]]);
        network.heal_link(0, 1);
        assert!(network.is_up(0, 1));
        assert!(!network.is_up(1, 0));
        network.cut_link(0, 1);
        assert!(!network.is_up(0, 1));
    }

    #[test]
    fn heal_all_removes_every_fault_but_keeps_link_settings() {
        let mut network = Network::default();
        let slow = LinkConfig {
            latency: Latency::Fixed { ms: 50.0 },
            ..LinkConfig::default()
        };
        network.set_link(0, 1, slow.clone());
        network.isolate(0);
        network.cut_link(2, 3);
        network.partition(&[vec![4]]);
        network.heal_all();
        assert!(!network.has_faults());
        assert!(network.is_up(0, 1) && network.is_up(2, 3) && network.is_up(4, 5));
        assert_eq!(network.link(0, 1), &slow);
    }

    #[test]
    fn a_lossy_link_loses_about_its_loss_probability() {
        let network = Network::new(LinkConfig {
            loss_probability: 0.3,
            ..LinkConfig::default()
        });
        let mut rng = SimRng::new(1);
        let lost = (0..10_000)
            .filter(|_| network.transmit(0, 1, &mut rng) == Transmission::Lost)
            .count();
        assert!((2_700..3_300).contains(&lost), "{lost}");
    }

    #[test]
    fn latency_samples_stay_within_the_configured_range() {
        let mut rng = SimRng::new(2);
        let uniform = Latency::Uniform {
            min_ms: 1.0,
            max_ms: 2.5,
        };
        for _ in 0..1_000 {
            assert!((1_000..=2_500).contains(&uniform.sample(&mut rng)));
        }
        assert_eq!(Latency::Fixed { ms: 0.25 }.sample(&mut rng), 250);
    }

    #[test]
    fn normal_latency_centres_on_its_mean() {
        let mut rng = SimRng::new(3);
        let normal = Latency::Normal {
            mean_ms: 10.0,
            std_dev_ms: 2.0,
        };
        let total: u64 = (0..10_000).map(|_| normal.sample(&mut rng)).sum();
        let mean = total / 10_000;
        assert!((9_800..10_200).contains(&mean), "{mean}");
    }

    #[test]
    fn latency_validation_names_the_field() {
        let error = Latency::Uniform {
            min_ms: 5.0,
            max_ms: 1.0,
        }
        .validate("network.latency")
        .unwrap_err();
        assert_eq!(error.0, "network.latency.max_ms");
        let error = LinkConfig {
            loss_probability: 1.5,
            ..LinkConfig::default()
        }
        .validate("network")
        .unwrap_err();
        assert_eq!(error.0, "network.loss_probability");
        assert_eq!(error.1, "must be between 0 and 1, got 1.5");
    }
}
