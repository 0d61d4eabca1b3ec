//! MTP level 2 signal units (ITU-T Q.703 §2, ANSI T1.111.3 — the same basic
//! format): FISU, LSSU and MSU with their sequence numbers, indicator bits,
//! length indicator and frame check sequence.
//!
//! What it is: [`Mtp2Repr`] (owned) and [`Mtp2Packet`] (a zero-copy view) of
//! one signal unit between flags, after bit de-stuffing. An MSU's SIO + SIF
//! stay opaque bytes for [`crate::mtp3`].
//!
//! Two framings: [`Mtp2Repr::parse`] / [`Mtp2Repr::emit`] handle a unit as on
//! the link, with the 16-bit FCS at the end (checked on parse, appended on
//! emit); [`Mtp2Repr::parse_without_fcs`] / [`Mtp2Repr::emit_without_fcs`]
//! handle the unit without it, as most captures (pcap link type 140) store it.
//!
//! What it is not: no flag or bit-stuffing handling, no link state control
//! (alignment, error rate monitors, retransmission).
//!
//! The extended format of Q.703 Annex A (12-bit BSN/FSN, 9-bit LI, 6-octet
//! header) is supported through [`Mtp2Repr::extended`] and
//! [`Mtp2Repr::parse_with`]; the bytes cannot tell the formats apart, so the
//! caller says which one a link uses ([`Mtp2Format`]).
//!
//! Contract: `parse` never panics; `parse(emit(r)) == r` for every repr emit
//! accepts and `emit(parse(b)) == b` byte for byte. The two spare bits above
//! the length indicator (seven in the extended format, plus its six reserved
//! bits) and the spare bits of the status field are kept. The length
//! indicator is checked against the unit's length (Q.703 §2.3.3): LI equals
//! the octets after it, or 63 when there are 63 or more (basic format only).

use crate::error::{Error, Layer, Reason, Result};

/// Octets of the basic header: BSN/BIB, FSN/FIB, LI.
pub const HEADER_LEN: usize = 3;
/// Octets of the frame check sequence.
pub const FCS_LEN: usize = 2;
/// The largest length indicator value (Q.703 §2.3.3).
pub const LI_MAX: u8 = 63;
/// Octets of the extended header (Q.703 Annex A): BSN/BIB, FSN/FIB, LI, 2 each.
pub const EXTENDED_HEADER_LEN: usize = 6;
/// The largest extended length indicator (9 bits).
pub const EXTENDED_LI_MAX: u16 = 511;

/// The CRC-16 frame check sequence of Q.703 §2.2.6 (the HDLC / X.25 FCS:
/// initial value 0xFFFF, reflected polynomial 0x8408, ones complement).
/// It is transmitted low-order octet first.
pub fn fcs16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &b in data {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { crc >> 1 ^ 0x8408 } else { crc >> 1 };
        }
    }
    !crc
}

/// Checks the trailing FCS of `buf` and returns the signal unit without it.
///
/// # Errors
/// [`Reason::Truncated`] below 5 octets; [`Reason::BadFcs`] at the FCS offset.
pub fn check_fcs(buf: &[u8]) -> Result<&[u8]> {
    if buf.len() < HEADER_LEN + FCS_LEN {
        return Err(
            Error::truncated(Layer::Mtp2, 0, HEADER_LEN + FCS_LEN, buf.len()).parameter("signal unit")
        );
    }
    let (unit, fcs) = buf.split_at(buf.len() - FCS_LEN);
    let received = u16::from_le_bytes([fcs[0], fcs[1]]);
    let computed = fcs16(unit);
    if received != computed {
        return Err(
            Error::new(Layer::Mtp2, unit.len(), Reason::BadFcs { received, computed }).parameter("FCS")
        );
    }
    Ok(unit)
}

/// The status indication of an LSSU (Q.703 §11.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Status indication "O": out of alignment.
    Sio,
    /// Status indication "N": normal alignment.
    Sin,
    /// Status indication "E": emergency alignment.
    Sie,
    /// Status indication "OS": out of service.
    Sios,
    /// Status indication "PO": processor outage.
    Sipo,
    /// Status indication "B": busy (level 2 congestion).
    Sib,
    /// Any other status octet (undefined indication or non-zero spare bits),
    /// kept whole.
    Unknown(u8),
}

