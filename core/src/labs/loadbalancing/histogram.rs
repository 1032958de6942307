//! Bounded records for the lab's metrics: a log-scaled latency histogram and a
//! series of time windows.
//!
//! Percentiles come from an HDR-style log histogram, not from a list of samples:
//! values below 32 µs have a bucket each, and above that every doubling is split into
//! 32 buckets, so a bucket is never wider than 1/32 of its lower edge and a
//! percentile reported as the bucket's midpoint is within 1/64 (1.6%) of the exact
//! sample. The histogram stores only the buckets that were hit, at most
//! [`BUCKETS_MAX`] of them, and two histograms merge exactly, which is what lets
//! the report combine every client's latencies into one p99.
//!
//! A [`Windows`] series keeps one record per window of virtual time. When a run
//! grows past [`WINDOWS_MAX`] windows, neighbouring windows merge pairwise and the
//! width doubles, so memory stays bounded however long the run.

use serde::Serialize;

use crate::protocol::Time;

/// Buckets per doubling, as a power of two.
const SUB_BUCKET_BITS: u32 = 5;
/// Buckets per doubling.
const SUB_BUCKETS: u64 = 1 << SUB_BUCKET_BITS;
/// The number of distinct buckets a `u64` value can fall into.
pub const BUCKETS_MAX: usize = (SUB_BUCKETS + (64 - SUB_BUCKET_BITS as u64) * SUB_BUCKETS) as usize;
/// The most windows a series keeps before halving its resolution.
pub const WINDOWS_MAX: usize = 240;

/// The bucket a value falls into.
pub fn bucket_of(value: u64) -> u16 {
    if value < SUB_BUCKETS {
        return value as u16;
    }
    let exponent = 63 - u64::from(value.leading_zeros());
    let shift = exponent - u64::from(SUB_BUCKET_BITS);
    let mantissa = (value >> shift) & (SUB_BUCKETS - 1);
    (SUB_BUCKETS + shift * SUB_BUCKETS + mantissa) as u16
}

/// The smallest value in `bucket`.
pub fn bucket_low(bucket: u16) -> u64 {
    let bucket = u64::from(bucket);
    if bucket < SUB_BUCKETS {
        return bucket;
    }
    let shift = (bucket - SUB_BUCKETS) / SUB_BUCKETS;
    let mantissa = (bucket - SUB_BUCKETS) % SUB_BUCKETS;
    (SUB_BUCKETS | mantissa) << shift
}

/// The largest value in `bucket`.
pub fn bucket_high(bucket: u16) -> u64 {
    if usize::from(bucket) + 1 >= BUCKETS_MAX {
        return u64::MAX;
    }
    bucket_low(bucket + 1) - 1
}

/// A sparse log-scaled histogram of microsecond durations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Histogram {
    /// `(bucket, count)` for every bucket hit, by ascending bucket.
    buckets: Vec<(u16, u64)>,
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
}

impl Histogram {
    /// Adds one sample.
    pub fn record(&mut self, value: u64) {
        self.add_bucket(bucket_of(value), 1);
        if self.count == 0 || value < self.min {
            self.min = value;
        }
        self.max = self.max.max(value);
        self.count += 1;
        self.sum = self.sum.saturating_add(value);
    }

    fn add_bucket(&mut self, bucket: u16, count: u64) {
        match self.buckets.binary_search_by_key(&bucket, |(key, _)| *key) {
            Ok(index) => self.buckets[index].1 += count,
            Err(index) => self.buckets.insert(index, (bucket, count)),
        }
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        if other.count == 0 {
            return;
        }
        for &(bucket, count) in &other.buckets {
            self.add_bucket(bucket, count);
        }
        if self.count == 0 || other.min < self.min {
            self.min = other.min;
        }
        self.max = self.max.max(other.max);
        self.count += other.count;
        self.sum = self.sum.saturating_add(other.sum);
    }

    /// How many samples were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The smallest sample, or 0 without samples.
    pub fn min(&self) -> u64 {
        self.min
    }

    /// The largest sample, or 0 without samples.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The mean sample, or 0 without samples.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The value at `quantile` (in `[0, 1]`): the midpoint of the bucket holding the
    /// sample of rank `ceil(quantile * count)`, clamped to the smallest and largest
    /// sample; the largest sample itself for the last rank. Returns 0 without samples.
    pub fn quantile(&self, quantile: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let quantile = if quantile.is_nan() {
            0.0
        } else {
            quantile.clamp(0.0, 1.0)
        };
        let rank = ((quantile * self.count as f64).ceil() as u64).clamp(1, self.count);
        if rank == self.count {
            return self.max;
        }
        let mut seen = 0;
        for &(bucket, count) in &self.buckets {
            seen += count;
            if seen >= rank {
                let low = bucket_low(bucket);
                let middle = low + (bucket_high(bucket) - low) / 2;
                return middle.clamp(self.min, self.max);
            }
        }
        self.max
    }

