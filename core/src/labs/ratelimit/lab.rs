//! The rate limiting lab on the simulation engine.
//!
//! A rate limiting scenario (see [`super::scenario`]) describes its traffic and its
//! faults in the lab's own terms: arrivals per client, a central counter that crashes,
//! a link to it that is cut, a partition between limiter nodes. The engine speaks in
//! nodes, links, client requests and timeline actions. [`engine_scenario`] translates
//! the first into the second, and [`build`] runs the result with [`LimiterNode`]
//! (see [`super::cluster`]) on the engine, so the learner sees the messages, can crash
//! the central counter or cut a link at any moment, and watches the named property
//! "global limit" break.
//!
//! The translation:
//! - the limiter nodes are engine nodes `0..nodes`; in central counter mode one more
//!   node, the highest id, is the central counter;
//! - every arrival becomes a client request to limiter node `i mod nodes` (the load
//!   balancer's round robin) at its exact microsecond, after the scenario's own
//!   timeline entries and the faults of the same microsecond;
//! - `latency_ms` becomes the default link's fixed latency;
//! - a central crash becomes `crash` and `restart` of the central node, a cut central
//!   link becomes `cut_link_both` and two `heal_link`s, and a partition becomes a cut
//!   of every link across it; faults that concern a central counter are left out in
//!   periodic synchronization mode, where there is none.
//!
//! [`RateLimitLab`] keeps the scenario as written, so [`LabRun::scenario`] gives back a
//! file in the lab's format (plus the learner's actions) that rebuilds the same run.

use crate::collections::{SortedMap, SortedSet};

use super::Decision;
use super::cluster::{ClusterConfig, LimitRequest, LimiterNode};
use super::distributed::{
    DistributedConfig, DistributedDecision, DistributedOutcome, Fault, SharingMode, summarize,
};
use super::scenario::{RateLimitParams, RateLimitScenario};
use crate::event::Action;
use crate::invariant::{Invariant, Violation};
use crate::lab::{Lab, LabInfo, LabProtocol, LabRun, ProtocolLab, Runs, build_protocol_lab};
use crate::metrics::Metrics;
use crate::network::Latency;
use crate::protocol::{MICROS_PER_MS, NodeId, Time};
use crate::scenario::{Scenario, ScenarioError, TIMELINE_ENTRIES_MAX, TimelineEntry};
use crate::sim::{ObserverFn, SimView, Simulator, decode_json};

/// The lab's catalogue entry.
pub const INFO: LabInfo = LabInfo {
    name: "ratelimit",
    title: "Rate limiting",
    description: "Feed one burst to six limiters and see where fixed windows let twice the \
                  limit through; then spread one limit over nodes and cut them apart.",
    papers: &[
        "ITU-T Recommendation I.371, Traffic control and congestion control in B-ISDN (GCRA)",
        "J. Turner, New directions in communications (or which way to the information age?), 1986 (the leaky bucket)",
    ],
};

impl LabProtocol for LimiterNode {
    const INFO: LabInfo = INFO;
    // `rejected` is left out of the defaults: a run within the limit rightly rejects
    // nothing. It is always reported and can be named with `--metric rejected`.
    const SWEEP_METRICS: &'static [&'static str] = &["client_requests", ADMITTED_COUNTER];

    fn observer() -> Option<ObserverFn<Self>> {
        Some(count_decisions)
    }

    fn invariants(config: &Self::Config) -> Vec<Box<dyn Invariant<Self>>> {
        vec![Box::new(GlobalLimit::new(config))]
    }

    fn validate_config(config: &Self::Config) -> Result<(), (String, String)> {
        config.validate()
    }

    fn prepare(scenario: &Scenario) -> Result<std::borrow::Cow<'_, Scenario>, ScenarioError> {
        Ok(std::borrow::Cow::Owned(engine_scenario(scenario)?))
    }
}

/// The counter of requests admitted over all limiter nodes.
pub const ADMITTED_COUNTER: &str = "admitted";

/// The counter of requests rejected over all limiter nodes.
pub const REJECTED_COUNTER: &str = "rejected";

