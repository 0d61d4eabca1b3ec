//! Sample frames for the criterion benchmarks in `benches/benches/`.
//!
//! Every frame is the exact encoding of one of the codecs' own `examples()`,
//! so the benchmarks run on the same realistic messages the round-trip tests
//! and the Wireshark corpus use. A frame that cannot be built (a renamed
//! example) panics here, at bench start-up, never in a timed loop.
#![forbid(unsafe_code)]

use ainsim_wire::{isup, m3ua, mtp3, sccp, tcap, IsupRepr, M3uaRepr, Mtp3Repr, SccpRepr, TcapRepr, Variant};

/// The ISUP messages the benchmarks time, by example name.
pub const ISUP_MESSAGES: [(&str, &str); 5] =
    [("IAM", "IAM"), ("ACM", "ACM"), ("ANM", "ANM"), ("REL", "REL (normal clearing)"), ("RLC", "RLC")];

fn pick<R>(examples: Vec<(&'static str, R)>, name: &str) -> R {
    match examples.into_iter().find(|(n, _)| *n == name) {
        Some((_, r)) => r,
        None => panic!("no example named {name:?}"),
    }
}

fn bytes<E: std::fmt::Display>(r: Result<Vec<u8>, E>, name: &str) -> Vec<u8> {
    match r {
        Ok(b) => b,
        Err(e) => panic!("example {name:?} does not encode: {e}"),
    }
}

/// The ISUP example `name` of `variant` (CIC onwards).
///
/// # Panics
/// No such example, or it does not encode.
pub fn isup(variant: Variant, name: &str) -> Vec<u8> {
    let r: IsupRepr = pick(isup::examples(variant), name);
    bytes(r.to_bytes().map(Vec::from), name)
}

/// ITU TCAP Begin: AARQ (INAP CS-1 context) + Invoke InitiateCallAttempt
/// (INAP opcode 32) with its argument.
///
/// # Panics
/// The example was renamed or does not encode.
pub fn tcap_itu_begin_ica() -> Vec<u8> {
    let name = "itu-begin-aarq-initiate-call-attempt";
    let r: TcapRepr = pick(tcap::examples(Variant::Itu), name);
    bytes(r.to_bytes(), name)
}

/// ANSI TCAP QueryWithPerm: dialogue portion + InvokeLast Info_Analyzed
/// (AIN 0.2 private opcode 0x6403) with its parameter set.
///
/// # Panics
/// The example was renamed or does not encode.
pub fn tcap_ansi_qwp_info_analyzed() -> Vec<u8> {
    let name = "ansi-query-with-perm-info-analyzed";
    let r: TcapRepr = pick(tcap::examples(Variant::Ansi), name);
    bytes(r.to_bytes(), name)
}

/// M3UA DATA (network appearance, routing context, Protocol Data carrying an
/// ITU ISUP IAM, correlation ID).
///
/// # Panics
/// The example was renamed or does not encode.
pub fn m3ua_data() -> Vec<u8> {
    let name = "DATA ISUP IAM";
    let r: M3uaRepr = pick(m3ua::examples(), name);
    bytes(r.to_bytes(), name)
}

/// MTP3 MSU (SIO, routing label, ISUP IAM) of `variant`.
///
/// # Panics
/// The example was renamed or does not encode.
pub fn mtp3_isup_iam(variant: Variant) -> Vec<u8> {
    let name = "ISUP IAM";
    let r: Mtp3Repr = pick(mtp3::examples(variant), name);
    bytes(r.to_bytes(), name)
}

/// SCCP UDT of `variant`: called party by global title + SSN, calling party
/// by point code + SSN, a short TCAP Begin as data.
///
/// # Panics
/// The example was renamed or does not encode.
pub fn sccp_udt(variant: Variant) -> Vec<u8> {
    let name = "udt";
    let r: SccpRepr = pick(sccp::examples(variant), name);
    bytes(r.to_bytes(variant), name)
}

/// Checks every frame is the message the benchmarks name (run when they start).
///
/// # Panics
/// A frame that does not parse back to itself or is of the wrong type.
pub fn check_frames() {
    for (_, name) in ISUP_MESSAGES {
        let b = isup(Variant::Itu, name);
        let again = IsupRepr::parse(&b, Variant::Itu).and_then(|r| r.to_bytes());
        assert!(again.as_deref().is_ok_and(|a| a == b), "{name}");
    }
    assert_eq!(isup(Variant::Itu, "IAM").get(2), Some(&0x01), "IAM message type");
    let b = tcap_itu_begin_ica();
    assert!(matches!(TcapRepr::parse(&b), Ok(TcapRepr::Itu(_))) && b[0] == 0x62, "ITU Begin");
    let b = tcap_ansi_qwp_info_analyzed();
    assert!(matches!(TcapRepr::parse(&b), Ok(TcapRepr::Ansi(_))) && b[0] == 0xe2, "ANSI QueryWithPerm");
    let b = m3ua_data();
    assert!(M3uaRepr::parse(&b).is_ok_and(|r| r.protocol_data().is_some()), "M3UA DATA");
    let b = mtp3_isup_iam(Variant::Itu);
    assert_eq!(b[0] & 0x0f, 5, "MTP3 SI = ISUP");
    let b = sccp_udt(Variant::Itu);
    assert_eq!(b[0], 0x09, "SCCP UDT");
}
