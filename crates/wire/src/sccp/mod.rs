//! SCCP, the Signalling Connection Control Part: ITU-T Q.713 and ANSI
//! T1.112.3 message formats.
//!
//! What it is: a codec for every SCCP message type, connectionless (UDT, UDTS,
//! XUDT, XUDTS, LUDT, LUDTS) and connection-oriented (CR, CC, CREF, RLSD, RLC,
//! DT1, DT2, AK, ED, EA, RSR, RSC, ERR, IT), with called/calling party
//! addresses decoded per variant (ITU: PC then SSN, 14-bit PC; ANSI: SSN then
//! PC, 24-bit PC) and BCD global titles decoded to digit strings. A borrowing
//! view, [`Packet`], gives a router the message type, the address octets, the
//! hop counter and the user data without allocating.
//!
//! What it is not: an SCCP node. No routing, no global title translation, no
//! segmentation/reassembly, no connection state. User data stays raw bytes for
//! TCAP (or whatever the subsystem runs). Release, refusal, reset and error
//! causes are carried as raw octets.
//!
//! Contract: `parse` never panics; `parse(emit(r)) == r` for every repr `emit`
//! accepts; `emit(parse(b)) == b` for every buffer `parse` accepts. Unknown
//! message types and optional parameters are kept byte-exact. Only the
//! canonical pointer layout is accepted (see `layout`). Spare bits are kept,
//! except the two spare bits of an ITU point code, which must be 0.

mod address;
mod layout;
mod packet;
mod params;

pub use address::{
    layout_variant, nature_of_address, numbering_plan, Address, AddressView, GlobalTitle, Routing,
};
pub use packet::Packet;
pub use params::{code, OptionalParameter, ProtocolClass, ReturnCause, Segmentation, SequencingSegmenting};

use crate::error::{Error, Layer, Reason, Result};
use crate::reader::Reader;
use crate::variant::{PointCode, Variant};
use layout::{layout, Layout, OptionalIter, Skeleton};

/// SCCP message type codes (Q.713 §2.1, Table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    Cr,
    Cc,
    Cref,
    Rlsd,
    Rlc,
    Dt1,
    Dt2,
    Ak,
    Udt,
    Udts,
    Ed,
    Ea,
    Rsr,
    Rsc,
    Err,
    It,
    Xudt,
    Xudts,
    Ludt,
    Ludts,
    Unknown(u8),
}

impl MessageType {
    const TABLE: [MessageType; 20] = [
        MessageType::Cr,
        MessageType::Cc,
        MessageType::Cref,
        MessageType::Rlsd,
        MessageType::Rlc,
        MessageType::Dt1,
        MessageType::Dt2,
        MessageType::Ak,
        MessageType::Udt,
        MessageType::Udts,
        MessageType::Ed,
        MessageType::Ea,
        MessageType::Rsr,
        MessageType::Rsc,
        MessageType::Err,
        MessageType::It,
        MessageType::Xudt,
        MessageType::Xudts,
        MessageType::Ludt,
        MessageType::Ludts,
    ];

    /// Decode the message type octet.
    pub fn from_u8(v: u8) -> Self {
        v.checked_sub(1)
            .and_then(|i| Self::TABLE.get(usize::from(i)).copied())
            .unwrap_or(MessageType::Unknown(v))
    }

    /// The octet value.
    pub fn to_u8(self) -> u8 {
        match self {
            MessageType::Unknown(v) => v,
            known => Self::TABLE.iter().position(|m| *m == known).map_or(0, |p| p as u8 + 1),
        }
    }

    /// The abbreviation used in Q.713 (`"UDT"`), or `"unknown"`.
    pub fn name(self) -> &'static str {
        layout(self.to_u8()).map_or("unknown", |l| l.name)
    }
}

fn is_empty_vec<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// Unitdata (UDT, 0x09).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Udt {
    pub protocol_class: ProtocolClass,
    pub called_party: Address,
    pub calling_party: Address,
    #[serde(with = "crate::hexser", default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
}

/// Unitdata service (UDTS, 0x0a).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Udts {
    pub return_cause: ReturnCause,
    pub called_party: Address,
    pub calling_party: Address,
    #[serde(with = "crate::hexser", default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
}

/// Extended unitdata (XUDT, 0x11) and long unitdata (LUDT, 0x13).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Xudt {
    pub protocol_class: ProtocolClass,
    /// Hop counter, 1–15 (Q.713 §3.18).
    pub hop_counter: u8,
    pub called_party: Address,
    pub calling_party: Address,
    #[serde(with = "crate::hexser", default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
    /// Optional part (segmentation, importance, ...), in order.
    #[serde(default, skip_serializing_if = "is_empty_vec")]
    pub optional: Vec<OptionalParameter>,
}

/// Extended unitdata service (XUDTS, 0x12) and long unitdata service (LUDTS, 0x14).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Xudts {
    pub return_cause: ReturnCause,
    pub hop_counter: u8,
    pub called_party: Address,
    pub calling_party: Address,
    #[serde(with = "crate::hexser", default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
    #[serde(default, skip_serializing_if = "is_empty_vec")]
    pub optional: Vec<OptionalParameter>,
}

