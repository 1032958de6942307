//! Load balancing: clients, balancers and servers, and the policies that decide
//! which server gets each request.
//!
//! A request travels client → balancer → server → balancer → client, so the latency a
//! client measures holds two network round trips, the time the request waited in
//! the server's queue, the service time itself, and any retries. Servers have a
//! fixed number of workers (`concurrency`) and a bounded FIFO queue: a request that
//! finds every worker busy waits, and one that finds the queue full is rejected at
//! once. Service times are fixed, uniform or exponential, and the `slow_server` lab
//! action multiplies one server's times to model a bad disk or a noisy neighbour.
//!
//! The point of the lab is what a balancer can and cannot know. It never sees a
//! server's queue. It knows what it sent and what came back: its own count of
//! outstanding requests per server, a moving average of the response times it
//! observed, and the answers to its health checks, which may be a whole interval old.
//! With several balancers each one sees only its share of the traffic. The policies
//! (in [`policy`]) work from that view alone:
//!
//! - round robin sends to each server in turn and spreads requests exactly evenly,
//!   which is fair only if the servers are alike;
//! - smooth weighted round robin (nginx's algorithm) follows configured weights and
//!   interleaves them (weights 5, 1, 1 give a a b a c a a);
//! - least connections sends to the fewest outstanding requests, which adapts to
//!   slow servers but, when many balancers act on the same stale reports, makes
//!   them all pick the same "idle" server at once: the herd effect;
//! - least response time weighs the moving average of response times by the
//!   outstanding count, and steers away from a slow server;
//! - consistent (rendezvous) hashing keeps each request key on one server for caches;
//! - power of two random choices samples two servers and takes the less loaded: with
//!   fresh queue lengths it cuts random choice's tail to under a third, though least
//!   connections, which looks at every queue, does better still (the two-choices
//!   preset); with reports 250 ms old it does no better than random choice (the herd
//!   preset), and it ignores server weights (Mitzenmacher, "The power of two choices
//!   in randomized load balancing", 2001; "How useful is old information?", 2000);
//! - random is the baseline.
//!
//! Failures come from three places. A server whose queue is full rejects; a server
//! that crashed (the engine's `crash` action) silently drops what it held and what
//! is sent to it, so the balancer waits for `request_timeout_ms`; and a server that
//! is removed (the engine's `remove_node` action) resets its connections. The
//! balancer retries failed attempts with exponential backoff and full jitter (the
//! delay is drawn by the simulator from `[0, min(cap, base * 2^retry)]`), within a
//! retry budget: each new request earns `budget_percent` of a retry, so retries stay
//! below that share of the traffic and cannot snowball into a retry storm. Active
//! health checks every `interval_ms` mark a server unhealthy after
//! `unhealthy_threshold` unanswered checks in a row and healthy again after
//! `healthy_threshold` answered ones; until then a dead server keeps receiving its
//! share of the traffic.
//!
//! Node ids are laid out by role: balancers first, then clients, then servers, so a
//! node added while the run goes (the engine's `add_node` action) is a new server,
//! configured like `servers.defaults`, and every balancer starts using it.
//!
//! Randomness: the simulator draws timer jitter (health-check phases and retry
//! backoffs); everything else random (power of two choices, Poisson arrivals,
//! service times, request keys) comes from a per-node counter-based stream seeded
//! from the `seed` parameter and the node id (see [`random`]).
//!
//! Metrics: clients record every latency in an HDR-style log histogram (see
//! [`histogram`]) and in per-window histograms; servers record busy time, queue
//! length, completions and rejections per window. [`report::report`] merges them
//! exactly into p50, p95 and p99 overall and over time, throughput, errors, a
//! latency histogram, and per-server queue length and utilization.

pub mod balancer;
pub mod client;
pub mod config;
pub mod histogram;
pub mod lab;
pub mod policy;
pub mod random;
pub mod report;
pub mod server;

use serde::{Deserialize, Serialize};

pub use config::{Config, LoadView, RoleOf};
pub use policy::Policy;

use balancer::Balancer;
use client::Client;
use random::Stream;
use server::{Job, Server};

