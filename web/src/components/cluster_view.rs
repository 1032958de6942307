//! The network canvas: nodes, the links between them, and messages moving along the links.
//!
//! Redrawn only when the run changes (each animation frame while playing, never while paused).
//! A message sits at `(now - sent_at) / (deliver_at - sent_at)` of the way along its link; its
//! kind picks its colour and shape, and answers are drawn hollow. A dropped message shows as a
//! red cross where it was lost, for a short while.
//!
//! Up to [`CANVAS_NODES_MIN`] nodes are SVG: each node is a focusable element of its own, a
//! component that re-renders only when it changes. Larger clusters are painted on a `<canvas>`
//! (`cluster_canvas.rs`), with a node list beside it for the keyboard. Either way, when more
//! messages fly than can be drawn, an evenly spread sample is drawn and a note says how many
//! more are in flight.

use std::rc::Rc;

use netsplit_core::protocol::{NodeId, Time};
use netsplit_core::sim::{MessageView, NodeView, TimerView};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::cluster_canvas::{self, CanvasNode, NodeLayer, TrafficLayer};
use crate::components::cluster_view_node::ClusterViewNode;
use crate::layout::{self, HEIGHT, Point, WIDTH};
use crate::state::{Action, PlaygroundHandle, PlaygroundState, Tool};

/// How long a dropped message stays drawn, in virtual µs.
pub const DROP_SHOWN_US: Time = 40_000;

/// Clusters up to this size draw every pair of nodes as a faint, clickable link.
pub const MESH_NODES_MAX: usize = 16;

/// Clusters of at least this many nodes are painted on a `<canvas>` instead of SVG.
pub const CANVAS_NODES_MIN: usize = 101;

/// The most messages the SVG canvas draws at once (each is an element to diff and lay out).
pub const SVG_MESSAGES_MAX: usize = 400;

/// The most messages the `<canvas>` paints at once.
pub const CANVAS_MESSAGES_MAX: usize = 1_000;

/// While a large cluster plays, the canvas takes a fresh sample of the traffic only every this
/// many renders. A sample costs one pass over the whole event queue, tens of thousands of entries
/// in a busy run, which in the size-optimised browser build takes milliseconds; in between, the
/// messages of the last sample move on by the clock and vanish when they arrive, and messages sent
/// since appear at the next sample, a few frames (a fraction of a virtual millisecond) late.
pub const SAMPLE_EVERY_RENDERS: u32 = 4;

/// The traffic sample the canvas draws, kept between renders (see [`SAMPLE_EVERY_RENDERS`]).
#[derive(Default)]
struct SampleCache {
    /// The sampled messages still in flight.
    messages: Vec<MessageView>,
    /// When the sample was taken (virtual µs).
    taken_at: Time,
    /// The stride and bound it was taken with.
    stride: u64,
    max: usize,
    /// Renders left before the next fresh sample.
    renders_left: u32,
}

/// The sampling stride for `total` messages in flight when at most `max` may be drawn, given
/// the stride of the previous frame: a power of two, doubled as soon as `total / stride` passes
/// `max`, but halved only once the halved stride would draw at most half of `max`. The gap
/// between the two thresholds keeps the stride (and so the set of messages drawn) steady while
/// the traffic wobbles around one threshold, instead of flickering between two samples.
pub fn next_stride(previous: u64, total: u64, max: usize) -> u64 {
    let max = (max as u64).max(1);
    let mut stride = previous.max(1).next_power_of_two();
    // Both loops end within 64 turns: the stride is a power of two between 1 and 2^63.
    while total / stride > max && stride < 1 << 63 {
        stride *= 2;
    }
    while stride > 1 && total / (stride / 2) <= max / 2 {
        stride /= 2;
    }
    stride
}

/// Props of [`ClusterView`].
#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
}

/// The colours of message kinds: CSS variables, so each theme picks shades that read on its
/// background (the canvas reads the same variables).
pub const KIND_COLOURS: [&str; 8] = [
    "var(--kind-0)",
    "var(--kind-1)",
    "var(--kind-2)",
    "var(--kind-3)",
    "var(--kind-4)",
    "var(--kind-5)",
    "var(--kind-6)",
    "var(--kind-7)",
];

