//! SWIM membership, read beside Abhinandan Das, Indranil Gupta and Ashish Motivala, "SWIM:
//! Scalable Weakly-consistent Infection-style Process Group Membership Protocol" (DSN 2002),
//! section by section; the handlers below carry the paper's names for its steps.
//!
//! **1 Introduction.** Every member of a large group wants to know who else is in it. The
//! obvious design, every member heartbeating every other, costs each member messages that
//! grow with the group and swamps the network at a few hundred members. SWIM splits the
//! job in two: a *failure detector* that costs each member a constant number of messages
//! per protocol period whatever the group's size, and a *dissemination component* that
//! tells the group what the detector found by piggybacking it on the detector's own
//! messages, so it costs no extra message at all.
//!
//! **3.1 The failure detector.** Time is cut into *protocol periods* of length T'
//! ([`Config::protocol_period_ms`]), on each member's own clock; members are not
//! synchronised (each member's first period starts at a random phase). In every period a
//! member picks one other member at random and pings it ([`Swim::start_protocol_period`]).
//! The target answers with an ack ([`Swim::receive_ping`]). If no ack arrives within a
//! timeout shorter than the period ([`Config::ping_timeout_ms`]), the member asks k other
//! members chosen at random ([`Config::indirect_probes`]) to ping the target on its behalf
//! (`ping-req`, [`Swim::send_ping_reqs`]); each of them pings the target and relays its ack
//! back ([`Swim::receive_ping_req`]). If neither a direct nor an indirect ack has arrived by
//! the end of the period, the target has failed the probe. The indirect probes are what
//! keep one bad link (or one congested path) from evicting a healthy member: the target is
//! reached along k other paths. Section 3.1 also computes the expected time until *some*
//! member first probes a failed member: each of the n-1 others picks it with probability
//! 1/(n-1) per period, so the chance that nobody does in a period is (1 - 1/(n-1))^(n-1),
//! about 1/e, and the expected wait is 1/(1 - 1/e) = e/(e-1), about 1.58 protocol periods
//! (docs/gossip.md measures it). The message load per member per period does not depend on
//! n: one ping and, on average, one ack, plus 4k messages when the direct probe fails.
//!
//! **3.2 Dissemination.** The basic protocol multicasts a failed probe's verdict to the
//! group. Section 4 replaces that multicast.
//!
//! **4.1 Infection-style dissemination.** Membership updates ride on the pings, ping-reqs
//! and acks the detector sends anyway, as in an epidemic: every member keeps a buffer of
//! recent updates ([`Swim::buffer`]) and attaches a few of them to every message it sends
//! ([`Config::piggyback_max`]), preferring those sent the fewest times. An update is
//! piggybacked at most λ log n times ([`Config::retransmit_multiplier`] is λ; the log is
//! ⌈log₂ n⌉ here, computed on integers so that every platform agrees), after which the
//! group has heard of it with high probability and it leaves the buffer. The buffer holds
//! at most one update per member (a newer update about a member replaces the older), so it
//! is bounded by the group's size.
//!
//! **4.2 The suspicion mechanism.** A member that fails one probe is not declared dead
//! at once: it is *suspected* ([`Status::Suspect`]), the suspicion is disseminated like any
//! update, and only if it stays unrefuted for a suspicion timeout
//! ([`Config::suspicion_periods`] protocol periods) is the member *confirmed* dead
//! ([`Status::Dead`]). A suspected member that hears of its own suspicion refutes it by
//! raising its *incarnation number* and disseminating `Alive` with it
//! ([`Swim::refute`]); only the member itself ever raises its incarnation. The rules of
//! which update overrides which ([`Swim::overrides`]):
//! `Alive(i)` overrides `Suspect(j)` and `Alive(j)` when i > j; `Suspect(i)` overrides
//! `Suspect(j)` when i > j and `Alive(j)` when i >= j; `Confirm` overrides everything. So a
//! suspicion of an older incarnation is void once the member has refuted it, and a dead
//! member stays dead: a member confirmed dead that comes back must join as a new member,
//! and this lab keeps it out (it learns that it was evicted, and says so as its role). The
//! bug switch `no_suspicion` is section 3's basic protocol, where one failed probe is a
//! death sentence.
//!
//! **4.3 Round-robin probe target selection.** A member that picks targets at random may
//! leave a failed member unprobed for many periods (the expected wait is short, the worst
//! case unbounded). With [`ProbeOrder::RoundRobin`] each member walks its membership list
//! in a random order, reshuffling it after each full pass and inserting a member that
//! joins at a random place, so every member is probed by everyone within 2n - 1 periods.
//!
//! **What the lab adds.** Members are numbered as the simulator numbers nodes; a node
//! added during a run announces itself by disseminating `Alive` about itself (a join, as
//! in section 3.2). Every random choice comes from a small counter-based generator per
//! member ([`Draws`]), seeded from the scenario's seed, so that runs reproduce. The lab
//! checks that no healthy member is declared dead (section 4.2's point; see `lab.rs` for
//! what healthy means) and that membership views agree once churn stops.

