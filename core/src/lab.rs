//! The type-erased interface the CLI and the web UI drive every lab through.
//!
//! [`build`] turns a [`Scenario`] into a `Box<dyn LabRun>`; the caller never needs
//! to know the protocol's types. Message-passing labs implement [`LabProtocol`]
//! and get a [`LabRun`] for free from [`build_protocol_lab`]; labs that are not
//! message-passing simulations implement [`LabRun`] themselves.
//!
//! This module names no lab: each lab defines its [`Lab`] in `labs/<lab>/lab.rs`, and
//! `crate::catalogue` lists them.

use serde::Serialize;

use crate::event::{Action, ActionError};
use crate::invariant::{CheckerLimit, Invariant, InvariantStatus, Violation, Warning};
use crate::metrics::MetricsView;
use crate::network::Network;
use crate::protocol::{NodeId, Protocol, Time};
use crate::scenario::{Scenario, ScenarioError, TimelineEntry};
use crate::sim::{
    LabActionFn, LinkView, MessageView, NodeView, ObserverFn, RequestGenerator, RunStop, Simulator,
    decode_json,
};
use crate::spacetime::SpacetimeWindow;
use crate::timetravel::Run;
use crate::trace::TraceEntryView;

/// The most links [`LabRun::links`] returns.
pub const LINK_VIEWS_MAX: usize = 10_000;

/// A lab as the catalogue lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LabInfo {
    /// The name scenarios use in `"lab"`.
    pub name: &'static str,
    /// A title for people.
    pub title: &'static str,
    /// One line saying what a learner does there (the gallery card shows it).
    pub description: &'static str,
    /// The papers it follows.
    pub papers: &'static [&'static str],
}

/// How a lab runs its scenarios.
#[derive(Clone, Copy)]
pub enum Runs {
    /// On the simulation engine: builds a [`LabRun`] the playground and the CLI drive.
    Engine(Builder),
    /// A model of its own (the consistent hashing lab computes placements, it does not
    /// pass messages): reads a scenario's JSON text and returns its report as JSON.
    Model(ModelReport),
}

/// Reads a model lab's scenario text and computes its report.
pub type ModelReport = fn(&str) -> Result<serde_json::Value, ScenarioError>;

impl std::fmt::Debug for Runs {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Runs::Engine(_) => "Engine",
            Runs::Model(_) => "Model",
        })
    }
}

/// A lab as the catalogue (`crate::catalogue`) holds it: what it is, its presets and how
/// it runs. Each lab defines one, `LAB`, in its own `lab.rs`.
#[derive(Debug, Clone, Copy)]
pub struct Lab {
    /// What the lab is.
    pub info: LabInfo,
    /// Its presets, from `core/scenarios/<lab>/`, as `(name, JSON text)`.
    pub presets: &'static [(&'static str, &'static str)],
    /// How it runs.
    pub runs: Runs,
}

impl Lab {
    /// The builder of an engine lab's runs; `None` for a model lab.
    pub const fn builder(&self) -> Option<Builder> {
        match self.runs {
            Runs::Engine(builder) => Some(builder),
            Runs::Model(_) => None,
        }
    }

    /// The preset called `name`, if this lab has it.
    pub fn preset(&self, name: &str) -> Option<&'static str> {
        self.presets
            .iter()
            .find(|(preset, _)| *preset == name)
            .map(|(_, text)| *text)
    }
}

