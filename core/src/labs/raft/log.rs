//! The replicated log: entries, their terms, the compacted prefix and the configuration.
//!
//! Indexes start at 1, as in the paper; index 0 with term 0 is the empty prefix every log
//! shares, which makes the consistency check of the first AppendEntries trivially pass.
//! After log compaction (section 7) the prefix up to `snapshot_index` lives only in a
//! snapshot; the log still knows that prefix's last index and term so the consistency check
//! keeps working across the boundary.
//!
//! Writing the durable state to the simulated disk clones the whole log on every persist,
//! so the entries live in shared chunks of [`CHUNK_LEN`] (see [`Entries`]): a clone copies
//! one pointer per chunk, and an append copies at most the one chunk it writes to.
//!
//! The log also tracks the cluster configuration. With single-server membership changes
//! (Ongaro's thesis, chapter 4) a server uses the latest configuration entry in its log
//! whether or not it is committed, so the configuration can change on append and change
//! back when a conflicting suffix is truncated. The positions of configuration entries are
//! remembered so that finding the current one costs nothing.

use std::sync::Arc;

use serde::Serialize;
use serde::ser::SerializeSeq;

use super::kv::{ClientId, KvStore, Operation};
use crate::NodeId;

/// A term number. Terms act as a logical clock (section 5.1).
pub type Term = u64;

/// A position in the log, starting at 1.
pub type LogIndex = u64;

/// What a log entry asks the state machine (or the cluster) to do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// The blank entry a new leader appends to commit earlier entries promptly (section 8).
    Noop,
    /// A client's key-value operation, with its session identity.
    Client {
        /// The client, for at-most-once application (0: no session).
        client: ClientId,
        /// The client's sequence number for this request.
        sequence: u64,
        /// The operation.
        operation: Operation,
    },
    /// A new cluster configuration, in effect as soon as it is appended (thesis ch. 4).
    Configuration {
        /// The voting members of the new configuration, ascending.
        members: Vec<NodeId>,
    },
}

/// One log entry: the term in which a leader created it and its command.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Entry {
    /// The leader's term when the entry was created.
    pub term: Term,
    /// What the entry does.
    pub command: Command,
}

/// A snapshot of the state machine as of `last_included_index` (section 7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Snapshot {
    /// The index of the last entry the snapshot replaces.
    pub last_included_index: LogIndex,
    /// The term of that entry.
    pub last_included_term: Term,
    /// The configuration as of that entry.
    pub members: Vec<NodeId>,
    /// The key-value store and sessions as of that entry.
    pub store: KvStore,
}

/// How many entries one shared chunk of [`Entries`] holds.
pub const CHUNK_LEN: usize = 32;

/// A sequence of entries stored as shared chunks, so that cloning it is cheap: only the
/// last chunk can be partly filled, and a chunk is copied only when it is written to while
/// shared (copy on write).
#[derive(Debug, Clone, Default)]
pub struct Entries {
    chunks: Vec<Arc<Vec<Arc<Entry>>>>,
    len: usize,
}

impl Entries {
    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The entry at `position` (from 0), if there is one.
    pub fn get(&self, position: usize) -> Option<&Arc<Entry>> {
        if position >= self.len {
            return None;
        }
        self.chunks
            .get(position / CHUNK_LEN)?
            .get(position % CHUNK_LEN)
    }

    /// The last entry, if any.
    pub fn last(&self) -> Option<&Arc<Entry>> {
        self.len.checked_sub(1).and_then(|last| self.get(last))
    }

    /// Every entry, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Entry>> {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }

    /// Copies of the entries at positions `start..end` (clamped to what exists).
    pub fn range_to_vec(&self, start: usize, end: usize) -> Vec<Arc<Entry>> {
        let end = end.min(self.len);
        (start..end)
            .filter_map(|position| self.get(position).cloned())
            .collect()
    }

