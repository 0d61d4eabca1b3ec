//! Property tests for the whole stack ([`Frame::decode`] / [`Frame::encode`]):
//! arbitrary bytes never panic at any start layer in either variant, and
//! mutated example frames (every codec's examples wrapped in MTP2, MTP3 and
//! M3UA by `stack::examples`) never panic and, when accepted, encode back to
//! the identical bytes and survive a JSON round trip.
#![allow(clippy::unwrap_used)]

use ainsim_wire::mtp2::fcs16;
use ainsim_wire::stack::{self, Frame, Start};
use ainsim_wire::Variant;
use proptest::prelude::*;
use std::sync::OnceLock;

mod common;
use common::{mutate, mutation};

const STARTS: [Start; 6] = [Start::Mtp2, Start::Mtp3, Start::M3ua, Start::Sccp, Start::Tcap, Start::Isup];

/// Decode; when accepted, the frame must encode to `buf` and read back from its JSON.
fn check(buf: &[u8], start: Start, variant: Variant, fcs: bool) {
    match Frame::decode(buf, start, variant, fcs) {
        Ok(f) => {
            assert_eq!(f.encode().unwrap(), buf, "{f:?}");
            let json = serde_json::to_string(&f).unwrap();
            let back: Frame = serde_json::from_str(&json).unwrap();
            assert_eq!(back, f, "{json}");
        }
        Err(e) => assert!(e.offset <= buf.len(), "{e} (offset past the {}-octet frame)", buf.len()),
    }
}

fn examples() -> &'static [(Start, Variant, Vec<u8>)] {
    static EX: OnceLock<Vec<(Start, Variant, Vec<u8>)>> = OnceLock::new();
    EX.get_or_init(|| {
        [Variant::Itu, Variant::Ansi]
            .into_iter()
            .flat_map(|v| stack::examples(v).into_iter().map(move |(_, f)| (f.start, v, f.encode().unwrap())))
            .collect()
    })
}

fn variant() -> impl Strategy<Value = Variant> {
    prop_oneof![Just(Variant::Itu), Just(Variant::Ansi)]
}

proptest! {
    #[test]
    fn decode_never_panics_on_arbitrary_bytes(
        start in proptest::sample::select(STARTS.to_vec()),
        v in variant(),
        fcs in any::<bool>(),
        b in proptest::collection::vec(any::<u8>(), 0..48),
    ) {
        check(&b, start, v, fcs && start == Start::Mtp2);
    }

    #[test]
    fn mutated_example_frames_never_panic_and_round_trip(
        i in any::<prop::sample::Index>(),
        ms in proptest::collection::vec(mutation(), 1..4),
        with_fcs in any::<bool>(),
    ) {
        let (start, v, b) = &examples()[i.index(examples().len())];
        let mut m = mutate(b.clone(), &ms);
        // An MTP2 unit also goes through with a right FCS, so the FCS check
        // does not stop every mutation at the first layer.
        let fcs = *start == Start::Mtp2 && with_fcs;
        if fcs {
            m.extend_from_slice(&fcs16(&m).to_le_bytes());
        }
        check(&m, *start, *v, fcs);
    }
}

#[test]
fn examples_cover_every_start_in_both_variants() {
    for v in [Variant::Itu, Variant::Ansi] {
        for s in STARTS {
            assert!(examples().iter().any(|(st, ev, _)| *st == s && *ev == v), "{v}: no {s:?} example");
        }
    }
}