/// Counts the decisions in request order: a request is counted once it and every earlier
/// one have their answers, so `admitted + rejected` is always the number of requests
/// counted so far and the next one to look at, with no state beside the two counters.
fn count_decisions(sim: &Simulator<LimiterNode>, metrics: &mut Metrics) {
    let history = sim.client_history();
    // Both counters exist from the first event, so a run that rejects nothing reports 0.
    metrics.add(ADMITTED_COUNTER, 0);
    metrics.add(REJECTED_COUNTER, 0);
    let counted = |name: &str| metrics.counters.get(name).copied().unwrap_or(0);
    let mut next = (counted(ADMITTED_COUNTER) + counted(REJECTED_COUNTER)) as usize;
    while let Some(reply) = history.get(next).and_then(|call| call.reply.as_ref()) {
        let name = if reply.admitted {
            ADMITTED_COUNTER
        } else {
            REJECTED_COUNTER
        };
        metrics.add(name, 1);
        next += 1;
    }
}

/// The named property "global limit": no window admits more than the limit over all
/// limiter nodes together. It holds while the nodes can share their counts and breaks,
/// on purpose, when they cannot and fail open.
#[derive(Debug, Clone)]
pub struct GlobalLimit {
    limit: u64,
    window_us: Time,
    /// Client calls before this index have been looked at.
    cursor: usize,
    /// Calls looked at that had no answer yet.
    unanswered: SortedSet<usize>,
    /// Admitted calls per window of their arrival.
    admitted: SortedMap<u64, u64>,
}

impl GlobalLimit {
    /// The property for `config`'s limit and window.
    pub fn new(config: &ClusterConfig) -> Self {
        Self {
            limit: config.limit,
            window_us: config.window_ms.max(1) * MICROS_PER_MS,
            cursor: 0,
            unanswered: SortedSet::new(),
            admitted: SortedMap::new(),
        }
    }

    /// Counts call `index` if it has been answered; returns whether it had.
    fn count(&mut self, view: &SimView<LimiterNode>, index: usize) -> bool {
        let Some(call) = view.client_history().get(index) else {
            return false;
        };
        let Some(reply) = call.reply.as_ref() else {
            return false;
        };
        if reply.admitted {
            *self
                .admitted
                .entry(call.invoked_at / self.window_us)
                .or_insert(0) += 1;
        }
        true
    }
}

impl Invariant<LimiterNode> for GlobalLimit {
    fn name(&self) -> &str {
        "global limit"
    }

    fn description(&self) -> &str {
        "No window of the limit's length admits more requests than the global limit, over all limiter nodes together."
    }

    fn check(&mut self, view: &SimView<LimiterNode>) -> Option<Violation> {
        // Answers come late (after a round trip or a timeout), so calls are visited once
        // when they appear and again while they wait; each is counted exactly once.
        let waiting: Vec<usize> = self.unanswered.iter().copied().collect();
        for index in waiting {
            if self.count(view, index) {
                self.unanswered.remove(&index);
            }
        }
        let length = view.client_history().len();
        while self.cursor < length {
            if !self.count(view, self.cursor) {
                self.unanswered.insert(self.cursor);
            }
            self.cursor += 1;
        }
        let (&window, &admitted) = self
            .admitted
            .iter()
            .find(|&(_, &admitted)| admitted > self.limit)?;
        let start_ms = window * self.window_us / MICROS_PER_MS;
        let end_ms = (window + 1) * self.window_us / MICROS_PER_MS;
        Some(Violation {
            property: String::new(),
            time: 0,
            nodes: Vec::new(),
            message: format!(
                "the window from {start_ms} ms to {end_ms} ms admitted {admitted} requests, over the global limit of {}",
                self.limit
            ),
        })
    }
}

/// Reads the lab's own view of an engine scenario (its `params` in the lab's format).
pub fn rate_limit_scenario(scenario: &Scenario) -> Result<RateLimitScenario, ScenarioError> {
    let params: RateLimitParams = decode_json(&scenario.params).map_err(|error| {
        // `decode_json` errors read `.field: reason` or `: reason`.
        let (path, reason) = error.split_once(": ").unwrap_or(("", error.as_str()));
        ScenarioError::Invalid {
            path: format!("params{path}"),
            reason: reason.to_string(),
        }
    })?;
    let run_until_ms = scenario
        .run_until_ms
        .ok_or_else(|| ScenarioError::Invalid {
            path: "run_until_ms".to_string(),
            reason: "the ratelimit lab needs the run's length to generate its traffic".to_string(),
        })?;
    let lab = RateLimitScenario {
        version: scenario.version,
        lab: scenario.lab.clone(),
        title: scenario.title.clone(),
        description: scenario.description.clone(),
        seed: scenario.seed,
        nodes: scenario.nodes,
        run_until_ms,
        params,
    };
    lab.validate()?;
    Ok(lab)
}

