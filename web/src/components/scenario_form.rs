//! The run's parameters as a form: cluster size, network latency and loss, the client request
//! rate, and for Raft the election timeout range, the heartbeat interval, the options (PreVote,
//! CheckQuorum, log compaction) and the bug switches. "Apply" restarts the run from the edited
//! scenario, so every choice lands in the scenario's `params` and travels with share links and
//! exported files; a value out of range is refused next to the form with the field and the
//! reason, and the current run keeps going.

use netsplit_core::network::Latency;
use netsplit_core::scenario::Scenario;
use serde_json::Value;
use yew::prelude::*;

use std::rc::Rc;

use crate::state::{Action, PlaygroundState};

/// Props of [`ScenarioForm`].
#[derive(Properties, PartialEq)]
pub struct ScenarioFormProps {
    /// The scenario the run was last started from; the form shows its parameters.
    pub base: Rc<Scenario>,
    /// Sends the edited scenario to the reducer. The form takes these two rather than the
    /// whole reducer handle so that it is not re-rendered on every animation frame.
    pub dispatcher: UseReducerDispatcher<PlaygroundState>,
}

/// One editable number: its label, its current text, and the range it must fall in.
struct Field {
    id: &'static str,
    label: &'static str,
    value: f64,
    min: f64,
    max: f64,
}

/// One of Raft's switchable parameters: where it lives in the scenario's `params`, what the
/// checkbox says, and one sentence on what it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Toggle {
    /// The form field's name.
    pub id: &'static str,
    /// The path of the boolean inside `params`, e.g. `["bugs", "vote_without_log_check"]`.
    pub path: &'static [&'static str],
    /// The checkbox's label (also its accessible name).
    pub label: &'static str,
    /// One line on what switching it on does.
    pub explanation: &'static str,
    /// Whether it deliberately breaks Raft (shown among the bug switches).
    pub bug: bool,
}

/// Raft's options and bug switches, in the order the form shows them.
pub const RAFT_TOGGLES: &[Toggle] = &[
    Toggle {
        id: "pre_vote",
        path: &["pre_vote"],
        label: "PreVote",
        explanation: "A server first asks whether it could win before it raises its term, so a server coming back from a partition cannot force an election (thesis 9.6).",
        bug: false,
    },
    Toggle {
        id: "check_quorum",
        path: &["check_quorum"],
        label: "CheckQuorum",
        explanation: "A leader that has not heard from a majority for an election timeout steps down, and servers that heard from a leader recently ignore vote requests, so a removed or cut-off server cannot depose a healthy leader (thesis 6.2, 4.2.3).",
        bug: false,
    },
    Toggle {
        id: "read_index",
        path: &["read_index"],
        label: "ReadIndex reads",
        explanation: "Reads skip the log: the leader notes its commit index, confirms it still leads with a heartbeat round a majority answers, waits until it has applied that index, then answers (thesis 6.4). A lease would skip the heartbeat round by trusting clocks; this lab never serves reads on a lease alone.",
        bug: false,
    },
    Toggle {
        id: "commit_earlier_terms_by_counting",
        path: &["bugs", "commit_earlier_terms_by_counting"],
        label: "Commit earlier-term entries by counting replicas",
        explanation: "A leader commits an entry of an older term once a majority stores it; Figure 8 shows such an entry being overwritten after it was applied (section 5.4.2).",
        bug: true,
    },
    Toggle {
        id: "vote_without_log_check",
        path: &["bugs", "vote_without_log_check"],
        label: "Grant votes without the up-to-date check",
        explanation: "Voters skip the log comparison of section 5.4.1, so a server missing committed entries can become leader and overwrite them.",
        bug: true,
    },
    Toggle {
        id: "no_timeout_randomization",
        path: &["bugs", "no_timeout_randomization"],
        label: "No timeout randomization",
        explanation: "Every server waits exactly the minimum election timeout, so candidates start together and keep splitting the vote (section 5.2).",
        bug: true,
    },
    Toggle {
        id: "forget_voted_for_on_restart",
        path: &["bugs", "forget_voted_for_on_restart"],
        label: "Forget votedFor on restart",
        explanation: "votedFor is kept in memory only, so a server that restarts can vote twice in one term and two leaders can share it (Figure 2 makes it persistent).",
        bug: true,
    },
];

