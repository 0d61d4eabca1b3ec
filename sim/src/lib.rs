//! Research runs for ainsim: scenario files, traffic generators, metrics,
//! histograms and plots checked against queueing theory.
//!
//! Not built yet: this crate holds its place in the workspace layout. The
//! README's "not done" list tracks it.
#![forbid(unsafe_code)]
