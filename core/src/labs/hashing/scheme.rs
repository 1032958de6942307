//! The interface every placement scheme implements, and how to build one by name.

use serde::{Deserialize, Serialize};

use super::membership::{Member, validate_members};
use super::{BoundedLoads, Jump, Maglev, Modulo, Rendezvous, Ring, TOKENS_MAX, VNODES_MAX};
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// The schemes of the lab, in the order the comparison table lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemeKind {
    /// `hash mod N` over the live nodes.
    Modulo,
    /// The ring with virtual nodes (Karger et al.; Dynamo).
    Ring,
    /// Highest random weight (Thaler and Ravishankar).
    Rendezvous,
    /// Jump consistent hash (Lamping and Veach).
    Jump,
    /// Maglev's lookup table (Eisenbud et al.).
    Maglev,
    /// The ring with bounded loads (Mirrokni, Thorup and Zadimoghaddam).
    BoundedLoads,
}

impl SchemeKind {
    /// Every scheme, in table order.
    pub const ALL: [SchemeKind; 6] = [
        SchemeKind::Modulo,
        SchemeKind::Ring,
        SchemeKind::Rendezvous,
        SchemeKind::Jump,
        SchemeKind::Maglev,
        SchemeKind::BoundedLoads,
    ];

    /// The name used in JSON and tables, e.g. `"bounded_loads"`.
    pub fn name(self) -> &'static str {
        match self {
            SchemeKind::Modulo => "modulo",
            SchemeKind::Ring => "ring",
            SchemeKind::Rendezvous => "rendezvous",
            SchemeKind::Jump => "jump",
            SchemeKind::Maglev => "maglev",
            SchemeKind::BoundedLoads => "bounded_loads",
        }
    }
}

/// The knobs the schemes share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchemeConfig {
    /// Ring tokens per unit of weight (the ring and bounded loads), 1 to [`VNODES_MAX`].
    pub vnodes: u32,
    /// Maglev's table size M, a prime at least the number of live nodes; `None` (the
    /// default) lets the lab choose it for the cluster with [`maglev_table_size_for`].
    /// A lab or scenario chooses it once, when it is set up, and keeps it through every
    /// membership change: a table of another size sends almost every key elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maglev_table_size: Option<u64>,
    /// Bounded loads' epsilon: no node holds more than `ceil((1 + epsilon) * keys / n)`
    /// keys (weighted by its share). From 0 to 10; the paper's examples use 0.25.
    pub load_epsilon: f64,
}

/// The smallest Maglev table chosen: 65,537, the prime of the Maglev paper's evaluation
/// of small clusters, enough for up to 655 nodes (see [`maglev_table_size_for`]).
pub const MAGLEV_TABLE_SIZE_DEFAULT: u64 = 65_537;
/// How many table slots per node Maglev's table should have at least: Eisenbud et al.
/// (section 3.4) keep M larger than 100 N so that the nodes' shares of the table differ
/// by at most about 1%.
pub const MAGLEV_SLOTS_PER_NODE_MIN: u64 = 100;
/// The largest Maglev table allowed, which bounds memory to a few megabytes.
pub const MAGLEV_TABLE_SIZE_MAX: u64 = 1_000_003;
/// The largest bounded-loads epsilon allowed.
pub const LOAD_EPSILON_MAX: f64 = 10.0;

impl Default for SchemeConfig {
    fn default() -> Self {
        Self {
            vnodes: 100,
            maglev_table_size: None,
            load_epsilon: 0.25,
        }
    }
}

impl SchemeConfig {
    /// Checks every field; `prefix` is prepended to field names in errors (e.g.
    /// `"params."`).
    pub fn validate(&self, prefix: &str) -> Result<(), ScenarioError> {
        if self.vnodes == 0 || self.vnodes > VNODES_MAX {
            return Err(ScenarioError::at(
                format!("{prefix}vnodes"),
                format!("must be between 1 and {VNODES_MAX}, got {}", self.vnodes),
            ));
        }
        if let Some(size) = self.maglev_table_size
            && (!(2..=MAGLEV_TABLE_SIZE_MAX).contains(&size) || !is_prime(size))
        {
            return Err(ScenarioError::at(
                format!("{prefix}maglev_table_size"),
                format!(
                    "must be a prime between 2 and {MAGLEV_TABLE_SIZE_MAX} (left out, it is \
                     the smallest prime at least {MAGLEV_TABLE_SIZE_DEFAULT} and 100 times \
                     the nodes), got {size}"
                ),
            ));
        }
        if !(self.load_epsilon.is_finite() && (0.0..=LOAD_EPSILON_MAX).contains(&self.load_epsilon))
        {
            return Err(ScenarioError::at(
                format!("{prefix}load_epsilon"),
                format!(
                    "must be between 0 and {LOAD_EPSILON_MAX}, got {}",
                    self.load_epsilon
                ),
            ));
        }
        Ok(())
    }
}

impl SchemeConfig {
    /// This configuration with Maglev's table size chosen for a cluster of `nodes` when
    /// none was given ([`maglev_table_size_for`]); a size given is kept.
    pub fn with_maglev_table_for(mut self, nodes: usize) -> Self {
        if self.maglev_table_size.is_none() {
            self.maglev_table_size = Some(maglev_table_size_for(nodes));
        }
        self
    }

