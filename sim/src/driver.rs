//! The traffic driver: one sans-IO element that plays every subscriber line
//! of a run and, for `acd` runs, the business's web server.
//!
//! It sits on every line of the generated network (the SSPs' phones are
//! taken out of the plan and their lines linked to the driver's ports) and
//! on the access server's client port. Everything reaches the network as
//! frames: line signals on the lines, OSN call instructions to the access
//! server, which sends them to the ISCP, which drives the SSPs over SS7
//! (every MSU emitted and parsed at each hop).
//!
//! - `trunk`: arrivals (Poisson or fixed gaps) take an idle caller line on
//!   SSP-A, lift it, dial an idle line of SSP-B on dial tone; the callee
//!   answers after `answer_delay_s`, the caller hangs up after the holding
//!   time. Congestion (no free circuit) is a blocked call; the caller hangs
//!   up at once (lost calls cleared).
//! - `acd`: each arrival is a click: the ACD ([`ainsim_business::Acd`]) is
//!   asked for a representative; its `Offer` becomes a call instruction for
//!   an idle customer line and the representative's line; `connected` is
//!   reported to the ACD as answered, and the customer hangs up after the
//!   handling time; `released` ends the call in the ACD. A customer whose
//!   patience runs out while queued abandons (the ACD forgets the call).
//!
//! The element reads no clock: times come in with each input.

use std::collections::HashMap;
use std::time::Duration;

use ainsim_business::{Acd, AcdConfig, CallId, CallSpec, Decision, Status, Tier};
use ainsim_elements::line::{LineSignal, Tone};
use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage};
use ainsim_elements::{Element, Input, Instant, Outputs, Port, TimerId};
use ainsim_runtime::rng::SplitMix64;

use crate::metrics::{Batch, Batches, Delays};
use crate::scenario::{Arrivals, Dist, Kind, Scenario};

/// Line pools: callers and local callees, customers, agents, mobiles, 800 targets.
pub const CALLERS: usize = 0;
pub const LOCAL: usize = 1;
pub const CUSTOMERS: usize = 2;
pub const AGENTS: usize = 3;
pub const MOBILES: usize = 4;
pub const TOLL_FREE: usize = 5;

/// One line the driver plays: its number, what a caller dials to reach it
/// (an 800 number for the targets of 800 calls), and its pool.
#[derive(Debug, Clone)]
pub struct LineSpec {
    pub number: String,
    pub dial: String,
    pub pool: usize,
}

/// One business's ACD and its figures.
struct Biz {
    id: String,
    acd: Acd,
    patience_s: Option<f64>,
    sl_us: u64,
    wrap_s: f64,
    handle_s: f64,
    rate: f64,
    next: u64,
    batches: Batches,
}

/// The driver's port toward the access server's client port.
pub const OSN: Port = Port(u32::MAX);
/// The business id and password the driver uses.
pub const BUSINESS: &str = "LAB";
pub const PASSWORD: &str = "research-run";

const ARRIVAL: u64 = 1 << 56;
const LINE: u64 = 2 << 56;
const PATIENCE: u64 = 3 << 56;
const ACD_TIMER: u64 = 4 << 56;
const DIAL: u64 = 5 << 56;
/// A session's give-up timer (faults and loss only).
const SGUARD: u64 = 6 << 56;
/// A congestion tone this soon after dialling is the network refusing the
/// call (no circuit, no route); later, a timer released it (ISUP T7…).
const CONGESTION_WITHIN: Duration = Duration::from_secs(2);
/// How long a caller waits for dial tone before giving up (faults only).
const DIAL_TONE_WAIT: Duration = Duration::from_secs(10);
/// Past the expected end, how long a line or session waits for the network
/// to release it before the driver gives up on it (faults and loss only).
const GRACE: Duration = Duration::from_secs(120);
const LOW: u64 = (1 << 56) - 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Caller,
    Callee,
    Customer,
    Agent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Idle,
    /// Off-hook, waiting for dial tone (caller).
    Lifting,
    /// Dialled, waiting for the answer (caller).
    Calling,
    /// Ringing, answer timer set.
    Ringing,
    Talking,
}

#[derive(Debug, Clone)]
struct Line {
    number: String,
    dial: String,
    pool: usize,
    role: Role,
    st: St,
    /// The call (trunk) or session (acd) the line is on.
    call: u64,
    /// Holding time to use once answered, µs (callers and customers).
    hold_us: u64,
    /// A called line that lets this call ring unanswered.
    silent: bool,
}

/// A trunk call in progress.
#[derive(Debug, Clone, Copy)]
struct TrunkCall {
    local: u64,
    caller: usize,
    callee: usize,
    dialled: Instant,
    pdd_seen: bool,
    /// Ringback heard (the far end alerts).
    alerted: bool,
}

/// A click-to-call session in progress.
#[derive(Debug, Clone, Copy)]
struct Session {
    biz: usize,
    local: u64,
    arrived: Instant,
    /// Taken by an agent (the instruction was sent).
    offered: Option<Instant>,
    waited: bool,
    connected: bool,
    /// The customer's line, once the session has one.
    customer: Option<usize>,
}

