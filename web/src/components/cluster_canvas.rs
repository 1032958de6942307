//! The network drawn on `<canvas>` elements, for clusters too large for one SVG element per node.
//!
//! A thousand SVG nodes cost Yew a thousand component diffs and the browser a thousand elements to
//! style and lay out on every frame; here the picture is two stacked bitmaps, each painted in a
//! handful of batched paths (one per look: every up follower in one path, every message of one
//! kind in another). The lower one holds the traffic and is repainted every frame; the upper one
//! holds links and nodes and is repainted only when they change, which while a run plays is
//! rarely. The colours are the page's CSS variables, read from the canvas element on each paint,
//! so the light and dark themes both apply. Keyboard and screen-reader users get the same nodes
//! from the node list beside the canvas (see `cluster_view.rs`).

use netsplit_core::NodeStatus;
use netsplit_core::protocol::NodeId;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::components::cluster_view::{Shape, message_colour_index, message_style};
use crate::layout::{HEIGHT, Point, WIDTH};

/// One node as the canvas paints it.
#[derive(Clone, Debug, PartialEq)]
pub struct CanvasNode {
    /// The node's id.
    pub id: NodeId,
    /// Its centre.
    pub at: Point,
    /// Its lifecycle state.
    pub status: NodeStatus,
    /// Its protocol role.
    pub role: &'static str,
}

/// What the upper canvas draws, in canvas units (the SVG view box's): links and nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeLayer {
    /// The nodes.
    pub nodes: Vec<CanvasNode>,
    /// The nodes' radius.
    pub radius: f64,
    /// The selected node.
    pub selected: Option<NodeId>,
    /// The nodes picked for partition group A.
    pub group: Vec<NodeId>,
    /// Links that are cut (`true`) or configured differently (`false`), as end points.
    pub links: Vec<(Point, Point, bool)>,
}

/// What the lower canvas draws every frame: the traffic.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrafficLayer {
    /// The nodes' radius (messages are drawn in proportion).
    pub radius: f64,
    /// Messages in flight: where each is and its kind.
    pub messages: Vec<(Point, &'static str)>,
    /// Where messages were dropped lately.
    pub drops: Vec<Point>,
}

/// The CSS colours a paint uses, read once per paint.
struct Palette {
    panel: String,
    panel_2: String,
    bad: String,
    warn: String,
    accent: String,
    down: String,
    leader: String,
    candidate: String,
    follower: String,
    kinds: [String; 8],
}

impl Palette {
    fn read(canvas: &HtmlCanvasElement) -> Self {
        let style =
            web_sys::window().and_then(|window| window.get_computed_style(canvas).ok().flatten());
        let read = |name: &str, fallback: &str| {
            style
                .as_ref()
                .and_then(|style| style.get_property_value(name).ok())
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
                .unwrap_or_else(|| fallback.to_string())
        };
        Self {
            panel: read("--panel", "#ffffff"),
            panel_2: read("--panel-2", "#f0f0ea"),
            bad: read("--bad", "#b3261e"),
            warn: read("--warn", "#8a5a00"),
            accent: read("--accent", "#2458c6"),
            down: read("--down", "#8b8f96"),
            leader: read("--leader", "#c77700"),
            candidate: read("--candidate", "#7a3fbf"),
            follower: read("--follower", "#2458c6"),
            kinds: std::array::from_fn(|index| read(&format!("--kind-{index}"), "#2458c6")),
        }
    }

    /// The outline colour of a node of role `role`, as `role_look` picks its CSS variable.
    fn role(&self, role: &str) -> &str {
        match role {
            "leader" | "balancer" => &self.leader,
            "candidate" | "precandidate" | "client" => &self.candidate,
            _ => &self.follower,
        }
    }
}

/// The bitmap's pixels per canvas unit: the screen's pixel ratio, at most 2 so a 4K screen does
/// not quadruple the cost of every paint.
pub fn pixel_ratio() -> f64 {
    web_sys::window()
        .map(|window| window.device_pixel_ratio())
        .filter(|ratio| ratio.is_finite())
        .unwrap_or(1.0)
        .clamp(1.0, 2.0)
}

/// The 2D context of `canvas`, scaled so one unit is one view-box unit, and cleared.
fn prepared(canvas: &HtmlCanvasElement, ratio: f64) -> Option<CanvasRenderingContext2d> {
    let context = canvas
        .get_context("2d")
        .ok()
        .flatten()?
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    let _ = context.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
    context.clear_rect(0.0, 0.0, WIDTH, HEIGHT);
    Some(context)
}

