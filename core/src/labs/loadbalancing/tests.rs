//! Tests of the lab: handlers called directly (sans-IO, reading the recorded
//! effects), then whole presets run through the engine, each checked on the metric
//! it is about.

use super::balancer::Stage;
use super::config::{HealthCheckConfig, ServerConfig, ServiceTime};
use super::report::Report;
use super::*;
use crate::lab::LabRun;
use crate::protocol::{Effect, Out, Time};
use crate::scenario::Scenario;

type LbOut = Out<Message, Timer, Outcome>;

/// One balancer (node 0), one client (node 1) and `servers` servers (nodes 2 on).
fn small_config(servers: u32) -> Config {
    Config {
        clients: config::ClientsConfig {
            count: 1,
            rate_per_second: 0.0,
            ..Default::default()
        },
        servers: config::ServersConfig {
            count: servers,
            defaults: ServerConfig {
                concurrency: 1,
                service_time: ServiceTime::Fixed { ms: 10.0 },
                weight: 1,
                queue_length_max: 1,
            },
            each: Vec::new(),
        },
        health_check: None,
        ..Default::default()
    }
}

fn members(config: &Config) -> Vec<NodeId> {
    (0..config.node_count()).collect()
}

fn context<'a>(id: NodeId, now: Time, nodes: &'a [NodeId]) -> Context<'a> {
    Context { id, now, nodes }
}

fn sends(out: &LbOut) -> Vec<(NodeId, Message)> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { to, message } => Some((*to, message.clone())),
            _ => None,
        })
        .collect()
}

fn timers(out: &LbOut) -> Vec<(Timer, Time, Time)> {
    out.effects()
        .iter()
        .filter_map(|effect| match effect {
            Effect::SetTimer {
                timer,
                delay_min,
                delay_max,
            } => Some((timer.clone(), *delay_min, *delay_max)),
            _ => None,
        })
        .collect()
}

fn tag(sequence: u64) -> RequestTag {
    RequestTag {
        client: 1,
        sequence,
    }
}

fn forward(server: &mut LoadBalancing, nodes: &[NodeId], now: Time, sequence: u64) -> LbOut {
    let mut out = Out::new();
    server.on_message(
        &context(2, now, nodes),
        0,
        Message::Forward {
            tag: tag(sequence),
            attempt: 1,
        },
        &mut out,
    );
    out
}

#[test]
fn a_server_serves_while_workers_are_free_queues_while_the_queue_has_room_then_rejects() {
    let config = small_config(1);
    let nodes = members(&config);
    let mut server = LoadBalancing::new(2, &nodes, &config);
    let first = forward(&mut server, &nodes, 0, 0);
    assert_eq!(
        timers(&first),
        vec![(
            Timer::ServiceDone {
                tag: tag(0),
                attempt: 1
            },
            10_000,
            10_000
        )]
    );
    let second = forward(&mut server, &nodes, 1, 1);
    assert!(second.is_empty(), "the second request waits in the queue");
    let third = forward(&mut server, &nodes, 2, 2);
    assert_eq!(
        sends(&third),
        vec![(
            0,
            Message::Rejected {
                tag: tag(2),
                attempt: 1
            }
        )]
    );
}

#[test]
fn a_finished_request_answers_its_balancer_and_starts_the_oldest_waiting_one() {
    let config = small_config(1);
    let nodes = members(&config);
    let mut server = LoadBalancing::new(2, &nodes, &config);
    forward(&mut server, &nodes, 0, 0);
    forward(&mut server, &nodes, 0, 1);
    let mut out = Out::new();
    server.on_timer(
        &context(2, 10_000, &nodes),
        Timer::ServiceDone {
            tag: tag(0),
            attempt: 1,
        },
        &mut out,
    );
    assert_eq!(
        sends(&out),
        vec![(
            0,
            Message::Served {
                tag: tag(0),
                attempt: 1
            }
        )]
    );
    assert_eq!(
        timers(&out)[0].0,
        Timer::ServiceDone {
            tag: tag(1),
            attempt: 1
        }
    );
    let Role::Server(state) = &server.role else {
        panic!("node 2 is a server");
    };
    assert_eq!(state.busy_us, 10_000, "one worker was busy for 10 ms");
}

#[test]
fn a_slowed_server_multiplies_its_service_time() {
    let config = small_config(1);
    let nodes = members(&config);
    let mut server = LoadBalancing::new(2, &nodes, &config);
    assert!(server.set_slowdown_percent(500));
    let out = forward(&mut server, &nodes, 0, 0);
    assert_eq!(timers(&out)[0].1, 50_000);
}

fn request(balancer: &mut LoadBalancing, nodes: &[NodeId], now: Time, sequence: u64) -> LbOut {
    let mut out = Out::new();
    balancer.on_message(
        &context(0, now, nodes),
        1,
        Message::Request {
            tag: tag(sequence),
            key: 7,
        },
        &mut out,
    );
    out
}

