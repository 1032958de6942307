//! The space-time (Lamport) diagram under the cluster: one lane per node, time running
//! left to right, each message an arrow from its send to its delivery (a cross where it
//! was dropped, a dashed line to now while it flies). It shows the newest stretch of
//! virtual time and so scrolls while the run plays and follows the scrubber; clicking a
//! mark or an arrow selects that event (as the event log does) and seeks there, and the
//! selected event's causal past and future are highlighted.
//!
//! Everything drawn comes from one bounded core query, [`netsplit_core::lab::LabRun::spacetime`]; the
//! "Export SVG" button saves the core's own drawing of the same window.

use netsplit_core::NodeStatus;
use netsplit_core::protocol::{NodeId, Time};
use netsplit_core::spacetime::{SpacetimeEvent, SpacetimeWindow, SvgOptions, to_svg};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use std::rc::Rc;

use crate::components::cluster_view::message_colour_index;
use crate::state::{Action, DiagramView, PlaygroundHandle};

/// The most marks one window asks the core for; past it the core samples messages evenly
/// and the view says so.
pub const SPACETIME_EVENTS_MAX: usize = 600;
/// The most while the run plays: the drawing is redrawn every frame then, and a 15-server
/// Raft at 10x fills a window with thousands of marks (`node e2e/bench/frames.mjs raft`:
/// median frame 15.4 ms with 600, 8.6 ms with 250, on 2 shared cores). Paused, the full
/// [`SPACETIME_EVENTS_MAX`] are drawn.
pub const SPACETIME_EVENTS_PLAYING_MAX: usize = 250;
/// The most messages in flight drawn.
pub const IN_FLIGHT_DRAWN_MAX: usize = 200;
/// The most lanes drawn; a larger cluster shows its first lanes and says so.
pub const LANES_DRAWN_MAX: u32 = 40;
/// The window's width when the page opens, in virtual µs.
pub const SPAN_DEFAULT_US: Time = 500_000;

/// The window a phone opens on: 200 ms, since 500 ms in a drawing under 600 px wide packs
/// the arrows too tightly to follow.
pub const SPAN_NARROW_US: Time = 200_000;

/// The window the diagram opens on for this screen: [`SPAN_NARROW_US`] under 600 px wide,
/// [`SPAN_DEFAULT_US`] otherwise (and where there is no window, as in the tests' runner).
pub fn span_default_us() -> Time {
    let width = web_sys::window()
        .and_then(|window| window.inner_width().ok())
        .and_then(|width| width.as_f64());
    match width {
        Some(width) if width < 600.0 => SPAN_NARROW_US,
        _ => SPAN_DEFAULT_US,
    }
}
/// The narrowest and widest windows the zoom buttons reach.
const SPAN_MIN_US: Time = 10_000;
const SPAN_MAX_US: Time = 120_000_000;

/// The drawing's widest width in SVG units (it scales to the panel).
const WIDTH_MAX: f64 = 1000.0;
/// Its narrowest: on a phone the drawing is about as many units wide as pixels, so its
/// text keeps a readable size instead of shrinking with a wide drawing.
const WIDTH_MIN: f64 = 360.0;

