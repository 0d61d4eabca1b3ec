//! ITU-T INAP CS-1 (Q.1218 / ETSI ETS 300 374) operation arguments, with the
//! CS-2 (Q.1228/Q.1248) and CAMEL-style additions Wireshark's INAP module
//! knows, as carried in the argument of an ITU TCAP invoke component.
//!
//! What it is: the codec for the *argument element* of an INAP invoke, given
//! the local operation code from the TCAP component (`InitialDP` = 0,
//! `Connect` = 20, ...). Arguments are context-tagged SEQUENCEs (IMPLICIT
//! TAGS module; CHOICE-typed members are explicitly tagged), except
//! `ReleaseCall`, whose CS-1 argument is a bare `Cause` OCTET STRING (Q.850).
//!
//! What it is not: TCAP, dialogue handling, or a checker of mandatory
//! members. `Continue` (31) has no argument.
//!
//! Contract:
//! - [`InapOperation::parse`] never panics; structural errors are [`Error`]s
//!   in layer `inap` with offsets into the argument bytes.
//! - A member whose (operation, tag) we know and whose contents decode
//!   canonically becomes [`InapElement::Known`]; anything else is kept byte for
//!   byte as [`InapElement::Raw`] in its position. An argument that is neither
//!   a SEQUENCE nor ReleaseCall's Cause is kept whole as [`InapArgument::Raw`].
//! - `emit(parse(b)) == b` for every accepted `b`; `parse(emit(r)) == r` for
//!   every `r` that `emit` accepts (emit re-decodes what it writes and refuses
//!   anything that would come back different).
//!
//! Numbers (CalledPartyNumber, CallingPartyNumber, LocationNumber, ...) use
//! the ISUP layout (Q.763 §3.9/§3.10): odd/even + nature of address, then
//! INN/NI + numbering plan + APRI/screening, then BCD digits first digit in
//! the low nibble, filler 0 when odd. Digit characters `0`-`9`, `A`-`F`
//! (`B` = code 11, `C` = code 12, `F` = ST).

use std::fmt;

use crate::ain::{ctx, ctx_c, int_of, put, put_bytes, put_int, strict_children, Octets, RawElement};
use crate::ber::{children, encode_int, read_tlv, write_tlv, Class, LenForm, Tag, Tlv};
use crate::digits::{pack, unpack};
#[cfg(test)]
use crate::error::Reason;
use crate::error::{Error, Layer, Result};
use crate::reader::Reader;
use crate::variant::Variant;

const L: Layer = Layer::Inap;

// ---------------------------------------------------------------------------
// Operation codes

// CS-1 operation codes (Q.1218 / ETS 300 374-1), as in Wireshark's IN-operationcodes.
crate::opcodes::opcode_enum! {
    /// An INAP operation code (ITU TCAP local operation code).
    InapOpcode: i64, unknown = "unknown";

    InitialDp = 0, "initialDP";
    OriginationAttemptAuthorized = 1, "originationAttemptAuthorized";
    CollectedInformation = 2, "collectedInformation";
    AnalysedInformation = 3, "analysedInformation";
    RouteSelectFailure = 4, "routeSelectFailure";
    OCalledPartyBusy = 5, "oCalledPartyBusy";
    ONoAnswer = 6, "oNoAnswer";
    OAnswer = 7, "oAnswer";
    ODisconnect = 8, "oDisconnect";
    TermAttemptAuthorized = 9, "termAttemptAuthorized";
    TBusy = 10, "tBusy";
    TNoAnswer = 11, "tNoAnswer";
    TAnswer = 12, "tAnswer";
    TDisconnect = 13, "tDisconnect";
    OMidCall = 14, "oMidCall";
    TMidCall = 15, "tMidCall";
    AssistRequestInstructions = 16, "assistRequestInstructions";
    EstablishTemporaryConnection = 17, "establishTemporaryConnection";
    DisconnectForwardConnection = 18, "disconnectForwardConnection";
    ConnectToResource = 19, "connectToResource";
    Connect = 20, "connect";
    HoldCallInNetwork = 21, "holdCallInNetwork";
    ReleaseCall = 22, "releaseCall";
    RequestReportBcsmEvent = 23, "requestReportBCSMEvent";
    EventReportBcsm = 24, "eventReportBCSM";
    RequestNotificationChargingEvent = 25, "requestNotificationChargingEvent";
    EventNotificationCharging = 26, "eventNotificationCharging";
    CollectInformation = 27, "collectInformation";
    AnalyseInformation = 28, "analyseInformation";
    SelectRoute = 29, "selectRoute";
    SelectFacility = 30, "selectFacility";
    Continue = 31, "continue";
    InitiateCallAttempt = 32, "initiateCallAttempt";
    ResetTimer = 33, "resetTimer";
    FurnishChargingInformation = 34, "furnishChargingInformation";
    ApplyCharging = 35, "applyCharging";
    ApplyChargingReport = 36, "applyChargingReport";
    RequestCurrentStatusReport = 37, "requestCurrentStatusReport";
    RequestEveryStatusChangeReport = 38, "requestEveryStatusChangeReport";
    RequestFirstStatusMatchReport = 39, "requestFirstStatusMatchReport";
    StatusReport = 40, "statusReport";
    CallGap = 41, "callGap";
    ActivateServiceFiltering = 42, "activateServiceFiltering";
    ServiceFilteringResponse = 43, "serviceFilteringResponse";
    CallInformationReport = 44, "callInformationReport";
    CallInformationRequest = 45, "callInformationRequest";
    SendChargingInformation = 46, "sendChargingInformation";
    PlayAnnouncement = 47, "playAnnouncement";
    PromptAndCollectUserInformation = 48, "promptAndCollectUserInformation";
    SpecializedResourceReport = 49, "specializedResourceReport";
    Cancel = 53, "cancel";
    CancelStatusReportRequest = 54, "cancelStatusReportRequest";
    ActivityTest = 55, "activityTest";
}

impl fmt::Display for InapOpcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InapOpcode::Unknown(c) => write!(f, "unknown({c})"),
            o => f.write_str(o.name()),
        }
    }
}

