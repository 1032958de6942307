//! Which pages this build of the app carries.
//!
//! The site ships one WebAssembly bundle per page (the gallery, and each lab) so a first
//! visit downloads only the page it opens: `www/loader.js` reads the URL and starts the
//! matching bundle. Each bundle's `main` (web/src/bin/) installs its [`Bundle`], and
//! everything lab-specific the shared code needs (building a run, the presets, the lab's
//! page, its extra panels) is reached through it, never named directly, so the linker
//! leaves the other labs out. The development build (`netsplit-app`, what `trunk serve`
//! runs) carries [`ALL`].
//!
//! To add a lab: give it a [`LabEntry`] here, list it in [`ALL`], and give it a bundle of
//! its own (a constant here, a `main` in web/src/bin/, its id in www/loader.js and xtask).

use std::sync::OnceLock;

use netsplit_core::lab::{Builder, LabRun};
use netsplit_core::presets::of_lab;
use netsplit_core::scenario::{Scenario, ScenarioError};
use yew::prelude::*;

use crate::labs::LabCard;
use crate::route::Route;
use crate::state::PlaygroundHandle;

/// A lab compiled into a bundle: the hooks the shared code calls for it.
pub struct LabEntry {
    /// The lab's route id and scenario `"lab"` name.
    pub id: &'static str,
    /// Builds a run of the lab's scenarios, if it is a simulated lab the playground drives
    /// (the hashing lab renders its own scenarios).
    pub build: Option<Builder>,
    /// The lab's presets, as `(name, JSON text)`.
    pub presets: &'static [(&'static str, &'static str)],
    /// Renders the lab's page.
    pub page: fn(&'static LabCard) -> Html,
    /// Renders the lab's own figures from its run, at the top of the figures panel.
    pub figures: fn(&dyn LabRun) -> Html,
    /// Renders the lab's own panels under the playground.
    pub extras: fn(&PlaygroundHandle) -> Html,
}

/// The pages one bundle carries.
pub struct Bundle {
    /// The bundle's name, as in `netsplit-raft.wasm`.
    pub name: &'static str,
    /// Renders the lab gallery, if the bundle carries it.
    pub home: Option<fn() -> Html>,
    /// The labs it carries.
    pub labs: &'static [LabEntry],
    /// The parts of pages it carries, by name: views a page shows in a part of itself (see
    /// [`crate::remote_part`]). A page whose bundle lacks a part it shows downloads the
    /// part's own bundle instead.
    pub parts: &'static [(&'static str, PartView)],
}

/// Renders a part of a page, given the preset the page asks for.
pub type PartView = fn(Option<String>) -> Html;

impl Bundle {
    /// The entry of lab `id`, if this bundle carries it.
    pub fn lab(&self, id: &str) -> Option<&'static LabEntry> {
        self.labs.iter().find(|lab| lab.id == id)
    }

    /// Whether this bundle can show `route`.
    pub fn shows(&self, route: &Route) -> bool {
        match route {
            Route::Home => self.home.is_some(),
            Route::Lab(id) => self.lab(id).is_some(),
            Route::NotFound(_) => true,
        }
    }

    /// The presets of every lab in the bundle.
    pub fn presets(&self) -> impl Iterator<Item = &'static (&'static str, &'static str)> {
        self.labs.iter().flat_map(|lab| lab.presets.iter())
    }

    /// The preset called `name`, if a lab of this bundle has it.
    pub fn preset(&self, name: &str) -> Option<&'static str> {
        self.presets()
            .find(|(preset, _)| *preset == name)
            .map(|(_, text)| *text)
    }

    /// The view of part `name`, if this bundle carries it.
    pub fn part(&self, name: &str) -> Option<PartView> {
        self.parts
            .iter()
            .find(|(part, _)| *part == name)
            .map(|(_, view)| *view)
    }

    /// Builds the run `scenario` describes, if this bundle carries its lab.
    pub fn build(&self, scenario: &Scenario) -> Result<Box<dyn LabRun>, ScenarioError> {
        let builders: Vec<(&str, Builder)> = self
            .labs
            .iter()
            .filter_map(|lab| Some((lab.id, lab.build?)))
            .collect();
        netsplit_core::lab::build_among(scenario, &builders)
    }
}

static INSTALLED: OnceLock<&'static Bundle> = OnceLock::new();

/// Makes `bundle` the one this page runs. Each `main` calls it once before rendering;
/// tests call it with [`ALL`]. A second call with another bundle is ignored.
pub fn install(bundle: &'static Bundle) {
    let _ = INSTALLED.set(bundle);
}

/// The bundle this page runs: the installed one, or [`EMPTY`] before `install`.
pub fn current() -> &'static Bundle {
    INSTALLED.get().copied().unwrap_or(&EMPTY)
}

/// Carries nothing: what [`current`] gives before a bundle is installed.
pub static EMPTY: Bundle = Bundle {
    name: "empty",
    home: None,
    labs: &[],
    parts: &[],
};

fn gallery() -> Html {
    html! { <crate::components::home_gallery::HomeGallery /> }
}

fn no_figures(_: &dyn LabRun) -> Html {
    Html::default()
}

fn no_extras(_: &PlaygroundHandle) -> Html {
    Html::default()
}

