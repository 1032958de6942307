//! The consistent hashing lab's state in the browser: one reducer over a
//! [`HashingLab`], with everything the views draw computed once per change.
//!
//! The lab recomputes placements in its own methods, so a change of scheme or membership
//! costs one pass over the keys. The views then read [`Derived`], computed here right
//! after the change, so rendering never walks the 100,000 keys again and nothing is
//! computed per animation frame (this page has no animation at all).

use netsplit_core::collections::SortedMap;
use std::rc::Rc;

use netsplit_core::labs::hashing::{
    Change, ComparisonRow, HashingLab, HashingParams, HashingScenario, KEYS_MAX, LoadSummary,
    LookupCost, Membership, RingView, SchemeConfig, SchemeKind, VNODES_MAX, Workload, ZipfParams,
    parse_scenario, scheme::LOAD_EPSILON_MAX, workload::ZIPF_EXPONENT_MAX,
};
use netsplit_core::protocol::NodeId;
use yew::prelude::*;

/// The most key dots the ring draws; the rest are represented by an even sample, so the
/// SVG stays small with a million keys.
pub const KEY_DOTS_MAX: usize = 800;
/// The most ring tokens drawn as ticks; past this the ticks are thinned evenly.
pub const TOKEN_TICKS_MAX: usize = 2_000;
/// The Zipf request count used when the learner turns skew on by hand.
pub const ZIPF_REQUESTS_DEFAULT: u64 = 1_000_000;
/// The most preference-list entries the UI asks for; longer lists add nothing to read.
pub const REPLICAS_MAX: u32 = 16;

/// A numeric field of the controls, for validation messages next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// Ring tokens per node.
    Vnodes,
    /// Bounded loads' epsilon.
    Epsilon,
    /// Number of generated keys.
    Keys,
    /// Zipf skew of the requests.
    Skew,
    /// Preference list length.
    Replicas,
    /// The typed key.
    TypedKey,
    /// Membership buttons.
    Membership,
    /// The preset select.
    Preset,
}

/// What the views draw, computed once per change.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    /// The ring, a sample of the keys, and the selected key's walk.
    pub ring: RingView,
    /// Per-node load now.
    pub load: LoadSummary,
    /// Per-node load before the last change.
    pub load_before: Option<LoadSummary>,
    /// Every scheme on the same keys and change, or why it could not be computed.
    pub comparison: Result<Vec<ComparisonRow>, String>,
    /// What a lookup costs under the current scheme.
    pub lookup_cost: Option<LookupCost>,
}

impl Derived {
    fn of(lab: &HashingLab) -> Result<Self, String> {
        Ok(Self {
            ring: lab
                .ring_view(KEY_DOTS_MAX)
                .map_err(|error| error.to_string())?,
            load: lab.load(),
            load_before: lab.load_before(),
            comparison: lab.compare().map_err(|error| error.to_string()),
            lookup_cost: lab.lookup_cost().ok(),
        })
    }
}

/// The preset in use, with the changes of its script not yet applied.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedPreset {
    /// The file name without `.json`.
    pub name: String,
    /// Its title.
    pub title: String,
    /// What it shows.
    pub description: String,
    /// Its changes not yet applied, in order.
    pub pending: Vec<Change>,
}

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct HashingState {
    /// The lab; behind `Rc` so a render clones a pointer, not 100,000 keys.
    pub lab: Rc<HashingLab>,
    /// What the views draw.
    pub derived: Rc<Derived>,
    /// The text of each field as typed, so a refused value stays visible beside its reason.
    pub drafts: SortedMap<Field, String>,
    /// Why a field's value was refused.
    pub errors: SortedMap<Field, String>,
    /// The node the Remove, Crash and Re-add buttons act on.
    pub target: Option<NodeId>,
    /// The loaded preset, if any (or the title and description of a shared page).
    pub preset: Option<LoadedPreset>,
    /// How many nodes the cluster started with (`0..nodes`), before `applied`.
    pub nodes: u32,
    /// The membership changes applied since the start, in order: with `nodes`, the preset's
    /// pending changes and the lab, they make the scenario a share link carries.
    pub applied: Vec<Change>,
}

/// How much of [`Derived`] a change invalidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recompute {
    /// Placements may have changed: everything.
    Everything,
    /// Only the selected key's walk changed.
    Selection,
}

