//! ISUP message types and the table of message formats (Q.763 §4 tables 21–51,
//! T1.113.3 §3): which mandatory fixed parameters (with their lengths), which
//! mandatory variable parameters, and whether an optional part is allowed.
//!
//! One table drives both the parser and the emitter; a message type with no
//! entry for a variant is carried as a raw body.

use super::param::code;
use crate::Variant;

macro_rules! message_types {
    ($( $(#[$m:meta])* $name:ident = $code:literal, $acro:literal, $long:literal; )*) => {
        /// An ISUP message type code (Q.763 Table 4, T1.113.3 Table 2).
        ///
        /// The code points are shared by ITU and ANSI; whether a variant
        /// defines the message is the business of [`format()`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum MessageType {
            $( $(#[$m])* $name, )*
            /// A code this crate has no name for; the body is kept raw.
            Unknown(u8),
        }

        impl MessageType {
            /// The type for a code octet.
            pub const fn from_code(c: u8) -> Self {
                match c {
                    $( $code => MessageType::$name, )*
                    other => MessageType::Unknown(other),
                }
            }

            /// [`from_code`](Self::from_code) through a 256-entry table.
            #[inline]
            pub(crate) fn lookup(c: u8) -> Self {
                static BY_CODE: [MessageType; 256] = {
                    let mut t = [MessageType::Unknown(0); 256];
                    let mut c = 0;
                    while c < 256 {
                        t[c] = MessageType::from_code(c as u8);
                        c += 1;
                    }
                    t
                };
                BY_CODE[usize::from(c)]
            }

            /// The code octet.
            #[inline]
            pub const fn code(self) -> u8 {
                match self {
                    $( MessageType::$name => $code, )*
                    MessageType::Unknown(c) => c,
                }
            }

            /// The acronym (`"IAM"`), or `"unknown"`.
            pub fn acronym(self) -> &'static str {
                match self {
                    $( MessageType::$name => $acro, )*
                    MessageType::Unknown(_) => "unknown",
                }
            }

            /// The spec's name (`"initial address"`).
            pub fn long_name(self) -> &'static str {
                match self {
                    $( MessageType::$name => $long, )*
                    MessageType::Unknown(_) => "unknown message",
                }
            }
        }
    };
}

message_types! {
    Iam = 0x01, "IAM", "initial address";
    Sam = 0x02, "SAM", "subsequent address";
    Inr = 0x03, "INR", "information request";
    Inf = 0x04, "INF", "information";
    Cot = 0x05, "COT", "continuity";
    Acm = 0x06, "ACM", "address complete";
    Con = 0x07, "CON", "connect";
    Fot = 0x08, "FOT", "forward transfer";
    Anm = 0x09, "ANM", "answer";
    Rel = 0x0c, "REL", "release";
    Sus = 0x0d, "SUS", "suspend";
    Res = 0x0e, "RES", "resume";
    Rlc = 0x10, "RLC", "release complete";
    Ccr = 0x11, "CCR", "continuity check request";
    Rsc = 0x12, "RSC", "reset circuit";
    Blo = 0x13, "BLO", "blocking";
    Ubl = 0x14, "UBL", "unblocking";
    Bla = 0x15, "BLA", "blocking acknowledgement";
    Uba = 0x16, "UBA", "unblocking acknowledgement";
    Grs = 0x17, "GRS", "circuit group reset";
    Cgb = 0x18, "CGB", "circuit group blocking";
    Cgu = 0x19, "CGU", "circuit group unblocking";
    Cgba = 0x1a, "CGBA", "circuit group blocking acknowledgement";
    Cgua = 0x1b, "CGUA", "circuit group unblocking acknowledgement";
    Far = 0x1f, "FAR", "facility request";
    Faa = 0x20, "FAA", "facility accepted";
    Frj = 0x21, "FRJ", "facility reject";
    Lpa = 0x24, "LPA", "loop back acknowledgement";
    Pam = 0x28, "PAM", "pass-along";
    Gra = 0x29, "GRA", "circuit group reset acknowledgement";
    Cqm = 0x2a, "CQM", "circuit group query";
    Cqr = 0x2b, "CQR", "circuit group query response";
    Cpg = 0x2c, "CPG", "call progress";
    Usr = 0x2d, "USR", "user-to-user information";
    Ucic = 0x2e, "UCIC", "unequipped CIC";
    Cfn = 0x2f, "CFN", "confusion";
    Olm = 0x30, "OLM", "overload";
    Crg = 0x31, "CRG", "charge information";
    Nrm = 0x32, "NRM", "network resource management";
    Fac = 0x33, "FAC", "facility";
    Upt = 0x34, "UPT", "user part test";
    Upa = 0x35, "UPA", "user part available";
    Idr = 0x36, "IDR", "identification request";
    Irs = 0x37, "IRS", "identification response";
    Sgm = 0x38, "SGM", "segmentation";
    Lop = 0x40, "LOP", "loop prevention";
    Apm = 0x41, "APM", "application transport";
    Pri = 0x42, "PRI", "pre-release information";
    /// ANSI circuit reservation acknowledgement.
    Cra = 0xe9, "CRA", "circuit reservation acknowledgement";
    /// ANSI circuit reservation.
    Crm = 0xea, "CRM", "circuit reservation";
    /// ANSI circuit validation response.
    Cvr = 0xeb, "CVR", "circuit validation response";
    /// ANSI circuit validation test.
    Cvt = 0xec, "CVT", "circuit validation test";
    /// ANSI exit.
    Exm = 0xed, "EXM", "exit";
}

/// The layout of one message: Q.763 §1.3 / Figure 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// Mandatory fixed parameters in order: (parameter code, length in octets).
    pub fixed: &'static [(u8, usize)],
    /// Mandatory variable parameters in order (each reached by a pointer).
    pub variable: &'static [u8],
    /// Whether the message ends with an optional-part pointer.
    pub optional: bool,
}

