//! Raft's own views: every server's log as a grid (one row per server, one cell per index,
//! coloured and numbered by term, committed entries drawn solid), each server's term and
//! commit index, and the key-value contents of the selected server (or the leader).

use netsplit_core::NodeStatus;
use serde_json::Value;
use yew::prelude::*;

use crate::state::PlaygroundHandle;

/// How many of the newest log indexes the grid shows.
pub const LOG_COLUMNS: u64 = 24;

/// Props of [`RaftView`].
#[derive(Properties, PartialEq)]
pub struct RaftViewProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
}

/// One server's log as the grid needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    /// The server.
    pub id: u32,
    /// Its role word.
    pub role: &'static str,
    /// Whether it is up.
    pub up: bool,
    /// Its current term.
    pub term: u64,
    /// Its commit index.
    pub commit_index: u64,
    /// The index of the last entry covered by its snapshot.
    pub snapshot_index: u64,
    /// The term of each entry after the snapshot, in order.
    pub terms: Vec<u64>,
    /// Its key-value store.
    pub data: Vec<(String, String)>,
}

impl LogRow {
    /// Reads a row from a server's state as the engine serializes it.
    pub fn from_state(id: u32, role: &'static str, up: bool, state: &Value) -> LogRow {
        let number = |value: &Value| value.as_u64().unwrap_or(0);
        let log = &state["log"];
        let terms = log["entries"]
            .as_array()
            .map(|entries| entries.iter().map(|entry| number(&entry["term"])).collect())
            .unwrap_or_default();
        let data = state["store"]["data"]
            .as_object()
            .map(|data| {
                data.iter()
                    .map(|(key, value)| {
                        (
                            key.clone(),
                            value
                                .as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| value.to_string()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        LogRow {
            id,
            role,
            up,
            term: number(&state["current_term"]),
            commit_index: number(&state["commit_index"]),
            snapshot_index: number(&log["snapshot_index"]),
            terms,
            data,
        }
    }

    /// The index of the last entry.
    pub fn last_index(&self) -> u64 {
        self.snapshot_index + self.terms.len() as u64
    }

    /// The term at `index`, if the log holds it (None inside the snapshot or past the end).
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index <= self.snapshot_index {
            return None;
        }
        self.terms
            .get((index - self.snapshot_index - 1) as usize)
            .copied()
    }
}

/// A fill colour per term, cycling through hues so neighbouring terms differ.
pub fn term_colour(term: u64) -> String {
    let hue = (term * 67) % 360;
    format!("hsl({hue} 60% 55% / 0.35)")
}

/// Raft's panel.
#[component]
pub fn RaftView(props: &RaftViewProps) -> Html {
    let state = &props.state;
    let rows: Vec<LogRow> = {
        let run = state.run.borrow();
        run.nodes()
            .iter()
            .filter(|node| node.status != NodeStatus::Removed)
            .filter_map(|node| {
                let json = run.node_state(node.id)?;
                Some(LogRow::from_state(
                    node.id,
                    node.role,
                    node.status == NodeStatus::Up,
                    &json,
                ))
            })
            .collect()
    };
    let last = rows.iter().map(LogRow::last_index).max().unwrap_or(0);
    let first = last.saturating_sub(LOG_COLUMNS - 1).max(1);
    let shown = rows
        .iter()
        .find(|row| Some(row.id) == state.selected)
        .or_else(|| rows.iter().find(|row| row.role == "leader" && row.up))
        .cloned();
    html! {
        <section class="panel raft-view" aria-label="Raft logs">
            <h2>{ "Logs (index → , number = term; solid = committed, dashed = not yet)" }</h2>
            <div class="log-grid-wrap">
                <table class="log-grid">
                    <thead>
                        <tr>
                            <th scope="col">{ "server" }</th>
                            <th scope="col">{ "term" }</th>
                            <th scope="col">{ "commit" }</th>
                            { for (first..=last.max(first)).map(|index| html! { <th scope="col" class="index">{ index }</th> }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for rows.iter().map(|row| html! {
                            <tr key={row.id} class={classes!((!row.up).then_some("down"))}>
                                <th scope="row">{ format!("n{}{}", row.id, match row.role {
                                    "leader" => " (L)", "candidate" => " (C)", "precandidate" => " (P)", _ => "" }) }
                                    { if row.up { "" } else { " ✕" } }</th>
                                <td>{ row.term }</td>
                                <td>{ row.commit_index }</td>
                                { for (first..=last.max(first)).map(|index| match row.term_at(index) {
                                    Some(term) => {
                                        let committed = index <= row.commit_index;
                                        html! {
                                            <td class={classes!("entry", if committed { "committed" } else { "pending" })}
                                                style={format!("background: {}", term_colour(term))}
                                                title={format!("index {index}, term {term}, {}", if committed { "committed" } else { "not committed" })}>
                                                { term }
                                            </td>
                                        }
                                    }
                                    None if index <= row.snapshot_index => html! { <td class="entry snapshot" title="in the snapshot">{ "▤" }</td> },
                                    None => html! { <td class="entry empty"></td> },
                                }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            if let Some(row) = shown {
                <h3>{ format!("Key-value store on n{}", row.id) }</h3>
                if row.data.is_empty() {
                    <p class="muted">{ "Empty: no put has been applied yet." }</p>
                } else {
                    <dl class="kv store">
                        { for row.data.iter().take(40).map(|(key, value)| html! { <><dt>{ key }</dt><dd>{ value }</dd></> }) }
                    </dl>
                }
            }
        </section>
    }
}
