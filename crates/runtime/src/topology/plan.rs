//! From a [`Topology`] to element configurations and links, and from those
//! to a running simulator or real-time network.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use ainsim_elements::access::{AccessConfig, AccessServer};
use ainsim_elements::ip::{Ip, IpConfig};
use ainsim_elements::iscp::{Iscp, IscpConfig, TollFree, SSN_AIN, SSN_INAP, SUBSCRIBER_TREE, TOLL_FREE_TREE};
use ainsim_elements::m3ua_link::{M3uaConfig, M3uaRole};
use ainsim_elements::mtp2link::{LinkTest, Mtp2Config};
use ainsim_elements::mtso::{MobileSubscriber, Mtso, MtsoConfig};
use ainsim_elements::ssp::config::{
    Direction, GlareControl, LineClass, LineConfig, LinkSetConfig as SspLinkSet, NumberingPlan, PrefixRoute,
    RouteConfig as SspRoute, SignallingConfig, TrunkGroupConfig,
};
use ainsim_elements::ssp::AinConfig;
use ainsim_elements::ssp::LINE_EVENT_BASE;
use ainsim_elements::stp::{GttRule, GttTarget, LinkSetConfig, RouteConfig, StpConfig};
use ainsim_elements::{Element, EventKind, Instant, NodeId, Phone, PhoneScript, Port, Ssp, SspConfig};
use ainsim_store::{MemStore, SledStore, Store};
use ainsim_wire::{PointCode, Variant};

use super::{ExternalKind, Topology, TopologyError};
use crate::rt::{NodeRef, Rt, Running};
use crate::{LinkKind, LinkModel, Simulator};

/// First port of a switch's signalling links (its lines use 0, 1, …, up to a million).
pub const SWITCH_SS7_BASE: u32 = 1_000_000;
/// First port of a switch's links to outside peers.
pub const SWITCH_EXTERNAL_BASE: u32 = 2_000_000;
/// The OSN port of the ISCP, the IP and the access server's network side.
pub const OSN_PORT: Port = Port(900);
/// The access server's port for businesses' call instructions.
pub const ACCESS_CLIENT_PORT: Port = Port(1);

/// One element to build.
#[derive(Debug, Clone)]
pub enum NodeSpec {
    Ssp(Box<SspConfig>),
    Stp(Box<StpConfig>),
    Iscp { config: Box<IscpConfig>, store: Option<String>, records: Vec<(&'static str, String, String)> },
    Ip(Box<IpConfig>),
    Mtso(Box<MtsoConfig>),
    Access(Box<AccessConfig>),
    Phone(PhoneScript),
}

/// One link between two element ports.
#[derive(Debug, Clone)]
pub struct LinkSpec {
    pub a: (String, Port),
    pub b: (String, Port),
    pub kind: LinkKind,
    pub latency: Duration,
}

/// A link from a switch to an outside peer.
#[derive(Debug, Clone)]
pub struct ExternalSpec {
    pub name: String,
    pub kind: ExternalKind,
    pub switch: String,
    pub port: Port,
    /// Where we bind (MTP2/UDP) or listen (M3UA/TCP).
    pub local: Option<SocketAddr>,
    /// Where the peer is (MTP2/UDP) or where we connect (M3UA/TCP).
    pub remote: Option<SocketAddr>,
    pub own_pc: PointCode,
    pub peer_pc: PointCode,
    /// M3UA: our end of the association.
    pub role: M3uaRole,
    pub routing_context: Option<u32>,
}

/// Every element's configuration and every link, derived from a topology.
#[derive(Debug, Clone)]
pub struct Plan {
    pub variant: Variant,
    pub nodes: Vec<(String, NodeSpec)>,
    pub links: Vec<LinkSpec>,
    pub externals: Vec<ExternalSpec>,
    /// Subscriber number → (switch, line index).
    pub lines: BTreeMap<String, (String, u32)>,
}

/// A network built in the simulator.
pub struct Network {
    pub sim: Simulator,
    pub variant: Variant,
    nodes: BTreeMap<String, NodeId>,
    lines: BTreeMap<String, (String, u32)>,
}

impl Network {
    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.nodes.get(name).copied()
    }

    /// The phone of subscriber `number`.
    pub fn phone(&self, number: &str) -> Option<NodeId> {
        self.node(&phone_name(number))
    }

    /// The switch and line index of subscriber `number`.
    pub fn line(&self, number: &str) -> Option<(&str, u32)> {
        self.lines.get(number).map(|(s, i)| (s.as_str(), *i))
    }

    /// Node names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.nodes.keys().map(String::as_str)
    }

    /// What the switch reported for subscriber `number`'s line so far (the
    /// first alerting, answer and release; release causes in order).
    pub fn line_report(&self, number: &str) -> LineReport {
        let mut r = LineReport::default();
        let Some((switch, li)) = self.line(number) else { return r };
        let Some(sw) = self.node(switch) else { return r };
        let mine = LINE_EVENT_BASE + u64::from(li);
        for e in self.sim.events() {
            if e.node != sw || e.event.call != Some(mine) {
                continue;
            }
            match e.event.kind {
                EventKind::CallAttempt { .. } => r.attempts += 1,
                EventKind::Alerting => r.alerting = r.alerting.or(Some(e.at)),
                EventKind::Answered => r.answered = r.answered.or(Some(e.at)),
                EventKind::Released { cause } => {
                    r.released = r.released.or(Some(e.at));
                    r.causes.push(cause);
                }
                _ => {}
            }
        }
        r
    }
}

