//! Helpers shared by the ITU and ANSI TCAP codecs: an element list with
//! look-ahead, strict primitive readers, raw-element checks and the OID type.

use std::fmt;

use crate::ber::{self, LenForm, Tag, Tlv};
use crate::error::{Error, Layer, Reason, Result};
use crate::reader::Reader;

pub(super) const L: Layer = Layer::Tcap;

/// What `to_bytes` allocates up front: most TCAP messages fit.
pub(super) const TO_BYTES_CAPACITY: usize = 256;

/// The elements inside one constructed element, read one at a time from
/// the buffer (no heap list, no element read twice).
///
/// [`peek_tag`](Elems::peek_tag) reads only the identifier. An error reading
/// an element is kept and returned by the next [`take`](Elems::take),
/// [`take_any`](Elems::take_any) or [`finish`](Elems::finish) (where
/// [`next_if`](Elems::next_if) and [`next_any`](Elems::next_any) see no
/// element); every parse ends with `finish`, which reads anything left, so
/// the whole contents are still checked.
pub(super) struct Elems<'a> {
    r: Reader<'a>,
    depth: usize,
    /// The error met reading the next element.
    err: Option<Error>,
}

impl<'a> Elems<'a> {
    /// The elements in `t`'s contents at `depth`.
    pub(super) fn new(t: &Tlv<'a>, depth: usize) -> Self {
        Elems { r: t.reader(L), depth, err: None }
    }

    /// The next element's tag, if any (and readable).
    #[inline]
    pub(super) fn peek_tag(&self) -> Option<Tag> {
        if self.err.is_some() {
            return None;
        }
        match self.r.rest() {
            [] => None,
            [b, ..] if b & 0x1f != 0x1f => Some(Tag::from_low_octet(*b)),
            _ => Tag::parse(&mut self.r.clone()).ok(),
        }
    }

    /// Takes the next element (and its raw bytes) if its tag is `tag`.
    #[inline]
    pub(super) fn next_if(&mut self, tag: Tag) -> Option<(Tlv<'a>, &'a [u8])> {
        if self.peek_tag() == Some(tag) {
            self.next_any()
        } else {
            None
        }
    }

    /// Takes the next element whatever its tag.
    #[inline]
    pub(super) fn next_any(&mut self) -> Option<(Tlv<'a>, &'a [u8])> {
        if self.err.is_some() || self.r.is_empty() {
            return None;
        }
        let buf = self.r.buffer();
        let s = self.r.pos();
        match ber::read_tlv(&mut self.r, self.depth) {
            Ok(t) => Some((t, &buf[s..self.r.pos()])),
            Err(e) => {
                self.err = Some(e);
                None
            }
        }
    }

    /// Takes the next element, which must be there.
    pub(super) fn take_any(&mut self, what: &'static str) -> Result<(Tlv<'a>, &'a [u8])> {
        if let Some(t) = self.next_any() {
            return Ok(t);
        }
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        Err(Error::new(L, self.r.offset(), Reason::Truncated { needed: 2, available: 0 }).parameter(what))
    }

    /// Takes the next element, which must be there with tag `tag`.
    pub(super) fn take(&mut self, tag: Tag, what: &'static str) -> Result<Tlv<'a>> {
        let (t, _) = self.take_any(what)?;
        t.expect(tag, L, what).map_err(|e| e.parameter(what))?;
        Ok(t)
    }

    /// Fails if an element is left over (or the next one is malformed).
    pub(super) fn finish(&mut self, what: &'static str) -> Result<()> {
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        if self.r.is_empty() {
            return Ok(());
        }
        let t = ber::read_tlv(&mut self.r, self.depth)?;
        Err(Error::new(L, t.offset, Reason::UnexpectedTag { found: t.tag.code(), expected: what }))
    }
}

/// The contents of a primitive element whose length is written minimally.
///
/// Non-minimal lengths on decoded primitives are refused (we would not
/// re-emit them byte for byte); raw elements keep theirs.
pub(super) fn prim<'a>(t: &Tlv<'a>, what: &'static str) -> Result<&'a [u8]> {
    if t.tag.constructed {
        return Err(
            Error::other(L, t.offset, "constructed where a primitive element is required").parameter(what)
        );
    }
    if t.form != LenForm::Definite {
        return Err(Error::other(L, t.offset, "non-minimal length on a primitive element").parameter(what));
    }
    Ok(t.value)
}

/// A minimal INTEGER in a primitive element.
pub(super) fn int(t: &Tlv<'_>, what: &'static str) -> Result<i64> {
    let v = prim(t, what)?;
    ber::decode_int(v, L, t.value_offset).map_err(|e| e.parameter(what))
}

/// Writes a primitive INTEGER element.
pub(super) fn put_int(out: &mut Vec<u8>, tag: Tag, x: i64) -> Result<()> {
    // At most 8 contents octets: a one-octet definite length, patched in.
    tag.emit(out);
    let at = out.len();
    out.push(0);
    ber::encode_int(x, out);
    out[at] = (out.len() - at - 1) as u8;
    Ok(())
}

/// Writes a primitive element with minimal length.
pub(super) fn put(out: &mut Vec<u8>, tag: Tag, v: &[u8]) -> Result<()> {
    ber::write_primitive(out, tag, LenForm::Definite, v, L)
}

/// Checks that `raw` is exactly one well-formed element whose tag is one of
/// `tags` (any tag when `tags` is empty), parsed at `depth`; returns its tag.
pub(super) fn check_raw(raw: &[u8], tags: &[Tag], depth: usize, what: &'static str) -> Result<Tag> {
    let mut r = Reader::new(L, raw);
    let t = ber::read_tlv(&mut r, depth).map_err(|e| e.parameter(what))?;
    r.finish().map_err(|e| e.parameter(what))?;
    if !tags.is_empty() && !tags.contains(&t.tag) {
        return Err(
            Error::new(L, 0, Reason::UnexpectedTag { found: t.tag.code(), expected: what }).parameter(what)
        );
    }
    Ok(t.tag)
}

/// An emit-side refusal.
pub(super) fn bad(out: &[u8], what: &'static str, why: &'static str) -> Error {
    Error::other(L, out.len(), why).parameter(what)
}

/// An OBJECT IDENTIFIER, written dotted (`0.0.17.773.1.1.1`) in JSON.
///
/// Only the canonical encoding (X.690 §8.19: no leading 0x80 octets) is
/// accepted, so every parsed OID re-emits byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Oid(pub Vec<u64>);

impl Oid {
    /// An OID from its arcs.
    pub fn new(arcs: &[u64]) -> Self {
        Oid(arcs.to_vec())
    }

