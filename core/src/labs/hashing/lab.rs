//! Consistent hashing as a lab: its catalogue entry. The lab is a model, not a
//! message-passing simulation: a scenario is read and its report computed
//! ([`super::report_from_json`]); the playground holds a [`super::HashingLab`].

use crate::lab::{Lab, LabInfo, Runs};
use crate::scenario::ScenarioError;

/// What the lab is.
pub const INFO: LabInfo = LabInfo {
    name: "hashing",
    title: "Consistent hashing",
    description: "Add a node and count the keys that move: modulo, ring, rendezvous, jump, Maglev.",
    papers: &[
        "Karger et al., Consistent Hashing and Random Trees (1997)",
        "DeCandia et al., Dynamo: Amazon's Highly Available Key-value Store (2007)",
        "Eisenbud et al., Maglev: A Fast and Reliable Software Network Load Balancer (2016)",
    ],
};

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::HASHING,
    runs: Runs::Model(report),
};

/// Reads a hashing scenario and computes its report.
pub fn report(text: &str) -> Result<serde_json::Value, ScenarioError> {
    let report = super::report_from_json(text)?;
    serde_json::to_value(&report).map_err(|error| ScenarioError::Invalid {
        path: ".".to_string(),
        reason: format!("the report could not be written as JSON: {error}"),
    })
}
