//! The ordered event log of a run and its fingerprint.
//!
//! # The fingerprint (trace hash)
//!
//! Every event a run records is fed, in order, into one 64-bit hash
//! ([`FingerprintHasher`]). The hasher works on 64-bit words: it starts from
//! [`FINGERPRINT_SEED`] and for each word `w` does
//! `x = (state ^ w) * FINGERPRINT_MULTIPLIER` (wrapping) then
//! `state = x ^ (x >> 32)`. Every integer written, whatever its width, is one word
//! (zero-extended; signed integers are sign-extended to 64 bits first). A byte
//! string is cut into 8-byte little-endian words; a final partial word holds the
//! remaining bytes little-endian with their count in its top byte. (Byte-at-a-time
//! FNV-1a, the obvious choice, took a fifth of the engine's time per event.)
//!
//! For each event the words are:
//!
//! 1. the event's virtual time;
//! 2. its code ([`TraceEvent::code`]);
//! 3. its fields in declaration order: node ids, times, message kinds and names
//!    as byte strings followed by the word `0xff`, drop reasons as their position
//!    in [`DropReason::ALL`], partition groups as a count then each group's count
//!    and ids;
//! 4. a payload tag (0 none, 1 message, 2 timer, 3 request, 4 reply) and then the
//!    payload's derived `Hash`.
//!
//! Because `usize` and `isize` (which derived `Hash` uses for enum discriminants and
//! lengths) are written as one 64-bit word like every other integer, a 32-bit
//! WebAssembly build and a 64-bit native build produce the same hash. Changing any
//! of this changes every stored fingerprint (`core/tests/preset_hashes.json`), so
//! treat it as a file format.
//!
//! # The log
//!
//! Only the newest `capacity` entries are kept (the UI shows a tail), in chunks
//! shared between clones, so that time-travel snapshots copy at most one chunk.

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::Serialize;

use crate::event::{DropReason, TraceEvent};
use crate::protocol::{MessageInfo, NodeId, Protocol, Time};

/// The run fingerprint's hasher: a word-at-a-time multiply-xorshift hash over
/// little-endian 64-bit words, identical on every platform (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FingerprintHasher {
    state: u64,
}

/// The fingerprint's initial state (the FNV-1a 64 offset basis, reused as a
/// nothing-up-my-sleeve constant).
pub const FINGERPRINT_SEED: u64 = 0xcbf2_9ce4_8422_2325;
/// The fingerprint's multiplier (2^64 divided by the golden ratio, odd).
pub const FINGERPRINT_MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

impl Default for FingerprintHasher {
    fn default() -> Self {
        Self {
            state: FINGERPRINT_SEED,
        }
    }
}

impl FingerprintHasher {
    /// A hasher in its initial state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Mixes one word into the state. Both steps are bijections of the state for
    /// a fixed word, so no two states ever merge.
    #[inline]
    pub fn word(&mut self, word: u64) {
        let mixed = (self.state ^ word).wrapping_mul(FINGERPRINT_MULTIPLIER);
        self.state = mixed ^ (mixed >> 32);
    }
}

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.state
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            word[7] = rest.len() as u8;
            self.word(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.word(u64::from(value));
    }

    #[inline]
    fn write_u16(&mut self, value: u16) {
        self.word(u64::from(value));
    }

    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.word(u64::from(value));
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.word(value);
    }

    #[inline]
    fn write_u128(&mut self, value: u128) {
        self.word(value as u64);
        self.word((value >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        // One 64-bit word on every target, so 32-bit and 64-bit builds agree.
        self.word(value as u64);
    }

    #[inline]
    fn write_i8(&mut self, value: i8) {
        self.word(i64::from(value) as u64);
    }

    #[inline]
    fn write_i16(&mut self, value: i16) {
        self.word(i64::from(value) as u64);
    }

    #[inline]
    fn write_i32(&mut self, value: i32) {
        self.word(i64::from(value) as u64);
    }

    #[inline]
    fn write_i64(&mut self, value: i64) {
        self.word(value as u64);
    }

    #[inline]
    fn write_i128(&mut self, value: i128) {
        self.write_u128(value as u128);
    }

    #[inline]
    fn write_isize(&mut self, value: isize) {
        self.word(value as i64 as u64);
    }
}

/// The protocol-specific content that goes with a trace event.
#[derive(Debug, Clone)]
pub enum Payload<P: Protocol> {
    /// Nothing beyond the event itself.
    None,
    /// The message delivered or dropped.
    Message(P::Message),
    /// The timer that fired.
    Timer(P::Timer),
    /// The client request sent.
    Request(P::Request),
    /// The reply given.
    Reply(P::Reply),
}

/// One entry of the log.
#[derive(Debug, Clone)]
pub struct TraceRecord<P: Protocol> {
    /// When it happened.
    pub time: Time,
    /// What happened.
    pub event: TraceEvent,
    /// The message, timer, request or reply involved.
    pub payload: Payload<P>,
    /// For a delivery or a drop: which message it was and when it was sent, so a
    /// space-time diagram can draw the arrow from its send (see `crate::spacetime`). Not
    /// part of the fingerprint.
    pub message: Option<MessageLink>,
    /// The node's role after handling this event, when the handler changed it (Raft's
    /// "became leader"). Not part of the fingerprint.
    pub role: Option<&'static str>,
}

/// Which message a delivery or drop concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageLink {
    /// The simulator's run-unique message id (the same id [`crate::sim::MessageView`] carries).
    pub id: u64,
    /// When it was sent (µs).
    pub sent_at: Time,
}

