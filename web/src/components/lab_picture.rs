//! The shapes the gallery cards' pictures share: each lab draws its own picture
//! (`web/src/labs/<lab>/`) from these, in a 240 x 120 view box, so the gallery shows what
//! each lab looks like without loading it.

use yew::prelude::*;

/// The point at `index` of `count` spread around a circle of `radius` centred in the picture,
/// starting at the top.
pub fn on_circle(index: usize, count: usize, radius: f64) -> (f64, f64) {
    let (cos, sin) = crate::layout::unit_circle(index as f64 / count as f64 - 0.25);
    (120.0 + radius * cos, 60.0 + radius * sin)
}

/// A node: a circle with a coloured outline, dashed when `dashed` (crashed or slowed).
pub fn node(x: f64, y: f64, stroke: &str, dashed: bool) -> Html {
    html! {
        <circle cx={x.to_string()} cy={y.to_string()} r="10" fill="var(--panel)" stroke={stroke.to_string()}
                stroke-width="2.5" stroke-dasharray={if dashed { "4 3" } else { "none" }} />
    }
}

/// A cluster of five nodes, every pair linked: `leader` rings the first node in the
/// leader's colour and dashes the fourth (crashed); `cut` draws the link between the second
/// and third nodes as cut.
pub fn cluster(leader: bool, cut: bool) -> Html {
    let count = 5;
    let points: Vec<(f64, f64)> = (0..count)
        .map(|index| on_circle(index, count, 42.0))
        .collect();
    html! { <>
        { for (0..count).flat_map(|a| ((a + 1)..count).map(move |b| (a, b))).map(|(a, b)| {
            let cut = cut && a == 1 && b == 2;
            html! { <line x1={points[a].0.to_string()} y1={points[a].1.to_string()} x2={points[b].0.to_string()} y2={points[b].1.to_string()}
                stroke={if cut { "var(--bad)" } else { "var(--border)" }} stroke-width="1.5" stroke-dasharray={if cut { "4 3" } else { "none" }} /> }
        }) }
        { for points.iter().enumerate().map(|(index, &(x, y))| {
            let stroke = if leader && index == 0 { "var(--leader)" } else { "var(--follower)" };
            html! { <>
                { node(x, y, stroke, leader && index == 3) }
                if leader && index == 0 { <circle cx={x.to_string()} cy={y.to_string()} r="14" fill="none" stroke="var(--leader)" stroke-width="1.5" /> }
            </> }
        }) }
        <rect x={(points[0].0 * 0.5 + points[2].0 * 0.5 - 3.0).to_string()} y={(points[0].1 * 0.5 + points[2].1 * 0.5 - 3.0).to_string()} width="6" height="6" fill="var(--accent)" />
    </> }
}

/// A card's picture: `body`'s shapes in the picture frame.
pub fn lab_picture(body: Html) -> Html {
    html! {
        <svg class="thumb" viewBox="0 0 240 120" role="img" aria-hidden="true">{ body }</svg>
    }
}
