//! SWIM as a lab of the engine: its catalogue entry, its checks, its lab actions and the
//! figures it adds to every run.
//!
//! Checks:
//! - *No healthy member declared dead* (safety). A member is healthy while it runs (not
//!   crashed, not paused) and the network gives it a sound path to and from every running
//!   member: a link that is up and loses nothing, or two such links through a third running
//!   member (the path an indirect probe takes). A member confirmed dead by anyone while it
//!   has been healthy for the whole window in which that verdict could have formed (the
//!   suspicion timeout plus three protocol periods) is a false positive the protocol should
//!   never produce, and a violation. With a lossy default link no member is healthy, so
//!   false positives under loss are counted (`false_confirmations`) instead.
//! - *Membership views converge* (liveness): once no member has crashed, restarted, joined
//!   or paused and no link has been cut for `converge_within_ms`, every running member
//!   knows every other member and agrees with the rest on whether it is dead.
//!
//! Metrics (gauges, in every report): `failed_member` and `failed_at_ms` (the first member
//! to crash, and when), `first_detection_ms` (how long after that crash a member first saw
//! a probe of it fail), `first_confirmed_ms` (until a member first declared it dead),
//! `all_know_ms` (until every running member's view had it dead), `false_suspicions` and
//! `false_confirmations` (suspicions started and confirmations made about a member that
//! was running at the time), `refutations`, `suspicions_held` and `dead_verdicts_held`
//! (how many (running member, member it suspects or holds dead) pairs there are now), and `messages_per_member_per_period` (messages
//! sent by running members over the protocol periods they ran).
//!
//! Lab action: `restart_crashed`.

use super::{MEMBERS_MAX, Status, Swim};
use crate::event::{ActionError, NodeStatus, TraceEvent};
use crate::invariant::{Invariant, InvariantKind, Violation};
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, Runs, build_protocol_lab};
use crate::metrics::Metrics;
use crate::protocol::{MICROS_PER_MS, NodeId, Time};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{LabActionFn, ObserverFn, SimView, Simulator};

/// The lab's catalogue entry.
pub const INFO: LabInfo = LabInfo {
    name: "gossip",
    title: "Gossip (SWIM)",
    description: "Crash a member of a SWIM group and watch the failure be suspected, \
                  confirmed and gossiped; lose messages and watch suspects refute.",
    papers: &[
        "Abhinandan Das, Indranil Gupta, Ashish Motivala, SWIM: Scalable Weakly-consistent Infection-style Process Group Membership Protocol, 2002",
    ],
};

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::GOSSIP,
    runs: Runs::Engine(build),
};

/// Builds a SWIM run from a validated scenario.
pub fn build(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build_protocol_lab::<Swim>(scenario)?))
}

fn sound(view: &SimView<Swim>, from: NodeId, to: NodeId) -> bool {
    let network = view.network();
    network.is_up(from, to) && network.link(from, to).loss_probability == 0.0
}

/// Which members are healthy now, by id (see the module's documentation).
pub fn healthy(view: &SimView<Swim>) -> Vec<bool> {
    let statuses: Vec<NodeStatus> = view.nodes().map(|(_, status, _)| status).collect();
    let network = view.network();
    if network.default_link().loss_probability > 0.0 || network.is_partitioned() {
        return vec![false; statuses.len()];
    }
    // Only a member at the end of a lossy or cut link, or isolated, can lack a sound
    // direct link to someone; every other running member is healthy at once.
    let mut touched = vec![false; statuses.len()];
    let mut mark = |node: NodeId| {
        if let Some(slot) = touched.get_mut(node as usize) {
            *slot = true;
        }
    };
    for (&(from, to), config) in network.overrides() {
        if config.loss_probability > 0.0 {
            mark(from);
            mark(to);
        }
    }
    for &(from, to) in network.cut_links() {
        mark(from);
        mark(to);
    }
    for &node in network.isolated_nodes() {
        mark(node);
    }
    let running: Vec<NodeId> = (0..statuses.len() as NodeId)
        .filter(|&id| statuses[id as usize] == NodeStatus::Up)
        .collect();
    let both = |a: NodeId, b: NodeId| sound(view, a, b) && sound(view, b, a);
    (0..statuses.len() as NodeId)
        .map(|member| {
            if statuses[member as usize] != NodeStatus::Up {
                return false;
            }
            if !touched[member as usize] {
                return true;
            }
            running.iter().all(|&other| {
                other == member
                    || both(member, other)
                    || running.iter().any(|&via| {
                        via != member && via != other && both(member, via) && both(via, other)
                    })
            })
        })
        .collect()
}