/// What the UI shows for one trace entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceEntryView {
    /// The entry's position in the whole run (0 for the first event ever recorded): the
    /// same event keeps it when the run is replayed, so views can select it by number.
    pub seq: u64,
    /// When it happened (µs).
    pub time: Time,
    /// A one-line description.
    pub text: String,
    /// The event's tag (e.g. `"deliver"`), for colour and filtering.
    pub kind: &'static str,
    /// The nodes involved.
    pub nodes: Vec<NodeId>,
}

impl<P: Protocol> TraceRecord<P> {
    /// Renders the entry for the UI. Summaries are computed here, on demand, never
    /// on the simulation's hot path.
    pub fn view(&self, seq: u64) -> TraceEntryView {
        TraceEntryView {
            seq,
            time: self.time,
            text: self.text(),
            kind: self.event.tag(),
            nodes: self.event.nodes(),
        }
    }

    fn payload_text(&self) -> String {
        match &self.payload {
            Payload::None => String::new(),
            Payload::Message(message) => {
                let summary = message.summary();
                if summary.is_empty() {
                    message.kind().to_string()
                } else {
                    format!("{} ({summary})", message.kind())
                }
            }
            Payload::Timer(timer) => format!("{timer:?}"),
            Payload::Request(request) => compact_json(request),
            Payload::Reply(reply) => compact_json(reply),
        }
    }

    /// A one-line description in plain words.
    pub fn text(&self) -> String {
        let payload = self.payload_text();
        match &self.event {
            TraceEvent::Deliver { from, to, .. } => {
                format!("node {to} received {payload} from node {from}")
            }
            TraceEvent::Drop {
                from, to, reason, ..
            } => format!(
                "{payload} from node {from} to node {to} was dropped: {}",
                reason.describe()
            ),
            TraceEvent::TimerFired { node } => format!("node {node}: timer {payload} fired"),
            TraceEvent::DiskWriteDone { node } => format!("node {node} finished a disk write"),
            TraceEvent::Crash { node } => format!("node {node} crashed"),
            TraceEvent::Restart { node } => format!("node {node} restarted from its disk"),
            TraceEvent::Pause { node } => format!("node {node} paused"),
            TraceEvent::Resume { node } => format!("node {node} resumed"),
            TraceEvent::AddNode { node } => format!("node {node} joined"),
            TraceEvent::RemoveNode { node } => format!("node {node} was removed"),
            TraceEvent::CutLink { from, to } => format!("link {from} → {to} cut"),
            TraceEvent::HealLink { from, to } => format!("link {from} → {to} healed"),
            TraceEvent::Isolate { node } => format!("node {node} isolated from the network"),
            TraceEvent::Partition { groups } => format!("network partitioned into {groups:?}"),
            TraceEvent::HealAll => "every network fault healed".to_string(),
            TraceEvent::SetLink { from, to } => format!("link {from} → {to} reconfigured"),
            TraceEvent::ClientRequest { node, request } => {
                format!("client request #{request} to node {node}: {payload}")
            }
            TraceEvent::ClientReply { node, request } => {
                format!("node {node} answered request #{request}: {payload}")
            }
            TraceEvent::Lab { name } => format!("lab action {name}"),
            TraceEvent::Violation { property, nodes } => {
                format!("invariant {property:?} violated (nodes {nodes:?})")
            }
            TraceEvent::Warning { property, nodes } => {
                format!("liveness expectation {property:?} not met (nodes {nodes:?})")
            }
        }
    }
}

fn compact_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| format!("<{error}>"))
}

/// Entries per shared chunk of the log.
const CHUNK_LEN: usize = 256;