use crate::protocol::{Context, MICROS_PER_MS, MessageInfo, NodeId, OutFor, Protocol, RequestId};

/// A request's identity: the client that started it and its sequence number there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RequestTag {
    /// The client.
    pub client: NodeId,
    /// The client's sequence number.
    pub sequence: u64,
}

/// Why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The last attempt found the server's queue full.
    QueueFull,
    /// The last attempt got no answer within `request_timeout_ms`.
    Timeout,
    /// The server of the last attempt was removed.
    ServerRemoved,
    /// No server was healthy.
    NoHealthyServer,
    /// The balancer held `balancer_pending_max` requests already.
    BalancerOverloaded,
    /// The client got no answer within `clients.timeout_ms`.
    ClientTimeout,
    /// The client had `clients.outstanding_max` requests outstanding already.
    ClientOverloaded,
    /// The request was sent to a node that is not a client.
    NotAClient,
}

impl Failure {
    /// The failure's name as reports spell it.
    pub fn name(&self) -> &'static str {
        match self {
            Failure::QueueFull => "queue_full",
            Failure::Timeout => "timeout",
            Failure::ServerRemoved => "server_removed",
            Failure::NoHealthyServer => "no_healthy_server",
            Failure::BalancerOverloaded => "balancer_overloaded",
            Failure::ClientTimeout => "client_timeout",
            Failure::ClientOverloaded => "client_overloaded",
            Failure::NotAClient => "not_a_client",
        }
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// Served by `server` on attempt `attempts`.
    Served {
        /// The server.
        server: NodeId,
        /// Attempts it took (1 without retries).
        attempts: u32,
    },
    /// Failed after `attempts` attempts.
    Failed {
        /// Why.
        failure: Failure,
        /// Attempts made.
        attempts: u32,
    },
}

/// A request sent to a client node from a scenario or the UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientOp {
    /// The request's key (drawn at random when left out).
    pub key: Option<u32>,
}

/// The messages between clients, balancers and servers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Message {
    /// Client → balancer: a new request.
    Request {
        /// The request.
        tag: RequestTag,
        /// Its key.
        key: u32,
    },
    /// Balancer → server: attempt `attempt` of a request.
    Forward {
        /// The request.
        tag: RequestTag,
        /// The attempt number (1 for the first).
        attempt: u32,
    },
    /// Server → balancer: the attempt was served.
    Served {
        /// The request.
        tag: RequestTag,
        /// The attempt number.
        attempt: u32,
    },
    /// Server → balancer: the attempt was refused because the queue is full.
    Rejected {
        /// The request.
        tag: RequestTag,
        /// The attempt number.
        attempt: u32,
    },
    /// Balancer → client: how the request ended.
    Response {
        /// The request.
        tag: RequestTag,
        /// The outcome.
        outcome: Outcome,
    },
    /// Balancer → server: are you there?
    HealthCheck {
        /// The check's number.
        sequence: u64,
    },
    /// Server → balancer: yes, with this many requests in hand.
    HealthReply {
        /// The check's number.
        sequence: u64,
        /// Requests being served or waiting.
        load: u32,
    },
}

impl MessageInfo for Message {
    fn kind(&self) -> &'static str {
        match self {
            Message::Request { .. } => "Request",
            Message::Forward { .. } => "Forward",
            Message::Served { .. } => "Served",
            Message::Rejected { .. } => "Rejected",
            Message::Response { .. } => "Response",
            Message::HealthCheck { .. } => "HealthCheck",
            Message::HealthReply { .. } => "HealthReply",
        }
    }

    fn summary(&self) -> String {
        match self {
            Message::Request { tag, key } => {
                format!("request {}.{} key {key}", tag.client, tag.sequence)
            }
            Message::Forward { tag, attempt } => {
                format!("request {}.{} attempt {attempt}", tag.client, tag.sequence)
            }
            Message::Served { tag, attempt } => {
                format!("served {}.{} attempt {attempt}", tag.client, tag.sequence)
            }
            Message::Rejected { tag, attempt } => {
                format!(
                    "queue full for {}.{} attempt {attempt}",
                    tag.client, tag.sequence
                )
            }
            Message::Response { tag, outcome } => match outcome {
                Outcome::Served { server, attempts } => format!(
                    "{}.{} served by {server} in {attempts} attempt(s)",
                    tag.client, tag.sequence
                ),
                Outcome::Failed { failure, .. } => {
                    format!("{}.{} failed: {}", tag.client, tag.sequence, failure.name())
                }
            },
            Message::HealthCheck { sequence } => format!("health check {sequence}"),
            Message::HealthReply { sequence, load } => {
                format!("healthy ({sequence}), load {load}")
            }
        }
    }
}

