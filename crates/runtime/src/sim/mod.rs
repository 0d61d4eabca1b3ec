//! The deterministic discrete-event simulator.
//!
//! What it is: a [`Simulator`] that owns elements (anything implementing
//! [`Element`]), links joining `(node, port)` pairs with a [`LinkModel`]
//! (latency, jitter, loss), a virtual clock and one queue of events ordered
//! by `(time, sequence number)`. It hands each element its inputs, collects
//! its outputs, and carries the bytes it sends to the far end of the link
//! after the modelled delay. It runs as fast as the CPU allows: virtual time
//! jumps from one event to the next.
//!
//! Faults are verbs of the simulator ([`Simulator::link_down`],
//! [`Simulator::crash`], [`Simulator::partition`], ...), callable between
//! steps or scheduled for a virtual time with [`Simulator::schedule`]; no
//! element has an `if` for them.
//!
//! Seeing it: every SS7 frame can be tapped into one pcap (link type 139,
//! MTP2 with pseudo-header: the MSU inside an MTP2 MSU, direction and link
//! number), and every frame of every kind goes to an in-memory trace that
//! [`crate::ladder`] draws.
//!
//! Contract: the same elements, topology, seed and sequence of verbs give the
//! same sequence of inputs to every element, byte-identical pcaps and equal
//! traces, on every run. Ties in time are broken by insertion order.
//! Randomness (jitter, loss) comes from one [`SplitMix64`] stream per link,
//! derived from the run seed and the link's end points, so adding a link does
//! not change the draws of the others. Frames on one link direction are
//! delivered in the order they were sent (a serial link does not reorder):
//! jitter can delay a frame, never overtake an earlier one.
//!
//! What it is not: a model of MTP2 itself (no alignment, no retransmission:
//! a lost frame is lost), of bandwidth or queueing, or a real-time runtime.

mod queue;
mod tap;

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use ainsim_elements::{Element, Event, Input, Instant, NodeId, Output, Outputs, Port, TimerId};
use bytes::Bytes;

use crate::ladder;
use crate::rng::{self, SplitMix64};
use crate::LinkKind;

use tap::{PcapTap, SharedBuf};

/// A link in a [`Simulator`] (an opaque handle; its index is the pcap link number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(u32);

impl LinkId {
    /// The link's number: its position in the order links were added.
    pub fn index(self) -> u32 {
        self.0
    }
}

/// Random variation added to a link's latency.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Jitter {
    /// None: every frame takes exactly the latency.
    #[default]
    None,
    /// Uniform in `[-d, +d]` (the delay never goes below zero).
    Uniform(Duration),
    /// Exponential with mean `d`, added to the latency (a queueing tail).
    Exponential(Duration),
}

/// How a link treats the frames it carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkModel {
    /// Fixed one-way delay.
    pub latency: Duration,
    /// Variation around it.
    pub jitter: Jitter,
    /// Probability in `[0, 1]` that a frame is lost.
    pub loss: f64,
}

impl Default for LinkModel {
    /// 1 ms, no jitter, no loss.
    fn default() -> Self {
        LinkModel { latency: Duration::from_millis(1), jitter: Jitter::None, loss: 0.0 }
    }
}

impl LinkModel {
    /// A link with a fixed `latency`, no jitter and no loss.
    pub fn fixed(latency: Duration) -> Self {
        LinkModel { latency, jitter: Jitter::None, loss: 0.0 }
    }

    /// The same model with `jitter`.
    #[must_use]
    pub fn jitter(self, jitter: Jitter) -> Self {
        LinkModel { jitter, ..self }
    }

    /// The same model losing each frame with probability `p`.
    #[must_use]
    pub fn loss(self, p: f64) -> Self {
        LinkModel { loss: p, ..self }
    }
}

/// A fault, as a value: for [`Simulator::schedule`] or [`Simulator::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    LinkDown(LinkId),
    LinkUp(LinkId),
    Crash(NodeId),
    Restart(NodeId),
    /// Cut the given nodes off from every other node.
    Partition(Vec<NodeId>),
    Heal,
}

/// Why a frame did not arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LossReason {
    /// The link's loss probability.
    Random,
    /// Sent on a link that was down, or in flight when it went down.
    LinkDown,
    /// Sent to an element that was crashed, or in flight when it crashed.
    Crashed,
    /// Its ends were in different partitions when it was sent or due.
    Partition,
}

/// What became of a traced frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Still on the wire.
    InFlight,
    /// Handed to the far element at this time.
    Delivered(Instant),
    Lost(LossReason),
}

/// One frame on one link, as the in-memory trace keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    /// When the sender put it on the link.
    pub sent: Instant,
    pub fate: Fate,
    pub from: NodeId,
    pub to: NodeId,
    /// The sender's name.
    pub from_name: Arc<str>,
    /// The receiver's name.
    pub to_name: Arc<str>,
    pub link: LinkId,
    pub kind: LinkKind,
    pub bytes: Bytes,
}

impl TraceEntry {
    /// The entry as a ladder row.
    pub fn row(&self) -> ladder::Row<'_> {
        ladder::Row {
            at: self.sent,
            from: &self.from_name,
            to: &self.to_name,
            kind: self.kind,
            bytes: &self.bytes,
            lost: matches!(self.fate, Fate::Lost(_)),
        }
    }
}

/// An [`Event`] an element reported, with when and who.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub at: Instant,
    pub node: NodeId,
    pub name: Arc<str>,
    pub event: Event,
}

/// Run-wide counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Inputs handed to elements.
    pub inputs: u64,
    pub frames_sent: u64,
    pub frames_delivered: u64,
    pub lost_random: u64,
    pub lost_link_down: u64,
    pub lost_crashed: u64,
    pub lost_partition: u64,
    /// Frames sent on a port no link is attached to (dropped).
    pub unconnected: u64,
    pub timers_fired: u64,
}

impl Stats {
    /// Frames lost for any reason.
    pub fn lost(&self) -> u64 {
        self.lost_random + self.lost_link_down + self.lost_crashed + self.lost_partition
    }
}

/// Per-link counters, both directions together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub sent: u64,
    pub delivered: u64,
    pub lost: u64,
    /// Frames put on the link by side A (`[0]`) and side B (`[1]`), lost ones included.
    pub sent_by: [u64; 2],
    /// Their octets (as handed to the link: MTP3 MSUs on SS7 links, no MTP2 framing).
    pub octets_by: [u64; 2],
}

/// A misuse of the simulator's API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("sim: node {0:?} does not exist")]
    NoSuchNode(NodeId),
    #[error("sim: port {port:?} of {node} already has a link")]
    PortInUse { node: String, port: Port },
    #[error("sim: a node named {0:?} already exists")]
    DuplicateName(String),
    #[error("sim: cannot open the pcap: {0}")]
    Pcap(String),
}

/// An element the simulator can also hand back by its concrete type.
trait Node: Element {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Element + Any> Node for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A boxed element (its concrete type is not recoverable).
struct Boxed(Box<dyn Element>);

impl Element for Boxed {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        self.0.handle(now, input, out);
    }
    fn counter_values(&self) -> Vec<(String, u64)> {
        self.0.counter_values()
    }
}

type Factory = Box<dyn FnMut() -> Box<dyn Node>>;

#[derive(Debug, Clone, Copy)]
struct End {
    link: u32,
    /// 0: the link's A side, 1: its B side.
    side: u8,
}

/// A node's ports and the links on them, sorted by port. A node with one
/// port (a phone) keeps it inline: a send reads the node's slot, not also a
/// separate allocation of 12 bytes, cold when the phone's turn comes. A
/// switch adds its ports in order: a vector.
#[derive(Default)]
enum PortMap {
    #[default]
    Empty,
    One((Port, End)),
    Many(Vec<(Port, End)>),
}

impl PortMap {
    fn as_slice(&self) -> &[(Port, End)] {
        match self {
            PortMap::Empty => &[],
            PortMap::One(pe) => std::slice::from_ref(pe),
            PortMap::Many(v) => v,
        }
    }