use serde::{Deserialize, Serialize};

pub mod lab;
#[cfg(test)]
mod tests;

use crate::protocol::{Context, MessageInfo, NodeId, OutFor, Protocol, RequestId, Time};

/// The most members the lab runs: the engine's default node limit.
pub const MEMBERS_MAX: u32 = 1_000;

/// The longest period, timeout or bound accepted, in milliseconds.
pub const PERIOD_MS_LIMIT: u64 = 600_000;

/// How a member picks its probe target each protocol period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeOrder {
    /// A member chosen uniformly at random among the others (section 3.1).
    #[default]
    Random,
    /// The next member of a shuffled list, reshuffled after each pass (section 4.3).
    RoundRobin,
}

/// The bug switches. Each removes one mechanism of the paper.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bugs {
    /// A member that fails one probe is declared dead at once, without suspicion
    /// (section 3's basic protocol, without section 4.2).
    pub no_suspicion: bool,
    /// A member whose direct ping goes unanswered asks no one to ping on its behalf
    /// (no `ping-req`, section 3.1).
    pub no_indirect_probes: bool,
}

/// Everything that shapes a member, as a scenario's `params` gives it. Every field has a
/// default, so `{}` is valid; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// T', the length of a protocol period, in milliseconds.
    pub protocol_period_ms: u64,
    /// How long a member waits for the direct ack before it sends ping-reqs, in
    /// milliseconds; less than the period.
    pub ping_timeout_ms: u64,
    /// k, how many members are asked to probe the target indirectly.
    pub indirect_probes: u32,
    /// How many protocol periods a suspicion stays unrefuted before the member is
    /// confirmed dead.
    pub suspicion_periods: u32,
    /// λ: an update is piggybacked at most λ⌈log₂ n⌉ times.
    pub retransmit_multiplier: u32,
    /// The most updates one message carries.
    pub piggyback_max: u32,
    /// How probe targets are picked.
    pub probe_order: ProbeOrder,
    /// The membership-convergence check's bound: once no member has crashed, restarted,
    /// joined or paused and no link has been cut for this long, every running member's
    /// view should agree on who is dead (a liveness warning otherwise).
    pub converge_within_ms: u64,
    /// The seed of every member's random choices; scenarios that leave it out get the
    /// scenario's seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Deliberately broken variants.
    pub bugs: Bugs,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            protocol_period_ms: 200,
            ping_timeout_ms: 60,
            indirect_probes: 3,
            suspicion_periods: 5,
            retransmit_multiplier: 3,
            piggyback_max: 8,
            probe_order: ProbeOrder::Random,
            converge_within_ms: 10_000,
            seed: None,
            bugs: Bugs::default(),
        }
    }
}

