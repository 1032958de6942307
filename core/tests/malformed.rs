//! Malformed scenarios give clear messages naming the field, and never panic.
//!
//! Besides the hand-written cases, three property tests fuzz the parser and the
//! builder: arbitrary text, valid presets with random damage (truncation, byte
//! flips, insertions), and random JSON documents built from the format's own field
//! names so that the fuzzing reaches validation, not just the JSON syntax check.
//! (The `cargo fuzz` target in `core/fuzz/` does the same with coverage guidance.)

#![cfg(not(target_arch = "wasm32"))]

use netsplit_core::scenario::Scenario;
use netsplit_core::{build, presets};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(256)
}

/// Parses, validates and builds; returns the error message, or `None` if valid.
fn error_of(text: &str) -> Option<String> {
    match Scenario::parse(text) {
        Err(error) => Some(error.to_string()),
        Ok(scenario) => build(&scenario).err().map(|error| error.to_string()),
    }
}

#[test]
fn malformed_scenarios_are_explained_by_path_and_reason() {
    let cases: &[(&str, &str)] = &[
        ("", ".: EOF while parsing a value at line 1 column 0"),
        ("{", ".: EOF while parsing an object at line 1 column 1"),
        (
            "[]",
            ".: a scenario is a JSON object starting with '{', not '['",
        ),
        (
            r#"{"version": 1, "lab": "broadcast"}"#,
            ".: missing field `nodes`",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": "three"}"#,
            "nodes: invalid type: string \"three\", expected u32",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3.5}"#,
            "nodes: invalid type: floating point `3.5`, expected u32",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 1e400}"#,
            "nodes: number out of range",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 0}"#,
            "nodes: must be between 1 and 1000, got 0",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "seed": -1}"#,
            "seed: invalid value: integer `-1`, expected u64",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "seed": 18446744073709551616}"#,
            "seed: invalid type: floating point `1.8446744073709552e+19`, expected u64",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3} trailing"#,
            ".: trailing characters",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "colour": "red"}"#,
            "colour: unknown field `colour`",
        ),
        (
            r#"{"version": 1, "lab": "nope", "nodes": 3}"#,
            "lab: unknown lab \"nope\"; known labs: raft",
        ),
        (
            r#"{"version": 1, "lab": "", "nodes": 3}"#,
            "lab: must name a lab",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "disk_write_latency_ms": -2}"#,
            "disk_write_latency_ms: must be between 0 and 3600000 milliseconds, got -2",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "network": {"latency": {"distribution": "fixed", "ms": 1e300}}}"#,
            "network.latency.ms: must be between 0 and 3600000 milliseconds",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "network": {"latency": {"distribution": "gamma"}}}"#,
            "network.latency.distribution: unknown variant `gamma`, expected one of `fixed`, `uniform`, `normal`",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "network": {"duplicate_probability": 2}}"#,
            "network.duplicate_probability: must be between 0 and 1, got 2",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "timeline": [{"at_ms": 5, "action": {"type": "explode"}}]}"#,
            "timeline[0].action.type: unknown variant `explode`",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "timeline": [{"at_ms": 5, "action": {"type": "crash", "node": 5000}}]}"#,
            "timeline[0].action.node: node 5000 cannot exist",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "timeline": [{"at_ms": 5, "action": {"type": "client_request", "node": 0, "request": {"op": "fly"}}}]}"#,
            "timeline[0].action.request.op: unknown variant `fly`",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "workload": {"generator": {"rate_per_second": 0, "request": {"op": "read"}}}}"#,
            "workload.generator.rate_per_second: must be above 0",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "workload": {"generator": {"rate_per_second": 5, "request": {"op": "store", "value": "$x"}}}}"#,
            "workload.generator.request: invalid type: string \"$x\", expected u64",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "params": {"round_ms_min": 0}}"#,
            "params.round_ms_min: must be between 1 and 3600000, got 0",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "params": {"speed": 0}}"#,
            "params.speed: unknown field `speed`",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "limits": {"max_events": 0}}"#,
            "limits.max_events: must be between 1 and 10000000000, got 0",
        ),
        (
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "run_until_ms": 99999999999999999}"#,
            "run_until_ms: must be at most 1000000000000 milliseconds",
        ),
    ];
    for (text, expected) in cases {
        let message = error_of(text).unwrap_or_else(|| panic!("accepted: {text}"));
        assert!(
            message.starts_with(expected),
            "for {text}\n  expected a message starting with: {expected}\n  got: {message}"
        );
    }
}

