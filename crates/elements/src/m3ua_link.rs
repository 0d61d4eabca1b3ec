//! A sans-IO M3UA association (RFC 4666) between an element's MTP3
//! signalling-link port and a peer over a byte stream (TCP) or any
//! message transport.
//!
//! What it is: the ASP state machine of one association, in one of two
//! roles of the single-exchange procedures of RFC 4666 §4.3: the
//! [`M3uaRole::Asp`] side sends ASPUP and ASPAC and retransmits them every
//! T(ack) until acknowledged; the [`M3uaRole::Sgp`] side (an SGP, or the
//! answering IPSP of a single exchange) answers them, keeps the peer ASP's
//! state and the AS state (with the T(r) recovery timer), and sends NTFY on
//! AS state changes. Both roles answer BEAT with BEAT ACK, send BEAT every
//! `beat_interval` and reset the association after `beat_misses`
//! unanswered ones, and answer bad messages with ERR (invalid version,
//! unsupported class or type, parameter field error, unexpected message,
//! invalid routing context or network appearance, missing Protocol Data,
//! unsupported traffic mode).
//!
//! The element side is MTP3: [`M3uaLink::send_msu`] takes an MSU (SIO +
//! routing label + SIF) and sends it as DATA (OPC, DPC, SI, NI, MP = the SIO
//! priority bits, SLS, user data = SIF); a received DATA becomes an MSU of
//! the configured variant ([`M3uaOutput::Deliver`]). DATA flows only while
//! the ASP is ACTIVE. **Before that, MSUs from the element are queued**
//! (bounded by `queue_limit`; beyond it the oldest is dropped and counted)
//! and sent in order when the ASP becomes ACTIVE; DATA received while not
//! ACTIVE is dropped, counted and answered with ERR (Unexpected Message).
//! [`M3uaOutput::Up`] / [`M3uaOutput::Down`] say when traffic can flow.
//!
//! MTP3 management does not cross M3UA: from the element, an SLTM is
//! answered locally with SLTA; TFP, TFA, TFR, TFC and UPU become DUNA, DAVA,
//! DRST, SCON and DUPU on the SGP side (and are dropped on the ASP side);
//! other SI 0–2 MSUs are dropped and counted. On the ASP side, DUNA, DAVA,
//! DRST, SCON and DUPU become TFP, TFA, TFR, TFC and UPU from
//! `adjacent_pc` to `local_pc` for the element (when both are configured).
//! The SGP answers DAUD with DAVA or DUNA per affected point code.
//!
//! What it is not: no routing key registration (RKM is answered with ERR
//! Unsupported Message Class), one AS per association (one routing
//! context), no double-exchange IPSP, no ASP-side AS state beyond what NTFY
//! says, no SCTP (streams are the runtime's business).
//!
//! Contract: time comes from the caller (`now`); timers are deadlines
//! ([`M3uaLink::poll_at`], [`M3uaLink::on_timer`]). No input panics; ERR is
//! never answered with ERR.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::time::Duration;

use ainsim_wire::m3ua::{self, ErrorCode, M3uaFramer, MaskedPointCode, ProtocolData, TrafficMode};
use ainsim_wire::mtp3::si;
use ainsim_wire::{
    M3uaMessageType as T, M3uaParameter as P, M3uaRepr, Mtp3Packet, PointCode, Slt, Snm, SnmRepr, Variant,
};

use crate::core::Instant;

/// Which side of the single exchange (RFC 4666 §4.3) this end plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum M3uaRole {
    /// Application server process: sends ASPUP/ASPAC (an IPSP that starts
    /// a single exchange behaves the same).
    Asp,
    /// Signalling gateway process: answers ASPUP/ASPAC, sends NTFY and
    /// answers DAUD (an IPSP that answers a single exchange behaves the same).
    Sgp,
}

/// Association configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M3uaConfig {
    pub role: M3uaRole,
    /// The MTP3 format of the element's MSUs.
    pub variant: Variant,
    /// The routing context of the AS. Sent in ASPAC and DATA (ASP) or
    /// required to match in ASPAC and DATA when present (SGP); `None`:
    /// none sent, any accepted.
    pub routing_context: Option<u32>,
    /// Network appearance sent in DATA and SSNM; a received one must match.
    pub network_appearance: Option<u32>,
    /// Traffic mode sent in ASPAC (ASP) or required of it (SGP, which
    /// accepts override and loadshare and refuses broadcast).
    pub traffic_mode: TrafficMode,
    /// ASP Identifier sent in ASPUP (ASP).
    pub asp_identifier: Option<u32>,
    /// T(ack): ASPUP/ASPAC/ASPIA/ASPDN retransmission (RFC 4666: 2 s).
    pub t_ack: Duration,
    /// T(r): the SGP's AS-PENDING recovery timer (RFC 4666: 2 s).
    pub t_r: Duration,
    /// BEAT interval; `None` sends no BEAT (received ones are still answered).
    pub beat_interval: Option<Duration>,
    /// Unanswered BEATs in a row that reset the association.
    pub beat_misses: u8,
    /// MSUs held while not ACTIVE; beyond it the oldest is dropped.
    pub queue_limit: usize,
    /// The element's own point code (DPC of SNM built from SSNM).
    pub local_pc: Option<PointCode>,
    /// The point code the element sees across this link (OPC of SNM built
    /// from SSNM; the element's link set toward it).
    pub adjacent_pc: Option<PointCode>,
    /// SGP: destinations reachable through it, besides `local_pc`, for DAUD
    /// answers (an empty list and no `local_pc`: every destination is available).
    pub reachable: Vec<PointCode>,
    /// Network indicator of the SNM messages made for the element (2 = national).
    pub ni: u8,
}

