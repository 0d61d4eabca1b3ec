//! The MTP3 signalling point every SS7 element embeds: its own point code,
//! link sets toward adjacent nodes, routes by destination point code, and
//! signalling-link selection by SLS over the links that are up.
//!
//! This is the shared MTP3 layer of SSPs, the MTSO, the ISCP, the IP and the
//! STPs. It builds outgoing MSUs (SIO + routing label + SIF) and checks
//! incoming ones; it is sans-IO like the elements that own it.
//!
//! Routing (Q.704 §4): a route to a destination (or the default route) is a
//! list of ranks in order of priority; each rank is a link set or a combined
//! link set (several link sets at equal priority, e.g. toward both STPs of a
//! mated pair). The SLS (ITU 4 bits; ANSI 5 or 8 bits, see
//! [`SignallingPoint::set_sls_bits`]) picks a link set of the rank (SLS mod
//! the number of link sets) and then a link of that set (the SLS rotated
//! right one bit, mod the number of links, so that bit 0, which an SSP's
//! combined link set already used to pick this STP, does not leave half an
//! STP's links idle). An SLS keeps its *nominal* link while that link is
//! usable, so a failure moves only the SLSs of the failed link (Q.704 §5.1:
//! the traffic of the other links is not disturbed, which is what keeps the
//! message order of every SLS stream). A link set is skipped for a
//! destination once the adjacent node has sent a transfer-prohibited for it
//! (Q.704 §13.2), until a transfer-allowed.
//!
//! What it is not: no changeover buffering and no route-set-test timers (the
//! STP, [`crate::stp`], does those); [`SignallingPoint::on_management`]
//! gives an end point the minimum answers (COA/ECA, CBA, SLTA) and honours
//! TFP/TFA/TFR, and [`SignallingPoint::accept`] does all an end point
//! needs with an incoming frame in one call. Contract: no method panics on any input; `route` does not
//! allocate.

use std::cell::Cell;
use std::collections::BTreeMap;

use ainsim_wire::mtp3::si;
use ainsim_wire::{Mtp3Packet, PointCode, Slt, Snm, SnmRepr, Variant};

use crate::core::{Outputs, Port};

/// Index of a link set within a [`SignallingPoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkSetId(usize);

impl LinkSetId {
    /// The position of the link set in the order it was added.
    pub fn index(self) -> usize {
        self.0
    }
}

#[derive(Debug, Clone)]
struct Link {
    port: Port,
    up: bool,
    /// On hold (changeover or changeback in progress): still selected for
    /// its own SLSs, never for a management message's alternative path.
    held: bool,
    linkset: usize,
    /// Signalling link code: the link's position in its link set.
    slc: u8,
    /// MSUs accepted on this link, modulo 128: stands in for the FSN of the
    /// last accepted MSU in COO/COA until MTP2 gives the real one.
    rx: u8,
}

#[derive(Debug, Clone)]
struct LinkSet {
    adjacent: PointCode,
    links: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Route {
    /// Link sets in order of preference; load is shared over the first rank
    /// that has a usable link (a combined link set lists several).
    ranks: Vec<Vec<LinkSetId>>,
    /// Link sets whose adjacent node sent TFP for this destination.
    prohibited: Vec<LinkSetId>,
}

/// Links a selection must not use: one port, and (for management
/// messages, which must not wait behind held traffic) links on hold.
#[derive(Debug, Clone, Copy)]
struct Avoid {
    port: Option<Port>,
    held: bool,
}

impl Avoid {
    const NOTHING: Avoid = Avoid { port: None, held: false };
}

/// Why an MSU could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("mtp3: no route to {0:?}")]
    NoRoute(PointCode),
    #[error("mtp3: every link toward {0:?} is down")]
    AllLinksDown(PointCode),
    #[error("mtp3: cannot build the MSU: {0}")]
    Encode(String),
}

/// Where traffic for a destination goes now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteStatus {
    /// No route, or no usable link set on any rank.
    Inaccessible,
    /// Routed over rank `rank` (0 = the normal route; more = an alternative).
    Via { rank: usize },
}

