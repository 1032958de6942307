//! The side-by-side view's controls: which algorithms, the limit they share, the traffic, and
//! requests added by hand. Every number is checked as it is typed and refused next to its field
//! with the reason; the timelines keep showing the last valid input meanwhile.

use netsplit_core::labs::ratelimit::AlgorithmKind;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::labs::ratelimit::model::{
    FieldSpec, LIMIT_FIELDS, RUN_FIELDS, SideBySideAction, SideBySideState, TrafficChoice,
    algorithm_label, parse_field,
};

/// The reducer handle of the side-by-side view.
pub type SideBySideHandle = UseReducerHandle<SideBySideState>;

/// Props of the control components.
#[derive(Properties, PartialEq)]
pub struct RateLimitControlsProps {
    /// The reducer handle.
    pub state: SideBySideHandle,
}

fn target_value(event: &Event) -> String {
    let target = event.target();
    target
        .clone()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|input| input.value())
        .or_else(|| {
            target
                .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|select| select.value())
        })
        .unwrap_or_default()
}

/// One numeric field: its label, the input, and the reason it is refused, if it is.
#[derive(Properties, PartialEq)]
pub struct RateLimitFieldProps {
    /// The reducer handle.
    pub state: SideBySideHandle,
    /// Which field.
    pub spec: &'static FieldSpec,
}

/// A labelled number input that reports its own errors.
#[component]
pub fn RateLimitField(props: &RateLimitFieldProps) -> Html {
    let spec = props.spec;
    let state = &props.state;
    let text = state.fields.get(spec.id).cloned().unwrap_or_default();
    // The field's own check first, then whatever the whole form found wrong with it.
    let error = parse_field(spec, &text)
        .err()
        .or_else(|| state.errors.get(spec.id).cloned());
    let input_id = format!("rl-{}", spec.id);
    let error_id = format!("rl-{}-error", spec.id);
    let oninput = {
        let state = state.clone();
        let id = spec.id;
        Callback::from(move |event: InputEvent| {
            state.dispatch(SideBySideAction::SetField(id, target_value(&event)));
        })
    };
    let placeholder = spec
        .optional
        .then(|| format!("blank: {}", spec.blank_means));
    html! {
        <div class="rl-field">
            <label for={input_id.clone()}>{ spec.label }</label>
            <input id={input_id} type="text" inputmode="numeric" autocomplete="off"
                value={text} oninput={oninput} placeholder={placeholder}
                aria-invalid={if error.is_some() { "true" } else { "false" }}
                aria-describedby={error.as_ref().map(|_| error_id.clone())} />
            if let Some(reason) = error {
                <p id={error_id} class="field-error">{ reason }</p>
            }
        </div>
    }
}

/// The algorithm checkboxes.
#[component]
pub fn RateLimitAlgorithms(props: &RateLimitControlsProps) -> Html {
    let state = &props.state;
    html! {
        <fieldset class="rl-group rl-algorithms">
            <legend>{ "Algorithms" }</legend>
            { for AlgorithmKind::ALL.into_iter().map(|kind| {
                let onchange = {
                    let state = state.clone();
                    Callback::from(move |_: Event| state.dispatch(SideBySideAction::ToggleAlgorithm(kind)))
                };
                let id = format!("rl-algorithm-{}", kind.name());
                html! {
                    <div class="rl-check">
                        <input type="checkbox" id={id.clone()} checked={state.algorithms.contains(&kind)} onchange={onchange} />
                        <label for={id}>{ algorithm_label(kind) }</label>
                    </div>
                }
            }) }
            if let Some(reason) = state.errors.get("algorithms") {
                <p class="field-error" role="alert">{ reason }</p>
            }
        </fieldset>
    }
}

/// The limit every algorithm shares.
#[component]
pub fn RateLimitLimitFields(props: &RateLimitControlsProps) -> Html {
    html! {
        <fieldset class="rl-group">
            <legend>{ "Limit" }</legend>
            { for LIMIT_FIELDS.iter().map(|spec| html! {
                <RateLimitField state={props.state.clone()} spec={spec} />
            }) }
            <p class="muted rl-hint">{ "The bucket algorithms earn one request every window / limit." }</p>
        </fieldset>
    }
}

/// The traffic: a pattern and its numbers, the run's length and seed, and requests drawn by hand.
#[component]
pub fn RateLimitTraffic(props: &RateLimitControlsProps) -> Html {
    let state = &props.state;
    let on_traffic = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            if let Some(choice) = TrafficChoice::from_value(&target_value(&event)) {
                state.dispatch(SideBySideAction::SetTraffic(choice));
            }
        })
    };
    let add_text = use_state(String::new);
    let add_error = use_state(|| None::<String>);
    let duration_ms = state.duration_ms;
    let on_add_input = {
        let add_text = add_text.clone();
        Callback::from(move |event: InputEvent| add_text.set(target_value(&event)))
    };
    let on_add = {
        let state = state.clone();
        let add_text = add_text.clone();
        let add_error = add_error.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let maximum = duration_ms.saturating_sub(1);
            let spec = FieldSpec {
                id: "add",
                label: "Add a request at (ms)",
                minimum: 0,
                maximum,
                optional: false,
                blank_means: "",
            };
            match parse_field(&spec, &add_text) {
                Ok(Some(at_ms)) => {
                    add_error.set(None);
                    state.dispatch(SideBySideAction::AddRequest(at_ms));
                }
                Ok(None) => {}
                Err(reason) => add_error.set(Some(reason)),
            }
        })
    };
    let on_clear = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(SideBySideAction::ClearDrawn))
    };
    let mut choices: Vec<TrafficChoice> = TrafficChoice::OFFERED.to_vec();
    if !state.preset_sources.is_empty() {
        choices.push(TrafficChoice::Preset);
    }
    html! {
        <fieldset class="rl-group rl-traffic">
            <legend>{ "Traffic" }</legend>
            <div class="rl-field">
                <label for="rl-traffic">{ "Pattern" }</label>
                <select id="rl-traffic" onchange={on_traffic}>
                    { for choices.into_iter().map(|choice| html! {
                        <option value={choice.value()} selected={choice == state.traffic}>{ choice.label() }</option>
                    }) }
                </select>
            </div>
            { for state.traffic.fields().iter().map(|spec| html! {
                <RateLimitField state={state.clone()} spec={spec} />
            }) }
            { for RUN_FIELDS.iter().map(|spec| html! {
                <RateLimitField state={state.clone()} spec={spec} />
            }) }
            if let Some(reason) = state.errors.get("traffic") {
                <p class="field-error rl-traffic-error" role="alert">{ reason }</p>
            }
            <form class="rl-add" onsubmit={on_add}>
                <label for="rl-add-at">{ "Add a request at (ms)" }</label>
                <input id="rl-add-at" type="text" inputmode="numeric" autocomplete="off"
                    value={(*add_text).clone()} oninput={on_add_input}
                    aria-invalid={if add_error.is_some() { "true" } else { "false" }} />
                <button type="submit">{ "Add" }</button>
            </form>
            if let Some(reason) = &*add_error {
                <p class="field-error">{ reason }</p>
            }
            if let Some(reason) = state.errors.get("drawn") {
                <p class="field-error">{ reason }</p>
            }
            <p class="muted rl-hint">
                { format!("Hand-drawn requests: {}. Click on any timeline to add one.", state.drawn_ms.len()) }
            </p>
            <button type="button" onclick={on_clear} disabled={state.drawn_ms.is_empty()}>
                { "Clear hand-drawn requests" }
            </button>
        </fieldset>
    }
}
