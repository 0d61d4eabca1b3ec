//! Runtimes that drive ainsim's sans-IO elements.
//!
//! - [`sim`]: a deterministic discrete-event simulator with a virtual clock,
//!   modelled links (latency, jitter, loss, up/down), fault verbs (link
//!   down/up, crash/restart, partition/heal), a pcap tap and an in-memory
//!   trace. One seed gives byte-identical pcaps and traces on every run.
//! - [`ladder`]: a terminal ladder diagram (like sngrep's call flow) of a
//!   trace, each frame labelled with a short decode.
//! - [`rng`]: the seeded SplitMix64 generator the simulator uses.
//!
//! - [`rt`]: the real-time runtime on tokio, with MTP2/UDP links to real stacks
//!   and OSN links over TCP.
//! - [`rt`]: the real-time runtime on tokio, with MTP2/UDP and M3UA/TCP links to real stacks.
//! - [`rt`]: the real-time runtime on tokio, with MTP2/UDP links to real stacks.
//! - [`bench`]: the network benchmark behind `ainsim bench` (calls per second
//!   through both runtimes, memory per subscriber and per call).
//!
//! [`sim`] uses no
//! threads, clocks or sockets.
#![forbid(unsafe_code)]

pub mod bench;
pub mod ladder;
pub mod rng;
pub mod rt;
pub mod sim;
pub mod topology;

pub use sim::{
    EventRecord, Fate, Fault, Jitter, LinkId, LinkModel, LinkStats, LossReason, SimError, Simulator, Stats,
    TraceEntry,
};

/// What a link carries; decides how its frames are tapped and labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkKind {
    /// A signalling link: MTP3 MSUs (SIO, routing label, SIF). Tapped into the
    /// pcap as MTP2 MSUs.
    Ss7,
    /// A subscriber line: `ainsim_elements::line::LineSignal` frames.
    Line,
    /// The operations network (OSN): OSN messages.
    Osn,
}

impl LinkKind {
    /// `"ss7"`, `"line"` or `"osn"`.
    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Ss7 => "ss7",
            LinkKind::Line => "line",
            LinkKind::Osn => "osn",
        }
    }
}
