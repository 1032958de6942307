//! CRDTs: replicas that accept updates without coordinating, diverge under a partition and
//! converge once they hear from each other, read beside Shapiro, Preguiça, Baquero and
//! Zawirski, "A comprehensive study of Convergent and Commutative Replicated Data Types"
//! (2011), and Hellerstein and Alvaro's "Keeping CALM" (2020).
//!
//! **The problem (section 1).** A replica that waits for the others before it answers is
//! unavailable when the network splits. A replica that answers at once must later reconcile
//! with replicas that answered other clients. Ad-hoc reconciliation (last value wins,
//! delete on remove) loses updates; the report asks instead for *strong eventual
//! consistency* (SEC, section 2.3): replicas that have delivered the same updates have
//! equivalent state, with no rollback and no consensus.
//!
//! **State-based (section 2.2.1).** If the payload is a join semilattice, every update
//! moves it up, and replicas merge by taking the join (least upper bound), then the order,
//! repetition and grouping of merges do not matter: merge is commutative, associative and
//! idempotent (Theorem 2.1). Replicas here gossip their whole payload to every peer on a
//! timer ([`Message::State`]); a lost, duplicated or reordered message is harmless, and a
//! crashed replica comes back from its disk and catches up by merging. CALM's reading: a
//! program that is monotone (its output only grows with its input) needs no coordination.
//!
//! **Op-based (section 2.2.2).** Replicas instead broadcast each update's operation
//! ([`Message::Ops`]): smaller messages, but the operations need causal, exactly-once
//! delivery (Theorem 2.2), which the lab's causal broadcast layer ([`causal`]) gives:
//! version vectors hold an operation back until its causal past has arrived and drop
//! duplicates, and anti-entropy ([`Message::Clock`], each replica's delivered vector on the
//! same timer) makes a peer resend what a partition or a loss kept away. The bug switch
//! `no_causal_delivery` delivers operations as they arrive: an OR-Set remove that
//! overtakes its add removes nothing, the add then arrives, and two replicas that have seen
//! the same updates differ for ever.
//!
//! **The types ([`types`], [`rga`]).** Counters (G-Counter, PN-Counter), registers
//! (LWW-Register, MV-Register), sets (G-Set, 2P-Set, OR-Set) and RGA for text, plus two
//! naive baselines, each documented against the report's specification. One scenario
//! replicates one type (`params.crdt`) in one style (`params.replication`).
//!
//! **What is checked ([`lab`]).** After every event: strong eventual consistency (safety:
//! up replicas that have seen the same updates show the same value) and, for the counters
//! and sets, that no update is lost (safety: a replica's value is what the updates it has
//! seen intended, which the naive baselines break). After a partition heals and updates
//! stop, the replicas converge within a bound (liveness, a warning). The replicas carry a
//! ghost record of the updates they have seen ([`ghost`]) for these checks; the protocol
//! never reads it and the bytes sent do not count it.
//!
//! **Durability.** A replica writes its payload to disk after each local update, and
//! answers the client and sends anything only once the write has landed, so an update
//! never leaves a replica that could forget it in a crash.

pub mod causal;
pub mod ghost;
pub mod kinds;
pub mod lab;
pub mod rga;
pub mod types;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::NodeId;
use crate::protocol::{Context, MICROS_PER_MS, MessageInfo, OutFor, Protocol, RequestId};

use causal::{CausalLayer, Tagged, tag_bytes};
use ghost::{Ghost, Record, distance};
pub use kinds::{AnyCrdt, AnyOp, Kind};
use types::{Source, Update, Value};

/// The most updates one replica makes in a run; later ones are refused.
pub const UPDATES_PER_REPLICA_MAX: u64 = 500;

/// The most operations one anti-entropy message carries.
pub const OPS_PER_MESSAGE_MAX: usize = 64;

/// The most replicas a scenario may start with.
pub const REPLICAS_MAX: u32 = 16;

/// The longest gossip interval or convergence bound accepted, in milliseconds.
pub const INTERVAL_MS_LIMIT: u64 = 600_000;

/// Bytes of a message's header in the lab's encoding: its kind and its sender.
const HEADER_BYTES: u64 = 5;

/// How replicas replicate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Replication {
    /// State-based: gossip the whole payload to every peer on a timer.
    #[default]
    State,
    /// Op-based: broadcast each operation over the causal broadcast layer, with
    /// anti-entropy on a timer.
    Op,
}

/// The bug switches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bugs {
    /// Op-based replicas apply an operation as soon as it arrives, without waiting for its
    /// causal past (section 2.2.2 requires causal delivery). Duplicates are still dropped.
    pub no_causal_delivery: bool,
}

