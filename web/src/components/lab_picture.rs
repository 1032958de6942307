//! A small picture for each lab's gallery card, drawn in SVG from the same shapes the labs use,
//! so the gallery shows what each lab looks like without loading it.

use yew::prelude::*;

/// Props of [`LabPicture`].
#[derive(Properties, PartialEq)]
pub struct LabPictureProps {
    /// The lab's route id.
    pub lab: &'static str,
}

fn on_circle(index: usize, count: usize, radius: f64) -> (f64, f64) {
    let (cos, sin) = crate::layout::unit_circle(index as f64 / count as f64 - 0.25);
    (120.0 + radius * cos, 60.0 + radius * sin)
}

fn node(x: f64, y: f64, stroke: &str, dashed: bool) -> Html {
    html! {
        <circle cx={x.to_string()} cy={y.to_string()} r="10" fill="var(--panel)" stroke={stroke.to_string()}
                stroke-width="2.5" stroke-dasharray={if dashed { "4 3" } else { "none" }} />
    }
}

/// The picture of lab `lab`.
#[component]
pub fn LabPicture(props: &LabPictureProps) -> Html {
    let body = match props.lab {
        "raft" | "broadcast" => {
            let count = 5;
            let points: Vec<(f64, f64)> = (0..count)
                .map(|index| on_circle(index, count, 42.0))
                .collect();
            let leader = props.lab == "raft";
            html! { <>
                { for (0..count).flat_map(|a| ((a + 1)..count).map(move |b| (a, b))).map(|(a, b)| {
                    let cut = props.lab == "broadcast" && a == 1 && b == 2;
                    html! { <line x1={points[a].0.to_string()} y1={points[a].1.to_string()} x2={points[b].0.to_string()} y2={points[b].1.to_string()}
                        stroke={if cut { "var(--bad)" } else { "var(--border)" }} stroke-width="1.5" stroke-dasharray={if cut { "4 3" } else { "none" }} /> }
                }) }
                { for points.iter().enumerate().map(|(index, &(x, y))| {
                    let stroke = if leader && index == 0 { "var(--leader)" } else { "var(--follower)" };
                    html! { <>
                        { node(x, y, stroke, props.lab == "raft" && index == 3) }
                        if leader && index == 0 { <circle cx={x.to_string()} cy={y.to_string()} r="14" fill="none" stroke="var(--leader)" stroke-width="1.5" /> }
                    </> }
                }) }
                <rect x={(points[0].0 * 0.5 + points[2].0 * 0.5 - 3.0).to_string()} y={(points[0].1 * 0.5 + points[2].1 * 0.5 - 3.0).to_string()} width="6" height="6" fill="var(--accent)" />
            </> }
        }
        "hashing" => html! { <>
            <circle cx="120" cy="60" r="44" fill="none" stroke="var(--border)" stroke-width="6" />
            { for (0..24).map(|index| {
                let (x, y) = on_circle(index, 24, 44.0);
                let colours = ["var(--accent)", "var(--leader)", "var(--ok)", "var(--candidate)"];
                html! { <circle cx={x.to_string()} cy={y.to_string()} r="3.5" fill={colours[index % 4]} /> }
            }) }
            <rect x="160" y="30" width="8" height="8" fill="none" stroke="var(--bad)" stroke-width="2" />
        </> },
        "ratelimit" => html! { <>
            <line x1="20" y1="40" x2="220" y2="40" stroke="var(--border)" />
            <line x1="20" y1="80" x2="220" y2="80" stroke="var(--border)" />
            { for (0..14).map(|index| {
                let x = 24.0 + 14.0 * index as f64;
                if index % 3 == 2 {
                    html! { <text x={x.to_string()} y="85" font-size="12" text-anchor="middle" fill="var(--bad)">{ "✕" }</text> }
                } else {
                    html! { <circle cx={x.to_string()} cy="40" r="4" fill="var(--ok)" /> }
                }
            }) }
            <polyline points="20,20 60,30 100,18 140,32 180,20 220,28" fill="none" stroke="var(--accent)" stroke-width="2" />
        </> },
        _ => html! { <>
            { node(40.0, 60.0, "var(--candidate)", false) }
            { node(120.0, 60.0, "var(--leader)", false) }
            { for (0..4).map(|index| {
                let y = 18.0 + 28.0 * index as f64;
                html! { <>
                    <line x1="130" y1="60" x2="190" y2={y.to_string()} stroke="var(--border)" stroke-width="1.5" />
                    { node(200.0, y, if index == 2 { "var(--bad)" } else { "var(--follower)" }, index == 2) }
                </> }
            }) }
            <line x1="50" y1="60" x2="110" y2="60" stroke="var(--border)" stroke-width="1.5" />
        </> },
    };
    html! {
        <svg class="thumb" viewBox="0 0 240 120" role="img" aria-hidden="true">{ body }</svg>
    }
}
