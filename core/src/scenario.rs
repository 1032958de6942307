//! The JSON scenario format (`"version": 1`), documented field by field in
//! `docs/scenarios.md`.
//!
//! A scenario says everything a run depends on: the lab and its parameters, the
//! cluster size, the network, the disk latency, the seed, the client workload, a
//! timeline of actions, how long to run and the run's limits. Parsing rejects
//! unknown fields and reports the path of the first bad field
//! (`timeline[3].at_ms: invalid type: string "x", expected u64`); [`Scenario::validate`]
//! then range-checks every number the same way
//! (`network.loss_probability: must be between 0 and 1, got 1.5`).

use serde::{Deserialize, Serialize};

use crate::event::Action;
use crate::network::{LATENCY_MS_MAX, Latency, LinkConfig, validate_probability};
use crate::protocol::{MICROS_PER_MS, NodeId, Time};
use crate::sim::{SimConfig, Target};

/// The only scenario format version so far.
pub const SCENARIO_VERSION: u32 = 1;

/// The latest time a scenario may mention, in milliseconds (about 31 years), so
/// that every time fits in microseconds without overflow.
pub const TIME_MS_MAX: u64 = 1_000_000_000_000;

/// The most entries a scenario's timeline may have.
pub const TIMELINE_ENTRIES_MAX: usize = 100_000;

/// The most explicit client requests a scenario may list.
pub const WORKLOAD_REQUESTS_MAX: usize = 1_000_000;

/// The most per-link overrides a scenario may list.
pub const LINK_OVERRIDES_MAX: usize = 100_000;

/// The most nodes any scenario may have.
pub const NODES_MAX: u32 = 10_000;

/// The largest scenario file accepted, in bytes.
pub const SCENARIO_BYTES_MAX: usize = 64 * 1024 * 1024;

/// A scenario that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The JSON is malformed or does not fit the format.
    #[error("{path}: {message}")]
    Parse {
        /// Where (`.` for the whole document).
        path: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("{path}: {reason}")]
    Invalid {
        /// Where.
        path: String,
        /// Why.
        reason: String,
    },
    /// The lab is not one this build knows.
    #[error("lab: unknown lab {name:?}; known labs: {known}")]
    UnknownLab {
        /// The name given.
        name: String,
        /// The names this build knows, comma-separated.
        known: String,
    },
}

impl ScenarioError {
    /// An [`ScenarioError::Invalid`] from a `(path, reason)` pair.
    pub fn invalid((path, reason): (String, String)) -> Self {
        ScenarioError::Invalid { path, reason }
    }

    /// A [`ScenarioError::Invalid`] at `path` with `reason`.
    pub fn at(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ScenarioError::Invalid {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

fn default_disk_write_latency_ms() -> f64 {
    1.0
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The format version; must be 1.
    pub version: u32,
    /// Which lab runs, e.g. `"broadcast"` or `"raft"`.
    pub lab: String,
    /// A title for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the scenario shows, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The lab's parameters, in the lab's own format (absent means its defaults).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub params: serde_json::Value,
    /// How many nodes the cluster starts with.
    pub nodes: u32,
    /// The network.
    #[serde(default)]
    pub network: NetworkSpec,
    /// How long one disk write takes, in milliseconds (0 allowed).
    #[serde(default = "default_disk_write_latency_ms")]
    pub disk_write_latency_ms: f64,
    /// The seed of the run's random generator.
    #[serde(default)]
    pub seed: u64,
    /// The client requests.
    #[serde(default)]
    pub workload: Workload,
    /// Actions at given times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
    /// How long a headless run lasts, in milliseconds of virtual time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_until_ms: Option<u64>,
    /// The run's bounds.
    #[serde(default)]
    pub limits: Limits,
    /// What a missed liveness expectation (a warning) does to a headless run's exit code.
    #[serde(default, skip_serializing_if = "Liveness::is_warn")]
    pub liveness: Liveness,
}

/// What a missed liveness expectation does to a headless run (`netsplit run` and `sweep`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    /// Reported under `warnings`; the run still exits 0. Correct code can miss a
    /// liveness expectation under unlucky timing, so this is the default.
    #[default]
    Warn,
    /// The scenario requires progress: a warning fails the run (exit 1) as a violation
    /// does. For a scenario whose point is a cluster that makes no progress.
    Fail,
}

impl Liveness {
    /// Whether this is the default, [`Liveness::Warn`].
    pub fn is_warn(&self) -> bool {
        *self == Liveness::Warn
    }
}

/// The network section: the default link and per-link overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpec {
    /// Latency of every link without an override.
    pub latency: Latency,
    /// Loss probability of every link without an override.
    pub loss_probability: f64,
    /// Duplication probability of every link without an override.
    pub duplicate_probability: f64,
    /// Reordering probability of every link without an override.
    pub reorder_probability: f64,
    /// The longest extra delay of a reordered message, in milliseconds.
    pub reorder_delay_ms: f64,
    /// Links that behave differently.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkOverride>,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        let link = LinkConfig::default();
        Self {
            latency: link.latency,
            loss_probability: link.loss_probability,
            duplicate_probability: link.duplicate_probability,
            reorder_probability: link.reorder_probability,
            reorder_delay_ms: link.reorder_delay_ms,
            links: Vec::new(),
        }
    }
}