// ---------------------------------------------------------------------------
// Fields

/// How a member's contents are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InapKind {
    Integer,
    Null,
    Boolean,
    Octets,
    Contents,
    Number,
    Numbers,
    Cause,
    LegId,
    BcsmEvents,
    InformationToSend,
}

/// A named argument member (the name from the ASN.1, snake_case in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum InapField {
    ServiceKey,
    DialledDigits,
    CalledPartyNumber,
    CallingPartyNumber,
    CallingPartyBusinessGroupId,
    CallingPartysCategory,
    CallingPartySubaddress,
    CgEncountered,
    IpSspCapabilities,
    IpAvailable,
    LocationNumber,
    MiscCallInfo,
    OriginalCalledPartyId,
    ServiceProfileIdentifier,
    TerminalType,
    Extensions,
    TriggerType,
    Cause,
    HighLayerCompatibility,
    ServiceInteractionIndicators,
    AdditionalCallingPartyNumber,
    ForwardCallIndicators,
    BearerCapability,
    EventTypeBcsm,
    RedirectingPartyId,
    RedirectionInformation,
    DestinationRoutingAddress,
    AlertingPattern,
    CorrelationId,
    CutAndPaste,
    ForwardingCondition,
    IsdnAccessRelatedInformation,
    RouteList,
    ScfId,
    TravellingClassMark,
    Carrier,
    DisplayInformation,
    GenericNumbers,
    ServiceInteractionIndicatorsTwo,
    ChargeNumber,
    LegToBeCreated,
    NewCallSegment,
    InServiceCompatibilityResponse,
    IpRoutingAddress,
    LegId,
    None,
    CallSegmentId,
    InformationToSend,
    DisconnectFromIpForbidden,
    RequestAnnouncementComplete,
    BcsmEvents,
    BcsmEventCorrelationId,
    EventSpecificInformationBcsm,
}

use InapField as F;
use InapKind as K;

/// (tag number, constructed, field, kind) per operation, from the CS-1/CS-2 ASN.1.
fn schema(op: InapOpcode) -> &'static [(u32, bool, InapField, InapKind)] {
    match op {
        InapOpcode::InitialDp => &[
            (0, false, F::ServiceKey, K::Integer),
            (1, false, F::DialledDigits, K::Number),
            (2, false, F::CalledPartyNumber, K::Number),
            (3, false, F::CallingPartyNumber, K::Number),
            (4, false, F::CallingPartyBusinessGroupId, K::Octets),
            (5, false, F::CallingPartysCategory, K::Octets),
            (6, false, F::CallingPartySubaddress, K::Octets),
            (7, false, F::CgEncountered, K::Integer),
            (8, false, F::IpSspCapabilities, K::Octets),
            (9, false, F::IpAvailable, K::Octets),
            (10, false, F::LocationNumber, K::Number),
            (11, true, F::MiscCallInfo, K::Contents),
            (12, false, F::OriginalCalledPartyId, K::Number),
            (13, false, F::ServiceProfileIdentifier, K::Octets),
            (14, false, F::TerminalType, K::Integer),
            (15, true, F::Extensions, K::Contents),
            (16, false, F::TriggerType, K::Integer),
            (17, false, F::Cause, K::Cause),
            (23, false, F::HighLayerCompatibility, K::Octets),
            (24, false, F::ServiceInteractionIndicators, K::Octets),
            (25, false, F::AdditionalCallingPartyNumber, K::Octets),
            (26, false, F::ForwardCallIndicators, K::Octets),
            (27, true, F::BearerCapability, K::Contents),
            (28, false, F::EventTypeBcsm, K::Integer),
            (29, false, F::RedirectingPartyId, K::Number),
            (30, false, F::RedirectionInformation, K::Octets),
        ],
        InapOpcode::Connect => &[
            (0, true, F::DestinationRoutingAddress, K::Numbers),
            (1, false, F::AlertingPattern, K::Octets),
            (2, false, F::CorrelationId, K::Octets),
            (3, false, F::CutAndPaste, K::Integer),
            (4, false, F::ForwardingCondition, K::Integer),
            (5, false, F::IsdnAccessRelatedInformation, K::Octets),
            (6, false, F::OriginalCalledPartyId, K::Number),
            (7, true, F::RouteList, K::Contents),
            (8, false, F::ScfId, K::Octets),
            (9, false, F::TravellingClassMark, K::Octets),
            (10, true, F::Extensions, K::Contents),
            (11, false, F::Carrier, K::Octets),
            (12, false, F::DisplayInformation, K::Octets),
            (13, false, F::ForwardCallIndicators, K::Octets),
            (14, true, F::GenericNumbers, K::Contents),
            (15, true, F::ServiceInteractionIndicatorsTwo, K::Contents),
            (19, false, F::ChargeNumber, K::Number),
            (26, false, F::ServiceInteractionIndicators, K::Octets),
            (27, false, F::CallingPartyNumber, K::Number),
            (28, false, F::CallingPartysCategory, K::Octets),
            (29, false, F::RedirectingPartyId, K::Number),
            (30, false, F::RedirectionInformation, K::Octets),
        ],
        InapOpcode::InitiateCallAttempt => &[
            (0, true, F::DestinationRoutingAddress, K::Numbers),
            (1, false, F::AlertingPattern, K::Octets),
            (2, false, F::IsdnAccessRelatedInformation, K::Octets),
            (3, false, F::TravellingClassMark, K::Octets),
            (4, true, F::Extensions, K::Contents),
            (5, true, F::LegToBeCreated, K::LegId),
            (6, false, F::NewCallSegment, K::Integer),
            (7, true, F::InServiceCompatibilityResponse, K::Contents),
            (8, true, F::ServiceInteractionIndicatorsTwo, K::Contents),
            (9, false, F::Carrier, K::Octets),
            (10, false, F::CorrelationId, K::Octets),
            (11, false, F::ScfId, K::Octets),
            (29, false, F::ServiceInteractionIndicators, K::Octets),
            (30, false, F::CallingPartyNumber, K::Number),
        ],
        InapOpcode::ConnectToResource => &[
            (0, false, F::IpRoutingAddress, K::Number),
            (1, true, F::LegId, K::LegId),
            (3, false, F::None, K::Null),
            (4, true, F::Extensions, K::Contents),
            (5, false, F::CallSegmentId, K::Integer),
            (7, true, F::ServiceInteractionIndicatorsTwo, K::Contents),
            (30, false, F::ServiceInteractionIndicators, K::Octets),
        ],
        InapOpcode::PlayAnnouncement => &[
            (0, true, F::InformationToSend, K::InformationToSend),
            (1, false, F::DisconnectFromIpForbidden, K::Boolean),
            (2, false, F::RequestAnnouncementComplete, K::Boolean),
            (3, true, F::Extensions, K::Contents),
        ],
        InapOpcode::RequestReportBcsmEvent => &[
            (0, true, F::BcsmEvents, K::BcsmEvents),
            (1, false, F::BcsmEventCorrelationId, K::Octets),
            (2, true, F::Extensions, K::Contents),
        ],
        InapOpcode::EventReportBcsm => &[
            (0, false, F::EventTypeBcsm, K::Integer),
            (1, false, F::BcsmEventCorrelationId, K::Octets),
            (2, true, F::EventSpecificInformationBcsm, K::Contents),
            (3, true, F::LegId, K::LegId),
            (4, true, F::MiscCallInfo, K::Contents),
            (5, true, F::Extensions, K::Contents),
        ],
        _ => &[],
    }
}

