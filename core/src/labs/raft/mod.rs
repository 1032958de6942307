//! Raft: consensus on a replicated log (Ongaro and Ousterhout, "In Search of an
//! Understandable Consensus Algorithm", extended version, 2014; and Ongaro's thesis, 2014).
//!
//! A Raft cluster keeps one log of commands identical on a majority of its servers, so a
//! replicated state machine (here a key-value store) applies the same commands in the same
//! order everywhere. The algorithm splits into three parts, and this file names its
//! handlers after the paper so that each can be read beside Figure 2.
//!
//! **Leader election (section 5.2).** Time is divided into terms, each starting with an
//! election. A follower that hears nothing from a leader for an election timeout, drawn at
//! random from a range so that servers rarely time out together, becomes a candidate:
//! `start_election` increments its term, votes for itself and sends RequestVote to every
//! member. A server grants at most one vote per term (`votedFor` is persistent, so a crash
//! cannot make it vote twice) and only to a candidate whose log is at least as up-to-date
//! as its own (section 5.4.1). A candidate with votes from a majority calls `become_leader`.
//! Any message carrying a higher term turns its receiver back into a follower of that term.
//!
//! **Log replication (section 5.3).** The leader appends each client command to its log
//! and sends AppendEntries to the followers. Each AppendEntries names the entry just before
//! the new ones (`prevLogIndex`, `prevLogTerm`); a follower whose log does not hold that
//! entry refuses, and the leader retries from earlier. This consistency check is what makes
//! the Log Matching property hold by induction. To avoid backing off one entry per round
//! trip, a refusing follower returns a hint (the conflicting term and the first index it
//! holds for that term, or its log length), the optimisation sketched at the end of 5.3.
//!
//! **Commitment (sections 5.3 and 5.4.2).** An entry is committed once the leader that
//! created it has stored it on a majority; `advance_commit_index` finds the highest index a
//! majority holds. A leader must only commit that way entries of its *current* term: Figure
//! 8 shows an entry of an earlier term stored on a majority and still overwritten later.
//! Earlier entries become committed along with the first current-term entry after them,
//! which is why a new leader appends a blank entry (section 8, `leader_noop`).
//!
//! **Persistence.** `currentTerm`, `votedFor` and the log (plus the snapshot, when
//! compaction is on) form [`Durable`]. Every handler that changes them records
//! `Effect::Persist` before the vote or acknowledgement that depends on the change, so the
//! simulator holds that answer until the write is done and loses it if the server crashes
//! first. The commit index, the state machine, the role and the leader's bookkeeping are
//! volatile: a restarted server rebuilds them from its snapshot and from the leader.
//!
//! **Clients (section 8).** A client request sent to a follower is refused with a hint of
//! the leader. The leader appends it and answers once the entry is applied. Reads go
//! through the log too, which makes them linearizable without further argument. With the
//! `read_index` option a read skips the log (thesis 6.4): the leader notes its commit index,
//! confirms with a heartbeat round answered by a majority that no newer leader exists, waits
//! until it has applied that index, and answers from its store. A leader lease (6.4.1) would
//! save the heartbeat round by trusting bounded clock drift; this lab does not offer it,
//! because a paused server or a slow clock would make such a read stale. Requests carry a
//! client id and a sequence number, and the state machine remembers the last answer per
//! client, so a retried request is applied at most once (see [`kv`]).
//!
//! **Membership (thesis chapter 4).** `AddServer` and `RemoveServer` append a configuration
//! entry that takes effect on every server as soon as it is appended, committed or not.
//! Changing one server at a time keeps every majority of the old configuration overlapping
//! every majority of the new one. The leader refuses a change while another is uncommitted,
//! and until it has committed an entry of its own term (the fix to the bug Ongaro reported
//! in 2015). A leader that removes itself steps down once the change is committed.
//!
//! **Options.** PreVote (thesis 9.6) makes a server ask whether it could win before it
//! increments its term, so a server that was partitioned away cannot force an election when
//! it returns. CheckQuorum (thesis 6.2) makes a leader step down when it has not heard from
//! a majority for an election timeout, and makes servers that recently heard from a leader
//! ignore vote requests. Log compaction (section 7) folds the applied prefix into a snapshot
//! and sends InstallSnapshot to followers too far behind.
//!
//! **Bug switches** ([`Bugs`]) each remove one rule, so a learner can watch the safety
//! checker in [`invariants`] catch the consequence.

mod config;
pub mod experiment;
pub mod invariants;
pub mod kv;
pub mod lab;
pub mod log;
pub mod quorum;
#[cfg(test)]
mod tests;

use crate::collections::{SortedMap, SortedSet};
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use config::{Bugs, Config, ConfigError};
pub use kv::{ClientId, KvStore, Operation, Reply};
pub use log::{Command, Entry, Log, LogIndex, Snapshot, Term};

use crate::protocol::{Context, MICROS_PER_MS, MessageInfo, Out, Protocol};
use crate::{NodeId, RequestId, Time};

/// The most client requests a leader keeps waiting for their entries to apply.
pub const PENDING_REQUESTS_MAX: usize = 10_000;

/// The most servers a configuration may hold.
pub const MEMBERS_MAX: usize = 1_000;

/// A client request: a key-value or membership operation, with the client's session
/// identity (both zero when the scenario does not use sessions).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The client, for at-most-once application; 0 means no session.
    #[serde(default)]
    pub client: ClientId,
    /// The client's number for this request; a retry reuses it.
    #[serde(default)]
    pub sequence: u64,
    /// What to do.
    pub operation: Operation,
}

/// Raft's timers. Each is armed with a range the simulator samples from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Timer {
    /// A follower or candidate that hears from no leader before this fires starts an election.
    Election,
    /// A leader sends AppendEntries (empty if nothing is new) to every follower.
    Heartbeat,
    /// A leader with CheckQuorum on checks that a majority answered since the last check.
    CheckQuorum,
}

