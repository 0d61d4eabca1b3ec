//! Spec vectors (deconstruct, construct, parse, emit), example round trips
//! and error offsets.

use super::*;

/// ITU UDT, class 1 + return on error; called: route on GT, GTI 4, SSN 241,
/// TT 0, E.164, international, 18005551234; calling: route on SSN, PC
/// 2-100-5, SSN 241; data: a TCAP Begin with OTID 1.
static UDT_ITU: [u8; 31] = [
    0x09, 0x81, 0x03, 0x0e, 0x12, // type, class, three pointers
    0x0b, 0x12, 0xf1, 0x00, 0x11, 0x04, 0x81, 0x00, 0x55, 0x15, 0x32, 0x04, // called
    0x04, 0x43, 0x25, 0x13, 0xf1, // calling
    0x08, 0x62, 0x06, 0x48, 0x04, 0x00, 0x00, 0x00, 0x01, // data
];

/// ANSI XUDTS, return cause 12 (hop counter violation), hop counter 14;
/// called: NI, route on SSN, SSN 247, PC 245-16-1; calling: NI, route on GT,
/// GTI 2, TT 8, 8005551234; data 2 octets; optional: importance 3.
static XUDTS_ANSI: [u8; 33] = [
    0x12, 0x0c, 0x0e, 0x04, 0x09, 0x11, 0x13, // type, cause, hops, four pointers
    0x05, 0xc3, 0xf7, 0x01, 0x10, 0xf5, // called
    0x08, 0x89, 0x08, 0x08, 0x08, 0x50, 0x55, 0x21, 0x43, // calling: NI, GTI 2, SSN 8, TT 8
    0x02, 0xaa, 0xbb, // data
    0x12, 0x01, 0x03, 0x00, // importance, end of optional
    0x00, 0x00, 0x00, 0x00, // (trimmed in the test)
];

fn udt_itu_repr() -> Repr {
    Repr::Udt(Udt {
        protocol_class: ProtocolClass::class1(true),
        called_party: Address::gt(
            Variant::Itu,
            GlobalTitle::TtNpEsNai {
                translation_type: 0,
                numbering_plan: numbering_plan::E164,
                nature_of_address: nature_of_address::INTERNATIONAL,
                digits: "18005551234".into(),
            },
            Some(241),
        ),
        calling_party: Address {
            national: false,
            ..Address::pc_ssn(Variant::Itu, PointCode::itu(2, 100, 5), 241)
        },
        data: vec![0x62, 0x06, 0x48, 0x04, 0x00, 0x00, 0x00, 0x01],
    })
}

#[test]
fn deconstruct_udt() {
    let p = Packet::new_checked(&UDT_ITU[..], Variant::Itu).unwrap();
    assert_eq!(p.message_type(), MessageType::Udt);
    assert_eq!(p.protocol_class(), Some(ProtocolClass::class1(true)));
    assert_eq!(p.called_party_address().unwrap(), Some(&UDT_ITU[6..17]));
    assert_eq!(p.calling_party_address().unwrap(), Some(&UDT_ITU[18..22]));
    assert_eq!(p.user_data().unwrap(), Some(&UDT_ITU[23..]));
    let called = p.called_party().unwrap().unwrap();
    assert_eq!(called.ssn(), Some(241));
    assert_eq!(called.gti(), 4);
    assert_eq!(called.routing(), Routing::GlobalTitle);
    assert_eq!(called.global_title_bytes(), &UDT_ITU[8..17]);
    let calling = p.calling_party().unwrap().unwrap();
    assert_eq!(calling.point_code(), Some(PointCode::itu(2, 100, 5)));
    assert_eq!(p.hop_counter().unwrap(), None);
}

#[test]
fn parse_emit_udt() {
    assert_eq!(Repr::parse(&UDT_ITU, Variant::Itu).unwrap(), udt_itu_repr());
    assert_eq!(udt_itu_repr().to_bytes(Variant::Itu).unwrap(), UDT_ITU);
    assert_eq!(udt_itu_repr().buffer_len(Variant::Itu), UDT_ITU.len());
}

