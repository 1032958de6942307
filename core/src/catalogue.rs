//! The catalogue: every lab this build knows, in gallery order, and what is done with
//! the whole list (building any scenario's run, finding any preset).
//!
//! It is the one place that names every lab. A lab defines its [`Lab`] in
//! `labs/<lab>/lab.rs` and its presets in `core/scenarios/<lab>/`; adding it here is one
//! line. The tests below fail, naming what is missing, when a lab is half-registered.
//! Nothing in `crate::lab`, `crate::presets` or below the labs imports this module, so the
//! import graph has no cycle through it. Preset fingerprints, which run any lab's preset,
//! live here for that reason.

use crate::lab::{Lab, LabRun, Runs};
use crate::scenario::{Scenario, ScenarioError};

/// Every lab, in gallery order.
pub const LABS: &[Lab] = &[
    crate::labs::raft::lab::LAB,
    crate::labs::paxos::lab::LAB,
    crate::labs::crdt::lab::LAB,
    crate::labs::gossip::lab::LAB,
    crate::labs::transactions::lab::LAB,
    crate::labs::idempotency::lab::LAB,
    crate::labs::hashing::lab::LAB,
    crate::labs::ratelimit::lab::LAB,
    crate::labs::loadbalancing::lab::LAB,
    crate::labs::broadcast::lab::LAB,
    crate::labs::clocks::lab::LAB,
];

/// The lab called `name`.
pub fn lab(name: &str) -> Option<&'static Lab> {
    LABS.iter().find(|lab| lab.info.name == name)
}

/// Builds the run a scenario describes, after validating it.
pub fn build(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    let builders: Vec<(&str, crate::lab::Builder)> = LABS
        .iter()
        .filter_map(|lab| Some((lab.info.name, lab.builder()?)))
        .collect();
    crate::lab::build_among(scenario, &builders)
}

/// Parses, validates and builds in one go.
pub fn build_from_json(text: &str) -> Result<Box<dyn LabRun>, ScenarioError> {
    build(&Scenario::from_json(text)?)
}

/// The lab a preset belongs to, and its text.
pub fn preset(name: &str) -> Option<(&'static Lab, &'static str)> {
    LABS.iter()
        .find_map(|lab| lab.preset(name).map(|text| (lab, text)))
}

/// Every preset of the labs that run on the engine, as `(name, JSON text)`, lab by lab:
/// the runs that have a trace and a fingerprint.
pub fn engine_presets() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    LABS.iter()
        .filter(|lab| lab.builder().is_some())
        .flat_map(|lab| lab.presets.iter())
}

/// The name in a scenario's `"lab"` field, read before the scenario is parsed in any
/// lab's format (model labs have formats of their own).
pub fn lab_of(text: &str) -> Result<String, ScenarioError> {
    #[derive(serde::Deserialize)]
    struct Named {
        lab: String,
    }
    serde_json::from_str::<Named>(text)
        .map(|named| named.lab)
        .map_err(|error| ScenarioError::Parse {
            path: "lab".to_string(),
            message: format!("a scenario names its lab in a string field \"lab\": {error}"),
        })
}

/// The report of a scenario of a model lab (consistent hashing), or `None` when the
/// scenario's lab runs on the engine.
pub fn model_report(text: &str) -> Option<Result<serde_json::Value, ScenarioError>> {
    let name = lab_of(text).ok()?;
    match lab(&name)?.runs {
        Runs::Model(report) => Some(report(text)),
        Runs::Engine(_) => None,
    }
}

/// The most events a preset fingerprint run processes, so the check stays quick
/// in debug builds and in the browser.
pub const FINGERPRINT_EVENTS_MAX: u64 = 50_000;

/// The fingerprint of a preset's run, as stored in `core/tests/preset_hashes.json`
/// and compared natively and in WebAssembly.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PresetFingerprint {
    /// The virtual time the run went to, in milliseconds (the preset's
    /// `run_until_ms`, or 0 if it has none).
    pub until_ms: u64,
    /// The event bound used: the preset's own, capped at [`FINGERPRINT_EVENTS_MAX`].
    pub max_events: u64,
    /// Events processed.
    pub events: u64,
    /// The trace hash as 16 lowercase hex digits.
    pub trace_hash: String,
}

