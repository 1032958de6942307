//! The consistent hashing lab's page: controls, membership buttons, the ring, the load
//! chart, the before/after picture and the comparison table, over one reducer.
//!
//! Unlike the message-passing labs nothing here moves by itself: every view is a pure
//! function of the lab, recomputed when the learner changes something.

use netsplit_core::labs::hashing::{SchemeKind, parse_scenario};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::charts::{HashingChange, HashingComparison, HashingLoadChart, scheme_title};
use super::ring::HashingRing;
use super::state::{Action, Field, HashingHandle, HashingState, moved_sentence, node_label};
use crate::components::share_dialog::{ShareDialog, Shareable, Snapshot};

fn event_value(event: &Event) -> String {
    let Some(target) = event.target() else {
        return String::new();
    };
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        return input.value();
    }
    target
        .dyn_ref::<web_sys::HtmlSelectElement>()
        .map(|select| select.value())
        .unwrap_or_default()
}

/// Props of [`HashingField`].
#[derive(Properties, PartialEq)]
pub struct HashingFieldProps {
    /// The page's reducer.
    pub state: HashingHandle,
    /// Which field.
    pub field: Field,
    /// The visible label, which is also the accessible name.
    pub label: AttrValue,
    /// The HTML id of the input.
    pub id: AttrValue,
    /// A hint on the allowed range.
    pub hint: AttrValue,
}

/// A numeric field that applies on change and shows why a value was refused next to it.
#[component]
pub fn HashingField(props: &HashingFieldProps) -> Html {
    let state = &props.state;
    let field = props.field;
    let value = state.drafts.get(&field).cloned().unwrap_or_default();
    let error = state.errors.get(&field).cloned();
    let error_id = format!("{}-error", props.id);
    let onchange = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            state.dispatch(Action::SetField(field, event_value(&event)))
        })
    };
    html! {
        <div class="hashing-field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <input id={props.id.clone()} type="text" inputmode="decimal" value={value}
                onchange={onchange} title={props.hint.clone()}
                aria-invalid={if error.is_some() { "true" } else { "false" }}
                aria-describedby={error_id.clone()} />
            <span id={error_id} class="field-error" role={error.is_some().then_some("alert")}>
                { error.unwrap_or_default() }
            </span>
        </div>
    }
}

/// The lab page: opens the share link in the address, if any, then the page itself.
#[component]
pub fn HashingLabPage() -> Html {
    // The browser inflates the link, so it arrives a moment after the page starts.
    let link = match crate::share::use_share_link(true, Ok) {
        crate::share::Opened::Opening => {
            return html! {
                <main class="hashing-lab" aria-label="Consistent hashing" aria-busy="true">
                    <p class="pitch" role="status">{ "Opening the shared page…" }</p>
                </main>
            };
        }
        crate::share::Opened::Read(read) => Some(*read),
        crate::share::Opened::Absent => None,
    };
    html! { <HashingLabOpened link={link} /> }
}

/// Props of [`HashingLabOpened`].
#[derive(Properties, PartialEq)]
pub struct HashingLabOpenedProps {
    /// What the share link in the address gave, if there is one.
    pub link: Option<Result<crate::share::SharedText, netsplit_core::share::ShareError>>,
}

/// The page with its own reducer, started from the share link (or the embed's preset).
#[component]
pub fn HashingLabOpened(props: &HashingLabOpenedProps) -> Html {
    let link = props.link.clone();
    let state =
        use_reducer(move || HashingState::opened(link, crate::embed::current().preset.as_deref()));
    crate::components::share_dialog::use_file_drop(state.clone());
    html! { <HashingLabView state={state} /> }
}

/// The page as the share dialog sees it: its scenario, no time of its own.
impl Shareable for HashingHandle {
    const PROMISE: &'static str = "Anyone who opens this link sees this page as it is now: the same keys, nodes, changes, selected key and figures.";

    fn lab(&self) -> String {
        "hashing".to_string()
    }

    fn snapshot(&self) -> Result<Snapshot, String> {
        let scenario = self.scenario()?;
        Ok(Snapshot {
            json: serde_json::to_string_pretty(&scenario).map_err(|error| error.to_string())?,
            time_us: None,
            title: scenario.name,
        })
    }

    fn notice(&self, notice: String) {
        self.dispatch(Action::Refuse(notice));
    }

    fn import(&self, file: Result<crate::share::ScenarioFile, String>) {
        match file.and_then(|file| file.parse(parse_scenario)) {
            Ok(scenario) => self.dispatch(Action::Open(Box::new(scenario))),
            Err(reason) => self.dispatch(Action::Refuse(reason)),
        }
    }
}

