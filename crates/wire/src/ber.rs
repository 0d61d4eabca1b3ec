//! X.690 BER tag-length-value primitives for TCAP, AIN and INAP.
//!
//! Parsing never panics and never recurses deeper than [`MAX_DEPTH`]. To keep
//! `emit(parse(b)) == b`, a [`Tlv`] records how its length was written
//! ([`LenForm`]): minimal definite (the default), definite with extra length
//! octets, or indefinite with an end-of-contents marker.

use crate::error::{Error, Layer, Reason, Result};
use crate::reader::Reader;

/// Hard limit on constructed-element nesting (rusticata's `MAX_RECURSION`).
pub const MAX_DEPTH: usize = 24;

/// Tag class, X.690 §8.1.2.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Universal,
    Application,
    Context,
    Private,
}

impl Class {
    fn bits(self) -> u8 {
        match self {
            Class::Universal => 0x00,
            Class::Application => 0x40,
            Class::Context => 0x80,
            Class::Private => 0xc0,
        }
    }
}

/// An identifier octet (or octets): class, primitive/constructed, number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Tag {
    pub class: Class,
    pub constructed: bool,
    pub number: u32,
}

impl Tag {
    /// A primitive tag.
    pub const fn primitive(class: Class, number: u32) -> Self {
        Tag { class, constructed: false, number }
    }

    /// A constructed tag.
    pub const fn constructed(class: Class, number: u32) -> Self {
        Tag { class, constructed: true, number }
    }

    /// UNIVERSAL 2, INTEGER.
    pub const INTEGER: Tag = Tag::primitive(Class::Universal, 2);
    /// UNIVERSAL 4, OCTET STRING.
    pub const OCTET_STRING: Tag = Tag::primitive(Class::Universal, 4);
    /// UNIVERSAL 5, NULL.
    pub const NULL: Tag = Tag::primitive(Class::Universal, 5);
    /// UNIVERSAL 6, OBJECT IDENTIFIER.
    pub const OID: Tag = Tag::primitive(Class::Universal, 6);
    /// UNIVERSAL 10, ENUMERATED.
    pub const ENUMERATED: Tag = Tag::primitive(Class::Universal, 10);
    /// UNIVERSAL 16 constructed, SEQUENCE.
    pub const SEQUENCE: Tag = Tag::constructed(Class::Universal, 16);
    /// UNIVERSAL 17 constructed, SET.
    pub const SET: Tag = Tag::constructed(Class::Universal, 17);

    /// The tag of an identifier octet whose number is below 31 (`b & 0x1f != 0x1f`).
    #[inline]
    pub fn from_low_octet(b: u8) -> Tag {
        let class = match b >> 6 {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::Context,
            _ => Class::Private,
        };
        Tag { class, constructed: b & 0x20 != 0, number: u32::from(b & 0x1f) }
    }

    /// The first identifier octet when the number is below 31 (for matching).
    pub fn first_octet(self) -> u8 {
        let n = if self.number < 31 { self.number as u8 } else { 0x1f };
        self.class.bits() | if self.constructed { 0x20 } else { 0 } | n
    }

    /// Octets this tag takes on the wire.
    pub fn encoded_len(self) -> usize {
        if self.number < 31 {
            1
        } else {
            let bits = 32 - self.number.leading_zeros() as usize;
            1 + bits.div_ceil(7)
        }
    }

    /// The tag as one integer the way TCAP specs write it (e.g. `0x62`, `0x9f69`).
    pub fn code(self) -> u32 {
        let mut v = Vec::with_capacity(6);
        self.emit(&mut v);
        v.iter().fold(0u32, |acc, b| acc.wrapping_shl(8) | u32::from(*b))
    }

    /// Reads an identifier.
    ///
    /// # Errors
    /// Truncation, or a non-minimal or over-long high tag number.
    pub fn parse(r: &mut Reader<'_>) -> Result<Tag> {
        let start = r.offset();
        let b = r.u8()?;
        let class = match b >> 6 {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::Context,
            _ => Class::Private,
        };
        let constructed = b & 0x20 != 0;
        let mut number = u32::from(b & 0x1f);
        if number == 0x1f {
            number = 0;
            for i in 0.. {
                let o = r.u8()?;
                if i == 0 && o == 0x80 {
                    return Err(Error::other(Layer::Ber, start, "non-minimal tag number"));
                }
                if i >= 4 {
                    return Err(Error::other(Layer::Ber, start, "tag number too large"));
                }
                number = number << 7 | u32::from(o & 0x7f);
                if o & 0x80 == 0 {
                    break;
                }
            }
            if number < 31 {
                return Err(Error::other(Layer::Ber, start, "tag number below 31 in high form"));
            }
        }
        Ok(Tag { class, constructed, number })
    }