/// Paints the traffic onto `canvas` (whose bitmap is [`WIDTH`] x [`HEIGHT`] times `ratio`).
pub fn paint_traffic(canvas: &HtmlCanvasElement, layer: &TrafficLayer, ratio: f64) {
    let Some(context) = prepared(canvas, ratio) else {
        return;
    };
    let palette = Palette::read(canvas);
    // Messages: colour and shape as on the SVG canvas, answers hollow. Each kind's glyph is drawn
    // once into a sprite and stamped at every message of that kind.
    let size = (layer.radius / 2.0).clamp(1.5, 4.0);
    let mut kinds: Vec<(&'static str, Option<HtmlCanvasElement>)> = Vec::new();
    for &(at, kind) in &layer.messages {
        let index = match kinds.iter().position(|(other, _)| *other == kind) {
            Some(index) => index,
            None if kinds.len() < 64 => {
                let (_, shape, hollow) = message_style(kind);
                let colour = palette.kinds[message_colour_index(kind)].as_str();
                let glyph = sprite(size * 3.0, ratio, |context, centre| {
                    context.begin_path();
                    trace_shape(context, shape, centre, size);
                    if hollow {
                        context.set_line_width(1.2);
                        context.set_stroke_style_str(colour);
                        context.stroke();
                    } else {
                        context.set_fill_style_str(colour);
                        context.fill();
                    }
                });
                kinds.push((kind, glyph));
                kinds.len() - 1
            }
            None => continue,
        };
        if let Some(glyph) = &kinds[index].1 {
            stamp(&context, glyph, at, size * 3.0);
        }
    }
    // Dropped messages: crosses in the alarm colour.
    context.begin_path();
    for at in &layer.drops {
        context.move_to(at.x - 4.0, at.y - 4.0);
        context.line_to(at.x + 4.0, at.y + 4.0);
        context.move_to(at.x + 4.0, at.y - 4.0);
        context.line_to(at.x - 4.0, at.y + 4.0);
    }
    context.set_line_width(2.0);
    context.set_stroke_style_str(&palette.bad);
    context.stroke();
}

/// Paints links and nodes onto `canvas` (whose bitmap is [`WIDTH`] x [`HEIGHT`] times `ratio`).
pub fn paint_nodes(canvas: &HtmlCanvasElement, scene: &NodeLayer, ratio: f64) {
    let Some(context) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let palette = Palette::read(canvas);
    let no_dash = js_sys::Array::new();
    // Links first, under everything: cut ones dashed in the alarm colour.
    for cut in [false, true] {
        context.begin_path();
        for &(from, to, _) in scene.links.iter().filter(|(_, _, is_cut)| *is_cut == cut) {
            context.move_to(from.x, from.y);
            context.line_to(to.x, to.y);
        }
        context.set_line_width(if cut { 1.5 } else { 1.0 });
        context.set_stroke_style_str(if cut { &palette.bad } else { &palette.warn });
        let dash = dashes(if cut { &[6.0, 5.0] } else { &[] });
        let _ = context.set_line_dash(&dash);
        context.stroke();
    }
    let _ = context.set_line_dash(&no_dash);

    // Nodes: one path per look. The fill tells crashed from live; the outline's colour the role
    // and its dashes a node that is down, so the status does not rest on colour alone (and the
    // node list spells it out).
    let radius = scene.radius;
    let look = |node: &CanvasNode| -> (NodeStatus, &str) {
        match node.status {
            NodeStatus::Up => (node.status, palette.role(node.role)),
            _ => (node.status, palette.down.as_str()),
        }
    };
    let mut looks: Vec<(NodeStatus, &str)> = Vec::new();
    for node in &scene.nodes {
        let key = look(node);
        if !looks.contains(&key) && looks.len() < 16 {
            looks.push(key);
        }
    }
    let extent = radius * 2.0 + 6.0;
    for key in looks {
        let (status, stroke) = key;
        let (fill, dash): (&str, &[f64]) = match status {
            NodeStatus::Up => (&palette.panel, &[]),
            NodeStatus::Paused => (&palette.panel, &[2.0, 2.0]),
            NodeStatus::Crashed | NodeStatus::Removed => (&palette.panel_2, &[3.0, 2.0]),
        };
        let Some(disc) = sprite(extent, ratio, |context, centre| {
            context.begin_path();
            let _ = context.arc(centre.x, centre.y, radius, 0.0, std::f64::consts::TAU);
            context.set_fill_style_str(fill);
            context.fill();
            context.set_line_width(if radius < 8.0 { 1.5 } else { 2.5 });
            context.set_stroke_style_str(stroke);
            let _ = context.set_line_dash(&dashes(dash));
            context.stroke();
        }) else {
            continue;
        };
        for node in scene.nodes.iter().filter(|node| look(node) == key) {
            stamp(&context, &disc, node.at, extent);
        }
    }
    let _ = context.set_line_dash(&no_dash);

    // Crashed nodes also carry a cross, as the SVG canvas's "✕ down" does.
    context.begin_path();
    let arm = radius * 0.6;
    for node in scene
        .nodes
        .iter()
        .filter(|node| node.status == NodeStatus::Crashed)
    {
        context.move_to(node.at.x - arm, node.at.y - arm);
        context.line_to(node.at.x + arm, node.at.y + arm);
        context.move_to(node.at.x + arm, node.at.y - arm);
        context.line_to(node.at.x - arm, node.at.y + arm);
    }
    context.set_line_width(1.2);
    context.set_stroke_style_str(&palette.down);
    context.stroke();

    // Rings: the selected node and the partition group being drawn.
    let ring = |ids: &[NodeId], colour: &str, dash: &[f64]| {
        context.begin_path();
        for node in scene.nodes.iter().filter(|node| ids.contains(&node.id)) {
            let r = radius + 4.0;
            context.move_to(node.at.x + r, node.at.y);
            let _ = context.arc(node.at.x, node.at.y, r, 0.0, std::f64::consts::TAU);
        }
        context.set_line_width(2.5);
        context.set_stroke_style_str(colour);
        let _ = context.set_line_dash(&dashes(dash));
        context.stroke();
    };
    ring(&scene.group, &palette.warn, &[4.0, 3.0]);
    ring(scene.selected.as_slice(), &palette.accent, &[]);
    let _ = context.set_line_dash(&no_dash);
}

/// A small off-screen canvas `extent` units square with one glyph drawn by `draw` around its
/// centre. Stamping a sprite copies pixels, which the browser rasterises far faster than filling
/// and stroking the same small path a thousand times (in a software-rendered browser the
/// difference is most of a frame).
fn sprite(
    extent: f64,
    ratio: f64,
    draw: impl FnOnce(&CanvasRenderingContext2d, Point),
) -> Option<HtmlCanvasElement> {
    let canvas = web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into::<HtmlCanvasElement>()
        .ok()?;
    let pixels = (extent * ratio).ceil().max(1.0) as u32;
    canvas.set_width(pixels);
    canvas.set_height(pixels);
    let context = canvas
        .get_context("2d")
        .ok()
        .flatten()?
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    let _ = context.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
    draw(
        &context,
        Point {
            x: extent / 2.0,
            y: extent / 2.0,
        },
    );
    Some(canvas)
}

/// Draws `sprite` (`extent` units square) centred on `at`.
fn stamp(context: &CanvasRenderingContext2d, sprite: &HtmlCanvasElement, at: Point, extent: f64) {
    let _ = context.draw_image_with_html_canvas_element_and_dw_and_dh(
        sprite,
        at.x - extent / 2.0,
        at.y - extent / 2.0,
        extent,
        extent,
    );
}

fn dashes(pattern: &[f64]) -> js_sys::Array {
    pattern
        .iter()
        .map(|&step| JsValue::from_f64(step))
        .collect()
}

/// Adds one glyph of `shape` centred on `at` to the current path.
fn trace_shape(context: &CanvasRenderingContext2d, shape: Shape, at: Point, size: f64) {
    let (x, y) = (at.x, at.y);
    match shape {
        Shape::Circle => {
            context.move_to(x + size, y);
            let _ = context.arc(x, y, size, 0.0, std::f64::consts::TAU);
        }
        Shape::Square => context.rect(x - size, y - size, 2.0 * size, 2.0 * size),
        Shape::Diamond => {
            let d = size * 1.3;
            context.move_to(x, y - d);
            context.line_to(x + d, y);
            context.line_to(x, y + d);
            context.line_to(x - d, y);
            context.close_path();
        }
        Shape::Triangle => {
            let d = size * 1.3;
            context.move_to(x, y - d);
            context.line_to(x + d, y + d * 0.8);
            context.line_to(x - d, y + d * 0.8);
            context.close_path();
        }
    }
}

/// The node under canvas point `at`, if any: the nearest within its radius plus a few units of
/// slack (small nodes are hard to hit exactly).
pub fn node_at(nodes: &[CanvasNode], radius: f64, at: Point) -> Option<NodeId> {
    let reach = radius + 4.0;
    nodes
        .iter()
        .map(|node| {
            (
                node.id,
                (node.at.x - at.x).powi(2) + (node.at.y - at.y).powi(2),
            )
        })
        .filter(|&(_, distance)| distance <= reach * reach)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}