fn playground_page(card: &'static LabCard) -> Html {
    html! { <crate::components::lab_page::LabPage card={card} /> }
}

const BROADCAST_LAB: LabEntry = LabEntry {
    id: "broadcast",
    build: Some(netsplit_core::lab::build_broadcast),
    presets: of_lab::BROADCAST,
    page: playground_page,
    figures: no_figures,
    extras: no_extras,
};

fn raft_extras(state: &PlaygroundHandle) -> Html {
    html! { <>
        { crate::components::raft_view::raft_view(state) }
        <crate::components::raft_experiment::RaftExperiment />
    </> }
}

const RAFT_LAB: LabEntry = LabEntry {
    id: "raft",
    build: Some(netsplit_core::lab::build_raft),
    presets: of_lab::RAFT,
    page: playground_page,
    figures: no_figures,
    extras: raft_extras,
};

fn ratelimit_page(_: &'static LabCard) -> Html {
    // The rate limiting lab has its own page: the side-by-side view is not a
    // message-passing run, and its distributed view mounts the playground itself (or, in
    // the published site, the `ratelimit-distributed` bundle's part does).
    html! { <crate::components::ratelimit_lab::RateLimitLab /> }
}

fn ratelimit_distributed_part(preset: Option<String>) -> Html {
    let key = preset.clone().unwrap_or_default();
    html! {
        <crate::components::ratelimit_distributed::RateLimitDistributed key={key} preset={preset} />
    }
}

const RATELIMIT_LAB: LabEntry = LabEntry {
    id: "ratelimit",
    build: Some(netsplit_core::lab::build_ratelimit),
    presets: of_lab::RATELIMIT,
    page: ratelimit_page,
    figures: no_figures,
    extras: no_extras,
};

fn loadbalancing_figures(run: &dyn LabRun) -> Html {
    netsplit_core::protocols::loadbalancing::lab::report_of(run)
        .as_ref()
        .map(crate::components::loadbalancing_figures::loadbalancing_figures)
        .unwrap_or_default()
}

const LOADBALANCING_LAB: LabEntry = LabEntry {
    id: "loadbalancing",
    build: Some(netsplit_core::lab::build_loadbalancing),
    presets: of_lab::LOADBALANCING,
    page: playground_page,
    figures: loadbalancing_figures,
    extras: no_extras,
};

fn hashing_page(_: &'static LabCard) -> Html {
    html! { <crate::components::hashing_lab::HashingLabPage /> }
}

const HASHING_LAB: LabEntry = LabEntry {
    id: "hashing",
    // Not a message-passing simulation: the page runs its own model, with its own presets
    // (`netsplit_core::labs::hashing::presets`).
    build: None,
    presets: &[],
    page: hashing_page,
    figures: no_figures,
    extras: no_extras,
};

/// The rate limiting page's distributed tab.
const RATELIMIT_PARTS: &[(&str, PartView)] =
    &[("ratelimit-distributed", ratelimit_distributed_part)];

/// Every page: the development build (`trunk serve`) and the tests.
pub static ALL: Bundle = Bundle {
    name: "app",
    home: Some(gallery),
    labs: &[
        RAFT_LAB,
        HASHING_LAB,
        RATELIMIT_LAB,
        LOADBALANCING_LAB,
        BROADCAST_LAB,
    ],
    parts: RATELIMIT_PARTS,
};

/// The lab gallery alone.
pub static HOME: Bundle = Bundle {
    name: "home",
    home: Some(gallery),
    labs: &[],
    parts: &[],
};

/// The Raft lab.
pub static RAFT: Bundle = Bundle {
    name: "raft",
    home: None,
    labs: &[RAFT_LAB],
    parts: &[],
};

/// The consistent hashing lab.
pub static HASHING: Bundle = Bundle {
    name: "hashing",
    home: None,
    labs: &[HASHING_LAB],
    parts: &[],
};

/// The rate limiting lab's page, without its "Distributed limiter" tab: the tab runs the
/// simulation engine, which the side-by-side view does not need, so it is a bundle of its
/// own ([`RATELIMIT_DISTRIBUTED`]) downloaded when the tab is first opened.
pub static RATELIMIT: Bundle = Bundle {
    name: "ratelimit",
    home: None,
    labs: &[LabEntry {
        build: None,
        ..RATELIMIT_LAB
    }],
    parts: &[],
};

/// The rate limiting page's "Distributed limiter" tab, as a part (see [`crate::remote_part`]).
pub static RATELIMIT_DISTRIBUTED: Bundle = Bundle {
    name: "ratelimit-distributed",
    home: None,
    labs: &[RATELIMIT_LAB],
    parts: RATELIMIT_PARTS,
};

/// The load balancing lab.
pub static LOADBALANCING: Bundle = Bundle {
    name: "loadbalancing",
    home: None,
    labs: &[LOADBALANCING_LAB],
    parts: &[],
};

/// The broadcast lab.
pub static BROADCAST: Bundle = Bundle {
    name: "broadcast",
    home: None,
    labs: &[BROADCAST_LAB],
    parts: &[],
};

/// Starts the app with `bundle`: what every bundle's `main` does.
pub fn start(bundle: &'static Bundle) {
    crate::panic_overlay::install();
    install(bundle);
    yew::Renderer::<crate::App>::new().render();
}
