//! The signal transfer point: one of a mated pair that carries SS7 traffic
//! between SSPs, the MTSO, the ISCP and the IP.
//!
//! What it does (all on encoded bytes, sans-IO):
//! - **MTP3 transfer** (Q.704 §2.3): an MSU whose DPC is not the STP's own
//!   point code is sent on, unchanged, over the link the route and SLS pick
//!   ([`crate::sp::SignallingPoint`]): link sets by priority, a combined
//!   link set across the mated pair, ITU 4-bit / ANSI 5- or 8-bit SLS.
//! - **Signalling network management** (Q.704 §5, §6, §13): changeover on a
//!   link failure (COO/COA, ECO/ECA when no MSU was accepted on the link
//!   since it came up, time-controlled after T1 when no path to the remote
//!   exists, completed at T2 when no answer comes), buffering the traffic
//!   of the failed link meanwhile and sending it, in order, on the new
//!   link; changeback (CBD/CBA, T3/T4) when it returns; TFP/TFA broadcast
//!   when a destination becomes inaccessible/accessible, TFP to the node it
//!   now routes through on an alternative route (and TFA when it stops);
//!   route-set-test (RST every T10 for a destination an adjacent node has
//!   prohibited, answered by TFA or TFP); TFP in response to an MSU it
//!   cannot route.
//! - **SCCP global title translation** (Q.714 §2.4) for UDT/XUDT/LUDT (and
//!   their service messages) addressed to the STP: the longest matching GT
//!   prefix (with TT and numbering plan) gives a point code and SSN; the
//!   backup is used while the primary is inaccessible; the called party
//!   becomes "route on SSN"; a UDTS/XUDTS goes back with the right return
//!   cause when return-on-error is set.
//! - **Gateway screening** per incoming link set (allowed OPC/DPC/SI).
//! - **Malformed frames** are counted and logged as `Event::Dropped` with
//!   their hex; nothing panics.
//!
//! What it is not: no MTP2 (frames in flight on a failed link are lost
//! unless `retrieval` is on, which emulates MTP2 retrieval from a per-link
//! send log; see docs/stp.md for the exact guarantee), no SCCP subsystem management
//! (SSP/SSA/SST), no congestion (TFC), no connection-oriented SCCP relay,
//! no link inhibiting, no MTP restart (TRA/TRW), no ANSI TFR/cluster routing.

mod config;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use ainsim_wire::mtp3::si;
use ainsim_wire::sccp::{Address, ReturnCause, Routing, Udts, Xudts};
use ainsim_wire::{Mtp3Packet, PointCode, SccpRepr, Slt, Snm, SnmRepr};
use bytes::Bytes;
use serde::Serialize;

pub use self::config::{
    ConfigError, GttRule, GttTarget, LinkSetConfig, RouteConfig, Screening, StpConfig, Timers,
};
use crate::core::{Element, EventKind, Input, Instant, Output, Outputs, Port, TimerId};
use crate::sp::{LinkSetId, RouteStatus, SignallingPoint};

/// Counters an STP keeps; read them with [`Stp::counters`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StpCounters {
    /// MSUs received on any link.
    pub received: u64,
    /// MSUs sent on toward another point code (MTP3 transfer).
    pub transferred: u64,
    /// Frames that do not parse (short MSU, bad SCCP or SNM).
    pub malformed: u64,
    /// MSUs refused by gateway screening (all link sets).
    pub screened: u64,
    /// Refused by screening, per incoming link set (config order).
    pub screened_by_linkset: Vec<u64>,
    /// MSUs with no usable route.
    pub unroutable: u64,
    /// SNM messages received / sent.
    pub snm_received: u64,
    pub snm_sent: u64,
    /// SLTMs answered with SLTA.
    pub slt_answered: u64,
    /// Global titles translated, and of those, sent to the backup.
    pub gtt_translated: u64,
    pub gtt_to_backup: u64,
    /// SCCP messages GTT could not deliver (no translation, inaccessible,
    /// hop counter, unsupported message).
    pub gtt_failed: u64,
    /// UDTS/XUDTS sent back.
    pub udts_sent: u64,
    /// Changeovers and changebacks started, and how many were time-controlled.
    pub changeovers: u64,
    pub changebacks: u64,
    pub time_controlled: u64,
    /// MSUs held in a changeover or changeback buffer.
    pub buffered: u64,
    /// MSUs retrieved from a failed link's send log and sent again.
    pub retrieved: u64,
    pub tfp_sent: u64,
    pub tfa_sent: u64,
    pub tfp_received: u64,
    pub tfa_received: u64,
    pub rst_sent: u64,
}

/// What a link is doing, as the STP's management sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMode {
    /// In service, carrying its share of traffic.
    Available,
    /// Failed; its traffic is buffered until COA/ECA (or T1/T2).
    ChangingOver,
    /// Failed; its traffic goes elsewhere.
    Unavailable,
    /// Restored; its traffic is buffered until CBA (or T3/T4).
    ChangingBack { cbc: u8 },
}

#[derive(Debug)]
struct LinkCtl {
    mode: LinkMode,
    /// Whether an MSU was accepted since the link came up (FSN known).
    fsn_known: bool,
    buffer: VecDeque<Bytes>,
    /// MSUs sent on the link since it came up, modulo 128 (retrieval).
    sent: u8,
    /// The last MSUs sent on the link, oldest first (retrieval).
    log: VecDeque<Bytes>,
    /// Changeback codes of the CBDs still waiting for their CBA.
    pending_cba: Vec<u8>,
}