    fn get(&self, port: Port) -> Option<&End> {
        let v = match self {
            PortMap::Empty => return None,
            PortMap::One((p, end)) => return (*p == port).then_some(end),
            PortMap::Many(v) => v,
        };
        // Ports numbered 0, 1, 2… (a switch's lines) sit at their own index:
        // one read instead of a binary search that misses the cache at each
        // step; a port numbered apart, after them (a switch's signalling
        // link), is the last one.
        if let Some((p, end)) = v.get(port.0 as usize) {
            if *p == port {
                return Some(end);
            }
        }
        if let Some((p, end)) = v.last() {
            if *p <= port {
                return (*p == port).then_some(end);
            }
        }
        v.binary_search_by_key(&port, |(p, _)| *p).ok().map(|i| &v[i].1)
    }

    fn insert(&mut self, port: Port, end: End) {
        match self {
            PortMap::Empty => *self = PortMap::One((port, end)),
            PortMap::One((p, e)) if *p == port => *e = end,
            PortMap::One(first) => {
                let mut v = vec![*first, (port, end)];
                v.sort_by_key(|(p, _)| *p);
                *self = PortMap::Many(v);
            }
            PortMap::Many(v) => match v.binary_search_by_key(&port, |(p, _)| *p) {
                Ok(i) => v[i].1 = end,
                Err(i) => v.insert(i, (port, end)),
            },
        }
    }
}

/// A timer's generation, when it is due and where it waits in the queue.
/// The entry stays in its node's table after the timer fired (a firing
/// timer does not look up the table: that lookup was the largest single
/// cost of a call in the bench, the tables being cold), so an entry is
/// only known to be queued by [`Simulator::is_queued`].
#[derive(Debug, Clone, Copy)]
struct Queued {
    gen: u64,
    /// The time it was queued for (the clock's time if set for earlier).
    at: Instant,
    slot: u32,
}

/// The generation of a queued timer that was cancelled, moved or dropped by
/// a crash but could not leave the queue (it waits in one of its heaps):
/// skipped when due. Generations are sequence numbers, never this.
const DEAD: u64 = u64::MAX;

/// What every input, send and delivery of a node reads, in one cache line:
/// the element, its timer table, its port if it has only one (a phone), the
/// crash flag and the partition group. A call's events each find their
/// node cold (the bench network has 2 000 phones); the slot spread over
/// three lines before, of which a delivery read one (`crashed`), the input
/// another (`element`) and the phone's send a third (`ports`). The rest is
/// in [`NodeCold`].
#[repr(C, align(64))]
struct NodeSlot {
    element: Box<dyn Node>,
    /// Timers by id: generation (the sequence number of the SetTimer),
    /// due time and queue slot; fired ones stay until their id is set or
    /// cancelled again or the table would grow (see [`Queued`]).
    timers: HashMap<TimerId, Queued, BuildHasherDefault<IdHasher>>,
    /// The node's only port and its link's end, if `one` (a copy of
    /// `NodeCold::ports` when that is `PortMap::One`).
    one_port: Port,
    one_link: u32,
    /// Partition group (0 = the main network).
    group: u32,
    one_side: u8,
    one: bool,
    crashed: bool,
}

const _: () = assert!(std::mem::size_of::<NodeSlot>() == 64, "one cache line");

/// What a node's inputs seldom read (beside [`NodeSlot`], by node index).
struct NodeCold {
    name: Arc<str>,
    factory: Option<Factory>,
    ports: PortMap,
    /// Events this node reported, by index in `Simulator::kind_names`.
    kind_counts: Vec<u64>,
    /// Bumped on every crash: Start and LinkState events of an older
    /// incarnation are not delivered.
    incarnation: u32,
}

impl NodeSlot {
    /// The end of the link on `port`: from the slot itself for a node with
    /// one port, from `cold`'s map otherwise.
    #[inline]
    fn end(&self, cold: &NodeCold, port: Port) -> Option<End> {
        if self.one {
            return (self.one_port == port).then_some(End { link: self.one_link, side: self.one_side });
        }
        cold.ports.get(port).copied()
    }

    /// Copies `ports`' single port into the slot, or clears it.
    fn sync_ports(&mut self, ports: &PortMap) {
        if let PortMap::One((p, e)) = ports {
            (self.one, self.one_port, self.one_link, self.one_side) = (true, *p, e.link, e.side);
        } else {
            self.one = false;
        }
    }
}

/// A link's state as a transmit or a delivery reads it, in one cache line:
/// everything a frame on a link with a fixed delay reads or bumps. A call
/// touches two of the 2 000 line links of the bench network, cold each time
/// (a line frame is sent and delivered in the same microsecond, so its
/// delivery finds the line warm). The per-direction counters keep their low
/// 16 bits here and the rest in [`LinkCold`] (see [`add_low16`]), which a
/// frame touches once per 65 536 frames or octets; frames in flight are
/// counted as sent less delivered less lost. The model, the random stream
/// (drawn from only when the model has jitter or loss) and the record of
/// cuts live apart too.
#[repr(C, align(64))]
struct Link {
    /// `[A, B]`.
    ends: [(NodeId, Port); 2],
    /// Per direction (0: A→B, 1: B→A): bumped when frames in flight are
    /// cut off (link down, receiver crash); `LinkCold::cuts[d][e]` says why epoch `e` ended.
    epoch: [u32; 2],
    last_arrival: [Instant; 2],
    /// The delay in microseconds when `fixed`.
    delay_us: u32,
    /// Low 16 bits, per direction, of frames put on the link (lost ones
    /// included), frames delivered and octets sent; the rest in `LinkCold::high`.
    sent_low: [u16; 2],
    delivered_low: [u16; 2],
    octets_low: [u16; 2],
    kind: LinkKind,
    up: bool,
    /// The model has no jitter and no loss and its latency fits `delay_us`:
    /// every frame takes `delay_us` and the random stream is not drawn from
    /// (as `draw_delay` and `chance(0.0)` would not draw either).
    fixed: bool,
    /// MTP2 sequence numbers for the tap: last FSN sent per direction, and
    /// last FSN delivered to each side (its BSN).
    fsn_sent: [u8; 2],
    fsn_rcvd: [u8; 2],
}

const _: () = assert!(std::mem::size_of::<Link>() == 64, "one cache line");

/// A link's counters beyond the low 16 bits kept in [`Link`] (each a
/// multiple of 65 536: the count is this plus the low part), and its lost
/// frames, per direction.
#[derive(Default)]
struct LinkHigh {
    sent: [u64; 2],
    delivered: [u64; 2],
    octets: [u64; 2],
    lost: [u64; 2],
}

/// What a frame on a fixed link does not touch: the model (as set), the
/// random stream, the counters' high parts and why each epoch ended.
struct LinkCold {
    model: LinkModel,
    rng: SplitMix64,
    high: LinkHigh,
    cuts: [Vec<LossReason>; 2],
}

impl Link {
    /// Records `model`'s fast path (see `fixed`).
    fn set_model(&mut self, model: &LinkModel) {
        let delay = u32::try_from(model.latency.as_micros()).ok();
        self.fixed = model.jitter == Jitter::None && model.loss <= 0.0 && delay.is_some();
        self.delay_us = delay.unwrap_or(u32::MAX);
    }
}

/// Adds `n` to a counter kept as its low 16 bits `low` plus `high` (a
/// multiple of 65 536, elsewhere): `high` is written only on a carry,
/// once per 65 536, so the line it lives on stays cold.
#[inline]
fn add_low16(low: &mut u16, high: &mut u64, n: u64) {
    let t = u64::from(*low) + n;
    *low = t as u16;
    let carry = t & !0xffff;
    if carry != 0 {
        *high += carry;
    }
}

/// A queued event. In `Deliver`, `trace` is the low 32 bits of the frame's
/// trace index, if `traced` (see [`Simulator::trace_index`]): a 48-byte event
/// makes a one-line queue entry.
enum What {
    Start { node: NodeId, incarnation: u32 },
    Deliver { link: u32, dir: u8, epoch: u32, fsn: u8, traced: bool, trace: u32, bytes: Bytes },
    Timer { node: NodeId, id: TimerId, gen: u64 },
    LinkState { node: NodeId, port: Port, up: bool, incarnation: u32 },
    Inject { node: NodeId, port: Port, bytes: Bytes },
    Fault(Fault),
}

const _: () = assert!(std::mem::size_of::<What>() == 48, "a one-line queue entry");

const NO_TRACE: u64 = u64::MAX;

