//! The balancing policies as pure functions of what a balancer knows.
//!
//! Each function takes the healthy servers as [`Candidate`]s (the balancer's own view
//! of them: weight, load estimate, smoothed response time) plus whatever small
//! state the policy keeps, and returns the index of the chosen candidate, or `None`
//! when there is no candidate. None of them looks at a server's true queue: a
//! balancer only knows what it sent, what came back and what health checks said.

use serde::{Deserialize, Serialize};

use super::random::{Stream, mix};
use crate::protocol::NodeId;

/// How a balancer picks a server for each request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", deny_unknown_fields)]
pub enum Policy {
    /// Each server in turn, ignoring weights and load.
    #[default]
    RoundRobin,
    /// nginx's smooth weighted round robin: each server in proportion to its weight,
    /// interleaved rather than in bursts.
    WeightedRoundRobin,
    /// The server with the fewest requests outstanding (by the balancer's load view).
    LeastConnections,
    /// The server with the lowest smoothed response time times (outstanding + 1).
    LeastResponseTime,
    /// Rendezvous (highest random weight) hashing of the request's key: a key stays on
    /// one server while the set of servers is stable, and when a server leaves only
    /// the keys it held move.
    ConsistentHash,
    /// Two servers drawn at random; the less loaded one wins.
    PowerOfTwoChoices,
    /// A server drawn uniformly at random (the baseline).
    Random,
}

// Written by hand rather than derived, for a smaller browser build; the format and
// messages are the derive's (see `crate::tagged_enum`, whose tests compare the two).
impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const POLICIES: [Policy; 7] = [
            Policy::RoundRobin,
            Policy::WeightedRoundRobin,
            Policy::LeastConnections,
            Policy::LeastResponseTime,
            Policy::ConsistentHash,
            Policy::PowerOfTwoChoices,
            Policy::Random,
        ];
        let tagged = crate::tagged_enum::Tagged::read(
            deserializer,
            "type",
            POLICY_TYPES,
            "internally tagged enum Policy",
        )?;
        let policy = POLICIES[tagged.variant.min(POLICIES.len() - 1)];
        tagged.unit()?;
        Ok(policy)
    }
}

impl Policy {
    /// The policy's name as scenarios spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Policy::RoundRobin => "round_robin",
            Policy::WeightedRoundRobin => "weighted_round_robin",
            Policy::LeastConnections => "least_connections",
            Policy::LeastResponseTime => "least_response_time",
            Policy::ConsistentHash => "consistent_hash",
            Policy::PowerOfTwoChoices => "power_of_two_choices",
            Policy::Random => "random",
        }
    }
}

/// A healthy server as one balancer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The server's node.
    pub server: NodeId,
    /// Its configured weight (at least 1).
    pub weight: u32,
    /// The balancer's estimate of the requests the server has in hand.
    pub load: u32,
    /// The balancer's smoothed observed response time, in microseconds (0 before the
    /// first response).
    pub response_time_us: u64,
}

/// Round robin: the candidate after the previous one. `cursor` counts the choices
/// made; the `n`-th choice among `count` candidates is `n mod count`, so over any
/// `k * count` consecutive choices of a stable set every candidate is chosen exactly
/// `k` times.
pub fn round_robin(cursor: &mut u64, count: usize) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let index = (*cursor % count as u64) as usize;
    *cursor = cursor.wrapping_add(1);
    Some(index)
}

/// Smooth weighted round robin (nginx, `ngx_http_upstream_get_peer`): every candidate's
/// current weight grows by its weight, the largest current weight wins (the first on
/// ties), and the winner's current weight drops by the total. `current` holds one
/// current weight per candidate and must be as long as `weights`.
pub fn smooth_weighted_round_robin(weights: &[u32], current: &mut [i64]) -> Option<usize> {
    if weights.is_empty() || weights.len() != current.len() {
        return None;
    }
    let mut total: i64 = 0;
    for (&weight, current) in weights.iter().zip(current.iter_mut()) {
        let weight = i64::from(weight.max(1));
        *current += weight;
        total += weight;
    }
    let chosen = (1..current.len()).fold(0, |best, index| {
        if current[index] > current[best] {
            index
        } else {
            best
        }
    });
    current[chosen] -= total;
    Some(chosen)
}

