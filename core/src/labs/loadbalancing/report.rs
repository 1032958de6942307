//! The lab's report: every client's and server's records merged into one picture.
//!
//! Latency is reported twice, because a latency chart of successes alone flatters a
//! failing system: a server that is dead or saturated turns requests into errors, and
//! their slow timeouts never reach the success percentiles. So `latency` covers the
//! requests that succeeded, `failed_latency` covers how long each failed request took
//! to fail (from sending it until the client learned of the error or gave up), and
//! `error_rate` says what share of the requests that ended failed.
//!
//! Percentiles are exact merges of the clients' log histograms (see
//! [`super::histogram`]), reported as bucket midpoints, within 1.6% of the true
//! sample. Windows of different nodes are regrouped to the widest window width any
//! node uses before merging, so every series in the report shares one time axis.

use crate::collections::SortedMap;

use serde::Serialize;

use super::balancer::BalancerCounts;
use super::client::ClientWindow;
use super::histogram::{Histogram, WINDOWS_MAX, Windows};
use super::server::ServerWindow;
use super::{LoadBalancing, Role};
use crate::protocol::{MICROS_PER_MS, NodeId, Time};

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Requests measured.
    pub count: u64,
    /// The mean.
    pub mean_ms: f64,
    /// The median.
    pub p50_ms: f64,
    /// The 95th percentile.
    pub p95_ms: f64,
    /// The 99th percentile.
    pub p99_ms: f64,
    /// The slowest.
    pub max_ms: f64,
}

fn to_ms(micros: u64) -> f64 {
    micros as f64 / MICROS_PER_MS as f64
}

impl LatencySummary {
    fn of(histogram: &Histogram) -> Self {
        Self {
            count: histogram.count(),
            mean_ms: histogram.mean() / MICROS_PER_MS as f64,
            p50_ms: to_ms(histogram.quantile(0.50)),
            p95_ms: to_ms(histogram.quantile(0.95)),
            p99_ms: to_ms(histogram.quantile(0.99)),
            max_ms: to_ms(histogram.max()),
        }
    }
}

/// One bar of the latency histogram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramBar {
    /// The bar's lowest latency in milliseconds.
    pub ms_low: f64,
    /// The bar's highest latency in milliseconds.
    pub ms_high: f64,
    /// Requests in the bar.
    pub count: u64,
}

/// The clients' view of one window of time. A request belongs to the window in
/// which it ended (succeeded or failed), except `started`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowReport {
    /// The window's start in milliseconds.
    pub start_ms: f64,
    /// Requests started.
    pub started: u64,
    /// Requests that succeeded.
    pub succeeded: u64,
    /// Requests that failed.
    pub failed: u64,
    /// The share of the requests that ended in this window that failed, from 0 to 1
    /// (0 when none ended).
    pub error_rate: f64,
    /// Successful requests per second.
    pub throughput_per_second: f64,
    /// Latencies of the requests that succeeded.
    pub latency: LatencySummary,
    /// How long the requests that failed took to fail.
    pub failed_latency: LatencySummary,
}

/// One server's window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerWindowReport {
    /// The window's start in milliseconds.
    pub start_ms: f64,
    /// The share of worker time spent serving, from 0 to 1.
    pub utilization: f64,
    /// The longest the queue was.
    pub queue_length_max: u32,
    /// Requests served.
    pub completed: u64,
    /// Requests rejected.
    pub rejected: u64,
}

/// One server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerReport {
    /// Its node.
    pub node: NodeId,
    /// What the simulator says of it (`up`, `crashed`, ...).
    pub status: String,
    /// Its weight.
    pub weight: u32,
    /// Its workers.
    pub concurrency: u32,
    /// Its service-time factor in percent.
    pub slowdown_percent: u32,
    /// Requests being served now.
    pub in_service: u32,
    /// Requests waiting now.
    pub queue_length: u32,
    /// Requests received.
    pub received: u64,
    /// Requests served.
    pub completed: u64,
    /// Requests rejected.
    pub rejected: u64,
    /// The share of worker time spent serving since it started, from 0 to 1.
    pub utilization: f64,
    /// Over time.
    pub windows: Vec<ServerWindowReport>,
}

/// One balancer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalancerReport {
    /// Its node.
    pub node: NodeId,
    /// Its policy.
    pub policy: &'static str,
    /// Its counters.
    pub counts: BalancerCounts,
    /// The servers it considers healthy.
    pub healthy_servers: Vec<NodeId>,
    /// Requests it holds now.
    pub pending: u64,
}

