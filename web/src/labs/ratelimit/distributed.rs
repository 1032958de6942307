//! The distributed limiter tab: one global limit spread over limiter nodes, run on the
//! simulation engine in the generic playground, so the learner can crash the central counter or
//! cut links with the usual tools. Above it, how the nodes share state and what they do when
//! they cannot know the global count; in the side column, the live figure that matters: how many
//! requests got through over the global limit.

use netsplit_core::presets;
use netsplit_core::protocol::MICROS_PER_MS;
use netsplit_core::scenario::Scenario;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::lab_page::Playground;
use crate::labs::ratelimit::model::{live_outcome, rate_limit_presets};
use crate::state::{PlaygroundHandle, PlaygroundState};

/// How the limiter nodes share their counts, as the scenario spells it, with the menu's words.
pub const SHARING_MODES: [(&str, &str); 2] = [
    ("central_counter", "Ask a central counter"),
    ("periodic_sync", "Exchange counts periodically"),
];

/// What a node does when it cannot know the global count, as the scenario spells it, with the
/// menu's words.
pub const FAILURE_POLICIES: [(&str, &str); 2] = [
    ("fail_open", "Fail open (admit)"),
    ("fail_closed", "Fail closed (reject)"),
];

/// The engine scenario of preset `name` with the sharing mode and failure policy replaced
/// (when given), or the reason it cannot be built.
pub fn distributed_scenario(
    name: &str,
    sharing: Option<&str>,
    failure_policy: Option<&str>,
) -> Result<Scenario, String> {
    let text = presets::of_lab::RATELIMIT
        .iter()
        .find(|(preset, _)| *preset == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| format!("There is no preset named {name:?}."))?;
    let mut scenario = Scenario::parse(text).map_err(|error| error.to_string())?;
    let distributed = scenario
        .params
        .get_mut("distributed")
        .and_then(serde_json::Value::as_object_mut)
        .ok_or_else(|| format!("The preset {name:?} has no distributed limiter."))?;
    if let Some(sharing) = sharing {
        if !SHARING_MODES.iter().any(|(value, _)| *value == sharing) {
            return Err(format!("Sharing: {sharing:?} is not a sharing mode."));
        }
        distributed.insert("sharing".into(), sharing.into());
    }
    if let Some(policy) = failure_policy {
        if !FAILURE_POLICIES.iter().any(|(value, _)| *value == policy) {
            return Err(format!("Failure policy: {policy:?} is not a policy."));
        }
        distributed.insert("failure_policy".into(), policy.into());
    }
    Ok(scenario)
}

/// The value of `key` in the `distributed` part of `scenario`'s params, if it is a string.
fn distributed_setting(scenario: &Scenario, key: &str) -> Option<String> {
    scenario
        .params
        .get("distributed")?
        .get(key)?
        .as_str()
        .map(str::to_string)
}

