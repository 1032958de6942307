//! Idempotency keys, read beside Airbnb's "Avoiding Double Payments in a Distributed Payments
//! System" (Jon Chew, 2019) and Stripe's API design ("Designing robust and predictable APIs
//! with idempotency", Brandur Leach, 2017), with retries as in "Timeouts, retries, and backoff
//! with jitter" (Marc Brooker, 2015).
//!
//! **The problem.** A client asks a payment service to charge a card; the service asks a
//! downstream payment processor, which moves the money. Any answer can be late or lost, so the
//! client retries when its timeout expires; but a timeout does not say whether the charge
//! happened. A retry of a charge that did happen charges the card twice. Three nodes play it:
//! node 0 is the [`Client`] (the learner's requests arrive there), node 1 the [`Service`],
//! node 2 the [`Processor`].
//!
//! **Retries** ([`Node::client_timeout`]): the client waits `timeout_ms` for each attempt, then
//! backs off exponentially: before attempt n+1 it waits `backoff_ms_base * 2^(n-1)`, capped at
//! `backoff_ms_max`. With `jitter` on, the wait is drawn uniformly from zero to that bound
//! ("full jitter"), so clients that failed together do not retry together; without it every
//! client waits exactly the bound, and a burst of failures comes back as a burst of retries.
//! It gives up after `attempts_max` attempts.
//!
//! **The idempotency key** ([`Keys`]): the client picks one key per payment and sends it with
//! every attempt. The correct service ([`Keys::RecordedFirst`], the Airbnb and Stripe design)
//! writes the key to its durable store *before* it calls the processor, passes the key on to
//! the processor (which keeps one charge per key), and once the processor answers, writes the
//! response beside the key and replies. A retry whose key has a stored response gets that
//! response again (replayed, no new charge); a retry whose key is recorded but unfinished (the
//! first attempt is under way, or the service crashed in the middle) calls the processor again
//! with the same key, which answers with the charge it already made. Two broken variants:
//!
//! - [`Keys::None`]: no key at all; every attempt is a new charge.
//! - [`Keys::RecordedAfterCharge`]: the service checks its store for the key, but records the
//!   key only once the processor has charged, and does not pass the key on. A retry that
//!   arrives while the first attempt is still at the processor finds nothing recorded and
//!   charges again.
//!
//! The processor takes `processing_ms` per request, one at a time, so that a burst of
//! retries queues behind itself (the retry-storm preset). The checker counts charges per
//! payment on the processor's disk: two charges for one payment is a double charge.

pub mod lab;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::protocol::{Context, MICROS_PER_MS, MessageInfo, Out, Protocol};
use crate::{NodeId, RequestId, Time};

/// The client's node id.
pub const CLIENT: NodeId = 0;
/// The payment service's node id.
pub const SERVICE: NodeId = 1;
/// The payment processor's node id.
pub const PROCESSOR: NodeId = 2;

/// The most payments one run makes; later requests are refused, so that every store stays
/// bounded.
pub const PAYMENTS_MAX: u64 = 500;

/// The most attempts a client may be configured to make per payment.
pub const ATTEMPTS_LIMIT: u32 = 20;

/// The longest time or delay a parameter accepts, in milliseconds.
pub const TIMEOUT_MS_LIMIT: u64 = 600_000;

/// How the service uses idempotency keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keys {
    /// No key: every attempt charges.
    None,
    /// The key is checked, but recorded only after the processor charged, and not passed on.
    RecordedAfterCharge,
    /// The key is recorded before the call and passed on; the response is stored and replayed.
    #[default]
    RecordedFirst,
}

/// The lab's parameters. Every field has a default; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How the service uses idempotency keys.
    pub keys: Keys,
    /// How long the client waits for an attempt's answer, in milliseconds.
    pub timeout_ms: u64,
    /// The first back-off bound, in milliseconds; it doubles with every attempt.
    pub backoff_ms_base: u64,
    /// The largest back-off bound, in milliseconds.
    pub backoff_ms_max: u64,
    /// Whether the back-off is drawn from zero to its bound (full jitter) or is the bound.
    pub jitter: bool,
    /// How many attempts a client makes per payment before it gives up.
    pub attempts_max: u32,
    /// How long the processor takes per request, one request at a time, in milliseconds.
    pub processing_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            keys: Keys::RecordedFirst,
            timeout_ms: 100,
            backoff_ms_base: 50,
            backoff_ms_max: 1_000,
            jitter: true,
            attempts_max: 5,
            processing_ms: 5,
        }
    }
}

