//! Stories of a mated STP pair between two SSP-like end points and an ISCP
//! pair, stepped in virtual time by a tiny in-test harness (fixed latency
//! per link, links that fail and return; frames in flight on a failed link
//! are lost, as on a real link without MTP2 retransmission).
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

use std::collections::BTreeMap;

use ainsim_wire::mtp3::si;
use ainsim_wire::sccp::{self, Address, GlobalTitle, ProtocolClass, ReturnCause, Routing, Udt, Xudt};
use ainsim_wire::{IsupRepr, Mtp3Packet, PointCode, SccpRepr, Snm, SnmRepr, Variant};
use bytes::Bytes;

use super::*;
use crate::core::{Event, Output};

// ---------------------------------------------------------------------------
// The harness.

/// An SSP-like end point: a signalling point that answers management
/// (COO → COA, CBD → CBA, SLTM → SLTA, honours TFP/TFA) and records the
/// rest.
struct EndPoint {
    name: String,
    sp: SignallingPoint,
    got: Vec<(Instant, Port, Vec<u8>)>,
}

impl Element for EndPoint {
    fn name(&self) -> &str {
        &self.name
    }
    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Recv { port, bytes } => {
                let _ = self.sp.accept(port, bytes, out);
                self.got.push((now, port, bytes.to_vec()));
            }
            Input::LinkState { port, up } => self.sp.set_link_state(port, up),
            _ => {}
        }
    }
}

enum Node {
    Stp(Box<Stp>),
    Ep(EndPoint),
}

impl Node {
    fn element(&mut self) -> &mut dyn Element {
        match self {
            Node::Stp(s) => s.as_mut(),
            Node::Ep(e) => e,
        }
    }
}

struct Wire {
    ends: [(usize, Port); 2],
    up: bool,
    epoch: u32,
    /// Frames lost on this wire: (node they were going to, bytes).
    lost: Vec<(usize, Bytes)>,
}

enum Ev {
    Frame { wire: usize, epoch: u32, from: usize, to: (usize, Port), bytes: Bytes },
    Timer { node: usize, id: TimerId, at: Instant },
}

/// One frame delivered: when, from which node to which node and port.
#[derive(Clone)]
struct Tapped {
    at: Instant,
    from: usize,
    to: usize,
    port: Port,
    bytes: Bytes,
}

struct Net {
    nodes: Vec<Node>,
    wires: Vec<Wire>,
    latency_us: u64,
    now: Instant,
    seq: u64,
    queue: BTreeMap<(Instant, u64), Ev>,
    timers: BTreeMap<(usize, TimerId), Instant>,
    tap: Vec<Tapped>,
    events: Vec<(usize, Event)>,
    variant: Variant,
    steps: u64,
}

impl Net {
    fn push(&mut self, at: Instant, ev: Ev) {
        self.seq += 1;
        self.queue.insert((at, self.seq), ev);
    }

    fn wire_of(&self, node: usize, port: Port) -> Option<(usize, (usize, Port))> {
        self.wires.iter().enumerate().find_map(|(i, w)| {
            if w.ends[0] == (node, port) {
                Some((i, w.ends[1]))
            } else if w.ends[1] == (node, port) {
                Some((i, w.ends[0]))
            } else {
                None
            }
        })
    }

    fn apply(&mut self, node: usize, out: &mut Outputs) {
        let items: Vec<Output> = out.drain().collect();
        for o in items {
            match o {
                Output::Send { port, bytes } => {
                    let Some((w, to)) = self.wire_of(node, port) else {
                        panic!("node {node} port {port:?} unwired")
                    };
                    if !self.wires[w].up {
                        self.wires[w].lost.push((to.0, bytes));
                        continue;
                    }
                    let at = Instant(self.now.0 + self.latency_us);
                    let epoch = self.wires[w].epoch;
                    self.push(at, Ev::Frame { wire: w, epoch, from: node, to, bytes });
                }
                Output::SetTimer { id, at } => {
                    self.timers.insert((node, id), at);
                    self.push(at, Ev::Timer { node, id, at });
                }
                Output::CancelTimer { id } => {
                    self.timers.remove(&(node, id));
                }
                Output::Event(e) => self.events.push((node, e)),
            }
        }
    }

    fn input(&mut self, node: usize, input: Input<'_>) {
        let mut out = Outputs::new();
        let now = self.now;
        self.nodes[node].element().handle(now, input, &mut out);
        self.apply(node, &mut out);
    }

    fn run_until(&mut self, t: Instant) {
        while let Some((&(at, seq), _)) = self.queue.first_key_value() {
            if at > t {
                break;
            }
            let ev = self.queue.remove(&(at, seq)).unwrap();
            self.steps += 1;
            assert!(self.steps < 2_000_000, "runaway: a message storm");
            self.now = at;
            match ev {
                Ev::Frame { wire, epoch, from, to, bytes } => {
                    if !self.wires[wire].up || self.wires[wire].epoch != epoch {
                        self.wires[wire].lost.push((to.0, bytes));
                        continue;
                    }
                    self.tap.push(Tapped { at, from, to: to.0, port: to.1, bytes: bytes.clone() });
                    self.input(to.0, Input::Recv { port: to.1, bytes: &bytes });
                }
                Ev::Timer { node, id, at } => {
                    if self.timers.get(&(node, id)) == Some(&at) {
                        self.timers.remove(&(node, id));
                        self.input(node, Input::Timer(id));
                    }
                }
            }
        }
        self.now = t;
    }

    fn ms(&mut self, ms: u64) {
        let t = Instant(self.now.0 + ms * 1000);
        self.run_until(t);
    }

    fn set_wire(&mut self, w: usize, up: bool) {
        self.wires[w].up = up;
        self.wires[w].epoch += 1;
        let ends = self.wires[w].ends;
        for (node, port) in ends {
            self.input(node, Input::LinkState { port, up });
        }
    }