/// The bounded log and the running fingerprint of a run.
#[derive(Debug, Clone)]
pub struct Trace<P: Protocol> {
    hasher: FingerprintHasher,
    recorded: u64,
    capacity: usize,
    full_chunks: VecDeque<Arc<Vec<TraceRecord<P>>>>,
    current: Vec<TraceRecord<P>>,
}

impl<P: Protocol> Trace<P> {
    /// An empty trace that keeps the newest `capacity` entries (at least one chunk).
    pub fn new(capacity: usize) -> Self {
        Self {
            hasher: FingerprintHasher::new(),
            recorded: 0,
            capacity: capacity.max(CHUNK_LEN),
            full_chunks: VecDeque::new(),
            current: Vec::with_capacity(CHUNK_LEN),
        }
    }

    /// The fingerprint of everything recorded so far.
    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }

    /// How many events were recorded in total (including those no longer kept).
    pub fn recorded(&self) -> u64 {
        self.recorded
    }

    /// Hashes and keeps one event.
    pub fn record(&mut self, time: Time, event: TraceEvent, payload: Payload<P>) {
        self.record_message(time, event, payload, None);
    }

    /// Hashes and keeps one event, with the message it delivered or dropped (which is kept
    /// beside the event, not hashed).
    pub fn record_message(
        &mut self,
        time: Time,
        event: TraceEvent,
        payload: Payload<P>,
        message: Option<MessageLink>,
    ) {
        hash_event(&mut self.hasher, time, &event, &payload);
        self.recorded += 1;
        self.current.push(TraceRecord {
            time,
            event,
            payload,
            message,
            role: None,
        });
        if self.current.len() == CHUNK_LEN {
            let chunk = std::mem::replace(&mut self.current, Vec::with_capacity(CHUNK_LEN));
            self.full_chunks.push_back(Arc::new(chunk));
            while self.full_chunks.len() * CHUNK_LEN > self.capacity {
                self.full_chunks.pop_front();
            }
        }
    }

    /// Notes that handling the newest entry changed `node`'s role to `role`, if that entry
    /// concerns `node` (not hashed; for the space-time diagram).
    pub fn note_role(&mut self, node: NodeId, role: &'static str) {
        let last = match self.current.last_mut() {
            Some(last) => last,
            // The newest entry just filled a chunk; a snapshot may share that chunk, so
            // it is copied before the change (role changes are rare).
            None => match self
                .full_chunks
                .back_mut()
                .and_then(|chunk| Arc::make_mut(chunk).last_mut())
            {
                Some(last) => last,
                None => return,
            },
        };
        if last.event.nodes().contains(&node) {
            last.role = Some(role);
        }
    }

    /// How many entries are kept.
    pub fn retained(&self) -> usize {
        self.full_chunks.len() * CHUNK_LEN + self.current.len()
    }

    /// The run-wide position ([`TraceEntryView::seq`]) of the oldest entry kept.
    pub fn first_retained_seq(&self) -> u64 {
        self.recorded - self.retained() as u64
    }

    /// Every entry kept, oldest first (both ends: the space-time query also walks it
    /// backwards from the newest).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &TraceRecord<P>> {
        self.full_chunks
            .iter()
            .flat_map(|chunk| chunk.iter())
            .chain(self.current.iter())
    }

    /// The newest `count` entries, oldest first.
    pub fn tail(&self, count: usize) -> Vec<&TraceRecord<P>> {
        let mut newest_first: Vec<&TraceRecord<P>> = Vec::with_capacity(count.min(self.capacity));
        for record in self.current.iter().rev() {
            if newest_first.len() >= count {
                break;
            }
            newest_first.push(record);
        }
        'chunks: for chunk in self.full_chunks.iter().rev() {
            for record in chunk.iter().rev() {
                if newest_first.len() >= count {
                    break 'chunks;
                }
                newest_first.push(record);
            }
        }
        newest_first.reverse();
        newest_first
    }
}

fn hash_str(hasher: &mut FingerprintHasher, text: &str) {
    hasher.write(text.as_bytes());
    hasher.word(0xff);
}

fn reason_code(reason: DropReason) -> u8 {
    DropReason::ALL
        .iter()
        .position(|candidate| *candidate == reason)
        .unwrap_or(usize::from(u8::MAX)) as u8
}

