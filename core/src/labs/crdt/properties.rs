//! Property tests: the lattice laws of every type (section 2.2.1: merge commutative,
//! associative and idempotent, updates inflationary) and convergence under random
//! schedules of updates, duplication and reordering, for both styles of replication.
//!
//! Payloads are built by running random schedules of updates and merges on three
//! replicas, so every payload tested is one a run can reach.

use proptest::prelude::*;

use super::causal::{CausalLayer, Tagged};
use super::kinds::{AnyCrdt, AnyOp, Kind};
use super::types::{Source, Update, Value};

/// Replicas in every schedule.
const REPLICAS: usize = 3;

/// A step of a schedule: `(what, replica, a, b)`, read by [`update_for`] and the runners.
type Step = (u8, u8, u32, u32);

fn schedule() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (any::<u8>(), 0u8..REPLICAS as u8, any::<u32>(), any::<u32>()),
        1..40,
    )
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    }
}

/// An update `kind` takes, chosen by `(a, b)`, fitted to the current value (a text index
/// within the text).
fn update_for(kind: Kind, a: u32, b: u32, value: &Value) -> Update {
    let element = b % 5;
    match kind {
        Kind::GCounter | Kind::NaiveCounter => Update::Increment { amount: 1 + b % 3 },
        Kind::PnCounter if a.is_multiple_of(2) => Update::Increment { amount: 1 + b % 3 },
        Kind::PnCounter => Update::Decrement { amount: 1 + b % 3 },
        Kind::LwwRegister | Kind::MvRegister => Update::Set {
            value: i64::from(b % 7),
        },
        Kind::GSet => Update::Add { element },
        Kind::TwoPhaseSet | Kind::OrSet | Kind::NaiveSet if a.is_multiple_of(3) => {
            Update::Remove { element }
        }
        Kind::TwoPhaseSet | Kind::OrSet | Kind::NaiveSet => Update::Add { element },
        Kind::Rga => {
            let length = match value {
                Value::Text(text) => text.chars().count() as u32,
                _ => 0,
            };
            if a.is_multiple_of(3) && length > 0 {
                Update::Delete {
                    index: b % length,
                    count: 1,
                }
            } else {
                let texts = ["a", "bc", "d", "xyz"];
                Update::Insert {
                    index: b % (length + 1),
                    text: texts[(a as usize / 3) % texts.len()].to_string(),
                }
            }
        }
    }
}

/// Runs a state-based schedule: a step is a local update (even `what`) or a merge of
/// another replica's payload (odd `what`). Returns the three payloads; checks on the way
/// that every update was inflationary unless `removes_deflate` (the naive set).
fn run_state_based(kind: Kind, steps: &[Step]) -> Result<Vec<AnyCrdt>, TestCaseError> {
    let mut replicas = vec![AnyCrdt::new(kind); REPLICAS];
    let mut sequences = [0u64; REPLICAS];
    for (time, &(what, replica, a, b)) in steps.iter().enumerate() {
        let replica = replica as usize;
        if what % 2 == 0 {
            let update = update_for(kind, a, b, &replicas[replica].value());
            let source = Source {
                replica: replica as u32,
                sequence: sequences[replica] + 1,
                time: time as u64 * 10,
            };
            if let Ok(op) = replicas[replica].prepare(source, &update) {
                sequences[replica] += 1;
                let before = replicas[replica].clone();
                replicas[replica].effect(&op);
                let removal = matches!(update, Update::Remove { .. });
                if !(kind == Kind::NaiveSet && removal) {
                    prop_assert!(
                        before.le(&replicas[replica]),
                        "{update:?} was not inflationary"
                    );
                }
            }
        } else {
            let from = (replica + 1 + a as usize % (REPLICAS - 1)) % REPLICAS;
            let theirs = replicas[from].clone();
            replicas[replica].merge(&theirs);
        }
    }
    Ok(replicas)
}

fn merged(a: &AnyCrdt, b: &AnyCrdt) -> AnyCrdt {
    let mut out = a.clone();
    out.merge(b);
    out
}

fn check_lattice_laws(kind: Kind, steps: &[Step]) -> Result<(), TestCaseError> {
    let replicas = run_state_based(kind, steps)?;
    let (a, b, c) = (&replicas[0], &replicas[1], &replicas[2]);
    prop_assert_eq!(merged(a, b), merged(b, a), "merge is commutative");
    prop_assert_eq!(
        merged(&merged(a, b), c),
        merged(a, &merged(b, c)),
        "merge is associative"
    );
    prop_assert_eq!(&merged(a, a), a, "merge is idempotent");
    let join = merged(a, b);
    prop_assert!(a.le(&join) && b.le(&join), "the merge is an upper bound");
    prop_assert_eq!(a.le(b), merged(a, b) == *b, "the order is the merge's");
    Ok(())
}

