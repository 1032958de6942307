//! Idempotency keys as a lab of the engine: its catalogue entry, its check, its lab actions
//! and its figures.
//!
//! Check, after every event: **Exactly once** (safety): no payment has more than one charge
//! on the processor's disk.
//!
//! Lab actions: `pay` with `args.amount` (a payment from the client, node 0) and
//! `restart_crashed`.
//!
//! Figures (gauges): `charges` (on the processor's disk), `payments_paid` (payments the
//! client heard back about), `double_charges` (payments charged more than once) and
//! `gave_up` (payments whose every attempt timed out); the simulator's message counts add
//! `sent.Charge` (every attempt) and `sent.Process`.

use super::{CLIENT, Config, Node, PROCESSOR, Reply, Request};
use crate::event::ActionError;
use crate::invariant::{FnInvariant, Invariant};
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, Runs, build_protocol_lab};
use crate::metrics::Metrics;
use crate::protocol::NodeId;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{LabActionFn, ObserverFn, SimView, Simulator, decode_json};

/// The idempotency lab's catalogue entry.
pub const INFO: LabInfo = LabInfo {
    name: "idempotency",
    title: "Idempotency keys",
    description: "Let a client retry payments on timeout, with and without idempotency keys, \
                  and count the cards charged twice.",
    papers: &[
        "Jon Chew, Avoiding Double Payments in a Distributed Payments System, Airbnb, 2019",
        "Brandur Leach, Designing robust and predictable APIs with idempotency, Stripe, 2017",
        "Marc Brooker, Timeouts, retries, and backoff with jitter, 2015",
    ],
};

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::IDEMPOTENCY,
    runs: Runs::Engine(build),
};

/// Builds an idempotency run from a validated scenario.
pub fn build(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build_protocol_lab::<Node>(scenario)?))
}

/// The name of the safety property.
pub const EXACTLY_ONCE: &str = "Exactly once";

/// The payments charged more than once on the processor's disk, with their charges.
pub fn double_charges(sim: &Simulator<Node>) -> Vec<(u64, Vec<u64>)> {
    let Some(disk) = sim.durable(PROCESSOR) else {
        return Vec::new();
    };
    let mut by_payment: Vec<(u64, u64)> = disk
        .charges
        .iter()
        .map(|record| (record.payment, record.charge))
        .collect();
    by_payment.sort_unstable();
    by_payment
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|same| same.len() > 1)
        .map(|same| (same[0].0, same.iter().map(|entry| entry.1).collect()))
        .collect()
}

fn exactly_once(view: &SimView<Node>) -> Option<(Vec<NodeId>, String)> {
    let (payment, charges) = double_charges(view).into_iter().next()?;
    let names: Vec<String> = charges.iter().map(|charge| format!("c{charge}")).collect();
    Some((
        vec![PROCESSOR],
        format!(
            "Payment p{payment} was charged {} times ({}): a retry of a charge that had happened charged the card again.",
            charges.len(),
            names.join(", ")
        ),
    ))
}

fn lab_action(
    sim: &mut Simulator<Node>,
    name: &str,
    args: &serde_json::Value,
) -> Result<(), ActionError> {
    match name {
        "pay" => {
            let request: Request = decode_json(args)
                .map_err(|error| ActionError::Invalid(format!("pay: args{error}")))?;
            sim.client_request(CLIENT, request).map(|_| ())
        }
        "restart_crashed" => sim.restart_crashed(),
        other => Err(ActionError::UnknownLabAction(other.to_string())),
    }
}

fn observe(sim: &Simulator<Node>, metrics: &mut Metrics) {
    let charges = sim.durable(PROCESSOR).map_or(0, |disk| disk.charges.len());
    let paid = sim
        .client_history()
        .iter()
        .filter(|call| matches!(call.reply, Some(Reply::Paid { .. })))
        .count();
    let gave_up = sim
        .client_history()
        .iter()
        .filter(|call| matches!(call.reply, Some(Reply::GaveUp { .. })))
        .count();
    metrics.set_gauge("charges", charges as f64);
    metrics.set_gauge("payments_paid", paid as f64);
    metrics.set_gauge("gave_up", gave_up as f64);
    metrics.set_gauge("double_charges", double_charges(sim).len() as f64);
}

impl LabProtocol for Node {
    const INFO: LabInfo = INFO;
    const SWEEP_METRICS: &'static [&'static str] =
        &["charges", "payments_paid", "messages_delivered"];

    fn invariants(_config: &Config) -> Vec<Box<dyn Invariant<Self>>> {
        vec![Box::new(FnInvariant::new(
            EXACTLY_ONCE,
            "No payment is charged more than once: the processor's disk holds at most one charge per payment.",
            exactly_once,
        ))]
    }

    fn lab_action() -> Option<LabActionFn<Self>> {
        Some(lab_action)
    }

    fn observer() -> Option<ObserverFn<Self>> {
        Some(observe)
    }

    fn validate_config(config: &Config) -> Result<(), (String, String)> {
        config.validate()
    }

    /// The lab has exactly three nodes: client, service and processor.
    fn prepare(scenario: &Scenario) -> Result<std::borrow::Cow<'_, Scenario>, ScenarioError> {
        if scenario.nodes != 3 {
            return Err(ScenarioError::at(
                "nodes",
                format!(
                    "must be 3 for the idempotency lab (a client, the payment service and the processor), got {}",
                    scenario.nodes
                ),
            ));
        }
        Ok(std::borrow::Cow::Borrowed(scenario))
    }
}
