//! ISUP parameters (Q.763 §3, T1.113.3 §3): typed where a switch looks
//! inside, raw bytes elsewhere.
//!
//! Every typed parameter keeps all of its bits, spare ones included, so that
//! `emit(parse(b)) == b`. Bit-field parameters (nature of connection, forward
//! and backward call indicators, ...) hold their raw value in wire order, with
//! a getter and a `with_*` builder per field named after the spec; JSON shows
//! the named fields and refuses a value wider than its bits, so a bit-field
//! can never hold something `emit` could not write back. Number-bearing
//! parameters ([`Number`]) keep their fields apart; `emit` refuses a field
//! wider than its bits.
//! Address digits are strings of `0`–`9`/`A`–`F` ([`crate::digits`]); `F` is
//! ST (end of pulsing) in called party numbers. The filler nibble after an odd
//! number of digits must be 0 (Q.763 §3.9 f): a non-zero filler is refused
//! rather than silently dropped.

use super::addr::Digits;
use crate::digits;
use crate::error::{Error, Layer, Reason, Result};
// Writes a value over a slot holding `Parameter::PLACEHOLDER`.
use crate::inline::overwrite as set;
use crate::Variant;

/// Parameter name codes (Q.763 Table 5, T1.113.3 Table 3).
pub mod code {
    pub const END_OF_OPTIONAL: u8 = 0x00;
    pub const CALL_REFERENCE: u8 = 0x01;
    pub const TMR: u8 = 0x02;
    pub const ACCESS_TRANSPORT: u8 = 0x03;
    pub const CALLED: u8 = 0x04;
    pub const SUBSEQUENT: u8 = 0x05;
    pub const NATURE_OF_CONNECTION: u8 = 0x06;
    pub const FORWARD_CALL: u8 = 0x07;
    pub const OPTIONAL_FORWARD_CALL: u8 = 0x08;
    pub const CALLING_CATEGORY: u8 = 0x09;
    pub const CALLING: u8 = 0x0a;
    pub const REDIRECTING: u8 = 0x0b;
    pub const REDIRECTION_NUMBER: u8 = 0x0c;
    pub const CONNECTION_REQUEST: u8 = 0x0d;
    pub const INFO_REQUEST: u8 = 0x0e;
    pub const INFO: u8 = 0x0f;
    pub const CONTINUITY: u8 = 0x10;
    pub const BACKWARD_CALL: u8 = 0x11;
    pub const CAUSE: u8 = 0x12;
    pub const REDIRECTION_INFO: u8 = 0x13;
    pub const CGSMT: u8 = 0x15;
    pub const RANGE_STATUS: u8 = 0x16;
    pub const FACILITY_IND: u8 = 0x18;
    pub const CUG_INTERLOCK: u8 = 0x1a;
    pub const USER_SERVICE_INFO: u8 = 0x1d;
    pub const SIGNALLING_POINT_CODE: u8 = 0x1e;
    pub const UUI: u8 = 0x20;
    pub const CONNECTED: u8 = 0x21;
    pub const SUSPEND_RESUME: u8 = 0x22;
    pub const TRANSIT_NETWORK_SELECTION: u8 = 0x23;
    pub const EVENT_INFO: u8 = 0x24;
    pub const CIRCUIT_STATE: u8 = 0x26;
    pub const AUTOMATIC_CONGESTION_LEVEL: u8 = 0x27;
    pub const ORIGINAL_CALLED: u8 = 0x28;
    pub const OPTIONAL_BACKWARD_CALL: u8 = 0x29;
    pub const UUI_INDICATORS: u8 = 0x2a;
    pub const PROPAGATION_DELAY: u8 = 0x31;
    pub const HOP_COUNTER: u8 = 0x3d;
    pub const LOCATION: u8 = 0x3f;
    pub const GENERIC_NUMBER: u8 = 0xc0;
    pub const GENERIC_DIGITS: u8 = 0xc1;
    /// ANSI jurisdiction information.
    pub const JURISDICTION: u8 = 0xc4;
    /// ANSI carrier identification.
    pub const CARRIER_ID: u8 = 0xc5;
    /// ANSI circuit group characteristic indicator (CVR).
    pub const CG_CHARACTERISTICS: u8 = 0xe5;
    /// ANSI circuit validation response indicator (CVR).
    pub const CVR_RESPONSE: u8 = 0xe6;
    /// ANSI originating line information.
    pub const ORIGINATING_LINE_INFO: u8 = 0xea;
    /// ANSI charge number.
    pub const CHARGE_NUMBER: u8 = 0xeb;
}

/// A parameter's name for error messages and docs.
pub fn parameter_name(c: u8, variant: Variant) -> &'static str {
    let ansi = variant == Variant::Ansi;
    match c {
        code::END_OF_OPTIONAL => "end of optional parameters",
        code::CALL_REFERENCE => "call reference",
        code::TMR => "transmission medium requirement",
        code::ACCESS_TRANSPORT => "access transport",
        code::CALLED => "called party number",
        code::SUBSEQUENT => "subsequent number",
        code::NATURE_OF_CONNECTION => "nature of connection indicators",
        code::FORWARD_CALL => "forward call indicators",
        code::OPTIONAL_FORWARD_CALL => "optional forward call indicators",
        code::CALLING_CATEGORY => "calling party's category",
        code::CALLING => "calling party number",
        code::REDIRECTING => "redirecting number",
        code::REDIRECTION_NUMBER => "redirection number",
        code::CONNECTION_REQUEST => "connection request",
        code::INFO_REQUEST => "information request indicators",
        code::INFO => "information indicators",
        code::CONTINUITY => "continuity indicators",
        code::BACKWARD_CALL => "backward call indicators",
        code::CAUSE => "cause indicators",
        code::REDIRECTION_INFO => "redirection information",
        code::CGSMT => "circuit group supervision message type",
        code::RANGE_STATUS => "range and status",
        code::FACILITY_IND => "facility indicator",
        code::CUG_INTERLOCK => "closed user group interlock code",
        code::USER_SERVICE_INFO => "user service information",
        code::SIGNALLING_POINT_CODE => "signalling point code",
        code::UUI => "user-to-user information",
        code::CONNECTED => "connected number",
        code::SUSPEND_RESUME => "suspend/resume indicators",
        code::TRANSIT_NETWORK_SELECTION => "transit network selection",
        code::EVENT_INFO => "event information",
        code::CIRCUIT_STATE => "circuit state indicator",
        code::AUTOMATIC_CONGESTION_LEVEL => "automatic congestion level",
        code::ORIGINAL_CALLED => "original called number",
        code::OPTIONAL_BACKWARD_CALL => "optional backward call indicators",
        code::UUI_INDICATORS => "user-to-user indicators",
        code::PROPAGATION_DELAY => "propagation delay counter",
        code::HOP_COUNTER => "hop counter",
        code::LOCATION => "location number",
        code::GENERIC_NUMBER if ansi => "generic address",
        code::GENERIC_NUMBER => "generic number",
        code::GENERIC_DIGITS => "generic digits",
        code::JURISDICTION if ansi => "jurisdiction information",
        code::CARRIER_ID if ansi => "carrier identification",
        code::CG_CHARACTERISTICS if ansi => "circuit group characteristic indicator",
        code::CVR_RESPONSE if ansi => "circuit validation response indicator",
        code::ORIGINATING_LINE_INFO if ansi => "originating line information",
        code::CHARGE_NUMBER if ansi => "charge number",
        _ => "unknown parameter",
    }
}

