//! The rate limiting lab's page. Two views behind tabs:
//!
//! - **Side by side**: the same requests into every selected algorithm, each with its own
//!   timeline, so the learner sees where a fixed window lets twice the limit through, where a
//!   sliding counter guesses, and how a shaper delays what a meter rejects. The decisions come
//!   from the core's `compare`; this page draws them and animates a cursor through them.
//! - **Distributed limiter**: the engine's `ratelimit` lab in the generic playground, where
//!   crashing the central counter or cutting links pushes the cluster over its global limit.

use netsplit_core::labs::ratelimit::AlgorithmKind;
use netsplit_core::protocol::Time;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::share_dialog::{ShareDialog, Shareable, Snapshot};
use crate::hooks::use_animation_frame::use_animation_frame;
use crate::labs::ratelimit::controls::{
    RateLimitAlgorithms, RateLimitLimitFields, RateLimitTraffic,
};
use crate::labs::ratelimit::model::{
    SideBySideAction, SideBySideState, algorithm_label, format_ms, rate_limit_presets,
    reference_algorithm, requests_in_dispute, requests_until,
};
use crate::labs::ratelimit::timeline::{RateLimitMarkShapes, RateLimitTimeline};
use crate::remote_part::{PartRequest, RemotePart};

use super::DISTRIBUTED_PART;

/// The page's two views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitTab {
    /// Every algorithm on the same requests.
    SideBySide,
    /// The distributed limiter on the engine.
    Distributed,
}

/// The preset the page opens with: the boundary burst, the lab's headline.
pub const FIRST_PRESET: &str = "ratelimit-boundary-burst";

/// The rate limiting lab: opens the share link in the address, if any, then the page.
#[component]
pub fn RateLimitLab() -> Html {
    // The browser inflates the link, so it arrives a moment after the page starts.
    let link = match crate::share::use_share_link(true, crate::share::engine_run) {
        crate::share::Opened::Opening => {
            return html! {
                <main class="ratelimit" aria-label="Rate limiting" aria-busy="true">
                    <p class="pitch" role="status">{ "Opening the shared run…" }</p>
                </main>
            };
        }
        crate::share::Opened::Read(read) => Some(*read),
        crate::share::Opened::Absent => None,
    };
    html! { <RateLimitOpened link={link} /> }
}

/// Props of [`RateLimitOpened`].
#[derive(Properties, PartialEq)]
pub struct RateLimitOpenedProps {
    /// What the share link in the address gave, if there is one.
    pub link: Option<Result<netsplit_core::share::SharedRun, netsplit_core::share::ShareError>>,
}

/// Whether a share link's scenario runs a distributed limiter (a link from the distributed
/// tab, which that tab replays) rather than the side-by-side view's algorithms.
fn is_distributed(run: &netsplit_core::share::SharedRun) -> bool {
    run.scenario.params.get("distributed").is_some()
}

/// The side-by-side view a share link opens: its scenario at its time, or the first preset
/// (the embed's, if it names one) with a notice saying why the link could not be opened.
fn side_by_side_of(
    link: Option<&Result<netsplit_core::share::SharedRun, netsplit_core::share::ShareError>>,
) -> SideBySideState {
    let embed = crate::embed::current().preset;
    let first = embed
        .as_deref()
        .filter(|name| {
            rate_limit_presets()
                .iter()
                .any(|preset| preset.name == *name)
        })
        .unwrap_or(FIRST_PRESET);
    let opened = match link {
        None => return SideBySideState::with_preset(first),
        Some(Ok(run)) if is_distributed(run) => return SideBySideState::with_preset(first),
        Some(Ok(run)) => SideBySideState::from_scenario(&run.scenario, run.time_us),
        Some(Err(error)) => Err(error.to_string()),
    };
    opened.unwrap_or_else(|reason| {
        let mut state = SideBySideState::with_preset(first);
        state.notice = Some(format!(
            "This share link could not be opened: {reason}. Showing the first preset instead."
        ));
        state
    })
}