/// Connection request (CR, 0x01).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cr {
    pub source_local_reference: u32,
    pub protocol_class: ProtocolClass,
    pub called_party: Address,
    #[serde(default, skip_serializing_if = "is_empty_vec")]
    pub optional: Vec<OptionalParameter>,
}

/// Connection confirm (CC, 0x02).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cc {
    pub destination_local_reference: u32,
    pub source_local_reference: u32,
    pub protocol_class: ProtocolClass,
    #[serde(default, skip_serializing_if = "is_empty_vec")]
    pub optional: Vec<OptionalParameter>,
}

/// Connection refused (CREF, 0x03).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cref {
    pub destination_local_reference: u32,
    /// Refusal cause (Q.713 §3.15), raw.
    pub refusal_cause: u8,
    #[serde(default, skip_serializing_if = "is_empty_vec")]
    pub optional: Vec<OptionalParameter>,
}

/// Released (RLSD, 0x04).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rlsd {
    pub destination_local_reference: u32,
    pub source_local_reference: u32,
    /// Release cause (Q.713 §3.11), raw.
    pub release_cause: u8,
    #[serde(default, skip_serializing_if = "is_empty_vec")]
    pub optional: Vec<OptionalParameter>,
}

/// A pair of local references: release complete (RLC, 0x05) and reset
/// confirm (RSC, 0x0e).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct References {
    pub destination_local_reference: u32,
    pub source_local_reference: u32,
}

/// Data form 1 (DT1, 0x06).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dt1 {
    pub destination_local_reference: u32,
    /// Segmenting/reassembling octet (Q.713 §3.7): bit 1 = more data, the
    /// rest spare; raw.
    pub segmenting_reassembling: u8,
    #[serde(with = "crate::hexser", default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
}

/// Data form 2 (DT2, 0x07).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dt2 {
    pub destination_local_reference: u32,
    pub sequencing_segmenting: SequencingSegmenting,
    #[serde(with = "crate::hexser", default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
}

/// Data acknowledgement (AK, 0x08).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ak {
    pub destination_local_reference: u32,
    /// Receive sequence number octet (Q.713 §3.8): P(R) in bits 2–8, bit 1 spare; raw.
    pub receive_sequence_number: u8,
    pub credit: u8,
}

/// Expedited data (ED, 0x0b).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ed {
    pub destination_local_reference: u32,
    #[serde(with = "crate::hexser", default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
}

/// Expedited data acknowledgement (EA, 0x0c).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ea {
    pub destination_local_reference: u32,
}

/// Reset request (RSR, 0x0d).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rsr {
    pub destination_local_reference: u32,
    pub source_local_reference: u32,
    /// Reset cause (Q.713 §3.13), raw.
    pub reset_cause: u8,
}

/// Protocol data unit error (ERR, 0x0f).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrMsg {
    pub destination_local_reference: u32,
    /// Error cause (Q.713 §3.14), raw.
    pub error_cause: u8,
}

/// Inactivity test (IT, 0x10).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct It {
    pub destination_local_reference: u32,
    pub source_local_reference: u32,
    pub protocol_class: ProtocolClass,
    pub sequencing_segmenting: SequencingSegmenting,
    pub credit: u8,
}

/// One SCCP message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Repr {
    Cr(Cr),
    Cc(Cc),
    Cref(Cref),
    Rlsd(Rlsd),
    Rlc(References),
    Dt1(Dt1),
    Dt2(Dt2),
    Ak(Ak),
    Udt(Udt),
    Udts(Udts),
    Ed(Ed),
    Ea(Ea),
    Rsr(Rsr),
    Rsc(References),
    Err(ErrMsg),
    It(It),
    Xudt(Xudt),
    Xudts(Xudts),
    Ludt(Xudt),
    Ludts(Xudts),
    /// A message type this codec does not know: everything after the type octet.
    Unknown {
        message_type: u8,
        #[serde(with = "crate::hexser")]
        body: Vec<u8>,
    },
}

/// Reads the parts of a checked message, in layout order.
struct Fields<'a> {
    buf: &'a [u8],
    fixed: Reader<'a>,
    sk: Skeleton,
    next_var: usize,
    layout: Layout,
    variant: Variant,
}

impl<'a> Fields<'a> {
    fn u8(&mut self, name: &'static str) -> Result<u8> {
        self.fixed.u8().map_err(|e| e.parameter(name))
    }

    fn reference(&mut self, name: &'static str) -> Result<u32> {
        // Q.713 §3.2/3.3: a 3-octet local reference; Wireshark reads it
        // least significant octet first, and so do we.
        self.fixed.u24_le().map_err(|e| e.parameter(name))
    }

    fn dlr(&mut self) -> Result<u32> {
        self.reference("destination local reference")
    }

    fn slr(&mut self) -> Result<u32> {
        self.reference("source local reference")
    }

