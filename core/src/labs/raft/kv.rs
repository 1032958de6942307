//! The replicated state machine: a key-value store with client sessions.
//!
//! Every server applies the same committed log entries in the same order to its own
//! [`KvStore`], so every store passes through the same sequence of states (the paper's
//! State Machine Safety property is what guarantees the "same entries" part). The store is
//! deliberately tiny: string keys, string values, and three operations that are enough to
//! show linearizability at work: `Put`, `Get` and compare-and-swap.
//!
//! A client that does not hear back may retry its request, and the retry may reach a
//! different leader after the first attempt was already committed. Section 8 of the paper
//! (and chapter 6.3 of Ongaro's thesis) fixes this with sessions: each client numbers its
//! requests, and the state machine remembers, per client, the highest number applied and
//! its answer. A retried request is answered from that memory instead of being applied a
//! second time, which makes every request take effect at most once.

use crate::collections::SortedMap;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Time;
use crate::check::{KvInput, KvOutput, Op};

/// A client's identity for sessions. Zero means "no session": such requests are applied
/// every time they are committed, which is what a learner gets when a scenario does not
/// number its requests.
pub type ClientId = u64;

/// How many client sessions a store remembers. Past this, the session that was used least
/// recently is forgotten (deterministically, so every replica forgets the same one): a
/// retry from that client can then be applied twice, the documented price of a bound.
pub const SESSIONS_MAX: usize = 1_024;

/// A key-value operation, as a client asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    /// Set `key` to `value`.
    Put {
        /// The key to write.
        key: String,
        /// The value to store.
        value: String,
    },
    /// Read `key`. Reads go through the log like writes, which makes them linearizable, or,
    /// with the `read_index` option, through a confirmed heartbeat round (thesis 6.4).
    Get {
        /// The key to read.
        key: String,
    },
    /// Set `key` to `new` only if it currently holds `expected` (`None`: is absent).
    Cas {
        /// The key to compare and write.
        key: String,
        /// The value the key must hold for the write to happen; `None` means absent.
        expected: Option<String>,
        /// The value to write when the comparison succeeds.
        new: String,
    },
    /// Add server `id` to the cluster (single-server membership change, thesis ch. 4).
    AddServer {
        /// The server to add.
        id: u32,
    },
    /// Remove server `id` from the cluster (single-server membership change).
    RemoveServer {
        /// The server to remove.
        id: u32,
    },
}

// Written by hand rather than derived, for a smaller browser build; the format and
// messages are the derive's (see `crate::tagged_enum`, whose tests compare the two).
impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use crate::tagged_enum::{Tagged, decode, required};
        const VARIANTS: &[&str] = &["put", "get", "cas", "add_server", "remove_server"];
        let tagged = Tagged::read(
            deserializer,
            "type",
            VARIANTS,
            "internally tagged enum Operation",
        )?;
        match tagged.variant {
            0 => {
                let (mut key, mut value) = (None, None);
                tagged.fields(
                    &["key", "value"],
                    2,
                    "struct variant Operation::Put",
                    |index, json| {
                        match index {
                            0 => key = Some(decode(json)?),
                            _ => value = Some(decode(json)?),
                        }
                        Ok(())
                    },
                )?;
                Ok(Operation::Put {
                    key: required(key, "key")?,
                    value: required(value, "value")?,
                })
            }
            1 => {
                let mut key = None;
                tagged.fields(&["key"], 1, "struct variant Operation::Get", |_, json| {
                    key = Some(decode(json)?);
                    Ok(())
                })?;
                Ok(Operation::Get {
                    key: required(key, "key")?,
                })
            }
            2 => {
                let (mut key, mut expected, mut new) = (None, None, None);
                tagged.fields(
                    &["key", "expected", "new"],
                    3,
                    "struct variant Operation::Cas",
                    |index, json| {
                        match index {
                            0 => key = Some(decode(json)?),
                            1 => expected = Some(decode(json)?),
                            _ => new = Some(decode(json)?),
                        }
                        Ok(())
                    },
                )?;
                let key = required(key, "key")?;
                // serde reads a missing `Option` field as `None`.
                let expected = expected.unwrap_or(None);
                Ok(Operation::Cas {
                    key,
                    expected,
                    new: required(new, "new")?,
                })
            }
            variant => {
                let mut id = None;
                let expecting = if variant == 3 {
                    "struct variant Operation::AddServer"
                } else {
                    "struct variant Operation::RemoveServer"
                };
                tagged.fields(&["id"], 1, expecting, |_, json| {
                    id = Some(decode(json)?);
                    Ok(())
                })?;
                let id = required(id, "id")?;
                Ok(if variant == 3 {
                    Operation::AddServer { id }
                } else {
                    Operation::RemoveServer { id }
                })
            }
        }
    }
}

