//! Fuzzes the scenario parser, validator and builder, then runs whatever is
//! accepted for a moment of virtual time. Any panic is a bug: bad input must come
//! back as a `ScenarioError` naming the field.
//!
//! Run from `core/fuzz` with a nightly toolchain:
//! `mkdir -p corpus/scenario && cargo +nightly fuzz run scenario corpus/scenario seeds -- -max_total_time=300`
//! (new inputs go to the ignored `corpus/scenario`; `seeds` holds the presets as a
//! read-only starting corpus).
#![no_main]

use libfuzzer_sys::fuzz_target;
use netsplit_core::{Scenario, build};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut scenario) = Scenario::parse(text) else {
        return;
    };
    // Keep each accepted input cheap to run so the fuzzer explores breadth.
    scenario.limits.max_events = scenario.limits.max_events.min(20_000);
    if let Ok(mut lab) = build(&scenario) {
        lab.run_until(100_000);
        let _ = lab.trace_tail(10);
        let _ = lab.in_flight();
        let _ = lab.scenario();
    }
});