    /// Every bucket hit, as `(lowest value, highest value, count)` by ascending value.
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        self.buckets
            .iter()
            .map(|&(bucket, count)| (bucket_low(bucket), bucket_high(bucket), count))
    }

    /// Every bucket hit, with neighbouring buckets merged so that each doubling of
    /// latency holds `per_doubling` bars (a power of two from 1 to 32; other values are
    /// rounded up to one), as `(lowest value, highest value, count)` by ascending value.
    /// Values below 32 µs share one bar. Because fine buckets nest exactly in coarse
    /// ones, the counts are exact: a chart with 8 bars per doubling shows the same
    /// samples as the 32 the percentiles use.
    pub fn coarse_buckets(&self, per_doubling: u32) -> Vec<(u64, u64, u64)> {
        let per_doubling = u64::from(per_doubling.clamp(1, SUB_BUCKETS as u32)).next_power_of_two();
        let group = SUB_BUCKETS / per_doubling;
        // Bar 0 holds every value below SUB_BUCKETS; bar k >= 1 holds fine buckets
        // SUB_BUCKETS + (k - 1) * group up to SUB_BUCKETS + k * group - 1.
        let bar_of = |bucket: u16| -> u64 {
            let bucket = u64::from(bucket);
            if bucket < SUB_BUCKETS {
                0
            } else {
                1 + (bucket - SUB_BUCKETS) / group
            }
        };
        let mut bars: Vec<(u64, u64, u64, u64)> = Vec::new();
        for &(bucket, count) in &self.buckets {
            let bar = bar_of(bucket);
            match bars.last_mut() {
                Some(last) if last.0 == bar => last.3 += count,
                _ => {
                    let (low, high) = if bar == 0 {
                        (0, SUB_BUCKETS - 1)
                    } else {
                        let first = SUB_BUCKETS + (bar - 1) * group;
                        let last = (first + group - 1).min(BUCKETS_MAX as u64 - 1);
                        (bucket_low(first as u16), bucket_high(last as u16))
                    };
                    bars.push((bar, low, high, count));
                }
            }
        }
        bars.into_iter()
            .map(|(_, low, high, count)| (low, high, count))
            .collect()
    }
}

/// A record that can be kept per window and merged with its neighbour.
pub trait WindowRecord: Clone + Default {
    /// Folds `other` (the later window) into `self`.
    fn merge(&mut self, other: &Self);
}

/// One record per window of virtual time, at most [`WINDOWS_MAX`] of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Windows<T> {
    width: Time,
    records: Vec<T>,
}

impl<T: WindowRecord> Windows<T> {
    /// An empty series whose windows start `width` microseconds wide (at least 1).
    pub fn new(width: Time) -> Self {
        Self {
            width: width.max(1),
            records: Vec::new(),
        }
    }

    /// The current width of a window, in microseconds.
    pub fn width(&self) -> Time {
        self.width
    }

    /// The records, window `i` covering `[i * width, (i + 1) * width)`.
    pub fn records(&self) -> &[T] {
        &self.records
    }

    /// Doubles the window width until time `now` falls within the bounded series.
    fn make_room_for(&mut self, now: Time) {
        // Each halving at least doubles the width, so this ends within 64 rounds.
        while now / self.width >= WINDOWS_MAX as Time {
            self.halve_resolution();
        }
    }

    fn halve_resolution(&mut self) {
        self.width = self.width.saturating_mul(2);
        let merged = self
            .records
            .chunks(2)
            .map(|pair| {
                let mut first = pair[0].clone();
                if let Some(second) = pair.get(1) {
                    first.merge(second);
                }
                first
            })
            .collect();
        self.records = merged;
    }

    /// The record of the window holding time `now`, created if needed.
    pub fn at(&mut self, now: Time) -> &mut T {
        self.make_room_for(now);
        let index = (now / self.width) as usize;
        if self.records.len() <= index {
            self.records.resize(index + 1, T::default());
        }
        &mut self.records[index]
    }

    /// This series regrouped into windows `width` microseconds wide, which must be
    /// this series' width times a power of two (as every series of one run is).
    pub fn regrouped(&self, width: Time) -> Vec<T> {
        let factor = (width / self.width).max(1) as usize;
        let mut records: Vec<T> = Vec::with_capacity(self.records.len() / factor + 1);
        for (index, record) in self.records.iter().enumerate() {
            let target = index / factor;
            if records.len() <= target {
                records.resize(target + 1, T::default());
            }
            records[target].merge(record);
        }
        records
    }

    /// Spreads `amount_per_us` for every microsecond of `[from, to)` over the windows
    /// that interval crosses (used for busy time, which spans windows).
    pub fn spread(&mut self, from: Time, to: Time, amount_per_us: u64, add: fn(&mut T, u64)) {
        if to <= from || amount_per_us == 0 {
            return;
        }
        self.make_room_for(to);
        let mut start = from;
        // At most WINDOWS_MAX windows lie between `from` and `to`.
        while start < to {
            let window_end = (start / self.width + 1).saturating_mul(self.width);
            let end = window_end.min(to);
            let amount = (end - start).saturating_mul(amount_per_us);
            add(self.at(start), amount);
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Default, PartialEq)]
    struct Count(u64);

