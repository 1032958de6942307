//! The token bucket.
//!
//! A bucket holds at most `capacity` tokens and starts full. One token is added every
//! `refill_interval_us` microseconds until the bucket is full again; a request takes one
//! token and goes through, or finds the bucket empty and is rejected.
//!
//! **Burst**: the capacity. After a quiet spell long enough to refill, `capacity`
//! requests may arrive at the same instant and all go through; after that, one per
//! refill interval.
//!
//! The bucket is kept as a whole number of tokens plus the time the last token was
//! earned, so partial progress towards the next token is exact in integer microseconds.
//! When the bucket is full the partial progress is dropped, as a real bucket would
//! spill: that is what makes it decide exactly as [`super::Gcra`] does.

use crate::collections::SortedMap;

use super::{ClientKey, Decision, Error, Level, Limiter, Time, check_range, state_for};

/// The largest capacity any bucket-like limiter accepts, so that levels in thousandths
/// and per-key queues stay far from overflow.
pub const CAPACITY_MAX: u64 = 1_000_000;

/// The longest refill interval: one day in microseconds.
pub const INTERVAL_US_MAX: Time = 86_400_000_000;

#[derive(Debug, Clone)]
struct Bucket {
    tokens: u64,
    /// When the bucket last earned a token (or last became full): progress towards the
    /// next token is `now - refilled_at`.
    refilled_at: Time,
}

/// A token bucket per client key. See the module documentation.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: u64,
    refill_interval_us: Time,
    buckets: SortedMap<ClientKey, Bucket>,
}

impl TokenBucket {
    /// A bucket of `capacity` tokens (the burst) that earns one token every
    /// `refill_interval_us` microseconds.
    pub fn new(capacity: u64, refill_interval_us: Time) -> Result<Self, Error> {
        check_range("capacity", capacity, 1, CAPACITY_MAX)?;
        check_range("refill_interval_us", refill_interval_us, 1, INTERVAL_US_MAX)?;
        Ok(Self {
            capacity,
            refill_interval_us,
            buckets: SortedMap::new(),
        })
    }

    /// Brings `bucket` up to `now`: adds every whole token earned since the last one,
    /// and drops partial progress if the bucket is full.
    fn refill(bucket: &mut Bucket, now: Time, capacity: u64, interval: Time) {
        let elapsed = now.saturating_sub(bucket.refilled_at);
        let earned = elapsed / interval;
        let room = capacity - bucket.tokens;
        if earned >= room {
            bucket.tokens = capacity;
            bucket.refilled_at = bucket.refilled_at.max(now);
        } else {
            bucket.tokens += earned;
            bucket.refilled_at += earned * interval;
        }
    }
}

impl Limiter for TokenBucket {
    fn decide(&mut self, now: Time, key: ClientKey) -> Decision {
        let capacity = self.capacity;
        let interval = self.refill_interval_us;
        let Some(bucket) = state_for(&mut self.buckets, key, || Bucket {
            tokens: capacity,
            refilled_at: now,
        }) else {
            return Decision::Reject;
        };
        Self::refill(bucket, now, capacity, interval);
        if bucket.tokens >= 1 {
            bucket.tokens -= 1;
            Decision::Admit
        } else {
            Decision::Reject
        }
    }

    fn level(&self, now: Time, key: ClientKey) -> Level {
        let capacity_milli = self.capacity * 1_000;
        let Some(bucket) = self.buckets.get(&key) else {
            return Level {
                value_milli: capacity_milli,
                capacity_milli,
            };
        };
        let mut projected = bucket.clone();
        Self::refill(&mut projected, now, self.capacity, self.refill_interval_us);
        let partial_milli = if projected.tokens == self.capacity {
            0
        } else {
            now.saturating_sub(projected.refilled_at) * 1_000 / self.refill_interval_us
        };
        Level {
            value_milli: (projected.tokens * 1_000 + partial_milli).min(capacity_milli),
            capacity_milli,
        }
    }

    fn level_unit(&self) -> &'static str {
        "tokens"
    }

    fn name(&self) -> &'static str {
        "token_bucket"
    }

    fn burst_meaning(&self) -> &'static str {
        "Burst is the bucket's capacity: that many requests at one instant after a quiet spell, then one per refill interval."
    }

    fn reset(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule: a bucket of capacity b refilled one token per T admits the
    /// first b requests at t=0 and then one per T.
    #[test]
    fn a_full_bucket_admits_its_capacity_at_once_and_then_one_per_refill_interval() {
        let capacity = 5;
        let interval = 100_000;
        let mut bucket = TokenBucket::new(capacity, interval).unwrap();
        for _ in 0..capacity {
            assert_eq!(bucket.decide(0, 7), Decision::Admit);
        }
        assert_eq!(bucket.decide(0, 7), Decision::Reject);
        for step in 1..=20 {
            let at = step * interval;
            assert_eq!(
                bucket.decide(at - 1, 7),
                Decision::Reject,
                "just before {at}"
            );
            assert_eq!(bucket.decide(at, 7), Decision::Admit, "at {at}");
            assert_eq!(bucket.decide(at, 7), Decision::Reject, "second at {at}");
        }
    }

    #[test]
    fn each_client_key_has_its_own_bucket() {
        let mut bucket = TokenBucket::new(1, 1_000).unwrap();
        assert_eq!(bucket.decide(0, 1), Decision::Admit);
        assert_eq!(bucket.decide(0, 1), Decision::Reject);
        assert_eq!(bucket.decide(0, 2), Decision::Admit);
    }

    #[test]
    fn a_full_bucket_spills_partial_progress_instead_of_saving_it() {
        let mut bucket = TokenBucket::new(2, 1_000).unwrap();
        // One token is spent at 0; the bucket is full again at 1_000 and stays full until
        // 1_500, so the half token earned while full is lost: after spending both tokens
        // at 1_500 the next one comes at 2_500, not 2_000.
        assert_eq!(bucket.decide(0, 0), Decision::Admit);
        assert_eq!(bucket.decide(1_500, 0), Decision::Admit);
        assert_eq!(bucket.decide(1_500, 0), Decision::Admit);
        assert_eq!(bucket.decide(2_000, 0), Decision::Reject);
        assert_eq!(bucket.decide(2_500, 0), Decision::Admit);
    }

    #[test]
    fn the_level_shows_partial_tokens_in_thousandths() {
        let mut bucket = TokenBucket::new(3, 1_000).unwrap();
        for _ in 0..3 {
            bucket.decide(0, 0);
        }
        assert_eq!(bucket.level(250, 0).value_milli, 250);
        assert_eq!(bucket.level(1_250, 0).value_milli, 1_250);
        assert_eq!(bucket.level(99_000, 0).value_milli, 3_000);
        assert_eq!(bucket.level(0, 42).value_milli, 3_000);
    }

    #[test]
    fn time_running_backwards_never_adds_tokens() {
        let mut bucket = TokenBucket::new(1, 1_000).unwrap();
        assert_eq!(bucket.decide(5_000, 0), Decision::Admit);
        assert_eq!(bucket.decide(0, 0), Decision::Reject);
        assert_eq!(bucket.decide(5_999, 0), Decision::Reject);
        assert_eq!(bucket.decide(6_000, 0), Decision::Admit);
    }

    #[test]
    fn zero_parameters_are_refused_with_the_field_named() {
        assert_eq!(
            TokenBucket::new(0, 1).unwrap_err().to_string(),
            "capacity: must be between 1 and 1000000, got 0"
        );
        assert!(TokenBucket::new(1, 0).is_err());
    }
}
