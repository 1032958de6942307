//! The balancer role: receives client requests, picks a server by policy from its own
//! view, forwards, times out, retries within a budget, and health-checks the servers.

use std::collections::BTreeMap;

use serde::Serialize;

use super::config::{Config, LoadView};
use super::policy::{self, Candidate, Policy};
use super::random::Stream;
use super::{Failure, Message, Outcome, RequestTag, Timer};
use crate::protocol::{Context, MICROS_PER_MS, NodeId, Out, Time};

type LbOut = Out<Message, Timer, Outcome>;

/// Thousandths of a retry: the unit of the retry budget, so that 10% of a retry per
/// request is a whole number.
const MILLI: u64 = 1_000;

/// One server as this balancer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerView {
    /// The server's node.
    pub server: NodeId,
    /// Its weight.
    pub weight: u32,
    /// Whether health checks say it is up (always true without health checks).
    pub healthy: bool,
    /// Requests this balancer sent it that are neither answered nor given up.
    pub outstanding: u32,
    /// The moving average of its observed response times, in microseconds (0 before
    /// the first answer).
    pub response_time_us: u64,
    /// The load it reported in its last health-check answer.
    pub reported_load: u32,
    /// Smooth weighted round robin's current weight.
    pub current_weight: i64,
    /// Health checks answered in a row.
    pub successes_in_row: u32,
    /// Health checks unanswered in a row.
    pub failures_in_row: u32,
    /// Whether the last health check is still unanswered.
    pub check_pending: bool,
}

/// Where a request stands at the balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Stage {
    /// Sent to `server` at `dispatched_at`.
    AtServer {
        /// The server.
        server: NodeId,
        /// When the attempt was sent.
        dispatched_at: Time,
    },
    /// Waiting out the backoff before the next attempt.
    BackingOff,
}

/// A request the balancer holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    /// The request's key.
    pub key: u32,
    /// Attempts made so far (1 after the first dispatch).
    pub attempt: u32,
    /// Where it stands.
    pub stage: Stage,
}

/// A balancer's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BalancerCounts {
    /// Client requests received.
    pub received: u64,
    /// Attempts sent to servers (first attempts and retries).
    pub forwarded: u64,
    /// Retries sent.
    pub retries: u64,
    /// Retries the budget refused.
    pub retries_denied: u64,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// Attempts a server rejected with a full queue.
    pub rejections: u64,
    /// Requests answered with a failure.
    pub failures: u64,
    /// Times a server was marked unhealthy.
    pub marked_unhealthy: u64,
}

/// A balancer's state.
#[derive(Debug, Clone, Serialize)]
pub struct Balancer {
    /// The policy in force (the `set_policy` lab action changes it).
    pub policy: Policy,
    /// The servers, by ascending id.
    pub servers: Vec<ServerView>,
    /// Requests in hand, by tag.
    pub pending: BTreeMap<RequestTag, Pending>,
    /// Choices made, for round robin and for breaking ties.
    pub cursor: u64,
    /// The retry budget, in thousandths of a retry.
    pub retry_tokens_milli: u64,
    /// The last health check's number.
    pub health_sequence: u64,
    /// Counters.
    pub counts: BalancerCounts,
    /// `(length, last id)` of the node list the server views were built from: ids only
    /// grow, so any addition or removal changes it.
    membership: (usize, NodeId),
    random: Stream,
    #[serde(skip)]
    scratch_healthy: Vec<usize>,
    #[serde(skip)]
    scratch_candidates: Vec<Candidate>,
}

impl Balancer {
    /// A fresh balancer that knows the servers among `members`.
    pub fn new(config: &Config, members: &[NodeId], random: Stream) -> Self {
        let mut balancer = Self {
            policy: config.policy,
            servers: Vec::new(),
            pending: BTreeMap::new(),
            cursor: random.clone().next_u64() % 1_024,
            retry_tokens_milli: u64::from(config.retries.budget_retries_max) * MILLI,
            health_sequence: 0,
            counts: BalancerCounts::default(),
            membership: (0, 0),
            random,
            scratch_healthy: Vec::new(),
            scratch_candidates: Vec::new(),
        };
        balancer.sync_servers(config, members, &mut Out::new());
        balancer
    }

    fn view_for(config: &Config, server: NodeId) -> ServerView {
        let index = server.saturating_sub(config.first_server());
        ServerView {
            server,
            weight: config.servers.server(index).weight.max(1),
            healthy: true,
            outstanding: 0,
            response_time_us: 0,
            reported_load: 0,
            current_weight: 0,
            successes_in_row: 0,
            failures_in_row: 0,
            check_pending: false,
        }
    }

