//! The network canvas: nodes, the links between them, and messages moving along the links.
//!
//! SVG, redrawn only when the run changes (each animation frame while playing, never while
//! paused). A message sits at `(now - sent_at) / (deliver_at - sent_at)` of the way along its
//! link; its kind picks its colour and shape, and answers are drawn hollow. A dropped message
//! shows as a red cross where it was lost, for a short while.

use std::rc::Rc;

use netsplit_core::protocol::{NodeId, Time};
use netsplit_core::sim::{LinkView, MessageView, NodeView};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::cluster_view_node::ClusterViewNode;
use crate::layout::{self, HEIGHT, Point, WIDTH};
use crate::state::{Action, PlaygroundHandle, Tool};

/// How long a dropped message stays drawn, in virtual µs.
pub const DROP_SHOWN_US: Time = 40_000;

/// Clusters up to this size draw every pair of nodes as a faint, clickable link.
pub const MESH_NODES_MAX: usize = 16;

/// The most messages drawn at once; past it the rest are counted, not drawn.
pub const MESSAGES_DRAWN_MAX: usize = 2_000;

/// Props of [`ClusterView`].
#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
}

/// A kind's look: colour and shape. Answers (kinds ending in Response, Reply or Ack) are hollow.
pub fn message_style(kind: &str) -> (&'static str, Shape, bool) {
    const COLOURS: [&str; 8] = [
        "#2458c6", "#c77700", "#1f7a3a", "#b3261e", "#7a3fbf", "#00838f", "#ad1457", "#5d4037",
    ];
    let base = kind
        .trim_end_matches("Response")
        .trim_end_matches("Reply")
        .trim_end_matches("Ack");
    let hollow = base.len() != kind.len();
    // FNV-1a over the base name: a stable colour per kind across runs and reloads, and the same
    // colour for a request and its answer.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in base.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let shape = match hash % 4 {
        0 => Shape::Circle,
        1 => Shape::Square,
        2 => Shape::Diamond,
        _ => Shape::Triangle,
    };
    (COLOURS[(hash / 4 % 8) as usize], shape, hollow)
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

/// What the canvas needs from the run, read once per render.
struct Snapshot {
    now: Time,
    nodes: Vec<NodeView>,
    links: Vec<LinkView>,
    in_flight: Vec<MessageView>,
    drops: Vec<MessageView>,
}

