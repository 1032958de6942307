//! Raft's own views: every server's log as a grid (one row per server, one cell per index,
//! coloured and numbered by term, committed entries drawn solid), each server's term and
//! commit index, the cluster configuration with any change still pending, and the key-value
//! contents of the selected server (or the leader).

use netsplit_core::NodeStatus;
use serde_json::Value;
use yew::prelude::*;

use crate::state::{Action, PlaygroundHandle};

/// How many of the newest log indexes the grid shows.
pub const LOG_COLUMNS: u64 = 24;

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
    /// The configuration it uses: the latest one in its log, committed or not (thesis 4.1).
    pub members: Vec<u32>,
    /// The configuration as of its commit index.
    pub committed_members: Vec<u32>,
    /// The index of the latest configuration entry in its log (0: the initial one).
    pub configuration_index: u64,
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
        let commit_index = number(&state["commit_index"]);
        let snapshot_index = number(&log["snapshot_index"]);
        let ids = |value: &Value| -> Vec<u32> {
            value
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .filter_map(|id| u32::try_from(id.as_u64()?).ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        let base_members = ids(&log["base_members"]);
        let configuration_indexes: Vec<u64> = log["configuration_indexes"]
            .as_array()
            .map(|indexes| indexes.iter().map(number).collect())
            .unwrap_or_default();
        // The members named by the configuration entry at `index`, read from the log.
        let members_at = |index: u64| -> Option<Vec<u32>> {
            let offset = usize::try_from(index.checked_sub(snapshot_index + 1)?).ok()?;
            Some(ids(&log["entries"].get(offset)?["command"]["members"]))
        };
        let configuration_index = configuration_indexes.last().copied().unwrap_or(0);
        let members = members_at(configuration_index).unwrap_or_else(|| base_members.clone());
        let committed_members = configuration_indexes
            .iter()
            .rev()
            .find(|&&index| index <= commit_index)
            .and_then(|&index| members_at(index))
            .unwrap_or(base_members);
        LogRow {
            id,
            role,
            up,
            term: number(&state["current_term"]),
            commit_index,
            snapshot_index,
            terms,
            data,
            members,
            committed_members,
            configuration_index,
        }
    }

    /// The change between the committed configuration and the one in use, if one is
    /// still uncommitted: the servers being added and the servers being removed.
    pub fn pending_change(&self) -> Option<(Vec<u32>, Vec<u32>)> {
        if self.configuration_index <= self.commit_index {
            return None;
        }
        let added = self
            .members
            .iter()
            .copied()
            .filter(|id| !self.committed_members.contains(id))
            .collect();
        let removed = self
            .committed_members
            .iter()
            .copied()
            .filter(|id| !self.members.contains(id))
            .collect();
        Some((added, removed))
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

/// Server ids as "n0, n1, n2".
fn server_list(ids: &[u32]) -> String {
    ids.iter()
        .map(|id| ["n", &id.to_string()].concat())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The configuration as `row` (the leader, or the selected server) sees it, the change still
/// pending if any, and a button for each running server outside it.
fn configuration(state: &PlaygroundHandle, row: &LogRow, outside: &[u32]) -> Html {
    let add = |id: u32| {
        let state = state.clone();
        Callback::from(move |_| {
            state.dispatch(Action::Apply(netsplit_core::Action::Lab {
                name: "add_server".into(),
                args: serde_json::json!({ "node": id }),
            }))
        })
    };
    let whose = if row.role == "leader" {
        ["the leader n", &row.id.to_string()].concat()
    } else {
        ["n", &row.id.to_string()].concat()
    };
    html! {
        <div class="raft-configuration" aria-label="Configuration">
            <h3>{ "Configuration" }</h3>
            <p>
                { format!("As {whose} sees it: {} ({} servers, a majority is {}).",
                    server_list(&row.members), row.members.len(), row.members.len() / 2 + 1) }
            </p>
            if let Some((added, removed)) = row.pending_change() {
                <p class="pending-change" role="status">
                    <strong>{ "Pending: " }</strong>
                    { if !added.is_empty() { format!("adding {}", server_list(&added)) } else { format!("removing {}", server_list(&removed)) } }
                    { format!(" (configuration entry at index {}, not committed yet). Servers use it as soon as it is in their log; no other change is accepted until it commits.", row.configuration_index) }
                </p>
            } else {
                <p class="muted">{ "Committed. Add node starts a server and asks the leader to add it; select a server and use Remove node to take it out, one server at a time." }</p>
            }
            if !outside.is_empty() {
                <p class="outside">
                    { format!("Running but not in the configuration: {}. ", server_list(outside)) }
                    { for outside.iter().map(|&id| html! {
                        <button onclick={add(id)} aria-label={format!("Add n{id} to the configuration")}>{ format!("Add n{id}") }</button>
                    }) }
                </p>
            }
        </div>
    }
}

/// Raft's panel.
pub fn raft_view(state: &PlaygroundHandle) -> Html {
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
    let authority = rows
        .iter()
        .find(|row| row.role == "leader" && row.up)
        .or_else(|| rows.iter().find(|row| Some(row.id) == state.selected))
        .or_else(|| rows.iter().find(|row| row.up));
    let outside: Vec<u32> = authority
        .map(|authority| {
            rows.iter()
                .filter(|row| row.up && !authority.members.contains(&row.id))
                .map(|row| row.id)
                .collect()
        })
        .unwrap_or_default();
    html! {
        <section class="panel raft-view" aria-label="Raft logs">
            { authority.map(|row| configuration(state, row, &outside)).unwrap_or_default() }
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
                                    "leader" => " (L)", "candidate" => " (C)", "precandidate" => " (P)", "removed" => " (out)", _ => "" }) }
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
