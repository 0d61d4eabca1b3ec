//! The real-time runtime on tokio: each element an actor, plus MTP2/UDP
//! links to processes outside (a real SS7 stack such as libss7) and OSN
//! links over TCP.
//!
//! What it is: [`Rt`] collects elements, in-process wires between their
//! ports, and MTP2/UDP links, then [`Rt::start`] spawns one task per element
//! and one per MTP2/UDP link on the current tokio runtime. An element task
//! delivers [`Input::Start`], then every frame that arrives on its ports and
//! every timer it set (tokio time; `now` is microseconds since
//! [`Rt::start`]). An MTP2/UDP link task owns a UDP socket bound to a local
//! address and sends to a peer address, runs the sans-IO
//! `Mtp2Link`, and hands MSUs up and
//! down: the element sees `Input::Recv` with the MTP3 MSU and
//! `Input::LinkState` when the link comes in service or fails.
//!
//! Contract: an MTP2/UDP link reports *up* to its element only once it is in
//! service and, when a link test is configured, the peer answered our SLTM
//! (so the peer has seen its own SLTM answered and treats the link as
//! usable). MSUs the element sends before that (its start-up GRS) wait in a
//! bounded queue ([`PRE_SERVICE_QUEUE`]) and go out then. Events from
//! elements and links go to one channel ([`Running::events`]); with a tap,
//! every MTP2 unit sent or received is recorded for a pcap ([`Tap`]).
//!
//! OSN links ([`Rt::osn_listen`], [`Rt::osn_connect`]) carry the framed
//! `OsnMessage` protocol on TCP; their contract (whole frames, reconnection,
//! oversized frames) is in the `osn` submodule's docs and `docs/osn.md`.
//!
//! M3UA/TCP links ([`Rt::m3ua_tcp_client`], [`Rt::m3ua_tcp_server`]) do
//! the same with the sans-IO `M3uaLink` (an ASP or SGP end of an RFC 4666
//! association) over one TCP connection, framed by `M3uaFramer`: the
//! element sees `Input::LinkState { up: true }` when the ASP is ACTIVE and
//! `up: false` when it leaves ACTIVE; MSUs sent before are queued by the
//! association (bounded). A client connects, and reconnects
//! [`M3UA_RECONNECT`] after a loss; a server accepts one connection at a
//! time, and the next after a loss. With a tap, every M3UA message sent or
//! received is recorded with the TCP addresses, for a pcap of SCTP/IPv4
//! frames ([`Tap::m3ua_pcap`]).
//!
//! With a tap made by [`Tap::with_wires`], every frame handed over an
//! in-process wire is also sent, as a [`WireRecord`] (sender, receiver,
//! the wire's [`LinkKind`] when [`Rt::wire_kind`] named it, the bytes), to
//! the tap's channel: what `ainsim serve`'s live view draws its ladder from.
//!
//! What it is not: no topology loading (see the CLI), no determinism (use
//! [`crate::sim`] for that), no SCTP (M3UA runs over TCP here).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use ainsim_elements::m3ua_link::{M3uaConfig, M3uaLink, M3uaOutput};
use ainsim_elements::mtp2link::{LinkOutput, Mtp2Config, Mtp2Link};
use ainsim_elements::{Element, Event, EventKind, Input, Instant, Output, Outputs, Port, TimerId};
use ainsim_wire::pcap::{LinkType, Mtp2PseudoHeader, PcapWriter};
use ainsim_wire::M3uaFramer;
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::LinkKind;

mod osn;
pub use osn::{OSN_QUEUE, RECONNECT_MAX, RECONNECT_MIN};

/// MSUs an MTP2/UDP link holds while it is not yet up; older ones are dropped beyond it.
pub const PRE_SERVICE_QUEUE: usize = 1024;

/// How long an M3UA/TCP client waits before connecting again.
pub const M3UA_RECONNECT: std::time::Duration = std::time::Duration::from_millis(500);

enum Msg {
    Recv(Port, Bytes),
    Link(Port, bool),
}

