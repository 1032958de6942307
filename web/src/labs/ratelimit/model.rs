//! The rate limiting page's model: the side-by-side form, its validation, the comparison it
//! produces, and the pure helpers the views draw with. Nothing here touches the DOM, so the
//! browser tests can drive it directly.
//!
//! The decisions themselves come from `netsplit_core::labs::ratelimit::compare`: this module only
//! turns what the learner typed into a trace and a [`LimitParams`], refuses what is out of range
//! with the reason, and keeps the last good comparison on screen while a field is wrong.

use netsplit_core::collections::SortedMap;
use std::rc::Rc;

use netsplit_core::labs::ratelimit::compare::{SideBySide, compare};
use netsplit_core::labs::ratelimit::distributed::{
    DistributedDecision, DistributedOutcome, Reason, summarize,
};
use netsplit_core::labs::ratelimit::lab::rate_limit_scenario;
use netsplit_core::labs::ratelimit::scenario::{
    ExplicitArrival, LAB_NAME, RateLimitParams, RateLimitScenario, SCENARIO_VERSION,
};
use netsplit_core::labs::ratelimit::traffic::generate;
use netsplit_core::labs::ratelimit::{
    AlgorithmKind, Arrival, Comparison, Decision, Level, LimitParams, TrafficPattern, TrafficSource,
};
use netsplit_core::presets;
use netsplit_core::protocol::{MICROS_PER_MS, Time};
use netsplit_core::scenario::Scenario;
use yew::Reducible;

/// The most requests the side-by-side view draws: every request is one mark per algorithm,
/// and more than this would make the page slow to redraw.
pub const REQUESTS_DRAWN_MAX: usize = 2_000;

/// The most requests a learner may draw by hand.
pub const DRAWN_REQUESTS_MAX: usize = 500;

/// How many evenly spaced moments of the run the level line samples, besides the moments just
/// before and after each request.
pub const LEVEL_SAMPLES: u64 = 400;

/// One algorithm's level over the run: `(time, level)` points in time order.
pub type LevelSeries = Vec<(Time, Level)>;

/// How much virtual time the play cursor covers per wall-clock millisecond: real time.
pub const CURSOR_US_PER_WALL_MS: f64 = 1_000.0;

/// The longest wall-clock gap one animation frame catches up on, in ms, so a tab coming back
/// from the background does not jump to the end.
const FRAME_GAP_MS_MAX: f64 = 100.0;

/// A number the learner types, with the range it must lie in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The field's key in [`SideBySideState::fields`].
    pub id: &'static str,
    /// The label shown beside the input (also its accessible name).
    pub label: &'static str,
    /// The smallest accepted value.
    pub minimum: u64,
    /// The largest accepted value.
    pub maximum: u64,
    /// Whether the field may be left blank (then it takes a default named in `blank_means`).
    pub optional: bool,
    /// What a blank field means, for the placeholder.
    pub blank_means: &'static str,
}

const fn field(id: &'static str, label: &'static str, minimum: u64, maximum: u64) -> FieldSpec {
    FieldSpec {
        id,
        label,
        minimum,
        maximum,
        optional: false,
        blank_means: "",
    }
}

/// The limit's fields: every algorithm is configured from these.
pub static LIMIT_FIELDS: [FieldSpec; 4] = [
    field("limit", "Limit (requests per window)", 1, 1_000),
    field("window_ms", "Window (ms)", 1, 60_000),
    FieldSpec {
        optional: true,
        blank_means: "the limit",
        ..field("burst", "Burst (bucket capacity)", 1, 1_000)
    },
    FieldSpec {
        optional: true,
        blank_means: "the limit",
        ..field("queue_capacity", "Shaper queue", 0, 1_000)
    },
];

/// The run's fields: how long the trace lasts and the seed of the Poisson draws.
pub static RUN_FIELDS: [FieldSpec; 2] = [
    field("duration_ms", "Run length (ms)", 100, 60_000),
    field("seed", "Seed", 0, u64::MAX),
];

/// The traffic a learner can pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrafficChoice {
    /// One request every interval.
    Steady,
    /// Bursts of requests, every period.
    Bursty,
    /// Random arrivals at an average rate.
    Poisson,
    /// On and off periods.
    OnOff,
    /// A rate that grows or shrinks linearly.
    Ramp,
    /// Only the requests drawn by hand on the timeline.
    HandDrawn,
    /// The traffic sources of the preset, as written (several sources, or spans).
    Preset,
}

impl TrafficChoice {
    /// The choices the traffic menu offers (the preset's own traffic only when one is loaded).
    pub const OFFERED: [TrafficChoice; 6] = [
        TrafficChoice::Steady,
        TrafficChoice::Bursty,
        TrafficChoice::Poisson,
        TrafficChoice::OnOff,
        TrafficChoice::Ramp,
        TrafficChoice::HandDrawn,
    ];

