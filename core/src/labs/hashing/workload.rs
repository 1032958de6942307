//! The keys a lab places: K generated keys, optionally skewed by a Zipf law, plus keys a
//! learner types.
//!
//! Generated key names are drawn from a ChaCha8 generator seeded by the workload's
//! seed, so a seed names the same keys everywhere. Under a Zipf workload key number r
//! (counting from 0, generated keys first, then typed keys) is requested with
//! probability proportional to `1 / (r + 1)^exponent`, and the workload draws that many
//! requests from the same generator: a node's request share is then the sum of its
//! keys' request counts. Powers come from `libm`, not the platform's maths library, so
//! the weights (and therefore the draws) are bit-identical natively and in wasm.

use std::collections::BTreeSet;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::KEYS_MAX;
use super::hash::hash_key;
use crate::scenario::ScenarioError;

/// The longest key name a learner may type, in bytes.
pub const TYPED_KEY_BYTES_MAX: usize = 256;
/// The most typed keys a workload may hold.
pub const TYPED_KEYS_MAX: usize = 10_000;
/// The largest Zipf exponent allowed (beyond it one key takes nearly every request).
pub const ZIPF_EXPONENT_MAX: f64 = 5.0;
/// The most requests a Zipf workload may draw.
pub const REQUESTS_MAX: u64 = 10_000_000;

/// A Zipf-skewed request stream over the keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZipfParams {
    /// The skew s: key r is requested in proportion to `1 / (r + 1)^s`. 0 is uniform,
    /// about 1 is typical of web caches; from 0 to [`ZIPF_EXPONENT_MAX`].
    pub exponent: f64,
    /// How many requests to draw, from 1 to [`REQUESTS_MAX`].
    pub requests: u64,
}

/// What keys to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// How many keys to generate (typed keys come on top).
    pub keys: u32,
    /// Keys a learner typed, placed after the generated ones.
    #[serde(default)]
    pub typed_keys: Vec<String>,
    /// A skewed request stream; without it every key is requested once.
    #[serde(default)]
    pub zipf: Option<ZipfParams>,
    /// The seed of the key names and the request draws.
    #[serde(default)]
    pub seed: u64,
}

/// The generated keys: names, their hashes and their request counts, all parallel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeySet {
    /// Key names, generated keys first, then typed keys.
    pub names: Vec<String>,
    /// Each key's xxHash64 position.
    pub hashes: Vec<u64>,
    /// How many times each key is requested (1 each without skew).
    pub requests: Vec<u64>,
    /// The sum of `requests`.
    pub requests_total: u64,
}

impl KeySet {
    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The index of the key called `name`, if present.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|candidate| candidate == name)
    }
}

