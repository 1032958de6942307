//! The one hash function of the lab: xxHash64.
//!
//! Every scheme places keys and nodes with the same function so that a comparison
//! between schemes compares placement rules, not hash quality. xxHash64 was chosen
//! because its output is fixed by a public specification (little-endian reads, no
//! platform word size), so a key lands on the same position natively and in wasm32; it
//! passes SMHasher's distribution tests; and it is several times faster than SipHash on
//! short keys, which matters when a million keys are rehashed after every change. The
//! lab needs no protection against hash flooding (keys come from the learner or from a
//! seeded generator), which is what SipHash's secret key would buy.
//!
//! Each use draws from its own seed so that, for example, a node's ring tokens and its
//! Maglev offset are unrelated numbers.

use xxhash_rust::xxh64::xxh64;

use crate::protocol::NodeId;

/// The name of the hash function, as reports print it.
pub const HASH_FUNCTION_NAME: &str = "xxHash64";

/// The seed under which key names are hashed to ring positions.
pub const KEY_SEED: u64 = 0;

/// The seed under which a node's ring tokens are placed ("tokens" in ASCII).
const TOKEN_SEED: u64 = 0x746f_6b65_6e73;

/// The seed for a node's rendezvous identity ("rendezvous" truncated).
const RENDEZVOUS_SEED: u64 = 0x7265_6e64_657a;

/// The seed for a node's Maglev offset, the paper's first hash `h1`.
const MAGLEV_OFFSET_SEED: u64 = 0x006d_6167_6c65_7631;

/// The seed for a node's Maglev skip, the paper's second hash `h2`.
const MAGLEV_SKIP_SEED: u64 = 0x006d_6167_6c65_7632;

/// The 64-bit position of a key name: xxHash64 of its UTF-8 bytes under [`KEY_SEED`].
pub fn hash_key(name: &str) -> u64 {
    xxh64(name.as_bytes(), KEY_SEED)
}

/// xxHash64's primes, from the specification.
const PRIME_1: u64 = 0x9e37_79b1_85eb_ca87;
const PRIME_2: u64 = 0xc2b2_ae3d_27d4_eb4f;
const PRIME_3: u64 = 0x1656_67b1_9e37_79f9;
const PRIME_4: u64 = 0x85eb_ca77_c2b2_ae63;
const PRIME_5: u64 = 0x27d4_eb2f_1656_67c5;

/// xxHash64 of a 64-bit value's little-endian bytes under `seed`: exactly
/// `xxh64(&value.to_le_bytes(), seed)`, written out for the eight-byte case.
///
/// This is the hot path of every lookup (schemes hash 64-bit key hashes and node ids),
/// and the general function of the `xxhash-rust` crate cannot be inlined across the
/// crate boundary; spelling out the specification's steps for one eight-byte lane (seed
/// plus length, one round, merge, avalanche) lets the compiler inline it. A test checks
/// it against the crate.
///
/// For a fixed seed this is a bijection on 64-bit values (every step is invertible), so
/// distinct inputs never collide; rendezvous hashing relies on that to rank nodes
/// without ties.
#[inline]
pub fn hash_u64(value: u64, seed: u64) -> u64 {
    let mut hash = seed.wrapping_add(PRIME_5).wrapping_add(8);
    let lane = value
        .wrapping_mul(PRIME_2)
        .rotate_left(31)
        .wrapping_mul(PRIME_1);
    hash ^= lane;
    hash = hash
        .rotate_left(27)
        .wrapping_mul(PRIME_1)
        .wrapping_add(PRIME_4);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(PRIME_2);
    hash ^= hash >> 29;
    hash = hash.wrapping_mul(PRIME_3);
    hash ^ (hash >> 32)
}

/// The ring position of token number `index` of `node`. Token `i` of a node never
/// depends on how many tokens it has, so raising a node's weight adds tokens without
/// moving the old ones.
pub fn token_position(node: NodeId, index: u32) -> u64 {
    hash_u64((u64::from(node) << 32) | u64::from(index), TOKEN_SEED)
}

/// A node's rendezvous identity, mixed with each key hash to score the node for it.
pub fn rendezvous_node_seed(node: NodeId) -> u64 {
    hash_u64(u64::from(node), RENDEZVOUS_SEED)
}

/// The rendezvous score of a node (given by its [`rendezvous_node_seed`]) for a key.
/// Because [`hash_u64`] is a bijection and node seeds differ, two nodes never tie.
pub fn rendezvous_score(node_seed: u64, key_hash: u64) -> u64 {
    hash_u64(key_hash ^ node_seed, RENDEZVOUS_SEED)
}

/// The Maglev paper's `h1(name)` for a node: where its preference permutation starts.
pub fn maglev_offset_hash(node: NodeId) -> u64 {
    hash_u64(u64::from(node), MAGLEV_OFFSET_SEED)
}

/// The Maglev paper's `h2(name)` for a node: the stride of its preference permutation.
pub fn maglev_skip_hash(node: NodeId) -> u64 {
    hash_u64(u64::from(node), MAGLEV_SKIP_SEED)
}

/// A 64-bit position as a fraction of the ring (of 2^64), in `[0, 1)`, for drawing.
/// Only the top 53 bits are kept, which is all an `f64` can hold exactly.
pub fn ring_fraction(position: u64) -> f64 {
    (position >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hashes_match_the_published_xxhash64_test_vectors() {
        // Reference values from the xxHash specification's test suite (seed 0).
        assert_eq!(hash_key(""), 0xef46_db37_51d8_e999);
        assert_eq!(hash_key("abc"), 0x44bc_2cf5_ad77_0999);
    }

    #[test]
    fn the_eight_byte_hash_is_xxhash64_of_the_little_endian_bytes() {
        let mut value = 0x0123_4567_89ab_cdefu64;
        for seed in [0, 1, TOKEN_SEED, u64::MAX] {
            for _ in 0..1_000 {
                assert_eq!(hash_u64(value, seed), xxh64(&value.to_le_bytes(), seed));
                value = value.wrapping_mul(PRIME_1).wrapping_add(PRIME_4);
            }
        }
        assert_eq!(hash_u64(0, 0), xxh64(&[0; 8], 0));
        assert_eq!(hash_u64(u64::MAX, 0), xxh64(&[0xff; 8], 0));
    }

    #[test]
    fn a_token_position_depends_only_on_the_node_and_the_token_index() {
        assert_eq!(token_position(7, 3), token_position(7, 3));
        assert_ne!(token_position(7, 3), token_position(7, 4));
        assert_ne!(token_position(7, 3), token_position(8, 3));
    }

    #[test]
    fn ring_fractions_stay_inside_the_unit_interval() {
        assert_eq!(ring_fraction(0), 0.0);
        assert!(ring_fraction(u64::MAX) < 1.0);
        assert!((ring_fraction(1u64 << 63) - 0.5).abs() < 1e-15);
    }
}
