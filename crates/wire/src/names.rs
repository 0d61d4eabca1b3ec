//! Names for code points: what a number on the wire means, as a protocol
//! analyser shows it (`cause value: 16 (normal call clearing)`).
//!
//! Pure data and lookups, no parsing: the tables come from the specs
//! (Q.850 causes; Q.763 and T1.113 ISUP fields; Q.704 and T1.111 MTP3;
//! Q.713 and T1.112 SCCP; Q.773 and T1.114 TCAP; Q.1218 INAP; GR-1299 AIN;
//! RFC 4666 M3UA). The names follow the wording of the spec, shortened
//! where a spec sentence would not fit on a line.
//!
//! [`describe`] names a number and [`describe_name`] expands a name the
//! codecs already give in their JSON (`"sios"`, `"udt"`, `"hop_counter_violation"`),
//! both by where the field sits in the JSON of a [`crate::stack::Frame`]
//! (see [`At`]). The per-table functions are public for callers that know
//! what they hold (a ladder diagram printing a release cause, say).
//!
//! Not every value has a name: spare and national-use values return `None`,
//! and so does a field this module has no table for.

use crate::variant::Variant;

/// A table of code points and their names, sorted or not.
type Table = &'static [(u64, &'static str)];

fn find(t: Table, v: u64) -> Option<&'static str> {
    t.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
}

/// A scalar next to the field being named, for codes whose meaning depends
/// on another field (a reject's problem type, a cause's coding standard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code<'a> {
    /// A number.
    Num(u64),
    /// A name (a serde enum variant, a string).
    Name(&'a str),
}

/// Where a field sits in the JSON of a decoded frame.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// ITU or ANSI: several tables differ.
    pub variant: Variant,
    /// Object keys from the frame's root down to the object holding the
    /// field, array positions left out: `["isup", "body", "parameters",
    /// "mandatory", "cause_indicators"]`.
    pub path: &'a [&'a str],
    /// The other scalar fields of that object.
    pub siblings: &'a [(&'a str, Code<'a>)],
}

impl<'a> At<'a> {
    /// The layer: the first key of the path (`"isup"`, `"sccp"`, ...).
    pub fn layer(&self) -> &'a str {
        self.path.first().copied().unwrap_or("")
    }

    /// The key of the object holding the field.
    pub fn parent(&self) -> &'a str {
        self.path.last().copied().unwrap_or("")
    }

    /// Whether `key` is anywhere on the path.
    pub fn under(&self, key: &str) -> bool {
        self.path.contains(&key)
    }

    /// A sibling field's value.
    pub fn sibling(&self, key: &str) -> Option<Code<'a>> {
        self.siblings.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
    }

    fn sibling_num(&self, key: &str) -> Option<u64> {
        match self.sibling(key) {
            Some(Code::Num(n)) => Some(n),
            _ => None,
        }
    }

    fn sibling_name(&self, key: &str) -> Option<&'a str> {
        match self.sibling(key) {
            Some(Code::Name(s)) => Some(s),
            _ => None,
        }
    }
}

/// A name expanded by [`describe_name`]: the code point on the wire, when
/// the name stands for one, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named {
    /// The number on the wire, if the name stands for a single one.
    pub code: Option<u64>,
    /// What it means.
    pub text: &'static str,
}

/// Names the number `value` of field `field` at `at`; `None` when it has no
/// name (a counter, a spare value, a field without a table).
pub fn describe(at: &At<'_>, field: &str, value: u64) -> Option<&'static str> {
    match at.layer() {
        "mtp3" => mtp3_field(at, field, value),
        "m3ua" => m3ua_field(at, field, value),
        "snm" => snm_field(at, field, value),
        "isup" => isup_field(at, field, value),
        "sccp" => sccp_field(at, field, value),
        "tcap" => tcap_field(at, field, value),
        "operations" => operation_field(at, field, value),
        _ => None,
    }
}

/// Expands a name the JSON already gives (`"sios"` → 3, out of service).
pub fn describe_name(at: &At<'_>, field: &str, name: &str) -> Option<Named> {
    let (table, numbered): (&[(&str, u64, &str)], bool) = match (at.layer(), at.parent(), field) {
        ("mtp2", "lssu", "status") => (LSSU_STATUS, true),
        ("mtp2", _, "unit") => (MTP2_UNITS, false),
        ("snm", _, "message") => (SNM_MESSAGES, false),
        ("m3ua", _, "message") => (M3UA_MESSAGES, false),
        ("m3ua", _, "error_code") => (M3UA_ERRORS, true),
        ("m3ua", _, "traffic_mode_type") => (M3UA_TRAFFIC_MODES, true),
        ("sccp", _, "type") => (SCCP_MESSAGES, true),
        ("sccp", "global_title", "form") if at.variant == Variant::Itu => (ITU_GT_FORMS, false),
        ("sccp", "global_title", "form") => (ANSI_GT_FORMS, false),
        ("sccp", _, "routing") => (SCCP_ROUTING, false),
        ("sccp", _, "return_cause") => (SCCP_RETURN_CAUSES, true),
        _ => return None,
    };
    table
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, code, text)| Named { code: numbered.then_some(code), text })
}

// ---------------------------------------------------------------------------
// MTP2

/// LSSU status (Q.703 §11.1.3): serde name, status value, meaning.
const LSSU_STATUS: &[(&str, u64, &str)] = &[
    ("sio", 0, "SIO, out of alignment"),
    ("sin", 1, "SIN, normal alignment"),
    ("sie", 2, "SIE, emergency alignment"),
    ("sios", 3, "SIOS, out of service"),
    ("sipo", 4, "SIPO, processor outage"),
    ("sib", 5, "SIB, busy"),
];

const MTP2_UNITS: &[(&str, u64, &str)] = &[
    ("fisu", 0, "fill-in signal unit"),
    ("lssu", 1, "link status signal unit"),
    ("msu", 2, "message signal unit"),
];

// ---------------------------------------------------------------------------
// MTP3

/// Service indicator (Q.704 §14.2.1, T1.111.4 §14.2.1).
pub fn service_indicator(si: u64, variant: Variant) -> Option<&'static str> {
    match (si, variant) {
        (0, _) => Some("SNM, signalling network management"),
        (1, Variant::Itu) => Some("MTN, signalling network testing and maintenance"),
        (1, Variant::Ansi) => Some("MTN, signalling network testing and maintenance regular"),
        (2, Variant::Ansi) => Some("MTNS, signalling network testing and maintenance special"),
        (3, _) => Some("SCCP"),
        (4, _) => Some("TUP"),
        (5, _) => Some("ISUP"),
        (6, _) => Some("DUP, call and circuit related"),
        (7, _) => Some("DUP, facility registration and cancellation"),
        (8, _) => Some("MTP testing user part"),
        (9, _) => Some("broadband ISUP"),
        (10, _) => Some("satellite ISUP"),
        (12, Variant::Itu) => Some("AAL type 2 signalling"),
        (13, Variant::Itu) => Some("BICC"),
        (14, Variant::Itu) => Some("gateway control protocol"),
        _ => None,
    }
}

/// Network indicator (Q.704 §14.2.2).
pub fn network_indicator(ni: u64) -> Option<&'static str> {
    find(
        &[
            (0, "international"),
            (1, "spare (international use)"),
            (2, "national"),
            (3, "reserved for national use"),
        ],
        ni,
    )
}

