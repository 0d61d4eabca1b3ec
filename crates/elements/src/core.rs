//! Time, identities, inputs, outputs and the [`Element`] trait.

use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};

/// A point in time: microseconds since the start of the run. Elements get it
/// from the runtime; there is no way to read it from a clock here.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Instant(pub u64);

impl Instant {
    /// The start of the run.
    pub const ZERO: Instant = Instant(0);

    /// Microseconds since the start of the run.
    pub fn micros(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating.
    #[must_use]
    pub fn after(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX)))
    }

    /// Time from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

/// An element's identity in a topology (opaque to elements' peers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

/// One of an element's attachment points: a signalling link, a subscriber
/// line, or its OSN interface. Numbered by the element's own configuration;
/// the runtime maps ports to links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Port(pub u32);

/// A timer an element set; the element chooses the numbering (e.g. call
/// slot and timer kind packed together) and gets the same id back when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct TimerId(pub u64);

/// What the runtime hands an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// The element starts (or restarts after a crash): send GRS, align, etc.
    Start,
    /// Bytes arrived on a port.
    Recv { port: Port, bytes: &'a [u8] },
    /// A port's link went down or came back (MTP2 link failure/restoration).
    LinkState { port: Port, up: bool },
    /// A timer set earlier fired (and was not cancelled).
    Timer(TimerId),
}

/// What an element asks the runtime to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send bytes on a port.
    Send { port: Port, bytes: Bytes },
    /// Fire [`Input::Timer`] with `id` at `at`; setting an id again moves it.
    SetTimer { id: TimerId, at: Instant },
    /// Forget a timer (no-op if it already fired or was never set).
    CancelTimer { id: TimerId },
    /// Something worth a trace line, a counter or a call record.
    Event(Event),
}

/// A fact for traces, counters and call detail records.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// A call reference meaningful within the element (e.g. CIC or line).
    pub call: Option<u64>,
    pub kind: EventKind,
}

/// The kinds of [`Event`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EventKind {
    /// A call attempt from `from` to `to` was seen.
    CallAttempt { from: String, to: String },
    /// The called party is being alerted.
    Alerting,
    /// The call was answered.
    Answered,
    /// The call was released with a Q.850 cause.
    Released { cause: u8 },
    /// A frame was refused (malformed, screened, unroutable); its hex is kept.
    Dropped { reason: String, hex: String },
    /// Anything else, in words.
    Note(String),
}

/// An output buffer the runtime owns and reuses across calls to `handle`.
///
/// It also holds the memory frames are built in: [`Outputs::frame`] and
/// [`Outputs::send_copy`] put consecutive frames side by side in one shared
/// chunk (a reference-counted [`BytesMut`] split off frame by frame), so a
/// frame costs no allocation of its own; a chunk is freed when the last frame
/// in it is dropped. Chunks start small and double up to 16 KiB, so an
/// element that sends little (a phone on the real-time runtime) keeps little.
#[derive(Debug)]
pub struct Outputs {
    items: Vec<Output>,
    details: bool,
    /// The unused rest of the current chunk (always empty: frames are split off whole).
    arena: BytesMut,
    /// Size of the last chunk allocated.
    chunk: usize,
    /// Where [`Outputs::send_written`] lets an element write.
    scratch: Vec<u8>,
}

/// Smallest and largest chunk [`Outputs`] builds frames in.
const MIN_CHUNK: usize = 256;
const MAX_CHUNK: usize = 16 * 1024;

impl Default for Outputs {
    fn default() -> Self {
        Outputs { items: Vec::new(), details: true, arena: BytesMut::new(), chunk: 0, scratch: Vec::new() }
    }
}

impl Outputs {
    /// An empty buffer (event details wanted).
    #[inline]
    pub fn new() -> Self {
        Outputs::default()
    }

    /// Whether the runtime keeps the text of events (numbers, notes) or only
    /// counts them by kind; an element may leave the strings of a frequent
    /// event empty when it does not. On by default.
    #[inline]
    pub fn event_details(&self) -> bool {
        self.details
    }

    /// Tells elements whether event details are kept (see [`Outputs::event_details`]).
    #[inline]
    pub fn set_event_details(&mut self, on: bool) {
        self.details = on;
    }

    /// Queue bytes on a port.
    #[inline]
    pub fn send(&mut self, port: Port, bytes: impl Into<Bytes>) {
        self.items.push(Output::Send { port, bytes: bytes.into() });
    }

    /// A copy of `bytes` in the shared frame memory (no allocation of its own; see [`Outputs`]).
    #[inline]
    pub fn frame(&mut self, bytes: &[u8]) -> Bytes {
        if self.arena.capacity() < bytes.len() {
            self.chunk = (self.chunk * 2).clamp(MIN_CHUNK, MAX_CHUNK);
            self.arena = BytesMut::with_capacity(self.chunk.max(bytes.len()));
        }
        self.arena.extend_from_slice(bytes);
        self.arena.split().freeze()
    }

