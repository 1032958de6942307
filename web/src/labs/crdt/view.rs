//! The CRDT lab's panel: every replica side by side, its value large, what it has seen and
//! sent, its payload as the engine holds it, and the updates its type takes (a text
//! replica is a text box: typing in it is an edit at that replica, at the current moment).

use netsplit_core::NodeStatus;
use serde_json::{Value, json};
use web_sys::HtmlInputElement;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::state::{Action, PlaygroundHandle, PlaygroundState};

/// The longest payload text shown per replica, in characters.
const PAYLOAD_CHARS_MAX: usize = 1_200;

/// One replica as the panel shows it.
#[derive(Clone, Debug, PartialEq)]
struct ReplicaCard {
    id: u32,
    status: NodeStatus,
    /// The type's tag (`"or_set"`), empty for a crashed replica.
    kind: String,
    /// The type's name for people.
    title: String,
    value: Value,
    updates_seen: u64,
    updates_made: u64,
    lost_updates: u64,
    bytes_sent: u64,
    waiting: usize,
    payload: String,
}

impl ReplicaCard {
    fn read(id: u32, status: NodeStatus, state: &Value) -> ReplicaCard {
        let number = |key: &str| state[key].as_u64().unwrap_or(0);
        let payload = state["payload"].as_str().unwrap_or("").to_string();
        let payload = if payload.chars().count() > PAYLOAD_CHARS_MAX {
            let cut: String = payload.chars().take(PAYLOAD_CHARS_MAX).collect();
            [cut.as_str(), "…"].concat()
        } else {
            payload
        };
        ReplicaCard {
            id,
            status,
            kind: state["crdt"].as_str().unwrap_or("").to_string(),
            title: state["kind"].as_str().unwrap_or("").to_string(),
            value: state["value"].clone(),
            updates_seen: number("updates_seen"),
            updates_made: number("updates_made"),
            lost_updates: number("lost_updates"),
            bytes_sent: number("bytes_sent"),
            waiting: number("waiting_ops") as usize,
            payload,
        }
    }

    fn up(&self) -> bool {
        self.status == NodeStatus::Up
    }
}

/// A value as a learner reads it: a number, a set in braces, register values in brackets,
/// a text in quotes.
fn render_value(kind: &str, value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(ToString::to_string).collect();
            if kind.ends_with("set") {
                ["{", &items.join(", "), "}"].concat()
            } else {
                ["[", &items.join(", "), "]"].concat()
            }
        }
        Value::Null => "(crashed)".to_string(),
        other => other.to_string(),
    }
}

fn update(dispatcher: &UseReducerDispatcher<PlaygroundState>, node: u32, request: Value) {
    let mut args = request;
    args["node"] = json!(node);
    dispatcher.dispatch(Action::Apply(netsplit_core::Action::Lab {
        name: "update".into(),
        args,
    }));
}

/// The properties of a replica's controls.
#[derive(Properties, PartialEq)]
struct ControlsProps {
    node: u32,
    kind: String,
    dispatcher: UseReducerDispatcher<PlaygroundState>,
}

/// The updates a replica's type takes: counters count; sets and registers take a number
/// from the field beside their buttons.
#[component]
fn Controls(props: &ControlsProps) -> Html {
    let field = use_node_ref();
    let node = props.node;
    let send = |op: &'static str, key: Option<&'static str>| {
        let dispatcher = props.dispatcher.clone();
        let field = field.clone();
        Callback::from(move |_: MouseEvent| {
            let mut request = json!({ "op": op });
            if let Some(key) = key {
                let number = field
                    .cast::<HtmlInputElement>()
                    .and_then(|input| input.value().trim().parse::<i64>().ok())
                    .unwrap_or(1);
                request[key] = json!(if key == "element" {
                    number.clamp(0, i64::from(u32::MAX))
                } else {
                    number
                });
            }
            update(&dispatcher, node, request);
        })
    };
    let buttons: &[(&str, &'static str, Option<&'static str>)] = match props.kind.as_str() {
        "g_counter" | "naive_counter" => &[("+1", "increment", None)],
        "pn_counter" => &[("+1", "increment", None), ("−1", "decrement", None)],
        "g_set" => &[("Add", "add", Some("element"))],
        "two_phase_set" | "or_set" | "naive_set" => &[
            ("Add", "add", Some("element")),
            ("Remove", "remove", Some("element")),
        ],
        "lww_register" | "mv_register" => &[("Write", "set", Some("value"))],
        _ => &[],
    };
    let takes_number = buttons.iter().any(|(_, _, key)| key.is_some());
    html! {
        <div class="crdt-controls">
            if takes_number {
                <input ref={field.clone()} type="number" value="1" min="0" max="999999" aria-label={format!("Number for n{node}")} />
            }
            { for buttons.iter().map(|&(label, op, key)| html! {
                <button onclick={send(op, key)} aria-label={format!("{label} at n{node}")}>{ label }</button>
            }) }
        </div>
    }
}

