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