/// Everything the learner can do on the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Switch the placement scheme.
    SetScheme(SchemeKind),
    /// Set a numeric field from its text.
    SetField(Field, String),
    /// Add (or find) a key by name and select it.
    TypeKey(String),
    /// Select a key by index, or clear the selection.
    SelectKey(Option<u32>),
    /// Add a node with the next free id.
    AddNode,
    /// Remove the target node for good.
    RemoveNode,
    /// Crash the target node.
    CrashNode,
    /// Bring the target crashed node back.
    ReaddNode,
    /// Choose the node the buttons act on.
    SetTarget(NodeId),
    /// Load a preset by file name.
    LoadPreset(String),
    /// Apply the preset's next scripted change.
    ApplyPresetChange,
    /// Open a scenario (an imported file) in place of the page.
    Open(Box<HashingScenario>),
    /// Say why a scenario could not be opened, beside the preset menu.
    Refuse(String),
}

impl HashingState {
    /// The page's starting point: ten nodes on a ring with 100 virtual nodes each and
    /// 100,000 uniform keys, with the key `alice` selected.
    pub fn initial() -> Self {
        Self::with_keys(100_000)
    }

    /// The starting point with `keys` generated keys (tests use fewer, because debug
    /// builds of WebAssembly are slow). `keys` is clamped to the allowed range.
    pub fn with_keys(keys: u32) -> Self {
        let workload = Workload {
            keys: keys.clamp(1, KEYS_MAX as u32 - 1),
            typed_keys: vec!["alice".to_owned()],
            zipf: None,
            seed: 1,
        };
        let membership = Membership::with_nodes(10, "nodes").expect("ten nodes are in range");
        let mut lab = HashingLab::new(
            SchemeKind::Ring,
            SchemeConfig::default(),
            membership,
            workload,
            3,
        )
        .expect("the default lab is in range");
        let selected = lab.keys().find("alice").map(|index| index as u32);
        lab.select_key(selected).expect("alice exists");
        Self::from_lab(lab, None, 10).expect("the default lab draws")
    }

    /// The page's starting point: the share link's page (what `use_share_link` read), else
    /// preset `preset` (an embed option), else [`Self::initial`]. A link or preset that
    /// cannot be opened gives the default page, with the reason beside the preset menu.
    pub fn opened(
        link: Option<Result<crate::share::SharedText, netsplit_core::share::ShareError>>,
        preset: Option<&str>,
    ) -> Self {
        let opened = match (link, preset) {
            (Some(link), _) => link
                .map_err(|error| error.to_string())
                .and_then(|text| {
                    parse_scenario(&text.json).map_err(|error| {
                        netsplit_core::share::ShareError::Scenario(error).to_string()
                    })
                })
                .and_then(|scenario| Self::from_scenario(&scenario))
                .map_err(|reason| format!("This share link could not be opened: {reason}. Showing the default page instead.")),
            (None, Some(name)) => Self::from_preset(name),
            (None, None) => return Self::initial(),
        };
        opened.unwrap_or_else(|reason| {
            let mut state = Self::initial();
            state.errors.insert(Field::Preset, reason);
            state
        })
    }

    /// The state for `lab`, which started as `nodes` nodes, with drafts taken from it.
    pub fn from_lab(
        lab: HashingLab,
        preset: Option<LoadedPreset>,
        nodes: u32,
    ) -> Result<Self, String> {
        let derived = Derived::of(&lab)?;
        let mut state = Self {
            lab: Rc::new(lab),
            derived: Rc::new(derived),
            drafts: SortedMap::new(),
            errors: SortedMap::new(),
            target: None,
            preset,
            nodes,
            applied: Vec::new(),
        };
        state.reset_drafts();
        state.target = state.default_target();
        Ok(state)
    }

    /// The state at preset `name`'s starting point.
    pub fn from_preset(name: &str) -> Result<Self, String> {
        let text = netsplit_core::labs::hashing::lab::LAB
            .preset(name)
            .ok_or_else(|| format!("there is no preset {name:?}"))?;
        let scenario = parse_scenario(text).map_err(|error| error.to_string())?;
        let lab = lab_of(&scenario.params)?;
        let preset = LoadedPreset {
            name: name.to_owned(),
            title: scenario.name.clone(),
            description: scenario.description.clone(),
            pending: scenario.params.changes.clone(),
        };
        Self::from_lab(lab, Some(preset), scenario.params.nodes)
    }