    /// User part (ISUP) frames lost on `wires` on their way to `node`.
    fn isup_lost(&self, wires: &[usize], node: usize) -> u64 {
        let v = self.variant;
        wires
            .iter()
            .flat_map(|&w| self.wires[w].lost.iter())
            .filter(|(to, b)| {
                *to == node && Mtp3Packet::new_checked(&b[..], v).is_ok_and(|p| p.si() == si::ISUP)
            })
            .count() as u64
    }

    fn ep(&mut self, n: usize) -> &mut EndPoint {
        match &mut self.nodes[n] {
            Node::Ep(e) => e,
            Node::Stp(_) => panic!("node {n} is an STP"),
        }
    }

    fn stp(&self, n: usize) -> &Stp {
        match &self.nodes[n] {
            Node::Stp(s) => s,
            Node::Ep(_) => panic!("node {n} is not an STP"),
        }
    }

    /// An end point sends a user part message through its own routing.
    fn send(&mut self, n: usize, si: u8, dpc: PointCode, sls: u8, sif: &[u8]) {
        let mut out = Outputs::new();
        self.ep(n).sp.send(&mut out, si, dpc, sls, sif).unwrap();
        self.apply(n, &mut out);
    }

    /// Bytes put straight on a port, as a misbehaving peer would.
    fn inject(&mut self, from: usize, port: Port, bytes: Vec<u8>) {
        let mut out = Outputs::new();
        out.send(port, bytes);
        self.apply(from, &mut out);
    }

    /// SNM messages delivered from `from` to `to`, decoded.
    fn snm(&self, from: usize, to: usize) -> Vec<(Instant, Port, u8, Snm)> {
        self.tap
            .iter()
            .filter(|t| t.from == from && t.to == to)
            .filter_map(|t| {
                let p = Mtp3Packet::new_checked(&t.bytes[..], self.variant).ok()?;
                (p.si() == si::SNM)
                    .then(|| (t.at, t.port, p.sls(), SnmRepr::parse(p.sif(), self.variant).unwrap().message))
            })
            .collect()
    }

    fn dropped(&self, node: usize) -> Vec<(String, String)> {
        self.events
            .iter()
            .filter(|(n, _)| *n == node)
            .filter_map(|(_, e)| match &e.kind {
                EventKind::Dropped { reason, hex } => Some((reason.clone(), hex.clone())),
                _ => None,
            })
            .collect()
    }
}

// Node indices and point codes of the test network.
const A: usize = 0;
const B: usize = 1;
const STP1: usize = 2;
const STP2: usize = 3;
const ISCP: usize = 4;
const ISCP2: usize = 5;
const ISCP_SSN: u8 = 254;

/// The mated pair's capability point code.
fn alias(v: Variant) -> PointCode {
    match v {
        Variant::Itu => PointCode(12),
        Variant::Ansi => PointCode::ansi(1, 2, 3),
    }
}

struct Pcs {
    a: PointCode,
    b: PointCode,
    stp1: PointCode,
    stp2: PointCode,
    iscp: PointCode,
    iscp2: PointCode,
}

fn pcs(v: Variant) -> Pcs {
    match v {
        Variant::Itu => Pcs {
            a: PointCode(1),
            b: PointCode(2),
            stp1: PointCode(10),
            stp2: PointCode(11),
            iscp: PointCode(20),
            iscp2: PointCode(21),
        },
        Variant::Ansi => Pcs {
            a: PointCode::ansi(1, 1, 1),
            b: PointCode::ansi(1, 1, 2),
            stp1: PointCode::ansi(1, 2, 1),
            stp2: PointCode::ansi(1, 2, 2),
            iscp: PointCode::ansi(1, 3, 1),
            iscp2: PointCode::ansi(1, 3, 2),
        },
    }
}

fn ls(name: &str, adjacent: PointCode, ports: &[u32]) -> LinkSetConfig {
    LinkSetConfig {
        name: name.into(),
        adjacent,
        ports: ports.iter().map(|&p| Port(p)).collect(),
        screening: Screening::default(),
    }
}

fn route(dpc: PointCode, names: &[&str]) -> RouteConfig {
    RouteConfig { dpc: Some(dpc), linksets: vec![names.iter().map(|s| s.to_string()).collect()] }
}

/// STP1 has two links to SSP A (ports 0, 1) and one to everyone else;
/// STP2 has one link to everyone. Both share the C link (STP1 port 3,
/// STP2 port 2).
fn stp_config(v: Variant, first: bool) -> StpConfig {
    let p = pcs(v);
    let (me, mate) = if first { (p.stp1, p.stp2) } else { (p.stp2, p.stp1) };
    let linksets = if first {
        vec![
            ls("A", p.a, &[0, 1]),
            ls("B", p.b, &[2]),
            ls("C", mate, &[3]),
            ls("ISCP", p.iscp, &[4]),
            ls("ISCP2", p.iscp2, &[5]),
        ]
    } else {
        vec![
            ls("A", p.a, &[0]),
            ls("B", p.b, &[1]),
            ls("C", mate, &[2]),
            ls("ISCP", p.iscp, &[3]),
            ls("ISCP2", p.iscp2, &[4]),
        ]
    };
    StpConfig {
        name: if first { "STP-1" } else { "STP-2" }.into(),
        point_code: me,
        alias_point_codes: vec![alias(v)],
        variant: v,
        ni: 2,
        sls_bits: None,
        linksets,
        routes: vec![
            route(p.a, &["A"]),
            route(p.b, &["B"]),
            route(mate, &["C"]),
            route(p.iscp, &["ISCP"]),
            route(p.iscp2, &["ISCP2"]),
        ],
        mate: Some("C".into()),
        gtt: vec![GttRule {
            prefix: "800".into(),
            tt: Some(0),
            np: None,
            primary: GttTarget { pc: p.iscp, ssn: ISCP_SSN },
            backup: Some(GttTarget { pc: p.iscp2, ssn: ISCP_SSN }),
        }],
        timers: Timers::default(),
        retrieval: false,
    }
}

