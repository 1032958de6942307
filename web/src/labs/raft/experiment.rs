//! The Raft paper's election-time experiment (Figure 16) in the browser: crash the leader,
//! time how long the cluster has no leader, over many seeds, for several election-timeout
//! ranges, and draw each range's CDF. The runs happen a few seeds per animation frame, so
//! the page stays responsive and a progress bar moves.
//!
//! The published Raft page leaves this panel to a part of its own (the `raft-experiment`
//! bundle, see `crate::remote_part`): its first visit downloads only [`ExperimentLauncher`],
//! which fetches the part when the learner asks for the experiment.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use netsplit_core::labs::raft::experiment::{self, ElectionTimeSeries, PAPER_RANGES_MS};
use netsplit_core::scenario::Scenario;
use yew::prelude::*;

/// Seeds per range in one experiment.
pub const SEEDS_PER_RANGE: u64 = 100;

/// Wall-clock budget of one chunk of work, in ms, before yielding to the browser.
const CHUNK_MS: f64 = 12.0;

#[derive(Clone, PartialEq, Default)]
struct Progress {
    running: bool,
    done: u64,
    total: u64,
    series: Vec<ElectionTimeSeries>,
    error: Option<String>,
}

/// The panel's heading and what it does, shared by the launcher and the panel.
const HEADING: &str = "Election time after a leader crash (Raft paper, Figure 16)";

fn explanation() -> String {
    format!(
        "Crash the leader in a 5-server cluster and time how long it has no leader, over {SEEDS_PER_RANGE} seeds per election-timeout range. More randomness in the timeout means fewer split votes."
    )
}

/// Props of [`RaftExperiment`].
#[derive(Properties, PartialEq)]
pub struct RaftExperimentProps {
    /// Starts the experiment as soon as the panel shows (the learner already asked for it).
    #[prop_or_default]
    pub autostart: bool,
}

/// The experiment panel.
#[component]
pub fn RaftExperiment(props: &RaftExperimentProps) -> Html {
    let progress = use_state(Progress::default);
    // The work queue lives outside Yew's state so chunks can take from it without re-rendering.
    let job = use_mut_ref(|| None::<Job>);
    let start = {
        let progress = progress.clone();
        let job = job.clone();
        Callback::from(move |()| {
            let base = match Scenario::parse(experiment::PRESET) {
                Ok(base) => base,
                Err(error) => {
                    progress.set(Progress {
                        error: Some(error.to_string()),
                        ..Progress::default()
                    });
                    return;
                }
            };
            let series: Vec<ElectionTimeSeries> = PAPER_RANGES_MS
                .iter()
                .map(|&(min, max)| ElectionTimeSeries {
                    election_timeout_ms_min: min,
                    election_timeout_ms_max: max,
                    samples_ms: Vec::new(),
                    without_leader: 0,
                })
                .collect();
            let total = SEEDS_PER_RANGE * series.len() as u64;
            *job.borrow_mut() = Some(Job {
                base,
                next: 0,
                total,
                series: series.clone(),
            });
            progress.set(Progress {
                running: true,
                done: 0,
                total,
                series,
                error: None,
            });
            run_chunk(job.clone(), progress.clone());
        })
    };
    {
        let start = start.clone();
        use_effect_with(props.autostart, move |autostart| {
            if *autostart {
                start.emit(());
            }
        });
    }
    let percent = if progress.total == 0 {
        0.0
    } else {
        100.0 * progress.done as f64 / progress.total as f64
    };
    html! {
        <section class="panel raft-experiment" aria-label="Election-time experiment">
            <h2>{ HEADING }</h2>
            <p class="muted">{ explanation() }</p>
            <button onclick={start.reform(|_| ())} disabled={progress.running} aria-label="Run the election-time experiment">
                { if progress.running { "Running…" } else { "Run experiment" } }
            </button>
            if progress.total > 0 {
                <progress max="100" value={format!("{percent:.0}")} aria-label="Experiment progress">{ format!("{percent:.0}%") }</progress>
                <span class="experiment-count">{ format!(" {} / {} runs", progress.done, progress.total) }</span>
            }
            if let Some(error) = &progress.error { <p class="field-error" role="alert">{ error }</p> }
            if progress.series.iter().any(|series| !series.samples_ms.is_empty()) {
                { cdf_chart(&progress.series) }
            }
        </section>
    }
}

struct Job {
    base: Scenario,
    next: u64,
    total: u64,
    series: Vec<ElectionTimeSeries>,
}

fn run_chunk(job: Rc<RefCell<Option<Job>>>, progress: UseStateHandle<Progress>) {
    let started = js_sys::Date::now();
    let snapshot = {
        let mut guard = job.borrow_mut();
        let Some(work) = guard.as_mut() else { return };
        while work.next < work.total && js_sys::Date::now() - started < CHUNK_MS {
            let range = (work.next / SEEDS_PER_RANGE) as usize;
            let seed = work.next % SEEDS_PER_RANGE + 1;
            let series = &mut work.series[range];
            let scenario = experiment::with_timeout_range(
                &work.base,
                series.election_timeout_ms_min,
                series.election_timeout_ms_max,
                seed,
            );
            match experiment::election_time_ms(&scenario) {
                Ok(Some(ms)) => {
                    let at = series.samples_ms.partition_point(|&other| other <= ms);
                    series.samples_ms.insert(at, ms);
                }
                Ok(None) => series.without_leader += 1,
                Err(error) => {
                    let message = error.to_string();
                    *guard = None;
                    progress.set(Progress {
                        error: Some(message),
                        ..(*progress).clone()
                    });
                    return;
                }
            }
            work.next += 1;
        }
        Progress {
            running: work.next < work.total,
            done: work.next,
            total: work.total,
            series: work.series.clone(),
            error: None,
        }
    };
    let more = snapshot.running;
    progress.set(snapshot);
    if more {
        // A timeout of 0 yields to the browser so it can paint and handle input between chunks.
        Timeout::new(0, move || run_chunk(job, progress)).forget();
    }
}