/// The rate limiting page, started from the share link (if any): a link of the distributed
/// tab opens that tab, any other the side-by-side view.
#[component]
pub fn RateLimitOpened(props: &RateLimitOpenedProps) -> Html {
    let tab = use_state(|| match &props.link {
        Some(Ok(run)) if is_distributed(run) => RateLimitTab::Distributed,
        _ => RateLimitTab::SideBySide,
    });
    // The distributed view's code is in this bundle (the development build), or in a part
    // downloaded when the tab is first opened (the published site, `crate::remote_part`).
    let local_distributed = crate::bundle::current().part(DISTRIBUTED_PART);
    let part_requested = use_mut_ref(|| false);
    let state = {
        let link = props.link.clone();
        use_reducer(move || side_by_side_of(link.as_ref()))
    };
    let distributed_preset = use_state(|| None::<String>);
    {
        let state = state.clone();
        use_animation_frame(
            state.playing && *tab == RateLimitTab::SideBySide,
            Callback::from(move |wall_ms: f64| state.dispatch(SideBySideAction::Frame(wall_ms))),
        );
    }
    let tab_button = |which: RateLimitTab, id: &'static str, words: &'static str| {
        let selected = *tab == which;
        let onclick = {
            let tab = tab.clone();
            Callback::from(move |_| tab.set(which))
        };
        html! {
            <button type="button" role="tab" id={id} aria-selected={if selected { "true" } else { "false" }}
                aria-controls="rl-panel" tabindex={if selected { "0" } else { "-1" }} onclick={onclick}>
                { words }
            </button>
        }
    };
    // Arrow keys move between tabs, as the tabs pattern of WAI-ARIA expects.
    let on_tab_key = {
        let tab = tab.clone();
        Callback::from(move |event: KeyboardEvent| {
            let next = match event.key().as_str() {
                "ArrowRight" | "ArrowLeft" | "Home" | "End" => match *tab {
                    RateLimitTab::SideBySide => RateLimitTab::Distributed,
                    RateLimitTab::Distributed => RateLimitTab::SideBySide,
                },
                _ => return,
            };
            event.prevent_default();
            tab.set(next);
            let id = match next {
                RateLimitTab::SideBySide => "rl-tab-side",
                RateLimitTab::Distributed => "rl-tab-distributed",
            };
            if let Some(button) = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.get_element_by_id(id))
                .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = button.focus();
            }
        })
    };
    let side_by_side = match *tab {
        RateLimitTab::SideBySide => html! {
            <SideBySide state={state.clone()} on_distributed={{
                let tab = tab.clone();
                let distributed_preset = distributed_preset.clone();
                Callback::from(move |name: String| {
                    distributed_preset.set(Some(name));
                    tab.set(RateLimitTab::Distributed);
                })
            }} />
        },
        RateLimitTab::Distributed => Html::default(),
    };
    let shown = *tab == RateLimitTab::Distributed;
    let distributed = if let Some(view) = local_distributed {
        shown.then(|| html! {
            <div id="rl-panel" role="tabpanel" aria-labelledby="rl-tab-distributed" class="rl-distributed">
                { view((*distributed_preset).clone()) }
            </div>
        })
    } else {
        // Once asked for, the part's host stays in the tree (hidden with the tab) so the part
        // keeps rendering into it; it renders nothing while hidden.
        if shown {
            *part_requested.borrow_mut() = true;
        }
        let requested = *part_requested.borrow();
        requested.then(|| html! {
            <div id={shown.then_some("rl-panel")} role={shown.then_some("tabpanel")}
                 aria-labelledby={shown.then_some("rl-tab-distributed")} class="rl-distributed" hidden={!shown}>
                <RemotePart bundle={DISTRIBUTED_PART} label="the distributed limiter"
                    request={PartRequest { preset: (*distributed_preset).clone(), shown }} />
            </div>
        })
    };
    html! {
        <div class="rl-page">
            <nav class="rl-tabs-bar" aria-label="Rate limiting views">
                <div role="tablist" aria-label="Rate limiting views" class="rl-tabs" onkeydown={on_tab_key}>
                    { tab_button(RateLimitTab::SideBySide, "rl-tab-side", "Side by side") }
                    { tab_button(RateLimitTab::Distributed, "rl-tab-distributed", "Distributed limiter") }
                </div>
            </nav>
            { side_by_side }
            { distributed }
        </div>
    }
}

/// Props of [`SideBySide`].
#[derive(Properties, PartialEq)]
pub struct SideBySideProps {
    /// The view's reducer handle (kept by the page so switching tabs keeps the form).
    pub state: UseReducerHandle<SideBySideState>,
    /// Called with a distributed preset's name when the learner asks to run it on the engine.
    pub on_distributed: Callback<String>,
}

