//! AIN 0.2 operation arguments (Telcordia GR-1298-CORE / GR-1299-CORE), as
//! carried in the parameter of an ANSI TCAP invoke component.
//!
//! What it is: the codec for the *parameter element* of an AIN invoke — the
//! ANSI TCAP parameter set (`0xF2`, private constructed 18) or a SEQUENCE
//! (`0x30`) — holding context-tagged AIN parameters (`CalledPartyID [15]`,
//! `UserID [53]`, `StrParameterBlock [50]`, ...). The operation code
//! (`Info_Analyzed` = private 0x6403, ...) comes from the TCAP component; the
//! TCAP codec hands us `opcode` and the raw bytes of the whole parameter
//! element (tag, length and contents).
//!
//! What it is not: TCAP (component/transaction handling), nor a validator of
//! which parameters an operation requires. Parameters appear in the order
//! they were received and any parameter may appear with any operation.
//!
//! Contract:
//! - [`AinOperation::parse`] never panics; structural BER errors (a length
//!   running past its container, trailing octets, a container tag other than
//!   `0xF2`/`0x30`) are [`Error`]s in layer `ain` with absolute offsets into
//!   the parameter bytes.
//! - A parameter whose tag we know and whose contents decode canonically
//!   (shortest definite lengths, the documented layout) becomes
//!   [`AinParameter::Known`]; anything else (unknown tag, long-form length,
//!   odd contents) is kept byte for byte as [`AinParameter::Raw`], in place.
//! - `emit(parse(b)) == b` for every accepted `b`; `parse(emit(r)) == r` for
//!   every `r` that `emit` accepts. `emit` re-decodes each parameter it
//!   writes and refuses one that would not come back identical (e.g. a `Raw`
//!   element that has a typed form, or a DN that is not ten digits).
//!
//! Digits: `AINDigits` (GR-1299 §6.1) is octet 1 = odd/even (bit 8) + nature
//! of number (bits 7-1), octet 2 = numbering plan (bits 7-5) + the other bits
//! (kept as `flags`: presentation/screening on CallingPartyID), then BCD
//! digits, first digit in the low nibble, filler `0` when odd. Digit
//! characters are `0`-`9` and `A`-`F` for nibble values 10-15.
//!
//! Wireshark quirks (see `docs/protocols/ain.md`): it shows the `Dn` of a
//! UserID as hex octets, which equals our digit string because we pack a DN
//! with the first digit in the *high* nibble; it ignores the odd/even flag of
//! `AINDigits` and prints the filler digit.

use std::fmt;

use crate::ber::{
    children, decode_int, encode_int, read_tlv, write_primitive, write_tlv, Class, LenForm, Tag, Tlv,
};
use crate::digits::{pack, unpack};
use crate::error::{Error, Layer, Reason, Result};
use crate::reader::Reader;

/// ANSI TCAP parameter set tag, private constructed 18 (T1.114.3).
pub const PARAMETER_SET: Tag = Tag::constructed(Class::Private, 18);

// ---------------------------------------------------------------------------
// Raw elements (shared with INAP)

/// A BER element kept byte for byte: tag, how its length was written, contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RawElement {
    pub tag: Tag,
    #[serde(default, skip_serializing_if = "LenForm::is_definite")]
    pub len_form: LenForm,
    /// Contents octets (without end-of-contents for the indefinite form).
    #[serde(with = "crate::hexser")]
    pub value: Vec<u8>,
}

impl RawElement {
    /// Copies a parsed element.
    pub fn from_tlv(t: &Tlv<'_>) -> Self {
        RawElement { tag: t.tag, len_form: t.form, value: t.value.to_vec() }
    }

    /// Whether the element encodes as `00 00`, the end-of-contents octets
    /// (X.690 §8.1.5), which would end an indefinite-length container early.
    /// A `[UNIVERSAL 0]` element with contents or a long-form length does not.
    pub fn is_end_of_contents(&self) -> bool {
        self.tag == Tag::primitive(Class::Universal, 0)
            && self.len_form == LenForm::Definite
            && self.value.is_empty()
    }

    /// Writes the element as it was received.
    ///
    /// # Errors
    /// A length that does not fit the recorded length form.
    pub fn emit(&self, out: &mut Vec<u8>, layer: Layer) -> Result<()> {
        write_tlv(out, self.tag, self.len_form, layer, |o| {
            o.extend_from_slice(&self.value);
            Ok(())
        })
    }
}

/// Children of `v`, only if every one parses and uses the shortest definite length.
pub(crate) fn strict_children(v: &[u8], depth: usize) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    for c in children(Reader::new(Layer::Ain, v), depth) {
        let c = c.ok()?;
        if c.form != LenForm::Definite {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// A minimal INTEGER, or `None`.
pub(crate) fn int_of(v: &[u8]) -> Option<i64> {
    decode_int(v, Layer::Ain, 0).ok()
}

/// Writes a primitive element with minimal definite length.
pub(crate) fn put(
    out: &mut Vec<u8>,
    tag: Tag,
    layer: Layer,
    body: impl FnOnce(&mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    write_tlv(out, tag, LenForm::Definite, layer, body)
}

/// Writes a primitive INTEGER element.
pub(crate) fn put_int(out: &mut Vec<u8>, tag: Tag, layer: Layer, n: i64) -> Result<()> {
    put(out, tag, layer, |o| {
        encode_int(n, o);
        Ok(())
    })
}

/// Writes a primitive element holding `b`.
pub(crate) fn put_bytes(out: &mut Vec<u8>, tag: Tag, layer: Layer, b: &[u8]) -> Result<()> {
    write_primitive(out, tag, LenForm::Definite, b, layer)
}

pub(crate) fn ctx(n: u32) -> Tag {
    Tag::primitive(Class::Context, n)
}

pub(crate) fn ctx_c(n: u32) -> Tag {
    Tag::constructed(Class::Context, n)
}

/// Octets as a hex string in JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Octets(#[serde(with = "crate::hexser")] pub Vec<u8>);

// ---------------------------------------------------------------------------
// Operation codes

// Codes from GR-1299 as listed in Wireshark's AIN-Operations.asn (private N).
crate::opcodes::opcode_enum! {
    /// An AIN operation code (ANSI TCAP private, family in the high octet).
    AinOpcode: u16, unknown = "Unknown";

    InfoCollected = 0x6402, "Info_Collected";
    InfoAnalyzed = 0x6403, "Info_Analyzed";
    FailureOutcome = 0x6404, "Failure_Outcome";
    TerminationAttempt = 0x6405, "Termination_Attempt";
    TBusy = 0x6406, "T_Busy";
    TNoAnswer = 0x6408, "T_No_Answer";
    ONoAnswer = 0x6409, "O_No_Answer";
    TAnswer = 0x640a, "T_Answer";
    OAnswer = 0x640b, "O_Answer";
    OTermSeized = 0x640c, "O_Term_Seized";
    TermResourceAvailable = 0x640d, "Term_Resource_Available";
    OAbandon = 0x640e, "O_Abandon";
    OMidCall = 0x640f, "O_Mid_Call";
    SuccessOutcome = 0x6411, "Success_Outcome";
    TDisconnect = 0x6412, "T_Disconnect";
    TMidCall = 0x6413, "T_Mid_Call";
    Timeout = 0x6414, "Timeout";
    NetworkBusy = 0x6417, "Network_Busy";
    OriginationAttempt = 0x6418, "Origination_Attempt";
    OSuspended = 0x6419, "O_Suspended";
    ODisconnect = 0x641a, "O_Disconnect";
    TDtmfEntered = 0x641c, "T_DTMF_Entered";
    AnalyzeRoute = 0x6501, "Analyze_Route";
    AuthorizeTermination = 0x6502, "Authorize_Termination";
    Disconnect = 0x6503, "Disconnect";
    OfferCall = 0x6504, "Offer_Call";
    CollectInformation = 0x6505, "Collect_Information";
    CreateCall = 0x6507, "Create_Call";
    DisconnectLeg = 0x6508, "Disconnect_Leg";
    MergeCall = 0x6509, "Merge_Call";
    MoveLeg = 0x650a, "Move_Leg";
    OriginateCall = 0x650b, "Originate_Call";
    SplitLeg = 0x650c, "Split_Leg";
    Continue = 0x650d, "Continue";
    Reconnect = 0x650e, "Reconnect";
    SendToResource = 0x6601, "Send_To_Resource";
    ResourceClear = 0x6602, "Resource_Clear";
    CancelResourceEvent = 0x6603, "Cancel_Resource_Event";
    CallInfoFromResource = 0x6604, "Call_Info_From_Resource";
    ConnectToResource = 0x6605, "Connect_To_Resource";
    CtrClear = 0x6606, "CTR_Clear";
    MonitorForChange = 0x6701, "Monitor_For_Change";
    StatusReported = 0x6702, "Status_Reported";
    MonitorSuccess = 0x6703, "Monitor_Success";
    TerminationNotification = 0x6704, "Termination_Notification";
    UpdateRequest = 0x6801, "Update_Request";
    QueryRequest = 0x6802, "Query_Request";
    Update = 0x6803, "Update";
    Acg = 0x6901, "ACG";
    EchoRequest = 0x6902, "Echo_Request";
    AcgGlobalCtrlRestore = 0x6903, "ACG_Global_Ctrl_Restore";
    AcgOverflow = 0x6904, "ACG_Overflow";
    ControlRequest = 0x6905, "Control_Request";
    ActivityTest = 0x6906, "Activity_Test";
    CallTypeRequest = 0x6907, "Call_Type_Request";
    SetTimer = 0x6909, "Set_Timer";
    ForwardCall = 0x6a01, "Forward_Call";
    NcaRequest = 0x6b01, "NCA_Request";
    NcaData = 0x6b02, "NCA_Data";
    FurnishAmaInformation = 0x6c01, "Furnish_AMA_Information";
    RequestReportBcmEvent = 0x6d01, "Request_Report_BCM_Event";
    Close = 0x6e01, "Close";
}

impl fmt::Display for AinOpcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AinOpcode::Unknown(c) => write!(f, "Unknown({c:#06x})"),
            o => f.write_str(o.name()),
        }
    }
}