macro_rules! bitfields {
    ($(
        $(#[$m:meta])*
        $name:ident / $fields:ident = $fstr:literal : $ty:ty { $( $(#[$fm:meta])* $field:ident / $with:ident : $shift:literal , $width:literal ; )* }
    )*) => {$(
        $(#[$m])*
        ///
        /// Held as the raw value in wire order (every bit, spare ones
        /// included); read fields with the getters, build with the `with_*`
        /// methods.
        #[doc = concat!("JSON shows the named fields ([`", stringify!($fields), "`]).")]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = $fstr, into = $fstr)]
        pub struct $name(pub $ty);

        #[doc = concat!("The named fields of [`", stringify!($name), "`], for JSON.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
        pub struct $fields {
            $( $(#[$fm])* pub $field: u8, )*
        }

        impl $name {
            /// Wraps the raw value.
            pub fn from_raw(v: $ty) -> Self {
                Self(v)
            }

            /// The raw value.
            pub fn to_raw(self) -> $ty {
                self.0
            }

            $(
                $(#[$fm])*
                #[allow(clippy::cast_possible_truncation)]
                pub fn $field(self) -> u8 {
                    ((self.0 >> $shift) & ((1 << $width) - 1)) as u8
                }

                /// The same with this field set (extra high bits of `v` are dropped).
                #[must_use]
                pub fn $with(self, v: u8) -> Self {
                    let mask: $ty = ((1 << $width) - 1) << $shift;
                    Self((self.0 & !mask) | ((<$ty>::from(v) << $shift) & mask))
                }
            )*

            /// All fields by name.
            pub fn fields(self) -> $fields {
                $fields { $( $field: self.$field(), )* }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.fields().fmt(f)
            }
        }

        impl From<$name> for $fields {
            fn from(v: $name) -> Self {
                v.fields()
            }
        }

        impl TryFrom<$fields> for $name {
            type Error = String;
            fn try_from(f: $fields) -> std::result::Result<Self, String> {
                let mut v = Self(0);
                $(
                    if u32::from(f.$field) >= (1u32 << $width) {
                        return Err(format!("{} = {} does not fit {} bits", stringify!($field), f.$field, $width));
                    }
                    v = v.$with(f.$field);
                )*
                Ok(v)
            }
        }
    )*};
}

bitfields! {
    /// Nature of connection indicators (Q.763 §3.35).
    NatureOfConnection / NatureOfConnectionFields = "NatureOfConnectionFields": u8 {
        /// 0 none, 1 one satellite circuit, 2 two, 3 spare.
        satellite / with_satellite: 0, 2;
        /// 0 not required, 1 required on this circuit, 2 performed on a previous circuit.
        continuity_check / with_continuity_check: 2, 2;
        /// 1 outgoing echo control device included.
        echo_control_device / with_echo_control_device: 4, 1;
        spare / with_spare: 5, 3;
    }

    /// Forward call indicators (Q.763 §3.23; T1.113.3 uses the same layout).
    ForwardCallIndicators / ForwardCallIndicatorsFields = "ForwardCallIndicatorsFields": u16 {
        /// A: 0 national call, 1 international call.
        national_international / with_national_international: 0, 1;
        /// CB: end-to-end method.
        end_to_end_method / with_end_to_end_method: 1, 2;
        /// D: interworking encountered.
        interworking / with_interworking: 3, 1;
        /// E: end-to-end information available.
        end_to_end_information / with_end_to_end_information: 4, 1;
        /// F: ISDN user part used all the way.
        isup / with_isup: 5, 1;
        /// HG: 0 preferred, 1 not required, 2 required all the way.
        isup_preference / with_isup_preference: 6, 2;
        /// I: 1 originating access ISDN.
        isdn_access / with_isdn_access: 8, 1;
        /// KJ: SCCP method.
        sccp_method / with_sccp_method: 9, 2;
        /// L: ported number translated (national).
        ported_number_translated / with_ported_number_translated: 11, 1;
        /// M: query on release attempt (national).
        query_on_release / with_query_on_release: 12, 1;
        /// N–P: reserved for national use.
        national_use / with_national_use: 13, 3;
    }

    /// Backward call indicators (Q.763 §3.5).
    BackwardCallIndicators / BackwardCallIndicatorsFields = "BackwardCallIndicatorsFields": u16 {
        /// BA: 0 no indication, 1 no charge, 2 charge.
        charge / with_charge: 0, 2;
        /// DC: 0 no indication, 1 subscriber free, 2 connect when free.
        called_party_status / with_called_party_status: 2, 2;
        /// FE: 0 no indication, 1 ordinary subscriber, 2 payphone.
        called_party_category / with_called_party_category: 4, 2;
        /// HG: end-to-end method.
        end_to_end_method / with_end_to_end_method: 6, 2;
        /// I: interworking encountered.
        interworking / with_interworking: 8, 1;
        /// J: end-to-end information available.
        end_to_end_information / with_end_to_end_information: 9, 1;
        /// K: ISDN user part used all the way.
        isup / with_isup: 10, 1;
        /// L: holding requested.
        holding / with_holding: 11, 1;
        /// M: terminating access ISDN.
        isdn_access / with_isdn_access: 12, 1;
        /// N: incoming echo control device included.
        echo_control_device / with_echo_control_device: 13, 1;
        /// PO: SCCP method.
        sccp_method / with_sccp_method: 14, 2;
    }

    /// Optional forward call indicators (Q.763 §3.38).
    OptionalForwardCallIndicators / OptionalForwardCallIndicatorsFields = "OptionalForwardCallIndicatorsFields": u8 {
        closed_user_group / with_closed_user_group: 0, 2;
        simple_segmentation / with_simple_segmentation: 2, 1;
        spare / with_spare: 3, 4;
        connected_line_identity_request / with_connected_line_identity_request: 7, 1;
    }

    /// Optional backward call indicators (Q.763 §3.37).
    OptionalBackwardCallIndicators / OptionalBackwardCallIndicatorsFields = "OptionalBackwardCallIndicatorsFields": u8 {
        inband_information / with_inband_information: 0, 1;
        call_diversion_may_occur / with_call_diversion_may_occur: 1, 1;
        simple_segmentation / with_simple_segmentation: 2, 1;
        mlpp_user / with_mlpp_user: 3, 1;
        spare / with_spare: 4, 4;
    }

    /// Event information (Q.763 §3.21).
    EventInformation / EventInformationFields = "EventInformationFields": u8 {
        /// 1 alerting, 2 progress, 3 in-band information, 4–6 call forwarded.
        event / with_event: 0, 7;
        presentation_restricted / with_presentation_restricted: 7, 1;
    }

    /// Information request indicators (Q.763 §3.29).
    InformationRequestIndicators / InformationRequestIndicatorsFields = "InformationRequestIndicatorsFields": u16 {
        calling_party_address / with_calling_party_address: 0, 1;
        holding / with_holding: 1, 1;
        spare_c / with_spare_c: 2, 1;
        calling_partys_category / with_calling_partys_category: 3, 1;
        charge_information / with_charge_information: 4, 1;
        spare_fg / with_spare_fg: 5, 2;
        malicious_call_identification / with_malicious_call_identification: 7, 1;
        /// I–P: spare (ITU) / national use (ANSI).
        national_use / with_national_use: 8, 8;
    }

    /// Information indicators (Q.763 §3.28).
    InformationIndicators / InformationIndicatorsFields = "InformationIndicatorsFields": u16 {
        /// BA: 0 not included, 1 not available, 3 included.
        calling_party_address_response / with_calling_party_address_response: 0, 2;
        hold_provided / with_hold_provided: 2, 1;
        spare_de / with_spare_de: 3, 2;
        calling_partys_category_response / with_calling_partys_category_response: 5, 1;
        charge_information_response / with_charge_information_response: 6, 1;
        solicited / with_solicited: 7, 1;
        national_use / with_national_use: 8, 8;
    }

    /// Redirection information (Q.763 §3.45).
    RedirectionInformation / RedirectionInformationFields = "RedirectionInformationFields": u16 {
        /// CBA: redirecting indicator.
        redirecting_indicator / with_redirecting_indicator: 0, 3;
        spare_d / with_spare_d: 3, 1;
        original_redirection_reason / with_original_redirection_reason: 4, 4;
        /// KJI: redirection counter.
        redirection_counter / with_redirection_counter: 8, 3;
        spare_l / with_spare_l: 11, 1;
        /// PONM: 1 busy, 2 no reply, 3 unconditional, ...
        redirecting_reason / with_redirecting_reason: 12, 4;
    }

    /// Circuit group supervision message type (Q.763 §3.13).
    CircuitGroupSupervision / CircuitGroupSupervisionFields = "CircuitGroupSupervisionFields": u8 {
        /// 0 maintenance oriented, 1 hardware failure oriented.
        type_indicator / with_type_indicator: 0, 2;
        spare / with_spare: 2, 6;
    }

    /// Continuity indicators (Q.763 §3.18).
    ContinuityIndicators / ContinuityIndicatorsFields = "ContinuityIndicatorsFields": u8 {
        /// 1 continuity check successful.
        continuity / with_continuity: 0, 1;
        spare / with_spare: 1, 7;
    }

    /// Suspend/resume indicators (Q.763 §3.52).
    SuspendResumeIndicators / SuspendResumeIndicatorsFields = "SuspendResumeIndicatorsFields": u8 {
        /// 0 ISDN subscriber initiated, 1 network initiated.
        network_initiated / with_network_initiated: 0, 1;
        spare / with_spare: 1, 7;
    }
}

/// An address in the common ISUP layout (Q.763 §3.9, §3.10 and friends):
/// octet 1 odd/even + nature of address; octet 2 bit 8, numbering plan,
/// bits 4–1; then semi-octet digits.
///
/// The same struct serves called, calling, redirecting, redirection, original
/// called, connected, location and charge numbers. Fields a given parameter
/// calls spare (e.g. presentation and screening in a called party number) are
/// kept as they came.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Number {
    /// Nature of address indicator (7 bits): 1 subscriber, 2 unknown, 3 national, 4 international.
    pub nature_of_address: u8,
    /// Octet 2 bit 8: INN indicator (called, redirection), NI (calling,
    /// connected, location), spare elsewhere.
    pub inn_ni: u8,
    /// Numbering plan indicator (3 bits): 1 ISDN (E.164).
    pub numbering_plan: u8,
    /// Address presentation restricted indicator (octet 2 bits 4–3): 0 allowed, 1 restricted.
    pub presentation: u8,
    /// Screening indicator (octet 2 bits 2–1): 1 user provided verified, 3 network provided.
    pub screening: u8,
    /// Address signals.
    pub digits: Digits,
}

/// Generic number (Q.763 §3.26; ANSI generic address): a number qualifier
/// octet followed by the [`Number`] layout.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct GenericNumber {
    /// Number qualifier (ITU) / type of address (ANSI).
    pub qualifier: u8,
    #[serde(flatten)]
    pub number: Number,
}

/// Subsequent number (Q.763 §3.51): odd/even, 7 spare bits, digits.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SubsequentNumber {
    pub spare: u8,
    pub digits: Digits,
}

/// Cause indicators (Q.763 §3.12, Q.850 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct CauseIndicators {
    /// 0 ITU-T, 2 national (ANSI-specific causes).
    pub coding_standard: u8,
    /// Octet 1 bit 5.
    pub spare: u8,
    /// 0 user, 1 private network local user, 2 public network local user, ... 7 international, 10 beyond interworking.
    pub location: u8,
    /// Octet 1a (recommendation), present when octet 1's extension bit is 0; the whole octet.
    pub recommendation: Option<u8>,
    /// Cause value (7 bits): 16 normal clearing, 17 user busy, 18 no user responding, 31 normal unspecified, 34 no circuit.
    pub value: u8,
    /// Extension bit of the cause value octet (1 in every real message).
    pub value_ext: u8,
    /// Diagnostics, raw.
    #[serde(with = "crate::hexser")]
    pub diagnostics: Vec<u8>,
}

/// Range and status (Q.763 §3.43): range (circuits affected minus one, as on
/// the wire; Wireshark displays it plus one) and status bits, one per circuit
/// (absent in GRS and CQM).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RangeAndStatus {
    pub range: u8,
    #[serde(with = "crate::hexser")]
    pub status: Vec<u8>,
}

impl RangeAndStatus {
    /// Circuits affected: the range plus one.
    pub fn circuits(&self) -> u16 {
        u16::from(self.range) + 1
    }
}

/// User service information (Q.763 §3.57, Q.931 bearer capability): kept raw,
/// with the simple fields decoded by accessors.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct UserServiceInformation {
    #[serde(with = "crate::hexser")]
    pub bytes: Vec<u8>,
}

impl UserServiceInformation {
    /// Coding standard (octet 3 bits 7–6).
    pub fn coding_standard(&self) -> Option<u8> {
        self.bytes.first().map(|b| b >> 5 & 3)
    }
    /// Information transfer capability (octet 3 bits 5–1): 0 speech, 8 unrestricted digital, 16 3.1 kHz audio.
    pub fn transfer_capability(&self) -> Option<u8> {
        self.bytes.first().map(|b| b & 0x1f)
    }
    /// Transfer mode (octet 4 bits 7–6): 0 circuit.
    pub fn transfer_mode(&self) -> Option<u8> {
        self.bytes.get(1).map(|b| b >> 5 & 3)
    }
    /// Information transfer rate (octet 4 bits 5–1): 16 = 64 kbit/s.
    pub fn transfer_rate(&self) -> Option<u8> {
        self.bytes.get(1).map(|b| b & 0x1f)
    }
}

/// Generic digits (T1.113.3 §3.23a, Q.763 §3.24): encoding scheme and type of
/// digits, then the digits raw (BCD, IA5 or binary as the encoding says).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct GenericDigits {
    /// 0 BCD even, 1 BCD odd, 2 IA5, 3 binary.
    pub encoding: u8,
    /// 0 account code, 1 authorisation code, 2 private network travelling class mark, ...
    pub type_of_digits: u8,
    #[serde(with = "crate::hexser")]
    pub digits: Vec<u8>,
}

impl GenericDigits {
    /// The digits as a string when BCD-encoded.
    pub fn bcd(&self) -> Option<String> {
        match self.encoding {
            0 => Some(digits::unpack(&self.digits, false)),
            1 if !self.digits.is_empty() => Some(digits::unpack(&self.digits, true)),
            _ => None,
        }
    }
}

/// One ISUP parameter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parameter {
    NatureOfConnectionIndicators(NatureOfConnection),
    ForwardCallIndicators(ForwardCallIndicators),
    /// Calling party's category (Q.763 §3.11): 10 ordinary subscriber, 15 payphone; ANSI T1.113.3 values.
    CallingPartysCategory(u8),
    /// Transmission medium requirement (Q.763 §3.54): 0 speech, 2 64 kbit/s unrestricted, 3 3.1 kHz audio.
    TransmissionMediumRequirement(u8),
    UserServiceInformation(UserServiceInformation),
    CalledPartyNumber(Number),
    CallingPartyNumber(Number),
    SubsequentNumber(SubsequentNumber),
    CauseIndicators(CauseIndicators),
    RangeAndStatus(RangeAndStatus),
    CircuitGroupSupervisionMessageType(CircuitGroupSupervision),
    EventInformation(EventInformation),
    BackwardCallIndicators(BackwardCallIndicators),
    OptionalForwardCallIndicators(OptionalForwardCallIndicators),
    OptionalBackwardCallIndicators(OptionalBackwardCallIndicators),
    RedirectionInformation(RedirectionInformation),
    RedirectingNumber(Number),
    RedirectionNumber(Number),
    OriginalCalledNumber(Number),
    ConnectedNumber(Number),
    LocationNumber(Number),
    GenericNumber(GenericNumber),
    GenericDigits(GenericDigits),
    /// ANSI charge number (T1.113.3 §3.10).
    ChargeNumber(Number),
    /// Hop counter (Q.763 §3.80): 5 bits, upper 3 spare kept.
    HopCounter(u8),
    AccessTransport(#[serde(with = "crate::hexser")] Vec<u8>),
    UserToUserInformation(#[serde(with = "crate::hexser")] Vec<u8>),
    InformationIndicators(InformationIndicators),
    InformationRequestIndicators(InformationRequestIndicators),
    ContinuityIndicators(ContinuityIndicators),
    SuspendResumeIndicators(SuspendResumeIndicators),
    /// Propagation delay counter in ms (Q.763 §3.42).
    PropagationDelayCounter(u16),
    /// Facility indicator (Q.763 §3.22).
    FacilityIndicator(u8),
    /// ANSI originating line information (ANI II digits value).
    OriginatingLineInformation(u8),
    /// ANSI circuit validation response indicator: 0 failed, 1 successful.
    CircuitValidationResponseIndicator(u8),
    /// ANSI circuit group characteristic indicator.
    CircuitGroupCharacteristicIndicator(u8),
    /// Any other parameter, raw and byte-exact.
    Unknown {
        code: u8,
        #[serde(with = "crate::hexser")]
        bytes: Vec<u8>,
    },
}

/// How a code is typed in a variant.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Raw,
    Typed,
}

fn kind(c: u8, variant: Variant) -> Kind {
    let ansi = variant == Variant::Ansi;
    match c {
        code::NATURE_OF_CONNECTION
        | code::FORWARD_CALL
        | code::CALLING_CATEGORY
        | code::TMR
        | code::USER_SERVICE_INFO
        | code::CALLED
        | code::CALLING
        | code::SUBSEQUENT
        | code::CAUSE
        | code::RANGE_STATUS
        | code::CGSMT
        | code::EVENT_INFO
        | code::BACKWARD_CALL
        | code::OPTIONAL_FORWARD_CALL
        | code::OPTIONAL_BACKWARD_CALL
        | code::REDIRECTION_INFO
        | code::REDIRECTING
        | code::REDIRECTION_NUMBER
        | code::ORIGINAL_CALLED
        | code::CONNECTED
        | code::LOCATION
        | code::GENERIC_NUMBER
        | code::GENERIC_DIGITS
        | code::HOP_COUNTER
        | code::ACCESS_TRANSPORT
        | code::UUI
        | code::INFO
        | code::INFO_REQUEST
        | code::CONTINUITY
        | code::SUSPEND_RESUME
        | code::PROPAGATION_DELAY
        | code::FACILITY_IND => Kind::Typed,
        code::CHARGE_NUMBER | code::ORIGINATING_LINE_INFO | code::CVR_RESPONSE | code::CG_CHARACTERISTICS
            if ansi =>
        {
            Kind::Typed
        }
        _ => Kind::Raw,
    }
}

fn bad_len(c: u8, variant: Variant, offset: usize, len: usize, expected: &'static str) -> Error {
    Error::new(Layer::Isup, offset, Reason::BadValue { value: len as u64, expected })
        .parameter(parameter_name(c, variant))
}

fn one(c: u8, b: &[u8], variant: Variant, offset: usize) -> Result<u8> {
    match b {
        [x] => Ok(*x),
        _ => Err(bad_len(c, variant, offset, b.len(), "length 1")),
    }
}

fn two(c: u8, b: &[u8], variant: Variant, offset: usize) -> Result<u16> {
    match b {
        [x, y] => Ok(u16::from_le_bytes([*x, *y])),
        _ => Err(bad_len(c, variant, offset, b.len(), "length 2")),
    }
}

/// Nibble value of an upper-case hex digit, 0xff for any other byte.
const NIBBLE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Packs `0`-`9`/`A`-`F`, low nibble first; the last high nibble of an odd
/// count is the filler 0. Returns whether the count was odd.
#[inline(always)]
fn pack_strict(b: &[u8], out: &mut Vec<u8>) -> Result<bool> {
    // Up to 32 digits (every real number) are packed in a register and
    // appended in one copy; longer strings take the general path.
    if b.len() > 32 {
        return pack_long(b, out);
    }
    let packed = pack_word(b).ok_or_else(|| bad_digit(b))?.to_le_bytes();
    out.extend_from_slice(&packed[..b.len().div_ceil(2)]);
    Ok(b.len() % 2 == 1)
}

/// Packs up to 32 digits (`0`-`9`, `A`-`F`), low nibble first, the last
/// high nibble of an odd count 0, into a register: octet `i` of the result
/// is bits `8 i ..`. `None` when a byte is not a digit. Packed into an
/// array one octet at a time, the copy that followed read it back with wide
/// loads over the narrow stores just made (no store forwarding: 7 % of an
/// IAM emit's samples for each number).
#[inline(always)]
fn pack_word(d: &[u8]) -> Option<u128> {
    let n = d.len().min(32);
    // Any invalid byte maps to 0xff, which sets a high bit here.
    let mut acc = 0u8;
    let (mut w0, mut w1) = (0u64, 0u64);
    let mut put = |j: usize, b: u8| {
        if j < 8 {
            w0 |= u64::from(b) << (8 * j);
        } else {
            w1 |= u64::from(b) << (8 * (j - 8));
        }
    };
    let mut i = 0;
    while i + 1 < n {
        let (lo, hi) = (NIBBLE[usize::from(d[i])], NIBBLE[usize::from(d[i + 1])]);
        acc |= lo | hi;
        put(i / 2, lo | hi << 4);
        i += 2;
    }
    if n % 2 == 1 {
        let lo = NIBBLE[usize::from(d[n - 1])];
        acc |= lo;
        put(n / 2, lo);
    }
    (acc & 0xf0 == 0).then_some(u128::from(w0) | u128::from(w1) << 64)
}

/// A number parameter's `[code,] length, octet 1, octet 2` (the first
/// `head_len` octets of `head`) and its packed digits (the first
/// `digits_len` of `digits`), as [`Number::lv_at_once`] makes them.
pub(crate) struct NumberLv {
    pub(crate) head: [u8; 4],
    pub(crate) head_len: usize,
    pub(crate) digits: [u8; 16],
    pub(crate) digits_len: usize,
}

#[cold]
fn bad_digit(b: &[u8]) -> Error {
    let digit =
        String::from_utf8_lossy(b).chars().find(|ch| !matches!(ch, '0'..='9' | 'A'..='F')).unwrap_or('?');
    Error::new(Layer::Isup, 0, Reason::BadDigit { digit })
}

/// [`pack_strict`] for more than 32 digits.
#[cold]
fn pack_long(b: &[u8], out: &mut Vec<u8>) -> Result<bool> {
    let mut pairs = b.chunks_exact(2);
    let mut acc = 0u8;
    out.extend((&mut pairs).map(|p| {
        let (lo, hi) = (NIBBLE[usize::from(p[0])], NIBBLE[usize::from(p[1])]);
        acc |= lo | hi;
        lo | hi << 4
    }));
    let odd = match pairs.remainder() {
        [c] => {
            let lo = NIBBLE[usize::from(*c)];
            acc |= lo;
            out.push(lo);
            true
        }
        _ => false,
    };
    if acc & 0xf0 != 0 {
        return Err(bad_digit(b));
    }
    Ok(odd)
}

/// Refuses an odd indicator without digits and a non-zero filler nibble.
#[inline(always)]
fn check_filler(c: u8, b: &[u8], odd: bool, variant: Variant, offset: usize) -> Result<()> {
    if odd {
        match b.last() {
            None => return Err(odd_without_digits(c, variant, offset)),
            Some(last) if last >> 4 != 0 => return Err(bad_filler(c, *last, variant, offset + b.len() - 1)),
            Some(_) => {}
        }
    }
    Ok(())
}

#[cold]
fn odd_without_digits(c: u8, variant: Variant, offset: usize) -> Error {
    Error::new(Layer::Isup, offset, Reason::Other("odd indicator set but no address signals".into()))
        .parameter(parameter_name(c, variant))
}

#[cold]
fn bad_filler(c: u8, last: u8, variant: Variant, offset: usize) -> Error {
    Error::new(Layer::Isup, offset, Reason::BadValue { value: u64::from(last >> 4), expected: "filler 0" })
        .parameter(parameter_name(c, variant))
}

fn unpack_digits(c: u8, b: &[u8], odd: bool, variant: Variant, offset: usize) -> Result<Digits> {
    check_filler(c, b, odd, variant, offset)?;
    Ok(Digits::unpack(b, odd))
}

#[inline]
fn parse_number(c: u8, b: &[u8], variant: Variant, offset: usize) -> Result<Number> {
    let [o1, o2, rest @ ..] = b else {
        return Err(bad_len(c, variant, offset, b.len(), "at least 2 octets"));
    };
    let digits = unpack_digits(c, rest, o1 & 0x80 != 0, variant, offset + 2)?;
    Ok(Number {
        nature_of_address: o1 & 0x7f,
        inn_ni: o2 >> 7,
        numbering_plan: o2 >> 4 & 7,
        presentation: o2 >> 2 & 3,
        screening: o2 & 3,
        digits,
    })
}

/// Checks a number parameter's value, then writes `wrap(number)` with
/// empty digits into `slot` and unpacks the digits where they lie
/// (no 40-byte temporary built with narrow stores and copied wide).
#[inline(always)]
fn fill_number(
    c: u8,
    b: &[u8],
    variant: Variant,
    offset: usize,
    slot: &mut Parameter,
    wrap: fn(Number) -> Parameter,
) -> Result<()> {
    let [o1, o2, rest @ ..] = b else {
        return Err(bad_len(c, variant, offset, b.len(), "at least 2 octets"));
    };
    let odd = o1 & 0x80 != 0;
    check_filler(c, rest, odd, variant, offset + 2)?;
    set(
        slot,
        wrap(Number {
            nature_of_address: o1 & 0x7f,
            inn_ni: o2 >> 7,
            numbering_plan: o2 >> 4 & 7,
            presentation: o2 >> 2 & 3,
            screening: o2 & 3,
            digits: Digits::new(),
        }),
    );
    if let Some(n) = slot.number_mut() {
        n.digits.assign_unpacked(rest, odd);
    }
    Ok(())
}

impl Number {
    /// A number with the given nature of address, E.164 plan, and digits.
    pub fn e164(nature_of_address: u8, digits: &str) -> Self {
        Number { nature_of_address, numbering_plan: 1, digits: digits.into(), ..Default::default() }
    }

    #[inline(always)]
    fn fits(&self) -> bool {
        // One test instead of five compares and branches.
        (self.nature_of_address >> 7
            | self.inn_ni >> 1
            | self.numbering_plan >> 3
            | self.presentation >> 2
            | self.screening >> 2)
            == 0
    }

    /// `[code,] length, octet 1, octet 2` and the packed digits, each to be
    /// appended in one fixed-size copy: no length patch, no capacity test
    /// per octet. `None` for anything but the everyday case (more than 32
    /// digits, a field wider than its bits, a bad digit): the caller then
    /// takes the general path, which names the error.
    #[inline(always)]
    pub(crate) fn lv_at_once(&self, code: Option<u8>) -> Option<NumberLv> {
        let d = self.digits.as_bytes();
        let n = d.len();
        if n > 32 || !self.fits() {
            return None;
        }
        let m = n.div_ceil(2);
        let odd = n % 2 == 1;
        // `m <= 16`, so the length (2 + m) fits its octet.
        let head = [
            (2 + m) as u8,
            self.nature_of_address | u8::from(odd) << 7,
            self.inn_ni << 7 | self.numbering_plan << 4 | self.presentation << 2 | self.screening,
        ];
        let (head, head_len) = match code {
            Some(c) => ([c, head[0], head[1], head[2]], 4),
            None => ([head[0], head[1], head[2], 0], 3),
        };
        let digits = pack_word(d)?.to_le_bytes();
        Some(NumberLv { head, head_len, digits, digits_len: m })
    }

    fn value_len(&self) -> usize {
        2 + digits::packed_len(self.digits.len())
    }

    #[inline(always)]
    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let at = out.len();
        out.push(self.nature_of_address);
        out.push(self.inn_ni << 7 | self.numbering_plan << 4 | self.presentation << 2 | self.screening);
        if pack_strict(self.digits.as_bytes(), out)? {
            out[at] |= 0x80;
        }
        Ok(())
    }
}