    /// Writes the identifier.
    pub fn emit(self, out: &mut Vec<u8>) {
        out.push(self.first_octet());
        if self.number >= 31 {
            let n = self.encoded_len() - 1;
            for i in (0..n).rev() {
                let septet = (self.number >> (7 * i)) as u8 & 0x7f;
                out.push(if i == 0 { septet } else { septet | 0x80 });
            }
        }
    }
}

/// How a length was written, kept so a parsed element re-emits byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LenForm {
    /// The shortest definite form (X.690 §8.1.3.4/5). What we emit by default.
    #[default]
    Definite,
    /// Long definite form with this many length octets, longer than needed.
    Long(u8),
    /// Indefinite form, closed by an end-of-contents `00 00` (constructed only).
    Indefinite,
}

impl LenForm {
    /// Whether this is the default (for `skip_serializing_if`).
    pub fn is_definite(&self) -> bool {
        *self == LenForm::Definite
    }
}

/// One parsed element: tag, how its length was written, and its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: Tag,
    pub form: LenForm,
    /// The contents octets (without the end-of-contents for indefinite form).
    pub value: &'a [u8],
    /// Absolute offset of the identifier octet.
    pub offset: usize,
    /// Absolute offset of the first contents octet.
    pub value_offset: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over the contents with absolute offsets.
    pub fn reader(&self, layer: Layer) -> Reader<'a> {
        Reader::with_base(layer, self.value, self.value_offset)
    }

    /// Fail unless the tag is `want`.
    ///
    /// # Errors
    /// [`Reason::UnexpectedTag`] naming what was expected.
    pub fn expect(&self, want: Tag, layer: Layer, what: &'static str) -> Result<()> {
        if self.tag == want {
            Ok(())
        } else {
            Err(Error::new(
                layer,
                self.offset,
                Reason::UnexpectedTag { found: self.tag.code(), expected: what },
            ))
        }
    }
}

/// Reads a length; returns `None` for the indefinite form.
fn read_len(r: &mut Reader<'_>) -> Result<(Option<usize>, LenForm)> {
    let start = r.offset();
    let b = r.u8()?;
    if b < 0x80 {
        return Ok((Some(usize::from(b)), LenForm::Definite));
    }
    if b == 0x80 {
        return Ok((None, LenForm::Indefinite));
    }
    let n = b & 0x7f;
    if n == 0x7f {
        return Err(Error::other(Layer::Ber, start, "reserved length octet 0xff"));
    }
    if n > 4 {
        return Err(Error::new(Layer::Ber, start, Reason::TooLong { len: usize::from(n), max: 4 }));
    }
    let mut len = 0usize;
    for o in r.take(usize::from(n))? {
        len = len << 8 | usize::from(*o);
    }
    let form = if len >= 0x80 && usize::from(n) == minimal_len_octets(len) {
        LenForm::Definite
    } else {
        LenForm::Long(n)
    };
    Ok((Some(len), form))
}

fn minimal_len_octets(len: usize) -> usize {
    if len < 0x80 {
        0
    } else {
        (usize::BITS as usize - len.leading_zeros() as usize).div_ceil(8)
    }
}

/// Reads one element at `depth` (0 at the top).
///
/// # Errors
/// Truncation, bad lengths, nesting deeper than [`MAX_DEPTH`], or an
/// indefinite length on a primitive element.
#[inline]
pub fn read_tlv<'a>(r: &mut Reader<'a>, depth: usize) -> Result<Tlv<'a>> {
    // Fast path: a low tag number and a short definite length (X.690
    // §8.1.2.2, §8.1.3.4), which is nearly every element of a TCAP message.
    // Anything else, or anything short, takes the general path below.
    if let [b, l, rest @ ..] = r.rest() {
        if b & 0x1f != 0x1f && *l < 0x80 && usize::from(*l) <= rest.len() && depth <= MAX_DEPTH {
            let (tag, len) = (Tag::from_low_octet(*b), usize::from(*l));
            let value = &rest[..len];
            let offset = r.offset();
            r.skip(2 + len);
            return Ok(Tlv { tag, form: LenForm::Definite, value, offset, value_offset: offset + 2 });
        }
    }
    read_tlv_slow(r, depth)
}

