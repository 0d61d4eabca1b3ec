//! The ACD (automated call distribution, the seed's routine 338): which
//! representative takes which call, and when.
//!
//! A sans-IO state machine in the quinn-proto manner: every input carries
//! `now` ([`Instant`], from the runtime), every output is a [`Decision`]
//! (data), and [`Acd::poll_timeout`] / [`Acd::handle_timeout`] drive its
//! timers (wrap-up ends, callbacks come due, skill tiers widen, waits run
//! out). The only randomness (the `random` strategy) comes from the seed
//! given to [`Acd::new`], so a run is reproducible.
//!
//! The policy, in order, for each waiting call (highest priority first,
//! then first come first served):
//!
//! 1. the representative the page named (Fig. 9), if free and not tried;
//! 2. else the free representatives whose skill level for the page's skill
//!    is within the call's current tier ([`Tier`]; tiers widen as the call
//!    waits), the best level first, one of them chosen by the [`Strategy`];
//! 3. else a representative in wrap-up that ends within
//!    [`AcdConfig::soon_free_ms`]: the call is offered for when it ends;
//! 4. else the call waits in the queue with an estimated wait.
//!
//! A representative who does not answer (or is busy: the network reports
//! it with [`Acd::unreached`]) is not offered that call again; the call
//! goes back to its place and the next one is picked while the customer
//! waits. [`AcdConfig::max_missed`] misses in a row set them `away`.
//!
//! Contract: a representative never holds two calls; a call is held by at
//! most one representative; no input panics (unknown ids are errors).
//!
//! What it is not: storage, the network, or the records of a call (see
//! [`crate::server`]). Calls that end are forgotten here.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use ainsim_elements::Instant;

use crate::model::Status;

/// A call's id, the business server's own.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct CallId(pub u64);

impl std::fmt::Display for CallId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "call {}", self.0)
    }
}

/// How to choose among equally skilled free representatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The one free the longest (the default).
    #[default]
    LongestIdle,
    /// The next after the last one given a call, in registration order.
    RoundRobin,
    /// The one who has answered the fewest calls (ties: longest idle).
    FewestCalls,
    /// Any of them, from the seeded generator.
    Random,
    /// The first in [`AcdConfig::fixed_order`] (then registration order).
    FixedOrder,
}

/// A skill tier: from `after_ms` of waiting, representatives whose level
/// for the asked skill is at most `max_level` may take the call; `None`
/// means anyone, skilled or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub after_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_level: Option<u8>,
}

/// The ACD's parameters (JSON: every field optional, these defaults).
///
/// ```json
/// {"strategy": "longest_idle", "fixed_order": [],
///  "tiers": [{"after_ms": 0, "max_level": 1}, {"after_ms": 20000, "max_level": 3},
///            {"after_ms": 60000}],
///  "wrap_up_ms": 10000, "max_missed": 3, "soon_free_ms": 5000,
///  "max_wait_ms": 600000, "default_handle_ms": 180000, "handle_window": 20}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AcdConfig {
    pub strategy: Strategy,
    /// Representative ids in order, for [`Strategy::FixedOrder`].
    pub fixed_order: Vec<String>,
    /// Skill tiers by waiting time; the last one started applies.
    pub tiers: Vec<Tier>,
    /// Wrap-up time after each call.
    pub wrap_up_ms: u64,
    /// Missed calls in a row that set a representative away (0: never).
    pub max_missed: u32,
    /// Offer a call to a representative whose wrap-up ends within this.
    pub soon_free_ms: u64,
    /// A call waiting this long in the queue is abandoned (`None`: never).
    pub max_wait_ms: Option<u64>,
    /// Handling time assumed before any call has been handled.
    pub default_handle_ms: u64,
    /// How many recent calls the handling-time average covers.
    pub handle_window: usize,
}

