//! A tiny deterministic harness for scenario tests: elements joined by wires
//! of fixed latency, timers run in virtual time, and a ladder of every frame
//! decoded (ISUP message and CIC on signalling links, the signal on lines).
//!
//! Not the simulator (crate `ainsim-runtime` replaces it): no jitter, no
//! pcaps, no fault verbs beyond dropping frames that match a predicate.
//! Events are ordered by (time, sequence), so a run is reproducible.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use ainsim_wire::{isup, IsupRepr, Mtp3Packet, Variant};
use bytes::Bytes;

use crate::core::{Element, Event, Input, Instant, Output, Outputs, Port, TimerId};
use crate::line::LineSignal;

/// An element the harness can also hand back as its concrete type.
pub trait Node: Element + Any {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Element + Any> Node for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// One frame on the ladder: `msg` is `"IAM cic=1"`, `"REL cic=1 cause=16"`,
/// or a line signal (`"ring"`); `line` for a subscriber line, `lost` if dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung {
    pub at: Instant,
    pub from: String,
    pub to: String,
    pub msg: String,
    pub line: bool,
    pub lost: bool,
}

impl fmt::Display for Rung {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lost = if self.lost { " (lost)" } else { "" };
        write!(f, "{} -> {}: {}{lost}", self.from, self.to, self.msg)
    }
}

enum Ev {
    Deliver(usize, Port, Bytes),
    Timer(usize, TimerId),
}

type Filter = Box<dyn FnMut(&Rung) -> bool>;

/// A network of elements in virtual time.
#[derive(Default)]
pub struct Net {
    variant: Variant,
    latency: Duration,
    nodes: Vec<Box<dyn Node>>,
    wires: BTreeMap<(usize, Port), (usize, Port, bool)>,
    queue: BTreeMap<(Instant, u64), Ev>,
    timers: BTreeMap<(usize, TimerId), Instant>,
    seq: u64,
    now: Instant,
    drop_if: Option<Filter>,
    /// Every frame sent on a wire, in order.
    pub ladder: Vec<Rung>,
    /// Every event, with the element's name.
    pub events: Vec<(Instant, String, Event)>,
}

impl Net {
    /// An empty network whose wires all take `latency`.
    pub fn new(variant: Variant, latency: Duration) -> Self {
        Net { variant, latency, ..Net::default() }
    }

    /// Adds an element; returns its index.
    pub fn add(&mut self, e: impl Node) -> usize {
        self.nodes.push(Box::new(e));
        self.nodes.len() - 1
    }

    /// Joins port `pa` of `a` and port `pb` of `b`; `line` marks a subscriber line.
    pub fn wire(&mut self, a: usize, pa: Port, b: usize, pb: Port, line: bool) {
        self.wires.insert((a, pa), (b, pb, line));
        self.wires.insert((b, pb), (a, pa, line));
    }

    /// Drops every frame for which `f` returns true (and marks it lost on the ladder).
    pub fn drop_when(&mut self, f: impl FnMut(&Rung) -> bool + 'static) {
        self.drop_if = Some(Box::new(f));
    }

    fn push(&mut self, at: Instant, ev: Ev) {
        self.seq += 1;
        self.queue.insert((at, self.seq), ev);
    }

    /// Starts (or restarts) element `i` now.
    pub fn start(&mut self, i: usize) {
        let mut out = Outputs::new();
        self.nodes[i].handle(self.now, Input::Start, &mut out);
        self.take(i, &mut out);
    }

    /// Starts every element now.
    pub fn start_all(&mut self) {
        (0..self.nodes.len()).for_each(|i| self.start(i));
    }

