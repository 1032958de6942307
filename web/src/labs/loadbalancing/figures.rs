//! The load balancing lab's own charts, drawn from the lab's typed report
//! (`netsplit_core::labs::loadbalancing::report`): latency and error rate over
//! time, the latency histogram of the whole run, and each server's utilization and
//! queue over time.
//!
//! Every chart is a plain function returning `Html` (no component state), so the
//! figures panel redraws them from the report of the moment the run is at, and a
//! seek backwards draws the past exactly. Memory is bounded by the report itself:
//! at most 240 windows per series (the core halves the resolution of longer runs),
//! bars only for latency ranges that were hit, and at most [`SERVERS_DRAWN_MAX`]
//! servers. Numbers are always written out as text beside the drawing, and slowed
//! or crashed servers are named in words and hatched, never told by colour alone.
//!
//! The SVGs stretch to the panel's width (`preserveAspectRatio="none"`), so they
//! hold only lines and shapes; every label is HTML placed over or under them, which
//! keeps text readable at 400 px as at 1280 px.

use std::fmt::Write;

use netsplit_core::labs::loadbalancing::report::{
    HistogramBar, LatencySummary, Report, ServerReport, ServerWindowReport, WindowReport,
};
use yew::prelude::*;

/// The most servers drawn as small multiples; the rest are summed up in one line.
pub const SERVERS_DRAWN_MAX: usize = 16;

/// The drawing width of every chart, in SVG units (the SVG stretches to the panel).
const WIDTH: f64 = 600.0;
/// The height of the latency-over-time chart.
const LATENCY_HEIGHT: f64 = 120.0;
/// The height of the error-rate strip under it.
const ERROR_HEIGHT: f64 = 36.0;
/// The height of the histogram.
const HISTOGRAM_HEIGHT: f64 = 110.0;
/// The height of one server's chart.
const SERVER_HEIGHT: f64 = 34.0;

/// A latency in milliseconds, to a precision that suits its size.
pub fn format_ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0} ms")
    } else if value >= 10.0 {
        format!("{value:.1} ms")
    } else {
        format!("{value:.2} ms")
    }
}

/// A share from 0 to 1 as a whole percentage.
pub fn format_percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A time in milliseconds as seconds for an axis.
fn format_seconds(ms: f64) -> String {
    if ms >= 10_000.0 {
        format!("{:.0} s", ms / 1_000.0)
    } else {
        format!("{:.1} s", ms / 1_000.0)
    }
}

/// The latest complete window (the one before the current, partial one), or the
/// only window when there is one.
pub fn latest_complete_window(windows: &[WindowReport]) -> Option<&WindowReport> {
    match windows.len() {
        0 => None,
        1 => windows.first(),
        length => windows.get(length - 2),
    }
}

