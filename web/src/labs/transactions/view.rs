//! The transactions lab's panel: every node side by side, what it is doing (coordinating,
//! prepared, pre-committed, blocked), the locks it holds, and its log, each record marked as
//! on disk or still being written. A crashed node shows what its disk holds.

use netsplit_core::lab::ProtocolLab;
use netsplit_core::labs::transactions::{COORDINATOR, Phase, Record, TwoPhaseCommit};
use netsplit_core::{NodeStatus, Protocol};
use yew::prelude::*;

use crate::state::PlaygroundHandle;

/// The most log records shown per node (the newest).
const RECORDS_SHOWN_MAX: usize = 12;

fn record_text(record: &Record) -> String {
    match record {
        Record::Begin { txn, key, .. } => format!("begin t{txn} (write {key})"),
        Record::Prepared { txn, key, .. } => format!("prepared t{txn}, lock {key}"),
        Record::PreCommitted { txn, .. } => format!("pre-committed t{txn}"),
        Record::Decided { txn, outcome, .. } => format!("{} t{txn}", outcome.word()),
        Record::End { txn } => format!("end t{txn}"),
    }
}

fn status_word(status: NodeStatus) -> &'static str {
    match status {
        NodeStatus::Up => "up",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Paused => "paused",
        NodeStatus::Removed => "removed",
    }
}

/// One node's card.
fn card(id: u32, status: NodeStatus, node: Option<&TwoPhaseCommit>, disk: &[Record]) -> Html {
    let running = matches!(status, NodeStatus::Up | NodeStatus::Paused);
    let log: &[Record] = match node {
        Some(node) if running => &node.log,
        _ => disk,
    };
    let role = if id == COORDINATOR {
        "coordinator"
    } else {
        match node {
            Some(node) if running => node.role(),
            _ => "participant",
        }
    };
    let locks: Vec<String> = if id == COORDINATOR {
        Vec::new()
    } else {
        let durable = netsplit_core::labs::transactions::Durable { log: log.to_vec() };
        durable
            .in_doubt()
            .iter()
            .map(|(txn, key, _)| format!("{key} (t{txn})"))
            .collect()
    };
    let status_text = if running {
        role.to_string()
    } else {
        [status_word(status), ", its disk holds:"].concat()
    };
    let doing: Vec<String> = match node {
        Some(node) if running && id == COORDINATOR => node
            .coordinated
            .iter()
            .filter_map(|entry| match entry.phase {
                Phase::Voting => Some(format!(
                    "t{}: collecting votes ({} yes of {})",
                    entry.txn,
                    entry.yes_votes.len(),
                    node.participants().len()
                )),
                Phase::PreCommitting => Some(format!(
                    "t{}: pre-commit sent, {} acknowledged",
                    entry.txn,
                    entry.acks.len()
                )),
                Phase::Decided(outcome) => Some(format!(
                    "t{}: {} sent, {} acknowledged",
                    entry.txn,
                    outcome.word(),
                    entry.acks.len()
                )),
                Phase::Ended(_) => None,
            })
            .collect(),
        Some(node) if running => node
            .participated
            .iter()
            .filter(|entry| entry.outcome.is_none())
            .map(|entry| {
                if entry.termination_rounds >= 2 {
                    format!(
                        "t{}: in doubt, asked {} times, no one knows: blocked",
                        entry.txn, entry.termination_rounds
                    )
                } else if entry.pre_committed {
                    format!("t{}: pre-committed, waiting for the commit", entry.txn)
                } else {
                    format!("t{}: in doubt, waiting for the decision", entry.txn)
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let skipped = log.len().saturating_sub(RECORDS_SHOWN_MAX);
    html! {
        <article class={classes!("txn-node", (!running).then_some("down"), (role == "blocked").then_some("blocked"))}
                 aria-label={format!("Node n{id}")}>
            <h3>{ format!("n{id}") }<span class="muted">{ format!(" {status_text}") }</span></h3>
            if id != COORDINATOR {
                <p class="txn-locks" aria-label={format!("Locks held by n{id}")}>
                    if locks.is_empty() {
                        { "no locks held" }
                    } else {
                        <strong>{ "locked: " }</strong>{ locks.join(", ") }
                    }
                </p>
            }
            if !doing.is_empty() {
                <ul class="txn-doing">{ for doing.iter().map(|line| html! { <li>{ line }</li> }) }</ul>
            }
            <ol class="txn-log" aria-label={format!("Log of n{id}")} start={(skipped + 1).to_string()}>
                { for log.iter().enumerate().skip(skipped).map(|(index, record)| {
                    let on_disk = index < disk.len();
                    html! {
                        <li class={classes!((!on_disk).then_some("writing"))}>
                            { record_text(record) }
                            if !on_disk { <span class="muted">{ " (writing)" }</span> }
                        </li>
                    }
                }) }
            </ol>
            if log.is_empty() { <p class="muted">{ "empty log" }</p> }
        </article>
    }
}

/// The transactions lab's panel.
pub fn transactions_view(state: &PlaygroundHandle) -> Html {
    let run = state.run.borrow();
    let Some(lab) = run
        .as_any()
        .and_then(|any| any.downcast_ref::<ProtocolLab<TwoPhaseCommit>>())
    else {
        return Html::default();
    };
    let sim = lab.sim();
    let empty: Vec<Record> = Vec::new();
    let cards: Vec<Html> = sim
        .nodes()
        .filter(|(_, status, _)| *status != NodeStatus::Removed)
        .map(|(id, status, node)| {
            let disk = sim.durable(id).map_or(&empty, |disk| &disk.log);
            card(id, status, Some(node), disk)
        })
        .collect();
    let blocked = sim
        .nodes()
        .filter(|(_, status, node)| *status == NodeStatus::Up && node.blocked())
        .count();
    let in_doubt = sim
        .nodes()
        .filter(|(id, status, node)| {
            *id != COORDINATOR
                && *status == NodeStatus::Up
                && node
                    .participated
                    .iter()
                    .any(|entry| entry.outcome.is_none())
        })
        .count();
    let summary = match (blocked, in_doubt) {
        (0, 0) => "No participant is in doubt.".to_string(),
        (0, count) => format!("{count} participant(s) voted yes and wait for the decision."),
        (count, _) => format!(
            "{count} participant(s) blocked: prepared, holding their locks, and no one they can reach knows the outcome."
        ),
    };
    html! {
        <section class="panel txn-view" aria-label="Participants">
            <h2>{ "Coordinator and participants, with their logs" }</h2>
            <p role="status" class="txn-summary">{ summary }</p>
            <div class="txn-nodes">{ for cards }</div>
        </section>
    }
}
