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
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("presets.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
