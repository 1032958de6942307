//! The protocols the simulator runs, one module per lab.

pub mod raft;
