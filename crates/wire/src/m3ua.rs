//! M3UA (RFC 4666): SS7 MTP3-User Adaptation over SCTP.
//!
//! What it is: the common header, every parameter as a TLV kept in wire
//! order, typed parameters for MGMT, ASPSM, ASPTM, SSNM and TRANSFER
//! messages, a zero-copy view [`M3uaPacket`] with a fast accessor for the
//! Protocol Data of a DATA message, and [`M3uaFramer`], a sans-IO framer for
//! M3UA carried over a byte stream (TCP).
//!
//! What it is not: an ASP/SGP state machine, an SCTP stack, or an RKM codec
//! (REG/DEREG requests and responses are recognised by name but their
//! routing-key parameters are carried as [`M3uaParameter::Unknown`]).
//!
//! Contract:
//! - `parse` never panics and never allocates more than its input;
//! - `parse(emit(r)) == r` for every repr `emit` accepts;
//! - `emit(parse(b)) == b` for every buffer `parse` accepts. To make this
//!   hold, padding octets and reserved fields must be zero (RFC 4666 §3.2
//!   says the sender pads with zeros; a non-zero pad is refused here), the
//!   last parameter must be padded (§3.1: "The Message Length MUST include
//!   parameter padding bytes"), and a known parameter whose value does not
//!   have its defined shape is an error (not carried as `Unknown`). Unknown
//!   message classes/types and unknown parameter tags are kept byte-exact.

use smallvec::SmallVec;

use crate::error::{Error, Layer, Reason, Result};
use crate::inline::InlineBytes;
use crate::reader::Reader;
use crate::variant::PointCode;

/// The only protocol version RFC 4666 defines (§3.1.1).
pub const M3UA_VERSION: u8 = 1;
/// Length of the common header.
pub const HEADER_LEN: usize = 8;
/// SCTP payload protocol identifier registered for M3UA (RFC 4666 §1.4.7).
pub const SCTP_PPID: u32 = 3;
/// The IANA-registered SCTP port for M3UA.
pub const SCTP_PORT: u16 = 2905;

/// Parameter tags (RFC 4666 §3.2).
pub mod tag {
    pub const INFO_STRING: u16 = 0x0004;
    pub const ROUTING_CONTEXT: u16 = 0x0006;
    pub const DIAGNOSTIC_INFORMATION: u16 = 0x0007;
    pub const HEARTBEAT_DATA: u16 = 0x0009;
    pub const TRAFFIC_MODE_TYPE: u16 = 0x000b;
    pub const ERROR_CODE: u16 = 0x000c;
    pub const STATUS: u16 = 0x000d;
    pub const ASP_IDENTIFIER: u16 = 0x0011;
    pub const AFFECTED_POINT_CODE: u16 = 0x0012;
    pub const CORRELATION_ID: u16 = 0x0013;
    pub const NETWORK_APPEARANCE: u16 = 0x0200;
    pub const USER_CAUSE: u16 = 0x0204;
    pub const CONGESTION_INDICATIONS: u16 = 0x0205;
    pub const CONCERNED_DESTINATION: u16 = 0x0206;
    pub const ROUTING_KEY: u16 = 0x0207;
    pub const REGISTRATION_RESULT: u16 = 0x0208;
    pub const DEREGISTRATION_RESULT: u16 = 0x0209;
    pub const LOCAL_ROUTING_KEY_IDENTIFIER: u16 = 0x020a;
    pub const DESTINATION_POINT_CODE: u16 = 0x020b;
    pub const SERVICE_INDICATORS: u16 = 0x020c;
    pub const ORIGINATING_POINT_CODE_LIST: u16 = 0x020e;
    pub const PROTOCOL_DATA: u16 = 0x0210;
    pub const REGISTRATION_STATUS: u16 = 0x0212;
    pub const DEREGISTRATION_STATUS: u16 = 0x0213;
}

/// Message classes (RFC 4666 §3.1.2).
pub mod class {
    pub const MGMT: u8 = 0;
    pub const TRANSFER: u8 = 1;
    pub const SSNM: u8 = 2;
    pub const ASPSM: u8 = 3;
    pub const ASPTM: u8 = 4;
    pub const RKM: u8 = 9;
}

/// Which M3UA message: class and type together (RFC 4666 §3.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum M3uaMessageType {
    /// MGMT 0/0: Error.
    Err,
    /// MGMT 0/1: Notify.
    Ntfy,
    /// TRANSFER 1/1: Payload Data.
    Data,
    /// SSNM 2/1: Destination Unavailable.
    Duna,
    /// SSNM 2/2: Destination Available.
    Dava,
    /// SSNM 2/3: Destination State Audit.
    Daud,
    /// SSNM 2/4: Signalling Congestion.
    Scon,
    /// SSNM 2/5: Destination User Part Unavailable.
    Dupu,
    /// SSNM 2/6: Destination Restricted.
    Drst,
    /// ASPSM 3/1: ASP Up.
    AspUp,
    /// ASPSM 3/2: ASP Down.
    AspDn,
    /// ASPSM 3/3: Heartbeat.
    Beat,
    /// ASPSM 3/4: ASP Up Acknowledgement.
    AspUpAck,
    /// ASPSM 3/5: ASP Down Acknowledgement.
    AspDnAck,
    /// ASPSM 3/6: Heartbeat Acknowledgement.
    BeatAck,
    /// ASPTM 4/1: ASP Active.
    AspAc,
    /// ASPTM 4/2: ASP Inactive.
    AspIa,
    /// ASPTM 4/3: ASP Active Acknowledgement.
    AspAcAck,
    /// ASPTM 4/4: ASP Inactive Acknowledgement.
    AspIaAck,
    /// RKM 9/1: Registration Request (parameters carried raw).
    RegReq,
    /// RKM 9/2: Registration Response (parameters carried raw).
    RegRsp,
    /// RKM 9/3: Deregistration Request (parameters carried raw).
    DeregReq,
    /// RKM 9/4: Deregistration Response (parameters carried raw).
    DeregRsp,
    /// Any other class/type pair, kept as is.
    Unknown { class: u8, msg_type: u8 },
}

const KNOWN_TYPES: &[(M3uaMessageType, u8, u8)] = {
    use M3uaMessageType::*;
    &[
        (Err, 0, 0),
        (Ntfy, 0, 1),
        (Data, 1, 1),
        (Duna, 2, 1),
        (Dava, 2, 2),
        (Daud, 2, 3),
        (Scon, 2, 4),
        (Dupu, 2, 5),
        (Drst, 2, 6),
        (AspUp, 3, 1),
        (AspDn, 3, 2),
        (Beat, 3, 3),
        (AspUpAck, 3, 4),
        (AspDnAck, 3, 5),
        (BeatAck, 3, 6),
        (AspAc, 4, 1),
        (AspIa, 4, 2),
        (AspAcAck, 4, 3),
        (AspIaAck, 4, 4),
        (RegReq, 9, 1),
        (RegRsp, 9, 2),
        (DeregReq, 9, 3),
        (DeregRsp, 9, 4),
    ]
};

impl M3uaMessageType {
    /// The message for a class/type pair.
    #[inline]
    pub fn from_class_type(class: u8, msg_type: u8) -> Self {
        // DATA (transfer class 1, type 1) is nearly all the traffic.
        if class == 1 && msg_type == 1 {
            return M3uaMessageType::Data;
        }
        Self::from_table(class, msg_type)
    }

    fn from_table(class: u8, msg_type: u8) -> Self {
        KNOWN_TYPES
            .iter()
            .find(|&&(_, c, t)| c == class && t == msg_type)
            .map_or(M3uaMessageType::Unknown { class, msg_type }, |&(m, _, _)| m)
    }

    /// The message class octet.
    pub fn class(self) -> u8 {
        self.class_type().0
    }

    /// The message type octet.
    pub fn msg_type(self) -> u8 {
        self.class_type().1
    }

    /// Class and type octets.
    pub fn class_type(self) -> (u8, u8) {
        match self {
            M3uaMessageType::Unknown { class, msg_type } => (class, msg_type),
            known => {
                KNOWN_TYPES.iter().find(|&&(m, _, _)| m == known).map_or((0xff, 0xff), |&(_, c, t)| (c, t))
            }
        }
    }

    /// Short upper-case name as in RFC 4666 (`"DATA"`, `"ASPUP ACK"`).
    pub fn name(self) -> &'static str {
        use M3uaMessageType::*;
        match self {
            Err => "ERR",
            Ntfy => "NTFY",
            Data => "DATA",
            Duna => "DUNA",
            Dava => "DAVA",
            Daud => "DAUD",
            Scon => "SCON",
            Dupu => "DUPU",
            Drst => "DRST",
            AspUp => "ASPUP",
            AspDn => "ASPDN",
            Beat => "BEAT",
            AspUpAck => "ASPUP ACK",
            AspDnAck => "ASPDN ACK",
            BeatAck => "BEAT ACK",
            AspAc => "ASPAC",
            AspIa => "ASPIA",
            AspAcAck => "ASPAC ACK",
            AspIaAck => "ASPIA ACK",
            RegReq => "REG REQ",
            RegRsp => "REG RSP",
            DeregReq => "DEREG REQ",
            DeregRsp => "DEREG RSP",
            Unknown { .. } => "unknown message",
        }
    }
}

/// Traffic Mode Type values (RFC 4666 §3.8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrafficMode {
    Override,
    Loadshare,
    Broadcast,
    Unknown(u32),
}

impl TrafficMode {
    /// The wire value.
    pub fn value(self) -> u32 {
        match self {
            TrafficMode::Override => 1,
            TrafficMode::Loadshare => 2,
            TrafficMode::Broadcast => 3,
            TrafficMode::Unknown(v) => v,
        }
    }