/// Runs preset `name` of an engine lab the standard way (to its `run_until_ms`, at most
/// [`FINGERPRINT_EVENTS_MAX`] events, no learner actions) and returns its fingerprint.
pub fn fingerprint(name: &str) -> Result<PresetFingerprint, crate::scenario::ScenarioError> {
    let text =
        crate::presets::get(name).ok_or_else(|| crate::scenario::ScenarioError::Invalid {
            path: "preset".to_string(),
            reason: format!("no preset named {name:?}"),
        })?;
    let mut scenario = crate::scenario::Scenario::parse(text)?;
    scenario.limits.max_events = scenario.limits.max_events.min(FINGERPRINT_EVENTS_MAX);
    let until_ms = scenario.run_until_ms.unwrap_or(0);
    let mut lab = build(&scenario)?;
    lab.run_until(until_ms.saturating_mul(crate::protocol::MICROS_PER_MS));
    Ok(PresetFingerprint {
        until_ms,
        max_events: scenario.limits.max_events,
        events: lab.events(),
        trace_hash: format!("{:016x}", lab.trace_hash()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lab_has_a_preset_folder_and_every_preset_folder_a_lab() {
        for lab in LABS {
            assert!(
                crate::presets::PRESET_FOLDERS.contains(&lab.info.name),
                "lab {:?} has no presets: add core/scenarios/{}/ with at least one preset",
                lab.info.name,
                lab.info.name
            );
            assert!(
                !lab.presets.is_empty(),
                "lab {:?} lists no presets: its LAB must use crate::presets::of_lab::{}",
                lab.info.name,
                lab.info.name.to_uppercase()
            );
        }
        for folder in crate::presets::PRESET_FOLDERS {
            assert!(
                lab(folder).is_some(),
                "core/scenarios/{folder}/ holds presets of a lab the catalogue does not list: \
                 add its LAB to catalogue::LABS"
            );
        }
    }

    #[test]
    fn every_lab_lists_exactly_its_own_folders_presets() {
        for lab in LABS {
            for (name, text) in lab.presets {
                assert_eq!(
                    lab_of(text).as_deref().ok(),
                    Some(lab.info.name),
                    "preset {name} is in core/scenarios/{}/ but names another lab",
                    lab.info.name
                );
                assert!(
                    name.starts_with(&format!("{}-", lab.info.name)),
                    "preset {name} should be named {}-...",
                    lab.info.name
                );
            }
        }
    }

    #[test]
    fn lab_names_are_unique_and_in_a_lab_folder_of_the_same_name() {
        let mut names: Vec<&str> = LABS.iter().map(|lab| lab.info.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), LABS.len(), "two labs share a name");
        let labs_folder = concat!(env!("CARGO_MANIFEST_DIR"), "/src/labs");
        for lab in LABS {
            let lab_rs = format!("{labs_folder}/{}/lab.rs", lab.info.name);
            assert!(
                std::path::Path::new(&lab_rs).is_file(),
                "lab {:?} should live in core/src/labs/{}/ with its entry in lab.rs",
                lab.info.name,
                lab.info.name
            );
        }
    }

    #[test]
    fn every_lab_folder_is_in_the_catalogue() {
        let labs_folder = concat!(env!("CARGO_MANIFEST_DIR"), "/src/labs");
        for entry in std::fs::read_dir(labs_folder).expect("core/src/labs is readable") {
            let entry = entry.expect("a readable entry");
            if entry.path().is_dir() {
                let name = entry.file_name().to_string_lossy().into_owned();
                assert!(
                    lab(&name).is_some(),
                    "core/src/labs/{name}/ is not in catalogue::LABS: add its LAB there"
                );
            }
        }
    }

    #[test]
    fn every_preset_of_every_lab_is_valid_in_its_labs_format() {
        for lab in LABS {
            for (name, text) in lab.presets {
                match lab.runs {
                    Runs::Engine(_) => {
                        let scenario = Scenario::parse(text)
                            .unwrap_or_else(|error| panic!("preset {name}: {error}"));
                        build(&scenario).unwrap_or_else(|error| panic!("preset {name}: {error}"));
                    }
                    Runs::Model(report) => {
                        report(text).unwrap_or_else(|error| panic!("preset {name}: {error}"));
                    }
                }
            }
        }
    }

    #[test]
    fn every_engine_labs_default_sweep_metrics_are_non_zero_on_its_presets_with_traffic() {
        let mut checked = Vec::new();
        for lab in LABS {
            let Runs::Engine(builder) = lab.runs else {
                continue;
            };
            for (name, text) in lab.presets {
                let scenario = Scenario::parse(text).expect("presets parse");
                let mut run = builder(&scenario).expect("presets build");
                let until_ms = scenario
                    .run_until_ms
                    .expect("every preset sets run_until_ms");
                run.run_until(until_ms * crate::protocol::MICROS_PER_MS);
                let scalars = run.metrics().scalars();
                let value = |metric: &str| scalars.get(metric).copied();
                // Traffic: requests from the engine's clients, or from the load
                // balancing lab's client nodes.
                let traffic = value("client_requests").unwrap_or(0.0) > 0.0
                    || value("requests_started").unwrap_or(0.0) > 0.0;
                // A preset whose point is a system that makes no progress (`"liveness":
                // "fail"`, such as Paxos's livelock) has no progress figures to sweep.
                if !traffic || scenario.liveness == crate::scenario::Liveness::Fail {
                    continue;
                }
                for metric in run.sweep_metrics() {
                    let figure = value(metric).unwrap_or_else(|| {
                        panic!(
                            "preset {name} reports no metric {metric:?} (a default of lab {:?})",
                            lab.info.name
                        )
                    });
                    assert!(
                        figure > 0.0,
                        "preset {name}: the default sweep metric {metric:?} is {figure}"
                    );
                }
                checked.push(lab.info.name);
            }
        }
        for lab in LABS.iter().filter(|lab| lab.builder().is_some()) {
            assert!(
                checked.contains(&lab.info.name),
                "no preset of lab {:?} has traffic to check its default metrics on",
                lab.info.name
            );
        }
    }

    #[test]
    fn a_model_labs_scenario_is_reported_and_an_engine_labs_is_not() {
        let (_, hashing) = preset("hashing-vnodes-1").expect("the preset exists");
        assert!(model_report(hashing).is_some_and(|report| report.is_ok()));
        let (_, raft) = preset("raft-steady-state").expect("the preset exists");
        assert!(model_report(raft).is_none());
        let error = lab_of(r#"{"version": 1}"#).unwrap_err();
        assert!(error.to_string().starts_with("lab: "), "{error}");
    }
}
