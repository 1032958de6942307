//! Two-phase commit, read beside "Consensus Protocols: Two-Phase Commit" (Henry Robinson,
//! The Paper Trail, 2008) and the atomic commitment chapter of Bernstein, Hadzilacos and
//! Goodman, "Concurrency Control and Recovery in Database Systems" (1987), whose names the
//! handlers below carry.
//!
//! **The problem.** One transaction writes at several services (the *participants*), and
//! either every one of them commits it or every one aborts it: *atomicity*. Any participant
//! may refuse (a constraint fails, the key is locked by another transaction), any node may
//! crash, and messages may be lost or delayed. Node 0 is the *coordinator*; every other
//! node is a participant. A client asks the coordinator to run a transaction ([`Request`]:
//! a key to write at every participant).
//!
//! **Phase 1, voting.** The coordinator writes a begin record to its log, then sends
//! [`Prepare`] to every participant ([`TwoPhaseCommit::begin_transaction`]). A participant
//! that can commit takes the key's lock, writes a *prepared* record, and only then votes
//! yes ([`TwoPhaseCommit::receive_prepare`]): from that moment it has given up its right to
//! abort on its own, and must be able to commit even after a crash, so the record must be
//! on disk before the vote leaves (`Out::persist` holds the vote until the write lands). A
//! participant that cannot commit writes an abort record and votes no; it may forget the
//! transaction at once.
//!
//! **Phase 2, decision.** With a yes from every participant the coordinator decides commit,
//! on any no or when its vote timeout expires it decides abort
//! ([`TwoPhaseCommit::decide`]). The decision is the *commit point*: it is written to the
//! coordinator's log before any participant hears of it, so a coordinator that crashes and
//! restarts tells everyone the same thing. Each participant writes the decision, releases
//! its lock and acknowledges ([`TwoPhaseCommit::receive_decision`]); the coordinator
//! resends the decision until every participant has acknowledged, then writes an end
//! record and may forget the transaction.
//!
//! **Recovery.** A restarted node reads its log ([`Protocol::recover`]): a coordinator
//! that finds a begin record without a decision cannot know what its votes were, so it
//! aborts (the votes it may have received are gone with its memory; *presumed abort*),
//! and resends every decision not yet acknowledged. A participant that finds a prepared
//! record without a decision is *in doubt*: it takes its lock again and asks for the
//! decision. It can neither commit nor abort on its own, because the coordinator may have
//! decided either.
//!
//! **Timeouts and the cooperative termination protocol.** A participant that voted yes and
//! hears no decision within its decision timeout runs the cooperative termination
//! protocol ([`TwoPhaseCommit::run_termination_protocol`]): it asks the coordinator *and
//! every other participant* ([`DecisionRequest`]). A participant that knows the decision
//! tells it; one that has not voted yet may abort on its own and says abort
//! ([`TwoPhaseCommit::receive_decision_request`]); one that is itself in doubt cannot help.
//!
//! **The blocking case.** If every participant has voted yes and the coordinator crashes
//! before any participant hears the decision, no one alive knows it: the coordinator may
//! have written commit before it crashed. Every participant is in doubt, keeps asking, and
//! holds its lock, so every other transaction that wants the key is refused, until the
//! coordinator comes back. This is 2PC's known weakness, the one three-phase commit was
//! designed to remove. The lab makes it visible: a participant that has asked twice and
//! still does not know the outcome shows the role `blocked`, and the figures
//! `locks_held` and `lock_held_ms_max` show the cost.
//!
//! **Bug switch** ([`Bugs`]): a coordinator that sends commit before its decision is on
//! disk. If it crashes in that window, the participants that heard commit commit, and the
//! restarted coordinator, which finds no decision in its log, aborts the rest: the
//! Atomicity checker in [`lab`] fires.
//!
//! **Three-phase commit.** With `params.three_phase_commit` the same nodes run Skeen's
//! three-phase commit instead, which puts a pre-commit round between the vote and the
//! decision so that participants can finish without the coordinator; its essay and
//! handlers are in the `three_phase` module.

mod config;
pub mod lab;
#[cfg(test)]
mod tests;
mod three_phase;

use serde::{Deserialize, Serialize};

pub use config::{Bugs, Config, CoordinatorCrash, TIMEOUT_MS_LIMIT};

use crate::protocol::{Context, MICROS_PER_MS, MessageInfo, Out, Protocol};
use crate::{NodeId, RequestId, Time};

/// The coordinator's node id; every other node is a participant.
pub const COORDINATOR: NodeId = 0;

/// The most transactions a coordinator begins in one run; later requests are refused, so
/// that every log stays bounded.
pub const TRANSACTIONS_MAX: u64 = 64;