/// The network canvas.
#[component]
pub fn ClusterView(props: &ClusterViewProps) -> Html {
    let state = props.state.clone();
    let svg_ref = use_node_ref();
    // The node being dragged and whether the pointer moved since it went down.
    let drag = use_mut_ref(|| None::<(NodeId, bool)>);

    let snapshot = {
        let run = state.run.borrow();
        let now = run.now();
        Snapshot {
            now,
            nodes: run.nodes(),
            links: run.links(),
            in_flight: run.in_flight(),
            drops: run.recent_drops(now.saturating_sub(DROP_SHOWN_US)),
        }
    };
    let visible: Vec<&NodeView> = snapshot
        .nodes
        .iter()
        .filter(|node| node.status != netsplit_core::NodeStatus::Removed)
        .collect();
    let ids: Vec<NodeId> = visible.iter().map(|node| node.id).collect();
    let points = layout::positions(&ids, &state.positions);
    let radius = layout::node_radius(ids.len());
    let point_of = |id: NodeId| -> Option<Point> {
        ids.iter()
            .position(|&other| other == id)
            .map(|index| points[index])
    };

    let down = |from: NodeId, to: NodeId| {
        snapshot
            .links
            .iter()
            .any(|link| link.from == from && link.to == to && !link.up)
    };

    // Links: a faint mesh for small clusters, plus every link that is cut or changed.
    let mut link_pairs: Vec<(NodeId, NodeId)> = Vec::new();
    if ids.len() <= MESH_NODES_MAX {
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                link_pairs.push((a, b));
            }
        }
    } else {
        for link in &snapshot.links {
            let pair = (link.from.min(link.to), link.from.max(link.to));
            if !link_pairs.contains(&pair) {
                link_pairs.push(pair);
            }
        }
    }
    let selected_link = state.selected_link;
    let links_html = link_pairs.iter().filter_map(|&(a, b)| {
        let (pa, pb) = (point_of(a)?, point_of(b)?);
        let (a_to_b, b_to_a) = (down(a, b), down(b, a));
        let changed = snapshot
            .links
            .iter()
            .any(|link| (link.from == a && link.to == b) || (link.from == b && link.to == a));
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
            let state = state.clone();
            Callback::from(move |event: MouseEvent| {
                event.stop_propagation();
                state.dispatch(Action::SelectLink(Some((a, b))));
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
    let now = snapshot.now;
    let messages_html = snapshot.in_flight.iter().take(MESSAGES_DRAWN_MAX).filter_map(|message| {
        let (from, to) = (point_of(message.from)?, point_of(message.to)?);
        let span = message.deliver_at.saturating_sub(message.sent_at).max(1) as f64;
        let progress = (now.saturating_sub(message.sent_at) as f64 / span).clamp(0.0, 1.0);
        // Start and end at the nodes' rims, not their centres.
        let length = ((to.x - from.x).powi(2) + (to.y - from.y).powi(2)).sqrt().max(1.0);
        let rim = (radius / length).min(0.45);
        let at = from.lerp(to, rim + (1.0 - 2.0 * rim) * progress);
        let (colour, shape, hollow) = message_style(message.kind);
        Some(html! {
            <g key={format!("m{}", message.id)} class="message">
                { glyph(shape, at, message_size, colour, hollow) }
                <title>{ format!("{} n{} → n{}: {}", message.kind, message.from, message.to, message.summary) }</title>
            </g>
        })
    });
    let overflow = snapshot.in_flight.len().saturating_sub(MESSAGES_DRAWN_MAX);
    let drops_html = snapshot.drops.iter().take(MESSAGES_DRAWN_MAX).filter_map(|message| {
        let (from, to) = (point_of(message.from)?, point_of(message.to)?);
        let at = from.lerp(to, 0.4);
        let reason = message.dropped.map(|reason| format!("{reason:?}")).unwrap_or_default();
        Some(html! {
            <g key={format!("d{}", message.id)} class="message-dropped">
                <text x={at.x.to_string()} y={(at.y + 6.0).to_string()} text-anchor="middle" fill="var(--bad)"
                      font-size="20" font-weight="700">{ "✕" }</text>
                <title>{ format!("Dropped {} n{} → n{} ({reason})", message.kind, message.from, message.to) }</title>
            </g>
        })
    });

    let nodes_html = visible
        .iter()
        .zip(points.iter())
        .map(|(node, &at)| {
            let id = node.id;
            let onpointerdown = {
                let drag = drag.clone();
                let svg_ref = svg_ref.clone();
                Callback::from(move |event: PointerEvent| {
                    *drag.borrow_mut() = Some((id, false));
                    if let Some(svg) = svg_ref.cast::<web_sys::Element>() {
                        let _ = svg.set_pointer_capture(event.pointer_id());
                    }
                })
            };
            let in_group = state.partition_group.contains(&id);
            html! {
                <ClusterViewNode key={id} node={(*node).clone()} at={at} radius={radius}
                    selected={state.selected == Some(id)} in_group={in_group}
                    state={state.clone()} onpointerdown={onpointerdown} />
            }
        })
        .collect::<Vec<Html>>();

    let onpointermove = {
        let drag = drag.clone();
        let state = state.clone();
        let svg_ref = svg_ref.clone();
        Callback::from(move |event: PointerEvent| {
            let Some((id, _)) = *drag.borrow() else {
                return;
            };
            let Some(svg) = svg_ref.cast::<web_sys::Element>() else {
                return;
            };
            let rect = svg.get_bounding_client_rect();
            if rect.width() <= 0.0 || rect.height() <= 0.0 {
                return;
            }
            let fx = (f64::from(event.client_x()) - rect.left()) / rect.width();
            let fy = (f64::from(event.client_y()) - rect.top()) / rect.height();
            *drag.borrow_mut() = Some((id, true));
            state.dispatch(Action::MoveNode(id, fx, fy));
        })
    };
    let onpointerup = {
        let drag = drag.clone();
        let state = state.clone();
        Callback::from(move |_event: PointerEvent| {
            let Some((id, moved)) = drag.borrow_mut().take() else {
                return;
            };
            if !moved {
                match state.tool {
                    Tool::Select => {
                        let next = (state.selected != Some(id)).then_some(id);
                        state.dispatch(Action::Select(next));
                    }
                    Tool::Partition => state.dispatch(Action::TogglePartitionMember(id)),
                }
            }
        })
    };
    let onbackground = {
        let state = state.clone();
        Callback::from(move |event: MouseEvent| {
            let on_background = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|element| element.class_list().contains("canvas-bg"));
            if on_background {
                state.dispatch(Action::Select(None));
            }
        })
    };
    let ondoubleclick = {
        let state = state.clone();
        Callback::from(move |event: MouseEvent| {
            let on_background = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|element| element.class_list().contains("canvas-bg"));
            if on_background {
                state.dispatch(Action::Apply(netsplit_core::Action::AddNode));
            }
        })
    };

    let description = format!(
        "Network of {} nodes with {} messages in flight. Double-click empty space to add a node.",
        ids.len(),
        snapshot.in_flight.len()
    );
    html! {
        <svg ref={svg_ref} class="cluster-view" viewBox={format!("0 0 {WIDTH} {HEIGHT}")}
             role="group" aria-label="Network canvas" aria-description={description}
             onpointermove={onpointermove} onpointerup={onpointerup} onclick={onbackground}
             ondblclick={ondoubleclick}>
            <rect class="canvas-bg" x="0" y="0" width={WIDTH.to_string()} height={HEIGHT.to_string()} fill="transparent" />
            <g class="links">{ for links_html }</g>
            <g class="messages">{ for messages_html }{ for drops_html }</g>
            <g class="nodes">{ nodes_html }</g>
            if overflow > 0 {
                <text x="10" y={(HEIGHT - 10.0).to_string()} font-size="14" fill="var(--muted)">
                    { format!("{overflow} more messages in flight are not drawn") }
                </text>
            }
        </svg>
    }
}

/// Shared, cheap-to-clone list of kinds for the legend.
pub type Kinds = Rc<Vec<&'static str>>;

/// The legend: each message kind seen so far with its glyph.
#[derive(Properties, PartialEq)]
pub struct MessageLegendProps {
    /// The kinds, in order of first appearance.
    pub kinds: Kinds,
}

/// A legend of message kinds.
#[component]
pub fn MessageLegend(props: &MessageLegendProps) -> Html {
    html! {
        <ul class="legend" aria-label="Message kinds">
            { for props.kinds.iter().map(|kind| {
                let (colour, shape, hollow) = message_style(kind);
                html! {
                    <li key={*kind}>
                        <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
                            { glyph(shape, Point { x: 9.0, y: 9.0 }, 5.0, colour, hollow) }
                        </svg>
                        { *kind }
                    </li>
                }
            }) }
        </ul>
    }
}