/// Feeds one event into `hasher` following the scheme in the module docs.
pub fn hash_event<P: Protocol>(
    hasher: &mut FingerprintHasher,
    time: Time,
    event: &TraceEvent,
    payload: &Payload<P>,
) {
    hasher.write_u64(time);
    hasher.write_u8(event.code());
    match event {
        TraceEvent::Deliver {
            from,
            to,
            kind,
            sent_at,
        } => {
            hasher.write_u32(*from);
            hasher.write_u32(*to);
            hash_str(hasher, kind);
            hasher.write_u64(*sent_at);
        }
        TraceEvent::Drop {
            from,
            to,
            kind,
            reason,
        } => {
            hasher.write_u32(*from);
            hasher.write_u32(*to);
            hash_str(hasher, kind);
            hasher.write_u8(reason_code(*reason));
        }
        TraceEvent::CutLink { from, to }
        | TraceEvent::HealLink { from, to }
        | TraceEvent::SetLink { from, to } => {
            hasher.write_u32(*from);
            hasher.write_u32(*to);
        }
        TraceEvent::TimerFired { node }
        | TraceEvent::DiskWriteDone { node }
        | TraceEvent::Crash { node }
        | TraceEvent::Restart { node }
        | TraceEvent::Pause { node }
        | TraceEvent::Resume { node }
        | TraceEvent::AddNode { node }
        | TraceEvent::RemoveNode { node }
        | TraceEvent::Isolate { node } => hasher.write_u32(*node),
        TraceEvent::ClientRequest { node, request } | TraceEvent::ClientReply { node, request } => {
            hasher.write_u32(*node);
            hasher.write_u64(*request);
        }
        TraceEvent::Partition { groups } => {
            hasher.write_u64(groups.len() as u64);
            for group in groups {
                hasher.write_u64(group.len() as u64);
                for node in group {
                    hasher.write_u32(*node);
                }
            }
        }
        TraceEvent::HealAll => {}
        TraceEvent::Lab { name } => hash_str(hasher, name),
        TraceEvent::Violation { property, nodes } | TraceEvent::Warning { property, nodes } => {
            hash_str(hasher, property);
            hasher.write_u64(nodes.len() as u64);
            for node in nodes {
                hasher.write_u32(*node);
            }
        }
    }
    match payload {
        Payload::None => hasher.write_u8(0),
        Payload::Message(message) => {
            hasher.write_u8(1);
            message.hash(hasher);
        }
        Payload::Timer(timer) => {
            hasher.write_u8(2);
            timer.hash(hasher);
        }
        Payload::Request(request) => {
            hasher.write_u8(3);
            request.hash(hasher);
        }
        Payload::Reply(reply) => {
            hasher.write_u8(4);
            reply.hash(hasher);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hasher_is_pinned_to_its_documented_scheme() {
        // Computed by hand from the scheme in the module docs; if this changes,
        // every stored fingerprint changes with it.
        let empty = FingerprintHasher::new();
        assert_eq!(empty.finish(), FINGERPRINT_SEED);
        let mut one = FingerprintHasher::new();
        one.write_u64(1);
        let mixed = (FINGERPRINT_SEED ^ 1).wrapping_mul(FINGERPRINT_MULTIPLIER);
        assert_eq!(one.finish(), mixed ^ (mixed >> 32));
        let mut bytes = FingerprintHasher::new();
        bytes.write(b"abc");
        let mut by_word = FingerprintHasher::new();
        by_word.word(u64::from_le_bytes([b'a', b'b', b'c', 0, 0, 0, 0, 3]));
        assert_eq!(bytes.finish(), by_word.finish());
    }

    #[test]
    fn narrow_integers_hash_as_one_widened_word() {
        let mut narrow = FingerprintHasher::new();
        narrow.write_u32(7);
        narrow.write_i8(-1);
        let mut wide = FingerprintHasher::new();
        wide.write_u64(7);
        wide.write_i64(-1);
        assert_eq!(narrow.finish(), wide.finish());
    }

    #[test]
    fn the_order_of_words_matters() {
        let mut forward = FingerprintHasher::new();
        forward.write_u64(1);
        forward.write_u64(2);
        let mut backward = FingerprintHasher::new();
        backward.write_u64(2);
        backward.write_u64(1);
        assert_ne!(forward.finish(), backward.finish());
    }

    #[test]
    fn usize_hashes_like_u64_so_32_and_64_bit_targets_agree() {
        let mut as_usize = FingerprintHasher::new();
        as_usize.write_usize(7);
        let mut as_u64 = FingerprintHasher::new();
        as_u64.write_u64(7);
        assert_eq!(as_usize.finish(), as_u64.finish());
        let mut as_isize = FingerprintHasher::new();
        as_isize.write_isize(-1);
        let mut as_i64 = FingerprintHasher::new();
        as_i64.write_i64(-1);
        assert_eq!(as_isize.finish(), as_i64.finish());
    }
}