    /// The mode for a wire value.
    pub fn from_value(v: u32) -> Self {
        match v {
            1 => TrafficMode::Override,
            2 => TrafficMode::Loadshare,
            3 => TrafficMode::Broadcast,
            v => TrafficMode::Unknown(v),
        }
    }
}

/// Error Code values (RFC 4666 §3.8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidVersion,
    UnsupportedMessageClass,
    UnsupportedMessageType,
    UnsupportedTrafficModeType,
    UnexpectedMessage,
    ProtocolError,
    InvalidStreamIdentifier,
    RefusedManagementBlocking,
    AspIdentifierRequired,
    InvalidAspIdentifier,
    InvalidParameterValue,
    ParameterFieldError,
    UnexpectedParameter,
    DestinationStatusUnknown,
    InvalidNetworkAppearance,
    MissingParameter,
    InvalidRoutingContext,
    NoConfiguredAsForAsp,
    Unknown(u32),
}

const ERROR_CODES: &[(ErrorCode, u32)] = {
    use ErrorCode::*;
    &[
        (InvalidVersion, 0x01),
        (UnsupportedMessageClass, 0x03),
        (UnsupportedMessageType, 0x04),
        (UnsupportedTrafficModeType, 0x05),
        (UnexpectedMessage, 0x06),
        (ProtocolError, 0x07),
        (InvalidStreamIdentifier, 0x09),
        (RefusedManagementBlocking, 0x0d),
        (AspIdentifierRequired, 0x0e),
        (InvalidAspIdentifier, 0x0f),
        (InvalidParameterValue, 0x11),
        (ParameterFieldError, 0x12),
        (UnexpectedParameter, 0x13),
        (DestinationStatusUnknown, 0x14),
        (InvalidNetworkAppearance, 0x15),
        (MissingParameter, 0x16),
        (InvalidRoutingContext, 0x19),
        (NoConfiguredAsForAsp, 0x1a),
    ]
};

impl ErrorCode {
    /// The wire value.
    pub fn value(self) -> u32 {
        match self {
            ErrorCode::Unknown(v) => v,
            known => ERROR_CODES.iter().find(|&&(c, _)| c == known).map_or(0, |&(_, v)| v),
        }
    }

    /// The code for a wire value.
    pub fn from_value(v: u32) -> Self {
        ERROR_CODES.iter().find(|&&(_, x)| x == v).map_or(ErrorCode::Unknown(v), |&(c, _)| c)
    }
}

/// A point code with its mask, as in Affected Point Code (RFC 4666 §3.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MaskedPointCode {
    /// Number of low-order bits of `pc` that are wildcards.
    pub mask: u8,
    /// The 24-bit point code.
    pub pc: PointCode,
}

/// Octets of [`ProtocolData::user_data`] kept without allocating: a 64-byte
/// value, room for a typical ISUP message (an IAM is 30-60 octets). SCCP
/// messages carrying TCAP are usually longer and go to the heap, as before.
pub const USER_DATA_INLINE: usize = 62;

/// The Protocol Data parameter of a DATA message (RFC 4666 §3.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ProtocolData {
    /// Originating point code (32-bit field).
    pub opc: PointCode,
    /// Destination point code (32-bit field).
    pub dpc: PointCode,
    /// Service indicator (3 = SCCP, 5 = ISUP).
    pub si: u8,
    /// Network indicator (0 international, 2 national, ...).
    pub ni: u8,
    /// Message priority (ANSI; 0 for ITU).
    pub mp: u8,
    /// Signalling link selection.
    pub sls: u8,
    /// The MTP3-user message (ISUP, SCCP, ...), raw; held inline up to
    /// [`USER_DATA_INLINE`] octets (an ISUP message), on the heap beyond.
    #[serde(default, skip_serializing_if = "InlineBytes::is_empty")]
    pub user_data: InlineBytes<USER_DATA_INLINE>,
}

/// The values of a Routing Context: nearly always one, so up to two are
/// kept without allocating. Build one with `smallvec![rc]` or
/// `RoutingContexts::from(vec)`; it reads as a `&[u32]`.
pub type RoutingContexts = SmallVec<[u32; 2]>;

/// The parameters of an M3UA message: up to four (a DATA's network
/// appearance, routing context, protocol data, correlation id) without
/// allocating. Reads as a slice; `M3uaRepr::new` takes a `Vec`.
pub type M3uaParameters = SmallVec<[M3uaParameter; 4]>;

