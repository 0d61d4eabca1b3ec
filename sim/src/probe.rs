//! What the network does during a run, sampled between slices of simulated
//! time: frames and calls per second of each element, frames waiting on
//! the wire (queue lengths), and the load of each signalling link in
//! Erlangs against the engineering limit.
//!
//! Nothing here runs inside the simulator's event loop: the probe reads the
//! simulator's per-link counters (frames and octets put on each link by each
//! side, frames in flight) and the elements' own counters between slices,
//! so a run without faults pays nothing per frame for it.
//!
//! Link load, as engineers compute SS7 link occupancy: each direction of a
//! signalling link is its own 64 kbit/s channel; its load in Erlangs is the
//! octets it carried × 8 / the link rate / the measurement window. The
//! octets are the MSUs as the simulator carries them (SIO, routing label,
//! SIF) plus 6 octets of MTP2 per MSU (flag, BSN/BIB, FSN/FIB, LI, two of
//! CRC); fill-in signal units between MSUs are idle time, not load.

use ainsim_elements::NodeId;
use ainsim_runtime::sim::{LinkId, Simulator};
use ainsim_runtime::LinkKind;
use serde::Serialize;

/// MTP2 octets around each MSU: flag, BSN/BIB, FSN/FIB, LI, CRC (2).
pub const MTP2_OVERHEAD: u64 = 6;

/// Counters of one element (its calls counter, and the frames on its links).
fn calls_of(sim: &Simulator, node: NodeId) -> u64 {
    // Which counter is a call at each kind of element (docs/scenarios.md).
    const CALLS: [&str; 6] = ["attempts", "pages", "translations", "initiated", "instructions", "calls"];
    sim.counters(node).iter().filter(|(k, _)| CALLS.contains(&k.as_str())).map(|(_, v)| v).sum()
}

#[derive(Debug, Clone)]
struct ProbeLink {
    id: LinkId,
    a: String,
    b: String,
    kind: LinkKind,
}

#[derive(Debug, Clone)]
struct ProbeElement {
    name: String,
    node: NodeId,
    /// Its links and which side of each it is.
    ends: Vec<(LinkId, usize)>,
}

/// Counters at one moment.
#[derive(Debug, Clone, Default)]
struct Snap {
    t_s: f64,
    /// Per probed link: frames and octets sent by side A and side B.
    links: Vec<([u64; 2], [u64; 2], u64)>,
    /// Per element: frames in and out, calls.
    elements: Vec<(u64, u64)>,
}

/// One element's figures over the measurement window.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct ElementLoad {
    pub name: String,
    /// Frames it sent and frames sent to it (lost ones included).
    pub frames: u64,
    pub frames_per_s: f64,
    /// Its calls: SSP attempts, MTSO pages, ISCP translations and
    /// initiated calls, access-server instructions, IP calls (STPs: none).
    pub calls: u64,
    pub calls_per_s: f64,
    /// Most frames on the wire toward it at a sample (its input queue).
    pub max_in_flight: u64,
}

/// One signalling (or OSN) link's figures over the measurement window.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct LinkLoad {
    /// Side A and side B.
    pub a: String,
    pub b: String,
    pub kind: String,
    /// Frames and octets (MSUs, without MTP2) sent A → B and B → A.
    pub frames_ab: u64,
    pub frames_ba: u64,
    pub octets_ab: u64,
    pub octets_ba: u64,
    pub lost: u64,
    /// Load of each direction, Erlangs (SS7 links only; 0 for OSN).
    pub erlangs_ab: f64,
    pub erlangs_ba: f64,
    /// The busier direction's load.
    pub erlangs: f64,
    /// Above the engineering limit.
    pub over_limit: bool,
    /// Most frames on the wire at a sample, both directions.
    pub max_in_flight: u64,
}

/// One sample of the run.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Sample {
    pub t_s: f64,
    /// Calls or sessions open (the driver's).
    pub in_progress: u64,
    /// Sessions queued in the ACDs.
    pub acd_queue: u64,
    /// Events in the simulator's queue (frames in flight and timers).
    pub events_queued: u64,
    /// Answered and failed calls and sessions so far (failed: every
    /// unanswered end except busy and no answer).
    pub answered: u64,
    pub failed: u64,
}