/// The messages of Figure 2, plus PreVote and InstallSnapshot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type")]
pub enum Message {
    /// Sent by candidates to gather votes (section 5.2). The sender is the candidate.
    RequestVote {
        /// The candidate's term.
        term: Term,
        /// The index of the candidate's last log entry.
        last_log_index: LogIndex,
        /// The term of the candidate's last log entry.
        last_log_term: Term,
    },
    /// The answer to a RequestVote.
    RequestVoteResponse {
        /// The voter's current term, for the candidate to update itself.
        term: Term,
        /// Whether the candidate received the vote.
        vote_granted: bool,
    },
    /// Asks whether the sender could win an election in `term`, without anyone changing
    /// term or vote (thesis 9.6).
    PreVote {
        /// The term the sender would campaign in (its current term plus one).
        term: Term,
        /// The index of the sender's last log entry.
        last_log_index: LogIndex,
        /// The term of the sender's last log entry.
        last_log_term: Term,
    },
    /// The answer to a PreVote.
    PreVoteResponse {
        /// The proposed term when granted; the voter's current term when refused.
        term: Term,
        /// Whether the voter would grant its vote.
        vote_granted: bool,
    },
    /// Sent by the leader to replicate entries and as a heartbeat (section 5.3).
    AppendEntries {
        /// The leader's term.
        term: Term,
        /// The index of the entry just before the new ones.
        prev_log_index: LogIndex,
        /// The term of that entry.
        prev_log_term: Term,
        /// The entries to store (empty for a heartbeat).
        entries: Vec<Arc<Entry>>,
        /// The leader's commit index.
        leader_commit: LogIndex,
        /// The leader's ReadIndex round when it sent this (thesis 6.4). The answer echoes
        /// it, so the leader knows the follower answered after a read arrived.
        read_round: u64,
    },
    /// The answer to an AppendEntries.
    AppendEntriesResponse {
        /// The follower's current term.
        term: Term,
        /// Whether the follower held the previous entry and stored the new ones.
        success: bool,
        /// On success, the index of the last entry known to match the leader's.
        match_index: LogIndex,
        /// On failure, the term of the follower's conflicting entry (`None`: its log is
        /// too short).
        conflict_term: Option<Term>,
        /// On failure, the first index of `conflict_term` in the follower's log, or its
        /// log length plus one when the log is too short.
        conflict_index: LogIndex,
        /// The `read_round` of the AppendEntries this answers.
        read_round: u64,
    },
    /// Sent by the leader to a follower that needs entries already compacted (section 7).
    InstallSnapshot {
        /// The leader's term.
        term: Term,
        /// The snapshot, sent whole in one message.
        snapshot: Arc<Snapshot>,
    },
    /// A client request a follower passes on to the leader it knows (section 8 lets a
    /// follower either redirect or forward). It is never forwarded a second time.
    ForwardRequest {
        /// The simulator's id of the request, which the leader answers directly.
        request_id: RequestId,
        /// The request.
        request: Request,
    },
    /// The answer to an InstallSnapshot.
    InstallSnapshotResponse {
        /// The follower's current term.
        term: Term,
        /// The last index the follower now holds through the snapshot.
        last_included_index: LogIndex,
    },
}

impl Message {
    /// The sender's term carried by every message.
    pub fn term(&self) -> Term {
        match self {
            Message::RequestVote { term, .. }
            | Message::RequestVoteResponse { term, .. }
            | Message::PreVote { term, .. }
            | Message::PreVoteResponse { term, .. }
            | Message::AppendEntries { term, .. }
            | Message::AppendEntriesResponse { term, .. }
            | Message::InstallSnapshot { term, .. }
            | Message::InstallSnapshotResponse { term, .. } => *term,
            Message::ForwardRequest { .. } => 0,
        }
    }
}

impl MessageInfo for Message {
    fn kind(&self) -> &'static str {
        match self {
            Message::RequestVote { .. } => "RequestVote",
            Message::RequestVoteResponse { .. } => "RequestVoteResponse",
            Message::PreVote { .. } => "PreVote",
            Message::PreVoteResponse { .. } => "PreVoteResponse",
            Message::AppendEntries { .. } => "AppendEntries",
            Message::AppendEntriesResponse { .. } => "AppendEntriesResponse",
            Message::InstallSnapshot { .. } => "InstallSnapshot",
            Message::InstallSnapshotResponse { .. } => "InstallSnapshotResponse",
            Message::ForwardRequest { .. } => "ForwardRequest",
        }
    }

    fn summary(&self) -> String {
        let granted = |granted: bool| if granted { "granted" } else { "refused" };
        match self {
            Message::RequestVote {
                term,
                last_log_index,
                last_log_term,
            }
            | Message::PreVote {
                term,
                last_log_index,
                last_log_term,
            } => format!("term {term}, last log {last_log_index}@{last_log_term}"),
            Message::RequestVoteResponse { term, vote_granted }
            | Message::PreVoteResponse { term, vote_granted } => {
                format!("term {term}, {}", granted(*vote_granted))
            }
            Message::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
                ..
            } => {
                if entries.is_empty() {
                    format!(
                        "term {term}, heartbeat after {prev_log_index}@{prev_log_term}, commit {leader_commit}"
                    )
                } else {
                    format!(
                        "term {term}, {} entries after {prev_log_index}@{prev_log_term}, commit {leader_commit}",
                        entries.len()
                    )
                }
            }
            Message::AppendEntriesResponse {
                term,
                success,
                match_index,
                conflict_term,
                conflict_index,
                ..
            } => {
                if *success {
                    format!("term {term}, ok up to {match_index}")
                } else {
                    match conflict_term {
                        Some(conflict) => format!(
                            "term {term}, mismatch: term {conflict} from index {conflict_index}"
                        ),
                        None => format!("term {term}, mismatch: log ends before {conflict_index}"),
                    }
                }
            }
            Message::InstallSnapshot { term, snapshot } => format!(
                "term {term}, snapshot up to {}@{}",
                snapshot.last_included_index, snapshot.last_included_term
            ),
            Message::InstallSnapshotResponse {
                term,
                last_included_index,
            } => format!("term {term}, installed up to {last_included_index}"),
            Message::ForwardRequest {
                request_id,
                request,
            } => format!("request {request_id}: {:?}", request.operation),
        }
    }
}

/// What survives a crash (Figure 2, "persistent state on all servers", plus the snapshot).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Durable {
    /// The latest term the server has seen.
    pub current_term: Term,
    /// The candidate that received this server's vote in the current term, if any.
    pub voted_for: Option<NodeId>,
    /// The log.
    pub log: Log,
    /// The latest snapshot, when compaction is on.
    pub snapshot: Option<Arc<Snapshot>>,
}

/// Votes gathered by a candidate or pre-candidate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Votes {
    /// The servers that granted their vote, the candidate included (at most one per
    /// member, as in `refused`).
    pub granted: SortedSet<NodeId>,
    /// The servers that answered but refused (only tracked for real elections). A
    /// candidate that heard from a majority and still lost saw a split vote.
    pub refused: SortedSet<NodeId>,
}

/// A client request the leader appended and will answer once its entry is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingRequest {
    /// The simulator's id of the request.
    pub request: RequestId,
    /// The term of the entry holding it.
    pub term: Term,
}

