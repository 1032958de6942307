//! WebAssembly checks, run with wasm-bindgen's test runner (in Node.js by default):
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test -p netsplit-core --target wasm32-unknown-unknown --release --test wasm -- --nocapture
//! ```
//!
//! The first test proves the preset fingerprints computed in 32-bit WebAssembly
//! equal the native ones stored in `preset_hashes.json`; the others measure the
//! engine's speed in WebAssembly on the same workloads as the native benchmark.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use netsplit_core::bench::{STEADY_5_NODES, broadcast_1000_nodes, run_workload};
use netsplit_core::catalogue::{self, PresetFingerprint};
use wasm_bindgen_test::wasm_bindgen_test;

const STORED: &str = include_str!("preset_hashes.json");

#[wasm_bindgen_test]
fn preset_fingerprints_in_wasm_equal_the_native_ones() {
    let stored: BTreeMap<String, PresetFingerprint> =
        serde_json::from_str(STORED).expect("the hashes file is valid JSON");
    for (name, _) in catalogue::engine_presets() {
        let computed = catalogue::fingerprint(name).expect("the preset runs");
        assert_eq!(Some(&computed), stored.get(*name), "preset {name}");
    }
}

fn measure(name: &str, text: &str) {
    // Warm up once, then time a few runs and keep the fastest, as the native
    // benchmark's minimum would.
    let expected = run_workload(text).expect("the workload runs");
    let mut best_ms = f64::MAX;
    for _ in 0..3 {
        let start = js_sys::Date::now();
        let result = run_workload(text).expect("the workload runs");
        best_ms = best_ms.min(js_sys::Date::now() - start);
        assert_eq!(result, expected, "every run of a workload is the same run");
    }
    let per_second = expected.delivered as f64 / (best_ms / 1_000.0);
    wasm_bindgen_test::console_log!(
        "wasm {name}: {} events, {} delivered in {best_ms:.0} ms: {:.2} million delivered messages per second",
        expected.events,
        expected.delivered,
        per_second / 1e6
    );
}

#[wasm_bindgen_test]
fn steady_5_node_throughput() {
    measure("steady_5_nodes_20s", STEADY_5_NODES);
}

#[wasm_bindgen_test]
fn broadcast_1000_node_throughput() {
    measure("broadcast_1000_nodes", broadcast_1000_nodes());
}
