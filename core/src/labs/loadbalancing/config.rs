//! The lab's parameters (`params` in a scenario) and their validation.

use serde::{Deserialize, Serialize};

use super::policy::Policy;
use crate::protocol::{MICROS_PER_MS, NodeId, Time};

/// Everything that shapes a load balancing run. Node ids are laid out by role:
/// `0 .. balancers` are balancers, the next `clients.count` ids are clients, and
/// every id after that is a server, so a node added while the run goes is a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Seeds each node's random stream (power of two choices, Poisson arrivals,
    /// service times). Scenarios that leave it out get the scenario's `seed`.
    pub seed: Option<u64>,
    /// How many balancers; clients spread their requests over all of them.
    pub balancers: u32,
    /// The clients and the traffic they generate.
    pub clients: ClientsConfig,
    /// The servers behind the balancers.
    pub servers: ServersConfig,
    /// How balancers choose a server.
    pub policy: Policy,
    /// Which load figure least connections and power of two choices compare.
    pub load_view: LoadView,
    /// The weight of a new sample in a balancer's moving average of a server's
    /// response time, in percent (20 means `average += 0.2 * (sample - average)`).
    pub response_time_smoothing_percent: u32,
    /// How long a balancer waits for a server's answer before it gives up on that
    /// attempt, in milliseconds.
    pub request_timeout_ms: u64,
    /// The most requests one balancer holds at once; more are refused.
    pub balancer_pending_max: u32,
    /// Retries of failed attempts by the balancer.
    pub retries: RetryConfig,
    /// Active health checks by the balancers, or none (every server counts as
    /// healthy forever).
    pub health_check: Option<HealthCheckConfig>,
    /// The width of one window of the metrics over time, in milliseconds.
    pub metrics_window_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            seed: None,
            balancers: 1,
            clients: ClientsConfig::default(),
            servers: ServersConfig::default(),
            policy: Policy::RoundRobin,
            load_view: LoadView::OwnOutstanding,
            response_time_smoothing_percent: 20,
            request_timeout_ms: 1_000,
            balancer_pending_max: 10_000,
            retries: RetryConfig::default(),
            health_check: Some(HealthCheckConfig::default()),
            metrics_window_ms: 1_000,
        }
    }
}

/// The clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientsConfig {
    /// How many client nodes.
    pub count: u32,
    /// Requests each client starts per second (0 for none: only requests sent from
    /// the scenario or the UI).
    pub rate_per_second: f64,
    /// How the gaps between a client's requests are distributed.
    pub arrival: Arrival,
    /// How many distinct request keys there are (the key consistent hashing uses).
    pub keys: u32,
    /// How long a client waits for an answer before counting the request as failed,
    /// in milliseconds.
    pub timeout_ms: u64,
    /// The most requests one client has outstanding; when full, new requests fail
    /// at once.
    pub outstanding_max: u32,
}

impl Default for ClientsConfig {
    fn default() -> Self {
        Self {
            count: 2,
            rate_per_second: 150.0,
            arrival: Arrival::Poisson,
            keys: 100,
            timeout_ms: 5_000,
            outstanding_max: 10_000,
        }
    }
}

/// The distribution of the gaps between a client's requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// Exactly `1 / rate` apart.
    Steady,
    /// Exponentially distributed gaps with mean `1 / rate`: a Poisson process, the
    /// usual model of many independent users.
    #[default]
    Poisson,
}

/// Which load figure a balancer compares between servers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadView {
    /// The requests this balancer has sent to the server and not yet seen answered:
    /// exact for itself, blind to every other balancer.
    #[default]
    OwnOutstanding,
    /// The load the server reported in its last health-check answer, as when
    /// balancers read a shared load report: it covers every balancer's traffic but is
    /// up to one health-check interval old, and every balancer reads the same figure,
    /// which is what makes them herd onto the server that looked idle
    /// (Mitzenmacher's periodic "bulletin board").
    HealthCheckReports,
}

/// The servers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServersConfig {
    /// How many servers the run starts with.
    pub count: u32,
    /// The settings of every server not listed in `each`, and of servers added later.
    pub defaults: ServerConfig,
    /// Settings of the first servers, in order, overriding `defaults` field by field.
    pub each: Vec<ServerOverride>,
}

impl Default for ServersConfig {
    fn default() -> Self {
        Self {
            count: 4,
            defaults: ServerConfig::default(),
            each: Vec::new(),
        }
    }
}

impl ServersConfig {
    /// The settings of the server with index `index` (0 for the first server).
    pub fn server(&self, index: u32) -> ServerConfig {
        let mut config = self.defaults;
        if let Some(choice) = self.each.get(index as usize) {
            if let Some(concurrency) = choice.concurrency {
                config.concurrency = concurrency;
            }
            if let Some(service_time) = choice.service_time {
                config.service_time = service_time;
            }
            if let Some(weight) = choice.weight {
                config.weight = weight;
            }
            if let Some(queue_length_max) = choice.queue_length_max {
                config.queue_length_max = queue_length_max;
            }
        }
        config
    }
}

