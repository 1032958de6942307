//! The contract between a protocol and the simulator.
//!
//! A protocol is a sans-IO state machine: the simulator calls one of its handlers
//! (`on_start`, `on_message`, `on_timer`, `on_client`) with a [`Context`] that says who
//! the node is and what the virtual time is, and the handler records what it wants done
//! in an [`Out`]. It never sends, sleeps, reads a clock or draws a random number itself:
//! the simulator carries out the recorded effects, samples timer jitter from its one
//! seeded generator, and decides when (and whether) each message arrives. This is the
//! shape of etcd-io/raft's `Ready` and stateright's `Out`, and it is what makes every
//! run reproducible from its seed.

use std::fmt::Debug;
use std::hash::Hash;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A node's identity. Ids are small integers handed out by the simulator in order.
pub type NodeId = u32;

/// Virtual time in microseconds since the start of the run. Never wall-clock time.
pub type Time = u64;

/// Microseconds in one millisecond, for converting scenario figures (given in ms).
pub const MICROS_PER_MS: Time = 1_000;

/// A client request's identity, unique within one run.
pub type RequestId = u64;

/// What a message tells the simulator, the trace and the UI about itself.
pub trait MessageInfo {
    /// A short stable name of the message's kind, e.g. `"RequestVote"`. The UI colours
    /// and shapes messages by it and metrics count messages by it.
    fn kind(&self) -> &'static str;

    /// A one-line human summary of the message, e.g. `"term 3, last log 7@2"`.
    fn summary(&self) -> String;
}

/// Where a protocol's node is, as the simulator tells it on every call.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The node this call is for.
    pub id: NodeId,
    /// The current virtual time.
    pub now: Time,
    /// Every node the simulation knows (live or not), including `id`, in ascending order.
    /// A protocol with its own membership (Raft) may keep its own list instead.
    pub nodes: &'a [NodeId],
}

/// One effect a handler asks for. The simulator carries them out in the order recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect<M, T, R> {
    /// Send `message` to node `to` over the simulated network.
    Send {
        /// The receiver.
        to: NodeId,
        /// What to send.
        message: M,
    },
    /// Arm the timer `timer` to fire after a delay drawn uniformly from
    /// `[delay_min, delay_max]` microseconds. Arming a timer that is already armed
    /// replaces it (one deadline per timer value).
    SetTimer {
        /// Which timer.
        timer: T,
        /// The shortest delay, in microseconds.
        delay_min: Time,
        /// The longest delay, in microseconds (equal to `delay_min` for no jitter).
        delay_max: Time,
    },
    /// Disarm the timer `timer` if it is armed.
    CancelTimer {
        /// Which timer.
        timer: T,
    },
    /// Write the node's persistent state to its disk. The write takes the configured
    /// disk latency; every `Send` and `Reply` recorded after this effect in the same
    /// handler call is held until the write completes, and is lost if the node crashes
    /// first. This is how "persist before you answer" is modelled.
    Persist,
    /// Hold every `Send` and `Reply` recorded after this effect in the same handler call
    /// until every disk write the node has under way (recorded by this call or an earlier
    /// one) has completed; they are lost if the node crashes first. It writes nothing
    /// itself, so with no write under way nothing is held. This is how "answer only for
    /// what is on disk" is modelled when the answer covers state that an earlier handler
    /// changed: a write completes in order, so once the last one lands everything the node
    /// holds in memory is on disk. etcd-io/raft does the same: a follower's acknowledgement
    /// goes out only after the storage append recorded before it, even an empty one.
    AwaitDisk,
    /// Answer the client request `request` with `result`.
    Reply {
        /// The request being answered.
        request: RequestId,
        /// The answer.
        result: R,
    },
}

/// The list of effects a handler records. Handlers only ever push to it.
#[derive(Debug, Clone)]
pub struct Out<M, T, R> {
    effects: Vec<Effect<M, T, R>>,
}

impl<M, T, R> Default for Out<M, T, R> {
    fn default() -> Self {
        Self {
            effects: Vec::new(),
        }
    }
}

impl<M: Clone, T, R> Out<M, T, R> {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a send of `message` to `to`.
    pub fn send(&mut self, to: NodeId, message: M) {
        self.effects.push(Effect::Send { to, message });
    }

    /// Records a send of `message` to each node of `to` except `me`.
    pub fn broadcast(&mut self, me: NodeId, to: &[NodeId], message: &M) {
        for &peer in to {
            if peer != me {
                self.send(peer, message.clone());
            }
        }
    }

    /// Records arming `timer` with a delay drawn from `[delay_min, delay_max]` microseconds.
    pub fn set_timer(&mut self, timer: T, delay_min: Time, delay_max: Time) {
        self.effects.push(Effect::SetTimer {
            timer,
            delay_min,
            delay_max: delay_max.max(delay_min),
        });
    }