/// The engine scenario that runs `scenario` (in the lab's format) with [`LimiterNode`].
/// See the module documentation for the translation.
pub fn engine_scenario(scenario: &Scenario) -> Result<Scenario, ScenarioError> {
    let lab = rate_limit_scenario(scenario)?;
    let trace = lab.trace()?;
    let distributed = lab
        .distributed_config()
        .unwrap_or_else(|| DistributedConfig {
            nodes: u64::from(lab.nodes),
            ..DistributedConfig::default()
        });
    let limiters = lab.nodes;
    let central = (distributed.sharing == SharingMode::CentralCounter).then_some(limiters);
    let config = ClusterConfig {
        limit: lab.params.limit,
        window_ms: lab.params.window_ms,
        sharing: distributed.sharing,
        failure_policy: distributed.failure_policy,
        timeout_ms: distributed.timeout_ms,
        sync_interval_ms: distributed.sync_interval_ms,
        silence_ms_max: 2 * distributed.sync_interval_ms + distributed.latency_ms,
    };
    let mut engine = scenario.clone();
    engine.nodes = limiters + u32::from(central.is_some());
    engine.params = serde_json::to_value(&config).map_err(|error| ScenarioError::Invalid {
        path: "params".to_string(),
        reason: error.to_string(),
    })?;
    engine.network.latency = Latency::Fixed {
        ms: distributed.latency_ms as f64,
    };
    // The scenario's own timeline (the learner's actions, exported) goes first: the
    // engine applies entries of equal time in order, and its rule is that an action
    // at time t comes before anything else at t, as it did when the learner applied
    // it live. This also keeps `timeline[i]` in an error naming the file's entry i.
    let mut timeline = scenario.timeline.clone();
    timeline.extend(fault_actions(&distributed.faults, central, limiters));
    for (index, arrival) in trace.iter().enumerate() {
        let request = LimitRequest {
            client: arrival.client,
        };
        let request = serde_json::to_value(&request).map_err(|error| ScenarioError::Invalid {
            path: "params.traffic".to_string(),
            reason: error.to_string(),
        })?;
        timeline.push(TimelineEntry::at(
            arrival.at,
            Action::ClientRequest {
                node: (index as u64 % u64::from(limiters)) as NodeId,
                request,
            },
        ));
    }
    if timeline.len() > TIMELINE_ENTRIES_MAX {
        return Err(ScenarioError::Invalid {
            path: "params.traffic".to_string(),
            reason: format!(
                "the engine run takes at most {TIMELINE_ENTRIES_MAX} requests, faults and actions, got {}",
                timeline.len()
            ),
        });
    }
    engine.timeline = timeline;
    Ok(engine)
}