/// Everything the lab measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The time of the report in milliseconds.
    pub now_ms: f64,
    /// The width of a window in milliseconds.
    pub window_ms: f64,
    /// Requests the clients started.
    pub requests_started: u64,
    /// Requests that succeeded.
    pub requests_succeeded: u64,
    /// Requests that failed.
    pub requests_failed: u64,
    /// Requests still waiting for an answer.
    pub requests_waiting: u64,
    /// Failures by reason.
    pub failures: SortedMap<String, u64>,
    /// Successful requests per second over the whole run.
    pub throughput_per_second: f64,
    /// The share of the requests that ended that failed, from 0 to 1.
    pub error_rate: f64,
    /// Latency of successful requests over the whole run.
    pub latency: LatencySummary,
    /// How long failed requests took to fail over the whole run.
    pub failed_latency: LatencySummary,
    /// Successful requests by latency, [`HISTOGRAM_BARS_PER_DOUBLING`] bars per
    /// doubling, only the bars hit, by ascending latency.
    pub latency_histogram: Vec<HistogramBar>,
    /// Failed requests by time to fail, binned like `latency_histogram`.
    pub failed_latency_histogram: Vec<HistogramBar>,
    /// The clients' metrics over time.
    pub windows: Vec<WindowReport>,
    /// Each server.
    pub servers: Vec<ServerReport>,
    /// Each balancer.
    pub balancers: Vec<BalancerReport>,
    /// Entry `i`: the share of the servers' time they held at least `i` requests (serving
    /// plus waiting), over the whole run; entry 0 is 1. The figure of Mitzenmacher's "The
    /// Power of Two Choices in Randomized Load Balancing" (2001): with random choice the
    /// shares fall geometrically (λ^i), with the shorter of two queues doubly
    /// exponentially (λ^(2^i − 1)). Ends at the first share under 1 in 10,000.
    pub servers_with_at_least: Vec<f64>,
}

/// Bars per doubling of latency in the report's histograms: each bar spans at most
/// 1/8 of its lower edge, fine enough to show a second mode (a slow server's
/// requests) and coarse enough to draw.
pub const HISTOGRAM_BARS_PER_DOUBLING: u32 = 8;

fn bars(histogram: &Histogram) -> Vec<HistogramBar> {
    histogram
        .coarse_buckets(HISTOGRAM_BARS_PER_DOUBLING)
        .into_iter()
        .map(|(low, high, count)| HistogramBar {
            ms_low: to_ms(low),
            ms_high: to_ms(high),
            count,
        })
        .collect()
}

/// `failed` out of `failed + succeeded`, or 0 when nothing ended.
fn rate(failed: u64, succeeded: u64) -> f64 {
    let ended = failed.saturating_add(succeeded);
    if ended == 0 {
        0.0
    } else {
        failed as f64 / ended as f64
    }
}

/// The width every node's series would have at time `now` if it had recorded then.
fn width_at(base: Time, now: Time) -> Time {
    let mut width = base.max(1);
    while now / width >= WINDOWS_MAX as Time {
        width = width.saturating_mul(2);
    }
    width
}

fn regroup_into<T: super::histogram::WindowRecord>(
    total: &mut Vec<T>,
    windows: &Windows<T>,
    width: Time,
) {
    for (index, record) in windows.regrouped(width).into_iter().enumerate() {
        if total.len() <= index {
            total.resize(index + 1, T::default());
        }
        total[index].merge(&record);
    }
}

