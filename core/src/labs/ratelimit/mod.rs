//! The rate limiting lab: six algorithms on the same traffic, and a distributed limiter
//! you can partition.
//!
//! A rate limiter answers one question per request: may this client's request go
//! through now? The classic answers differ in what they remember.
//!
//! - A **token bucket** holds up to `burst` tokens and earns one every refill interval;
//!   a request spends one token or is rejected. It allows a burst after a quiet spell
//!   and the long-run rate of the refill.
//! - A **leaky bucket as a meter** is the same idea seen from the other side: each
//!   admitted request pours one unit of water into a bucket of `burst` units that leaks
//!   one unit per interval. It decides exactly as the token bucket does.
//! - A **leaky bucket as a queue** (a shaper) does not reject early requests, it delays
//!   them: requests wait in a bounded queue and leave one per interval, so the output is
//!   perfectly smooth and the cost is queueing delay.
//! - A **fixed window counter** counts requests per aligned window of the limit's length
//!   and resets at every boundary, so a client can send the whole limit at the end of one
//!   window and again at the start of the next: twice the limit in one window's length.
//! - A **sliding window log** remembers the time of every admitted request of the last
//!   window and is exact: no window of the limit's length ever holds more than the limit.
//!   It pays with memory proportional to the limit.
//! - A **sliding window counter** keeps only two counts (this window and the previous
//!   one) and weighs the previous one by how much of it still overlaps the sliding
//!   window. It is cheap and nearly exact, assuming the previous window's requests were
//!   spread evenly.
//! - **GCRA** (the generic cell rate algorithm of ATM networks, used by production
//!   libraries such as `governor` and redis-cell) stores a single timestamp per client,
//!   the theoretical arrival time of the next request. With matching parameters it
//!   decides every request exactly as the token bucket does, with less state.
//!
//! Every algorithm here works in integer virtual time (microseconds, [`Time`]) and
//! integer arithmetic, so decisions are exact and reproducible; nothing reads a clock.
//! [`compare`] runs one arrival trace through several algorithms side by side,
//! [`traffic`] generates traces from a seed, [`distributed`] spreads one global limit
//! over several nodes that share state through a central counter or periodic
//! synchronization and lets links, the central node and the network fail, [`cluster`]
//! is the same distributed limiter as a [`crate::Protocol`] for the simulation engine
//! (checked to decide exactly as the closed-form model does), [`engine`] registers it
//! as the `ratelimit` lab of the engine, and [`scenario`] reads a JSON scenario and produces the report the CLI prints.

pub mod cluster;
pub mod compare;
pub mod distributed;
pub mod fixed_window;
pub mod gcra;
pub mod lab;
pub mod leaky_bucket;
pub mod scenario;
pub mod sliding_window;
pub mod token_bucket;
pub mod traffic;

#[cfg(test)]
mod properties;

use serde::{Deserialize, Serialize};

pub use crate::protocol::Time;
pub use compare::{AlgorithmKind, AlgorithmMetrics, AlgorithmRun, Comparison, LimitParams};
pub use fixed_window::FixedWindowCounter;
pub use gcra::Gcra;
pub use leaky_bucket::{LeakyBucketMeter, LeakyBucketShaper};
pub use scenario::{RateLimitReport, RateLimitScenario, report};
pub use sliding_window::{SlidingWindowCounter, SlidingWindowLog};
pub use token_bucket::TokenBucket;
pub use traffic::{Arrival, TrafficPattern, TrafficSource};

/// The key a limiter keeps separate state for: one per client (an API key, a user, an
/// address). Small integers, as scenarios number their clients.
pub type ClientKey = u32;

/// The most distinct client keys any one lab run may hold, so that per-key state is
/// bounded.
pub const CLIENT_KEYS_MAX: usize = 1_024;

/// What a limiter decided about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The request goes through now.
    Admit,
    /// The request is refused (HTTP 429).
    Reject,
    /// The request goes through after waiting this many microseconds in a queue
    /// (only the shaper delays).
    Delay(Time),
}

impl Decision {
    /// Whether the request goes through, now or later.
    pub fn is_admitted(self) -> bool {
        !matches!(self, Decision::Reject)
    }

    /// The queueing delay in microseconds (zero unless delayed).
    pub fn delay_us(self) -> Time {
        match self {
            Decision::Delay(delay) => delay,
            Decision::Admit | Decision::Reject => 0,
        }
    }

