//! Properties every scheme must hold exactly, checked on many clusters and key sets.
//! The case count follows `PROPTEST_CASES` when set, and is kept small otherwise so the
//! whole core suite stays fast in debug builds.

use proptest::prelude::*;

use super::hash::hash_u64;
use super::membership::Member;
use super::metrics::moved_keys;
use super::scheme::{Scheme, SchemeConfig, SchemeKind, build_scheme};
use super::{BoundedLoads, Maglev, Ring};
use crate::protocol::NodeId;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(24)
}

fn members(count: u32) -> Vec<Member> {
    (0..count).map(Member::new).collect()
}

fn key_hashes(count: u64, seed: u64) -> Vec<u64> {
    (0..count).map(|key| hash_u64(key, seed)).collect()
}

fn assign(
    kind: SchemeKind,
    members: &[Member],
    config: &SchemeConfig,
    keys: &[u64],
) -> Vec<NodeId> {
    build_scheme(kind, members, config).unwrap().assign(keys)
}

#[test]
fn adding_a_node_to_modulo_moves_about_n_over_n_plus_one_of_the_keys() {
    // Growing from n to n + 1 buckets keeps a key only when hash mod n equals
    // hash mod (n + 1), about 1/(n + 1) of keys: so about n/(n + 1) move. With 100,000
    // keys the binomial standard deviation is under 0.1%; the tolerance is 1%.
    let keys = key_hashes(100_000, 11);
    let config = SchemeConfig::default();
    for nodes in [2u32, 5, 10, 50] {
        let before = assign(SchemeKind::Modulo, &members(nodes), &config, &keys);
        let after = assign(SchemeKind::Modulo, &members(nodes + 1), &config, &keys);
        let moved = moved_keys(&before, &after).len() as f64 / keys.len() as f64;
        let expected = f64::from(nodes) / f64::from(nodes + 1);
        assert!(
            (moved - expected).abs() < 0.01,
            "{nodes} -> {} nodes moved {moved}, expected about {expected}",
            nodes + 1
        );
    }
}

#[test]
fn jump_moves_about_one_over_n_plus_one_of_the_keys_and_all_to_the_new_node() {
    // Lamping and Veach, section 2: with b + 1 buckets a key moves with probability
    // 1/(b + 1), and only into the new bucket.
    let keys = key_hashes(100_000, 12);
    let config = SchemeConfig::default();
    let before = assign(SchemeKind::Jump, &members(10), &config, &keys);
    let after = assign(SchemeKind::Jump, &members(11), &config, &keys);
    let moved = moved_keys(&before, &after);
    assert!(moved.iter().all(|key| key.to == 10));
    let fraction = moved.len() as f64 / keys.len() as f64;
    assert!((fraction - 1.0 / 11.0).abs() < 0.01, "moved {fraction}");
}

