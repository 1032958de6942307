//! Which pages this build of the app carries.
//!
//! The site ships one WebAssembly bundle per page (the gallery, and each lab) so a first
//! visit downloads only the page it opens: `www/loader.js` reads the URL and starts the
//! matching bundle. Each bundle's `main` (web/src/bin/) installs its [`Bundle`] (a lab's
//! is `crate::labs::<lab>::BUNDLE`), and everything lab-specific the shared code needs
//! (building a run, the presets, the lab's page, its extra panels) is reached through it
//! (`crate::labs::entry`), never named directly, so the linker leaves the other labs out.
//! The development build (`netsplit-app`, what `trunk serve` runs) carries [`ALL`].
//!
//! xtask builds a bundle for every `main` in web/src/bin/ and lists them in the page, where
//! the loader finds them: nothing here or there names a lab.

use std::sync::OnceLock;

use netsplit_core::lab::{Builder, LabRun};
use netsplit_core::scenario::{Scenario, ScenarioError};
use yew::prelude::*;

use crate::labs::LabEntry;
use crate::route::Route;

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
        self.labs.iter().find(|lab| lab.id() == id)
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
            .filter_map(|lab| Some((lab.id(), lab.build?)))
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

/// Every page: the development build (`trunk serve`) and the tests.
pub static ALL: Bundle = Bundle {
    name: "app",
    home: Some(gallery),
    labs: crate::labs::ENTRIES,
    parts: &[
        crate::labs::ratelimit::PARTS[0],
        crate::labs::raft::PARTS[0],
    ],
};

/// The lab gallery alone.
pub static HOME: Bundle = Bundle {
    name: "home",
    home: Some(gallery),
    labs: &[],
    parts: &[],
};

/// Starts the app with `bundle`: what every bundle's `main` does.
pub fn start(bundle: &'static Bundle) {
    crate::panic_overlay::install();
    install(bundle);
    yew::Renderer::<crate::App>::new().render();
}