/// The deterministic discrete-event simulator. See the [module docs](self).
pub struct Simulator {
    seed: u64,
    now: Instant,
    seq: u64,
    queue: queue::Queue<What>,
    /// Queued timers that were cancelled or moved (skipped when due; purged
    /// from the queue when they are many, see [`Simulator::purge_timers`]).
    stale_timers: usize,
    nodes: Vec<NodeSlot>,
    /// By node index, beside `nodes`.
    nodes_cold: Vec<NodeCold>,
    links: Vec<Link>,
    /// By link index, beside `links`.
    links_cold: Vec<LinkCold>,
    /// The output buffer lent to each element in turn (`None` only during a
    /// dispatch). Boxed: lending it moves a pointer, not the ~100-byte
    /// buffer, which each input copied out of the simulator and back (perf
    /// showed the copy waiting on the stores of the one before).
    out: Option<Box<Outputs>>,
    stats: Stats,
    tracing: bool,
    trace: Vec<TraceEntry>,
    /// Entries removed by [`Simulator::take_trace`] (trace indices are global).
    trace_base: u64,
    events: Vec<EventRecord>,
    event_records: bool,
    /// Event kinds seen so far and their names, in order of first sight.
    kind_names: Vec<(std::mem::Discriminant<ainsim_elements::EventKind>, String)>,
    /// Node ids by name (names are unique).
    names: HashMap<Arc<str>, NodeId>,
    pcap: Option<PcapTap>,
    next_group: u32,
    /// Some node is in a partition group other than 0 (a `partition` not
    /// yet healed): only then do sends and deliveries compare the two
    /// ends' groups (all 0 otherwise), which reads the far node's slot.
    partitioned: bool,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("seed", &self.seed)
            .field("now", &self.now)
            .field("nodes", &self.nodes.len())
            .field("links", &self.links.len())
            .field("queued", &self.queue.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// An empty network at time zero whose randomness all derives from `seed`.
    pub fn new(seed: u64) -> Self {
        Simulator {
            seed,
            now: Instant::ZERO,
            seq: 0,
            queue: queue::Queue::new(),
            stale_timers: 0,
            nodes: Vec::new(),
            nodes_cold: Vec::new(),
            links: Vec::new(),
            links_cold: Vec::new(),
            out: Some(Box::default()),
            stats: Stats::default(),
            tracing: true,
            trace: Vec::new(),
            trace_base: 0,
            events: Vec::new(),
            event_records: true,
            kind_names: Vec::new(),
            names: HashMap::new(),
            pcap: None,
            next_group: 1,
            partitioned: false,
        }
    }

    /// The run seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A seed for the stream named `label` (give it to an element that
    /// draws random numbers, e.g. a phone's answer delay): stable for a given
    /// run seed and label, independent of everything else.
    pub fn derive_seed(&self, label: &str) -> u64 {
        rng::derive(self.seed, label)
    }

    /// The virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    // ---------------------------------------------------------------- building

    /// Adds an element under `name` (used in traces, ladders and errors).
    ///
    /// # Errors
    /// [`SimError::DuplicateName`].
    pub fn add_node<E: Element + 'static>(&mut self, name: &str, element: E) -> Result<NodeId, SimError> {
        self.add_slot(name, Box::new(element), None)
    }

    /// Adds a boxed element (its concrete type cannot be asked back with
    /// [`Simulator::element`]).
    ///
    /// # Errors
    /// [`SimError::DuplicateName`].
    pub fn add_boxed(&mut self, name: &str, element: Box<dyn Element>) -> Result<NodeId, SimError> {
        self.add_slot(name, Box::new(Boxed(element)), None)
    }

    /// Adds an element built by `factory`, which [`Simulator::restart`] calls
    /// again to rebuild it from scratch (a cold restart).
    ///
    /// # Errors
    /// [`SimError::DuplicateName`].
    pub fn add_node_with<E, F>(&mut self, name: &str, mut factory: F) -> Result<NodeId, SimError>
    where
        E: Element + 'static,
        F: FnMut() -> E + 'static,
    {
        let first = Box::new(factory());
        let f: Factory = Box::new(move || Box::new(factory()));
        self.add_slot(name, first, Some(f))
    }

    /// Sets (or replaces) the factory that rebuilds `node` on restart.
    ///
    /// # Panics
    /// `node` is not from this simulator.
    pub fn on_restart<E, F>(&mut self, node: NodeId, mut factory: F)
    where
        E: Element + 'static,
        F: FnMut() -> E + 'static,
    {
        self.nodes_cold[node.0 as usize].factory = Some(Box::new(move || Box::new(factory())));
    }

    fn add_slot(
        &mut self,
        name: &str,
        element: Box<dyn Node>,
        factory: Option<Factory>,
    ) -> Result<NodeId, SimError> {
        if self.names.contains_key(name) {
            return Err(SimError::DuplicateName(name.into()));
        }
        let id = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        let name: Arc<str> = Arc::from(name);
        self.names.insert(name.clone(), id);
        self.nodes.push(NodeSlot {
            element,
            timers: HashMap::default(),
            one_port: Port(0),
            one_link: 0,
            group: 0,
            one_side: 0,
            one: false,
            crashed: false,
        });
        self.nodes_cold.push(NodeCold {
            name,
            factory,
            ports: PortMap::default(),
            kind_counts: Vec::new(),
            incarnation: 0,
        });
        Ok(id)
    }

    /// Makes room for `nodes` more nodes and `links` more links (a large
    /// topology built in one go then holds exactly what it needs).
    pub fn reserve(&mut self, nodes: usize, links: usize) {
        self.nodes.reserve_exact(nodes);
        self.nodes_cold.reserve_exact(nodes);
        self.names.reserve(nodes);
        self.links.reserve_exact(links);
        self.links_cold.reserve_exact(links);
    }

    /// Joins `a` (node, port) to `b` with a link of `kind` under `model`; the
    /// link starts up. `a` is the link's A side (the pcap's "sent" direction).
    ///
    /// # Errors
    /// An unknown node, or a port that already has a link.
    pub fn link(
        &mut self,
        a: (NodeId, Port),
        b: (NodeId, Port),
        kind: LinkKind,
        model: LinkModel,
    ) -> Result<LinkId, SimError> {
        for &(n, p) in &[a, b] {
            let slot = self.nodes_cold.get(n.0 as usize).ok_or(SimError::NoSuchNode(n))?;
            if slot.ports.get(p).is_some() {
                return Err(SimError::PortInUse { node: slot.name.to_string(), port: p });
            }
        }
        if a == b {
            return Err(SimError::PortInUse {
                node: self.nodes_cold[a.0 .0 as usize].name.to_string(),
                port: a.1,
            });
        }
        let index = u32::try_from(self.links.len()).unwrap_or(u32::MAX);
        let label = format!(
            "link {} {} {} {} {}",
            kind.name(),
            self.nodes_cold[a.0 .0 as usize].name,
            a.1 .0,
            self.nodes_cold[b.0 .0 as usize].name,
            b.1 .0
        );
        for ((n, p), side) in [(a, 0), (b, 1)] {
            let cold = &mut self.nodes_cold[n.0 as usize];
            cold.ports.insert(p, End { link: index, side });
            self.nodes[n.0 as usize].sync_ports(&cold.ports);
        }
        let mut l = Link {
            ends: [a, b],
            epoch: [0; 2],
            last_arrival: [Instant::ZERO; 2],
            delay_us: 0,
            sent_low: [0; 2],
            delivered_low: [0; 2],
            octets_low: [0; 2],
            kind,
            up: true,
            fixed: false,
            fsn_sent: [127; 2],
            fsn_rcvd: [127; 2],
        };
        l.set_model(&model);
        self.links.push(l);
        self.links_cold.push(LinkCold {
            model,
            rng: SplitMix64::new(rng::derive(self.seed, &label)),
            high: LinkHigh::default(),
            cuts: [Vec::new(), Vec::new()],
        });
        Ok(LinkId(index))
    }

    /// Changes a link's model from now on (frames in flight keep their delay).
    ///
    /// # Panics
    /// `link` is not from this simulator.
    pub fn set_link_model(&mut self, link: LinkId, model: LinkModel) {
        self.links[link.0 as usize].set_model(&model);
        self.links_cold[link.0 as usize].model = model;
    }

    // ---------------------------------------------------------------- looking