fn invalid(c: u8, variant: Variant, why: &'static str) -> Error {
    Error::new(Layer::Isup, 0, Reason::Other(why.into())).parameter(parameter_name(c, variant))
}

impl Parameter {
    /// Parses the value `b` of parameter `c`; `offset` is where `b` starts in the frame.
    ///
    /// # Errors
    /// A typed parameter whose value has the wrong length or a bad filler.
    pub fn parse(c: u8, b: &[u8], variant: Variant, offset: usize) -> Result<Self> {
        let mut v = Vec::with_capacity(1);
        Self::parse_into(c, b, variant, offset, &mut v)?;
        v.pop().ok_or_else(|| Error::other(Layer::Isup, offset, "no parameter"))
    }

    /// Parses like [`parse`](Self::parse) and appends to `out`. This is the
    /// hot path of message parsing: the value goes straight into the vector
    /// instead of through a returned `Result` (whose byte-wise writes then
    /// wide reads stalled store forwarding).
    ///
    /// # Errors
    /// As [`parse`](Self::parse).
    pub fn parse_into(c: u8, b: &[u8], variant: Variant, offset: usize, out: &mut Vec<Self>) -> Result<()> {
        Self::parse_into_inline(c, b, variant, offset, out)
    }

    /// [`parse_into`](Self::parse_into) for one parameter: a placeholder is
    /// pushed and filled where it lies ([`fill`](Self::fill)).
    #[inline]
    fn parse_into_inline(
        c: u8,
        b: &[u8],
        variant: Variant,
        offset: usize,
        out: &mut Vec<Self>,
    ) -> Result<()> {
        out.push(Self::PLACEHOLDER);
        let r = match out.last_mut() {
            Some(slot) => Self::fill(slot, c, b, variant, offset),
            None => Ok(()),
        };
        if r.is_err() {
            out.pop();
        }
        r
    }

