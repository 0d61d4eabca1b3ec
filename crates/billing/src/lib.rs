//! Billing for ainsim: call detail records (CDRs) for every subscriber
//! line's leg of a call and for every click-to-call session, with
//! illustrative per-business tariffs and totals.
//!
//! - [`Billing`] (module `recorder`) is sans-IO: the runtime hands it the
//!   elements' events and the OSN messages it sees, with times; it hands
//!   back finished [`Record`]s. No clock, no I/O.
//! - [`save`], [`list`], [`set_tariff`], [`tariffs`] keep records and
//!   tariffs in any [`ainsim_store::Store`] (sled on disk in real runs).
//! - [`feed`] replays a simulated run into a recorder.
//!
//! See docs/billing.md for the record fields and how legs and sessions
//! are built. Tariffs and amounts are illustrative only.
#![forbid(unsafe_code)]

mod cdr;
mod recorder;
mod sim;
mod store;

pub use crate::cdr::{
    totals, Direction, LegCdr, Outcome, Record, SessionCdr, SessionOutcome, Tariff, Tariffs, Totals,
};
pub use crate::recorder::{Billing, Directory, MAX_PENDING};
pub use crate::sim::feed;
pub use crate::store::{
    list, save, set_tariff, tariffs, Filter, Listing, CDR_TREE, DEFAULT_TARIFF, TARIFF_TREE,
};