// ---------------------------------------------------------------------------
// Parameter table

/// How a known parameter's contents are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Digits,
    Integer,
    Null,
    Boolean,
    Octets,
    Bits,
    Carrier,
    UserId,
    StrParameterBlock,
    DigitsList,
    Contents,
}

macro_rules! ain_params {
    ($($name:ident = $num:literal, $cons:literal, $kind:ident;)*) => {
        /// A known AIN parameter (GR-1299 §6), named as in the ASN.1.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Param {
            $($name,)*
            /// `aMALineNumberList`: untagged SEQUENCE SIZE(1..2) OF AMALineNumber [9].
            AmaLineNumberList,
            /// `aMADigitsDialedWCList`: untagged SEQUENCE SIZE(1..5) OF AMADigitsDialedWC [8].
            AmaDigitsDialedWcList,
        }

        impl Param {
            /// The element's tag.
            pub fn tag(self) -> Tag {
                match self {
                    $(Param::$name => Tag { class: Class::Context, constructed: $cons, number: $num },)*
                    Param::AmaLineNumberList | Param::AmaDigitsDialedWcList => Tag::SEQUENCE,
                }
            }

            /// How the contents are typed.
            pub fn kind(self) -> Kind {
                match self {
                    $(Param::$name => Kind::$kind,)*
                    Param::AmaLineNumberList | Param::AmaDigitsDialedWcList => Kind::DigitsList,
                }
            }

            fn from_context(number: u32) -> Option<Param> {
                match number {
                    $($num => Some(Param::$name),)*
                    _ => None,
                }
            }

            /// Every named parameter.
            pub const ALL: &'static [Param] = &[$(Param::$name,)* Param::AmaLineNumberList, Param::AmaDigitsDialedWcList];
        }
    };
}

// Tags from Wireshark's AIN-Parameters.asn (GR-1299). [146] is both
// ExtendedRinging and PartyOnHold (NULL); we name it ExtendedRinging.
ain_params! {
    AccessCode = 1, false, Digits;
    AcgEncountered = 2, false, Octets;
    AlternateBillingIndicator = 3, false, Octets;
    AlternateCarrier = 4, false, Carrier;
    AlternateTrunkGroup = 5, false, Octets;
    AmaAlternateBillingNumber = 6, false, Digits;
    AmaBusinessCustomerId = 7, false, Digits;
    AmaDigitsDialedWc = 8, false, Digits;
    AmaLineNumber = 9, false, Digits;
    AmaSlpId = 10, false, Octets;
    Amp1 = 11, false, Octets;
    AnswerIndicator = 12, false, Null;
    BearerCapability = 13, false, Integer;
    BusyCause = 14, false, Octets;
    CalledPartyId = 15, false, Digits;
    CalledPartyStationType = 16, false, Integer;
    CallingPartyBgid = 17, false, Octets;
    CallingPartyId = 18, false, Digits;
    ChargeNumber = 19, false, Digits;
    ChargePartyStationType = 20, false, Integer;
    ClearCause = 21, false, Integer;
    CollectedAddressInfo = 22, false, Digits;
    CollectedDigits = 23, false, Digits;
    ControllingLegTreatment = 24, false, Integer;
    DisconnectFlag = 25, false, Null;
    DisplayText = 26, true, Contents;
    Mlhg = 29, false, Integer;
    FacilityMemberId = 31, false, Integer;
    FailureCause = 32, false, Integer;
    GenericName = 33, false, Octets;
    Lata = 35, false, Digits;
    OriginalCalledPartyId = 36, false, Digits;
    OutpulseNumber = 37, false, Digits;
    OverflowBillingIndicator = 38, false, Octets;
    PassiveLegTreatment = 39, false, Integer;
    PrimaryBillingIndicator = 40, false, Octets;
    Carrier = 41, false, Carrier;
    PrimaryTrunkGroup = 42, false, Octets;
    RedirectingPartyId = 43, false, Digits;
    RedirectionInformation = 44, false, Octets;
    ResourceType = 45, false, Integer;
    SecondAlternateBillingIndicator = 46, false, Octets;
    SecondAlternateCarrier = 47, false, Carrier;
    SecondAlternateTrunkGroup = 48, false, Octets;
    Spid = 49, false, Octets;
    StrParameterBlock = 50, true, StrParameterBlock;
    Tcm = 51, false, Digits;
    TriggerCriteriaType = 52, false, Integer;
    UserId = 53, true, UserId;
    VerticalServiceCode = 54, false, Digits;
    ApplicationErrorString = 55, true, Contents;
    ErrorCause = 56, false, Integer;
    FailedMessage = 57, true, Contents;
    ConnectTime = 58, false, Octets;
    ControlCauseIndicator = 59, false, Octets;
    EchoData = 60, false, Octets;
    FacilityStatus = 61, false, Integer;
    GapDuration = 62, false, Integer;
    NationalGapInterval = 63, false, Integer;
    PrivateGapInterval = 64, false, Integer;
    MonitorTime = 65, false, Octets;
    StatusCause = 66, false, Integer;
    TerminationIndicator = 67, false, Octets;
    TriggerCriteriaFlag = 68, false, Octets;
    GlobalTitleAddress = 69, false, Octets;
    TranslationType = 70, false, Integer;
    AmaMeasure = 71, false, Integer;
    CloseCause = 72, false, Integer;
    AmaMeasurement = 73, true, Contents;
    ClearCauseData = 74, false, Octets;
    EnvelopContent = 75, false, Octets;
    DpConverter = 76, false, Boolean;
    SrhrGroupId = 77, false, Integer;
    IpReturnBlock = 78, false, Octets;
    CarrierUsage = 79, false, Integer;
    GenericAddress = 80, false, Octets;
    Sap = 81, false, Octets;
    AmaSetHexAbIndicator = 82, false, Boolean;
    ServiceContext = 83, false, Integer;
    ExtensionParameter = 84, true, Contents;
    SecurityEnvelope = 85, false, Octets;
    DestinationAddress = 86, false, Digits;
    Ocn = 87, false, Octets;
    AmaBillingFeature = 88, false, Digits;
    AmaSequenceNumber = 89, false, Octets;
    ApplicationIndicator = 90, false, Integer;
    ONoAnswerTimer = 91, false, Integer;
    EdpRequest = 92, false, Bits;
    EdpNotification = 93, false, Bits;
    BusyType = 94, false, Integer;
    AmaBafModules = 95, false, Octets;
    StrConnection = 96, false, Boolean;
    NetworkTestDesignator = 97, true, Contents;
    EnvelopeEncodingAuthority = 98, false, Octets;
    TNoAnswerTimer = 99, false, Integer;
    InfoProvided = 100, true, Contents;
    AmaServiceProviderId = 101, false, Octets;
    TriggerItemAssignment = 102, true, Contents;
    SspUserResource = 103, true, Contents;
    SrhrGroup = 104, true, Contents;
    EditListType = 105, false, Integer;
    MsrId = 106, false, Digits;
    GenericAddressList = 107, true, Contents;
    NetworkSpecificFacilities = 108, false, Octets;
    Amp2 = 109, true, Contents;
    AcgGlobalOverride = 110, false, Integer;
    NotificationIndicator = 111, false, Boolean;
    FailureCauseData = 112, false, Octets;
    ForwardCallIndicator = 113, false, Octets;
    ProvideInfo = 114, true, Contents;
    AlternateDialingPlanInd = 115, false, Digits;
    DisconnectCause = 116, false, Integer;
    CongestionLevel = 117, false, Integer;
    OperationsMonitoringAssignment = 118, true, Contents;
    ControlEncountered = 127, false, Octets;
    NotificationDuration = 128, false, Integer;
    OsiIndicator = 129, false, Boolean;
    SubsystemNumber = 130, false, Integer;
    WakeUpDuration = 131, false, Integer;
    LegId = 132, false, Integer;
    CcId = 133, false, Integer;
    BcmType = 134, false, Integer;
    PointInCall = 135, false, Integer;
    FeatureActivatorId = 136, false, Octets;
    CsId = 137, false, Integer;
    LampTreatment = 138, false, Octets;
    TimeoutTimer = 139, true, Contents;
    CtrConnection = 141, false, Boolean;
    SignalingPointCode = 142, false, Octets;
    RtpReroutingNumber = 143, false, Digits;
    RtpServiceIndicator = 144, false, Octets;
    ExtendedRinging = 146, false, Null;
    JurisdictionInformation = 147, false, Octets;
    Prefix = 148, false, Integer;
    GenericDigits = 149, false, Octets;
    GenericDigitsList = 150, true, Contents;
    ResultCause = 151, false, Integer;
    ApplyRestrictions = 152, false, Bits;
    DtmfDigitsDetected = 153, false, Digits;
    ODtmfDigitsString = 154, false, Digits;
    ODtmfNumberOfDigits = 155, false, Integer;
    TstrcTimer = 156, false, Integer;
    TDtmfDigitString = 157, false, Digits;
    TDtmfNumberOfDigits = 158, false, Integer;
    PartyId = 159, false, Integer;
    CallingGeodeticLocation = 162, false, Octets;
    TransId = 163, false, Octets;
    ActResult = 164, false, Integer;
    CallType = 165, false, Integer;
    SspResponseMessageTimerT1 = 166, false, Integer;
    TimerUpdated = 167, false, Integer;
}

