//! The network benchmark behind `ainsim bench`: how fast the codecs, the
//! simulator and the tokio runtime carry basic ISUP calls, and how much
//! memory an idle subscriber and an active call cost.
//!
//! What it measures, in one run (so every figure shares the machine's load):
//!
//! - `codec_frames_per_s` (the baseline): emit + parse of the five MSUs of a
//!   basic call (IAM, ACM, ANM, REL, RLC, each with its MTP3 header) with no
//!   network model at all.
//! - `sim_*`: basic calls between two real SSPs ([`Ssp`]) across a real STP
//!   ([`Stp`]), with scripted [`Phone`]s on both sides, run by the
//!   [`Simulator`] on one core with tracing, event records, pcap and the
//!   phones' logs ([`Phone::unlogged`]) off.
//!   Every frame is emitted by its sender and parsed by its receiver at each
//!   hop (10 SS7 frames and about a dozen line frames per call).
//! - `rt_calls_per_s`: the same network on the tokio runtime ([`crate::rt`],
//!   two worker threads), elements wired in process; calls are offered at a
//!   rate above the goal and the answered-and-released ones are counted.
//! - Memory: the growth of the heap while a network of idle subscribers (one
//!   SSP line, one phone element, one line link each) is built, and while
//!   calls are held up in it, divided by the count. With a [`HeapProbe`]
//!   (the `ainsim` binary installs a counting global allocator) that is the
//!   exact number of bytes requested and not freed; without one, the growth
//!   of the resident set (`VmRSS` in `/proc/self/status`), which is coarse
//!   (pages, memory the allocator kept from earlier runs) and `None` on
//!   systems without `/proc`.
//!
//! What it is not: a latency benchmark (virtual time is not wall time) or a
//! stable figure on a loaded machine; compare figures from the same run.

use std::time::{Duration, Instant as Wall};

use ainsim_elements::phone::{Phone, PhoneScript, PlacedCall, WhenCalled};
use ainsim_elements::sp::SignallingPoint;
use ainsim_elements::ssp::{
    Direction, GlareControl, IsupTimers, LineClass, LineConfig, NumberingPlan, PrefixRoute, SignallingConfig,
    Ssp, SspConfig, TrunkGroupConfig,
};
use ainsim_elements::stp::{self, Stp, StpConfig};
use ainsim_elements::{Instant, Port};
use ainsim_wire::isup::{
    BackwardCallIndicators, CauseIndicators, ForwardCallIndicators, MessageType as M, NatureOfConnection,
    Number, Parameter as P,
};
use ainsim_wire::{IsupRepr, Mtp3Packet, PointCode, Variant};

use crate::sim::Simulator;
use crate::{LinkKind, LinkModel};

/// Reads the heap: a counting global allocator's switch and counter.
#[derive(Debug, Clone, Copy)]
pub struct HeapProbe {
    /// Starts or stops counting.
    pub set_counting: fn(bool),
    /// Bytes allocated minus bytes freed while counting.
    pub live_bytes: fn() -> i64,
}

/// How big a run is.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Calls through the simulator.
    pub sim_calls: u64,
    /// Calls offered to the tokio runtime.
    pub rt_calls: u64,
    /// Rounds of the five codec frames for the baseline.
    pub codec_rounds: u64,
    /// Idle subscribers built for the memory figure.
    pub idle_subscribers: usize,
    /// Calls held up at once for the memory figure.
    pub active_calls: usize,
    /// The heap counter, if the binary has one (otherwise RSS is used).
    pub heap: Option<HeapProbe>,
}

impl Config {
    /// The full run: goal scale for memory (1M subscribers, 100k calls).
    pub fn full() -> Self {
        Config {
            sim_calls: 200_000,
            rt_calls: 100_000,
            codec_rounds: 400_000,
            idle_subscribers: GOAL_SUBSCRIBERS,
            active_calls: GOAL_ACTIVE_CALLS,
            heap: None,
        }
    }

    /// A run of a second or two (CI smoke test): small scale, per-unit
    /// memory extrapolated.
    pub fn quick() -> Self {
        Config {
            sim_calls: 4_000,
            rt_calls: 4_000,
            codec_rounds: 20_000,
            idle_subscribers: 20_000,
            active_calls: 2_000,
            heap: None,
        }
    }

