//! Billing in real time, for `ainsim serve`: the runtime's element events
//! and the OSN frames of its wire tap go into a [`Billing`] recorder as they
//! come; finished records are saved into a sled store, which the front's
//! `GET /v1/cdrs` lists and `ainsim cdr --db DIR/cdr` reads.
//!
//! What it is not: exactly ordered. Events and frames arrive on two
//! channels; each is in order, and the recorder tolerates the small skew
//! between them (a leg is matched to its session by number and switch, not
//! by the instant).

use std::sync::{Arc, Mutex};

use ainsim_billing::{list, save, Billing, Directory, Filter};
use ainsim_gateway::CdrSource;
use ainsim_runtime::rt::{RtEvent, WireRecord};
use ainsim_runtime::topology::Plan;
use ainsim_runtime::LinkKind;
use ainsim_store::SledStore;

use crate::link::lock;

/// A recorder fed in real time, saving into `store`.
pub struct LiveBilling {
    billing: Mutex<Billing>,
    store: Arc<Mutex<SledStore>>,
}

impl std::fmt::Debug for LiveBilling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveBilling").finish_non_exhaustive()
    }
}

impl LiveBilling {
    /// Records of run `run` on the network of `plan`, saved into `store`.
    pub fn new(run: &str, plan: &Plan, store: Arc<Mutex<SledStore>>) -> Self {
        LiveBilling { billing: Mutex::new(Billing::new(run, Directory::from_plan(plan))), store }
    }

    /// One frame of the wire tap (only OSN frames matter).
    pub fn wire(&self, w: &WireRecord) {
        if w.kind == Some(LinkKind::Osn) {
            let _ = lock(&self.billing).osn_frame(w.at, &w.from, &w.to, &w.bytes);
        }
    }

    /// One element event.
    pub fn event(&self, e: &RtEvent) {
        lock(&self.billing).event(e.at, &e.source, &e.event);
    }

    /// Saves the records finished so far; returns how many.
    ///
    /// # Errors
    /// The store failed (the records are lost; the error says so).
    pub fn flush(&self) -> Result<usize, String> {
        let records = lock(&self.billing).take();
        if records.is_empty() {
            return Ok(0);
        }
        save(&mut *lock(&self.store), &records)
            .map_err(|e| format!("billing: {} records not saved: {e}", records.len()))?;
        Ok(records.len())
    }
}

/// The front's `GET /v1/cdrs` over a sled store of billing records.
#[derive(Debug, Clone)]
pub struct SledCdrs(pub Arc<Mutex<SledStore>>);

impl CdrSource for SledCdrs {
    fn list(&self, business: &str) -> Result<serde_json::Value, String> {
        let store = lock(&self.0);
        let filter = Filter { business: Some(business.to_owned()), run: None };
        let listing = list(&*store, &filter).map_err(|e| e.to_string())?;
        serde_json::to_value(listing).map_err(|e| e.to_string())
    }
}
