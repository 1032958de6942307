//! The broadcast lab in the browser: the shared playground, nothing of its own but a
//! client request and a picture.

use yew::prelude::*;

use super::{LabEntry, LabForm};
use crate::bundle::Bundle;

/// The lab as the web app carries it.
pub const ENTRY: LabEntry = LabEntry {
    default_preset: Some("broadcast-basic"),
    client_request: Some(r#"{ "op": "store", "value": "hello" }"#),
    form: LabForm {
        nodes_max: Some(1_000.0),
        params: &[],
        toggles: &[],
    },
    ..LabEntry::playground(&netsplit_core::labs::broadcast::lab::LAB, picture, || {
        &BUNDLE
    })
};

/// The bundle of the broadcast page alone.
pub static BUNDLE: Bundle = super::single("broadcast", &[ENTRY]);

/// Five nodes pinging each other, one link cut.
fn picture() -> Html {
    crate::components::lab_picture::cluster(false, true)
}
