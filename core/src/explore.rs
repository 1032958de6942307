//! Finding the bug: random fault schedules, exploration and shrinking.
//!
//! A playground shows one run; a checker such as Jepsen, Stateright or FoundationDB's and
//! TigerBeetle's simulators searches many runs for the one that breaks a property. Netsplit's
//! runs are already deterministic (a seed and a timeline of actions) and every engine lab
//! checks its invariants after every event, so a search needs only three more pieces, each
//! in this module and none of them lab-specific:
//!
//! 1. **A nemesis** ([`schedule`]): from a seed and a [`Profile`], a random timeline of the
//!    same [`Action`]s a user's clicks produce (crash and restart, partitions into random
//!    halves or a random minority, one-way link cuts, isolation, pauses, loss bursts), each
//!    fault followed by its repair after a random while. Jepsen's nemeses are the model: a
//!    fault is a pair of operations, start and stop, on a random subset of nodes.
//! 2. **Exploration** ([`run_seed`]): the base scenario with the nemesis' timeline added and
//!    the seed as both the schedule's and the simulation's seed, run to its end (or to the
//!    first violation). A found run is an ordinary [`Scenario`]: it replays, shares and opens
//!    in the playground like any other. The CLI runs seeds in parallel (`netsplit explore`);
//!    each run is single-threaded and deterministic, so the answer does not depend on the
//!    number of threads.
//! 3. **Shrinking** ([`shrink`]): Zeller and Hildebrandt's delta debugging ("Simplifying and
//!    Isolating Failure-Inducing Input", 2002) over the timeline's actions: remove chunks of
//!    actions, then single actions, keeping a removal whenever the run still breaks the same
//!    property; the run is cut to end at the violation. The result is 1-minimal: removing any
//!    one remaining action makes the violation go away (or changes which property breaks).
//!
//! What a search covered is counted ([`Coverage`]): runs, events, faults by kind, and the
//! lab's own counters summed over the runs (elections, leader changes and the like, where
//! the lab reports them), so "nothing found" says what was tried.

use std::collections::BTreeMap;

use crate::collections::SortedMap;
use crate::event::Action;
use crate::invariant::Violation;
use crate::protocol::NodeId;
use crate::rng::SimRng;
use crate::scenario::{Scenario, ScenarioError, TimelineEntry};

/// A family of faults and how often they come.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Its name on the command line.
    pub name: &'static str,
    /// What it does, in a sentence.
    pub about: &'static str,
    /// Crash a node and restart it later.
    pub crashes: bool,
    /// Split the network (random halves or a random minority), heal later.
    pub partitions: bool,
    /// Cut one link in one direction, or isolate a node; heal later.
    pub cuts: bool,
    /// Pause a node and resume it later.
    pub pauses: bool,
    /// Make one link lose most messages for a while.
    pub loss: bool,
    /// The mean gap between the starts of two faults, in ms (in a run of
    /// [`RUN_MS_DEFAULT`]; a shorter run scales this and the fault lengths down).
    pub gap_ms: u64,
    /// How long a fault lasts, in ms (uniform between the two).
    pub fault_ms: (u64, u64),
}

/// The nemesis profiles.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "mixed",
        about: "every kind of fault: crashes, partitions, one-way cuts and isolation, pauses and loss bursts",
        crashes: true,
        partitions: true,
        cuts: true,
        pauses: true,
        loss: true,
        gap_ms: 400,
        fault_ms: (100, 1_200),
    },
    Profile {
        name: "crashes",
        about: "nodes crash and restart from their disks; the network stays whole",
        crashes: true,
        partitions: false,
        cuts: false,
        pauses: false,
        loss: false,
        gap_ms: 400,
        fault_ms: (50, 1_000),
    },
    Profile {
        name: "partitions",
        about: "the network splits, links are cut one way and nodes are isolated; no node crashes",
        crashes: false,
        partitions: true,
        cuts: true,
        pauses: false,
        loss: true,
        gap_ms: 400,
        fault_ms: (100, 1_500),
    },
    Profile {
        name: "storm",
        about: "short faults in quick succession (one every 40 ms on average, each up to 40 ms): nodes crash and come straight back, the network splits and heals, so restarts land inside elections",
        crashes: true,
        partitions: true,
        cuts: true,
        pauses: true,
        loss: false,
        gap_ms: 40,
        fault_ms: (1, 40),
    },
];

/// The profile called `name`.
pub fn profile(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|profile| profile.name == name)
}

