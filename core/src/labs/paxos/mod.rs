//! Single-decree Paxos, read beside Leslie Lamport's "Paxos Made Simple" (2001), section by
//! section; the handlers below carry the paper's names for its steps.
//!
//! **2.1 The problem.** A collection of processes may each propose a value, and they must
//! choose one. Safety asks three things: only a value that has been proposed may be chosen
//! (Validity), only a single value is chosen (Agreement), and a process never learns that a
//! value has been chosen unless it actually has been. Processes run at arbitrary speed, may
//! crash and restart, and messages may take arbitrarily long, be duplicated or be lost, but
//! are never corrupted. Three roles play the algorithm: proposers, acceptors and learners.
//! Here every node plays all three, grouped as [`Proposer`], [`Acceptor`] and [`Learner`].
//!
//! **2.2 Choosing a value.** A value is *chosen* when a majority of acceptors has accepted
//! it in the same proposal. Any two majorities share an acceptor, and that shared acceptor
//! is what carries a chosen value into every later proposal. Proposals are numbered by
//! ballots, [`Ballot`] `(round, proposer)`, unique as section 2.5 asks. The paper derives the algorithm from one requirement, P2c: if a proposal numbered n with
//! value v is issued, some majority has either accepted nothing below n, or v is the value
//! of the highest-numbered proposal below n it accepted. Two phases meet it:
//!
//! - *Phase 1a* ([`Paxos::send_prepare`]): a proposer picks a ballot higher than any it has
//!   used or seen and sends a prepare request to the acceptors.
//! - *Phase 1b* ([`Paxos::receive_prepare`]): an acceptor that has promised no higher ballot
//!   promises not to accept any proposal numbered below this one, and answers with the
//!   highest-numbered proposal it has accepted, if any. A lower ballot gets a NACK carrying
//!   the promise, so its proposer can jump ahead instead of climbing one round at a time.
//! - *Phase 2a* ([`Paxos::receive_promise`]): once a majority has promised, the proposer
//!   sends an accept request whose value is the value of the highest-numbered proposal
//!   among the promises, or its client's value if none reported one. This is the rule that
//!   makes a chosen value stick, and the one learners most often get wrong.
//! - *Phase 2b* ([`Paxos::receive_accept`]): an acceptor accepts the proposal unless it has
//!   promised a higher ballot.
//!
//! An acceptor must remember its promise and what it accepted "even if it fails and then
//! restarts".
//!
//! **2.3 Learning a chosen value.** Each acceptor tells every learner what it accepted
//! ([`Paxos::receive_accepted`]); a learner that hears the same ballot from a majority has
//! learned the chosen value. Messages may be lost, so a learner may miss it: a proposer
//! that has not learned the outcome tries again, and phase 1 then finds the chosen value.
//! Note the gap the "chosen" marker of the checker shows: a value is chosen the moment a
//! majority has accepted it on disk, before any learner knows.
//!
//! **2.4 Progress.** Two proposers can preempt each other for ever: each one's prepare
//! overtakes the other's accept. The paper's answer is a distinguished proposer; this lab
//! shows the cheaper half of it, a randomized back-off: a proposer that is refused waits a
//! delay the simulator draws from `[backoff_ms_min, backoff_ms_max]` before its next
//! ballot, so one of the two usually finishes both phases while the other waits. With a
//! zero-width range the livelock can last the whole run (`paxos-bug-dueling-proposers-livelock`),
//! which the lab reports as the liveness expectation Progress (a value chosen before any
//! proposer reaches round 10) missed: a warning, since correct Paxos promises no progress.
//!
//! **2.5 The implementation.** Clients send a value to any node ([`Request`]); the node
//! proposes it unless it is already proposing one, and answers every client with the value
//! that was chosen, which may be another client's. Messages are named by phase in
//! [`Message`]. An acceptor records its response in stable storage before sending it: both
//! acceptor handlers record `Effect::Persist` before the answer, so the simulator holds the
//! promise or acceptance until the disk write lands, and loses it if the node crashes
//! first. "Different proposers choose their numbers from disjoint sets of numbers": a
//! ballot's round breaks ties in time and its proposer id between proposers. Each proposer
//! remembers in stable storage the highest round it has tried, or a restarted proposer
//! could issue the same ballot twice with two different values.
//!
//! **Flexible quorums.** Howard, Malkhi and Spiegelman ("Flexible Paxos: Quorum
//! intersection revisited", 2016) observe that majorities are more than Paxos needs. The
//! argument of section 2.2 uses one intersection only: the acceptors a proposer hears from
//! in phase 1 must include one of the acceptors that accepted any value chosen before, so
//! that phase 1b reports it. Two phase-1 quorums need not meet, nor two phase-2 quorums;
//! *only every phase-1 quorum must intersect every phase-2 quorum* (their section 3,
//! "Flexible Paxos"). With quorums counted by size, Q1 promises before phase 2a and Q2
//! acceptances for a value to be chosen among N acceptors, that is Q1 + Q2 > N: any Q1
//! acceptors and any Q2 acceptors then share at least Q1 + Q2 - N of them. Majorities are
//! the one symmetric choice; their section 4 draws the trade the others offer: a smaller Q2
//! makes every decision cheaper and survives more failures while a value is being
//! accepted, and pays with a larger Q1, so a new proposer needs more acceptors up. Here
//! `phase1_quorum` is Q1 ([`Paxos::receive_promise`] waits for that many promises) and
//! `phase2_quorum` is Q2 (a learner, [`Paxos::receive_accepted`], and the checker count
//! that many acceptances); both default to a majority. With Q1 + Q2 <= N a proposer's
//! phase 1 can miss every acceptor of an earlier phase-2 quorum, learn nothing of the value
//! chosen there, and have a second value chosen: the lab allows it on purpose, and the
//! preset `paxos-bug-flexible-quorums-disjoint` shows the checker catching it.
//!
//! **Bug switches** ([`Bugs`]) each remove one rule, so a learner can watch the checker in
//! [`invariants`] catch the consequence: an acceptor that forgets across a restart, a
//! proposer that ignores the values reported in phase 1b, an acceptor that accepts below its
//! promise, ballots numbered by round alone so that two proposers share one.

