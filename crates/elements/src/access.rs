//! The Internet access server, network side: the telco's gate between the
//! businesses' web servers and the OSN.
//!
//! A subscribing business sends a call initiation message (the seed's
//! Fig. 8) as an [`OsnMessage::CallInstruction`] on one of the server's
//! client ports. The server checks it, in this order:
//!
//! 1. the frame is a call instruction at all ([`Refusal::Malformed`]);
//! 2. the business is a subscriber ([`Refusal::UnknownBusiness`]);
//! 3. the business is within its rate ([`Refusal::RateLimited`]: at most
//!    `rate_limit` instructions per `rate_window_s`, counted before the
//!    password so a guesser gets no more tries than that);
//! 4. the password matches the business's argon2 hash ([`Refusal::WrongPassword`]);
//! 5. the request id is not already in use by this requester ([`Refusal::DuplicateRequest`]);
//! 6. both numbers are digit strings of 3 to 15 digits, and differ ([`Refusal::BadNumber`]);
//! 7. the contact time is not too far ahead ([`Refusal::ContactTooFar`]);
//! 8. the OSN link toward the network is up ([`Refusal::NetworkDown`]);
//! 9. the business has room: at most `max_concurrent` calls in progress
//!    ([`Refusal::TooManyCalls`]), at most `max_held` waiting for a contact
//!    time ([`Refusal::TooManyHeld`]).
//!
//! Each instruction gets exactly one [`OsnMessage::CallInstructionResult`],
//! accepted or refused with what was wrong. An accepted call goes to the
//! network (the ISCP, or an SSP: whatever sits on the business's network
//! port) as [`OsnMessage::CallSetup`] under the server's own call id, at once
//! or, with a future contact time, when a timer fires. Every
//! [`OsnMessage::CallStatus`] the network sends back is relayed to the
//! requester under its `request_id`; `released` or `failed` ends the call.
//! A call whose network says nothing for `setup_timeout_s` after the setup,
//! or `call_guard_s` after its last status, is reported `failed` and
//! forgotten. A held call that comes due while the business is at its
//! concurrency limit or the network is down is reported `failed` with that
//! reason (it is not queued).
//!
//! The element reads no clock: "now" in Unix time is
//! [`AccessConfig::unix_time_at_start`] plus the run's [`Instant`]. Password
//! checking (argon2, parameters taken from each stored hash) is pure
//! computation. `handle` never panics on any input bytes.
//!
//! The business may follow an instruction up, from the same port, with
//! [`OsnMessage::Cancel`] (a held call ends here with `cancelled`; a call in
//! the network is cancelled there) or [`OsnMessage::NextRepresentative`]
//! (passed on under the server's call id). Held calls are kept in the
//! server's [`Store`] ([`HELD_TREE`]) and come back, with their timers, at
//! every `Input::Start`: with a sled store they survive a restart.
//!
//! What it is not: the HTTP front, TLS, or the business-facing account
//! management (the click-to-call issue adds those); it does not queue calls
//! that find the business at its limit; calls already handed to the network
//! are forgotten on a restart (only held calls are kept).

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use ainsim_store::{MemStore, Store, StoreExt};

use crate::core::{Element, EventKind, Input, Instant, Outputs, Port, TimerId};
use crate::osn::{CallStatus, InstructionResult, OsnMessage, Refusal};

/// The longest number accepted (E.164: 15 digits).
pub const MAX_DIGITS: usize = 15;
/// The shortest number accepted (service codes such as 911 and up).
pub const MIN_DIGITS: usize = 3;

/// A subscribing business.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Business {
    /// The business id the telco gave it (Fig. 8 "business id").
    pub id: String,
    /// Its password as an argon2 PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`),
    /// e.g. from [`hash_password`]. Never the password itself.
    pub password_hash: String,
    /// The announcement the customer hears before the representative is
    /// called (a name the ISCP knows, e.g. `please-hold`); none = none.
    #[serde(default)]
    pub announcement: Option<String>,
    /// Calls in progress at once.
    #[serde(default = "defaults::max_concurrent")]
    pub max_concurrent: u32,
    /// Calls held for a later contact time at once.
    #[serde(default = "defaults::max_held")]
    pub max_held: u32,
    /// Instructions accepted for checking per `rate_window_s` (refused ones count too).
    #[serde(default = "defaults::rate_limit")]
    pub rate_limit: u32,
    #[serde(default = "defaults::rate_window_s")]
    pub rate_window_s: u64,
    /// Where its calls go, instead of [`AccessConfig::network_port`] (an SSP, say).
    #[serde(default)]
    pub network_port: Option<Port>,
}

impl Business {
    /// A business with default limits.
    pub fn new(id: &str, password_hash: String) -> Self {
        Business {
            id: id.into(),
            password_hash,
            announcement: None,
            max_concurrent: defaults::max_concurrent(),
            max_held: defaults::max_held(),
            rate_limit: defaults::rate_limit(),
            rate_window_s: defaults::rate_window_s(),
            network_port: None,
        }
    }
}

/// How the access server is set up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    pub name: String,
    /// Ports on which requesters send call instructions; the answers and
    /// statuses go back on the port the instruction came from.
    pub client_ports: Vec<Port>,
    /// The OSN port toward the ISCP (or an SSP) that takes `CallSetup`.
    pub network_port: Port,
    /// Unix time (seconds, UTC) at `Instant::ZERO`; the runtime fills it in.
    #[serde(default)]
    pub unix_time_at_start: u64,
    /// How far ahead a contact time may be (seconds; 7 days).
    #[serde(default = "defaults::max_hold_s")]
    pub max_hold_s: u64,
    /// How long the network may take to send the first status of a call (seconds).
    #[serde(default = "defaults::setup_timeout_s")]
    pub setup_timeout_s: u64,
    /// How long a call may go without a status before it is given up (seconds; 4 h 5 min).
    #[serde(default = "defaults::call_guard_s")]
    pub call_guard_s: u64,
    #[serde(default)]
    pub businesses: Vec<Business>,
    /// Where held calls are kept (a sled directory, opened by the runtime:
    /// the element itself only sees an `ainsim_store::Store`); none = in
    /// memory, lost on a restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

