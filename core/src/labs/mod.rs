//! Labs that are not Raft-style protocols: self-contained, deterministic libraries that
//! teach one idea each (consistent hashing, rate limiting) and plug into the playground
//! beside the protocols. Same scenario in, same report out, natively, in the CLI and in
//! the browser.

pub mod hashing;
pub mod ratelimit;
