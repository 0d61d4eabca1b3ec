//! The network elements of ainsim as sans-IO state machines.
//!
//! An element never reads a clock, opens a socket or spawns a task. A runtime
//! (the deterministic simulator or the tokio runtime, crate `ainsim-runtime`)
//! hands it [`Input`]s — bytes that arrived on one of its [`Port`]s, or a
//! timer that fired — together with the current [`Instant`], and collects the
//! [`Output`]s it asks for: bytes to send on a port, timers to set or cancel,
//! and [`Event`]s for traces, counters and call records.
//!
//! What crosses a port is always bytes: MTP3 message signal units on
//! signalling links, [`line`](mod@line) signals between a phone and its switch, OSN
//! messages on the operations network. No Rust struct crosses a link, so any
//! link can be tapped into a pcap, and the same element runs unchanged in
//! the simulator and in real time.
#![forbid(unsafe_code)]

pub mod access;
mod core;
pub mod ip;
pub mod iscp;
pub mod line;
pub mod m3ua_link;
pub mod mtp2link;
pub mod mtso;
pub mod osn;
pub mod phone;
pub mod sp;
pub mod ssp;
pub mod stp;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use crate::access::{AccessConfig, AccessServer, Business};
pub use crate::core::{Element, Event, EventKind, Input, Instant, NodeId, Output, Outputs, Port, TimerId};
pub use crate::mtso::{MobileState, Mtso, MtsoConfig};
pub use crate::phone::{Phone, PhoneScript, PlacedCall, WhenCalled};
pub use crate::ssp::{Ssp, SspConfig};
