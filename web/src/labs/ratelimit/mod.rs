//! The rate limiting lab in the browser: a page of its own whose side-by-side view runs the
//! six limiters' pure models, and whose "Distributed limiter" tab runs the shared
//! playground on the engine. In the published site the tab is a part with a bundle of its
//! own ([`DISTRIBUTED`], see `crate::remote_part`), downloaded when the tab first opens.

use yew::prelude::*;

use super::LabEntry;
use crate::bundle::{Bundle, PartView};

pub mod controls;
pub mod distributed;
pub mod model;
pub mod page;
pub mod timeline;

/// The lab as the web app carries it (with the engine, for the distributed tab).
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("ratelimit-bug-distributed-partition"),
    page: ratelimit_page,
    ..LabEntry::playground(&netsplit_core::labs::ratelimit::lab::LAB, picture, || {
        &BUNDLE
    })
};

/// The name of the distributed tab's part.
pub const DISTRIBUTED_PART: &str = "ratelimit-distributed";

/// The parts of the rate limiting page: its distributed tab.
pub const PARTS: &[(&str, PartView)] = &[(DISTRIBUTED_PART, distributed_part)];

/// The rate limiting page without its distributed tab: the side-by-side view needs no
/// simulation engine, so the page's own bundle leaves it out.
pub static BUNDLE: Bundle = super::single(
    "ratelimit",
    &[LabEntry {
        build: None,
        ..ENTRY
    }],
);

/// The rate limiting page's "Distributed limiter" tab, as a part (see `crate::remote_part`).
pub static DISTRIBUTED: Bundle = Bundle {
    name: DISTRIBUTED_PART,
    home: None,
    labs: &[ENTRY],
    parts: PARTS,
};

fn ratelimit_page(_: &'static LabEntry) -> Html {
    // The side-by-side view is not a message-passing run; the distributed view mounts the
    // playground itself (or, in the published site, the part's bundle does).
    html! { <page::RateLimitLab /> }
}

fn distributed_part(preset: Option<String>) -> Html {
    let key = preset.clone().unwrap_or_default();
    html! { <distributed::RateLimitDistributed key={key} preset={preset} /> }
}

/// Two timelines of arrivals, some admitted and some refused, under a rate curve.
fn picture() -> Html {
    html! { <>
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
    </> }
}
