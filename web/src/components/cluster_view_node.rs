//! One node on the canvas. Its role is told by colour and by a letter and shape, its status
//! by an outline and an icon, so nothing depends on colour alone.
//!
//! Its props hold only what it draws plus handles that stay the same from render to render (the
//! reducer's dispatcher and one shared pointer callback), so while the run plays a node whose
//! role, status, place and selection did not change is not re-rendered at all.

use netsplit_core::NodeStatus;
use netsplit_core::protocol::NodeId;
use netsplit_core::sim::NodeView;
use yew::prelude::*;

use crate::layout::Point;
use crate::state::{Action, PlaygroundState, Tool};

/// Props of [`ClusterViewNode`].
#[derive(Properties, PartialEq)]
pub struct ClusterViewNodeProps {
    /// The node.
    pub node: NodeView,
    /// Its centre.
    pub at: Point,
    /// Its radius.
    pub radius: f64,
    /// Whether it is the selected node.
    pub selected: bool,
    /// Whether it is in the partition group being drawn.
    pub in_group: bool,
    /// The canvas tool (what Enter on a focused node does).
    pub tool: Tool,
    /// Dispatches to the reducer; the same from render to render.
    pub dispatcher: UseReducerDispatcher<PlaygroundState>,
    /// Starts a drag (or a click) of the node with this id; shared by every node.
    pub onpointerdown: Callback<(NodeId, PointerEvent)>,
}

/// The colour variable and one-letter badge of a role.
pub fn role_look(role: &str) -> (&'static str, &'static str) {
    match role {
        "leader" => ("var(--leader)", "L"),
        "candidate" => ("var(--candidate)", "C"),
        "precandidate" => ("var(--candidate)", "P"),
        "follower" => ("var(--follower)", "F"),
        "balancer" => ("var(--leader)", "B"),
        "server" => ("var(--follower)", "S"),
        "client" => ("var(--candidate)", "C"),
        _ => ("var(--follower)", ""),
    }
}

/// A node.
#[component]
pub fn ClusterViewNode(props: &ClusterViewNodeProps) -> Html {
    let node = &props.node;
    let (x, y, r) = (props.at.x, props.at.y, props.radius);
    let (colour, badge) = role_look(node.role);
    let status_word = match node.status {
        NodeStatus::Up => "up",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Paused => "paused",
        NodeStatus::Removed => "removed",
    };
    let down = node.status != NodeStatus::Up;
    let fill = if node.status == NodeStatus::Crashed {
        "var(--panel-2)"
    } else {
        "var(--panel)"
    };
    let stroke = if down { "var(--down)" } else { colour };
    let role_text = if node.role.is_empty() {
        String::new()
    } else {
        format!(", {}", node.role)
    };
    let label = format!(
        "Node {}{role_text}, {status_word}{}{}",
        node.label,
        if props.selected { ", selected" } else { "" },
        if props.in_group {
            ", in partition group A"
        } else {
            ""
        }
    );
    let id = node.id;
    let onkeydown = {
        let dispatcher = props.dispatcher.clone();
        let selected = props.selected;
        let tool = props.tool;
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" || event.key() == " " {
                event.prevent_default();
                event.stop_propagation();
                match tool {
                    Tool::Select => dispatcher.dispatch(Action::Select((!selected).then_some(id))),
                    Tool::Partition => dispatcher.dispatch(Action::TogglePartitionMember(id)),
                }
            }
        })
    };
    let onpointerdown = props
        .onpointerdown
        .reform(move |event: PointerEvent| (id, event));
    let font = (r * 0.55).clamp(8.0, 18.0);
    let show_text = r >= 10.0;
    html! {
        <g class={classes!("node", format!("status-{status_word}"), (!node.role.is_empty()).then(|| format!("role-{}", node.role)))}
           tabindex="0" role="button" aria-pressed={props.selected.to_string()} aria-label={label}
           onpointerdown={onpointerdown} onkeydown={onkeydown} style="cursor: pointer">
            if props.selected || props.in_group {
                <circle cx={x.to_string()} cy={y.to_string()} r={(r + 9.0).to_string()} fill="none"
                        stroke={if props.in_group { "var(--warn)" } else { "var(--accent)" }}
                        stroke-width="3" stroke-dasharray={if props.in_group { "5 4" } else { "none" }} />
            }
            if node.role == "leader" && !down {
                // A leader wears a second ring, so it stands out without colour.
                <circle cx={x.to_string()} cy={y.to_string()} r={(r + 3.0).to_string()} fill="none" stroke={colour} stroke-width="2" />
            }
            <circle class="body" cx={x.to_string()} cy={y.to_string()} r={r.to_string()} fill={fill} stroke={stroke}
                    stroke-dasharray={if node.status == NodeStatus::Crashed { "6 4" } else { "none" }} />
            if show_text {
                <text x={x.to_string()} y={(y - r * 0.12).to_string()} text-anchor="middle" font-size={font.to_string()} font-weight="700">
                    { &node.label }
                </text>
                <text x={x.to_string()} y={(y + r * 0.5).to_string()} text-anchor="middle" font-size={(font * 0.8).to_string()} fill="var(--muted)">
                    { match node.status {
                        NodeStatus::Crashed => "✕ down".to_string(),
                        NodeStatus::Paused => "‖ paused".to_string(),
                        _ => badge.to_string(),
                    } }
                </text>
            }
            <title>{ format!("n{id}") }</title>
        </g>
    }
}