    /// Follows servers added to and removed from the run. Requests at a removed
    /// server are lost with it: they are retried or failed as a reset connection.
    pub fn sync_servers(&mut self, config: &Config, nodes: &[NodeId], out: &mut LbOut) {
        let membership = (nodes.len(), nodes.last().copied().unwrap_or(0));
        if membership == self.membership {
            return;
        }
        self.membership = membership;
        let first_server = config.first_server();
        let old = std::mem::take(&mut self.servers);
        let mut removed = Vec::new();
        for view in &old {
            if nodes.binary_search(&view.server).is_err() {
                removed.push(view.server);
            }
        }
        let mut old = old.into_iter().peekable();
        for &node in nodes.iter().filter(|&&node| node >= first_server) {
            while old.peek().is_some_and(|view| view.server < node) {
                old.next();
            }
            match old.peek() {
                Some(view) if view.server == node => {
                    self.servers.push(old.next().expect("peeked"));
                }
                _ => self.servers.push(Self::view_for(config, node)),
            }
        }
        if removed.is_empty() {
            return;
        }
        let lost: Vec<RequestTag> = self
            .pending
            .iter()
            .filter(|(_, pending)| {
                matches!(pending.stage, Stage::AtServer { server, .. } if removed.contains(&server))
            })
            .map(|(tag, _)| *tag)
            .collect();
        for tag in lost {
            out.cancel_timer(Timer::AttemptTimeout { tag });
            self.retry_or_fail(config, tag, Failure::ServerRemoved, out);
        }
    }

    fn view_index(&self, server: NodeId) -> Option<usize> {
        self.servers
            .binary_search_by_key(&server, |view| view.server)
            .ok()
    }

    fn load_of(view: &ServerView, load_view: LoadView) -> u32 {
        match load_view {
            LoadView::OwnOutstanding => view.outstanding,
            LoadView::HealthCheckReports => view.reported_load,
        }
    }

    /// The index in `servers` of the server the policy picks for `key`, or `None`
    /// when no server is healthy.
    pub fn choose(&mut self, config: &Config, key: u32) -> Option<usize> {
        // The two lists are kept between calls so that choosing allocates nothing.
        let mut healthy = std::mem::take(&mut self.scratch_healthy);
        let mut candidates = std::mem::take(&mut self.scratch_candidates);
        healthy.clear();
        candidates.clear();
        for (index, view) in self.servers.iter().enumerate() {
            if view.healthy {
                healthy.push(index);
                candidates.push(Candidate {
                    server: view.server,
                    weight: view.weight,
                    load: Self::load_of(view, config.load_view),
                    response_time_us: view.response_time_us,
                });
            }
        }
        let pick = self.pick(key, &healthy, &candidates);
        let chosen = pick.map(|index| healthy[index]);
        self.scratch_healthy = healthy;
        self.scratch_candidates = candidates;
        chosen
    }

    /// The policy's choice among `candidates` (the healthy servers, whose indices in
    /// `servers` are `healthy`), as an index into `candidates`.
    fn pick(&mut self, key: u32, healthy: &[usize], candidates: &[Candidate]) -> Option<usize> {
        if candidates.is_empty() {
            return None;
        }
        let start = (self.cursor % candidates.len() as u64) as usize;
        let pick = match self.policy {
            Policy::RoundRobin => policy::round_robin(&mut self.cursor, candidates.len()),
            Policy::WeightedRoundRobin => {
                let weights: Vec<u32> = candidates.iter().map(|c| c.weight).collect();
                let mut current: Vec<i64> = healthy
                    .iter()
                    .map(|&index| self.servers[index].current_weight)
                    .collect();
                let pick = policy::smooth_weighted_round_robin(&weights, &mut current);
                for (&index, value) in healthy.iter().zip(current) {
                    self.servers[index].current_weight = value;
                }
                pick
            }
            Policy::LeastConnections => policy::least_connections(candidates, start),
            Policy::LeastResponseTime => policy::least_response_time(candidates, start),
            Policy::ConsistentHash => policy::consistent_hash(key, candidates),
            Policy::PowerOfTwoChoices => policy::power_of_two_choices(candidates, &mut self.random),
            Policy::Random => policy::random(candidates.len(), &mut self.random),
        };
        if self.policy != Policy::RoundRobin {
            self.cursor = self.cursor.wrapping_add(1);
        }
        pick
    }

