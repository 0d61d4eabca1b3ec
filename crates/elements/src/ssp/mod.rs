//! The class-5 switch (SSP): subscriber lines, digit analysis, trunk groups
//! and ISUP call control per Q.764 (ITU) and T1.113.4 (ANSI).
//!
//! What it does: originating calls (line → IAM), terminating calls (IAM →
//! ring the line → ACM, ANM or CON on answer), intra-switch calls, and
//! transit calls (IAM in on one trunk group → IAM out on another, backward
//! messages relayed with the CIC rewritten); release in both directions with
//! Q.850 causes; SAM (overlap) on incoming calls; SUS/RES when a called
//! analogue party goes on-hook; dual seizure (Q.764 §2.9.1.4); circuit
//! maintenance (BLO/UBL, CGB/CGU, GRS at start-up and restart, RSC, UCIC,
//! CFN) with the ITU timers of [`IsupTimers`]. The bearer is modelled by a
//! two-party [`Bridge`]; heard text crosses it as a USR (see [`bridge`]).
//!
//! With an `ain` section in its configuration the switch runs the AIN 0.2
//! call model (module [`ain`]): Info_Analyzed and Termination_Attempt
//! triggers and Create_Call / InitiateCallAttempt, in TCAP dialogues with
//! the ISCP (ANSI AIN, or INAP in ITU networks).
//!
//! What it is not (yet): continuity checks (COT/CCR), charging, INR/INF,
//! facility messages, segmentation, hop-counter decrement in transit, and
//! MTP3 management (SNM and SLT frames reaching the switch are counted and
//! ignored).
//!
//! Contract: `handle` never panics on input. A frame that does not parse is
//! counted (`Counters::malformed`), logged as `Event::Dropped` with its hex,
//! and answered with CFN (cause 95) when its CIC and origin can be read; an
//! unknown message type gets CFN (cause 97); a CIC outside every trunk group
//! gets UCIC. Call state lives in vectors indexed by line and circuit; no
//! output depends on hash order.
//!
//! Events: `call` is the CIC for circuit events and `LINE_EVENT_BASE` + line
//! index for line events.

pub mod ain;
pub mod analysis;
pub mod bridge;
pub mod config;
pub mod mobile;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use ainsim_wire::isup::{
    self, BackwardCallIndicators, CauseIndicators, CircuitGroupSupervision, EventInformation,
    ForwardCallIndicators, MessageType as M, NatureOfConnection, Number, Parameter as P, RangeAndStatus,
    SuspendResumeIndicators, UserServiceInformation,
};
use ainsim_wire::{IsupPacket, IsupRepr, PointCode, Variant};

pub use self::analysis::{Analysis, Plan};
pub use self::bridge::{Bridge, Leg};
pub use self::config::{
    AinConfig, Direction, GlareControl, IsupTimers, LineClass, LineConfig, LinkSetConfig, NumberingPlan,
    PrefixRoute, RouteConfig, SignallingConfig, SspConfig, TimeoutAction, TriggerKind, TrunkGroupConfig,
};
use crate::core::{Element, EventKind, Input, Instant, Outputs, Port, TimerId};
use crate::line::{LineSignal, Presented, Tone};
use crate::sp::{LinkSetId, SignallingPoint};

/// `Event::call` of a line event is this plus the line index.
pub const LINE_EVENT_BASE: u64 = 1 << 32;