mod config;
pub mod invariants;
pub mod lab;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use config::{Bugs, Config, TIMEOUT_MS_LIMIT};

use crate::protocol::{Context, MICROS_PER_MS, MessageInfo, Out, Protocol};
use crate::{NodeId, RequestId};

/// A value a client proposes, and the value consensus chooses.
pub type Value = String;

/// The most clients a node keeps waiting for the outcome; more are refused at once.
pub const WAITING_CLIENTS_MAX: usize = 1_000;

/// The most ballots a learner tallies at once; the lowest is forgotten first.
pub const TALLIES_MAX: usize = 32;

/// The longest value a client may propose, in bytes.
pub const VALUE_BYTES_MAX: usize = 256;

/// A proposal number: a round, and the proposer's id to keep two proposers' numbers apart.
/// Ordered by round first, then proposer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Ballot {
    /// The round; a proposer picks one above every round it has used or heard of.
    pub round: u64,
    /// The proposer that owns this ballot.
    pub proposer: NodeId,
}

impl std::fmt::Display for Ballot {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}.{}", self.round, self.proposer)
    }
}

/// A proposal: a ballot and a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Proposal {
    /// Its number.
    pub ballot: Ballot,
    /// Its value.
    pub value: Value,
}

/// Phase 1a: "please promise not to accept anything below `ballot`".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Prepare {
    /// The proposer's new ballot.
    pub ballot: Ballot,
}

/// Phase 1b: the promise, with the highest-numbered proposal the acceptor has accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Promise {
    /// The ballot promised.
    pub ballot: Ballot,
    /// The highest-numbered proposal the acceptor accepted, if any.
    pub accepted: Option<Proposal>,
}

/// Phase 2a: "please accept `value` in `ballot`".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Accept {
    /// The ballot.
    pub ballot: Ballot,
    /// The value: the highest-numbered one reported in phase 1b, or the proposer's own.
    pub value: Value,
}

/// Phase 2b: "I accepted `value` in `ballot`", sent to every learner.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Accepted {
    /// The ballot accepted.
    pub ballot: Ballot,
    /// The value accepted.
    pub value: Value,
}

