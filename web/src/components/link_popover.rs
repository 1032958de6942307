//! The popover for a selected link: cut or heal it (both ways or one way), and set its
//! latency and loss. Opens over the canvas, next to the link.

use netsplit_core::Action as SimAction;
use netsplit_core::network::Latency;
use netsplit_core::protocol::NodeId;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::layout::{HEIGHT, Point, WIDTH};
use crate::state::{Action, PlaygroundHandle};

/// Props of [`LinkPopover`].
#[derive(Properties, PartialEq)]
pub struct LinkPopoverProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
    /// The link's two ends.
    pub link: (NodeId, NodeId),
    /// The link's midpoint in canvas units, to place the popover.
    pub at: Point,
}

/// Parses a latency in ms from a field: a number from 0 to 60000.
pub fn parse_latency_ms(text: &str) -> Result<f64, String> {
    let value = crate::number::parse_decimal(text)
        .ok_or_else(|| format!("Latency: {text:?} is not a number of milliseconds."))?;
    if !(0.0..=60_000.0).contains(&value) {
        return Err(format!(
            "Latency must be between 0 and 60000 ms; got {value}."
        ));
    }
    Ok(value)
}

/// Parses a loss percentage from a field: a number from 0 to 100.
pub fn parse_loss_percent(text: &str) -> Result<f64, String> {
    let value = crate::number::parse_decimal(text)
        .ok_or_else(|| format!("Loss: {text:?} is not a percentage."))?;
    if !(0.0..=100.0).contains(&value) {
        return Err(format!("Loss must be between 0 and 100 %; got {value}."));
    }
    Ok(value)
}

fn field_value(node_ref: &NodeRef) -> String {
    node_ref
        .cast::<web_sys::HtmlInputElement>()
        .map(|input| input.value())
        .unwrap_or_default()
}

/// The link popover.
#[component]
pub fn LinkPopover(props: &LinkPopoverProps) -> Html {
    let state = props.state.clone();
    let (a, b) = props.link;
    let latency_ref = use_node_ref();
    let loss_ref = use_node_ref();
    let error = use_state(|| None::<String>);
    let links = state.run.borrow().links();
    let find =
        |from: NodeId, to: NodeId| links.iter().find(|link| link.from == from && link.to == to);
    let down = |from: NodeId, to: NodeId| find(from, to).is_some_and(|link| !link.up);
    let (ab_down, ba_down) = (down(a, b), down(b, a));
    let config = find(a, b)
        .map(|link| link.config.clone())
        .unwrap_or_else(|| state.base.network.default_link());
    let latency_now = match &config.latency {
        Latency::Fixed { ms } => *ms,
        Latency::Uniform { min_ms, max_ms } => (min_ms + max_ms) / 2.0,
        Latency::Normal { mean_ms, .. } => *mean_ms,
    };
    let apply = |actions: Vec<SimAction>| {
        let state = state.clone();
        Callback::from(move |_| {
            for action in &actions {
                state.dispatch(Action::Apply(action.clone()));
            }
        })
    };
    let close = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::SelectLink(None)))
    };
    let save = {
        let state = state.clone();
        let (latency_ref, loss_ref, error) = (latency_ref.clone(), loss_ref.clone(), error.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let parsed = parse_latency_ms(&field_value(&latency_ref))
                .and_then(|latency| Ok((latency, parse_loss_percent(&field_value(&loss_ref))?)));
            match parsed {
                Ok((latency_ms, loss_percent)) => {
                    error.set(None);
                    for (from, to) in [(a, b), (b, a)] {
                        state.dispatch(Action::Apply(SimAction::SetLink {
                            from,
                            to,
                            latency: Some(Latency::Fixed { ms: latency_ms }),
                            loss_probability: Some(loss_percent / 100.0),
                        }));
                    }
                }
                Err(reason) => error.set(Some(reason)),
            }
        })
    };
    let onkeydown = {
        let close = close.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                close.emit(MouseEvent::new("click").unwrap().unchecked_into());
            }
        })
    };
    let left = (props.at.x / WIDTH * 100.0).clamp(5.0, 60.0);
    let top = (props.at.y / HEIGHT * 100.0).clamp(5.0, 60.0);
    html! {
        <div class="link-popover panel" role="dialog" aria-label={format!("Link n{a} – n{b}")}
             style={format!("left: {left:.1}%; top: {top:.1}%")} onkeydown={onkeydown}>
            <h2>{ format!("Link n{a} – n{b}") }</h2>
            <p>{ format!("n{a} → n{b}: {}; n{b} → n{a}: {}", if ab_down { "cut" } else { "up" }, if ba_down { "cut" } else { "up" }) }</p>
            <div class="row">
                if ab_down || ba_down {
                    <button onclick={apply(vec![SimAction::HealLink { from: a, to: b }, SimAction::HealLink { from: b, to: a }])}
                            aria-label="Heal link">{ "Heal link" }</button>
                } else {
                    <button onclick={apply(vec![SimAction::CutLinkBoth { from: a, to: b }])} aria-label="Cut link">{ "Cut link" }</button>
                    <button onclick={apply(vec![SimAction::CutLink { from: a, to: b }])}
                            aria-label={format!("Cut n{a} to n{b} only")}>{ format!("Cut n{a}→n{b} only") }</button>
                }
            </div>
            <form onsubmit={save} class="link-settings">
                <label>{ "Latency (ms) " }
                    <input ref={latency_ref} type="text" inputmode="decimal" size="6" value={format!("{latency_now}")}
                           aria-label="Latency in milliseconds" aria-invalid={error.is_some().to_string()} />
                </label>
                <label>{ "Loss (%) " }
                    <input ref={loss_ref} type="text" inputmode="decimal" size="5" value={format!("{}", config.loss_probability * 100.0)}
                           aria-label="Loss in percent" aria-invalid={error.is_some().to_string()} />
                </label>
                <button type="submit" aria-label="Apply link settings">{ "Apply" }</button>
            </form>
            if let Some(reason) = &*error { <p class="field-error" role="alert">{ reason }</p> }
            <button class="close" onclick={close} aria-label="Close link settings">{ "Close" }</button>
        </div>
    }
}
