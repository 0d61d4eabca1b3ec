//! Property tests for the AIN and INAP codecs: arbitrary and mutated input
//! never panics, accepted input re-emits byte for byte, and generated reprs
//! round-trip through bytes and JSON.
#![allow(clippy::unwrap_used)]

use ainsim_wire::ain::{
    self, AinDigits, AinOpcode, AinOperation, AinParameter, AinParameterSet, Param, ParamForm, RawElement,
    UserId, Value,
};
use ainsim_wire::ber::{Class, LenForm, Tag};
use ainsim_wire::inap::{
    self, BcsmEvent, Cause, InapArgument, InapElement, InapField, InapOpcode, InapOperation, InapValue,
    IsupNumber, LegId,
};
use ainsim_wire::Variant;
use proptest::prelude::*;
use std::sync::OnceLock;

mod common;
use common::{mutate, mutation};

fn check_ain(code: u16, b: &[u8]) {
    if let Ok(op) = AinOperation::parse(code, Some(b)) {
        assert_eq!(op.to_bytes().unwrap(), b, "{op:?}");
        let _ = ain::Packet::new_checked(b).unwrap();
    }
}

fn check_inap(code: i64, b: &[u8]) {
    if let Ok(op) = InapOperation::parse(code, Some(b)) {
        assert_eq!(op.to_bytes().unwrap(), b, "{op:?}");
    }
}

fn digits(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..16, 0..max)
        .prop_map(|v| v.iter().map(|d| char::from(b"0123456789ABCDEF"[*d as usize])).collect())
}

fn ain_digits() -> impl Strategy<Value = AinDigits> {
    (0u8..128, 0u8..8, prop_oneof![Just(0u8), Just(1), Just(0x83)], digits(20)).prop_map(
        |(nature_of_number, numbering_plan, flags, digits)| AinDigits {
            nature_of_number,
            numbering_plan,
            flags,
            digits,
        },
    )
}

fn ain_param() -> impl Strategy<Value = AinParameter> {
    let digit_params: Vec<Param> =
        Param::ALL.iter().copied().filter(|p| p.kind() == ain::Kind::Digits).collect();
    let int_params: Vec<Param> =
        Param::ALL.iter().copied().filter(|p| p.kind() == ain::Kind::Integer).collect();
    let oct_params: Vec<Param> =
        Param::ALL.iter().copied().filter(|p| p.kind() == ain::Kind::Octets).collect();
    prop_oneof![
        (proptest::sample::select(digit_params), ain_digits()).prop_map(|(p, d)| AinParameter::digits(p, d)),
        (proptest::sample::select(int_params), any::<i64>()).prop_map(|(p, n)| AinParameter::int(p, n)),
        (proptest::sample::select(oct_params), proptest::collection::vec(any::<u8>(), 0..8))
            .prop_map(|(p, v)| AinParameter::octets(p, &v)),
        "[0-9]{10}".prop_map(|d| AinParameter::new(Param::UserId, Value::UserId(UserId::Dn(d)))),
        (0u32..400, any::<bool>(), len_form(), proptest::collection::vec(any::<u8>(), 0..6)).prop_map(
            |(n, c, f, v)| {
                AinParameter::Raw(RawElement {
                    tag: Tag { class: Class::Context, constructed: c, number: n },
                    len_form: f,
                    value: v,
                })
            }
        ),
        proptest::collection::vec(ain_digits(), 1..3)
            .prop_map(|l| AinParameter::new(Param::AmaLineNumberList, Value::DigitsList(l))),
    ]
}

fn len_form() -> impl Strategy<Value = LenForm> {
    prop_oneof![
        4 => Just(LenForm::Definite),
        1 => Just(LenForm::Long(1)),
        1 => Just(LenForm::Long(2)),
        1 => Just(LenForm::Indefinite),
    ]
}

fn isup_number() -> impl Strategy<Value = IsupNumber> {
    (0u8..128, any::<bool>(), 0u8..8, 0u8..16, digits(16)).prop_map(
        |(nature_of_address, inn_ni, numbering_plan, flags, digits)| IsupNumber {
            nature_of_address,
            inn_ni,
            numbering_plan,
            flags,
            digits,
        },
    )
}