    fn protocol_class(&mut self) -> Result<ProtocolClass> {
        self.u8("protocol class").map(ProtocolClass::from_octet)
    }

    fn seq_seg(&mut self) -> Result<SequencingSegmenting> {
        let b = self.fixed.take(2).map_err(|e| e.parameter("sequencing/segmenting"))?;
        Ok(SequencingSegmenting::decode([b[0], b[1]]))
    }

    fn var(&mut self) -> (&'a [u8], usize, &'static str) {
        let i = self.next_var;
        self.next_var += 1;
        let (s, e) = self.sk.vars[i];
        (&self.buf[s..e], s, self.layout.vars[i].name)
    }

    fn address(&mut self) -> Result<Address> {
        let (b, at, name) = self.var();
        Address::parse(b, self.variant).map_err(|e| e.at_base(at).parameter(name))
    }

    fn data(&mut self) -> Vec<u8> {
        self.var().0.to_vec()
    }

    fn optional(&mut self) -> Result<Vec<OptionalParameter>> {
        let Some(start) = self.sk.optional else { return Ok(Vec::new()) };
        OptionalIter::new(self.buf, start)
            .map(|p| p.map(|(code, d, _)| OptionalParameter::decode(code, d, self.variant)))
            .collect()
    }
}

/// Collects the parts of a message to emit.
struct Parts {
    fixed: Vec<u8>,
    vars: Vec<Vec<u8>>,
    optional: Option<Vec<u8>>,
    variant: Variant,
}

impl Parts {
    fn u8(&mut self, v: u8) {
        self.fixed.push(v);
    }

    fn reference(&mut self, v: u32, name: &'static str) -> Result<()> {
        if v > 0xff_ffff {
            return Err(params::bad_value(u64::from(v), "a 24-bit local reference", name));
        }
        self.fixed.extend_from_slice(&v.to_le_bytes()[..3]);
        Ok(())
    }

    fn dlr(&mut self, v: u32) -> Result<()> {
        self.reference(v, "destination local reference")
    }

    fn slr(&mut self, v: u32) -> Result<()> {
        self.reference(v, "source local reference")
    }

    fn protocol_class(&mut self, pc: ProtocolClass) -> Result<()> {
        self.fixed.push(pc.to_octet()?);
        Ok(())
    }

    fn seq_seg(&mut self, s: &SequencingSegmenting) -> Result<()> {
        self.fixed.extend_from_slice(&s.encode()?);
        Ok(())
    }

    fn address(&mut self, a: &Address, name: &'static str) -> Result<()> {
        let mut v = Vec::new();
        a.emit(self.variant, &mut v).map_err(|e| e.parameter(name))?;
        self.vars.push(v);
        Ok(())
    }

    fn data(&mut self, d: &[u8]) {
        self.vars.push(d.to_vec());
    }

    fn optional(&mut self, params: &[OptionalParameter]) -> Result<()> {
        if !params.is_empty() {
            let mut v = Vec::new();
            params::emit_optional(params, self.variant, &mut v)?;
            self.optional = Some(v);
        }
        Ok(())
    }
}

impl Repr {
    /// The message type.
    pub fn message_type(&self) -> MessageType {
        match self {
            Repr::Cr(_) => MessageType::Cr,
            Repr::Cc(_) => MessageType::Cc,
            Repr::Cref(_) => MessageType::Cref,
            Repr::Rlsd(_) => MessageType::Rlsd,
            Repr::Rlc(_) => MessageType::Rlc,
            Repr::Dt1(_) => MessageType::Dt1,
            Repr::Dt2(_) => MessageType::Dt2,
            Repr::Ak(_) => MessageType::Ak,
            Repr::Udt(_) => MessageType::Udt,
            Repr::Udts(_) => MessageType::Udts,
            Repr::Ed(_) => MessageType::Ed,
            Repr::Ea(_) => MessageType::Ea,
            Repr::Rsr(_) => MessageType::Rsr,
            Repr::Rsc(_) => MessageType::Rsc,
            Repr::Err(_) => MessageType::Err,
            Repr::It(_) => MessageType::It,
            Repr::Xudt(_) => MessageType::Xudt,
            Repr::Xudts(_) => MessageType::Xudts,
            Repr::Ludt(_) => MessageType::Ludt,
            Repr::Ludts(_) => MessageType::Ludts,
            Repr::Unknown { message_type, .. } => MessageType::Unknown(*message_type),
        }
    }

    /// The called party address, for the messages that carry one.
    pub fn called_party(&self) -> Option<&Address> {
        match self {
            Repr::Udt(m) => Some(&m.called_party),
            Repr::Udts(m) => Some(&m.called_party),
            Repr::Xudt(m) | Repr::Ludt(m) => Some(&m.called_party),
            Repr::Xudts(m) | Repr::Ludts(m) => Some(&m.called_party),
            Repr::Cr(m) => Some(&m.called_party),
            Repr::Cc(Cc { optional, .. }) | Repr::Cref(Cref { optional, .. }) => {
                optional.iter().find_map(|p| match p {
                    OptionalParameter::CalledPartyAddress(a) => Some(a),
                    _ => None,
                })
            }
            _ => None,
        }
    }

