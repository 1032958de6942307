//! The protocols the labs run, one file (or folder) per protocol.

pub mod broadcast;
pub mod loadbalancing;
pub mod raft;