/// Counters the summary reports besides the batches.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Counters {
    pub arrivals: u64,
    /// Arrivals that found no idle line to use (the generated network was too small).
    pub no_line: u64,
    pub instructions: u64,
    pub refused: u64,
    pub failed: u64,
    pub representative_unavailable: u64,
    pub customer_unavailable: u64,
    pub released: u64,
    pub busy_tone: u64,
    pub congestion: u64,
    /// Basic calls the caller gave up on while it rang (no answer), or
    /// released by the network after alerting (T9).
    pub no_answer: u64,
    /// Basic calls released by a timer before alerting (a congestion tone
    /// more than 2 s after dialling: ISUP T7…), or given up without any
    /// progress from the network.
    pub timeouts: u64,
    /// Callers that got no dial tone within 10 s (their switch is down).
    pub no_dial_tone: u64,
    /// Calls or sessions the driver gave up on, answered, when the network
    /// never released them (a crashed element).
    pub dropped: u64,
    pub answered: u64,
    /// Of the answered basic calls: dialled as 800 numbers, and to mobiles.
    pub answered_toll_free: u64,
    pub answered_mobile: u64,
    /// Most sessions or calls in progress at once.
    pub max_in_progress: u64,
    /// Longest ACD queue seen.
    pub max_queue: u64,
    /// First few failure reasons.
    pub reasons: Vec<String>,
}

impl Counters {
    /// Adds another run's counters (maxima are maxima).
    pub fn add(&mut self, o: &Counters) {
        self.arrivals += o.arrivals;
        self.no_line += o.no_line;
        self.instructions += o.instructions;
        self.refused += o.refused;
        self.failed += o.failed;
        self.representative_unavailable += o.representative_unavailable;
        self.customer_unavailable += o.customer_unavailable;
        self.released += o.released;
        self.busy_tone += o.busy_tone;
        self.congestion += o.congestion;
        self.no_answer += o.no_answer;
        self.timeouts += o.timeouts;
        self.no_dial_tone += o.no_dial_tone;
        self.dropped += o.dropped;
        self.answered += o.answered;
        self.answered_toll_free += o.answered_toll_free;
        self.answered_mobile += o.answered_mobile;
        self.max_in_progress = self.max_in_progress.max(o.max_in_progress);
        self.max_queue = self.max_queue.max(o.max_queue);
        for r in &o.reasons {
            if self.reasons.len() < 5 && !self.reasons.contains(r) {
                self.reasons.push(r.clone());
            }
        }
    }
}

/// The driver element.
pub struct Driver {
    kind: Kind,
    lines: Vec<Line>,
    free: Vec<Vec<usize>>,
    rng: SplitMix64,
    rate: f64,
    basic_rate: f64,
    toll_free_share: f64,
    mobile_share: f64,
    basic_next: u64,
    arrivals: Arrivals,
    holding: Dist,
    hold_mean_s: f64,
    sigma: f64,
    answer_delay: Duration,
    /// Called lines' answers: busy, no answer (answer otherwise).
    p_busy: f64,
    p_no_answer: f64,
    no_answer: Duration,
    /// Give-up timers on (no answer, faults, loss).
    guards: bool,
    total: u64,
    biz: Vec<Biz>,
    next_index: u64,
    calls: HashMap<u64, TrunkCall>,
    sessions: HashMap<u64, Session>,
    /// Basic calls' batches (by their own arrival order).
    pub batches: Batches,
    pub pdd: Delays,
    pub answer: Delays,
    pub setup: Delays,
    pub wait: Delays,
    pub counters: Counters,
    /// (seconds, calls in progress) every `sample_every` arrivals.
    pub load: Vec<(f64, u64)>,
    sample_every: u64,
    started: bool,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver").field("arrivals", &self.counters.arrivals).finish_non_exhaustive()
    }
}

fn secs(t: Instant) -> f64 {
    t.micros() as f64 / 1e6
}

fn us(s: f64) -> u64 {
    if s.is_finite() && s > 0.0 {
        (s * 1e6).round() as u64
    } else {
        0
    }
}

