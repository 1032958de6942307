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
        "raft" => Some(serde_json::json!({ "op": "put", "key": "x", "value": "1" })),
        _ => None,
    }
}
