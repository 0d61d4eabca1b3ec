//! The intelligent peripheral in simulated time: a stand-in SSP seizes a
//! trunk toward it with an IAM and we read the ISUP answers off the link.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use ainsim_elements::ip::{InbandFrame, Ip, IpConfig};
use ainsim_elements::line::LineSignal;
use ainsim_elements::osn::OsnMessage;
use ainsim_elements::sp::SignallingPoint;
use ainsim_elements::{EventKind, NodeId, Port};
use ainsim_runtime::{LinkKind, LinkModel, Simulator};
use ainsim_wire::isup::{self, MessageType, Parameter};
use ainsim_wire::{IsupBody, IsupRepr, Variant};
use common::*;

struct IpNet {
    sim: Simulator,
    ssp: NodeId,
    ip: NodeId,
    osn: NodeId,
    bearer: NodeId,
    v: Variant,
}

fn ip_network(v: Variant) -> IpNet {
    let mut sim = Simulator::new(3);
    let mut cfg = IpConfig::new("IP", ip_pc(v), v);
    cfg.linksets = vec![(ssp_pc(v), vec![Port(0)])];
    cfg.osn_port = Some(Port(9));
    cfg.bearer_port = Some(Port(10));
    cfg.conference_ports = 2;
    let ssp = sim.add_node("SSP-A", StandIn::new("SSP-A")).unwrap();
    let ip = sim.add_node("IP", Ip::new(cfg)).unwrap();
    let osn = sim.add_node("OSN", StandIn::new("OSN")).unwrap();
    let bearer = sim.add_node("BEARER", StandIn::new("BEARER")).unwrap();
    sim.link((ssp, LINK), (ip, Port(0)), LinkKind::Ss7, LinkModel::fixed(Duration::from_millis(5))).unwrap();
    sim.link((osn, LINK), (ip, Port(9)), LinkKind::Osn, LinkModel::fixed(Duration::from_millis(2))).unwrap();
    sim.link((bearer, LINK), (ip, Port(10)), LinkKind::Line, LinkModel::fixed(Duration::ZERO)).unwrap();
    sim.start();
    IpNet { sim, ssp, ip, osn, bearer, v }
}

impl IpNet {
    fn ssp_sends(&mut self, m: &IsupRepr) {
        let sp = SignallingPoint::new(ssp_pc(self.v), self.v, 2);
        let msu = sp.build(5, ip_pc(self.v), (m.cic & 0x0f) as u8, &m.to_bytes().unwrap()).unwrap();
        self.sim.inject(self.ssp, SCRIPT, msu);
    }

    fn iam(&mut self, cic: u16, called: &str) {
        let (_, mut iam) = isup::examples(self.v).into_iter().find(|(n, _)| *n == "IAM").unwrap();
        iam.cic = cic;
        if let IsupBody::Parameters(list) = &mut iam.body {
            for p in list.mandatory_mut() {
                if let Parameter::CalledPartyNumber(n) = p {
                    n.digits = called.into();
                }
            }
        }
        self.ssp_sends(&iam);
    }

    /// ISUP messages the SSP received: (cic, type, cause of a REL).
    fn run(&mut self, d: Duration) -> Vec<(u16, MessageType, Option<u8>)> {
        self.sim.run_for(d);
        let v = self.v;
        let s = self.sim.element_mut::<StandIn>(self.ssp).unwrap();
        s.received
            .drain(..)
            .map(|(_, b)| {
                let sp = SignallingPoint::new(ssp_pc(v), v, 2);
                let p = sp.receive(&b).unwrap();
                let m = IsupRepr::parse(p.sif(), v).unwrap();
                let cause = m.mandatory().iter().find_map(|p| match p {
                    Parameter::CauseIndicators(c) => Some(c.value),
                    _ => None,
                });
                (m.cic, m.message_type, cause)
            })
            .collect()
    }