/// A refusal: the acceptor has promised `promised`, above the `ballot` it was asked about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Nack {
    /// The ballot refused.
    pub ballot: Ballot,
    /// The acceptor's promise, so the proposer can pick a higher round at once.
    pub promised: Ballot,
}

/// What nodes tell each other, named by phase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Message {
    /// Phase 1a.
    Prepare(Prepare),
    /// Phase 1b.
    Promise(Promise),
    /// Phase 2a.
    Accept(Accept),
    /// Phase 2b.
    Accepted(Accepted),
    /// A refusal of a prepare or an accept.
    Nack(Nack),
}

impl MessageInfo for Message {
    fn kind(&self) -> &'static str {
        match self {
            Message::Prepare(_) => "Prepare",
            Message::Promise(_) => "Promise",
            Message::Accept(_) => "Accept",
            Message::Accepted(_) => "Accepted",
            Message::Nack(_) => "Nack",
        }
    }

    fn summary(&self) -> String {
        match self {
            Message::Prepare(Prepare { ballot }) => format!("1a: ballot {ballot}"),
            Message::Promise(Promise {
                ballot,
                accepted: None,
            }) => format!("1b: promise {ballot}, nothing accepted"),
            Message::Promise(Promise {
                ballot,
                accepted: Some(proposal),
            }) => format!(
                "1b: promise {ballot}, accepted {:?} in {}",
                proposal.value, proposal.ballot
            ),
            Message::Accept(Accept { ballot, value }) => format!("2a: {value:?} in {ballot}"),
            Message::Accepted(Accepted { ballot, value }) => {
                format!("2b: accepted {value:?} in {ballot}")
            }
            Message::Nack(Nack { ballot, promised }) => {
                format!("refuses {ballot}: promised {promised}")
            }
        }
    }
}

/// The proposer's one timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Timer {
    /// Start a higher ballot: the back-off after a refusal ended, or the current ballot went
    /// unanswered for the ballot timeout.
    Retry,
}

/// A client request: propose `value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The value the client would like chosen.
    pub value: Value,
}

/// A client reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Reply {
    /// The value consensus chose (perhaps another client's).
    Chosen {
        /// The chosen value.
        value: Value,
    },
    /// The node has too many clients waiting already, or the value is too long.
    Refused {
        /// Why, in words.
        reason: String,
    },
}

/// What survives a crash: the acceptor's promise and accepted proposal, and the proposer's
/// highest round.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Durable {
    /// The highest ballot this acceptor has promised.
    pub promised: Option<Ballot>,
    /// The highest-numbered proposal this acceptor has accepted.
    pub accepted: Option<Proposal>,
    /// The highest round this proposer has tried.
    pub round: u64,
}

/// Where a proposer is in its current ballot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// Nothing to propose, or the outcome is learned.
    Idle,
    /// Phase 1: waiting for promises from a majority.
    Preparing {
        /// The ballot.
        ballot: Ballot,
        /// The acceptors that promised.
        promised_by: Vec<NodeId>,
        /// The highest-numbered proposal the promises reported.
        highest_accepted: Option<Proposal>,
    },
    /// Phase 2: accept requests sent; waiting to learn the outcome.
    Accepting {
        /// The ballot.
        ballot: Ballot,
        /// The value sent in phase 2a.
        value: Value,
    },
    /// Refused; waiting out the back-off before a higher ballot.
    BackingOff,
}

/// The proposer role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposer {
    /// The highest round this proposer has tried (durable).
    pub round: u64,
    /// The highest round it has heard of from anyone (promises, refusals, prepares).
    pub round_seen: u64,
    /// The value its first waiting client asked for.
    pub value: Option<Value>,
    /// Where it is.
    pub phase: Phase,
    /// How many ballots it has started since it (re)started.
    pub ballots_started: u64,
    /// The clients waiting for the outcome.
    pub clients: Vec<RequestId>,
}

/// The acceptor role (durable).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Acceptor {
    /// The highest ballot promised.
    pub promised: Option<Ballot>,
    /// The highest-numbered proposal accepted.
    pub accepted: Option<Proposal>,
}

/// One ballot's acceptances as a learner has counted them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The ballot.
    pub ballot: Ballot,
    /// Its value.
    pub value: Value,
    /// The acceptors that said they accepted it.
    pub acceptors: Vec<NodeId>,
}