enum Route {
    /// Another element's port; with what to tell a wire tap, if any.
    Local(mpsc::UnboundedSender<Msg>, Port, Option<Arc<WireTap>>),
    /// A link task (MTP2/UDP or M3UA/TCP) that takes the port's MSUs.
    Link(mpsc::UnboundedSender<Bytes>),
    Osn(mpsc::UnboundedSender<Bytes>),
}

/// An element's index in an [`Rt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeRef(usize);

/// One event, stamped with the element (or link) that reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtEvent {
    pub at: Instant,
    pub source: String,
    pub event: Event,
}

/// One MTP2 unit on an MTP2/UDP link, as sent or received (FCS stripped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapRecord {
    pub at: Instant,
    /// The link's number (its order of creation).
    pub link: u16,
    pub sent: bool,
    pub unit: Vec<u8>,
}

/// One M3UA message on an M3UA/TCP link, as sent or received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M3uaTapRecord {
    pub at: Instant,
    /// Sender's address (ours when `sent`, the peer's otherwise).
    pub src: SocketAddr,
    /// Receiver's address.
    pub dst: SocketAddr,
    pub sent: bool,
    pub message: Vec<u8>,
}

/// One frame handed over an in-process wire (see [`Tap::with_wires`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRecord {
    pub at: Instant,
    /// The sending element's name.
    pub from: Arc<str>,
    /// The receiving element's name.
    pub to: Arc<str>,
    /// What the wire carries, when it was made with [`Rt::wire_kind`].
    pub kind: Option<LinkKind>,
    pub bytes: Bytes,
}

/// One end of a tapped wire.
struct WireTap {
    from: Arc<str>,
    to: Arc<str>,
    kind: Option<LinkKind>,
    tx: mpsc::UnboundedSender<WireRecord>,
}

#[derive(Debug, Default)]
struct TapInner {
    mtp2: Vec<TapRecord>,
    m3ua: Vec<M3uaTapRecord>,
}

/// A shared recorder of MTP2 units and M3UA messages, and optionally a
/// channel for the frames on in-process wires.
#[derive(Debug, Clone, Default)]
pub struct Tap(Arc<Mutex<TapInner>>, Option<mpsc::UnboundedSender<WireRecord>>);

impl Tap {
    /// An empty tap.
    pub fn new() -> Self {
        Tap::default()
    }

    /// An empty tap that also sends every frame handed over an in-process
    /// wire to `wires` (whoever reads it must keep up: the channel is
    /// unbounded; a closed channel is ignored).
    pub fn with_wires(wires: mpsc::UnboundedSender<WireRecord>) -> Self {
        Tap(Arc::default(), Some(wires))
    }

    fn push(&self, r: TapRecord) {
        if let Ok(mut v) = self.0.lock() {
            v.mtp2.push(r);
        }
    }

    fn push_m3ua(&self, r: M3uaTapRecord) {
        if let Ok(mut v) = self.0.lock() {
            v.m3ua.push(r);
        }
    }

    /// Every MTP2 unit recorded so far.
    pub fn records(&self) -> Vec<TapRecord> {
        self.0.lock().map(|v| v.mtp2.clone()).unwrap_or_default()
    }

    /// Every M3UA message recorded so far.
    pub fn m3ua_records(&self) -> Vec<M3uaTapRecord> {
        self.0.lock().map(|v| v.m3ua.clone()).unwrap_or_default()
    }