impl Driver {
    /// A driver for `sc` playing `lines`, in port order.
    pub fn new(sc: &Scenario, specs: &[LineSpec]) -> Self {
        let mut lines = Vec::new();
        let mut free: Vec<Vec<usize>> = vec![Vec::new(); 6];
        for l in specs {
            let role = match l.pool {
                CALLERS => Role::Caller,
                CUSTOMERS => Role::Customer,
                AGENTS => Role::Agent,
                _ => Role::Callee,
            };
            if let Some(f) = free.get_mut(l.pool) {
                f.push(lines.len());
            }
            lines.push(Line {
                number: l.number.clone(),
                dial: l.dial.clone(),
                pool: l.pool,
                role,
                st: St::Idle,
                call: u64::MAX,
                hold_us: 0,
                silent: false,
            });
        }
        for f in &mut free {
            f.reverse();
        }
        let total = sc.warmup() + sc.run.calls;
        let rate = sc.rate().max(1e-12);
        let businesses = sc.businesses();
        let biz = businesses
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let cfg = AcdConfig {
                    strategy: b.strategy,
                    fixed_order: Vec::new(),
                    tiers: vec![Tier { after_ms: 0, max_level: None }],
                    wrap_up_ms: us(b.wrap_up_s) / 1000,
                    max_missed: 0,
                    soon_free_ms: 0,
                    max_wait_ms: None,
                    default_handle_ms: us(b.handle_s) / 1000,
                    handle_window: 20,
                };
                let mut acd = Acd::new(cfg, ainsim_runtime::rng::derive(sc.run.seed, &format!("acd-{k}")));
                for l in specs.iter().filter(|l| l.pool == AGENTS && l.dial == b.id) {
                    // Fresh ids on a fresh ACD: neither call can fail.
                    let _ = acd.add_agent(&l.number, std::collections::BTreeMap::new());
                    let _ = acd.set_status(Instant::ZERO, &l.number, Status::Available);
                }
                // A business's share of the measured arrivals, with room for chance.
                let share = b.arrivals_per_s / rate;
                let (warm, calls) = if businesses.len() == 1 && sc.basic_rate() == 0.0 {
                    (sc.warmup(), sc.run.calls)
                } else {
                    let w = (sc.warmup() as f64 * share).floor() as u64;
                    (w, ((sc.run.calls as f64 * share) * 1.1).ceil() as u64 + 1)
                };
                Biz {
                    id: b.id.clone(),
                    acd,
                    patience_s: b.patience_s,
                    sl_us: us(b.sl_threshold_s),
                    wrap_s: b.wrap_up_s,
                    handle_s: b.handle_s,
                    rate: b.arrivals_per_s,
                    next: 0,
                    batches: Batches::new(warm, calls.max(u64::from(sc.run.batches)), sc.run.batches),
                }
            })
            .collect();
        let basic_share = sc.basic_rate() / rate;
        let (bw, bc) = if sc.run.kind == Kind::Trunk {
            (sc.warmup(), sc.run.calls)
        } else {
            let w = (sc.warmup() as f64 * basic_share).floor() as u64;
            (w, ((sc.run.calls as f64 * basic_share) * 1.1).ceil() as u64 + 1)
        };
        Driver {
            kind: sc.run.kind,
            lines,
            free,
            rng: SplitMix64::new(ainsim_runtime::rng::derive(sc.run.seed, "traffic")),
            rate,
            basic_rate: sc.basic_rate(),
            toll_free_share: sc.traffic.toll_free_share,
            mobile_share: sc.traffic.mobile_share,
            basic_next: 0,
            arrivals: sc.traffic.arrivals,
            holding: sc.traffic.holding,
            hold_mean_s: sc.holding_s(),
            sigma: sc.traffic.holding_sigma.unwrap_or(0.5),
            answer_delay: Duration::from_micros(us(sc.traffic.answer_delay_s)),
            p_busy: sc.traffic.p_busy,
            p_no_answer: sc.traffic.p_no_answer,
            no_answer: Duration::from_micros(us(sc.traffic.no_answer_s)),
            guards: sc.guarded(),
            total,
            biz,
            next_index: 0,
            calls: HashMap::new(),
            sessions: HashMap::new(),
            batches: Batches::new(bw, bc.max(u64::from(sc.run.batches)), sc.run.batches),
            pdd: Delays::default(),
            answer: Delays::default(),
            setup: Delays::default(),
            wait: Delays::default(),
            counters: Counters::default(),
            load: Vec::new(),
            sample_every: (total / 400).max(1),
            started: false,
        }
    }

    /// Each business's id and batches, in scenario order.
    pub fn business_batches(&self) -> Vec<(String, Batches)> {
        self.biz.iter().map(|b| (b.id.clone(), b.batches.clone())).collect()
    }

    /// Arrivals generated so far.
    pub fn arrived(&self) -> u64 {
        self.next_index
    }

    /// Calls or sessions still open.
    pub fn open(&self) -> usize {
        self.calls.len() + self.sessions.len()
    }

    /// Sessions queued in the ACDs now.
    pub fn queued(&self) -> u64 {
        self.biz.iter().map(|b| b.acd.queue().len() as u64).sum()
    }

    /// Every arrival was generated and every call or session has ended.
    pub fn done(&self) -> bool {
        self.next_index >= self.total && self.calls.is_empty() && self.sessions.is_empty()
    }

    fn in_progress(&self) -> u64 {
        (self.calls.len() + self.sessions.len()) as u64
    }

    fn gap(&mut self) -> Duration {
        let mean = 1.0 / self.rate;
        let s = match self.arrivals {
            Arrivals::Poisson => self.rng.exponential(mean),
            Arrivals::Fixed => mean,
        };
        Duration::from_micros(us(s).max(1))
    }

    fn holding_us(&mut self, m: f64) -> u64 {
        let s = match self.holding {
            Dist::Exponential => self.rng.exponential(m),
            Dist::Fixed => m,
            Dist::Lognormal => {
                // Box–Muller normal; mean of the log chosen so the mean is `m`.
                let (u1, u2) = (self.rng.unit().max(1e-300), self.rng.unit());
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let mu = m.ln() - self.sigma * self.sigma / 2.0;
                (mu + self.sigma * z).exp()
            }
        };
        us(s).max(1)
    }

    fn send_line(&mut self, li: usize, sig: &LineSignal, out: &mut Outputs) {
        if let Ok(b) = sig.to_bytes() {
            out.send(Port(li as u32), b);
        }
    }

    /// Puts line `li` down and back in its pool.
    fn hang_up(&mut self, li: usize, out: &mut Outputs) {
        out.cancel_timer(TimerId(LINE | li as u64));
        let Some(l) = self.lines.get_mut(li) else { return };
        if l.st == St::Idle {
            return;
        }
        let (role, pool) = (l.role, l.pool);
        l.st = St::Idle;
        self.send_line(li, &LineSignal::OnHook, out);
        // Agents' lines are not pooled: the ACD picks them.
        if role != Role::Agent {
            if let Some(f) = self.free.get_mut(pool) {
                f.push(li);
            }
        }
    }

    fn note_failure(&mut self, why: String) {
        self.counters.failed += 1;
        if self.counters.reasons.len() < 5 && !self.counters.reasons.contains(&why) {
            self.counters.reasons.push(why);
        }
    }

    fn arrival(&mut self, now: Instant, out: &mut Outputs) {
        let index = self.next_index;
        self.next_index += 1;
        self.counters.arrivals += 1;
        if self.next_index < self.total {
            let g = self.gap();
            out.set_timer(TimerId(ARRIVAL), now.after(g));
        }
        if index % self.sample_every == 0 {
            self.load.push((secs(now), self.in_progress()));
        }
        // Which source: basic calls or a business, in proportion to their rates.
        let pick = match self.kind {
            Kind::Trunk => None,
            Kind::Acd => Some(0),
            Kind::Network => {
                let mut x = self.rng.unit() * self.rate - self.basic_rate;
                if x < 0.0 {
                    None
                } else {
                    let mut k = self.biz.len().saturating_sub(1);
                    for (i, b) in self.biz.iter().enumerate() {
                        if x < b.rate {
                            k = i;
                            break;
                        }
                        x -= b.rate;
                    }
                    Some(k)
                }
            }
        };
        match pick {
            None => {
                let local = self.basic_next;
                self.basic_next += 1;
                self.batches.arrive(local, secs(now));
                self.trunk_arrival(now, index, local, out);
            }
            Some(k) => {
                let Some(b) = self.biz.get_mut(k) else { return };
                let local = b.next;
                b.next += 1;
                b.batches.arrive(local, secs(now));
                self.acd_arrival(now, index, k, local, out);
            }
        }
        self.counters.max_in_progress = self.counters.max_in_progress.max(self.in_progress());
    }

    fn trunk_arrival(&mut self, now: Instant, index: u64, local: u64, out: &mut Outputs) {
        let pool = if self.kind == Kind::Network {
            let u = self.rng.unit();
            if u < self.toll_free_share {
                TOLL_FREE
            } else if u < self.toll_free_share + self.mobile_share {
                MOBILES
            } else {
                LOCAL
            }
        } else {
            LOCAL
        };
        let callee = self.free.get_mut(pool).and_then(Vec::pop);
        let caller = self.free.get_mut(CALLERS).and_then(Vec::pop);
        let (Some(a), Some(b)) = (caller, callee) else {
            for (p, l) in [(CALLERS, caller), (pool, callee)] {
                if let (Some(f), Some(l)) = (self.free.get_mut(p), l) {
                    f.push(l);
                }
            }
            self.counters.no_line += 1;
            if let Some(bt) = self.batches.of(local) {
                bt.failed += 1;
            }
            return;
        };
        let hold = self.holding_us(self.hold_mean_s);
        if let Some(l) = self.lines.get_mut(a) {
            l.st = St::Lifting;
            l.call = index;
            l.hold_us = hold;
        }
        if let Some(l) = self.lines.get_mut(b) {
            l.call = index;
        }
        self.calls.insert(
            index,
            TrunkCall { local, caller: a, callee: b, dialled: now, pdd_seen: false, alerted: false },
        );
        self.send_line(a, &LineSignal::OffHook, out);
        if self.guards {
            out.set_timer(TimerId(LINE | a as u64), now.after(DIAL_TONE_WAIT));
        }
    }

    /// The batch of basic call `call`.
    fn basic_batch(&mut self, call: u64) -> Option<&mut Batch> {
        let local = self.calls.get(&call)?.local;
        self.batches.of(local)
    }

    /// The batch of session `id`.
    fn session_batch(&mut self, id: u64) -> Option<&mut Batch> {
        let s = self.sessions.get(&id)?;
        let (k, local) = (s.biz, s.local);
        self.biz.get_mut(k)?.batches.of(local)
    }

    fn acd_arrival(&mut self, now: Instant, index: u64, biz: usize, local: u64, out: &mut Outputs) {
        self.sessions.insert(
            index,
            Session {
                biz,
                local,
                arrived: now,
                offered: None,
                waited: false,
                connected: false,
                customer: None,
            },
        );
        let spec = CallSpec { id: CallId(index), skill: None, preferred: None, priority: 0, due: None };
        let decisions = match self.biz.get_mut(biz).map(|b| b.acd.request(now, spec)) {
            Some(Ok(d)) => d,
            Some(Err(e)) => {
                self.note_failure(e.to_string());
                self.sessions.remove(&index);
                return;
            }
            None => return,
        };
        let offered_now =
            decisions.iter().any(|d| matches!(d, Decision::Offer { call, .. } if call.0 == index));
        if !offered_now {
            if let Some(s) = self.sessions.get_mut(&index) {
                s.waited = true;
            }
            if let Some(p) = self.biz.get(biz).and_then(|b| b.patience_s) {
                let t = self.rng.exponential(p);
                out.set_timer(TimerId(PATIENCE | index), now.after(Duration::from_micros(us(t).max(1))));
            }
        }
        self.decide(now, biz, decisions, out);
        let q = self.biz.get(biz).map_or(0, |b| b.acd.queue().len() as u64);
        self.counters.max_queue = self.counters.max_queue.max(q);
    }

    fn decide(&mut self, now: Instant, biz: usize, decisions: Vec<Decision>, out: &mut Outputs) {
        for d in decisions {
            if let Decision::Offer { call, agent, dial_at } = d {
                if dial_at > now {
                    // Not with soon_free_ms = 0, but honour it.
                    out.set_timer(TimerId(DIAL | call.0), dial_at);
                    if let Some(s) = self.sessions.get_mut(&call.0) {
                        s.offered = Some(now);
                    }
                    let _ = agent;
                } else {
                    self.offer(now, call.0, &agent, out);
                }
            }
        }
        if let Some(t) = self.biz.get(biz).and_then(|b| b.acd.poll_timeout()) {
            out.set_timer(TimerId(ACD_TIMER | biz as u64), t.max(now));
        }
    }

    fn offer(&mut self, now: Instant, id: u64, agent: &str, out: &mut Outputs) {
        out.cancel_timer(TimerId(PATIENCE | id));
        let Some(s) = self.sessions.get_mut(&id) else { return };
        let arrived = s.arrived;
        let first = s.offered.is_none();
        s.offered = Some(now);
        let k = s.biz;
        let (sl_us, handle_s, biz_id) =
            self.biz.get(k).map_or((0, 0.0, String::new()), |b| (b.sl_us, b.handle_s, b.id.clone()));
        if first {
            let wait_us = now.since(arrived).as_micros() as u64;
            self.wait.record(wait_us);
            let sl = wait_us <= sl_us;
            if let Some(b) = self.session_batch(id) {
                b.wait_s += wait_us as f64 / 1e6;
                b.served += 1;
                if sl {
                    b.within_sl += 1;
                }
            }
        }
        let Some(ci) = self.free[2].pop() else {
            self.counters.no_line += 1;
            self.end_session(now, id, false, out);
            return;
        };
        let hold = self.holding_us(handle_s);
        if let Some(s) = self.sessions.get_mut(&id) {
            s.customer = Some(ci);
        }
        if let Some(l) = self.lines.get_mut(ci) {
            l.call = id;
            l.hold_us = hold;
            l.st = St::Calling;
        }
        let customer = self.lines.get(ci).map(|l| l.number.clone()).unwrap_or_default();
        let msg = OsnMessage::CallInstruction {
            request_id: id,
            equipment: "ainsim-sim".into(),
            business: biz_id,
            password: PASSWORD.into(),
            customer,
            representative: agent.to_owned(),
            contact_at: None,
        };
        self.counters.instructions += 1;
        out.send(OSN, msg.emit());
        if self.guards {
            out.set_timer(TimerId(SGUARD | id), now.after(GRACE));
        }
    }

    /// A session leaves: the ACD forgets it, the batch gets its agent time.
    fn end_session(&mut self, now: Instant, id: u64, talked: bool, out: &mut Outputs) {
        let Some(s) = self.sessions.remove(&id) else { return };
        out.cancel_timer(TimerId(PATIENCE | id));
        if self.guards {
            out.cancel_timer(TimerId(SGUARD | id));
        }
        let Some(bz) = self.biz.get_mut(s.biz) else { return };
        let res = if talked { bz.acd.ended(now, CallId(id)) } else { bz.acd.abandon(now, CallId(id)) };
        let wrap_s = bz.wrap_s;
        if let Some(b) = bz.batches.of(s.local) {
            if s.waited {
                b.waited += 1;
            }
            if let Some(o) = s.offered {
                b.busy_s += now.since(o).as_secs_f64() + wrap_s;
            }
            if s.connected {
                b.answered += 1;
            }
        }
        match res {
            Ok(d) => self.decide(now, s.biz, d, out),
            Err(e) => self.note_failure(e.to_string()),
        }
    }

    fn on_osn(&mut self, now: Instant, bytes: &[u8], out: &mut Outputs) {
        let msg = match OsnMessage::parse(bytes) {
            Ok(m) => m,
            Err(e) => return self.note_failure(format!("osn: {e}")),
        };
        match msg {
            OsnMessage::CallInstructionResult {
                request_id,
                result: InstructionResult::Refused { reason, .. },
            } => {
                self.counters.refused += 1;
                self.note_failure(reason);
                self.fail_session(now, request_id, out);
            }
            OsnMessage::CallStatus { call_id, status } => self.on_status(now, call_id, status, out),
            _ => {}
        }
    }

    fn fail_session(&mut self, now: Instant, id: u64, out: &mut Outputs) {
        if let Some(b) = self.session_batch(id) {
            b.failed += 1;
        }
        if let Some(ci) = self.sessions.get(&id).and_then(|s| s.customer) {
            if self.lines.get(ci).is_some_and(|l| l.call == id) {
                self.hang_up(ci, out);
            }
        }
        self.end_session(now, id, false, out);
    }

    fn on_status(&mut self, now: Instant, id: u64, status: CallStatus, out: &mut Outputs) {
        match status {
            CallStatus::Connected => {
                let Some(s) = self.sessions.get_mut(&id) else { return };
                s.connected = true;
                let (arrived, offered) = (s.arrived, s.offered.unwrap_or(s.arrived));
                let (k, local) = (s.biz, s.local);
                if let Some(ci) = s.customer {
                    let hold = self.lines.get(ci).map_or(0, |l| l.hold_us);
                    out.set_timer(TimerId(LINE | ci as u64), now.after(Duration::from_micros(hold)));
                    if self.guards {
                        out.set_timer(TimerId(SGUARD | id), now.after(Duration::from_micros(hold) + GRACE));
                    }
                }
                self.counters.answered += 1;
                if self.biz.get(k).is_some_and(|b| local >= b.batches.warmup) {
                    self.setup.record(now.since(arrived).as_micros() as u64);
                    self.answer.record(now.since(offered).as_micros() as u64);
                }
                if let Some(Err(e)) = self.biz.get_mut(k).map(|b| b.acd.answered(now, CallId(id))) {
                    self.note_failure(e.to_string());
                }
            }
            CallStatus::Released => {
                self.counters.released += 1;
                let talked = self.sessions.get(&id).is_some_and(|s| s.connected);
                if !talked {
                    if let Some(b) = self.session_batch(id) {
                        b.failed += 1;
                    }
                }
                self.end_session(now, id, talked, out);
            }
            CallStatus::Failed { reason } => {
                self.note_failure(reason);
                self.fail_session(now, id, out);
            }
            CallStatus::Cancelled => self.fail_session(now, id, out),
            CallStatus::RepresentativeUnavailable { representative, cause, .. } => {
                self.counters.representative_unavailable += 1;
                self.note_failure(format!("representative {representative} {cause}"));
                out.send(OSN, OsnMessage::Cancel { call_id: id }.emit());
            }
            CallStatus::CustomerUnavailable { .. } => self.counters.customer_unavailable += 1,
            _ => {}
        }
    }

    fn on_line(&mut self, now: Instant, li: usize, bytes: &[u8], out: &mut Outputs) {
        let Ok(sig) = LineSignal::parse(bytes) else {
            return self.note_failure("line: a frame that does not parse".into());
        };
        let Some(l) = self.lines.get(li) else { return };
        let (role, st, call) = (l.role, l.st, l.call);
        match (sig, role, st) {
            (LineSignal::Tone(Tone::Dial), Role::Caller, St::Lifting) => {
                let Some(c) = self.calls.get_mut(&call) else { return self.hang_up(li, out) };
                c.dialled = now;
                let to = self.lines.get(c.callee).map(|l| l.dial.clone()).unwrap_or_default();
                if let Some(l) = self.lines.get_mut(li) {
                    l.st = St::Calling;
                }
                self.send_line(li, &LineSignal::Digits(to), out);
                if self.guards {
                    out.set_timer(TimerId(LINE | li as u64), now.after(self.no_answer));
                }
            }
            (LineSignal::Tone(Tone::Ringback), Role::Caller, St::Calling) => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.alerted = true;
                    if !c.pdd_seen && c.local >= self.batches.warmup {
                        c.pdd_seen = true;
                        self.pdd.record(now.since(c.dialled).as_micros() as u64);
                    }
                }
            }
            (LineSignal::Tone(t @ (Tone::Busy | Tone::Congestion | Tone::Sit)), Role::Caller, _) => {
                let (alerted, dialled) =
                    self.calls.get(&call).map_or((false, now), |c| (c.alerted, c.dialled));
                let outcome = match t {
                    Tone::Busy => Outcome::Busy,
                    Tone::Congestion if alerted => Outcome::NoAnswer,
                    Tone::Congestion if now.since(dialled) < CONGESTION_WITHIN => Outcome::Congestion,
                    Tone::Congestion => Outcome::Timeout,
                    _ => Outcome::Failed,
                };
                self.count_outcome(call, outcome);
                self.hang_up(li, out);
                self.free_unrung_callee(call);
                self.end_trunk_call(call, out);
            }
            (LineSignal::Connected, Role::Caller, St::Calling) => {
                let hold = self.lines.get(li).map_or(0, |l| l.hold_us);
                if let Some(l) = self.lines.get_mut(li) {
                    l.st = St::Talking;
                }
                self.counters.answered += 1;
                match self.calls.get(&call).and_then(|c| self.lines.get(c.callee)).map(|l| l.pool) {
                    Some(TOLL_FREE) => self.counters.answered_toll_free += 1,
                    Some(MOBILES) => self.counters.answered_mobile += 1,
                    _ => {}
                }
                if let Some(c) = self.calls.get(&call) {
                    if c.local >= self.batches.warmup {
                        self.answer.record(now.since(c.dialled).as_micros() as u64);
                    }
                }
                if let Some(b) = self.basic_batch(call) {
                    b.answered += 1;
                }
                out.set_timer(TimerId(LINE | li as u64), now.after(Duration::from_micros(hold)));
            }
            (LineSignal::Ring { .. }, _, St::Idle | St::Calling) => {
                // A callee, customer or agent rings (callees and customers
                // were taken from their pools when their call was set up).
                if let Some(l) = self.lines.get_mut(li) {
                    l.st = St::Ringing;
                }
                if role == Role::Callee && self.p_busy + self.p_no_answer > 0.0 {
                    let u = self.rng.unit();
                    let pool = self.lines.get(li).map_or(LOCAL, |l| l.pool);
                    let busy = u < self.p_busy;
                    if busy && pool != MOBILES {
                        // Busy: the line refuses the call with cause 17 and is free again.
                        self.send_line(li, &LineSignal::Refuse(17), out);
                        if let Some(l) = self.lines.get_mut(li) {
                            l.st = St::Idle;
                            l.call = u64::MAX;
                        }
                        if let Some(f) = self.free.get_mut(pool) {
                            f.push(li);
                        }
                        return;
                    }
                    // (A mobile drawn busy answers: the MTSO passes no refusal.)
                    if !busy && u < self.p_busy + self.p_no_answer {
                        // No answer: let it ring until the caller gives up,
                        // or refuse (19) long after, if the caller's side is gone.
                        out.set_timer(TimerId(LINE | li as u64), now.after(self.no_answer + GRACE));
                        if let Some(l) = self.lines.get_mut(li) {
                            l.silent = true;
                        }
                        return;
                    }
                }
                if self.answer_delay.is_zero() {
                    self.answer_line(now, li, out);
                } else {
                    out.set_timer(TimerId(LINE | li as u64), now.after(self.answer_delay));
                }
            }
            (LineSignal::StopRing, _, St::Ringing) => {
                out.cancel_timer(TimerId(LINE | li as u64));
                if let Some(l) = self.lines.get_mut(li) {
                    l.st = St::Idle;
                    l.silent = false;
                }
                if role != Role::Agent {
                    let pool = self.lines.get(li).map_or(LOCAL, |l| l.pool);
                    if let Some(f) = self.free.get_mut(pool) {
                        f.push(li);
                    }
                }
                if role == Role::Callee {
                    self.end_trunk_call(call, out);
                }
            }
            (LineSignal::FarEndReleased, _, St::Talking | St::Calling | St::Ringing) => {
                self.hang_up(li, out);
                if role == Role::Callee || role == Role::Caller {
                    self.end_trunk_call(call, out);
                }
            }
            _ => {}
        }
    }

    fn answer_line(&mut self, now: Instant, li: usize, out: &mut Outputs) {
        let Some(l) = self.lines.get_mut(li) else { return };
        if l.st != St::Ringing {
            return;
        }
        l.st = St::Talking;
        let (role, call) = (l.role, l.call);
        self.send_line(li, &LineSignal::OffHook, out);
        if self.guards && role == Role::Callee {
            // If the caller's side never releases (a crash), hang up well after its holding time.
            let hold = self.calls.get(&call).and_then(|c| self.lines.get(c.caller)).map_or(0, |l| l.hold_us);
            out.set_timer(TimerId(LINE | li as u64), now.after(Duration::from_micros(hold) + GRACE));
        }
    }

    /// Counts how basic call `call` ended, in the counters and its batch.
    fn count_outcome(&mut self, call: u64, o: Outcome) {
        match o {
            Outcome::Busy => self.counters.busy_tone += 1,
            Outcome::Congestion => self.counters.congestion += 1,
            Outcome::NoAnswer => self.counters.no_answer += 1,
            Outcome::Timeout => self.counters.timeouts += 1,
            Outcome::NoDialTone => self.counters.no_dial_tone += 1,
            Outcome::Failed => {}
        }
        if let Some(b) = self.basic_batch(call) {
            match o {
                Outcome::Busy => b.busy += 1,
                Outcome::Congestion => b.blocked += 1,
                Outcome::NoAnswer => b.no_answer += 1,
                Outcome::Timeout | Outcome::NoDialTone => b.timeouts += 1,
                Outcome::Failed => b.failed += 1,
            }
        }
    }

    /// The callee of `call` never rang: back in its pool.
    fn free_unrung_callee(&mut self, call: u64) {
        let Some(callee) = self.calls.get(&call).map(|c| c.callee) else { return };
        if self.lines.get(callee).is_some_and(|l| l.st == St::Idle && l.call == call) {
            let pool = self.lines.get(callee).map_or(LOCAL, |l| l.pool);
            if let Some(f) = self.free.get_mut(pool) {
                f.push(callee);
            }
            if let Some(l) = self.lines.get_mut(callee) {
                l.call = u64::MAX;
            }
        }
    }

    /// Forgets trunk call `call` once both its lines are down.
    fn end_trunk_call(&mut self, call: u64, _out: &mut Outputs) {
        let Some(c) = self.calls.get(&call) else { return };
        let down = |i: usize| self.lines.get(i).is_none_or(|l| l.st == St::Idle || l.call != call);
        if down(c.caller) && down(c.callee) {
            self.calls.remove(&call);
        }
    }

    fn on_line_timer(&mut self, now: Instant, li: usize, out: &mut Outputs) {
        let Some(l) = self.lines.get(li) else { return };
        let call = l.call;
        match (l.role, l.st) {
            (Role::Callee, St::Ringing) if l.silent => {
                // A no-answer line still ringing long after its caller gave
                // up: the caller's side is gone; refuse so the switch frees it.
                self.send_line(li, &LineSignal::Refuse(19), out);
                if let Some(l) = self.lines.get_mut(li) {
                    l.st = St::Idle;
                    l.silent = false;
                }
                let pool = self.lines.get(li).map_or(LOCAL, |l| l.pool);
                if let Some(f) = self.free.get_mut(pool) {
                    f.push(li);
                }
                self.end_trunk_call(call, out);
            }
            (_, St::Ringing) => {
                self.answer_line(now, li, out);
            }
            (Role::Caller, St::Talking) => {
                self.hang_up(li, out);
                self.end_trunk_call(call, out);
            }
            (Role::Callee, St::Talking) => {
                // The caller never released (its switch crashed): give up on it.
                self.counters.dropped += 1;
                self.hang_up(li, out);
                self.end_trunk_call(call, out);
            }
            (Role::Caller, St::Lifting) => {
                self.count_outcome(call, Outcome::NoDialTone);
                self.hang_up(li, out);
                self.free_unrung_callee(call);
                self.end_trunk_call(call, out);
            }
            (Role::Caller, St::Calling) => {
                let alerted = self.calls.get(&call).is_some_and(|c| c.alerted);
                self.count_outcome(call, if alerted { Outcome::NoAnswer } else { Outcome::Timeout });
                self.hang_up(li, out);
                self.free_unrung_callee(call);
                self.end_trunk_call(call, out);
            }
            (Role::Customer, St::Talking) => self.hang_up(li, out),
            _ => {}
        }
    }
}