    /// The node called `name`.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.names.get(name).copied()
    }

    /// A node's name.
    ///
    /// # Panics
    /// `node` is not from this simulator.
    pub fn name(&self, node: NodeId) -> &str {
        &self.nodes_cold[node.0 as usize].name
    }

    /// Every node, in id order.
    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).map(|i| NodeId(i as u32))
    }

    /// The element at `node` as its concrete type `E` (`None` for another
    /// type or a boxed element).
    pub fn element<E: Element + 'static>(&self, node: NodeId) -> Option<&E> {
        self.nodes.get(node.0 as usize)?.element.as_any().downcast_ref()
    }

    /// The element at `node`, mutably, as its concrete type (to provision it
    /// between steps; what it wants to send waits for its next input).
    pub fn element_mut<E: Element + 'static>(&mut self, node: NodeId) -> Option<&mut E> {
        self.nodes.get_mut(node.0 as usize)?.element.as_any_mut().downcast_mut()
    }

    /// The element's counters by name ([`Element::counter_values`]).
    pub fn counters(&self, node: NodeId) -> Vec<(String, u64)> {
        self.nodes.get(node.0 as usize).map(|n| n.element.counter_values()).unwrap_or_default()
    }

    /// The link on `node`'s `port`.
    pub fn link_at(&self, node: NodeId, port: Port) -> Option<LinkId> {
        self.nodes_cold.get(node.0 as usize)?.ports.get(port).map(|e| LinkId(e.link))
    }

    /// A link's two ends, A first.
    ///
    /// # Panics
    /// `link` is not from this simulator.
    pub fn link_ends(&self, link: LinkId) -> [(NodeId, Port); 2] {
        self.links[link.0 as usize].ends
    }

    /// Whether a link is up.
    ///
    /// # Panics
    /// `link` is not from this simulator.
    pub fn is_up(&self, link: LinkId) -> bool {
        self.links[link.0 as usize].up
    }

    /// Whether a node is crashed.
    ///
    /// # Panics
    /// `node` is not from this simulator.
    pub fn is_crashed(&self, node: NodeId) -> bool {
        self.nodes[node.0 as usize].crashed
    }

    /// Run-wide counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// A link's counters.
    ///
    /// # Panics
    /// `link` is not from this simulator.
    pub fn link_stats(&self, link: LinkId) -> LinkStats {
        let (l, h) = (&self.links[link.0 as usize], &self.links_cold[link.0 as usize].high);
        let sent_by = [0, 1].map(|d| h.sent[d] + u64::from(l.sent_low[d]));
        let delivered = [0, 1].map(|d| h.delivered[d] + u64::from(l.delivered_low[d]));
        LinkStats {
            sent: sent_by[0] + sent_by[1],
            delivered: delivered[0] + delivered[1],
            lost: h.lost[0] + h.lost[1],
            sent_by,
            octets_by: [0, 1].map(|d| h.octets[d] + u64::from(l.octets_low[d])),
        }
    }

    /// Every link, in the order added.
    pub fn links(&self) -> impl Iterator<Item = LinkId> + '_ {
        (0..self.links.len()).map(|i| LinkId(i as u32))
    }

    /// A link's kind.
    ///
    /// # Panics
    /// `link` is not from this simulator.
    pub fn link_kind(&self, link: LinkId) -> LinkKind {
        self.links[link.0 as usize].kind
    }

    /// Frames on the wire of a link, toward side B (`[0]`) and side A (`[1]`).
    ///
    /// # Panics
    /// `link` is not from this simulator.
    pub fn link_in_flight(&self, link: LinkId) -> [u64; 2] {
        [0, 1].map(|d| self.in_flight(link.0, d))
    }

    /// Frames on the wire of direction `d` of `link`: sent, less delivered,
    /// less lost (at the send, at the delivery, or cut off in flight).
    fn in_flight(&self, link: u32, d: usize) -> u64 {
        let (l, h) = (&self.links[link as usize], &self.links_cold[link as usize].high);
        let sent = h.sent[d] + u64::from(l.sent_low[d]);
        let delivered = h.delivered[d] + u64::from(l.delivered_low[d]);
        sent - delivered - h.lost[d]
    }

    /// Events queued (including cancelled timers not yet purged).
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    // ---------------------------------------------------------------- taps

    /// Keeps (default) or stops keeping the in-memory trace.
    pub fn set_tracing(&mut self, on: bool) {
        self.tracing = on;
    }

    /// Every traced frame so far, in the order sent.
    pub fn trace(&self) -> &[TraceEntry] {
        &self.trace
    }

    /// Takes the trace so far, leaving it empty (frames in flight are still
    /// followed, but their fate no longer reaches the taken entries).
    pub fn take_trace(&mut self) -> Vec<TraceEntry> {
        self.trace_base += self.trace.len() as u64;
        std::mem::take(&mut self.trace)
    }

    /// Taps every SS7 frame from now on into an in-memory pcap; read it with
    /// [`Simulator::pcap_bytes`].
    pub fn tap_pcap_memory(&mut self) {
        let buf = SharedBuf::default();
        // A Vec never refuses bytes, so the global header always goes in.
        self.pcap = PcapTap::new(Box::new(buf.clone()), Some(buf)).ok();
    }

    /// Taps every SS7 frame from now on into a pcap written to `out` (e.g. a
    /// `BufWriter<File>`); end it with [`Simulator::finish_pcap`].
    ///
    /// # Errors
    /// The global header could not be written.
    pub fn tap_pcap(&mut self, out: Box<dyn Write>) -> Result<(), SimError> {
        self.pcap = Some(PcapTap::new(out, None).map_err(|e| SimError::Pcap(e.to_string()))?);
        Ok(())
    }

    /// The in-memory pcap so far (empty without [`Simulator::tap_pcap_memory`]).
    pub fn pcap_bytes(&self) -> Vec<u8> {
        self.pcap.as_ref().and_then(|t| t.memory.as_ref()).map(|m| m.0.borrow().clone()).unwrap_or_default()
    }

    /// Stops the pcap tap and flushes its writer.
    ///
    /// # Errors
    /// The first write error the tap met, or the flush failed.
    pub fn finish_pcap(&mut self) -> Result<(), SimError> {
        match self.pcap.take() {
            None => Ok(()),
            Some(t) => t.finish().map_err(SimError::Pcap),
        }
    }

    /// SS7 frames the pcap tap could not write as MTP2 (MSUs under 3 octets).
    pub fn pcap_skipped(&self) -> u64 {
        self.pcap.as_ref().map_or(0, |t| t.skipped)
    }

    /// Keeps (default) or stops keeping the records of events
    /// ([`Simulator::events`]); the counters by kind count either way.
    pub fn set_event_records(&mut self, on: bool) {
        self.event_records = on;
    }

    /// Every event elements reported, in order.
    pub fn events(&self) -> &[EventRecord] {
        &self.events
    }

    /// Takes the events so far (counters are kept).
    pub fn take_events(&mut self) -> Vec<EventRecord> {
        std::mem::take(&mut self.events)
    }

    /// Events by kind (`"CallAttempt"`, `"Released"`, ...), all nodes together.
    pub fn event_counts(&self) -> BTreeMap<String, u64> {
        let mut m = BTreeMap::new();
        for slot in &self.nodes_cold {
            for (i, n) in slot.kind_counts.iter().enumerate().filter(|(_, n)| **n > 0) {
                *m.entry(self.kind_names[i].1.clone()).or_insert(0) += n;
            }
        }
        m
    }

    /// Events of kind `kind` reported by `node`.
    pub fn event_count(&self, node: NodeId, kind: &str) -> u64 {
        let Some(i) = self.kind_names.iter().position(|(_, name)| name == kind) else { return 0 };
        self.nodes_cold.get(node.0 as usize).and_then(|n| n.kind_counts.get(i)).copied().unwrap_or(0)
    }

    /// The ladder diagram of the trace so far (see [`crate::ladder`]).
    pub fn ladder(&self, opts: &ladder::Options) -> String {
        ladder::render(self.trace.iter().map(TraceEntry::row), opts)
    }

    // ---------------------------------------------------------------- running

    fn schedule_what(&mut self, at: Instant, what: What) -> u64 {
        let seq = self.seq;
        self.seq += 1;
        if at <= self.now {
            self.queue.push_now(self.now, seq, what);
        } else {
            self.queue.push(at, seq, what);
        }
        seq
    }

    /// Queues [`Input::Start`] for every element, in id order, at the current
    /// time (t = 0 before the run).
    pub fn start(&mut self) {
        for i in 0..self.nodes.len() {
            let incarnation = self.nodes_cold[i].incarnation;
            self.schedule_what(self.now, What::Start { node: NodeId(i as u32), incarnation });
        }
    }

    /// Hands `bytes` to `node` on `port` at the current time, as if they had
    /// arrived on a link (for tests and outside peers).
    pub fn inject(&mut self, node: NodeId, port: Port, bytes: impl Into<Bytes>) {
        self.schedule_what(self.now, What::Inject { node, port, bytes: bytes.into() });
    }

    /// Applies `fault` at virtual time `at` (now if earlier).
    pub fn schedule(&mut self, at: Instant, fault: Fault) {
        self.schedule_what(at, What::Fault(fault));
    }

    /// Processes the next event that does anything; returns its time, or
    /// `None` when nothing is left. Cancelled timers and frames already
    /// counted as lost are skipped without moving the clock.
    pub fn step(&mut self) -> Option<Instant> {
        self.step_until(Instant(u64::MAX))
    }

    /// The time of the next event that does anything.
    pub fn next_event_time(&mut self) -> Option<Instant> {
        loop {
            let (at, what) = self.queue.peek()?;
            if !stale(&self.nodes_cold, &self.links, what) {
                return Some(at);
            }
            if let Some((_, what)) = self.queue.pop() {
                self.discard(what);
            }
        }
    }

    /// [`Simulator::step`] if the next event that does anything is due at or
    /// before `limit` (stale events before it are skipped); `None` otherwise.
    fn step_until(&mut self, limit: Instant) -> Option<Instant> {
        loop {
            let (at, what) = self.queue.pop_due(limit)?;
            if self.is_stale(&what) {
                self.discard(what);
                continue;
            }
            self.now = self.now.max(at);
            self.process(what);
            return Some(self.now);
        }
    }

    /// Processes every event up to and including `t`, then sets the clock to
    /// `t`; returns the number of events processed.
    pub fn run_until(&mut self, t: Instant) -> u64 {
        let mut n = 0;
        while self.step_until(t).is_some() {
            n += 1;
        }
        // Skip the stale events at the front, as a peek does.
        self.next_event_time();
        self.now = self.now.max(t);
        n
    }

    /// [`Simulator::run_until`] `now + d`.
    pub fn run_for(&mut self, d: Duration) -> u64 {
        self.run_until(self.now.after(d))
    }

    /// Processes events until none is left (returns `true`; the clock stays
    /// at the last one) or the next one is after `limit` (returns `false`;
    /// the clock moves to `limit`).
    pub fn run_until_idle(&mut self, limit: Instant) -> bool {
        while self.step_until(limit).is_some() {}
        if self.next_event_time().is_none() {
            return true;
        }
        self.now = self.now.max(limit);
        false
    }

    fn is_stale(&self, what: &What) -> bool {
        stale(&self.nodes_cold, &self.links, what)
    }

    /// Bookkeeping for a stale event (already counted where it was cut off).
    fn discard(&mut self, what: What) {
        if let What::Timer { .. } = what {
            self.stale_timers = self.stale_timers.saturating_sub(1);
        }
        if let What::Deliver { link, dir, epoch, traced, trace, .. } = what {
            let trace = self.trace_index(traced, trace);
            let reason = self.links_cold[link as usize].cuts[dir as usize]
                .get(epoch as usize)
                .copied()
                .unwrap_or(LossReason::LinkDown);
            self.set_fate(trace, Fate::Lost(reason));
        }
    }

    /// Drops cancelled and moved timers from the queue. Invisible to the
    /// run: they would be skipped when due, and the order of the others is
    /// by (time, sequence) either way. Keeps a run with long protocol timers
    /// (T5 is minutes) that are nearly always cancelled from growing its queue
    /// by several entries per call.
    fn purge_timers(&mut self) {
        self.queue.retain(|w| !matches!(w, What::Timer { gen: DEAD, .. }));
        self.stale_timers = 0;
    }

    /// Whether the timer of table entry `t` still waits in the queue: one
    /// due after now has not been popped, one due before now has (every
    /// queued event is due at or after the clock, and events pop in time
    /// order); one due now is looked up in its slot.
    fn is_queued(&self, t: &Queued) -> bool {
        if t.at != self.now {
            return t.at > self.now;
        }
        matches!(self.queue.get(t.slot), Some(What::Timer { gen, .. }) if *gen == t.gen)
    }

    /// The trace index of a frame in flight from the low 32 bits kept in its
    /// event: the entries in `trace` are the indices `trace_base ..
    /// trace_base + len`, so the offset from `trace_base` modulo 2³² finds
    /// it. An entry already taken ([`Simulator::take_trace`]) was sent a
    /// little before `trace_base`: its offset wraps to nearly 2³², beyond
    /// any trace held in memory, and [`Simulator::set_fate`] ignores it as
    /// before. `NO_TRACE` if the frame was sent untraced.
    fn trace_index(&self, traced: bool, low: u32) -> u64 {
        if !traced {
            return NO_TRACE;
        }
        self.trace_base + u64::from(low.wrapping_sub(self.trace_base as u32))
    }

    fn set_fate(&mut self, trace: u64, fate: Fate) {
        if let Some(i) = trace.checked_sub(self.trace_base) {
            if let Some(e) = self.trace.get_mut(i as usize) {
                e.fate = fate;
            }
        }
    }

    fn process(&mut self, what: What) {
        match what {
            What::Start { node, .. } => {
                if !self.nodes[node.0 as usize].crashed {
                    self.dispatch(node, Input::Start);
                }
            }
            What::Timer { node, id, .. } => {
                // Its table entry stays (see `Queued`).
                self.stats.timers_fired += 1;
                self.dispatch(node, Input::Timer(id));
            }
            What::LinkState { node, port, up, .. } => {
                if !self.nodes[node.0 as usize].crashed {
                    self.dispatch(node, Input::LinkState { port, up });
                }
            }
            What::Inject { node, port, bytes } => {
                if !self.nodes[node.0 as usize].crashed {
                    self.dispatch(node, Input::Recv { port, bytes: &bytes });
                }
            }
            What::Deliver { link, dir, fsn, traced, trace, bytes, .. } => {
                let trace = self.trace_index(traced, trace);
                self.deliver(link, dir, fsn, trace, &bytes);
            }
            What::Fault(f) => self.apply(f),
        }
    }

    fn deliver(&mut self, link: u32, dir: u8, fsn: u8, trace: u64, bytes: &[u8]) {
        let l = &self.links[link as usize];
        let d = dir as usize;
        let (from, _) = l.ends[d];
        let (to, port) = l.ends[1 - d];
        let to = &self.nodes[to.0 as usize];
        let from_group = if self.partitioned { self.nodes[from.0 as usize].group } else { to.group };
        let lost = if to.crashed {
            Some(LossReason::Crashed)
        } else if to.group != from_group {
            Some(LossReason::Partition)
        } else {
            None
        };
        if let Some(reason) = lost {
            self.count_loss(link, d, reason, 1);
            self.set_fate(trace, Fate::Lost(reason));
            return;
        }
        let l = &mut self.links[link as usize];
        add_low16(&mut l.delivered_low[d], &mut self.links_cold[link as usize].high.delivered[d], 1);
        if l.kind == LinkKind::Ss7 {
            l.fsn_rcvd[1 - d] = fsn;
        }
        let to = l.ends[1 - d].0;
        self.stats.frames_delivered += 1;
        self.set_fate(trace, Fate::Delivered(self.now));
        self.dispatch(to, Input::Recv { port, bytes });
    }

    /// Counts `n` frames of direction `d` of `link` lost for `reason`.
    fn count_loss(&mut self, link: u32, d: usize, reason: LossReason, n: u64) {
        self.links_cold[link as usize].high.lost[d] += n;
        match reason {
            LossReason::Random => self.stats.lost_random += n,
            LossReason::LinkDown => self.stats.lost_link_down += n,
            LossReason::Crashed => self.stats.lost_crashed += n,
            LossReason::Partition => self.stats.lost_partition += n,
        }
    }

    /// Hands one input to an element and carries out what it asks.
    fn dispatch(&mut self, node: NodeId, input: Input<'_>) {
        self.stats.inputs += 1;
        // Taken out of the option rather than `mem::take`n: no empty buffer built and dropped per input.
        let mut out = self.out.take().unwrap_or_default();
        out.set_event_details(self.event_records || tracing::enabled!(tracing::Level::DEBUG));
        let slot = &mut self.nodes[node.0 as usize];
        let span =
            tracing::trace_span!("element", node = &*self.nodes_cold[node.0 as usize].name, t = %self.now);
        let entered = span.enter();
        slot.element.handle(self.now, input, &mut out);
        drop(entered);
        for o in out.drain() {
            match o {
                Output::Send { port, bytes } => self.transmit(node, port, bytes),
                Output::SetTimer { id, at } => {
                    let gen = self.seq;
                    self.seq += 1;
                    let what = What::Timer { node, id, gen };
                    let (at, slot) = if at <= self.now {
                        (self.now, self.queue.push_now(self.now, gen, what))
                    } else {
                        (at, self.queue.push(at, gen, what))
                    };
                    let now = self.now;
                    let timers = &mut self.nodes[node.0 as usize].timers;
                    if timers.len() == timers.capacity() && !timers.contains_key(&id) {
                        // Forget fired timers before the table grows for them.
                        timers.retain(|_, t| t.at >= now);
                    }
                    if let Some(old) = timers.insert(id, Queued { gen, at, slot }) {
                        self.unqueue(old);
                    }
                }
                Output::CancelTimer { id } => {
                    if let Some(old) = self.nodes[node.0 as usize].timers.remove(&id) {
                        self.unqueue(old);
                    }
                }
                Output::Event(event) => self.record(node, event),
            }
        }
        self.out = Some(out);
        if self.stale_timers > 4096 && self.stale_timers * 2 > self.queue.len() {
            self.purge_timers();
        }
    }

    /// Takes a cancelled or moved timer out of the queue; one the queue
    /// cannot take out now (in one of its heaps) stays, to be skipped when
    /// due or purged. Same order of events either way.
    fn unqueue(&mut self, t: Queued) {
        if !self.is_queued(&t) {
            return;
        }
        match self.queue.remove(t.slot) {
            Some(What::Timer { gen, .. }) => debug_assert_eq!(gen, t.gen, "a live timer's slot"),
            Some(_) => debug_assert!(false, "a live timer's slot holds another event"),
            None => self.kill(t),
        }
    }

    /// Marks the queued timer of `t` dead where it waits (see [`DEAD`]).
    fn kill(&mut self, t: Queued) {
        if let Some(What::Timer { gen, .. }) = self.queue.get_mut(t.slot) {
            debug_assert_eq!(*gen, t.gen, "a live timer's slot");
            *gen = DEAD;
        }
        self.stale_timers += 1;
    }

    fn record(&mut self, node: NodeId, event: Event) {
        if tracing::enabled!(tracing::Level::DEBUG) {
            let name = &*self.nodes_cold[node.0 as usize].name;
            // Per-call span: the element's own call id (line or CIC).
            let span = tracing::debug_span!("call", node = name, id = ?event.call);
            let _g = span.enter();
            tracing::debug!(t = %self.now, kind = ?event.kind, "event");
        }
        let d = std::mem::discriminant(&event.kind);
        let i = match self.kind_names.iter().position(|(k, _)| *k == d) {
            Some(i) => i,
            None => {
                self.kind_names.push((d, KindName::of(&event.kind).as_str().to_owned()));
                self.kind_names.len() - 1
            }
        };
        let slot = &mut self.nodes_cold[node.0 as usize];
        if slot.kind_counts.len() <= i {
            slot.kind_counts.resize(i + 1, 0);
        }
        slot.kind_counts[i] += 1;
        if self.event_records {
            let name = slot.name.clone();
            self.events.push(EventRecord { at: self.now, node, name, event });
        }
    }

    /// Puts bytes an element sent on the link of its port.
    fn transmit(&mut self, from: NodeId, port: Port, bytes: Bytes) {
        let i = from.0 as usize;
        let Some(end) = self.nodes[i].end(&self.nodes_cold[i], port) else {
            self.stats.unconnected += 1;
            return;
        };
        self.stats.frames_sent += 1;
        let li = end.link;
        let d = usize::from(end.side);
        let now = self.now;
        // Parked in its queue slot at once (see `Queue::park`); the fields
        // the link decides are written in place below.
        let s = self.queue.park(What::Deliver {
            link: li,
            dir: end.side,
            epoch: 0,
            fsn: 0,
            traced: false,
            trace: 0,
            bytes,
        });
        let Some(What::Deliver { bytes, .. }) = self.queue.get(s) else {
            // Not reached (the slot was just filled); the slot goes back all the same.
            self.queue.unpark(s);
            return;
        };
        let l = &mut self.links[li as usize];
        let cold = &mut self.links_cold[li as usize];
        add_low16(&mut l.sent_low[d], &mut cold.high.sent[d], 1);
        add_low16(&mut l.octets_low[d], &mut cold.high.octets[d], bytes.len() as u64);
        let to = l.ends[1 - d].0;
        let partitioned =
            self.partitioned && self.nodes[from.0 as usize].group != self.nodes[to.0 as usize].group;
        let lost = if !l.up {
            Some(LossReason::LinkDown)
        } else if partitioned {
            Some(LossReason::Partition)
        } else if !l.fixed && cold.rng.chance(cold.model.loss) {
            Some(LossReason::Random)
        } else {
            None
        };
        // The tap sits on the wire at the sender: whatever a live link
        // carries is written, even if it will not arrive.
        let mut fsn = 0;
        if l.up && l.kind == LinkKind::Ss7 {
            fsn = (l.fsn_sent[d] + 1) & 0x7f;
            l.fsn_sent[d] = fsn;
            let bsn = l.fsn_rcvd[d];
            if let Some(tap) = &mut self.pcap {
                tap.write(now.micros(), d == 0, u16::try_from(li).unwrap_or(u16::MAX), bsn, fsn, bytes);
            }
        }
        let arrival = if lost.is_none() {
            let delay = if l.fixed {
                Duration::from_micros(u64::from(l.delay_us))
            } else {
                draw_delay(&mut cold.rng, &cold.model)
            };
            let at = now.after(delay).max(l.last_arrival[d]);
            l.last_arrival[d] = at;
            Some((at, l.epoch[d]))
        } else {
            None
        };
        let trace = if self.tracing {
            let l = &self.links[li as usize];
            self.trace.push(TraceEntry {
                sent: now,
                fate: lost.map_or(Fate::InFlight, Fate::Lost),
                from,
                to,
                from_name: self.nodes_cold[from.0 as usize].name.clone(),
                to_name: self.nodes_cold[to.0 as usize].name.clone(),
                link: LinkId(li),
                kind: l.kind,
                bytes: bytes.clone(),
            });
            self.trace_base + self.trace.len() as u64 - 1
        } else {
            NO_TRACE
        };
        match (lost, arrival) {
            (None, Some((at, epoch))) => {
                if let Some(What::Deliver { epoch: e, fsn: f, traced: t, trace: i, .. }) =
                    self.queue.get_mut(s)
                {
                    (*e, *f, *t, *i) = (epoch, fsn, trace != NO_TRACE, trace as u32);
                }
                let seq = self.seq;
                self.seq += 1;
                self.queue.place(s, at.max(now), seq);
            }
            (lost, _) => {
                self.queue.unpark(s);
                if let Some(reason) = lost {
                    self.count_loss(li, d, reason, 1);
                }
            }
        }
    }

    // ---------------------------------------------------------------- faults

    /// Applies a fault now.
    pub fn apply(&mut self, fault: Fault) {
        match fault {
            Fault::LinkDown(l) => self.link_down(l),
            Fault::LinkUp(l) => self.link_up(l),
            Fault::Crash(n) => self.crash(n),
            Fault::Restart(n) => self.restart(n),
            Fault::Partition(set) => self.partition(&set),
            Fault::Heal => self.heal(),
        }
    }

    /// Cuts the frames in flight on direction `d` of `link` (lost, counted now).
    fn cut(&mut self, link: u32, d: usize, reason: LossReason) {
        let n = self.in_flight(link, d);
        self.links_cold[link as usize].cuts[d].push(reason);
        self.links[link as usize].epoch[d] += 1;
        self.count_loss(link, d, reason, n);
    }

    /// Takes a link down: frames in flight on it are lost (and counted), later
    /// sends on it are lost, and both ends get `LinkState { up: false }` now.
    /// No-op if it is already down.
    ///
    /// # Panics
    /// `link` is not from this simulator.
    pub fn link_down(&mut self, link: LinkId) {
        let l = &mut self.links[link.0 as usize];
        if !l.up {
            return;
        }
        l.up = false;
        l.fsn_sent = [127; 2];
        l.fsn_rcvd = [127; 2];
        let ends = l.ends;
        self.cut(link.0, 0, LossReason::LinkDown);
        self.cut(link.0, 1, LossReason::LinkDown);
        self.notify(ends, false);
    }

    /// Brings a link back up; both ends get `LinkState { up: true }` now.
    /// No-op if it is up.
    ///
    /// # Panics
    /// `link` is not from this simulator.
    pub fn link_up(&mut self, link: LinkId) {
        let l = &mut self.links[link.0 as usize];
        if l.up {
            return;
        }
        l.up = true;
        let ends = l.ends;
        self.notify(ends, true);
    }

    fn notify(&mut self, ends: [(NodeId, Port); 2], up: bool) {
        for (node, port) in ends {
            let incarnation = self.nodes_cold[node.0 as usize].incarnation;
            self.schedule_what(self.now, What::LinkState { node, port, up, incarnation });
        }
    }

    /// Crashes an element: its timers are dropped, frames in flight to it are
    /// lost (and counted), and it gets no input until [`Simulator::restart`].
    /// Its links stay up (the far ends notice only by silence).
    ///
    /// # Panics
    /// `node` is not from this simulator.
    pub fn crash(&mut self, node: NodeId) {
        let n = &mut self.nodes[node.0 as usize];
        if n.crashed {
            return;
        }
        n.crashed = true;
        let timers: Vec<Queued> = n.timers.drain().map(|(_, t)| t).collect();
        let cold = &mut self.nodes_cold[node.0 as usize];
        cold.incarnation += 1;
        let ends: Vec<End> = cold.ports.as_slice().iter().map(|(_, e)| *e).collect();
        // Its queued timers stay in the queue, dead (skipped when due), as
        // before the tables kept fired timers; the order they are marked in
        // does not matter.
        for t in timers {
            if self.is_queued(&t) {
                self.kill(t);
            }
        }
        for e in ends {
            // Frames toward this node travel away from the far side.
            self.cut(e.link, 1 - usize::from(e.side), LossReason::Crashed);
        }
    }

    /// Restarts a crashed element: rebuilt by its factory if it has one
    /// (otherwise it keeps its state, a warm restart), then handed
    /// [`Input::Start`] now, followed by `LinkState { up: false }` for each
    /// of its ports whose link is down. No-op if it is not crashed.
    ///
    /// # Panics
    /// `node` is not from this simulator.
    pub fn restart(&mut self, node: NodeId) {
        let n = &mut self.nodes[node.0 as usize];
        if !n.crashed {
            return;
        }
        n.crashed = false;
        let cold = &mut self.nodes_cold[node.0 as usize];
        // Whatever was queued for the crashed incarnation is void.
        cold.incarnation += 1;
        if let Some(f) = &mut cold.factory {
            n.element = f();
        }
        let incarnation = cold.incarnation;
        let down: Vec<Port> = cold
            .ports
            .as_slice()
            .iter()
            .filter(|(_, e)| !self.links[e.link as usize].up)
            .map(|(p, _)| *p)
            .collect();
        self.schedule_what(self.now, What::Start { node, incarnation });
        for port in down {
            self.schedule_what(self.now, What::LinkState { node, port, up: false, incarnation });
        }
    }

    /// Cuts `set` off from every node outside it: frames between the two
    /// sides are lost silently (no `LinkState`: to the elements it looks
    /// like silence). Partitions stack: a later call carves a new group.
    ///
    /// # Panics
    /// A node is not from this simulator.
    pub fn partition(&mut self, set: &[NodeId]) {
        let g = self.next_group;
        self.next_group += 1;
        self.partitioned = true;
        for n in set {
            self.nodes[n.0 as usize].group = g;
        }
    }

    /// Ends every partition.
    pub fn heal(&mut self) {
        for n in &mut self.nodes {
            n.group = 0;
        }
        self.partitioned = false;
    }
}

