//! Called and calling party addresses (Q.713 §3.4, T1.112.3 §3.4).
//!
//! Address indicator, one octet:
//!
//! | bit | ITU (Q.713 §3.4.1)          | ANSI (T1.112.3 §3.4.1)       |
//! |-----|-----------------------------|------------------------------|
//! | 8   | reserved for national use   | national indicator (1 = national) |
//! | 7   | routing indicator (1 = route on SSN, 0 = on GT) | same      |
//! | 3–6 | global title indicator      | global title indicator       |
//! | 2   | SSN indicator               | point code indicator         |
//! | 1   | point code indicator        | SSN indicator                |
//!
//! Then ITU: point code (2 octets, 14 bits, least significant first; the two
//! top bits are spare and must be 0), SSN, global title. ANSI: SSN, point code
//! (3 octets: member, cluster, network), global title.
//!
//! ANSI T1.112.3 §3.4.1: in an ANSI network, an address whose national
//! indicator (bit 8) is 0 is "coded according to international standards",
//! i.e. laid out as ITU (PC then SSN, 14-bit PC, ITU GTIs). We follow that, as
//! Wireshark does (it adds an expert note: unusual in ANSI networks). In ITU,
//! bit 8 is only kept; it does not change the layout.
//!
//! Global titles whose address signals are BCD (ITU GTI 1, 2, 3 and 4, ANSI
//! GTI 1 and 2 with a BCD encoding scheme) are decoded to a digit string;
//! anything else (spare GTI, encoding scheme 0, 3 or spare, a non-zero filler
//! nibble, a non-zero spare bit) is kept whole as [`GlobalTitle::Raw`].

use crate::error::{Error, Layer, Reason, Result};
use crate::isup::Digits;
use crate::reader::Reader;
use crate::variant::{PointCode, Variant};

/// Routing indicator (address indicator bit 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    /// 0: route on global title.
    GlobalTitle,
    /// 1: route on point code and subsystem number.
    PcSsn,
}

/// A global title, by form.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "form")]
pub enum GlobalTitle {
    /// GTI 0: no global title.
    #[default]
    None,
    /// ITU GTI 1: nature of address (7 bits) and odd/even, BCD digits.
    Nai { nature_of_address: u8, digits: Digits },
    /// ITU GTI 2 and ANSI GTI 2: translation type only. Every nibble is a
    /// digit (no odd/even indicator), so `digits` has an even length.
    Tt { translation_type: u8, digits: Digits },
    /// ITU GTI 3 and ANSI GTI 1: translation type, numbering plan and a BCD
    /// encoding scheme (1 = odd, 2 = even; set from the digit count).
    TtNpEs { translation_type: u8, numbering_plan: u8, digits: Digits },
    /// ITU GTI 4: translation type, numbering plan, BCD encoding scheme,
    /// nature of address.
    TtNpEsNai { translation_type: u8, numbering_plan: u8, nature_of_address: u8, digits: Digits },
    /// A global title this codec does not decode: every octet after the
    /// point code and SSN, kept as received.
    Raw {
        gti: u8,
        #[serde(with = "crate::hexser")]
        bytes: Vec<u8>,
    },
}

/// Numbering plan values (Q.713 §3.4.2.3.3).
pub mod numbering_plan {
    pub const UNKNOWN: u8 = 0;
    pub const E164: u8 = 1;
    pub const GENERIC: u8 = 2;
    pub const DATA_X121: u8 = 3;
    pub const TELEX_F69: u8 = 4;
    pub const MARITIME: u8 = 5;
    pub const LAND_MOBILE_E212: u8 = 6;
    pub const ISDN_MOBILE_E214: u8 = 7;
    pub const PRIVATE: u8 = 14;
}

/// Nature of address values (Q.713 §3.4.2.3.1).
pub mod nature_of_address {
    pub const UNKNOWN: u8 = 0;
    pub const SUBSCRIBER: u8 = 1;
    pub const NATIONAL_RESERVED: u8 = 2;
    pub const NATIONAL_SIGNIFICANT: u8 = 3;
    pub const INTERNATIONAL: u8 = 4;
}

