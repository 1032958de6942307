//! Labs that are not message-passing protocols: pure libraries the playground renders
//! directly (consistent hashing, and more to come). Each lab is deterministic from its
//! parameters and seed, like everything else in the core.

pub mod hashing;