/// An SVG path through `points`, starting a new segment after every `None` (a
/// window with nothing to show breaks the line instead of drawing it at zero).
fn path_through(points: impl Iterator<Item = Option<(f64, f64)>>) -> String {
    let mut path = String::new();
    let mut pen_down = false;
    for point in points {
        match point {
            Some((x, y)) => {
                let command = if pen_down { 'L' } else { 'M' };
                // Writing to a String cannot fail.
                let _ = write!(path, "{command}{x:.1} {y:.1} ");
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    path
}

/// Appends a rectangle to an SVG path: every bar of one kind is one `<path>`, which
/// keeps the page's element count (and the diffing on every frame) small however many
/// windows or latency ranges there are.
fn push_rect(path: &mut String, x: f64, y: f64, width: f64, height: f64) {
    // Writing to a String cannot fail.
    let _ = write!(path, "M{x:.1} {y:.1}h{width:.1}v{height:.1}h-{width:.1}Z");
}

/// A value scale's top: the largest value rounded up to 1, 2 or 5 times a power of
/// ten, so the axis label reads as a round number.
pub fn nice_ceiling(value: f64) -> f64 {
    if !value.is_finite() || value <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    for step in [1.0, 2.0, 5.0, 10.0] {
        if value <= step * magnitude {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// Where time `ms` falls across the chart's width, for a run at `now_ms`.
fn time_x(ms: f64, now_ms: f64) -> f64 {
    (ms / now_ms.max(1e-9)).clamp(0.0, 1.0) * WIDTH
}

/// The middle of window `window`, clamped to the run's present.
fn window_middle(window: &WindowReport, report: &Report) -> f64 {
    (window.start_ms + report.window_ms / 2.0).min(report.now_ms)
}

/// A short line sample for a legend: the same stroke and dash as the chart's line.
fn legend_swatch(class: &'static str) -> Html {
    html! {
        <svg class="lb-swatch" viewBox="0 0 24 8" aria-hidden="true">
            <line class={class} x1="1" y1="4" x2="23" y2="4" />
        </svg>
    }
}

/// Everything the lab draws, in reading order.
pub fn loadbalancing_figures(report: &Report) -> Html {
    html! {
        <div class="lb-figures">
            // The hatch every chart fills failed bars and marked servers with; an
            // empty SVG that still renders, so the pattern is always defined.
            <svg class="lb-defs" width="0" height="0" aria-hidden="true">
                <defs>
                    <pattern id="lb-hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect class="lb-hatch-ground" width="5" height="5" />
                        <rect class="lb-hatch-stripe" width="2" height="5" />
                    </pattern>
                </defs>
            </svg>
            { latency_over_time(report) }
            { latency_histogram(report) }
            { server_charts(report) }
            { load_tail(report) }
        </div>
    }
}

/// The figure of the power-of-two-choices result (Mitzenmacher 2001): the share of the
/// servers' time they held at least i requests, beside the theory's two curves, drawn
/// from the run's own load (the share holding at least one). The theory is for servers
/// with one worker each, so it shows only when every server has one.
pub fn load_tail(report: &Report) -> Html {
    let shares = &report.servers_with_at_least;
    if shares.len() < 2 {
        return html! {};
    }
    let rho = shares[1];
    let theory = report.servers.iter().all(|server| server.concurrency == 1);
    let percent = |share: f64| format!("{:.1}%", share * 100.0);
    html! {
        <figure class="lb-figure lb-load-tail">
            <figcaption><h3>{ "Servers holding at least i requests" }</h3></figcaption>
            <table>
                <thead><tr>
                    <th scope="col">{ "i" }</th><th scope="col">{ "this run" }</th>
                    if theory {
                        <th scope="col">{ "random, theory ρ^i" }</th>
                        <th scope="col">{ "two choices, theory ρ^(2^i−1)" }</th>
                    }
                </tr></thead>
                <tbody>
                    { for shares.iter().enumerate().skip(1).take(8).map(|(i, share)| html! {
                        <tr>
                            <th scope="row">{ i }</th><td>{ percent(*share) }</td>
                            if theory {
                                <td>{ percent(rho.powi(i as i32)) }</td>
                                <td>{ percent(rho.powi((1 << i.min(30)) - 1)) }</td>
                            }
                        </tr>
                    }) }
                </tbody>
            </table>
            <p class="muted lb-explain">
                { "The share of the servers' time spent with at least i requests in hand (serving or waiting), over the whole run. ρ is the share with at least one. Choosing a server at random makes each an M/M/1 queue: ρ^i. Choosing the shorter of two queues makes the tail fall doubly exponentially as the servers grow many (Mitzenmacher, 2001); with few servers it lies between the two." }
            </p>
        </figure>
    }
}

/// p50 and p99 of successful requests, p99 of the time failed requests took to
/// fail, and the error rate, per window over the whole run.
pub fn latency_over_time(report: &Report) -> Html {
    let windows = &report.windows;
    let top = nice_ceiling(
        windows
            .iter()
            .flat_map(|window| [window.latency.p99_ms, window.failed_latency.p99_ms])
            .fold(0.0, f64::max),
    );
    let y = |ms: f64| LATENCY_HEIGHT - 2.0 - (LATENCY_HEIGHT - 4.0) * (ms / top).min(1.0);
    let series = |pick: fn(&WindowReport) -> Option<f64>| {
        path_through(windows.iter().map(|window| {
            pick(window).map(|ms| (time_x(window_middle(window, report), report.now_ms), y(ms)))
        }))
    };
    let p50 = series(|window| (window.latency.count > 0).then_some(window.latency.p50_ms));
    let p99 = series(|window| (window.latency.count > 0).then_some(window.latency.p99_ms));
    let failed =
        series(|window| (window.failed_latency.count > 0).then_some(window.failed_latency.p99_ms));
    let mut error_bars = String::new();
    for window in windows.iter().filter(|window| window.error_rate > 0.0) {
        let x = time_x(window.start_ms, report.now_ms);
        let width = (time_x(window.start_ms + report.window_ms, report.now_ms) - x).max(1.0);
        let height = (ERROR_HEIGHT - 2.0) * window.error_rate.min(1.0);
        push_rect(
            &mut error_bars,
            x,
            ERROR_HEIGHT - height,
            (width - 0.5).max(0.5),
            height,
        );
    }
    let latest = latest_complete_window(windows);
    let describe = |summary: Option<&LatencySummary>, pick: fn(&LatencySummary) -> f64| {
        summary
            .filter(|summary| summary.count > 0)
            .map_or_else(|| "none".to_string(), |summary| format_ms(pick(summary)))
    };
    let latest_p50 = describe(latest.map(|window| &window.latency), |summary| {
        summary.p50_ms
    });
    let latest_p99 = describe(latest.map(|window| &window.latency), |summary| {
        summary.p99_ms
    });
    let latest_failed = describe(latest.map(|window| &window.failed_latency), |summary| {
        summary.p99_ms
    });
    let latest_errors = latest.map_or(0.0, |window| window.error_rate);
    let worst_errors = windows
        .iter()
        .map(|window| window.error_rate)
        .fold(0.0, f64::max);
    let window = format_ms(report.window_ms);
    let label = format!(
        "Latency per {window} window over {}: in the latest complete window successful \
         requests took p50 {latest_p50} and p99 {latest_p99}, failed requests took p99 \
         {latest_failed} to fail, and {} of the requests that ended failed; the chart's top is {}.",
        format_seconds(report.now_ms),
        format_percent(latest_errors),
        format_ms(top)
    );
    html! {
        <figure class="lb-figure lb-latency-time">
            <figcaption>
                <h3>{ "Latency and errors over time" }</h3>
                <ul class="legend lb-legend">
                    <li>{ legend_swatch("lb-p99") }{ "p99 of successful requests" }</li>
                    <li>{ legend_swatch("lb-p50") }{ "p50 of successful requests" }</li>
                    <li>{ legend_swatch("lb-failed") }{ "p99 time to fail (failed requests)" }</li>
                </ul>
            </figcaption>
            <div class="lb-plot">
                <span class="lb-axis-top">{ format_ms(top) }</span>
                <svg class="lb-chart" viewBox={format!("0 0 {WIDTH} {LATENCY_HEIGHT}")} preserveAspectRatio="none"
                     role="img" aria-label={label}>
                    <line class="lb-axis" x1="0" y1={format!("{LATENCY_HEIGHT}")} x2={format!("{WIDTH}")} y2={format!("{LATENCY_HEIGHT}")} />
                    <path class="lb-failed" d={failed} />
                    <path class="lb-p50" d={p50} />
                    <path class="lb-p99" d={p99} />
                </svg>
            </div>
            <p class="lb-strip-label">{ format!("Error rate per window (bar height 0 to 100%; highest {})", format_percent(worst_errors)) }</p>
            <svg class="lb-chart lb-errors" viewBox={format!("0 0 {WIDTH} {ERROR_HEIGHT}")} preserveAspectRatio="none"
                 role="img" aria-label={format!("Error rate per window: latest complete window {}, highest {}",
                    format_percent(latest_errors), format_percent(worst_errors))}>
                <line class="lb-axis" x1="0" y1={format!("{ERROR_HEIGHT}")} x2={format!("{WIDTH}")} y2={format!("{ERROR_HEIGHT}")} />
                <path class="lb-error-bar" d={error_bars} />
            </svg>
            <p class="lb-axis-time"><span>{ "0 s" }</span><span>{ format_seconds(report.now_ms) }</span></p>
            <p class="lb-latest" data-window-p99-ms={latest.map(|window| format!("{:.3}", window.latency.p99_ms))}>
                { format!("Latest complete window: p50 {latest_p50}, p99 {latest_p99}, time to fail p99 {latest_failed}, error rate {}.",
                    format_percent(latest_errors)) }
            </p>
            <p class="muted lb-explain">
                { format!("Each point is one {window} window of virtual time. p50 and p99 cover only the requests \
                  that succeeded, timed by the client: the network both ways, the wait in the server's queue, the \
                  service and any retries. Requests that fail (at a dead or overloaded server) never reach those \
                  lines: the dotted line is how long they took to fail (an error reply or a timeout), and the bars \
                  are the share of the requests ending in each window that failed.") }
            </p>
        </figure>
    }
}

/// The stacked bars of one histogram bin: successes and failures in one latency range.
struct Bin {
    ms_low: f64,
    ms_high: f64,
    succeeded: u64,
    failed: u64,
}

/// Successful and failed bars merged by range (both histograms share one binning).
fn merged_bins(succeeded: &[HistogramBar], failed: &[HistogramBar]) -> Vec<Bin> {
    let mut bins: Vec<Bin> = succeeded
        .iter()
        .map(|bar| Bin {
            ms_low: bar.ms_low,
            ms_high: bar.ms_high,
            succeeded: bar.count,
            failed: 0,
        })
        .collect();
    for bar in failed {
        match bins.iter_mut().find(|bin| bin.ms_low == bar.ms_low) {
            Some(bin) => bin.failed += bar.count,
            None => bins.push(Bin {
                ms_low: bar.ms_low,
                ms_high: bar.ms_high,
                succeeded: 0,
                failed: bar.count,
            }),
        }
    }
    bins.sort_by(|a, b| a.ms_low.total_cmp(&b.ms_low));
    bins
}

/// The smallest latency a log axis shows, in ms: the first bar starts at 0 µs, which
/// has no logarithm.
const LOG_FLOOR_MS: f64 = 0.01;

/// The run's latency histogram on a log-scaled latency axis: successful requests
/// solid, failed ones hatched on top, with p50, p95 and p99 of the successes marked.
pub fn latency_histogram(report: &Report) -> Html {
    let bins = merged_bins(&report.latency_histogram, &report.failed_latency_histogram);
    if bins.is_empty() {
        return html! {
            <figure class="lb-figure lb-histogram">
                <figcaption><h3>{ "Latency histogram" }</h3></figcaption>
                <p class="muted">{ "No request has ended yet." }</p>
            </figure>
        };
    }
    let low = bins
        .iter()
        .map(|bin| bin.ms_low.max(LOG_FLOOR_MS))
        .fold(f64::INFINITY, f64::min);
    let high = bins
        .iter()
        .map(|bin| bin.ms_high.max(LOG_FLOOR_MS) + 0.001)
        .fold(0.0, f64::max)
        .max(low * 2.0);
    let (log_low, log_high) = (low.log10(), high.log10());
    let share =
        |ms: f64| ((ms.max(LOG_FLOOR_MS).log10() - log_low) / (log_high - log_low)).clamp(0.0, 1.0);
    let tallest = bins
        .iter()
        .map(|bin| bin.succeeded + bin.failed)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let height_of = |count: u64| (HISTOGRAM_HEIGHT - 2.0) * count as f64 / tallest;
    // Failed requests stack on top of the successes of the same latency range.
    let (mut ok_bars, mut failed_bars) = (String::new(), String::new());
    for bin in &bins {
        let x = share(bin.ms_low) * WIDTH;
        let width = ((share(bin.ms_high + 0.001) * WIDTH - x) - 0.6).max(0.6);
        let ok_height = height_of(bin.succeeded);
        let failed_height = height_of(bin.failed);
        if bin.succeeded > 0 {
            push_rect(
                &mut ok_bars,
                x,
                HISTOGRAM_HEIGHT - ok_height,
                width,
                ok_height,
            );
        }
        if bin.failed > 0 {
            let top = HISTOGRAM_HEIGHT - ok_height - failed_height;
            push_rect(&mut failed_bars, x, top, width, failed_height);
        }
    }
    let latency = &report.latency;
    let markers = [
        ("p50", latency.p50_ms, "lb-marker-p50"),
        ("p95", latency.p95_ms, "lb-marker-p95"),
        ("p99", latency.p99_ms, "lb-marker-p99"),
    ];
    let marker_lines = markers.iter().filter(|_| latency.count > 0).map(|(_, ms, class)| {
        let x = share(*ms) * WIDTH;
        html! { <line class={*class} x1={format!("{x:.1}")} x2={format!("{x:.1}")} y1="0" y2={format!("{HISTOGRAM_HEIGHT}")} /> }
    });
    let marker_labels = markers.iter().filter(|_| latency.count > 0).map(|(name, ms, _)| {
        html! { <span class={classes!("lb-marker-label", (*name == "p95").then_some("lb-marker-low"))} style={format!("left: {:.1}%", share(*ms) * 100.0)}>{ *name }</span> }
    });
    // Decade ticks (0.1, 1, 10, 100 ms...) that fall inside the axis.
    let ticks = (-2..=6)
        .map(|exponent| 10f64.powi(exponent))
        .filter(|ms| *ms >= low && *ms <= high)
        .map(|ms| {
            let text = if ms >= 1_000.0 { format!("{} s", ms / 1_000.0) } else { format!("{ms} ms") };
            html! { <span class="lb-tick" style={format!("left: {:.1}%", share(ms) * 100.0)}>{ text }</span> }
        });
    let failed = &report.failed_latency;
    let summary = if latency.count > 0 {
        format!(
            "{} successful requests: p50 {}, p95 {}, p99 {}, slowest {}.",
            latency.count,
            format_ms(latency.p50_ms),
            format_ms(latency.p95_ms),
            format_ms(latency.p99_ms),
            format_ms(latency.max_ms)
        )
    } else {
        "No request has succeeded yet.".to_string()
    };
    let failed_summary = if failed.count > 0 {
        format!(
            " {} failed requests ({} of those that ended), hatched: half failed within {}, 99% within {}.",
            failed.count,
            format_percent(report.error_rate),
            format_ms(failed.p50_ms),
            format_ms(failed.p99_ms)
        )
    } else {
        " No request failed.".to_string()
    };
    html! {
        <figure class="lb-figure lb-histogram">
            <figcaption>
                <h3>{ "Latency histogram of the whole run" }</h3>
            </figcaption>
            <div class="lb-plot">
                <div class="lb-marker-labels" aria-hidden="true">{ for marker_labels }</div>
                <svg class="lb-chart" viewBox={format!("0 0 {WIDTH} {HISTOGRAM_HEIGHT}")} preserveAspectRatio="none"
                     role="img" aria-label={format!("Histogram of request latency on a logarithmic axis from {} to {}. {summary}{failed_summary}",
                        format_ms(low), format_ms(high))}>
                    <line class="lb-axis" x1="0" y1={format!("{HISTOGRAM_HEIGHT}")} x2={format!("{WIDTH}")} y2={format!("{HISTOGRAM_HEIGHT}")} />
                    <path class="lb-bar-ok" d={ok_bars} />
                    <path class="lb-bar-failed" d={failed_bars} />
                    { for marker_lines }
                </svg>
                <div class="lb-ticks" aria-hidden="true">{ for ticks }</div>
            </div>
            <p class="lb-histogram-summary">{ summary }{ failed_summary }</p>
            <p class="muted lb-explain">
                { "Bars are log-scaled latency ranges (eight per doubling) from the run's exact histogram; height is the \
                   number of requests. A slow server shows as a second hump to the right of the main one." }
            </p>
        </figure>
    }
}

/// What a server's row says about it beyond its numbers: slowed, crashed, removed.
pub fn server_condition(server: &ServerReport) -> Option<String> {
    let mut words = Vec::new();
    match server.status.as_str() {
        "up" => {}
        other => words.push(other.to_string()),
    }
    if server.slowdown_percent != 100 {
        let factor = f64::from(server.slowdown_percent) / 100.0;
        words.push(if server.slowdown_percent > 100 {
            format!("slowed ×{factor}")
        } else {
            format!("sped up ×{factor}")
        });
    }
    (!words.is_empty()).then(|| words.join(", "))
}

/// One server's row: utilization per window (filled) and the longest queue per
/// window (dashed step line), with its numbers and condition as text.
fn server_row(server: &ServerReport, report: &Report, queue_top: f64) -> Html {
    let windows = &server.windows;
    let step = |value: &dyn Fn(&ServerWindowReport) -> f64| {
        let mut path = String::new();
        for (index, window) in windows.iter().enumerate() {
            let x0 = time_x(window.start_ms, report.now_ms);
            let x1 = time_x(window.start_ms + report.window_ms, report.now_ms);
            let y = SERVER_HEIGHT - 1.0 - (SERVER_HEIGHT - 2.0) * value(window).clamp(0.0, 1.0);
            let command = if index == 0 { 'M' } else { 'L' };
            let _ = write!(path, "{command}{x0:.1} {y:.1} L{x1:.1} {y:.1} ");
        }
        path
    };
    let utilization = step(&|window| window.utilization);
    let utilization_area = if windows.is_empty() {
        String::new()
    } else {
        let last_x = windows.last().map_or(0.0, |window| {
            time_x(window.start_ms + report.window_ms, report.now_ms)
        });
        let first_x = windows
            .first()
            .map_or(0.0, |window| time_x(window.start_ms, report.now_ms));
        format!("{utilization}L{last_x:.1} {SERVER_HEIGHT} L{first_x:.1} {SERVER_HEIGHT} Z")
    };
    let queue = step(&|window| f64::from(window.queue_length_max) / queue_top);
    let latest = match windows.len() {
        0 => None,
        1 => windows.first(),
        length => windows.get(length - 2),
    };
    let busy = latest.map_or(0.0, |window| window.utilization);
    let longest = latest.map_or(0, |window| window.queue_length_max);
    let condition = server_condition(server);
    let name = format!("n{}", server.node);
    let numbers = format!(
        "busy {} · queue {} now, longest {}",
        format_percent(busy),
        server.queue_length,
        longest
    );
    let marked = condition.is_some();
    html! {
        <li class={classes!("lb-server", marked.then_some("lb-server-marked"))} data-server={server.node.to_string()}>
            <p class="lb-server-head">
                <strong>{ name.clone() }</strong>
                if let Some(condition) = &condition {
                    <span class="lb-condition">{ condition.clone() }</span>
                }
                <span class="lb-server-numbers">{ numbers.clone() }</span>
            </p>
            <svg class="lb-chart lb-server-chart" viewBox={format!("0 0 {WIDTH} {SERVER_HEIGHT}")} preserveAspectRatio="none"
                 role="img" aria-label={format!("Server {name}{}: utilization and longest queue per window; {numbers}",
                    condition.as_ref().map(|condition| format!(" ({condition})")).unwrap_or_default())}>
                if marked {
                    <rect class="lb-marked-ground" x="0" y="0" width={format!("{WIDTH}")} height={format!("{SERVER_HEIGHT}")} />
                }
                <path class="lb-utilization-area" d={utilization_area} />
                <path class="lb-utilization" d={utilization} />
                <path class="lb-queue" d={queue} />
            </svg>
        </li>
    }
}

/// Small multiples: one row per server on a shared time axis, utilization from 0 to
/// 100% and the longest queue on one scale for every server, so rows compare.
pub fn server_charts(report: &Report) -> Html {
    let shown = &report.servers[..report.servers.len().min(SERVERS_DRAWN_MAX)];
    let queue_top = nice_ceiling(
        shown
            .iter()
            .flat_map(|server| {
                server
                    .windows
                    .iter()
                    .map(|window| f64::from(window.queue_length_max))
            })
            .fold(0.0, f64::max),
    );
    let hidden = report.servers.len() - shown.len();
    html! {
        <figure class="lb-figure lb-servers">
            <figcaption>
                <h3>{ "Servers over time" }</h3>
                <p class="muted lb-explain">
                    { format!("Each row runs from 0 s to {}. Its numbers: the share of its workers' time spent \
                      serving and the longest queue, both in the latest complete window, and the queue now.",
                      format_seconds(report.now_ms)) }
                </p>
                <ul class="legend lb-legend">
                    <li>{ legend_swatch("lb-utilization") }{ "utilization, 0 to 100% (filled)" }</li>
                    <li>{ legend_swatch("lb-queue") }{ format!("longest queue per window, 0 to {queue_top}") }</li>
                    <li><span class="lb-marked-key" aria-hidden="true"></span>{ "hatched: slowed, crashed or removed" }</li>
                </ul>
            </figcaption>
            <ul class="lb-server-list">
                { for shown.iter().map(|server| server_row(server, report, queue_top)) }
            </ul>
            if hidden > 0 {
                <p class="muted">{ format!("{hidden} more servers are listed in the figures below.") }</p>
            }
        </figure>
    }
}
