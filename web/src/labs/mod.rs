//! The labs, one folder each (`web/src/labs/<lab>/`, mirroring `core/src/labs/<lab>/`),
//! and the web catalogue that lists them.
//!
//! A lab's folder holds its [`LabEntry`] (`ENTRY`: everything the shared code asks of it:
//! its card and picture, presets, the buttons its toolbar adds, its page, figures and
//! extra panels), the bundle that carries it alone (`BUNDLE`, started by
//! `web/src/bin/netsplit-<lab>.rs`) and its own views. Shared code never names a lab: it
//! reaches the lab on screen through [`entry`], which asks the installed bundle, so a
//! per-lab bundle links only its own lab's code.
//!
//! Adding a lab: its folder here, one line in [`ENTRIES`], one `main` in `web/src/bin/`.
//! The tests (`web/tests/bundle.rs`) fail, naming what is missing, when one of these or
//! the core's catalogue entry is absent.

use netsplit_core::lab::{Builder, Lab, LabInfo, LabRun};
use yew::prelude::*;

use crate::state::PlaygroundHandle;

pub mod broadcast;
pub mod clocks;
pub mod crdt;
pub mod gossip;
pub mod hashing;
pub mod idempotency;
pub mod loadbalancing;
pub mod paxos;
pub mod raft;
pub mod ratelimit;
pub mod transactions;

/// Every lab, in gallery order: the same labs, in the same order, as the core's catalogue
/// (`netsplit_core::catalogue::LABS`).
pub const ENTRIES: &[LabEntry] = &[
    raft::ENTRY,
    paxos::ENTRY,
    crdt::ENTRY,
    gossip::ENTRY,
    transactions::ENTRY,
    idempotency::ENTRY,
    hashing::ENTRY,
    ratelimit::ENTRY,
    loadbalancing::ENTRY,
    broadcast::ENTRY,
    clocks::ENTRY,
];

/// Every lab's card, in gallery order. Computed when compiling, so a page that only lists
/// the labs (the gallery, the header) links the cards and none of the labs' code.
pub const CARDS: [LabCard; ENTRIES.len()] = {
    let mut cards = [ENTRIES[0].card; ENTRIES.len()];
    let mut index = 0;
    while index < ENTRIES.len() {
        cards[index] = ENTRIES[index].card;
        index += 1;
    }
    cards
};

/// Every lab's route id and title, in gallery order: what the header's links and the router
/// need. Apart from [`CARDS`] because a card names its picture's function, and a page that
/// links a card links that function too: the header would otherwise carry every lab's
/// picture into every page (4 KB of code on the Raft page).
pub const LINKS: [(&str, &str); ENTRIES.len()] = {
    let mut links = [("", ""); ENTRIES.len()];
    let mut index = 0;
    while index < ENTRIES.len() {
        links[index] = (ENTRIES[index].card.id, ENTRIES[index].card.title);
        index += 1;
    }
    links
};

/// One lab's card in the gallery: the core's description of it and a small picture.
#[derive(Clone, Copy, Debug)]
pub struct LabCard {
    /// The route id, as in `#/raft`, and the scenario's `"lab"` name.
    pub id: &'static str,
    /// The card's title.
    pub title: &'static str,
    /// One line saying what a learner does there.
    pub description: &'static str,
    /// The papers and write-ups it reproduces.
    pub papers: &'static [&'static str],
    /// Draws the card's picture (SVG shapes inside a 240 x 120 view box).
    pub picture: fn() -> Html,
}

impl PartialEq for LabCard {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl LabCard {
    /// The card of the lab `info` describes, with its picture.
    pub const fn of(info: &LabInfo, picture: fn() -> Html) -> LabCard {
        LabCard {
            id: info.name,
            title: info.title,
            description: info.description,
            papers: info.papers,
            picture,
        }
    }
}

/// A lab-specific button: its label (also its accessible name), the lab action it sends,
/// and its arguments; `"$node"` in the arguments stands for the selected node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabButton {
    /// What the button says.
    pub label: &'static str,
    /// The lab action's name.
    pub action: &'static str,
    /// The arguments as JSON text.
    pub args: &'static str,
    /// Whether it needs a selected node.
    pub needs_node: bool,
}

/// A lab parameter the Parameters form edits: a number in the scenario's `params`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamField {
    /// The form field's id.
    pub id: &'static str,
    /// The field's label (also its accessible name).
    pub label: &'static str,
    /// The key in `params`.
    pub param: &'static str,
    /// The value when `params` has none (the core's default); NaN for an optional
    /// parameter the core works out itself when it is absent (left empty in the form, which
    /// then says so in `hint`).
    pub default: f64,
    /// The smallest value allowed.
    pub min: f64,
    /// The largest value allowed.
    pub max: f64,
    /// The id of a field this one must be at least (a range's maximum names its minimum).
    pub at_least: Option<&'static str>,
    /// Whether it must be a whole number.
    pub whole: bool,
    /// A sentence on what it does, for a parameter the form shows among the options (with
    /// the switches) rather than with the numbers.
    pub hint: Option<&'static str>,
}

/// A switch in the Parameters form: a boolean in the scenario's `params`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Toggle {
    /// The form field's id.
    pub id: &'static str,
    /// Where the boolean sits in `params`.
    pub path: &'static [&'static str],
    /// The checkbox's label (also its accessible name).
    pub label: &'static str,
    /// What the switch does, in a sentence (shown beside it).
    pub explanation: &'static str,
    /// Whether it breaks the protocol on purpose (a bug switch) rather than being an option.
    pub bug: bool,
}

