//! The fixed window counter.
//!
//! Time is cut into aligned windows `[k * window, (k + 1) * window)`; each key counts its
//! admitted requests in the current window and is refused once the count reaches
//! `limit`. At every boundary the count starts again from zero.
//!
//! **Burst**: the whole limit at any instant, and, because the count forgets everything
//! at a boundary, up to twice the limit within one window's length when a client sends
//! `limit` requests just before a boundary and `limit` more just after it.

use crate::collections::SortedMap;

use super::token_bucket::{CAPACITY_MAX, INTERVAL_US_MAX};
use super::{ClientKey, Decision, Error, Level, Limiter, Time, check_range, state_for};

#[derive(Debug, Clone)]
struct Window {
    index: u64,
    count: u64,
}

/// A fixed window counter per client key. See the module documentation.
#[derive(Debug, Clone)]
pub struct FixedWindowCounter {
    limit: u64,
    window_us: Time,
    windows: SortedMap<ClientKey, Window>,
}

impl FixedWindowCounter {
    /// At most `limit` requests per aligned window of `window_us` microseconds.
    pub fn new(limit: u64, window_us: Time) -> Result<Self, Error> {
        check_range("limit", limit, 1, CAPACITY_MAX)?;
        check_range("window_us", window_us, 1, INTERVAL_US_MAX)?;
        Ok(Self {
            limit,
            window_us,
            windows: SortedMap::new(),
        })
    }
}

impl Limiter for FixedWindowCounter {
    fn decide(&mut self, now: Time, key: ClientKey) -> Decision {
        let index = now / self.window_us;
        let Some(window) = state_for(&mut self.windows, key, || Window { index, count: 0 }) else {
            return Decision::Reject;
        };
        // A later window starts from zero; an earlier one (time running backwards) is
        // treated as the current one.
        if index > window.index {
            window.index = index;
            window.count = 0;
        }
        if window.count < self.limit {
            window.count += 1;
            Decision::Admit
        } else {
            Decision::Reject
        }
    }

    fn level(&self, now: Time, key: ClientKey) -> Level {
        let index = now / self.window_us;
        let count = self
            .windows
            .get(&key)
            .filter(|window| window.index >= index)
            .map_or(0, |window| window.count);
        Level {
            value_milli: count * 1_000,
            capacity_milli: self.limit * 1_000,
        }
    }

    fn level_unit(&self) -> &'static str {
        "requests in window"
    }

    fn name(&self) -> &'static str {
        "fixed_window"
    }

    fn burst_meaning(&self) -> &'static str {
        "Burst is the whole limit at once, and up to twice the limit within one window's length across a boundary."
    }

    fn reset(&mut self) {
        self.windows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule: the fixed window admits 2x the limit across a boundary.
    #[test]
    fn the_fixed_window_admits_twice_the_limit_across_a_boundary() {
        let limit = 10;
        let window = 1_000_000;
        let mut counter = FixedWindowCounter::new(limit, window).unwrap();
        // Ten requests in the last millisecond of window 0, ten in the first of window 1:
        // twenty requests within two milliseconds, all admitted.
        let mut admitted = 0;
        for request in 0..limit {
            if counter.decide(window - 1_000 + request, 0) == Decision::Admit {
                admitted += 1;
            }
        }
        for request in 0..limit {
            if counter.decide(window + request, 0) == Decision::Admit {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 2 * limit);
        assert_eq!(counter.decide(window + 500, 0), Decision::Reject);
    }

    #[test]
    fn the_count_resets_at_each_boundary_and_not_before() {
        let mut counter = FixedWindowCounter::new(2, 100).unwrap();
        assert_eq!(counter.decide(0, 0), Decision::Admit);
        assert_eq!(counter.decide(50, 0), Decision::Admit);
        assert_eq!(counter.decide(99, 0), Decision::Reject);
        assert_eq!(counter.level(99, 0).value_milli, 2_000);
        assert_eq!(counter.level(100, 0).value_milli, 0);
        assert_eq!(counter.decide(100, 0), Decision::Admit);
    }
}