// ---------------------------------------------------------------------------
// Typed values

/// `AINDigits` (GR-1299): nature of number, numbering plan, BCD digits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AinDigits {
    /// Octet 1 bits 7-1 (e.g. 3 = national number, 4 = international).
    pub nature_of_number: u8,
    /// Octet 2 bits 7-5 (1 = ISDN/E.164, 2 = private).
    pub numbering_plan: u8,
    /// Octet 2 bit 8 and bits 4-1 as received (presentation/screening on
    /// CallingPartyID; spare elsewhere).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flags: u8,
    /// Digits, first digit first.
    pub digits: String,
}

fn is_zero(x: &u8) -> bool {
    *x == 0
}

impl AinDigits {
    /// A national (NoN 3), E.164 (NP 1) number.
    pub fn national(digits: &str) -> Self {
        AinDigits { nature_of_number: 3, numbering_plan: 1, flags: 0, digits: digits.to_owned() }
    }

    /// Decodes canonical contents; `None` if the odd/even flag and filler disagree.
    pub fn decode(v: &[u8]) -> Option<Self> {
        let (&o1, rest) = v.split_first()?;
        let (&o2, bcd) = rest.split_first()?;
        let odd = o1 & 0x80 != 0;
        if odd && bcd.last().is_none_or(|b| b >> 4 != 0) {
            return None;
        }
        Some(AinDigits {
            nature_of_number: o1 & 0x7f,
            numbering_plan: o2 >> 4 & 0x07,
            flags: o2 & 0x8f,
            digits: unpack(bcd, odd),
        })
    }

    /// Writes the contents.
    ///
    /// # Errors
    /// A field out of range or a bad digit character.
    pub fn encode(&self, out: &mut Vec<u8>, layer: Layer) -> Result<()> {
        if self.nature_of_number > 0x7f || self.numbering_plan > 7 || self.flags & 0x70 != 0 {
            return Err(Error::other(layer, out.len(), "AINDigits field out of range").parameter("AINDigits"));
        }
        let at = out.len();
        out.push(self.nature_of_number);
        out.push(self.numbering_plan << 4 | self.flags);
        let odd = pack(&self.digits, 0, layer, out)?;
        if odd {
            out[at] |= 0x80;
        }
        Ok(())
    }
}

/// `CarrierFormat` (GR-1299): carrier selection, nature of carrier, digits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CarrierFormat {
    /// Octet 1, carrier selection (1 = presubscribed, not input by caller).
    pub selection: u8,
    /// Octet 2 bits 8-5, nature of carrier.
    pub nature: u8,
    /// Carrier identification code digits (normally 4); their count is octet 2 bits 4-1.
    pub digits: String,
}

impl CarrierFormat {
    fn decode(v: &[u8]) -> Option<Self> {
        let (&sel, rest) = v.split_first()?;
        let (&o2, bcd) = rest.split_first()?;
        let n = usize::from(o2 & 0x0f);
        let odd = n % 2 == 1;
        if bcd.len() != n.div_ceil(2) || (odd && bcd.last().is_none_or(|b| b >> 4 != 0)) {
            return None;
        }
        Some(CarrierFormat { selection: sel, nature: o2 >> 4, digits: unpack(bcd, odd) })
    }

    fn encode(&self, out: &mut Vec<u8>, layer: Layer) -> Result<()> {
        let n = self.digits.chars().count();
        if n > 15 || self.nature > 15 {
            return Err(Error::other(layer, out.len(), "carrier: more than 15 digits or nature > 15"));
        }
        out.push(self.selection);
        out.push(self.nature << 4 | n as u8);
        pack(&self.digits, 0, layer, out)?;
        Ok(())
    }
}

/// `UserID [53]` (an explicitly tagged CHOICE).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserId {
    /// `dn [1]`: a ten-digit directory number, packed first digit in the high nibble.
    Dn(String),
    /// `trunkGroupID [5]`: 0..9999.
    TrunkGroupId(i64),
    /// `privateFacilityGID [6]`: 0..9999.
    PrivateFacilityGid(i64),
    /// Another alternative (`bri [2]`, `aDSIcpeID`), kept as received.
    Other(RawElement),
}

fn dn_decode(v: &[u8]) -> Option<String> {
    if v.len() != 5 {
        return None;
    }
    let mut s = String::with_capacity(10);
    for b in v {
        s.push(crate::digits::nibble_char(b >> 4));
        s.push(crate::digits::nibble_char(b & 0x0f));
    }
    Some(s)
}

fn dn_encode(s: &str, out: &mut Vec<u8>, layer: Layer) -> Result<()> {
    let nib: Vec<u8> =
        s.chars().map(|c| crate::digits::char_nibble(c, layer)).collect::<Result<Vec<u8>>>()?;
    if nib.len() != 10 {
        return Err(Error::other(layer, out.len(), "DN must be 10 digits").parameter("UserID"));
    }
    out.extend(nib.chunks(2).map(|p| p[0] << 4 | p[1]));
    Ok(())
}

