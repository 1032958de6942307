//! The data of a space-time (Lamport) diagram: one lane per node, time along the lanes,
//! each message an arrow from its send to its delivery or its drop.
//!
//! Lamport's "Time, Clocks, and the Ordering of Events in a Distributed System" (1978)
//! draws a run this way because the picture *is* the happens-before relation: an event
//! happened before another exactly when a path leads from the first to the second along
//! lanes (a node's own order) and arrows (a message's send before its receipt).
//!
//! Everything here is read from the simulator's trace, never from what a view drew. The
//! trace records deliveries and drops, each with the message's id and send time
//! ([`crate::trace::MessageLink`]), so a send is not an entry of its own: the query puts
//! one in at the message's send time, on the sender's lane, just after the last event the
//! sender handled at that instant (the handler that sent it). Messages still on their way
//! at the window's end come from the trace's later deliveries and drops and from the
//! simulator's queue.
//!
//! The trace keeps only its newest entries (`limits.trace_capacity`, 10,000 by default),
//! so a window that starts before the oldest kept entry says so
//! ([`SpacetimeWindow::before_retained`]) instead of drawing an empty past. A window is
//! bounded too: past `events_max` the messages are sampled evenly by id (a sampled
//! message keeps its send and its end) and the window says how many it left out.

use serde::Serialize;

use crate::event::{DropReason, NodeStatus, TraceEvent};
use crate::protocol::{MessageInfo, NodeId, Protocol, Time};
use crate::sim::Simulator;
use crate::trace::{Payload, TraceRecord};

/// The most messages still in flight a window lists.
pub const IN_FLIGHT_SHOWN_MAX: usize = 2_000;

/// What kind of mark an event is on its lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "reason")]
pub enum SpacetimeKind {
    /// A message left its sender (the arrow's tail).
    Send,
    /// A message arrived and was handled (the arrow's head).
    Deliver,
    /// A message was lost, and why (the arrow ends in a cross).
    Drop(DropReason),
    /// A timer fired.
    Timer,
    /// A disk write finished.
    Disk,
    /// The node crashed.
    Crash,
    /// The node restarted from its disk.
    Restart,
    /// The node was paused.
    Pause,
    /// The node resumed.
    Resume,
    /// The node joined the cluster (its lane begins).
    AddNode,
    /// The node was removed (its lane ends).
    RemoveNode,
    /// A client request reached the node.
    ClientRequest,
    /// The node answered a client request.
    ClientReply,
    /// A network fault changed (a link cut or healed, a partition).
    Network,
    /// A lab-specific action.
    Lab,
    /// An invariant was found violated.
    Violation,
}

impl SpacetimeKind {
    /// A short stable tag, for styling and filtering.
    pub fn tag(self) -> &'static str {
        match self {
            SpacetimeKind::Send => "send",
            SpacetimeKind::Deliver => "deliver",
            SpacetimeKind::Drop(_) => "drop",
            SpacetimeKind::Timer => "timer",
            SpacetimeKind::Disk => "disk",
            SpacetimeKind::Crash => "crash",
            SpacetimeKind::Restart => "restart",
            SpacetimeKind::Pause => "pause",
            SpacetimeKind::Resume => "resume",
            SpacetimeKind::AddNode => "add_node",
            SpacetimeKind::RemoveNode => "remove_node",
            SpacetimeKind::ClientRequest => "client_request",
            SpacetimeKind::ClientReply => "client_reply",
            SpacetimeKind::Network => "network",
            SpacetimeKind::Lab => "lab",
            SpacetimeKind::Violation => "violation",
        }
    }
}

/// One mark on one lane.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpacetimeEvent {
    /// The trace entry's run-wide position ([`crate::trace::TraceEntryView::seq`]), which the
    /// event log shares; `None` for a send, which is not a trace entry of its own.
    pub seq: Option<u64>,
    /// When (µs).
    pub time: Time,
    /// The lane it is on: the sender for a send, the receiver for a delivery or a drop.
    pub node: NodeId,
    /// What happened.
    pub kind: SpacetimeKind,
    /// For a message: the other end (the receiver of a send, the sender of a delivery).
    pub peer: Option<NodeId>,
    /// For a message: its run-unique id, the same on its send and on its delivery or drop.
    pub message: Option<u64>,
    /// For a delivery or a drop: when the message was sent.
    pub sent_at: Option<Time>,
    /// For a message: its kind (`"RequestVote"`); otherwise `""`.
    pub message_kind: &'static str,
    /// The node's new role, when handling this event changed it (`"leader"`).
    pub role: Option<&'static str>,
    /// One line in plain words (the event log's text; for a send, the message's summary).
    pub text: String,
}

/// A message sent at or before the window's end and not yet delivered or dropped then.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpacetimeMessage {
    /// Its run-unique id.
    pub id: u64,
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// When it was sent (µs).
    pub sent_at: Time,
    /// When it will arrive or be dropped (µs, after `to`), so a diagram can draw it along
    /// the slope it will have.
    pub due_at: Time,
    /// Its kind.
    pub kind: &'static str,
    /// A one-line summary.
    pub summary: String,
}

/// A stretch of one lane in one state: up, paused or crashed. A lane has no span before
/// its node joined or after it was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LaneSpan {
    /// The node.
    pub node: NodeId,
    /// Start (µs).
    pub from: Time,
    /// End (µs).
    pub to: Time,
    /// The node's state throughout.
    pub status: NodeStatus,
}

/// What a space-time diagram of the virtual times `from..=to` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpacetimeWindow {
    /// The window's start (µs).
    pub from: Time,
    /// The window's end (µs).
    pub to: Time,
    /// The marks, in the order they happened (sends just after the event that sent them).
    pub events: Vec<SpacetimeEvent>,
    /// How many marks the window holds in all, including any left out.
    pub events_total: usize,
    /// Keep one message in every `sample_every` (by id) when the window holds more marks
    /// than asked for; 1 when nothing was left out.
    pub sample_every: u64,
    /// Messages sent by `to` and still on their way at `to` (at most
    /// [`IN_FLIGHT_SHOWN_MAX`], sampled like the marks).
    pub in_flight: Vec<SpacetimeMessage>,
    /// How many messages were in flight at `to`.
    pub in_flight_total: usize,
    /// Each lane's stretches in the window (each node's in time order).
    pub lanes: Vec<LaneSpan>,
    /// How many lanes to draw: one more than the highest node with a stretch in the window
    /// (node ids `0..lane_count`, in the cluster's order).
    pub lane_count: u32,
    /// The time of the oldest trace entry kept (µs).
    pub retained_from: Time,
    /// Whether entries older than the window's start were forgotten and the window starts
    /// before `retained_from`: the part before it is unknown, not empty.
    pub before_retained: bool,
}