/// As many MSUs as a 7-bit FSN can tell apart.
const RETRIEVAL_WINDOW: usize = 127;

const T_CHANGEOVER: u64 = 1;
const T_CHANGEBACK: u64 = 2;
const T_RST: u64 = 3;

fn timer(kind: u64, a: u32, b: u32) -> TimerId {
    TimerId(kind << 56 | u64::from(a & 0xff_ffff) << 32 | u64::from(b))
}

fn rank_of(s: RouteStatus) -> usize {
    match s {
        RouteStatus::Via { rank } => rank,
        RouteStatus::Inaccessible => 0,
    }
}

fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(char::from(D[usize::from(x >> 4)]));
        s.push(char::from(D[usize::from(x & 15)]));
    }
    s
}

/// A signal transfer point.
#[derive(Debug)]
pub struct Stp {
    name: String,
    sp: SignallingPoint,
    gtt: Vec<GttRule>,
    timers: Timers,
    screening: Vec<Screening>,
    linkset_names: Vec<String>,
    links: BTreeMap<Port, LinkCtl>,
    status: BTreeMap<PointCode, RouteStatus>,
    counters: StpCounters,
    next_cbc: u8,
    retrieval: bool,
    aliases: Vec<PointCode>,
}

impl StpConfig {
    /// Builds the STP this configuration describes.
    ///
    /// # Errors
    /// A link set or mate name that does not exist, a port used twice, a
    /// point code too wide for the variant, a bad GT prefix.
    pub fn build(&self) -> Result<Stp, ConfigError> {
        Stp::new(self)
    }
}

impl Stp {
    /// Builds an STP from its configuration.
    ///
    /// # Errors
    /// As [`StpConfig::build`].
    pub fn new(cfg: &StpConfig) -> Result<Stp, ConfigError> {
        let stp = || cfg.name.clone();
        let fits = |pc: PointCode| {
            if pc.fits(cfg.variant) {
                Ok(())
            } else {
                Err(ConfigError::PointCode { stp: stp(), pc, variant: cfg.variant })
            }
        };
        fits(cfg.point_code)?;
        for &pc in &cfg.alias_point_codes {
            fits(pc)?;
        }
        let mut sp = SignallingPoint::new(cfg.point_code, cfg.variant, cfg.ni & 3);
        if let Some(bits) = cfg.sls_bits {
            sp.set_sls_bits(bits);
        }
        let mut links = BTreeMap::new();
        let mut owner: BTreeMap<Port, &str> = BTreeMap::new();
        for ls in &cfg.linksets {
            fits(ls.adjacent)?;
            if ls.ports.is_empty() {
                return Err(ConfigError::EmptyLinkSet { stp: stp(), name: ls.name.clone() });
            }
            for &p in &ls.ports {
                if let Some(first) = owner.insert(p, &ls.name) {
                    return Err(ConfigError::DuplicatePort {
                        stp: stp(),
                        first: first.to_string(),
                        second: ls.name.clone(),
                        port: p,
                    });
                }
                links.insert(
                    p,
                    LinkCtl {
                        mode: LinkMode::Available,
                        fsn_known: false,
                        buffer: VecDeque::new(),
                        sent: 0,
                        log: VecDeque::new(),
                        pending_cba: Vec::new(),
                    },
                );
            }
            sp.add_linkset(ls.adjacent, &ls.ports);
        }
        let find = |name: &str| cfg.linksets.iter().position(|l| l.name == name);
        let mate = match &cfg.mate {
            Some(name) => {
                Some(find(name).ok_or_else(|| ConfigError::UnknownMate { stp: stp(), name: name.clone() })?)
            }
            None => None,
        };
        let all: Vec<LinkSetId> = sp.linksets().collect();
        for (i, r) in cfg.routes.iter().enumerate() {
            if let Some(pc) = r.dpc {
                fits(pc)?;
            }
            let mut ranks: Vec<Vec<LinkSetId>> = Vec::with_capacity(r.linksets.len() + 1);
            for rank in &r.linksets {
                let mut ids = Vec::with_capacity(rank.len());
                for name in rank {
                    let at = find(name).ok_or_else(|| ConfigError::UnknownLinkSet {
                        stp: stp(),
                        route: i,
                        name: name.clone(),
                    })?;
                    ids.push(all[at]);
                }
                ranks.push(ids);
            }
            if let Some(m) = mate {
                let named = ranks.iter().flatten().any(|ls| ls.index() == m);
                if !named && r.dpc != Some(cfg.linksets[m].adjacent) {
                    ranks.push(vec![all[m]]);
                }
            }
            let refs: Vec<&[LinkSetId]> = ranks.iter().map(Vec::as_slice).collect();
            sp.add_route(r.dpc, &refs);
        }
        for (i, rule) in cfg.gtt.iter().enumerate() {
            if !rule.prefix.chars().all(|c| matches!(c, '0'..='9' | 'A'..='F')) {
                return Err(ConfigError::BadPrefix { stp: stp(), rule: i, prefix: rule.prefix.clone() });
            }
            fits(rule.primary.pc)?;
            if let Some(b) = rule.backup {
                fits(b.pc)?;
            }
        }
        let status = sp.destinations().map(|d| (d, sp.route_status(d))).collect();
        Ok(Stp {
            name: cfg.name.clone(),
            sp,
            gtt: cfg.gtt.clone(),
            timers: cfg.timers,
            screening: cfg.linksets.iter().map(|l| l.screening.clone()).collect(),
            linkset_names: cfg.linksets.iter().map(|l| l.name.clone()).collect(),
            links,
            status,
            counters: StpCounters {
                screened_by_linkset: vec![0; cfg.linksets.len()],
                ..StpCounters::default()
            },
            next_cbc: 0,
            retrieval: cfg.retrieval,
            aliases: cfg.alias_point_codes.clone(),
        })
    }

