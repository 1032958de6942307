//! The simulator's one source of randomness.
//!
//! Every random choice in a run (timer jitter, link latency, loss, duplication,
//! reordering, workload targets) is drawn from one [`SimRng`], seeded from the
//! scenario's `seed`. The generator is ChaCha8 from `rand_chacha`, whose output
//! stream is specified independently of the platform, so the same seed gives the
//! same numbers natively and in WebAssembly. (The `rand` crate's `StdRng` makes
//! no such promise across releases, which is why it is not used.)
//!
//! Floating-point use is limited to operations IEEE 754 rounds exactly (conversion
//! of a 53-bit integer, multiplication by a power of two, comparison), so results
//! do not depend on a platform's maths library.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// The seeded, portable pseudo-random generator owned by a simulation.
#[derive(Clone, Debug)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl SimRng {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            inner: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The next 64 uniformly distributed bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform integer in `[0, n)`; returns 0 when `n` is 0.
    ///
    /// Uses Lemire's multiply-and-reject method, which is unbiased: the few
    /// products that would over-represent small results are drawn again. Bounds
    /// below 2^32 use one 32-bit draw, larger ones a 64-bit draw.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        if let Ok(small) = u32::try_from(n) {
            // Most ranges (latencies in microseconds, node counts) fit in 32 bits:
            // one 32-bit draw and a 64-bit product suffice, which matters in
            // WebAssembly, where a 128-bit product is a library call.
            let threshold = small.wrapping_neg() % small;
            loop {
                let product = u64::from(self.inner.next_u32()) * n;
                if product as u32 >= threshold {
                    return product >> 32;
                }
            }
        }
        // The threshold is 2^64 mod n: products whose low half falls below it are
        // the ones that would make some results more likely than others.
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(n);
            let low = product as u64;
            if low >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// A uniform integer in `[low, high]`. If `high < low` the two are swapped, so
    /// the call never fails.
    #[inline]
    pub fn range_inclusive(&mut self, low: u64, high: u64) -> u64 {
        let (low, high) = if high < low { (high, low) } else { (low, high) };
        if low == high {
            return low;
        }
        let span = high - low;
        if span == u64::MAX {
            return self.next_u64();
        }
        low + self.below(span + 1)
    }

    /// A uniform real number in `[0, 1)` with 53 bits of precision.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        // A 53-bit integer converts to f64 exactly and the scaling by 2^-53 is exact.
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `probability`. Probabilities at or below 0 never
    /// draw from the stream and return false; at or above 1 they return true
    /// without drawing, so a lossless link leaves the random stream untouched.
    #[inline]
    pub fn chance(&mut self, probability: f64) -> bool {
        if probability <= 0.0 || probability.is_nan() {
            return false;
        }
        if probability >= 1.0 {
            return true;
        }
        self.unit() < probability
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        let mut first = SimRng::new(42);
        let mut second = SimRng::new(42);
        for _ in 0..100 {
            assert_eq!(first.next_u64(), second.next_u64());
        }
    }

    #[test]
    fn different_seeds_give_different_streams() {
        let mut first = SimRng::new(1);
        let mut second = SimRng::new(2);
        let same = (0..16)
            .filter(|_| first.next_u64() == second.next_u64())
            .count();
        assert!(same < 16);
    }

    #[test]
    fn the_stream_for_seed_zero_is_fixed_across_platforms_and_releases() {
        // Pinning the first outputs guards the fingerprint of every stored run:
        // if a dependency upgrade changed the stream, this test says so first.
        let mut rng = SimRng::new(0);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            vec![
                13_080_132_717_333_068_652,
                8_594_738_769_458_413_623,
                12_896_916_468_484_187_878
            ]
        );
    }

    #[test]
    fn range_inclusive_stays_within_its_bounds_and_reaches_both_ends() {
        let mut rng = SimRng::new(7);
        let mut seen_low = false;
        let mut seen_high = false;
        for _ in 0..1_000 {
            let value = rng.range_inclusive(10, 13);
            assert!((10..=13).contains(&value));
            seen_low |= value == 10;
            seen_high |= value == 13;
        }
        assert!(seen_low && seen_high);
    }

    #[test]
    fn range_inclusive_accepts_reversed_and_full_ranges() {
        let mut rng = SimRng::new(7);
        assert!((3..=5).contains(&rng.range_inclusive(5, 3)));
        let _ = rng.range_inclusive(0, u64::MAX);
        assert_eq!(rng.range_inclusive(9, 9), 9);
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = SimRng::new(3);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[rng.below(3) as usize] += 1;
        }
        for count in counts {
            assert!((9_000..11_000).contains(&count), "{counts:?}");
        }
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn chance_of_zero_and_one_does_not_consume_randomness() {
        let mut used = SimRng::new(5);
        let mut untouched = SimRng::new(5);
        assert!(!used.chance(0.0));
        assert!(used.chance(1.0));
        assert!(!used.chance(f64::NAN));
        assert_eq!(used.next_u64(), untouched.next_u64());
    }

    #[test]
    fn chance_matches_its_probability() {
        let mut rng = SimRng::new(11);
        let hits = (0..20_000).filter(|_| rng.chance(0.25)).count();
        assert!((4_500..5_500).contains(&hits), "{hits}");
    }
}
