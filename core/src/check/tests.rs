//! Tests of the linearizability checker: the classic small histories from the
//! literature, then properties over generated ones.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::protocol::Time;

type KvOp = Op<KvInput, KvOutput>;

fn put(client: ClientId, invoke: Time, ret: Time, key: &str, value: &str) -> KvOp {
    Op::completed(
        client,
        invoke,
        ret,
        KvInput::Put {
            key: key.into(),
            value: value.into(),
        },
        KvOutput::Written,
    )
}

fn pending_put(client: ClientId, invoke: Time, key: &str, value: &str) -> KvOp {
    Op::pending(
        client,
        invoke,
        KvInput::Put {
            key: key.into(),
            value: value.into(),
        },
    )
}

fn get(client: ClientId, invoke: Time, ret: Time, key: &str, value: Option<&str>) -> KvOp {
    Op::completed(
        client,
        invoke,
        ret,
        KvInput::Get { key: key.into() },
        KvOutput::Value(value.map(str::to_string)),
    )
}

fn cas(
    client: ClientId,
    times: (Time, Time),
    key: &str,
    expected: Option<&str>,
    new: &str,
    swapped: bool,
) -> KvOp {
    Op::completed(
        client,
        times.0,
        times.1,
        KvInput::Cas {
            key: key.into(),
            expected: expected.map(str::to_string),
            new: new.into(),
        },
        KvOutput::Swapped(swapped),
    )
}

fn verdict(history: &[KvOp]) -> CheckResult {
    check(&KvModel, history, &CheckOptions::default())
        .expect("the test history is well formed")
        .result
}

fn explanation_of(result: &CheckResult) -> &str {
    match result {
        CheckResult::NotLinearizable { explanation, .. } => explanation,
        other => panic!("expected a violation, got {other:?}"),
    }
}

// Herlihy & Wing 1990, section 2: every response must be one the sequential object
// could give, so a read of a value no write ever produced has no place in any order.
#[test]
fn a_read_returning_a_value_never_written_is_not_linearizable() {
    let history = [put(1, 0, 10, "x", "1"), get(2, 20, 30, "x", Some("2"))];
    let result = verdict(&history);
    let CheckResult::NotLinearizable { key, .. } = &result else {
        panic!("expected a violation, got {result:?}");
    };
    assert_eq!(key, "key \"x\"");
    let explanation = explanation_of(&result);
    assert!(explanation.contains("client 2's get(x)"), "{explanation}");
    assert!(explanation.contains("returned \"2\""), "{explanation}");
    assert!(explanation.contains("holds \"1\""), "{explanation}");
    assert!(
        explanation.ends_with("No operation ever wrote \"2\" to key \"x\"."),
        "{explanation}"
    );
}

// Herlihy & Wing 1990, section 2: operations that overlap in time may take effect in
// either order, so readers may see either write last.
#[test]
fn concurrent_writes_with_reads_seeing_either_order_are_linearizable() {
    for last in ["1", "2"] {
        let history = [
            put(1, 0, 100, "x", "1"),
            put(2, 0, 100, "x", "2"),
            get(3, 200, 210, "x", Some(last)),
        ];
        assert_eq!(verdict(&history), CheckResult::Linearizable, "last {last}");
    }
    // A reader inside the overlap may even see one write and then the other.
    let history = [
        put(1, 0, 100, "x", "1"),
        put(2, 0, 100, "x", "2"),
        get(3, 10, 20, "x", Some("2")),
        get(3, 30, 40, "x", Some("1")),
    ];
    assert_eq!(verdict(&history), CheckResult::Linearizable);
}

// Herlihy & Wing 1990, section 2: real-time order is part of the condition. Once
// put(x, 2) has returned, every read invoked later must see it or a later write.
#[test]
fn a_stale_read_after_a_completed_write_is_not_linearizable() {
    let history = [
        put(1, 0, 10, "x", "1"),
        put(1, 20, 30, "x", "2"),
        get(2, 40, 50, "x", Some("1")),
    ];
    let result = verdict(&history);
    let explanation = explanation_of(&result);
    assert!(explanation.contains("client 2's get(x)"), "{explanation}");
    assert!(explanation.contains("holds \"2\""), "{explanation}");
    // "1" was written, so the value-never-written hint must stay silent.
    assert!(
        !explanation.contains("No operation ever wrote"),
        "{explanation}"
    );
    assert!(
        explanation.contains("would have returned \"2\""),
        "{explanation}"
    );
}

