//! Play, pause, step, speed, the time scrubber and the seed.

use netsplit_core::protocol::Time;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::{Action, PlaygroundHandle};

/// The speeds the speed menu offers (1 = 10 virtual ms per second, 1/100 of real time; 100 =
/// real time), labelled by [`speed_label`].
pub const SPEEDS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0];

/// Props of [`PlaybackBar`].
#[derive(Properties, PartialEq)]
pub struct PlaybackBarProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
}

/// A speed as a learner reads it: how much slower than real time the run plays (speed 100
/// is real time: one virtual second per second).
pub fn speed_label(speed: f64) -> String {
    let slower = 100.0 / speed;
    if (slower - 1.0).abs() < 1e-9 {
        "real time".to_string()
    } else if (slower - slower.round()).abs() < 1e-9 {
        format!("1/{} of real time", slower.round())
    } else {
        format!("{:.3}× real time", speed / 100.0)
    }
}

/// How much virtual time one wall-clock second shows at `speed`, in words.
pub fn speed_ratio(speed: f64) -> String {
    // Virtual µs per wall-clock ms is also virtual ms per wall-clock second.
    let virtual_ms = speed * crate::state::VIRTUAL_US_PER_WALL_MS_AT_1X;
    if virtual_ms >= 1_000.0 {
        format!("1 s plays {:.0} s", virtual_ms / 1_000.0)
    } else {
        format!("1 s plays {virtual_ms:.0} ms")
    }
}

/// Formats virtual µs as seconds with millisecond precision.
pub fn format_time(time: Time) -> String {
    format!("{}.{:03} s", time / 1_000_000, (time / 1_000) % 1_000)
}

fn input_value(event: &Event) -> String {
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|input| input.value())
        .or_else(|| {
            event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|select| select.value())
        })
        .unwrap_or_default()
}

/// A random seed from the browser's generator (getrandom), for "new run".
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // Without a generator, fall back to the clock: still a fresh, if guessable, seed.
        return js_sys::Date::now() as u64;
    }
    // Keep seeds within JavaScript's exact integer range so they survive URLs and JSON tools.
    u64::from_le_bytes(bytes) & ((1 << 53) - 1)
}

/// The playback controls.
#[component]
pub fn PlaybackBar(props: &PlaybackBarProps) -> Html {
    let state = props.state.clone();
    let seed_error = use_state(|| None::<String>);
    let (now, horizon, seed) = {
        let run = state.run.borrow();
        (run.now(), run.horizon(), state.base.seed)
    };
    let toggle = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::TogglePlay))
    };
    let step = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::Step))
    };
    let on_speed = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let value = input_value(&event);
            match crate::number::parse_decimal(&value) {
                Some(speed) => state.dispatch(Action::SetSpeed(speed)),
                None => state.dispatch(Action::Notice(Some(format!(
                    "Speed: {value:?} is not a number"
                )))),
            }
        })
    };
    let on_scrub = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let value = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|input| input.value_as_number())
                .unwrap_or(f64::NAN);
            if value.is_finite() && value >= 0.0 {
                state.dispatch(Action::Seek((value * 1_000.0) as Time));
            }
        })
    };
    let on_seed = {
        let state = state.clone();
        let seed_error = seed_error.clone();
        Callback::from(move |event: Event| {
            let value = input_value(&event);
            match value.trim().parse::<u64>() {
                Ok(seed) => {
                    seed_error.set(None);
                    state.dispatch(Action::SetSeed(seed));
                }
                Err(_) => seed_error.set(Some(format!(
                    "Seed must be a whole number from 0 to {}; {value:?} is not.",
                    u64::MAX
                ))),
            }
        })
    };
    let new_seed = {
        let state = state.clone();
        let seed_error = seed_error.clone();
        Callback::from(move |_| {
            seed_error.set(None);
            state.dispatch(Action::SetSeed(random_seed()));
        })
    };
    let playing = state.playing;
    let horizon_ms = (horizon / 1_000).max(1);
    html! {
        <div class="playback" role="group" aria-label="Playback">
            <button class="primary" onclick={toggle} aria-label={if playing { "Pause" } else { "Play" }}
                    aria-keyshortcuts="Space" title="Play or pause (Space)">
                { if playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button onclick={step} aria-label="Step" aria-keyshortcuts="ArrowRight" title="Step to the next event (Right arrow)">
                { "▶| Step" }
            </button>
            <label>
                { "Speed " }
                <select aria-label="Speed" onchange={on_speed}>
                    { for SPEEDS.iter().map(|&speed| html! {
                        <option value={speed.to_string()} selected={(speed - state.speed).abs() < 1e-9}>{ speed_label(speed) }</option>
                    }) }
                </select>
            </label>
            <input class="scrubber" type="range" min="0" max={horizon_ms.to_string()} step="1"
                   value={(now / 1_000).to_string()} aria-label="Time" oninput={on_scrub}
                   aria-valuetext={format!("{} of {}", format_time(now), format_time(horizon))} />
            <span class="clock" aria-live="off">{ format_time(now) }</span>
            <span class="muted speed-ratio" title="Virtual time shown per second of wall-clock time">{ speed_ratio(state.speed) }</span>
            <label>
                { "Seed " }
                <input type="text" inputmode="numeric" size="10" aria-label="Seed" value={seed.to_string()}
                       onchange={on_seed} aria-invalid={seed_error.is_some().to_string()} />
            </label>
            <button onclick={new_seed} aria-label="New random seed" title="Restart with a fresh random seed">{ "New seed" }</button>
            if let Some(error) = &*seed_error {
                <span class="field-error" role="alert">{ error }</span>
            }
        </div>
    }
}
