//! Broadcast with acknowledgements: the simplest lab, and the engine's workhorse
//! for tests and benchmarks.
//!
//! Every node runs rounds. At the start of a round (a timer with jitter, so nodes
//! drift apart) it sends a `Ping` carrying the round number to every other node it
//! knows, and every node that receives a `Ping` answers with a `Pong` for that
//! round. A node counts which peers answered its current round. On a healthy
//! network every peer answers every round; loss, partitions and crashes show up as
//! missing answers, and duplication shows up as answers counted twice unless the
//! node deduplicates them (the `deduplicate` parameter, on by default). The
//! invariant "answers never outnumber peers" catches the second case, which makes
//! this lab a first lesson in why networks that may duplicate need idempotent
//! handlers.
//!
//! Clients may ask any node to `store` a value: the node writes it to its disk and
//! answers only after the write completes, so a crash in between loses the answer
//! but never acknowledges a value that is not durable. The stored values survive
//! restarts.

use serde::{Deserialize, Serialize};

pub mod lab;

use crate::invariant::FnInvariant;
use crate::protocol::{Context, MessageInfo, NodeId, OutFor, Protocol, RequestId, Time};
use crate::sim::SimView;

/// Lab parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BroadcastConfig {
    /// The shortest time between two rounds of one node, in milliseconds.
    pub round_ms_min: u64,
    /// The longest time between two rounds of one node, in milliseconds.
    pub round_ms_max: u64,
    /// Whether a node ignores a second answer from the same peer in one round.
    pub deduplicate: bool,
}

impl Default for BroadcastConfig {
    fn default() -> Self {
        Self {
            round_ms_min: 100,
            round_ms_max: 150,
            deduplicate: true,
        }
    }
}

/// What nodes tell each other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum BroadcastMessage {
    /// "This is my round `round`; please answer."
    Ping {
        /// The sender's round.
        round: u64,
    },
    /// "I got your ping for round `round`."
    Pong {
        /// The round being answered.
        round: u64,
    },
}

impl MessageInfo for BroadcastMessage {
    fn kind(&self) -> &'static str {
        match self {
            BroadcastMessage::Ping { .. } => "Ping",
            BroadcastMessage::Pong { .. } => "Pong",
        }
    }

    fn summary(&self) -> String {
        match self {
            BroadcastMessage::Ping { round } | BroadcastMessage::Pong { round } => {
                format!("round {round}")
            }
        }
    }
}

/// The node's one timer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum BroadcastTimer {
    /// Start the next round.
    NextRound,
}

/// A client request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum BroadcastRequest {
    /// Store `value` durably.
    Store {
        /// The value.
        value: u64,
    },
    /// Read the values stored on this node.
    Read,
}

// Written by hand rather than derived, for a smaller browser build; the format and
// messages are the derive's (see `crate::tagged_enum`, whose tests compare the two).
impl<'de> Deserialize<'de> for BroadcastRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tagged = crate::tagged_enum::Tagged::read(
            deserializer,
            "op",
            &["store", "read"],
            "internally tagged enum BroadcastRequest",
        )?;
        if tagged.variant == 0 {
            Ok(BroadcastRequest::Store {
                value: tagged.one(&["value"], "struct variant BroadcastRequest::Store")?,
            })
        } else {
            tagged.unit()?;
            Ok(BroadcastRequest::Read)
        }
    }
}

/// A client reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum BroadcastReply {
    /// The value is on disk.
    Stored {
        /// How many values the node now holds.
        count: u64,
    },
    /// The values this node holds (at most the last 16).
    Values {
        /// The values.
        values: Vec<u64>,
    },
}

/// The most stored values a node keeps.
pub const STORED_VALUES_MAX: usize = 16;

/// What survives a crash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BroadcastDurable {
    /// The last values clients stored, oldest first.
    pub values: Vec<u64>,
    /// How many values were ever stored.
    pub stored_total: u64,
}

/// One node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Broadcast {
    id: NodeId,
    config: BroadcastConfig,
    /// The current round (0 before the first).
    pub round: u64,
    /// Answers counted for the current round (with duplicates if not deduplicating).
    pub answers: u64,
    /// Which peers answered the current round, as a bit set over node ids.
    answered: Vec<u64>,
    /// How many peers the node pinged in the current round.
    pub peers_pinged: u64,
    /// Pings received from others.
    pub pings_received: u64,
    /// When the node last heard from anyone (µs).
    pub last_heard: Time,
    /// The durable part.
    pub durable: BroadcastDurable,
}