impl NetworkSpec {
    /// The default link as a [`LinkConfig`].
    pub fn default_link(&self) -> LinkConfig {
        LinkConfig {
            latency: self.latency.clone(),
            loss_probability: self.loss_probability,
            duplicate_probability: self.duplicate_probability,
            reorder_probability: self.reorder_probability,
            reorder_delay_ms: self.reorder_delay_ms,
        }
    }
}

fn yes() -> bool {
    true
}

/// One link (or pair of links) that differs from the default. Fields left out
/// keep the default link's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkOverride {
    /// The sender side.
    pub from: NodeId,
    /// The receiver side.
    pub to: NodeId,
    /// Whether the override also applies to `to → from`.
    #[serde(default)]
    pub both_directions: bool,
    /// Whether the link starts up (false cuts it from the start).
    #[serde(default = "yes")]
    pub up: bool,
    /// Its latency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// Its loss probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_probability: Option<f64>,
    /// Its duplication probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_probability: Option<f64>,
    /// Its reordering probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorder_probability: Option<f64>,
    /// Its longest reordering delay in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorder_delay_ms: Option<f64>,
}

impl LinkOverride {
    /// The link's full configuration on top of `default`.
    pub fn apply_to(&self, default: &LinkConfig) -> LinkConfig {
        LinkConfig {
            latency: self
                .latency
                .clone()
                .unwrap_or_else(|| default.latency.clone()),
            loss_probability: self.loss_probability.unwrap_or(default.loss_probability),
            duplicate_probability: self
                .duplicate_probability
                .unwrap_or(default.duplicate_probability),
            reorder_probability: self
                .reorder_probability
                .unwrap_or(default.reorder_probability),
            reorder_delay_ms: self.reorder_delay_ms.unwrap_or(default.reorder_delay_ms),
        }
    }
}

/// The client workload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    /// Requests at given times.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestSpec>,
    /// A steady stream of requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generator: Option<GeneratorSpec>,
}

/// One explicit client request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// When it is sent, in milliseconds.
    pub at_ms: u64,
    /// The node it goes to.
    pub node: NodeId,
    /// The request, in the lab's format.
    pub request: serde_json::Value,
}

fn default_target() -> Target {
    Target::Random
}

/// A steady stream of client requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorSpec {
    /// Requests per second of virtual time (evenly spaced).
    pub rate_per_second: f64,
    /// When the first request goes out, in milliseconds.
    #[serde(default)]
    pub start_ms: u64,
    /// When the stream stops, in milliseconds (never if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_ms: Option<u64>,
    /// Where requests go: `"random"`, `"round_robin"` or `{"node": 2}`.
    #[serde(default = "default_target")]
    pub target: Target,
    /// The request template in the lab's format; `"$n"` becomes the request number.
    pub request: serde_json::Value,
}

