//! Real phone lines for ainsim: V.253 voice modems and FXO/FXS gateways
//! driven over serial AT commands.
//!
//! Layers: [`parse`] (bytes → result lines, caller ID, DLE-shielded voice)
//! and [`engine`] (the sans-IO command/response state machine; time is
//! passed in) know no I/O.
#![forbid(unsafe_code)]

pub mod emu;
pub mod engine;
pub mod parse;
pub mod profile;

pub use parse::{CallerId, CidError, CidField, CidValue, DleDecoder, DleEvent, ResultLine, VoiceItem};