    /// A stable value for the `<select>`.
    pub fn value(self) -> &'static str {
        match self {
            TrafficChoice::Steady => "steady",
            TrafficChoice::Bursty => "bursty",
            TrafficChoice::Poisson => "poisson",
            TrafficChoice::OnOff => "on_off",
            TrafficChoice::Ramp => "ramp",
            TrafficChoice::HandDrawn => "hand_drawn",
            TrafficChoice::Preset => "preset",
        }
    }

    /// The menu's words.
    pub fn label(self) -> &'static str {
        match self {
            TrafficChoice::Steady => "Steady",
            TrafficChoice::Bursty => "Bursty",
            TrafficChoice::Poisson => "Poisson (random)",
            TrafficChoice::OnOff => "On/off",
            TrafficChoice::Ramp => "Ramp",
            TrafficChoice::HandDrawn => "Hand-drawn only",
            TrafficChoice::Preset => "As in the preset",
        }
    }

    /// The choice with `value`, if any.
    pub fn from_value(value: &str) -> Option<TrafficChoice> {
        TrafficChoice::OFFERED
            .into_iter()
            .chain([TrafficChoice::Preset])
            .find(|choice| choice.value() == value)
    }

    /// The fields this traffic is configured by.
    pub fn fields(self) -> &'static [FieldSpec] {
        const STEADY: [FieldSpec; 1] = [field("steady_interval_ms", "Interval (ms)", 1, 60_000)];
        const BURSTY: [FieldSpec; 3] = [
            field("bursty_burst_size", "Requests per burst", 1, 1_000),
            field("bursty_spacing_ms", "Spacing in a burst (ms)", 0, 60_000),
            field("bursty_period_ms", "Period (ms)", 1, 60_000),
        ];
        const POISSON: [FieldSpec; 1] = [field(
            "poisson_rate_per_second",
            "Mean rate (per second)",
            1,
            10_000,
        )];
        const ON_OFF: [FieldSpec; 3] = [
            field("on_off_on_ms", "On for (ms)", 1, 60_000),
            field("on_off_off_ms", "Off for (ms)", 0, 60_000),
            field("on_off_interval_ms", "Interval while on (ms)", 1, 60_000),
        ];
        const RAMP: [FieldSpec; 2] = [
            field(
                "ramp_rate_start_per_second",
                "Rate at start (per second)",
                0,
                10_000,
            ),
            field(
                "ramp_rate_end_per_second",
                "Rate at end (per second)",
                0,
                10_000,
            ),
        ];
        match self {
            TrafficChoice::Steady => &STEADY,
            TrafficChoice::Bursty => &BURSTY,
            TrafficChoice::Poisson => &POISSON,
            TrafficChoice::OnOff => &ON_OFF,
            TrafficChoice::Ramp => &RAMP,
            TrafficChoice::HandDrawn | TrafficChoice::Preset => &[],
        }
    }
}

/// Every field spec, for looking one up by id.
pub fn all_fields() -> impl Iterator<Item = &'static FieldSpec> {
    LIMIT_FIELDS.iter().chain(RUN_FIELDS.iter()).chain(
        TrafficChoice::OFFERED
            .into_iter()
            .flat_map(|choice| choice.fields()),
    )
}

/// The spec of field `id`.
pub fn field_spec(id: &str) -> Option<&'static FieldSpec> {
    all_fields().find(|spec| spec.id == id)
}

/// Reads `text` as the value of `spec`: `Ok(None)` for a blank optional field, the number if it
/// is whole and in range, otherwise the reason in a sentence.
pub fn parse_field(spec: &FieldSpec, text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return if spec.optional {
            Ok(None)
        } else {
            Err(format!(
                "Enter a whole number from {} to {}.",
                spec.minimum, spec.maximum
            ))
        };
    }
    let value: u64 = text.parse().map_err(|_| {
        format!(
            "{text:?} is not a whole number; enter one from {} to {}.",
            spec.minimum, spec.maximum
        )
    })?;
    if value < spec.minimum || value > spec.maximum {
        return Err(format!(
            "Must be from {} to {}; {value} is out of range.",
            spec.minimum, spec.maximum
        ));
    }
    Ok(Some(value))
}

/// The values a fresh page starts with (steady traffic at exactly the limit's rate).
fn default_fields() -> SortedMap<&'static str, String> {
    [
        ("limit", "10"),
        ("window_ms", "1000"),
        ("burst", ""),
        ("queue_capacity", ""),
        ("duration_ms", "3000"),
        ("seed", "1"),
        ("steady_interval_ms", "100"),
        ("bursty_burst_size", "15"),
        ("bursty_spacing_ms", "20"),
        ("bursty_period_ms", "700"),
        ("poisson_rate_per_second", "15"),
        ("on_off_on_ms", "400"),
        ("on_off_off_ms", "600"),
        ("on_off_interval_ms", "25"),
        ("ramp_rate_start_per_second", "2"),
        ("ramp_rate_end_per_second", "30"),
    ]
    .into_iter()
    .map(|(id, value)| (id, value.to_string()))
    .collect()
}

