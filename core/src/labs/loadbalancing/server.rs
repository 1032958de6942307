//! The server role: a fixed number of workers and a bounded FIFO queue.

use std::collections::VecDeque;

use serde::Serialize;

use super::config::{ServerConfig, ServiceTime, ms_to_us};
use super::histogram::{WindowRecord, Windows};
use super::random::Stream;
use super::{Message, RequestTag, Timer};
use crate::protocol::{Context, NodeId, Out, Time};

/// What a server did in one window of time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerWindow {
    /// Worker-microseconds spent serving (divide by the window's width times the
    /// concurrency for utilization).
    pub busy_us: u64,
    /// The longest the queue was during the window.
    pub queue_length_max: u32,
    /// Requests finished.
    pub completed: u64,
    /// Requests turned away because the queue was full.
    pub rejected: u64,
}

impl WindowRecord for ServerWindow {
    fn merge(&mut self, other: &Self) {
        self.busy_us += other.busy_us;
        self.queue_length_max = self.queue_length_max.max(other.queue_length_max);
        self.completed += other.completed;
        self.rejected += other.rejected;
    }
}

/// A request a server holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// The balancer to answer.
    pub balancer: NodeId,
    /// The request.
    pub tag: RequestTag,
    /// The balancer's attempt number.
    pub attempt: u32,
}

/// Loads from this many requests in hand up are counted together.
pub const LOADS_COUNTED: usize = 64;

/// A server's state.
#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// The server's index among the servers.
    pub index: u32,
    /// Its capacity and service time.
    pub config: ServerConfig,
    /// The factor its service times are multiplied by, in percent (100 is normal;
    /// the `slow_server` lab action changes it).
    pub slowdown_percent: u32,
    /// Requests being served, at most `config.concurrency`.
    pub in_service: Vec<Job>,
    /// Requests waiting for a worker, oldest first, at most `config.queue_length_max`.
    pub queue: VecDeque<Job>,
    /// Requests received (including rejected ones).
    pub received: u64,
    /// Requests served.
    pub completed: u64,
    /// Requests rejected because the queue was full.
    pub rejected: u64,
    /// Worker-microseconds spent serving since the server started.
    pub busy_us: u64,
    /// Since when the current number of busy workers holds.
    busy_since: Time,
    /// When the server (re)started.
    pub started_at: Time,
    /// Microseconds spent with `k` requests in hand (serving plus waiting), by `k`; the
    /// last entry holds [`LOADS_COUNTED`] or more. Mitzenmacher's power-of-two-choices
    /// result is about these shares.
    pub load_us: Vec<u64>,
    /// Since when the current number of requests in hand holds.
    load_since: Time,
    /// The metrics over time.
    pub windows: Windows<ServerWindow>,
    random: Stream,
}

impl Server {
    /// A fresh idle server.
    pub fn new(index: u32, config: ServerConfig, random: Stream, window_us: Time) -> Self {
        Self {
            index,
            config,
            slowdown_percent: 100,
            in_service: Vec::new(),
            queue: VecDeque::new(),
            received: 0,
            completed: 0,
            rejected: 0,
            busy_us: 0,
            busy_since: 0,
            started_at: 0,
            load_us: Vec::new(),
            load_since: 0,
            windows: Windows::new(window_us),
            random,
        }
    }

    /// Marks the start of the server's life at `now`.
    pub fn start_at(&mut self, now: Time) {
        self.started_at = now;
        self.busy_since = now;
        self.load_since = now;
    }

    /// The requests in hand: being served plus waiting.
    pub fn load(&self) -> u32 {
        (self.in_service.len() + self.queue.len()) as u32
    }

    /// Brings the busy-time accounts up to `now` (call before the number of busy
    /// workers changes).
    pub fn account(&mut self, now: Time) {
        let busy = self.in_service.len() as u64;
        let since = self.busy_since.min(now);
        self.busy_us = self
            .busy_us
            .saturating_add((now - since).saturating_mul(busy));
        self.windows
            .spread(since, now, busy, |record, amount| record.busy_us += amount);
        self.busy_since = now;
    }

    /// Brings the time-at-each-load account up to `now` (call before the number of
    /// requests in hand changes).
    pub fn account_load(&mut self, now: Time) {
        let load = (self.load() as usize).min(LOADS_COUNTED);
        if self.load_us.len() <= load {
            self.load_us.resize(load + 1, 0);
        }
        self.load_us[load] = self.load_us[load].saturating_add(now.saturating_sub(self.load_since));
        self.load_since = self.load_since.max(now);
    }

    /// How long the next request takes, slowdown included (at least 1 µs).
    fn draw_service_time(&mut self) -> Time {
        let base = match self.config.service_time {
            ServiceTime::Fixed { ms } => ms_to_us(ms),
            ServiceTime::Uniform { ms_min, ms_max } => self
                .random
                .range_inclusive(ms_to_us(ms_min), ms_to_us(ms_max)),
            ServiceTime::Exponential { mean_ms } => self.random.exponential(ms_to_us(mean_ms)),
        };
        let scaled = u128::from(base) * u128::from(self.slowdown_percent) / 100;
        (scaled.min(u128::from(Time::MAX)) as Time).max(1)
    }

    fn start(&mut self, job: Job, out: &mut Out<Message, Timer, super::Outcome>) {
        let duration = self.draw_service_time();
        out.set_timer(
            Timer::ServiceDone {
                tag: job.tag,
                attempt: job.attempt,
            },
            duration,
            duration,
        );
        self.in_service.push(job);
    }

    /// A balancer forwards a request: serve it if a worker is free, queue it if the
    /// queue has room, reject it otherwise.
    pub fn on_forward(
        &mut self,
        ctx: &Context<'_>,
        job: Job,
        out: &mut Out<Message, Timer, super::Outcome>,
    ) {
        self.received += 1;
        self.account_load(ctx.now);
        if self.in_service.len() < self.config.concurrency.max(1) as usize {
            self.account(ctx.now);
            self.start(job, out);
        } else if self.queue.len() < self.config.queue_length_max as usize {
            self.queue.push_back(job);
            let length = self.queue.len() as u32;
            let window = self.windows.at(ctx.now);
            window.queue_length_max = window.queue_length_max.max(length);
        } else {
            self.rejected += 1;
            self.windows.at(ctx.now).rejected += 1;
            out.send(
                job.balancer,
                Message::Rejected {
                    tag: job.tag,
                    attempt: job.attempt,
                },
            );
        }
    }

    /// A worker finishes: answer the balancer and take the oldest waiting request.
    pub fn on_service_done(
        &mut self,
        ctx: &Context<'_>,
        tag: RequestTag,
        attempt: u32,
        out: &mut Out<Message, Timer, super::Outcome>,
    ) {
        let Some(position) = self
            .in_service
            .iter()
            .position(|job| job.tag == tag && job.attempt == attempt)
        else {
            return;
        };
        self.account(ctx.now);
        self.account_load(ctx.now);
        let job = self.in_service.swap_remove(position);
        self.completed += 1;
        self.windows.at(ctx.now).completed += 1;
        out.send(
            job.balancer,
            Message::Served {
                tag: job.tag,
                attempt: job.attempt,
            },
        );
        if let Some(next) = self.queue.pop_front() {
            self.start(next, out);
        }
    }
}