impl Format {
    /// Number of mandatory parameters (fixed + variable).
    pub fn mandatory_len(&self) -> usize {
        self.fixed.len() + self.variable.len()
    }
}

const fn f(fixed: &'static [(u8, usize)], variable: &'static [u8], optional: bool) -> Format {
    Format { fixed, variable, optional }
}

const NONE: Format = f(&[], &[], false);
const OPT_ONLY: Format = f(&[], &[], true);
const ITU_IAM: Format = f(
    &[(code::NATURE_OF_CONNECTION, 1), (code::FORWARD_CALL, 2), (code::CALLING_CATEGORY, 1), (code::TMR, 1)],
    &[code::CALLED],
    true,
);
// T1.113.3 §3.1: ANSI IAM carries user service information as a mandatory
// variable parameter, and has no transmission medium requirement.
const ANSI_IAM: Format = f(
    &[(code::NATURE_OF_CONNECTION, 1), (code::FORWARD_CALL, 2), (code::CALLING_CATEGORY, 1)],
    &[code::USER_SERVICE_INFO, code::CALLED],
    true,
);
const SAM: Format = f(&[], &[code::SUBSEQUENT], true);
const INR: Format = f(&[(code::INFO_REQUEST, 2)], &[], true);
const INF: Format = f(&[(code::INFO, 2)], &[], true);
const COT: Format = f(&[(code::CONTINUITY, 1)], &[], false);
const ACM: Format = f(&[(code::BACKWARD_CALL, 2)], &[], true);
const REL: Format = f(&[], &[code::CAUSE], true);
const SUS_RES: Format = f(&[(code::SUSPEND_RESUME, 1)], &[], true);
const RANGE: Format = f(&[], &[code::RANGE_STATUS], false);
const CGB: Format = f(&[(code::CGSMT, 1)], &[code::RANGE_STATUS], false);
// T1.113.3: ANSI GRS and GRA allow an optional part (e.g. the circuit
// assignment map); libss7 sends its pointer (0 when empty).
const ANSI_RANGE: Format = f(&[], &[code::RANGE_STATUS], true);
const FAR: Format = f(&[(code::FACILITY_IND, 1)], &[], true);
const FRJ: Format = f(&[(code::FACILITY_IND, 1)], &[code::CAUSE], true);
const CQR: Format = f(&[], &[code::RANGE_STATUS, code::CIRCUIT_STATE], false);
const CPG: Format = f(&[(code::EVENT_INFO, 1)], &[], true);
const USR: Format = f(&[], &[code::UUI], true);
const CRM: Format = f(&[(code::NATURE_OF_CONNECTION, 1)], &[], false);
const CVR: Format = f(&[(code::CVR_RESPONSE, 1), (code::CG_CHARACTERISTICS, 1)], &[], true);