/// A subscriber line's story as its switch told it (events on the line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineReport {
    /// Calls this line placed.
    pub attempts: u32,
    pub alerting: Option<Instant>,
    pub answered: Option<Instant>,
    pub released: Option<Instant>,
    /// Release causes reported on the line, in order.
    pub causes: Vec<u8>,
}

/// The node name of a subscriber's phone.
pub fn phone_name(number: &str) -> String {
    format!("tel:{number}")
}

struct Pcs {
    by_name: BTreeMap<String, PointCode>,
}

impl Topology {
    /// Checks the topology and derives every element's configuration, for
    /// `variant` (the file's own when `None`).
    ///
    /// # Errors
    /// The first inconsistency, with its file, line and field.
    pub fn plan(&self, variant: Option<Variant>) -> Result<Plan, TopologyError> {
        let v = variant.unwrap_or(self.variant);
        let mut pcs = Pcs { by_name: BTreeMap::new() };
        let mut names: BTreeSet<String> = BTreeSet::new();
        let mut taken_pcs: BTreeMap<PointCode, String> = BTreeMap::new();
        let mut claim = |t: &Topology,
                         span: std::ops::Range<usize>,
                         what: String,
                         name: &str,
                         pc: &toml::Spanned<super::PcText>|
         -> Result<PointCode, TopologyError> {
            if name.is_empty() {
                return Err(t.error_at(span, format!("{what} name"), "must not be empty"));
            }
            if !names.insert(name.to_owned()) {
                return Err(t.error_at(span, format!("{what} name"), format!("{name:?} is used twice")));
            }
            let pc_span = pc.span();
            let pc = pc
                .get_ref()
                .resolve(v)
                .map_err(|m| t.error_at(pc.span(), format!("{what} point_code"), m))?;
            if let Some(other) = taken_pcs.insert(pc, name.to_owned()) {
                return Err(t.error_at(
                    pc_span,
                    format!("{what} point_code"),
                    format!("{} is already {other}'s", pc.display(v)),
                ));
            }
            Ok(pc)
        };
        let switches = self.switches();
        for (span, prefix, d) in &switches {
            let pc = claim(self, span.clone(), prefix.clone(), &d.name, &d.point_code)?;
            pcs.by_name.insert(d.name.clone(), pc);
        }
        for (i, s) in self.stp.iter().enumerate() {
            let d = s.get_ref();
            let pc = claim(self, s.span(), format!("stp[{i}] ({})", d.name), &d.name, &d.point_code)?;
            pcs.by_name.insert(d.name.clone(), pc);
        }
        if let Some(s) = &self.iscp {
            let d = s.get_ref();
            let pc = claim(self, s.span(), format!("iscp ({})", d.name), &d.name, &d.point_code)?;
            pcs.by_name.insert(d.name.clone(), pc);
        }
        if let Some(s) = &self.ip {
            let d = s.get_ref();
            let pc = claim(self, s.span(), format!("ip ({})", d.name), &d.name, &d.point_code)?;
            pcs.by_name.insert(d.name.clone(), pc);
        }
        for (i, s) in self.external.iter().enumerate() {
            let d = s.get_ref();
            let pc = claim(self, s.span(), format!("external[{i}] ({})", d.name), &d.name, &d.point_code)?;
            pcs.by_name.insert(d.name.clone(), pc);
        }
        if let Some(a) = &self.access_server {
            let d = a.get_ref();
            if !names.insert(d.name.clone()) {
                return Err(self.error_at(
                    a.span(),
                    "access_server name".into(),
                    format!("{:?} is used twice", d.name),
                ));
            }
            if self.iscp.is_none() {
                return Err(self.error_at(
                    a.span(),
                    "access_server".into(),
                    "needs an [iscp] to hand calls to",
                ));
            }
        }
        let capability = match &self.capability_point_code {
            Some(c) => {
                let pc = c
                    .get_ref()
                    .resolve(v)
                    .map_err(|m| self.error_at(c.span(), "capability_point_code".into(), m))?;
                if let Some(other) = taken_pcs.get(&pc) {
                    return Err(self.error_at(
                        c.span(),
                        "capability_point_code".into(),
                        format!("{} is already {other}'s", pc.display(v)),
                    ));
                }
                if self.stp.is_empty() {
                    return Err(self.error_at(c.span(), "capability_point_code".into(), "needs an STP"));
                }
                Some(pc)
            }
            None => None,
        };
        if switches.is_empty() {
            return Err(self.error_at(0..0, "ssp".into(), "a network needs at least one switch"));
        }
        let signalling_nodes = switches.len() + usize::from(self.iscp.is_some());
        if !(1..=2).contains(&self.stp.len()) && signalling_nodes > 1 {
            return Err(self.error_at(
                0..0,
                "stp".into(),
                format!("a network needs one STP or a mated pair (found {})", self.stp.len()),
            ));
        }
        if self.number_length == 0 || self.number_length > 15 {
            return Err(self.error_at(0..0, "number_length".into(), "must be 1 to 15 digits"));
        }

        // Subscriber lines, numbers unique across the network.
        let mut lines: BTreeMap<String, (String, u32)> = BTreeMap::new();
        for (span, prefix, d) in &switches {
            let what = if prefix.starts_with("mtso") { "mobiles" } else { "lines" };
            for (k, n) in d.lines.iter().enumerate() {
                let field = format!("{prefix} {what}[{k}]");
                check_number(self, span.clone(), &field, n)?;
                if let Some((other, _)) = lines.insert(n.clone(), (d.name.clone(), k as u32)) {
                    return Err(self.error_at(
                        span.clone(),
                        field,
                        format!("{n} is already a line of {other}"),
                    ));
                }
            }
            for (field, list) in
                [("out_of_service", &d.out_of_service), ("termination_attempt", &d.termination_attempt)]
            {
                for (k, n) in list.iter().enumerate() {
                    if !d.lines.contains(n) {
                        return Err(self.error_at(
                            span.clone(),
                            format!("{prefix} {field}[{k}]"),
                            format!("{n} is not one of this switch's lines"),
                        ));
                    }
                }
            }
        }

        // Trunk groups: an undirected graph between switches.
        let switch_names: Vec<String> = switches.iter().map(|(_, _, s)| s.name.clone()).collect();
        let mut groups: BTreeMap<String, Vec<TrunkGroupConfig>> = BTreeMap::new();
        let mut adjacency: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (i, tg) in self.trunk_group.iter().enumerate() {
            let d = tg.get_ref();
            let field = format!("trunk_group[{i}] between");
            for end in d.between.get_ref() {
                if !switch_names.contains(end) {
                    return Err(self.error_at(d.between.span(), field, format!("{end:?} is not a switch")));
                }
            }
            let [a, b] = d.between.get_ref();
            if a == b {
                return Err(self.error_at(
                    d.between.span(),
                    field,
                    "a trunk group joins two different switches",
                ));
            }
            if adjacency.get(a).is_some_and(|s| s.contains(b)) {
                return Err(self.error_at(
                    d.between.span(),
                    field,
                    format!("{a} and {b} already have a trunk group"),
                ));
            }
            let cics = cic_range(d.first_cic, d.circuits, v)
                .map_err(|m| self.error_at(tg.span(), format!("trunk_group[{i}] circuits"), m))?;
            for (me, far) in [(a, b), (b, a)] {
                adjacency.entry(me.clone()).or_default().insert(far.clone());
                groups.entry(me.clone()).or_default().push(TrunkGroupConfig {
                    name: format!("to-{far}"),
                    far_end: pcs.by_name[far],
                    cics,
                    direction: Direction::Both,
                    glare: GlareControl::Auto,
                });
            }
        }
        let first_hop = |from: &str, to: &str| -> Option<String> {
            // Breadth-first over trunk groups, in name order: deterministic.
            let mut prev: BTreeMap<String, String> = BTreeMap::new();
            let mut queue = VecDeque::from([from.to_owned()]);
            let mut seen = BTreeSet::from([from.to_owned()]);
            while let Some(n) = queue.pop_front() {
                if n == to {
                    let mut hop = n;
                    while let Some(p) = prev.get(&hop) {
                        if p == from {
                            return Some(hop);
                        }
                        hop = p.clone();
                    }
                    return None;
                }
                for m in adjacency.get(&n).into_iter().flatten() {
                    if seen.insert(m.clone()) {
                        prev.insert(m.clone(), n.clone());
                        queue.push_back(m.clone());
                    }
                }
            }
            None
        };

        let mut nodes: Vec<(String, NodeSpec)> = Vec::new();
        let mut links: Vec<LinkSpec> = Vec::new();
        let ss7 = |a: (&str, Port), b: (&str, Port)| LinkSpec {
            a: (a.0.to_owned(), a.1),
            b: (b.0.to_owned(), b.1),
            kind: LinkKind::Ss7,
            latency: self.links.ss7,
        };

        // STPs: one link set per A-link node, plus the C link set to the mate.
        let stps: Vec<(String, PointCode)> =
            self.stp.iter().map(|s| (s.get_ref().name.clone(), pcs.by_name[&s.get_ref().name])).collect();
        let mut a_link_nodes: Vec<String> = switch_names.clone();
        if let Some(i) = &self.iscp {
            a_link_nodes.push(i.get_ref().name.clone());
        }
        let iscp_ssn = if v == Variant::Ansi { SSN_AIN } else { SSN_INAP };
        let mut stp_cfgs: Vec<StpConfig> = Vec::new();
        for (si, (name, pc)) in stps.iter().enumerate() {
            let mut cfg = StpConfig {
                name: name.clone(),
                point_code: *pc,
                variant: v,
                alias_point_codes: capability.into_iter().collect(),
                ni: 2,
                sls_bits: None,
                linksets: vec![],
                routes: vec![],
                mate: None,
                gtt: vec![],
                timers: Default::default(),
                retrieval: false,
            };
            let mate = stps.get(1 - si.min(1)).filter(|_| stps.len() == 2).cloned();
            for (k, n) in a_link_nodes.iter().enumerate() {
                let port = Port(k as u32);
                cfg.linksets.push(LinkSetConfig {
                    name: n.clone(),
                    adjacent: pcs.by_name[n],
                    ports: vec![port],
                    screening: Default::default(),
                });
                let mut ranks = vec![vec![n.clone()]];
                if mate.is_some() {
                    ranks.push(vec!["mate".into()]);
                }
                cfg.routes.push(RouteConfig { dpc: Some(pcs.by_name[n]), linksets: ranks });
                let node_port = if switch_names.contains(n) {
                    Port(SWITCH_SS7_BASE + si as u32)
                } else {
                    Port(si as u32)
                };
                links.push(ss7((n, node_port), (name, port)));
            }
            if let Some((mname, mpc)) = &mate {
                let port = Port(a_link_nodes.len() as u32);
                cfg.linksets.push(LinkSetConfig {
                    name: "mate".into(),
                    adjacent: *mpc,
                    ports: vec![port],
                    screening: Default::default(),
                });
                cfg.routes.push(RouteConfig { dpc: Some(*mpc), linksets: vec![vec!["mate".into()]] });
                cfg.mate = Some("mate".into());
                if si == 0 {
                    links.push(ss7((name, port), (mname, port)));
                }
            }
            if let Some(i) = &self.iscp {
                let ipc = pcs.by_name[&i.get_ref().name];
                cfg.gtt.push(GttRule {
                    prefix: i.get_ref().global_title.clone().unwrap_or_default(),
                    tt: None,
                    np: None,
                    primary: GttTarget { pc: ipc, ssn: iscp_ssn },
                    backup: None,
                });
            }
            stp_cfgs.push(cfg);
        }

        // The IP and its host switch.
        let ip_cfg = match &self.ip {
            Some(s) => {
                let d = s.get_ref();
                if !switch_names.contains(&d.host) {
                    return Err(self.error_at(
                        s.span(),
                        "ip host".into(),
                        format!("{:?} is not a switch", d.host),
                    ));
                }
                cic_range(1, d.circuits, v).map_err(|m| self.error_at(s.span(), "ip circuits".into(), m))?;
                let mut c = IpConfig::new(&d.name, pcs.by_name[&d.name], v);
                c.linksets = vec![(pcs.by_name[&d.host], vec![Port(0)])];
                c.osn_port = Some(OSN_PORT);
                c.conference_ports = c.conference_ports.max(usize::from(d.circuits));
                Some((d.host.clone(), d.circuits, c))
            }
            None => None,
        };
        let ip_prefixes: Vec<String> = ip_cfg
            .iter()
            .flat_map(|(_, _, c)| {
                let mut p = vec![c.routing_number.clone(), c.conference_number.clone()];
                p.extend(c.announcement_numbers.iter().map(|(n, _)| n.clone()));
                p
            })
            .collect();

        // Switches.
        let mtso_extras: BTreeMap<String, &super::MtsoDef> =
            self.mtso.iter().map(|m| (m.get_ref().name.clone(), m.get_ref())).collect();
        for (span, prefix, d) in &switches {
            let me = &d.name;
            let mut linksets: Vec<SspLinkSet> = stps
                .iter()
                .enumerate()
                .map(|(k, (_, pc))| SspLinkSet {
                    adjacent: *pc,
                    ports: vec![Port(SWITCH_SS7_BASE + k as u32)],
                })
                .collect();
            let default_ranks = vec![(0..linksets.len()).collect::<Vec<_>>()];
            let mut routes: Vec<SspRoute> = Vec::new();
            let mut trunk_groups = groups.remove(me).unwrap_or_default();
            let mut rules: Vec<PrefixRoute> = Vec::new();
            for t in &d.triggers {
                rules.push(PrefixRoute {
                    prefix: t.prefix.clone(),
                    length: t.length,
                    trunk_groups: vec![],
                    trigger: Some(t.kind),
                });
            }
            for (k, r) in d.routes.iter().enumerate() {
                let field = format!("{prefix} routes[{k}] via");
                let group = if self
                    .external
                    .iter()
                    .any(|e| e.get_ref().name == r.via && e.get_ref().switch == *me)
                {
                    format!("to-{}", r.via)
                } else {
                    let hop = first_hop(me, &r.via).ok_or_else(|| {
                        self.error_at(span.clone(), field, format!("no trunk route from {me} to {:?}", r.via))
                    })?;
                    format!("to-{hop}")
                };
                rules.push(PrefixRoute {
                    prefix: r.prefix.clone(),
                    length: r.length,
                    trunk_groups: vec![group],
                    trigger: None,
                });
            }
            if let Some((host, circuits, ipc)) = &ip_cfg {
                if host == me {
                    linksets.push(SspLinkSet { adjacent: ipc.pc, ports: vec![Port(SWITCH_SS7_BASE + 100)] });
                    routes.push(SspRoute { dpc: Some(ipc.pc), ranks: vec![vec![linksets.len() - 1]] });
                    trunk_groups.push(TrunkGroupConfig {
                        name: format!("to-{}", ipc.name),
                        far_end: ipc.pc,
                        cics: [1, *circuits],
                        direction: Direction::Outgoing,
                        glare: GlareControl::Auto,
                    });
                    links.push(ss7((me, Port(SWITCH_SS7_BASE + 100)), (&ipc.name, Port(0))));
                }
                let group = if host == me { Some(ipc.name.clone()) } else { first_hop(me, host) };
                if let Some(g) = group {
                    for p in &ip_prefixes {
                        rules.push(PrefixRoute {
                            prefix: p.clone(),
                            length: None,
                            trunk_groups: vec![format!("to-{g}")],
                            trigger: None,
                        });
                    }
                }
            }
            for (k, e) in self.external.iter().enumerate() {
                let ed = e.get_ref();
                if !switch_names.contains(&ed.switch) {
                    return Err(self.error_at(
                        e.span(),
                        format!("external[{k}] ({}) switch", ed.name),
                        format!("{:?} is not a switch", ed.switch),
                    ));
                }
                if ed.switch != *me {
                    continue;
                }
                let port = Port(SWITCH_EXTERNAL_BASE + k as u32);
                let epc = pcs.by_name[&ed.name];
                linksets.push(SspLinkSet { adjacent: epc, ports: vec![port] });
                routes.push(SspRoute { dpc: Some(epc), ranks: vec![vec![linksets.len() - 1]] });
                let cics = cic_range(ed.first_cic, ed.circuits, v).map_err(|m| {
                    self.error_at(e.span(), format!("external[{k}] ({}) circuits", ed.name), m)
                })?;
                trunk_groups.push(TrunkGroupConfig {
                    name: format!("to-{}", ed.name),
                    far_end: epc,
                    cics,
                    direction: Direction::Both,
                    glare: GlareControl::Auto,
                });
                for p in &ed.prefixes {
                    rules.push(PrefixRoute {
                        prefix: p.clone(),
                        length: None,
                        trunk_groups: vec![format!("to-{}", ed.name)],
                        trigger: None,
                    });
                }
            }
            // Every other switch's lines, by the first trunk hop toward it.
            for (n, (home, _)) in &lines {
                if home == me {
                    continue;
                }
                if let Some(hop) = first_hop(me, home) {
                    rules.push(PrefixRoute {
                        prefix: n.clone(),
                        length: None,
                        trunk_groups: vec![format!("to-{hop}")],
                        trigger: None,
                    });
                }
            }
            if !routes.is_empty() && !stps.is_empty() {
                routes.push(SspRoute { dpc: None, ranks: default_ranks });
            }
            let cfg = SspConfig {
                name: me.clone(),
                signalling: SignallingConfig {
                    point_code: pcs.by_name[me],
                    variant: v,
                    ni: 2,
                    linksets,
                    routes,
                },
                lines: d
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(k, n)| LineConfig {
                        number: n.clone(),
                        port: Port(k as u32),
                        class: LineClass::Ordinary,
                        in_service: !d.out_of_service.contains(n),
                    })
                    .collect(),
                numbering: NumberingPlan { number_length: Some(self.number_length), routes: rules },
                trunk_groups,
                timers: d.timers,
                ain: self.iscp.as_ref().map(|i| {
                    let iscp = i.get_ref();
                    let gt = iscp.global_title.clone().filter(|_| capability.is_some());
                    let mut ain = AinConfig::new(match (&gt, capability) {
                        (Some(_), Some(c)) => c,
                        _ => pcs.by_name[&iscp.name],
                    });
                    ain.iscp_gt = gt;
                    ain.termination_attempt = d.termination_attempt.clone();
                    ain
                }),
            };
            let bad = |e: String| self.error_at(span.clone(), prefix.clone(), e);
            match mtso_extras.get(me) {
                Some(m) => {
                    // The MTSO makes its subscribers lines of the switch itself.
                    let cfg = MtsoConfig {
                        switch: SspConfig { lines: vec![], ..cfg },
                        paging: m.paging,
                        subscribers: m
                            .mobiles
                            .iter()
                            .enumerate()
                            .map(|(k, mob)| MobileSubscriber {
                                number: mob.number.clone(),
                                port: Port(k as u32),
                                state: mob.state.clone(),
                            })
                            .collect(),
                    };
                    Mtso::new(&cfg).map_err(|e| bad(e.to_string()))?;
                    nodes.push((me.clone(), NodeSpec::Mtso(Box::new(cfg))));
                }
                None => {
                    Ssp::new(&cfg).map_err(|e| bad(e.to_string()))?;
                    nodes.push((me.clone(), NodeSpec::Ssp(Box::new(cfg))));
                }
            }
        }
        for (si, cfg) in stp_cfgs.into_iter().enumerate() {
            cfg.build().map_err(|e| {
                self.error_at(self.stp[si].span(), format!("stp[{si}] ({})", cfg.name), e.to_string())
            })?;
            nodes.push((cfg.name.clone(), NodeSpec::Stp(Box::new(cfg))));
        }

