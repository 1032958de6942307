//! Counters and time series a run keeps for the UI's charts and the CLI's reports.
//!
//! Everything here is bounded: per-kind counters grow with the number of message
//! kinds (a handful per protocol), the time series merge neighbouring buckets when
//! they would grow past [`SERIES_BUCKETS_MAX`], and latency is kept in a log-scaled
//! histogram of fixed size rather than as a list of samples.

use crate::collections::SortedMap;

use serde::Serialize;

use crate::event::DropReason;
use crate::protocol::Time;

/// The most buckets a time series keeps before it halves its resolution.
pub const SERIES_BUCKETS_MAX: usize = 512;

/// Microseconds in one second: the first width of a time-series bucket.
const MICROS_PER_SECOND: Time = 1_000_000;

/// Message counts for one message kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    /// The message kind.
    pub kind: &'static str,
    /// Messages of this kind handed to the network (each copy of a duplicate counts
    /// once more when delivered, not here).
    pub sent: u64,
    /// Messages of this kind handled by their receiver.
    pub delivered: u64,
    /// Messages of this kind lost for any reason.
    pub dropped: u64,
}

/// Per-bucket counts over virtual time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    /// The width of one bucket in microseconds (1 s at first, doubling as the run
    /// grows long).
    pub bucket_us: Time,
    /// Messages sent per bucket.
    pub sent: Vec<u64>,
    /// Messages delivered per bucket.
    pub delivered: Vec<u64>,
    /// Messages dropped per bucket.
    pub dropped: Vec<u64>,
    /// Client replies per bucket.
    pub replies: Vec<u64>,
}

impl Default for Series {
    fn default() -> Self {
        Self {
            bucket_us: MICROS_PER_SECOND,
            sent: Vec::new(),
            delivered: Vec::new(),
            dropped: Vec::new(),
            replies: Vec::new(),
        }
    }
}

/// Which line of the series an increment goes to.
#[derive(Debug, Clone, Copy)]
enum Line {
    Sent,
    Delivered,
    Dropped,
    Replies,
}

impl Series {
    fn add(&mut self, line: Line, time: Time) {
        let mut index = (time / self.bucket_us) as usize;
        while index >= SERIES_BUCKETS_MAX {
            self.halve_resolution();
            index = (time / self.bucket_us) as usize;
        }
        let values = match line {
            Line::Sent => &mut self.sent,
            Line::Delivered => &mut self.delivered,
            Line::Dropped => &mut self.dropped,
            Line::Replies => &mut self.replies,
        };
        if values.len() <= index {
            values.resize(index + 1, 0);
        }
        values[index] += 1;
    }

    fn halve_resolution(&mut self) {
        self.bucket_us = self.bucket_us.saturating_mul(2);
        for values in [
            &mut self.sent,
            &mut self.delivered,
            &mut self.dropped,
            &mut self.replies,
        ] {
            let merged: Vec<u64> = values.chunks(2).map(|pair| pair.iter().sum()).collect();
            *values = merged;
        }
    }
}

/// A log-scaled histogram of microsecond durations: exact below 16 µs, then 16
/// buckets per doubling (about 6% resolution).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    sum: u128,
    min: Time,
    max: Time,
}

const SUB_BUCKETS: u64 = 16;

impl Histogram {
    fn bucket_of(value: Time) -> usize {
        if value < SUB_BUCKETS {
            return value as usize;
        }
        let exponent = 63 - u64::from(value.leading_zeros());
        let mantissa = (value >> (exponent - 4)) & (SUB_BUCKETS - 1);
        (SUB_BUCKETS + (exponent - 4) * SUB_BUCKETS + mantissa) as usize
    }

    fn bucket_low(bucket: usize) -> Time {
        let bucket = bucket as u64;
        if bucket < SUB_BUCKETS {
            return bucket;
        }
        let exponent = (bucket - SUB_BUCKETS) / SUB_BUCKETS + 4;
        let mantissa = (bucket - SUB_BUCKETS) % SUB_BUCKETS;
        (1u64 << exponent) | (mantissa << (exponent - 4))
    }

