//! The clock panel: every node's physical clock, its error against true time and the skew
//! ε between the clocks, its Lamport, vector and hybrid logical clocks after its latest
//! event, its balance and a button that starts a snapshot there; then each finished
//! snapshot's recorded states and its sum, checked against the bank's total, as text. Once
//! the store has writes (or the scenario sets ε), two more columns: each node's `TT.now()`
//! interval, its clock ± ε, marked by whether it holds true time, and its row's latest
//! committed value with its timestamp and the writes waiting in commit wait.
//! Plain functions of the playground state (no component of their own, for the page's
//! byte budget).

use netsplit_core::NodeStatus;
use netsplit_core::labs::clocks::clock::PhysicalClock;
use serde_json::{Value, json};
use yew::prelude::*;

use crate::state::{Action, PlaygroundHandle, PlaygroundState};

/// One node as the panel shows it.
struct Row {
    id: u32,
    status: NodeStatus,
    state: Value,
}

fn number(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

/// Microseconds as milliseconds with three decimals (`1,234.567 ms` reads as `1234.567`).
fn ms(us: i64) -> String {
    let sign = if us < 0 { "-" } else { "" };
    let us = us.unsigned_abs();
    format!("{sign}{}.{:03}", us / 1_000, us % 1_000)
}

fn clock_of(state: &Value) -> PhysicalClock {
    PhysicalClock {
        offset_us: number(&state["clock"]["offset_us"]),
        drift_ppm: number(&state["clock"]["drift_ppm"]),
    }
}

fn vector(state: &Value) -> String {
    let entries: Vec<String> = state["stamp"]["vector"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|entry| number(entry).to_string())
                .collect()
        })
        .unwrap_or_default();
    ["[", &entries.join(", "), "]"].concat()
}

fn snapshot(dispatcher: &UseReducerDispatcher<PlaygroundState>, node: u32) -> Callback<MouseEvent> {
    let dispatcher = dispatcher.clone();
    Callback::from(move |_: MouseEvent| {
        dispatcher.dispatch(Action::Apply(netsplit_core::Action::Lab {
            name: "snapshot".into(),
            args: json!({ "node": node }),
        }));
    })
}

/// The `TT.now()` cell: `[earliest, latest]` in ms, and whether it holds true time (in
/// words, not colour alone).
fn truetime(reading: i64, epsilon: i64, now: u64) -> String {
    let error = (reading - now as i64).abs();
    format!(
        "[{}, {}] {}",
        ms(reading - epsilon),
        ms(reading + epsilon),
        if error <= epsilon {
            "✓ holds"
        } else {
            "✗ misses"
        }
    )
}

/// The row cell: the latest committed value at its timestamp, and the waiting writes.
fn store_row(state: &Value) -> String {
    let committed = &state["row"];
    let mut text = if committed.is_null() {
        "—".to_string()
    } else {
        format!(
            "{} @ {}",
            number(&committed["value"]),
            ms(number(&committed["timestamp"]))
        )
    };
    let waiting = state["pending"].as_array().map_or(0, Vec::len);
    if waiting > 0 {
        text += &format!(" (+{waiting} waiting)");
    }
    text
}

fn row(
    row: &Row,
    now: u64,
    epsilon: Option<i64>,
    dispatcher: &UseReducerDispatcher<PlaygroundState>,
) -> Html {
    let clock = clock_of(&row.state);
    let up = row.status == NodeStatus::Up;
    let status = match row.status {
        NodeStatus::Up => "",
        NodeStatus::Crashed => " (crashed)",
        NodeStatus::Paused => " (paused)",
        NodeStatus::Removed => " (removed)",
    };
    let error = clock.error(now);
    let hlc = &row.state["stamp"]["hlc"];
    html! {
        <tr>
            <th scope="row">{ format!("n{}{status}", row.id) }</th>
            <td>{ ms(clock.read(now)) }</td>
            <td>{ format!("{}{}", if error > 0 { "+" } else { "" }, error) }</td>
            <td>{ number(&row.state["stamp"]["lamport"]) }</td>
            <td>{ vector(&row.state) }</td>
            <td>{ format!("({}, {})", ms(number(&hlc["l"])), number(&hlc["c"])) }</td>
            <td>{ number(&row.state["balance"]) }</td>
            if let Some(epsilon) = epsilon {
                <td>{ truetime(clock.read(now), epsilon, now) }</td>
                <td>{ store_row(&row.state) }</td>
            }
            <td>
                <button type="button" disabled={!up} onclick={snapshot(dispatcher, row.id)}
                        aria-label={format!("Take snapshot on n{}", row.id)}>{ "Snapshot" }</button>
            </td>
        </tr>
    }
}