    /// Element `i` as its concrete type (panics if it is not a `T`).
    pub fn get<T: 'static>(&self, i: usize) -> &T {
        self.nodes[i].as_any().downcast_ref().expect("element type")
    }

    /// Runs `f` on element `i` (a `T`) now and takes its outputs into the network.
    pub fn with<T: 'static, R>(&mut self, i: usize, f: impl FnOnce(&mut T, Instant, &mut Outputs) -> R) -> R {
        let mut out = Outputs::new();
        let now = self.now;
        let r = f(self.nodes[i].as_any_mut().downcast_mut().expect("element type"), now, &mut out);
        self.take(i, &mut out);
        r
    }

    /// Delivers `bytes` to port `port` of element `i` now, as if from its wire.
    pub fn inject(&mut self, i: usize, port: Port, bytes: &[u8]) {
        self.push(self.now, Ev::Deliver(i, port, Bytes::copy_from_slice(bytes)));
    }

    /// Runs every event due up to `until` (inclusive); the clock ends there.
    pub fn run_until(&mut self, until: Instant) {
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > until {
                break;
            }
            let ((at, _), ev) = entry.remove_entry();
            self.now = at;
            let mut out = Outputs::new();
            let i = match ev {
                Ev::Deliver(i, port, b) => {
                    self.nodes[i].handle(at, Input::Recv { port, bytes: &b }, &mut out);
                    i
                }
                Ev::Timer(i, id) if self.timers.get(&(i, id)) == Some(&at) => {
                    self.timers.remove(&(i, id));
                    self.nodes[i].handle(at, Input::Timer(id), &mut out);
                    i
                }
                Ev::Timer(..) => continue,
            };
            self.take(i, &mut out);
        }
        self.now = self.now.max(until);
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        self.run_until(self.now.after(d));
    }

    fn take(&mut self, i: usize, out: &mut Outputs) {
        let name = self.nodes[i].name().to_owned();
        for o in out.drain().collect::<Vec<_>>() {
            match o {
                Output::Send { port, bytes } => {
                    let Some(&(j, pj, line)) = self.wires.get(&(i, port)) else { continue };
                    let msg = if line { decode_line(&bytes) } else { decode_msu(&bytes, self.variant) };
                    let to = self.nodes[j].name().to_owned();
                    let mut rung = Rung { at: self.now, from: name.clone(), to, msg, line, lost: false };
                    rung.lost = self.drop_if.as_mut().is_some_and(|f| f(&rung));
                    if !rung.lost {
                        self.push(self.now.after(self.latency), Ev::Deliver(j, pj, bytes));
                    }
                    self.ladder.push(rung);
                }
                Output::SetTimer { id, at } => {
                    self.timers.insert((i, id), at);
                    self.push(at, Ev::Timer(i, id));
                }
                Output::CancelTimer { id } => {
                    self.timers.remove(&(i, id));
                }
                Output::Event(e) => self.events.push((self.now, name.clone(), e)),
            }
        }
    }

    /// The signalling ladder as `"SSP-1 -> SSP-2: IAM cic=1"` lines (lost frames marked).
    pub fn isup(&self) -> Vec<String> {
        self.ladder.iter().filter(|r| !r.line).map(ToString::to_string).collect()
    }

    /// Prints the whole ladder (shown by `cargo test -- --nocapture`).
    pub fn print(&self) {
        self.ladder.iter().for_each(|r| println!("{:>12} {r}", r.at.to_string()));
    }
}

fn decode_line(b: &[u8]) -> String {
    LineSignal::parse(b).map_or_else(|e| format!("bad line frame: {e}"), |s| s.to_string())
}

fn decode_msu(b: &[u8], v: Variant) -> String {
    let Ok(p) = Mtp3Packet::new_checked(b, v) else { return "bad MSU".into() };
    let sif = &b[ainsim_wire::mtp3::header_len(v)..];
    if p.si() != ainsim_wire::mtp3::si::ISUP {
        return format!("SI {}", p.si());
    }
    match IsupRepr::parse(sif, v) {
        Ok(r) => match r.find(isup::code::CAUSE) {
            Some(isup::Parameter::CauseIndicators(c)) => {
                format!("{} cic={} cause={}", r.message_type.acronym(), r.cic, c.value)
            }
            _ => format!("{} cic={}", r.message_type.acronym(), r.cic),
        },
        Err(e) => format!("bad ISUP: {e}"),
    }
}
