//! ainsim's click-to-call service, assembled from its parts: the business
//! web server with its ACD (`ainsim-web`, `ainsim-business`), the access
//! server's HTTP front (`ainsim-gateway`) and the emulated network
//! (`ainsim-runtime`), with billing (`ainsim-billing`).
//!
//! - [`link`]: the business side of the front (signed requests, status
//!   streams), an [`ainsim_web::InstructionSink`].
//!
//! What it is not: any protocol or service logic of its own; it wires.
#![forbid(unsafe_code)]

pub mod demo;
pub mod harness;
pub mod link;

pub use crate::harness::{Harness, HarnessConfig, HarnessError, Step};
pub use crate::link::{GatewayLink, LinkCounts, LinkError, LinkEvent};
