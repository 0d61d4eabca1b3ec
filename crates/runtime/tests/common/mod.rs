//! Small elements for the simulator's tests: a scripted probe, toy phones,
//! toy switches that speak real ISUP through `sp::SignallingPoint`, and a
//! relay standing in for an STP. Not the real network elements (those live
//! in `ainsim-elements`); just enough to exercise the runtime.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::time::Duration;

use ainsim_elements::line::LineSignal;
use ainsim_elements::sp::SignallingPoint;
use ainsim_elements::{Element, EventKind, Input, Instant, Output, Outputs, Port, TimerId};
use ainsim_runtime::{LinkKind, LinkModel, Simulator};
use ainsim_wire::isup::param::{
    BackwardCallIndicators, CauseIndicators, ForwardCallIndicators, NatureOfConnection, Number,
};
use ainsim_wire::isup::MessageType as Mt;
use ainsim_wire::{IsupParameter as P, IsupRepr, PointCode, Variant};

pub const SI_ISUP: u8 = 5;
pub const SS7: Port = Port(0);
pub const LINE: Port = Port(100);

// ------------------------------------------------------------------ ISUP

pub fn iam(cic: u16, calling: &str, called: &str) -> Vec<u8> {
    IsupRepr::new(
        Variant::Itu,
        cic,
        Mt::Iam,
        vec![
            P::NatureOfConnectionIndicators(NatureOfConnection::default()),
            P::ForwardCallIndicators(ForwardCallIndicators::default().with_isup(1)),
            P::CallingPartysCategory(0x0a),
            P::TransmissionMediumRequirement(0),
            P::CalledPartyNumber(Number::e164(3, called)),
        ],
        Some(vec![P::CallingPartyNumber(Number { screening: 3, ..Number::e164(3, calling) })]),
    )
    .to_bytes()
    .unwrap()
    .into()
}

pub fn acm(cic: u16) -> Vec<u8> {
    let bci = BackwardCallIndicators::default().with_charge(2).with_called_party_status(1).with_isup(1);
    IsupRepr::new(Variant::Itu, cic, Mt::Acm, vec![P::BackwardCallIndicators(bci)], None)
        .to_bytes()
        .unwrap()
        .into()
}

pub fn bare(mt: Mt, cic: u16) -> Vec<u8> {
    IsupRepr::new(Variant::Itu, cic, mt, vec![], None).to_bytes().unwrap().into()
}

pub fn rel(cic: u16, cause: u8) -> Vec<u8> {
    let c = CauseIndicators { location: 2, value: cause, value_ext: 1, ..Default::default() };
    IsupRepr::new(Variant::Itu, cic, Mt::Rel, vec![P::CauseIndicators(c)], None).to_bytes().unwrap().into()
}

// ------------------------------------------------------------------ probe

/// What a [`Probe`] was handed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Start,
    Recv(Port, Vec<u8>),
    Link(Port, bool),
    Timer(TimerId),
}

/// A scripted element: outputs to give at start and when given timers
/// fire; logs every input with its time; optionally echoes what it receives.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pub log: Vec<(Instant, Seen)>,
    pub on_start: Vec<Output>,
    pub on_timer: Vec<(TimerId, Vec<Output>)>,
    pub echo: bool,
}

impl Probe {
    pub fn new() -> Self {
        Probe::default()
    }

    pub fn starting_with(on_start: Vec<Output>) -> Self {
        Probe { on_start, ..Probe::default() }
    }

    pub fn received(&self) -> Vec<(Instant, Vec<u8>)> {
        self.log
            .iter()
            .filter_map(|(t, s)| match s {
                Seen::Recv(_, b) => Some((*t, b.clone())),
                _ => None,
            })
            .collect()
    }
}

impl Element for Probe {
    fn name(&self) -> &str {
        "probe"
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        let seen = match input {
            Input::Start => {
                for o in &self.on_start {
                    out.push(o.clone());
                }
                Seen::Start
            }
            Input::Recv { port, bytes } => {
                if self.echo {
                    out.send(port, bytes.to_vec());
                }
                Seen::Recv(port, bytes.to_vec())
            }
            Input::LinkState { port, up } => Seen::Link(port, up),
            Input::Timer(id) => {
                for (t, os) in &self.on_timer {
                    if *t == id {
                        for o in os {
                            out.push(o.clone());
                        }
                    }
                }
                Seen::Timer(id)
            }
        };
        self.log.push((now, seen));
    }
}

