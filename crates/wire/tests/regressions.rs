//! Every input the fuzzers (`fuzz/`) or the property tests found to break a
//! codec, minimised, kept as a named test with its exact bytes.
#![allow(clippy::unwrap_used)]

use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::Variant;

/// Decode, then require the same bytes from `encode` and the same frame from JSON.
fn round_trips(buf: &[u8], start: Start, variant: Variant, fcs: bool) -> Frame {
    let f = Frame::decode(buf, start, variant, fcs).unwrap();
    assert_eq!(f.encode().unwrap(), buf, "{f:?}");
    let json = serde_json::to_string(&f).unwrap();
    assert_eq!(serde_json::from_str::<Frame>(&json).unwrap(), f, "{json}");
    f
}

/// fuzz `stack`: an LSSU (or FISU) decoded from MTP2 has no MTP3 layer, and
/// `Frame::encode` refused it ("the frame has no mtp3 layer").
#[test]
fn regression_stack_mtp2_lssu_has_no_mtp3_layer() {
    // BSN 5, FSN 1, LI 1, status SIO.
    let f = round_trips(&[0x05, 0x01, 0x01, 0x00], Start::Mtp2, Variant::Itu, false);
    assert!(f.mtp3.is_none());
    // A FISU, with its FCS.
    let mut fisu = vec![0x85, 0x81, 0x00];
    fisu.extend_from_slice(&ainsim_wire::mtp2::fcs16(&fisu).to_le_bytes());
    round_trips(&fisu, Start::Mtp2, Variant::Ansi, true);
}

/// fuzz `ain`: inside an indefinite-length parameter set, an element with
/// tag `[UNIVERSAL 0]` and contents (`00 03 ..`) is no end-of-contents, and
/// parse accepted it, but emit refused every `[UNIVERSAL 0]` element there.
#[test]
fn regression_ain_universal_zero_element_in_indefinite_set() {
    use ainsim_wire::ain::AinOpcode;
    use ainsim_wire::AinOperation;
    let b = [0xf2, 0x80, 0x00, 0x03, 0x01, 0x02, 0x03, 0x00, 0x00];
    let op = AinOperation::parse(AinOpcode::SendToResource.code(), Some(&b)).unwrap();
    assert_eq!(op.to_bytes().unwrap(), b);
    let json = serde_json::to_string(&op).unwrap();
    assert_eq!(serde_json::from_str::<AinOperation>(&json).unwrap(), op);
    // A real end-of-contents (`00 00`) still ends the set: nothing may follow it.
    assert!(AinOperation::parse(
        AinOpcode::SendToResource.code(),
        Some(&[0xf2, 0x80, 0x00, 0x00, 0x00, 0x00])
    )
    .is_err());
}

/// fuzz `inap` (exact input, after the selector byte): the same for an
/// indefinite-length SEQUENCE argument holding `00 09 ..`.
#[test]
fn regression_inap_universal_zero_element_in_indefinite_sequence() {
    use ainsim_wire::inap::InapOpcode;
    use ainsim_wire::InapOperation;
    let b = [
        0x30, 0x80, 0x09, 0x05, 0x00, 0x00, 0x00, 0x00, 0x84, 0x00, 0x09, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x24, 0x00, 0x24, 0x00, 0x00,
    ];
    let code = InapOpcode::RequestEveryStatusChangeReport.code();
    let op = InapOperation::parse(code, Some(&b)).unwrap();
    assert_eq!(op.to_bytes().unwrap(), b);
    let json = serde_json::to_string(&op).unwrap();
    assert_eq!(serde_json::from_str::<InapOperation>(&json).unwrap(), op);
}