/// One M3UA parameter, typed where RFC 4666 defines its shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum M3uaParameter {
    /// 0x0004 INFO String (UTF-8).
    InfoString(String),
    /// 0x0006 Routing Context: one or more 32-bit values (two inline).
    RoutingContext(RoutingContexts),
    /// 0x0007 Diagnostic Information (typically the offending message).
    DiagnosticInformation(#[serde(with = "crate::hexser")] Vec<u8>),
    /// 0x0009 Heartbeat Data (opaque).
    HeartbeatData(#[serde(with = "crate::hexser")] Vec<u8>),
    /// 0x000b Traffic Mode Type.
    TrafficModeType(TrafficMode),
    /// 0x000c Error Code.
    ErrorCode(ErrorCode),
    /// 0x000d Status: type (1 AS state change, 2 other) and information.
    Status { status_type: u16, status_info: u16 },
    /// 0x0011 ASP Identifier.
    AspIdentifier(u32),
    /// 0x0012 Affected Point Code: one or more masked 24-bit point codes.
    AffectedPointCode(Vec<MaskedPointCode>),
    /// 0x0013 Correlation ID.
    CorrelationId(u32),
    /// 0x0200 Network Appearance.
    NetworkAppearance(u32),
    /// 0x0204 User/Cause: unavailability cause and MTP3-user (SI).
    UserCause { cause: u16, user: u16 },
    /// 0x0205 Congestion Indications: level 0-3 (three reserved octets are zero).
    CongestionIndications(u8),
    /// 0x0206 Concerned Destination (24-bit point code; reserved octet zero).
    ConcernedDestination(PointCode),
    /// 0x0210 Protocol Data.
    ProtocolData(ProtocolData),
    /// Any other tag, value kept byte-exact (padding excluded).
    Unknown {
        tag: u16,
        #[serde(with = "crate::hexser")]
        value: Vec<u8>,
    },
}

impl M3uaParameter {
    /// What [`parse_value_into`](Self::parse_value_into) makes a slot
    /// before it parses a Protocol Data into it, writing its fields where
    /// they lie: an empty Protocol Data, which owns nothing.
    const PLACEHOLDER: M3uaParameter = M3uaParameter::ProtocolData(ProtocolData {
        opc: PointCode(0),
        dpc: PointCode(0),
        si: 0,
        ni: 0,
        mp: 0,
        sls: 0,
        user_data: InlineBytes::new(),
    });

    /// What a new slot holds: a parameter that owns nothing (so it is
    /// overwritten without a drop) and is written as its tag and value
    /// alone.
    // Built where it is stored, not copied from a `const`: a `const` is
    // copied whole, 80 octets from read-only data.
    #[inline(always)]
    fn new_slot() -> Self {
        M3uaParameter::CorrelationId(0)
    }

    /// The slots a parse starts from: four new slots, inline.
    // Eight narrow stores (tag and value of each) and the length. Four
    // `PLACEHOLDER`s were a 320-octet memset call (24 instructions more a
    // parse), copied from a `const` list a 328-octet memcpy (28 more).
    #[inline(always)]
    fn four_slots() -> M3uaParameters {
        M3uaParameters::from_const(std::array::from_fn(|_| Self::new_slot()))
    }

    /// Whether the parameter holds nothing on the heap (dropping it is a no-op).
    #[inline]
    fn owns_nothing(&self) -> bool {
        use M3uaParameter::*;
        match self {
            InfoString(_)
            | DiagnosticInformation(_)
            | HeartbeatData(_)
            | AffectedPointCode(_)
            | Unknown { .. } => false,
            RoutingContext(v) => !v.spilled(),
            ProtocolData(pd) => pd.user_data.is_inline(),
            TrafficModeType(_) | ErrorCode(_) | Status { .. } | AspIdentifier(_) | CorrelationId(_) => true,
            NetworkAppearance(_) | UserCause { .. } | CongestionIndications(_) | ConcernedDestination(_) => {
                true
            }
        }
    }

    /// A Routing Context with the one value `rc` (no allocation).
    pub fn routing_context(rc: u32) -> Self {
        M3uaParameter::RoutingContext(smallvec::smallvec![rc])
    }

    /// The parameter tag.
    pub fn tag(&self) -> u16 {
        use M3uaParameter::*;
        match self {
            InfoString(_) => tag::INFO_STRING,
            RoutingContext(_) => tag::ROUTING_CONTEXT,
            DiagnosticInformation(_) => tag::DIAGNOSTIC_INFORMATION,
            HeartbeatData(_) => tag::HEARTBEAT_DATA,
            TrafficModeType(_) => tag::TRAFFIC_MODE_TYPE,
            ErrorCode(_) => tag::ERROR_CODE,
            Status { .. } => tag::STATUS,
            AspIdentifier(_) => tag::ASP_IDENTIFIER,
            AffectedPointCode(_) => tag::AFFECTED_POINT_CODE,
            CorrelationId(_) => tag::CORRELATION_ID,
            NetworkAppearance(_) => tag::NETWORK_APPEARANCE,
            UserCause { .. } => tag::USER_CAUSE,
            CongestionIndications(_) => tag::CONGESTION_INDICATIONS,
            ConcernedDestination(_) => tag::CONCERNED_DESTINATION,
            ProtocolData(_) => tag::PROTOCOL_DATA,
            Unknown { tag, .. } => *tag,
        }
    }

    /// Whether this crate types the parameter with `tag` (anything else is `Unknown`).
    pub fn is_typed_tag(t: u16) -> bool {
        matches!(
            t,
            tag::INFO_STRING
                | tag::ROUTING_CONTEXT
                | tag::DIAGNOSTIC_INFORMATION
                | tag::HEARTBEAT_DATA
                | tag::TRAFFIC_MODE_TYPE
                | tag::ERROR_CODE
                | tag::STATUS
                | tag::ASP_IDENTIFIER
                | tag::AFFECTED_POINT_CODE
                | tag::CORRELATION_ID
                | tag::NETWORK_APPEARANCE
                | tag::USER_CAUSE
                | tag::CONGESTION_INDICATIONS
                | tag::CONCERNED_DESTINATION
                | tag::PROTOCOL_DATA
        )
    }

    /// Parameter name as in RFC 4666.
    pub fn tag_name(t: u16) -> &'static str {
        match t {
            tag::INFO_STRING => "INFO String",
            tag::ROUTING_CONTEXT => "Routing Context",
            tag::DIAGNOSTIC_INFORMATION => "Diagnostic Information",
            tag::HEARTBEAT_DATA => "Heartbeat Data",
            tag::TRAFFIC_MODE_TYPE => "Traffic Mode Type",
            tag::ERROR_CODE => "Error Code",
            tag::STATUS => "Status",
            tag::ASP_IDENTIFIER => "ASP Identifier",
            tag::AFFECTED_POINT_CODE => "Affected Point Code",
            tag::CORRELATION_ID => "Correlation ID",
            tag::NETWORK_APPEARANCE => "Network Appearance",
            tag::USER_CAUSE => "User/Cause",
            tag::CONGESTION_INDICATIONS => "Congestion Indications",
            tag::CONCERNED_DESTINATION => "Concerned Destination",
            tag::ROUTING_KEY => "Routing Key",
            tag::REGISTRATION_RESULT => "Registration Result",
            tag::DEREGISTRATION_RESULT => "Deregistration Result",
            tag::LOCAL_ROUTING_KEY_IDENTIFIER => "Local Routing Key Identifier",
            tag::DESTINATION_POINT_CODE => "Destination Point Code",
            tag::SERVICE_INDICATORS => "Service Indicators",
            tag::ORIGINATING_POINT_CODE_LIST => "Originating Point Code List",
            tag::PROTOCOL_DATA => "Protocol Data",
            tag::REGISTRATION_STATUS => "Registration Status",
            tag::DEREGISTRATION_STATUS => "Deregistration Status",
            _ => "unknown parameter",
        }
    }

    /// Length of the value (no tag/length header, no padding).
    #[inline]
    pub fn value_len(&self) -> usize {
        use M3uaParameter::*;
        match self {
            InfoString(s) => s.len(),
            RoutingContext(v) => v.len().saturating_mul(4),
            DiagnosticInformation(b) | HeartbeatData(b) | Unknown { value: b, .. } => b.len(),
            TrafficModeType(_) | ErrorCode(_) | Status { .. } | AspIdentifier(_) | CorrelationId(_) => 4,
            NetworkAppearance(_) | UserCause { .. } | CongestionIndications(_) | ConcernedDestination(_) => 4,
            AffectedPointCode(v) => v.len().saturating_mul(4),
            ProtocolData(pd) => pd.user_data.len().saturating_add(12),
        }
    }

    /// Octets this parameter takes on the wire, padding included.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        pad4(self.value_len().saturating_add(4))
    }

    /// Parse the value of a parameter with tag `t`; `base` is the value's
    /// absolute offset. The parameter is written over `slot`, which owns
    /// nothing (a new slot or a reused parameter): built where it lies
    /// rather than moved out of a `Result`. On error `slot` holds a
    /// parameter that owns nothing.
    // Inlined into `M3uaRepr::parse` so the parameter is built in place.
    #[inline(always)]
    fn parse_value_into(t: u16, v: &[u8], base: usize, slot: &mut Self) -> Result<()> {
        // A fixed-length value as its four octets, after one length test.
        // Read octet by octet, each index was bounds-checked on its own
        // (callgrind: ~60 instructions a DATA parse).
        let word = || -> Result<[u8; 4]> {
            <[u8; 4]>::try_from(v).map_err(|_| {
                Error::new(
                    Layer::M3ua,
                    base,
                    Reason::BadValue { value: v.len() as u64, expected: "a value of its fixed length" },
                )
            })
        };
        // A 4-octet value as its two 16-bit halves (Status, User/Cause).
        let halves = |[a, b, c, d]: [u8; 4]| (u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]));
        let multiple_of_4 = || -> Result<()> {
            if v.len() & 3 == 0 && !v.is_empty() {
                Ok(())
            } else {
                Err(Error::new(
                    Layer::M3ua,
                    base,
                    Reason::BadValue { value: v.len() as u64, expected: "a non-empty multiple of 4 octets" },
                ))
            }
        };
        let reserved_zero = |i: usize, n: usize| -> Result<()> {
            match v[i..i + n].iter().position(|&b| b != 0) {
                None => Ok(()),
                Some(k) => Err(Error::new(
                    Layer::M3ua,
                    base + i + k,
                    Reason::BadValue { value: u64::from(v[i + k]), expected: "zero in a reserved octet" },
                )),
            }
        };
        // Every parameter goes into a slot that already holds a value and
        // is overwritten where it lies: a value built in a stack temporary
        // with narrow stores and pushed was read back in 16-byte loads (a
        // store-forwarding stall; perf cpu-clock put over half of a DATA
        // parse's samples on the load after its Routing Context's push).
        // The slot owns nothing: overwritten without a drop.
        use crate::inline::overwrite as set;
        match t {
            tag::INFO_STRING => match std::str::from_utf8(v) {
                Ok(s) => set(slot, M3uaParameter::InfoString(s.to_owned())),
                Err(e) => {
                    return Err(Error::other(Layer::M3ua, base + e.valid_up_to(), "INFO String is not UTF-8"))
                }
            },
            tag::ROUTING_CONTEXT => {
                multiple_of_4()?;
                // Nearly always one context: no iterator for it.
                if let Ok(w) = <[u8; 4]>::try_from(v) {
                    set(slot, M3uaParameter::RoutingContext(smallvec::smallvec![u32::from_be_bytes(w)]))
                } else {
                    set(
                        slot,
                        M3uaParameter::RoutingContext(
                            v.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect(),
                        ),
                    )
                }
            }
            tag::DIAGNOSTIC_INFORMATION => set(slot, M3uaParameter::DiagnosticInformation(v.to_vec())),
            tag::HEARTBEAT_DATA => set(slot, M3uaParameter::HeartbeatData(v.to_vec())),
            tag::TRAFFIC_MODE_TYPE => {
                let w = word()?;
                set(slot, M3uaParameter::TrafficModeType(TrafficMode::from_value(u32::from_be_bytes(w))))
            }
            tag::ERROR_CODE => {
                let w = word()?;
                set(slot, M3uaParameter::ErrorCode(ErrorCode::from_value(u32::from_be_bytes(w))))
            }
            tag::STATUS => {
                let (status_type, status_info) = halves(word()?);
                set(slot, M3uaParameter::Status { status_type, status_info })
            }
            tag::ASP_IDENTIFIER => {
                let w = word()?;
                set(slot, M3uaParameter::AspIdentifier(u32::from_be_bytes(w)))
            }
            tag::AFFECTED_POINT_CODE => {
                multiple_of_4()?;
                set(
                    slot,
                    M3uaParameter::AffectedPointCode(
                        v.chunks_exact(4)
                            .map(|c| MaskedPointCode {
                                mask: c[0],
                                pc: PointCode(u32::from_be_bytes([0, c[1], c[2], c[3]])),
                            })
                            .collect(),
                    ),
                )
            }
            tag::CORRELATION_ID => {
                let w = word()?;
                set(slot, M3uaParameter::CorrelationId(u32::from_be_bytes(w)))
            }
            tag::NETWORK_APPEARANCE => {
                let w = word()?;
                set(slot, M3uaParameter::NetworkAppearance(u32::from_be_bytes(w)))
            }
            tag::USER_CAUSE => {
                let (cause, user) = halves(word()?);
                set(slot, M3uaParameter::UserCause { cause, user })
            }
            tag::CONGESTION_INDICATIONS => {
                let [_, _, _, level] = word()?;
                reserved_zero(0, 3)?;
                set(slot, M3uaParameter::CongestionIndications(level))
            }
            tag::CONCERNED_DESTINATION => {
                let w = word()?;
                reserved_zero(0, 1)?;
                set(slot, M3uaParameter::ConcernedDestination(PointCode(u32::from_be_bytes(w))))
            }
            tag::PROTOCOL_DATA => {
                let [o0, o1, o2, o3, d0, d1, d2, d3, si, ni, mp, sls, ref user_data @ ..] = *v else {
                    return Err(Error::truncated(Layer::M3ua, base, 12, v.len()));
                };
                // The slot is made an empty Protocol Data (the placeholder)
                // unless it is one already (a reused slot), then its fields
                // are written where they lie and the user data is copied
                // once, straight into the slot. Built by
                // `InlineBytes::from_slice` in a temporary, the 64-byte value
                // was copied twice more, each copy reading in 16-byte loads
                // what the previous one had just stored in other sizes
                // (store-forwarding stalls; perf cpu-clock put half of
                // parse's samples on those loads); written over the slot
                // as a new value with an empty buffer, the buffer's zeros
                // went through a stack temporary the same way (a fifth of
                // parse_into's samples on the copy).
                if !matches!(slot, M3uaParameter::ProtocolData(_)) {
                    set(slot, M3uaParameter::PLACEHOLDER);
                }
                if let M3uaParameter::ProtocolData(pd) = slot {
                    pd.opc = PointCode(u32::from_be_bytes([o0, o1, o2, o3]));
                    pd.dpc = PointCode(u32::from_be_bytes([d0, d1, d2, d3]));
                    pd.si = si;
                    pd.ni = ni;
                    pd.mp = mp;
                    pd.sls = sls;
                    pd.user_data.assign(user_data);
                }
            }
            t => set(slot, M3uaParameter::Unknown { tag: t, value: v.to_vec() }),
        }
        Ok(())
    }

    /// Append the parameter (header, value, zero padding).
    ///
    /// # Errors
    /// A value that does not fit its field: too long for the 16-bit length,
    /// an empty list, a 24-bit point code over 0xffffff, an `Unknown` using
    /// a tag this crate types, a congestion level over 255.
    #[inline]
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        use M3uaParameter::*;
        // The parameters of a DATA, in one match each and one append of the
        // header with the fixed fields; `emit_general` for the rest (it
        // writes the same octets, and names any error).
        let (t, word) = match self {
            NetworkAppearance(x) => (tag::NETWORK_APPEARANCE, *x),
            CorrelationId(x) => (tag::CORRELATION_ID, *x),
            RoutingContext(v) if v.len() == 1 => (tag::ROUTING_CONTEXT, v[0]),
            ProtocolData(pd) if pd.user_data.len() <= usize::from(u16::MAX) - 16 => {
                let ud = pd.user_data.as_slice();
                let total = 16 + ud.len();
                let [t0, t1] = tag::PROTOCOL_DATA.to_be_bytes();
                let [l0, l1] = (total as u16).to_be_bytes();
                let [o0, o1, o2, o3] = pd.opc.0.to_be_bytes();
                let [d0, d1, d2, d3] = pd.dpc.0.to_be_bytes();
                out.reserve(pad4(total));
                out.extend_from_slice(&[
                    t0, t1, l0, l1, o0, o1, o2, o3, d0, d1, d2, d3, pd.si, pd.ni, pd.mp, pd.sls,
                ]);
                out.extend_from_slice(ud);
                out.extend_from_slice(&[0; 3][..pad4(total) - total]);
                return Ok(());
            }
            _ => return self.emit_general(out),
        };
        let [t0, t1] = t.to_be_bytes();
        let [w0, w1, w2, w3] = word.to_be_bytes();
        out.extend_from_slice(&[t0, t1, 0, 8, w0, w1, w2, w3]);
        Ok(())
    }

    /// [`emit`](Self::emit) for every parameter.
    #[inline(never)]
    fn emit_general(&self, out: &mut Vec<u8>) -> Result<()> {
        let t = self.tag();
        // Named only on the error paths: the lookup is a long match.
        let err = |reason: Reason| Error::new(Layer::M3ua, out.len(), reason).parameter(Self::tag_name(t));
        let vlen = self.value_len();
        let total = vlen.saturating_add(4);
        if total > usize::from(u16::MAX) {
            return Err(err(Reason::TooLong { len: total, max: usize::from(u16::MAX) }));
        }
        use M3uaParameter::*;
        match self {
            RoutingContext(v) if v.is_empty() => {
                return Err(err(Reason::Other("Routing Context needs at least one value".into())))
            }
            AffectedPointCode(v) if v.is_empty() => {
                return Err(err(Reason::Other("Affected Point Code needs at least one value".into())))
            }
            AffectedPointCode(v) if v.iter().any(|m| m.pc.0 > 0x00ff_ffff) => {
                return Err(err(Reason::Other("Affected Point Code is 24 bits".into())))
            }
            ConcernedDestination(pc) if pc.0 > 0x00ff_ffff => {
                return Err(err(Reason::Other("Concerned Destination is 24 bits".into())))
            }
            Unknown { tag, .. } if Self::is_typed_tag(*tag) => {
                return Err(err(Reason::Other("use the typed parameter for this tag, not Unknown".into())))
            }
            _ => {}
        }
        out.extend_from_slice(&t.to_be_bytes());
        out.extend_from_slice(&(total as u16).to_be_bytes());
        match self {
            InfoString(s) => out.extend_from_slice(s.as_bytes()),
            RoutingContext(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_be_bytes())),
            DiagnosticInformation(b) | HeartbeatData(b) | Unknown { value: b, .. } => {
                out.extend_from_slice(b)
            }
            TrafficModeType(m) => out.extend_from_slice(&m.value().to_be_bytes()),
            ErrorCode(c) => out.extend_from_slice(&c.value().to_be_bytes()),
            Status { status_type: a, status_info: b } | UserCause { cause: a, user: b } => {
                out.extend_from_slice(&a.to_be_bytes());
                out.extend_from_slice(&b.to_be_bytes());
            }
            AspIdentifier(x) | CorrelationId(x) | NetworkAppearance(x) => {
                out.extend_from_slice(&x.to_be_bytes())
            }
            AffectedPointCode(v) => {
                for m in v {
                    out.push(m.mask);
                    out.extend_from_slice(&m.pc.0.to_be_bytes()[1..]);
                }
            }
            CongestionIndications(level) => out.extend_from_slice(&[0, 0, 0, *level]),
            ConcernedDestination(pc) => out.extend_from_slice(&pc.0.to_be_bytes()),
            ProtocolData(pd) => {
                out.extend_from_slice(&pd.opc.0.to_be_bytes());
                out.extend_from_slice(&pd.dpc.0.to_be_bytes());
                out.extend_from_slice(&[pd.si, pd.ni, pd.mp, pd.sls]);
                out.extend_from_slice(&pd.user_data);
            }
        }
        out.resize(out.len() + (pad4(total) - total), 0);
        Ok(())
    }
}

