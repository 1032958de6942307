//! The two sliding windows: an exact log and a cheap weighted counter.
//!
//! Both limit a key to `limit` requests per window of `window_us` microseconds, where
//! the window ending at `now` is the half-open interval `(now - window, now]`.
//!
//! **Sliding window log** ([`SlidingWindowLog`]): keep the time of every admitted
//! request in the last window; admit while fewer than `limit` remain. It is exact (no
//! window of the limit's length ever holds more than `limit` admitted requests) and
//! costs up to `limit` timestamps per key. Only admitted requests are logged, so a
//! client that keeps hammering is not locked out forever. Burst: the whole limit at one
//! instant, then nothing until the oldest logged request slides out.
//!
//! **Sliding window counter** ([`SlidingWindowCounter`]): keep only the counts of the
//! current aligned window and the previous one, and estimate the sliding window as
//! `previous * (window - elapsed) / window + current`, where `elapsed` is how far the
//! current window has run. That assumes the previous window's requests were spread
//! evenly; when they were bunched at its end the estimate is low and the counter lets
//! more through than the log would: 18 in one sliding window for a limit of 10 in the
//! log-versus-counter preset, where the log lets 10 through. A request is admitted if
//! counting it keeps the estimate at or below the limit, that is rejected when
//! `estimate + 1 > limit` (Cloudflare's convention). The comparison is done multiplied
//! through by `window`, in 128-bit integers, so there is no rounding. Burst: the whole
//! limit at one instant, and up to nearly twice it across a boundary when the previous
//! window was bunched.

use crate::collections::SortedMap;
use std::collections::VecDeque;

use super::token_bucket::{CAPACITY_MAX, INTERVAL_US_MAX};
use super::{ClientKey, Decision, Error, Level, Limiter, Time, check_range, state_for};

/// The largest limit the log accepts: it stores one timestamp per admitted request per
/// key, so its memory is bounded by this times the number of keys.
pub const LOG_LIMIT_MAX: u64 = 100_000;

/// A sliding window log per client key. See the module documentation.
#[derive(Debug, Clone)]
pub struct SlidingWindowLog {
    limit: u64,
    window_us: Time,
    logs: SortedMap<ClientKey, VecDeque<Time>>,
}

impl SlidingWindowLog {
    /// At most `limit` admitted requests in any window of `window_us` microseconds.
    pub fn new(limit: u64, window_us: Time) -> Result<Self, Error> {
        check_range("limit", limit, 1, LOG_LIMIT_MAX)?;
        check_range("window_us", window_us, 1, INTERVAL_US_MAX)?;
        Ok(Self {
            limit,
            window_us,
            logs: SortedMap::new(),
        })
    }

    /// How many logged times fall in the window ending at `now`.
    fn count_in_window(&self, log: &VecDeque<Time>, now: Time) -> u64 {
        log.iter()
            .filter(|&&at| at.saturating_add(self.window_us) > now)
            .count() as u64
    }
}

impl Limiter for SlidingWindowLog {
    fn decide(&mut self, now: Time, key: ClientKey) -> Decision {
        let window_us = self.window_us;
        let Some(log) = state_for(&mut self.logs, key, VecDeque::new) else {
            return Decision::Reject;
        };
        // Time running backwards is treated as the latest time seen, so the log stays
        // sorted and the front is always the oldest entry.
        let now = log.back().map_or(now, |&latest| latest.max(now));
        while log
            .front()
            .is_some_and(|&oldest| oldest.saturating_add(window_us) <= now)
        {
            log.pop_front();
        }
        if (log.len() as u64) < self.limit {
            log.push_back(now);
            Decision::Admit
        } else {
            Decision::Reject
        }
    }

    fn level(&self, now: Time, key: ClientKey) -> Level {
        let count = self
            .logs
            .get(&key)
            .map_or(0, |log| self.count_in_window(log, now));
        Level {
            value_milli: count * 1_000,
            capacity_milli: self.limit * 1_000,
        }
    }

    fn level_unit(&self) -> &'static str {
        "requests in window"
    }

    fn name(&self) -> &'static str {
        "sliding_window_log"
    }

    fn burst_meaning(&self) -> &'static str {
        "Burst is the whole limit at once; no window of the limit's length ever holds more than the limit."
    }

    fn reset(&mut self) {
        self.logs.clear();
    }
}

#[derive(Debug, Clone)]
struct TwoWindows {
    index: u64,
    current: u64,
    previous: u64,
}

/// A sliding window counter per client key. See the module documentation.
#[derive(Debug, Clone)]
pub struct SlidingWindowCounter {
    limit: u64,
    window_us: Time,
    windows: SortedMap<ClientKey, TwoWindows>,
}

impl SlidingWindowCounter {
    /// About `limit` requests per sliding window of `window_us` microseconds.
    pub fn new(limit: u64, window_us: Time) -> Result<Self, Error> {
        check_range("limit", limit, 1, CAPACITY_MAX)?;
        check_range("window_us", window_us, 1, INTERVAL_US_MAX)?;
        Ok(Self {
            limit,
            window_us,
            windows: SortedMap::new(),
        })
    }