/// The learner role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Learner {
    /// The value learned, once a majority reported accepting one ballot.
    pub learned: Option<Value>,
    /// Acceptances counted per ballot, until one reaches a majority.
    pub tallies: Vec<Tally>,
}

/// One Paxos node: proposer, acceptor and learner at once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paxos {
    id: NodeId,
    members: Vec<NodeId>,
    #[serde(skip)]
    config: Config,
    /// The proposer role.
    pub proposer: Proposer,
    /// The acceptor role.
    pub acceptor: Acceptor,
    /// The learner role.
    pub learner: Learner,
}

type PaxosOut = Out<Message, Timer, Reply>;

impl Paxos {
    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The acceptors: the cluster's first members.
    pub fn members(&self) -> &[NodeId] {
        &self.members
    }

    /// How many acceptors make a majority.
    pub fn majority(&self) -> usize {
        self.members.len() / 2 + 1
    }

    /// Q1: how many promises a proposer needs before phase 2a (a majority unless the
    /// scenario sets `phase1_quorum`).
    pub fn phase1_quorum(&self) -> usize {
        self.config.phase1_quorum_of(self.members.len())
    }

    /// Q2: how many acceptors must accept one ballot's value for it to be chosen (a
    /// majority unless the scenario sets `phase2_quorum`).
    pub fn phase2_quorum(&self) -> usize {
        self.config.phase2_quorum_of(self.members.len())
    }

    fn backoff(&self, out: &mut PaxosOut, after_ms: u64) {
        out.set_timer(
            Timer::Retry,
            (after_ms + self.config.backoff_ms_min) * MICROS_PER_MS,
            (after_ms + self.config.backoff_ms_max) * MICROS_PER_MS,
        );
    }

    /// Phase 1a: pick a ballot above every round used or seen, remember it on disk, and ask
    /// every acceptor to promise.
    pub fn send_prepare(&mut self, out: &mut PaxosOut) {
        if self.learner.learned.is_some() || self.proposer.value.is_none() {
            return;
        }
        self.proposer.round = self.proposer.round.max(self.proposer.round_seen) + 1;
        self.proposer.ballots_started += 1;
        let ballot = Ballot {
            round: self.proposer.round,
            // With the bug every proposer's ballot in round r is r.0: no id breaks the tie.
            proposer: if self.config.bugs.ballots_without_proposer_id {
                0
            } else {
                self.id
            },
        };
        self.proposer.phase = Phase::Preparing {
            ballot,
            promised_by: Vec::new(),
            highest_accepted: None,
        };
        // A ballot must never be issued twice: the round is on disk before anyone hears it.
        out.persist();
        for &acceptor in &self.members {
            out.send(acceptor, Message::Prepare(Prepare { ballot }));
        }
        self.backoff(out, self.config.ballot_timeout_ms);
    }

    /// Phase 1b: promise `ballot` unless a higher one was promised, and report the highest
    /// proposal accepted. The promise leaves only once it is on disk.
    pub fn receive_prepare(&mut self, from: NodeId, prepare: Prepare, out: &mut PaxosOut) {
        let Prepare { ballot } = prepare;
        self.proposer.round_seen = self.proposer.round_seen.max(ballot.round);
        match self.acceptor.promised {
            // Equal is allowed: a duplicated prepare gets the same promise again.
            Some(promised) if promised > ballot => {
                out.send(from, Message::Nack(Nack { ballot, promised }));
            }
            _ => {
                self.acceptor.promised = Some(ballot);
                out.persist();
                out.send(
                    from,
                    Message::Promise(Promise {
                        ballot,
                        accepted: self.acceptor.accepted.clone(),
                    }),
                );
            }
        }
    }

