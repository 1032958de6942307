//! The ring: token positions coloured by owner, owner arcs, a sample of the keys as
//! dots, and the selected key's walk clockwise to its owner and replicas.
//!
//! Moved keys are drawn as outlined squares rather than filled circles, so the shape
//! says "moved" as well as the colour. Schemes without a ring (modulo, rendezvous, jump,
//! Maglev) still place each key dot at its hash's position, for comparison.

use netsplit_core::protocol::NodeId;
use yew::prelude::*;

use super::state::{Action, HashingHandle, TOKEN_TICKS_MAX, count, node_colour, node_label};

const SIZE: f64 = 360.0;
const CENTRE: f64 = SIZE / 2.0;
const RING_RADIUS: f64 = 150.0;
const KEY_RADIUS: f64 = 128.0;

/// A point at `fraction` of the way round a circle of `radius`, clockwise from the top.
fn point(fraction: f64, radius: f64) -> (f64, f64) {
    let (cos, sin) = crate::layout::unit_circle(fraction);
    (CENTRE + radius * sin, CENTRE - radius * cos)
}

/// An SVG path along the ring from `start` to `end` (fractions, clockwise).
fn arc_path(start: f64, end: f64, radius: f64) -> String {
    let span = (end - start).rem_euclid(1.0);
    let (x0, y0) = point(start, radius);
    let (x1, y1) = point(end, radius);
    let large = if span > 0.5 { 1 } else { 0 };
    format!("M {x0:.2} {y0:.2} A {radius} {radius} 0 {large} 1 {x1:.2} {y1:.2}")
}

/// Props of [`HashingRing`].
#[derive(Properties, PartialEq)]
pub struct HashingRingProps {
    /// The page's reducer.
    pub state: HashingHandle,
}

/// The ring picture.
#[component]
pub fn HashingRing(props: &HashingRingProps) -> Html {
    let state = &props.state;
    let ring = &state.derived.ring;
    let has_ring = !ring.tokens.is_empty();

    // A full ring with a million tokens would be a million SVG nodes: keep an even
    // sample of the ticks, and draw arcs only when they are few enough to see.
    let stride = ring.tokens.len().div_ceil(TOKEN_TICKS_MAX).max(1);
    let ticks = ring.tokens.iter().step_by(stride).map(|token| {
        let (x0, y0) = point(token.fraction, RING_RADIUS - 6.0);
        let (x1, y1) = point(token.fraction, RING_RADIUS + 6.0);
        html! {
            <line class="token" x1={format!("{x0:.2}")} y1={format!("{y0:.2}")}
                x2={format!("{x1:.2}")} y2={format!("{y1:.2}")}
                stroke={node_colour(token.node)} />
        }
    });
    let arcs = (ring.arcs.len() <= TOKEN_TICKS_MAX).then(|| {
        ring.arcs
            .iter()
            .map(|arc| {
                html! {
                    <path class="arc" d={arc_path(arc.start_fraction, arc.end_fraction, RING_RADIUS)}
                        stroke={node_colour(arc.node)} />
                }
            })
            .collect::<Html>()
    });

    let dots = ring.keys.iter().map(|dot| {
        let (x, y) = point(dot.fraction, KEY_RADIUS);
        let onclick = {
            let state = state.clone();
            let key = dot.key;
            Callback::from(move |_| state.dispatch(Action::SelectKey(Some(key))))
        };
        if dot.moved {
            html! {
                <rect class="key moved" x={format!("{:.2}", x - 3.5)} y={format!("{:.2}", y - 3.5)}
                    width="7" height="7" fill={node_colour(dot.node)} onclick={onclick} />
            }
        } else {
            html! {
                <circle class="key" cx={format!("{x:.2}")} cy={format!("{y:.2}")} r="2.2"
                    fill={node_colour(dot.node)} onclick={onclick} />
            }
        }
    });

    let walk = ring.selected.as_ref().map(|walk| {
        let (kx, ky) = point(walk.fraction, KEY_RADIUS);
        let (kx_out, ky_out) = point(walk.fraction, RING_RADIUS);
        let path = walk.visited.last().map(|last| {
            html! {
                <path class="walk" d={arc_path(walk.fraction, last.fraction, RING_RADIUS + 14.0)} />
            }
        });
        let replicas = walk.replicas.clone().unwrap_or_default();
        // A stop is where the walk first meets each node of the preference list (the core
        // computes the list; a node with several tokens on the walk is a stop once).
        let mut met: Vec<NodeId> = Vec::with_capacity(replicas.len());
        let first_visits = walk.visited.iter().filter(move |token| {
            let first = replicas.contains(&token.node) && !met.contains(&token.node);
            if first {
                met.push(token.node);
            }
            first
        });
        // Dense rings put the replicas' tokens side by side, so each label sits one step
        // further out than the one before to stay readable.
        let stops = first_visits.enumerate().map(|(step, token)| {
            let (x, y) = point(token.fraction, RING_RADIUS + 14.0);
            let (lx, ly) = point(token.fraction, RING_RADIUS + 26.0 + 10.0 * step as f64);
            let is_owner = token.node == walk.owner;
            html! {
                <g class={classes!("walk-stop", is_owner.then_some("owner"))}>
                    <circle cx={format!("{x:.2}")} cy={format!("{y:.2}")} r={if is_owner { "6" } else { "4.5" }}
                        fill={node_colour(token.node)} />
                    <text x={format!("{lx:.2}")} y={format!("{ly:.2}")} text-anchor="middle" dominant-baseline="middle">
                        { node_label(token.node) }
                    </text>
                </g>
            }
        });
        html! {
            <g class="selected-key">
                <line class="walk" x1={format!("{kx:.2}")} y1={format!("{ky:.2}")}
                    x2={format!("{kx_out:.2}")} y2={format!("{ky_out:.2}")} />
                { path.unwrap_or_default() }
                { for stops }
                <circle class="key selected" cx={format!("{kx:.2}")} cy={format!("{ky:.2}")} r="5" />
            </g>
        }
    });

    let label = if has_ring {
        format!(
            "The ring of the {} scheme: {} tokens, {} key dots shown of {} keys",
            ring.scheme.name(),
            count(ring.tokens.len() as u64),
            ring.keys.len(),
            count(state.lab.keys().len() as u64)
        )
    } else {
        format!(
            "The {} scheme has no ring; {} key dots of {} keys are drawn at their hash positions",
            ring.scheme.name(),
            ring.keys.len(),
            count(state.lab.keys().len() as u64)
        )
    };

    html! {
        <figure class="hashing-ring-figure">
            <svg class="hashing-ring" viewBox={format!("0 0 {SIZE} {SIZE}")} role="img" aria-label={label.clone()}>
                <circle class="ring-track" cx={CENTRE.to_string()} cy={CENTRE.to_string()} r={RING_RADIUS.to_string()} />
                { arcs.unwrap_or_default() }
                { for ticks }
                { for dots }
                { walk.unwrap_or_default() }
            </svg>
            <figcaption class="muted">
                { label }
                { ". Circles are keys, outlined squares are keys the last change moved; click one to select it." }
            </figcaption>
        </figure>
    }
}