// ---------------------------------------------------------------------------
// Typed values

/// An ISUP-format number (Q.763 §3.9 called / §3.10 calling party number).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IsupNumber {
    /// Octet 1 bits 7-1: 1 subscriber, 3 national, 4 international.
    pub nature_of_address: u8,
    /// Octet 2 bit 8: INN indicator (called) or NI (calling).
    #[serde(default)]
    pub inn_ni: bool,
    /// Octet 2 bits 7-5: 1 = ISDN/E.164.
    pub numbering_plan: u8,
    /// Octet 2 bits 4-1: APRI (4-3) and screening (2-1) on calling numbers, spare on called.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flags: u8,
    /// Address signals, first digit first.
    pub digits: String,
}

fn is_zero(x: &u8) -> bool {
    *x == 0
}

impl IsupNumber {
    /// An international E.164 number.
    pub fn international(digits: &str) -> Self {
        IsupNumber { nature_of_address: 4, inn_ni: false, numbering_plan: 1, flags: 0, digits: digits.into() }
    }

    /// A national E.164 number.
    pub fn national(digits: &str) -> Self {
        IsupNumber { nature_of_address: 3, inn_ni: false, numbering_plan: 1, flags: 0, digits: digits.into() }
    }

    /// Decodes canonical contents (filler 0 when odd).
    pub fn decode(v: &[u8]) -> Option<Self> {
        let (&o1, rest) = v.split_first()?;
        let (&o2, bcd) = rest.split_first()?;
        let odd = o1 & 0x80 != 0;
        if odd && bcd.last().is_none_or(|b| b >> 4 != 0) {
            return None;
        }
        Some(IsupNumber {
            nature_of_address: o1 & 0x7f,
            inn_ni: o2 & 0x80 != 0,
            numbering_plan: o2 >> 4 & 7,
            flags: o2 & 0x0f,
            digits: unpack(bcd, odd),
        })
    }

    /// Writes the contents.
    ///
    /// # Errors
    /// A field out of range or a bad digit.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        if self.nature_of_address > 0x7f || self.numbering_plan > 7 || self.flags > 0x0f {
            return Err(Error::other(L, out.len(), "ISUP number field out of range"));
        }
        let at = out.len();
        out.push(self.nature_of_address);
        out.push(u8::from(self.inn_ni) << 7 | self.numbering_plan << 4 | self.flags);
        if pack(&self.digits, 0, L, out)? {
            out[at] |= 0x80;
        }
        Ok(())
    }
}

/// A Q.850 cause: coding standard, location, cause value, diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cause {
    /// Octet 1 bits 7-6 (0 = ITU-T).
    #[serde(default)]
    pub coding_standard: u8,
    /// Octet 1 bits 4-1 (0 user, 1 private local, 2 public local, ...).
    pub location: u8,
    /// Octet 2 bits 7-1 (16 normal clearing, 17 user busy, 31 normal unspecified).
    pub value: u8,
    #[serde(default, with = "crate::hexser", skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<u8>,
}

impl Cause {
    /// An ITU-T cause at `location`.
    pub fn new(location: u8, value: u8) -> Self {
        Cause { coding_standard: 0, location, value, diagnostics: Vec::new() }
    }

    fn decode(v: &[u8]) -> Option<Self> {
        let [o1, o2, diag @ ..] = v else { return None };
        if o1 & 0x90 != 0x80 || o2 & 0x80 == 0 {
            return None;
        }
        Some(Cause {
            coding_standard: o1 >> 5 & 3,
            location: o1 & 0x0f,
            value: o2 & 0x7f,
            diagnostics: diag.to_vec(),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        if self.coding_standard > 3 || self.location > 15 || self.value > 0x7f {
            return Err(Error::other(L, out.len(), "cause field out of range").parameter("cause"));
        }
        out.push(0x80 | self.coding_standard << 5 | self.location);
        out.push(0x80 | self.value);
        out.extend_from_slice(&self.diagnostics);
        Ok(())
    }
}

/// `LegID ::= CHOICE { sendingSideID [0] LegType, receivingSideID [1] LegType }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegId {
    /// `sendingSideID [0]`: leg 1 = `01`, leg 2 = `02`.
    SendingSideId(u8),
    /// `receivingSideID [1]`.
    ReceivingSideId(u8),
}

impl LegId {
    fn decode(v: &[u8]) -> Option<Self> {
        let ch = strict_children(v, 3)?;
        let [c] = ch.as_slice() else { return None };
        let [leg] = c.value else { return None };
        if c.tag == ctx(0) {
            Some(LegId::SendingSideId(*leg))
        } else if c.tag == ctx(1) {
            Some(LegId::ReceivingSideId(*leg))
        } else {
            None
        }
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let (n, leg) = match self {
            LegId::SendingSideId(l) => (0, *l),
            LegId::ReceivingSideId(l) => (1, *l),
        };
        put(out, ctx(n), L, |o| {
            o.push(leg);
            Ok(())
        })
    }
}

/// One `BCSMEvent` of RequestReportBCSMEvent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BcsmEvent {
    /// `eventTypeBCSM [0]` (5 oCalledPartyBusy, 6 oNoAnswer, 7 oAnswer, 9 oDisconnect, 17 tDisconnect, ...).
    pub event_type: i64,
    /// `monitorMode [1]`: 0 interrupted, 1 notifyAndContinue, 2 transparent.
    pub monitor_mode: i64,
    /// `legID [2]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leg_id: Option<LegId>,
    /// `dPSpecificCriteria [30]` contents, untyped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dp_specific_criteria: Option<Octets>,
}