/// Whether a queued event no longer does anything: a cancelled or moved
/// timer, a frame cut off in flight, a start or link state of an element's
/// earlier incarnation.
fn stale(nodes: &[NodeCold], links: &[Link], what: &What) -> bool {
    match what {
        // A cancelled or moved timer left the queue or was marked dead.
        What::Timer { gen, .. } => *gen == DEAD,
        What::Deliver { link, dir, epoch, .. } => links[*link as usize].epoch[*dir as usize] != *epoch,
        What::Start { node, incarnation } | What::LinkState { node, incarnation, .. } => {
            nodes[node.0 as usize].incarnation != *incarnation
        }
        What::Inject { .. } | What::Fault(_) => false,
    }
}

/// A hasher for the timer table: one multiply per `TimerId`. hashbrown
/// takes a hash's low bits as the bucket index and its top 7 bits as the
/// tag it matches first. The index keeps ids that differ only in their low
/// 3 bits in one block of 8 buckets, the blocks spread by a mix of the
/// rest: a phone's four per-call timers (ids 1 to 4) share a group of
/// control bytes and two or three lines of buckets, where a mix of the
/// whole id scattered them over a table sized for the 200 call timers it
/// sets at start; an SSP's timers of 8 neighbouring circuits share a block.
/// The tag mixes the whole id. SipHash's defence against chosen keys is not
/// needed for ids elements pick; the table's order never reaches any output.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        const TAG: u64 = 0x7f << 57;
        let id = self.0;
        let m = (id >> 3).wrapping_mul(K);
        let index = (m ^ (m >> 29)) << 3 | (id & 7);
        (id.wrapping_mul(K) & TAG) | (index & !TAG)
    }
}

