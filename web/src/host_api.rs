//! The script API for host pages: a `postMessage` protocol between a page and the
//! Netsplit lab in its `<iframe>`, so prose can say "click here to crash the leader".
//!
//! Every message either way is a JSON-like object with `netsplit: 1` (the protocol
//! version) and a `type`.
//!
//! The host sends:
//! - `{netsplit: 1, type: "load", preset: "raft-leader-crash"}`, or with
//!   `scenario: {...}` (a scenario object, as `netsplit run` reads), or with
//!   `link: "1eJy..."` (the `s=` value of a share link): start over from it;
//! - `{netsplit: 1, type: "play"}` and `{netsplit: 1, type: "pause"}`;
//! - `{netsplit: 1, type: "seek", time_ms: 1500}`: move to that virtual time (a time
//!   not yet simulated is simulated first, at most 60 s past the furthest reached);
//! - `{netsplit: 1, type: "action", action: {type: "crash", node: 2}}`: any scenario
//!   timeline action (`crash`, `restart`, `cut_link`, `heal_all`, ...).
//!
//! The frame posts to its parent:
//! - `{netsplit: 1, type: "ready", lab}` once the lab is running;
//! - `{netsplit: 1, type: "leader_elected", node, time_ms}` when a node becomes
//!   leader (labs with roles);
//! - `{netsplit: 1, type: "violation", property, message, time_ms, nodes}` per
//!   safety violation;
//! - `{netsplit: 1, type: "time", time_ms, fingerprint}` when the run's time changes:
//!   at most every 250 ms of wall time while playing, at once after a seek or step.
//!
//! Origins: with no `origin=` option every origin may drive the frame, and events go
//! to the parent whatever its origin (they describe only the simulation). With
//! `?origin=https://blog.example` (a comma-separated allow-list), messages from other
//! origins are ignored with a console warning and events are posted with that
//! origin as `targetOrigin`, so the browser delivers them to no one else.
//! Malformed messages are ignored with a console warning; messages without
//! `netsplit: 1` are ignored silently (they belong to other scripts).

use std::cell::RefCell;
use std::rc::Rc;

use netsplit_core::event::Action as SimAction;
use netsplit_core::protocol::{MICROS_PER_MS, NodeId, Time};
use netsplit_core::scenario::{Scenario, TIME_MS_MAX};
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use crate::state::{Action, PlaygroundHandle};

/// The protocol version every message carries as `netsplit`.
pub const PROTOCOL_VERSION: u64 = 1;

/// The least wall time between two `time` events, in milliseconds.
pub const TIME_EVENT_INTERVAL_MS: f64 = 250.0;

/// How far past the furthest simulated time a host's `seek` may go, in µs (60 s).
pub const SEEK_AHEAD_US_MAX: Time = 60_000_000;

/// A command a host page sent, after validation.
#[derive(Debug, Clone, PartialEq)]
pub enum HostCommand {
    /// Start over from this scenario.
    Load(Box<Scenario>),
    /// Start over from the scenario of this share link (its `s` part, already checked as
    /// far as can be without inflating it, which the browser does later).
    OpenLink(String),
    /// Start time.
    Play,
    /// Stop time.
    Pause,
    /// Move to this virtual time (µs).
    Seek(Time),
    /// Apply this action now.
    Apply(SimAction),
}

/// Why a message was not obeyed.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Not a Netsplit message at all: ignore it without a word.
    NotOurs,
    /// A Netsplit message that is malformed, with the reason.
    Malformed(String),
}

