//! Whether every lab is registered everywhere a lab must be, checked from the files
//! themselves so that a half-added lab fails `cargo xtask test` with a message naming what
//! is missing, before anything is built. A lab `<lab>` is:
//!
//! - its folder `core/src/labs/<lab>/` with `lab.rs` (its `LAB`), listed in
//!   `core/src/labs/mod.rs` and as `crate::labs::<lab>::lab::LAB` in `core/src/catalogue.rs`;
//! - its presets in `core/scenarios/<lab>/`;
//! - its folder `web/src/labs/<lab>/` with `mod.rs` (its `ENTRY` and `BUNDLE`), listed as
//!   `<lab>::ENTRY` in `web/src/labs/mod.rs`;
//! - its page's `main`, `web/src/bin/netsplit-<lab>.rs`, starting `labs::<lab>::BUNDLE`.

use std::path::Path;

/// Every lab folder's name under `folder`, sorted.
fn folders(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.path().is_dir())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn read(root: &Path, file: &str) -> String {
    std::fs::read_to_string(root.join(file)).unwrap_or_default()
}

/// What is missing for each lab found in either `core/src/labs/` or `web/src/labs/`, one
/// sentence each; empty when every lab is registered everywhere.
pub fn missing(root: &Path) -> Vec<String> {
    let mut labs = folders(&root.join("core/src/labs"));
    labs.extend(folders(&root.join("web/src/labs")));
    labs.extend(folders(&root.join("core/scenarios")));
    labs.sort();
    labs.dedup();
    let core_mod = read(root, "core/src/labs/mod.rs");
    let catalogue = read(root, "core/src/catalogue.rs");
    let web_mod = read(root, "web/src/labs/mod.rs");
    let mut missing = Vec::new();
    for lab in &labs {
        let mut need = |present: bool, what: String| {
            if !present {
                missing.push(format!("lab {lab}: {what}"));
            }
        };
        need(
            root.join(format!("core/src/labs/{lab}/lab.rs")).is_file(),
            format!("core/src/labs/{lab}/lab.rs (its LAB) is missing"),
        );
        need(
            core_mod.contains(&format!("pub mod {lab};")),
            format!("core/src/labs/mod.rs lacks `pub mod {lab};`"),
        );
        need(
            catalogue.contains(&format!("crate::labs::{lab}::lab::LAB")),
            format!("core/src/catalogue.rs's LABS lacks `crate::labs::{lab}::lab::LAB`"),
        );
        need(
            root.join(format!("core/scenarios/{lab}")).is_dir(),
            format!("core/scenarios/{lab}/ (its presets) is missing"),
        );
        need(
            root.join(format!("web/src/labs/{lab}/mod.rs")).is_file(),
            format!("web/src/labs/{lab}/mod.rs (its ENTRY and BUNDLE) is missing"),
        );
        need(
            web_mod.contains(&format!("pub mod {lab};"))
                && web_mod.contains(&format!("{lab}::ENTRY")),
            format!("web/src/labs/mod.rs lacks `pub mod {lab};` or `{lab}::ENTRY` in ENTRIES"),
        );
        need(
            read(root, &format!("web/src/bin/netsplit-{lab}.rs"))
                .contains(&format!("labs::{lab}::BUNDLE")),
            format!(
                "web/src/bin/netsplit-{lab}.rs should start `netsplit_web::labs::{lab}::BUNDLE`"
            ),
        );
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lab_is_registered_in_the_core_the_presets_the_web_and_the_bundles() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace");
        let missing = missing(root);
        assert!(
            missing.is_empty(),
            "half-registered labs:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn a_half_registered_lab_is_named_with_everything_it_lacks() {
        let root = std::env::temp_dir().join(format!("netsplit-xtask-labs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for folder in [
            "core/src/labs/paxos",
            "core/scenarios/paxos",
            "web/src/labs",
            "web/src/bin",
        ] {
            std::fs::create_dir_all(root.join(folder)).expect("a temporary folder");
        }
        std::fs::write(
            root.join("core/src/labs/paxos/lab.rs"),
            "pub const LAB: Lab = ...;",
        )
        .expect("written");
        std::fs::write(root.join("core/src/labs/mod.rs"), "pub mod paxos;").expect("written");
        std::fs::write(
            root.join("core/src/catalogue.rs"),
            "crate::labs::paxos::lab::LAB,",
        )
        .expect("written");
        let missing = missing(&root);
        assert_eq!(missing.len(), 3, "{missing:#?}");
        assert!(
            missing[0].contains("web/src/labs/paxos/mod.rs"),
            "{missing:#?}"
        );
        assert!(missing[1].contains("`paxos::ENTRY`"), "{missing:#?}");
        assert!(
            missing[2].contains("web/src/bin/netsplit-paxos.rs"),
            "{missing:#?}"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