    /// The calling party address, for the messages that carry one.
    pub fn calling_party(&self) -> Option<&Address> {
        match self {
            Repr::Udt(m) => Some(&m.calling_party),
            Repr::Udts(m) => Some(&m.calling_party),
            Repr::Xudt(m) | Repr::Ludt(m) => Some(&m.calling_party),
            Repr::Xudts(m) | Repr::Ludts(m) => Some(&m.calling_party),
            Repr::Cr(Cr { optional, .. }) => optional.iter().find_map(|p| match p {
                OptionalParameter::CallingPartyAddress(a) => Some(a),
                _ => None,
            }),
            _ => None,
        }
    }

    /// The user data (raw, for TCAP or another SCCP user), if any.
    pub fn data(&self) -> Option<&[u8]> {
        fn opt(o: &[OptionalParameter]) -> Option<&[u8]> {
            o.iter().find_map(|p| match p {
                OptionalParameter::Data(d) => Some(d.as_slice()),
                _ => None,
            })
        }
        match self {
            Repr::Udt(m) => Some(&m.data),
            Repr::Udts(m) => Some(&m.data),
            Repr::Xudt(m) | Repr::Ludt(m) => Some(&m.data),
            Repr::Xudts(m) | Repr::Ludts(m) => Some(&m.data),
            Repr::Dt1(m) => Some(&m.data),
            Repr::Dt2(m) => Some(&m.data),
            Repr::Ed(m) => Some(&m.data),
            Repr::Cr(m) => opt(&m.optional),
            Repr::Cc(m) => opt(&m.optional),
            Repr::Cref(m) => opt(&m.optional),
            Repr::Rlsd(m) => opt(&m.optional),
            _ => None,
        }
    }

    /// Parse one SCCP message (the MTP3 user part or M3UA protocol data).
    ///
    /// # Errors
    /// Truncation, a bad pointer or length, trailing octets, a bad address
    /// field; the error names the message, the parameter and the absolute offset.
    pub fn parse(buf: &[u8], variant: Variant) -> Result<Self> {
        // UDT, the everyday connectionless message: read in one pass with the
        // offsets of its fixed layout; anything it does not accept (an error,
        // an address `parse_fast` refuses) takes the general walk, which gives
        // the same repr or names the error.
        if buf.first() == Some(&0x09) {
            if let Some(udt) = Self::parse_udt(buf, variant) {
                return Ok(Repr::Udt(udt));
            }
        }
        Self::parse_general(buf, variant)
    }

    /// [`parse`](Self::parse) for every message type, through the layout walk.
    #[inline(never)]
    fn parse_general(buf: &[u8], variant: Variant) -> Result<Self> {
        let Some(&mt) = buf.first() else {
            return Err(Error::truncated(Layer::Sccp, 0, 1, 0).parameter("message type"));
        };
        let Some(lay) = layout(mt) else {
            return Ok(Repr::Unknown { message_type: mt, body: buf[1..].to_vec() });
        };
        let sk = lay.check(buf)?;
        let mut f = Fields {
            buf,
            fixed: Reader::with_base(Layer::Sccp, &buf[sk.fixed.0..sk.fixed.1], sk.fixed.0),
            sk,
            next_var: 0,
            layout: lay,
            variant,
        };
        Self::parse_fields(mt, &mut f).map_err(|e| e.message(lay.name))
    }

    /// A well-formed UDT (message type at 0) in the canonical layout, as
    /// `Layout::check_fast` and `parse_fields` would read it, with both
    /// addresses accepted by `Address::parse_fast`; `None` for anything else.
    ///
    /// UDT: type, protocol class, three one-octet pointers (at 2, 3, 4), then
    /// called, calling and data, each a length octet and its contents, the
    /// called party at 5. A pointer counts from itself, so the canonical layout
    /// is: pointer 1 is 3, each next pointer lands right after the previous
    /// part, and the data ends the message.
    #[inline(always)]
    fn parse_udt(buf: &[u8], variant: Variant) -> Option<Udt> {
        let &[_, class, p1, p2, p3, l1, ..] = buf else { return None };
        if p1 != 3 {
            return None;
        }
        let calling_at = 6 + usize::from(l1);
        let data_at = calling_at + 1 + usize::from(*buf.get(calling_at)?);
        if 3 + usize::from(p2) != calling_at || 4 + usize::from(p3) != data_at {
            return None;
        }
        let data = buf.get(data_at + 1..)?;
        if data.len() != usize::from(*buf.get(data_at)?) {
            return None;
        }
        let called = buf.get(6..calling_at)?;
        let calling = buf.get(calling_at + 1..data_at)?;
        Some(Udt {
            protocol_class: ProtocolClass::from_octet(class),
            called_party: Address::parse_fast(called, variant)?,
            calling_party: Address::parse_fast(calling, variant)?,
            data: data.to_vec(),
        })
    }