fn mtp3_field(at: &At<'_>, field: &str, v: u64) -> Option<&'static str> {
    match field {
        "si" => service_indicator(v, at.variant),
        "ni" => network_indicator(v),
        _ => None,
    }
}

/// SNM message acronyms (Q.704 §15, T1.111.4): serde name, meaning.
const SNM_MESSAGES: &[(&str, u64, &str)] = &[
    ("coo", 0x11, "changeover order"),
    ("coa", 0x21, "changeover acknowledgement"),
    ("xco", 0x31, "extended changeover order"),
    ("xca", 0x41, "extended changeover acknowledgement"),
    ("cbd", 0x51, "changeback declaration"),
    ("cba", 0x61, "changeback acknowledgement"),
    ("eco", 0x12, "emergency changeover order"),
    ("eca", 0x22, "emergency changeover acknowledgement"),
    ("rct", 0x13, "signalling-route-set-congestion-test"),
    ("tfc", 0x23, "transfer-controlled"),
    ("tfp", 0x14, "transfer-prohibited"),
    ("tcp", 0x24, "transfer-cluster-prohibited"),
    ("tfr", 0x34, "transfer-restricted"),
    ("tcr", 0x44, "transfer-cluster-restricted"),
    ("tfa", 0x54, "transfer-allowed"),
    ("tca", 0x64, "transfer-cluster-allowed"),
    ("rst", 0x15, "signalling-route-set-test, prohibited destination"),
    ("rsr", 0x25, "signalling-route-set-test, restricted destination"),
    ("rcp", 0x35, "signalling-route-set-test, cluster prohibited"),
    ("rcr", 0x45, "signalling-route-set-test, cluster restricted"),
    ("lin", 0x16, "link inhibit"),
    ("lun", 0x26, "link uninhibit"),
    ("lia", 0x36, "link inhibit acknowledgement"),
    ("lua", 0x46, "link uninhibit acknowledgement"),
    ("lid", 0x56, "link inhibit denied"),
    ("lfu", 0x66, "link forced uninhibit"),
    ("llt", 0x76, "link local inhibit test"),
    ("lrt", 0x86, "link remote inhibit test"),
    ("tra", 0x17, "traffic restart allowed"),
    ("trw", 0x27, "traffic restart waiting"),
    ("dlc", 0x18, "signalling-data-link-connection order"),
    ("css", 0x28, "connection successful"),
    ("cns", 0x38, "connection not successful"),
    ("cnp", 0x48, "connection not possible"),
    ("upu", 0x1a, "user part unavailable"),
    ("sltm", 0x11, "signalling link test message"),
    ("slta", 0x21, "signalling link test acknowledgement"),
];

/// The meaning of an SNM or SLT message acronym in its serde form (`"tfp"`).
pub fn snm_message(name: &str) -> Option<&'static str> {
    SNM_MESSAGES.iter().find(|(n, _, _)| *n == name).map(|(_, _, t)| *t)
}

/// UPU unavailability cause (Q.704 §15.17.5), also M3UA DUPU (RFC 4666 §3.4.5).
pub fn user_part_unavailable_cause(v: u64) -> Option<&'static str> {
    find(&[(0, "unknown"), (1, "unequipped remote user"), (2, "inaccessible remote user")], v)
}

