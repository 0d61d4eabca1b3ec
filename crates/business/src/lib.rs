//! The business web server's domain and its ACD, sans-IO.
//!
//! - [`model`]: customers, orders, representatives, the call requests of
//!   the seed's Figs. 7 and 9 and call results (Fig. 6 steps 612–616), as
//!   serde types whose checks name the bad field;
//! - [`acd`]: the automated call distribution engine (skills and tiers,
//!   strategies, priority, wrap-up, missed calls, queue with estimated
//!   wait, callbacks, re-picks), time passed in, decisions out;
//! - [`server`]: the business web server's logic over an
//!   [`ainsim_store::Store`]: takes call requests, runs the ACD, builds the
//!   Fig. 8 call initiation message
//!   ([`ainsim_elements::osn::OsnMessage::CallInstruction`]), hands out
//!   screen pops, records results and orders, and survives a restart;
//! - [`erlang`]: Erlang C, to check the ACD against queueing theory;
//! - [`demo`]: the ABC Travel business of the story, ready made.
//!
//! What it is not: HTTP (the web front calls [`server::BusinessServer`]),
//! a clock, or the network. See docs/business.md.
#![forbid(unsafe_code)]

pub mod acd;
pub mod demo;
pub mod erlang;
pub mod model;
pub mod server;

pub use crate::acd::{
    AbandonReason, Acd, AcdConfig, AcdError, AgentView, CallId, CallPhase, CallSpec, Decision, SeededRng,
    Strategy, Tier, Unreached,
};
pub use crate::model::{
    CallRecord, CallResult, Contact, Customer, EquipmentCallRequest, InvalidField, Location, NetworkPop,
    Order, OrderLine, PageContext, PageInfo, Representative, Status, WebCallRequest,
};
pub use crate::server::{
    call_instruction, Action, BusinessConfig, BusinessError, BusinessServer, CallSummary, ScreenPop,
};