/// The variant name of an event kind (`"CallAttempt"`): the leading
/// alphanumerics of its `Debug` form, formatting stopped right after them
/// (no allocation, no formatting of the fields).
struct KindName {
    buf: [u8; 48],
    len: usize,
}

impl KindName {
    fn of(kind: &ainsim_elements::EventKind) -> Self {
        use std::fmt::Write as _;
        let mut k = KindName { buf: [0; 48], len: 0 };
        // Err is how the writer stops the formatting at the name's end.
        let _ = write!(k, "{kind:?}");
        k
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for KindName {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for b in s.bytes() {
            if !b.is_ascii_alphanumeric() || self.len == self.buf.len() {
                return Err(std::fmt::Error);
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

/// The delay of one frame under `model`.
fn draw_delay(rng: &mut SplitMix64, model: &LinkModel) -> Duration {
    let base = u64::try_from(model.latency.as_micros()).unwrap_or(u64::MAX);
    let us = match model.jitter {
        Jitter::None => base,
        Jitter::Uniform(j) => {
            let j = u64::try_from(j.as_micros()).unwrap_or(u64::MAX / 4).min(u64::MAX / 4);
            let off = rng.below(2 * j + 1);
            (base.saturating_add(off)).saturating_sub(j)
        }
        Jitter::Exponential(mean) => {
            let extra = rng.exponential(mean.as_micros() as f64);
            base.saturating_add(extra.round() as u64)
        }
    };
    Duration::from_micros(us)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ainsim_elements::Outputs;

    /// Sets 10,000 timers at start and cancels all but every 1000th at its
    /// first timer; counts what fires.
    struct Churn {
        fired: Vec<(Instant, TimerId)>,
    }

    impl Element for Churn {
        fn name(&self) -> &str {
            "churn"
        }

        fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
            match input {
                Input::Start => {
                    out.set_timer(TimerId(u64::MAX), Instant(10));
                    for i in 0..10_000 {
                        out.set_timer(TimerId(i), Instant(1_000_000 + i));
                    }
                }
                Input::Timer(TimerId(u64::MAX)) => {
                    for i in (0..10_000).filter(|i| i % 1000 != 7) {
                        out.cancel_timer(TimerId(i));
                    }
                }
                Input::Timer(id) => self.fired.push((now, id)),
                _ => {}
            }
        }
    }

    #[test]
    fn cancelled_timers_are_purged_and_the_rest_fire_in_order() {
        let mut sim = Simulator::new(1);
        let n = sim.add_node("churn", Churn { fired: vec![] }).unwrap();
        sim.start();
        sim.run_until(Instant(100));
        // 9,990 cancelled timers no longer sit in the queue.
        assert_eq!(sim.queued(), 10);
        assert!(sim.run_until_idle(Instant(10_000_000)));
        let fired = &sim.element::<Churn>(n).unwrap().fired;
        let want: Vec<_> = (0..10).map(|k| (Instant(1_000_007 + k * 1000), TimerId(7 + k * 1000))).collect();
        assert_eq!(fired, &want);
    }

    /// Timer ids whose entries outlive the timer: re-armed in the instant it
    /// fired, cancelled after firing, moved and cancelled in the far heap,
    /// and fresh ids at every fire.
    struct Rearm {
        fired: Vec<(Instant, u64)>,
    }

    impl Element for Rearm {
        fn name(&self) -> &str {
            "rearm"
        }

        fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
            match input {
                Input::Start => {
                    out.set_timer(TimerId(1), Instant(10));
                    out.set_timer(TimerId(2), Instant(10));
                    // Beyond the wheel's second level: in the heap.
                    out.set_timer(TimerId(3), Instant(1_000_000_000));
                    out.set_timer(TimerId(4), Instant(20));
                    out.set_timer(TimerId(100), Instant(40));
                }
                Input::Timer(TimerId(id)) => {
                    self.fired.push((now, id));
                    match (id, self.fired.len()) {
                        // Again in this instant (its slot may be the one it
                        // just left), and the other timer of this instant cancelled.
                        (1, 1) => {
                            out.set_timer(TimerId(1), now);
                            out.cancel_timer(TimerId(2));
                        }
                        (1, _) => out.set_timer(TimerId(1), Instant(30)),
                        (4, _) => {
                            out.cancel_timer(TimerId(1));
                            // Moved, then cancelled, in the heap: skipped when due.
                            out.set_timer(TimerId(3), Instant(2_000_000_000));
                            out.cancel_timer(TimerId(3));
                            out.set_timer(TimerId(5), Instant(3_000_000_000));
                        }
                        // A fresh id per fire: the table forgets fired ones.
                        (k @ 100..=10_100, _) => {
                            out.set_timer(TimerId(k + 1), now.after(Duration::from_micros(1)))
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }

    #[test]
    fn fired_timers_left_in_the_table_are_never_taken_for_live_ones() {
        let mut sim = Simulator::new(1);
        let n = sim.add_node("rearm", Rearm { fired: vec![] }).unwrap();
        sim.start();
        sim.schedule(Instant(50_000), Fault::Crash(n));
        assert!(sim.run_until_idle(Instant(u64::MAX / 2)));
        let fired = &sim.element::<Rearm>(n).unwrap().fired;
        let mut want = vec![(Instant(10), 1), (Instant(10), 1), (Instant(20), 4)];
        want.extend((100..=10_101).map(|k| (Instant(40 + (k - 100)), k)));
        assert_eq!(fired, &want);
        assert_eq!(sim.stats().timers_fired, want.len() as u64);
        assert!(sim.nodes[n.0 as usize].timers.is_empty(), "a crash drops the table");
    }

    #[test]
    fn a_table_of_fired_timers_stays_small() {
        let mut sim = Simulator::new(1);
        let n = sim.add_node("rearm", Rearm { fired: vec![] }).unwrap();
        sim.start();
        sim.run_until(Instant(5_000));
        assert!(sim.nodes[n.0 as usize].timers.len() <= 64, "{}", sim.nodes[n.0 as usize].timers.len());
    }

    #[test]
    fn a_port_map_finds_its_ports_inline_or_not() {
        let end = |link| End { link, side: 0 };
        let mut m = PortMap::default();
        assert!(m.get(Port(0)).is_none());
        m.insert(Port(u32::MAX), end(9));
        assert!(matches!(m, PortMap::One(_)));
        assert_eq!(m.get(Port(u32::MAX)).map(|e| e.link), Some(9));
        assert!(m.get(Port(0)).is_none());
        for i in [0, 1, 2, 5, 4] {
            m.insert(Port(i), end(i));
        }
        m.insert(Port(4), end(40));
        let ports: Vec<(u32, u32)> = m.as_slice().iter().map(|(p, e)| (p.0, e.link)).collect();
        assert_eq!(ports, [(0, 0), (1, 1), (2, 2), (4, 40), (5, 5), (u32::MAX, 9)]);
        for (p, l) in ports {
            assert_eq!(m.get(Port(p)).map(|e| e.link), Some(l));
        }
        assert!(m.get(Port(3)).is_none() && m.get(Port(6)).is_none());
    }

    /// Sends two frames at start and one more at its timer (500 µs).
    struct Sender;

    impl Element for Sender {
        fn name(&self) -> &str {
            "sender"
        }

        fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
            match input {
                Input::Start => {
                    out.send(Port(0), vec![1u8]);
                    out.send(Port(0), vec![2u8]);
                    out.set_timer(TimerId(0), Instant(500));
                }
                Input::Timer(_) => out.send(Port(0), vec![3u8]),
                _ => {}
            }
        }
    }

    #[test]
    fn frames_in_flight_find_their_trace_entries_after_a_take() {
        // A frame in flight keeps 32 bits of its trace index: the frames
        // whose entries were taken must not mark the new entries.
        let mut sim = Simulator::new(1);
        let a = sim.add_node("a", Sender).unwrap();
        let b = sim.add_node("b", Churn { fired: vec![] }).unwrap();
        let model = LinkModel::fixed(Duration::from_millis(1));
        sim.link((a, Port(0)), (b, Port(0)), LinkKind::Line, model).unwrap();
        sim.start();
        sim.run_until(Instant(100));
        let taken = sim.take_trace();
        assert_eq!(taken.len(), 2);
        assert!(taken.iter().all(|e| e.fate == Fate::InFlight));
        // The first two arrive at 1 000 µs, the third is sent at 500 µs.
        sim.run_until(Instant(1_200));
        assert_eq!(sim.trace().len(), 1);
        assert_eq!(sim.trace()[0].fate, Fate::InFlight);
        assert!(sim.run_until_idle(Instant(10_000_000)));
        assert_eq!(sim.trace()[0].fate, Fate::Delivered(Instant(1_500)));
    }

    /// Sends `n` one-octet frames and one of 100 000 octets on port 0 at start.
    struct Burst {
        n: usize,
    }

    impl Element for Burst {
        fn name(&self) -> &str {
            "burst"
        }

        fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
            if let Input::Start = input {
                for _ in 0..self.n {
                    out.send(Port(0), vec![1u8]);
                }
                out.send(Port(0), vec![0u8; 100_000]);
            }
        }
    }

    #[test]
    fn link_counters_carry_past_their_low_bits() {
        // A link keeps 16 bits of each counter in its line and the rest
        // apart: counts past 65 536 frames and octets, in flight, delivered
        // and cut off, must come out exact.
        let mut sim = Simulator::new(1);
        sim.set_tracing(false);
        let a = sim.add_node("a", Burst { n: 70_000 }).unwrap();
        let b = sim.add_node("b", Burst { n: 65_535 }).unwrap();
        let model = LinkModel::fixed(Duration::from_millis(1));
        let link = sim.link((a, Port(0)), (b, Port(0)), LinkKind::Line, model).unwrap();
        sim.start();
        sim.run_until(Instant(0));
        assert_eq!(sim.link_in_flight(link), [70_001, 65_536]);
        let ls = sim.link_stats(link);
        assert_eq!(ls.sent_by, [70_001, 65_536]);
        assert_eq!(ls.sent, 135_537);
        assert_eq!(ls.octets_by, [170_000, 165_535]);
        assert_eq!((ls.delivered, ls.lost), (0, 0));
        sim.run_until(Instant(1_000));
        assert_eq!(sim.link_in_flight(link), [0, 0]);
        let ls = sim.link_stats(link);
        assert_eq!((ls.sent, ls.delivered, ls.lost), (135_537, 135_537, 0));
        assert_eq!(sim.stats().frames_delivered, 135_537);

        // Cut off in flight: lost, none left on the wire.
        let mut sim = Simulator::new(1);
        sim.set_tracing(false);
        let a = sim.add_node("a", Burst { n: 66_000 }).unwrap();
        let b = sim.add_node("b", Burst { n: 3 }).unwrap();
        let link = sim.link((a, Port(0)), (b, Port(0)), LinkKind::Line, model).unwrap();
        sim.start();
        sim.run_until(Instant(10));
        sim.link_down(link);
        assert_eq!(sim.link_in_flight(link), [0, 0]);
        let ls = sim.link_stats(link);
        assert_eq!((ls.sent, ls.delivered, ls.lost), (66_005, 0, 66_005));
        assert_eq!(sim.stats().lost_link_down, 66_005);
        assert!(sim.run_until_idle(Instant(10_000)));
        assert_eq!(sim.link_stats(link), ls);
    }
}
