//! The numbers behind the ring: per-node load bars against the ideal share, the
//! before/after picture of the last change, and every scheme side by side.
//!
//! Every chart has a table or caption carrying the same numbers, so nothing is told by
//! colour alone.

use netsplit_core::labs::hashing::{LoadSummary, Member, SchemeKind};
use netsplit_core::protocol::NodeId;
use yew::prelude::*;

use super::state::{HashingHandle, count, node_colour, node_label, percent};

/// The most nodes a bar chart draws; the table below it still lists every node.
pub const BARS_MAX: usize = 64;

fn ideal_share(members: &[Member], node: NodeId) -> f64 {
    let total: u64 = members.iter().map(|member| u64::from(member.weight)).sum();
    let weight = members
        .iter()
        .find(|member| member.node == node)
        .map_or(0, |member| member.weight);
    if total == 0 {
        0.0
    } else {
        f64::from(weight) / total as f64
    }
}

/// Props of [`HashingLoadChart`].
#[derive(Properties, PartialEq)]
pub struct HashingLoadChartProps {
    /// The page's reducer.
    pub state: HashingHandle,
}

/// Per-node load: key share (and request share under skew) against the ideal line.
#[component]
pub fn HashingLoadChart(props: &HashingLoadChartProps) -> Html {
    let state = &props.state;
    let load = &state.derived.load;
    let members = &state.lab.membership().live;
    let skewed = state.lab.workload().zipf.is_some();
    let shown = &load.nodes[..load.nodes.len().min(BARS_MAX)];
    let peak = shown
        .iter()
        .map(|node| node.key_share.max(node.request_share))
        .chain(shown.iter().map(|node| ideal_share(members, node.node)))
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let width = 360.0;
    let height = 160.0;
    let slot = width / shown.len().max(1) as f64;
    let bar = if skewed { slot * 0.4 } else { slot * 0.7 };
    let scale = |share: f64| share / peak * (height - 10.0);
    let bars = shown.iter().enumerate().map(|(index, node)| {
        let x = index as f64 * slot + slot * 0.1;
        let keys_height = scale(node.key_share);
        let requests_height = scale(node.request_share);
        let ideal_y = height - scale(ideal_share(members, node.node));
        html! {
            <g class="load-bar">
                <rect x={format!("{x:.1}")} y={format!("{:.1}", height - keys_height)}
                    width={format!("{bar:.1}")} height={format!("{keys_height:.1}")}
                    fill={node_colour(node.node)} />
                if skewed {
                    <rect class="requests" x={format!("{:.1}", x + bar)} y={format!("{:.1}", height - requests_height)}
                        width={format!("{bar:.1}")} height={format!("{requests_height:.1}")}
                        fill={node_colour(node.node)} />
                    <rect x={format!("{:.1}", x + bar)} y={format!("{:.1}", height - requests_height)}
                        width={format!("{bar:.1}")} height={format!("{requests_height:.1}")}
                        fill="url(#hashing-stripes)" />
                }
                <line class="ideal" x1={format!("{:.1}", x - slot * 0.05)} x2={format!("{:.1}", x + slot * 0.85)}
                    y1={format!("{ideal_y:.1}")} y2={format!("{ideal_y:.1}")} />
            </g>
        }
    });
    let rows = load.nodes.iter().map(|node| {
        html! {
            <tr>
                <th scope="row">{ node_label(node.node) }</th>
                <td>{ count(node.keys) }</td>
                <td>{ percent(node.key_share) }</td>
                if skewed { <td>{ percent(node.request_share) }</td> }
                <td>{ percent(ideal_share(members, node.node)) }</td>
            </tr>
        }
    });
    html! {
        <section class="panel hashing-load" aria-labelledby="hashing-load-title">
            <h2 id="hashing-load-title">{ "Load per node" }</h2>
            <svg class="load-chart" viewBox={format!("0 0 {width} {height}")} preserveAspectRatio="none" role="img"
                aria-label={format!("Key share per node{}; the dashed line is each node's ideal share",
                    if skewed { " (solid) and request share (striped)" } else { "" })}>
                <defs>
                    <pattern id="hashing-stripes" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect width="2" height="4" fill="var(--panel)" />
                    </pattern>
                </defs>
                { for bars }
            </svg>
            <p class="muted">
                { format!("Keys: std/mean {:.3}, max/mean {:.3}", load.keys_std_dev_over_mean, load.keys_max_over_mean) }
                if let Some(exact) = &load.placement {
                    { format!("; the scheme's exact shares of the hash space: std/mean {:.3}, max/mean {:.3} \
                        (counted keys add the noise of sampling them)", exact.std_dev_over_mean, exact.max_over_mean) }
                }
                if skewed {
                    { format!("; requests: std/mean {:.3}, max/mean {:.3}", load.requests_std_dev_over_mean, load.requests_max_over_mean) }
                }
                { format!(". Busiest node {}.", node_label(load.busiest_node)) }
            </p>
            <details>
                <summary>{ "Load table" }</summary>
                <div class="table-wrap">
                    <table class="numbers">
                        <thead><tr>
                            <th scope="col">{ "Node" }</th>
                            <th scope="col">{ "Keys" }</th>
                            <th scope="col">{ "Key share" }</th>
                            if skewed { <th scope="col">{ "Request share" }</th> }
                            <th scope="col">{ "Ideal" }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            </details>
        </section>
    }
}

