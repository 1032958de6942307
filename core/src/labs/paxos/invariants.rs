//! The safety properties of "Paxos Made Simple" (section 2.1), checked after every event by a
//! checker that keeps its own history: once a value has been chosen it stays chosen, even if
//! the acceptors that chose it later crash, forget or accept something else.
//!
//! "Chosen" is the paper's definition, read from the acceptors' disks (crashed ones too): a
//! value is chosen when a phase-2 quorum of acceptors (Flexible Paxos's Q2, a majority by
//! default) has accepted it in the same ballot. Acceptances are counted per ballot *and*
//! value, so that two proposers sharing a ballot (the ballot bug) are never counted as one
//! proposal. An
//! acceptance counts once it is on disk, because only then does the acceptor tell anyone;
//! a crash before the write lands is, to everyone else, an acceptance that never happened.

use std::collections::{BTreeMap, BTreeSet};

use super::{Ballot, Durable, Value};
use crate::{NodeId, Time};

/// One of the properties the lab checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Property {
    /// At most one value is chosen.
    Agreement,
    /// A chosen value was proposed by a client.
    Validity,
    /// No two learners learn different values.
    LearnersAgree,
    /// No acceptor accepts a proposal below a ballot it has promised.
    PromisesKept,
}

impl Property {
    /// Every property, in the order the UI lists them.
    pub const ALL: [Property; 4] = [
        Property::Agreement,
        Property::Validity,
        Property::LearnersAgree,
        Property::PromisesKept,
    ];

    /// The property's name.
    pub fn name(self) -> &'static str {
        match self {
            Property::Agreement => "Agreement",
            Property::Validity => "Validity",
            Property::LearnersAgree => "Learners agree",
            Property::PromisesKept => "Promises kept",
        }
    }

    /// One sentence saying what must always hold.
    pub fn description(self) -> &'static str {
        match self {
            Property::Agreement => {
                "At most one value is ever chosen: accepted by a phase-2 quorum of acceptors (a majority by default) in one ballot (section 2.1)."
            }
            Property::Validity => "Only a value a client proposed can be chosen (section 2.1).",
            Property::LearnersAgree => "No two learners ever learn different values (section 2.3).",
            Property::PromisesKept => {
                "No acceptor holds an accepted proposal numbered below a ballot it promised (phase 2b)."
            }
        }
    }
}

/// A broken property, with when, who, and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyViolation {
    /// Which property.
    pub property: Property,
    /// When it was seen broken (µs).
    pub time: Time,
    /// The nodes involved.
    pub nodes: Vec<NodeId>,
    /// What happened, in words.
    pub message: String,
}

/// A value chosen in one ballot, and when the checker first saw it chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The ballot a phase-2 quorum accepted.
    pub ballot: Ballot,
    /// Its value.
    pub value: Value,
    /// The acceptors whose disks held it.
    pub acceptors: Vec<NodeId>,
    /// When it became chosen (µs).
    pub time: Time,
}

