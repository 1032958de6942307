//! The load balancing lab's glue to the engine: its catalogue entry, parameter
//! checks, lab actions (`slow_server`, `set_policy`) and the observer that copies
//! the report's headline figures into the run's gauges.

use serde::Deserialize;

use super::report::{Report, report};
use super::{Config, LoadBalancing, Policy, Role};
use crate::event::{ActionError, NodeStatus};
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, ProtocolLab, Runs, build_protocol_lab};
use crate::metrics::Metrics;
use crate::protocol::{MICROS_PER_MS, NodeId};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{LabActionFn, ObserverFn, Simulator, decode_json};

/// The lab's catalogue entry.
pub const INFO: LabInfo = LabInfo {
    name: "loadbalancing",
    title: "Load balancing",
    description: "Slow a server and watch the p99 climb, then switch to least-loaded or \
                  two choices.",
    papers: &[
        "Mitzenmacher, The Power of Two Choices in Randomized Load Balancing (2001)",
        "Mitzenmacher, How Useful Is Old Information? (2000)",
        "Azar, Broder, Karlin, Upfal, Balanced Allocations (1999)",
        "Thaler, Ravishankar, Using Name-Based Mappings to Increase Hit Rates (1998)",
    ],
};

/// The gauge that remembers which tenth of a metrics window the observer last
/// reported.
pub const REPORT_WINDOW_GAUGE: &str = "report_window";

impl LabProtocol for LoadBalancing {
    const INFO: LabInfo = INFO;
    // The clients are nodes of the run, not the engine's client requests, so the
    // engine's `client_latency_ms_*` stay zero; these are the lab's own figures.
    const SWEEP_METRICS: &'static [&'static str] = &[
        "latency_ms_p50",
        "latency_ms_p99",
        "throughput_per_second",
        "requests_succeeded",
    ];

    fn lab_action() -> Option<LabActionFn<Self>> {
        Some(lab_action)
    }

    fn observer() -> Option<ObserverFn<Self>> {
        Some(observe)
    }

    fn validate_config(config: &Config) -> Result<(), (String, String)> {
        config.validate()
    }

    fn prepare(scenario: &Scenario) -> Result<std::borrow::Cow<'_, Scenario>, ScenarioError> {
        let prepared = prepare(scenario)?;
        prepared.validate()?;
        Ok(std::borrow::Cow::Owned(prepared))
    }
}

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::LOADBALANCING,
    runs: Runs::Engine(build_run),
};

/// Builds a load balancing run from a validated scenario.
pub fn build_run(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build_protocol_lab::<LoadBalancing>(scenario)?))
}

/// The scenario as the lab runs it: `params.seed` filled from the scenario's seed
/// when left out (so that a seed sweep varies every random draw), and the node count
/// checked against the roles the parameters ask for.
pub fn prepare(scenario: &Scenario) -> Result<Scenario, ScenarioError> {
    let mut scenario = scenario.clone();
    match &mut scenario.params {
        serde_json::Value::Null => {
            scenario.params = serde_json::json!({ "seed": scenario.seed });
        }
        serde_json::Value::Object(fields) => {
            fields
                .entry("seed")
                .or_insert_with(|| serde_json::Value::from(scenario.seed));
        }
        // Anything else fails to decode with a clear path in the engine's build.
        _ => {}
    }
    if let Ok(config) = decode_json::<Config>(&scenario.params)
        && config.validate().is_ok()
        && scenario.nodes != config.node_count()
    {
        return Err(ScenarioError::Invalid {
            path: "nodes".to_string(),
            reason: format!(
                "must equal balancers + clients.count + servers.count = {} + {} + {} = {} \
                 for the loadbalancing lab, got {}",
                config.balancers,
                config.clients.count,
                config.servers.count,
                config.node_count(),
                scenario.nodes
            ),
        });
    }
    Ok(scenario)
}

/// A typed run of the lab.
pub type LabRunOf = ProtocolLab<LoadBalancing>;