/// Builds the report at time `now` from every node: `(id, status, state)`.
pub fn report<'a>(
    now: Time,
    nodes: impl IntoIterator<Item = (NodeId, String, &'a LoadBalancing)>,
) -> Report {
    let nodes: Vec<(NodeId, String, &LoadBalancing)> = nodes.into_iter().collect();
    let base = nodes.first().map_or(MICROS_PER_MS * 1_000, |(_, _, node)| {
        node.config()
            .metrics_window_ms
            .saturating_mul(MICROS_PER_MS)
    });
    let mut width = width_at(base, now);
    for (_, _, node) in &nodes {
        match &node.role {
            Role::Client(client) => width = width.max(client.windows.width()),
            Role::Server(server) => width = width.max(server.windows.width()),
            Role::Balancer(_) => {}
        }
    }
    // Every series runs to the window holding `now` (none before time starts).
    let windows_until_now = if now == 0 {
        0
    } else {
        (now / width) as usize + 1
    };
    let mut latency = Histogram::default();
    let mut failed_latency = Histogram::default();
    let mut client_windows: Vec<ClientWindow> = Vec::new();
    let mut failures: SortedMap<String, u64> = SortedMap::new();
    let (mut started, mut succeeded, mut waiting) = (0, 0, 0);
    let mut servers = Vec::new();
    let mut balancers = Vec::new();
    let mut load_us: Vec<u64> = Vec::new();
    for (id, status, node) in &nodes {
        match &node.role {
            Role::Client(client) => {
                latency.merge(&client.latency);
                failed_latency.merge(&client.failed_latency);
                regroup_into(&mut client_windows, &client.windows, width);
                started += client.next_sequence;
                succeeded += client.succeeded;
                waiting += client.waiting.len() as u64;
                for (failure, count) in &client.failures {
                    *failures.entry(failure.name().to_string()).or_insert(0) += count;
                }
            }
            Role::Server(server) => {
                let mut server = server.clone();
                // A crashed or removed server's workers stopped with it: its busy time
                // ends where its accounts end.
                if status == "up" || status == "paused" {
                    server.account(now);
                    server.account_load(now);
                }
                if load_us.len() < server.load_us.len() {
                    load_us.resize(server.load_us.len(), 0);
                }
                for (total, us) in load_us.iter_mut().zip(&server.load_us) {
                    *total = total.saturating_add(*us);
                }
                let mut windows: Vec<ServerWindow> = Vec::new();
                regroup_into(&mut windows, &server.windows, width);
                // A server that nothing reaches any more (crashed, or avoided by the
                // policy) records no windows; its series still runs to the present,
                // idle, so its latest window says 0% busy rather than repeating its
                // last busy one.
                windows.resize(
                    windows.len().max(windows_until_now),
                    ServerWindow::default(),
                );
                let concurrency = u64::from(server.config.concurrency.max(1));
                let lifetime = now.saturating_sub(server.started_at);
                let window_reports = windows
                    .iter()
                    .enumerate()
                    .map(|(index, window)| {
                        let start = index as Time * width;
                        let span = (start + width).min(now).saturating_sub(start).max(1);
                        ServerWindowReport {
                            start_ms: to_ms(start),
                            utilization: window.busy_us as f64 / (span * concurrency) as f64,
                            queue_length_max: window.queue_length_max,
                            completed: window.completed,
                            rejected: window.rejected,
                        }
                    })
                    .collect();
                servers.push(ServerReport {
                    node: *id,
                    status: status.clone(),
                    weight: server.config.weight,
                    concurrency: server.config.concurrency,
                    slowdown_percent: server.slowdown_percent,
                    in_service: server.in_service.len() as u32,
                    queue_length: server.queue.len() as u32,
                    received: server.received,
                    completed: server.completed,
                    rejected: server.rejected,
                    utilization: if lifetime == 0 {
                        0.0
                    } else {
                        server.busy_us as f64 / (lifetime * concurrency) as f64
                    },
                    windows: window_reports,
                });
            }
            Role::Balancer(balancer) => balancers.push(BalancerReport {
                node: *id,
                policy: balancer.policy.name(),
                counts: balancer.counts.clone(),
                healthy_servers: balancer
                    .servers
                    .iter()
                    .filter(|view| view.healthy)
                    .map(|view| view.server)
                    .collect(),
                pending: balancer.pending.len() as u64,
            }),
        }
    }
    client_windows.resize(
        client_windows.len().max(windows_until_now),
        ClientWindow::default(),
    );
    let failed = failures.values().sum();
    let seconds = |micros: Time| micros as f64 / 1_000_000.0;
    let windows = client_windows
        .iter()
        .enumerate()
        .map(|(index, window)| {
            let start = index as Time * width;
            let span = (start + width).min(now).saturating_sub(start).max(1);
            WindowReport {
                start_ms: to_ms(start),
                started: window.started,
                succeeded: window.latency.count(),
                failed: window.errors,
                error_rate: rate(window.errors, window.latency.count()),
                throughput_per_second: window.latency.count() as f64 / seconds(span),
                latency: LatencySummary::of(&window.latency),
                failed_latency: LatencySummary::of(&window.failed_latency),
            }
        })
        .collect();
    Report {
        now_ms: to_ms(now),
        window_ms: to_ms(width),
        requests_started: started,
        requests_succeeded: succeeded,
        requests_failed: failed,
        requests_waiting: waiting,
        failures,
        throughput_per_second: if now == 0 {
            0.0
        } else {
            succeeded as f64 / seconds(now)
        },
        error_rate: rate(failed, succeeded),
        latency: LatencySummary::of(&latency),
        failed_latency: LatencySummary::of(&failed_latency),
        latency_histogram: bars(&latency),
        failed_latency_histogram: bars(&failed_latency),
        windows,
        servers,
        balancers,
        servers_with_at_least: at_least(&load_us),
    }
}