fn end_point(
    name: &str,
    v: Variant,
    pc: PointCode,
    stp1_ports: &[u32],
    stp2_ports: &[u32],
    p: &Pcs,
) -> EndPoint {
    let mut sp = SignallingPoint::new(pc, v, 2);
    let to = |ports: &[u32]| ports.iter().map(|&x| Port(x)).collect::<Vec<_>>();
    let s1 = sp.add_linkset(p.stp1, &to(stp1_ports));
    let s2 = sp.add_linkset(p.stp2, &to(stp2_ports));
    // A combined link set across the mated pair.
    sp.add_route(None, &[&[s1, s2]]);
    EndPoint { name: name.into(), sp, got: Vec::new() }
}

fn network_with(v: Variant, tweak: impl Fn(&mut StpConfig)) -> Net {
    let p = pcs(v);
    let mut c1 = stp_config(v, true);
    let mut c2 = stp_config(v, false);
    tweak(&mut c1);
    tweak(&mut c2);
    let nodes = vec![
        Node::Ep(end_point("SSP-A", v, p.a, &[0, 1], &[2], &p)),
        Node::Ep(end_point("SSP-B", v, p.b, &[0], &[1], &p)),
        Node::Stp(Box::new(c1.build().unwrap())),
        Node::Stp(Box::new(c2.build().unwrap())),
        Node::Ep(end_point("ISCP", v, p.iscp, &[0], &[1], &p)),
        Node::Ep(end_point("ISCP-mate", v, p.iscp2, &[0], &[1], &p)),
    ];
    let w = |a: usize, pa: u32, b: usize, pb: u32| Wire {
        ends: [(a, Port(pa)), (b, Port(pb))],
        up: true,
        epoch: 0,
        lost: Vec::new(),
    };
    let wires = vec![
        w(A, 0, STP1, 0),     // 0: A–STP1 link 0
        w(A, 1, STP1, 1),     // 1: A–STP1 link 1
        w(A, 2, STP2, 0),     // 2
        w(B, 0, STP1, 2),     // 3
        w(B, 1, STP2, 1),     // 4
        w(STP1, 3, STP2, 2),  // 5: C link
        w(ISCP, 0, STP1, 4),  // 6
        w(ISCP, 1, STP2, 3),  // 7
        w(ISCP2, 0, STP1, 5), // 8
        w(ISCP2, 1, STP2, 4), // 9
    ];
    let mut net = Net {
        nodes,
        wires,
        latency_us: 1000,
        now: Instant::ZERO,
        seq: 0,
        queue: BTreeMap::new(),
        timers: BTreeMap::new(),
        tap: Vec::new(),
        events: Vec::new(),
        variant: v,
        steps: 0,
    };
    for n in 0..net.nodes.len() {
        net.input(n, Input::Start);
    }
    net
}

fn network(v: Variant) -> Net {
    network_with(v, |_| {})
}

/// An IAM whose CIC numbers it, so order can be checked at the far end.
fn iam(v: Variant, cic: u16) -> Vec<u8> {
    let (_, mut r) = ainsim_wire::isup::examples(v).into_iter().find(|(n, _)| *n == "IAM").unwrap();
    r.cic = cic;
    r.to_bytes().unwrap().into()
}

/// The ISUP messages an end point received: (time, port, SLS, CIC).
fn isup_got(net: &mut Net, n: usize) -> Vec<(Instant, Port, u8, u16)> {
    let v = net.variant;
    net.ep(n)
        .got
        .iter()
        .filter_map(|(at, port, b)| {
            let p = Mtp3Packet::new_checked(&b[..], v).ok()?;
            (p.si() == si::ISUP).then(|| (*at, *port, p.sls(), IsupRepr::parse(p.sif(), v).unwrap().cic))
        })
        .collect()
}

fn sccp_got(net: &mut Net, n: usize) -> Vec<(PointCode, SccpRepr)> {
    let v = net.variant;
    net.ep(n)
        .got
        .iter()
        .filter_map(|(_, _, b)| {
            let p = Mtp3Packet::new_checked(&b[..], v).ok()?;
            (p.si() == si::SCCP).then(|| (p.opc(), SccpRepr::parse(p.sif(), v).unwrap()))
        })
        .collect()
}

fn udt_800(v: Variant, digits: &str, tt: u8, return_on_error: bool, from: PointCode) -> Vec<u8> {
    let gt = match v {
        Variant::Itu => GlobalTitle::TtNpEsNai {
            translation_type: tt,
            numbering_plan: sccp::numbering_plan::E164,
            nature_of_address: sccp::nature_of_address::NATIONAL_SIGNIFICANT,
            digits: digits.into(),
        },
        Variant::Ansi => GlobalTitle::TtNpEs {
            translation_type: tt,
            numbering_plan: sccp::numbering_plan::E164,
            digits: digits.into(),
        },
    };
    SccpRepr::Udt(Udt {
        protocol_class: ProtocolClass::class0(return_on_error),
        called_party: Address::gt(v, gt, Some(ISCP_SSN)),
        calling_party: Address::pc_ssn(v, from, ISCP_SSN),
        data: vec![0xe2, 0x03, 0xc7, 0x01, 0x01],
    })
    .to_bytes(v)
    .unwrap()
}

// ---------------------------------------------------------------------------
// Stories.

#[test]
fn isup_crosses_the_mated_pair_in_order() {
    for v in [Variant::Itu, Variant::Ansi] {
        let p = pcs(v);
        let mut net = network(v);
        for cic in 1..=64u16 {
            net.send(A, si::ISUP, p.b, (cic % 16) as u8, &iam(v, cic));
        }
        net.ms(10);
        let got = isup_got(&mut net, B);
        let cics: Vec<u16> = got.iter().map(|g| g.3).collect();
        assert_eq!(cics, (1..=64).collect::<Vec<_>>(), "{v}: every IAM, in order");
        // Even SLSs through STP-1, odd through STP-2: the combined link set.
        assert_eq!(net.stp(STP1).counters().transferred, 32);
        assert_eq!(net.stp(STP2).counters().transferred, 32);
        assert!(got.iter().all(|g| (g.1 == Port(0)) == (g.2 % 2 == 0)));
        // The STP forwards the MSU byte for byte.
        let sent = net.tap.iter().find(|t| t.from == A).unwrap().bytes.clone();
        assert!(net.tap.iter().any(|t| t.to == B && t.bytes == sent));
    }
}