    fn notes(&self) -> Vec<String> {
        self.sim
            .events()
            .iter()
            .filter_map(|e| match &e.event.kind {
                EventKind::Note(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn the_ip_plays_please_hold_and_releases() {
    for v in [Variant::Ansi, Variant::Itu] {
        let mut net = ip_network(v);
        // Send_To_Resource with announcement 1: the SSP seizes a trunk to 2125550999 + "1".
        net.iam(5, "21255509991");
        let got = net.run(20 * MS);
        assert_eq!(got, [(5, MessageType::Acm, None), (5, MessageType::Anm, None)], "{v:?}");
        let notes = net.notes();
        assert!(
            notes.iter().any(|n| n.contains(
                "please-hold on cic 5: \"Please hold while we connect you to an ABC Travel customer representative.\" (5.000 s)"
            )),
            "{notes:?}"
        );
        // The caller hears it on the voice path.
        let heard = net.sim.element_mut::<StandIn>(net.bearer).unwrap().received.drain(..).next().unwrap().1;
        let f = InbandFrame::parse(&heard).unwrap();
        assert_eq!(f.cic, 5);
        assert!(matches!(f.signal, LineSignal::Hear(t) if t.starts_with("Please hold")));
        // Nothing until the five seconds are up, then REL 16.
        assert!(net.run(4_900 * MS).is_empty());
        assert_eq!(net.run(200 * MS), [(5, MessageType::Rel, Some(16))]);
        net.ssp_sends(&IsupRepr::new(v, 5, MessageType::Rlc, vec![], None));
        net.run(20 * MS);
        assert_eq!(net.sim.element::<Ip>(net.ip).unwrap().counters().announcements_played, 1);
    }
}

#[test]
fn unknown_numbers_are_refused_and_the_conference_fills_up() {
    let mut net = ip_network(Variant::Itu);
    net.iam(1, "5550000");
    assert_eq!(net.run(20 * MS), [(1, MessageType::Rel, Some(1))]);
    for cic in [2, 3, 4] {
        net.iam(cic, "2125550998");
    }
    let got = net.run(20 * MS);
    assert_eq!(got.iter().filter(|m| m.1 == MessageType::Anm).count(), 2);
    assert!(got.contains(&(4, MessageType::Rel, Some(34))));
    assert_eq!(net.sim.element::<Ip>(net.ip).unwrap().conference_in_use(), 2);
    // One party leaves (REL from the SSP): RLC, and the port is free again.
    net.ssp_sends(&IsupRepr::new(
        Variant::Itu,
        2,
        MessageType::Rel,
        vec![Parameter::CauseIndicators(isup::CauseIndicators {
            value: 16,
            value_ext: 1,
            ..Default::default()
        })],
        None,
    ));
    assert_eq!(net.run(20 * MS), [(2, MessageType::Rlc, None)]);
    assert_eq!(net.sim.element::<Ip>(net.ip).unwrap().conference_in_use(), 1);
}

#[test]
fn the_osn_plays_an_announcement_and_collects_digits() {
    let mut net = ip_network(Variant::Ansi);
    net.iam(7, "2125550999");
    assert_eq!(net.run(20 * MS).len(), 2);
    let play = OsnMessage::Play { cic: 7, announcement: "enter-account".into() };
    net.sim.inject(net.osn, SCRIPT, play.emit());
    net.run(20 * MS);
    assert!(net.notes().iter().any(|n| n.contains("enter-account on cic 7")));
    net.sim.inject(net.osn, SCRIPT, OsnMessage::Collect { cic: 7, max_digits: 6 }.emit());
    net.run(5 * SEC);
    // The caller keys 1234# in-band.
    let digits = InbandFrame { cic: 7, signal: LineSignal::Digits("1234#".into()) }.to_bytes().unwrap();
    net.sim.inject(net.bearer, SCRIPT, digits);
    net.run(20 * MS);
    let got: Vec<OsnMessage> = net
        .sim
        .element_mut::<StandIn>(net.osn)
        .unwrap()
        .received
        .drain(..)
        .map(|(_, b)| OsnMessage::parse(&b).unwrap())
        .collect();
    assert_eq!(got, [OsnMessage::Digits { cic: 7, digits: "1234".into() }]);
    // The call was not released by the OSN-driven announcement.
    assert!(net.run(10 * SEC).is_empty());
    // A malformed OSN frame is dropped, not fatal.
    net.sim.inject(net.osn, SCRIPT, vec![0, 0, 0, 1, b'x']);
    net.run(20 * MS);
    assert_eq!(net.sim.element::<Ip>(net.ip).unwrap().counters().dropped, 1);
}