fn snm_field(at: &At<'_>, field: &str, v: u64) -> Option<&'static str> {
    match (at.parent(), field) {
        ("upu", "user") => service_indicator(v, at.variant),
        ("upu", "cause") => user_part_unavailable_cause(v),
        // Q.704 §15.6 / T1.111.4 §15.6: the congestion status of a TFC.
        ("tfc", "status") => find(
            &[
                (0, "congestion level 0"),
                (1, "congestion level 1"),
                (2, "congestion level 2"),
                (3, "congestion level 3"),
            ],
            v,
        ),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// M3UA (RFC 4666)

const M3UA_MESSAGES: &[(&str, u64, &str)] = &[
    ("err", 0x0000, "Error (MGMT)"),
    ("ntfy", 0x0001, "Notify (MGMT)"),
    ("data", 0x0101, "Payload Data (Transfer)"),
    ("duna", 0x0201, "Destination Unavailable (SSNM)"),
    ("dava", 0x0202, "Destination Available (SSNM)"),
    ("daud", 0x0203, "Destination State Audit (SSNM)"),
    ("scon", 0x0204, "Signalling Congestion (SSNM)"),
    ("dupu", 0x0205, "Destination User Part Unavailable (SSNM)"),
    ("drst", 0x0206, "Destination Restricted (SSNM)"),
    ("asp_up", 0x0301, "ASP Up (ASPSM)"),
    ("asp_dn", 0x0302, "ASP Down (ASPSM)"),
    ("beat", 0x0303, "Heartbeat (ASPSM)"),
    ("asp_up_ack", 0x0304, "ASP Up Acknowledgement (ASPSM)"),
    ("asp_dn_ack", 0x0305, "ASP Down Acknowledgement (ASPSM)"),
    ("beat_ack", 0x0306, "Heartbeat Acknowledgement (ASPSM)"),
    ("asp_ac", 0x0401, "ASP Active (ASPTM)"),
    ("asp_ia", 0x0402, "ASP Inactive (ASPTM)"),
    ("asp_ac_ack", 0x0403, "ASP Active Acknowledgement (ASPTM)"),
    ("asp_ia_ack", 0x0404, "ASP Inactive Acknowledgement (ASPTM)"),
    ("reg_req", 0x0901, "Registration Request (RKM)"),
    ("reg_rsp", 0x0902, "Registration Response (RKM)"),
    ("dereg_req", 0x0903, "Deregistration Request (RKM)"),
    ("dereg_rsp", 0x0904, "Deregistration Response (RKM)"),
];

/// RFC 4666 §3.8.1 error codes.
const M3UA_ERRORS: &[(&str, u64, &str)] = &[
    ("invalid_version", 0x01, "invalid version"),
    ("unsupported_message_class", 0x03, "unsupported message class"),
    ("unsupported_message_type", 0x04, "unsupported message type"),
    ("unsupported_traffic_mode_type", 0x05, "unsupported traffic mode type"),
    ("unexpected_message", 0x06, "unexpected message"),
    ("protocol_error", 0x07, "protocol error"),
    ("invalid_stream_identifier", 0x09, "invalid stream identifier"),
    ("refused_management_blocking", 0x0d, "refused, management blocking"),
    ("asp_identifier_required", 0x0e, "ASP identifier required"),
    ("invalid_asp_identifier", 0x0f, "invalid ASP identifier"),
    ("invalid_parameter_value", 0x11, "invalid parameter value"),
    ("parameter_field_error", 0x12, "parameter field error"),
    ("unexpected_parameter", 0x13, "unexpected parameter"),
    ("destination_status_unknown", 0x14, "destination status unknown"),
    ("invalid_network_appearance", 0x15, "invalid network appearance"),
    ("missing_parameter", 0x16, "missing parameter"),
    ("invalid_routing_context", 0x19, "invalid routing context"),
    ("no_configured_as_for_asp", 0x1a, "no configured AS for ASP"),
];

/// RFC 4666 §3.8.1 traffic mode type.
const M3UA_TRAFFIC_MODES: &[(&str, u64, &str)] =
    &[("override", 1, "override"), ("loadshare", 2, "loadshare"), ("broadcast", 3, "broadcast")];

/// M3UA parameter tags (RFC 4666 §3.2, §3.3).
pub fn m3ua_parameter(tag: u64) -> Option<&'static str> {
    find(
        &[
            (0x0004, "INFO String"),
            (0x0006, "Routing Context"),
            (0x0007, "Diagnostic Information"),
            (0x0009, "Heartbeat Data"),
            (0x000b, "Traffic Mode Type"),
            (0x000c, "Error Code"),
            (0x000d, "Status"),
            (0x0011, "ASP Identifier"),
            (0x0012, "Affected Point Code"),
            (0x0013, "Correlation ID"),
            (0x0200, "Network Appearance"),
            (0x0204, "User/Cause"),
            (0x0205, "Congestion Indications"),
            (0x0206, "Concerned Destination"),
            (0x0207, "Routing Key"),
            (0x0208, "Registration Result"),
            (0x0209, "Deregistration Result"),
            (0x020a, "Local Routing Key Identifier"),
            (0x020b, "Destination Point Code"),
            (0x020c, "Service Indicators"),
            (0x020e, "Originating Point Code List"),
            (0x0210, "Protocol Data"),
            (0x0212, "Registration Status"),
            (0x0213, "Deregistration Status"),
        ],
        tag,
    )
}

fn m3ua_field(at: &At<'_>, field: &str, v: u64) -> Option<&'static str> {
    match (at.parent(), field) {
        ("protocol_data", "si") | ("user_cause", "user") => service_indicator(v, at.variant),
        ("protocol_data", "ni") => network_indicator(v),
        ("user_cause", "cause") => user_part_unavailable_cause(v),
        // RFC 4666 §3.8.2.
        ("status", "status_type") => find(&[(1, "AS-State_Change"), (2, "Other")], v),
        ("status", "status_info") => match at.sibling_num("status_type") {
            Some(1) => find(&[(2, "AS-INACTIVE"), (3, "AS-ACTIVE"), (4, "AS-PENDING")], v),
            Some(2) => find(
                &[
                    (1, "insufficient ASP resources active in AS"),
                    (2, "alternate ASP active"),
                    (3, "ASP failure"),
                ],
                v,
            ),
            _ => None,
        },
        (_, "congestion_indications") => find(
            &[
                (0, "no congestion or undefined"),
                (1, "congestion level 1"),
                (2, "congestion level 2"),
                (3, "congestion level 3"),
            ],
            v,
        ),
        ("unknown", "tag") => m3ua_parameter(v),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// ISUP (Q.763, T1.113)

/// Cause values (Q.850 §2.2.7), the ITU-T coding standard.
pub fn q850_cause(v: u64) -> Option<&'static str> {
    find(Q850, v)
}

const Q850: Table = &[
    (1, "unallocated (unassigned) number"),
    (2, "no route to specified transit network"),
    (3, "no route to destination"),
    (4, "send special information tone"),
    (5, "misdialled trunk prefix"),
    (6, "channel unacceptable"),
    (7, "call awarded and being delivered in an established channel"),
    (8, "preemption"),
    (9, "preemption, circuit reserved for reuse"),
    (14, "QoR: ported number"),
    (16, "normal call clearing"),
    (17, "user busy"),
    (18, "no user responding"),
    (19, "no answer from user (user alerted)"),
    (20, "subscriber absent"),
    (21, "call rejected"),
    (22, "number changed"),
    (23, "redirection to new destination"),
    (25, "exchange routing error"),
    (26, "non-selected user clearing"),
    (27, "destination out of order"),
    (28, "invalid number format (address incomplete)"),
    (29, "facility rejected"),
    (30, "response to STATUS ENQUIRY"),
    (31, "normal, unspecified"),
    (34, "no circuit/channel available"),
    (38, "network out of order"),
    (39, "permanent frame mode connection out of service"),
    (40, "permanent frame mode connection operational"),
    (41, "temporary failure"),
    (42, "switching equipment congestion"),
    (43, "access information discarded"),
    (44, "requested circuit/channel not available"),
    (46, "precedence call blocked"),
    (47, "resource unavailable, unspecified"),
    (49, "quality of service not available"),
    (50, "requested facility not subscribed"),
    (53, "outgoing calls barred within CUG"),
    (55, "incoming calls barred within CUG"),
    (57, "bearer capability not authorized"),
    (58, "bearer capability not presently available"),
    (62, "inconsistency in designated outgoing access information and subscriber class"),
    (63, "service or option not available, unspecified"),
    (65, "bearer capability not implemented"),
    (66, "channel type not implemented"),
    (69, "requested facility not implemented"),
    (70, "only restricted digital information bearer capability is available"),
    (79, "service or option not implemented, unspecified"),
    (81, "invalid call reference value"),
    (82, "identified channel does not exist"),
    (83, "a suspended call exists, but this call identity does not"),
    (84, "call identity in use"),
    (85, "no call suspended"),
    (86, "call having the requested call identity has been cleared"),
    (87, "user not member of CUG"),
    (88, "incompatible destination"),
    (90, "non-existent CUG"),
    (91, "invalid transit network selection"),
    (95, "invalid message, unspecified"),
    (96, "mandatory information element is missing"),
    (97, "message type non-existent or not implemented"),
    (98, "message not compatible with call state or message type non-existent or not implemented"),
    (99, "information element/parameter non-existent or not implemented"),
    (100, "invalid information element contents"),
    (101, "message not compatible with call state"),
    (102, "recovery on timer expiry"),
    (103, "parameter non-existent or not implemented, passed on"),
    (110, "message with unrecognized parameter, discarded"),
    (111, "protocol error, unspecified"),
    (127, "interworking, unspecified"),
];

/// ANSI cause values of the national coding standard (T1.113 §3.12) that
/// differ from Q.850; others fall back to Q.850.
const ANSI_CAUSES: Table = &[
    (23, "unallocated destination number"),
    (24, "unknown business group"),
    (25, "exchange routing error"),
    (26, "misrouted call to a ported number"),
    (27, "number portability QoR number not found"),
    (45, "preemption"),
    (46, "precedence call blocked"),
    (51, "call type incompatible with service request"),
    (54, "call blocked due to group restrictions"),
];

/// A cause value under its coding standard (0 ITU-T, 2 national).
pub fn cause_value(v: u64, coding_standard: u64, variant: Variant) -> Option<&'static str> {
    if coding_standard == 2 && variant == Variant::Ansi {
        find(ANSI_CAUSES, v).or_else(|| find(Q850, v))
    } else {
        find(Q850, v)
    }
}

/// Cause location (Q.850 §2.2.5).
pub fn cause_location(v: u64) -> Option<&'static str> {
    find(
        &[
            (0, "user"),
            (1, "private network serving the local user"),
            (2, "public network serving the local user"),
            (3, "transit network"),
            (4, "public network serving the remote user"),
            (5, "private network serving the remote user"),
            (7, "international network"),
            (10, "network beyond interworking point"),
        ],
        v,
    )
}

/// Nature of address indicator of an ISUP number (Q.763 §3.9 b), T1.113 §3.9).
pub fn isup_nature_of_address(v: u64, variant: Variant) -> Option<&'static str> {
    let common = find(
        &[
            (1, "subscriber number"),
            (2, "unknown"),
            (3, "national (significant) number"),
            (4, "international number"),
        ],
        v,
    );
    match variant {
        Variant::Itu => common.or_else(|| {
            find(
                &[
                    (5, "network-specific number"),
                    (6, "network routing number in national (significant) number format"),
                    (7, "network routing number in network-specific number format"),
                    (8, "network routing number concatenated with called directory number"),
                ],
                v,
            )
        }),
        Variant::Ansi => common.or_else(|| {
            find(
                &[
                    (113, "test line test code"),
                    (115, "non-unique subscriber number"),
                    (117, "non-unique national (significant) number"),
                    (119, "non-unique international number"),
                ],
                v,
            )
        }),
    }
}

/// Nature of address of the ANSI charge number (T1.113 §3.10A).
const ANSI_CHARGE_NAI: Table = &[
    (1, "ANI of the calling party; subscriber number"),
    (2, "ANI not available or not provided"),
    (3, "ANI of the calling party; national number"),
    (5, "ANI of the called party; subscriber number"),
    (6, "ANI of the called party; no number present"),
    (7, "ANI of the called party; national number"),
];

/// Numbering plan indicator of an ISUP number (Q.763 §3.9 d)).
pub fn isup_numbering_plan(v: u64) -> Option<&'static str> {
    find(
        &[
            (1, "ISDN/telephony E.164"),
            (3, "data X.121"),
            (4, "telex F.69"),
            (5, "private numbering plan"),
            (6, "reserved for national use"),
        ],
        v,
    )
}

/// Calling party's category (Q.763 §3.11, T1.113 §3.8).
pub fn calling_partys_category(v: u64) -> Option<&'static str> {
    match v {
        0 => Some("unknown at this time"),
        1 => Some("operator, language French"),
        2 => Some("operator, language English"),
        3 => Some("operator, language German"),
        4 => Some("operator, language Russian"),
        5 => Some("operator, language Spanish"),
        6..=8 => Some("operator, language by mutual agreement"),
        9 => Some("national operator"),
        10 => Some("ordinary calling subscriber"),
        11 => Some("calling subscriber with priority"),
        12 => Some("data call (voice band data)"),
        13 => Some("test call"),
        15 => Some("payphone"),
        224..=254 => Some("reserved for national use"),
        _ => None,
    }
}

/// ISUP parameter names by code (Q.763 Table 5, T1.113 Table 3).
pub fn isup_parameter(code: u64, variant: Variant) -> Option<&'static str> {
    let ansi = match (variant, code) {
        (Variant::Ansi, 0xc0) => Some("generic address"),
        (Variant::Ansi, 0xc1) => Some("generic digits"),
        (Variant::Ansi, 0xc2) => Some("operator services information"),
        (Variant::Ansi, 0xc3) => Some("egress service"),
        (Variant::Ansi, 0xc4) => Some("jurisdiction information"),
        (Variant::Ansi, 0xc5) => Some("carrier identification"),
        (Variant::Ansi, 0xc6) => Some("business group"),
        (Variant::Ansi, 0xc7) => Some("generic name"),
        (Variant::Ansi, 0xe5) => Some("circuit group characteristic indicator"),
        (Variant::Ansi, 0xe6) => Some("circuit validation response indicator"),
        (Variant::Ansi, 0xe7) => Some("outgoing trunk group number"),
        (Variant::Ansi, 0xe8) => Some("circuit identification name"),
        (Variant::Ansi, 0xe9) => Some("common language location identification"),
        (Variant::Ansi, 0xea) => Some("originating line information"),
        (Variant::Ansi, 0xeb) => Some("charge number"),
        (Variant::Ansi, 0xec) => Some("service code indicator"),
        (Variant::Ansi, 0xed) => Some("special processing request"),
        (Variant::Ansi, 0xee) => Some("carrier selection information"),
        (Variant::Ansi, 0xef) => Some("network transport"),
        _ => None,
    };
    ansi.or_else(|| find(ISUP_PARAMETERS, code))
}