impl LinkStatus {
    /// Decodes a whole status octet.
    pub fn from_octet(b: u8) -> Self {
        match b {
            0 => LinkStatus::Sio,
            1 => LinkStatus::Sin,
            2 => LinkStatus::Sie,
            3 => LinkStatus::Sios,
            4 => LinkStatus::Sipo,
            5 => LinkStatus::Sib,
            other => LinkStatus::Unknown(other),
        }
    }

    /// The status octet.
    pub fn octet(self) -> u8 {
        match self {
            LinkStatus::Sio => 0,
            LinkStatus::Sin => 1,
            LinkStatus::Sie => 2,
            LinkStatus::Sios => 3,
            LinkStatus::Sipo => 4,
            LinkStatus::Sib => 5,
            LinkStatus::Unknown(b) => b,
        }
    }

    /// The acronym (`"SIOS"`), or `"unknown"`.
    pub fn name(self) -> &'static str {
        match self {
            LinkStatus::Sio => "SIO",
            LinkStatus::Sin => "SIN",
            LinkStatus::Sie => "SIE",
            LinkStatus::Sios => "SIOS",
            LinkStatus::Sipo => "SIPO",
            LinkStatus::Sib => "SIB",
            LinkStatus::Unknown(_) => "unknown",
        }
    }
}

/// What follows the header.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalUnit {
    /// Fill-in signal unit (LI = 0).
    Fisu,
    /// Link status signal unit (LI = 1 or 2).
    Lssu {
        /// The first status octet.
        status: LinkStatus,
        /// The second status octet of a two-octet status field (Q.703
        /// §2.2: its use is for further study; kept as received).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extra: Option<u8>,
    },
    /// Message signal unit (LI ≥ 3): SIO + SIF, opaque here.
    Msu {
        /// SIO and SIF: what [`crate::mtp3::Mtp3Repr::parse`] reads.
        #[serde(with = "crate::hexser", default, skip_serializing_if = "Vec::is_empty")]
        payload: Vec<u8>,
    },
}

/// Which kind of unit a length indicator announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitKind {
    /// LI = 0.
    Fisu,
    /// LI = 1 or 2.
    Lssu,
    /// LI ≥ 3.
    Msu,
}

/// Which header format and whether the FCS is present: what a capture or a
/// link configuration says, not something the bytes can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mtp2Format {
    /// The unit ends with its 2-octet FCS.
    pub fcs: bool,
    /// Q.703 Annex A extended sequence numbers (6-octet header).
    pub extended: bool,
}

/// One MTP2 signal unit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mtp2Repr {
    /// Q.703 Annex A format: 12-bit BSN/FSN, 9-bit LI, 6-octet header.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub extended: bool,
    /// Backward sequence number, 0–127 (extended: 0–4095).
    pub bsn: u16,
    /// Backward indicator bit.
    pub bib: bool,
    /// Forward sequence number, 0–127 (extended: 0–4095).
    pub fsn: u16,
    /// Forward indicator bit.
    pub fib: bool,
    /// The spare bits above the length indicator, kept as received: 2 bits
    /// (0–3) in the basic format, 7 bits (0–127) in the extended one.
    pub spare: u8,
    /// Extended format only: the 3 spare bits between BSN and BIB (bits
    /// 0–2 here) and between FSN and FIB (bits 3–5), kept as received.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reserved: u8,
    /// FISU, LSSU or MSU.
    pub unit: SignalUnit,
}

fn is_zero(v: &u8) -> bool {
    *v == 0
}