    fn parse_fields(mt: u8, f: &mut Fields<'_>) -> Result<Self> {
        Ok(match MessageType::from_u8(mt) {
            MessageType::Cr => Repr::Cr(Cr {
                source_local_reference: f.slr()?,
                protocol_class: f.protocol_class()?,
                called_party: f.address()?,
                optional: f.optional()?,
            }),
            MessageType::Cc => Repr::Cc(Cc {
                destination_local_reference: f.dlr()?,
                source_local_reference: f.slr()?,
                protocol_class: f.protocol_class()?,
                optional: f.optional()?,
            }),
            MessageType::Cref => Repr::Cref(Cref {
                destination_local_reference: f.dlr()?,
                refusal_cause: f.u8("refusal cause")?,
                optional: f.optional()?,
            }),
            MessageType::Rlsd => Repr::Rlsd(Rlsd {
                destination_local_reference: f.dlr()?,
                source_local_reference: f.slr()?,
                release_cause: f.u8("release cause")?,
                optional: f.optional()?,
            }),
            MessageType::Rlc => Repr::Rlc(References {
                destination_local_reference: f.dlr()?,
                source_local_reference: f.slr()?,
            }),
            MessageType::Rsc => Repr::Rsc(References {
                destination_local_reference: f.dlr()?,
                source_local_reference: f.slr()?,
            }),
            MessageType::Dt1 => Repr::Dt1(Dt1 {
                destination_local_reference: f.dlr()?,
                segmenting_reassembling: f.u8("segmenting/reassembling")?,
                data: f.data(),
            }),
            MessageType::Dt2 => Repr::Dt2(Dt2 {
                destination_local_reference: f.dlr()?,
                sequencing_segmenting: f.seq_seg()?,
                data: f.data(),
            }),
            MessageType::Ak => Repr::Ak(Ak {
                destination_local_reference: f.dlr()?,
                receive_sequence_number: f.u8("receive sequence number")?,
                credit: f.u8("credit")?,
            }),
            MessageType::Udt => Repr::Udt(Udt {
                protocol_class: f.protocol_class()?,
                called_party: f.address()?,
                calling_party: f.address()?,
                data: f.data(),
            }),
            MessageType::Udts => Repr::Udts(Udts {
                return_cause: ReturnCause::from_u8(f.u8("return cause")?),
                called_party: f.address()?,
                calling_party: f.address()?,
                data: f.data(),
            }),
            MessageType::Ed => Repr::Ed(Ed { destination_local_reference: f.dlr()?, data: f.data() }),
            MessageType::Ea => Repr::Ea(Ea { destination_local_reference: f.dlr()? }),
            MessageType::Rsr => Repr::Rsr(Rsr {
                destination_local_reference: f.dlr()?,
                source_local_reference: f.slr()?,
                reset_cause: f.u8("reset cause")?,
            }),
            MessageType::Err => {
                Repr::Err(ErrMsg { destination_local_reference: f.dlr()?, error_cause: f.u8("error cause")? })
            }
            MessageType::It => Repr::It(It {
                destination_local_reference: f.dlr()?,
                source_local_reference: f.slr()?,
                protocol_class: f.protocol_class()?,
                sequencing_segmenting: f.seq_seg()?,
                credit: f.u8("credit")?,
            }),
            MessageType::Xudt | MessageType::Ludt => {
                let m = Xudt {
                    protocol_class: f.protocol_class()?,
                    hop_counter: f.u8("hop counter")?,
                    called_party: f.address()?,
                    calling_party: f.address()?,
                    data: f.data(),
                    optional: f.optional()?,
                };
                if mt == 0x11 {
                    Repr::Xudt(m)
                } else {
                    Repr::Ludt(m)
                }
            }
            MessageType::Xudts | MessageType::Ludts => {
                let m = Xudts {
                    return_cause: ReturnCause::from_u8(f.u8("return cause")?),
                    hop_counter: f.u8("hop counter")?,
                    called_party: f.address()?,
                    calling_party: f.address()?,
                    data: f.data(),
                    optional: f.optional()?,
                };
                if mt == 0x12 {
                    Repr::Xudts(m)
                } else {
                    Repr::Ludts(m)
                }
            }
            MessageType::Unknown(_) => unknown_type_error(mt)?,
        })
    }