const ISUP_PARAMETERS: Table = &[
    (0x00, "end of optional parameters"),
    (0x01, "call reference"),
    (0x02, "transmission medium requirement"),
    (0x03, "access transport"),
    (0x04, "called party number"),
    (0x05, "subsequent number"),
    (0x06, "nature of connection indicators"),
    (0x07, "forward call indicators"),
    (0x08, "optional forward call indicators"),
    (0x09, "calling party's category"),
    (0x0a, "calling party number"),
    (0x0b, "redirecting number"),
    (0x0c, "redirection number"),
    (0x0d, "connection request"),
    (0x0e, "information request indicators"),
    (0x0f, "information indicators"),
    (0x10, "continuity indicators"),
    (0x11, "backward call indicators"),
    (0x12, "cause indicators"),
    (0x13, "redirection information"),
    (0x15, "circuit group supervision message type"),
    (0x16, "range and status"),
    (0x18, "facility indicator"),
    (0x1a, "closed user group interlock code"),
    (0x1d, "user service information"),
    (0x1e, "signalling point code"),
    (0x20, "user-to-user information"),
    (0x21, "connected number"),
    (0x22, "suspend/resume indicators"),
    (0x23, "transit network selection"),
    (0x24, "event information"),
    (0x26, "circuit state indicator"),
    (0x27, "automatic congestion level"),
    (0x28, "original called number"),
    (0x29, "optional backward call indicators"),
    (0x2a, "user-to-user indicators"),
    (0x2b, "origination ISC point code"),
    (0x2c, "generic notification indicator"),
    (0x2d, "call history information"),
    (0x2e, "access delivery information"),
    (0x2f, "network specific facility"),
    (0x30, "user service information prime"),
    (0x31, "propagation delay counter"),
    (0x32, "remote operations"),
    (0x33, "service activation"),
    (0x34, "user teleservice information"),
    (0x35, "transmission medium used"),
    (0x36, "call diversion information"),
    (0x37, "echo control information"),
    (0x38, "message compatibility information"),
    (0x39, "parameter compatibility information"),
    (0x3a, "MLPP precedence"),
    (0x3b, "MCID request indicators"),
    (0x3c, "MCID response indicators"),
    (0x3d, "hop counter"),
    (0x3e, "transmission medium requirement prime"),
    (0x3f, "location number"),
    (0x40, "redirection number restriction"),
    (0x41, "call transfer reference"),
    (0x42, "loop prevention indicators"),
    (0x43, "call transfer number"),
    (0x44, "CCSS"),
    (0x45, "forward GVNS"),
    (0x46, "backward GVNS"),
    (0x47, "redirect capability"),
    (0x4b, "correlation id"),
    (0x4c, "SCF id"),
    (0x6e, "call diversion treatment indicators"),
    (0x6f, "called IN number"),
    (0x70, "call offering treatment indicators"),
    (0x71, "charged party identification"),
    (0x72, "conference treatment indicators"),
    (0x73, "display information"),
    (0x74, "UID action indicators"),
    (0x75, "UID capability indicators"),
    (0x77, "redirect counter"),
    (0x78, "application transport"),
    (0x79, "collect call request"),
    (0x7a, "CCNR possible indicator"),
    (0x7b, "pivot capability"),
    (0x7c, "pivot routing indicators"),
    (0x7d, "called directory number"),
    (0x7e, "original called IN number"),
    (0xc0, "generic number"),
    (0xc1, "generic digits"),
];

/// Originating line information (ANSI T1.113 §3.36A; the NANP ANI II digits).
pub fn originating_line_information(v: u64) -> Option<&'static str> {
    find(
        &[
            (0, "identified line, no special treatment"),
            (1, "ONI (multiparty)"),
            (2, "ANI failure"),
            (6, "hotel/motel"),
            (7, "coinless, hospital, inmate"),
            (8, "interLATA restricted"),
            (20, "AIOD, listed DN sent"),
            (23, "coin or non-coin on calls using database access"),
            (24, "800/888 service call"),
            (27, "payphone using coin control signalling"),
            (29, "prison/inmate service"),
            (30, "intercept (blank)"),
            (31, "intercept (trouble)"),
            (32, "intercept (regular)"),
            (34, "telco operator handled call"),
            (52, "outward WATS"),
            (60, "TRS, unrestricted"),
            (61, "cellular/wireless PCS (type 1)"),
            (62, "cellular/wireless PCS (type 2)"),
            (63, "cellular/wireless PCS (roaming)"),
            (66, "TRS, hotel/motel"),
            (67, "TRS, restricted"),
            (70, "private paystation"),
            (93, "access for private virtual network service"),
        ],
        v,
    )
}

const NOT_REQUESTED: Table = &[(0, "not requested"), (1, "requested")];
const NOT_INCLUDED: Table = &[(0, "not included"), (1, "included")];
const END_TO_END_METHOD: Table = &[
    (0, "no end-to-end method available"),
    (1, "pass-along method available"),
    (2, "SCCP method available"),
    (3, "pass-along and SCCP methods available"),
];
const SCCP_METHOD: Table = &[
    (0, "no indication"),
    (1, "connectionless method available"),
    (2, "connection oriented method available"),
    (3, "connectionless and connection oriented methods available"),
];
const SIMPLE_SEGMENTATION: Table = &[
    (0, "no additional information will be sent"),
    (1, "additional information will be sent in a segmentation message"),
];

/// Numbers whose bit 8 of the second octet is INN (routing to an internal
/// network number); in the others it is NI (number incomplete).
const INN_NUMBERS: &[&str] = &["called_party_number", "redirection_number"];
/// Numbers with no presentation indicator (spare bits there).
const NO_PRESENTATION: &[&str] =
    &["called_party_number", "redirection_number", "subsequent_number", "charge_number"];
/// Numbers with no screening indicator (spare bits there; Q.763 §3.44, §3.39, T1.113 §3.10A).
const NO_SCREENING: &[&str] = &[
    "called_party_number",
    "redirection_number",
    "subsequent_number",
    "charge_number",
    "redirecting_number",
    "original_called_number",
];
/// Numbers with neither INN nor NI in bit 8 of their second octet.
const NO_INN_NI: &[&str] = &["redirecting_number", "original_called_number", "charge_number"];
const NUMBERS: &[&str] = &[
    "called_party_number",
    "calling_party_number",
    "redirecting_number",
    "redirection_number",
    "original_called_number",
    "connected_number",
    "location_number",
    "generic_number",
    "charge_number",
];