    /// The M3UA records as a pcap of raw IPv4 (link type 228): each message
    /// one SCTP DATA chunk (PPID 3; stream 1 for DATA, 0 otherwise) between
    /// the TCP connection's addresses (IPv6 ones shown as 127.0.0.1). Tap
    /// one end of an association only, or both directions appear twice.
    ///
    /// # Errors
    /// Only if a message exceeds the pcap snap length or IPv4.
    pub fn m3ua_pcap(&self) -> ainsim_wire::Result<Vec<u8>> {
        let v4 = |a: SocketAddr| match a {
            SocketAddr::V4(a) => a,
            SocketAddr::V6(a) => std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, a.port()),
        };
        let mut w = PcapWriter::new(Vec::new(), LinkType::Ipv4)?;
        for r in self.m3ua_records() {
            w.write_m3ua(r.at.micros(), v4(r.src), v4(r.dst), &r.message)?;
        }
        Ok(w.into_inner())
    }

    /// The records as a pcap of link type 139 (MTP2 with pseudo-header:
    /// direction and link number), FCS stripped.
    ///
    /// # Errors
    /// Only if a unit exceeds the pcap snap length.
    pub fn pcap(&self) -> ainsim_wire::Result<Vec<u8>> {
        let mut w = PcapWriter::new(Vec::new(), LinkType::Mtp2WithPhdr)?;
        for r in self.records() {
            let phdr = Mtp2PseudoHeader { sent: u8::from(r.sent), annex_a_used: 0, link_number: r.link };
            w.write_mtp2_phdr(r.at.micros(), phdr, &r.unit)?;
        }
        Ok(w.into_inner())
    }
}

struct NodeSlot {
    element: Box<dyn Element + Send>,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    routes: BTreeMap<Port, Route>,
}

struct LinkSlot {
    node: usize,
    port: Port,
    socket: UdpSocket,
    peer: SocketAddr,
    cfg: Mtp2Config,
    msus: mpsc::UnboundedReceiver<Bytes>,
    name: String,
}

/// How an M3UA/TCP link gets its connection.
enum M3uaTransport {
    Connect(SocketAddr),
    Listen(TcpListener),
}

struct M3uaSlot {
    node: usize,
    port: Port,
    transport: M3uaTransport,
    cfg: M3uaConfig,
    msus: mpsc::UnboundedReceiver<Bytes>,
    name: String,
}

/// A network being assembled for real time.
#[derive(Default)]
pub struct Rt {
    nodes: Vec<NodeSlot>,
    links: Vec<LinkSlot>,
    osn: Vec<osn::OsnSlot>,
    m3ua: Vec<M3uaSlot>,
    tap: Option<Tap>,
}