/// One server's capacity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Requests served at the same time (worker threads).
    pub concurrency: u32,
    /// How long serving one request takes.
    pub service_time: ServiceTime,
    /// The weight weighted policies give the server.
    pub weight: u32,
    /// The most requests waiting for a worker; a request arriving at a full queue is
    /// rejected at once.
    pub queue_length_max: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            service_time: ServiceTime::Exponential { mean_ms: 10.0 },
            weight: 1,
            queue_length_max: 100,
        }
    }
}

/// Field-by-field overrides of [`ServerConfig`] for one server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerOverride {
    /// Overrides `concurrency`.
    pub concurrency: Option<u32>,
    /// Overrides `service_time`.
    pub service_time: Option<ServiceTime>,
    /// Overrides `weight`.
    pub weight: Option<u32>,
    /// Overrides `queue_length_max`.
    pub queue_length_max: Option<u32>,
}

/// The distribution of the time one request takes to serve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "distribution", deny_unknown_fields)]
pub enum ServiceTime {
    /// Always `ms`.
    Fixed {
        /// The service time in milliseconds.
        ms: f64,
    },
    /// Uniform between `ms_min` and `ms_max`.
    Uniform {
        /// The shortest service time in milliseconds.
        ms_min: f64,
        /// The longest service time in milliseconds.
        ms_max: f64,
    },
    /// Exponential with mean `mean_ms` (the memoryless service of queueing theory's
    /// M/M/c), capped at 40 means.
    Exponential {
        /// The mean service time in milliseconds.
        mean_ms: f64,
    },
}

// Written by hand rather than derived, for a smaller browser build; the format and
// messages are the derive's (see `crate::tagged_enum`, whose tests compare the two).
impl<'de> Deserialize<'de> for ServiceTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tagged = crate::tagged_enum::Tagged::read(
            deserializer,
            "distribution",
            &["fixed", "uniform", "exponential"],
            "internally tagged enum ServiceTime",
        )?;
        Ok(match tagged.variant {
            0 => ServiceTime::Fixed {
                ms: tagged.one(&["ms"], "struct variant ServiceTime::Fixed")?,
            },
            1 => {
                let (ms_min, ms_max) =
                    tagged.two(&["ms_min", "ms_max"], "struct variant ServiceTime::Uniform")?;
                ServiceTime::Uniform { ms_min, ms_max }
            }
            _ => ServiceTime::Exponential {
                mean_ms: tagged.one(&["mean_ms"], "struct variant ServiceTime::Exponential")?,
            },
        })
    }
}

/// Milliseconds (validated finite, positive and bounded) to whole microseconds.
pub fn ms_to_us(ms: f64) -> Time {
    (ms * MICROS_PER_MS as f64).round().max(1.0) as Time
}

/// Retries by the balancer of attempts that timed out, were rejected or hit a
/// removed server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Retries per request at most (0 turns retries off).
    pub retries_max: u32,
    /// The backoff before the first retry is drawn from `[0, backoff_ms_base]`, and
    /// the bound doubles with each retry ("full jitter").
    pub backoff_ms_base: u64,
    /// The bound of the backoff never exceeds this, in milliseconds.
    pub backoff_ms_max: u64,
    /// The retry budget: each new request earns this percentage of a retry, and a
    /// retry spends one whole retry (as Finagle's and gRPC's budgets do).
    pub budget_percent: u32,
    /// The most retries the budget can save up.
    pub budget_retries_max: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            retries_max: 0,
            backoff_ms_base: 10,
            backoff_ms_max: 1_000,
            budget_percent: 10,
            budget_retries_max: 10,
        }
    }
}

/// Active health checks: every `interval_ms` each balancer asks each server; no
/// answer by the next check counts as a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthCheckConfig {
    /// The time between two checks, in milliseconds.
    pub interval_ms: u64,
    /// Failures in a row that mark a healthy server unhealthy.
    pub unhealthy_threshold: u32,
    /// Successes in a row that mark an unhealthy server healthy again.
    pub healthy_threshold: u32,
}

impl Default for HealthCheckConfig {
    fn default() -> Self {
        Self {
            interval_ms: 500,
            unhealthy_threshold: 3,
            healthy_threshold: 2,
        }
    }
}

/// A node's role, which follows from its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleOf {
    /// A balancer.
    Balancer,
    /// A client, with its index among the clients.
    Client(u32),
    /// A server, with its index among the servers.
    Server(u32),
}

impl Config {
    /// The id of the first server.
    pub fn first_server(&self) -> NodeId {
        self.balancers.saturating_add(self.clients.count)
    }

    /// The number of nodes a scenario must start with.
    pub fn node_count(&self) -> u32 {
        self.first_server().saturating_add(self.servers.count)
    }