    /// A client request arrives.
    pub fn on_request(
        &mut self,
        ctx: &Context<'_>,
        config: &Config,
        client: NodeId,
        tag: RequestTag,
        key: u32,
        out: &mut LbOut,
    ) {
        self.counts.received += 1;
        let earned = u64::from(config.retries.budget_percent) * MILLI / 100;
        let cap = u64::from(config.retries.budget_retries_max) * MILLI;
        self.retry_tokens_milli = self.retry_tokens_milli.saturating_add(earned).min(cap);
        if self.pending.len() >= config.balancer_pending_max as usize
            || self.pending.contains_key(&tag)
        {
            self.counts.failures += 1;
            out.send(
                client,
                Message::Response {
                    tag,
                    outcome: Outcome::Failed {
                        failure: Failure::BalancerOverloaded,
                        attempts: 0,
                    },
                },
            );
            return;
        }
        self.pending.insert(
            tag,
            Pending {
                key,
                attempt: 0,
                stage: Stage::BackingOff,
            },
        );
        self.dispatch(config, ctx.now, tag, out);
    }

    /// Sends the next attempt of request `tag` to the server the policy picks.
    fn dispatch(&mut self, config: &Config, now: Time, tag: RequestTag, out: &mut LbOut) {
        let Some(key) = self.pending.get(&tag).map(|pending| pending.key) else {
            return;
        };
        let Some(index) = self.choose(config, key) else {
            self.finish(
                tag,
                Outcome::Failed {
                    failure: Failure::NoHealthyServer,
                    attempts: self.pending.get(&tag).map_or(0, |pending| pending.attempt),
                },
                out,
            );
            return;
        };
        let view = &mut self.servers[index];
        view.outstanding += 1;
        let server = view.server;
        let Some(pending) = self.pending.get_mut(&tag) else {
            return;
        };
        pending.attempt += 1;
        pending.stage = Stage::AtServer {
            server,
            dispatched_at: now,
        };
        let attempt = pending.attempt;
        self.counts.forwarded += 1;
        out.send(server, Message::Forward { tag, attempt });
        let timeout = config.request_timeout_ms.saturating_mul(MICROS_PER_MS);
        out.set_timer(Timer::AttemptTimeout { tag }, timeout, timeout);
    }

    /// Answers the client and forgets the request.
    fn finish(&mut self, tag: RequestTag, outcome: Outcome, out: &mut LbOut) {
        self.pending.remove(&tag);
        if matches!(outcome, Outcome::Failed { .. }) {
            self.counts.failures += 1;
        }
        out.send(tag.client, Message::Response { tag, outcome });
    }

    /// Ends the current attempt of `tag` if it is attempt `attempt` at `server`:
    /// returns when it was dispatched, or `None` for an answer to an attempt the
    /// balancer already gave up on.
    fn end_attempt(&mut self, tag: RequestTag, attempt: u32, server: NodeId) -> Option<Time> {
        let pending = self.pending.get(&tag)?;
        let Stage::AtServer {
            server: at,
            dispatched_at,
        } = pending.stage
        else {
            return None;
        };
        if at != server || pending.attempt != attempt {
            return None;
        }
        if let Some(index) = self.view_index(server) {
            let view = &mut self.servers[index];
            view.outstanding = view.outstanding.saturating_sub(1);
        }
        Some(dispatched_at)
    }

    fn observe_response_time(&mut self, config: &Config, server: NodeId, sample: Time) {
        let Some(index) = self.view_index(server) else {
            return;
        };
        let view = &mut self.servers[index];
        if view.response_time_us == 0 {
            view.response_time_us = sample.max(1);
            return;
        }
        // An exponentially weighted moving average in integers:
        // average += weight * (sample - average).
        let weight = i128::from(config.response_time_smoothing_percent);
        let average = i128::from(view.response_time_us);
        let next = average + (i128::from(sample) - average) * weight / 100;
        view.response_time_us = next.clamp(1, i128::from(u64::MAX)) as u64;
    }

    /// A server served attempt `attempt` of `tag`.
    pub fn on_served(
        &mut self,
        ctx: &Context<'_>,
        config: &Config,
        server: NodeId,
        tag: RequestTag,
        attempt: u32,
        out: &mut LbOut,
    ) {
        let Some(dispatched_at) = self.end_attempt(tag, attempt, server) else {
            return;
        };
        self.observe_response_time(config, server, ctx.now.saturating_sub(dispatched_at));
        out.cancel_timer(Timer::AttemptTimeout { tag });
        self.finish(
            tag,
            Outcome::Served {
                server,
                attempts: attempt,
            },
            out,
        );
    }

    /// A server turned attempt `attempt` of `tag` away with a full queue. The quick
    /// refusal is not a response-time sample: it would make a saturated server look
    /// fast.
    pub fn on_rejected(
        &mut self,
        config: &Config,
        server: NodeId,
        tag: RequestTag,
        attempt: u32,
        out: &mut LbOut,
    ) {
        if self.end_attempt(tag, attempt, server).is_none() {
            return;
        }
        self.counts.rejections += 1;
        out.cancel_timer(Timer::AttemptTimeout { tag });
        self.retry_or_fail(config, tag, Failure::QueueFull, out);
    }

