//! ainsim's Internet access server HTTP(S) front: the firewall between the
//! businesses' web servers and the OSN.
//!
//! [`check`] is the sans-IO decision logic (signature, replay, rate,
//! password, number policy, audit); [`server`] is the thin axum + rustls
//! layer that hands accepted instructions to the `AccessServer` element over
//! OSN/TCP and keeps the calls' statuses. See docs/api.md.

pub mod check;
pub mod server;

pub use check::{Decision, Gateway, GatewayBusiness, GatewayConfig, HttpRequest, Refusal};
pub use server::{start, CdrSource, Running, ServerConfig};
