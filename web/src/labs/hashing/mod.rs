//! The consistent hashing lab in the browser: a page of its own over the core's model (no
//! simulation engine): the ring, the load chart, the schemes compared, a key's walk.

use yew::prelude::*;

use super::LabEntry;
use crate::bundle::Bundle;
use crate::components::lab_picture::on_circle;

pub mod charts;
pub mod page;
pub mod ring;
pub mod state;

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    page: hashing_page,
    ..LabEntry::playground(&netsplit_core::labs::hashing::lab::LAB, picture, || &BUNDLE)
};

/// The bundle of the hashing page alone.
pub static BUNDLE: Bundle = super::single("hashing", &[ENTRY]);

fn hashing_page(_: &'static LabEntry) -> Html {
    html! { <page::HashingLabPage /> }
}

/// A ring of tokens in four nodes' colours, one key marked.
fn picture() -> Html {
    html! { <>
        <circle cx="120" cy="60" r="44" fill="none" stroke="var(--border)" stroke-width="6" />
        { for (0..24).map(|index| {
            let (x, y) = on_circle(index, 24, 44.0);
            let colours = ["var(--accent)", "var(--leader)", "var(--ok)", "var(--candidate)"];
            html! { <circle cx={x.to_string()} cy={y.to_string()} r="3.5" fill={colours[index % 4]} /> }
        }) }
        <rect x="160" y="30" width="8" height="8" fill="none" stroke="var(--bad)" stroke-width="2" />
    </> }
}
