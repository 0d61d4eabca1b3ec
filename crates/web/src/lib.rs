//! The business web server's HTTP layer (axum) and its pages, over the
//! sans-IO [`ainsim_business::BusinessServer`].
//!
//! - [`WebState`]: the server behind a mutex, a [`Clock`] that gives the
//!   run's [`Instant`], an [`InstructionSink`] that takes the Fig. 8 call
//!   initiation messages, and the channel that feeds the consoles' live
//!   screen pops;
//! - [`router`]: the JSON API under `/api` (docs/api.md, section "Business
//!   web server"; docs/openapi-business.yaml) and the pages: the ABC Travel
//!   shop (`/`, `/cruises`, `/flights`, the seed's Fig. 4) and the
//!   representative console (`/console`), and a live view (`/network`) of
//!   the business's calls and, through a [`NetworkView`] the integrator
//!   wires in, the network's elements, links, calls and latest ladder;
//!   plain HTML/CSS/JS compiled into the binary ([`pages`]).
//!
//! Contract: bad input never panics; it gets a 400 (or 413 for a body over
//! [`MAX_BODY`], 404 for an unknown representative or call, 409 for a
//! status the ACD refuses) with a JSON body `{"error": ..., "field": ...}`
//! naming the field. The mutex is never held across an `.await`.
//!
//! What it is not: the link to the Internet access server (the sink's
//! implementor does that: the gateway's HTTPS client or the OSN), TLS, or
//! authentication of the shop or console.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ainsim_business::{Action, BusinessError, BusinessServer, CallId, ScreenPop};
use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage};
use ainsim_elements::Instant;
use tokio::sync::broadcast;

mod api;
mod network_pop;
pub mod pages;

pub use crate::api::{router, ApiError, CallRequestAnswer, MAX_BODY};
pub use crate::network_pop::MAX_SKEW_S as POP_MAX_SKEW_S;

/// Where the run's time comes from: real time for `ainsim serve`, a hand-set
/// clock in tests and simulated runs.
pub trait Clock: Send + Sync + 'static {
    /// Now, as microseconds since the run's start.
    fn now(&self) -> Instant;
}

/// Real time since this clock was made.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: std::time::Instant,
}

impl SystemClock {
    /// A clock whose `Instant::ZERO` is now.
    pub fn new() -> Self {
        SystemClock { start: std::time::Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant(u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX))
    }
}

/// A clock moved by hand (tests, simulated time).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// Sets the time.
    pub fn set(&self, t: Instant) {
        self.0.store(t.0, Ordering::SeqCst);
    }
    /// Moves the time on by `micros`.
    pub fn advance(&self, micros: u64) {
        self.0.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        Instant(self.0.load(Ordering::SeqCst))
    }
}

/// Takes the Fig. 8 call initiation messages ([`Action::Instruction`]) for
/// the Internet access server, and the business's [`OsnMessage::Cancel`]s.
///
/// Called with the business server's lock released, from inside a request
/// handler: it must not block. An HTTPS or OSN implementor queues the
/// message (e.g. on a tokio channel) and later reports back through
/// [`WebState::instruction_result`] and [`WebState::call_status`].
pub trait InstructionSink: Send + Sync + 'static {
    /// Send `message` (an [`OsnMessage::CallInstruction`], or an
    /// [`OsnMessage::Cancel`]) for `call`, offered to `agent`.
    fn send(&self, call: CallId, agent: &str, message: OsnMessage);
}

/// An [`InstructionSink`] that keeps what it is given (tests, `ainsim demo`).
#[derive(Debug, Default)]
pub struct RecordingSink(Mutex<Vec<(CallId, String, OsnMessage)>>);

impl RecordingSink {
    /// Everything sent so far, oldest first, emptying the record.
    pub fn take(&self) -> Vec<(CallId, String, OsnMessage)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl InstructionSink for RecordingSink {
    fn send(&self, call: CallId, agent: &str, message: OsnMessage) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((call, agent.into(), message));
    }
}

/// One event for one representative's console (server-sent events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleEvent {
    /// The representative it is for.
    pub agent: String,
    /// The SSE event name: `pop`, `away`, `failed`, `abandoned`, `cancelled`.
    pub kind: &'static str,
    /// The event's JSON.
    pub data: String,
}

/// An element of the network, for the live view.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ElementView {
    /// Its name in the topology (`ssp-a`, `stp-1`).
    pub name: String,
    /// What it is (`ssp`, `stp`, `scp`, `ip`, `mtso`, `access`).
    pub kind: String,
}

/// A link of the network, for the live view.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct LinkView {
    pub a: String,
    pub b: String,
    /// `ss7`, `isup`, `osn`, `voice`, ...
    pub kind: String,
}