    /// Moves `windows` forward to the aligned window holding `now`.
    fn roll(windows: &mut TwoWindows, index: u64) {
        if Some(index) == windows.index.checked_add(1) {
            windows.previous = windows.current;
            windows.current = 0;
            windows.index = index;
        } else if index > windows.index {
            windows.previous = 0;
            windows.current = 0;
            windows.index = index;
        }
    }
}

impl Limiter for SlidingWindowCounter {
    fn decide(&mut self, now: Time, key: ClientKey) -> Decision {
        let index = now / self.window_us;
        let Some(windows) = state_for(&mut self.windows, key, || TwoWindows {
            index,
            current: 0,
            previous: 0,
        }) else {
            return Decision::Reject;
        };
        Self::roll(windows, index);
        let weighted = weighted(self.window_us, windows, now);
        let window = u128::from(self.window_us);
        if weighted + window <= u128::from(self.limit) * window {
            windows.current += 1;
            Decision::Admit
        } else {
            Decision::Reject
        }
    }

    fn level(&self, now: Time, key: ClientKey) -> Level {
        let capacity_milli = self.limit * 1_000;
        let Some(windows) = self.windows.get(&key) else {
            return Level {
                value_milli: 0,
                capacity_milli,
            };
        };
        let mut projected = windows.clone();
        Self::roll(&mut projected, now / self.window_us);
        let milli = weighted(self.window_us, &projected, now) * 1_000 / u128::from(self.window_us);
        Level {
            value_milli: u64::try_from(milli).unwrap_or(u64::MAX),
            capacity_milli,
        }
    }

    fn level_unit(&self) -> &'static str {
        "estimated requests in window"
    }

    fn name(&self) -> &'static str {
        "sliding_window_counter"
    }

    fn burst_meaning(&self) -> &'static str {
        "Burst is the whole limit at once, and up to nearly twice it in one sliding window when the previous window's requests came late in it (18 for a limit of 10 in the log-versus-counter preset)."
    }

    fn reset(&mut self) {
        self.windows.clear();
    }
}

/// The sliding counter's estimate multiplied by the window length:
/// `previous * (window - elapsed) + current * window`, exact in 128 bits.
fn weighted(window_us: Time, windows: &TwoWindows, now: Time) -> u128 {
    let start = windows.index * window_us;
    let elapsed = now.saturating_sub(start).min(window_us);
    u128::from(windows.previous) * u128::from(window_us - elapsed)
        + u128::from(windows.current) * u128::from(window_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_admits_again_exactly_when_the_oldest_request_slides_out() {
        let mut log = SlidingWindowLog::new(2, 1_000).unwrap();
        assert_eq!(log.decide(0, 0), Decision::Admit);
        assert_eq!(log.decide(400, 0), Decision::Admit);
        assert_eq!(log.decide(999, 0), Decision::Reject);
        // The window ending at 1_000 is (0, 1_000]: the request at 0 is out of it.
        assert_eq!(log.decide(1_000, 0), Decision::Admit);
        assert_eq!(log.decide(1_399, 0), Decision::Reject);
        assert_eq!(log.level(1_399, 0).value_milli, 2_000);
        assert_eq!(log.level(1_400, 0).value_milli, 1_000);
    }

    #[test]
    fn the_log_blocks_the_boundary_burst_that_the_fixed_window_lets_through() {
        let mut log = SlidingWindowLog::new(10, 1_000_000).unwrap();
        let mut admitted = 0;
        for request in 0..10 {
            admitted += u64::from(log.decide(999_000 + request, 0).is_admitted());
        }
        for request in 0..10 {
            admitted += u64::from(log.decide(1_000_000 + request, 0).is_admitted());
        }
        assert_eq!(admitted, 10);
    }

    #[test]
    fn the_counter_weighs_the_previous_window_by_its_overlap() {
        let mut counter = SlidingWindowCounter::new(10, 1_000).unwrap();
        for _ in 0..10 {
            assert_eq!(counter.decide(900, 0), Decision::Admit);
        }
        // At 1_250 the window (250, 1_250] overlaps three quarters of window 0, so the
        // estimate is 10 * 0.75 = 7.5 and two more fit (9.5 <= 10) but not a third.
        assert_eq!(counter.level(1_250, 0).value_milli, 7_500);
        assert_eq!(counter.decide(1_250, 0), Decision::Admit);
        assert_eq!(counter.decide(1_250, 0), Decision::Admit);
        assert_eq!(counter.decide(1_250, 0), Decision::Reject);
        // The log remembers that all ten came at 900, inside (250, 1_250], and admits
        // none: the counter's evenness assumption let two extra requests through.
        let mut log = SlidingWindowLog::new(10, 1_000).unwrap();
        for _ in 0..10 {
            log.decide(900, 0);
        }
        assert_eq!(log.decide(1_250, 0), Decision::Reject);
    }

    #[test]
    fn the_counter_forgets_a_window_that_is_two_windows_old() {
        let mut counter = SlidingWindowCounter::new(1, 1_000).unwrap();
        assert_eq!(counter.decide(0, 0), Decision::Admit);
        assert_eq!(counter.decide(1_500, 0), Decision::Reject);
        assert_eq!(counter.decide(2_000, 0), Decision::Admit);
    }
}
