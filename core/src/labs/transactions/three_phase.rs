//! Three-phase commit, Dale Skeen's protocol ("Nonblocking Commit Protocols", SIGMOD 1981),
//! read beside "Consensus Protocols: Three-phase Commit" (Henry Robinson, The Paper Trail,
//! 2008), which introduces it as an extra phase that shores two-phase commit up "at the
//! cost of a greater latency". The phases, the pre-committed state and the termination
//! rule below follow textbook summaries of the protocol, not the paper's own sections, so
//! no section is cited. The nodes, messages, log and locks are two-phase commit's
//! (the parent module); this file holds what three-phase commit adds, in the protocol's
//! order.
//!
//! **Why 2PC blocks.** A participant that has voted yes is *uncertain*: the coordinator may
//! have decided commit or abort, and an uncertain participant's peers may be uncertain
//! too. Two-phase commit lets a participant reach commit straight from that state, so no
//! group of uncertain participants can ever safely abort or commit on its own. Three-phase
//! commit's remedy is a state between the two, *pre-committed*: the coordinator sends no
//! commit until every participant has acknowledged that it is pre-committed, so no
//! participant commits before every participant knows that everyone voted yes.
//!
//! **Phase 1, CanCommit and vote.** As in 2PC: [`Prepare`] plays the CanCommit question, a
//! participant locks the key, writes its prepared record and votes yes, or writes abort and
//! votes no. The coordinator aborts on a no or when a vote is missing at its vote timeout.
//!
//! **Phase 2, PreCommit and ack.** With every vote yes the coordinator writes a pre-commit
//! record and only then sends [`PreCommit`] to every participant
//! ([`TwoPhaseCommit::pre_commit`]). A participant that receives it writes its own
//! pre-commit record and only then acknowledges ([`TwoPhaseCommit::receive_pre_commit`]):
//! it now knows that everyone voted yes, so it may commit without the coordinator. The
//! coordinator waits for the acknowledgements until its vote timeout expires, then commits
//! whether or not they all came ([`TwoPhaseCommit::receive_pre_commit_ack`]): a participant
//! that did not acknowledge has crashed and will learn the outcome when it restarts.
//!
//! **Phase 3, DoCommit.** The commit decision is 2PC's: written to the coordinator's log,
//! then sent as a commit [`Decision`], written and acknowledged by every participant.
//!
//! **The participants' timeouts.** A participant waits for the coordinator's next message
//! for `vote_timeout_ms + decision_timeout_ms`, longer than the coordinator itself waits,
//! so that it never gives up on a coordinator that is merely slower than it
//! ([`TwoPhaseCommit::decision_wait`]). When the wait runs out the coordinator is taken
//! for crashed, and the participants finish without it: one that voted yes and never heard
//! the pre-commit aborts, one that received the pre-commit commits. They do so through
//! the termination protocol, which makes sure they all do the same.
//!
//! **The termination protocol.** A participant whose wait ran out asks every other
//! participant for its state ([`StateRequest`], [`TwoPhaseCommit::run_termination_round`]),
//! and every participant answers ([`TwoPhaseCommit::receive_state_request`]; one that
//! never heard of the transaction aborts it on its own and says so). The *recovery
//! coordinator* is the lowest participant id among those that answered (the lowest live
//! id); once every participant has answered, or at the end of the round, it applies the
//! rule ([`TwoPhaseCommit::conclude_termination`]):
//! - any participant aborted: abort;
//! - any participant committed: commit;
//! - every participant that answered pre-committed: commit;
//! - some pre-committed and some uncertain: send the uncertain ones a pre-commit first,
//!   and commit in the next round, when they report pre-committed (so that a recovery
//!   coordinator that crashes in between leaves a state its successor reads the same way);
//! - every participant that answered uncertain: abort, since the coordinator cannot have
//!   sent a pre-commit (a participant that was up would have received it). A participant
//!   that crashed since it voted may have missed one, so uncertain participants that have
//!   all restarted do not abort: they keep asking until someone who knows answers (the
//!   lab's choice for this case: without a participant that stayed up, no one alive can
//!   tell an abort that is safe from one that is not, and they wait as 2PC would).
//!
//! Other participants adopt an outcome they learn from any answer, and otherwise wait for
//! the recovery coordinator's [`Decision`]. A restarted coordinator that finds a pre-commit
//! record without a decision commits (the pre-commits left only after that record was on
//! disk, and from then on no participant aborts); one that finds only a begin record
//! aborts, as in 2PC.
//!
//! **Partitions.** All of this assumes that a participant that does not answer has crashed.
//! A network partition breaks the assumption: if the partition cuts off the participants
//! that have not yet received the pre-commit, the coordinator's side commits (its
//! acknowledgement timeout says commit) while the other side, all uncertain, terminates
//! with abort. Atomicity is lost, and the lab's checker says so
//! (`transactions-bug-3pc-partition`). Three-phase commit trades 2PC's blocking for this
//! unsafety under partitions.

