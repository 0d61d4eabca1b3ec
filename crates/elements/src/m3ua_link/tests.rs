//! An ASP and an SGP wired back to back over a byte stream in virtual time:
//! bring-up, DATA both ways, queueing, T(ack), bad messages answered with
//! ERR, heartbeat loss, reconnection, DAUD and SSNM.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ainsim_wire::m3ua::{ErrorCode, MaskedPointCode, ProtocolData, TrafficMode};
use ainsim_wire::mtp3::si;
use ainsim_wire::{
    M3uaMessageType as T, M3uaParameter as P, M3uaRepr, Mtp3Packet, PointCode, Snm, SnmRepr, Variant,
};
use proptest::prelude::*;

use super::*;

const ASP: usize = 0;
const SGP: usize = 1;
const NAMES: [&str; 2] = ["ASP", "SGP"];

type DropFn = Box<dyn FnMut(usize, &M3uaRepr) -> bool>;

/// Two ends over a stream; each message takes 1 ms; `drop` may eat messages
/// (as a peer that stopped answering would).
struct Pair {
    ends: [M3uaLink; 2],
    now: Instant,
    queue: Vec<(Instant, usize, Vec<u8>)>,
    /// Everything each end asked of its user, but Transmit.
    got: [Vec<M3uaOutput>; 2],
    /// Decoded messages in flight order: "ASP>SGP ASPUP".
    log: Vec<String>,
    drop: DropFn,
}

fn cfg(role: M3uaRole, v: Variant) -> M3uaConfig {
    M3uaConfig {
        routing_context: Some(7),
        network_appearance: Some(8),
        beat_interval: Some(Duration::from_secs(1)),
        ..M3uaConfig::new(role, v)
    }
}

impl Pair {
    fn new(v: Variant) -> Self {
        Self::with(cfg(M3uaRole::Asp, v), cfg(M3uaRole::Sgp, v))
    }

    fn with(a: M3uaConfig, s: M3uaConfig) -> Self {
        Pair {
            ends: [M3uaLink::new(a), M3uaLink::new(s)],
            now: Instant::ZERO,
            queue: vec![],
            got: [vec![], vec![]],
            log: vec![],
            drop: Box::new(|_, _| false),
        }
    }

    fn take(&mut self, from: usize, out: Vec<M3uaOutput>) {
        for o in out {
            match o {
                M3uaOutput::Transmit(b) => {
                    let r = M3uaRepr::parse(&b).expect("we send valid M3UA");
                    if (self.drop)(from, &r) {
                        continue;
                    }
                    self.log.push(format!("{}>{} {}", NAMES[from], NAMES[1 - from], describe(&r)));
                    self.queue.push((self.now.after(Duration::from_millis(1)), 1 - from, b));
                }
                other => self.got[from].push(other),
            }
        }
    }

    fn connect(&mut self) {
        for i in [SGP, ASP] {
            let mut out = vec![];
            self.ends[i].connected(self.now, &mut out);
            self.take(i, out);
        }
    }

    fn disconnect(&mut self) {
        self.queue.clear();
        for i in [ASP, SGP] {
            let mut out = vec![];
            self.ends[i].disconnected(self.now, "test", &mut out);
            self.take(i, out);
        }
    }

    /// Runs until `until`, delivering messages and firing deadlines in time order.
    fn run_until(&mut self, until: Instant) {
        loop {
            let next_msg = self.queue.iter().map(|(t, _, _)| *t).min();
            let next_timer = self.ends.iter().filter_map(M3uaLink::poll_at).min();
            let Some(t) = [next_msg, next_timer].into_iter().flatten().min() else { break };
            if t > until {
                break;
            }
            self.now = t;
            if next_msg == Some(t) {
                let i = self.queue.iter().position(|(at, _, _)| *at == t).unwrap();
                let (_, to, bytes) = self.queue.remove(i);
                let mut out = vec![];
                self.ends[to].receive(t, &bytes, &mut out);
                self.take(to, out);
            } else {
                for i in [ASP, SGP] {
                    if self.ends[i].poll_at().is_some_and(|d| d <= t) {
                        let mut out = vec![];
                        self.ends[i].on_timer(t, &mut out);
                        self.take(i, out);
                    }
                }
            }
        }
        self.now = self.now.max(until);
    }

