//! The lab's JSON scenario and the report the command-line tool prints for it.
//!
//! A scenario names a scheme, a cluster, a workload and a list of membership changes:
//!
//! ```json
//! { "version": 1, "lab": "hashing", "name": "modulo vs ring",
//!   "params": { "scheme": "modulo", "nodes": 10, "vnodes": 100, "keys": 100000,
//!               "changes": [ { "add": { "node": 10 } } ] } }
//! ```
//!
//! [`parse_scenario`] refuses unknown fields and out-of-range numbers with the path of the
//! field at fault; [`report`] replays the changes and measures each one, with every
//! scheme compared on the same keys and change.

use serde::{Deserialize, Serialize};

use super::NODES_MAX;
use super::hash::HASH_FUNCTION_NAME;
use super::membership::{Change, Member, Membership};
use super::metrics::{ChangeMetrics, ComparisonRow, LoadSummary};
use super::scheme::{
    LookupCost, SchemeConfig, SchemeKind, check_rendezvous_work, maglev_table_size_for, token_count,
};
use super::state::{HashingLab, KeyWalk};
use super::workload::{Workload, ZipfParams};
use crate::protocol::NodeId;
use crate::scenario::ScenarioError;

/// The scenario format version this code reads.
pub const SCENARIO_VERSION: u32 = 1;
/// The `lab` value of a hashing scenario.
pub const LAB_NAME: &str = "hashing";
/// The most membership changes a scenario may list.
pub const CHANGES_MAX: usize = 64;
/// The longest scenario name, in bytes.
pub const NAME_BYTES_MAX: usize = 200;
/// The longest scenario description, in bytes.
pub const DESCRIPTION_BYTES_MAX: usize = 4_000;
/// How many moved keys a change report names, as examples.
pub const MOVED_EXAMPLES_MAX: usize = 10;

/// A hashing lab scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashingScenario {
    /// The format version; must be 1.
    pub version: u32,
    /// Which lab; must be `"hashing"`.
    pub lab: String,
    /// A short title.
    pub name: String,
    /// What the scenario shows, for the learner.
    #[serde(default)]
    pub description: String,
    /// What to run.
    pub params: HashingParams,
}

fn vnodes_default() -> u32 {
    SchemeConfig::default().vnodes
}

fn load_epsilon_default() -> f64 {
    SchemeConfig::default().load_epsilon
}

fn replicas_default() -> u32 {
    3
}

fn compare_default() -> bool {
    true
}

/// The parameters of a hashing scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashingParams {
    /// The scheme the report follows.
    pub scheme: SchemeKind,
    /// The initial cluster: nodes `0..nodes`, weight 1 each; 1 to [`NODES_MAX`].
    pub nodes: u32,
    /// Ring tokens per unit of weight; 1 to 1,000, default 100.
    #[serde(default = "vnodes_default")]
    pub vnodes: u32,
    /// How many keys to generate; generated plus typed keys must number 1 to 1,000,000.
    pub keys: u32,
    /// Extra keys by name, placed after the generated ones.
    #[serde(default)]
    pub typed_keys: Vec<String>,
    /// A Zipf-skewed request stream, or none for one request per key.
    #[serde(default)]
    pub zipf: Option<ZipfParams>,
    /// The seed of key names and request draws.
    #[serde(default)]
    pub seed: u64,
    /// Maglev's prime table size. Left out, it is chosen for the largest cluster the
    /// scenario reaches (live and crashed nodes), with
    /// [`maglev_table_size_for`](super::scheme::maglev_table_size_for): the smallest prime
    /// at least 65,537 and more than 100 slots per node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maglev_table_size: Option<u64>,
    /// Bounded loads' epsilon; 0 to 10, default 0.25.
    #[serde(default = "load_epsilon_default")]
    pub load_epsilon: f64,
    /// Preference list length for the selected key; 1 to [`NODES_MAX`], default 3.
    #[serde(default = "replicas_default")]
    pub replicas: u32,
    /// A key (by name) whose walk the report shows after the last change; added as a
    /// typed key if the workload does not hold it.
    #[serde(default)]
    pub selected_key: Option<String>,
    /// The membership changes, in order; at most [`CHANGES_MAX`].
    #[serde(default)]
    pub changes: Vec<Change>,
    /// How many of `changes` the playground has applied: the rest wait behind its "Next
    /// scripted change" button, as in a preset shared part-way through. Left out, all of
    /// them. The command-line report always runs every change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<usize>,
    /// Whether to compare every scheme on each change (default true).
    #[serde(default = "compare_default")]
    pub compare: bool,
}

impl HashingParams {
    fn config(&self) -> SchemeConfig {
        SchemeConfig {
            vnodes: self.vnodes,
            maglev_table_size: Some(self.maglev_table_size()),
            load_epsilon: self.load_epsilon,
        }
    }