impl GlobalTitle {
    /// True for GTI 0 (no global title).
    pub fn is_none(&self) -> bool {
        *self == GlobalTitle::None
    }

    /// The global title indicator this form is sent with.
    pub fn gti(&self, variant: Variant) -> u8 {
        match (self, variant) {
            (GlobalTitle::None, _) => 0,
            (GlobalTitle::Nai { .. }, _) => 1,
            (GlobalTitle::Tt { .. }, _) => 2,
            (GlobalTitle::TtNpEs { .. }, Variant::Itu) => 3,
            (GlobalTitle::TtNpEs { .. }, Variant::Ansi) => 1,
            (GlobalTitle::TtNpEsNai { .. }, _) => 4,
            (GlobalTitle::Raw { gti, .. }, _) => *gti,
        }
    }

    /// The address signals, when decoded.
    pub fn digits(&self) -> Option<&str> {
        match self {
            GlobalTitle::Nai { digits, .. }
            | GlobalTitle::Tt { digits, .. }
            | GlobalTitle::TtNpEs { digits, .. }
            | GlobalTitle::TtNpEsNai { digits, .. } => Some(digits.as_str()),
            GlobalTitle::None | GlobalTitle::Raw { .. } => None,
        }
    }

    /// The translation type, when the form has one.
    pub fn translation_type(&self) -> Option<u8> {
        match self {
            GlobalTitle::Tt { translation_type, .. }
            | GlobalTitle::TtNpEs { translation_type, .. }
            | GlobalTitle::TtNpEsNai { translation_type, .. } => Some(*translation_type),
            _ => None,
        }
    }

    /// Decode the GT octets for `gti`; never fails (falls back to `Raw`).
    #[inline]
    pub(crate) fn decode(gti: u8, b: &[u8], variant: Variant) -> Self {
        let raw = || GlobalTitle::Raw { gti, bytes: b.to_vec() };
        // BCD signals with the odd indicator: the filler nibble must be 0 and
        // there must be at least one digit, or the digits would not re-encode.
        let bcd = |sig: &[u8], odd: bool| -> Option<Digits> {
            if odd {
                let last = sig.last()?;
                if last >> 4 != 0 {
                    return None;
                }
            }
            Some(Digits::unpack(sig, odd))
        };
        let es_digits = |npes: u8, sig: &[u8]| -> Option<Digits> {
            match npes & 0x0f {
                1 => bcd(sig, true),
                2 => bcd(sig, false),
                _ => None,
            }
        };
        let decoded = match (variant, gti, b) {
            (_, 0, []) => Some(GlobalTitle::None),
            (Variant::Itu, 1, [oe_nai, sig @ ..]) => bcd(sig, oe_nai & 0x80 != 0)
                .map(|digits| GlobalTitle::Nai { nature_of_address: oe_nai & 0x7f, digits }),
            (_, 2, [tt, sig @ ..]) => {
                Some(GlobalTitle::Tt { translation_type: *tt, digits: Digits::unpack(sig, false) })
            }
            (Variant::Itu, 3, [tt, npes, sig @ ..]) | (Variant::Ansi, 1, [tt, npes, sig @ ..]) => {
                es_digits(*npes, sig).map(|digits| GlobalTitle::TtNpEs {
                    translation_type: *tt,
                    numbering_plan: npes >> 4,
                    digits,
                })
            }
            (Variant::Itu, 4, [tt, npes, nai, sig @ ..]) if nai & 0x80 == 0 => {
                es_digits(*npes, sig).map(|digits| GlobalTitle::TtNpEsNai {
                    translation_type: *tt,
                    numbering_plan: npes >> 4,
                    nature_of_address: *nai,
                    digits,
                })
            }
            _ => None,
        };
        decoded.unwrap_or_else(raw)
    }

