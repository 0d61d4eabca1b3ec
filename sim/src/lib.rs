//! Research runs for ainsim: scenario files, traffic generators, streaming
//! metrics and reports, checked against queueing theory (`ainsim sim`).
//!
//! A [`Scenario`] (TOML, docs/scenarios.md) becomes a generated network in
//! the deterministic simulator with a [`driver::Driver`] on its lines and on
//! the access server's client port; [`run::run`] drives it to the end and
//! returns a [`run::Summary`] (HDR percentiles, batch-means confidence
//! intervals, and the Erlang B/C/A predictions for the same parameters).
//!
//! What it is not: real time, or HTTP (the business web server's ACD is
//! driven in process; the HTTP path is `ainsim serve` and `ainsim bench`).
#![forbid(unsafe_code)]

pub mod driver;
pub mod erlang;
pub mod metrics;
pub mod probe;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sweep;

pub use run::{merge, run, run_jobs, Outcome, Summary};
pub use scenario::{Scenario, ScenarioError};