/// Q.850 cause values the switch uses.
pub mod cause {
    pub const UNALLOCATED: u8 = 1;
    pub const NORMAL: u8 = 16;
    pub const BUSY: u8 = 17;
    pub const NO_ANSWER: u8 = 19;
    pub const ABSENT: u8 = 20;
    pub const REJECTED: u8 = 21;
    pub const INVALID_FORMAT: u8 = 28;
    pub const NORMAL_UNSPECIFIED: u8 = 31;
    pub const NO_CIRCUIT: u8 = 34;
    pub const TEMPORARY_FAILURE: u8 = 41;
    pub const INVALID_MESSAGE: u8 = 95;
    pub const NONEXISTENT_MESSAGE: u8 = 97;
    pub const TIMER_EXPIRY: u8 = 102;
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("ssp {ssp}: trunk group {group:?}: {why}")]
    TrunkGroup { ssp: String, group: String, why: &'static str },
    #[error("ssp {ssp}: route {prefix:?} names unknown trunk group {group:?}")]
    UnknownGroup { ssp: String, prefix: String, group: String },
    #[error("ssp {ssp}: line {number:?}: {why}")]
    Line { ssp: String, number: String, why: &'static str },
    #[error("ssp {ssp}: route {index}: link set {linkset} does not exist")]
    Route { ssp: String, index: usize, linkset: usize },
}

/// Per-switch counters.
#[derive(Debug, Clone)]
pub struct Counters {
    /// Calls originated by lines or arriving on trunks.
    pub attempts: u64,
    pub answered: u64,
    /// RELs sent or received on trunks, by Q.850 cause value.
    pub released: [u64; 128],
    /// Calls ended on subscriber lines, by the cause the line saw (16 for its own on-hook).
    pub line_released: [u64; 128],
    /// ISUP messages received, by message type code.
    pub isup_in: [u64; 256],
    pub isup_out: u64,
    /// Frames that did not parse (ISUP, MTP3 or line).
    pub malformed: u64,
    /// Messages for CICs outside every trunk group.
    pub unequipped: u64,
    pub dual_seizures: u64,
    /// MSUs for other SIs or DPCs.
    pub ignored: u64,
}

impl Counters {
    /// Every counter by name; per-cause and per-message ones only when non-zero.
    pub fn values(&self) -> Vec<(String, u64)> {
        let mut v = crate::named_counters!(self; attempts, answered, isup_out, malformed, unequipped, dual_seizures, ignored);
        let per_cause = |name: &str, a: &[u64; 128]| -> Vec<(String, u64)> {
            a.iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(c, n)| (format!("{name}.cause{c}"), *n))
                .collect()
        };
        v.extend(per_cause("released", &self.released));
        v.extend(per_cause("line_released", &self.line_released));
        for (code, n) in self.isup_in.iter().enumerate().filter(|(_, n)| **n > 0) {
            let mt = isup::MessageType::from_code(code as u8);
            v.push((format!("isup_in.{}", mt.acronym()), *n));
        }
        v
    }
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            attempts: 0,
            answered: 0,
            released: [0; 128],
            line_released: [0; 128],
            isup_in: [0; 256],
            isup_out: 0,
            malformed: 0,
            unequipped: 0,
            dual_seizures: 0,
            ignored: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ls {
    Idle,
    /// Off-hook, dial tone, collecting digits.
    Dialling,
    /// Originating: digits analysed, waiting for the far end.
    Proceeding,
    /// Terminating: ringing.
    Ringing,
    Talking,
    /// Terminating: the called party went on-hook during the call (SUS sent).
    CalledOnHook,
    /// Off-hook after a failed or released call: tone, waiting for on-hook.
    Lockout,
}

#[derive(Debug)]
struct Line {
    number: String,
    port: Port,
    class: LineClass,
    in_service: bool,
    state: Ls,
    originating: bool,
    digits: String,
    /// Ring the line but hold the ACM until [`Ssp::line_alerting`] (the MTSO pages first).
    defer_alerting: bool,
    /// Calls to the line go on to this number with redirection information (a roaming mobile).
    forward_to: Option<String>,
    /// The calling number a `pbx` line presented for the call it dials ([`LineSignal::Present`]).
    presented: Option<Presented>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cs {
    Idle,
    /// IAM sent, awaiting ACM (T7).
    OutSetup,
    /// ACM received, awaiting answer (T9 at the originating exchange).
    OutAlerting,
    /// IAM received, digits being analysed or collected (T35).
    InSetup,
    /// ACM sent.
    InAlerting,
    Answered,
    /// REL sent, awaiting RLC (T1, T5).
    Releasing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MaintKind {
    Rsc,
    Blo,
    Ubl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupKind {
    Grs,
    Cgb,
    Cgu,
}

/// What the switch needs to place (or re-place) a call on a circuit.
#[derive(Debug, Clone)]
struct Setup {
    called: String,
    calling: Option<String>,
    category: u8,
    /// The incoming IAM of a transit call, relayed with a new CIC and digits.
    iam: Option<IsupRepr>,
    /// The prefix rule that chose the trunk groups (for a re-attempt).
    rule: Option<usize>,
}

#[derive(Debug)]
struct Circuit {
    group: u16,
    cic: u16,
    /// Every assignment is paired with `Ssp::idle.put`, which keeps the idle set in step.
    cs: Cs,
    out: bool,
    acm_sent: bool,
    suspended: bool,
    rel_cause: u8,
    local_blocked: bool,
    remote_blocked: bool,
    /// A reset (GRS or RSC) of ours is unanswered: not selectable.
    resetting: bool,
    maint: Option<(MaintKind, bool)>,
    setup: Option<Box<Setup>>,
    /// Bit `k` set: the circuit's timer of kind `k` (`tk::T1` … `tk::MAINT_LONG`)
    /// may be armed. [`Ssp::cancel`] sends a cancel only for these: a release
    /// used to cancel T7, T9, T6 and T35 whether set or not, each a lookup in
    /// the runtime's timer table of the switch (thousands of live timers, cold).
    armed: u16,
}

/// Hashes a line's port with one multiply: every frame from a line looks its
/// port up, and SipHash's defence against chosen keys is pointless for ports
/// from the switch's own configuration (the map's order reaches no output).
#[derive(Debug, Default)]
struct PortHasher(u64);

impl Hasher for PortHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        // hashbrown takes the top 7 bits as a tag and the low bits as the index.
        self.0 ^ (self.0 >> 29)
    }
}

/// Bits 0, 2, 4, ... of a word.
const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// The circuits whose call state is idle, one bit per circuit index: circuit
/// selection skips 64 busy circuits per word instead of reading each one.
#[derive(Debug, Default)]
struct IdleSet(Vec<u64>);

impl IdleSet {
    /// `n` circuits, all idle.
    fn all(n: usize) -> Self {
        let mut words = vec![u64::MAX; n.div_ceil(64)];
        if n % 64 != 0 {
            if let Some(last) = words.last_mut() {
                *last = (1u64 << (n % 64)) - 1;
            }
        }
        IdleSet(words)
    }

    fn has(&self, ci: u32) -> bool {
        self.0.get((ci / 64) as usize).is_some_and(|w| w >> (ci % 64) & 1 == 1)
    }

    fn put(&mut self, ci: u32, idle: bool) {
        if let Some(w) = self.0.get_mut((ci / 64) as usize) {
            let bit = 1u64 << (ci % 64);
            if idle {
                *w |= bit;
            } else {
                *w &= !bit;
            }
        }
    }

    /// The lowest idle circuit in `lo..hi` whose bit is in `mask` (a
    /// pattern repeated in every word) and that `ok` accepts.
    fn first(&self, lo: u32, hi: u32, mask: u64, ok: impl Fn(u32) -> bool) -> Option<u32> {
        if lo >= hi || mask == 0 {
            return None;
        }
        for w in lo / 64..=(hi - 1) / 64 {
            let mut bits = self.0.get(w as usize).copied().unwrap_or(0) & mask;
            let first = w * 64;
            if lo > first {
                bits &= u64::MAX << (lo - first);
            }
            if hi - first < 64 {
                bits &= (1u64 << (hi - first)) - 1;
            }
            while bits != 0 {
                let ci = first + bits.trailing_zeros();
                if ok(ci) {
                    return Some(ci);
                }
                bits &= bits - 1;
            }
        }
        None
    }
}

impl Circuit {
    fn new(group: u16, cic: u16) -> Self {
        Circuit {
            group,
            cic,
            cs: Cs::Idle,
            out: false,
            acm_sent: false,
            suspended: false,
            rel_cause: 0,
            local_blocked: false,
            remote_blocked: false,
            resetting: false,
            maint: None,
            setup: None,
            armed: 0,
        }
    }
}

#[derive(Debug)]
struct Group {
    name: String,
    far: PointCode,
    first_cic: u16,
    base: u32,
    len: u32,
    direction: Direction,
    /// Controls even CICs / odd CICs (Q.764 §2.9.1.4).
    even: bool,
    odd: bool,
    /// Where the next scan for a controlled circuit / any circuit starts.
    hints: [std::cell::Cell<u32>; 2],
}

#[derive(Debug)]
struct GroupOp {
    kind: GroupKind,
    first: u32,
    count: u32,
    sif: Vec<u8>,
    long: bool,
}

/// A message the switch sends with the same content on every circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fixed {
    /// ACM with called party status "subscriber free" (`Some(true)`), "no
    /// indication" (`Some(false)`), or not set at all (ANSI's ACM before ANM).
    Acm {
        status: Option<bool>,
    },
    Con,
    Anm,
    /// REL with this cause (location: public network serving the local user).
    Rel(u8),
    Rlc,
}

impl Fixed {
    /// Message type, mandatory and optional parameters.
    fn message(self) -> (M, Vec<P>, Option<Vec<P>>) {
        let bci = || BackwardCallIndicators::default().with_charge(2);
        match self {
            Fixed::Acm { status: Some(alerting) } => {
                let bci = bci()
                    .with_called_party_status(u8::from(alerting))
                    .with_called_party_category(1)
                    .with_isup(1);
                (M::Acm, vec![P::BackwardCallIndicators(bci)], Some(vec![]))
            }
            Fixed::Acm { status: None } => {
                let bci = bci().with_called_party_category(1).with_isup(1);
                (M::Acm, vec![P::BackwardCallIndicators(bci)], Some(vec![]))
            }
            Fixed::Con => {
                let bci = bci().with_called_party_category(1).with_isup(1);
                (M::Con, vec![P::BackwardCallIndicators(bci)], Some(vec![]))
            }
            Fixed::Anm => (M::Anm, vec![], Some(vec![])),
            Fixed::Rel(value) => (M::Rel, vec![cause_param(value, vec![])], None),
            Fixed::Rlc => (M::Rlc, vec![], None),
        }
    }
}

/// The optional part of the IAM of a call from a `pbx` line whose own
/// number is `own` and that presented `p` (see `Ssp::presented_iam`):
/// the calling party number, and on ANSI the charge number.
pub fn presented_calling(variant: Variant, own: &str, p: &Presented) -> Vec<P> {
    let ansi = variant == Variant::Ansi;
    let cgpn = match p {
        Presented::Number(n) => Some(Number { screening: 1, ..Number::e164(3, n) }),
        Presented::Restricted => Some(Number { screening: 3, presentation: 1, ..Number::e164(3, own) }),
        Presented::Unavailable if ansi => None,
        // Q.763 §3.10 note: no address signals, the other subfields 0, screening "network provided".
        Presented::Unavailable => Some(Number { presentation: 2, screening: 3, ..Number::default() }),
    };
    let mut opt: Vec<P> = cgpn.into_iter().map(P::CallingPartyNumber).collect();
    if ansi {
        opt.push(P::ChargeNumber(Number::e164(3, own)));
    }
    opt
}

/// Backward signals and release between the two halves of a call.
#[derive(Debug, Clone, Copy)]
enum Sig<'a> {
    Alerting(Option<&'a [u8]>),
    Progress(Option<&'a [u8]>),
    Answer(Option<&'a [u8]>),
    Suspend(Option<&'a [u8]>),
    Resume(Option<&'a [u8]>),
    Release(u8),
    Hear(&'a str),
    /// DTMF digits keyed by the party on the other leg.
    Dtmf(&'a str),
}

mod tk {
    pub(super) const T1: u64 = 1;
    pub(super) const T5: u64 = 2;
    pub(super) const T7: u64 = 3;
    pub(super) const T9: u64 = 4;
    pub(super) const T6: u64 = 5;
    pub(super) const T35: u64 = 6;
    pub(super) const MAINT_SHORT: u64 = 7;
    pub(super) const MAINT_LONG: u64 = 8;
    pub(super) const GROUP_SHORT: u64 = 9;
    pub(super) const GROUP_LONG: u64 = 10;
}

fn tid(kind: u64, idx: u32) -> TimerId {
    TimerId(kind << 32 | u64::from(idx))
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter().fold(String::with_capacity(b.len() * 2), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

/// The `CallAttempt` event, with its numbers when the runtime keeps event
/// details ([`Outputs::event_details`]); a runtime that only counts events
/// by kind is spared two allocations per call.
fn call_attempt(out: &Outputs, from: Option<&str>, to: &str) -> EventKind {
    if out.event_details() {
        EventKind::CallAttempt { from: from.unwrap_or_default().to_owned(), to: to.to_owned() }
    } else {
        EventKind::CallAttempt { from: String::new(), to: String::new() }
    }
}

fn cause_param(value: u8, diagnostics: Vec<u8>) -> P {
    // Location 2: public network serving the local user.
    P::CauseIndicators(CauseIndicators {
        location: 2,
        value,
        value_ext: 1,
        diagnostics,
        ..Default::default()
    })
}

/// A class-5 switch.
#[derive(Debug)]
pub struct Ssp {
    name: String,
    sp: SignallingPoint,
    variant: Variant,
    timers: IsupTimers,
    lines: Vec<Line>,
    line_ports: HashMap<Port, u32, BuildHasherDefault<PortHasher>>,
    plan: Plan,
    rule_groups: Vec<Vec<u16>>,
    groups: Vec<Group>,
    circuits: Vec<Circuit>,
    /// Which circuits are idle ([`Circuit::cs`]), for [`Ssp::seize`].
    idle: IdleSet,
    bridge: Bridge,
    group_ops: Vec<Option<GroupOp>>,
    counters: Counters,
    buf: Vec<u8>,
    /// Encoded [`Fixed`] messages at CIC 0 (see [`Ssp::send_fixed`]).
    fixed: Vec<(Fixed, Vec<u8>)>,
    /// The last fresh IAM built (see [`Ssp::emit_fresh_iam`]): its parameter
    /// vectors are refilled for the next call instead of allocated anew.
    iam: Option<IsupRepr>,
    ain: ain::Ain,
}

impl Ssp {
    /// Builds a switch from its configuration.
    ///
    /// # Errors
    /// A trunk group with a bad or overlapping CIC range or a duplicate name,
    /// a route naming an unknown trunk group, a duplicate line number or port,
    /// or a route over a link set that does not exist.
    pub fn new(cfg: &SspConfig) -> Result<Ssp, ConfigError> {
        let s = &cfg.signalling;
        let mut sp = SignallingPoint::new(s.point_code, s.variant, s.ni);
        let ids: Vec<LinkSetId> = s.linksets.iter().map(|l| sp.add_linkset(l.adjacent, &l.ports)).collect();
        if s.routes.is_empty() {
            sp.add_route(None, &[&ids]);
        }
        for (index, r) in s.routes.iter().enumerate() {
            let mut ranks = Vec::new();
            for rank in &r.ranks {
                let mut v = Vec::new();
                for &l in rank {
                    let id =
                        *ids.get(l).ok_or(ConfigError::Route { ssp: cfg.name.clone(), index, linkset: l })?;
                    v.push(id);
                }
                ranks.push(v);
            }
            let refs: Vec<&[LinkSetId]> = ranks.iter().map(Vec::as_slice).collect();
            sp.add_route(r.dpc, &refs);
        }
        let mask = isup::cic_mask(s.variant);
        let mut groups: Vec<Group> = Vec::new();
        let mut circuits = Vec::new();
        for (gi, g) in cfg.trunk_groups.iter().enumerate() {
            let bad = |why| ConfigError::TrunkGroup { ssp: cfg.name.clone(), group: g.name.clone(), why };
            let [first, last] = g.cics;
            if first > last || last > mask {
                return Err(bad("CIC range must be first <= last and fit the variant's CIC width"));
            }
            if groups.iter().any(|o| o.name == g.name) {
                return Err(bad("duplicate trunk group name"));
            }
            if groups.iter().any(|o| {
                o.far == g.far_end && u32::from(first) < u32::from(o.first_cic) + o.len && last >= o.first_cic
            }) {
                return Err(bad("CIC range overlaps another group toward the same exchange"));
            }
            let higher = s.point_code > g.far_end;
            let (even, odd) = match g.glare {
                GlareControl::Auto => (higher, !higher),
                GlareControl::Even => (true, false),
                GlareControl::Odd => (false, true),
                GlareControl::All => (true, true),
                GlareControl::None => (false, false),
            };
            let base = circuits.len() as u32;
            circuits.extend((first..=last).map(|c| Circuit::new(gi as u16, c)));
            groups.push(Group {
                name: g.name.clone(),
                far: g.far_end,
                first_cic: first,
                base,
                len: u32::from(last - first) + 1,
                direction: g.direction,
                even,
                odd,
                hints: [std::cell::Cell::new(base), std::cell::Cell::new(base)],
            });
        }
        let mut rule_groups = Vec::new();
        for r in &cfg.numbering.routes {
            let mut v = Vec::new();
            for name in &r.trunk_groups {
                let gi =
                    groups.iter().position(|g| &g.name == name).ok_or_else(|| ConfigError::UnknownGroup {
                        ssp: cfg.name.clone(),
                        prefix: r.prefix.clone(),
                        group: name.clone(),
                    })?;
                v.push(gi as u16);
            }
            rule_groups.push(v);
        }
        let mut line_ports =
            HashMap::with_capacity_and_hasher(cfg.lines.len(), BuildHasherDefault::default());
        let mut lines = Vec::with_capacity(cfg.lines.len());
        let mut numbers = std::collections::HashSet::with_capacity(cfg.lines.len());
        for (i, l) in cfg.lines.iter().enumerate() {
            let bad = |why| ConfigError::Line { ssp: cfg.name.clone(), number: l.number.clone(), why };
            if line_ports.insert(l.port, i as u32).is_some() || sp.is_link(l.port) {
                return Err(bad("port already in use"));
            }
            if !numbers.insert(l.number.as_str()) {
                return Err(bad("duplicate number"));
            }
            if l.number.is_empty() || !l.number.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("a number is digits 0-9"));
            }
            lines.push(Line {
                number: l.number.clone(),
                port: l.port,
                class: l.class,
                in_service: l.in_service,
                state: Ls::Idle,
                originating: false,
                digits: String::new(),
                defer_alerting: false,
                forward_to: None,
                presented: None,
            });
        }
        let plan = Plan::new(&cfg.numbering, cfg.lines.iter().map(|l| l.number.as_str()));
        let bridge = Bridge::new(lines.len(), circuits.len());
        let numbers: Vec<&str> = cfg.lines.iter().map(|l| l.number.as_str()).collect();
        let ain = ain::Ain::new(cfg.ain.as_ref(), s.variant, &numbers);
        Ok(Ssp {
            name: cfg.name.clone(),
            sp,
            variant: s.variant,
            timers: cfg.timers,
            lines,
            line_ports,
            plan,
            rule_groups,
            groups,
            idle: IdleSet::all(circuits.len()),
            circuits,
            bridge,
            group_ops: Vec::new(),
            counters: Counters::default(),
            buf: Vec::with_capacity(64),
            fixed: Vec::new(),
            iam: None,
            ain,
        })
    }

    /// The switch's counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The switch's signalling point code.
    pub fn point_code(&self) -> PointCode {
        self.sp.pc
    }

    /// The circuit index of `cic` in trunk group `group`.
    fn find(&self, group: &str, cic: u16) -> Option<u32> {
        let g = self.groups.iter().find(|g| g.name == group)?;
        let off = u32::from(cic.checked_sub(g.first_cic)?);
        (off < g.len).then_some(g.base + off)
    }

    /// The circuit a message from `opc` about `cic` concerns.
    fn circuit_of(&self, opc: PointCode, cic: u16) -> Option<u32> {
        self.groups.iter().find_map(|g| {
            let off = u32::from(cic.checked_sub(g.first_cic)?);
            (g.far == opc && off < g.len).then_some(g.base + off)
        })
    }

    /// Whether circuit `ci` is in a call or being reset, blocked or selected.
    pub fn circuit_idle(&self, group: &str, cic: u16) -> Option<bool> {
        let c = &self.circuits[self.find(group, cic)? as usize];
        Some(c.cs == Cs::Idle && !c.resetting)
    }

    /// Whether the far end has blocked `cic` of `group`.
    pub fn remotely_blocked(&self, group: &str, cic: u16) -> Option<bool> {
        Some(self.circuits[self.find(group, cic)? as usize].remote_blocked)
    }

    // ----- maintenance commands (later driven over the OSN) -----

    /// Blocks `cic` of `group` for maintenance: BLO, T12/T13 until BLA.
    /// Returns false for an unknown circuit.
    pub fn block(&mut self, now: Instant, group: &str, cic: u16, out: &mut Outputs) -> bool {
        let Some(ci) = self.find(group, cic) else { return false };
        self.circuits[ci as usize].local_blocked = true;
        self.start_maint(now, ci, MaintKind::Blo, out);
        true
    }

    /// Unblocks `cic` of `group`: UBL, T14/T15 until UBA.
    pub fn unblock(&mut self, now: Instant, group: &str, cic: u16, out: &mut Outputs) -> bool {
        let Some(ci) = self.find(group, cic) else { return false };
        self.circuits[ci as usize].local_blocked = false;
        self.start_maint(now, ci, MaintKind::Ubl, out);
        true
    }

    /// Resets `cic` of `group`: clears any call, RSC, T16/T17 until RLC.
    pub fn reset(&mut self, now: Instant, group: &str, cic: u16, out: &mut Outputs) -> bool {
        let Some(ci) = self.find(group, cic) else { return false };
        self.clear_circuit(now, ci, cause::TEMPORARY_FAILURE, out);
        self.circuits[ci as usize].resetting = true;
        self.start_maint(now, ci, MaintKind::Rsc, out);
        true
    }

    /// Blocks (`block`) or unblocks `count` circuits from `first_cic` of
    /// `group` with one CGB/CGU (maintenance oriented), T18/T19 or T20/T21.
    pub fn block_group(
        &mut self,
        now: Instant,
        group: &str,
        first_cic: u16,
        count: u32,
        block: bool,
        out: &mut Outputs,
    ) -> bool {
        let Some(first) = self.find(group, first_cic) else { return false };
        let gi = self.circuits[first as usize].group as usize;
        let g = &self.groups[gi];
        if count == 0 || count > 32 || first + count > g.base + g.len {
            return false;
        }
        for c in &mut self.circuits[first as usize..(first + count) as usize] {
            c.local_blocked = block;
        }
        let kind = if block { GroupKind::Cgb } else { GroupKind::Cgu };
        self.start_group(now, kind, first, count, out);
        true
    }

    /// Everything back to idle, then GRS on every trunk group (RSC for a
    /// group of one circuit): what a switch does when it starts or restarts.
    fn restart(&mut self, now: Instant, out: &mut Outputs) {
        for l in &mut self.lines {
            l.state = Ls::Idle;
            l.digits.clear();
        }
        for c in &mut self.circuits {
            *c = Circuit::new(c.group, c.cic);
        }
        self.idle = IdleSet::all(self.circuits.len());
        self.bridge.clear();
        self.ain.clear();
        self.group_ops.clear();
        for g in &self.groups {
            g.hints.iter().for_each(|h| h.set(g.base));
        }
        let max = match self.variant {
            Variant::Itu => 32,
            Variant::Ansi => 24,
        };
        for gi in 0..self.groups.len() {
            let (base, len) = (self.groups[gi].base, self.groups[gi].len);
            let mut at = 0;
            while at < len {
                let n = (len - at).min(max);
                if n == 1 {
                    self.circuits[(base + at) as usize].resetting = true;
                    self.start_maint(now, base + at, MaintKind::Rsc, out);
                } else {
                    self.start_group(now, GroupKind::Grs, base + at, n, out);
                }
                at += n;
            }
        }
    }

    // ----- sending -----

    fn far(&self, ci: u32) -> (PointCode, u16) {
        let c = &self.circuits[ci as usize];
        (self.groups[c.group as usize].far, c.cic)
    }

    /// Sends the ISUP message in `self.buf` to `dpc` (SLS = low bits of the CIC, Q.764 §2.2.2).
    fn send_buf(&mut self, dpc: PointCode, cic: u16, out: &mut Outputs) {
        let sls = (cic & if self.variant == Variant::Itu { 0x0f } else { 0x1f }) as u8;
        match self.sp.send(out, ainsim_wire::mtp3::si::ISUP, dpc, sls, &self.buf) {
            Ok(_) => self.counters.isup_out += 1,
            Err(e) => out.event(Some(u64::from(cic)), EventKind::Note(format!("{}: {e}", self.name))),
        }
    }

    fn send_to(
        &mut self,
        dpc: PointCode,
        cic: u16,
        mt: M,
        mandatory: Vec<P>,
        optional: Option<Vec<P>>,
        out: &mut Outputs,
    ) {
        let r = IsupRepr::new(self.variant, cic, mt, mandatory, optional);
        self.buf.clear();
        if let Err(e) = r.emit(&mut self.buf) {
            out.event(Some(u64::from(cic)), EventKind::Note(format!("{}: cannot encode: {e}", self.name)));
            return;
        }
        self.send_buf(dpc, cic, out);
    }

    fn send(&mut self, ci: u32, mt: M, mandatory: Vec<P>, optional: Option<Vec<P>>, out: &mut Outputs) {
        let (dpc, cic) = self.far(ci);
        self.send_to(dpc, cic, mt, mandatory, optional, out);
    }

    /// Sends one of the messages whose content is fixed but for the CIC: its
    /// bytes are emitted once (at CIC 0, by the codec, so they are exactly
    /// what [`Ssp::send`] would build), kept, and copied with the CIC set.
    fn send_fixed(&mut self, ci: u32, f: Fixed, out: &mut Outputs) {
        let (dpc, cic) = self.far(ci);
        let i = match self.fixed.iter().position(|(k, _)| *k == f) {
            Some(i) => i,
            None => {
                let (mt, mandatory, optional) = f.message();
                match IsupRepr::new(self.variant, 0, mt, mandatory, optional).to_bytes() {
                    Ok(b) => self.fixed.push((f, b.into())),
                    Err(e) => {
                        let e = format!("{}: cannot encode: {e}", self.name);
                        return out.event(Some(u64::from(cic)), EventKind::Note(e));
                    }
                }
                self.fixed.len() - 1
            }
        };
        self.buf.clear();
        self.buf.extend_from_slice(&self.fixed[i].1);
        // The CIC field with a zero spare, as `IsupRepr::emit` writes it (CICs fit the variant's width).
        self.buf[..2].copy_from_slice(&cic.to_le_bytes());
        self.send_buf(dpc, cic, out);
    }

    /// Relays a received ISUP message on circuit `ci` with its CIC rewritten.
    fn relay(&mut self, ci: u32, raw: &[u8], out: &mut Outputs) {
        let (dpc, cic) = self.far(ci);
        self.buf.clear();
        self.buf.extend_from_slice(raw);
        if let Ok(mut p) = IsupPacket::new_checked(&mut self.buf[..], self.variant) {
            p.set_cic(cic);
            self.send_buf(dpc, cic, out);
        }
    }

    fn line_send(&mut self, li: u32, sig: &LineSignal, out: &mut Outputs) {
        self.buf.clear();
        if sig.emit(&mut self.buf).is_ok() {
            out.send_copy(self.lines[li as usize].port, &self.buf);
        }
    }

    fn line_event(li: u32, kind: EventKind, out: &mut Outputs) {
        out.event(Some(LINE_EVENT_BASE + u64::from(li)), kind);
    }

    /// Sets timer `kind` for `idx` (a circuit for the kinds below
    /// `tk::GROUP_SHORT`, whose being armed is remembered for [`Ssp::cancel`]).
    fn set(&mut self, now: Instant, kind: u64, idx: u32, d: Duration, out: &mut Outputs) {
        if kind < tk::GROUP_SHORT {
            if let Some(c) = self.circuits.get_mut(idx as usize) {
                c.armed |= 1 << kind;
            }
        }
        out.set_timer(tid(kind, idx), now.after(d));
    }

    /// Cancels the circuit timer `kind` (below `tk::GROUP_SHORT`) of `ci` if
    /// it may be armed: a cancel of a timer that is not set does nothing, so
    /// skipping it changes nothing.
    fn cancel(&mut self, kind: u64, ci: u32, out: &mut Outputs) {
        let Some(c) = self.circuits.get_mut(ci as usize) else { return };
        if c.armed & 1 << kind != 0 {
            c.armed &= !(1 << kind);
            out.cancel_timer(tid(kind, ci));
        }
    }

    fn dropped(&mut self, reason: String, bytes: &[u8], out: &mut Outputs) {
        self.counters.malformed += 1;
        out.event(None, EventKind::Dropped { reason, hex: hex(bytes) });
    }

    // ----- maintenance procedures -----

    fn maint_msg(&mut self, ci: u32, kind: MaintKind, out: &mut Outputs) {
        let mt = match kind {
            MaintKind::Rsc => M::Rsc,
            MaintKind::Blo => M::Blo,
            MaintKind::Ubl => M::Ubl,
        };
        self.send(ci, mt, vec![], None, out);
    }

    fn maint_timers(&self, kind: MaintKind) -> (Duration, Duration) {
        let t = &self.timers;
        match kind {
            MaintKind::Rsc => (t.t16, t.t17),
            MaintKind::Blo => (t.t12, t.t13),
            MaintKind::Ubl => (t.t14, t.t15),
        }
    }

    fn start_maint(&mut self, now: Instant, ci: u32, kind: MaintKind, out: &mut Outputs) {
        self.circuits[ci as usize].maint = Some((kind, false));
        self.maint_msg(ci, kind, out);
        let (short, long) = self.maint_timers(kind);
        self.set(now, tk::MAINT_SHORT, ci, short, out);
        self.set(now, tk::MAINT_LONG, ci, long, out);
    }

    fn end_maint(&mut self, ci: u32, kind: MaintKind, out: &mut Outputs) {
        let c = &mut self.circuits[ci as usize];
        if c.maint.is_some_and(|(k, _)| k == kind) {
            c.maint = None;
            self.cancel(tk::MAINT_SHORT, ci, out);
            self.cancel(tk::MAINT_LONG, ci, out);
        }
    }

    fn group_sif(&self, kind: GroupKind, first: u32, count: u32) -> Vec<u8> {
        let cic = self.circuits[first as usize].cic;
        let range = (count - 1) as u8;
        let (mt, m) = match kind {
            GroupKind::Grs => (M::Grs, vec![P::RangeAndStatus(RangeAndStatus { range, status: vec![] })]),
            GroupKind::Cgb | GroupKind::Cgu => {
                let mut status = vec![0u8; (count as usize).div_ceil(8)];
                for i in 0..count as usize {
                    status[i / 8] |= 1 << (i % 8);
                }
                (
                    if kind == GroupKind::Cgb { M::Cgb } else { M::Cgu },
                    vec![
                        P::CircuitGroupSupervisionMessageType(CircuitGroupSupervision::default()),
                        P::RangeAndStatus(RangeAndStatus { range, status }),
                    ],
                )
            }
        };
        // Straight into the `Vec` kept: `to_bytes` would write the message
        // inline and then copy it out.
        let mut out = Vec::new();
        IsupRepr::new(self.variant, cic, mt, m, None).emit(&mut out).map(|()| out).unwrap_or_default()
    }

    fn group_timers(&self, kind: GroupKind) -> (Duration, Duration) {
        let t = &self.timers;
        match kind {
            GroupKind::Grs => (t.t22, t.t23),
            GroupKind::Cgb => (t.t18, t.t19),
            GroupKind::Cgu => (t.t20, t.t21),
        }
    }

    fn start_group(&mut self, now: Instant, kind: GroupKind, first: u32, count: u32, out: &mut Outputs) {
        if kind == GroupKind::Grs {
            for ci in first..first + count {
                self.clear_circuit(now, ci, cause::TEMPORARY_FAILURE, out);
                self.circuits[ci as usize].resetting = true;
            }
        }
        let sif = self.group_sif(kind, first, count);
        let slot = match self.group_ops.iter().position(Option::is_none) {
            Some(s) => s,
            None => {
                self.group_ops.push(None);
                self.group_ops.len() - 1
            }
        };
        let (dpc, cic) = self.far(first);
        self.buf.clone_from(&sif);
        self.send_buf(dpc, cic, out);
        self.group_ops[slot] = Some(GroupOp { kind, first, count, sif, long: false });
        let (short, long) = self.group_timers(kind);
        self.set(now, tk::GROUP_SHORT, slot as u32, short, out);
        self.set(now, tk::GROUP_LONG, slot as u32, long, out);
    }

    /// Ends our group operation acknowledged by a message on `first` for `count` circuits.
    fn end_group(&mut self, kind: GroupKind, first: u32, count: u32, out: &mut Outputs) -> bool {
        let found = self
            .group_ops
            .iter()
            .position(|o| o.as_ref().is_some_and(|o| o.kind == kind && o.first == first && o.count == count));
        if let Some(slot) = found {
            self.group_ops[slot] = None;
            out.cancel_timer(tid(tk::GROUP_SHORT, slot as u32));
            out.cancel_timer(tid(tk::GROUP_LONG, slot as u32));
        }
        found.is_some()
    }

    // ----- call control -----

    fn cancel_call_timers(&mut self, ci: u32, out: &mut Outputs) {
        for k in [tk::T7, tk::T9, tk::T6, tk::T35] {
            self.cancel(k, ci, out);
        }
    }

    /// Clears any call on `ci` without signalling on it (reset, restart):
    /// its peer is released with `cause`.
    fn clear_circuit(&mut self, now: Instant, ci: u32, cause: u8, out: &mut Outputs) {
        let c = &mut self.circuits[ci as usize];
        let was = c.cs;
        c.cs = Cs::Idle;
        self.idle.put(ci, true);
        c.setup = None;
        c.suspended = false;
        c.acm_sent = false;
        self.cancel_call_timers(ci, out);
        if was == Cs::Releasing {
            self.cancel(tk::T1, ci, out);
            self.cancel(tk::T5, ci, out);
        }
        if let Some(peer) = self.bridge.split(Leg::Circuit(ci)) {
            self.deliver(now, peer, Sig::Release(cause), out);
        } else if was != Cs::Idle {
            self.ain_leg_gone(now, Leg::Circuit(ci), out);
        }
    }

    /// Picks an idle circuit for prefix rule `rule`, other than `except`:
    /// circuits this exchange controls first (Q.764 §2.9.1.3), then the
    /// others. Next fit: each pass scans from just after the circuit it chose
    /// last and wraps round, so a fresh group is used lowest CIC first and a
    /// busy one costs a short scan, not one over every busy circuit.
    fn seize(&self, rule: usize, except: Option<u32>) -> Option<u32> {
        debug_assert!(
            self.circuits.iter().zip(0u32..).all(|(c, ci)| self.idle.has(ci) == (c.cs == Cs::Idle)),
            "the idle set is out of step with the circuit states"
        );
        let groups = self.rule_groups.get(rule)?;
        for &gi in groups {
            let g = &self.groups[gi as usize];
            if g.direction == Direction::Incoming {
                continue;
            }
            // The idle set holds `state == Idle`; the rest is checked here.
            let usable = |ci: u32| {
                let c = &self.circuits[ci as usize];
                Some(ci) != except
                    && c.cs == Cs::Idle
                    && !c.local_blocked
                    && !c.remote_blocked
                    && !c.resetting
                    && c.maint.is_none()
            };
            // Bit `ci` is an even CIC when `ci` has the parity of `base + first_cic`.
            let even_bits = if (g.base + u32::from(g.first_cic)) % 2 == 0 { EVEN_BITS } else { !EVEN_BITS };
            let controlled = match (g.even, g.odd) {
                (true, true) => u64::MAX,
                (true, false) => even_bits,
                (false, true) => !even_bits,
                (false, false) => 0,
            };
            let (base, end) = (g.base, g.base + g.len);
            for (pass, hint) in g.hints.iter().enumerate() {
                let mask = if pass == 1 { u64::MAX } else { controlled };
                let start = hint.get().clamp(base, end);
                let found = self
                    .idle
                    .first(start, end, mask, usable)
                    .or_else(|| self.idle.first(base, start, mask, usable));
                if let Some(ci) = found {
                    hint.set(ci + 1);
                    return Some(ci);
                }
            }
        }
        None
    }

    /// Routes a call from leg `from` by the result of digit analysis.
    fn route(&mut self, now: Instant, from: Leg, mut setup: Box<Setup>, a: Analysis, out: &mut Outputs) {
        let rule = match a {
            Analysis::Local(l) => return self.terminate(now, l, from, &setup, out),
            Analysis::Route(r) => r,
            Analysis::Trigger { kind: TriggerKind::InfoAnalyzed, rule } if self.ain.info_analyzed_armed() => {
                return self.ain_info_analyzed(now, from, setup, rule, out);
            }
            // No AIN (or the trigger is bypassed): route on the rule's groups.
            Analysis::Trigger { rule, .. } if self.plan.routable(rule) => rule,
            Analysis::Trigger { .. } | Analysis::Unallocated | Analysis::Incomplete => {
                return self.deliver(now, from, Sig::Release(cause::UNALLOCATED), out)
            }
        };
        setup.rule = Some(rule);
        match self.seize(rule, None) {
            Some(ci) => {
                self.bridge.join(from, Leg::Circuit(ci));
                self.start_outgoing(now, ci, setup, out);
            }
            None => self.deliver(now, from, Sig::Release(cause::NO_CIRCUIT), out),
        }
    }

    /// Sends the IAM on circuit `ci` and starts T7.
    fn start_outgoing(&mut self, now: Instant, ci: u32, setup: Box<Setup>, out: &mut Outputs) {
        let (dpc, cic) = self.far(ci);
        let emitted = match &setup.iam {
            Some(iam) => {
                let mut r = iam.clone();
                r.cic = cic;
                if let isup::Body::Parameters(list) = &mut r.body {
                    for p in list.mandatory_mut() {
                        if let P::CalledPartyNumber(n) = p {
                            n.digits = setup.called.as_str().into();
                        }
                    }
                }
                self.buf.clear();
                r.emit(&mut self.buf)
            }
            None => self.emit_fresh_iam(cic, &setup),
        };
        if let Err(e) = emitted {
            out.event(
                Some(u64::from(cic)),
                EventKind::Note(format!("{}: cannot encode IAM: {e}", self.name)),
            );
            if let Some(peer) = self.bridge.split(Leg::Circuit(ci)) {
                self.deliver(now, peer, Sig::Release(cause::INVALID_FORMAT), out);
            }
            return;
        }
        self.send_buf(dpc, cic, out);
        let c = &mut self.circuits[ci as usize];
        c.cs = Cs::OutSetup;
        self.idle.put(ci, false);
        c.out = true;
        c.acm_sent = false;
        c.setup = Some(setup);
        self.set(now, tk::T7, ci, self.timers.t7, out);
    }

    /// A new IAM for `setup` on `cic` (a call that did not arrive by IAM).
    fn fresh_iam(&self, cic: u16, setup: &Setup) -> IsupRepr {
        // Room for the five mandatory parameters at once (a `vec![]` of three
        // grew by a reallocation on the fourth).
        let mut r = IsupRepr::new(self.variant, cic, M::Iam, Vec::with_capacity(5), None);
        self.fill_fresh_iam(&mut r, cic, setup);
        r
    }

    /// Emits [`Ssp::fresh_iam`] into `self.buf`, in the repr kept from the
    /// previous call (its vectors keep their room: no allocation per call;
    /// the same bytes, as every field is written again).
    fn emit_fresh_iam(&mut self, cic: u16, setup: &Setup) -> Result<(), ainsim_wire::Error> {
        let r = match self.iam.take() {
            Some(mut r) => {
                self.fill_fresh_iam(&mut r, cic, setup);
                r
            }
            None => self.fresh_iam(cic, setup),
        };
        self.buf.clear();
        let emitted = r.emit(&mut self.buf);
        self.iam = Some(r);
        emitted
    }

    /// Writes every field of a fresh IAM for `setup` on `cic` into `r`.
    fn fill_fresh_iam(&self, r: &mut IsupRepr, cic: u16, setup: &Setup) {
        r.variant = self.variant;
        r.cic = cic;
        r.cic_spare = 0;
        r.message_type = M::Iam;
        // The list of the previous IAM is kept (with its room).
        let mut m = match std::mem::replace(&mut r.body, isup::Body::Raw(Vec::new())) {
            isup::Body::Parameters(list) => list,
            isup::Body::Raw(_) => isup::ParameterList::with_capacity(6),
        };
        m.clear();
        m.push_mandatory(P::NatureOfConnectionIndicators(NatureOfConnection::default()));
        m.push_mandatory(P::ForwardCallIndicators(ForwardCallIndicators::default().with_isup(1)));
        m.push_mandatory(P::CallingPartysCategory(setup.category));
        match self.variant {
            // Q.931 bearer capability: speech, circuit mode 64 kbit/s, G.711 mu-law.
            Variant::Ansi => m.push_mandatory(P::UserServiceInformation(UserServiceInformation {
                bytes: vec![0x80, 0x90, 0xa2],
            })),
            Variant::Itu => m.push_mandatory(P::TransmissionMediumRequirement(0)),
        }
        m.push_mandatory(P::CalledPartyNumber(Number::e164(3, &setup.called)));
        m.open_optional();
        if let Some(d) = setup.calling.as_deref() {
            m.push_optional(P::CallingPartyNumber(Number { screening: 3, ..Number::e164(3, d) }));
        }
        r.body = isup::Body::Parameters(m);
    }

    /// The IAM of a call from a `pbx` line `own` that presented `p`
    /// ([`LineSignal::Present`]): the presented number in the calling party
    /// number with screening "user provided, verified and passed" (the
    /// switch trusts a line of class `pbx`); a withheld one as the line's
    /// own number, presentation restricted, "network provided"; none as a
    /// calling party number "address not available" (ITU; ANSI sends none).
    /// ANSI adds the line's own number as the charge number (T1.113 §3.8,
    /// "ANI of the calling party; national number"), as for a PBX trunk.
    fn presented_iam(&self, setup: &Setup, own: &str, p: &Presented) -> IsupRepr {
        let mut r = self.fresh_iam(0, setup);
        let opt = presented_calling(self.variant, own, p);
        if let isup::Body::Parameters(list) = &mut r.body {
            list.set_optional(Some(opt));
        }
        r
    }

    /// The caller ID a local line is rung with: none when the calling party
    /// number of the call's IAM is not "presentation allowed".
    fn shown_caller(setup: &Setup) -> Option<String> {
        match setup.iam.as_ref().and_then(|r| r.find(isup::code::CALLING)) {
            Some(P::CallingPartyNumber(n)) if n.presentation != 0 => None,
            _ => setup.calling.clone(),
        }
    }

    /// Offers a call from `from` to local line `li`.
    fn terminate(&mut self, now: Instant, li: u32, from: Leg, setup: &Setup, out: &mut Outputs) {
        // GR-1298: Termination_Attempt is detected before the line is examined.
        if self.ain_termination_attempt(now, li, from, setup, out) {
            return;
        }
        if let Some(to) = self.lines[li as usize].forward_to.clone() {
            return self.forward(now, li, from, setup, &to, out);
        }
        let line = &self.lines[li as usize];
        let refuse = if !line.in_service {
            Some(cause::ABSENT)
        } else if line.state != Ls::Idle || from == Leg::Line(li) {
            Some(cause::BUSY)
        } else {
            None
        };
        if let Some(c) = refuse {
            return self.deliver(now, from, Sig::Release(c), out);
        }
        self.bridge.join(from, Leg::Line(li));
        let l = &mut self.lines[li as usize];
        l.state = Ls::Ringing;
        l.originating = false;
        self.line_send(li, &LineSignal::Ring { caller: Self::shown_caller(setup) }, out);
        if !self.lines[li as usize].defer_alerting {
            Self::line_event(li, EventKind::Alerting, out);
            self.deliver(now, from, Sig::Alerting(None), out);
        }
    }

    /// Sends REL on `ci` (unless idle or already releasing) and starts T1 and T5.
    fn release_circuit(&mut self, now: Instant, ci: u32, cause_value: u8, out: &mut Outputs) {
        let c = &mut self.circuits[ci as usize];
        if matches!(c.cs, Cs::Idle | Cs::Releasing) {
            return;
        }
        c.cs = Cs::Releasing;
        self.idle.put(ci, false);
        c.rel_cause = cause_value;
        c.setup = None;
        c.suspended = false;
        self.bridge.split(Leg::Circuit(ci));
        self.cancel_call_timers(ci, out);
        self.counters.released[usize::from(cause_value & 0x7f)] += 1;
        self.send_fixed(ci, Fixed::Rel(cause_value), out);
        self.set(now, tk::T1, ci, self.timers.t1, out);
        self.set(now, tk::T5, ci, self.timers.t5, out);
    }

    /// Hands a backward signal or release to a leg.
    fn deliver(&mut self, now: Instant, to: Leg, sig: Sig<'_>, out: &mut Outputs) {
        if self.ain.busy() && self.ain_intercept(now, to, &sig, out) {
            return;
        }
        match to {
            Leg::Line(li) => self.line_deliver(li, sig, out),
            Leg::Circuit(ci) => self.circuit_deliver(now, ci, sig, out),
        }
    }

    fn line_deliver(&mut self, li: u32, sig: Sig<'_>, out: &mut Outputs) {
        let state = self.lines[li as usize].state;
        match sig {
            Sig::Alerting(_) if state == Ls::Proceeding => {
                self.line_send(li, &LineSignal::Tone(Tone::Ringback), out);
                Self::line_event(li, EventKind::Alerting, out);
            }
            Sig::Answer(_) if state == Ls::Proceeding => {
                self.lines[li as usize].state = Ls::Talking;
                self.counters.answered += 1;
                self.line_send(li, &LineSignal::Connected, out);
                Self::line_event(li, EventKind::Answered, out);
            }
            Sig::Hear(text) => self.line_send(li, &LineSignal::Hear(text.to_owned()), out),
            Sig::Dtmf(d) if matches!(state, Ls::Talking | Ls::Proceeding) => {
                self.line_send(li, &LineSignal::Digits(d.to_owned()), out)
            }
            Sig::Release(c) => {
                self.bridge.split(Leg::Line(li));
                self.counters.line_released[usize::from(c & 0x7f)] += 1;
                Self::line_event(li, EventKind::Released { cause: c }, out);
                let next = match state {
                    Ls::Ringing => {
                        self.line_send(li, &LineSignal::StopRing, out);
                        Ls::Idle
                    }
                    Ls::Proceeding => {
                        let tone = match c {
                            cause::BUSY => Tone::Busy,
                            cause::UNALLOCATED => Tone::Sit,
                            _ => Tone::Congestion,
                        };
                        self.line_send(li, &LineSignal::Tone(tone), out);
                        if c == cause::UNALLOCATED {
                            let t = "The number you have dialled is not in service.";
                            self.line_send(li, &LineSignal::Hear(t.into()), out);
                        }
                        Ls::Lockout
                    }
                    Ls::Talking => {
                        self.line_send(li, &LineSignal::FarEndReleased, out);
                        Ls::Lockout
                    }
                    Ls::CalledOnHook => Ls::Idle,
                    s => s,
                };
                self.lines[li as usize].state = next;
            }
            _ => {}
        }
    }

    fn circuit_deliver(&mut self, now: Instant, ci: u32, sig: Sig<'_>, out: &mut Outputs) {
        let c = &self.circuits[ci as usize];
        let (state, acm_sent, incoming) = (c.cs, c.acm_sent, !c.out);
        let itu = self.variant == Variant::Itu;
        match sig {
            Sig::Release(cause_value) => self.release_circuit(now, ci, cause_value, out),
            Sig::Hear(text) if state != Cs::Idle && state != Cs::Releasing => {
                self.send(ci, M::Usr, vec![P::UserToUserInformation(bridge::encode_hear(text))], None, out);
            }
            Sig::Dtmf(d) if state != Cs::Idle && state != Cs::Releasing => {
                self.send(ci, M::Usr, vec![P::UserToUserInformation(bridge::encode_dtmf(d))], None, out);
            }
            Sig::Alerting(raw) | Sig::Progress(raw)
                if incoming && matches!(state, Cs::InSetup | Cs::InAlerting) =>
            {
                self.cancel(tk::T35, ci, out);
                let alerting = matches!(sig, Sig::Alerting(_));
                // A second ACM (the call was re-routed by the ISCP after we
                // sent ours) goes no further: CPG alerting instead.
                let raw = raw.filter(|r| !(acm_sent && r.get(2) == Some(&M::Acm.code())));
                if let Some(raw) = raw {
                    self.relay(ci, raw, out);
                    if raw.get(2) == Some(&M::Acm.code()) {
                        self.circuits[ci as usize].acm_sent = true;
                    }
                } else if !acm_sent {
                    self.send_fixed(ci, Fixed::Acm { status: Some(alerting) }, out);
                    self.circuits[ci as usize].acm_sent = true;
                } else if alerting {
                    let ev = EventInformation::default().with_event(1);
                    self.send(ci, M::Cpg, vec![P::EventInformation(ev)], Some(vec![]), out);
                }
                self.circuits[ci as usize].cs = Cs::InAlerting;
                self.idle.put(ci, false);
            }
            Sig::Answer(raw) if incoming && matches!(state, Cs::InSetup | Cs::InAlerting) => {
                self.cancel(tk::T35, ci, out);
                if let Some(raw) = raw {
                    self.relay(ci, raw, out);
                } else if !acm_sent && itu {
                    self.send_fixed(ci, Fixed::Con, out);
                } else {
                    if !acm_sent {
                        // ANSI has no CON: ACM then ANM.
                        self.send_fixed(ci, Fixed::Acm { status: None }, out);
                    }
                    self.send_fixed(ci, Fixed::Anm, out);
                }
                let c = &mut self.circuits[ci as usize];
                c.acm_sent = true;
                c.cs = Cs::Answered;
                self.idle.put(ci, false);
            }
            Sig::Suspend(raw) | Sig::Resume(raw) if incoming && state == Cs::Answered => {
                let suspend = matches!(sig, Sig::Suspend(_));
                if let Some(raw) = raw {
                    self.relay(ci, raw, out);
                } else {
                    let ind = P::SuspendResumeIndicators(
                        SuspendResumeIndicators::default().with_network_initiated(1),
                    );
                    self.send(ci, if suspend { M::Sus } else { M::Res }, vec![ind], Some(vec![]), out);
                }
            }
            _ => {}
        }
    }

    // ----- lines -----

    fn on_line(&mut self, now: Instant, li: u32, bytes: &[u8], out: &mut Outputs) {
        let sig = match LineSignal::parse(bytes) {
            Ok(s) => s,
            Err(e) => return self.dropped(format!("{}: {e}", self.name), bytes, out),
        };
        let state = self.lines[li as usize].state;
        let peer = self.bridge.peer(Leg::Line(li));
        match (sig, state) {
            (LineSignal::OffHook, Ls::Idle) => {
                let l = &mut self.lines[li as usize];
                l.state = Ls::Dialling;
                l.originating = true;
                l.digits.clear();
                l.presented = None;
                self.line_send(li, &LineSignal::Tone(Tone::Dial), out);
            }
            (LineSignal::OffHook, Ls::Ringing) => {
                self.lines[li as usize].state = Ls::Talking;
                self.counters.answered += 1;
                self.line_send(li, &LineSignal::Connected, out);
                Self::line_event(li, EventKind::Answered, out);
                if let Some(p) = peer {
                    self.deliver(now, p, Sig::Answer(None), out);
                } else {
                    self.ain_line_answered(now, li, out);
                }
            }
            (LineSignal::OffHook, Ls::CalledOnHook) => {
                self.lines[li as usize].state = Ls::Talking;
                if let Some(p) = peer {
                    self.deliver(now, p, Sig::Resume(None), out);
                }
            }
            (LineSignal::Digits(d), Ls::Dialling) => {
                self.lines[li as usize].digits.push_str(&d);
                let a = self.plan.analyze(&self.lines[li as usize].digits);
                if a == Analysis::Incomplete {
                    return;
                }
                let l = &mut self.lines[li as usize];
                l.state = Ls::Proceeding;
                let presented = l.presented.take();
                let mut setup = Box::new(Setup {
                    called: std::mem::take(&mut l.digits),
                    calling: Some(l.number.clone()),
                    category: l.class.category(),
                    iam: None,
                    rule: None,
                });
                if let Some(p) = presented {
                    let own = setup.calling.take().unwrap_or_default();
                    setup.iam = Some(self.presented_iam(&setup, &own, &p));
                    setup.calling = match p {
                        Presented::Number(n) => Some(n),
                        Presented::Restricted => Some(own),
                        Presented::Unavailable => None,
                    };
                }
                self.counters.attempts += 1;
                Self::line_event(li, call_attempt(out, setup.calling.as_deref(), &setup.called), out);
                self.route(now, Leg::Line(li), setup, a, out);
            }
            // DTMF keyed during a call: to the other party, in band.
            (LineSignal::Digits(d), Ls::Talking | Ls::Proceeding) => {
                if let Some(p) = peer {
                    self.deliver(now, p, Sig::Dtmf(&d), out);
                }
            }
            // A PBX or gateway trunk passes on its caller's number before dialling.
            (LineSignal::Present(p), Ls::Dialling) if self.lines[li as usize].class == LineClass::Pbx => {
                self.lines[li as usize].presented = Some(p);
            }
            (LineSignal::Present(_), _) => {
                let number = &self.lines[li as usize].number;
                let why = if self.lines[li as usize].class == LineClass::Pbx {
                    "only off hook before the digits"
                } else {
                    "not a pbx line"
                };
                let note = format!("{}: line {number} presents a calling number: ignored ({why})", self.name);
                Self::line_event(li, EventKind::Note(note), out);
            }
            // A line that knows why it cannot take the call (crate
            // `ainsim-hw`: busy, no answer, no dial tone on real gear).
            (LineSignal::Refuse(c), Ls::Ringing) => {
                let l = &mut self.lines[li as usize];
                l.state = Ls::Idle;
                l.digits.clear();
                let Some(p) = peer else { return self.ain_leg_gone(now, Leg::Line(li), out) };
                self.bridge.split(Leg::Line(li));
                self.counters.line_released[usize::from(c & 0x7f)] += 1;
                Self::line_event(li, EventKind::Released { cause: c }, out);
                self.deliver(now, p, Sig::Release(c), out);
            }
            (LineSignal::OnHook, _) => {
                let l = &mut self.lines[li as usize];
                let originating = l.originating;
                l.state = Ls::Idle;
                l.digits.clear();
                l.presented = None;
                let Some(p) = peer else { return self.ain_leg_gone(now, Leg::Line(li), out) };
                match state {
                    // Q.764 §2.5: an analogue called party going on-hook
                    // suspends the call (network-initiated SUS); the
                    // controlling exchange releases on T6.
                    Ls::Talking if !originating && matches!(p, Leg::Circuit(_)) => {
                        self.lines[li as usize].state = Ls::CalledOnHook;
                        self.deliver(now, p, Sig::Suspend(None), out);
                    }
                    // An on-hook while ringing is our line's way to reject a call.
                    Ls::Ringing => {
                        self.bridge.split(Leg::Line(li));
                        self.counters.line_released[usize::from(cause::REJECTED)] += 1;
                        Self::line_event(li, EventKind::Released { cause: cause::REJECTED }, out);
                        self.deliver(now, p, Sig::Release(cause::REJECTED), out);
                    }
                    _ => {
                        self.bridge.split(Leg::Line(li));
                        self.counters.line_released[usize::from(cause::NORMAL)] += 1;
                        Self::line_event(li, EventKind::Released { cause: cause::NORMAL }, out);
                        self.deliver(now, p, Sig::Release(cause::NORMAL), out);
                    }
                }
            }
            _ => {}
        }
    }

    // ----- ISUP -----

    fn on_msu(&mut self, now: Instant, bytes: &[u8], out: &mut Outputs) {
        let (opc, sif) = match self.sp.receive(bytes) {
            Ok(p) if p.dpc() == self.sp.pc && p.si() == ainsim_wire::mtp3::si::ISUP => {
                (p.opc(), &bytes[ainsim_wire::mtp3::header_len(self.variant)..])
            }
            Ok(p) if p.dpc() == self.sp.pc && p.si() == ainsim_wire::mtp3::si::SCCP && self.ain.enabled() => {
                let sif = &bytes[ainsim_wire::mtp3::header_len(self.variant)..];
                return self.ain_on_sccp(now, sif, bytes, out);
            }
            Ok(_) => {
                self.counters.ignored += 1;
                return;
            }
            Err(e) => return self.dropped(format!("{}: {e}", self.name), bytes, out),
        };
        let Ok(p) = IsupPacket::new_checked(sif, self.variant) else {
            return self.dropped(format!("{}: ISUP message shorter than its header", self.name), bytes, out);
        };
        let (cic, mt) = (p.cic(), p.message_type());
        self.counters.isup_in[usize::from(mt.code())] += 1;
        let Some(ci) = self.circuit_of(opc, cic) else {
            self.counters.unequipped += 1;
            out.event(
                Some(u64::from(cic)),
                EventKind::Note(format!("{}: {} for unequipped CIC {cic}", self.name, mt.acronym())),
            );
            // Q.764 §2.12: answer with UCIC, except to UCIC itself (and CFN).
            if !matches!(mt, M::Ucic | M::Cfn) {
                self.send_to(opc, cic, M::Ucic, vec![], None, out);
            }
            return;
        };
        if isup::format(mt, self.variant).is_none() {
            // Q.764 §2.9.5.3: an unrecognised message: confusion, cause 97.
            self.counters.malformed += 1;
            out.event(
                Some(u64::from(cic)),
                EventKind::Dropped {
                    reason: format!("{}: unrecognised message type {:#04x}", self.name, mt.code()),
                    hex: hex(sif),
                },
            );
            self.send(
                ci,
                M::Cfn,
                vec![cause_param(cause::NONEXISTENT_MESSAGE, vec![mt.code()])],
                Some(vec![]),
                out,
            );
            return;
        }
        let needs_parse = matches!(
            mt,
            M::Iam
                | M::Sam
                | M::Rel
                | M::Grs
                | M::Gra
                | M::Cgb
                | M::Cgu
                | M::Cgba
                | M::Cgua
                | M::Usr
                | M::Cfn
        );
        let repr = if needs_parse {
            match IsupRepr::parse(sif, self.variant) {
                Ok(r) => Some(r),
                Err(e) => {
                    self.dropped(format!("{}: {e}", self.name), sif, out);
                    let diag = vec![mt.code()];
                    self.send(ci, M::Cfn, vec![cause_param(cause::INVALID_MESSAGE, diag)], Some(vec![]), out);
                    return;
                }
            }
        } else {
            None
        };
        self.on_isup(now, ci, mt, sif, repr, out);
    }

    #[allow(clippy::too_many_lines)]
    fn on_isup(
        &mut self,
        now: Instant,
        ci: u32,
        mt: M,
        raw: &[u8],
        repr: Option<IsupRepr>,
        out: &mut Outputs,
    ) {
        let state = self.circuits[ci as usize].cs;
        let peer = self.bridge.peer(Leg::Circuit(ci));
        let cic = self.circuits[ci as usize].cic;
        let body = &raw[isup::HEADER_LEN..];
        match mt {
            M::Iam => {
                let Some(r) = repr else { return };
                if self.circuits[ci as usize].local_blocked {
                    // Q.764 §2.8.2: a call on a circuit we blocked: remind the far end.
                    self.maint_msg(ci, MaintKind::Blo, out);
                    return;
                }
                match state {
                    Cs::Idle => {}
                    Cs::OutSetup => {
                        // Q.764 §2.9.1.4: dual seizure. The controlling exchange
                        // ignores the IAM; the other backs off and re-attempts.
                        self.counters.dual_seizures += 1;
                        let g = &self.groups[self.circuits[ci as usize].group as usize];
                        let controls = if cic % 2 == 0 { g.even } else { g.odd };
                        out.event(
                            Some(u64::from(cic)),
                            EventKind::Note(format!(
                                "{}: dual seizure on CIC {cic}: {}",
                                self.name,
                                if controls { "we control it, incoming IAM ignored" } else { "backing off" }
                            )),
                        );
                        if controls {
                            return;
                        }
                        let setup = self.circuits[ci as usize].setup.take();
                        let back = self.bridge.split(Leg::Circuit(ci));
                        self.circuits[ci as usize].cs = Cs::Idle;
                        self.idle.put(ci, true);
                        self.cancel(tk::T7, ci, out);
                        self.incoming_iam(now, ci, r, out);
                        if let (Some(setup), Some(back)) = (setup, back) {
                            match setup.rule.and_then(|rule| self.seize(rule, Some(ci))) {
                                Some(nc) => {
                                    self.bridge.join(back, Leg::Circuit(nc));
                                    self.start_outgoing(now, nc, setup, out);
                                }
                                None => self.deliver(now, back, Sig::Release(cause::NO_CIRCUIT), out),
                            }
                        }
                        return;
                    }
                    _ => {
                        out.event(
                            Some(u64::from(cic)),
                            EventKind::Note(format!("{}: IAM on a busy CIC {cic} ignored", self.name)),
                        );
                        return;
                    }
                }
                self.incoming_iam(now, ci, r, out);
            }
            M::Sam if state == Cs::InSetup => {
                let Some(d) = repr.as_ref().and_then(|r| r.find(isup::code::SUBSEQUENT)).and_then(P::digits)
                else {
                    return;
                };
                let d = d.to_owned();
                let Some(setup) = self.circuits[ci as usize].setup.as_mut() else { return };
                setup.called.push_str(&d);
                self.analyse_incoming(now, ci, out);
            }
            M::Acm if matches!(state, Cs::OutSetup) => {
                self.cancel(tk::T7, ci, out);
                self.circuits[ci as usize].cs = Cs::OutAlerting;
                self.idle.put(ci, false);
                if matches!(peer, Some(Leg::Line(_))) {
                    self.set(now, tk::T9, ci, self.timers.t9, out);
                }
                // BCI octet 1 bits DC: called party status, 1 = subscriber free.
                let free = body.first().is_some_and(|b| b >> 2 & 3 == 1);
                if let Some(p) = peer {
                    let sig = if free { Sig::Alerting(Some(raw)) } else { Sig::Progress(Some(raw)) };
                    self.deliver(now, p, sig, out);
                }
            }
            M::Cpg if matches!(state, Cs::OutSetup | Cs::OutAlerting | Cs::Answered) => {
                let alerting = body.first().is_some_and(|b| b & 0x7f == 1);
                if let Some(p) = peer {
                    let sig = if alerting { Sig::Alerting(Some(raw)) } else { Sig::Progress(Some(raw)) };
                    self.deliver(now, p, sig, out);
                }
            }
            M::Anm | M::Con if matches!(state, Cs::OutSetup | Cs::OutAlerting) => {
                self.cancel(tk::T7, ci, out);
                self.cancel(tk::T9, ci, out);
                self.circuits[ci as usize].cs = Cs::Answered;
                self.idle.put(ci, false);
                if let Some(p) = peer {
                    self.deliver(now, p, Sig::Answer(Some(raw)), out);
                }
            }
            M::Sus | M::Res if state == Cs::Answered => {
                let suspend = mt == M::Sus;
                self.circuits[ci as usize].suspended = suspend;
                match peer {
                    // Q.764 §2.5.1 c): the controlling exchange times the suspension (T6).
                    Some(Leg::Line(_)) if suspend => self.set(now, tk::T6, ci, self.timers.t6, out),
                    Some(Leg::Line(_)) => self.cancel(tk::T6, ci, out),
                    Some(p) => {
                        let sig = if suspend { Sig::Suspend(Some(raw)) } else { Sig::Resume(Some(raw)) };
                        self.deliver(now, p, sig, out);
                    }
                    None => {}
                }
            }
            M::Rel => {
                let value = repr
                    .as_ref()
                    .and_then(|r| match r.find(isup::code::CAUSE) {
                        Some(P::CauseIndicators(c)) => Some(c.value),
                        _ => None,
                    })
                    .unwrap_or(cause::NORMAL_UNSPECIFIED);
                if state == Cs::Releasing {
                    self.cancel(tk::T1, ci, out);
                    self.cancel(tk::T5, ci, out);
                } else if state != Cs::Idle {
                    self.counters.released[usize::from(value & 0x7f)] += 1;
                }
                let c = &mut self.circuits[ci as usize];
                c.cs = Cs::Idle;
                self.idle.put(ci, true);
                c.setup = None;
                c.suspended = false;
                self.cancel_call_timers(ci, out);
                self.send_fixed(ci, Fixed::Rlc, out);
                if let Some(p) = self.bridge.split(Leg::Circuit(ci)) {
                    self.deliver(now, p, Sig::Release(value), out);
                } else if state != Cs::Idle {
                    self.ain_leg_gone(now, Leg::Circuit(ci), out);
                }
            }
            M::Rlc => {
                if state == Cs::Releasing {
                    self.cancel(tk::T1, ci, out);
                    self.cancel(tk::T5, ci, out);
                    self.circuits[ci as usize].cs = Cs::Idle;
                    self.idle.put(ci, true);
                }
                if self.circuits[ci as usize].maint.is_some_and(|(k, _)| k == MaintKind::Rsc) {
                    self.end_maint(ci, MaintKind::Rsc, out);
                    self.circuits[ci as usize].resetting = false;
                }
                // Q.764 §2.9.5.1: an RLC for an idle circuit is discarded.
            }
            M::Rsc => {
                // Q.764 §2.10.3.1: release any call, answer RLC, unblock remotely;
                // a circuit we block is blocked again.
                self.clear_circuit(now, ci, cause::TEMPORARY_FAILURE, out);
                let c = &mut self.circuits[ci as usize];
                c.remote_blocked = false;
                let reblock = c.local_blocked;
                self.send_fixed(ci, Fixed::Rlc, out);
                if reblock {
                    self.maint_msg(ci, MaintKind::Blo, out);
                }
            }
            M::Blo => {
                self.circuits[ci as usize].remote_blocked = true;
                self.send(ci, M::Bla, vec![], None, out);
            }
            M::Ubl => {
                self.circuits[ci as usize].remote_blocked = false;
                self.send(ci, M::Uba, vec![], None, out);
            }
            M::Bla => self.end_maint(ci, MaintKind::Blo, out),
            M::Uba => self.end_maint(ci, MaintKind::Ubl, out),
            M::Grs | M::Cgb | M::Cgu => {
                let Some(r) = repr else { return };
                self.group_request(now, ci, mt, &r, out);
            }
            M::Gra | M::Cgba | M::Cgua => {
                let Some(r) = repr else { return };
                let Some(P::RangeAndStatus(rs)) = r.find(isup::code::RANGE_STATUS) else { return };
                let count = u32::from(rs.range) + 1;
                let kind = match mt {
                    M::Gra => GroupKind::Grs,
                    M::Cgba => GroupKind::Cgb,
                    _ => GroupKind::Cgu,
                };
                if !self.end_group(kind, ci, count, out) {
                    return;
                }
                if kind == GroupKind::Grs {
                    let gi = self.circuits[ci as usize].group as usize;
                    let end = (self.groups[gi].base + self.groups[gi].len).min(ci + count);
                    for (k, x) in (ci..end).enumerate() {
                        let blocked = rs.status.get(k / 8).is_some_and(|b| b >> (k % 8) & 1 == 1);
                        let c = &mut self.circuits[x as usize];
                        c.resetting = false;
                        c.remote_blocked = blocked;
                    }
                }
            }
            M::Ucic => {
                // Q.764 §2.12: the far end has no such circuit: take it out of
                // service; a call being set up on it is re-attempted.
                let c = &mut self.circuits[ci as usize];
                c.remote_blocked = true;
                out.event(
                    Some(u64::from(cic)),
                    EventKind::Note(format!("{}: far end reports CIC {cic} unequipped", self.name)),
                );
                if state == Cs::OutSetup {
                    let setup = c.setup.take();
                    c.cs = Cs::Idle;
                    self.idle.put(ci, true);
                    self.cancel(tk::T7, ci, out);
                    if let (Some(setup), Some(back)) = (setup, self.bridge.split(Leg::Circuit(ci))) {
                        match setup.rule.and_then(|rule| self.seize(rule, Some(ci))) {
                            Some(nc) => {
                                self.bridge.join(back, Leg::Circuit(nc));
                                self.start_outgoing(now, nc, setup, out);
                            }
                            None => self.deliver(now, back, Sig::Release(cause::NO_CIRCUIT), out),
                        }
                    }
                }
            }
            M::Usr => {
                let uui = repr.as_ref().and_then(|r| match r.find(isup::code::UUI) {
                    Some(P::UserToUserInformation(u)) => Some(u.as_slice()),
                    _ => None,
                });
                let Some(uui) = uui else { return };
                if let Some(d) = bridge::decode_dtmf(uui) {
                    let d = d.to_owned();
                    if let Some(p) = peer {
                        self.deliver(now, p, Sig::Dtmf(&d), out);
                    }
                } else if let (Some(t), Some(p)) = (bridge::decode_hear(uui).map(str::to_owned), peer) {
                    self.deliver(now, p, Sig::Hear(&t), out);
                }
            }
            M::Cfn => {
                out.event(
                    Some(u64::from(cic)),
                    EventKind::Note(format!("{}: confusion from far end on CIC {cic}", self.name)),
                );
            }
            M::Acm | M::Con | M::Anm | M::Cpg | M::Sus | M::Res
                if state == Cs::Idle && !self.circuits[ci as usize].resetting =>
            {
                // Q.764 §2.9.5.1 b): a call message for an idle circuit: the
                // two ends disagree about it, so reset it.
                out.event(
                    Some(u64::from(cic)),
                    EventKind::Note(format!(
                        "{}: {} on idle CIC {cic}: resetting it",
                        self.name,
                        mt.acronym()
                    )),
                );
                self.circuits[ci as usize].resetting = true;
                self.start_maint(now, ci, MaintKind::Rsc, out);
            }
            _ => {
                // A known message that does not fit the circuit's state, or one
                // we do not process (COT, INR, FAR, ...): discarded (Q.764 §2.9.5).
                out.event(
                    Some(u64::from(cic)),
                    EventKind::Note(format!(
                        "{}: {} on CIC {cic} discarded in state {state:?}",
                        self.name,
                        mt.acronym()
                    )),
                );
            }
        }
    }

    fn incoming_iam(&mut self, now: Instant, ci: u32, r: IsupRepr, out: &mut Outputs) {
        let called = r.find(isup::code::CALLED).and_then(P::digits).unwrap_or_default().to_owned();
        let calling = r.find(isup::code::CALLING).and_then(P::digits).map(str::to_owned);
        let category = match r.find(isup::code::CALLING_CATEGORY) {
            Some(P::CallingPartysCategory(c)) => *c,
            _ => 10,
        };
        self.counters.attempts += 1;
        let cic = self.circuits[ci as usize].cic;
        out.event(Some(u64::from(cic)), call_attempt(out, calling.as_deref(), &called));
        let c = &mut self.circuits[ci as usize];
        c.cs = Cs::InSetup;
        self.idle.put(ci, false);
        c.out = false;
        c.acm_sent = false;
        c.remote_blocked = false;
        c.setup = Some(Box::new(Setup { called, calling, category, iam: Some(r), rule: None }));
        self.analyse_incoming(now, ci, out);
    }

    /// Analyses the called number of the incoming call on `ci` (in its setup).
    fn analyse_incoming(&mut self, now: Instant, ci: u32, out: &mut Outputs) {
        let Some(setup) = self.circuits[ci as usize].setup.as_deref() else { return };
        let a = self.plan.analyze(&setup.called);
        if a == Analysis::Incomplete {
            // Overlap: wait for SAM (T35).
            self.set(now, tk::T35, ci, self.timers.t35, out);
            return;
        }
        self.cancel(tk::T35, ci, out);
        let Some(mut setup) = self.circuits[ci as usize].setup.take() else { return };
        let complete = setup.called.trim_end_matches(['F', '#']).len();
        setup.called.truncate(complete);
        self.route(now, Leg::Circuit(ci), setup, a, out);
    }

    fn group_request(&mut self, now: Instant, ci: u32, mt: M, r: &IsupRepr, out: &mut Outputs) {
        let Some(P::RangeAndStatus(rs)) = r.find(isup::code::RANGE_STATUS) else { return };
        let count = u32::from(rs.range) + 1;
        let gi = self.circuits[ci as usize].group as usize;
        let end = (self.groups[gi].base + self.groups[gi].len).min(ci + count);
        let cic = self.circuits[ci as usize].cic;
        if mt == M::Grs {
            // Q.764 §2.10.3.2: range 1..31 (ANSI: 1..23); otherwise discarded.
            let max = if self.variant == Variant::Itu { 31 } else { 23 };
            if rs.range == 0 || rs.range > max {
                return;
            }
            let mut status = vec![0u8; (count as usize).div_ceil(8)];
            for (k, x) in (ci..end).enumerate() {
                self.clear_circuit(now, x, cause::TEMPORARY_FAILURE, out);
                let c = &mut self.circuits[x as usize];
                c.remote_blocked = false;
                if c.maint.is_some_and(|(k, _)| k == MaintKind::Rsc) {
                    c.resetting = false;
                }
                if c.local_blocked {
                    status[k / 8] |= 1 << (k % 8);
                }
            }
            let rs = RangeAndStatus { range: rs.range, status };
            self.send(ci, M::Gra, vec![P::RangeAndStatus(rs)], None, out);
            return;
        }
        if rs.range > 31 {
            return;
        }
        let block = mt == M::Cgb;
        for (k, x) in (ci..end).enumerate() {
            if rs.status.get(k / 8).is_some_and(|b| b >> (k % 8) & 1 == 1) {
                self.circuits[x as usize].remote_blocked = block;
            }
        }
        let ack = if block { M::Cgba } else { M::Cgua };
        let cgsmt = match r.find(isup::code::CGSMT) {
            Some(P::CircuitGroupSupervisionMessageType(t)) => *t,
            _ => CircuitGroupSupervision::default(),
        };
        out.event(
            Some(u64::from(cic)),
            EventKind::Note(format!(
                "{}: {} circuits from CIC {cic} {} by the far end",
                self.name,
                end - ci,
                if block { "blocked" } else { "unblocked" }
            )),
        );
        self.send(
            ci,
            ack,
            vec![P::CircuitGroupSupervisionMessageType(cgsmt), P::RangeAndStatus(rs.clone())],
            None,
            out,
        );
    }

    fn on_timer(&mut self, now: Instant, id: TimerId, out: &mut Outputs) {
        let (kind, idx) = (id.0 >> 32, (id.0 & 0xffff_ffff) as u32);
        if kind >= ain::T_RESPONSE {
            return self.ain_timer(now, kind, idx as usize, out);
        }
        if kind >= tk::GROUP_SHORT {
            return self.on_group_timer(now, kind, idx as usize, out);
        }
        let Some(c) = self.circuits.get_mut(idx as usize) else { return };
        // A timer that fired is no longer set.
        c.armed &= !(1 << kind);
        let (state, cic) = (c.cs, c.cic);
        let note = |out: &mut Outputs, what: String| out.event(Some(u64::from(cic)), EventKind::Note(what));
        match kind {
            tk::T1 if state == Cs::Releasing => {
                // Q.764 §2.3.1 d): repeat REL, restart T1.
                let cause_value = self.circuits[idx as usize].rel_cause;
                self.send_fixed(idx, Fixed::Rel(cause_value), out);
                self.set(now, tk::T1, idx, self.timers.t1, out);
            }
            tk::T5 if state == Cs::Releasing => {
                // Q.764 §2.3.1 d): stop T1, send RSC, alert maintenance; RSC
                // is then repeated at T17 intervals until RLC.
                self.cancel(tk::T1, idx, out);
                note(out, format!("{}: T5 expired on CIC {cic}: RSC, maintenance alerted", self.name));
                let c = &mut self.circuits[idx as usize];
                c.cs = Cs::Idle;
                self.idle.put(idx, true);
                c.resetting = true;
                c.maint = Some((MaintKind::Rsc, true));
                self.maint_msg(idx, MaintKind::Rsc, out);
                self.set(now, tk::MAINT_LONG, idx, self.timers.t17, out);
            }
            tk::T7 if state == Cs::OutSetup => {
                note(out, format!("{}: T7 expired on CIC {cic}", self.name));
                self.fail_call(now, idx, cause::NORMAL_UNSPECIFIED, out);
            }
            tk::T9 if state == Cs::OutAlerting => self.fail_call(now, idx, cause::NO_ANSWER, out),
            tk::T6 if state == Cs::Answered && self.circuits[idx as usize].suspended => {
                self.fail_call(now, idx, cause::TIMER_EXPIRY, out);
            }
            tk::T35 if state == Cs::InSetup => self.fail_call(now, idx, cause::INVALID_FORMAT, out),
            tk::MAINT_SHORT => {
                if let Some((k, false)) = self.circuits[idx as usize].maint {
                    self.maint_msg(idx, k, out);
                    let (short, _) = self.maint_timers(k);
                    self.set(now, tk::MAINT_SHORT, idx, short, out);
                }
            }
            tk::MAINT_LONG => {
                if let Some((k, _)) = self.circuits[idx as usize].maint {
                    note(out, format!("{}: {k:?} on CIC {cic} unanswered: maintenance alerted", self.name));
                    self.circuits[idx as usize].maint = Some((k, true));
                    self.cancel(tk::MAINT_SHORT, idx, out);
                    self.maint_msg(idx, k, out);
                    let (_, long) = self.maint_timers(k);
                    self.set(now, tk::MAINT_LONG, idx, long, out);
                }
            }
            _ => {}
        }
    }

    /// Releases both halves of the call on `ci` with `cause_value`.
    fn fail_call(&mut self, now: Instant, ci: u32, cause_value: u8, out: &mut Outputs) {
        let peer = self.bridge.split(Leg::Circuit(ci));
        self.release_circuit(now, ci, cause_value, out);
        if let Some(p) = peer {
            self.deliver(now, p, Sig::Release(cause_value), out);
        }
    }

    fn on_group_timer(&mut self, now: Instant, kind: u64, slot: usize, out: &mut Outputs) {
        let Some(Some(op)) = self.group_ops.get_mut(slot) else { return };
        let (short, long) = match op.kind {
            GroupKind::Grs => (self.timers.t22, self.timers.t23),
            GroupKind::Cgb => (self.timers.t18, self.timers.t19),
            GroupKind::Cgu => (self.timers.t20, self.timers.t21),
        };
        if kind == tk::GROUP_SHORT && op.long {
            return;
        }
        if kind == tk::GROUP_LONG {
            op.long = true;
            out.cancel_timer(tid(tk::GROUP_SHORT, slot as u32));
        }
        let (first, sif, k) = (op.first, op.sif.clone(), op.kind);
        let (dpc, cic) = self.far(first);
        if kind == tk::GROUP_LONG {
            out.event(
                Some(u64::from(cic)),
                EventKind::Note(format!(
                    "{}: {k:?} from CIC {cic} unanswered: maintenance alerted",
                    self.name
                )),
            );
        }
        self.buf = sif;
        self.send_buf(dpc, cic, out);
        let d = if kind == tk::GROUP_LONG { long } else { short };
        self.set(now, kind, slot as u32, d, out);
    }
}

impl Element for Ssp {
    fn name(&self) -> &str {
        &self.name
    }

    fn counter_values(&self) -> Vec<(String, u64)> {
        self.counters.values()
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start => self.restart(now, out),
            Input::Recv { port, bytes } => {
                if let Some(&li) = self.line_ports.get(&port) {
                    self.on_line(now, li, bytes, out);
                } else if self.sp.is_link(port) {
                    self.on_msu(now, bytes, out);
                } else {
                    self.dropped(format!("{}: frame on unknown port {}", self.name, port.0), bytes, out);
                }
            }
            Input::LinkState { port, up } => self.sp.set_link_state(port, up),
            Input::Timer(id) => self.on_timer(now, id, out),
        }
    }
}

#[cfg(test)]
mod tests;
