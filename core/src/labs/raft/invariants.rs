//! Raft's safety properties (Figure 3 of the paper), checked after every event.
//!
//! [`RaftSafety`] is fed the state of every server after each event and remembers, in
//! bounded maps, what it needs to judge the next one: which server led which term, the tail
//! of each leader's log, every (index, term) pair seen in any log, and every entry seen
//! committed or applied. Each server's log is scanned only from where the previous scan
//! stopped, unless the log lost a suffix since, so the cost per event is small.
//!
//! The five properties:
//! - **Election Safety**: at most one leader can be elected in a given term.
//! - **Leader Append-Only**: a leader never overwrites or deletes entries in its log; it
//!   only appends new entries.
//! - **Log Matching**: if two logs contain an entry with the same index and term, then the
//!   logs are identical in all entries up through that index. Checked by induction, as the
//!   consistency check establishes it: every (index, term) pair must always come with the
//!   same command and the same term at the index before.
//! - **Leader Completeness**: if a log entry is committed in a given term, that entry will
//!   be present in the logs of the leaders for all higher-numbered terms.
//! - **State Machine Safety**: if a server has applied a log entry at a given index to its
//!   state machine, no other server will ever apply a different log entry for that index.
//!
//! Three more say what a reviewer of an implementation checks, and look at each server's
//! disk as well as its memory (a crashed server's disk counts):
//! - **Acknowledged Entries Are Durable**: every entry a leader counts as stored on a
//!   server (its matchIndex for that server, or its own durable index) is on that
//!   server's disk, unless the server has since moved to a later term.
//! - **Commit Index Never Decreases**: while a server runs, its commitIndex only grows.
//! - **Applied Entries Are Committed**: when a server applies an entry, the disks of a
//!   majority of the configuration hold it (or a snapshot covering it).
//!
//! Entries are compared by identity, as the paper identifies an entry by the leader that
//! created it: each entry is one allocation (`Arc`) made when a leader appended it, shared
//! by every copy in messages, logs and disks. Two leaders that wrongly share a term and
//! each append an identical blank entry at one index therefore hold two different entries.
//!
//! **Election Progress** is not a safety property but a bounded liveness expectation:
//! split votes must not repeat forever. It is met unless [`SPLIT_TERMS_MAX`] consecutive
//! terms each had no leader and at least two candidates that heard answers from a majority
//! and still lost: the signature of identical election timeouts (section 5.2). A very
//! narrow range such as 150 to 155 ms misses it in correct Raft too, which is the point of
//! Figure 16, so the engine reports it as a warning, never as a violation. Its message says
//! what was observed (how long no leader was seen, which terms split, how many candidates
//! each had), not why.

use crate::collections::{SortedMap, SortedSet};
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::log::{Entry, LogIndex, Term};
use super::{Command, Durable, Raft, Role};
use crate::{NodeId, Time};

/// The most records each history map keeps. Past this the checker stops recording new
/// facts (and says so through [`RaftSafety::saturated`]) instead of growing without bound.
pub const RECORDS_MAX: usize = 1_000_000;

/// How many consecutive terms may have several candidates and no leader before Election
/// Progress fails.
pub const SPLIT_TERMS_MAX: u64 = 10;

/// How many recent terms the split-vote bookkeeping remembers.
const TERMS_REMEMBERED: u64 = 64;

/// The most violations reported over one run; later ones are counted but not described.
pub const VIOLATIONS_MAX: usize = 1_000;

/// One of Raft's five safety properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Property {
    /// At most one leader per term.
    ElectionSafety,
    /// A leader only appends to its log.
    LeaderAppendOnly,
    /// Same index and term means same log up to there.
    LogMatching,
    /// Committed entries are in every later leader's log.
    LeaderCompleteness,
    /// No two servers apply different entries at one index.
    StateMachineSafety,
    /// What a leader counts as stored on a server is on that server's disk.
    AcknowledgedEntriesAreDurable,
    /// A running server's commit index never decreases.
    CommitIndexNeverDecreases,
    /// A server applies only entries stored on the disks of a majority.
    AppliedEntriesAreCommitted,
    /// Split votes do not repeat forever (bounded liveness, not safety): reported as a
    /// warning, never as a violation.
    ElectionProgress,
}