impl Mtp2Repr {
    /// Parses a basic-format signal unit that ends with its FCS, checking the FCS.
    ///
    /// # Errors
    /// [`Reason::BadFcs`], and everything [`Mtp2Repr::parse_without_fcs`] returns.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        Self::parse_with(buf, Mtp2Format { fcs: true, extended: false })
    }

    /// Parses a basic-format signal unit without an FCS (pcap link type 140).
    ///
    /// # Errors
    /// [`Reason::Truncated`] below 3 octets; [`Reason::BadLength`] or
    /// [`Reason::Trailing`] when the length indicator does not match the
    /// length (Q.703 §2.3.3).
    pub fn parse_without_fcs(buf: &[u8]) -> Result<Self> {
        Self::parse_with(buf, Mtp2Format::default())
    }

    /// Parses a signal unit in the given format.
    ///
    /// # Errors
    /// [`Reason::BadFcs`] (with `fcs`), [`Reason::Truncated`],
    /// [`Reason::BadLength`] or [`Reason::Trailing`].
    pub fn parse_with(buf: &[u8], format: Mtp2Format) -> Result<Self> {
        let unit_bytes = if format.fcs { check_fcs(buf)? } else { buf };
        let p = if format.extended {
            Mtp2Packet::new_checked_extended(unit_bytes)?
        } else {
            Mtp2Packet::new_checked(unit_bytes)?
        };
        let rest = p.payload();
        let unit = match p.kind() {
            UnitKind::Fisu => SignalUnit::Fisu,
            UnitKind::Lssu => match rest {
                [s] => SignalUnit::Lssu { status: LinkStatus::from_octet(*s), extra: None },
                [s, x] => SignalUnit::Lssu { status: LinkStatus::from_octet(*s), extra: Some(*x) },
                // check_len guarantees rest.len() == LI here.
                _ => return Err(Error::other(Layer::Mtp2, p.header_len(), "LSSU status field length")),
            },
            UnitKind::Msu => SignalUnit::Msu { payload: rest.to_vec() },
        };
        Ok(Mtp2Repr {
            extended: format.extended,
            bsn: p.bsn(),
            bib: p.bib(),
            fsn: p.fsn(),
            fib: p.fib(),
            spare: p.spare(),
            reserved: p.reserved(),
            unit,
        })
    }

    /// The length indicator `emit` writes.
    pub fn li(&self) -> u16 {
        match &self.unit {
            SignalUnit::Fisu => 0,
            SignalUnit::Lssu { extra, .. } => 1 + u16::from(extra.is_some()),
            SignalUnit::Msu { payload } if self.extended => u16::try_from(payload.len()).unwrap_or(u16::MAX),
            SignalUnit::Msu { payload } => {
                u16::try_from(payload.len()).unwrap_or(u16::MAX).min(LI_MAX.into())
            }
        }
    }

    /// Octets after the header.
    fn body_len(&self) -> usize {
        match &self.unit {
            SignalUnit::Fisu => 0,
            SignalUnit::Lssu { extra, .. } => 1 + usize::from(extra.is_some()),
            SignalUnit::Msu { payload } => payload.len(),
        }
    }

    /// Octets of the header in this repr's format.
    pub fn header_len(&self) -> usize {
        if self.extended {
            EXTENDED_HEADER_LEN
        } else {
            HEADER_LEN
        }
    }

    /// Octets `emit` writes (FCS included).
    pub fn buffer_len(&self) -> usize {
        self.buffer_len_without_fcs() + FCS_LEN
    }

    /// Octets `emit_without_fcs` writes.
    pub fn buffer_len_without_fcs(&self) -> usize {
        self.header_len() + self.body_len()
    }

    /// Appends the signal unit and its FCS.
    ///
    /// # Errors
    /// As [`Mtp2Repr::emit_without_fcs`].
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        self.emit_without_fcs(out)?;
        let fcs = fcs16(&out[start..]);
        out.extend_from_slice(&fcs.to_le_bytes());
        Ok(())
    }

    /// Appends the signal unit without an FCS.
    ///
    /// # Errors
    /// [`Reason::BadValue`] for BSN/FSN above 127 (extended: 4095), spare
    /// above 3 (extended: 127), reserved bits in the basic format or above 63,
    /// an `Unknown` status that is really a known one, or an MSU payload
    /// shorter than 3 octets (SIO + the 2-octet minimum SIF, Q.703 §2.3.3);
    /// [`Reason::TooLong`] for an extended MSU over 511 octets (9-bit LI).
    pub fn emit_without_fcs(&self, out: &mut Vec<u8>) -> Result<()> {
        let bad = |param: &'static str, at: usize, value: u64, expected: &'static str| {
            Err(Error::new(Layer::Mtp2, at, Reason::BadValue { value, expected }).parameter(param))
        };
        let (sn_max, spare_max, res_max) = if self.extended { (4095, 127, 63) } else { (127, 3, 0) };
        let (sn_exp, spare_exp, res_exp) = if self.extended {
            ("0..=4095", "0..=127", "0..=63")
        } else {
            ("0..=127", "0..=3", "0 (basic format has no reserved bits)")
        };
        if self.bsn > sn_max {
            return bad("BSN", 0, self.bsn.into(), sn_exp);
        }
        if self.fsn > sn_max {
            return bad("FSN", 1, self.fsn.into(), sn_exp);
        }
        if self.spare > spare_max {
            return bad("spare", 2, self.spare.into(), spare_exp);
        }
        if self.reserved > res_max {
            return bad("reserved", 0, self.reserved.into(), res_exp);
        }
        let hl = self.header_len();
        match &self.unit {
            SignalUnit::Lssu { status: LinkStatus::Unknown(b), .. } if *b <= 5 => {
                return bad("status", hl, (*b).into(), "an undefined status octet (6..=255) in Unknown");
            }
            SignalUnit::Msu { payload } if payload.len() < 3 => {
                return bad("MSU", hl, payload.len() as u64, "SIO + SIF of at least 3 octets");
            }
            SignalUnit::Msu { payload } if self.extended && payload.len() > EXTENDED_LI_MAX.into() => {
                return Err(Error::new(
                    Layer::Mtp2,
                    hl,
                    Reason::TooLong { len: payload.len(), max: EXTENDED_LI_MAX.into() },
                )
                .parameter("MSU"));
            }
            _ => {}
        }
        if self.extended {
            let r = u16::from(self.reserved);
            let bsn = self.bsn | (r & 7) << 12 | u16::from(self.bib) << 15;
            let fsn = self.fsn | (r >> 3 & 7) << 12 | u16::from(self.fib) << 15;
            let li = self.li() | u16::from(self.spare) << 9;
            out.extend_from_slice(&bsn.to_le_bytes());
            out.extend_from_slice(&fsn.to_le_bytes());
            out.extend_from_slice(&li.to_le_bytes());
        } else {
            // Values were range-checked above.
            out.push(self.bsn as u8 | u8::from(self.bib) << 7);
            out.push(self.fsn as u8 | u8::from(self.fib) << 7);
            out.push(self.li() as u8 | self.spare << 6);
        }
        match &self.unit {
            SignalUnit::Fisu => {}
            SignalUnit::Lssu { status, extra } => {
                out.push(status.octet());
                out.extend(extra.iter());
            }
            SignalUnit::Msu { payload } => out.extend_from_slice(payload),
        }
        Ok(())
    }

    /// Emits with the FCS into a new vector.
    ///
    /// # Errors
    /// As [`Mtp2Repr::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = Vec::with_capacity(self.buffer_len());
        self.emit(&mut v)?;
        Ok(v)
    }

    /// Emits without the FCS into a new vector.
    ///
    /// # Errors
    /// As [`Mtp2Repr::emit_without_fcs`].
    pub fn to_bytes_without_fcs(&self) -> Result<Vec<u8>> {
        let mut v = Vec::with_capacity(self.buffer_len_without_fcs());
        self.emit_without_fcs(&mut v)?;
        Ok(v)
    }
}