    /// What the message walk fills its vectors with before parsing into
    /// them ([`fill`](Self::fill)): nothing to drop.
    pub(crate) const PLACEHOLDER: Self = Parameter::HopCounter(0);

    /// Parses the value `b` of parameter `c` into `slot`, which must hold
    /// [`PLACEHOLDER`](Self::PLACEHOLDER) (it is overwritten without being
    /// dropped). On error `slot` is left as it was.
    ///
    /// This is the hot path of message parsing. The walk sizes its vector
    /// once (extended with placeholders) and fills the slots by index, so
    /// every value is written straight into its slot. A `push` per
    /// parameter built each one in a 48-byte stack temporary with narrow
    /// stores and copied it with 16-byte loads, which stalled on store
    /// forwarding (perf, IAM parse: ~60 % of the walk's samples on those
    /// loads). Numbers get empty digits first and their digits unpacked in
    /// place ([`Digits::assign_unpacked`]).
    #[inline(always)]
    pub(crate) fn fill(slot: &mut Self, c: u8, b: &[u8], variant: Variant, offset: usize) -> Result<()> {
        use Parameter as P;
        let ansi = variant == Variant::Ansi;
        // An indicator parameter of one or two octets, typed by `from_raw`.
        macro_rules! bits {
            ($v:ident, $t:ident, $read:ident) => {
                set(slot, P::$v($t::from_raw($read(c, b, variant, offset)?)))
            };
        }
        match c {
            code::NATURE_OF_CONNECTION => bits!(NatureOfConnectionIndicators, NatureOfConnection, one),
            code::FORWARD_CALL => bits!(ForwardCallIndicators, ForwardCallIndicators, two),
            code::CALLING_CATEGORY => set(slot, P::CallingPartysCategory(one(c, b, variant, offset)?)),
            code::TMR => set(slot, P::TransmissionMediumRequirement(one(c, b, variant, offset)?)),
            code::USER_SERVICE_INFO => {
                set(slot, P::UserServiceInformation(UserServiceInformation { bytes: b.to_vec() }))
            }
            code::CALLED => fill_number(c, b, variant, offset, slot, P::CalledPartyNumber)?,
            code::CALLING => fill_number(c, b, variant, offset, slot, P::CallingPartyNumber)?,
            code::REDIRECTING => fill_number(c, b, variant, offset, slot, P::RedirectingNumber)?,
            code::REDIRECTION_NUMBER => fill_number(c, b, variant, offset, slot, P::RedirectionNumber)?,
            code::ORIGINAL_CALLED => fill_number(c, b, variant, offset, slot, P::OriginalCalledNumber)?,
            code::CONNECTED => fill_number(c, b, variant, offset, slot, P::ConnectedNumber)?,
            code::LOCATION => fill_number(c, b, variant, offset, slot, P::LocationNumber)?,
            code::CHARGE_NUMBER if ansi => fill_number(c, b, variant, offset, slot, P::ChargeNumber)?,
            code::GENERIC_NUMBER => {
                let [q, rest @ ..] = b else {
                    return Err(bad_len(c, variant, offset, b.len(), "at least 3 octets"));
                };
                set(
                    slot,
                    P::GenericNumber(GenericNumber {
                        qualifier: *q,
                        number: parse_number(c, rest, variant, offset + 1)?,
                    }),
                )
            }
            code::SUBSEQUENT => {
                let [o1, rest @ ..] = b else {
                    return Err(bad_len(c, variant, offset, b.len(), "at least 1 octet"));
                };
                set(
                    slot,
                    P::SubsequentNumber(SubsequentNumber {
                        spare: o1 & 0x7f,
                        digits: unpack_digits(c, rest, o1 & 0x80 != 0, variant, offset + 1)?,
                    }),
                )
            }
            code::CAUSE => {
                let [o1, rest @ ..] = b else {
                    return Err(bad_len(c, variant, offset, b.len(), "at least 2 octets"));
                };
                let (recommendation, rest) = if o1 & 0x80 == 0 {
                    match rest {
                        [o1a, r @ ..] => (Some(*o1a), r),
                        [] => return Err(bad_len(c, variant, offset, b.len(), "at least 3 octets")),
                    }
                } else {
                    (None, rest)
                };
                let [o2, diagnostics @ ..] = rest else {
                    return Err(bad_len(c, variant, offset, b.len(), "a cause value octet"));
                };
                set(
                    slot,
                    P::CauseIndicators(CauseIndicators {
                        coding_standard: o1 >> 5 & 3,
                        spare: o1 >> 4 & 1,
                        location: o1 & 0x0f,
                        recommendation,
                        value: o2 & 0x7f,
                        value_ext: o2 >> 7,
                        diagnostics: diagnostics.to_vec(),
                    }),
                )
            }
            code::RANGE_STATUS => {
                let [range, status @ ..] = b else {
                    return Err(bad_len(c, variant, offset, b.len(), "at least 1 octet"));
                };
                set(slot, P::RangeAndStatus(RangeAndStatus { range: *range, status: status.to_vec() }))
            }
            code::CGSMT => bits!(CircuitGroupSupervisionMessageType, CircuitGroupSupervision, one),
            code::EVENT_INFO => bits!(EventInformation, EventInformation, one),
            code::BACKWARD_CALL => bits!(BackwardCallIndicators, BackwardCallIndicators, two),
            code::OPTIONAL_FORWARD_CALL => {
                bits!(OptionalForwardCallIndicators, OptionalForwardCallIndicators, one)
            }
            code::OPTIONAL_BACKWARD_CALL => {
                bits!(OptionalBackwardCallIndicators, OptionalBackwardCallIndicators, one)
            }
            code::REDIRECTION_INFO => bits!(RedirectionInformation, RedirectionInformation, two),
            code::GENERIC_DIGITS => {
                let [o1, rest @ ..] = b else {
                    return Err(bad_len(c, variant, offset, b.len(), "at least 1 octet"));
                };
                set(
                    slot,
                    P::GenericDigits(GenericDigits {
                        encoding: o1 >> 5,
                        type_of_digits: o1 & 0x1f,
                        digits: rest.to_vec(),
                    }),
                )
            }
            code::HOP_COUNTER => set(slot, P::HopCounter(one(c, b, variant, offset)?)),
            code::ACCESS_TRANSPORT => set(slot, P::AccessTransport(b.to_vec())),
            code::UUI => set(slot, P::UserToUserInformation(b.to_vec())),
            code::INFO => bits!(InformationIndicators, InformationIndicators, two),
            code::INFO_REQUEST => bits!(InformationRequestIndicators, InformationRequestIndicators, two),
            code::CONTINUITY => bits!(ContinuityIndicators, ContinuityIndicators, one),
            code::SUSPEND_RESUME => bits!(SuspendResumeIndicators, SuspendResumeIndicators, one),
            code::PROPAGATION_DELAY => {
                set(slot, P::PropagationDelayCounter(two(c, b, variant, offset)?.swap_bytes()))
            }
            code::FACILITY_IND => set(slot, P::FacilityIndicator(one(c, b, variant, offset)?)),
            code::ORIGINATING_LINE_INFO if ansi => {
                set(slot, P::OriginatingLineInformation(one(c, b, variant, offset)?))
            }
            code::CVR_RESPONSE if ansi => {
                set(slot, P::CircuitValidationResponseIndicator(one(c, b, variant, offset)?))
            }
            code::CG_CHARACTERISTICS if ansi => {
                set(slot, P::CircuitGroupCharacteristicIndicator(one(c, b, variant, offset)?))
            }
            _ => set(slot, P::Unknown { code: c, bytes: b.to_vec() }),
        }
        Ok(())
    }

