//! A message-passing lab: the canvas, the fault tools, playback, and the side panels, all
//! driven by one reducer.

use netsplit_core::scenario::Scenario;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::cluster_view::ClusterView;
use crate::components::event_log::EventLog;
use crate::components::fault_toolbar::fault_toolbar;
use crate::components::inspector::inspector;
use crate::components::lab_figures::lab_figures;
use crate::components::link_popover::LinkPopover;
use crate::components::metrics_strip::metrics_strip;
use crate::components::playback_bar::PlaybackBar;
use crate::components::run_about::run_about;
use crate::components::safety_panel::safety_panel;
use crate::components::scenario_form::ScenarioForm;
use crate::components::share_dialog::ShareDialog;
use crate::components::spacetime_view::spacetime_view;
use crate::hooks::use_animation_frame::use_animation_frame;
use crate::hooks::use_key_shortcuts::{Shortcut, use_key_shortcuts};
use crate::labs::LabEntry;
use crate::layout;
use crate::state::{Action, PlaygroundState};

/// The presets of lab `lab`, as `(name, scenario)`, skipping any that fail to parse.
pub fn lab_presets(lab: &str) -> Vec<(&'static str, Scenario)> {
    crate::bundle::current()
        .lab(lab)
        .map_or(&[][..], |entry| entry.presets)
        .iter()
        .filter_map(|(name, text)| Some((*name, Scenario::parse(text).ok()?)))
        .filter(|(_, scenario)| scenario.lab == lab)
        .collect()
}

/// Props of [`LabPage`].
#[derive(Properties, PartialEq)]
pub struct LabPageProps {
    /// The lab.
    pub entry: &'static LabEntry,
}

/// A lab's page: picks its first preset and runs it.
#[component]
pub fn LabPage(props: &LabPageProps) -> Html {
    let card = &props.entry.card;
    let presets = lab_presets(card.id);
    let embed = crate::embed::current();
    // A share link in the address is opened once, when the page starts; the browser
    // inflates it, so it arrives a moment later.
    let link = match crate::share::use_share_link(true, crate::share::engine_run) {
        crate::share::OpenedLink::Opening => {
            return html! {
                <main class="lab" aria-label={card.title} aria-busy="true">
                    <p class="pitch" role="status">{ "Opening the shared run…" }</p>
                </main>
            };
        }
        crate::share::OpenedLink::Read(read) => Some(*read),
        crate::share::OpenedLink::Absent => None,
    };
    let preset = embed.preset.as_deref().or(props.entry.default_preset);
    let Some(start) = crate::share::initial_run(card.id, link, preset, &presets) else {
        return html! {
            <main class="home">
                <h1>{ card.title }</h1>
                <p class="pitch">{ "This lab has no preset scenarios in this build yet." }</p>
                <a href="#/">{ "Back to all labs" }</a>
            </main>
        };
    };
    match PlaygroundState::new(card.id, start.scenario) {
        Ok(mut initial) => {
            crate::share::prepare(&mut initial, start.time_us, start.notice, &embed);
            html! { <Playground key={card.id} entry={props.entry} initial={initial} /> }
        }
        Err(reason) => html! {
            <main class="home">
                <h1>{ card.title }</h1>
                <p class="field-error" role="alert">{ format!("The default scenario could not start: {reason}") }</p>
            </main>
        },
    }
}

/// Props of [`Playground`].
#[derive(Properties)]
pub struct PlaygroundProps {
    /// The lab.
    pub entry: &'static LabEntry,
    /// The state to start from.
    pub initial: PlaygroundState,
    /// A lab's own panel, drawn at the top of the side column from the live state.
    #[prop_or_default]
    pub side_panel: Option<Callback<crate::state::PlaygroundHandle, Html>>,
    /// Whether the page shows its own scenario menu above the playground (the rate limiting
    /// page's distributed tab offers only its distributed presets, with their settings), so
    /// the playground shows none: one menu, every choice in it a meaningful run.
    #[prop_or_default]
    pub page_chooses_scenario: bool,
}

impl PartialEq for PlaygroundProps {
    fn eq(&self, other: &Self) -> bool {
        self.entry == other.entry
    }
}