mod defaults {
    pub(super) fn max_concurrent() -> u32 {
        4
    }
    pub(super) fn max_held() -> u32 {
        16
    }
    pub(super) fn rate_limit() -> u32 {
        10
    }
    pub(super) fn rate_window_s() -> u64 {
        60
    }
    pub(super) fn max_hold_s() -> u64 {
        7 * 86_400
    }
    pub(super) fn setup_timeout_s() -> u64 {
        10
    }
    pub(super) fn call_guard_s() -> u64 {
        4 * 3600 + 300
    }
}

impl AccessConfig {
    /// A server named `name` taking instructions on `client_ports`, sending setups on `network_port`.
    pub fn new(name: &str, client_ports: Vec<Port>, network_port: Port) -> Self {
        AccessConfig {
            name: name.into(),
            client_ports,
            network_port,
            unix_time_at_start: 0,
            max_hold_s: defaults::max_hold_s(),
            setup_timeout_s: defaults::setup_timeout_s(),
            call_guard_s: defaults::call_guard_s(),
            businesses: Vec::new(),
            store: None,
        }
    }
}

/// A configuration the server cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessConfigError {
    #[error("access: business {business:?}: password_hash is not an argon2 PHC string: {why}")]
    BadHash { business: String, why: String },
    #[error("access: business {0:?} is listed twice")]
    DuplicateBusiness(String),
    #[error("access: business {business:?}: {field} must be at least 1")]
    Zero { business: String, field: &'static str },
    #[error("access: port {0} is both a client port and a network port")]
    PortClash(u32),
}