    /// The page a scenario describes (a share link's or an imported file's): its lab with
    /// its applied changes, its pending ones behind "Next scripted change", and its title
    /// and description. A scenario titled as a preset shows that preset in the menu.
    pub fn from_scenario(scenario: &HashingScenario) -> Result<Self, String> {
        let (lab, pending) = scenario.playground().map_err(|error| error.to_string())?;
        let applied =
            scenario.params.changes[..scenario.params.changes.len() - pending.len()].to_vec();
        let name = netsplit_core::labs::hashing::lab::LAB
            .presets
            .iter()
            .find(|(_, text)| parse_scenario(text).is_ok_and(|preset| preset.name == scenario.name))
            .map(|(name, _)| name.to_string())
            .unwrap_or_default();
        let preset = LoadedPreset {
            name,
            title: scenario.name.clone(),
            description: scenario.description.clone(),
            pending,
        };
        let mut state = Self::from_lab(lab, Some(preset), scenario.params.nodes)?;
        state.applied = applied;
        Ok(state)
    }

    /// The page as a scenario: the cluster it started from, every change applied and
    /// pending, and the lab's scheme, parameters, keys and selection as they are now. What
    /// Share, Embed and Export carry; [`Self::from_scenario`] rebuilds the same page. A page
    /// the format cannot hold (more than its changes allow) gives the reason.
    pub fn scenario(&self) -> Result<HashingScenario, String> {
        let (name, description, pending) = match &self.preset {
            Some(preset) => (
                preset.title.as_str(),
                preset.description.as_str(),
                &preset.pending[..],
            ),
            None => ("", "", &[][..]),
        };
        let mut scenario = HashingScenario::of_playground(
            name,
            description,
            self.nodes,
            &self.applied,
            pending,
            &self.lab,
        );
        // The report's comparison runs rendezvous on every cluster of the run; when that is
        // beyond its bound, the scenario still holds the page without it.
        if scenario.validate().is_err() {
            scenario.params.compare = false;
        }
        scenario.validate().map_err(|error| error.to_string())?;
        Ok(scenario)
    }

    fn reset_drafts(&mut self) {
        let lab = &self.lab;
        let zipf = lab
            .workload()
            .zipf
            .as_ref()
            .map_or(0.0, |zipf| zipf.exponent);
        self.drafts = SortedMap::from([
            (Field::Vnodes, lab.config().vnodes.to_string()),
            (Field::Epsilon, lab.config().load_epsilon.to_string()),
            (Field::Keys, lab.workload().keys.to_string()),
            (Field::Skew, zipf.to_string()),
            (Field::Replicas, lab.replicas().to_string()),
        ]);
    }

    /// The node the buttons act on when the learner has not picked one: the last live node.
    fn default_target(&self) -> Option<NodeId> {
        let membership = self.lab.membership();
        let valid = |node: NodeId| {
            membership.live.iter().any(|member| member.node == node)
                || membership.crashed.iter().any(|member| member.node == node)
        };
        match self.target {
            Some(node) if valid(node) => Some(node),
            _ => membership
                .live
                .last()
                .or(membership.crashed.first())
                .map(|member| member.node),
        }
    }

    /// The id the next added node gets: one past every node live or crashed. A removed
    /// node's id may come back, which the core allows because it was forgotten.
    pub fn next_node(&self) -> NodeId {
        let membership = self.lab.membership();
        membership
            .live
            .iter()
            .chain(&membership.crashed)
            .map(|member| member.node + 1)
            .max()
            .unwrap_or(0)
    }

    /// Whether `node` is crashed (so Re-add applies) rather than live.
    pub fn is_crashed(&self, node: NodeId) -> bool {
        self.lab
            .membership()
            .crashed
            .iter()
            .any(|member| member.node == node)
    }

    /// Runs `change` on a copy of the lab and keeps it if it succeeded. The lab itself
    /// refuses bad changes without changing, but it lives behind a shared `Rc`.
    fn with_lab(
        &mut self,
        field: Field,
        change: impl FnOnce(&mut HashingLab) -> Result<(), String>,
    ) -> bool {
        self.with_lab_then(field, Recompute::Everything, change)
    }