    /// The Maglev table size the scenario runs with: the one given, or the one for the
    /// most nodes (live and crashed) the scenario's cluster holds at any point. One size
    /// serves the whole run, because a table of another size would move almost every key.
    pub fn maglev_table_size(&self) -> u64 {
        if let Some(size) = self.maglev_table_size {
            return size;
        }
        let mut membership = Membership::with_nodes(self.nodes, "params.nodes").unwrap_or_default();
        let mut most = membership.live.len() + membership.crashed.len();
        for change in &self.changes {
            // An impossible change is refused by `validate`; the size before it stands.
            if membership.apply(change, "params.changes").is_err() {
                break;
            }
            most = most.max(membership.live.len() + membership.crashed.len());
        }
        maglev_table_size_for(most)
    }

    fn workload(&self) -> Workload {
        let mut typed_keys = self.typed_keys.clone();
        // A name spelled like a generated key names one of the generated keys (a key the
        // learner clicked on the ring): typing it too would make the generator draw
        // another name in its place.
        if let Some(selected) = &self.selected_key
            && !typed_keys.contains(selected)
            && !looks_generated(selected)
        {
            typed_keys.push(selected.clone());
        }
        Workload {
            keys: self.keys,
            typed_keys,
            zipf: self.zipf.clone(),
            seed: self.seed,
        }
    }
}

impl HashingParams {
    /// The lab in its initial state (before any of `changes`), for the playground to
    /// load a preset and then apply its changes one at a time. The selected key, if
    /// any, is selected.
    pub fn lab(&self) -> Result<HashingLab, ScenarioError> {
        let membership = Membership::with_nodes(self.nodes, "params.nodes")?;
        let mut lab = HashingLab::new(
            self.scheme,
            self.config(),
            membership,
            self.workload(),
            self.replicas,
        )
        .map_err(|error| prefixed(error, "params."))?;
        if let Some(name) = &self.selected_key {
            let index = lab.keys().find(name).ok_or_else(|| {
                ScenarioError::at("params.selected_key", "the key was not generated")
            })?;
            lab.select_key(Some(index as u32))?;
        }
        Ok(lab)
    }
}

/// Whether `name` is spelled as the workload spells its generated keys (`key-` and 16
/// hexadecimal digits; see [`Workload::generate`]).
fn looks_generated(name: &str) -> bool {
    name.strip_prefix("key-").is_some_and(|digits| {
        digits.len() == 16 && digits.bytes().all(|byte| byte.is_ascii_hexdigit())
    })
}

/// The name a playground's scenario gets when it started from no preset.
pub const PLAYGROUND_NAME: &str = "Consistent hashing playground";

impl HashingScenario {
    /// The scenario of a playground where `lab` stands: it started as `nodes` nodes
    /// (`0..nodes`), went through the membership changes `applied` in order, and has
    /// `pending` still to apply (a preset's scripted changes). Everything else (scheme,
    /// parameters, keys, the selected key, the Maglev table) is `lab`'s as it is now:
    /// the lab recomputes every placement from those, so [`Self::playground`] rebuilds
    /// exactly `lab`. `name` and `description` say what it is (a preset's, or the
    /// playground's own).
    pub fn of_playground(
        name: &str,
        description: &str,
        nodes: u32,
        applied: &[Change],
        pending: &[Change],
        lab: &HashingLab,
    ) -> HashingScenario {
        let workload = lab.workload();
        let config = lab.config();
        HashingScenario {
            version: SCENARIO_VERSION,
            lab: LAB_NAME.to_owned(),
            name: if name.is_empty() {
                PLAYGROUND_NAME.to_owned()
            } else {
                name.to_owned()
            },
            description: description.to_owned(),
            params: HashingParams {
                scheme: lab.scheme(),
                nodes,
                vnodes: config.vnodes,
                keys: workload.keys,
                typed_keys: workload.typed_keys.clone(),
                zipf: workload.zipf.clone(),
                seed: workload.seed,
                maglev_table_size: config.maglev_table_size,
                load_epsilon: config.load_epsilon,
                replicas: lab.replicas(),
                selected_key: lab
                    .selected_key()
                    .and_then(|key| lab.keys().names.get(key as usize).cloned()),
                changes: applied.iter().chain(pending).copied().collect(),
                applied: (!pending.is_empty()).then_some(applied.len()),
                compare: true,
            },
        }
    }

    /// The playground this scenario describes: its lab with the first `applied` changes
    /// applied (all of them when the scenario does not say), and the changes still to
    /// come. Errors name the field at fault.
    pub fn playground(&self) -> Result<(HashingLab, Vec<Change>), ScenarioError> {
        self.validate()?;
        let params = &self.params;
        let applied = params.applied.unwrap_or(params.changes.len());
        let mut lab = params.lab()?;
        for (index, change) in params.changes[..applied].iter().enumerate() {
            lab.apply(change)
                .map_err(|error| prefixed(error, &format!("params.changes[{index}].")))?;
        }
        Ok((lab, params.changes[applied..].to_vec()))
    }
}