impl Config {
    /// Checks every number; the error names the field.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (field, value, least) in [
            ("timeout_ms", self.timeout_ms, 1),
            ("backoff_ms_base", self.backoff_ms_base, 0),
            ("backoff_ms_max", self.backoff_ms_max, 0),
            ("processing_ms", self.processing_ms, 0),
        ] {
            if value < least || value > TIMEOUT_MS_LIMIT {
                return Err((
                    field.to_string(),
                    format!("must be between {least} and {TIMEOUT_MS_LIMIT}, got {value}"),
                ));
            }
        }
        if self.backoff_ms_max < self.backoff_ms_base {
            return Err((
                "backoff_ms_max".to_string(),
                format!(
                    "must be at least backoff_ms_base ({}), got {}",
                    self.backoff_ms_base, self.backoff_ms_max
                ),
            ));
        }
        if self.attempts_max == 0 || self.attempts_max > ATTEMPTS_LIMIT {
            return Err((
                "attempts_max".to_string(),
                format!(
                    "must be between 1 and {ATTEMPTS_LIMIT}, got {}",
                    self.attempts_max
                ),
            ));
        }
        Ok(())
    }
}

/// A payment's number, handed out by the client from 1. It rides along on every message so
/// that the checker can count charges per payment; only the key is the protocol's.
pub type PaymentId = u64;

/// Client to service: charge `amount` for `payment`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Charge {
    /// The payment (for the checker).
    pub payment: PaymentId,
    /// The idempotency key, the same on every attempt (none without keys).
    pub key: Option<String>,
    /// The amount, in cents.
    pub amount: u64,
    /// Which attempt this is, from 1.
    pub attempt: u32,
}

/// Service to processor: move the money.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Process {
    /// The payment (for the checker).
    pub payment: PaymentId,
    /// The key passed on, if the service passes it.
    pub key: Option<String>,
    /// The amount, in cents.
    pub amount: u64,
    /// Which of the service's calls this is, to match the answer.
    pub call: u64,
}

/// Processor to service: the charge made (or, for a key it has seen, the one made before).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Charged {
    /// The call answered.
    pub call: u64,
    /// The charge's number at the processor.
    pub charge: u64,
}

/// Service to client: the payment's receipt.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Receipt {
    /// The payment.
    pub payment: PaymentId,
    /// The charge's number at the processor.
    pub charge: u64,
    /// Whether the service replayed a stored response instead of calling the processor.
    pub replayed: bool,
}

/// What nodes tell each other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Message {
    /// Client to service.
    Charge(Charge),
    /// Service to processor.
    Process(Process),
    /// Processor to service.
    Charged(Charged),
    /// Service to client.
    Receipt(Receipt),
}

impl MessageInfo for Message {
    fn kind(&self) -> &'static str {
        match self {
            Message::Charge(_) => "Charge",
            Message::Process(_) => "Process",
            Message::Charged(_) => "Charged",
            Message::Receipt(_) => "Receipt",
        }
    }

    fn summary(&self) -> String {
        let key = |key: &Option<String>| key.clone().unwrap_or_else(|| "no key".to_string());
        match self {
            Message::Charge(Charge {
                payment,
                key: k,
                amount,
                attempt,
            }) => format!("p{payment} attempt {attempt}: charge {amount} ({})", key(k)),
            Message::Process(Process {
                payment,
                key: k,
                amount,
                ..
            }) => format!("p{payment}: move {amount} ({})", key(k)),
            Message::Charged(Charged { charge, .. }) => format!("charge c{charge}"),
            Message::Receipt(Receipt {
                payment,
                charge,
                replayed,
            }) => {
                if *replayed {
                    format!("p{payment}: c{charge} (replayed)")
                } else {
                    format!("p{payment}: c{charge}")
                }
            }
        }
    }
}

/// The timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Timer {
    /// Client: the current attempt of a payment went unanswered.
    Timeout(PaymentId),
    /// Client: the back-off before the next attempt ended.
    Retry(PaymentId),
    /// Processor: the request it works on is done.
    Done(u64),
}

/// A client request: pay `amount` cents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The amount, in cents.
    pub amount: u64,
}