/// How long a run lasts when the base scenario does not say, in ms.
pub const RUN_MS_DEFAULT: u64 = 5_000;
/// The most faults one schedule holds.
pub const FAULTS_MAX: usize = 500;
/// The first fault comes no earlier than this, in ms, so the cluster has started.
const WARM_UP_MS: u64 = 200;
/// Mixes the run's seed into the schedule's generator, so the schedule's draws are not the
/// simulation's.
const SCHEDULE_SALT: u64 = 0x6e65_6d65_7369_7321;

/// A random fault schedule for `nodes` nodes over `run_ms`: faults with their repairs, in
/// time order. Every repair comes before `run_ms`, and the schedule never asks for an action
/// that does not apply (a node is crashed or paused by at most one fault at a time, network
/// faults do not overlap, and a majority of nodes stays up).
pub fn schedule(profile: &Profile, nodes: u32, run_ms: u64, seed: u64) -> Vec<TimelineEntry> {
    let mut rng = SimRng::new(seed ^ SCHEDULE_SALT);
    let mut entries: Vec<(u64, Action)> = Vec::new();
    let mut node_busy_until = vec![0u64; nodes as usize];
    let mut network_busy_until = 0u64;
    let kinds: Vec<&str> = [
        (profile.crashes, "crash"),
        (profile.pauses, "pause"),
        (profile.partitions, "partition"),
        (profile.cuts, "cut"),
        (profile.loss, "loss"),
    ]
    .into_iter()
    .filter_map(|(on, kind)| on.then_some(kind))
    .collect();
    if kinds.is_empty() || nodes < 2 {
        return Vec::new();
    }
    // A profile's times are for a run of RUN_MS_DEFAULT; a shorter run compresses them, so
    // it gets as many faults.
    let scale = |ms: u64| (ms * run_ms.min(RUN_MS_DEFAULT) / RUN_MS_DEFAULT).max(1);
    let mut at = scale(WARM_UP_MS);
    let mut faults = 0;
    while faults < FAULTS_MAX {
        at += rng.range_inclusive(scale(profile.gap_ms / 2), scale(profile.gap_ms * 3 / 2));
        let length = rng.range_inclusive(scale(profile.fault_ms.0), scale(profile.fault_ms.1));
        let end = at + length;
        if end >= run_ms {
            break;
        }
        let kind = kinds[rng.below(kinds.len() as u64) as usize];
        let node_faults = matches!(kind, "crash" | "pause");
        if node_faults {
            // Keep a majority up: at most (n - 1) / 2 nodes down at once.
            let down = node_busy_until.iter().filter(|&&until| until > at).count();
            let free: Vec<NodeId> = (0..nodes)
                .filter(|&node| node_busy_until[node as usize] <= at)
                .collect();
            if down >= ((nodes - 1) / 2) as usize || free.is_empty() {
                continue;
            }
            let node = free[rng.below(free.len() as u64) as usize];
            node_busy_until[node as usize] = end + 1;
            let (start, stop) = if kind == "crash" {
                (Action::Crash { node }, Action::Restart { node })
            } else {
                (Action::Pause { node }, Action::Resume { node })
            };
            entries.push((at, start));
            entries.push((end, stop));
        } else {
            if network_busy_until > at {
                continue;
            }
            network_busy_until = end + 1;
            let one = rng.below(u64::from(nodes)) as NodeId;
            let other = (one + 1 + rng.below(u64::from(nodes - 1)) as NodeId) % nodes;
            let (start, stop) = match kind {
                "partition" => {
                    let mut order: Vec<NodeId> = (0..nodes).collect();
                    // Fisher-Yates, from the schedule's own generator.
                    for index in (1..order.len()).rev() {
                        let pick = rng.below(index as u64 + 1) as usize;
                        order.swap(index, pick);
                    }
                    // Random halves, or a random minority cut off from the rest.
                    let size = if rng.chance(0.5) {
                        nodes as usize / 2
                    } else {
                        1 + rng.below(u64::from((nodes - 1) / 2).max(1)) as usize
                    };
                    let mut group = order[..size].to_vec();
                    group.sort_unstable();
                    (
                        Action::Partition {
                            groups: vec![group],
                        },
                        Action::HealAll,
                    )
                }
                "cut" if rng.chance(0.5) => (
                    Action::CutLink {
                        from: one,
                        to: other,
                    },
                    Action::HealLink {
                        from: one,
                        to: other,
                    },
                ),
                "cut" => (Action::Isolate { node: one }, Action::HealAll),
                _ => (
                    Action::SetLink {
                        from: one,
                        to: other,
                        latency: None,
                        loss_probability: Some(0.8),
                    },
                    Action::SetLink {
                        from: one,
                        to: other,
                        latency: None,
                        loss_probability: Some(0.0),
                    },
                ),
            };
            entries.push((at, start));
            entries.push((end, stop));
        }
        faults += 1;
    }
    entries.sort_by_key(|(at, _)| *at);
    entries
        .into_iter()
        .map(|(at, action)| TimelineEntry {
            at_ms: Some(at),
            at_us: None,
            action,
        })
        .collect()
}