    fn emit(&self, variant: Variant, out: &mut Vec<u8>) -> Result<()> {
        // Upper-case only: parse writes nibbles 10–15 as `A`–`F`, so a lower-case
        // digit would not survive parse(emit(r)) == r.
        // From the digits' bytes: no UTF-8 check per call (`Digits` derefs to
        // `str` through one); the `str` only to name a bad character.
        let pack = |d: &Digits, out: &mut Vec<u8>| -> Result<()> {
            let b = d.as_bytes();
            // Checked and packed in one pass into octets appended at once
            // (one push per octet was a capacity check each).
            let nibble = |c: u8| match c {
                b'0'..=b'9' => c - b'0',
                b'A'..=b'F' => c - b'A' + 10,
                _ => 0xff,
            };
            let start = out.len();
            out.resize(start + b.len().div_ceil(2), 0);
            let mut bad = 0u8;
            if let Some(dst) = out.get_mut(start..) {
                for (o, pair) in dst.iter_mut().zip(b.chunks(2)) {
                    let (lo, hi) = match *pair {
                        [lo, hi] => (nibble(lo), nibble(hi)),
                        [lo] => (nibble(lo), 0),
                        _ => (0, 0),
                    };
                    bad |= (lo | hi) & 0xf0;
                    *o = lo | hi << 4;
                }
            }
            if bad != 0 {
                out.truncate(start);
                let c = d.as_str().chars().find(|c| !matches!(c, '0'..='9' | 'A'..='F')).unwrap_or('?');
                return Err(
                    Error::new(Layer::Sccp, 0, Reason::BadDigit { digit: c }).parameter("global title")
                );
            }
            Ok(())
        };
        let es = |d: &Digits| if d.len() % 2 == 1 { 1 } else { 2 };
        let check = |ok: bool, value: u8, expected: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(Error::new(Layer::Sccp, 0, Reason::BadValue { value: u64::from(value), expected })
                    .parameter("global title"))
            }
        };
        match self {
            GlobalTitle::None => {}
            GlobalTitle::Nai { nature_of_address, digits } => {
                check(variant == Variant::Itu, 1, "GTI 1 with NAI is ITU only")?;
                check(*nature_of_address <= 0x7f, *nature_of_address, "nature of address 0..=127")?;
                out.push(nature_of_address | if digits.len() % 2 == 1 { 0x80 } else { 0 });
                pack(digits, out)?;
            }
            GlobalTitle::Tt { translation_type, digits } => {
                check(digits.len() % 2 == 0, 2, "an even number of digits (GTI 2 has no odd indicator)")?;
                out.push(*translation_type);
                pack(digits, out)?;
            }
            GlobalTitle::TtNpEs { translation_type, numbering_plan, digits } => {
                check(*numbering_plan <= 0x0f, *numbering_plan, "numbering plan 0..=15")?;
                out.push(*translation_type);
                out.push(numbering_plan << 4 | es(digits));
                pack(digits, out)?;
            }
            GlobalTitle::TtNpEsNai { translation_type, numbering_plan, nature_of_address, digits } => {
                check(variant == Variant::Itu, 4, "GTI 4 is ITU only")?;
                check(*numbering_plan <= 0x0f, *numbering_plan, "numbering plan 0..=15")?;
                check(*nature_of_address <= 0x7f, *nature_of_address, "nature of address 0..=127")?;
                out.push(*translation_type);
                out.push(numbering_plan << 4 | es(digits));
                out.push(*nature_of_address);
                pack(digits, out)?;
            }
            GlobalTitle::Raw { gti, bytes } => {
                check(*gti <= 0x0f, *gti, "GTI 0..=15")?;
                // A raw GT that decodes to a typed form would not survive
                // parse(emit(r)) == r.
                check(
                    matches!(Self::decode(*gti, bytes, variant), GlobalTitle::Raw { .. }),
                    *gti,
                    "raw GT bytes that do not decode as a typed global title",
                )?;
                out.extend_from_slice(bytes);
            }
        }
        Ok(())
    }
}