    /// The Maglev table size for `nodes` live nodes: the one given, or else
    /// [`maglev_table_size_for`] of `nodes`.
    pub fn maglev_table_size_or_for(&self, nodes: usize) -> u64 {
        self.maglev_table_size
            .unwrap_or_else(|| maglev_table_size_for(nodes))
    }
}

/// The Maglev table size for a cluster of `nodes`: the smallest prime at least
/// [`MAGLEV_TABLE_SIZE_DEFAULT`] and at least [`MAGLEV_SLOTS_PER_NODE_MIN`] slots per node.
///
/// Eisenbud et al. ask for a prime M larger than 100 N (section 3.4) and evaluate 65,537
/// and 655,373 (section 5.3). A fixed 65,537 holds that only up to 655 nodes; at the lab's
/// 4,096 nodes it would give 16 slots per node, and each node's share of the keys would
/// be one of only a few values. 100 N itself is never prime, so the size is above it.
pub fn maglev_table_size_for(nodes: usize) -> u64 {
    let mut size = (nodes as u64 * MAGLEV_SLOTS_PER_NODE_MIN).max(MAGLEV_TABLE_SIZE_DEFAULT);
    // Primes are dense (one in about 13 numbers near a million), so this ends quickly.
    while !is_prime(size) {
        size += 1;
    }
    size
}

/// Whether `number` is prime, by trial division (numbers here are at most about 10^6).
pub fn is_prime(number: u64) -> bool {
    if number < 2 {
        return false;
    }
    let mut divisor = 2u64;
    while divisor * divisor <= number {
        if number.is_multiple_of(divisor) {
            return false;
        }
        divisor += 1;
    }
    true
}

/// What one lookup costs under a scheme at its current size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookupCost {
    /// The growth rate, e.g. `"O(log T)"`.
    pub complexity: String,
    /// About how many basic steps one lookup takes now (comparisons, hashes, jumps or
    /// table reads).
    pub steps: f64,
    /// How many entries the scheme keeps in memory (tokens, table slots, buckets).
    pub memory_entries: u64,
    /// A sentence for the table, e.g. `"binary search over 1000 tokens"`.
    pub description: String,
}

/// A placement scheme: built from the live members, it maps a key's 64-bit hash to a
/// node.
pub trait Scheme {
    /// Builds the scheme for `members` (in join order). Fails, naming the field, if the
    /// members or the configuration are out of range.
    fn build(members: &[Member], config: &SchemeConfig) -> Result<Self, ScenarioError>
    where
        Self: Sized;

    /// Which scheme this is.
    fn kind(&self) -> SchemeKind;

    /// The scheme's name, as in [`SchemeKind::name`].
    fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The node that owns the key whose hash is `key_hash`.
    fn lookup(&self, key_hash: u64) -> NodeId;

    /// The owners of a whole key set, in order. The default looks each key up; bounded
    /// loads overrides it because a key's owner depends on the keys placed before it.
    fn assign(&self, key_hashes: &[u64]) -> Vec<NodeId> {
        key_hashes.iter().map(|&hash| self.lookup(hash)).collect()
    }

    /// The key's preference list of `count` distinct nodes (fewer if fewer are live),
    /// owner first, or `None` if the scheme has no natural notion of replicas.
    fn replicas(&self, key_hash: u64, count: usize) -> Option<Vec<NodeId>> {
        let _ = (key_hash, count);
        None
    }

    /// What a lookup costs now.
    fn lookup_cost(&self) -> LookupCost;

    /// Each node's exact share of the 2^64 key hashes, from the scheme's structure (the
    /// ring's arcs, Maglev's table), or `None` where only placing keys tells (rendezvous,
    /// bounded loads) or the shares are equal by construction (modulo, jump). Counting
    /// placed keys adds the noise of sampling them to these shares.
    fn hash_space_shares(&self) -> Option<Vec<(NodeId, f64)>> {
        None
    }
}

/// Builds the scheme `kind` for `members`.
pub fn build_scheme(
    kind: SchemeKind,
    members: &[Member],
    config: &SchemeConfig,
) -> Result<Box<dyn Scheme>, ScenarioError> {
    Ok(match kind {
        SchemeKind::Modulo => Box::new(Modulo::build(members, config)?),
        SchemeKind::Ring => Box::new(Ring::build(members, config)?),
        SchemeKind::Rendezvous => Box::new(Rendezvous::build(members, config)?),
        SchemeKind::Jump => Box::new(Jump::build(members, config)?),
        SchemeKind::Maglev => Box::new(Maglev::build(members, config)?),
        SchemeKind::BoundedLoads => Box::new(BoundedLoads::build(members, config)?),
    })
}

/// The checks every scheme's `build` starts with: valid members and configuration.
pub(crate) fn check_inputs(members: &[Member], config: &SchemeConfig) -> Result<(), ScenarioError> {
    validate_members(members, "members")?;
    config.validate("")
}