/// Round up to a multiple of 4.
fn pad4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// An owned M3UA message: which message, and its parameters in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct M3uaRepr {
    /// Message class and type.
    pub message: M3uaMessageType,
    /// Parameters, in the order they appear on the wire.
    pub params: M3uaParameters,
}

impl M3uaRepr {
    /// A message of type `message` with `params`.
    pub fn new(message: M3uaMessageType, params: Vec<M3uaParameter>) -> Self {
        M3uaRepr { message, params: params.into_iter().collect() }
    }

    /// A DATA message: optional routing context, then Protocol Data.
    pub fn data(routing_context: Option<u32>, pd: ProtocolData) -> Self {
        let mut params = M3uaParameters::new();
        if let Some(rc) = routing_context {
            params.push(M3uaParameter::RoutingContext(smallvec::smallvec![rc]));
        }
        params.push(M3uaParameter::ProtocolData(pd));
        M3uaRepr { message: M3uaMessageType::Data, params }
    }

    /// Parse one complete M3UA message; `buf` must hold exactly the message.
    ///
    /// # Errors
    /// Truncation, a version other than 1, a non-zero reserved octet, a message
    /// length that disagrees with the buffer, a parameter length under 4 or
    /// past the end, non-zero or missing padding, a known parameter whose value
    /// has the wrong shape.
    // The message is ~340 bytes. It is made as the `Ok` value first and
    // filled there, the one place it is returned from, and `#[inline]` lets
    // the caller's optimiser place it; built in a local and returned as
    // `Ok(repr)` it measured slower (criterion 82.6 against 54-56 ns,
    // session 10). rustc 1.95 still copies the finished value into the
    // caller's slot (~64 instructions, seen in both bench binaries and in
    // every variant tried: a local, a `&mut Result`, `#[inline(always)]`);
    // `parse_into` is the path without that copy.
    #[inline]
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let mut res = Ok(M3uaRepr { message: M3uaMessageType::Data, params: M3uaParameters::new() });
        if let Ok(repr) = &mut res {
            if let Err(e) = Self::parse_into(buf, repr) {
                res = Err(e);
            }
        }
        res
    }

    /// Parses like [`parse`](Self::parse) into `out`, reusing it: the
    /// steady-state path for a loop that handles one message after another
    /// (no ~340-byte value returned and moved, no list dropped and rebuilt;
    /// a list that had spilled to the heap keeps its allocation). On success
    /// `*out == M3uaRepr::parse(buf)?`.
    ///
    /// # Errors
    /// As [`parse`](Self::parse). On error `out` holds a valid but
    /// unspecified message (what was read so far); do not use it.
    #[inline]
    pub fn parse_into(buf: &[u8], out: &mut M3uaRepr) -> Result<()> {
        let pkt = M3uaPacket::new_checked(buf)?;
        let message = M3uaMessageType::from_class_type(pkt.class(), pkt.message_type());
        // Named only on error paths.
        let name = || message.name();
        if pkt.total_len() != buf.len() {
            return Err(Error::new(
                Layer::M3ua,
                pkt.total_len(),
                Reason::Trailing { count: buf.len() - pkt.total_len() },
            )
            .message(name()));
        }
        out.message = message;
        let params = &mut out.params;
        // The parameters are written over slots that own nothing, filled
        // in order; the unused ones are cut off at the end. An inline list
        // starts from four (a DATA's usual four, network appearance,
        // routing context, protocol data, correlation id, fit inline),
        // written in one go (`four_slots`); a list that had spilled keeps its
        // allocation and gets its slots four at a time. Pushed one at a
        // time, each parameter paid the push's spill and capacity tests
        // and a length kept in memory (callgrind: ~90 instructions a DATA
        // parse; perf: the hottest samples on the length's increment and
        // reload); `extend` for the first four was not inlined (~100).
        // Old parameters that own nothing are written over without a drop
        // (the drop called the drop glue of each: ~75 instructions when
        // reusing a DATA, ~20 for the empty list of `parse`); four or more
        // of them are the slots as they are, not rewritten (a reused DATA's
        // Protocol Data slot is one already: 13 instructions fewer).
        if params.spilled() {
            params.clear();
        } else if params.iter().all(M3uaParameter::owns_nothing) {
            if params.len() < 4 {
                crate::inline::overwrite(params, M3uaParameter::four_slots());
            }
        } else {
            *params = M3uaParameter::four_slots();
        }
        let mut raws = pkt.raw_params();
        let mut n = 0;
        loop {
            for slot in params.iter_mut().skip(n) {
                if raws.pos >= raws.end {
                    break;
                }
                let raw = raws.step().map_err(|e| e.message(name()))?;
                M3uaParameter::parse_value_into(raw.tag, raw.value, raw.offset + 4, slot)
                    .map_err(|e| e.message(name()).parameter(M3uaParameter::tag_name(raw.tag)))?;
                n += 1;
            }
            if raws.pos >= raws.end {
                break;
            }
            params.extend((0..4).map(|_| M3uaParameter::new_slot()));
        }
        params.truncate(n);
        Ok(())
    }

    /// Octets the message takes on the wire.
    pub fn buffer_len(&self) -> usize {
        self.params.iter().fold(HEADER_LEN, |acc, p| acc.saturating_add(p.buffer_len()))
    }

    /// Append the message to `out`.
    ///
    /// # Errors
    /// An `Unknown` message type that names a known class/type, or any
    /// parameter error (see [`M3uaParameter::emit`]), or a message over 4 GiB.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        // Named only on the error paths.
        let name = || self.message.name();
        let start = out.len();
        let (class, msg_type) = match self.message {
            M3uaMessageType::Data => (class::TRANSFER, 1),
            m => m.class_type(),
        };
        if let M3uaMessageType::Unknown { .. } = self.message {
            if M3uaMessageType::from_class_type(class, msg_type) != self.message {
                return Err(Error::other(Layer::M3ua, start, "use the named message type, not Unknown")
                    .message(name()));
            }
        }
        // The length is patched in once the parameters are written (one walk
        // over them, not two).
        out.extend_from_slice(&[M3UA_VERSION, 0, class, msg_type, 0, 0, 0, 0]);
        for p in &self.params {
            if let Err(e) = p.emit(out) {
                out.truncate(start);
                return Err(e.message(name()));
            }
        }
        let len = out.len() - start;
        let Ok(len32) = u32::try_from(len) else {
            out.truncate(start);
            return Err(Error::new(Layer::M3ua, start, Reason::TooLong { len, max: u32::MAX as usize })
                .message(name()));
        };
        if let Some(field) = out.get_mut(start + 4..start + 8) {
            field.copy_from_slice(&len32.to_be_bytes());
        }
        Ok(())
    }

    /// The message as a new byte vector.
    ///
    /// # Errors
    /// As [`M3uaRepr::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.buffer_len());
        self.emit(&mut out)?;
        Ok(out)
    }

    /// The first Routing Context value, if any.
    pub fn routing_context(&self) -> Option<&[u32]> {
        self.params.iter().find_map(|p| match p {
            M3uaParameter::RoutingContext(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// The Protocol Data parameter, if any.
    pub fn protocol_data(&self) -> Option<&ProtocolData> {
        self.params.iter().find_map(|p| match p {
            M3uaParameter::ProtocolData(pd) => Some(pd),
            _ => None,
        })
    }
}

/// One parameter as it sits in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawParam<'a> {
    /// Parameter tag.
    pub tag: u16,
    /// The value, without header or padding.
    pub value: &'a [u8],
    /// Absolute offset of the parameter header.
    pub offset: usize,
}

/// Iterator over the parameters of a checked packet; stops after the first error.
#[derive(Debug, Clone)]
pub struct RawParams<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
    failed: bool,
}

impl<'a> Iterator for RawParams<'a> {
    type Item = Result<RawParam<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.end {
            return None;
        }
        let r = self.step();
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }
}