    /// The counters so far.
    pub fn counters(&self) -> &StpCounters {
        &self.counters
    }

    /// The MTP3 layer (routes, link states) for inspection.
    pub fn signalling_point(&self) -> &SignallingPoint {
        &self.sp
    }

    /// What the link on `port` is doing.
    pub fn link_mode(&self, port: Port) -> Option<LinkMode> {
        self.links.get(&port).map(|l| l.mode)
    }

    /// Name of the link set `ls` from the configuration.
    pub fn linkset_name(&self, ls: LinkSetId) -> Option<&str> {
        self.linkset_names.get(ls.index()).map(String::as_str)
    }

    /// Counts (and, with retrieval, keeps) every MSU queued on a link since
    /// `start`: the one place all of the STP's sends pass.
    fn log_sent(&mut self, out: &Outputs, start: usize) {
        for o in out.as_slice().get(start..).unwrap_or(&[]) {
            let Output::Send { port, bytes } = o else { continue };
            let Some(l) = self.links.get_mut(port) else { continue };
            l.sent = l.sent.wrapping_add(1) & 0x7f;
            if self.retrieval {
                if l.log.len() == RETRIEVAL_WINDOW {
                    l.log.pop_front();
                }
                l.log.push_back(bytes.clone());
            }
        }
    }

    fn drop_frame(&mut self, out: &mut Outputs, reason: impl Into<String>, bytes: &[u8]) {
        out.event(None, EventKind::Dropped { reason: reason.into(), hex: hex(bytes) });
    }

    fn note(&self, out: &mut Outputs, text: String) {
        out.event(None, EventKind::Note(text));
    }

    // ------------------------------------------------------------------
    // Sending.

    /// Queues `bytes` on `port`, or holds them while the link's traffic is
    /// being changed over or back.
    fn transmit(&mut self, out: &mut Outputs, port: Port, bytes: Bytes) {
        match self.links.get_mut(&port) {
            Some(l) if matches!(l.mode, LinkMode::ChangingOver | LinkMode::ChangingBack { .. }) => {
                l.buffer.push_back(bytes);
                self.counters.buffered += 1;
            }
            _ => out.send(port, bytes),
        }
    }

    /// Routes an MSU by its own label and transmits it; false when there is
    /// no route (the caller logs).
    fn forward(&mut self, out: &mut Outputs, dpc: PointCode, sls: u8, bytes: Bytes) -> bool {
        match self.sp.route(dpc, sls) {
            Ok(port) => {
                self.transmit(out, port, bytes);
                true
            }
            Err(_) => false,
        }
    }

    /// Sends an SNM message straight out (never buffered) toward `dpc`
    /// avoiding `avoid`; false when there is no path.
    fn send_snm(&mut self, out: &mut Outputs, dpc: PointCode, sls: u8, m: Snm, avoid: Option<Port>) -> bool {
        let ok = self.sp.send_snm_avoiding(out, dpc, sls, m, avoid);
        if ok {
            self.counters.snm_sent += 1;
        }
        ok
    }

    /// Sends an SNM message to the adjacent node of `ls` on that link set.
    fn send_snm_on(&mut self, out: &mut Outputs, ls: LinkSetId, m: Snm) -> bool {
        let Some(adj) = self.sp.adjacent(ls) else { return false };
        let Some(port) = self.sp.linkset_port(ls, 0) else { return false };
        let Ok(b) = self.sp.build_snm(adj, 0, m) else { return false };
        out.send(port, b);
        self.counters.snm_sent += 1;
        true
    }

    fn slc(&self, slc: u8) -> Option<u8> {
        self.sp.slc_field(slc)
    }

    // ------------------------------------------------------------------
    // Changeover and changeback (Q.704 §5, §6).

    fn link_failed(&mut self, now: Instant, out: &mut Outputs, port: Port) {
        let Some(l) = self.links.get(&port) else { return };
        match l.mode {
            LinkMode::Unavailable | LinkMode::ChangingOver => return,
            LinkMode::ChangingBack { .. } => {
                // Failed again before CBA: what was held goes elsewhere.
                self.finish_changeover(out, port, None);
                return;
            }
            LinkMode::Available => {}
        }
        let fsn_known = l.fsn_known;
        let (Some(adj), Some(slc)) = (self.sp.adjacent_of(port), self.sp.slc_of(port)) else { return };
        self.counters.changeovers += 1;
        let message = if fsn_known {
            Snm::Coo { slc: self.slc(slc), fsn: self.sp.last_accepted(port).unwrap_or(0) }
        } else {
            Snm::Eco { slc: self.slc(slc) }
        };
        if let Some(l) = self.links.get_mut(&port) {
            l.mode = LinkMode::ChangingOver;
        }
        self.sp.set_link_held(port, true);
        let id = timer(T_CHANGEOVER, 0, port.0);
        if self.send_snm(out, adj, slc, message, Some(port)) {
            out.set_timer(id, now.after(Duration::from_millis(self.timers.t2_ms)));
            self.note(out, format!("link {} failed: changeover order sent to {:?}", port.0, adj));
        } else {
            // Q.704 §5.6.2: no path to the remote end: time-controlled changeover.
            self.counters.time_controlled += 1;
            out.set_timer(id, now.after(Duration::from_millis(self.timers.t1_ms)));
            self.note(out, format!("link {} failed: time-controlled changeover (T1)", port.0));
        }
    }

