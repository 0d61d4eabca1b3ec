//! Spec vectors (deconstruct / construct / parse / emit), round trips of every
//! example, and error cases asserting layer, message and offset.

use super::*;
use crate::Layer;

/// ITU IAM, CIC 101: NCI echo device included; FCI ISUP all the way + ISDN
/// access; ordinary subscriber; speech; called 5551234 national (Q.763 §3.9);
/// optional calling party number 3035550199, national, presentation allowed,
/// network provided (Q.763 §3.10).
static IAM_ITU: [u8; 27] = [
    0x65, 0x00, // CIC 101
    0x01, // IAM
    0x10, // nature of connection indicators
    0x20, 0x01, // forward call indicators
    0x0a, // calling party's category: ordinary
    0x00, // transmission medium requirement: speech
    0x02, // pointer to called party number
    0x08, // pointer to optional part
    0x06, 0x83, 0x10, 0x55, 0x15, 0x32, 0x04, // called: odd, national, ISDN, 5551234
    0x0a, 0x07, 0x03, 0x13, 0x03, 0x53, 0x55, 0x10, 0x99, // calling party number
    0x00, // end of optional parameters
];

/// ITU REL, CIC 1, cause 16 normal clearing, location user, no optional part.
static REL_ITU: [u8; 8] = [0x01, 0x00, 0x0c, 0x02, 0x00, 0x02, 0x80, 0x90];

fn iam_repr() -> Repr {
    Repr::new(
        Variant::Itu,
        101,
        MessageType::Iam,
        vec![
            Parameter::NatureOfConnectionIndicators(
                NatureOfConnection::default().with_echo_control_device(1),
            ),
            Parameter::ForwardCallIndicators(
                ForwardCallIndicators::default().with_isup(1).with_isdn_access(1),
            ),
            Parameter::CallingPartysCategory(0x0a),
            Parameter::TransmissionMediumRequirement(0),
            Parameter::CalledPartyNumber(Number::e164(3, "5551234")),
        ],
        Some(vec![Parameter::CallingPartyNumber(Number { screening: 3, ..Number::e164(3, "3035550199") })]),
    )
}

#[test]
fn deconstruct() {
    let p = Packet::new_checked(&IAM_ITU[..], Variant::Itu).unwrap();
    assert_eq!(p.cic(), 101);
    assert_eq!(p.cic_spare(), 0);
    assert_eq!(p.message_type(), MessageType::Iam);
    assert_eq!(p.body().len(), IAM_ITU.len() - 3);
}

#[test]
fn construct_set_cic_keeps_spare_bits() {
    let mut b = IAM_ITU;
    b[1] |= 0xa0; // spare bits above the ITU 12-bit CIC
    let mut p = Packet::new_checked(&mut b[..], Variant::Itu).unwrap();
    p.set_cic(0x0abc);
    assert_eq!(p.cic(), 0x0abc);
    assert_eq!(p.cic_spare(), 0x0a);
    assert_eq!(&b[..3], &[0xbc, 0xaa, 0x01]);
    // ANSI: 14 bits.
    let mut a = [0xff, 0xff, 0x10];
    let mut p = Packet::new_checked(&mut a[..], Variant::Ansi).unwrap();
    assert_eq!(p.cic(), 0x3fff);
    p.set_cic(1000);
    assert_eq!(p.cic(), 1000);
    assert_eq!(p.cic_spare(), 3);
}

#[test]
fn parse_spec_vectors() {
    assert_eq!(Repr::parse(&IAM_ITU, Variant::Itu).unwrap(), iam_repr());
    let rel = Repr::parse(&REL_ITU, Variant::Itu).unwrap();
    assert_eq!(rel.message_type, MessageType::Rel);
    let Some(Parameter::CauseIndicators(c)) = rel.find(code::CAUSE) else { panic!("no cause") };
    assert_eq!((c.value, c.location, c.coding_standard), (16, 0, 0));
    assert_eq!(rel.optional(), &[]);
    assert!(matches!(&rel.body, Body::Parameters(l) if l.optional().is_none()));
}

#[test]
fn emit_spec_vectors() {
    let r = iam_repr();
    assert_eq!(r.buffer_len(), IAM_ITU.len());
    assert_eq!(r.to_bytes().unwrap(), IAM_ITU);
    let rel = Repr::parse(&REL_ITU, Variant::Itu).unwrap();
    assert_eq!(rel.to_bytes().unwrap(), REL_ITU);
}

