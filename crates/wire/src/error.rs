//! The one error shape every codec returns: which layer, which message and
//! parameter, at which byte offset, and why.
//!
//! Offsets count from the start of the buffer the caller handed to the
//! top-level `parse`; a layer that parses an inner layer re-bases the inner
//! error with [`Error::at_base`] so the offset still points into the frame the
//! user gave us.

use std::borrow::Cow;
use std::fmt;

/// The protocol layer that raised an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    Hex,
    Json,
    Pcap,
    Mtp2,
    Mtp3,
    M3ua,
    Sccp,
    Ber,
    Tcap,
    Ain,
    Inap,
    Isup,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Layer::Hex => "hex",
            Layer::Json => "json",
            Layer::Pcap => "pcap",
            Layer::Mtp2 => "mtp2",
            Layer::Mtp3 => "mtp3",
            Layer::M3ua => "m3ua",
            Layer::Sccp => "sccp",
            Layer::Ber => "ber",
            Layer::Tcap => "tcap",
            Layer::Ain => "ain",
            Layer::Inap => "inap",
            Layer::Isup => "isup",
        };
        f.write_str(s)
    }
}

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The buffer ends before a field does.
    Truncated { needed: usize, available: usize },
    /// A length or pointer field points past the end of the buffer.
    BadLength { declared: usize, available: usize },
    /// A pointer field is zero or points backwards/outside its area.
    BadPointer { pointer: usize },
    /// A field holds a value the spec does not allow here.
    BadValue { value: u64, expected: &'static str },
    /// A BER tag other than the one the spec requires.
    UnexpectedTag { found: u32, expected: &'static str },
    /// The frame check sequence does not match.
    BadFcs { received: u16, computed: u16 },
    /// Bytes left over after a complete message.
    Trailing { count: usize },
    /// Nesting deeper than the codec's recursion limit.
    TooDeep { limit: usize },
    /// A value is too long to encode in its length field.
    TooLong { len: usize, max: usize },
    /// A character that is not a valid digit for this field.
    BadDigit { digit: char },
    /// Anything else, said in words.
    Other(Cow<'static, str>),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Truncated { needed, available } => {
                write!(f, "truncated: needs {needed} octets, {available} left")
            }
            Reason::BadLength { declared, available } => {
                write!(f, "runs past the end (len {declared}, {available} left)")
            }
            Reason::BadPointer { pointer } => write!(f, "bad pointer {pointer}"),
            Reason::BadValue { value, expected } => {
                write!(f, "bad value {value:#x} (expected {expected})")
            }
            Reason::UnexpectedTag { found, expected } => {
                write!(f, "unexpected tag {found:#x} (expected {expected})")
            }
            Reason::BadFcs { received, computed } => {
                write!(f, "bad FCS {received:#06x} (computed {computed:#06x})")
            }
            Reason::Trailing { count } => write!(f, "{count} trailing octets"),
            Reason::TooDeep { limit } => write!(f, "nested deeper than {limit} levels"),
            Reason::TooLong { len, max } => write!(f, "too long ({len} > {max})"),
            Reason::BadDigit { digit } => write!(f, "bad digit {digit:?}"),
            Reason::Other(s) => f.write_str(s),
        }
    }
}

/// A decoding or encoding error: layer, message, parameter, offset, reason.
///
/// The fields live in a boxed [`ErrorInner`] (reached through `Deref`, so
/// `e.offset`, `e.reason` read and write as plain fields): a `Result<T>`
/// then costs a pointer more than `T` instead of 96 bytes, and every `?` on
/// the success path moves that much less. See docs/performance.md.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error(Box<ErrorInner>);

/// The fields of an [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInner {
    pub layer: Layer,
    /// Message name (`"IAM"`, `"UDT"`, `"Begin"`), when known.
    pub message: Option<Cow<'static, str>>,
    /// Parameter or field name (`"called party number"`), when known.
    pub parameter: Option<Cow<'static, str>>,
    /// Byte offset from the start of the caller's buffer.
    pub offset: usize,
    pub reason: Reason,
}

impl std::ops::Deref for Error {
    type Target = ErrorInner;
    fn deref(&self) -> &ErrorInner {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorInner {
        &mut self.0
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Same output as the former derive on the plain struct.
        f.debug_struct("Error")
            .field("layer", &self.layer)
            .field("message", &self.message)
            .field("parameter", &self.parameter)
            .field("offset", &self.offset)
            .field("reason", &self.reason)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.layer)?;
        if let Some(m) = &self.message {
            write!(f, " {m}")?;
        }
        if let Some(p) = &self.parameter {
            write!(f, " {p}")?;
        }
        write!(f, " at offset {}: {}", self.offset, self.reason)
    }
}

impl Error {
    /// An error at `offset` in `layer`.
    #[cold]
    pub fn new(layer: Layer, offset: usize, reason: Reason) -> Self {
        Error(Box::new(ErrorInner { layer, message: None, parameter: None, offset, reason }))
    }

    /// The fields, unboxed.
    pub fn into_inner(self) -> ErrorInner {
        *self.0
    }

    /// Shorthand for a [`Reason::Truncated`] error.
    pub fn truncated(layer: Layer, offset: usize, needed: usize, available: usize) -> Self {
        Self::new(layer, offset, Reason::Truncated { needed, available })
    }

    /// Shorthand for a [`Reason::Other`] error.
    pub fn other(layer: Layer, offset: usize, why: impl Into<Cow<'static, str>>) -> Self {
        Self::new(layer, offset, Reason::Other(why.into()))
    }

    /// Name the message, unless an inner layer already did.
    #[must_use]
    pub fn message(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        if self.message.is_none() {
            self.message = Some(name.into());
        }
        self
    }

    /// Name the parameter, unless an inner layer already did.
    #[must_use]
    pub fn parameter(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        if self.parameter.is_none() {
            self.parameter = Some(name.into());
        }
        self
    }

    /// Shift the offset by `base`: the inner buffer started at `base` in the outer one.
    #[must_use]
    pub fn at_base(mut self, base: usize) -> Self {
        self.offset = self.offset.saturating_add(base);
        self
    }
}

/// Result alias for the codecs.
pub type Result<T> = std::result::Result<T, Error>;