impl SpacetimeWindow {
    /// A window with nothing in it.
    pub fn empty(from: Time, to: Time) -> Self {
        Self {
            from,
            to,
            events: Vec::new(),
            events_total: 0,
            sample_every: 1,
            in_flight: Vec::new(),
            in_flight_total: 0,
            lanes: Vec::new(),
            lane_count: 0,
            retained_from: 0,
            before_retained: false,
        }
    }

    /// Whether marks or messages were left out.
    pub fn capped(&self) -> bool {
        self.sample_every > 1 || self.events.len() < self.events_total
    }
}

fn kind_of(event: &TraceEvent) -> (SpacetimeKind, NodeId, Option<NodeId>) {
    match event {
        TraceEvent::Deliver { from, to, .. } => (SpacetimeKind::Deliver, *to, Some(*from)),
        TraceEvent::Drop {
            from, to, reason, ..
        } => (SpacetimeKind::Drop(*reason), *to, Some(*from)),
        TraceEvent::TimerFired { node } => (SpacetimeKind::Timer, *node, None),
        TraceEvent::DiskWriteDone { node } => (SpacetimeKind::Disk, *node, None),
        TraceEvent::Crash { node } => (SpacetimeKind::Crash, *node, None),
        TraceEvent::Restart { node } => (SpacetimeKind::Restart, *node, None),
        TraceEvent::Pause { node } => (SpacetimeKind::Pause, *node, None),
        TraceEvent::Resume { node } => (SpacetimeKind::Resume, *node, None),
        TraceEvent::AddNode { node } => (SpacetimeKind::AddNode, *node, None),
        TraceEvent::RemoveNode { node } => (SpacetimeKind::RemoveNode, *node, None),
        TraceEvent::ClientRequest { node, .. } => (SpacetimeKind::ClientRequest, *node, None),
        TraceEvent::ClientReply { node, .. } => (SpacetimeKind::ClientReply, *node, None),
        TraceEvent::Isolate { node } => (SpacetimeKind::Network, *node, None),
        TraceEvent::CutLink { from, to }
        | TraceEvent::HealLink { from, to }
        | TraceEvent::SetLink { from, to } => (SpacetimeKind::Network, *from, Some(*to)),
        TraceEvent::Partition { groups } => (
            SpacetimeKind::Network,
            groups.iter().flatten().copied().min().unwrap_or(0),
            None,
        ),
        TraceEvent::HealAll => (SpacetimeKind::Network, 0, None),
        TraceEvent::Lab { .. } => (SpacetimeKind::Lab, 0, None),
        TraceEvent::Violation { nodes, .. } => (
            SpacetimeKind::Violation,
            nodes.first().copied().unwrap_or(0),
            None,
        ),
        // A missed liveness expectation is a warning, not a violation: drawn with the
        // lab's own marks rather than as a violation.
        TraceEvent::Warning { nodes, .. } => (
            SpacetimeKind::Lab,
            nodes.first().copied().unwrap_or(0),
            None,
        ),
    }
}

/// The node whose handler ran for this entry, if one did: the sends at that instant on
/// that node's lane go just after it.
fn handler_node(event: &TraceEvent) -> Option<NodeId> {
    match event {
        TraceEvent::Deliver { to, .. } => Some(*to),
        TraceEvent::TimerFired { node }
        | TraceEvent::DiskWriteDone { node }
        | TraceEvent::Restart { node }
        | TraceEvent::AddNode { node }
        | TraceEvent::ClientRequest { node, .. } => Some(*node),
        _ => None,
    }
}

/// The message summary a delivery's payload gives, or its kind.
fn message_summary<P: Protocol>(record: &TraceRecord<P>, kind: &'static str) -> String {
    match &record.payload {
        Payload::Message(message) => {
            let summary = message.summary();
            if summary.is_empty() {
                kind.to_string()
            } else {
                format!("{kind} ({summary})")
            }
        }
        _ => kind.to_string(),
    }
}

/// Undoes one lifecycle entry: the node's state just before it.
fn status_before(event: &TraceEvent, after: Option<NodeStatus>) -> Option<NodeStatus> {
    match event {
        TraceEvent::Crash { .. } | TraceEvent::Pause { .. } => Some(NodeStatus::Up),
        TraceEvent::Restart { .. } => Some(NodeStatus::Crashed),
        TraceEvent::Resume { .. } => Some(NodeStatus::Paused),
        TraceEvent::AddNode { .. } => None,
        // A removed node may have been crashed or up; the trace does not say, and its
        // lane is drawn up until it ends.
        TraceEvent::RemoveNode { .. } => Some(NodeStatus::Up),
        _ => after,
    }
}

fn lifecycle_node(event: &TraceEvent) -> Option<NodeId> {
    match event {
        TraceEvent::Crash { node }
        | TraceEvent::Pause { node }
        | TraceEvent::Restart { node }
        | TraceEvent::Resume { node }
        | TraceEvent::AddNode { node }
        | TraceEvent::RemoveNode { node } => Some(*node),
        _ => None,
    }
}

