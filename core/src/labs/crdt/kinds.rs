//! The data type a run replicates, chosen by the scenario (`params.crdt`), and the one
//! payload and operation enums the replicas and their messages hold.

use serde::{Deserialize, Serialize};

use super::types::{
    Crdt, GCounter, GSet, LwwRegister, MvRegister, NaiveCounter, NaiveSet, OrSet, PnCounter,
    Refusal, Rga, Source, TwoPhaseSet, Update, Value,
};

macro_rules! kinds {
    ($($(#[$attribute:meta])* $variant:ident($payload:ty) $title:literal,)*) => {
        /// Which data type the replicas hold.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $(
                #[doc = $title]
                $(#[$attribute])*
                $variant,
            )*
        }

        impl Kind {
            /// Every kind, in the order the docs list them.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The type's name for people.
            pub fn title(self) -> &'static str {
                match self {
                    $(Kind::$variant => $title,)*
                }
            }
        }

        /// A replica's payload, whatever its type.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        pub enum AnyCrdt {
            $(
                #[doc = $title]
                $variant($payload),
            )*
        }

        /// An operation of any type.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        pub enum AnyOp {
            $(
                #[doc = $title]
                $variant(<$payload as Crdt>::Op),
            )*
        }

        impl AnyCrdt {
            /// The initial payload of `kind`.
            pub fn new(kind: Kind) -> Self {
                match kind {
                    $(Kind::$variant => AnyCrdt::$variant(<$payload>::default()),)*
                }
            }

            /// Its type.
            pub fn kind(&self) -> Kind {
                match self {
                    $(AnyCrdt::$variant(_) => Kind::$variant,)*
                }
            }

            /// The query ([`Crdt::value`]).
            pub fn value(&self) -> Value {
                match self {
                    $(AnyCrdt::$variant(payload) => payload.value(),)*
                }
            }

            /// The join ([`Crdt::merge`]); a payload of another type is ignored.
            pub fn merge(&mut self, other: &AnyCrdt) {
                match (self, other) {
                    $((AnyCrdt::$variant(mine), AnyCrdt::$variant(theirs)) => mine.merge(theirs),)*
                    _ => {}
                }
            }

            /// The semilattice order ([`Crdt::le`]); payloads of different types are unordered.
            pub fn le(&self, other: &AnyCrdt) -> bool {
                match (self, other) {
                    $((AnyCrdt::$variant(mine), AnyCrdt::$variant(theirs)) => mine.le(theirs),)*
                    _ => false,
                }
            }

            /// The source part of an update ([`Crdt::prepare`]).
            pub fn prepare(&self, source: Source, update: &Update) -> Result<AnyOp, Refusal> {
                match self {
                    $(AnyCrdt::$variant(payload) => payload.prepare(source, update).map(AnyOp::$variant),)*
                }
            }

            /// The downstream part ([`Crdt::effect`]); an operation of another type is ignored.
            pub fn effect(&mut self, op: &AnyOp) {
                match (self, op) {
                    $((AnyCrdt::$variant(payload), AnyOp::$variant(op)) => payload.effect(op),)*
                    _ => {}
                }
            }

            /// The payload's size in the lab's encoding ([`Crdt::wire_bytes`]).
            pub fn wire_bytes(&self) -> u64 {
                match self {
                    $(AnyCrdt::$variant(payload) => payload.wire_bytes(),)*
                }
            }
        }

        impl AnyOp {
            /// The operation's size in the lab's encoding ([`Crdt::op_bytes`]).
            pub fn bytes(&self) -> u64 {
                match self {
                    $(AnyOp::$variant(op) => <$payload as Crdt>::op_bytes(op),)*
                }
            }
        }
    };
}

kinds! {
    GCounter(GCounter) "G-Counter",
    #[default]
    PnCounter(PnCounter) "PN-Counter",
    LwwRegister(LwwRegister) "LWW-Register",
    MvRegister(MvRegister) "MV-Register",
    GSet(GSet) "G-Set",
    TwoPhaseSet(TwoPhaseSet) "2P-Set",
    OrSet(OrSet) "OR-Set",
    Rga(Rga) "RGA text",
    NaiveCounter(NaiveCounter) "naive counter (last value wins)",
    NaiveSet(NaiveSet) "naive set (remove deletes)",
}

/// `n0: 3, n2: 1`: a vector of per-replica counts.
fn counts(counts: &crate::collections::SortedMap<u32, u64>) -> String {
    let entries: Vec<String> = counts
        .iter()
        .map(|(replica, count)| format!("n{replica}: {count}"))
        .collect();
    ["[", &entries.join(", "), "]"].concat()
}

fn list<T>(items: impl Iterator<Item = T>, show: impl Fn(T) -> String) -> String {
    let shown: Vec<String> = items.map(show).collect();
    ["{", &shown.join(" "), "}"].concat()
}

impl AnyCrdt {
    /// The payload in a line a learner can read, as the lab's panel shows it: what the
    /// replica holds and merges, beside the value it shows. Written by hand rather than as
    /// JSON, for a smaller browser build.
    pub fn describe(&self) -> String {
        match self {
            AnyCrdt::GCounter(counter) => format!("P = {}", counts(&counter.counts)),
            AnyCrdt::PnCounter(counter) => format!(
                "P = {}, N = {}",
                counts(&counter.increments.counts),
                counts(&counter.decrements.counts)
            ),
            AnyCrdt::LwwRegister(LwwRegister { write })
            | AnyCrdt::NaiveCounter(NaiveCounter {
                register: LwwRegister { write },
            }) => match write {
                Some(write) => format!(
                    "{} written at {} µs by n{}",
                    write.value, write.stamp.time, write.stamp.replica
                ),
                None => "never written".to_string(),
            },
            AnyCrdt::MvRegister(register) => list(register.writes.iter(), |write| {
                format!("{} @ {}", write.value, counts(&write.version))
            }),
            AnyCrdt::GSet(GSet { elements }) | AnyCrdt::NaiveSet(NaiveSet { elements }) => {
                list(elements.iter(), ToString::to_string)
            }
            AnyCrdt::TwoPhaseSet(set) => format!(
                "added {}, removed {}",
                list(set.added.iter(), ToString::to_string),
                list(set.removed.iter(), ToString::to_string)
            ),
            AnyCrdt::OrSet(set) => format!(
                "entries {}, removed tags {}",
                list(
                    set.entries.iter(),
                    |(element, (replica, sequence))| format!("{element}:n{replica}.{sequence}")
                ),
                list(set.tombstones.iter(), |(replica, sequence)| format!(
                    "n{replica}.{sequence}"
                ))
            ),
            AnyCrdt::Rga(text) => list(text.order().into_iter(), |id| {
                let character = text.nodes.get(&id).map_or('?', |node| node.character);
                let deleted = if text.tombstones.contains(&id) {
                    "†"
                } else {
                    ""
                };
                format!("{character:?}@{}.{}{deleted}", id.counter, id.replica)
            }),
        }
    }
}

/// Serializes a payload as its [`AnyCrdt::describe`] line.
pub(crate) fn serialize_described<S: serde::Serializer>(
    payload: &AnyCrdt,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&payload.describe())
}

/// Serializes a payload on disk as its [`AnyCrdt::describe`] line (`null` before the first
/// write).
pub(crate) fn serialize_described_option<S: serde::Serializer>(
    payload: &Option<AnyCrdt>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match payload {
        Some(payload) => serializer.serialize_str(&payload.describe()),
        None => serializer.serialize_none(),
    }
}