        // The ISCP and its provisioning.
        if let Some(s) = &self.iscp {
            let d = s.get_ref();
            let Some(&orig) =
                pcs.by_name.get(&d.originating_ssp).filter(|_| switch_names.contains(&d.originating_ssp))
            else {
                return Err(self.error_at(
                    s.span(),
                    "iscp originating_ssp".into(),
                    format!("{:?} is not a switch", d.originating_ssp),
                ));
            };
            let mut cfg = IscpConfig::new(&d.name, pcs.by_name[&d.name], v, orig);
            cfg.linksets = stps.iter().enumerate().map(|(k, (_, pc))| (*pc, vec![Port(k as u32)])).collect();
            cfg.osn_port = Some(OSN_PORT);
            if let Some((_, _, ipc)) = &ip_cfg {
                cfg.ip_number = ipc.routing_number.clone();
                cfg.announcements = ipc.announcements.clone();
            }
            let mut records = Vec::new();
            for (k, t) in d.toll_free.iter().enumerate() {
                check_number(self, s.span(), &format!("iscp toll_free[{k}] number"), &t.number)?;
                let rec = TollFree { rules: t.rules.clone(), default: t.default.clone(), monitor: t.monitor };
                let json = serde_json::to_string(&rec).unwrap_or_default();
                records.push((TOLL_FREE_TREE, t.number.clone(), json));
            }
            for (k, sub) in d.subscriber.iter().enumerate() {
                check_number(self, s.span(), &format!("iscp subscriber[{k}] number"), &sub.number)?;
                let json = serde_json::to_string(&sub.features).unwrap_or_default();
                records.push((SUBSCRIBER_TREE, sub.number.clone(), json));
            }
            nodes.push((
                d.name.clone(),
                NodeSpec::Iscp { config: Box::new(cfg), store: d.store.clone(), records },
            ));
        }
        if let Some((_, _, c)) = ip_cfg {
            nodes.push((c.name.clone(), NodeSpec::Ip(Box::new(c))));
        }
        if let (Some(a), Some(iscp)) = (&self.access_server, &self.iscp) {
            let d = a.get_ref();
            let mut cfg = AccessConfig::new(&d.name, vec![ACCESS_CLIENT_PORT], OSN_PORT);
            cfg.businesses = d.businesses.clone();
            cfg.store = d.store.clone();
            AccessServer::new(cfg.clone())
                .map_err(|e| self.error_at(a.span(), "access_server".into(), e.to_string()))?;
            links.push(LinkSpec {
                a: (d.name.clone(), OSN_PORT),
                b: (iscp.get_ref().name.clone(), OSN_PORT),
                kind: LinkKind::Osn,
                latency: self.links.osn,
            });
            nodes.push((d.name.clone(), NodeSpec::Access(Box::new(cfg))));
        }