    /// This configuration with `n` simulated calls (and as many real-time calls, at most 100k).
    #[must_use]
    pub fn with_calls(self, n: u64) -> Self {
        Config { sim_calls: n.max(1), rt_calls: n.clamp(1, 100_000), ..self }
    }
}

/// The subscriber count of the memory goal.
pub const GOAL_SUBSCRIBERS: usize = 1_000_000;
/// The simultaneous-call count of the memory goal.
pub const GOAL_ACTIVE_CALLS: usize = 100_000;

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Emit + parse of a basic call's five MSUs, frames per second.
    pub codec_frames_per_s: f64,
    /// Frames (SS7 and line) the simulator carried per second of wall time.
    pub sim_frames_per_s: f64,
    /// Of which SS7 (MTP3 MSU) frames per second.
    pub sim_ss7_frames_per_s: f64,
    /// Basic calls per second through the simulator.
    pub sim_calls_per_s: f64,
    /// Calls answered and released in the simulator run.
    pub sim_calls: u64,
    /// Frames the simulator carried in that run.
    pub sim_frames: u64,
    /// Simulator per-frame time over codec per-frame time: how many times
    /// the codec baseline the network model costs per frame.
    pub model_cost_ratio: f64,
    /// Basic calls per second on the tokio runtime.
    pub rt_calls_per_s: f64,
    /// Calls completed in the real-time run.
    pub rt_calls: u64,
    /// Calls offered in the real-time run.
    pub rt_offered: u64,
    /// Bytes per idle subscriber (SSP line + phone element + line link).
    pub idle_subscriber_bytes: Option<f64>,
    /// Subscribers built for that figure.
    pub idle_subscribers: usize,
    /// Bytes per active (answered) call, over idle.
    pub active_call_bytes: Option<f64>,
    /// Calls held up for that figure.
    pub active_calls: usize,
    /// How memory was measured.
    pub memory_method: &'static str,
}

/// One goal of issue 3 item 8 and whether this run met it.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// The report key the goal is about.
    pub key: &'static str,
    /// `>=` or `<=`.
    pub op: &'static str,
    pub target: f64,
    pub measured: Option<f64>,
    /// `None` when the figure could not be measured.
    pub met: Option<bool>,
}

impl Report {
    /// The goals, in a fixed order.
    pub fn goals(&self) -> Vec<Goal> {
        let at_least = |key, target, measured: f64| Goal {
            key,
            op: ">=",
            target,
            measured: Some(measured),
            met: Some(measured >= target),
        };
        let at_most = |key, target, measured: Option<f64>| Goal {
            key,
            op: "<=",
            target,
            measured,
            met: measured.map(|m| m <= target),
        };
        vec![
            at_least("sim_calls_per_s", 100_000.0, self.sim_calls_per_s),
            at_least("sim_frames_per_s", 1_000_000.0, self.sim_frames_per_s),
            at_most("model_cost_ratio", 3.0, Some(self.model_cost_ratio)),
            at_least("rt_calls_per_s", 20_000.0, self.rt_calls_per_s),
            at_most("idle_subscriber_bytes", 1024.0, self.idle_subscriber_bytes),
            at_most("active_call_bytes", 4096.0, self.active_call_bytes),
        ]
    }
}

/// Runs every measurement of `cfg`.
///
/// # Errors
/// The bench network could not be built or a run did not complete its calls
/// (a bug, reported in words).
pub fn run(cfg: &Config) -> Result<Report, String> {
    let codec_frames_per_s = codec_frames_per_s(cfg.codec_rounds)?;
    let sim = sim_run(cfg.sim_calls)?;
    let rt = rt_run(cfg.rt_calls)?;
    let meter = Meter(cfg.heap);
    let idle = idle_subscriber_bytes(cfg.idle_subscribers, meter)?;
    let active = active_call_bytes(cfg.active_calls, meter)?;
    let sim_frames_per_s = sim.frames as f64 / sim.secs;
    Ok(Report {
        codec_frames_per_s,
        sim_frames_per_s,
        sim_ss7_frames_per_s: sim.ss7_frames as f64 / sim.secs,
        sim_calls_per_s: sim.calls as f64 / sim.secs,
        sim_calls: sim.calls,
        sim_frames: sim.frames,
        model_cost_ratio: codec_frames_per_s / sim_frames_per_s,
        rt_calls_per_s: rt.calls as f64 / rt.secs,
        rt_calls: rt.calls,
        rt_offered: rt.offered,
        idle_subscriber_bytes: idle,
        idle_subscribers: cfg.idle_subscribers,
        active_call_bytes: active,
        active_calls: cfg.active_calls,
        memory_method: if cfg.heap.is_some() { HEAP_METHOD } else { RSS_METHOD },
    })
}