/// The argon2id PHC string of `password` with `salt` (at least 8 octets)
/// and the given cost (memory in KiB, iterations). Deterministic: the caller
/// picks the salt (randomly, outside the element).
///
/// # Errors
/// A salt shorter than 8 octets or parameters argon2 refuses.
pub fn hash_password(password: &str, salt: &[u8], m_kib: u32, t: u32) -> Result<String, String> {
    let salt = SaltString::encode_b64(salt).map_err(|e| e.to_string())?;
    let params = Params::new(m_kib, t, 1, None).map_err(|e| e.to_string())?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Counters of an [`AccessServer`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessCounters {
    pub instructions: u64,
    pub accepted: u64,
    pub held: u64,
    /// Refusals by kind (`wrong_password`, `bad_number`, …).
    pub refused: BTreeMap<&'static str, u64>,
    pub setups_sent: u64,
    pub statuses_relayed: u64,
    /// Frames that did not parse, and statuses for calls we do not have.
    pub dropped: u64,
    /// Calls given up because the network said nothing.
    pub timeouts: u64,
    /// Cancels taken (held calls dropped, or passed on to the network).
    pub cancels: u64,
    /// Next-representative instructions passed on to the network.
    pub next_representatives: u64,
    /// Held calls read back from the store after a (re)start.
    pub restored: u64,
    /// Store reads or writes that failed (the call goes on in memory).
    pub store_errors: u64,
}

/// Store tree of held calls: key = the server's call id (20 digits), value = [`HeldCall`].
pub const HELD_TREE: &str = "access_held";
/// Store tree of the server's own bookkeeping (`next_call`).
pub const META_TREE: &str = "access_meta";

/// A call held for its contact time, as kept in the store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeldCall {
    pub client: Port,
    pub request_id: u64,
    pub business: String,
    pub customer: String,
    pub representative: String,
    /// Unix seconds.
    pub contact_at: u64,
}

fn held_key(call_id: u64) -> String {
    format!("{call_id:020}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Held,
    Active,
}

#[derive(Debug)]
struct Call {
    client: Port,
    request_id: u64,
    business: usize,
    customer: String,
    representative: String,
    state: State,
    /// Unix seconds, for held calls.
    contact_at: u64,
}

#[derive(Debug, Default)]
struct BusinessState {
    recent: VecDeque<Instant>,
    active: u32,
    held: u32,
}

/// The Internet access server element (see the module docs).
pub struct AccessServer {
    cfg: AccessConfig,
    hashes: Vec<String>,
    /// Per business, a digest of the last password that passed argon2:
    /// the same password again skips the (deliberately slow) hash.
    verified: Vec<Option<[u8; 32]>>,
    biz: Vec<BusinessState>,
    calls: BTreeMap<u64, Call>,
    by_request: BTreeMap<(Port, u64), u64>,
    next_call: u64,
    down: BTreeMap<Port, bool>,
    counters: AccessCounters,
    store: Box<dyn Store + Send>,
}

impl AccessServer {
    /// A server with `cfg`.
    ///
    /// # Errors
    /// A password hash that is not an argon2 PHC string, a business listed
    /// twice, a zero limit, or a port that is both client and network port.
    pub fn new(cfg: AccessConfig) -> Result<Self, AccessConfigError> {
        Self::with_store(cfg, Box::new(MemStore::new()))
    }

    /// A server with `cfg` that keeps its held calls in `store` (read back
    /// at every `Input::Start`, so they survive a restart).
    ///
    /// # Errors
    /// As [`AccessServer::new`].
    pub fn with_store(cfg: AccessConfig, store: Box<dyn Store + Send>) -> Result<Self, AccessConfigError> {
        let mut seen = std::collections::BTreeSet::new();
        for b in &cfg.businesses {
            if !seen.insert(b.id.as_str()) {
                return Err(AccessConfigError::DuplicateBusiness(b.id.clone()));
            }
            let hash = PasswordHash::new(&b.password_hash)
                .map_err(|e| AccessConfigError::BadHash { business: b.id.clone(), why: e.to_string() })?;
            if !hash.algorithm.as_str().starts_with("argon2") {
                return Err(AccessConfigError::BadHash {
                    business: b.id.clone(),
                    why: format!("algorithm {} is not argon2", hash.algorithm),
                });
            }
            for (field, v) in [
                ("max_concurrent", u64::from(b.max_concurrent)),
                ("rate_limit", u64::from(b.rate_limit)),
                ("rate_window_s", b.rate_window_s),
            ] {
                if v == 0 {
                    return Err(AccessConfigError::Zero { business: b.id.clone(), field });
                }
            }
        }
        let network: Vec<Port> = std::iter::once(cfg.network_port)
            .chain(cfg.businesses.iter().filter_map(|b| b.network_port))
            .collect();
        if let Some(p) = cfg.client_ports.iter().find(|p| network.contains(p)) {
            return Err(AccessConfigError::PortClash(p.0));
        }
        Ok(AccessServer {
            hashes: cfg.businesses.iter().map(|b| b.password_hash.clone()).collect(),
            verified: vec![None; cfg.businesses.len()],
            biz: cfg.businesses.iter().map(|_| BusinessState::default()).collect(),
            cfg,
            calls: BTreeMap::new(),
            by_request: BTreeMap::new(),
            next_call: 1,
            down: BTreeMap::new(),
            counters: AccessCounters::default(),
            store,
        })
    }

    /// Counters so far.
    pub fn counters(&self) -> &AccessCounters {
        &self.counters
    }

    /// Calls in progress and calls held, for all businesses.
    pub fn calls(&self) -> (usize, usize) {
        let held = self.calls.values().filter(|c| c.state == State::Held).count();
        (self.calls.len() - held, held)
    }

    fn unix_now(&self, now: Instant) -> u64 {
        self.cfg.unix_time_at_start.saturating_add(now.micros() / 1_000_000)
    }

    fn network_port(&self, business: usize) -> Port {
        self.cfg.businesses.get(business).and_then(|b| b.network_port).unwrap_or(self.cfg.network_port)
    }

    fn answer(&mut self, port: Port, request_id: u64, result: InstructionResult, out: &mut Outputs) {
        if let InstructionResult::Refused { refusal, reason } = &result {
            *self.counters.refused.entry(refusal_kind(refusal)).or_default() += 1;
            out.event(
                Some(request_id),
                EventKind::Note(format!("access: refused request {request_id}: {reason}")),
            );
        }
        out.send(port, OsnMessage::CallInstructionResult { request_id, result }.emit());
    }

    fn recv_client(&mut self, now: Instant, port: Port, bytes: &[u8], out: &mut Outputs) {
        self.counters.instructions += 1;
        let msg = match OsnMessage::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.counters.dropped += 1;
                out.event(None, EventKind::Dropped { reason: e.to_string(), hex: hex(bytes) });
                let id = salvage_request_id(bytes);
                self.answer(
                    port,
                    id,
                    InstructionResult::refused(Refusal::Malformed { why: e.to_string() }),
                    out,
                );
                return;
            }
        };
        let (request_id, equipment, business, password, customer, representative, contact_at) = match msg {
            OsnMessage::CallInstruction {
                request_id,
                equipment,
                business,
                password,
                customer,
                representative,
                contact_at,
            } => (request_id, equipment, business, password, customer, representative, contact_at),
            OsnMessage::Cancel { call_id } => return self.cancel(now, port, call_id, out),
            OsnMessage::NextRepresentative { call_id, representative } => {
                return self.next_representative(port, call_id, representative, out);
            }
            other => {
                let why = format!("expected call_instruction, got {}", message_name(&other));
                self.answer(port, 0, InstructionResult::refused(Refusal::Malformed { why }), out);
                return;
            }
        };
        match self.check(now, port, request_id, &business, &password, &customer, &representative, contact_at)
        {
            Err(refusal) => self.answer(port, request_id, InstructionResult::refused(refusal), out),
            Ok((b, held_until)) => {
                let call_id = self.next_call;
                self.next_call += 1;
                out.event(
                    Some(call_id),
                    EventKind::Note(format!(
                        "access: {business} (equipment {equipment:?}) request {request_id}: \
                         {customer} then {representative}{}",
                        held_until.map(|t| format!(", held until {t}")).unwrap_or_default()
                    )),
                );
                self.counters.accepted += 1;
                self.by_request.insert((port, request_id), call_id);
                let state = if held_until.is_some() { State::Held } else { State::Active };
                self.calls.insert(
                    call_id,
                    Call {
                        client: port,
                        request_id,
                        business: b,
                        customer,
                        representative,
                        state,
                        contact_at: held_until.unwrap_or(0),
                    },
                );
                self.save_next_call(out);
                self.answer(port, request_id, InstructionResult::Accepted { held_until }, out);
                match held_until {
                    Some(t) => {
                        self.counters.held += 1;
                        self.biz[b].held += 1;
                        self.save_held(call_id, out);
                        self.arm_held(now, call_id, t, out);
                    }
                    None => {
                        self.biz[b].active += 1;
                        self.send_setup(now, call_id, out);
                    }
                }
            }
        }
    }

    /// Fires held call `call_id` at Unix time `t` (at once when that is past).
    fn arm_held(&self, now: Instant, call_id: u64, t: u64, out: &mut Outputs) {
        let secs = t.saturating_sub(self.cfg.unix_time_at_start);
        let at = Instant::ZERO.after(Duration::from_secs(secs));
        out.set_timer(TimerId(call_id), if at < now { now } else { at });
    }

    fn store_failed(&mut self, what: &str, e: &ainsim_store::StoreError, out: &mut Outputs) {
        self.counters.store_errors += 1;
        out.event(None, EventKind::Note(format!("access: store: cannot {what}: {e}")));
    }

    fn save_next_call(&mut self, out: &mut Outputs) {
        let n = self.next_call;
        if let Err(e) = self.store.put(META_TREE, "next_call", &n) {
            self.store_failed("keep the next call id", &e, out);
        }
    }

    fn save_held(&mut self, call_id: u64, out: &mut Outputs) {
        let Some(c) = self.calls.get(&call_id) else { return };
        let rec = HeldCall {
            client: c.client,
            request_id: c.request_id,
            business: self.cfg.businesses.get(c.business).map(|b| b.id.clone()).unwrap_or_default(),
            customer: c.customer.clone(),
            representative: c.representative.clone(),
            contact_at: c.contact_at,
        };
        let r = self.store.put(HELD_TREE, &held_key(call_id), &rec).and_then(|()| self.store.flush());
        if let Err(e) = r {
            self.store_failed("keep a held call", &e, out);
        }
    }

    fn forget_held(&mut self, call_id: u64, out: &mut Outputs) {
        let r = self.store.delete(HELD_TREE, &held_key(call_id)).and_then(|_| self.store.flush());
        if let Err(e) = r {
            self.store_failed("forget a held call", &e, out);
        }
    }

    /// After a (re)start: the held calls of the store come back, with their timers.
    fn restore(&mut self, now: Instant, out: &mut Outputs) {
        match self.store.get::<u64>(META_TREE, "next_call") {
            Ok(Some(n)) => self.next_call = self.next_call.max(n),
            Ok(None) => {}
            Err(e) => self.store_failed("read the next call id", &e, out),
        }
        let held = match self.store.scan_prefix::<HeldCall>(HELD_TREE, "") {
            Ok(v) => v,
            Err(e) => return self.store_failed("read the held calls", &e, out),
        };
        for (key, h) in held {
            let Ok(call_id) = key.parse::<u64>() else { continue };
            let Some(b) = self.cfg.businesses.iter().position(|x| x.id == h.business) else {
                out.event(
                    Some(call_id),
                    EventKind::Note(format!(
                        "access: held call {call_id} of unknown business {:?} dropped",
                        h.business
                    )),
                );
                self.forget_held(call_id, out);
                continue;
            };
            self.next_call = self.next_call.max(call_id + 1);
            self.by_request.insert((h.client, h.request_id), call_id);
            self.biz[b].held += 1;
            self.counters.restored += 1;
            out.event(
                Some(call_id),
                EventKind::Note(format!(
                    "access: held call {call_id} (request {}) restored, due at {}",
                    h.request_id, h.contact_at
                )),
            );
            self.arm_held(now, call_id, h.contact_at, out);
            self.calls.insert(
                call_id,
                Call {
                    client: h.client,
                    request_id: h.request_id,
                    business: b,
                    customer: h.customer,
                    representative: h.representative,
                    state: State::Held,
                    contact_at: h.contact_at,
                },
            );
        }
    }

    /// `cancel` from the business: a held call ends here; a call in the
    /// network is cancelled there (its `cancelled` status ends it).
    fn cancel(&mut self, now: Instant, port: Port, request_id: u64, out: &mut Outputs) {
        let Some(&call_id) = self.by_request.get(&(port, request_id)) else {
            self.answer(
                port,
                request_id,
                InstructionResult::refused(Refusal::UnknownRequest { request_id }),
                out,
            );
            return;
        };
        self.counters.cancels += 1;
        out.event(Some(call_id), EventKind::Note(format!("access: request {request_id} cancelled")));
        match self.calls.get(&call_id).map(|c| (c.state, c.business)) {
            Some((State::Held, _)) => self.relay(now, call_id, CallStatus::Cancelled, out),
            Some((State::Active, b)) => {
                out.send(self.network_port(b), OsnMessage::Cancel { call_id }.emit());
                out.set_timer(TimerId(call_id), now.after(Duration::from_secs(self.cfg.setup_timeout_s)));
            }
            None => {}
        }
    }

    /// `next_representative` from the business (its ACD's next pick).
    fn next_representative(&mut self, port: Port, request_id: u64, rep: String, out: &mut Outputs) {
        let Some(&call_id) = self.by_request.get(&(port, request_id)) else {
            self.answer(
                port,
                request_id,
                InstructionResult::refused(Refusal::UnknownRequest { request_id }),
                out,
            );
            return;
        };
        let Some(c) = self.calls.get(&call_id) else { return };
        let bad = check_number("representative", &rep).err().or_else(|| {
            (rep == c.customer).then(|| Refusal::BadNumber {
                field: "representative".into(),
                number: rep.clone(),
                why: "it is the customer's own number".into(),
            })
        });
        if let Some(r) = bad {
            self.answer(port, request_id, InstructionResult::refused(r), out);
            return;
        }
        let (state, b) = (c.state, c.business);
        if let Some(c) = self.calls.get_mut(&call_id) {
            c.representative.clone_from(&rep);
        }
        match state {
            State::Held => self.save_held(call_id, out),
            State::Active => {
                self.counters.next_representatives += 1;
                out.send(
                    self.network_port(b),
                    OsnMessage::NextRepresentative { call_id, representative: rep }.emit(),
                );
            }
        }
    }

    /// The checks of the module docs, in order; the business's index and
    /// the hold time when all pass.
    #[allow(clippy::too_many_arguments)]
    fn check(
        &mut self,
        now: Instant,
        port: Port,
        request_id: u64,
        business: &str,
        password: &str,
        customer: &str,
        representative: &str,
        contact_at: Option<u64>,
    ) -> Result<(usize, Option<u64>), Refusal> {
        let Some(b) = self.cfg.businesses.iter().position(|x| x.id == business) else {
            return Err(Refusal::UnknownBusiness { business: business.into() });
        };
        let conf = &self.cfg.businesses[b];
        let window = Duration::from_secs(conf.rate_window_s);
        let st = &mut self.biz[b];
        while st.recent.front().is_some_and(|t| now.since(*t) >= window) {
            st.recent.pop_front();
        }
        if st.recent.len() >= conf.rate_limit as usize {
            return Err(Refusal::RateLimited {
                business: business.into(),
                limit: conf.rate_limit,
                per_s: conf.rate_window_s,
            });
        }
        st.recent.push_back(now);
        let digest = password_digest(&self.hashes[b], password);
        if self.verified[b].is_none_or(|d| !same(&d, &digest)) {
            if !password_matches(&self.hashes[b], password) {
                return Err(Refusal::WrongPassword { business: business.into() });
            }
            self.verified[b] = Some(digest);
        }
        if self.by_request.contains_key(&(port, request_id)) {
            return Err(Refusal::DuplicateRequest { request_id });
        }
        check_number("customer", customer)?;
        check_number("representative", representative)?;
        if customer == representative {
            return Err(Refusal::BadNumber {
                field: "representative".into(),
                number: representative.into(),
                why: "it is the customer's own number".into(),
            });
        }
        let unix_now = self.unix_now(now);
        let held_until = contact_at.filter(|&t| t > unix_now);
        if let Some(t) = held_until {
            let latest = unix_now.saturating_add(self.cfg.max_hold_s);
            if t > latest {
                return Err(Refusal::ContactTooFar {
                    contact_at: t,
                    latest,
                    max_hold_s: self.cfg.max_hold_s,
                });
            }
        }
        if held_until.is_none() && self.down.get(&self.network_port(b)).copied().unwrap_or(false) {
            return Err(Refusal::NetworkDown);
        }
        let (conf, st) = (&self.cfg.businesses[b], &self.biz[b]);
        match held_until {
            None if st.active >= conf.max_concurrent => {
                Err(Refusal::TooManyCalls { business: business.into(), limit: conf.max_concurrent })
            }
            Some(_) if st.held >= conf.max_held => {
                Err(Refusal::TooManyHeld { business: business.into(), limit: conf.max_held })
            }
            _ => Ok((b, held_until)),
        }
    }

    fn send_setup(&mut self, now: Instant, call_id: u64, out: &mut Outputs) {
        let Some(c) = self.calls.get(&call_id) else { return };
        let b = &self.cfg.businesses[c.business];
        let setup = OsnMessage::CallSetup {
            call_id,
            business: b.id.clone(),
            customer: c.customer.clone(),
            representative: c.representative.clone(),
            announcement: b.announcement.clone(),
        };
        out.event(
            Some(call_id),
            EventKind::CallAttempt { from: c.customer.clone(), to: c.representative.clone() },
        );
        out.send(self.network_port(c.business), setup.emit());
        self.counters.setups_sent += 1;
        out.set_timer(TimerId(call_id), now.after(Duration::from_secs(self.cfg.setup_timeout_s)));
    }

    /// Relays `status` to the requester; `released` / `failed` end the call.
    fn relay(&mut self, now: Instant, call_id: u64, status: CallStatus, out: &mut Outputs) {
        let Some(c) = self.calls.get(&call_id) else { return };
        let (client, request_id) = (c.client, c.request_id);
        let done = matches!(status, CallStatus::Released | CallStatus::Failed { .. } | CallStatus::Cancelled);
        out.send(client, OsnMessage::CallStatus { call_id: request_id, status }.emit());
        self.counters.statuses_relayed += 1;
        if done {
            self.finish(call_id, out);
        } else {
            out.set_timer(TimerId(call_id), now.after(Duration::from_secs(self.cfg.call_guard_s)));
        }
    }

    fn finish(&mut self, call_id: u64, out: &mut Outputs) {
        let Some(c) = self.calls.remove(&call_id) else { return };
        self.by_request.remove(&(c.client, c.request_id));
        if c.state == State::Held {
            self.forget_held(call_id, out);
        }
        let st = &mut self.biz[c.business];
        match c.state {
            State::Active => st.active = st.active.saturating_sub(1),
            State::Held => st.held = st.held.saturating_sub(1),
        }
        out.cancel_timer(TimerId(call_id));
    }

    fn recv_network(&mut self, now: Instant, bytes: &[u8], out: &mut Outputs) {
        match OsnMessage::parse(bytes) {
            Ok(OsnMessage::CallStatus { call_id, status }) => {
                if self.calls.get(&call_id).is_some_and(|c| c.state == State::Active) {
                    self.relay(now, call_id, status, out);
                } else {
                    self.counters.dropped += 1;
                    out.event(
                        Some(call_id),
                        EventKind::Note(format!(
                            "access: status for unknown call {call_id} ignored: {status:?}"
                        )),
                    );
                }
            }
            Ok(other) => out.event(
                None,
                EventKind::Note(format!("access: {} from the network ignored", message_name(&other))),
            ),
            Err(e) => {
                self.counters.dropped += 1;
                out.event(None, EventKind::Dropped { reason: e.to_string(), hex: hex(bytes) });
            }
        }
    }

    fn on_timer(&mut self, now: Instant, call_id: u64, out: &mut Outputs) {
        let Some(c) = self.calls.get(&call_id) else { return };
        let b = c.business;
        match c.state {
            State::Held => {
                let conf = &self.cfg.businesses[b];
                let refusal = if self.down.get(&self.network_port(b)).copied().unwrap_or(false) {
                    Some(Refusal::NetworkDown)
                } else if self.biz[b].active >= conf.max_concurrent {
                    Some(Refusal::TooManyCalls { business: conf.id.clone(), limit: conf.max_concurrent })
                } else {
                    None
                };
                if let Some(r) = refusal {
                    let reason = format!("at the contact time: {r}");
                    self.relay(now, call_id, CallStatus::Failed { reason }, out);
                    return;
                }
                self.biz[b].held = self.biz[b].held.saturating_sub(1);
                self.biz[b].active += 1;
                self.forget_held(call_id, out);
                if let Some(c) = self.calls.get_mut(&call_id) {
                    c.state = State::Active;
                }
                self.send_setup(now, call_id, out);
            }
            State::Active => {
                self.counters.timeouts += 1;
                let reason = "no word from the network about the call in time".to_string();
                self.relay(now, call_id, CallStatus::Failed { reason }, out);
            }
        }
    }

    fn is_network_port(&self, port: Port) -> bool {
        port == self.cfg.network_port || self.cfg.businesses.iter().any(|b| b.network_port == Some(port))
    }
}