impl BcsmEvent {
    fn decode(v: &[u8]) -> Option<Self> {
        let ch = strict_children(v, 4)?;
        let mut it = ch.iter().peekable();
        let e = it.next().filter(|c| c.tag == ctx(0))?;
        let m = it.next().filter(|c| c.tag == ctx(1))?;
        let mut ev = BcsmEvent {
            event_type: int_of(e.value)?,
            monitor_mode: int_of(m.value)?,
            leg_id: None,
            dp_specific_criteria: None,
        };
        if let Some(c) = it.next_if(|c| c.tag == ctx_c(2)) {
            ev.leg_id = Some(LegId::decode(c.value)?);
        }
        if let Some(c) = it.next_if(|c| c.tag == ctx_c(30)) {
            ev.dp_specific_criteria = Some(Octets(c.value.to_vec()));
        }
        it.next().is_none().then_some(ev)
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        write_tlv(out, Tag::SEQUENCE, LenForm::Definite, L, |o| {
            put_int(o, ctx(0), L, self.event_type)?;
            put_int(o, ctx(1), L, self.monitor_mode)?;
            if let Some(l) = &self.leg_id {
                write_tlv(o, ctx_c(2), LenForm::Definite, L, |o| l.encode(o))?;
            }
            if let Some(c) = &self.dp_specific_criteria {
                put_bytes(o, ctx_c(30), L, &c.0)?;
            }
            Ok(())
        })
    }
}

/// `InformationToSend` of PlayAnnouncement (the forms this codec types).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InformationToSend {
    /// `inbandInfo [0]` with `messageID elementaryMessageID [0]`.
    InbandInfo {
        message_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_of_repetitions: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interval: Option<i64>,
    },
    /// `tone [1]`.
    Tone {
        tone_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration: Option<i64>,
    },
    /// `displayInformation [2]` (IA5 text as octets).
    DisplayInformation(Octets),
}

/// Optional INTEGER members `[first..]` in ascending order, none repeated.
fn opt_ints(ch: &[Tlv<'_>], first: u32, count: u32) -> Option<Vec<Option<i64>>> {
    let mut out = vec![None; count as usize];
    let mut next = first;
    for c in ch {
        let n = c.tag.number;
        if c.tag != ctx(n) || n < next || n >= first + count {
            return None;
        }
        out[(n - first) as usize] = Some(int_of(c.value)?);
        next = n + 1;
    }
    Some(out)
}

impl InformationToSend {
    fn decode(v: &[u8]) -> Option<Self> {
        let ch = strict_children(v, 3)?;
        let [c] = ch.as_slice() else { return None };
        if c.tag == ctx_c(0) {
            let inner = strict_children(c.value, 4)?;
            let (mid, rest) = inner.split_first()?;
            if mid.tag != ctx_c(0) {
                return None;
            }
            let m = strict_children(mid.value, 5)?;
            let [e] = m.as_slice() else { return None };
            if e.tag != ctx(0) {
                return None;
            }
            let o = opt_ints(rest, 1, 3)?;
            Some(InformationToSend::InbandInfo {
                message_id: int_of(e.value)?,
                number_of_repetitions: o[0],
                duration: o[1],
                interval: o[2],
            })
        } else if c.tag == ctx_c(1) {
            let inner = strict_children(c.value, 4)?;
            let (t, rest) = inner.split_first()?;
            if t.tag != ctx(0) {
                return None;
            }
            let o = opt_ints(rest, 1, 1)?;
            Some(InformationToSend::Tone { tone_id: int_of(t.value)?, duration: o[0] })
        } else if c.tag == ctx(2) {
            Some(InformationToSend::DisplayInformation(Octets(c.value.to_vec())))
        } else {
            None
        }
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let int = |o: &mut Vec<u8>, n: u32, x: Option<i64>| -> Result<()> {
            match x {
                Some(x) => put_int(o, ctx(n), L, x),
                None => Ok(()),
            }
        };
        match self {
            InformationToSend::InbandInfo { message_id, number_of_repetitions, duration, interval } => {
                write_tlv(out, ctx_c(0), LenForm::Definite, L, |o| {
                    write_tlv(o, ctx_c(0), LenForm::Definite, L, |o| int(o, 0, Some(*message_id)))?;
                    int(o, 1, *number_of_repetitions)?;
                    int(o, 2, *duration)?;
                    int(o, 3, *interval)
                })
            }
            InformationToSend::Tone { tone_id, duration } => {
                write_tlv(out, ctx_c(1), LenForm::Definite, L, |o| {
                    int(o, 0, Some(*tone_id))?;
                    int(o, 1, *duration)
                })
            }
            InformationToSend::DisplayInformation(d) => put_bytes(out, ctx(2), L, &d.0),
        }
    }
}

/// The contents of a known member.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InapValue {
    /// INTEGER or ENUMERATED.
    Integer(i64),
    Null,
    /// BOOLEAN (`00`/`FF` only; other octets stay raw).
    Boolean(bool),
    Octets(Octets),
    /// A constructed member whose contents this codec does not type.
    Contents(Octets),
    Number(IsupNumber),
    /// SEQUENCE OF CalledPartyNumber (DestinationRoutingAddress).
    Numbers(Vec<IsupNumber>),
    Cause(Cause),
    LegId(LegId),
    BcsmEvents(Vec<BcsmEvent>),
    InformationToSend(InformationToSend),
}