#[test]
fn a_read_overlapping_a_write_may_see_the_old_or_the_new_value() {
    for seen in [None, Some("1")] {
        let history = [put(1, 0, 100, "x", "1"), get(2, 50, 60, "x", seen)];
        assert_eq!(verdict(&history), CheckResult::Linearizable, "{seen:?}");
    }
}

// Knossos and Porcupine: an operation that never returned may take effect at any time
// after its invocation, or never.
#[test]
fn a_pending_write_may_have_taken_effect() {
    let history = [pending_put(1, 0, "x", "1"), get(2, 10, 20, "x", Some("1"))];
    assert_eq!(verdict(&history), CheckResult::Linearizable);
}

#[test]
fn a_pending_write_may_never_take_effect() {
    let history = [
        pending_put(1, 0, "x", "1"),
        get(2, 10, 20, "x", None),
        get(2, 1_000, 1_010, "x", None),
    ];
    assert_eq!(verdict(&history), CheckResult::Linearizable);
}

#[test]
fn a_pending_write_once_seen_cannot_be_undone() {
    let history = [
        pending_put(1, 0, "x", "1"),
        get(2, 10, 20, "x", Some("1")),
        get(2, 30, 40, "x", None),
    ];
    assert!(matches!(
        verdict(&history),
        CheckResult::NotLinearizable { .. }
    ));
}

#[test]
fn a_pending_write_cannot_take_effect_before_it_was_invoked() {
    let history = [get(2, 0, 10, "x", Some("1")), pending_put(1, 20, "x", "1")];
    assert!(matches!(
        verdict(&history),
        CheckResult::NotLinearizable { .. }
    ));
}

#[test]
fn two_concurrent_compare_and_sets_from_the_same_value_cannot_both_swap() {
    let both_swapped = [
        cas(1, (0, 10), "x", None, "a", true),
        cas(2, (0, 10), "x", None, "b", true),
    ];
    let result = verdict(&both_swapped);
    let explanation = explanation_of(&result);
    assert!(explanation.contains("cas(x, absent to"), "{explanation}");
    assert!(explanation.contains("not swapped"), "{explanation}");

    // Swapping from a value nobody wrote is impossible, and the explanation says so.
    let from_nowhere = [
        put(1, 0, 10, "x", "1"),
        cas(2, (20, 30), "x", Some("7"), "8", true),
    ];
    let explanation = explanation_of(&verdict(&from_nowhere)).to_string();
    assert!(
        explanation.ends_with("No operation ever wrote \"7\" to key \"x\"."),
        "{explanation}"
    );

    let one_swapped = [
        cas(1, (0, 10), "x", None, "a", true),
        cas(2, (0, 10), "x", None, "b", false),
        get(3, 20, 30, "x", Some("a")),
    ];
    assert_eq!(verdict(&one_swapped), CheckResult::Linearizable);
}

#[test]
fn a_compare_and_set_that_failed_must_have_seen_a_different_value() {
    // The key holds "1" for the whole life of the cas, so "expected 1" must swap.
    let history = [
        put(1, 0, 10, "x", "1"),
        cas(2, (20, 30), "x", Some("1"), "2", false),
    ];
    assert!(matches!(
        verdict(&history),
        CheckResult::NotLinearizable { .. }
    ));
    // With a concurrent write of "3" it may have lost the race.
    let history = [
        put(1, 0, 10, "x", "1"),
        put(3, 15, 40, "x", "3"),
        cas(2, (20, 30), "x", Some("1"), "2", false),
    ];
    assert_eq!(verdict(&history), CheckResult::Linearizable);
}

#[test]
fn hitting_the_search_bound_reports_unknown() {
    // Eight fully concurrent writes and a read of the first: the search has many
    // orders to try, far more than five steps.
    let mut history: Vec<KvOp> = (0..8)
        .map(|client| put(client, 0, 100, "x", &client.to_string()))
        .collect();
    history.push(get(9, 200, 210, "x", Some("0")));
    let report = check(
        &KvModel,
        &history,
        &CheckOptions {
            max_steps: 5,
            ..CheckOptions::default()
        },
    )
    .unwrap();
    assert_eq!(report.steps, 5);
    let CheckResult::Unknown { reason } = report.result else {
        panic!("expected unknown, got {:?}", report.result);
    };
    assert!(
        reason.starts_with("search bound of 5 steps hit"),
        "{reason}"
    );
    // With the default bound the same history is decided.
    assert_eq!(verdict(&history), CheckResult::Linearizable);
}