    fn run_for(&mut self, d: Duration) {
        self.run_until(self.now.after(d));
    }

    fn send_msu(&mut self, from: usize, msu: &[u8]) {
        let mut out = vec![];
        self.ends[from].send_msu(self.now, msu, &mut out);
        self.take(from, out);
    }

    /// Injects raw bytes as if `from` had sent them.
    fn inject(&mut self, to: usize, bytes: &[u8]) {
        let mut out = vec![];
        self.ends[to].receive(self.now, bytes, &mut out);
        self.take(to, out);
    }

    fn delivered(&self, at: usize) -> Vec<Vec<u8>> {
        self.got[at]
            .iter()
            .filter_map(|o| match o {
                M3uaOutput::Deliver(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    fn count(&self, at: usize, want: &M3uaOutput) -> usize {
        self.got[at].iter().filter(|o| *o == want).count()
    }

    fn ladder(&self) -> Vec<&str> {
        self.log.iter().map(String::as_str).filter(|l| !l.contains("BEAT")).collect()
    }
}

/// "NTFY AS-ACTIVE", "ERR invalid_routing_context", or just the name.
fn describe(r: &M3uaRepr) -> String {
    let mut s = r.message.name().to_owned();
    for p in &r.params {
        match p {
            P::Status { status_type: 1, status_info } => {
                let st = ["?", "?", "AS-INACTIVE", "AS-ACTIVE", "AS-PENDING"];
                s.push(' ');
                s.push_str(st.get(usize::from(*status_info)).unwrap_or(&"?"));
            }
            P::ErrorCode(c) => s.push_str(&format!(" {c:?}")),
            _ => {}
        }
    }
    s
}

fn pcs(v: Variant) -> (PointCode, PointCode) {
    match v {
        Variant::Itu => (PointCode(1), PointCode(2)),
        Variant::Ansi => (PointCode::ansi(1, 1, 1), PointCode::ansi(1, 1, 2)),
    }
}

/// An ISUP MSU from `opc` to `dpc` with SLS `sls` and SIF `sif`.
fn msu(v: Variant, opc: PointCode, dpc: PointCode, sls: u8, prio: u8, sif: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; ainsim_wire::mtp3::header_len(v) + sif.len()];
    let mut p = Mtp3Packet::new_checked(&mut b[..], v).unwrap();
    p.set_si(si::ISUP);
    p.set_ni(2);
    p.set_priority(prio);
    p.set_opc(opc);
    p.set_dpc(dpc);
    p.set_sls(sls);
    p.sif_mut().copy_from_slice(sif);
    b
}

fn up(p: &mut Pair) {
    p.connect();
    p.run_for(Duration::from_millis(10));
    assert!(p.ends[ASP].is_active() && p.ends[SGP].is_active(), "{:#?}", p.log);
}

#[test]
fn asp_comes_up_and_goes_active() {
    let mut p = Pair::new(Variant::Itu);
    up(&mut p);
    assert_eq!(
        p.ladder(),
        [
            "ASP>SGP ASPUP",
            "SGP>ASP ASPUP ACK",
            "SGP>ASP NTFY AS-INACTIVE",
            "ASP>SGP ASPAC",
            "SGP>ASP ASPAC ACK",
            "SGP>ASP NTFY AS-ACTIVE",
        ]
    );
    assert_eq!(p.count(ASP, &M3uaOutput::Up), 1);
    assert_eq!(p.count(SGP, &M3uaOutput::Up), 1);
    assert_eq!(p.ends[SGP].as_state(), AsState::Active);
    assert_eq!(p.ends[ASP].as_state(), AsState::Active, "learnt from NTFY");
}

#[test]
fn aspac_carries_mode_and_rc_and_ack_echoes_them() {
    let mut p = Pair::new(Variant::Itu);
    p.drop = Box::new(move |_, r| {
        if matches!(r.message, T::AspAc | T::AspAcAck) {
            assert!(r.params.contains(&P::TrafficModeType(TrafficMode::Override)), "{r:?}");
            assert_eq!(r.routing_context(), Some(&[7u32][..]));
        }
        false
    });
    up(&mut p);
    assert!(p.log.iter().any(|l| l == "SGP>ASP ASPAC ACK"));
}

#[test]
fn data_flows_both_ways_itu_and_ansi() {
    for v in [Variant::Itu, Variant::Ansi] {
        let (a, b) = pcs(v);
        let mut p = Pair::new(v);
        // Before the ASP is ACTIVE the element's MSUs wait in order.
        let early = msu(v, a, b, 3, 0, &[0x01, 0x00, 0x10, 0x00]);
        p.send_msu(ASP, &early);
        assert_eq!(p.ends[ASP].queued(), 1);
        up(&mut p);
        assert_eq!(p.ends[ASP].queued(), 0);
        let prio = if v == Variant::Ansi { 2 } else { 0 };
        let sls = if v == Variant::Ansi { 0xa5 } else { 0x0c };
        let there = msu(v, a, b, sls, prio, &[0x05, 0x00, 0x06, 0x01, 0x02]);
        let back = msu(v, b, a, 1, 0, &[0x05, 0x00, 0x10]);
        p.send_msu(ASP, &there);
        p.send_msu(SGP, &back);
        p.run_for(Duration::from_millis(10));
        assert_eq!(p.delivered(SGP), [early.clone(), there], "{v:?}");
        assert_eq!(p.delivered(ASP), [back], "{v:?}");
        assert_eq!(p.ends[ASP].counters().tx_data, 2);
        assert_eq!(p.ends[SGP].counters().rx_data, 2);
    }
}

#[test]
fn data_carries_protocol_data_with_rc_and_na() {
    let v = Variant::Itu;
    let (a, b) = pcs(v);
    let mut p = Pair::new(v);
    up(&mut p);
    let mut out = vec![];
    p.ends[ASP].send_msu(p.now, &msu(v, a, b, 9, 0, &[0xaa, 0xbb]), &mut out);
    let [M3uaOutput::Transmit(bytes)] = &out[..] else { panic!("{out:?}") };
    let r = M3uaRepr::parse(bytes).unwrap();
    assert_eq!(r.message, T::Data);
    assert_eq!(r.params[0], P::NetworkAppearance(8));
    assert_eq!(r.routing_context(), Some(&[7u32][..]));
    assert_eq!(
        r.protocol_data(),
        Some(&ProtocolData {
            opc: a,
            dpc: b,
            si: 5,
            ni: 2,
            mp: 0,
            sls: 9,
            user_data: vec![0xaa, 0xbb].into()
        })
    );
}

#[test]
fn aspup_is_retransmitted_every_t_ack_until_acknowledged() {
    let mut p = Pair::new(Variant::Itu);
    let mut eaten = 0;
    p.drop = Box::new(move |_, r| {
        if r.message == T::AspUp && eaten < 2 {
            eaten += 1;
            return true;
        }
        false
    });
    p.connect();
    p.run_for(Duration::from_millis(1990));
    assert!(!p.ends[ASP].is_active());
    p.run_for(Duration::from_secs(3));
    assert!(p.ends[ASP].is_active());
    assert_eq!(p.ends[ASP].counters().retransmits, 2);
    assert_eq!(p.ladder()[0], "ASP>SGP ASPUP", "the third try got through");
}

#[test]
fn aspac_is_retransmitted_too() {
    let mut p = Pair::new(Variant::Itu);
    let mut eaten = false;
    p.drop = Box::new(move |_, r| {
        if r.message == T::AspAcAck && !eaten {
            eaten = true;
            return true;
        }
        false
    });
    p.connect();
    p.run_for(Duration::from_millis(100));
    assert!(!p.ends[ASP].is_active() && p.ends[SGP].is_active());
    p.run_for(Duration::from_secs(2));
    assert!(p.ends[ASP].is_active());
    assert_eq!(p.ends[ASP].counters().retransmits, 1);
    assert_eq!(p.count(SGP, &M3uaOutput::Up), 1, "a repeated ASPAC does not flap the SGP");
}

fn err_of(p: &Pair) -> Vec<String> {
    p.log.iter().filter(|l| l.contains(" ERR")).cloned().collect()
}

#[test]
fn bad_messages_are_answered_with_err_and_never_crash() {
    let mut p = Pair::new(Variant::Itu);
    up(&mut p);
    p.log.clear();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        // Version 2.
        (vec![2, 0, 3, 1, 0, 0, 0, 8], "InvalidVersion"),
        // RKM REG REQ: no routing key management here.
        (vec![1, 0, 9, 1, 0, 0, 0, 8], "UnsupportedMessageClass"),
        // Class 7.
        (vec![1, 0, 7, 1, 0, 0, 0, 8], "UnsupportedMessageClass"),
        // ASPSM type 9.
        (vec![1, 0, 3, 9, 0, 0, 0, 8], "UnsupportedMessageType"),
        // A Routing Context of 3 octets.
        (vec![1, 0, 1, 1, 0, 0, 0, 16, 0, 6, 0, 7, 1, 2, 3, 0], "ParameterFieldError"),
        // DATA without Protocol Data.
        (M3uaRepr::new(T::Data, vec![P::routing_context(7)]).to_bytes().unwrap(), "MissingParameter"),
        // DATA for routing context 99.
        (
            M3uaRepr::data(
                Some(99),
                ProtocolData {
                    opc: PointCode(2),
                    dpc: PointCode(1),
                    si: 5,
                    ni: 2,
                    mp: 0,
                    sls: 0,
                    user_data: vec![1].into(),
                },
            )
            .to_bytes()
            .unwrap(),
            "InvalidRoutingContext",
        ),
        // A DPC that does not fit 14 bits.
        (
            M3uaRepr::data(
                Some(7),
                ProtocolData {
                    opc: PointCode(2),
                    dpc: PointCode(0x4000),
                    si: 5,
                    ni: 2,
                    mp: 0,
                    sls: 0,
                    user_data: vec![1].into(),
                },
            )
            .to_bytes()
            .unwrap(),
            "InvalidParameterValue",
        ),
        // ASPUP ACK sent to an SGP.
        (M3uaRepr::new(T::AspUpAck, vec![]).to_bytes().unwrap(), "UnexpectedMessage"),
    ];
    for (bytes, code) in &cases {
        p.log.clear();
        p.inject(SGP, bytes);
        p.run_for(Duration::from_millis(5));
        assert_eq!(err_of(&p), [format!("SGP>ASP ERR {code}")], "{bytes:02x?}");
        assert!(p.ends[SGP].is_active(), "a bad message does not bring the ASP down");
    }
    // The ERR carries the offending message as diagnostic information.
    let mut out = vec![];
    p.ends[SGP].receive(p.now, &cases[0].0, &mut out);
    let err = out.iter().find_map(|o| match o {
        M3uaOutput::Transmit(b) => Some(M3uaRepr::parse(b).unwrap()),
        _ => None,
    });
    assert!(err.unwrap().params.contains(&P::DiagnosticInformation(cases[0].0.clone())));
    assert!(p.delivered(SGP).is_empty());
    // An ERR is never answered with an ERR.
    p.log.clear();
    p.inject(SGP, &M3uaRepr::new(T::Err, vec![P::ErrorCode(ErrorCode::ProtocolError)]).to_bytes().unwrap());
    p.inject(SGP, &[1, 0, 0, 0, 0, 0, 0, 12, 0, 0x0c, 0, 3]);
    assert!(err_of(&p).is_empty());
    assert_eq!(p.ends[SGP].counters().err_received, 1);
}

#[test]
fn data_before_active_is_refused_and_aspac_from_down_is_unexpected() {
    let mut p = Pair::new(Variant::Itu);
    // The SGP's transport is up, the ASP never sent ASPUP.
    let mut out = vec![];
    p.ends[SGP].connected(p.now, &mut out);
    p.take(SGP, out);
    let d = M3uaRepr::data(
        Some(7),
        ProtocolData {
            opc: PointCode(1),
            dpc: PointCode(2),
            si: 5,
            ni: 2,
            mp: 0,
            sls: 0,
            user_data: vec![1].into(),
        },
    );
    p.inject(SGP, &d.to_bytes().unwrap());
    let ac = M3uaRepr::new(T::AspAc, vec![P::TrafficModeType(TrafficMode::Override)]);
    p.inject(SGP, &ac.to_bytes().unwrap());
    assert_eq!(err_of(&p), ["SGP>ASP ERR UnexpectedMessage", "SGP>ASP ERR UnexpectedMessage"]);
    assert_eq!(p.ends[SGP].counters().rx_data_refused, 1);
    assert!(p.delivered(SGP).is_empty());
}

#[test]
fn broadcast_mode_and_a_foreign_rc_in_aspac_are_refused() {
    let mut a = cfg(M3uaRole::Asp, Variant::Itu);
    a.traffic_mode = TrafficMode::Broadcast;
    let mut p = Pair::with(a, cfg(M3uaRole::Sgp, Variant::Itu));
    p.connect();
    p.run_for(Duration::from_millis(10));
    assert!(err_of(&p).contains(&"SGP>ASP ERR UnsupportedTrafficModeType".to_owned()), "{:?}", p.log);
    assert!(!p.ends[SGP].is_active());

    let mut a = cfg(M3uaRole::Asp, Variant::Itu);
    a.routing_context = Some(99);
    let mut p = Pair::with(a, cfg(M3uaRole::Sgp, Variant::Itu));
    p.connect();
    p.run_for(Duration::from_millis(10));
    assert!(err_of(&p).contains(&"SGP>ASP ERR InvalidRoutingContext".to_owned()), "{:?}", p.log);
    assert!(!p.ends[ASP].is_active());
}

#[test]
fn loadshare_is_accepted_when_configured() {
    let mut a = cfg(M3uaRole::Asp, Variant::Itu);
    let mut s = cfg(M3uaRole::Sgp, Variant::Itu);
    a.traffic_mode = TrafficMode::Loadshare;
    s.traffic_mode = TrafficMode::Loadshare;
    let mut p = Pair::with(a, s);
    up(&mut p);
}

#[test]
fn heartbeat_is_answered_and_its_loss_resets_the_association() {
    let mut p = Pair::new(Variant::Itu);
    up(&mut p);
    p.run_for(Duration::from_millis(3500));
    assert!(p.ends[ASP].counters().beats_answered >= 3);
    assert!(p.ends[SGP].counters().beats_answered >= 3);
    assert!(p.log.iter().any(|l| l == "SGP>ASP BEAT ACK"));
    // The SGP stops answering (its host hangs, the TCP connection stays).
    p.drop = Box::new(|from, _| from == SGP);
    p.run_for(Duration::from_secs(5));
    assert_eq!(p.count(ASP, &M3uaOutput::Reset("heartbeat lost (no BEAT ACK)")), 1);
    assert_eq!(p.count(ASP, &M3uaOutput::Down("heartbeat lost (no BEAT ACK)")), 1);
    assert!(!p.ends[ASP].is_active());
    assert_eq!(p.ends[ASP].counters().beats_missed, 3);
}

#[test]
fn reconnection_brings_the_asp_back_and_flushes_what_waited() {
    let v = Variant::Ansi;
    let (a, b) = pcs(v);
    let mut p = Pair::new(v);
    up(&mut p);
    p.disconnect();
    assert_eq!(p.count(ASP, &M3uaOutput::Down("test")), 1);
    assert_eq!(p.count(SGP, &M3uaOutput::Down("test")), 1);
    assert_eq!(p.ends[SGP].as_state(), AsState::Down);
    let m1 = msu(v, a, b, 1, 0, &[1]);
    let m2 = msu(v, a, b, 2, 0, &[2]);
    p.send_msu(ASP, &m1);
    p.send_msu(ASP, &m2);
    p.run_for(Duration::from_secs(1));
    p.log.clear();
    up(&mut p);
    assert_eq!(p.ladder()[0], "ASP>SGP ASPUP");
    assert_eq!(p.delivered(SGP), [m1, m2]);
    assert_eq!(p.count(ASP, &M3uaOutput::Up), 2);
}

#[test]
fn the_queue_is_bounded_and_counts_what_it_drops() {
    let v = Variant::Itu;
    let (a, b) = pcs(v);
    let mut c = cfg(M3uaRole::Asp, v);
    c.queue_limit = 2;
    let mut p = Pair::with(c, cfg(M3uaRole::Sgp, v));
    for i in 0..5u8 {
        p.send_msu(ASP, &msu(v, a, b, 0, 0, &[i]));
    }
    assert_eq!(p.ends[ASP].counters().queue_overflow, 3);
    up(&mut p);
    let got: Vec<u8> = p.delivered(SGP).iter().map(|m| *m.last().unwrap()).collect();
    assert_eq!(got, [3, 4]);
}

#[test]
fn aspia_and_aspdn_take_the_asp_down_with_ntfy_and_t_r() {
    let mut p = Pair::new(Variant::Itu);
    up(&mut p);
    p.log.clear();
    let mut out = vec![];
    p.ends[ASP].deactivate(p.now, &mut out);
    p.take(ASP, out);
    p.run_for(Duration::from_secs(3));
    assert_eq!(
        p.ladder(),
        ["ASP>SGP ASPIA", "SGP>ASP ASPIA ACK", "SGP>ASP NTFY AS-PENDING", "SGP>ASP NTFY AS-INACTIVE"]
    );
    assert_eq!(p.ends[ASP].asp_state(), AspState::Inactive);
    assert_eq!(p.ends[SGP].as_state(), AsState::Inactive);
    p.log.clear();
    let mut out = vec![];
    p.ends[ASP].activate(p.now, &mut out);
    p.take(ASP, out);
    p.run_for(Duration::from_millis(10));
    assert_eq!(p.ladder(), ["ASP>SGP ASPAC", "SGP>ASP ASPAC ACK", "SGP>ASP NTFY AS-ACTIVE"]);
    p.log.clear();
    let mut out = vec![];
    p.ends[ASP].shutdown(p.now, &mut out);
    p.take(ASP, out);
    p.run_for(Duration::from_secs(5));
    assert_eq!(p.ladder(), ["ASP>SGP ASPDN", "SGP>ASP ASPDN ACK"]);
    assert_eq!(p.ends[ASP].asp_state(), AspState::Down);
    assert_eq!(p.ends[SGP].asp_state(), AspState::Down);
}

#[test]
fn aspup_from_an_active_asp_is_acked_with_err_and_makes_it_inactive() {
    let mut p = Pair::new(Variant::Itu);
    up(&mut p);
    p.log.clear();
    p.inject(SGP, &M3uaRepr::new(T::AspUp, vec![]).to_bytes().unwrap());
    assert_eq!(
        p.ladder()[..3],
        ["SGP>ASP ASPUP ACK", "SGP>ASP ERR UnexpectedMessage", "SGP>ASP NTFY AS-PENDING"]
    );
    assert_eq!(p.ends[SGP].asp_state(), AspState::Inactive);
}

#[test]
fn daud_is_answered_with_dava_and_duna() {
    let v = Variant::Itu;
    let mut s = cfg(M3uaRole::Sgp, v);
    s.local_pc = Some(PointCode(2));
    s.reachable = vec![PointCode(30)];
    let mut p = Pair::with(cfg(M3uaRole::Asp, v), s);
    up(&mut p);
    p.log.clear();
    let apc = |pc: u32| MaskedPointCode { mask: 0, pc: PointCode(pc) };
    let daud = M3uaRepr::new(
        T::Daud,
        vec![P::routing_context(7), P::AffectedPointCode(vec![apc(2), apc(30), apc(44)])],
    );
    let mut out = vec![];
    p.ends[SGP].receive(p.now, &daud.to_bytes().unwrap(), &mut out);
    let answers: Vec<M3uaRepr> = out
        .iter()
        .filter_map(|o| match o {
            M3uaOutput::Transmit(b) => Some(M3uaRepr::parse(b).unwrap()),
            _ => None,
        })
        .collect();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0].message, T::Dava);
    assert!(answers[0].params.contains(&P::AffectedPointCode(vec![apc(2), apc(30)])));
    assert_eq!(answers[1].message, T::Duna);
    assert!(answers[1].params.contains(&P::AffectedPointCode(vec![apc(44)])));
    assert!(answers[1].params.contains(&P::NetworkAppearance(8)));
}