impl Config {
    /// Checks every number for range and consistency; the error names the field.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let field = |name: &str, reason: String| Err((name.to_string(), reason));
        if self.protocol_period_ms < 2 || self.protocol_period_ms > PERIOD_MS_LIMIT {
            return field(
                "protocol_period_ms",
                format!(
                    "must be between 2 and {PERIOD_MS_LIMIT}, got {}",
                    self.protocol_period_ms
                ),
            );
        }
        if self.ping_timeout_ms == 0 || self.ping_timeout_ms >= self.protocol_period_ms {
            return field(
                "ping_timeout_ms",
                format!(
                    "must be at least 1 and less than protocol_period_ms ({}), got {}",
                    self.protocol_period_ms, self.ping_timeout_ms
                ),
            );
        }
        if self.indirect_probes > 16 {
            return field(
                "indirect_probes",
                format!("must be at most 16, got {}", self.indirect_probes),
            );
        }
        if self.suspicion_periods == 0 || self.suspicion_periods > 1_000 {
            return field(
                "suspicion_periods",
                format!("must be between 1 and 1000, got {}", self.suspicion_periods),
            );
        }
        if self.retransmit_multiplier == 0 || self.retransmit_multiplier > 100 {
            return field(
                "retransmit_multiplier",
                format!(
                    "must be between 1 and 100, got {}",
                    self.retransmit_multiplier
                ),
            );
        }
        if self.piggyback_max > 64 {
            return field(
                "piggyback_max",
                format!("must be at most 64, got {}", self.piggyback_max),
            );
        }
        if self.converge_within_ms == 0 || self.converge_within_ms > PERIOD_MS_LIMIT {
            return field(
                "converge_within_ms",
                format!(
                    "must be between 1 and {PERIOD_MS_LIMIT}, got {}",
                    self.converge_within_ms
                ),
            );
        }
        Ok(())
    }

    fn period(&self) -> Time {
        self.protocol_period_ms * crate::protocol::MICROS_PER_MS
    }
}

/// What a member believes about another (section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A member in good standing.
    Alive,
    /// Failed a probe; confirmed dead unless it refutes in time.
    Suspect,
    /// Confirmed dead; final.
    Dead,
}

impl Status {
    /// The word the page and summaries use.
    pub fn word(self) -> &'static str {
        match self {
            Status::Alive => "alive",
            Status::Suspect => "suspect",
            Status::Dead => "dead",
        }
    }
}

/// One membership update: `Alive`, `Suspect` or `Confirm` (here `Dead`) about `member` at
/// incarnation `incarnation` (section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Update {
    /// The member the update is about.
    pub member: NodeId,
    /// What it says.
    pub status: Status,
    /// The incarnation it is about.
    pub incarnation: u64,
}

/// A probe: "are you there?", with updates piggybacked (section 4.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ping {
    /// The sender's sequence number, echoed by the ack.
    pub seq: u64,
    /// Piggybacked updates.
    pub updates: Vec<Update>,
}

/// "Please ping `target` for me" (section 3.1's ping-req).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PingReq {
    /// The requester's sequence number, echoed by the relayed ack.
    pub seq: u64,
    /// Whom to probe.
    pub target: NodeId,
    /// Piggybacked updates.
    pub updates: Vec<Update>,
}

/// "I am here" (to a ping), or "it is there" (relayed for a ping-req).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ack {
    /// The sequence number of the ping or ping-req answered.
    pub seq: u64,
    /// The member that answered the probe.
    pub target: NodeId,
    /// Piggybacked updates.
    pub updates: Vec<Update>,
}

/// What members send each other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Message {
    /// A direct or relayed probe.
    Ping(Ping),
    /// A request for an indirect probe.
    PingReq(PingReq),
    /// An answer to a probe.
    Ack(Ack),
}

impl Message {
    fn updates(&self) -> &[Update] {
        match self {
            Message::Ping(ping) => &ping.updates,
            Message::PingReq(request) => &request.updates,
            Message::Ack(ack) => &ack.updates,
        }
    }
}

fn summarise_updates(updates: &[Update]) -> String {
    if updates.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = updates
        .iter()
        .map(|update| {
            format!(
                "{} n{}@{}",
                update.status.word(),
                update.member,
                update.incarnation
            )
        })
        .collect();
    format!("; {}", listed.join(", "))
}

impl MessageInfo for Message {
    fn kind(&self) -> &'static str {
        match self {
            Message::Ping(_) => "Ping",
            Message::PingReq(_) => "PingReq",
            Message::Ack(_) => "Ack",
        }
    }

    fn summary(&self) -> String {
        let head = match self {
            Message::Ping(ping) => format!("seq {}", ping.seq),
            Message::PingReq(request) => format!("seq {}, probe n{}", request.seq, request.target),
            Message::Ack(ack) => format!("seq {}, from n{}", ack.seq, ack.target),
        };
        format!("{head}{}", summarise_updates(self.updates()))
    }
}