    /// For a one- or two-octet parameter defined in both variants (every kind a
    /// mandatory fixed part holds, and the short optional ones): its code, its
    /// value with the first wire octet in the low byte, and its length.
    /// `None` for any other parameter.
    #[inline]
    pub(crate) fn short_value(&self) -> Option<(u8, u16, usize)> {
        use Parameter as P;
        Some(match self {
            P::NatureOfConnectionIndicators(v) => (code::NATURE_OF_CONNECTION, u16::from(v.0), 1),
            P::ForwardCallIndicators(v) => (code::FORWARD_CALL, v.0, 2),
            P::CallingPartysCategory(v) => (code::CALLING_CATEGORY, u16::from(*v), 1),
            P::TransmissionMediumRequirement(v) => (code::TMR, u16::from(*v), 1),
            P::CircuitGroupSupervisionMessageType(v) => (code::CGSMT, u16::from(v.0), 1),
            P::EventInformation(v) => (code::EVENT_INFO, u16::from(v.0), 1),
            P::BackwardCallIndicators(v) => (code::BACKWARD_CALL, v.0, 2),
            P::InformationIndicators(v) => (code::INFO, v.0, 2),
            P::InformationRequestIndicators(v) => (code::INFO_REQUEST, v.0, 2),
            P::ContinuityIndicators(v) => (code::CONTINUITY, u16::from(v.0), 1),
            P::SuspendResumeIndicators(v) => (code::SUSPEND_RESUME, u16::from(v.0), 1),
            P::FacilityIndicator(v) => (code::FACILITY_IND, u16::from(*v), 1),
            P::OptionalForwardCallIndicators(v) => (code::OPTIONAL_FORWARD_CALL, u16::from(v.0), 1),
            P::OptionalBackwardCallIndicators(v) => (code::OPTIONAL_BACKWARD_CALL, u16::from(v.0), 1),
            P::HopCounter(v) => (code::HOP_COUNTER, u16::from(*v), 1),
            P::RedirectionInformation(v) => (code::REDIRECTION_INFO, v.0, 2),
            // Q.763 §3.42: most significant octet first.
            P::PropagationDelayCounter(v) => (code::PROPAGATION_DELAY, v.swap_bytes(), 2),
            _ => return None,
        })
    }

