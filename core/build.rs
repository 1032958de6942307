//! Embeds every preset scenario so the web app, the CLI and the tests all use exactly the
//! checked-in files, and a new preset needs no code change.
//!
//! Presets live in one folder per lab, `scenarios/<lab>/*.json` (the folder name is the
//! lab's name; sub-folders such as `scenarios/hashing/expected/` hold test data, not
//! presets). The generated code has one list per lab (`of_lab::RAFT`, ...) so a caller
//! that carries one lab (a per-lab browser bundle) links only that lab's preset texts, and
//! `PRESETS`, every preset of every lab sorted by name.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    println!("cargo:rerun-if-changed={}", directory.display());
    let mut labs: Vec<String> = std::fs::read_dir(&directory)
        .expect("core/scenarios exists")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    labs.sort();
    // (lab, preset name, path) for every preset.
    let mut presets: Vec<(String, String, String)> = Vec::new();
    for lab in &labs {
        let folder = directory.join(lab);
        println!("cargo:rerun-if-changed={}", folder.display());
        let mut files: Vec<String> = std::fs::read_dir(&folder)
            .expect("a lab's preset folder is readable")
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        files.sort();
        for file in files {
            let path = folder.join(&file);
            println!("cargo:rerun-if-changed={}", path.display());
            presets.push((
                lab.clone(),
                file.trim_end_matches(".json").to_string(),
                path.display().to_string(),
            ));
        }
    }
    let mut code = String::from(
        "/// The presets of each lab, from `core/scenarios/<lab>/`, as `(name, JSON text)`.\npub mod of_lab {\n",
    );
    for lab in &labs {
        writeln!(
            code,
            "    /// The presets in `core/scenarios/{lab}/`.\n    pub const {}: &[(&str, &str)] = &[",
            lab.to_uppercase()
        )
        .expect("writing to a String cannot fail");
        for (_, name, path) in presets.iter().filter(|(of, _, _)| of == lab) {
            writeln!(code, "        ({name:?}, include_str!({path:?})),")
                .expect("writing to a String cannot fail");
        }
        code.push_str("    ];\n");
    }
    code.push_str("}\n");
    // Every preset, sorted by name, as references into the per-lab lists (no text twice).
    let mut sorted: Vec<(String, usize, &str)> = Vec::new();
    for lab in &labs {
        for (index, (_, name, _)) in presets.iter().filter(|(of, _, _)| of == lab).enumerate() {
            sorted.push((name.clone(), index, lab));
        }
    }
    sorted.sort();
    code.push_str("const PRESETS: &[(&str, &str)] = &[\n");
    for (_, index, lab) in &sorted {
        writeln!(code, "    of_lab::{}[{index}],", lab.to_uppercase())
            .expect("writing to a String cannot fail");
    }
    code.push_str("];\n");
    code.push_str(
        "/// The folder names under `core/scenarios/`, sorted: one per lab with presets.\n",
    );
    code.push_str("pub const PRESET_FOLDERS: &[&str] = &[\n");
    for lab in &labs {
        writeln!(code, "    {lab:?},").expect("writing to a String cannot fail");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("presets.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