/// The memory method with a [`HeapProbe`], in words.
pub const HEAP_METHOD: &str =
    "heap bytes allocated and not freed (counting global allocator), divided by the count";
/// The memory method without one.
pub const RSS_METHOD: &str = "growth of VmRSS (/proc/self/status), divided by the count";

// ------------------------------------------------------------------ codec

const V: Variant = Variant::Itu;

/// The five ISUP messages of a basic call as the SSPs build them.
pub fn basic_call_messages(cic: u16) -> Vec<IsupRepr> {
    let bci = BackwardCallIndicators::default()
        .with_charge(2)
        .with_called_party_status(1)
        .with_called_party_category(1)
        .with_isup(1);
    let cause =
        P::CauseIndicators(CauseIndicators { location: 2, value: 16, value_ext: 1, ..Default::default() });
    vec![
        IsupRepr::new(
            V,
            cic,
            M::Iam,
            vec![
                P::NatureOfConnectionIndicators(NatureOfConnection::default()),
                P::ForwardCallIndicators(ForwardCallIndicators::default().with_isup(1)),
                P::CallingPartysCategory(0x0a),
                P::TransmissionMediumRequirement(0),
                P::CalledPartyNumber(Number::e164(3, "4000000001")),
            ],
            Some(vec![P::CallingPartyNumber(Number { screening: 3, ..Number::e164(3, "3000000001") })]),
        ),
        IsupRepr::new(V, cic, M::Acm, vec![P::BackwardCallIndicators(bci)], Some(vec![])),
        IsupRepr::new(V, cic, M::Anm, vec![], Some(vec![])),
        IsupRepr::new(V, cic, M::Rel, vec![cause], None),
        IsupRepr::new(V, cic, M::Rlc, vec![], None),
    ]
}

/// Emits (ISUP, then the MTP3 MSU around it) and parses (MTP3 view, full
/// ISUP parse) the five frames of a basic call `rounds` times; frames per second.
///
/// # Errors
/// A frame that does not encode or parse.
pub fn codec_frames_per_s(rounds: u64) -> Result<f64, String> {
    let msgs = basic_call_messages(1);
    let sp = SignallingPoint::new(PointCode(100), V, 2);
    let mut buf = Vec::with_capacity(64);
    let mut round = |check: bool| -> Result<usize, String> {
        let mut n = 0;
        for m in &msgs {
            buf.clear();
            m.emit(&mut buf).map_err(|e| e.to_string())?;
            let msu = sp.build(5, PointCode(300), 1, &buf).map_err(|e| e.to_string())?;
            let p = Mtp3Packet::new_checked(&msu[..], V).map_err(|e| e.to_string())?;
            let r = IsupRepr::parse(p.sif(), V).map_err(|e| e.to_string())?;
            if check && &r != m {
                return Err(format!("codec: {:?} does not round-trip", m.message_type));
            }
            n += usize::from(r.cic == m.cic);
        }
        Ok(n)
    };
    round(true)?;
    // Warm up (caches, branch predictors, CPU clock) before timing.
    for _ in 0..rounds / 10 {
        std::hint::black_box(round(false)?);
    }
    let start = Wall::now();
    let mut frames = 0u64;
    for _ in 0..rounds {
        frames += std::hint::black_box(round(false)?) as u64;
    }
    Ok(frames as f64 / start.elapsed().as_secs_f64())
}

// ------------------------------------------------------------------ the network