/// What the checker is shown after an event.
pub struct Observation<'a> {
    /// The current time (µs).
    pub now: Time,
    /// How many acceptors must accept one ballot's value for it to be chosen (Q2).
    pub quorum: usize,
    /// Every node's disk.
    pub disks: Vec<(NodeId, &'a Durable)>,
    /// What each running learner has learned.
    pub learned: Vec<(NodeId, &'a Value)>,
    /// Values clients proposed since the last observation.
    pub proposed: Vec<&'a Value>,
}

/// The incremental checker of every property.
#[derive(Debug, Clone, Default)]
pub struct PaxosSafety {
    /// Per ballot and value, the acceptors whose disks have held it accepted.
    acceptances: BTreeMap<(Ballot, Value), BTreeSet<NodeId>>,
    /// What each acceptor's disk held accepted at the last observation.
    last_accepted: BTreeMap<NodeId, (Ballot, Value)>,
    /// Every ballot chosen so far, in the order it became chosen.
    chosen: Vec<Choice>,
    /// Each learner's first learned value.
    learned: BTreeMap<NodeId, Value>,
    /// Values clients proposed.
    proposed: BTreeSet<Value>,
    /// Properties already reported (each is reported once).
    reported: Vec<Property>,
}

impl PaxosSafety {
    /// A checker with an empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// The ballots chosen so far.
    pub fn chosen(&self) -> &[Choice] {
        &self.chosen
    }

    /// Looks at the system after an event and returns each property newly broken.
    pub fn observe(&mut self, observation: &Observation<'_>) -> Vec<SafetyViolation> {
        let now = observation.now;
        let mut found = Vec::new();
        for value in &observation.proposed {
            if !self.proposed.contains(*value) {
                self.proposed.insert((*value).clone());
            }
        }
        for &(node, disk) in &observation.disks {
            let Some(accepted) = &disk.accepted else {
                continue;
            };
            if self
                .last_accepted
                .get(&node)
                .is_some_and(|(ballot, value)| {
                    *ballot == accepted.ballot && *value == accepted.value
                })
            {
                continue;
            }
            self.last_accepted
                .insert(node, (accepted.ballot, accepted.value.clone()));
            // A correct acceptor raises its promise to the ballot it accepts in the same
            // write, so a fresh acceptance below the promise on disk broke the promise.
            // (A promise above an older acceptance is normal: it came later.)
            if let Some(promised) = disk.promised
                && accepted.ballot < promised
            {
                found.push(SafetyViolation {
                    property: Property::PromisesKept,
                    time: now,
                    nodes: vec![node],
                    message: format!(
                        "node {node} accepted {:?} in ballot {} although it had promised ballot {promised}",
                        accepted.value, accepted.ballot
                    ),
                });
            }
            let acceptors = self
                .acceptances
                .entry((accepted.ballot, accepted.value.clone()))
                .or_default();
            acceptors.insert(node);
            let already = self
                .chosen
                .iter()
                .any(|choice| choice.ballot == accepted.ballot && choice.value == accepted.value);
            if acceptors.len() >= observation.quorum && !already {
                let choice = Choice {
                    ballot: accepted.ballot,
                    value: accepted.value.clone(),
                    acceptors: acceptors.iter().copied().collect(),
                    time: now,
                };
                if let Some(earlier) = self
                    .chosen
                    .iter()
                    .find(|earlier| earlier.value != choice.value)
                {
                    let mut nodes: Vec<NodeId> = earlier.acceptors.clone();
                    nodes.extend(choice.acceptors.iter().copied());
                    nodes.sort_unstable();
                    nodes.dedup();
                    found.push(SafetyViolation {
                        property: Property::Agreement,
                        time: now,
                        nodes,
                        message: format!(
                            "two values are chosen: {:?} in ballot {} (accepted by nodes {:?}) and now {:?} in ballot {} (accepted by nodes {:?})",
                            earlier.value,
                            earlier.ballot,
                            earlier.acceptors,
                            choice.value,
                            choice.ballot,
                            choice.acceptors
                        ),
                    });
                }
                if !self.proposed.contains(&choice.value) {
                    found.push(SafetyViolation {
                        property: Property::Validity,
                        time: now,
                        nodes: choice.acceptors.clone(),
                        message: format!(
                            "{:?} is chosen in ballot {} but no client proposed it",
                            choice.value, choice.ballot
                        ),
                    });
                }
                self.chosen.push(choice);
            }
        }
        for &(node, value) in &observation.learned {
            if self.learned.contains_key(&node) {
                continue;
            }
            if let Some((other, earlier)) =
                self.learned.iter().find(|(_, earlier)| *earlier != value)
            {
                found.push(SafetyViolation {
                    property: Property::LearnersAgree,
                    time: now,
                    nodes: vec![*other, node],
                    message: format!(
                        "node {node} learned {value:?} but node {other} had learned {earlier:?}"
                    ),
                });
            }
            self.learned.insert(node, value.clone());
        }
        found.retain(|violation| {
            let fresh = !self.reported.contains(&violation.property);
            if fresh {
                self.reported.push(violation.property);
            }
            fresh
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use super::super::Proposal;
    use super::*;

    fn disk(promised: u64, accepted: Option<(u64, &str)>) -> Durable {
        Durable {
            promised: Some(Ballot {
                round: promised,
                proposer: 0,
            }),
            accepted: accepted.map(|(round, value)| Proposal {
                ballot: Ballot { round, proposer: 0 },
                value: value.to_string(),
            }),
            round: 0,
        }
    }

    fn observe<'a>(
        checker: &mut PaxosSafety,
        disks: &'a [Durable],
        proposed: &'a [Value],
    ) -> Vec<Property> {
        let observation = Observation {
            now: 1,
            quorum: disks.len() / 2 + 1,
            disks: disks
                .iter()
                .enumerate()
                .map(|(id, disk)| (id as NodeId, disk))
                .collect(),
            learned: Vec::new(),
            proposed: proposed.iter().collect(),
        };
        checker
            .observe(&observation)
            .into_iter()
            .map(|violation| violation.property)
            .collect()
    }

    #[test]
    fn a_value_no_client_proposed_breaks_validity_once_a_majority_accepts_it() {
        let mut checker = PaxosSafety::new();
        let disks = [
            disk(1, Some((1, "ghost"))),
            disk(1, Some((1, "ghost"))),
            disk(0, None),
        ];
        let proposed = ["real".to_string()];
        assert_eq!(
            observe(&mut checker, &disks, &proposed),
            vec![Property::Validity]
        );
        assert_eq!(checker.chosen().len(), 1);
    }

    #[test]
    fn a_minority_acceptance_is_not_a_choice() {
        let mut checker = PaxosSafety::new();
        let disks = [disk(1, Some((1, "a"))), disk(0, None), disk(0, None)];
        assert!(observe(&mut checker, &disks, &["a".to_string()]).is_empty());
        assert!(checker.chosen().is_empty());
    }

    #[test]
    fn a_second_value_chosen_after_the_acceptors_forgot_the_first_breaks_agreement() {
        let mut checker = PaxosSafety::new();
        let proposed = ["a".to_string(), "b".to_string()];
        let first = [
            disk(1, Some((1, "a"))),
            disk(1, Some((1, "a"))),
            disk(0, None),
        ];
        assert!(observe(&mut checker, &first, &proposed).is_empty());
        // Node 1 forgot (its disk is empty again), then accepts "b" with node 2.
        let second = [
            disk(1, Some((1, "a"))),
            disk(2, Some((2, "b"))),
            disk(2, Some((2, "b"))),
        ];
        assert_eq!(
            observe(&mut checker, &second, &proposed),
            vec![Property::Agreement]
        );
    }

    #[test]
    fn two_values_accepted_in_one_ballot_are_two_proposals_and_both_chosen_break_agreement() {
        // With ballots that are not unique (section 2.5), one ballot can carry two values;
        // a quorum of acceptances is counted per ballot and value.
        let mut checker = PaxosSafety::new();
        let proposed = ["a".to_string(), "b".to_string()];
        let first = [
            disk(1, Some((1, "a"))),
            disk(1, Some((1, "a"))),
            disk(1, None),
        ];
        assert!(observe(&mut checker, &first, &proposed).is_empty());
        let second = [
            disk(1, Some((1, "a"))),
            disk(1, Some((1, "b"))),
            disk(1, Some((1, "b"))),
        ];
        assert_eq!(
            observe(&mut checker, &second, &proposed),
            vec![Property::Agreement]
        );
        assert_eq!(checker.chosen().len(), 2);
    }

    #[test]
    fn a_phase_two_quorum_below_a_majority_chooses_a_value() {
        // Flexible Paxos (Howard, Malkhi, Spiegelman, section 3): chosen means accepted by
        // Q2 acceptors, whatever Q2 is.
        let mut checker = PaxosSafety::new();
        let disks = [disk(1, Some((1, "a"))), disk(0, None), disk(0, None)];
        let observation = Observation {
            now: 1,
            quorum: 1,
            disks: disks
                .iter()
                .enumerate()
                .map(|(id, disk)| (id as NodeId, disk))
                .collect(),
            learned: Vec::new(),
            proposed: vec![],
        };
        assert_eq!(
            checker
                .observe(&observation)
                .into_iter()
                .map(|violation| violation.property)
                .collect::<Vec<_>>(),
            vec![Property::Validity],
            "a value no client proposed, chosen by Q2 = 1"
        );
        assert_eq!(checker.chosen().len(), 1);
    }

    #[test]
    fn an_acceptance_below_the_promise_breaks_promises_kept() {
        let mut checker = PaxosSafety::new();
        let disks = [disk(3, Some((2, "a")))];
        assert_eq!(
            observe(&mut checker, &disks, &["a".to_string()]),
            vec![Property::PromisesKept]
        );
    }

    #[test]
    fn a_promise_made_after_an_acceptance_is_not_a_broken_promise() {
        let mut checker = PaxosSafety::new();
        let proposed = ["a".to_string()];
        assert!(observe(&mut checker, &[disk(2, Some((2, "a")))], &proposed).is_empty());
        assert!(observe(&mut checker, &[disk(3, Some((2, "a")))], &proposed).is_empty());
    }

    #[test]
    fn two_learners_learning_different_values_break_learners_agree() {
        let mut checker = PaxosSafety::new();
        let (a, b) = ("a".to_string(), "b".to_string());
        let observation = Observation {
            now: 5,
            quorum: 2,
            disks: Vec::new(),
            learned: vec![(0, &a), (1, &a), (2, &b)],
            proposed: Vec::new(),
        };
        let found = checker.observe(&observation);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].property, Property::LearnersAgree);
        assert_eq!(found[0].nodes, vec![0, 2]);
    }
}