impl M3uaConfig {
    /// A configuration with RFC 4666 timer values, override mode, no RC or NA,
    /// BEAT every 10 s (3 misses reset), a queue of 1024 MSUs.
    pub fn new(role: M3uaRole, variant: Variant) -> Self {
        M3uaConfig {
            role,
            variant,
            routing_context: None,
            network_appearance: None,
            traffic_mode: TrafficMode::Override,
            asp_identifier: None,
            t_ack: Duration::from_secs(2),
            t_r: Duration::from_secs(2),
            beat_interval: Some(Duration::from_secs(10)),
            beat_misses: 3,
            queue_limit: 1024,
            local_pc: None,
            adjacent_pc: None,
            reachable: Vec::new(),
            ni: 2,
        }
    }
}

/// The ASP state (RFC 4666 §4.3.1): ours (ASP role) or the peer's as the
/// SGP keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AspState {
    Down,
    Inactive,
    Active,
}

/// The AS state (RFC 4666 §4.3.2): kept by the SGP; the ASP learns it from NTFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsState {
    Down,
    Inactive,
    Active,
    Pending,
}

impl AsState {
    fn status_info(self) -> u16 {
        match self {
            AsState::Inactive | AsState::Down => 2,
            AsState::Active => 3,
            AsState::Pending => 4,
        }
    }
}

/// What the association asks its user to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum M3uaOutput {
    /// Send this M3UA message to the peer.
    Transmit(Vec<u8>),
    /// An MSU (SIO + label + SIF) for the element's MTP3.
    Deliver(Vec<u8>),
    /// The ASP is ACTIVE: traffic flows.
    Up,
    /// The ASP left ACTIVE (with the reason).
    Down(&'static str),
    /// Close the transport (lost framing, lost heartbeat); a client reconnects.
    Reset(&'static str),
    /// A state change or a received NTFY/ERR, in words.
    Note(String),
    /// A message refused (malformed, unexpected, not routable), with its hex.
    Dropped { reason: String, hex: String },
}

/// Counters, for traces and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct M3uaCounters {
    pub rx_messages: u64,
    pub tx_messages: u64,
    pub rx_data: u64,
    pub tx_data: u64,
    /// MSUs held because the ASP was not ACTIVE.
    pub queued: u64,
    /// Held MSUs dropped because the queue was full.
    pub queue_overflow: u64,
    /// DATA refused (not ACTIVE, bad RC/NA, bad Protocol Data).
    pub rx_data_refused: u64,
    /// Messages that did not decode (ERR sent).
    pub malformed: u64,
    pub err_sent: u64,
    pub err_received: u64,
    pub ntfy_received: u64,
    pub retransmits: u64,
    pub beats_sent: u64,
    pub beats_answered: u64,
    pub beats_missed: u64,
    /// SI 0–2 MSUs from the element that do not cross M3UA.
    pub mgmt_dropped: u64,
    pub ssnm_sent: u64,
    pub ssnm_received: u64,
    pub resets: u64,
}

/// What an ASP is waiting to have acknowledged (ASP role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    Up,
    Ac,
    Ia,
    Dn,
}

/// Octets of an offending message copied into ERR's Diagnostic Information.
const DIAG_MAX: usize = 40;

/// One end of an M3UA association.
#[derive(Debug, Clone)]
pub struct M3uaLink {
    cfg: M3uaConfig,
    connected: bool,
    /// ASP role: our state; SGP role: the peer ASP's state.
    asp: AspState,
    /// SGP: the AS state; ASP: the last AS state NTFY told us.
    as_state: AsState,
    awaiting: Option<Awaiting>,
    /// The ASP should be ACTIVE (false after `deactivate`/`shutdown`).
    want_active: bool,
    want_up: bool,
    peer_asp_id: Option<u32>,
    framer: M3uaFramer,
    queue: VecDeque<Vec<u8>>,
    /// SGP: destination states learnt from the element's TFP/TFA.
    dest_state: BTreeMap<PointCode, bool>,
    t_ack: Option<Instant>,
    t_r: Option<Instant>,
    beat_at: Option<Instant>,
    beat_seq: u32,
    beat_outstanding: Option<Vec<u8>>,
    beat_missed: u8,
    counters: M3uaCounters,
}

