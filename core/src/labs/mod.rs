//! The labs, one folder each, the same shape in each: `mod.rs` opens with the essay and
//! holds the protocol (or the pure model), `lab.rs` its catalogue entry (`LAB`: what it
//! is, its presets from `core/scenarios/<lab>/`, how it runs), its `LabProtocol` impl, lab
//! actions and invariants, and `tests` the rules of the paper as sentences. Labs on the
//! engine are sans-IO protocols the simulator drives; model labs (consistent hashing)
//! compute their report from a scenario directly. `crate::catalogue` lists them all.

pub mod broadcast;
pub mod clocks;
pub mod crdt;
pub mod gossip;
pub mod hashing;
pub mod idempotency;
pub mod loadbalancing;
pub mod paxos;
pub mod raft;
pub mod ratelimit;
pub mod transactions;
