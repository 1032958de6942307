//! What the checkers know and the replicas never read: the record of every update a
//! replica has seen (a *ghost* or history variable, as in proofs of concurrent programs).
//!
//! Beside its payload each replica carries the set of updates reflected in it, each with
//! what its source had seen when it made a remove. A state-based replica merges the
//! records with the payload; an op-based replica adds one record per delivered
//! operation. The lab does not count them in the bytes sent: a real system does not send
//! them. The checkers read them to say which replicas "have seen the same updates" (strong
//! eventual consistency) and what those updates intended (no update lost).

use serde::Serialize;

use crate::collections::{SortedMap, SortedSet};

use super::causal::Delivered;
use super::kinds::Kind;
use super::types::{Element, ReplicaId, Update, Value};

/// An update's name: its source replica and the source's count of updates.
pub type UpdateId = (ReplicaId, u64);

/// One update as the checkers remember it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Record {
    /// What the client asked.
    pub update: Update,
    /// For a remove: the updates its source had seen (the adds it observed are among them).
    pub context: Option<Delivered>,
}

/// The updates a replica has seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Ghost {
    /// Every update seen, by id.
    #[serde(serialize_with = "super::types::serialize_map_as_list")]
    pub records: SortedMap<UpdateId, Record>,
}

impl Ghost {
    /// Adds the updates `other` has seen.
    pub fn merge(&mut self, other: &Ghost) {
        for (id, record) in &other.records {
            self.records.entry(*id).or_insert_with(|| record.clone());
        }
    }

    /// Whether both have seen exactly the same updates.
    pub fn same_updates(&self, other: &Ghost) -> bool {
        self.records.len() == other.records.len() && self.records.keys().eq(other.records.keys())
    }

    /// The updates seen, as a delivered set.
    pub fn seen(&self) -> Delivered {
        let mut seen = Delivered::default();
        for &(origin, sequence) in self.records.keys() {
            seen.insert(origin, sequence);
        }
        seen
    }

    /// What the updates seen intended, for the types where that is a plain function of
    /// them: the counters add up every increment and decrement; the G-Set holds every
    /// element added; the 2P-Set every element added and never removed; the OR-Set and
    /// the naive set every element with an add that no remove of it had seen (a remove
    /// removes what it observed, an add it did not observe wins). `None` for the
    /// registers and the text, whose checks are convergence only.
    pub fn intent(&self, kind: Kind) -> Option<Value> {
        match kind {
            Kind::GCounter | Kind::PnCounter | Kind::NaiveCounter => {
                let total = self
                    .records
                    .values()
                    .fold(0i64, |sum, record| match record.update {
                        Update::Increment { amount } => sum.saturating_add(i64::from(amount)),
                        Update::Decrement { amount } => sum.saturating_sub(i64::from(amount)),
                        _ => sum,
                    });
                Some(Value::Number(total))
            }
            Kind::GSet => Some(Value::Elements(self.added(|_, _| true))),
            Kind::TwoPhaseSet => {
                let removed: Vec<Element> = self.removes().map(|(element, _)| element).collect();
                Some(Value::Elements(
                    self.added(|_, element| !removed.contains(&element)),
                ))
            }
            Kind::OrSet | Kind::NaiveSet => {
                let removes: Vec<(Element, &Delivered)> = self
                    .removes()
                    .filter_map(|(element, context)| context.map(|context| (element, context)))
                    .collect();
                Some(Value::Elements(self.added(|id, element| {
                    !removes.iter().any(|(removed, context)| {
                        *removed == element && context.contains(id.0, id.1)
                    })
                })))
            }
            Kind::LwwRegister | Kind::MvRegister | Kind::Rga => None,
        }
    }

    fn removes(&self) -> impl Iterator<Item = (Element, Option<&Delivered>)> {
        self.records
            .values()
            .filter_map(|record| match record.update {
                Update::Remove { element } => Some((element, record.context.as_ref())),
                _ => None,
            })
    }

    /// The elements of the adds `keep` accepts, ascending and once each.
    fn added(&self, keep: impl Fn(UpdateId, Element) -> bool) -> Vec<Element> {
        // A sorted set rather than a sort: no sorting code of its own in the browser build.
        let elements: SortedSet<Element> = self
            .records
            .iter()
            .filter_map(|(id, record)| match record.update {
                Update::Add { element } if keep(*id, element) => Some(element),
                _ => None,
            })
            .collect();
        elements.into_iter().collect()
    }
}

/// How far a value is from the intended one: the difference of two numbers, or how many
/// elements one set has that the other lacks; 0 when they are equal.
pub fn distance(shown: &Value, intended: &Value) -> u64 {
    match (shown, intended) {
        (Value::Number(a), Value::Number(b)) => a.abs_diff(*b),
        (Value::Elements(a), Value::Elements(b)) => {
            let missing = b.iter().filter(|element| !a.contains(element)).count();
            let extra = a.iter().filter(|element| !b.contains(element)).count();
            (missing + extra) as u64
        }
        (a, b) => u64::from(a != b),
    }
}