    /// Queue a copy of `bytes` on a port, in the shared frame memory ([`Outputs::frame`]).
    #[inline]
    pub fn send_copy(&mut self, port: Port, bytes: &[u8]) {
        let bytes = self.frame(bytes);
        self.items.push(Output::Send { port, bytes });
    }

    /// Queue on a port the frame `write` appends to an empty buffer (reused,
    /// then copied into the shared frame memory); nothing is queued if it fails.
    ///
    /// # Errors
    /// Whatever `write` returns.
    #[inline]
    pub fn send_written<E>(
        &mut self,
        port: Port,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let r = write(&mut scratch);
        if r.is_ok() {
            self.send_copy(port, &scratch);
        }
        self.scratch = scratch;
        r
    }

    /// Set (or move) a timer.
    #[inline]
    pub fn set_timer(&mut self, id: TimerId, at: Instant) {
        self.items.push(Output::SetTimer { id, at });
    }

    /// Cancel a timer.
    #[inline]
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.items.push(Output::CancelTimer { id });
    }

    /// Record an event.
    #[inline]
    pub fn event(&mut self, call: Option<u64>, kind: EventKind) {
        self.items.push(Output::Event(Event { call, kind }));
    }

    /// Queue any output.
    #[inline]
    pub fn push(&mut self, o: Output) {
        self.items.push(o);
    }

    /// Take everything queued, leaving the buffer empty (keeps its capacity).
    #[inline]
    pub fn drain(&mut self) -> std::vec::Drain<'_, Output> {
        self.items.drain(..)
    }

    /// Outputs queued so far.
    #[inline]
    pub fn as_slice(&self) -> &[Output] {
        &self.items
    }

    /// Whether nothing is queued.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of outputs queued.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

/// A network element: a deterministic state machine over [`Input`]s.
///
/// Contract: `handle` never panics on any input bytes (malformed frames are
/// counted and answered as the spec says), never blocks, and its outputs
/// depend only on the sequence of `(now, input)` it was given.
pub trait Element {
    /// A short name for traces and ladders (`"SSP-A"`).
    fn name(&self) -> &str;

    /// Handle one input at time `now`, appending what to do to `out`.
    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs);

    /// The element's counters by name (`attempts`, `released.cause17`,
    /// `isup_in.IAM`, `screened`…), non-zero ones at least; for `ainsim
    /// call`, the live view and metrics. None by default.
    fn counter_values(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}

/// `vec![("field", value)…]` of the named fields of a counters struct.
#[macro_export]
macro_rules! named_counters {
    ($s:expr; $($f:ident),* $(,)?) => {
        vec![$((stringify!($f).to_owned(), $s.$f)),*]
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_arithmetic_saturates() {
        let t = Instant(5).after(Duration::from_millis(2));
        assert_eq!(t, Instant(2005));
        assert_eq!(Instant(1).since(t), Duration::ZERO);
        assert_eq!(Instant(u64::MAX).after(Duration::from_secs(1)), Instant(u64::MAX));
        assert_eq!(Instant(1_500_000).to_string(), "1.500000");
    }

    #[test]
    fn frames_share_chunks_and_outlive_the_outputs() {
        let mut out = Outputs::new();
        out.send_copy(Port(1), &[1, 2, 3]);
        let (a, b) = (out.frame(&[1]), out.frame(&[2, 2]));
        assert_eq!(a.as_ptr().wrapping_add(1), b.as_ptr(), "side by side in one chunk");
        let big = vec![7u8; MAX_CHUNK + 1];
        out.send_copy(Port(2), &big);
        let r: Result<(), ()> = out.send_written(Port(3), |v| {
            v.extend_from_slice(&[9, 9]);
            Ok(())
        });
        assert_eq!(r, Ok(()));
        assert_eq!(
            out.send_written(Port(4), |v| {
                v.push(1);
                Err("no")
            }),
            Err("no")
        );
        let kept = out.frame(&[4, 5]);
        let sent: Vec<(Port, Bytes)> = out
            .drain()
            .filter_map(|o| match o {
                Output::Send { port, bytes } => Some((port, bytes)),
                _ => None,
            })
            .collect();
        drop(out);
        assert_eq!(sent.len(), 3, "the failed write queued nothing");
        assert_eq!((sent[0].0, &sent[0].1[..]), (Port(1), &[1u8, 2, 3][..]));
        assert_eq!(sent[1].1, big);
        assert_eq!((sent[2].0, &sent[2].1[..]), (Port(3), &[9u8, 9][..]));
        assert_eq!(&kept[..], &[4, 5]);
    }
}