#[allow(clippy::too_many_lines)]
fn isup_field(at: &At<'_>, field: &str, v: u64) -> Option<&'static str> {
    let parent = at.parent();
    let variant = at.variant;
    if NUMBERS.contains(&parent) {
        return match field {
            "nature_of_address" if parent == "charge_number" && variant == Variant::Ansi => {
                find(ANSI_CHARGE_NAI, v)
            }
            "nature_of_address" => isup_nature_of_address(v, variant),
            "numbering_plan" => isup_numbering_plan(v),
            "inn_ni" if INN_NUMBERS.contains(&parent) => find(
                &[
                    (0, "routing to internal network number allowed"),
                    (1, "routing to internal network number not allowed"),
                ],
                v,
            ),
            "inn_ni" if !NO_INN_NI.contains(&parent) => find(&[(0, "complete"), (1, "incomplete")], v),
            "presentation" if !NO_PRESENTATION.contains(&parent) => find(
                &[
                    (0, "presentation allowed"),
                    (1, "presentation restricted"),
                    (2, "address not available"),
                    (3, "reserved for restriction by the network"),
                ],
                v,
            ),
            "screening" if !NO_SCREENING.contains(&parent) => find(
                &[
                    (0, "user provided, not verified"),
                    (1, "user provided, verified and passed"),
                    (2, "user provided, verified and failed"),
                    (3, "network provided"),
                ],
                v,
            ),
            "qualifier" => match variant {
                // Q.763 §3.26.
                Variant::Itu => find(
                    &[
                        (0, "dialled digits"),
                        (1, "additional called number"),
                        (2, "supplementary user provided calling number, failed network screening"),
                        (3, "supplementary user provided calling number, not screened"),
                        (4, "redirecting terminating number"),
                        (5, "additional connected number"),
                        (6, "additional calling party number"),
                        (7, "additional original called number"),
                        (8, "additional redirecting number"),
                        (9, "additional redirection number"),
                    ],
                    v,
                ),
                // T1.113 §3.26A, type of address of the generic address.
                Variant::Ansi => find(
                    &[
                        (0, "dialed number"),
                        (1, "destination number"),
                        (2, "supplemental user provided calling address, failed network screening"),
                        (3, "supplemental user provided calling address, not screened"),
                        (4, "completion number"),
                    ],
                    v,
                ),
            },
            _ => None,
        };
    }
    match (parent, field) {
        (_, "calling_partys_category") if !at.under("information_request_indicators") => {
            calling_partys_category(v)
        }
        // Q.763 §3.54.
        (_, "transmission_medium_requirement") => find(
            &[
                (0, "speech"),
                (2, "64 kbit/s unrestricted"),
                (3, "3.1 kHz audio"),
                (4, "reserved for alternate speech (service 2)/64 kbit/s unrestricted (service 1)"),
                (5, "reserved for alternate 64 kbit/s unrestricted (service 1)/speech (service 2)"),
                (6, "64 kbit/s preferred"),
                (7, "2 x 64 kbit/s unrestricted"),
                (8, "384 kbit/s unrestricted"),
                (9, "1536 kbit/s unrestricted"),
                (10, "1920 kbit/s unrestricted"),
            ],
            v,
        ),
        (_, "originating_line_information") => originating_line_information(v),
        (_, "facility_indicator") => find(&[(2, "user-to-user service")], v),
        (_, "circuit_validation_response_indicator") => {
            find(&[(0, "validation unsuccessful"), (1, "validation successful")], v)
        }
        ("unknown", "code") => isup_parameter(v, variant),
        // Q.763 §3.35.
        ("nature_of_connection_indicators", "satellite") => find(
            &[
                (0, "no satellite circuit in the connection"),
                (1, "one satellite circuit"),
                (2, "two satellite circuits"),
            ],
            v,
        ),
        ("nature_of_connection_indicators", "continuity_check") => find(
            &[
                (0, "continuity check not required"),
                (1, "continuity check required on this circuit"),
                (2, "continuity check performed on a previous circuit"),
            ],
            v,
        ),
        ("nature_of_connection_indicators", "echo_control_device") => find(
            &[(0, "outgoing echo control device not included"), (1, "outgoing echo control device included")],
            v,
        ),
        // Q.763 §3.23 (forward), §3.5 (backward).
        ("forward_call_indicators", "national_international") => {
            find(&[(0, "national call"), (1, "international call")], v)
        }
        ("forward_call_indicators" | "backward_call_indicators", "end_to_end_method") => {
            find(END_TO_END_METHOD, v)
        }
        ("forward_call_indicators" | "backward_call_indicators", "interworking") => {
            find(&[(0, "no interworking encountered"), (1, "interworking encountered")], v)
        }
        ("forward_call_indicators" | "backward_call_indicators", "end_to_end_information") => {
            find(&[(0, "no end-to-end information available"), (1, "end-to-end information available")], v)
        }
        ("forward_call_indicators" | "backward_call_indicators", "isup") => {
            find(&[(0, "ISDN user part not used all the way"), (1, "ISDN user part used all the way")], v)
        }
        ("forward_call_indicators", "isup_preference") => find(
            &[
                (0, "ISDN user part preferred all the way"),
                (1, "ISDN user part not required all the way"),
                (2, "ISDN user part required all the way"),
            ],
            v,
        ),
        ("forward_call_indicators", "isdn_access") => {
            find(&[(0, "originating access non-ISDN"), (1, "originating access ISDN")], v)
        }
        ("backward_call_indicators", "isdn_access") => {
            find(&[(0, "terminating access non-ISDN"), (1, "terminating access ISDN")], v)
        }
        ("forward_call_indicators" | "backward_call_indicators", "sccp_method") => find(SCCP_METHOD, v),
        ("forward_call_indicators", "ported_number_translated") => {
            find(&[(0, "number not translated"), (1, "number translated")], v)
        }
        ("forward_call_indicators", "query_on_release") => {
            find(&[(0, "no QoR routing attempt in progress"), (1, "QoR routing attempt in progress")], v)
        }
        ("backward_call_indicators", "charge") => {
            find(&[(0, "no indication"), (1, "no charge"), (2, "charge")], v)
        }
        ("backward_call_indicators", "called_party_status") => {
            find(&[(0, "no indication"), (1, "subscriber free"), (2, "connect when free")], v)
        }
        ("backward_call_indicators", "called_party_category") => {
            find(&[(0, "no indication"), (1, "ordinary subscriber"), (2, "payphone")], v)
        }
        ("backward_call_indicators", "holding") => {
            find(&[(0, "holding not requested"), (1, "holding requested")], v)
        }
        ("backward_call_indicators", "echo_control_device") => find(
            &[(0, "incoming echo control device not included"), (1, "incoming echo control device included")],
            v,
        ),
        // Q.763 §3.38, §3.37.
        ("optional_forward_call_indicators", "closed_user_group") => find(
            &[
                (0, "non-CUG call"),
                (2, "closed user group call, outgoing access allowed"),
                (3, "closed user group call, outgoing access not allowed"),
            ],
            v,
        ),
        ("optional_forward_call_indicators" | "optional_backward_call_indicators", "simple_segmentation") => {
            find(SIMPLE_SEGMENTATION, v)
        }
        ("optional_forward_call_indicators", "connected_line_identity_request") => find(NOT_REQUESTED, v),
        ("optional_backward_call_indicators", "inband_information") => find(
            &[(0, "no indication"), (1, "in-band information or an appropriate pattern is now available")],
            v,
        ),
        ("optional_backward_call_indicators", "call_diversion_may_occur") => {
            find(&[(0, "no indication"), (1, "call diversion may occur")], v)
        }
        ("optional_backward_call_indicators", "mlpp_user") => {
            find(&[(0, "no indication"), (1, "MLPP user")], v)
        }
        // Q.850 §2.2 as carried by Q.763 §3.12.
        ("cause_indicators", "coding_standard") => find(
            &[
                (0, "ITU-T standardized coding"),
                (1, "ISO/IEC standard"),
                (2, "national standard"),
                (3, "standard specific to identified location"),
            ],
            v,
        ),
        ("cause_indicators", "location") => cause_location(v),
        ("cause_indicators", "recommendation") => {
            find(&[(0, "Q.931"), (3, "X.21"), (4, "X.25"), (5, "Q.1031/Q.1051")], v)
        }
        ("cause_indicators", "value") => {
            cause_value(v, at.sibling_num("coding_standard").unwrap_or(0), variant)
        }
        // Q.763 §3.21.
        ("event_information", "event") => find(
            &[
                (1, "ALERTING"),
                (2, "PROGRESS"),
                (3, "in-band information or an appropriate pattern is now available"),
                (4, "call forwarded on busy"),
                (5, "call forwarded on no reply"),
                (6, "call forwarded unconditional"),
            ],
            v,
        ),
        ("event_information", "presentation_restricted") => {
            find(&[(0, "no indication"), (1, "presentation restricted")], v)
        }
        ("continuity_indicators", "continuity") => {
            find(&[(0, "continuity check failed"), (1, "continuity check successful")], v)
        }
        ("suspend_resume_indicators", "network_initiated") => {
            find(&[(0, "ISDN subscriber initiated"), (1, "network initiated")], v)
        }
        ("circuit_group_supervision_message_type", "type_indicator") => {
            find(&[(0, "maintenance oriented"), (1, "hardware failure oriented")], v)
        }
        // Q.763 §3.29, §3.28.
        (
            "information_request_indicators",
            "calling_party_address" | "holding" | "calling_partys_category",
        )
        | ("information_request_indicators", "charge_information" | "malicious_call_identification") => {
            find(NOT_REQUESTED, v)
        }
        ("information_indicators", "calling_party_address_response") => find(
            &[
                (0, "calling party address not included"),
                (1, "calling party address not available"),
                (3, "calling party address included"),
            ],
            v,
        ),
        ("information_indicators", "hold_provided") => {
            find(&[(0, "hold not provided"), (1, "hold provided")], v)
        }
        ("information_indicators", "calling_partys_category_response" | "charge_information_response") => {
            find(NOT_INCLUDED, v)
        }
        ("information_indicators", "solicited") => find(&[(0, "solicited"), (1, "unsolicited")], v),
        // Q.763 §3.45.
        ("redirection_information", "redirecting_indicator") => find(
            &[
                (0, "no redirection"),
                (1, "call rerouted"),
                (2, "call rerouted, all redirection information presentation restricted"),
                (3, "call diverted"),
                (4, "call diverted, all redirection information presentation restricted"),
                (5, "call rerouted, redirection number presentation restricted"),
                (6, "call diversion, redirection number presentation restricted"),
            ],
            v,
        ),
        ("redirection_information", "original_redirection_reason") => {
            find(&[(0, "unknown/not available"), (1, "user busy"), (2, "no reply"), (3, "unconditional")], v)
        }
        ("redirection_information", "redirecting_reason") => find(
            &[
                (0, "unknown/not available"),
                (1, "user busy"),
                (2, "no reply"),
                (3, "unconditional"),
                (4, "deflection during alerting"),
                (5, "deflection immediate response"),
                (6, "mobile subscriber not reachable"),
            ],
            v,
        ),
        // Q.763 §3.24.
        ("generic_digits", "encoding") => {
            find(&[(0, "BCD even"), (1, "BCD odd"), (2, "IA5"), (3, "binary")], v)
        }
        ("generic_digits", "type_of_digits") => find(
            &[
                (0, "account code"),
                (1, "authorisation code"),
                (2, "private networking travelling class mark"),
                (3, "business communication group identity"),
            ],
            v,
        ),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// SCCP (Q.713, T1.112)

const SCCP_MESSAGES: &[(&str, u64, &str)] = &[
    ("cr", 0x01, "CR, connection request"),
    ("cc", 0x02, "CC, connection confirm"),
    ("cref", 0x03, "CREF, connection refused"),
    ("rlsd", 0x04, "RLSD, released"),
    ("rlc", 0x05, "RLC, release complete"),
    ("dt1", 0x06, "DT1, data form 1"),
    ("dt2", 0x07, "DT2, data form 2"),
    ("ak", 0x08, "AK, data acknowledgement"),
    ("udt", 0x09, "UDT, unitdata"),
    ("udts", 0x0a, "UDTS, unitdata service"),
    ("ed", 0x0b, "ED, expedited data"),
    ("ea", 0x0c, "EA, expedited data acknowledgement"),
    ("rsr", 0x0d, "RSR, reset request"),
    ("rsc", 0x0e, "RSC, reset confirm"),
    ("err", 0x0f, "ERR, protocol data unit error"),
    ("it", 0x10, "IT, inactivity test"),
    ("xudt", 0x11, "XUDT, extended unitdata"),
    ("xudts", 0x12, "XUDTS, extended unitdata service"),
    ("ludt", 0x13, "LUDT, long unitdata"),
    ("ludts", 0x14, "LUDTS, long unitdata service"),
];

/// Global title indicator by the codec's form names (Q.713 §3.4.1).
const ITU_GT_FORMS: &[(&str, u64, &str)] = &[
    ("nai", 1, "GTI 1: nature of address indicator"),
    ("tt", 2, "GTI 2: translation type"),
    ("tt_np_es", 3, "GTI 3: translation type, numbering plan, encoding scheme"),
    ("tt_np_es_nai", 4, "GTI 4: translation type, numbering plan, encoding scheme, nature of address"),
];

/// Global title indicator by the codec's form names (T1.112.3 §3.4.1): the
/// ANSI numbering of the same forms differs from ITU's.
const ANSI_GT_FORMS: &[(&str, u64, &str)] = &[
    ("tt_np_es", 1, "GTI 1: translation type, numbering plan, encoding scheme"),
    ("tt", 2, "GTI 2: translation type"),
];

/// Routing indicator (Q.713 §3.4.1, bit 7 of the address indicator).
const SCCP_ROUTING: &[(&str, u64, &str)] =
    &[("global_title", 0, "route on global title"), ("pc_ssn", 1, "route on point code and SSN")];

/// Return cause (Q.713 §3.12) by the codec's serde names.
const SCCP_RETURN_CAUSES: &[(&str, u64, &str)] = &[
    ("no_translation_for_nature", 0, "no translation for an address of such nature"),
    ("no_translation_for_address", 1, "no translation for this specific address"),
    ("subsystem_congestion", 2, "subsystem congestion"),
    ("subsystem_failure", 3, "subsystem failure"),
    ("unequipped_user", 4, "unequipped user"),
    ("mtp_failure", 5, "MTP failure"),
    ("network_congestion", 6, "network congestion"),
    ("unqualified", 7, "unqualified"),
    ("error_in_message_transport", 8, "error in message transport"),
    ("error_in_local_processing", 9, "error in local processing"),
    ("destination_cannot_perform_reassembly", 10, "destination cannot perform reassembly"),
    ("sccp_failure", 11, "SCCP failure"),
    ("hop_counter_violation", 12, "hop counter violation"),
    ("segmentation_not_supported", 13, "segmentation not supported"),
    ("segmentation_failure", 14, "segmentation failure"),
];

/// Subsystem number (Q.713 §3.4.2.2; T1.112.3 §3.4.2.2 for ANSI).
pub fn ssn(v: u64, variant: Variant) -> Option<&'static str> {
    let common = find(
        &[
            (0, "SSN not known/not used"),
            (1, "SCCP management"),
            (3, "ISDN user part"),
            (4, "OMAP"),
            (5, "MAP"),
            (6, "HLR"),
            (7, "VLR"),
            (8, "MSC"),
        ],
        v,
    );
    match variant {
        Variant::Ansi => common,
        Variant::Itu => common.or_else(|| {
            find(
                &[
                    (9, "EIR"),
                    (10, "AUC"),
                    (11, "ISDN supplementary services"),
                    (13, "broadband ISDN edge-to-edge applications"),
                    (14, "TC test responder"),
                    (142, "RANAP"),
                    (143, "RNSAP"),
                    (145, "GMLC"),
                    (146, "CAP"),
                    (147, "gsmSCF"),
                    (148, "SIWF"),
                    (149, "SGSN"),
                    (150, "GGSN"),
                    (241, "INAP"),
                    (249, "PCAP"),
                    (250, "BSC (BSSAP-LE)"),
                    (251, "MSC (BSSAP-LE)"),
                    (252, "SMLC (BSSAP-LE)"),
                    (253, "BSS O&M (A interface)"),
                    (254, "BSSAP"),
                ],
                v,
            )
        }),
    }
}

/// Nature of address of a global title (Q.713 §3.4.2.3.1).
pub fn gt_nature_of_address(v: u64) -> Option<&'static str> {
    find(
        &[
            (0, "unknown"),
            (1, "subscriber number"),
            (2, "reserved for national use"),
            (3, "national significant number"),
            (4, "international number"),
        ],
        v,
    )
}

/// Numbering plan of a global title (Q.713 §3.4.2.3.3, T1.112.3 §3.4.2.3).
pub fn gt_numbering_plan(v: u64) -> Option<&'static str> {
    find(
        &[
            (0, "unknown"),
            (1, "ISDN/telephony E.164"),
            (2, "generic"),
            (3, "data X.121"),
            (4, "telex F.69"),
            (5, "maritime mobile E.210/E.211"),
            (6, "land mobile E.212"),
            (7, "ISDN/mobile E.214"),
            (14, "private network or network-specific"),
        ],
        v,
    )
}