use super::{
    Decision, Outcome, ParticipantState, ParticipantTxn, Phase, PreCommit, PreCommitAck, Record,
    StateReport, StateRequest, Timer, TwoPcOut, TwoPhaseCommit, TxnId,
};
use crate::protocol::{NodeId, Time};

impl TwoPhaseCommit {
    /// How long a prepared participant waits for the coordinator's next message before it
    /// runs the termination protocol: the decision timeout in 2PC, the coordinator's vote
    /// timeout plus the decision timeout in 3PC.
    pub fn decision_wait(&self) -> Time {
        let mut wait = self.config.decision_timeout_ms;
        if self.config.three_phase_commit {
            wait += self.config.vote_timeout_ms;
        }
        Self::ms(wait)
    }

    // ---- Coordinator ----

    /// Phase 2 at the coordinator: every vote was yes; write the pre-commit record, then
    /// (held until it is on disk) send a pre-commit to every participant and start waiting
    /// for their acknowledgements.
    pub fn pre_commit(&mut self, txn: TxnId, now: Time, out: &mut TwoPcOut) {
        let participants = self.participants();
        let Some(entry) = self.coordinated_mut(txn) else {
            return;
        };
        entry.phase = Phase::PreCommitting;
        out.cancel_timer(Timer::Votes(txn));
        self.write(Record::PreCommitted { txn, at_us: now }, out);
        out.broadcast(
            self.id,
            &participants,
            &super::Message::PreCommit(PreCommit { txn }),
        );
        let timeout = Self::ms(self.config.vote_timeout_ms);
        out.set_timer(Timer::PreCommitAcks(txn), timeout, timeout);
    }

    /// The coordinator counts a pre-commit acknowledgement; with every participant's it
    /// commits (phase 3). Its timeout commits without the missing ones.
    pub fn receive_pre_commit_ack(
        &mut self,
        from: NodeId,
        ack: PreCommitAck,
        now: Time,
        out: &mut TwoPcOut,
    ) {
        let participants = self.participants();
        let Some(entry) = self.coordinated_mut(ack.txn) else {
            return;
        };
        if entry.phase != Phase::PreCommitting {
            return;
        }
        if !entry.acks.contains(&from) {
            entry.acks.push(from);
        }
        if participants
            .iter()
            .all(|participant| entry.acks.contains(participant))
        {
            self.decide(ack.txn, Outcome::Commit, now, out);
        }
    }

    /// Coordinator recovery under 3PC: a transaction whose pre-commit record is on disk
    /// commits (the pre-commits went out, so no participant aborts it).
    pub fn recover_pre_committing(&mut self, now: Time, out: &mut TwoPcOut) {
        let pre_committing: Vec<TxnId> = self
            .coordinated
            .iter()
            .filter(|entry| entry.phase == Phase::PreCommitting)
            .map(|entry| entry.txn)
            .collect();
        for txn in pre_committing {
            self.decide(txn, Outcome::Commit, now, out);
        }
    }

    // ---- Participant ----

    /// Phase 2 at a participant: write the pre-commit record, then acknowledge to whoever
    /// sent it (the coordinator, or a recovery coordinator), and wait for the commit.
    pub fn receive_pre_commit(
        &mut self,
        from: NodeId,
        pre_commit: PreCommit,
        now: Time,
        out: &mut TwoPcOut,
    ) {
        let txn = pre_commit.txn;
        let wait = self.decision_wait();
        let Some(entry) = self.participated_mut(txn) else {
            return;
        };
        if entry.outcome.is_some() {
            return;
        }
        if entry.pre_committed {
            out.await_disk();
        } else {
            entry.pre_committed = true;
            self.write(Record::PreCommitted { txn, at_us: now }, out);
        }
        if from != self.id {
            out.send(from, super::Message::PreCommitAck(PreCommitAck { txn }));
        }
        out.set_timer(Timer::Decision(txn), wait, wait);
    }

    /// This participant's state for `txn`, as it reports it.
    pub fn participant_state(&self, txn: TxnId) -> Option<ParticipantState> {
        let entry = self.participated.iter().find(|entry| entry.txn == txn)?;
        Some(match entry.outcome {
            Some(Outcome::Commit) => ParticipantState::Committed,
            Some(Outcome::Abort) => ParticipantState::Aborted,
            None if entry.pre_committed => ParticipantState::PreCommitted,
            None => ParticipantState::Uncertain {
                restarted: entry.restarted,
            },
        })
    }