/// The side-by-side view.
#[component]
pub fn SideBySide(props: &SideBySideProps) -> Html {
    let state = props.state.clone();
    // Read once: the view re-renders every animation frame while the cursor plays.
    let presets = use_memo((), |_| rate_limit_presets());
    crate::components::share_dialog::use_file_drop(state.clone());
    let preset = state
        .preset
        .and_then(|name| presets.iter().find(|preset| preset.name == name))
        .cloned();
    let on_preset = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let name = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|select| select.value())
                .unwrap_or_default();
            state.dispatch(SideBySideAction::LoadPreset(name));
        })
    };
    let comparison = state.comparison.clone();
    let duration_us = state.duration_us();
    let reference = reference_algorithm(&comparison);
    let on_add = {
        let state = state.clone();
        Callback::from(move |at_ms: u64| state.dispatch(SideBySideAction::AddRequest(at_ms)))
    };
    let on_play = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(SideBySideAction::TogglePlay))
    };
    let on_show_all = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(SideBySideAction::SeekCursor(None)))
    };
    let on_scrub = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let value = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|input| input.value_as_number())
                .unwrap_or(f64::NAN);
            if value.is_finite() && value >= 0.0 {
                state.dispatch(SideBySideAction::SeekCursor(Some(
                    (value * 1_000.0) as Time,
                )));
            }
        })
    };
    let shown = state.cursor_us.map_or(comparison.arrivals.len(), |cursor| {
        requests_until(&comparison, cursor)
    });
    let disputed = requests_in_dispute(&comparison);
    let pair = (
        comparison.run(AlgorithmKind::FixedWindow).is_some(),
        comparison.run(AlgorithmKind::SlidingWindowLog).is_some(),
    );
    let pair_line = (pair == (true, true)).then(|| {
        let count = comparison
            .disagreements(AlgorithmKind::FixedWindow, AlgorithmKind::SlidingWindowLog)
            .len();
        html! {
            <p class="rl-pair">
                { "Fixed window and sliding window log decide " }
                <strong class="rl-pair-count">{ count }</strong>
                { if count == 1 { " request differently." } else { " requests differently." } }
            </p>
        }
    });
    let distributed_button = preset.as_ref().filter(|preset| preset.is_distributed()).map(|preset| {
        let on_distributed = props.on_distributed.clone();
        let name = preset.name.to_string();
        html! {
            <button type="button" onclick={Callback::from(move |_| on_distributed.emit(name.clone()))}>
                { "Run this preset's distributed limiter" }
            </button>
        }
    });
    let restore = preset.as_ref().filter(|_| state.modified).map(|preset| {
        let state = state.clone();
        let name = preset.name.to_string();
        html! {
            <button type="button" onclick={Callback::from(move |_| state.dispatch(SideBySideAction::LoadPreset(name.clone())))}>
                { "Restore the preset" }
            </button>
        }
    });
    let cursor_ms = state.cursor_us.unwrap_or(duration_us) / 1_000;
    html! {
        <main id="rl-panel" role="tabpanel" aria-labelledby="rl-tab-side" class="ratelimit">
            <RateLimitMarkShapes />
            <div class="lab-title">
                <h1>{ "Rate limiting" }</h1>
                <div class="rl-field rl-preset">
                    <label for="rl-preset">{ "Preset" }</label>
                    <select id="rl-preset" onchange={on_preset}>
                        if state.preset.is_none() {
                            <option value="" selected=true>{ "Your own" }</option>
                        }
                        { for presets.iter().map(|option| html! {
                            <option value={option.name} selected={state.preset == Some(option.name)}>{ option.title.clone() }</option>
                        }) }
                    </select>
                </div>
                <ShareDialog<UseReducerHandle<SideBySideState>> state={state.clone()} />
                if let Some(notice) = &state.notice {
                    <p class="field-error notice" role="alert">{ notice.clone() }</p>
                }
                <p class="scenario-description rl-preset-description">
                    { preset.as_ref().map(|preset| preset.description.clone()).unwrap_or_default() }
                </p>
                if let Some(restore) = restore {
                    <p class="muted rl-modified" role="status">
                        { "You changed this preset's settings; the description is of the preset as shipped. " }
                        { restore }
                    </p>
                }
                { distributed_button.unwrap_or_default() }
            </div>
            <div class="rl-controls">
                <RateLimitAlgorithms state={state.clone()} />
                <RateLimitLimitFields state={state.clone()} />
                <RateLimitTraffic state={state.clone()} />
            </div>
            <div class="rl-results">
                <div class="rl-playback">
                    <button type="button" class="primary" onclick={on_play}
                        aria-label={if state.playing { "Pause" } else { "Play" }}>
                        { if state.playing { "❚❚ Pause" } else { "▶ Play" } }
                    </button>
                    <label class="rl-scrub">
                        <span class="visually-hidden">{ "Cursor (ms)" }</span>
                        <input type="range" min="0" max={state.duration_ms.to_string()} step="1"
                            value={cursor_ms.to_string()} oninput={on_scrub} aria-label="Cursor (ms)"
                            aria-valuetext={format_ms(cursor_ms * 1_000)} />
                    </label>
                    <span class="rl-clock" aria-live="off">{ format_ms(cursor_ms * 1_000) }</span>
                    <button type="button" onclick={on_show_all} disabled={state.cursor_us.is_none()}>
                        { "Show all" }
                    </button>
                </div>
                <p class="rl-summary" role="status">
                    { format!("{} of {} requests shown; the selected algorithms disagree on ", shown, comparison.arrivals.len()) }
                    <strong class="rl-disagreements">{ disputed }</strong>
                    { "." }
                </p>
                { pair_line.unwrap_or_default() }
                <ul class="legend rl-legend" aria-label="Legend">
                    <li><svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="5" class="rl-swatch admit" /></svg>{ "admitted (upper row)" }</li>
                    <li><svg width="14" height="14" aria-hidden="true"><path d="M2 2 L12 12 M2 12 L12 2" class="rl-swatch reject" /></svg>{ "rejected (lower row)" }</li>
                    <li><svg width="14" height="14" aria-hidden="true"><path d="M7 1 L13 7 L7 13 L1 7 Z" class="rl-swatch delay" /></svg>{ "delayed (line to its departure tick)" }</li>
                    <li><svg width="18" height="14" aria-hidden="true"><line x1="0" y1="7" x2="18" y2="7" class="rl-swatch level" /></svg>{ "level (tokens, water, queue or window count)" }</li>
                </ul>
                if comparison.runs.is_empty() {
                    <p class="muted">{ "Pick at least one algorithm to see its decisions." }</p>
                }
                { for comparison.runs.iter().enumerate().map(|(index, run)| html! {
                    <RateLimitTimeline key={run.algorithm.name()} comparison={comparison.clone()} levels={state.levels.clone()} run={index}
                        duration_us={duration_us} reference={reference} cursor_us={state.cursor_us}
                        on_add={on_add.clone()} />
                }) }
                if !comparison.runs.is_empty() {
                    <p class="muted rl-hint">{ format!("Differences are counted against the {}.",
                        reference.map(algorithm_label).unwrap_or("first algorithm").to_ascii_lowercase()) }</p>
                }
            </div>
        </main>
    }
}

