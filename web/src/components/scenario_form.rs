//! The run's parameters as a form: cluster size, network latency and loss, the client request
//! rate, and for Raft the election timeout range and heartbeat interval. "Apply" restarts the run
//! from the edited scenario; a value out of range is refused next to the form with the field and
//! the reason, and the current run keeps going.

use netsplit_core::network::Latency;
use netsplit_core::scenario::Scenario;
use serde_json::Value;
use yew::prelude::*;

use crate::state::{Action, PlaygroundHandle};

/// Props of [`ScenarioForm`].
#[derive(Properties, PartialEq)]
pub struct ScenarioFormProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
}

/// One editable number: its label, its current text, and the range it must fall in.
struct Field {
    id: &'static str,
    label: &'static str,
    value: f64,
    min: f64,
    max: f64,
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
    }
    fields
}

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
        let value: f64 = text
            .trim()
            .parse()
            .map_err(|_| format!("{}: {text:?} is not a number", field.label))?;
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
            ] {
                if let Some(value) = value {
                    params.insert(name.to_string(), Value::from(value as u64));
                }
            }
        }
    }
    // The core's own checks (ranges, cross-field rules) name the field if anything is still off.
    scenario.validate().map_err(|error| error.to_string())?;
    Ok(scenario)
}

/// The parameters form.
#[component]
pub fn ScenarioForm(props: &ScenarioFormProps) -> Html {
    let state = props.state.clone();
    let error = use_state(|| None::<String>);
    let form_ref = use_node_ref();
    let base = state.base.clone();
    let shown = fields(&base);
    let onsubmit = {
        let (state, error, form_ref, base) =
            (state.clone(), error.clone(), form_ref.clone(), base.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(form) = form_ref.cast::<web_sys::HtmlElement>() else {
                return;
            };
            let mut values = Vec::new();
            for field in fields(&base) {
                if let Ok(Some(element)) = form.query_selector(&format!("[name='{}']", field.id)) {
                    use wasm_bindgen::JsCast;
                    if let Ok(input) = element.dyn_into::<web_sys::HtmlInputElement>() {
                        values.push((field.id, input.value()));
                    }
                }
            }
            match edited(&base, &values) {
                Ok(scenario) => {
                    error.set(None);
                    state.dispatch(Action::Load(Box::new(scenario)));
                }
                Err(reason) => error.set(Some(reason)),
            }
        })
    };
    html! {
        <details class="panel scenario-form">
            <summary>{ "Parameters" }</summary>
            <form ref={form_ref} onsubmit={onsubmit} aria-label="Run parameters">
                <div class="form-grid">
                    { for shown.iter().map(|field| html! {
                        <label key={field.id}>{ field.label }
                            <input type="text" inputmode="decimal" name={field.id} value={format!("{}", field.value)}
                                   aria-invalid={error.is_some().to_string()} />
                        </label>
                    }) }
                </div>
                <button type="submit" class="primary" aria-label="Apply parameters and restart">{ "Apply and restart" }</button>
                if let Some(reason) = &*error { <p class="field-error" role="alert">{ reason }</p> }
            </form>
        </details>
    }
}
