//! One algorithm's timeline in the side-by-side view: every request a mark (admitted, rejected
//! or delayed, told apart by shape, colour and row), the limiter's level as a line above them,
//! the window boundaries, the play cursor, and the algorithm's metrics beside it.
//!
//! The marks only change when the comparison does, so they live in their own component whose
//! props compare the comparison by pointer: moving the cursor redraws the cursor and the level
//! gauge, never the thousands of marks.

use std::rc::Rc;

use netsplit_core::labs::ratelimit::{AlgorithmKind, Comparison, Decision};
use netsplit_core::protocol::Time;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::labs::ratelimit::model::{
    LevelSeries, algorithm_label, decision_class, format_ms, level_at, percent_of, time_at_fraction,
};

/// The timeline's height in pixels.
pub const TIMELINE_HEIGHT: u32 = 124;

/// Where the level band sits (top and height, in pixels).
const LEVEL_TOP: u32 = 6;
const LEVEL_HEIGHT: u32 = 62;
/// The rows of the marks: admitted and delayed on the upper row, rejected on the lower.
const ROW_ADMITTED: u32 = 84;
const ROW_REJECTED: u32 = 102;
/// The window labels' baseline.
const ROW_LABELS: u32 = 121;

/// The most window boundaries labelled under a timeline; past it, every k-th one is.
const WINDOW_LABELS_MAX: u64 = 12;

/// Props of [`RateLimitTimeline`].
#[derive(Properties, Clone)]
pub struct RateLimitTimelineProps {
    /// The comparison the timeline shows one run of.
    pub comparison: Rc<Comparison>,
    /// Which run (column) of the comparison.
    pub run: usize,
    /// Each run's level over time, in the comparison's column order.
    pub levels: Rc<Vec<LevelSeries>>,
    /// The run's length, in µs.
    pub duration_us: Time,
    /// The algorithm the "differs from" count compares with.
    pub reference: Option<AlgorithmKind>,
    /// Where the play cursor is, if shown.
    pub cursor_us: Option<Time>,
    /// Called with the millisecond the learner clicked, to add a request there.
    pub on_add: Callback<u64>,
}

impl PartialEq for RateLimitTimelineProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.comparison, &other.comparison)
            && Rc::ptr_eq(&self.levels, &other.levels)
            && self.run == other.run
            && self.duration_us == other.duration_us
            && self.reference == other.reference
            && self.cursor_us == other.cursor_us
            && self.on_add == other.on_add
    }
}

/// One level value as a fraction of its capacity, for the level line.
fn level_fraction(value_milli: u64, capacity_milli: u64) -> f64 {
    if capacity_milli == 0 {
        return 0.0;
    }
    (value_milli as f64 / capacity_milli as f64).clamp(0.0, 1.0)
}