/// Refusal cause (Q.713 §3.15).
const SCCP_REFUSAL: Table = &[
    (0, "end user originated"),
    (1, "end user congestion"),
    (2, "end user failure"),
    (3, "SCCP user originated"),
    (4, "destination address unknown"),
    (5, "destination inaccessible"),
    (6, "network resource, QoS not available/non-transient"),
    (7, "network resource, QoS not available/transient"),
    (8, "access failure"),
    (9, "access congestion"),
    (10, "subsystem failure"),
    (11, "subsystem congestion"),
    (12, "expiration of the connection establishment timer"),
    (13, "incompatible user data"),
    (15, "unqualified"),
    (16, "hop counter violation"),
    (17, "SCCP failure"),
    (18, "no translation for an address of such nature"),
    (19, "unequipped user"),
];

/// Release cause (Q.713 §3.11).
const SCCP_RELEASE: Table = &[
    (0, "end user originated"),
    (1, "end user congestion"),
    (2, "end user failure"),
    (3, "SCCP user originated"),
    (4, "remote procedure error"),
    (5, "inconsistent connection data"),
    (6, "access failure"),
    (7, "access congestion"),
    (8, "subsystem failure"),
    (9, "subsystem congestion"),
    (10, "MTP failure"),
    (11, "network congestion"),
    (12, "expiration of reset timer"),
    (13, "expiration of receive inactivity timer"),
    (15, "unqualified"),
    (16, "SCCP failure"),
];