/// Merges overlapping or touching spans `[from, to)`, so that the engine, which
/// cannot crash a crashed node or heal a link twice, sees one crash or one cut for
/// each stretch of time the model considers down.
fn merge_spans(mut spans: Vec<(Time, Time)>) -> Vec<(Time, Time)> {
    spans.sort_unstable();
    let mut merged: Vec<(Time, Time)> = Vec::with_capacity(spans.len());
    for (from, to) in spans {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// The timeline actions of `faults`: crashes and restarts of the central counter and
/// cuts and heals of links, one per merged span.
fn fault_actions(faults: &[Fault], central: Option<NodeId>, limiters: u32) -> Vec<TimelineEntry> {
    let mut crashes = Vec::new();
    let mut cuts: SortedMap<(NodeId, NodeId), Vec<(Time, Time)>> = SortedMap::new();
    for fault in faults {
        let (from, to) = match fault {
            Fault::CutCentralLink { from_ms, to_ms, .. }
            | Fault::CrashCentral { from_ms, to_ms }
            | Fault::Partition { from_ms, to_ms, .. } => {
                (from_ms * MICROS_PER_MS, to_ms * MICROS_PER_MS)
            }
        };
        match (fault, central) {
            (Fault::CutCentralLink { node, .. }, Some(central)) => {
                cuts.entry((*node, central)).or_default().push((from, to));
            }
            (Fault::CrashCentral { .. }, Some(_)) => crashes.push((from, to)),
            (Fault::Partition { side, .. }, _) => {
                for &inside in side {
                    for outside in (0..limiters).filter(|node| !side.contains(node)) {
                        let pair = (inside.min(outside), inside.max(outside));
                        cuts.entry(pair).or_default().push((from, to));
                    }
                }
            }
            // There is no central counter in periodic synchronization mode.
            (Fault::CutCentralLink { .. } | Fault::CrashCentral { .. }, None) => {}
        }
    }
    let mut timeline = Vec::new();
    if let Some(central) = central {
        for (start, end) in merge_spans(crashes) {
            timeline.push(TimelineEntry::at(start, Action::Crash { node: central }));
            timeline.push(TimelineEntry::at(end, Action::Restart { node: central }));
        }
    }
    for ((first, second), spans) in cuts {
        for (start, end) in merge_spans(spans) {
            timeline.push(TimelineEntry::at(
                start,
                Action::CutLinkBoth {
                    from: first,
                    to: second,
                },
            ));
            for (from, to) in [(first, second), (second, first)] {
                timeline.push(TimelineEntry::at(end, Action::HealLink { from, to }));
            }
        }
    }
    timeline
}

/// The lab as the catalogue lists it.
pub const LAB: Lab = Lab {
    info: INFO,
    presets: crate::presets::of_lab::RATELIMIT,
    runs: Runs::Engine(build_run),
};

/// Builds the lab's engine run from a scenario in the lab's format (typed, for tests and
/// the lab's own views). The learner's scenario goes through [`engine_scenario`] (the
/// [`LabProtocol::prepare`] hook), and the exported scenario stays in the lab's format.
pub fn build(scenario: &Scenario) -> Result<ProtocolLab<LimiterNode>, ScenarioError> {
    build_protocol_lab::<LimiterNode>(scenario)
}

/// Builds the lab's engine run, erased for the catalogue.
pub fn build_run(scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
    Ok(Box::new(build(scenario)?))
}

/// The global limit's figures of a run at its current moment, over the requests answered
/// so far: admitted, over the limit (and in percent), wrongly rejected, and the engine's
/// message counts. This is what the lab shows live; at the end of a run it equals the
/// closed-form model's outcome.
pub fn outcome(lab: &ProtocolLab<LimiterNode>) -> DistributedOutcome {
    let sim = lab.sim();
    let config = sim.protocol_config();
    let decisions = sim
        .client_history()
        .iter()
        .filter_map(|call| {
            let reply = call.reply?;
            Some(DistributedDecision {
                at: call.invoked_at,
                client: call.request.client,
                node: call.node,
                decision: if reply.admitted {
                    Decision::Admit
                } else {
                    Decision::Reject
                },
                decided_at: call.replied_at.unwrap_or(call.invoked_at),
                reason: reply.reason,
            })
        })
        .collect();
    let mut outcome = summarize(
        decisions,
        config.limit,
        config.window_ms.max(1) * MICROS_PER_MS,
    );
    let metrics = sim.metrics().view();
    outcome.messages_sent = metrics.messages_sent;
    outcome.messages_lost = metrics.messages_dropped;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::ratelimit::{distributed, report};

    fn preset(name: &str) -> Scenario {
        let text = crate::presets::get(name).expect("the preset is embedded");
        Scenario::from_json(text).expect("the preset is a valid engine scenario")
    }

    /// Runs `name` on the engine and returns each request's admission, in issue order.
    fn engine_decisions(name: &str) -> (Vec<(NodeId, Time, bool)>, Vec<Violation>) {
        let scenario = preset(name);
        let mut lab = build(&scenario).unwrap();
        let until = scenario.run_until_ms.unwrap() * MICROS_PER_MS;
        lab.run_until(until + 1_000_000);
        let history = lab.sim().client_history();
        let decisions = history
            .iter()
            .map(|call| {
                let reply = call.reply.expect("every request is answered");
                (call.node, call.replied_at.unwrap_or(0), reply.admitted)
            })
            .collect();
        (decisions, lab.violations().to_vec())
    }

    fn model_decisions(name: &str) -> Vec<(NodeId, Time, bool)> {
        let scenario = preset(name);
        let lab = rate_limit_scenario(&scenario).unwrap();
        let trace = lab.trace().unwrap();
        let params = lab.params.limit_params();
        let config = lab.distributed_config().unwrap();
        distributed::run(&trace, &params, &config)
            .unwrap()
            .decisions
            .iter()
            .map(|decision| {
                (
                    decision.node,
                    decision.decided_at,
                    decision.decision == Decision::Admit,
                )
            })
            .collect()
    }

    #[test]
    fn the_engine_run_of_the_central_store_preset_decides_as_the_closed_form_model() {
        let (engine, violations) = engine_decisions("ratelimit-bug-central-store-down");
        assert_eq!(engine, model_decisions("ratelimit-bug-central-store-down"));
        // Failing open while the central counter is down breaks the global limit.
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].property, "global limit");
        // The central counter is down from 2 s to 3 s, so the window of 2 s fails open.
        assert!(
            violations[0]
                .message
                .starts_with("the window from 2000 ms to 3000 ms admitted "),
            "{}",
            violations[0].message
        );
        assert!(
            violations[0]
                .message
                .ends_with("over the global limit of 10")
        );
    }

    #[test]
    fn the_engine_run_of_the_partition_preset_decides_as_the_closed_form_model() {
        let (engine, violations) = engine_decisions("ratelimit-bug-distributed-partition");
        assert_eq!(
            engine,
            model_decisions("ratelimit-bug-distributed-partition")
        );
        assert_eq!(violations.len(), 1);
    }

    #[test]
    fn the_live_figures_at_the_end_of_a_run_equal_the_closed_form_outcome() {
        for name in [
            "ratelimit-bug-central-store-down",
            "ratelimit-bug-distributed-partition",
        ] {
            let scenario = preset(name);
            let mut lab = build(&scenario).unwrap();
            lab.run_until(scenario.run_until_ms.unwrap() * MICROS_PER_MS + 1_000_000);
            let live = outcome(&lab);
            let lab_scenario = rate_limit_scenario(&scenario).unwrap();
            let model = distributed::run(
                &lab_scenario.trace().unwrap(),
                &lab_scenario.params.limit_params(),
                &lab_scenario.distributed_config().unwrap(),
            )
            .unwrap();
            assert_eq!(live.decisions, model.decisions, "{name}");
            assert_eq!(live.windows, model.windows, "{name}");
            assert_eq!(
                live.admitted_over_limit, model.admitted_over_limit,
                "{name}"
            );
            assert_eq!(live.wrongly_rejected, model.wrongly_rejected, "{name}");
            assert!(live.admitted_over_limit > 0, "{name}");
            assert!(live.messages_sent > 0, "{name}");
        }
    }

    #[test]
    fn every_ratelimit_preset_builds_and_runs_on_the_engine() {
        for (name, text) in crate::presets::all() {
            if !name.starts_with("ratelimit-") {
                continue;
            }
            let mut lab = crate::catalogue::build_from_json(text)
                .unwrap_or_else(|error| panic!("preset {name}: {error}"));
            assert_eq!(lab.lab(), "ratelimit");
            lab.run_until(10_000_000);
            assert!(lab.events() > 0, "preset {name} did nothing");
            // The side-by-side report reads the same file.
            let scenario = rate_limit_scenario(&preset(name)).unwrap();
            assert!(report(&scenario).is_ok(), "preset {name}");
        }
    }

    #[test]
    fn every_ratelimit_preset_reads_the_same_through_the_engine_as_in_the_lab_format() {
        // The web's preset list reads presets through the engine scenario; it must see
        // exactly what the lab format's own reader sees.
        for (name, text) in crate::presets::all() {
            if !name.starts_with("ratelimit-") {
                continue;
            }
            let direct = RateLimitScenario::from_json(text)
                .unwrap_or_else(|error| panic!("preset {name}: {error}"));
            assert_eq!(
                rate_limit_scenario(&preset(name)).unwrap(),
                direct,
                "{name}"
            );
        }
    }

    #[test]
    fn the_scenario_given_back_is_in_the_lab_format_and_rebuilds_the_same_run() {
        let scenario = preset("ratelimit-bug-central-store-down");
        let mut lab = build(&scenario).unwrap();
        lab.run_until(1_500_000);
        lab.apply(Action::Crash { node: 3 }).unwrap();
        lab.run_until(6_000_000);
        let given_back = lab.scenario();
        assert_eq!(given_back.nodes, scenario.nodes);
        assert_eq!(given_back.params, scenario.params);
        assert_eq!(given_back.timeline.len(), 1);
        let mut again = build(&given_back).unwrap();
        again.run_until(6_000_000);
        assert_eq!(again.trace_hash(), lab.trace_hash());
    }

    #[test]
    fn a_learners_action_at_the_same_microsecond_as_an_arrival_replays_before_it() {
        // The simulator's rule: an action the learner applies at time t happens
        // before anything else scheduled for t (running "until t" stops short of
        // t's events). A replay of the exported scenario must keep that order even
        // when a generated arrival falls on the very same microsecond.
        let scenario = preset("ratelimit-bug-central-store-down");
        let central: NodeId = 3;
        let arrival = engine_scenario(&scenario)
            .unwrap()
            .timeline
            .iter()
            .filter(|entry| matches!(entry.action, Action::ClientRequest { .. }))
            .map(TimelineEntry::time)
            .find(|&time| time >= 1_000_000)
            .expect("an arrival after 1 s");
        let mut lab = build(&scenario).unwrap();
        lab.run_until(arrival);
        assert_eq!(lab.now(), arrival);
        lab.apply(Action::Crash { node: central }).unwrap();
        lab.run_until(1_900_000);
        lab.apply(Action::Restart { node: central }).unwrap();
        lab.run_until(6_000_000);
        assert!(lab.action_errors().is_empty(), "{:?}", lab.action_errors());
        let given_back = lab.scenario();
        let mut again = build(&given_back).unwrap();
        again.run_until(6_000_000);
        assert!(
            again.action_errors().is_empty(),
            "{:?}",
            again.action_errors()
        );
        assert_eq!(
            again.trace_hash(),
            lab.trace_hash(),
            "the replay of the exported scenario is the run the learner saw"
        );
        // The arrival at the crash's microsecond found the central counter down:
        // failing open, the limiter admitted it without an answer from the counter.
        let history = again.sim().client_history();
        let call = history
            .iter()
            .find(|call| call.invoked_at == arrival)
            .expect("the arrival is in the history");
        assert_eq!(
            call.reply.expect("answered").reason,
            distributed::Reason::CentralUnreachableFailedOpen
        );
    }

    #[test]
    fn a_scenario_without_its_length_is_refused_naming_run_until_ms() {
        let mut scenario = preset("ratelimit-boundary-burst");
        scenario.run_until_ms = None;
        let error = build(&scenario).unwrap_err();
        assert!(error.to_string().starts_with("run_until_ms: "), "{error}");
    }

    #[test]
    fn a_bad_lab_parameter_is_named_under_params() {
        let mut scenario = preset("ratelimit-boundary-burst");
        scenario.params["window_ms"] = serde_json::json!(0);
        let error = build(&scenario).unwrap_err();
        assert_eq!(
            error.to_string(),
            "params.window_ms: must be between 1 and 86400000, got 0"
        );
    }

    fn fault() -> impl proptest::strategy::Strategy<Value = Fault> {
        use proptest::prelude::*;
        (0u32..3, 0u64..400, 0u64..300, 0u8..3).prop_map(|(node, from_ms, length_ms, kind)| {
            let to_ms = from_ms + length_ms;
            match kind {
                0 => Fault::CutCentralLink {
                    node,
                    from_ms,
                    to_ms,
                },
                1 => Fault::CrashCentral { from_ms, to_ms },
                _ => Fault::Partition {
                    side: vec![node],
                    from_ms,
                    to_ms,
                },
            }
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|value| value.parse().ok()).unwrap_or(32)
        ))]

        /// On the real engine, with random traffic, latency, timeouts and faults, the
        /// lab decides every request as the closed-form model does: the same node,
        /// answer and answer time.
        #[test]
        fn the_engine_run_decides_every_request_as_the_closed_form_model(
            arrivals_ms in proptest::collection::vec(0u64..600, 1..80),
            central in proptest::bool::ANY,
            fail_open in proptest::bool::ANY,
            latency_ms in 0u64..8,
            timeout_ms in 1u64..20,
            sync_interval_ms in 5u64..40,
            faults in proptest::collection::vec(fault(), 0..3),
        ) {
            let sharing = if central { "central_counter" } else { "periodic_sync" };
            let policy = if fail_open { "fail_open" } else { "fail_closed" };
            let arrivals: Vec<serde_json::Value> = arrivals_ms
                .iter()
                .map(|at_ms| serde_json::json!({ "at_ms": at_ms }))
                .collect();
            let text = serde_json::json!({
                "version": 1,
                "lab": "ratelimit",
                "nodes": 3,
                "run_until_ms": 600,
                "params": {
                    "limit": 5,
                    "window_ms": 100,
                    "arrivals": arrivals,
                    "distributed": {
                        "sharing": sharing,
                        "failure_policy": policy,
                        "latency_ms": latency_ms,
                        "timeout_ms": timeout_ms,
                        "sync_interval_ms": sync_interval_ms,
                        "faults": faults,
                    }
                }
            })
            .to_string();
            let scenario = Scenario::from_json(&text).unwrap();
            let lab_scenario = rate_limit_scenario(&scenario).unwrap();
            let trace = lab_scenario.trace().unwrap();
            let model = distributed::run(
                &trace,
                &lab_scenario.params.limit_params(),
                &lab_scenario.distributed_config().unwrap(),
            )
            .unwrap();
            let mut lab = build(&scenario).unwrap();
            lab.run_until(2_000_000);
            let history = lab.sim().client_history();
            proptest::prop_assert_eq!(history.len(), model.decisions.len());
            for (index, (call, expected)) in history.iter().zip(&model.decisions).enumerate() {
                let reply = call.reply.expect("every request is answered");
                proptest::prop_assert_eq!(call.node, expected.node, "request {}", index);
                proptest::prop_assert_eq!(reply.admitted, expected.decision == Decision::Admit, "request {}", index);
                proptest::prop_assert_eq!(reply.reason, expected.reason, "request {}", index);
                proptest::prop_assert_eq!(call.replied_at, Some(expected.decided_at), "request {}", index);
            }
        }
    }
}
#[cfg(test)]
mod claims {
    //! Every figure the distributed presets' descriptions quote, measured on their runs.
    use super::*;

