//! A bounds-checked cursor over a byte slice. Every read checks length first,
//! so a codec built on it cannot index out of range; errors carry the layer
//! and the absolute offset.

use crate::error::{Error, Layer, Reason, Result};

/// A cursor over `buf` that never panics.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    layer: Layer,
}

impl<'a> Reader<'a> {
    /// A reader over `buf` whose error offsets start at 0.
    pub fn new(layer: Layer, buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0, base: 0, layer }
    }

    /// A reader whose error offsets start at `base` (the slice's place in the frame).
    pub fn with_base(layer: Layer, buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base, layer }
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Position within this reader's slice.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Octets not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every octet has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread rest, without consuming it.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// The whole underlying slice.
    pub fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    /// The layer errors are reported in.
    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// An error at the current offset.
    pub fn error(&self, reason: Reason) -> Error {
        Error::new(self.layer, self.offset(), reason)
    }

    /// Take `n` octets.
    ///
    /// # Errors
    /// [`Reason::Truncated`] if fewer than `n` remain.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.error(Reason::Truncated { needed: n, available: self.remaining() }));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Move on `n` octets, at most to the end (for a caller that has already
    /// checked them through [`Reader::rest`]).
    #[inline]
    pub fn skip(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }

    /// Take everything that is left.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// Read one octet.
    ///
    /// # Errors
    /// [`Reason::Truncated`] at the end of the buffer.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// Peek at the next octet without consuming it.
    ///
    /// # Errors
    /// [`Reason::Truncated`] at the end of the buffer.
    pub fn peek(&self) -> Result<u8> {
        self.buf
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.error(Reason::Truncated { needed: 1, available: 0 }))
    }

    /// Read a big-endian u16.
    ///
    /// # Errors
    /// [`Reason::Truncated`] if fewer than 2 octets remain.
    pub fn u16_be(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Read a little-endian u16.
    ///
    /// # Errors
    /// [`Reason::Truncated`] if fewer than 2 octets remain.
    pub fn u16_le(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// Read a little-endian 24-bit value.
    ///
    /// # Errors
    /// [`Reason::Truncated`] if fewer than 3 octets remain.
    pub fn u24_le(&mut self) -> Result<u32> {
        let b = self.take(3)?;
        Ok(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
    }

    /// Read a big-endian u32.
    ///
    /// # Errors
    /// [`Reason::Truncated`] if fewer than 4 octets remain.
    pub fn u32_be(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Read a little-endian u32.
    ///
    /// # Errors
    /// [`Reason::Truncated`] if fewer than 4 octets remain.
    pub fn u32_le(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Fail with [`Reason::Trailing`] unless every octet was read.
    ///
    /// # Errors
    /// [`Reason::Trailing`] when octets remain.
    pub fn finish(&self) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(Reason::Trailing { count: self.remaining() }))
        }
    }
}
