//! Properties of the ISUP codec, both variants:
//! 1. parsing arbitrary bytes never panics, and what it accepts re-emits to
//!    the same bytes;
//! 2. parsing randomly mutated example frames never panics and, if accepted,
//!    re-emits to the identical bytes;
//! 3. generated reprs (IAM, REL, CGB, ANM with random optional parts) survive
//!    emit then parse unchanged.
#![allow(clippy::unwrap_used)]

use ainsim_wire::isup::{self, *};
use ainsim_wire::Variant;
use proptest::prelude::*;

mod common;
use common::{apply, mutation};

fn variant() -> impl Strategy<Value = Variant> {
    prop_oneof![Just(Variant::Itu), Just(Variant::Ansi)]
}

fn check_reemit(buf: &[u8], v: Variant) {
    let parsed = Repr::parse(buf, v);
    check_parse_into(buf, v, &parsed);
    if let Ok(r) = parsed {
        let out = r.to_bytes().expect("an accepted frame re-emits");
        assert_eq!(out, buf, "re-emit differs for {r:?}");
        assert_eq!(r.buffer_len(), buf.len());
        // `emit` appends after what the buffer already holds.
        let mut appended = vec![0xaa; 3];
        r.emit(&mut appended).expect("an accepted frame re-emits");
        assert_eq!(&appended[3..], buf);
    }
}

/// `Repr::parse_into` gives what `parse` gives, whatever the reused repr held
/// before: the repr is kept from one proptest case to the next (a raw body, a
/// message with or without optional part, a failed parse), per thread.
fn check_parse_into(buf: &[u8], v: Variant, parsed: &ainsim_wire::Result<Repr>) {
    thread_local! {
        static REUSED: std::cell::RefCell<Repr> = std::cell::RefCell::new(
            Repr::new(Variant::Itu, 1, MessageType::Anm, vec![], Some(vec![])),
        );
    }
    REUSED.with_borrow_mut(|reused| match (Repr::parse_into(buf, v, reused), parsed) {
        (Ok(()), Ok(r)) => assert_eq!(reused, r),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("parse_into {a:?} but parse {b:?} for {buf:02x?}"),
    });
}

fn digits_str() -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..16, 0..20)
        .prop_map(|d| d.into_iter().map(|n| char::from(b"0123456789ABCDEF"[usize::from(n)])).collect())
}

fn number() -> impl Strategy<Value = Number> {
    (0u8..128, 0u8..2, 0u8..8, 0u8..4, 0u8..4, digits_str()).prop_map(
        |(nature_of_address, inn_ni, numbering_plan, presentation, screening, digits)| Number {
            nature_of_address,
            inn_ni,
            numbering_plan,
            presentation,
            screening,
            digits: digits.into(),
        },
    )
}

fn cause() -> impl Strategy<Value = Parameter> {
    (
        0u8..4,
        0u8..2,
        0u8..16,
        proptest::option::of(any::<u8>()),
        0u8..128,
        0u8..2,
        proptest::collection::vec(any::<u8>(), 0..4),
    )
        .prop_map(|(coding_standard, spare, location, recommendation, value, value_ext, diagnostics)| {
            Parameter::CauseIndicators(CauseIndicators {
                coding_standard,
                spare,
                location,
                recommendation,
                value,
                value_ext,
                diagnostics,
            })
        })
}

/// Optional parameters valid in both variants.
fn optional_param() -> impl Strategy<Value = Parameter> {
    prop_oneof![
        number().prop_map(Parameter::CallingPartyNumber),
        number().prop_map(Parameter::RedirectingNumber),
        number().prop_map(Parameter::OriginalCalledNumber),
        number().prop_map(Parameter::ConnectedNumber),
        (any::<u8>(), number())
            .prop_map(|(qualifier, number)| Parameter::GenericNumber(GenericNumber { qualifier, number })),
        any::<u16>().prop_map(|v| Parameter::RedirectionInformation(RedirectionInformation::from_raw(v))),
        any::<u8>().prop_map(|v| Parameter::OptionalBackwardCallIndicators(
            OptionalBackwardCallIndicators::from_raw(v)
        )),
        any::<u8>().prop_map(Parameter::HopCounter),
        any::<u16>().prop_map(|v| Parameter::BackwardCallIndicators(BackwardCallIndicators::from_raw(v))),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Parameter::AccessTransport),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Parameter::UserToUserInformation),
        (0u8..8, 0u8..32, proptest::collection::vec(any::<u8>(), 0..6)).prop_map(
            |(encoding, type_of_digits, digits)| {
                Parameter::GenericDigits(GenericDigits { encoding, type_of_digits, digits })
            }
        ),
        // Codes no variant types.
        (0x80u8..0xc0, proptest::collection::vec(any::<u8>(), 0..6))
            .prop_map(|(code, bytes)| Parameter::Unknown { code, bytes }),
    ]
}