/// Figure 2, "volatile state on leaders", plus what the options need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LeaderState {
    /// For each follower, the index of the next entry to send it (one entry per member,
    /// as in the sorted maps and sets below, so at most `NODES_MAX`). It moves past entries
    /// as soon as they are sent (pipelining) and back on a refusal.
    pub next_index: SortedMap<NodeId, LogIndex>,
    /// For each follower, the highest index known to be replicated on it.
    pub match_index: SortedMap<NodeId, LogIndex>,
    /// Client requests waiting for their entry to apply, by log index.
    ///
    /// A B-tree, not a sorted vector: it holds up to `PENDING_REQUESTS_MAX` (10,000)
    /// requests and loses its smallest index at every commit, which would move the
    /// whole vector each time.
    pub pending: BTreeMap<LogIndex, PendingRequest>,
    /// Followers heard from since the last CheckQuorum tick.
    pub recently_active: SortedSet<NodeId>,
    /// The last index of the leader's own log known to be on its disk (from the
    /// acknowledgement it sends itself after each write).
    pub durable_index: LogIndex,
    /// ReadIndex: the number of the latest heartbeat round, raised for each read.
    pub read_round: u64,
    /// ReadIndex: for each follower, the highest round it answered in this term.
    pub acknowledged_rounds: SortedMap<NodeId, u64>,
    /// ReadIndex: reads waiting for their round to be confirmed and their index applied,
    /// oldest first.
    pub reads: Vec<PendingRead>,
}

/// A read the leader serves with ReadIndex (thesis 6.4) once a majority confirmed its
/// leadership after the read arrived and it has applied the read index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingRead {
    /// The simulator's id of the request.
    pub request: RequestId,
    /// The key to read.
    pub key: String,
    /// The commit index when the read arrived (or the leader's last index, if it had not
    /// yet committed an entry of its term): the read sees at least everything up to there.
    pub read_index: LogIndex,
    /// The heartbeat round that must be answered by a majority before the read is served.
    pub round: u64,
}

/// A server's role, with the state that only that role has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Answers leaders and candidates; starts an election when the timer fires.
    Follower,
    /// Asks for pre-votes before starting a real election (PreVote option).
    PreCandidate(Votes),
    /// Gathers votes for its current term.
    Candidate(Votes),
    /// Replicates its log to the followers.
    Leader(LeaderState),
}

/// One Raft server: its persistent state, its volatile state and its role.
#[derive(Debug, Clone, Serialize)]
pub struct Raft {
    /// This server's id.
    id: NodeId,
    /// The lab parameters.
    #[serde(skip)]
    config: Config,
    /// Persistent: the latest term seen.
    current_term: Term,
    /// Persistent: whom this server voted for in `current_term`.
    voted_for: Option<NodeId>,
    /// Persistent: the log (and the configuration it implies).
    log: Log,
    /// Persistent: the latest snapshot.
    snapshot: Option<Arc<Snapshot>>,
    /// Volatile: the highest index known to be committed.
    commit_index: LogIndex,
    /// Volatile: the highest index applied to the store.
    last_applied: LogIndex,
    /// Volatile: the replicated key-value store.
    store: KvStore,
    /// Volatile: the role and its state.
    role: Role,
    /// Volatile: the leader this server last heard from in its current term.
    leader_hint: Option<NodeId>,
    /// Volatile: when this server last heard from a current leader (PreVote, CheckQuorum).
    last_leader_contact: Option<Time>,
    /// Whether the durable state changed since the last recorded persist.
    #[serde(skip)]
    dirty: bool,
}

/// The effect list Raft's handlers record into.
pub type RaftOut = Out<Message, Timer, Reply>;

impl Raft {
    /// This server's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The configuration the server was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The latest term the server has seen.
    pub fn current_term(&self) -> Term {
        self.current_term
    }