    /// Adds one sample.
    pub fn record(&mut self, value: Time) {
        let bucket = Self::bucket_of(value);
        if self.buckets.len() <= bucket {
            self.buckets.resize(bucket + 1, 0);
        }
        self.buckets[bucket] += 1;
        if self.count == 0 || value < self.min {
            self.min = value;
        }
        self.max = self.max.max(value);
        self.count += 1;
        self.sum += u128::from(value);
    }

    /// How many samples were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean, or 0 without samples.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The smallest sample, or 0.
    pub fn min(&self) -> Time {
        self.min
    }

    /// The largest sample, or 0.
    pub fn max(&self) -> Time {
        self.max
    }

    /// The value below which `quantile` (in `[0, 1]`) of the samples fall, to the
    /// histogram's resolution (the lower edge of the bucket, clamped to min/max).
    pub fn quantile(&self, quantile: f64) -> Time {
        if self.count == 0 {
            return 0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        if rank >= self.count {
            return self.max;
        }
        let mut seen = 0;
        for (bucket, &count) in self.buckets.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Self::bucket_low(bucket).clamp(self.min, self.max);
            }
        }
        self.max
    }
}

/// Everything a run counts.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    kinds: Vec<KindCounts>,
    drops_by_reason: [u64; DropReason::ALL.len()],
    series: Series,
    client_latency: Histogram,
    client_requests: u64,
    client_replies: u64,
    /// Lab-defined counters (e.g. `"elections"`).
    pub counters: SortedMap<String, u64>,
    /// Lab-defined gauges (e.g. `"commit_index"`).
    pub gauges: SortedMap<String, f64>,
}

impl Metrics {
    fn kind_mut(&mut self, kind: &'static str) -> &mut KindCounts {
        // A linear scan over a handful of kinds beats a map here; pointer equality
        // catches the usual case of the same static string without comparing bytes.
        let position = self
            .kinds
            .iter()
            .position(|counts| std::ptr::eq(counts.kind, kind) || counts.kind == kind);
        let index = match position {
            Some(index) => index,
            None => {
                self.kinds.push(KindCounts {
                    kind,
                    sent: 0,
                    delivered: 0,
                    dropped: 0,
                });
                self.kinds.len() - 1
            }
        };
        &mut self.kinds[index]
    }

    /// Counts a message handed to the network.
    #[inline]
    pub fn sent(&mut self, kind: &'static str, time: Time) {
        self.kind_mut(kind).sent += 1;
        self.series.add(Line::Sent, time);
    }

    /// Counts a message its receiver handled.
    #[inline]
    pub fn delivered(&mut self, kind: &'static str, time: Time) {
        self.kind_mut(kind).delivered += 1;
        self.series.add(Line::Delivered, time);
    }

    /// Counts a lost message.
    pub fn dropped(&mut self, kind: &'static str, reason: DropReason, time: Time) {
        self.kind_mut(kind).dropped += 1;
        if let Some(index) = DropReason::ALL.iter().position(|other| *other == reason) {
            self.drops_by_reason[index] += 1;
        }
        self.series.add(Line::Dropped, time);
    }

    /// Counts a client request.
    pub fn client_request(&mut self) {
        self.client_requests += 1;
    }

    /// Counts a client reply that took `latency` microseconds.
    pub fn client_reply(&mut self, latency: Time, time: Time) {
        self.client_replies += 1;
        self.client_latency.record(latency);
        self.series.add(Line::Replies, time);
    }

    /// Adds `amount` to the lab counter `name`.
    pub fn add(&mut self, name: &str, amount: u64) {
        match self.counters.get_mut(name) {
            Some(value) => *value += amount,
            None => {
                self.counters.insert(name.to_string(), amount);
            }
        }
    }