impl Default for AcdConfig {
    fn default() -> Self {
        AcdConfig {
            strategy: Strategy::LongestIdle,
            fixed_order: Vec::new(),
            tiers: vec![
                Tier { after_ms: 0, max_level: Some(1) },
                Tier { after_ms: 20_000, max_level: Some(3) },
                Tier { after_ms: 60_000, max_level: None },
            ],
            wrap_up_ms: 10_000,
            max_missed: 3,
            soon_free_ms: 5_000,
            max_wait_ms: Some(600_000),
            default_handle_ms: 180_000,
            handle_window: 20,
        }
    }
}

/// A call for the ACD to place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallSpec {
    pub id: CallId,
    /// The skill the page asks for.
    pub skill: Option<String>,
    /// The representative the page names (Fig. 9).
    pub preferred: Option<String>,
    /// Higher is served first.
    pub priority: u8,
    /// A callback: join the line at this time (it keeps the place in line
    /// of the moment it was asked for).
    pub due: Option<Instant>,
}

/// Why the network could not reach the representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreached {
    Busy,
    NoAnswer,
}

/// Why a call left the ACD without being answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbandonReason {
    /// It waited [`AcdConfig::max_wait_ms`].
    WaitedTooLong,
    /// The customer or the business gave up ([`Acd::abandon`]).
    Cancelled,
}

/// What the ACD decided; the caller acts on it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    /// Call `agent` for `call` at `dial_at` (now, or when their wrap-up ends).
    Offer { call: CallId, agent: String, dial_at: Instant },
    /// Nobody can take `call` yet: it is `position` (0 = next) in line.
    Queued { call: CallId, position: usize, estimated_wait_ms: Option<u64> },
    /// `call` will join the line at `due`.
    Scheduled { call: CallId, due: Instant },
    /// `agent` missed too many calls in a row and is now away.
    AgentAway { agent: String },
    /// `call` left without an answer.
    Abandoned { call: CallId, reason: AbandonReason },
}

/// Why the ACD refused an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcdError {
    #[error("acd: no representative {0:?}")]
    UnknownAgent(String),
    #[error("acd: representative {0:?} is already registered")]
    DuplicateAgent(String),
    #[error("acd: no {0} here")]
    UnknownCall(CallId),
    #[error("acd: {0} is already here")]
    DuplicateCall(CallId),
    #[error("acd: representative {agent:?} has {call}; finish it first")]
    AgentHasCall { agent: String, call: CallId },
    #[error("acd: {call} is {state}, not {expected}")]
    WrongState { call: CallId, state: &'static str, expected: &'static str },
    #[error("acd: status {0:?} is set by the ACD, not by hand")]
    StatusNotSettable(Status),
}

/// One representative as the ACD sees them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgentView {
    pub id: String,
    pub status: Status,
    pub call: Option<CallId>,
    pub skills: BTreeMap<String, u8>,
    /// Since when they are free (or were last freed).
    pub idle_since: Instant,
    /// When their wrap-up ends, if timed.
    pub wrap_until: Option<Instant>,
    /// Calls missed in a row.
    pub missed: u32,
    /// Calls answered.
    pub handled: u64,
}

#[derive(Debug, Clone)]
struct Agent {
    view: AgentView,
    /// Registration order, for round robin and fixed order.
    order: u64,
}

#[derive(Debug, Clone)]
struct Call {
    spec: CallSpec,
    seq: u64,
    phase: Phase,
    tried: BTreeSet<String>,
}

/// Where a call stands in the ACD.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "phase")]
pub enum CallPhase {
    /// A callback, joining the line at `due`.
    Scheduled { due: Instant },
    /// In line since `since`.
    Waiting { since: Instant },
    /// Given to `agent`, to be dialled at `dial_at`.
    Offered { agent: String, dial_at: Instant },
    /// `agent` answered at `since`.
    Talking { agent: String, since: Instant },
}

use CallPhase as Phase;

impl Phase {
    /// The phase's name (`scheduled`, `waiting`, `offered`, `talking`).
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Scheduled { .. } => "scheduled",
            Phase::Waiting { .. } => "waiting",
            Phase::Offered { .. } => "offered",
            Phase::Talking { .. } => "talking",
        }
    }
}

