//! The intelligent peripheral (IP): announcements, conference ports and
//! DTMF collection, reached over ISUP trunks from an SSP.
//!
//! The IP is an ISUP end point ([`SignallingPoint`] + per-circuit state).
//! An IAM whose called number selects an announcement is answered (ACM,
//! ANM), the announcement plays for its duration, and the IP releases the
//! circuit with REL cause 16 (normal clearing) and waits for the RLC. An IAM
//! to the conference number takes one of the conference ports (REL 34 when
//! none is free). An IAM to the IP's bare routing number is answered and
//! waits for instructions on the OSN ([`OsnMessage::Play`],
//! [`OsnMessage::Collect`]). Any other number gets REL 1 (unallocated).
//!
//! How the called number selects an announcement (the contract with the SSP,
//! which turns Send_To_Resource / ConnectToResource into an IAM): either one
//! of the configured announcement numbers, or the IP's routing number
//! followed by the announcement id in decimal (`2125550999` + `1` → id 1,
//! "please-hold"), the id being the AnnounceElement of Send_To_Resource or
//! the elementaryMessageID of PlayAnnouncement.
//!
//! In-band content (until the SSP's bridge defines voice-path frames): the
//! IP records every announcement as an [`EventKind::Note`] with its text and
//! duration, and, when [`IpConfig::bearer_port`] is set, sends it as an
//! [`InbandFrame`] (`LineSignal::Hear(text)` on circuit `cic`); DTMF digits
//! arrive on the same port as `LineSignal::Digits` in an [`InbandFrame`].
//!
//! What it is not: a media server. No audio, no speech recognition; one
//! announcement at a time per circuit.

use std::collections::BTreeMap;
use std::time::Duration;

use ainsim_wire::isup::{BackwardCallIndicators, CauseIndicators, MessageType, Parameter};
use ainsim_wire::{IsupRepr, PointCode, Variant};

use crate::core::{Element, EventKind, Input, Instant, Outputs, Port, TimerId};
use crate::line::LineSignal;
use crate::osn::OsnMessage;
use crate::sp::SignallingPoint;

/// A recorded announcement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Announcement {
    /// The id carried in Send_To_Resource / PlayAnnouncement.
    pub id: u16,
    pub name: String,
    /// What the caller hears.
    pub text: String,
    /// How long it plays, in milliseconds.
    pub duration_ms: u32,
}

/// The announcements every IP knows unless configured otherwise.
pub fn standard_announcements() -> Vec<Announcement> {
    let a = |id, name: &str, text: &str, duration_ms| Announcement {
        id,
        name: name.into(),
        text: text.into(),
        duration_ms,
    };
    vec![
        a(
            1,
            "please-hold",
            "Please hold while we connect you to an ABC Travel customer representative.",
            5_000,
        ),
        a(
            2,
            "not-in-service",
            "The number you have dialed is not in service. Please check the number and dial again.",
            6_000,
        ),
        a(
            3,
            "closed",
            "Thank you for calling. Our offices are closed. Please call again during business hours.",
            6_000,
        ),
        a(4, "enter-account", "Please enter your account number followed by the pound sign.", 4_000),
        a(
            5,
            "sorry-no-representative",
            "We are sorry: no ABC Travel customer representative is free right now. We will call you back.",
            6_000,
        ),
    ]
}

/// In-band content on one circuit: a 2-octet CIC (big-endian) then a
/// [`LineSignal`] frame. `parse` never panics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InbandFrame {
    pub cic: u16,
    pub signal: LineSignal,
}

impl InbandFrame {
    /// Parses a frame.
    ///
    /// # Errors
    /// Shorter than 2 octets, or a bad line signal.
    pub fn parse(b: &[u8]) -> Result<Self, String> {
        let Some((cic, rest)) = b.split_first_chunk::<2>() else { return Err("inband: short frame".into()) };
        let signal = LineSignal::parse(rest).map_err(|e| e.to_string())?;
        Ok(InbandFrame { cic: u16::from_be_bytes(*cic), signal })
    }

    /// The frame's bytes.
    ///
    /// # Errors
    /// A text too long for a line signal.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let mut out = self.cic.to_be_bytes().to_vec();
        self.signal.emit(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }
}