#[test]
fn sls_spreads_traffic_over_the_links_of_a_link_set() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut net = network(v);
    for i in 0..160u16 {
        net.send(B, si::ISUP, p.a, (i % 16) as u8, &iam(v, i));
    }
    net.ms(10);
    let got = isup_got(&mut net, A);
    let count = |port: u32| got.iter().filter(|g| g.1 == Port(port)).count();
    // STP-1 carries the even SLSs and shares them over both of its links to
    // A; STP-2 carries the odd ones on its single link.
    assert_eq!((count(0), count(1), count(2)), (40, 40, 80));
    // One SLS, one link: nothing can overtake within an SLS stream.
    for sls in 0..16u8 {
        let ports: std::collections::BTreeSet<Port> =
            got.iter().filter(|g| g.2 == sls).map(|g| g.1).collect();
        assert_eq!(ports.len(), 1, "sls {sls} used {ports:?}");
    }
}

#[test]
fn ansi_eight_bit_sls_uses_every_link() {
    let v = Variant::Ansi;
    let p = pcs(v);
    let mut net = network_with(v, |c| c.sls_bits = Some(8));
    for i in 0..256u16 {
        net.send(B, si::ISUP, p.a, (i % 256) as u8, &iam(v, i));
    }
    net.ms(10);
    let got = isup_got(&mut net, A);
    assert_eq!(got.len(), 256);
    assert!(got.iter().any(|g| g.1 == Port(0)) && got.iter().any(|g| g.1 == Port(1)));
}

/// The story of the issue: a link fails under load; STP-1 changes its
/// traffic over to the other link (COO/COA), holding it meanwhile; when the
/// link returns it changes back (CBD/CBA). Only frames that were on the
/// wire when it broke are lost; every SLS stream stays in order.
#[test]
fn link_failure_under_load_changes_over_and_back_in_order() {
    for (v, retrieval) in
        [(Variant::Itu, false), (Variant::Ansi, false), (Variant::Itu, true), (Variant::Ansi, true)]
    {
        let p = pcs(v);
        let mut net = network_with(v, |c| c.retrieval = retrieval);
        let mut sent = 0u16;
        // 1 message per 250 µs from B to A, and some from A to B so STP-1
        // has accepted MSUs on both links (it knows their FSN).
        for step in 0..1200u32 {
            if step == 400 {
                net.set_wire(0, false); // A–STP1 link 0 (SLC 0) fails
            }
            if step == 800 {
                net.set_wire(0, true);
            }
            sent += 1;
            net.send(B, si::ISUP, p.a, (sent % 16) as u8, &iam(v, sent));
            if step % 8 == 0 {
                net.send(A, si::ISUP, p.b, (step / 8 % 16) as u8, &iam(v, 4000));
            }
            net.run_until(Instant(u64::from(step + 1) * 250));
        }
        net.ms(20);

        let stp1 = net.stp(STP1).counters().clone();
        assert_eq!((stp1.changeovers, stp1.changebacks, stp1.time_controlled), (1, 1, 0), "{v}");
        assert!(stp1.buffered > 0, "{v}: traffic was held during changeover");

        // The ladder between STP-1 and A: COO on the surviving link (port 1),
        // COA back, then CBD/CBA when link 0 is back.
        let slc = |s: Option<u8>, label_sls: u8| s.unwrap_or(label_sls & 0x0f);
        let to_a = net.snm(STP1, A);
        let from_a = net.snm(A, STP1);
        let (t_coo, port, lsls, Snm::Coo { slc: s, .. }) = to_a[0].clone() else { panic!("{v}: {to_a:?}") };
        assert_eq!((port, slc(s, lsls)), (Port(1), 0), "{v}: COO for SLC 0 on link 1");
        let Some((t_coa, _, _, _)) = from_a.iter().find(|m| matches!(m.3, Snm::Coa { .. })).cloned() else {
            panic!("{v}: no COA in {from_a:?}")
        };
        assert!(t_coa > t_coo);
        let Some((_, port, _, Snm::Cbd { cbc, .. })) =
            to_a.iter().find(|m| matches!(m.3, Snm::Cbd { .. })).cloned()
        else {
            panic!("{v}: no CBD in {to_a:?}")
        };
        assert_eq!(port, Port(1), "{v}: CBD goes on the link that carried the traffic");
        assert!(
            from_a.iter().any(|m| m.3 == Snm::Cba { slc: m.3.clone().slc_opt(), cbc }),
            "{v}: CBA {from_a:?}"
        );

        // Nothing lost but what was on the wire when it broke; no SLS stream reordered.
        let got = isup_got(&mut net, A);
        let lost_in_flight = net.isup_lost(&[0], A);
        assert!(lost_in_flight > 0 && lost_in_flight <= 8, "{v}: {lost_in_flight} lost on the wire");
        if retrieval {
            // The COA said how far A got; STP-1 sent the rest again on link 1.
            assert_eq!(stp1.retrieved, lost_in_flight, "{v}");
            assert_eq!(got.len(), usize::from(sent), "{v}: nothing lost with retrieval");
        } else {
            assert_eq!(stp1.retrieved, 0);
            assert_eq!(got.len() as u64 + lost_in_flight, u64::from(sent), "{v}");
        }
        for sls in 0..16u8 {
            let cics: Vec<u16> = got.iter().filter(|g| g.2 == sls).map(|g| g.3).collect();
            assert!(cics.windows(2).all(|w| w[0] < w[1]), "{v}: sls {sls} reordered: {cics:?}");
        }
        // Link 0 carries traffic again after the changeback.
        let back = got.iter().filter(|g| g.0 > Instant(210_000) && g.1 == Port(0)).count();
        assert!(back > 0, "{v}: link 0 unused after changeback");
        // Nothing went over link 0 while it was down.
        assert!(!got.iter().any(|g| g.1 == Port(0) && g.0 > Instant(101_000) && g.0 < Instant(200_000)));
        assert!(net.dropped(STP1).is_empty(), "{v}: {:?}", net.dropped(STP1));
    }
}

