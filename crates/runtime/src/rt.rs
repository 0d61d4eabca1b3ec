//! The real-time runtime on tokio: each element an actor, plus MTP2/UDP
//! links to processes outside (a real SS7 stack such as libss7).
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
//! What it is not: no M3UA yet, no topology loading (see the CLI), no
//! determinism (use [`crate::sim`] for that).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use ainsim_elements::mtp2link::{LinkOutput, Mtp2Config, Mtp2Link};
use ainsim_elements::{Element, Event, EventKind, Input, Instant, Output, Outputs, Port, TimerId};
use ainsim_wire::pcap::{LinkType, Mtp2PseudoHeader, PcapWriter};
use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// MSUs an MTP2/UDP link holds while it is not yet up; older ones are dropped beyond it.
pub const PRE_SERVICE_QUEUE: usize = 1024;

enum Msg {
    Recv(Port, Bytes),
    Link(Port, bool),
}

enum Route {
    Local(mpsc::UnboundedSender<Msg>, Port),
    Mtp2(mpsc::UnboundedSender<Bytes>),
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

/// A shared recorder of MTP2 units.
#[derive(Debug, Clone, Default)]
pub struct Tap(Arc<Mutex<Vec<TapRecord>>>);

impl Tap {
    /// An empty tap.
    pub fn new() -> Self {
        Tap::default()
    }

    fn push(&self, r: TapRecord) {
        if let Ok(mut v) = self.0.lock() {
            v.push(r);
        }
    }

    /// Everything recorded so far.
    pub fn records(&self) -> Vec<TapRecord> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
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

/// A network being assembled for real time.
#[derive(Default)]
pub struct Rt {
    nodes: Vec<NodeSlot>,
    links: Vec<LinkSlot>,
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

    /// Records every MTP2 unit of every MTP2/UDP link into `tap`.
    pub fn tap(&mut self, tap: Tap) {
        self.tap = Some(tap);
    }

    /// Adds an element.
    pub fn add(&mut self, element: impl Element + Send + 'static) -> NodeRef {
        let (tx, rx) = mpsc::unbounded_channel();
        self.nodes.push(NodeSlot { element: Box::new(element), tx, rx, routes: BTreeMap::new() });
        NodeRef(self.nodes.len() - 1)
    }

    /// Joins port `pa` of `a` and port `pb` of `b` in process (frames are
    /// handed over as they are, with no delay).
    pub fn wire(&mut self, a: NodeRef, pa: Port, b: NodeRef, pb: Port) {
        let (ta, tb) = (self.nodes[a.0].tx.clone(), self.nodes[b.0].tx.clone());
        self.nodes[a.0].routes.insert(pa, Route::Local(tb, pb));
        self.nodes[b.0].routes.insert(pb, Route::Local(ta, pa));
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
        self.nodes[node.0].routes.insert(port, Route::Mtp2(tx));
        let name = format!("{}/mtp2:{}", self.nodes[node.0].element.name(), port.0);
        self.links.push(LinkSlot { node: node.0, port, socket, peer, cfg, msus: rx, name });
        Ok(addr)
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
        for n in self.nodes {
            tasks.push(tokio::spawn(run_node(n, ev_tx.clone(), epoch)));
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
                Some(Route::Local(tx, p)) => {
                    let _ = tx.send(Msg::Recv(*p, bytes));
                }
                Some(Route::Mtp2(tx)) => {
                    let _ = tx.send(bytes);
                }
                None => {}
            },
            Output::SetTimer { id, at } => timers.set(id, at),
            Output::CancelTimer { id } => timers.cancel(id),
            Output::Event(event) => {
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