/// The IP's configuration.
#[derive(Debug, Clone)]
pub struct IpConfig {
    pub name: String,
    pub pc: PointCode,
    pub variant: Variant,
    pub ni: u8,
    /// Link sets: adjacent point code and ports; everything is routed over all of them.
    pub linksets: Vec<(PointCode, Vec<Port>)>,
    pub osn_port: Option<Port>,
    /// Where in-band frames ([`InbandFrame`]) go and come from, if anywhere.
    pub bearer_port: Option<Port>,
    /// The IP's routing number (ConnectToResource's IPRoutingAddress).
    pub routing_number: String,
    /// Directory numbers that play one announcement: number → announcement name.
    pub announcement_numbers: Vec<(String, String)>,
    /// The conference bridge's number and its number of ports.
    pub conference_number: String,
    pub conference_ports: usize,
    pub announcements: Vec<Announcement>,
}

impl IpConfig {
    /// Defaults: routing number 2125550999, conference 2125550998 with 8
    /// ports, the standard announcements, 8005550000 plays "closed".
    pub fn new(name: &str, pc: PointCode, variant: Variant) -> Self {
        IpConfig {
            name: name.into(),
            pc,
            variant,
            ni: 2,
            linksets: Vec::new(),
            osn_port: None,
            bearer_port: None,
            routing_number: "2125550999".into(),
            announcement_numbers: vec![("8005550000".into(), "closed".into())],
            conference_number: "2125550998".into(),
            conference_ports: 8,
            announcements: standard_announcements(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Use {
    /// Answered, waiting for instructions.
    Idle,
    /// Playing; release (or go idle) when it ends.
    Playing {
        name: String,
        release_after: bool,
    },
    /// Collecting up to `max` digits.
    Collecting {
        max: u8,
        digits: String,
    },
    Conference,
    /// REL sent, waiting for RLC.
    Releasing,
}

#[derive(Debug, Clone)]
struct Circuit {
    peer: PointCode,
    using: Use,
}

/// What the IP counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpCounters {
    pub calls: u64,
    pub announcements_played: u64,
    pub conference_joins: u64,
    pub digits_collected: u64,
    pub refused: u64,
    pub dropped: u64,
}

/// The intelligent peripheral element.
pub struct Ip {
    cfg: IpConfig,
    sp: SignallingPoint,
    circuits: BTreeMap<u16, Circuit>,
    counters: IpCounters,
}

const TIMER_PLAY: u64 = 1;

fn play_timer(cic: u16) -> TimerId {
    TimerId(u64::from(cic) << 8 | TIMER_PLAY)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Ip {
    /// An IP with no circuits in use.
    pub fn new(cfg: IpConfig) -> Self {
        let mut sp = SignallingPoint::new(cfg.pc, cfg.variant, cfg.ni);
        let sets: Vec<_> = cfg.linksets.iter().map(|(adj, ports)| sp.add_linkset(*adj, ports)).collect();
        if !sets.is_empty() {
            sp.add_route(None, &[&sets]);
        }
        Ip { cfg, sp, circuits: BTreeMap::new(), counters: IpCounters::default() }
    }

    /// What was counted so far.
    pub fn counters(&self) -> IpCounters {
        self.counters
    }

    /// Conference ports in use.
    pub fn conference_in_use(&self) -> usize {
        self.circuits.values().filter(|c| c.using == Use::Conference).count()
    }

    fn announcement_for(&self, called: &str) -> Option<&Announcement> {
        if let Some((_, name)) = self.cfg.announcement_numbers.iter().find(|(n, _)| n == called) {
            return self.cfg.announcements.iter().find(|a| &a.name == name);
        }
        let id: u16 = called.strip_prefix(self.cfg.routing_number.as_str())?.parse().ok()?;
        self.cfg.announcements.iter().find(|a| a.id == id)
    }

    fn send_isup(
        &mut self,
        peer: PointCode,
        cic: u16,
        mt: MessageType,
        mandatory: Vec<Parameter>,
        out: &mut Outputs,
    ) {
        let opt = if mt == MessageType::Acm { Some(vec![]) } else { None };
        let repr = IsupRepr::new(self.cfg.variant, cic, mt, mandatory, opt);
        let sif = match repr.to_bytes() {
            Ok(b) => b,
            Err(e) => {
                return out.event(Some(u64::from(cic)), EventKind::Note(format!("ip: cannot encode: {e}")))
            }
        };
        if let Err(e) = self.sp.send(out, ainsim_wire::mtp3::si::ISUP, peer, (cic & 0x0f) as u8, &sif) {
            out.event(Some(u64::from(cic)), EventKind::Note(e.to_string()));
        }
    }

    fn cause(&self, value: u8) -> Parameter {
        Parameter::CauseIndicators(CauseIndicators { location: 0, value, value_ext: 1, ..Default::default() })
    }

    fn release(&mut self, cic: u16, cause: u8, out: &mut Outputs) {
        let Some(c) = self.circuits.get_mut(&cic) else { return };
        c.using = Use::Releasing;
        let peer = c.peer;
        let p = self.cause(cause);
        self.send_isup(peer, cic, MessageType::Rel, vec![p], out);
        out.event(Some(u64::from(cic)), EventKind::Released { cause });
    }

    fn answer(&mut self, peer: PointCode, cic: u16, out: &mut Outputs) {
        let bci = Parameter::BackwardCallIndicators(
            BackwardCallIndicators::default()
                .with_charge(2)
                .with_called_party_status(1)
                .with_called_party_category(1)
                .with_isup(1),
        );
        self.send_isup(peer, cic, MessageType::Acm, vec![bci], out);
        self.send_isup(peer, cic, MessageType::Anm, vec![], out);
        out.event(Some(u64::from(cic)), EventKind::Answered);
    }

    /// Plays `name` on `cic`, then releases (`release_after`) or goes idle.
    fn play(&mut self, now: Instant, cic: u16, name: &str, release_after: bool, out: &mut Outputs) -> bool {
        let Some(a) = self.cfg.announcements.iter().find(|a| a.name == name).cloned() else {
            out.event(Some(u64::from(cic)), EventKind::Note(format!("ip: no announcement {name:?}")));
            return false;
        };
        let Some(c) = self.circuits.get_mut(&cic) else { return false };
        c.using = Use::Playing { name: a.name.clone(), release_after };
        self.counters.announcements_played += 1;
        out.event(
            Some(u64::from(cic)),
            EventKind::Note(format!(
                "ip: announcement {} on cic {cic}: \"{}\" ({}.{:03} s)",
                a.name,
                a.text,
                a.duration_ms / 1000,
                a.duration_ms % 1000
            )),
        );
        if let Some(port) = self.cfg.bearer_port {
            if let Ok(b) = (InbandFrame { cic, signal: LineSignal::Hear(a.text.clone()) }).to_bytes() {
                out.send(port, b);
            }
        }
        out.set_timer(play_timer(cic), now.after(Duration::from_millis(u64::from(a.duration_ms))));
        true
    }

    fn recv_ss7(&mut self, now: Instant, bytes: &[u8], out: &mut Outputs) {
        let (opc, sif) = match self.sp.receive(bytes) {
            Ok(p) if p.si() == ainsim_wire::mtp3::si::ISUP && p.dpc() == self.cfg.pc => {
                (p.opc(), p.sif().to_vec())
            }
            Ok(p) => {
                self.counters.dropped += 1;
                let reason = format!("ip: SI {} for {:?} not handled", p.si(), p.dpc());
                return out.event(None, EventKind::Dropped { reason, hex: hex(bytes) });
            }
            Err(e) => {
                self.counters.dropped += 1;
                return out.event(None, EventKind::Dropped { reason: e.to_string(), hex: hex(bytes) });
            }
        };
        let m = match IsupRepr::parse(&sif, self.cfg.variant) {
            Ok(m) => m,
            Err(e) => {
                self.counters.dropped += 1;
                return out.event(None, EventKind::Dropped { reason: e.to_string(), hex: hex(bytes) });
            }
        };
        let cic = m.cic;
        match m.message_type {
            MessageType::Iam => self.iam(now, opc, &m, out),
            MessageType::Rel => {
                out.cancel_timer(play_timer(cic));
                self.circuits.remove(&cic);
                self.send_isup(opc, cic, MessageType::Rlc, vec![], out);
                out.event(Some(u64::from(cic)), EventKind::Released { cause: rel_cause(&m).unwrap_or(16) });
            }
            MessageType::Rlc => {
                out.cancel_timer(play_timer(cic));
                self.circuits.remove(&cic);
            }
            // Circuit maintenance from the switch (Q.764 §2.9.3, §2.8): the IP
            // never blocks its circuits, so it resets and acknowledges.
            MessageType::Rsc => {
                out.cancel_timer(play_timer(cic));
                self.circuits.remove(&cic);
                self.send_isup(opc, cic, MessageType::Rlc, vec![], out);
            }
            MessageType::Grs => {
                let Some(Parameter::RangeAndStatus(rs)) = m.mandatory().first() else { return };
                let range = rs.range;
                for c in (0..=u16::from(range)).filter_map(|k| cic.checked_add(k)) {
                    out.cancel_timer(play_timer(c));
                    self.circuits.remove(&c);
                }
                // No circuit is blocked for maintenance: every status bit 0.
                let status = vec![0; usize::from(range) / 8 + 1];
                let rs = ainsim_wire::isup::RangeAndStatus { range, status };
                self.send_isup(opc, cic, MessageType::Gra, vec![Parameter::RangeAndStatus(rs)], out);
            }
            MessageType::Blo => self.send_isup(opc, cic, MessageType::Bla, vec![], out),
            MessageType::Ubl => self.send_isup(opc, cic, MessageType::Uba, vec![], out),
            MessageType::Cgb | MessageType::Cgu => {
                let ack =
                    if m.message_type == MessageType::Cgb { MessageType::Cgba } else { MessageType::Cgua };
                self.send_isup(opc, cic, ack, m.mandatory().to_vec(), out);
            }
            other => {
                out.event(Some(u64::from(cic)), EventKind::Note(format!("ip: {} ignored", other.acronym())));
            }
        }
    }

    fn iam(&mut self, now: Instant, opc: PointCode, m: &IsupRepr, out: &mut Outputs) {
        let cic = m.cic;
        let called = m
            .mandatory()
            .iter()
            .chain(m.optional())
            .find_map(|p| match p {
                Parameter::CalledPartyNumber(n) => Some(n.digits.trim_end_matches(['F', 'f']).to_owned()),
                _ => None,
            })
            .unwrap_or_default();
        self.counters.calls += 1;
        out.event(Some(u64::from(cic)), EventKind::CallAttempt { from: String::new(), to: called.clone() });
        if self.circuits.contains_key(&cic) {
            // Dual seizure of our own circuit: we never originate, so the old state is stale.
            out.cancel_timer(play_timer(cic));
        }
        self.circuits.insert(cic, Circuit { peer: opc, using: Use::Idle });
        if called == self.cfg.conference_number {
            if self.conference_in_use() >= self.cfg.conference_ports {
                self.counters.refused += 1;
                return self.release(cic, 34, out);
            }
            self.answer(opc, cic, out);
            if let Some(c) = self.circuits.get_mut(&cic) {
                c.using = Use::Conference;
            }
            self.counters.conference_joins += 1;
            let n = self.conference_in_use();
            out.event(
                Some(u64::from(cic)),
                EventKind::Note(format!("ip: cic {cic} joins the conference ({n} in use)")),
            );
            return;
        }
        if called == self.cfg.routing_number {
            return self.answer(opc, cic, out);
        }
        match self.announcement_for(&called).map(|a| a.name.clone()) {
            Some(name) => {
                self.answer(opc, cic, out);
                self.play(now, cic, &name, true, out);
            }
            None => {
                self.counters.refused += 1;
                self.release(cic, 1, out);
            }
        }
    }

    fn recv_osn(&mut self, now: Instant, bytes: &[u8], out: &mut Outputs) {
        match OsnMessage::parse(bytes) {
            Ok(OsnMessage::Play { cic, announcement }) => {
                if !self.circuits.get(&cic).is_some_and(|c| c.using != Use::Releasing) {
                    return out
                        .event(Some(u64::from(cic)), EventKind::Note(format!("ip: no call on cic {cic}")));
                }
                self.play(now, cic, &announcement, false, out);
            }
            Ok(OsnMessage::Collect { cic, max_digits }) => match self.circuits.get_mut(&cic) {
                Some(c) if c.using != Use::Releasing => {
                    c.using = Use::Collecting { max: max_digits, digits: String::new() }
                }
                _ => out.event(Some(u64::from(cic)), EventKind::Note(format!("ip: no call on cic {cic}"))),
            },
            Ok(other) => out.event(None, EventKind::Note(format!("ip: OSN message ignored: {other:?}"))),
            Err(e) => {
                self.counters.dropped += 1;
                out.event(None, EventKind::Dropped { reason: e.to_string(), hex: hex(bytes) });
            }
        }
    }

    /// DTMF digits heard in-band on `cic` (what the bearer port delivers).
    pub fn inband_digits(&mut self, cic: u16, digits: &str, out: &mut Outputs) {
        let Some(c) = self.circuits.get_mut(&cic) else { return };
        let Use::Collecting { max, digits: got } = &mut c.using else { return };
        for d in digits.chars() {
            if d == '#' || got.len() >= usize::from(*max) {
                break;
            }
            got.push(d);
        }
        let done = got.len() >= usize::from(*max) || digits.contains('#');
        if !done {
            return;
        }
        let collected = std::mem::take(got);
        c.using = Use::Idle;
        self.counters.digits_collected += 1;
        out.event(Some(u64::from(cic)), EventKind::Note(format!("ip: collected {collected} on cic {cic}")));
        if let Some(port) = self.cfg.osn_port {
            out.send(port, OsnMessage::Digits { cic, digits: collected }.emit());
        }
    }
}

fn rel_cause(m: &IsupRepr) -> Option<u8> {
    m.mandatory().iter().find_map(|p| match p {
        Parameter::CauseIndicators(c) => Some(c.value),
        _ => None,
    })
}

impl Element for Ip {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn counter_values(&self) -> Vec<(String, u64)> {
        let c = self.counters();
        crate::named_counters!(c; calls, announcements_played, conference_joins, digits_collected, refused, dropped)
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start => self.circuits.clear(),
            Input::Recv { port, bytes } if Some(port) == self.cfg.osn_port => self.recv_osn(now, bytes, out),
            Input::Recv { port, bytes } if Some(port) == self.cfg.bearer_port => {
                match InbandFrame::parse(bytes) {
                    Ok(InbandFrame { cic, signal: LineSignal::Digits(d) }) => {
                        self.inband_digits(cic, &d, out)
                    }
                    Ok(_) => {}
                    Err(reason) => {
                        self.counters.dropped += 1;
                        out.event(None, EventKind::Dropped { reason, hex: hex(bytes) });
                    }
                }
            }
            Input::Recv { port, bytes } if self.sp.is_link(port) => self.recv_ss7(now, bytes, out),
            Input::Recv { bytes, .. } => {
                self.counters.dropped += 1;
                out.event(None, EventKind::Dropped { reason: "ip: unknown port".into(), hex: hex(bytes) });
            }
            Input::LinkState { port, up } => self.sp.set_link_state(port, up),
            Input::Timer(TimerId(id)) if id & 0xff == TIMER_PLAY => {
                let Ok(cic) = u16::try_from(id >> 8) else { return };
                let Some(c) = self.circuits.get_mut(&cic) else { return };
                match &c.using {
                    Use::Playing { release_after: true, .. } => self.release(cic, 16, out),
                    Use::Playing { .. } => {
                        c.using = Use::Idle;
                        out.event(
                            Some(u64::from(cic)),
                            EventKind::Note(format!("ip: announcement done on cic {cic}")),
                        );
                    }
                    _ => {}
                }
            }
            Input::Timer(_) => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn announcement_numbers_select_by_id_or_table() {
        let ip = Ip::new(IpConfig::new("IP", PointCode(600), Variant::Itu));
        assert_eq!(ip.announcement_for("21255509991").unwrap().name, "please-hold");
        assert_eq!(ip.announcement_for("8005550000").unwrap().name, "closed");
        assert!(ip.announcement_for("21255509999").is_none());
        assert!(ip.announcement_for("2125550999x").is_none());
    }

    #[test]
    fn inband_frames_round_trip() {
        let f = InbandFrame { cic: 0x0102, signal: LineSignal::Digits("12#".into()) };
        assert_eq!(InbandFrame::parse(&f.to_bytes().unwrap()).unwrap(), f);
        assert!(InbandFrame::parse(&[1]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn handle_never_panics(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let mut cfg = IpConfig::new("IP", PointCode(600), Variant::Itu);
            cfg.linksets = vec![(PointCode(100), vec![Port(0)])];
            cfg.osn_port = Some(Port(9));
            cfg.bearer_port = Some(Port(10));
            let mut ip = Ip::new(cfg);
            let mut out = Outputs::new();
            for port in [0, 9, 10, 11] {
                ip.handle(Instant::ZERO, Input::Recv { port: Port(port), bytes: &b }, &mut out);
            }
            // ISUP-shaped: a real routing label toward the IP in front of the noise.
            let sp = SignallingPoint::new(PointCode(100), Variant::Itu, 2);
            let msu = sp.build(5, PointCode(600), 0, &b).unwrap();
            ip.handle(Instant::ZERO, Input::Recv { port: Port(0), bytes: &msu }, &mut out);
            ip.handle(Instant(9_000_000), Input::Timer(TimerId(1 << 8 | 1)), &mut out);
        }
    }
}