#[test]
fn deeply_nested_parameters_are_refused_without_overflowing_the_stack() {
    let nested = format!(
        r#"{{"version": 1, "lab": "broadcast", "nodes": 3, "params": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let message = error_of(&nested).expect("refused");
    assert!(message.contains("recursion limit exceeded"), "{message}");
}

const FIELD_NAMES: &[&str] = &[
    "version",
    "lab",
    "nodes",
    "seed",
    "params",
    "network",
    "latency",
    "distribution",
    "ms",
    "min_ms",
    "max_ms",
    "mean_ms",
    "std_dev_ms",
    "loss_probability",
    "duplicate_probability",
    "reorder_probability",
    "reorder_delay_ms",
    "links",
    "from",
    "to",
    "up",
    "both_directions",
    "disk_write_latency_ms",
    "workload",
    "requests",
    "generator",
    "rate_per_second",
    "start_ms",
    "stop_ms",
    "target",
    "request",
    "timeline",
    "at_ms",
    "at_us",
    "action",
    "type",
    "node",
    "groups",
    "run_until_ms",
    "limits",
    "max_events",
    "max_in_flight",
    "max_nodes",
    "round_ms_min",
    "round_ms_max",
    "deduplicate",
    "op",
    "value",
];

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        (0u64..2_000).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(
            |number| serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
        ),
        "[a-z_$]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "broadcast",
            "fixed",
            "uniform",
            "normal",
            "random",
            "round_robin",
            "crash",
            "restart",
            "partition",
            "heal_all",
            "client_request",
            "store",
            "read",
            "$n",
        ])
        .prop_map(|text| Value::String(text.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((prop::sample::select(FIELD_NAMES), inner), 0..6).prop_map(
                |fields| {
                    serde_json::Value::Object(
                        fields
                            .into_iter()
                            .map(|(key, value)| (key.to_string(), value))
                            .collect(),
                    )
                }
            ),
        ]
    })
}

fn damaged_preset() -> impl Strategy<Value = String> {
    let presets: Vec<&'static str> = presets::all().iter().map(|(_, text)| *text).collect();
    (
        prop::sample::select(presets),
        any::<prop::sample::Index>(),
        0u8..4,
        any::<u8>(),
        "[0-9a-z\"{}\\[\\],:.-]{0,4}",
    )
        .prop_map(|(text, index, kind, byte, insert)| {
            let mut bytes = text.as_bytes().to_vec();
            let at = index.index(bytes.len().max(1)).min(bytes.len());
            match kind {
                0 => bytes.truncate(at),
                1 => {
                    if let Some(slot) = bytes.get_mut(at) {
                        *slot = byte;
                    }
                }
                2 => {
                    bytes.splice(at..at, insert.bytes());
                }
                _ => {
                    let end = (at + 8).min(bytes.len());
                    bytes.drain(at..end);
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_text_never_panics_the_parser(text in "\\PC{0,200}") {
        let _ = error_of(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = error_of(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn damaged_presets_are_refused_with_a_message_or_still_run(text in damaged_preset()) {
        match error_of(&text) {
            Some(message) => prop_assert!(!message.trim().is_empty()),
            None => {
                // Still valid (e.g. a changed digit): it must run without panicking.
                let scenario = Scenario::parse(&text).expect("was accepted");
                let mut lab = build(&scenario).expect("was accepted");
                lab.run_until(50_000);
            }
        }
    }

    #[test]
    fn random_documents_with_the_formats_field_names_never_panic(value in json_value()) {
        let mut document = serde_json::json!({"version": 1, "lab": "broadcast", "nodes": 3});
        if let (Some(target), serde_json::Value::Object(fields)) = (document.as_object_mut(), value.clone()) {
            for (key, field) in fields {
                target.insert(key, field);
            }
        }
        for text in [document.to_string(), value.to_string()] {
            if error_of(&text).is_none() {
                let scenario = Scenario::parse(&text).expect("was accepted");
                let mut lab = build(&scenario).expect("was accepted");
                lab.run_until(20_000);
            }
        }
    }
}