impl Property {
    /// Every property, the paper's five first.
    pub const ALL: [Property; 9] = [
        Property::ElectionSafety,
        Property::LeaderAppendOnly,
        Property::LogMatching,
        Property::LeaderCompleteness,
        Property::StateMachineSafety,
        Property::AcknowledgedEntriesAreDurable,
        Property::CommitIndexNeverDecreases,
        Property::AppliedEntriesAreCommitted,
        Property::ElectionProgress,
    ];

    /// The safety properties: every property but the liveness check Election Progress.
    pub const SAFETY: [Property; 8] = [
        Property::ElectionSafety,
        Property::LeaderAppendOnly,
        Property::LogMatching,
        Property::LeaderCompleteness,
        Property::StateMachineSafety,
        Property::AcknowledgedEntriesAreDurable,
        Property::CommitIndexNeverDecreases,
        Property::AppliedEntriesAreCommitted,
    ];

    /// The property's name as the paper writes it.
    pub fn name(self) -> &'static str {
        match self {
            Property::ElectionSafety => "Election Safety",
            Property::LeaderAppendOnly => "Leader Append-Only",
            Property::LogMatching => "Log Matching",
            Property::LeaderCompleteness => "Leader Completeness",
            Property::StateMachineSafety => "State Machine Safety",
            Property::AcknowledgedEntriesAreDurable => "Acknowledged Entries Are Durable",
            Property::CommitIndexNeverDecreases => "Commit Index Never Decreases",
            Property::AppliedEntriesAreCommitted => "Applied Entries Are Committed",
            Property::ElectionProgress => "Election Progress",
        }
    }

    /// The property's statement, from Figure 3 of the paper.
    pub fn description(self) -> &'static str {
        match self {
            Property::ElectionSafety => "At most one leader can be elected in a given term.",
            Property::LeaderAppendOnly => {
                "A leader never overwrites or deletes entries in its log; it only appends new entries."
            }
            Property::LogMatching => {
                "If two logs contain an entry with the same index and term, then the logs are identical in all entries up through the given index."
            }
            Property::LeaderCompleteness => {
                "If a log entry is committed in a given term, then that entry will be present in the logs of the leaders for all higher-numbered terms."
            }
            Property::StateMachineSafety => {
                "If a server has applied a log entry at a given index to its state machine, no other server will ever apply a different log entry for the same index."
            }
            Property::AcknowledgedEntriesAreDurable => {
                "Every entry a leader counts as stored on a server (its matchIndex for that server, or its own log) is on that server's disk, so a crash cannot erase it (Figure 2: persistent state is updated on stable storage before responding to RPCs)."
            }
            Property::CommitIndexNeverDecreases => {
                "While a server runs, its commitIndex only grows: an entry it knows to be committed stays committed."
            }
            Property::AppliedEntriesAreCommitted => {
                "A server applies an entry only once the disks of a majority hold it, which is what committed means (section 5.3)."
            }
            Property::ElectionProgress => {
                "Split votes do not repeat forever: fewer than ten consecutive terms in which several candidates heard from a majority and none won (a liveness expectation, reported as a warning: correct Raft can miss it under unlucky timing)."
            }
        }
    }
}

/// A broken property: which, when, who, and what happened in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SafetyViolation {
    /// The property broken.
    pub property: Property,
    /// When the checker saw it, in microseconds of virtual time.
    pub time: Time,
    /// The servers involved.
    pub nodes: Vec<NodeId>,
    /// What happened, in a sentence a learner understands.
    pub message: String,
}

/// How far a server's log was scanned for Log Matching.
#[derive(Debug, Clone, Copy, Default)]
struct ScanCursor {
    rewrites: u64,
    scanned_to: LogIndex,
}

/// The last tail seen of a server's log while it was leader.
#[derive(Debug, Clone)]
struct LeaderTail {
    term: Term,
    last_index: LogIndex,
    last_entry: Option<Arc<Entry>>,
    rewrites: u64,
}

/// An entry seen at some (index, term), with the term before it.
#[derive(Debug, Clone)]
struct EntryRecord {
    previous_term: Option<Term>,
    entry: Arc<Entry>,
    node: NodeId,
}

/// An entry seen committed.
#[derive(Debug, Clone)]
struct CommitRecord {
    index: LogIndex,
    entry: Arc<Entry>,
    /// The term of the server that first reported it committed.
    commit_term: Term,
    node: NodeId,
}