/// An action at a time. Give exactly one of `at_ms` and `at_us`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    /// When, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
    /// When, in microseconds (for actions recorded between whole milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_us: Option<u64>,
    /// What happens.
    pub action: Action,
}

impl TimelineEntry {
    /// An entry at `time` microseconds, written in milliseconds when exact.
    pub fn at(time: Time, action: Action) -> Self {
        if time.is_multiple_of(MICROS_PER_MS) {
            Self {
                at_ms: Some(time / MICROS_PER_MS),
                at_us: None,
                action,
            }
        } else {
            Self {
                at_ms: None,
                at_us: Some(time),
                action,
            }
        }
    }

    /// The entry's time in microseconds (after validation, exactly one is set).
    pub fn time(&self) -> Time {
        match (self.at_ms, self.at_us) {
            (Some(ms), _) => ms.saturating_mul(MICROS_PER_MS),
            (None, Some(us)) => us,
            (None, None) => 0,
        }
    }
}

/// The bounds of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// The most events processed.
    pub max_events: u64,
    /// The most messages in flight at once; sends beyond it are dropped.
    pub max_in_flight: u64,
    /// The most nodes the cluster may grow to.
    pub max_nodes: u32,
    /// The most client requests issued.
    pub max_client_requests: u64,
    /// How many trace entries are kept for display (all are hashed).
    pub trace_capacity: u64,
    /// Whether a run stops at the first invariant violation.
    pub stop_on_violation: bool,
}

impl Default for Limits {
    fn default() -> Self {
        let config = SimConfig::default();
        Self {
            max_events: config.max_events,
            max_in_flight: config.max_in_flight,
            max_nodes: config.max_nodes,
            max_client_requests: config.max_client_requests,
            trace_capacity: config.trace_capacity as u64,
            stop_on_violation: config.stop_on_violation,
        }
    }
}

fn invalid(path: impl Into<String>, reason: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        path: path.into(),
        reason: reason.into(),
    }
}

fn check_range(path: &str, value: u64, low: u64, high: u64) -> Result<(), ScenarioError> {
    if value < low || value > high {
        return Err(invalid(
            path,
            format!("must be between {low} and {high}, got {value}"),
        ));
    }
    Ok(())
}

fn check_ms(path: &str, value: u64) -> Result<(), ScenarioError> {
    if value > TIME_MS_MAX {
        return Err(invalid(
            path,
            format!("must be at most {TIME_MS_MAX} milliseconds, got {value}"),
        ));
    }
    Ok(())
}

