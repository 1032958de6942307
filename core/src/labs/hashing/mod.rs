//! # The consistent hashing lab
//!
//! A partitioned store must decide which node holds each key, and must keep deciding
//! as nodes join, leave and crash. This lab puts the classic answers side by side on
//! the same keys and the same hash function ([`hash`]: xxHash64), so a learner sees on
//! real numbers what each one trades:
//!
//! - **Modulo-N** (`hash mod N`): perfectly simple, but adding the (N+1)-th node moves
//!   about N/(N+1) of all keys, because almost every key's remainder changes.
//! - **Ring** (Karger et al., 1997): nodes and keys hash onto a circle of 2^64 points;
//!   a key belongs to the first node token clockwise from it. Adding a node moves only
//!   the keys on the arcs the new tokens take over, about 1/(N+1). With one token per
//!   node the arcs are very uneven; virtual nodes (many tokens per node, as in Dynamo)
//!   even out the load, and a node's weight is its number of tokens.
//! - **Rendezvous**, or highest random weight (Thaler and Ravishankar, 1998): every node
//!   scores every key and the highest score wins. Minimal movement and even load with no
//!   tokens at all, at the price of N hashes per lookup.
//! - **Jump consistent hash** (Lamping and Veach, 2014): a few arithmetic steps map a key
//!   to one of N numbered buckets, with perfect balance and no memory, but buckets can
//!   only be added or removed at the end: removing a middle node renumbers the others.
//! - **Maglev** (Eisenbud et al., NSDI 2016): each node fills a lookup table of prime
//!   size M from its own permutation, taking turns, so lookups are one table read and
//!   nodes get almost exactly M/N entries; the price is a little more movement than ideal.
//! - **Bounded loads** (Mirrokni, Thorup and Zadimoghaddam, 2018): the ring, but a node
//!   refuses keys once it holds `ceil((1 + epsilon) * keys / nodes)`, and the key walks on
//!   clockwise. No node exceeds the cap, at the price of some extra movement.
//!
//! Replication follows Dynamo: a key's preference list is the first N distinct nodes met
//! walking clockwise from it on the ring. Under bounded loads the list starts with the
//! owner the capped walk chose and continues clockwise from that owner's token.
//!
//! Everything here is pure and deterministic: the same parameters and seed give the
//! same keys, placements, moves and metrics on every platform. [`HashingLab`] is the
//! state the playground renders; [`HashingScenario`] and [`report`] are the JSON
//! scenario and report the command-line tool runs, and [`presets`] embeds the scenarios
//! of `core/scenarios/hashing/`.

pub mod bounded;
pub mod hash;
pub mod jump;
pub mod lab;
pub mod maglev;
pub mod membership;
pub mod metrics;
pub mod modulo;
#[cfg(test)]
mod properties;
pub mod rendezvous;
pub mod ring;
pub mod scenario;
pub mod scheme;
pub mod state;
pub mod workload;

pub use bounded::BoundedLoads;
pub use jump::{Jump, jump_consistent_hash};
pub use maglev::Maglev;
pub use membership::{Change, Member, Membership};
pub use metrics::{
    ChangeMetrics, ComparisonRow, LoadSummary, MovedKey, NodeLoad, PlacementSpread, change_note,
    compare_schemes, load_summary, moved_keys, placement_spread,
};
pub use modulo::Modulo;
pub use rendezvous::Rendezvous;
pub use ring::Ring;
pub use scenario::{
    ChangeReport, HashingParams, HashingReport, HashingScenario, MovedExample, PLAYGROUND_NAME,
    is_hashing_scenario, parse_scenario, report, report_from_json,
};
pub use scheme::{LookupCost, Scheme, SchemeConfig, SchemeKind, build_scheme};
pub use state::{HashingLab, KeyDot, KeyWalk, LastChange, RingArc, RingToken, RingView};
pub use workload::{KeySet, Workload, ZipfParams};

/// The most live nodes a lab or scenario may have at once.
pub const NODES_MAX: usize = 4_096;
/// The largest weight a node may have (a ring node gets `vnodes * weight` tokens).
pub const WEIGHT_MAX: u32 = 1_000;
/// The most virtual nodes (tokens per unit of weight) a ring may give a node.
pub const VNODES_MAX: u32 = 1_000;
/// The most tokens a ring may hold in total, which bounds its memory and build time.
pub const TOKENS_MAX: u64 = 4_000_000;
/// The most keys a workload may hold (generated and typed together).
pub const KEYS_MAX: usize = 1_000_000;