    /// A short label for tables: `admit`, `reject` or `delay 1.500ms`.
    pub fn label(self) -> String {
        match self {
            Decision::Admit => "admit".to_string(),
            Decision::Reject => "reject".to_string(),
            Decision::Delay(delay) => format!(
                "delay {}.{:03}ms",
                delay / crate::protocol::MICROS_PER_MS,
                delay % crate::protocol::MICROS_PER_MS
            ),
        }
    }
}

/// How full a limiter is for one key, for the UI to draw as a bucket or a bar.
///
/// Values are in thousandths so that fractional levels (a token bucket halfway through
/// earning its next token, a sliding counter's weighted estimate) need no floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Level {
    /// The current amount, in thousandths of the limiter's unit (see [`Limiter::level_unit`]).
    pub value_milli: u64,
    /// The most the amount can be, in the same thousandths.
    pub capacity_milli: u64,
}

/// A rate limiting algorithm with separate state per client key.
///
/// Calls must come in non-decreasing time order; a call with an earlier time than the
/// previous one for the same key is treated as if it came at the previous time, so that
/// out-of-order input can never panic or make a bucket overflow.
pub trait Limiter {
    /// Decides the request from `key` arriving at `now` (microseconds) and updates state.
    fn decide(&mut self, now: Time, key: ClientKey) -> Decision;

    /// How full the limiter is for `key` at `now`, without changing anything. A key
    /// never seen is reported in its initial state.
    fn level(&self, now: Time, key: ClientKey) -> Level;

    /// What [`Level`] counts for this algorithm, e.g. `"tokens"` or `"requests in window"`.
    fn level_unit(&self) -> &'static str;

    /// The algorithm's stable name, e.g. `"token_bucket"`.
    fn name(&self) -> &'static str;

    /// One sentence a learner reads: what "burst" means for this algorithm.
    fn burst_meaning(&self) -> &'static str;

    /// Forgets every key's state, as a restart would.
    fn reset(&mut self);
}

/// A rate limiting lab error: a bad scenario or bad parameters, naming the field (the one
/// scenario error every lab reports through).
pub use crate::scenario::ScenarioError as Error;

/// Checks that `value` lies in `[minimum, maximum]`, naming `field` otherwise.
pub(crate) fn check_range(
    field: &str,
    value: u64,
    minimum: u64,
    maximum: u64,
) -> Result<(), Error> {
    if value < minimum || value > maximum {
        return Err(Error::at(
            field,
            format!("must be between {minimum} and {maximum}, got {value}"),
        ));
    }
    Ok(())
}

/// Inserts a fresh state for `key` if there is room, so that per-key maps stay bounded
/// (at most [`CLIENT_KEYS_MAX`] entries, small enough for a sorted vector).
/// Returns `None` when the map is full and `key` is new; callers then reject, which is
/// the safe answer for a limiter that cannot remember another client.
pub(crate) fn state_for<S>(
    states: &mut crate::collections::SortedMap<ClientKey, S>,
    key: ClientKey,
    fresh: impl FnOnce() -> S,
) -> Option<&mut S> {
    if !states.contains_key(&key) && states.len() >= CLIENT_KEYS_MAX {
        return None;
    }
    Some(states.entry(key).or_insert_with(fresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delay_is_admitted_and_carries_its_microseconds() {
        assert!(Decision::Delay(1_500).is_admitted());
        assert_eq!(Decision::Delay(1_500).delay_us(), 1_500);
        assert_eq!(Decision::Delay(1_500).label(), "delay 1.500ms");
        assert!(!Decision::Reject.is_admitted());
        assert_eq!(Decision::Admit.delay_us(), 0);
    }

    #[test]
    fn a_limiter_full_of_clients_rejects_a_new_one_but_still_serves_the_known() {
        let mut bucket = TokenBucket::new(2, 1_000).unwrap();
        for key in 0..CLIENT_KEYS_MAX as ClientKey {
            assert_eq!(bucket.decide(0, key), Decision::Admit);
        }
        assert_eq!(
            bucket.decide(0, CLIENT_KEYS_MAX as ClientKey),
            Decision::Reject
        );
        assert_eq!(bucket.decide(0, 0), Decision::Admit);
    }

    #[test]
    fn a_value_outside_its_range_is_named_in_the_error() {
        let error = check_range("params.limit", 0, 1, 10).unwrap_err();
        assert_eq!(
            error.to_string(),
            "params.limit: must be between 1 and 10, got 0"
        );
        assert!(check_range("params.limit", 10, 1, 10).is_ok());
    }
}