/// Reset cause (Q.713 §3.13).
const SCCP_RESET: Table = &[
    (0, "end user originated"),
    (1, "SCCP user originated"),
    (2, "message out of order, incorrect send sequence number"),
    (3, "message out of order, incorrect receive sequence number"),
    (4, "remote procedure error, message out of window"),
    (5, "remote procedure error, incorrect P(S) after (re)initialization"),
    (6, "remote procedure error, general"),
    (7, "remote end user operational"),
    (8, "network operational"),
    (9, "access operational"),
    (10, "network congestion"),
    (12, "unqualified"),
];

/// Error cause (Q.713 §3.14).
const SCCP_ERROR: Table = &[
    (0, "local reference number mismatch, unassigned destination LRN"),
    (1, "local reference number mismatch, inconsistent source LRN"),
    (2, "point code mismatch"),
    (3, "service class mismatch"),
    (4, "unqualified"),
];

fn sccp_field(at: &At<'_>, field: &str, v: u64) -> Option<&'static str> {
    match (at.parent(), field) {
        // Q.713 §3.6.
        ("protocol_class", "class") => find(
            &[
                (0, "basic connectionless"),
                (1, "sequenced connectionless"),
                (2, "basic connection-oriented"),
                (3, "flow control connection-oriented"),
            ],
            v,
        ),
        (_, "ssn") => ssn(v, at.variant),
        ("global_title", "nature_of_address") => gt_nature_of_address(v),
        ("global_title", "numbering_plan") => gt_numbering_plan(v),
        // Q.713 §3.4.2.3.2: translation type ranges.
        ("global_title", "translation_type") if at.variant == Variant::Itu => match v {
            0 => Some("unknown"),
            1..=63 => Some("international services"),
            128..=254 => Some("national network specific"),
            _ => None,
        },
        ("global_title", "encoding_scheme") => {
            find(&[(0, "unknown"), (1, "BCD, odd number of digits"), (2, "BCD, even number of digits")], v)
        }
        (_, "refusal_cause") => find(SCCP_REFUSAL, v),
        (_, "release_cause") => find(SCCP_RELEASE, v),
        (_, "reset_cause") => find(SCCP_RESET, v),
        (_, "error_cause") => find(SCCP_ERROR, v),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// TCAP (Q.773, T1.114), INAP (Q.1218), AIN 0.2 (GR-1299)

/// INAP CS-1 error codes (Q.1218 §3.2).
pub fn inap_error(v: u64) -> Option<&'static str> {
    find(
        &[
            (0, "cancelled"),
            (1, "cancelFailed"),
            (3, "eTCFailed"),
            (4, "improperCallerResponse"),
            (6, "missingCustomerRecord"),
            (7, "missingParameter"),
            (8, "parameterOutOfRange"),
            (10, "requestedInfoError"),
            (11, "systemFailure"),
            (12, "taskRefused"),
            (13, "unavailableResource"),
            (14, "unexpectedComponentSequence"),
            (15, "unexpectedDataValue"),
            (16, "unexpectedParameter"),
            (17, "unknownLegID"),
            (18, "unknownResource"),
        ],
        v,
    )
}

/// An INAP operation's name by ITU local operation code.
pub fn inap_operation(v: u64) -> Option<&'static str> {
    let code = i64::try_from(v).ok()?;
    match crate::inap::InapOpcode::from_code(code) {
        crate::inap::InapOpcode::Unknown(_) => None,
        op => Some(op.name()),
    }
}

/// An AIN 0.2 operation's name by ANSI private operation code.
pub fn ain_operation(v: u64) -> Option<&'static str> {
    let code = u16::try_from(v).ok()?;
    match crate::ain::AinOpcode::from_code(code) {
        crate::ain::AinOpcode::Unknown(_) => None,
        op => Some(op.name()),
    }
}

/// ANSI national operation codes (T1.114 §4.2.2.2): family (reply-required
/// bit masked) and specifier.
pub fn ansi_national_operation(v: u64) -> Option<&'static str> {
    let family = (v >> 8) & 0x7f;
    let spec = v & 0xff;
    let t: Table = match family {
        1 => &[(1, "Parameter: Provide Value"), (2, "Parameter: Set Value")],
        2 => &[(1, "Charging: Bill Call")],
        3 => &[(1, "Provide Instructions: Start"), (2, "Provide Instructions: Assist")],
        4 => &[
            (1, "Connection Control: Connect"),
            (2, "Connection Control: Temporary Connect"),
            (3, "Connection Control: Disconnect"),
            (4, "Connection Control: Forward Disconnect"),
        ],
        5 => &[
            (1, "Caller Interaction: Play Announcement"),
            (2, "Caller Interaction: Play Announcement and Collect Digits"),
            (3, "Caller Interaction: Indicate Information Waiting"),
            (4, "Caller Interaction: Indicate Information Provided"),
        ],
        6 => &[(1, "Send Notification: When Party Free")],
        7 => &[(1, "Network Management: Automatic Code Gap")],
        8 => &[
            (1, "Procedural: Temporary Handover"),
            (2, "Procedural: Report Assist Termination"),
            (3, "Procedural: Security"),
        ],
        9 => &[(1, "Operation Control: Cancel")],
        10 => &[(1, "Report Event: Voice Message Available"), (2, "Report Event: Voice Message Retrieved")],
        126 => &[(1, "Miscellaneous: Queue Call"), (2, "Miscellaneous: Dequeue Call")],
        _ => &[],
    };
    find(t, spec)
}

/// ANSI national error codes (T1.114 §4.2.2.3).
pub fn ansi_national_error(v: u64) -> Option<&'static str> {
    find(
        &[
            (1, "unexpected component sequence"),
            (2, "unexpected data value"),
            (3, "unavailable resource"),
            (4, "missing customer record"),
            (6, "data unavailable"),
            (7, "task refused"),
            (8, "queue full"),
            (9, "no queue"),
            (10, "timer expired"),
            (11, "data already exists"),
            (12, "unauthorized request"),
            (13, "not queued"),
            (14, "unassigned DN"),
            (16, "notification unavailable to destination DN"),
        ],
        v,
    )
}

/// ANSI reject problem code (T1.114 §4.2.2.4): type in the high octet.
pub fn ansi_problem(v: u64) -> Option<&'static str> {
    find(
        &[
            (0x0101, "general: unrecognized component type"),
            (0x0102, "general: incorrect component portion"),
            (0x0103, "general: badly structured component portion"),
            (0x0104, "general: incorrect component coding"),
            (0x0201, "invoke: duplicate invoke ID"),
            (0x0202, "invoke: unrecognized operation code"),
            (0x0203, "invoke: incorrect parameter"),
            (0x0204, "invoke: unrecognized correlation ID"),
            (0x0301, "return result: unrecognized correlation ID"),
            (0x0302, "return result: unexpected return result"),
            (0x0303, "return result: incorrect parameter"),
            (0x0401, "return error: unrecognized correlation ID"),
            (0x0402, "return error: unexpected return error"),
            (0x0403, "return error: unrecognized error"),
            (0x0404, "return error: unexpected error"),
            (0x0405, "return error: incorrect parameter"),
            (0x0501, "transaction portion: unrecognized package type"),
            (0x0502, "transaction portion: incorrect transaction portion"),
            (0x0503, "transaction portion: badly structured transaction portion"),
            (0x0504, "transaction portion: unassigned responding transaction ID"),
            (0x0505, "transaction portion: permission to release problem"),
            (0x0506, "transaction portion: resource unavailable"),
        ],
        v,
    )
}