impl Scenario {
    /// Parses a scenario from JSON text. Does not validate ranges; see
    /// [`Scenario::parse`] for both.
    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        if text.len() > SCENARIO_BYTES_MAX {
            return Err(ScenarioError::Parse {
                path: ".".to_string(),
                message: format!(
                    "the scenario is {} bytes; at most {SCENARIO_BYTES_MAX} are accepted",
                    text.len()
                ),
            });
        }
        // Serde would also read a struct from a JSON array of its fields in order;
        // a scenario written that way is unreadable, so only objects are accepted.
        if let Some(first) = text.trim_start().chars().next()
            && first != '{'
        {
            return Err(ScenarioError::Parse {
                path: ".".to_string(),
                message: format!("a scenario is a JSON object starting with '{{', not {first:?}"),
            });
        }
        serde_json::from_str(text).map_err(|error| ScenarioError::Parse {
            path: crate::json_path::locate(text, &error),
            message: error.to_string(),
        })
    }

    /// Parses and validates.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        let scenario = Self::from_json(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The scenario as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
    }

    /// The simulator settings this scenario asks for.
    pub fn sim_config(&self) -> SimConfig {
        SimConfig {
            seed: self.seed,
            disk_write_latency: crate::network::ms_to_micros(self.disk_write_latency_ms),
            max_events: self.limits.max_events,
            max_in_flight: self.limits.max_in_flight,
            max_nodes: self.limits.max_nodes,
            max_client_requests: self.limits.max_client_requests,
            trace_capacity: self.limits.trace_capacity as usize,
            stop_on_violation: self.limits.stop_on_violation,
        }
    }

    /// Range-checks every number and cross-checks node ids; the error names the
    /// path of the first bad field and the reason. Lab parameters and requests are
    /// checked by the lab when the run is built.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.version != SCENARIO_VERSION {
            return Err(invalid(
                "version",
                format!("must be {SCENARIO_VERSION}, got {}", self.version),
            ));
        }
        if self.lab.trim().is_empty() {
            return Err(invalid("lab", "must name a lab, got an empty string"));
        }
        let limits = &self.limits;
        check_range(
            "limits.max_nodes",
            u64::from(limits.max_nodes),
            1,
            u64::from(NODES_MAX),
        )?;
        check_range("limits.max_events", limits.max_events, 1, 10_000_000_000)?;
        check_range("limits.max_in_flight", limits.max_in_flight, 1, 10_000_000)?;
        check_range(
            "limits.max_client_requests",
            limits.max_client_requests,
            0,
            10_000_000,
        )?;
        check_range("limits.trace_capacity", limits.trace_capacity, 1, 1_000_000)?;
        check_range(
            "nodes",
            u64::from(self.nodes),
            1,
            u64::from(limits.max_nodes),
        )?;
        let node_limit = limits.max_nodes;
        let check_node = |path: String, node: NodeId| -> Result<(), ScenarioError> {
            if node >= node_limit {
                return Err(invalid(
                    path,
                    format!("node {node} cannot exist: the cluster has at most {node_limit} nodes"),
                ));
            }
            Ok(())
        };

        self.network
            .default_link()
            .validate("network")
            .map_err(ScenarioError::invalid)?;
        if self.network.links.len() > LINK_OVERRIDES_MAX {
            return Err(invalid(
                "network.links",
                format!(
                    "at most {LINK_OVERRIDES_MAX} overrides, got {}",
                    self.network.links.len()
                ),
            ));
        }
        let default_link = self.network.default_link();
        for (index, link) in self.network.links.iter().enumerate() {
            let path = format!("network.links[{index}]");
            for (field, node) in [("from", link.from), ("to", link.to)] {
                if node >= self.nodes {
                    return Err(invalid(
                        format!("{path}.{field}"),
                        format!(
                            "node {node} does not exist (nodes are 0 to {})",
                            self.nodes - 1
                        ),
                    ));
                }
            }
            link.apply_to(&default_link)
                .validate(&path)
                .map_err(ScenarioError::invalid)?;
        }

        if !self.disk_write_latency_ms.is_finite()
            || !(0.0..=LATENCY_MS_MAX).contains(&self.disk_write_latency_ms)
        {
            return Err(invalid(
                "disk_write_latency_ms",
                format!(
                    "must be between 0 and {LATENCY_MS_MAX} milliseconds, got {}",
                    self.disk_write_latency_ms
                ),
            ));
        }

        if self.workload.requests.len() > WORKLOAD_REQUESTS_MAX {
            return Err(invalid(
                "workload.requests",
                format!(
                    "at most {WORKLOAD_REQUESTS_MAX} requests, got {}",
                    self.workload.requests.len()
                ),
            ));
        }
        for (index, request) in self.workload.requests.iter().enumerate() {
            let path = format!("workload.requests[{index}]");
            check_ms(&format!("{path}.at_ms"), request.at_ms)?;
            check_node(format!("{path}.node"), request.node)?;
        }
        if let Some(generator) = &self.workload.generator {
            let rate = generator.rate_per_second;
            if !rate.is_finite() || rate <= 0.0 || rate > 1_000_000.0 {
                return Err(invalid(
                    "workload.generator.rate_per_second",
                    format!("must be above 0 and at most 1000000, got {rate}"),
                ));
            }
            check_ms("workload.generator.start_ms", generator.start_ms)?;
            if let Some(stop) = generator.stop_ms {
                check_ms("workload.generator.stop_ms", stop)?;
                if stop < generator.start_ms {
                    return Err(invalid(
                        "workload.generator.stop_ms",
                        format!(
                            "must not be before start_ms ({}), got {stop}",
                            generator.start_ms
                        ),
                    ));
                }
            }
            if let Target::Node(node) = generator.target {
                check_node("workload.generator.target.node".to_string(), node)?;
            }
        }

        if self.timeline.len() > TIMELINE_ENTRIES_MAX {
            return Err(invalid(
                "timeline",
                format!(
                    "at most {TIMELINE_ENTRIES_MAX} entries, got {}",
                    self.timeline.len()
                ),
            ));
        }
        for (index, entry) in self.timeline.iter().enumerate() {
            let path = format!("timeline[{index}]");
            match (entry.at_ms, entry.at_us) {
                (Some(ms), None) => check_ms(&format!("{path}.at_ms"), ms)?,
                (None, Some(us)) => {
                    if us > TIME_MS_MAX * MICROS_PER_MS {
                        return Err(invalid(
                            format!("{path}.at_us"),
                            format!(
                                "must be at most {} microseconds, got {us}",
                                TIME_MS_MAX * MICROS_PER_MS
                            ),
                        ));
                    }
                }
                (None, None) => {
                    return Err(invalid(path, "needs a time: give at_ms (or at_us)"));
                }
                (Some(_), Some(_)) => {
                    return Err(invalid(path, "give either at_ms or at_us, not both"));
                }
            }
            validate_action(&format!("{path}.action"), &entry.action, node_limit)?;
        }
        if let Some(until) = self.run_until_ms {
            check_ms("run_until_ms", until)?;
        }
        Ok(())
    }
}

