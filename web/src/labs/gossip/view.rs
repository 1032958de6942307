//! The gossip lab's panel: every member as the running members see it. A member's verdict
//! is told by a word and a shape (● alive, ◐ suspected, ✕ dead), with
//! how many running members hold each belief, whether the member in fact runs, and its
//! incarnation as its own list and the others' know it.

use netsplit_core::NodeStatus;
use netsplit_core::lab::ProtocolLab;
use netsplit_core::labs::gossip::{Status, Swim};
use yew::prelude::*;

use crate::state::PlaygroundHandle;

/// The most members listed; alive members past it are counted, not listed.
const ROWS_MAX: usize = 12;

/// One member as the group sees it.
struct Row {
    id: u32,
    status: NodeStatus,
    alive: u32,
    suspect: u32,
    dead: u32,
    incarnation: u64,
    evicted: bool,
}

impl Row {
    /// The group's verdict: dead if anyone holds it dead, suspected if anyone suspects it.
    fn verdict(&self) -> Status {
        if self.dead > 0 {
            Status::Dead
        } else if self.suspect > 0 {
            Status::Suspect
        } else {
            Status::Alive
        }
    }
}

fn shape(status: Status) -> &'static str {
    match status {
        Status::Alive => "●",
        Status::Suspect => "◐",
        Status::Dead => "✕",
    }
}

fn status_word(status: NodeStatus) -> &'static str {
    match status {
        NodeStatus::Up => "running",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Paused => "paused",
        NodeStatus::Removed => "removed",
    }
}

fn row_html(row: &Row) -> Html {
    let verdict = row.verdict();
    let held: Vec<String> = [
        (row.dead, "dead"),
        (row.suspect, "suspect"),
        (row.alive, "alive"),
    ]
    .iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, word)| format!("{count} {word}"))
    .collect();
    html! {
        <tr>
            <th scope="row">{ format!("n{}", row.id) }</th>
            <td>{ format!("{} {}", shape(verdict), verdict.word()) }</td>
            <td>{ held.join(", ") }</td>
            <td>{ status_word(row.status) }{ if row.evicted { " (evicted)" } else { "" } }</td>
            <td>{ row.incarnation }</td>
        </tr>
    }
}

/// The gossip lab's panel.
pub fn membership_view(state: &PlaygroundHandle) -> Html {
    let run = state.run.borrow();
    let Some(lab) = run
        .as_any()
        .and_then(|any| any.downcast_ref::<ProtocolLab<Swim>>())
    else {
        return Html::default();
    };
    let sim = lab.sim();
    let mut rows: Vec<Row> = sim
        .nodes()
        .filter(|(_, status, _)| *status != NodeStatus::Removed)
        .map(|(id, status, swim)| Row {
            id,
            status,
            alive: 0,
            suspect: 0,
            dead: 0,
            incarnation: if status == NodeStatus::Up {
                swim.incarnation
            } else {
                0
            },
            evicted: status == NodeStatus::Up && swim.evicted,
        })
        .collect();
    for (_, status, swim) in sim.nodes() {
        if status != NodeStatus::Up {
            continue;
        }
        for member in &swim.members {
            let Some(row) = rows.iter_mut().find(|row| row.id == member.id) else {
                continue;
            };
            match member.status {
                Status::Alive => row.alive += 1,
                Status::Suspect => row.suspect += 1,
                Status::Dead => row.dead += 1,
            }
            row.incarnation = row.incarnation.max(member.incarnation);
        }
    }
    let count = |status: Status| rows.iter().filter(|row| row.verdict() == status).count();
    let (suspected, dead) = (count(Status::Suspect), count(Status::Dead));
    let summary = format!(
        "{} members: {} alive, {suspected} suspected, {dead} declared dead by someone.",
        rows.len(),
        rows.len() - suspected - dead
    );
    // The members someone doubts first, then the rest by id.
    rows.sort_by_key(|row| (row.verdict() == Status::Alive, row.id));
    let hidden = rows.len().saturating_sub(ROWS_MAX);
    html! {
        <section class="panel lab-extra" aria-label="Membership" style="overflow-x:auto">
            <h2>{ "Membership as the running members see it" }</h2>
            <p role="status">{ summary }</p>
            <table>
                <thead><tr>
                    <th scope="col">{ "member" }</th>
                    <th scope="col">{ "verdict" }</th>
                    <th scope="col">{ "held by the others" }</th>
                    <th scope="col">{ "in fact" }</th>
                    <th scope="col">{ "incarnation" }</th>
                </tr></thead>
                <tbody>{ for rows.iter().take(ROWS_MAX).map(row_html) }</tbody>
            </table>
            if hidden > 0 { <p class="muted">{ format!("and {hidden} more members everyone holds alive") }</p> }
        </section>
    }
}
