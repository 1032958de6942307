//! The idempotency presets through the `netsplit` binary (built with `--features cli`): the
//! correct presets exit 0 with no violation over several seeds (`NETSPLIT_SEEDS` sets how
//! many), and each broken variant's preset exits 1 naming Exactly once. The lists must name
//! every embedded preset.
#![cfg(feature = "cli")]

#[path = "support/cli.rs"]
mod cli;
use cli::run_preset as run;

/// Presets of keys recorded first.
const CORRECT_PRESETS: &[&str] = &["idempotency-keys", "idempotency-retry-storm"];

/// The broken variants; each charges a payment twice.
const BUG_PRESETS: &[&str] = &[
    "idempotency-bug-no-key",
    "idempotency-bug-key-recorded-after-charge",
];

#[test]
fn every_idempotency_preset_is_listed_here() {
    cli::assert_lists_every_preset("idempotency-", &[CORRECT_PRESETS, BUG_PRESETS]);
}

#[test]
fn every_correct_idempotency_preset_exits_zero_with_no_violation_over_seeds() {
    cli::assert_exit_zero_over_seeds(CORRECT_PRESETS);
}

#[test]
fn every_broken_idempotency_variant_exits_one_naming_exactly_once() {
    for name in BUG_PRESETS {
        let (code, report) = run(name, 1);
        assert_eq!(code, Some(1), "{name}:\n{report}");
        assert!(report.contains("Exactly once"), "{name}:\n{report}");
    }
}
