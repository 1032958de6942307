//! Linearizability checker benchmarks: histories of 1,000 and 10,000 operations from 5
//! concurrent clients, spread over 10 keys (the common case, which per-key partitioning
//! makes cheap) or all on one key (the hard case), plus a history with one read of a value never written,
//! where the search must rule out every order before it can answer.
//!
//! Histories are generated from a fixed seed: each client runs its operations one after
//! another, each operation takes effect at a random instant inside its interval, and the
//! answers are the key-value model's in the order of those instants. So every history
//! is linearizable unless a read is deliberately corrupted.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use netsplit_core::Time;
use netsplit_core::check::{
    CheckOptions, CheckResult, KvInput, KvModel, KvOutput, Model, Op, check,
};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// The longest a request takes, in microseconds: long against the gaps between a
/// client's requests, so the 5 clients' operations overlap heavily.
const DURATION_US_MAX: u64 = 5_000;
/// The longest a client idles between requests, in microseconds.
const GAP_US_MAX: u64 = 1_000;

fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    rng.next_u64() % bound
}

/// A linearizable history of `operation_count` operations by `clients` clients over
/// `keys` keys, with about one operation in `pending_one_in` left unanswered.
fn history(
    seed: u64,
    operation_count: usize,
    clients: usize,
    keys: u64,
    pending_one_in: u64,
) -> Vec<Op<KvInput, KvOutput>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut client_clock: Vec<Time> = vec![0; clients];
    // (effect instant, op index) for every operation that takes effect.
    let mut effects: Vec<(Time, usize)> = Vec::with_capacity(operation_count);
    let mut ops: Vec<Op<KvInput, KvOutput>> = Vec::with_capacity(operation_count);
    for index in 0..operation_count {
        let client = index % clients;
        let key = format!("k{}", below(&mut rng, keys));
        let value = below(&mut rng, 1_000_000).to_string();
        let input = match below(&mut rng, 10) {
            0..=3 => KvInput::Put { key, value },
            4..=8 => KvInput::Get { key },
            _ => KvInput::Cas {
                key,
                expected: Some(below(&mut rng, 1_000_000).to_string()),
                new: value,
            },
        };
        let invoke = client_clock[client] + below(&mut rng, GAP_US_MAX);
        let duration = 1 + below(&mut rng, DURATION_US_MAX);
        let effect = invoke + below(&mut rng, duration + 1);
        let pending = below(&mut rng, pending_one_in) == 0;
        // A client that never hears back gives up and starts over as if new.
        client_clock[client] = invoke + duration;
        effects.push((effect, index));
        ops.push(if pending {
            Op::pending(client as u64, invoke, input)
        } else {
            Op::completed(
                client as u64,
                invoke,
                invoke + duration,
                input,
                KvOutput::Written,
            )
        });
    }
    effects.sort_unstable();
    let mut states: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (_, index) in effects {
        let op = &mut ops[index];
        let state = states.entry(op.input.key().to_string()).or_default();
        let (next, output) = KvModel.step(state, &op.input);
        *state = next;
        if op.output.is_some() {
            op.output = Some(output);
        }
    }
    ops
}

/// Makes the last completed read of the history return a value no operation wrote.
fn with_bad_read(mut ops: Vec<Op<KvInput, KvOutput>>) -> Vec<Op<KvInput, KvOutput>> {
    let read = (0..ops.len())
        .rev()
        .find(|&index| matches!(ops[index].input, KvInput::Get { .. }) && !ops[index].is_pending())
        .expect("the history has a completed read");
    ops[read].output = Some(KvOutput::Value(Some("never written".to_string())));
    ops
}

fn bench_check(c: &mut Criterion) {
    let options = CheckOptions::default();
    let mut group = c.benchmark_group("lincheck");
    group.sample_size(10);
    let cases: [(&str, usize, u64, bool); 5] = [
        ("10 keys", 1_000, 10, false),
        ("10 keys", 10_000, 10, false),
        ("1 key", 1_000, 1, false),
        ("1 key", 10_000, 1, false),
        ("10 keys, one bad read", 10_000, 10, true),
    ];
    for (shape, operation_count, keys, corrupt) in cases {
        let mut ops = history(7, operation_count, 5, keys, 50);
        if corrupt {
            ops = with_bad_read(ops);
        }
        let report = check(&KvModel, &ops, &options).expect("the history is well formed");
        let linearizable = matches!(report.result, CheckResult::Linearizable);
        assert_eq!(linearizable, !corrupt, "{shape}: {:?}", report.result);
        println!(
            "lincheck/{shape}/{operation_count}: {} steps over {} partitions",
            report.steps, report.partitions
        );
        group.bench_with_input(
            BenchmarkId::new(shape, operation_count),
            &ops,
            |bencher, ops| bencher.iter(|| check(&KvModel, black_box(ops), &options)),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