    /// Whom the server voted for in its current term.
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }

    /// The server's log.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The highest index the server knows to be committed.
    pub fn commit_index(&self) -> LogIndex {
        self.commit_index
    }

    /// The highest index the server applied to its store.
    pub fn last_applied(&self) -> LogIndex {
        self.last_applied
    }

    /// The server's copy of the key-value store.
    pub fn store(&self) -> &KvStore {
        &self.store
    }

    /// The server's role and the state that goes with it.
    pub fn role_state(&self) -> &Role {
        &self.role
    }

    /// Whether the server believes it is the leader of its current term.
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    /// The leader the server last heard from in its current term.
    pub fn leader_hint(&self) -> Option<NodeId> {
        self.leader_hint
    }

    /// The current configuration as this server sees it (latest configuration entry).
    pub fn members(&self) -> &[NodeId] {
        self.log.members()
    }

    /// Whether this server belongs to the configuration it knows.
    pub fn is_member(&self) -> bool {
        self.log.members().contains(&self.id)
    }

    fn election_timeout_min(&self) -> Time {
        self.config.election_timeout_ms_min * MICROS_PER_MS
    }

    /// Arms the election timer with a fresh random delay (section 5.2).
    fn reset_election_timer(&self, out: &mut RaftOut) {
        let min = self.election_timeout_min();
        let max = if self.config.bugs.no_timeout_randomization {
            min
        } else {
            self.config.election_timeout_ms_max * MICROS_PER_MS
        };
        out.set_timer(Timer::Election, min, max);
    }

    /// Records a disk write if the durable state changed. Called before every answer that
    /// must not be sent unless the change is on disk.
    fn persist_if_dirty(&mut self, out: &mut RaftOut) {
        if self.dirty {
            out.persist();
            self.dirty = false;
        }
    }

    /// Makes sure that everything this server holds in memory is on its disk before the
    /// answer recorded next leaves: records a write if the durable state changed, and
    /// otherwise waits for any write still under way. An acknowledgement may cover entries
    /// that an earlier message changed (a heartbeat naming them, a duplicate or reordered
    /// AppendEntries, a vote granted again): answering at once because this message changed
    /// nothing would promise entries a crash can still erase. Writes land in order, so
    /// waiting for the last one is enough. This is etcd-io/raft's rule: a follower's
    /// MsgAppResp goes out only after the storage append recorded before it completes.
    fn durable_before_answering(&mut self, out: &mut RaftOut) {
        if self.dirty || self.config.bugs.acknowledge_before_disk {
            // With the bug, an answer waits only for what the current message changed.
            self.persist_if_dirty(out);
        } else {
            out.await_disk();
        }
    }

    /// Whether a leader is believed to be alive: this server leads, or it heard from a
    /// leader within the minimum election timeout (thesis 4.2.3).
    fn in_leader_lease(&self, now: Time) -> bool {
        self.is_leader()
            || self
                .last_leader_contact
                .is_some_and(|contact| now < contact.saturating_add(self.election_timeout_min()))
    }

    /// Becomes a follower in `term` (if higher, forgetting the vote), following `leader`
    /// if known. A leader that steps down tells its waiting clients the outcome is unknown
    /// and arms its election timer again. A candidate keeps the timer it has: Figure 2
    /// restarts the countdown only on hearing from the current leader or on granting a
    /// vote, not on seeing a higher term. (Restarting it there lets a server with a stale
    /// log, campaigning again and again, keep an up-to-date server from ever timing out.)
    fn become_follower(&mut self, term: Term, leader: Option<NodeId>, out: &mut RaftOut) {
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
            self.dirty = true;
        }
        let previous = std::mem::replace(&mut self.role, Role::Follower);
        if let Role::Leader(state) = previous {
            for pending in state.pending.values() {
                out.reply(pending.request, Reply::LeadershipLost { hint: leader });
            }
            // A read not yet served changed nothing, so it is simply refused.
            for read in &state.reads {
                out.reply(read.request, Reply::NotLeader { hint: leader });
            }
            out.cancel_timer(Timer::Heartbeat);
            out.cancel_timer(Timer::CheckQuorum);
            self.reset_election_timer(out);
        }
        self.leader_hint = leader;
    }

    /// The election timer fired: start a (pre-)election if this server is a voting member.
    fn handle_election_timeout(&mut self, out: &mut RaftOut) {
        if self.is_leader() {
            return;
        }
        if !self.is_member() {
            // A server outside the configuration never campaigns; it keeps listening in
            // case a leader adds it.
            self.reset_election_timer(out);
            return;
        }
        if self.config.pre_vote {
            self.start_pre_vote(out);
        } else {
            self.start_election(out);
        }
    }

    /// PreVote (thesis 9.6): ask for votes in `current_term + 1` without changing anything.
    fn start_pre_vote(&mut self, out: &mut RaftOut) {
        let mut votes = Votes::default();
        votes.granted.insert(self.id);
        self.role = Role::PreCandidate(votes);
        self.leader_hint = None;
        self.reset_election_timer(out);
        if quorum::is_quorum(self.log.members(), &[self.id].into_iter().collect()) {
            self.start_election(out);
            return;
        }
        let message = Message::PreVote {
            term: self.current_term + 1,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        let members = self.log.members().to_vec();
        out.broadcast(self.id, &members, &message);
    }

    /// Section 5.2: "increment currentTerm, vote for self, reset election timer, send
    /// RequestVote RPCs to all other servers".
    fn start_election(&mut self, out: &mut RaftOut) {
        self.current_term += 1;
        self.voted_for = Some(self.id);
        self.dirty = true;
        let mut votes = Votes::default();
        votes.granted.insert(self.id);
        let won = quorum::is_quorum(self.log.members(), &votes.granted);
        self.role = Role::Candidate(votes);
        self.leader_hint = None;
        self.reset_election_timer(out);
        // The vote for itself must be on disk before anyone can count on this candidacy,
        // itself included: a server alone in its configuration wins with its own vote, and
        // counts it from a note it sends itself, which leaves once the write lands. (Taking
        // office at once would let a crash before the write bring it back in the old term,
        // to lead the same term a second time with a different log.)
        self.persist_if_dirty(out);
        if won {
            out.send(
                self.id,
                Message::RequestVoteResponse {
                    term: self.current_term,
                    vote_granted: true,
                },
            );
            return;
        }
        let message = Message::RequestVote {
            term: self.current_term,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        let members = self.log.members().to_vec();
        out.broadcast(self.id, &members, &message);
    }

    /// A candidate with a majority becomes leader: it initialises `nextIndex` to its last
    /// index plus one and `matchIndex` to 0 for every follower (Figure 2), appends a blank
    /// entry if configured, and sends AppendEntries at once to establish its authority.
    fn become_leader(&mut self, out: &mut RaftOut) {
        self.role = Role::Leader(LeaderState::default());
        self.leader_hint = Some(self.id);
        self.sync_progress();
        out.cancel_timer(Timer::Election);
        if self.config.leader_noop {
            self.log.append(Arc::new(Entry {
                term: self.current_term,
                command: Command::Noop,
            }));
            self.dirty = true;
        }
        self.persist_and_acknowledge_own_log(out);
        self.broadcast_append_entries(out);
        out.set_timer(
            Timer::Heartbeat,
            self.config.heartbeat_interval_ms * MICROS_PER_MS,
            self.config.heartbeat_interval_ms * MICROS_PER_MS,
        );
        if self.config.check_quorum {
            let period = self.config.election_timeout_ms_max * MICROS_PER_MS;
            out.set_timer(Timer::CheckQuorum, period, period);
        }
    }

    /// Writes the leader's log and sends the leader an acknowledgement of it, which the
    /// simulator holds until the write is done. The leader counts itself toward a majority
    /// only up to what that acknowledgement covers, as etcd-io/raft's leader acknowledges
    /// its own appends after its storage write: otherwise a lone leader would commit, and
    /// apply, entries that a crash a moment later erases from its disk. When nothing
    /// changed, the acknowledgement still waits for any earlier write under way.
    fn persist_and_acknowledge_own_log(&mut self, out: &mut RaftOut) {
        self.durable_before_answering(out);
        out.send(
            self.id,
            Message::AppendEntriesResponse {
                term: self.current_term,
                success: true,
                match_index: self.log.last_index(),
                conflict_term: None,
                conflict_index: 0,
                read_round: 0,
            },
        );
    }

    /// Makes the leader's progress maps cover exactly the servers it replicates to: the
    /// current configuration, plus, while a change is uncommitted, the servers of the last
    /// committed configuration. A server being removed thus keeps receiving entries until
    /// its removal commits (as etcd-io/raft does), so it normally learns it was removed and
    /// stops campaigning, instead of timing out and disrupting the cluster (thesis 4.2.3).
    /// It never counts toward a majority: commitment looks at the current configuration only.
    fn sync_progress(&mut self) {
        let next = self.log.last_index() + 1;
        let mut members: Vec<NodeId> = self.log.members().to_vec();
        if self.log.has_configuration_after(self.commit_index) {
            members.extend(self.log.members_as_of(self.commit_index));
            members.sort_unstable();
            members.dedup();
        }
        members.retain(|&member| member != self.id);
        if let Role::Leader(state) = &mut self.role {
            state.next_index.retain(|id, _| members.contains(id));
            state.match_index.retain(|id, _| members.contains(id));
            for member in members {
                state.next_index.entry(member).or_insert(next);
                state.match_index.entry(member).or_insert(0);
            }
        }
    }

    /// Sends every follower the entries it lacks (or a heartbeat).
    fn broadcast_append_entries(&mut self, out: &mut RaftOut) {
        let followers: Vec<NodeId> = match &self.role {
            Role::Leader(state) => state.next_index.keys().copied().collect(),
            _ => return,
        };
        for follower in followers {
            self.send_append_entries(follower, out);
        }
    }

    /// Sends `follower` an AppendEntries starting at its `nextIndex`, or the snapshot if
    /// those entries were compacted away (section 7).
    fn send_append_entries(&mut self, follower: NodeId, out: &mut RaftOut) {
        let Role::Leader(state) = &self.role else {
            return;
        };
        let Some(&next) = state.next_index.get(&follower) else {
            return;
        };
        let read_round = state.read_round;
        if next <= self.log.snapshot_index()
            && let Some(snapshot) = &self.snapshot
        {
            out.send(
                follower,
                Message::InstallSnapshot {
                    term: self.current_term,
                    snapshot: Arc::clone(snapshot),
                },
            );
            return;
        }
        let next = next.max(self.log.snapshot_index() + 1);
        let prev_log_index = next - 1;
        let prev_log_term = self.log.term_at(prev_log_index).unwrap_or(0);
        let count_max = usize::try_from(self.config.max_entries_per_append).unwrap_or(1);
        let entries = self.log.entries_from(next, count_max);
        // Pipelining, as etcd-io/raft's "replicate" state does: assume the entries will
        // arrive and send only newer ones next time. Without it every answer would resend
        // everything not yet acknowledged, and under load the copies multiply. A lost
        // message shows up as a refusal of a later AppendEntries (or heartbeat), which
        // moves `nextIndex` back to where the follower's log ends.
        let sent_up_to = next + entries.len() as LogIndex;
        if let Role::Leader(state) = &mut self.role {
            state.next_index.insert(follower, sent_up_to);
        }
        out.send(
            follower,
            Message::AppendEntries {
                term: self.current_term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit: self.commit_index,
                read_round,
            },
        );
    }

    /// Figure 2, rules for leaders: "If there exists an N such that N > commitIndex, a
    /// majority of matchIndex[i] >= N, and log[N].term == currentTerm: set commitIndex = N".
    fn advance_commit_index(&mut self, out: &mut RaftOut) {
        let Role::Leader(state) = &self.role else {
            return;
        };
        let matches: Vec<LogIndex> = self
            .log
            .members()
            .iter()
            .map(|&member| {
                if member == self.id {
                    state.durable_index
                } else {
                    state.match_index.get(&member).copied().unwrap_or(0)
                }
            })
            .collect();
        let candidate = quorum::quorum_index(matches);
        if candidate <= self.commit_index {
            return;
        }
        let current_term_entry = self.log.term_at(candidate) == Some(self.current_term);
        if current_term_entry || self.config.bugs.commit_earlier_terms_by_counting {
            self.commit_index = candidate;
            self.apply_committed(out);
        }
    }

    /// Figure 2, rules for all servers: "If commitIndex > lastApplied: increment
    /// lastApplied, apply log[lastApplied] to state machine". The leader answers the client
    /// of each applied entry. Compaction happens first, up to what was applied before, so
    /// that the entries applied now stay in the log until the next apply (where checkers
    /// can see them).
    fn apply_committed(&mut self, out: &mut RaftOut) {
        self.maybe_take_snapshot();
        let mut removed_self = false;
        let mut configuration_applied = false;
        while self.last_applied < self.commit_index {
            let index = self.last_applied + 1;
            let Some(entry) = self.log.entry(index).cloned() else {
                break;
            };
            self.last_applied = index;
            let reply = match &entry.command {
                Command::Noop => None,
                Command::Client {
                    client,
                    sequence,
                    operation,
                } => Some(self.store.apply(*client, *sequence, index, operation)),
                Command::Configuration { members } => {
                    removed_self |= self.is_leader() && !members.contains(&self.id);
                    configuration_applied = true;
                    Some(Reply::Ok)
                }
            };
            if let Role::Leader(state) = &mut self.role
                && let Some(pending) = state.pending.remove(&index)
            {
                let result = if pending.term == entry.term {
                    reply.unwrap_or(Reply::Ok)
                } else {
                    Reply::LeadershipLost { hint: None }
                };
                out.reply(pending.request, result);
            }
        }
        if configuration_applied {
            // The change is committed: a server it removed no longer needs entries.
            self.sync_progress();
        }
        self.serve_reads(out);
        if removed_self && !self.is_member() {
            // Thesis 4.2.2: a leader removed from the configuration steps down once the
            // change is committed; it no longer counts itself in majorities before that.
            let term = self.current_term;
            self.become_follower(term, None, out);
        }
    }

    /// Section 7: once enough applied entries sit in the log, fold them into a snapshot.
    fn maybe_take_snapshot(&mut self) {
        let threshold = self.config.snapshot_threshold;
        if threshold == 0 || self.last_applied < self.log.snapshot_index() + threshold {
            return;
        }
        let index = self.last_applied;
        let Some(term) = self.log.term_at(index) else {
            return;
        };
        self.snapshot = Some(Arc::new(Snapshot {
            last_included_index: index,
            last_included_term: term,
            members: self.log.members_as_of(index),
            store: self.store.clone(),
        }));
        self.log.compact_to(index);
        self.dirty = true;
    }

    /// The RequestVote receiver rules of Figure 2, with the CheckQuorum lease.
    fn handle_request_vote(
        &mut self,
        now: Time,
        candidate: NodeId,
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
        out: &mut RaftOut,
    ) {
        if term > self.current_term && self.config.check_quorum && self.in_leader_lease(now) {
            // Thesis 4.2.3: a server that heard from a leader within the minimum election
            // timeout disregards RequestVote, so a removed or partitioned server cannot
            // depose a healthy leader.
            return;
        }
        if term > self.current_term {
            self.become_follower(term, None, out);
        }
        let log_ok = self.config.bugs.vote_without_log_check
            || self.log.is_up_to_date(last_log_index, last_log_term);
        let vote_free = self.voted_for.is_none() || self.voted_for == Some(candidate);
        let granted = term == self.current_term && vote_free && log_ok;
        if granted {
            self.voted_for = Some(candidate);
            self.dirty = true;
            self.reset_election_timer(out);
        }
        // The vote must be on disk before the candidate can count it (Figure 2), also when
        // this request repeats one whose vote is still being written.
        self.durable_before_answering(out);
        out.send(
            candidate,
            Message::RequestVoteResponse {
                term: self.current_term,
                vote_granted: granted,
            },
        );
    }

    /// A candidate counts a vote; a majority makes it leader.
    fn handle_request_vote_response(
        &mut self,
        voter: NodeId,
        term: Term,
        vote_granted: bool,
        out: &mut RaftOut,
    ) {
        if term > self.current_term {
            self.become_follower(term, None, out);
            return;
        }
        if term < self.current_term {
            return;
        }
        if !vote_granted {
            if let Role::Candidate(votes) = &mut self.role {
                votes.refused.insert(voter);
            }
            return;
        }
        let won = match &mut self.role {
            Role::Candidate(votes) => {
                votes.granted.insert(voter);
                quorum::is_quorum(self.log.members(), &votes.granted)
            }
            _ => false,
        };
        if won {
            self.become_leader(out);
        }
    }

    /// PreVote receiver (thesis 9.6): grant if the sender's log is up-to-date and no
    /// leader is known to be alive. Nothing changes here, so nothing is persisted.
    fn handle_pre_vote(
        &mut self,
        now: Time,
        candidate: NodeId,
        term: Term,
        last_log_index: LogIndex,
        last_log_term: Term,
        out: &mut RaftOut,
    ) {
        let log_ok = self.config.bugs.vote_without_log_check
            || self.log.is_up_to_date(last_log_index, last_log_term);
        let granted = term > self.current_term && log_ok && !self.in_leader_lease(now);
        out.send(
            candidate,
            Message::PreVoteResponse {
                term: if granted { term } else { self.current_term },
                vote_granted: granted,
            },
        );
    }

    /// A pre-candidate counts a pre-vote; a majority lets it start the real election.
    fn handle_pre_vote_response(
        &mut self,
        voter: NodeId,
        term: Term,
        vote_granted: bool,
        out: &mut RaftOut,
    ) {
        if !vote_granted {
            if term > self.current_term {
                self.become_follower(term, None, out);
            }
            return;
        }
        let won = match &mut self.role {
            Role::PreCandidate(votes) if term == self.current_term + 1 => {
                votes.granted.insert(voter);
                quorum::is_quorum(self.log.members(), &votes.granted)
            }
            _ => false,
        };
        if won {
            self.start_election(out);
        }
    }

    /// The AppendEntries receiver rules of Figure 2, with the conflict hint of 5.3.
    #[allow(clippy::too_many_arguments)]
    fn handle_append_entries(
        &mut self,
        now: Time,
        leader: NodeId,
        term: Term,
        prev_log_index: LogIndex,
        prev_log_term: Term,
        entries: Vec<Arc<Entry>>,
        leader_commit: LogIndex,
        read_round: u64,
        out: &mut RaftOut,
    ) {
        let refuse = |this: &Self, conflict_term, conflict_index, out: &mut RaftOut| {
            out.send(
                leader,
                Message::AppendEntriesResponse {
                    term: this.current_term,
                    success: false,
                    match_index: 0,
                    conflict_term,
                    conflict_index,
                    read_round,
                },
            );
        };
        // Rule 1: "Reply false if term < currentTerm".
        if term < self.current_term {
            refuse(self, None, 0, out);
            return;
        }
        if term == self.current_term && self.is_leader() {
            // Two leaders in one term break Election Safety; only a bug switch gets here.
            // Refusing keeps this leader in place so the checker can report it.
            refuse(self, None, 0, out);
            return;
        }
        if term > self.current_term || !matches!(self.role, Role::Follower) {
            self.become_follower(term, Some(leader), out);
        }
        self.leader_hint = Some(leader);
        self.reset_election_timer(out);
        self.last_leader_contact = Some(now);

        // Entries at or below the snapshot are committed and therefore already match.
        let (prev_log_index, prev_log_term, entries) = if prev_log_index < self.log.snapshot_index()
        {
            let skip =
                usize::try_from(self.log.snapshot_index() - prev_log_index).unwrap_or(usize::MAX);
            let rest: Vec<Arc<Entry>> = entries.into_iter().skip(skip).collect();
            (self.log.snapshot_index(), self.log.snapshot_term(), rest)
        } else {
            (prev_log_index, prev_log_term, entries)
        };

        // Rule 2: "Reply false if log doesn't contain an entry at prevLogIndex whose term
        // matches prevLogTerm".
        if prev_log_index > self.log.last_index() {
            self.persist_if_dirty(out);
            refuse(self, None, self.log.last_index() + 1, out);
            return;
        }
        match self.log.term_at(prev_log_index) {
            Some(held) if held == prev_log_term => {}
            held => {
                let held = held.unwrap_or(0);
                let first = self.log.first_index_of_term_run(prev_log_index, held);
                self.persist_if_dirty(out);
                refuse(self, Some(held), first, out);
                return;
            }
        }

        // Rules 3 and 4: delete a conflicting entry and all that follow, append new ones.
        let last_new = prev_log_index + entries.len() as LogIndex;
        for (offset, entry) in entries.into_iter().enumerate() {
            let index = prev_log_index + 1 + offset as LogIndex;
            match self.log.term_at(index) {
                Some(held) if held == entry.term => continue,
                Some(_) => {
                    self.log.truncate_from(index);
                    self.log.append(entry);
                }
                None => self.log.append(entry),
            }
            self.dirty = true;
        }

        // Rule 5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index
        // of last new entry)".
        if leader_commit > self.commit_index {
            self.commit_index = self.commit_index.max(leader_commit.min(last_new));
            self.apply_committed(out);
        }
        // The acknowledgement promises that every entry up to `last_new` is stored: write
        // what this message changed, or wait for the write of what an earlier one did.
        self.durable_before_answering(out);
        out.send(
            leader,
            Message::AppendEntriesResponse {
                term: self.current_term,
                success: true,
                match_index: last_new,
                conflict_term: None,
                conflict_index: 0,
                read_round,
            },
        );
    }

    /// The leader updates `nextIndex` and `matchIndex` from an answer (Figure 2, rules for
    /// leaders), backing off with the follower's conflict hint on refusal.
    fn handle_append_entries_response(
        &mut self,
        follower: NodeId,
        message: &Message,
        out: &mut RaftOut,
    ) {
        let &Message::AppendEntriesResponse {
            term,
            success,
            match_index,
            conflict_term,
            conflict_index,
            read_round,
        } = message
        else {
            return;
        };
        if term > self.current_term {
            self.become_follower(term, None, out);
            return;
        }
        if term < self.current_term {
            return;
        }
        let last_index = self.log.last_index();
        let resend_from_hint = conflict_term
            .and_then(|conflict| self.log.last_index_of_term(conflict).map(|index| index + 1))
            .unwrap_or(conflict_index);
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        if follower == self.id {
            // The leader's own write finished: it now counts itself up to there.
            state.durable_index = state.durable_index.max(match_index.min(last_index));
            self.advance_commit_index(out);
            return;
        }
        state.recently_active.insert(follower);
        let acknowledged = state.acknowledged_rounds.entry(follower).or_insert(0);
        let round_advanced = read_round > *acknowledged;
        *acknowledged = (*acknowledged).max(read_round);
        if round_advanced {
            // Any answer of this term proves the follower had not moved to a later term
            // when it answered: that is all a ReadIndex round needs, success or not.
            self.serve_reads(out);
        }
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        let (Some(next), Some(matched)) = (
            state.next_index.get(&follower).copied(),
            state.match_index.get(&follower).copied(),
        ) else {
            return;
        };
        if success {
            let matched = matched.max(match_index.min(last_index));
            state.match_index.insert(follower, matched);
            let next = next.max(matched + 1);
            state.next_index.insert(follower, next);
            self.advance_commit_index(out);
            if next <= self.log.last_index() {
                self.send_append_entries(follower, out);
            }
        } else {
            let back_off = resend_from_hint.clamp(matched + 1, last_index + 1);
            if back_off < next {
                state.next_index.insert(follower, back_off);
                self.send_append_entries(follower, out);
            }
        }
    }

    /// The InstallSnapshot receiver rules (section 7, Figure 13), with the whole snapshot
    /// in one message.
    fn handle_install_snapshot(
        &mut self,
        now: Time,
        leader: NodeId,
        term: Term,
        snapshot: Arc<Snapshot>,
        out: &mut RaftOut,
    ) {
        if term < self.current_term || (term == self.current_term && self.is_leader()) {
            out.send(
                leader,
                Message::InstallSnapshotResponse {
                    term: self.current_term,
                    last_included_index: 0,
                },
            );
            return;
        }
        if term > self.current_term || !matches!(self.role, Role::Follower) {
            self.become_follower(term, Some(leader), out);
        }
        self.leader_hint = Some(leader);
        self.reset_election_timer(out);
        self.last_leader_contact = Some(now);
        let index = snapshot.last_included_index;
        if index > self.commit_index {
            self.log.install_snapshot(&snapshot);
            self.store = snapshot.store.clone();
            self.commit_index = index;
            self.last_applied = index;
            self.snapshot = Some(snapshot);
            self.dirty = true;
        }
        // A snapshot at or below the commit index is not installed, but the answer still
        // says the follower holds everything up to it: that must be on disk first.
        self.durable_before_answering(out);
        out.send(
            leader,
            Message::InstallSnapshotResponse {
                term: self.current_term,
                last_included_index: index,
            },
        );
    }

    /// The leader records that `follower` now holds everything up to the snapshot.
    fn handle_install_snapshot_response(
        &mut self,
        follower: NodeId,
        term: Term,
        last_included_index: LogIndex,
        out: &mut RaftOut,
    ) {
        if term > self.current_term {
            self.become_follower(term, None, out);
            return;
        }
        if term < self.current_term {
            return;
        }
        let last_index = self.log.last_index();
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        state.recently_active.insert(follower);
        let Some(matched) = state.match_index.get(&follower).copied() else {
            return;
        };
        let matched = matched.max(last_included_index.min(last_index));
        state.match_index.insert(follower, matched);
        let next = state.next_index.get(&follower).copied().unwrap_or(0);
        state.next_index.insert(follower, next.max(matched + 1));
        self.advance_commit_index(out);
        self.send_append_entries(follower, out);
    }

    /// CheckQuorum (thesis 6.2): a leader that did not hear from a majority during the
    /// last election timeout steps down, so a partitioned leader stops accepting requests.
    fn handle_check_quorum(&mut self, out: &mut RaftOut) {
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        let mut heard = std::mem::take(&mut state.recently_active);
        heard.insert(self.id);
        if quorum::is_quorum(self.log.members(), &heard) {
            let period = self.config.election_timeout_ms_max * MICROS_PER_MS;
            out.set_timer(Timer::CheckQuorum, period, period);
        } else {
            let term = self.current_term;
            self.become_follower(term, None, out);
        }
    }

    /// Section 8: the leader appends a client's command; others forward it to the leader
    /// they know (once) or point the client to it.
    fn handle_client_request(
        &mut self,
        request_id: RequestId,
        request: Request,
        forwarded: bool,
        out: &mut RaftOut,
    ) {
        let Role::Leader(state) = &self.role else {
            if let Some(leader) = self.leader_hint
                && self.config.forward_to_leader
                && !forwarded
                && leader != self.id
            {
                out.send(
                    leader,
                    Message::ForwardRequest {
                        request_id,
                        request,
                    },
                );
                return;
            }
            out.reply(
                request_id,
                Reply::NotLeader {
                    hint: self.leader_hint,
                },
            );
            return;
        };
        if self.config.read_index
            && let Operation::Get { key } = &request.operation
        {
            self.start_read(request_id, key.clone(), out);
            return;
        }
        let full = self.log.len_after_snapshot() as u64 >= self.config.max_log_entries
            || state.pending.len() + state.reads.len() >= PENDING_REQUESTS_MAX;
        if full {
            out.reply(
                request_id,
                Reply::Rejected {
                    reason: "the leader's log or request queue is full; retry later".into(),
                },
            );
            return;
        }
        let command = match &request.operation {
            Operation::AddServer { id } | Operation::RemoveServer { id } => {
                match self.membership_change(&request.operation, *id) {
                    Ok(members) => Command::Configuration { members },
                    Err(reason) => {
                        out.reply(request_id, Reply::Rejected { reason });
                        return;
                    }
                }
            }
            _ => Command::Client {
                client: request.client,
                sequence: request.sequence,
                operation: request.operation,
            },
        };
        let is_configuration = matches!(command, Command::Configuration { .. });
        self.log.append(Arc::new(Entry {
            term: self.current_term,
            command,
        }));
        self.dirty = true;
        let index = self.log.last_index();
        let term = self.current_term;
        if let Role::Leader(state) = &mut self.role {
            state.pending.insert(
                index,
                PendingRequest {
                    request: request_id,
                    term,
                },
            );
        }
        if is_configuration {
            self.sync_progress();
        }
        self.persist_and_acknowledge_own_log(out);
        self.broadcast_append_entries(out);
    }

    /// ReadIndex (thesis 6.4), step by step: (1) note the commit index as the read index;
    /// if no entry of this term is committed yet, the leader's commit index may lag behind
    /// entries an earlier leader committed, so it waits for its whole log instead; (2) start
    /// a heartbeat round, so that a majority answering it proves no newer leader existed
    /// when the read arrived; (3) once that round is confirmed and the state machine has
    /// applied the read index, answer from the store ([`Raft::serve_reads`]). The read never
    /// enters the log. A leader lease (thesis 6.4.1) would skip step 2 by trusting that
    /// clocks drift little; this lab does not serve reads on a lease.
    fn start_read(&mut self, request_id: RequestId, key: String, out: &mut RaftOut) {
        let read_index = if self.log.term_at(self.commit_index) == Some(self.current_term) {
            self.commit_index
        } else {
            self.log.last_index()
        };
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        if state.pending.len() + state.reads.len() >= PENDING_REQUESTS_MAX {
            out.reply(
                request_id,
                Reply::Rejected {
                    reason: "the leader's request queue is full; retry later".into(),
                },
            );
            return;
        }
        state.read_round += 1;
        let round = state.read_round;
        state.reads.push(PendingRead {
            request: request_id,
            key,
            read_index,
            round,
        });
        self.broadcast_append_entries(out);
        // A leader alone in its configuration confirms the round by itself.
        self.serve_reads(out);
    }

    /// Answers every waiting read whose heartbeat round a majority (the leader included)
    /// has answered and whose read index is applied (thesis 6.4, steps 3 and 4).
    fn serve_reads(&mut self, out: &mut RaftOut) {
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        if state.reads.is_empty() {
            return;
        }
        let rounds: Vec<u64> = self
            .log
            .members()
            .iter()
            .map(|&member| {
                if member == self.id {
                    state.read_round
                } else {
                    state.acknowledged_rounds.get(&member).copied().unwrap_or(0)
                }
            })
            .collect();
        let confirmed = quorum::quorum_index(rounds);
        let applied = self.last_applied;
        let store = &self.store;
        state.reads.retain(|read| {
            let ready = read.round <= confirmed && read.read_index <= applied;
            if ready {
                out.reply(
                    read.request,
                    Reply::Value {
                        value: store.data.get(&read.key).cloned(),
                    },
                );
            }
            !ready
        });
    }

    /// Checks a single-server change (thesis 4.1 and 4.3) and returns the new members.
    fn membership_change(&self, operation: &Operation, id: NodeId) -> Result<Vec<NodeId>, String> {
        if self.log.has_configuration_after(self.commit_index) {
            return Err(
                "a membership change is still uncommitted; change one server at a time".into(),
            );
        }
        if self.log.term_at(self.commit_index) != Some(self.current_term) {
            return Err(
                "the leader has not committed an entry of its own term yet; retry shortly".into(),
            );
        }
        let mut members = self.log.members().to_vec();
        match operation {
            Operation::AddServer { .. } => {
                if members.contains(&id) {
                    return Err(format!("server {id} is already a member"));
                }
                if members.len() >= MEMBERS_MAX {
                    return Err(format!(
                        "a configuration holds at most {MEMBERS_MAX} servers"
                    ));
                }
                // Kept in order: inserted where it belongs.
                let at = members.partition_point(|member| *member < id);
                members.insert(at, id);
            }
            _ => {
                if !members.contains(&id) {
                    return Err(format!("server {id} is not a member"));
                }
                if members.len() == 1 {
                    return Err("the last server cannot be removed".into());
                }
                members.retain(|&member| member != id);
            }
        }
        Ok(members)
    }

    /// Rebuilds the volatile state from the durable state after a restart.
    fn from_durable(id: NodeId, members: &[NodeId], config: &Config, durable: Durable) -> Self {
        let Durable {
            current_term,
            voted_for,
            mut log,
            snapshot,
        } = durable;
        if log.snapshot_index() == 0 && log.members().is_empty() && log.last_index() == 0 {
            log = Log::new(members.to_vec());
        }
        let (store, applied) = match &snapshot {
            Some(snapshot) => (snapshot.store.clone(), snapshot.last_included_index),
            None => (KvStore::default(), 0),
        };
        Self {
            id,
            config: config.clamped(),
            current_term,
            voted_for,
            log,
            snapshot,
            commit_index: applied,
            last_applied: applied,
            store,
            role: Role::Follower,
            leader_hint: None,
            last_leader_contact: None,
            dirty: false,
        }
    }
}

impl Protocol for Raft {
    type Message = Message;
    type Timer = Timer;
    type Request = Request;
    type Reply = Reply;
    type Durable = Durable;
    type Config = Config;

    fn new(id: NodeId, members: &[NodeId], config: &Config) -> Self {
        let durable = Durable {
            log: Log::new(members.to_vec()),
            ..Durable::default()
        };
        Self::from_durable(id, members, config, durable)
    }

    fn recover(id: NodeId, members: &[NodeId], config: &Config, durable: Durable) -> Self {
        let mut node = Self::from_durable(id, members, config, durable);
        if config.bugs.forget_voted_for_on_restart {
            // The bug: treat votedFor as volatile, so this server may vote again in a term
            // in which it already voted before the crash.
            node.voted_for = None;
        }
        node
    }

    fn durable(&self) -> Durable {
        Durable {
            current_term: self.current_term,
            voted_for: self.voted_for,
            log: self.log.clone(),
            snapshot: self.snapshot.clone(),
        }
    }

    fn on_start(&mut self, _ctx: &Context<'_>, out: &mut RaftOut) {
        self.role = Role::Follower;
        self.reset_election_timer(out);
    }

    fn on_message(&mut self, ctx: &Context<'_>, from: NodeId, message: Message, out: &mut RaftOut) {
        match message {
            Message::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => self.handle_request_vote(ctx.now, from, term, last_log_index, last_log_term, out),
            Message::RequestVoteResponse { term, vote_granted } => {
                self.handle_request_vote_response(from, term, vote_granted, out)
            }
            Message::PreVote {
                term,
                last_log_index,
                last_log_term,
            } => self.handle_pre_vote(ctx.now, from, term, last_log_index, last_log_term, out),
            Message::PreVoteResponse { term, vote_granted } => {
                self.handle_pre_vote_response(from, term, vote_granted, out)
            }
            Message::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
                read_round,
            } => self.handle_append_entries(
                ctx.now,
                from,
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
                read_round,
                out,
            ),
            response @ Message::AppendEntriesResponse { .. } => {
                self.handle_append_entries_response(from, &response, out)
            }
            Message::InstallSnapshot { term, snapshot } => {
                self.handle_install_snapshot(ctx.now, from, term, snapshot, out)
            }
            Message::InstallSnapshotResponse {
                term,
                last_included_index,
            } => self.handle_install_snapshot_response(from, term, last_included_index, out),
            Message::ForwardRequest {
                request_id,
                request,
            } => self.handle_client_request(request_id, request, true, out),
        }
        self.persist_if_dirty(out);
    }

    fn on_timer(&mut self, _ctx: &Context<'_>, timer: Timer, out: &mut RaftOut) {
        match timer {
            Timer::Election => self.handle_election_timeout(out),
            Timer::Heartbeat => {
                if self.is_leader() {
                    self.broadcast_append_entries(out);
                    let interval = self.config.heartbeat_interval_ms * MICROS_PER_MS;
                    out.set_timer(Timer::Heartbeat, interval, interval);
                }
            }
            Timer::CheckQuorum => self.handle_check_quorum(out),
        }
        self.persist_if_dirty(out);
    }

    fn on_client(
        &mut self,
        _ctx: &Context<'_>,
        id: RequestId,
        request: Request,
        out: &mut RaftOut,
    ) {
        self.handle_client_request(id, request, false, out);
        self.persist_if_dirty(out);
    }

    fn role(&self) -> &'static str {
        match self.role {
            Role::Leader(_) => "leader",
            _ if !self.is_member() => "removed",
            Role::Candidate(_) => "candidate",
            Role::PreCandidate(_) => "precandidate",
            Role::Follower => "follower",
        }
    }

    /// The election timer is the one to watch: a follower that hears from no leader before
    /// it runs out starts an election (Figure 2, "Rules for Servers: Followers").
    fn shown_timer(timer: &Timer) -> Option<&'static str> {
        matches!(timer, Timer::Election).then_some("election")
    }
}
