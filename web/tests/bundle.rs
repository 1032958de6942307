//! The per-page bundles: each carries its own pages and refuses the others clearly.

use netsplit_web::bundle::{self, Bundle};
use netsplit_web::labs::{self, CARDS};
use netsplit_web::route::Route;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The gallery's bundle and every lab's own, as its catalogue entry names it.
fn single() -> Vec<&'static Bundle> {
    std::iter::once(&bundle::HOME)
        .chain(labs::ENTRIES.iter().map(|entry| (entry.bundle)()))
        .collect()
}

#[wasm_bindgen_test]
fn the_web_catalogue_lists_the_cores_labs_in_the_same_order() {
    let web: Vec<&str> = labs::ENTRIES.iter().map(|entry| entry.id()).collect();
    let core: Vec<&str> = netsplit_core::catalogue::LABS
        .iter()
        .map(|lab| lab.info.name)
        .collect();
    assert_eq!(
        web, core,
        "web/src/labs/mod.rs's ENTRIES and core/src/catalogue.rs's LABS must list the same labs"
    );
    for (entry, lab) in labs::ENTRIES.iter().zip(netsplit_core::catalogue::LABS) {
        assert_eq!(entry.card.title, lab.info.title, "{}'s card", entry.id());
        assert_eq!(
            entry.build.is_some(),
            lab.builder().is_some(),
            "{} runs on the engine in the core but not in the web entry, or the other way",
            entry.id()
        );
        assert_eq!(
            entry.presets.len(),
            lab.presets.len(),
            "{}'s presets",
            entry.id()
        );
        if let Some(preset) = entry.default_preset {
            assert!(
                lab.preset(preset).is_some(),
                "{}'s default preset {preset} is not one of its presets",
                entry.id()
            );
        }
    }
}

#[wasm_bindgen_test]
fn the_whole_app_carries_every_lab_of_the_gallery_and_each_lab_has_a_bundle_of_its_own() {
    for card in &CARDS {
        assert!(bundle::ALL.lab(card.id).is_some(), "ALL lacks {}", card.id);
        let own: Vec<&str> = single()
            .iter()
            .filter(|single| single.shows(&Route::Lab(card.id.to_string())))
            .map(|single| single.name)
            .collect();
        assert_eq!(own, vec![card.id], "bundles showing {}", card.id);
    }
    let homes: Vec<&str> = single()
        .iter()
        .filter(|single| single.shows(&Route::Home))
        .map(|single| single.name)
        .collect();
    assert_eq!(homes, vec!["home"]);
}

#[wasm_bindgen_test]
fn a_bundle_builds_its_own_presets_and_names_what_it_carries_for_another_labs_scenario() {
    let raft_preset = labs::raft::BUNDLE
        .preset("raft-steady-state")
        .expect("a Raft preset");
    let scenario = netsplit_core::Scenario::parse(raft_preset).expect("the preset parses");
    assert!(labs::raft::BUNDLE.build(&scenario).is_ok());
    assert!(bundle::ALL.build(&scenario).is_ok());
    assert!(
        labs::broadcast::BUNDLE
            .preset("raft-steady-state")
            .is_none()
    );
    let error = labs::broadcast::BUNDLE
        .build(&scenario)
        .err()
        .expect("the broadcast bundle cannot run Raft")
        .to_string();
    assert!(
        error.contains("raft") && error.contains("broadcast"),
        "{error}"
    );
}

/// Bundles that are parts of a page (web/src/remote_part.rs).
const PARTS: &[&Bundle] = &[&labs::ratelimit::DISTRIBUTED, &labs::raft::EXPERIMENT];

#[wasm_bindgen_test]
fn the_whole_app_carries_every_part_itself() {
    for part in PARTS {
        for (name, _) in part.parts {
            assert!(
                bundle::ALL.part(name).is_some(),
                "the whole app lacks {name}"
            );
        }
    }
}

#[wasm_bindgen_test]
fn the_raft_page_leaves_its_election_time_experiment_to_a_part_of_its_own() {
    let part = labs::raft::experiment::PART;
    assert!(labs::raft::BUNDLE.part(part).is_none());
    assert!(
        labs::raft::BUNDLE
            .lab("raft")
            .is_some_and(|lab| lab.build.is_some())
    );
    assert!(labs::raft::EXPERIMENT.part(part).is_some());
    assert!(
        !labs::raft::EXPERIMENT.shows(&Route::Home),
        "a part is not a page of its own"
    );
}

#[wasm_bindgen_test]
fn every_simulated_labs_presets_build_in_the_bundle_that_runs_them() {
    for single in single().iter().chain(PARTS) {
        for lab in single.labs.iter().filter(|lab| lab.build.is_some()) {
            for (name, text) in lab.presets {
                let scenario = netsplit_core::Scenario::parse(text).expect("a preset parses");
                assert!(
                    single.build(&scenario).is_ok(),
                    "{name} does not build in the {} bundle",
                    single.name
                );
            }
        }
    }
    // Every lab the whole app runs is run by some single bundle too.
    for lab in bundle::ALL.labs.iter().filter(|lab| lab.build.is_some()) {
        assert!(
            single()
                .iter()
                .chain(PARTS)
                .any(|single| single.lab(lab.id()).is_some_and(|own| own.build.is_some())),
            "no single bundle runs {}",
            lab.id()
        );
    }
}

#[wasm_bindgen_test]
fn the_rate_limiting_page_leaves_its_distributed_tab_to_a_part_of_its_own() {
    let page = labs::ratelimit::BUNDLE.lab("ratelimit").expect("the page");
    assert!(
        page.build.is_none(),
        "the side-by-side page does not carry the engine"
    );
    assert!(
        labs::ratelimit::BUNDLE
            .part("ratelimit-distributed")
            .is_none()
    );
    let part = &labs::ratelimit::DISTRIBUTED;
    assert!(part.part("ratelimit-distributed").is_some());
    assert!(part.lab("ratelimit").is_some_and(|lab| lab.build.is_some()));
    assert!(!part.shows(&Route::Home), "a part is not a page of its own");
    assert!(
        bundle::ALL.part("ratelimit-distributed").is_some(),
        "the whole app shows the tab itself"
    );
}

#[wasm_bindgen_test]
fn nothing_is_carried_before_a_bundle_is_installed_and_a_second_install_is_ignored() {
    assert!(bundle::EMPTY.lab("raft").is_none());
    assert!(!bundle::EMPTY.shows(&Route::Home));
    bundle::install(&labs::raft::BUNDLE);
    bundle::install(&bundle::ALL);
    assert_eq!(bundle::current().name, "raft");
}