impl UserId {
    fn decode(v: &[u8]) -> Option<Self> {
        let ch = strict_children(v, 2)?;
        let [c] = ch.as_slice() else { return None };
        Some(if c.tag == ctx(1) && dn_decode(c.value).is_some() {
            UserId::Dn(dn_decode(c.value)?)
        } else if c.tag == ctx(5) && int_of(c.value).is_some() {
            UserId::TrunkGroupId(int_of(c.value)?)
        } else if c.tag == ctx(6) && int_of(c.value).is_some() {
            UserId::PrivateFacilityGid(int_of(c.value)?)
        } else {
            UserId::Other(RawElement::from_tlv(c))
        })
    }

    fn encode(&self, out: &mut Vec<u8>, layer: Layer) -> Result<()> {
        match self {
            UserId::Dn(d) => put(out, ctx(1), layer, |o| dn_encode(d, o, layer)),
            UserId::TrunkGroupId(n) => put_int(out, ctx(5), layer, *n),
            UserId::PrivateFacilityGid(n) => put_int(out, ctx(6), layer, *n),
            UserId::Other(r) => r.emit(out, layer),
        }
    }
}

/// `AnnouncementBlock`: announcements to play, uninterruptible then interruptible.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct AnnouncementBlock {
    /// `uninterAnnounceBlock [1]`: each element an `AnnounceElement` OCTET STRING.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uninterruptible: Option<Vec<Octets>>,
    /// `interAnnounceBlock [2]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interruptible: Option<Vec<Octets>>,
}

impl AnnouncementBlock {
    /// Decodes the members after an optional leading element (already consumed).
    fn decode(ch: &[Tlv<'_>]) -> Option<Self> {
        let mut b = AnnouncementBlock::default();
        let mut last = 0;
        for c in ch {
            let n = c.tag.number;
            if c.tag.class != Class::Context || !c.tag.constructed || !(1..=2).contains(&n) || n <= last {
                return None;
            }
            last = n;
            let mut els = Vec::new();
            for e in strict_children(c.value, 4)? {
                if e.tag != Tag::OCTET_STRING {
                    return None;
                }
                els.push(Octets(e.value.to_vec()));
            }
            if n == 1 {
                b.uninterruptible = Some(els);
            } else {
                b.interruptible = Some(els);
            }
        }
        Some(b)
    }

    fn encode(&self, out: &mut Vec<u8>, layer: Layer) -> Result<()> {
        for (n, list) in [(1, &self.uninterruptible), (2, &self.interruptible)] {
            if let Some(list) = list {
                write_tlv(out, ctx_c(n), LenForm::Definite, layer, |o| {
                    for e in list {
                        put_bytes(o, Tag::OCTET_STRING, layer, &e.0)?;
                    }
                    Ok(())
                })?;
            }
        }
        Ok(())
    }
}

/// `StrParameterBlock [50]` (explicitly tagged CHOICE) of Send_To_Resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrParameterBlock {
    /// `announcementBlock [0]`: play announcements.
    AnnouncementBlock(AnnouncementBlock),
    /// `announcementDigitBlock [1]`: play and collect up to `maximum_digits`
    /// (0-32 fixed count, 253 normal, 254 variable).
    AnnouncementDigitBlock { maximum_digits: i64, block: AnnouncementBlock },
    /// `flexParameterBlock [2]`: 1-120 octets for the IP.
    FlexParameterBlock(Octets),
}

impl StrParameterBlock {
    fn decode(v: &[u8]) -> Option<Self> {
        let ch = strict_children(v, 2)?;
        let [c] = ch.as_slice() else { return None };
        if c.tag == ctx_c(0) {
            Some(StrParameterBlock::AnnouncementBlock(AnnouncementBlock::decode(&strict_children(
                c.value, 3,
            )?)?))
        } else if c.tag == ctx_c(1) {
            let inner = strict_children(c.value, 3)?;
            let (first, rest) = inner.split_first()?;
            if first.tag != ctx(0) {
                return None;
            }
            Some(StrParameterBlock::AnnouncementDigitBlock {
                maximum_digits: int_of(first.value)?,
                block: AnnouncementBlock::decode(rest)?,
            })
        } else if c.tag == ctx(2) {
            Some(StrParameterBlock::FlexParameterBlock(Octets(c.value.to_vec())))
        } else {
            None
        }
    }

    fn encode(&self, out: &mut Vec<u8>, layer: Layer) -> Result<()> {
        match self {
            StrParameterBlock::AnnouncementBlock(b) => {
                write_tlv(out, ctx_c(0), LenForm::Definite, layer, |o| b.encode(o, layer))
            }
            StrParameterBlock::AnnouncementDigitBlock { maximum_digits, block } => {
                write_tlv(out, ctx_c(1), LenForm::Definite, layer, |o| {
                    put_int(o, ctx(0), layer, *maximum_digits)?;
                    block.encode(o, layer)
                })
            }
            StrParameterBlock::FlexParameterBlock(f) => put_bytes(out, ctx(2), layer, &f.0),
        }
    }
}

/// Event names of the EDPRequest / EDPNotification bits, bit 0 first (GR-1299).
pub const EDP_EVENTS: [&str; 21] = [
    "oCalledPartyBusy",
    "oNoAnswer",
    "oTermSeized",
    "oAnswer",
    "tBusy",
    "tNoAnswer",
    "termResourceAvailable",
    "tAnswer",
    "networkBusy",
    "oSuspended",
    "oDisconnectCalled",
    "oDisconnect",
    "oAbandon",
    "featureActivator",
    "switchHookFlash",
    "success",
    "tDisconnect",
    "timeout",
    "originationAttempt",
    "oDTMFEntered",
    "tDTMFEntered",
];

/// The names of the set bits of an EDPRequest/EDPNotification value (bit 0 = MSB of the first octet).
pub fn edp_events(bits: &[u8]) -> Vec<&'static str> {
    EDP_EVENTS
        .iter()
        .enumerate()
        .filter(|(i, _)| bits.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0))
        .map(|(_, n)| *n)
        .collect()
}

/// The contents of a known parameter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Digits(AinDigits),
    /// INTEGER or ENUMERATED value.
    Integer(i64),
    Null,
    /// BOOLEAN (only `00` and `FF` are typed; other octets stay raw).
    Boolean(bool),
    Octets(Octets),
    /// BIT STRING: unused bits in the last octet, then the octets (bit 0 = MSB of the first).
    Bits {
        unused_bits: u8,
        #[serde(with = "crate::hexser")]
        bits: Vec<u8>,
    },
    Carrier(CarrierFormat),
    UserId(UserId),
    StrParameterBlock(StrParameterBlock),
    DigitsList(Vec<AinDigits>),
    /// A constructed parameter whose contents this codec does not type.
    Contents(Octets),
}