#[test]
fn ssnm_becomes_snm_both_ways() {
    let v = Variant::Itu;
    let (asp_pc, sgp_pc) = pcs(v);
    let mut a = cfg(M3uaRole::Asp, v);
    a.local_pc = Some(asp_pc);
    a.adjacent_pc = Some(sgp_pc);
    let mut p = Pair::with(a, cfg(M3uaRole::Sgp, v));
    up(&mut p);
    p.log.clear();
    // The SGP's element (an STP, say) sends TFP for 77 toward the ASP's element.
    let dest = PointCode(77);
    for snm in [Snm::Tfp { dest }, Snm::Tfa { dest }] {
        let sif = SnmRepr { variant: v, message: snm.clone() }.to_bytes().unwrap();
        let mut m = msu(v, sgp_pc, asp_pc, 0, 0, &sif);
        Mtp3Packet::new_checked(&mut m[..], v).unwrap().set_si(si::SNM);
        p.send_msu(SGP, &m);
    }
    p.run_for(Duration::from_millis(5));
    assert_eq!(p.ladder(), ["SGP>ASP DUNA", "SGP>ASP DAVA"]);
    let got: Vec<Snm> = p
        .delivered(ASP)
        .iter()
        .map(|m| {
            let pk = Mtp3Packet::new_checked(&m[..], v).unwrap();
            assert_eq!((pk.si(), pk.opc(), pk.dpc()), (si::SNM, sgp_pc, asp_pc));
            SnmRepr::parse(pk.sif(), v).unwrap().message
        })
        .collect();
    assert_eq!(got, [Snm::Tfp { dest }, Snm::Tfa { dest }]);
}