/// Checks an action's numbers and node ids (existence at run time is checked when
/// it is applied).
pub fn validate_action(path: &str, action: &Action, node_limit: u32) -> Result<(), ScenarioError> {
    let check_node = |field: &str, node: NodeId| -> Result<(), ScenarioError> {
        if node >= node_limit {
            return Err(invalid(
                format!("{path}.{field}"),
                format!("node {node} cannot exist: the cluster has at most {node_limit} nodes"),
            ));
        }
        Ok(())
    };
    match action {
        Action::Crash { node }
        | Action::Restart { node }
        | Action::Pause { node }
        | Action::Resume { node }
        | Action::RemoveNode { node }
        | Action::Isolate { node }
        | Action::ClientRequest { node, .. } => check_node("node", *node),
        Action::CutLink { from, to }
        | Action::CutLinkBoth { from, to }
        | Action::HealLink { from, to } => {
            check_node("from", *from)?;
            check_node("to", *to)
        }
        Action::SetLink {
            from,
            to,
            latency,
            loss_probability,
        } => {
            check_node("from", *from)?;
            check_node("to", *to)?;
            if let Some(latency) = latency {
                latency
                    .validate(&format!("{path}.latency"))
                    .map_err(ScenarioError::invalid)?;
            }
            if let Some(probability) = loss_probability {
                validate_probability(&format!("{path}.loss_probability"), *probability)
                    .map_err(ScenarioError::invalid)?;
            }
            Ok(())
        }
        Action::Partition { groups } => {
            let total: usize = groups.iter().map(Vec::len).sum();
            if total > node_limit as usize {
                return Err(invalid(
                    format!("{path}.groups"),
                    format!("lists {total} nodes but the cluster has at most {node_limit}"),
                ));
            }
            for (group_index, group) in groups.iter().enumerate() {
                for (member_index, node) in group.iter().enumerate() {
                    check_node(&format!("groups[{group_index}][{member_index}]"), *node)?;
                }
            }
            Ok(())
        }
        Action::AddNode | Action::HealAll => Ok(()),
        Action::Lab { name, .. } => {
            if name.trim().is_empty() {
                return Err(invalid(format!("{path}.name"), "must not be empty"));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"version": 1, "lab": "broadcast", "nodes": 3}"#;

    fn error_of(text: &str) -> String {
        Scenario::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn a_minimal_scenario_parses_with_defaults() {
        let scenario = Scenario::parse(MINIMAL).expect("the minimal scenario is valid");
        assert_eq!(scenario.nodes, 3);
        assert_eq!(scenario.disk_write_latency_ms, 1.0);
        assert_eq!(scenario.limits, Limits::default());
    }

    #[test]
    fn a_wrong_type_names_the_path_of_the_field() {
        let text = r#"{"version": 1, "lab": "broadcast", "nodes": 3,
            "timeline": [{"at_ms": 1, "action": {"type": "heal_all"}},
                         {"at_ms": "x", "action": {"type": "heal_all"}}]}"#;
        let message = error_of(text);
        assert!(
            message.starts_with("timeline[1].at_ms: invalid type: string \"x\", expected u64"),
            "{message}"
        );
    }

    #[test]
    fn an_unknown_field_is_rejected_with_its_name() {
        let message = error_of(r#"{"version": 1, "lab": "broadcast", "nodes": 3, "speed": 2}"#);
        assert!(message.contains("unknown field `speed`"), "{message}");
    }

    #[test]
    fn an_out_of_range_probability_names_the_field_and_the_value() {
        let message = error_of(
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "network": {"loss_probability": 1.5}}"#,
        );
        assert_eq!(
            message,
            "network.loss_probability: must be between 0 and 1, got 1.5"
        );
    }

    #[test]
    fn huge_and_negative_numbers_are_rejected_without_panicking() {
        let message = error_of(r#"{"version": 1, "lab": "broadcast", "nodes": 99999999999}"#);
        assert!(message.starts_with("nodes:"), "{message}");
        let message = error_of(r#"{"version": 1, "lab": "broadcast", "nodes": -1}"#);
        assert!(message.starts_with("nodes:"), "{message}");
        let message = error_of(
            r#"{"version": 1, "lab": "broadcast", "nodes": 2, "run_until_ms": 18446744073709551615}"#,
        );
        assert!(
            message.starts_with("run_until_ms: must be at most"),
            "{message}"
        );
    }

    #[test]
    fn truncated_json_is_a_parse_error_not_a_panic() {
        let message = error_of(r#"{"version": 1, "lab": "broad"#);
        assert!(message.contains("EOF"), "{message}");
    }

    #[test]
    fn a_timeline_entry_needs_exactly_one_time() {
        let message = error_of(
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "timeline": [{"action": {"type": "heal_all"}}]}"#,
        );
        assert!(
            message.starts_with("timeline[0]: needs a time"),
            "{message}"
        );
    }

    #[test]
    fn a_link_override_to_a_missing_node_is_rejected() {
        let message = error_of(
            r#"{"version": 1, "lab": "broadcast", "nodes": 3, "network": {"links": [{"from": 0, "to": 5}]}}"#,
        );
        assert!(
            message.starts_with("network.links[0].to: node 5 does not exist"),
            "{message}"
        );
    }

    #[test]
    fn the_wrong_version_is_rejected() {
        let message = error_of(r#"{"version": 2, "lab": "broadcast", "nodes": 3}"#);
        assert_eq!(message, "version: must be 1, got 2");
    }

    #[test]
    fn a_scenario_survives_a_round_trip_through_json() {
        let text = r#"{"version": 1, "lab": "broadcast", "nodes": 3, "seed": 9,
            "network": {"latency": {"distribution": "fixed", "ms": 2}},
            "timeline": [{"at_us": 1500, "action": {"type": "crash", "node": 1}}]}"#;
        let scenario = Scenario::parse(text).expect("valid");
        let again = Scenario::parse(&scenario.to_json()).expect("its own output is valid");
        assert_eq!(scenario, again);
    }
}