    fn fill(&self, p: &mut Parts) -> Result<()> {
        const CALLED: &str = "called party address";
        const CALLING: &str = "calling party address";
        match self {
            Repr::Cr(m) => {
                p.slr(m.source_local_reference)?;
                p.protocol_class(m.protocol_class)?;
                p.address(&m.called_party, CALLED)?;
                p.optional(&m.optional)?;
            }
            Repr::Cc(m) => {
                p.dlr(m.destination_local_reference)?;
                p.slr(m.source_local_reference)?;
                p.protocol_class(m.protocol_class)?;
                p.optional(&m.optional)?;
            }
            Repr::Cref(m) => {
                p.dlr(m.destination_local_reference)?;
                p.u8(m.refusal_cause);
                p.optional(&m.optional)?;
            }
            Repr::Rlsd(m) => {
                p.dlr(m.destination_local_reference)?;
                p.slr(m.source_local_reference)?;
                p.u8(m.release_cause);
                p.optional(&m.optional)?;
            }
            Repr::Rlc(m) | Repr::Rsc(m) => {
                p.dlr(m.destination_local_reference)?;
                p.slr(m.source_local_reference)?;
            }
            Repr::Dt1(m) => {
                p.dlr(m.destination_local_reference)?;
                p.u8(m.segmenting_reassembling);
                p.data(&m.data);
            }
            Repr::Dt2(m) => {
                p.dlr(m.destination_local_reference)?;
                p.seq_seg(&m.sequencing_segmenting)?;
                p.data(&m.data);
            }
            Repr::Ak(m) => {
                p.dlr(m.destination_local_reference)?;
                p.u8(m.receive_sequence_number);
                p.u8(m.credit);
            }
            Repr::Udt(m) => {
                p.protocol_class(m.protocol_class)?;
                p.address(&m.called_party, CALLED)?;
                p.address(&m.calling_party, CALLING)?;
                p.data(&m.data);
            }
            Repr::Udts(m) => {
                p.u8(m.return_cause.encode()?);
                p.address(&m.called_party, CALLED)?;
                p.address(&m.calling_party, CALLING)?;
                p.data(&m.data);
            }
            Repr::Ed(m) => {
                p.dlr(m.destination_local_reference)?;
                p.data(&m.data);
            }
            Repr::Ea(m) => p.dlr(m.destination_local_reference)?,
            Repr::Rsr(m) => {
                p.dlr(m.destination_local_reference)?;
                p.slr(m.source_local_reference)?;
                p.u8(m.reset_cause);
            }
            Repr::Err(m) => {
                p.dlr(m.destination_local_reference)?;
                p.u8(m.error_cause);
            }
            Repr::It(m) => {
                p.dlr(m.destination_local_reference)?;
                p.slr(m.source_local_reference)?;
                p.protocol_class(m.protocol_class)?;
                p.seq_seg(&m.sequencing_segmenting)?;
                p.u8(m.credit);
            }
            Repr::Xudt(m) | Repr::Ludt(m) => {
                p.protocol_class(m.protocol_class)?;
                p.u8(m.hop_counter);
                p.address(&m.called_party, CALLED)?;
                p.address(&m.calling_party, CALLING)?;
                p.data(&m.data);
                p.optional(&m.optional)?;
            }
            Repr::Xudts(m) | Repr::Ludts(m) => {
                p.u8(m.return_cause.encode()?);
                p.u8(m.hop_counter);
                p.address(&m.called_party, CALLED)?;
                p.address(&m.calling_party, CALLING)?;
                p.data(&m.data);
                p.optional(&m.optional)?;
            }
            Repr::Unknown { .. } => {}
        }
        Ok(())
    }

    /// Append the encoded message to `out`.
    ///
    /// # Errors
    /// A value that does not fit its field (point code, digits, lengths,
    /// pointers), or an `Unknown` message whose type is known.
    pub fn emit(&self, variant: Variant, out: &mut Vec<u8>) -> Result<()> {
        // UDT, the everyday message: written straight into `out` (no parts
        // collected in scratch vectors first). Anything it refuses takes the
        // general path below, which writes the same octets or names the error.
        if let Repr::Udt(m) = self {
            let start = out.len();
            if Self::emit_udt(m, variant, out) {
                return Ok(());
            }
            out.truncate(start);
        }
        self.emit_general(variant, out)
    }

    /// [`emit`](Self::emit) for every message type: the parts collected,
    /// then laid out by `layout::assemble`.
    #[inline(never)]
    fn emit_general(&self, variant: Variant, out: &mut Vec<u8>) -> Result<()> {
        let mt = self.message_type().to_u8();
        let Some(lay) = layout(mt) else {
            if let Repr::Unknown { body, .. } = self {
                out.push(mt);
                out.extend_from_slice(body);
                return Ok(());
            }
            return unknown_type_error(mt);
        };
        if matches!(self, Repr::Unknown { .. }) {
            return Err(Error::new(
                Layer::Sccp,
                0,
                Reason::BadValue { value: u64::from(mt), expected: "an unknown message type in Unknown" },
            )
            .parameter("message type"));
        }
        let mut p = Parts { fixed: Vec::new(), vars: Vec::new(), optional: None, variant };
        self.fill(&mut p).map_err(|e| e.message(lay.name))?;
        let start = out.len();
        let r = layout::assemble(&lay, mt, &p.fixed, &p.vars, p.optional.as_deref(), out);
        if r.is_err() {
            // Leave `out` as it was: no half-written message.
            out.truncate(start);
        }
        r
    }

    /// At least the octets `emit_udt` writes for `m`.
    #[inline]
    fn udt_len_bound(m: &Udt) -> usize {
        8 + m.called_party.len_bound() + m.calling_party.len_bound() + m.data.len()
    }

