//! Real phone lines for ainsim: V.253 voice modems and FXO/FXS gateways
//! driven over serial AT commands.
//!
//! Layers: [`parse`] (bytes → result lines, caller ID, DLE-shielded voice)
//! and [`engine`] (the sans-IO command/response state machine; time is
//! passed in) know no I/O; [`profile`] holds each device's quirks as
//! data; [`emu`] is a sans-IO V.253 voice modem and [`line`](mod@line) joins two of
//! them. At the edge: [`ops`] drives a device over any
//! `AsyncRead + AsyncWrite`, [`serial`] opens real ports with
//! tokio-serial, [`pty`] runs the emulator (or two joined by the line
//! simulator) on pseudo-terminals, and [`bridge`] puts a line in the
//! network as a subscriber, or joins two lines. Users' guide:
//! docs/hardware.md.
#![forbid(unsafe_code)]

pub mod bridge;
pub mod emu;
pub mod engine;
pub mod line;
pub mod ops;
pub mod parse;
pub mod profile;
pub mod pty;
pub mod serial;

pub use parse::{CallerId, CidError, CidField, CidValue, DleDecoder, DleEvent, ResultLine, VoiceItem};