/// The diagram panel: controls, the drawing and its legend. A plain function of the page's
/// state (its settings are [`PlaygroundState::diagram`](crate::state::PlaygroundState)), so
/// it costs the page no component or hook of its own. While the run plays it is drawn again
/// each frame; Yew leaves the drawing alone when its text is unchanged.
pub fn spacetime_view(state: &PlaygroundHandle) -> Html {
    let view = state.diagram.clone();
    let (now, labels) = {
        let run = state.run.borrow();
        let labels: Vec<String> = run
            .nodes()
            .iter()
            .map(|node| {
                let detail = match node.status {
                    NodeStatus::Crashed => "crashed",
                    NodeStatus::Removed => "removed",
                    NodeStatus::Paused => "paused",
                    NodeStatus::Up => node.role,
                };
                format!("n{} {detail}", node.id)
            })
            .collect();
        (run.now(), labels)
    };
    let width = web_sys::window()
        .and_then(|window| window.inner_width().ok())
        .and_then(|width| width.as_f64())
        .map_or(WIDTH_MAX, |width| {
            (width - 48.0).clamp(WIDTH_MIN, WIDTH_MAX)
        });
    let (from, to) = (view.span.map_or(0, |span| now.saturating_sub(span)), now);
    let window = if view.open {
        let events_max = if state.playing {
            SPACETIME_EVENTS_PLAYING_MAX
        } else {
            SPACETIME_EVENTS_MAX
        };
        state.run.borrow().spacetime(from, to, events_max)
    } else {
        SpacetimeWindow::empty(from, to)
    };
    let svg = to_svg(
        &window,
        &SvgOptions {
            width,
            selected: state.selected_event,
            kind: &view.kind,
            node: view.node,
            labels: &labels,
            lanes_max: LANES_DRAWN_MAX,
            in_flight_max: IN_FLIGHT_DRAWN_MAX,
            standalone: false,
            moving: state.playing,
            colour: Some(message_colour_index),
        },
    );
    let described = describe(&window, state.selected_event);
    let notes = notes(&window, labels.len() as u32);
    // The kinds in the window, in order of first appearance (no sort: less code to download).
    let mut kinds: Vec<&'static str> = Vec::new();
    for event in &window.events {
        if !event.message_kind.is_empty() && !kinds.contains(&event.message_kind) {
            kinds.push(event.message_kind);
        }
    }
    let window = Rc::new(window);
    let labels = Rc::new(labels);

    // One handler for every button and key: `act` names what to do.
    let act = {
        let view = view.clone();
        let state = state.clone();
        let window = window.clone();
        let labels = labels.clone();
        move |act: &str| {
            let set = |next: DiagramView| state.dispatch(Action::Diagram(next));
            let zoom = |factor: f64| {
                let width = view.span.unwrap_or(now.max(SPAN_MIN_US));
                let next = ((width as f64 * factor) as Time).clamp(SPAN_MIN_US, SPAN_MAX_US);
                set(DiagramView {
                    span: Some(next),
                    ..view.clone()
                });
            };
            let selectable: Vec<&SpacetimeEvent> = window
                .events
                .iter()
                .filter(|event| event.seq.is_some())
                .collect();
            let position = state
                .selected_event
                .and_then(|seq| selectable.iter().position(|event| event.seq == Some(seq)));
            let last = selectable.len().saturating_sub(1);
            let pick = match act {
                "in" => return zoom(0.5),
                "out" => return zoom(2.0),
                "all" => {
                    return set(DiagramView {
                        span: None,
                        ..view.clone()
                    });
                }
                "toggle" => {
                    return set(DiagramView {
                        open: !view.open,
                        ..view.clone()
                    });
                }
                "export" => {
                    let svg = to_svg(
                        &window,
                        &SvgOptions {
                            width: 1200.0,
                            selected: state.selected_event,
                            labels: labels.as_slice(),
                            lanes_max: LANES_DRAWN_MAX,
                            in_flight_max: IN_FLIGHT_DRAWN_MAX,
                            standalone: true,
                            colour: Some(message_colour_index),
                            ..SvgOptions::default()
                        },
                    );
                    if let Err(reason) = crate::share::download_text(
                        &format!("netsplit-{}-spacetime.svg", state.lab),
                        "image/svg+xml",
                        &svg,
                    ) {
                        state.dispatch(Action::Notice(Some(reason)));
                    }
                    return;
                }
                "prev" => position.map_or(last, |at| at.saturating_sub(1)),
                "next" => position.map_or(0, |at| (at + 1).min(last)),
                "first" => 0,
                "last" => last,
                seq => match seq.parse::<u64>() {
                    Ok(seq) => match selectable.iter().position(|event| event.seq == Some(seq)) {
                        Some(at) => at,
                        None => return,
                    },
                    Err(_) => return,
                },
            };
            if let Some(event) = selectable.get(pick)
                && let Some(seq) = event.seq
            {
                state.dispatch(Action::SelectEvent {
                    seq,
                    time: event.time,
                    node: Some(event.node),
                });
            }
        }
    };
    // A click on a button (its `data-act`) or on a mark or arrow of the drawing (its
    // `data-seq`, the trace entry it stands for).
    let on_click = {
        let act = act.clone();
        Callback::from(move |event: MouseEvent| {
            let found = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
                .and_then(|element| element.closest("[data-act], [data-seq]").ok().flatten())
                .and_then(|element| {
                    element
                        .get_attribute("data-act")
                        .or_else(|| element.get_attribute("data-seq"))
                });
            if let Some(found) = found {
                act(&found);
            }
        })
    };
    let on_key = {
        let act = act.clone();
        Callback::from(move |event: KeyboardEvent| {
            let what = match event.key().as_str() {
                "+" | "=" => "in",
                "-" | "_" => "out",
                "0" => "all",
                "ArrowLeft" => "prev",
                "ArrowRight" => "next",
                "Home" => "first",
                "End" => "last",
                _ => return,
            };
            event.prevent_default();
            // The page's own Right-arrow shortcut steps the run; here it selects instead.
            event.stop_propagation();
            act(what);
        })
    };
    // Both filters, told apart by the select's name.
    let on_filter = {
        let view = view.clone();
        let state = state.clone();
        Callback::from(move |event: Event| {
            let Some(select) = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
            else {
                return;
            };
            let mut next = view.clone();
            if select.name() == "kind" {
                next.kind = select.value();
            } else {
                next.node = select.value().parse().ok();
            }
            state.dispatch(Action::Diagram(next));
        })
    };

    let span_text = match view.span {
        Some(width) if width.is_multiple_of(1_000_000) => format!("newest {} s", width / 1_000_000),
        Some(width) => format!("newest {} ms", width / 1_000),
        None => "the whole run".to_string(),
    };
    let format_time = crate::components::playback_bar::format_time;
    let open = view.open;

    html! {
        <section class="panel spacetime" aria-label="Space-time diagram" onclick={on_click}>
            <div class="spacetime-head">
                <h2>{ "Space-time diagram" }</h2>
                <button class="spacetime-toggle" data-act="toggle" aria-expanded={open.to_string()}
                    aria-controls="spacetime-body">
                    { if open { "Hide" } else { "Show" } }
                </button>
                if open {
                    <span class="spacetime-tools" onchange={on_filter}>
                        { for [("in", "+", "Zoom in"), ("out", "−", "Zoom out"), ("all", "Fit all", "Fit all")].into_iter().map(|(act, text, label)| html! {
                            <button data-act={act} aria-label={label}
                                aria-pressed={(act == "all").then(|| view.span.is_none().to_string())}>{ text }</button>
                        }) }
                        <label>{ "Kind" }<select name="kind">
                            <option value="" selected={view.kind.is_empty()}>{ "all messages" }</option>
                            { for kinds.iter().map(|kind| html! {
                                <option value={*kind} selected={view.kind == *kind}>{ *kind }</option>
                            }) }
                        </select></label>
                        <label>{ "Node" }<select name="node">
                            <option value="" selected={view.node.is_none()}>{ "all nodes" }</option>
                            { for (0..labels.len() as NodeId).map(|id| html! {
                                <option value={id.to_string()} selected={view.node == Some(id)}>{ format!("n{id}") }</option>
                            }) }
                        </select></label>
                        <button data-act="export" title="Save this window as an SVG file">{ "Export SVG" }</button>
                    </span>
                }
            </div>
            if open {
                <div id="spacetime-body">
                    <p class="muted spacetime-status">
                        { format!("Showing {span_text}: {} to {}.", format_time(from), format_time(to)) }
                        { notes }
                    </p>
                    <div class="spacetime-canvas" role="group" tabindex="0"
                        aria-label="Space-time diagram (keys: ← → select events, + − zoom, 0 fit all)"
                        onkeydown={on_key}>
                        { Html::from_html_unchecked(AttrValue::from(svg)) }
                    </div>
                    <p class="muted spacetime-selected" aria-live="polite">{ described }</p>
                    <p class="muted spacetime-legend">
                        { "Arrow: delivered, coloured by message kind as in the cluster and the chart. Dashed, ✕: dropped. Dotted to now: in flight. ○ timer, ■ request, ◆ reply, ✕ crash; dashed red lane: crashed. Keys: ← → events, + − zoom, 0 fit all." }
                    </p>
                </div>
            }
        </section>
    }
}