/// The safety check *No healthy member declared dead*.
#[derive(Debug, Clone, Default)]
pub struct NoHealthyMemberDeclaredDead {
    /// When each member was last seen unhealthy (µs); `None` if never.
    unhealthy_at: Vec<Option<Time>>,
}

/// The name of the safety check.
pub const NO_HEALTHY_MEMBER_DECLARED_DEAD: &str = "No healthy member declared dead";

impl Invariant<Swim> for NoHealthyMemberDeclaredDead {
    fn name(&self) -> &str {
        NO_HEALTHY_MEMBER_DECLARED_DEAD
    }

    fn description(&self) -> &str {
        "No member is confirmed dead while it runs and every running member reaches it, and is reached by it, over links that lose nothing (directly or through one other member), for the suspicion timeout plus three protocol periods before (sections 3.1 and 4.2)."
    }

    fn check(&mut self, view: &SimView<Swim>) -> Option<Violation> {
        let now = view.now();
        let healthy = healthy(view);
        self.unhealthy_at.resize(healthy.len(), None);
        for (member, &ok) in healthy.iter().enumerate() {
            if !ok {
                self.unhealthy_at[member] = Some(now);
            }
        }
        let config = view.protocol_config();
        let suspicion = if config.bugs.no_suspicion {
            0
        } else {
            u64::from(config.suspicion_periods)
        };
        let window = (suspicion + 3) * config.protocol_period_ms * MICROS_PER_MS;
        for &viewer in view.touched() {
            let Some(swim) = view.node(viewer) else {
                continue;
            };
            for &(member, at) in swim.confirmed.iter().rev() {
                if at != now {
                    break;
                }
                let index = member as usize;
                if !healthy.get(index).copied().unwrap_or(false) {
                    continue;
                }
                let healthy_since = self.unhealthy_at[index].unwrap_or(0);
                if self.unhealthy_at[index].is_some() && now - healthy_since < window {
                    continue;
                }
                let since = match self.unhealthy_at[index] {
                    None => "the start".to_string(),
                    Some(time) => format!("{} ms", time / MICROS_PER_MS),
                };
                return Some(Violation {
                    property: String::new(),
                    time: now,
                    nodes: vec![viewer, member],
                    message: format!(
                        "n{viewer} declared n{member} dead at {} ms, but n{member} is running and every running member has reached it over lossless links since {since}{}.",
                        now / MICROS_PER_MS,
                        if config.bugs.no_suspicion {
                            ": one missed ack was enough, with no suspicion to refute"
                        } else {
                            ""
                        }
                    ),
                });
            }
        }
        None
    }
}

/// What `viewer` believes of `member`: unknown, not dead (alive or suspect), or dead.
fn belief(swim: &Swim, member: NodeId) -> u8 {
    match swim.member(member).map(|entry| entry.status) {
        None => 0,
        Some(Status::Alive | Status::Suspect) => 1,
        Some(Status::Dead) => 2,
    }
}

fn belief_word(belief: u8) -> &'static str {
    match belief {
        0 => "unknown",
        1 => "a member",
        _ => "dead",
    }
}

/// The liveness expectation *Membership views converge*.
#[derive(Debug, Clone)]
pub struct ViewsConverge {
    within: Time,
    quiet_since: Time,
    statuses: Vec<NodeStatus>,
    checked_at: Time,
}