/// A started network: its tasks and its event stream.
pub struct Running {
    /// Every event of every element and link, in arrival order.
    pub events: mpsc::UnboundedReceiver<RtEvent>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops every task.
    pub fn shutdown(self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

impl Rt {
    /// An empty network.
    pub fn new() -> Self {
        Rt::default()
    }

    /// Records every MTP2 unit of every MTP2/UDP link into `tap` (and, for
    /// a [`Tap::with_wires`], the frames of the wires made after this call).
    pub fn tap(&mut self, tap: Tap) {
        self.tap = Some(tap);
    }

    /// Adds an element.
    pub fn add(&mut self, element: impl Element + Send + 'static) -> NodeRef {
        let (tx, rx) = mpsc::unbounded_channel();
        self.nodes.push(NodeSlot { element: Box::new(element), tx, rx, routes: BTreeMap::new() });
        NodeRef(self.nodes.len() - 1)
    }

    /// Adds an element already boxed.
    pub fn add_boxed(&mut self, element: Box<dyn Element + Send>) -> NodeRef {
        let (tx, rx) = mpsc::unbounded_channel();
        self.nodes.push(NodeSlot { element, tx, rx, routes: BTreeMap::new() });
        NodeRef(self.nodes.len() - 1)
    }

    /// Joins port `pa` of `a` and port `pb` of `b` in process (frames are
    /// handed over as they are, with no delay).
    pub fn wire(&mut self, a: NodeRef, pa: Port, b: NodeRef, pb: Port) {
        self.wire_with(a, pa, b, pb, None);
    }

    /// [`Rt::wire`], naming what the wire carries (for a wire tap's
    /// [`WireRecord::kind`]).
    pub fn wire_kind(&mut self, a: NodeRef, pa: Port, b: NodeRef, pb: Port, kind: LinkKind) {
        self.wire_with(a, pa, b, pb, Some(kind));
    }

    fn wire_with(&mut self, a: NodeRef, pa: Port, b: NodeRef, pb: Port, kind: Option<LinkKind>) {
        let (ta, tb) = (self.nodes[a.0].tx.clone(), self.nodes[b.0].tx.clone());
        let taps = self.tap.as_ref().and_then(|t| t.1.clone()).map(|tx| {
            let (na, nb): (Arc<str>, Arc<str>) =
                (self.nodes[a.0].element.name().into(), self.nodes[b.0].element.name().into());
            let ab = WireTap { from: na.clone(), to: nb.clone(), kind, tx: tx.clone() };
            (Arc::new(ab), Arc::new(WireTap { from: nb, to: na, kind, tx }))
        });
        let (ab, ba) = taps.map_or((None, None), |(x, y)| (Some(x), Some(y)));
        self.nodes[a.0].routes.insert(pa, Route::Local(tb, pb, ab));
        self.nodes[b.0].routes.insert(pb, Route::Local(ta, pa, ba));
    }

    /// Links port `port` of `node` to a peer by MTP2 over UDP: a socket bound
    /// to `local`, sending to `peer`. Returns the bound address (useful with port 0).
    ///
    /// # Errors
    /// The socket cannot be bound.
    pub async fn mtp2_udp(
        &mut self,
        node: NodeRef,
        port: Port,
        local: SocketAddr,
        peer: SocketAddr,
        cfg: Mtp2Config,
    ) -> io::Result<SocketAddr> {
        let socket = UdpSocket::bind(local).await?;
        let addr = socket.local_addr()?;
        let (tx, rx) = mpsc::unbounded_channel();
        self.nodes[node.0].routes.insert(port, Route::Link(tx));
        let name = format!("{}/mtp2:{}", self.nodes[node.0].element.name(), port.0);
        self.links.push(LinkSlot { node: node.0, port, socket, peer, cfg, msus: rx, name });
        Ok(addr)
    }

    /// Serves port `port` of `node` as an OSN link over TCP: listens on
    /// `addr` and carries OSN frames on the connection a peer makes (a newer
    /// connection replaces the current one). Returns the bound address
    /// (useful with port 0). See the `osn` contract in the module docs.
    ///
    /// # Errors
    /// The listener cannot be bound.
    pub async fn osn_listen(
        &mut self,
        node: NodeRef,
        port: Port,
        addr: SocketAddr,
    ) -> io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        self.add_osn(node, port, osn::End::Listen(listener), format!("listen {bound}"));
        Ok(bound)
    }

    /// Links port `port` of `node` to an OSN peer over TCP: connects to
    /// `peer` at start and again whenever the connection is lost.
    pub fn osn_connect(&mut self, node: NodeRef, port: Port, peer: SocketAddr) {
        self.add_osn(node, port, osn::End::Connect(peer), format!("to {peer}"));
    }

    fn add_osn(&mut self, node: NodeRef, port: Port, end: osn::End, what: String) {
        let (tx, frames) = mpsc::unbounded_channel();
        self.nodes[node.0].routes.insert(port, Route::Osn(tx));
        let name = format!("{}/osn:{} {what}", self.nodes[node.0].element.name(), port.0);
        self.osn.push(osn::OsnSlot { node: node.0, port, end, frames, name });
    }

    /// Links port `port` of `node` to a peer by M3UA over TCP, connecting to
    /// `peer` (and again [`M3UA_RECONNECT`] after every loss or refusal).
    /// `cfg.role` says which end of the association we are (usually the ASP).
    pub fn m3ua_tcp_client(&mut self, node: NodeRef, port: Port, peer: SocketAddr, cfg: M3uaConfig) {
        self.add_m3ua(node, port, M3uaTransport::Connect(peer), cfg, "m3ua");
    }

    /// Links port `port` of `node` to a peer by M3UA over TCP, listening on
    /// `local` (one connection at a time; the next is accepted after a loss).
    /// `cfg.role` says which end we are (usually the SGP). Returns the bound
    /// address (useful with port 0).
    ///
    /// # Errors
    /// The listener cannot be bound.
    pub async fn m3ua_tcp_server(
        &mut self,
        node: NodeRef,
        port: Port,
        local: SocketAddr,
        cfg: M3uaConfig,
    ) -> io::Result<SocketAddr> {
        let listener = TcpListener::bind(local).await?;
        let addr = listener.local_addr()?;
        self.add_m3ua(node, port, M3uaTransport::Listen(listener), cfg, "m3ua-server");
        Ok(addr)
    }

    fn add_m3ua(&mut self, node: NodeRef, port: Port, transport: M3uaTransport, cfg: M3uaConfig, kind: &str) {
        let (tx, rx) = mpsc::unbounded_channel();
        self.nodes[node.0].routes.insert(port, Route::Link(tx));
        let name = format!("{}/{kind}:{}", self.nodes[node.0].element.name(), port.0);
        self.m3ua.push(M3uaSlot { node: node.0, port, transport, cfg, msus: rx, name });
    }

    /// Spawns every task on the current tokio runtime and starts the elements.
    pub fn start(self) -> Running {
        let epoch = tokio::time::Instant::now();
        let (ev_tx, events) = mpsc::unbounded_channel();
        let mut tasks = Vec::new();
        let senders: Vec<_> = self.nodes.iter().map(|n| n.tx.clone()).collect();
        for (i, l) in self.links.into_iter().enumerate() {
            let up = senders[l.node].clone();
            let link_no = u16::try_from(i).unwrap_or(u16::MAX);
            tasks.push(tokio::spawn(run_link(l, up, ev_tx.clone(), epoch, self.tap.clone(), link_no)));
        }
        for l in self.osn {
            let up = senders[l.node].clone();
            tasks.push(tokio::spawn(osn::run(l, up, ev_tx.clone(), epoch)));
        }
        for l in self.m3ua {
            let up = senders[l.node].clone();
            tasks.push(tokio::spawn(run_m3ua(l, up, ev_tx.clone(), epoch, self.tap.clone())));
        }
        for n in self.nodes {
            let span = tracing::info_span!("element", node = n.element.name());
            tasks
                .push(tokio::spawn(tracing::Instrument::instrument(run_node(n, ev_tx.clone(), epoch), span)));
        }
        Running { events, tasks }
    }
}

fn now_since(epoch: tokio::time::Instant) -> Instant {
    Instant(u64::try_from(epoch.elapsed().as_micros()).unwrap_or(u64::MAX))
}

fn at_instant(epoch: tokio::time::Instant, at: Instant) -> tokio::time::Instant {
    epoch + std::time::Duration::from_micros(at.micros())
}

async fn run_node(mut n: NodeSlot, ev: mpsc::UnboundedSender<RtEvent>, epoch: tokio::time::Instant) {
    let name = n.element.name().to_owned();
    let mut timers = Timers::default();
    let mut out = Outputs::new();
    n.element.handle(now_since(epoch), Input::Start, &mut out);
    apply(&n.routes, &mut out, &mut timers, &ev, &name, now_since(epoch));
    let far = epoch + std::time::Duration::from_secs(86_400 * 365);
    // One timer-wheel entry per task, moved only when the earliest timer changes.
    let sleep = tokio::time::sleep_until(far);
    tokio::pin!(sleep);
    let mut armed = None;
    loop {
        let next = timers.next();
        let deadline = next.map_or(far, |(_, at)| at_instant(epoch, at));
        if armed != Some(deadline) {
            sleep.as_mut().reset(deadline);
            armed = Some(deadline);
        }
        tokio::select! {
            m = n.rx.recv() => {
                let Some(mut m) = m else { break };
                // Everything already queued is handled before the next wait.
                loop {
                    let now = now_since(epoch);
                    match m {
                        Msg::Recv(port, b) => n.element.handle(now, Input::Recv { port, bytes: &b }, &mut out),
                        Msg::Link(port, up) => n.element.handle(now, Input::LinkState { port, up }, &mut out),
                    }
                    apply(&n.routes, &mut out, &mut timers, &ev, &name, now);
                    match n.rx.try_recv() {
                        Ok(more) => m = more,
                        Err(_) => break,
                    }
                }
            }
            () = &mut sleep => {
                armed = None;
                if let Some((id, _)) = next {
                    timers.cancel(id);
                    let now = now_since(epoch);
                    n.element.handle(now, Input::Timer(id), &mut out);
                    apply(&n.routes, &mut out, &mut timers, &ev, &name, now);
                }
            }
        }
    }
}

/// An element's live timers, with the earliest (by time, then id) at hand
/// in O(log n) however many are set.
#[derive(Default)]
struct Timers {
    at: HashMap<TimerId, Instant>,
    order: BTreeSet<(Instant, TimerId)>,
}

impl Timers {
    fn set(&mut self, id: TimerId, at: Instant) {
        if let Some(old) = self.at.insert(id, at) {
            self.order.remove(&(old, id));
        }
        self.order.insert((at, id));
    }

