//! Property tests for the MTP2 and MTP3 codecs: parse never panics on any
//! input, anything parse accepts re-emits byte for byte, and reprs built from
//! in-range fields round-trip through emit and parse.
#![allow(clippy::unwrap_used)]

use ainsim_wire::mtp2::{self, LinkStatus, Mtp2Format, Mtp2Repr, SignalUnit};
use ainsim_wire::mtp3::{self, Mtp3Packet, Mtp3Repr, Slt, Snm, SnmRepr};
use ainsim_wire::{PointCode, Variant};
use proptest::prelude::*;

mod common;
use common::{apply, mutation};

fn variant() -> impl Strategy<Value = Variant> {
    prop_oneof![Just(Variant::Itu), Just(Variant::Ansi)]
}

/// Every decoder of this module on `b`; whatever is accepted must re-emit to `b`.
fn check_all(b: &[u8], v: Variant) {
    if let Ok(r) = Mtp2Repr::parse(b) {
        assert_eq!(r.to_bytes().unwrap(), b);
    }
    if let Ok(r) = Mtp2Repr::parse_without_fcs(b) {
        assert_eq!(r.to_bytes_without_fcs().unwrap(), b);
    }
    if let Ok(r) = Mtp2Repr::parse_with(b, Mtp2Format { fcs: false, extended: true }) {
        assert_eq!(r.to_bytes_without_fcs().unwrap(), b);
    }
    if let Ok(r) = Mtp2Repr::parse_with(b, Mtp2Format { fcs: true, extended: true }) {
        assert_eq!(r.to_bytes().unwrap(), b);
    }
    if let Ok(r) = Mtp3Repr::parse(b, v) {
        assert_eq!(r.to_bytes().unwrap(), b);
        let p = Mtp3Packet::new_checked(b, v).unwrap();
        assert_eq!((p.dpc(), p.opc(), p.sls(), p.si()), (r.dpc, r.opc, r.sls, r.si));
    }
    if let Ok(r) = SnmRepr::parse(b, v) {
        assert_eq!(r.to_bytes().unwrap(), b, "{r:?}");
        assert_eq!(r.buffer_len(), b.len());
    }
    if let Ok(r) = Slt::parse(b) {
        assert_eq!(r.to_bytes().unwrap(), b);
        assert_eq!(r.buffer_len(), b.len());
    }
}

/// Example frames of every layer, as bytes.
fn corpus() -> &'static [(Variant, Vec<u8>)] {
    static CORPUS: std::sync::OnceLock<Vec<(Variant, Vec<u8>)>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(build_corpus)
}

fn build_corpus() -> Vec<(Variant, Vec<u8>)> {
    let mut c = Vec::new();
    for v in [Variant::Itu, Variant::Ansi] {
        for (_, r) in mtp2::examples(v).into_iter().chain(mtp2::extended_examples(v)) {
            c.push((v, r.to_bytes().unwrap()));
            c.push((v, r.to_bytes_without_fcs().unwrap()));
        }
        for (_, r) in mtp3::examples(v) {
            c.push((v, r.to_bytes().unwrap()));
            c.push((v, r.sif.clone()));
        }
    }
    c
}

fn pc(v: Variant) -> impl Strategy<Value = PointCode> {
    (0..=v.pc_max()).prop_map(PointCode)
}

/// A typed SNM message with in-range fields for `v`.
fn snm(v: Variant) -> BoxedStrategy<Snm> {
    let ansi = v == Variant::Ansi;
    let slc = if ansi { (0u8..16).prop_map(Some).boxed() } else { Just(None).boxed() };
    let fsn = 0u8..128;
    let status = 0u8..4;
    let link = if ansi { 0u16..0x4000 } else { 0u16..0x1000 };
    let mut s = prop_oneof![
        (slc.clone(), fsn.clone()).prop_map(|(slc, fsn)| Snm::Coo { slc, fsn }),
        (slc.clone(), fsn).prop_map(|(slc, fsn)| Snm::Coa { slc, fsn }),
        (slc.clone(), 0u32..0x100_0000).prop_map(|(slc, fsn)| Snm::Xco { slc, fsn }),
        (slc.clone(), 0u32..0x100_0000).prop_map(|(slc, fsn)| Snm::Xca { slc, fsn }),
        (slc.clone(), any::<u8>()).prop_map(|(slc, cbc)| Snm::Cbd { slc, cbc }),
        (slc.clone(), any::<u8>()).prop_map(|(slc, cbc)| Snm::Cba { slc, cbc }),
        slc.clone().prop_map(|slc| Snm::Eco { slc }),
        slc.clone().prop_map(|slc| Snm::Eca { slc }),
        Just(Snm::Rct),
        (pc(v), status).prop_map(|(dest, status)| Snm::Tfc { dest, status }),
        pc(v).prop_map(|dest| Snm::Tfp { dest }),
        pc(v).prop_map(|dest| Snm::Tfr { dest }),
        pc(v).prop_map(|dest| Snm::Tfa { dest }),
        pc(v).prop_map(|dest| Snm::Rst { dest }),
        pc(v).prop_map(|dest| Snm::Rsr { dest }),
        slc.clone().prop_map(|slc| Snm::Lin { slc }),
        slc.clone().prop_map(|slc| Snm::Lun { slc }),
        slc.clone().prop_map(|slc| Snm::Lia { slc }),
        slc.clone().prop_map(|slc| Snm::Lua { slc }),
        slc.clone().prop_map(|slc| Snm::Lid { slc }),
        slc.clone().prop_map(|slc| Snm::Lfu { slc }),
        slc.clone().prop_map(|slc| Snm::Llt { slc }),
        slc.clone().prop_map(|slc| Snm::Lrt { slc }),
        Just(Snm::Tra),
        (slc.clone(), link).prop_map(|(slc, link)| Snm::Dlc { slc, link }),
        slc.clone().prop_map(|slc| Snm::Css { slc }),
        slc.clone().prop_map(|slc| Snm::Cns { slc }),
        slc.prop_map(|slc| Snm::Cnp { slc }),
        (pc(v), 0u8..16, 0u8..16).prop_map(|(dest, user, cause)| Snm::Upu { dest, user, cause }),
    ]
    .boxed();
    if ansi {
        s = prop_oneof![
            s,
            pc(v).prop_map(|dest| Snm::Tcp { dest }),
            pc(v).prop_map(|dest| Snm::Tcr { dest }),
            pc(v).prop_map(|dest| Snm::Tca { dest }),
            pc(v).prop_map(|dest| Snm::Rcp { dest }),
            pc(v).prop_map(|dest| Snm::Rcr { dest }),
            Just(Snm::Trw),
        ]
        .boxed();
    }
    s
}

