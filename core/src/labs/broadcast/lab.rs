//! Broadcast as a lab of the engine: its catalogue entry, parameter checks, lab actions
//! and invariants.

use super::Broadcast;
use crate::invariant::Invariant;
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, Runs, build_protocol_lab};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::LabActionFn;

/// What the lab is.
pub const INFO: LabInfo = LabInfo {
    name: "broadcast",
    title: "Broadcast",
    description: "The simulator's warm-up: nodes ping each other in rounds and count the \
                  answers; cut links, lose and duplicate messages and watch them drop.",
    papers: &["The network model every lab runs on"],
};

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::BROADCAST,
    runs: Runs::Engine(build),
};

/// Builds a broadcast run from a validated scenario.
pub fn build(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build_protocol_lab::<Broadcast>(scenario)?))
}

impl LabProtocol for Broadcast {
    const INFO: LabInfo = INFO;
    const SWEEP_METRICS: &'static [&'static str] = &[
        "messages_delivered",
        "client_latency_ms_p50",
        "client_latency_ms_p99",
    ];

    fn invariants(_config: &Self::Config) -> Vec<Box<dyn Invariant<Self>>> {
        super::invariants()
    }

    fn lab_action() -> Option<LabActionFn<Self>> {
        Some(super::lab_action)
    }

    fn validate_config(config: &Self::Config) -> Result<(), (String, String)> {
        if config.round_ms_min == 0 || config.round_ms_min > 3_600_000 {
            return Err((
                "round_ms_min".to_string(),
                format!("must be between 1 and 3600000, got {}", config.round_ms_min),
            ));
        }
        if config.round_ms_max < config.round_ms_min || config.round_ms_max > 3_600_000 {
            return Err((
                "round_ms_max".to_string(),
                format!(
                    "must be between round_ms_min ({}) and 3600000, got {}",
                    config.round_ms_min, config.round_ms_max
                ),
            ));
        }
        Ok(())
    }
}