/// Per element, per sample: (sample index, element index, frames/s, calls/s, in flight toward it).
pub type ElementSample = (u32, u16, f64, f64, u64);
/// Per link, per sample: (sample index, link index, Erlangs A→B, B→A, in flight).
pub type LinkSample = (u32, u16, f64, f64, u64);

/// The probe of one run.
#[derive(Debug, Clone)]
pub struct Probe {
    links: Vec<ProbeLink>,
    elements: Vec<ProbeElement>,
    rate_bps: f64,
    limit: f64,
    every: u64,
    slices: u64,
    last: Option<Snap>,
    start: Option<Snap>,
    end: Option<Snap>,
    max_link_in_flight: Vec<u64>,
    max_element_in_flight: Vec<u64>,
    pub samples: Vec<Sample>,
    pub element_samples: Vec<ElementSample>,
    pub link_samples: Vec<LinkSample>,
}

/// Erlangs of `octets` and `frames` over `secs` on a link of `rate_bps`.
pub fn erlangs(octets: u64, frames: u64, secs: f64, rate_bps: f64) -> f64 {
    if secs <= 0.0 {
        return 0.0;
    }
    (octets + MTP2_OVERHEAD * frames) as f64 * 8.0 / rate_bps / secs
}

impl Probe {
    /// A probe of every element of `sim` except `skip` (the driver), every
    /// SS7 and OSN link, sampling about `samples` times over `slices` slices.
    pub fn new(sim: &Simulator, skip: NodeId, rate_bps: f64, limit: f64, slices: u64, samples: u64) -> Self {
        let mut links = Vec::new();
        let mut elements: Vec<ProbeElement> = sim
            .nodes()
            .filter(|n| *n != skip)
            .map(|n| ProbeElement { name: sim.name(n).to_owned(), node: n, ends: Vec::new() })
            .collect();
        for id in sim.links() {
            let ends = sim.link_ends(id);
            for (side, (node, _)) in ends.iter().enumerate() {
                if let Some(e) = elements.iter_mut().find(|e| e.node == *node) {
                    e.ends.push((id, side));
                }
            }
            let kind = sim.link_kind(id);
            if kind != LinkKind::Line {
                links.push(ProbeLink {
                    id,
                    a: sim.name(ends[0].0).to_owned(),
                    b: sim.name(ends[1].0).to_owned(),
                    kind,
                });
            }
        }
        let (nl, ne) = (links.len(), elements.len());
        Probe {
            links,
            elements,
            rate_bps,
            limit,
            every: slices.div_ceil(samples.max(1)).max(1),
            slices: 0,
            last: None,
            start: None,
            end: None,
            max_link_in_flight: vec![0; nl],
            max_element_in_flight: vec![0; ne],
            samples: Vec::new(),
            element_samples: Vec::new(),
            link_samples: Vec::new(),
        }
    }

    fn snap(&self, sim: &Simulator) -> Snap {
        let t_s = sim.now().micros() as f64 / 1e6;
        let links = self
            .links
            .iter()
            .map(|l| {
                let s = sim.link_stats(l.id);
                (s.sent_by, s.octets_by, s.lost)
            })
            .collect();
        let elements = self
            .elements
            .iter()
            .map(|e| {
                let frames = e
                    .ends
                    .iter()
                    .map(|(id, _)| {
                        let s = sim.link_stats(*id);
                        s.sent_by[0] + s.sent_by[1]
                    })
                    .sum();
                (frames, calls_of(sim, e.node))
            })
            .collect();
        Snap { t_s, links, elements }
    }

    /// Marks the start of the measurement window (the warm-up is over).
    pub fn start_window(&mut self, sim: &Simulator) {
        if self.start.is_none() {
            self.start = Some(self.snap(sim));
        }
    }

    /// Marks its end (the last arrival).
    pub fn end_window(&mut self, sim: &Simulator) {
        if self.end.is_none() {
            self.end = Some(self.snap(sim));
        }
    }