/// The timers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Timer {
    /// Client: start the next request.
    Arrival,
    /// Client: stop waiting for request `sequence`.
    ClientTimeout {
        /// The request's sequence number.
        sequence: u64,
    },
    /// Balancer: the next round of health checks.
    HealthCheck,
    /// Balancer: the current attempt of `tag` took too long.
    AttemptTimeout {
        /// The request.
        tag: RequestTag,
    },
    /// Balancer: the backoff before retrying `tag` is over.
    RetryBackoff {
        /// The request.
        tag: RequestTag,
    },
    /// Server: a worker finished attempt `attempt` of `tag`.
    ServiceDone {
        /// The request.
        tag: RequestTag,
        /// The attempt number.
        attempt: u32,
    },
}

/// A node of the load balancing lab: its role's state, plus the lab's parameters
/// (shared by every node and cheap to clone).
#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancing {
    /// The node's role and state.
    pub role: Role,
    #[serde(skip)]
    config: std::sync::Arc<Config>,
}

/// A node's role and its state.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "role")]
pub enum Role {
    /// Generates requests and measures latency.
    Client(Client),
    /// Chooses a server for each request.
    Balancer(Balancer),
    /// Serves requests.
    Server(Server),
}

impl LoadBalancing {
    /// The lab parameters this node was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Multiplies this node's service times by `percent` / 100 if it is a server;
    /// returns whether it is one.
    pub fn set_slowdown_percent(&mut self, percent: u32) -> bool {
        match &mut self.role {
            Role::Server(server) => {
                server.slowdown_percent = percent.max(1);
                true
            }
            _ => false,
        }
    }

    /// Switches this node's policy if it is a balancer; returns whether it is one.
    pub fn set_policy(&mut self, policy: Policy) -> bool {
        match &mut self.role {
            Role::Balancer(balancer) => {
                balancer.policy = policy;
                true
            }
            _ => false,
        }
    }
}

impl Protocol for LoadBalancing {
    type Message = Message;
    type Timer = Timer;
    type Request = ClientOp;
    type Reply = Outcome;
    type Durable = ();
    type Config = Config;

    fn new(id: NodeId, members: &[NodeId], config: &Config) -> Self {
        let random = Stream::for_node(config.seed.unwrap_or(0), id);
        let window_us = config.metrics_window_ms.saturating_mul(MICROS_PER_MS);
        let role = match config.role_of(id) {
            RoleOf::Balancer => Role::Balancer(Balancer::new(config, members, random)),
            RoleOf::Client(index) => Role::Client(Client::new(index, random, window_us)),
            RoleOf::Server(index) => Role::Server(Server::new(
                index,
                config.servers.server(index),
                random,
                window_us,
            )),
        };
        Self {
            role,
            config: std::sync::Arc::new(config.clone()),
        }
    }

    fn recover(id: NodeId, members: &[NodeId], config: &Config, _durable: ()) -> Self {
        // Nothing survives a crash: a restarted server comes back idle and empty.
        Self::new(id, members, config)
    }

    fn durable(&self) {}