impl<'a> RawParams<'a> {
    /// The next parameter; `pos < end`.
    // The everyday parameter in one pass over what holds it: its header,
    // then its value and padding as one slice of the padded length (one
    // bounds check for both; the checks one by one were 10 instructions
    // more a DATA parse). Anything else, errors included, takes the checks
    // one by one in `step_checked`.
    #[inline(always)]
    fn step(&mut self) -> Result<RawParam<'a>> {
        let offset = self.pos;
        let area = self.buf.get(offset..self.end).unwrap_or_default();
        if let [t0, t1, l0, l1, ..] = *area {
            let len = usize::from(u16::from_be_bytes([l0, l1]));
            if let Some(p) = area.get(..(len + 3) & !3) {
                if let Some(value) = p.get(4..len) {
                    if p.len() == len || p[len..].iter().all(|&b| b == 0) {
                        self.pos = offset + p.len();
                        return Ok(RawParam { tag: u16::from_be_bytes([t0, t1]), value, offset });
                    }
                }
            }
        }
        let (raw, next) = Self::step_checked(self.buf, offset, self.end)?;
        self.pos = next;
        Ok(raw)
    }

    /// [`step`](Self::step) with every check on its own, naming the error;
    /// the parameter at `offset` and the offset of the next.
    #[cold]
    #[inline(never)]
    fn step_checked(buf: &'a [u8], offset: usize, end: usize) -> Result<(RawParam<'a>, usize)> {
        let area = &buf[..end];
        // Tag and length straight from the slice; a `Reader` only on the
        // (cold) short-header path, for its error.
        let (t, len) = match area.get(offset..) {
            Some(&[t0, t1, l0, l1, ..]) => {
                (u16::from_be_bytes([t0, t1]), usize::from(u16::from_be_bytes([l0, l1])))
            }
            _ => {
                let mut r = Reader::with_base(Layer::M3ua, &area[offset..], offset);
                r.u16_be()?;
                r.u16_be()?;
                return Err(Error::truncated(Layer::M3ua, offset, 4, area.len() - offset));
            }
        };
        // Named only on the error paths: the lookup is a long match.
        let name = || M3uaParameter::tag_name(t);
        if len < 4 {
            return Err(Error::new(
                Layer::M3ua,
                offset + 2,
                Reason::BadValue { value: len as u64, expected: "a parameter length of at least 4" },
            )
            .parameter(name()));
        }
        if len > end - offset {
            return Err(Error::new(
                Layer::M3ua,
                offset + 2,
                Reason::BadLength { declared: len, available: end - offset },
            )
            .parameter(name()));
        }
        let value = &area[offset + 4..offset + len];
        let padded = pad4(len);
        // RFC 4666 §3.1: the message length includes the padding of every parameter.
        if padded > end - offset {
            return Err(Error::new(
                Layer::M3ua,
                offset + len,
                Reason::Truncated { needed: padded - len, available: end - offset - len },
            )
            .parameter(name()));
        }
        if padded == len {
            return Ok((RawParam { tag: t, value, offset }, offset + padded));
        }
        if let Some(k) = area[offset + len..offset + padded].iter().position(|&b| b != 0) {
            return Err(Error::new(
                Layer::M3ua,
                offset + len + k,
                Reason::BadValue { value: u64::from(area[offset + len + k]), expected: "zero padding" },
            )
            .parameter(name()));
        }
        Ok((RawParam { tag: t, value, offset }, offset + padded))
    }
}

/// Protocol Data fields, borrowed from the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolDataRef<'a> {
    pub opc: PointCode,
    pub dpc: PointCode,
    pub si: u8,
    pub ni: u8,
    pub mp: u8,
    pub sls: u8,
    /// The MTP3-user message.
    pub user_data: &'a [u8],
    /// Absolute offset of `user_data` in the buffer.
    pub user_data_offset: usize,
}

/// A zero-copy view of an M3UA message (smoltcp style).
#[derive(Debug, Clone)]
pub struct M3uaPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use std::ops::Range;
    pub(super) const VERSION: usize = 0;
    pub(super) const RESERVED: usize = 1;
    pub(super) const CLASS: usize = 2;
    pub(super) const TYPE: usize = 3;
    pub(super) const LENGTH: Range<usize> = 4..8;
}

impl<T: AsRef<[u8]>> M3uaPacket<T> {
    /// Wrap without checks (accessors may panic on a short buffer).
    pub fn new_unchecked(buffer: T) -> Self {
        M3uaPacket { buffer }
    }