/// The shape of a bench network: `switch_pairs` pairs of SSPs (SSP-A*n*
/// calling SSP-B*n*) around one STP, with `phone_pairs` caller/callee phones
/// per pair; caller *i* calls callee *i* `calls_per_phone` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub switch_pairs: usize,
    pub phone_pairs: usize,
    pub calls_per_phone: usize,
    /// First call of the first caller.
    pub first_call: Duration,
    /// Between two callers' first calls.
    pub stagger: Duration,
    /// Between one caller's calls.
    pub period: Duration,
    /// The callee answers after this.
    pub answer_after: Duration,
    /// The caller hangs up this long after the answer.
    pub holding: Duration,
    /// One-way latency of each SS7 link (lines have none).
    pub latency: Duration,
}

impl Shape {
    /// `calls` calls, about 1000 in progress at once, 1 ms per SS7 link.
    pub fn throughput(calls: u64) -> Self {
        let phone_pairs = usize::try_from(calls.clamp(1, 1000)).unwrap_or(1000);
        let calls_per_phone = usize::try_from(calls.div_ceil(phone_pairs as u64)).unwrap_or(1);
        Shape {
            switch_pairs: 1,
            phone_pairs,
            calls_per_phone,
            first_call: Duration::from_millis(100),
            stagger: Duration::from_micros(50),
            period: Duration::from_millis(100),
            answer_after: Duration::from_millis(10),
            holding: Duration::from_millis(20),
            latency: Duration::from_millis(1),
        }
    }

    /// Calls placed in all.
    pub fn calls(&self) -> u64 {
        (self.switch_pairs * self.phone_pairs * self.calls_per_phone) as u64
    }
}

/// Port of an SSP's signalling link to the STP.
const SSP_LINK: Port = Port(u32::MAX);
/// The STP's point code.
const STP_PC: PointCode = PointCode(10);

fn pc_a(s: usize) -> PointCode {
    PointCode(100 + s as u32)
}

fn pc_b(s: usize) -> PointCode {
    PointCode(300 + s as u32)
}

/// Caller `i` of switch pair `s` (10 digits: 3, two digits of pair, seven of index).
pub fn caller_number(s: usize, i: usize) -> String {
    format!("3{s:02}{i:07}")
}

/// Callee `i` of switch pair `s`.
pub fn callee_number(s: usize, i: usize) -> String {
    format!("4{s:02}{i:07}")
}

fn ssp_config(
    name: String,
    me: PointCode,
    far: PointCode,
    cics: u16,
    prefix: String,
    lines: Vec<String>,
) -> SspConfig {
    SspConfig {
        name,
        signalling: SignallingConfig {
            point_code: me,
            variant: V,
            ni: 2,
            linksets: vec![ainsim_elements::ssp::LinkSetConfig { adjacent: STP_PC, ports: vec![SSP_LINK] }],
            routes: vec![],
        },
        lines: lines
            .into_iter()
            .enumerate()
            .map(|(i, number)| LineConfig {
                number,
                port: Port(i as u32),
                class: LineClass::Ordinary,
                in_service: true,
            })
            .collect(),
        numbering: NumberingPlan {
            number_length: Some(10),
            routes: vec![PrefixRoute {
                prefix,
                length: None,
                trunk_groups: vec!["far".into()],
                trigger: None,
            }],
        },
        trunk_groups: vec![TrunkGroupConfig {
            name: "far".into(),
            far_end: far,
            cics: [1, cics],
            direction: Direction::Both,
            glare: GlareControl::Auto,
        }],
        timers: IsupTimers::default(),
        ain: None,
    }
}

fn stp_config(pairs: usize) -> StpConfig {
    let mut linksets = Vec::new();
    let mut routes = Vec::new();
    for s in 0..pairs {
        for (side, pc) in [("A", pc_a(s)), ("B", pc_b(s))] {
            let name = format!("{side}{s}");
            linksets.push(stp::LinkSetConfig {
                name: name.clone(),
                adjacent: pc,
                ports: vec![Port(linksets.len() as u32)],
                screening: stp::Screening::default(),
            });
            routes.push(stp::RouteConfig { dpc: Some(pc), linksets: vec![vec![name]] });
        }
    }
    StpConfig {
        name: "STP".into(),
        point_code: STP_PC,
        alias_point_codes: vec![],
        variant: V,
        ni: 2,
        sls_bits: None,
        linksets,
        routes,
        mate: None,
        gtt: vec![],
        timers: stp::Timers::default(),
        retrieval: false,
    }
}

