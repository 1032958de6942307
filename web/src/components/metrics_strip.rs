//! A small time-series strip: messages sent, delivered and dropped per second of virtual time,
//! and the count of each message kind.

use yew::prelude::*;

use crate::components::cluster_view::MessageLegend;
use crate::state::PlaygroundHandle;

/// Props of [`MetricsStrip`].
#[derive(Properties, PartialEq)]
pub struct MetricsStripProps {
    /// The reducer handle.
    pub state: PlaygroundHandle,
}

const STRIP_WIDTH: f64 = 600.0;
const STRIP_HEIGHT: f64 = 70.0;
/// The most buckets drawn (the newest).
const BUCKETS_SHOWN: usize = 60;

fn polyline(values: &[u64], max: u64) -> String {
    let count = values.len().max(2) - 1;
    values
        .iter()
        .enumerate()
        .map(|(index, &value)| {
            let x = STRIP_WIDTH * index as f64 / count as f64;
            let y = STRIP_HEIGHT - 4.0 - (STRIP_HEIGHT - 8.0) * value as f64 / max.max(1) as f64;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The metrics strip.
#[component]
pub fn MetricsStrip(props: &MetricsStripProps) -> Html {
    let metrics = props.state.run.borrow().metrics();
    let series = &metrics.series;
    let tail = |values: &Vec<u64>| -> Vec<u64> {
        values[values.len().saturating_sub(BUCKETS_SHOWN)..].to_vec()
    };
    let (sent, delivered, dropped) = (
        tail(&series.sent),
        tail(&series.delivered),
        tail(&series.dropped),
    );
    let max = sent
        .iter()
        .chain(&delivered)
        .chain(&dropped)
        .copied()
        .max()
        .unwrap_or(1);
    let per = series.bucket_us as f64 / 1_000_000.0;
    let kinds = std::rc::Rc::new(
        metrics
            .kinds
            .iter()
            .map(|kind| kind.kind)
            .collect::<Vec<_>>(),
    );
    html! {
        <section class="panel strip" aria-label="Metrics">
            <h2>{ format!("Messages per {} s of virtual time", per) }</h2>
            <svg viewBox={format!("0 0 {STRIP_WIDTH} {STRIP_HEIGHT}")} class="sparkline" role="img"
                 aria-label={format!("sent {}, delivered {}, dropped {} in all", metrics.messages_sent, metrics.messages_delivered, metrics.messages_dropped)}
                 preserveAspectRatio="none">
                <polyline points={polyline(&sent, max)} fill="none" stroke="var(--accent)" stroke-width="2" />
                <polyline points={polyline(&delivered, max)} fill="none" stroke="var(--ok)" stroke-width="2" stroke-dasharray="6 3" />
                <polyline points={polyline(&dropped, max)} fill="none" stroke="var(--bad)" stroke-width="2" stroke-dasharray="2 3" />
            </svg>
            <p class="strip-legend">
                <span style="color: var(--accent)">{ format!("— sent {}", metrics.messages_sent) }</span>{ "  " }
                <span style="color: var(--ok)">{ format!("- - delivered {}", metrics.messages_delivered) }</span>{ "  " }
                <span style="color: var(--bad)">{ format!("··· dropped {}", metrics.messages_dropped) }</span>
                if metrics.client.requests > 0 {
                    { format!("  ·  client requests {}, answered {}", metrics.client.requests, metrics.client.replies) }
                }
            </p>
            <MessageLegend kinds={kinds} />
        </section>
    }
}