/// Queue key: priority (higher first), then place in line.
type QueueKey = (Reverse<u8>, u64, CallId);

/// A small seeded generator (SplitMix64): the same seed, the same picks.
#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // n fits in u64 on every platform we build for; the modulo bias is
        // below 2^-32 for any queue we will see.
        (self.next_u64() % n as u64) as usize
    }

    /// A uniform number in (0, 1].
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }
}

/// The ACD engine.
#[derive(Debug, Clone)]
pub struct Acd {
    cfg: AcdConfig,
    agents: BTreeMap<String, Agent>,
    calls: BTreeMap<CallId, Call>,
    queue: BTreeSet<QueueKey>,
    next_seq: u64,
    next_order: u64,
    last_rr: Option<u64>,
    handle_times: VecDeque<Duration>,
    rng: SeededRng,
    /// The latest `now` the queue was dispatched at: tier starts and
    /// soon-free windows up to here are taken into account.
    seen: Instant,
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

impl Acd {
    /// An ACD with no representatives; `seed` drives [`Strategy::Random`].
    pub fn new(cfg: AcdConfig, seed: u64) -> Self {
        Acd {
            cfg,
            agents: BTreeMap::new(),
            calls: BTreeMap::new(),
            queue: BTreeSet::new(),
            next_seq: 0,
            next_order: 0,
            last_rr: None,
            handle_times: VecDeque::new(),
            rng: SeededRng::new(seed),
            seen: Instant::ZERO,
        }
    }

    /// The parameters.
    pub fn config(&self) -> &AcdConfig {
        &self.cfg
    }

    /// Registers a representative, logged out.
    ///
    /// # Errors
    /// The id is already registered.
    pub fn add_agent(&mut self, id: &str, skills: BTreeMap<String, u8>) -> Result<(), AcdError> {
        if self.agents.contains_key(id) {
            return Err(AcdError::DuplicateAgent(id.into()));
        }
        let view = AgentView {
            id: id.into(),
            status: Status::LoggedOut,
            call: None,
            skills,
            idle_since: Instant::ZERO,
            wrap_until: None,
            missed: 0,
            handled: 0,
        };
        self.agents.insert(id.into(), Agent { view, order: self.next_order });
        self.next_order += 1;
        Ok(())
    }

    /// Replaces a representative's skills (takes effect at the next pick).
    ///
    /// # Errors
    /// No such representative.
    pub fn set_skills(&mut self, id: &str, skills: BTreeMap<String, u8>) -> Result<(), AcdError> {
        let a = self.agents.get_mut(id).ok_or_else(|| AcdError::UnknownAgent(id.into()))?;
        a.view.skills = skills;
        Ok(())
    }

    /// Removes a representative.
    ///
    /// # Errors
    /// No such representative, or they hold a call.
    pub fn remove_agent(&mut self, id: &str) -> Result<(), AcdError> {
        let a = self.agents.get(id).ok_or_else(|| AcdError::UnknownAgent(id.into()))?;
        if let Some(call) = a.view.call {
            return Err(AcdError::AgentHasCall { agent: id.into(), call });
        }
        self.agents.remove(id);
        Ok(())
    }

    /// A representative, if registered.
    pub fn agent(&self, id: &str) -> Option<&AgentView> {
        self.agents.get(id).map(|a| &a.view)
    }

    /// Every representative, by id.
    pub fn agents(&self) -> impl Iterator<Item = &AgentView> {
        self.agents.values().map(|a| &a.view)
    }

    /// Where a call stands, if the ACD has it.
    pub fn call_phase(&self, id: CallId) -> Option<&CallPhase> {
        self.calls.get(&id).map(|c| &c.phase)
    }

    /// The representative holding a call (offered or talking).
    pub fn call_agent(&self, id: CallId) -> Option<&str> {
        match &self.calls.get(&id)?.phase {
            Phase::Offered { agent, .. } | Phase::Talking { agent, .. } => Some(agent),
            _ => None,
        }
    }