/// Both of STP-1's links to A fail under load: STP-1 changes its traffic
/// over to the mate (C link), tells STP-2 not to route A back through it,
/// and changes back when the links return. Every SLS stream stays in order.
#[test]
fn a_whole_link_set_fails_and_traffic_goes_through_the_mate() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut net = network(v);
    let mut sent = 0u16;
    for step in 0..16_000u32 {
        if step == 400 {
            // Both wires break together, then both ends hear of it.
            net.wires[0].up = false;
            net.wires[1].up = false;
            net.set_wire(0, false);
            net.set_wire(1, false);
        }
        if step == 12_000 {
            net.set_wire(0, true);
            net.set_wire(1, true);
        }
        sent += 1;
        net.send(B, si::ISUP, p.a, (sent % 16) as u8, &iam(v, sent % 4096));
        if step % 8 == 0 {
            net.send(A, si::ISUP, p.b, (step / 8 % 16) as u8, &iam(v, 4000));
        }
        net.run_until(Instant(u64::from(step + 1) * 250));
    }
    net.ms(2000);
    let c = net.stp(STP1).counters().clone();
    assert_eq!((c.changeovers, c.changebacks), (2, 2));
    // STP-1 routes A through STP-2 now: TFP(A) to STP-2 only, then TFA.
    let to_mate = net.snm(STP1, STP2);
    let tfp = to_mate.iter().position(|m| m.3 == Snm::Tfp { dest: p.a }).expect("TFP(A) to the mate");
    assert!(to_mate[tfp..].iter().any(|m| m.3 == Snm::Tfa { dest: p.a }), "{to_mate:?}");
    assert!(!net.snm(STP1, B).iter().any(|m| m.3 == Snm::Tfp { dest: p.a }));
    // The C link carried A's even SLSs meanwhile.
    let via_mate = net.tap.iter().filter(|t| t.from == STP1 && t.to == STP2).count();
    assert!(via_mate > 1000, "{via_mate}");

    let got = isup_got(&mut net, A);
    let lost = net.isup_lost(&[0, 1], A);
    assert_eq!(got.len() as u64 + lost, u64::from(sent));
    assert!(lost <= 8, "{lost} lost on the wires");
    for sls in 0..16u8 {
        let seq: Vec<Instant> = got.iter().filter(|g| g.2 == sls).map(|g| g.0).collect();
        let cics: Vec<u16> = got.iter().filter(|g| g.2 == sls).map(|g| g.3).collect();
        // CICs wrap at 4096: compare by position in the sent order instead.
        let mut last = 0u32;
        let mut wraps = 0u32;
        for (i, &cic) in cics.iter().enumerate() {
            let n = u32::from(cic) + wraps * 4096;
            let n = if n < last {
                wraps += 1;
                n + 4096
            } else {
                n
            };
            assert!(n > last || i == 0, "sls {sls} reordered at {i}: {:?}", &cics[i.saturating_sub(3)..]);
            last = n;
        }
        assert_eq!(seq.len(), cics.len());
    }
    // After the changeback A's direct links carry traffic again.
    assert!(got.iter().any(|g| g.0 > Instant(3_010_000) && g.1 == Port(0)));
}

trait SlcOpt {
    fn slc_opt(&self) -> Option<u8>;
}

impl SlcOpt for Snm {
    fn slc_opt(&self) -> Option<u8> {
        match self {
            Snm::Cba { slc, .. } | Snm::Cbd { slc, .. } => *slc,
            _ => None,
        }
    }
}

#[test]
fn idle_link_failure_uses_emergency_changeover() {
    let v = Variant::Itu;
    let mut net = network(v);
    // Nothing has been received on A's links: the FSN is unknown.
    net.set_wire(1, false);
    net.ms(5);
    let to_a = net.snm(STP1, A);
    assert!(matches!(to_a[0].3, Snm::Eco { .. }), "{to_a:?}");
    assert!(net.snm(A, STP1).iter().any(|m| matches!(m.3, Snm::Eca { .. })));
    assert_eq!(net.stp(STP1).link_mode(Port(1)), Some(LinkMode::Unavailable));
}

#[test]
fn no_changeover_acknowledgement_restarts_traffic_after_t2() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut net = network(v);
    // A's side of the other link is cut too, silently: the COO never arrives.
    net.wires[1].up = false;
    net.set_wire(0, false);
    net.send(B, si::ISUP, p.a, 0, &iam(v, 7));
    net.ms(100);
    assert_eq!(net.stp(STP1).link_mode(Port(0)), Some(LinkMode::ChangingOver));
    net.ms(1400);
    assert_eq!(net.stp(STP1).link_mode(Port(0)), Some(LinkMode::Unavailable));
    // Held traffic went on: link 1 is "up" for STP-1, so it tried it.
    assert_eq!(net.stp(STP1).counters().buffered, 1);
}