    /// The current attempt of `tag` took too long: close it (the server may still
    /// serve it, wasting the work) and count the timeout as a response-time sample,
    /// so a server that stops answering looks slow.
    pub fn on_attempt_timeout(
        &mut self,
        ctx: &Context<'_>,
        config: &Config,
        tag: RequestTag,
        out: &mut LbOut,
    ) {
        let Some(pending) = self.pending.get(&tag) else {
            return;
        };
        let Stage::AtServer { server, .. } = pending.stage else {
            return;
        };
        let attempt = pending.attempt;
        let Some(dispatched_at) = self.end_attempt(tag, attempt, server) else {
            return;
        };
        self.counts.timeouts += 1;
        self.observe_response_time(config, server, ctx.now.saturating_sub(dispatched_at));
        self.retry_or_fail(config, tag, Failure::Timeout, out);
    }

    /// After a failed attempt: back off and retry if retries remain and the budget
    /// allows, otherwise answer the client with the failure.
    fn retry_or_fail(
        &mut self,
        config: &Config,
        tag: RequestTag,
        failure: Failure,
        out: &mut LbOut,
    ) {
        let Some(pending) = self.pending.get_mut(&tag) else {
            return;
        };
        let attempt = pending.attempt;
        let retries_done = attempt.saturating_sub(1);
        if retries_done >= config.retries.retries_max {
            self.finish(
                tag,
                Outcome::Failed {
                    failure,
                    attempts: attempt,
                },
                out,
            );
            return;
        }
        if self.retry_tokens_milli < MILLI {
            self.counts.retries_denied += 1;
            self.finish(
                tag,
                Outcome::Failed {
                    failure,
                    attempts: attempt,
                },
                out,
            );
            return;
        }
        self.retry_tokens_milli -= MILLI;
        pending.stage = Stage::BackingOff;
        // Full jitter (Brooker, "Exponential backoff and jitter"): the delay is drawn
        // by the simulator from [0, min(cap, base * 2^retries)].
        let base = config.retries.backoff_ms_base.saturating_mul(MICROS_PER_MS);
        let cap = config.retries.backoff_ms_max.saturating_mul(MICROS_PER_MS);
        let bound = base.saturating_mul(1u64 << retries_done.min(32)).min(cap);
        out.set_timer(Timer::RetryBackoff { tag }, 0, bound);
    }

    /// The backoff of `tag` is over: send the retry.
    pub fn on_retry_backoff(
        &mut self,
        ctx: &Context<'_>,
        config: &Config,
        tag: RequestTag,
        out: &mut LbOut,
    ) {
        if !matches!(
            self.pending.get(&tag).map(|pending| &pending.stage),
            Some(Stage::BackingOff)
        ) {
            return;
        }
        self.counts.retries += 1;
        self.dispatch(config, ctx.now, tag, out);
    }

    /// Time for a round of health checks: count the unanswered previous check as a
    /// failure, then ask every server again.
    pub fn on_health_check(&mut self, config: &Config, out: &mut LbOut) {
        let Some(check) = config.health_check else {
            return;
        };
        self.health_sequence += 1;
        let sequence = self.health_sequence;
        for view in &mut self.servers {
            if view.check_pending {
                view.successes_in_row = 0;
                view.failures_in_row = view.failures_in_row.saturating_add(1);
                if view.healthy && view.failures_in_row >= check.unhealthy_threshold {
                    view.healthy = false;
                    self.counts.marked_unhealthy += 1;
                }
            }
            view.check_pending = true;
            out.send(view.server, Message::HealthCheck { sequence });
        }
        let interval = check.interval_ms.saturating_mul(MICROS_PER_MS);
        out.set_timer(Timer::HealthCheck, interval, interval);
    }

    /// A server answered health check `sequence` with its current load.
    pub fn on_health_reply(&mut self, config: &Config, server: NodeId, sequence: u64, load: u32) {
        let Some(check) = config.health_check else {
            return;
        };
        if sequence != self.health_sequence {
            return;
        }
        let Some(index) = self.view_index(server) else {
            return;
        };
        let view = &mut self.servers[index];
        if !view.check_pending {
            return;
        }
        view.check_pending = false;
        view.failures_in_row = 0;
        view.successes_in_row = view.successes_in_row.saturating_add(1);
        view.reported_load = load;
        if !view.healthy && view.successes_in_row >= check.healthy_threshold {
            view.healthy = true;
        }
    }
}