    fn cancel(&mut self, id: TimerId) {
        if let Some(old) = self.at.remove(&id) {
            self.order.remove(&(old, id));
        }
    }

    fn next(&self) -> Option<(TimerId, Instant)> {
        self.order.first().map(|&(at, id)| (id, at))
    }
}

fn apply(
    routes: &BTreeMap<Port, Route>,
    out: &mut Outputs,
    timers: &mut Timers,
    ev: &mpsc::UnboundedSender<RtEvent>,
    name: &str,
    now: Instant,
) {
    for o in out.drain() {
        match o {
            Output::Send { port, bytes } => match routes.get(&port) {
                Some(Route::Local(tx, p, tap)) => {
                    if let Some(t) = tap {
                        let (from, to, kind) = (t.from.clone(), t.to.clone(), t.kind);
                        let _ = t.tx.send(WireRecord { at: now, from, to, kind, bytes: bytes.clone() });
                    }
                    let _ = tx.send(Msg::Recv(*p, bytes));
                }
                Some(Route::Link(tx) | Route::Osn(tx)) => {
                    let _ = tx.send(bytes);
                }
                None => {}
            },
            Output::SetTimer { id, at } => timers.set(id, at),
            Output::CancelTimer { id } => timers.cancel(id),
            Output::Event(event) => {
                tracing::debug!(node = name, t = %now, call = ?event.call, kind = ?event.kind, "event");
                let _ = ev.send(RtEvent { at: now, source: name.to_owned(), event });
            }
        }
    }
}

async fn run_link(
    mut l: LinkSlot,
    up_tx: mpsc::UnboundedSender<Msg>,
    ev: mpsc::UnboundedSender<RtEvent>,
    epoch: tokio::time::Instant,
    tap: Option<Tap>,
    link_no: u16,
) {
    let wants_test = l.cfg.link_test.is_some();
    let mut link = Mtp2Link::new(l.cfg.clone());
    let mut out = Vec::new();
    let mut held: VecDeque<Bytes> = VecDeque::new();
    let mut reported_up = false;
    let mut buf = vec![0u8; 2048];
    let note = |at: Instant, s: String| {
        let _ = ev.send(RtEvent {
            at,
            source: l.name.clone(),
            event: Event { call: None, kind: EventKind::Note(s) },
        });
    };
    link.start(now_since(epoch), &mut out);
    loop {
        let now = now_since(epoch);
        for o in out.drain(..) {
            match o {
                LinkOutput::Transmit(d) => {
                    if let Some(t) = &tap {
                        let unit = d[..d.len().saturating_sub(2)].to_vec();
                        t.push(TapRecord { at: now, link: link_no, sent: true, unit });
                    }
                    let _ = l.socket.send_to(&d, l.peer).await;
                }
                LinkOutput::Deliver(m) => {
                    let _ = up_tx.send(Msg::Recv(l.port, Bytes::from(m)));
                }
                LinkOutput::Up => {
                    note(now, "MTP2 link in service".into());
                    if !wants_test {
                        reported_up = true;
                        let _ = up_tx.send(Msg::Link(l.port, true));
                    }
                }
                LinkOutput::Tested => {
                    note(now, "link test passed (SLTA received)".into());
                    reported_up = true;
                    let _ = up_tx.send(Msg::Link(l.port, true));
                }
                LinkOutput::Down(why) => {
                    note(now, format!("MTP2 link out of service: {why}"));
                    if reported_up {
                        reported_up = false;
                        let _ = up_tx.send(Msg::Link(l.port, false));
                    }
                }
            }
        }
        if reported_up {
            while let Some(m) = held.pop_front() {
                link.send_msu(now, &m, &mut out);
            }
            if !out.is_empty() {
                continue;
            }
        }
        let sleep_to = link
            .poll_at()
            .map_or_else(|| epoch + std::time::Duration::from_secs(86_400 * 365), |at| at_instant(epoch, at));
        tokio::select! {
            r = l.socket.recv_from(&mut buf) => {
                if let Ok((n, _from)) = r {
                    let now = now_since(epoch);
                    if let Some(t) = &tap {
                        t.push(TapRecord { at: now, link: link_no, sent: false, unit: buf[..n.saturating_sub(2)].to_vec() });
                    }
                    link.receive(now, &buf[..n], &mut out);
                }
            }
            m = l.msus.recv() => {
                let Some(m) = m else { break };
                if reported_up {
                    if !link.send_msu(now_since(epoch), &m, &mut out) {
                        note(now_since(epoch), "MSU dropped: link not in service".into());
                    }
                } else {
                    if held.len() == PRE_SERVICE_QUEUE {
                        held.pop_front();
                    }
                    held.push_back(m);
                }
            }
            () = tokio::time::sleep_until(sleep_to) => link.on_timer(now_since(epoch), &mut out),
        }
    }
}

/// What an M3UA link task does with one batch of the association's outputs.
struct M3uaIo<'a> {
    port: Port,
    up_tx: &'a mpsc::UnboundedSender<Msg>,
    ev: &'a mpsc::UnboundedSender<RtEvent>,
    name: &'a str,
    tap: Option<&'a Tap>,
}

