//! The MTP3 signalling point every SS7 element embeds: its own point code,
//! link sets toward adjacent nodes, routes by destination point code, and
//! signalling-link selection by SLS over the links that are up.
//!
//! This is the shared MTP3 layer of SSPs, the MTSO, the ISCP, the IP and the
//! STPs. It builds outgoing MSUs (SIO + routing label + SIF) and checks
//! incoming ones; it is sans-IO like the elements that own it.

use ainsim_wire::{Mtp3Packet, PointCode, Variant};

use crate::core::{Outputs, Port};

/// Index of a link set within a [`SignallingPoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkSetId(usize);

#[derive(Debug, Clone)]
struct Link {
    port: Port,
    up: bool,
}

#[derive(Debug, Clone)]
struct LinkSet {
    adjacent: PointCode,
    links: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Route {
    /// `None`: the default route.
    dpc: Option<PointCode>,
    /// Link sets in order of preference; load is shared over the first one
    /// that has a link up (a combined link set lists several at equal rank).
    linksets: Vec<Vec<LinkSetId>>,
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

/// An MTP3 signalling point.
#[derive(Debug, Clone)]
pub struct SignallingPoint {
    pub pc: PointCode,
    pub variant: Variant,
    /// Network indicator put in outgoing SIOs (2 = national).
    pub ni: u8,
    links: Vec<Link>,
    linksets: Vec<LinkSet>,
    routes: Vec<Route>,
}

impl SignallingPoint {
    /// A signalling point with no links yet.
    pub fn new(pc: PointCode, variant: Variant, ni: u8) -> Self {
        SignallingPoint { pc, variant, ni, links: Vec::new(), linksets: Vec::new(), routes: Vec::new() }
    }

    /// Adds a link set toward `adjacent` made of the links on `ports`.
    pub fn add_linkset(&mut self, adjacent: PointCode, ports: &[Port]) -> LinkSetId {
        let first = self.links.len();
        self.links.extend(ports.iter().map(|&port| Link { port, up: true }));
        self.linksets.push(LinkSet { adjacent, links: (first..self.links.len()).collect() });
        LinkSetId(self.linksets.len() - 1)
    }

    /// Routes `dpc` (or, with `None`, every destination without its own
    /// route) over `ranks`: each rank is a combined link set shared by SLS;
    /// later ranks are used only when every link of the earlier ones is down.
    pub fn add_route(&mut self, dpc: Option<PointCode>, ranks: &[&[LinkSetId]]) {
        self.routes.push(Route { dpc, linksets: ranks.iter().map(|r| r.to_vec()).collect() });
    }

    /// Marks the link on `port` up or down (MTP2 in service / failed).
    pub fn set_link_state(&mut self, port: Port, up: bool) {
        for l in self.links.iter_mut().filter(|l| l.port == port) {
            l.up = up;
        }
    }

    /// Whether `port` is one of this point's signalling links.
    pub fn is_link(&self, port: Port) -> bool {
        self.links.iter().any(|l| l.port == port)
    }

    /// The adjacent point code of the link set `port` belongs to.
    pub fn adjacent_of(&self, port: Port) -> Option<PointCode> {
        let i = self.links.iter().position(|l| l.port == port)?;
        self.linksets.iter().find(|s| s.links.contains(&i)).map(|s| s.adjacent)
    }

    /// The port to send an MSU for `dpc` with `sls` on.
    ///
    /// # Errors
    /// [`RouteError::NoRoute`] or [`RouteError::AllLinksDown`].
    pub fn route(&self, dpc: PointCode, sls: u8) -> Result<Port, RouteError> {
        let route = self
            .routes
            .iter()
            .find(|r| r.dpc == Some(dpc))
            .or_else(|| self.routes.iter().find(|r| r.dpc.is_none()))
            .ok_or(RouteError::NoRoute(dpc))?;
        for rank in &route.linksets {
            let up: Vec<Port> = rank
                .iter()
                .flat_map(|s| self.linksets[s.0].links.iter())
                .map(|&i| &self.links[i])
                .filter(|l| l.up)
                .map(|l| l.port)
                .collect();
            if !up.is_empty() {
                return Ok(up[usize::from(sls) % up.len()]);
            }
        }
        Err(RouteError::AllLinksDown(dpc))
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
        let msu = self.build(si, dpc, sls, sif)?;
        out.send(port, msu);
        Ok(port)
    }

    /// An MSU (SIO + label + SIF) from this point to `dpc`.
    ///
    /// # Errors
    /// [`RouteError::Encode`] if a field does not fit the variant.
    pub fn build(&self, si: u8, dpc: PointCode, sls: u8, sif: &[u8]) -> Result<Vec<u8>, RouteError> {
        let hdr = ainsim_wire::mtp3::header_len(self.variant);
        let mut buf = vec![0u8; hdr + sif.len()];
        let mut p = Mtp3Packet::new_checked(&mut buf[..], self.variant)
            .map_err(|e| RouteError::Encode(e.to_string()))?;
        p.set_si(si);
        p.set_ni(self.ni);
        p.set_dpc(dpc);
        p.set_opc(self.pc);
        p.set_sls(sls);
        p.sif_mut().copy_from_slice(sif);
        Ok(buf)
    }

    /// Checks an incoming MSU's header; the caller reads SI, OPC, SLS and SIF from the view.
    ///
    /// # Errors
    /// A frame shorter than SIO + label.
    pub fn receive<'a>(&self, bytes: &'a [u8]) -> ainsim_wire::Result<Mtp3Packet<&'a [u8]>> {
        Mtp3Packet::new_checked(bytes, self.variant)
    }
}

#[cfg(test)]
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
