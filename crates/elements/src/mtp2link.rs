//! A sans-IO MTP level 2 signalling link (ITU-T Q.703, basic format) with the
//! level-3 signalling link test on top, for links to real stacks.
//!
//! What it is: link state control and initial alignment (LSSU SIOS / SIO /
//! SIN / SIE, timers T1–T4, normal or emergency proving), basic error
//! correction (FSN/BSN, FIB/BIB, a retransmission buffer, positive and
//! negative acknowledgement, T7 excessive delay of acknowledgement), FISUs
//! when idle at a configured interval, processor outage basics (SIPO sent and
//! received), and the interface to MTP3: [`Mtp2Link::send_msu`] takes an MSU
//! (SIO + label + SIF), [`LinkOutput::Deliver`] hands received MSUs up in
//! order, [`LinkOutput::Up`] / [`LinkOutput::Down`] report in service / out
//! of service. With a [`LinkTest`] configured it also sends SLTM and TRA when
//! the link comes in service and answers SLTM with SLTA (these MSUs are not
//! handed up).
//!
//! Framing: one signal unit per datagram followed by its two FCS octets (the
//! framing of libss7's software MTP2 over a packet fd). Sent units carry a
//! valid FCS; received units are accepted per [`FcsPolicy`] (by default
//! whatever the FCS, because libss7 does not compute it; zero and mismatching
//! FCS octets are counted).
//!
//! What it is not: no bit stuffing or flags, no SUERM/AERM error-rate
//! monitors (a datagram transport has no bit errors), no preventive cyclic
//! retransmission, no level-2 flow control (SIB is counted, not acted on),
//! no extended (Annex A) sequence numbers.
//!
//! Contract: time comes from the caller (`now`); nothing reads a clock.
//! Timers are deadlines: call [`Mtp2Link::poll_at`] for the next one and
//! [`Mtp2Link::on_timer`] at (or after) it. No input panics.

use std::collections::VecDeque;
use std::time::Duration;

use ainsim_wire::mtp2::{self, LinkStatus, Mtp2Repr, SignalUnit};
use ainsim_wire::mtp3::{si, Slt, Snm, SnmRepr};
use ainsim_wire::{Mtp2Packet, Mtp3Packet, PointCode, Variant};

use crate::core::Instant;

/// How received FCS octets are judged. Zero and mismatching FCS octets are
/// counted under every policy.
///
/// The default is [`FcsPolicy::Ignore`]: libss7 2.0 over a packet fd does not
/// compute the FCS; it writes two octets past the unit from its transmit
/// buffer, zeros for the first units and left-overs of a longer earlier unit
/// later (seen with an ANM sent after a REL), so even "valid or zero" drops
/// its MSUs. UDP's own checksum guards the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FcsPolicy {
    /// Accept a valid FCS or two zero octets.
    ValidOrZero,
    /// Accept only a valid FCS.
    Strict,
    /// Accept anything.
    #[default]
    Ignore,
}

/// The level-3 signalling link test run on top of the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTest {
    pub variant: Variant,
    /// Our point code (OPC of SLTM/TRA).
    pub opc: PointCode,
    /// The adjacent point code.
    pub dpc: PointCode,
    /// Network indicator for the SIO (2 = national).
    pub ni: u8,
    /// Signalling link code of this link.
    pub slc: u8,
    /// SLTM retry interval when no SLTA came back (Q.707 T1: 4–12 s).
    pub t1: Duration,
}

/// Link configuration (Q.703 §12.3 timers; defaults for 64 kbit/s links,
/// T4 shortened as many test setups do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mtp2Config {
    /// Alignment ready (13 s).
    pub t1: Duration,
    /// Not aligned (11.5 s).
    pub t2: Duration,
    /// Aligned (11.5 s).
    pub t3: Duration,
    /// Normal proving period (2.3 s).
    pub t4n: Duration,
    /// Emergency proving period (0.6 s).
    pub t4e: Duration,
    /// Excessive delay of acknowledgement (0.5–2 s).
    pub t7: Duration,
    /// Prove with SIE (emergency) instead of SIN.
    pub emergency: bool,
    /// How often a FISU (or the current LSSU) is repeated when idle.
    pub fill_interval: Duration,
    /// Pause before aligning again after a failure.
    pub restart_delay: Duration,
    pub fcs: FcsPolicy,
    /// SLTM/SLTA/TRA handling; `None` leaves it to the user of the link.
    pub link_test: Option<LinkTest>,
}