/// A called or calling party address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Address {
    /// Address indicator bit 8: ITU "reserved for national use", ANSI
    /// national indicator (1 = national address).
    pub national: bool,
    /// Address indicator bit 7.
    pub routing: Routing,
    /// Signalling point code, when the PC indicator is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_code: Option<PointCode>,
    /// Subsystem number, when the SSN indicator is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssn: Option<u8>,
    /// Global title (`None` form for GTI 0; may be left out of JSON).
    #[serde(default, skip_serializing_if = "GlobalTitle::is_none")]
    pub global_title: GlobalTitle,
}

impl Address {
    /// Route on PC+SSN, no global title.
    pub fn pc_ssn(variant: Variant, point_code: PointCode, ssn: u8) -> Self {
        Address {
            national: variant == Variant::Ansi,
            routing: Routing::PcSsn,
            point_code: Some(point_code),
            ssn: Some(ssn),
            global_title: GlobalTitle::None,
        }
    }

    /// Route on global title, with an SSN.
    pub fn gt(variant: Variant, global_title: GlobalTitle, ssn: Option<u8>) -> Self {
        Address {
            national: variant == Variant::Ansi,
            routing: Routing::GlobalTitle,
            point_code: None,
            ssn,
            global_title,
        }
    }

    /// Parse an address parameter's contents (after its length octet).
    /// Errors carry offsets relative to `b`; callers re-base them.
    ///
    /// # Errors
    /// Truncated fields, or an ITU point code with its spare bits set.
    pub fn parse(b: &[u8], variant: Variant) -> Result<Self> {
        match Self::parse_fast(b, variant) {
            Some(a) => Ok(a),
            None => Self::parse_slow(b, variant),
        }
    }

    /// [`parse`](Self::parse) with plain slice reads: `Some` exactly when
    /// `parse_slow` returns `Ok`, with the same address; `None` sends the
    /// caller to `parse_slow`, which names the error.
    #[inline]
    pub(crate) fn parse_fast(b: &[u8], variant: Variant) -> Option<Self> {
        let &ai = b.first()?;
        let variant = layout_variant(variant, ai & 0x80 != 0);
        let (pci, ssni) = match variant {
            Variant::Itu => (ai & 0x01 != 0, ai & 0x02 != 0),
            Variant::Ansi => (ai & 0x02 != 0, ai & 0x01 != 0),
        };
        let mut at = 1;
        let mut ssn = None;
        let mut point_code = None;
        if variant == Variant::Ansi && ssni {
            ssn = Some(*b.get(at)?);
            at += 1;
        }
        if pci {
            let pc = match variant {
                Variant::Itu => {
                    let &[lo, hi] = b.get(at..at + 2)? else { return None };
                    let v = u16::from_le_bytes([lo, hi]);
                    if v > 0x3fff {
                        return None;
                    }
                    at += 2;
                    u32::from(v)
                }
                Variant::Ansi => {
                    let &[m, c, n] = b.get(at..at + 3)? else { return None };
                    at += 3;
                    u32::from_le_bytes([m, c, n, 0])
                }
            };
            point_code = Some(PointCode(pc));
        }
        if variant == Variant::Itu && ssni {
            ssn = Some(*b.get(at)?);
            at += 1;
        }
        let global_title = GlobalTitle::decode((ai >> 2) & 0x0f, b.get(at..)?, variant);
        Some(Address {
            national: ai & 0x80 != 0,
            routing: if ai & 0x40 != 0 { Routing::PcSsn } else { Routing::GlobalTitle },
            point_code,
            ssn,
            global_title,
        })
    }

