//! ainsim's click-to-call service, assembled from its parts: the business
//! web server with its ACD (`ainsim-web`, `ainsim-business`), the access
//! server's HTTP front (`ainsim-gateway`) and the emulated network
//! (`ainsim-runtime`), with billing (`ainsim-billing`).
//!
//! - [`bench`]: the click-to-call figures of `ainsim bench`.
//! - [`link`]: the business side of the front (signed requests, status
//!   streams), an [`ainsim_web::InstructionSink`].
//! - [`harness`]: all of it in simulated time (`ainsim demo`, [`demo`]).
//! - [`live_billing`]: CDRs recorded in real time, and the front's CDR source.
//! - [`serve`]: all of it in real time (`ainsim serve`), with the live
//!   view's [`serve::LiveView`].
//!
//! What it is not: any protocol or service logic of its own; it wires.
#![forbid(unsafe_code)]

pub mod bench;
pub mod demo;
pub mod harness;
pub mod link;
pub mod live_billing;
pub mod serve;

pub use crate::harness::{Harness, HarnessConfig, HarnessError, Step};
pub use crate::link::{GatewayLink, LinkCounts, LinkError, LinkEvent};
pub use crate::serve::{ConfigError, ServeConfig, ServeError, Served};
