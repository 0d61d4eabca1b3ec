//! TCAP, the Transaction Capabilities Application Part: ITU-T Q.773 and ANSI
//! T1.114, told apart by the first tag (ITU application class `0x61`–`0x67`,
//! ANSI private class `0xE1`–`0xE6`, `0xF6`).
//!
//! What it is: [`TcapRepr`] (owned, parse/emit), a cheap [`peek`] and
//! [`Packet`] view for routing a dialogue (package type, transaction IDs,
//! first opcode) without a full parse.
//!
//! What it is not: component parameters are not decoded. Each stays the raw
//! bytes of its whole element (`parameter: Option<Vec<u8>>`, hex in JSON) for
//! the AIN and INAP codecs.
//!
//! Contract: `parse` never panics and never nests deeper than
//! [`crate::ber::MAX_DEPTH`]; `emit(parse(b)) == b` byte for byte for every
//! accepted buffer (indefinite and non-minimal long lengths of constructed
//! elements are recorded as [`crate::ber::LenForm`]); `parse(emit(r)) == r` for
//! every repr `emit` accepts.

pub mod ansi;
mod common;
pub mod itu;

use std::ops::Range;

pub use common::Oid;

use crate::ber::{self, Class, Tag};
use crate::error::{Error, Reason, Result};
use crate::reader::Reader;
use crate::Variant;
use common::{L, TO_BYTES_CAPACITY};

/// A TCAP message of either variant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TcapRepr {
    Itu(itu::Message),
    Ansi(ansi::Message),
}

impl TcapRepr {
    /// Parses a TCAP message, choosing ITU or ANSI by its first tag.
    ///
    /// # Errors
    /// An empty buffer, a first octet that is no TCAP message or package tag,
    /// or whatever the variant's parser refuses.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        match variant_of(buf)? {
            Variant::Itu => itu::Message::parse(buf).map(TcapRepr::Itu),
            Variant::Ansi => ansi::Message::parse(buf).map(TcapRepr::Ansi),
        }
    }

    /// Parses a TCAP message that must be of `variant` (when the SCCP/MTP3
    /// layers below already fixed it).
    ///
    /// # Errors
    /// As [`TcapRepr::parse`], or a first tag of the other variant.
    pub fn parse_as(buf: &[u8], variant: Variant) -> Result<Self> {
        let found = variant_of(buf)?;
        if found != variant {
            let expected = match variant {
                Variant::Itu => "ITU TCAP message tag",
                Variant::Ansi => "ANSI TCAP package tag",
            };
            let b = buf.first().copied().unwrap_or(0);
            return Err(Error::new(L, 0, Reason::UnexpectedTag { found: u32::from(b), expected }));
        }
        Self::parse(buf)
    }

    /// The variant of this message.
    pub fn variant(&self) -> Variant {
        match self {
            TcapRepr::Itu(_) => Variant::Itu,
            TcapRepr::Ansi(_) => Variant::Ansi,
        }
    }

    /// Octets `emit` writes (0 if `emit` would refuse the repr).
    pub fn buffer_len(&self) -> usize {
        match self {
            TcapRepr::Itu(m) => m.buffer_len(),
            TcapRepr::Ansi(m) => m.buffer_len(),
        }
    }

    /// Appends the encoded message to `out`.
    ///
    /// # Errors
    /// As [`itu::Message::emit`] / [`ansi::Message::emit`].
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            TcapRepr::Itu(m) => m.emit(out),
            TcapRepr::Ansi(m) => m.emit(out),
        }
    }

    /// The encoded message.
    ///
    /// # Errors
    /// As [`TcapRepr::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        // Room for a usual message at once rather than five regrowths from empty.
        let mut v = Vec::with_capacity(TO_BYTES_CAPACITY);
        self.emit(&mut v)?;
        Ok(v)
    }

    /// The raw parameter of the first component that has one.
    pub fn first_parameter(&self) -> Option<&[u8]> {
        match self {
            TcapRepr::Itu(m) => m.components().iter().find_map(itu::Component::parameter),
            TcapRepr::Ansi(m) => m.components().iter().find_map(ansi::Component::parameter),
        }
    }
}