fn inap_op() -> impl Strategy<Value = InapOperation> {
    let idp =
        (any::<i64>(), proptest::option::of(isup_number()), proptest::option::of(isup_number()), 0i64..20)
            .prop_map(|(k, cd, cg, ev)| {
                let mut e = vec![InapElement::new(InapField::ServiceKey, InapValue::Integer(k))];
                if let Some(n) = cd {
                    e.push(InapElement::new(InapField::CalledPartyNumber, InapValue::Number(n)));
                }
                if let Some(n) = cg {
                    e.push(InapElement::new(InapField::CallingPartyNumber, InapValue::Number(n)));
                }
                e.push(InapElement::new(InapField::EventTypeBcsm, InapValue::Integer(ev)));
                InapOperation::new(InapOpcode::InitialDp, e)
            });
    let connect = proptest::collection::vec(isup_number(), 1..3).prop_map(|l| {
        InapOperation::new(
            InapOpcode::Connect,
            vec![InapElement::new(InapField::DestinationRoutingAddress, InapValue::Numbers(l))],
        )
    });
    let rrb =
        proptest::collection::vec((0i64..20, 0i64..3, proptest::option::of(1u8..3)), 1..4).prop_map(|l| {
            let evs = l
                .into_iter()
                .map(|(e, m, leg)| BcsmEvent {
                    event_type: e,
                    monitor_mode: m,
                    leg_id: leg.map(LegId::SendingSideId),
                    dp_specific_criteria: None,
                })
                .collect();
            InapOperation::new(
                InapOpcode::RequestReportBcsmEvent,
                vec![InapElement::new(InapField::BcsmEvents, InapValue::BcsmEvents(evs))],
            )
        });
    let rel = (0u8..4, 0u8..16, 0u8..128, proptest::collection::vec(any::<u8>(), 0..3)).prop_map(
        |(cs, loc, v, d)| InapOperation {
            opcode: InapOpcode::ReleaseCall,
            argument: Some(InapArgument::Cause(Cause {
                coding_standard: cs,
                location: loc,
                value: v,
                diagnostics: d,
            })),
        },
    );
    prop_oneof![idp, connect, rrb, rel]
}

fn ain_examples() -> &'static [(u16, Vec<u8>)] {
    static EX: OnceLock<Vec<(u16, Vec<u8>)>> = OnceLock::new();
    EX.get_or_init(|| {
        ain::examples().into_iter().map(|(_, op)| (op.opcode.code(), op.to_bytes().unwrap())).collect()
    })
}

fn inap_examples() -> &'static [(i64, Vec<u8>)] {
    static EX: OnceLock<Vec<(i64, Vec<u8>)>> = OnceLock::new();
    EX.get_or_init(|| {
        inap::examples(Variant::Itu)
            .into_iter()
            .filter(|(_, op)| op.argument.is_some())
            .map(|(_, op)| (op.opcode.code(), op.to_bytes().unwrap()))
            .collect()
    })
}

proptest! {
    #[test]
    fn ain_arbitrary_bytes_never_panic(code in any::<u16>(), b in proptest::collection::vec(any::<u8>(), 0..64)) {
        check_ain(code, &b);
        let mut framed = vec![0xf2, b.len().min(127) as u8];
        framed.extend_from_slice(&b[..b.len().min(127)]);
        check_ain(code, &framed);
    }

    #[test]
    fn inap_arbitrary_bytes_never_panic(code in 0i64..60, b in proptest::collection::vec(any::<u8>(), 0..64)) {
        check_inap(code, &b);
        let mut framed = vec![0x30, b.len().min(127) as u8];
        framed.extend_from_slice(&b[..b.len().min(127)]);
        check_inap(code, &framed);
    }

    #[test]
    fn ain_mutated_examples(i in any::<usize>(), ms in proptest::collection::vec(mutation(), 1..4)) {
        let ex = ain_examples();
        let (code, b) = &ex[i % ex.len()];
        check_ain(*code, &mutate(b.clone(), &ms));
    }

    #[test]
    fn inap_mutated_examples(i in any::<usize>(), ms in proptest::collection::vec(mutation(), 1..4)) {
        let ex = inap_examples();
        let (code, b) = &ex[i % ex.len()];
        check_inap(*code, &mutate(b.clone(), &ms));
    }

    #[test]
    fn ain_repr_round_trip(params in proptest::collection::vec(ain_param(), 0..6), seq in any::<bool>(), lf in len_form(), code in proptest::sample::select(AinOpcode::ALL.to_vec())) {
        let op = AinOperation {
            opcode: code,
            parameter: Some(AinParameterSet { form: if seq { ParamForm::Sequence } else { ParamForm::ParameterSet }, len_form: lf, params }),
        };
        if let Ok(b) = op.to_bytes() {
            prop_assert_eq!(&AinOperation::parse(code.code(), Some(&b)).unwrap(), &op);
            let json = serde_json::to_string(&op).unwrap();
            prop_assert_eq!(&serde_json::from_str::<AinOperation>(&json).unwrap(), &op);
        }
    }

    #[test]
    fn inap_repr_round_trip(op in inap_op()) {
        if let Ok(b) = op.to_bytes() {
            prop_assert_eq!(&InapOperation::parse(op.opcode.code(), Some(&b)).unwrap(), &op);
            let json = serde_json::to_string(&op).unwrap();
            prop_assert_eq!(&serde_json::from_str::<InapOperation>(&json).unwrap(), &op);
        }
    }
}

#[test]
fn generated_reprs_mostly_encode() {
    // Sanity: well-formed typed values must encode (the round-trip properties
    // above only check those that do).
    let d = AinDigits { nature_of_number: 4, numbering_plan: 1, flags: 0, digits: "123".into() };
    assert!(AinOperation::new(AinOpcode::InfoAnalyzed, vec![AinParameter::digits(Param::CalledPartyId, d)])
        .to_bytes()
        .is_ok());
    let n = IsupNumber::national("12345");
    assert!(InapOperation::new(
        InapOpcode::Connect,
        vec![InapElement::new(InapField::DestinationRoutingAddress, InapValue::Numbers(vec![n]))]
    )
    .to_bytes()
    .is_ok());
}