/// A zero-copy view over one signal unit without its FCS (use [`check_fcs`]
/// first for a unit as on the link), basic or extended format.
#[derive(Debug, Clone)]
pub struct Mtp2Packet<T: AsRef<[u8]>> {
    buffer: T,
    extended: bool,
}

impl<T: AsRef<[u8]>> Mtp2Packet<T> {
    /// Wraps a basic-format unit without checking it; accessors may panic on
    /// a short buffer.
    pub fn new_unchecked(buffer: T) -> Self {
        Mtp2Packet { buffer, extended: false }
    }

    /// Wraps a basic-format unit after checking the header is there and the
    /// length indicator agrees with the length (Q.703 §2.3.3).
    ///
    /// # Errors
    /// [`Reason::Truncated`], [`Reason::BadLength`] or [`Reason::Trailing`].
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Wraps an extended-format unit (Q.703 Annex A) after checking it; the
    /// LI must equal the octets after the header.
    ///
    /// # Errors
    /// As [`Mtp2Packet::new_checked`].
    pub fn new_checked_extended(buffer: T) -> Result<Self> {
        let p = Mtp2Packet { buffer, extended: true };
        p.check_len()?;
        Ok(p)
    }

    /// Octets of the header: 3, or 6 in the extended format.
    pub fn header_len(&self) -> usize {
        if self.extended {
            EXTENDED_HEADER_LEN
        } else {
            HEADER_LEN
        }
    }