    fn finish_changeover(&mut self, out: &mut Outputs, port: Port, remote_fsn: Option<u8>) {
        out.cancel_timer(timer(T_CHANGEOVER, 0, port.0));
        out.cancel_timer(timer(T_CHANGEBACK, 0, port.0));
        self.sp.set_link_state(port, false);
        self.sp.set_link_held(port, false);
        let (retrieval, variant) = (self.retrieval, self.sp.variant);
        let (held, retrieved) = match self.links.get_mut(&port) {
            Some(l) => {
                l.mode = LinkMode::Unavailable;
                let mut held = std::mem::take(&mut l.buffer);
                let log = std::mem::take(&mut l.log);
                // Q.704 §5.4.1: what the far end did not accept goes first.
                let unaccepted = remote_fsn.map(|f| usize::from(l.sent.wrapping_sub(f) & 0x7f));
                let mut n = 0;
                if let Some(k) = unaccepted.filter(|&k| retrieval && k <= log.len()) {
                    let skip = log.len() - k;
                    // User parts only: management is not repeated.
                    let user =
                        |b: &Bytes| Mtp3Packet::new_checked(&b[..], variant).is_ok_and(|p| p.si() > si::MTNS);
                    for b in log.into_iter().skip(skip).rev().filter(user) {
                        held.push_front(b);
                        n += 1;
                    }
                }
                (held, n)
            }
            None => return,
        };
        self.counters.retrieved += retrieved;
        self.flush(out, held);
        self.update_routes(out);
    }

    fn link_restored(&mut self, now: Instant, out: &mut Outputs, port: Port) {
        let Some(l) = self.links.get(&port) else { return };
        match l.mode {
            LinkMode::Available | LinkMode::ChangingBack { .. } => return,
            LinkMode::ChangingOver => self.finish_changeover(out, port, None),
            LinkMode::Unavailable => {}
        }
        let (Some(adj), Some(slc)) = (self.sp.adjacent_of(port), self.sp.slc_of(port)) else { return };
        self.counters.changebacks += 1;
        // Nothing was diverted if the adjacent node was unreachable.
        let nothing_diverted = self.sp.route_status(adj) == RouteStatus::Inaccessible;
        self.sp.set_link_state(port, true);
        self.sp.set_link_held(port, true);
        // Q.704 §6.3: one CBD on each alternative link that carried this
        // link's SLSs, so that each CBA vouches for the traffic ahead of it.
        let mut alternatives: Vec<Port> = Vec::new();
        for s in 0..=self.sp.sls_mask() {
            if self.sp.route(adj, s) == Ok(port) {
                if let Ok(alt) = self.sp.route_avoiding(adj, s, Some(port)) {
                    if !alternatives.contains(&alt) {
                        alternatives.push(alt);
                    }
                }
            }
        }
        let mut codes = Vec::with_capacity(alternatives.len());
        for alt in alternatives {
            let cbc = self.next_cbc;
            let Ok(b) = self.sp.build_snm(adj, slc, Snm::Cbd { slc: self.slc(slc), cbc }) else { continue };
            self.next_cbc = self.next_cbc.wrapping_add(1);
            out.send(alt, b);
            self.counters.snm_sent += 1;
            codes.push(cbc);
        }
        if codes.is_empty() {
            // No alternative carried its SLSs: try any path to the remote end.
            let cbc = self.next_cbc;
            if self.send_snm(out, adj, slc, Snm::Cbd { slc: self.slc(slc), cbc }, Some(port)) {
                self.next_cbc = self.next_cbc.wrapping_add(1);
                codes.push(cbc);
            }
        }
        let first = codes.first().copied().unwrap_or(self.next_cbc);
        let sent = !codes.is_empty();
        if let Some(l) = self.links.get_mut(&port) {
            l.mode = LinkMode::ChangingBack { cbc: first };
            l.fsn_known = false;
            l.sent = 0;
            l.log.clear();
            l.pending_cba = codes;
        }
        let id = timer(T_CHANGEBACK, 0, port.0);
        if sent {
            out.set_timer(id, now.after(Duration::from_millis(self.timers.t4_ms)));
            self.note(out, format!("link {} restored: changeback declaration sent to {:?}", port.0, adj));
        } else if nothing_diverted {
            self.note(out, format!("link {} restored: no traffic was diverted, changeback at once", port.0));
            self.finish_changeback(out, port);
        } else {
            // Q.704 §6.4: no path to the remote end for the CBD: time-controlled.
            self.counters.time_controlled += 1;
            out.set_timer(id, now.after(Duration::from_millis(self.timers.t3_ms)));
            self.note(out, format!("link {} restored: time-controlled changeback (T3)", port.0));
        }
        self.update_routes(out);
    }