/// A client reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Reply {
    /// The payment went through (as far as the client knows: once).
    Paid {
        /// The payment.
        payment: PaymentId,
        /// The charge the receipt names.
        charge: u64,
        /// How many attempts it took.
        attempts: u32,
    },
    /// Every attempt timed out.
    GaveUp {
        /// The payment.
        payment: PaymentId,
    },
    /// Not run: sent to the wrong node, or a bound reached.
    Refused {
        /// Why, in words.
        reason: String,
    },
}

/// One payment at the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    /// Its number.
    pub payment: PaymentId,
    /// Its key (none without keys).
    pub key: Option<String>,
    /// Its amount.
    pub amount: u64,
    /// Attempts made so far.
    pub attempts: u32,
    /// Whether it is answered (paid or given up).
    pub finished: bool,
    /// The learner's request.
    #[serde(skip)]
    pub request: RequestId,
}

/// The client role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Client {
    /// Every payment, oldest first.
    pub payments: Vec<Payment>,
}

/// What the service's store holds for a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct KeyRecord {
    /// The key.
    pub key: String,
    /// The stored response's charge, once the processor answered.
    pub charge: Option<u64>,
}

/// A processor call the service waits on (in memory only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// The call's number.
    pub call: u64,
    /// The payment.
    pub payment: PaymentId,
    /// The key, if the client sent one.
    pub key: Option<String>,
}

/// The payment service role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Service {
    /// The durable key store.
    pub keys: Vec<KeyRecord>,
    /// Calls to the processor not yet answered.
    pub calls: Vec<Call>,
    /// The next call's number.
    pub next_call: u64,
}

/// One charge the processor made.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ChargeRecord {
    /// Its number, from 1.
    pub charge: u64,
    /// The payment it is for (for the checker).
    pub payment: PaymentId,
    /// The key the service passed on, if any.
    pub key: Option<String>,
    /// The amount.
    pub amount: u64,
}

/// The processor role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Processor {
    /// Every charge made, on disk.
    pub charges: Vec<ChargeRecord>,
    /// Requests queued or in work: (queue number, call, charge to answer with).
    pub queue: Vec<(u64, u64, u64)>,
    /// When the processor is free again (µs).
    pub busy_until: Time,
    /// The next queue number.
    pub next_queued: u64,
}

/// What survives a crash: the service's key store and the processor's charges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Durable {
    /// The service's key store.
    pub keys: Vec<KeyRecord>,
    /// The processor's charges.
    pub charges: Vec<ChargeRecord>,
}

/// One node: client, service or processor, by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    id: NodeId,
    #[serde(skip)]
    config: Config,
    /// The client role (node 0).
    pub client: Client,
    /// The service role (node 1).
    pub service: Service,
    /// The processor role (node 2).
    pub processor: Processor,
}

/// The effect list of a node.
pub type IdemOut = Out<Message, Timer, Reply>;

impl Node {
    fn ms(value: u64) -> Time {
        value * MICROS_PER_MS
    }

    // ---- Client ----

    /// A new payment: pick its key and send the first attempt.
    pub fn client_pay(&mut self, request: RequestId, pay: Request, out: &mut IdemOut) {
        if self.id != CLIENT {
            out.reply(
                request,
                Reply::Refused {
                    reason: format!("node {} is not the client; ask node {CLIENT}", self.id),
                },
            );
            return;
        }
        let payment = self.client.payments.len() as PaymentId + 1;
        if payment > PAYMENTS_MAX {
            out.reply(
                request,
                Reply::Refused {
                    reason: format!("this run has made its {PAYMENTS_MAX} payments"),
                },
            );
            return;
        }
        let key = (self.config.keys != Keys::None).then(|| format!("key-{payment}"));
        self.client.payments.push(Payment {
            payment,
            key,
            amount: pay.amount,
            attempts: 0,
            finished: false,
            request,
        });
        self.client_attempt(payment, out);
    }

    /// Sends the next attempt of `payment` and starts its timeout.
    pub fn client_attempt(&mut self, payment: PaymentId, out: &mut IdemOut) {
        let timeout = Self::ms(self.config.timeout_ms);
        let Some(entry) = self
            .client
            .payments
            .iter_mut()
            .find(|entry| entry.payment == payment && !entry.finished)
        else {
            return;
        };
        entry.attempts += 1;
        out.send(
            SERVICE,
            Message::Charge(Charge {
                payment,
                key: entry.key.clone(),
                amount: entry.amount,
                attempt: entry.attempts,
            }),
        );
        out.set_timer(Timer::Timeout(payment), timeout, timeout);
    }