    /// For a number parameter (called, calling, redirecting, ...; charge
    /// number in ANSI only) in its everyday form: `[code,] length, value`
    /// ([`Number::lv_at_once`]).
    /// `None` for any other parameter or form: the caller takes the general
    /// path.
    #[inline(always)]
    pub(crate) fn number_lv(&self, variant: Variant, code: Option<u8>) -> Option<NumberLv> {
        use Parameter as P;
        match self {
            P::CalledPartyNumber(n)
            | P::CallingPartyNumber(n)
            | P::RedirectingNumber(n)
            | P::RedirectionNumber(n)
            | P::OriginalCalledNumber(n)
            | P::ConnectedNumber(n)
            | P::LocationNumber(n) => n.lv_at_once(code),
            P::ChargeNumber(n) if variant == Variant::Ansi => n.lv_at_once(code),
            _ => None,
        }
    }

    /// [`number_lv`](Self::number_lv) appended to `out`: `false` (nothing
    /// appended) for any other parameter or form.
    #[inline(always)]
    pub(crate) fn emit_number_lv(&self, variant: Variant, code: Option<u8>, out: &mut Vec<u8>) -> bool {
        let Some(lv) = self.number_lv(variant, code) else { return false };
        // Fixed-size copies, each cut to its real length.
        let at = out.len();
        out.extend_from_slice(&lv.head);
        out.truncate(at + lv.head_len);
        out.extend_from_slice(&lv.digits);
        out.truncate(at + lv.head_len + lv.digits_len);
        true
    }