impl Element for AccessServer {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn counter_values(&self) -> Vec<(String, u64)> {
        let c = self.counters();
        let mut v = crate::named_counters!(c; instructions, accepted, held, setups_sent, statuses_relayed, dropped, timeouts, cancels, next_representatives, restored, store_errors);
        v.extend(c.refused.iter().map(|(why, n)| (format!("refused.{why}"), *n)));
        v
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start => {
                // A restart forgets every call (timers of the old life fire into nothing).
                self.calls.clear();
                self.by_request.clear();
                self.biz.iter_mut().for_each(|b| *b = BusinessState::default());
                self.down.clear();
                self.restore(now, out);
            }
            Input::Recv { port, bytes } if self.cfg.client_ports.contains(&port) => {
                self.recv_client(now, port, bytes, out);
            }
            Input::Recv { port, bytes } if self.is_network_port(port) => self.recv_network(now, bytes, out),
            Input::Recv { port, bytes } => {
                self.counters.dropped += 1;
                out.event(
                    None,
                    EventKind::Dropped {
                        reason: format!("access: frame on unused port {}", port.0),
                        hex: hex(bytes),
                    },
                );
            }
            Input::LinkState { port, up } => {
                if self.is_network_port(port) {
                    out.event(
                        None,
                        EventKind::Note(format!(
                            "access: network port {} {}",
                            port.0,
                            if up { "up" } else { "down" }
                        )),
                    );
                }
                self.down.insert(port, !up);
            }
            Input::Timer(TimerId(call_id)) => self.on_timer(now, call_id, out),
        }
    }
}

