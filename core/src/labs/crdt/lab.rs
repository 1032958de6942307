//! The CRDT lab on the engine: its catalogue entry, its checks, its lab actions and the
//! figures it adds to every run.
//!
//! Checks, after every event:
//! - **Strong eventual consistency** (safety, section 2.3): running replicas that have seen
//!   the same updates show the same value.
//! - **No update lost** (safety; counters and sets only): a running replica's value is what
//!   the updates it has seen intended (see [`super::ghost::Ghost::intent`]). The naive
//!   baselines break it.
//! - **Convergence after healing** (liveness, a warning): once every replica runs, no link
//!   is cut and no update has been made for `converge_within_ms`, the replicas are equal.
//!
//! Lab actions (`{"type": "lab", "name": ..., "args": ...}`):
//! - `update` with `args.node` and the fields of a request (`{"node": 1, "op": "add",
//!   "element": 3}`): a client's update at that replica.
//! - `edit` with `args.node` and `args.text`: the text replica's value becomes `text`,
//!   as one delete and one insert of the part that changed (inserts of at most 64
//!   characters each), the way a text box reports an edit.
//! - `restart_crashed`: restart every crashed replica.
//!
//! Figures: the counter `bytes_sent` (every message in the lab's compact encoding, see
//! [`super::types`]), the simulator's per-kind message counts (`sent.State`, `sent.Ops`,
//! `sent.Clock`), and the gauges `lost_updates` (the largest distance of a running
//! replica's value from its intent), `distinct_values` (how many different values the
//! running replicas show), `converged_at_ms` (when they last became equal after
//! differing) and `updates_made`.

use super::types::{INSERT_CHARS_MAX, Value};
use super::{Config, Kind, REPLICAS_MAX, Replica, Request};
use crate::event::{ActionError, NodeStatus};
use crate::invariant::{FnInvariant, Invariant, InvariantKind, Violation};
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, Runs, build_protocol_lab};
use crate::metrics::Metrics;
use crate::protocol::{MICROS_PER_MS, NodeId, Time};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{LabActionFn, ObserverFn, SimView, Simulator, decode_json};

/// The CRDT lab's catalogue entry.
pub const INFO: LabInfo = LabInfo {
    name: "crdt",
    title: "CRDTs",
    description: "Partition replicas, update both sides, heal, and watch counters, sets and \
                  text converge without coordination, or lose updates when done naively.",
    papers: &[
        "Shapiro, Preguiça, Baquero, Zawirski, A comprehensive study of Convergent and Commutative Replicated Data Types, 2011",
        "Hellerstein, Alvaro, Keeping CALM: When Distributed Consistency Is Easy, 2020",
    ],
};

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::CRDT,
    runs: Runs::Engine(build),
};

/// Builds a CRDT run from a validated scenario.
pub fn build(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build_protocol_lab::<Replica>(scenario)?))
}

/// The running (or paused) replicas: the ones whose value a client can read.
fn running(view: &SimView<Replica>) -> Vec<(NodeId, &Replica)> {
    view.nodes()
        .filter(|(_, status, _)| matches!(status, NodeStatus::Up | NodeStatus::Paused))
        .map(|(id, _, replica)| (id, replica))
        .collect()
}

fn strong_eventual_consistency(view: &SimView<Replica>) -> Option<(Vec<NodeId>, String)> {
    if view.touched().is_empty() {
        return None;
    }
    let replicas = running(view);
    for &touched in view.touched() {
        let Some(&(_, mine)) = replicas.iter().find(|(id, _)| *id == touched) else {
            continue;
        };
        for &(other, theirs) in &replicas {
            if other != touched
                && mine.ghost.same_updates(&theirs.ghost)
                && mine.value != theirs.value
            {
                let (first, second) = if touched < other {
                    ((touched, mine), (other, theirs))
                } else {
                    ((other, theirs), (touched, mine))
                };
                return Some((
                    vec![first.0, second.0],
                    format!(
                        "n{} and n{} have seen the same {} updates but n{} shows {} and n{} shows {}: \
                         the updates were applied in different orders and did not commute",
                        first.0,
                        second.0,
                        mine.ghost.records.len(),
                        first.0,
                        first.1.value.render(),
                        second.0,
                        second.1.value.render()
                    ),
                ));
            }
        }
    }
    None
}