        // Phones: every line has one; scripts from the file.
        let mut scripts: BTreeMap<String, PhoneScript> = BTreeMap::new();
        for (k, p) in self.phone.iter().enumerate() {
            let script = p.get_ref();
            if !lines.contains_key(&script.number) {
                return Err(self.error_at(
                    p.span(),
                    format!("phone[{k}] number"),
                    format!("{} has no line in any switch", script.number),
                ));
            }
            if scripts.insert(script.number.clone(), script.clone()).is_some() {
                return Err(self.error_at(
                    p.span(),
                    format!("phone[{k}] number"),
                    format!("{} has two [[phone]] entries", script.number),
                ));
            }
        }
        for (n, (home, idx)) in &lines {
            let script = scripts.remove(n).unwrap_or_else(|| PhoneScript::new(n));
            let name = phone_name(n);
            links.push(LinkSpec {
                a: (name.clone(), Phone::LINE),
                b: (home.clone(), Port(*idx)),
                kind: LinkKind::Line,
                latency: self.links.line,
            });
            nodes.push((name, NodeSpec::Phone(script)));
        }

        let mut externals = Vec::new();
        for (k, e) in self.external.iter().enumerate() {
            let d = e.get_ref();
            let addr = |a: &str, f: &str| {
                a.parse::<SocketAddr>().map_err(|_| {
                    self.error_at(
                        e.span(),
                        format!("external[{k}] ({}) {f}", d.name),
                        format!("{a:?} is not an address:port"),
                    )
                })
            };
            let local = d.local.as_deref().map(|a| addr(a, "local")).transpose()?;
            let remote = d.remote.as_deref().map(|a| addr(a, "remote")).transpose()?;
            let field = format!("external[{k}] ({})", d.name);
            match (d.kind, local, remote) {
                (ExternalKind::Mtp2Udp, Some(_), Some(_)) => {}
                (ExternalKind::Mtp2Udp, _, _) => {
                    return Err(self.error_at(e.span(), field, "mtp2_udp needs both `local` and `remote`"));
                }
                (ExternalKind::M3uaTcp, Some(_), None) | (ExternalKind::M3uaTcp, None, Some(_)) => {}
                (ExternalKind::M3uaTcp, _, _) => {
                    return Err(self.error_at(
                        e.span(),
                        field,
                        "m3ua_tcp needs exactly one of `local` (listen) and `remote` (connect)",
                    ));
                }
            }
            let role = d.role.unwrap_or(if local.is_some() && d.kind == ExternalKind::M3uaTcp {
                M3uaRole::Sgp
            } else {
                M3uaRole::Asp
            });
            externals.push(ExternalSpec {
                name: d.name.clone(),
                kind: d.kind,
                switch: d.switch.clone(),
                port: Port(SWITCH_EXTERNAL_BASE + k as u32),
                local,
                remote,
                own_pc: pcs.by_name[&d.switch],
                peer_pc: pcs.by_name[&d.name],
                role,
                routing_context: d.routing_context,
            });
        }
        Ok(Plan { variant: v, nodes, links, externals, lines })
    }
}