    fn on_start(&mut self, ctx: &Context<'_>, out: &mut OutFor<Self>) {
        let config = std::sync::Arc::clone(&self.config);
        match &mut self.role {
            Role::Client(client) => client.schedule_arrival(&config.clients, out),
            Role::Balancer(balancer) => {
                balancer.sync_servers(&config, ctx.nodes, out);
                if let Some(check) = config.health_check {
                    // A random phase keeps balancers from checking in lockstep.
                    let interval = check.interval_ms.saturating_mul(MICROS_PER_MS);
                    out.set_timer(Timer::HealthCheck, 0, interval);
                }
            }
            Role::Server(server) => server.start_at(ctx.now),
        }
    }

    fn on_message(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        message: Message,
        out: &mut OutFor<Self>,
    ) {
        let config = std::sync::Arc::clone(&self.config);
        match (&mut self.role, message) {
            (Role::Client(client), Message::Response { tag, outcome }) => {
                client.on_response(ctx, tag, outcome, out);
            }
            (Role::Balancer(balancer), message) => {
                balancer.sync_servers(&config, ctx.nodes, out);
                match message {
                    Message::Request { tag, key } => {
                        balancer.on_request(ctx, &config, from, tag, key, out);
                    }
                    Message::Served { tag, attempt } => {
                        balancer.on_served(ctx, &config, from, tag, attempt, out);
                    }
                    Message::Rejected { tag, attempt } => {
                        balancer.on_rejected(&config, from, tag, attempt, out);
                    }
                    Message::HealthReply { sequence, load } => {
                        balancer.on_health_reply(&config, from, sequence, load);
                    }
                    Message::Forward { .. }
                    | Message::Response { .. }
                    | Message::HealthCheck { .. } => {}
                }
            }
            (Role::Server(server), Message::Forward { tag, attempt }) => {
                server.on_forward(
                    ctx,
                    Job {
                        balancer: from,
                        tag,
                        attempt,
                    },
                    out,
                );
            }
            (Role::Server(server), Message::HealthCheck { sequence }) => {
                out.send(
                    from,
                    Message::HealthReply {
                        sequence,
                        load: server.load(),
                    },
                );
            }
            // Anything else is a message for another role; a node ignores it.
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &Context<'_>, timer: Timer, out: &mut OutFor<Self>) {
        let config = std::sync::Arc::clone(&self.config);
        match (&mut self.role, timer) {
            (Role::Client(client), Timer::Arrival) => {
                client.start_request(ctx, &config.clients, config.balancers, None, None, out);
                client.schedule_arrival(&config.clients, out);
            }
            (Role::Client(client), Timer::ClientTimeout { sequence }) => {
                client.on_timeout(ctx, sequence, out);
            }
            (Role::Balancer(balancer), timer) => {
                balancer.sync_servers(&config, ctx.nodes, out);
                match timer {
                    Timer::HealthCheck => balancer.on_health_check(&config, out),
                    Timer::AttemptTimeout { tag } => {
                        balancer.on_attempt_timeout(ctx, &config, tag, out);
                    }
                    Timer::RetryBackoff { tag } => {
                        balancer.on_retry_backoff(ctx, &config, tag, out);
                    }
                    Timer::Arrival | Timer::ClientTimeout { .. } | Timer::ServiceDone { .. } => {}
                }
            }
            (Role::Server(server), Timer::ServiceDone { tag, attempt }) => {
                server.on_service_done(ctx, tag, attempt, out);
            }
            _ => {}
        }
    }

    fn on_client(
        &mut self,
        ctx: &Context<'_>,
        id: RequestId,
        request: ClientOp,
        out: &mut OutFor<Self>,
    ) {
        let config = std::sync::Arc::clone(&self.config);
        match &mut self.role {
            Role::Client(client) => {
                let key = request.key.map(|key| key % config.clients.keys.max(1));
                client.start_request(ctx, &config.clients, config.balancers, key, Some(id), out);
            }
            Role::Balancer(_) | Role::Server(_) => out.reply(
                id,
                Outcome::Failed {
                    failure: Failure::NotAClient,
                    attempts: 0,
                },
            ),
        }
    }

    fn role(&self) -> &'static str {
        match self.role {
            Role::Client(_) => "client",
            Role::Balancer(_) => "balancer",
            Role::Server(_) => "server",
        }
    }
}

#[cfg(test)]
mod tests;