fn optional_part() -> impl Strategy<Value = Option<Vec<Parameter>>> {
    proptest::option::of(proptest::collection::vec(optional_param(), 0..5))
}

fn repr() -> impl Strategy<Value = Repr> {
    let iam = (variant(), 0u16..0x1000, any::<u8>(), any::<u16>(), any::<u8>(), number(), optional_part())
        .prop_map(|(v, cic, nci, fci, cpc, called, opt)| {
            let mut m = vec![
                Parameter::NatureOfConnectionIndicators(NatureOfConnection::from_raw(nci)),
                Parameter::ForwardCallIndicators(ForwardCallIndicators::from_raw(fci)),
                Parameter::CallingPartysCategory(cpc),
            ];
            match v {
                Variant::Itu => m.push(Parameter::TransmissionMediumRequirement(cpc)),
                Variant::Ansi => m.push(Parameter::UserServiceInformation(UserServiceInformation {
                    bytes: vec![0x80, 0x90, cpc],
                })),
            }
            m.push(Parameter::CalledPartyNumber(called));
            Repr::new(v, cic, MessageType::Iam, m, opt)
        });
    let rel =
        (variant(), 0u16..0x1000, 0u8..4, cause(), optional_part()).prop_map(|(v, cic, spare, c, opt)| {
            let mut r = Repr::new(v, cic, MessageType::Rel, vec![c], opt);
            r.cic_spare = spare;
            r
        });
    let cgb =
        (variant(), 0u16..0x1000, any::<u8>(), any::<u8>(), proptest::collection::vec(any::<u8>(), 0..4))
            .prop_map(|(v, cic, t, range, status)| {
                Repr::new(
                    v,
                    cic,
                    MessageType::Cgb,
                    vec![
                        Parameter::CircuitGroupSupervisionMessageType(CircuitGroupSupervision::from_raw(t)),
                        Parameter::RangeAndStatus(RangeAndStatus { range, status }),
                    ],
                    None,
                )
            });
    let anm = (variant(), 0u16..0x1000, optional_part())
        .prop_map(|(v, cic, opt)| Repr::new(v, cic, MessageType::Anm, vec![], opt));
    prop_oneof![iam, rel, cgb, anm]
}

/// Every example of both variants, as bytes (built once).
fn example_frames() -> &'static [(Variant, Vec<u8>)] {
    static FRAMES: std::sync::OnceLock<Vec<(Variant, Vec<u8>)>> = std::sync::OnceLock::new();
    FRAMES.get_or_init(|| {
        [Variant::Itu, Variant::Ansi]
            .into_iter()
            .flat_map(|v| {
                isup::examples(v)
                    .into_iter()
                    .map(move |(_, r)| (v, r.to_bytes().expect("example emits").into()))
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(v in variant(), buf in proptest::collection::vec(any::<u8>(), 0..48)) {
        check_reemit(&buf, v);
    }

    #[test]
    fn arbitrary_header_plus_known_type_never_panics(
        v in variant(),
        mt in prop_oneof![Just(0x01u8), Just(0x06), Just(0x0c), Just(0x18), Just(0x09), Just(0xeb), Just(0x2b)],
        rest in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let mut buf = vec![0x01, 0x00, mt];
        buf.extend(rest);
        check_reemit(&buf, v);
    }

    #[test]
    fn mutated_examples_never_panic_and_reemit_exactly(
        pick in any::<usize>(),
        muts in proptest::collection::vec(mutation(), 1..4),
    ) {
        let frames = example_frames();
        let (v, mut buf) = frames[pick % frames.len()].clone();
        for m in &muts {
            apply(&mut buf, m);
        }
        check_reemit(&buf, v);
    }

    #[test]
    fn reprs_round_trip(r in repr()) {
        let b = r.to_bytes().expect("generated repr emits");
        prop_assert_eq!(b.len(), r.buffer_len());
        let back = Repr::parse(&b, r.variant).expect("emitted repr parses");
        check_parse_into(&b, r.variant, &Ok(back.clone()));
        prop_assert_eq!(back, r);
    }

    #[test]
    fn set_cic_changes_only_the_cic(v in variant(), pick in any::<usize>(), cic in any::<u16>()) {
        let frames: Vec<&Vec<u8>> = example_frames().iter().filter(|(fv, _)| *fv == v).map(|(_, b)| b).collect();
        let mut b = frames[pick % frames.len()].clone();
        let before = Repr::parse(&b, v).expect("example parses");
        let mut p = Packet::new_checked(&mut b[..], v).expect("long enough");
        p.set_cic(cic);
        let mask = cic_mask(v);
        prop_assert_eq!(p.cic(), cic & mask);
        let after = Repr::parse(&b, v).expect("still parses");
        prop_assert_eq!(after.cic, cic & mask);
        prop_assert_eq!(after.body, before.body);
    }
}