/// The elements of a bench network, before a runtime takes them.
pub struct Elements {
    /// SSP-A*n*, SSP-B*n* for each pair, in that order.
    pub ssps: Vec<(String, Ssp)>,
    pub stp: Stp,
    /// Callers and callees of each pair: (switch index in `ssps`, line port, phone).
    pub phones: Vec<(usize, Port, Phone)>,
}

/// Builds the elements of `shape`.
///
/// # Errors
/// A configuration the elements refuse (a bug in the shape).
pub fn elements(shape: &Shape) -> Result<Elements, String> {
    let cics = u16::try_from(shape.phone_pairs.clamp(1, 4095)).unwrap_or(4095);
    let mut ssps = Vec::new();
    let mut phones = Vec::new();
    for s in 0..shape.switch_pairs {
        let callers: Vec<String> = (0..shape.phone_pairs).map(|i| caller_number(s, i)).collect();
        let callees: Vec<String> = (0..shape.phone_pairs).map(|i| callee_number(s, i)).collect();
        let a = ssp_config(format!("SSP-A{s}"), pc_a(s), pc_b(s), cics, format!("4{s:02}"), callers.clone());
        let b = ssp_config(format!("SSP-B{s}"), pc_b(s), pc_a(s), cics, format!("3{s:02}"), callees.clone());
        let (ia, ib) = (ssps.len(), ssps.len() + 1);
        ssps.push((a.name.clone(), Ssp::new(&a).map_err(|e| e.to_string())?));
        ssps.push((b.name.clone(), Ssp::new(&b).map_err(|e| e.to_string())?));
        for (i, (from, to)) in callers.into_iter().zip(callees).enumerate() {
            let first = shape.first_call + shape.stagger * i as u32;
            let calls = (0..shape.calls_per_phone)
                .map(|k| PlacedCall {
                    at: first + shape.period * k as u32,
                    to: to.clone(),
                    holding: Some(shape.holding),
                    give_up_after: None,
                })
                .collect();
            let caller =
                PhoneScript { number: from, when_called: WhenCalled::NoAnswer, holding: None, calls };
            let callee = PhoneScript {
                number: to,
                when_called: WhenCalled::Answer { after: shape.answer_after },
                holding: None,
                calls: vec![],
            };
            // Nobody reads a bench phone's log, and it would grow by ~11
            // entries a call for the whole run.
            phones.push((ia, Port(i as u32), Phone::unlogged(caller)));
            phones.push((ib, Port(i as u32), Phone::unlogged(callee)));
        }
    }
    let stp = stp_config(shape.switch_pairs).build().map_err(|e| e.to_string())?;
    Ok(Elements { ssps, stp, phones })
}

/// A bench network in the simulator, tracing and event records off.
pub struct SimNet {
    pub sim: Simulator,
    /// SSP node ids, as [`Elements::ssps`].
    pub ssps: Vec<ainsim_elements::NodeId>,
}

/// Builds `shape` into a [`Simulator`] (not started).
///
/// # Errors
/// As [`elements`], or a simulator error.
pub fn sim_network(shape: &Shape) -> Result<SimNet, String> {
    let e = elements(shape)?;
    let mut sim = Simulator::new(1);
    sim.set_tracing(false);
    sim.set_event_records(false);
    let err = |e: crate::SimError| e.to_string();
    sim.reserve(1 + e.ssps.len() + e.phones.len(), e.ssps.len() + e.phones.len());
    let stp = sim.add_node("STP", e.stp).map_err(err)?;
    let ss7 = LinkModel::fixed(shape.latency);
    let mut ssps = Vec::new();
    for (i, (name, ssp)) in e.ssps.into_iter().enumerate() {
        let id = sim.add_node(&name, ssp).map_err(err)?;
        sim.link((id, SSP_LINK), (stp, Port(i as u32)), LinkKind::Ss7, ss7).map_err(err)?;
        ssps.push(id);
    }
    for (sw, port, phone) in e.phones {
        let name = ainsim_elements::Element::name(&phone).to_owned();
        let id = sim.add_node(&name, phone).map_err(err)?;
        sim.link((ssps[sw], port), (id, Phone::LINE), LinkKind::Line, LinkModel::fixed(Duration::ZERO))
            .map_err(err)?;
    }
    Ok(SimNet { sim, ssps })
}

