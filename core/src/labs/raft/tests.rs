//! Sans-IO tests of the Raft rules, one per rule of the paper, in the style of etcd-io/raft's
//! `raft_paper_test.go`. A tiny in-test cluster pumps messages between nodes and writes
//! their durable state on every persist; no simulator is involved, so each test drives the
//! exact interleaving the paper describes.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::invariants::{Property, RaftSafety, SafetyViolation};
use super::*;
use crate::protocol::Effect;

/// A deterministic stand-in for the simulator's timer jitter (splitmix64).
struct Jitter(u64);

impl Jitter {
    fn between(&mut self, min: Time, max: Time) -> Time {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        min + z % (max - min + 1)
    }
}

struct InFlight {
    deliver_at: Time,
    from: NodeId,
    to: NodeId,
    message: Message,
}

/// One client request: when it was sent, what it asked, and its first answer.
struct Call {
    request: RequestId,
    invoked_at: Time,
    operation: Operation,
    answer: Option<(Time, Reply)>,
}

/// A handful of Raft nodes wired together by a lossless FIFO network that tests control.
struct Cluster {
    config: Config,
    members: Vec<NodeId>,
    nodes: BTreeMap<NodeId, Raft>,
    disks: BTreeMap<NodeId, Durable>,
    up: BTreeSet<NodeId>,
    cut: BTreeSet<(NodeId, NodeId)>,
    network: VecDeque<InFlight>,
    timers: BTreeMap<(NodeId, Timer), Time>,
    replies: Vec<(RequestId, Reply)>,
    history: Vec<Call>,
    now: Time,
    latency: Time,
    latency_max: Time,
    loss_per_mille: u64,
    duplicate_per_mille: u64,
    jitter: Jitter,
    next_request: RequestId,
    safety: RaftSafety,
    violations: Vec<SafetyViolation>,
}

const STEPS_MAX: usize = 100_000;

impl Cluster {
    fn new(size: NodeId, config: Config) -> Self {
        let members: Vec<NodeId> = (1..=size).collect();
        let mut cluster = Self {
            config,
            members: members.clone(),
            nodes: BTreeMap::new(),
            disks: BTreeMap::new(),
            up: BTreeSet::new(),
            cut: BTreeSet::new(),
            network: VecDeque::new(),
            timers: BTreeMap::new(),
            replies: Vec::new(),
            history: Vec::new(),
            now: 0,
            latency: MICROS_PER_MS,
            latency_max: MICROS_PER_MS,
            loss_per_mille: 0,
            duplicate_per_mille: 0,
            jitter: Jitter(7),
            next_request: 1,
            safety: RaftSafety::new(),
            violations: Vec::new(),
        };
        for id in members {
            let node = Raft::new(id, &cluster.members, &cluster.config);
            cluster.nodes.insert(id, node);
            cluster.disks.insert(id, Durable::default());
            cluster.up.insert(id);
            cluster.start(id);
        }
        cluster
    }

    fn node(&self, id: NodeId) -> &Raft {
        &self.nodes[&id]
    }

    fn context(&self, id: NodeId) -> (NodeId, Time, Vec<NodeId>) {
        (id, self.now, self.members.clone())
    }

    fn start(&mut self, id: NodeId) {
        let (id, now, nodes) = self.context(id);
        let ctx = Context {
            id,
            now,
            nodes: &nodes,
        };
        let mut out = RaftOut::new();
        if let Some(node) = self.nodes.get_mut(&id) {
            node.on_start(&ctx, &mut out);
        }
        self.carry_out(id, out);
    }

    /// Carries out the effects like the simulator would, with an instant disk.
    fn carry_out(&mut self, id: NodeId, mut out: RaftOut) {
        for effect in out.drain() {
            match effect {
                Effect::Send { to, message } if to == id => {
                    // A node always reaches itself, at once and reliably, as in the engine.
                    self.network.push_back(InFlight {
                        deliver_at: self.now,
                        from: id,
                        to,
                        message,
                    });
                }
                Effect::Send { to, message } => {
                    if self.cut.contains(&(id, to))
                        || self.jitter.between(0, 999) < self.loss_per_mille
                    {
                        continue;
                    }
                    let copies = if self.jitter.between(0, 999) < self.duplicate_per_mille {
                        2
                    } else {
                        1
                    };
                    for _ in 0..copies {
                        let latency = self.jitter.between(self.latency, self.latency_max);
                        self.network.push_back(InFlight {
                            deliver_at: self.now + latency,
                            from: id,
                            to,
                            message: message.clone(),
                        });
                    }
                }
                Effect::SetTimer {
                    timer,
                    delay_min,
                    delay_max,
                } => {
                    let delay = self.jitter.between(delay_min, delay_max);
                    self.timers.insert((id, timer), self.now + delay);
                }
                Effect::CancelTimer { timer } => {
                    self.timers.remove(&(id, timer));
                }
                Effect::Persist => {
                    let durable = self.nodes[&id].durable();
                    self.disks.insert(id, durable);
                }
                // Every write is instant here, so nothing is ever under way.
                Effect::AwaitDisk => {}
                Effect::Reply { request, result } => {
                    if let Some(call) = self.history.iter_mut().find(|call| call.request == request)
                        && call.answer.is_none()
                    {
                        call.answer = Some((self.now, result.clone()));
                    }
                    self.replies.push((request, result));
                }
            }
        }
        self.check();
    }

    /// Checks every property: the running servers' memory and every server's disk.
    fn check(&mut self) {
        let states: Vec<(NodeId, &Raft)> = self
            .nodes
            .iter()
            .filter(|(id, _)| self.up.contains(id))
            .map(|(&id, node)| (id, node))
            .collect();
        let disks = |id: NodeId| self.disks.get(&id);
        let found = self.safety.observe(self.now, &states, &disks);
        self.violations.extend(found);
    }

    fn deliver(&mut self, flight: InFlight) {
        if !self.up.contains(&flight.to) || self.cut.contains(&(flight.from, flight.to)) {
            return;
        }
        let (id, now, nodes) = self.context(flight.to);
        let ctx = Context {
            id,
            now,
            nodes: &nodes,
        };
        let mut out = RaftOut::new();
        if let Some(node) = self.nodes.get_mut(&flight.to) {
            node.on_message(&ctx, flight.from, flight.message, &mut out);
        }
        self.carry_out(flight.to, out);
    }

    /// Delivers messages in FIFO order until none is left (time does not move).
    fn stabilize(&mut self) {
        for _ in 0..STEPS_MAX {
            let Some(flight) = self.network.pop_front() else {
                return;
            };
            self.deliver(flight);
        }
        panic!("the cluster did not stabilize within {STEPS_MAX} deliveries");
    }

    /// Fires `timer` on `id` now, whether or not it is armed.
    fn fire(&mut self, id: NodeId, timer: Timer) {
        if !self.up.contains(&id) {
            return;
        }
        self.timers.remove(&(id, timer));
        let (id, now, nodes) = self.context(id);
        let ctx = Context {
            id,
            now,
            nodes: &nodes,
        };
        let mut out = RaftOut::new();
        if let Some(node) = self.nodes.get_mut(&id) {
            node.on_timer(&ctx, timer, &mut out);
        }
        self.carry_out(id, out);
    }

    fn campaign(&mut self, id: NodeId) {
        self.fire(id, Timer::Election);
        self.stabilize();
    }

    fn heartbeat(&mut self, id: NodeId) {
        self.fire(id, Timer::Heartbeat);
        self.stabilize();
    }

    fn client(&mut self, id: NodeId, operation: Operation) -> RequestId {
        let request = self.next_request;
        self.next_request += 1;
        self.history.push(Call {
            request,
            invoked_at: self.now,
            operation: operation.clone(),
            answer: None,
        });
        let (id, now, nodes) = self.context(id);
        let ctx = Context {
            id,
            now,
            nodes: &nodes,
        };
        let mut out = RaftOut::new();
        if let Some(node) = self.nodes.get_mut(&id) {
            node.on_client(
                &ctx,
                request,
                Request {
                    client: 0,
                    sequence: 0,
                    operation,
                },
                &mut out,
            );
        }
        self.carry_out(id, out);
        request
    }