impl Operation {
    /// The key this operation touches, if it is a key-value operation.
    pub fn key(&self) -> Option<&str> {
        match self {
            Operation::Put { key, .. } | Operation::Get { key } | Operation::Cas { key, .. } => {
                Some(key)
            }
            Operation::AddServer { .. } | Operation::RemoveServer { .. } => None,
        }
    }
}

/// The answer to a client request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    /// The write (put, successful compare-and-swap, membership change) took effect.
    Ok,
    /// The value read; `None` when the key is absent.
    Value {
        /// The value, or `None` if the key holds nothing.
        value: Option<String>,
    },
    /// The compare-and-swap did not write because the key held something else.
    CasFailed {
        /// What the key held instead (`None`: absent).
        current: Option<String>,
    },
    /// This server is not the leader; `hint` is the leader it knows of, if any. The request
    /// was not appended anywhere, so it did not and will not take effect.
    NotLeader {
        /// The server this one believes is the leader.
        hint: Option<u32>,
    },
    /// The leader lost its leadership after appending the request. The request may still
    /// be committed by a later leader, or may be lost: its outcome is unknown, exactly like
    /// a request whose answer never arrived. Retry with the same sequence number.
    LeadershipLost {
        /// The server this one now believes is the leader.
        hint: Option<u32>,
    },
    /// The request was refused without being appended (bad membership change, overload,
    /// or a sequence number older than the client's last applied one).
    Rejected {
        /// Why, in a sentence.
        reason: String,
    },
}

/// What a store remembers about one client.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Session {
    /// The highest sequence number applied for this client.
    pub last_sequence: u64,
    /// The answer given to that request, returned again to a retry.
    pub last_reply: Reply,
    /// The log index at which the session was last used, to pick which one to forget.
    pub last_used_index: u64,
}

/// The key-value store and the client sessions, as of some log index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct KvStore {
    /// The keys and their values. A B-tree: a workload may write up to a million
    /// distinct keys in any order.
    pub data: BTreeMap<String, String>,
    /// Per-client memory for at-most-once application (at most [`SESSIONS_MAX`]).
    pub sessions: SortedMap<ClientId, Session>,
}

impl KvStore {
    /// Applies a committed operation from `client` numbered `sequence`, found at log
    /// `index`, and returns the answer for the client. Membership operations change
    /// nothing here (they took effect when appended) and answer `Ok`.
    pub fn apply(
        &mut self,
        client: ClientId,
        sequence: u64,
        index: u64,
        operation: &Operation,
    ) -> Reply {
        if client != 0
            && let Some(session) = self.sessions.get_mut(&client)
        {
            if sequence == session.last_sequence {
                // A retry of the request already applied: answer it again, apply nothing.
                session.last_used_index = index;
                return session.last_reply.clone();
            }
            if sequence < session.last_sequence {
                return Reply::Rejected {
                    reason: format!(
                        "client {client} already had request {} applied, so the older request {sequence} is refused",
                        session.last_sequence
                    ),
                };
            }
        }
        let reply = self.execute(operation);
        if client != 0 {
            self.remember(client, sequence, index, reply.clone());
        }
        reply
    }

    /// Runs `operation` on the data, with no session bookkeeping.
    fn execute(&mut self, operation: &Operation) -> Reply {
        match operation {
            Operation::Put { key, value } => {
                self.data.insert(key.clone(), value.clone());
                Reply::Ok
            }
            Operation::Get { key } => Reply::Value {
                value: self.data.get(key).cloned(),
            },
            Operation::Cas { key, expected, new } => {
                let current = self.data.get(key);
                if current == expected.as_ref() {
                    self.data.insert(key.clone(), new.clone());
                    Reply::Ok
                } else {
                    Reply::CasFailed {
                        current: current.cloned(),
                    }
                }
            }
            Operation::AddServer { .. } | Operation::RemoveServer { .. } => Reply::Ok,
        }
    }

    /// Records the answer to `client`'s request `sequence`, forgetting the least recently
    /// used session when the table is full.
    fn remember(&mut self, client: ClientId, sequence: u64, index: u64, reply: Reply) {
        if !self.sessions.contains_key(&client) && self.sessions.len() >= SESSIONS_MAX {
            let oldest = self
                .sessions
                .iter()
                .min_by_key(|(id, session)| (session.last_used_index, **id))
                .map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                self.sessions.remove(&oldest);
            }
        }
        self.sessions.insert(
            client,
            Session {
                last_sequence: sequence,
                last_reply: reply,
                last_used_index: index,
            },
        );
    }
}