#[test]
fn every_example_round_trips() {
    for variant in [Variant::Itu, Variant::Ansi] {
        let ex = examples(variant);
        for (name, r) in &ex {
            let b = r.to_bytes().unwrap_or_else(|e| panic!("{variant} {name}: {e}"));
            assert_eq!(b.len(), r.buffer_len(), "{variant} {name}");
            let back = Repr::parse(&b, variant).unwrap_or_else(|e| panic!("{variant} {name}: {e}"));
            assert_eq!(&back, r, "{variant} {name}");
            let json = serde_json::to_string(r).unwrap();
            let from_json: Repr = serde_json::from_str(&json).unwrap();
            assert_eq!(&from_json, r, "{variant} {name} JSON {json}");
        }
    }
}

#[test]
fn parse_into_reuses_one_repr_for_every_example() {
    // Every example of both variants, twice, into the same repr: raw bodies,
    // messages with and without optional parts follow one another.
    let mut reused = Repr::parse(&IAM_ITU, Variant::Itu).unwrap();
    let mut frames = Vec::new();
    for variant in [Variant::Itu, Variant::Ansi] {
        for (_, r) in examples(variant) {
            frames.push((variant, Vec::from(r.to_bytes().unwrap())));
        }
    }
    frames.push((Variant::Itu, vec![0x01, 0x00, 0xee, 0x01, 0x02]));
    for (variant, b) in frames.iter().chain(frames.iter().rev()) {
        Repr::parse_into(b, *variant, &mut reused).unwrap();
        assert_eq!(reused, Repr::parse(b, *variant).unwrap(), "{variant} {b:02x?}");
        let mut out = Vec::new();
        reused.emit(&mut out).unwrap();
        assert_eq!(&out, b);
    }
    // A failed parse names the same error as `parse`, and the repr is
    // usable afterwards.
    let bad = &IAM_ITU[..IAM_ITU.len() - 1];
    let e = Repr::parse_into(bad, Variant::Itu, &mut reused).unwrap_err();
    assert_eq!(e.to_string(), Repr::parse(bad, Variant::Itu).unwrap_err().to_string());
    Repr::parse_into(&REL_ITU, Variant::Itu, &mut reused).unwrap();
    assert_eq!(reused, Repr::parse(&REL_ITU, Variant::Itu).unwrap());
}

#[test]
fn examples_cover_every_message_in_the_table() {
    for variant in [Variant::Itu, Variant::Ansi] {
        let ex = examples(variant);
        for c in 0..=255u8 {
            let mt = MessageType::from_code(c);
            if format(mt, variant).is_some() {
                assert!(ex.iter().any(|(_, r)| r.message_type == mt), "{variant}: no example of {mt:?}");
            }
        }
    }
}

#[test]
fn ansi_iam_has_user_service_information() {
    let ex = examples(Variant::Ansi);
    let (_, iam) = ex.iter().find(|(_, r)| r.message_type == MessageType::Iam).unwrap();
    let b = iam.to_bytes().unwrap();
    // CIC, type, NCI, FCI(2), CPC, then two pointers and the optional pointer.
    assert_eq!(b[7], 3, "pointer to user service information");
    assert_eq!(&b[10..14], &[3, 0x80, 0x90, 0xa2]);
    let Some(Parameter::UserServiceInformation(u)) = iam.find(code::USER_SERVICE_INFO) else { panic!() };
    assert_eq!(u.transfer_capability(), Some(0));
    assert_eq!(u.transfer_rate(), Some(0x10));
}

#[test]
fn unknown_message_type_passes_through() {
    let b = [0x05, 0x00, 0xfe, 0x01, 0x02, 0x03];
    let r = Repr::parse(&b, Variant::Itu).unwrap();
    assert_eq!(r.message_type, MessageType::Unknown(0xfe));
    assert_eq!(r.body, Body::Raw(vec![1, 2, 3]));
    assert_eq!(r.to_bytes().unwrap(), b);
    // CON has no ANSI format: raw there too.
    let con = [0x05, 0x00, 0x07, 0x14, 0x16, 0x00];
    let r = Repr::parse(&con, Variant::Ansi).unwrap();
    assert_eq!(r.body, Body::Raw(vec![0x14, 0x16, 0x00]));
    assert_eq!(r.to_bytes().unwrap(), con);
}