fn check_number(
    t: &Topology,
    span: std::ops::Range<usize>,
    field: &str,
    n: &str,
) -> Result<(), TopologyError> {
    if n.is_empty() || n.len() > 15 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(t.error_at(span, field.to_owned(), format!("{n:?} is not a number of 1 to 15 digits")));
    }
    Ok(())
}

fn cic_range(first: u16, circuits: u16, v: Variant) -> Result<[u16; 2], String> {
    let max = if v == Variant::Ansi { 0x3fff } else { 0x0fff };
    let last = u32::from(first) + u32::from(circuits) - 1;
    if circuits == 0 {
        return Err("needs at least one circuit".into());
    }
    if last > max {
        return Err(format!(
            "CICs {first}..={last} do not fit {v}'s {}-bit CIC",
            if max == 0x3fff { 14 } else { 12 }
        ));
    }
    Ok([first, last as u16])
}

impl NodeSpec {
    /// Builds the element.
    ///
    /// # Errors
    /// A configuration the element refuses, or a store that cannot be opened.
    pub fn element(&self) -> Result<Box<dyn Element + Send>, String> {
        Ok(match self {
            NodeSpec::Ssp(c) => Box::new(Ssp::new(c).map_err(|e| e.to_string())?),
            NodeSpec::Stp(c) => Box::new(c.build().map_err(|e| e.to_string())?),
            NodeSpec::Iscp { config, store, records } => {
                let mut s: Box<dyn Store + Send> = match store {
                    Some(dir) => {
                        Box::new(SledStore::open(dir).map_err(|e| format!("iscp store {dir}: {e}"))?)
                    }
                    None => Box::new(MemStore::new()),
                };
                for (tree, key, json) in records {
                    s.put_raw(tree, key, json.as_bytes()).map_err(|e| format!("iscp store: {e}"))?;
                }
                Box::new(Iscp::new((**config).clone(), s))
            }
            NodeSpec::Ip(c) => Box::new(Ip::new((**c).clone())),
            NodeSpec::Mtso(c) => Box::new(Mtso::new(c).map_err(|e| e.to_string())?),
            NodeSpec::Access(c) => Box::new(access_server(c, None)?),
            NodeSpec::Phone(s) => Box::new(Phone::new(s.clone())),
        })
    }
}