/// SHA-256 of the stored hash and a password: what a known-good password
/// is remembered by (in memory only).
fn password_digest(hash: &str, password: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(hash.as_bytes());
    h.update([0]);
    h.update(password.as_bytes());
    h.finalize().into()
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn password_matches(hash: &str, password: &str) -> bool {
    // Checked at construction; a hash that stopped parsing matches nothing.
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Refuses anything but 3 to 15 ASCII digits.
fn check_number(field: &str, number: &str) -> Result<(), Refusal> {
    let bad = |why: String| Refusal::BadNumber { field: field.into(), number: number.into(), why };
    if let Some((i, c)) = number.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(bad(format!("{c:?} at position {i} is not a digit")));
    }
    match number.len() {
        0 => Err(bad("it is empty".into())),
        n if n < MIN_DIGITS => Err(bad(format!("{n} digits, fewer than {MIN_DIGITS}"))),
        n if n > MAX_DIGITS => Err(bad(format!("{n} digits, more than {MAX_DIGITS} (E.164)"))),
        _ => Ok(()),
    }
}

fn refusal_kind(r: &Refusal) -> &'static str {
    match r {
        Refusal::Malformed { .. } => "malformed",
        Refusal::UnknownBusiness { .. } => "unknown_business",
        Refusal::WrongPassword { .. } => "wrong_password",
        Refusal::BadNumber { .. } => "bad_number",
        Refusal::ContactTooFar { .. } => "contact_too_far",
        Refusal::RateLimited { .. } => "rate_limited",
        Refusal::TooManyCalls { .. } => "too_many_calls",
        Refusal::TooManyHeld { .. } => "too_many_held",
        Refusal::DuplicateRequest { .. } => "duplicate_request",
        Refusal::NetworkDown => "network_down",
        Refusal::UnknownRequest { .. } => "unknown_request",
    }
}