/// The longest key a transaction may write, in bytes.
pub const KEY_BYTES_MAX: usize = 32;

/// A transaction's number, handed out by the coordinator from 1.
pub type TxnId = u64;

/// What a transaction became.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every participant applies it.
    Commit,
    /// No participant applies it.
    Abort,
}

impl Outcome {
    /// The outcome in words.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Commit => "commit",
            Outcome::Abort => "abort",
        }
    }
}

/// Phase 1: "can you commit transaction `txn`, which writes `key`?"
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Prepare {
    /// The transaction.
    pub txn: TxnId,
    /// The key it writes at every participant.
    pub key: String,
    /// The participants whose part of the work fails (the client's `vote_no`): they vote no.
    pub fails_at: Vec<NodeId>,
}

/// Phase 1's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Vote {
    /// The transaction.
    pub txn: TxnId,
    /// Yes: prepared (the record is on disk); no: aborted.
    pub yes: bool,
}

/// Phase 2: the outcome, from the coordinator or (in the termination protocol) a peer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Decision {
    /// The transaction.
    pub txn: TxnId,
    /// What was decided.
    pub outcome: Outcome,
}

/// A participant's acknowledgement that it has written the decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ack {
    /// The transaction.
    pub txn: TxnId,
}

/// The cooperative termination protocol: "do you know what became of `txn`?"
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DecisionRequest {
    /// The transaction.
    pub txn: TxnId,
}

/// Three-phase commit, phase 2: every participant voted yes; "get ready to commit `txn`".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PreCommit {
    /// The transaction.
    pub txn: TxnId,
}

/// Three-phase commit: a participant has written its pre-commit record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PreCommitAck {
    /// The transaction.
    pub txn: TxnId,
}

/// Three-phase commit's termination protocol: "what state are you in for `txn`?"
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct StateRequest {
    /// The transaction.
    pub txn: TxnId,
}

/// The answer to a [`StateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct StateReport {
    /// The transaction.
    pub txn: TxnId,
    /// Where the participant is with it.
    pub state: ParticipantState,
}

/// Where a three-phase commit participant is with one transaction, as the termination
/// protocol gathers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantState {
    /// Voted yes, no pre-commit yet. `restarted` says the participant crashed since it
    /// voted, so it may have missed a pre-commit and cannot vouch that none was sent.
    Uncertain {
        /// Whether it crashed and restarted since it voted.
        restarted: bool,
    },
    /// Received the pre-commit: every participant voted yes.
    PreCommitted,
    /// Committed.
    Committed,
    /// Aborted (voted no, heard abort, or never voted).
    Aborted,
}

impl ParticipantState {
    /// The state in words.
    pub fn word(self) -> &'static str {
        match self {
            ParticipantState::Uncertain { restarted: false } => "uncertain",
            ParticipantState::Uncertain { restarted: true } => "uncertain (restarted)",
            ParticipantState::PreCommitted => "pre-committed",
            ParticipantState::Committed => "committed",
            ParticipantState::Aborted => "aborted",
        }
    }
}

/// What nodes tell each other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Message {
    /// Phase 1 request.
    Prepare(Prepare),
    /// Phase 1 answer.
    Vote(Vote),
    /// Phase 2.
    Decision(Decision),
    /// Phase 2 acknowledgement.
    Ack(Ack),
    /// Termination protocol.
    DecisionRequest(DecisionRequest),
    /// Three-phase commit, phase 2.
    PreCommit(PreCommit),
    /// Three-phase commit, phase 2 acknowledgement.
    PreCommitAck(PreCommitAck),
    /// Three-phase commit's termination protocol: the question.
    StateRequest(StateRequest),
    /// Three-phase commit's termination protocol: the answer.
    StateReport(StateReport),
}

impl MessageInfo for Message {
    fn kind(&self) -> &'static str {
        match self {
            Message::Prepare(_) => "Prepare",
            Message::Vote(_) => "Vote",
            Message::Decision(_) => "Decision",
            Message::Ack(_) => "Ack",
            Message::DecisionRequest(_) => "DecisionRequest",
            Message::PreCommit(_) => "PreCommit",
            Message::PreCommitAck(_) => "PreCommitAck",
            Message::StateRequest(_) => "StateRequest",
            Message::StateReport(_) => "StateReport",
        }
    }

    fn summary(&self) -> String {
        match self {
            Message::Prepare(Prepare { txn, key, .. }) => format!("prepare t{txn}: write {key}"),
            Message::Vote(Vote { txn, yes: true }) => format!("t{txn}: yes, prepared"),
            Message::Vote(Vote { txn, yes: false }) => format!("t{txn}: no"),
            Message::Decision(Decision { txn, outcome }) => format!("t{txn}: {}", outcome.word()),
            Message::Ack(Ack { txn }) => format!("t{txn}: decision written"),
            Message::DecisionRequest(DecisionRequest { txn }) => {
                format!("t{txn}: what was decided?")
            }
            Message::PreCommit(PreCommit { txn }) => format!("t{txn}: pre-commit"),
            Message::PreCommitAck(PreCommitAck { txn }) => format!("t{txn}: pre-committed"),
            Message::StateRequest(StateRequest { txn }) => format!("t{txn}: what is your state?"),
            Message::StateReport(StateReport { txn, state }) => {
                format!("t{txn}: {}", state.word())
            }
        }
    }
}