/// Builds the window `from..=to` of `sim`'s run (see the module docs).
pub fn query<P: Protocol + 'static>(
    sim: &Simulator<P>,
    from: Time,
    to: Time,
    events_max: usize,
) -> SpacetimeWindow {
    let to = to.max(from);
    let trace = sim.trace();
    let first_seq = trace.first_retained_seq();
    let retained_from = trace.iter().next().map_or(0, |record| record.time);
    let mut window = SpacetimeWindow::empty(from, to);
    window.retained_from = retained_from;
    window.before_retained = first_seq > 0 && from < retained_from;

    // Each node's state at `from`: today's, with every later lifecycle entry undone.
    let mut status: Vec<Option<NodeStatus>> = sim
        .node_views()
        .iter()
        .map(|node| Some(node.status))
        .collect();
    for record in trace.iter().rev() {
        if record.time < from {
            break;
        }
        if let Some(node) = lifecycle_node(&record.event)
            && let Some(slot) = status.get_mut(node as usize)
        {
            *slot = status_before(&record.event, *slot);
        }
    }

    // First pass over the window: count the marks (a message with a delivery or drop in
    // the window, or still in flight at `to`, has a send mark if it was sent in it) to pick
    // the sampling stride, and remember where each handler ran.
    let mut message_marks = 0usize;
    let mut other_marks = 0usize;
    // (node, time, entry) for every handler run in the window, in trace order (a sorted
    // vector costs the browser bundle far less code than a hash map).
    let mut anchors: Vec<(NodeId, Time, u64)> = Vec::new();
    for (record, seq) in trace.iter().zip(first_seq..) {
        if record.time < from {
            continue;
        }
        if record.time > to {
            if let Some(link) = record.message
                && link.sent_at >= from
                && link.sent_at <= to
            {
                message_marks += 1;
            }
            continue;
        }
        match record.message {
            Some(link) => message_marks += if link.sent_at >= from { 2 } else { 1 },
            None => other_marks += 1,
        }
        if let Some(node) = handler_node(&record.event) {
            anchors.push((node, record.time, seq));
        }
    }
    let queued = sim.in_flight_sample(1, usize::MAX, false);
    let queued_sent_by_to = queued.iter().filter(|message| message.sent_at <= to);
    message_marks += queued_sent_by_to
        .clone()
        .filter(|message| message.sent_at >= from)
        .count();
    let total = message_marks + other_marks;
    window.events_total = total;
    // Over the cap, messages get at least half the room (a load balancer's timers would
    // otherwise crowd every arrow out), and each kind of mark is sampled evenly: messages by
    // id, so a message keeps its send and its end, the other marks by trace position.
    let room_for_messages = events_max
        .saturating_sub(other_marks)
        .max(events_max / 2)
        .max(1);
    let room_for_others = events_max.saturating_sub(room_for_messages).max(1);
    let (sample_every, others_every) = if total <= events_max {
        (1, 1)
    } else {
        (
            message_marks.div_ceil(room_for_messages).max(1) as u64,
            other_marks.div_ceil(room_for_others).max(1) as u64,
        )
    };
    window.sample_every = sample_every;
    let kept = |id: u64| id.is_multiple_of(sample_every);

    // Second pass: the marks, with their order key (the entry's position, a send just after
    // the handler that sent it), and the lanes.
    let mut keyed: Vec<(Time, u64, SpacetimeEvent)> = Vec::new();
    let lane_count = status.len() as u32;
    let mut lane_start: Vec<Time> = vec![from; status.len()];
    // The last handler that ran on `node` at `time` before entry `before`: the send goes just
    // after it (or first at that instant when none did). The anchors are in trace order, so in
    // time order: a binary search finds the instant, and only its few entries are scanned.
    let send_key = |node: NodeId, time: Time, before: u64| {
        let start = anchors.partition_point(|anchor| anchor.1 < time);
        anchors[start..]
            .iter()
            .take_while(|anchor| anchor.1 == time && anchor.2 < before)
            .filter(|anchor| anchor.0 == node)
            .last()
            .map_or(0, |anchor| anchor.2 * 2 + 3)
    };
    let mut in_flight = Vec::new();
    let mut in_flight_total = 0usize;
    for (record, seq) in trace.iter().zip(first_seq..) {
        if record.time < from {
            continue;
        }
        if record.time > to {
            // Delivered or dropped after the window: in flight at its end.
            if let Some(link) = record.message
                && link.sent_at <= to
            {
                in_flight_total += 1;
                if !kept(link.id) {
                    continue;
                }
                let (_, receiver, sender) = kind_of(&record.event);
                let sender = sender.unwrap_or(receiver);
                let kind = record.event_kind();
                let summary = message_summary(record, kind);
                if link.sent_at >= from {
                    keyed.push((
                        link.sent_at,
                        send_key(sender, link.sent_at, seq),
                        send_event(sender, receiver, link.id, link.sent_at, kind, &summary),
                    ));
                }
                if in_flight.len() < IN_FLIGHT_SHOWN_MAX {
                    in_flight.push(SpacetimeMessage {
                        id: link.id,
                        from: sender,
                        to: receiver,
                        sent_at: link.sent_at,
                        due_at: record.time,
                        kind,
                        summary,
                    });
                }
            }
            continue;
        }
        let (kind, node, peer) = kind_of(&record.event);
        if let Some(changed) = lifecycle_node(&record.event)
            && let Some(slot) = status.get_mut(changed as usize)
        {
            let before = *slot;
            if let Some(state) = before
                && state != NodeStatus::Removed
                && record.time > lane_start[changed as usize]
            {
                window.lanes.push(LaneSpan {
                    node: changed,
                    from: lane_start[changed as usize],
                    to: record.time,
                    status: state,
                });
            }
            *slot = Some(match &record.event {
                TraceEvent::Crash { .. } => NodeStatus::Crashed,
                TraceEvent::Pause { .. } => NodeStatus::Paused,
                TraceEvent::RemoveNode { .. } => NodeStatus::Removed,
                _ => NodeStatus::Up,
            });
            lane_start[changed as usize] = record.time;
        }
        let message_kind = record.event_kind();
        if let Some(link) = record.message {
            if !kept(link.id) {
                continue;
            }
            if link.sent_at >= from {
                let sender = peer.unwrap_or(node);
                let summary = message_summary(record, message_kind);
                keyed.push((
                    link.sent_at,
                    send_key(sender, link.sent_at, seq),
                    send_event(sender, node, link.id, link.sent_at, message_kind, &summary),
                ));
            }
        }
        // Crashes, restarts and roles taken are never sampled out.
        if record.message.is_none()
            && record.role.is_none()
            && lifecycle_node(&record.event).is_none()
            && !seq.is_multiple_of(others_every)
        {
            continue;
        }
        keyed.push((
            record.time,
            seq * 2 + 2,
            SpacetimeEvent {
                seq: Some(seq),
                time: record.time,
                node,
                kind,
                peer,
                message: record.message.map(|link| link.id),
                sent_at: record.message.map(|link| link.sent_at),
                message_kind,
                role: record.role,
                text: record.text(),
            },
        ));
    }
    for message in queued_sent_by_to {
        in_flight_total += 1;
        if !kept(message.id) {
            continue;
        }
        let summary = message.kind.to_string();
        if message.sent_at >= from {
            keyed.push((
                message.sent_at,
                send_key(message.from, message.sent_at, u64::MAX),
                send_event(
                    message.from,
                    message.to,
                    message.id,
                    message.sent_at,
                    message.kind,
                    &summary,
                ),
            ));
        }
        if in_flight.len() < IN_FLIGHT_SHOWN_MAX {
            in_flight.push(SpacetimeMessage {
                id: message.id,
                from: message.from,
                to: message.to,
                sent_at: message.sent_at,
                due_at: message.deliver_at,
                kind: message.kind,
                summary,
            });
        }
    }
    for (node, state) in status.iter().enumerate() {
        if let Some(state) = state
            && *state != NodeStatus::Removed
            && to > lane_start[node]
        {
            window.lanes.push(LaneSpan {
                node: node as NodeId,
                from: lane_start[node],
                to,
                status: *state,
            });
        }
    }
    // In (time, key) order without a sort routine (several kilobytes of the browser bundle):
    // trace entries come in order and go at the end, and only the sends, a few hundred at
    // most, are put in among small keys. Sends of one handler share a key and go in the
    // order they were sent, which is their message ids' order.
    let mut order: Vec<(Time, u64, u64, usize)> = Vec::with_capacity(keyed.len());
    for (index, (time, key, event)) in keyed.iter().enumerate() {
        let item = (*time, *key, event.message.unwrap_or(0), index);
        let at = order.partition_point(|other| *other < item);
        order.insert(at, item);
    }
    let mut slots: Vec<Option<SpacetimeEvent>> =
        keyed.into_iter().map(|(_, _, event)| Some(event)).collect();
    // Past the cap after sampling (many marks that are not messages), the newest are kept.
    let skip = order.len().saturating_sub(events_max);
    window.events = order
        .iter()
        .skip(skip)
        .filter_map(|(_, _, _, index)| slots[*index].take())
        .collect();
    window.in_flight = in_flight;
    window.in_flight_total = in_flight_total;
    window.lane_count = window
        .lanes
        .iter()
        .map(|span| span.node + 1)
        .max()
        .unwrap_or(0)
        .max(lane_count.min(1));
    window
}

