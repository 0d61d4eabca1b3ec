//! SCCP fixed-length parameters and the optional part (Q.713 §3, T1.112.3 §3).
//!
//! Every octet value is representable: spare bits are kept in the repr so
//! `emit(parse(b)) == b` holds for any input.

use crate::error::{Error, Layer, Reason, Result};
use crate::variant::Variant;

use super::address::Address;

/// Parameter name codes (Q.713 §3, Table 2).
pub mod code {
    pub const END_OF_OPTIONAL: u8 = 0x00;
    pub const DESTINATION_LOCAL_REFERENCE: u8 = 0x01;
    pub const SOURCE_LOCAL_REFERENCE: u8 = 0x02;
    pub const CALLED_PARTY_ADDRESS: u8 = 0x03;
    pub const CALLING_PARTY_ADDRESS: u8 = 0x04;
    pub const PROTOCOL_CLASS: u8 = 0x05;
    pub const SEGMENTING_REASSEMBLING: u8 = 0x06;
    pub const RECEIVE_SEQUENCE_NUMBER: u8 = 0x07;
    pub const SEQUENCING_SEGMENTING: u8 = 0x08;
    pub const CREDIT: u8 = 0x09;
    pub const RELEASE_CAUSE: u8 = 0x0a;
    pub const RETURN_CAUSE: u8 = 0x0b;
    pub const RESET_CAUSE: u8 = 0x0c;
    pub const ERROR_CAUSE: u8 = 0x0d;
    pub const REFUSAL_CAUSE: u8 = 0x0e;
    pub const DATA: u8 = 0x0f;
    pub const SEGMENTATION: u8 = 0x10;
    pub const HOP_COUNTER: u8 = 0x11;
    pub const IMPORTANCE: u8 = 0x12;
    pub const LONG_DATA: u8 = 0x13;
}

/// Protocol class octet (Q.713 §3.6): class in bits 1–4, message handling in
/// bits 5–8 (connectionless classes only; spare in classes 2 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ProtocolClass {
    /// Protocol class, 0–3 (bits 1–4; values 4–15 are kept as received).
    pub class: u8,
    /// Bit 8: return message on error (classes 0 and 1).
    pub return_on_error: bool,
    /// Bits 5–7: spare, normally 0, kept as received.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub spare: u8,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(v: &u8) -> bool {
    *v == 0
}

impl ProtocolClass {
    /// Class 0 (basic connectionless), with or without return on error.
    pub fn class0(return_on_error: bool) -> Self {
        ProtocolClass { class: 0, return_on_error, spare: 0 }
    }

    /// Class 1 (in-sequence connectionless), with or without return on error.
    pub fn class1(return_on_error: bool) -> Self {
        ProtocolClass { class: 1, return_on_error, spare: 0 }
    }

    /// Class 2 or 3 (connection-oriented).
    pub fn connection_oriented(class: u8) -> Self {
        ProtocolClass { class, return_on_error: false, spare: 0 }
    }

    /// Decode the octet.
    pub fn from_octet(b: u8) -> Self {
        ProtocolClass { class: b & 0x0f, return_on_error: b & 0x80 != 0, spare: (b >> 4) & 0x07 }
    }

    /// Encode the octet.
    ///
    /// # Errors
    /// `class` above 15 or `spare` above 7.
    pub fn to_octet(self) -> Result<u8> {
        if self.class > 0x0f {
            return Err(bad_value(u64::from(self.class), "protocol class 0..=15", "protocol class"));
        }
        if self.spare > 0x07 {
            return Err(bad_value(u64::from(self.spare), "spare bits 0..=7", "protocol class"));
        }
        Ok(self.class | self.spare << 4 | if self.return_on_error { 0x80 } else { 0 })
    }
}

pub(crate) fn bad_value(value: u64, expected: &'static str, param: &'static str) -> Error {
    Error::new(Layer::Sccp, 0, Reason::BadValue { value, expected }).parameter(param)
}