/// The timers, one per transaction and purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Timer {
    /// Coordinator: the votes did not all arrive in time; abort.
    Votes(TxnId),
    /// Coordinator: resend the decision to participants that have not acknowledged it.
    Resend(TxnId),
    /// Participant: prepared and no decision yet; run the termination protocol.
    Decision(TxnId),
    /// Three-phase commit coordinator: the pre-commit acknowledgements did not all arrive
    /// in time; commit anyway.
    PreCommitAcks(TxnId),
}

/// A client request: run a transaction that writes `key` at every participant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The key the transaction writes (and locks) at every participant.
    pub key: String,
    /// Participants whose part of the work fails, so that they vote no.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vote_no: Vec<NodeId>,
}

/// A client reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Reply {
    /// The transaction committed.
    Committed {
        /// Its number.
        txn: TxnId,
    },
    /// The transaction aborted.
    Aborted {
        /// Its number.
        txn: TxnId,
    },
    /// Not run: sent to a participant, the key is too long, or the run's bound is reached.
    Refused {
        /// Why, in words.
        reason: String,
    },
}

/// One record of a node's log.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// Coordinator: the transaction began; written before the first prepare leaves.
    Begin {
        /// The transaction.
        txn: TxnId,
        /// Its key.
        key: String,
        /// Its failing participants.
        fails_at: Vec<NodeId>,
    },
    /// Participant: voted yes and holds the key's lock; written before the vote leaves.
    Prepared {
        /// The transaction.
        txn: TxnId,
        /// The locked key.
        key: String,
        /// When the lock was taken (µs).
        at_us: Time,
    },
    /// Three-phase commit (coordinator: every vote was yes and the pre-commits go out;
    /// participant: received the pre-commit); written before the pre-commits or the
    /// acknowledgement leave.
    PreCommitted {
        /// The transaction.
        txn: TxnId,
        /// When (µs).
        at_us: Time,
    },
    /// The outcome (coordinator: the commit point; participant: applied, lock released).
    Decided {
        /// The transaction.
        txn: TxnId,
        /// What was decided.
        outcome: Outcome,
        /// When (µs).
        at_us: Time,
    },
    /// Coordinator: every participant acknowledged; the transaction may be forgotten.
    End {
        /// The transaction.
        txn: TxnId,
    },
}

impl Record {
    /// The transaction the record is about.
    pub fn txn(&self) -> TxnId {
        match self {
            Record::Begin { txn, .. }
            | Record::Prepared { txn, .. }
            | Record::PreCommitted { txn, .. }
            | Record::Decided { txn, .. }
            | Record::End { txn } => *txn,
        }
    }
}

/// What survives a crash: the node's log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Durable {
    /// Every record, oldest first.
    pub log: Vec<Record>,
}

impl Durable {
    /// The outcome this log records for `txn`, if any.
    pub fn outcome(&self, txn: TxnId) -> Option<Outcome> {
        self.log.iter().find_map(|record| match record {
            Record::Decided {
                txn: decided,
                outcome,
                ..
            } if *decided == txn => Some(*outcome),
            _ => None,
        })
    }

    /// The transactions this log holds prepared without a decision (the participant is in
    /// doubt and holds their locks), with their key and when they were prepared (µs).
    pub fn in_doubt(&self) -> Vec<(TxnId, &str, Time)> {
        self.log
            .iter()
            .filter_map(|record| match record {
                Record::Prepared { txn, key, at_us } if self.outcome(*txn).is_none() => {
                    Some((*txn, key.as_str(), *at_us))
                }
                _ => None,
            })
            .collect()
    }
}

/// Where the coordinator is with one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Prepares sent; collecting votes.
    Voting,
    /// Three-phase commit: every vote was yes, pre-commits sent; collecting their
    /// acknowledgements.
    PreCommitting,
    /// Decided; waiting for every acknowledgement.
    Decided(Outcome),
    /// Every participant acknowledged.
    Ended(Outcome),
}