/// Runs an op-based schedule over the causal layer: updates broadcast their operation to
/// every other replica through a shared pool; a delivery step hands a random message of
/// the pool to its receiver, and leaves a copy behind when asked (duplication). At the end
/// the pool is drained in a scrambled order. Returns the payloads.
fn run_op_based(kind: Kind, steps: &[Step], causal: bool) -> Vec<AnyCrdt> {
    let mut replicas = vec![AnyCrdt::new(kind); REPLICAS];
    let mut layers: Vec<CausalLayer<AnyOp>> = vec![CausalLayer::default(); REPLICAS];
    let mut pool: Vec<(usize, Tagged<AnyOp>)> = Vec::new();
    let mut sequences = [0u64; REPLICAS];
    let deliver = |replicas: &mut Vec<AnyCrdt>,
                   layers: &mut Vec<CausalLayer<AnyOp>>,
                   to: usize,
                   tagged: Tagged<AnyOp>| {
        for delivered in layers[to].receive(tagged, causal) {
            replicas[to].effect(&delivered.op);
        }
    };
    for (time, &(what, replica, a, b)) in steps.iter().enumerate() {
        let replica = replica as usize;
        if what % 3 == 0 || pool.is_empty() {
            let update = update_for(kind, a, b, &replicas[replica].value());
            let source = Source {
                replica: replica as u32,
                sequence: sequences[replica] + 1,
                time: time as u64 * 10,
            };
            if let Ok(op) = replicas[replica].prepare(source, &update) {
                sequences[replica] += 1;
                replicas[replica].effect(&op);
                let tagged = layers[replica].local(replica as u32, op);
                for to in (0..REPLICAS).filter(|&to| to != replica) {
                    pool.push((to, tagged.clone()));
                }
            }
        } else {
            let index = a as usize % pool.len();
            let (to, tagged) = if what % 3 == 1 {
                pool[index].clone()
            } else {
                pool.swap_remove(index)
            };
            deliver(&mut replicas, &mut layers, to, tagged);
        }
    }
    // Drain what is left, scrambled: from the back, then the front, alternately.
    let mut from_back = true;
    while !pool.is_empty() {
        let (to, tagged) = if from_back {
            pool.pop().expect("not empty")
        } else {
            pool.remove(0)
        };
        from_back = !from_back;
        deliver(&mut replicas, &mut layers, to, tagged);
    }
    replicas
}

macro_rules! laws_of {
    ($($name:ident => $kind:expr,)*) => {
        proptest! {
            #![proptest_config(config())]
            $(
                #[test]
                fn $name(steps in schedule()) {
                    check_lattice_laws($kind, &steps)?;
                }
            )*
        }
    };
}

laws_of! {
    the_g_counter_merge_is_a_join_and_its_updates_inflate => Kind::GCounter,
    the_pn_counter_merge_is_a_join_and_its_updates_inflate => Kind::PnCounter,
    the_lww_register_merge_is_a_join_and_its_updates_inflate => Kind::LwwRegister,
    the_mv_register_merge_is_a_join_and_its_updates_inflate => Kind::MvRegister,
    the_g_set_merge_is_a_join_and_its_updates_inflate => Kind::GSet,
    the_two_phase_set_merge_is_a_join_and_its_updates_inflate => Kind::TwoPhaseSet,
    the_or_set_merge_is_a_join_and_its_updates_inflate => Kind::OrSet,
    the_rga_merge_is_a_join_and_its_updates_inflate => Kind::Rga,
    the_naive_counter_merge_is_a_join_and_its_updates_inflate => Kind::NaiveCounter,
    the_naive_set_merge_is_a_join_though_its_removes_deflate => Kind::NaiveSet,
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn op_based_replicas_converge_under_any_causal_schedule_with_duplicates_and_reordering(
        steps in schedule(),
    ) {
        // The naive set is left out: its add and remove of one element do not commute, so
        // op-based replicas of it can diverge even with causal delivery.
        for &kind in Kind::ALL.iter().filter(|&&kind| kind != Kind::NaiveSet) {
            let replicas = run_op_based(kind, &steps, true);
            for replica in &replicas[1..] {
                prop_assert_eq!(replica.value(), replicas[0].value(), "{:?} diverged", kind);
            }
        }
    }

    #[test]
    fn state_based_replicas_converge_whatever_stale_duplicated_payloads_they_merged(
        steps in schedule(),
    ) {
        for &kind in Kind::ALL {
            let mut replicas = run_state_based(kind, &steps)?;
            // A final round of gossip: everyone merges everyone, in two different orders.
            let snapshot = replicas.clone();
            for (index, replica) in replicas.iter_mut().enumerate() {
                for offset in 0..REPLICAS {
                    replica.merge(&snapshot[(index + offset) % REPLICAS]);
                }
            }
            for replica in &replicas[1..] {
                prop_assert_eq!(replica, &replicas[0], "{:?} diverged", kind);
            }
        }
    }
}

#[test]
fn without_causal_delivery_an_or_set_remove_that_overtakes_its_add_leaves_replicas_apart() {
    let mut origin = AnyCrdt::new(Kind::OrSet);
    let mut layer: CausalLayer<AnyOp> = CausalLayer::default();
    let source = |sequence| Source {
        replica: 0,
        sequence,
        time: 0,
    };
    let add = origin
        .prepare(source(1), &Update::Add { element: 7 })
        .expect("an add is always allowed");
    origin.effect(&add);
    let add = layer.local(0, add);
    let remove = origin
        .prepare(source(2), &Update::Remove { element: 7 })
        .expect("7 is in the set");
    origin.effect(&remove);
    let remove = layer.local(0, remove);
    assert_eq!(origin.value(), Value::Elements(vec![]));

    for causal in [true, false] {
        let mut replica = AnyCrdt::new(Kind::OrSet);
        let mut receiver: CausalLayer<AnyOp> = CausalLayer::default();
        for tagged in [remove.clone(), add.clone()] {
            for delivered in receiver.receive(tagged, causal) {
                replica.effect(&delivered.op);
            }
        }
        if causal {
            assert_eq!(
                replica.value(),
                origin.value(),
                "the remove waited for its add"
            );
        } else {
            assert_eq!(
                replica.value(),
                Value::Elements(vec![7]),
                "the remove removed nothing and the late add stayed"
            );
        }
    }
}