    /// Records disarming `timer`.
    pub fn cancel_timer(&mut self, timer: T) {
        self.effects.push(Effect::CancelTimer { timer });
    }

    /// Records a write of the persistent state; later sends wait for it.
    pub fn persist(&mut self) {
        self.effects.push(Effect::Persist);
    }

    /// Records that later sends and replies wait for every disk write under way.
    pub fn await_disk(&mut self) {
        self.effects.push(Effect::AwaitDisk);
    }

    /// Records the answer to a client request.
    pub fn reply(&mut self, request: RequestId, result: R) {
        self.effects.push(Effect::Reply { request, result });
    }

    /// The recorded effects, in order.
    pub fn effects(&self) -> &[Effect<M, T, R>] {
        &self.effects
    }

    /// Takes the recorded effects, leaving the list empty for reuse.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Effect<M, T, R>> {
        self.effects.drain(..)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.effects.is_empty()
    }

    /// Forgets everything recorded.
    pub fn clear(&mut self) {
        self.effects.clear();
    }
}

/// The effect list type for protocol `P`.
pub type OutFor<P> = Out<<P as Protocol>::Message, <P as Protocol>::Timer, <P as Protocol>::Reply>;

/// A protocol: the state of one node and its handlers.
///
/// `Self` is the node's whole state. The part that survives a crash is
/// [`Protocol::Durable`]: the simulator keeps the last durable copy that finished
/// writing (see [`Effect::Persist`]) and rebuilds the node from it on restart with
/// [`Protocol::recover`]; everything else is volatile and lost.
pub trait Protocol: Clone + Debug + Serialize {
    /// Messages between nodes. `Hash` feeds the run's fingerprint (see `trace`), so it
    /// must be derived, not written by hand with anything platform-dependent.
    type Message: Clone + Debug + Hash + Serialize + MessageInfo;
    /// Timer names, e.g. `enum Timer { Election, Heartbeat }`.
    type Timer: Clone + Debug + Ord + Hash + Serialize;
    /// A client operation, as scenarios and the UI give it.
    type Request: Clone + Debug + Hash + Serialize + DeserializeOwned;
    /// A client operation's result.
    type Reply: Clone + Debug + Hash + Serialize;
    /// The state that survives a crash (Raft: currentTerm, votedFor, log).
    type Durable: Clone + Debug + Default + Serialize;
    /// Lab parameters that shape every node (timeouts, options, bug switches).
    type Config: Clone + Debug + Default + Serialize + DeserializeOwned;

    /// A fresh node `id` that has never run, in a cluster whose first members are `members`.
    fn new(id: NodeId, members: &[NodeId], config: &Self::Config) -> Self;

    /// Rebuilds node `id` after a crash from what its disk held.
    fn recover(
        id: NodeId,
        members: &[NodeId],
        config: &Self::Config,
        durable: Self::Durable,
    ) -> Self;

    /// The state to write to disk on [`Effect::Persist`].
    fn durable(&self) -> Self::Durable;

    /// Called once when the node starts (first start and every restart).
    fn on_start(&mut self, ctx: &Context<'_>, out: &mut OutFor<Self>);

    /// Called when `message` from `from` is delivered.
    fn on_message(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        message: Self::Message,
        out: &mut OutFor<Self>,
    );

    /// Called when `timer` fires.
    fn on_timer(&mut self, ctx: &Context<'_>, timer: Self::Timer, out: &mut OutFor<Self>);

    /// Called when a client sends `request` (identified by `id`) to this node.
    fn on_client(
        &mut self,
        ctx: &Context<'_>,
        id: RequestId,
        request: Self::Request,
        out: &mut OutFor<Self>,
    );

    /// A one-word role for the canvas (e.g. `"leader"`), if the protocol has roles.
    fn role(&self) -> &'static str {
        ""
    }

    /// The name of `timer` if a learner should watch it run down (Raft: `"election"` for its
    /// election timer), or `None`. The simulator knows when each timer was armed and when it is
    /// due; the canvas draws the named ones as a ring draining around the node.
    fn shown_timer(timer: &Self::Timer) -> Option<&'static str> {
        let _ = timer;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Ping;

    #[test]
    fn broadcast_sends_to_every_peer_but_the_sender() {
        let mut out: Out<Ping, (), ()> = Out::new();
        out.broadcast(2, &[1, 2, 3], &Ping);
        let receivers: Vec<NodeId> = out
            .effects()
            .iter()
            .filter_map(|effect| match effect {
                Effect::Send { to, .. } => Some(*to),
                _ => None,
            })
            .collect();
        assert_eq!(receivers, vec![1, 3]);
    }

    #[test]
    fn a_timer_range_never_ends_before_it_starts() {
        let mut out: Out<Ping, u8, ()> = Out::new();
        out.set_timer(0, 10, 5);
        assert_eq!(
            out.effects()[0],
            Effect::SetTimer {
                timer: 0,
                delay_min: 10,
                delay_max: 10
            }
        );
    }
}