/// One horizontal bar split into each node's key share.
fn stacked_bar(load: &LoadSummary, moved_to: &[NodeId], label: &str) -> Html {
    let mut offset = 0.0;
    let segments = load
        .nodes
        .iter()
        .map(|node| {
            let x = offset;
            offset += node.key_share * 100.0;
            let gained = moved_to.contains(&node.node);
            html! {
                <rect class={classes!("segment", gained.then_some("gained"))}
                    x={format!("{x:.3}")} y="0" width={format!("{:.3}", node.key_share * 100.0)} height="10"
                    fill={node_colour(node.node)}>
                    <title>{ format!("{}: {} keys ({})", node_label(node.node), count(node.keys), percent(node.key_share)) }</title>
                </rect>
            }
        })
        .collect::<Html>();
    html! {
        <div class="stacked">
            <span class="stacked-label">{ label }</span>
            <svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img"
                aria-label={format!("{label}: key share of {} nodes", load.nodes.len())}>
                { segments }
            </svg>
        </div>
    }
}

/// Props of [`HashingChange`].
#[derive(Properties, PartialEq)]
pub struct HashingChangeProps {
    /// The page's reducer.
    pub state: HashingHandle,
}

/// The last change: key shares before and after, and where the moved keys went.
#[component]
pub fn HashingChange(props: &HashingChangeProps) -> Html {
    let state = &props.state;
    let (Some(last), Some(before)) = (state.lab.last_change(), &state.derived.load_before) else {
        return html! {
            <section class="panel hashing-change" aria-labelledby="hashing-change-title">
                <h2 id="hashing-change-title">{ "Before and after" }</h2>
                <p class="muted">{ "Add, remove, crash or re-add a node to see which keys move." }</p>
            </section>
        };
    };
    // Count moves per (from, to) pair; the pairs are few (at most nodes squared) and a
    // sorted map keeps their order stable.
    let mut flows = netsplit_core::collections::SortedMap::<(NodeId, NodeId), u64>::new();
    for moved in &last.moved {
        *flows.entry((moved.from, moved.to)).or_default() += 1;
    }
    let mut flows: Vec<_> = flows.into_iter().collect();
    flows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let flow_count = flows.len();
    let receivers: Vec<NodeId> = flows.iter().map(|((_, to), _)| *to).collect();
    let rows = flows.iter().take(12).map(|((from, to), keys)| {
        html! {
            <tr>
                <td>{ node_label(*from) }</td>
                <td>{ node_label(*to) }</td>
                <td>{ count(*keys) }</td>
            </tr>
        }
    });
    html! {
        <section class="panel hashing-change" aria-labelledby="hashing-change-title">
            <h2 id="hashing-change-title">{ format!("Before and after: {}", last.metrics.change.describe()) }</h2>
            { stacked_bar(before, &[], "Before") }
            { stacked_bar(&state.derived.load, &receivers, "After") }
            <p class="muted">
                { format!("{} keys moved between {} pairs of nodes; {} moved between nodes the change did not touch.",
                    count(last.metrics.keys_moved), flow_count, count(last.metrics.moves_between_bystanders)) }
            </p>
            <div class="table-wrap">
                <table class="numbers">
                    <caption>{ "Largest flows of moved keys" }</caption>
                    <thead><tr>
                        <th scope="col">{ "From" }</th>
                        <th scope="col">{ "To" }</th>
                        <th scope="col">{ "Keys" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
        </section>
    }
}

/// Props of [`HashingComparison`].
#[derive(Properties, PartialEq)]
pub struct HashingComparisonProps {
    /// The page's reducer.
    pub state: HashingHandle,
}

/// Every scheme on the same keys and the same change.
#[component]
pub fn HashingComparison(props: &HashingComparisonProps) -> Html {
    let state = &props.state;
    let current = state.lab.scheme();
    let body = match &state.derived.comparison {
        Err(reason) => html! { <p class="field-error" role="alert">{ reason.clone() }</p> },
        Ok(rows) => {
            // A scheme that moved more than the ideal by its structure says why, beside
            // the table (the sentences come from the core).
            let notes = rows.iter().filter_map(|row| {
                row.note.as_ref().map(|note| {
                    html! {
                        <p class="muted comparison-note" data-scheme={row.scheme.name()}>
                            <strong>{ format!("{}: ", scheme_title(row.scheme)) }</strong>{ note.clone() }
                        </p>
                    }
                })
            });
            let rows = rows.iter().map(|row| {
                let (moved, ideal) = match &row.change {
                    Some(change) => (
                        format!("{} ({})", count(change.keys_moved), percent(change.moved_fraction)),
                        format!("{} ({})", count(change.ideal_keys.round() as u64), percent(change.ideal_fraction)),
                    ),
                    None => ("–".to_owned(), "–".to_owned()),
                };
                let is_current = row.scheme == current;
                html! {
                    <tr class={classes!(is_current.then_some("current"))} data-scheme={row.scheme.name()}>
                        <th scope="row">
                            { scheme_title(row.scheme) }
                            if is_current { <span class="muted">{ " (shown)" }</span> }
                        </th>
                        <td class="moved">{ moved }</td>
                        <td>{ ideal }</td>
                        <td>{ format!("{:.3}", row.keys_std_dev_over_mean) }</td>
                        <td>{ row.placement.map_or_else(|| "–".to_owned(), |exact| format!("{:.3}", exact.std_dev_over_mean)) }</td>
                        <td>{ format!("{:.3}", row.keys_max_over_mean) }</td>
                        <td title={row.lookup_cost.description.clone()}>
                            { format!("{} ({:.1} steps)", row.lookup_cost.complexity, row.lookup_cost.steps) }
                        </td>
                    </tr>
                }
            });
            html! {
                <>
                <div class="table-wrap">
                    <table class="numbers comparison">
                        <thead><tr>
                            <th scope="col">{ "Scheme" }</th>
                            <th scope="col">{ "Keys moved" }</th>
                            <th scope="col">{ "Ideal" }</th>
                            <th scope="col">{ "Std/mean" }</th>
                            <th scope="col" title="From the ring's arcs or Maglev's table, without the noise of sampling keys">
                                { "Exact std/mean" }
                            </th>
                            <th scope="col">{ "Max/mean" }</th>
                            <th scope="col">{ "Lookup cost" }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
                { for notes }
                </>
            }
        }
    };
    html! {
        <section class="panel hashing-comparison" aria-labelledby="hashing-comparison-title">
            <h2 id="hashing-comparison-title">{ "Every scheme on the same keys and change" }</h2>
            { body }
        </section>
    }
}

/// A scheme's name as the controls and tables show it.
pub fn scheme_title(scheme: SchemeKind) -> &'static str {
    match scheme {
        SchemeKind::Modulo => "Modulo",
        SchemeKind::Ring => "Ring",
        SchemeKind::Rendezvous => "Rendezvous",
        SchemeKind::Jump => "Jump",
        SchemeKind::Maglev => "Maglev",
        SchemeKind::BoundedLoads => "Bounded loads",
    }
}