impl M3uaIo<'_> {
    fn event(&self, at: Instant, kind: EventKind) {
        let _ = self.ev.send(RtEvent { at, source: self.name.to_owned(), event: Event { call: None, kind } });
    }

    /// Applies `out`; writes to `stream` when there is one. Returns false
    /// when the association asked for the connection to be closed or a
    /// write failed.
    async fn apply(
        &self,
        now: Instant,
        out: &mut Vec<M3uaOutput>,
        mut stream: Option<(&mut TcpStream, SocketAddr, SocketAddr)>,
    ) -> bool {
        let mut keep = true;
        for o in out.drain(..) {
            match o {
                M3uaOutput::Transmit(m) => {
                    if let Some((s, local, peer)) = stream.as_mut() {
                        if let Some(t) = self.tap {
                            t.push_m3ua(M3uaTapRecord {
                                at: now,
                                src: *local,
                                dst: *peer,
                                sent: true,
                                message: m.clone(),
                            });
                        }
                        if s.write_all(&m).await.is_err() {
                            keep = false;
                        }
                    }
                }
                M3uaOutput::Deliver(m) => {
                    let _ = self.up_tx.send(Msg::Recv(self.port, Bytes::from(m)));
                }
                M3uaOutput::Up => {
                    self.event(now, EventKind::Note("M3UA ASP active".into()));
                    let _ = self.up_tx.send(Msg::Link(self.port, true));
                }
                M3uaOutput::Down(why) => {
                    self.event(now, EventKind::Note(format!("M3UA ASP not active: {why}")));
                    let _ = self.up_tx.send(Msg::Link(self.port, false));
                }
                M3uaOutput::Reset(why) => {
                    self.event(now, EventKind::Note(format!("M3UA connection reset: {why}")));
                    keep = false;
                }
                M3uaOutput::Note(n) => self.event(now, EventKind::Note(n)),
                M3uaOutput::Dropped { reason, hex } => self.event(now, EventKind::Dropped { reason, hex }),
            }
        }
        keep
    }
}