// Lowe 2017, section 3: two partial orders that placed the same operations and left the
// same state have the same future, so only one needs exploring. Twelve concurrent writes
// have 12! (about 479 million) orders, but only 2^12 placed sets times 13 final values.
#[test]
fn remembering_explored_states_keeps_many_concurrent_writes_tractable() {
    let mut history: Vec<KvOp> = (0..12)
        .map(|client| put(client, 0, 100, "x", &client.to_string()))
        .collect();
    history.push(get(20, 200, 210, "x", Some("never written")));
    let report = check(&KvModel, &history, &CheckOptions::default()).unwrap();
    assert!(matches!(report.result, CheckResult::NotLinearizable { .. }));
    assert!(report.steps < 200_000, "{} steps", report.steps);
}

#[test]
fn filling_the_memo_bound_reports_unknown() {
    let mut history: Vec<KvOp> = (0..8)
        .map(|client| put(client, 0, 100, "x", &client.to_string()))
        .collect();
    history.push(get(9, 200, 210, "x", Some("0")));
    let options = CheckOptions {
        memo_bytes_max: 1,
        ..CheckOptions::default()
    };
    let report = check(&KvModel, &history, &options).unwrap();
    let CheckResult::Unknown { reason } = report.result else {
        panic!("expected unknown, got {:?}", report.result);
    };
    assert!(reason.starts_with("memory bound of 1 bytes"), "{reason}");
}

#[test]
fn a_zero_step_bound_decides_nothing_but_an_empty_history() {
    let options = CheckOptions {
        max_steps: 0,
        ..CheckOptions::default()
    };
    let empty: Vec<KvOp> = Vec::new();
    assert_eq!(
        check(&KvModel, &empty, &options).unwrap().result,
        CheckResult::Linearizable
    );
    let one = [put(1, 0, 1, "x", "1")];
    assert!(matches!(
        check(&KvModel, &one, &options).unwrap().result,
        CheckResult::Unknown { .. }
    ));
}

#[test]
fn a_violation_on_one_key_is_reported_with_that_key() {
    let history = [
        put(1, 0, 10, "a", "1"),
        get(2, 20, 30, "a", Some("1")),
        put(1, 0, 10, "b", "1"),
        get(2, 20, 30, "b", Some("9")),
        put(1, 0, 10, "c", "1"),
    ];
    let report = check(&KvModel, &history, &CheckOptions::default()).unwrap();
    assert_eq!(report.partitions, 3);
    let CheckResult::NotLinearizable { key, .. } = report.result else {
        panic!("expected a violation, got {:?}", report.result);
    };
    assert_eq!(key, "key \"b\"");
}

#[test]
fn pending_reads_are_left_out_of_the_search() {
    let history = [Op::pending(1, 0, KvInput::Get { key: "x".into() })];
    let report = check(&KvModel, &history, &CheckOptions::default()).unwrap();
    assert_eq!(report.result, CheckResult::Linearizable);
    assert_eq!(report.partitions, 0);
    assert_eq!(report.steps, 0);
}

#[test]
fn a_malformed_history_is_an_error_not_a_verdict() {
    let history = [put(1, 10, 5, "x", "1")];
    assert_eq!(
        check(&KvModel, &history, &CheckOptions::default()),
        Err(HistoryError::ReturnBeforeInvoke {
            index: 0,
            invoke_time: 10,
            return_time: 5
        })
    );
}

#[test]
fn operations_that_touch_in_time_count_as_concurrent() {
    // The read is invoked the very microsecond the write returns; the lenient reading
    // lets it come first and see nothing.
    let history = [put(1, 0, 10, "x", "1"), get(2, 10, 20, "x", None)];
    assert_eq!(verdict(&history), CheckResult::Linearizable);
}