fn no_update_lost(view: &SimView<Replica>) -> Option<(Vec<NodeId>, String)> {
    let replicas = running(view);
    view.touched().iter().find_map(|&touched| {
        let &(id, replica) = replicas.iter().find(|(id, _)| *id == touched)?;
        if replica.lost_updates == 0 {
            return None;
        }
        let intended = replica.ghost.intent(replica.payload.kind())?;
        Some((
            vec![id],
            match (&replica.value, &intended) {
                (Value::Number(_), _) => format!(
                    "n{id} shows {} but the {} updates it has seen add up to {}: {} lost",
                    replica.value.render(),
                    replica.ghost.records.len(),
                    intended.render(),
                    if replica.lost_updates == 1 {
                        "1 increment was".to_string()
                    } else {
                        format!("{} increments were", replica.lost_updates)
                    }
                ),
                _ => format!(
                    "n{id} shows {} but the {} updates it has seen intend {}: an update was lost ({} element{} differ{})",
                    replica.value.render(),
                    replica.ghost.records.len(),
                    intended.render(),
                    replica.lost_updates,
                    if replica.lost_updates == 1 { "" } else { "s" },
                    if replica.lost_updates == 1 { "s" } else { "" }
                ),
            },
        ))
    })
}

/// The convergence expectation: replicas are equal `within` after the last update, with
/// every replica running and every link up for that long.
#[derive(Debug, Clone)]
pub struct Convergence {
    within: Time,
    quiet_since: Time,
    statuses: Vec<NodeStatus>,
    updates_made: u64,
}

impl Convergence {
    /// The expectation with the bound `within_ms`.
    pub fn new(within_ms: u64) -> Self {
        Self {
            within: within_ms * MICROS_PER_MS,
            quiet_since: 0,
            statuses: Vec::new(),
            updates_made: 0,
        }
    }
}

/// Every replica's own update count, crashed ones from their disk.
fn updates_made(view: &SimView<Replica>) -> u64 {
    view.nodes()
        .map(|(id, status, replica)| match status {
            NodeStatus::Crashed | NodeStatus::Removed => {
                view.durable(id).map_or(0, |durable| durable.updates_made)
            }
            NodeStatus::Up | NodeStatus::Paused => replica.updates_made,
        })
        .sum()
}

impl Invariant<Replica> for Convergence {
    fn name(&self) -> &str {
        "Convergence after healing"
    }

    fn description(&self) -> &str {
        "Once every replica runs, every link is up and no update has been made for the bound (converge_within_ms), all replicas show the same value (a liveness expectation: reported as a warning)."
    }

    fn kind(&self) -> InvariantKind {
        InvariantKind::Liveness
    }

    fn check(&mut self, view: &SimView<Replica>) -> Option<Violation> {
        let now = view.now();
        let statuses: Vec<NodeStatus> = view.nodes().map(|(_, status, _)| status).collect();
        let updates = updates_made(view);
        let disturbed = view.network().has_faults()
            || statuses
                .iter()
                .any(|status| matches!(status, NodeStatus::Crashed | NodeStatus::Paused));
        if disturbed || statuses != self.statuses || updates != self.updates_made {
            self.statuses = statuses;
            self.updates_made = updates;
            self.quiet_since = now;
            return None;
        }
        if now.saturating_sub(self.quiet_since) < self.within {
            return None;
        }
        let replicas = running(view);
        let (first, first_replica) = *replicas.first()?;
        let &(other, other_replica) = replicas
            .iter()
            .find(|(_, replica)| replica.value != first_replica.value)?;
        Some(Violation {
            property: String::new(),
            time: now,
            nodes: vec![first, other],
            message: format!(
                "{} ms after the last update or fault, n{first} shows {} (having seen {} updates) and n{other} shows {} (having seen {})",
                (now - self.quiet_since) / MICROS_PER_MS,
                first_replica.value.render(),
                first_replica.ghost.records.len(),
                other_replica.value.render(),
                other_replica.ghost.records.len()
            ),
        })
    }
}

fn node_argument(action: &str, args: &serde_json::Value) -> Result<NodeId, ActionError> {
    args.get("node")
        .and_then(serde_json::Value::as_u64)
        .and_then(|node| NodeId::try_from(node).ok())
        .ok_or_else(|| ActionError::Invalid(format!("{action}: args.node must name a node")))
}

/// The change from `old` to `new` as one splice: where it starts (in characters), how many
/// characters it deletes, and what it inserts.
pub fn splice(old: &str, new: &str) -> (usize, usize, String) {
    let old: Vec<char> = old.chars().collect();
    let new: Vec<char> = new.chars().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let deleted = old.len() - prefix - suffix;
    let inserted: String = new[prefix..new.len() - suffix].iter().collect();
    (prefix, deleted, inserted)
}

/// The longest text `edit` accepts, in characters.
pub const EDIT_CHARS_MAX: usize = 512;

