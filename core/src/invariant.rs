//! Named safety properties checked after every event.
//!
//! A lab registers [`Invariant`]s; the simulator checks each one after every event
//! and every action until it is first violated, then records a [`Violation`] with
//! the time, the nodes involved and a sentence a learner can read ("two leaders in
//! term 3: nodes 1 and 4"). An invariant may keep state between checks (`check`
//! takes `&mut self`) so that it can look only at what changed.

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvariantStatus {
    /// The property's name.
    pub name: String,
    /// What must hold.
    pub description: String,
    /// Whether it still holds.
    pub ok: bool,
    /// The first violation, if any.
    pub violation: Option<Violation>,
}