#[test]
fn the_explanation_of_a_long_history_lists_only_the_last_operations_placed() {
    let mut history: Vec<KvOp> = (0..10)
        .map(|step| put(1, step * 10, step * 10 + 5, "x", &step.to_string()))
        .collect();
    history.push(get(2, 200, 210, "x", Some("3")));
    let explanation = explanation_of(&verdict(&history)).to_string();
    assert!(
        explanation.contains("places 10 of them, ending after 7 earlier ones"),
        "{explanation}"
    );
    assert!(explanation.contains("put(x, \"9\")"), "{explanation}");
    assert!(!explanation.contains("put(x, \"0\")"), "{explanation}");
}

#[test]
fn checking_the_same_history_twice_gives_the_same_report() {
    let history = [
        put(1, 0, 10, "x", "1"),
        put(2, 20, 60, "x", "2"),
        get(3, 25, 30, "x", Some("2")),
        get(3, 70, 80, "x", Some("1")),
    ];
    let first = check(&KvModel, &history, &CheckOptions::default()).unwrap();
    let second = check(&KvModel, &history, &CheckOptions::default()).unwrap();
    assert!(matches!(first.result, CheckResult::NotLinearizable { .. }));
    assert_eq!(first, second);
}

// ---------------------------------------------------------------------------------
// Properties over generated histories.

/// The number of proptest cases: `PROPTEST_CASES` if set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

/// One planned client operation, before it is run on the model.
#[derive(Debug, Clone)]
struct PlannedOp {
    /// 0: put, 1: get, 2: cas.
    kind: u8,
    key: u8,
    value: u8,
    /// The value a cas expects; 4 stands for "absent".
    expected: u8,
    /// Idle time before the client invokes it, in microseconds.
    gap: Time,
    /// Time from invocation to return, in microseconds.
    duration: Time,
    /// Where in its interval it takes effect, in thousandths of the duration.
    effect_point_per_mille: Time,
    /// Whether the answer is lost (the client gives up and stops).
    pending: bool,
    /// For a pending operation, whether it took effect anyway.
    pending_took_effect: bool,
}

fn planned_op(keys: u8) -> impl Strategy<Value = PlannedOp> {
    (
        (0u8..3, 0..keys, 0u8..4, 0u8..5),
        (0u64..20, 0u64..40, 0u64..=1000),
        (prop::bool::weighted(0.05), any::<bool>()),
    )
        .prop_map(
            |(
                (kind, key, value, expected),
                (gap, duration, effect_point_per_mille),
                (pending, pending_took_effect),
            )| PlannedOp {
                kind,
                key,
                value,
                expected,
                gap,
                duration,
                effect_point_per_mille,
                pending,
                pending_took_effect,
            },
        )
}

fn kv_input(op: &PlannedOp) -> KvInput {
    let key = format!("k{}", op.key);
    match op.kind {
        0 => KvInput::Put {
            key,
            value: op.value.to_string(),
        },
        1 => KvInput::Get { key },
        _ => KvInput::Cas {
            key,
            expected: (op.expected < 4).then(|| op.expected.to_string()),
            new: op.value.to_string(),
        },
    }
}

/// Runs each client's planned operations one after another on its own timeline, lets
/// each take effect at one instant inside its interval, and applies them to the model
/// in the order of those instants. The answers recorded are the model's, so the
/// history is linearizable by construction: the effect instants are a witness order.
fn execute(clients: &[Vec<PlannedOp>]) -> Vec<KvOp> {
    // (effect time, client, position) orders the effects; ties may go either way
    // because both intervals contain the shared instant.
    let mut effects: Vec<(Time, usize, usize)> = Vec::new();
    let mut timings: Vec<Vec<(Time, Time)>> = Vec::new();
    for (client, plan) in clients.iter().enumerate() {
        let mut now: Time = 0;
        let mut client_timings = Vec::new();
        for (position, op) in plan.iter().enumerate() {
            let invoke = now + op.gap;
            let ret = invoke + op.duration;
            client_timings.push((invoke, ret));
            let effect = invoke + op.duration * op.effect_point_per_mille / 1000;
            if !op.pending || op.pending_took_effect {
                effects.push((effect, client, position));
            }
            now = ret;
            if op.pending {
                break;
            }
        }
        timings.push(client_timings);
    }
    effects.sort();
    let mut states: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut outputs: BTreeMap<(usize, usize), KvOutput> = BTreeMap::new();
    for &(_, client, position) in &effects {
        let input = kv_input(&clients[client][position]);
        let state = states.entry(input.key().to_string()).or_default();
        let (next, output) = KvModel.step(state, &input);
        *state = next;
        outputs.insert((client, position), output);
    }
    let mut history = Vec::new();
    for (client, client_timings) in timings.iter().enumerate() {
        for (position, &(invoke, ret)) in client_timings.iter().enumerate() {
            let op = &clients[client][position];
            let input = kv_input(op);
            let client_id = client as ClientId;
            if op.pending {
                history.push(Op::pending(client_id, invoke, input));
            } else {
                let output = outputs
                    .get(&(client, position))
                    .cloned()
                    .expect("every completed operation took effect");
                history.push(Op::completed(client_id, invoke, ret, input, output));
            }
        }
    }
    history
}

