//! The same scenario gives the same run in the browser as natively: every preset's trace
//! hash, computed here in wasm32 inside headless Chromium, equals the one the native test
//! suite pins in `core/tests/preset_hashes.json`.

use std::collections::BTreeMap;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const NATIVE_HASHES: &str = include_str!("../../core/tests/preset_hashes.json");

#[wasm_bindgen_test]
fn every_preset_has_the_same_fingerprint_in_wasm_as_natively() {
    netsplit_web::bundle::install(&netsplit_web::bundle::ALL);
    let native: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(NATIVE_HASHES).expect("the native hashes file is valid JSON");
    assert!(native.len() >= 10, "the native file lists the presets");
    for (name, expected) in &native {
        let computed = netsplit_core::catalogue::fingerprint(name)
            .unwrap_or_else(|error| panic!("preset {name}: {error}"));
        let computed = serde_json::to_value(&computed).expect("fingerprints serialize");
        assert_eq!(
            &computed, expected,
            "preset {name} ran differently in wasm32"
        );
    }
}