impl Value {
    /// The kind this value is.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Digits(_) => Kind::Digits,
            Value::Integer(_) => Kind::Integer,
            Value::Null => Kind::Null,
            Value::Boolean(_) => Kind::Boolean,
            Value::Octets(_) => Kind::Octets,
            Value::Bits { .. } => Kind::Bits,
            Value::Carrier(_) => Kind::Carrier,
            Value::UserId(_) => Kind::UserId,
            Value::StrParameterBlock(_) => Kind::StrParameterBlock,
            Value::DigitsList(_) => Kind::DigitsList,
            Value::Contents(_) => Kind::Contents,
        }
    }

    /// Decodes contents as `kind`; `None` when they are not canonical for it.
    pub(crate) fn decode(kind: Kind, v: &[u8]) -> Option<Value> {
        Some(match kind {
            Kind::Digits => Value::Digits(AinDigits::decode(v)?),
            Kind::Integer => Value::Integer(int_of(v)?),
            Kind::Null if v.is_empty() => Value::Null,
            Kind::Boolean if v == [0] => Value::Boolean(false),
            Kind::Boolean if v == [0xff] => Value::Boolean(true),
            Kind::Octets => Value::Octets(Octets(v.to_vec())),
            Kind::Bits => {
                let (&unused, bits) = v.split_first()?;
                if unused > 7 || (bits.is_empty() && unused != 0) {
                    return None;
                }
                Value::Bits { unused_bits: unused, bits: bits.to_vec() }
            }
            Kind::Carrier => Value::Carrier(CarrierFormat::decode(v)?),
            Kind::UserId => Value::UserId(UserId::decode(v)?),
            Kind::StrParameterBlock => Value::StrParameterBlock(StrParameterBlock::decode(v)?),
            Kind::Contents => Value::Contents(Octets(v.to_vec())),
            Kind::Null | Kind::Boolean | Kind::DigitsList => return None,
        })
    }

    /// Writes the contents octets.
    pub(crate) fn encode(&self, out: &mut Vec<u8>, layer: Layer) -> Result<()> {
        match self {
            Value::Digits(d) => d.encode(out, layer),
            Value::Integer(n) => {
                encode_int(*n, out);
                Ok(())
            }
            Value::Null => Ok(()),
            Value::Boolean(b) => {
                out.push(if *b { 0xff } else { 0 });
                Ok(())
            }
            Value::Octets(o) | Value::Contents(o) => {
                out.extend_from_slice(&o.0);
                Ok(())
            }
            Value::Bits { unused_bits, bits } => {
                out.push(*unused_bits);
                out.extend_from_slice(bits);
                Ok(())
            }
            Value::Carrier(c) => c.encode(out, layer),
            Value::UserId(u) => u.encode(out, layer),
            Value::StrParameterBlock(s) => s.encode(out, layer),
            Value::DigitsList(_) => Err(Error::other(layer, out.len(), "digits list needs its element tag")),
        }
    }
}

// ---------------------------------------------------------------------------
// Parameters

/// One element of the parameter set, typed when we can.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AinParameter {
    /// A known parameter with canonically decoded contents.
    Known { param: Param, value: Value },
    /// Anything else, byte for byte.
    Raw(RawElement),
}

impl AinParameter {
    /// A known parameter.
    pub fn new(param: Param, value: Value) -> Self {
        AinParameter::Known { param, value }
    }

    /// Digits parameter shorthand (`CalledPartyID`, `CallingPartyID`, ...).
    pub fn digits(param: Param, d: AinDigits) -> Self {
        AinParameter::Known { param, value: Value::Digits(d) }
    }

    /// Integer/enumerated parameter shorthand.
    pub fn int(param: Param, n: i64) -> Self {
        AinParameter::Known { param, value: Value::Integer(n) }
    }

    /// Octet-string parameter shorthand.
    pub fn octets(param: Param, v: &[u8]) -> Self {
        AinParameter::Known { param, value: Value::Octets(Octets(v.to_vec())) }
    }

    /// The known parameter's name, or `None` for a raw element.
    pub fn param(&self) -> Option<Param> {
        match self {
            AinParameter::Known { param, .. } => Some(*param),
            AinParameter::Raw(_) => None,
        }
    }

    /// Types an element: known and canonical, or raw.
    pub fn from_tlv(t: &Tlv<'_>) -> Self {
        if t.form == LenForm::Definite {
            if let Some(k) = Self::typed(t) {
                return k;
            }
        }
        AinParameter::Raw(RawElement::from_tlv(t))
    }

    fn typed(t: &Tlv<'_>) -> Option<Self> {
        if t.tag == Tag::SEQUENCE {
            let ch = strict_children(t.value, 2)?;
            let first = ch.first()?.tag;
            let param = if first == ctx(9) {
                Param::AmaLineNumberList
            } else if first == ctx(8) {
                Param::AmaDigitsDialedWcList
            } else {
                return None;
            };
            let mut list = Vec::with_capacity(ch.len());
            for c in &ch {
                if c.tag != first {
                    return None;
                }
                list.push(AinDigits::decode(c.value)?);
            }
            return Some(AinParameter::Known { param, value: Value::DigitsList(list) });
        }
        if t.tag.class != Class::Context {
            return None;
        }
        let param = Param::from_context(t.tag.number)?;
        if param.tag() != t.tag {
            return None;
        }
        Some(AinParameter::Known { param, value: Value::decode(param.kind(), t.value)? })
    }

    /// Appends the element.
    ///
    /// # Errors
    /// A value of the wrong kind for its parameter, an unencodable value, or
    /// one that would not decode back to itself.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let r = self.emit_inner(out);
        let r = r.and_then(|()| {
            let mut rd = Reader::new(Layer::Ain, &out[start..]);
            let t = read_tlv(&mut rd, 1)?;
            if rd.is_empty() && AinParameter::from_tlv(&t) == *self {
                Ok(())
            } else {
                Err(Error::other(
                    Layer::Ain,
                    start,
                    "parameter would not decode back to itself (non-canonical value)",
                ))
            }
        });
        if let Err(e) = r {
            out.truncate(start);
            return Err(match self.param() {
                Some(p) => e.parameter(format!("{p:?}")),
                None => e,
            });
        }
        Ok(())
    }

    fn emit_inner(&self, out: &mut Vec<u8>) -> Result<()> {
        let l = Layer::Ain;
        match self {
            AinParameter::Raw(r) => r.emit(out, l),
            AinParameter::Known { param, value } => {
                if value.kind() != param.kind() {
                    return Err(Error::other(
                        l,
                        out.len(),
                        format!("value kind {:?} for a {:?} parameter", value.kind(), param.kind()),
                    ));
                }
                match value {
                    Value::DigitsList(list) => {
                        let inner = if *param == Param::AmaLineNumberList { ctx(9) } else { ctx(8) };
                        write_tlv(out, Tag::SEQUENCE, LenForm::Definite, l, |o| {
                            for d in list {
                                put(o, inner, l, |o| d.encode(o, l))?;
                            }
                            Ok(())
                        })
                    }
                    v => write_tlv(out, param.tag(), LenForm::Definite, l, |o| v.encode(o, l)),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Parameter set and operation

/// Which container holds the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamForm {
    /// ANSI TCAP parameter set, `0xF2` (what AIN switches send).
    #[default]
    ParameterSet,
    /// Universal SEQUENCE, `0x30` (what the ASN.1 module says).
    Sequence,
}

impl ParamForm {
    /// The container tag.
    pub fn tag(self) -> Tag {
        match self {
            ParamForm::ParameterSet => PARAMETER_SET,
            ParamForm::Sequence => Tag::SEQUENCE,
        }
    }
}

/// The parameter element of an AIN invoke: container plus parameters in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AinParameterSet {
    #[serde(default)]
    pub form: ParamForm,
    #[serde(default, skip_serializing_if = "LenForm::is_definite")]
    pub len_form: LenForm,
    pub params: Vec<AinParameter>,
}

impl AinParameterSet {
    /// A parameter set (`0xF2`, shortest lengths) holding `params`.
    pub fn new(params: Vec<AinParameter>) -> Self {
        AinParameterSet { form: ParamForm::ParameterSet, len_form: LenForm::Definite, params }
    }

    /// Parses the whole parameter element.
    ///
    /// # Errors
    /// Truncation, bad lengths, trailing octets, or a container tag other
    /// than `0xF2`/`0x30`; offsets are relative to `buf`.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(Layer::Ain, buf);
        let t = read_tlv(&mut r, 0)?;
        r.finish()?;
        let form = if t.tag == PARAMETER_SET {
            ParamForm::ParameterSet
        } else if t.tag == Tag::SEQUENCE {
            ParamForm::Sequence
        } else {
            return Err(Error::new(
                Layer::Ain,
                0,
                Reason::UnexpectedTag {
                    found: t.tag.code(),
                    expected: "parameter set 0xf2 or SEQUENCE 0x30",
                },
            ));
        };
        let mut params = Vec::new();
        for c in children(t.reader(Layer::Ain), 1) {
            params.push(AinParameter::from_tlv(&c?));
        }
        Ok(AinParameterSet { form, len_form: t.form, params })
    }

    /// Appends the element.
    ///
    /// # Errors
    /// See [`AinParameter::emit`].
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        write_tlv(out, self.form.tag(), self.len_form, Layer::Ain, |o| {
            for p in &self.params {
                // X.690 §8.1.5: `00 00` would end an indefinite-length set early.
                if self.len_form == LenForm::Indefinite
                    && matches!(p, AinParameter::Raw(r) if r.is_end_of_contents())
                {
                    return Err(Error::other(
                        Layer::Ain,
                        o.len(),
                        "end-of-contents element inside an indefinite parameter set",
                    ));
                }
                p.emit(o)?;
            }
            Ok(())
        })
    }

    /// The first known parameter named `p`.
    pub fn get(&self, p: Param) -> Option<&Value> {
        self.params.iter().find_map(|x| match x {
            AinParameter::Known { param, value } if *param == p => Some(value),
            _ => None,
        })
    }

    /// The digits of the first `p` parameter, if it is a digits parameter.
    pub fn digits(&self, p: Param) -> Option<&AinDigits> {
        match self.get(p)? {
            Value::Digits(d) => Some(d),
            _ => None,
        }
    }
}