/// A whole link set fails: STP-1 reroutes over the C link and tells STP-2
/// not to route that destination back through it (TFP to the node it now
/// routes through); when the destination is lost to both, everybody hears
/// TFP, and the SSPs stop using the pair for it; TFA undoes it all.
#[test]
fn transfer_prohibited_and_allowed() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut net = network(v);
    net.set_wire(8, false); // ISCP-mate – STP1
    net.ms(10);
    assert!(net.snm(STP1, STP2).iter().any(|m| m.3 == Snm::Tfp { dest: p.iscp2 }));
    assert!(!net.snm(STP1, A).iter().any(|m| m.3 == Snm::Tfp { dest: p.iscp2 }));
    // Traffic from A for ISCP-mate via STP-1 goes over the C link.
    net.send(A, si::ISUP, p.iscp2, 0, &iam(v, 1));
    net.ms(10);
    assert_eq!(isup_got(&mut net, ISCP2).len(), 1);
    assert!(net.tap.iter().any(|t| t.from == STP1 && t.to == STP2 && t.bytes.len() > 20));

    net.set_wire(9, false); // ISCP-mate – STP2: now inaccessible from the pair
                            // STP-2 has no path left to ISCP-mate for the COO: time-controlled changeover (T1).
    net.ms(10);
    assert_eq!(net.stp(STP2).link_mode(Port(4)), Some(LinkMode::ChangingOver));
    net.ms(1000);
    assert_eq!(net.stp(STP2).counters().time_controlled, 1);
    for n in [A, B] {
        assert!(net.snm(STP1, n).iter().any(|m| m.3 == Snm::Tfp { dest: p.iscp2 }), "STP-1 → {n}");
        assert!(net.snm(STP2, n).iter().any(|m| m.3 == Snm::Tfp { dest: p.iscp2 }), "STP-2 → {n}");
    }
    assert!(net.ep(A).sp.route(p.iscp2, 0).is_err(), "A honours TFP from both STPs");
    assert!(net.ep(A).sp.route(p.iscp, 0).is_ok());

    // Route-set-test: STP-1 asks STP-2 again after T10; STP-2 answers TFP.
    let before = net.snm(STP2, STP1).len();
    net.ms(31_000);
    assert!(net.snm(STP1, STP2).iter().any(|m| m.3 == Snm::Rst { dest: p.iscp2 }));
    assert!(net.snm(STP2, STP1)[before..].iter().any(|m| m.3 == Snm::Tfp { dest: p.iscp2 }));
    assert!(net.stp(STP1).counters().rst_sent >= 1);

    net.set_wire(9, true);
    net.ms(10);
    assert!(net.snm(STP2, A).iter().any(|m| m.3 == Snm::Tfa { dest: p.iscp2 }));
    assert!(net.snm(STP1, A).iter().any(|m| m.3 == Snm::Tfa { dest: p.iscp2 }));
    assert!(net.ep(A).sp.route(p.iscp2, 0).is_ok(), "A honours TFA");
    net.send(A, si::ISUP, p.iscp2, 0, &iam(v, 2));
    net.ms(10);
    assert_eq!(isup_got(&mut net, ISCP2).len(), 2);
}

#[test]
fn an_unroutable_msu_is_dropped_and_answered_with_tfp() {
    let v = Variant::Itu;
    let mut net = network(v);
    let nowhere = PointCode(999);
    let msu = net.ep(A).sp.build(si::ISUP, nowhere, 0, &iam(v, 1)).unwrap();
    net.inject(A, Port(0), msu);
    net.ms(5);
    assert_eq!(net.stp(STP1).counters().unroutable, 1);
    assert!(net.snm(STP1, A).iter().any(|m| m.3 == Snm::Tfp { dest: nowhere }));
    assert!(net.dropped(STP1)[0].0.contains("no route"));
}

#[test]
fn gtt_sends_an_800_query_to_the_iscp_and_to_its_mate_when_prohibited() {
    for v in [Variant::Itu, Variant::Ansi] {
        let p = pcs(v);
        let mut net = network(v);
        net.send(A, si::SCCP, p.stp1, 0, &udt_800(v, "8005551234", 0, true, p.a));
        net.ms(5);
        let got = sccp_got(&mut net, ISCP);
        assert_eq!(got.len(), 1, "{v}");
        let (opc, SccpRepr::Udt(udt)) = &got[0] else { panic!() };
        assert_eq!(*opc, p.stp1, "{v}: the STP relays as a new MTP message");
        assert_eq!(udt.called_party.routing, Routing::PcSsn);
        assert_eq!(udt.called_party.ssn, Some(ISCP_SSN));
        assert_eq!(udt.called_party.global_title.digits(), Some("8005551234"), "{v}: GT kept");
        assert_eq!(udt.calling_party.point_code, Some(p.a));
        assert_eq!(net.stp(STP1).counters().gtt_translated, 1);

        // The ISCP becomes inaccessible from both STPs: TFP, then the backup.
        net.set_wire(6, false);
        net.set_wire(7, false);
        // Nobody can answer the COOs: T2 (1.4 s) ends the changeovers.
        net.ms(2000);
        assert!(net.snm(STP1, A).iter().any(|m| m.3 == Snm::Tfp { dest: p.iscp }), "{v}");
        net.send(A, si::SCCP, p.stp1, 0, &udt_800(v, "8005551234", 0, true, p.a));
        net.send(A, si::SCCP, p.stp2, 1, &udt_800(v, "8005551234", 0, true, p.a));
        net.ms(5);
        let got = sccp_got(&mut net, ISCP2);
        assert_eq!(got.len(), 2, "{v}");
        assert!(got.iter().all(|(_, r)| r.called_party().unwrap().ssn == Some(ISCP_SSN)));
        assert_eq!(net.stp(STP1).counters().gtt_to_backup, 1);
        assert_eq!(net.stp(STP2).counters().gtt_to_backup, 1);
        assert_eq!(sccp_got(&mut net, ISCP).len(), 1);

        // Queries to the pair's capability point code: even SLSs are
        // translated by STP-1, odd ones by STP-2.
        let before = (net.stp(STP1).counters().gtt_translated, net.stp(STP2).counters().gtt_translated);
        for sls in 0..4 {
            net.send(A, si::SCCP, alias(v), sls, &udt_800(v, "8005551234", 0, true, p.a));
        }
        net.ms(5);
        assert_eq!(sccp_got(&mut net, ISCP2).len(), 6, "{v}");
        assert_eq!(net.stp(STP1).counters().gtt_translated, before.0 + 2);
        assert_eq!(net.stp(STP2).counters().gtt_translated, before.1 + 2);

        // Both gone: UDTS, MTP failure.
        net.set_wire(8, false);
        net.set_wire(9, false);
        net.ms(2000);
        net.send(A, si::SCCP, p.stp1, 0, &udt_800(v, "8005551234", 0, true, p.a));
        net.ms(5);
        let back = sccp_got(&mut net, A);
        let Some((_, SccpRepr::Udts(u))) = back.last() else { panic!("{v}: {back:?}") };
        assert_eq!(u.return_cause, ReturnCause::MtpFailure);
    }
}