/// The coordinator's view of one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoordinatorTxn {
    /// The transaction.
    pub txn: TxnId,
    /// Its key.
    pub key: String,
    /// Failing participants.
    pub fails_at: Vec<NodeId>,
    /// Where it is.
    pub phase: Phase,
    /// Participants that voted yes.
    pub yes_votes: Vec<NodeId>,
    /// Participants that acknowledged the decision.
    pub acks: Vec<NodeId>,
    /// The client waiting for the outcome (lost in a crash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<RequestId>,
}

/// A participant's view of one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParticipantTxn {
    /// The transaction.
    pub txn: TxnId,
    /// Its key (empty if it only ever heard the outcome).
    pub key: String,
    /// `None` while in doubt (prepared, voted yes, no decision yet).
    pub outcome: Option<Outcome>,
    /// How many times it has run the termination protocol for this transaction.
    pub termination_rounds: u32,
    /// Three-phase commit: received the pre-commit.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pre_committed: bool,
    /// Three-phase commit: crashed and restarted since it voted (read from the log).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub restarted: bool,
    /// Three-phase commit: the states gathered in the current termination round, its own
    /// first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<(NodeId, ParticipantState)>,
}

impl ParticipantTxn {
    /// A participant's entry for a transaction it has just heard of.
    fn new(txn: TxnId, key: String, outcome: Option<Outcome>) -> Self {
        Self {
            txn,
            key,
            outcome,
            termination_rounds: 0,
            pre_committed: false,
            restarted: false,
            reports: Vec::new(),
        }
    }
}

/// One node: the coordinator (node 0) or a participant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwoPhaseCommit {
    id: NodeId,
    #[serde(skip)]
    members: Vec<NodeId>,
    #[serde(skip)]
    config: Config,
    /// The log as this node has written it (the last records may still be on their way to
    /// disk).
    pub log: Vec<Record>,
    /// The coordinator's transactions (empty at a participant).
    pub coordinated: Vec<CoordinatorTxn>,
    /// The participant's transactions (empty at the coordinator).
    pub participated: Vec<ParticipantTxn>,
    /// The keys this participant holds locked, with the transaction holding each.
    pub locks: Vec<(String, TxnId)>,
}

/// The effect list of a node.
pub type TwoPcOut = Out<Message, Timer, Reply>;

impl TwoPhaseCommit {
    /// The node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Whether this node is the coordinator.
    pub fn is_coordinator(&self) -> bool {
        self.id == COORDINATOR
    }

    /// The participants: every member but the coordinator.
    pub fn participants(&self) -> Vec<NodeId> {
        self.members
            .iter()
            .copied()
            .filter(|&member| member != COORDINATOR)
            .collect()
    }

    pub(crate) fn ms(value: u64) -> Time {
        value * MICROS_PER_MS
    }

    pub(crate) fn write(&mut self, record: Record, out: &mut TwoPcOut) {
        self.log.push(record);
        out.persist();
    }

    // ---- Coordinator ----

    /// Phase 1 at the coordinator: write the begin record, then send a prepare to every
    /// participant (held until the record is on disk) and start the vote timeout.
    pub fn begin_transaction(&mut self, client: RequestId, request: Request, out: &mut TwoPcOut) {
        if !self.is_coordinator() {
            out.reply(
                client,
                Reply::Refused {
                    reason: format!("node {} is a participant; ask node {COORDINATOR}", self.id),
                },
            );
            return;
        }
        if request.key.is_empty() || request.key.len() > KEY_BYTES_MAX {
            out.reply(
                client,
                Reply::Refused {
                    reason: format!("the key must be 1 to {KEY_BYTES_MAX} bytes long"),
                },
            );
            return;
        }
        let txn = self.coordinated.len() as TxnId + 1;
        if txn > TRANSACTIONS_MAX {
            out.reply(
                client,
                Reply::Refused {
                    reason: format!("this run has begun its {TRANSACTIONS_MAX} transactions"),
                },
            );
            return;
        }
        self.write(
            Record::Begin {
                txn,
                key: request.key.clone(),
                fails_at: request.vote_no.clone(),
            },
            out,
        );
        let prepare = Message::Prepare(Prepare {
            txn,
            key: request.key.clone(),
            fails_at: request.vote_no.clone(),
        });
        out.broadcast(self.id, &self.participants(), &prepare);
        let timeout = Self::ms(self.config.vote_timeout_ms);
        out.set_timer(Timer::Votes(txn), timeout, timeout);
        self.coordinated.push(CoordinatorTxn {
            txn,
            key: request.key,
            fails_at: request.vote_no,
            phase: Phase::Voting,
            yes_votes: Vec::new(),
            acks: Vec::new(),
            client: Some(client),
        });
    }