/// [`read_tlv`] for every form.
fn read_tlv_slow<'a>(r: &mut Reader<'a>, depth: usize) -> Result<Tlv<'a>> {
    if depth > MAX_DEPTH {
        return Err(r.error(Reason::TooDeep { limit: MAX_DEPTH }).message("ber"));
    }
    let offset = r.offset();
    let tag = Tag::parse(r).map_err(|e| relayer(e, r.layer()))?;
    let (len, form) = read_len(r).map_err(|e| relayer(e, r.layer()))?;
    let value_offset = r.offset();
    match len {
        Some(len) => {
            if len > r.remaining() {
                return Err(Error::new(
                    r.layer(),
                    offset,
                    Reason::BadLength { declared: len, available: r.remaining() },
                ));
            }
            let value = r.take(len)?;
            Ok(Tlv { tag, form, value, offset, value_offset })
        }
        None => {
            if !tag.constructed {
                return Err(Error::other(r.layer(), offset, "indefinite length on a primitive element"));
            }
            let start = r.pos();
            loop {
                if r.rest().starts_with(&[0, 0]) {
                    let value = &r.buffer()[start..r.pos()];
                    r.take(2)?;
                    return Ok(Tlv { tag, form, value, offset, value_offset });
                }
                if r.is_empty() {
                    return Err(r.error(Reason::Other("indefinite length without end-of-contents".into())));
                }
                read_tlv(r, depth + 1)?;
            }
        }
    }
}

fn relayer(mut e: Error, layer: Layer) -> Error {
    e.layer = layer;
    e
}

/// Iterates over the elements inside a constructed contents area.
pub fn children<'a>(r: Reader<'a>, depth: usize) -> Children<'a> {
    Children { r, depth, failed: false }
}

/// Iterator returned by [`children`].
#[derive(Debug)]
pub struct Children<'a> {
    r: Reader<'a>,
    depth: usize,
    failed: bool,
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let t = read_tlv(&mut self.r, self.depth);
        self.failed = t.is_err();
        Some(t)
    }
}

/// Writes a length in `form` for `len` contents octets.
///
/// # Errors
/// [`Reason::TooLong`] if `form` is `Long(n)` and `len` does not fit `n` octets.
pub fn write_len(out: &mut Vec<u8>, len: usize, form: LenForm, layer: Layer) -> Result<()> {
    let (h, n) = len_octets(len, form, layer, out.len())?;
    out.extend_from_slice(&h[..n]);
    Ok(())
}

/// The length octets for `len` in `form` (at most 5), on the stack.
fn len_octets(len: usize, form: LenForm, layer: Layer, at: usize) -> Result<([u8; 5], usize)> {
    let mut h = [0u8; 5];
    match form {
        LenForm::Indefinite => {
            h[0] = 0x80;
            Ok((h, 1))
        }
        LenForm::Definite if len < 0x80 => {
            h[0] = len as u8;
            Ok((h, 1))
        }
        LenForm::Definite | LenForm::Long(_) => {
            let min = minimal_len_octets(len).max(1);
            let n = match form {
                LenForm::Long(n) => usize::from(n),
                _ => min,
            };
            if n < min || n > 4 {
                return Err(Error::new(
                    layer,
                    at,
                    Reason::TooLong { len, max: (1usize << (8 * n.min(4))) - 1 },
                ));
            }
            h[0] = 0x80 | n as u8;
            for (i, o) in h[1..=n].iter_mut().enumerate() {
                *o = (len >> (8 * (n - 1 - i))) as u8;
            }
            Ok((h, n + 1))
        }
    }
}