#[test]
fn ansi_xudts_vector() {
    // Calling AI: NI (0x80), RI = GT (0), GTI 2 (0x08), SSN ind (bit 1) = 0x89.
    let b = &XUDTS_ANSI[..29];
    let r = Repr::parse(b, Variant::Ansi).unwrap();
    let Repr::Xudts(m) = &r else { panic!("not XUDTS: {r:?}") };
    assert_eq!(m.return_cause, ReturnCause::HopCounterViolation);
    assert_eq!(m.hop_counter, 14);
    assert_eq!(m.called_party, Address::pc_ssn(Variant::Ansi, PointCode::ansi(245, 16, 1), 247));
    assert_eq!(
        m.calling_party,
        Address::gt(
            Variant::Ansi,
            GlobalTitle::Tt { translation_type: 8, digits: "8005551234".into() },
            Some(8)
        )
    );
    assert_eq!(m.data, [0xaa, 0xbb]);
    assert_eq!(m.optional, [OptionalParameter::Importance(3)]);
    assert_eq!(r.to_bytes(Variant::Ansi).unwrap(), b);
    let mut buf = b.to_vec();
    let mut p = Packet::new_checked(&mut buf[..], Variant::Ansi).unwrap();
    assert_eq!(p.return_cause(), Some(ReturnCause::HopCounterViolation));
    assert_eq!(p.hop_counter().unwrap(), Some(14));
    assert!(p.set_hop_counter(13));
    assert_eq!(p.hop_counter().unwrap(), Some(13));
    assert_eq!(p.called_party().unwrap().unwrap().point_code(), Some(PointCode::ansi(245, 16, 1)));
}

#[test]
fn examples_round_trip() {
    for variant in [Variant::Itu, Variant::Ansi] {
        let ex = examples(variant);
        assert_eq!(ex.len(), 20);
        for (name, r) in ex {
            let b = r.to_bytes(variant).unwrap_or_else(|e| panic!("{variant} {name}: {e}"));
            let back = Repr::parse(&b, variant).unwrap_or_else(|e| panic!("{variant} {name}: {e}"));
            assert_eq!(back, r, "{variant} {name}");
            assert_eq!(back.message_type().to_u8(), b[0]);
            let p = Packet::new_checked(&b[..], variant).unwrap();
            assert_eq!(p.message_type(), r.message_type());
            assert_eq!(p.user_data().unwrap(), r.data(), "{variant} {name}");
            p.check_layout().unwrap();
            let json = serde_json::to_string(&r).unwrap();
            let from_json: Repr = serde_json::from_str(&json).unwrap();
            assert_eq!(from_json, r, "{json}");
        }
    }
}

#[test]
fn unknown_message_kept() {
    let b = [0x42, 0x01, 0x02, 0x03];
    let r = Repr::parse(&b, Variant::Itu).unwrap();
    assert_eq!(r, Repr::Unknown { message_type: 0x42, body: vec![1, 2, 3] });
    assert_eq!(r.to_bytes(Variant::Itu).unwrap(), b);
    assert!(Repr::Unknown { message_type: 0x09, body: vec![] }.to_bytes(Variant::Itu).is_err());
}

#[test]
fn unknown_optional_kept_in_order() {
    // XUDT with an ANSI-style MTI (0xf8) before segmentation.
    let Repr::Xudt(mut m) = examples(Variant::Ansi).remove(2).1 else { panic!() };
    m.optional.insert(0, OptionalParameter::Unknown { code: 0xf8, data: vec![0x01] });
    let r = Repr::Xudt(m);
    let b = r.to_bytes(Variant::Ansi).unwrap();
    assert_eq!(Repr::parse(&b, Variant::Ansi).unwrap(), r);
}

#[test]
fn error_truncated_fixed_part() {
    let e = Repr::parse(&[0x11, 0x81], Variant::Itu).unwrap_err();
    assert_eq!(e.layer, Layer::Sccp);
    assert_eq!(e.offset, 1);
    assert_eq!(e.message.as_deref(), Some("XUDT"));
}

#[test]
fn error_zero_pointer() {
    let mut b = UDT_ITU;
    b[3] = 0;
    let e = Repr::parse(&b, Variant::Itu).unwrap_err();
    assert_eq!(e.offset, 3);
    assert_eq!(e.reason, Reason::BadPointer { pointer: 0 });
    assert_eq!(e.parameter.as_deref(), Some("calling party address"));
}

#[test]
fn error_length_past_end() {
    let mut b = UDT_ITU;
    b[22] = 9; // data length 9, 8 left
    let e = Repr::parse(&b, Variant::Itu).unwrap_err();
    assert_eq!(e.offset, 22);
    assert_eq!(e.reason, Reason::BadLength { declared: 9, available: 8 });
    assert_eq!(e.to_string(), "sccp: UDT data at offset 22: runs past the end (len 9, 8 left)");
}