/// A rate limiting preset: its file name, title, description and scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimitPreset {
    /// The file name without `.json`, e.g. `ratelimit-boundary-burst`.
    pub name: &'static str,
    /// The scenario's title.
    pub title: String,
    /// What it shows.
    pub description: String,
    /// The scenario as the lab reads it.
    pub scenario: RateLimitScenario,
}

impl RateLimitPreset {
    /// Whether it runs a distributed limiter.
    pub fn is_distributed(&self) -> bool {
        self.scenario.params.distributed.is_some()
    }
}

/// The rate limiting presets, in file name order, skipping any that fail to read.
pub fn rate_limit_presets() -> Vec<RateLimitPreset> {
    presets::of_lab::RATELIMIT
        .iter()
        .filter_map(|(name, text)| {
            // Read through the engine's scenario, as the lab itself does, so that the
            // bundle carries one decoder of the scenario format rather than two.
            let engine = Scenario::from_json(text).ok()?;
            let scenario = rate_limit_scenario(&engine).ok()?;
            Some(RateLimitPreset {
                name,
                title: scenario.title.clone().unwrap_or_else(|| name.to_string()),
                description: scenario.description.clone().unwrap_or_default(),
                scenario,
            })
        })
        .collect()
}

/// The side-by-side view's state: what the learner typed, and the comparison of the last
/// valid input.
#[derive(Clone, Debug, PartialEq)]
pub struct SideBySideState {
    /// Every field's text as typed, by [`FieldSpec::id`].
    pub fields: SortedMap<&'static str, String>,
    /// The selected algorithms, in [`AlgorithmKind::ALL`] order.
    pub algorithms: Vec<AlgorithmKind>,
    /// The traffic pattern.
    pub traffic: TrafficChoice,
    /// The loaded preset's traffic sources, used when `traffic` is [`TrafficChoice::Preset`].
    pub preset_sources: Vec<TrafficSource>,
    /// The loaded preset's name, if any.
    pub preset: Option<&'static str>,
    /// Whether the learner changed anything since the preset was loaded.
    pub modified: bool,
    /// Requests drawn by hand (and a preset's explicit arrivals), in ms, sorted.
    pub drawn_ms: Vec<u64>,
    /// Why each invalid field is refused, by field id (`traffic` for the traffic as a whole,
    /// `algorithms` for the selection).
    pub errors: SortedMap<&'static str, String>,
    /// The comparison of the last valid input (kept while a field is wrong).
    pub comparison: Rc<Comparison>,
    /// Each run's level over time, in the order of `comparison.runs` (see [`level_series`]).
    pub levels: Rc<Vec<LevelSeries>>,
    /// The run length of `comparison`, in ms.
    pub duration_ms: u64,
    /// The window length of `comparison`, in ms.
    pub window_ms: u64,
    /// Where the play cursor is, in µs; `None` shows the whole trace.
    pub cursor_us: Option<Time>,
    /// Whether the cursor is moving.
    pub playing: bool,
    /// Why a share link or a scenario file could not be opened, if one could not.
    pub notice: Option<String>,
    /// Wall-clock time of the previous animation frame, in ms.
    last_wall_ms: Option<f64>,
}

/// Everything the side-by-side controls can do.
#[derive(Clone, Debug, PartialEq)]
pub enum SideBySideAction {
    /// A field's text changed.
    SetField(&'static str, String),
    /// Select or deselect an algorithm.
    ToggleAlgorithm(AlgorithmKind),
    /// Pick the traffic pattern.
    SetTraffic(TrafficChoice),
    /// Add a hand-drawn request at this many ms.
    AddRequest(u64),
    /// Forget every hand-drawn request.
    ClearDrawn,
    /// Load the preset with this file name.
    LoadPreset(String),
    /// Start or stop the play cursor.
    TogglePlay,
    /// One animation frame at wall-clock `performance.now()` ms.
    Frame(f64),
    /// Put the cursor at this many µs, or show everything.
    SeekCursor(Option<Time>),
    /// Open a scenario (an imported file) in place of the form.
    Open(Box<Scenario>),
    /// Say why a scenario could not be opened.
    Notice(String),
}

impl Default for SideBySideState {
    fn default() -> Self {
        let mut state = Self {
            fields: default_fields(),
            algorithms: AlgorithmKind::ALL.to_vec(),
            traffic: TrafficChoice::Steady,
            preset_sources: Vec::new(),
            preset: None,
            modified: false,
            drawn_ms: Vec::new(),
            errors: SortedMap::new(),
            comparison: Rc::new(Comparison {
                window_us: 0,
                arrivals: Vec::new(),
                runs: Vec::new(),
            }),
            levels: Rc::new(Vec::new()),
            duration_ms: 0,
            window_ms: 0,
            cursor_us: None,
            playing: false,
            notice: None,
            last_wall_ms: None,
        };
        state.recompute();
        state
    }
}

/// What a valid form asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// The shared limit.
    pub params: LimitParams,
    /// The arrival trace, sorted.
    pub trace: Vec<Arrival>,
    /// How long the run lasts, in ms.
    pub duration_ms: u64,
}