/// Writes `tag`, then the contents that `body` writes, with the length patched in.
///
/// # Errors
/// Whatever `body` returns, or a length that does not fit `form`.
pub fn write_tlv(
    out: &mut Vec<u8>,
    tag: Tag,
    form: LenForm,
    layer: Layer,
    body: impl FnOnce(&mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    tag.emit(out);
    // One octet reserved for the length (the usual case); longer length forms
    // shift the contents up once they are written.
    let len_at = out.len();
    out.push(0);
    body(out)?;
    let len = out.len() - len_at - 1;
    let (h, n) = len_octets(len, form, layer, 0)?;
    out[len_at] = h[0];
    if n > 1 {
        out.splice(len_at + 1..len_at + 1, h[1..n].iter().copied());
    }
    if form == LenForm::Indefinite {
        out.extend_from_slice(&[0, 0]);
    }
    Ok(())
}

/// Writes a primitive element with the given contents.
///
/// # Errors
/// A length that does not fit `form`.
pub fn write_primitive(out: &mut Vec<u8>, tag: Tag, form: LenForm, value: &[u8], layer: Layer) -> Result<()> {
    tag.emit(out);
    write_len(out, value.len(), form, layer)?;
    out.extend_from_slice(value);
    Ok(())
}

/// Decodes a minimal two's-complement INTEGER of at most 8 octets.
///
/// # Errors
/// Empty, longer than 8 octets, or not minimal (X.690 §8.3.2).
pub fn decode_int(v: &[u8], layer: Layer, offset: usize) -> Result<i64> {
    if v.is_empty() || v.len() > 8 {
        return Err(Error::new(layer, offset, Reason::BadLength { declared: v.len(), available: 8 })
            .parameter("INTEGER"));
    }
    if v.len() > 1 && ((v[0] == 0 && v[1] & 0x80 == 0) || (v[0] == 0xff && v[1] & 0x80 != 0)) {
        return Err(Error::other(layer, offset, "non-minimal INTEGER (X.690 8.3.2)"));
    }
    let mut x: i64 = if v[0] & 0x80 != 0 { -1 } else { 0 };
    for b in v {
        x = x.wrapping_shl(8) | i64::from(*b);
    }
    Ok(x)
}

/// Encodes an INTEGER minimally.
pub fn encode_int(x: i64, out: &mut Vec<u8>) {
    let bytes = x.to_be_bytes();
    let mut i = 0;
    while i < 7 {
        let (a, b) = (bytes[i], bytes[i + 1]);
        if (a == 0 && b & 0x80 == 0) || (a == 0xff && b & 0x80 != 0) {
            i += 1;
        } else {
            break;
        }
    }
    out.extend_from_slice(&bytes[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_forms() {
        let mut v = Vec::new();
        Tag::primitive(Class::Context, 105).emit(&mut v);
        assert_eq!(v, [0x9f, 0x69]);
        assert_eq!(Tag::primitive(Class::Context, 105).code(), 0x9f69);
        let t = Tag::parse(&mut Reader::new(Layer::Ber, &v)).unwrap();
        assert_eq!(t.number, 105);
        Tag::constructed(Class::Private, 2000).emit(&mut v);
        let mut r = Reader::new(Layer::Ber, &v[2..]);
        assert_eq!(Tag::parse(&mut r).unwrap().number, 2000);
    }

    #[test]
    fn lengths_round_trip() {
        for (bytes, form) in
            [(&[0x04, 0x01, 0xaa][..], LenForm::Definite), (&[0x04, 0x81, 0x01, 0xaa][..], LenForm::Long(1))]
        {
            let t = read_tlv(&mut Reader::new(Layer::Ber, bytes), 0).unwrap();
            assert_eq!(t.form, form);
            let mut out = Vec::new();
            write_primitive(&mut out, t.tag, t.form, t.value, Layer::Ber).unwrap();
            assert_eq!(out, bytes);
        }
        let indef = [0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00];
        let t = read_tlv(&mut Reader::new(Layer::Ber, &indef), 0).unwrap();
        assert_eq!((t.form, t.value), (LenForm::Indefinite, &indef[2..5]));
        let mut out = Vec::new();
        write_tlv(&mut out, t.tag, t.form, Layer::Ber, |o| {
            o.extend_from_slice(t.value);
            Ok(())
        })
        .unwrap();
        assert_eq!(out, indef);
    }

    #[test]
    fn long_content_patches_length() {
        let mut out = Vec::new();
        write_tlv(&mut out, Tag::SEQUENCE, LenForm::Definite, Layer::Ber, |o| {
            o.extend(std::iter::repeat_n(7, 300));
            Ok(())
        })
        .unwrap();
        assert_eq!(&out[..4], &[0x30, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn integers() {
        for x in [0i64, 1, 127, 128, -1, -128, -129, 65535, i64::MAX, i64::MIN] {
            let mut v = Vec::new();
            encode_int(x, &mut v);
            assert_eq!(decode_int(&v, Layer::Ber, 0).unwrap(), x);
        }
        assert!(decode_int(&[0, 1], Layer::Ber, 0).is_err());
    }

    #[test]
    fn hostile_input_is_refused() {
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 100).flatten().collect();
        assert!(read_tlv(&mut Reader::new(Layer::Ber, &deep), 0).is_err());
        assert!(read_tlv(&mut Reader::new(Layer::Ber, &[0x04, 0x85, 1, 1, 1, 1, 1]), 0).is_err());
        assert!(read_tlv(&mut Reader::new(Layer::Ber, &[0x04, 0x80]), 0).is_err());
    }
}