    /// The parameter name code.
    pub fn code(&self) -> u8 {
        use Parameter as P;
        match self {
            P::NatureOfConnectionIndicators(_) => code::NATURE_OF_CONNECTION,
            P::ForwardCallIndicators(_) => code::FORWARD_CALL,
            P::CallingPartysCategory(_) => code::CALLING_CATEGORY,
            P::TransmissionMediumRequirement(_) => code::TMR,
            P::UserServiceInformation(_) => code::USER_SERVICE_INFO,
            P::CalledPartyNumber(_) => code::CALLED,
            P::CallingPartyNumber(_) => code::CALLING,
            P::SubsequentNumber(_) => code::SUBSEQUENT,
            P::CauseIndicators(_) => code::CAUSE,
            P::RangeAndStatus(_) => code::RANGE_STATUS,
            P::CircuitGroupSupervisionMessageType(_) => code::CGSMT,
            P::EventInformation(_) => code::EVENT_INFO,
            P::BackwardCallIndicators(_) => code::BACKWARD_CALL,
            P::OptionalForwardCallIndicators(_) => code::OPTIONAL_FORWARD_CALL,
            P::OptionalBackwardCallIndicators(_) => code::OPTIONAL_BACKWARD_CALL,
            P::RedirectionInformation(_) => code::REDIRECTION_INFO,
            P::RedirectingNumber(_) => code::REDIRECTING,
            P::RedirectionNumber(_) => code::REDIRECTION_NUMBER,
            P::OriginalCalledNumber(_) => code::ORIGINAL_CALLED,
            P::ConnectedNumber(_) => code::CONNECTED,
            P::LocationNumber(_) => code::LOCATION,
            P::GenericNumber(_) => code::GENERIC_NUMBER,
            P::GenericDigits(_) => code::GENERIC_DIGITS,
            P::ChargeNumber(_) => code::CHARGE_NUMBER,
            P::HopCounter(_) => code::HOP_COUNTER,
            P::AccessTransport(_) => code::ACCESS_TRANSPORT,
            P::UserToUserInformation(_) => code::UUI,
            P::InformationIndicators(_) => code::INFO,
            P::InformationRequestIndicators(_) => code::INFO_REQUEST,
            P::ContinuityIndicators(_) => code::CONTINUITY,
            P::SuspendResumeIndicators(_) => code::SUSPEND_RESUME,
            P::PropagationDelayCounter(_) => code::PROPAGATION_DELAY,
            P::FacilityIndicator(_) => code::FACILITY_IND,
            P::OriginatingLineInformation(_) => code::ORIGINATING_LINE_INFO,
            P::CircuitValidationResponseIndicator(_) => code::CVR_RESPONSE,
            P::CircuitGroupCharacteristicIndicator(_) => code::CG_CHARACTERISTICS,
            P::Unknown { code, .. } => *code,
        }
    }

    /// Octets of the value (without name and length octets).
    pub fn value_len(&self) -> usize {
        use Parameter as P;
        match self {
            P::NatureOfConnectionIndicators(_)
            | P::CallingPartysCategory(_)
            | P::TransmissionMediumRequirement(_)
            | P::CircuitGroupSupervisionMessageType(_)
            | P::EventInformation(_)
            | P::OptionalForwardCallIndicators(_)
            | P::OptionalBackwardCallIndicators(_)
            | P::HopCounter(_)
            | P::ContinuityIndicators(_)
            | P::SuspendResumeIndicators(_)
            | P::FacilityIndicator(_)
            | P::OriginatingLineInformation(_)
            | P::CircuitValidationResponseIndicator(_)
            | P::CircuitGroupCharacteristicIndicator(_) => 1,
            P::ForwardCallIndicators(_)
            | P::BackwardCallIndicators(_)
            | P::RedirectionInformation(_)
            | P::InformationIndicators(_)
            | P::InformationRequestIndicators(_)
            | P::PropagationDelayCounter(_) => 2,
            P::UserServiceInformation(u) => u.bytes.len(),
            P::CalledPartyNumber(n)
            | P::CallingPartyNumber(n)
            | P::RedirectingNumber(n)
            | P::RedirectionNumber(n)
            | P::OriginalCalledNumber(n)
            | P::ConnectedNumber(n)
            | P::LocationNumber(n)
            | P::ChargeNumber(n) => n.value_len(),
            P::GenericNumber(g) => 1 + g.number.value_len(),
            P::SubsequentNumber(s) => 1 + digits::packed_len(s.digits.len()),
            P::CauseIndicators(c) => 2 + usize::from(c.recommendation.is_some()) + c.diagnostics.len(),
            P::RangeAndStatus(r) => 1 + r.status.len(),
            P::GenericDigits(g) => 1 + g.digits.len(),
            P::AccessTransport(b) | P::UserToUserInformation(b) | P::Unknown { bytes: b, .. } => b.len(),
        }
    }

    /// Appends the value (without name and length octets).
    ///
    /// # Errors
    /// A field wider than its bits, a bad digit, a typed code carried as
    /// `Unknown`, or a parameter that only exists in the other variant.
    pub fn emit_value(&self, variant: Variant, out: &mut Vec<u8>) -> Result<()> {
        self.emit_value_inline(variant, out)
    }

    /// [`emit_value`](Self::emit_value), inlined into the message emitter's
    /// length-value loop (one call per parameter instead of two).
    #[inline(always)]
    pub(crate) fn emit_value_inline(&self, variant: Variant, out: &mut Vec<u8>) -> Result<()> {
        use Parameter as P;
        // Only two kinds of value could break parse(emit(r)) == r: an
        // Unknown carrying a code this variant types, and an ANSI-only typed
        // parameter in ITU. Both are checked in their own arms below, so the
        // everyday parameters pay for neither; the code `c` is only worked
        // out on error paths.
        let c = || self.code();
        let ansi_only = || invalid(self.code(), variant, "parameter not defined in this variant");
        macro_rules! bits {
            ($v:expr) => {{
                out.extend_from_slice(&$v.to_raw().to_le_bytes());
            }};
        }
        match self {
            P::NatureOfConnectionIndicators(v) => bits!(v),
            P::ForwardCallIndicators(v) => bits!(v),
            P::CircuitGroupSupervisionMessageType(v) => bits!(v),
            P::EventInformation(v) => bits!(v),
            P::BackwardCallIndicators(v) => bits!(v),
            P::OptionalForwardCallIndicators(v) => bits!(v),
            P::OptionalBackwardCallIndicators(v) => bits!(v),
            P::RedirectionInformation(v) => bits!(v),
            P::InformationIndicators(v) => bits!(v),
            P::InformationRequestIndicators(v) => bits!(v),
            P::ContinuityIndicators(v) => bits!(v),
            P::SuspendResumeIndicators(v) => bits!(v),
            P::CallingPartysCategory(v)
            | P::TransmissionMediumRequirement(v)
            | P::HopCounter(v)
            | P::FacilityIndicator(v) => out.push(*v),
            P::OriginatingLineInformation(v)
            | P::CircuitValidationResponseIndicator(v)
            | P::CircuitGroupCharacteristicIndicator(v) => {
                if variant == Variant::Itu {
                    return Err(ansi_only());
                }
                out.push(*v);
            }
            P::PropagationDelayCounter(v) => out.extend_from_slice(&v.to_be_bytes()),
            P::UserServiceInformation(u) => out.extend_from_slice(&u.bytes),
            P::CalledPartyNumber(n)
            | P::CallingPartyNumber(n)
            | P::RedirectingNumber(n)
            | P::RedirectionNumber(n)
            | P::OriginalCalledNumber(n)
            | P::ConnectedNumber(n)
            | P::LocationNumber(n)
            | P::ChargeNumber(n) => {
                if matches!(self, P::ChargeNumber(_)) && variant == Variant::Itu {
                    return Err(ansi_only());
                }
                if !n.fits() {
                    return Err(invalid(c(), variant, "a field is wider than its bits"));
                }
                n.emit(out).map_err(|e| e.parameter(parameter_name(c(), variant)))?;
            }
            P::GenericNumber(g) => {
                if !g.number.fits() {
                    return Err(invalid(c(), variant, "a field is wider than its bits"));
                }
                out.push(g.qualifier);
                g.number.emit(out).map_err(|e| e.parameter(parameter_name(c(), variant)))?;
            }
            P::SubsequentNumber(s) => {
                if s.spare >= 0x80 {
                    return Err(invalid(c(), variant, "spare wider than 7 bits"));
                }
                let at = out.len();
                out.push(s.spare);
                if pack_strict(s.digits.as_bytes(), out)
                    .map_err(|e| e.parameter(parameter_name(c(), variant)))?
                {
                    out[at] |= 0x80;
                }
            }
            P::CauseIndicators(ci) => {
                if ci.coding_standard > 3
                    || ci.spare > 1
                    || ci.location > 15
                    || ci.value > 0x7f
                    || ci.value_ext > 1
                {
                    return Err(invalid(c(), variant, "a field is wider than its bits"));
                }
                let ext = u8::from(ci.recommendation.is_none());
                out.push(ext << 7 | ci.coding_standard << 5 | ci.spare << 4 | ci.location);
                if let Some(r) = ci.recommendation {
                    out.push(r);
                }
                out.push(ci.value_ext << 7 | ci.value);
                out.extend_from_slice(&ci.diagnostics);
            }
            P::RangeAndStatus(r) => {
                out.push(r.range);
                out.extend_from_slice(&r.status);
            }
            P::GenericDigits(g) => {
                if g.encoding > 7 || g.type_of_digits > 0x1f {
                    return Err(invalid(c(), variant, "a field is wider than its bits"));
                }
                out.push(g.encoding << 5 | g.type_of_digits);
                out.extend_from_slice(&g.digits);
            }
            P::AccessTransport(b) | P::UserToUserInformation(b) => out.extend_from_slice(b),
            P::Unknown { code, bytes } => {
                if kind(*code, variant) == Kind::Typed {
                    return Err(invalid(
                        *code,
                        variant,
                        "typed parameter carried as unknown; use its typed form",
                    ));
                }
                out.extend_from_slice(bytes);
            }
        }
        Ok(())
    }