/// A running lab, whatever its protocol.
pub trait LabRun {
    /// The lab's name.
    fn lab(&self) -> &str;
    /// The current virtual time (µs).
    fn now(&self) -> Time;
    /// The furthest time reached (for the scrubber).
    fn horizon(&self) -> Time;
    /// Processes one event; false if nothing is left or a bound was hit.
    fn step(&mut self) -> bool;
    /// Runs until time `t` (µs), bounded by the scenario's limits.
    fn run_until(&mut self, t: Time) -> RunStop;
    /// Applies `action` now and records it in the timeline; forks if in the past.
    fn apply(&mut self, action: Action) -> Result<(), ActionError>;
    /// Moves to time `t` (clamped to the horizon).
    fn seek(&mut self, t: Time);
    /// Whether an action was applied in the past.
    fn forked(&self) -> bool;
    /// Every node with its status and role.
    fn nodes(&self) -> Vec<NodeView>;
    /// A node's protocol state as JSON (for a crashed node: what its disk holds).
    fn node_state(&self, id: NodeId) -> Option<serde_json::Value>;
    /// Messages on their way.
    fn in_flight(&self) -> Vec<MessageView>;
    /// The armed timers the protocol names for display (Raft's election timers), per node.
    fn shown_timers(&self) -> Vec<crate::sim::TimerView> {
        Vec::new()
    }
    /// How many messages are on their way.
    fn in_flight_count(&self) -> u64 {
        self.in_flight().len() as u64
    }
    /// The messages on their way whose id is a multiple of `stride`, at most `max` of
    /// them, with their summaries if `summaries`: what a canvas draws when the traffic is
    /// too heavy to draw every message (see [`crate::sim::Simulator::in_flight_sample`]).
    fn in_flight_sample(&self, stride: u64, max: usize, summaries: bool) -> Vec<MessageView> {
        let stride = stride.max(1);
        self.in_flight()
            .into_iter()
            .filter(|message| message.id % stride == 0)
            .take(max)
            .map(|mut message| {
                if !summaries {
                    message.summary.clear();
                }
                message
            })
            .collect()
    }
    /// Messages dropped at or after `since` (µs).
    fn recent_drops(&self, since: Time) -> Vec<MessageView>;
    /// Every directed link that differs from the default or is down.
    fn links(&self) -> Vec<LinkView>;
    /// The newest `n` trace entries, oldest first.
    fn trace_tail(&self, n: usize) -> Vec<TraceEntryView>;
    /// The events of virtual times `from..=to` (µs) for a space-time diagram, at most
    /// `events_max` of them, with the messages still in flight at `to` and each node's lane
    /// (see [`crate::spacetime`]). A run without a message trace returns an empty window.
    fn spacetime(&self, from: Time, to: Time, events_max: usize) -> SpacetimeWindow {
        let _ = events_max;
        SpacetimeWindow::empty(from, to)
    }
    /// The run's fingerprint so far.
    fn trace_hash(&self) -> u64;
    /// Events processed.
    fn events(&self) -> u64;
    /// Violations recorded.
    fn violations(&self) -> &[Violation];
    /// Each invariant and whether it holds.
    fn invariants(&self) -> Vec<InvariantStatus>;
    /// Liveness expectations not met (the first miss of each): reported, never counted
    /// as violations, since correct code can miss them under unlucky timing.
    fn warnings(&self) -> &[Warning] {
        &[]
    }
    /// The checkers that reached the cap on what they remember, so that a report can
    /// say its verdicts cover less than the whole run.
    fn checker_limits(&self) -> Vec<CheckerLimit> {
        Vec::new()
    }
    /// The metrics a sweep of this lab summarises when none are named.
    fn sweep_metrics(&self) -> &'static [&'static str] {
        SWEEP_METRICS_DEFAULT
    }
    /// The run's metrics.
    fn metrics(&self) -> MetricsView;
    /// A scenario that reproduces this run: the original plus the actions taken.
    fn scenario(&self) -> Scenario;
    /// When the next event happens.
    fn next_event_time(&self) -> Option<Time>;
    /// Every client request with its answer, as JSON (for checkers and the UI).
    fn client_history(&self) -> serde_json::Value;
    /// Scheduled actions that could not be applied, in words.
    fn action_errors(&self) -> Vec<String>;
    /// The run as its concrete type, for a view that draws one lab's own figures
    /// (the load balancing charts read `ProtocolLab<LoadBalancing>`'s typed report
    /// instead of parsing JSON). `None` for a run that does not offer it.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// The metrics a sweep summarises when none are named: ones every engine run produces.
