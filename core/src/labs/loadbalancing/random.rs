//! The lab's own deterministic random numbers.
//!
//! The protocol contract gives handlers no random generator, yet a power-of-two
//! balancer, a Poisson client and an exponential server all need one. Each node
//! therefore carries a [`Stream`]: a counter-based generator in the style of
//! SplitMix64, whose `n`-th output is a fixed mixing function of the node's seed
//! and `n`. The node's seed is the lab's `seed` parameter mixed with the node id, and
//! the lab fills that parameter from the scenario's seed when a scenario leaves it
//! out, so every draw is reproduced by the scenario's seed, natively and in
//! WebAssembly. The state is two integers, so it serializes, clones for time travel
//! and costs nothing to snapshot.
//!
//! Only operations that IEEE 754 rounds exactly (add, subtract, multiply, divide,
//! conversion of a 53-bit integer) are used on floating-point numbers: the logarithm
//! the exponential distribution needs is computed here by a fixed series instead of
//! the platform's maths library, whose last bit may differ between targets.

use serde::Serialize;

use crate::protocol::Time;

/// The golden-ratio increment of SplitMix64.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The finalizer of SplitMix64: a bijection that scrambles every input bit into every
/// output bit.
pub fn mix(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A counter-based stream of random numbers, one per node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stream {
    seed: u64,
    counter: u64,
}

impl Stream {
    /// The stream of node `node` in a run whose lab seed is `seed`.
    pub fn for_node(seed: u64, node: u32) -> Self {
        Self {
            seed: mix(seed ^ mix(u64::from(node).wrapping_add(1))),
            counter: 0,
        }
    }

    /// The next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(1);
        mix(self
            .seed
            .wrapping_add(self.counter.wrapping_mul(GOLDEN_GAMMA)))
    }

    /// A uniform integer in `[0, count)`, or 0 when `count` is 0.
    ///
    /// This is Lemire's multiply-shift without the rejection step: the bias is at
    /// most `count / 2^64`, far below anything a run could observe, and leaving out
    /// the rejection loop keeps every draw to exactly one output.
    pub fn below(&mut self, count: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(count)) >> 64) as u64
    }

    /// A uniform integer in `[low, high]` (the bounds are swapped if reversed).
    pub fn range_inclusive(&mut self, low: u64, high: u64) -> u64 {
        let (low, high) = if high < low { (high, low) } else { (low, high) };
        match (high - low).checked_add(1) {
            Some(span) => low + self.below(span),
            None => self.next_u64(),
        }
    }

    /// A uniform real number in `(0, 1]`: never zero, so its logarithm is finite.
    pub fn unit_open_below(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An exponentially distributed duration with mean `mean` microseconds, rounded
    /// to a whole microsecond and capped at `EXPONENTIAL_MEAN_CAP` means so that one
    /// unlucky draw cannot stall a node for the rest of the run.
    pub fn exponential(&mut self, mean: Time) -> Time {
        let draw = -natural_log(self.unit_open_below()) * mean as f64;
        let cap = mean.saturating_mul(EXPONENTIAL_MEAN_CAP);
        // The draw is finite and non-negative; the conversion saturates anyway.
        (draw.round() as Time).min(cap)
    }
}

/// The longest exponential draw, in means. `-ln(u)` exceeds 40 only for `u` below
/// `4e-18`, which a 53-bit uniform reaches about once in 200 runs of a billion
/// draws, so the cap changes nothing a learner can see.
pub const EXPONENTIAL_MEAN_CAP: u64 = 40;

/// The natural logarithm of a positive, finite, normal `x`, using only exactly
/// rounded operations: `x = m * 2^e` with `m` in `[sqrt(1/2), sqrt(2))`, then
/// `ln m = 2 atanh(s)` with `s = (m - 1) / (m + 1)`, whose series converges fast
/// because `|s| < 0.172`. Returns 0 for anything outside that domain.
pub fn natural_log(x: f64) -> f64 {
    if !(x.is_finite() && x.is_normal() && x > 0.0) {
        return 0.0;
    }
    let bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut mantissa = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    if mantissa > std::f64::consts::SQRT_2 {
        mantissa /= 2.0;
        exponent += 1;
    }
    let s = (mantissa - 1.0) / (mantissa + 1.0);
    let s_squared = s * s;
    let mut term = s;
    let mut sum = 0.0;
    // Twelve terms: the thirteenth is below s^25 / 25 < 1e-20, under an ulp.
    for k in 0..12 {
        sum += term / f64::from(2 * k + 1);
        term *= s_squared;
    }
    exponent as f64 * std::f64::consts::LN_2 + 2.0 * sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_series_logarithm_agrees_with_the_platform_logarithm() {
        for x in [1e-15, 0.001, 0.1, 0.5, 0.75, 0.99, 1.0, 3.0, 1e10] {
            let ours = natural_log(x);
            let platform = x.ln();
            assert!(
                (ours - platform).abs() <= 1e-14 * platform.abs().max(1.0),
                "ln({x}): {ours} vs {platform}"
            );
        }
    }

    #[test]
    fn two_nodes_with_the_same_seed_draw_different_numbers() {
        let mut first = Stream::for_node(7, 0);
        let mut second = Stream::for_node(7, 1);
        assert_ne!(first.next_u64(), second.next_u64());
    }

    #[test]
    fn the_same_seed_and_node_replay_the_same_numbers() {
        let mut first = Stream::for_node(7, 3);
        let mut second = Stream::for_node(7, 3);
        for _ in 0..100 {
            assert_eq!(first.next_u64(), second.next_u64());
        }
    }

    #[test]
    fn exponential_draws_have_the_requested_mean() {
        let mut stream = Stream::for_node(1, 0);
        let draws = 100_000u64;
        let total: u64 = (0..draws).map(|_| stream.exponential(10_000)).sum();
        let mean = total / draws;
        // The standard error of the mean is 10000 / sqrt(100000), about 32 µs.
        assert!((9_850..=10_150).contains(&mean), "mean {mean}");
    }

    #[test]
    fn below_stays_in_range_and_reaches_every_value() {
        let mut stream = Stream::for_node(3, 2);
        let mut seen = [0u32; 5];
        for _ in 0..1_000 {
            let value = stream.below(5) as usize;
            seen[value] += 1;
        }
        assert!(seen.iter().all(|&count| count > 150), "{seen:?}");
        assert_eq!(stream.below(0), 0);
    }
}