impl ViewsConverge {
    /// The expectation with the bound `within_ms`.
    pub fn new(within_ms: u64) -> Self {
        Self {
            within: within_ms * MICROS_PER_MS,
            quiet_since: 0,
            statuses: Vec::new(),
            checked_at: 0,
        }
    }
}

/// The name of the liveness expectation.
pub const VIEWS_CONVERGE: &str = "Membership views converge";

impl Invariant<Swim> for ViewsConverge {
    fn name(&self) -> &str {
        VIEWS_CONVERGE
    }

    fn description(&self) -> &str {
        "Once no member has crashed, restarted, joined or paused and no link has been cut for the bound (converge_within_ms), every running member knows every other and all agree on who is dead (a liveness expectation: reported as a warning)."
    }

    fn kind(&self) -> InvariantKind {
        InvariantKind::Liveness
    }

    fn check(&mut self, view: &SimView<Swim>) -> Option<Violation> {
        let now = view.now();
        let statuses: Vec<NodeStatus> = view.nodes().map(|(_, status, _)| status).collect();
        let disturbed = view.network().has_faults() || statuses.contains(&NodeStatus::Paused);
        if disturbed || statuses != self.statuses {
            self.statuses = statuses;
            self.quiet_since = now;
            return None;
        }
        if now.saturating_sub(self.quiet_since) < self.within {
            return None;
        }
        // Views change once per message at most; looking once per protocol period is enough.
        let period = view.protocol_config().protocol_period_ms * MICROS_PER_MS;
        if self.checked_at != 0 && now.saturating_sub(self.checked_at) < period {
            return None;
        }
        self.checked_at = now;
        let viewers: Vec<(NodeId, &Swim)> = view
            .nodes()
            .filter(|(_, status, _)| *status == NodeStatus::Up)
            .map(|(id, _, swim)| (id, swim))
            .collect();
        let members = self.statuses.len() as NodeId;
        for member in 0..members {
            if self.statuses[member as usize] == NodeStatus::Removed {
                continue;
            }
            let mut first: Option<(NodeId, u8)> = None;
            for &(viewer, swim) in &viewers {
                if viewer == member {
                    continue;
                }
                let believed = belief(swim, member);
                match first {
                    None => first = Some((viewer, believed)),
                    Some((other, held)) if held != believed => {
                        return Some(Violation {
                            property: String::new(),
                            time: now,
                            nodes: vec![other, viewer, member],
                            message: format!(
                                "{} ms after the last crash, restart, join, pause or cut, n{other} holds n{member} as {} and n{viewer} holds it as {}.",
                                (now - self.quiet_since) / MICROS_PER_MS,
                                belief_word(held),
                                belief_word(believed)
                            ),
                        });
                    }
                    Some(_) => {}
                }
            }
        }
        None
    }
}

fn lab_action(
    sim: &mut Simulator<Swim>,
    name: &str,
    _args: &serde_json::Value,
) -> Result<(), ActionError> {
    match name {
        "restart_crashed" => sim.restart_crashed(),
        other => Err(ActionError::UnknownLabAction(other.to_string())),
    }
}

fn milliseconds(time: Time) -> f64 {
    time as f64 / 1_000.0
}