impl Broadcast {
    fn schedule_round(&self, out: &mut OutFor<Self>) {
        out.set_timer(
            BroadcastTimer::NextRound,
            self.config.round_ms_min * 1_000,
            self.config.round_ms_max * 1_000,
        );
    }

    fn start_round(&mut self, context: &Context<'_>, out: &mut OutFor<Self>) {
        self.round += 1;
        self.answers = 0;
        self.answered.clear();
        self.peers_pinged = context
            .nodes
            .iter()
            .filter(|&&peer| peer != self.id)
            .count() as u64;
        out.broadcast(
            self.id,
            context.nodes,
            &BroadcastMessage::Ping { round: self.round },
        );
        self.schedule_round(out);
    }

    /// Marks `peer` as having answered; returns false if it already had.
    fn mark_answered(&mut self, peer: NodeId) -> bool {
        let word = (peer / 64) as usize;
        let bit = 1u64 << (peer % 64);
        if self.answered.len() <= word {
            self.answered.resize(word + 1, 0);
        }
        let fresh = self.answered[word] & bit == 0;
        self.answered[word] |= bit;
        fresh
    }
}

impl Protocol for Broadcast {
    type Message = BroadcastMessage;
    type Timer = BroadcastTimer;
    type Request = BroadcastRequest;
    type Reply = BroadcastReply;
    type Durable = BroadcastDurable;
    type Config = BroadcastConfig;

    fn new(id: NodeId, _members: &[NodeId], config: &Self::Config) -> Self {
        Self {
            id,
            config: config.clone(),
            round: 0,
            answers: 0,
            answered: Vec::new(),
            peers_pinged: 0,
            pings_received: 0,
            last_heard: 0,
            durable: BroadcastDurable::default(),
        }
    }

    fn recover(
        id: NodeId,
        members: &[NodeId],
        config: &Self::Config,
        durable: Self::Durable,
    ) -> Self {
        let mut node = Self::new(id, members, config);
        node.durable = durable;
        node
    }

    fn durable(&self) -> Self::Durable {
        self.durable.clone()
    }

    fn on_start(&mut self, _context: &Context<'_>, out: &mut OutFor<Self>) {
        self.schedule_round(out);
    }

    fn on_message(
        &mut self,
        context: &Context<'_>,
        from: NodeId,
        message: Self::Message,
        out: &mut OutFor<Self>,
    ) {
        self.last_heard = context.now;
        match message {
            BroadcastMessage::Ping { round } => {
                self.pings_received += 1;
                out.send(from, BroadcastMessage::Pong { round });
            }
            BroadcastMessage::Pong { round } => {
                if round != self.round {
                    return;
                }
                let fresh = self.mark_answered(from);
                if fresh || !self.config.deduplicate {
                    self.answers += 1;
                }
            }
        }
    }

    fn on_timer(&mut self, context: &Context<'_>, timer: Self::Timer, out: &mut OutFor<Self>) {
        match timer {
            BroadcastTimer::NextRound => self.start_round(context, out),
        }
    }

    fn on_client(
        &mut self,
        _context: &Context<'_>,
        id: RequestId,
        request: Self::Request,
        out: &mut OutFor<Self>,
    ) {
        match request {
            BroadcastRequest::Store { value } => {
                if self.durable.values.len() >= STORED_VALUES_MAX {
                    self.durable.values.remove(0);
                }
                self.durable.values.push(value);
                self.durable.stored_total += 1;
                // Persist before answering: the reply waits for the disk.
                out.persist();
                out.reply(
                    id,
                    BroadcastReply::Stored {
                        count: self.durable.stored_total,
                    },
                );
            }
            BroadcastRequest::Read => out.reply(
                id,
                BroadcastReply::Values {
                    values: self.durable.values.clone(),
                },
            ),
        }
    }

    fn role(&self) -> &'static str {
        if self.round > 0 && self.answers >= self.peers_pinged {
            "complete"
        } else {
            "waiting"
        }
    }
}