/// An MTP3 signalling point.
#[derive(Debug, Clone)]
pub struct SignallingPoint {
    pub pc: PointCode,
    pub variant: Variant,
    /// Network indicator put in outgoing SIOs (2 = national).
    pub ni: u8,
    sls_mask: u8,
    links: Vec<Link>,
    by_port: BTreeMap<Port, usize>,
    linksets: Vec<LinkSet>,
    routes: Vec<Route>,
    by_dpc: BTreeMap<PointCode, usize>,
    default_route: Option<usize>,
    /// Ports chosen by [`SignallingPoint::route`] (nothing to avoid), two
    /// ways per set, the set chosen by the selected SLS modulo
    /// [`ROUTE_SETS`]: `(dpc, sls & sls_mask, port)`, the newest first (an
    /// STP routes each SLS toward two or more destinations). Every change of the state a choice reads (links up, down or
    /// held, link sets, routes, transfer-prohibited, the SLS width, any
    /// management message) empties it, so a hit is the port `select`
    /// would return. Saves the walk over the route's ranks, link sets and
    /// links (a handful of small allocations, cold by the time the next MSU
    /// of a busy switch comes) for every MSU sent.
    /// Boxed: a kilobyte the signalling point's owners need not carry inline.
    route_cache: Box<[Cell<Option<CachedRoute>>; 2 * ROUTE_SETS]>,
}

/// A cached route choice: `(dpc, sls & sls_mask, port)`.
type CachedRoute = (PointCode, u8, Port);

/// Sets of [`SignallingPoint`]'s route cache (an ITU or 5-bit ANSI SLS
/// gets one each).
const ROUTE_SETS: usize = 32;

impl SignallingPoint {
    /// A signalling point with no links yet. The SLS is 4 bits in ITU and
    /// 5 bits in ANSI until [`SignallingPoint::set_sls_bits`].
    pub fn new(pc: PointCode, variant: Variant, ni: u8) -> Self {
        SignallingPoint {
            pc,
            variant,
            ni,
            sls_mask: match variant {
                Variant::Itu => 0x0f,
                Variant::Ansi => 0x1f,
            },
            links: Vec::new(),
            by_port: BTreeMap::new(),
            linksets: Vec::new(),
            routes: Vec::new(),
            by_dpc: BTreeMap::new(),
            default_route: None,
            route_cache: Box::new([const { Cell::new(None) }; 2 * ROUTE_SETS]),
        }
    }

    /// Uses `bits` of the SLS for link selection: 4 (ITU), 5 or 8 (ANSI,
    /// T1.111.5 §2.3.5 8-bit SLS); other values are clamped to 1..=8.
    pub fn set_sls_bits(&mut self, bits: u8) {
        self.forget_routes();
        let bits = bits.clamp(1, 8);
        self.sls_mask = u8::try_from((1u16 << bits) - 1).unwrap_or(u8::MAX);
    }

    /// The largest SLS value link selection tells apart (15, 31 or 255).
    pub fn sls_mask(&self) -> u8 {
        self.sls_mask
    }

    /// Adds a link set toward `adjacent` made of the links on `ports`
    /// (signalling link codes 0, 1, … in that order). The links start up.
    pub fn add_linkset(&mut self, adjacent: PointCode, ports: &[Port]) -> LinkSetId {
        self.forget_routes();
        let ls = self.linksets.len();
        let first = self.links.len();
        for (slc, &port) in ports.iter().enumerate() {
            self.by_port.insert(port, self.links.len());
            let slc = u8::try_from(slc & 0x0f).unwrap_or(0);
            self.links.push(Link { port, up: true, held: false, linkset: ls, slc, rx: 0 });
        }
        self.linksets.push(LinkSet { adjacent, links: (first..self.links.len()).collect() });
        LinkSetId(ls)
    }

    /// Routes `dpc` (or, with `None`, every destination without its own
    /// route) over `ranks`: each rank is a combined link set shared by SLS;
    /// later ranks are used only when no link set of the earlier ones can
    /// carry the traffic. A second route for the same `dpc` replaces the first.
    pub fn add_route(&mut self, dpc: Option<PointCode>, ranks: &[&[LinkSetId]]) {
        self.forget_routes();
        let route = Route { ranks: ranks.iter().map(|r| r.to_vec()).collect(), prohibited: Vec::new() };
        let slot = match dpc {
            Some(pc) => self.by_dpc.get(&pc).copied(),
            None => self.default_route,
        };
        let i = match slot {
            Some(i) => {
                self.routes[i] = route;
                i
            }
            None => {
                self.routes.push(route);
                self.routes.len() - 1
            }
        };
        match dpc {
            Some(pc) => {
                self.by_dpc.insert(pc, i);
            }
            None => self.default_route = Some(i),
        }
    }

    /// Marks the link on `port` up or down (MTP2 in service / failed).
    /// A link that comes back starts counting accepted MSUs from 0 again
    /// (as MTP2 restarts its sequence numbers on alignment).
    pub fn set_link_state(&mut self, port: Port, up: bool) {
        self.forget_routes();
        if let Some(&i) = self.by_port.get(&port) {
            if up && !self.links[i].up {
                self.links[i].rx = 0;
            }
            self.links[i].up = up;
        }
    }