/// The number of ring tokens `members` need under `config`, refused (naming `vnodes`)
/// above [`TOKENS_MAX`].
pub fn token_count(members: &[Member], config: &SchemeConfig) -> Result<u64, ScenarioError> {
    let tokens: u64 = members
        .iter()
        .map(|member| u64::from(member.weight) * u64::from(config.vnodes))
        .sum();
    if tokens > TOKENS_MAX {
        return Err(ScenarioError::at(
            "vnodes",
            format!(
                "the ring would hold {tokens} tokens (vnodes times total weight); at most \
                 {TOKENS_MAX} are allowed"
            ),
        ));
    }
    Ok(tokens)
}

/// The most rendezvous scores one placement of all keys may compute (keys times live
/// nodes). Rendezvous hashes every node for every key, so this bounds its running time
/// to a few seconds natively and keeps the browser responsive.
pub const RENDEZVOUS_SCORES_MAX: u64 = 1_000_000_000;

/// Refuses, naming `field`, a rendezvous placement of `key_count` keys on `node_count`
/// nodes that would compute more than [`RENDEZVOUS_SCORES_MAX`] scores.
pub fn check_rendezvous_work(
    key_count: usize,
    node_count: usize,
    field: &str,
) -> Result<(), ScenarioError> {
    let scores = key_count as u64 * node_count as u64;
    if scores > RENDEZVOUS_SCORES_MAX {
        return Err(ScenarioError::at(
            field,
            format!(
                "rendezvous would compute {key_count} keys times {node_count} nodes = {scores} \
                 scores; at most {RENDEZVOUS_SCORES_MAX} are allowed (use fewer keys or nodes)"
            ),
        ));
    }
    Ok(())
}

/// The base-2 logarithm of `count` rounded up, at least 1, for step estimates. It
/// uses `libm` so reports are byte-identical on every platform.
pub(crate) fn log2_steps(count: u64) -> f64 {
    libm::ceil(libm::log2(count.max(2) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::hashing::NODES_MAX;

    #[test]
    fn the_default_maglev_table_size_is_prime_and_its_neighbours_are_refused() {
        assert!(is_prime(MAGLEV_TABLE_SIZE_DEFAULT));
        assert!(is_prime(MAGLEV_TABLE_SIZE_MAX));
        let config = SchemeConfig {
            maglev_table_size: Some(65_536),
            ..SchemeConfig::default()
        };
        let error = config.validate("params.").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("params.maglev_table_size: must be a prime")
        );
    }

    #[test]
    fn maglev_s_table_keeps_more_than_one_hundred_slots_per_node_at_every_cluster_size() {
        // Eisenbud et al., section 3.4: M is a prime larger than 100 N.
        assert_eq!(maglev_table_size_for(1), MAGLEV_TABLE_SIZE_DEFAULT);
        assert_eq!(maglev_table_size_for(655), MAGLEV_TABLE_SIZE_DEFAULT);
        let thousand = maglev_table_size_for(1_000);
        assert!(thousand > 100_000, "{thousand}");
        assert!(is_prime(thousand));
        for nodes in [656, 1_000, 2_048, NODES_MAX] {
            let size = maglev_table_size_for(nodes);
            assert!(is_prime(size));
            assert!(size > 100 * nodes as u64, "{size} slots for {nodes} nodes");
            assert!(size <= MAGLEV_TABLE_SIZE_MAX);
            // The smallest such prime: nothing between 100 N and it is prime.
            assert!((100 * nodes as u64..size).all(|number| !is_prime(number)));
        }
    }

    #[test]
    fn a_maglev_table_size_given_is_kept_and_one_left_out_is_chosen_for_the_cluster() {
        let given = SchemeConfig {
            maglev_table_size: Some(251),
            ..SchemeConfig::default()
        };
        assert_eq!(given.clone().with_maglev_table_for(1_000), given);
        let chosen = SchemeConfig::default().with_maglev_table_for(1_000);
        assert_eq!(chosen.maglev_table_size, Some(maglev_table_size_for(1_000)));
    }

    #[test]
    fn an_epsilon_that_is_not_a_finite_number_in_range_is_refused() {
        for epsilon in [-0.1, 10.5, f64::NAN, f64::INFINITY] {
            let config = SchemeConfig {
                load_epsilon: epsilon,
                ..SchemeConfig::default()
            };
            assert!(config.validate("").is_err(), "epsilon {epsilon} accepted");
        }
    }

    #[test]
    fn every_scheme_builds_and_names_itself() {
        let members: Vec<Member> = (0..5).map(Member::new).collect();
        for kind in SchemeKind::ALL {
            let scheme = build_scheme(kind, &members, &SchemeConfig::default()).unwrap();
            assert_eq!(scheme.kind(), kind);
            assert!(members.iter().any(|m| m.node == scheme.lookup(12_345)));
            assert!(!scheme.lookup_cost().description.is_empty());
        }
    }

    #[test]
    fn no_scheme_builds_for_an_empty_cluster() {
        for kind in SchemeKind::ALL {
            assert!(build_scheme(kind, &[], &SchemeConfig::default()).is_err());
        }
    }
}
