//! The preset scenarios in `core/scenarios/`, embedded so the web app and the
//! tests use exactly the files the CLI reads.

/// Every preset as `(name, JSON text)`, the name being the file name without
/// `.json`, in alphabetical order.
pub fn all() -> &'static [(&'static str, &'static str)] {
    PRESETS
}

/// The preset called `name`, if there is one.
pub fn get(name: &str) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|(preset, _)| *preset == name)
        .map(|(_, text)| *text)
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

/// Runs preset `name` the standard way (to its `run_until_ms`, at most
/// [`FINGERPRINT_EVENTS_MAX`] events, no learner actions) and returns its
/// fingerprint.
pub fn fingerprint(name: &str) -> Result<PresetFingerprint, crate::scenario::ScenarioError> {
    let text = get(name).ok_or_else(|| crate::scenario::ScenarioError::Invalid {
        path: "preset".to_string(),
        reason: format!("no preset named {name:?}"),
    })?;
    let mut scenario = crate::scenario::Scenario::parse(text)?;
    scenario.limits.max_events = scenario.limits.max_events.min(FINGERPRINT_EVENTS_MAX);
    let until_ms = scenario.run_until_ms.unwrap_or(0);
    let mut lab = crate::lab::build(&scenario)?;
    lab.run_until(until_ms.saturating_mul(crate::protocol::MICROS_PER_MS));
    Ok(PresetFingerprint {
        until_ms,
        max_events: scenario.limits.max_events,
        events: lab.events(),
        trace_hash: format!("{:016x}", lab.trace_hash()),
    })
}

const PRESETS: &[(&str, &str)] = &[
    (
        "broadcast-basic",
        include_str!("../scenarios/broadcast-basic.json"),
    ),
    (
        "broadcast-duplicates",
        include_str!("../scenarios/broadcast-duplicates.json"),
    ),
    (
        "broadcast-faults",
        include_str!("../scenarios/broadcast-faults.json"),
    ),
    (
        "broadcast-large",
        include_str!("../scenarios/broadcast-large.json"),
    ),
    (
        "raft-bug-commit-earlier-terms-by-counting",
        include_str!("../scenarios/raft-bug-commit-earlier-terms-by-counting.json"),
    ),
    (
        "raft-bug-forget-voted-for-on-restart",
        include_str!("../scenarios/raft-bug-forget-voted-for-on-restart.json"),
    ),
    (
        "raft-bug-no-timeout-randomization",
        include_str!("../scenarios/raft-bug-no-timeout-randomization.json"),
    ),
    (
        "raft-bug-vote-without-log-check",
        include_str!("../scenarios/raft-bug-vote-without-log-check.json"),
    ),
    (
        "raft-election-time",
        include_str!("../scenarios/raft-election-time.json"),
    ),
    (
        "raft-figure-8",
        include_str!("../scenarios/raft-figure-8.json"),
    ),
    (
        "raft-flaky-network",
        include_str!("../scenarios/raft-flaky-network.json"),
    ),
    (
        "raft-leader-crash",
        include_str!("../scenarios/raft-leader-crash.json"),
    ),
    (
        "raft-membership-change",
        include_str!("../scenarios/raft-membership-change.json"),
    ),
    (
        "raft-minority-partition",
        include_str!("../scenarios/raft-minority-partition.json"),
    ),
    (
        "raft-stale-leader",
        include_str!("../scenarios/raft-stale-leader.json"),
    ),
    (
        "raft-steady-state",
        include_str!("../scenarios/raft-steady-state.json"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_file_is_embedded() {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        let mut files: Vec<String> = std::fs::read_dir(directory)
            .expect("the scenarios directory exists")
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .map(|name| name.trim_end_matches(".json").to_string())
            .collect();
        files.sort();
        let embedded: Vec<String> = all().iter().map(|(name, _)| name.to_string()).collect();
        assert_eq!(files, embedded);
    }

    #[test]
    fn every_preset_is_a_valid_scenario_for_a_known_lab() {
        for (name, text) in all() {
            let scenario = crate::scenario::Scenario::parse(text)
                .unwrap_or_else(|error| panic!("preset {name}: {error}"));
            assert!(
                crate::lab::LABS.iter().any(|lab| lab.name == scenario.lab),
                "preset {name} names an unknown lab"
            );
        }
    }
}