/// A kind's name without an answer's suffix (Response, Reply or Ack), and whether it had one.
fn kind_base(kind: &str) -> (&str, bool) {
    let base = kind
        .trim_end_matches("Response")
        .trim_end_matches("Reply")
        .trim_end_matches("Ack");
    (base, base.len() != kind.len())
}

/// FNV-1a over a kind's base name: a stable look per kind across runs and reloads, and the same
/// look for a request and its answer.
fn kind_hash(kind: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in kind_base(kind).0.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// Which of [`KIND_COLOURS`] kind `kind` wears.
pub fn message_colour_index(kind: &str) -> usize {
    (kind_hash(kind) / 4 % 8) as usize
}

/// A kind's look: colour and shape. Answers (kinds ending in Response, Reply or Ack) are hollow.
pub fn message_style(kind: &str) -> (&'static str, Shape, bool) {
    let hash = kind_hash(kind);
    let shape = match hash % 4 {
        0 => Shape::Circle,
        1 => Shape::Square,
        2 => Shape::Diamond,
        _ => Shape::Triangle,
    };
    (
        KIND_COLOURS[message_colour_index(kind)],
        shape,
        kind_base(kind).1,
    )
}

/// A message's glyph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// ●
    Circle,
    /// ■
    Square,
    /// ◆
    Diamond,
    /// ▲
    Triangle,
}

/// Draws one message glyph centred on `at`.
pub fn glyph(shape: Shape, at: Point, size: f64, colour: &str, hollow: bool) -> Html {
    let fill = if hollow {
        "none".to_string()
    } else {
        colour.to_string()
    };
    let stroke = colour.to_string();
    let (x, y) = (at.x, at.y);
    match shape {
        Shape::Circle => html! {
            <circle cx={x.to_string()} cy={y.to_string()} r={size.to_string()} fill={fill} stroke={stroke} stroke-width="2" />
        },
        Shape::Square => html! {
            <rect x={(x - size).to_string()} y={(y - size).to_string()} width={(2.0 * size).to_string()}
                  height={(2.0 * size).to_string()} fill={fill} stroke={stroke} stroke-width="2" />
        },
        Shape::Diamond => {
            let d = size * 1.3;
            let points = format!("{x},{} {},{y} {x},{} {},{y}", y - d, x + d, y + d, x - d);
            html! { <polygon points={points} fill={fill} stroke={stroke} stroke-width="2" /> }
        }
        Shape::Triangle => {
            let d = size * 1.3;
            let points = format!(
                "{x},{} {},{} {},{}",
                y - d,
                x + d,
                y + d * 0.8,
                x - d,
                y + d * 0.8
            );
            html! { <polygon points={points} fill={fill} stroke={stroke} stroke-width="2" /> }
        }
    }
}

/// The share of timer `timer` still to run at `now`: 1 when just armed, 0 when due.
pub fn timer_left(timer: &TimerView, now: Time) -> f64 {
    let span = timer.due_at.saturating_sub(timer.set_at).max(1) as f64;
    (timer.due_at.saturating_sub(now) as f64 / span).clamp(0.0, 1.0)
}

/// Timer `timer` at `now` in words, e.g. "election timeout in 83 ms".
pub fn timer_text(timer: &TimerView, now: Time) -> String {
    let left_us = timer.due_at.saturating_sub(now);
    if left_us == 0 {
        format!("{} timeout due now", timer.label)
    } else {
        format!("{} timeout in {} ms", timer.label, left_us.div_ceil(1_000))
    }
}

/// Where message `message` is drawn at time `now`: along the line from `from` to `to`, between
/// the nodes' rims, by the share of its flight time gone.
fn message_point(message: &MessageView, from: Point, to: Point, radius: f64, now: Time) -> Point {
    let span = message.deliver_at.saturating_sub(message.sent_at).max(1) as f64;
    let progress = (now.saturating_sub(message.sent_at) as f64 / span).clamp(0.0, 1.0);
    let length = ((to.x - from.x).powi(2) + (to.y - from.y).powi(2))
        .sqrt()
        .max(1.0);
    let rim = (radius / length).min(0.45);
    from.lerp(to, rim + (1.0 - 2.0 * rim) * progress)
}