    /// The [`Number`] of a parameter `fill_number` wrote (the eight plain
    /// number parameters), for unpacking its digits in place.
    #[inline(always)]
    fn number_mut(&mut self) -> Option<&mut Number> {
        use Parameter as P;
        match self {
            P::CalledPartyNumber(n)
            | P::CallingPartyNumber(n)
            | P::RedirectingNumber(n)
            | P::RedirectionNumber(n)
            | P::OriginalCalledNumber(n)
            | P::ConnectedNumber(n)
            | P::LocationNumber(n)
            | P::ChargeNumber(n) => Some(n),
            _ => None,
        }
    }

    /// The digits of a number-bearing parameter.
    pub fn digits(&self) -> Option<&str> {
        use Parameter as P;
        match self {
            P::CalledPartyNumber(n)
            | P::CallingPartyNumber(n)
            | P::RedirectingNumber(n)
            | P::RedirectionNumber(n)
            | P::OriginalCalledNumber(n)
            | P::ConnectedNumber(n)
            | P::LocationNumber(n)
            | P::ChargeNumber(n) => Some(&n.digits),
            P::GenericNumber(g) => Some(&g.number.digits),
            P::SubsequentNumber(s) => Some(&s.digits),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bitfields_keep_every_bit() {
        for v in 0..=255u8 {
            assert_eq!(NatureOfConnection::from_raw(v).to_raw(), v);
            assert_eq!(EventInformation::from_raw(v).to_raw(), v);
            assert_eq!(OptionalForwardCallIndicators::from_raw(v).to_raw(), v);
            assert_eq!(OptionalBackwardCallIndicators::from_raw(v).to_raw(), v);
            assert_eq!(CircuitGroupSupervision::from_raw(v).to_raw(), v);
            assert_eq!(ContinuityIndicators::from_raw(v).to_raw(), v);
            assert_eq!(SuspendResumeIndicators::from_raw(v).to_raw(), v);
        }
        for v in 0..=u16::MAX {
            assert_eq!(ForwardCallIndicators::from_raw(v).to_raw(), v);
            assert_eq!(BackwardCallIndicators::from_raw(v).to_raw(), v);
            assert_eq!(InformationIndicators::from_raw(v).to_raw(), v);
            assert_eq!(InformationRequestIndicators::from_raw(v).to_raw(), v);
            assert_eq!(RedirectionInformation::from_raw(v).to_raw(), v);
        }
    }

    #[test]
    fn called_party_number_layout() {
        // Q.763 §3.9: odd, national, INN allowed, ISDN plan, 5551234.
        let b = [0x83, 0x10, 0x55, 0x15, 0x32, 0x04];
        let p = Parameter::parse(code::CALLED, &b, Variant::Itu, 0).unwrap();
        let Parameter::CalledPartyNumber(n) = &p else { panic!() };
        assert_eq!(n.digits, "5551234");
        assert_eq!(n.nature_of_address, 3);
        assert_eq!(n.numbering_plan, 1);
        let mut out = Vec::new();
        p.emit_value(Variant::Itu, &mut out).unwrap();
        assert_eq!(out, b);
    }

    #[test]
    fn non_zero_filler_refused() {
        let e = Parameter::parse(code::CALLED, &[0x83, 0x10, 0x55, 0x15, 0x32, 0x84], Variant::Itu, 10)
            .unwrap_err();
        assert_eq!(e.offset, 15);
    }

    #[test]
    fn digits_are_strict_upper_case_hex() {
        let mut out = Vec::new();
        assert!(pack_strict(b"12ab", &mut out).is_err());
        assert!(pack_strict(b"12 4", &mut out).is_err());
        assert!(pack_strict(b"123\xff", &mut out).is_err());
        assert!(pack_strict("12\u{e9}".as_bytes(), &mut out).is_err());
        out.clear();
        assert!(pack_strict(b"0123456789ABCDEF1", &mut out).unwrap());
        assert_eq!(Digits::unpack(&out, true), "0123456789ABCDEF1");
        assert_eq!(Digits::unpack(&out, true), digits::unpack(&out, true));
        // More than 32 digits take the general path, with the same result.
        for s in ["0123456789ABCDEF".repeat(2), "0123456789ABCDEF".repeat(3) + "7"] {
            out.clear();
            let odd = pack_strict(s.as_bytes(), &mut out).unwrap();
            assert_eq!(odd, s.len() % 2 == 1);
            assert_eq!(digits::unpack(&out, odd), s);
        }
        assert!(pack_strict(("1".repeat(40) + "x").as_bytes(), &mut out).is_err());
    }

    #[test]
    fn parse_into_appends_nothing_on_error() {
        let mut v = vec![Parameter::HopCounter(7)];
        // A bad filler (number filled in place) and a bad length (one octet).
        assert!(
            Parameter::parse_into(code::CALLED, &[0x83, 0x10, 0x55, 0x84], Variant::Itu, 0, &mut v).is_err()
        );
        assert!(Parameter::parse_into(code::HOP_COUNTER, &[1, 2], Variant::Itu, 0, &mut v).is_err());
        assert_eq!(v, [Parameter::HopCounter(7)]);
        Parameter::parse_into(code::CALLING, &[0x03, 0x13, 0x21, 0x43], Variant::Itu, 0, &mut v).unwrap();
        let Parameter::CallingPartyNumber(n) = &v[1] else { panic!() };
        assert_eq!(n.digits, "1234");
        assert_eq!((n.nature_of_address, n.numbering_plan, n.screening), (3, 1, 3));
    }

    #[test]
    fn cause_with_recommendation() {
        let b = [0x02, 0x80, 0x90, 0x01];
        let p = Parameter::parse(code::CAUSE, &b, Variant::Itu, 0).unwrap();
        let Parameter::CauseIndicators(c) = &p else { panic!() };
        assert_eq!(c.recommendation, Some(0x80));
        assert_eq!(c.value, 16);
        let mut out = Vec::new();
        p.emit_value(Variant::Itu, &mut out).unwrap();
        assert_eq!(out, b);
    }

    #[test]
    fn typed_code_as_unknown_refused() {
        let p = Parameter::Unknown { code: code::HOP_COUNTER, bytes: vec![5] };
        assert!(p.emit_value(Variant::Itu, &mut Vec::new()).is_err());
        let p = Parameter::ChargeNumber(Number::e164(3, "2125551212"));
        assert!(p.emit_value(Variant::Itu, &mut Vec::new()).is_err());
        assert!(p.emit_value(Variant::Ansi, &mut Vec::new()).is_ok());
    }
}