impl SideBySideState {
    /// The state with preset `name` loaded, or the default state if there is no such preset.
    pub fn with_preset(name: &str) -> Self {
        let mut state = Self::default();
        state.load_preset(name);
        state
    }

    fn value(&self, id: &'static str) -> Result<Option<u64>, String> {
        let spec = field_spec(id).ok_or_else(|| format!("{id}: no such field"))?;
        parse_field(spec, self.fields.get(id).map_or("", String::as_str))
    }

    /// Reads the form: the limit, the trace and the run length, or every refused field with
    /// its reason.
    pub fn input(&self) -> Result<Input, SortedMap<&'static str, String>> {
        let mut errors = SortedMap::new();
        let mut read = |id: &'static str| match self.value(id) {
            Ok(value) => value,
            Err(reason) => {
                errors.insert(id, reason);
                None
            }
        };
        let limit = read("limit");
        let window_ms = read("window_ms");
        let burst = read("burst");
        let queue_capacity = read("queue_capacity");
        let duration_ms = read("duration_ms");
        let seed = read("seed");
        for spec in self.traffic.fields() {
            read(spec.id);
        }
        if self.algorithms.is_empty() {
            errors.insert("algorithms", "Pick at least one algorithm.".to_string());
        }
        let (Some(limit), Some(window_ms), Some(duration_ms), Some(seed)) =
            (limit, window_ms, duration_ms, seed)
        else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let params = LimitParams {
            limit,
            window_ms,
            burst,
            queue_capacity,
        };
        if let Err(error) = params.validate("params") {
            let text = error.to_string();
            // The core names the field `params.<field>`; show the reason next to that field.
            let (path, reason) = text.split_once(": ").unwrap_or(("params.limit", &text));
            let id = LIMIT_FIELDS
                .iter()
                .find(|spec| path == format!("params.{}", spec.id))
                .map_or("limit", |spec| spec.id);
            errors.insert(id, capitalised(reason));
            return Err(errors);
        }
        // Every field of the pattern was read above without error.
        let pattern = self.pattern();
        let sources: Vec<TrafficSource> = match (self.traffic, pattern) {
            (TrafficChoice::Preset, _) => self.preset_sources.clone(),
            (_, Some(pattern)) => vec![TrafficSource {
                client: 0,
                start_ms: 0,
                end_ms: None,
                pattern,
            }],
            (_, None) => Vec::new(),
        };
        let mut trace = match generate(&sources, duration_ms, seed) {
            Ok(trace) => trace,
            Err(error) => {
                errors.insert("traffic", capitalised(&error.to_string()));
                return Err(errors);
            }
        };
        if let Some(&late) = self.drawn_ms.iter().find(|&&at| at >= duration_ms) {
            errors.insert(
                "duration_ms",
                format!(
                    "A hand-drawn request is at {late} ms; the run must last longer than that."
                ),
            );
            return Err(errors);
        }
        trace.extend(self.drawn_ms.iter().map(|&at| Arrival {
            at: at * MICROS_PER_MS,
            client: 0,
        }));
        // A stable sort: at equal times, generated requests come before drawn ones, as the
        // lab's scenario files order them.
        trace.sort_by_key(|arrival| arrival.at);
        if trace.len() > REQUESTS_DRAWN_MAX {
            errors.insert(
                "traffic",
                format!(
                    "This traffic makes {} requests; the side-by-side view draws at most {REQUESTS_DRAWN_MAX}. Shorten the run or lower the rate.",
                    trace.len()
                ),
            );
            return Err(errors);
        }
        Ok(Input {
            params,
            trace,
            duration_ms,
        })
    }

    /// Recomputes the comparison from the form, or records why it cannot.
    fn recompute(&mut self) {
        match self.input() {
            Ok(input) => match compare(&input.trace, &input.params, &self.algorithms)
                .and_then(|comparison| Ok((comparison, level_series(&input, &self.algorithms)?)))
            {
                Ok((comparison, levels)) => {
                    self.errors.clear();
                    self.comparison = Rc::new(comparison);
                    self.levels = Rc::new(levels);
                    self.duration_ms = input.duration_ms;
                    self.window_ms = input.params.window_ms;
                    self.cursor_us = self.cursor_us.map(|cursor| cursor.min(self.duration_us()));
                }
                Err(error) => {
                    self.errors = SortedMap::from([("limit", capitalised(&error.to_string()))]);
                }
            },
            Err(errors) => self.errors = errors,
        }
    }

    /// The shown run's length in µs.
    pub fn duration_us(&self) -> Time {
        self.duration_ms * MICROS_PER_MS
    }

    fn load_preset(&mut self, name: &str) {
        let Some(preset) = rate_limit_presets()
            .into_iter()
            .find(|preset| preset.name == name)
        else {
            return;
        };
        self.load_scenario(Some(preset.name), &preset.scenario);
    }

    /// The view as a scenario of the lab, in the format `netsplit run` reads: the selected
    /// algorithms, the limit, the seed and run length, the traffic as chosen (one source of
    /// the menu's pattern, or the preset's own sources) and the hand-drawn requests, titled
    /// as the preset it started from. What Share, Embed and Export carry;
    /// [`Self::from_scenario`] rebuilds the same view. A form with a refused field gives the
    /// field and the reason instead.
    pub fn scenario(&self) -> Result<Scenario, String> {
        let input = self.input().map_err(|errors| {
            errors
                .iter()
                .next()
                .map(|(field, reason)| format!("the field {field} is refused: {reason}"))
                .unwrap_or_default()
        })?;
        let traffic = match self.traffic {
            TrafficChoice::Preset => self.preset_sources.clone(),
            TrafficChoice::HandDrawn => Vec::new(),
            // One source over the whole run, which `load_scenario` maps back onto the menu.
            _ => vec![TrafficSource {
                client: 0,
                start_ms: 0,
                end_ms: None,
                pattern: self.pattern().ok_or("the traffic pattern is incomplete")?,
            }],
        };
        let preset = self.preset.and_then(|name| {
            rate_limit_presets()
                .into_iter()
                .find(|preset| preset.name == name)
        });
        let scenario = RateLimitScenario {
            version: SCENARIO_VERSION,
            lab: LAB_NAME.to_string(),
            title: preset.as_ref().map(|preset| preset.title.clone()),
            description: preset
                .as_ref()
                .map(|preset| preset.description.clone())
                .filter(|description| !description.is_empty()),
            seed: self.value("seed").ok().flatten().unwrap_or(0),
            nodes: 1,
            run_until_ms: input.duration_ms,
            params: RateLimitParams {
                limit: input.params.limit,
                window_ms: input.params.window_ms,
                burst: input.params.burst,
                queue_capacity: input.params.queue_capacity,
                algorithms: self.algorithms.clone(),
                traffic,
                arrivals: self
                    .drawn_ms
                    .iter()
                    .map(|&at_ms| ExplicitArrival { at_ms, client: 0 })
                    .collect(),
                distributed: None,
            },
        };
        let json = serde_json::to_string(&scenario).map_err(|error| error.to_string())?;
        Scenario::parse(&json).map_err(|error| error.to_string())
    }

    /// The view a scenario of the lab describes (a share link's or an imported file's),
    /// with the play cursor at `cursor_us` if given. A scenario titled as a preset shows that
    /// preset in the menu, marked changed when it differs from the preset as shipped. A
    /// distributed limiter in the scenario is left to the distributed tab.
    pub fn from_scenario(scenario: &Scenario, cursor_us: Option<Time>) -> Result<Self, String> {
        let scenario = rate_limit_scenario(scenario).map_err(|error| error.to_string())?;
        let preset = rate_limit_presets()
            .into_iter()
            .find(|preset| scenario.title.is_some() && preset.scenario.title == scenario.title);
        let mut state = Self::default();
        state.load_scenario(preset.as_ref().map(|preset| preset.name), &scenario);
        if let Some(preset) = &preset {
            if state.traffic != TrafficChoice::Preset {
                state.preset_sources = preset.scenario.params.traffic.clone();
            }
            state.modified = state.scenario() != Self::with_preset(preset.name).scenario();
        }
        if let Some((field, reason)) = state.errors.iter().next() {
            return Err(format!("{field}: {reason}"));
        }
        state.cursor_us = cursor_us.map(|cursor| cursor.min(state.duration_us()));
        Ok(state)
    }

    /// The traffic pattern the menu and its fields describe, if it is one of the menu's.
    fn pattern(&self) -> Option<TrafficPattern> {
        let value = |index: usize| {
            let spec = self.traffic.fields().get(index)?;
            self.value(spec.id).ok().flatten()
        };
        Some(match self.traffic {
            TrafficChoice::Steady => TrafficPattern::Steady {
                interval_ms: value(0)?,
            },
            TrafficChoice::Bursty => TrafficPattern::Bursty {
                burst_size: value(0)?,
                spacing_ms: value(1)?,
                period_ms: value(2)?,
            },
            TrafficChoice::Poisson => TrafficPattern::Poisson {
                rate_per_second: value(0)?,
            },
            TrafficChoice::OnOff => TrafficPattern::OnOff {
                on_ms: value(0)?,
                off_ms: value(1)?,
                interval_ms: value(2)?,
            },
            TrafficChoice::Ramp => TrafficPattern::Ramp {
                rate_start_per_second: value(0)?,
                rate_end_per_second: value(1)?,
            },
            TrafficChoice::HandDrawn | TrafficChoice::Preset => return None,
        })
    }

    /// Fills the form from `scenario`, as preset `name` if it is one.
    fn load_scenario(&mut self, name: Option<&'static str>, scenario: &RateLimitScenario) {
        let params = &scenario.params;
        let mut fields = self.fields.clone();
        let mut set = |id: &'static str, value: String| {
            fields.insert(id, value);
        };
        set("limit", params.limit.to_string());
        set("window_ms", params.window_ms.to_string());
        set(
            "burst",
            params
                .burst
                .map(|value| value.to_string())
                .unwrap_or_default(),
        );
        set(
            "queue_capacity",
            params
                .queue_capacity
                .map(|value| value.to_string())
                .unwrap_or_default(),
        );
        set("duration_ms", scenario.run_until_ms.to_string());
        set("seed", scenario.seed.to_string());
        // One source over the whole run maps onto the traffic menu; anything else is kept as
        // written and shown as the preset's own traffic.
        let mut traffic = if params.traffic.is_empty() {
            TrafficChoice::HandDrawn
        } else {
            TrafficChoice::Preset
        };
        if let [source] = params.traffic.as_slice()
            && source.start_ms == 0
            && source.end_ms.is_none()
            && source.client == 0
        {
            match &source.pattern {
                TrafficPattern::Steady { interval_ms } => {
                    set("steady_interval_ms", interval_ms.to_string());
                    traffic = TrafficChoice::Steady;
                }
                TrafficPattern::Bursty {
                    burst_size,
                    spacing_ms,
                    period_ms,
                } => {
                    set("bursty_burst_size", burst_size.to_string());
                    set("bursty_spacing_ms", spacing_ms.to_string());
                    set("bursty_period_ms", period_ms.to_string());
                    traffic = TrafficChoice::Bursty;
                }
                TrafficPattern::Poisson { rate_per_second } => {
                    set("poisson_rate_per_second", rate_per_second.to_string());
                    traffic = TrafficChoice::Poisson;
                }
                TrafficPattern::OnOff {
                    on_ms,
                    off_ms,
                    interval_ms,
                } => {
                    set("on_off_on_ms", on_ms.to_string());
                    set("on_off_off_ms", off_ms.to_string());
                    set("on_off_interval_ms", interval_ms.to_string());
                    traffic = TrafficChoice::OnOff;
                }
                TrafficPattern::Ramp {
                    rate_start_per_second,
                    rate_end_per_second,
                } => {
                    set(
                        "ramp_rate_start_per_second",
                        rate_start_per_second.to_string(),
                    );
                    set("ramp_rate_end_per_second", rate_end_per_second.to_string());
                    traffic = TrafficChoice::Ramp;
                }
                TrafficPattern::Explicit { .. } => {}
            }
        }
        self.fields = fields;
        self.traffic = traffic;
        self.preset_sources = params.traffic.clone();
        self.preset = name;
        self.modified = false;
        self.notice = None;
        // The view draws one lane of requests; preset arrivals of other clients would be
        // decided under their own keys, which the hand-drawn lane cannot show, so only
        // client 0's are kept. Every shipped preset uses client 0 only.
        let mut drawn: Vec<u64> = params
            .arrivals
            .iter()
            .filter(|arrival| arrival.client == 0)
            .map(|arrival| arrival.at_ms)
            .take(DRAWN_REQUESTS_MAX)
            .collect();
        drawn.sort_unstable();
        self.drawn_ms = drawn;
        self.algorithms = AlgorithmKind::ALL
            .into_iter()
            .filter(|kind| params.algorithms.contains(kind))
            .collect();
        self.cursor_us = None;
        self.playing = false;
        self.recompute();
    }
}