#[test]
fn udts_on_no_translation_only_when_asked() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut net = network(v);
    net.send(A, si::SCCP, p.stp1, 0, &udt_800(v, "9995551234", 0, true, p.a)); // no rule for 999
    net.send(A, si::SCCP, p.stp1, 0, &udt_800(v, "8005551234", 7, true, p.a)); // no rule for TT 7
    net.send(A, si::SCCP, p.stp1, 0, &udt_800(v, "9995551234", 0, false, p.a)); // no return asked
    net.ms(5);
    let back = sccp_got(&mut net, A);
    let causes: Vec<ReturnCause> = back
        .iter()
        .map(|(opc, r)| {
            assert_eq!(*opc, p.stp1);
            let SccpRepr::Udts(u) = r else { panic!("{r:?}") };
            // Q.714 §4.2: called and calling swapped, data returned.
            assert_eq!(u.called_party, Address::pc_ssn(v, p.a, ISCP_SSN));
            assert_eq!(u.data, vec![0xe2, 0x03, 0xc7, 0x01, 0x01]);
            u.return_cause
        })
        .collect();
    assert_eq!(causes, vec![ReturnCause::NoTranslationForAddress, ReturnCause::NoTranslationForNature]);
    let c = net.stp(STP1).counters();
    assert_eq!((c.gtt_failed, c.udts_sent), (3, 2));
    assert_eq!(net.dropped(STP1).len(), 3);
}

#[test]
fn xudt_hop_counter_is_decremented_and_enforced() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut net = network(v);
    let xudt = |hop: u8| {
        let SccpRepr::Udt(u) = SccpRepr::parse(&udt_800(v, "8005551234", 0, true, p.a), v).unwrap() else {
            panic!()
        };
        SccpRepr::Xudt(Xudt {
            protocol_class: u.protocol_class,
            hop_counter: hop,
            called_party: u.called_party,
            calling_party: u.calling_party,
            data: u.data,
            optional: Vec::new(),
        })
        .to_bytes(v)
        .unwrap()
    };
    net.send(A, si::SCCP, p.stp1, 0, &xudt(5));
    net.send(A, si::SCCP, p.stp1, 0, &xudt(1));
    net.ms(5);
    let got = sccp_got(&mut net, ISCP);
    let [(_, SccpRepr::Xudt(x))] = got.as_slice() else { panic!("{got:?}") };
    assert_eq!(x.hop_counter, 4);
    let back = sccp_got(&mut net, A);
    let [(_, SccpRepr::Xudts(x))] = back.as_slice() else { panic!("{back:?}") };
    assert_eq!(x.return_cause, ReturnCause::HopCounterViolation);
}

#[test]
fn screening_drops_and_counts() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut net = network_with(v, |c| {
        if c.name == "STP-1" {
            c.linksets[0].screening = Screening {
                allowed_opc: Some(vec![p.a]),
                allowed_dpc: None,
                allowed_si: Some(vec![si::SCCP, si::ISUP]),
            };
        }
    });
    net.send(A, si::ISUP, p.b, 0, &iam(v, 1)); // allowed
    net.send(A, si::TUP, p.b, 0, &[1, 2, 3]); // SI 4 refused
    let mut spoof = net.ep(A).sp.build(si::ISUP, p.b, 0, &iam(v, 2)).unwrap();
    Mtp3Packet::new_checked(&mut spoof[..], v).unwrap().set_opc(PointCode(77));
    net.inject(A, Port(1), spoof.clone()); // OPC not A
    net.ms(5);
    net.set_wire(1, false); // management still passes screening
    net.ms(5);
    assert_eq!(isup_got(&mut net, B).len(), 1);
    let c = net.stp(STP1).counters();
    assert_eq!((c.screened, c.screened_by_linkset[0], c.screened_by_linkset[1]), (2, 2, 0));
    let dropped = net.dropped(STP1);
    assert!(dropped[0].0.contains("SI not allowed"), "{dropped:?}");
    assert!(dropped[1].0.contains("OPC not allowed"), "{dropped:?}");
    assert_eq!(dropped[1].1, super::hex(&spoof));
    assert!(net.snm(A, STP1).iter().any(|m| matches!(m.3, Snm::Eca { .. } | Snm::Coa { .. })));
}

#[test]
fn malformed_frames_are_counted_never_fatal() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut net = network(v);
    net.inject(A, Port(0), vec![]);
    net.inject(A, Port(0), vec![0x85, 0x01]);
    // SCCP for the STP that does not parse; SNM with no heading.
    let bad_sccp = net.ep(A).sp.build(si::SCCP, p.stp1, 0, &[0x09, 0x00, 0x03]).unwrap();
    net.inject(A, Port(0), bad_sccp);
    let bad_snm = net.ep(A).sp.build(si::SNM, p.stp1, 0, &[]).unwrap();
    net.inject(A, Port(0), bad_snm);
    net.ms(5);
    assert_eq!(net.stp(STP1).counters().malformed, 4);
    let dropped = net.dropped(STP1);
    assert_eq!(dropped.len(), 4);
    assert_eq!(dropped[1].1, "8501");
}

#[test]
fn slt_is_answered() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut net = network(v);
    let sltm = ainsim_wire::Slt::Sltm { slc: 0, pattern: vec![0xab, 0xcd] }.to_bytes().unwrap();
    let msu = net.ep(A).sp.build(si::MTN, p.stp1, 0, &sltm).unwrap();
    net.inject(A, Port(0), msu);
    net.ms(5);
    let slta = net.tap.iter().find(|t| t.from == STP1 && t.to == A).unwrap();
    let m = Mtp3Packet::new_checked(&slta.bytes[..], v).unwrap();
    assert_eq!(
        ainsim_wire::Slt::parse(m.sif()).unwrap(),
        ainsim_wire::Slt::Slta { slc: 0, pattern: vec![0xab, 0xcd] }
    );
    assert_eq!(net.stp(STP1).counters().slt_answered, 1);
}