impl InapValue {
    /// The kind of this value.
    pub fn kind(&self) -> InapKind {
        match self {
            InapValue::Integer(_) => K::Integer,
            InapValue::Null => K::Null,
            InapValue::Boolean(_) => K::Boolean,
            InapValue::Octets(_) => K::Octets,
            InapValue::Contents(_) => K::Contents,
            InapValue::Number(_) => K::Number,
            InapValue::Numbers(_) => K::Numbers,
            InapValue::Cause(_) => K::Cause,
            InapValue::LegId(_) => K::LegId,
            InapValue::BcsmEvents(_) => K::BcsmEvents,
            InapValue::InformationToSend(_) => K::InformationToSend,
        }
    }

    fn decode(kind: InapKind, v: &[u8]) -> Option<Self> {
        Some(match kind {
            K::Integer => InapValue::Integer(int_of(v)?),
            K::Null if v.is_empty() => InapValue::Null,
            K::Boolean if v == [0] => InapValue::Boolean(false),
            K::Boolean if v == [0xff] => InapValue::Boolean(true),
            K::Octets => InapValue::Octets(Octets(v.to_vec())),
            K::Contents => InapValue::Contents(Octets(v.to_vec())),
            K::Number => InapValue::Number(IsupNumber::decode(v)?),
            K::Numbers => {
                let ch = strict_children(v, 2)?;
                if ch.is_empty() {
                    return None;
                }
                let mut list = Vec::with_capacity(ch.len());
                for c in ch {
                    if c.tag != Tag::OCTET_STRING {
                        return None;
                    }
                    list.push(IsupNumber::decode(c.value)?);
                }
                InapValue::Numbers(list)
            }
            K::Cause => InapValue::Cause(Cause::decode(v)?),
            K::LegId => InapValue::LegId(LegId::decode(v)?),
            K::BcsmEvents => {
                let ch = strict_children(v, 2)?;
                if ch.is_empty() {
                    return None;
                }
                let mut list = Vec::with_capacity(ch.len());
                for c in ch {
                    if c.tag != Tag::SEQUENCE {
                        return None;
                    }
                    list.push(BcsmEvent::decode(c.value)?);
                }
                InapValue::BcsmEvents(list)
            }
            K::InformationToSend => InapValue::InformationToSend(InformationToSend::decode(v)?),
            K::Null | K::Boolean => return None,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            InapValue::Integer(n) => encode_int(*n, out),
            InapValue::Null => {}
            InapValue::Boolean(b) => out.push(if *b { 0xff } else { 0 }),
            InapValue::Octets(o) | InapValue::Contents(o) => out.extend_from_slice(&o.0),
            InapValue::Number(n) => n.encode(out)?,
            InapValue::Numbers(list) => {
                for n in list {
                    put(out, Tag::OCTET_STRING, L, |o| n.encode(o))?;
                }
            }
            InapValue::Cause(c) => c.encode(out)?,
            InapValue::LegId(l) => l.encode(out)?,
            InapValue::BcsmEvents(list) => {
                for e in list {
                    e.encode(out)?;
                }
            }
            InapValue::InformationToSend(i) => i.encode(out)?,
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Elements and arguments

/// One member of an argument SEQUENCE.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InapElement {
    /// A member this codec knows for the operation, canonically decoded.
    Known { field: InapField, value: InapValue },
    /// Anything else, byte for byte.
    Raw(RawElement),
}

impl InapElement {
    /// A known member.
    pub fn new(field: InapField, value: InapValue) -> Self {
        InapElement::Known { field, value }
    }

    /// Types a member of `op`'s argument.
    pub fn from_tlv(op: InapOpcode, t: &Tlv<'_>) -> Self {
        if t.form == LenForm::Definite && t.tag.class == Class::Context {
            if let Some(&(_, _, field, kind)) =
                schema(op).iter().find(|(n, c, _, _)| *n == t.tag.number && *c == t.tag.constructed)
            {
                if let Some(value) = InapValue::decode(kind, t.value) {
                    return InapElement::Known { field, value };
                }
            }
        }
        InapElement::Raw(RawElement::from_tlv(t))
    }

    /// Appends the member as part of `op`'s argument.
    ///
    /// # Errors
    /// A field `op` does not have, a value of the wrong kind, or one that would
    /// not decode back to itself.
    pub fn emit(&self, op: InapOpcode, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let r = self.emit_inner(op, out).and_then(|()| {
            let mut rd = Reader::new(L, &out[start..]);
            let t = read_tlv(&mut rd, 1)?;
            if rd.is_empty() && InapElement::from_tlv(op, &t) == *self {
                Ok(())
            } else {
                Err(Error::other(L, start, "member would not decode back to itself (non-canonical value)"))
            }
        });
        if let Err(e) = r {
            out.truncate(start);
            return Err(match self {
                InapElement::Known { field, .. } => e.parameter(format!("{field:?}")),
                InapElement::Raw(_) => e,
            });
        }
        Ok(())
    }

    fn emit_inner(&self, op: InapOpcode, out: &mut Vec<u8>) -> Result<()> {
        match self {
            InapElement::Raw(r) => r.emit(out, L),
            InapElement::Known { field, value } => {
                let Some(&(n, cons, _, kind)) = schema(op).iter().find(|(_, _, f, _)| f == field) else {
                    return Err(Error::other(L, out.len(), format!("{op} has no member {field:?}")));
                };
                if kind != value.kind() {
                    return Err(Error::other(
                        L,
                        out.len(),
                        format!("{:?} value for a {kind:?} member", value.kind()),
                    ));
                }
                let tag = Tag { class: Class::Context, constructed: cons, number: n };
                write_tlv(out, tag, LenForm::Definite, L, |o| value.encode(o))
            }
        }
    }
}

/// The argument of an INAP invoke.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InapArgument {
    /// A SEQUENCE of context-tagged members (every operation but ReleaseCall).
    Sequence {
        #[serde(default, skip_serializing_if = "LenForm::is_definite")]
        len_form: LenForm,
        elements: Vec<InapElement>,
    },
    /// ReleaseCall's CS-1 argument: a bare `Cause` OCTET STRING (`04 ..`).
    Cause(Cause),
    /// Any other argument shape, byte for byte.
    Raw(RawElement),
}

impl InapArgument {
    /// A SEQUENCE argument with shortest lengths.
    pub fn sequence(elements: Vec<InapElement>) -> Self {
        InapArgument::Sequence { len_form: LenForm::Definite, elements }
    }

    /// Parses an argument element for `op`.
    ///
    /// # Errors
    /// Truncation, bad lengths or trailing octets, offsets relative to `buf`.
    pub fn parse(op: InapOpcode, buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(L, buf);
        let t = read_tlv(&mut r, 0)?;
        r.finish()?;
        Self::from_tlv(op, &t)
    }

    fn from_tlv(op: InapOpcode, t: &Tlv<'_>) -> Result<Self> {
        if t.tag == Tag::SEQUENCE {
            let mut elements = Vec::new();
            for c in children(t.reader(L), 1) {
                elements.push(InapElement::from_tlv(op, &c?));
            }
            return Ok(InapArgument::Sequence { len_form: t.form, elements });
        }
        if op == InapOpcode::ReleaseCall && t.tag == Tag::OCTET_STRING && t.form == LenForm::Definite {
            if let Some(c) = Cause::decode(t.value) {
                return Ok(InapArgument::Cause(c));
            }
        }
        Ok(InapArgument::Raw(RawElement::from_tlv(t)))
    }

    /// Appends the argument for `op`.
    ///
    /// # Errors
    /// See [`InapElement::emit`]; a Cause or Raw argument that would not
    /// decode back to itself.
    pub fn emit(&self, op: InapOpcode, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        match self {
            InapArgument::Sequence { len_form, elements } => {
                write_tlv(out, Tag::SEQUENCE, *len_form, L, |o| {
                    for e in elements {
                        if *len_form == LenForm::Indefinite
                            && matches!(e, InapElement::Raw(r) if r.is_end_of_contents())
                        {
                            return Err(Error::other(
                                L,
                                o.len(),
                                "end-of-contents element inside an indefinite SEQUENCE",
                            ));
                        }
                        e.emit(op, o)?;
                    }
                    Ok(())
                })
            }
            InapArgument::Cause(c) => put(out, Tag::OCTET_STRING, L, |o| c.encode(o)),
            InapArgument::Raw(r) => r.emit(out, L),
        }
        .inspect_err(|_| out.truncate(start))?;
        if !matches!(self, InapArgument::Sequence { .. }) {
            let back = InapArgument::parse(op, &out[start..]);
            if back.as_ref() != Ok(self) {
                out.truncate(start);
                return Err(Error::other(L, start, "argument would not decode back to itself"));
            }
        }
        Ok(())
    }

    /// The first known member named `f` (SEQUENCE arguments only).
    pub fn get(&self, f: InapField) -> Option<&InapValue> {
        match self {
            InapArgument::Sequence { elements, .. } => elements.iter().find_map(|e| match e {
                InapElement::Known { field, value } if *field == f => Some(value),
                _ => None,
            }),
            _ => None,
        }
    }
}

/// An INAP operation: local code plus optional argument.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InapOperation {
    pub opcode: InapOpcode,
    #[serde(default)]
    pub argument: Option<InapArgument>,
}

impl InapOperation {
    /// An operation with a SEQUENCE argument.
    pub fn new(opcode: InapOpcode, elements: Vec<InapElement>) -> Self {
        InapOperation { opcode, argument: Some(InapArgument::sequence(elements)) }
    }