pub fn send(port: Port, bytes: &[u8]) -> Output {
    Output::Send { port, bytes: bytes.to_vec().into() }
}

pub fn set(id: u64, at_ms: u64) -> Output {
    Output::SetTimer { id: TimerId(id), at: Instant(at_ms * 1000) }
}

pub fn cancel(id: u64) -> Output {
    Output::CancelTimer { id: TimerId(id) }
}

pub fn ms(n: u64) -> Instant {
    Instant(n * 1000)
}

// ------------------------------------------------------------------ phones

const T_ANSWER: TimerId = TimerId(1);
const T_HANGUP: TimerId = TimerId(2);

/// A toy phone on a line (port 100): dials at start if told to, answers a
/// ring after `answer_after`, hangs up `hold` after being connected.
#[derive(Debug, Clone)]
pub struct Phone {
    pub dial: Option<String>,
    pub answer_after: Duration,
    pub hold: Duration,
    pub heard: Vec<LineSignal>,
}

impl Phone {
    pub fn caller(number: &str) -> Self {
        Phone {
            dial: Some(number.into()),
            answer_after: Duration::ZERO,
            hold: Duration::from_secs(2),
            heard: vec![],
        }
    }

    pub fn callee(answer_after: Duration) -> Self {
        Phone { dial: None, answer_after, hold: Duration::from_secs(2), heard: vec![] }
    }

    fn line(out: &mut Outputs, s: LineSignal) {
        out.send(LINE, s.to_bytes().unwrap());
    }
}

impl Element for Phone {
    fn name(&self) -> &str {
        "phone"
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start => {
                if let Some(n) = &self.dial {
                    Self::line(out, LineSignal::OffHook);
                    Self::line(out, LineSignal::Digits(n.clone()));
                }
            }
            Input::Recv { bytes, .. } => {
                let Ok(s) = LineSignal::parse(bytes) else { return };
                match &s {
                    LineSignal::Ring { .. } => out.set_timer(T_ANSWER, now.after(self.answer_after)),
                    LineSignal::Connected if self.dial.is_some() => {
                        out.set_timer(T_HANGUP, now.after(self.hold));
                    }
                    LineSignal::FarEndReleased => Self::line(out, LineSignal::OnHook),
                    _ => {}
                }
                self.heard.push(s);
            }
            Input::Timer(T_ANSWER) => Self::line(out, LineSignal::OffHook),
            Input::Timer(T_HANGUP) => Self::line(out, LineSignal::OnHook),
            _ => {}
        }
    }
}

// ------------------------------------------------------------------ switches

/// A toy class-5 switch with one subscriber line (port 100) and one
/// signalling link (port 0) toward everything else. It runs one call at a
/// time on CIC 3 with the basic ISUP sequence IAM/ACM/ANM/REL/RLC.
#[derive(Debug, Clone)]
pub struct ToySwitch {
    pub number: String,
    pub sp: SignallingPoint,
    pub peer: PointCode,
    pub cic: u16,
    pub dropped: u64,
    /// A call is up on the CIC (set by IAM, cleared by REL either way).
    pub active: bool,
}

impl ToySwitch {
    pub fn new(number: &str, pc: PointCode, peer: PointCode) -> Self {
        let mut sp = SignallingPoint::new(pc, Variant::Itu, 2);
        let ls = sp.add_linkset(peer, &[SS7]);
        sp.add_route(None, &[&[ls]]);
        ToySwitch { number: number.into(), sp, peer, cic: 3, dropped: 0, active: false }
    }

    fn isup(&self, out: &mut Outputs, msg: &[u8]) {
        let sls = (self.cic & 0x0f) as u8;
        let _ = self.sp.send(out, SI_ISUP, self.peer, sls, msg);
    }

    fn line(out: &mut Outputs, s: LineSignal) {
        out.send(LINE, s.to_bytes().unwrap());
    }
}

impl Element for ToySwitch {
    fn name(&self) -> &str {
        "toy switch"
    }

    fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
        let call = Some(u64::from(self.cic));
        match input {
            Input::Recv { port: LINE, bytes } => match LineSignal::parse(bytes) {
                Ok(LineSignal::Digits(d)) => {
                    out.event(call, EventKind::CallAttempt { from: self.number.clone(), to: d.clone() });
                    self.active = true;
                    self.isup(out, &iam(self.cic, &self.number, &d));
                }
                Ok(LineSignal::OffHook) => {} // caller lifts, or callee answers (ANM below)
                Ok(LineSignal::OnHook) if self.active => {
                    self.active = false;
                    self.isup(out, &rel(self.cic, 16));
                }
                Ok(LineSignal::OnHook) => {}
                _ => self.dropped += 1,
            },
            Input::Recv { port: SS7, bytes } => {
                let Ok(msu) = self.sp.receive(bytes) else {
                    self.dropped += 1;
                    return;
                };
                let Ok(m) = IsupRepr::parse(msu.sif(), Variant::Itu) else {
                    self.dropped += 1;
                    return;
                };
                match m.message_type {
                    Mt::Iam => {
                        let caller = m
                            .find(ainsim_wire::isup::code::CALLING)
                            .and_then(|p| p.digits())
                            .map(String::from);
                        self.active = true;
                        Self::line(out, LineSignal::Ring { caller });
                        self.isup(out, &acm(m.cic));
                        out.event(call, EventKind::Alerting);
                    }
                    Mt::Anm => {
                        Self::line(out, LineSignal::Connected);
                        out.event(call, EventKind::Answered);
                    }
                    Mt::Rel => {
                        self.active = false;
                        Self::line(out, LineSignal::FarEndReleased);
                        self.isup(out, &bare(Mt::Rlc, m.cic));
                        out.event(call, EventKind::Released { cause: 16 });
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// The callee side answers: a line OffHook after a Ring sends ANM. Wraps a
/// [`ToySwitch`] to keep the state machine above short.
#[derive(Debug, Clone)]
pub struct AnsweringSwitch {
    pub inner: ToySwitch,
    ringing: bool,
}

impl AnsweringSwitch {
    pub fn new(inner: ToySwitch) -> Self {
        AnsweringSwitch { inner, ringing: false }
    }
}

impl Element for AnsweringSwitch {
    fn name(&self) -> &str {
        "answering switch"
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        if let Input::Recv { port: LINE, bytes } = input {
            if LineSignal::parse(bytes) == Ok(LineSignal::OffHook) && self.ringing {
                self.ringing = false;
                ToySwitch::line(out, LineSignal::Connected);
                self.inner.isup(out, &bare(Mt::Anm, self.inner.cic));
                out.event(Some(u64::from(self.inner.cic)), EventKind::Answered);
                return;
            }
        }
        let before = out.len();
        self.inner.handle(now, input, out);
        if out.as_slice()[before..]
            .iter()
            .any(|o| matches!(o, Output::Event(e) if e.kind == EventKind::Alerting))
        {
            self.ringing = true;
        }
    }
}

/// A relay standing in for an STP: what comes in on port 0 goes out on
/// port 1 and back, unchanged.
#[derive(Debug, Clone, Default)]
pub struct Relay {
    pub relayed: u64,
}

impl Element for Relay {
    fn name(&self) -> &str {
        "relay"
    }

    fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
        if let Input::Recv { port, bytes } = input {
            self.relayed += 1;
            out.send(Port(1 - port.0.min(1)), bytes.to_vec());
        }
    }
}

// ------------------------------------------------------------------ network

pub const PC_A: PointCode = PointCode(0x0101);
pub const PC_STP: PointCode = PointCode(0x0201);
pub const PC_B: PointCode = PointCode(0x0102);

/// The story network: phone A — SSP-A — STP — SSP-B — phone B.
/// 2015550100 calls 2125550142, who answers after 3 s; A hangs up 2 s later.
pub fn story(seed: u64, ss7: LinkModel, line: LinkModel) -> Simulator {
    let mut sim = Simulator::new(seed);
    let phone_a = sim.add_node("phone A", Phone::caller("2125550142")).unwrap();
    let ssp_a = sim.add_node("SSP-A", ToySwitch::new("2015550100", PC_A, PC_B)).unwrap();
    let stp = sim.add_node("STP", Relay::default()).unwrap();
    let ssp_b =
        sim.add_node("SSP-B", AnsweringSwitch::new(ToySwitch::new("2125550142", PC_B, PC_A))).unwrap();
    let phone_b = sim.add_node("phone B", Phone::callee(Duration::from_secs(3))).unwrap();
    sim.link((phone_a, LINE), (ssp_a, LINE), LinkKind::Line, line).unwrap();
    sim.link((ssp_a, SS7), (stp, Port(0)), LinkKind::Ss7, ss7).unwrap();
    sim.link((stp, Port(1)), (ssp_b, SS7), LinkKind::Ss7, ss7).unwrap();
    sim.link((ssp_b, LINE), (phone_b, LINE), LinkKind::Line, line).unwrap();
    sim
}
