//! Tests of the lab's handlers without the engine (sans-IO) and through it.

use super::*;
use crate::protocol::{Effect, Out};

#[test]
fn explore() {
    let text = std::fs::read_to_string("/tmp/lbx/s.json").unwrap_or_default();
    if text.is_empty() {
        return;
    }
    let scenario = crate::scenario::Scenario::parse(&text).expect("valid");
    let mut lab = lab::build(&scenario).expect("builds");
    let until = scenario.run_until_ms.unwrap_or(10_000) * 1000;
    let stop = crate::lab::LabRun::run_until(&mut lab, until);
    let report = lab::sim_report(lab.sim());
    let mut r = serde_json::to_value(&report).unwrap();
    r["windows"] = serde_json::Value::Null;
    r["latency_histogram"] = serde_json::Value::Null;
    for s in r["servers"].as_array_mut().unwrap() {
        s["windows"] = serde_json::Value::Null;
    }
    println!(
        "{stop:?} events {} {}",
        lab.sim().events(),
        serde_json::to_string_pretty(&r).unwrap()
    );
    let _ = (
        Out::<Message, Timer, Outcome>::new(),
        None::<Effect<Message, Timer, Outcome>>,
    );
}