#[test]
fn config_round_trips_through_json_and_names_its_mistakes() {
    let c = stp_config(Variant::Ansi, true);
    let json = serde_json::to_string_pretty(&c).unwrap();
    let back: StpConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
    assert!(back.build().is_ok());
    let minimal = r#"{"name":"S","point_code":10,"linksets":[{"name":"A","adjacent":1,"ports":[0]}],
        "routes":[{"linksets":[["A"]]}]}"#;
    let m: StpConfig = serde_json::from_str(minimal).unwrap();
    assert_eq!(m.timers, Timers::default());
    assert!(m.build().is_ok());

    let mut bad = c.clone();
    bad.routes[0].linksets[0][0] = "X".into();
    assert!(matches!(bad.build(), Err(ConfigError::UnknownLinkSet { route: 0, .. })));
    let mut bad = c.clone();
    bad.linksets[1].ports = vec![Port(0)];
    assert!(matches!(bad.build(), Err(ConfigError::DuplicatePort { .. })));
    let mut bad = c;
    bad.gtt[0].prefix = "80x".into();
    assert!(bad.build().unwrap_err().to_string().contains("gtt rule 0"));
}

/// With three links, a failed link's SLSs are spread over both others, so
/// the changeback sends a CBD on each and waits for both CBAs.
#[test]
fn changeback_declares_on_every_alternative_link() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut cfg = stp_config(v, true);
    cfg.linksets[0].ports = vec![Port(0), Port(1), Port(6)];
    let mut stp = cfg.build().unwrap();
    let a = {
        let mut sp = SignallingPoint::new(p.a, v, 2);
        sp.add_linkset(p.stp1, &[Port(0), Port(1), Port(6)]);
        sp
    };
    let mut out = Outputs::new();
    let snm_out = |out: &mut Outputs| -> Vec<(Port, Snm)> {
        out.drain()
            .filter_map(|o| match o {
                Output::Send { port, bytes } => {
                    let m = Mtp3Packet::new_checked(&bytes[..], v).ok()?;
                    (m.si() == si::SNM).then(|| (port, SnmRepr::parse(m.sif(), v).unwrap().message))
                }
                _ => None,
            })
            .collect()
    };
    stp.handle(Instant(0), Input::LinkState { port: Port(0), up: false }, &mut out);
    let sent = snm_out(&mut out);
    assert!(matches!(sent[..], [(_, Snm::Eco { .. })]), "{sent:?}");
    let eca = a.build_snm(p.stp1, 0, Snm::Eca { slc: None }).unwrap();
    stp.handle(Instant(2000), Input::Recv { port: Port(1), bytes: &eca }, &mut out);
    out.drain().for_each(drop);
    assert_eq!(stp.link_mode(Port(0)), Some(LinkMode::Unavailable));

    stp.handle(Instant(10_000), Input::LinkState { port: Port(0), up: true }, &mut out);
    let cbds: Vec<(Port, u8)> = snm_out(&mut out)
        .into_iter()
        .filter_map(|(port, m)| match m {
            Snm::Cbd { cbc, .. } => Some((port, cbc)),
            _ => None,
        })
        .collect();
    assert_eq!(cbds.iter().map(|c| c.0).collect::<Vec<_>>(), vec![Port(1), Port(6)], "{cbds:?}");
    for (i, (port, cbc)) in cbds.iter().enumerate() {
        let cba = a.build_snm(p.stp1, 0, Snm::Cba { slc: None, cbc: *cbc }).unwrap();
        stp.handle(Instant(12_000), Input::Recv { port: *port, bytes: &cba }, &mut out);
        let done = stp.link_mode(Port(0)) == Some(LinkMode::Available);
        assert_eq!(done, i == 1, "available only after the last CBA");
    }
}

#[test]
fn the_example_in_the_user_docs_builds() {
    let doc = include_str!("../../../../docs/stp.md");
    let json = doc.split("```json").nth(1).unwrap().split("```").next().unwrap();
    let cfg: StpConfig = serde_json::from_str(json).unwrap();
    let stp = cfg.build().unwrap();
    assert_eq!(stp.name(), "STP-1");
    assert_eq!(cfg.gtt[0].backup.unwrap().pc, PointCode(21));
}

mod props {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_bytes_on_any_port_never_panic(
            frames in proptest::collection::vec((0u32..7, proptest::collection::vec(any::<u8>(), 0..40)), 1..8),
            ansi in any::<bool>(),
        ) {
            let v = if ansi { Variant::Ansi } else { Variant::Itu };
            let mut stp = stp_config(v, true).build().unwrap();
            let mut out = Outputs::new();
            for (i, (port, bytes)) in frames.iter().enumerate() {
                let now = Instant(i as u64);
                stp.handle(now, Input::Recv { port: Port(*port), bytes }, &mut out);
                if i == 3 {
                    stp.handle(now, Input::LinkState { port: Port(0), up: false }, &mut out);
                }
            }
            prop_assert!(stp.counters().received <= frames.len() as u64);
        }
    }
}

#[test]
#[ignore = "throughput figure, run by hand"]
fn transfer_throughput() {
    let v = Variant::Itu;
    let p = pcs(v);
    let mut stp = stp_config(v, true).build().unwrap();
    let a = SignallingPoint::new(p.a, v, 2);
    let frames: Vec<Vec<u8>> = (0..16u8).map(|s| a.build(si::ISUP, p.b, s, &iam(v, 1)).unwrap()).collect();
    let mut out = Outputs::new();
    let n = 2_000_000u64;
    let t = std::time::Instant::now();
    for i in 0..n {
        stp.handle(Instant(i), Input::Recv { port: Port(0), bytes: &frames[(i % 16) as usize] }, &mut out);
        out.drain().for_each(drop);
    }
    let dt = t.elapsed().as_secs_f64();
    eprintln!("STP transfer: {:.0} frames/s", n as f64 / dt);
}