/// The side-by-side view as the share dialog sees it: its form as a scenario, its cursor as
/// the link's time.
impl Shareable for UseReducerHandle<SideBySideState> {
    const PROMISE: &'static str = "Anyone who opens this link sees this view as it is now: the same algorithms, limit, traffic, cursor and decisions.";

    fn lab(&self) -> String {
        "ratelimit".to_string()
    }

    fn snapshot(&self) -> Result<Snapshot, String> {
        let scenario = self.scenario()?;
        Ok(Snapshot {
            json: scenario.to_json(),
            time_us: self.cursor_us,
            title: scenario
                .title
                .unwrap_or_else(|| "Netsplit rate limiting, side by side".to_string()),
        })
    }

    fn pause(&self) {
        if self.playing {
            self.dispatch(SideBySideAction::TogglePlay);
        }
    }

    fn notice(&self, notice: String) {
        self.dispatch(SideBySideAction::Notice(notice));
    }

    fn import(&self, file: Result<crate::share::ScenarioFile, String>) {
        match file.and_then(|file| file.parse(netsplit_core::scenario::Scenario::parse)) {
            Ok(scenario) => self.dispatch(SideBySideAction::Open(Box::new(scenario))),
            Err(reason) => self.dispatch(SideBySideAction::Notice(reason)),
        }
    }
}