/// Builds a typed run of the lab from a scenario (tests and benchmarks use it to
/// reach the report).
pub fn build(scenario: &Scenario) -> Result<ProtocolLab<LoadBalancing>, ScenarioError> {
    scenario.validate()?;
    build_protocol_lab::<LoadBalancing>(scenario)
}

fn status_name(status: NodeStatus) -> String {
    match status {
        NodeStatus::Up => "up",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Paused => "paused",
        NodeStatus::Removed => "removed",
    }
    .to_string()
}

/// The lab's report for a simulator's current moment.
pub fn sim_report(sim: &Simulator<LoadBalancing>) -> Report {
    report(
        sim.now(),
        sim.nodes()
            .map(|(id, status, node)| (id, status_name(status), node)),
    )
}

/// The lab's report for an erased run, or `None` if the run is not a load
/// balancing run (the UI's charts call this on whatever lab is on screen).
pub fn report_of(run: &dyn crate::lab::LabRun) -> Option<Report> {
    let lab = run.as_any()?.downcast_ref::<LabRunOf>()?;
    Some(sim_report(lab.sim()))
}

/// Copies the report's headline figures into the gauges ten times per metrics
/// window (recomputing the report after every event would cost more than the
/// event), so the gauges lag the run by at most a tenth of a window (100 ms by
/// default); [`sim_report`] is always current.
fn observe(sim: &Simulator<LoadBalancing>, metrics: &mut Metrics) {
    let window = sim
        .protocol_config()
        .metrics_window_ms
        .saturating_mul(MICROS_PER_MS / 10)
        .max(1);
    let index = (sim.now() / window) as f64;
    if metrics
        .gauges
        .get(REPORT_WINDOW_GAUGE)
        .is_some_and(|&last| last >= index)
    {
        return;
    }
    metrics.set_gauge(REPORT_WINDOW_GAUGE, index);
    for (name, value) in sim_report(sim).scalars() {
        metrics.set_gauge(&name, value);
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlowServerArgs {
    node: NodeId,
    factor: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPolicyArgs {
    policy: Policy,
}

/// The lab's actions:
/// - `slow_server` `{"node": N, "factor": F}` multiplies server N's service times by
///   F (between 0.01 and 1000; 1 restores it);
/// - `set_policy` `{"policy": {"type": "least_response_time"}}` switches every
///   running balancer to the policy (a balancer that is down keeps the scenario's
///   policy when it restarts).
fn lab_action(
    sim: &mut Simulator<LoadBalancing>,
    name: &str,
    args: &serde_json::Value,
) -> Result<(), ActionError> {
    match name {
        "slow_server" => {
            let args: SlowServerArgs =
                decode_json(args).map_err(|error| ActionError::Invalid(format!("args{error}")))?;
            if !args.factor.is_finite() || !(0.01..=1_000.0).contains(&args.factor) {
                return Err(ActionError::Invalid(format!(
                    "args.factor: must be between 0.01 and 1000, got {}",
                    args.factor
                )));
            }
            if !matches!(
                sim.node(args.node).map(|node| &node.role),
                Some(Role::Server(_))
            ) {
                return Err(ActionError::Invalid(format!(
                    "args.node: node {} is not a server",
                    args.node
                )));
            }
            let percent = (args.factor * 100.0).round() as u32;
            sim.poke(args.node, |state, _context, _out| {
                state.set_slowdown_percent(percent);
            })
        }
        "set_policy" => {
            let args: SetPolicyArgs =
                decode_json(args).map_err(|error| ActionError::Invalid(format!("args{error}")))?;
            let balancers: Vec<NodeId> = sim
                .nodes()
                .filter(|(_, status, node)| {
                    *status == NodeStatus::Up && matches!(node.role, Role::Balancer(_))
                })
                .map(|(id, _, _)| id)
                .collect();
            for id in balancers {
                sim.poke(id, |state, _context, _out| {
                    state.set_policy(args.policy);
                })?;
            }
            Ok(())
        }
        other => Err(ActionError::UnknownLabAction(other.to_string())),
    }
}