/// The fault an action starts, for coverage (`None` for a repair).
pub fn fault_kind(action: &Action) -> Option<&'static str> {
    Some(match action {
        Action::Crash { .. } => "crash",
        Action::Pause { .. } => "pause",
        Action::Partition { .. } => "partition",
        Action::CutLink { .. } => "one-way cut",
        Action::Isolate { .. } => "isolation",
        Action::SetLink {
            loss_probability: Some(loss),
            ..
        } if *loss > 0.0 => "loss burst",
        _ => return None,
    })
}

/// The base scenario with seed `seed` and `profile`'s schedule added to its timeline.
pub fn scenario_for(base: &Scenario, profile: &Profile, seed: u64) -> Scenario {
    let mut scenario = base.clone();
    let run_ms = base.run_until_ms.unwrap_or(RUN_MS_DEFAULT);
    scenario.seed = seed;
    scenario.run_until_ms = Some(run_ms);
    scenario.limits.stop_on_violation = true;
    scenario
        .timeline
        .extend(schedule(profile, base.nodes, run_ms, seed));
    // A stable sort keeps the base's own actions first among equal times.
    scenario.timeline.sort_by_key(entry_time_us);
    let (profile_name, seed_text) = (profile.name, seed.to_string());
    scenario.title = Some(format!(
        "{} under the {profile_name} nemesis, seed {seed_text}",
        base.title.as_deref().unwrap_or(&base.lab)
    ));
    scenario
}

fn entry_time_us(entry: &TimelineEntry) -> u64 {
    entry
        .at_us
        .unwrap_or_else(|| entry.at_ms.unwrap_or(0).saturating_mul(1_000))
}

/// What one run did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The seed.
    pub seed: u64,
    /// The first violation, if any property broke.
    pub violation: Option<Violation>,
    /// Events handled.
    pub events: u64,
    /// Faults started, by kind.
    pub faults: BTreeMap<&'static str, u64>,
    /// The lab's counters at the end of the run.
    pub counters: SortedMap<String, f64>,
}

/// What running a scenario gave: its first violation, its events and the lab's counters.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The first violation, if any property broke.
    pub violation: Option<Violation>,
    /// Events handled.
    pub events: u64,
    /// The lab's figures at the end.
    pub counters: SortedMap<String, f64>,
}

/// Runs `scenario` to its end (or first violation).
pub fn run(scenario: &Scenario) -> Result<Ran, ScenarioError> {
    let mut lab = crate::catalogue::build(scenario)?;
    let until = scenario
        .run_until_ms
        .unwrap_or(RUN_MS_DEFAULT)
        .saturating_mul(1_000);
    lab.run_until(until);
    Ok(Ran {
        violation: lab.violations().first().cloned(),
        events: lab.events(),
        counters: lab.metrics().scalars(),
    })
}

/// One exploration run: the base under `profile` with `seed`.
pub fn run_seed(base: &Scenario, profile: &Profile, seed: u64) -> Result<Outcome, ScenarioError> {
    let scenario = scenario_for(base, profile, seed);
    let mut faults = BTreeMap::new();
    for entry in &scenario.timeline[..] {
        if let Some(kind) = fault_kind(&entry.action) {
            *faults.entry(kind).or_insert(0) += 1;
        }
    }
    let ran = run(&scenario)?;
    Ok(Outcome {
        seed,
        violation: ran.violation,
        events: ran.events,
        faults,
        counters: ran.counters,
    })
}

/// What a search covered.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Coverage {
    /// Runs done.
    pub runs: u64,
    /// Events handled over all runs.
    pub events: u64,
    /// Faults started, by kind, over all runs.
    pub faults: BTreeMap<String, u64>,
    /// The lab's counters summed over all runs (counts such as elections; the lab's other
    /// figures, such as latencies, are left out).
    pub counters: BTreeMap<String, f64>,
}

impl Coverage {
    /// Adds one run.
    pub fn add(&mut self, outcome: &Outcome) {
        self.runs += 1;
        self.events += outcome.events;
        for (kind, count) in &outcome.faults {
            *self.faults.entry(kind.to_string()).or_insert(0) += count;
        }
        for (name, value) in outcome.counters.iter() {
            if is_count(name) {
                *self.counters.entry(name.clone()).or_insert(0.0) += value;
            }
        }
    }
}