/// The properties of a text replica's box.
#[derive(Properties, PartialEq)]
struct TextProps {
    node: u32,
    text: String,
    editable: bool,
    dispatcher: UseReducerDispatcher<PlaygroundState>,
}

/// A text replica as a text box. What the learner types is an edit at that replica; the
/// box shows the replica's text whenever the learner is not typing in it, so remote edits
/// appear without moving the caret of someone typing.
#[component]
fn TextReplica(props: &TextProps) -> Html {
    let area = use_node_ref();
    {
        let area = area.clone();
        use_effect_with(props.text.clone(), move |text| {
            if let Some(element) = area.cast::<HtmlTextAreaElement>() {
                let focused = web_sys::window()
                    .and_then(|window| window.document())
                    .and_then(|document| document.active_element())
                    .is_some_and(|active| active == *element.as_ref());
                if !focused && element.value() != *text {
                    element.set_value(text);
                }
            }
        });
    }
    let oninput = {
        let dispatcher = props.dispatcher.clone();
        let node = props.node;
        Callback::from(move |event: InputEvent| {
            if let Some(element) = event.target_dyn_into::<HtmlTextAreaElement>() {
                dispatcher.dispatch(Action::Apply(netsplit_core::Action::Lab {
                    name: "edit".into(),
                    args: json!({ "node": node, "text": element.value() }),
                }));
            }
        })
    };
    let onblur = {
        let area = area.clone();
        let text = props.text.clone();
        Callback::from(move |_: FocusEvent| {
            if let Some(element) = area.cast::<HtmlTextAreaElement>() {
                element.set_value(&text);
            }
        })
    };
    html! {
        <textarea ref={area} class="crdt-text" rows="3" maxlength="512" spellcheck="false"
                  disabled={!props.editable} aria-label={format!("Text on n{}", props.node)}
                  {oninput} {onblur} />
    }
}

fn card(row: &ReplicaCard, dispatcher: &UseReducerDispatcher<PlaygroundState>) -> Html {
    let status = match row.status {
        NodeStatus::Up => "up",
        NodeStatus::Crashed => "crashed",
        NodeStatus::Paused => "paused",
        NodeStatus::Removed => "removed",
    };
    let text = (row.kind == "rga").then(|| row.value.as_str().unwrap_or("").to_string());
    html! {
        <article class={classes!("crdt-replica", (!row.up()).then_some("down"))} aria-label={format!("Replica n{}", row.id)}>
            <h3>{ format!("n{}", row.id) }<span class="muted">{ format!(" {status}") }</span></h3>
            if let Some(text) = text {
                <TextReplica node={row.id} {text} editable={row.up()} dispatcher={dispatcher.clone()} />
            } else {
                <p class="crdt-value" aria-label={format!("Value of n{}", row.id)}>{ render_value(&row.kind, &row.value) }</p>
            }
            <dl class="kv">
                <dt>{ "updates seen" }</dt><dd>{ row.updates_seen }</dd>
                <dt>{ "made here" }</dt><dd>{ row.updates_made }</dd>
                <dt>{ "bytes sent" }</dt><dd>{ row.bytes_sent }</dd>
                if row.waiting > 0 {
                    <dt>{ "ops waiting" }</dt><dd>{ row.waiting }</dd>
                }
                if row.lost_updates > 0 {
                    <dt>{ "lost" }</dt><dd class="bad">{ row.lost_updates }</dd>
                }
            </dl>
            if row.up() {
                <Controls node={row.id} kind={row.kind.clone()} dispatcher={dispatcher.clone()} />
            }
            <details>
                <summary>{ "State" }</summary>
                <pre class="crdt-payload">{ &row.payload }</pre>
            </details>
        </article>
    }
}

/// The CRDT lab's panel.
pub fn crdt_view(state: &PlaygroundHandle) -> Html {
    let rows: Vec<ReplicaCard> = {
        let run = state.run.borrow();
        run.nodes()
            .iter()
            .filter(|node| node.status != NodeStatus::Removed)
            .filter_map(|node| {
                let json = run.node_state(node.id)?;
                Some(ReplicaCard::read(node.id, node.status, &json))
            })
            .collect()
    };
    let title = rows
        .iter()
        .find(|row| !row.title.is_empty())
        .map(|row| row.title.clone())
        .unwrap_or_default();
    let mut values: Vec<&Value> = Vec::new();
    for row in rows.iter().filter(|row| row.up()) {
        if !values.contains(&&row.value) {
            values.push(&row.value);
        }
    }
    let summary = match values.len() {
        0 => "No replica is running.".to_string(),
        1 => "Every running replica shows the same value.".to_string(),
        count => format!("The running replicas show {count} different values."),
    };
    let dispatcher = state.dispatcher();
    html! {
        <section class="panel crdt-view" aria-label="Replicas">
            <h2>{ format!("Replicas side by side ({title})") }</h2>
            <p role="status" class="crdt-summary">{ summary }</p>
            <div class="crdt-replicas">
                { for rows.iter().map(|row| card(row, &dispatcher)) }
            </div>
        </section>
    }
}
