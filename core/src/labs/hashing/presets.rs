//! The hashing lab's preset scenarios, from `core/scenarios/hashing/`, embedded so the
//! web app and the tests use exactly the files the command-line tool reads.
//!
//! They live in a folder of their own because they are hashing scenarios
//! ([`super::HashingScenario`]), not simulator scenarios: the simulator's preset list
//! (`crate::presets`) covers the `.json` files directly in `core/scenarios/`.

/// Every preset as `(name, JSON text)`, the name being the file name without `.json`,
/// in alphabetical order.
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
        "hashing-bounded-loads",
        include_str!("../../../scenarios/hashing/hashing-bounded-loads.json"),
    ),
    (
        "hashing-hot-key-zipf",
        include_str!("../../../scenarios/hashing/hashing-hot-key-zipf.json"),
    ),
    (
        "hashing-maglev-vs-ring",
        include_str!("../../../scenarios/hashing/hashing-maglev-vs-ring.json"),
    ),
    (
        "hashing-modulo-vs-ring",
        include_str!("../../../scenarios/hashing/hashing-modulo-vs-ring.json"),
    ),
    (
        "hashing-vnodes-1",
        include_str!("../../../scenarios/hashing/hashing-vnodes-1.json"),
    ),
    (
        "hashing-vnodes-100",
        include_str!("../../../scenarios/hashing/hashing-vnodes-100.json"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hashing_preset_file_is_embedded() {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/hashing");
        let mut files: Vec<String> = std::fs::read_dir(directory)
            .expect("the hashing scenarios directory exists")
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .map(|name| name.trim_end_matches(".json").to_owned())
            .collect();
        files.sort();
        let embedded: Vec<&str> = all().iter().map(|(name, _)| *name).collect();
        assert_eq!(files, embedded);
    }

    #[test]
    fn every_hashing_preset_is_a_valid_scenario() {
        for (name, text) in all() {
            super::super::parse_scenario(text)
                .unwrap_or_else(|error| panic!("preset {name}: {error}"));
        }
        assert!(get("hashing-modulo-vs-ring").is_some());
        assert!(get("raft-figure-8").is_none());
    }
}