    fn finish_changeback(&mut self, out: &mut Outputs, port: Port) {
        out.cancel_timer(timer(T_CHANGEBACK, 0, port.0));
        self.sp.set_link_held(port, false);
        let held = match self.links.get_mut(&port) {
            Some(l) => {
                l.mode = LinkMode::Available;
                std::mem::take(&mut l.buffer)
            }
            None => return,
        };
        self.flush(out, held);
    }

    /// Sends held MSUs again, in order, by their labels.
    fn flush(&mut self, out: &mut Outputs, held: VecDeque<Bytes>) {
        for b in held {
            let Ok(p) = Mtp3Packet::new_checked(&b[..], self.sp.variant) else { continue };
            let (dpc, sls) = (p.dpc(), p.sls());
            if !self.forward(out, dpc, sls, b.clone()) {
                self.counters.unroutable += 1;
                self.drop_frame(out, format!("mtp3: no route to {dpc:?} after changeover"), &b);
            }
        }
    }

    // ------------------------------------------------------------------
    // Transfer prohibited/allowed (Q.704 §13).

    /// Compares every destination's status with what was last announced and
    /// sends TFP/TFA as Q.704 §13.2.2 and §13.3.2 say.
    fn update_routes(&mut self, out: &mut Outputs) {
        let dests: Vec<PointCode> = self.sp.destinations().collect();
        for dest in dests {
            let new = self.sp.route_status(dest);
            let old = self.status.insert(dest, new).unwrap_or(RouteStatus::Via { rank: 0 });
            if old == new {
                continue;
            }
            // Q.704 §13.2.2 and §13.3.2: TFP to all when the destination is
            // lost; TFA to all when it comes back, except the adjacent
            // nodes an alternative route now goes through, which get TFP
            // (so they do not route it back through us); and TFA to the
            // nodes of an alternative route we stop using.
            match (old, new) {
                (RouteStatus::Via { .. }, RouteStatus::Inaccessible) => {
                    self.broadcast(out, dest, rank_of(new), Snm::Tfp { dest });
                }
                (RouteStatus::Inaccessible, RouteStatus::Via { rank }) => {
                    self.broadcast(out, dest, rank, Snm::Tfa { dest });
                    if rank > 0 {
                        self.send_to_rank(out, dest, rank, None, Snm::Tfp { dest });
                    }
                }
                (RouteStatus::Via { rank: was }, RouteStatus::Via { rank }) => {
                    if was > 0 {
                        self.send_to_rank(out, dest, was, Some(rank), Snm::Tfa { dest });
                    }
                    if rank > 0 {
                        self.send_to_rank(out, dest, rank, None, Snm::Tfp { dest });
                    }
                }
                _ => {}
            }
        }
    }

    fn count_transfer(&mut self, m: &Snm) {
        match m {
            Snm::Tfp { .. } => self.counters.tfp_sent += 1,
            Snm::Tfa { .. } => self.counters.tfa_sent += 1,
            _ => {}
        }
    }

    /// To every adjacent node with a link up, but the destination itself
    /// and the nodes of rank `skip_rank` of its route (when above 0).
    fn broadcast(&mut self, out: &mut Outputs, dest: PointCode, skip_rank: usize, m: Snm) {
        let all: Vec<LinkSetId> = self.sp.linksets().collect();
        for ls in all {
            let skip = skip_rank > 0 && self.sp.rank_linksets(dest, skip_rank).contains(&ls);
            if !skip && self.sp.adjacent(ls) != Some(dest) && self.send_snm_on(out, ls, m.clone()) {
                self.count_transfer(&m);
            }
        }
    }

    /// To the adjacent nodes of a route's rank (the STPs it routes
    /// through), but those also in rank `except`.
    fn send_to_rank(
        &mut self,
        out: &mut Outputs,
        dest: PointCode,
        rank: usize,
        except: Option<usize>,
        m: Snm,
    ) {
        let lss: Vec<LinkSetId> = self.sp.rank_linksets(dest, rank).to_vec();
        for ls in lss {
            if except.is_some_and(|r| self.sp.rank_linksets(dest, r).contains(&ls)) {
                continue;
            }
            if self.sp.adjacent(ls) != Some(dest) && self.send_snm_on(out, ls, m.clone()) {
                self.count_transfer(&m);
            }
        }
    }

    // ------------------------------------------------------------------
    // Receiving.