fn client_plans(
    clients: usize,
    ops_per_client: usize,
    keys: u8,
) -> impl Strategy<Value = Vec<Vec<PlannedOp>>> {
    prop::collection::vec(
        prop::collection::vec(planned_op(keys), 1..=ops_per_client),
        1..=clients,
    )
}

/// Decides linearizability by trying every order of the whole history (all keys
/// together) that respects real time: exponential, independent of the checker's event
/// list, memo and partitioning, and only usable for a handful of operations.
fn brute_force_linearizable(history: &[KvOp]) -> bool {
    fn search(
        history: &[KvOp],
        remaining: &mut Vec<bool>,
        states: &mut BTreeMap<String, Option<String>>,
    ) -> bool {
        let completed_left = history
            .iter()
            .zip(remaining.iter())
            .any(|(op, &left)| left && !op.is_pending());
        if !completed_left {
            // Pending operations still left simply never took effect.
            return true;
        }
        for candidate in 0..history.len() {
            if !remaining[candidate] {
                continue;
            }
            let op = &history[candidate];
            // It may go next only if no remaining operation returned before it began.
            let must_wait = history.iter().zip(remaining.iter()).any(|(other, &left)| {
                left && other.return_time.is_some_and(|ret| ret < op.invoke_time)
            });
            if must_wait {
                continue;
            }
            let key = op.input.key().to_string();
            let before = states.get(&key).cloned().flatten();
            let (after, output) = KvModel.step(&before, &op.input);
            if op.output.as_ref().is_some_and(|seen| *seen != output) {
                continue;
            }
            remaining[candidate] = false;
            states.insert(key.clone(), after);
            let found = search(history, remaining, states);
            states.insert(key, before);
            remaining[candidate] = true;
            if found {
                return true;
            }
        }
        false
    }
    let mut remaining = vec![true; history.len()];
    search(history, &mut remaining, &mut BTreeMap::new())
}

/// A small history with arbitrary (often wrong) answers, for comparing with the oracle:
/// up to `ops_max` operations over `keys` keys, each pending with `pending_probability`.
fn arbitrary_small_history(
    keys: u8,
    ops_max: usize,
    pending_probability: f64,
) -> impl Strategy<Value = Vec<KvOp>> {
    let op = (
        (0u64..4, 0u64..30, 0u64..15),
        (0u8..3, 0..keys, 0u8..3, 0u8..4),
        (
            0u8..4,
            any::<bool>(),
            prop::bool::weighted(pending_probability),
        ),
    )
        .prop_map(
            |(
                (client, invoke, duration),
                (kind, key, value, expected),
                (seen, swapped, pending),
            )| {
                let plan = PlannedOp {
                    kind,
                    key,
                    value,
                    expected,
                    gap: 0,
                    duration,
                    effect_point_per_mille: 0,
                    pending,
                    pending_took_effect: false,
                };
                let input = kv_input(&plan);
                if pending {
                    return Op::pending(client, invoke, input);
                }
                let output = match kind {
                    0 => KvOutput::Written,
                    1 => KvOutput::Value((seen < 3).then(|| seen.to_string())),
                    _ => KvOutput::Swapped(swapped),
                };
                Op::completed(client, invoke, invoke + duration, input, output)
            },
        );
    prop::collection::vec(op, 1..=ops_max)
}

/// The whole store as one partition, to check that splitting by key changes nothing.
struct WholeStoreModel;