    pub(crate) fn coordinated_mut(&mut self, txn: TxnId) -> Option<&mut CoordinatorTxn> {
        self.coordinated.iter_mut().find(|entry| entry.txn == txn)
    }

    /// The coordinator counts a vote: a no aborts at once, a yes from every participant
    /// commits.
    pub fn receive_vote(&mut self, from: NodeId, vote: Vote, now: Time, out: &mut TwoPcOut) {
        let participants = self.participants();
        let Some(entry) = self.coordinated_mut(vote.txn) else {
            return;
        };
        if entry.phase != Phase::Voting {
            return;
        }
        if !vote.yes {
            self.decide(vote.txn, Outcome::Abort, now, out);
            return;
        }
        if !entry.yes_votes.contains(&from) {
            entry.yes_votes.push(from);
        }
        if participants
            .iter()
            .all(|participant| entry.yes_votes.contains(participant))
        {
            if self.config.three_phase_commit {
                self.pre_commit(vote.txn, now, out);
            } else {
                self.decide(vote.txn, Outcome::Commit, now, out);
            }
        }
    }

    /// The commit point: write the decision, then (held until it is on disk) tell every
    /// participant and the client, and start resending until every participant
    /// acknowledges. With the bug switch a commit leaves before the write.
    pub fn decide(&mut self, txn: TxnId, outcome: Outcome, now: Time, out: &mut TwoPcOut) {
        let participants = self.participants();
        let early =
            outcome == Outcome::Commit && self.config.bugs.coordinator_commits_before_logging;
        let Some(entry) = self.coordinated_mut(txn) else {
            return;
        };
        entry.phase = Phase::Decided(outcome);
        // Under 3PC the pre-commit acknowledgements were counted here; the decision's are
        // counted afresh.
        entry.acks.clear();
        let client = entry.client.take();
        out.cancel_timer(Timer::Votes(txn));
        if self.config.three_phase_commit {
            out.cancel_timer(Timer::PreCommitAcks(txn));
        }
        let decision = Message::Decision(Decision { txn, outcome });
        if early {
            out.broadcast(self.id, &participants, &decision);
        }
        self.write(
            Record::Decided {
                txn,
                outcome,
                at_us: now,
            },
            out,
        );
        if !early {
            out.broadcast(self.id, &participants, &decision);
        }
        if let Some(client) = client {
            let reply = match outcome {
                Outcome::Commit => Reply::Committed { txn },
                Outcome::Abort => Reply::Aborted { txn },
            };
            out.reply(client, reply);
        }
        let resend = Self::ms(self.config.resend_ms);
        out.set_timer(Timer::Resend(txn), resend, resend);
    }

    /// The coordinator counts an acknowledgement; once every participant has written the
    /// decision it writes the end record.
    pub fn receive_ack(&mut self, from: NodeId, ack: Ack, out: &mut TwoPcOut) {
        let participants = self.participants();
        let Some(entry) = self.coordinated_mut(ack.txn) else {
            return;
        };
        let Phase::Decided(outcome) = entry.phase else {
            return;
        };
        if !entry.acks.contains(&from) {
            entry.acks.push(from);
        }
        if participants
            .iter()
            .all(|participant| entry.acks.contains(participant))
        {
            entry.phase = Phase::Ended(outcome);
            out.cancel_timer(Timer::Resend(ack.txn));
            self.write(Record::End { txn: ack.txn }, out);
        }
    }

    /// The coordinator resends its decision to every participant that has not
    /// acknowledged it.
    pub fn resend_decision(&mut self, txn: TxnId, out: &mut TwoPcOut) {
        let participants = self.participants();
        let Some(entry) = self.coordinated.iter().find(|entry| entry.txn == txn) else {
            return;
        };
        let Phase::Decided(outcome) = entry.phase else {
            return;
        };
        let message = Message::Decision(Decision { txn, outcome });
        for participant in participants {
            if !entry.acks.contains(&participant) {
                out.send(participant, message.clone());
            }
        }
        let resend = Self::ms(self.config.resend_ms);
        out.set_timer(Timer::Resend(txn), resend, resend);
    }