    impl WindowRecord for Count {
        fn merge(&mut self, other: &Self) {
            self.0 += other.0;
        }
    }

    #[test]
    fn every_value_lies_within_its_buckets_bounds() {
        for value in (0..5_000u64).chain([1 << 20, (1 << 40) + 12_345, u64::MAX]) {
            let bucket = bucket_of(value);
            assert!(bucket_low(bucket) <= value, "{value}");
            assert!(value <= bucket_high(bucket), "{value}");
            assert!((bucket as usize) < BUCKETS_MAX);
        }
    }

    #[test]
    fn percentiles_are_within_one_sixty_fourth_of_the_exact_sample() {
        let mut histogram = Histogram::default();
        for value in 1..=100_000u64 {
            histogram.record(value);
        }
        for (quantile, exact) in [(0.5, 50_000.0), (0.95, 95_000.0), (0.99, 99_000.0)] {
            let estimate = histogram.quantile(quantile) as f64;
            assert!(
                (estimate - exact).abs() <= exact / 64.0,
                "p{quantile}: {estimate}"
            );
        }
        assert_eq!(histogram.quantile(1.0), 100_000);
        assert_eq!(histogram.count(), 100_000);
    }

    #[test]
    fn merging_two_histograms_equals_recording_into_one() {
        let mut left = Histogram::default();
        let mut right = Histogram::default();
        let mut both = Histogram::default();
        for value in 0..1_000u64 {
            let sample = value * value;
            both.record(sample);
            if value % 3 == 0 {
                left.record(sample);
            } else {
                right.record(sample);
            }
        }
        left.merge(&right);
        assert_eq!(left, both);
    }

    #[test]
    fn coarse_buckets_keep_every_sample_and_nest_the_fine_ones() {
        let mut histogram = Histogram::default();
        for value in (0..200_000u64).step_by(7) {
            histogram.record(value);
        }
        let fine: Vec<(u64, u64, u64)> = histogram.buckets().collect();
        for per_doubling in [1, 4, 8, 32] {
            let coarse = histogram.coarse_buckets(per_doubling);
            assert_eq!(
                coarse.iter().map(|bar| bar.2).sum::<u64>(),
                histogram.count(),
                "{per_doubling} bars per doubling keep every sample"
            );
            for (low, high, count) in &fine {
                let holder = coarse
                    .iter()
                    .find(|bar| bar.0 <= *low && *high <= bar.1)
                    .expect("every fine bucket lies inside one coarse bar");
                assert!(holder.2 >= *count);
            }
            for pair in coarse.windows(2) {
                assert!(pair[0].1 < pair[1].0, "bars do not overlap: {pair:?}");
            }
        }
        // Above 32 µs, 8 bars per doubling: 1024..2047 µs is split at 1152, 1280, ...
        let coarse = histogram.coarse_buckets(8);
        assert!(coarse.contains(&(
            1_024,
            1_151,
            coarse.iter().find(|bar| bar.0 == 1_024).unwrap().2
        )));
        // At 32 per doubling only the values below 32 µs (0, 7, 14, 21, 28) merge.
        let below_32 = fine.iter().filter(|bar| bar.1 < 32).count();
        assert_eq!(below_32, 5);
        assert_eq!(
            histogram.coarse_buckets(32).len(),
            fine.len() - below_32 + 1
        );
    }

    #[test]
    fn a_long_series_halves_its_resolution_and_keeps_its_total() {
        let mut windows: Windows<Count> = Windows::new(1_000);
        for time in (0..2_000_000).step_by(1_000) {
            windows.at(time).0 += 1;
        }
        assert!(windows.records().len() <= WINDOWS_MAX);
        assert_eq!(windows.width(), 16_000);
        assert_eq!(windows.records().iter().map(|c| c.0).sum::<u64>(), 2_000);
    }

    #[test]
    fn spreading_an_interval_splits_it_at_window_edges() {
        let mut windows: Windows<Count> = Windows::new(1_000);
        windows.spread(500, 2_250, 2, |record, amount| record.0 += amount);
        let counts: Vec<u64> = windows.records().iter().map(|c| c.0).collect();
        assert_eq!(counts, vec![1_000, 2_000, 500]);
    }

    #[test]
    fn regrouping_merges_windows_by_the_width_ratio() {
        let mut windows: Windows<Count> = Windows::new(1_000);
        for time in [0, 1_500, 2_500, 3_100] {
            windows.at(time).0 += 1;
        }
        let counts: Vec<u64> = windows.regrouped(2_000).iter().map(|c| c.0).collect();
        assert_eq!(counts, vec![2, 2]);
    }
}