/// Which variant a buffer's first octet announces.
///
/// # Errors
/// An empty buffer or an octet that is no TCAP message or package tag.
pub fn variant_of(buf: &[u8]) -> Result<Variant> {
    let b = Reader::new(L, buf).peek()?;
    if itu::MessageType::from_octet(b).is_some() {
        Ok(Variant::Itu)
    } else if ansi::PackageType::from_octet(b).is_some() {
        Ok(Variant::Ansi)
    } else {
        Err(Error::new(L, 0, Reason::UnexpectedTag { found: u32::from(b), expected: "TCAP message tag" }))
    }
}

/// A realistic instance of every message and component type of `variant`.
pub fn examples(variant: Variant) -> Vec<(&'static str, TcapRepr)> {
    match variant {
        Variant::Itu => itu::examples().into_iter().map(|(n, m)| (n, TcapRepr::Itu(m))).collect(),
        Variant::Ansi => ansi::examples().into_iter().map(|(n, m)| (n, TcapRepr::Ansi(m))).collect(),
    }
}

/// The message or package type, either variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Itu(itu::MessageType),
    Ansi(ansi::PackageType),
}

/// The first component's operation code, as [`peek`] finds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstOpcode {
    /// ITU local value.
    Local(i64),
    /// ITU global value.
    Global(Oid),
    /// ANSI national operation code.
    National(u16),
    /// ANSI private operation code (AIN).
    Private(u16),
}

/// What a switch needs to route a dialogue, borrowed from the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary<'a> {
    pub kind: Kind,
    /// ITU otid; ANSI originating transaction ID.
    pub otid: Option<&'a [u8]>,
    /// ITU dtid; ANSI responding transaction ID.
    pub dtid: Option<&'a [u8]>,
    /// The first component's invoke ID (ITU) or first component-ID octet (ANSI).
    pub first_invoke_id: Option<i64>,
    /// The first component's operation code, if it has one.
    pub first_opcode: Option<FirstOpcode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Scan {
    kind: Kind,
    otid: Option<Range<usize>>,
    dtid: Option<Range<usize>>,
    first_invoke_id: Option<i64>,
    first_opcode: Option<FirstOpcode>,
}

/// Reads the package type, transaction IDs and first opcode without a full parse.
///
/// Only the elements on the way are checked; a buffer `peek` accepts may
/// still be refused by [`TcapRepr::parse`].
///
/// # Errors
/// An unknown first tag, or a length that runs past the end on the way.
pub fn peek(buf: &[u8]) -> Result<Summary<'_>> {
    let s = scan(buf)?;
    let get = |r: &Option<Range<usize>>| r.clone().and_then(|r| buf.get(r));
    Ok(Summary {
        kind: s.kind,
        otid: get(&s.otid),
        dtid: get(&s.dtid),
        first_invoke_id: s.first_invoke_id,
        first_opcode: s.first_opcode,
    })
}

fn range(t: &ber::Tlv<'_>) -> Range<usize> {
    t.value_offset..t.value_offset + t.value.len()
}