fn send_event(
    from: NodeId,
    to: NodeId,
    id: u64,
    time: Time,
    kind: &'static str,
    summary: &str,
) -> SpacetimeEvent {
    SpacetimeEvent {
        seq: None,
        time,
        node: from,
        kind: SpacetimeKind::Send,
        peer: Some(to),
        message: Some(id),
        sent_at: None,
        message_kind: kind,
        role: None,
        text: format!("node {from} sent {summary} to node {to}"),
    }
}

impl<P: Protocol> TraceRecord<P> {
    /// The message kind of a delivery or drop, else `""`.
    pub fn event_kind(&self) -> &'static str {
        match &self.event {
            TraceEvent::Deliver { kind, .. } | TraceEvent::Drop { kind, .. } => kind,
            _ => "",
        }
    }
}

/// Where an event stands relative to the selected one (Lamport's happens-before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Causal {
    /// The selected event itself.
    Selected,
    /// It happened before the selected event: a path of lane steps and messages leads from
    /// it to the selected one.
    Past,
    /// It happened after: a path leads from the selected event to it.
    Future,
    /// Neither: concurrent with the selected event (as far as this window shows).
    Concurrent,
}

/// The selected event's causal past and future among `events` (a window's marks, in order):
/// the events reachable backwards or forwards along lanes (a node's own order) and messages
/// (a send before its delivery). A drop is not an event at the receiver, so it is on no
/// lane. `None` when the selected event is not in the window.
pub fn causality(events: &[SpacetimeEvent], selected: Option<u64>) -> Option<Vec<Causal>> {
    let start = events
        .iter()
        .position(|event| selected.is_some() && event.seq == selected)?;
    let count = events.len();
    let mut previous = vec![None; count];
    let mut next = vec![None; count];
    let mut last_on_lane: Vec<Option<usize>> = Vec::new();
    let mut partner = vec![None; count];
    let sends = sends_by_message(events);
    for (index, event) in events.iter().enumerate() {
        if matches!(event.kind, SpacetimeKind::Drop(_)) {
            continue;
        }
        let lane = event.node as usize;
        if last_on_lane.len() <= lane {
            last_on_lane.resize(lane + 1, None);
        }
        if let Some(before) = last_on_lane[lane].replace(index) {
            previous[index] = Some(before);
            next[before] = Some(index);
        }
        if event.kind == SpacetimeKind::Deliver
            && let Some(send) = event.message.and_then(|id| send_of(&sends, id))
        {
            partner[index] = Some(send);
            partner[send] = Some(index);
        }
    }
    let mut marks = vec![Causal::Concurrent; count];
    marks[start] = Causal::Selected;
    for (lane, mark) in [(&previous, Causal::Past), (&next, Causal::Future)] {
        let mut stack = vec![start];
        while let Some(at) = stack.pop() {
            // Backwards a delivery leads to its send; forwards a send leads to its delivery.
            let across = partner[at].filter(|other| (*other < at) == (mark == Causal::Past));
            for step in [lane[at], across].into_iter().flatten() {
                if marks[step] == Causal::Concurrent {
                    marks[step] = mark;
                    stack.push(step);
                }
            }
        }
    }
    Some(marks)
}

/// (message id, index of its send) for every send among `events`, in event order. Searched
/// linearly: a window holds a few hundred marks, and a sort would add several kilobytes of
/// code to the browser bundle.
fn sends_by_message(events: &[SpacetimeEvent]) -> Vec<(u64, usize)> {
    events
        .iter()
        .enumerate()
        .filter(|(_, event)| event.kind == SpacetimeKind::Send)
        .filter_map(|(index, event)| Some((event.message?, index)))
        .collect()
}

fn send_of(sends: &[(u64, usize)], id: u64) -> Option<usize> {
    sends
        .iter()
        .find(|(message, _)| *message == id)
        .map(|(_, index)| *index)
}

/// How [`to_svg`] draws a window.
#[derive(Debug, Clone, Default)]
pub struct SvgOptions<'a> {
    /// The drawing's width in SVG units.
    pub width: f64,
    /// The selected event ([`SpacetimeEvent::seq`]): drawn marked, its causal past and future
    /// highlighted, the rest faded.
    pub selected: Option<u64>,
    /// Only messages of this kind (and no other marks); `""` for everything.
    pub kind: &'a str,
    /// Only events at this node or messages to or from it.
    pub node: Option<NodeId>,
    /// The label of each lane, by node (`"n2 leader"`); missing ones read `n<id>`.
    pub labels: &'a [String],
    /// The most lanes drawn (a larger cluster draws its first lanes).
    pub lanes_max: u32,
    /// The most messages in flight drawn.
    pub in_flight_max: usize,
    /// A file of its own: the namespace, a title, a background and the colours written in
    /// (the page styles the classes itself, in its light or dark theme).
    pub standalone: bool,
    /// Drawn while the run plays, so redrawn every frame: no tooltips and no widened click
    /// areas, which a moving drawing cannot use and which double the elements the browser
    /// restyles each frame (a 5-node Raft at real time, `node e2e/bench/frames.mjs 100x`:
    /// style 6.3 ms a frame with them, 5.0 ms without; the median frame stays about 9.5 ms,
    /// most of it the run's own work and the query).
    pub moving: bool,
    /// Which of eight colours (CSS classes `k0` to `k7`) a message kind's arrows wear, so the
    /// diagram's colours match the page's other pictures of messages; `None` draws every
    /// arrow in the accent colour.
    pub colour: Option<fn(&str) -> usize>,
}

/// The eight message colours of the page's light theme, for a standalone drawing.
const KIND_COLOURS: [&str; 8] = [
    "#2458c6", "#c77700", "#1f7a3a", "#b3261e", "#7a3fbf", "#00838f", "#ad1457", "#5d4037",
];

