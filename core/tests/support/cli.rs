//! What the CLI test files share: how many seeds to sweep, and running the `netsplit` binary
//! (built with `--features cli`). Included with `#[path]`; not every file uses every helper.
#![allow(dead_code)]

use std::process::Command;

/// How many seeds each preset runs under: `NETSPLIT_SEEDS`, or 3.
pub fn seeds() -> u64 {
    std::env::var("NETSPLIT_SEEDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(3)
}

/// Runs `netsplit run <target>` (`preset:<name>` or a file), with `--seed` when given, and
/// returns its exit code and what it printed.
pub fn run(target: &str, seed: Option<u64>) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_netsplit"));
    command.args(["run", target]);
    if let Some(seed) = seed {
        command.args(["--seed", &seed.to_string()]);
    }
    let output = command.output().expect("the netsplit binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// Runs preset `name` under `seed`.
pub fn run_preset(name: &str, seed: u64) -> (Option<i32>, String) {
    run(&format!("preset:{name}"), Some(seed))
}

/// Asserts that the lists of a lab's test file name every embedded preset whose name starts
/// with `prefix` (`"paxos-"`), and nothing else: a new preset must be sorted into one.
pub fn assert_lists_every_preset(prefix: &str, lists: &[&[&str]]) {
    let mut embedded: Vec<&str> = netsplit_core::presets::all()
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| name.starts_with(prefix))
        .collect();
    let mut listed: Vec<&str> = lists.iter().flat_map(|list| list.iter().copied()).collect();
    embedded.sort_unstable();
    listed.sort_unstable();
    assert_eq!(embedded, listed, "the {prefix}* presets against the lists");
}

/// Asserts that each preset exits 0 reporting no violation under every seed of [`seeds`].
pub fn assert_exit_zero_over_seeds(presets: &[&str]) {
    for name in presets {
        for seed in 0..seeds() {
            let (code, report) = run_preset(name, seed);
            assert_eq!(code, Some(0), "{name} with seed {seed}:\n{report}");
            assert!(
                report.contains("\"violations\": []"),
                "{name} with seed {seed}:\n{report}"
            );
        }
    }
}