fn message_name(m: &OsnMessage) -> &'static str {
    match m {
        OsnMessage::CallSetup { .. } => "call_setup",
        OsnMessage::CallStatus { .. } => "call_status",
        OsnMessage::Play { .. } => "play",
        OsnMessage::Collect { .. } => "collect",
        OsnMessage::Digits { .. } => "digits",
        OsnMessage::CallInstruction { .. } => "call_instruction",
        OsnMessage::CallInstructionResult { .. } => "call_instruction_result",
        OsnMessage::NextRepresentative { .. } => "next_representative",
        OsnMessage::Cancel { .. } => "cancel",
    }
}

/// The `request_id` of a call instruction whose other fields are wrong, or 0.
fn salvage_request_id(frame: &[u8]) -> u64 {
    let body = frame.get(4..).unwrap_or_default();
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("call_instruction")?.get("request_id")?.as_u64())
        .unwrap_or(0)
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b.iter().take(256) {
        let _ = write!(s, "{x:02x}");
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::core::Output;
    use proptest::prelude::*;

    const CLIENT: Port = Port(1);
    const NET: Port = Port(9);

    fn server() -> AccessServer {
        let mut cfg = AccessConfig::new("IAS", vec![CLIENT], NET);
        let mut b = Business::new("ABC", hash_password("s3cret", b"saltsalt", 8, 1).unwrap());
        b.rate_limit = 3;
        b.max_concurrent = 1;
        cfg.businesses.push(b);
        AccessServer::new(cfg).unwrap()
    }

    fn instruction(id: u64, password: &str, customer: &str) -> Vec<u8> {
        OsnMessage::CallInstruction {
            request_id: id,
            equipment: "192.0.2.7".into(),
            business: "ABC".into(),
            password: password.into(),
            customer: customer.into(),
            representative: "2125550142".into(),
            contact_at: None,
        }
        .emit()
    }

    fn sent(out: &mut Outputs) -> Vec<(Port, OsnMessage)> {
        out.drain()
            .filter_map(|o| match o {
                Output::Send { port, bytes } => Some((port, OsnMessage::parse(&bytes).unwrap())),
                _ => None,
            })
            .collect()
    }

    fn refusal(m: &OsnMessage) -> &Refusal {
        match m {
            OsnMessage::CallInstructionResult {
                result: InstructionResult::Refused { refusal, .. }, ..
            } => refusal,
            other => panic!("{other:?}"),
        }
    }

    fn held(id: u64, at: u64) -> Vec<u8> {
        OsnMessage::CallInstruction {
            request_id: id,
            equipment: String::new(),
            business: "ABC".into(),
            password: "s3cret".into(),
            customer: "2015550100".into(),
            representative: "2125550142".into(),
            contact_at: Some(at),
        }
        .emit()
    }

    #[test]
    fn a_held_call_is_kept_in_sled_and_comes_back_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = server().cfg.clone();
        let store = ainsim_store::SledStore::open(dir.path()).unwrap();
        let mut first = AccessServer::with_store(cfg.clone(), Box::new(store.clone())).unwrap();
        let mut out = Outputs::new();
        first.handle(Instant::ZERO, Input::Start, &mut out);
        first.handle(Instant::ZERO, Input::Recv { port: CLIENT, bytes: &held(5, 600) }, &mut out);
        out.drain().for_each(drop);
        assert_eq!(first.calls(), (0, 1));
        drop(first);

        // The element is rebuilt (a restart): the held call and its timer come back.
        let mut second = AccessServer::with_store(cfg, Box::new(store)).unwrap();
        let now = Instant::ZERO.after(Duration::from_secs(100));
        second.handle(now, Input::Start, &mut out);
        assert_eq!(second.calls(), (0, 1));
        assert_eq!(second.counters().restored, 1);
        let timers: Vec<_> = out
            .drain()
            .filter_map(|o| match o {
                Output::SetTimer { id, at } => Some((id, at)),
                _ => None,
            })
            .collect();
        assert_eq!(timers, [(TimerId(1), Instant::ZERO.after(Duration::from_secs(600)))]);
        // It fires on time; the store no longer holds it.
        second.handle(Instant::ZERO.after(Duration::from_secs(600)), Input::Timer(TimerId(1)), &mut out);
        let got = sent(&mut out);
        assert!(matches!(got.as_slice(), [(NET, OsnMessage::CallSetup { call_id: 1, .. })]), "{got:?}");
        assert_eq!(second.calls(), (1, 0));
        assert!(second.store.scan_prefix_raw(HELD_TREE, "").unwrap().is_empty());
        // A new call after the restart does not reuse the id.
        second.handle(now, Input::Recv { port: CLIENT, bytes: &held(6, 900) }, &mut out);
        assert!(second.calls.contains_key(&2));
    }

    #[test]
    fn cancel_and_next_representative_follow_the_request_id() {
        let mut s = server();
        let mut out = Outputs::new();
        s.handle(Instant::ZERO, Input::Recv { port: CLIENT, bytes: &held(5, 600) }, &mut out);
        s.handle(
            Instant::ZERO,
            Input::Recv { port: CLIENT, bytes: &instruction(6, "s3cret", "2015550101") },
            &mut out,
        );
        out.drain().for_each(drop);
        let next = OsnMessage::NextRepresentative { call_id: 6, representative: "2125550143".into() };
        s.handle(Instant::ZERO, Input::Recv { port: CLIENT, bytes: &next.emit() }, &mut out);
        let cancel = |id| OsnMessage::Cancel { call_id: id }.emit();
        s.handle(Instant::ZERO, Input::Recv { port: CLIENT, bytes: &cancel(5) }, &mut out);
        s.handle(Instant::ZERO, Input::Recv { port: CLIENT, bytes: &cancel(6) }, &mut out);
        s.handle(Instant::ZERO, Input::Recv { port: CLIENT, bytes: &cancel(7) }, &mut out);
        let bad = OsnMessage::NextRepresentative { call_id: 6, representative: "2015550101".into() };
        s.handle(Instant::ZERO, Input::Recv { port: CLIENT, bytes: &bad.emit() }, &mut out);
        let got = sent(&mut out);
        assert_eq!(
            got[0],
            (NET, OsnMessage::NextRepresentative { call_id: 2, representative: "2125550143".into() })
        );
        assert_eq!(got[1], (CLIENT, OsnMessage::CallStatus { call_id: 5, status: CallStatus::Cancelled }));
        assert_eq!(got[2], (NET, OsnMessage::Cancel { call_id: 2 }));
        assert_eq!(refusal(&got[3].1), &Refusal::UnknownRequest { request_id: 7 });
        assert!(matches!(refusal(&got[4].1), Refusal::BadNumber { .. }));
        assert_eq!(s.calls(), (1, 0), "the network's `cancelled` ends the running call");
        let status = OsnMessage::CallStatus { call_id: 2, status: CallStatus::Cancelled }.emit();
        s.handle(Instant::ZERO, Input::Recv { port: NET, bytes: &status }, &mut out);
        assert_eq!(
            sent(&mut out),
            [(CLIENT, OsnMessage::CallStatus { call_id: 6, status: CallStatus::Cancelled })]
        );
        assert_eq!(s.calls(), (0, 0));
    }

    #[test]
    fn numbers_are_checked_with_what_was_wrong() {
        assert!(check_number("customer", "2015550100").is_ok());
        let why = |n: &str| match check_number("customer", n) {
            Err(Refusal::BadNumber { why, .. }) => why,
            other => panic!("{other:?}"),
        };
        assert_eq!(why(""), "it is empty");
        assert_eq!(why("201-555"), "'-' at position 3 is not a digit");
        assert_eq!(why("12"), "2 digits, fewer than 3");
        assert_eq!(why("1234567890123456"), "16 digits, more than 15 (E.164)");
    }

    #[test]
    fn rate_limit_counts_refused_instructions_and_then_recovers() {
        let mut s = server();
        let mut out = Outputs::new();
        for id in 1..=3 {
            s.handle(
                Instant(id),
                Input::Recv { port: CLIENT, bytes: &instruction(id, "nope", "2015550100") },
                &mut out,
            );
            assert!(matches!(refusal(&sent(&mut out)[0].1), Refusal::WrongPassword { .. }));
        }
        s.handle(
            Instant(4),
            Input::Recv { port: CLIENT, bytes: &instruction(4, "s3cret", "2015550100") },
            &mut out,
        );
        assert!(matches!(refusal(&sent(&mut out)[0].1), Refusal::RateLimited { limit: 3, per_s: 60, .. }));
        let later = Instant(1).after(Duration::from_secs(60));
        s.handle(
            later,
            Input::Recv { port: CLIENT, bytes: &instruction(5, "s3cret", "2015550100") },
            &mut out,
        );
        let got = sent(&mut out);
        assert!(matches!(
            got[0].1,
            OsnMessage::CallInstructionResult {
                request_id: 5,
                result: InstructionResult::Accepted { held_until: None }
            }
        ));
        assert!(matches!(got[1], (NET, OsnMessage::CallSetup { call_id: 1, .. })));
        assert_eq!(s.counters().refused.get("wrong_password"), Some(&3));
    }

    #[test]
    fn a_password_remembered_after_argon2_still_lets_no_other_one_in() {
        let mut s = server();
        let mut out = Outputs::new();
        let mut send = |s: &mut AccessServer, t: u64, password: &str| {
            s.handle(
                Instant(t),
                Input::Recv { port: CLIENT, bytes: &instruction(t, password, "2015550100") },
                &mut out,
            );
            sent(&mut out)
        };
        assert!(matches!(
            send(&mut s, 1, "s3cret")[0].1,
            OsnMessage::CallInstructionResult { result: InstructionResult::Accepted { .. }, .. }
        ));
        assert!(matches!(refusal(&send(&mut s, 2, "s3cret!")[0].1), Refusal::WrongPassword { .. }));
        // Past the password (remembered): only the one-call limit stops it.
        assert!(matches!(refusal(&send(&mut s, 3, "s3cret")[0].1), Refusal::TooManyCalls { .. }));
    }

    #[test]
    fn concurrency_limit_and_duplicates() {
        let mut s = server();
        let mut out = Outputs::new();
        s.handle(
            Instant(1),
            Input::Recv { port: CLIENT, bytes: &instruction(1, "s3cret", "2015550100") },
            &mut out,
        );
        sent(&mut out);
        s.handle(
            Instant(2),
            Input::Recv { port: CLIENT, bytes: &instruction(1, "s3cret", "2015550101") },
            &mut out,
        );
        assert_eq!(refusal(&sent(&mut out)[0].1), &Refusal::DuplicateRequest { request_id: 1 });
        s.handle(
            Instant(3),
            Input::Recv { port: CLIENT, bytes: &instruction(2, "s3cret", "2015550101") },
            &mut out,
        );
        assert_eq!(
            refusal(&sent(&mut out)[0].1),
            &Refusal::TooManyCalls { business: "ABC".into(), limit: 1 }
        );
        assert_eq!(s.calls(), (1, 0));
    }

    #[test]
    fn a_held_call_that_finds_the_business_busy_fails_and_a_silent_network_times_out() {
        let mut s = server();
        let mut out = Outputs::new();
        let later = OsnMessage::CallInstruction {
            request_id: 2,
            equipment: String::new(),
            business: "ABC".into(),
            password: "s3cret".into(),
            customer: "2015550102".into(),
            representative: "2125550142".into(),
            contact_at: Some(60),
        };
        s.handle(Instant(0), Input::Recv { port: CLIENT, bytes: &later.emit() }, &mut out);
        s.handle(
            Instant(1),
            Input::Recv { port: CLIENT, bytes: &instruction(1, "s3cret", "2015550101") },
            &mut out,
        );
        let got = sent(&mut out);
        assert!(matches!(
            got[0].1,
            OsnMessage::CallInstructionResult {
                result: InstructionResult::Accepted { held_until: Some(60) },
                ..
            }
        ));
        assert_eq!(s.calls(), (1, 1));
        // At the contact time the one allowed call is still in progress.
        s.handle(Instant(60_000_000), Input::Timer(TimerId(1)), &mut out);
        let reason = "at the contact time: business \"ABC\" already has its maximum of 1 calls in progress";
        assert_eq!(
            sent(&mut out),
            [(
                CLIENT,
                OsnMessage::CallStatus { call_id: 2, status: CallStatus::Failed { reason: reason.into() } }
            )]
        );
        // The network never said a word about call 2 (our id 2): it times out.
        s.handle(Instant(10_000_001), Input::Timer(TimerId(2)), &mut out);
        let reason = "no word from the network about the call in time";
        assert_eq!(
            sent(&mut out),
            [(
                CLIENT,
                OsnMessage::CallStatus { call_id: 1, status: CallStatus::Failed { reason: reason.into() } }
            )]
        );
        assert_eq!((s.calls(), s.counters().timeouts), ((0, 0), 1));
    }

    #[test]
    fn malformed_frames_are_answered_with_the_reason() {
        let mut s = server();
        let mut out = Outputs::new();
        let body = br#"{"call_instruction":{"request_id":42,"business":"ABC"}}"#;
        let frame = [&(body.len() as u32).to_be_bytes()[..], body].concat();
        s.handle(Instant(1), Input::Recv { port: CLIENT, bytes: &frame }, &mut out);
        let got = sent(&mut out);
        let OsnMessage::CallInstructionResult { request_id: 42, .. } = &got[0].1 else { panic!("{got:?}") };
        let Refusal::Malformed { why } = refusal(&got[0].1) else { panic!() };
        assert!(why.contains("missing field `password`"), "{why}");
    }

    #[test]
    fn config_errors_name_the_business() {
        let mut cfg = AccessConfig::new("IAS", vec![CLIENT], NET);
        cfg.businesses.push(Business::new("ABC", "plaintext".into()));
        let e = AccessServer::new(cfg).err().unwrap().to_string();
        assert!(e.contains("\"ABC\"") && e.contains("password_hash"), "{e}");
    }

    /// The example of docs/osn.md.
    pub(super) const EXAMPLE_TOML: &str = r#"
