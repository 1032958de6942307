//! A readable golden of every engine preset's run, beside its fingerprint: who changed role
//! or status and when, the actions the timeline applied (and those it could not), the
//! violations and warnings with their sentences, and the final figures. A change in behaviour then
//! reviews as a diff of sentences (etcd's testdata style), where the fingerprint only says
//! that something changed.
//!
//! The goldens live in `core/tests/goldens/<preset>.txt`. If a change is intended, rewrite
//! them with `NETSPLIT_BLESS=1 cargo test -p netsplit-core --test preset_goldens` and read
//! the diff before committing it.

#![cfg(not(target_arch = "wasm32"))]

use std::fmt::Write as _;

use netsplit_core::catalogue::FINGERPRINT_EVENTS_MAX;
use netsplit_core::protocol::MICROS_PER_MS;
use netsplit_core::{NodeStatus, Scenario, catalogue};

const GOLDENS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/goldens");

/// The most role and status changes a golden lists; the rest are counted.
const CHANGES_MAX: usize = 120;

fn milliseconds(time_us: u64) -> String {
    let whole = time_us / MICROS_PER_MS;
    let fraction = time_us % MICROS_PER_MS;
    if fraction == 0 {
        format!("{whole} ms")
    } else {
        format!("{whole}.{fraction:03} ms")
    }
}

fn status_word(status: NodeStatus) -> &'static str {
    match status {
        NodeStatus::Up => "up",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Paused => "paused",
        NodeStatus::Removed => "removed",
    }
}

/// Runs preset `name` as its fingerprint does and writes what happened.
fn golden(name: &str, text: &str) -> String {
    let mut scenario = Scenario::parse(text).expect("presets parse");
    scenario.limits.max_events = scenario.limits.max_events.min(FINGERPRINT_EVENTS_MAX);
    let until = scenario.run_until_ms.unwrap_or(0) * MICROS_PER_MS;
    let mut run = catalogue::build(&scenario).expect("presets build");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "preset {name}: {}",
        scenario.title.as_deref().unwrap_or("")
    );
    let _ = writeln!(
        out,
        "{} nodes, seed {}, run to {}",
        scenario.nodes,
        scenario.seed,
        milliseconds(until)
    );
    let mut last: Vec<(NodeStatus, &'static str)> = Vec::new();
    let mut changes = Vec::new();
    let mut observe = |run: &dyn netsplit_core::LabRun, changes: &mut Vec<String>| {
        for node in run.nodes() {
            let index = node.id as usize;
            let now = (node.status, node.role);
            if index >= last.len() {
                last.resize(index + 1, (NodeStatus::Removed, ""));
                changes.push(format!(
                    "{:>10}  {} starts {}{}",
                    milliseconds(run.now()),
                    node.label,
                    status_word(node.status),
                    if node.role.is_empty() {
                        String::new()
                    } else {
                        format!(" as {}", node.role)
                    }
                ));
            } else if last[index] != now {
                let (status, role) = last[index];
                let mut parts = Vec::new();
                if status != node.status {
                    parts.push(format!("is {}", status_word(node.status)));
                }
                if role != node.role && !node.role.is_empty() {
                    parts.push(format!("becomes {}", node.role));
                }
                if !parts.is_empty() {
                    changes.push(format!(
                        "{:>10}  {} {}",
                        milliseconds(run.now()),
                        node.label,
                        parts.join(" and ")
                    ));
                }
            }
            last[index] = now;
        }
    };
    observe(&*run, &mut changes);
    while run.next_event_time().is_some_and(|time| time <= until) && run.step() {
        observe(&*run, &mut changes);
    }
    run.run_until(until);
    observe(&*run, &mut changes);
    out.push_str("\nroles and status:\n");
    let shown = changes.len().min(CHANGES_MAX);
    for line in &changes[..shown] {
        let _ = writeln!(out, "{line}");
    }
    if changes.len() > shown {
        let _ = writeln!(out, "  ... and {} more changes", changes.len() - shown);
    }
    out.push_str("\ntimeline:\n");
    for entry in &scenario.timeline {
        let action = serde_json::to_string(&entry.action).unwrap_or_default();
        let _ = writeln!(out, "{:>10}  {action}", milliseconds(entry.time()));
    }
    for error in run.action_errors() {
        let _ = writeln!(out, "  refused: {error}");
    }
    out.push_str("\nviolations:\n");
    if run.violations().is_empty() {
        out.push_str("  none\n");
    }
    for violation in run.violations() {
        let _ = writeln!(
            out,
            "{:>10}  {} (nodes {:?}): {}",
            milliseconds(violation.time),
            violation.property,
            violation.nodes,
            violation.message
        );
    }
    out.push_str("\nwarnings (liveness expectations missed):\n");
    if run.warnings().is_empty() {
        out.push_str("  none\n");
    }
    for warning in run.warnings() {
        let _ = writeln!(
            out,
            "{:>10}  {} (nodes {:?}): {}",
            milliseconds(warning.time),
            warning.property,
            warning.nodes,
            warning.message
        );
    }
    for limit in run.checker_limits() {
        let _ = writeln!(
            out,
            "{:>10}  {} stopped remembering: {}",
            milliseconds(limit.time),
            limit.property,
            limit.message
        );
    }
    let metrics = run.metrics();
    out.push_str("\nat the end:\n");
    let _ = writeln!(
        out,
        "  {} events, time {}, fingerprint {:016x}",
        run.events(),
        milliseconds(run.now()),
        run.trace_hash()
    );
    let _ = writeln!(
        out,
        "  messages: {} sent, {} delivered, {} dropped",
        metrics.messages_sent, metrics.messages_delivered, metrics.messages_dropped
    );
    for (reason, count) in metrics.drops_by_reason.iter() {
        let _ = writeln!(out, "  dropped ({reason}): {count}");
    }
    let client = &metrics.client;
    if client.requests > 0 {
        let _ = writeln!(
            out,
            "  client: {} requests, {} replies, latency p50 {:.3} ms, p99 {:.3} ms",
            client.requests, client.replies, client.latency_ms_p50, client.latency_ms_p99
        );
    }
    for (counter, value) in metrics.counters.iter() {
        let _ = writeln!(out, "  {counter}: {value}");
    }
    for (gauge, value) in metrics.gauges.iter() {
        let _ = writeln!(out, "  {gauge}: {value:.3}");
    }
    out
}