/// The lab's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The data type the replicas hold.
    pub crdt: Kind,
    /// State-based or op-based replication.
    pub replication: Replication,
    /// The shortest time between two gossip (or anti-entropy) rounds of a replica, in ms.
    pub gossip_ms_min: u64,
    /// The longest such time, in ms.
    pub gossip_ms_max: u64,
    /// How long after the last update, with every link up and every replica running, the
    /// replicas are expected to be equal, in ms (the convergence check, a liveness warning).
    pub converge_within_ms: u64,
    /// Deliberate bugs.
    pub bugs: Bugs,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            crdt: Kind::default(),
            replication: Replication::default(),
            gossip_ms_min: 100,
            gossip_ms_max: 150,
            converge_within_ms: 1_000,
            bugs: Bugs::default(),
        }
    }
}

impl Config {
    /// Checks every number; the error names the field.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.gossip_ms_min == 0 || self.gossip_ms_min > INTERVAL_MS_LIMIT {
            return Err((
                "gossip_ms_min".to_string(),
                format!(
                    "must be between 1 and {INTERVAL_MS_LIMIT}, got {}",
                    self.gossip_ms_min
                ),
            ));
        }
        if self.gossip_ms_max < self.gossip_ms_min || self.gossip_ms_max > INTERVAL_MS_LIMIT {
            return Err((
                "gossip_ms_max".to_string(),
                format!(
                    "must be between gossip_ms_min ({}) and {INTERVAL_MS_LIMIT}, got {}",
                    self.gossip_ms_min, self.gossip_ms_max
                ),
            ));
        }
        if self.converge_within_ms == 0 || self.converge_within_ms > INTERVAL_MS_LIMIT {
            return Err((
                "converge_within_ms".to_string(),
                format!(
                    "must be between 1 and {INTERVAL_MS_LIMIT}, got {}",
                    self.converge_within_ms
                ),
            ));
        }
        if self.bugs.no_causal_delivery && self.replication != Replication::Op {
            return Err((
                "bugs.no_causal_delivery".to_string(),
                "applies to op-based replication only: set replication to \"op\"".to_string(),
            ));
        }
        Ok(())
    }
}

/// A client request: an update, or a read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Add `amount` (default 1) to a counter.
    Increment {
        /// How much.
        amount: u32,
    },
    /// Subtract `amount` (default 1) from a PN-Counter.
    Decrement {
        /// How much.
        amount: u32,
    },
    /// Add an element to a set.
    Add {
        /// The element.
        element: u32,
    },
    /// Remove an element from a set.
    Remove {
        /// The element.
        element: u32,
    },
    /// Write a register.
    Set {
        /// The value.
        value: i64,
    },
    /// Insert text at a visible index.
    Insert {
        /// Where.
        index: u32,
        /// What (1 to 64 characters).
        text: String,
    },
    /// Delete visible characters.
    Delete {
        /// From where.
        index: u32,
        /// How many.
        count: u32,
    },
    /// Read the replica's value.
    Read,
}

/// The names of [`Request`]'s variants, in declaration order.
const REQUEST_VARIANTS: &[&str] = &[
    "increment",
    "decrement",
    "add",
    "remove",
    "set",
    "insert",
    "delete",
    "read",
];

// Written by hand rather than derived, for a smaller browser build; the format and the
// messages are those of serde's derive with `deny_unknown_fields` (see
// `crate::tagged_enum`).
impl<'de> Deserialize<'de> for Request {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use crate::tagged_enum::{Tagged, decode};
        let tagged = Tagged::read(
            deserializer,
            "op",
            REQUEST_VARIANTS,
            "internally tagged enum Request",
        )?;
        let variant = tagged.variant;
        Ok(match variant {
            0 | 1 => {
                let mut amount = 1;
                let expecting = if variant == 0 {
                    "struct variant Request::Increment"
                } else {
                    "struct variant Request::Decrement"
                };
                tagged.fields(&["amount"], 0, expecting, |_, json| {
                    amount = decode(json)?;
                    Ok(())
                })?;
                if variant == 0 {
                    Request::Increment { amount }
                } else {
                    Request::Decrement { amount }
                }
            }
            2 => Request::Add {
                element: tagged.one(&["element"], "struct variant Request::Add")?,
            },
            3 => Request::Remove {
                element: tagged.one(&["element"], "struct variant Request::Remove")?,
            },
            4 => Request::Set {
                value: tagged.one(&["value"], "struct variant Request::Set")?,
            },
            5 => {
                let (index, text) =
                    tagged.two(&["index", "text"], "struct variant Request::Insert")?;
                Request::Insert { index, text }
            }
            6 => {
                let (index, count) =
                    tagged.two(&["index", "count"], "struct variant Request::Delete")?;
                Request::Delete { index, count }
            }
            _ => {
                tagged.unit()?;
                Request::Read
            }
        })
    }
}

