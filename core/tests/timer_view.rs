//! The election-timer view the canvas draws as a ring, on a real Raft run.

use netsplit_core::lab;
use netsplit_core::presets;
use netsplit_core::scenario::Scenario;

fn steady_state() -> Box<dyn lab::LabRun> {
    let scenario =
        Scenario::parse(presets::get("raft-steady-state").expect("preset")).expect("parses");
    netsplit_core::catalogue::build(&scenario).expect("builds")
}

#[test]
fn every_server_shows_an_election_timer_when_the_cluster_starts() {
    let run = steady_state();
    let timers = run.shown_timers();
    let nodes: Vec<u32> = timers.iter().map(|timer| timer.node).collect();
    assert_eq!(nodes, vec![0, 1, 2, 3, 4]);
    for timer in &timers {
        assert_eq!(timer.label, "election");
        assert_eq!(timer.set_at, 0, "armed when the server started");
        assert!(timer.due_at > 0, "due after a randomized timeout");
    }
}

#[test]
fn the_leader_shows_no_election_timer_and_heartbeats_keep_resetting_the_followers() {
    // Figure 2: a leader does not time out; a follower resets its election timer whenever it
    // hears from the current leader, so its timer was re-armed within about one heartbeat
    // interval (50 ms) plus the network's latency (at most 15 ms).
    let mut run = steady_state();
    run.run_until(2_000_000);
    let now = run.now();
    let leader = run
        .nodes()
        .iter()
        .find(|node| node.role == "leader")
        .map(|node| node.id)
        .expect("a leader after two seconds");
    let timers = run.shown_timers();
    assert!(timers.iter().all(|timer| timer.node != leader));
    assert_eq!(timers.len(), 4, "one election timer per follower");
    for timer in &timers {
        assert!(
            now - timer.set_at <= 65_000,
            "n{}'s timer was last reset at {} µs, {} µs ago",
            timer.node,
            timer.set_at,
            now - timer.set_at
        );
        assert!(timer.due_at > now, "n{} has not timed out", timer.node);
    }
}
