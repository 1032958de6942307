//! The client role: starts requests at a rate, sends each to a balancer, and
//! measures the latency it sees end to end (network both ways, queueing, service and
//! retries).

use crate::collections::SortedMap;
use std::collections::BTreeMap;

use serde::Serialize;

use super::config::{Arrival, ClientsConfig};
use super::histogram::{Histogram, WindowRecord, Windows};
use super::random::Stream;
use super::{Failure, Message, Outcome, RequestTag, Timer};
use crate::protocol::{Context, MICROS_PER_MS, NodeId, Out, RequestId, Time};

/// What one client saw in one window of time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientWindow {
    /// Latencies of the requests that succeeded in this window.
    pub latency: Histogram,
    /// How long each request that failed in this window took to fail: from sending
    /// it until the client learned of the error or gave up waiting.
    pub failed_latency: Histogram,
    /// Requests that failed in this window.
    pub errors: u64,
    /// Requests started in this window.
    pub started: u64,
}

impl WindowRecord for ClientWindow {
    fn merge(&mut self, other: &Self) {
        self.latency.merge(&other.latency);
        self.failed_latency.merge(&other.failed_latency);
        self.errors += other.errors;
        self.started += other.started;
    }
}

/// A request the client waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    /// When it was sent.
    pub sent_at: Time,
    /// The simulator's request id when the request came from a scenario or the UI.
    pub request: Option<RequestId>,
}

/// A client's state.
#[derive(Debug, Clone, Serialize)]
pub struct Client {
    /// The client's index among the clients.
    pub index: u32,
    /// The next request's sequence number.
    pub next_sequence: u64,
    /// Requests sent and not yet answered, by sequence number.
    pub waiting: BTreeMap<u64, Waiting>,
    /// Latencies of every successful request since the start.
    pub latency: Histogram,
    /// How long every failed request took to fail since the start (a request refused
    /// at once counts 0 µs; one that timed out counts the whole timeout).
    pub failed_latency: Histogram,
    /// Requests that succeeded.
    pub succeeded: u64,
    /// Requests that failed, by reason.
    pub failures: SortedMap<Failure, u64>,
    /// The metrics over time.
    pub windows: Windows<ClientWindow>,
    random: Stream,
}

impl Client {
    /// A fresh client.
    pub fn new(index: u32, random: Stream, window_us: Time) -> Self {
        Self {
            index,
            next_sequence: 0,
            waiting: BTreeMap::new(),
            latency: Histogram::default(),
            failed_latency: Histogram::default(),
            succeeded: 0,
            failures: SortedMap::new(),
            windows: Windows::new(window_us),
            random,
        }
    }

    /// The mean gap between requests, in microseconds, or `None` without traffic.
    fn mean_gap(config: &ClientsConfig) -> Option<Time> {
        if config.rate_per_second > 0.0 {
            Some(((1_000_000.0 / config.rate_per_second).round() as Time).max(1))
        } else {
            None
        }
    }

    /// Schedules the next self-generated request.
    pub fn schedule_arrival(
        &mut self,
        config: &ClientsConfig,
        out: &mut Out<Message, Timer, Outcome>,
    ) {
        let Some(mean) = Self::mean_gap(config) else {
            return;
        };
        let gap = match config.arrival {
            Arrival::Steady => mean,
            Arrival::Poisson => self.random.exponential(mean).max(1),
        };
        out.set_timer(Timer::Arrival, gap, gap);
    }

    /// Starts a request with `key` (or a key drawn uniformly from the key space),
    /// sending it to the next balancer in turn.
    pub fn start_request(
        &mut self,
        ctx: &Context<'_>,
        config: &ClientsConfig,
        balancers: u32,
        key: Option<u32>,
        request: Option<RequestId>,
        out: &mut Out<Message, Timer, Outcome>,
    ) {
        let key = key.unwrap_or_else(|| self.random.below(u64::from(config.keys.max(1))) as u32);
        self.windows.at(ctx.now).started += 1;
        // Every started request takes a sequence number, even one refused at once, so
        // that started = succeeded + failed + waiting.
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        if self.waiting.len() >= config.outstanding_max as usize {
            self.fail(ctx.now, ctx.now, Failure::ClientOverloaded, request, out);
            return;
        }
        // Clients start on different balancers so that their turns interleave.
        let balancer = ((u64::from(self.index) + sequence) % u64::from(balancers.max(1))) as NodeId;
        let tag = RequestTag {
            client: ctx.id,
            sequence,
        };
        self.waiting.insert(
            sequence,
            Waiting {
                sent_at: ctx.now,
                request,
            },
        );
        out.send(balancer, Message::Request { tag, key });
        let timeout = config.timeout_ms.saturating_mul(MICROS_PER_MS);
        out.set_timer(Timer::ClientTimeout { sequence }, timeout, timeout);
    }

    /// Counts a failure of the request sent at `sent_at`, learned of at `now`.
    fn record_failure(&mut self, sent_at: Time, now: Time, failure: Failure) {
        let latency = now.saturating_sub(sent_at);
        *self.failures.entry(failure).or_insert(0) += 1;
        self.failed_latency.record(latency);
        let window = self.windows.at(now);
        window.errors += 1;
        window.failed_latency.record(latency);
    }

    fn fail(
        &mut self,
        sent_at: Time,
        now: Time,
        failure: Failure,
        request: Option<RequestId>,
        out: &mut Out<Message, Timer, Outcome>,
    ) {
        self.record_failure(sent_at, now, failure);
        if let Some(request) = request {
            out.reply(
                request,
                Outcome::Failed {
                    failure,
                    attempts: 0,
                },
            );
        }
    }

    /// A balancer answers: record the latency or the failure.
    pub fn on_response(
        &mut self,
        ctx: &Context<'_>,
        tag: RequestTag,
        outcome: Outcome,
        out: &mut Out<Message, Timer, Outcome>,
    ) {
        let Some(waiting) = self.waiting.remove(&tag.sequence) else {
            // The client already gave up on this request.
            return;
        };
        out.cancel_timer(Timer::ClientTimeout {
            sequence: tag.sequence,
        });
        match outcome {
            Outcome::Served { .. } => {
                let latency = ctx.now.saturating_sub(waiting.sent_at);
                self.succeeded += 1;
                self.latency.record(latency);
                self.windows.at(ctx.now).latency.record(latency);
            }
            Outcome::Failed { failure, .. } => {
                self.record_failure(waiting.sent_at, ctx.now, failure);
            }
        }
        if let Some(request) = waiting.request {
            out.reply(request, outcome);
        }
    }

    /// The client stops waiting for request `sequence`.
    pub fn on_timeout(
        &mut self,
        ctx: &Context<'_>,
        sequence: u64,
        out: &mut Out<Message, Timer, Outcome>,
    ) {
        if let Some(waiting) = self.waiting.remove(&sequence) {
            self.fail(
                waiting.sent_at,
                ctx.now,
                Failure::ClientTimeout,
                waiting.request,
                out,
            );
        }
    }
}