/// The incremental checker of the five properties.
#[derive(Debug, Clone, Default)]
pub struct RaftSafety {
    // Sorted vectors hold the maps with one entry per node, per remembered term
    // (`candidates`: `TERMS_REMEMBERED`) or per report (`reported`: `VIOLATIONS_MAX`);
    // `leaders` grows by one term per election (at most `RECORDS_MAX`), nearly always
    // at its end. B-trees hold the maps of log entries, which grow with the log.
    leaders: SortedMap<Term, NodeId>,
    leader_tails: SortedMap<NodeId, LeaderTail>,
    entries: BTreeMap<(LogIndex, Term), EntryRecord>,
    scan_cursors: SortedMap<NodeId, ScanCursor>,
    committed_at: BTreeMap<LogIndex, usize>,
    committed: Vec<CommitRecord>,
    commit_cursors: SortedMap<NodeId, LogIndex>,
    completeness_cursors: SortedMap<NodeId, (Term, usize)>,
    applied: BTreeMap<LogIndex, (Arc<Entry>, NodeId)>,
    apply_cursors: SortedMap<NodeId, LogIndex>,
    stored_cursors: SortedMap<NodeId, LogIndex>,
    commit_seen: SortedMap<NodeId, LogIndex>,
    candidates: SortedMap<Term, SortedSet<NodeId>>,
    reported: SortedSet<(Property, u64, NodeId)>,
    violations_total: u64,
    saturated: bool,
    /// The cap on each history map; `None` is [`RECORDS_MAX`].
    records_max: Option<usize>,
    /// When a leader was last seen among the running servers (µs).
    leader_seen_at: Time,
    /// The properties to check; `None` checks all of them.
    only: Option<Property>,
}

fn describe(entry: &Entry) -> String {
    match &entry.command {
        Command::Noop => format!("a blank entry of term {}", entry.term),
        Command::Client { operation, .. } => {
            format!("{operation:?} of term {}", entry.term)
        }
        Command::Configuration { members } => {
            format!("configuration {members:?} of term {}", entry.term)
        }
    }
}

/// Whether two entries are the same entry: the one a leader created, not merely an equal
/// one (see the module's documentation).
fn same(a: &Arc<Entry>, b: &Arc<Entry>) -> bool {
    Arc::ptr_eq(a, b)
}

/// What a server's disk holds, looked up by server (`None`: unknown server).
pub type Disks<'a> = dyn Fn(NodeId) -> Option<&'a Durable> + 'a;

impl RaftSafety {
    /// A checker that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A checker of `property` alone, keeping only the history that property needs. The
    /// engine registers one per property so that each is reported on its own.
    pub fn only(property: Property) -> Self {
        Self {
            only: Some(property),
            ..Self::default()
        }
    }

    /// The same checker with each history map capped at `records_max` records instead of
    /// [`RECORDS_MAX`] (tests use a small cap to see what happens when it is reached).
    pub fn with_records_max(mut self, records_max: usize) -> Self {
        self.records_max = Some(records_max);
        self
    }

    /// The cap on each history map.
    pub fn records_max(&self) -> usize {
        self.records_max.unwrap_or(RECORDS_MAX)
    }

    fn wants(&self, property: Property) -> bool {
        self.only.is_none_or(|only| only == property)
    }

    /// Whether a history map hit its cap ([`RaftSafety::records_max`]), so later facts
    /// went unrecorded.
    pub fn saturated(&self) -> bool {
        self.saturated
    }

    /// How many violations were found, including those not described.
    pub fn violations_total(&self) -> u64 {
        self.violations_total
    }