    fn on_recv(&mut self, now: Instant, out: &mut Outputs, port: Port, bytes: &[u8]) {
        let Some(ls) = self.sp.linkset_of(port) else {
            self.counters.malformed += 1;
            self.drop_frame(
                out,
                format!("mtp3: frame on port {} which is not a signalling link", port.0),
                bytes,
            );
            return;
        };
        self.counters.received += 1;
        let msu = match Mtp3Packet::new_checked(bytes, self.sp.variant) {
            Ok(p) => p,
            Err(e) => {
                self.counters.malformed += 1;
                self.drop_frame(out, e.to_string(), bytes);
                return;
            }
        };
        self.sp.count_received(port);
        if let Some(l) = self.links.get_mut(&port) {
            l.fsn_known = true;
        }
        let (si, dpc, opc, sls) = (msu.si(), msu.dpc(), msu.opc(), msu.sls());
        let own = dpc == self.sp.pc || (si == si::SCCP && self.aliases.contains(&dpc));
        if !(own && si <= si::MTNS) {
            if let Some(why) = self.screening.get(ls.index()).and_then(|s| s.check(opc, dpc, si)) {
                self.counters.screened += 1;
                if let Some(c) = self.counters.screened_by_linkset.get_mut(ls.index()) {
                    *c += 1;
                }
                let name = self.linkset_names.get(ls.index()).cloned().unwrap_or_default();
                self.drop_frame(out, format!("{why} ({name}: opc {opc:?} dpc {dpc:?} si {si})"), bytes);
                return;
            }
        }
        if !own {
            let copy = out.frame(bytes);
            if self.forward(out, dpc, sls, copy) {
                self.counters.transferred += 1;
            } else {
                self.counters.unroutable += 1;
                self.drop_frame(out, format!("mtp3: no route to {dpc:?}"), bytes);
                // Q.704 §13.2.2 (ii): tell the sender the destination is prohibited.
                if si != si::SNM && self.send_snm_on(out, ls, Snm::Tfp { dest: dpc }) {
                    self.counters.tfp_sent += 1;
                }
            }
            return;
        }
        match si {
            si::SNM => self.on_snm(now, out, port, &msu, bytes),
            si::MTN | si::MTNS => {
                if matches!(Slt::parse(msu.sif()), Ok(Slt::Sltm { .. })) {
                    self.counters.slt_answered += 1;
                }
                let _ = self.sp.on_management(port, &msu, out);
            }
            si::SCCP => self.on_sccp(out, &msu, bytes),
            _ => {
                self.counters.unroutable += 1;
                self.drop_frame(out, format!("mtp3: user part {si} is not available at the STP"), bytes);
            }
        }
    }

    fn on_snm(&mut self, now: Instant, out: &mut Outputs, port: Port, msu: &Mtp3Packet<&[u8]>, bytes: &[u8]) {
        let m = match SnmRepr::parse(msu.sif(), self.sp.variant) {
            Ok(r) => r.message,
            Err(e) => {
                self.counters.malformed += 1;
                self.drop_frame(out, e.to_string(), bytes);
                return;
            }
        };
        self.counters.snm_received += 1;
        let opc = msu.opc();
        let slc_of = |slc: Option<u8>| slc.unwrap_or(msu.sls() & 0x0f);
        match m {
            Snm::Coo { slc, .. } | Snm::Xco { slc, .. } | Snm::Eco { slc } => {
                let remote_fsn = if let Snm::Coo { fsn, .. } = m { Some(fsn) } else { None };
                let slc = slc_of(slc);
                let Some(link) = self.sp.port_of(opc, slc) else {
                    self.drop_frame(out, format!("mtp3: {} for unknown link {slc}", m.name()), bytes);
                    return;
                };
                let known = self.links.get(&link).is_some_and(|l| l.fsn_known);
                let answer = match m {
                    Snm::Coo { .. } | Snm::Xco { .. } if known => {
                        Snm::Coa { slc: self.slc(slc), fsn: self.sp.last_accepted(link).unwrap_or(0) }
                    }
                    _ => Snm::Eca { slc: self.slc(slc) },
                };
                let started = self.links.get(&link).map(|l| l.mode);
                if started == Some(LinkMode::Available) {
                    self.counters.changeovers += 1;
                    if let Some(l) = self.links.get_mut(&link) {
                        l.mode = LinkMode::ChangingOver;
                    }
                    self.sp.set_link_held(link, true);
                }
                self.send_snm(out, opc, slc, answer, Some(link));
                // Q.704 §5.5.1: a COO crossing ours is the acknowledgement.
                if matches!(
                    started,
                    Some(LinkMode::Available | LinkMode::ChangingOver | LinkMode::ChangingBack { .. })
                ) {
                    self.finish_changeover(out, link, remote_fsn);
                }
            }
            Snm::Coa { slc, .. } | Snm::Xca { slc, .. } | Snm::Eca { slc } => {
                let remote_fsn = if let Snm::Coa { fsn, .. } = m { Some(fsn) } else { None };
                let link = self.sp.port_of(opc, slc_of(slc));
                if let Some(link) = link.filter(|p| self.link_mode(*p) == Some(LinkMode::ChangingOver)) {
                    self.finish_changeover(out, link, remote_fsn);
                }
            }
            Snm::Cbd { slc, cbc } => {
                let slc = slc_of(slc);
                let link = self.sp.port_of(opc, slc);
                self.send_snm(out, opc, slc, Snm::Cba { slc: self.slc(slc), cbc }, link);
            }
            Snm::Cba { slc, cbc } => {
                let Some(link) = self.sp.port_of(opc, slc_of(slc)) else { return };
                let Some(l) = self.links.get_mut(&link) else { return };
                if !matches!(l.mode, LinkMode::ChangingBack { .. }) {
                    return;
                }
                l.pending_cba.retain(|&c| c != cbc);
                if l.pending_cba.is_empty() {
                    self.finish_changeback(out, link);
                }
            }
            Snm::Tfp { dest } => {
                self.counters.tfp_received += 1;
                self.sp.set_transfer_prohibited(opc, dest, true);
                if let Some(ls) = self.sp.linkset_of(port) {
                    let id = timer(T_RST, u32::try_from(ls.index()).unwrap_or(0), dest.0);
                    out.set_timer(id, now.after(Duration::from_millis(self.timers.t10_ms)));
                }
                self.update_routes(out);
            }
            Snm::Tfa { dest } | Snm::Tfr { dest } => {
                self.counters.tfa_received += 1;
                self.sp.set_transfer_prohibited(opc, dest, false);
                if let Some(ls) = self.sp.linkset_of(port) {
                    out.cancel_timer(timer(T_RST, u32::try_from(ls.index()).unwrap_or(0), dest.0));
                }
                self.update_routes(out);
            }
            Snm::Rst { dest } | Snm::Rsr { dest } => {
                // Q.704 §13.5.3: answer with the current status as seen from the asker.
                let Some(ls) = self.sp.linkset_of(port) else { return };
                let allowed = dest == self.sp.pc
                    || match self.sp.route_status(dest) {
                        RouteStatus::Inaccessible => false,
                        RouteStatus::Via { rank } => self
                            .sp
                            .rank_linksets(dest, rank)
                            .iter()
                            .all(|l| self.sp.adjacent(*l) != Some(opc)),
                    };
                let m = if allowed { Snm::Tfa { dest } } else { Snm::Tfp { dest } };
                if self.send_snm_on(out, ls, m.clone()) {
                    self.count_transfer(&m);
                }
            }
            _ => {
                self.note(out, format!("mtp3: {} from {opc:?} ignored", m.name()));
            }
        }
    }