/// Whether a metric is a count worth summing over runs (not a time, quantile or ratio).
fn is_count(name: &str) -> bool {
    !(name.contains("_ms")
        || [
            "_p50", "_p90", "_p99", "_mean", "_max", "_min", "_ratio", "_rate", "_share",
        ]
        .iter()
        .any(|suffix| name.ends_with(suffix)))
}

/// A shrunk failing run.
#[derive(Debug, Clone)]
pub struct Shrunk {
    /// The smaller scenario; it breaks [`Shrunk::violation`]'s property.
    pub scenario: Scenario,
    /// The violation it ends with.
    pub violation: Violation,
    /// Timeline actions before and after.
    pub actions: (usize, usize),
    /// Run length in ms before and after.
    pub run_ms: (u64, u64),
    /// Runs the shrinking took.
    pub runs: usize,
    /// Whether it stopped at `runs_max` before reaching a 1-minimal timeline.
    pub capped: bool,
}

/// Shrinks a scenario that breaks `property` by delta debugging over its timeline, trying
/// at most `runs_max` runs. Returns `None` if the scenario does not break `property`.
pub fn shrink(scenario: &Scenario, property: &str, runs_max: usize) -> Option<Shrunk> {
    let mut runs = 0;
    let attempt = |candidate: &Scenario, runs: &mut usize| -> Option<Violation> {
        *runs += 1;
        match run(candidate) {
            Ok(Ran {
                violation: Some(violation),
                ..
            }) if violation.property == property => Some(violation),
            _ => None,
        }
    };
    let before = (
        scenario.timeline.len(),
        scenario.run_until_ms.unwrap_or(RUN_MS_DEFAULT),
    );
    let mut best = scenario.clone();
    best.limits.stop_on_violation = true;
    let mut violation = attempt(&best, &mut runs)?;
    // 1. End the run at the violation: nothing later can matter to it.
    let cut = |scenario: &mut Scenario, violation: &Violation| {
        let end_ms = violation.time.div_ceil(1_000).max(1);
        scenario.run_until_ms = Some(end_ms);
        scenario
            .timeline
            .retain(|entry| entry_time_us(entry) <= violation.time);
    };
    cut(&mut best, &violation);
    // 2. Delta debugging, first over faults (a fault and its repair go together, so removing
    //    one does not leave a repair of nothing that shifts everything after it), then over
    //    single actions: try removing each of `chunks` parts, then finer parts.
    let mut capped = false;
    for grouping in [units as fn(&[TimelineEntry]) -> Vec<Vec<usize>>, singles] {
        let mut chunks = 2usize;
        loop {
            let mut groups = grouping(&best.timeline);
            if groups.is_empty() {
                break;
            }
            let size = groups.len().div_ceil(chunks.min(groups.len()));
            let mut removed_one = false;
            let mut start = 0;
            while start < groups.len() {
                if runs >= runs_max {
                    capped = true;
                    break;
                }
                let end = (start + size).min(groups.len());
                let drop: Vec<usize> = groups[start..end].iter().flatten().copied().collect();
                let mut candidate = best.clone();
                let mut index = 0;
                candidate.timeline.retain(|_| {
                    index += 1;
                    !drop.contains(&(index - 1))
                });
                if let Some(found) = attempt(&candidate, &mut runs) {
                    best = candidate;
                    violation = found;
                    cut(&mut best, &violation);
                    groups = grouping(&best.timeline);
                    removed_one = true;
                } else {
                    start = end;
                }
            }
            if capped {
                break;
            }
            if removed_one {
                chunks = chunks.saturating_sub(1).max(2);
            } else if size == 1 {
                break;
            } else {
                chunks = (chunks * 2).min(groups.len().max(1));
            }
        }
    }
    Some(Shrunk {
        actions: (before.0, best.timeline.len()),
        run_ms: (before.1, best.run_until_ms.unwrap_or(RUN_MS_DEFAULT)),
        scenario: best,
        violation,
        runs,
        capped,
    })
}

/// Each action of a timeline on its own.
fn singles(timeline: &[TimelineEntry]) -> Vec<Vec<usize>> {
    (0..timeline.len()).map(|index| vec![index]).collect()
}