/// `text` with its first letter upper-cased, for core messages shown as sentences.
fn capitalised(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => std::iter::once(first.to_ascii_uppercase())
            .chain(characters)
            .collect(),
        None => String::new(),
    }
}

impl Reducible for SideBySideState {
    type Action = SideBySideAction;

    fn reduce(self: Rc<Self>, action: SideBySideAction) -> Rc<Self> {
        let mut next = (*self).clone();
        // Any change to the form makes it the learner's own, no longer the preset as shipped.
        if matches!(
            action,
            SideBySideAction::SetField(..)
                | SideBySideAction::ToggleAlgorithm(_)
                | SideBySideAction::SetTraffic(_)
                | SideBySideAction::AddRequest(_)
                | SideBySideAction::ClearDrawn
        ) {
            next.modified = true;
        }
        match action {
            SideBySideAction::SetField(id, text) => {
                if field_spec(id).is_none() {
                    return self;
                }
                next.fields.insert(id, text);
                next.recompute();
            }
            SideBySideAction::ToggleAlgorithm(kind) => {
                if next.algorithms.contains(&kind) {
                    next.algorithms.retain(|&selected| selected != kind);
                } else {
                    next.algorithms.push(kind);
                    next.algorithms.sort_unstable();
                }
                next.recompute();
            }
            SideBySideAction::SetTraffic(choice) => {
                if choice == TrafficChoice::Preset && next.preset_sources.is_empty() {
                    return self;
                }
                next.traffic = choice;
                next.recompute();
            }
            SideBySideAction::AddRequest(at_ms) => {
                if next.drawn_ms.len() >= DRAWN_REQUESTS_MAX {
                    next.errors.insert(
                        "drawn",
                        format!("At most {DRAWN_REQUESTS_MAX} requests can be drawn by hand."),
                    );
                    return Rc::new(next);
                }
                let at = next.drawn_ms.partition_point(|&drawn| drawn <= at_ms);
                next.drawn_ms.insert(at, at_ms);
                next.recompute();
            }
            SideBySideAction::ClearDrawn => {
                next.drawn_ms.clear();
                next.recompute();
            }
            SideBySideAction::LoadPreset(name) => next.load_preset(&name),
            SideBySideAction::Open(scenario) => match Self::from_scenario(&scenario, None) {
                Ok(opened) => next = opened,
                Err(reason) => next.notice = Some(reason),
            },
            SideBySideAction::Notice(reason) => next.notice = Some(reason),
            SideBySideAction::TogglePlay => {
                next.playing = !next.playing;
                next.last_wall_ms = None;
                // Playing from the end (or from "show everything") starts over.
                if next.playing
                    && next
                        .cursor_us
                        .is_none_or(|cursor| cursor >= next.duration_us())
                {
                    next.cursor_us = Some(0);
                }
            }
            SideBySideAction::Frame(wall_ms) => {
                if !next.playing {
                    return self;
                }
                let Some(last) = next.last_wall_ms.replace(wall_ms) else {
                    return Rc::new(next);
                };
                let gap_ms = (wall_ms - last).clamp(0.0, FRAME_GAP_MS_MAX);
                let advance = (gap_ms * CURSOR_US_PER_WALL_MS) as Time;
                let cursor = next.cursor_us.unwrap_or(0).saturating_add(advance);
                if cursor >= next.duration_us() {
                    next.cursor_us = Some(next.duration_us());
                    next.playing = false;
                } else {
                    next.cursor_us = Some(cursor);
                }
            }
            SideBySideAction::SeekCursor(cursor) => {
                next.cursor_us = cursor.map(|cursor| cursor.min(next.duration_us()));
                next.last_wall_ms = None;
            }
        }
        Rc::new(next)
    }
}

