//! Helpers shared by the ITU and ANSI TCAP codecs: an element list with
//! look-ahead, strict primitive readers, raw-element checks and the OID type.

use std::fmt;

use crate::ber::{self, LenForm, Tag, Tlv};
use crate::error::{Error, Layer, Reason, Result};
use crate::reader::Reader;

pub(super) const L: Layer = Layer::Tcap;

/// The elements inside one constructed element, read up front, with look-ahead.
pub(super) struct Elems<'a> {
    items: Vec<(Tlv<'a>, &'a [u8])>,
    next: usize,
    end: usize,
}

impl<'a> Elems<'a> {
    /// Reads every element in `t`'s contents at `depth`.
    pub(super) fn new(t: &Tlv<'a>, depth: usize) -> Result<Self> {
        Self::from_reader(t.reader(L), depth)
    }

    /// Reads every element left in `r` at `depth`.
    pub(super) fn from_reader(mut r: Reader<'a>, depth: usize) -> Result<Self> {
        let buf = r.buffer();
        // One allocation of the usual size up front rather than a grow on the first push.
        let mut items = Vec::with_capacity(4);
        while !r.is_empty() {
            let s = r.pos();
            let c = ber::read_tlv(&mut r, depth)?;
            items.push((c, &buf[s..r.pos()]));
        }
        Ok(Elems { items, next: 0, end: r.offset() })
    }

    /// The next element's tag, if any.
    pub(super) fn peek_tag(&self) -> Option<Tag> {
        self.items.get(self.next).map(|(t, _)| t.tag)
    }

    /// Takes the next element (and its raw bytes) if its tag is `tag`.
    pub(super) fn next_if(&mut self, tag: Tag) -> Option<(Tlv<'a>, &'a [u8])> {
        if self.peek_tag() == Some(tag) {
            self.next_any()
        } else {
            None
        }
    }

    /// Takes the next element whatever its tag.
    pub(super) fn next_any(&mut self) -> Option<(Tlv<'a>, &'a [u8])> {
        let it = self.items.get(self.next).copied();
        if it.is_some() {
            self.next += 1;
        }
        it
    }

    /// Takes the next element, which must be there.
    pub(super) fn take_any(&mut self, what: &'static str) -> Result<(Tlv<'a>, &'a [u8])> {
        let end = self.end;
        self.next_any()
            .ok_or_else(|| Error::new(L, end, Reason::Truncated { needed: 2, available: 0 }).parameter(what))
    }

    /// Takes the next element, which must be there with tag `tag`.
    pub(super) fn take(&mut self, tag: Tag, what: &'static str) -> Result<Tlv<'a>> {
        let (t, _) = self.take_any(what)?;
        t.expect(tag, L, what).map_err(|e| e.parameter(what))?;
        Ok(t)
    }

    /// Fails if an element is left over.
    pub(super) fn finish(&self, what: &'static str) -> Result<()> {
        match self.items.get(self.next) {
            None => Ok(()),
            Some((t, _)) => {
                Err(Error::new(L, t.offset, Reason::UnexpectedTag { found: t.tag.code(), expected: what }))
            }
        }
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
        let mut v = Vec::with_capacity(self.0.len() + 2);
        self.encode(&mut v)?;
        put(out, tag, &v)
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