    /// Checks the header length and the length indicator.
    ///
    /// # Errors
    /// As [`Mtp2Packet::new_checked`].
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        let hl = self.header_len();
        if len < hl {
            return Err(Error::truncated(Layer::Mtp2, 0, hl, len).parameter("header"));
        }
        let li = usize::from(self.li());
        let body = len - hl;
        let li_at = hl - if self.extended { 2 } else { 1 };
        let li_err = |e: Error| Err(e.parameter("length indicator"));
        if body < li {
            return li_err(Error::new(
                Layer::Mtp2,
                li_at,
                Reason::BadLength { declared: li, available: body },
            ));
        }
        // Q.703 §2.3.3: LI = 63 for an MSU whose SIF is 62 octets or more;
        // in the extended format (Annex A) the LI is the exact length.
        if body > li && (self.extended || li != usize::from(LI_MAX)) {
            return li_err(Error::new(Layer::Mtp2, hl + li, Reason::Trailing { count: body - li }));
        }
        Ok(())
    }

    /// Whether this view reads the extended format.
    pub fn is_extended(&self) -> bool {
        self.extended
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn word(&self, at: usize) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_le_bytes([b[at], b[at + 1]])
    }

    /// Backward sequence number.
    pub fn bsn(&self) -> u16 {
        if self.extended {
            self.word(0) & 0x0fff
        } else {
            u16::from(self.buffer.as_ref()[0] & 0x7f)
        }
    }

    /// Backward indicator bit.
    pub fn bib(&self) -> bool {
        let at = if self.extended { 1 } else { 0 };
        self.buffer.as_ref()[at] & 0x80 != 0
    }

    /// Forward sequence number.
    pub fn fsn(&self) -> u16 {
        if self.extended {
            self.word(2) & 0x0fff
        } else {
            u16::from(self.buffer.as_ref()[1] & 0x7f)
        }
    }

    /// Forward indicator bit.
    pub fn fib(&self) -> bool {
        let at = if self.extended { 3 } else { 1 };
        self.buffer.as_ref()[at] & 0x80 != 0
    }

    /// Length indicator (6 bits; extended 9 bits).
    pub fn li(&self) -> u16 {
        if self.extended {
            self.word(4) & 0x01ff
        } else {
            u16::from(self.buffer.as_ref()[2] & 0x3f)
        }
    }

    /// The spare bits above the LI (2 bits; extended 7 bits).
    pub fn spare(&self) -> u8 {
        if self.extended {
            (self.word(4) >> 9) as u8
        } else {
            self.buffer.as_ref()[2] >> 6
        }
    }

    /// Extended format: the reserved bits of the BSN word (bits 0–2) and of
    /// the FSN word (bits 3–5); 0 in the basic format.
    pub fn reserved(&self) -> u8 {
        if self.extended {
            (self.word(0) >> 12 & 7 | (self.word(2) >> 12 & 7) << 3) as u8
        } else {
            0
        }
    }

    /// FISU, LSSU or MSU, from the LI.
    pub fn kind(&self) -> UnitKind {
        match self.li() {
            0 => UnitKind::Fisu,
            1 | 2 => UnitKind::Lssu,
            _ => UnitKind::Msu,
        }
    }

    /// The octets after the header: status field, or SIO + SIF.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Mtp2Packet<T> {
    fn set_bits(&mut self, at: usize, mask: u16, value: u16) {
        let b = self.buffer.as_mut();
        let w = (u16::from_le_bytes([b[at], b[at + 1]]) & !mask) | (value & mask);
        b[at..at + 2].copy_from_slice(&w.to_le_bytes());
    }

    /// Sets the BSN (low 7 bits used; extended 12 bits).
    pub fn set_bsn(&mut self, bsn: u16) {
        if self.extended {
            self.set_bits(0, 0x0fff, bsn);
        } else {
            let b = self.buffer.as_mut();
            b[0] = (b[0] & 0x80) | (bsn as u8 & 0x7f);
        }
    }

    /// Sets the BIB.
    pub fn set_bib(&mut self, bib: bool) {
        let at = if self.extended { 1 } else { 0 };
        let b = self.buffer.as_mut();
        b[at] = (b[at] & 0x7f) | u8::from(bib) << 7;
    }

    /// Sets the FSN (low 7 bits used; extended 12 bits).
    pub fn set_fsn(&mut self, fsn: u16) {
        if self.extended {
            self.set_bits(2, 0x0fff, fsn);
        } else {
            let b = self.buffer.as_mut();
            b[1] = (b[1] & 0x80) | (fsn as u8 & 0x7f);
        }
    }

    /// Sets the FIB.
    pub fn set_fib(&mut self, fib: bool) {
        let at = if self.extended { 3 } else { 1 };
        let b = self.buffer.as_mut();
        b[at] = (b[at] & 0x7f) | u8::from(fib) << 7;
    }
}