#[test]
fn an_sltm_from_the_element_is_answered_locally() {
    let v = Variant::Itu;
    let (a, b) = pcs(v);
    let mut p = Pair::new(v);
    let sif = ainsim_wire::Slt::Sltm { slc: 0, pattern: b"xy".to_vec() }.to_bytes().unwrap();
    let mut m = msu(v, a, b, 0, 0, &sif);
    Mtp3Packet::new_checked(&mut m[..], v).unwrap().set_si(si::MTN);
    p.send_msu(ASP, &m);
    let slta = &p.delivered(ASP)[0];
    let pk = Mtp3Packet::new_checked(&slta[..], v).unwrap();
    assert_eq!((pk.opc(), pk.dpc()), (b, a));
    assert_eq!(
        ainsim_wire::Slt::parse(pk.sif()).unwrap(),
        ainsim_wire::Slt::Slta { slc: 0, pattern: b"xy".to_vec() }
    );
    assert!(p.log.is_empty());
}

#[test]
fn split_and_coalesced_stream_bytes_make_the_same_messages() {
    let v = Variant::Itu;
    let (a, b) = pcs(v);
    let mut p = Pair::new(v);
    up(&mut p);
    let d = |x: u8| {
        M3uaRepr::data(
            Some(7),
            ProtocolData { opc: b, dpc: a, si: 5, ni: 2, mp: 0, sls: 1, user_data: vec![x; 3].into() },
        )
        .to_bytes()
        .unwrap()
    };
    let stream: Vec<u8> = [d(1), d(2), d(3)].concat();
    // One byte at a time, then all at once.
    for &byte in &stream {
        p.inject(ASP, &[byte]);
    }
    p.inject(ASP, &stream);
    assert_eq!(p.delivered(ASP).len(), 6);
    assert_eq!(p.delivered(ASP)[2], p.delivered(ASP)[5]);
}