impl HashingScenario {
    /// Checks every field that can be checked without running, naming the field path.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.version != SCENARIO_VERSION {
            return Err(ScenarioError::at(
                "version",
                format!("must be {SCENARIO_VERSION}, got {}", self.version),
            ));
        }
        if self.lab != LAB_NAME {
            return Err(ScenarioError::at(
                "lab",
                format!("must be {LAB_NAME:?}, got {:?}", self.lab),
            ));
        }
        if self.name.is_empty() || self.name.len() > NAME_BYTES_MAX {
            return Err(ScenarioError::at(
                "name",
                format!("must be 1 to {NAME_BYTES_MAX} bytes long"),
            ));
        }
        if self.description.len() > DESCRIPTION_BYTES_MAX {
            return Err(ScenarioError::at(
                "description",
                format!(
                    "must be at most {DESCRIPTION_BYTES_MAX} bytes long, got {}",
                    self.description.len()
                ),
            ));
        }
        let params = &self.params;
        Membership::with_nodes(params.nodes, "params.nodes")?;
        params.config().validate("params.")?;
        let maglev_table_size = params.maglev_table_size();
        if maglev_table_size < u64::from(params.nodes) {
            return Err(ScenarioError::at(
                "params.maglev_table_size",
                format!(
                    "must be at least the number of nodes ({}), got {maglev_table_size}",
                    params.nodes
                ),
            ));
        }
        params.workload().validate("params.")?;
        if params.replicas == 0 || params.replicas as usize > NODES_MAX {
            return Err(ScenarioError::at(
                "params.replicas",
                format!("must be between 1 and {NODES_MAX}, got {}", params.replicas),
            ));
        }
        if let Some(applied) = params.applied
            && applied > params.changes.len()
        {
            return Err(ScenarioError::at(
                "params.applied",
                format!(
                    "at most the number of changes ({}) can be applied, got {applied}",
                    params.changes.len()
                ),
            ));
        }
        if params.changes.len() > CHANGES_MAX {
            return Err(ScenarioError::at(
                "params.changes",
                format!(
                    "at most {CHANGES_MAX} changes are allowed, got {}",
                    params.changes.len()
                ),
            ));
        }
        // Replaying the membership catches impossible changes (re-adding a live node,
        // removing the last one) and clusters too costly to place, before any key is
        // placed.
        let mut membership = Membership::with_nodes(params.nodes, "params.nodes")?;
        let config = params.config();
        token_count(&membership.live, &config).map_err(|error| prefixed(error, "params."))?;
        let key_count = params.keys as usize + params.workload().typed_keys.len();
        let rendezvous_runs = params.compare || params.scheme == SchemeKind::Rendezvous;
        if rendezvous_runs {
            check_rendezvous_work(key_count, membership.live.len(), "params.keys")?;
        }
        for (index, change) in params.changes.iter().enumerate() {
            let field = format!("params.changes[{index}]");
            membership.apply(change, &field)?;
            token_count(&membership.live, &config).map_err(|error| match error {
                ScenarioError::Invalid { reason, .. } => ScenarioError::at(&field, reason),
                other => other,
            })?;
            if rendezvous_runs {
                check_rendezvous_work(key_count, membership.live.len(), &field)?;
            }
            if (maglev_table_size as usize) < membership.live.len() {
                return Err(ScenarioError::at(
                    field,
                    format!(
                        "leaves {} live nodes, more than params.maglev_table_size \
                         ({maglev_table_size})",
                        membership.live.len(),
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Parses and validates a scenario. Errors give the JSON path of the offending field.
pub fn parse_scenario(json: &str) -> Result<HashingScenario, ScenarioError> {
    let scenario: HashingScenario =
        serde_json::from_str(json).map_err(|error| ScenarioError::Parse {
            path: crate::json_path::locate(json, &error),
            message: error.to_string(),
        })?;
    scenario.validate()?;
    Ok(scenario)
}

/// A key that moved, by name, as an example in a change report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovedExample {
    /// The key's name.
    pub key: String,
    /// Its owner before.
    pub from: NodeId,
    /// Its owner after.
    pub to: NodeId,
}

/// What one change did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeReport {
    /// The change, in words.
    pub description: String,
    /// Keys moved against the ideal under the scenario's scheme.
    pub metrics: ChangeMetrics,
    /// The live nodes after the change, in join order.
    pub live_nodes: Vec<NodeId>,
    /// The load after the change.
    pub load: LoadSummary,
    /// The first few keys that moved.
    pub moved_examples: Vec<MovedExample>,
    /// Why the scheme moved more keys than the ideal for a reason of structure, if it did
    /// (jump hash after a crash or re-add in the middle of its buckets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Every scheme on the same keys and change (empty when `compare` is off).
    pub comparison: Vec<ComparisonRow>,
}

/// The report of a hashing scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HashingReport {
    /// The report format version (1).
    pub version: u32,
    /// `"hashing"`.
    pub lab: String,
    /// The scenario's name.
    pub name: String,
    /// The scheme followed.
    pub scheme: SchemeKind,
    /// The hash function every scheme used.
    pub hash_function: String,
    /// The seed of keys and requests.
    pub seed: u64,
    /// How many keys were placed.
    pub keys: u64,
    /// How many requests they receive in total.
    pub requests: u64,
    /// The initial members.
    pub members: Vec<Member>,
    /// The load before any change.
    pub initial_load: LoadSummary,
    /// What a lookup costs at the start.
    pub lookup_cost: LookupCost,
    /// Every scheme on the initial cluster (empty when `compare` is off or there are
    /// changes, whose reports carry their own comparison).
    pub initial_comparison: Vec<ComparisonRow>,
    /// One report per change, in order.
    pub changes: Vec<ChangeReport>,
    /// The selected key's walk after the last change.
    pub selected_key: Option<KeyWalk>,
}

/// Runs a scenario and measures it.
pub fn report(scenario: &HashingScenario) -> Result<HashingReport, ScenarioError> {
    scenario.validate()?;
    let params = &scenario.params;
    let mut lab = params.lab()?;
    let members = lab.membership().live.clone();
    let initial_load = lab.load();
    let lookup_cost = lab.lookup_cost()?;
    let initial_comparison = if params.compare && params.changes.is_empty() {
        lab.compare()?
    } else {
        Vec::new()
    };
    let mut changes = Vec::with_capacity(params.changes.len());
    for (index, change) in params.changes.iter().enumerate() {
        let metrics = lab
            .apply(change)
            .map_err(|error| prefixed(error, &format!("params.changes[{index}].")))?
            .clone();
        let moved_examples = lab
            .last_change()
            .map(|last| {
                last.moved
                    .iter()
                    .take(MOVED_EXAMPLES_MAX)
                    .map(|moved| MovedExample {
                        key: lab.keys().names[moved.key as usize].clone(),
                        from: moved.from,
                        to: moved.to,
                    })
                    .collect()
            })
            .unwrap_or_default();
        changes.push(ChangeReport {
            description: change.describe(),
            metrics,
            live_nodes: lab
                .membership()
                .live
                .iter()
                .map(|member| member.node)
                .collect(),
            load: lab.load(),
            moved_examples,
            note: lab.last_change_note(),
            comparison: if params.compare {
                lab.compare()?
            } else {
                Vec::new()
            },
        });
    }
    let selected_key = match &params.selected_key {
        None => None,
        Some(name) => {
            let index = lab.keys().find(name).ok_or_else(|| {
                ScenarioError::at("params.selected_key", "the key was not generated")
            })?;
            Some(lab.key_walk(index as u32)?)
        }
    };
    Ok(HashingReport {
        version: SCENARIO_VERSION,
        lab: LAB_NAME.to_owned(),
        name: scenario.name.clone(),
        scheme: params.scheme,
        hash_function: HASH_FUNCTION_NAME.to_owned(),
        seed: params.seed,
        keys: lab.keys().len() as u64,
        requests: lab.keys().requests_total,
        members,
        initial_load,
        lookup_cost,
        initial_comparison,
        changes,
        selected_key,
    })
}

/// Whether `json` is a hashing scenario (its top-level `lab` is `"hashing"`), for a
/// tool that must choose between this format and the simulator's before parsing.
pub fn is_hashing_scenario(json: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|value| {
            value
                .get("lab")
                .and_then(|lab| lab.as_str().map(str::to_owned))
        })
        .is_some_and(|lab| lab == LAB_NAME)
}

/// Parses a scenario from JSON and runs it.
pub fn report_from_json(json: &str) -> Result<HashingReport, ScenarioError> {
    report(&parse_scenario(json)?)
}

/// Puts `prefix` before an error's field path, so errors from the lab's own checks name
/// the scenario field.
fn prefixed(error: ScenarioError, prefix: &str) -> ScenarioError {
    match error {
        ScenarioError::Invalid {
            path: field,
            reason,
        } if !field.starts_with("params.") => ScenarioError::Invalid {
            path: format!("{prefix}{field}"),
            reason,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(params: &str) -> String {
        format!(r#"{{"version": 1, "lab": "hashing", "name": "test", "params": {params}}}"#)
    }

    fn error_field(json: &str) -> String {
        match parse_scenario(json) {
            Err(ScenarioError::Invalid { path: field, .. }) => field,
            Err(ScenarioError::Parse { path, .. }) => path,
            Err(other) => panic!("not a field error: {other}"),
            Ok(_) => panic!("accepted: {json}"),
        }
    }

    #[test]
    fn a_hashing_scenario_is_told_apart_from_other_labs() {
        assert!(is_hashing_scenario(&scenario(
            r#"{"scheme": "ring", "nodes": 3, "keys": 10}"#
        )));
        assert!(!is_hashing_scenario(
            r#"{"version": 1, "lab": "raft", "nodes": 3}"#
        ));
        assert!(!is_hashing_scenario("not json"));
    }

    #[test]
    fn a_maglev_table_left_out_is_sized_for_the_largest_cluster_and_kept_through_changes() {
        // 945 nodes grow to 1,000: the table has more than 100 slots per node from the
        // start, and a crash afterwards moves a few keys, not the almost all that a table
        // resized for 999 nodes would.
        let adds: Vec<String> = (945..1_000)
            .map(|node| format!(r#"{{"add": {{"node": {node}}}}}"#))
            .collect();
        let params = format!(
            r#"{{"scheme": "maglev", "nodes": 945, "keys": 20000, "compare": false,
                "changes": [{}, {{"crash": {{"node": 3}}}}]}}"#,
            adds.join(", ")
        );
        let parsed = parse_scenario(&scenario(&params)).unwrap();
        let size = parsed.params.maglev_table_size();
        assert_eq!(size, maglev_table_size_for(1_000));
        assert!(size > 100_000);
        let report = report(&parsed).unwrap();
        assert!(report.lookup_cost.description.contains(&size.to_string()));
        let crash = &report.changes.last().unwrap().metrics;
        assert!(
            crash.moved_fraction < 0.05,
            "moved {}",
            crash.moved_fraction
        );
    }

    #[test]
    fn a_preset_loads_into_a_lab_that_replays_its_changes_like_the_report() {
        let parsed = parse_scenario(&scenario(
            r#"{"scheme": "maglev", "nodes": 4, "keys": 500, "maglev_table_size": 251,
                "selected_key": "carol", "changes": [{"crash": {"node": 1}}, {"add": {"node": 7}}]}"#,
        ))
        .unwrap();
        let expected = report(&parsed).unwrap();
        let mut lab = parsed.params.lab().unwrap();
        assert_eq!(
            lab.selected_key(),
            lab.keys().find("carol").map(|index| index as u32)
        );
        for (change, reported) in parsed.params.changes.iter().zip(&expected.changes) {
            assert_eq!(lab.apply(change).unwrap(), &reported.metrics);
        }
    }

    #[test]
    fn a_minimal_scenario_parses_with_defaults() {
        let parsed =
            parse_scenario(&scenario(r#"{"scheme": "ring", "nodes": 3, "keys": 10}"#)).unwrap();
        assert_eq!(parsed.params.vnodes, 100);
        assert_eq!(parsed.params.maglev_table_size, None);
        assert_eq!(parsed.params.maglev_table_size(), 65_537);
        assert_eq!(parsed.params.replicas, 3);
        assert!(parsed.params.compare);
    }

    #[test]
    fn unknown_and_malformed_fields_are_named_by_their_path() {
        assert_eq!(
            error_field(&scenario(
                r#"{"scheme": "ring", "nodes": 3, "keys": 10, "colour": 1}"#
            )),
            "params.colour"
        );
        assert_eq!(
            error_field(&scenario(r#"{"scheme": "rings", "nodes": 3, "keys": 10}"#)),
            "params.scheme"
        );
        assert_eq!(
            error_field(&scenario(
                r#"{"scheme": "ring", "nodes": 3, "keys": 10, "changes": [{"add": {"node": 3, "wieght": 2}}]}"#
            )),
            "params.changes[0].add.wieght"
        );
        assert_eq!(
            error_field(&scenario(r#"{"scheme": "ring", "nodes": -1, "keys": 10}"#)),
            "params.nodes"
        );
    }

    #[test]
    fn out_of_range_numbers_are_refused_naming_the_field() {
        let cases = [
            (
                r#"{"scheme": "ring", "nodes": 0, "keys": 10}"#,
                "params.nodes",
            ),
            (
                r#"{"scheme": "ring", "nodes": 3, "keys": 10, "vnodes": 0}"#,
                "params.vnodes",
            ),
            (
                r#"{"scheme": "ring", "nodes": 3, "keys": 2000000}"#,
                "params.keys",
            ),
            (
                r#"{"scheme": "maglev", "nodes": 3, "keys": 10, "maglev_table_size": 100}"#,
                "params.maglev_table_size",
            ),
            (
                r#"{"scheme": "ring", "nodes": 3, "keys": 10, "load_epsilon": 11}"#,
                "params.load_epsilon",
            ),
            (
                r#"{"scheme": "ring", "nodes": 3, "keys": 10, "replicas": 0}"#,
                "params.replicas",
            ),
            (
                r#"{"scheme": "ring", "nodes": 3, "keys": 10, "zipf": {"exponent": 9, "requests": 5}}"#,
                "params.zipf.exponent",
            ),
            (
                r#"{"scheme": "ring", "nodes": 2, "keys": 10, "changes": [{"crash": {"node": 0}}, {"crash": {"node": 1}}]}"#,
                "params.changes[1]",
            ),
            (
                r#"{"scheme": "jump", "nodes": 4000, "keys": 1000000}"#,
                "params.keys",
            ),
            (
                r#"{"scheme": "ring", "nodes": 4001, "vnodes": 1000, "keys": 10, "compare": false}"#,
                "params.vnodes",
            ),
            (
                r#"{"scheme": "ring", "nodes": 3999, "vnodes": 1000, "keys": 10, "compare": false,
                    "changes": [{"add": {"node": 5000, "weight": 2}}]}"#,
                "params.changes[0]",
            ),
        ];
        for (params, field) in cases {
            assert_eq!(error_field(&scenario(params)), field, "{params}");
        }
        let wrong_version = scenario(r#"{"scheme": "ring", "nodes": 3, "keys": 10}"#)
            .replace("\"version\": 1", "\"version\": 2");
        assert_eq!(error_field(&wrong_version), "version");
    }

    #[test]
    fn a_report_follows_each_change_and_compares_every_scheme() {
        let json = scenario(
            r#"{"scheme": "ring", "nodes": 5, "keys": 5000, "selected_key": "alice",
                "changes": [{"add": {"node": 5}}, {"crash": {"node": 2}}, {"readd": {"node": 2}}]}"#,
        );
        let report = report_from_json(&json).unwrap();
        assert_eq!(report.keys, 5_001);
        assert_eq!(report.changes.len(), 3);
        let add = &report.changes[0];
        assert!((add.metrics.ideal_fraction - 1.0 / 6.0).abs() < 1e-12);
        assert_eq!(add.metrics.moves_between_bystanders, 0);
        assert_eq!(add.comparison.len(), SchemeKind::ALL.len());
        assert!(add.moved_examples.iter().all(|moved| moved.to == 5));
        // A crash and a re-add of the same node put every key back where it was.
        assert_eq!(
            report.changes[1].metrics.keys_moved,
            report.changes[2].metrics.keys_moved
        );
        let walk = report.selected_key.unwrap();
        assert_eq!(walk.name, "alice");
        assert_eq!(walk.replicas.unwrap().len(), 3);
        let text = serde_json::to_string(&report.changes[0].comparison).unwrap();
        assert!(text.contains("\"bounded_loads\""));
    }
}

#[cfg(test)]
mod preset_tests {
    //! The presets in `core/scenarios/hashing/` run and show what their descriptions
    //! promise.

    use std::fmt::Write as _;

    use super::*;
    use crate::labs::hashing::PlacementSpread;

    fn run(json: &str) -> HashingReport {
        report_from_json(json).unwrap()
    }

    /// The exact spread of a scheme's shares, or `-` where it has none.
    fn exact(placement: Option<&PlacementSpread>) -> String {
        placement.map_or("-".to_owned(), |spread| {
            format!(
                "std/mean {:.6} max/mean {:.6}",
                spread.std_dev_over_mean, spread.max_over_mean
            )
        })
    }

    /// The figures of a report, one line per fact, with fixed decimals.
    fn summary(report: &HashingReport) -> String {
        let mut text = String::new();
        let load = &report.initial_load;
        let _ = writeln!(
            text,
            "{} keys {} requests {} | keys std/mean {:.6} max/mean {:.6} | requests max/mean {:.6} | exact {}",
            report.scheme.name(),
            report.keys,
            report.requests,
            load.keys_std_dev_over_mean,
            load.keys_max_over_mean,
            load.requests_max_over_mean,
            exact(load.placement.as_ref())
        );
        for change in &report.changes {
            let _ = writeln!(text, "{}", change.description);
            for row in &change.comparison {
                let metrics = row.change.as_ref();
                let _ = writeln!(
                    text,
                    "  {:<13} moved {:>6} ideal {:>9.1} bystanders {:>6} | keys std/mean {:.6} max/mean {:.6} | requests max/mean {:.6} | exact {}",
                    row.scheme.name(),
                    metrics.map_or(0, |m| m.keys_moved),
                    metrics.map_or(0.0, |m| m.ideal_keys),
                    metrics.map_or(0, |m| m.moves_between_bystanders),
                    row.keys_std_dev_over_mean,
                    row.keys_max_over_mean,
                    row.requests_max_over_mean,
                    exact(row.placement.as_ref())
                );
                if let Some(note) = &row.note {
                    let _ = writeln!(text, "    {note}");
                }
            }
        }
        if let Some(walk) = &report.selected_key {
            let _ = writeln!(
                text,
                "key {} hash {} owner {} replicas {:?}",
                walk.name, walk.hash_hex, walk.owner, walk.replicas
            );
        }
        text
    }

    /// Runs the preset `name` and compares its figures with the output stored in
    /// `core/scenarios/hashing/expected/<name>.txt`. Set
    /// `NETSPLIT_BLESS=1` to store the current output instead, after checking
    /// that the change is intended.
    fn run_preset(name: &str) -> HashingReport {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/hashing");
        let report = run(crate::presets::get(name).unwrap());
        let actual = summary(&report);
        let path = format!("{directory}/expected/{name}.txt");
        if std::env::var_os("NETSPLIT_BLESS").is_some() {
            std::fs::write(&path, &actual).unwrap();
            return report;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!("{path} is missing; run with NETSPLIT_BLESS=1 to create it")
        });
        assert_eq!(
            actual, expected,
            "{name} no longer gives the output stored in {path}; if the change is intended, \
             rerun with NETSPLIT_BLESS=1"
        );
        report
    }

    fn row(change: &ChangeReport, scheme: SchemeKind) -> &ComparisonRow {
        change
            .comparison
            .iter()
            .find(|row| row.scheme == scheme)
            .unwrap()
    }

    #[test]
    fn modulo_moves_most_keys_where_the_ring_moves_about_the_ideal() {
        let report = run_preset("hashing-modulo-vs-ring");
        let change = &report.changes[0];
        assert!(change.metrics.moved_fraction > 0.85);
        let ring = row(change, SchemeKind::Ring).change.as_ref().unwrap();
        assert!(ring.moved_fraction < 1.5 * ring.ideal_fraction);
        assert_eq!(ring.moves_between_bystanders, 0);
        assert_eq!(report.selected_key.unwrap().name, "alice");
    }

    #[test]
    fn one_hundred_virtual_nodes_even_out_the_load_of_one() {
        let one = run_preset("hashing-vnodes-1");
        let hundred = run_preset("hashing-vnodes-100");
        assert!(one.initial_load.keys_max_over_mean > 1.5);
        assert!(hundred.initial_load.keys_max_over_mean < 1.2);
        assert!(
            one.initial_load.keys_std_dev_over_mean
                > 3.0 * hundred.initial_load.keys_std_dev_over_mean
        );
    }

    #[test]
    fn a_hot_key_skews_requests_but_not_keys() {
        let report = run_preset("hashing-hot-key-zipf");
        assert!(report.initial_load.keys_max_over_mean < 1.2);
        assert!(report.initial_load.requests_max_over_mean > 1.5);
        assert_eq!(report.requests, 1_000_000);
    }

    #[test]
    fn bounded_loads_keep_the_hot_spot_under_the_cap() {
        let report = run_preset("hashing-bounded-loads");
        let change = &report.changes[0];
        // Every node holds at most ceil(1.25 * 100,000 / 11) keys, 1.25 times the mean
        // give or take the rounding of one key.
        assert!(change.load.keys_max_over_mean <= 1.25 + 1e-4);
        let ring = row(change, SchemeKind::Ring);
        assert!(ring.keys_max_over_mean > 1.5);
    }

    #[test]
    fn maglev_disturbs_bystanders_where_the_ring_does_not() {
        let report = run_preset("hashing-maglev-vs-ring");
        for change in &report.changes {
            let ring = row(change, SchemeKind::Ring).change.as_ref().unwrap();
            assert_eq!(ring.moves_between_bystanders, 0);
            assert!(change.load.keys_max_over_mean < 1.05);
        }
        let crash = &report.changes[0].metrics;
        assert!(crash.moves_between_bystanders > 0);
        assert!(crash.moved_fraction < 2.0 * crash.ideal_fraction);
    }

    #[test]
    fn jump_moves_far_above_the_ideal_after_a_crash_in_the_middle_and_the_report_says_why() {
        let report = run_preset("hashing-maglev-vs-ring");
        let (crash, readd, add) = (&report.changes[0], &report.changes[1], &report.changes[2]);
        let jump = row(crash, SchemeKind::Jump);
        let metrics = jump.change.as_ref().unwrap();
        // Node 3 of ten: the ideal is its tenth, but every node after it shifts one bucket.
        assert!(metrics.moved_fraction > 5.0 * metrics.ideal_fraction);
        assert!(jump.note.as_ref().unwrap().contains("only the last bucket"));
        // Re-added at the end, node 3 takes the last bucket: the re-add moves only keys to
        // it, and the note says why the crash's moves between survivors stay.
        let jump_readd = row(readd, SchemeKind::Jump);
        assert_eq!(
            jump_readd.change.as_ref().unwrap().moves_between_bystanders,
            0
        );
        assert!(jump_readd.note.as_ref().unwrap().contains("not restored"));
        // Adding a node at the end is what jump hash does cheaply: no note.
        assert!(row(add, SchemeKind::Jump).note.is_none());
        assert!(
            crash
                .comparison
                .iter()
                .filter(|row| row.note.is_some())
                .count()
                == 1
        );
    }

    #[test]
    fn the_same_scenario_gives_the_same_report_byte_for_byte() {
        let json = r#"{"version": 1, "lab": "hashing", "name": "determinism",
            "params": {"scheme": "bounded_loads", "nodes": 6, "vnodes": 10, "keys": 3000,
                       "zipf": {"exponent": 0.9, "requests": 20000}, "seed": 42,
                       "maglev_table_size": 1009, "selected_key": "bob",
                       "changes": [{"crash": {"node": 2}}, {"add": {"node": 9, "weight": 2}},
                                   {"readd": {"node": 2}}, {"remove": {"node": 0}}]}}"#;
        let first = serde_json::to_string(&run(json)).unwrap();
        let second = serde_json::to_string(&run(json)).unwrap();
        assert_eq!(first, second);
    }
}

#[cfg(test)]
mod playground_tests {
    //! A playground shared as a scenario (a share link, an export) opens as the same lab.

    use super::*;

    fn scenario(params: &str) -> String {
        format!(r#"{{"version": 1, "lab": "hashing", "name": "test", "params": {params}}}"#)
    }

    fn error_field(json: &str) -> String {
        match parse_scenario(json) {
            Err(ScenarioError::Invalid { path, .. } | ScenarioError::Parse { path, .. }) => path,
            Err(other) => panic!("not a field error: {other}"),
            Ok(_) => panic!("accepted: {json}"),
        }
    }

    /// A lab driven as the playground drives it: a preset-like start, then changes of
    /// membership, scheme, parameters and keys in between.
    fn driven_playground() -> (HashingLab, Vec<Change>, Vec<Change>) {
        let start = parse_scenario(&scenario(
            r#"{"scheme": "ring", "nodes": 6, "keys": 3000, "selected_key": "alice",
                "changes": [{"add": {"node": 6}}, {"crash": {"node": 2}}, {"readd": {"node": 2}}]}"#,
        ))
        .unwrap();
        let mut lab = start.params.lab().unwrap();
        let scripted = start.params.changes.clone();
        let mut applied = vec![scripted[0]];
        lab.apply(&scripted[0]).unwrap();
        lab.set_scheme(SchemeKind::BoundedLoads).unwrap();
        let extra = Change::Add { node: 7, weight: 1 };
        lab.apply(&extra).unwrap();
        applied.push(extra);
        lab.set_config(SchemeConfig {
            vnodes: 40,
            load_epsilon: 0.5,
            ..lab.config().clone()
        })
        .unwrap();
        let crash = Change::Crash { node: 2 };
        lab.apply(&crash).unwrap();
        applied.push(crash);
        lab.add_typed_key("bob").unwrap();
        // A generated key, as a click on the ring selects one.
        lab.select_key(Some(17)).unwrap();
        lab.set_replicas(4).unwrap();
        (lab, applied, scripted[2..].to_vec())
    }

    #[test]
    fn a_playground_shared_as_a_scenario_rebuilds_the_same_lab_and_the_same_pending_changes() {
        let (lab, applied, pending) = driven_playground();
        let shared = HashingScenario::of_playground("", "", 6, &applied, &pending, &lab);
        assert_eq!(shared.name, PLAYGROUND_NAME);
        assert_eq!(shared.params.applied, Some(3));
        // Through a share link and back, as the page sends it.
        let json = serde_json::to_string(&shared).unwrap();
        let decoded = crate::share::decode_to_json(&crate::share::encode_json(&json)).unwrap();
        let opened = parse_scenario(&decoded).unwrap();
        let (rebuilt, still_pending) = opened.playground().unwrap();
        assert_eq!(still_pending, pending);
        assert_eq!(
            rebuilt, lab,
            "every placement, the last change and the selection agree"
        );
        assert_eq!(rebuilt.keys().names[17], lab.keys().names[17]);
    }

    #[test]
    fn a_shared_playground_is_a_scenario_the_command_line_report_runs_to_the_end() {
        let (lab, applied, pending) = driven_playground();
        let shared = HashingScenario::of_playground("Mine", "", 6, &applied, &pending, &lab);
        let report = report_from_json(&serde_json::to_string_pretty(&shared).unwrap()).unwrap();
        assert_eq!(report.changes.len(), applied.len() + pending.len());
        assert_eq!(report.scheme, SchemeKind::BoundedLoads);
        let walk = report.selected_key.expect("the selected key is walked");
        assert_eq!(walk.name, lab.keys().names[17]);
    }

    #[test]
    fn a_selected_key_spelled_like_a_generated_key_that_was_not_generated_is_refused() {
        let json = scenario(
            r#"{"scheme": "ring", "nodes": 3, "keys": 10, "selected_key": "key-0123456789abcdef"}"#,
        );
        let error = parse_scenario(&json).unwrap().playground().unwrap_err();
        assert!(error.to_string().contains("params.selected_key"), "{error}");
    }

    #[test]
    fn an_applied_count_past_the_changes_is_refused_naming_the_field() {
        let json = scenario(
            r#"{"scheme": "ring", "nodes": 3, "keys": 10, "changes": [{"add": {"node": 3}}], "applied": 2}"#,
        );
        assert_eq!(error_field(&json), "params.applied");
    }
}