impl SimNet {
    /// Calls answered at the callers' switches so far.
    pub fn answered(&self) -> u64 {
        self.ssps
            .iter()
            .step_by(2)
            .filter_map(|&id| self.sim.element::<Ssp>(id))
            .map(|s| s.counters().answered)
            .sum()
    }

    /// Calls released normally (cause 16) on trunks at the callees' switches.
    pub fn released(&self) -> u64 {
        self.ssps
            .iter()
            .skip(1)
            .step_by(2)
            .filter_map(|&id| self.sim.element::<Ssp>(id))
            .map(|s| s.counters().released[16])
            .sum()
    }
}

struct SimRun {
    calls: u64,
    frames: u64,
    ss7_frames: u64,
    secs: f64,
}

fn sim_run(calls: u64) -> Result<SimRun, String> {
    let shape = Shape::throughput(calls);
    let mut net = sim_network(&shape)?;
    let start = Wall::now();
    net.sim.start();
    net.sim.run_until_idle(Instant(u64::MAX / 2));
    let secs = start.elapsed().as_secs_f64();
    let done = net.released();
    if done != shape.calls() {
        return Err(format!("sim: {done} of {} calls completed", shape.calls()));
    }
    let ss7_frames = (0..net.ssps.len())
        .filter_map(|i| net.sim.link_at(net.ssps[i], SSP_LINK))
        .map(|l| net.sim.link_stats(l).delivered)
        .sum();
    Ok(SimRun { calls: done, frames: net.sim.stats().frames_delivered, ss7_frames, secs })
}

// ------------------------------------------------------------------ real time

struct RtRun {
    calls: u64,
    offered: u64,
    secs: f64,
}

fn rt_run(calls: u64) -> Result<RtRun, String> {
    // Offered at 25k calls/s: 2000 callers, one call each per 80 ms.
    let phone_pairs = usize::try_from(calls.clamp(1, 2000)).unwrap_or(2000);
    let shape = Shape {
        switch_pairs: 1,
        phone_pairs,
        calls_per_phone: usize::try_from(calls.div_ceil(phone_pairs as u64)).unwrap_or(1),
        // Start-up (one task per element, GRS/GRA on every circuit) is over by then.
        first_call: Duration::from_millis(500),
        stagger: Duration::from_micros(20),
        period: Duration::from_millis(80),
        answer_after: Duration::ZERO,
        holding: Duration::ZERO,
        latency: Duration::ZERO,
    };
    let offered = shape.calls();
    let e = elements(&shape)?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    tokio.block_on(async move {
        let mut rt = crate::rt::Rt::new();
        let stp = rt.add(e.stp);
        let mut ssps = Vec::new();
        for (i, (_, ssp)) in e.ssps.into_iter().enumerate() {
            let id = rt.add(ssp);
            rt.wire(id, SSP_LINK, stp, Port(i as u32));
            ssps.push(id);
        }
        for (sw, port, phone) in e.phones {
            let id = rt.add(phone);
            rt.wire(ssps[sw], port, id, Phone::LINE);
        }
        let mut running = rt.start();
        let start = Wall::now();
        // The last call is placed at about first_call + period * (calls_per_phone - 1).
        let span = shape.first_call + shape.period * shape.calls_per_phone as u32;
        let deadline = tokio::time::Instant::now() + span * 4 + Duration::from_secs(5);
        let mut done = 0u64;
        let mut skipped = 0u64;
        let mut last = start;
        // A caller still in its previous call when the next one is due does
        // not place it (the runtime is behind): such calls are not counted.
        while done + skipped < offered {
            // One second without any event: the calls left will not finish.
            let quiet = tokio::time::Instant::now() + Duration::from_secs(1);
            match tokio::time::timeout_at(deadline.min(quiet), running.events.recv()).await {
                Ok(Some(ev)) => match ev.event.kind {
                    ainsim_elements::EventKind::Released { cause: 16 } if ev.source.starts_with("SSP-B") => {
                        done += 1;
                        last = Wall::now();
                    }
                    ainsim_elements::EventKind::Note(n) if n.ends_with("not placed") => skipped += 1,
                    _ => {}
                },
                Ok(None) | Err(_) => break,
            }
        }
        running.shutdown();
        // Calls are offered from first_call on: time them from there.
        let secs = last.duration_since(start).saturating_sub(shape.first_call).as_secs_f64().max(1e-6);
        Ok(RtRun { calls: done, offered, secs })
    })
}