impl Request {
    /// The update this request asks for; `None` for a read.
    pub fn update(&self) -> Option<Update> {
        Some(match self.clone() {
            Request::Increment { amount } => Update::Increment { amount },
            Request::Decrement { amount } => Update::Decrement { amount },
            Request::Add { element } => Update::Add { element },
            Request::Remove { element } => Update::Remove { element },
            Request::Set { value } => Update::Set { value },
            Request::Insert { index, text } => Update::Insert { index, text },
            Request::Delete { index, count } => Update::Delete { index, count },
            Request::Read => return None,
        })
    }
}

/// A client reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Reply {
    /// The update was applied here (and is on disk); it reaches the others later.
    Applied {
        /// The update's number at this replica.
        sequence: u64,
        /// The replica's value after it.
        value: Value,
    },
    /// The update was refused here.
    Refused {
        /// Why.
        reason: String,
    },
    /// The replica's value.
    Value {
        /// The value.
        value: Value,
    },
}

/// What replicas send each other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Message {
    /// State-based gossip: the sender's whole payload (and, not counted in bytes, the
    /// ghost record of the updates it reflects).
    State {
        /// The payload.
        payload: AnyCrdt,
        /// The updates it reflects (for the checkers only).
        ghost: Ghost,
    },
    /// Op-based: operations with their causal tags, in an order that respects causality.
    Ops {
        /// The operations, each with the ghost record of its update.
        ops: Vec<Tagged<(AnyOp, Record)>>,
    },
    /// Op-based anti-entropy: "this is what I have delivered; send what I miss".
    Clock {
        /// The sender's delivered prefix per origin.
        delivered: types::VersionVector,
    },
}

impl Message {
    /// The message's size in the lab's compact encoding (the ghost records not counted).
    pub fn bytes(&self) -> u64 {
        HEADER_BYTES
            + match self {
                Message::State { payload, .. } => payload.wire_bytes(),
                Message::Ops { ops } => {
                    4 + ops
                        .iter()
                        .map(|tagged| tag_bytes(&tagged.past) + tagged.op.0.bytes())
                        .sum::<u64>()
                }
                Message::Clock { delivered } => 4 + delivered.len() as u64 * 12,
            }
    }
}