/// Return cause (Q.713 §3.12, T1.112.3 §3.12); unknown values kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnCause {
    /// 0: no translation for an address of such nature.
    NoTranslationForNature,
    /// 1: no translation for this specific address.
    NoTranslationForAddress,
    /// 2: subsystem congestion.
    SubsystemCongestion,
    /// 3: subsystem failure.
    SubsystemFailure,
    /// 4: unequipped user.
    UnequippedUser,
    /// 5: MTP failure (ANSI: network failure).
    MtpFailure,
    /// 6: network congestion.
    NetworkCongestion,
    /// 7: unqualified.
    Unqualified,
    /// 8: error in message transport.
    ErrorInMessageTransport,
    /// 9: error in local processing.
    ErrorInLocalProcessing,
    /// 10: destination cannot perform reassembly.
    DestinationCannotPerformReassembly,
    /// 11: SCCP failure.
    SccpFailure,
    /// 12: hop counter violation.
    HopCounterViolation,
    /// 13: segmentation not supported.
    SegmentationNotSupported,
    /// 14: segmentation failure.
    SegmentationFailure,
    /// Any other value (spare, national or ANSI-specific 0xf7–0xfe).
    Unknown(u8),
}

impl ReturnCause {
    const TABLE: [ReturnCause; 15] = [
        ReturnCause::NoTranslationForNature,
        ReturnCause::NoTranslationForAddress,
        ReturnCause::SubsystemCongestion,
        ReturnCause::SubsystemFailure,
        ReturnCause::UnequippedUser,
        ReturnCause::MtpFailure,
        ReturnCause::NetworkCongestion,
        ReturnCause::Unqualified,
        ReturnCause::ErrorInMessageTransport,
        ReturnCause::ErrorInLocalProcessing,
        ReturnCause::DestinationCannotPerformReassembly,
        ReturnCause::SccpFailure,
        ReturnCause::HopCounterViolation,
        ReturnCause::SegmentationNotSupported,
        ReturnCause::SegmentationFailure,
    ];

    /// Decode the octet.
    pub fn from_u8(v: u8) -> Self {
        Self::TABLE.get(usize::from(v)).copied().unwrap_or(ReturnCause::Unknown(v))
    }

    /// The octet value.
    pub fn to_u8(self) -> u8 {
        match self {
            ReturnCause::Unknown(v) => v,
            known => Self::TABLE.iter().position(|c| *c == known).map_or(0xff, |p| p as u8),
        }
    }

    /// The octet value, refusing `Unknown(n)` for an `n` that has a name
    /// (it would parse back as the named value).
    ///
    /// # Errors
    /// `Unknown` holding a known value.
    pub fn encode(self) -> Result<u8> {
        match self {
            ReturnCause::Unknown(v) if Self::from_u8(v) != self => {
                Err(bad_value(u64::from(v), "a value without a name in Unknown", "return cause"))
            }
            c => Ok(c.to_u8()),
        }
    }
}

/// Segmentation parameter (Q.713 §3.17), 4 octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Segmentation {
    /// Bit 8: first segment.
    pub first: bool,
    /// Bit 7: class of the original message (false = class 0, true = class 1).
    pub class1: bool,
    /// Bits 5–6: spare, kept as received.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub spare: u8,
    /// Bits 1–4: remaining segments (0–15).
    pub remaining: u8,
    /// Octets 2–4: segmentation local reference (first octet least significant).
    pub local_reference: u32,
}

