//! Embeds every preset scenario in `scenarios/` so the web app, the CLI and the tests all use
//! exactly the checked-in files, and a new preset needs no code change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    println!("cargo:rerun-if-changed={}", directory.display());
    let mut names: Vec<String> = std::fs::read_dir(&directory)
        .expect("core/scenarios exists")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    let mut code = String::from("const PRESETS: &[(&str, &str)] = &[\n");
    for file in &names {
        let path = directory.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        let name = file.trim_end_matches(".json");
        writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String cannot fail");
    }
    code.push_str("];\n");
    // One list per lab (the file name's prefix before the first `-`), so a caller that
    // carries one lab (a per-lab browser bundle) links only that lab's preset texts.
    let mut labs: Vec<&str> = names
        .iter()
        .map(|file| file.split(['-', '.']).next().unwrap_or(file))
        .collect();
    labs.dedup();
    code.push_str("/// The presets of each lab, by the file name's prefix, as `(name, JSON text)`.\npub mod of_lab {\n");
    for lab in labs {
        writeln!(
            code,
            "    /// The presets whose file name starts with `{lab}-`.\n    pub const {}: &[(&str, &str)] = &[",
            lab.to_uppercase()
        )
        .expect("writing to a String cannot fail");
        for file in names
            .iter()
            .filter(|file| file.starts_with(&format!("{lab}-")))
        {
            let path = directory.join(file);
            writeln!(
                code,
                "        ({:?}, include_str!({:?})),",
                file.trim_end_matches(".json"),
                path.display().to_string()
            )
            .expect("writing to a String cannot fail");
        }
        code.push_str("    ];\n");
    }
    code.push_str("}\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("presets.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