impl M3uaLink {
    /// An association end with no transport yet.
    pub fn new(cfg: M3uaConfig) -> Self {
        M3uaLink {
            cfg,
            connected: false,
            asp: AspState::Down,
            as_state: AsState::Down,
            awaiting: None,
            want_active: true,
            want_up: true,
            peer_asp_id: None,
            framer: M3uaFramer::new(),
            queue: VecDeque::new(),
            dest_state: BTreeMap::new(),
            t_ack: None,
            t_r: None,
            beat_at: None,
            beat_seq: 0,
            beat_outstanding: None,
            beat_missed: 0,
            counters: M3uaCounters::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &M3uaConfig {
        &self.cfg
    }

    /// ASP role: our ASP state; SGP role: the peer ASP's state.
    pub fn asp_state(&self) -> AspState {
        self.asp
    }

    /// SGP role: the AS state; ASP role: the last AS state a NTFY reported.
    pub fn as_state(&self) -> AsState {
        self.as_state
    }

    /// Whether DATA flows (the ASP is ACTIVE).
    pub fn is_active(&self) -> bool {
        self.asp == AspState::Active
    }

    /// MSUs waiting for the ASP to become ACTIVE.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Counters so far.
    pub fn counters(&self) -> &M3uaCounters {
        &self.counters
    }

    /// The earliest deadline: call [`M3uaLink::on_timer`] then.
    pub fn poll_at(&self) -> Option<Instant> {
        [self.t_ack, self.t_r, self.beat_at].into_iter().flatten().min()
    }

    // ----- transport -----

    /// The transport is up: the ASP sends ASPUP; both start the heartbeat.
    pub fn connected(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        self.disconnected(now, "transport replaced", out);
        self.connected = true;
        self.framer.reset();
        self.beat_outstanding = None;
        self.beat_missed = 0;
        self.beat_at = self.cfg.beat_interval.map(|d| now.after(d));
        out.push(M3uaOutput::Note("transport up".into()));
        if self.cfg.role == M3uaRole::Asp && self.want_up {
            self.send_asp(now, Awaiting::Up, out);
        }
    }

    /// The transport is gone: every state falls to DOWN; held MSUs stay queued.
    pub fn disconnected(&mut self, now: Instant, why: &'static str, out: &mut Vec<M3uaOutput>) {
        let _ = now;
        if !self.connected {
            return;
        }
        self.connected = false;
        self.t_ack = None;
        self.t_r = None;
        self.beat_at = None;
        self.awaiting = None;
        self.beat_outstanding = None;
        self.set_asp(AspState::Down, why, out);
        if self.cfg.role == M3uaRole::Sgp {
            self.as_state = AsState::Down;
        }
        out.push(M3uaOutput::Note(format!("transport down: {why}")));
    }

    /// Bytes read from the stream: every whole message in them is handled.
    /// A stream that loses its framing is answered with ERR (Protocol
    /// Error) and reset.
    pub fn receive(&mut self, now: Instant, bytes: &[u8], out: &mut Vec<M3uaOutput>) {
        if let Err(e) = self.framer.push(bytes) {
            self.stream_lost(now, &e.to_string(), bytes, out);
            return;
        }
        loop {
            match self.framer.pop() {
                Ok(Some(m)) => self.receive_message(now, &m, out),
                Ok(None) => return,
                Err(e) => {
                    self.stream_lost(now, &e.to_string(), bytes, out);
                    return;
                }
            }
            if !self.connected {
                return;
            }
        }
    }

    fn stream_lost(&mut self, now: Instant, why: &str, bytes: &[u8], out: &mut Vec<M3uaOutput>) {
        self.counters.malformed += 1;
        out.push(M3uaOutput::Dropped { reason: format!("m3ua stream framing lost: {why}"), hex: hex(bytes) });
        self.send_err(ErrorCode::ProtocolError, vec![], out);
        self.reset(now, "M3UA framing lost", out);
    }

    fn reset(&mut self, now: Instant, why: &'static str, out: &mut Vec<M3uaOutput>) {
        self.counters.resets += 1;
        out.push(M3uaOutput::Reset(why));
        self.disconnected(now, why, out);
    }

    // ----- management by the user -----

    /// ASP role: leave ACTIVE (ASPIA) and stay INACTIVE until [`M3uaLink::activate`].
    pub fn deactivate(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        self.want_active = false;
        if self.cfg.role == M3uaRole::Asp && self.connected && self.asp == AspState::Active {
            self.send_asp(now, Awaiting::Ia, out);
        }
    }

    /// ASP role: become ACTIVE again (ASPAC once INACTIVE).
    pub fn activate(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        self.want_active = true;
        self.want_up = true;
        if self.cfg.role == M3uaRole::Asp && self.connected {
            match self.asp {
                AspState::Inactive => self.send_asp(now, Awaiting::Ac, out),
                AspState::Down if self.awaiting.is_none() => self.send_asp(now, Awaiting::Up, out),
                _ => {}
            }
        }
    }

    /// ASP role: go DOWN (ASPDN) and stay there until [`M3uaLink::activate`].
    pub fn shutdown(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        self.want_active = false;
        self.want_up = false;
        if self.cfg.role == M3uaRole::Asp && self.connected && self.asp != AspState::Down {
            self.send_asp(now, Awaiting::Dn, out);
        }
    }

    // ----- timers -----

    /// Run every deadline due at `now`.
    pub fn on_timer(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        if self.t_ack.is_some_and(|t| t <= now) {
            self.t_ack = None;
            if let (Some(a), true) = (self.awaiting, self.connected) {
                self.counters.retransmits += 1;
                self.send_asp(now, a, out);
            }
        }
        if self.t_r.is_some_and(|t| t <= now) {
            self.t_r = None;
            if self.as_state == AsState::Pending {
                // RFC 4666 §4.3.4.3: no ASP came back within T(r).
                self.set_as(if self.asp == AspState::Down { AsState::Down } else { AsState::Inactive }, out);
            }
        }
        if self.beat_at.is_some_and(|t| t <= now) {
            self.beat_at = None;
            if self.connected {
                self.beat(now, out);
            }
        }
    }

    fn beat(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        if self.beat_outstanding.is_some() {
            self.counters.beats_missed += 1;
            self.beat_missed = self.beat_missed.saturating_add(1);
            if self.beat_missed >= self.cfg.beat_misses.max(1) {
                self.reset(now, "heartbeat lost (no BEAT ACK)", out);
                return;
            }
        }
        self.beat_seq = self.beat_seq.wrapping_add(1);
        let mut data = b"ainsim-beat-".to_vec();
        data.extend_from_slice(&self.beat_seq.to_be_bytes());
        self.transmit(&M3uaRepr::new(T::Beat, vec![P::HeartbeatData(data.clone())]), out);
        self.counters.beats_sent += 1;
        self.beat_outstanding = Some(data);
        self.beat_at = self.cfg.beat_interval.map(|d| now.after(d));
    }

    // ----- element side -----

    /// An MSU (SIO + label + SIF) from the element: sent as DATA when ACTIVE,
    /// else queued. MTP3 management is handled as the module says.
    pub fn send_msu(&mut self, now: Instant, msu: &[u8], out: &mut Vec<M3uaOutput>) {
        let _ = now;
        let Ok(p) = Mtp3Packet::new_checked(msu, self.cfg.variant) else {
            out.push(M3uaOutput::Dropped { reason: "MSU from the element too short".into(), hex: hex(msu) });
            return;
        };
        if p.si() <= si::MTNS {
            self.element_management(&p, out);
            return;
        }
        if self.asp == AspState::Active {
            self.send_data(msu, out);
        } else {
            self.counters.queued += 1;
            if self.queue.len() >= self.cfg.queue_limit {
                self.queue.pop_front();
                self.counters.queue_overflow += 1;
            }
            if self.cfg.queue_limit > 0 {
                self.queue.push_back(msu.to_vec());
            }
        }
    }

    fn send_data(&mut self, msu: &[u8], out: &mut Vec<M3uaOutput>) {
        let Ok(p) = Mtp3Packet::new_checked(msu, self.cfg.variant) else { return };
        let pd = ProtocolData {
            opc: p.opc(),
            dpc: p.dpc(),
            si: p.si(),
            ni: p.ni(),
            mp: p.priority(),
            sls: p.sls(),
            user_data: p.sif().into(),
        };
        let mut params = Vec::with_capacity(3);
        if let Some(na) = self.cfg.network_appearance {
            params.push(P::NetworkAppearance(na));
        }
        if let Some(rc) = self.cfg.routing_context {
            params.push(P::routing_context(rc));
        }
        params.push(P::ProtocolData(pd));
        self.counters.tx_data += 1;
        self.transmit(&M3uaRepr::new(T::Data, params), out);
    }

    fn flush_queue(&mut self, out: &mut Vec<M3uaOutput>) {
        while self.asp == AspState::Active {
            let Some(m) = self.queue.pop_front() else { break };
            self.send_data(&m, out);
        }
    }

    fn element_management(&mut self, p: &Mtp3Packet<&[u8]>, out: &mut Vec<M3uaOutput>) {
        if p.si() != si::SNM {
            // Q.707: answer the element's link test here; the link is M3UA.
            if let Ok(Slt::Sltm { slc, pattern }) = Slt::parse(p.sif()) {
                if let Ok(sif) = (Slt::Slta { slc, pattern }).to_bytes() {
                    if let Some(m) = self.build_msu((p.si(), p.ni()), p.dpc(), p.opc(), p.sls(), &sif) {
                        out.push(M3uaOutput::Deliver(m));
                        return;
                    }
                }
            }
            self.counters.mgmt_dropped += 1;
            return;
        }
        let snm = SnmRepr::parse(p.sif(), self.cfg.variant).ok().map(|r| r.message);
        if self.cfg.role != M3uaRole::Sgp || self.asp == AspState::Down {
            self.counters.mgmt_dropped += 1;
            return;
        }
        let apc = |pc| P::AffectedPointCode(vec![MaskedPointCode { mask: 0, pc }]);
        let (message, extra) = match snm {
            Some(Snm::Tfp { dest }) => {
                self.dest_state.insert(dest, false);
                (T::Duna, vec![apc(dest)])
            }
            Some(Snm::Tfa { dest }) => {
                self.dest_state.insert(dest, true);
                (T::Dava, vec![apc(dest)])
            }
            Some(Snm::Tfr { dest }) => (T::Drst, vec![apc(dest)]),
            Some(Snm::Tfc { dest, status }) => {
                (T::Scon, vec![apc(dest), P::CongestionIndications(status & 3)])
            }
            Some(Snm::Upu { dest, user, cause }) => {
                (T::Dupu, vec![apc(dest), P::UserCause { cause: u16::from(cause), user: u16::from(user) }])
            }
            _ => {
                self.counters.mgmt_dropped += 1;
                return;
            }
        };
        self.counters.ssnm_sent += 1;
        let params = self.ssnm_params(extra);
        self.transmit(&M3uaRepr::new(message, params), out);
    }

    fn ssnm_params(&self, extra: Vec<P>) -> Vec<P> {
        let mut params = Vec::with_capacity(extra.len() + 2);
        if let Some(na) = self.cfg.network_appearance {
            params.push(P::NetworkAppearance(na));
        }
        if let Some(rc) = self.cfg.routing_context {
            params.push(P::routing_context(rc));
        }
        params.extend(extra);
        params
    }

    fn build_msu(
        &self,
        sio: (u8, u8),
        opc: PointCode,
        dpc: PointCode,
        sls: u8,
        sif: &[u8],
    ) -> Option<Vec<u8>> {
        let (si_, ni) = sio;
        let hdr = ainsim_wire::mtp3::header_len(self.cfg.variant);
        let mut buf = vec![0u8; hdr + sif.len()];
        let mut p = Mtp3Packet::new_checked(&mut buf[..], self.cfg.variant).ok()?;
        p.set_si(si_);
        p.set_ni(ni);
        p.set_opc(opc);
        p.set_dpc(dpc);
        p.set_sls(sls);
        p.sif_mut().copy_from_slice(sif);
        Some(buf)
    }

    // ----- peer side -----

    /// One whole M3UA message from the peer (a transport that keeps message
    /// boundaries calls this; [`M3uaLink::receive`] does for a stream).
    pub fn receive_message(&mut self, now: Instant, m: &[u8], out: &mut Vec<M3uaOutput>) {
        self.counters.rx_messages += 1;
        let Some(&[version, _, class, msg_type]) = m.get(..4).and_then(|h| <&[u8; 4]>::try_from(h).ok())
        else {
            self.refuse(m, "message shorter than the common header", ErrorCode::ProtocolError, vec![], out);
            return;
        };
        if version != m3ua::M3UA_VERSION {
            self.refuse(m, "unsupported M3UA version", ErrorCode::InvalidVersion, vec![], out);
            return;
        }
        if !matches!(class, 0..=4) {
            // RKM (9) included: no routing key management here.
            self.refuse(m, "unsupported message class", ErrorCode::UnsupportedMessageClass, vec![], out);
            return;
        }
        if let T::Unknown { .. } = T::from_class_type(class, msg_type) {
            self.refuse(m, "unsupported message type", ErrorCode::UnsupportedMessageType, vec![], out);
            return;
        }
        let repr = match M3uaRepr::parse(m) {
            Ok(r) => r,
            Err(e) => {
                self.refuse(m, &e.to_string(), ErrorCode::ParameterFieldError, vec![], out);
                return;
            }
        };
        match (self.cfg.role, repr.message) {
            (_, T::Err) => self.on_err(&repr, out),
            (_, T::Beat) => {
                let data = repr.params.iter().find_map(|p| match p {
                    P::HeartbeatData(d) => Some(d.clone()),
                    _ => None,
                });
                // RFC 4666 §3.5.6: the Heartbeat Data is echoed unchanged.
                let params = data.map(P::HeartbeatData).into_iter().collect();
                self.transmit(&M3uaRepr::new(T::BeatAck, params), out);
            }
            (_, T::BeatAck) => {
                let data = repr.params.iter().find_map(|p| match p {
                    P::HeartbeatData(d) => Some(d),
                    _ => None,
                });
                if data.is_some() && data == self.beat_outstanding.as_ref() {
                    self.beat_outstanding = None;
                    self.beat_missed = 0;
                    self.counters.beats_answered += 1;
                }
            }
            (_, T::Data) => self.on_data(&repr, m, out),
            (M3uaRole::Asp, T::AspUpAck) => self.asp_on_up_ack(now, out),
            (M3uaRole::Asp, T::AspAcAck) => self.asp_on_ac_ack(now, &repr, m, out),
            (M3uaRole::Asp, T::AspIaAck) => self.asp_on_ia_ack(now, out),
            (M3uaRole::Asp, T::AspDnAck) => self.asp_on_dn_ack(now, out),
            (M3uaRole::Asp, T::Ntfy) => self.asp_on_ntfy(now, &repr, out),
            (M3uaRole::Asp, T::Duna | T::Dava | T::Drst | T::Scon | T::Dupu) => self.asp_on_ssnm(&repr, out),
            (M3uaRole::Sgp, T::AspUp) => self.sgp_on_up(now, &repr, m, out),
            (M3uaRole::Sgp, T::AspAc) => self.sgp_on_ac(now, &repr, m, out),
            (M3uaRole::Sgp, T::AspIa) => self.sgp_on_ia(now, &repr, out),
            (M3uaRole::Sgp, T::AspDn) => self.sgp_on_dn(now, out),
            (M3uaRole::Sgp, T::Daud) => self.sgp_on_daud(&repr, m, out),
            (_, other) => {
                let why = format!("{} not expected by an {:?}", other.name(), self.cfg.role);
                self.refuse(m, &why, ErrorCode::UnexpectedMessage, vec![], out);
            }
        }
    }

    fn on_err(&mut self, repr: &M3uaRepr, out: &mut Vec<M3uaOutput>) {
        self.counters.err_received += 1;
        let code = repr.params.iter().find_map(|p| match p {
            P::ErrorCode(c) => Some(*c),
            _ => None,
        });
        out.push(M3uaOutput::Note(format!("ERR received: {code:?}")));
    }

    fn on_data(&mut self, repr: &M3uaRepr, m: &[u8], out: &mut Vec<M3uaOutput>) {
        if self.asp != AspState::Active {
            self.counters.rx_data_refused += 1;
            self.refuse(m, "DATA while the ASP is not ACTIVE", ErrorCode::UnexpectedMessage, vec![], out);
            return;
        }
        if !self.rc_ok(repr) {
            self.counters.rx_data_refused += 1;
            let rc = repr.routing_context().unwrap_or_default().to_vec();
            self.refuse(
                m,
                "DATA with an unknown routing context",
                ErrorCode::InvalidRoutingContext,
                vec![P::RoutingContext(rc.into())],
                out,
            );
            return;
        }
        let na = repr.params.iter().find_map(|p| match p {
            P::NetworkAppearance(n) => Some(*n),
            _ => None,
        });
        if let (Some(want), Some(got)) = (self.cfg.network_appearance, na) {
            if want != got {
                self.counters.rx_data_refused += 1;
                self.refuse(
                    m,
                    "DATA with an unknown network appearance",
                    ErrorCode::InvalidNetworkAppearance,
                    vec![P::NetworkAppearance(got)],
                    out,
                );
                return;
            }
        }
        let Some(pd) = repr.protocol_data() else {
            self.counters.rx_data_refused += 1;
            self.refuse(m, "DATA without Protocol Data", ErrorCode::MissingParameter, vec![], out);
            return;
        };
        let max_pc = match self.cfg.variant {
            Variant::Itu => 0x3fff,
            Variant::Ansi => 0x00ff_ffff,
        };
        let sls_ok = match self.cfg.variant {
            Variant::Itu => pd.sls <= 0x0f,
            Variant::Ansi => true,
        };
        if pd.opc.0 > max_pc || pd.dpc.0 > max_pc || pd.si > 15 || pd.ni > 3 || pd.mp > 3 || !sls_ok {
            self.counters.rx_data_refused += 1;
            self.refuse(
                m,
                "Protocol Data does not fit the MTP3 variant",
                ErrorCode::InvalidParameterValue,
                vec![],
                out,
            );
            return;
        }
        if pd.si <= si::MTNS {
            // MTP3 management does not cross M3UA (RFC 4666 §1.4.3).
            self.counters.rx_data_refused += 1;
            out.push(M3uaOutput::Dropped {
                reason: "m3ua: DATA carrying MTP3 management".into(),
                hex: hex(m),
            });
            return;
        }
        let hdr = ainsim_wire::mtp3::header_len(self.cfg.variant);
        let mut buf = vec![0u8; hdr + pd.user_data.len()];
        let Ok(mut p) = Mtp3Packet::new_checked(&mut buf[..], self.cfg.variant) else { return };
        p.set_si(pd.si);
        p.set_ni(pd.ni);
        p.set_priority(pd.mp);
        p.set_opc(pd.opc);
        p.set_dpc(pd.dpc);
        p.set_sls(pd.sls);
        p.sif_mut().copy_from_slice(&pd.user_data);
        self.counters.rx_data += 1;
        out.push(M3uaOutput::Deliver(buf));
    }

    /// Whether the message's routing context (if any) is ours.
    fn rc_ok(&self, repr: &M3uaRepr) -> bool {
        match (self.cfg.routing_context, repr.routing_context()) {
            (Some(want), Some(got)) => got.iter().all(|&rc| rc == want),
            _ => true,
        }
    }

    // ----- ASP role -----

    fn send_asp(&mut self, now: Instant, what: Awaiting, out: &mut Vec<M3uaOutput>) {
        let rc = || self.cfg.routing_context.map(P::routing_context);
        let repr = match what {
            Awaiting::Up => {
                M3uaRepr::new(T::AspUp, self.cfg.asp_identifier.map(P::AspIdentifier).into_iter().collect())
            }
            Awaiting::Ac => {
                let mut params = vec![P::TrafficModeType(self.cfg.traffic_mode)];
                params.extend(rc());
                M3uaRepr::new(T::AspAc, params)
            }
            Awaiting::Ia => M3uaRepr::new(T::AspIa, rc().into_iter().collect()),
            Awaiting::Dn => M3uaRepr::new(T::AspDn, vec![]),
        };
        self.awaiting = Some(what);
        self.t_ack = Some(now.after(self.cfg.t_ack));
        self.transmit(&repr, out);
    }

    fn acknowledged(&mut self, what: Awaiting) -> bool {
        if self.awaiting == Some(what) {
            self.awaiting = None;
            self.t_ack = None;
            true
        } else {
            false
        }
    }

    fn asp_on_up_ack(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        if !self.acknowledged(Awaiting::Up) && self.asp != AspState::Down {
            return; // a late duplicate
        }
        self.set_asp(AspState::Inactive, "ASPUP ACK", out);
        if self.want_active {
            self.send_asp(now, Awaiting::Ac, out);
        }
    }

    fn asp_on_ac_ack(&mut self, now: Instant, repr: &M3uaRepr, m: &[u8], out: &mut Vec<M3uaOutput>) {
        let _ = now;
        if !self.rc_ok(repr) {
            let rc = repr.routing_context().unwrap_or_default().to_vec();
            self.refuse(
                m,
                "ASPAC ACK for another routing context",
                ErrorCode::InvalidRoutingContext,
                vec![P::RoutingContext(rc.into())],
                out,
            );
            return;
        }
        if !self.acknowledged(Awaiting::Ac) && self.asp != AspState::Inactive {
            return; // a late duplicate
        }
        self.set_asp(AspState::Active, "ASPAC ACK", out);
        self.flush_queue(out);
    }

    fn asp_on_ia_ack(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        let solicited = self.acknowledged(Awaiting::Ia);
        if self.asp == AspState::Active || solicited {
            self.set_asp(AspState::Inactive, "ASPIA ACK", out);
        }
        if !solicited && self.want_active {
            // Taken out of service by the SGP: ask again after T(ack).
            self.awaiting = Some(Awaiting::Ac);
            self.t_ack = Some(now.after(self.cfg.t_ack));
        }
    }

    fn asp_on_dn_ack(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        let solicited = self.acknowledged(Awaiting::Dn);
        self.set_asp(AspState::Down, "ASPDN ACK", out);
        if !solicited && self.want_up {
            // RFC 4666 §4.3.4.2: an unsolicited ASPDN ACK: try to come back.
            self.awaiting = Some(Awaiting::Up);
            self.t_ack = Some(now.after(self.cfg.t_ack));
        }
    }

    fn asp_on_ntfy(&mut self, now: Instant, repr: &M3uaRepr, out: &mut Vec<M3uaOutput>) {
        self.counters.ntfy_received += 1;
        let status = repr.params.iter().find_map(|p| match p {
            P::Status { status_type, status_info } => Some((*status_type, *status_info)),
            _ => None,
        });
        match status {
            Some((1, info)) => {
                self.as_state = match info {
                    3 => AsState::Active,
                    4 => AsState::Pending,
                    _ => AsState::Inactive,
                };
                out.push(M3uaOutput::Note(format!("NTFY: AS {:?}", self.as_state)));
            }
            Some((2, 2)) => {
                // Alternate ASP active: we are no longer carrying traffic.
                out.push(M3uaOutput::Note("NTFY: alternate ASP active".into()));
                if self.asp == AspState::Active {
                    self.set_asp(AspState::Inactive, "alternate ASP active", out);
                    if self.want_active {
                        self.awaiting = Some(Awaiting::Ac);
                        self.t_ack = Some(now.after(self.cfg.t_ack));
                    }
                }
            }
            other => out.push(M3uaOutput::Note(format!("NTFY: status {other:?}"))),
        }
    }

    fn asp_on_ssnm(&mut self, repr: &M3uaRepr, out: &mut Vec<M3uaOutput>) {
        self.counters.ssnm_received += 1;
        let pcs: Vec<MaskedPointCode> = repr
            .params
            .iter()
            .find_map(|p| match p {
                P::AffectedPointCode(v) => Some(v.clone()),
                _ => None,
            })
            .unwrap_or_default();
        out.push(M3uaOutput::Note(format!(
            "{} for {}",
            repr.message.name(),
            pcs.iter().map(|m| format!("{}/{}", m.pc.0, m.mask)).collect::<Vec<_>>().join(",")
        )));
        let (Some(local), Some(adjacent)) = (self.cfg.local_pc, self.cfg.adjacent_pc) else { return };
        for m in pcs.iter().filter(|m| m.mask == 0) {
            let dest = m.pc;
            let snm = match repr.message {
                T::Duna => Snm::Tfp { dest },
                T::Dava => Snm::Tfa { dest },
                T::Drst => Snm::Tfr { dest },
                T::Scon => {
                    let level = repr
                        .params
                        .iter()
                        .find_map(|p| match p {
                            P::CongestionIndications(l) => Some(*l),
                            _ => None,
                        })
                        .unwrap_or(1);
                    Snm::Tfc { dest, status: level }
                }
                _ => {
                    let (cause, user) = repr
                        .params
                        .iter()
                        .find_map(|p| match p {
                            P::UserCause { cause, user } => Some((*cause, *user)),
                            _ => None,
                        })
                        .unwrap_or((0, 0));
                    Snm::Upu {
                        dest,
                        user: u8::try_from(user & 0x0f).unwrap_or(0),
                        cause: u8::try_from(cause & 0x0f).unwrap_or(0),
                    }
                }
            };
            let Ok(sif) = (SnmRepr { variant: self.cfg.variant, message: snm }).to_bytes() else { continue };
            if let Some(msu) = self.build_msu((si::SNM, self.cfg.ni), adjacent, local, 0, &sif) {
                out.push(M3uaOutput::Deliver(msu));
            }
        }
    }

    // ----- SGP role -----

    fn sgp_on_up(&mut self, now: Instant, repr: &M3uaRepr, m: &[u8], out: &mut Vec<M3uaOutput>) {
        let _ = now;
        self.peer_asp_id = repr.params.iter().find_map(|p| match p {
            P::AspIdentifier(id) => Some(*id),
            _ => None,
        });
        let was = self.asp;
        let params = self.peer_asp_id.map(P::AspIdentifier).into_iter().collect();
        self.transmit(&M3uaRepr::new(T::AspUpAck, params), out);
        if was == AspState::Active {
            // RFC 4666 §4.3.4.1: ASPUP from an ACTIVE ASP: ACK, ERR, INACTIVE.
            self.refuse(m, "ASPUP while the ASP is ACTIVE", ErrorCode::UnexpectedMessage, vec![], out);
        }
        self.set_asp(AspState::Inactive, "ASPUP", out);
        if was == AspState::Active {
            self.set_as(AsState::Pending, out);
            self.t_r = Some(now.after(self.cfg.t_r));
        } else if self.as_state != AsState::Pending {
            self.set_as(AsState::Inactive, out);
        }
    }

    fn sgp_on_ac(&mut self, now: Instant, repr: &M3uaRepr, m: &[u8], out: &mut Vec<M3uaOutput>) {
        let _ = now;
        if self.asp == AspState::Down {
            self.refuse(m, "ASPAC while the ASP is DOWN", ErrorCode::UnexpectedMessage, vec![], out);
            return;
        }
        if !self.rc_ok(repr) {
            let rc = repr.routing_context().unwrap_or_default().to_vec();
            self.refuse(
                m,
                "ASPAC for an unknown routing context",
                ErrorCode::InvalidRoutingContext,
                vec![P::RoutingContext(rc.into())],
                out,
            );
            return;
        }
        let mode = repr.params.iter().find_map(|p| match p {
            P::TrafficModeType(t) => Some(*t),
            _ => None,
        });
        if let Some(mode) = mode {
            if !matches!(mode, TrafficMode::Override | TrafficMode::Loadshare)
                || mode != self.cfg.traffic_mode
            {
                self.refuse(
                    m,
                    "ASPAC with a traffic mode not configured for the AS",
                    ErrorCode::UnsupportedTrafficModeType,
                    vec![],
                    out,
                );
                return;
            }
        }
        let mut params = vec![P::TrafficModeType(mode.unwrap_or(self.cfg.traffic_mode))];
        params.extend(self.cfg.routing_context.map(P::routing_context));
        self.transmit(&M3uaRepr::new(T::AspAcAck, params), out);
        self.t_r = None;
        self.set_asp(AspState::Active, "ASPAC", out);
        self.set_as(AsState::Active, out);
        self.flush_queue(out);
    }

    fn sgp_on_ia(&mut self, now: Instant, repr: &M3uaRepr, out: &mut Vec<M3uaOutput>) {
        let mut params = Vec::new();
        params.extend(repr.routing_context().map(|rc| P::RoutingContext(rc.into())));
        self.transmit(&M3uaRepr::new(T::AspIaAck, params), out);
        if self.asp == AspState::Active {
            self.set_asp(AspState::Inactive, "ASPIA", out);
            self.set_as(AsState::Pending, out);
            self.t_r = Some(now.after(self.cfg.t_r));
        }
    }

    fn sgp_on_dn(&mut self, now: Instant, out: &mut Vec<M3uaOutput>) {
        self.transmit(&M3uaRepr::new(T::AspDnAck, vec![]), out);
        let was = self.asp;
        self.set_asp(AspState::Down, "ASPDN", out);
        if was == AspState::Active {
            self.as_state = AsState::Pending;
            out.push(M3uaOutput::Note("AS Pending".into()));
            self.t_r = Some(now.after(self.cfg.t_r));
        } else if self.as_state != AsState::Pending {
            self.as_state = AsState::Down;
        }
    }

    fn sgp_on_daud(&mut self, repr: &M3uaRepr, m: &[u8], out: &mut Vec<M3uaOutput>) {
        if self.asp == AspState::Down {
            self.refuse(m, "DAUD while the ASP is DOWN", ErrorCode::UnexpectedMessage, vec![], out);
            return;
        }
        let pcs: Vec<MaskedPointCode> = repr
            .params
            .iter()
            .find_map(|p| match p {
                P::AffectedPointCode(v) => Some(v.clone()),
                _ => None,
            })
            .unwrap_or_default();
        if pcs.is_empty() {
            self.refuse(m, "DAUD without Affected Point Code", ErrorCode::MissingParameter, vec![], out);
            return;
        }
        let (mut up, mut down) = (Vec::new(), Vec::new());
        for mpc in pcs {
            if self.available(mpc) {
                up.push(mpc);
            } else {
                down.push(mpc);
            }
        }
        for (message, list) in [(T::Dava, up), (T::Duna, down)] {
            if !list.is_empty() {
                self.counters.ssnm_sent += 1;
                let params = self.ssnm_params(vec![P::AffectedPointCode(list)]);
                self.transmit(&M3uaRepr::new(message, params), out);
            }
        }
    }

    /// Whether a (masked) destination is reachable through this SGP.
    fn available(&self, mpc: MaskedPointCode) -> bool {
        let covers = |pc: PointCode| {
            let shift = u32::from(mpc.mask.min(24));
            pc.0 >> shift == mpc.pc.0 >> shift
        };
        if let Some(&known) = self.dest_state.iter().find(|(pc, _)| covers(**pc)).map(|(_, s)| s) {
            return known;
        }
        if self.cfg.local_pc.is_none() && self.cfg.reachable.is_empty() {
            return true;
        }
        self.cfg.local_pc.into_iter().chain(self.cfg.reachable.iter().copied()).any(covers)
    }

    fn set_as(&mut self, s: AsState, out: &mut Vec<M3uaOutput>) {
        if self.as_state == s {
            return;
        }
        self.as_state = s;
        out.push(M3uaOutput::Note(format!("AS {s:?}")));
        if self.asp == AspState::Down {
            return;
        }
        // RFC 4666 §3.8.2: NTFY to the ASPs of the AS that are up.
        let mut params = vec![P::Status { status_type: 1, status_info: s.status_info() }];
        params.extend(self.peer_asp_id.map(P::AspIdentifier));
        params.extend(self.cfg.routing_context.map(P::routing_context));
        self.transmit(&M3uaRepr::new(T::Ntfy, params), out);
    }

    // ----- common -----

    fn set_asp(&mut self, s: AspState, why: &'static str, out: &mut Vec<M3uaOutput>) {
        if self.asp == s {
            return;
        }
        let was = self.asp;
        self.asp = s;
        out.push(M3uaOutput::Note(format!("ASP {was:?} -> {s:?} ({why})")));
        if was == AspState::Active {
            out.push(M3uaOutput::Down(why));
        }
        if s == AspState::Active {
            out.push(M3uaOutput::Up);
        }
    }

    fn refuse(&mut self, m: &[u8], why: &str, code: ErrorCode, extra: Vec<P>, out: &mut Vec<M3uaOutput>) {
        if code != ErrorCode::UnexpectedMessage && code != ErrorCode::InvalidRoutingContext {
            self.counters.malformed += 1;
        }
        out.push(M3uaOutput::Dropped { reason: format!("m3ua: {why}"), hex: hex(m) });
        // Never answer an ERR with an ERR.
        if m.get(2..4) == Some(&[0, 0]) {
            return;
        }
        let mut params = extra;
        params.push(P::DiagnosticInformation(m[..m.len().min(DIAG_MAX)].to_vec()));
        self.send_err(code, params, out);
    }

    fn send_err(&mut self, code: ErrorCode, extra: Vec<P>, out: &mut Vec<M3uaOutput>) {
        let mut params = vec![P::ErrorCode(code)];
        params.extend(extra);
        self.counters.err_sent += 1;
        self.transmit(&M3uaRepr::new(T::Err, params), out);
    }

    fn transmit(&mut self, repr: &M3uaRepr, out: &mut Vec<M3uaOutput>) {
        if !self.connected {
            return;
        }
        if let Ok(b) = repr.to_bytes() {
            self.counters.tx_messages += 1;
            out.push(M3uaOutput::Transmit(b));
        }
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

#[cfg(test)]
mod tests;