#[test]
fn unknown_optional_parameters_keep_their_place() {
    // ANM with optional: unknown 0x99 (2 octets), hop counter, unknown 0x98 (0 octets).
    let b = [0x01, 0x00, 0x09, 0x01, 0x99, 0x02, 0xaa, 0xbb, 0x3d, 0x01, 0x1f, 0x98, 0x00, 0x00];
    let r = Repr::parse(&b, Variant::Itu).unwrap();
    assert_eq!(
        r.optional(),
        &[
            Parameter::Unknown { code: 0x99, bytes: vec![0xaa, 0xbb] },
            Parameter::HopCounter(0x1f),
            Parameter::Unknown { code: 0x98, bytes: vec![] },
        ]
    );
    assert_eq!(r.to_bytes().unwrap(), b);
}

#[test]
fn empty_optional_part_differs_from_none() {
    let none = [0x01, 0x00, 0x09, 0x00];
    let empty = [0x01, 0x00, 0x09, 0x01, 0x00];
    let a = Repr::parse(&none, Variant::Itu).unwrap();
    let b = Repr::parse(&empty, Variant::Itu).unwrap();
    assert!(matches!(&a.body, Body::Parameters(l) if l.optional().is_none()));
    assert!(matches!(&b.body, Body::Parameters(l) if l.optional() == Some(&[])));
    assert_eq!(a.to_bytes().unwrap(), none);
    assert_eq!(b.to_bytes().unwrap(), empty);
}

#[test]
fn parameter_list_keeps_its_two_parts_apart() {
    let cause = |value| Parameter::CauseIndicators(CauseIndicators { value, ..Default::default() });
    let mut l = ParameterList::new(vec![cause(16)], None);
    assert_eq!((l.mandatory().len(), l.optional()), (1, None));
    // An optional parameter opens the part; a mandatory one goes before it.
    l.push_optional(Parameter::HopCounter(3));
    l.push_mandatory(cause(17));
    assert_eq!(l.mandatory(), [cause(16), cause(17)]);
    assert_eq!(l.optional(), Some(&[Parameter::HopCounter(3)][..]));
    assert_eq!(l.all().len(), 3);
    // Keeping optional parameters never touches the mandatory ones, even
    // those the test would refuse.
    l.retain_optional(|p| !matches!(p, Parameter::HopCounter(_) | Parameter::CauseIndicators(_)));
    assert_eq!((l.mandatory().len(), l.optional()), (2, Some(&[][..])));
    // An empty optional part and none are different lists.
    assert_ne!(l, ParameterList::new(vec![cause(16), cause(17)], None));
    l.set_optional(None);
    assert_eq!(l, ParameterList::new(vec![cause(16), cause(17)], None));
    l.set_optional(Some(vec![Parameter::HopCounter(4)]));
    assert_eq!(l.clone().into_parts(), (vec![cause(16), cause(17)], Some(vec![Parameter::HopCounter(4)])));
    if let Some(o) = l.optional_mut() {
        o[0] = Parameter::HopCounter(5);
    }
    l.mandatory_mut()[1] = cause(31);
    assert_eq!(l.into_parts(), (vec![cause(16), cause(31)], Some(vec![Parameter::HopCounter(5)])));
    let mut l = ParameterList::with_capacity(4);
    l.open_optional();
    assert_eq!(l, ParameterList::new(vec![], Some(vec![])));
    l.clear();
    assert_eq!(l, ParameterList::empty());
}