    /// Like [`Self::with_lab`], recomputing only what `recompute` says changed.
    fn with_lab_then(
        &mut self,
        field: Field,
        recompute: Recompute,
        change: impl FnOnce(&mut HashingLab) -> Result<(), String>,
    ) -> bool {
        let mut lab = (*self.lab).clone();
        let outcome = change(&mut lab).and_then(|()| {
            let derived = match recompute {
                Recompute::Everything => Derived::of(&lab)?,
                // Selecting a key or changing the preference list length moves nothing,
                // so the loads and the comparison (six schemes on every key) are kept.
                Recompute::Selection => Derived {
                    ring: lab
                        .ring_view(KEY_DOTS_MAX)
                        .map_err(|error| error.to_string())?,
                    ..(*self.derived).clone()
                },
            };
            Ok((lab, derived))
        });
        match outcome {
            Ok((lab, derived)) => {
                self.lab = Rc::new(lab);
                self.derived = Rc::new(derived);
                self.errors.remove(&field);
                self.target = self.default_target();
                true
            }
            Err(reason) => {
                self.errors.insert(field, reason);
                false
            }
        }
    }

    fn apply_change(&mut self, change: Change) -> bool {
        let applied = self.with_lab(Field::Membership, |lab| {
            lab.apply(&change)
                .map(|_| ())
                .map_err(|error| error.to_string())
        });
        if applied {
            self.applied.push(change);
        }
        applied
    }

    fn set_field(&mut self, field: Field, text: String) {
        self.drafts.insert(field, text.clone());
        let parsed = parse_field(field, text.trim());
        let value = match parsed {
            Ok(value) => value,
            Err(reason) => {
                self.errors.insert(field, reason);
                return;
            }
        };
        let recompute = if field == Field::Replicas {
            Recompute::Selection
        } else {
            Recompute::Everything
        };
        self.with_lab_then(field, recompute, |lab| {
            let result = match field {
                Field::Vnodes => {
                    let config = SchemeConfig {
                        vnodes: value as u32,
                        ..lab.config().clone()
                    };
                    lab.set_config(config)
                }
                Field::Epsilon => {
                    let config = SchemeConfig {
                        load_epsilon: value,
                        ..lab.config().clone()
                    };
                    lab.set_config(config)
                }
                Field::Keys => {
                    let workload = Workload {
                        keys: value as u32,
                        ..lab.workload().clone()
                    };
                    lab.set_workload(workload)
                }
                Field::Skew => {
                    let zipf = (value > 0.0).then(|| ZipfParams {
                        exponent: value,
                        requests: lab
                            .workload()
                            .zipf
                            .as_ref()
                            .map_or(ZIPF_REQUESTS_DEFAULT, |zipf| zipf.requests),
                    });
                    let workload = Workload {
                        zipf,
                        ..lab.workload().clone()
                    };
                    lab.set_workload(workload)
                }
                Field::Replicas => lab.set_replicas(value as u32),
                Field::TypedKey | Field::Membership | Field::Preset => Ok(()),
            };
            result.map_err(|error| error.to_string())
        });
    }
}

/// Parses a field's text and checks its range, with the reason a learner reads.
pub fn parse_field(field: Field, text: &str) -> Result<f64, String> {
    let (low, high, integer) = match field {
        Field::Vnodes => (1.0, f64::from(VNODES_MAX), true),
        Field::Epsilon => (0.0, LOAD_EPSILON_MAX, false),
        Field::Keys => (1.0, KEYS_MAX as f64, true),
        Field::Skew => (0.0, ZIPF_EXPONENT_MAX, false),
        Field::Replicas => (1.0, f64::from(REPLICAS_MAX), true),
        Field::TypedKey | Field::Membership | Field::Preset => return Err("not a number".into()),
    };
    if text.is_empty() {
        return Err("enter a number".into());
    }
    // Infinities and NaN are refused here too.
    let value =
        crate::number::parse_decimal(text).ok_or_else(|| format!("{text:?} is not a number"))?;
    if integer && value.fract() != 0.0 {
        return Err(format!("must be a whole number, got {text}"));
    }
    if value < low || value > high {
        return Err(format!("must be between {low} and {high}, got {text}"));
    }
    Ok(value)
}

/// The lab at a scenario's starting point.
fn lab_of(params: &HashingParams) -> Result<HashingLab, String> {
    params.lab().map_err(|error| error.to_string())
}