impl Segmentation {
    fn decode(d: &[u8]) -> Option<Self> {
        let [b, r0, r1, r2] = *d else { return None };
        Some(Segmentation {
            first: b & 0x80 != 0,
            class1: b & 0x40 != 0,
            spare: (b >> 4) & 0x03,
            remaining: b & 0x0f,
            local_reference: u32::from(r0) | u32::from(r1) << 8 | u32::from(r2) << 16,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        if self.spare > 3 || self.remaining > 15 || self.local_reference > 0xff_ffff {
            return Err(bad_value(
                u64::from(self.local_reference),
                "spare 0..=3, remaining 0..=15, 24-bit reference",
                "segmentation",
            ));
        }
        let b = u8::from(self.first) << 7 | u8::from(self.class1) << 6 | self.spare << 4 | self.remaining;
        out.push(b);
        out.extend_from_slice(&self.local_reference.to_le_bytes()[..3]);
        Ok(())
    }
}

/// Sequencing/segmenting parameter (Q.713 §3.9), 2 octets: P(S), P(R), more data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SequencingSegmenting {
    /// Send sequence number P(S), 0–127 (octet 1 bits 2–8).
    pub send: u8,
    /// Receive sequence number P(R), 0–127 (octet 2 bits 2–8).
    pub receive: u8,
    /// More data indication M (octet 2 bit 1).
    pub more: bool,
    /// Octet 1 bit 1: spare, kept as received.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spare: bool,
}

impl SequencingSegmenting {
    pub(crate) fn decode(d: [u8; 2]) -> Self {
        SequencingSegmenting {
            send: d[0] >> 1,
            spare: d[0] & 1 != 0,
            receive: d[1] >> 1,
            more: d[1] & 1 != 0,
        }
    }

    pub(crate) fn encode(&self) -> Result<[u8; 2]> {
        if self.send > 127 || self.receive > 127 {
            return Err(bad_value(
                u64::from(self.send.max(self.receive)),
                "0..=127",
                "sequencing/segmenting",
            ));
        }
        Ok([self.send << 1 | u8::from(self.spare), self.receive << 1 | u8::from(self.more)])
    }
}

/// One parameter of the optional part, in the order received.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionalParameter {
    /// 0x03, in CC and CREF.
    CalledPartyAddress(Address),
    /// 0x04, in CR.
    CallingPartyAddress(Address),
    /// 0x09, one octet.
    Credit(u8),
    /// 0x0f, user data (raw).
    Data(#[serde(with = "crate::hexser")] Vec<u8>),
    /// 0x10, four octets.
    Segmentation(Segmentation),
    /// 0x11, one octet (1–15).
    HopCounter(u8),
    /// 0x12, one octet: importance in bits 1–3, bits 4–8 spare (kept).
    Importance(u8),
    /// Anything else, or a known code whose contents do not decode (kept raw).
    Unknown {
        code: u8,
        #[serde(with = "crate::hexser")]
        data: Vec<u8>,
    },
}

impl OptionalParameter {
    /// Decode one parameter; never fails (undecodable contents stay `Unknown`).
    pub(crate) fn decode(code: u8, data: &[u8], variant: Variant) -> Self {
        let unknown = || OptionalParameter::Unknown { code, data: data.to_vec() };
        match (code, data) {
            (code::CALLED_PARTY_ADDRESS, _) => Address::parse(data, variant)
                .map_or_else(|_| unknown(), OptionalParameter::CalledPartyAddress),
            (code::CALLING_PARTY_ADDRESS, _) => Address::parse(data, variant)
                .map_or_else(|_| unknown(), OptionalParameter::CallingPartyAddress),
            (code::CREDIT, [c]) => OptionalParameter::Credit(*c),
            (code::DATA, _) => OptionalParameter::Data(data.to_vec()),
            (code::SEGMENTATION, _) => {
                Segmentation::decode(data).map_or_else(unknown, OptionalParameter::Segmentation)
            }
            (code::HOP_COUNTER, [h]) => OptionalParameter::HopCounter(*h),
            (code::IMPORTANCE, [i]) => OptionalParameter::Importance(*i),
            _ => unknown(),
        }
    }