/// Room for the lane labels on the left, in SVG units.
const LABEL_WIDTH: f64 = 86.0;
/// Room for the time axis under the lanes.
const AXIS_HEIGHT: f64 = 22.0;

/// The colours a standalone drawing carries (the page's light theme).
const STANDALONE_STYLE: &str = "text{font:11px sans-serif}.st-lane{stroke:#666}.st-crashed,.st-drop,.st-cross{stroke:#b3261e;stroke-dasharray:4 3;fill:none}.st-hit{stroke:none;fill:none}.st-msg,.st-flight{stroke:#2458c6}.st-head,.st-send{fill:#2458c6}.st-flight{stroke-dasharray:3 3}.st-mark{fill:#fff;stroke:#000}.st-note{fill:#c77700}.st-tick line{stroke:#eee}.st-now{stroke:#f90}.st-other{opacity:.3}.st-past .st-msg,.selected .st-msg{stroke-width:3}";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// About six round times between `from` and `to` (1, 2 or 5 times a power of ten, in ms).
fn ticks(from: Time, to: Time) -> Vec<Time> {
    let span = to.saturating_sub(from).max(1);
    let mut step: Time = 1_000;
    'search: for scale in [1, 10, 100, 1_000, 10_000, 100_000] {
        for base in [1_000, 2_000, 5_000] {
            step = base * scale;
            if span / step <= 6 {
                break 'search;
            }
        }
    }
    let first = from.div_ceil(step) * step;
    (0..8)
        .map(|index| first + index * step)
        .take_while(|time| *time <= to)
        .collect()
}