    fn reply_to(&self, request: RequestId) -> Option<&Reply> {
        self.replies
            .iter()
            .find(|(id, _)| *id == request)
            .map(|(_, reply)| reply)
    }

    fn crash(&mut self, id: NodeId) {
        self.up.remove(&id);
        self.timers.retain(|(node, _), _| *node != id);
        self.network.retain(|flight| flight.to != id);
        self.check();
    }

    fn restart(&mut self, id: NodeId) {
        let durable = self.disks[&id].clone();
        let node = Raft::recover(id, &self.members, &self.config, durable);
        self.nodes.insert(id, node);
        self.up.insert(id);
        self.start(id);
    }

    /// Cuts every link between `id` and the others, both ways.
    fn isolate(&mut self, id: NodeId) {
        for &other in &self.members {
            if other != id {
                self.cut.insert((id, other));
                self.cut.insert((other, id));
            }
        }
    }

    fn heal(&mut self) {
        self.cut.clear();
    }

    /// Runs in virtual time with the jittered timers, until `until` or `STEPS_MAX` events.
    fn run_until(&mut self, until: Time) {
        for _ in 0..STEPS_MAX {
            let message_at = self.network.iter().map(|flight| flight.deliver_at).min();
            let timer = self
                .timers
                .iter()
                .min_by_key(|(key, deadline)| (**deadline, **key))
                .map(|(key, deadline)| (*key, *deadline));
            let next_message = message_at.filter(|&at| timer.is_none_or(|(_, t)| at <= t));
            if let Some(at) = next_message {
                if at > until {
                    break;
                }
                self.now = at;
                let position = self
                    .network
                    .iter()
                    .position(|flight| flight.deliver_at == at)
                    .expect("a message is due");
                let flight = self.network.remove(position).expect("position is valid");
                self.deliver(flight);
            } else if let Some(((id, timer), deadline)) = timer {
                if deadline > until {
                    break;
                }
                self.now = deadline;
                self.fire(id, timer);
            } else {
                break;
            }
        }
        self.now = self.now.max(until);
    }

    fn leaders(&self) -> Vec<NodeId> {
        self.nodes
            .iter()
            .filter(|(id, node)| self.up.contains(id) && node.is_leader())
            .map(|(&id, _)| id)
            .collect()
    }

    fn violated(&self, property: Property) -> bool {
        self.violations.iter().any(|v| v.property == property)
    }

    /// Judges the client history with the linearizability checker.
    fn linearizability(&self) -> crate::check::CheckResult {
        let history: Vec<_> = self
            .history
            .iter()
            .filter_map(|call| {
                kv::linearizability_op(
                    call.request,
                    &call.operation,
                    call.invoked_at,
                    call.answer.as_ref().map(|(time, reply)| (*time, reply)),
                )
            })
            .collect();
        crate::check::check(
            &crate::check::KvModel,
            &history,
            &crate::check::CheckOptions::default(),
        )
        .expect("the recorded history is well formed")
        .result
    }
}

fn put(key: &str, value: &str) -> Operation {
    Operation::Put {
        key: key.into(),
        value: value.into(),
    }
}

fn ctx(id: NodeId, now: Time, nodes: &[NodeId]) -> Context<'_> {
    Context { id, now, nodes }
}

fn sends(out: &RaftOut) -> Vec<(NodeId, &Message)> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { to, message } => Some((*to, message)),
            _ => None,
        })
        .collect()
}

/// The position of the first persist and of the first send, for ordering assertions.
fn persist_and_send_positions(out: &RaftOut) -> (Option<usize>, Option<usize>) {
    let persist = out
        .effects()
        .iter()
        .position(|effect| matches!(effect, Effect::Persist));
    let send = out
        .effects()
        .iter()
        .position(|effect| matches!(effect, Effect::Send { .. }));
    (persist, send)
}

fn entry(term: Term) -> Arc<Entry> {
    Arc::new(Entry {
        term,
        command: Command::Noop,
    })
}

// ---------------------------------------------------------------------------------------
// Leader election (section 5.2)
// ---------------------------------------------------------------------------------------

#[test]
fn a_follower_that_times_out_becomes_a_candidate_votes_for_itself_and_requests_votes() {
    // Section 5.2: "a follower increments its current term and transitions to candidate
    // state. It then votes for itself and issues RequestVote RPCs in parallel".
    let members = [1, 2, 3];
    let mut node = Raft::new(1, &members, &Config::default());
    let mut out = RaftOut::new();
    node.on_timer(&ctx(1, 0, &members), Timer::Election, &mut out);
    assert_eq!(node.current_term(), 1);
    assert_eq!(node.voted_for(), Some(1));
    assert_eq!(node.role(), "candidate");
    let receivers: Vec<NodeId> = sends(&out).iter().map(|(to, _)| *to).collect();
    assert_eq!(receivers, vec![2, 3]);
    // The vote for itself is written before the requests leave.
    let (persist, send) = persist_and_send_positions(&out);
    assert!(persist.expect("persisted") < send.expect("sent"));
}

#[test]
fn election_timeouts_are_drawn_from_the_configured_range() {
    // Section 5.2: "election timeouts are chosen randomly from a fixed interval".
    let members = [1, 2, 3];
    let mut node = Raft::new(1, &members, &Config::default());
    let mut out = RaftOut::new();
    node.on_start(&ctx(1, 0, &members), &mut out);
    assert!(out.effects().contains(&Effect::SetTimer {
        timer: Timer::Election,
        delay_min: 150 * MICROS_PER_MS,
        delay_max: 300 * MICROS_PER_MS,
    }));
}

#[test]
fn without_timeout_randomization_every_server_waits_the_same_time() {
    let members = [1, 2, 3];
    let mut config = Config::default();
    config.bugs.no_timeout_randomization = true;
    let mut node = Raft::new(1, &members, &config);
    let mut out = RaftOut::new();
    node.on_start(&ctx(1, 0, &members), &mut out);
    assert!(out.effects().contains(&Effect::SetTimer {
        timer: Timer::Election,
        delay_min: 150 * MICROS_PER_MS,
        delay_max: 150 * MICROS_PER_MS,
    }));
}

#[test]
fn a_candidate_with_votes_from_a_majority_becomes_leader_and_sends_heartbeats() {
    // Section 5.2: "A candidate wins an election if it receives votes from a majority of
    // the servers in the full cluster for the same term ... It then sends heartbeat
    // messages to all of the other servers to establish its authority".
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    assert_eq!(cluster.leaders(), vec![1]);
    assert_eq!(cluster.node(2).leader_hint(), Some(1));
    assert_eq!(cluster.node(3).leader_hint(), Some(1));
    assert!(cluster.violations.is_empty(), "{:?}", cluster.violations);
}