fn lab_action(
    sim: &mut Simulator<Replica>,
    name: &str,
    args: &serde_json::Value,
) -> Result<(), ActionError> {
    match name {
        "update" => {
            let node = node_argument(name, args)?;
            let mut fields = args.clone();
            if let Some(object) = fields.as_object_mut() {
                object.remove("node");
            }
            let request: Request = decode_json(&fields)
                .map_err(|error| ActionError::Invalid(format!("update: args{error}")))?;
            sim.client_request(node, request).map(|_| ())
        }
        "edit" => {
            let node = node_argument(name, args)?;
            let text = args
                .get("text")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| {
                    ActionError::Invalid("edit: args.text must be a string".to_string())
                })?;
            if text.chars().count() > EDIT_CHARS_MAX {
                return Err(ActionError::Invalid(format!(
                    "edit: args.text may hold at most {EDIT_CHARS_MAX} characters"
                )));
            }
            let current = match sim.node(node).map(|replica| &replica.value) {
                Some(Value::Text(current)) => current.clone(),
                Some(_) => {
                    return Err(ActionError::Invalid(
                        "edit: only a text (RGA) replica can be edited".to_string(),
                    ));
                }
                None => {
                    return Err(ActionError::Invalid(format!(
                        "edit: node {node} does not exist"
                    )));
                }
            };
            let (index, deleted, inserted) = splice(&current, text);
            if deleted > 0 {
                sim.client_request(
                    node,
                    Request::Delete {
                        index: index as u32,
                        count: deleted as u32,
                    },
                )?;
            }
            let characters: Vec<char> = inserted.chars().collect();
            for (chunk_index, chunk) in characters.chunks(INSERT_CHARS_MAX).enumerate() {
                sim.client_request(
                    node,
                    Request::Insert {
                        index: (index + chunk_index * INSERT_CHARS_MAX) as u32,
                        text: chunk.iter().collect(),
                    },
                )?;
            }
            Ok(())
        }
        "restart_crashed" => sim.restart_crashed(),
        other => Err(ActionError::UnknownLabAction(other.to_string())),
    }
}

fn observe(sim: &Simulator<Replica>, metrics: &mut Metrics) {
    let mut unreported = 0;
    for (_, _, replica) in sim.nodes() {
        let counted = replica.bytes_counted.get();
        if replica.bytes_sent != counted {
            unreported += replica.bytes_sent.saturating_sub(counted);
            replica.bytes_counted.set(replica.bytes_sent);
        }
    }
    if unreported > 0 || !metrics.counters.contains_key("bytes_sent") {
        metrics.add("bytes_sent", unreported);
    }
    let replicas = running(sim);
    let lost = replicas
        .iter()
        .map(|(_, replica)| replica.lost_updates)
        .max()
        .unwrap_or(0);
    metrics.set_gauge("lost_updates", lost as f64);
    let mut distinct: Vec<&Value> = Vec::new();
    for (_, replica) in &replicas {
        if !distinct.contains(&&replica.value) {
            distinct.push(&replica.value);
        }
    }
    let previous = metrics
        .gauges
        .get("distinct_values")
        .copied()
        .unwrap_or(1.0);
    metrics.set_gauge("distinct_values", distinct.len() as f64);
    if previous > 1.0 && distinct.len() == 1 {
        metrics.set_gauge("converged_at_ms", sim.now() as f64 / 1_000.0);
    }
    metrics.set_gauge("updates_made", updates_made(sim) as f64);
}

impl LabProtocol for Replica {
    const INFO: LabInfo = INFO;
    const SWEEP_METRICS: &'static [&'static str] = &["bytes_sent", "messages_delivered"];

    fn invariants(config: &Config) -> Vec<Box<dyn Invariant<Self>>> {
        let mut invariants: Vec<Box<dyn Invariant<Self>>> = vec![Box::new(FnInvariant::new(
            "Strong eventual consistency",
            "Running replicas that have seen the same updates show the same value (section 2.3).",
            strong_eventual_consistency,
        ))];
        if !matches!(
            config.crdt,
            Kind::LwwRegister | Kind::MvRegister | Kind::Rga
        ) {
            invariants.push(Box::new(FnInvariant::new(
                "No update lost",
                "A running replica's value is what the updates it has seen intended: every increment counted, every add kept unless a remove saw it.",
                no_update_lost,
            )));
        }
        invariants.push(Box::new(Convergence::new(config.converge_within_ms)));
        invariants
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

    fn prepare(scenario: &Scenario) -> Result<std::borrow::Cow<'_, Scenario>, ScenarioError> {
        if scenario.nodes > REPLICAS_MAX {
            return Err(ScenarioError::at(
                "nodes",
                format!(
                    "the CRDT lab runs at most {REPLICAS_MAX} replicas, got {}",
                    scenario.nodes
                ),
            ));
        }
        if scenario.limits.max_nodes <= REPLICAS_MAX {
            return Ok(std::borrow::Cow::Borrowed(scenario));
        }
        // Replicas added during the run count too.
        let mut prepared = scenario.clone();
        prepared.limits.max_nodes = REPLICAS_MAX;
        Ok(std::borrow::Cow::Owned(prepared))
    }
}