    /// Puts the link on `port` on hold or releases it: a held link still
    /// carries (for its owner to buffer) the SLSs that select it, but
    /// [`SignallingPoint::route_avoiding`] with an `avoid` never picks it.
    pub fn set_link_held(&mut self, port: Port, held: bool) {
        self.forget_routes();
        if let Some(&i) = self.by_port.get(&port) {
            self.links[i].held = held;
        }
    }

    /// Whether the link on `port` is up (false for a port that is not a link).
    pub fn is_link_up(&self, port: Port) -> bool {
        self.by_port.get(&port).is_some_and(|&i| self.links[i].up)
    }

    /// Whether `port` is one of this point's signalling links.
    pub fn is_link(&self, port: Port) -> bool {
        self.by_port.contains_key(&port)
    }

    /// The adjacent point code of the link set `port` belongs to.
    pub fn adjacent_of(&self, port: Port) -> Option<PointCode> {
        self.linkset_of(port).map(|ls| self.linksets[ls.0].adjacent)
    }

    /// The link set `port` belongs to.
    pub fn linkset_of(&self, port: Port) -> Option<LinkSetId> {
        self.by_port.get(&port).map(|&i| LinkSetId(self.links[i].linkset))
    }

    /// The adjacent point code of a link set.
    pub fn adjacent(&self, ls: LinkSetId) -> Option<PointCode> {
        self.linksets.get(ls.0).map(|s| s.adjacent)
    }