    /// The full [`parse`](Self::parse), naming any error.
    fn parse_slow(b: &[u8], variant: Variant) -> Result<Self> {
        let mut r = Reader::new(Layer::Sccp, b);
        let ai = r.u8().map_err(|e| e.parameter("address indicator"))?;
        let variant = layout_variant(variant, ai & 0x80 != 0);
        let (pci, ssni) = match variant {
            Variant::Itu => (ai & 0x01 != 0, ai & 0x02 != 0),
            Variant::Ansi => (ai & 0x02 != 0, ai & 0x01 != 0),
        };
        let gti = (ai >> 2) & 0x0f;
        let mut ssn = None;
        let mut point_code = None;
        if variant == Variant::Ansi && ssni {
            ssn = Some(r.u8().map_err(|e| e.parameter("subsystem number"))?);
        }
        if pci {
            let at = r.offset();
            let pc = match variant {
                Variant::Itu => {
                    let v = r.u16_le().map_err(|e| e.parameter("point code"))?;
                    // Q.713 §3.4.2.1: 14-bit code, the two top bits spare.
                    if v > 0x3fff {
                        return Err(Error::new(
                            Layer::Sccp,
                            at,
                            Reason::BadValue {
                                value: u64::from(v),
                                expected: "14-bit point code, spare bits 0",
                            },
                        )
                        .parameter("point code"));
                    }
                    u32::from(v)
                }
                Variant::Ansi => r.u24_le().map_err(|e| e.parameter("point code"))?,
            };
            point_code = Some(PointCode(pc));
        }
        if variant == Variant::Itu && ssni {
            ssn = Some(r.u8().map_err(|e| e.parameter("subsystem number"))?);
        }
        let global_title = GlobalTitle::decode(gti, r.take_rest(), variant);
        Ok(Address {
            national: ai & 0x80 != 0,
            routing: if ai & 0x40 != 0 { Routing::PcSsn } else { Routing::GlobalTitle },
            point_code,
            ssn,
            global_title,
        })
    }

    /// Octets `emit` writes.
    pub fn buffer_len(&self, variant: Variant) -> usize {
        let mut v = Vec::new();
        self.emit(variant, &mut v).map_or(0, |()| v.len())
    }

    /// An upper bound of the octets `emit` writes, without checking or
    /// packing anything (to size an output buffer).
    #[inline]
    pub(crate) fn len_bound(&self) -> usize {
        let gt = match &self.global_title {
            GlobalTitle::None => 0,
            GlobalTitle::Nai { digits, .. } | GlobalTitle::Tt { digits, .. } => 1 + digits.len().div_ceil(2),
            GlobalTitle::TtNpEs { digits, .. } => 2 + digits.len().div_ceil(2),
            GlobalTitle::TtNpEsNai { digits, .. } => 3 + digits.len().div_ceil(2),
            GlobalTitle::Raw { bytes, .. } => bytes.len(),
        };
        // Address indicator, SSN, point code (3 octets at most).
        5 + gt
    }

    /// Append the address contents (without the length octet).
    ///
    /// # Errors
    /// A point code too wide for the variant, a bad digit, or a global title
    /// form the variant does not have.
    pub fn emit(&self, variant: Variant, out: &mut Vec<u8>) -> Result<()> {
        let variant = layout_variant(variant, self.national);
        let gti = self.global_title.gti(variant);
        let (pci, ssni) = (self.point_code.is_some(), self.ssn.is_some());
        let (b1, b2) = match variant {
            Variant::Itu => (pci, ssni),
            Variant::Ansi => (ssni, pci),
        };
        let ai = u8::from(self.national) << 7
            | u8::from(self.routing == Routing::PcSsn) << 6
            | gti << 2
            | u8::from(b2) << 1
            | u8::from(b1);
        out.push(ai);
        if let (Variant::Ansi, Some(ssn)) = (variant, self.ssn) {
            out.push(ssn);
        }
        if let Some(pc) = self.point_code {
            if !pc.fits(variant) {
                return Err(Error::new(
                    Layer::Sccp,
                    0,
                    Reason::BadValue {
                        value: u64::from(pc.0),
                        expected: "a point code that fits the variant",
                    },
                )
                .parameter("point code"));
            }
            match variant {
                Variant::Itu => out.extend_from_slice(&(pc.0 as u16).to_le_bytes()),
                Variant::Ansi => out.extend_from_slice(&pc.0.to_le_bytes()[..3]),
            }
        }
        if let (Variant::Itu, Some(ssn)) = (variant, self.ssn) {
            out.push(ssn);
        }
        self.global_title.emit(variant, out)
    }
}