    /// Coordinator recovery: a transaction begun without a decision is aborted (presumed
    /// abort: the votes died with the coordinator's memory), and every decision not yet
    /// acknowledged is sent again.
    pub fn recover_coordinator(&mut self, now: Time, out: &mut TwoPcOut) {
        let undecided: Vec<TxnId> = self
            .coordinated
            .iter()
            .filter(|entry| entry.phase == Phase::Voting)
            .map(|entry| entry.txn)
            .collect();
        for txn in undecided {
            self.decide(txn, Outcome::Abort, now, out);
        }
        self.recover_pre_committing(now, out);
        let unacknowledged: Vec<TxnId> = self
            .coordinated
            .iter()
            .filter(|entry| matches!(entry.phase, Phase::Decided(_)))
            .map(|entry| entry.txn)
            .collect();
        for txn in unacknowledged {
            self.resend_decision(txn, out);
        }
    }

    // ---- Participant ----

    pub(crate) fn participated_mut(&mut self, txn: TxnId) -> Option<&mut ParticipantTxn> {
        self.participated.iter_mut().find(|entry| entry.txn == txn)
    }

    fn vote(&self, txn: TxnId, yes: bool, out: &mut TwoPcOut) {
        out.send(COORDINATOR, Message::Vote(Vote { txn, yes }));
    }

    /// Phase 1 at a participant: with the key free and its work possible, take the lock,
    /// write the prepared record and vote yes (held until the record is on disk); otherwise
    /// write an abort and vote no. A repeated prepare gets the same vote again.
    pub fn receive_prepare(&mut self, prepare: Prepare, now: Time, out: &mut TwoPcOut) {
        if let Some(entry) = self
            .participated
            .iter()
            .find(|entry| entry.txn == prepare.txn)
        {
            // Answer only for what is on disk.
            out.await_disk();
            match entry.outcome {
                None | Some(Outcome::Commit) => self.vote(prepare.txn, true, out),
                Some(Outcome::Abort) => self.vote(prepare.txn, false, out),
            }
            return;
        }
        let conflict = self.locks.iter().any(|(key, _)| *key == prepare.key);
        if conflict || prepare.fails_at.contains(&self.id) {
            self.participated.push(ParticipantTxn::new(
                prepare.txn,
                prepare.key,
                Some(Outcome::Abort),
            ));
            self.write(
                Record::Decided {
                    txn: prepare.txn,
                    outcome: Outcome::Abort,
                    at_us: now,
                },
                out,
            );
            self.vote(prepare.txn, false, out);
            return;
        }
        self.locks.push((prepare.key.clone(), prepare.txn));
        self.participated
            .push(ParticipantTxn::new(prepare.txn, prepare.key.clone(), None));
        self.write(
            Record::Prepared {
                txn: prepare.txn,
                key: prepare.key,
                at_us: now,
            },
            out,
        );
        self.vote(prepare.txn, true, out);
        let timeout = self.decision_wait();
        out.set_timer(Timer::Decision(prepare.txn), timeout, timeout);
    }

    /// Phase 2 at a participant: write the outcome, release the lock, and acknowledge to
    /// the coordinator once the record is on disk. The decision may come from the
    /// coordinator or from a peer in the termination protocol.
    pub fn receive_decision(&mut self, decision: Decision, now: Time, out: &mut TwoPcOut) {
        let Decision { txn, outcome } = decision;
        match self.participated_mut(txn) {
            Some(entry) if entry.outcome.is_some() => {
                out.await_disk();
            }
            Some(entry) => {
                entry.outcome = Some(outcome);
                entry.reports.clear();
                self.locks.retain(|(_, holder)| *holder != txn);
                out.cancel_timer(Timer::Decision(txn));
                self.write(
                    Record::Decided {
                        txn,
                        outcome,
                        at_us: now,
                    },
                    out,
                );
            }
            None => {
                // The prepare never arrived (or arrives later): keep the outcome, so that a
                // late prepare is answered by it.
                self.participated
                    .push(ParticipantTxn::new(txn, String::new(), Some(outcome)));
                self.write(
                    Record::Decided {
                        txn,
                        outcome,
                        at_us: now,
                    },
                    out,
                );
            }
        }
        out.send(COORDINATOR, Message::Ack(Ack { txn }));
    }

    /// The cooperative termination protocol: a participant in doubt past its decision
    /// timeout asks the coordinator and every other participant, and keeps asking.
    pub fn run_termination_protocol(&mut self, txn: TxnId, out: &mut TwoPcOut) {
        let me = self.id;
        let Some(entry) = self.participated_mut(txn) else {
            return;
        };
        if entry.outcome.is_some() {
            return;
        }
        entry.termination_rounds = entry.termination_rounds.saturating_add(1);
        let mut asked = vec![COORDINATOR];
        asked.extend(self.participants());
        out.broadcast(
            me,
            &asked,
            &Message::DecisionRequest(DecisionRequest { txn }),
        );
        let timeout = Self::ms(self.config.decision_timeout_ms);
        out.set_timer(Timer::Decision(txn), timeout, timeout);
    }