    /// Parses the argument bytes the TCAP invoke carried for local `opcode`.
    ///
    /// # Errors
    /// See [`InapArgument::parse`]; the error names the operation.
    pub fn parse(opcode: i64, argument: Option<&[u8]>) -> Result<Self> {
        let op = InapOpcode::from_code(opcode);
        let argument = match argument {
            None => None,
            Some(b) => Some(InapArgument::parse(op, b).map_err(|e| e.message(op.name()))?),
        };
        Ok(InapOperation { opcode: op, argument })
    }

    /// Appends the argument element (nothing when there is none).
    ///
    /// # Errors
    /// See [`InapArgument::emit`]; `Unknown(code)` holding a named code.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        if let InapOpcode::Unknown(c) = self.opcode {
            if !matches!(InapOpcode::from_code(c), InapOpcode::Unknown(_)) {
                return Err(Error::other(L, out.len(), format!("unknown({c}) is a named operation code")));
            }
        }
        match &self.argument {
            None => Ok(()),
            Some(a) => a.emit(self.opcode, out).map_err(|e| e.message(self.opcode.name())),
        }
    }

    /// The argument element's length (0 if it cannot be encoded).
    pub fn buffer_len(&self) -> usize {
        self.to_bytes().map_or(0, |v| v.len())
    }

    /// The argument element as a new vector (empty when there is none).
    ///
    /// # Errors
    /// See [`InapOperation::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = Vec::new();
        self.emit(&mut v)?;
        Ok(v)
    }

    /// What the TCAP invoke's argument should hold.
    ///
    /// # Errors
    /// See [`InapOperation::emit`].
    pub fn argument_bytes(&self) -> Result<Option<Vec<u8>>> {
        match self.argument {
            None => Ok(None),
            Some(_) => self.to_bytes().map(Some),
        }
    }

    /// The first known member named `f`.
    pub fn get(&self, f: InapField) -> Option<&InapValue> {
        self.argument.as_ref()?.get(f)
    }
}