impl Model for WholeStoreModel {
    type Key = ();
    type Input = KvInput;
    type Output = KvOutput;
    type State = BTreeMap<String, String>;

    fn init(&self) -> Self::State {
        BTreeMap::new()
    }

    fn partition(&self, _input: &KvInput) {}

    fn step(&self, state: &Self::State, input: &KvInput) -> (Self::State, KvOutput) {
        let key = input.key();
        let (value, output) = KvModel.step(&state.get(key).cloned(), input);
        let mut next = state.clone();
        match value {
            Some(value) => next.insert(key.to_string(), value),
            None => next.remove(key),
        };
        (next, output)
    }
}

fn is_linearizable<M: Model>(model: &M, history: &[Op<M::Input, M::Output>]) -> bool {
    let report = check(model, history, &CheckOptions::default()).unwrap();
    match report.result {
        CheckResult::Linearizable => true,
        CheckResult::NotLinearizable { .. } => false,
        CheckResult::Unknown { reason } => panic!("no verdict: {reason}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn histories_executed_on_the_model_with_overlapping_intervals_are_linearizable(
        plans in client_plans(5, 40, 3)
    ) {
        let history = execute(&plans);
        let report = check(&KvModel, &history, &CheckOptions::default()).unwrap();
        prop_assert_eq!(report.result, CheckResult::Linearizable);
    }

    #[test]
    fn a_read_corrupted_to_a_value_never_written_is_flagged(
        plans in client_plans(5, 20, 3),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut history = execute(&plans);
        let reads: Vec<usize> = (0..history.len())
            .filter(|&index| {
                matches!(history[index].input, KvInput::Get { .. }) && !history[index].is_pending()
            })
            .collect();
        prop_assume!(!reads.is_empty());
        let read = reads[pick.index(reads.len())];
        // Generated values are digits, so no operation ever wrote this one.
        history[read].output = Some(KvOutput::Value(Some("never written".to_string())));
        let key = history[read].input.key().to_string();
        let result = check(&KvModel, &history, &CheckOptions::default()).unwrap().result;
        let CheckResult::NotLinearizable { key: flagged_key, .. } = &result else {
            return Err(TestCaseError::fail(format!("not flagged: {result:?}")));
        };
        prop_assert_eq!(flagged_key, &KvModel.describe_key(&key));
    }

    #[test]
    fn a_read_corrupted_to_empty_after_a_completed_write_is_flagged(
        plans in client_plans(5, 20, 3),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut history = execute(&plans);
        // A key never becomes empty again once written (the model has no delete), so a
        // read invoked after some write to its key returned can never see it empty.
        let stale_candidates: Vec<usize> = (0..history.len())
            .filter(|&index| {
                let read = &history[index];
                matches!(read.input, KvInput::Get { .. })
                    && !read.is_pending()
                    && history.iter().any(|write| {
                        write.input.key() == read.input.key()
                            && matches!(write.input, KvInput::Put { .. })
                            && write.return_time.is_some_and(|ret| ret < read.invoke_time)
                    })
            })
            .collect();
        prop_assume!(!stale_candidates.is_empty());
        let read = stale_candidates[pick.index(stale_candidates.len())];
        history[read].output = Some(KvOutput::Value(None));
        let result = check(&KvModel, &history, &CheckOptions::default()).unwrap().result;
        let is_violation = matches!(result, CheckResult::NotLinearizable { .. });
        prop_assert!(is_violation, "{:?}", result);
    }

    #[test]
    fn the_checker_agrees_with_trying_every_order_on_small_histories(
        history in arbitrary_small_history(2, 7, 0.15)
    ) {
        prop_assert_eq!(is_linearizable(&KvModel, &history), brute_force_linearizable(&history));
    }

    #[test]
    fn the_checker_agrees_with_trying_every_order_on_one_busy_key_with_lost_answers(
        history in arbitrary_small_history(1, 8, 0.3)
    ) {
        prop_assert_eq!(is_linearizable(&KvModel, &history), brute_force_linearizable(&history));
    }

    #[test]
    fn checking_each_key_alone_agrees_with_checking_the_whole_store(
        history in arbitrary_small_history(3, 7, 0.15)
    ) {
        prop_assert_eq!(
            is_linearizable(&KvModel, &history),
            is_linearizable(&WholeStoreModel, &history)
        );
    }
}