/// The variant whose layout an address follows: an ANSI address with the
/// national indicator clear is coded to ITU (international) rules.
#[inline]
pub fn layout_variant(variant: Variant, national: bool) -> Variant {
    match variant {
        Variant::Ansi if !national => Variant::Itu,
        v => v,
    }
}

/// A zero-copy view of an address parameter's contents, for routing (global
/// title translation) without a full parse.
#[derive(Debug, Clone, Copy)]
pub struct AddressView<'a> {
    buf: &'a [u8],
    variant: Variant,
}

impl<'a> AddressView<'a> {
    /// Check that the indicated PC and SSN are present.
    ///
    /// # Errors
    /// The address is shorter than its indicator says.
    #[inline]
    pub fn new_checked(buf: &'a [u8], variant: Variant) -> Result<Self> {
        let Some(&ai) = buf.first() else { return Err(Error::truncated(Layer::Sccp, 0, 1, 0)) };
        let v = AddressView { buf, variant: layout_variant(variant, ai & 0x80 != 0) };
        let need = v.gt_offset();
        if buf.len() < need {
            return Err(Error::truncated(Layer::Sccp, 0, need, buf.len()).parameter("address"));
        }
        Ok(v)
    }

    #[inline]
    fn ai(&self) -> u8 {
        self.buf[0]
    }

    #[inline]
    fn pci(&self) -> bool {
        match self.variant {
            Variant::Itu => self.ai() & 0x01 != 0,
            Variant::Ansi => self.ai() & 0x02 != 0,
        }
    }

    #[inline]
    fn ssni(&self) -> bool {
        match self.variant {
            Variant::Itu => self.ai() & 0x02 != 0,
            Variant::Ansi => self.ai() & 0x01 != 0,
        }
    }

    #[inline]
    fn pc_len(&self) -> usize {
        match self.variant {
            Variant::Itu => 2,
            Variant::Ansi => 3,
        }
    }

    #[inline]
    fn gt_offset(&self) -> usize {
        1 + usize::from(self.ssni()) + if self.pci() { self.pc_len() } else { 0 }
    }

    /// Routing indicator.
    #[inline]
    pub fn routing(&self) -> Routing {
        if self.ai() & 0x40 != 0 {
            Routing::PcSsn
        } else {
            Routing::GlobalTitle
        }
    }

    /// Global title indicator.
    #[inline]
    pub fn gti(&self) -> u8 {
        (self.ai() >> 2) & 0x0f
    }

    /// Subsystem number, if indicated.
    #[inline]
    pub fn ssn(&self) -> Option<u8> {
        if !self.ssni() {
            return None;
        }
        let at = match self.variant {
            Variant::Itu => 1 + if self.pci() { 2 } else { 0 },
            Variant::Ansi => 1,
        };
        self.buf.get(at).copied()
    }

    /// Point code, if indicated (ITU spare bits masked).
    #[inline]
    pub fn point_code(&self) -> Option<PointCode> {
        if !self.pci() {
            return None;
        }
        let at = match self.variant {
            Variant::Itu => 1,
            Variant::Ansi => 1 + usize::from(self.ssni()),
        };
        let b = self.buf.get(at..at + self.pc_len())?;
        Some(PointCode(match b {
            [lo, hi] => u32::from(u16::from_le_bytes([*lo, *hi]) & 0x3fff),
            [m, c, n] => u32::from(*m) | u32::from(*c) << 8 | u32::from(*n) << 16,
            _ => return None,
        }))
    }