#[test]
fn every_engine_presets_run_reads_as_its_stored_golden() {
    let bless = std::env::var_os("NETSPLIT_BLESS").is_some();
    let mut stale = Vec::new();
    let mut expected_files = Vec::new();
    for (name, text) in catalogue::engine_presets() {
        let computed = golden(name, text);
        let path = format!("{GOLDENS}/{name}.txt");
        expected_files.push(format!("{name}.txt"));
        if bless {
            std::fs::create_dir_all(GOLDENS).expect("the goldens folder can be made");
            std::fs::write(&path, &computed).expect("the golden is writable");
            continue;
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        if stored != computed {
            let first = stored
                .lines()
                .zip(computed.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(stored.lines().count().min(computed.lines().count()));
            stale.push(format!(
                "{name}: first difference at line {}:\n  stored:   {}\n  computed: {}",
                first + 1,
                stored.lines().nth(first).unwrap_or("(end)"),
                computed.lines().nth(first).unwrap_or("(end)")
            ));
        }
    }
    let mut files: Vec<String> = std::fs::read_dir(GOLDENS)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    expected_files.sort();
    if bless {
        for file in files.iter().filter(|file| !expected_files.contains(file)) {
            let _ = std::fs::remove_file(format!("{GOLDENS}/{file}"));
        }
        return;
    }
    assert_eq!(
        files, expected_files,
        "one golden per engine preset; rewrite them with NETSPLIT_BLESS=1"
    );
    assert!(
        stale.is_empty(),
        "runs changed; if intended, rewrite with NETSPLIT_BLESS=1 cargo test -p netsplit-core --test preset_goldens and review the diff:\n{}",
        stale.join("\n")
    );
}
