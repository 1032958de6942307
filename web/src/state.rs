//! The playground's one reducer: what the lab page shows and every action a control dispatches.
//!
//! The simulation itself lives behind an `Rc<RefCell<..>>`: cloning the state for Yew is a few
//! pointer copies, never a copy of the simulator, and each action mutates the run in place and
//! bumps `version` so the views re-render. One `Frame` action per animation frame advances the
//! run; it is bounded in events so a huge cluster at top speed slows down instead of freezing.

use netsplit_core::collections::SortedMap;
use std::cell::RefCell;
use std::rc::Rc;

use netsplit_core::event::Action as SimAction;
use netsplit_core::lab::LabRun;
use netsplit_core::protocol::{NodeId, Time};
use netsplit_core::scenario::Scenario;
use yew::prelude::*;

/// Virtual microseconds that pass per wall-clock millisecond at speed 1x: 1x is 100 times
/// slower than real time (10 virtual ms per second), so a 10 ms network hop is visible;
/// 100x is real time.
pub const VIRTUAL_US_PER_WALL_MS_AT_1X: f64 = 10.0;

/// The slowest and fastest playback speeds.
pub const SPEED_MIN: f64 = 0.1;
/// See [`SPEED_MIN`].
pub const SPEED_MAX: f64 = 100.0;

/// The most events one animation frame processes; past it the run falls behind the clock
/// (and says so) rather than blocking the page.
pub const FRAME_EVENTS_MAX: u32 = 20_000;

/// The wall-clock time one frame may spend running the simulation, in ms. Past it the run falls
/// behind the clock (and says so), so that drawing still fits in the frame: a thousand nodes
/// broadcasting produce more events per frame at 10x than any browser can run in 16 ms, and it
/// is better to show them slower than to show them at a few frames per second.
pub const FRAME_SIM_BUDGET_MS: f64 = 2.0;

/// Events run between two looks at the clock (reading it costs about as much as an event).
const EVENTS_PER_CLOCK_CHECK: u32 = 64;

/// The browser's monotonic clock in ms, or 0 outside a browser.
fn wall_now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

/// Frames the "cannot keep up" state lasts after the last frame that fell behind, so the banner
/// does not flash on and off (and shift the page) when only some frames fall behind.
const LAG_SHOWN_FRAMES: u32 = 30;

/// The longest wall-clock gap one frame catches up on, in ms (a background tab resumes
/// where it left off instead of jumping ahead).
const FRAME_GAP_MS_MAX: f64 = 100.0;

/// What a click on the canvas does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// Click a node to select it, a link to select it, drag to move nodes.
    Select,
    /// Click nodes to put them in group A; the rest form group B.
    Partition,
}

/// The lab page's state.
#[derive(Clone)]
pub struct PlaygroundState {
    /// The lab's route id.
    pub lab: String,
    /// The scenario the run started from (a preset, a share link, or a file).
    pub base: Rc<Scenario>,
    /// The running simulation.
    pub run: Rc<RefCell<Box<dyn LabRun>>>,
    /// Whether time is flowing.
    pub playing: bool,
    /// Playback speed, from [`SPEED_MIN`] to [`SPEED_MAX`].
    pub speed: f64,
    /// The selected node, if any.
    pub selected: Option<NodeId>,
    /// The selected link (from, to), if any.
    pub selected_link: Option<(NodeId, NodeId)>,
    /// The selected trace event, by its run-wide position
    /// ([`netsplit_core::trace::TraceEntryView::seq`]): the event log and the space-time
    /// diagram both mark it.
    pub selected_event: Option<u64>,
    /// What the space-time diagram shows.
    pub diagram: DiagramView,
    /// The canvas tool.
    pub tool: Tool,
    /// Nodes picked for partition group A.
    pub partition_group: Vec<NodeId>,
    /// Node positions the user dragged, as fractions of the canvas.
    pub positions: Rc<SortedMap<NodeId, (f64, f64)>>,
    /// The last refused action, in words (shown beside the controls).
    pub notice: Option<String>,
    /// Whether a recent frame hit [`FRAME_EVENTS_MAX`] or [`FRAME_SIM_BUDGET_MS`].
    pub lagging: bool,
    /// Frames left before `lagging` clears (see [`LAG_SHOWN_FRAMES`]).
    lag_frames_left: u32,
    /// Whether a stop bound (events, violation) halted playback.
    pub stopped_by: Option<String>,
    /// Wall-clock time of the previous frame, in ms.
    last_wall_ms: Option<f64>,
    /// Virtual time owed by earlier frames, in µs (fractions of a microsecond carry over).
    carry_us: f64,
    /// Bumps on every change so views re-render.
    pub version: u64,
    /// The lab's gauges sampled over virtual time, for the figures chart (bounded).
    pub gauge_history: Rc<RefCell<GaugeHistory>>,
    /// Messages sent per kind sampled over virtual time, for the metrics strip (bounded).
    pub kind_history: Rc<RefCell<KindHistory>>,
}