    fn on_timer(&mut self, now: Instant, out: &mut Outputs, id: TimerId) {
        let kind = id.0 >> 56;
        let a = u32::try_from(id.0 >> 32 & 0xff_ffff).unwrap_or(0);
        let b = u32::try_from(id.0 & 0xffff_ffff).unwrap_or(0);
        match kind {
            T_CHANGEOVER if self.link_mode(Port(b)) == Some(LinkMode::ChangingOver) => {
                self.note(out, format!("link {b}: no changeover acknowledgement, traffic restarted (T1/T2)"));
                self.finish_changeover(out, Port(b), None);
            }
            T_CHANGEBACK if matches!(self.link_mode(Port(b)), Some(LinkMode::ChangingBack { .. })) => {
                self.note(out, format!("link {b}: no changeback acknowledgement, traffic restarted (T3/T4)"));
                self.finish_changeback(out, Port(b));
            }
            T_RST => {
                let ls = self.sp.linksets().nth(a as usize);
                let (Some(ls), dest) = (ls, PointCode(b)) else { return };
                let Some(adj) = self.sp.adjacent(ls) else { return };
                if self.sp.is_transfer_prohibited(adj, dest) {
                    if self.send_snm_on(out, ls, Snm::Rst { dest }) {
                        self.counters.rst_sent += 1;
                    }
                    out.set_timer(id, now.after(Duration::from_millis(self.timers.t10_ms)));
                }
            }
            _ => {}
        }
    }

    // ------------------------------------------------------------------
    // SCCP global title translation (Q.714 §2.4).

    fn translate(&self, called: &Address) -> Result<(GttTarget, bool), ReturnCause> {
        if called.routing == Routing::PcSsn {
            return match (called.point_code, called.ssn) {
                (Some(pc), Some(ssn)) if pc != self.sp.pc => Ok((GttTarget { pc, ssn }, false)),
                _ => Err(ReturnCause::UnequippedUser),
            };
        }
        let gt = &called.global_title;
        let Some(digits) = gt.digits() else { return Err(ReturnCause::NoTranslationForNature) };
        let tt = gt.translation_type();
        let np = match gt {
            ainsim_wire::sccp::GlobalTitle::TtNpEs { numbering_plan, .. }
            | ainsim_wire::sccp::GlobalTitle::TtNpEsNai { numbering_plan, .. } => Some(*numbering_plan),
            _ => None,
        };
        let kind_ok = |r: &GttRule| r.tt.is_none_or(|t| Some(t) == tt) && r.np.is_none_or(|n| Some(n) == np);
        let mut best: Option<&GttRule> = None;
        for r in self.gtt.iter().filter(|r| kind_ok(r) && digits.starts_with(&r.prefix)) {
            if best.is_none_or(|b| r.prefix.len() > b.prefix.len()) {
                best = Some(r);
            }
        }
        let Some(rule) = best else {
            // Q.714 §2.4.3: cause 0 when no rule knows this kind of address, 1 when it is this address.
            return Err(if self.gtt.iter().any(kind_ok) {
                ReturnCause::NoTranslationForAddress
            } else {
                ReturnCause::NoTranslationForNature
            });
        };
        let reachable = |t: &GttTarget| self.sp.route_status(t.pc) != RouteStatus::Inaccessible;
        if reachable(&rule.primary) {
            Ok((rule.primary, false))
        } else {
            match rule.backup {
                Some(b) if reachable(&b) => Ok((b, true)),
                _ => Err(ReturnCause::MtpFailure),
            }
        }
    }