    /// The role of node `id`.
    pub fn role_of(&self, id: NodeId) -> RoleOf {
        if id < self.balancers {
            RoleOf::Balancer
        } else if id < self.first_server() {
            RoleOf::Client(id - self.balancers)
        } else {
            RoleOf::Server(id - self.first_server())
        }
    }

    /// Checks every field; the error names the field's path and the reason.
    pub fn validate(&self) -> Result<(), (String, String)> {
        fn range<T: PartialOrd + std::fmt::Display>(
            path: &str,
            value: T,
            low: T,
            high: T,
        ) -> Result<(), (String, String)> {
            if value < low || value > high {
                return Err((
                    path.to_string(),
                    format!("must be between {low} and {high}, got {value}"),
                ));
            }
            Ok(())
        }
        fn milliseconds(path: &str, value: f64) -> Result<(), (String, String)> {
            if !value.is_finite() || value <= 0.0 || value > 3_600_000.0 {
                return Err((
                    path.to_string(),
                    format!(
                        "must be a number of milliseconds above 0 and at most 3600000, got {value}"
                    ),
                ));
            }
            Ok(())
        }
        range("balancers", self.balancers, 1, 64)?;
        range("clients.count", self.clients.count, 1, 256)?;
        let rate = self.clients.rate_per_second;
        if !rate.is_finite() || !(0.0..=100_000.0).contains(&rate) {
            return Err((
                "clients.rate_per_second".to_string(),
                format!("must be between 0 and 100000, got {rate}"),
            ));
        }
        range("clients.keys", self.clients.keys, 1, 1_000_000)?;
        range("clients.timeout_ms", self.clients.timeout_ms, 1, 3_600_000)?;
        range(
            "clients.outstanding_max",
            self.clients.outstanding_max,
            1,
            100_000,
        )?;
        range("servers.count", self.servers.count, 1, 1_024)?;
        if self.servers.each.len() > self.servers.count as usize {
            return Err((
                "servers.each".to_string(),
                format!(
                    "lists {} servers but servers.count is {}",
                    self.servers.each.len(),
                    self.servers.count
                ),
            ));
        }
        for index in 0..=self.servers.each.len() {
            // Index `each.len()` stands for `defaults` (every later server).
            let (path, server) = if index < self.servers.each.len() {
                (
                    format!("servers.each[{index}]"),
                    self.servers.server(index as u32),
                )
            } else {
                ("servers.defaults".to_string(), self.servers.defaults)
            };
            range(
                &format!("{path}.concurrency"),
                server.concurrency,
                1,
                10_000,
            )?;
            range(&format!("{path}.weight"), server.weight, 1, 1_000)?;
            range(
                &format!("{path}.queue_length_max"),
                server.queue_length_max,
                0,
                100_000,
            )?;
            let service = format!("{path}.service_time");
            match server.service_time {
                ServiceTime::Fixed { ms } => milliseconds(&format!("{service}.ms"), ms)?,
                ServiceTime::Exponential { mean_ms } => {
                    milliseconds(&format!("{service}.mean_ms"), mean_ms)?
                }
                ServiceTime::Uniform { ms_min, ms_max } => {
                    milliseconds(&format!("{service}.ms_min"), ms_min)?;
                    milliseconds(&format!("{service}.ms_max"), ms_max)?;
                    if ms_max < ms_min {
                        return Err((
                            format!("{service}.ms_max"),
                            format!("must be at least ms_min ({ms_min}), got {ms_max}"),
                        ));
                    }
                }
            }
        }
        range(
            "response_time_smoothing_percent",
            self.response_time_smoothing_percent,
            1,
            100,
        )?;
        range("request_timeout_ms", self.request_timeout_ms, 1, 3_600_000)?;
        range(
            "balancer_pending_max",
            self.balancer_pending_max,
            1,
            1_000_000,
        )?;
        range("retries.retries_max", self.retries.retries_max, 0, 10)?;
        range(
            "retries.backoff_ms_base",
            self.retries.backoff_ms_base,
            0,
            60_000,
        )?;
        range(
            "retries.backoff_ms_max",
            self.retries.backoff_ms_max,
            0,
            3_600_000,
        )?;
        range(
            "retries.budget_percent",
            self.retries.budget_percent,
            0,
            100,
        )?;
        range(
            "retries.budget_retries_max",
            self.retries.budget_retries_max,
            0,
            100_000,
        )?;
        if let Some(check) = &self.health_check {
            range("health_check.interval_ms", check.interval_ms, 1, 3_600_000)?;
            range(
                "health_check.unhealthy_threshold",
                check.unhealthy_threshold,
                1,
                100,
            )?;
            range(
                "health_check.healthy_threshold",
                check.healthy_threshold,
                1,
                100,
            )?;
        }
        range("metrics_window_ms", self.metrics_window_ms, 10, 3_600_000)?;
        Ok(())
    }
}