name = "ACCESS"
client_ports = [1]        # the business side (the click-to-call HTTP front, later)
network_port = 9          # the OSN toward the ISCP
max_hold_s = 604800       # contact times up to 7 days ahead
setup_timeout_s = 10
call_guard_s = 14700

[[businesses]]
id = "ABC"
# hash_password("cruise-2027", b"ABC-example-salt", 19456, 2): argon2id, argon2's default cost
password_hash = "$argon2id$v=19$m=19456,t=2,p=1$QUJDLWV4YW1wbGUtc2FsdA$dQtu5vV5W9cfgx4mZAAU8Vrq2D9L2qfpvhdrH0/3f+M"
announcement = "please-hold"
max_concurrent = 4
max_held = 16
rate_limit = 10
rate_window_s = 60

[[businesses]]
id = "XYZ"
password_hash = "$argon2id$v=19$m=19456,t=2,p=1$QUJDLWV4YW1wbGUtc2FsdA$dQtu5vV5W9cfgx4mZAAU8Vrq2D9L2qfpvhdrH0/3f+M"
network_port = 12         # XYZ's calls go to whatever sits on port 12 (an SSP)
"#;

    #[test]
    fn the_documented_toml_example_loads_and_checks_its_password() {
        let cfg: AccessConfig = toml::from_str(EXAMPLE_TOML).unwrap();
        assert_eq!(cfg.businesses[1].max_concurrent, 4, "defaults fill in");
        assert_eq!(cfg.businesses[1].network_port, Some(Port(12)));
        assert_eq!(cfg.unix_time_at_start, 0);
        let s = AccessServer::new(cfg).unwrap();
        assert!(password_matches(&s.hashes[0], "cruise-2027"));
        assert!(!password_matches(&s.hashes[0], "cruise-2028"));
        let e = toml::from_str::<AccessConfig>(
            "name = \"A\"\nclient_ports = [1]\nnetwork_port = 9\nbusiness = []\n",
        );
        assert!(e.unwrap_err().to_string().contains("unknown field `business`"));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn handle_never_panics(b in proptest::collection::vec(any::<u8>(), 0..80), port in 0u32..12) {
            let mut s = server();
            let mut out = Outputs::new();
            s.handle(Instant(0), Input::Recv { port: Port(port), bytes: &b }, &mut out);
        }
    }
}