    fn on_sccp(&mut self, out: &mut Outputs, msu: &Mtp3Packet<&[u8]>, bytes: &[u8]) {
        let variant = self.sp.variant;
        let mut repr = match SccpRepr::parse(msu.sif(), variant) {
            Ok(r) => r,
            Err(e) => {
                self.counters.malformed += 1;
                self.drop_frame(out, e.to_string(), bytes);
                return;
            }
        };
        let (opc, sls) = (msu.opc(), msu.sls());
        let service = matches!(repr, SccpRepr::Udts(_) | SccpRepr::Xudts(_) | SccpRepr::Ludts(_));
        let (called, calling, hop) = match &mut repr {
            SccpRepr::Udt(m) => (&mut m.called_party, &mut m.calling_party, None),
            SccpRepr::Udts(m) => (&mut m.called_party, &mut m.calling_party, None),
            SccpRepr::Xudt(m) | SccpRepr::Ludt(m) => {
                (&mut m.called_party, &mut m.calling_party, Some(&mut m.hop_counter))
            }
            SccpRepr::Xudts(m) | SccpRepr::Ludts(m) => {
                (&mut m.called_party, &mut m.calling_party, Some(&mut m.hop_counter))
            }
            other => {
                let name = other.message_type().name();
                self.counters.gtt_failed += 1;
                self.drop_frame(out, format!("sccp: {name} is not relayed by the STP"), bytes);
                return;
            }
        };
        let result = match hop {
            // Q.714 §2.3.1: the relay decrements the hop counter; at 0 it is a violation.
            Some(h) if *h <= 1 => Err(ReturnCause::HopCounterViolation),
            Some(h) => {
                *h -= 1;
                self.translate(called)
            }
            None => self.translate(called),
        };
        let (target, backup) = match result {
            Ok(t) => t,
            Err(cause) => {
                self.counters.gtt_failed += 1;
                self.drop_frame(out, format!("sccp: GTT failed: {cause:?}"), bytes);
                if !service {
                    self.return_on_error(out, &repr, cause, opc, sls);
                }
                return;
            }
        };
        // Q.714 §2.4.1: the final translation gives DPC + SSN; the called
        // party is now routed on SSN (the GT is kept).
        called.routing = Routing::PcSsn;
        called.ssn = Some(target.ssn);
        if called.point_code.is_some() {
            called.point_code = Some(target.pc);
        }
        // Q.714 §2.7: a calling address routed on SSN without a PC gets the OPC.
        if calling.routing == Routing::PcSsn && calling.point_code.is_none() {
            calling.point_code = Some(opc);
        }
        let sif = match repr.to_bytes(variant) {
            Ok(s) => s,
            Err(e) => {
                self.counters.gtt_failed += 1;
                self.drop_frame(out, format!("sccp: cannot re-encode after GTT: {e}"), bytes);
                return;
            }
        };
        let Ok(msu) = self.sp.build(si::SCCP, target.pc, sls, &sif) else { return };
        if self.forward(out, target.pc, sls, Bytes::from(msu)) {
            self.counters.gtt_translated += 1;
            if backup {
                self.counters.gtt_to_backup += 1;
            }
        } else {
            self.counters.unroutable += 1;
            self.drop_frame(out, format!("sccp: no route to {:?} after GTT", target.pc), bytes);
        }
    }

    /// Q.714 §4.2: a UDTS/XUDTS back to the originator, called and calling
    /// swapped, when the message asked for it.
    fn return_on_error(
        &mut self,
        out: &mut Outputs,
        repr: &SccpRepr,
        cause: ReturnCause,
        opc: PointCode,
        sls: u8,
    ) {
        let back = match repr {
            SccpRepr::Udt(m) if m.protocol_class.return_on_error => SccpRepr::Udts(Udts {
                return_cause: cause,
                called_party: m.calling_party.clone(),
                calling_party: m.called_party.clone(),
                data: m.data.clone(),
            }),
            SccpRepr::Xudt(m) | SccpRepr::Ludt(m) if m.protocol_class.return_on_error => {
                let x = Xudts {
                    return_cause: cause,
                    hop_counter: 15,
                    called_party: m.calling_party.clone(),
                    calling_party: m.called_party.clone(),
                    data: m.data.clone(),
                    optional: Vec::new(),
                };
                if matches!(repr, SccpRepr::Ludt(_)) {
                    SccpRepr::Ludts(x)
                } else {
                    SccpRepr::Xudts(x)
                }
            }
            _ => return,
        };
        let Ok(sif) = back.to_bytes(self.sp.variant) else { return };
        let Ok(msu) = self.sp.build(si::SCCP, opc, sls, &sif) else { return };
        if self.forward(out, opc, sls, Bytes::from(msu)) {
            self.counters.udts_sent += 1;
        }
    }
}

impl Element for Stp {
    fn name(&self) -> &str {
        &self.name
    }

    fn counter_values(&self) -> Vec<(String, u64)> {
        let c = &self.counters;
        crate::named_counters!(c; received, transferred, malformed, screened, unroutable, snm_received, snm_sent, slt_answered, gtt_translated, gtt_to_backup)
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        let start = out.len();
        match input {
            Input::Start => {}
            Input::Recv { port, bytes } => self.on_recv(now, out, port, bytes),
            Input::LinkState { port, up: false } => self.link_failed(now, out, port),
            Input::LinkState { port, up: true } => self.link_restored(now, out, port),
            Input::Timer(id) => self.on_timer(now, out, id),
        }
        self.log_sent(out, start);
    }
}