/// The horizontal position of time `at` µs on a timeline of `duration_us`, in percent.
pub fn percent_of(at: Time, duration_us: Time) -> f64 {
    if duration_us == 0 {
        return 0.0;
    }
    100.0 * at.min(duration_us) as f64 / duration_us as f64
}

/// The millisecond a click lands on: `fraction` of the way across a timeline of
/// `duration_ms`, rounded to the nearest ms and kept inside the run.
pub fn time_at_fraction(fraction: f64, duration_ms: u64) -> u64 {
    if !fraction.is_finite() || duration_ms == 0 {
        return 0;
    }
    let at = (fraction.clamp(0.0, 1.0) * duration_ms as f64).round() as u64;
    at.min(duration_ms - 1)
}

/// How many requests of `comparison` arrive at or before `cursor_us`.
pub fn requests_until(comparison: &Comparison, cursor_us: Time) -> usize {
    comparison
        .arrivals
        .partition_point(|arrival| arrival.at <= cursor_us)
}

/// Each algorithm's level over the run of `input`: sampled at [`LEVEL_SAMPLES`] evenly spaced
/// moments and just before and after every request, by replaying the trace through the same
/// limiters `compare` uses and reading their levels between requests. So a token bucket is
/// seen refilling and a window count seen dropping when requests leave the window, rather than
/// a line drawn straight from one request to the next. Levels are those of client 0 between
/// requests (the only client this view generates) and of the requesting client at a request.
pub fn level_series(
    input: &Input,
    algorithms: &[AlgorithmKind],
) -> Result<Vec<LevelSeries>, netsplit_core::labs::ratelimit::Error> {
    let mut side_by_side = SideBySide::new(&input.params, algorithms)?;
    let duration_us = input.duration_ms * MICROS_PER_MS;
    let points = input.trace.len() * 2 + LEVEL_SAMPLES as usize + 1;
    let mut series: Vec<LevelSeries> = vec![Vec::with_capacity(points); algorithms.len()];
    let record = |side_by_side: &SideBySide, series: &mut [LevelSeries], at: Time, client| {
        for (column, limiter) in side_by_side.limiters().iter().enumerate() {
            series[column].push((at, limiter.level(at, client)));
        }
    };
    let sample_time = |sample: u64| duration_us * sample / LEVEL_SAMPLES;
    let mut sample = 0;
    for &arrival in &input.trace {
        while sample <= LEVEL_SAMPLES && sample_time(sample) < arrival.at {
            record(&side_by_side, &mut series, sample_time(sample), 0);
            sample += 1;
        }
        record(&side_by_side, &mut series, arrival.at, arrival.client);
        side_by_side.step(arrival);
        record(&side_by_side, &mut series, arrival.at, arrival.client);
    }
    while sample <= LEVEL_SAMPLES {
        record(&side_by_side, &mut series, sample_time(sample), 0);
        sample += 1;
    }
    Ok(series)
}