    /// An attempt went unanswered: back off exponentially (with full jitter if on), or give
    /// up after the last attempt.
    pub fn client_timeout(&mut self, payment: PaymentId, out: &mut IdemOut) {
        let Some(entry) = self
            .client
            .payments
            .iter_mut()
            .find(|entry| entry.payment == payment && !entry.finished)
        else {
            return;
        };
        if entry.attempts >= self.config.attempts_max {
            entry.finished = true;
            out.reply(entry.request, Reply::GaveUp { payment });
            return;
        }
        let doublings = (entry.attempts - 1).min(30);
        let bound = self
            .config
            .backoff_ms_base
            .saturating_mul(1 << doublings)
            .min(self.config.backoff_ms_max);
        let bound = Self::ms(bound);
        let least = if self.config.jitter { 0 } else { bound };
        out.set_timer(Timer::Retry(payment), least, bound);
    }

    /// The service's answer: the payment is done (a late answer to an earlier attempt counts).
    pub fn client_receipt(&mut self, receipt: Receipt, out: &mut IdemOut) {
        let Some(entry) = self
            .client
            .payments
            .iter_mut()
            .find(|entry| entry.payment == receipt.payment && !entry.finished)
        else {
            return;
        };
        entry.finished = true;
        out.cancel_timer(Timer::Timeout(receipt.payment));
        out.cancel_timer(Timer::Retry(receipt.payment));
        out.reply(
            entry.request,
            Reply::Paid {
                payment: receipt.payment,
                charge: receipt.charge,
                attempts: entry.attempts,
            },
        );
    }

    // ---- Service ----

    fn call_processor(&mut self, charge: &Charge, pass_key: bool, out: &mut IdemOut) {
        let call = self.service.next_call;
        self.service.next_call += 1;
        self.service.calls.push(Call {
            call,
            payment: charge.payment,
            key: charge.key.clone(),
        });
        out.send(
            PROCESSOR,
            Message::Process(Process {
                payment: charge.payment,
                key: if pass_key { charge.key.clone() } else { None },
                amount: charge.amount,
                call,
            }),
        );
    }

    /// A charge request at the service, handled as its key setting says.
    pub fn service_charge(&mut self, charge: Charge, out: &mut IdemOut) {
        let keyed = self.config.keys != Keys::None;
        let stored = charge.key.as_ref().filter(|_| keyed).and_then(|key| {
            self.service
                .keys
                .iter()
                .find(|record| record.key == *key)
                .cloned()
        });
        match (self.config.keys, stored) {
            (
                _,
                Some(KeyRecord {
                    charge: Some(done), ..
                }),
            ) => {
                // Replay the stored response; answer only for what is on disk.
                out.await_disk();
                out.send(
                    CLIENT,
                    Message::Receipt(Receipt {
                        payment: charge.payment,
                        charge: done,
                        replayed: true,
                    }),
                );
            }
            (Keys::RecordedFirst, Some(_)) => {
                // Recorded, unfinished: ask again with the same key; the processor answers
                // with the charge it made, if it made one.
                self.call_processor(&charge, true, out);
            }
            (Keys::RecordedFirst, None) => {
                if let Some(key) = &charge.key {
                    self.service.keys.push(KeyRecord {
                        key: key.clone(),
                        charge: None,
                    });
                    out.persist();
                }
                self.call_processor(&charge, true, out);
            }
            (Keys::RecordedAfterCharge | Keys::None, _) => {
                self.call_processor(&charge, false, out);
            }
        }
    }

    /// The processor's answer at the service: store the response beside the key (with keys),
    /// then send the receipt.
    pub fn service_charged(&mut self, charged: Charged, out: &mut IdemOut) {
        let Some(position) = self
            .service
            .calls
            .iter()
            .position(|call| call.call == charged.call)
        else {
            return;
        };
        let call = self.service.calls.remove(position);
        if self.config.keys != Keys::None
            && let Some(key) = &call.key
        {
            match self
                .service
                .keys
                .iter_mut()
                .find(|record| record.key == *key)
            {
                Some(record) => record.charge = Some(charged.charge),
                None => self.service.keys.push(KeyRecord {
                    key: key.clone(),
                    charge: Some(charged.charge),
                }),
            }
            out.persist();
        }
        out.send(
            CLIENT,
            Message::Receipt(Receipt {
                payment: call.payment,
                charge: charged.charge,
                replayed: false,
            }),
        );
    }