#[test]
fn one_hundred_virtual_nodes_balance_better_than_one() {
    // Dynamo, section 6.2, and Karger et al.: many tokens per node shrink the spread.
    let keys = key_hashes(100_000, 13);
    let spread = |vnodes: u32| {
        let config = SchemeConfig {
            vnodes,
            ..SchemeConfig::default()
        };
        let owners = assign(SchemeKind::Ring, &members(10), &config, &keys);
        (0..10)
            .map(|node| owners.iter().filter(|&&owner| owner == node).count())
            .max()
            .unwrap() as f64
            / 10_000.0
    };
    let one = spread(1);
    let hundred = spread(100);
    assert!(hundred < 1.25, "max/mean with 100 vnodes: {hundred}");
    assert!(one > hundred, "1 vnode {one} vs 100 vnodes {hundred}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn ring_jump_and_rendezvous_move_keys_only_to_an_added_node(
        nodes in 1u32..30,
        vnodes in 1u32..40,
        seed in any::<u64>(),
    ) {
        let config = SchemeConfig { vnodes, ..SchemeConfig::default() };
        let keys = key_hashes(2_000, seed);
        let before_members = members(nodes);
        let after_members = members(nodes + 1);
        for kind in [SchemeKind::Ring, SchemeKind::Jump, SchemeKind::Rendezvous] {
            let before = assign(kind, &before_members, &config, &keys);
            let after = assign(kind, &after_members, &config, &keys);
            for moved in moved_keys(&before, &after) {
                prop_assert_eq!(moved.to, nodes, "{:?} moved key {} elsewhere", kind, moved.key);
            }
        }
    }

    #[test]
    fn ring_and_rendezvous_move_only_a_removed_node_s_keys(
        nodes in 2u32..30,
        removed in any::<prop::sample::Index>(),
        seed in any::<u64>(),
    ) {
        let before_members = members(nodes);
        let removed = removed.index(nodes as usize) as NodeId;
        let after_members: Vec<Member> =
            before_members.iter().copied().filter(|m| m.node != removed).collect();
        let config = SchemeConfig { vnodes: 20, ..SchemeConfig::default() };
        let keys = key_hashes(2_000, seed);
        for kind in [SchemeKind::Ring, SchemeKind::Rendezvous] {
            let before = assign(kind, &before_members, &config, &keys);
            let after = assign(kind, &after_members, &config, &keys);
            for moved in moved_keys(&before, &after) {
                prop_assert_eq!(moved.from, removed);
            }
        }
    }

    #[test]
    fn bounded_loads_never_exceed_the_cap(
        nodes in 1u32..25,
        vnodes in 1u32..20,
        epsilon in 0.0f64..2.0,
        key_count in 0u64..3_000,
        seed in any::<u64>(),
    ) {
        // Mirrokni et al., section 2: no bin ever receives more than its capacity.
        let config = SchemeConfig { vnodes, load_epsilon: epsilon, ..SchemeConfig::default() };
        let scheme = BoundedLoads::build(&members(nodes), &config).unwrap();
        let keys = key_hashes(key_count, seed);
        let owners = scheme.assign(&keys);
        let caps = scheme.caps(keys.len());
        let equal_cap = ((1.0 + epsilon) * key_count as f64 / f64::from(nodes)).ceil() as u64;
        for (slot, member) in members(nodes).iter().enumerate() {
            prop_assert_eq!(caps[slot], equal_cap);
            let load = owners.iter().filter(|&&owner| owner == member.node).count() as u64;
            prop_assert!(load <= caps[slot], "node {} holds {} over cap {}", member.node, load, caps[slot]);
        }
    }

    #[test]
    fn preference_lists_hold_n_distinct_live_nodes(
        nodes in 1u32..20,
        vnodes in 1u32..30,
        replicas in 1usize..8,
        key in any::<u64>(),
    ) {
        // DeCandia et al., section 4.3: the list holds N distinct physical nodes (all of
        // them when fewer than N are live), owner first.
        let config = SchemeConfig { vnodes, ..SchemeConfig::default() };
        let cluster = members(nodes);
        for kind in [SchemeKind::Ring, SchemeKind::Rendezvous, SchemeKind::BoundedLoads] {
            let scheme = build_scheme(kind, &cluster, &config).unwrap();
            let list = scheme.replicas(key, replicas).unwrap();
            prop_assert_eq!(list.len(), replicas.min(nodes as usize));
            let mut sorted = list.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), list.len());
            prop_assert!(list.iter().all(|node| *node < nodes));
            prop_assert_eq!(list[0], scheme.lookup(key));
        }
        let ring = Ring::build(&cluster, &config).unwrap();
        let (visited, owners) = ring.walk(key, replicas);
        prop_assert!(visited.len() <= ring.positions().len());
        prop_assert_eq!(owners.last().copied(), visited.last().map(|&index| ring.owners()[index]));
    }

    #[test]
    fn bounded_loads_preference_lists_start_with_the_placed_owner_and_hold_n_distinct_nodes(
        nodes in 1u32..20,
        vnodes in 1u32..8,
        epsilon in 0.0f64..1.0,
        replicas in 1usize..8,
        key_count in 1u64..1_500,
        seed in any::<u64>(),
    ) {
        // The list is the owner the capped walk chose, then the ring's next distinct nodes
        // clockwise from the owner's token (DeCandia et al., section 4.3, started where
        // Mirrokni et al.'s walk stopped).
        let config = SchemeConfig { vnodes, load_epsilon: epsilon, ..SchemeConfig::default() };
        let scheme = BoundedLoads::build(&members(nodes), &config).unwrap();
        let ring = scheme.ring();
        let keys = key_hashes(key_count, seed);
        let owners = scheme.assign(&keys);
        for (&key, &owner) in keys.iter().zip(&owners) {
            let (visited, list) = scheme.walk(key, owner, replicas);
            prop_assert_eq!(list[0], owner, "key {:x}", key);
            prop_assert_eq!(list.len(), replicas.min(nodes as usize));
            let mut sorted = list.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), list.len(), "repeated node in {:?}", list);
            let owner_token = visited
                .iter()
                .copied()
                .find(|&index| ring.owners()[index] == owner)
                .unwrap();
            prop_assert_eq!(&ring.walk(ring.positions()[owner_token], replicas).1, &list);
            prop_assert_eq!(scheme.preference_list(key, owner, replicas), list);
        }
    }

    #[test]
    fn maglev_gives_equal_nodes_floor_or_ceil_of_m_over_n_entries(
        nodes in 1u32..60,
        size in prop::sample::select(vec![61u64, 251, 1_009, 4_099, 65_537]),
        first_id in 0u32..1_000,
    ) {
        // Eisenbud et al., section 3.4: turns alternate, so counts differ by at most one.
        prop_assume!(size >= u64::from(nodes));
        let cluster: Vec<Member> = (0..nodes).map(|index| Member::new(first_id + index * 7)).collect();
        let config = SchemeConfig { maglev_table_size: Some(size), ..SchemeConfig::default() };
        let maglev = Maglev::build(&cluster, &config).unwrap();
        let floor = size / u64::from(nodes);
        let ceil = size.div_ceil(u64::from(nodes));
        let entries = maglev.entries_per_node();
        prop_assert_eq!(entries.len(), nodes as usize);
        for (_, count) in entries {
            prop_assert!(count == floor || count == ceil);
        }
    }
}