impl MessageInfo for Message {
    fn kind(&self) -> &'static str {
        match self {
            Message::State { .. } => "State",
            Message::Ops { .. } => "Ops",
            Message::Clock { .. } => "Clock",
        }
    }

    fn summary(&self) -> String {
        match self {
            Message::State { payload, ghost } => format!(
                "{} ({} updates, {} bytes)",
                payload.value().render(),
                ghost.records.len(),
                self.bytes()
            ),
            Message::Ops { ops } => {
                let names: Vec<String> = ops
                    .iter()
                    .take(4)
                    .map(|tagged| format!("{}.{}", tagged.origin, tagged.sequence))
                    .collect();
                format!(
                    "{} op{} {}{}",
                    ops.len(),
                    if ops.len() == 1 { "" } else { "s" },
                    names.join(" "),
                    if ops.len() > 4 { " ..." } else { "" }
                )
            }
            Message::Clock { delivered } => format!(
                "delivered {}",
                delivered
                    .iter()
                    .map(|(origin, count)| format!("n{origin}:{count}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    }
}

/// The replica's one timer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Timer {
    /// Gossip the payload (state-based) or the delivered vector (op-based).
    Gossip,
}

/// What a replica's disk holds: everything but the operations waiting for their past.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Durable {
    /// The payload (`None` before the first write).
    #[serde(serialize_with = "kinds::serialize_described_option")]
    pub payload: Option<AnyCrdt>,
    /// The updates it reflects (not shown: the checkers' record).
    #[serde(skip)]
    pub ghost: Ghost,
    /// The replica's own updates so far.
    pub updates_made: u64,
    /// Op-based: what was delivered.
    #[serde(skip)]
    pub delivered: causal::Delivered,
    /// Op-based: every delivered operation, for anti-entropy (not shown).
    #[serde(skip)]
    pub log: Vec<Tagged<(AnyOp, Record)>>,
}

/// One replica.
#[derive(Debug, Clone, Serialize)]
pub struct Replica {
    #[serde(skip)]
    id: NodeId,
    #[serde(skip)]
    config: Config,
    /// The data type.
    pub crdt: Kind,
    /// The data type's name for people.
    pub kind: &'static str,
    /// The value a client reading here sees.
    pub value: Value,
    /// The payload (shown as a line, see [`AnyCrdt::describe`]).
    #[serde(serialize_with = "kinds::serialize_described")]
    pub payload: AnyCrdt,
    /// How many updates this replica has seen (its own included).
    pub updates_seen: usize,
    /// How many updates this replica has made.
    pub updates_made: u64,
    /// How far the value is from what the updates seen intended (counters and sets;
    /// 0 for a correct CRDT).
    pub lost_updates: u64,
    /// Bytes this replica has sent since it last started.
    pub bytes_sent: u64,
    /// Op-based: operations that arrived before their causal past, waiting.
    pub waiting_ops: usize,
    /// Op-based: the causal layer (delivered vector and waiting operations).
    #[serde(skip)]
    pub causal: CausalLayer<(AnyOp, Record)>,
    /// Op-based: delivered operations, for anti-entropy.
    #[serde(skip)]
    log: Vec<Tagged<(AnyOp, Record)>>,
    /// The updates seen (for the checkers).
    #[serde(skip)]
    pub ghost: Ghost,
    /// How much of `bytes_sent` the lab's observer has already added to the run's
    /// `bytes_sent` counter. A cell, so that the observer, which sees the replicas only
    /// through a shared reference, can mark what it has counted: one handler call or many
    /// (a resumed replica handles its backlog at once), each byte is counted once.
    #[serde(skip)]
    pub bytes_counted: std::cell::Cell<u64>,
}

impl Replica {
    fn op_based(&self) -> bool {
        self.config.replication == Replication::Op
    }

    /// Recomputes what is derived from the payload and the ghost.
    fn refresh(&mut self) {
        self.value = self.payload.value();
        self.updates_seen = self.ghost.records.len();
        self.waiting_ops = self.causal.waiting.len();
        self.lost_updates = self
            .ghost
            .intent(self.payload.kind())
            .map_or(0, |intended| distance(&self.value, &intended));
    }

    fn send(&mut self, to: NodeId, message: Message, out: &mut OutFor<Self>) {
        let bytes = message.bytes();
        self.bytes_sent += bytes;
        out.send(to, message);
    }

    fn schedule_gossip(&self, out: &mut OutFor<Self>) {
        out.set_timer(
            Timer::Gossip,
            self.config.gossip_ms_min * MICROS_PER_MS,
            self.config.gossip_ms_max * MICROS_PER_MS,
        );
    }

    /// The gossip round: the whole payload to every peer (state-based), or the delivered
    /// vector (op-based anti-entropy).
    fn gossip(&mut self, context: &Context<'_>, out: &mut OutFor<Self>) {
        // Nothing leaves before the disk holds what it reflects.
        out.await_disk();
        for &peer in context.nodes {
            if peer == self.id {
                continue;
            }
            let message = if self.op_based() {
                Message::Clock {
                    delivered: self.causal.delivered.clock.clone(),
                }
            } else {
                Message::State {
                    payload: self.payload.clone(),
                    ghost: self.ghost.clone(),
                }
            };
            self.send(peer, message, out);
        }
        self.schedule_gossip(out);
    }

    /// A client's update at this replica: prepare at the source, apply, write to disk,
    /// answer, and (op-based) broadcast the operation.
    fn update(
        &mut self,
        context: &Context<'_>,
        request: RequestId,
        update: Update,
        out: &mut OutFor<Self>,
    ) {
        if self.updates_made >= UPDATES_PER_REPLICA_MAX {
            out.reply(
                request,
                Reply::Refused {
                    reason: format!(
                        "a replica makes at most {UPDATES_PER_REPLICA_MAX} updates in a run"
                    ),
                },
            );
            return;
        }
        let source = Source {
            replica: self.id,
            sequence: self.updates_made + 1,
            time: context.now,
        };
        let op = match self.payload.prepare(source, &update) {
            Ok(op) => op,
            Err(reason) => {
                out.reply(request, Reply::Refused { reason });
                return;
            }
        };
        let context_seen = matches!(update, Update::Remove { .. }).then(|| self.ghost.seen());
        let record = Record {
            update,
            context: context_seen,
        };
        self.updates_made = source.sequence;
        self.payload.effect(&op);
        self.ghost
            .records
            .insert((self.id, source.sequence), record.clone());
        let tagged = self.op_based().then(|| {
            let tagged = self.causal.local(self.id, (op, record));
            self.log.push(tagged.clone());
            tagged
        });
        self.refresh();
        out.persist();
        out.reply(
            request,
            Reply::Applied {
                sequence: source.sequence,
                value: self.value.clone(),
            },
        );
        if let Some(tagged) = tagged {
            for &peer in context.nodes {
                if peer != self.id {
                    self.send(
                        peer,
                        Message::Ops {
                            ops: vec![tagged.clone()],
                        },
                        out,
                    );
                }
            }
        }
    }

    /// Applies operations the causal layer delivered.
    fn apply_delivered(&mut self, delivered: Vec<Tagged<(AnyOp, Record)>>) {
        for tagged in delivered {
            self.payload.effect(&tagged.op.0);
            self.ghost
                .records
                .entry((tagged.origin, tagged.sequence))
                .or_insert_with(|| tagged.op.1.clone());
            self.log.push(tagged);
        }
    }

    /// Op-based anti-entropy: the operations `peer` lacks, given what it has delivered.
    fn missing_for(&self, delivered: &types::VersionVector) -> Vec<Tagged<(AnyOp, Record)>> {
        self.log
            .iter()
            .filter(|tagged| tagged.sequence > delivered.get(&tagged.origin).copied().unwrap_or(0))
            .take(OPS_PER_MESSAGE_MAX)
            .cloned()
            .collect()
    }
}

impl Protocol for Replica {
    type Message = Message;
    type Timer = Timer;
    type Request = Request;
    type Reply = Reply;
    type Durable = Durable;
    type Config = Config;

    fn new(id: NodeId, _members: &[NodeId], config: &Config) -> Self {
        let payload = AnyCrdt::new(config.crdt);
        Self {
            id,
            config: config.clone(),
            crdt: config.crdt,
            kind: config.crdt.title(),
            value: payload.value(),
            payload,
            updates_seen: 0,
            updates_made: 0,
            lost_updates: 0,
            bytes_sent: 0,
            waiting_ops: 0,
            causal: CausalLayer::default(),
            log: Vec::new(),
            ghost: Ghost::default(),
            bytes_counted: std::cell::Cell::new(0),
        }
    }

    fn recover(id: NodeId, members: &[NodeId], config: &Config, durable: Durable) -> Self {
        let mut replica = Self::new(id, members, config);
        if let Some(payload) = durable.payload {
            replica.payload = payload;
        }
        replica.ghost = durable.ghost;
        replica.updates_made = durable.updates_made;
        replica.causal.delivered = durable.delivered;
        replica.log = durable.log;
        replica.refresh();
        replica
    }

    fn durable(&self) -> Durable {
        Durable {
            payload: Some(self.payload.clone()),
            ghost: self.ghost.clone(),
            updates_made: self.updates_made,
            delivered: self.causal.delivered.clone(),
            log: self.log.clone(),
        }
    }

    fn on_start(&mut self, _context: &Context<'_>, out: &mut OutFor<Self>) {
        self.schedule_gossip(out);
    }

    fn on_message(
        &mut self,
        _context: &Context<'_>,
        from: NodeId,
        message: Message,
        out: &mut OutFor<Self>,
    ) {
        match message {
            Message::State { payload, ghost } => {
                self.payload.merge(&payload);
                self.ghost.merge(&ghost);
                self.refresh();
            }
            Message::Ops { ops } => {
                let causal = !self.config.bugs.no_causal_delivery;
                for tagged in ops {
                    let delivered = self.causal.receive(tagged, causal);
                    self.apply_delivered(delivered);
                }
                self.refresh();
            }
            Message::Clock { delivered } => {
                let ops = self.missing_for(&delivered);
                if !ops.is_empty() {
                    out.await_disk();
                    self.send(from, Message::Ops { ops }, out);
                }
            }
        }
    }

    fn on_timer(&mut self, context: &Context<'_>, timer: Timer, out: &mut OutFor<Self>) {
        match timer {
            Timer::Gossip => self.gossip(context, out),
        }
    }

    fn on_client(
        &mut self,
        context: &Context<'_>,
        id: RequestId,
        request: Request,
        out: &mut OutFor<Self>,
    ) {
        match request.update() {
            Some(update) => self.update(context, id, update, out),
            None => out.reply(
                id,
                Reply::Value {
                    value: self.value.clone(),
                },
            ),
        }
    }

    fn role(&self) -> &'static str {
        if self.waiting_ops == 0 {
            "replica"
        } else {
            "waiting"
        }
    }
}