/// The window drawn as SVG: one lane per node (crashed stretches dashed, paused dotted, no
/// line before a node joined or after it left), an arrow from each send to its delivery, a
/// cross where a message was dropped, messages in flight dashed to the window's end along the
/// slope they will have, a shape and often a word for the other events (timers, client
/// requests and replies, crashes, roles taken), each with a `<title>`, so nothing is told by
/// colour alone. Every selectable mark carries `data-seq`, its trace entry's position; the
/// selected one has `aria-current`. The playground shows this drawing, and saves it as a file
/// with `standalone`.
pub fn to_svg(window: &SpacetimeWindow, options: &SvgOptions<'_>) -> String {
    use std::fmt::Write;
    let width = options.width.max(200.0);
    let lanes = window
        .lane_count
        .max(options.labels.len() as u32)
        .clamp(1, options.lanes_max.max(1));
    // Tall lanes for a few nodes (five get 40 units each), thinner ones for many.
    let lane_height = (200.0 / f64::from(lanes)).clamp(9.0, 40.0);
    let height = f64::from(lanes) * lane_height + AXIS_HEIGHT + 6.0;
    let span = window.to.saturating_sub(window.from).max(1) as f64;
    let x = |time: Time| {
        LABEL_WIDTH
            + (time.saturating_sub(window.from) as f64 / span).min(1.0)
                * (width - LABEL_WIDTH - 10.0)
    };
    let y = |node: NodeId| 4.0 + (f64::from(node) + 0.5) * lane_height;
    let shown = |node: NodeId| node < lanes;
    let axis = height - AXIS_HEIGHT;
    let mut out = String::with_capacity(200 * window.events.len() + 2_000);
    // A tooltip, unless the drawing is moving.
    let title = |text: &str| {
        if options.moving {
            String::new()
        } else {
            format!("<title>{}</title>", escape(text))
        }
    };
    let _ = write!(
        out,
        "<svg class=\"spacetime-view\" viewBox=\"0 0 {width:.0} {height:.0}\""
    );
    if options.standalone {
        let _ = write!(
            out,
            " xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\"><title>Space-time diagram, {} to {} ms</title><style>{STANDALONE_STYLE}",
            window.from / 1_000,
            window.to / 1_000
        );
        for (index, colour) in KIND_COLOURS.iter().enumerate() {
            let _ = write!(out, ".k{index}{{stroke:{colour};fill:{colour}}}");
        }
        out.push_str("</style><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");
    } else {
        out.push_str(" aria-hidden=\"true\">");
    }
    // An arrowhead per colour (a marker does not take its line's colour): `st-a0` to `st-a7`
    // for the kinds' colours, `st-a8` in the accent colour.
    out.push_str("<defs>");
    for index in 0..9 {
        let _ = write!(
            out,
            "<marker id=\"st-a{index}\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerUnits=\"userSpaceOnUse\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L8,4L0,8z\" class=\"st-head k{index}\"/></marker>"
        );
    }
    out.push_str("</defs>");
    let colour_of = |kind: &str| options.colour.map_or(8, |colour| colour(kind) % 8);
    for time in ticks(window.from, window.to) {
        let label = if time.is_multiple_of(1_000_000) {
            format!("{} s", time / 1_000_000)
        } else {
            format!("{} ms", time / 1_000)
        };
        let tx = x(time);
        let _ = write!(
            out,
            "<g class=\"st-tick\"><line x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"0\" y2=\"{axis:.1}\"/><text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text></g>",
            height - 6.0
        );
    }
    for node in 0..lanes {
        let label = options.labels.get(node as usize);
        let (name, detail) = match label.and_then(|label| label.split_once(' ')) {
            Some((name, detail)) if lane_height >= 18.0 => (name.to_string(), detail),
            _ => (format!("n{node}"), ""),
        };
        let _ = write!(
            out,
            "<text x=\"4\" y=\"{:.1}\" class=\"st-label\">{}<tspan class=\"st-role\"> {}</tspan></text>",
            y(node) + 4.0,
            escape(&name),
            escape(detail)
        );
    }
    for lane in window.lanes.iter().filter(|lane| shown(lane.node)) {
        let class = match lane.status {
            NodeStatus::Up => "st-up",
            NodeStatus::Paused => "st-paused",
            NodeStatus::Crashed | NodeStatus::Removed => "st-crashed",
        };
        let lane_y = y(lane.node);
        let _ = write!(
            out,
            "<line class=\"st-lane {class}\" x1=\"{:.1}\" y1=\"{lane_y:.1}\" x2=\"{:.1}\" y2=\"{lane_y:.1}\"/>",
            x(lane.from),
            x(lane.to)
        );
    }
    let kind_ok = |kind: &str| options.kind.is_empty() || options.kind == kind;
    let node_ok = |from: NodeId, to: Option<NodeId>| {
        options
            .node
            .is_none_or(|node| from == node || to == Some(node))
    };
    for message in window
        .in_flight
        .iter()
        .filter(|message| shown(message.from) && shown(message.to) && kind_ok(message.kind))
        .filter(|message| node_ok(message.from, Some(message.to)))
        .take(options.in_flight_max)
    {
        let (sx, sy) = (x(message.sent_at.max(window.from)), y(message.from));
        let progress = (window.to.saturating_sub(message.sent_at) as f64
            / message.due_at.saturating_sub(message.sent_at).max(1) as f64)
            .min(1.0);
        let _ = write!(
            out,
            "<line class=\"st-flight k{}\" x1=\"{sx:.1}\" y1=\"{sy:.1}\" x2=\"{:.1}\" y2=\"{:.1}\">{}</line>",
            colour_of(message.kind),
            x(window.to),
            sy + (y(message.to) - sy) * progress,
            title(&format!(
                "{} in flight from node {} to node {}",
                message.summary, message.from, message.to
            )),
        );
    }
    let causal = causality(&window.events, options.selected);
    let class_of = |index: usize| match causal.as_ref().map(|marks| marks[index]) {
        None => "",
        Some(Causal::Selected) => " selected",
        Some(Causal::Past) => " st-past",
        Some(Causal::Future) => " st-future",
        Some(Causal::Concurrent) => " st-other",
    };
    let sends = sends_by_message(&window.events);
    for (index, event) in window.events.iter().enumerate() {
        if !shown(event.node) || !node_ok(event.node, event.peer) || !kind_ok(event.message_kind) {
            continue;
        }
        let (ex, ey) = (x(event.time), y(event.node));
        let title = title(&event.text);
        let tag = event.kind.tag();
        let mut class = class_of(index);
        let seq = event.seq.unwrap_or(u64::MAX);
        let current = if class == " selected" {
            " aria-current=\"true\""
        } else {
            ""
        };
        match event.kind {
            SpacetimeKind::Send => {
                let _ = write!(
                    out,
                    "<circle class=\"st-send{class}\" cx=\"{ex:.1}\" cy=\"{ey:.1}\" r=\"2\">{title}</circle>"
                );
            }
            SpacetimeKind::Deliver | SpacetimeKind::Drop(_) => {
                let (Some(from), Some(sent_at)) = (event.peer, event.sent_at) else {
                    continue;
                };
                if !shown(from) {
                    continue;
                }
                // A message sent after the selected event is in its future with its send.
                if class == " st-other"
                    && let Some(send) = event.message.and_then(|id| send_of(&sends, id))
                {
                    class = class_of(send);
                }
                let (sx, sy) = (x(sent_at.max(window.from)), y(from));
                let dropped = matches!(event.kind, SpacetimeKind::Drop(_));
                // A message dropped as it was sent goes a little way before its cross.
                let (tx, ty) = if dropped && event.time == sent_at {
                    (sx + 12.0, sy + (ey - sy) / 3.0)
                } else {
                    (ex, ey)
                };
                let _ = write!(
                    out,
                    "<g class=\"st-item st-{tag}{class}\" data-seq=\"{seq}\"{current}>{title}"
                );
                if !options.moving {
                    let _ = write!(
                        out,
                        "<line class=\"st-hit\" x1=\"{sx:.1}\" y1=\"{sy:.1}\" x2=\"{tx:.1}\" y2=\"{ty:.1}\"/>"
                    );
                }
                if dropped {
                    let _ = write!(
                        out,
                        "<line class=\"st-drop\" x1=\"{sx:.1}\" y1=\"{sy:.1}\" x2=\"{tx:.1}\" y2=\"{ty:.1}\"/><path class=\"st-cross\" d=\"M{:.1},{:.1}l8,8m0,-8l-8,8\"/></g>",
                        tx - 4.0,
                        ty - 4.0
                    );
                } else {
                    let _ = write!(
                        out,
                        "<line class=\"st-msg k{colour}\" marker-end=\"url(#st-a{colour})\" x1=\"{sx:.1}\" y1=\"{sy:.1}\" x2=\"{tx:.1}\" y2=\"{ty:.1}\"/>",
                        colour = colour_of(event.message_kind)
                    );
                    if let Some(role) = event.role {
                        let _ = write!(
                            out,
                            "<text class=\"st-note\" x=\"{:.1}\" y=\"{:.1}\">{role}</text>",
                            ex + 6.0,
                            ey - 6.0
                        );
                    }
                    out.push_str("</g>");
                }
            }
            other => {
                let _ = write!(
                    out,
                    "<g class=\"st-item st-{tag}{class}\" data-seq=\"{seq}\"{current}>{title}"
                );
                if !options.moving {
                    let _ = write!(
                        out,
                        "<circle class=\"st-hit\" cx=\"{ex:.1}\" cy=\"{ey:.1}\" r=\"7\"/>"
                    );
                }
                let _ = match other {
                    SpacetimeKind::Timer => write!(
                        out,
                        "<circle class=\"st-mark st-timer\" cx=\"{ex:.1}\" cy=\"{ey:.1}\" r=\"4\"/>"
                    ),
                    SpacetimeKind::ClientRequest => write!(
                        out,
                        "<rect class=\"st-mark st-client\" x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\"/>",
                        ex - 4.0,
                        ey - 4.0
                    ),
                    SpacetimeKind::ClientReply => write!(
                        out,
                        "<path class=\"st-mark st-client\" d=\"M{ex:.1},{:.1}l5,5l-5,5l-5,-5z\"/>",
                        ey - 5.0
                    ),
                    SpacetimeKind::Crash | SpacetimeKind::Violation => write!(
                        out,
                        "<path class=\"st-cross st-big\" d=\"M{:.1},{:.1}l10,10m0,-10l-10,10\"/>",
                        ex - 5.0,
                        ey - 5.0
                    ),
                    _ => write!(
                        out,
                        "<rect class=\"st-mark st-tick-mark\" x=\"{:.1}\" y=\"{:.1}\" width=\"3\" height=\"14\"/>",
                        ex - 1.5,
                        ey - 7.0
                    ),
                };
                // Words, not only shapes: the role a node took, and lifecycle changes.
                let label = match (event.role, other) {
                    (Some(role), _) => role,
                    (None, SpacetimeKind::Crash) => "crash",
                    (None, SpacetimeKind::Restart) => "restart",
                    (None, SpacetimeKind::AddNode) => "joined",
                    (None, SpacetimeKind::RemoveNode) => "removed",
                    (None, SpacetimeKind::Violation) => "violation",
                    _ => "",
                };
                if !label.is_empty() {
                    let _ = write!(
                        out,
                        "<text class=\"st-note\" x=\"{:.1}\" y=\"{:.1}\">{label}</text>",
                        ex + 6.0,
                        ey - 6.0
                    );
                }
                out.push_str("</g>");
            }
        }
    }
    let now = x(window.to);
    let _ = write!(
        out,
        "<line class=\"st-now\" x1=\"{now:.1}\" x2=\"{now:.1}\" y1=\"0\" y2=\"{axis:.1}\"/></svg>"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::LabRun;
    use std::collections::HashMap;

    fn run_of(lab: &crate::lab::Lab, preset: &str, until: Time) -> Box<dyn LabRun> {
        let text = lab.preset(preset).expect("the preset exists");
        let mut run = crate::catalogue::build_from_json(text).expect("the preset is valid");
        run.run_until(until);
        run
    }

    fn broadcast_under_faults(until: Time) -> Box<dyn LabRun> {
        run_of(&crate::labs::broadcast::lab::LAB, "broadcast-faults", until)
    }

    fn raft_leader_crash(until: Time) -> Box<dyn LabRun> {
        run_of(&crate::labs::raft::lab::LAB, "raft-leader-crash", until)
    }

    fn sends(window: &SpacetimeWindow) -> HashMap<u64, (usize, &SpacetimeEvent)> {
        window
            .events
            .iter()
            .enumerate()
            .filter(|(_, event)| event.kind == SpacetimeKind::Send)
            .map(|(index, event)| {
                (
                    event.message.expect("a send names its message"),
                    (index, event),
                )
            })
            .collect()
    }

    #[test]
    fn every_delivered_message_arrow_starts_at_its_send() {
        let run = broadcast_under_faults(1_000_000);
        let window = run.spacetime(100_000, 1_000_000, 100_000);
        assert!(!window.capped());
        let sends = sends(&window);
        let mut delivered = 0;
        for (index, event) in window.events.iter().enumerate() {
            if event.kind != SpacetimeKind::Deliver || event.sent_at < Some(window.from) {
                continue;
            }
            delivered += 1;
            let (send_index, send) = sends[&event.message.expect("a delivery names its message")];
            assert_eq!(Some(send.time), event.sent_at);
            assert_eq!(Some(send.node), event.peer);
            assert_eq!(send.peer, Some(event.node));
            assert!(send_index < index, "the send comes before its delivery");
        }
        assert!(delivered > 100, "only {delivered} deliveries");
    }

    #[test]
    fn a_dropped_message_ends_at_its_drop_on_the_intended_receivers_lane() {
        let run = broadcast_under_faults(2_000_000);
        let window = run.spacetime(0, 2_000_000, 100_000);
        let sends = sends(&window);
        let drops: Vec<&SpacetimeEvent> = window
            .events
            .iter()
            .filter(|event| matches!(event.kind, SpacetimeKind::Drop(_)))
            .collect();
        assert!(!drops.is_empty(), "the faults preset drops messages");
        for drop in drops {
            let (_, send) = sends[&drop.message.expect("a drop names its message")];
            assert_eq!(Some(send.time), drop.sent_at);
            assert!(drop.time >= send.time);
            assert_eq!(send.peer, Some(drop.node));
            assert!(drop.text.contains("dropped"), "{}", drop.text);
        }
    }

    #[test]
    fn the_cap_holds_samples_whole_messages_and_says_so() {
        let run = broadcast_under_faults(1_000_000);
        let window = run.spacetime(0, 1_000_000, 200);
        assert!(window.events.len() <= 200);
        assert!(window.capped());
        assert!(window.events_total > 200);
        assert!(window.sample_every > 1);
        let sends = sends(&window);
        for event in &window.events {
            if event.kind == SpacetimeKind::Deliver {
                let id = event.message.expect("named");
                assert_eq!(id % window.sample_every, 0);
                assert!(sends.contains_key(&id), "a sampled delivery keeps its send");
            }
        }
    }

    #[test]
    fn a_busy_load_balancer_still_shows_arrows_when_its_timers_fill_the_cap() {
        let run = run_of(
            &crate::labs::loadbalancing::lab::LAB,
            "loadbalancing-playground",
            1_000_000,
        );
        let window = run.spacetime(500_000, 1_000_000, 600);
        assert!(window.capped());
        assert!(window.events.len() <= 600);
        let arrows = window
            .events
            .iter()
            .filter(|event| event.kind == SpacetimeKind::Deliver)
            .count();
        assert!(arrows >= 50, "only {arrows} deliveries drawn");
    }

    #[test]
    fn messages_in_flight_at_the_end_of_a_past_window_were_sent_before_it_and_arrive_after() {
        let run = broadcast_under_faults(1_000_000);
        let window = run.spacetime(400_000, 500_000, 100_000);
        assert!(window.in_flight_total > 0);
        for message in &window.in_flight {
            assert!(message.sent_at <= 500_000);
            assert!(message.due_at > 500_000);
        }
        let ended: Vec<u64> = window
            .events
            .iter()
            .filter_map(|event| match event.kind {
                SpacetimeKind::Deliver | SpacetimeKind::Drop(_) => event.message,
                _ => None,
            })
            .collect();
        assert!(
            window
                .in_flight
                .iter()
                .all(|message| !ended.contains(&message.id))
        );
    }

    #[test]
    fn a_crashed_leader_leaves_a_gap_in_its_lane_until_it_restarts() {
        let run = raft_leader_crash(4_000_000);
        let window = run.spacetime(1_000_000, 4_000_000, 100_000);
        let crashed: Vec<&LaneSpan> = window
            .lanes
            .iter()
            .filter(|span| span.status == NodeStatus::Crashed)
            .collect();
        assert_eq!(crashed.len(), 1, "{:?}", window.lanes);
        assert_eq!(crashed[0].from, 1_500_000);
        assert_eq!(crashed[0].to, 3_000_000);
        assert_eq!(window.lane_count, 5);
    }

    #[test]
    fn an_election_shows_which_event_made_a_node_leader() {
        let run = raft_leader_crash(2_500_000);
        let window = run.spacetime(1_500_000, 2_500_000, 100_000);
        let became_leader: Vec<&SpacetimeEvent> = window
            .events
            .iter()
            .filter(|event| event.role == Some("leader"))
            .collect();
        assert_eq!(became_leader.len(), 1, "one new leader after the crash");
        assert_eq!(
            became_leader[0].kind,
            SpacetimeKind::Deliver,
            "a vote made it leader"
        );
    }

    #[test]
    fn recording_the_diagram_data_leaves_the_fingerprint_alone() {
        // The preset hashes are the real check; this one names why they still hold.
        let a = broadcast_under_faults(500_000);
        let _ = a.spacetime(0, 500_000, 10);
        let b = broadcast_under_faults(500_000);
        assert_eq!(a.trace_hash(), b.trace_hash());
    }

    #[test]
    fn a_window_older_than_the_kept_trace_says_so() {
        let text = crate::labs::broadcast::lab::LAB
            .preset("broadcast-faults")
            .expect("exists");
        let mut scenario = crate::scenario::Scenario::parse(text).expect("valid");
        scenario.limits.trace_capacity = 300;
        let mut run = crate::catalogue::build(&scenario).expect("valid");
        run.run_until(2_000_000);
        let window = run.spacetime(0, 2_000_000, 100_000);
        assert!(window.before_retained);
        assert!(window.retained_from > 0);
        let recent = run.spacetime(window.retained_from, 2_000_000, 100_000);
        assert!(!recent.before_retained);
    }

    #[test]
    fn a_moving_drawing_keeps_its_arrows_and_marks_but_no_tooltips_or_click_areas() {
        let run = broadcast_under_faults(600_000);
        let window = run.spacetime(500_000, 600_000, 100_000);
        let draw = |moving| {
            to_svg(
                &window,
                &SvgOptions {
                    width: 800.0,
                    lanes_max: 40,
                    in_flight_max: usize::MAX,
                    moving,
                    ..SvgOptions::default()
                },
            )
        };
        let (still, moving) = (draw(false), draw(true));
        assert!(still.contains("<title>") && still.contains("st-hit"));
        assert!(!moving.contains("<title>") && !moving.contains("st-hit"));
        for shape in ["marker-end", "data-seq=", "st-flight", "st-lane"] {
            assert_eq!(
                still.matches(shape).count(),
                moving.matches(shape).count(),
                "{shape}"
            );
        }
    }

    #[test]
    fn the_svg_export_draws_one_arrow_per_delivery_from_the_same_query() {
        let run = broadcast_under_faults(600_000);
        let window = run.spacetime(500_000, 600_000, 100_000);
        let svg = to_svg(
            &window,
            &SvgOptions {
                width: 800.0,
                lanes_max: 40,
                in_flight_max: usize::MAX,
                standalone: true,
                ..SvgOptions::default()
            },
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        let arrows = svg.matches("marker-end").count();
        let deliveries = window
            .events
            .iter()
            .filter(|event| event.kind == SpacetimeKind::Deliver)
            .count();
        assert_eq!(arrows, deliveries);
        assert_eq!(
            svg.matches("in flight from").count(),
            window.in_flight.len()
        );
    }

    #[test]
    fn each_arrow_wears_the_colour_its_message_kind_is_given() {
        let run = raft_leader_crash(2_000_000);
        let window = run.spacetime(1_500_000, 2_000_000, 100_000);
        let colour = |kind: &str| if kind.starts_with("Append") { 1 } else { 5 };
        let svg = to_svg(
            &window,
            &SvgOptions {
                width: 800.0,
                lanes_max: 40,
                in_flight_max: usize::MAX,
                colour: Some(colour),
                ..SvgOptions::default()
            },
        );
        let delivered = |prefix: bool| {
            window
                .events
                .iter()
                .filter(|event| event.kind == SpacetimeKind::Deliver)
                .filter(|event| event.message_kind.starts_with("Append") == prefix)
                .count()
        };
        assert!(delivered(true) > 0 && delivered(false) > 0);
        assert_eq!(
            svg.matches("class=\"st-msg k1\" marker-end=\"url(#st-a1)\"")
                .count(),
            delivered(true)
        );
        assert_eq!(
            svg.matches("class=\"st-msg k5\" marker-end=\"url(#st-a5)\"")
                .count(),
            delivered(false)
        );
        // Without a colour every arrow wears the accent's head.
        let plain = to_svg(
            &window,
            &SvgOptions {
                lanes_max: 40,
                ..SvgOptions::default()
            },
        );
        assert_eq!(
            plain.matches("url(#st-a8)").count(),
            delivered(true) + delivered(false)
        );
    }

    #[test]
    fn a_delivery_has_its_send_and_the_senders_earlier_events_in_its_causal_past() {
        let run = raft_leader_crash(2_000_000);
        let window = run.spacetime(1_500_000, 2_000_000, 100_000);
        let (index, delivery) = window
            .events
            .iter()
            .enumerate()
            .rev()
            .find(|(_, event)| {
                event.kind == SpacetimeKind::Deliver && event.sent_at >= Some(window.from)
            })
            .expect("messages were delivered");
        let marks = causality(&window.events, delivery.seq).expect("the delivery is in the window");
        assert_eq!(marks[index], Causal::Selected);
        let (send, _) = sends(&window)[&delivery.message.expect("named")];
        assert_eq!(marks[send], Causal::Past, "its send happened before it");
        let sender = window.events[send].node;
        if let Some(earlier) = window.events[..send].iter().rposition(|event| {
            event.node == sender && !matches!(event.kind, SpacetimeKind::Drop(_))
        }) {
            assert_eq!(
                marks[earlier],
                Causal::Past,
                "and so did the sender's earlier events"
            );
        }
    }

    #[test]
    fn a_send_comes_after_the_handler_that_sent_it_and_one_handlers_sends_keep_their_order() {
        let run = broadcast_under_faults(600_000);
        let window = run.spacetime(0, 600_000, 100_000);
        let mut after_their_handler = 0;
        for (index, event) in window.events.iter().enumerate() {
            if event.kind != SpacetimeKind::Send {
                continue;
            }
            let before = window.events[..index]
                .iter()
                .rev()
                .find(|other| other.node == event.node);
            match before {
                Some(other) if other.time == event.time && other.kind == SpacetimeKind::Send => {
                    assert!(
                        other.message < event.message,
                        "sends in the order they were sent"
                    );
                }
                Some(other) if other.time == event.time => after_their_handler += 1,
                _ => {}
            }
        }
        assert!(
            after_their_handler > 0,
            "the handler that sent a message comes before its send"
        );
    }

    #[test]
    fn a_send_has_its_delivery_in_its_causal_future_and_the_drawing_marks_the_selection() {
        let run = broadcast_under_faults(600_000);
        let window = run.spacetime(500_000, 600_000, 100_000);
        let delivery = window
            .events
            .iter()
            .find(|event| event.kind == SpacetimeKind::Deliver && event.sent_at >= Some(500_000))
            .expect("a message sent and delivered in the window");
        let (send, _) = sends(&window)[&delivery.message.expect("named")];
        let before_send = window.events[..send]
            .iter()
            .rev()
            .find(|event| event.node == window.events[send].node && event.seq.is_some());
        if let Some(before_send) = before_send {
            let marks = causality(&window.events, before_send.seq).expect("in the window");
            assert_eq!(marks[send], Causal::Future);
            let delivery_index = window
                .events
                .iter()
                .position(|event| event == delivery)
                .expect("there");
            assert_eq!(marks[delivery_index], Causal::Future);
        }
        let svg = to_svg(
            &window,
            &SvgOptions {
                width: 800.0,
                selected: delivery.seq,
                lanes_max: 40,
                ..SvgOptions::default()
            },
        );
        assert_eq!(svg.matches("aria-current").count(), 1);
        let seq = delivery.seq.expect("a delivery is a trace entry");
        assert!(svg.contains(&format!("data-seq=\"{seq}\" aria-current")));
    }
}