impl Default for Mtp2Config {
    fn default() -> Self {
        let ms = Duration::from_millis;
        Mtp2Config {
            t1: ms(13_000),
            t2: ms(11_500),
            t3: ms(11_500),
            t4n: ms(2_300),
            t4e: ms(600),
            t7: ms(1_000),
            emergency: false,
            fill_interval: ms(100),
            restart_delay: ms(1_000),
            fcs: FcsPolicy::default(),
            link_test: None,
        }
    }
}

/// What the link asks its user to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutput {
    /// Send this datagram (signal unit + 2 FCS octets) to the peer.
    Transmit(Vec<u8>),
    /// An MSU (SIO + label + SIF) received in sequence: hand it to MTP3.
    Deliver(Vec<u8>),
    /// The link is in service.
    Up,
    /// The link went out of service (with the reason).
    Down(&'static str),
    /// The link test passed: the peer answered our SLTM.
    Tested,
}

/// Link state (Q.703 §4 and §7 combined).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Power on, not started, or waiting to realign: sending SIOS.
    OutOfService,
    /// Initial alignment, not aligned (T2): sending SIO.
    NotAligned,
    /// Aligned (T3): sending SIN/SIE.
    Aligned,
    /// Proving (T4): sending SIN/SIE.
    Proving,
    /// Aligned ready (T1): sending FISU, waiting for the peer's FISU/MSU.
    AlignedReady,
    /// In service.
    InService,
    /// Local or remote processor outage (sending SIPO, or the peer is).
    ProcessorOutage,
}

/// Counters, for traces and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mtp2Counters {
    pub rx_units: u64,
    pub tx_units: u64,
    pub rx_msus: u64,
    pub tx_msus: u64,
    pub retransmitted: u64,
    pub fcs_zero: u64,
    pub fcs_mismatch: u64,
    pub malformed: u64,
    pub out_of_sequence: u64,
    pub nacks_sent: u64,
    pub abnormal_bsn: u64,
    pub failures: u64,
    pub sltm_answered: u64,
    pub slta_received: u64,
    pub sib_received: u64,
}

const SN_MOD: u16 = 128;
const RTB_MAX: usize = 127;

/// One MTP2 link end.
#[derive(Debug, Clone)]
pub struct Mtp2Link {
    cfg: Mtp2Config,
    state: LinkState,
    started: bool,
    local_po: bool,
    remote_po: bool,
    // Transmission.
    fsn_last: u16,
    fib: bool,
    rtb: VecDeque<(u16, Vec<u8>)>,
    pending: VecDeque<Vec<u8>>,
    // Reception.
    fsn_accepted: u16,
    bib: bool,
    nack_outstanding: bool,
    /// Consecutive units with a BSN outside the window (Q.703 §5.3.1).
    abnormal_run: u8,
    // Deadlines.
    state_deadline: Option<Instant>,
    t7: Option<Instant>,
    fill_at: Option<Instant>,
    sltm_at: Option<Instant>,
    tested: bool,
    counters: Mtp2Counters,
}