/// How a basic call that was not answered ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Busy,
    Congestion,
    NoAnswer,
    Timeout,
    NoDialTone,
    Failed,
}

impl Element for Driver {
    fn name(&self) -> &str {
        "LAB"
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start => {
                if !self.started && self.total > 0 {
                    self.started = true;
                    // Let the signalling links align first.
                    out.set_timer(TimerId(ARRIVAL), now.after(Duration::from_secs(1)));
                }
            }
            Input::Recv { port: OSN, bytes } => self.on_osn(now, bytes, out),
            Input::Recv { port, bytes } => self.on_line(now, port.0 as usize, bytes, out),
            Input::LinkState { .. } => {}
            Input::Timer(TimerId(id)) => match id & !LOW {
                ARRIVAL => self.arrival(now, out),
                LINE => self.on_line_timer(now, (id & LOW) as usize, out),
                PATIENCE => {
                    let call = id & LOW;
                    if self.sessions.get(&call).is_some_and(|s| s.offered.is_none()) {
                        if let Some(b) = self.session_batch(call) {
                            b.abandoned += 1;
                        }
                        self.end_session(now, call, false, out);
                    }
                }
                ACD_TIMER => {
                    let k = (id & LOW) as usize;
                    let d = self.biz.get_mut(k).map(|b| b.acd.handle_timeout(now)).unwrap_or_default();
                    self.decide(now, k, d, out);
                }
                SGUARD => {
                    let call = id & LOW;
                    let Some(s) = self.sessions.get(&call).copied() else { return };
                    self.counters.dropped += 1;
                    if s.connected {
                        if let Some(ci) = s.customer {
                            if self.lines.get(ci).is_some_and(|l| l.call == call) {
                                self.hang_up(ci, out);
                            }
                        }
                        self.end_session(now, call, true, out);
                    } else {
                        out.send(OSN, OsnMessage::Cancel { call_id: call }.emit());
                        self.fail_session(now, call, out);
                    }
                }
                DIAL => {
                    let call = id & LOW;
                    let k = self.sessions.get(&call).map_or(0, |s| s.biz);
                    if let Some(agent) =
                        self.biz.get(k).and_then(|b| b.acd.call_agent(CallId(call))).map(str::to_owned)
                    {
                        if let Some(s) = self.sessions.get_mut(&call) {
                            s.offered = None;
                        }
                        self.offer(now, call, &agent, out);
                    }
                }
                _ => {}
            },
        }
    }
}