    // ---- Processor ----

    /// A request at the processor: a key it has charged gets that charge again; anything
    /// else is a new charge, on disk before the answer. Requests are worked one at a time.
    pub fn processor_process(&mut self, process: Process, now: Time, out: &mut IdemOut) {
        let existing = process.key.as_ref().and_then(|key| {
            self.processor
                .charges
                .iter()
                .find(|record| record.key.as_ref() == Some(key))
                .map(|record| record.charge)
        });
        let charge = match existing {
            Some(charge) => charge,
            None => {
                let charge = self.processor.charges.len() as u64 + 1;
                self.processor.charges.push(ChargeRecord {
                    charge,
                    payment: process.payment,
                    key: process.key.clone(),
                    amount: process.amount,
                });
                out.persist();
                charge
            }
        };
        let queued = self.processor.next_queued;
        self.processor.next_queued += 1;
        self.processor.queue.push((queued, process.call, charge));
        let done = self.processor.busy_until.max(now) + Self::ms(self.config.processing_ms);
        self.processor.busy_until = done;
        let delay = done - now;
        out.set_timer(Timer::Done(queued), delay, delay);
    }

    /// The processor finished a request: answer it (after the charge is on disk).
    pub fn processor_done(&mut self, queued: u64, out: &mut IdemOut) {
        let Some(position) = self
            .processor
            .queue
            .iter()
            .position(|(number, _, _)| *number == queued)
        else {
            return;
        };
        let (_, call, charge) = self.processor.queue.remove(position);
        out.await_disk();
        out.send(SERVICE, Message::Charged(Charged { call, charge }));
    }
}

impl Protocol for Node {
    type Message = Message;
    type Timer = Timer;
    type Request = Request;
    type Reply = Reply;
    type Durable = Durable;
    type Config = Config;

    fn new(id: NodeId, _members: &[NodeId], config: &Config) -> Self {
        Self {
            id,
            config: config.clone(),
            client: Client::default(),
            service: Service::default(),
            processor: Processor::default(),
        }
    }

    fn recover(id: NodeId, members: &[NodeId], config: &Config, durable: Durable) -> Self {
        let mut node = Self::new(id, members, config);
        node.service.keys = durable.keys;
        node.processor.charges = durable.charges;
        node
    }

    fn durable(&self) -> Durable {
        Durable {
            keys: self.service.keys.clone(),
            charges: self.processor.charges.clone(),
        }
    }

    fn on_start(&mut self, _ctx: &Context<'_>, _out: &mut IdemOut) {}

    fn on_message(
        &mut self,
        ctx: &Context<'_>,
        _from: NodeId,
        message: Message,
        out: &mut IdemOut,
    ) {
        match (self.id, message) {
            (SERVICE, Message::Charge(charge)) => self.service_charge(charge, out),
            (SERVICE, Message::Charged(charged)) => self.service_charged(charged, out),
            (PROCESSOR, Message::Process(process)) => {
                self.processor_process(process, ctx.now, out);
            }
            (CLIENT, Message::Receipt(receipt)) => self.client_receipt(receipt, out),
            _ => {}
        }
    }

    fn on_timer(&mut self, _ctx: &Context<'_>, timer: Timer, out: &mut IdemOut) {
        match timer {
            Timer::Timeout(payment) => self.client_timeout(payment, out),
            Timer::Retry(payment) => self.client_attempt(payment, out),
            Timer::Done(queued) => self.processor_done(queued, out),
        }
    }

    fn on_client(
        &mut self,
        _ctx: &Context<'_>,
        id: RequestId,
        request: Request,
        out: &mut IdemOut,
    ) {
        self.client_pay(id, request, out);
    }

    fn role(&self) -> &'static str {
        match self.id {
            CLIENT => "client",
            SERVICE => "service",
            PROCESSOR => "processor",
            _ => "idle",
        }
    }

    fn shown_timer(timer: &Timer) -> Option<&'static str> {
        match timer {
            Timer::Timeout(_) => Some("timeout"),
            Timer::Retry(_) => Some("back-off"),
            Timer::Done(_) => None,
        }
    }
}