/// Validates a message a host sent. `presets` resolves `load` by preset name.
pub fn parse_command(message: &Value, lab: &str) -> Result<HostCommand, Refusal> {
    let Some(object) = message.as_object() else {
        return Err(Refusal::NotOurs);
    };
    match object.get("netsplit") {
        None => return Err(Refusal::NotOurs),
        Some(version) if version.as_u64() == Some(PROTOCOL_VERSION) => {}
        Some(other) => {
            return Err(Refusal::Malformed(format!(
                "netsplit: this frame speaks protocol version {PROTOCOL_VERSION}, got {other}"
            )));
        }
    }
    let malformed = |reason: String| Refusal::Malformed(reason);
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("type: expected one of load, play, pause, seek, action".into()))?;
    match kind {
        "play" => Ok(HostCommand::Play),
        "pause" => Ok(HostCommand::Pause),
        "seek" => {
            let time_ms = object
                .get("time_ms")
                .and_then(Value::as_f64)
                .filter(|time| time.is_finite() && *time >= 0.0 && *time <= TIME_MS_MAX as f64)
                .ok_or_else(|| {
                    malformed("time_ms: expected a number of milliseconds, 0 or more".into())
                })?;
            Ok(HostCommand::Seek((time_ms * MICROS_PER_MS as f64) as Time))
        }
        "action" => {
            let action = object.get("action").ok_or_else(|| {
                malformed("action: missing; e.g. {type: \"crash\", node: 2}".into())
            })?;
            // Through the action's text, as scenarios are read, so the browser build
            // carries one decoder for actions, not a second one for JSON values.
            netsplit_core::json_path::decode_value::<SimAction>(action)
                .map(HostCommand::Apply)
                .map_err(|(_, reason)| malformed(format!("action: {reason}")))
        }
        "load" => {
            if let Some(link) = object.get("link").and_then(Value::as_str) {
                netsplit_core::share::deflated_payload(link)
                    .map_err(|error| malformed(format!("link: {error}")))?;
                return Ok(HostCommand::OpenLink(link.to_string()));
            }
            let scenario = if let Some(name) = object.get("preset").and_then(Value::as_str) {
                let text = crate::bundle::current()
                    .preset(name)
                    .ok_or_else(|| malformed(format!("preset: no preset called {name:?}")))?;
                Scenario::parse(text).map_err(|error| malformed(format!("preset: {error}")))?
            } else if let Some(scenario) = object.get("scenario") {
                let text = serde_json::to_string(scenario).unwrap_or_default();
                Scenario::parse(&text).map_err(|error| malformed(format!("scenario.{error}")))?
            } else {
                return Err(malformed(
                    "load: give a preset name, a scenario object or a share link".into(),
                ));
            };
            same_lab(&scenario, lab).map_err(malformed)?;
            Ok(HostCommand::Load(Box::new(scenario)))
        }
        other => Err(malformed(format!(
            "type: unknown type {other:?}; expected one of load, play, pause, seek, action"
        ))),
    }
}

/// Whether `scenario` is of lab `lab`, or the refusal saying why not.
fn same_lab(scenario: &Scenario, lab: &str) -> Result<(), String> {
    if scenario.lab == lab {
        Ok(())
    } else {
        Err(format!(
            "load: this frame shows the {lab:?} lab; the scenario is for {:?}",
            scenario.lab
        ))
    }
}

/// Whether a message from `origin` may drive the frame under allow-list `allowed`
/// (empty: any origin).
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    allowed.is_empty() || allowed.iter().any(|entry| entry == origin)
}

fn post_to_parent(event: &Value, allowed: &[String]) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    // A page that is not framed is its own parent; it has no host to tell.
    if parent == window {
        return;
    }
    // Through JSON text, so the host receives plain objects.
    let Ok(message) = js_sys::JSON::parse(&event.to_string()) else {
        return;
    };
    if allowed.is_empty() {
        let _ = parent.post_message(&message, "*");
    } else {
        // Bounded by `embed::ORIGINS_MAX`; the browser delivers only to a matching parent.
        for origin in allowed {
            let _ = parent.post_message(&message, origin);
        }
    }
}

/// What the event side remembers between renders.
#[derive(Default)]
struct Posted {
    leader: Option<NodeId>,
    violations: usize,
    time_wall_ms: Option<f64>,
    time_us: Option<Time>,
    ready: bool,
}