fn scan(buf: &[u8]) -> Result<Scan> {
    let mut r = Reader::new(L, buf);
    let top = ber::read_tlv(&mut r, 0)?;
    let mut s = Scan {
        kind: Kind::Itu(itu::MessageType::Begin),
        otid: None,
        dtid: None,
        first_invoke_id: None,
        first_opcode: None,
    };
    let mut inner = Reader::with_base(L, top.value, top.value_offset);
    if let Some(mt) = itu::MessageType::from_tag(top.tag) {
        s.kind = Kind::Itu(mt);
        while !inner.is_empty() {
            let t = ber::read_tlv(&mut inner, 1)?;
            match t.tag.first_octet() {
                0x48 => s.otid = Some(range(&t)),
                0x49 => s.dtid = Some(range(&t)),
                0x6c => {
                    let mut c = t.reader(L);
                    if !c.is_empty() {
                        let comp = ber::read_tlv(&mut c, 2)?;
                        let mut e = comp.reader(L);
                        if !e.is_empty() {
                            let x = ber::read_tlv(&mut e, 3)?;
                            if x.tag == Tag::INTEGER {
                                s.first_invoke_id = ber::decode_int(x.value, L, x.value_offset).ok();
                            }
                        }
                        match comp.tag.first_octet() {
                            0xa1 => {
                                // Invoke: an optional linked ID [0], then the opcode.
                                while !e.is_empty() {
                                    let x = ber::read_tlv(&mut e, 3)?;
                                    if x.tag != Tag::primitive(Class::Context, 0) {
                                        s.first_opcode = itu_code(&x);
                                        break;
                                    }
                                }
                            }
                            0xa2 | 0xa7 if !e.is_empty() => {
                                let x = ber::read_tlv(&mut e, 3)?;
                                let mut q = x.reader(L);
                                if x.tag == Tag::SEQUENCE && !q.is_empty() {
                                    s.first_opcode = itu_code(&ber::read_tlv(&mut q, 4)?);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    } else if let Some(pt) = ansi::PackageType::from_tag(top.tag) {
        s.kind = Kind::Ansi(pt);
        while !inner.is_empty() {
            let t = ber::read_tlv(&mut inner, 1)?;
            match t.tag.first_octet() {
                0xc7 => {
                    let base = t.value_offset;
                    let o = ansi::originating(pt, t.value).map(|v| v.len());
                    let d = ansi::responding(pt, t.value).map(|v| v.len());
                    s.otid = o.map(|n| base..base + n);
                    s.dtid = d.map(|n| base + t.value.len() - n..base + t.value.len());
                }
                0xe8 => {
                    let mut c = t.reader(L);
                    if !c.is_empty() {
                        let comp = ber::read_tlv(&mut c, 2)?;
                        let mut e = comp.reader(L);
                        while !e.is_empty() {
                            let x = ber::read_tlv(&mut e, 3)?;
                            match (x.tag.first_octet(), x.value) {
                                (0xcf, [id, ..]) => s.first_invoke_id = Some(i64::from(*id)),
                                (0xd0, [a, b]) => {
                                    s.first_opcode = Some(FirstOpcode::National(u16::from_be_bytes([*a, *b])))
                                }
                                (0xd1, [a, b]) => {
                                    s.first_opcode = Some(FirstOpcode::Private(u16::from_be_bytes([*a, *b])))
                                }
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    } else {
        return Err(Error::new(
            L,
            0,
            Reason::UnexpectedTag { found: top.tag.code(), expected: "TCAP message tag" },
        ));
    }
    Ok(s)
}

fn itu_code(t: &ber::Tlv<'_>) -> Option<FirstOpcode> {
    if t.tag == Tag::INTEGER {
        ber::decode_int(t.value, L, t.value_offset).ok().map(FirstOpcode::Local)
    } else if t.tag == Tag::OID {
        Oid::decode(t.value, t.value_offset).ok().map(FirstOpcode::Global)
    } else {
        None
    }
}

/// A read-only view over a TCAP message, checked once by [`Packet::new_checked`].
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    scan: Scan,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` after scanning the elements the getters read.
    ///
    /// # Errors
    /// As [`peek`].
    pub fn new_checked(buffer: T) -> Result<Self> {
        let scan = scan(buffer.as_ref())?;
        Ok(Packet { buffer, scan })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The message or package type.
    pub fn kind(&self) -> Kind {
        self.scan.kind
    }

    /// ITU or ANSI.
    pub fn variant(&self) -> Variant {
        match self.scan.kind {
            Kind::Itu(_) => Variant::Itu,
            Kind::Ansi(_) => Variant::Ansi,
        }
    }

    /// ITU otid / ANSI originating transaction ID.
    pub fn otid(&self) -> Option<&[u8]> {
        self.scan.otid.clone().and_then(|r| self.buffer.as_ref().get(r))
    }

    /// ITU dtid / ANSI responding transaction ID.
    pub fn dtid(&self) -> Option<&[u8]> {
        self.scan.dtid.clone().and_then(|r| self.buffer.as_ref().get(r))
    }

    /// The first component's invoke ID.
    pub fn first_invoke_id(&self) -> Option<i64> {
        self.scan.first_invoke_id
    }

    /// The first component's operation code.
    pub fn first_opcode(&self) -> Option<&FirstOpcode> {
        self.scan.first_opcode.as_ref()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Overwrites the otid (ANSI: originating ID) in place; `id` must have its length.
    ///
    /// # Errors
    /// No such field, or a different length.
    pub fn set_otid(&mut self, id: &[u8]) -> Result<()> {
        let r = self.scan.otid.clone();
        self.overwrite(r, id, "otid")
    }

    /// Overwrites the dtid (ANSI: responding ID) in place; `id` must have its length.
    ///
    /// # Errors
    /// No such field, or a different length.
    pub fn set_dtid(&mut self, id: &[u8]) -> Result<()> {
        let r = self.scan.dtid.clone();
        self.overwrite(r, id, "dtid")
    }

    fn overwrite(&mut self, r: Option<Range<usize>>, id: &[u8], what: &'static str) -> Result<()> {
        let field = r.and_then(|r| self.buffer.as_mut().get_mut(r));
        match field {
            Some(f) if f.len() == id.len() => {
                f.copy_from_slice(id);
                Ok(())
            }
            Some(f) => Err(Error::new(L, 0, Reason::BadLength { declared: id.len(), available: f.len() })
                .parameter(what)),
            None => Err(Error::other(L, 0, "no such transaction ID in this message").parameter(what)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_chooses_variant_by_first_tag() {
        for v in [Variant::Itu, Variant::Ansi] {
            for (name, r) in examples(v) {
                let b = r.to_bytes().unwrap();
                assert_eq!(r.buffer_len(), b.len());
                let p = TcapRepr::parse(&b).unwrap();
                assert_eq!(p, r, "{name}");
                assert_eq!(p.variant(), v);
                let j = serde_json::to_string(&r).unwrap();
                assert_eq!(serde_json::from_str::<TcapRepr>(&j).unwrap(), r, "{name}");
            }
        }
        assert!(TcapRepr::parse(&[]).is_err());
        let begin = examples(Variant::Itu).remove(0).1.to_bytes().unwrap();
        assert!(TcapRepr::parse_as(&begin, Variant::Ansi).is_err());
        assert!(TcapRepr::parse_as(&begin, Variant::Itu).is_ok());
        assert!(TcapRepr::parse(&[0x30, 0x00]).is_err());
    }

    #[test]
    fn packet_setters_rewrite_transaction_ids() {
        let mut b = examples(Variant::Itu)[1].1.to_bytes().unwrap(); // Continue
        let mut p = Packet::new_checked(&mut b[..]).unwrap();
        p.set_dtid(&[9, 9, 9, 9]).unwrap();
        assert!(p.set_otid(&[1]).is_err());
        let TcapRepr::Itu(m) = TcapRepr::parse(&b).unwrap() else { panic!("not ITU") };
        assert_eq!(m.dtid.as_deref(), Some(&[9, 9, 9, 9][..]));
        let mut b = examples(Variant::Ansi)[1].1.to_bytes().unwrap(); // Conversation
        let mut p = Packet::new_checked(&mut b[..]).unwrap();
        p.set_otid(&[1, 2, 3, 4]).unwrap();
        let TcapRepr::Ansi(m) = TcapRepr::parse(&b).unwrap() else { panic!("not ANSI") };
        assert_eq!(m.originating_id(), Some(&[1, 2, 3, 4][..]));
    }

    #[test]
    fn peek_agrees_with_parse() {
        for v in [Variant::Itu, Variant::Ansi] {
            for (name, r) in examples(v) {
                let b = r.to_bytes().unwrap();
                let s = peek(&b).unwrap();
                let p = Packet::new_checked(&b[..]).unwrap();
                assert_eq!((p.otid(), p.dtid()), (s.otid, s.dtid));
                match &r {
                    TcapRepr::Itu(m) => {
                        assert_eq!(s.kind, Kind::Itu(m.message_type), "{name}");
                        assert_eq!(s.otid, m.otid.as_deref(), "{name}");
                        assert_eq!(s.dtid, m.dtid.as_deref(), "{name}");
                        let c = m.components().first();
                        assert_eq!(s.first_invoke_id, c.and_then(itu::Component::invoke_id), "{name}");
                        let op = c.and_then(itu::Component::opcode).map(|c| match c {
                            itu::Code::Local(x) => FirstOpcode::Local(*x),
                            itu::Code::Global(o) => FirstOpcode::Global(o.clone()),
                        });
                        assert_eq!(s.first_opcode, op, "{name}");
                    }
                    TcapRepr::Ansi(m) => {
                        assert_eq!(s.kind, Kind::Ansi(m.package_type), "{name}");
                        assert_eq!(s.otid, m.originating_id(), "{name}");
                        assert_eq!(s.dtid, m.responding_id(), "{name}");
                        let op = m.components().first().and_then(ansi::Component::opcode).map(|o| match o {
                            ansi::OpCode::National(x) => FirstOpcode::National(x),
                            ansi::OpCode::Private(x) => FirstOpcode::Private(x),
                        });
                        assert_eq!(s.first_opcode, op, "{name}");
                    }
                }
            }
        }
    }
}