impl Reducible for HashingState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        match action {
            Action::SetScheme(scheme) => {
                state.with_lab(Field::Membership, |lab| {
                    lab.set_scheme(scheme).map_err(|error| error.to_string())
                });
            }
            Action::SetField(field, text) => state.set_field(field, text),
            Action::TypeKey(name) => {
                state.drafts.insert(Field::TypedKey, name.clone());
                let name = name.trim().to_owned();
                if name.is_empty() {
                    state
                        .errors
                        .insert(Field::TypedKey, "type a key name first".into());
                } else {
                    state.with_lab(Field::TypedKey, |lab| {
                        lab.add_typed_key(&name)
                            .map(|_| ())
                            .map_err(|error| error.to_string())
                    });
                }
            }
            Action::SelectKey(key) => {
                state.with_lab_then(Field::TypedKey, Recompute::Selection, |lab| {
                    lab.select_key(key).map_err(|error| error.to_string())
                });
            }
            Action::AddNode => {
                let node = state.next_node();
                if state.apply_change(Change::Add { node, weight: 1 }) {
                    state.target = Some(node);
                }
            }
            Action::RemoveNode => match state.target {
                Some(node) => {
                    state.apply_change(Change::Remove { node });
                }
                None => {
                    state
                        .errors
                        .insert(Field::Membership, "there is no node to remove".into());
                }
            },
            Action::CrashNode => match state.target {
                Some(node) => {
                    state.apply_change(Change::Crash { node });
                }
                None => {
                    state
                        .errors
                        .insert(Field::Membership, "there is no node to crash".into());
                }
            },
            Action::ReaddNode => match state.target {
                Some(node) => {
                    state.apply_change(Change::Readd { node });
                }
                None => {
                    state.errors.insert(
                        Field::Membership,
                        "there is no crashed node to re-add".into(),
                    );
                }
            },
            Action::SetTarget(node) => state.target = Some(node),
            Action::LoadPreset(name) => match HashingState::from_preset(&name) {
                Ok(loaded) => state = loaded,
                Err(reason) => {
                    state.errors.insert(Field::Preset, reason);
                }
            },
            Action::Open(scenario) => match HashingState::from_scenario(&scenario) {
                Ok(opened) => state = opened,
                Err(reason) => {
                    state.errors.insert(Field::Preset, reason);
                }
            },
            Action::Refuse(reason) => {
                state.errors.insert(Field::Preset, reason);
            }
            Action::ApplyPresetChange => {
                let next = state
                    .preset
                    .as_ref()
                    .and_then(|preset| preset.pending.first().copied());
                if let Some(change) = next
                    && state.apply_change(change)
                    && let Some(preset) = &mut state.preset
                {
                    preset.pending.remove(0);
                }
            }
        }
        Rc::new(state)
    }
}

/// The reducer handle components share.
pub type HashingHandle = UseReducerHandle<HashingState>;

/// A node's colour: hues spread by the golden angle so neighbours in id differ.
pub fn node_colour(node: NodeId) -> String {
    let hue = (f64::from(node) * 137.508) % 360.0;
    format!("hsl({hue:.0}, 62%, 48%)")
}

/// A node's label, as the rest of the app writes it.
pub fn node_label(node: NodeId) -> String {
    format!("n{node}")
}

/// A share as a percentage with one decimal, e.g. `9.1%`.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A count with thousands separators, e.g. `100,000`.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The sentence that reports the last change: "moved 9.1% of keys; ideal 9.1%", followed
/// by the core's reason when the scheme moved more than the ideal by its structure (jump
/// hash after a crash in the middle).
pub fn moved_sentence(state: &HashingState) -> Option<String> {
    let last = state.lab.last_change()?;
    let metrics = &last.metrics;
    let sentence = format!(
        "{}: moved {} of keys; ideal {} ({} of {} keys moved, ideal {})",
        metrics.change.describe(),
        percent(metrics.moved_fraction),
        percent(metrics.ideal_fraction),
        count(metrics.keys_moved),
        count(state.lab.keys().len() as u64),
        count(metrics.ideal_keys.round() as u64),
    );
    Some(match state.lab.last_change_note() {
        Some(note) => format!("{sentence}. {note}"),
        None => sentence,
    })
}