/// A client's question to a member: "who is in the group?" (`{}` in a scenario).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {}

/// A member's answer: its own view of the group, itself included among the alive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Reply {
    /// Members it believes alive.
    pub alive: Vec<NodeId>,
    /// Members it suspects.
    pub suspect: Vec<NodeId>,
    /// Members it holds confirmed dead.
    pub dead: Vec<NodeId>,
}

/// A member's timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Timer {
    /// The start of the next protocol period.
    ProtocolPeriod,
    /// The direct probe's ack is overdue: time for ping-reqs.
    PingTimeout,
}

/// Another member as this member's list holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// Its id.
    pub id: NodeId,
    /// What this member believes about it.
    pub status: Status,
    /// The highest incarnation heard of.
    pub incarnation: u64,
    /// When this member began suspecting it (µs), while it is suspected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspected_at: Option<Time>,
}

/// An update waiting in the dissemination buffer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Piggyback {
    /// The update.
    pub update: Update,
    /// How many more times it will be piggybacked.
    pub sends_left: u32,
}

/// The probe of the current protocol period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// Whom it probes.
    pub target: NodeId,
    /// Its sequence number.
    pub seq: u64,
    /// Whether a direct or relayed ack has arrived.
    pub acked: bool,
}

/// A ping this member sends for another's ping-req, waiting for the target's ack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relay {
    /// This member's sequence number for its ping to the target.
    pub seq: u64,
    /// Who asked.
    pub requester: NodeId,
    /// The requester's sequence number.
    pub requester_seq: u64,
    /// The target.
    pub target: NodeId,
    /// When it was asked (µs); relays older than a period are forgotten.
    pub at: Time,
}

/// The most relays a member keeps at once; older ones are forgotten first.
pub const RELAYS_MAX: usize = 64;

/// A small counter-based random generator (SplitMix64), one per member: the protocol
/// contract gives handlers no generator, and this one is two integers, so it clones with
/// the member for time travel and reproduces from the scenario's seed on every platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draws {
    seed: u64,
    counter: u64,
}