    /// Answers a peer's (or at the coordinator, any participant's) question about `txn`:
    /// a known outcome is told; a participant that has not voted aborts on its own and says
    /// so; one in doubt cannot help and stays silent. The coordinator says abort for a
    /// transaction it has no record of (presumed abort).
    pub fn receive_decision_request(
        &mut self,
        from: NodeId,
        request: DecisionRequest,
        now: Time,
        out: &mut TwoPcOut,
    ) {
        let txn = request.txn;
        if self.is_coordinator() {
            let outcome = match self.coordinated.iter().find(|entry| entry.txn == txn) {
                None => Some(Outcome::Abort),
                Some(entry) => match entry.phase {
                    Phase::Voting | Phase::PreCommitting => None,
                    Phase::Decided(outcome) | Phase::Ended(outcome) => Some(outcome),
                },
            };
            if let Some(outcome) = outcome {
                out.await_disk();
                out.send(from, Message::Decision(Decision { txn, outcome }));
            }
            return;
        }
        match self.participated.iter().find(|entry| entry.txn == txn) {
            Some(ParticipantTxn {
                outcome: Some(outcome),
                ..
            }) => {
                let outcome = *outcome;
                out.await_disk();
                out.send(from, Message::Decision(Decision { txn, outcome }));
            }
            Some(_) => {}
            None => {
                self.participated.push(ParticipantTxn::new(
                    txn,
                    String::new(),
                    Some(Outcome::Abort),
                ));
                self.write(
                    Record::Decided {
                        txn,
                        outcome: Outcome::Abort,
                        at_us: now,
                    },
                    out,
                );
                out.send(
                    from,
                    Message::Decision(Decision {
                        txn,
                        outcome: Outcome::Abort,
                    }),
                );
            }
        }
    }

    /// Participant recovery: every transaction in doubt takes its lock again and asks for
    /// its outcome after the decision timeout.
    pub fn recover_participant(&mut self, out: &mut TwoPcOut) {
        let timeout = Self::ms(self.config.decision_timeout_ms);
        for entry in &self.participated {
            if entry.outcome.is_none() {
                out.set_timer(Timer::Decision(entry.txn), timeout, timeout);
            }
        }
    }

    /// Whether this participant has asked for a transaction's outcome twice (three
    /// termination rounds under 3PC, where a participant that is not the recovery
    /// coordinator may start its second round just before the recovery coordinator's
    /// decision reaches it) and still does not know it: the termination protocol could not
    /// help, and it is blocked.
    pub fn blocked(&self) -> bool {
        let rounds = if self.config.three_phase_commit { 3 } else { 2 };
        self.participated
            .iter()
            .any(|entry| entry.outcome.is_none() && entry.termination_rounds >= rounds)
    }

    /// Rebuilds a node's memory from its log.
    fn from_log(id: NodeId, members: &[NodeId], config: &Config, log: Vec<Record>) -> Self {
        let mut node = Self {
            id,
            members: members.to_vec(),
            config: config.clone(),
            log: Vec::new(),
            coordinated: Vec::new(),
            participated: Vec::new(),
            locks: Vec::new(),
        };
        for record in &log {
            match record {
                Record::Begin { txn, key, fails_at } => node.coordinated.push(CoordinatorTxn {
                    txn: *txn,
                    key: key.clone(),
                    fails_at: fails_at.clone(),
                    phase: Phase::Voting,
                    yes_votes: Vec::new(),
                    acks: Vec::new(),
                    client: None,
                }),
                Record::Prepared { txn, key, .. } => {
                    node.locks.push((key.clone(), *txn));
                    node.participated
                        .push(ParticipantTxn::new(*txn, key.clone(), None));
                }
                Record::PreCommitted { txn, .. } => {
                    if let Some(entry) = node.coordinated_mut(*txn) {
                        entry.phase = Phase::PreCommitting;
                    }
                    if let Some(entry) = node.participated_mut(*txn) {
                        entry.pre_committed = true;
                    }
                }
                Record::Decided { txn, outcome, .. } => {
                    if let Some(entry) = node.coordinated_mut(*txn) {
                        entry.phase = Phase::Decided(*outcome);
                    }
                    node.locks.retain(|(_, holder)| holder != txn);
                    match node.participated_mut(*txn) {
                        Some(entry) => entry.outcome = Some(*outcome),
                        None if id != COORDINATOR => node.participated.push(ParticipantTxn::new(
                            *txn,
                            String::new(),
                            Some(*outcome),
                        )),
                        None => {}
                    }
                }
                Record::End { txn } => {
                    if let Some(entry) = node.coordinated_mut(*txn)
                        && let Phase::Decided(outcome) = entry.phase
                    {
                        entry.phase = Phase::Ended(outcome);
                    }
                }
            }
        }
        if config.three_phase_commit {
            // Whatever it was waiting for may have been sent while it was down.
            for entry in &mut node.participated {
                entry.restarted = entry.outcome.is_none();
            }
        }
        node.log = log;
        node
    }
}