    /// The parameter name code.
    pub fn code(&self) -> u8 {
        match self {
            OptionalParameter::CalledPartyAddress(_) => code::CALLED_PARTY_ADDRESS,
            OptionalParameter::CallingPartyAddress(_) => code::CALLING_PARTY_ADDRESS,
            OptionalParameter::Credit(_) => code::CREDIT,
            OptionalParameter::Data(_) => code::DATA,
            OptionalParameter::Segmentation(_) => code::SEGMENTATION,
            OptionalParameter::HopCounter(_) => code::HOP_COUNTER,
            OptionalParameter::Importance(_) => code::IMPORTANCE,
            OptionalParameter::Unknown { code, .. } => *code,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            OptionalParameter::CalledPartyAddress(_) => "called party address",
            OptionalParameter::CallingPartyAddress(_) => "calling party address",
            OptionalParameter::Credit(_) => "credit",
            OptionalParameter::Data(_) => "data",
            OptionalParameter::Segmentation(_) => "segmentation",
            OptionalParameter::HopCounter(_) => "hop counter",
            OptionalParameter::Importance(_) => "importance",
            OptionalParameter::Unknown { .. } => "unknown optional parameter",
        }
    }

    /// Append the contents (without code and length).
    fn emit_value(&self, variant: Variant, out: &mut Vec<u8>) -> Result<()> {
        match self {
            OptionalParameter::CalledPartyAddress(a) | OptionalParameter::CallingPartyAddress(a) => {
                a.emit(variant, out)
            }
            OptionalParameter::Credit(v)
            | OptionalParameter::HopCounter(v)
            | OptionalParameter::Importance(v) => {
                out.push(*v);
                Ok(())
            }
            OptionalParameter::Data(d) => {
                out.extend_from_slice(d);
                Ok(())
            }
            OptionalParameter::Segmentation(s) => s.encode(out),
            OptionalParameter::Unknown { code, data } => {
                // An `Unknown` that would decode as a typed parameter would not
                // survive parse(emit(r)) == r; refuse it.
                if *code == code::END_OF_OPTIONAL
                    || !matches!(Self::decode(*code, data, variant), OptionalParameter::Unknown { .. })
                {
                    return Err(bad_value(
                        u64::from(*code),
                        "a code/contents that do not decode as a typed parameter",
                        "unknown optional parameter",
                    ));
                }
                out.extend_from_slice(data);
                Ok(())
            }
        }
    }
}

/// Emit the optional part with its end-of-optional octet.
pub(crate) fn emit_optional(params: &[OptionalParameter], variant: Variant, out: &mut Vec<u8>) -> Result<()> {
    for p in params {
        out.push(p.code());
        let len_at = out.len();
        out.push(0);
        p.emit_value(variant, out).map_err(|e| e.parameter(p.name()))?;
        let len = out.len() - len_at - 1;
        out[len_at] = u8::try_from(len)
            .map_err(|_| Error::new(Layer::Sccp, 0, Reason::TooLong { len, max: 255 }).parameter(p.name()))?;
    }
    out.push(code::END_OF_OPTIONAL);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn return_cause_table() {
        for v in 0..=255u8 {
            let c = ReturnCause::from_u8(v);
            assert_eq!(c.to_u8(), v);
            assert_eq!(c.encode().unwrap(), v);
        }
        assert_eq!(ReturnCause::from_u8(12), ReturnCause::HopCounterViolation);
        assert!(ReturnCause::Unknown(3).encode().is_err());
    }

    #[test]
    fn protocol_class_every_octet() {
        for b in 0..=255u8 {
            assert_eq!(ProtocolClass::from_octet(b).to_octet().unwrap(), b);
        }
        assert_eq!(ProtocolClass::class1(true).to_octet().unwrap(), 0x81);
    }

    #[test]
    fn segmentation_round_trip() {
        let s = Segmentation::decode(&[0xc3, 0x01, 0x02, 0x03]).unwrap();
        assert!(s.first && s.class1);
        assert_eq!(s.remaining, 3);
        assert_eq!(s.local_reference, 0x030201);
        let mut v = Vec::new();
        s.encode(&mut v).unwrap();
        assert_eq!(v, [0xc3, 0x01, 0x02, 0x03]);
    }
}