impl NodeSpec {
    /// Adds the element to `sim` under `name`, with a factory that rebuilds
    /// it from its configuration on a restart (the ISCP reloads its
    /// provisioning from the topology, or reopens its sled directory).
    fn add_to(&self, sim: &mut Simulator, name: &str) -> Result<NodeId, String> {
        let added = match self {
            NodeSpec::Ssp(c) => {
                Ssp::new(c).map_err(|e| e.to_string())?;
                let c = c.clone();
                #[allow(clippy::expect_used)]
                sim.add_node_with(name, move || Ssp::new(&c).expect("checked when planned"))
            }
            NodeSpec::Stp(c) => {
                c.build().map_err(|e| e.to_string())?;
                let c = c.clone();
                #[allow(clippy::expect_used)]
                sim.add_node_with(name, move || c.build().expect("checked when planned"))
            }
            // A sled directory cannot be opened twice: no factory, the
            // element survives a restart as it is.
            NodeSpec::Iscp { store: Some(_), .. } => {
                let element: Box<dyn Element> = self.element()?;
                sim.add_boxed(name, element)
            }
            NodeSpec::Iscp { config, store: None, records } => {
                let (config, records) = (config.clone(), records.clone());
                sim.add_node_with(name, move || iscp_in_memory(&config, &records))
            }
            NodeSpec::Ip(c) => {
                let c = c.clone();
                sim.add_node_with(name, move || Ip::new((*c).clone()))
            }
            NodeSpec::Mtso(c) => {
                Mtso::new(c).map_err(|e| e.to_string())?;
                let c = c.clone();
                #[allow(clippy::expect_used)]
                sim.add_node_with(name, move || Mtso::new(&c).expect("checked when planned"))
            }
            NodeSpec::Access(c) => {
                // One sled handle for every incarnation: a restart reads back what the last one kept.
                let store = match &c.store {
                    Some(dir) => Some(SledStore::open(dir).map_err(|e| format!("access store {dir}: {e}"))?),
                    None => None,
                };
                access_server(c, store.clone())?;
                let c = c.clone();
                #[allow(clippy::expect_used)]
                sim.add_node_with(name, move || {
                    access_server(&c, store.clone()).expect("checked when planned")
                })
            }
            NodeSpec::Phone(s) => {
                let s = s.clone();
                sim.add_node_with(name, move || Phone::new(s.clone()))
            }
        };
        added.map_err(|e| e.to_string())
    }
}