    /// The run of preset `name` to its end (faults removed when `faults` is false), as the
    /// global limit's outcome, and the preset's description.
    fn measured(name: &str, faults: bool, policy: Option<&str>) -> (DistributedOutcome, String) {
        let text = crate::presets::get(name).expect("the preset exists");
        let mut scenario = Scenario::from_json(text).expect("it parses");
        if !faults {
            scenario.params["distributed"]["faults"] = serde_json::json!([]);
        }
        if let Some(policy) = policy {
            scenario.params["distributed"]["failure_policy"] = serde_json::json!(policy);
        }
        let until = scenario.run_until_ms.expect("a length") * MICROS_PER_MS;
        let mut lab = build(&scenario).expect("it builds");
        lab.run_until(until + 1_000_000);
        (outcome(&lab), scenario.description.unwrap_or_default())
    }

    fn admitted_per_window(outcome: &DistributedOutcome) -> Vec<u64> {
        outcome
            .windows
            .iter()
            .map(|window| window.admitted)
            .collect()
    }

    #[test]
    fn a_partition_lets_each_side_admit_the_whole_limit_about_twice_it_in_all() {
        let (run, description) = measured("ratelimit-bug-distributed-partition", true, None);
        assert_eq!(admitted_per_window(&run), [14, 12, 20, 21, 12, 12]);
        assert_eq!((run.admitted, run.ideal_admitted), (91, 60));
        for quoted in ["12 to 14", "20 and 21", "91", "60"] {
            assert!(description.contains(quoted), "{quoted}: {description}");
        }
        // Without the partition, stale counts alone let 12 to 14 through.
        let (calm, _) = measured("ratelimit-bug-distributed-partition", false, None);
        assert_eq!(admitted_per_window(&calm), [14, 12, 10, 10, 12, 12]);
    }

    #[test]
    fn failing_open_while_the_central_counter_is_down_admits_everything_unchecked() {
        let (run, description) = measured("ratelimit-bug-central-store-down", true, None);
        assert_eq!(admitted_per_window(&run), [10, 10, 36, 10, 18, 10]);
        for quoted in ["36", "18", "exactly 10"] {
            assert!(description.contains(quoted), "{quoted}: {description}");
        }
        let (closed, _) = measured(
            "ratelimit-bug-central-store-down",
            true,
            Some("fail_closed"),
        );
        assert_eq!(closed.admitted_over_limit, 0);
        assert_eq!(closed.wrongly_rejected, 10);
        assert!(description.contains("10 good requests"), "{description}");
    }
}