#[test]
fn error_trailing() {
    let mut b = UDT_ITU.to_vec();
    b.push(0);
    let e = Repr::parse(&b, Variant::Itu).unwrap_err();
    assert_eq!(e.offset, 31);
    assert_eq!(e.reason, Reason::Trailing { count: 1 });
}

#[test]
fn error_address_offset_is_absolute() {
    // Calling party says PC + SSN but holds only one octet of PC.
    let b = [0x09, 0x00, 0x03, 0x04, 0x06, 0x01, 0x40, 0x02, 0x43, 0x25, 0x00];
    let e = Repr::parse(&b, Variant::Itu).unwrap_err();
    assert_eq!(e.parameter.as_deref(), Some("point code"));
    assert_eq!(e.offset, 9);
}

#[test]
fn error_empty_optional_part() {
    // XUDT whose optional pointer points at a bare end-of-optional octet.
    let b = [0x11, 0x00, 0x0f, 0x04, 0x05, 0x06, 0x06, 0x01, 0x42, 0x01, 0x42, 0x00, 0x00];
    let e = Repr::parse(&b, Variant::Itu).unwrap_err();
    assert_eq!(e.offset, 12);
}

#[test]
fn ludt_uses_two_octet_pointers() {
    let (_, r) = examples(Variant::Itu).into_iter().find(|(n, _)| *n == "ludt").unwrap();
    let b = r.to_bytes(Variant::Itu).unwrap();
    // type, class, hops, then four 2-octet pointers counted from their
    // second octet: the first is 7 (octet 4 + 7 = 11, after the pointers).
    assert_eq!(&b[3..5], &[0x07, 0x00]);
}

#[test]
fn emit_refuses_overlong_and_leaves_out_untouched() {
    let Repr::Udt(mut m) = udt_itu_repr() else { unreachable!() };
    m.data = vec![0; 256];
    let mut out = vec![0xaa];
    let e = Repr::Udt(m.clone()).emit(Variant::Itu, &mut out).unwrap_err();
    assert_eq!(e.reason, Reason::TooLong { len: 256, max: 255 });
    assert_eq!(out, [0xaa]);
    // The same data fits a LUDT.
    let x = Repr::Ludt(Xudt {
        protocol_class: m.protocol_class,
        hop_counter: 15,
        called_party: m.called_party,
        calling_party: m.calling_party,
        data: vec![0x5a; 1000],
        optional: vec![],
    });
    let b = x.to_bytes(Variant::Itu).unwrap();
    assert_eq!(Repr::parse(&b, Variant::Itu).unwrap(), x);
}

/// The one-pass UDT read must agree with the general walk on every input:
/// the same repr, or `None` where the walk refuses (or the walk's error).
fn udt_paths_agree(buf: &[u8], v: Variant) {
    let general = Repr::parse_general(buf, v);
    // `parse` takes the one-pass read only for message type 0x09.
    match Repr::parse_udt(buf, v).filter(|_| buf.first() == Some(&0x09)) {
        Some(udt) => assert_eq!(general.ok(), Some(Repr::Udt(udt)), "{buf:02x?}"),
        // Refused by the one-pass read: `parse` is the general walk.
        None => assert_eq!(Repr::parse(buf, v).ok(), general.ok(), "{buf:02x?}"),
    }
    assert_eq!(
        Repr::parse(buf, v).map_err(|e| e.to_string()),
        Repr::parse_general(buf, v).map_err(|e| e.to_string())
    );
}

#[test]
fn one_pass_udt_agrees_with_the_general_walk() {
    for v in [Variant::Itu, Variant::Ansi] {
        let mut frames: Vec<Vec<u8>> = examples(v)
            .into_iter()
            .filter(|(_, r)| r.message_type() == MessageType::Udt)
            .map(|(_, r)| r.to_bytes(v).unwrap())
            .collect();
        frames.push(UDT_ITU.to_vec());
        for b in frames {
            udt_paths_agree(&b, v);
            for n in 0..b.len() {
                udt_paths_agree(&b[..n], v);
            }
            let mut longer = b.clone();
            longer.push(0);
            udt_paths_agree(&longer, v);
            for i in 0..b.len() {
                for x in [0u8, 1, 2, 3, 4, 5, 6, 0x7f, 0x80, 0xc3, 0xfe, 0xff, b[i] ^ 1, b[i].wrapping_sub(1)]
                {
                    let mut m = b.clone();
                    m[i] = x;
                    udt_paths_agree(&m, v);
                }
            }
        }
    }
}