/// The access server of `c`, on `store`, or on the sled directory `c.store` names, or in memory.
fn access_server(c: &AccessConfig, store: Option<SledStore>) -> Result<AccessServer, String> {
    let store: Box<dyn Store + Send> = match (store, &c.store) {
        (Some(s), _) => Box::new(s),
        (None, Some(dir)) => Box::new(SledStore::open(dir).map_err(|e| format!("access store {dir}: {e}"))?),
        (None, None) => Box::new(MemStore::new()),
    };
    AccessServer::with_store(c.clone(), store).map_err(|e| e.to_string())
}

fn iscp_in_memory(config: &IscpConfig, records: &[(&'static str, String, String)]) -> Iscp {
    let mut s = MemStore::new();
    for (tree, key, json) in records {
        // The records were produced by serde_json from typed values.
        let _ = s.put_raw(tree, key, json.as_bytes());
    }
    Iscp::new(config.clone(), Box::new(s))
}

impl Plan {
    /// Builds the network in a simulator seeded with `seed` (not started).
    ///
    /// # Errors
    /// An element refuses its configuration.
    pub fn simulate(&self, seed: u64) -> Result<Network, String> {
        let mut sim = Simulator::new(seed);
        let mut nodes = BTreeMap::new();
        for (name, spec) in &self.nodes {
            let id = spec.add_to(&mut sim, name)?;
            nodes.insert(name.clone(), id);
        }
        for l in &self.links {
            let (a, b) = (nodes[&l.a.0], nodes[&l.b.0]);
            sim.link((a, l.a.1), (b, l.b.1), l.kind, LinkModel::fixed(l.latency))
                .map_err(|e| e.to_string())?;
        }
        Ok(Network { sim, variant: self.variant, nodes, lines: self.lines.clone() })
    }

    /// Builds the network on tokio, joins outside peers, and starts it.
    ///
    /// # Errors
    /// An element refuses its configuration, or a socket cannot be bound.
    pub async fn run(
        &self,
        tap: Option<crate::rt::Tap>,
        access_listen: Option<SocketAddr>,
    ) -> Result<(Running, Vec<(String, SocketAddr)>), String> {
        self.run_replacing(tap, access_listen, None).await
    }

    /// As [`Plan::run`], with element `instead.0` replaced by `instead.1`
    /// (`ainsim hw bridge` puts a real line in place of a phone).
    ///
    /// # Errors
    /// As [`Plan::run`], or no element of that name.
    pub async fn run_replacing(
        &self,
        tap: Option<crate::rt::Tap>,
        access_listen: Option<SocketAddr>,
        instead: Option<(&str, Box<dyn Element + Send>)>,
    ) -> Result<(Running, Vec<(String, SocketAddr)>), String> {
        let mut rt = Rt::new();
        if let Some(t) = tap {
            rt.tap(t);
        }
        let mut instead = instead;
        if let Some((name, _)) = &instead {
            if !self.nodes.iter().any(|(n, _)| n == name) {
                return Err(format!("no element {name} to replace"));
            }
        }
        let mut nodes: BTreeMap<&str, NodeRef> = BTreeMap::new();
        for (name, spec) in &self.nodes {
            if instead.as_ref().is_some_and(|(n, _)| n == name) {
                if let Some((_, e)) = instead.take() {
                    nodes.insert(name, rt.add_boxed(e));
                    continue;
                }
            }
            let element = match spec {
                // The access server compares contact times with the wall clock.
                NodeSpec::Access(c) => {
                    let mut c = (**c).clone();
                    c.unix_time_at_start = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    Box::new(access_server(&c, None)?)
                }
                _ => spec.element()?,
            };
            nodes.insert(name, rt.add_boxed(element));
        }
        for l in &self.links {
            rt.wire_kind(nodes[l.a.0.as_str()], l.a.1, nodes[l.b.0.as_str()], l.b.1, l.kind);
        }
        let mut bound = Vec::new();
        for e in &self.externals {
            let node = nodes[e.switch.as_str()];
            let addr = match (e.kind, e.local, e.remote) {
                (ExternalKind::Mtp2Udp, Some(local), Some(remote)) => {
                    let cfg = Mtp2Config {
                        link_test: Some(LinkTest {
                            variant: self.variant,
                            opc: e.own_pc,
                            dpc: e.peer_pc,
                            ni: 2,
                            slc: 0,
                            t1: Duration::from_secs(4),
                        }),
                        ..Mtp2Config::default()
                    };
                    rt.mtp2_udp(node, e.port, local, remote, cfg)
                        .await
                        .map_err(|err| format!("external {}: cannot bind {local}: {err}", e.name))?
                }
                (ExternalKind::M3uaTcp, local, remote) => {
                    let cfg = M3uaConfig {
                        routing_context: e.routing_context,
                        local_pc: Some(e.own_pc),
                        adjacent_pc: Some(e.peer_pc),
                        ..M3uaConfig::new(e.role, self.variant)
                    };
                    match (local, remote) {
                        (Some(local), _) => rt
                            .m3ua_tcp_server(node, e.port, local, cfg)
                            .await
                            .map_err(|err| format!("external {}: cannot listen on {local}: {err}", e.name))?,
                        (None, Some(remote)) => {
                            rt.m3ua_tcp_client(node, e.port, remote, cfg);
                            remote
                        }
                        (None, None) => return Err(format!("external {}: no address", e.name)),
                    }
                }
                (ExternalKind::Mtp2Udp, _, _) => {
                    return Err(format!("external {}: needs local and remote", e.name))
                }
            };
            bound.push((e.name.clone(), addr));
        }
        for (name, spec) in &self.nodes {
            if let (NodeSpec::Access(_), Some(listen)) = (spec, access_listen) {
                let addr = rt
                    .osn_listen(nodes[name.as_str()], ACCESS_CLIENT_PORT, listen)
                    .await
                    .map_err(|err| format!("{name}: cannot listen on {listen}: {err}"))?;
                bound.push((name.clone(), addr));
            }
        }
        Ok((rt.start(), bound))
    }
}