pub const SWEEP_METRICS_DEFAULT: &[&str] = &["messages_delivered", "messages_dropped"];

/// What a message-passing lab adds to its protocol.
pub trait LabProtocol: Protocol + 'static {
    /// The lab's catalogue entry.
    const INFO: LabInfo;

    /// The metrics `netsplit sweep` summarises when none are named: figures this lab's
    /// runs produce (a test checks they are non-zero on every preset with traffic).
    const SWEEP_METRICS: &'static [&'static str] = SWEEP_METRICS_DEFAULT;

    /// The invariants checked after every event.
    fn invariants(_config: &Self::Config) -> Vec<Box<dyn Invariant<Self>>> {
        Vec::new()
    }

    /// The hook for lab-specific actions, if the lab has any.
    fn lab_action() -> Option<LabActionFn<Self>> {
        None
    }

    /// The hook that updates lab metrics after every event, if any.
    fn observer() -> Option<ObserverFn<Self>> {
        None
    }

    /// Checks the lab parameters; the error's path is relative to `params`.
    fn validate_config(_config: &Self::Config) -> Result<(), (String, String)> {
        Ok(())
    }

    /// Translates a scenario as the learner wrote it into the one the engine runs (the
    /// load balancer fills in its seed; the rate limiter turns its traffic and fault
    /// descriptions into requests and actions). The run's exported scenario is always
    /// the learner's, so a share link replays through this same translation.
    fn prepare(scenario: &Scenario) -> Result<std::borrow::Cow<'_, Scenario>, ScenarioError> {
        Ok(std::borrow::Cow::Borrowed(scenario))
    }
}

/// Builds one lab's run from a scenario already validated and naming that lab.
pub type Builder = fn(&Scenario) -> Result<Box<dyn LabRun>, ScenarioError>;