    /// Sets the lab gauge `name`.
    pub fn set_gauge(&mut self, name: &str, value: f64) {
        match self.gauges.get_mut(name) {
            Some(slot) => *slot = value,
            None => {
                self.gauges.insert(name.to_string(), value);
            }
        }
    }

    /// The counts of messages of `kind`, if any was sent.
    pub fn kind(&self, kind: &str) -> Option<&KindCounts> {
        self.kinds.iter().find(|counts| counts.kind == kind)
    }

    /// The lab gauge `name`, if the run set it.
    pub fn gauge(&self, name: &str) -> Option<f64> {
        self.gauges.get(name).copied()
    }

    /// A serializable copy for the UI and reports.
    pub fn view(&self) -> MetricsView {
        let total = |pick: fn(&KindCounts) -> u64| self.kinds.iter().map(pick).sum::<u64>();
        let latency = &self.client_latency;
        let to_ms = |micros: Time| micros as f64 / 1_000.0;
        MetricsView {
            messages_sent: total(|counts| counts.sent),
            messages_delivered: total(|counts| counts.delivered),
            messages_dropped: total(|counts| counts.dropped),
            kinds: self.kinds.clone(),
            drops_by_reason: DropReason::ALL
                .iter()
                .zip(self.drops_by_reason)
                .filter(|(_, count)| *count > 0)
                .map(|(reason, count)| (reason.name().to_string(), count))
                .collect(),
            client: ClientStats {
                requests: self.client_requests,
                replies: self.client_replies,
                latency_ms_mean: latency.mean() / 1_000.0,
                latency_ms_min: to_ms(latency.min()),
                latency_ms_p50: to_ms(latency.quantile(0.50)),
                latency_ms_p90: to_ms(latency.quantile(0.90)),
                latency_ms_p99: to_ms(latency.quantile(0.99)),
                latency_ms_max: to_ms(latency.max()),
            },
            series: self.series.clone(),
            counters: self.counters.clone(),
            gauges: self.gauges.clone(),
        }
    }
}

/// Client request statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientStats {
    /// Requests sent.
    pub requests: u64,
    /// Replies received.
    pub replies: u64,
    /// Mean reply latency in milliseconds.
    pub latency_ms_mean: f64,
    /// Fastest reply in milliseconds.
    pub latency_ms_min: f64,
    /// Median reply latency in milliseconds.
    pub latency_ms_p50: f64,
    /// 90th percentile reply latency in milliseconds.
    pub latency_ms_p90: f64,
    /// 99th percentile reply latency in milliseconds.
    pub latency_ms_p99: f64,
    /// Slowest reply in milliseconds.
    pub latency_ms_max: f64,
}

impl ClientStats {
    /// Whether no client request went through the engine (a lab whose traffic is its own,
    /// such as load balancing's clients, reports it under its own names).
    pub fn is_empty(&self) -> bool {
        self.requests == 0
    }
}

/// A snapshot of a run's metrics, for the UI's charts and the CLI's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsView {
    /// Messages handed to the network.
    pub messages_sent: u64,
    /// Messages handled by their receivers.
    pub messages_delivered: u64,
    /// Messages lost.
    pub messages_dropped: u64,
    /// Counts per message kind, in order of first appearance.
    pub kinds: Vec<KindCounts>,
    /// Drops per reason (reasons that never happened are left out).
    pub drops_by_reason: SortedMap<String, u64>,
    /// Client request statistics (left out of the JSON when there were none).
    #[serde(skip_serializing_if = "ClientStats::is_empty")]
    pub client: ClientStats,
    /// Counts over virtual time.
    pub series: Series,
    /// Lab-defined counters.
    pub counters: SortedMap<String, u64>,
    /// Lab-defined gauges.
    pub gauges: SortedMap<String, f64>,
}