/// The level line's points in a 1000 × [`LEVEL_HEIGHT`] box, from one run's level series.
pub fn level_points(
    series: &[(Time, netsplit_core::labs::ratelimit::Level)],
    duration_us: Time,
) -> String {
    series
        .iter()
        .map(|(at, level)| {
            let x = 10.0 * percent_of(*at, duration_us);
            let y = f64::from(LEVEL_HEIGHT)
                * (1.0 - level_fraction(level.value_milli, level.capacity_milli));
            format!("{x:.2},{y:.2}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A sentence for screen readers summing up one run.
pub fn timeline_summary(comparison: &Comparison, run: usize) -> String {
    let Some(run) = comparison.runs.get(run) else {
        return String::new();
    };
    let metrics = &run.metrics;
    let mut text = format!(
        "{}: {} requests, {} admitted, {} rejected",
        algorithm_label(run.algorithm),
        comparison.arrivals.len(),
        metrics.admitted,
        metrics.rejected
    );
    if metrics.delayed > 0 {
        text.push_str(&format!(", {} of them delayed", metrics.delayed));
    }
    text.push_str(&format!(
        "; at most {} admitted in any window",
        metrics.window_admitted_max
    ));
    text
}

/// Props of [`TimelineMarks`].
#[derive(Properties, Clone)]
struct TimelineMarksProps {
    comparison: Rc<Comparison>,
    levels: Rc<Vec<LevelSeries>>,
    run: usize,
    duration_us: Time,
}

impl PartialEq for TimelineMarksProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.comparison, &other.comparison)
            && Rc::ptr_eq(&self.levels, &other.levels)
            && self.run == other.run
            && self.duration_us == other.duration_us
    }
}

/// The marks, the level line and the window grid of one run: everything that only changes
/// with the comparison.
#[component]
fn TimelineMarks(props: &TimelineMarksProps) -> Html {
    let comparison = &props.comparison;
    let Some(run) = comparison.runs.get(props.run) else {
        return html! {};
    };
    let duration_us = props.duration_us;
    let window_us = comparison.window_us.max(1);
    let windows = duration_us.div_ceil(window_us);
    let label_every = windows.div_ceil(WINDOW_LABELS_MAX).max(1);
    let boundaries = (0..=windows).map(|window| {
        let at = window * window_us;
        let x = format!("{:.3}%", percent_of(at, duration_us));
        let label = (window % label_every == 0 && at <= duration_us).then(|| {
            let anchor = if window == 0 {
                "start"
            } else if at >= duration_us {
                "end"
            } else {
                "middle"
            };
            html! {
                <text x={x.clone()} y={ROW_LABELS.to_string()} text-anchor={anchor} class="rl-window-label">
                    { format_ms(at) }
                </text>
            }
        });
        html! {
            <>
                <line x1={x.clone()} x2={x.clone()} y1="0" y2={ROW_REJECTED.saturating_add(8).to_string()} class="rl-window" />
                { label.unwrap_or_default() }
            </>
        }
    });
    let marks = comparison
        .arrivals
        .iter()
        .zip(&run.decisions)
        .enumerate()
        .map(|(index, (arrival, &decision))| {
            let x = format!("{:.3}%", percent_of(arrival.at, duration_us));
            let class = decision_class(decision);
            let (symbol, row) = match decision {
                Decision::Admit => ("#rl-mark-admit", ROW_ADMITTED),
                Decision::Delay(_) => ("#rl-mark-delay", ROW_ADMITTED),
                Decision::Reject => ("#rl-mark-reject", ROW_REJECTED),
            };
            // A delayed request also shows where it leaves the queue.
            let departure = match decision {
                Decision::Delay(delay) => {
                    let end = format!(
                        "{:.3}%",
                        percent_of(arrival.at.saturating_add(delay), duration_us)
                    );
                    // The tick where it leaves shows the shaper's smooth output: one
                    // departure per interval.
                    html! {
                        <>
                            <line x1={x.clone()} x2={end.clone()} y1={ROW_ADMITTED.to_string()} y2={ROW_ADMITTED.to_string()} class="rl-delay-line" />
                            <line x1={end.clone()} x2={end} y1={(ROW_ADMITTED - 6).to_string()} y2={(ROW_ADMITTED + 6).to_string()} class="rl-departure" />
                        </>
                    }
                }
                Decision::Admit | Decision::Reject => html! {},
            };
            html! {
                <>
                    { departure }
                    <@{"use"} href={symbol} x={x} y={row.to_string()}
                        class={classes!("rl-mark", class)}
                        data-index={index.to_string()} data-decision={class} />
                </>
            }
        });
    let series: &[_] = props.levels.get(props.run).map_or(&[], Vec::as_slice);
    let capacity = series
        .iter()
        .map(|(_, level)| level.capacity_milli)
        .max()
        .unwrap_or(0);
    html! {
        <g class="rl-marks">
            { for boundaries }
            <svg x="0" y={LEVEL_TOP.to_string()} width="100%" height={LEVEL_HEIGHT.to_string()}
                 viewBox={format!("0 0 1000 {LEVEL_HEIGHT}")} preserveAspectRatio="none" class="rl-level">
                if capacity > 0 {
                    <line x1="0" x2="1000" y1="0.5" y2="0.5" class="rl-capacity" vector-effect="non-scaling-stroke" />
                }
                <polyline points={level_points(series, duration_us)} class="rl-level-line"
                    vector-effect="non-scaling-stroke" />
            </svg>
            { for marks }
        </g>
    }
}

/// The shapes every timeline's marks refer to, drawn once per page: a filled circle for
/// admitted, a cross for rejected, a hollow diamond for delayed.
#[component]
pub fn RateLimitMarkShapes() -> Html {
    html! {
        <svg class="rl-shapes" aria-hidden="true" focusable="false" width="0" height="0">
            <defs>
                <g id="rl-mark-admit"><circle r="5" fill="currentColor" /></g>
                <g id="rl-mark-reject">
                    <path d="M-5 -5 L5 5 M-5 5 L5 -5" stroke="currentColor" stroke-width="2.5" fill="none" />
                </g>
                <g id="rl-mark-delay">
                    <path d="M0 -6 L6 0 L0 6 L-6 0 Z" stroke="currentColor" stroke-width="2" fill="var(--panel)" />
                </g>
            </defs>
        </svg>
    }
}

/// One algorithm's timeline and metrics.
#[component]
pub fn RateLimitTimeline(props: &RateLimitTimelineProps) -> Html {
    let comparison = &props.comparison;
    let Some(run) = comparison.runs.get(props.run) else {
        return html! {};
    };
    let duration_us = props.duration_us;
    let on_click = {
        let on_add = props.on_add.clone();
        let duration_ms = duration_us / 1_000;
        Callback::from(move |event: MouseEvent| {
            let Some(target) = event
                .current_target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let rect = target.get_bounding_client_rect();
            if rect.width() <= 0.0 {
                return;
            }
            let fraction = (f64::from(event.client_x()) - rect.left()) / rect.width();
            on_add.emit(time_at_fraction(fraction, duration_ms));
        })
    };
    let metrics = &run.metrics;
    let differs = props
        .reference
        .filter(|&reference| reference != run.algorithm)
        .map(|reference| {
            (
                reference,
                comparison.disagreements(run.algorithm, reference).len(),
            )
        });
    let series: &[_] = props.levels.get(props.run).map_or(&[], Vec::as_slice);
    let level = level_at(series, props.cursor_us.unwrap_or(duration_us));
    let level_text = level.map(|level| {
        format!(
            "{} / {} {}",
            thousandths(level.value_milli),
            thousandths(level.capacity_milli),
            run.level_unit
        )
    });
    // The cursor and the veil over the part of the run still to come are an HTML layer over
    // the drawing, on a compositing layer of their own, moved by a transform (a percentage of
    // its own width, which is the track's): moving it every frame then needs no layout and no
    // repaint of the thousands of marks underneath, only compositing.
    let cursor = props.cursor_us.map(|cursor| {
        html! {
            <div class="rl-curtain" aria-hidden="true"
                style={format!("transform: translateX({:.3}%)", percent_of(cursor, duration_us))} />
        }
    });
    let name = run.algorithm.name();
    html! {
        <section class="panel rl-timeline" data-algorithm={name} aria-label={algorithm_label(run.algorithm)}>
            <div class="rl-timeline-head">
                <h3>{ algorithm_label(run.algorithm) }</h3>
                <p class="muted rl-burst">{ run.burst_meaning }</p>
            </div>
            <div class="rl-track-wrap">
                <svg class="rl-track" width="100%" height={TIMELINE_HEIGHT.to_string()} role="img"
                     aria-label={timeline_summary(comparison, props.run)} onclick={on_click}>
                    <title>{ "Click to add a request at that time" }</title>
                    <TimelineMarks comparison={props.comparison.clone()} levels={props.levels.clone()} run={props.run} duration_us={duration_us} />
                </svg>
                { cursor.unwrap_or_default() }
            </div>
            <dl class="rl-metrics">
                <div><dt>{ "admitted" }</dt><dd class="rl-admitted">{ metrics.admitted }</dd></div>
                <div><dt>{ "rejected" }</dt><dd class="rl-rejected">{ metrics.rejected }</dd></div>
                if metrics.delayed > 0 || run.algorithm == AlgorithmKind::LeakyBucketShaper {
                    <div><dt>{ "delayed" }</dt><dd class="rl-delayed">{ metrics.delayed }</dd></div>
                    <div><dt>{ "queueing delay mean / max" }</dt>
                        <dd class="rl-delay">{ format!("{} / {}", format_ms(metrics.queueing_delay_us_mean), format_ms(metrics.queueing_delay_us_max)) }</dd></div>
                }
                <div><dt>{ "most admitted in any window" }</dt><dd class="rl-window-max">{ metrics.window_admitted_max }</dd></div>
                if let Some((reference, count)) = differs {
                    <div><dt>{ format!("differs from {}", algorithm_label(reference).to_ascii_lowercase()) }</dt>
                        <dd class="rl-differs" data-reference={reference.name()}>{ count }</dd></div>
                }
                if let Some(text) = level_text {
                    <div><dt>{ if props.cursor_us.is_some() { "level at cursor" } else { "level at end" } }</dt>
                        <dd class="rl-level-value">{ text }</dd></div>
                }
            </dl>
        </section>
    }
}

/// Thousandths as a decimal with at most one decimal place (`2500` → `2.5`).
pub fn thousandths(value_milli: u64) -> String {
    let tenths = (value_milli + 50) / 100;
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}