/// The point of canvas units under a pointer event on `element` (the SVG or the canvas).
fn pointer_point(element: &web_sys::Element, event: &MouseEvent) -> Option<Point> {
    let rect = element.get_bounding_client_rect();
    if rect.width() <= 0.0 || rect.height() <= 0.0 {
        return None;
    }
    Some(Point {
        x: (f64::from(event.client_x()) - rect.left()) / rect.width() * WIDTH,
        y: (f64::from(event.client_y()) - rect.top()) / rect.height() * HEIGHT,
    })
}

/// The network canvas.
#[component]
pub fn ClusterView(props: &ClusterViewProps) -> Html {
    let state = props.state.clone();
    let dispatcher = state.dispatcher();
    let view_ref = use_node_ref();
    // The node being dragged and whether the pointer moved since it went down.
    let drag = use_mut_ref(|| None::<(NodeId, bool)>);
    // The message sampling stride of the previous render (see `next_stride`) and the sample.
    let stride_memory = use_mut_ref(|| 1_u64);
    let sample_cache = use_mut_ref(SampleCache::default);
    // The canvas's layers as of this render, and the node layer as last painted (it is repainted
    // only when it changes). The node layer also serves to hit-test clicks.
    let scene = use_mut_ref(NodeLayer::default);
    let painted = use_mut_ref(|| None::<NodeLayer>);
    let traffic = use_mut_ref(TrafficLayer::default);
    let traffic_ref = use_node_ref();
    let ratio = *use_memo((), |_| cluster_canvas::pixel_ratio());

    let nodes: Vec<NodeView>;
    let links;
    let total;
    let drops;
    let timers;
    let now;
    let large;
    {
        let run = state.run.borrow();
        now = run.now();
        nodes = run.nodes();
        links = run.links();
        total = run.in_flight_count();
        let shown = nodes
            .iter()
            .filter(|node| node.status != netsplit_core::NodeStatus::Removed)
            .count();
        large = shown >= CANVAS_NODES_MIN;
        let max = if large {
            CANVAS_MESSAGES_MAX
        } else {
            SVG_MESSAGES_MAX
        };
        let stride = next_stride(*stride_memory.borrow(), total, max);
        *stride_memory.borrow_mut() = stride;
        let mut cache = sample_cache.borrow_mut();
        // SVG draws few messages and shows their summaries, and a paused page renders rarely:
        // both take a fresh sample every time.
        let fresh = !large
            || !state.playing
            || cache.renders_left == 0
            || now < cache.taken_at
            || cache.stride != stride
            || cache.max != max;
        if fresh {
            *cache = SampleCache {
                messages: run.in_flight_sample(stride, max, !large),
                taken_at: now,
                stride,
                max,
                renders_left: SAMPLE_EVERY_RENDERS - 1,
            };
        } else {
            cache.renders_left -= 1;
            cache.messages.retain(|message| message.deliver_at > now);
        }
        drops = run.recent_drops(now.saturating_sub(DROP_SHOWN_US));
        // Timer rings are drawn on the SVG canvas only: at canvas scale a node is a few pixels.
        timers = if large {
            Vec::new()
        } else {
            run.shown_timers()
        };
    }
    let stride = *stride_memory.borrow();
    let cache = sample_cache.borrow();
    let sample = &cache.messages;
    let visible: Vec<&NodeView> = nodes
        .iter()
        .filter(|node| node.status != netsplit_core::NodeStatus::Removed)
        .collect();
    let ids: Vec<NodeId> = visible.iter().map(|node| node.id).collect();
    let points = layout::positions(&ids, &state.positions);
    let radius = layout::node_radius(ids.len());
    // Node ids come in ascending order, so a binary search finds a node's point.
    let point_of =
        |id: NodeId| -> Option<Point> { ids.binary_search(&id).ok().map(|index| points[index]) };
    // Which directed links are down, and which node pairs have a changed link: sorted lists
    // looked up by binary search, so a partition's thousands of links cost no scan per pair.
    let sorted = |mut pairs: Vec<(NodeId, NodeId)>| {
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    };
    let down_links = sorted(
        links
            .iter()
            .filter(|link| !link.up)
            .map(|link| (link.from, link.to))
            .collect(),
    );
    let changed_pairs = sorted(
        links
            .iter()
            .map(|link| (link.from.min(link.to), link.from.max(link.to)))
            .collect(),
    );
    let down = |from: NodeId, to: NodeId| down_links.binary_search(&(from, to)).is_ok();

    let message_points: Vec<(Point, &MessageView)> = sample
        .iter()
        .filter_map(|message| {
            let (from, to) = (point_of(message.from)?, point_of(message.to)?);
            Some((message_point(message, from, to, radius, now), message))
        })
        .collect();
    let drop_points: Vec<(Point, &MessageView)> = drops
        .iter()
        .take(if large {
            CANVAS_MESSAGES_MAX
        } else {
            SVG_MESSAGES_MAX
        })
        .filter_map(|message| {
            let (from, to) = (point_of(message.from)?, point_of(message.to)?);
            Some((from.lerp(to, 0.4), message))
        })
        .collect();
    let drawn = (message_points.len() as u64).min(total);
    let note = (total > drawn).then(|| {
        format!(
            "{} more messages in flight are not drawn (1 in {stride} is)",
            total - drawn
        )
    });

    let onpointermove = {
        let drag = drag.clone();
        let dispatcher = dispatcher.clone();
        let view_ref = view_ref.clone();
        Callback::from(move |event: PointerEvent| {
            let Some((id, _)) = *drag.borrow() else {
                return;
            };
            let Some(at) = view_ref
                .cast::<web_sys::Element>()
                .and_then(|element| pointer_point(&element, &event))
            else {
                return;
            };
            *drag.borrow_mut() = Some((id, true));
            let (fx, fy) = layout::to_fraction(at);
            dispatcher.dispatch(Action::MoveNode(id, fx, fy));
        })
    };
    let onpointerup = {
        let drag = drag.clone();
        let dispatcher = dispatcher.clone();
        let (tool, selected) = (state.tool, state.selected);
        let scene = scene.clone();
        let view_ref = view_ref.clone();
        Callback::from(move |event: PointerEvent| {
            let Some((id, moved)) = drag.borrow_mut().take() else {
                // On the canvas, a click that starts and ends on empty space clears the selection.
                let on_canvas = view_ref.cast::<web_sys::HtmlCanvasElement>().is_some();
                if on_canvas
                    && selected.is_some()
                    && canvas_hit(&view_ref, &scene, &event).is_none()
                {
                    dispatcher.dispatch(Action::Select(None));
                }
                return;
            };
            if !moved {
                match tool {
                    Tool::Select => {
                        let next = (selected != Some(id)).then_some(id);
                        dispatcher.dispatch(Action::Select(next));
                    }
                    Tool::Partition => dispatcher.dispatch(Action::TogglePartitionMember(id)),
                }
            }
        })
    };
    let start_drag = {
        let drag = drag.clone();
        let view_ref = view_ref.clone();
        move |id: NodeId, event: &PointerEvent| {
            *drag.borrow_mut() = Some((id, false));
            if let Some(element) = view_ref.cast::<web_sys::Element>() {
                let _ = element.set_pointer_capture(event.pointer_id());
            }
        }
    };
    let on_node_pointerdown = {
        let start_drag = start_drag.clone();
        use_callback((), move |(id, event): (NodeId, PointerEvent), _| {
            start_drag(id, &event);
        })
    };

    if large {
        let canvas_nodes: Vec<CanvasNode> = visible
            .iter()
            .zip(&points)
            .map(|(node, &at)| CanvasNode {
                id: node.id,
                at,
                status: node.status,
                role: node.role,
            })
            .collect();
        let mut canvas_links = Vec::new();
        for &(a, b) in &changed_pairs {
            if let (Some(pa), Some(pb)) = (point_of(a), point_of(b)) {
                canvas_links.push((pa, pb, down(a, b) || down(b, a)));
            }
        }
        *scene.borrow_mut() = NodeLayer {
            nodes: canvas_nodes,
            radius,
            selected: state.selected,
            group: state.partition_group.clone(),
            links: canvas_links,
        };
        *traffic.borrow_mut() = TrafficLayer {
            radius,
            messages: message_points
                .iter()
                .map(|(at, message)| (*at, message.kind))
                .collect(),
            drops: drop_points.iter().map(|(at, _)| *at).collect(),
        };
    } else {
        *scene.borrow_mut() = NodeLayer::default();
        *traffic.borrow_mut() = TrafficLayer::default();
        *painted.borrow_mut() = None;
    }
    {
        // Paint after every render; on the SVG canvas the casts fail and nothing happens.
        let (view_ref, traffic_ref) = (view_ref.clone(), traffic_ref.clone());
        let (scene, painted, traffic) = (scene.clone(), painted.clone(), traffic.clone());
        use_effect(move || {
            if let Some(canvas) = traffic_ref.cast::<web_sys::HtmlCanvasElement>() {
                cluster_canvas::paint_traffic(&canvas, &traffic.borrow(), ratio);
            }
            if let Some(canvas) = view_ref.cast::<web_sys::HtmlCanvasElement>() {
                let scene = scene.borrow();
                if painted.borrow().as_ref() != Some(&*scene) {
                    cluster_canvas::paint_nodes(&canvas, &scene, ratio);
                    *painted.borrow_mut() = Some(scene.clone());
                }
            }
        });
    }

    let description = format!(
        "Network of {} nodes with {total} messages in flight. Double-click empty space to add a node.",
        ids.len(),
    );
    let note_html = note.map(|text| html! { <p class="canvas-note">{ text }</p> });

    if large {
        let onpointerdown = {
            let scene = scene.clone();
            let view_ref = view_ref.clone();
            Callback::from(move |event: PointerEvent| {
                if let Some(id) = canvas_hit(&view_ref, &scene, &event) {
                    start_drag(id, &event);
                }
            })
        };
        let ondoubleclick = {
            let dispatcher = dispatcher.clone();
            let scene = scene.clone();
            let view_ref = view_ref.clone();
            Callback::from(move |event: MouseEvent| {
                if canvas_hit(&view_ref, &scene, &event).is_none() {
                    dispatcher.dispatch(Action::Apply(netsplit_core::Action::AddNode));
                }
            })
        };
        // The list names each node and its status; roles change too often in a busy run to
        // rebuild a thousand options for each change (the inspector shows the selected one's).
        let picker_nodes = Rc::new(
            visible
                .iter()
                .map(|node| (node.id, node.status))
                .collect::<Vec<_>>(),
        );
        let (width, height) = (
            (WIDTH * ratio).round().to_string(),
            (HEIGHT * ratio).round().to_string(),
        );
        return html! {
            <>
                <canvas ref={traffic_ref} class="cluster-canvas traffic" width={width.clone()} height={height.clone()}
                        aria-hidden="true" />
                <canvas ref={view_ref} class="cluster-view cluster-canvas"
                        width={width} height={height} role="img" aria-label="Network canvas" aria-description={description}
                        data-nodes={ids.len().to_string()} data-in-flight={total.to_string()}
                        onpointerdown={onpointerdown} onpointermove={onpointermove}
                        onpointerup={onpointerup} ondblclick={ondoubleclick} />
                { note_html.unwrap_or_default() }
                <NodePicker nodes={picker_nodes} selected={state.selected} tool={state.tool}
                            in_group={state.partition_group.clone()} dispatcher={dispatcher} />
            </>
        };
    }

    // Links: a faint mesh for small clusters, plus every link that is cut or changed.
    let mut link_pairs = changed_pairs.clone();
    if ids.len() <= MESH_NODES_MAX {
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                link_pairs.push((a, b));
            }
        }
    }
    let link_pairs = sorted(link_pairs);
    let selected_link = state.selected_link;
    let links_html = link_pairs.iter().filter_map(|&(a, b)| {
        let (pa, pb) = (point_of(a)?, point_of(b)?);
        let (a_to_b, b_to_a) = (down(a, b), down(b, a));
        let changed = changed_pairs.binary_search(&(a, b)).is_ok();
        let class = classes!(
            "link",
            (a_to_b || b_to_a).then_some("cut"),
            changed.then_some("changed"),
            (selected_link == Some((a, b))).then_some("selected")
        );
        let label = match (a_to_b, b_to_a) {
            (true, true) => format!("Link n{a} and n{b}: cut both ways"),
            (true, false) => format!("Link n{a} to n{b}: cut one way"),
            (false, true) => format!("Link n{b} to n{a}: cut one way"),
            (false, false) => format!("Link n{a} and n{b}: up"),
        };
        let onclick = {
            let dispatcher = dispatcher.clone();
            Callback::from(move |event: MouseEvent| {
                event.stop_propagation();
                dispatcher.dispatch(Action::SelectLink(Some((a, b))));
            })
        };
        let mid = pa.lerp(pb, 0.5);
        Some(html! {
            <g key={format!("link-{a}-{b}")}>
                <line class={class} x1={pa.x.to_string()} y1={pa.y.to_string()} x2={pb.x.to_string()} y2={pb.y.to_string()} />
                if a_to_b || b_to_a {
                    <text class="link-cut-mark" x={mid.x.to_string()} y={(mid.y + 5.0).to_string()} text-anchor="middle"
                          fill="var(--bad)" font-size="18" font-weight="700">{ "✕" }</text>
                }
                <line class="link-hit" x1={pa.x.to_string()} y1={pa.y.to_string()} x2={pb.x.to_string()} y2={pb.y.to_string()}
                      onclick={onclick}><title>{ label }</title></line>
            </g>
        })
    });

    let message_size = (radius / 4.0).clamp(3.0, 8.0);
    let messages_html = message_points.iter().map(|&(at, message)| {
        let (colour, shape, hollow) = message_style(message.kind);
        html! {
            <g key={message.id} class="message">
                { glyph(shape, at, message_size, colour, hollow) }
                <title>{ format!("{} n{} → n{}: {}", message.kind, message.from, message.to, message.summary) }</title>
            </g>
        }
    });
    let drops_html = drop_points.iter().map(|&(at, message)| {
        let reason = message.dropped.map(|reason| format!("{reason:?}")).unwrap_or_default();
        html! {
            <g key={message.id} class="message-dropped">
                <text x={at.x.to_string()} y={(at.y + 6.0).to_string()} text-anchor="middle" fill="var(--bad)"
                      font-size="20" font-weight="700">{ "✕" }</text>
                <title>{ format!("Dropped {} n{} → n{} ({reason})", message.kind, message.from, message.to) }</title>
            </g>
        }
    });

    // Each shown timer (Raft's election timer) as a ring around its node that drains from full,
    // when it was armed, to empty, when it fires; a heartbeat re-arms it and the ring refills.
    let rings_html = timers.iter().filter_map(|timer| {
        let at = point_of(timer.node)?;
        let left = timer_left(timer, now);
        let r = radius + 4.5;
        let (x, y) = (at.x.to_string(), at.y.to_string());
        Some(html! {
            <g key={format!("timer-{}-{}", timer.node, timer.label)} class="timer">
                <circle class="timer-track" cx={x.clone()} cy={y.clone()} r={r.to_string()} />
                <circle class="timer-ring" cx={x.clone()} cy={y.clone()} r={r.to_string()} pathLength="100"
                        stroke-dasharray={format!("{:.1} 100", left * 100.0)}
                        transform={format!("rotate(-90 {x} {y})")} data-left={format!("{left:.3}")}>
                    <title>{ format!("n{}: {}", timer.node, timer_text(timer, now)) }</title>
                </circle>
            </g>
        })
    });

    let nodes_html = visible
        .iter()
        .zip(points.iter())
        .map(|(node, &at)| {
            let id = node.id;
            html! {
                <ClusterViewNode key={id} node={(*node).clone()} at={at} radius={radius}
                    selected={state.selected == Some(id)} in_group={state.partition_group.contains(&id)}
                    tool={state.tool} dispatcher={dispatcher.clone()} onpointerdown={on_node_pointerdown.clone()} />
            }
        })
        .collect::<Vec<Html>>();

    let on_background = |event: &MouseEvent| {
        event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|element| element.class_list().contains("canvas-bg"))
    };
    let onbackground = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |event: MouseEvent| {
            if on_background(&event) {
                dispatcher.dispatch(Action::Select(None));
            }
        })
    };
    let ondoubleclick = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |event: MouseEvent| {
            if on_background(&event) {
                dispatcher.dispatch(Action::Apply(netsplit_core::Action::AddNode));
            }
        })
    };

    html! {
        <>
            <svg ref={view_ref} class="cluster-view" viewBox={format!("0 0 {WIDTH} {HEIGHT}")}
                 role="group" aria-label="Network canvas" aria-description={description}
                 data-in-flight={total.to_string()}
                 onpointermove={onpointermove} onpointerup={onpointerup} onclick={onbackground}
                 ondblclick={ondoubleclick}>
                <rect class="canvas-bg" x="0" y="0" width={WIDTH.to_string()} height={HEIGHT.to_string()} fill="transparent" />
                <g class="links">{ for links_html }</g>
                <g class="messages">{ for messages_html }{ for drops_html }</g>
                <g class="timer-rings">{ for rings_html }</g>
                <g class="nodes">{ nodes_html }</g>
            </svg>
            { note_html.unwrap_or_default() }
        </>
    }
}