async fn run_m3ua(
    mut l: M3uaSlot,
    up_tx: mpsc::UnboundedSender<Msg>,
    ev: mpsc::UnboundedSender<RtEvent>,
    epoch: tokio::time::Instant,
    tap: Option<Tap>,
) {
    let mut link = M3uaLink::new(l.cfg.clone());
    let mut out = Vec::new();
    let io = M3uaIo { port: l.port, up_tx: &up_tx, ev: &ev, name: &l.name, tap: tap.as_ref() };
    let mut buf = vec![0u8; 8192];
    let mut next_try = tokio::time::Instant::now();
    let mut failing = false;
    loop {
        // Get a connection, queueing the element's MSUs meanwhile. The
        // attempt is pinned so that element traffic does not restart it.
        let mut stream = loop {
            let got = {
                let attempt = async {
                    match &l.transport {
                        M3uaTransport::Connect(peer) => {
                            tokio::time::sleep_until(next_try).await;
                            TcpStream::connect(*peer).await
                        }
                        M3uaTransport::Listen(listener) => listener.accept().await.map(|(s, _)| s),
                    }
                };
                tokio::pin!(attempt);
                loop {
                    tokio::select! {
                        r = &mut attempt => break r,
                        m = l.msus.recv() => {
                            let Some(m) = m else { return };
                            link.send_msu(now_since(epoch), &m, &mut out);
                            io.apply(now_since(epoch), &mut out, None).await;
                        }
                    }
                }
            };
            match got {
                Ok(s) => break s,
                Err(e) => {
                    if !failing {
                        // Once per outage, not per attempt.
                        failing = true;
                        io.event(
                            now_since(epoch),
                            EventKind::Note(format!(
                                "M3UA connection failed: {e} (retrying every {M3UA_RECONNECT:?})"
                            )),
                        );
                    }
                    next_try = tokio::time::Instant::now() + M3UA_RECONNECT;
                }
            }
        };
        failing = false;
        let _ = stream.set_nodelay(true);
        let (Ok(local), Ok(peer)) = (stream.local_addr(), stream.peer_addr()) else { continue };
        let mut rx_framer = M3uaFramer::new();
        link.connected(now_since(epoch), &mut out);
        let mut alive = io.apply(now_since(epoch), &mut out, Some((&mut stream, local, peer))).await;
        while alive {
            let sleep_to = link.poll_at().map_or_else(
                || epoch + std::time::Duration::from_secs(86_400 * 365),
                |at| at_instant(epoch, at),
            );
            tokio::select! {
                r = stream.read(&mut buf) => {
                    let now = now_since(epoch);
                    match r {
                        Ok(n) if n > 0 => {
                            // One tap record per whole message: run a framer of our own.
                            if let Some(t) = &tap {
                                // One record per whole message: a framer of the tap's own.
                                if rx_framer.push(&buf[..n]).is_ok() {
                                    while let Ok(Some(m)) = rx_framer.pop() {
                                        t.push_m3ua(M3uaTapRecord { at: now, src: peer, dst: local, sent: false, message: m });
                                    }
                                }
                            }
                            link.receive(now, &buf[..n], &mut out);
                        }
                        _ => {
                            link.disconnected(now, "TCP connection closed", &mut out);
                            alive = false;
                        }
                    }
                }
                m = l.msus.recv() => {
                    let Some(m) = m else { return };
                    link.send_msu(now_since(epoch), &m, &mut out);
                }
                () = tokio::time::sleep_until(sleep_to) => link.on_timer(now_since(epoch), &mut out),
            }
            let now = now_since(epoch);
            if !io.apply(now, &mut out, Some((&mut stream, local, peer))).await && alive {
                alive = false;
                link.disconnected(now, "connection closed by us", &mut out);
            }
        }
        io.apply(now_since(epoch), &mut out, None).await;
        next_try = tokio::time::Instant::now() + M3UA_RECONNECT;
    }
}
