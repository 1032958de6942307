//! The labs the gallery lists: what each is, and the papers it comes from.

/// One lab's card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabCard {
    /// The route id, as in `#/raft`.
    pub id: &'static str,
    /// The card's title.
    pub title: &'static str,
    /// One line saying what a learner does there.
    pub description: &'static str,
    /// The papers and write-ups it reproduces.
    pub papers: &'static str,
}

/// Every lab, in gallery order.
pub const LABS: &[LabCard] = &[
    LabCard {
        id: "raft",
        title: "Raft consensus",
        description: "Crash the leader, split the cluster, flip a bug switch, and watch the safety checker.",
        papers: "Ongaro & Ousterhout, In Search of an Understandable Consensus Algorithm (2014)",
    },
    LabCard {
        id: "hashing",
        title: "Consistent hashing",
        description: "Add a node and count the keys that move: modulo, ring, rendezvous, jump, Maglev.",
        papers: "Karger et al. (1997); DeCandia et al., Dynamo (2007); Eisenbud et al., Maglev (2016)",
    },
    LabCard {
        id: "ratelimit",
        title: "Rate limiting",
        description: "Feed one burst to six limiters and see where fixed windows let twice the limit through.",
        papers: "Token bucket; GCRA (ITU-T I.371); sliding windows",
    },
    LabCard {
        id: "loadbalancing",
        title: "Load balancing",
        description: "Slow a server and watch the p99 climb, then switch to least-loaded or two choices.",
        papers: "Mitzenmacher, The Power of Two Choices (2001)",
    },
    LabCard {
        id: "broadcast",
        title: "Broadcast",
        description: "The simulator's warm-up: nodes flood messages; cut links and watch them drop.",
        papers: "The network model every lab runs on",
    },
];

/// The lab with route id `id`.
pub fn find(id: &str) -> Option<&'static LabCard> {
    LABS.iter().find(|lab| lab.id == id)
}

/// The client request the toolbar's button sends in lab `id`, if the lab takes requests.
pub fn client_request(id: &str) -> Option<serde_json::Value> {
    match id {
        "broadcast" => Some(serde_json::json!({ "op": "store", "value": "hello" })),
        "raft" => Some(
            serde_json::json!({ "operation": { "type": "put", "key": "x", "value": "from the toolbar" } }),
        ),
        _ => None,
    }
}

/// What "Add node" does in lab `id`. In Raft a server joins through a single-server
/// membership change (thesis 4.1): a new server starts and the leader is asked to add it.
pub fn add_node_action(id: &str) -> netsplit_core::Action {
    match id {
        "raft" => netsplit_core::Action::Lab {
            name: "add_server".into(),
            args: serde_json::Value::Null,
        },
        _ => netsplit_core::Action::AddNode,
    }
}

/// What "Remove node" does to `node` in lab `id`. In Raft the leader is asked to remove the
/// server from the configuration (the server keeps running until crashed); elsewhere the
/// node leaves the simulation.
pub fn remove_node_action(id: &str, node: u32) -> netsplit_core::Action {
    match id {
        "raft" => netsplit_core::Action::Lab {
            name: "remove_server".into(),
            args: serde_json::json!({ "node": node }),
        },
        _ => netsplit_core::Action::RemoveNode { node },
    }
}

/// The preset a lab opens with.
pub fn default_preset(id: &str) -> Option<&'static str> {
    match id {
        "raft" => Some("raft-steady-state"),
        "broadcast" => Some("broadcast-basic"),
        "loadbalancing" => Some("loadbalancing-playground"),
        "ratelimit" => Some("ratelimit-distributed-partition"),
        _ => None,
    }
}

/// A lab-specific button: its label (also its accessible name), the lab action it sends,
/// and its arguments; `"$node"` in the arguments stands for the selected node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabButton {
    /// What the button says.
    pub label: &'static str,
    /// The lab action's name.
    pub action: &'static str,
    /// The arguments as JSON text.
    pub args: &'static str,
    /// Whether it needs a selected node.
    pub needs_node: bool,
}

/// The lab-specific buttons of lab `id`.
pub fn lab_buttons(id: &str) -> &'static [LabButton] {
    match id {
        "raft" => &[
            LabButton {
                label: "Crash leader",
                action: "crash_leader",
                args: "null",
                needs_node: false,
            },
            LabButton {
                label: "Isolate leader",
                action: "isolate_leader",
                args: "null",
                needs_node: false,
            },
            LabButton {
                label: "Restart crashed",
                action: "restart_crashed",
                args: "null",
                needs_node: false,
            },
        ],
        "loadbalancing" => &[
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
        ],
        _ => &[],
    }
}

/// The policies the load balancing lab's policy menu offers, as (label, JSON value).
pub const BALANCING_POLICIES: &[(&str, &str)] = &[
    ("Round robin", "round_robin"),
    ("Weighted round robin", "weighted_round_robin"),
    ("Least connections", "least_connections"),
    ("Least response time", "least_response_time"),
    ("Consistent hash", "consistent_hash"),
    ("Power of two choices", "power_of_two_choices"),
    ("Random", "random"),
];

/// The lab gauges drawn over time in the figures panel: (gauge name, label). The load
/// balancing lab draws its own charts from its report instead
/// (`components::loadbalancing_figures`).
pub fn charted_gauges(id: &str) -> &'static [(&'static str, &'static str)] {
    match id {
        "raft" => &[("term", "term"), ("commit_index", "commit index")],
        _ => &[],
    }
}