    /// The termination protocol, one round: conclude the round in progress with whoever
    /// answered; if that decided nothing, ask every other participant for its state again.
    pub fn run_termination_round(&mut self, txn: TxnId, now: Time, out: &mut TwoPcOut) {
        if self
            .participated
            .iter()
            .any(|entry| entry.txn == txn && entry.outcome.is_none() && !entry.reports.is_empty())
        {
            self.conclude_termination(txn, now, out);
        }
        let me = self.id;
        let others: Vec<NodeId> = self
            .participants()
            .into_iter()
            .filter(|&participant| participant != me)
            .collect();
        let Some(state) = self.participant_state(txn) else {
            return;
        };
        let Some(entry) = self.participated_mut(txn) else {
            return;
        };
        if entry.outcome.is_some() {
            return;
        }
        entry.termination_rounds = entry.termination_rounds.saturating_add(1);
        entry.reports = vec![(me, state)];
        out.broadcast(
            me,
            &others,
            &super::Message::StateRequest(StateRequest { txn }),
        );
        let round = Self::ms(self.config.decision_timeout_ms);
        out.set_timer(Timer::Decision(txn), round, round);
    }

    /// Answers a peer's state request; a participant that never heard of the transaction
    /// has not voted, so it aborts it on its own (once that is on disk) and says so.
    pub fn receive_state_request(
        &mut self,
        from: NodeId,
        request: StateRequest,
        now: Time,
        out: &mut TwoPcOut,
    ) {
        let txn = request.txn;
        if self.participant_state(txn).is_none() {
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
        } else {
            // Report only what is on disk.
            out.await_disk();
        }
        if let Some(state) = self.participant_state(txn) {
            out.send(
                from,
                super::Message::StateReport(StateReport { txn, state }),
            );
        }
    }

    /// Gathers a peer's state into the round in progress; with every participant's, the
    /// round concludes at once.
    pub fn receive_state_report(
        &mut self,
        from: NodeId,
        report: StateReport,
        now: Time,
        out: &mut TwoPcOut,
    ) {
        let participants = self.participants().len();
        let Some(entry) = self.participated_mut(report.txn) else {
            return;
        };
        if entry.outcome.is_some() || entry.reports.is_empty() {
            return;
        }
        match entry.reports.iter_mut().find(|(peer, _)| *peer == from) {
            Some(known) => known.1 = report.state,
            None => entry.reports.push((from, report.state)),
        }
        if entry.reports.len() == participants {
            self.conclude_termination(report.txn, now, out);
        }
    }

    /// Applies the termination rule to the states gathered. Any participant adopts an
    /// outcome some answer already holds; only the recovery coordinator (the lowest id that
    /// answered) decides one, and tells the others.
    pub fn conclude_termination(&mut self, txn: TxnId, now: Time, out: &mut TwoPcOut) {
        let me = self.id;
        let Some(entry) = self.participated_mut(txn) else {
            return;
        };
        let reports = std::mem::take(&mut entry.reports);
        let has = |state: ParticipantState| reports.iter().any(|(_, found)| *found == state);
        let known = if has(ParticipantState::Aborted) {
            Some(Outcome::Abort)
        } else if has(ParticipantState::Committed) {
            Some(Outcome::Commit)
        } else {
            None
        };
        if let Some(outcome) = known {
            self.receive_decision(Decision { txn, outcome }, now, out);
            return;
        }
        let recovery_coordinator = reports.iter().map(|(peer, _)| *peer).min();
        if recovery_coordinator != Some(me) {
            return;
        }
        let uncertain: Vec<NodeId> = reports
            .iter()
            .filter(|(_, state)| matches!(state, ParticipantState::Uncertain { .. }))
            .map(|(peer, _)| *peer)
            .collect();
        let outcome = if uncertain.is_empty() {
            Outcome::Commit
        } else if has(ParticipantState::PreCommitted) {
            // Bring the uncertain ones to pre-committed first; the next round commits.
            for peer in uncertain {
                if peer == me {
                    self.receive_pre_commit(me, PreCommit { txn }, now, out);
                } else {
                    out.send(peer, super::Message::PreCommit(PreCommit { txn }));
                }
            }
            return;
        } else if has(ParticipantState::Uncertain { restarted: false }) {
            Outcome::Abort
        } else {
            // Every one that answered has restarted since voting: none can vouch that no
            // pre-commit was sent. Wait for someone who knows.
            return;
        };
        let decision = Decision { txn, outcome };
        self.receive_decision(decision.clone(), now, out);
        let others: Vec<NodeId> = self
            .participants()
            .into_iter()
            .filter(|&participant| participant != me)
            .collect();
        out.broadcast(me, &others, &super::Message::Decision(decision));
    }
}