fn mix(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Draws {
    /// The generator of member `member` in a run seeded with `seed`.
    pub fn new(seed: u64, member: NodeId) -> Self {
        Self {
            seed: mix(seed ^ mix(u64::from(member).wrapping_add(1))),
            counter: 0,
        }
    }

    /// A uniform integer in `[0, count)` (0 when `count` is 0), by multiply-shift.
    pub fn below(&mut self, count: usize) -> usize {
        self.counter = self.counter.wrapping_add(1);
        let bits = mix(self
            .seed
            .wrapping_add(self.counter.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        ((u128::from(bits) * count as u128) >> 64) as usize
    }
}

/// ⌈log₂ n⌉ for n >= 2, and 1 below: the "log n" of section 4.1, on integers.
pub fn log2_ceil(n: usize) -> u32 {
    if n <= 2 {
        1
    } else {
        usize::BITS - (n - 1).leading_zeros()
    }
}

/// A member's whole state. Nothing survives a crash: a restarted member starts again at
/// incarnation 0 and refutes any suspicion it hears of.
#[derive(Debug, Clone, Serialize)]
pub struct Swim {
    /// This member's id.
    pub id: NodeId,
    /// Its own incarnation number, raised only to refute a suspicion.
    pub incarnation: u64,
    /// Every other member it knows, by id.
    pub members: Vec<Member>,
    /// Updates waiting to be piggybacked, at most one per member.
    pub buffer: Vec<Piggyback>,
    /// The current period's probe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<Probe>,
    /// Pings sent on another member's behalf.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relays: Vec<Relay>,
    /// The round-robin order (section 4.3) and where the walk is.
    #[serde(skip)]
    order: Vec<NodeId>,
    #[serde(skip)]
    cursor: usize,
    #[serde(skip)]
    next_seq: u64,
    #[serde(skip)]
    draws: Draws,
    #[serde(skip)]
    config: Config,
    /// Whether it has heard that it was confirmed dead (evicted).
    pub evicted: bool,
    /// How many members its list holds as suspects.
    pub suspects: u32,
    /// How many members its list holds as dead.
    pub dead: u32,
    /// Protocol periods it has run.
    pub periods: u64,
    /// Messages it has sent.
    pub messages_sent: u64,
    /// Suspicions it started itself, from its own failed probes.
    pub suspicions_started: u64,
    /// Times it raised its incarnation to refute a suspicion.
    pub refutations: u64,
    /// The members it confirmed dead itself, with when (µs); at most one entry per member.
    pub confirmed: Vec<(NodeId, Time)>,
    /// The last probe it saw fail: the target and when (µs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_failed_probe: Option<(NodeId, Time)>,
}

impl Swim {
    /// A member that knows `members` (itself excluded) as alive at incarnation 0.
    fn fresh(id: NodeId, members: &[NodeId], config: &Config) -> Self {
        let mut draws = Draws::new(config.seed.unwrap_or(0), id);
        let list: Vec<Member> = members
            .iter()
            .filter(|&&member| member != id)
            .map(|&member| Member {
                id: member,
                status: Status::Alive,
                incarnation: 0,
                suspected_at: None,
            })
            .collect();
        let mut order: Vec<NodeId> = list.iter().map(|member| member.id).collect();
        shuffle(&mut order, &mut draws);
        let mut swim = Self {
            id,
            incarnation: 0,
            members: list,
            buffer: Vec::new(),
            probe: None,
            relays: Vec::new(),
            order,
            cursor: 0,
            next_seq: 0,
            draws,
            config: config.clone(),
            evicted: false,
            suspects: 0,
            dead: 0,
            periods: 0,
            messages_sent: 0,
            suspicions_started: 0,
            refutations: 0,
            confirmed: Vec::new(),
            last_failed_probe: None,
        };
        // A member that was not among the first announces itself (a join).
        if !members.contains(&id) {
            swim.enqueue(Update {
                member: id,
                status: Status::Alive,
                incarnation: 0,
            });
        }
        swim
    }

    /// What this member believes about `member`, if it knows it.
    pub fn member(&self, member: NodeId) -> Option<&Member> {
        self.members
            .binary_search_by_key(&member, |entry| entry.id)
            .ok()
            .map(|index| &self.members[index])
    }

    /// The members it may probe or ask: every other member not confirmed dead.
    fn candidates(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.members
            .iter()
            .filter(|member| member.status != Status::Dead)
            .map(|member| member.id)
    }

    fn send(&mut self, out: &mut OutFor<Self>, to: NodeId, message: Message) {
        self.messages_sent += 1;
        out.send(to, message);
    }

    /// How many times a new update is piggybacked: λ⌈log₂ n⌉ (section 4.1), n counting
    /// this member and every member it believes not dead.
    fn retransmissions(&self) -> u32 {
        let n = self.candidates().count() + 1;
        self.config
            .retransmit_multiplier
            .saturating_mul(log2_ceil(n))
    }

    /// Puts `update` in the buffer, replacing an older update about the same member.
    fn enqueue(&mut self, update: Update) {
        let sends_left = self.retransmissions();
        self.buffer
            .retain(|waiting| waiting.update.member != update.member);
        self.buffer.push(Piggyback { update, sends_left });
    }

    /// The updates the next message carries: those sent the fewest times first (ties by
    /// member id), at most `piggyback_max`; each one sent uses up one of its sends.
    fn piggyback(&mut self) -> Vec<Update> {
        let take = self.config.piggyback_max as usize;
        if take == 0 || self.buffer.is_empty() {
            return Vec::new();
        }
        self.buffer.sort_by(|a, b| {
            b.sends_left
                .cmp(&a.sends_left)
                .then(a.update.member.cmp(&b.update.member))
        });
        let mut updates = Vec::with_capacity(take.min(self.buffer.len()));
        for waiting in self.buffer.iter_mut().take(take) {
            updates.push(waiting.update);
            waiting.sends_left = waiting.sends_left.saturating_sub(1);
        }
        self.buffer.retain(|waiting| waiting.sends_left > 0);
        updates
    }

    /// Section 4.2's precedence: whether `update` overrides what this member holds.
    pub fn overrides(held: &Member, update: &Update) -> bool {
        match (held.status, update.status) {
            (Status::Dead, _) => false,
            (_, Status::Dead) => true,
            (Status::Alive, Status::Alive) | (Status::Suspect, Status::Alive) => {
                update.incarnation > held.incarnation
            }
            (Status::Suspect, Status::Suspect) => update.incarnation > held.incarnation,
            (Status::Alive, Status::Suspect) => update.incarnation >= held.incarnation,
        }
    }

    /// Section 4.2: a member that hears it is suspected raises its incarnation above the
    /// suspicion's and disseminates `Alive`; one that hears it was confirmed dead is out.
    fn refute(&mut self, update: &Update) {
        match update.status {
            Status::Dead => self.evicted = true,
            Status::Suspect if update.incarnation >= self.incarnation => {
                self.incarnation = update.incarnation + 1;
                self.refutations += 1;
                self.enqueue(Update {
                    member: self.id,
                    status: Status::Alive,
                    incarnation: self.incarnation,
                });
            }
            Status::Suspect | Status::Alive => {}
        }
    }

    /// Applies one update learned from a message or from this member's own detector, and
    /// disseminates it if it changed anything.
    fn apply(&mut self, now: Time, update: Update) {
        if update.member == self.id {
            self.refute(&update);
            return;
        }
        match self
            .members
            .binary_search_by_key(&update.member, |member| member.id)
        {
            Ok(index) => {
                let held = &mut self.members[index];
                if !Self::overrides(held, &update) {
                    return;
                }
                let before = held.status;
                held.status = update.status;
                held.incarnation = update.incarnation;
                held.suspected_at = (update.status == Status::Suspect).then_some(now);
                self.count(before, -1);
                self.count(update.status, 1);
            }
            Err(index) => {
                self.count(update.status, 1);
                // A member heard of for the first time joins the list (section 3.2), and
                // the round-robin walk at a random place (section 4.3).
                self.members.insert(
                    index,
                    Member {
                        id: update.member,
                        status: update.status,
                        incarnation: update.incarnation,
                        suspected_at: (update.status == Status::Suspect).then_some(now),
                    },
                );
                if update.status != Status::Dead {
                    let place = self.draws.below(self.order.len() + 1);
                    self.order.insert(place, update.member);
                    if place < self.cursor {
                        self.cursor += 1;
                    }
                }
            }
        }
        self.enqueue(update);
    }

    /// Keeps [`Swim::suspects`] and [`Swim::dead`] in step with the list.
    fn count(&mut self, status: Status, change: i32) {
        let slot = match status {
            Status::Alive => return,
            Status::Suspect => &mut self.suspects,
            Status::Dead => &mut self.dead,
        };
        *slot = slot.saturating_add_signed(change);
    }

    fn apply_all(&mut self, now: Time, updates: &[Update]) {
        for &update in updates {
            self.apply(now, update);
        }
    }

    /// Declares `member` failed by this member's own detector: suspected (section 4.2),
    /// or dead at once with the `no_suspicion` bug (section 3).
    fn declare_failed(&mut self, now: Time, member: NodeId) {
        let Some((status, incarnation)) = self
            .member(member)
            .map(|held| (held.status, held.incarnation))
        else {
            return;
        };
        if status == Status::Dead {
            return;
        }
        self.last_failed_probe = Some((member, now));
        if self.config.bugs.no_suspicion {
            self.confirm(now, member, incarnation);
        } else if status == Status::Alive {
            self.suspicions_started += 1;
            self.apply(
                now,
                Update {
                    member,
                    status: Status::Suspect,
                    incarnation,
                },
            );
        }
    }

    fn confirm(&mut self, now: Time, member: NodeId, incarnation: u64) {
        self.confirmed.push((member, now));
        self.apply(
            now,
            Update {
                member,
                status: Status::Dead,
                incarnation,
            },
        );
    }

    /// Section 4.2: suspicions older than the timeout become confirmations.
    fn expire_suspicions(&mut self, now: Time) {
        let timeout = self.config.period() * u64::from(self.config.suspicion_periods);
        let expired: Vec<(NodeId, u64)> = self
            .members
            .iter()
            .filter(|member| {
                member.status == Status::Suspect
                    && member
                        .suspected_at
                        .is_some_and(|since| now.saturating_sub(since) >= timeout)
            })
            .map(|member| (member.id, member.incarnation))
            .collect();
        for (member, incarnation) in expired {
            self.confirm(now, member, incarnation);
        }
    }

    /// The next probe target: uniformly at random (section 3.1), or the next member of
    /// the shuffled walk (section 4.3).
    fn pick_target(&mut self) -> Option<NodeId> {
        match self.config.probe_order {
            ProbeOrder::Random => {
                let candidates: Vec<NodeId> = self.candidates().collect();
                if candidates.is_empty() {
                    return None;
                }
                Some(candidates[self.draws.below(candidates.len())])
            }
            ProbeOrder::RoundRobin => {
                let dead: Vec<NodeId> = self
                    .members
                    .iter()
                    .filter(|member| member.status == Status::Dead)
                    .map(|member| member.id)
                    .collect();
                let before = self.order.len();
                let cursor = self.cursor;
                let mut removed_before_cursor = 0;
                let mut index = 0;
                self.order.retain(|member| {
                    let keep = !dead.contains(member);
                    if !keep && index < cursor {
                        removed_before_cursor += 1;
                    }
                    index += 1;
                    keep
                });
                debug_assert!(self.order.len() <= before);
                self.cursor -= removed_before_cursor;
                if self.order.is_empty() {
                    return None;
                }
                if self.cursor >= self.order.len() {
                    shuffle(&mut self.order, &mut self.draws);
                    self.cursor = 0;
                }
                let target = self.order[self.cursor];
                self.cursor += 1;
                Some(target)
            }
        }
    }

    /// Section 3.1: the start of a protocol period. The last period's probe is concluded
    /// first (a target that acked neither directly nor indirectly failed it), expired
    /// suspicions are confirmed, and a new target is pinged.
    fn start_protocol_period(&mut self, ctx: &Context<'_>, out: &mut OutFor<Self>) {
        let now = ctx.now;
        if let Some(probe) = self.probe.take()
            && !probe.acked
        {
            self.declare_failed(now, probe.target);
        }
        if !self.config.bugs.no_suspicion {
            self.expire_suspicions(now);
        }
        let period = self.config.period();
        self.relays
            .retain(|relay| now.saturating_sub(relay.at) < period);
        self.periods += 1;
        out.set_timer(Timer::ProtocolPeriod, period, period);
        let Some(target) = self.pick_target() else {
            return;
        };
        self.next_seq += 1;
        let seq = self.next_seq;
        self.probe = Some(Probe {
            target,
            seq,
            acked: false,
        });
        let updates = self.piggyback();
        self.send(out, target, Message::Ping(Ping { seq, updates }));
        let timeout = self.config.ping_timeout_ms * crate::protocol::MICROS_PER_MS;
        out.set_timer(Timer::PingTimeout, timeout, timeout);
    }

    /// Section 3.1: no direct ack in time, so k members chosen at random are asked to
    /// probe the target.
    fn send_ping_reqs(&mut self, out: &mut OutFor<Self>) {
        let Some(probe) = self.probe.clone() else {
            return;
        };
        if probe.acked || self.config.bugs.no_indirect_probes {
            return;
        }
        let mut helpers: Vec<NodeId> = self
            .candidates()
            .filter(|&member| member != probe.target)
            .collect();
        let k = (self.config.indirect_probes as usize).min(helpers.len());
        // A partial Fisher-Yates shuffle: the first k are a uniform sample.
        for index in 0..k {
            let pick = index + self.draws.below(helpers.len() - index);
            helpers.swap(index, pick);
        }
        for &helper in &helpers[..k] {
            let updates = self.piggyback();
            self.send(
                out,
                helper,
                Message::PingReq(PingReq {
                    seq: probe.seq,
                    target: probe.target,
                    updates,
                }),
            );
        }
    }

    /// Section 3.1: answer a ping with an ack.
    fn receive_ping(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        ping: Ping,
        out: &mut OutFor<Self>,
    ) {
        self.apply_all(ctx.now, &ping.updates);
        let updates = self.piggyback();
        self.send(
            out,
            from,
            Message::Ack(Ack {
                seq: ping.seq,
                target: self.id,
                updates,
            }),
        );
    }

    /// Section 3.1: ping the target on the requester's behalf and remember to relay its ack.
    fn receive_ping_req(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        request: PingReq,
        out: &mut OutFor<Self>,
    ) {
        self.apply_all(ctx.now, &request.updates);
        self.next_seq += 1;
        let seq = self.next_seq;
        if self.relays.len() >= RELAYS_MAX {
            self.relays.remove(0);
        }
        self.relays.push(Relay {
            seq,
            requester: from,
            requester_seq: request.seq,
            target: request.target,
            at: ctx.now,
        });
        let updates = self.piggyback();
        self.send(out, request.target, Message::Ping(Ping { seq, updates }));
    }

    /// An ack: the current probe succeeded, or a relayed probe's ack goes back to its
    /// requester.
    fn receive_ack(&mut self, ctx: &Context<'_>, ack: Ack, out: &mut OutFor<Self>) {
        self.apply_all(ctx.now, &ack.updates);
        if let Some(probe) = &mut self.probe
            && probe.seq == ack.seq
            && probe.target == ack.target
        {
            probe.acked = true;
            out.cancel_timer(Timer::PingTimeout);
            return;
        }
        if let Some(index) = self
            .relays
            .iter()
            .position(|relay| relay.seq == ack.seq && relay.target == ack.target)
        {
            let relay = self.relays.remove(index);
            let updates = self.piggyback();
            self.send(
                out,
                relay.requester,
                Message::Ack(Ack {
                    seq: relay.requester_seq,
                    target: relay.target,
                    updates,
                }),
            );
        }
    }
}

/// A uniform shuffle (Fisher-Yates) with `draws`.
fn shuffle(list: &mut [NodeId], draws: &mut Draws) {
    for index in (1..list.len()).rev() {
        let pick = draws.below(index + 1);
        list.swap(index, pick);
    }
}

impl Protocol for Swim {
    type Message = Message;
    type Timer = Timer;
    type Request = Request;
    type Reply = Reply;
    type Durable = ();
    type Config = Config;

    fn new(id: NodeId, members: &[NodeId], config: &Config) -> Self {
        Self::fresh(id, members, config)
    }

    fn recover(id: NodeId, members: &[NodeId], config: &Config, _durable: ()) -> Self {
        // Membership is soft state: a restarted member starts again from the first
        // members, at incarnation 0, and draws afresh.
        let mut swim = Self::fresh(id, members, config);
        swim.draws = Draws::new(config.seed.unwrap_or(0) ^ 0x5157_494D, id);
        swim
    }

    fn durable(&self) {}

    fn on_start(&mut self, _ctx: &Context<'_>, out: &mut OutFor<Self>) {
        // Members are not synchronised: the first period starts at a random phase.
        out.set_timer(Timer::ProtocolPeriod, 0, self.config.period());
    }

    fn on_message(
        &mut self,
        ctx: &Context<'_>,
        from: NodeId,
        message: Message,
        out: &mut OutFor<Self>,
    ) {
        match message {
            Message::Ping(ping) => self.receive_ping(ctx, from, ping, out),
            Message::PingReq(request) => self.receive_ping_req(ctx, from, request, out),
            Message::Ack(ack) => self.receive_ack(ctx, ack, out),
        }
    }

    fn on_timer(&mut self, ctx: &Context<'_>, timer: Timer, out: &mut OutFor<Self>) {
        match timer {
            Timer::ProtocolPeriod => self.start_protocol_period(ctx, out),
            Timer::PingTimeout => self.send_ping_reqs(out),
        }
    }

    /// A client asks who is in the group: the member answers with its own view.
    fn on_client(
        &mut self,
        _ctx: &Context<'_>,
        id: RequestId,
        _request: Request,
        out: &mut OutFor<Self>,
    ) {
        let mut reply = Reply::default();
        reply.alive.push(self.id);
        for member in &self.members {
            match member.status {
                Status::Alive => reply.alive.push(member.id),
                Status::Suspect => reply.suspect.push(member.id),
                Status::Dead => reply.dead.push(member.id),
            }
        }
        reply.alive.sort_unstable();
        out.reply(id, reply);
    }

    fn role(&self) -> &'static str {
        if self.evicted { "evicted" } else { "member" }
    }
}