/// The node under a pointer event on the canvas, from the scene it last painted.
fn canvas_hit(
    view_ref: &NodeRef,
    scene: &Rc<std::cell::RefCell<NodeLayer>>,
    event: &MouseEvent,
) -> Option<NodeId> {
    let element = view_ref.cast::<web_sys::Element>()?;
    let at = pointer_point(&element, event)?;
    let scene = scene.borrow();
    cluster_canvas::node_at(&scene.nodes, scene.radius, at)
}

/// Props of [`NodePicker`].
#[derive(Properties, PartialEq)]
pub struct NodePickerProps {
    /// The nodes on the canvas with their status, in id order.
    pub nodes: Rc<Vec<(NodeId, netsplit_core::NodeStatus)>>,
    /// The selected node.
    pub selected: Option<NodeId>,
    /// The canvas tool: choosing a node selects it, or puts it in or out of partition group A.
    pub tool: Tool,
    /// The nodes picked for partition group A.
    pub in_group: Vec<NodeId>,
    /// Dispatches to the reducer.
    pub dispatcher: UseReducerDispatcher<PlaygroundState>,
}

/// The painted canvas's nodes as a list a keyboard or screen reader can use: each option names
/// the node and its status, and choosing one does what clicking it would. It re-renders only when
/// a node's status changes, not on every frame.
#[component]
pub fn NodePicker(props: &NodePickerProps) -> Html {
    let onchange = {
        let dispatcher = props.dispatcher.clone();
        let tool = props.tool;
        Callback::from(move |event: Event| {
            let value = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|select| select.value())
                .unwrap_or_default();
            let id = value.parse::<NodeId>().ok();
            match (tool, id) {
                (Tool::Partition, Some(id)) => {
                    dispatcher.dispatch(Action::TogglePartitionMember(id))
                }
                (_, id) => dispatcher.dispatch(Action::Select(id)),
            }
        })
    };
    // How many nodes are in each status, in words ("997 up, 3 crashed").
    const STATUSES: [netsplit_core::NodeStatus; 4] = [
        netsplit_core::NodeStatus::Up,
        netsplit_core::NodeStatus::Paused,
        netsplit_core::NodeStatus::Crashed,
        netsplit_core::NodeStatus::Removed,
    ];
    let summary = STATUSES
        .iter()
        .filter_map(|&wanted| {
            let count = props
                .nodes
                .iter()
                .filter(|(_, status)| *status == wanted)
                .count();
            (count > 0).then(|| format!("{count} {}", status_word(wanted)))
        })
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        <label class="node-picker">
            <span>{ format!("Node ({summary})") }</span>
            <select aria-label="Node" onchange={onchange}>
                <option value="" selected={props.selected.is_none()}>{ "none selected" }</option>
                { for props.nodes.iter().map(|&(id, status)| {
                    let group = if props.in_group.contains(&id) { ", in group A" } else { "" };
                    html! {
                        <option key={id} value={id.to_string()} selected={props.selected == Some(id)}>
                            { format!("n{id}, {}{group}", status_word(status)) }
                        </option>
                    }
                }) }
            </select>
        </label>
    }
}

/// A node status in one word.
pub fn status_word(status: netsplit_core::NodeStatus) -> &'static str {
    match status {
        netsplit_core::NodeStatus::Up => "up",
        netsplit_core::NodeStatus::Crashed => "crashed",
        netsplit_core::NodeStatus::Paused => "paused",
        netsplit_core::NodeStatus::Removed => "removed",
    }
}
