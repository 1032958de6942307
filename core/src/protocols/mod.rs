//! The protocols the labs run.

pub mod loadbalancing;