/// A realistic instance of every signal unit: FISU, each LSSU status (one-
/// and two-octet status field), MSUs carrying the MTP3 examples of `variant`
/// (ISUP, SNM, SLTM) and a long MSU (LI = 63).
pub fn examples(variant: crate::Variant) -> Vec<(&'static str, Mtp2Repr)> {
    let hdr = |unit| Mtp2Repr {
        extended: false,
        bsn: 0x2a,
        bib: true,
        fsn: 0x15,
        fib: true,
        spare: 0,
        reserved: 0,
        unit,
    };
    let mut v = vec![("FISU", hdr(SignalUnit::Fisu))];
    for s in [
        LinkStatus::Sio,
        LinkStatus::Sin,
        LinkStatus::Sie,
        LinkStatus::Sios,
        LinkStatus::Sipo,
        LinkStatus::Sib,
    ] {
        let name = match s {
            LinkStatus::Sio => "LSSU SIO",
            LinkStatus::Sin => "LSSU SIN",
            LinkStatus::Sie => "LSSU SIE",
            LinkStatus::Sios => "LSSU SIOS",
            LinkStatus::Sipo => "LSSU SIPO",
            _ => "LSSU SIB",
        };
        v.push((name, Mtp2Repr { bsn: 127, fsn: 127, ..hdr(SignalUnit::Lssu { status: s, extra: None }) }));
    }
    v.push((
        "LSSU SIN (2-octet status field)",
        Mtp2Repr { bsn: 127, fsn: 127, ..hdr(SignalUnit::Lssu { status: LinkStatus::Sin, extra: Some(0) }) },
    ));
    for (name, m) in crate::mtp3::examples(variant) {
        if let Ok(payload) = m.to_bytes() {
            v.push((name, Mtp2Repr { fsn: 0x16, ..hdr(SignalUnit::Msu { payload }) }));
        }
    }
    // A long MSU: SCCP with a 100-octet opaque SIF (LI = 63, Q.703 §2.3.3).
    let long = crate::mtp3::Mtp3Repr {
        variant,
        si: crate::mtp3::si::SCCP,
        ni: crate::mtp3::ni::NATIONAL,
        priority: 0,
        dpc: crate::PointCode(0x0805),
        opc: crate::PointCode(0x0809),
        sls: 5,
        sif: (0u8..100).collect(),
    };
    if let Ok(payload) = long.to_bytes() {
        v.push(("long MSU (LI=63)", Mtp2Repr { fsn: 0x17, ..hdr(SignalUnit::Msu { payload }) }));
    }
    v
}

