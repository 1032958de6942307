//! Labs: self-contained simulations that teach one idea each and plug into the
//! playground beside the protocols. Each lab is a pure, deterministic library: same
//! scenario in, same report out, natively, in the CLI and in the browser.

pub mod ratelimit;