#[test]
fn parameter_lists_in_place_and_on_the_heap_agree() {
    // Up to two parameters are kept in place, more on the heap: every
    // operation reads the same either way, across the move in both
    // directions, and lists holding the same parameters are equal wherever
    // they are kept.
    let hop = Parameter::HopCounter;
    let cause = |value| Parameter::CauseIndicators(CauseIndicators { value, ..Default::default() });
    let mut l = ParameterList::empty();
    l.push_mandatory(cause(16));
    l.push_optional(hop(1));
    assert_eq!(l, ParameterList::new(vec![cause(16)], Some(vec![hop(1)])));
    assert_eq!(format!("{:?}", l.all()), format!("{:?}", [cause(16), hop(1)]));
    // The third goes to the heap, in the right place.
    l.push_mandatory(cause(17));
    assert_eq!(l.mandatory(), [cause(16), cause(17)]);
    assert_eq!(l.optional(), Some(&[hop(1)][..]));
    l.push_optional(hop(2));
    assert_eq!(l.clone().into_parts(), (vec![cause(16), cause(17)], Some(vec![hop(1), hop(2)])));
    // Shrunk again (the heap keeps its room) and cleared.
    l.retain_optional(|p| *p == hop(2));
    assert_eq!(l, ParameterList::new(vec![cause(16), cause(17)], Some(vec![hop(2)])));
    l.clear();
    assert_eq!(l, ParameterList::empty());
    // A list in place shrinks in place; the slots it gave up hold nothing.
    let mut l = ParameterList::empty();
    l.push_optional(hop(3));
    l.push_optional(hop(4));
    l.set_optional(Some(vec![hop(5)]));
    assert_eq!(l.optional(), Some(&[hop(5)][..]));
    l.set_optional(None);
    assert_eq!((l.all(), l.optional()), (&[][..], None));
    // A parsed REL (its cause in place) equals the same list built from
    // vectors, and parses into a list that held an IAM's (on the heap) and
    // back.
    let rel = Repr::new(Variant::Itu, 5, MessageType::Rel, vec![cause(16)], None);
    let rel_bytes = rel.to_bytes().unwrap();
    let parsed = Repr::parse(&rel_bytes, Variant::Itu).unwrap();
    assert_eq!(parsed, rel);
    let mut reused = Repr::parse(&IAM_ITU, Variant::Itu).unwrap();
    for b in [&rel_bytes[..], &IAM_ITU[..], &rel_bytes[..]] {
        Repr::parse_into(b, Variant::Itu, &mut reused).unwrap();
        assert_eq!(reused, Repr::parse(b, Variant::Itu).unwrap());
    }
}