/// Props of [`HashingLabView`].
#[derive(Properties, PartialEq)]
pub struct HashingLabViewProps {
    /// The page's reducer.
    pub state: HashingHandle,
}

/// The page body for a given reducer (split out so tests can drive it).
#[component]
pub fn HashingLabView(props: &HashingLabViewProps) -> Html {
    let state = &props.state;
    let lab = &state.lab;

    let on_scheme = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let name = event_value(&event);
            if let Some(scheme) = SchemeKind::ALL.into_iter().find(|kind| kind.name() == name) {
                state.dispatch(Action::SetScheme(scheme));
            }
        })
    };
    let on_preset = {
        let state = state.clone();
        Callback::from(move |event: Event| state.dispatch(Action::LoadPreset(event_value(&event))))
    };
    let on_target = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            if let Ok(node) = event_value(&event).parse() {
                state.dispatch(Action::SetTarget(node));
            }
        })
    };
    let on_key = {
        let state = state.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let input = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.get_element_by_id("hashing-typed-key"))
                .and_then(|element| element.dyn_into::<web_sys::HtmlInputElement>().ok());
            if let Some(input) = input {
                state.dispatch(Action::TypeKey(input.value()));
            }
        })
    };
    let dispatch = |action: Action| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(action.clone()))
    };

    let membership = lab.membership();
    let target_crashed = state.target.is_some_and(|node| state.is_crashed(node));
    let target_live = state.target.is_some() && !target_crashed;
    let preset_name = state
        .preset
        .as_ref()
        .map(|preset| preset.name.clone())
        .filter(|name| !name.is_empty());
    let description = state
        .preset
        .as_ref()
        .map(|preset| preset.description.clone())
        .filter(|description| !description.is_empty());
    let pending = state
        .preset
        .as_ref()
        .and_then(|preset| preset.pending.first().copied());
    let key_error = state.errors.get(&Field::TypedKey).cloned();
    let membership_error = state.errors.get(&Field::Membership).cloned();
    let preset_error = state.errors.get(&Field::Preset).cloned();
    let moved = moved_sentence(state);
    let epsilon_relevant = lab.scheme() == SchemeKind::BoundedLoads;
    let vnodes_relevant = matches!(lab.scheme(), SchemeKind::Ring | SchemeKind::BoundedLoads);

    let walk = state.derived.ring.selected.as_ref().map(|walk| {
        let replicas = walk.replicas.as_ref().map(|replicas| {
            replicas.iter().map(|node| node_label(*node)).collect::<Vec<_>>().join(", ")
        });
        html! {
            <dl class="kv key-walk" aria-label="Selected key">
                <dt>{ "Key" }</dt><dd>{ walk.name.clone() }</dd>
                <dt>{ "Hash" }</dt><dd class="mono">{ walk.hash_hex.clone() }</dd>
                <dt>{ "Ring position" }</dt><dd>{ format!("{:.4}", walk.fraction) }</dd>
                <dt>{ "Owner" }</dt><dd>{ node_label(walk.owner) }</dd>
                if let Some(before) = walk.owner_before {
                    <dt>{ "Owner before the change" }</dt>
                    <dd>{ if before == walk.owner { format!("{} (stayed)", node_label(before)) } else { format!("{} (moved)", node_label(before)) } }</dd>
                }
                <dt>{ "Preference list" }</dt>
                <dd>{ replicas.unwrap_or_else(|| "this scheme has no natural preference list".into()) }</dd>
                if !walk.visited.is_empty() {
                    <dt>{ "Tokens walked" }</dt><dd>{ walk.visited.len() }</dd>
                }
            </dl>
        }
    });

    html! {
        <main class="hashing-lab" aria-label="Consistent hashing">
            <div class="lab-title">
                <h1>{ "Consistent hashing" }</h1>
                <label>
                    { "Preset " }
                    <select aria-label="Preset" onchange={on_preset}>
                        <option value="" selected={preset_name.is_none()} disabled=true>{ "Custom" }</option>
                        { for netsplit_core::labs::hashing::lab::LAB.presets.iter().map(|(name, text)| {
                            let title = parse_scenario(text).map(|scenario| scenario.name).unwrap_or_else(|_| name.to_string());
                            html! { <option value={*name} selected={preset_name.as_deref() == Some(*name)}>{ title }</option> }
                        }) }
                    </select>
                </label>
                <ShareDialog<HashingHandle> state={state.clone()} />
                if let Some(error) = preset_error { <p class="field-error notice" role="alert">{ error }</p> }
                <p class="scenario-description">{ description.unwrap_or_else(|| "Ten nodes on a ring with 100 virtual nodes each hold 100,000 keys. Add a node and count the keys that move, then switch schemes to compare.".into()) }</p>
            </div>

            <section class="panel hashing-controls" aria-label="Controls">
                <div class="hashing-field">
                    <label for="hashing-scheme">{ "Scheme" }</label>
                    <select id="hashing-scheme" onchange={on_scheme}>
                        { for SchemeKind::ALL.iter().map(|kind| html! {
                            <option value={kind.name()} selected={*kind == lab.scheme()}>{ scheme_title(*kind) }</option>
                        }) }
                    </select>
                </div>
                <HashingField state={state.clone()} field={Field::Vnodes} id="hashing-vnodes"
                    label={if vnodes_relevant { "Virtual nodes per node" } else { "Virtual nodes per node (ring schemes)" }}
                    hint="1 to 1,000 tokens per node" />
                <HashingField state={state.clone()} field={Field::Epsilon} id="hashing-epsilon"
                    label={if epsilon_relevant { "Epsilon (bounded loads)" } else { "Epsilon (bounded loads only)" }}
                    hint="0 to 10: no node holds more than (1 + epsilon) times its share" />
                <HashingField state={state.clone()} field={Field::Keys} id="hashing-keys"
                    label="Number of keys" hint="1 to 1,000,000" />
                <HashingField state={state.clone()} field={Field::Skew} id="hashing-skew"
                    label="Zipf skew" hint="0 (uniform requests) to 5" />
                <HashingField state={state.clone()} field={Field::Replicas} id="hashing-replicas"
                    label="Replication factor N" hint="1 to 16 nodes per preference list" />
                <form class="hashing-field hashing-key-form" onsubmit={on_key}>
                    <label for="hashing-typed-key">{ "Type a key" }</label>
                    <input id="hashing-typed-key" type="text" placeholder="alice"
                        value={state.drafts.get(&Field::TypedKey).cloned().unwrap_or_default()}
                        aria-invalid={if key_error.is_some() { "true" } else { "false" }}
                        aria-describedby="hashing-typed-key-error" />
                    <button type="submit">{ "Find key" }</button>
                    <span id="hashing-typed-key-error" class="field-error" role={key_error.is_some().then_some("alert")}>
                        { key_error.unwrap_or_default() }
                    </span>
                </form>
            </section>

            <section class="panel hashing-membership" aria-label="Membership">
                <div class="toolbar">
                    <button onclick={dispatch(Action::AddNode)} aria-label="Add node">
                        { format!("Add node ({})", node_label(state.next_node())) }
                    </button>
                    <label for="hashing-target">{ "Node" }</label>
                    <select id="hashing-target" onchange={on_target}>
                        { for membership.live.iter().map(|member| html! {
                            <option value={member.node.to_string()} selected={state.target == Some(member.node)}>{ node_label(member.node) }</option>
                        }) }
                        { for membership.crashed.iter().map(|member| html! {
                            <option value={member.node.to_string()} selected={state.target == Some(member.node)}>{ format!("{} (crashed)", node_label(member.node)) }</option>
                        }) }
                    </select>
                    <button onclick={dispatch(Action::RemoveNode)} aria-label="Remove node" disabled={state.target.is_none()}>{ "Remove node" }</button>
                    <button onclick={dispatch(Action::CrashNode)} aria-label="Crash node" disabled={!target_live}>{ "Crash node" }</button>
                    <button onclick={dispatch(Action::ReaddNode)} aria-label="Re-add" disabled={!target_crashed}>{ "Re-add" }</button>
                    if let Some(change) = pending {
                        <button onclick={dispatch(Action::ApplyPresetChange)}>{ format!("Next scripted change: {}", change.describe()) }</button>
                    }
                </div>
                <p class="muted">
                    { format!("{} live nodes{}, {} keys, {}.",
                        membership.live.len(),
                        if membership.crashed.is_empty() { String::new() } else { format!(" and {} crashed", membership.crashed.len()) },
                        super::state::count(lab.keys().len() as u64),
                        state.derived.lookup_cost.as_ref().map_or_else(String::new, |cost| format!("lookup {}", cost.complexity))) }
                </p>
                if let Some(error) = membership_error { <p class="field-error" role="alert">{ error }</p> }
                <p class="hashing-moved" role="status" aria-live="polite">
                    { moved.unwrap_or_else(|| "No change yet: add, remove, crash or re-add a node.".into()) }
                </p>
            </section>

            <section class="panel hashing-ring-panel" aria-label="Ring">
                <HashingRing state={state.clone()} />
                { walk.unwrap_or_default() }
            </section>
            <HashingLoadChart state={state.clone()} />
            <HashingChange state={state.clone()} />
            <HashingComparison state={state.clone()} />
        </main>
    }
}