// ------------------------------------------------------------------ memory

/// The resident set size of this process in bytes (`None` without `/proc`).
pub fn resident_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Heap counter if there is one, else RSS.
#[derive(Debug, Clone, Copy)]
struct Meter(Option<HeapProbe>);

impl Meter {
    /// Starts measuring; returns the first reading.
    fn start(self) -> Option<i64> {
        match self.0 {
            Some(p) => {
                (p.set_counting)(true);
                Some((p.live_bytes)())
            }
            None => resident_bytes().and_then(|b| i64::try_from(b).ok()),
        }
    }

    /// Ends measuring: the growth since `first`.
    fn stop(self, first: Option<i64>) -> Option<f64> {
        let last = match self.0 {
            Some(p) => {
                let b = (p.live_bytes)();
                (p.set_counting)(false);
                Some(b)
            }
            None => resident_bytes().and_then(|b| i64::try_from(b).ok()),
        };
        Some(last?.saturating_sub(first?).max(0) as f64)
    }
}

/// Bytes per idle subscriber: `n` subscribers (half callers on SSP-A, half
/// callees on SSP-B; each an SSP line, a phone element and a line link in the
/// simulator), started and idle.
fn idle_subscriber_bytes(n: usize, meter: Meter) -> Result<Option<f64>, String> {
    let pairs = (n / 2).max(1);
    let shape = Shape { calls_per_phone: 0, phone_pairs: pairs, ..Shape::throughput(1) };
    let first = meter.start();
    let mut net = sim_network(&shape)?;
    net.sim.start();
    net.sim.run_until_idle(Instant(u64::MAX / 2));
    let grown = meter.stop(first);
    drop(std::hint::black_box(net));
    Ok(grown.map(|b| b / (2 * pairs) as f64))
}

/// Bytes per active call: `n` calls answered and held (2 phones per call;
/// as many switch pairs as 4000 circuits each need), the growth from the idle
/// network to all calls up, per call.
fn active_call_bytes(n: usize, meter: Meter) -> Result<Option<f64>, String> {
    let n = n.max(1);
    let per_pair = 4000;
    let switch_pairs = n.div_ceil(per_pair);
    let shape = Shape {
        switch_pairs,
        phone_pairs: n.div_ceil(switch_pairs),
        calls_per_phone: 1,
        first_call: Duration::from_secs(1),
        stagger: Duration::from_micros(1),
        period: Duration::from_secs(1),
        answer_after: Duration::from_millis(10),
        holding: Duration::from_secs(3600),
        latency: Duration::from_millis(1),
    };
    let mut net = sim_network(&shape)?;
    net.sim.start();
    net.sim.run_until(Instant(900_000));
    let first = meter.start();
    net.sim.run_until(Instant(1_000_000 + 600_000));
    let grown = meter.stop(first);
    let up = net.answered();
    if up != shape.calls() {
        return Err(format!("memory: {up} of {} calls came up", shape.calls()));
    }
    Ok(grown.map(|b| b / up as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_bench_completes_every_call() {
        let shape = Shape::throughput(50);
        let mut net = sim_network(&shape).unwrap();
        net.sim.start();
        assert!(net.sim.run_until_idle(Instant(60_000_000)));
        assert_eq!(net.answered(), 50);
        assert_eq!(net.released(), 50);
    }

    #[test]
    fn the_codec_baseline_round_trips() {
        assert!(codec_frames_per_s(10).unwrap() > 0.0);
    }
}