/// Lab gauges sampled every [`GAUGE_SAMPLE_US`] of virtual time, newest last, at most
/// [`GAUGE_SAMPLES_MAX`] samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GaugeHistory {
    /// (virtual time, gauges) pairs.
    pub samples: Vec<(Time, SortedMap<String, f64>)>,
}

/// How often the figures chart samples the gauges, in virtual µs.
pub const GAUGE_SAMPLE_US: Time = 50_000;
/// The most samples kept.
pub const GAUGE_SAMPLES_MAX: usize = 400;

impl GaugeHistory {
    /// Records the gauges at `now` if a sample is due; after a seek back, forgets the future.
    pub fn sample(&mut self, now: Time, gauges: impl FnOnce() -> SortedMap<String, f64>) {
        while self.samples.last().is_some_and(|(time, _)| *time > now) {
            self.samples.pop();
        }
        if self
            .samples
            .last()
            .is_some_and(|(time, _)| now < time + GAUGE_SAMPLE_US)
        {
            return;
        }
        self.samples.push((now, gauges()));
        if self.samples.len() > GAUGE_SAMPLES_MAX {
            self.samples.remove(0);
        }
    }
}

/// Cumulative messages sent per kind, sampled every [`KIND_SAMPLE_US`] of virtual time, newest
/// last, at most [`KIND_SAMPLES_MAX`] samples: the metrics strip turns neighbouring samples into
/// messages per second by kind. The run's own series count in whole seconds of virtual time,
/// which at 10x fill in ten seconds of wall time; a tenth of a second shows a burst of votes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KindHistory {
    /// (virtual time, messages of each kind sent so far) pairs.
    pub samples: Vec<(Time, Vec<(&'static str, u64)>)>,
}

/// How often the kind history samples, in virtual µs.
pub const KIND_SAMPLE_US: Time = 100_000;
/// The most kind samples kept (12 s of virtual time).
pub const KIND_SAMPLES_MAX: usize = 120;

/// Messages per second of each kind between two neighbouring samples.
#[derive(Clone, Debug, PartialEq)]
pub struct KindRates {
    /// The kinds, in order of first appearance.
    pub kinds: Vec<&'static str>,
    /// (end of the interval, rate of each kind in `kinds` order) per interval, oldest first.
    pub intervals: Vec<(Time, Vec<f64>)>,
}

impl KindHistory {
    /// Records the counts at `now` if a sample is due; after a seek back, forgets the future.
    pub fn sample(&mut self, now: Time, counts: impl FnOnce() -> Vec<(&'static str, u64)>) {
        while self.samples.last().is_some_and(|(time, _)| *time > now) {
            self.samples.pop();
        }
        if self
            .samples
            .last()
            .is_some_and(|(time, _)| now < time + KIND_SAMPLE_US)
        {
            return;
        }
        self.samples.push((now, counts()));
        if self.samples.len() > KIND_SAMPLES_MAX {
            self.samples.remove(0);
        }
    }

    /// The rates between neighbouring samples. A kind missing from a sample counts as zero
    /// sent, and a count that went down (a fork replaced the future) as no messages.
    pub fn rates(&self) -> KindRates {
        let mut kinds: Vec<&'static str> = Vec::new();
        for (_, counts) in &self.samples {
            for (kind, _) in counts {
                if !kinds.contains(kind) {
                    kinds.push(kind);
                }
            }
        }
        let count = |counts: &[(&'static str, u64)], kind: &str| {
            counts
                .iter()
                .find(|(other, _)| *other == kind)
                .map_or(0, |(_, sent)| *sent)
        };
        let intervals = self
            .samples
            .windows(2)
            .map(|pair| {
                let ((start, before), (end, after)) = (&pair[0], &pair[1]);
                let seconds = end.saturating_sub(*start).max(1) as f64 / 1_000_000.0;
                let rates = kinds
                    .iter()
                    .map(|kind| {
                        count(after, kind).saturating_sub(count(before, kind)) as f64 / seconds
                    })
                    .collect();
                (*end, rates)
            })
            .collect();
        KindRates { kinds, intervals }
    }
}

impl PartialEq for PlaygroundState {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && Rc::ptr_eq(&self.run, &other.run)
    }
}

/// Everything a control can do.
pub enum Action {
    /// One animation frame at wall-clock time `wall_ms`.
    Frame {
        /// `performance.now()` of the frame.
        wall_ms: f64,
    },
    /// Start or stop time.
    TogglePlay,
    /// Stop time.
    Pause,
    /// Process exactly the next event.
    Step,
    /// Change the speed.
    SetSpeed(f64),
    /// Move to a virtual time (µs).
    Seek(Time),
    /// Do something to the simulated world (crash, cut a link, ...).
    Apply(SimAction),
    /// Select a node (or nothing).
    Select(Option<NodeId>),
    /// Select one trace event (from the event log or the space-time diagram): pause, seek
    /// to just after it so it is the newest thing shown, and select its node.
    SelectEvent {
        /// The event's run-wide position in the trace.
        seq: u64,
        /// When it happened (µs).
        time: Time,
        /// The node it happened at, for the inspector.
        node: Option<NodeId>,
    },
    /// Change what the space-time diagram shows.
    Diagram(DiagramView),
    /// Select a link (or nothing).
    SelectLink(Option<(NodeId, NodeId)>),
    /// Change the canvas tool.
    SetTool(Tool),
    /// Put a node in or out of partition group A.
    TogglePartitionMember(NodeId),
    /// Split group A from the rest.
    ApplyPartition,
    /// Move a node on the canvas (fractions of width and height).
    MoveNode(NodeId, f64, f64),
    /// Restart from the base scenario with another seed.
    SetSeed(u64),
    /// Start over with a new scenario.
    Load(Box<Scenario>),
    /// Show a message beside the controls.
    Notice(Option<String>),
}

impl PlaygroundState {
    /// A fresh run of `scenario` for lab `lab`, or the reason it cannot run.
    pub fn new(lab: &str, scenario: Scenario) -> Result<Self, String> {
        let run = crate::bundle::current()
            .build(&scenario)
            .map_err(|error| error.to_string())?;
        Ok(Self {
            lab: lab.to_string(),
            base: Rc::new(scenario),
            run: Rc::new(RefCell::new(run)),
            playing: false,
            speed: 10.0,
            selected: None,
            selected_link: None,
            selected_event: None,
            diagram: DiagramView::default(),
            tool: Tool::Select,
            partition_group: Vec::new(),
            positions: Rc::new(SortedMap::new()),
            notice: None,
            lagging: false,
            lag_frames_left: 0,
            stopped_by: None,
            last_wall_ms: None,
            carry_us: 0.0,
            version: 0,
            gauge_history: Rc::new(RefCell::new(GaugeHistory::default())),
            kind_history: Rc::new(RefCell::new(KindHistory::default())),
        })
    }

    /// Whether anything would change on screen without user input.
    pub fn animating(&self) -> bool {
        self.playing
    }

    fn frame(&mut self, wall_ms: f64) {
        let Some(last) = self.last_wall_ms.replace(wall_ms) else {
            return;
        };
        let gap_ms = (wall_ms - last).clamp(0.0, FRAME_GAP_MS_MAX);
        let owed_us = gap_ms * self.speed * VIRTUAL_US_PER_WALL_MS_AT_1X + self.carry_us;
        let whole_us = owed_us.floor();
        self.carry_us = owed_us - whole_us;
        let started_ms = wall_now_ms();
        let mut run = self.run.borrow_mut();
        let target = run.now().saturating_add(whole_us as Time);
        let mut events = 0;
        let mut behind = false;
        // Strictly before the target, as `run_until` does, so a frame-by-frame run and a seek
        // to the same time process exactly the same events.
        while run.next_event_time().is_some_and(|next| next < target) {
            if events >= FRAME_EVENTS_MAX
                || (events % EVENTS_PER_CLOCK_CHECK == EVENTS_PER_CLOCK_CHECK - 1
                    && wall_now_ms() - started_ms > FRAME_SIM_BUDGET_MS)
            {
                behind = true;
                break;
            }
            if !run.step() {
                break;
            }
            events += 1;
        }
        self.lag_frames_left = if behind {
            LAG_SHOWN_FRAMES
        } else {
            self.lag_frames_left.saturating_sub(1)
        };
        self.lagging = self.lag_frames_left > 0;
        if !behind {
            let stop = run.run_until(target);
            let now = run.now();
            self.gauge_history
                .borrow_mut()
                .sample(now, || run.metrics().gauges);
            self.kind_history.borrow_mut().sample(now, || {
                run.metrics()
                    .kinds
                    .iter()
                    .map(|kind| (kind.kind, kind.sent))
                    .collect()
            });
            use netsplit_core::sim::RunStop;
            match stop {
                RunStop::ReachedTime | RunStop::QueueEmpty => {}
                RunStop::MaxEvents => {
                    self.playing = false;
                    self.stopped_by =
                        Some("The run hit its event limit (limits.max_events) and stopped.".into());
                }
                RunStop::Violation => {
                    self.playing = false;
                    self.stopped_by = Some("Stopped at the first safety violation.".into());
                }
            }
        }
    }
}

impl Reducible for PlaygroundState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.version += 1;
        match action {
            Action::Frame { wall_ms } => {
                if !next.playing {
                    next.last_wall_ms = None;
                    return self;
                }
                next.frame(wall_ms);
            }
            Action::TogglePlay => {
                next.playing = !next.playing;
                next.last_wall_ms = None;
                next.stopped_by = None;
            }
            Action::Pause => {
                next.playing = false;
                next.last_wall_ms = None;
            }
            Action::Step => {
                next.playing = false;
                next.run.borrow_mut().step();
            }
            Action::SetSpeed(speed) => {
                if speed.is_finite() && (SPEED_MIN..=SPEED_MAX).contains(&speed) {
                    next.speed = speed;
                    next.notice = None;
                } else {
                    next.notice = Some(format!(
                        "Speed must be between {SPEED_MIN}x and {SPEED_MAX}x."
                    ));
                }
            }
            Action::Seek(time) => {
                next.run.borrow_mut().seek(time);
                next.last_wall_ms = None;
            }
            Action::Apply(action) => {
                let result = next.run.borrow_mut().apply(action);
                next.notice = result.err().map(|error| error.to_string());
            }
            Action::Select(node) => {
                next.selected = node;
                next.selected_link = None;
            }
            Action::SelectEvent { seq, time, node } => {
                next.selected_event = Some(seq);
                next.playing = false;
                next.last_wall_ms = None;
                // Seeking runs the events strictly before the target, so one microsecond
                // later includes the selected event itself.
                next.run.borrow_mut().seek(time.saturating_add(1));
                if node.is_some() {
                    next.selected = node;
                    next.selected_link = None;
                }
            }
            Action::Diagram(view) => next.diagram = view,
            Action::SelectLink(link) => {
                next.selected_link = link;
                next.selected = None;
            }
            Action::SetTool(tool) => {
                next.tool = tool;
                next.partition_group.clear();
            }
            Action::TogglePartitionMember(node) => {
                if let Some(index) = next.partition_group.iter().position(|&id| id == node) {
                    next.partition_group.remove(index);
                } else {
                    next.partition_group.push(node);
                    next.partition_group.sort_unstable();
                }
            }
            Action::ApplyPartition => {
                let group_a = std::mem::take(&mut next.partition_group);
                let live: Vec<NodeId> = next
                    .run
                    .borrow()
                    .nodes()
                    .iter()
                    .filter(|node| node.status != netsplit_core::NodeStatus::Removed)
                    .map(|node| node.id)
                    .collect();
                let group_b: Vec<NodeId> = live
                    .into_iter()
                    .filter(|id| !group_a.contains(id))
                    .collect();
                if group_a.is_empty() || group_b.is_empty() {
                    next.notice = Some(
                        "A partition needs two groups: pick at least one node, and leave at least one out."
                            .into(),
                    );
                } else {
                    let result = next.run.borrow_mut().apply(SimAction::Partition {
                        groups: vec![group_a, group_b],
                    });
                    next.notice = result.err().map(|error| error.to_string());
                    next.tool = Tool::Select;
                }
            }
            Action::MoveNode(node, x, y) => {
                Rc::make_mut(&mut next.positions)
                    .insert(node, (x.clamp(0.02, 0.98), y.clamp(0.02, 0.98)));
            }
            Action::SetSeed(seed) => {
                let mut scenario = (*next.base).clone();
                scenario.seed = seed;
                return Rc::new(restart(&next, scenario));
            }
            Action::Load(scenario) => {
                return Rc::new(restart(&next, *scenario));
            }
            Action::Notice(text) => next.notice = text,
        }
        Rc::new(next)
    }
}