#[test]
fn the_balancer_forwards_in_turn_and_relays_the_answer_to_the_client() {
    let config = small_config(3);
    let nodes = members(&config);
    let mut balancer = LoadBalancing::new(0, &nodes, &config);
    let mut chosen = Vec::new();
    for sequence in 0..6 {
        let out = request(&mut balancer, &nodes, 0, sequence);
        let (server, message) = sends(&out)[0].clone();
        assert_eq!(
            message,
            Message::Forward {
                tag: tag(sequence),
                attempt: 1
            }
        );
        chosen.push(server);
    }
    let mut sorted = chosen.clone();
    sorted.sort();
    assert_eq!(sorted, vec![2, 2, 3, 3, 4, 4], "round robin: {chosen:?}");
    assert_eq!(chosen[0..3], chosen[3..6], "the turn repeats");
    let mut out = Out::new();
    balancer.on_message(
        &context(0, 12_000, &nodes),
        chosen[0],
        Message::Served {
            tag: tag(0),
            attempt: 1,
        },
        &mut out,
    );
    assert_eq!(
        sends(&out),
        vec![(
            1,
            Message::Response {
                tag: tag(0),
                outcome: Outcome::Served {
                    server: chosen[0],
                    attempts: 1
                }
            }
        )]
    );
    let Role::Balancer(state) = &balancer.role else {
        panic!("node 0 is a balancer");
    };
    let view = &state.servers[(chosen[0] - 2) as usize];
    assert_eq!(
        view.response_time_us, 12_000,
        "the first sample sets the average"
    );
    assert_eq!(view.outstanding, 1, "one of its two requests is still out");
}

#[test]
fn a_timed_out_attempt_is_retried_after_a_fully_jittered_exponential_backoff() {
    let mut config = small_config(2);
    config.retries.retries_max = 2;
    config.retries.backoff_ms_base = 10;
    let nodes = members(&config);
    let mut balancer = LoadBalancing::new(0, &nodes, &config);
    request(&mut balancer, &nodes, 0, 0);
    let mut backoffs = Vec::new();
    for round in 0..2u64 {
        let mut out = Out::new();
        let now = (round + 1) * 1_000_000;
        balancer.on_timer(
            &context(0, now, &nodes),
            Timer::AttemptTimeout { tag: tag(0) },
            &mut out,
        );
        let (timer, low, high) = timers(&out)[0].clone();
        assert_eq!(timer, Timer::RetryBackoff { tag: tag(0) });
        backoffs.push((low, high));
        let mut out = Out::new();
        balancer.on_timer(
            &context(0, now + high, &nodes),
            Timer::RetryBackoff { tag: tag(0) },
            &mut out,
        );
        assert!(matches!(
            sends(&out)[0].1,
            Message::Forward { attempt, .. } if attempt == round as u32 + 2
        ));
    }
    // Full jitter: the delay is drawn from [0, base * 2^retry].
    assert_eq!(backoffs, vec![(0, 10_000), (0, 20_000)]);
    let mut out = Out::new();
    balancer.on_timer(
        &context(0, 9_000_000, &nodes),
        Timer::AttemptTimeout { tag: tag(0) },
        &mut out,
    );
    assert_eq!(
        sends(&out),
        vec![(
            1,
            Message::Response {
                tag: tag(0),
                outcome: Outcome::Failed {
                    failure: Failure::Timeout,
                    attempts: 3
                }
            }
        )],
        "after two retries the failure goes back to the client"
    );
}

#[test]
fn the_retry_budget_refuses_retries_beyond_what_requests_have_earned() {
    let mut config = small_config(2);
    config.retries.retries_max = 3;
    config.retries.budget_percent = 50;
    config.retries.budget_retries_max = 1;
    let nodes = members(&config);
    let mut balancer = LoadBalancing::new(0, &nodes, &config);
    // The budget starts full (one retry) and each request adds half a retry, capped.
    request(&mut balancer, &nodes, 0, 0);
    request(&mut balancer, &nodes, 0, 1);
    let mut retried = 0;
    for sequence in 0..2 {
        let mut out = Out::new();
        balancer.on_timer(
            &context(0, 1_000_000, &nodes),
            Timer::AttemptTimeout { tag: tag(sequence) },
            &mut out,
        );
        if timers(&out)
            .iter()
            .any(|(timer, _, _)| matches!(timer, Timer::RetryBackoff { .. }))
        {
            retried += 1;
        }
    }
    let Role::Balancer(state) = &balancer.role else {
        panic!("node 0 is a balancer");
    };
    assert_eq!(retried, 1);
    assert_eq!(state.counts.retries_denied, 1);
}