/// What the window leaves out, in words.
fn notes(window: &SpacetimeWindow, nodes: u32) -> String {
    let mut text = String::new();
    if window.before_retained {
        text.push_str(&format!(
            " The trace keeps only its newest events: nothing before {} is shown.",
            crate::components::playback_bar::format_time(window.retained_from)
        ));
    }
    if window.capped() {
        text.push_str(&format!(
            " Busy: showing {} of {} events (one message in {}); pause or zoom in to see more.",
            window.events.len(),
            window.events_total,
            window.sample_every
        ));
    }
    if window.events.is_empty() && window.from > 0 {
        text.push_str(" Nothing happened in this window: zoom out or press Fit all.");
    }
    let drawn = window.in_flight.len().min(IN_FLIGHT_DRAWN_MAX);
    if window.in_flight_total > drawn {
        text.push_str(&format!(
            " {} messages in flight, {drawn} drawn.",
            window.in_flight_total
        ));
    }
    if nodes > LANES_DRAWN_MAX {
        text.push_str(&format!(
            " Lanes of n0 to n{} of {nodes} nodes are drawn; pick a node to follow it.",
            LANES_DRAWN_MAX - 1
        ));
    }
    text
}

/// The selected event, in words, and how its causal past and future are drawn.
fn describe(window: &SpacetimeWindow, selected: Option<u64>) -> String {
    match selected.and_then(|seq| window.events.iter().find(|event| event.seq == Some(seq))) {
        Some(event) => format!(
            "Selected: {} at {}. Its causal past is drawn thick, its causal future thick and dashed, the rest faded.",
            event.text,
            crate::components::playback_bar::format_time(event.time)
        ),
        None => "Click a mark or an arrow, or focus the diagram and press ← →, to select an event."
            .to_string(),
    }
}
