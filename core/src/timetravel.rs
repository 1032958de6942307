//! Time travel: seeking to any past moment of a run, and forking it.
//!
//! A [`Run`] is a simulator plus the timeline of actions the learner applied while
//! it ran. Every so often it stores a snapshot (a clone of the whole simulator).
//! Seeking to time `t` restores the newest snapshot before `t` and replays from
//! there, re-applying the recorded actions at exactly the points where they were
//! first applied (after the same number of queue steps, at the same time). Because the
//! simulator is deterministic, the replayed state is identical to the one first
//! reached, fingerprint included.
//!
//! Applying an action while looking at the past forks the run: the actions and
//! snapshots after that moment are dropped and the run continues from here, as
//! RaftScope's checkpoints do.
//!
//! Memory is bounded: when there are more than `snapshots_max` snapshots, or they
//! take more than `snapshot_bytes_max`, every second one is dropped (the first is
//! always kept) and the interval between snapshots doubles.

use crate::event::{Action, ActionError};
use crate::protocol::{Protocol, Time};
use crate::sim::{RunStop, Simulator};

/// An action as it was applied: after `events` events, at `time`.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedAction {
    /// How many queue entries had been processed ([`Simulator::steps`]), which
    /// places the action exactly between two of them.
    pub steps: u64,
    /// The virtual time (µs).
    pub time: Time,
    /// The action.
    pub action: Action,
}

#[derive(Debug, Clone)]
struct Snapshot<P: Protocol> {
    steps: u64,
    time: Time,
    actions_applied: usize,
    bytes: usize,
    sim: Simulator<P>,
}

/// The default number of events between two snapshots.
pub const SNAPSHOT_EVERY_EVENTS: u64 = 2_000;
/// The default maximum number of snapshots.
pub const SNAPSHOTS_MAX: usize = 64;
/// The default memory budget for snapshots, in bytes.
pub const SNAPSHOT_BYTES_MAX: usize = 128 * 1024 * 1024;

/// A simulator with its action timeline and snapshots.
#[derive(Debug, Clone)]
pub struct Run<P: Protocol> {
    sim: Simulator<P>,
    actions: Vec<AppliedAction>,
    next_action: usize,
    snapshots: Vec<Snapshot<P>>,
    snapshot_every_events: u64,
    snapshots_max: usize,
    snapshot_bytes_max: usize,
    horizon: Time,
    horizon_steps: u64,
    forked: bool,
}

