//! Named properties checked after every event.
//!
//! A lab registers [`Invariant`]s; the simulator checks each one after every event
//! and every action until it first fails, then records what it saw with the time, the
//! nodes involved and a sentence a learner can read ("two leaders in term 3: nodes 1
//! and 4"). An invariant may keep state between checks (`check` takes `&mut self`) so
//! that it can look only at what changed.
//!
//! Most invariants are safety properties: something bad must never happen, and a
//! failure is a [`Violation`]. A few are bounded liveness expectations (something good
//! should happen within a bound, such as "split votes do not repeat ten terms in a
//! row"): correct code can miss them under unlucky timing, so a miss is a [`Warning`],
//! never a violation ([`InvariantKind`]).

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use crate::protocol::{NodeId, Protocol, Time};
use crate::sim::SimView;

/// A broken property, as recorded in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The property's name, e.g. `"election safety"`.
    pub property: String,
    /// When it was first seen broken (µs).
    pub time: Time,
    /// The nodes involved.
    pub nodes: Vec<NodeId>,
    /// What went wrong, in a full sentence.
    pub message: String,
}

/// A liveness expectation that was not met, as recorded in a run: what was observed,
/// not a guess at why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The expectation's name, e.g. `"Election Progress"`.
    pub property: String,
    /// When it was first seen unmet (µs).
    pub time: Time,
    /// The nodes involved.
    pub nodes: Vec<NodeId>,
    /// What was observed, in a full sentence.
    pub message: String,
}

impl From<Violation> for Warning {
    fn from(violation: Violation) -> Self {
        Self {
            property: violation.property,
            time: violation.time,
            nodes: violation.nodes,
            message: violation.message,
        }
    }
}

/// Whether an invariant is a safety property or a liveness expectation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvariantKind {
    /// Something bad never happens; a failure is a [`Violation`].
    #[default]
    Safety,
    /// Something good happens within a bound; a miss is a [`Warning`], since correct code
    /// can miss it under unlucky timing.
    Liveness,
}

/// A checker that reached the cap on what it remembers: past it, facts go unrecorded,
/// so a later failure that depends on them can go unseen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerLimit {
    /// The property whose checker hit its cap.
    pub property: String,
    /// When the cap was first reached (µs).
    pub time: Time,
    /// What stopped being recorded, in a full sentence.
    pub message: String,
}

/// Lets boxed invariants be cloned with the simulator (for time-travel snapshots).
pub trait InvariantClone<P: Protocol> {
    /// A boxed copy of this invariant, including its state.
    fn clone_box(&self) -> Box<dyn Invariant<P>>;
}

impl<P: Protocol, T: Invariant<P> + Clone + 'static> InvariantClone<P> for T {
    fn clone_box(&self) -> Box<dyn Invariant<P>> {
        Box::new(self.clone())
    }
}

/// A named property of a running system.
pub trait Invariant<P: Protocol>: InvariantClone<P> + Debug {
    /// A short name, e.g. `"election safety"`.
    fn name(&self) -> &str;

    /// One sentence saying what must always hold.
    fn description(&self) -> &str;

    /// Looks at the system after an event; returns a violation if the property no
    /// longer holds. The violation's `property` and `time` are filled in by the
    /// simulator if left empty or zero.
    fn check(&mut self, view: &SimView<P>) -> Option<Violation>;

    /// Whether a failure is a violation (safety) or a warning (liveness).
    fn kind(&self) -> InvariantKind {
        InvariantKind::Safety
    }

    /// A sentence saying that the checker's memory reached its cap and what it no
    /// longer records, once it has; `None` while it remembers everything. The
    /// simulator asks after every check, so a capped checker never stops silently.
    fn limit_reached(&self) -> Option<String> {
        None
    }
}

impl<P: Protocol> Clone for Box<dyn Invariant<P>> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// The check function of a [`FnInvariant`]: the nodes involved and a sentence when
/// the property is broken, `None` while it holds.
pub type CheckFn<P> = fn(&SimView<P>) -> Option<(Vec<NodeId>, String)>;

/// A stateless invariant made of a name, a description and a function.
pub struct FnInvariant<P: Protocol> {
    name: &'static str,
    description: &'static str,
    check: CheckFn<P>,
}

impl<P: Protocol> FnInvariant<P> {
    /// An invariant that calls `check`; `check` returns the nodes involved and a
    /// sentence when the property is broken.
    pub fn new(name: &'static str, description: &'static str, check: CheckFn<P>) -> Self {
        Self {
            name,
            description,
            check,
        }
    }
}

impl<P: Protocol> Clone for FnInvariant<P> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            description: self.description,
            check: self.check,
        }
    }
}

impl<P: Protocol> Debug for FnInvariant<P> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("FnInvariant")
            .field("name", &self.name)
            .finish()
    }
}

impl<P: Protocol + 'static> Invariant<P> for FnInvariant<P> {
    fn name(&self) -> &str {
        self.name
    }

    fn description(&self) -> &str {
        self.description
    }

    fn check(&mut self, view: &SimView<P>) -> Option<Violation> {
        (self.check)(view).map(|(nodes, message)| Violation {
            property: self.name.to_string(),
            time: view.now(),
            nodes,
            message,
        })
    }
}

/// An invariant's state, for the UI's list of properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvariantStatus {
    /// The property's name.
    pub name: String,
    /// What must hold.
    pub description: String,
    /// Safety or liveness: a page listing safety properties leaves liveness out.
    #[serde(default)]
    pub kind: InvariantKind,
    /// Whether it still holds (for a liveness expectation: whether it was met so far).
    pub ok: bool,
    /// The first violation of a safety property, if any.
    pub violation: Option<Violation>,
    /// The first miss of a liveness expectation, if any.
    #[serde(default)]
    pub warning: Option<Warning>,
}