#[test]
fn a_late_answer_to_an_abandoned_attempt_is_ignored() {
    let mut config = small_config(1);
    config.retries.retries_max = 1;
    let nodes = members(&config);
    let mut balancer = LoadBalancing::new(0, &nodes, &config);
    request(&mut balancer, &nodes, 0, 0);
    let mut out = Out::new();
    balancer.on_timer(
        &context(0, 1_000_000, &nodes),
        Timer::AttemptTimeout { tag: tag(0) },
        &mut out,
    );
    let mut out = Out::new();
    balancer.on_message(
        &context(0, 1_000_500, &nodes),
        2,
        Message::Served {
            tag: tag(0),
            attempt: 1,
        },
        &mut out,
    );
    assert!(out.is_empty(), "{:?}", out.effects());
    let Role::Balancer(state) = &balancer.role else {
        panic!("node 0 is a balancer");
    };
    assert_eq!(state.servers[0].outstanding, 0);
    assert_eq!(state.pending[&tag(0)].stage, Stage::BackingOff);
}

fn health_round(balancer: &mut LoadBalancing, nodes: &[NodeId], answer: bool) {
    let mut out = Out::new();
    balancer.on_timer(&context(0, 0, nodes), Timer::HealthCheck, &mut out);
    if answer {
        for (to, message) in sends(&out) {
            if let Message::HealthCheck { sequence } = message {
                let mut reply = Out::new();
                balancer.on_message(
                    &context(0, 0, nodes),
                    to,
                    Message::HealthReply { sequence, load: 0 },
                    &mut reply,
                );
            }
        }
    }
}

fn healthy(balancer: &LoadBalancing) -> bool {
    let Role::Balancer(state) = &balancer.role else {
        panic!("node 0 is a balancer");
    };
    state.servers[0].healthy
}

#[test]
fn a_silent_server_stays_in_rotation_until_the_unhealthy_threshold_of_missed_checks() {
    let mut config = small_config(1);
    config.health_check = Some(HealthCheckConfig {
        interval_ms: 100,
        unhealthy_threshold: 3,
        healthy_threshold: 2,
    });
    let nodes = members(&config);
    let mut balancer = LoadBalancing::new(0, &nodes, &config);
    health_round(&mut balancer, &nodes, false);
    // A check counts as missed when the next round starts without its answer.
    for missed in 1..=2 {
        health_round(&mut balancer, &nodes, false);
        assert!(healthy(&balancer), "still healthy after {missed} misses");
    }
    health_round(&mut balancer, &nodes, true);
    assert!(
        !healthy(&balancer),
        "three misses in a row mark it unhealthy"
    );
    let out = request(&mut balancer, &nodes, 0, 0);
    assert!(matches!(
        sends(&out)[0].1,
        Message::Response {
            outcome: Outcome::Failed {
                failure: Failure::NoHealthyServer,
                ..
            },
            ..
        }
    ));
    health_round(&mut balancer, &nodes, true);
    assert!(
        healthy(&balancer),
        "two answers in a row mark it healthy again"
    );
}

#[test]
fn a_client_answers_a_scenario_request_with_its_outcome_and_other_roles_refuse() {
    let config = small_config(1);
    let nodes = members(&config);
    let mut client = LoadBalancing::new(1, &nodes, &config);
    let mut out = Out::new();
    client.on_client(
        &context(1, 0, &nodes),
        42,
        ClientOp { key: Some(3) },
        &mut out,
    );
    assert_eq!(
        sends(&out),
        vec![(
            0,
            Message::Request {
                tag: tag(0),
                key: 3
            }
        )]
    );
    let mut out = Out::new();
    let outcome = Outcome::Served {
        server: 2,
        attempts: 1,
    };
    client.on_message(
        &context(1, 5_000, &nodes),
        0,
        Message::Response {
            tag: tag(0),
            outcome,
        },
        &mut out,
    );
    assert!(out.effects().contains(&Effect::Reply {
        request: 42,
        result: outcome
    }));
    let mut server = LoadBalancing::new(2, &nodes, &config);
    let mut out = Out::new();
    server.on_client(&context(2, 0, &nodes), 43, ClientOp::default(), &mut out);
    assert_eq!(
        out.effects(),
        &[Effect::Reply {
            request: 43,
            result: Outcome::Failed {
                failure: Failure::NotAClient,
                attempts: 0
            }
        }]
    );
}