fn mtp3_repr() -> impl Strategy<Value = Mtp3Repr> {
    variant().prop_flat_map(|v| {
        let sls_max = if v == Variant::Ansi { 255u8 } else { 15 };
        (0u8..16, 0u8..4, 0u8..4, pc(v), pc(v), 0..=sls_max, proptest::collection::vec(any::<u8>(), 0..40))
            .prop_map(move |(si, ni, priority, dpc, opc, sls, sif)| Mtp3Repr {
                variant: v,
                si,
                ni,
                priority,
                dpc,
                opc,
                sls,
                sif,
            })
    })
}

fn mtp2_repr() -> impl Strategy<Value = Mtp2Repr> {
    let unit = prop_oneof![
        Just(SignalUnit::Fisu),
        (any::<u8>(), proptest::option::of(any::<u8>()))
            .prop_map(|(s, extra)| SignalUnit::Lssu { status: LinkStatus::from_octet(s), extra }),
        proptest::collection::vec(any::<u8>(), 3..100).prop_map(|payload| SignalUnit::Msu { payload }),
    ];
    let basic = (0u16..128, any::<bool>(), 0u16..128, any::<bool>(), 0u8..4, unit.clone()).prop_map(
        |(bsn, bib, fsn, fib, spare, unit)| Mtp2Repr {
            extended: false,
            bsn,
            bib,
            fsn,
            fib,
            spare,
            reserved: 0,
            unit,
        },
    );
    let extended = (0u16..4096, any::<bool>(), 0u16..4096, any::<bool>(), 0u8..128, 0u8..64, unit).prop_map(
        |(bsn, bib, fsn, fib, spare, reserved, unit)| Mtp2Repr {
            extended: true,
            bsn,
            bib,
            fsn,
            fib,
            spare,
            reserved,
            unit,
        },
    );
    prop_oneof![basic, extended]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..80), v in variant()) {
        check_all(&b, v);
    }

    #[test]
    fn arbitrary_snm_bodies_round_trip(h0h1 in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..6), v in variant()) {
        let mut b = vec![h0h1];
        b.extend(body);
        check_all(&b, v);
    }

    #[test]
    fn mutated_examples_never_panic(i in any::<usize>(), ms in proptest::collection::vec(mutation(), 1..4)) {
        let c = corpus();
        let (v, mut b) = c[i % c.len()].clone();
        for m in &ms {
            apply(&mut b, m);
        }
        check_all(&b, v);
    }

    #[test]
    fn mtp2_round_trips(r in mtp2_repr()) {
        let b = r.to_bytes().unwrap();
        prop_assert_eq!(b.len(), r.buffer_len());
        let f = Mtp2Format { fcs: true, extended: r.extended };
        prop_assert_eq!(Mtp2Repr::parse_with(&b, f).unwrap(), r.clone());
        let b = r.to_bytes_without_fcs().unwrap();
        let f = Mtp2Format { fcs: false, extended: r.extended };
        prop_assert_eq!(Mtp2Repr::parse_with(&b, f).unwrap(), r);
    }

    #[test]
    fn mtp3_round_trips(r in mtp3_repr()) {
        let b = r.to_bytes().unwrap();
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(Mtp3Repr::parse(&b, r.variant).unwrap(), r);
    }

    #[test]
    fn snm_round_trips((v, m) in variant().prop_flat_map(|v| (Just(v), snm(v)))) {
        let r = SnmRepr { variant: v, message: m };
        let b = r.to_bytes().unwrap();
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(SnmRepr::parse(&b, v).unwrap(), r);
    }

    #[test]
    fn slt_round_trips(m in any::<bool>(), slc in 0u8..16, pattern in proptest::collection::vec(any::<u8>(), 0..16)) {
        let r = if m { Slt::Sltm { slc, pattern } } else { Slt::Slta { slc, pattern } };
        let b = r.to_bytes().unwrap();
        prop_assert_eq!(Slt::parse(&b).unwrap(), r);
    }
}