    /// Decodes the contents octets of an OBJECT IDENTIFIER.
    ///
    /// # Errors
    /// Empty, truncated, non-minimal or over-long sub-identifiers.
    pub fn decode(v: &[u8], offset: usize) -> Result<Oid> {
        let err = |why: &'static str| Error::other(L, offset, why).parameter("OBJECT IDENTIFIER");
        if v.is_empty() {
            return Err(err("empty OBJECT IDENTIFIER"));
        }
        let mut arcs = Vec::with_capacity(v.len() + 1);
        let mut acc: u64 = 0;
        let mut fresh = true;
        for &b in v {
            if fresh && b == 0x80 {
                return Err(err("non-minimal sub-identifier (X.690 8.19.2)"));
            }
            if acc >> 57 != 0 {
                return Err(err("sub-identifier too large"));
            }
            acc = acc << 7 | u64::from(b & 0x7f);
            fresh = b & 0x80 == 0;
            if fresh {
                if arcs.is_empty() {
                    let (a, b) = match acc {
                        0..=39 => (0, acc),
                        40..=79 => (1, acc - 40),
                        _ => (2, acc - 80),
                    };
                    arcs.push(a);
                    arcs.push(b);
                } else {
                    arcs.push(acc);
                }
                acc = 0;
            }
        }
        if !fresh {
            return Err(err("truncated sub-identifier"));
        }
        Ok(Oid(arcs))
    }

    /// Encodes the contents octets.
    ///
    /// # Errors
    /// Fewer than two arcs, a first arc above 2, a second arc above 39 under 0 or 1.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let [a, b, rest @ ..] = &self.0[..] else {
            return Err(bad(out, "OBJECT IDENTIFIER", "fewer than two arcs"));
        };
        if *a > 2 || (*a < 2 && *b > 39) {
            return Err(bad(out, "OBJECT IDENTIFIER", "bad first arcs"));
        }
        let first = (a * 40).checked_add(*b).ok_or_else(|| bad(out, "OBJECT IDENTIFIER", "arc too large"))?;
        for x in std::iter::once(first).chain(rest.iter().copied()) {
            let n = ((64 - x.leading_zeros()) as usize).div_ceil(7).max(1);
            for i in (0..n).rev() {
                let s = (x >> (7 * i)) as u8 & 0x7f;
                out.push(if i == 0 { s } else { s | 0x80 });
            }
        }
        Ok(())
    }

    /// Reads an OID from a primitive element.
    pub(super) fn from_tlv(t: &Tlv<'_>, what: &'static str) -> Result<Oid> {
        Oid::decode(prim(t, what)?, t.value_offset).map_err(|e| e.parameter(what))
    }

    /// Writes an OID element with tag `tag`.
    pub(super) fn put(&self, out: &mut Vec<u8>, tag: Tag) -> Result<()> {
        // Straight into `out`, the length patched in (no scratch `Vec`).
        ber::write_tlv(out, tag, LenForm::Definite, L, |o| self.encode(o))
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Oid {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        s.split('.')
            .map(|p| p.trim().parse::<u64>().map_err(|_| format!("bad OID {s:?}")))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Oid)
    }
}

impl serde::Serialize for Oid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Oid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn oid_dialogue_as_id() {
        let bytes = [0x00, 0x11, 0x86, 0x05, 0x01, 0x01, 0x01];
        let oid = Oid::decode(&bytes, 0).unwrap();
        assert_eq!(oid.to_string(), "0.0.17.773.1.1.1");
        let mut v = Vec::new();
        oid.encode(&mut v).unwrap();
        assert_eq!(v, bytes);
        assert!(Oid::decode(&[0x00, 0x80, 0x01], 0).is_err());
        assert!(Oid::decode(&[0x00, 0x81], 0).is_err());
        let big = Oid::decode(&[0x88, 0x37, 0x01], 0).unwrap();
        assert_eq!(big.to_string(), "2.999.1");
    }
}