#[test]
fn invalid_parameters_are_refused_with_the_field_and_the_reason() {
    let mut config = Config::default();
    config.servers.each = vec![config::ServerOverride {
        service_time: Some(ServiceTime::Uniform {
            ms_min: 5.0,
            ms_max: 1.0,
        }),
        ..Default::default()
    }];
    assert_eq!(
        config.validate(),
        Err((
            "servers.each[0].service_time.ms_max".to_string(),
            "must be at least ms_min (5), got 1".to_string()
        ))
    );
    let mut config = Config::default();
    config.clients.rate_per_second = f64::NAN;
    assert_eq!(config.validate().unwrap_err().0, "clients.rate_per_second");
    let error =
        crate::catalogue::build_from_json(r#"{"version": 1, "lab": "loadbalancing", "nodes": 9}"#)
            .err()
            .expect("the default parameters need 7 nodes");
    assert!(
        error.to_string().starts_with("nodes: must equal"),
        "{error}"
    );
    let error = crate::catalogue::build_from_json(
        r#"{"version": 1, "lab": "loadbalancing", "nodes": 7, "params": {"policy": {"type": "fastest"}}}"#,
    )
    .err()
    .expect("no such policy");
    assert!(error.to_string().starts_with("params.policy"), "{error}");
}

// ----- Presets through the engine ----------------------------------------------

fn preset(name: &str) -> Scenario {
    let text = crate::presets::get(name).unwrap_or_else(|| panic!("preset {name} exists"));
    Scenario::parse(text).unwrap_or_else(|error| panic!("preset {name}: {error}"))
}

/// Runs a scenario to its end on a bare simulator (no time-travel snapshots, which
/// these checks do not need) and returns it with its report.
fn run(scenario: &Scenario) -> (crate::sim::Simulator<LoadBalancing>, Report) {
    let prepared = lab::prepare(scenario).expect("the node count matches");
    prepared.validate().expect("the preset is valid");
    let mut sim = crate::lab::build_simulator::<LoadBalancing>(&prepared).expect("builds");
    let until = scenario
        .run_until_ms
        .expect("presets say how long they run")
        * 1_000;
    assert_eq!(sim.run_until(until), crate::sim::RunStop::ReachedTime);
    assert!(sim.action_errors().is_empty(), "{:?}", sim.action_errors());
    let report = lab::sim_report(&sim);
    assert_eq!(
        report.requests_started,
        report.requests_succeeded + report.requests_failed + report.requests_waiting,
        "every request the clients started ended exactly once or is still waiting"
    );
    (sim, report)
}

fn with_policy(mut scenario: Scenario, policy: &str) -> Scenario {
    scenario.params["policy"] = serde_json::json!({ "type": policy });
    scenario
}

#[test]
fn the_basic_preset_uses_a_server_added_live_and_stops_using_a_removed_one() {
    let (_, report) = run(&preset("loadbalancing-basic"));
    let added = report
        .servers
        .iter()
        .find(|server| server.node == 7)
        .expect("added");
    let removed = report
        .servers
        .iter()
        .find(|server| server.node == 3)
        .expect("removed");
    assert!(added.completed > 300, "{}", added.completed);
    assert_eq!(removed.status, "removed");
    assert!(
        removed.windows[7..]
            .iter()
            .all(|window| window.completed == 0 && window.utilization == 0.0),
        "nothing is recorded after its removal at 6 s: {:?}",
        removed.windows
    );
    assert!(removed.completed > 300, "{}", removed.completed);
    assert_eq!(report.requests_failed, 0, "{:?}", report.failures);
}

#[test]
fn with_unequal_servers_weighted_round_robin_beats_round_robin() {
    let scenario = preset("loadbalancing-heterogeneous");
    let (_, round_robin) = run(&scenario);
    let (_, weighted) = run(&with_policy(scenario, "weighted_round_robin"));
    assert!(
        round_robin
            .failures
            .get("queue_full")
            .is_some_and(|&count| count > 500)
    );
    assert_eq!(weighted.requests_failed, 0, "{:?}", weighted.failures);
    assert!(
        weighted.latency.p99_ms * 3.0 < round_robin.latency.p99_ms,
        "p99 weighted {} vs round robin {}",
        weighted.latency.p99_ms,
        round_robin.latency.p99_ms
    );
}

#[test]
fn with_one_slow_server_least_response_time_has_a_lower_p99_than_round_robin() {
    let scenario = preset("loadbalancing-slow-server");
    let (_, round_robin) = run(&scenario);
    let (_, least_time) = run(&with_policy(scenario, "least_response_time"));
    assert!(
        least_time.latency.p99_ms * 3.0 < round_robin.latency.p99_ms,
        "p99 least response time {} vs round robin {}",
        least_time.latency.p99_ms,
        round_robin.latency.p99_ms
    );
    assert!(round_robin.requests_failed > 0);
    assert_eq!(least_time.requests_failed, 0, "{:?}", least_time.failures);
    // The slow server itself: round robin keeps its queue full.
    let slow = |report: &Report| {
        report.servers[0]
            .windows
            .iter()
            .map(|window| window.queue_length_max)
            .max()
            .unwrap_or(0)
    };
    assert_eq!(slow(&round_robin), 100);
    assert!(slow(&least_time) < 20, "{}", slow(&least_time));
}

#[test]
fn the_p99_line_rises_when_a_server_slows_and_falls_after_switching_to_least_response_time() {
    // The learner's story in the UI: slow a server, watch the p99 climb, switch the
    // policy, watch it come down.
    let mut run = lab::build(&preset("loadbalancing-slow-server")).expect("builds");
    run.run_until(5_000_000);
    run.apply(crate::event::Action::Lab {
        name: "set_policy".to_string(),
        args: serde_json::json!({ "policy": { "type": "least_response_time" } }),
    })
    .expect("a valid policy");
    run.run_until(10_000_000);
    let p99: Vec<f64> = lab::sim_report(run.sim())
        .windows
        .iter()
        .map(|window| window.latency.p99_ms)
        .collect();
    assert!(p99[..2].iter().all(|&ms| ms < 100.0), "{p99:?}");
    assert!(p99[3..5].iter().all(|&ms| ms > 500.0), "{p99:?}");
    assert!(p99[7..].iter().all(|&ms| ms < 100.0), "{p99:?}");
}

fn longest_queue(report: &Report) -> u32 {
    report
        .servers
        .iter()
        .flat_map(|server| server.windows.iter().map(|window| window.queue_length_max))
        .max()
        .unwrap_or(0)
}

#[test]
fn many_balancers_on_stale_reports_herd_with_least_connections_but_not_with_two_choices() {
    let scenario = preset("loadbalancing-herd");
    let (_, least) = run(&scenario);
    let (_, two) = run(&with_policy(scenario, "power_of_two_choices"));
    assert!(
        two.latency.p99_ms * 1.5 < least.latency.p99_ms,
        "p99 two choices {} vs least connections {}",
        two.latency.p99_ms,
        least.latency.p99_ms
    );
    assert!(
        longest_queue(&two) * 3 < longest_queue(&least) * 2,
        "longest queue two choices {} vs least connections {}",
        longest_queue(&two),
        longest_queue(&least)
    );
}

#[test]
fn at_high_load_two_random_choices_cut_the_tail_of_one_random_choice() {
    let scenario = preset("loadbalancing-two-choices");
    let (_, random) = run(&scenario);
    let (_, two) = run(&with_policy(scenario, "power_of_two_choices"));
    assert!(
        two.latency.p99_ms * 2.0 < random.latency.p99_ms,
        "p99 two choices {} vs random {}",
        two.latency.p99_ms,
        random.latency.p99_ms
    );
    assert!(longest_queue(&two) < longest_queue(&random));
}

#[test]
fn the_share_of_servers_holding_i_requests_falls_as_lambda_to_the_i_under_random_choice_and_doubly_exponentially_under_two()
 {
    // Twenty servers at load 0.9. Random choice makes each server an M/M/1 queue, whose
    // share with at least i requests is 0.9^i (Mitzenmacher 2001, section 1); two choices
    // give 0.9^(2^i - 1) as the servers grow many. With twenty, two choices' tail lies
    // between the two curves, far below random's.
    let scenario = preset("loadbalancing-two-choices");
    let lambda: f64 = 0.9;
    let random = run(&scenario).1.servers_with_at_least;
    let two = run(&with_policy(scenario, "power_of_two_choices"))
        .1
        .servers_with_at_least;
    assert_eq!((random[0], two[0]), (1.0, 1.0));
    assert!(random.len() > 6 && two.len() > 5, "{random:?} {two:?}");
    for (i, share) in random.iter().enumerate().take(7).skip(1) {
        let theory = lambda.powi(i as i32);
        assert!(
            (share - theory).abs() < 0.02,
            "random: at least {i}: {share} against {theory}"
        );
    }
    for i in 2..=5 {
        let theory = lambda.powi((1 << i) - 1);
        assert!(
            theory < two[i] && two[i] < random[i],
            "two choices: at least {i}: {} between {theory} and {}",
            two[i],
            random[i]
        );
    }
    assert!(two[5] * 4.0 < random[5], "{} {}", two[5], random[5]);
}

#[test]
fn a_dead_server_gets_traffic_until_health_checks_detect_it_and_none_after() {
    let (_, report) = run(&preset("loadbalancing-dead-server"));
    let failed: Vec<u64> = report.windows.iter().map(|window| window.failed).collect();
    // Crash at 3 s; checks every second, three misses: detected by about 6.5 s, and
    // the last attempts sent there time out 0.5 s later.
    assert!(failed[..3].iter().all(|&count| count == 0), "{failed:?}");
    assert!(failed[3..6].iter().all(|&count| count > 20), "{failed:?}");
    assert!(failed[8..].iter().all(|&count| count == 0), "{failed:?}");
    assert_eq!(report.failures.keys().collect::<Vec<_>>(), vec!["timeout"]);
    assert_eq!(report.balancers[0].counts.marked_unhealthy, 1);
    assert_eq!(report.balancers[0].healthy_servers, vec![4, 5, 6]);
}

#[test]
fn a_retry_storm_outlasts_its_trigger_unless_a_retry_budget_caps_retries() {
    let scenario = preset("loadbalancing-retry-storm");
    let (_, storm) = run(&scenario);
    let mut budgeted = scenario.clone();
    budgeted.params["retries"]["budget_percent"] = 10.into();
    budgeted.params["retries"]["budget_retries_max"] = 10.into();
    let (_, calm) = run(&budgeted);
    let late = |report: &Report| -> f64 {
        report.windows[10..]
            .iter()
            .map(|window| window.throughput_per_second)
            .sum::<f64>()
    };
    // The slowdown ends at 5 s; by 10 s the budgeted run is back to full throughput
    // while the storm still chokes the servers.
    assert!(late(&calm) > 2_500.0, "{}", late(&calm));
    assert!(
        late(&storm) * 10.0 < late(&calm),
        "{} vs {}",
        late(&storm),
        late(&calm)
    );
    let retries = |report: &Report| report.balancers[0].counts.retries;
    assert!(
        retries(&storm) > storm.requests_started,
        "the storm more than doubles the load"
    );
    assert!(retries(&calm) * 10 <= calm.requests_started + 100);
    // The description's figures are the CLI's gauges, checked in tests/loadbalancing_cli.rs.
}

#[test]
fn removing_a_server_drains_it_so_the_basic_preset_loses_no_request() {
    let (_, report) = run(&preset("loadbalancing-basic"));
    assert_eq!(report.requests_failed, 0);
    assert_eq!(report.balancers[0].counts.retries, 0);
    assert!(report.requests_succeeded + 10 >= report.requests_started);
}

#[test]
fn the_same_scenario_replays_the_same_run_and_another_seed_does_not() {
    let scenario = preset("loadbalancing-basic");
    let (first, _) = run(&scenario);
    let (second, _) = run(&scenario);
    assert_eq!(first.trace_hash(), second.trace_hash());
    let mut other = scenario.clone();
    other.seed = 2;
    let (third, _) = run(&other);
    assert_ne!(first.trace_hash(), third.trace_hash());
}

#[test]
fn switching_the_policy_live_reaches_every_balancer_and_bad_actions_are_refused() {
    let scenario = preset("loadbalancing-herd");
    let mut run = lab::build(&scenario).expect("builds");
    run.run_until(100_000);
    run.apply(crate::event::Action::Lab {
        name: "set_policy".to_string(),
        args: serde_json::json!({ "policy": { "type": "random" } }),
    })
    .expect("a valid policy");
    run.run_until(200_000);
    let report = lab::sim_report(run.sim());
    assert!(
        report
            .balancers
            .iter()
            .all(|balancer| balancer.policy == "random")
    );
    let error = run
        .apply(crate::event::Action::Lab {
            name: "slow_server".to_string(),
            args: serde_json::json!({ "node": 0, "factor": 2.0 }),
        })
        .unwrap_err();
    assert_eq!(error.to_string(), "args.node: node 0 is not a server");
    let error = run
        .apply(crate::event::Action::Lab {
            name: "slow_server".to_string(),
            args: serde_json::json!({ "node": 13, "factor": -1.0 }),
        })
        .unwrap_err();
    assert!(error.to_string().starts_with("args.factor"), "{error}");
}

#[test]
fn the_gauges_carry_the_reports_headline_figures() {
    let scenario = preset("loadbalancing-basic");
    let (run, _) = run(&scenario);
    let gauges = run.metrics().view().gauges;
    for name in [
        "latency_ms_p99",
        "throughput_per_second",
        "server.4.utilization",
    ] {
        assert!(gauges.contains_key(name), "{name} missing from {gauges:?}");
    }
    assert!(gauges["latency_ms_p99"] > 10.0);
}

fn client_of(node: &LoadBalancing) -> &client::Client {
    match &node.role {
        Role::Client(client) => client,
        other => panic!("not a client: {other:?}"),
    }
}

#[test]
fn a_failed_request_records_how_long_it_took_to_fail_and_stays_out_of_the_success_latencies() {
    let mut config = small_config(1);
    config.clients.timeout_ms = 800;
    config.clients.outstanding_max = 2;
    let nodes = members(&config);
    let mut node = LoadBalancing::new(1, &nodes, &config);
    // Request 0 is answered with an error after 30 ms, request 1 is never answered
    // and times out at the client after 800 ms, and request 2 finds two requests
    // outstanding and is refused at once.
    for sequence in 0..2 {
        node.on_timer(&context(1, 0, &nodes), Timer::Arrival, &mut Out::new());
        assert_eq!(client_of(&node).next_sequence, sequence + 1);
    }
    node.on_timer(&context(1, 10_000, &nodes), Timer::Arrival, &mut Out::new());
    node.on_message(
        &context(1, 30_000, &nodes),
        0,
        Message::Response {
            tag: tag(0),
            outcome: Outcome::Failed {
                failure: Failure::QueueFull,
                attempts: 1,
            },
        },
        &mut Out::new(),
    );
    node.on_timer(
        &context(1, 800_000, &nodes),
        Timer::ClientTimeout { sequence: 1 },
        &mut Out::new(),
    );
    let client = client_of(&node);
    assert_eq!(client.latency.count(), 0, "no request succeeded");
    assert_eq!(client.failed_latency.count(), 3);
    assert_eq!(
        client.failed_latency.min(),
        0,
        "the refused request failed at once"
    );
    assert_eq!(
        client.failed_latency.max(),
        800_000,
        "the timeout took 800 ms"
    );
    let failed_windows: u64 = client
        .windows
        .records()
        .iter()
        .map(|window| window.failed_latency.count())
        .sum();
    assert_eq!(
        failed_windows, 3,
        "each failure lands in the window it ended in"
    );
}

#[test]
fn a_dead_server_shows_as_error_rate_and_slow_failures_while_success_latency_stays_low() {
    let (_, report) = run(&preset("loadbalancing-dead-server"));
    assert_eq!(report.failed_latency.count, report.requests_failed);
    // Every failure here is an attempt timeout (500 ms) plus the network, so the
    // failed requests' percentiles sit at the timeout, far above the successes'.
    assert!(
        (500.0..600.0).contains(&report.failed_latency.p50_ms),
        "{:?}",
        report.failed_latency
    );
    assert!(report.latency.p99_ms < 100.0, "{:?}", report.latency);
    let rates: Vec<f64> = report
        .windows
        .iter()
        .map(|window| window.error_rate)
        .collect();
    // Round robin over four servers sends a quarter of the traffic to the dead one
    // until it is detected, so about a quarter of the requests that end fail.
    assert!(rates[..3].iter().all(|&rate| rate == 0.0), "{rates:?}");
    assert!(
        rates[4..6].iter().all(|&rate| (0.15..0.35).contains(&rate)),
        "{rates:?}"
    );
    assert!(rates[8..].iter().all(|&rate| rate == 0.0), "{rates:?}");
    for window in &report.windows {
        assert_eq!(window.failed_latency.count, window.failed);
        assert_eq!(window.latency.count, window.succeeded);
    }
    let expected =
        report.requests_failed as f64 / (report.requests_failed + report.requests_succeeded) as f64;
    assert!((report.error_rate - expected).abs() < 1e-12);
    let histogram_failed: u64 = report
        .failed_latency_histogram
        .iter()
        .map(|bar| bar.count)
        .sum();
    assert_eq!(histogram_failed, report.requests_failed);
    let histogram_succeeded: u64 = report.latency_histogram.iter().map(|bar| bar.count).sum();
    assert_eq!(histogram_succeeded, report.requests_succeeded);
}

#[test]
fn the_gauges_carry_the_error_rate_and_the_time_to_fail() {
    let scenario = preset("loadbalancing-dead-server");
    let (run, report) = run(&scenario);
    let gauges = run.metrics().view().gauges;
    for name in [
        "error_rate",
        "failed_latency_ms_p99",
        "window_error_rate",
        "window_latency_ms_p50",
        "window_failed_latency_ms_p99",
    ] {
        assert!(gauges.contains_key(name), "{name} missing from {gauges:?}");
    }
    assert!(gauges["failed_latency_ms_p99"] >= 500.0);
    assert!((report.scalars()["error_rate"] - report.error_rate).abs() < 1e-12);
}

#[test]
fn an_erased_run_yields_its_report_only_when_it_is_a_load_balancing_run() {
    let mut run = crate::catalogue::build(&preset("loadbalancing-dead-server")).expect("builds");
    run.run_until(4_000_000);
    let report = lab::report_of(run.as_ref()).expect("a load balancing run has a report");
    assert_eq!(report.now_ms, 4_000.0);
    assert!(report.requests_failed > 0);
    let broadcast = crate::presets::all()
        .iter()
        .find(|(name, _)| name.starts_with("broadcast"))
        .map(|(_, text)| Scenario::parse(text).expect("parses"))
        .expect("a broadcast preset");
    let other = crate::catalogue::build(&broadcast).expect("builds");
    assert!(lab::report_of(other.as_ref()).is_none());
}

#[test]
fn a_server_the_policy_stops_using_shows_idle_windows_up_to_the_present() {
    // Least response time keeps a moving average per server that only new answers
    // update, so once it steers away from the slowed server it sends it nothing more.
    // The server then records nothing, and the report must still carry its series to
    // the present as idle windows, not end it at its last busy one.
    let mut run = crate::catalogue::build(&preset("loadbalancing-playground")).expect("builds");
    run.run_until(2_000_000);
    run.apply(crate::event::Action::Lab {
        name: "slow_server".into(),
        args: serde_json::json!({ "node": 3, "factor": 3 }),
    })
    .expect("n3 is a server");
    run.run_until(5_000_000);
    run.apply(crate::event::Action::Lab {
        name: "set_policy".into(),
        args: serde_json::json!({ "policy": { "type": "least_response_time" } }),
    })
    .expect("a known policy");
    run.run_until(10_000_000);
    let report = lab::report_of(run.as_ref()).expect("a load balancing run");
    assert_eq!(
        report.windows.len(),
        11,
        "windows 0 to 10 s, the last one just begun"
    );
    for server in &report.servers {
        assert_eq!(
            server.windows.len(),
            report.windows.len(),
            "n{}",
            server.node
        );
    }
    let slowed = &report.servers[0];
    assert_eq!(slowed.node, 3);
    let saturated = &slowed.windows[4];
    assert!(saturated.utilization > 0.99 && saturated.queue_length_max == 100);
    let latest = &slowed.windows[9];
    assert_eq!((latest.utilization, latest.queue_length_max), (0.0, 0));
}

// ----- What each preset's description says, measured -----------------------------

/// A latency as the descriptions write it: whole milliseconds.
fn ms(latency_ms: f64) -> String {
    format!("{latency_ms:.0} ms")
}

fn description(scenario: &Scenario) -> String {
    scenario.description.clone().unwrap_or_default()
}

fn assert_says(text: &str, figure: &str) {
    assert!(
        text.contains(figure),
        "the description should say {figure:?}: {text}"
    );
}

#[test]
fn in_the_herd_preset_two_choices_is_no_better_than_random_and_round_robin_is_best() {
    let scenario = preset("loadbalancing-herd");
    let text = description(&scenario);
    let p99 = |policy: &str| run(&with_policy(scenario.clone(), policy)).1.latency.p99_ms;
    let least = run(&scenario).1.latency.p99_ms;
    let two = p99("power_of_two_choices");
    let random = p99("random");
    let round_robin = p99("round_robin");
    assert!(
        round_robin < two && two < least,
        "{round_robin} {two} {least}"
    );
    assert!(round_robin < random, "{round_robin} {random}");
    // "No better than random": within 5% of it.
    assert!((two - random).abs() < random * 0.05, "{two} {random}");
    for figure in [least, two, random, round_robin] {
        assert_says(&text, &ms(figure));
    }
}

#[test]
fn in_the_two_choices_preset_two_choices_cuts_randoms_p99_to_under_a_third_and_least_connections_does_better()
 {
    let scenario = preset("loadbalancing-two-choices");
    let text = description(&scenario);
    let random = run(&scenario).1.latency;
    let two = run(&with_policy(scenario.clone(), "power_of_two_choices"))
        .1
        .latency;
    let least = run(&with_policy(scenario, "least_connections")).1.latency;
    assert!(
        two.p99_ms * 3.0 < random.p99_ms,
        "{} {}",
        two.p99_ms,
        random.p99_ms
    );
    assert!(least.p99_ms < two.p99_ms, "{} {}", least.p99_ms, two.p99_ms);
    assert!(
        least.mean_ms < two.mean_ms,
        "{} {}",
        least.mean_ms,
        two.mean_ms
    );
    assert_says(&text, "less than a third");
    for figure in [
        random.p99_ms,
        two.p99_ms,
        least.p99_ms,
        least.mean_ms,
        two.mean_ms,
    ] {
        assert_says(&text, &ms(figure));
    }
}

#[test]
fn in_the_heterogeneous_preset_two_choices_ignores_the_weights() {
    let scenario = preset("loadbalancing-heterogeneous");
    let text = description(&scenario);
    let (_, round_robin) = run(&scenario);
    let (_, weighted) = run(&with_policy(scenario.clone(), "weighted_round_robin"));
    let (_, two) = run(&with_policy(scenario, "power_of_two_choices"));
    assert_eq!(weighted.requests_failed, 0);
    assert_eq!(two.requests_failed, 0);
    assert_eq!(
        round_robin.failures.get("queue_full").copied(),
        Some(round_robin.requests_failed)
    );
    assert_says(
        &text,
        &format!("{} requests fail", round_robin.requests_failed),
    );
    assert!(two.latency.p99_ms > 2.0 * weighted.latency.p99_ms);
    assert_says(&text, "more than twice");
    for figure in [
        round_robin.latency.p99_ms,
        weighted.latency.p99_ms,
        two.latency.p99_ms,
    ] {
        assert_says(&text, &ms(figure));
    }
}
