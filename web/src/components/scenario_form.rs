//! The run's parameters as a form: cluster size, network latency and loss, the client request
//! rate, and the lab's own parameters, options and bug switches (its entry's `form`: for Raft
//! the election timeout range, the heartbeat interval, PreVote, CheckQuorum, log compaction). "Apply" restarts the run from the edited
//! scenario, so every choice lands in the scenario's `params` and travels with share links and
//! exported files; a value out of range is refused next to the form with the field and the
//! reason, and the current run keeps going.

use netsplit_core::network::Latency;
use netsplit_core::scenario::Scenario;
use serde_json::Value;
use yew::prelude::*;

use std::rc::Rc;

use crate::labs::{LabForm, Toggle};
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
    /// The lab parameter it edits, if it is one.
    lab_param: Option<&'static crate::labs::ParamField>,
}

/// The lab entry of the scenario's lab in the bundle this page runs, if any.
fn form_of(lab: &str) -> LabForm {
    crate::labs::entry(lab).map_or(crate::labs::NO_FORM, |entry| entry.form)
}

/// The switches the form shows for `lab`.
pub fn toggles(lab: &str) -> &'static [Toggle] {
    form_of(lab).toggles
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
    let form = form_of(&scenario.lab);
    let nodes_max = form.nodes_max;
    if let Some(max) = nodes_max {
        fields.push(Field {
            id: "nodes",
            label: "Servers",
            value: f64::from(scenario.nodes),
            min: 1.0,
            max,
            lab_param: None,
        });
    }
    fields.extend([
        Field {
            id: "latency_min",
            label: "Latency min (ms)",
            value: latency_min,
            min: 0.0,
            max: 10_000.0,
            lab_param: None,
        },
        Field {
            id: "latency_max",
            label: "Latency max (ms)",
            value: latency_max,
            min: 0.0,
            max: 10_000.0,
            lab_param: None,
        },
        Field {
            id: "loss",
            label: "Loss (%)",
            value: scenario.network.loss_probability * 100.0,
            min: 0.0,
            max: 100.0,
            lab_param: None,
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
            lab_param: None,
        },
    ]);
    for field in form.params {
        fields.push(Field {
            id: field.id,
            label: field.label,
            value: param(field.param, field.default),
            min: field.min,
            max: field.max,
            lab_param: Some(field),
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
    let mut lab_values = Vec::new();
    let mut lab_unset = Vec::new();
    for field in templates.iter().filter_map(|field| field.lab_param) {
        // An optional parameter left empty is written as null, so the core works it out.
        if field.default.is_nan()
            && values
                .iter()
                .any(|(id, text)| *id == field.id && text.is_empty())
        {
            lab_unset.push(field.param);
            continue;
        }
        let Some(value) = number(field.id)? else {
            continue;
        };
        if field.whole && value.fract() != 0.0 {
            return Err(format!(
                "{}: must be a whole number, got {value}",
                field.label
            ));
        }
        if let Some(minimum) = field.at_least
            && let Some(min) = number(minimum)?
            && value < min
        {
            return Err(format!(
                "{}: must be at least the minimum ({min}), got {value}",
                field.label
            ));
        }
        lab_values.push((field.param, value));
    }
    if !lab_values.is_empty() {
        if !scenario.params.is_object() {
            scenario.params = serde_json::json!({});
        }
        if let Some(params) = scenario.params.as_object_mut() {
            for (name, value) in lab_values {
                let value = if value.fract() == 0.0 && value >= 0.0 {
                    Value::from(value as u64)
                } else {
                    Value::from(value)
                };
                params.insert(name.to_string(), value);
            }
        }
    }
    // Null rather than removed: a map's removal code would cost every page's download more
    // than the null costs the scenario.
    if let Some(params) = scenario.params.as_object_mut() {
        for name in lab_unset {
            if params.contains_key(name) {
                params.insert(name.to_string(), Value::Null);
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
    // The core's own checks (ranges, cross-field rules) name the field if anything is still off.
    scenario.validate().map_err(|error| error.to_string())?;
    Ok(scenario)
}

/// One number input of the form.
fn number_input(field: &Field, invalid: bool) -> Html {
    html! {
        <label key={field.id}>{ field.label }
            <input type="text" inputmode="decimal" name={field.id}
                   value={if field.value.is_nan() { String::new() } else { field.value.to_string() }}
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
    // Lab parameters with a hint of their own are options, shown among the switches.
    let is_option = |field: &&Field| field.lab_param.is_some_and(|param| param.hint.is_some());
    html! {
        <details class="panel scenario-form">
            <summary>{ "Parameters" }</summary>
            <form ref={form_ref} onsubmit={onsubmit} aria-label="Run parameters">
                <div class="form-grid">
                    { for shown.iter().filter(|field| !is_option(field)).map(|field| number_input(field, invalid)) }
                </div>
                if !switches.is_empty() {
                    <fieldset class="options">
                        <legend>{ "Options" }</legend>
                        { for switches.iter().filter(|toggle| !toggle.bug).map(|toggle| toggle_input(toggle, &base.params)) }
                        { for shown.iter().filter(is_option).map(|field| html! {
                            <div class="toggle" key={field.id}>
                                { number_input(field, invalid) }
                                <p class="hint">{ field.lab_param.and_then(|param| param.hint).unwrap_or_default() }</p>
                            </div>
                        }) }
                    </fieldset>
                    <fieldset class="bug-switches">
                        <legend>{ "⚠ Bug switches" }</legend>
                        <p class="warning">{ "Each one removes a rule of the protocol and breaks safety on purpose; the safety panel reports the violation when the run provokes it." }</p>
                        { for switches.iter().filter(|toggle| toggle.bug).map(|toggle| toggle_input(toggle, &base.params)) }
                    </fieldset>
                }
                <button type="submit" class="primary" aria-label="Apply parameters and restart">{ "Apply and restart" }</button>
                if let Some(reason) = &*error { <p class="field-error" role="alert">{ reason }</p> }
            </form>
        </details>
    }
}