impl Workload {
    /// Checks every field; `prefix` is prepended to field names in errors.
    pub fn validate(&self, prefix: &str) -> Result<(), ScenarioError> {
        if self.typed_keys.len() > TYPED_KEYS_MAX {
            return Err(ScenarioError::at(
                format!("{prefix}typed_keys"),
                format!(
                    "at most {TYPED_KEYS_MAX} typed keys are allowed, got {}",
                    self.typed_keys.len()
                ),
            ));
        }
        let total = self.keys as usize + self.typed_keys.len();
        if total == 0 || total > KEYS_MAX {
            return Err(ScenarioError::at(
                format!("{prefix}keys"),
                format!(
                    "generated plus typed keys must number between 1 and {KEYS_MAX}, got {total}"
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for (index, name) in self.typed_keys.iter().enumerate() {
            let field = format!("{prefix}typed_keys[{index}]");
            if name.is_empty() || name.len() > TYPED_KEY_BYTES_MAX {
                return Err(ScenarioError::at(
                    field,
                    format!(
                        "a key must be between 1 and {TYPED_KEY_BYTES_MAX} bytes long, got {}",
                        name.len()
                    ),
                ));
            }
            if !seen.insert(name.as_str()) {
                return Err(ScenarioError::at(
                    field,
                    format!("the key {name:?} is typed twice"),
                ));
            }
        }
        if let Some(zipf) = &self.zipf {
            if !(zipf.exponent.is_finite() && (0.0..=ZIPF_EXPONENT_MAX).contains(&zipf.exponent)) {
                return Err(ScenarioError::at(
                    format!("{prefix}zipf.exponent"),
                    format!(
                        "must be between 0 and {ZIPF_EXPONENT_MAX}, got {}",
                        zipf.exponent
                    ),
                ));
            }
            if zipf.requests == 0 || zipf.requests > REQUESTS_MAX {
                return Err(ScenarioError::at(
                    format!("{prefix}zipf.requests"),
                    format!(
                        "must be between 1 and {REQUESTS_MAX}, got {}",
                        zipf.requests
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Generates the key set, after [`Workload::validate`].
    pub fn generate(&self, prefix: &str) -> Result<KeySet, ScenarioError> {
        self.validate(prefix)?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let typed: BTreeSet<&str> = self.typed_keys.iter().map(String::as_str).collect();
        let wanted = self.keys as usize;
        let mut drawn: BTreeSet<u64> = BTreeSet::new();
        let mut names: Vec<String> = Vec::with_capacity(wanted + self.typed_keys.len());
        // A repeat of a 64-bit draw, or a draw that spells a typed key, is drawn again;
        // both are so rare that twice the wanted number of draws is a generous bound.
        let attempts_max = 2 * wanted + 16;
        let mut attempts = 0;
        while names.len() < wanted && attempts < attempts_max {
            attempts += 1;
            let value = rng.next_u64();
            let name = format!("key-{value:016x}");
            if drawn.insert(value) && !typed.contains(name.as_str()) {
                names.push(name);
            }
        }
        if names.len() < wanted {
            return Err(ScenarioError::at(
                format!("{prefix}seed"),
                format!(
                    "drew only {} distinct key names out of {wanted} in {attempts_max} draws",
                    names.len()
                ),
            ));
        }
        names.extend(self.typed_keys.iter().cloned());
        let hashes: Vec<u64> = names.iter().map(|name| hash_key(name)).collect();
        let requests = match &self.zipf {
            None => vec![1; names.len()],
            Some(zipf) => zipf_requests(names.len(), zipf, &mut rng),
        };
        let requests_total = requests.iter().sum();
        Ok(KeySet {
            names,
            hashes,
            requests,
            requests_total,
        })
    }
}

/// Draws `zipf.requests` requests over `count` keys ranked by position and returns how
/// many each key received.
fn zipf_requests(count: usize, zipf: &ZipfParams, rng: &mut ChaCha8Rng) -> Vec<u64> {
    let mut cumulative = Vec::with_capacity(count);
    let mut total = 0.0;
    for rank in 0..count {
        total += 1.0 / libm::pow((rank + 1) as f64, zipf.exponent);
        cumulative.push(total);
    }
    let mut counts = vec![0u64; count];
    for _ in 0..zipf.requests {
        // A uniform fraction in [0, 1) from the top 53 bits, scaled to the total weight.
        let target = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let rank = cumulative
            .partition_point(|&weight| weight <= target)
            .min(count - 1);
        counts[rank] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(keys: u32) -> Workload {
        Workload {
            keys,
            typed_keys: Vec::new(),
            zipf: None,
            seed: 7,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_keys_and_another_seed_other_keys() {
        let first = workload(100).generate("").unwrap();
        let again = workload(100).generate("").unwrap();
        assert_eq!(first, again);
        let other = Workload {
            seed: 8,
            ..workload(100)
        }
        .generate("")
        .unwrap();
        assert_ne!(first.names, other.names);
        assert_eq!(first.requests_total, 100);
    }

    #[test]
    fn typed_keys_follow_the_generated_ones() {
        let spec = Workload {
            typed_keys: vec!["alice".to_owned(), "bob".to_owned()],
            ..workload(3)
        };
        let keys = spec.generate("").unwrap();
        assert_eq!(keys.len(), 5);
        assert_eq!(keys.find("bob"), Some(4));
        assert_eq!(keys.hashes[3], hash_key("alice"));
    }

    #[test]
    fn a_zipf_workload_makes_the_first_key_the_hottest() {
        let spec = Workload {
            zipf: Some(ZipfParams {
                exponent: 1.2,
                requests: 50_000,
            }),
            ..workload(1_000)
        };
        let keys = spec.generate("").unwrap();
        assert_eq!(keys.requests_total, 50_000);
        let hottest = keys.requests.iter().max().unwrap();
        assert_eq!(keys.requests[0], *hottest);
        // With s = 1.2 over 1,000 keys the first key's probability is about 0.23.
        assert!(
            (10_000..13_500).contains(&keys.requests[0]),
            "{}",
            keys.requests[0]
        );
    }

    #[test]
    fn bad_workloads_are_refused_naming_the_field() {
        let cases = [
            (workload(0), "params.keys"),
            (
                Workload {
                    typed_keys: vec!["a".to_owned(), "a".to_owned()],
                    ..workload(1)
                },
                "params.typed_keys[1]",
            ),
            (
                Workload {
                    typed_keys: vec![String::new()],
                    ..workload(1)
                },
                "params.typed_keys[0]",
            ),
            (
                Workload {
                    zipf: Some(ZipfParams {
                        exponent: f64::NAN,
                        requests: 1,
                    }),
                    ..workload(1)
                },
                "params.zipf.exponent",
            ),
            (
                Workload {
                    zipf: Some(ZipfParams {
                        exponent: 1.0,
                        requests: 0,
                    }),
                    ..workload(1)
                },
                "params.zipf.requests",
            ),
        ];
        for (spec, field) in cases {
            match spec.validate("params.") {
                Err(ScenarioError::Invalid { path: got, .. }) => assert_eq!(got, field),
                other => panic!("expected an error on {field}, got {other:?}"),
            }
        }
    }
}