    /// Wrap after [`M3uaPacket::check_len`] (the common header only: the
    /// parameters are checked by the accessors that read them).
    ///
    /// # Errors
    /// As [`M3uaPacket::check_len`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = M3uaPacket { buffer };
        p.check_len()?;
        Ok(p)
    }

    /// Check the header: 8 octets, version 1, reserved zero, a length that is
    /// at least 8, a multiple of 4 and within the buffer (trailing octets are allowed).
    ///
    /// # Errors
    /// Truncated header, bad version, non-zero reserved octet, bad length.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        // One test for the everyday header; the error is built out of line.
        let b = self.buffer.as_ref();
        if let Some(&[M3UA_VERSION, 0, _, _, l0, l1, l2, l3]) = b.get(..HEADER_LEN) {
            let len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
            if len >= HEADER_LEN && len & 3 == 0 && len <= b.len() {
                return Ok(());
            }
        }
        Err(header_error(b))
    }
    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Protocol version (1).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION]
    }

    /// Message class.
    pub fn class(&self) -> u8 {
        self.buffer.as_ref()[field::CLASS]
    }

    /// Message type within the class.
    pub fn message_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// Class and type as a [`M3uaMessageType`].
    pub fn message(&self) -> M3uaMessageType {
        M3uaMessageType::from_class_type(self.class(), self.message_type())
    }

    /// Message length field (header included).
    pub fn length(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The message length as usize.
    pub fn total_len(&self) -> usize {
        self.length() as usize
    }

    /// The parameters area.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.total_len()]
    }

    /// Iterate over the parameters in wire order (checks each length and pad).
    pub fn raw_params(&self) -> RawParams<'_> {
        RawParams { buf: self.buffer.as_ref(), pos: HEADER_LEN, end: self.total_len(), failed: false }
    }

    /// The Protocol Data of a DATA message, without parsing the other parameters.
    ///
    /// Only the layout is checked on the way (each length and padded end);
    /// the values and padding octets of the other parameters are not read,
    /// so a message this accepts may still be refused by [`M3uaRepr::parse`].
    ///
    /// # Errors
    /// A parameter before it whose length is under 4 or runs past the
    /// message, or a Protocol Data under 12 octets. When there is no
    /// Protocol Data, any malformed parameter (padding included).
    #[inline]
    pub fn protocol_data(&self) -> Result<Option<ProtocolDataRef<'_>>> {
        if let Some(pd) = self.protocol_data_fast() {
            return Ok(Some(pd));
        }
        self.protocol_data_slow()
    }

    /// [`protocol_data`](Self::protocol_data) when the parameters before
    /// Protocol Data are laid out well: tags and lengths read straight from
    /// the slice, each length at least 4 and its padded end inside the
    /// message. Their padding octets are not read (the layout does not
    /// depend on them; [`M3uaRepr::parse`] checks them). `None` sends the
    /// caller to the full walk, which names any error.
    #[inline]
    fn protocol_data_fast(&self) -> Option<ProtocolDataRef<'_>> {
        let b = self.buffer.as_ref();
        let area = b.get(..self.total_len())?;
        let mut pos = HEADER_LEN;
        loop {
            // Tag and length as one big-endian word.
            let &[t0, t1, l0, l1] = area.get(pos..pos + 4)? else { return None };
            let len = usize::from(u16::from_be_bytes([l0, l1]));
            if u16::from_be_bytes([t0, t1]) == tag::PROTOCOL_DATA {
                let v = area.get(pos + 4..pos + len)?;
                let [o0, o1, o2, o3, d0, d1, d2, d3, si, ni, mp, sls, ..] = *v else { return None };
                // The padded end inside the message, as the walk requires.
                if pad4(len) > area.len() - pos {
                    return None;
                }
                return Some(ProtocolDataRef {
                    opc: PointCode(u32::from_be_bytes([o0, o1, o2, o3])),
                    dpc: PointCode(u32::from_be_bytes([d0, d1, d2, d3])),
                    si,
                    ni,
                    mp,
                    sls,
                    user_data: &v[12..],
                    user_data_offset: pos + 16,
                });
            }
            if len < 4 {
                return None;
            }
            // `len` is at most 0xffff: no overflow; a padded end past the
            // message ends the loop at the next `get`.
            pos += (len + 3) & !3;
        }
    }

    /// The full walk behind [`protocol_data`](Self::protocol_data): every
    /// parameter before Protocol Data checked, padding included.
    #[cold]
    #[inline(never)]
    fn protocol_data_slow(&self) -> Result<Option<ProtocolDataRef<'_>>> {
        // `step` directly rather than the iterator: no `Option<Result<_>>`
        // wrapping or `failed` flag per parameter (an error returns at once).
        let mut params = self.raw_params();
        while params.pos < params.end {
            let raw = params.step()?;
            if raw.tag != tag::PROTOCOL_DATA {
                continue;
            }
            let v = raw.value;
            if v.len() < 12 {
                return Err(
                    Error::truncated(Layer::M3ua, raw.offset + 4, 12, v.len()).parameter("Protocol Data")
                );
            }
            return Ok(Some(ProtocolDataRef {
                opc: PointCode(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
                dpc: PointCode(u32::from_be_bytes([v[4], v[5], v[6], v[7]])),
                si: v[8],
                ni: v[9],
                mp: v[10],
                sls: v[11],
                user_data: &v[12..],
                user_data_offset: raw.offset + 16,
            }));
        }
        Ok(None)
    }
}

/// The error [`M3uaPacket::check_len`] gives for a header it refuses.
#[cold]
#[inline(never)]
fn header_error(b: &[u8]) -> Error {
    if b.len() < HEADER_LEN {
        return Error::truncated(Layer::M3ua, 0, HEADER_LEN, b.len());
    }
    if b[field::VERSION] != M3UA_VERSION {
        return Error::new(
            Layer::M3ua,
            field::VERSION,
            Reason::BadValue { value: u64::from(b[field::VERSION]), expected: "version 1" },
        );
    }
    if b[field::RESERVED] != 0 {
        return Error::new(
            Layer::M3ua,
            field::RESERVED,
            Reason::BadValue { value: u64::from(b[field::RESERVED]), expected: "zero in the reserved octet" },
        );
    }
    let len = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as usize;
    if len < HEADER_LEN || len & 3 != 0 {
        return Error::new(
            Layer::M3ua,
            field::LENGTH.start,
            Reason::BadValue { value: len as u64, expected: "a message length >= 8 and a multiple of 4" },
        );
    }
    Error::new(Layer::M3ua, field::LENGTH.start, Reason::BadLength { declared: len, available: b.len() })
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> M3uaPacket<T> {
    /// Set the message class.
    pub fn set_class(&mut self, v: u8) {
        self.buffer.as_mut()[field::CLASS] = v;
    }

    /// Set the message type.
    pub fn set_message_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::TYPE] = v;
    }

    /// Set the message length field.
    pub fn set_length(&mut self, v: u32) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&v.to_be_bytes());
    }
}

/// Default largest message [`M3uaFramer`] accepts.
pub const DEFAULT_MAX_MESSAGE: usize = 64 * 1024;

/// Sans-IO framer for M3UA over a byte stream: push bytes, pop whole messages.
///
/// Every message header is checked as soon as it is in: a length under 8 or
/// over the maximum is an error, and the framer then stays failed (the
/// stream has lost its framing) until [`M3uaFramer::reset`]. It never waits
/// for more than `max` octets for one message, and holds no more than the
/// bytes pushed and not yet popped.
#[derive(Debug, Clone)]
pub struct M3uaFramer {
    buf: Vec<u8>,
    /// Index in `buf` of the next message to pop.
    start: usize,
    /// Index in `buf` of the next header not yet checked.
    scan: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    max: usize,
    failed: Option<Error>,
}

impl Default for M3uaFramer {
    fn default() -> Self {
        Self::new()
    }
}

impl M3uaFramer {
    /// A framer with the default 64 KiB limit.
    pub fn new() -> Self {
        Self::with_max(DEFAULT_MAX_MESSAGE)
    }

    /// A framer that refuses messages longer than `max` octets (at least 8).
    pub fn with_max(max: usize) -> Self {
        M3uaFramer { buf: Vec::new(), start: 0, scan: 0, base: 0, max: max.max(HEADER_LEN), failed: None }
    }

    /// Octets buffered and not yet returned.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Forget everything buffered and any error (stream offsets restart at 0).
    pub fn reset(&mut self) {
        *self = Self::with_max(self.max);
    }

    /// Append bytes read from the stream and check every header now complete.
    ///
    /// # Errors
    /// The framer already failed, or a header declares a length under 8 or
    /// over the maximum. Offsets count from the start of the stream.
    pub fn push(&mut self, data: &[u8]) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.scan -= self.start;
            self.base = self.base.saturating_add(self.start as u64);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
        while let Some(h) = self.buf.get(self.scan..self.scan.saturating_add(HEADER_LEN)) {
            let len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
            if len < HEADER_LEN || len > self.max {
                let at = self.base.saturating_add(self.scan as u64 + 4);
                let e = Error::new(
                    Layer::M3ua,
                    usize::try_from(at).unwrap_or(usize::MAX),
                    Reason::BadValue {
                        value: len as u64,
                        expected: if len < HEADER_LEN {
                            "a message length of at least 8"
                        } else {
                            "a message length within the framer's maximum"
                        },
                    },
                )
                .parameter("message length");
                self.failed = Some(e.clone());
                return Err(e);
            }
            self.scan += len;
        }
        Ok(())
    }

    /// Take the next complete message, if one is buffered.
    ///
    /// The bytes are returned as framed; decode them with [`M3uaRepr::parse`].
    ///
    /// # Errors
    /// The framer failed (see [`M3uaFramer::push`]).
    pub fn pop(&mut self) -> Result<Option<Vec<u8>>> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Some(h) = self.buf.get(self.start..self.start + HEADER_LEN) else { return Ok(None) };
        // Checked by push: HEADER_LEN <= len <= max.
        let len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
        let Some(msg) = self.buf.get(self.start..self.start + len) else { return Ok(None) };
        let msg = msg.to_vec();
        self.start += len;
        if self.start == self.buf.len() {
            self.base = self.base.saturating_add(self.buf.len() as u64);
            self.buf.clear();
            self.start = 0;
            self.scan = 0;
        }
        Ok(Some(msg))
    }
}

/// An ITU ISUP IAM (CIC 17, called 2125551234, calling 9085551212), as carried in DATA.
pub fn example_isup_iam() -> Vec<u8> {
    vec![
        0x11, 0x00, // CIC 17
        0x01, // IAM
        0x00, // nature of connection indicators
        0x60, 0x01, // forward call indicators
        0x0a, // calling party's category: ordinary subscriber
        0x00, // transmission medium requirement: speech
        0x02, 0x09, // pointers: called party number, start of optional part
        0x07, 0x03, 0x10, 0x12, 0x52, 0x55, 0x21, 0x43, // called party number
        0x0a, 0x07, 0x03, 0x11, 0x09, 0x58, 0x55, 0x21, 0x21, // calling party number
        0x00, // end of optional parameters
    ]
}