#[test]
fn a_stream_that_loses_its_framing_is_reset() {
    let mut p = Pair::new(Variant::Itu);
    up(&mut p);
    p.inject(SGP, &[1, 0, 1, 1, 0, 0, 0, 4]);
    assert_eq!(p.count(SGP, &M3uaOutput::Reset("M3UA framing lost")), 1);
    assert!(err_of(&p).contains(&"SGP>ASP ERR ProtocolError".to_owned()));
    assert!(!p.ends[SGP].is_active());
}

#[test]
fn an_unsolicited_aspdn_ack_makes_the_asp_come_back() {
    let mut p = Pair::new(Variant::Itu);
    up(&mut p);
    p.inject(ASP, &M3uaRepr::new(T::AspDnAck, vec![]).to_bytes().unwrap());
    assert_eq!(p.ends[ASP].asp_state(), AspState::Down);
    p.run_for(Duration::from_millis(2100));
    assert!(p.ends[ASP].is_active(), "{:?}", p.log);
}

proptest! {
    /// Arbitrary bytes on the stream, in any state and either role, never
    /// panic, and whatever goes back to the peer is valid M3UA.
    #[test]
    fn arbitrary_stream_bytes_never_panic(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..6),
        sgp in any::<bool>(),
        ansi in any::<bool>(),
        active in any::<bool>(),
    ) {
        let v = if ansi { Variant::Ansi } else { Variant::Itu };
        let mut p = Pair::new(v);
        p.ends[ASP] = M3uaLink::new(M3uaConfig { local_pc: Some(PointCode(1)), adjacent_pc: Some(PointCode(2)), ..cfg(M3uaRole::Asp, v) });
        if active {
            up(&mut p);
        } else {
            p.connect();
        }
        let at = if sgp { SGP } else { ASP };
        // The same bytes as whole messages, and as MSUs from the element.
        for c in &chunks {
            let mut out = vec![];
            p.ends[at].receive_message(p.now, c, &mut out);
            p.ends[at].send_msu(p.now, c, &mut out);
            for o in &out {
                if let M3uaOutput::Transmit(m) = o {
                    prop_assert!(M3uaRepr::parse(m).is_ok());
                }
            }
        }
        for c in &chunks {
            // Start each chunk with a plausible header now and then.
            let mut b = c.clone();
            if b.len() >= 8 && b[0] & 1 == 1 {
                b[0] = 1;
                b[1] = 0;
                b[2] %= 5;
                let n = b.len() as u32;
                b[4..8].copy_from_slice(&n.to_be_bytes());
            }
            let mut out = vec![];
            p.ends[at].receive(p.now, &b, &mut out);
            for o in &out {
                if let M3uaOutput::Transmit(m) = o {
                    prop_assert!(M3uaRepr::parse(m).is_ok());
                }
            }
        }
    }
}

#[test]
fn a_new_transport_while_active_takes_the_asp_down_first() {
    let mut p = Pair::new(Variant::Itu);
    up(&mut p);
    p.queue.clear();
    p.connect();
    assert_eq!(p.count(ASP, &M3uaOutput::Down("transport replaced")), 1);
    assert_eq!(p.count(SGP, &M3uaOutput::Down("transport replaced")), 1);
    p.run_for(Duration::from_millis(10));
    assert!(p.ends[ASP].is_active() && p.ends[SGP].is_active());
}