/// Connects the playground to its host page: obeys valid commands and posts events.
#[hook]
pub fn use_host_api(state: PlaygroundHandle) {
    let options = crate::embed::current();
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    let lab = state.lab.clone();
    {
        let latest = latest.clone();
        let allowed = options.origins.clone();
        use_effect_with(lab.clone(), move |lab| {
            let lab = lab.clone();
            let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    on_message(&event, &lab, &allowed, &latest);
                },
            );
            let window = web_sys::window();
            if let Some(window) = &window {
                let _ = window
                    .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(window) = window {
                    let _ = window.remove_event_listener_with_callback(
                        "message",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    let posted = use_mut_ref(Posted::default);
    let allowed = options.origins;
    use_effect_with(state.version, move |_| {
        post_events(&state, &posted, &allowed);
    });
}

fn on_message(
    event: &web_sys::MessageEvent,
    lab: &str,
    allowed: &[String],
    latest: &Rc<RefCell<PlaygroundHandle>>,
) {
    // Only plain data (what JSON can say) can be a command; anything else belongs to
    // other scripts. Read through the browser's JSON text rather than walking the
    // object from Rust: one JSON reader in the bundle instead of two.
    let Some(text) = js_sys::JSON::stringify(&event.data())
        .ok()
        .and_then(|text| text.as_string())
    else {
        return;
    };
    if text.len() > netsplit_core::scenario::SCENARIO_BYTES_MAX {
        web_sys::console::warn_1(
            &format!(
                "Netsplit: ignored a host message of {} bytes; at most {} are accepted",
                text.len(),
                netsplit_core::scenario::SCENARIO_BYTES_MAX
            )
            .into(),
        );
        return;
    }
    let Ok(value) = serde_json::from_str::<Value>(&text) else {
        return;
    };
    let command = match parse_command(&value, lab) {
        Ok(command) => command,
        Err(Refusal::NotOurs) => return,
        Err(Refusal::Malformed(reason)) => {
            web_sys::console::warn_1(&format!("Netsplit: ignored a host message: {reason}").into());
            return;
        }
    };
    if !origin_allowed(&event.origin(), allowed) {
        web_sys::console::warn_1(
            &format!(
                "Netsplit: ignored a host message from {}, which is not in the origin allow-list",
                event.origin()
            )
            .into(),
        );
        return;
    }
    let state = latest.borrow().clone();
    match command {
        HostCommand::Load(scenario) => state.dispatch(Action::Load(scenario)),
        HostCommand::OpenLink(link) => {
            let lab = lab.to_string();
            let latest = latest.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let opened = crate::share::read_scenario(&link)
                    .await
                    .map_err(|error| format!("link: {error}"))
                    .and_then(|scenario| same_lab(&scenario, &lab).map(|()| scenario));
                match opened {
                    Ok(scenario) => {
                        let state = latest.borrow().clone();
                        state.dispatch(Action::Load(Box::new(scenario)));
                    }
                    Err(reason) => web_sys::console::warn_1(
                        &format!("Netsplit: ignored a host message: {reason}").into(),
                    ),
                }
            });
        }
        HostCommand::Play => {
            if !state.playing {
                state.dispatch(Action::TogglePlay);
            }
        }
        HostCommand::Pause => state.dispatch(Action::Pause),
        HostCommand::Seek(time) => {
            // The scrubber only travels within the time already simulated; a host may
            // also ask for a later moment, which is simulated first (at most
            // `SEEK_AHEAD_US_MAX` past the furthest time reached, so a message cannot
            // freeze the frame).
            let time = {
                let mut run = state.run.borrow_mut();
                let horizon = run.horizon();
                let time = time.min(horizon.saturating_add(SEEK_AHEAD_US_MAX));
                if time > horizon {
                    run.seek(horizon);
                    run.run_until(time);
                }
                time
            };
            state.dispatch(Action::Seek(time));
        }
        HostCommand::Apply(action) => state.dispatch(Action::Apply(action)),
    }
}

fn post_events(state: &PlaygroundHandle, posted: &Rc<RefCell<Posted>>, allowed: &[String]) {
    let mut posted = posted.borrow_mut();
    let run = state.run.borrow();
    let time_ms = run.now() as f64 / MICROS_PER_MS as f64;
    if !posted.ready {
        posted.ready = true;
        post_to_parent(
            &serde_json::json!({"netsplit": PROTOCOL_VERSION, "type": "ready", "lab": state.lab}),
            allowed,
        );
    }
    let leader = run
        .nodes()
        .iter()
        .find(|node| node.role == "leader" && node.status == netsplit_core::NodeStatus::Up)
        .map(|node| node.id);
    if leader != posted.leader {
        posted.leader = leader;
        if let Some(node) = leader {
            post_to_parent(
                &serde_json::json!({"netsplit": PROTOCOL_VERSION, "type": "leader_elected",
                    "node": node, "time_ms": time_ms}),
                allowed,
            );
        }
    }
    let violations = run.violations();
    if violations.len() < posted.violations {
        // A seek back or a new scenario: violations start over.
        posted.violations = 0;
    }
    for violation in violations.iter().skip(posted.violations) {
        post_to_parent(
            &serde_json::json!({"netsplit": PROTOCOL_VERSION, "type": "violation",
                "property": violation.property, "message": violation.message,
                "time_ms": violation.time as f64 / MICROS_PER_MS as f64, "nodes": violation.nodes}),
            allowed,
        );
    }
    posted.violations = violations.len();
    let wall_ms = web_sys::window()
        .and_then(|window| window.performance())
        .map(|performance| performance.now())
        .unwrap_or(0.0);
    // While playing, time changes every frame: post at most every 250 ms. Paused, a
    // change is a seek or a step, which the host wants to hear about at once.
    let due = !state.playing
        || posted
            .time_wall_ms
            .is_none_or(|last| wall_ms - last >= TIME_EVENT_INTERVAL_MS || wall_ms < last);
    if due && posted.time_us != Some(run.now()) {
        posted.time_wall_ms = Some(wall_ms);
        posted.time_us = Some(run.now());
        post_to_parent(
            &serde_json::json!({"netsplit": PROTOCOL_VERSION, "type": "time", "time_ms": time_ms,
                "fingerprint": format!("{:016x}", run.trace_hash())}),
            allowed,
        );
    }
}