/// ANSI P-abort cause (T1.114 §3.2.3).
pub fn ansi_p_abort(v: u64) -> Option<&'static str> {
    find(
        &[
            (1, "unrecognized package type"),
            (2, "incorrect transaction portion"),
            (3, "badly structured transaction portion"),
            (4, "unassigned responding transaction ID"),
            (5, "permission to release problem"),
            (6, "resource unavailable"),
            (7, "unrecognized dialogue portion ID"),
            (8, "badly structured dialogue portion"),
            (9, "missing dialogue portion"),
            (10, "inconsistent dialogue portion"),
        ],
        v,
    )
}

/// ITU P-abort cause (Q.773 §4.2.1).
pub fn itu_p_abort(v: u64) -> Option<&'static str> {
    find(
        &[
            (0, "unrecognized message type"),
            (1, "unrecognized transaction ID"),
            (2, "badly formatted transaction portion"),
            (3, "incorrect transaction portion"),
            (4, "resource limitation"),
        ],
        v,
    )
}

/// ITU reject problem code by problem type (Q.773 §4.2.2.1).
pub fn itu_problem(problem_type: &str, v: u64) -> Option<&'static str> {
    let t: Table = match problem_type {
        "general" => {
            &[(0, "unrecognized component"), (1, "mistyped component"), (2, "badly structured component")]
        }
        "invoke" => &[
            (0, "duplicate invoke ID"),
            (1, "unrecognized operation"),
            (2, "mistyped parameter"),
            (3, "resource limitation"),
            (4, "initiating release"),
            (5, "unrecognized linked ID"),
            (6, "linked response unexpected"),
            (7, "unexpected linked operation"),
        ],
        "return_result" => {
            &[(0, "unrecognized invoke ID"), (1, "return result unexpected"), (2, "mistyped parameter")]
        }
        "return_error" => &[
            (0, "unrecognized invoke ID"),
            (1, "return error unexpected"),
            (2, "unrecognized error"),
            (3, "unexpected error"),
            (4, "mistyped parameter"),
        ],
        _ => &[],
    };
    find(t, v)
}

fn tcap_field(at: &At<'_>, field: &str, v: u64) -> Option<&'static str> {
    let ansi = at.path.get(1) == Some(&"ansi");
    match (at.parent(), field) {
        (_, "p_abort_cause") => itu_p_abort(v),
        ("abort_cause", "p_abort") => ansi_p_abort(v),
        // Q.773 §4.2.1.2 (dialogue portion, Q.773 Annex A).
        ("abrt", "abort_source") => {
            find(&[(0, "dialogue-service-user"), (1, "dialogue-service-provider")], v)
        }
        ("aare", "result") => find(&[(0, "accepted"), (1, "reject-permanent")], v),
        ("aare", "diagnostic") => match at.sibling_name("diagnostic_source") {
            Some("service_user") => {
                find(&[(0, "null"), (1, "no-reason-given"), (2, "application-context-name-not-supported")], v)
            }
            Some("service_provider") => {
                find(&[(0, "null"), (1, "no-reason-given"), (2, "no-common-dialogue-portion")], v)
            }
            _ => None,
        },
        ("opcode", "local") => inap_operation(v),
        ("opcode", "private") => ain_operation(v),
        ("opcode", "national") => ansi_national_operation(v),
        ("error_code", "local") => inap_error(v),
        ("error_code", "national") => ansi_national_error(v),
        (_, "problem") if ansi => ansi_problem(v),
        (_, "problem_code") => itu_problem(at.sibling_name("problem_type")?, v),
        _ => None,
    }
}

fn operation_field(at: &At<'_>, field: &str, v: u64) -> Option<&'static str> {
    let ain = at.under("ain");
    match field {
        // INAP numbers use the ISUP layout (ITU); AIN digits the T1.113 one.
        "nature_of_address" | "nature_of_number" => {
            isup_nature_of_address(v, if ain { Variant::Ansi } else { Variant::Itu })
        }
        "numbering_plan" => isup_numbering_plan(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(variant: Variant, path: &'a [&'a str], siblings: &'a [(&'a str, Code<'a>)]) -> At<'a> {
        At { variant, path, siblings }
    }

    #[test]
    fn spec_examples() {
        let cause = at(
            Variant::Itu,
            &["isup", "body", "parameters", "mandatory", "cause_indicators"],
            &[("coding_standard", Code::Num(0))],
        );
        assert_eq!(describe(&cause, "value", 16), Some("normal call clearing"));
        assert_eq!(describe(&cause, "location", 2), Some("public network serving the local user"));
        let called =
            at(Variant::Itu, &["isup", "body", "parameters", "mandatory", "called_party_number"], &[]);
        assert_eq!(describe(&called, "nature_of_address", 3), Some("national (significant) number"));
        assert_eq!(describe(&called, "numbering_plan", 1), Some("ISDN/telephony E.164"));
        // The called party number has no screening indicator: no name for its spare bits.
        assert_eq!(describe(&called, "screening", 0), None);
        let mandatory = at(Variant::Itu, &["isup", "body", "parameters", "mandatory"], &[]);
        assert_eq!(describe(&mandatory, "calling_partys_category", 10), Some("ordinary calling subscriber"));
        let mtp3 = at(Variant::Itu, &["mtp3"], &[]);
        assert_eq!(describe(&mtp3, "si", 5), Some("ISUP"));
        assert_eq!(describe(&mtp3, "ni", 2), Some("national"));
        let called_sccp = at(Variant::Itu, &["sccp", "called_party"], &[]);
        assert_eq!(describe(&called_sccp, "ssn", 241), Some("INAP"));
    }

    #[test]
    fn ansi_and_itu_differ_where_the_specs_do() {
        assert_eq!(service_indicator(2, Variant::Itu), None);
        assert!(service_indicator(2, Variant::Ansi).is_some_and(|s| s.starts_with("MTNS")));
        assert_eq!(isup_nature_of_address(115, Variant::Ansi), Some("non-unique subscriber number"));
        assert_eq!(isup_nature_of_address(115, Variant::Itu), None);
        // Cause 23 under the national coding standard is T1.113's, under ITU-T Q.850's.
        assert_eq!(cause_value(23, 2, Variant::Ansi), Some("unallocated destination number"));
        assert_eq!(cause_value(23, 0, Variant::Ansi), Some("redirection to new destination"));
        assert_eq!(isup_parameter(0xc0, Variant::Itu), Some("generic number"));
        assert_eq!(isup_parameter(0xc0, Variant::Ansi), Some("generic address"));
    }

    #[test]
    fn siblings_qualify_codes() {
        let s = [("problem_type", Code::Name("invoke"))];
        let reject = at(Variant::Itu, &["tcap", "itu", "components", "components"], &s);
        assert_eq!(describe(&reject, "problem_code", 1), Some("unrecognized operation"));
        let s = [("status_type", Code::Num(1))];
        let status = at(Variant::Itu, &["m3ua", "params", "status"], &s);
        assert_eq!(describe(&status, "status_info", 3), Some("AS-ACTIVE"));
    }

    #[test]
    fn opcodes_name_their_operations() {
        let op = at(Variant::Ansi, &["tcap", "ansi", "components", "components", "opcode"], &[]);
        assert_eq!(describe(&op, "private", 0x6403), Some("Info_Analyzed"));
        assert_eq!(describe(&op, "national", 0x8301), Some("Provide Instructions: Start"));
        let op = at(Variant::Itu, &["tcap", "itu", "components", "components", "opcode"], &[]);
        assert_eq!(describe(&op, "local", 32), Some("initiateCallAttempt"));
    }

    #[test]
    fn names_expand_with_their_codes() {
        let lssu = at(Variant::Itu, &["mtp2", "unit", "lssu"], &[]);
        assert_eq!(
            describe_name(&lssu, "status", "sios"),
            Some(Named { code: Some(3), text: "SIOS, out of service" })
        );
        let sccp = at(Variant::Itu, &["sccp"], &[]);
        assert_eq!(
            describe_name(&sccp, "return_cause", "hop_counter_violation").map(|n| n.code),
            Some(Some(12))
        );
        assert_eq!(describe_name(&sccp, "return_cause", "no_such_cause"), None);
    }
}