/// The direct UDT emit must write what the general path writes, after
/// whatever `out` already holds, or leave `out` alone and give its error.
fn udt_emits_agree(r: &Repr, v: Variant) {
    let (mut fast, mut general) = (vec![0xaa, 0x55], vec![0xaa, 0x55]);
    let a = r.emit(v, &mut fast).map_err(|e| e.to_string());
    let b = r.emit_general(v, &mut general).map_err(|e| e.to_string());
    assert_eq!(a, b, "{r:?}");
    assert_eq!(fast, general, "{r:?}");
    if a.is_ok() {
        assert_eq!(r.to_bytes(v).ok().as_deref(), general.get(2..), "{r:?}");
    }
}

#[test]
fn direct_udt_emit_agrees_with_the_general_path() {
    use crate::isup::Digits;
    for v in [Variant::Itu, Variant::Ansi] {
        for (_, r) in examples(v) {
            let Repr::Udt(m) = r else { continue };
            let mut cases = vec![m.clone()];
            // User data around the one-octet length limit.
            for n in [0, 1, 200, 240, 250, 255, 256, 300] {
                cases.push(Udt { data: vec![0x5a; n], ..m.clone() });
            }
            // Addresses around the pointer limit, bad point codes and digits,
            // a bad protocol class.
            for gt_len in [0, 100, 200, 240, 250, 251, 252, 253, 255] {
                let raw = GlobalTitle::Raw { gti: 5, bytes: vec![0x21; gt_len] };
                let mut c = m.clone();
                c.called_party.global_title = raw.clone();
                cases.push(c.clone());
                c.calling_party.global_title = raw;
                cases.push(c.clone());
                c.data = vec![1; 60];
                cases.push(c);
            }
            let mut c = m.clone();
            c.called_party.point_code = Some(crate::variant::PointCode(0x0100_0000));
            cases.push(c);
            let mut c = m.clone();
            c.calling_party.global_title =
                GlobalTitle::Tt { translation_type: 0, digits: Digits::from("12G4") };
            cases.push(c);
            let mut c = m.clone();
            c.calling_party.global_title =
                GlobalTitle::Tt { translation_type: 0, digits: Digits::from("123") };
            cases.push(c);
            let mut c = m.clone();
            c.protocol_class.class = 0x10;
            cases.push(c);
            for c in cases {
                udt_emits_agree(&Repr::Udt(c), v);
            }
        }
    }
}

#[test]
fn lazy_view_checks_what_each_accessor_reads() {
    // The data length says 9 octets, 8 follow: the header and the addresses
    // are fine, the user data is refused with a typed error.
    let mut b = UDT_ITU.to_vec();
    b[22] = 9;
    let p = Packet::new_checked(&b[..], Variant::Itu).unwrap();
    assert_eq!(p.called_party().unwrap().unwrap().ssn(), Some(241));
    assert_eq!(p.calling_party_address().unwrap(), Some(&UDT_ITU[18..22]));
    let e = p.user_data().unwrap_err().into_inner();
    assert_eq!((e.offset, e.message.as_deref(), e.parameter.as_deref()), (22, Some("UDT"), Some("data")));
    assert!(matches!(e.reason, Reason::BadLength { declared: 9, available: 8 }), "{:?}", e.reason);
    assert!(p.check_layout().is_err());
    // A zero pointer: refused by the accessor that reads it.
    let mut b = UDT_ITU.to_vec();
    b[3] = 0;
    let p = Packet::new_checked(&b[..], Variant::Itu).unwrap();
    assert!(p.called_party().is_ok());
    let e = p.calling_party().unwrap_err().into_inner();
    assert_eq!((e.offset, e.parameter.as_deref()), (3, Some("calling party address")));
    // Header only: the fixed part and the pointers must be there.
    for n in 1..5 {
        let e = Packet::new_checked(&UDT_ITU[..n], Variant::Itu).unwrap_err().into_inner();
        assert_eq!(e.message.as_deref(), Some("UDT"), "{n}");
    }
    assert!(Packet::new_checked(&[][..], Variant::Itu).is_err());
    // An address shorter than its indicator: the address view's error, placed.
    let mut b = UDT_ITU.to_vec();
    b[5] = 1; // called party: the indicator only (SSN missing)
    let p = Packet::new_checked(&b[..], Variant::Itu).unwrap();
    let e = p.called_party().unwrap_err().into_inner();
    assert_eq!((e.offset, e.parameter.as_deref()), (6, Some("called party address")));
}
