//! `netsplit explore` through the binary (built with `--features cli`): with a Raft bug switch
//! on, a random fault schedule finds the violation the switch allows within a small budget,
//! the run is shrunk, and the file it writes replays to the same violation; with every switch
//! off nothing is found; the answer does not depend on the number of threads; bad input exits
//! 2 naming the option.
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::Command;

#[path = "support/cli.rs"]
mod cli;

use serde_json::Value;

/// Runs `netsplit explore` with `args`; returns the exit code, the report and stderr.
fn explore(args: &[&str]) -> (Option<i32>, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .arg("explore")
        .args(args)
        .output()
        .expect("the netsplit binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        output.status.code(),
        report,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A file under the test's scratch folder.
fn scratch(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// Explores the leader-crash preset with `bug` on (and `more` options) and checks what is
/// found and replayed.
fn finds_and_replays(bug: &str, property: &str, more: &[&str]) {
    let file = scratch(&format!("explore-{bug}.json"));
    let setting = format!("bugs.{bug}=true");
    let mut args = vec![
        "preset:raft-leader-crash",
        "--runs",
        "40",
        "--set",
        &setting,
        "--out",
        file.to_str().unwrap(),
    ];
    args.extend(more);
    let (code, report, stderr) = explore(&args);
    assert_eq!(code, Some(1), "{stderr}");
    let found = &report["found"];
    assert_eq!(found["property"], property, "{report}");
    let shrunk = &found["shrunk"];
    assert_eq!(shrunk["property"], property);
    let (before, after) = (
        shrunk["actions_before"].as_u64().unwrap(),
        shrunk["actions_after"].as_u64().unwrap(),
    );
    assert!(after < before, "shrinking removed actions: {shrunk}");
    // The written file is an ordinary scenario that replays to the same violation.
    let (code, replay) = cli::run(file.to_str().unwrap(), None);
    assert_eq!(code, Some(1));
    let replay: Value = serde_json::from_str(&replay).unwrap();
    assert_eq!(replay["violations"][0]["property"], property);
    assert_eq!(
        replay["violations"][0]["time"].as_u64(),
        shrunk["time_ms"]
            .as_f64()
            .map(|ms| (ms * 1_000.0).round() as u64)
    );
}

#[test]
fn votes_granted_without_the_log_check_are_found_breaking_leader_completeness() {
    finds_and_replays("vote_without_log_check", "Leader Completeness", &[]);
}

#[test]
fn acknowledging_before_the_disk_write_is_found_losing_an_acknowledged_entry() {
    finds_and_replays(
        "acknowledge_before_disk",
        "Acknowledged Entries Are Durable",
        &[],
    );
}

#[test]
fn a_voter_that_forgets_its_vote_on_restart_is_found_by_the_storm_breaking_election_safety() {
    // Shrinking is bounded here to keep the test short; the file still replays.
    finds_and_replays(
        "forget_voted_for_on_restart",
        "Election Safety",
        &["--profile", "storm", "--shrink-runs", "40"],
    );
}

#[test]
fn with_every_switch_off_exploration_finds_nothing_and_says_what_it_tried() {
    for (preset, runs) in [
        ("raft-leader-crash", 12),
        ("paxos-basic", 60),
        ("crdt-partition-counter", 60),
        ("broadcast-faults", 40),
    ] {
        let out = scratch(&format!("explore-{preset}.json"));
        let (code, report, stderr) = explore(&[
            &format!("preset:{preset}"),
            "--runs",
            &runs.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(0), "{preset}: {stderr} {report}");
        assert!(report["found"].is_null());
        assert_eq!(report["runs"], runs);
        let faults: u64 = report["coverage"]["faults"]
            .as_object()
            .unwrap()
            .values()
            .map(|count| count.as_u64().unwrap())
            .sum();
        assert!(faults >= runs, "{preset}: at least a fault a run: {report}");
        assert!(!out.exists(), "nothing found, no file written");
    }
}

#[test]
fn the_run_found_does_not_depend_on_the_number_of_threads() {
    let mut seen = Vec::new();
    for jobs in ["1", "2"] {
        let file = scratch(&format!("explore-jobs-{jobs}.json"));
        let (code, report, _) = explore(&[
            "preset:raft-leader-crash",
            "--runs",
            "20",
            "--first-seed",
            "5",
            "--jobs",
            jobs,
            "--set",
            "bugs.vote_without_log_check=true",
            "--out",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(1));
        seen.push((
            report["found"]["seed"].clone(),
            report["runs"].clone(),
            std::fs::read_to_string(&file).unwrap(),
        ));
    }
    assert_eq!(seen[0], seen[1]);
}

#[test]
fn bad_options_exit_2_naming_the_option() {
    let (code, _, stderr) = explore(&["preset:raft-leader-crash", "--profile", "gremlins"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--profile") && stderr.contains("mixed"),
        "{stderr}"
    );
    let (code, _, stderr) = explore(&["preset:raft-leader-crash", "--set", "bugs"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--set bugs: expected PATH=VALUE"),
        "{stderr}"
    );
    let (code, _, stderr) = explore(&["preset:raft-leader-crash", "--runs", "0"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--runs"), "{stderr}");
    let (code, _, stderr) = explore(&["preset:hashing-basic"]);
    assert_eq!(code, Some(2), "{stderr}");
}

/// Runs the binary with `args`; returns the exit code and stdout.
fn netsplit(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_netsplit"))
        .args(args)
        .output()
        .expect("the netsplit binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn three_shards_of_a_sweep_merge_into_the_report_of_the_whole_sweep() {
    let sweep = |shard: Option<&str>| {
        let mut args = vec!["sweep", "preset:paxos-dueling-proposers", "--seeds", "10"];
        if let Some(shard) = shard {
            args.extend(["--shard", shard]);
        }
        let (code, stdout, stderr) = netsplit(&args);
        assert_eq!(code, Some(0), "{stderr}");
        stdout
    };
    let whole = sweep(None);
    let mut files = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let report = sweep(Some(shard));
        let seeds: Value = serde_json::from_str(&report).unwrap();
        assert!(seeds["seeds"].as_array().unwrap().len() < 10);
        let file = scratch(&format!("sweep-shard-{}.json", &shard[..1]));
        std::fs::write(&file, report).unwrap();
        files.push(file.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let (code, merged, stderr) = netsplit(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(merged, whole);
    // The same shard twice is refused, naming the seed.
    let (code, _, stderr) = netsplit(&["merge", &files[0], &files[0]]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("more than one report"), "{stderr}");
    let (code, _, stderr) = netsplit(&[
        "sweep",
        "preset:paxos-basic",
        "--seeds",
        "3",
        "--shard",
        "4/3",
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--shard 4/3"), "{stderr}");
}

#[test]
fn the_first_failing_seed_over_shards_is_the_whole_explorations() {
    let found = |shard: Option<&str>| {
        let file = scratch(&format!(
            "explore-shard-{}.json",
            shard.map_or("all", |s| &s[..1])
        ));
        let mut args = vec![
            "explore",
            "preset:paxos-acceptor-crash",
            "--runs",
            "60",
            "--set",
            "bugs.acceptor_forgets_on_restart=true",
            "--shrink-runs",
            "5",
            "--out",
            file.to_str().unwrap(),
        ];
        let shard_args;
        if let Some(shard) = shard {
            shard_args = ["--shard", shard];
            args.extend(shard_args);
        }
        let (code, stdout, stderr) = netsplit(&args);
        assert_eq!(code, Some(1), "{stderr}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        report["found"]["seed"].as_u64().unwrap()
    };
    let whole = found(None);
    let smallest = ["1/2", "2/2"]
        .map(|shard| found(Some(shard)))
        .into_iter()
        .min();
    assert_eq!(smallest, Some(whole));
}
