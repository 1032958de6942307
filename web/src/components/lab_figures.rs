//! The lab's own figures: every gauge and counter as a live readout, and the lab's key
//! gauges drawn over virtual time (for example Raft's term). The load balancing lab
//! draws its own charts from its typed report instead (see
//! [`crate::labs::loadbalancing::figures`]).

use yew::prelude::*;

use crate::components::playback_bar::format_time;
use crate::state::PlaygroundHandle;

const W: f64 = 600.0;
const H: f64 = 90.0;

/// Formats a figure compactly.
pub fn format_figure(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else if value.abs() >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

/// Formats one gauge of the readout. Gauges that name a node (Raft's `leader`) hold the
/// node's number, or -1 when there is none; a reader should see `n3` or `none`, not `-1`.
fn format_gauge(name: &str, value: f64) -> String {
    if name == "leader" || name.ends_with(".leader") {
        if value < 0.0 {
            "none".to_string()
        } else {
            format!("n{}", format_figure(value))
        }
    } else {
        format_figure(value)
    }
}

/// The figures panel.
pub fn lab_figures(state: &PlaygroundHandle) -> Html {
    let metrics = state.run.borrow().metrics();
    if metrics.gauges.is_empty() && metrics.counters.is_empty() {
        return html! {};
    }
    // The load balancing lab draws its own charts from its typed report; the other
    // labs chart the gauges `charted_gauges` names.
    let entry = crate::labs::entry(&state.lab);
    let lab_figures = entry
        .map(|lab| (lab.figures)(&**state.run.borrow()))
        .unwrap_or_default();
    let charted = entry.map_or(&[][..], |lab| lab.charted_gauges);
    let history = state.gauge_history.borrow();
    let colours = ["var(--bad)", "var(--accent)", "var(--ok)"];
    let dashes = ["none", "6 3", "2 3"];
    let lines = charted
        .iter()
        .enumerate()
        .map(|(index, (name, label))| {
            let points: Vec<(f64, f64)> = history
                .samples
                .iter()
                .filter_map(|(time, gauges)| gauges.get(*name).map(|value| (*time as f64, *value)))
                .collect();
            (index, *name, *label, points)
        })
        .collect::<Vec<_>>();
    let t0 = history
        .samples
        .first()
        .map_or(0.0, |(time, _)| *time as f64);
    let t1 = history
        .samples
        .last()
        .map_or(1.0, |(time, _)| *time as f64)
        .max(t0 + 1.0);
    let max = lines
        .iter()
        .flat_map(|(_, _, _, points)| points.iter().map(|(_, value)| *value))
        .fold(1e-9_f64, f64::max);
    let polyline = |points: &[(f64, f64)]| {
        points
            .iter()
            .map(|(time, value)| {
                format!(
                    "{:.1},{:.1}",
                    (time - t0) / (t1 - t0) * W,
                    H - 4.0 - (H - 8.0) * value / max
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    html! {
        <section class="panel lab-extra lab-figures" aria-label="Lab figures">
            <h2>{ "Lab figures" }</h2>
            { lab_figures }
            if lines.iter().any(|(_, _, _, points)| points.len() > 1) {
                <svg viewBox={format!("0 0 {W} {H}")} class="sparkline gauges" preserveAspectRatio="none" role="img"
                     aria-label={format!("{} over virtual time, from {} to {}",
                        lines.iter().map(|(_, _, label, _)| *label).collect::<Vec<_>>().join(" and "),
                        format_time(t0 as u64), format_time(t1 as u64))}>
                    { for lines.iter().map(|(index, name, _, points)| html! {
                        <polyline key={*name} class={format!("gauge-{}", name.replace('.', "-"))} points={polyline(points)} fill="none"
                                  stroke={colours[index % colours.len()]} stroke-width="2" stroke-dasharray={dashes[index % dashes.len()]} />
                    }) }
                </svg>
                <p class="strip-legend">
                    // The legend gives each gauge's value now (as the readout below does), not the
                    // chart's last sample, which can be up to one sampling interval old.
                    { for lines.iter().map(|(index, name, label, points)| html! {
                        <span style={format!("color: {}", colours[index % colours.len()])}>
                            { format!("{} {}: {}   ", ["—", "- -", "···"][index % 3], label,
                                metrics.gauges.get(*name).or(points.last().map(|(_, value)| value))
                                    .map(|value| format_figure(*value)).unwrap_or_else(|| "–".into())) }
                        </span>
                    }) }
                    // What the chart's axes would say: its height runs from 0 to the largest
                    // value drawn, its width over the sampled stretch of virtual time.
                    { format!("(chart: 0 to {} from bottom to top, {} to {} left to right)", format_figure(max), format_time(t0 as u64), format_time(t1 as u64)) }
                </p>
            }
            <dl class="kv figures">
                // Names in words: `commit_index` reads "commit index".
                { for metrics.gauges.iter().map(|(name, value)| html! {
                    <><dt>{ name.replace(['_', '.'], " ") }</dt><dd data-gauge={name.clone()}>{ format_gauge(name, *value) }</dd></>
                }) }
                { for metrics.counters.iter().map(|(name, value)| html! {
                    <><dt>{ name.replace(['_', '.'], " ") }</dt><dd>{ value }</dd></>
                }) }
            </dl>
        </section>
    }
}