    /// A UDT in its canonical layout (as `fill` + `layout::assemble` write
    /// it), each part written in place and its length octet or pointer
    /// patched after it; `false` (with `out` partly written: the caller
    /// truncates) for anything the general path would refuse.
    #[inline]
    fn emit_udt(m: &Udt, variant: Variant, out: &mut Vec<u8>) -> bool {
        let Ok(class) = m.protocol_class.to_octet() else { return false };
        let base = out.len();
        out.reserve(Self::udt_len_bound(m));
        // Type, class, pointer 1 (the called party's length octet is 3 past it),
        // pointers 2 and 3, the called party's length octet.
        out.extend_from_slice(&[0x09, class, 3, 0, 0, 0]);
        if m.called_party.emit(variant, out).is_err() {
            return false;
        }
        let calling_at = out.len() - base;
        out.push(0);
        if m.calling_party.emit(variant, out).is_err() {
            return false;
        }
        let data_at = out.len() - base;
        out.push(0);
        out.extend_from_slice(&m.data);
        let (l1, l2, l3) = (calling_at - 6, data_at - calling_at - 1, m.data.len());
        // Pointers count from their own octet (at 3 and 4).
        let (p2, p3) = (calling_at - 3, data_at - 4);
        let (Ok(l1), Ok(l2), Ok(l3), Ok(p2), Ok(p3)) =
            (u8::try_from(l1), u8::try_from(l2), u8::try_from(l3), u8::try_from(p2), u8::try_from(p3))
        else {
            return false;
        };
        let Some(b) = out.get_mut(base..) else { return false };
        b[3] = p2;
        b[4] = p3;
        b[5] = l1;
        b[calling_at] = l2;
        b[data_at] = l3;
        true
    }

    /// Octets `emit` writes (0 if it would fail).
    pub fn buffer_len(&self, variant: Variant) -> usize {
        self.to_bytes(variant).map_or(0, |b| b.len())
    }

    /// The encoded message.
    ///
    /// # Errors
    /// As [`Repr::emit`].
    pub fn to_bytes(&self, variant: Variant) -> Result<Vec<u8>> {
        // A UDT is sized once; others grow as they go.
        let mut v = match self {
            Repr::Udt(m) => Vec::with_capacity(Self::udt_len_bound(m)),
            _ => Vec::new(),
        };
        self.emit(variant, &mut v)?;
        Ok(v)
    }
}

fn unknown_type_error<T>(mt: u8) -> Result<T> {
    Err(Error::new(
        Layer::Sccp,
        0,
        Reason::BadValue { value: u64::from(mt), expected: "a known message type" },
    ))
}