fn cdf_chart(series: &[ElectionTimeSeries]) -> Html {
    const W: f64 = 560.0;
    const H: f64 = 220.0;
    const PAD: f64 = 36.0;
    let max_ms = series
        .iter()
        .flat_map(|series| series.samples_ms.last().copied())
        .fold(150.0_f64, f64::max)
        .min(10_000.0);
    let x = |ms: f64| PAD + (W - PAD - 8.0) * (ms.min(max_ms) / max_ms);
    let y = |fraction: f64| H - PAD - (H - PAD - 8.0) * fraction;
    let colours = [
        "#2458c6", "#c77700", "#1f7a3a", "#b3261e", "#7a3fbf", "#00838f",
    ];
    let dashes = ["none", "6 3", "2 3", "8 3 2 3", "1 2", "10 4"];
    html! {
        <figure class="cdf">
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label="Cumulative fraction of runs with a new leader by time since the crash, one line per timeout range">
                <line x1={PAD.to_string()} y1={y(0.0).to_string()} x2={(W - 8.0).to_string()} y2={y(0.0).to_string()} stroke="var(--muted)" />
                <line x1={PAD.to_string()} y1={y(0.0).to_string()} x2={PAD.to_string()} y2="8" stroke="var(--muted)" />
                <text x={PAD.to_string()} y={(H - 12.0).to_string()} font-size="11" fill="var(--muted)">{ "0 ms" }</text>
                <text x={(W - 8.0).to_string()} y={(H - 12.0).to_string()} font-size="11" text-anchor="end" fill="var(--muted)">{ format!("{max_ms:.0} ms") }</text>
                <text x="4" y={y(1.0).to_string()} font-size="11" fill="var(--muted)">{ "100%" }</text>
                { for series.iter().enumerate().map(|(index, series)| {
                    let mut points = format!("{:.1},{:.1}", x(0.0), y(0.0));
                    for (ms, fraction) in series.cdf() {
                        points.push_str(&format!(" {:.1},{:.1} {:.1},{:.1}", x(ms), y(fraction - 1.0 / (series.samples_ms.len() as f64 + series.without_leader as f64).max(1.0)), x(ms), y(fraction)));
                    }
                    html! { <polyline points={points} fill="none" stroke={colours[index % colours.len()]} stroke-width="2" stroke-dasharray={dashes[index % dashes.len()]} /> }
                }) }
            </svg>
            <figcaption>
                <ul class="legend">
                    { for series.iter().enumerate().map(|(index, series)| html! {
                        <li>
                            <svg width="26" height="10" aria-hidden="true"><line x1="0" y1="5" x2="26" y2="5" stroke={colours[index % colours.len()]} stroke-width="2" stroke-dasharray={dashes[index % dashes.len()]} /></svg>
                            { format!("{}–{} ms: median {}", series.election_timeout_ms_min, series.election_timeout_ms_max,
                                series.quantile_ms(0.5).map(|ms| format!("{ms:.0} ms")).unwrap_or_else(|| "–".into())) }
                        </li>
                    }) }
                </ul>
            </figcaption>
        </figure>
    }
}

/// The name of the part that carries the panel, and of its bundle.
pub const PART: &str = "raft-experiment";

/// What the launcher asks of the part: run the experiment at once (the learner clicked "Run
/// experiment" to get it).
pub const RUN_NOW: &str = "run";

/// The panel, as a part: it starts the experiment at once when asked to [`RUN_NOW`] (the
/// launcher's request); a page that carries the part itself shows it idle.
pub fn part(request: Option<String>) -> Html {
    html! { <RaftExperiment autostart={request.as_deref() == Some(RUN_NOW)} /> }
}

/// The panel in a page whose bundle leaves the experiment to its part: the same heading,
/// words and button; a click downloads the part, which replaces the launcher's section with
/// the panel and runs the experiment. The host is always there, empty until then, asking for
/// [`RUN_NOW`], so the part finds it whenever it arrives.
#[component]
pub fn ExperimentLauncher() -> Html {
    use crate::remote_part::{HOST_ID, load, show_failure};
    let asked = use_state(|| false);
    let host = use_node_ref();
    let onclick = {
        let asked = asked.clone();
        let host = host.clone();
        Callback::from(move |_| {
            asked.set(true);
            if let (Err(reason), Some(element)) = (load(PART), host.cast::<web_sys::Element>()) {
                show_failure(&element, &reason);
            }
        })
    };
    html! { <>
        <div id={HOST_ID} class="remote-part" data-preset={RUN_NOW} data-shown="true" ref={host}></div>
        if *asked {
            <p class="remote-part-loading muted" role="status">{ "Loading the election-time experiment…" }</p>
        } else {
            <section class="panel raft-experiment" aria-label="Election-time experiment">
                <h2>{ HEADING }</h2>
                <p class="muted">{ explanation() }</p>
                <button {onclick} aria-label="Run the election-time experiment">{ "Run experiment" }</button>
            </section>
        }
    </> }
}