/// What the Parameters form offers in a lab beside the network and workload fields.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabForm {
    /// The most nodes the form allows, for labs whose every node plays the same part (the
    /// load balancing and rate limiting labs derive their node count from their roles).
    pub nodes_max: Option<f64>,
    /// The lab's numeric parameters.
    pub params: &'static [ParamField],
    /// The lab's switches.
    pub toggles: &'static [Toggle],
}

/// A form with no lab-specific fields.
pub const NO_FORM: LabForm = LabForm {
    nodes_max: None,
    params: &[],
    toggles: &[],
};

/// A lab as the web app carries it: everything shared code asks of it.
#[derive(Clone, Copy)]
pub struct LabEntry {
    /// Its gallery card.
    pub card: LabCard,
    /// Builds a run of the lab's scenarios, if it is a simulated lab the playground drives
    /// (the hashing lab renders its own model).
    pub build: Option<Builder>,
    /// The lab's presets, as `(name, JSON text)`.
    pub presets: &'static [(&'static str, &'static str)],
    /// The preset the lab opens with.
    pub default_preset: Option<&'static str>,
    /// The client request the toolbar's button sends, as JSON text, if the lab takes requests.
    pub client_request: Option<&'static str>,
    /// What "Add node" does.
    pub add_node: fn() -> netsplit_core::Action,
    /// What the "Add node" button's tooltip says, where adding a node is more than it sounds.
    pub add_node_hint: Option<&'static str>,
    /// What "Remove node" does to a node.
    pub remove_node: fn(u32) -> netsplit_core::Action,
    /// The buttons the lab adds to the fault toolbar.
    pub buttons: &'static [LabButton],
    /// The lab's own controls in the toolbar (the load balancer's policy menu).
    pub controls: Option<fn(&PlaygroundHandle) -> Html>,
    /// The lab gauges drawn over time in the figures panel, as (gauge name, label).
    pub charted_gauges: &'static [(&'static str, &'static str)],
    /// What the Parameters form offers.
    pub form: LabForm,
    /// Renders the lab's page.
    pub page: fn(&'static LabEntry) -> Html,
    /// Renders the lab's own figures from its run, at the top of the figures panel.
    pub figures: fn(&dyn LabRun) -> Html,
    /// Renders the lab's own panels under the playground.
    pub extras: fn(&PlaygroundHandle) -> Html,
    /// The bundle that carries the lab's page alone (its `BUNDLE`, which its `main` in
    /// `web/src/bin/` starts).
    /// (A function, so that the entry and the bundle holding it can name each other.)
    pub bundle: fn() -> &'static crate::bundle::Bundle,
}

impl LabEntry {
    /// The entry of an engine lab shown in the shared playground, with every lab-specific
    /// hook empty: a lab's `ENTRY` starts from this and sets what it has. `bundle` is the
    /// lab's own page bundle.
    pub const fn playground(
        lab: &Lab,
        picture: fn() -> Html,
        bundle: fn() -> &'static crate::bundle::Bundle,
    ) -> LabEntry {
        LabEntry {
            card: LabCard::of(&lab.info, picture),
            build: lab.builder(),
            presets: lab.presets,
            default_preset: None,
            client_request: None,
            add_node,
            add_node_hint: None,
            remove_node,
            buttons: &[],
            controls: None,
            charted_gauges: &[],
            form: NO_FORM,
            page: playground_page,
            figures: no_figures,
            extras: no_extras,
            bundle,
        }
    }

    /// The lab's route id and scenario `"lab"` name.
    pub fn id(&self) -> &'static str {
        self.card.id
    }

    /// The client request the toolbar's button sends, if the lab takes requests.
    pub fn client_request(&self) -> Option<serde_json::Value> {
        self.client_request
            .and_then(|text| serde_json::from_str(text).ok())
    }
}

impl PartialEq for LabEntry {
    fn eq(&self, other: &Self) -> bool {
        self.card.id == other.card.id
    }
}

impl std::fmt::Debug for LabEntry {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("LabEntry")
            .field("id", &self.card.id)
            .finish_non_exhaustive()
    }
}

fn add_node() -> netsplit_core::Action {
    netsplit_core::Action::AddNode
}

fn remove_node(node: u32) -> netsplit_core::Action {
    netsplit_core::Action::RemoveNode { node }
}

fn no_figures(_: &dyn LabRun) -> Html {
    Html::default()
}

fn no_extras(_: &PlaygroundHandle) -> Html {
    Html::default()
}

fn playground_page(entry: &'static LabEntry) -> Html {
    html! { <crate::components::lab_page::LabPage entry={entry} /> }
}

/// The title of the lab with route id `id`, whether or not this bundle carries the lab.
pub fn find(id: &str) -> Option<&'static str> {
    LINKS
        .iter()
        .find(|(lab, _)| *lab == id)
        .map(|(_, title)| *title)
}

/// The entry of lab `id` in the bundle this page runs, if it carries the lab.
pub fn entry(id: &str) -> Option<&'static LabEntry> {
    crate::bundle::current().lab(id)
}

/// A bundle carrying one lab's page alone: what each lab's `BUNDLE` is.
pub const fn single(name: &'static str, labs: &'static [LabEntry]) -> crate::bundle::Bundle {
    crate::bundle::Bundle {
        name,
        home: None,
        labs,
        parts: &[],
    }
}
