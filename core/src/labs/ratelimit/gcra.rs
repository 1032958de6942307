//! GCRA, the generic cell rate algorithm (ITU-T I.371's virtual scheduling algorithm).
//!
//! GCRA keeps one timestamp per client: the theoretical arrival time (TAT) at which the
//! next request would be exactly on schedule if requests came one per emission interval
//! `T`. A request at `t` is early by `TAT - t`; it is rejected if it is earlier than the
//! burst tolerance `tau` allows, and otherwise admitted and the schedule moves on:
//! `TAT = max(TAT, t) + T`.
//!
//! **Burst**: `burst` requests may arrive at one instant after a quiet spell; the
//! tolerance is `tau = (burst - 1) * T`. With `burst = b` and `T` equal to a token
//! bucket's capacity and refill interval, GCRA decides every request exactly as that
//! token bucket does, because `TAT - t` is always `(b - tokens) * T`: the bucket's
//! emptiness measured in time. One number per key instead of two is why production
//! libraries (`governor`, redis-cell) use it.

use crate::collections::SortedMap;

use super::token_bucket::{CAPACITY_MAX, INTERVAL_US_MAX};
use super::{ClientKey, Decision, Error, Level, Limiter, Time, check_range, state_for};

/// GCRA per client key. See the module documentation.
#[derive(Debug, Clone)]
pub struct Gcra {
    burst: u64,
    emission_interval_us: Time,
    tolerance_us: Time,
    theoretical_arrival: SortedMap<ClientKey, Time>,
}

impl Gcra {
    /// GCRA admitting one request per `emission_interval_us` on average and `burst` at
    /// one instant after a quiet spell.
    pub fn new(burst: u64, emission_interval_us: Time) -> Result<Self, Error> {
        check_range("burst", burst, 1, CAPACITY_MAX)?;
        check_range(
            "emission_interval_us",
            emission_interval_us,
            1,
            INTERVAL_US_MAX,
        )?;
        // Both factors are bounded above, so the product fits easily in 64 bits.
        let tolerance_us = (burst - 1) * emission_interval_us;
        Ok(Self {
            burst,
            emission_interval_us,
            tolerance_us,
            theoretical_arrival: SortedMap::new(),
        })
    }

    /// The burst tolerance `tau` in microseconds.
    pub fn tolerance_us(&self) -> Time {
        self.tolerance_us
    }
}

impl Limiter for Gcra {
    fn decide(&mut self, now: Time, key: ClientKey) -> Decision {
        let Some(theoretical) = state_for(&mut self.theoretical_arrival, key, || now) else {
            return Decision::Reject;
        };
        let scheduled = (*theoretical).max(now);
        if scheduled - now > self.tolerance_us {
            return Decision::Reject;
        }
        *theoretical = scheduled.saturating_add(self.emission_interval_us);
        Decision::Admit
    }

    fn level(&self, now: Time, key: ClientKey) -> Level {
        let capacity_milli = self.burst * 1_000;
        let early_us = self
            .theoretical_arrival
            .get(&key)
            .map_or(0, |theoretical| theoretical.saturating_sub(now));
        // The equivalent token bucket's tokens: the room left in the tolerance plus one
        // interval, measured in intervals.
        let room_us = (self.tolerance_us + self.emission_interval_us).saturating_sub(early_us);
        // In 128 bits: a day-long interval times a million burst, times 1_000, would
        // not fit in 64.
        let tokens_milli = u128::from(room_us) * 1_000 / u128::from(self.emission_interval_us);
        Level {
            value_milli: u64::try_from(tokens_milli)
                .unwrap_or(u64::MAX)
                .min(capacity_milli),
            capacity_milli,
        }
    }

    fn level_unit(&self) -> &'static str {
        "tokens (equivalent)"
    }

    fn name(&self) -> &'static str {
        "gcra"
    }

    fn burst_meaning(&self) -> &'static str {
        "Burst is how many requests may come at one instant: the tolerance is (burst - 1) emission intervals ahead of schedule."
    }

    fn reset(&mut self) {
        self.theoretical_arrival.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// I.371's virtual scheduling: a cell is conforming if it arrives no earlier than
    /// TAT - tau, and then TAT becomes max(TAT, t) + T.
    #[test]
    fn a_request_earlier_than_the_tolerance_is_nonconforming() {
        let mut gcra = Gcra::new(3, 1_000).unwrap();
        assert_eq!(gcra.tolerance_us(), 2_000);
        assert_eq!(gcra.decide(0, 0), Decision::Admit); // TAT 1_000
        assert_eq!(gcra.decide(0, 0), Decision::Admit); // TAT 2_000
        assert_eq!(gcra.decide(0, 0), Decision::Admit); // TAT 3_000
        assert_eq!(gcra.decide(999, 0), Decision::Reject); // 2_001 early
        assert_eq!(gcra.decide(1_000, 0), Decision::Admit); // 2_000 early: allowed
        assert_eq!(gcra.decide(1_000, 0), Decision::Reject);
    }

    #[test]
    fn a_late_request_restarts_the_schedule_from_its_own_arrival() {
        let mut gcra = Gcra::new(1, 1_000).unwrap();
        assert_eq!(gcra.decide(0, 0), Decision::Admit);
        assert_eq!(gcra.decide(50_000, 0), Decision::Admit);
        assert_eq!(gcra.decide(50_999, 0), Decision::Reject);
        assert_eq!(gcra.decide(51_000, 0), Decision::Admit);
    }

    #[test]
    fn the_level_counts_equivalent_tokens() {
        let mut gcra = Gcra::new(4, 1_000).unwrap();
        assert_eq!(gcra.level(0, 0).value_milli, 4_000);
        gcra.decide(0, 0);
        gcra.decide(0, 0);
        assert_eq!(gcra.level(0, 0).value_milli, 2_000);
        assert_eq!(gcra.level(500, 0).value_milli, 2_500);
        assert_eq!(gcra.level(10_000, 0).value_milli, 4_000);
    }
}