impl Mtp2Link {
    /// A link out of service; call [`Mtp2Link::start`] to align it.
    pub fn new(cfg: Mtp2Config) -> Self {
        Mtp2Link {
            cfg,
            state: LinkState::OutOfService,
            started: false,
            local_po: false,
            remote_po: false,
            fsn_last: SN_MOD - 1,
            fib: true,
            rtb: VecDeque::new(),
            pending: VecDeque::new(),
            fsn_accepted: SN_MOD - 1,
            bib: true,
            nack_outstanding: false,
            abnormal_run: 0,
            state_deadline: None,
            t7: None,
            fill_at: None,
            sltm_at: None,
            tested: false,
            counters: Mtp2Counters::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Mtp2Config {
        &self.cfg
    }

    /// The current state.
    pub fn state(&self) -> LinkState {
        self.state
    }

    /// Whether MSUs flow (in service, no processor outage).
    pub fn in_service(&self) -> bool {
        self.state == LinkState::InService
    }

    /// Whether the peer answered our SLTM since the link came in service.
    pub fn tested(&self) -> bool {
        self.tested
    }

    /// Counters so far.
    pub fn counters(&self) -> &Mtp2Counters {
        &self.counters
    }

    /// Start (or restart) initial alignment: SIOS, then SIO.
    pub fn start(&mut self, now: Instant, out: &mut Vec<LinkOutput>) {
        self.started = true;
        self.begin_alignment(now, out);
    }

    /// Take the link out of service (level 3 stop): SIOS, no realignment.
    pub fn stop(&mut self, now: Instant, out: &mut Vec<LinkOutput>) {
        self.started = false;
        self.fail(now, "stopped by level 3", out);
        self.state_deadline = None;
    }

    /// Local processor outage on or off (SIPO is sent while on).
    pub fn set_processor_outage(&mut self, now: Instant, on: bool, out: &mut Vec<LinkOutput>) {
        if self.local_po == on {
            return;
        }
        self.local_po = on;
        match self.state {
            LinkState::InService if on => {
                self.state = LinkState::ProcessorOutage;
                out.push(LinkOutput::Down("local processor outage"));
                self.send_lssu(now, LinkStatus::Sipo, out);
            }
            LinkState::ProcessorOutage if !on && !self.remote_po => {
                self.state = LinkState::InService;
                self.send_fisu(now, out);
                out.push(LinkOutput::Up);
            }
            _ => {}
        }
    }

    /// Queue an MSU (SIO + label + SIF, 3 to 272 octets). Returns false (and
    /// drops it) when the link is not in service or the MSU is not sendable.
    pub fn send_msu(&mut self, now: Instant, msu: &[u8], out: &mut Vec<LinkOutput>) -> bool {
        if self.state != LinkState::InService || !(3..=272).contains(&msu.len()) {
            return false;
        }
        self.pending.push_back(msu.to_vec());
        self.flush(now, out);
        true
    }

    /// The earliest deadline: call [`Mtp2Link::on_timer`] then.
    pub fn poll_at(&self) -> Option<Instant> {
        [self.state_deadline, self.t7, self.fill_at, self.sltm_at].into_iter().flatten().min()
    }

    /// Run every deadline due at `now`.
    pub fn on_timer(&mut self, now: Instant, out: &mut Vec<LinkOutput>) {
        if self.t7.is_some_and(|t| t <= now) {
            self.t7 = None;
            self.fail(now, "T7 excessive delay of acknowledgement", out);
        }
        if self.state_deadline.is_some_and(|t| t <= now) {
            self.state_deadline = None;
            match self.state {
                LinkState::OutOfService if self.started => self.begin_alignment(now, out),
                LinkState::NotAligned => self.fail(now, "T2 expired (not aligned)", out),
                LinkState::Aligned => self.fail(now, "T3 expired (aligned)", out),
                LinkState::Proving => {
                    self.state = LinkState::AlignedReady;
                    self.state_deadline = Some(now.after(self.cfg.t1));
                    self.send_fisu(now, out);
                }
                LinkState::AlignedReady => self.fail(now, "T1 expired (alignment ready)", out),
                _ => {}
            }
        }
        if self.sltm_at.is_some_and(|t| t <= now) {
            self.sltm_at = None;
            self.send_sltm(now, out);
        }
        if self.fill_at.is_some_and(|t| t <= now) {
            self.fill_at = None;
            self.send_fill(now, out);
        }
    }

    /// One received datagram (signal unit + 2 FCS octets).
    pub fn receive(&mut self, now: Instant, datagram: &[u8], out: &mut Vec<LinkOutput>) {
        self.counters.rx_units += 1;
        if datagram.len() < mtp2::HEADER_LEN + mtp2::FCS_LEN {
            self.counters.malformed += 1;
            return;
        }
        let (unit, fcs) = datagram.split_at(datagram.len() - mtp2::FCS_LEN);
        let received = u16::from_le_bytes([fcs[0], fcs[1]]);
        if received != mtp2::fcs16(unit) {
            if received == 0 {
                self.counters.fcs_zero += 1;
                if self.cfg.fcs == FcsPolicy::Strict {
                    return;
                }
            } else {
                self.counters.fcs_mismatch += 1;
                if self.cfg.fcs != FcsPolicy::Ignore {
                    return;
                }
            }
        }
        let Ok(p) = Mtp2Packet::new_checked(unit) else {
            self.counters.malformed += 1;
            return;
        };
        let (bsn, bib, fsn, fib) = (p.bsn(), p.bib(), p.fsn(), p.fib());
        let Ok(repr) = Mtp2Repr::parse_without_fcs(unit) else {
            self.counters.malformed += 1;
            return;
        };
        match repr.unit {
            SignalUnit::Lssu { status, .. } => self.on_lssu(now, status, out),
            SignalUnit::Fisu => self.on_fisu_msu(now, bsn, bib, fsn, fib, None, out),
            SignalUnit::Msu { payload } => self.on_fisu_msu(now, bsn, bib, fsn, fib, Some(payload), out),
        }
    }

    // ----- link state control -----

    fn begin_alignment(&mut self, now: Instant, out: &mut Vec<LinkOutput>) {
        self.reset_sequences();
        self.state = LinkState::NotAligned;
        self.state_deadline = Some(now.after(self.cfg.t2));
        self.send_lssu(now, LinkStatus::Sio, out);
    }

    fn reset_sequences(&mut self) {
        self.fsn_last = SN_MOD - 1;
        self.fib = true;
        self.fsn_accepted = SN_MOD - 1;
        self.bib = true;
        self.nack_outstanding = false;
        self.abnormal_run = 0;
        self.rtb.clear();
        self.pending.clear();
        self.t7 = None;
        self.sltm_at = None;
        self.tested = false;
        self.remote_po = false;
    }

    fn fail(&mut self, now: Instant, why: &'static str, out: &mut Vec<LinkOutput>) {
        let was_up = matches!(self.state, LinkState::InService | LinkState::ProcessorOutage);
        if self.state != LinkState::OutOfService {
            self.counters.failures += 1;
        }
        self.reset_sequences();
        self.state = LinkState::OutOfService;
        self.state_deadline = self.started.then(|| now.after(self.cfg.restart_delay));
        if was_up {
            out.push(LinkOutput::Down(why));
        }
        self.send_lssu(now, LinkStatus::Sios, out);
    }

    fn proving_status(&self) -> LinkStatus {
        if self.cfg.emergency {
            LinkStatus::Sie
        } else {
            LinkStatus::Sin
        }
    }

    fn on_lssu(&mut self, now: Instant, status: LinkStatus, out: &mut Vec<LinkOutput>) {
        use LinkStatus::*;
        match (self.state, status) {
            (LinkState::NotAligned, Sio | Sin | Sie) => {
                self.state = LinkState::Aligned;
                self.state_deadline = Some(now.after(self.cfg.t3));
                self.send_lssu(now, self.proving_status(), out);
                if status != Sio {
                    self.enter_proving(now, status, out);
                }
            }
            (LinkState::Aligned, Sin | Sie) => self.enter_proving(now, status, out),
            (LinkState::Aligned | LinkState::Proving, Sios) => self.fail(now, "SIOS during alignment", out),
            (LinkState::Proving, Sio) => {
                self.state = LinkState::Aligned;
                self.state_deadline = Some(now.after(self.cfg.t3));
            }
            (LinkState::AlignedReady, Sio | Sios) => self.fail(now, "SIO/SIOS in alignment ready", out),
            (LinkState::InService | LinkState::ProcessorOutage, Sio | Sin | Sie | Sios) => {
                self.fail(now, "link status from the peer while in service", out);
            }
            (LinkState::InService, Sipo) | (LinkState::AlignedReady, Sipo) => {
                self.remote_po = true;
                let was = self.state == LinkState::InService;
                self.state = LinkState::ProcessorOutage;
                self.state_deadline = None;
                if was {
                    out.push(LinkOutput::Down("remote processor outage"));
                }
            }
            (_, Sib) => self.counters.sib_received += 1,
            _ => {}
        }
    }

    fn enter_proving(&mut self, now: Instant, status: LinkStatus, _out: &mut [LinkOutput]) {
        self.state = LinkState::Proving;
        let emergency = self.cfg.emergency || status == LinkStatus::Sie;
        self.state_deadline = Some(now.after(if emergency { self.cfg.t4e } else { self.cfg.t4n }));
    }

    fn come_in_service(&mut self, now: Instant, out: &mut Vec<LinkOutput>) {
        self.state = LinkState::InService;
        self.state_deadline = None;
        out.push(LinkOutput::Up);
        if self.cfg.link_test.is_some() {
            self.send_sltm(now, out);
            if let Some(tra) = self.build_snm(Snm::Tra) {
                self.pending.push_back(tra);
            }
        }
        self.flush(now, out);
    }

    // ----- basic error correction -----

    #[allow(clippy::too_many_arguments)]
    fn on_fisu_msu(
        &mut self,
        now: Instant,
        bsn: u16,
        bib: bool,
        fsn: u16,
        fib: bool,
        msu: Option<Vec<u8>>,
        out: &mut Vec<LinkOutput>,
    ) {
        match self.state {
            LinkState::AlignedReady => self.come_in_service(now, out),
            LinkState::ProcessorOutage if self.remote_po && !self.local_po => {
                self.remote_po = false;
                self.state = LinkState::InService;
                out.push(LinkOutput::Up);
            }
            LinkState::InService => {}
            _ => return,
        }
        if self.state != LinkState::InService {
            return;
        }
        if !self.on_bsn(now, bsn, bib, out) || self.state != LinkState::InService {
            return;
        }
        let Some(payload) = msu else { return };
        if fib != self.bib {
            // Waiting for the peer to start retransmitting (after our NACK).
            return;
        }
        let expected = (self.fsn_accepted + 1) % SN_MOD;
        if fsn == self.fsn_accepted {
            return; // duplicate
        }
        if fsn != expected {
            self.counters.out_of_sequence += 1;
            if !self.nack_outstanding {
                self.nack_outstanding = true;
                self.bib = !self.bib;
                self.counters.nacks_sent += 1;
                self.send_fisu(now, out);
            }
            return;
        }
        self.nack_outstanding = false;
        self.fsn_accepted = fsn;
        self.counters.rx_msus += 1;
        if !self.level3_test(now, &payload, out) {
            out.push(LinkOutput::Deliver(payload));
        }
        if self.pending.is_empty() {
            self.send_fisu(now, out); // prompt acknowledgement
        } else {
            self.flush(now, out);
        }
    }

    /// Processes BSN/BIB; false when the unit must be discarded (abnormal BSN).
    fn on_bsn(&mut self, now: Instant, bsn: u16, bib: bool, out: &mut Vec<LinkOutput>) -> bool {
        // Positive acknowledgement of everything up to and including bsn.
        let known = bsn == self.rtb.front().map_or(self.fsn_last, |(f, _)| (f + SN_MOD - 1) % SN_MOD)
            || self.rtb.iter().any(|(f, _)| *f == bsn);
        if !known {
            // Q.703 §5.3.1: the unit is discarded; two in a row fail the link.
            self.counters.abnormal_bsn += 1;
            self.abnormal_run = self.abnormal_run.saturating_add(1);
            if self.abnormal_run >= 2 {
                self.fail(now, "two consecutive abnormal BSNs", out);
            }
            return false;
        }
        self.abnormal_run = 0;
        let mut freed = false;
        while let Some(pos) = self.rtb.iter().position(|(f, _)| *f == bsn) {
            self.rtb.drain(..=pos);
            freed = true;
        }
        if freed {
            self.t7 = (!self.rtb.is_empty()).then(|| now.after(self.cfg.t7));
        }
        if bib != self.fib {
            // Negative acknowledgement: retransmit everything not yet acknowledged.
            self.fib = bib;
            let again: Vec<(u16, Vec<u8>)> = self.rtb.iter().cloned().collect();
            for (fsn, payload) in again {
                self.counters.retransmitted += 1;
                self.transmit_msu(now, fsn, payload, out);
            }
        }
        self.flush(now, out);
        true
    }

    fn flush(&mut self, now: Instant, out: &mut Vec<LinkOutput>) {
        while self.state == LinkState::InService && self.rtb.len() < RTB_MAX {
            let Some(payload) = self.pending.pop_front() else { break };
            self.fsn_last = (self.fsn_last + 1) % SN_MOD;
            self.rtb.push_back((self.fsn_last, payload.clone()));
            if self.t7.is_none() {
                self.t7 = Some(now.after(self.cfg.t7));
            }
            self.counters.tx_msus += 1;
            self.transmit_msu(now, self.fsn_last, payload, out);
        }
    }

    // ----- level-3 link test -----

    fn build(&self, si_: u8, sls: u8, sif: &[u8]) -> Option<Vec<u8>> {
        let t = self.cfg.link_test.as_ref()?;
        let mut buf = vec![0u8; ainsim_wire::mtp3::header_len(t.variant) + sif.len()];
        let mut p = Mtp3Packet::new_checked(&mut buf[..], t.variant).ok()?;
        p.set_si(si_);
        p.set_ni(t.ni);
        p.set_dpc(t.dpc);
        p.set_opc(t.opc);
        p.set_sls(sls);
        p.sif_mut().copy_from_slice(sif);
        Some(buf)
    }

    fn build_snm(&self, m: Snm) -> Option<Vec<u8>> {
        let t = self.cfg.link_test.as_ref()?;
        let sif = SnmRepr { variant: t.variant, message: m }.to_bytes().ok()?;
        self.build(si::SNM, 0, &sif)
    }

    fn slt_si(&self) -> u8 {
        match self.cfg.link_test.as_ref().map(|t| t.variant) {
            Some(Variant::Ansi) => 2,
            _ => 1,
        }
    }

    fn send_sltm(&mut self, now: Instant, out: &mut Vec<LinkOutput>) {
        let Some(t) = self.cfg.link_test.clone() else { return };
        if self.state != LinkState::InService || self.tested {
            return;
        }
        let Ok(sif) = (Slt::Sltm { slc: t.slc & 15, pattern: b"ainsim".to_vec() }).to_bytes() else { return };
        if let Some(m) = self.build(self.slt_si(), t.slc & 15, &sif) {
            self.pending.push_back(m);
            self.flush(now, out);
        }
        self.sltm_at = Some(now.after(t.t1));
    }

    /// Handles SLTM/SLTA (and swallows SNM from the adjacent point, which
    /// only this link cares about); true when the MSU was consumed.
    fn level3_test(&mut self, now: Instant, msu: &[u8], out: &mut Vec<LinkOutput>) -> bool {
        let Some(t) = self.cfg.link_test.clone() else { return false };
        let Ok(p) = Mtp3Packet::new_checked(msu, t.variant) else { return false };
        if p.dpc() != t.opc {
            return false;
        }
        match p.si() {
            1 | 2 => {
                let (sls, si_) = (p.sls(), p.si());
                match Slt::parse(p.sif()) {
                    Ok(Slt::Sltm { slc, pattern }) => {
                        self.counters.sltm_answered += 1;
                        let Ok(sif) = (Slt::Slta { slc, pattern }).to_bytes() else { return true };
                        if let Some(m) = self.build(si_, sls, &sif) {
                            self.pending.push_back(m);
                            self.flush(now, out);
                        }
                    }
                    Ok(Slt::Slta { .. }) => {
                        self.counters.slta_received += 1;
                        if !self.tested {
                            self.tested = true;
                            self.sltm_at = None;
                            out.push(LinkOutput::Tested);
                        }
                    }
                    _ => {}
                }
                true
            }
            0 => true,
            _ => false,
        }
    }

    // ----- transmission -----

    fn send_fill(&mut self, now: Instant, out: &mut Vec<LinkOutput>) {
        match self.state {
            LinkState::OutOfService => self.send_lssu(now, LinkStatus::Sios, out),
            LinkState::NotAligned => self.send_lssu(now, LinkStatus::Sio, out),
            LinkState::Aligned | LinkState::Proving => self.send_lssu(now, self.proving_status(), out),
            LinkState::ProcessorOutage if self.local_po => self.send_lssu(now, LinkStatus::Sipo, out),
            _ => self.send_fisu(now, out),
        }
    }

    fn send_lssu(&mut self, now: Instant, status: LinkStatus, out: &mut Vec<LinkOutput>) {
        self.emit(now, self.fsn_last, SignalUnit::Lssu { status, extra: None }, out);
    }

    fn send_fisu(&mut self, now: Instant, out: &mut Vec<LinkOutput>) {
        self.emit(now, self.fsn_last, SignalUnit::Fisu, out);
    }

    fn transmit_msu(&mut self, now: Instant, fsn: u16, payload: Vec<u8>, out: &mut Vec<LinkOutput>) {
        self.emit(now, fsn, SignalUnit::Msu { payload }, out);
    }

    fn emit(&mut self, now: Instant, fsn: u16, unit: SignalUnit, out: &mut Vec<LinkOutput>) {
        let r = Mtp2Repr {
            extended: false,
            bsn: self.fsn_accepted,
            bib: self.bib,
            fsn,
            fib: self.fib,
            spare: 0,
            reserved: 0,
            unit,
        };
        if let Ok(bytes) = r.to_bytes() {
            self.counters.tx_units += 1;
            out.push(LinkOutput::Transmit(bytes));
        }
        let stop = self.state == LinkState::OutOfService && !self.started;
        self.fill_at = (!stop).then(|| now.after(self.cfg.fill_interval));
    }
}

#[cfg(test)]
mod tests;
