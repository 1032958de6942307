//! A small time-series strip: messages sent per second of virtual time, by kind (RequestVote,
//! AppendEntries, their responses, ...), stacked, over the last seconds of the run; with the run's
//! totals and a legend that gives each kind's glyph, colour and current rate in words.

use yew::prelude::*;

use crate::components::cluster_view::{glyph, message_style};
use crate::layout::Point;
use crate::state::{KIND_SAMPLE_US, KIND_SAMPLES_MAX, KindRates, PlaygroundHandle};

const STRIP_WIDTH: f64 = 600.0;
const STRIP_HEIGHT: f64 = 80.0;
/// Room at the top of the chart for the scale label, in chart units.
const STRIP_TOP: f64 = 14.0;

/// A rate in words: whole messages per second, or one decimal below ten.
fn rate_text(rate: f64) -> String {
    if rate >= 10.0 || rate == 0.0 {
        format!("{rate:.0}/s")
    } else {
        format!("{rate:.1}/s")
    }
}

/// The stacked areas of `rates`, one SVG polygon per kind, bottom to top in `kinds` order.
fn stacked_areas(rates: &KindRates, max: f64) -> Html {
    let slots = KIND_SAMPLES_MAX.saturating_sub(1).max(1) as f64;
    // The newest interval sits at the right edge; older ones to its left.
    let first = (KIND_SAMPLES_MAX - 1).saturating_sub(rates.intervals.len()) as f64;
    let x = |index: usize| STRIP_WIDTH * (first + index as f64 + 1.0) / slots;
    let y = |value: f64| STRIP_HEIGHT - (STRIP_HEIGHT - STRIP_TOP) * value / max.max(1e-9);
    let mut below = vec![0.0; rates.intervals.len()];
    let mut areas = Vec::with_capacity(rates.kinds.len());
    for (kind_index, kind) in rates.kinds.iter().enumerate() {
        let above: Vec<f64> = rates
            .intervals
            .iter()
            .zip(&below)
            .map(|((_, values), base)| base + values[kind_index])
            .collect();
        let mut points = String::new();
        for (index, value) in above.iter().enumerate() {
            points.push_str(&format!("{:.1},{:.1} ", x(index), y(*value)));
        }
        for (index, value) in below.iter().enumerate().rev() {
            points.push_str(&format!("{:.1},{:.1} ", x(index), y(*value)));
        }
        let (colour, _, hollow) = message_style(kind);
        // Answers are hatched lighter than their requests, as their glyphs are hollow.
        let opacity = if hollow { "0.45" } else { "0.85" };
        areas.push(html! {
            <polygon key={*kind} points={points} fill={colour} fill-opacity={opacity} stroke={colour} stroke-width="1" />
        });
        below = above;
    }
    html! { <>{ areas }</> }
}

/// How many of the newest samples the legend's rates average (one second of virtual time).
const LEGEND_SAMPLES: usize = (1_000_000 / KIND_SAMPLE_US) as usize;

/// The metrics strip.
pub fn metrics_strip(state: &PlaygroundHandle) -> Html {
    let metrics = state.run.borrow().metrics();
    let rates = state.kind_history.borrow().rates();
    // The legend's rate is the mean over the last second of samples: a single 100 ms sample
    // is often empty between heartbeats and would read 0/s beside a visibly busy chart.
    let recent = rates.intervals.len().min(LEGEND_SAMPLES);
    let mut current = vec![0.0; rates.kinds.len()];
    for (_, values) in &rates.intervals[rates.intervals.len() - recent..] {
        for (sum, value) in current.iter_mut().zip(values) {
            *sum += value / recent as f64;
        }
    }
    let max = rates
        .intervals
        .iter()
        .map(|(_, values)| values.iter().sum::<f64>())
        .fold(0.0_f64, f64::max);
    let window_s = (KIND_SAMPLE_US as f64 * (KIND_SAMPLES_MAX - 1) as f64) / 1_000_000.0;
    let summary = if rates.kinds.is_empty() {
        "No messages sent yet.".to_string()
    } else {
        rates
            .kinds
            .iter()
            .zip(&current)
            .map(|(kind, rate)| format!("{kind} {}", rate_text(*rate)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        <section class="panel strip" aria-label="Metrics">
            <h2>{ "Messages per second, by kind" }</h2>
            <svg viewBox={format!("0 0 {STRIP_WIDTH} {STRIP_HEIGHT}")} class="sparkline kind-rates" role="img"
                 aria-label={format!("Messages sent per second by kind, stacked, over the run's last {window_s:.0} s. Now: {summary}")}
                 preserveAspectRatio="none">
                <line class="axis" x1="0" y1={STRIP_HEIGHT.to_string()} x2={STRIP_WIDTH.to_string()} y2={STRIP_HEIGHT.to_string()} />
                { stacked_areas(&rates, max) }
            </svg>
            <p class="strip-scale">
                <span>{ format!("peak {} (all kinds)", rate_text(max)) }</span>
                <span>{ format!("last {window_s:.0} s of virtual time, sampled every {} ms", KIND_SAMPLE_US / 1_000) }</span>
            </p>
            <ul class="legend" aria-label="Message kinds and their rate over the last second">
                { for rates.kinds.iter().zip(&current).map(|(kind, rate)| {
                    let (colour, shape, hollow) = message_style(kind);
                    html! {
                        <li key={*kind}>
                            <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
                                { glyph(shape, Point { x: 9.0, y: 9.0 }, 5.0, colour, hollow) }
                            </svg>
                            { format!("{kind} {}", rate_text(*rate)) }
                        </li>
                    }
                }) }
            </ul>
            <p class="strip-legend">
                { format!("In all: sent {}, delivered {}, dropped {}", metrics.messages_sent, metrics.messages_delivered, metrics.messages_dropped) }
                if metrics.client.requests > 0 {
                    { format!("; client requests {}, answered {}", metrics.client.requests, metrics.client.replies) }
                }
            </p>
        </section>
    }
}