/// A timeline's actions grouped as faults: each fault with the first later action that
/// repairs it; any other action on its own.
fn units(timeline: &[TimelineEntry]) -> Vec<Vec<usize>> {
    let mut taken = vec![false; timeline.len()];
    let mut groups = Vec::new();
    for (index, entry) in timeline.iter().enumerate() {
        if taken[index] {
            continue;
        }
        taken[index] = true;
        let mut group = vec![index];
        let repairs = |later: &Action| match (&entry.action, later) {
            (Action::Crash { node }, Action::Restart { node: other })
            | (Action::Pause { node }, Action::Resume { node: other }) => node == other,
            (Action::Partition { .. } | Action::Isolate { .. }, Action::HealAll) => true,
            (
                Action::CutLink { from, to },
                Action::HealLink {
                    from: other_from,
                    to: other_to,
                },
            ) => from == other_from && to == other_to,
            (
                Action::SetLink { from, to, .. },
                Action::SetLink {
                    from: other_from,
                    to: other_to,
                    loss_probability: Some(loss),
                    ..
                },
            ) => from == other_from && to == other_to && *loss == 0.0,
            _ => false,
        };
        if fault_kind(&entry.action).is_some()
            && let Some(repair) = (index + 1..timeline.len())
                .find(|&later| !taken[later] && repairs(&timeline[later].action))
        {
            taken[repair] = true;
            group.push(repair);
        }
        groups.push(group);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn preset(name: &str) -> Scenario {
        Scenario::parse(crate::presets::get(name).expect("preset")).expect("parses")
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule_and_another_seed_another() {
        let mixed = profile("mixed").unwrap();
        assert_eq!(schedule(mixed, 5, 5_000, 7), schedule(mixed, 5, 5_000, 7));
        assert_ne!(schedule(mixed, 5, 5_000, 7), schedule(mixed, 5, 5_000, 8));
    }

    #[test]
    fn every_fault_is_repaired_before_the_run_ends_and_a_majority_stays_up() {
        for profile in PROFILES {
            for seed in 0..50 {
                let entries = schedule(profile, 5, 5_000, seed);
                assert!(!entries.is_empty(), "{} seed {seed}", profile.name);
                let mut down = std::collections::BTreeSet::new();
                let mut network_faults = 0i32;
                for entry in &entries {
                    assert!(entry.at_ms.unwrap() < 5_000);
                    match &entry.action {
                        Action::Crash { node } | Action::Pause { node } => {
                            assert!(down.insert(*node), "node {node} faulted twice at once");
                            assert!(down.len() <= 2, "a majority of 5 stays up");
                        }
                        Action::Restart { node } | Action::Resume { node } => {
                            assert!(down.remove(node), "node {node} repaired while up");
                        }
                        Action::HealAll | Action::HealLink { .. } => network_faults -= 1,
                        Action::SetLink {
                            loss_probability: Some(loss),
                            ..
                        } if *loss == 0.0 => network_faults -= 1,
                        _ => network_faults += 1,
                    }
                    assert!((0..=1).contains(&network_faults), "network faults overlap");
                }
                assert!(down.is_empty() && network_faults == 0, "all repaired");
            }
        }
    }

    #[test]
    fn a_profile_starts_only_its_own_kinds_of_fault() {
        let crashes = profile("crashes").unwrap();
        let kinds: Vec<_> = (0..20)
            .flat_map(|seed| schedule(crashes, 5, 5_000, seed))
            .filter_map(|entry| fault_kind(&entry.action))
            .collect();
        assert!(!kinds.is_empty());
        assert!(kinds.iter().all(|kind| *kind == "crash"));
    }

    #[test]
    fn shrinking_treats_a_fault_and_its_repair_as_one() {
        let at = |ms: u64, action: Action| TimelineEntry {
            at_ms: Some(ms),
            at_us: None,
            action,
        };
        let timeline = [
            at(1, Action::Crash { node: 1 }),
            at(2, Action::Isolate { node: 0 }),
            at(3, Action::Crash { node: 2 }),
            at(4, Action::Restart { node: 2 }),
            at(5, Action::HealAll),
            at(6, Action::Restart { node: 1 }),
            at(7, Action::AddNode),
        ];
        assert_eq!(
            units(&timeline),
            vec![vec![0, 5], vec![1, 4], vec![2, 3], vec![6]]
        );
    }

    #[test]
    fn exploring_a_correct_raft_finds_nothing_and_counts_what_it_tried() {
        let base = preset("raft-leader-crash");
        let mut coverage = Coverage::default();
        for seed in 0..4 {
            let outcome = run_seed(&base, profile("mixed").unwrap(), seed).unwrap();
            assert!(
                outcome.violation.is_none(),
                "seed {seed}: {:?}",
                outcome.violation
            );
            coverage.add(&outcome);
        }
        assert_eq!(coverage.runs, 4);
        assert!(coverage.events > 0);
        assert!(coverage.faults.values().sum::<u64>() >= 8);
    }
}