impl Protocol for TwoPhaseCommit {
    type Message = Message;
    type Timer = Timer;
    type Request = Request;
    type Reply = Reply;
    type Durable = Durable;
    type Config = Config;

    fn new(id: NodeId, members: &[NodeId], config: &Config) -> Self {
        Self::from_log(id, members, config, Vec::new())
    }

    fn recover(id: NodeId, members: &[NodeId], config: &Config, durable: Durable) -> Self {
        Self::from_log(id, members, config, durable.log)
    }

    fn durable(&self) -> Durable {
        Durable {
            log: self.log.clone(),
        }
    }

    fn on_start(&mut self, ctx: &Context<'_>, out: &mut TwoPcOut) {
        if self.is_coordinator() {
            self.recover_coordinator(ctx.now, out);
        } else {
            self.recover_participant(out);
        }
    }

    fn on_message(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        message: Message,
        out: &mut TwoPcOut,
    ) {
        match message {
            Message::Prepare(prepare) => {
                if !self.is_coordinator() {
                    self.receive_prepare(prepare, ctx.now, out);
                }
            }
            Message::Vote(vote) => {
                if self.is_coordinator() {
                    self.receive_vote(from, vote, ctx.now, out);
                }
            }
            Message::Decision(decision) => {
                if !self.is_coordinator() {
                    self.receive_decision(decision, ctx.now, out);
                }
            }
            Message::Ack(ack) => {
                if self.is_coordinator() {
                    self.receive_ack(from, ack, out);
                }
            }
            Message::DecisionRequest(request) => {
                self.receive_decision_request(from, request, ctx.now, out);
            }
            Message::PreCommit(pre_commit) => {
                if !self.is_coordinator() {
                    self.receive_pre_commit(from, pre_commit, ctx.now, out);
                }
            }
            Message::PreCommitAck(ack) => {
                if self.is_coordinator() {
                    self.receive_pre_commit_ack(from, ack, ctx.now, out);
                }
            }
            Message::StateRequest(request) => {
                if !self.is_coordinator() {
                    self.receive_state_request(from, request, ctx.now, out);
                }
            }
            Message::StateReport(report) => {
                if !self.is_coordinator() {
                    self.receive_state_report(from, report, ctx.now, out);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &Context<'_>, timer: Timer, out: &mut TwoPcOut) {
        match timer {
            Timer::Votes(txn) => {
                let voting = self
                    .coordinated
                    .iter()
                    .any(|entry| entry.txn == txn && entry.phase == Phase::Voting);
                if voting {
                    self.decide(txn, Outcome::Abort, ctx.now, out);
                }
            }
            Timer::Resend(txn) => self.resend_decision(txn, out),
            Timer::Decision(txn) if self.config.three_phase_commit => {
                self.run_termination_round(txn, ctx.now, out);
            }
            Timer::Decision(txn) => self.run_termination_protocol(txn, out),
            Timer::PreCommitAcks(txn) => {
                let pre_committing = self
                    .coordinated
                    .iter()
                    .any(|entry| entry.txn == txn && entry.phase == Phase::PreCommitting);
                if pre_committing {
                    self.decide(txn, Outcome::Commit, ctx.now, out);
                }
            }
        }
    }

    fn on_client(
        &mut self,
        _ctx: &Context<'_>,
        id: RequestId,
        request: Request,
        out: &mut TwoPcOut,
    ) {
        self.begin_transaction(id, request, out);
    }

    fn role(&self) -> &'static str {
        if self.is_coordinator() {
            return "coordinator";
        }
        let undecided = || {
            self.participated
                .iter()
                .filter(|entry| entry.outcome.is_none())
        };
        if self.blocked() {
            "blocked"
        } else if undecided().any(|entry| entry.pre_committed) {
            "pre-committed"
        } else if undecided().next().is_some() {
            "prepared"
        } else {
            "participant"
        }
    }

    fn shown_timer(timer: &Timer) -> Option<&'static str> {
        match timer {
            Timer::Votes(_) => Some("votes"),
            Timer::Decision(_) => Some("decision"),
            Timer::PreCommitAcks(_) => Some("pre-commit acks"),
            Timer::Resend(_) => None,
        }
    }
}