#[test]
fn parameter_list_serializes_as_two_lists() {
    // The JSON of `ainsim decode --json` / `ainsim encode --json`: the
    // mandatory list and the optional one (null when there is none), as
    // before the two were kept in one list.
    let none = Body::Parameters(ParameterList::new(vec![Parameter::HopCounter(3)], None));
    let some = Body::Parameters(ParameterList::new(vec![], Some(vec![Parameter::HopCounter(4)])));
    let j = |b: &Body| serde_json::to_string(b).unwrap();
    assert_eq!(j(&none), r#"{"parameters":{"mandatory":[{"hop_counter":3}],"optional":null}}"#);
    assert_eq!(j(&some), r#"{"parameters":{"mandatory":[],"optional":[{"hop_counter":4}]}}"#);
    for b in [&none, &some] {
        assert_eq!(&serde_json::from_str::<Body>(&j(b)).unwrap(), b);
    }
    // A missing optional list is none; a missing mandatory one is an error.
    let b: Body = serde_json::from_str(r#"{"parameters":{"mandatory":[{"hop_counter":3}]}}"#).unwrap();
    assert_eq!(b, none);
    assert!(serde_json::from_str::<Body>(r#"{"parameters":{"optional":[]}}"#).is_err());
}

#[test]
fn a_failed_parse_leaves_a_list_that_reads_consistently() {
    // The optional part is cut short: the walk fails after the list was
    // sized for both parts. What it holds reads as mandatory parameters
    // only, and the next parse into it starts clean.
    let mut r = Repr::parse(&IAM_ITU, Variant::Itu).unwrap();
    let cut = &IAM_ITU[..IAM_ITU.len() - 2];
    assert!(Repr::parse_into(cut, Variant::Itu, &mut r).is_err());
    let Body::Parameters(l) = &r.body else { panic!("a raw body after a failed IAM parse") };
    assert_eq!(l.optional(), None);
    assert_eq!(l.mandatory().len(), l.all().len());
    Repr::parse_into(&IAM_ITU, Variant::Itu, &mut r).unwrap();
    assert_eq!(r, Repr::parse(&IAM_ITU, Variant::Itu).unwrap());
}

#[test]
fn truncated_called_party_number_names_offset() {
    // Length 9 declared at offset 10, 4 octets left.
    let mut b = IAM_ITU[..15].to_vec();
    b[10] = 9;
    let e = Repr::parse(&b, Variant::Itu).unwrap_err();
    assert_eq!(e.layer, Layer::Isup);
    assert_eq!(e.offset, 10);
    assert_eq!(e.reason, Reason::BadLength { declared: 9, available: 4 });
    assert_eq!(
        e.to_string(),
        "isup: IAM called party number at offset 10: runs past the end (len 9, 4 left)"
    );
}

#[test]
fn bad_pointers_refused() {
    let mut b = IAM_ITU;
    b[8] = 0; // mandatory variable pointer 0
    let e = Repr::parse(&b, Variant::Itu).unwrap_err();
    assert_eq!((e.offset, e.reason.clone()), (8, Reason::BadPointer { pointer: 0 }));
    let mut b = IAM_ITU;
    b[9] = 9; // optional part pointer off by one
    let e = Repr::parse(&b, Variant::Itu).unwrap_err();
    assert_eq!((e.offset, e.reason.clone()), (9, Reason::BadPointer { pointer: 9 }));
    assert_eq!(e.message.as_deref(), Some("IAM"));
}

#[test]
fn missing_end_of_optional_parameters() {
    let b = &IAM_ITU[..IAM_ITU.len() - 1];
    let e = Repr::parse(b, Variant::Itu).unwrap_err();
    assert_eq!(e.offset, 26);
    assert!(matches!(e.reason, Reason::Truncated { .. }));
}

#[test]
fn trailing_octets_refused() {
    let mut b = REL_ITU.to_vec();
    b.push(0);
    let e = Repr::parse(&b, Variant::Itu).unwrap_err();
    assert_eq!((e.offset, e.reason.clone()), (8, Reason::Trailing { count: 1 }));
}

#[test]
fn short_header_refused() {
    let e = Repr::parse(&[0x01, 0x00], Variant::Itu).unwrap_err();
    assert_eq!(e.offset, 0);
    assert!(Packet::new_checked(&[0u8; 2][..], Variant::Ansi).is_err());
}

#[test]
fn fixed_parameter_truncated() {
    let e = Repr::parse(&[0x01, 0x00, 0x01, 0x10, 0x20], Variant::Itu).unwrap_err();
    assert_eq!(e.offset, 4);
    assert_eq!(e.parameter.as_deref(), Some("forward call indicators"));
}

#[test]
fn emit_refuses_what_it_cannot_encode() {
    let mut r = iam_repr();
    r.cic = 0x1000; // 13 bits in ITU
    assert!(r.to_bytes().is_err());
    let mut r = iam_repr();
    if let Body::Parameters(l) = &mut r.body {
        l.mandatory_mut().swap(0, 2);
    }
    assert!(r.to_bytes().is_err());
    let mut r = iam_repr();
    if let Body::Parameters(l) = &mut r.body {
        l.mandatory_mut()[4] = Parameter::CalledPartyNumber(Number::e164(3, "55x"));
    }
    let mut out = vec![0xee];
    assert!(r.emit(&mut out).is_err());
    assert_eq!(out, [0xee], "emit leaves the buffer as it was on error");
    // A bit field cannot hold a value wider than its bits: the builder masks,
    // and JSON refuses it.
    assert_eq!(NatureOfConnection::default().with_satellite(4).satellite(), 0);
    let json = r#"{"satellite":4,"continuity_check":0,"echo_control_device":0,"spare":0}"#;
    assert!(serde_json::from_str::<NatureOfConnection>(json).is_err());
    let ok = r#"{"satellite":1,"continuity_check":0,"echo_control_device":1,"spare":0}"#;
    assert_eq!(serde_json::from_str::<NatureOfConnection>(ok).unwrap().to_raw(), 0x11);
    // No optional part in COT.
    let r = Repr::new(
        Variant::Itu,
        1,
        MessageType::Cot,
        vec![Parameter::ContinuityIndicators(
            ContinuityIndicators::default().with_continuity(1).with_spare(0),
        )],
        Some(vec![]),
    );
    assert!(r.to_bytes().is_err());
    // Raw body for a message with a format.
    let r = Repr {
        variant: Variant::Itu,
        cic: 1,
        cic_spare: 0,
        message_type: MessageType::Rlc,
        body: Body::Raw(vec![]),
    };
    assert!(r.to_bytes().is_err());
}

#[test]
fn ansi_cic_spare_bits_round_trip() {
    // ANSI GRS, CIC 0x3abc with both spare bits set, range 23, no optional part.
    let b = [0xbc, 0xfa, 0x17, 0x02, 0x00, 0x01, 0x17];
    let r = Repr::parse(&b, Variant::Ansi).unwrap();
    assert_eq!((r.cic, r.cic_spare), (0x3abc, 3));
    assert_eq!(r.to_bytes().unwrap(), b);
}

#[test]
fn cic_helpers() {
    assert_eq!(cic_mask(Variant::Itu), 0x0fff);
    assert_eq!(cic_mask(Variant::Ansi), 0x3fff);
}

/// ANSI IAM, CIC 1000 (T1.113.3 §3.1): NCI, FCI, CPC fixed; user service
/// information and called party number variable; no optional part.
static IAM_ANSI: [u8; 22] = [
    0xe8, 0x03, // CIC 1000
    0x01, // IAM
    0x00, // nature of connection indicators
    0x20, 0x01, // forward call indicators
    0x0a, // calling party's category
    0x03, // pointer to user service information
    0x06, // pointer to called party number
    0x00, // no optional part
    0x03, 0x80, 0x90, 0xa2, // USI: speech, 64 kbit/s circuit mode, G.711 mu-law
    0x07, 0x03, 0x10, 0x12, 0x52, 0x55, 0x21, 0x43, // called: even, national, ISDN, 2125551234
];

#[test]
fn ansi_iam_spec_vector() {
    let r = Repr::parse(&IAM_ANSI, Variant::Ansi).unwrap();
    assert_eq!(r.cic, 1000);
    assert_eq!(r.mandatory().len(), 5);
    let Some(Parameter::UserServiceInformation(u)) = r.find(code::USER_SERVICE_INFO) else { panic!() };
    assert_eq!(u.bytes, [0x80, 0x90, 0xa2]);
    assert_eq!(r.find(code::CALLED).and_then(Parameter::digits), Some("2125551234"));
    assert_eq!(r.optional(), &[]);
    assert_eq!(r.to_bytes().unwrap(), IAM_ANSI);
    // The same octets are not an ITU IAM: there octet 7 is the transmission
    // medium requirement and the called party pointer no longer lines up.
    let e = Repr::parse(&IAM_ANSI, Variant::Itu).unwrap_err();
    assert_eq!((e.offset, e.reason.clone()), (8, Reason::BadPointer { pointer: 6 }));
}

#[test]
fn ansi_only_messages_are_raw_in_itu() {
    let cvr = [0x01, 0x00, 0xeb, 0x01, 0x05, 0x00];
    let a = Repr::parse(&cvr, Variant::Ansi).unwrap();
    assert_eq!(a.mandatory().len(), 2);
    let i = Repr::parse(&cvr, Variant::Itu).unwrap();
    assert_eq!(i.body, Body::Raw(vec![0x01, 0x05, 0x00]));
    assert_eq!(i.to_bytes().unwrap(), cvr);
}

/// `parse` answers messages without parameters itself; it must agree with
/// the walk on every short buffer (every code, CIC spare bits, pointer octet).
#[test]
fn bare_messages_agree_with_the_walk() {
    for v in [Variant::Itu, Variant::Ansi] {
        for mt in 0..=255u8 {
            for cic in [[0x00, 0x00], [0x01, 0x00], [0xff, 0xff], [0x34, 0xc2]] {
                let mut bufs = vec![vec![cic[0], cic[1], mt]];
                for p in [0u8, 1, 2, 0xff] {
                    bufs.push(vec![cic[0], cic[1], mt, p]);
                }
                for b in bufs {
                    let a = Repr::parse(&b, v).map_err(|e| e.to_string());
                    let g = Repr::parse_walk(&b, v).map_err(|e| e.to_string());
                    assert_eq!(a, g, "{v} {b:02x?}");
                }
            }
        }
    }
}

/// `parse` answers the everyday REL (a two-octet cause as the only
/// parameter) itself; it must agree with the walk on every 8-octet buffer
/// of that shape: every code (REL, CFN and the rest), both extension bits,
/// pointers and lengths off by one.
#[test]
fn short_cause_messages_parse_as_the_walk() {
    for v in [Variant::Itu, Variant::Ansi] {
        for mt in 0..=255u8 {
            for cic in [[0x01, 0x00], [0xff, 0xff]] {
                for (p1, p2, len) in [(2, 0, 2), (1, 0, 2), (2, 1, 2), (2, 0, 1), (2, 0, 3), (3, 0, 2)] {
                    for (o1, o2) in [(0x80, 0x90), (0x00, 0x90), (0xff, 0x11), (0x8a, 0x7f), (0x80, 0x00)] {
                        let b = [cic[0], cic[1], mt, p1, p2, len, o1, o2];
                        let a = Repr::parse(&b, v).map_err(|e| e.to_string());
                        let g = Repr::parse_walk(&b, v).map_err(|e| e.to_string());
                        assert_eq!(a, g, "{v} {b:02x?}");
                    }
                }
            }
        }
    }
}

/// `emit` and `to_bytes` write bare messages and the everyday REL in one
/// append; they must write what the general walk writes, and refuse what it
/// refuses (a CIC or
/// a cause field wider than its bits, a cause where the format has none, an
/// optional part).
#[test]
fn short_forms_emit_as_the_walk() {
    let cause =
        |cs: u8, spare: u8, location: u8, value: u8, value_ext: u8, rec: Option<u8>, diag: Vec<u8>| {
            Parameter::CauseIndicators(CauseIndicators {
                coding_standard: cs,
                spare,
                location,
                recommendation: rec,
                value,
                value_ext,
                diagnostics: diag,
            })
        };
    let causes = [
        cause(0, 0, 0, 16, 1, None, vec![]),
        cause(3, 1, 15, 0x7f, 0, None, vec![]),
        cause(4, 0, 0, 16, 1, None, vec![]),
        cause(0, 2, 0, 16, 1, None, vec![]),
        cause(0, 0, 16, 16, 1, None, vec![]),
        cause(0, 0, 0, 0x80, 1, None, vec![]),
        cause(0, 0, 0, 16, 2, None, vec![]),
        cause(0, 0, 0, 16, 1, Some(0x81), vec![]),
        cause(0, 0, 0, 16, 1, None, vec![0x01]),
    ];
    for v in [Variant::Itu, Variant::Ansi] {
        for mt in 0..=255u8 {
            for (cic, spare) in [(1, 0), (0x0fff, 0), (0x1000, 0), (0x3fff, 0), (0x4000, 0), (5, 3), (5, 15)]
            {
                let mut bodies = vec![
                    Body::Parameters(ParameterList::new(vec![], None)),
                    Body::Parameters(ParameterList::new(vec![], Some(vec![]))),
                    Body::Raw(vec![]),
                ];
                for c in &causes {
                    bodies.push(Body::Parameters(ParameterList::new(vec![c.clone()], None)));
                    bodies.push(Body::Parameters(ParameterList::new(vec![c.clone()], Some(vec![]))));
                }
                // Fixed and optional parameters of one or two octets (ACM,
                // CPG, ...), in and out of place, up to past 16 octets.
                let bci = Parameter::BackwardCallIndicators(BackwardCallIndicators(0x1416));
                let obci = Parameter::OptionalBackwardCallIndicators(OptionalBackwardCallIndicators(1));
                let event = Parameter::EventInformation(EventInformation(0x81));
                let fixed = [vec![], vec![bci.clone()], vec![event.clone()], vec![bci.clone(), bci.clone()]];
                let opts = [
                    None,
                    Some(vec![]),
                    Some(vec![obci.clone()]),
                    Some(vec![obci.clone(), Parameter::HopCounter(9), bci.clone()]),
                    Some(vec![obci.clone(); 4]),
                    Some(vec![obci.clone(); 5]),
                    Some(vec![Parameter::Unknown { code: 0xfe, bytes: vec![1] }]),
                    Some(vec![Parameter::HopCounter(3)]),
                ];
                for m in &fixed {
                    for o in &opts {
                        bodies.push(Body::Parameters(ParameterList::new(m.clone(), o.clone())));
                    }
                }
                bodies.push(Body::Parameters(ParameterList::new(vec![Parameter::HopCounter(3)], None)));
                for body in bodies {
                    let r = Repr {
                        variant: v,
                        cic,
                        cic_spare: spare,
                        message_type: MessageType::lookup(mt),
                        body,
                    };
                    let (mut a, mut g) = (vec![0xee], vec![0xee]);
                    let ra = r.emit(&mut a).map_err(|e| e.to_string());
                    let rg = r.emit_general(&mut g).map_err(|e| e.to_string());
                    assert_eq!((&ra, &a), (&rg, &g), "{r:?}");
                    let t = r.to_bytes().map(Vec::from).map_err(|e| e.to_string());
                    assert_eq!(t, rg.map(|()| g[1..].to_vec()), "to_bytes {r:?}");
                }
            }
        }
    }
}

/// `emit` and `to_bytes` write the everyday IAM (and any message of short
/// parameters and numbers up to 64 octets) in one pass, `to_bytes` into
/// its inline result; they must write what the general walk writes, and
/// refuse what it refuses: numbers too long, with a bad digit or a field
/// wider than its bits, a parameter out of place, an optional part where
/// none is allowed, a message past 64 octets.
#[test]
fn medium_forms_emit_as_the_walk() {
    let num = |digits: &str| Number { screening: 3, ..Number::e164(3, digits) };
    let numbers = [
        num("5551234"),
        num("30355501"),
        num(""),
        num("1"),
        num(&"9".repeat(32)),
        num(&"9".repeat(33)),
        num("55x"),
        num("ABCDEF0"),
        Number { nature_of_address: 0x80, ..num("12") },
        Number { presentation: 4, ..num("12") },
    ];
    let base = iam_repr();
    let Body::Parameters(list) = &base.body else { panic!("IAM without parameters") };
    let fixed = list.mandatory()[..4].to_vec();
    let mut bodies = vec![];
    for called in &numbers {
        for calling in &numbers {
            let mut m = fixed.clone();
            m.push(Parameter::CalledPartyNumber(called.clone()));
            let opt = |extra: Vec<Parameter>| {
                let mut o = vec![Parameter::CallingPartyNumber(calling.clone())];
                o.extend(extra);
                Some(o)
            };
            for o in [
                None,
                Some(vec![]),
                opt(vec![]),
                opt(vec![Parameter::HopCounter(20), Parameter::PropagationDelayCounter(0x1234)]),
                opt(vec![Parameter::OriginalCalledNumber(calling.clone())]),
                opt(vec![Parameter::ChargeNumber(calling.clone())]),
                opt(vec![Parameter::Unknown { code: 0xfe, bytes: vec![1] }]),
                opt(vec![Parameter::HopCounter(1); 12]),
            ] {
                bodies.push(Body::Parameters(ParameterList::new(m.clone(), o)));
            }
        }
    }
    // Out of place: a number where a fixed parameter goes, a calling number
    // where the called goes, a parameter missing.
    let mut m = fixed.clone();
    m.push(Parameter::CallingPartyNumber(num("12")));
    bodies.push(Body::Parameters(ParameterList::new(m, None)));
    let mut m = fixed.clone();
    m[0] = Parameter::CalledPartyNumber(num("12"));
    m.push(Parameter::CalledPartyNumber(num("12")));
    bodies.push(Body::Parameters(ParameterList::new(m, None)));
    bodies.push(Body::Parameters(ParameterList::new(fixed.clone(), None)));
    for v in [Variant::Itu, Variant::Ansi] {
        for mt in [MessageType::Iam, MessageType::Acm, MessageType::Sam, MessageType::Cpg, MessageType::Rel] {
            for (cic, spare) in [(1, 0), (0x0fff, 0), (0x1000, 0), (0x3fff, 0), (0x4000, 0), (5, 3)] {
                for body in &bodies {
                    let r = Repr { variant: v, cic, cic_spare: spare, message_type: mt, body: body.clone() };
                    let mut g = vec![0xee];
                    let rg = r.emit_general(&mut g).map_err(|e| e.to_string());
                    let mut a = vec![0xee];
                    let ra = r.emit(&mut a).map_err(|e| e.to_string());
                    assert_eq!((&ra, &a), (&rg, &g), "emit {r:?}");
                    let t = r.to_bytes().map(Vec::from).map_err(|e| e.to_string());
                    assert_eq!(t, rg.map(|()| g[1..].to_vec()), "to_bytes {r:?}");
                }
            }
        }
    }
    // Every example of both variants, and the everyday IAM by the medium
    // form.
    for v in [Variant::Itu, Variant::Ansi] {
        for (name, r) in examples(v) {
            let mut g = Vec::new();
            r.emit_general(&mut g).unwrap();
            let t = r.to_bytes().unwrap();
            assert_eq!(t, g, "{v} {name}");
            // Up to 64 octets the result holds the message inline, however
            // it was written (short form, medium form, the walk).
            assert_eq!(t.is_inline(), g.len() <= MEDIUM, "{v} {name}");
            let mut buf = [0; MEDIUM];
            let n = r.medium_form(&mut buf);
            if name == "IAM" && v == Variant::Itu {
                assert_eq!(n, Some(g.len()), "{v} {name}");
            }
            if let Some(n) = n {
                assert_eq!(buf[..n], g, "{v} {name}");
            }
        }
    }
}