    /// Appends `entry`.
    pub fn push(&mut self, entry: Arc<Entry>) {
        if self.len.is_multiple_of(CHUNK_LEN) {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK_LEN)));
        }
        if let Some(last) = self.chunks.last_mut() {
            Arc::make_mut(last).push(entry);
            self.len += 1;
        }
    }

    /// Keeps the first `len` entries.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        self.chunks.truncate(len.div_ceil(CHUNK_LEN));
        if !len.is_multiple_of(CHUNK_LEN)
            && let Some(last) = self.chunks.last_mut()
        {
            Arc::make_mut(last).truncate(len % CHUNK_LEN);
        }
        self.len = len;
    }

    /// Removes the first `count` entries (log compaction). The rest are re-chunked, which
    /// costs one pass but happens only once per snapshot.
    pub fn drop_front(&mut self, count: usize) {
        let rest: Vec<Arc<Entry>> = self.iter().skip(count).cloned().collect();
        self.clear();
        for entry in rest {
            self.push(entry);
        }
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.chunks.clear();
        self.len = 0;
    }
}

impl PartialEq for Entries {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Entries {}

impl Serialize for Entries {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sequence = serializer.serialize_seq(Some(self.len))?;
        for entry in self.iter() {
            sequence.serialize_element(entry)?;
        }
        sequence.end()
    }
}

/// A server's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Log {
    /// The index of the last entry folded into the snapshot (0: none).
    snapshot_index: LogIndex,
    /// The term of that entry (0: none).
    snapshot_term: Term,
    /// The configuration in force at `snapshot_index` (the initial one if no snapshot).
    base_members: Vec<NodeId>,
    /// Entries after the snapshot: `entries[i]` has index `snapshot_index + 1 + i`.
    entries: Entries,
    /// Indexes of configuration entries in `entries`, ascending.
    configuration_indexes: Vec<LogIndex>,
    /// How many times entries were removed from the end (conflicts) or the log was replaced
    /// by a snapshot. Checkers use it to know when appended-only reasoning stops holding.
    rewrites: u64,
}

impl Default for Log {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl Log {
    /// An empty log whose configuration before any entry is `members`.
    pub fn new(mut members: Vec<NodeId>) -> Self {
        members.sort_unstable();
        members.dedup();
        Self {
            snapshot_index: 0,
            snapshot_term: 0,
            base_members: members,
            entries: Entries::default(),
            configuration_indexes: Vec::new(),
            rewrites: 0,
        }
    }

    /// The index of the last entry (the snapshot's if the log holds none after it).
    pub fn last_index(&self) -> LogIndex {
        self.snapshot_index + self.entries.len() as LogIndex
    }

    /// The term of the last entry (0 for an empty log).
    pub fn last_term(&self) -> Term {
        self.entries
            .last()
            .map_or(self.snapshot_term, |entry| entry.term)
    }

    /// The index of the last entry folded into the snapshot.
    pub fn snapshot_index(&self) -> LogIndex {
        self.snapshot_index
    }

    /// The term of the last entry folded into the snapshot.
    pub fn snapshot_term(&self) -> Term {
        self.snapshot_term
    }

    /// How many entries are held after the snapshot.
    pub fn len_after_snapshot(&self) -> usize {
        self.entries.len()
    }

    /// How many times the log lost a suffix or was replaced by a snapshot.
    pub fn rewrites(&self) -> u64 {
        self.rewrites
    }

    /// The term of the entry at `index`, if the log knows it (index 0 has term 0; the
    /// snapshot's last index has the snapshot's term; compacted indexes are unknown).
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == self.snapshot_index {
            return Some(self.snapshot_term);
        }
        self.entry(index).map(|entry| entry.term)
    }

    /// The entry at `index`, if it is held (not compacted, not past the end).
    pub fn entry(&self, index: LogIndex) -> Option<&Arc<Entry>> {
        let offset = index.checked_sub(self.snapshot_index + 1)?;
        self.entries.get(usize::try_from(offset).ok()?)
    }