/// An AIN operation: its code and its (optional) parameter element.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AinOperation {
    pub opcode: AinOpcode,
    /// `None` when the component carries no parameter.
    #[serde(default)]
    pub parameter: Option<AinParameterSet>,
}

impl AinOperation {
    /// An operation with a `0xF2` parameter set.
    pub fn new(opcode: AinOpcode, params: Vec<AinParameter>) -> Self {
        AinOperation { opcode, parameter: Some(AinParameterSet::new(params)) }
    }

    /// Parses the parameter bytes the TCAP component carried for `opcode`.
    ///
    /// # Errors
    /// See [`AinParameterSet::parse`]; the error names the operation.
    pub fn parse(opcode: u16, parameter: Option<&[u8]>) -> Result<Self> {
        let op = AinOpcode::from_code(opcode);
        let parameter = match parameter {
            None => None,
            Some(b) => Some(AinParameterSet::parse(b).map_err(|e| e.message(op.name()))?),
        };
        Ok(AinOperation { opcode: op, parameter })
    }

    /// Appends the parameter element (nothing when there is none).
    ///
    /// # Errors
    /// An unencodable parameter, or `Unknown(code)` holding a named code.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        if let AinOpcode::Unknown(c) = self.opcode {
            if !matches!(AinOpcode::from_code(c), AinOpcode::Unknown(_)) {
                return Err(Error::other(
                    Layer::Ain,
                    out.len(),
                    format!("Unknown({c:#06x}) is a named operation code"),
                ));
            }
        }
        match &self.parameter {
            None => Ok(()),
            Some(p) => p.emit(out).map_err(|e| e.message(self.opcode.name())),
        }
    }

    /// The parameter element's length in octets (0 if it cannot be encoded).
    pub fn buffer_len(&self) -> usize {
        self.to_bytes().map_or(0, |v| v.len())
    }

    /// The parameter element as a new vector (empty when there is none).
    ///
    /// # Errors
    /// See [`AinOperation::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = Vec::new();
        self.emit(&mut v)?;
        Ok(v)
    }

    /// What the TCAP component's `parameter` field should hold.
    ///
    /// # Errors
    /// See [`AinOperation::emit`].
    pub fn parameter_bytes(&self) -> Result<Option<Vec<u8>>> {
        match self.parameter {
            None => Ok(None),
            Some(_) => self.to_bytes().map(Some),
        }
    }

    /// The first known parameter named `p`.
    pub fn get(&self, p: Param) -> Option<&Value> {
        self.parameter.as_ref()?.get(p)
    }

    /// The digits of the first `p` parameter.
    pub fn digits(&self, p: Param) -> Option<&AinDigits> {
        self.parameter.as_ref()?.digits(p)
    }
}