    /// Counts a promise; with Q1 promises (a majority by default), phase 2a: send the value
    /// of the highest-numbered proposal reported, or the client's value if none was.
    pub fn receive_promise(&mut self, from: NodeId, promise: Promise, out: &mut PaxosOut) {
        let quorum = self.phase1_quorum();
        let Phase::Preparing {
            ballot,
            promised_by,
            highest_accepted,
        } = &mut self.proposer.phase
        else {
            return;
        };
        if promise.ballot != *ballot || promised_by.contains(&from) {
            return;
        }
        promised_by.push(from);
        if let Some(reported) = promise.accepted
            && highest_accepted
                .as_ref()
                .is_none_or(|highest| reported.ballot > highest.ballot)
        {
            *highest_accepted = Some(reported);
        }
        if promised_by.len() < quorum {
            return;
        }
        let ballot = *ballot;
        let own = self.proposer.value.clone().unwrap_or_default();
        let value = match highest_accepted.take() {
            Some(reported) if !self.config.bugs.proposer_ignores_promised_values => reported.value,
            _ => own,
        };
        self.proposer.phase = Phase::Accepting {
            ballot,
            value: value.clone(),
        };
        for &acceptor in &self.members {
            out.send(
                acceptor,
                Message::Accept(Accept {
                    ballot,
                    value: value.clone(),
                }),
            );
        }
    }

    /// Phase 2b: accept unless a higher ballot was promised, and tell every learner once
    /// the acceptance is on disk.
    pub fn receive_accept(&mut self, from: NodeId, accept: Accept, out: &mut PaxosOut) {
        let Accept { ballot, value } = accept;
        self.proposer.round_seen = self.proposer.round_seen.max(ballot.round);
        if let Some(promised) = self.acceptor.promised
            && promised > ballot
            && !self.config.bugs.accept_without_promise_check
        {
            out.send(from, Message::Nack(Nack { ballot, promised }));
            return;
        }
        // Accepting ballot n is also a promise not to accept below n.
        self.acceptor.promised = self.acceptor.promised.max(Some(ballot));
        self.acceptor.accepted = Some(Proposal {
            ballot,
            value: value.clone(),
        });
        out.persist();
        for &learner in &self.members {
            out.send(
                learner,
                Message::Accepted(Accepted {
                    ballot,
                    value: value.clone(),
                }),
            );
        }
    }

    /// Learning (section 2.3): count the acceptors that accepted each ballot's value; Q2 of
    /// them (a majority by default) for one ballot and value means that value is chosen.
    /// Tallies are kept per ballot and value, so that two proposers that (with the ballot
    /// bug) share a ballot are never counted together.
    pub fn receive_accepted(&mut self, from: NodeId, accepted: Accepted, out: &mut PaxosOut) {
        let Accepted { ballot, value } = accepted;
        self.proposer.round_seen = self.proposer.round_seen.max(ballot.round);
        if self.learner.learned.is_some() {
            return;
        }
        let quorum = self.phase2_quorum();
        let tallies = &mut self.learner.tallies;
        let index = match tallies
            .iter()
            .position(|tally| tally.ballot == ballot && tally.value == value)
        {
            Some(index) => index,
            None => {
                if tallies.len() >= TALLIES_MAX {
                    let lowest = (0..tallies.len())
                        .min_by_key(|&index| tallies[index].ballot)
                        .unwrap_or(0);
                    tallies.remove(lowest);
                }
                tallies.push(Tally {
                    ballot,
                    value,
                    acceptors: Vec::new(),
                });
                tallies.len() - 1
            }
        };
        let tally = &mut tallies[index];
        if !tally.acceptors.contains(&from) {
            tally.acceptors.push(from);
        }
        if tally.acceptors.len() >= quorum {
            let value = tally.value.clone();
            self.learn(value, out);
        }
    }

    /// The value is learned: answer every waiting client and stop proposing.
    fn learn(&mut self, value: Value, out: &mut PaxosOut) {
        self.learner.tallies.clear();
        for client in self.proposer.clients.drain(..) {
            out.reply(
                client,
                Reply::Chosen {
                    value: value.clone(),
                },
            );
        }
        self.learner.learned = Some(value);
        self.proposer.phase = Phase::Idle;
        out.cancel_timer(Timer::Retry);
    }

    /// A refusal of the current ballot: jump past the promise that refused it, and retry
    /// after a randomized back-off.
    pub fn receive_nack(&mut self, nack: Nack, out: &mut PaxosOut) {
        self.proposer.round_seen = self.proposer.round_seen.max(nack.promised.round);
        let current = match &self.proposer.phase {
            Phase::Preparing { ballot, .. } | Phase::Accepting { ballot, .. } => *ballot,
            Phase::Idle | Phase::BackingOff => return,
        };
        if nack.ballot != current {
            return;
        }
        self.proposer.phase = Phase::BackingOff;
        self.backoff(out, 0);
    }

