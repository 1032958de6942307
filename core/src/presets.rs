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
        "loadbalancing-basic",
        include_str!("../scenarios/loadbalancing-basic.json"),
    ),
    (
        "loadbalancing-dead-server",
        include_str!("../scenarios/loadbalancing-dead-server.json"),
    ),
    (
        "loadbalancing-herd",
        include_str!("../scenarios/loadbalancing-herd.json"),
    ),
    (
        "loadbalancing-heterogeneous",
        include_str!("../scenarios/loadbalancing-heterogeneous.json"),
    ),
    (
        "loadbalancing-retry-storm",
        include_str!("../scenarios/loadbalancing-retry-storm.json"),
    ),
    (
        "loadbalancing-slow-server",
        include_str!("../scenarios/loadbalancing-slow-server.json"),
    ),
    (
        "loadbalancing-two-choices",
        include_str!("../scenarios/loadbalancing-two-choices.json"),
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