    /// All link sets, in the order they were added.
    pub fn linksets(&self) -> impl Iterator<Item = LinkSetId> + '_ {
        (0..self.linksets.len()).map(LinkSetId)
    }

    /// The ports of a link set's links, by signalling link code.
    pub fn ports(&self, ls: LinkSetId) -> impl Iterator<Item = Port> + '_ {
        self.linksets.get(ls.0).into_iter().flat_map(|s| s.links.iter().map(|&i| self.links[i].port))
    }

    /// The signalling link code of the link on `port`.
    pub fn slc_of(&self, port: Port) -> Option<u8> {
        self.by_port.get(&port).map(|&i| self.links[i].slc)
    }

    /// The port of the link with code `slc` in the link set toward `adjacent`.
    pub fn port_of(&self, adjacent: PointCode, slc: u8) -> Option<Port> {
        self.linksets
            .iter()
            .filter(|s| s.adjacent == adjacent)
            .flat_map(|s| s.links.iter())
            .map(|&i| &self.links[i])
            .find(|l| l.slc == slc)
            .map(|l| l.port)
    }

    /// Whether any link of `ls` is up.
    pub fn linkset_up(&self, ls: LinkSetId) -> bool {
        self.linksets.get(ls.0).is_some_and(|s| s.links.iter().any(|&i| self.links[i].up))
    }

    /// Counts an MSU accepted on `port` (the stand-in FSN of COO/COA).
    pub fn count_received(&mut self, port: Port) {
        if let Some(&i) = self.by_port.get(&port) {
            self.links[i].rx = self.links[i].rx.wrapping_add(1) & 0x7f;
        }
    }

    /// The stand-in FSN of the last MSU accepted on `port` (0–127).
    pub fn last_accepted(&self, port: Port) -> Option<u8> {
        self.by_port.get(&port).map(|&i| self.links[i].rx)
    }

    /// Empties the route cache (the state a route choice reads is changing).
    fn forget_routes(&mut self) {
        for c in self.route_cache.iter() {
            c.set(None);
        }
    }

    fn route_index(&self, dpc: PointCode) -> Option<usize> {
        self.by_dpc.get(&dpc).copied().or(self.default_route)
    }

    /// Records a transfer-prohibited (`prohibited`) or transfer-allowed from
    /// `adjacent` concerning `dest` (Q.704 §13.2–13.3): the link sets toward
    /// `adjacent` are not used for `dest` while prohibited. A destination
    /// reached by the default route gets its own copy of it.
    pub fn set_transfer_prohibited(&mut self, adjacent: PointCode, dest: PointCode, prohibited: bool) {
        self.forget_routes();
        if dest == self.pc {
            return;
        }
        let i = match (self.by_dpc.get(&dest), self.default_route) {
            (Some(&i), _) => i,
            (None, Some(d)) if prohibited => {
                let mut r = self.routes[d].clone();
                r.prohibited.clear();
                self.routes.push(r);
                let i = self.routes.len() - 1;
                self.by_dpc.insert(dest, i);
                i
            }
            _ => return,
        };
        for ls in 0..self.linksets.len() {
            if self.linksets[ls].adjacent != adjacent {
                continue;
            }
            let list = &mut self.routes[i].prohibited;
            let at = list.iter().position(|x| x.0 == ls);
            match (prohibited, at) {
                (true, None) => list.push(LinkSetId(ls)),
                (false, Some(p)) => {
                    list.swap_remove(p);
                }
                _ => {}
            }
        }
    }

    /// Whether `adjacent` has declared `dest` prohibited.
    pub fn is_transfer_prohibited(&self, adjacent: PointCode, dest: PointCode) -> bool {
        self.by_dpc.get(&dest).is_some_and(|&i| {
            self.routes[i].prohibited.iter().any(|ls| self.linksets[ls.0].adjacent == adjacent)
        })
    }

    fn link_usable(&self, i: usize, avoid: Avoid) -> bool {
        let l = &self.links[i];
        l.up && Some(l.port) != avoid.port && !(avoid.held && l.held)
    }

    fn linkset_usable(&self, route: &Route, ls: LinkSetId, avoid: Avoid) -> bool {
        !route.prohibited.contains(&ls)
            && self.linksets.get(ls.0).is_some_and(|s| s.links.iter().any(|&i| self.link_usable(i, avoid)))
    }

    /// The SLS rotated right by one bit within the SLS width: bit 0 chose
    /// the link set (here or upstream, at the SSP's combined link set), so
    /// the link within the set is chosen from the other bits first.
    fn rotated(&self, s: usize) -> usize {
        let bits = self.sls_mask.count_ones();
        (s >> 1) | (s & 1) << bits.saturating_sub(1)
    }

    /// A link of `ls` for SLS `s`: the nominal one if usable, else one of
    /// the usable links, spread by the rest of the selector.
    fn pick_link(&self, ls: LinkSetId, s: usize, avoid: Avoid) -> Option<Port> {
        let links = &self.linksets.get(ls.0)?.links;
        let m = links.len();
        if m == 0 {
            return None;
        }
        let r = self.rotated(s);
        let nominal = links[r % m];
        if self.link_usable(nominal, avoid) {
            return Some(self.links[nominal].port);
        }
        let up = links.iter().filter(|&&i| self.link_usable(i, avoid)).count();
        if up == 0 {
            return None;
        }
        let k = (r / m) % up;
        links.iter().filter(|&&i| self.link_usable(i, avoid)).nth(k).map(|&i| self.links[i].port)
    }

    fn select(&self, route: &Route, sls: u8, avoid: Avoid) -> Option<(usize, Port)> {
        let s = usize::from(sls & self.sls_mask);
        for (r, rank) in route.ranks.iter().enumerate() {
            let k = rank.len();
            if k == 0 {
                continue;
            }
            let nominal = rank[s % k];
            if self.linkset_usable(route, nominal, avoid) {
                if let Some(p) = self.pick_link(nominal, s, avoid) {
                    return Some((r, p));
                }
            }
            let avail = rank.iter().filter(|&&ls| self.linkset_usable(route, ls, avoid)).count();
            if avail == 0 {
                continue;
            }
            let ls = rank.iter().filter(|&&ls| self.linkset_usable(route, ls, avoid)).nth(s % avail)?;
            if let Some(p) = self.pick_link(*ls, s, avoid) {
                return Some((r, p));
            }
        }
        None
    }

    /// The port to send an MSU for `dpc` with `sls` on.
    ///
    /// # Errors
    /// [`RouteError::NoRoute`] or [`RouteError::AllLinksDown`].
    pub fn route(&self, dpc: PointCode, sls: u8) -> Result<Port, RouteError> {
        self.route_avoiding(dpc, sls, None)
    }

    /// As [`SignallingPoint::route`], never choosing the link on `avoid`
    /// (a changeover or changeback message must take another path) and,
    /// when `avoid` is given, no held link either.
    ///
    /// # Errors
    /// [`RouteError::NoRoute`] or [`RouteError::AllLinksDown`].
    pub fn route_avoiding(&self, dpc: PointCode, sls: u8, avoid: Option<Port>) -> Result<Port, RouteError> {
        if avoid.is_none() {
            let s = sls & self.sls_mask;
            let set = usize::from(s) % ROUTE_SETS * 2;
            let (first, second) = (&self.route_cache[set], &self.route_cache[set + 1]);
            for way in [first, second] {
                if let Some((d, cs, port)) = way.get() {
                    if d == dpc && cs == s {
                        return Ok(port);
                    }
                }
            }
            let found = self.select_route(dpc, sls, avoid)?;
            second.set(first.get());
            first.set(Some((dpc, s, found)));
            return Ok(found);
        }
        self.select_route(dpc, sls, avoid)
    }

    /// [`SignallingPoint::route_avoiding`] without the cache.
    fn select_route(&self, dpc: PointCode, sls: u8, avoid: Option<Port>) -> Result<Port, RouteError> {
        let i = self.route_index(dpc).ok_or(RouteError::NoRoute(dpc))?;
        let avoid = Avoid { port: avoid, held: avoid.is_some() };
        self.select(&self.routes[i], sls, avoid).map(|(_, p)| p).ok_or(RouteError::AllLinksDown(dpc))
    }

    /// A usable link of `ls` for `sls`, not on hold (for messages that must
    /// go to the adjacent node on its own link set: TFP, TFA, RST).
    pub fn linkset_port(&self, ls: LinkSetId, sls: u8) -> Option<Port> {
        self.pick_link(ls, usize::from(sls & self.sls_mask), Avoid { port: None, held: true })
    }

    /// Whether traffic for `dpc` can be routed, and over which rank.
    pub fn route_status(&self, dpc: PointCode) -> RouteStatus {
        let Some(i) = self.route_index(dpc) else { return RouteStatus::Inaccessible };
        let route = &self.routes[i];
        for (rank, lss) in route.ranks.iter().enumerate() {
            if lss.iter().any(|&ls| self.linkset_usable(route, ls, Avoid::NOTHING)) {
                return RouteStatus::Via { rank };
            }
        }
        RouteStatus::Inaccessible
    }

    /// The link sets of rank `rank` of the route for `dpc`.
    pub fn rank_linksets(&self, dpc: PointCode, rank: usize) -> &[LinkSetId] {
        self.route_index(dpc).and_then(|i| self.routes[i].ranks.get(rank)).map_or(&[], Vec::as_slice)
    }

    /// Destinations with a route of their own, in point-code order.
    pub fn destinations(&self) -> impl Iterator<Item = PointCode> + '_ {
        self.by_dpc.keys().copied()
    }

    /// Builds an MSU from this point to `dpc` and queues it on the chosen link.
    ///
    /// # Errors
    /// No usable route.
    pub fn send(
        &self,
        out: &mut Outputs,
        si: u8,
        dpc: PointCode,
        sls: u8,
        sif: &[u8],
    ) -> Result<Port, RouteError> {
        let port = self.route(dpc, sls)?;
        out.send_written(port, |buf| self.build_into(buf, si, dpc, sls, sif))?;
        Ok(port)
    }

    /// An MSU (SIO + label + SIF) from this point to `dpc`.
    ///
    /// # Errors
    /// [`RouteError::Encode`] if a field does not fit the variant.
    pub fn build(&self, si: u8, dpc: PointCode, sls: u8, sif: &[u8]) -> Result<Vec<u8>, RouteError> {
        let mut buf = Vec::new();
        self.build_into(&mut buf, si, dpc, sls, sif)?;
        Ok(buf)
    }

    /// [`SignallingPoint::build`] into `buf` (which is replaced).
    fn build_into(
        &self,
        buf: &mut Vec<u8>,
        si: u8,
        dpc: PointCode,
        sls: u8,
        sif: &[u8],
    ) -> Result<(), RouteError> {
        let hdr = ainsim_wire::mtp3::header_len(self.variant);
        buf.clear();
        buf.resize(hdr + sif.len(), 0);
        let mut p = Mtp3Packet::new_checked(&mut buf[..], self.variant)
            .map_err(|e| RouteError::Encode(e.to_string()))?;
        p.set_si(si);
        p.set_ni(self.ni);
        p.set_dpc(dpc);
        p.set_opc(self.pc);
        p.set_sls(sls);
        p.sif_mut().copy_from_slice(sif);
        Ok(())
    }

    /// An SNM message (SI 0) from this point to `dpc`, as an MSU. ITU puts
    /// the SLC of a link-oriented message in the label's SLS (Q.704 §15.2).
    ///
    /// # Errors
    /// [`RouteError::Encode`] if the message does not fit the variant.
    pub fn build_snm(&self, dpc: PointCode, sls: u8, message: Snm) -> Result<Vec<u8>, RouteError> {
        let sif = SnmRepr { variant: self.variant, message }
            .to_bytes()
            .map_err(|e| RouteError::Encode(e.to_string()))?;
        self.build(si::SNM, dpc, sls, &sif)
    }

    /// Checks an incoming MSU's header; the caller reads SI, OPC, SLS and SIF from the view.
    ///
    /// # Errors
    /// A frame shorter than SIO + label.
    pub fn receive<'a>(&self, bytes: &'a [u8]) -> ainsim_wire::Result<Mtp3Packet<&'a [u8]>> {
        Mtp3Packet::new_checked(bytes, self.variant)
    }

    /// What an end point (SSP, ISCP, IP, MTSO) does with every frame that
    /// arrives on a signalling link, in one call: checks the header, counts
    /// the MSU (the FSN stand-in of COO/COA), and handles MTP3 management
    /// addressed to it ([`SignallingPoint::on_management`]). Returns the
    /// MSU when it is for a user part (SCCP, ISUP, …), `None` when
    /// management consumed it.
    ///
    /// # Errors
    /// A frame shorter than SIO + label.
    pub fn accept<'a>(
        &mut self,
        port: Port,
        bytes: &'a [u8],
        out: &mut Outputs,
    ) -> ainsim_wire::Result<Option<Mtp3Packet<&'a [u8]>>> {
        let msu = Mtp3Packet::new_checked(bytes, self.variant)?;
        self.count_received(port);
        if msu.si() <= si::MTNS && msu.dpc() == self.pc {
            self.on_management(port, &msu, out);
            return Ok(None);
        }
        Ok(Some(msu))
    }

    /// The SLC field of a link-oriented SNM message for this variant.
    pub fn slc_field(&self, slc: u8) -> Option<u8> {
        match self.variant {
            Variant::Itu => None,
            Variant::Ansi => Some(slc & 0x0f),
        }
    }

    /// Handles the MTP3 management an end point (SSP, ISCP, …) must do for
    /// an MSU addressed to it with SI 0, 1 or 2, received on `port`:
    /// TFP/TFA/TFR change routing; COO/ECO take the named link out of
    /// service and are answered COA/ECA; CBD is answered CBA; SLTM is
    /// answered SLTA. Returns the SNM message, or `None` for any other MSU
    /// (or one that does not parse). Never panics.
    pub fn on_management(&mut self, port: Port, msu: &Mtp3Packet<&[u8]>, out: &mut Outputs) -> Option<Snm> {
        self.forget_routes();
        let opc = msu.opc();
        match msu.si() {
            si::SNM => {}
            si::MTN | si::MTNS => {
                if let Ok(Slt::Sltm { slc, pattern }) = Slt::parse(msu.sif()) {
                    if let Ok(sif) = (Slt::Slta { slc, pattern }).to_bytes() {
                        if let Ok(b) = self.build(msu.si(), opc, msu.sls(), &sif) {
                            out.send(port, b);
                        }
                    }
                }
                return None;
            }
            _ => return None,
        }
        let snm = SnmRepr::parse(msu.sif(), self.variant).ok()?.message;
        let slc_of = |slc: Option<u8>| slc.unwrap_or(msu.sls() & 0x0f);
        match &snm {
            Snm::Tfp { dest } => self.set_transfer_prohibited(opc, *dest, true),
            Snm::Tfa { dest } | Snm::Tfr { dest } => self.set_transfer_prohibited(opc, *dest, false),
            Snm::Coo { slc, .. } | Snm::Eco { slc } | Snm::Xco { slc, .. } => {
                let slc = slc_of(*slc);
                let link = self.port_of(opc, slc);
                if let Some(p) = link {
                    self.set_link_state(p, false);
                }
                let answer = match (&snm, link) {
                    (Snm::Coo { .. } | Snm::Xco { .. }, Some(p)) => {
                        Snm::Coa { slc: self.slc_field(slc), fsn: self.last_accepted(p).unwrap_or(0) }
                    }
                    _ => Snm::Eca { slc: self.slc_field(slc) },
                };
                self.send_snm_avoiding(out, opc, slc, answer, link);
            }
            Snm::Cbd { slc, cbc } => {
                let slc = slc_of(*slc);
                let link = self.port_of(opc, slc);
                self.send_snm_avoiding(out, opc, slc, Snm::Cba { slc: self.slc_field(slc), cbc: *cbc }, link);
            }
            _ => {}
        }
        Some(snm)
    }

    /// Sends an SNM message to `dpc` (label SLS = `slc`) on any link but
    /// `avoid`: on another link of a link set toward `dpc` if one is up
    /// (Q.704 §5.4.1), else by the route to `dpc`; false when there is no
    /// such path.
    pub fn send_snm_avoiding(
        &self,
        out: &mut Outputs,
        dpc: PointCode,
        slc: u8,
        message: Snm,
        avoid: Option<Port>,
    ) -> bool {
        let direct =
            (0..self.linksets.len()).filter(|&ls| self.linksets[ls].adjacent == dpc).find_map(|ls| {
                self.pick_link(
                    LinkSetId(ls),
                    usize::from(slc & self.sls_mask),
                    Avoid { port: avoid, held: true },
                )
            });
        let Some(port) = direct.or_else(|| self.route_avoiding(dpc, slc, avoid).ok()) else { return false };
        let Ok(b) = self.build_snm(dpc, slc, message) else { return false };
        out.send(port, b);
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sls_shares_load_and_fails_over() {
        let mut sp = SignallingPoint::new(PointCode(100), Variant::Itu, 2);
        let a = sp.add_linkset(PointCode(1), &[Port(0)]);
        let b = sp.add_linkset(PointCode(2), &[Port(1)]);
        sp.add_route(None, &[&[a, b]]);
        assert_eq!(sp.route(PointCode(9), 0).unwrap(), Port(0));
        assert_eq!(sp.route(PointCode(9), 1).unwrap(), Port(1));
        sp.set_link_state(Port(0), false);
        assert_eq!(sp.route(PointCode(9), 0).unwrap(), Port(1));
        sp.set_link_state(Port(1), false);
        assert_eq!(sp.route(PointCode(9), 0), Err(RouteError::AllLinksDown(PointCode(9))));
    }

    #[test]
    fn a_failure_moves_only_the_failed_links_sls() {
        let mut sp = SignallingPoint::new(PointCode(100), Variant::Itu, 2);
        let a = sp.add_linkset(PointCode(1), &[Port(0), Port(1), Port(2)]);
        sp.add_route(Some(PointCode(1)), &[&[a]]);
        let before: Vec<Port> = (0..16).map(|s| sp.route(PointCode(1), s).unwrap()).collect();
        sp.set_link_state(Port(1), false);
        for s in 0..16u8 {
            let now = sp.route(PointCode(1), s).unwrap();
            if before[usize::from(s)] == Port(1) {
                assert_ne!(now, Port(1));
            } else {
                assert_eq!(now, before[usize::from(s)], "sls {s} moved");
            }
        }
        // The diverted SLSs are spread over both remaining links.
        let diverted: std::collections::BTreeSet<Port> = (0..16u8)
            .filter(|&s| before[usize::from(s)] == Port(1))
            .map(|s| sp.route(PointCode(1), s).unwrap())
            .collect();
        assert_eq!(diverted.len(), 2);
    }

    #[test]
    fn ansi_eight_bit_sls_and_mask() {
        let mut sp = SignallingPoint::new(PointCode::ansi(1, 1, 1), Variant::Ansi, 2);
        let a = sp.add_linkset(PointCode::ansi(1, 1, 2), &[Port(0), Port(1)]);
        sp.add_route(None, &[&[a]]);
        // 5-bit: the top bits are ignored.
        assert_eq!(sp.route(PointCode(9), 0x21).unwrap(), sp.route(PointCode(9), 0x01).unwrap());
        sp.set_sls_bits(8);
        let ports: std::collections::BTreeSet<Port> =
            (0..=255u8).map(|s| sp.route(PointCode(9), s).unwrap()).collect();
        assert_eq!(ports.len(), 2);
    }

    #[test]
    fn tfp_steers_around_an_adjacent_and_tfa_restores() {
        let mut sp = SignallingPoint::new(PointCode(100), Variant::Itu, 2);
        let a = sp.add_linkset(PointCode(1), &[Port(0)]);
        let b = sp.add_linkset(PointCode(2), &[Port(1)]);
        sp.add_route(None, &[&[a, b]]);
        let x = PointCode(50);
        sp.set_transfer_prohibited(PointCode(1), x, true);
        assert!((0..16).all(|s| sp.route(x, s).unwrap() == Port(1)));
        // Other destinations keep both.
        assert_eq!(sp.route(PointCode(51), 0).unwrap(), Port(0));
        sp.set_transfer_prohibited(PointCode(2), x, true);
        assert_eq!(sp.route_status(x), RouteStatus::Inaccessible);
        sp.set_transfer_prohibited(PointCode(1), x, false);
        assert_eq!(sp.route(x, 1).unwrap(), Port(0));
        assert_eq!(sp.route_status(x), RouteStatus::Via { rank: 0 });
    }

    #[test]
    fn end_point_answers_coo_and_cbd() {
        let mut sp = SignallingPoint::new(PointCode(1), Variant::Itu, 2);
        let stp = PointCode(10);
        sp.add_linkset(stp, &[Port(0), Port(1)]);
        sp.add_route(None, &[&[LinkSetId(0)]]);
        let coo = sp.build_snm(PointCode(1), 0, Snm::Coo { slc: None, fsn: 5 }).unwrap();
        let coo = coo.clone();
        // As if received from the STP: swap OPC/DPC.
        let mut frame = coo;
        let mut p = Mtp3Packet::new_checked(&mut frame[..], Variant::Itu).unwrap();
        p.set_opc(stp);
        p.set_dpc(PointCode(1));
        let mut out = Outputs::new();
        let view = sp.receive(&frame).unwrap();
        let got = sp.on_management(Port(1), &view, &mut out);
        assert_eq!(got, Some(Snm::Coo { slc: None, fsn: 5 }));
        assert!(!sp.is_link_up(Port(0)));
        let crate::Output::Send { port, bytes } = &out.as_slice()[0] else { panic!() };
        assert_eq!(*port, Port(1));
        let m = sp.receive(bytes).unwrap();
        assert_eq!(m.dpc(), stp);
        assert_eq!(SnmRepr::parse(m.sif(), Variant::Itu).unwrap().message, Snm::Coa { slc: None, fsn: 0 });
    }

    proptest::proptest! {
        /// Whatever fails, an SLS whose link is still up keeps it, no SLS
        /// is sent on a failed link, and traffic flows while any link is up.
        #[test]
        fn failures_move_only_their_own_sls(
            sizes in proptest::collection::vec(1usize..4, 1..4),
            down in proptest::collection::vec(proptest::bool::ANY, 12),
            ansi in proptest::bool::ANY,
        ) {
            let v = if ansi { Variant::Ansi } else { Variant::Itu };
            let mut sp = SignallingPoint::new(PointCode(100), v, 2);
            let mut port = 0;
            let mut rank = Vec::new();
            for (i, &n) in sizes.iter().enumerate() {
                let ports: Vec<Port> = (0..n).map(|k| Port(port + k as u32)).collect();
                port += n as u32;
                rank.push(sp.add_linkset(PointCode(i as u32 + 1), &ports));
            }
            sp.add_route(None, &[&rank]);
            let x = PointCode(50);
            let before: Vec<Port> = (0..=sp.sls_mask()).map(|s| sp.route(x, s).unwrap()).collect();
            for p in 0..port {
                if down[p as usize] {
                    sp.set_link_state(Port(p), false);
                }
            }
            let any_up = (0..port).any(|p| !down[p as usize]);
            for s in 0..=sp.sls_mask() {
                match sp.route(x, s) {
                    Ok(now) => {
                        proptest::prop_assert!(sp.is_link_up(now));
                        let was = before[usize::from(s)];
                        if sp.is_link_up(was) {
                            proptest::prop_assert_eq!(now, was);
                        }
                    }
                    Err(_) => proptest::prop_assert!(!any_up),
                }
            }
        }
    }

    #[test]
    fn accept_hands_user_parts_up_and_keeps_management() {
        let mut sp = SignallingPoint::new(PointCode(1), Variant::Itu, 2);
        let stp = SignallingPoint::new(PointCode(10), Variant::Itu, 2);
        sp.add_linkset(PointCode(10), &[Port(0)]);
        sp.add_route(None, &[&[LinkSetId(0)]]);
        let mut out = Outputs::new();
        let isup = stp.build(si::ISUP, PointCode(1), 3, &[1, 0, 0x10]).unwrap();
        let got = sp.accept(Port(0), &isup, &mut out).unwrap().unwrap();
        assert_eq!((got.si(), got.sif()), (si::ISUP, &[1u8, 0, 0x10][..]));
        let tfp = stp.build_snm(PointCode(1), 0, Snm::Tfp { dest: PointCode(7) }).unwrap();
        assert!(sp.accept(Port(0), &tfp, &mut out).unwrap().is_none());
        assert!(sp.route(PointCode(7), 0).is_err());
        assert_eq!(sp.last_accepted(Port(0)), Some(2));
        assert!(sp.accept(Port(0), &[0x85], &mut out).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn built_msu_reads_back() {
        let mut sp = SignallingPoint::new(PointCode::ansi(1, 1, 1), Variant::Ansi, 2);
        let a = sp.add_linkset(PointCode::ansi(1, 1, 2), &[Port(3)]);
        sp.add_route(None, &[&[a]]);
        let mut out = Outputs::new();
        sp.send(&mut out, 5, PointCode::ansi(1, 1, 9), 7, &[1, 2, 3]).unwrap();
        let crate::Output::Send { port, bytes } = &out.as_slice()[0] else { panic!() };
        assert_eq!(*port, Port(3));
        let p = sp.receive(bytes).unwrap();
        assert_eq!(
            (p.si(), p.dpc(), p.opc(), p.sls(), p.sif()),
            (5, PointCode::ansi(1, 1, 9), sp.pc, 7, &[1u8, 2, 3][..])
        );
    }
}