    /// A client asks for `request.value`: answer at once if the outcome is known, otherwise
    /// propose it (unless a value is already being proposed) and answer when learned.
    pub fn receive_request(&mut self, id: RequestId, request: Request, out: &mut PaxosOut) {
        if let Some(value) = &self.learner.learned {
            out.reply(
                id,
                Reply::Chosen {
                    value: value.clone(),
                },
            );
            return;
        }
        if request.value.len() > VALUE_BYTES_MAX {
            out.reply(
                id,
                Reply::Refused {
                    reason: format!("a value is at most {VALUE_BYTES_MAX} bytes"),
                },
            );
            return;
        }
        if self.proposer.clients.len() >= WAITING_CLIENTS_MAX {
            out.reply(
                id,
                Reply::Refused {
                    reason: format!("{WAITING_CLIENTS_MAX} clients are waiting already"),
                },
            );
            return;
        }
        self.proposer.clients.push(id);
        if self.proposer.value.is_none() {
            self.proposer.value = Some(request.value);
            self.send_prepare(out);
        }
    }

    /// Starts a new ballot now, as if the retry timer fired (the lab's `propose_now` action).
    pub fn retry_now(&mut self, out: &mut PaxosOut) {
        self.send_prepare(out);
    }

    fn from_durable(id: NodeId, members: &[NodeId], config: &Config, durable: Durable) -> Self {
        Self {
            id,
            members: members.to_vec(),
            config: config.clone(),
            proposer: Proposer {
                round: durable.round,
                round_seen: durable.round,
                value: None,
                phase: Phase::Idle,
                ballots_started: 0,
                clients: Vec::new(),
            },
            acceptor: Acceptor {
                promised: durable.promised,
                accepted: durable.accepted,
            },
            learner: Learner::default(),
        }
    }
}

impl Protocol for Paxos {
    type Message = Message;
    type Timer = Timer;
    type Request = Request;
    type Reply = Reply;
    type Durable = Durable;
    type Config = Config;

    fn new(id: NodeId, members: &[NodeId], config: &Config) -> Self {
        Self::from_durable(id, members, config, Durable::default())
    }

    fn recover(id: NodeId, members: &[NodeId], config: &Config, durable: Durable) -> Self {
        let mut durable = durable;
        if config.bugs.acceptor_forgets_on_restart {
            durable.promised = None;
            durable.accepted = None;
        }
        Self::from_durable(id, members, config, durable)
    }

    fn durable(&self) -> Durable {
        Durable {
            promised: self.acceptor.promised,
            accepted: self.acceptor.accepted.clone(),
            round: self.proposer.round,
        }
    }

    fn on_start(&mut self, _ctx: &Context<'_>, _out: &mut PaxosOut) {}

    fn on_message(
        &mut self,
        _ctx: &Context<'_>,
        from: NodeId,
        message: Message,
        out: &mut PaxosOut,
    ) {
        match message {
            Message::Prepare(prepare) => self.receive_prepare(from, prepare, out),
            Message::Promise(promise) => self.receive_promise(from, promise, out),
            Message::Accept(accept) => self.receive_accept(from, accept, out),
            Message::Accepted(accepted) => self.receive_accepted(from, accepted, out),
            Message::Nack(nack) => self.receive_nack(nack, out),
        }
    }

    fn on_timer(&mut self, _ctx: &Context<'_>, timer: Timer, out: &mut PaxosOut) {
        match timer {
            Timer::Retry => self.send_prepare(out),
        }
    }

    fn on_client(
        &mut self,
        _ctx: &Context<'_>,
        id: RequestId,
        request: Request,
        out: &mut PaxosOut,
    ) {
        self.receive_request(id, request, out);
    }

    fn role(&self) -> &'static str {
        if self.learner.learned.is_some() {
            return "learned";
        }
        match self.proposer.phase {
            Phase::Idle => "acceptor",
            Phase::Preparing { .. } => "phase 1",
            Phase::Accepting { .. } => "phase 2",
            Phase::BackingOff => "backing off",
        }
    }

    fn shown_timer(timer: &Timer) -> Option<&'static str> {
        match timer {
            Timer::Retry => Some("retry"),
        }
    }
}