    /// After each slice: a sample now and then.
    pub fn after_slice(&mut self, sim: &Simulator, mut sample: Sample) {
        self.slices += 1;
        if self.last.is_some() && self.slices % self.every != 0 {
            return;
        }
        let now = self.snap(sim);
        let last = self.last.take().unwrap_or_default();
        let dt = now.t_s - last.t_s;
        let si = u32::try_from(self.samples.len()).unwrap_or(u32::MAX);
        sample.t_s = now.t_s;
        sample.events_queued = sim.queued() as u64;
        self.samples.push(sample);
        for (i, e) in self.elements.iter().enumerate() {
            let (f1, c1) = now.elements.get(i).copied().unwrap_or_default();
            let (f0, c0) = last.elements.get(i).copied().unwrap_or_default();
            let in_flight: u64 = e.ends.iter().map(|(id, side)| sim.link_in_flight(*id)[1 - side]).sum();
            if let Some(m) = self.max_element_in_flight.get_mut(i) {
                *m = (*m).max(in_flight);
            }
            let rate = |a: u64, b: u64| if dt > 0.0 { a.saturating_sub(b) as f64 / dt } else { 0.0 };
            self.element_samples.push((si, i as u16, rate(f1, f0), rate(c1, c0), in_flight));
        }
        for (i, l) in self.links.iter().enumerate() {
            let ((s1, o1, _), (s0, o0, _)) = (
                now.links.get(i).copied().unwrap_or_default(),
                last.links.get(i).copied().unwrap_or_default(),
            );
            let f = sim.link_in_flight(l.id);
            let in_flight = f[0] + f[1];
            if let Some(m) = self.max_link_in_flight.get_mut(i) {
                *m = (*m).max(in_flight);
            }
            let e = |d: usize| {
                if l.kind == LinkKind::Ss7 {
                    erlangs(o1[d] - o0[d], s1[d] - s0[d], dt, self.rate_bps)
                } else {
                    0.0
                }
            };
            self.link_samples.push((si, i as u16, e(0), e(1), in_flight));
        }
        self.last = Some(now);
    }

    /// The elements' and links' names, in sample order.
    pub fn element_names(&self) -> Vec<String> {
        self.elements.iter().map(|e| e.name.clone()).collect()
    }

    pub fn link_names(&self) -> Vec<String> {
        self.links.iter().map(|l| format!("{}-{}", l.a, l.b)).collect()
    }

    /// The measurement window, seconds (start, end).
    pub fn window(&self) -> (f64, f64) {
        let s = self.start.as_ref().map_or(0.0, |s| s.t_s);
        let e = self.end.as_ref().map_or(s, |e| e.t_s);
        (s, e)
    }

    /// Each element's and each link's figures over the window (`sim` gives
    /// the end if the window never closed).
    pub fn loads(&self, sim: &Simulator) -> (Vec<ElementLoad>, Vec<LinkLoad>) {
        let start = self.start.clone().unwrap_or_default();
        let end = self.end.clone().unwrap_or_else(|| self.snap(sim));
        let secs = end.t_s - start.t_s;
        let per_s = |x: u64| if secs > 0.0 { x as f64 / secs } else { 0.0 };
        let elements = self
            .elements
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (f1, c1) = end.elements.get(i).copied().unwrap_or_default();
                let (f0, c0) = start.elements.get(i).copied().unwrap_or_default();
                let (frames, calls) = (f1.saturating_sub(f0), c1.saturating_sub(c0));
                ElementLoad {
                    name: e.name.clone(),
                    frames,
                    frames_per_s: per_s(frames),
                    calls,
                    calls_per_s: per_s(calls),
                    max_in_flight: self.max_element_in_flight.get(i).copied().unwrap_or(0),
                }
            })
            .collect();
        let links = self
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (s1, o1, lost1) = end.links.get(i).copied().unwrap_or_default();
                let (s0, o0, lost0) = start.links.get(i).copied().unwrap_or_default();
                let ss7 = l.kind == LinkKind::Ss7;
                let e = |d: usize| {
                    if ss7 {
                        erlangs(o1[d] - o0[d], s1[d] - s0[d], secs, self.rate_bps)
                    } else {
                        0.0
                    }
                };
                let (ab, ba) = (e(0), e(1));
                LinkLoad {
                    a: l.a.clone(),
                    b: l.b.clone(),
                    kind: l.kind.name().to_owned(),
                    frames_ab: s1[0] - s0[0],
                    frames_ba: s1[1] - s0[1],
                    octets_ab: o1[0] - o0[0],
                    octets_ba: o1[1] - o0[1],
                    lost: lost1 - lost0,
                    erlangs_ab: ab,
                    erlangs_ba: ba,
                    erlangs: ab.max(ba),
                    over_limit: ab.max(ba) > self.limit,
                    max_in_flight: self.max_link_in_flight.get(i).copied().unwrap_or(0),
                }
            })
            .collect();
        (elements, links)
    }
}