    /// Checks every property against the servers' states after one event at `now`, and
    /// returns the violations not reported before. `nodes` are the running servers (a
    /// crashed server's memory is gone); `disks` gives what any server's disk holds,
    /// crashed or not.
    pub fn observe<'a>(
        &mut self,
        now: Time,
        nodes: &[(NodeId, &Raft)],
        disks: &Disks<'a>,
    ) -> Vec<SafetyViolation> {
        let mut found = Vec::new();
        let leaders =
            self.wants(Property::ElectionSafety) || self.wants(Property::ElectionProgress);
        for &(id, node) in nodes {
            if leaders {
                self.check_election_safety(now, id, node, &mut found);
            }
            if self.wants(Property::LeaderAppendOnly) {
                self.check_leader_append_only(now, id, node, &mut found);
            }
            if self.wants(Property::LogMatching) {
                self.check_log_matching(now, id, node, &mut found);
            }
            if self.wants(Property::LeaderCompleteness) {
                self.record_commits(id, node);
            }
            if self.wants(Property::StateMachineSafety) {
                self.check_state_machine_safety(now, id, node, &mut found);
            }
            if self.wants(Property::AcknowledgedEntriesAreDurable) {
                self.check_acknowledged_entries_are_durable(now, id, node, disks, &mut found);
            }
            if self.wants(Property::AppliedEntriesAreCommitted) {
                self.check_applied_entries_are_committed(now, id, node, disks, &mut found);
            }
        }
        if self.wants(Property::CommitIndexNeverDecreases) {
            self.check_commit_index_never_decreases(now, nodes, &mut found);
        }
        if self.wants(Property::LeaderCompleteness) {
            for &(id, node) in nodes {
                self.check_leader_completeness(now, id, node, &mut found);
            }
        }
        if self.wants(Property::ElectionProgress) {
            self.check_election_progress(now, nodes, &mut found);
        }
        found
    }

    fn check_acknowledged_entries_are_durable<'a>(
        &mut self,
        now: Time,
        id: NodeId,
        node: &Raft,
        disks: &Disks<'a>,
        found: &mut Vec<SafetyViolation>,
    ) {
        let Role::Leader(state) = node.role_state() else {
            return;
        };
        let term = node.current_term();
        let log = node.log();
        let counted: Vec<(NodeId, LogIndex)> = state
            .match_index
            .iter()
            .map(|(&follower, &matched)| (follower, matched))
            .chain([(id, state.durable_index)])
            .collect();
        for (server, matched) in counted {
            // At or below the leader's snapshot the entries are committed and applied.
            if matched == 0 || matched <= log.snapshot_index() {
                continue;
            }
            let Some(disk) = disks(server) else {
                continue;
            };
            // A server that moved on to a later term may have replaced entries that were
            // never committed; the leader will learn of the later term.
            if disk.current_term > term {
                continue;
            }
            let Some(entry) = log.entry(matched) else {
                continue;
            };
            let on_disk = matched <= disk.log.snapshot_index()
                || disk
                    .log
                    .entry(matched)
                    .is_some_and(|held| same(held, entry));
            if !on_disk {
                let holds = match disk.log.entry(matched) {
                    Some(held) => format!("{} there", describe(held)),
                    None => format!("a log ending at index {}", disk.log.last_index()),
                };
                let whose = if server == id {
                    "its own log".to_string()
                } else {
                    format!("server {server}")
                };
                self.report(
                    found,
                    (Property::AcknowledgedEntriesAreDurable, term, server),
                    SafetyViolation {
                        property: Property::AcknowledgedEntriesAreDurable,
                        time: now,
                        nodes: vec![id, server],
                        message: format!(
                            "Server {id}, leader of term {term}, counts {whose} as storing {} at index {matched}, but server {server}'s disk holds {holds}: it was acknowledged before it was written, and a crash now would erase an entry the leader may commit.",
                            describe(entry)
                        ),
                    },
                );
            }
        }
    }

    fn check_applied_entries_are_committed<'a>(
        &mut self,
        now: Time,
        id: NodeId,
        node: &Raft,
        disks: &Disks<'a>,
        found: &mut Vec<SafetyViolation>,
    ) {
        let log = node.log();
        let applied = node.last_applied();
        let cursor = self
            .stored_cursors
            .get(&id)
            .copied()
            .unwrap_or(0)
            .min(applied);
        let from = (cursor + 1).max(log.snapshot_index() + 1);
        for index in from..=applied {
            let Some(entry) = log.entry(index) else {
                continue;
            };
            let members = log.members_as_of(index);
            let holders: Vec<NodeId> = members
                .iter()
                .copied()
                .filter(|&member| {
                    disks(member).is_some_and(|disk| {
                        index <= disk.log.snapshot_index()
                            || disk.log.entry(index).is_some_and(|held| same(held, entry))
                    })
                })
                .collect();
            if holders.len() < super::quorum::majority(members.len()) {
                self.report(
                    found,
                    (Property::AppliedEntriesAreCommitted, index, id),
                    SafetyViolation {
                        property: Property::AppliedEntriesAreCommitted,
                        time: now,
                        nodes: vec![id],
                        message: format!(
                            "Server {id} applied {} at index {index}, but only the disks of servers {holders:?} of the configuration {members:?} hold it, not a majority: it was not committed, and crashes can still erase it.",
                            describe(entry)
                        ),
                    },
                );
            }
        }
        self.stored_cursors.insert(id, applied);
    }

    fn check_commit_index_never_decreases(
        &mut self,
        now: Time,
        nodes: &[(NodeId, &Raft)],
        found: &mut Vec<SafetyViolation>,
    ) {
        // A server that is not running lost its volatile commit index; it starts afresh.
        self.commit_seen
            .retain(|id, _| nodes.iter().any(|(node, _)| node == id));
        for &(id, node) in nodes {
            let commit_index = node.commit_index();
            if let Some(&before) = self.commit_seen.get(&id)
                && commit_index < before
            {
                self.report(
                    found,
                    (Property::CommitIndexNeverDecreases, before, id),
                    SafetyViolation {
                        property: Property::CommitIndexNeverDecreases,
                        time: now,
                        nodes: vec![id],
                        message: format!(
                            "Server {id}'s commit index went back from {before} to {commit_index} while it ran: an entry it knew to be committed is no longer known as committed."
                        ),
                    },
                );
            }
            self.commit_seen.insert(id, commit_index);
        }
    }

    fn report(
        &mut self,
        found: &mut Vec<SafetyViolation>,
        key: (Property, u64, NodeId),
        violation: SafetyViolation,
    ) {
        if !self.wants(violation.property) || self.reported.contains(&key) {
            return;
        }
        self.violations_total += 1;
        if self.reported.len() < VIOLATIONS_MAX {
            self.reported.insert(key);
            found.push(violation);
        }
    }

    fn full(&mut self, len: usize) -> bool {
        if len >= self.records_max() {
            self.saturated = true;
        }
        self.saturated
    }

    fn check_election_safety(
        &mut self,
        now: Time,
        id: NodeId,
        node: &Raft,
        found: &mut Vec<SafetyViolation>,
    ) {
        if !node.is_leader() {
            return;
        }
        let term = node.current_term();
        match self.leaders.get(&term).copied() {
            Some(other) if other != id => self.report(
                found,
                (Property::ElectionSafety, term, id),
                SafetyViolation {
                    property: Property::ElectionSafety,
                    time: now,
                    nodes: vec![other, id],
                    message: format!(
                        "Servers {other} and {id} were both elected leader of term {term}; a majority can vote only once per term, so two leaders in one term mean some server voted twice or counted a vote it should not have."
                    ),
                },
            ),
            Some(_) => {}
            None => {
                if !self.full(self.leaders.len()) {
                    self.leaders.insert(term, id);
                }
            }
        }
    }

    fn check_election_progress(
        &mut self,
        now: Time,
        nodes: &[(NodeId, &Raft)],
        found: &mut Vec<SafetyViolation>,
    ) {
        if nodes.iter().any(|(_, node)| node.is_leader()) {
            self.leader_seen_at = now;
        }
        for &(id, node) in nodes {
            if let super::Role::Candidate(votes) = node.role_state() {
                // Only a candidate that heard from a majority and still has not won lost
                // to a split; one cut off from the others merely waits.
                let heard = votes.granted.len() + votes.refused.len();
                if heard >= super::quorum::majority(node.members().len()) {
                    self.candidates
                        .entry(node.current_term())
                        .or_default()
                        .insert(id);
                }
            }
        }
        let Some(newest) = self.candidates.keys().next_back().copied() else {
            return;
        };
        let oldest_remembered = newest.saturating_sub(TERMS_REMEMBERED);
        self.candidates.retain(|term, _| *term >= oldest_remembered);
        // The newest term may still elect a leader, so the streak ends at the one before.
        let mut streak = 0;
        let mut term = newest.saturating_sub(1);
        let mut involved = SortedSet::new();
        let mut candidates_min = usize::MAX;
        let mut candidates_max = 0;
        while term > 0 && streak < SPLIT_TERMS_MAX {
            // A split vote: at least two candidates heard from a majority, and no one won.
            let split = self
                .candidates
                .get(&term)
                .filter(|candidates| candidates.len() >= 2 && !self.leaders.contains_key(&term));
            let Some(split) = split else {
                break;
            };
            involved.extend(split.iter().copied());
            candidates_min = candidates_min.min(split.len());
            candidates_max = candidates_max.max(split.len());
            streak += 1;
            term -= 1;
        }
        if streak >= SPLIT_TERMS_MAX {
            let first = term + 1;
            let candidates = if candidates_min == candidates_max {
                format!("{candidates_min} candidates")
            } else {
                format!("{candidates_min} to {candidates_max} candidates")
            };
            let leaderless_ms = (now - self.leader_seen_at.min(now)) / 1_000;
            let since = if self.leader_seen_at == 0 {
                "since the start".to_string()
            } else {
                format!("since {} ms", self.leader_seen_at / 1_000)
            };
            self.report(
                found,
                (Property::ElectionProgress, first, 0),
                SafetyViolation {
                    property: Property::ElectionProgress,
                    time: now,
                    nodes: involved.into_iter().collect(),
                    message: format!(
                        "No leader for {leaderless_ms} ms ({since}): in each of the {SPLIT_TERMS_MAX} terms {first} to {}, {candidates} heard from a majority of servers and none won.",
                        first + SPLIT_TERMS_MAX - 1
                    ),
                },
            );
        }
    }

    fn check_leader_append_only(
        &mut self,
        now: Time,
        id: NodeId,
        node: &Raft,
        found: &mut Vec<SafetyViolation>,
    ) {
        if !node.is_leader() {
            self.leader_tails.remove(&id);
            return;
        }
        let log = node.log();
        let term = node.current_term();
        if let Some(tail) = self.leader_tails.get(&id).cloned()
            && tail.term == term
        {
            let kept = match &tail.last_entry {
                Some(entry) if tail.last_index > log.snapshot_index() => log
                    .entry(tail.last_index)
                    .is_some_and(|held| same(held, entry)),
                _ => log.last_index() >= tail.last_index,
            };
            if !kept || log.rewrites() != tail.rewrites {
                self.report(
                        found,
                        (Property::LeaderAppendOnly, term, id),
                        SafetyViolation {
                            property: Property::LeaderAppendOnly,
                            time: now,
                            nodes: vec![id],
                            message: format!(
                                "Server {id}, leader of term {term}, removed or replaced entries of its own log (it held {} entries, it now holds {}); a leader may only append.",
                                tail.last_index,
                                log.last_index()
                            ),
                        },
                    );
            }
        }
        let last_index = log.last_index();
        self.leader_tails.insert(
            id,
            LeaderTail {
                term,
                last_index,
                last_entry: log.entry(last_index).cloned(),
                rewrites: log.rewrites(),
            },
        );
    }

    fn check_log_matching(
        &mut self,
        now: Time,
        id: NodeId,
        node: &Raft,
        found: &mut Vec<SafetyViolation>,
    ) {
        let log = node.log();
        let cursor = self.scan_cursors.get(&id).copied().unwrap_or_default();
        let from = if cursor.rewrites == log.rewrites() && cursor.scanned_to <= log.last_index() {
            cursor.scanned_to + 1
        } else {
            1
        };
        let from = from.max(log.snapshot_index() + 1);
        for index in from..=log.last_index() {
            let Some(entry) = log.entry(index) else {
                continue;
            };
            let previous_term = log.term_at(index - 1);
            let key = (index, entry.term);
            match self.entries.get(&key) {
                Some(record) => {
                    let command_differs = !same(&record.entry, entry);
                    let previous_differs = matches!(
                        (record.previous_term, previous_term),
                        (Some(a), Some(b)) if a != b
                    );
                    if command_differs || previous_differs {
                        let other = record.node;
                        let what = if command_differs {
                            format!(
                                "server {other} holds {} there but server {id} holds {}",
                                describe(&record.entry),
                                describe(entry)
                            )
                        } else {
                            format!(
                                "the entries before it differ (term {} on server {other}, term {} on server {id})",
                                record.previous_term.unwrap_or(0),
                                previous_term.unwrap_or(0)
                            )
                        };
                        self.report(
                            found,
                            (Property::LogMatching, index, id),
                            SafetyViolation {
                                property: Property::LogMatching,
                                time: now,
                                nodes: vec![other, id],
                                message: format!(
                                    "Two logs have an entry of term {} at index {index}, yet {what}; entries with the same index and term must be identical along with everything before them.",
                                    entry.term
                                ),
                            },
                        );
                    }
                }
                None => {
                    if !self.full(self.entries.len()) {
                        self.entries.insert(
                            key,
                            EntryRecord {
                                previous_term,
                                entry: Arc::clone(entry),
                                node: id,
                            },
                        );
                    }
                }
            }
        }
        self.scan_cursors.insert(
            id,
            ScanCursor {
                rewrites: log.rewrites(),
                scanned_to: log.last_index(),
            },
        );
    }

    fn record_commits(&mut self, id: NodeId, node: &Raft) {
        let log = node.log();
        let commit_index = node.commit_index();
        let cursor = self
            .commit_cursors
            .get(&id)
            .copied()
            .unwrap_or(0)
            .min(commit_index);
        let from = (cursor + 1).max(log.snapshot_index() + 1);
        for index in from..=commit_index {
            if self.committed_at.contains_key(&index) {
                continue;
            }
            let Some(entry) = log.entry(index) else {
                continue;
            };
            if self.full(self.committed.len()) {
                break;
            }
            self.committed_at.insert(index, self.committed.len());
            self.committed.push(CommitRecord {
                index,
                entry: Arc::clone(entry),
                commit_term: node.current_term(),
                node: id,
            });
        }
        self.commit_cursors.insert(id, commit_index);
    }

    fn check_state_machine_safety(
        &mut self,
        now: Time,
        id: NodeId,
        node: &Raft,
        found: &mut Vec<SafetyViolation>,
    ) {
        let log = node.log();
        let applied = node.last_applied();
        let cursor = self
            .apply_cursors
            .get(&id)
            .copied()
            .unwrap_or(0)
            .min(applied);
        let from = (cursor + 1).max(log.snapshot_index() + 1);
        for index in from..=applied {
            let Some(entry) = log.entry(index) else {
                continue;
            };
            match self.applied.get(&index) {
                Some((first, other)) => {
                    if !same(first, entry) {
                        let other = *other;
                        let message = format!(
                            "Server {other} applied {} at index {index}, but server {id} applied {} at the same index; their state machines have diverged.",
                            describe(first),
                            describe(entry)
                        );
                        self.report(
                            found,
                            (Property::StateMachineSafety, index, id),
                            SafetyViolation {
                                property: Property::StateMachineSafety,
                                time: now,
                                nodes: vec![other, id],
                                message,
                            },
                        );
                    }
                }
                None => {
                    if !self.full(self.applied.len()) {
                        self.applied.insert(index, (Arc::clone(entry), id));
                    }
                }
            }
        }
        self.apply_cursors.insert(id, applied);
    }

    fn check_leader_completeness(
        &mut self,
        now: Time,
        id: NodeId,
        node: &Raft,
        found: &mut Vec<SafetyViolation>,
    ) {
        if !node.is_leader() {
            self.completeness_cursors.remove(&id);
            return;
        }
        let term = node.current_term();
        let start = match self.completeness_cursors.get(&id) {
            Some(&(cursor_term, checked)) if cursor_term == term => checked,
            _ => 0,
        };
        let log = node.log();
        let mut missing = Vec::new();
        for record in &self.committed[start.min(self.committed.len())..] {
            if record.commit_term >= term || record.index <= log.snapshot_index() {
                continue;
            }
            let held = log.entry(record.index);
            if !held.is_some_and(|held| same(held, &record.entry)) {
                missing.push(record.clone());
            }
        }
        self.completeness_cursors
            .insert(id, (term, self.committed.len()));
        for record in missing {
            let instead = match log.entry(record.index) {
                Some(held) => format!("it holds {} there instead", describe(held)),
                None => format!("its log ends at index {}", log.last_index()),
            };
            self.report(
                found,
                (Property::LeaderCompleteness, record.index, id),
                SafetyViolation {
                    property: Property::LeaderCompleteness,
                    time: now,
                    nodes: vec![record.node, id],
                    message: format!(
                        "Server {} saw {} committed at index {} in term {}, but server {id} became leader of the later term {term} without it ({instead}); a committed entry must be in every later leader's log.",
                        record.node,
                        describe(&record.entry),
                        record.index,
                        record.commit_term
                    ),
                },
            );
        }
    }
}