#[test]
fn a_server_grants_at_most_one_vote_per_term() {
    // Section 5.2: "Each server will vote for at most one candidate in a given term, on a
    // first-come-first-served basis".
    let members = [1, 2, 3];
    let mut voter = Raft::new(3, &members, &Config::default());
    let request = |term| Message::RequestVote {
        term,
        last_log_index: 0,
        last_log_term: 0,
    };
    let mut out = RaftOut::new();
    voter.on_message(&ctx(3, 0, &members), 1, request(1), &mut out);
    voter.on_message(&ctx(3, 0, &members), 2, request(1), &mut out);
    let granted: Vec<bool> = sends(&out)
        .iter()
        .map(|(_, message)| match message {
            Message::RequestVoteResponse { vote_granted, .. } => *vote_granted,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(granted, vec![true, false]);
}

#[test]
fn a_vote_is_written_to_disk_before_it_is_sent() {
    // Figure 2: votedFor is persistent state, "updated on stable storage before
    // responding to RPCs".
    let members = [1, 2, 3];
    let mut voter = Raft::new(2, &members, &Config::default());
    let mut out = RaftOut::new();
    voter.on_message(
        &ctx(2, 0, &members),
        1,
        Message::RequestVote {
            term: 1,
            last_log_index: 0,
            last_log_term: 0,
        },
        &mut out,
    );
    let (persist, send) = persist_and_send_positions(&out);
    assert!(persist.expect("persisted") < send.expect("sent"));
}

#[test]
fn a_server_refuses_a_candidate_whose_log_is_less_up_to_date() {
    // Section 5.4.1: "the voter denies its vote if its own log is more up-to-date than
    // that of the candidate".
    let members = [1, 2, 3];
    let mut voter = Raft::new(2, &members, &Config::default());
    voter.log.append(entry(2));
    voter.current_term = 2;
    let mut out = RaftOut::new();
    voter.on_message(
        &ctx(2, 0, &members),
        1,
        Message::RequestVote {
            term: 3,
            last_log_index: 5,
            last_log_term: 1,
        },
        &mut out,
    );
    assert!(matches!(
        sends(&out)[0].1,
        Message::RequestVoteResponse {
            term: 3,
            vote_granted: false
        }
    ));
    // Seeing the higher term still updates the voter's term (section 5.1).
    assert_eq!(voter.current_term(), 3);
    assert_eq!(voter.voted_for(), None);
}

#[test]
fn a_server_that_sees_a_higher_term_steps_down_to_follower() {
    // Section 5.1: "If a candidate or leader discovers that its term is out of date, it
    // immediately reverts to follower state".
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    let mut out = RaftOut::new();
    let members = [1, 2, 3];
    let leader = cluster.nodes.get_mut(&1).expect("node 1");
    leader.on_message(
        &ctx(1, 0, &members),
        2,
        Message::AppendEntriesResponse {
            term: 7,
            success: false,
            match_index: 0,
            conflict_term: None,
            conflict_index: 0,
            read_round: 0,
        },
        &mut out,
    );
    assert_eq!(leader.role(), "follower");
    assert_eq!(leader.current_term(), 7);
    assert!(out.effects().contains(&Effect::CancelTimer {
        timer: Timer::Heartbeat
    }));
}

#[test]
fn a_request_with_a_stale_term_is_rejected() {
    // Section 5.1: "If a server receives a request with a stale term number, it rejects
    // the request".
    let members = [1, 2, 3];
    let mut node = Raft::new(2, &members, &Config::default());
    node.current_term = 5;
    let mut out = RaftOut::new();
    node.on_message(
        &ctx(2, 0, &members),
        1,
        Message::AppendEntries {
            term: 4,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![entry(4)],
            leader_commit: 0,
            read_round: 0,
        },
        &mut out,
    );
    assert!(matches!(
        sends(&out)[0].1,
        Message::AppendEntriesResponse {
            term: 5,
            success: false,
            ..
        }
    ));
    assert_eq!(node.log().last_index(), 0);
}

#[test]
fn a_candidate_that_hears_from_a_leader_of_its_term_becomes_a_follower() {
    // Section 5.2: "If the leader's term ... is at least as large as the candidate's
    // current term, then the candidate recognizes the leader as legitimate and returns to
    // follower state".
    let members = [1, 2, 3];
    let mut node = Raft::new(2, &members, &Config::default());
    let mut out = RaftOut::new();
    node.on_timer(&ctx(2, 0, &members), Timer::Election, &mut out);
    assert_eq!(node.role(), "candidate");
    node.on_message(
        &ctx(2, 0, &members),
        1,
        Message::AppendEntries {
            term: 1,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![],
            leader_commit: 0,
            read_round: 0,
        },
        &mut out,
    );
    assert_eq!(node.role(), "follower");
    assert_eq!(node.leader_hint(), Some(1));
}

#[test]
fn identical_timeouts_split_the_vote_forever_and_randomized_ones_elect_a_leader() {
    // Section 5.2: "Raft uses randomized election timeouts to ensure that split votes are
    // rare". With the bug, every server times out at the same instant, votes for itself,
    // and no one ever wins.
    let mut broken = Config::default();
    broken.bugs.no_timeout_randomization = true;
    let mut cluster = Cluster::new(5, broken);
    cluster.run_until(5_000 * MICROS_PER_MS);
    assert!(cluster.leaders().is_empty());
    assert!(cluster.violated(Property::ElectionProgress));

    let mut cluster = Cluster::new(5, Config::default());
    cluster.run_until(5_000 * MICROS_PER_MS);
    assert_eq!(cluster.leaders().len(), 1);
    assert!(cluster.violations.is_empty(), "{:?}", cluster.violations);
}

// ---------------------------------------------------------------------------------------
// Log replication (section 5.3)
// ---------------------------------------------------------------------------------------

#[test]
fn the_leader_commits_and_answers_once_a_majority_stores_the_entry() {
    // Section 5.3: "When the entry has been safely replicated ... the leader applies the
    // entry to its state machine and returns the result of that execution to the client."
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    cluster.isolate(3);
    let request = cluster.client(1, put("x", "1"));
    cluster.stabilize();
    assert_eq!(cluster.reply_to(request), Some(&Reply::Ok));
    assert_eq!(
        cluster.node(1).store().data.get("x"),
        Some(&"1".to_string())
    );
    // The follower learns the commit index from the next AppendEntries and applies too.
    cluster.heartbeat(1);
    assert_eq!(
        cluster.node(2).store().data.get("x"),
        Some(&"1".to_string())
    );
    assert_eq!(cluster.node(3).log().last_index(), 1);
}

#[test]
fn a_leader_without_a_majority_never_commits() {
    let mut cluster = Cluster::new(5, Config::default());
    cluster.campaign(1);
    for id in [3, 4, 5] {
        cluster.isolate(id);
    }
    let request = cluster.client(1, put("x", "1"));
    cluster.stabilize();
    cluster.heartbeat(1);
    assert_eq!(cluster.reply_to(request), None);
    // Only the blank entry of the election, stored everywhere, is committed.
    assert_eq!(cluster.node(1).commit_index(), 1);
    assert_eq!(cluster.node(2).log().last_index(), 2);
}

#[test]
fn a_follower_refuses_entries_whose_previous_entry_it_does_not_hold_and_hints_where_to_retry() {
    // Section 5.3: "If the follower does not find an entry in its log with the same index
    // and term, then it refuses the new entries"; and the optimisation: "the follower can
    // include the term of the conflicting entry and the first index it stores for that term".
    let members = [1, 2, 3];
    let mut follower = Raft::new(2, &members, &Config::default());
    for term in [1, 2, 2, 2] {
        follower.log.append(entry(term));
    }
    follower.current_term = 3;
    let mut out = RaftOut::new();
    follower.on_message(
        &ctx(2, 0, &members),
        1,
        Message::AppendEntries {
            term: 3,
            prev_log_index: 4,
            prev_log_term: 3,
            entries: vec![entry(3)],
            leader_commit: 0,
            read_round: 0,
        },
        &mut out,
    );
    assert!(matches!(
        sends(&out)[0].1,
        Message::AppendEntriesResponse {
            success: false,
            conflict_term: Some(2),
            conflict_index: 2,
            ..
        }
    ));
    let mut out = RaftOut::new();
    follower.on_message(
        &ctx(2, 0, &members),
        1,
        Message::AppendEntries {
            term: 3,
            prev_log_index: 9,
            prev_log_term: 3,
            entries: vec![],
            leader_commit: 0,
            read_round: 0,
        },
        &mut out,
    );
    assert!(matches!(
        sends(&out)[0].1,
        Message::AppendEntriesResponse {
            success: false,
            conflict_term: None,
            conflict_index: 5,
            ..
        }
    ));
}

#[test]
fn a_follower_deletes_a_conflicting_entry_and_everything_after_it() {
    // Figure 2, AppendEntries rule 3: "If an existing entry conflicts with a new one (same
    // index but different terms), delete the existing entry and all that follow it".
    let members = [1, 2, 3];
    let mut follower = Raft::new(2, &members, &Config::default());
    for term in [1, 2, 2] {
        follower.log.append(entry(term));
    }
    follower.current_term = 3;
    let mut out = RaftOut::new();
    follower.on_message(
        &ctx(2, 0, &members),
        1,
        Message::AppendEntries {
            term: 3,
            prev_log_index: 1,
            prev_log_term: 1,
            entries: vec![entry(3)],
            leader_commit: 0,
            read_round: 0,
        },
        &mut out,
    );
    assert_eq!(follower.log().last_index(), 2);
    assert_eq!(follower.log().term_at(2), Some(3));
    // The acknowledgement leaves only after the new log is on disk.
    let (persist, send) = persist_and_send_positions(&out);
    assert!(persist.expect("persisted") < send.expect("sent"));
}

#[test]
fn a_follower_keeps_entries_that_match_when_an_old_append_arrives_late() {
    // Figure 2, AppendEntries rule 3 deletes only on conflict: a delayed, shorter
    // AppendEntries must not cut entries the follower already holds.
    let members = [1, 2, 3];
    let mut follower = Raft::new(2, &members, &Config::default());
    for term in [1, 1, 1] {
        follower.log.append(entry(term));
    }
    follower.current_term = 1;
    let mut out = RaftOut::new();
    follower.on_message(
        &ctx(2, 0, &members),
        1,
        Message::AppendEntries {
            term: 1,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![entry(1)],
            leader_commit: 0,
            read_round: 0,
        },
        &mut out,
    );
    assert_eq!(follower.log().last_index(), 3);
}

#[test]
fn a_follower_commits_up_to_the_leaders_commit_index_but_not_past_its_last_new_entry() {
    // Figure 2, AppendEntries rule 5: "set commitIndex = min(leaderCommit, index of last
    // new entry)".
    let members = [1, 2, 3];
    let mut follower = Raft::new(2, &members, &Config::default());
    let mut out = RaftOut::new();
    follower.on_message(
        &ctx(2, 0, &members),
        1,
        Message::AppendEntries {
            term: 1,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![entry(1), entry(1)],
            leader_commit: 5,
            read_round: 0,
        },
        &mut out,
    );
    assert_eq!(follower.commit_index(), 2);
    assert_eq!(follower.last_applied(), 2);
}

#[test]
fn the_leader_repairs_divergent_followers_with_the_conflict_hint() {
    // Section 5.3 and Figure 7: followers may miss entries or hold extra uncommitted ones;
    // the leader finds the last matching entry and overwrites the rest.
    let mut cluster = Cluster::new(3, Config::default());
    {
        let extra = cluster.nodes.get_mut(&2).expect("node 2");
        for term in [1, 1, 1] {
            extra.log.append(entry(term));
        }
        extra.current_term = 1;
    }
    {
        let leader = cluster.nodes.get_mut(&1).expect("node 1");
        for term in [1, 2, 2] {
            leader.log.append(entry(term));
        }
        leader.current_term = 2;
    }
    cluster.disks.insert(1, cluster.node(1).durable());
    cluster.disks.insert(2, cluster.node(2).durable());
    cluster.campaign(1);
    assert_eq!(cluster.leaders(), vec![1]);
    cluster.heartbeat(1);
    let leader_log: Vec<Option<Term>> = (1..=4).map(|i| cluster.node(1).log().term_at(i)).collect();
    for id in [2, 3] {
        let log: Vec<Option<Term>> = (1..=4).map(|i| cluster.node(id).log().term_at(i)).collect();
        assert_eq!(log, leader_log, "server {id}");
    }
    assert_eq!(cluster.node(3).commit_index(), 4);
}

// ---------------------------------------------------------------------------------------
// Safety (section 5.4) and the bug switches
// ---------------------------------------------------------------------------------------

/// The Figure 8 sequence on five servers, with no blank entry at the start of a term so
/// that the old entry is the only one the third leader has to replicate.
fn figure_8(commit_earlier_terms_by_counting: bool) -> Cluster {
    let mut config = Config {
        leader_noop: false,
        ..Config::default()
    };
    config.bugs.commit_earlier_terms_by_counting = commit_earlier_terms_by_counting;
    let mut cluster = Cluster::new(5, config);
    // (a) Server 1 leads term 1 and replicates X at index 1 to server 2 only.
    cluster.campaign(1);
    for id in [3, 4, 5] {
        cluster.cut.insert((1, id));
    }
    cluster.client(1, put("x", "from term 1"));
    cluster.stabilize();
    cluster.heal();
    // (b) Server 1 crashes; server 5 wins term 2 with votes from 3 and 4, accepts Y at
    // index 1, and crashes before replicating it.
    cluster.crash(1);
    cluster.cut.insert((5, 2));
    cluster.cut.insert((2, 5));
    cluster.campaign(5);
    assert_eq!(cluster.leaders(), vec![5]);
    cluster.isolate(5);
    cluster.client(5, put("x", "from term 2"));
    cluster.stabilize();
    cluster.crash(5);
    cluster.heal();
    // (c) Server 1 restarts, wins term 3 and replicates X (term 1) to server 3: X is now
    // on a majority (1, 2, 3). Then it crashes.
    cluster.restart(1);
    // Its first try (term 2) fails: servers 3 and 4 already voted in term 2.
    cluster.campaign(1);
    cluster.campaign(1);
    assert_eq!(cluster.leaders(), vec![1]);
    cluster.heartbeat(1);
    cluster.crash(1);
    // (d) Server 5 restarts and, with a last entry of term 2, wins an election against
    // logs ending in term 1; it overwrites X with Y everywhere.
    cluster.restart(5);
    cluster.campaign(5);
    cluster.campaign(5);
    assert_eq!(cluster.leaders(), vec![5]);
    cluster.client(5, put("y", "from term 4"));
    cluster.stabilize();
    cluster.heartbeat(5);
    cluster
}

#[test]
fn figure_8_an_entry_from_an_earlier_term_on_a_majority_is_not_committed_by_counting() {
    // Section 5.4.2: "Raft never commits log entries from previous terms by counting
    // replicas. Only log entries from the leader's current term are committed by counting".
    let cluster = figure_8(false);
    assert!(cluster.violations.is_empty(), "{:?}", cluster.violations);
    // Y replaced X everywhere that is up, and that is correct: X was never committed.
    assert_eq!(
        cluster.node(2).store().data.get("x"),
        Some(&"from term 2".to_string())
    );
}

#[test]
fn figure_8_committing_an_earlier_term_by_counting_loses_a_committed_entry() {
    let cluster = figure_8(true);
    assert!(
        cluster.violated(Property::LeaderCompleteness),
        "{:?}",
        cluster.violations
    );
    assert!(
        cluster.violated(Property::StateMachineSafety),
        "{:?}",
        cluster.violations
    );
}

/// Server 1 commits an entry with server 2 while server 3 is cut off, then crashes;
/// server 3 asks server 2 for its vote.
fn stale_candidate(vote_without_log_check: bool) -> Cluster {
    let mut config = Config::default();
    config.bugs.vote_without_log_check = vote_without_log_check;
    let mut cluster = Cluster::new(3, config);
    cluster.campaign(1);
    cluster.isolate(3);
    cluster.client(1, put("x", "1"));
    cluster.stabilize();
    cluster.heartbeat(1);
    cluster.crash(1);
    cluster.heal();
    cluster.campaign(3);
    cluster
}

#[test]
fn a_candidate_missing_committed_entries_cannot_win_an_election() {
    // Section 5.4.1: "a candidate must contact a majority of the cluster in order to be
    // elected, which means that every committed entry must be present in at least one of
    // those servers", and the voter refuses a less up-to-date log.
    let cluster = stale_candidate(false);
    assert!(cluster.leaders().is_empty());
    assert!(cluster.violations.is_empty(), "{:?}", cluster.violations);
}

#[test]
fn granting_votes_without_the_log_check_elects_a_leader_missing_committed_entries() {
    let cluster = stale_candidate(true);
    assert_eq!(cluster.leaders(), vec![3]);
    assert!(
        cluster.violated(Property::LeaderCompleteness),
        "{:?}",
        cluster.violations
    );
}

/// Servers 1 and 2 campaign in the same term. Server 3 votes for 1, which wins, then
/// crashes and restarts, and only then receives server 2's request for the same term.
fn double_vote(forget_voted_for_on_restart: bool) -> Cluster {
    let mut config = Config::default();
    config.bugs.forget_voted_for_on_restart = forget_voted_for_on_restart;
    let mut cluster = Cluster::new(3, config);
    cluster.isolate(2);
    cluster.fire(2, Timer::Election);
    cluster.fire(1, Timer::Election);
    // Server 3's vote reaches server 1, but the leader's first AppendEntries does not, so
    // server 3's log stays as short as server 2's.
    let request = cluster
        .network
        .pop_front()
        .expect("server 1 asked server 3");
    cluster.deliver(request);
    cluster.cut.insert((1, 3));
    cluster.stabilize();
    assert_eq!(cluster.leaders(), vec![1]);
    cluster.crash(3);
    cluster.restart(3);
    cluster.cut.remove(&(2, 3));
    cluster.cut.remove(&(3, 2));
    // Server 2's request was lost on the cut link; the paper's candidates retry their RPCs.
    cluster.network.push_back(InFlight {
        deliver_at: 0,
        from: 2,
        to: 3,
        message: Message::RequestVote {
            term: 1,
            last_log_index: 0,
            last_log_term: 0,
        },
    });
    cluster.stabilize();
    cluster
}

#[test]
fn a_restarted_server_remembers_its_vote_and_does_not_vote_twice() {
    // Figure 2: votedFor is persistent state, so "at most one candidate per term" survives
    // crashes.
    let cluster = double_vote(false);
    assert_eq!(cluster.node(2).role(), "candidate");
    assert!(cluster.violations.is_empty(), "{:?}", cluster.violations);
}

#[test]
fn forgetting_the_vote_on_restart_lets_two_leaders_share_a_term() {
    let cluster = double_vote(true);
    assert_eq!(cluster.node(2).role(), "leader");
    assert_eq!(
        cluster.node(1).current_term(),
        cluster.node(2).current_term()
    );
    assert!(
        cluster.violated(Property::ElectionSafety),
        "{:?}",
        cluster.violations
    );
}

// ---------------------------------------------------------------------------------------
// Persistence, clients, membership, options, compaction
// ---------------------------------------------------------------------------------------

#[test]
fn a_restarted_server_keeps_its_term_vote_and_log_and_loses_its_volatile_state() {
    // Figure 2: currentTerm, votedFor and log[] are persistent; commitIndex and
    // lastApplied are volatile and reinitialised to 0 (or the snapshot).
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    cluster.client(1, put("x", "1"));
    cluster.stabilize();
    cluster.heartbeat(1);
    let before = cluster.node(2).durable();
    assert_eq!(cluster.node(2).commit_index(), 2);
    cluster.crash(2);
    cluster.restart(2);
    let node = cluster.node(2);
    assert_eq!(node.durable(), before);
    assert_eq!(node.commit_index(), 0);
    assert!(node.store().data.is_empty());
    cluster.heartbeat(1);
    assert_eq!(
        cluster.node(2).store().data.get("x"),
        Some(&"1".to_string())
    );
}

#[test]
fn a_follower_answers_a_client_with_the_leader_it_knows() {
    // Section 8: "If the client's first choice is not the leader, that server will reject
    // the client's request and supply information about the most recent leader".
    let config = Config {
        forward_to_leader: false,
        ..Config::default()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.campaign(1);
    let request = cluster.client(2, put("x", "1"));
    assert_eq!(
        cluster.reply_to(request),
        Some(&Reply::NotLeader { hint: Some(1) })
    );
}

#[test]
fn a_follower_forwards_a_client_request_to_the_leader_which_answers_it() {
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    let request = cluster.client(2, put("x", "1"));
    assert_eq!(cluster.reply_to(request), None);
    cluster.stabilize();
    assert_eq!(cluster.reply_to(request), Some(&Reply::Ok));
    assert_eq!(
        cluster.node(1).store().data.get("x"),
        Some(&"1".to_string())
    );
}

#[test]
fn a_forwarded_request_that_reaches_a_non_leader_is_refused_not_forwarded_again() {
    let members = [1, 2, 3];
    let mut node = Raft::new(2, &members, &Config::default());
    node.leader_hint = Some(3);
    let mut out = RaftOut::new();
    node.on_message(
        &ctx(2, 0, &members),
        1,
        Message::ForwardRequest {
            request_id: 5,
            request: Request {
                client: 0,
                sequence: 0,
                operation: put("x", "1"),
            },
        },
        &mut out,
    );
    assert_eq!(
        out.effects(),
        &[Effect::Reply {
            request: 5,
            result: Reply::NotLeader { hint: Some(3) }
        }]
    );
}

#[test]
fn reads_go_through_the_log_and_see_the_latest_committed_write() {
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    cluster.client(1, put("x", "1"));
    let read = cluster.client(1, Operation::Get { key: "x".into() });
    cluster.stabilize();
    assert_eq!(
        cluster.reply_to(read),
        Some(&Reply::Value {
            value: Some("1".into())
        })
    );
}

fn read_index_config() -> Config {
    Config {
        read_index: true,
        ..Config::default()
    }
}

#[test]
fn with_read_index_a_read_is_answered_after_a_heartbeat_round_without_a_log_entry() {
    // Thesis 6.4: the leader records its commit index as the read index, "sends a new
    // round of heartbeats and waits for their acknowledgments from a majority", waits until
    // it has applied the read index, then answers from its state machine.
    let mut cluster = Cluster::new(3, read_index_config());
    cluster.campaign(1);
    cluster.client(1, put("x", "1"));
    cluster.stabilize();
    let last_index = cluster.node(1).log().last_index();
    let read = cluster.client(1, Operation::Get { key: "x".into() });
    assert_eq!(
        cluster.reply_to(read),
        None,
        "no answer before a majority confirms the leadership"
    );
    cluster.stabilize();
    assert_eq!(
        cluster.reply_to(read),
        Some(&Reply::Value {
            value: Some("1".into())
        })
    );
    assert_eq!(
        cluster.node(1).log().last_index(),
        last_index,
        "the read never entered the log"
    );
    assert_eq!(
        cluster.linearizability(),
        crate::check::CheckResult::Linearizable
    );
}

#[test]
fn with_read_index_a_leader_cut_off_from_the_majority_never_answers_a_stale_read() {
    // Thesis 6.4: a leader "might not know that it has been deposed", so answering from its
    // own state could return stale data; the heartbeat round prevents it.
    let mut cluster = Cluster::new(3, read_index_config());
    cluster.campaign(1);
    cluster.client(1, put("x", "1"));
    cluster.stabilize();
    cluster.isolate(1);
    cluster.campaign(2);
    assert!(cluster.node(2).is_leader());
    cluster.client(2, put("x", "2"));
    cluster.stabilize();
    let stale = cluster.client(1, Operation::Get { key: "x".into() });
    cluster.heartbeat(1);
    assert_eq!(
        cluster.reply_to(stale),
        None,
        "the old leader cannot confirm its leadership"
    );
    cluster.heal();
    cluster.heartbeat(1);
    assert_eq!(
        cluster.reply_to(stale),
        Some(&Reply::NotLeader { hint: None }),
        "on learning of term 2 it steps down and refuses the read"
    );
    let fresh = cluster.client(2, Operation::Get { key: "x".into() });
    cluster.stabilize();
    assert_eq!(
        cluster.reply_to(fresh),
        Some(&Reply::Value {
            value: Some("2".into())
        })
    );
    assert_eq!(
        cluster.linearizability(),
        crate::check::CheckResult::Linearizable
    );
}

#[test]
fn with_read_index_a_new_leader_waits_for_its_whole_log_before_answering_a_read() {
    // Thesis 6.4, step 1: until a leader has committed an entry of its own term it does not
    // know how far earlier leaders committed, so the read must wait for its whole log.
    let mut cluster = Cluster::new(
        3,
        Config {
            leader_noop: false,
            ..read_index_config()
        },
    );
    cluster.campaign(1);
    cluster.client(1, put("x", "1"));
    cluster.stabilize();
    cluster.crash(1);
    cluster.campaign(2);
    let read = cluster.client(2, Operation::Get { key: "x".into() });
    cluster.stabilize();
    assert_eq!(
        cluster.reply_to(read),
        None,
        "without an entry of term 2 committed, the term-1 entry may not be applied yet"
    );
    cluster.client(2, put("y", "1"));
    cluster.stabilize();
    assert_eq!(
        cluster.reply_to(read),
        Some(&Reply::Value {
            value: Some("1".into())
        })
    );
}

#[test]
fn a_leader_that_steps_down_tells_waiting_clients_the_outcome_is_unknown() {
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    cluster.isolate(1);
    let request = cluster.client(1, put("x", "1"));
    cluster.heal();
    cluster.campaign(2);
    cluster.heartbeat(2);
    assert!(matches!(
        cluster.reply_to(request),
        Some(Reply::LeadershipLost { .. })
    ));
}

#[test]
fn a_retried_request_with_the_same_sequence_number_is_applied_once() {
    // Section 8: clients "assign unique serial numbers to every command", so a command
    // committed twice is executed once.
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    let cas = Request {
        client: 9,
        sequence: 1,
        operation: Operation::Cas {
            key: "x".into(),
            expected: None,
            new: "1".into(),
        },
    };
    let members = [1, 2, 3];
    for request_id in [100, 101] {
        let mut out = RaftOut::new();
        let leader = cluster.nodes.get_mut(&1).expect("leader");
        leader.on_client(&ctx(1, 0, &members), request_id, cas.clone(), &mut out);
        cluster.carry_out(1, out);
        cluster.stabilize();
    }
    assert_eq!(cluster.reply_to(100), Some(&Reply::Ok));
    assert_eq!(cluster.reply_to(101), Some(&Reply::Ok));
}

#[test]
fn an_added_server_counts_toward_majorities_as_soon_as_the_change_is_appended() {
    // Thesis 4.1: "a server always uses the latest configuration in its log, regardless
    // of whether the entry is committed".
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    let request = cluster.client(1, Operation::AddServer { id: 4 });
    assert_eq!(cluster.node(1).members(), &[1, 2, 3, 4]);
    // Server 4 exists but starts knowing only the initial configuration; it learns the
    // log from the leader.
    let node = Raft::new(4, &[1, 2, 3], &cluster.config);
    cluster.nodes.insert(4, node);
    cluster.up.insert(4);
    cluster.members.push(4);
    cluster.start(4);
    assert_eq!(cluster.node(4).role(), "removed");
    cluster.stabilize();
    cluster.heartbeat(1);
    assert_eq!(cluster.reply_to(request), Some(&Reply::Ok));
    assert_eq!(cluster.node(4).members(), &[1, 2, 3, 4]);
    assert_eq!(cluster.node(4).role(), "follower");
    // With four members a majority is three: the leader and one follower are not enough.
    cluster.isolate(3);
    cluster.isolate(4);
    let write = cluster.client(1, put("x", "1"));
    cluster.stabilize();
    assert_eq!(cluster.reply_to(write), None);
}

#[test]
fn membership_changes_happen_one_at_a_time() {
    // Thesis 4.1: "the leader ... does not allow a new configuration change to start
    // until the previous one has committed".
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    cluster.isolate(1);
    cluster.client(1, Operation::AddServer { id: 4 });
    let second = cluster.client(1, Operation::AddServer { id: 5 });
    assert!(matches!(
        cluster.reply_to(second),
        Some(Reply::Rejected { .. })
    ));
}

#[test]
fn a_leader_that_removes_itself_steps_down_once_the_change_commits() {
    // Thesis 4.2.2: the removed leader "steps down once the Cnew entry is committed".
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    let request = cluster.client(1, Operation::RemoveServer { id: 1 });
    cluster.stabilize();
    assert_eq!(cluster.reply_to(request), Some(&Reply::Ok));
    assert_eq!(cluster.node(1).role(), "removed");
    assert!(cluster.leaders().is_empty());
    // The removed server never campaigns again.
    cluster.fire(1, Timer::Election);
    assert_eq!(cluster.node(1).current_term(), 1);
    cluster.campaign(2);
    assert_eq!(cluster.leaders(), vec![2]);
    assert!(cluster.violations.is_empty(), "{:?}", cluster.violations);
}

#[test]
fn with_pre_vote_a_server_cut_off_from_the_cluster_does_not_raise_its_term() {
    // Thesis 9.6: "a candidate would first ask other servers whether its log was
    // up-to-date enough to get their vote ... only if the candidate believes it can get
    // votes from a majority of the cluster would it increment its term".
    let config = Config {
        pre_vote: true,
        ..Config::default()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.campaign(1);
    cluster.campaign(1);
    assert_eq!(cluster.leaders(), vec![1]);
    let term = cluster.node(1).current_term();
    cluster.isolate(3);
    for _ in 0..5 {
        cluster.campaign(3);
    }
    assert_eq!(cluster.node(3).current_term(), term);
    assert_eq!(cluster.node(3).role(), "precandidate");
    cluster.heal();
    cluster.heartbeat(1);
    assert_eq!(cluster.leaders(), vec![1]);
}

#[test]
fn without_pre_vote_a_returning_server_disrupts_the_leader() {
    let mut cluster = Cluster::new(3, Config::default());
    cluster.campaign(1);
    cluster.isolate(3);
    for _ in 0..3 {
        cluster.campaign(3);
    }
    cluster.heal();
    cluster.heartbeat(1);
    // The leader saw server 3's higher term in its answer and stepped down.
    assert!(cluster.leaders().is_empty());
}

#[test]
fn with_check_quorum_a_leader_cut_off_from_the_majority_steps_down() {
    // Thesis 6.2: "a leader steps down if an election timeout elapses without a successful
    // round of heartbeats to a majority of its cluster".
    let config = Config {
        check_quorum: true,
        ..Config::default()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.campaign(1);
    cluster.heartbeat(1);
    cluster.fire(1, Timer::CheckQuorum);
    assert_eq!(cluster.leaders(), vec![1]);
    cluster.isolate(1);
    cluster.heartbeat(1);
    cluster.fire(1, Timer::CheckQuorum);
    assert!(cluster.leaders().is_empty());
}

#[test]
fn with_check_quorum_a_server_that_just_heard_from_the_leader_ignores_vote_requests() {
    // Thesis 4.2.3: "if a server receives a RequestVote request within the minimum
    // election timeout of hearing from a current leader, it does not update its term or
    // grant its vote".
    let config = Config {
        check_quorum: true,
        ..Config::default()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.campaign(1);
    cluster.campaign(3);
    assert_eq!(cluster.leaders(), vec![1]);
    assert_eq!(cluster.node(2).current_term(), 1);
}

#[test]
fn a_follower_far_behind_catches_up_through_install_snapshot() {
    // Section 7: "the leader must occasionally send snapshots to followers that lag
    // behind".
    let config = Config {
        snapshot_threshold: 4,
        ..Config::default()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.campaign(1);
    cluster.isolate(3);
    for value in 0..12 {
        cluster.client(1, put("x", &value.to_string()));
        cluster.stabilize();
    }
    cluster.heartbeat(1);
    assert!(cluster.node(1).log().snapshot_index() > 0);
    cluster.heal();
    cluster.heartbeat(1);
    cluster.heartbeat(1);
    let follower = cluster.node(3);
    assert!(follower.log().snapshot_index() > 0);
    assert_eq!(
        follower.log().last_index(),
        cluster.node(1).log().last_index()
    );
    cluster.heartbeat(1);
    assert_eq!(
        cluster.node(3).store().data.get("x"),
        Some(&"11".to_string())
    );
    assert!(cluster.violations.is_empty(), "{:?}", cluster.violations);
}

#[test]
fn a_restarted_server_rebuilds_its_store_from_its_snapshot() {
    let config = Config {
        snapshot_threshold: 2,
        ..Config::default()
    };
    let mut cluster = Cluster::new(3, config);
    cluster.campaign(1);
    for value in 0..6 {
        cluster.client(1, put("x", &value.to_string()));
        cluster.stabilize();
        cluster.heartbeat(1);
    }
    cluster.crash(2);
    cluster.restart(2);
    let node = cluster.node(2);
    assert!(node.last_applied() > 0);
    assert_eq!(node.last_applied(), node.log().snapshot_index());
    assert!(node.store().data.contains_key("x"));
}

#[test]
fn message_kinds_and_summaries_read_well() {
    let message = Message::RequestVote {
        term: 3,
        last_log_index: 7,
        last_log_term: 2,
    };
    assert_eq!(message.kind(), "RequestVote");
    assert_eq!(message.summary(), "term 3, last log 7@2");
    let response = Message::AppendEntriesResponse {
        term: 3,
        success: false,
        match_index: 0,
        conflict_term: Some(2),
        conflict_index: 4,
        read_round: 0,
    };
    assert_eq!(response.kind(), "AppendEntriesResponse");
    assert_eq!(response.summary(), "term 3, mismatch: term 2 from index 4");
}

#[test]
fn a_request_decodes_from_scenario_json_and_refuses_unknown_fields() {
    let request: Request = serde_json::from_str(
        r#"{"client": 1, "sequence": 2, "operation": {"type": "cas", "key": "k", "expected": null, "new": "v"}}"#,
    )
    .expect("valid request");
    assert_eq!(request.sequence, 2);
    let plain: Request =
        serde_json::from_str(r#"{"operation": {"type": "get", "key": "k"}}"#).expect("no session");
    assert_eq!(plain.client, 0);
    assert!(
        serde_json::from_str::<Request>(r#"{"operation": {"type": "get", "key": "k", "x": 1}}"#)
            .is_err()
    );
}

// ---------------------------------------------------------------------------------------
// Every invariant can fail: each test breaks one rule on purpose in a built state
// ---------------------------------------------------------------------------------------

/// Server `id` of `members` holding one blank entry of term 1 of its own making, in term 1.
fn server_with_one_entry(id: NodeId, members: &[NodeId]) -> Raft {
    let mut node = Raft::new(id, members, &Config::default());
    node.current_term = 1;
    node.log.append(Arc::new(Entry {
        term: 1,
        command: Command::Noop,
    }));
    node
}

/// Makes `node` the leader of its term, counting `matched` for each follower.
fn make_leader(node: &mut Raft, matched: &[(NodeId, LogIndex)]) {
    let mut state = LeaderState::default();
    for &(follower, index) in matched {
        state.match_index.insert(follower, index);
        state.next_index.insert(follower, index + 1);
    }
    node.role = Role::Leader(state);
}

/// The properties `observe` reports for these servers and disks.
fn broken(
    safety: &mut RaftSafety,
    nodes: &[&Raft],
    disks: &BTreeMap<NodeId, Durable>,
) -> Vec<Property> {
    let states: Vec<(NodeId, &Raft)> = nodes.iter().map(|node| (node.id(), *node)).collect();
    let lookup = |id: NodeId| disks.get(&id);
    safety
        .observe(0, &states, &lookup)
        .into_iter()
        .map(|violation| violation.property)
        .collect()
}

/// Every server's disk holding exactly what its memory holds.
fn disks_matching(nodes: &[&Raft]) -> BTreeMap<NodeId, Durable> {
    nodes
        .iter()
        .map(|node| (node.id(), node.durable()))
        .collect()
}

#[test]
fn leader_append_only_fails_when_a_leader_deletes_an_entry_of_its_own_log() {
    // Figure 3: "a leader never overwrites or deletes entries in its log".
    let mut leader = server_with_one_entry(1, &[1]);
    make_leader(&mut leader, &[]);
    let mut safety = RaftSafety::new();
    let disks = disks_matching(&[&leader]);
    assert_eq!(broken(&mut safety, &[&leader], &disks), []);
    leader.log.truncate_from(1);
    assert_eq!(
        broken(&mut safety, &[&leader], &disks),
        [Property::LeaderAppendOnly]
    );
}

#[test]
fn log_matching_fails_when_two_leaders_create_equal_entries_at_one_index_in_one_term() {
    // Section 5.3: an entry is identified by its index and the term of the leader that
    // created it, and one leader per term creates at most one entry per index. Two equal
    // blank entries from two leaders of term 1 are two entries, not one.
    let first = server_with_one_entry(1, &[1, 2]);
    let second = server_with_one_entry(2, &[1, 2]);
    let mut safety = RaftSafety::only(Property::LogMatching);
    let disks = disks_matching(&[&first, &second]);
    assert_eq!(
        broken(&mut safety, &[&first, &second], &disks),
        [Property::LogMatching]
    );
    // The same entry on both servers (one shared allocation) is not a violation.
    let mut copy = Raft::new(2, &[1, 2], &Config::default());
    copy.current_term = 1;
    copy.log
        .append(Arc::clone(first.log.entry(1).expect("an entry")));
    let mut safety = RaftSafety::only(Property::LogMatching);
    assert_eq!(broken(&mut safety, &[&first, &copy], &disks), []);
}

#[test]
fn acknowledged_entries_are_durable_fails_when_a_leader_counts_an_entry_missing_from_a_disk() {
    // Figure 2: persistent state is "updated on stable storage before responding to RPCs",
    // so whatever a leader's matchIndex counts must be on the follower's disk.
    let mut leader = server_with_one_entry(1, &[1, 2, 3]);
    let mut follower = Raft::new(2, &[1, 2, 3], &Config::default());
    follower.current_term = 1;
    follower
        .log
        .append(Arc::clone(leader.log.entry(1).expect("an entry")));
    make_leader(&mut leader, &[(2, 1), (3, 0)]);
    let mut disks = disks_matching(&[&leader, &follower]);
    let mut safety = RaftSafety::only(Property::AcknowledgedEntriesAreDurable);
    assert_eq!(broken(&mut safety, &[&leader, &follower], &disks), []);
    // The follower's memory holds the entry, its disk does not yet.
    disks.insert(2, Durable::default());
    assert_eq!(
        broken(&mut safety, &[&leader, &follower], &disks),
        [Property::AcknowledgedEntriesAreDurable]
    );
}

#[test]
fn commit_index_never_decreases_fails_when_a_running_server_forgets_a_commitment() {
    let mut node = server_with_one_entry(1, &[1]);
    node.commit_index = 1;
    let disks = disks_matching(&[&node]);
    let mut safety = RaftSafety::only(Property::CommitIndexNeverDecreases);
    assert_eq!(broken(&mut safety, &[&node], &disks), []);
    node.commit_index = 0;
    assert_eq!(
        broken(&mut safety, &[&node], &disks),
        [Property::CommitIndexNeverDecreases]
    );
    // A crash loses the volatile commit index: a restarted server starts afresh.
    let mut safety = RaftSafety::only(Property::CommitIndexNeverDecreases);
    node.commit_index = 1;
    assert_eq!(broken(&mut safety, &[&node], &disks), []);
    assert_eq!(broken(&mut safety, &[], &disks), []);
    node.commit_index = 0;
    assert_eq!(broken(&mut safety, &[&node], &disks), []);
}

#[test]
fn applied_entries_are_committed_fails_when_a_server_applies_an_entry_a_majority_has_not_stored() {
    // Section 5.3: an entry is committed once stored on a majority; only then may it be
    // applied.
    let mut node = server_with_one_entry(1, &[1, 2, 3]);
    node.commit_index = 1;
    node.last_applied = 1;
    let mut other = Raft::new(2, &[1, 2, 3], &Config::default());
    other
        .log
        .append(Arc::clone(node.log.entry(1).expect("an entry")));
    let mut disks = disks_matching(&[&node]);
    let mut safety = RaftSafety::only(Property::AppliedEntriesAreCommitted);
    assert_eq!(
        broken(&mut safety, &[&node], &disks),
        [Property::AppliedEntriesAreCommitted]
    );
    // With a second disk holding it, a majority of three has it.
    disks.insert(2, other.durable());
    let mut safety = RaftSafety::only(Property::AppliedEntriesAreCommitted);
    assert_eq!(broken(&mut safety, &[&node], &disks), []);
}

// ---------------------------------------------------------------------------------------
// Random fault schedules
// ---------------------------------------------------------------------------------------

mod random_faults {
    use proptest::prelude::*;

    use super::*;

    /// The number of cases, `PROPTEST_CASES` if set.
    fn cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    }

    #[derive(Debug, Clone)]
    enum Fault {
        Crash(NodeId),
        Restart(NodeId),
        Isolate(NodeId),
        CutOneWay(NodeId, NodeId),
        Heal,
        Put(NodeId, u8),
        Get(NodeId),
        Cas(NodeId, u8),
    }

    fn fault(size: NodeId) -> impl Strategy<Value = Fault> {
        let node = 1..=size;
        prop_oneof![
            node.clone().prop_map(Fault::Crash),
            node.clone().prop_map(Fault::Restart),
            node.clone().prop_map(Fault::Isolate),
            (node.clone(), node.clone()).prop_map(|(a, b)| Fault::CutOneWay(a, b)),
            Just(Fault::Heal),
            (node.clone(), any::<u8>()).prop_map(|(n, v)| Fault::Put(n, v)),
            node.clone().prop_map(Fault::Get),
            (node, any::<u8>()).prop_map(|(n, v)| Fault::Cas(n, v)),
        ]
    }

    fn schedule() -> impl Strategy<Value = (NodeId, Config, u64, Vec<(u64, Fault)>)> {
        (
            1..=5u32,
            any::<bool>(),
            any::<bool>(),
            0..3u64,
            any::<u64>(),
            any::<bool>(),
        )
            .prop_flat_map(
                |(size, pre_vote, check_quorum, snapshot, seed, read_index)| {
                    let config = Config {
                        pre_vote,
                        check_quorum,
                        read_index,
                        snapshot_threshold: snapshot * 3,
                        ..Config::default()
                    };
                    let steps = proptest::collection::vec((1..400u64, fault(size)), 1..40);
                    (Just(size), Just(config), Just(seed), steps)
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases(48)))]

        #[test]
        fn random_crashes_partitions_loss_and_duplication_never_break_safety_and_progress_resumes_once_healed(
            (size, config, seed, steps) in schedule()
        ) {
            let mut cluster = Cluster::new(size, config);
            cluster.jitter = Jitter(seed);
            cluster.latency_max = 20 * MICROS_PER_MS;
            cluster.loss_per_mille = 50;
            cluster.duplicate_per_mille = 50;
            for (delay_ms, fault) in steps {
                let until = cluster.now + delay_ms * MICROS_PER_MS;
                cluster.run_until(until);
                match fault {
                    Fault::Crash(id) => cluster.crash(id),
                    Fault::Restart(id) => {
                        if !cluster.up.contains(&id) {
                            cluster.restart(id);
                        }
                    }
                    Fault::Isolate(id) => cluster.isolate(id),
                    Fault::CutOneWay(a, b) => {
                        cluster.cut.insert((a, b));
                    }
                    Fault::Heal => cluster.heal(),
                    Fault::Put(id, value) => {
                        if cluster.up.contains(&id) {
                            cluster.client(id, put("k", &value.to_string()));
                        }
                    }
                    Fault::Get(id) => {
                        if cluster.up.contains(&id) {
                            cluster.client(id, Operation::Get { key: "k".into() });
                        }
                    }
                    Fault::Cas(id, value) => {
                        if cluster.up.contains(&id) {
                            cluster.client(id, Operation::Cas {
                                key: "k".into(),
                                expected: Some(value.to_string()),
                                new: value.wrapping_add(1).to_string(),
                            });
                        }
                    }
                }
            }
            prop_assert!(cluster.violations.is_empty(), "{:?}", cluster.violations);

            // Heal everything: a majority can talk again, so a leader must emerge and
            // commit a new request.
            cluster.heal();
            cluster.loss_per_mille = 0;
            cluster.duplicate_per_mille = 0;
            for id in 1..=size {
                if !cluster.up.contains(&id) {
                    cluster.restart(id);
                }
            }
            let deadline = cluster.now + 10_000 * MICROS_PER_MS;
            cluster.run_until(cluster.now + 3_000 * MICROS_PER_MS);
            let mut answered = false;
            while cluster.now < deadline && !answered {
                let leaders = cluster.leaders();
                let Some(&leader) = leaders.iter().max_by_key(|&&id| cluster.node(id).current_term()) else {
                    cluster.run_until(cluster.now + 500 * MICROS_PER_MS);
                    continue;
                };
                let request = cluster.client(leader, put("final", "1"));
                cluster.run_until(cluster.now + 1_000 * MICROS_PER_MS);
                answered = cluster.reply_to(request) == Some(&Reply::Ok);
            }
            prop_assert!(answered, "no leader committed a request within 10 s of healing");
            prop_assert!(cluster.violations.is_empty(), "{:?}", cluster.violations);
            let verdict = cluster.linearizability();
            prop_assert_eq!(verdict, crate::check::CheckResult::Linearizable);
        }
    }
}

#[test]
fn a_lone_server_leads_and_commits_only_after_its_own_writes_are_acknowledged() {
    // Figure 2 counts the leader among the servers that store an entry; storing means
    // on disk, so the leader counts itself only once its own write is done.
    let members = [1];
    let mut node = Raft::new(1, &members, &Config::default());
    let mut out = RaftOut::new();
    node.on_timer(&ctx(1, 0, &members), Timer::Election, &mut out);
    // Figure 2: a vote is on disk before anyone counts it, the candidate's own included.
    assert!(
        !node.is_leader(),
        "a lone candidate waits for its vote's write"
    );
    let (persist, send) = persist_and_send_positions(&out);
    assert!(persist.expect("persisted") < send.expect("its own vote"));
    let own_vote = sends(&out)
        .into_iter()
        .find(|(to, _)| *to == 1)
        .map(|(_, message)| message.clone())
        .expect("the candidate sends itself its vote");
    let mut out = RaftOut::new();
    node.on_message(&ctx(1, 0, &members), 1, own_vote, &mut out);
    assert!(node.is_leader());
    let mut out = RaftOut::new();
    node.on_client(
        &ctx(1, 0, &members),
        9,
        Request {
            client: 0,
            sequence: 0,
            operation: put("x", "1"),
        },
        &mut out,
    );
    assert_eq!(node.commit_index(), 0);
    let (persist, send) = persist_and_send_positions(&out);
    assert!(persist.expect("persisted") < send.expect("acknowledged"));
    let acknowledgement = sends(&out)
        .into_iter()
        .find(|(to, _)| *to == 1)
        .map(|(_, message)| message.clone())
        .expect("the leader acknowledges its own write");
    let mut out = RaftOut::new();
    node.on_message(&ctx(1, 0, &members), 1, acknowledgement, &mut out);
    assert_eq!(node.commit_index(), 2);
    assert!(out.effects().contains(&Effect::Reply {
        request: 9,
        result: Reply::Ok
    }));
}

#[test]
fn refusing_a_vote_to_a_stale_candidate_does_not_restart_the_election_timer() {
    // Figure 2, rules for followers: the countdown restarts on "receiving AppendEntries RPC
    // from current leader or granting vote to candidate"; a refused vote is neither, even
    // when it carries a higher term.
    let members = [1, 2, 3];
    let mut voter = Raft::new(2, &members, &Config::default());
    voter.log.append(entry(1));
    let mut out = RaftOut::new();
    voter.on_message(
        &ctx(2, 0, &members),
        3,
        Message::RequestVote {
            term: 5,
            last_log_index: 0,
            last_log_term: 0,
        },
        &mut out,
    );
    assert_eq!(voter.current_term(), 5);
    assert!(
        !out.effects().iter().any(|effect| matches!(
            effect,
            Effect::SetTimer {
                timer: Timer::Election,
                ..
            }
        )),
        "{:?}",
        out.effects()
    );
}