/// A realistic instance of every message type, for corpora and round trips.
///
/// Point codes and numbers are made up but plausible: an SSP at 2-100-5
/// (ITU) / 245-16-1 (ANSI) querying an SCP behind an STP by global title.
pub fn examples(variant: Variant) -> Vec<(&'static str, Repr)> {
    let (ssp_pc, scp_pc) = match variant {
        Variant::Itu => (PointCode::itu(2, 100, 5), PointCode::itu(2, 110, 1)),
        Variant::Ansi => (PointCode::ansi(245, 16, 1), PointCode::ansi(245, 20, 3)),
    };
    // ITU: INAP (SSN 241) toward an E.164 GT; ANSI: AIN 0.2 toward the SCP by
    // TT 8 (a common "AIN/800" translation type), SSN 247 (a typical AIN SSN).
    let (scp_ssn, ssp_ssn) = match variant {
        Variant::Itu => (241, 241),
        Variant::Ansi => (247, 247),
    };
    let called_gt = match variant {
        Variant::Itu => GlobalTitle::TtNpEsNai {
            translation_type: 0,
            numbering_plan: numbering_plan::E164,
            nature_of_address: nature_of_address::INTERNATIONAL,
            digits: "18005551234".into(),
        },
        Variant::Ansi => GlobalTitle::Tt { translation_type: 8, digits: "8005551234".into() },
    };
    let called = Address::gt(variant, called_gt, Some(scp_ssn));
    let calling = Address::pc_ssn(variant, ssp_pc, ssp_ssn);
    let scp_addr = Address::pc_ssn(variant, scp_pc, scp_ssn);
    let calling_gt = Address {
        point_code: Some(ssp_pc),
        ..Address::gt(
            variant,
            GlobalTitle::TtNpEs {
                translation_type: 0,
                numbering_plan: numbering_plan::E164,
                digits: "19195550100".into(),
            },
            Some(ssp_ssn),
        )
    };
    // A TCAP Begin/Query with just a transaction id: short and valid.
    let tcap = match variant {
        Variant::Itu => vec![0x62, 0x06, 0x48, 0x04, 0x00, 0x00, 0x00, 0x01],
        Variant::Ansi => vec![0xe2, 0x06, 0xc7, 0x04, 0x00, 0x00, 0x00, 0x01],
    };
    let seg = Segmentation { first: true, class1: true, spare: 0, remaining: 1, local_reference: 0x00a1b2 };
    vec![
        (
            "udt",
            Repr::Udt(Udt {
                protocol_class: ProtocolClass::class1(true),
                called_party: called.clone(),
                calling_party: calling.clone(),
                data: tcap.clone(),
            }),
        ),
        (
            "udts",
            Repr::Udts(Udts {
                return_cause: ReturnCause::NoTranslationForAddress,
                called_party: calling.clone(),
                calling_party: called.clone(),
                data: tcap.clone(),
            }),
        ),
        (
            "xudt",
            Repr::Xudt(Xudt {
                protocol_class: ProtocolClass::class1(true),
                hop_counter: 15,
                called_party: called.clone(),
                calling_party: calling_gt.clone(),
                data: tcap.clone(),
                optional: vec![OptionalParameter::Segmentation(seg)],
            }),
        ),
        (
            "xudts",
            Repr::Xudts(Xudts {
                return_cause: ReturnCause::HopCounterViolation,
                hop_counter: 14,
                called_party: calling_gt.clone(),
                calling_party: called.clone(),
                data: tcap.clone(),
                optional: vec![],
            }),
        ),
        (
            "ludt",
            Repr::Ludt(Xudt {
                protocol_class: ProtocolClass::class0(false),
                hop_counter: 12,
                called_party: called.clone(),
                calling_party: calling.clone(),
                data: tcap.clone(),
                optional: vec![OptionalParameter::Segmentation(Segmentation { remaining: 0, ..seg })],
            }),
        ),
        (
            "ludts",
            Repr::Ludts(Xudts {
                return_cause: ReturnCause::SubsystemCongestion,
                hop_counter: 15,
                called_party: calling.clone(),
                calling_party: called.clone(),
                data: tcap.clone(),
                optional: vec![],
            }),
        ),
        (
            "cr",
            Repr::Cr(Cr {
                source_local_reference: 0x000101,
                protocol_class: ProtocolClass::connection_oriented(2),
                called_party: scp_addr.clone(),
                optional: vec![
                    OptionalParameter::CallingPartyAddress(calling.clone()),
                    OptionalParameter::Data(tcap.clone()),
                ],
            }),
        ),
        (
            "cc",
            Repr::Cc(Cc {
                destination_local_reference: 0x000101,
                source_local_reference: 0x020304,
                protocol_class: ProtocolClass::connection_oriented(2),
                optional: vec![],
            }),
        ),
        (
            "cref",
            Repr::Cref(Cref {
                destination_local_reference: 0x000101,
                // Q.713 §3.15: 0x05 destination inaccessible.
                refusal_cause: 0x05,
                optional: vec![OptionalParameter::CalledPartyAddress(scp_addr.clone())],
            }),
        ),
        (
            "rlsd",
            Repr::Rlsd(Rlsd {
                destination_local_reference: 0x020304,
                source_local_reference: 0x000101,
                // 0x00: end user originated.
                release_cause: 0x00,
                optional: vec![],
            }),
        ),
        (
            "rlc",
            Repr::Rlc(References { destination_local_reference: 0x000101, source_local_reference: 0x020304 }),
        ),
        (
            "dt1",
            Repr::Dt1(Dt1 {
                destination_local_reference: 0x020304,
                segmenting_reassembling: 0,
                data: tcap.clone(),
            }),
        ),
        (
            "dt2",
            Repr::Dt2(Dt2 {
                destination_local_reference: 0x020304,
                sequencing_segmenting: SequencingSegmenting {
                    send: 3,
                    receive: 2,
                    more: false,
                    spare: false,
                },
                data: tcap.clone(),
            }),
        ),
        (
            "ak",
            Repr::Ak(Ak {
                destination_local_reference: 0x020304,
                receive_sequence_number: 4 << 1,
                credit: 8,
            }),
        ),
        ("ed", Repr::Ed(Ed { destination_local_reference: 0x020304, data: tcap.clone() })),
        ("ea", Repr::Ea(Ea { destination_local_reference: 0x000101 })),
        (
            "rsr",
            Repr::Rsr(Rsr {
                destination_local_reference: 0x020304,
                source_local_reference: 0x000101,
                // Q.713 §3.13: 0x00 end user originated.
                reset_cause: 0x00,
            }),
        ),
        (
            "rsc",
            Repr::Rsc(References { destination_local_reference: 0x000101, source_local_reference: 0x020304 }),
        ),
        // Q.713 §3.14: 0x01 LRN mismatch, inconsistent source LRN.
        ("err", Repr::Err(ErrMsg { destination_local_reference: 0x020304, error_cause: 0x01 })),
        (
            "it",
            Repr::It(It {
                destination_local_reference: 0x020304,
                source_local_reference: 0x000101,
                protocol_class: ProtocolClass::connection_oriented(3),
                sequencing_segmenting: SequencingSegmenting {
                    send: 5,
                    receive: 4,
                    more: false,
                    spare: false,
                },
                credit: 8,
            }),
        ),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