/// The table below, as written: used only to fill [`FORMATS`].
const fn format_of(mt: MessageType, itu: bool) -> Option<&'static Format> {
    use MessageType as M;
    Some(match mt {
        M::Iam if itu => &ITU_IAM,
        M::Iam => &ANSI_IAM,
        M::Sam => &SAM,
        M::Inr => &INR,
        M::Inf => &INF,
        M::Cot => &COT,
        M::Acm => &ACM,
        M::Con if itu => &ACM,
        M::Fot
        | M::Anm
        | M::Fac
        | M::Nrm
        | M::Upt
        | M::Upa
        | M::Idr
        | M::Irs
        | M::Sgm
        | M::Lop
        | M::Apm
        | M::Pri
            if itu =>
        {
            &OPT_ONLY
        }
        M::Anm | M::Fac | M::Fot => &OPT_ONLY,
        M::Exm if !itu => &OPT_ONLY,
        M::Rel => &REL,
        M::Sus | M::Res => &SUS_RES,
        // Q.763 Table 32: RLC has an optional part; T1.113.3 RLC is the
        // message type only.
        M::Rlc if itu => &OPT_ONLY,
        M::Rlc => &NONE,
        M::Ccr | M::Rsc | M::Blo | M::Ubl | M::Bla | M::Uba | M::Lpa | M::Ucic => &NONE,
        M::Olm if itu => &NONE,
        M::Cra | M::Cvt if !itu => &NONE,
        M::Grs | M::Gra if !itu => &ANSI_RANGE,
        M::Grs | M::Gra | M::Cqm => &RANGE,
        M::Cgb | M::Cgu | M::Cgba | M::Cgua => &CGB,
        M::Far | M::Faa => &FAR,
        M::Frj => &FRJ,
        M::Cqr => &CQR,
        M::Cpg => &CPG,
        M::Usr => &USR,
        M::Cfn => &REL,
        M::Crm if !itu => &CRM,
        M::Cvr if !itu => &CVR,
        _ => return None,
    })
}

/// [`format_of`] for every code octet: `[ITU, ANSI][code]`, so that parse and
/// emit find a format with one indexed load instead of two `match`es.
static FORMATS: [[Option<&'static Format>; 256]; 2] = {
    let mut t = [[None; 256]; 2];
    let mut c = 0;
    while c < 256 {
        let mt = MessageType::from_code(c as u8);
        t[0][c] = format_of(mt, true);
        t[1][c] = format_of(mt, false);
        c += 1;
    }
    t
};

/// For every code octet, `[ITU, ANSI][code]`: the length of the message
/// when its format has no parameter at all (3, or 4 with the optional-part
/// pointer at 0: ANM, RLC, CCR, BLO, ...), else 0. `Repr::parse` answers those
/// messages without the walk.
static BARE: [[u8; 256]; 2] = {
    const fn bare(f: Option<&'static Format>) -> u8 {
        match f {
            Some(f) if f.fixed.is_empty() && f.variable.is_empty() => 3 + f.optional as u8,
            _ => 0,
        }
    }
    let mut t = [[0; 256]; 2];
    let mut c = 0;
    while c < 256 {
        let mt = MessageType::from_code(c as u8);
        t[0][c] = bare(format_of(mt, true));
        t[1][c] = bare(format_of(mt, false));
        c += 1;
    }
    t
};

/// See [`BARE`].
#[inline(always)]
pub(crate) fn bare_len(c: u8, variant: Variant) -> usize {
    usize::from(
        BARE[match variant {
            Variant::Itu => 0,
            Variant::Ansi => 1,
        }][usize::from(c)],
    )
}

/// The format of `mt` in `variant`, or `None` when the body is carried raw.
#[inline]
pub fn format(mt: MessageType, variant: Variant) -> Option<&'static Format> {
    format_by_code(mt.code(), variant)
}

/// The format of message type code `c` in `variant`.
#[inline]
pub(crate) fn format_by_code(c: u8, variant: Variant) -> Option<&'static Format> {
    FORMATS[match variant {
        Variant::Itu => 0,
        Variant::Ansi => 1,
    }][usize::from(c)]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in 0..=255u8 {
            assert_eq!(MessageType::from_code(c).code(), c);
            assert_eq!(MessageType::lookup(c), MessageType::from_code(c));
        }
        assert_eq!(MessageType::from_code(1), MessageType::Iam);
        assert_eq!(MessageType::Cvr.code(), 0xeb);
    }

    #[test]
    fn ansi_iam_differs() {
        let i = format(MessageType::Iam, Variant::Itu).unwrap();
        let a = format(MessageType::Iam, Variant::Ansi).unwrap();
        assert_eq!(i.fixed.len(), 4);
        assert_eq!(a.variable, &[code::USER_SERVICE_INFO, code::CALLED]);
        assert!(format(MessageType::Con, Variant::Ansi).is_none());
        assert!(format(MessageType::Cvr, Variant::Itu).is_none());
    }

    #[test]
    fn table_matches_the_match() {
        for c in 0..=255u8 {
            let mt = MessageType::from_code(c);
            assert_eq!(format(mt, Variant::Itu), format_of(mt, true), "{c}");
            assert_eq!(format(mt, Variant::Ansi), format_of(mt, false), "{c}");
        }
    }
}
