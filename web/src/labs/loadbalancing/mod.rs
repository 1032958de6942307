//! The load balancing lab in the browser: the shared playground, the policy menu and
//! server-speed buttons in its toolbar, and its charts drawn from the lab's typed report.

use netsplit_core::Action as SimAction;
use netsplit_core::lab::LabRun;
use yew::prelude::*;

use super::{LabButton, LabEntry};
use crate::bundle::Bundle;
use crate::components::lab_picture::node;
use crate::state::{Action, PlaygroundHandle};

pub mod figures;

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("loadbalancing-playground"),
    buttons: BUTTONS,
    controls: Some(policy_menu),
    figures: lab_figures,
    ..LabEntry::playground(
        &netsplit_core::labs::loadbalancing::lab::LAB,
        picture,
        || &BUNDLE,
    )
};

/// The bundle of the load balancing page alone.
pub static BUNDLE: Bundle = super::single("loadbalancing", &[ENTRY]);

const BUTTONS: &[LabButton] = &[
    LabButton {
        label: "Slow server ×3",
        action: "slow_server",
        args: r#"{"node": "$node", "factor": 3}"#,
        needs_node: true,
    },
    LabButton {
        label: "Restore server speed",
        action: "slow_server",
        args: r#"{"node": "$node", "factor": 1}"#,
        needs_node: true,
    },
];

/// The policies the policy menu offers, as (label, JSON value).
pub const BALANCING_POLICIES: &[(&str, &str)] = &[
    ("Round robin", "round_robin"),
    ("Weighted round robin", "weighted_round_robin"),
    ("Least connections", "least_connections"),
    ("Least response time", "least_response_time"),
    ("Consistent hash", "consistent_hash"),
    ("Power of two choices", "power_of_two_choices"),
    ("Random", "random"),
];

/// The toolbar's policy menu: switches every balancer's policy now.
fn policy_menu(state: &PlaygroundHandle) -> Html {
    let state = state.clone();
    let onchange = Callback::from(move |event: Event| {
        use wasm_bindgen::JsCast;
        let value = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map(|select| select.value())
            .unwrap_or_default();
        state.dispatch(Action::Apply(SimAction::Lab {
            name: "set_policy".into(),
            args: serde_json::json!({ "policy": { "type": value } }),
        }));
    });
    html! {
        <label>{ "Policy " }
            <select aria-label="Balancing policy" onchange={onchange}>
                <option value="" selected=true disabled=true>{ "(as the scenario says)" }</option>
                { for BALANCING_POLICIES.iter().map(|(label, value)| html! { <option value={*value}>{ *label }</option> }) }
            </select>
        </label>
    }
}

fn lab_figures(run: &dyn LabRun) -> Html {
    netsplit_core::labs::loadbalancing::lab::report_of(run)
        .as_ref()
        .map(figures::loadbalancing_figures)
        .unwrap_or_default()
}

/// A client, a balancer and four servers, one of them slow.
fn picture() -> Html {
    html! { <>
        { node(40.0, 60.0, "var(--candidate)", false) }
        { node(120.0, 60.0, "var(--leader)", false) }
        { for (0..4).map(|index| {
            let y = 18.0 + 28.0 * index as f64;
            html! { <>
                <line x1="130" y1="60" x2="190" y2={y.to_string()} stroke="var(--border)" stroke-width="1.5" />
                { node(200.0, y, if index == 2 { "var(--bad)" } else { "var(--follower)" }, index == 2) }
            </> }
        }) }
        <line x1="50" y1="60" x2="110" y2="60" stroke="var(--border)" stroke-width="1.5" />
    </> }
}
