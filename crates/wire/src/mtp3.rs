//! MTP level 3 (ITU-T Q.704, ANSI T1.111.4): the service information octet,
//! the routing label, and the two MTP3 users that live inside MTP3 itself —
//! signalling network management (SNM, SI = 0) and signalling link test and
//! maintenance (SLTM/SLTA, SI = 1, and SI = 2 for ANSI "special" MTNS).
//!
//! What it is:
//! - [`Mtp3Repr`]: SIO + routing label + the signalling information that
//!   follows the label, kept as opaque bytes (`sif`) for the user part (SCCP,
//!   ISUP, …) or for [`SnmRepr`] / [`Slt`].
//! - [`Mtp3Packet`]: a zero-copy view over the same bytes with getters and
//!   setters for SI, NI, DPC, OPC and SLS, for a router or STP that needs
//!   the label and nothing else.
//! - [`SnmRepr`] (a variant plus an [`Snm`] message) and [`Slt`]: the
//!   management and test messages, parsed from the bytes after the label.
//!
//! What it is not: no routing, no link-set state, no Chinese or Japanese
//! variants (16-bit and 24-bit-Chinese point codes are not supported).
//!
//! Contract: `parse` never panics; `parse(emit(r)) == r` for every repr emit
//! accepts; `emit(parse(b)) == b` byte for byte. Spare bits are kept: the SIO
//! "spare" bits are [`Mtp3Repr::priority`] (ANSI message priority, an ITU
//! national option), the whole ANSI SLS octet is kept in [`Mtp3Repr::sls`].
//! An SNM or SLT message whose length differs from the spec's, or whose spare
//! bits are not zero, is kept byte-exact as `Unknown { h0h1, bytes }`.

use crate::error::{Error, Layer, Reason, Result};
use crate::reader::Reader;
use crate::variant::{PointCode, Variant};

/// Service indicator values (Q.704 §14.2.1, T1.111.4 §14.2.1).
pub mod si {
    /// Signalling network management messages.
    pub const SNM: u8 = 0;
    /// Signalling network testing and maintenance (SLTM/SLTA).
    pub const MTN: u8 = 1;
    /// ANSI: signalling network testing and maintenance special messages (MTNS).
    pub const MTNS: u8 = 2;
    /// SCCP.
    pub const SCCP: u8 = 3;
    /// Telephone user part.
    pub const TUP: u8 = 4;
    /// ISDN user part.
    pub const ISUP: u8 = 5;
}

/// Network indicator values (Q.704 §14.2.2).
pub mod ni {
    /// International network.
    pub const INTERNATIONAL: u8 = 0;
    /// Spare (international use).
    pub const INTERNATIONAL_SPARE: u8 = 1;
    /// National network.
    pub const NATIONAL: u8 = 2;
    /// Reserved for national use.
    pub const NATIONAL_RESERVED: u8 = 3;
}

/// Length of the routing label in octets for `variant` (Q.704 §2.2: 32 bits;
/// T1.111.4 §2.2: 56 bits).
pub fn label_len(variant: Variant) -> usize {
    match variant {
        Variant::Itu => 4,
        Variant::Ansi => 7,
    }
}

/// Length of the SIO plus routing label.
pub fn header_len(variant: Variant) -> usize {
    1 + label_len(variant)
}

/// An MTP3 message signal unit's contents: SIO, routing label, and the rest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mtp3Repr {
    /// ITU (14-bit point codes, 4-bit SLS) or ANSI (24-bit, SLS octet).
    pub variant: Variant,
    /// Service indicator, 0–15 (see [`si`]).
    pub si: u8,
    /// Network indicator, 0–3 (see [`ni`]).
    pub ni: u8,
    /// The two bits between SI and NI: message priority in ANSI (0–3), spare
    /// or national-option priority in ITU. Kept as received.
    pub priority: u8,
    /// Destination point code.
    pub dpc: PointCode,
    /// Originating point code.
    pub opc: PointCode,
    /// Signalling link selection: ITU 0–15; ANSI the whole octet (5-bit SLS
    /// plus 3 spare bits, or 8-bit SLS — see [`Mtp3Repr::sls5`]).
    pub sls: u8,
    /// Everything after the routing label (user part message, SNM, SLT).
    #[serde(with = "crate::hexser", default, skip_serializing_if = "Vec::is_empty")]
    pub sif: Vec<u8>,
}

impl Mtp3Repr {
    /// Parses SIO, routing label and the signalling information after it.
    ///
    /// # Errors
    /// [`Reason::Truncated`] when the buffer is shorter than SIO + label.
    pub fn parse(buf: &[u8], variant: Variant) -> Result<Self> {
        let p = Mtp3Packet::new_checked(buf, variant)?;
        Ok(Mtp3Repr {
            variant,
            si: p.si(),
            ni: p.ni(),
            priority: p.priority(),
            dpc: p.dpc(),
            opc: p.opc(),
            sls: p.sls(),
            sif: p.sif().to_vec(),
        })
    }

    /// Octets `emit` writes.
    pub fn buffer_len(&self) -> usize {
        header_len(self.variant) + self.sif.len()
    }

    /// The 5-bit ANSI SLS (low five bits of the SLS octet).
    pub fn sls5(&self) -> u8 {
        self.sls & 0x1f
    }

    /// Appends SIO, routing label and `sif` to `out`.
    ///
    /// # Errors
    /// [`Reason::BadValue`] when SI, NI, priority, a point code or the SLS does
    /// not fit its field.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let bad = |param: &'static str, at: usize, value: u64, expected: &'static str| {
            Err(Error::new(Layer::Mtp3, at, Reason::BadValue { value, expected }).parameter(param))
        };
        if self.si > 15 {
            return bad("service indicator", 0, self.si.into(), "0..=15");
        }
        if self.ni > 3 {
            return bad("network indicator", 0, self.ni.into(), "0..=3");
        }
        if self.priority > 3 {
            return bad("priority", 0, self.priority.into(), "0..=3");
        }
        let pc_expected = match self.variant {
            Variant::Itu => "a 14-bit ITU point code",
            Variant::Ansi => "a 24-bit ANSI point code",
        };
        let ansi = self.variant == Variant::Ansi;
        if !self.dpc.fits(self.variant) {
            return bad("DPC", 1, self.dpc.0.into(), pc_expected);
        }
        if !self.opc.fits(self.variant) {
            return bad("OPC", if ansi { 4 } else { 2 }, self.opc.0.into(), pc_expected);
        }
        if !ansi && self.sls > 15 {
            return bad("SLS", 4, self.sls.into(), "0..=15 (ITU)");
        }
        out.push(self.ni << 6 | self.priority << 4 | self.si);
        match self.variant {
            Variant::Itu => {
                let label = self.dpc.0 | self.opc.0 << 14 | u32::from(self.sls) << 28;
                out.extend_from_slice(&label.to_le_bytes());
            }
            Variant::Ansi => {
                out.extend_from_slice(&self.dpc.0.to_le_bytes()[..3]);
                out.extend_from_slice(&self.opc.0.to_le_bytes()[..3]);
                out.push(self.sls);
            }
        }
        out.extend_from_slice(&self.sif);
        Ok(())
    }

    /// Emits into a new vector.
    ///
    /// # Errors
    /// As [`Mtp3Repr::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = Vec::with_capacity(self.buffer_len());
        self.emit(&mut v)?;
        Ok(v)
    }
}

/// A zero-copy view over an MTP3 message: SIO, routing label, SIF.
#[derive(Debug, Clone)]
pub struct Mtp3Packet<T: AsRef<[u8]>> {
    buffer: T,
    variant: Variant,
}

