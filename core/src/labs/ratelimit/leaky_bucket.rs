//! The leaky bucket, in its two classic readings.
//!
//! **As a meter** ([`LeakyBucketMeter`]): every admitted request pours one unit of water
//! into a bucket that holds `capacity` units and leaks one unit every
//! `leak_interval_us`. A request that would overflow the bucket is rejected. This is the
//! token bucket turned upside down (water is spent tokens), and it decides exactly as a
//! token bucket with the same capacity and interval. Burst: `capacity` requests at one
//! instant into an empty bucket.
//!
//! **As a queue** ([`LeakyBucketShaper`]): requests are not judged but queued, and the
//! bucket's hole lets one request out every `leak_interval_us`. The output is perfectly
//! smooth; the price is queueing delay, and a request that finds `queue_capacity`
//! requests already waiting is rejected. Burst: one request goes out at once and up to
//! `queue_capacity` more wait their turn, so `queue_capacity + 1` requests at one
//! instant are all admitted, but they leave one interval apart.

use crate::collections::SortedMap;

use super::token_bucket::{CAPACITY_MAX, INTERVAL_US_MAX};
use super::{ClientKey, Decision, Error, Level, Limiter, Time, check_range, state_for};

#[derive(Debug, Clone)]
struct Water {
    /// Whole units of water in the bucket.
    units: u64,
    /// When the bucket last lost a unit (or became empty): progress towards the next
    /// unit leaking out is `now - drained_at`.
    drained_at: Time,
}

/// A leaky bucket used as a meter, per client key. See the module documentation.
#[derive(Debug, Clone)]
pub struct LeakyBucketMeter {
    capacity: u64,
    leak_interval_us: Time,
    buckets: SortedMap<ClientKey, Water>,
}

impl LeakyBucketMeter {
    /// A bucket holding `capacity` units (the burst) that leaks one unit every
    /// `leak_interval_us` microseconds.
    pub fn new(capacity: u64, leak_interval_us: Time) -> Result<Self, Error> {
        check_range("capacity", capacity, 1, CAPACITY_MAX)?;
        check_range("leak_interval_us", leak_interval_us, 1, INTERVAL_US_MAX)?;
        Ok(Self {
            capacity,
            leak_interval_us,
            buckets: SortedMap::new(),
        })
    }

    /// Lets out every whole unit leaked since `drained_at`. An empty bucket restarts its
    /// leak clock at `now`, because a bucket with nothing in it cannot bank leakage.
    fn drain(water: &mut Water, now: Time, interval: Time) {
        let leaked = now.saturating_sub(water.drained_at) / interval;
        if leaked >= water.units {
            water.units = 0;
            water.drained_at = water.drained_at.max(now);
        } else {
            water.units -= leaked;
            water.drained_at += leaked * interval;
        }
    }
}

impl Limiter for LeakyBucketMeter {
    fn decide(&mut self, now: Time, key: ClientKey) -> Decision {
        let interval = self.leak_interval_us;
        let Some(water) = state_for(&mut self.buckets, key, || Water {
            units: 0,
            drained_at: now,
        }) else {
            return Decision::Reject;
        };
        Self::drain(water, now, interval);
        if water.units < self.capacity {
            water.units += 1;
            Decision::Admit
        } else {
            Decision::Reject
        }
    }

    fn level(&self, now: Time, key: ClientKey) -> Level {
        let capacity_milli = self.capacity * 1_000;
        let Some(water) = self.buckets.get(&key) else {
            return Level {
                value_milli: 0,
                capacity_milli,
            };
        };
        let mut projected = water.clone();
        Self::drain(&mut projected, now, self.leak_interval_us);
        let leaking_milli = if projected.units == 0 {
            0
        } else {
            now.saturating_sub(projected.drained_at) * 1_000 / self.leak_interval_us
        };
        Level {
            value_milli: (projected.units * 1_000).saturating_sub(leaking_milli),
            capacity_milli,
        }
    }

    fn level_unit(&self) -> &'static str {
        "water (requests)"
    }

    fn name(&self) -> &'static str {
        "leaky_bucket_meter"
    }

    fn burst_meaning(&self) -> &'static str {
        "Burst is the bucket's capacity: that many requests at one instant fill an empty bucket; then one per leak interval."
    }

    fn reset(&mut self) {
        self.buckets.clear();
    }
}

/// A leaky bucket used as a queue (a traffic shaper), per client key. See the module
/// documentation.
#[derive(Debug, Clone)]
pub struct LeakyBucketShaper {
    queue_capacity: u64,
    leak_interval_us: Time,
    /// Per key, when the most recently admitted request leaves the queue. Because the
    /// queue drains one request per interval, the requests still waiting at `now` are
    /// exactly those leaving at `last - k * interval > now`, so one time per key is
    /// enough to know the queue.
    last_departure: SortedMap<ClientKey, Time>,
}