/// The index that no other beats under `better`, ties going to the first at or
/// after `start` (cyclically), so that balancers do not all favour the
/// lowest-numbered server.
fn best_from(count: usize, start: usize, better: impl Fn(usize, usize) -> bool) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let mut best = start % count;
    for offset in 1..count {
        let index = (start + offset) % count;
        if better(index, best) {
            best = index;
        }
    }
    Some(best)
}

/// Least connections: the smallest load per unit of weight, compared exactly as
/// `load_a * weight_b < load_b * weight_a`. Ties go to the first candidate at or
/// after `start`.
pub fn least_connections(candidates: &[Candidate], start: usize) -> Option<usize> {
    best_from(candidates.len(), start, |a, b| {
        let (a, b) = (candidates[a], candidates[b]);
        u64::from(a.load) * u64::from(b.weight.max(1))
            < u64::from(b.load) * u64::from(a.weight.max(1))
    })
}

/// Least response time: the smallest `response_time_us * (load + 1)`, the expected
/// wait if requests ahead are served one after another. A server with no response
/// yet counts as taking 1 µs, so new servers are tried first. Ties go to the first
/// candidate at or after `start`.
pub fn least_response_time(candidates: &[Candidate], start: usize) -> Option<usize> {
    let score = |candidate: Candidate| {
        u128::from(candidate.response_time_us.max(1)) * (u128::from(candidate.load) + 1)
    };
    best_from(candidates.len(), start, |a, b| {
        score(candidates[a]) < score(candidates[b])
    })
}

/// Rendezvous hashing: every candidate scores `mix(key, server)`, the highest wins.
/// The choice depends only on the key and the set of servers, not on their order.
pub fn consistent_hash(key: u32, candidates: &[Candidate]) -> Option<usize> {
    let score = |candidate: &Candidate| {
        mix(u64::from(key).wrapping_mul(0x1000_0000_01B3) ^ mix(u64::from(candidate.server)))
    };
    (0..candidates.len()).max_by_key(|&index| (score(&candidates[index]), candidates[index].server))
}

/// Power of two random choices (Mitzenmacher): draw two different candidates, send to
/// the one with the smaller load (the first drawn on ties).
pub fn power_of_two_choices(candidates: &[Candidate], random: &mut Stream) -> Option<usize> {
    match candidates.len() {
        0 => None,
        1 => Some(0),
        count => {
            let first = random.below(count as u64) as usize;
            let mut second = random.below(count as u64 - 1) as usize;
            if second >= first {
                second += 1;
            }
            if candidates[second].load < candidates[first].load {
                Some(second)
            } else {
                Some(first)
            }
        }
    }
}

/// A candidate drawn uniformly at random.
pub fn random(count: usize, random: &mut Stream) -> Option<usize> {
    if count == 0 {
        None
    } else {
        Some(random.below(count as u64) as usize)
    }
}