/// The live figures of the global limit: admitted over it, in percent of what an ideal single
/// limiter admits, and the good requests wrongly refused.
pub fn rate_limit_global_figure(state: &PlaygroundHandle) -> Html {
    let params = &state.base.params;
    let limit = params
        .get("limit")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let window_ms = params
        .get("window_ms")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let (outcome, messages_lost) = {
        let run = state.run.borrow();
        (
            live_outcome(
                &run.client_history(),
                limit,
                window_ms.saturating_mul(MICROS_PER_MS),
            ),
            run.metrics().messages_dropped,
        )
    };
    let over = outcome.admitted_over_limit > 0;
    let sharing = distributed_setting(&state.base, "sharing").unwrap_or_default();
    let policy = distributed_setting(&state.base, "failure_policy").unwrap_or_default();
    let words = |table: &[(&str, &'static str)], value: &str| {
        table
            .iter()
            .find(|(key, _)| *key == value)
            .map_or("", |(_, words)| *words)
    };
    html! {
        <section class="panel rl-global" aria-label="Global limit">
            <h2>{ "Global limit" }</h2>
            <p class="muted">{ format!("{limit} requests per {window_ms} ms over all limiter nodes; {}, {}.",
                words(&SHARING_MODES, &sharing).to_ascii_lowercase(), words(&FAILURE_POLICIES, &policy).to_ascii_lowercase()) }</p>
            <p class={classes!("rl-global-figure", over.then_some("over"))} role="status">
                <span class="rl-over-percent">{ format!("{:.1} %", outcome.admitted_over_limit_percent) }</span>
                <span>{ " admitted over the global limit" }</span>
            </p>
            <dl class="kv">
                <dt>{ "answered" }</dt><dd class="rl-answered">{ outcome.decisions.len() }</dd>
                <dt>{ "admitted" }</dt><dd class="rl-global-admitted">{ outcome.admitted }</dd>
                <dt>{ "an ideal limiter admits" }</dt><dd>{ outcome.ideal_admitted }</dd>
                <dt>{ "over the limit" }</dt><dd class="rl-over">{ outcome.admitted_over_limit }</dd>
                <dt>{ "worst window over" }</dt><dd>{ format!("{:.0} %", outcome.window_over_limit_percent_max) }</dd>
                <dt>{ "wrongly rejected" }</dt><dd class="rl-wrongly-rejected">{ outcome.wrongly_rejected }</dd>
                <dt>{ "messages lost" }</dt><dd>{ messages_lost }</dd>
            </dl>
        </section>
    }
}

/// The run of a share link that was read: its scenario and time, or preset `first` with a
/// notice saying why the link could not be opened. A link of the side-by-side view (a
/// scenario without a distributed limiter) is that view's, not a run of this tab: the tab
/// starts from its preset, as every choice of its menu has a distributed limiter.
fn shared_run(
    link: Result<netsplit_core::share::SharedRun, netsplit_core::share::ShareError>,
    first: &str,
) -> Option<crate::share::InitialRun> {
    if link
        .as_ref()
        .is_ok_and(|run| run.scenario.params.get("distributed").is_none())
    {
        return None;
    }
    let fallback = distributed_scenario(first, None, None).ok()?;
    crate::share::initial_run("ratelimit", Some(link), None, &[("", fallback)])
}

fn select_value(event: &Event) -> String {
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .map(|select| select.value())
        .unwrap_or_default()
}

/// Props of [`RateLimitDistributed`].
#[derive(Properties, PartialEq)]
pub struct RateLimitDistributedProps {
    /// The distributed preset to start from (file name), if the page's preset menu picked one.
    #[prop_or_default]
    pub preset: Option<String>,
}

/// The distributed limiter tab.
#[component]
pub fn RateLimitDistributed(props: &RateLimitDistributedProps) -> Html {
    let presets: Vec<_> = rate_limit_presets()
        .into_iter()
        .filter(|preset| preset.is_distributed())
        .collect();
    let first = props
        .preset
        .clone()
        .filter(|name| presets.iter().any(|preset| preset.name == name))
        .or_else(|| presets.first().map(|preset| preset.name.to_string()))
        .unwrap_or_default();
    // Opened from a share link (and not from a preset button): replay the shared run until
    // the learner picks other settings.
    let link = crate::share::use_share_link(props.preset.is_none(), crate::share::engine_run);
    // Set once the learner picks other settings: the shared run gives way to them.
    let left = use_state(|| false);
    let shared = {
        let first = first.clone();
        use_memo(link.clone(), move |link| match link {
            crate::share::OpenedLink::Read(read) => shared_run((**read).clone(), &first),
            _ => None,
        })
    };
    let shared = if *left { None } else { (*shared).clone() };
    let preset = use_state(|| first);
    let sharing = use_state(|| None::<String>);
    let policy = use_state(|| None::<String>);
    let Some(entry) = crate::labs::entry("ratelimit") else {
        return html! {};
    };
    if link == crate::share::OpenedLink::Opening {
        return html! { <p class="pitch" role="status" aria-busy="true">{ "Opening the shared run…" }</p> };
    }
    let scenario = match &shared {
        Some(run) => Ok(run.scenario.clone()),
        None => distributed_scenario(&preset, sharing.as_deref(), policy.as_deref()),
    };
    let on_preset = {
        let preset = preset.clone();
        let sharing = sharing.clone();
        let policy = policy.clone();
        let left = left.clone();
        Callback::from(move |event: Event| {
            preset.set(select_value(&event));
            sharing.set(None);
            policy.set(None);
            left.set(true);
        })
    };
    let on_sharing = {
        let sharing = sharing.clone();
        let left = left.clone();
        Callback::from(move |event: Event| {
            sharing.set(Some(select_value(&event)));
            left.set(true);
        })
    };
    let on_policy = {
        let policy = policy.clone();
        let left = left.clone();
        Callback::from(move |event: Event| {
            policy.set(Some(select_value(&event)));
            left.set(true);
        })
    };
    let current_sharing = scenario
        .as_ref()
        .ok()
        .and_then(|scenario| distributed_setting(scenario, "sharing"));
    let current_policy = scenario
        .as_ref()
        .ok()
        .and_then(|scenario| distributed_setting(scenario, "failure_policy"));
    let key = format!(
        "{}|{}|{}|{}",
        if shared.is_some() { "shared" } else { "preset" },
        *preset,
        current_sharing.clone().unwrap_or_default(),
        current_policy.clone().unwrap_or_default()
    );
    let playground = match scenario.and_then(|scenario| PlaygroundState::new("ratelimit", scenario))
    {
        Ok(mut initial) => {
            if let Some(run) = &shared {
                crate::share::prepare(
                    &mut initial,
                    run.time_us,
                    run.notice.clone(),
                    &crate::embed::current(),
                );
            }
            let panel = Callback::from(|state: PlaygroundHandle| rate_limit_global_figure(&state));
            html! { <Playground key={key} entry={entry} initial={initial} side_panel={panel} page_chooses_scenario=true /> }
        }
        Err(reason) => html! {
            <p class="field-error" role="alert">{ format!("The distributed limiter could not start: {reason}") }</p>
        },
    };
    html! {
        <>
            <form class="rl-distributed-controls" aria-label="Distributed limiter settings"
                  onsubmit={Callback::from(|event: SubmitEvent| event.prevent_default())}>
                <div class="rl-field">
                    <label for="rl-distributed-preset">{ "Distributed scenario" }</label>
                    <select id="rl-distributed-preset" onchange={on_preset}>
                        { for presets.iter().map(|option| html! {
                            <option value={option.name} selected={option.name == *preset}>{ option.title.clone() }</option>
                        }) }
                    </select>
                </div>
                <div class="rl-field">
                    <label for="rl-sharing">{ "Sharing" }</label>
                    <select id="rl-sharing" onchange={on_sharing}>
                        { for SHARING_MODES.iter().map(|(value, words)| html! {
                            <option value={*value} selected={current_sharing.as_deref() == Some(*value)}>{ *words }</option>
                        }) }
                    </select>
                </div>
                <div class="rl-field">
                    <label for="rl-policy">{ "When a node cannot know the global count" }</label>
                    <select id="rl-policy" onchange={on_policy}>
                        { for FAILURE_POLICIES.iter().map(|(value, words)| html! {
                            <option value={*value} selected={current_policy.as_deref() == Some(*value)}>{ *words }</option>
                        }) }
                    </select>
                </div>
                <p class="muted rl-hint">{ "Changing a setting starts the run over. Crash the central counter or cut links with the tools below." }</p>
            </form>
            { playground }
        </>
    }
}