impl LeakyBucketShaper {
    /// A queue holding up to `queue_capacity` waiting requests, letting one out every
    /// `leak_interval_us` microseconds.
    pub fn new(queue_capacity: u64, leak_interval_us: Time) -> Result<Self, Error> {
        check_range("queue_capacity", queue_capacity, 0, CAPACITY_MAX)?;
        check_range("leak_interval_us", leak_interval_us, 1, INTERVAL_US_MAX)?;
        Ok(Self {
            queue_capacity,
            leak_interval_us,
            last_departure: SortedMap::new(),
        })
    }

    /// How many requests are still waiting at `now` if the last one leaves at `last`.
    fn waiting(&self, last: Time, now: Time) -> u64 {
        last.saturating_sub(now).div_ceil(self.leak_interval_us)
    }
}

impl Limiter for LeakyBucketShaper {
    fn decide(&mut self, now: Time, key: ClientKey) -> Decision {
        let interval = self.leak_interval_us;
        let previous = self.last_departure.get(&key).copied();
        let departure = previous.map_or(now, |last| now.max(last.saturating_add(interval)));
        if departure > now {
            let waiting = previous.map_or(0, |last| self.waiting(last, now));
            if waiting >= self.queue_capacity {
                return Decision::Reject;
            }
        }
        let Some(last) = state_for(&mut self.last_departure, key, || departure) else {
            return Decision::Reject;
        };
        *last = departure;
        if departure > now {
            Decision::Delay(departure - now)
        } else {
            Decision::Admit
        }
    }

    fn level(&self, now: Time, key: ClientKey) -> Level {
        let waiting = self
            .last_departure
            .get(&key)
            .map_or(0, |&last| self.waiting(last, now));
        Level {
            value_milli: waiting.saturating_mul(1_000),
            capacity_milli: self.queue_capacity * 1_000,
        }
    }

    fn level_unit(&self) -> &'static str {
        "requests queued"
    }

    fn name(&self) -> &'static str {
        "leaky_bucket_shaper"
    }

    fn burst_meaning(&self) -> &'static str {
        "Burst is absorbed, not passed on: queue capacity + 1 requests at one instant are all admitted, but leave one leak interval apart."
    }

    fn reset(&mut self) {
        self.last_departure.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_admits_its_capacity_into_an_empty_bucket_and_then_one_per_leak() {
        let mut meter = LeakyBucketMeter::new(3, 1_000).unwrap();
        for _ in 0..3 {
            assert_eq!(meter.decide(0, 0), Decision::Admit);
        }
        assert_eq!(meter.decide(0, 0), Decision::Reject);
        assert_eq!(meter.decide(999, 0), Decision::Reject);
        assert_eq!(meter.decide(1_000, 0), Decision::Admit);
        assert_eq!(meter.level(1_000, 0).value_milli, 3_000);
        assert_eq!(meter.level(1_500, 0).value_milli, 2_500);
        assert_eq!(meter.level(60_000, 0).value_milli, 0);
    }

    #[test]
    fn the_shaper_delays_a_burst_into_one_request_per_interval() {
        let mut shaper = LeakyBucketShaper::new(3, 1_000).unwrap();
        assert_eq!(shaper.decide(0, 0), Decision::Admit);
        assert_eq!(shaper.decide(0, 0), Decision::Delay(1_000));
        assert_eq!(shaper.decide(0, 0), Decision::Delay(2_000));
        assert_eq!(shaper.decide(0, 0), Decision::Delay(3_000));
        assert_eq!(shaper.level(0, 0).value_milli, 3_000);
        // Three are waiting: the queue is full.
        assert_eq!(shaper.decide(0, 0), Decision::Reject);
        // At 1_000 the first waiting request leaves, making room for one more, which
        // leaves after the last one already queued (at 3_000) plus one interval.
        assert_eq!(shaper.decide(1_000, 0), Decision::Delay(3_000));
        assert_eq!(shaper.decide(1_000, 0), Decision::Reject);
        // Long after the queue drained, a request goes straight through.
        assert_eq!(shaper.decide(100_000, 0), Decision::Admit);
    }

    #[test]
    fn a_shaper_without_a_queue_only_admits_requests_that_can_leave_at_once() {
        let mut shaper = LeakyBucketShaper::new(0, 1_000).unwrap();
        assert_eq!(shaper.decide(0, 0), Decision::Admit);
        assert_eq!(shaper.decide(500, 0), Decision::Reject);
        assert_eq!(shaper.decide(1_000, 0), Decision::Admit);
    }
}