    /// The waiting calls, next first.
    pub fn queue(&self) -> Vec<CallId> {
        self.queue.iter().map(|k| k.2).collect()
    }

    /// The calls scheduled for later (callbacks), soonest first.
    pub fn scheduled(&self) -> Vec<(CallId, Instant)> {
        let mut v: Vec<_> = self
            .calls
            .iter()
            .filter_map(|(id, c)| match c.phase {
                Phase::Scheduled { due } => Some((*id, due)),
                _ => None,
            })
            .collect();
        v.sort_by_key(|(id, due)| (*due, *id));
        v
    }

    /// The average handling time (talk plus wrap-up) of recent calls.
    pub fn average_handle_time(&self) -> Duration {
        let n = self.handle_times.len();
        if n == 0 {
            return ms(self.cfg.default_handle_ms);
        }
        let total: Duration = self.handle_times.iter().sum();
        total / u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Estimated wait of a queued call: handling time × (calls ahead + 1)
    /// ÷ representatives at work (available, wrap-up or on a call).
    /// `None` when the call is not queued or nobody is at work.
    pub fn estimated_wait(&self, call: CallId) -> Option<Duration> {
        let position = self.queue.iter().position(|k| k.2 == call)?;
        let staffed = self
            .agents
            .values()
            .filter(|a| matches!(a.view.status, Status::Available | Status::WrapUp | Status::OnCall))
            .count();
        if staffed == 0 {
            return None;
        }
        let ahead = u32::try_from(position + 1).unwrap_or(u32::MAX);
        Some(self.average_handle_time().saturating_mul(ahead) / u32::try_from(staffed).unwrap_or(u32::MAX))
    }

    /// Sets a representative's status by hand (the console): logged out,
    /// available, on break, wrap-up (until set available) or away.
    /// Becoming available resets their missed-call count.
    ///
    /// # Errors
    /// No such representative; `on_call` asked for; or they hold a call.
    pub fn set_status(&mut self, now: Instant, id: &str, status: Status) -> Result<Vec<Decision>, AcdError> {
        if status == Status::OnCall {
            return Err(AcdError::StatusNotSettable(status));
        }
        let a = self.agents.get_mut(id).ok_or_else(|| AcdError::UnknownAgent(id.into()))?;
        if let Some(call) = a.view.call {
            return Err(AcdError::AgentHasCall { agent: id.into(), call });
        }
        let was = a.view.status;
        a.view.status = status;
        a.view.wrap_until = None;
        if status == Status::Available {
            a.view.missed = 0;
            if was != Status::Available {
                a.view.idle_since = now;
            }
        }
        let mut out = Vec::new();
        self.dispatch(now, &mut out);
        Ok(out)
    }

    /// A new call: offered at once, queued, or scheduled for its due time.
    ///
    /// # Errors
    /// The id is already in use.
    pub fn request(&mut self, now: Instant, spec: CallSpec) -> Result<Vec<Decision>, AcdError> {
        if self.calls.contains_key(&spec.id) {
            return Err(AcdError::DuplicateCall(spec.id));
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let id = spec.id;
        let mut out = Vec::new();
        let phase = match spec.due {
            Some(due) if due > now => {
                out.push(Decision::Scheduled { call: id, due });
                Phase::Scheduled { due }
            }
            _ => Phase::Waiting { since: now },
        };
        let waiting = matches!(phase, Phase::Waiting { .. });
        self.calls.insert(id, Call { spec, seq, phase, tried: BTreeSet::new() });
        if waiting {
            self.enqueue(id);
            self.dispatch(now, &mut out);
            self.report_queued(id, &mut out);
        }
        Ok(out)
    }

    /// Re-adds a call restored from storage with its place in line `seq`
    /// (a callback that was scheduled before a restart).
    ///
    /// # Errors
    /// The id is already in use.
    pub fn restore_scheduled(
        &mut self,
        now: Instant,
        spec: CallSpec,
        seq: u64,
    ) -> Result<Vec<Decision>, AcdError> {
        if self.calls.contains_key(&spec.id) {
            return Err(AcdError::DuplicateCall(spec.id));
        }
        self.next_seq = self.next_seq.max(seq.saturating_add(1));
        let id = spec.id;
        let due = spec.due.unwrap_or(now);
        self.calls.insert(id, Call { spec, seq, phase: Phase::Scheduled { due }, tried: BTreeSet::new() });
        let mut out = vec![Decision::Scheduled { call: id, due }];
        out.extend(self.handle_timeout(now));
        Ok(out)
    }

    /// A call's place in line (for storage), if the ACD has it.
    pub fn place_in_line(&self, id: CallId) -> Option<u64> {
        self.calls.get(&id).map(|c| c.seq)
    }

    /// Turns a waiting call into a callback at `due`; it keeps its place in line.
    ///
    /// # Errors
    /// No such call, or it is not waiting.
    pub fn call_back_later(
        &mut self,
        now: Instant,
        id: CallId,
        due: Instant,
    ) -> Result<Vec<Decision>, AcdError> {
        let c = self.calls.get_mut(&id).ok_or(AcdError::UnknownCall(id))?;
        if !matches!(c.phase, Phase::Waiting { .. }) {
            return Err(AcdError::WrongState { call: id, state: c.phase.name(), expected: "waiting" });
        }
        let key = (Reverse(c.spec.priority), c.seq, id);
        c.spec.due = Some(due);
        c.phase = Phase::Scheduled { due };
        self.queue.remove(&key);
        let mut out = vec![Decision::Scheduled { call: id, due }];
        self.dispatch(now, &mut out);
        Ok(out)
    }

    /// The representative answered an offered call.
    ///
    /// # Errors
    /// No such call, or it is not offered.
    pub fn answered(&mut self, now: Instant, id: CallId) -> Result<(), AcdError> {
        let c = self.calls.get_mut(&id).ok_or(AcdError::UnknownCall(id))?;
        let Phase::Offered { agent, .. } = &c.phase else {
            return Err(AcdError::WrongState { call: id, state: c.phase.name(), expected: "offered" });
        };
        let agent = agent.clone();
        if let Some(a) = self.agents.get_mut(&agent) {
            a.view.status = Status::OnCall;
            a.view.wrap_until = None;
            a.view.missed = 0;
            a.view.handled += 1;
        }
        c.phase = Phase::Talking { agent, since: now };
        Ok(())
    }

    /// The network could not reach the representative of an offered call:
    /// the call goes back to its place in line (not to be offered to them
    /// again) and the next representative is picked.
    ///
    /// # Errors
    /// No such call, or it is not offered.
    pub fn unreached(
        &mut self,
        now: Instant,
        id: CallId,
        _why: Unreached,
    ) -> Result<Vec<Decision>, AcdError> {
        let c = self.calls.get_mut(&id).ok_or(AcdError::UnknownCall(id))?;
        let Phase::Offered { agent, .. } = &c.phase else {
            return Err(AcdError::WrongState { call: id, state: c.phase.name(), expected: "offered" });
        };
        let agent = agent.clone();
        c.tried.insert(agent.clone());
        c.phase = Phase::Waiting { since: now };
        let mut out = Vec::new();
        if let Some(a) = self.agents.get_mut(&agent) {
            a.view.call = None;
            a.view.missed = a.view.missed.saturating_add(1);
            a.view.idle_since = now;
            if a.view.wrap_until.is_none() && a.view.status == Status::OnCall {
                a.view.status = Status::Available;
            }
            if self.cfg.max_missed > 0 && a.view.missed >= self.cfg.max_missed {
                a.view.status = Status::Away;
                a.view.wrap_until = None;
                out.push(Decision::AgentAway { agent });
            }
        }
        self.enqueue(id);
        self.dispatch(now, &mut out);
        self.report_queued(id, &mut out);
        Ok(out)
    }

    /// A call ended (after being answered: the representative goes to
    /// wrap-up; before: as [`Acd::abandon`]).
    ///
    /// # Errors
    /// No such call.
    pub fn ended(&mut self, now: Instant, id: CallId) -> Result<Vec<Decision>, AcdError> {
        let c = self.calls.get(&id).ok_or(AcdError::UnknownCall(id))?;
        let Phase::Talking { agent, since } = &c.phase else {
            return self.abandon(now, id);
        };
        let (agent, since) = (agent.clone(), *since);
        self.calls.remove(&id);
        let wrap = ms(self.cfg.wrap_up_ms);
        self.handle_times.push_back(now.since(since) + wrap);
        while self.handle_times.len() > self.cfg.handle_window.max(1) {
            self.handle_times.pop_front();
        }
        if let Some(a) = self.agents.get_mut(&agent) {
            a.view.call = None;
            if wrap.is_zero() {
                a.view.status = Status::Available;
                a.view.idle_since = now;
            } else {
                a.view.status = Status::WrapUp;
                a.view.wrap_until = Some(now.after(wrap));
            }
        }
        let mut out = Vec::new();
        self.dispatch(now, &mut out);
        Ok(out)
    }

    /// The customer or the business gave up on a call, wherever it stood.
    ///
    /// # Errors
    /// No such call.
    pub fn abandon(&mut self, now: Instant, id: CallId) -> Result<Vec<Decision>, AcdError> {
        let c = self.calls.remove(&id).ok_or(AcdError::UnknownCall(id))?;
        self.queue.remove(&(Reverse(c.spec.priority), c.seq, id));
        if let Phase::Offered { agent, .. } | Phase::Talking { agent, .. } = &c.phase {
            if let Some(a) = self.agents.get_mut(agent) {
                a.view.call = None;
                if a.view.status == Status::OnCall {
                    a.view.status = Status::Available;
                    a.view.idle_since = now;
                }
            }
        }
        let mut out = vec![Decision::Abandoned { call: id, reason: AbandonReason::Cancelled }];
        self.dispatch(now, &mut out);
        Ok(out)
    }

    /// When [`Acd::handle_timeout`] next has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let wraps = self.agents.values().filter_map(|a| a.view.wrap_until);
        // A queued call may go to someone whose wrap-up ends soon: wake when
        // that window opens.
        let soon = ms(self.cfg.soon_free_ms);
        let windows = self
            .agents
            .values()
            .filter(|a| a.view.call.is_none() && !self.queue.is_empty())
            .filter_map(|a| a.view.wrap_until)
            .map(|u| Instant(u.micros().saturating_sub(u64::try_from(soon.as_micros()).unwrap_or(u64::MAX))))
            .filter(|t| *t > self.seen);
        let calls = self.calls.values().flat_map(|c| {
            let mut t = Vec::new();
            match c.phase {
                Phase::Scheduled { due } => t.push(due),
                Phase::Waiting { since } => {
                    t.extend(
                        self.cfg.tiers.iter().map(|x| since.after(ms(x.after_ms))).filter(|t| *t > self.seen),
                    );
                    t.extend(self.cfg.max_wait_ms.map(|m| since.after(ms(m))));
                }
                _ => {}
            }
            t
        });
        wraps.chain(windows).chain(calls).min()
    }

    /// Runs every timer due at `now`: wrap-ups end, callbacks join the
    /// line, calls that waited too long are abandoned, tiers widen.
    pub fn handle_timeout(&mut self, now: Instant) -> Vec<Decision> {
        self.seen = self.seen.max(now);
        let mut out = Vec::new();
        for a in self.agents.values_mut() {
            if a.view.wrap_until.is_some_and(|u| u <= now) {
                a.view.wrap_until = None;
                if a.view.call.is_some() {
                    a.view.status = Status::OnCall;
                } else {
                    a.view.status = Status::Available;
                    a.view.idle_since = now;
                }
            }
        }
        let due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| matches!(c.phase, Phase::Scheduled { due } if due <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in &due {
            if let Some(c) = self.calls.get_mut(id) {
                c.phase = Phase::Waiting { since: now };
            }
            self.enqueue(*id);
        }
        if let Some(max) = self.cfg.max_wait_ms {
            let stale: Vec<CallId> = self
                .calls
                .iter()
                .filter(|(_, c)| matches!(c.phase, Phase::Waiting { since } if since.after(ms(max)) <= now))
                .map(|(id, _)| *id)
                .collect();
            for id in stale {
                if let Some(c) = self.calls.remove(&id) {
                    self.queue.remove(&(Reverse(c.spec.priority), c.seq, id));
                }
                out.push(Decision::Abandoned { call: id, reason: AbandonReason::WaitedTooLong });
            }
        }
        self.dispatch(now, &mut out);
        for id in due {
            self.report_queued(id, &mut out);
        }
        out
    }

    fn enqueue(&mut self, id: CallId) {
        if let Some(c) = self.calls.get(&id) {
            self.queue.insert((Reverse(c.spec.priority), c.seq, id));
        }
    }

    fn report_queued(&self, id: CallId, out: &mut Vec<Decision>) {
        if let Some(position) = self.queue.iter().position(|k| k.2 == id) {
            let estimated_wait_ms =
                self.estimated_wait(id).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            out.push(Decision::Queued { call: id, position, estimated_wait_ms });
        }
    }

    /// Offers waiting calls, in line order, to whoever can take them.
    fn dispatch(&mut self, now: Instant, out: &mut Vec<Decision>) {
        // Every tier start and soon-free window up to `now` is seen to here.
        self.seen = self.seen.max(now);
        let keys: Vec<QueueKey> = self.queue.iter().copied().collect();
        for key in keys {
            if !self.agents.values().any(|a| a.view.call.is_none() && self.could_work(a, now)) {
                break;
            }
            let id = key.2;
            let Some((agent, dial_at)) = self.pick(now, id) else { continue };
            self.queue.remove(&key);
            if let Some(c) = self.calls.get_mut(&id) {
                c.phase = Phase::Offered { agent: agent.clone(), dial_at };
            }
            if let Some(a) = self.agents.get_mut(&agent) {
                a.view.call = Some(id);
                if a.view.status == Status::Available {
                    a.view.status = Status::OnCall;
                }
                self.last_rr = Some(a.order);
            }
            out.push(Decision::Offer { call: id, agent, dial_at });
        }
    }

    fn could_work(&self, a: &Agent, now: Instant) -> bool {
        match a.view.status {
            Status::Available => true,
            Status::WrapUp => a.view.wrap_until.is_some_and(|u| u <= now.after(ms(self.cfg.soon_free_ms))),
            _ => false,
        }
    }

    /// The level of `a` for the call's skill under its current tier, if allowed.
    fn level(&self, a: &Agent, skill: Option<&str>, waited: Duration) -> Option<u8> {
        let Some(skill) = skill else { return Some(0) };
        let own = a.view.skills.get(skill).copied();
        let tier = self.cfg.tiers.iter().filter(|t| ms(t.after_ms) <= waited).max_by_key(|t| t.after_ms);
        match tier.map(|t| t.max_level) {
            // No tier configured or started: skill needed at any level.
            None => own,
            Some(None) => Some(own.unwrap_or(u8::MAX)),
            Some(Some(max)) => own.filter(|l| *l <= max),
        }
    }

    fn pick(&mut self, now: Instant, id: CallId) -> Option<(String, Instant)> {
        let c = self.calls.get(&id)?;
        let Phase::Waiting { since } = c.phase else { return None };
        let waited = now.since(since);
        let skill = c.spec.skill.as_deref();
        let free = |a: &Agent| a.view.call.is_none() && !c.tried.contains(&a.view.id);
        if let Some(p) = &c.spec.preferred {
            if let Some(a) = self.agents.get(p) {
                if free(a) && a.view.status == Status::Available {
                    return Some((p.clone(), now));
                }
            }
        }
        let mut ready: Vec<(&Agent, u8)> = self
            .agents
            .values()
            .filter(|a| free(a) && a.view.status == Status::Available)
            .filter_map(|a| self.level(a, skill, waited).map(|l| (a, l)))
            .collect();
        if let Some(best) = ready.iter().map(|(_, l)| *l).min() {
            ready.retain(|(_, l)| *l == best);
            let agents: Vec<&Agent> = ready.into_iter().map(|(a, _)| a).collect();
            let chosen = choose(&self.cfg, self.last_rr, &mut self.rng, &agents);
            return Some((chosen, now));
        }
        // Nobody free now: someone whose wrap-up ends soon, soonest first.
        self.agents
            .values()
            .filter(|a| free(a) && a.view.status == Status::WrapUp && self.could_work(a, now))
            .filter_map(|a| {
                let l = self.level(a, skill, waited)?;
                Some((a.view.wrap_until.unwrap_or(now), l, a.view.id.clone()))
            })
            .min()
            .map(|(at, _, agent)| (agent, at.max(now)))
    }

    /// Checks the engine's invariants (for tests): every held call is held
    /// by the representative it names and by no one else; the queue holds
    /// exactly the waiting calls.
    ///
    /// # Errors
    /// Says which invariant broke.
    pub fn check_invariants(&self) -> Result<(), String> {
        for a in self.agents.values() {
            let holds = a.view.call.is_some();
            match a.view.status {
                Status::OnCall if !holds => return Err(format!("{} is on a call but holds none", a.view.id)),
                Status::OnCall | Status::WrapUp => {}
                s if holds => return Err(format!("{} holds a call while {s:?}", a.view.id)),
                _ => {}
            }
            if let Some(id) = a.view.call {
                match self.calls.get(&id).map(|c| &c.phase) {
                    Some(Phase::Offered { agent, .. } | Phase::Talking { agent, .. })
                        if *agent == a.view.id => {}
                    other => return Err(format!("{} holds {id} but the call is {other:?}", a.view.id)),
                }
            }
        }
        for (id, c) in &self.calls {
            match &c.phase {
                Phase::Offered { agent, .. } | Phase::Talking { agent, .. } => {
                    if self.agents.get(agent).and_then(|a| a.view.call) != Some(*id) {
                        return Err(format!("{id} is with {agent}, who does not hold it"));
                    }
                }
                Phase::Waiting { .. } => {
                    if !self.queue.contains(&(Reverse(c.spec.priority), c.seq, *id)) {
                        return Err(format!("{id} waits but is not in the queue"));
                    }
                }
                Phase::Scheduled { .. } => {}
            }
        }
        let waiting = self.calls.values().filter(|c| matches!(c.phase, Phase::Waiting { .. })).count();
        if waiting != self.queue.len() {
            return Err(format!("{} waiting calls, {} in the queue", waiting, self.queue.len()));
        }
        Ok(())
    }
}

/// The strategy's pick among `agents` (in the agents' table order, all
/// equally ready): borrows the fields it needs, so that the candidates are
/// not copied out of the table first.
fn choose(cfg: &AcdConfig, last_rr: Option<u64>, rng: &mut SeededRng, agents: &[&Agent]) -> String {
    let chosen = match cfg.strategy {
        Strategy::LongestIdle => agents.iter().min_by_key(|a| (a.view.idle_since, a.order)),
        Strategy::FewestCalls => agents.iter().min_by_key(|a| (a.view.handled, a.view.idle_since, a.order)),
        Strategy::RoundRobin => {
            let last = last_rr;
            agents.iter().min_by_key(|a| match last {
                Some(l) if a.order <= l => (1, a.order),
                _ => (0, a.order),
            })
        }
        Strategy::FixedOrder => agents.iter().min_by_key(|a| {
            let rank = cfg.fixed_order.iter().position(|x| *x == a.view.id).unwrap_or(usize::MAX);
            (rank, a.order)
        }),
        Strategy::Random => {
            let i = rng.below(agents.len());
            agents.get(i)
        }
    };
    chosen.map(|a| a.view.id.clone()).unwrap_or_default()
}

#[cfg(test)]
#[path = "acd_tests.rs"]
mod tests;