/// The lab's own actions: `{"type": "lab", "name": "start_round", "args": {"node": 1}}`
/// makes node 1 start its next round at once instead of waiting for its timer.
pub fn lab_action(
    sim: &mut crate::sim::Simulator<Broadcast>,
    name: &str,
    args: &serde_json::Value,
) -> Result<(), crate::event::ActionError> {
    use crate::event::ActionError;
    match name {
        "start_round" => {
            let node = args
                .get("node")
                .and_then(serde_json::Value::as_u64)
                .and_then(|node| NodeId::try_from(node).ok())
                .ok_or_else(|| {
                    ActionError::Invalid(format!(
                        "args.node: start_round needs a node id, got {args}"
                    ))
                })?;
            sim.poke(node, |state, context, out| state.start_round(context, out))
        }
        other => Err(ActionError::UnknownLabAction(other.to_string())),
    }
}

/// The lab's invariants.
pub fn invariants() -> Vec<Box<dyn crate::invariant::Invariant<Broadcast>>> {
    vec![Box::new(FnInvariant::new(
        "answers never outnumber peers",
        "A node never counts more answers to a round than the number of peers it pinged.",
        answers_never_outnumber_peers,
    ))]
}

fn answers_never_outnumber_peers(view: &SimView<Broadcast>) -> Option<(Vec<NodeId>, String)> {
    // Only a node whose handler just ran can have changed its count, so only those
    // are checked: the check stays cheap with a thousand nodes.
    view.touched().iter().find_map(|&id| {
        let node = view.node(id)?;
        (node.answers > node.peers_pinged).then(|| {
            (
                vec![id],
                format!(
                    "node {id} counted {} answers to round {} but pinged only {} peers: \
                     a duplicated Pong was counted twice",
                    node.answers, node.round, node.peers_pinged
                ),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{LinkConfig, Network};
    use crate::sim::{SimConfig, Simulator};

    fn cluster(nodes: u32, link: LinkConfig, config: BroadcastConfig) -> Simulator<Broadcast> {
        let mut sim = Simulator::new(SimConfig::default(), config, Network::new(link), nodes);
        for invariant in invariants() {
            sim.add_invariant(invariant);
        }
        sim.start();
        sim
    }

    #[test]
    fn on_a_healthy_network_every_peer_answers_every_round() {
        let mut sim = cluster(4, LinkConfig::default(), BroadcastConfig::default());
        sim.run_until(1_000_000);
        for (_, _, node) in sim.nodes() {
            assert!(node.round >= 6);
            assert_eq!(node.peers_pinged, 3);
        }
        let scalars = sim.metrics().view().scalars();
        // Every delivered ping was answered, and nothing was lost.
        assert_eq!(scalars["delivered.Ping"], scalars["sent.Pong"]);
        assert_eq!(scalars["messages_dropped"], 0.0);
        assert!(sim.violations().is_empty());
    }

    #[test]
    fn without_deduplication_a_duplicating_network_breaks_the_invariant() {
        let link = LinkConfig {
            duplicate_probability: 0.5,
            ..LinkConfig::default()
        };
        let config = BroadcastConfig {
            deduplicate: false,
            ..BroadcastConfig::default()
        };
        let mut sim = cluster(3, link, config);
        sim.run_until(2_000_000);
        assert_eq!(sim.violations().len(), 1);
        assert_eq!(
            sim.violations()[0].property,
            "answers never outnumber peers"
        );
    }

    #[test]
    fn the_start_round_lab_action_starts_a_round_at_once() {
        let mut sim = cluster(3, LinkConfig::default(), BroadcastConfig::default());
        sim.set_lab_action(lab_action);
        let start = crate::event::Action::Lab {
            name: "start_round".to_string(),
            args: serde_json::json!({"node": 1}),
        };
        sim.apply(&start).expect("node 1 is up");
        assert_eq!(sim.node(1).map(|node| node.round), Some(1));
        assert_eq!(sim.in_flight_count(), 2, "one ping to each peer");
        let unknown = crate::event::Action::Lab {
            name: "dance".to_string(),
            args: serde_json::Value::Null,
        };
        assert!(sim.apply(&unknown).is_err());
        let missing_node = crate::event::Action::Lab {
            name: "start_round".to_string(),
            args: serde_json::json!({}),
        };
        assert!(sim.apply(&missing_node).is_err());
    }

    #[test]
    fn with_deduplication_duplicates_are_harmless() {
        let link = LinkConfig {
            duplicate_probability: 0.5,
            ..LinkConfig::default()
        };
        let mut sim = cluster(3, link, BroadcastConfig::default());
        sim.run_until(2_000_000);
        assert!(sim.violations().is_empty());
    }
}
