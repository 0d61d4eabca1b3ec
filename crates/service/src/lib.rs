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

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use ainsim_elements::Instant;
use ainsim_store::SledStore;

pub mod bench;
pub mod demo;
pub mod harness;
pub mod link;
pub mod live_billing;
pub mod serve;

pub use crate::harness::{Harness, HarnessConfig, HarnessError, Step};
pub use crate::link::{GatewayLink, LinkCounts, LinkError, LinkEvent};
pub use crate::serve::{ConfigError, ServeConfig, ServeError, Served};

/// What went wrong assembling or running the service (simulated or real time).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("topology: {0}")]
    Topology(String),
    #[error("store at {path}: {err}")]
    Store { path: String, err: String },
    #[error("business server: {0}")]
    Business(String),
    #[error("access server front: {0}")]
    Front(String),
    #[error("cannot listen on {addr}: {err}")]
    Listen { addr: SocketAddr, err: String },
    #[error("{0}")]
    Io(String),
    #[error("HTTP {method} {path}: {err}")]
    Http { method: String, path: String, err: String },
    #[error("stuck at simulated {at}: {what} did not settle within {limit:?} of real time")]
    Stuck { at: Instant, what: String, limit: Duration },
}

/// The sled store `name` under `dir`.
pub(crate) fn open_store(dir: &Path, name: &str) -> Result<SledStore, ServiceError> {
    let path = dir.join(name);
    SledStore::open(&path)
        .map_err(|e| ServiceError::Store { path: path.display().to_string(), err: e.to_string() })
}