/// Builds the run a scenario describes with only the labs in `builders` (by the name
/// scenarios use in `"lab"`), after validating it. The whole catalogue
/// ([`crate::catalogue::build`]) passes every engine lab; the browser's per-lab bundles
/// pass just their own, so the linker leaves the other labs' code out of the download.
pub fn build_among(
    scenario: &Scenario,
    builders: &[(&str, Builder)],
) -> Result<Box<dyn LabRun>, ScenarioError> {
    scenario.validate()?;
    match builders.iter().find(|(name, _)| *name == scenario.lab) {
        Some((_, builder)) => builder(scenario),
        None => Err(ScenarioError::UnknownLab {
            name: scenario.lab.clone(),
            known: builders
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn prefixed(prefix: &str, error: String) -> ScenarioError {
    // `decode_json` errors look like `.field: reason` or `: reason`.
    match error.split_once(": ") {
        Some((path, reason)) => ScenarioError::Invalid {
            path: format!("{prefix}{path}"),
            reason: reason.to_string(),
        },
        None => ScenarioError::Invalid {
            path: prefix.to_string(),
            reason: error,
        },
    }
}

/// Builds a simulator for protocol `P` from a validated scenario: decodes the
/// parameters, requests and timeline, and schedules everything.
pub fn build_simulator<P: LabProtocol>(scenario: &Scenario) -> Result<Simulator<P>, ScenarioError> {
    let config: P::Config = if scenario.params.is_null() {
        P::Config::default()
    } else {
        decode_json(&scenario.params).map_err(|error| prefixed("params", error))?
    };
    P::validate_config(&config).map_err(|(path, reason)| ScenarioError::Invalid {
        path: format!("params.{path}"),
        reason,
    })?;
    let mut network = Network::new(scenario.network.default_link());
    let default_link = scenario.network.default_link();
    for link in &scenario.network.links {
        let config = link.apply_to(&default_link);
        let mut directions = vec![(link.from, link.to)];
        if link.both_directions {
            directions.push((link.to, link.from));
        }
        for (from, to) in directions {
            network.set_link(from, to, config.clone());
            if !link.up {
                network.cut_link(from, to);
            }
        }
    }
    let mut sim = Simulator::<P>::new(
        scenario.sim_config(),
        config.clone(),
        network,
        scenario.nodes,
    );
    for invariant in P::invariants(&config) {
        sim.add_invariant(invariant);
    }
    if let Some(hook) = P::lab_action() {
        sim.set_lab_action(hook);
    }
    if let Some(hook) = P::observer() {
        sim.set_observer(hook);
    }

    let mut timeline = Vec::with_capacity(scenario.timeline.len());
    for (index, entry) in scenario.timeline.iter().enumerate() {
        if let Action::ClientRequest { request, .. } = &entry.action {
            decode_json::<P::Request>(request)
                .map_err(|error| prefixed(&format!("timeline[{index}].action.request"), error))?;
        }
        timeline.push((entry.time(), entry.action.clone()));
    }
    sim.schedule_timeline(timeline);

    let mut requests = Vec::with_capacity(scenario.workload.requests.len());
    for (index, spec) in scenario.workload.requests.iter().enumerate() {
        let request: P::Request = decode_json(&spec.request)
            .map_err(|error| prefixed(&format!("workload.requests[{index}].request"), error))?;
        requests.push((
            spec.at_ms * crate::protocol::MICROS_PER_MS,
            spec.node,
            request,
        ));
    }
    sim.schedule_requests(requests);

    if let Some(spec) = &scenario.workload.generator {
        let sample = crate::sim::fill_template(&spec.request, 0);
        decode_json::<P::Request>(&sample)
            .map_err(|error| prefixed("workload.generator.request", error))?;
        let interval = (1_000_000.0 / spec.rate_per_second).round().max(1.0) as Time;
        sim.set_generator(RequestGenerator {
            interval,
            start: spec.start_ms * crate::protocol::MICROS_PER_MS,
            stop: spec
                .stop_ms
                .map(|stop| stop * crate::protocol::MICROS_PER_MS),
            target: spec.target.clone(),
            template: spec.request.clone(),
            generated: 0,
            round_robin_next: 0,
        });
    }
    sim.start();
    Ok(sim)
}

/// Builds the [`LabRun`] of a message-passing lab: the scenario goes through the lab's
/// [`LabProtocol::prepare`] and the engine runs what comes out.
pub fn build_protocol_lab<P: LabProtocol>(
    scenario: &Scenario,
) -> Result<ProtocolLab<P>, ScenarioError> {
    let prepared = P::prepare(scenario)?;
    let sim = build_simulator::<P>(&prepared)?;
    Ok(ProtocolLab {
        scenario: scenario.clone(),
        run: Run::new(sim),
    })
}

/// The [`LabRun`] of a message-passing lab: a [`Run`] of protocol `P`.
#[derive(Debug, Clone)]
pub struct ProtocolLab<P: LabProtocol> {
    /// The scenario as the learner wrote it (before [`LabProtocol::prepare`]).
    scenario: Scenario,
    run: Run<P>,
}

impl<P: LabProtocol> ProtocolLab<P> {
    /// The time-travelling run underneath.
    pub fn run(&self) -> &Run<P> {
        &self.run
    }

    /// The simulator at the current moment (typed, for checkers and tests).
    pub fn sim(&self) -> &Simulator<P> {
        self.run.sim()
    }

    /// The scenario as the learner wrote it, without the actions taken since.
    pub fn original(&self) -> &Scenario {
        &self.scenario
    }
}

fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value)
        .unwrap_or_else(|error| serde_json::json!({ "error": error.to_string() }))
}

impl<P: LabProtocol> LabRun for ProtocolLab<P> {
    fn lab(&self) -> &str {
        P::INFO.name
    }

    fn now(&self) -> Time {
        self.run.sim().now()
    }

    fn horizon(&self) -> Time {
        self.run.horizon()
    }

    fn step(&mut self) -> bool {
        self.run.step()
    }

    fn run_until(&mut self, t: Time) -> RunStop {
        self.run.run_until(t)
    }

    fn apply(&mut self, action: Action) -> Result<(), ActionError> {
        crate::scenario::validate_action("action", &action, self.run.sim().config().max_nodes)
            .map_err(|error| ActionError::Invalid(error.to_string()))?;
        self.run.apply(action)
    }

    fn seek(&mut self, t: Time) {
        self.run.seek(t);
    }

    fn forked(&self) -> bool {
        self.run.forked()
    }

    fn nodes(&self) -> Vec<NodeView> {
        self.run.sim().node_views()
    }

    fn node_state(&self, id: NodeId) -> Option<serde_json::Value> {
        let sim = self.run.sim();
        match sim.status(id)? {
            crate::event::NodeStatus::Crashed | crate::event::NodeStatus::Removed => {
                sim.durable(id).map(to_json)
            }
            crate::event::NodeStatus::Up | crate::event::NodeStatus::Paused => {
                sim.node(id).map(to_json)
            }
        }
    }

    fn in_flight(&self) -> Vec<MessageView> {
        self.run.sim().in_flight()
    }

    fn in_flight_count(&self) -> u64 {
        self.run.sim().in_flight_count()
    }

    fn shown_timers(&self) -> Vec<crate::sim::TimerView> {
        self.run.sim().shown_timers()
    }

    fn in_flight_sample(&self, stride: u64, max: usize, summaries: bool) -> Vec<MessageView> {
        self.run.sim().in_flight_sample(stride, max, summaries)
    }

    fn recent_drops(&self, since: Time) -> Vec<MessageView> {
        self.run.sim().recent_drops(since)
    }

    fn links(&self) -> Vec<LinkView> {
        self.run.sim().links(LINK_VIEWS_MAX)
    }

    fn trace_tail(&self, n: usize) -> Vec<TraceEntryView> {
        let trace = self.run.sim().trace();
        let tail = trace.tail(n);
        let first = trace.recorded() - tail.len() as u64;
        tail.into_iter()
            .zip(first..)
            .map(|(record, seq)| record.view(seq))
            .collect()
    }

    fn spacetime(&self, from: Time, to: Time, events_max: usize) -> SpacetimeWindow {
        crate::spacetime::query(self.run.sim(), from, to, events_max)
    }

    fn trace_hash(&self) -> u64 {
        self.run.sim().trace_hash()
    }

    fn events(&self) -> u64 {
        self.run.sim().events()
    }

    fn violations(&self) -> &[Violation] {
        self.run.sim().violations()
    }

    fn invariants(&self) -> Vec<InvariantStatus> {
        self.run.sim().invariant_statuses()
    }

    fn warnings(&self) -> &[Warning] {
        self.run.sim().warnings()
    }

    fn checker_limits(&self) -> Vec<CheckerLimit> {
        self.run.sim().checker_limits()
    }

    fn sweep_metrics(&self) -> &'static [&'static str] {
        P::SWEEP_METRICS
    }

    fn metrics(&self) -> MetricsView {
        self.run.sim().metrics().view()
    }

    fn scenario(&self) -> Scenario {
        let mut scenario = self.scenario.clone();
        // At equal times, actions the learner applied come before the original
        // timeline's: a learner acts after `run_until(t)`, before anything at `t`.
        let mut keyed: Vec<(Time, u8, usize, TimelineEntry)> = scenario
            .timeline
            .drain(..)
            .enumerate()
            .map(|(index, entry)| (entry.time(), 1, index, entry))
            .collect();
        for (index, applied) in self.run.actions().iter().enumerate() {
            keyed.push((
                applied.time,
                0,
                index,
                TimelineEntry::at(applied.time, applied.action.clone()),
            ));
        }
        keyed.sort_by_key(|(time, origin, index, _)| (*time, *origin, *index));
        scenario.timeline = keyed.into_iter().map(|(_, _, _, entry)| entry).collect();
        scenario
    }

    fn next_event_time(&self) -> Option<Time> {
        self.run.sim().next_event_time()
    }

    fn client_history(&self) -> serde_json::Value {
        to_json(self.run.sim().client_history())
    }

    fn action_errors(&self) -> Vec<String> {
        self.run.sim().action_errors().to_vec()
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{build, build_from_json};

    const SCENARIO: &str = r#"{
        "version": 1, "lab": "broadcast", "nodes": 3, "seed": 7,
        "workload": {"requests": [{"at_ms": 50, "node": 1, "request": {"op": "store", "value": 5}}]},
        "timeline": [{"at_ms": 200, "action": {"type": "crash", "node": 2}}]
    }"#;

    #[test]
    fn build_runs_a_broadcast_scenario_through_the_erased_interface() {
        let mut lab = build_from_json(SCENARIO).expect("the scenario is valid");
        assert_eq!(lab.lab(), "broadcast");
        assert_eq!(lab.run_until(500_000), RunStop::ReachedTime);
        assert_eq!(lab.now(), 500_000);
        assert!(lab.events() > 0);
        assert_eq!(lab.nodes()[2].status, crate::event::NodeStatus::Crashed);
        let history = lab.client_history();
        assert_eq!(history[0]["reply"]["result"], "stored");
        assert!(!lab.trace_tail(5).is_empty());
        assert_eq!(lab.invariants().len(), 1);
        assert!(lab.node_state(0).is_some());
    }

    #[test]
    fn an_unknown_lab_is_rejected_with_the_known_names() {
        // The engine labs in catalogue order, so that adding a lab does not touch this test.
        let known: Vec<&str> = crate::catalogue::LABS
            .iter()
            .filter(|lab| lab.builder().is_some())
            .map(|lab| lab.info.name)
            .collect();
        assert!(known.contains(&"raft") && known.contains(&"broadcast"));
        let error =
            crate::catalogue::build_from_json(r#"{"version": 1, "lab": "nope", "nodes": 3}"#)
                .err()
                .expect("nope is not a lab");
        assert_eq!(
            error.to_string(),
            format!(
                "lab: unknown lab \"nope\"; known labs: {}",
                known.join(", ")
            )
        );
    }

    #[test]
    fn bad_lab_parameters_and_requests_name_their_path() {
        let error = build_from_json(
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "params": {"round_ms_min": "soon"}}"#,
        )
        .err()
        .expect("invalid");
        assert!(
            error
                .to_string()
                .starts_with("params.round_ms_min: invalid type"),
            "{error}"
        );
        let error = build_from_json(
            r#"{"version": 1, "lab": "broadcast", "nodes": 3,
                "workload": {"requests": [{"at_ms": 1, "node": 0, "request": {"op": "fly"}}]}}"#,
        )
        .err()
        .expect("invalid");
        assert!(
            error
                .to_string()
                .starts_with("workload.requests[0].request"),
            "{error}"
        );
    }

    #[test]
    fn the_exported_scenario_reproduces_the_run_with_the_learners_actions() {
        let mut lab = build_from_json(SCENARIO).expect("valid");
        lab.run_until(100_000);
        lab.apply(Action::Isolate { node: 0 })
            .expect("node 0 exists");
        lab.run_until(150_500);
        lab.apply(Action::HealAll).expect("always possible");
        lab.run_until(400_000);
        let exported = lab.scenario();
        assert_eq!(exported.timeline.len(), 3);
        let mut replay = build(&exported).expect("the export is valid");
        replay.run_until(400_000);
        assert_eq!(replay.trace_hash(), lab.trace_hash());
    }

    #[test]
    fn an_invalid_action_is_refused_and_not_recorded() {
        let mut lab = build_from_json(SCENARIO).expect("valid");
        let error = lab.apply(Action::Restart { node: 0 }).unwrap_err();
        assert_eq!(error.to_string(), "cannot restart node 0: it is up");
        let error = lab.apply(Action::Crash { node: 9 }).unwrap_err();
        assert!(error.to_string().contains("node 9 does not exist"));
        assert_eq!(lab.scenario().timeline.len(), 1);
    }
}