fn observe(sim: &Simulator<Swim>, metrics: &mut Metrics) {
    let now = sim.now();
    if !metrics.gauges.contains_key("failed_member")
        && let Some(record) = sim.trace().iter().next_back()
        && record.time == now
        && let TraceEvent::Crash { node } = record.event
    {
        metrics.set_gauge("failed_member", f64::from(node));
        metrics.set_gauge("failed_at_ms", milliseconds(now));
    }
    let failed = metrics
        .gauges
        .get("failed_member")
        .map(|&member| member as NodeId);
    let failed_at = metrics
        .gauges
        .get("failed_at_ms")
        .map_or(0, |&at| (at * 1_000.0) as Time);
    for &viewer in sim.touched() {
        let Some(swim) = sim.node(viewer) else {
            continue;
        };
        if let Some((member, at)) = swim.last_failed_probe
            && at == now
        {
            if sim.status(member) == Some(NodeStatus::Up) {
                if !swim.config.bugs.no_suspicion {
                    metrics.add("false_suspicions", 1);
                }
            } else if Some(member) == failed && !metrics.gauges.contains_key("first_detection_ms") {
                metrics.set_gauge("first_detection_ms", milliseconds(now - failed_at));
            }
        }
        for &(member, at) in swim.confirmed.iter().rev() {
            if at != now {
                break;
            }
            if sim.status(member) == Some(NodeStatus::Up) {
                metrics.add("false_confirmations", 1);
            } else if Some(member) == failed && !metrics.gauges.contains_key("first_confirmed_ms") {
                metrics.set_gauge("first_confirmed_ms", milliseconds(now - failed_at));
            }
        }
    }
    for name in ["false_suspicions", "false_confirmations"] {
        if !metrics.counters.contains_key(name) {
            metrics.add(name, 0);
        }
    }
    if let Some(member) = failed
        && !metrics.gauges.contains_key("all_know_ms")
    {
        let all_know = sim
            .nodes()
            .filter(|(id, status, _)| *status == NodeStatus::Up && *id != member)
            .all(|(_, _, swim)| belief(swim, member) == 2);
        if all_know {
            metrics.set_gauge("all_know_ms", milliseconds(now - failed_at));
        }
    }
    let (mut sent, mut periods, mut refutations) = (0u64, 0u64, 0u64);
    let (mut suspicions, mut verdicts) = (0u64, 0u64);
    for (_, status, swim) in sim.nodes() {
        if status == NodeStatus::Up {
            sent += swim.messages_sent;
            periods += swim.periods;
            refutations += swim.refutations;
            suspicions += u64::from(swim.suspects);
            verdicts += u64::from(swim.dead);
        }
    }
    metrics.set_gauge("suspicions_held", suspicions as f64);
    metrics.set_gauge("dead_verdicts_held", verdicts as f64);
    if periods > 0 {
        metrics.set_gauge(
            "messages_per_member_per_period",
            sent as f64 / periods as f64,
        );
    }
    metrics.set_gauge("refutations", refutations as f64);
}

impl LabProtocol for Swim {
    const INFO: LabInfo = INFO;
    const SWEEP_METRICS: &'static [&'static str] = &[
        "first_detection_ms",
        "first_confirmed_ms",
        "all_know_ms",
        "messages_per_member_per_period",
    ];

    fn invariants(config: &super::Config) -> Vec<Box<dyn Invariant<Self>>> {
        vec![
            Box::new(NoHealthyMemberDeclaredDead::default()),
            Box::new(ViewsConverge::new(config.converge_within_ms)),
        ]
    }

    fn lab_action() -> Option<LabActionFn<Self>> {
        Some(lab_action)
    }

    fn observer() -> Option<ObserverFn<Self>> {
        Some(observe)
    }

    fn validate_config(config: &super::Config) -> Result<(), (String, String)> {
        config.validate()
    }

    /// Caps the group at [`MEMBERS_MAX`] members (joins included) and fills `params.seed`
    /// from the scenario's seed when it is left out, so that a seed sweep varies every
    /// member's random choices.
    fn prepare(scenario: &Scenario) -> Result<std::borrow::Cow<'_, Scenario>, ScenarioError> {
        if scenario.nodes > MEMBERS_MAX {
            return Err(ScenarioError::at(
                "nodes",
                format!(
                    "the gossip lab runs at most {MEMBERS_MAX} members, got {}",
                    scenario.nodes
                ),
            ));
        }
        let mut prepared = scenario.clone();
        prepared.limits.max_nodes = prepared.limits.max_nodes.min(MEMBERS_MAX);
        if prepared.params.is_null() {
            prepared.params = serde_json::json!({});
        }
        if let Some(object) = prepared.params.as_object_mut() {
            object
                .entry("seed")
                .or_insert_with(|| serde_json::Value::from(scenario.seed));
        }
        Ok(std::borrow::Cow::Owned(prepared))
    }
}