/// The `type` of each `Policy` in scenario JSON, in declaration order.
pub(crate) const POLICY_TYPES: &[&str] = &[
    "round_robin",
    "weighted_round_robin",
    "least_connections",
    "least_response_time",
    "consistent_hash",
    "power_of_two_choices",
    "random",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(loads: &[u32]) -> Vec<Candidate> {
        loads
            .iter()
            .enumerate()
            .map(|(index, &load)| Candidate {
                server: index as NodeId,
                weight: 1,
                load,
                response_time_us: 0,
            })
            .collect()
    }

    #[test]
    fn round_robin_spreads_requests_exactly_evenly() {
        let mut cursor = 0;
        let mut counts = [0u32; 7];
        for _ in 0..7 * 1_000 {
            let index = round_robin(&mut cursor, counts.len()).expect("seven servers");
            counts[index] += 1;
        }
        assert_eq!(counts, [1_000; 7]);
    }

    #[test]
    fn smooth_weighted_round_robin_for_weights_five_one_one_gives_a_a_b_a_c_a_a() {
        // The sequence nginx documents for weights { a: 5, b: 1, c: 1 }.
        let weights = [5, 1, 1];
        let mut current = [0i64; 3];
        let sequence: String = (0..7)
            .map(|_| {
                let index = smooth_weighted_round_robin(&weights, &mut current).expect("three");
                ['a', 'b', 'c'][index]
            })
            .collect();
        assert_eq!(sequence, "aabacaa");
        assert_eq!(current, [0, 0, 0], "the cycle returns to its start");
    }

    #[test]
    fn smooth_weighted_round_robin_serves_each_server_in_proportion_to_its_weight() {
        let weights = [3, 2, 7, 1];
        let mut current = [0i64; 4];
        let mut counts = [0u32; 4];
        for _ in 0..13 * 50 {
            counts[smooth_weighted_round_robin(&weights, &mut current).expect("four")] += 1;
        }
        assert_eq!(counts, [150, 100, 350, 50]);
    }

    #[test]
    fn least_connections_picks_the_smallest_load_and_breaks_ties_from_the_start() {
        let servers = candidates(&[3, 1, 4, 1]);
        assert_eq!(least_connections(&servers, 0), Some(1));
        assert_eq!(least_connections(&servers, 2), Some(3));
    }

    #[test]
    fn least_connections_divides_load_by_weight() {
        let mut servers = candidates(&[4, 3]);
        servers[0].weight = 2;
        // 4 / 2 = 2 is less than 3 / 1.
        assert_eq!(least_connections(&servers, 1), Some(0));
    }

    #[test]
    fn least_response_time_avoids_a_slow_server_until_the_others_queue_up() {
        let mut servers = candidates(&[0, 0]);
        servers[0].response_time_us = 10_000;
        servers[1].response_time_us = 40_000;
        assert_eq!(least_response_time(&servers, 0), Some(0));
        servers[0].load = 4;
        assert_eq!(least_response_time(&servers, 0), Some(1));
    }

    #[test]
    fn consistent_hash_sends_a_key_to_one_server_while_the_set_is_stable() {
        let servers = candidates(&[0, 5, 2, 9, 1]);
        for key in 0..200 {
            let first = consistent_hash(key, &servers);
            for _ in 0..5 {
                assert_eq!(consistent_hash(key, &servers), first, "key {key}");
            }
        }
    }

    #[test]
    fn consistent_hash_moves_only_the_keys_of_a_server_that_leaves() {
        let servers = candidates(&[0; 5]);
        let remaining: Vec<Candidate> = servers
            .iter()
            .copied()
            .filter(|candidate| candidate.server != 2)
            .collect();
        let mut moved = 0;
        for key in 0..1_000 {
            let before = servers[consistent_hash(key, &servers).expect("five")].server;
            let after = remaining[consistent_hash(key, &remaining).expect("four")].server;
            if before != 2 {
                assert_eq!(before, after, "key {key} moved although its server stayed");
            } else {
                moved += 1;
            }
        }
        // About a fifth of the keys lived on server 2.
        assert!((150..=250).contains(&moved), "{moved}");
    }

    /// Throws `count` balls into `count` empty bins with `choose` and returns the
    /// fullest bin's count.
    fn maximum_load(count: usize, seed: u64, two_choices: bool) -> u32 {
        let mut bins = candidates(&vec![0; count]);
        let mut stream = Stream::for_node(seed, 0);
        for _ in 0..count {
            let index = if two_choices {
                power_of_two_choices(&bins, &mut stream)
            } else {
                random(bins.len(), &mut stream)
            }
            .expect("bins exist");
            bins[index].load += 1;
        }
        bins.iter().map(|bin| bin.load).max().unwrap_or(0)
    }

    #[test]
    fn power_of_two_choices_gives_a_lower_maximum_load_than_random_choice() {
        // Azar, Broder, Karlin and Upfal: n balls into n bins reach a maximum load of
        // about ln n / ln ln n with one random choice but ln ln n / ln 2 + O(1) with
        // the lesser of two. For n = 1000 that is about 5.4 against 3.3.
        let seeds = 100;
        let count = 1_000;
        let mut random_total = 0;
        let mut two_total = 0;
        for seed in 0..seeds {
            let one = maximum_load(count, seed, false);
            let two = maximum_load(count, seed, true);
            assert!(two <= one, "seed {seed}: two choices {two} > random {one}");
            random_total += one;
            two_total += two;
        }
        assert!(
            two_total * 4 < random_total * 3,
            "mean maximum load: two choices {two_total}/{seeds}, random {random_total}/{seeds}"
        );
    }

    #[test]
    fn every_policy_returns_none_without_candidates() {
        let mut stream = Stream::for_node(0, 0);
        let mut cursor = 0;
        assert_eq!(round_robin(&mut cursor, 0), None);
        assert_eq!(smooth_weighted_round_robin(&[], &mut []), None);
        assert_eq!(least_connections(&[], 0), None);
        assert_eq!(least_response_time(&[], 0), None);
        assert_eq!(consistent_hash(1, &[]), None);
        assert_eq!(power_of_two_choices(&[], &mut stream), None);
        assert_eq!(random(0, &mut stream), None);
    }
}