/// A realistic instance of every M3UA message this module names.
pub fn examples() -> Vec<(&'static str, M3uaRepr)> {
    use M3uaMessageType as T;
    use M3uaParameter as P;
    let opc = PointCode::itu(1, 1, 1);
    let dpc = PointCode::itu(2, 2, 2);
    let m = M3uaRepr::new;
    vec![
        (
            "ERR invalid routing context",
            m(
                T::Err,
                vec![
                    P::ErrorCode(ErrorCode::InvalidRoutingContext),
                    P::RoutingContext(smallvec::smallvec![7]),
                    P::DiagnosticInformation(vec![0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x08]),
                ],
            ),
        ),
        (
            "NTFY AS-ACTIVE",
            m(
                T::Ntfy,
                vec![
                    P::Status { status_type: 1, status_info: 3 },
                    P::AspIdentifier(1),
                    P::RoutingContext(smallvec::smallvec![1]),
                    P::InfoString("AS active".into()),
                ],
            ),
        ),
        (
            "DATA ISUP IAM",
            M3uaRepr::new(
                T::Data,
                vec![
                    P::NetworkAppearance(1),
                    P::RoutingContext(smallvec::smallvec![1]),
                    P::ProtocolData(ProtocolData {
                        opc,
                        dpc,
                        si: 5,
                        ni: 2,
                        mp: 0,
                        sls: 7,
                        user_data: example_isup_iam().into(),
                    }),
                    P::CorrelationId(42),
                ],
            ),
        ),
        (
            "DUNA",
            m(
                T::Duna,
                vec![
                    P::NetworkAppearance(1),
                    P::RoutingContext(smallvec::smallvec![1]),
                    P::AffectedPointCode(vec![MaskedPointCode { mask: 0, pc: dpc }]),
                    P::InfoString("destination unavailable".into()),
                ],
            ),
        ),
        (
            "DAVA",
            m(
                T::Dava,
                vec![
                    P::RoutingContext(smallvec::smallvec![1]),
                    P::AffectedPointCode(vec![
                        MaskedPointCode { mask: 0, pc: dpc },
                        MaskedPointCode { mask: 3, pc: PointCode::itu(3, 4, 0) },
                    ]),
                ],
            ),
        ),
        (
            "DAUD",
            m(
                T::Daud,
                vec![
                    P::RoutingContext(smallvec::smallvec![1]),
                    P::AffectedPointCode(vec![MaskedPointCode { mask: 0, pc: dpc }]),
                ],
            ),
        ),
        (
            "SCON",
            m(
                T::Scon,
                vec![
                    P::NetworkAppearance(1),
                    P::RoutingContext(smallvec::smallvec![1]),
                    P::AffectedPointCode(vec![MaskedPointCode { mask: 0, pc: dpc }]),
                    P::ConcernedDestination(opc),
                    P::CongestionIndications(2),
                ],
            ),
        ),
        (
            "DUPU ISUP unequipped",
            m(
                T::Dupu,
                vec![
                    P::RoutingContext(smallvec::smallvec![1]),
                    P::AffectedPointCode(vec![MaskedPointCode { mask: 0, pc: dpc }]),
                    P::UserCause { cause: 1, user: 5 },
                ],
            ),
        ),
        (
            "DRST",
            m(
                T::Drst,
                vec![
                    P::RoutingContext(smallvec::smallvec![1]),
                    P::AffectedPointCode(vec![MaskedPointCode { mask: 0, pc: dpc }]),
                ],
            ),
        ),
        ("ASPUP", m(T::AspUp, vec![P::AspIdentifier(1), P::InfoString("ainsim asp".into())])),
        ("ASPDN", m(T::AspDn, vec![])),
        ("BEAT", m(T::Beat, vec![P::HeartbeatData(b"ainsim-beat-0001".to_vec())])),
        ("ASPUP ACK", m(T::AspUpAck, vec![P::AspIdentifier(1)])),
        ("ASPDN ACK", m(T::AspDnAck, vec![])),
        ("BEAT ACK", m(T::BeatAck, vec![P::HeartbeatData(b"ainsim-beat-0001".to_vec())])),
        (
            "ASPAC loadshare",
            m(
                T::AspAc,
                vec![P::TrafficModeType(TrafficMode::Loadshare), P::RoutingContext(smallvec::smallvec![1])],
            ),
        ),
        ("ASPIA", m(T::AspIa, vec![P::RoutingContext(smallvec::smallvec![1])])),
        (
            "ASPAC ACK",
            m(
                T::AspAcAck,
                vec![P::TrafficModeType(TrafficMode::Loadshare), P::RoutingContext(smallvec::smallvec![1])],
            ),
        ),
        ("ASPIA ACK", m(T::AspIaAck, vec![P::RoutingContext(smallvec::smallvec![1])])),
        (
            // Routing key: Local-RK-Identifier 1, Routing Context 1, DPC 2-2-2, SI 5 (ISUP).
            "REG REQ",
            m(
                T::RegReq,
                vec![P::Unknown {
                    tag: tag::ROUTING_KEY,
                    value: vec![
                        0x02, 0x0a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, // Local-RK-Identifier 1
                        0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, // Routing Context 1
                        0x02, 0x0b, 0x00, 0x08, 0x00, 0x00, 0x10, 0x12, // DPC 2-2-2
                        0x02, 0x0c, 0x00, 0x05, 0x05, 0x00, 0x00, 0x00, // SI ISUP
                    ],
                }],
            ),
        ),
        (
            // Registration Result: Local-RK-Identifier 1, status 0 (successfully registered), RC 1.
            "REG RSP",
            m(
                T::RegRsp,
                vec![P::Unknown {
                    tag: tag::REGISTRATION_RESULT,
                    value: vec![
                        0x02, 0x0a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, // Local-RK-Identifier 1
                        0x02, 0x12, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, // Registration Status 0
                        0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, // Routing Context 1
                    ],
                }],
            ),
        ),
        ("DEREG REQ", m(T::DeregReq, vec![P::RoutingContext(smallvec::smallvec![1])])),
        (
            // Deregistration Result: RC 1, status 0 (successfully deregistered).
            "DEREG RSP",
            m(
                T::DeregRsp,
                vec![P::Unknown {
                    tag: tag::DEREGISTRATION_RESULT,
                    value: vec![
                        0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, // Routing Context 1
                        0x02, 0x13, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, // Deregistration Status 0
                    ],
                }],
            ),
        ),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// ASPUP with ASP Identifier 1 (RFC 4666 §3.5.1 layout).
    static ASPUP: [u8; 16] =
        [0x01, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x11, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01];

    /// DATA: RC 1, Protocol Data OPC 2057, DPC 4114, SI 5, NI 2, MP 0, SLS 7, 3 octets of data + pad.
    static DATA: [u8; 36] = [
        0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x24, // header, length 36
        0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, // routing context 1
        0x02, 0x10, 0x00, 0x13, // protocol data, length 19
        0x00, 0x00, 0x08, 0x09, 0x00, 0x00, 0x10, 0x12, // OPC, DPC
        0x05, 0x02, 0x00, 0x07, // SI NI MP SLS
        0xaa, 0xbb, 0xcc, 0x00, // user data + 1 pad
    ];

    fn data_bytes() -> Vec<u8> {
        DATA.to_vec()
    }

    /// A DATA message carrying SCCP UDT / TCAP / MAP, from the public M3UA
    /// codec test vectors of osmocom's signerl (Erlang): NA 0x01abcdef,
    /// RC 0x11223344, OPC 66309, DPC 65793, SI 3, NI 2, MP 8, SLS 14,
    /// Correlation ID 0xfcdc1298.
    const SIGNERL_DATA: &str = "01000101000000a80200000801abcdef00060008112233440210008800010305000101010302080e\
        0901030e190b92060012041999967639980b12080012041989969299295a62584804861205726b1a2818060700118605010101\
        a00d600ba1090607040000010005036c34a132020180020116302a80079119999676399883010085010186079119899692992987\
        089bac03b90810ae7dab06030206c0050000130008fcdc1298";

    #[test]
    fn third_party_data_vector() {
        let b = hex::decode(SIGNERL_DATA.split_whitespace().collect::<String>()).unwrap();
        let r = M3uaRepr::parse(&b).unwrap();
        assert_eq!(r.message, M3uaMessageType::Data);
        assert_eq!(r.params[0], M3uaParameter::NetworkAppearance(0x01ab_cdef));
        assert_eq!(r.routing_context(), Some(&[0x1122_3344][..]));
        let pd = r.protocol_data().unwrap();
        assert_eq!((pd.opc, pd.dpc), (PointCode(66309), PointCode(65793)));
        assert_eq!((pd.si, pd.ni, pd.mp, pd.sls), (3, 2, 8, 14));
        assert_eq!(pd.user_data.len(), 120);
        assert_eq!(pd.user_data[0], 0x09, "SCCP UDT");
        assert_eq!(r.params[3], M3uaParameter::CorrelationId(0xfcdc_1298));
        assert_eq!(r.to_bytes().unwrap(), b);
        let view = M3uaPacket::new_checked(&b[..]).unwrap();
        assert_eq!(view.protocol_data().unwrap().unwrap().user_data, &pd.user_data[..]);
    }

    #[test]
    fn deconstruct() {
        let p = M3uaPacket::new_checked(&ASPUP[..]).unwrap();
        assert_eq!(p.version(), 1);
        assert_eq!(p.class(), 3);
        assert_eq!(p.message_type(), 1);
        assert_eq!(p.message(), M3uaMessageType::AspUp);
        assert_eq!(p.length(), 16);
        let d = data_bytes();
        let p = M3uaPacket::new_checked(&d[..]).unwrap();
        let pd = p.protocol_data().unwrap().unwrap();
        assert_eq!(pd.opc, PointCode::itu(1, 1, 1));
        assert_eq!(pd.dpc, PointCode::itu(2, 2, 2));
        assert_eq!((pd.si, pd.ni, pd.mp, pd.sls), (5, 2, 0, 7));
        assert_eq!(pd.user_data, &[0xaa, 0xbb, 0xcc]);
        assert_eq!(pd.user_data_offset, 32);
    }

    #[test]
    fn parse_and_emit_vectors() {
        let r = M3uaRepr::parse(&ASPUP).unwrap();
        assert_eq!(r, M3uaRepr::new(M3uaMessageType::AspUp, vec![M3uaParameter::AspIdentifier(1)]));
        assert_eq!(r.to_bytes().unwrap(), ASPUP);
        let d = data_bytes();
        let r = M3uaRepr::parse(&d).unwrap();
        let want = M3uaRepr::data(
            Some(1),
            ProtocolData {
                opc: PointCode(2057),
                dpc: PointCode(4114),
                si: 5,
                ni: 2,
                mp: 0,
                sls: 7,
                user_data: vec![0xaa, 0xbb, 0xcc].into(),
            },
        );
        assert_eq!(r, want);
        assert_eq!(want.buffer_len(), 36);
        assert_eq!(want.to_bytes().unwrap(), d);
    }

    #[test]
    fn examples_round_trip() {
        for (name, r) in examples() {
            let b = r.to_bytes().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(b.len(), r.buffer_len(), "{name}");
            let back = M3uaRepr::parse(&b).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(back, r, "{name}");
            let json = serde_json::to_string(&r).unwrap();
            let from_json: M3uaRepr = serde_json::from_str(&json).unwrap();
            assert_eq!(from_json, r, "{name}: {json}");
        }
    }

    #[test]
    fn unknown_kept_exact() {
        // Class 7 type 9 with an unknown parameter 0x7f00 of 5 octets (3 pad).
        let b =
            [0x01, 0x00, 0x07, 0x09, 0x00, 0x00, 0x00, 0x14, 0x7f, 0x00, 0x00, 0x09, 1, 2, 3, 4, 5, 0, 0, 0];
        let r = M3uaRepr::parse(&b).unwrap();
        assert_eq!(r.message, M3uaMessageType::Unknown { class: 7, msg_type: 9 });
        assert_eq!(r.params[..], [M3uaParameter::Unknown { tag: 0x7f00, value: vec![1, 2, 3, 4, 5] }]);
        assert_eq!(r.to_bytes().unwrap(), b);
    }

    #[test]
    fn errors_have_offsets() {
        let e = M3uaRepr::parse(&ASPUP[..5]).unwrap_err();
        assert_eq!((e.layer, e.offset), (Layer::M3ua, 0));
        let mut b = ASPUP;
        b[0] = 2;
        assert_eq!(M3uaRepr::parse(&b).unwrap_err().offset, 0);
        let mut b = ASPUP;
        b[11] = 3; // parameter length 3
        let e = M3uaRepr::parse(&b).unwrap_err();
        assert_eq!(e.offset, 10);
        assert_eq!(e.message.as_deref(), Some("ASPUP"));
        let mut b = ASPUP;
        b[11] = 0x20; // parameter length runs past the message
        assert_eq!(M3uaRepr::parse(&b).unwrap_err().offset, 10);
        let mut d = data_bytes();
        d[35] = 1; // non-zero padding
        let e = M3uaRepr::parse(&d).unwrap_err();
        assert_eq!(e.offset, 35);
        assert_eq!(e.parameter.as_deref(), Some("Protocol Data"));
        let mut d = data_bytes();
        d[7] = 35; // length not a multiple of 4
        assert_eq!(M3uaRepr::parse(&d).unwrap_err().offset, 4);
        // Routing context of 3 octets.
        let b = [1, 0, 4, 1, 0, 0, 0, 16, 0, 6, 0, 7, 0, 0, 1, 0];
        let e = M3uaRepr::parse(&b).unwrap_err();
        assert_eq!(e.offset, 12);
        assert_eq!(e.parameter.as_deref(), Some("Routing Context"));
        assert_eq!(e.to_string(), "m3ua: ASPAC Routing Context at offset 12: bad value 0x3 (expected a non-empty multiple of 4 octets)");
        // Trailing octets after the declared length.
        let mut b = ASPUP.to_vec();
        b.push(0);
        let e = M3uaRepr::parse(&b).unwrap_err();
        assert_eq!((e.offset, e.reason.clone()), (16, Reason::Trailing { count: 1 }));
    }

    #[test]
    fn emit_refuses_unencodable() {
        let bad = M3uaRepr::new(M3uaMessageType::Unknown { class: 3, msg_type: 1 }, vec![]);
        assert!(bad.to_bytes().is_err());
        let bad = M3uaRepr::new(
            M3uaMessageType::AspUp,
            vec![M3uaParameter::Unknown { tag: tag::ASP_IDENTIFIER, value: vec![0; 4] }],
        );
        assert!(bad.to_bytes().is_err());
        let bad =
            M3uaRepr::new(M3uaMessageType::Daud, vec![M3uaParameter::RoutingContext(smallvec::smallvec![])]);
        assert!(bad.to_bytes().is_err());
        let bad = M3uaRepr::new(M3uaMessageType::Beat, vec![M3uaParameter::HeartbeatData(vec![0; 70000])]);
        assert!(bad.to_bytes().is_err());
    }

    /// The one-match emit of a DATA's parameters must write what the general
    /// emit writes, after whatever `out` holds, or give its error.
    #[test]
    fn direct_parameter_emit_agrees_with_the_general_path() {
        let mut params: Vec<M3uaParameter> =
            examples().into_iter().flat_map(|(_, r)| r.params.into_iter()).collect();
        params.push(M3uaParameter::RoutingContext(smallvec::smallvec![1, 2]));
        params.push(M3uaParameter::RoutingContext(smallvec::smallvec![]));
        params.push(M3uaParameter::NetworkAppearance(u32::MAX));
        params.push(M3uaParameter::CorrelationId(0));
        for n in [0, 1, 2, 3, 4, 5, 62, 63, 65_518, 65_519, 65_520, 65_521, 70_000] {
            params.push(M3uaParameter::ProtocolData(ProtocolData {
                opc: PointCode(0x0102_0304),
                dpc: PointCode(0xa0b0_c0d0),
                si: 5,
                ni: 2,
                mp: 1,
                sls: 15,
                user_data: InlineBytes::from(vec![0x5a; n]),
            }));
        }
        for p in &params {
            let (mut direct, mut general) = (vec![0xee], vec![0xee]);
            let a = p.emit(&mut direct).map_err(|e| e.to_string());
            let b = p.emit_general(&mut general).map_err(|e| e.to_string());
            assert_eq!(a, b, "{:?}", p.tag());
            assert_eq!(direct, general, "{:?}", p.tag());
        }
    }

    #[test]
    fn framer_split_and_coalesced() {
        let mut stream = Vec::new();
        let msgs: Vec<Vec<u8>> = examples().iter().map(|(_, r)| r.to_bytes().unwrap()).collect();
        msgs.iter().for_each(|m| stream.extend_from_slice(m));
        let mut f = M3uaFramer::new();
        let mut got = Vec::new();
        for chunk in stream.chunks(7) {
            f.push(chunk).unwrap();
            while let Some(m) = f.pop().unwrap() {
                got.push(m);
            }
        }
        assert_eq!(got, msgs);
        assert_eq!(f.buffered(), 0);
        // Everything at once.
        let mut f = M3uaFramer::new();
        f.push(&stream).unwrap();
        let mut n = 0;
        while let Some(_m) = f.pop().unwrap() {
            n += 1;
        }
        assert_eq!(n, msgs.len());
    }

    #[test]
    fn framer_refuses_bad_lengths() {
        let mut f = M3uaFramer::new();
        let e = f.push(&[1, 0, 3, 1, 0, 0, 0, 4]).unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(f.pop().is_err(), "stays failed");
        f.reset();
        assert_eq!(f.pop().unwrap(), None);
        let mut f = M3uaFramer::with_max(1024);
        f.push(&ASPUP).unwrap();
        let e = f.push(&[1, 0, 3, 1, 0, 1, 0, 0]).unwrap_err();
        assert_eq!(e.offset, 20);
        assert!(e.to_string().contains("maximum"), "{e}");
    }

    #[test]
    fn parse_into_writes_over_slots_that_held_other_parameters() {
        // Four old parameters that own nothing are the new ones' slots as
        // they are: the Protocol Data lands on a slot that held a
        // Correlation ID.
        for (_, example) in examples() {
            let b = example.to_bytes().unwrap();
            let mut r = M3uaRepr::new(
                M3uaMessageType::Data,
                (0..4).map(M3uaParameter::CorrelationId).collect::<Vec<_>>(),
            );
            M3uaRepr::parse_into(&b, &mut r).unwrap();
            assert_eq!(r, example);
        }
    }

    /// `parse_into` gives what `parse` gives, whatever the reused repr held
    /// before (every example after every other, a heap-spilled list too),
    /// and the same error on a bad message.
    #[test]
    fn parse_into_agrees_with_parse() {
        let frames: Vec<Vec<u8>> = examples().iter().map(|(_, r)| r.to_bytes().unwrap()).collect();
        let mut spilled = M3uaRepr::new(
            M3uaMessageType::Data,
            (0..6).map(M3uaParameter::CorrelationId).collect::<Vec<_>>(),
        );
        for before in &frames {
            for b in &frames {
                let mut r = M3uaRepr::parse(before).unwrap();
                M3uaRepr::parse_into(b, &mut r).unwrap();
                assert_eq!(r, M3uaRepr::parse(b).unwrap());
                M3uaRepr::parse_into(b, &mut spilled).unwrap();
                assert_eq!(spilled, r);
            }
            let mut bad = before.clone();
            bad.push(0);
            let mut r = M3uaRepr::parse(before).unwrap();
            assert_eq!(
                M3uaRepr::parse_into(&bad, &mut r).unwrap_err().to_string(),
                M3uaRepr::parse(&bad).unwrap_err().to_string()
            );
        }
    }
}