/// What the live view (`/network`) shows of the network.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct NetworkSnapshot {
    pub elements: Vec<ElementView>,
    pub links: Vec<LinkView>,
    /// The calls in progress, one line each.
    pub calls: Vec<String>,
    /// The ladder of the latest call, as text.
    pub ladder: String,
}

/// Where the live view reads the network from (the runtime, when the
/// integrator wires one in with [`WebState::set_network_view`]).
pub trait NetworkView: Send + Sync + 'static {
    /// The network now. Called from a request handler: keep it quick.
    fn snapshot(&self) -> NetworkSnapshot;
}

struct Inner {
    network: Mutex<Option<Arc<dyn NetworkView>>>,
    server: Mutex<BusinessServer>,
    clock: Arc<dyn Clock>,
    sink: Arc<dyn InstructionSink>,
    events: broadcast::Sender<ConsoleEvent>,
    /// The latest screen pop per representative, until its result is posted.
    pops: Mutex<HashMap<String, ScreenPop>>,
    /// Who may post the network's screen pops (`POST /api/screen-pops`).
    pop_auth: Mutex<Option<network_pop::PopAuth>>,
}

/// The business web server's shared state: clone it freely.
#[derive(Clone)]
pub struct WebState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for WebState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebState").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl WebState {
    /// The web front over `server`, reading time from `clock` and handing
    /// call initiation messages to `sink`.
    pub fn new(server: BusinessServer, clock: Arc<dyn Clock>, sink: Arc<dyn InstructionSink>) -> Self {
        let (events, _) = broadcast::channel(256);
        WebState {
            inner: Arc::new(Inner {
                network: Mutex::new(None),
                server: Mutex::new(server),
                clock,
                sink,
                events,
                pops: Mutex::new(HashMap::new()),
                pop_auth: Mutex::new(None),
            }),
        }
    }

    /// Takes the network's screen pops (`POST /api/screen-pops`, the Fig. 9
    /// path) signed by `business`'s HMAC key `key`, the key it shares with
    /// the access server. Without this call they are refused (403).
    pub fn accept_network_pops(&self, business: &str, key: &[u8]) {
        *lock(&self.inner.pop_auth) = Some(network_pop::PopAuth {
            business: business.into(),
            key: key.to_vec(),
            nonces: HashMap::new(),
        });
    }

    /// Shows a pop the network's ACD caused on its representative's
    /// console: kept like the business's own pops (replayed when the
    /// console opens, until a result is posted) and sent as a `pop` event
    /// with `"via": "network"` and the session's `request_id` added.
    pub(crate) fn network_pop(&self, pop: ScreenPop, request_id: Option<u64>) {
        let mut data = serde_json::to_value(&pop).unwrap_or_default();
        if let Some(o) = data.as_object_mut() {
            o.insert("via".into(), "network".into());
            o.insert("request_id".into(), request_id.into());
        }
        let agent = pop.agent.clone();
        lock(&self.inner.pops).insert(agent.clone(), pop);
        self.emit(&agent, "pop", &data);
    }

    /// Lets the live view (`/network`) show the network from `view`.
    pub fn set_network_view(&self, view: Arc<dyn NetworkView>) {
        *lock(&self.inner.network) = Some(view);
    }

    /// The network as the live view shows it, if a view is wired in.
    pub fn network_snapshot(&self) -> Option<NetworkSnapshot> {
        let view = lock(&self.inner.network).clone();
        view.map(|v| v.snapshot())
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> Instant {
        self.inner.clock.now()
    }

    /// Runs `f` on the business server under its lock (do not block in it).
    pub fn with_server<R>(&self, f: impl FnOnce(&mut BusinessServer, Instant) -> R) -> R {
        let now = self.now();
        let mut s = lock(&self.inner.server);
        f(&mut s, now)
    }

    /// Subscribes to every console event (the SSE endpoint filters by representative).
    pub fn subscribe(&self) -> broadcast::Receiver<ConsoleEvent> {
        self.inner.events.subscribe()
    }

    /// The screen pop a representative's console should show now, if any.
    pub fn current_pop(&self, agent: &str) -> Option<ScreenPop> {
        lock(&self.inner.pops).get(agent).cloned()
    }

    pub(crate) fn clear_pop(&self, agent: &str) {
        lock(&self.inner.pops).remove(agent);
    }

    /// Carries out the business server's actions: instructions to the sink,
    /// screen pops and agent news to the consoles. Returns them unchanged.
    pub fn dispatch(&self, actions: Vec<Action>) -> Vec<Action> {
        for a in &actions {
            match a {
                Action::Instruction { call, agent, message } => {
                    self.inner.sink.send(*call, agent, message.clone())
                }
                Action::ScreenPop { pop } => {
                    lock(&self.inner.pops).insert(pop.agent.clone(), pop.clone());
                    self.emit(&pop.agent, "pop", pop);
                }
                Action::AgentAway { agent } => self.emit(agent, "away", &serde_json::json!({"agent": agent})),
                Action::Failed { call, reason } => {
                    if let Some(agent) = self.agent_of(*call) {
                        self.drop_pop(&agent, *call);
                        self.emit(&agent, "failed", &serde_json::json!({"call": call.0, "reason": reason}));
                    }
                }
                Action::Abandoned { call, reason } => {
                    if let Some(agent) = self.agent_of(*call) {
                        self.drop_pop(&agent, *call);
                        self.emit(
                            &agent,
                            "abandoned",
                            &serde_json::json!({"call": call.0, "reason": reason}),
                        );
                    }
                }
                Action::Queued { .. } | Action::Scheduled { .. } => {}
            }
        }
        actions
    }

    /// The console stops showing `call` (it failed or was given up).
    fn drop_pop(&self, agent: &str, call: CallId) {
        let mut pops = lock(&self.inner.pops);
        if pops.get(agent).is_some_and(|p| p.call == call) {
            pops.remove(agent);
        }
    }

    fn agent_of(&self, call: CallId) -> Option<String> {
        lock(&self.inner.server).call(call).and_then(|c| c.agent)
    }

    fn emit(&self, agent: &str, kind: &'static str, data: &impl serde::Serialize) {
        let data = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
        // No console listening is fine: the pop is kept in `pops` for the next one.
        let _ = self.inner.events.send(ConsoleEvent { agent: agent.into(), kind, data });
    }

    /// The access server's answer to a call initiation message.
    ///
    /// # Errors
    /// As [`BusinessServer::instruction_result`].
    pub fn instruction_result(
        &self,
        request_id: u64,
        result: &InstructionResult,
    ) -> Result<Vec<Action>, BusinessError> {
        let actions = self.with_server(|s, now| s.instruction_result(now, request_id, result))?;
        Ok(self.dispatch(actions))
    }

    /// The network's news about a call (may re-pick and send a new instruction).
    ///
    /// # Errors
    /// As [`BusinessServer::call_status`].
    pub fn call_status(&self, request_id: u64, status: &CallStatus) -> Result<Vec<Action>, BusinessError> {
        let actions = self.with_server(|s, now| s.call_status(now, request_id, status))?;
        Ok(self.dispatch(actions))
    }

    /// The business gives `call` up: the ACD lets it go, the network is
    /// sent [`OsnMessage::Cancel`] under the attempt's request id (if one
    /// was sent and the call is not finished), and the representative's
    /// console gets `cancelled` and loses the pop. The network's
    /// [`CallStatus::Cancelled`] that follows is then an unknown request to
    /// [`WebState::call_status`]: ignore it.
    ///
    /// # Errors
    /// As [`BusinessServer::cancel`].
    pub fn cancel(&self, call: CallId) -> Result<Vec<Action>, BusinessError> {
        let (before, actions) = self.with_server(|s, now| {
            let before = s.call(call);
            s.cancel(now, call).map(|a| (before, a))
        })?;
        if let Some(b) = before.filter(|b| !b.finished) {
            let agent = b.agent.unwrap_or_default();
            if let Some(request_id) = b.request_id {
                self.inner.sink.send(call, &agent, OsnMessage::Cancel { call_id: request_id });
            }
            if self.current_pop(&agent).is_some_and(|p| p.call == call) {
                self.clear_pop(&agent);
                self.emit(&agent, "cancelled", &serde_json::json!({"call": call.0}));
            }
        }
        // The console was told `cancelled`; the ACD's own "abandoned" for
        // the same call would say it twice.
        let actions = actions
            .into_iter()
            .filter(|a| !matches!(a, Action::Abandoned { call: c, .. } if *c == call))
            .collect();
        Ok(self.dispatch(actions))
    }

    /// Runs the business server's timers if one is due by the clock; returns
    /// the next due time.
    ///
    /// # Errors
    /// The store failed.
    pub fn tick(&self) -> Result<Option<Instant>, BusinessError> {
        let (actions, next) = self.with_server(|s, now| {
            let actions = match s.poll_timeout() {
                Some(t) if t <= now => s.handle_timeout(now)?,
                _ => Vec::new(),
            };
            Ok::<_, BusinessError>((actions, s.poll_timeout()))
        })?;
        self.dispatch(actions);
        Ok(next)
    }

    /// Runs the timers in real time until the task is dropped (for
    /// `ainsim serve`; checks at least every 250 ms, as a new request may
    /// bring an earlier timer).
    pub async fn run_timers(self) {
        loop {
            let next = self.tick().ok().flatten();
            let now = self.now();
            let wait_us = next.map_or(250_000, |t| t.0.saturating_sub(now.0)).clamp(1_000, 250_000);
            tokio::time::sleep(std::time::Duration::from_micros(wait_us)).await;
        }
    }
}