/// A zero-copy view over an argument SEQUENCE.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` after checking it is one well-formed element whose children frame.
    ///
    /// # Errors
    /// As [`InapArgument::parse`] for the framing.
    pub fn new_checked(buffer: T) -> Result<Self> {
        {
            let mut r = Reader::new(L, buffer.as_ref());
            let t = read_tlv(&mut r, 0)?;
            r.finish()?;
            if t.tag.constructed {
                for c in children(t.reader(L), 1) {
                    c?;
                }
            }
        }
        Ok(Packet { buffer })
    }

    /// Contents of the first member with context tag `[n]`.
    pub fn member(&self, n: u32) -> Option<&[u8]> {
        let mut r = Reader::new(L, self.buffer.as_ref());
        let t = read_tlv(&mut r, 0).ok()?;
        if !t.tag.constructed {
            return None;
        }
        children(t.reader(L), 1)
            .filter_map(|c| c.ok())
            .find(|c| c.tag.class == Class::Context && c.tag.number == n)
            .map(|c| c.value)
    }

    /// InitialDP's `serviceKey [0]`.
    pub fn service_key(&self) -> Option<i64> {
        int_of(self.member(0)?)
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

// ---------------------------------------------------------------------------
// Examples

/// A realistic instance of every operation this module types: an IN
/// click-to-call (customer +1 212 555 1234, representative +1 312 555 9876),
/// a freephone InitialDP, an announcement and the BCSM event handling.
pub fn examples(_variant: Variant) -> Vec<(&'static str, InapOperation)> {
    use InapElement as E;
    use InapValue as V;
    let customer = IsupNumber::international("12125551234");
    let rep = IsupNumber { flags: 0x01, ..IsupNumber::international("13125559876") };
    let leg = |n: u8| V::LegId(LegId::SendingSideId(n));
    vec![
        (
            "initial_dp",
            InapOperation::new(
                InapOpcode::InitialDp,
                vec![
                    E::new(F::ServiceKey, V::Integer(100)),
                    E::new(
                        F::CalledPartyNumber,
                        V::Number(IsupNumber { inn_ni: true, ..IsupNumber::national("8005551212") }),
                    ),
                    E::new(
                        F::CallingPartyNumber,
                        V::Number(IsupNumber { flags: 0x03, ..IsupNumber::national("2125551234") }),
                    ),
                    E::new(F::CallingPartysCategory, V::Octets(Octets(vec![0x0a]))),
                    E::new(
                        F::LocationNumber,
                        V::Number(IsupNumber { flags: 0x03, ..IsupNumber::national("2125550000") }),
                    ),
                    E::new(F::EventTypeBcsm, V::Integer(3)),
                ],
            ),
        ),
        (
            "connect",
            InapOperation::new(
                InapOpcode::Connect,
                vec![
                    E::new(
                        F::DestinationRoutingAddress,
                        V::Numbers(vec![IsupNumber::national("3125559876")]),
                    ),
                    E::new(
                        F::CallingPartyNumber,
                        V::Number(IsupNumber { flags: 0x03, ..IsupNumber::national("2125551234") }),
                    ),
                ],
            ),
        ),
        (
            "initiate_call_attempt",
            InapOperation::new(
                InapOpcode::InitiateCallAttempt,
                vec![
                    E::new(F::DestinationRoutingAddress, V::Numbers(vec![customer.clone()])),
                    E::new(F::CallingPartyNumber, V::Number(rep.clone())),
                ],
            ),
        ),
        (
            "connect_to_resource",
            InapOperation::new(
                InapOpcode::ConnectToResource,
                vec![E::new(F::IpRoutingAddress, V::Number(IsupNumber::national("3125550999")))],
            ),
        ),
        (
            "play_announcement",
            InapOperation::new(
                InapOpcode::PlayAnnouncement,
                vec![
                    E::new(
                        F::InformationToSend,
                        V::InformationToSend(InformationToSend::InbandInfo {
                            message_id: 1042,
                            number_of_repetitions: Some(1),
                            duration: None,
                            interval: None,
                        }),
                    ),
                    E::new(F::DisconnectFromIpForbidden, V::Boolean(false)),
                    E::new(F::RequestAnnouncementComplete, V::Boolean(true)),
                ],
            ),
        ),
        (
            "play_tone",
            InapOperation::new(
                InapOpcode::PlayAnnouncement,
                vec![E::new(
                    F::InformationToSend,
                    V::InformationToSend(InformationToSend::Tone { tone_id: 2, duration: Some(10) }),
                )],
            ),
        ),
        (
            "release_call",
            InapOperation {
                opcode: InapOpcode::ReleaseCall,
                argument: Some(InapArgument::Cause(Cause::new(0, 16))),
            },
        ),
        (
            "request_report_bcsm_event",
            InapOperation::new(
                InapOpcode::RequestReportBcsmEvent,
                vec![E::new(
                    F::BcsmEvents,
                    V::BcsmEvents(vec![
                        BcsmEvent {
                            event_type: 5,
                            monitor_mode: 0,
                            leg_id: Some(LegId::SendingSideId(2)),
                            dp_specific_criteria: None,
                        },
                        BcsmEvent {
                            event_type: 6,
                            monitor_mode: 0,
                            leg_id: Some(LegId::SendingSideId(2)),
                            dp_specific_criteria: None,
                        },
                        BcsmEvent {
                            event_type: 7,
                            monitor_mode: 1,
                            leg_id: Some(LegId::SendingSideId(2)),
                            dp_specific_criteria: None,
                        },
                        BcsmEvent {
                            event_type: 9,
                            monitor_mode: 1,
                            leg_id: Some(LegId::SendingSideId(1)),
                            dp_specific_criteria: None,
                        },
                    ]),
                )],
            ),
        ),
        (
            "event_report_bcsm",
            InapOperation::new(
                InapOpcode::EventReportBcsm,
                vec![
                    E::new(F::EventTypeBcsm, V::Integer(7)),
                    E::new(F::LegId, V::LegId(LegId::ReceivingSideId(2))),
                    E::new(F::MiscCallInfo, V::Contents(Octets(vec![0x80, 0x01, 0x01]))),
                ],
            ),
        ),
        ("continue", InapOperation { opcode: InapOpcode::Continue, argument: None }),
        (
            "connect_to_resource_leg",
            InapOperation::new(InapOpcode::ConnectToResource, vec![E::new(F::LegId, leg(1))]),
        ),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // InitialDP: serviceKey 100, calledPartyNumber 0800 555 1212 (national,
    // INN not allowed), eventTypeBCSM analysedInformation.
    static INITIAL_DP: [u8; 17] = [
        0x30, 0x0f, 0x80, 0x01, 0x64, // serviceKey 100
        0x82, 0x07, 0x03, 0x90, 0x08, 0x50, 0x55, 0x21, 0x21, // calledPartyNumber
        0x9c, 0x01, 0x03, // eventTypeBCSM 3
    ];

    fn initial_dp() -> InapOperation {
        InapOperation::new(
            InapOpcode::InitialDp,
            vec![
                InapElement::new(F::ServiceKey, InapValue::Integer(100)),
                InapElement::new(
                    F::CalledPartyNumber,
                    InapValue::Number(IsupNumber { inn_ni: true, ..IsupNumber::national("8005551212") }),
                ),
                InapElement::new(F::EventTypeBcsm, InapValue::Integer(3)),
            ],
        )
    }

    #[test]
    fn deconstruct() {
        let p = Packet::new_checked(&INITIAL_DP[..]).unwrap();
        assert_eq!(p.service_key(), Some(100));
        assert_eq!(p.member(28), Some(&[3u8][..]));
    }

    #[test]
    fn parse_and_emit() {
        assert_eq!(InapOperation::parse(0, Some(&INITIAL_DP)).unwrap(), initial_dp());
        assert_eq!(initial_dp().to_bytes().unwrap(), INITIAL_DP);
    }

    #[test]
    fn release_call_cause() {
        let b = [0x04, 0x02, 0x80, 0x90];
        let op = InapOperation::parse(22, Some(&b)).unwrap();
        assert_eq!(op.argument, Some(InapArgument::Cause(Cause::new(0, 16))));
        assert_eq!(op.to_bytes().unwrap(), b);
        // Same bytes for another operation stay raw.
        let other = InapOperation::parse(20, Some(&b)).unwrap();
        assert!(matches!(other.argument, Some(InapArgument::Raw(_))));
        assert_eq!(other.to_bytes().unwrap(), b);
    }

    #[test]
    fn examples_round_trip() {
        for (name, op) in examples(Variant::Itu) {
            let b = op.to_bytes().unwrap_or_else(|e| panic!("{name}: {e}"));
            let back = InapOperation::parse(op.opcode.code(), op.argument.as_ref().map(|_| &b[..])).unwrap();
            assert_eq!(back, op, "{name}");
            if let Some(InapArgument::Sequence { elements, .. }) = &back.argument {
                assert!(elements.iter().all(|e| matches!(e, InapElement::Known { .. })), "{name} has raw");
            }
            let json = serde_json::to_string(&op).unwrap();
            assert_eq!(serde_json::from_str::<InapOperation>(&json).unwrap(), op, "{name} json");
        }
    }

    #[test]
    fn unknown_members_kept_in_order() {
        // Connect with an unknown [50] before the DRA and a non-minimal INTEGER cutAndPaste.
        let b = [
            0x30, 0x11, 0x9f, 0x32, 0x01, 0xaa, 0xa0, 0x07, 0x04, 0x05, 0x83, 0x10, 0x21, 0x43, 0x05, 0x83,
            0x02, 0x00, 0x05,
        ];
        let op = InapOperation::parse(20, Some(&b)).unwrap();
        let Some(InapArgument::Sequence { elements, .. }) = &op.argument else { panic!() };
        assert!(matches!(&elements[0], InapElement::Raw(r) if r.tag.number == 50));
        assert_eq!(
            elements[1],
            InapElement::new(
                F::DestinationRoutingAddress,
                InapValue::Numbers(vec![IsupNumber { inn_ni: false, ..IsupNumber::national("12345") }])
            )
        );
        assert!(matches!(&elements[2], InapElement::Raw(_)));
        assert_eq!(op.to_bytes().unwrap(), b);
    }

    #[test]
    fn errors_carry_layer_and_offset() {
        let e = InapOperation::parse(0, Some(&[0x30, 0x03, 0x80, 0x07, 0x01])).unwrap_err();
        assert_eq!((e.layer, e.offset), (Layer::Inap, 2));
        assert_eq!(e.message.as_deref(), Some("initialDP"));
        let e = InapOperation::parse(0, Some(&[0x30, 0x03, 0x80, 0x01, 0x01, 0xff])).unwrap_err();
        assert_eq!((e.offset, e.reason.clone()), (5, Reason::Trailing { count: 1 }));
        let e = InapOperation::parse(0, Some(&[0x30])).unwrap_err();
        assert_eq!(e.layer, Layer::Inap);
    }

    #[test]
    fn emit_refuses_what_would_not_come_back() {
        let no_member = InapOperation::new(
            InapOpcode::Connect,
            vec![InapElement::new(F::ServiceKey, InapValue::Integer(1))],
        );
        assert!(no_member.to_bytes().is_err());
        let wrong_kind =
            InapOperation::new(InapOpcode::InitialDp, vec![InapElement::new(F::ServiceKey, InapValue::Null)]);
        assert!(wrong_kind.to_bytes().is_err());
        let raw_cause = InapOperation {
            opcode: InapOpcode::ReleaseCall,
            argument: Some(InapArgument::Raw(RawElement {
                tag: Tag::OCTET_STRING,
                len_form: LenForm::Definite,
                value: vec![0x80, 0x90],
            })),
        };
        assert!(raw_cause.to_bytes().is_err());
        let bad_cause = InapOperation {
            opcode: InapOpcode::ReleaseCall,
            argument: Some(InapArgument::Cause(Cause::new(16, 16))),
        };
        assert!(bad_cause.to_bytes().is_err());
    }
}
