//! The idempotency keys lab in the browser: the shared playground with a button to pay, the
//! retry and processor parameters, and a picture of a client, a service and a processor.

use yew::prelude::*;

use super::{LabButton, LabEntry, LabForm, ParamField};
use crate::bundle::Bundle;
use crate::components::lab_picture::node;

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("idempotency-keys"),
    client_request: Some(r#"{ "amount": 1000 }"#),
    buttons: BUTTONS,
    charted_gauges: &[
        ("charges", "charges"),
        ("payments_paid", "payments paid"),
        ("double_charges", "double charges"),
    ],
    form: LabForm {
        nodes_max: Some(3.0),
        params: PARAMS,
        toggles: &[],
    },
    ..LabEntry::playground(&netsplit_core::labs::idempotency::lab::LAB, picture, || {
        &BUNDLE
    })
};

/// The bundle of the idempotency page alone.
pub static BUNDLE: Bundle = super::single("idempotency", &[ENTRY]);

const BUTTONS: &[LabButton] = &[
    LabButton {
        label: "Pay 10.00",
        action: "pay",
        args: r#"{ "amount": 1000 }"#,
        needs_node: false,
    },
    LabButton {
        label: "Restart crashed",
        action: "restart_crashed",
        args: "null",
        needs_node: false,
    },
];

/// The client's timeout and back-off, and the processor's speed.
pub const PARAMS: &[ParamField] = &[
    ParamField {
        id: "timeout",
        label: "Client timeout (ms)",
        param: "timeout_ms",
        default: 100.0,
        min: 1.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "backoff_base",
        label: "Back-off base (ms)",
        param: "backoff_ms_base",
        default: 50.0,
        min: 0.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: None,
    },
    ParamField {
        id: "backoff_max",
        label: "Back-off cap (ms)",
        param: "backoff_ms_max",
        default: 1_000.0,
        min: 0.0,
        max: 600_000.0,
        at_least: Some("backoff_base"),
        whole: true,
        hint: None,
    },
    ParamField {
        id: "processing",
        label: "Processor time per request (ms)",
        param: "processing_ms",
        default: 5.0,
        min: 0.0,
        max: 600_000.0,
        at_least: None,
        whole: true,
        hint: Some(
            "A processor slower than the client's timeout makes the client retry a charge that is happening.",
        ),
    },
];

/// A client, the payment service and the processor in a row, a retry arc above.
fn picture() -> Html {
    html! { <>
        <line x1="50" y1="70" x2="190" y2="70" stroke="var(--border)" stroke-width="1.5" />
        <path d="M 50 55 Q 85 20 120 55" fill="none" stroke="var(--accent)" stroke-width="1.5" stroke-dasharray="4 3" />
        { node(50.0, 70.0, "var(--follower)", false) }
        { node(120.0, 70.0, "var(--leader)", false) }
        { node(190.0, 70.0, "var(--accent)", false) }
    </> }
}