/// The same units in the extended format of Q.703 Annex A (12-bit sequence
/// numbers): FISU, LSSU SIN, the MTP3 examples, and a 273-octet MSU (SIF of
/// 272 octets, the largest Q.703 allows; LI = 273).
pub fn extended_examples(variant: crate::Variant) -> Vec<(&'static str, Mtp2Repr)> {
    let mut v: Vec<(&'static str, Mtp2Repr)> = examples(variant)
        .into_iter()
        .filter(|(n, _)| !n.starts_with("long") && !n.starts_with("LSSU SIN (2"))
        .map(|(n, r)| (n, Mtp2Repr { extended: true, bsn: 3021, fsn: 1042, ..r }))
        .collect();
    let long = crate::mtp3::Mtp3Repr {
        variant,
        si: crate::mtp3::si::SCCP,
        ni: crate::mtp3::ni::NATIONAL,
        priority: 0,
        dpc: crate::PointCode(0x0805),
        opc: crate::PointCode(0x0809),
        sls: 5,
        sif: (0..272 - crate::mtp3::label_len(variant)).map(|i| i as u8).collect(),
    };
    if let Ok(payload) = long.to_bytes() {
        v.push((
            "long MSU (LI=273)",
            Mtp2Repr {
                extended: true,
                bsn: 4095,
                bib: false,
                fsn: 0,
                fib: false,
                spare: 0,
                reserved: 0,
                unit: SignalUnit::Msu { payload },
            },
        ));
    }
    v
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fcs_check_value() {
        // The CRC-16/X.25 check value for "123456789".
        assert_eq!(fcs16(b"123456789"), 0x906e);
    }

    // A FISU, BSN 127 BIB 1, FSN 127 FIB 1 ("ff ff 00"), as an idle link
    // sends it, with its FCS (which happens to be 0xffff).
    static FISU: [u8; 5] = [0xff, 0xff, 0x00, 0xff, 0xff];

    // LSSU SIOS with BSN/FSN 127 and BIB/FIB 1: what libss7 sends after
    // `reset_mtp` (mtp2.c `make_lssu`: curfsn = lastfsnacked = 127, bits 1).
    static LSSU_SIOS: [u8; 4] = [0xff, 0xff, 0x01, 0x03];

    #[test]
    fn deconstruct_fisu() {
        let r = Mtp2Repr::parse(&FISU).unwrap();
        assert_eq!(
            r,
            Mtp2Repr {
                extended: false,
                bsn: 127,
                bib: true,
                fsn: 127,
                fib: true,
                spare: 0,
                reserved: 0,
                unit: SignalUnit::Fisu
            }
        );
        assert_eq!(r.to_bytes().unwrap(), FISU);
    }

    #[test]
    fn deconstruct_lssu() {
        let p = Mtp2Packet::new_checked(&LSSU_SIOS[..]).unwrap();
        assert_eq!((p.bsn(), p.bib(), p.fsn(), p.fib(), p.li()), (127, true, 127, true, 1));
        assert_eq!(p.kind(), UnitKind::Lssu);
        let r = Mtp2Repr::parse_without_fcs(&LSSU_SIOS).unwrap();
        assert_eq!(r.unit, SignalUnit::Lssu { status: LinkStatus::Sios, extra: None });
        assert_eq!(r.to_bytes_without_fcs().unwrap(), LSSU_SIOS);
    }

    #[test]
    fn bad_fcs_is_refused() {
        let mut b = FISU;
        b[4] ^= 1;
        let e = Mtp2Repr::parse(&b).unwrap_err();
        assert_eq!(e.reason, Reason::BadFcs { received: 0xfeff, computed: 0xffff });
        assert_eq!(e.layer, Layer::Mtp2);
        assert_eq!(e.offset, 3);
        assert!(matches!(e.reason, Reason::BadFcs { .. }));
    }

    #[test]
    fn li_must_match_length() {
        // LI 5 but 4 octets follow.
        let e = Mtp2Repr::parse_without_fcs(&[0, 0, 5, 0x83, 1, 2, 3]).unwrap_err();
        assert_eq!((e.offset, e.reason.clone()), (2, Reason::BadLength { declared: 5, available: 4 }));
        // LI 3 but 4 octets follow.
        let e = Mtp2Repr::parse_without_fcs(&[0, 0, 3, 0x83, 1, 2, 3]).unwrap_err();
        assert_eq!((e.offset, e.reason.clone()), (6, Reason::Trailing { count: 1 }));
        // LI 63 with 63 octets or more is fine; with 62 it is not.
        let mut b = vec![0, 0, 63];
        b.extend([0x83; 62]);
        assert!(Mtp2Repr::parse_without_fcs(&b).is_err());
        b.push(0);
        assert!(Mtp2Repr::parse_without_fcs(&b).is_ok());
        b.extend([0; 200]);
        assert_eq!(Mtp2Repr::parse_without_fcs(&b).unwrap().to_bytes_without_fcs().unwrap(), b);
        // Truncated header.
        let e = Mtp2Repr::parse_without_fcs(&[0, 0]).unwrap_err();
        assert_eq!(e.reason, Reason::Truncated { needed: 3, available: 2 });
    }

    #[test]
    fn spare_and_unknown_status_are_kept() {
        let b = [0x01, 0x82, 0xc2, 0x0d, 0x55];
        let r = Mtp2Repr::parse_without_fcs(&b).unwrap();
        assert_eq!(r.spare, 3);
        assert_eq!(r.unit, SignalUnit::Lssu { status: LinkStatus::Unknown(0x0d), extra: Some(0x55) });
        assert_eq!(r.to_bytes_without_fcs().unwrap(), b);
    }

    #[test]
    fn emit_refuses_bad_values() {
        let r = Mtp2Repr {
            extended: false,
            bsn: 128,
            bib: false,
            fsn: 0,
            fib: false,
            spare: 0,
            reserved: 0,
            unit: SignalUnit::Fisu,
        };
        assert_eq!(r.to_bytes().unwrap_err().offset, 0);
        let r = Mtp2Repr { bsn: 0, unit: SignalUnit::Msu { payload: vec![0x83, 1] }, ..r };
        assert!(r.to_bytes().is_err());
        let r = Mtp2Repr { unit: SignalUnit::Lssu { status: LinkStatus::Unknown(3), extra: None }, ..r };
        assert!(r.to_bytes().is_err());
    }

    #[test]
    fn examples_round_trip() {
        for variant in [crate::Variant::Itu, crate::Variant::Ansi] {
            for (name, r) in examples(variant) {
                let b = r.to_bytes().unwrap();
                assert_eq!(b.len(), r.buffer_len(), "{name}");
                assert_eq!(Mtp2Repr::parse(&b).unwrap(), r, "{name}");
                let nb = r.to_bytes_without_fcs().unwrap();
                assert_eq!(Mtp2Repr::parse_without_fcs(&nb).unwrap(), r, "{name}");
                let json = serde_json::to_string(&r).unwrap();
                assert_eq!(serde_json::from_str::<Mtp2Repr>(&json).unwrap(), r, "{name}");
            }
        }
    }

    #[test]
    fn extended_format() {
        // Q.703 Annex A: BSN 3021 (0xbcd) + BIB 1, FSN 1042 (0x412) + FIB 0,
        // LI 1 + spare 0, status SIN.
        let b = [0xcd, 0x8b, 0x12, 0x04, 0x01, 0x00, 0x01];
        let f = Mtp2Format { fcs: false, extended: true };
        let r = Mtp2Repr::parse_with(&b, f).unwrap();
        assert!(r.extended);
        assert_eq!((r.bsn, r.bib, r.fsn, r.fib, r.li()), (3021, true, 1042, false, 1));
        assert_eq!(r.unit, SignalUnit::Lssu { status: LinkStatus::Sin, extra: None });
        assert_eq!(r.to_bytes_without_fcs().unwrap(), b);
        // Reserved bits and LI spare bits are kept.
        let b2 = [0xcd, 0xfb, 0x12, 0x34, 0x00, 0xfe];
        let r = Mtp2Repr::parse_with(&b2, f).unwrap();
        assert_eq!((r.reserved, r.spare), (0b011_111, 127));
        assert_eq!(r.to_bytes_without_fcs().unwrap(), b2);
        // The extended LI is exact: no "63 or more" rule.
        let mut m = vec![0, 0, 0, 0, 63, 0];
        m.extend([0x83; 64]);
        assert_eq!(Mtp2Repr::parse_with(&m, f).unwrap_err().reason, Reason::Trailing { count: 1 });
        for (name, r) in extended_examples(crate::Variant::Itu) {
            let b = r.to_bytes().unwrap();
            assert_eq!(
                Mtp2Repr::parse_with(&b, Mtp2Format { fcs: true, extended: true }).unwrap(),
                r,
                "{name}"
            );
        }
    }

    #[test]
    fn view_setters() {
        let mut b = LSSU_SIOS;
        let mut p = Mtp2Packet::new_checked(&mut b[..]).unwrap();
        p.set_bsn(5);
        p.set_fib(false);
        p.set_fsn(9);
        p.set_bib(false);
        assert_eq!(b, [0x05, 0x09, 0x01, 0x03]);
    }
}