    /// Up to `count_max` entries starting at `index` (which must be after the snapshot).
    pub fn entries_from(&self, index: LogIndex, count_max: usize) -> Vec<Arc<Entry>> {
        let Some(offset) = index.checked_sub(self.snapshot_index + 1) else {
            return Vec::new();
        };
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.entries.len());
        let end = start.saturating_add(count_max);
        self.entries.range_to_vec(start, end)
    }

    /// Whether a log ending at (`last_index`, `last_term`) is at least as up-to-date as
    /// this one (section 5.4.1): the later last term wins, and with equal last terms the
    /// longer log wins.
    pub fn is_up_to_date(&self, last_index: LogIndex, last_term: Term) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    /// Appends `entry` at the end.
    pub fn append(&mut self, entry: Arc<Entry>) {
        if matches!(entry.command, Command::Configuration { .. }) {
            self.configuration_indexes.push(self.last_index() + 1);
        }
        self.entries.push(entry);
    }

    /// Removes the entry at `index` and every entry after it (a conflicting suffix).
    pub fn truncate_from(&mut self, index: LogIndex) {
        let keep = index.saturating_sub(self.snapshot_index + 1);
        let keep = usize::try_from(keep).unwrap_or(usize::MAX);
        if keep < self.entries.len() {
            self.entries.truncate(keep);
            self.configuration_indexes
                .retain(|&configuration| configuration < index);
            self.rewrites += 1;
        }
    }

    /// The first index holding `term` among held entries, at or before `index`, walking
    /// back while the term stays the same. This is the conflict hint of the fast back-off
    /// (section 5.3): the follower names the whole run of the conflicting term at once.
    pub fn first_index_of_term_run(&self, index: LogIndex, term: Term) -> LogIndex {
        let mut first = index;
        while first > self.snapshot_index + 1 && self.term_at(first - 1) == Some(term) {
            first -= 1;
        }
        first
    }

    /// The last index holding `term`, if the log holds any entry of that term.
    pub fn last_index_of_term(&self, term: Term) -> Option<LogIndex> {
        // Terms never decrease along a log, so the scan from the end stops early.
        let mut index = self.last_index();
        while index > self.snapshot_index {
            let entry_term = self.term_at(index)?;
            if entry_term == term {
                return Some(index);
            }
            if entry_term < term {
                return None;
            }
            index -= 1;
        }
        (self.snapshot_term == term && term != 0).then_some(self.snapshot_index)
    }

    /// The current configuration: the latest configuration entry in the log, committed or
    /// not, or the one in force before the log began.
    pub fn members(&self) -> &[NodeId] {
        self.configuration_indexes
            .last()
            .and_then(|&index| self.members_at_entry(index))
            .unwrap_or(&self.base_members)
    }

    /// The configuration in force at `index` (as of that entry).
    pub fn members_as_of(&self, index: LogIndex) -> Vec<NodeId> {
        self.configuration_indexes
            .iter()
            .rev()
            .find(|&&configuration| configuration <= index)
            .and_then(|&configuration| self.members_at_entry(configuration))
            .unwrap_or(&self.base_members)
            .to_vec()
    }

    /// Whether a configuration entry sits after `index` (an uncommitted change if `index`
    /// is the commit index).
    pub fn has_configuration_after(&self, index: LogIndex) -> bool {
        self.configuration_indexes
            .last()
            .is_some_and(|&configuration| configuration > index)
    }

    fn members_at_entry(&self, index: LogIndex) -> Option<&[NodeId]> {
        match &self.entry(index)?.command {
            Command::Configuration { members } => Some(members),
            _ => None,
        }
    }

    /// Folds every entry up to `index` into a snapshot whose state is already taken by the
    /// caller (section 7): the entries are dropped and the prefix's last index, term and
    /// configuration are remembered.
    pub fn compact_to(&mut self, index: LogIndex) {
        if index <= self.snapshot_index || index > self.last_index() {
            return;
        }
        let term = self.term_at(index).unwrap_or(self.snapshot_term);
        let members = self.members_as_of(index);
        let drop = usize::try_from(index - self.snapshot_index).unwrap_or(usize::MAX);
        self.entries.drop_front(drop);
        self.configuration_indexes
            .retain(|&configuration| configuration > index);
        self.snapshot_index = index;
        self.snapshot_term = term;
        self.base_members = members;
    }

    /// Installs a snapshot received from the leader (section 7, InstallSnapshot rule 6
    /// and 7): if the log holds the snapshot's last entry, the entries after it are kept;
    /// otherwise the whole log is discarded.
    pub fn install_snapshot(&mut self, snapshot: &Snapshot) {
        let index = snapshot.last_included_index;
        if self.term_at(index) == Some(snapshot.last_included_term) && index <= self.last_index() {
            self.compact_to(index);
            self.base_members = snapshot.members.clone();
            return;
        }
        self.entries.clear();
        self.configuration_indexes.clear();
        self.snapshot_index = index;
        self.snapshot_term = snapshot.last_included_term;
        self.base_members = snapshot.members.clone();
        self.rewrites += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: Term) -> Arc<Entry> {
        Arc::new(Entry {
            term,
            command: Command::Noop,
        })
    }

    fn log_of_terms(terms: &[Term]) -> Log {
        let mut log = Log::new(vec![1, 2, 3]);
        for &term in terms {
            log.append(entry(term));
        }
        log
    }

    #[test]
    fn the_empty_log_ends_at_index_zero_with_term_zero() {
        let log = Log::new(vec![1]);
        assert_eq!(log.last_index(), 0);
        assert_eq!(log.last_term(), 0);
        assert_eq!(log.term_at(0), Some(0));
        assert_eq!(log.term_at(1), None);
    }

    #[test]
    fn a_later_last_term_is_more_up_to_date_than_a_longer_log() {
        // Section 5.4.1: "If the logs have last entries with different terms, then the log
        // with the later term is more up-to-date."
        let log = log_of_terms(&[1, 1, 1, 1]);
        assert!(log.is_up_to_date(1, 2));
        assert!(!log.is_up_to_date(3, 1));
        // "If the logs end with the same term, then whichever log is longer is more up-to-date."
        assert!(log.is_up_to_date(4, 1));
        assert!(!log.is_up_to_date(3, 1));
    }

    #[test]
    fn truncation_removes_the_suffix_and_reverts_the_configuration() {
        let mut log = log_of_terms(&[1]);
        log.append(Arc::new(Entry {
            term: 2,
            command: Command::Configuration {
                members: vec![1, 2, 3, 4],
            },
        }));
        assert_eq!(log.members(), &[1, 2, 3, 4]);
        log.truncate_from(2);
        assert_eq!(log.last_index(), 1);
        assert_eq!(log.members(), &[1, 2, 3]);
        assert_eq!(log.rewrites(), 1);
    }

    #[test]
    fn compaction_keeps_the_last_included_index_and_term_for_the_consistency_check() {
        let mut log = log_of_terms(&[1, 1, 2, 3]);
        log.compact_to(3);
        assert_eq!(log.snapshot_index(), 3);
        assert_eq!(log.term_at(3), Some(2));
        assert_eq!(log.term_at(2), None);
        assert_eq!(log.last_index(), 4);
        assert_eq!(log.entries_from(4, 10).len(), 1);
    }

    #[test]
    fn the_conflict_hint_names_the_first_index_of_the_conflicting_term() {
        let log = log_of_terms(&[1, 2, 2, 2, 3]);
        assert_eq!(log.first_index_of_term_run(4, 2), 2);
        assert_eq!(log.last_index_of_term(2), Some(4));
        assert_eq!(log.last_index_of_term(5), None);
    }

    #[test]
    fn chunked_entries_behave_like_a_vector_and_clones_do_not_see_later_writes() {
        let mut entries = Entries::default();
        let mut model: Vec<Term> = Vec::new();
        for term in 0..(3 * CHUNK_LEN as Term + 5) {
            entries.push(entry(term));
            model.push(term);
        }
        let frozen = entries.clone();
        entries.truncate(CHUNK_LEN + 3);
        model.truncate(CHUNK_LEN + 3);
        entries.push(entry(999));
        model.push(999);
        entries.drop_front(7);
        model.drain(..7);
        let terms: Vec<Term> = entries.iter().map(|entry| entry.term).collect();
        assert_eq!(terms, model);
        assert_eq!(entries.len(), model.len());
        assert_eq!(entries.last().map(|entry| entry.term), Some(999));
        assert_eq!(entries.get(model.len()), None);
        assert_eq!(frozen.len(), 3 * CHUNK_LEN + 5);
        assert_eq!(
            frozen.get(CHUNK_LEN + 3).map(|entry| entry.term),
            Some(CHUNK_LEN as Term + 3)
        );
    }

    #[test]
    fn installing_a_snapshot_that_matches_a_held_entry_keeps_what_follows() {
        let mut log = log_of_terms(&[1, 1, 2]);
        let snapshot = Snapshot {
            last_included_index: 2,
            last_included_term: 1,
            members: vec![1, 2, 3],
            store: KvStore::default(),
        };
        log.install_snapshot(&snapshot);
        assert_eq!(log.last_index(), 3);
        let mut other = log_of_terms(&[1, 3]);
        other.install_snapshot(&snapshot);
        assert_eq!(other.last_index(), 2);
        assert_eq!(other.len_after_snapshot(), 0);
    }
}