/// The switches the form shows for `lab` (Raft's; none for other labs).
pub fn toggles(lab: &str) -> &'static [Toggle] {
    if lab == "raft" { RAFT_TOGGLES } else { &[] }
}

/// Whether `toggle` is on in `params` (absent means off, as the core's defaults say).
pub fn toggle_value(params: &Value, toggle: &Toggle) -> bool {
    toggle
        .path
        .iter()
        .try_fold(params, |value, name| value.get(name))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Sets `toggle` to `on` in `params`, creating the objects on its path.
fn set_toggle(params: &mut Value, toggle: &Toggle, on: bool) {
    let Some((last, parents)) = toggle.path.split_last() else {
        return;
    };
    let mut value = params;
    for name in parents {
        if !value.is_object() {
            *value = serde_json::json!({});
        }
        let Some(object) = value.as_object_mut() else {
            return;
        };
        value = object
            .entry(name.to_string())
            .or_insert_with(|| serde_json::json!({}));
    }
    if !value.is_object() {
        *value = serde_json::json!({});
    }
    if let Some(object) = value.as_object_mut() {
        object.insert(last.to_string(), Value::Bool(on));
    }
}

fn fields(scenario: &Scenario) -> Vec<Field> {
    let (latency_min, latency_max) = match &scenario.network.latency {
        Latency::Fixed { ms } => (*ms, *ms),
        Latency::Uniform { min_ms, max_ms } => (*min_ms, *max_ms),
        Latency::Normal { mean_ms, .. } => (*mean_ms, *mean_ms),
    };
    let param = |name: &str, default: f64| {
        scenario
            .params
            .get(name)
            .and_then(Value::as_f64)
            .unwrap_or(default)
    };
    let mut fields = Vec::new();
    // Only labs whose every node plays the same part take a node count here; the load balancing
    // and rate limiting labs derive theirs from their roles.
    let nodes_max = match scenario.lab.as_str() {
        "raft" => Some(15.0),
        "broadcast" => Some(1_000.0),
        _ => None,
    };
    if let Some(max) = nodes_max {
        fields.push(Field {
            id: "nodes",
            label: "Servers",
            value: f64::from(scenario.nodes),
            min: 1.0,
            max,
        });
    }
    fields.extend([
        Field {
            id: "latency_min",
            label: "Latency min (ms)",
            value: latency_min,
            min: 0.0,
            max: 10_000.0,
        },
        Field {
            id: "latency_max",
            label: "Latency max (ms)",
            value: latency_max,
            min: 0.0,
            max: 10_000.0,
        },
        Field {
            id: "loss",
            label: "Loss (%)",
            value: scenario.network.loss_probability * 100.0,
            min: 0.0,
            max: 100.0,
        },
        Field {
            id: "rate",
            label: "Client requests per second",
            value: scenario
                .workload
                .generator
                .as_ref()
                .map_or(0.0, |generator| generator.rate_per_second),
            min: 0.0,
            max: 10_000.0,
        },
    ]);
    if scenario.lab == "raft" {
        fields.push(Field {
            id: "election_min",
            label: "Election timeout min (ms)",
            value: param("election_timeout_ms_min", 150.0),
            min: 1.0,
            max: 60_000.0,
        });
        fields.push(Field {
            id: "election_max",
            label: "Election timeout max (ms)",
            value: param("election_timeout_ms_max", 300.0),
            min: 1.0,
            max: 60_000.0,
        });
        fields.push(Field {
            id: "heartbeat",
            label: "Heartbeat interval (ms)",
            value: param("heartbeat_interval_ms", 50.0),
            min: 1.0,
            max: 60_000.0,
        });
        fields.push(Field {
            id: SNAPSHOT_FIELD,
            label: "Snapshot every N applied entries (0 = off)",
            value: param("snapshot_threshold", 0.0),
            min: 0.0,
            max: 1_000_000.0,
        });
    }
    fields
}

/// The field for log compaction, which the form shows among the options.
const SNAPSHOT_FIELD: &str = "snapshot";

/// Applies the edited values to a copy of `base`, or says which field is wrong and why.
pub fn edited(base: &Scenario, values: &[(&str, String)]) -> Result<Scenario, String> {
    let mut scenario = base.clone();
    let templates = fields(base);
    let number = |id: &str| -> Result<Option<f64>, String> {
        let Some((_, text)) = values.iter().find(|(field, _)| *field == id) else {
            return Ok(None);
        };
        let Some(field) = templates.iter().find(|field| field.id == id) else {
            return Ok(None);
        };
        let value = crate::number::parse_decimal(text)
            .ok_or_else(|| format!("{}: {text:?} is not a number", field.label))?;
        if !(field.min..=field.max).contains(&value) {
            return Err(format!(
                "{}: must be between {} and {}, got {value}",
                field.label, field.min, field.max
            ));
        }
        Ok(Some(value))
    };
    if let Some(nodes) = number("nodes")? {
        if nodes.fract() != 0.0 {
            return Err(format!("Servers: must be a whole number, got {nodes}"));
        }
        scenario.nodes = nodes as u32;
    }
    let latency_min = number("latency_min")?;
    let latency_max = number("latency_max")?;
    if let (Some(min_ms), Some(max_ms)) = (latency_min, latency_max) {
        if max_ms < min_ms {
            return Err(format!(
                "Latency max (ms): must be at least the minimum ({min_ms}), got {max_ms}"
            ));
        }
        scenario.network.latency = Latency::Uniform { min_ms, max_ms };
    }
    if let Some(loss) = number("loss")? {
        scenario.network.loss_probability = loss / 100.0;
    }
    if let (Some(rate), Some(generator)) = (number("rate")?, scenario.workload.generator.as_mut()) {
        generator.rate_per_second = rate;
    }
    let election_min = number("election_min")?;
    let election_max = number("election_max")?;
    let heartbeat = number("heartbeat")?;
    let snapshot = number(SNAPSHOT_FIELD)?;
    if let Some(threshold) = snapshot
        && threshold.fract() != 0.0
    {
        return Err(format!(
            "Snapshot every N applied entries: must be a whole number, got {threshold}"
        ));
    }
    if scenario.lab == "raft" {
        if let (Some(min), Some(max)) = (election_min, election_max)
            && max < min
        {
            return Err(format!(
                "Election timeout max (ms): must be at least the minimum ({min}), got {max}"
            ));
        }
        if !scenario.params.is_object() {
            scenario.params = serde_json::json!({});
        }
        if let Some(params) = scenario.params.as_object_mut() {
            for (name, value) in [
                ("election_timeout_ms_min", election_min),
                ("election_timeout_ms_max", election_max),
                ("heartbeat_interval_ms", heartbeat),
                ("snapshot_threshold", snapshot),
            ] {
                if let Some(value) = value {
                    params.insert(name.to_string(), Value::from(value as u64));
                }
            }
        }
        for toggle in toggles(&scenario.lab) {
            let Some((_, text)) = values.iter().find(|(field, _)| *field == toggle.id) else {
                continue;
            };
            let on = match text.as_str() {
                "true" => true,
                "false" => false,
                other => {
                    return Err(format!(
                        "{}: must be on or off, got {other:?}",
                        toggle.label
                    ));
                }
            };
            // Only a change is written, so an untouched switch leaves the scenario as it was.
            if on != toggle_value(&scenario.params, toggle) {
                set_toggle(&mut scenario.params, toggle, on);
            }
        }
    }
    // The core's own checks (ranges, cross-field rules) name the field if anything is still off.
    scenario.validate().map_err(|error| error.to_string())?;
    Ok(scenario)
}

/// One number input of the form.
fn number_input(field: &Field, invalid: bool) -> Html {
    html! {
        <label key={field.id}>{ field.label }
            <input type="text" inputmode="decimal" name={field.id} value={field.value.to_string()}
                   aria-invalid={invalid.to_string()} />
        </label>
    }
}

/// One checkbox of the form with its explanation, which screen readers read as its description.
fn toggle_input(toggle: &Toggle, params: &Value) -> Html {
    let help = ["help-", toggle.id].concat();
    html! {
        <div class="toggle" key={toggle.id}>
            <label>
                <input type="checkbox" name={toggle.id} checked={toggle_value(params, toggle)}
                       aria-describedby={help.clone()} />
                { toggle.label }
            </label>
            <p class="hint" id={help}>{ toggle.explanation }</p>
        </div>
    }
}

/// The parameters form.
#[component]
pub fn ScenarioForm(props: &ScenarioFormProps) -> Html {
    let dispatcher = props.dispatcher.clone();
    let error = use_state(|| None::<String>);
    let form_ref = use_node_ref();
    let base = props.base.clone();
    let shown = fields(&base);
    let switches = toggles(&base.lab);
    let onsubmit = {
        let (dispatcher, error, form_ref, base) = (
            dispatcher.clone(),
            error.clone(),
            form_ref.clone(),
            base.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            use wasm_bindgen::JsCast;
            event.prevent_default();
            let Some(form) = form_ref.cast::<web_sys::HtmlElement>() else {
                return;
            };
            let input = |name: &str| {
                form.query_selector(&["[name='", name, "']"].concat())
                    .ok()
                    .flatten()
                    .and_then(|element| element.dyn_into::<web_sys::HtmlInputElement>().ok())
            };
            let mut values = Vec::new();
            for field in fields(&base) {
                if let Some(element) = input(field.id) {
                    values.push((field.id, element.value()));
                }
            }
            for toggle in toggles(&base.lab) {
                if let Some(element) = input(toggle.id) {
                    values.push((toggle.id, element.checked().to_string()));
                }
            }
            match edited(&base, &values) {
                Ok(scenario) => {
                    error.set(None);
                    dispatcher.dispatch(Action::Load(Box::new(scenario)));
                }
                Err(reason) => error.set(Some(reason)),
            }
        })
    };
    let invalid = error.is_some();
    let snapshot = shown.iter().find(|field| field.id == SNAPSHOT_FIELD);
    html! {
        <details class="panel scenario-form">
            <summary>{ "Parameters" }</summary>
            <form ref={form_ref} onsubmit={onsubmit} aria-label="Run parameters">
                <div class="form-grid">
                    { for shown.iter().filter(|field| field.id != SNAPSHOT_FIELD).map(|field| number_input(field, invalid)) }
                </div>
                if !switches.is_empty() {
                    <fieldset class="options">
                        <legend>{ "Options" }</legend>
                        { for switches.iter().filter(|toggle| !toggle.bug).map(|toggle| toggle_input(toggle, &base.params)) }
                        if let Some(field) = snapshot {
                            <div class="toggle">
                                { number_input(field, invalid) }
                                <p class="hint">{ "Log compaction (section 7): servers fold applied entries into a snapshot, and a follower too far behind receives InstallSnapshot." }</p>
                            </div>
                        }
                    </fieldset>
                    <fieldset class="bug-switches">
                        <legend>{ "⚠ Bug switches" }</legend>
                        <p class="warning">{ "Each one removes a rule of Raft and breaks safety on purpose; the safety panel reports the violation when the run provokes it." }</p>
                        { for switches.iter().filter(|toggle| toggle.bug).map(|toggle| toggle_input(toggle, &base.params)) }
                    </fieldset>
                }
                <button type="submit" class="primary" aria-label="Apply parameters and restart">{ "Apply and restart" }</button>
                if let Some(reason) = &*error { <p class="field-error" role="alert">{ reason }</p> }
            </form>
        </details>
    }
}