    /// The global title octets (everything after PC and SSN).
    #[inline]
    pub fn global_title_bytes(&self) -> &'a [u8] {
        self.buf.get(self.gt_offset()..).unwrap_or(&[])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn itu_gti4_e164() {
        // RI=GT, GTI=4, SSN ind, no PC: 0x12; SSN 6; TT 0, NP 1 ES 1 (odd), NAI 4.
        let b = [0x12, 0x06, 0x00, 0x11, 0x04, 0x81, 0x00, 0x55, 0x15, 0x32, 0x04];
        let a = Address::parse(&b, Variant::Itu).unwrap();
        assert_eq!(a.ssn, Some(6));
        assert_eq!(a.point_code, None);
        assert_eq!(a.routing, Routing::GlobalTitle);
        assert_eq!(
            a.global_title,
            GlobalTitle::TtNpEsNai {
                translation_type: 0,
                numbering_plan: 1,
                nature_of_address: 4,
                digits: "18005551234".into()
            }
        );
        let mut v = Vec::new();
        a.emit(Variant::Itu, &mut v).unwrap();
        assert_eq!(v, b);
    }

    #[test]
    fn ansi_pc_ssn_order() {
        // ANSI: NI=1, RI=SSN, GTI 0, PC ind (bit 2), SSN ind (bit 1): 0xc3;
        // SSN 254 then PC member 3, cluster 2, network 1.
        let b = [0xc3, 0xfe, 0x03, 0x02, 0x01];
        let a = Address::parse(&b, Variant::Ansi).unwrap();
        assert_eq!(a, Address::pc_ssn(Variant::Ansi, PointCode::ansi(1, 2, 3), 254));
        let mut v = Vec::new();
        a.emit(Variant::Ansi, &mut v).unwrap();
        assert_eq!(v, b);
        let view = AddressView::new_checked(&b, Variant::Ansi).unwrap();
        assert_eq!(view.ssn(), Some(254));
        assert_eq!(view.point_code(), Some(PointCode::ansi(1, 2, 3)));
    }

    #[test]
    fn ansi_international_address_uses_itu_layout() {
        // ANSI, NI = 0: ITU layout. RI=SSN, PC+SSN (ITU bits): PC 4901, SSN 6.
        let b = [0x43, 0x25, 0x13, 0x06];
        let a = Address::parse(&b, Variant::Ansi).unwrap();
        assert!(!a.national);
        assert_eq!(a.point_code, Some(PointCode(4901)));
        assert_eq!(a.ssn, Some(6));
        let mut v = Vec::new();
        a.emit(Variant::Ansi, &mut v).unwrap();
        assert_eq!(v, b);
        let view = AddressView::new_checked(&b, Variant::Ansi).unwrap();
        assert_eq!(view.point_code(), Some(PointCode(4901)));
        assert_eq!(view.ssn(), Some(6));
    }

    #[test]
    fn odd_filler_nonzero_stays_raw() {
        let b = [0x0c, 0x00, 0x11, 0x21, 0xf3];
        let a = Address::parse(&b, Variant::Itu).unwrap();
        assert_eq!(a.global_title, GlobalTitle::Raw { gti: 3, bytes: vec![0x00, 0x11, 0x21, 0xf3] });
        let mut v = Vec::new();
        a.emit(Variant::Itu, &mut v).unwrap();
        assert_eq!(v, b);
    }

    #[test]
    fn itu_pc_spare_bits_refused() {
        let e = Address::parse(&[0x43, 0x01, 0xc0, 0x08], Variant::Itu).unwrap_err();
        assert_eq!(e.offset, 1);
    }

    #[test]
    fn raw_that_decodes_is_refused() {
        let a = Address {
            national: false,
            routing: Routing::GlobalTitle,
            point_code: None,
            ssn: None,
            global_title: GlobalTitle::Raw { gti: 2, bytes: vec![0, 0x21] },
        };
        assert!(a.emit(Variant::Itu, &mut Vec::new()).is_err());
    }
}
