//! Real phone lines for ainsim: V.253 voice modems and FXO/FXS gateways
//! driven over serial AT commands.
//!
//! Not built yet: this crate holds its place in the workspace layout. The
//! README's "not done" list tracks it.
#![forbid(unsafe_code)]