/// The tail shares of the time at each load: entry `i` is the share at `i` or more.
fn at_least(load_us: &[u64]) -> Vec<f64> {
    let total: u64 = load_us.iter().sum();
    let mut shares = Vec::new();
    if total == 0 {
        return shares;
    }
    let mut tail = total;
    for us in load_us {
        let share = tail as f64 / total as f64;
        if share < 1e-4 {
            break;
        }
        shares.push(share);
        tail -= us;
    }
    shares
}

impl Report {
    /// The report's headline figures by name, for the engine's gauges and the CLI:
    /// `latency_ms_{mean,p50,p95,p99,max}` (successful requests),
    /// `failed_latency_ms_{p50,p99}` (time to fail), `error_rate`,
    /// `throughput_per_second`, `requests_{started,succeeded,failed}`,
    /// `failures.REASON`, the balancers' summed `retries`, `retries_denied`,
    /// `timeouts` and `rejections`, `server.ID.utilization` and
    /// `server.ID.queue_length`, `servers_with_at_least.I` for I from 1 to 6, and the
    /// last complete window's
    /// `window_latency_ms_{p50,p99}`, `window_failed_latency_ms_p99`,
    /// `window_error_rate` and `window_throughput_per_second`.
    pub fn scalars(&self) -> SortedMap<String, f64> {
        let mut scalars = SortedMap::new();
        let mut put = |name: String, value: f64| {
            scalars.insert(name, value);
        };
        put("latency_ms_mean".into(), self.latency.mean_ms);
        put("latency_ms_p50".into(), self.latency.p50_ms);
        put("latency_ms_p95".into(), self.latency.p95_ms);
        put("latency_ms_p99".into(), self.latency.p99_ms);
        put("latency_ms_max".into(), self.latency.max_ms);
        put("failed_latency_ms_p50".into(), self.failed_latency.p50_ms);
        put("failed_latency_ms_p99".into(), self.failed_latency.p99_ms);
        put("error_rate".into(), self.error_rate);
        put("throughput_per_second".into(), self.throughput_per_second);
        put("requests_started".into(), self.requests_started as f64);
        put("requests_succeeded".into(), self.requests_succeeded as f64);
        put("requests_failed".into(), self.requests_failed as f64);
        for (reason, count) in &self.failures {
            put(format!("failures.{reason}"), *count as f64);
        }
        let sum = |pick: fn(&BalancerCounts) -> u64| {
            self.balancers
                .iter()
                .map(|balancer| pick(&balancer.counts))
                .sum::<u64>() as f64
        };
        put("retries".into(), sum(|counts| counts.retries));
        put("retries_denied".into(), sum(|counts| counts.retries_denied));
        put("timeouts".into(), sum(|counts| counts.timeouts));
        put("rejections".into(), sum(|counts| counts.rejections));
        for server in &self.servers {
            put(
                format!("server.{}.utilization", server.node),
                server.utilization,
            );
            put(
                format!("server.{}.queue_length", server.node),
                f64::from(server.queue_length),
            );
        }
        for (i, share) in self
            .servers_with_at_least
            .iter()
            .enumerate()
            .skip(1)
            .take(6)
        {
            put(format!("servers_with_at_least.{i}"), *share);
        }
        // The window before the current one is the latest that is complete.
        if self.windows.len() >= 2 {
            let window = &self.windows[self.windows.len() - 2];
            put("window_latency_ms_p50".into(), window.latency.p50_ms);
            put("window_latency_ms_p99".into(), window.latency.p99_ms);
            put(
                "window_failed_latency_ms_p99".into(),
                window.failed_latency.p99_ms,
            );
            put("window_error_rate".into(), window.error_rate);
            put(
                "window_throughput_per_second".into(),
                window.throughput_per_second,
            );
        }
        scalars
    }
}
