//! Pins the fingerprint of every preset in `core/tests/preset_hashes.json`.
//!
//! The web app's wasm test compares the same file against runs in the browser, so
//! a change here is a change of every shared link's meaning. If a change to the
//! engine or a preset is intended, regenerate the file with
//! `NETSPLIT_BLESS=1 cargo test -p netsplit-core --test preset_hashes` and say why
//! in the commit.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use netsplit_core::catalogue::{self, PresetFingerprint};

const HASHES_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/preset_hashes.json");

#[test]
fn every_preset_keeps_its_stored_fingerprint() {
    let mut computed = BTreeMap::new();
    // Model labs' presets (consistent hashing) have no trace; their figures are pinned in
    // core/scenarios/hashing/expected/ by the hashing lab's own tests.
    for (name, _) in catalogue::engine_presets() {
        let fingerprint = catalogue::fingerprint(name)
            .unwrap_or_else(|error| panic!("preset {name} does not run: {error}"));
        computed.insert(name.to_string(), fingerprint);
    }
    if std::env::var_os("NETSPLIT_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&computed).expect("fingerprints serialize");
        std::fs::write(HASHES_PATH, text + "\n").expect("the hashes file is writable");
        return;
    }
    let stored_text = std::fs::read_to_string(HASHES_PATH)
        .expect("core/tests/preset_hashes.json exists (create it with NETSPLIT_BLESS=1)");
    let stored: BTreeMap<String, PresetFingerprint> =
        serde_json::from_str(&stored_text).expect("the hashes file is valid JSON");
    let stored_names: Vec<&String> = stored.keys().collect();
    let computed_names: Vec<&String> = computed.keys().collect();
    assert_eq!(
        stored_names, computed_names,
        "the presets changed; regenerate with NETSPLIT_BLESS=1"
    );
    for (name, fingerprint) in &computed {
        assert_eq!(
            Some(fingerprint),
            stored.get(name),
            "preset {name} changed its run; if intended, regenerate with NETSPLIT_BLESS=1"
        );
    }
}

#[test]
fn a_preset_fingerprint_is_the_same_when_computed_twice() {
    let (name, _) = catalogue::engine_presets()
        .next()
        .expect("an engine lab has presets");
    assert_eq!(
        catalogue::fingerprint(name).expect("runs"),
        catalogue::fingerprint(name).expect("runs")
    );
}