/// One finished snapshot, as text: who started it, each recorded balance and channel, and
/// the sum against the total.
fn snapshot_text(result: &Value, total: Option<f64>, checkable: bool) -> Html {
    let id = &result["snapshot"];
    let balances: Vec<String> = result["balances"]
        .as_array()
        .map(|balances| {
            balances
                .iter()
                .map(|pair| format!("n{} {}", number(&pair[0]), number(&pair[1])))
                .collect()
        })
        .unwrap_or_default();
    let channels: Vec<String> = result["channels"]
        .as_array()
        .map(|channels| {
            channels
                .iter()
                .map(|channel| {
                    let amounts: Vec<String> = channel[2]
                        .as_array()
                        .map(|amounts| {
                            amounts
                                .iter()
                                .map(|amount| number(amount).to_string())
                                .collect()
                        })
                        .unwrap_or_default();
                    format!(
                        "n{}→n{} [{}]",
                        number(&channel[0]),
                        number(&channel[1]),
                        amounts.join(", ")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let sum = number(&result["sum"]);
    let verdict = match total {
        _ if !checkable => {
            "not checked: a transfer was lost or a node crashed, outside the algorithm's model"
                .to_string()
        }
        Some(total) if sum as f64 == total => format!("= the bank's total {total}: consistent ✓"),
        Some(total) => format!("≠ the bank's total {total}: not consistent ✗"),
        None => String::new(),
    };
    let consistent = total.is_some_and(|total| sum as f64 == total);
    html! {
        <li class={classes!("clocks-snapshot", (checkable && !consistent).then_some("bad"))}>
            <p>{ format!(
                "Snapshot {} from n{}, finished at {} ms. Recorded balances: {}. Recorded channels: {}.",
                number(&id["number"]),
                number(&id["initiator"]),
                ms(number(&result["completed_at"])),
                balances.join(", "),
                if channels.is_empty() { "all empty".to_string() } else { channels.join(", ") },
            ) }</p>
            <p class="clocks-sum">{ format!("Sum {sum} {verdict}") }</p>
        </li>
    }
}

/// The time and order lab's panel.
pub fn clocks_view(state: &PlaygroundHandle) -> Html {
    let params = &state.base.params;
    let (now, rows, gauges) = {
        let run = state.run.borrow();
        let rows: Vec<Row> = run
            .nodes()
            .iter()
            .filter(|node| node.status != NodeStatus::Removed)
            .filter_map(|node| {
                Some(Row {
                    id: node.id,
                    status: node.status,
                    state: run.node_state(node.id)?,
                })
            })
            .collect();
        (run.now(), rows, run.metrics().gauges)
    };
    let readings: Vec<i64> = rows
        .iter()
        .map(|row| clock_of(&row.state).read(now))
        .collect();
    let skew = readings
        .iter()
        .max()
        .zip(readings.iter().min())
        .map_or(0, |(max, min)| max - min);
    let total = gauges.get("snapshot_expected").copied();
    let checkable = gauges
        .get("snapshot_checkable")
        .is_none_or(|value| *value > 0.0);
    let in_progress: Vec<String> = rows
        .iter()
        .filter(|row| !row.state["gathering"].is_null())
        .map(|row| format!("n{}", row.id))
        .collect();
    // The TrueTime columns appear once the scenario is about the store.
    let epsilon = (!params["epsilon_us"].is_null() || gauges.contains_key("writes_committed"))
        .then(|| params["epsilon_us"].as_i64().unwrap_or(4_000));
    let dispatcher = state.dispatcher();
    html! {
        <section class="panel clocks-view" aria-label="Clocks">
            <h2>{ "Clocks" }</h2>
            <p class="muted">{ format!(
                "True time {} ms. Clock skew ε (fastest minus slowest physical clock): {} µs. Error is each physical clock minus true time, in µs; HLC is (l in ms, c).",
                ms(now as i64), skew
            ) }</p>
            if let Some(epsilon) = epsilon {
                <p class="muted">{ format!(
                    "TrueTime's ε is {epsilon} µs: TT.now() is the node's clock ± ε and holds true time while the clock is off by at most ε. A write is acknowledged once TT.now().earliest has passed its timestamp TT.now().latest, about 2ε later{}.",
                    gauges.get("commit_wait_ms_mean").map(|mean| format!(" (so far {mean} ms on average over {} writes)", gauges.get("writes_committed").copied().unwrap_or(0.0))).unwrap_or_default()
                ) }</p>
            }
            <div class="clocks-table">
                <table>
                    <thead><tr>
                        <th scope="col">{ "Node" }</th>
                        <th scope="col">{ "Physical clock (ms)" }</th>
                        <th scope="col">{ "Error (µs)" }</th>
                        <th scope="col">{ "Lamport" }</th>
                        <th scope="col">{ "Vector" }</th>
                        <th scope="col">{ "HLC" }</th>
                        <th scope="col">{ "Balance" }</th>
                        if epsilon.is_some() {
                            <th scope="col">{ "TT.now() (ms)" }</th>
                            <th scope="col">{ "Row (value @ s, ms)" }</th>
                        }
                        <th scope="col">{ "Snapshot" }</th>
                    </tr></thead>
                    <tbody>{ for rows.iter().map(|one| row(one, now, epsilon, &dispatcher)) }</tbody>
                </table>
            </div>
            <h3>{ "Snapshots" }</h3>
            if !in_progress.is_empty() {
                <p role="status">{ format!("Snapshot in progress, started by {}.", in_progress.join(", ")) }</p>
            }
            <ul class="clocks-snapshots" aria-label="Finished snapshots">
                { for rows.iter().filter(|row| !row.state["last_snapshot"].is_null()).map(|row| snapshot_text(&row.state["last_snapshot"], total, checkable)) }
            </ul>
            if rows.iter().all(|row| row.state["last_snapshot"].is_null()) {
                <p class="muted">{ "No snapshot has finished yet. Start one with a node's Snapshot button." }</p>
            }
        </section>
    }
}