impl MetricsView {
    /// Every scalar metric by name, for sweeps (`--metric NAME`) and summaries:
    /// `messages_sent`, `messages_delivered`, `messages_dropped`,
    /// `sent.KIND`, `delivered.KIND`, `dropped.KIND`, `dropped_by.REASON`,
    /// `client_requests`, `client_replies`, `client_latency_ms_{mean,min,p50,p90,p99,max}`,
    /// and the lab's counters and gauges by their own names.
    pub fn scalars(&self) -> SortedMap<String, f64> {
        let mut scalars = SortedMap::new();
        scalars.insert("messages_sent".to_string(), self.messages_sent as f64);
        scalars.insert(
            "messages_delivered".to_string(),
            self.messages_delivered as f64,
        );
        scalars.insert("messages_dropped".to_string(), self.messages_dropped as f64);
        for counts in &self.kinds {
            scalars.insert(format!("sent.{}", counts.kind), counts.sent as f64);
            scalars.insert(
                format!("delivered.{}", counts.kind),
                counts.delivered as f64,
            );
            scalars.insert(format!("dropped.{}", counts.kind), counts.dropped as f64);
        }
        for (reason, count) in &self.drops_by_reason {
            scalars.insert(format!("dropped_by.{reason}"), *count as f64);
        }
        // Client figures only where there were clients, and latencies only where replies
        // came: a zero there would read as an instant answer.
        let client = &self.client;
        if !client.is_empty() {
            scalars.insert("client_requests".to_string(), client.requests as f64);
            scalars.insert("client_replies".to_string(), client.replies as f64);
        }
        if client.replies > 0 {
            for (name, value) in [
                ("client_latency_ms_mean", client.latency_ms_mean),
                ("client_latency_ms_min", client.latency_ms_min),
                ("client_latency_ms_p50", client.latency_ms_p50),
                ("client_latency_ms_p90", client.latency_ms_p90),
                ("client_latency_ms_p99", client.latency_ms_p99),
                ("client_latency_ms_max", client.latency_ms_max),
            ] {
                scalars.insert(name.to_string(), value);
            }
        }
        for (name, value) in &self.counters {
            scalars.insert(name.clone(), *value as f64);
        }
        for (name, value) in &self.gauges {
            scalars.insert(name.clone(), *value);
        }
        scalars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_land_within_its_resolution() {
        let mut histogram = Histogram::default();
        for value in 1..=10_000u64 {
            histogram.record(value);
        }
        let median = histogram.quantile(0.5);
        assert!((4_700..=5_000).contains(&median), "{median}");
        assert_eq!(histogram.quantile(1.0), 10_000);
        assert_eq!(histogram.min(), 1);
        assert_eq!(histogram.count(), 10_000);
    }

    #[test]
    fn a_long_run_halves_the_series_resolution_instead_of_growing_without_bound() {
        let mut metrics = Metrics::default();
        let hours = 3_600 * MICROS_PER_SECOND;
        metrics.sent("Ping", 0);
        metrics.sent("Ping", hours);
        let view = metrics.view();
        assert!(view.series.sent.len() <= SERIES_BUCKETS_MAX);
        assert_eq!(view.series.sent.iter().sum::<u64>(), 2);
        assert!(view.series.bucket_us > MICROS_PER_SECOND);
    }

    #[test]
    fn counts_are_kept_per_kind_and_per_drop_reason() {
        let mut metrics = Metrics::default();
        metrics.sent("Ping", 0);
        metrics.sent("Pong", 0);
        metrics.delivered("Ping", 1);
        metrics.dropped("Pong", DropReason::Loss, 1);
        let view = metrics.view();
        assert_eq!(view.messages_sent, 2);
        assert_eq!(view.messages_delivered, 1);
        assert_eq!(view.drops_by_reason.get("loss"), Some(&1));
        assert_eq!(view.scalars().get("dropped.Pong"), Some(&1.0));
    }
}