/// The level in `series` at `cursor_us`: the last point at or before it, or `None` if the
/// series starts later.
pub fn level_at(series: &[(Time, Level)], cursor_us: Time) -> Option<Level> {
    let after = series.partition_point(|(at, _)| *at <= cursor_us);
    after.checked_sub(1).map(|last| series[last].1)
}

/// What a reference column is: the sliding window log, the exact one, if selected, else the
/// first selected algorithm.
pub fn reference_algorithm(comparison: &Comparison) -> Option<AlgorithmKind> {
    comparison
        .run(AlgorithmKind::SlidingWindowLog)
        .or_else(|| comparison.runs.first())
        .map(|run| run.algorithm)
}

/// The learner's words for an algorithm.
pub fn algorithm_label(kind: AlgorithmKind) -> &'static str {
    match kind {
        AlgorithmKind::TokenBucket => "Token bucket",
        AlgorithmKind::LeakyBucketMeter => "Leaky bucket (meter)",
        AlgorithmKind::LeakyBucketShaper => "Leaky bucket (queue, shaper)",
        AlgorithmKind::FixedWindow => "Fixed window",
        AlgorithmKind::SlidingWindowLog => "Sliding window log",
        AlgorithmKind::SlidingWindowCounter => "Sliding window counter",
        AlgorithmKind::Gcra => "GCRA",
    }
}