/// A fresh run of `scenario`, keeping the page's playback settings; on a bad scenario the old
/// run stays and the reason is shown.
fn restart(current: &PlaygroundState, scenario: Scenario) -> PlaygroundState {
    match PlaygroundState::new(&current.lab, scenario) {
        Ok(mut fresh) => {
            fresh.speed = current.speed;
            fresh.version = current.version + 1;
            fresh
        }
        Err(reason) => {
            let mut kept = current.clone();
            kept.version += 1;
            kept.notice = Some(format!("Could not start that scenario: {reason}"));
            kept
        }
    }
}

/// The reducer handle components dispatch to, shared through context.
pub type PlaygroundHandle = UseReducerHandle<PlaygroundState>;

/// What the space-time diagram shows, besides the run (kept with the rest of the page's
/// state, so the diagram is a plain function of it).
#[derive(Clone, PartialEq, Debug)]
pub struct DiagramView {
    /// Whether the drawing is shown.
    pub open: bool,
    /// The newest this many µs, or `None` for the whole run.
    pub span: Option<Time>,
    /// Only messages of this kind (`""` for all).
    pub kind: String,
    /// Only this node's events.
    pub node: Option<NodeId>,
}

impl Default for DiagramView {
    fn default() -> Self {
        Self {
            open: true,
            span: Some(crate::components::spacetime_view::span_default_us()),
            kind: String::new(),
            node: None,
        }
    }
}