/// Turns one client request and its answer into an operation of the linearizability
/// checker's key-value model, so that a run's client history can be judged.
///
/// - A request that was refused without being appended (`NotLeader`, `Rejected`) never took
///   effect and is left out (`None`).
/// - A request without an answer, or answered `LeadershipLost`, may or may not have taken
///   effect: it is pending.
/// - Membership changes are not key-value operations and are left out.
pub fn linearizability_op(
    client: crate::check::ClientId,
    operation: &Operation,
    invoked_at: Time,
    answer: Option<(Time, &Reply)>,
) -> Option<Op<KvInput, KvOutput>> {
    let input = match operation {
        Operation::Put { key, value } => KvInput::Put {
            key: key.clone(),
            value: value.clone(),
        },
        Operation::Get { key } => KvInput::Get { key: key.clone() },
        Operation::Cas { key, expected, new } => KvInput::Cas {
            key: key.clone(),
            expected: expected.clone(),
            new: new.clone(),
        },
        Operation::AddServer { .. } | Operation::RemoveServer { .. } => return None,
    };
    let Some((replied_at, reply)) = answer else {
        return Some(Op::pending(client, invoked_at, input));
    };
    let output = match (reply, &input) {
        (Reply::NotLeader { .. } | Reply::Rejected { .. }, _) => return None,
        (Reply::LeadershipLost { .. }, _) => return Some(Op::pending(client, invoked_at, input)),
        (Reply::Ok, KvInput::Cas { .. }) => KvOutput::Swapped(true),
        (Reply::CasFailed { .. }, _) => KvOutput::Swapped(false),
        (Reply::Value { value }, _) => KvOutput::Value(value.clone()),
        (Reply::Ok, _) => KvOutput::Written,
    };
    Some(Op::completed(client, invoked_at, replied_at, input, output))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &str, value: &str) -> Operation {
        Operation::Put {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn a_retried_request_is_applied_at_most_once_and_answered_again() {
        // Section 8: "the state machine tracks the latest serial number processed for each
        // client, along with the associated response".
        let mut store = KvStore::default();
        let cas = Operation::Cas {
            key: "x".into(),
            expected: None,
            new: "1".into(),
        };
        assert_eq!(store.apply(7, 1, 1, &cas), Reply::Ok);
        // The retry would fail if applied again (x now holds "1"), so getting Ok back proves
        // it was answered from the session.
        assert_eq!(store.apply(7, 1, 2, &cas), Reply::Ok);
        assert_eq!(store.data.get("x"), Some(&"1".to_string()));
    }

    #[test]
    fn requests_without_a_session_are_applied_every_time() {
        let mut store = KvStore::default();
        let cas = Operation::Cas {
            key: "x".into(),
            expected: None,
            new: "1".into(),
        };
        assert_eq!(store.apply(0, 0, 1, &cas), Reply::Ok);
        assert_eq!(
            store.apply(0, 0, 2, &cas),
            Reply::CasFailed {
                current: Some("1".into())
            }
        );
    }

    #[test]
    fn an_older_sequence_number_is_refused() {
        let mut store = KvStore::default();
        store.apply(3, 5, 1, &put("a", "1"));
        assert!(matches!(
            store.apply(3, 4, 2, &put("a", "2")),
            Reply::Rejected { .. }
        ));
        assert_eq!(store.data.get("a"), Some(&"1".to_string()));
    }

    #[test]
    fn a_get_reads_the_latest_put_and_absent_keys_read_as_none() {
        let mut store = KvStore::default();
        store.apply(0, 0, 1, &put("a", "1"));
        assert_eq!(
            store.apply(0, 0, 2, &Operation::Get { key: "a".into() }),
            Reply::Value {
                value: Some("1".into())
            }
        );
        assert_eq!(
            store.apply(0, 0, 3, &Operation::Get { key: "b".into() }),
            Reply::Value { value: None }
        );
    }

    #[test]
    fn answers_map_to_the_checkers_outputs_and_refusals_are_left_out() {
        let cas = Operation::Cas {
            key: "k".into(),
            expected: None,
            new: "1".into(),
        };
        let op = linearizability_op(1, &cas, 5, Some((9, &Reply::Ok))).expect("completed");
        assert_eq!(op.output, Some(KvOutput::Swapped(true)));
        let lost = linearizability_op(1, &cas, 5, Some((9, &Reply::LeadershipLost { hint: None })))
            .expect("pending");
        assert!(lost.is_pending());
        assert!(
            linearizability_op(1, &cas, 5, Some((9, &Reply::NotLeader { hint: None }))).is_none()
        );
        assert!(linearizability_op(1, &Operation::AddServer { id: 3 }, 5, None).is_none());
    }

    #[test]
    fn the_session_table_forgets_the_least_recently_used_client_when_full() {
        let mut store = KvStore::default();
        for client in 1..=SESSIONS_MAX as u64 {
            store.apply(client, 1, client, &put("k", "v"));
        }
        // Client 1 used index 1, the oldest; touching it again makes client 2 the oldest.
        store.apply(1, 1, 5_000, &put("k", "v"));
        store.apply(9_999, 1, 5_001, &put("k", "v"));
        assert_eq!(store.sessions.len(), SESSIONS_MAX);
        assert!(store.sessions.contains_key(&1));
        assert!(!store.sessions.contains_key(&2));
    }
}