/// A decision's class for styling and tests: `admit`, `reject` or `delay`.
pub fn decision_class(decision: Decision) -> &'static str {
    match decision {
        Decision::Admit => "admit",
        Decision::Reject => "reject",
        Decision::Delay(_) => "delay",
    }
}

/// Microseconds as milliseconds with up to three decimals, trailing zeros dropped
/// (`1500` → `1.5 ms`).
pub fn format_ms(us: Time) -> String {
    let whole = us / MICROS_PER_MS;
    let fraction = us % MICROS_PER_MS;
    if fraction == 0 {
        format!("{whole} ms")
    } else {
        let digits = format!("{fraction:03}");
        format!("{whole}.{} ms", digits.trim_end_matches('0'))
    }
}

/// Every reason a distributed limiter can give, to read the engine's JSON history back.
const REASONS: [Reason; 7] = [
    Reason::CentralAdmitted,
    Reason::CentralRejected,
    Reason::CentralUnreachableFailedOpen,
    Reason::CentralUnreachableFailedClosed,
    Reason::EstimateAdmitted,
    Reason::EstimateRejected,
    Reason::PeersSilentFailedClosed,
];

/// The distributed limiter's figures so far, from the engine run's client history (as
/// [`netsplit_core::LabRun::client_history`] gives it) and the global `limit` per `window_us`:
/// the same bookkeeping as the lab's closed-form model, over the requests answered so far.
/// Calls not answered yet, and entries that do not read as calls, are left out.
pub fn live_outcome(
    history: &serde_json::Value,
    limit: u64,
    window_us: Time,
) -> DistributedOutcome {
    let calls = history.as_array().map_or(&[][..], Vec::as_slice);
    let decisions = calls
        .iter()
        .filter_map(|call| {
            let reply = call.get("reply")?;
            let admitted = reply.get("admitted")?.as_bool()?;
            let reason_text = reply.get("reason")?;
            let reason = REASONS.into_iter().find(|reason| {
                serde_json::to_value(reason).is_ok_and(|value| &value == reason_text)
            })?;
            let at = call.get("invoked_at")?.as_u64()?;
            Some(DistributedDecision {
                at,
                client: u32::try_from(call.get("request")?.get("client")?.as_u64()?).ok()?,
                node: u32::try_from(call.get("node")?.as_u64()?).ok()?,
                decision: if admitted {
                    Decision::Admit
                } else {
                    Decision::Reject
                },
                decided_at: call
                    .get("replied_at")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(at),
                reason,
            })
        })
        .collect();
    summarize(decisions, limit, window_us)
}

/// How many requests the selected algorithms do not all decide alike (admitted versus
/// rejected; a delay counts as admitted).
pub fn requests_in_dispute(comparison: &Comparison) -> usize {
    (0..comparison.arrivals.len())
        .filter(|&index| {
            let mut admitted = comparison
                .runs
                .iter()
                .filter_map(|run| run.decisions.get(index))
                .map(|decision| decision.is_admitted());
            let Some(first) = admitted.next() else {
                return false;
            };
            admitted.any(|other| other != first)
        })
        .count()
}