/// A zero-copy view over a parameter element: checks the outer TLV once,
/// then finds parameters by tag without building a repr.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` after checking it is one well-formed `0xF2`/`0x30` element.
    ///
    /// # Errors
    /// As [`AinParameterSet::parse`] for the outer element and its children's framing.
    pub fn new_checked(buffer: T) -> Result<Self> {
        {
            let b = buffer.as_ref();
            let mut r = Reader::new(Layer::Ain, b);
            let t = read_tlv(&mut r, 0)?;
            r.finish()?;
            if t.tag != PARAMETER_SET && t.tag != Tag::SEQUENCE {
                return Err(Error::new(
                    Layer::Ain,
                    0,
                    Reason::UnexpectedTag {
                        found: t.tag.code(),
                        expected: "parameter set 0xf2 or SEQUENCE 0x30",
                    },
                ));
            }
            for c in children(t.reader(Layer::Ain), 1) {
                c?;
            }
        }
        Ok(Packet { buffer })
    }

    /// The container form.
    pub fn form(&self) -> ParamForm {
        if self.buffer.as_ref().first() == Some(&0x30) {
            ParamForm::Sequence
        } else {
            ParamForm::ParameterSet
        }
    }

    /// Contents of the first element with tag `tag`.
    pub fn find(&self, tag: Tag) -> Option<&[u8]> {
        let mut r = Reader::new(Layer::Ain, self.buffer.as_ref());
        let t = read_tlv(&mut r, 0).ok()?;
        children(t.reader(Layer::Ain), 1).filter_map(|c| c.ok()).find(|c| c.tag == tag).map(|c| c.value)
    }

    /// The digits of the first `p` parameter, decoded.
    pub fn digits(&self, p: Param) -> Option<AinDigits> {
        if p.kind() != Kind::Digits {
            return None;
        }
        AinDigits::decode(self.find(p.tag())?)
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

// ---------------------------------------------------------------------------
// Examples

fn announcement(id: u16) -> Octets {
    // AnnounceElement: announcement id (2 octets) + repetitions/options octet.
    Octets(vec![(id >> 8) as u8, id as u8, 0x01])
}

/// A realistic instance of every operation this module names in the docs:
/// a click-to-call (customer 212-555-1234, representative 312-555-9876)
/// plus the usual SSP queries and SCP responses.
pub fn examples() -> Vec<(&'static str, AinOperation)> {
    use AinParameter as P;
    let user = |dn: &str| P::new(Param::UserId, Value::UserId(UserId::Dn(dn.to_owned())));
    let speech = P::int(Param::BearerCapability, 0);
    let notify = P::new(Param::NotificationIndicator, Value::Boolean(false));
    let rep = AinDigits::national("3125559876");
    let cust = AinDigits::national("2125551234");
    let calling = AinDigits { flags: 0x01, ..AinDigits::national("2125551234") };
    let carrier = Value::Carrier(CarrierFormat { selection: 1, nature: 1, digits: "0288".into() });
    let slp = P::octets(Param::AmaSlpId, &[0x00, 0x01, 0x23, 0x45, 0x60]);
    let edp = |bits: &[u8]| P::new(Param::EdpRequest, Value::Bits { unused_bits: 3, bits: bits.to_vec() });
    vec![
        (
            "info_analyzed",
            AinOperation::new(
                AinOpcode::InfoAnalyzed,
                vec![
                    user("2125551234"),
                    speech.clone(),
                    P::digits(Param::CalledPartyId, AinDigits::national("8005551212")),
                    P::digits(
                        Param::Lata,
                        AinDigits { nature_of_number: 0, numbering_plan: 0, flags: 0, digits: "132".into() },
                    ),
                    P::int(Param::TriggerCriteriaType, 8),
                    P::digits(Param::ChargeNumber, cust.clone()),
                    P::digits(Param::CallingPartyId, calling.clone()),
                    P::int(Param::ChargePartyStationType, 0),
                    P::new(Param::Carrier, carrier.clone()),
                    P::digits(Param::CollectedAddressInfo, AinDigits::national("8005551212")),
                    P::digits(
                        Param::CollectedDigits,
                        AinDigits {
                            nature_of_number: 0,
                            numbering_plan: 1,
                            flags: 0,
                            digits: "18005551212".into(),
                        },
                    ),
                ],
            ),
        ),
        (
            "info_collected",
            AinOperation::new(
                AinOpcode::InfoCollected,
                vec![
                    user("2125551234"),
                    speech.clone(),
                    P::digits(Param::ChargeNumber, cust.clone()),
                    P::digits(Param::CallingPartyId, calling.clone()),
                    P::digits(
                        Param::CollectedDigits,
                        AinDigits {
                            nature_of_number: 0,
                            numbering_plan: 1,
                            flags: 0,
                            digits: "5551212".into(),
                        },
                    ),
                ],
            ),
        ),
        (
            "termination_attempt",
            AinOperation::new(
                AinOpcode::TerminationAttempt,
                vec![
                    user("3125559876"),
                    speech.clone(),
                    P::digits(Param::CalledPartyId, rep.clone()),
                    P::int(Param::TriggerCriteriaType, 15),
                    P::digits(Param::CallingPartyId, calling.clone()),
                    P::digits(Param::OriginalCalledPartyId, AinDigits::national("3125550000")),
                    P::digits(Param::RedirectingPartyId, AinDigits::national("3125550000")),
                    P::octets(Param::RedirectionInformation, &[0x03, 0x11]),
                ],
            ),
        ),
        (
            "origination_attempt",
            AinOperation::new(
                AinOpcode::OriginationAttempt,
                vec![
                    user("2125551234"),
                    speech.clone(),
                    P::digits(Param::ChargeNumber, cust.clone()),
                    P::int(Param::TriggerCriteriaType, 16),
                    P::digits(Param::CallingPartyId, calling.clone()),
                ],
            ),
        ),
        (
            "o_answer",
            AinOperation::new(AinOpcode::OAnswer, vec![user("2125551234"), speech.clone(), notify.clone()]),
        ),
        (
            "t_answer",
            AinOperation::new(AinOpcode::TAnswer, vec![user("3125559876"), speech.clone(), notify.clone()]),
        ),
        (
            "o_no_answer",
            AinOperation::new(
                AinOpcode::ONoAnswer,
                vec![
                    user("2125551234"),
                    speech.clone(),
                    P::digits(Param::CalledPartyId, rep.clone()),
                    P::int(Param::TriggerCriteriaType, 29),
                ],
            ),
        ),
        (
            "t_no_answer",
            AinOperation::new(
                AinOpcode::TNoAnswer,
                vec![
                    user("3125559876"),
                    speech.clone(),
                    P::digits(Param::CalledPartyId, rep.clone()),
                    P::int(Param::TriggerCriteriaType, 25),
                ],
            ),
        ),
        (
            "o_disconnect",
            AinOperation::new(
                AinOpcode::ODisconnect,
                vec![
                    user("2125551234"),
                    speech.clone(),
                    notify.clone(),
                    P::int(Param::DisconnectCause, 0),
                    P::int(Param::LegId, 1),
                    P::int(Param::PointInCall, 9),
                ],
            ),
        ),
        (
            "t_disconnect",
            AinOperation::new(
                AinOpcode::TDisconnect,
                vec![
                    user("3125559876"),
                    speech.clone(),
                    P::int(Param::LegId, 2),
                    P::int(Param::DisconnectCause, 0),
                ],
            ),
        ),
        (
            "analyze_route",
            AinOperation::new(
                AinOpcode::AnalyzeRoute,
                vec![
                    P::digits(Param::ChargeNumber, cust.clone()),
                    P::digits(Param::CallingPartyId, calling.clone()),
                    P::digits(Param::CalledPartyId, rep.clone()),
                    P::digits(Param::OutpulseNumber, AinDigits::national("3125559876")),
                    P::octets(Param::PrimaryTrunkGroup, &[0x00, 0x01, 0x23, 0x00, 0x00]),
                    P::new(Param::Carrier, carrier.clone()),
                    P::octets(Param::PrimaryBillingIndicator, &[0x00, 0x03, 0x00, 0x10]),
                    P::digits(Param::AmaAlternateBillingNumber, AinDigits::national("8005551212")),
                    P::new(
                        Param::AmaLineNumberList,
                        Value::DigitsList(vec![AinDigits::national("2125551234")]),
                    ),
                    slp.clone(),
                    P::new(
                        Param::AmaDigitsDialedWcList,
                        Value::DigitsList(vec![AinDigits {
                            nature_of_number: 0,
                            numbering_plan: 1,
                            flags: 0,
                            digits: "18005551212".into(),
                        }]),
                    ),
                ],
            ),
        ),
        (
            "authorize_termination",
            AinOperation::new(
                AinOpcode::AuthorizeTermination,
                vec![
                    P::digits(Param::CallingPartyId, calling.clone()),
                    P::int(Param::ControllingLegTreatment, 1),
                    slp.clone(),
                ],
            ),
        ),
        ("disconnect", AinOperation::new(AinOpcode::Disconnect, vec![slp.clone()])),
        (
            "create_call",
            AinOperation::new(
                AinOpcode::CreateCall,
                vec![
                    P::digits(Param::CalledPartyId, cust.clone()),
                    P::digits(Param::CallingPartyId, rep.clone()),
                    P::digits(Param::ChargeNumber, rep.clone()),
                    P::int(Param::ControllingLegTreatment, 1),
                    user("3125559876"),
                    speech.clone(),
                    slp.clone(),
                ],
            ),
        ),
        ("continue", AinOperation::new(AinOpcode::Continue, vec![slp.clone()])),
        (
            "send_to_resource",
            AinOperation::new(
                AinOpcode::SendToResource,
                vec![
                    P::int(Param::ResourceType, 0),
                    P::new(
                        Param::StrParameterBlock,
                        Value::StrParameterBlock(StrParameterBlock::AnnouncementBlock(AnnouncementBlock {
                            uninterruptible: Some(vec![announcement(1042)]),
                            interruptible: Some(vec![announcement(1043), announcement(1044)]),
                        })),
                    ),
                    P::new(Param::DisconnectFlag, Value::Null),
                    P::new(Param::AnswerIndicator, Value::Null),
                ],
            ),
        ),
        (
            "send_to_resource_collect",
            AinOperation::new(
                AinOpcode::SendToResource,
                vec![
                    P::int(Param::ResourceType, 1),
                    P::new(
                        Param::StrParameterBlock,
                        Value::StrParameterBlock(StrParameterBlock::AnnouncementDigitBlock {
                            maximum_digits: 4,
                            block: AnnouncementBlock {
                                uninterruptible: None,
                                interruptible: Some(vec![announcement(2001)]),
                            },
                        }),
                    ),
                ],
            ),
        ),
        (
            "resource_clear",
            AinOperation::new(
                AinOpcode::ResourceClear,
                vec![
                    P::int(Param::ClearCause, 0),
                    P::digits(
                        Param::CollectedDigits,
                        AinDigits { nature_of_number: 0, numbering_plan: 0, flags: 0, digits: "1234".into() },
                    ),
                ],
            ),
        ),
        (
            "close",
            AinOperation::new(
                AinOpcode::Close,
                vec![user("2125551234"), speech.clone(), P::int(Param::CloseCause, 1)],
            ),
        ),
        (
            "request_report_bcm_event",
            AinOperation::new(
                AinOpcode::RequestReportBcmEvent,
                vec![
                    // Arm oCalledPartyBusy(0), oNoAnswer(1), oDisconnect(11); 21 bits, 3 unused.
                    edp(&[0xc0, 0x10, 0x00]),
                    // Notify on oTermSeized(2), oAnswer(3), tDisconnect(16).
                    P::new(
                        Param::EdpNotification,
                        Value::Bits { unused_bits: 3, bits: vec![0x30, 0x00, 0x80] },
                    ),
                    P::int(Param::ONoAnswerTimer, 30),
                ],
            ),
        ),
        (
            "connect_to_resource",
            AinOperation::new(
                AinOpcode::ConnectToResource,
                vec![
                    P::int(Param::ResourceType, 0),
                    P::new(
                        Param::StrParameterBlock,
                        Value::StrParameterBlock(StrParameterBlock::FlexParameterBlock(Octets(vec![
                            0x01, 0x02, 0x03,
                        ]))),
                    ),
                    P::int(Param::LegId, 1),
                    P::new(Param::DisconnectFlag, Value::Null),
                ],
            ),
        ),
        (
            "forward_call",
            AinOperation::new(
                AinOpcode::ForwardCall,
                vec![
                    P::digits(Param::CalledPartyId, AinDigits::national("3125550000")),
                    P::digits(Param::RedirectingPartyId, rep.clone()),
                ],
            ),
        ),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // Info_Analyzed as a switch sends it: UserID dn, BearerCapability speech,
    // CalledPartyID 312-555-9876 (national, E.164).
    static INFO_ANALYZED: [u8; 24] = [
        0xf2, 0x16, // parameter set
        0xbf, 0x35, 0x07, 0x81, 0x05, 0x21, 0x25, 0x55, 0x12, 0x34, // UserID dn 2125551234
        0x8d, 0x01, 0x00, // BearerCapability speech
        0x8f, 0x07, 0x03, 0x10, 0x13, 0x52, 0x55, 0x89, 0x67, // CalledPartyID 3125559876
    ];

    fn info_analyzed_repr() -> AinOperation {
        AinOperation::new(
            AinOpcode::InfoAnalyzed,
            vec![
                AinParameter::new(Param::UserId, Value::UserId(UserId::Dn("2125551234".into()))),
                AinParameter::int(Param::BearerCapability, 0),
                AinParameter::digits(Param::CalledPartyId, AinDigits::national("3125559876")),
            ],
        )
    }

    #[test]
    fn deconstruct() {
        let p = Packet::new_checked(&INFO_ANALYZED[..]).unwrap();
        assert_eq!(p.form(), ParamForm::ParameterSet);
        assert_eq!(p.digits(Param::CalledPartyId).unwrap().digits, "3125559876");
        assert_eq!(p.find(ctx(13)), Some(&[0u8][..]));
    }

    #[test]
    fn parse() {
        let op = AinOperation::parse(0x6403, Some(&INFO_ANALYZED)).unwrap();
        assert_eq!(op, info_analyzed_repr());
        assert_eq!(op.digits(Param::CalledPartyId).unwrap().digits, "3125559876");
    }

    #[test]
    fn emit() {
        assert_eq!(info_analyzed_repr().to_bytes().unwrap(), INFO_ANALYZED);
        assert_eq!(info_analyzed_repr().buffer_len(), INFO_ANALYZED.len());
    }

    #[test]
    fn examples_round_trip() {
        for (name, op) in examples() {
            let b = op.to_bytes().unwrap_or_else(|e| panic!("{name}: {e}"));
            let back = AinOperation::parse(op.opcode.code(), Some(&b)).unwrap();
            assert_eq!(back, op, "{name}");
            assert!(
                !back.parameter.as_ref().unwrap().params.iter().any(|p| p.param().is_none()),
                "{name} has raw"
            );
            let json = serde_json::to_string(&op).unwrap();
            let de: AinOperation = serde_json::from_str(&json).unwrap();
            assert_eq!(de, op, "{name} json");
        }
    }

    #[test]
    fn odd_digits_and_unknown_kept() {
        // Odd CallingPartyID (7 digits), unknown [200], long-form length on BearerCapability.
        let b = [
            0x30, 0x14, 0x92, 0x06, 0x83, 0x10, 0x21, 0x43, 0x65, 0x07, 0x9f, 0x81, 0x48, 0x02, 0xab, 0xcd,
            0x8d, 0x81, 0x01, 0x00, 0x99, 0x00,
        ];
        let op = AinOperation::parse(0x6402, Some(&b)).unwrap();
        let ps = op.parameter.as_ref().unwrap();
        assert_eq!(ps.form, ParamForm::Sequence);
        assert_eq!(op.digits(Param::CallingPartyId).unwrap().digits, "1234567");
        assert!(matches!(&ps.params[1], AinParameter::Raw(r) if r.tag.number == 200));
        assert!(matches!(&ps.params[2], AinParameter::Raw(r) if r.len_form == LenForm::Long(1)));
        assert_eq!(ps.params[3], AinParameter::new(Param::DisconnectFlag, Value::Null));
        assert_eq!(op.to_bytes().unwrap(), b);
    }

    #[test]
    fn odd_filler_nonzero_stays_raw() {
        let b = [0xf2, 0x05, 0x92, 0x03, 0x83, 0x10, 0xf1];
        let op = AinOperation::parse(0x6403, Some(&b)).unwrap();
        assert!(matches!(op.parameter.as_ref().unwrap().params[0], AinParameter::Raw(_)));
        assert_eq!(op.to_bytes().unwrap(), b);
    }

    #[test]
    fn errors_carry_layer_and_offset() {
        // CalledPartyID claims 9 octets, 3 left.
        let b = [0xf2, 0x05, 0x8f, 0x09, 0x03, 0x10, 0x13];
        let e = AinOperation::parse(0x6403, Some(&b)).unwrap_err();
        assert_eq!((e.layer, e.offset), (Layer::Ain, 2));
        assert_eq!(e.message.as_deref(), Some("Info_Analyzed"));
        assert!(matches!(e.reason, Reason::BadLength { declared: 9, available: 3 }));
        // Truncated container.
        let e = AinOperation::parse(0x6403, Some(&[0xf2, 0x05, 0x8d])).unwrap_err();
        assert_eq!((e.layer, e.offset), (Layer::Ain, 0));
        // Wrong container tag.
        let e = AinOperation::parse(0x6403, Some(&[0x31, 0x00])).unwrap_err();
        assert!(matches!(e.reason, Reason::UnexpectedTag { .. }));
        // Trailing octets.
        let e = AinOperation::parse(0x6403, Some(&[0xf2, 0x00, 0x00])).unwrap_err();
        assert_eq!((e.offset, e.reason.clone()), (2, Reason::Trailing { count: 1 }));
    }

    #[test]
    fn emit_refuses_non_canonical() {
        let bad_dn = AinOperation::new(
            AinOpcode::InfoAnalyzed,
            vec![AinParameter::new(Param::UserId, Value::UserId(UserId::Dn("212555".into())))],
        );
        assert!(bad_dn.to_bytes().is_err());
        let wrong_kind =
            AinOperation::new(AinOpcode::Close, vec![AinParameter::int(Param::CalledPartyId, 3)]);
        assert!(wrong_kind.to_bytes().is_err());
        let raw_typed = AinOperation::new(
            AinOpcode::Close,
            vec![AinParameter::Raw(RawElement { tag: ctx(13), len_form: LenForm::Definite, value: vec![0] })],
        );
        assert!(raw_typed.to_bytes().is_err());
        let bad_digit = AinOperation::new(
            AinOpcode::Close,
            vec![AinParameter::digits(Param::CalledPartyId, AinDigits::national("31x"))],
        );
        assert!(bad_digit.to_bytes().is_err());
        let named_unknown = AinOperation { opcode: AinOpcode::Unknown(0x6403), parameter: None };
        assert!(named_unknown.to_bytes().is_err());
    }

    #[test]
    fn indefinite_set_round_trips() {
        let b = [0xf2, 0x80, 0x8d, 0x01, 0x00, 0x00, 0x00];
        let op = AinOperation::parse(0x640b, Some(&b)).unwrap();
        assert_eq!(op.parameter.as_ref().unwrap().len_form, LenForm::Indefinite);
        assert_eq!(op.to_bytes().unwrap(), b);
        let mut eoc = op.clone();
        eoc.parameter.as_mut().unwrap().params.push(AinParameter::Raw(RawElement {
            tag: Tag::primitive(Class::Universal, 0),
            len_form: LenForm::Definite,
            value: vec![],
        }));
        assert!(eoc.to_bytes().is_err());
    }

    #[test]
    fn edp_bits() {
        assert_eq!(edp_events(&[0xc0, 0x10, 0x00]), ["oCalledPartyBusy", "oNoAnswer", "oDisconnect"]);
        assert_eq!(edp_events(&[0x30, 0x00, 0x80]), ["oTermSeized", "oAnswer", "tDisconnect"]);
    }

    #[test]
    fn opcodes() {
        assert_eq!(AinOpcode::from_code(0x6403), AinOpcode::InfoAnalyzed);
        assert_eq!(AinOpcode::OriginationAttempt.code(), 0x6418);
        assert_eq!(AinOpcode::Close.code(), 0x6e01);
        assert_eq!(AinOpcode::from_code(0x7777), AinOpcode::Unknown(0x7777));
        for p in Param::ALL {
            assert!(
                Param::ALL.iter().filter(|q| q.tag() == p.tag()).count() == 1 || p.tag() == Tag::SEQUENCE
            );
        }
    }
}