impl<P: Protocol + 'static> Run<P> {
    /// Wraps `sim` (started here if it was not) with the default snapshot policy.
    pub fn new(sim: Simulator<P>) -> Self {
        Self::with_policy(
            sim,
            SNAPSHOT_EVERY_EVENTS,
            SNAPSHOTS_MAX,
            SNAPSHOT_BYTES_MAX,
        )
    }

    /// Wraps `sim` taking a snapshot every `every_events` events, keeping at most
    /// `snapshots_max` of them in at most `bytes_max` bytes.
    pub fn with_policy(
        mut sim: Simulator<P>,
        every_events: u64,
        snapshots_max: usize,
        bytes_max: usize,
    ) -> Self {
        sim.start();
        let first = Snapshot {
            steps: sim.steps(),
            time: sim.now(),
            actions_applied: 0,
            bytes: sim.approximate_bytes(),
            sim: sim.clone(),
        };
        Self {
            horizon: sim.now(),
            horizon_steps: sim.steps(),
            sim,
            actions: Vec::new(),
            next_action: 0,
            snapshots: vec![first],
            snapshot_every_events: every_events.max(1),
            snapshots_max: snapshots_max.max(2),
            snapshot_bytes_max: bytes_max,
            forked: false,
        }
    }

    /// The simulator at the current moment.
    pub fn sim(&self) -> &Simulator<P> {
        &self.sim
    }

    /// The furthest time the run has reached.
    pub fn horizon(&self) -> Time {
        self.horizon
    }

    /// Whether an action was applied in the past, replacing the old future.
    pub fn forked(&self) -> bool {
        self.forked
    }

    /// The actions applied so far (on this timeline).
    pub fn actions(&self) -> &[AppliedAction] {
        &self.actions
    }

    /// How many snapshots are stored.
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }

    /// Whether the current moment is before the furthest one reached.
    pub fn in_past(&self) -> bool {
        self.next_action < self.actions.len()
            || self.sim.steps() < self.horizon_steps
            || self.sim.now() < self.horizon
    }

    fn note_progress(&mut self) {
        if self.sim.steps() >= self.horizon_steps {
            self.horizon_steps = self.sim.steps();
            self.horizon = self.horizon.max(self.sim.now());
        }
    }

    /// Re-applies recorded actions due at this point (same event count, time not
    /// after `until`). Returns how many were applied.
    fn apply_due_actions(&mut self, until: Time) -> usize {
        let mut applied = 0;
        while let Some(next) = self.actions.get(self.next_action) {
            if next.steps != self.sim.steps() || next.time > until {
                break;
            }
            self.sim.advance_clock(next.time);
            // It succeeded when first applied, and the replay is identical, so it
            // succeeds again; an error here would mean nondeterminism.
            let result = self.sim.apply(&next.action);
            debug_assert!(result.is_ok(), "replayed action failed: {result:?}");
            self.next_action += 1;
            applied += 1;
        }
        applied
    }

    /// The events between snapshots for the current state size: never fewer than
    /// the policy says, and at least one event per 256 bytes of state, so that
    /// copying a large simulation costs at most about as much as running it.
    fn snapshot_interval(&self) -> u64 {
        let bytes = self.snapshots.last().map_or(0, |snapshot| snapshot.bytes) as u64;
        self.snapshot_every_events.max(bytes / 256)
    }

    fn maybe_snapshot(&mut self) {
        let last_events = self.snapshots.last().map_or(0, |snapshot| snapshot.steps);
        if self.sim.steps() < last_events.saturating_add(self.snapshot_interval()) {
            return;
        }
        let bytes = self.sim.approximate_bytes();
        self.snapshots.push(Snapshot {
            steps: self.sim.steps(),
            time: self.sim.now(),
            actions_applied: self.next_action,
            bytes,
            sim: self.sim.clone(),
        });
        loop {
            let total: usize = self.snapshots.iter().map(|snapshot| snapshot.bytes).sum();
            if self.snapshots.len() <= self.snapshots_max && total <= self.snapshot_bytes_max {
                break;
            }
            if self.snapshots.len() <= 2 {
                break;
            }
            let mut index = 0;
            self.snapshots.retain(|_| {
                let keep = index % 2 == 0;
                index += 1;
                keep
            });
            self.snapshot_every_events = self.snapshot_every_events.saturating_mul(2);
        }
    }

    /// Runs until `until`, re-applying recorded actions and taking snapshots.
    fn advance(&mut self, until: Time) -> RunStop {
        loop {
            self.apply_due_actions(until);
            self.maybe_snapshot();
            let mut limit = self
                .snapshots
                .last()
                .map_or(0, |snapshot| snapshot.steps)
                .saturating_add(self.snapshot_interval());
            if let Some(next) = self.actions.get(self.next_action)
                && next.steps > self.sim.steps()
            {
                limit = limit.min(next.steps);
            }
            let stop = self.sim.run_bounded(until, limit);
            self.note_progress();
            if let Some(stop) = stop {
                return stop;
            }
        }
    }

    /// Processes one event (re-applying any action recorded just before it).
    pub fn step(&mut self) -> bool {
        self.apply_due_actions(Time::MAX);
        let stepped = self.sim.step();
        self.note_progress();
        self.maybe_snapshot();
        stepped
    }

    /// Runs until `until` (bounded by the scenario's limits).
    pub fn run_until(&mut self, until: Time) -> RunStop {
        self.advance(until)
    }

    /// Applies `action` now and records it. In the past, this forks the run.
    pub fn apply(&mut self, action: Action) -> Result<(), ActionError> {
        if self.in_past() {
            self.fork_here();
        }
        self.sim.apply(&action)?;
        self.actions.push(AppliedAction {
            steps: self.sim.steps(),
            time: self.sim.now(),
            action,
        });
        self.next_action = self.actions.len();
        self.note_progress();
        Ok(())
    }

    fn fork_here(&mut self) {
        let steps = self.sim.steps();
        let applied = self.next_action;
        self.actions.truncate(applied);
        self.snapshots
            .retain(|snapshot| snapshot.steps <= steps && snapshot.actions_applied <= applied);
        self.horizon = self.sim.now();
        self.horizon_steps = steps;
        self.forked = true;
    }

    /// Moves to time `time` (clamped to the horizon): restores the newest snapshot
    /// before it and replays.
    pub fn seek(&mut self, time: Time) {
        let time = time.min(self.horizon);
        if time >= self.sim.now() {
            self.advance(time);
            return;
        }
        let index = self
            .snapshots
            .iter()
            .rposition(|snapshot| snapshot.steps == 0 || snapshot.time < time)
            .unwrap_or(0);
        let snapshot = &self.snapshots[index];
        self.sim = snapshot.sim.clone();
        self.next_action = snapshot.actions_applied;
        self.advance(time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::broadcast::{Broadcast, BroadcastConfig};
    use crate::network::{LinkConfig, Network};
    use crate::sim::SimConfig;

    fn run() -> Run<Broadcast> {
        let link = LinkConfig {
            loss_probability: 0.05,
            ..LinkConfig::default()
        };
        let sim = Simulator::new(
            SimConfig::default(),
            BroadcastConfig::default(),
            Network::new(link),
            4,
        );
        Run::with_policy(sim, 100, 8, usize::MAX)
    }

    #[test]
    fn seeking_back_then_playing_equals_playing_straight_through() {
        let mut straight = run();
        straight.run_until(300_000);
        straight
            .apply(Action::Crash { node: 1 })
            .expect("node 1 is up");
        straight.run_until(700_000);
        straight
            .apply(Action::Restart { node: 1 })
            .expect("node 1 is crashed");
        straight.run_until(1_500_000);
        let hash = straight.sim().trace_hash();

        let mut traveller = straight.clone();
        traveller.seek(500_000);
        assert_eq!(traveller.sim().now(), 500_000);
        assert!(!traveller.forked());
        traveller.run_until(1_500_000);
        assert_eq!(traveller.sim().trace_hash(), hash);
        assert_eq!(traveller.sim().events(), straight.sim().events());
    }

    #[test]
    fn a_seek_lands_on_the_same_state_as_running_there_directly() {
        let mut long = run();
        long.run_until(2_000_000);
        long.seek(650_000);
        let mut direct = run();
        direct.run_until(650_000);
        assert_eq!(long.sim().trace_hash(), direct.sim().trace_hash());
        assert_eq!(long.sim().events(), direct.sim().events());
    }

    #[test]
    fn acting_in_the_past_forks_and_drops_the_old_future() {
        let mut timeline = run();
        timeline.run_until(300_000);
        timeline.apply(Action::Crash { node: 2 }).expect("up");
        timeline.run_until(1_000_000);
        timeline.seek(100_000);
        timeline.apply(Action::Pause { node: 0 }).expect("up");
        assert!(timeline.forked());
        assert_eq!(timeline.actions().len(), 1);
        assert_eq!(timeline.horizon(), 100_000);
        timeline.run_until(1_000_000);
        assert_eq!(
            timeline.sim().status(2),
            Some(crate::event::NodeStatus::Up),
            "the crash belonged to the old future"
        );
    }

    #[test]
    fn snapshots_stay_within_their_bound_on_long_runs() {
        let mut long = run();
        long.run_until(20_000_000);
        assert!(long.snapshot_count() <= 8);
        long.seek(1_000);
        assert_eq!(long.sim().now(), 1_000);
    }
}