impl<T: AsRef<[u8]>> Mtp3Packet<T> {
    /// Wraps `buffer` without checking it; accessors may panic on a short buffer.
    pub fn new_unchecked(buffer: T, variant: Variant) -> Self {
        Mtp3Packet { buffer, variant }
    }

    /// Wraps `buffer` after checking it holds SIO + routing label.
    ///
    /// # Errors
    /// [`Reason::Truncated`] at offset 0 (empty) or 1 (label).
    pub fn new_checked(buffer: T, variant: Variant) -> Result<Self> {
        let p = Self::new_unchecked(buffer, variant);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the buffer is long enough for every accessor.
    ///
    /// # Errors
    /// [`Reason::Truncated`] naming the SIO or the routing label.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < 1 {
            return Err(Error::truncated(Layer::Mtp3, 0, 1, 0).parameter("SIO"));
        }
        let need = label_len(self.variant);
        if len - 1 < need {
            return Err(Error::truncated(Layer::Mtp3, 1, need, len - 1).parameter("routing label"));
        }
        Ok(())
    }

    /// The variant this view reads.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The service information octet.
    pub fn sio(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    /// Service indicator (SIO bits 0–3).
    pub fn si(&self) -> u8 {
        self.sio() & 0x0f
    }

    /// Network indicator (SIO bits 6–7).
    pub fn ni(&self) -> u8 {
        self.sio() >> 6
    }

    /// The SIO bits 4–5 (ANSI priority, ITU spare).
    pub fn priority(&self) -> u8 {
        self.sio() >> 4 & 3
    }

    fn label_itu(&self) -> u32 {
        let b = self.buffer.as_ref();
        u32::from_le_bytes([b[1], b[2], b[3], b[4]])
    }

    fn pc3(&self, at: usize) -> PointCode {
        let b = self.buffer.as_ref();
        PointCode(u32::from(b[at]) | u32::from(b[at + 1]) << 8 | u32::from(b[at + 2]) << 16)
    }

    /// Destination point code.
    pub fn dpc(&self) -> PointCode {
        match self.variant {
            Variant::Itu => PointCode(self.label_itu() & 0x3fff),
            Variant::Ansi => self.pc3(1),
        }
    }

    /// Originating point code.
    pub fn opc(&self) -> PointCode {
        match self.variant {
            Variant::Itu => PointCode(self.label_itu() >> 14 & 0x3fff),
            Variant::Ansi => self.pc3(4),
        }
    }

    /// SLS: ITU the 4-bit field; ANSI the whole SLS octet.
    pub fn sls(&self) -> u8 {
        match self.variant {
            Variant::Itu => (self.label_itu() >> 28) as u8,
            Variant::Ansi => self.buffer.as_ref()[7],
        }
    }

    /// The 5-bit ANSI SLS (low five bits of the SLS octet).
    pub fn sls5(&self) -> u8 {
        self.sls() & 0x1f
    }

    /// The signalling information after the routing label.
    pub fn sif(&self) -> &[u8] {
        &self.buffer.as_ref()[header_len(self.variant)..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Mtp3Packet<T> {
    fn set_label_itu(&mut self, mask: u32, value: u32) {
        let v = (self.label_itu() & !mask) | (value & mask);
        self.buffer.as_mut()[1..5].copy_from_slice(&v.to_le_bytes());
    }

    fn set_pc3(&mut self, at: usize, pc: PointCode) {
        self.buffer.as_mut()[at..at + 3].copy_from_slice(&pc.0.to_le_bytes()[..3]);
    }

    /// Sets the service indicator (low 4 bits of `si` are used).
    pub fn set_si(&mut self, si: u8) {
        let b = self.buffer.as_mut();
        b[0] = (b[0] & 0xf0) | (si & 0x0f);
    }

    /// Sets the network indicator (low 2 bits of `ni` are used).
    pub fn set_ni(&mut self, ni: u8) {
        let b = self.buffer.as_mut();
        b[0] = (b[0] & 0x3f) | (ni & 3) << 6;
    }

    /// Sets the priority/spare bits (low 2 bits of `p` are used).
    pub fn set_priority(&mut self, p: u8) {
        let b = self.buffer.as_mut();
        b[0] = (b[0] & 0xcf) | (p & 3) << 4;
    }

    /// Sets the DPC (truncated to the variant's width).
    pub fn set_dpc(&mut self, pc: PointCode) {
        match self.variant {
            Variant::Itu => self.set_label_itu(0x3fff, pc.0),
            Variant::Ansi => self.set_pc3(1, pc),
        }
    }

    /// Sets the OPC (truncated to the variant's width).
    pub fn set_opc(&mut self, pc: PointCode) {
        match self.variant {
            Variant::Itu => self.set_label_itu(0x3fff << 14, pc.0 << 14),
            Variant::Ansi => self.set_pc3(4, pc),
        }
    }

    /// Sets the SLS (ITU: low 4 bits used; ANSI: the whole octet).
    pub fn set_sls(&mut self, sls: u8) {
        match self.variant {
            Variant::Itu => self.set_label_itu(0xf000_0000, u32::from(sls) << 28),
            Variant::Ansi => self.buffer.as_mut()[7] = sls,
        }
    }

    /// The signalling information after the label, writable.
    pub fn sif_mut(&mut self) -> &mut [u8] {
        let at = header_len(self.variant);
        &mut self.buffer.as_mut()[at..]
    }
}

// ---------------------------------------------------------------------------
// Signalling network management (SI = 0), Q.704 §15, T1.111.4 §15.

/// A signalling network management message (Q.704 §15 / T1.111.4 §15),
/// named as in the specs. `slc` is the signalling link code that ANSI carries
/// inside link-oriented messages: `Some` for ANSI, `None` for ITU (ITU puts
/// the SLC in the label's SLS field).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Snm {
    /// Changeover order: FSN of the last accepted MSU (7 bits).
    Coo {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
        fsn: u8,
    },
    /// Changeover acknowledgement.
    Coa {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
        fsn: u8,
    },
    /// Extended changeover order (Q.2210 / T1.111.4): 24-bit FSN field.
    Xco {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
        fsn: u32,
    },
    /// Extended changeover acknowledgement.
    Xca {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
        fsn: u32,
    },
    /// Changeback declaration with its changeback code.
    Cbd {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
        cbc: u8,
    },
    /// Changeback acknowledgement.
    Cba {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
        cbc: u8,
    },
    /// Emergency changeover order.
    Eco {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Emergency changeover acknowledgement.
    Eca {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Signalling-route-set-congestion-test.
    Rct,
    /// Transfer-controlled: destination and congestion status (0–3).
    Tfc { dest: PointCode, status: u8 },
    /// Transfer-prohibited.
    Tfp { dest: PointCode },
    /// Transfer-cluster-prohibited (ANSI only).
    Tcp { dest: PointCode },
    /// Transfer-restricted.
    Tfr { dest: PointCode },
    /// Transfer-cluster-restricted (ANSI only).
    Tcr { dest: PointCode },
    /// Transfer-allowed.
    Tfa { dest: PointCode },
    /// Transfer-cluster-allowed (ANSI only).
    Tca { dest: PointCode },
    /// Signalling-route-set-test for a prohibited destination.
    Rst { dest: PointCode },
    /// Signalling-route-set-test for a restricted destination.
    Rsr { dest: PointCode },
    /// Route-set-test cluster-prohibited (ANSI only).
    Rcp { dest: PointCode },
    /// Route-set-test cluster-restricted (ANSI only).
    Rcr { dest: PointCode },
    /// Link inhibit.
    Lin {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Link uninhibit.
    Lun {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Link inhibit acknowledgement.
    Lia {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Link uninhibit acknowledgement.
    Lua {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Link inhibit denied.
    Lid {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Link forced uninhibit.
    Lfu {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Link local inhibit test (ANSI LLI).
    Llt {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Link remote inhibit test (ANSI LRI).
    Lrt {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Traffic restart allowed.
    Tra,
    /// Traffic restart waiting (ANSI only).
    Trw,
    /// Signalling-data-link-connection order: the data link identity
    /// (ITU 12 bits, ANSI 14 bits).
    Dlc {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
        link: u16,
    },
    /// Connection successful.
    Css {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Connection not successful.
    Cns {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// Connection not possible.
    Cnp {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slc: Option<u8>,
    },
    /// User part unavailable: destination, user part (an SI value) and cause
    /// (0 unknown, 1 unequipped remote user, 2 inaccessible remote user).
    Upu { dest: PointCode, user: u8, cause: u8 },
    /// Anything else (unknown heading, or a known heading with a length or
    /// spare bits this codec does not recognise), byte-exact.
    Unknown {
        /// The heading octet: H1 in the high nibble, H0 in the low nibble.
        h0h1: u8,
        /// The octets after the heading.
        #[serde(with = "crate::hexser")]
        bytes: Vec<u8>,
    },
}

impl Snm {
    /// The heading octet (H1 << 4 | H0).
    pub fn h0h1(&self) -> u8 {
        use Snm::*;
        match self {
            Coo { .. } => 0x11,
            Coa { .. } => 0x21,
            Xco { .. } => 0x31,
            Xca { .. } => 0x41,
            Cbd { .. } => 0x51,
            Cba { .. } => 0x61,
            Eco { .. } => 0x12,
            Eca { .. } => 0x22,
            Rct => 0x13,
            Tfc { .. } => 0x23,
            Tfp { .. } => 0x14,
            Tcp { .. } => 0x24,
            Tfr { .. } => 0x34,
            Tcr { .. } => 0x44,
            Tfa { .. } => 0x54,
            Tca { .. } => 0x64,
            Rst { .. } => 0x15,
            Rsr { .. } => 0x25,
            Rcp { .. } => 0x35,
            Rcr { .. } => 0x45,
            Lin { .. } => 0x16,
            Lun { .. } => 0x26,
            Lia { .. } => 0x36,
            Lua { .. } => 0x46,
            Lid { .. } => 0x56,
            Lfu { .. } => 0x66,
            Llt { .. } => 0x76,
            Lrt { .. } => 0x86,
            Tra => 0x17,
            Trw => 0x27,
            Dlc { .. } => 0x18,
            Css { .. } => 0x28,
            Cns { .. } => 0x38,
            Cnp { .. } => 0x48,
            Upu { .. } => 0x1a,
            Unknown { h0h1, .. } => *h0h1,
        }
    }

    /// The acronym used in the specs (`"COO"`, `"TFP"`, …; `"unknown"`).
    pub fn name(&self) -> &'static str {
        use Snm::*;
        match self {
            Coo { .. } => "COO",
            Coa { .. } => "COA",
            Xco { .. } => "XCO",
            Xca { .. } => "XCA",
            Cbd { .. } => "CBD",
            Cba { .. } => "CBA",
            Eco { .. } => "ECO",
            Eca { .. } => "ECA",
            Rct => "RCT",
            Tfc { .. } => "TFC",
            Tfp { .. } => "TFP",
            Tcp { .. } => "TCP",
            Tfr { .. } => "TFR",
            Tcr { .. } => "TCR",
            Tfa { .. } => "TFA",
            Tca { .. } => "TCA",
            Rst { .. } => "RST",
            Rsr { .. } => "RSR",
            Rcp { .. } => "RCP",
            Rcr { .. } => "RCR",
            Lin { .. } => "LIN",
            Lun { .. } => "LUN",
            Lia { .. } => "LIA",
            Lua { .. } => "LUA",
            Lid { .. } => "LID",
            Lfu { .. } => "LFU",
            Llt { .. } => "LLT",
            Lrt { .. } => "LRT",
            Tra => "TRA",
            Trw => "TRW",
            Dlc { .. } => "DLC",
            Css { .. } => "CSS",
            Cns { .. } => "CNS",
            Cnp { .. } => "CNP",
            Upu { .. } => "UPU",
            Unknown { .. } => "unknown",
        }
    }

    /// Whether the message exists only in ANSI T1.111.4.
    fn ansi_only(&self) -> bool {
        matches!(
            self,
            Snm::Tcp { .. }
                | Snm::Tcr { .. }
                | Snm::Tca { .. }
                | Snm::Rcp { .. }
                | Snm::Rcr { .. }
                | Snm::Trw
        )
    }

    /// Decodes the canonical form of a known message, or `None`.
    fn parse_known(h0h1: u8, body: &[u8], variant: Variant) -> Option<Snm> {
        use Snm::*;
        let ansi = variant == Variant::Ansi;
        // ANSI link-oriented messages: SLC in bits 0-3 of the first octet.
        let slc_only = |b: &[u8]| -> Option<Option<u8>> {
            match (variant, b) {
                (Variant::Itu, []) => Some(None),
                (Variant::Ansi, [x]) if x >> 4 == 0 => Some(Some(*x)),
                _ => None,
            }
        };
        let dest = |b: &[u8]| -> Option<PointCode> {
            match (variant, b) {
                (Variant::Itu, [a, c]) if c >> 6 == 0 => Some(PointCode(u32::from(*a) | u32::from(*c) << 8)),
                (Variant::Ansi, [a, c, d]) => {
                    Some(PointCode(u32::from(*a) | u32::from(*c) << 8 | u32::from(*d) << 16))
                }
                _ => None,
            }
        };
        let msg = match h0h1 {
            0x11 | 0x21 => {
                let (slc, fsn) = match (variant, body) {
                    // Q.704 §15.4.1: FSN (7 bits) + 1 spare bit.
                    (Variant::Itu, [f]) if f >> 7 == 0 => (None, *f),
                    // T1.111.4 §15.4: SLC (4) + FSN (7) + spare (5).
                    (Variant::Ansi, [a, b]) if b >> 3 == 0 => (Some(a & 0x0f), (a >> 4) | (b & 7) << 4),
                    _ => return None,
                };
                if h0h1 == 0x11 {
                    Coo { slc, fsn }
                } else {
                    Coa { slc, fsn }
                }
            }
            0x31 | 0x41 => {
                let (slc, fsn) = match (variant, body) {
                    (Variant::Itu, [a, b, c]) => (None, u32::from_le_bytes([*a, *b, *c, 0])),
                    (Variant::Ansi, [a, b, c, d]) if d >> 4 == 0 => {
                        let v = u32::from_le_bytes([*a, *b, *c, *d]);
                        (Some(a & 0x0f), v >> 4)
                    }
                    _ => return None,
                };
                if h0h1 == 0x31 {
                    Xco { slc, fsn }
                } else {
                    Xca { slc, fsn }
                }
            }
            0x51 | 0x61 => {
                let (slc, cbc) = match (variant, body) {
                    (Variant::Itu, [c]) => (None, *c),
                    // T1.111.4 §15.5: SLC (4) + CBC (8) + spare (4).
                    (Variant::Ansi, [a, b]) if b >> 4 == 0 => (Some(a & 0x0f), (a >> 4) | (b & 0x0f) << 4),
                    _ => return None,
                };
                if h0h1 == 0x51 {
                    Cbd { slc, cbc }
                } else {
                    Cba { slc, cbc }
                }
            }
            0x12 => Eco { slc: slc_only(body)? },
            0x22 => Eca { slc: slc_only(body)? },
            0x13 if body.is_empty() => Rct,
            0x23 => match (variant, body) {
                // Q.704 §15.8: destination (14) + congestion status (2, national option).
                (Variant::Itu, [a, c]) => {
                    Tfc { dest: PointCode(u32::from(*a) | u32::from(c & 0x3f) << 8), status: c >> 6 }
                }
                // T1.111.4 §15.8: destination (24) + status (2) + spare (6).
                (Variant::Ansi, [a, c, d, s]) if s >> 2 == 0 => Tfc {
                    dest: PointCode(u32::from(*a) | u32::from(*c) << 8 | u32::from(*d) << 16),
                    status: *s,
                },
                _ => return None,
            },
            0x14 => Tfp { dest: dest(body)? },
            0x24 if ansi => Tcp { dest: dest(body)? },
            0x34 => Tfr { dest: dest(body)? },
            0x44 if ansi => Tcr { dest: dest(body)? },
            0x54 => Tfa { dest: dest(body)? },
            0x64 if ansi => Tca { dest: dest(body)? },
            0x15 => Rst { dest: dest(body)? },
            0x25 => Rsr { dest: dest(body)? },
            0x35 if ansi => Rcp { dest: dest(body)? },
            0x45 if ansi => Rcr { dest: dest(body)? },
            0x16 => Lin { slc: slc_only(body)? },
            0x26 => Lun { slc: slc_only(body)? },
            0x36 => Lia { slc: slc_only(body)? },
            0x46 => Lua { slc: slc_only(body)? },
            0x56 => Lid { slc: slc_only(body)? },
            0x66 => Lfu { slc: slc_only(body)? },
            0x76 => Llt { slc: slc_only(body)? },
            0x86 => Lrt { slc: slc_only(body)? },
            0x17 if body.is_empty() => Tra,
            0x27 if ansi && body.is_empty() => Trw,
            0x18 => match (variant, body) {
                // Q.704 §15.13: signalling data link identity (12) + spare (4).
                (Variant::Itu, [a, b]) if b >> 4 == 0 => {
                    Dlc { slc: None, link: u16::from(*a) | u16::from(*b) << 8 }
                }
                // T1.111.4 §15.13: SLC (4) + data link identity (14) + spare (6).
                (Variant::Ansi, [a, b, c]) if c >> 2 == 0 => {
                    let v = u32::from_le_bytes([*a, *b, *c, 0]);
                    Dlc { slc: Some(a & 0x0f), link: (v >> 4) as u16 }
                }
                _ => return None,
            },
            0x28 => Css { slc: slc_only(body)? },
            0x38 => Cns { slc: slc_only(body)? },
            0x48 => Cnp { slc: slc_only(body)? },
            0x1a => {
                let n = match variant {
                    Variant::Itu => 2,
                    Variant::Ansi => 3,
                };
                if body.len() != n + 1 {
                    return None;
                }
                let d = dest(&body[..n])?;
                let u = body[n];
                Upu { dest: d, user: u & 0x0f, cause: u >> 4 }
            }
            _ => return None,
        };
        Some(msg)
    }

    /// Writes the body without range checks (values are masked).
    fn emit_body(&self, variant: Variant, out: &mut Vec<u8>) {
        use Snm::*;
        let put_slc = |s: &Option<u8>, out: &mut Vec<u8>| {
            if variant == Variant::Ansi {
                out.push(s.unwrap_or(0) & 0x0f);
            }
        };
        let dest = |pc: &PointCode, out: &mut Vec<u8>| match variant {
            Variant::Itu => out.extend_from_slice(&((pc.0 & 0x3fff) as u16).to_le_bytes()),
            Variant::Ansi => out.extend_from_slice(&pc.0.to_le_bytes()[..3]),
        };
        let s4 = |s: &Option<u8>| s.unwrap_or(0) & 0x0f;
        match self {
            Coo { slc, fsn } | Coa { slc, fsn } => match variant {
                Variant::Itu => out.push(fsn & 0x7f),
                Variant::Ansi => {
                    let v = u16::from(s4(slc)) | u16::from(fsn & 0x7f) << 4;
                    out.extend_from_slice(&v.to_le_bytes());
                }
            },
            Xco { slc, fsn } | Xca { slc, fsn } => match variant {
                Variant::Itu => out.extend_from_slice(&(fsn & 0xff_ffff).to_le_bytes()[..3]),
                Variant::Ansi => {
                    let v = u32::from(s4(slc)) | (fsn & 0xff_ffff) << 4;
                    out.extend_from_slice(&v.to_le_bytes());
                }
            },
            Cbd { slc, cbc } | Cba { slc, cbc } => match variant {
                Variant::Itu => out.push(*cbc),
                Variant::Ansi => {
                    let v = u16::from(s4(slc)) | u16::from(*cbc) << 4;
                    out.extend_from_slice(&v.to_le_bytes());
                }
            },
            Eco { slc }
            | Eca { slc }
            | Lin { slc }
            | Lun { slc }
            | Lia { slc }
            | Lua { slc }
            | Lid { slc }
            | Lfu { slc }
            | Llt { slc }
            | Lrt { slc }
            | Css { slc }
            | Cns { slc }
            | Cnp { slc } => put_slc(slc, out),
            Rct | Tra | Trw => {}
            Tfc { dest: d, status } => {
                dest(d, out);
                match variant {
                    Variant::Itu => {
                        if let Some(last) = out.last_mut() {
                            *last |= (status & 3) << 6;
                        }
                    }
                    Variant::Ansi => out.push(status & 3),
                }
            }
            Tfp { dest: d }
            | Tcp { dest: d }
            | Tfr { dest: d }
            | Tcr { dest: d }
            | Tfa { dest: d }
            | Tca { dest: d }
            | Rst { dest: d }
            | Rsr { dest: d }
            | Rcp { dest: d }
            | Rcr { dest: d } => dest(d, out),
            Dlc { slc, link } => match variant {
                Variant::Itu => out.extend_from_slice(&(link & 0x0fff).to_le_bytes()),
                Variant::Ansi => {
                    let v = u32::from(s4(slc)) | u32::from(link & 0x3fff) << 4;
                    out.extend_from_slice(&v.to_le_bytes()[..3]);
                }
            },
            Upu { dest: d, user, cause } => {
                dest(d, out);
                out.push((cause & 0x0f) << 4 | (user & 0x0f));
            }
            Unknown { bytes, .. } => out.extend_from_slice(bytes),
        }
    }
}

/// An SNM message with the variant that lays out its fields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SnmRepr {
    /// ITU or ANSI layout.
    pub variant: Variant,
    /// The message.
    pub message: Snm,
}

impl SnmRepr {
    /// Parses an SNM message from the octets after the routing label
    /// ([`Mtp3Repr::sif`]). Never fails on a non-empty buffer: what is not a
    /// canonical known message becomes [`Snm::Unknown`].
    ///
    /// # Errors
    /// [`Reason::Truncated`] when `buf` is empty (no heading octet); the
    /// offset counts from the start of `buf` (rebase with [`Error::at_base`]).
    pub fn parse(buf: &[u8], variant: Variant) -> Result<Self> {
        let mut r = Reader::new(Layer::Mtp3, buf);
        let h0h1 = r.u8().map_err(|e| e.message("SNM").parameter("H0/H1"))?;
        let body = r.take_rest();
        let message = Snm::parse_known(h0h1, body, variant)
            .unwrap_or_else(|| Snm::Unknown { h0h1, bytes: body.to_vec() });
        Ok(SnmRepr { variant, message })
    }

    /// Octets `emit` writes.
    pub fn buffer_len(&self) -> usize {
        let ansi = usize::from(self.variant == Variant::Ansi);
        let pc = 2 + ansi;
        1 + match &self.message {
            Snm::Coo { .. } | Snm::Coa { .. } => 1 + ansi,
            Snm::Xco { .. } | Snm::Xca { .. } => 3 + ansi,
            Snm::Cbd { .. } | Snm::Cba { .. } => 1 + ansi,
            Snm::Rct | Snm::Tra | Snm::Trw => 0,
            Snm::Tfc { .. } => pc + ansi,
            Snm::Tfp { .. }
            | Snm::Tcp { .. }
            | Snm::Tfr { .. }
            | Snm::Tcr { .. }
            | Snm::Tfa { .. }
            | Snm::Tca { .. }
            | Snm::Rst { .. }
            | Snm::Rsr { .. }
            | Snm::Rcp { .. }
            | Snm::Rcr { .. } => pc,
            Snm::Dlc { .. } => 2 + ansi,
            Snm::Upu { .. } => pc + 1,
            Snm::Unknown { bytes, .. } => bytes.len(),
            _ => ansi, // SLC-only messages
        }
    }

    /// Appends the heading octet and body.
    ///
    /// # Errors
    /// [`Reason::BadValue`] when a field does not fit (SLC > 15, FSN > 127,
    /// a point code too wide, `slc` given for ITU or missing for ANSI, an
    /// ANSI-only message in ITU), or when an `Unknown` holds the canonical
    /// bytes of a known message (it would not parse back as `Unknown`).
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let h0h1 = self.message.h0h1();
        out.push(h0h1);
        self.message.emit_body(self.variant, out);
        let body = &out[start + 1..];
        let back = Snm::parse_known(h0h1, body, self.variant);
        let ok = match &self.message {
            Snm::Unknown { .. } => back.is_none(),
            m => back.as_ref() == Some(m),
        };
        if ok {
            return Ok(());
        }
        out.truncate(start);
        let why = match &self.message {
            Snm::Unknown { .. } => {
                "an unknown message with the canonical bytes of a known one (use the typed form)"
            }
            m if m.ansi_only() && self.variant == Variant::Itu => "a message that exists only in ANSI",
            _ => {
                "fields in range for this variant (SLC 0..=15 and present only in ANSI, FSN 0..=127, \
                  point code width, status 0..=3, user/cause 0..=15)"
            }
        };
        Err(Error::new(Layer::Mtp3, 0, Reason::BadValue { value: u64::from(h0h1), expected: why })
            .message(self.message.name()))
    }

    /// Emits into a new vector.
    ///
    /// # Errors
    /// As [`SnmRepr::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = Vec::with_capacity(self.buffer_len());
        self.emit(&mut v)?;
        Ok(v)
    }
}

// ---------------------------------------------------------------------------
// Signalling link test (SI = 1; ANSI also SI = 2), Q.707 §5, T1.111.7.

/// A signalling link test message (Q.707 §5.1, T1.111.7 §2). The layout is
/// the same in both variants: heading, then one octet of SLC (ANSI; ITU spare
/// bits, kept as received) in bits 0–3 and the test pattern length in bits
/// 4–7, then the pattern.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slt {
    /// Signalling link test message.
    Sltm {
        /// ANSI: signalling link code; ITU: the spare nibble (normally 0).
        slc: u8,
        /// Test pattern, 0–15 octets.
        #[serde(with = "crate::hexser")]
        pattern: Vec<u8>,
    },
    /// Signalling link test acknowledgement.
    Slta {
        /// ANSI: signalling link code; ITU: the spare nibble (normally 0).
        slc: u8,
        /// Test pattern echoed from the SLTM.
        #[serde(with = "crate::hexser")]
        pattern: Vec<u8>,
    },
    /// Anything else (unknown heading, or length inconsistent), byte-exact.
    Unknown {
        /// The heading octet: H1 high nibble, H0 low nibble.
        h0h1: u8,
        /// The octets after the heading.
        #[serde(with = "crate::hexser")]
        bytes: Vec<u8>,
    },
}

impl Slt {
    /// Parses a test message from the octets after the routing label. Never
    /// fails on a non-empty buffer: anything but a well-formed SLTM/SLTA
    /// becomes [`Slt::Unknown`].
    ///
    /// # Errors
    /// [`Reason::Truncated`] when `buf` is empty (offset 0 of `buf`).
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(Layer::Mtp3, buf);
        let h0h1 = r.u8().map_err(|e| e.message("SLT").parameter("H0/H1"))?;
        let body = r.take_rest();
        Ok(Self::parse_known(h0h1, body).unwrap_or_else(|| Slt::Unknown { h0h1, bytes: body.to_vec() }))
    }

    fn parse_known(h0h1: u8, body: &[u8]) -> Option<Self> {
        let (&first, pattern) = body.split_first()?;
        if usize::from(first >> 4) != pattern.len() {
            return None;
        }
        let (slc, pattern) = (first & 0x0f, pattern.to_vec());
        match h0h1 {
            0x11 => Some(Slt::Sltm { slc, pattern }),
            0x21 => Some(Slt::Slta { slc, pattern }),
            _ => None,
        }
    }

    /// The heading octet.
    pub fn h0h1(&self) -> u8 {
        match self {
            Slt::Sltm { .. } => 0x11,
            Slt::Slta { .. } => 0x21,
            Slt::Unknown { h0h1, .. } => *h0h1,
        }
    }

    /// `"SLTM"`, `"SLTA"` or `"unknown"`.
    pub fn name(&self) -> &'static str {
        match self {
            Slt::Sltm { .. } => "SLTM",
            Slt::Slta { .. } => "SLTA",
            Slt::Unknown { .. } => "unknown",
        }
    }

    /// Octets `emit` writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            Slt::Sltm { pattern, .. } | Slt::Slta { pattern, .. } => 2 + pattern.len(),
            Slt::Unknown { bytes, .. } => 1 + bytes.len(),
        }
    }

    /// Appends the message.
    ///
    /// # Errors
    /// [`Reason::BadValue`] for an SLC above 15, [`Reason::TooLong`] for a
    /// pattern over 15 octets, and for an `Unknown` that holds the canonical
    /// bytes of an SLTM/SLTA.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Slt::Sltm { slc, pattern } | Slt::Slta { slc, pattern } => {
                if *slc > 15 {
                    return Err(Error::new(
                        Layer::Mtp3,
                        1,
                        Reason::BadValue { value: (*slc).into(), expected: "0..=15" },
                    )
                    .message(self.name())
                    .parameter("SLC"));
                }
                if pattern.len() > 15 {
                    return Err(Error::new(Layer::Mtp3, 2, Reason::TooLong { len: pattern.len(), max: 15 })
                        .message(self.name())
                        .parameter("test pattern"));
                }
                out.push(self.h0h1());
                out.push((pattern.len() as u8) << 4 | slc);
                out.extend_from_slice(pattern);
            }
            Slt::Unknown { h0h1, bytes } => {
                if Self::parse_known(*h0h1, bytes).is_some() {
                    return Err(Error::new(
                        Layer::Mtp3,
                        0,
                        Reason::BadValue {
                            value: (*h0h1).into(),
                            expected: "an unknown message (these bytes are an SLTM/SLTA: use the typed form)",
                        },
                    )
                    .message("SLT"));
                }
                out.push(*h0h1);
                out.extend_from_slice(bytes);
            }
        }
        Ok(())
    }

    /// Emits into a new vector.
    ///
    /// # Errors
    /// As [`Slt::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = Vec::with_capacity(self.buffer_len());
        self.emit(&mut v)?;
        Ok(v)
    }
}

// ---------------------------------------------------------------------------
// Examples.

/// The libss7 SLTM test pattern ("2564286288" as ASCII is what libss7 sends;
/// here its first 10 octets).
const TEST_PATTERN: &[u8] = b"2564286288";

/// Local and adjacent point codes used in the examples.
fn example_pcs(variant: Variant) -> (PointCode, PointCode, PointCode) {
    match variant {
        // 2-100-5 (STP), 2-101-1 (SSP), 2-150-3 (remote destination)
        Variant::Itu => (PointCode::itu(2, 100, 5), PointCode::itu(2, 101, 1), PointCode::itu(2, 150, 3)),
        Variant::Ansi => {
            (PointCode::ansi(245, 16, 1), PointCode::ansi(245, 20, 7), PointCode::ansi(246, 3, 12))
        }
    }
}

/// A realistic instance of every SNM message the variant has.
pub fn snm_examples(variant: Variant) -> Vec<(&'static str, SnmRepr)> {
    let (_, _, dest) = example_pcs(variant);
    let slc = match variant {
        Variant::Itu => None,
        Variant::Ansi => Some(3),
    };
    let cluster = PointCode(dest.0 & 0xff_ff00);
    let mut v = vec![
        ("COO", Snm::Coo { slc, fsn: 93 }),
        ("COA", Snm::Coa { slc, fsn: 17 }),
        ("XCO", Snm::Xco { slc, fsn: 3021 }),
        ("XCA", Snm::Xca { slc, fsn: 1042 }),
        ("CBD", Snm::Cbd { slc, cbc: 7 }),
        ("CBA", Snm::Cba { slc, cbc: 7 }),
        ("ECO", Snm::Eco { slc }),
        ("ECA", Snm::Eca { slc }),
        ("RCT", Snm::Rct),
        ("TFC", Snm::Tfc { dest, status: if variant == Variant::Ansi { 2 } else { 0 } }),
        ("TFP", Snm::Tfp { dest }),
        ("TFR", Snm::Tfr { dest }),
        ("TFA", Snm::Tfa { dest }),
        ("RST", Snm::Rst { dest }),
        ("RSR", Snm::Rsr { dest }),
        ("LIN", Snm::Lin { slc }),
        ("LUN", Snm::Lun { slc }),
        ("LIA", Snm::Lia { slc }),
        ("LUA", Snm::Lua { slc }),
        ("LID", Snm::Lid { slc }),
        ("LFU", Snm::Lfu { slc }),
        ("LLT", Snm::Llt { slc }),
        ("LRT", Snm::Lrt { slc }),
        ("TRA", Snm::Tra),
        ("DLC", Snm::Dlc { slc, link: 0x123 }),
        ("CSS", Snm::Css { slc }),
        ("CNS", Snm::Cns { slc }),
        ("CNP", Snm::Cnp { slc }),
        ("UPU", Snm::Upu { dest, user: si::ISUP, cause: 1 }),
    ];
    if variant == Variant::Ansi {
        v.extend([
            ("TCP", Snm::Tcp { dest: cluster }),
            ("TCR", Snm::Tcr { dest: cluster }),
            ("TCA", Snm::Tca { dest: cluster }),
            ("RCP", Snm::Rcp { dest: cluster }),
            ("RCR", Snm::Rcr { dest: cluster }),
            ("TRW", Snm::Trw),
        ]);
    }
    v.into_iter().map(|(n, message)| (n, SnmRepr { variant, message })).collect()
}

/// An SLTM and an SLTA with the libss7 test pattern.
pub fn slt_examples(variant: Variant) -> Vec<(&'static str, Slt)> {
    let slc = match variant {
        Variant::Itu => 0,
        Variant::Ansi => 3,
    };
    vec![
        ("SLTM", Slt::Sltm { slc, pattern: TEST_PATTERN.to_vec() }),
        ("SLTA", Slt::Slta { slc, pattern: TEST_PATTERN.to_vec() }),
    ]
}

/// An ITU ISUP IAM (Q.763): CIC 23, called 9841558020, calling
/// 9023456700 — opaque bytes to MTP3.
const ITU_ISUP_IAM: &[u8] = &[
    0x17, 0x00, 0x01, 0x00, 0x60, 0x01, 0x0a, 0x00, 0x02, 0x0a, 0x08, 0x83, 0x90, 0x89, 0x14, 0x55, 0x08,
    0x02, 0x0f, 0x0a, 0x07, 0x03, 0x13, 0x09, 0x32, 0x54, 0x76, 0x00, 0x00,
];

/// The same call as an ANSI ISUP IAM (T1.113: user service information is
/// mandatory).
const ANSI_ISUP_IAM: &[u8] = &[
    0x17, 0x00, 0x01, 0x00, 0x60, 0x01, 0x0a, 0x03, 0x06, 0x0e, 0x03, 0x80, 0x90, 0xa2, 0x08, 0x83, 0x10,
    0x89, 0x14, 0x55, 0x08, 0x02, 0x0f, 0x0a, 0x07, 0x03, 0x13, 0x09, 0x32, 0x54, 0x76, 0x00, 0x00,
];

/// A realistic MTP3 message for every SNM and SLT message, plus an MSU
/// carrying an ISUP-like message.
pub fn examples(variant: Variant) -> Vec<(&'static str, Mtp3Repr)> {
    let (stp, ssp, _) = example_pcs(variant);
    // ITU: link-oriented messages carry the SLC in the SLS field (Q.704 §2.2.4).
    let sls_slc = 3;
    let mut v = vec![(
        "ISUP IAM",
        Mtp3Repr {
            variant,
            si: si::ISUP,
            ni: ni::NATIONAL,
            priority: if variant == Variant::Ansi { 1 } else { 0 },
            dpc: stp,
            opc: ssp,
            sls: 0x07,
            sif: match variant {
                Variant::Itu => ITU_ISUP_IAM.to_vec(),
                Variant::Ansi => ANSI_ISUP_IAM.to_vec(),
            },
        },
    )];
    let prio = if variant == Variant::Ansi { 3 } else { 0 };
    for (name, snm) in snm_examples(variant) {
        if let Ok(sif) = snm.to_bytes() {
            v.push((
                name,
                Mtp3Repr {
                    variant,
                    si: si::SNM,
                    ni: ni::NATIONAL,
                    priority: prio,
                    dpc: stp,
                    opc: ssp,
                    sls: sls_slc,
                    sif,
                },
            ));
        }
    }
    for (name, slt) in slt_examples(variant) {
        if let Ok(sif) = slt.to_bytes() {
            v.push((
                name,
                Mtp3Repr {
                    variant,
                    si: si::MTN,
                    ni: ni::NATIONAL,
                    priority: prio,
                    dpc: stp,
                    opc: ssp,
                    sls: sls_slc,
                    sif,
                },
            ));
        }
    }
    if variant == Variant::Ansi {
        if let Ok(sif) = (Slt::Sltm { slc: 3, pattern: TEST_PATTERN.to_vec() }).to_bytes() {
            v.push((
                "SLTM (MTNS, SI=2)",
                Mtp3Repr {
                    variant,
                    si: si::MTNS,
                    ni: ni::NATIONAL,
                    priority: prio,
                    dpc: stp,
                    opc: ssp,
                    sls: sls_slc,
                    sif,
                },
            ));
        }
    }
    v
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // ITU SLTM: SIO 0x81 (national, SI 1), DPC 1, OPC 2, SLS 0, H0H1 0x11,
    // length 10 | spare 0 = 0xa0, pattern "2564286288" — as libss7 builds it
    // (mtp3.c, `std_test_send`).
    static ITU_SLTM: [u8; 17] = [
        0x81, 0x01, 0x80, 0x00, 0x00, 0x11, 0xa0, b'2', b'5', b'6', b'4', b'2', b'8', b'6', b'2', b'8', b'8',
    ];

    // ANSI TFP: SIO 0xb0 (national, priority 3, SI 0), DPC 245-16-1,
    // OPC 245-20-7, SLS 3, H0H1 0x14, affected destination 246-3-12.
    static ANSI_TFP: [u8; 12] = [0xb0, 0x01, 0x10, 0xf5, 0x07, 0x14, 0xf5, 0x03, 0x14, 0x0c, 0x03, 0xf6];

    // ANSI SLTM as libss7 sends it on link up (mtp3.c `std_test_send` +
    // `mtp3_transmit`): SI 2 (special test), priority 3, NI national; label
    // DPC 245-16-1, OPC 245-20-7, SLS = SLC 2; the SLC nibble left 0.
    static ANSI_SLTM_LIBSS7: [u8; 20] = [
        0xb2, 0x01, 0x10, 0xf5, 0x07, 0x14, 0xf5, 0x02, 0x11, 0xa0, b'2', b'5', b'6', b'4', b'2', b'8', b'6',
        b'2', b'8', b'8',
    ];

    // ITU TRA as libss7 sends it (`net_mng_send_tra`): SIO 0x80, DPC 1, OPC 2, SLS 0, H0/H1 0x17.
    static ITU_TRA_LIBSS7: [u8; 6] = [0x80, 0x01, 0x80, 0x00, 0x00, 0x17];

    // Frames from a live ITU link between point codes 136 and 91, kept as
    // test vectors by osmocom libosmo-sccp (tests/mtp/mtp_parse_test.c,
    // pkt1, pkt3, pkt6, pkt7, pkt10).
    static OSMO_SLTM: [u8; 21] = [
        0x81, 0x88, 0xc0, 0x16, 0x00, 0x11, 0xe0, 0x62, 0x61, 0x72, 0x62, 0x61, 0x6e, 0x6f, 0x62, 0x61, 0x72,
        0x6e, 0x61, 0x62, 0x6f,
    ];
    static OSMO_SLTA: [u8; 21] = [
        0x81, 0x88, 0xc0, 0x16, 0x00, 0x21, 0xe0, 0x41, 0x6d, 0x69, 0x74, 0x20, 0x43, 0x68, 0x61, 0x6e, 0x64,
        0x72, 0x61, 0x00, 0x00,
    ];
    static OSMO_TRA: [u8; 6] = [0x80, 0x5b, 0x00, 0x22, 0x00, 0x17];
    static OSMO_TFP: [u8; 8] = [0x80, 0x88, 0xc0, 0x16, 0x00, 0x14, 0x56, 0x00];
    static OSMO_SCCP_UDT: [u8; 26] = [
        0x83, 0x5b, 0x00, 0x22, 0x20, 0x09, 0x00, 0x03, 0x07, 0x0b, 0x04, 0xc3, 0x5b, 0x00, 0x01, 0x04, 0xc3,
        0x88, 0x00, 0x01, 0x05, 0x03, 0xfe, 0x5b, 0x00, 0x01,
    ];

    #[test]
    fn osmocom_live_link_vectors() {
        let r = Mtp3Repr::parse(&OSMO_SLTM, Variant::Itu).unwrap();
        assert_eq!(
            (r.si, r.ni, r.dpc, r.opc, r.sls),
            (si::MTN, ni::NATIONAL, PointCode(136), PointCode(91), 0)
        );
        assert_eq!(Slt::parse(&r.sif).unwrap(), Slt::Sltm { slc: 0, pattern: b"barbanobarnabo".to_vec() });
        assert_eq!(r.to_bytes().unwrap(), OSMO_SLTM);

        let r = Mtp3Repr::parse(&OSMO_SLTA, Variant::Itu).unwrap();
        assert_eq!(Slt::parse(&r.sif).unwrap(), Slt::Slta { slc: 0, pattern: b"Amit Chandra\0\0".to_vec() });

        let r = Mtp3Repr::parse(&OSMO_TRA, Variant::Itu).unwrap();
        assert_eq!((r.dpc, r.opc), (PointCode(91), PointCode(136)));
        assert_eq!(SnmRepr::parse(&r.sif, Variant::Itu).unwrap().message, Snm::Tra);

        let r = Mtp3Repr::parse(&OSMO_TFP, Variant::Itu).unwrap();
        assert_eq!(SnmRepr::parse(&r.sif, Variant::Itu).unwrap().message, Snm::Tfp { dest: PointCode(86) });
        assert_eq!(r.to_bytes().unwrap(), OSMO_TFP);

        let p = Mtp3Packet::new_checked(&OSMO_SCCP_UDT[..], Variant::Itu).unwrap();
        assert_eq!((p.si(), p.dpc(), p.opc(), p.sls()), (si::SCCP, PointCode(91), PointCode(136), 2));
        assert_eq!(p.sif()[0], 0x09); // SCCP UDT
    }

    #[test]
    fn libss7_vectors() {
        let r = Mtp3Repr::parse(&ANSI_SLTM_LIBSS7, Variant::Ansi).unwrap();
        assert_eq!((r.si, r.ni, r.priority, r.sls), (si::MTNS, ni::NATIONAL, 3, 2));
        assert_eq!((r.dpc, r.opc), (PointCode::ansi(245, 16, 1), PointCode::ansi(245, 20, 7)));
        assert_eq!(Slt::parse(&r.sif).unwrap(), Slt::Sltm { slc: 0, pattern: b"2564286288".to_vec() });
        assert_eq!(r.to_bytes().unwrap(), ANSI_SLTM_LIBSS7);
        let r = Mtp3Repr::parse(&ITU_TRA_LIBSS7, Variant::Itu).unwrap();
        assert_eq!(SnmRepr::parse(&r.sif, Variant::Itu).unwrap().message, Snm::Tra);
        assert_eq!(r.to_bytes().unwrap(), ITU_TRA_LIBSS7);
    }

    #[test]
    fn deconstruct_itu_sltm() {
        let p = Mtp3Packet::new_checked(&ITU_SLTM[..], Variant::Itu).unwrap();
        assert_eq!(p.si(), si::MTN);
        assert_eq!(p.ni(), ni::NATIONAL);
        assert_eq!(p.dpc(), PointCode(1));
        assert_eq!(p.opc(), PointCode(2));
        assert_eq!(p.sls(), 0);
        let slt = Slt::parse(p.sif()).unwrap();
        assert_eq!(slt, Slt::Sltm { slc: 0, pattern: b"2564286288".to_vec() });
    }

    #[test]
    fn construct_itu_sltm() {
        let r = Mtp3Repr {
            variant: Variant::Itu,
            si: 1,
            ni: 2,
            priority: 0,
            dpc: PointCode(1),
            opc: PointCode(2),
            sls: 0,
            sif: Slt::Sltm { slc: 0, pattern: b"2564286288".to_vec() }.to_bytes().unwrap(),
        };
        assert_eq!(r.to_bytes().unwrap(), ITU_SLTM);
        assert_eq!(Mtp3Repr::parse(&ITU_SLTM, Variant::Itu).unwrap(), r);
    }

    #[test]
    fn ansi_tfp() {
        let r = Mtp3Repr::parse(&ANSI_TFP, Variant::Ansi).unwrap();
        assert_eq!(r.priority, 3);
        assert_eq!(r.dpc, PointCode::ansi(245, 16, 1));
        assert_eq!(r.opc, PointCode::ansi(245, 20, 7));
        assert_eq!(r.sls, 3);
        let snm = SnmRepr::parse(&r.sif, Variant::Ansi).unwrap();
        assert_eq!(snm.message, Snm::Tfp { dest: PointCode::ansi(246, 3, 12) });
        assert_eq!(r.to_bytes().unwrap(), ANSI_TFP);
    }

    #[test]
    fn itu_label_bit_layout() {
        // Q.704 §2.2: DPC in the 14 low bits, then OPC, then SLS, LSB first.
        let r = Mtp3Repr {
            variant: Variant::Itu,
            si: 3,
            ni: 0,
            priority: 0,
            dpc: PointCode(0x3fff),
            opc: PointCode(0),
            sls: 0xf,
            sif: vec![],
        };
        assert_eq!(r.to_bytes().unwrap(), [0x03, 0xff, 0x3f, 0x00, 0xf0]);
        let r = Mtp3Repr { dpc: PointCode(0), opc: PointCode(0x3fff), sls: 0, ..r };
        assert_eq!(r.to_bytes().unwrap(), [0x03, 0x00, 0xc0, 0xff, 0x0f]);
    }

    #[test]
    fn itu_coo_and_ansi_coo_layout() {
        let itu = SnmRepr { variant: Variant::Itu, message: Snm::Coo { slc: None, fsn: 93 } };
        assert_eq!(itu.to_bytes().unwrap(), [0x11, 93]);
        // ANSI: SLC 3 in bits 0-3, FSN 93 (0b1011101) in bits 4-10.
        let ansi = SnmRepr { variant: Variant::Ansi, message: Snm::Coo { slc: Some(3), fsn: 93 } };
        assert_eq!(ansi.to_bytes().unwrap(), [0x11, 0xd3, 0x05]);
        assert_eq!(SnmRepr::parse(&[0x11, 0xd3, 0x05], Variant::Ansi).unwrap(), ansi);
    }

    #[test]
    fn non_canonical_snm_is_kept_as_unknown() {
        // ITU COO with the spare bit set.
        let r = SnmRepr::parse(&[0x11, 0x85], Variant::Itu).unwrap();
        assert_eq!(r.message, Snm::Unknown { h0h1: 0x11, bytes: vec![0x85] });
        assert_eq!(r.to_bytes().unwrap(), [0x11, 0x85]);
        // TCP does not exist in ITU.
        let r = SnmRepr::parse(&[0x24, 0x01, 0x00], Variant::Itu).unwrap();
        assert!(matches!(r.message, Snm::Unknown { h0h1: 0x24, .. }));
        // An Unknown holding canonical bytes of a TFP is refused.
        let bad = SnmRepr { variant: Variant::Itu, message: Snm::Unknown { h0h1: 0x14, bytes: vec![1, 0] } };
        assert!(bad.to_bytes().is_err());
    }

    #[test]
    fn snm_emit_refuses_out_of_range() {
        let e = SnmRepr { variant: Variant::Itu, message: Snm::Coo { slc: None, fsn: 128 } };
        assert_eq!(e.to_bytes().unwrap_err().message.as_deref(), Some("COO"));
        let e = SnmRepr { variant: Variant::Itu, message: Snm::Lin { slc: Some(1) } };
        assert!(e.to_bytes().is_err());
        let e = SnmRepr { variant: Variant::Ansi, message: Snm::Lin { slc: None } };
        assert!(e.to_bytes().is_err());
        let e = SnmRepr { variant: Variant::Itu, message: Snm::Tcp { dest: PointCode(1) } };
        assert!(e.to_bytes().is_err());
        let e = SnmRepr { variant: Variant::Itu, message: Snm::Tfp { dest: PointCode(0x4000) } };
        assert!(e.to_bytes().is_err());
    }

    #[test]
    fn truncated_label_reports_offset() {
        let e = Mtp3Repr::parse(&[0x83, 0x01, 0x02], Variant::Itu).unwrap_err();
        assert_eq!(e.layer, Layer::Mtp3);
        assert_eq!(e.offset, 1);
        assert_eq!(e.reason, Reason::Truncated { needed: 4, available: 2 });
        let e = Mtp3Repr::parse(&[0x83, 1, 2, 3, 4, 5], Variant::Ansi).unwrap_err();
        assert_eq!(e.reason, Reason::Truncated { needed: 7, available: 5 });
        assert_eq!(Mtp3Repr::parse(&[], Variant::Itu).unwrap_err().offset, 0);
        assert_eq!(SnmRepr::parse(&[], Variant::Itu).unwrap_err().layer, Layer::Mtp3);
    }

    #[test]
    fn examples_round_trip() {
        for variant in [Variant::Itu, Variant::Ansi] {
            for (name, r) in examples(variant) {
                let b = r.to_bytes().unwrap();
                assert_eq!(b.len(), r.buffer_len(), "{name}");
                assert_eq!(Mtp3Repr::parse(&b, variant).unwrap(), r, "{name}");
                let json = serde_json::to_string(&r).unwrap();
                assert_eq!(serde_json::from_str::<Mtp3Repr>(&json).unwrap(), r, "{name}");
            }
            for (name, r) in snm_examples(variant) {
                let b = r.to_bytes().unwrap();
                assert_eq!(b.len(), r.buffer_len(), "{name}");
                let back = SnmRepr::parse(&b, variant).unwrap();
                assert_eq!(back, r, "{name}");
                assert_eq!(r.message.name(), name);
                let json = serde_json::to_string(&r).unwrap();
                assert_eq!(serde_json::from_str::<SnmRepr>(&json).unwrap(), r, "{name}");
            }
            for (name, r) in slt_examples(variant) {
                let b = r.to_bytes().unwrap();
                assert_eq!(b.len(), r.buffer_len(), "{name}");
                assert_eq!(Slt::parse(&b).unwrap(), r, "{name}");
            }
        }
    }

    #[test]
    fn view_setters() {
        let mut b = ANSI_TFP;
        let mut p = Mtp3Packet::new_checked(&mut b[..], Variant::Ansi).unwrap();
        p.set_dpc(PointCode::ansi(1, 2, 3));
        p.set_sls(0x1f);
        p.set_ni(0);
        assert_eq!(p.dpc(), PointCode::ansi(1, 2, 3));
        assert_eq!(p.opc(), PointCode::ansi(245, 20, 7));
        assert_eq!(p.sls(), 0x1f);
        assert_eq!(p.ni(), 0);
        let mut b = ITU_SLTM;
        let mut p = Mtp3Packet::new_checked(&mut b[..], Variant::Itu).unwrap();
        p.set_opc(PointCode(0x1234));
        p.set_sls(9);
        assert_eq!((p.dpc(), p.opc(), p.sls()), (PointCode(1), PointCode(0x1234), 9));
    }
}