/// The playground: one reducer, every panel.
#[component]
pub fn Playground(props: &PlaygroundProps) -> Html {
    let initial = props.initial.clone();
    let state = use_reducer(move || initial);
    let entry = props.entry;
    let card = &entry.card;

    {
        let state = state.clone();
        use_animation_frame(
            state.animating(),
            Callback::from(move |wall_ms: f64| state.dispatch(Action::Frame { wall_ms })),
        );
    }
    {
        let state = state.clone();
        use_key_shortcuts(Callback::from(move |shortcut| match shortcut {
            Shortcut::TogglePlay => state.dispatch(Action::TogglePlay),
            Shortcut::Step => state.dispatch(Action::Step),
        }));
    }

    crate::host_api::use_host_api(state.clone());
    crate::components::share_dialog::use_file_drop(state.clone());
    // On narrow screens the description is cut to three lines until asked for, so the
    // cluster shows without scrolling (styles.css shows the button only there).
    let description_open = use_state(|| false);

    let presets = lab_presets(card.id);
    let on_preset = {
        let state = state.clone();
        let presets = presets.clone();
        Callback::from(move |event: Event| {
            let name = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|select| select.value())
                .unwrap_or_default();
            if let Some((_, scenario)) = presets.iter().find(|(preset, _)| *preset == name) {
                state.dispatch(Action::Load(Box::new(scenario.clone())));
            }
        })
    };
    let base_title = state.base.title.clone();
    let description = state.base.description.clone().unwrap_or_default();
    let client_request = entry.client_request();

    let popover = state.selected_link.and_then(|(a, b)| {
        let nodes = state.run.borrow().nodes();
        let ids: Vec<_> = nodes
            .iter()
            .filter(|node| node.status != netsplit_core::NodeStatus::Removed)
            .map(|node| node.id)
            .collect();
        let points = layout::positions(&ids, &state.positions);
        let pa = points[ids.iter().position(|&id| id == a)?];
        let pb = points[ids.iter().position(|&id| id == b)?];
        Some(html! { <LinkPopover state={state.clone()} link={(a, b)} at={pa.lerp(pb, 0.5)} /> })
    });

    html! {
        <main class="lab" aria-label={card.title}>
            <div class="lab-title">
                <h1>{ card.title }</h1>
                if !props.page_chooses_scenario {
                    <label>
                        { "Scenario " }
                        <select aria-label="Scenario" onchange={on_preset}>
                            { for presets.iter().map(|(name, scenario)| html! {
                                <option value={*name} selected={Some(scenario.title.clone()) == Some(base_title.clone()) && scenario.title.is_some()}>
                                    { scenario.title.clone().unwrap_or_else(|| name.to_string()) }
                                </option>
                            }) }
                        </select>
                    </label>
                }
                <ShareDialog<crate::state::PlaygroundHandle> state={state.clone()} />
                <p id="scenario-description" class={classes!("scenario-description", (*description_open).then_some("open"))}>{ description }</p>
                <button class="description-toggle" aria-controls="scenario-description"
                    aria-expanded={(*description_open).to_string()}
                    onclick={let open = description_open.clone(); move |_| open.set(!*open)}>
                    { if *description_open { "Less about this scenario" } else { "More about this scenario" } }
                </button>
            </div>
            { fault_toolbar(&state, client_request) }
            <div class="lab-notices">
                if let Some(notice) = &state.notice {
                    <p class="field-error notice" role="alert">{ notice }</p>
                }
                if let Some(stop) = &state.stopped_by {
                    <p class="banner" role="status">{ stop }</p>
                }
                if state.lagging {
                    <p class="banner" role="status">{ "The simulation cannot keep up at this speed: time runs slower than asked." }</p>
                }
            </div>
            <div class="canvas-wrap">
                <ClusterView state={state.clone()} />
                { popover.unwrap_or_default() }
            </div>
            <PlaybackBar state={state.clone()} />
            { spacetime_view(&state) }
            <aside class="side">
                { props.side_panel.as_ref().map(|panel| panel.emit(state.clone())).unwrap_or_default() }
                { safety_panel(&state) }
                { run_about(&state) }
                <ScenarioForm base={state.base.clone()} dispatcher={state.dispatcher()} />
                { inspector(&state) }
                <EventLog state={state.clone()} />
            </aside>
            { metrics_strip(&state) }
            <div class="lab-extras">
                { lab_figures(&state) }
                { (entry.extras)(&state) }
            </div>
        </main>
    }
}
