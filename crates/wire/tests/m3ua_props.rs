//! Property tests for M3UA, its stream framer and the pcap reader:
//! arbitrary and mutated input never panics, whatever is accepted re-emits
//! byte for byte, reprs round-trip, and any chunking of a stream of
//! messages yields exactly those messages.
#![allow(clippy::unwrap_used)]

use std::net::{Ipv4Addr, SocketAddrV4};

use ainsim_wire::m3ua::{
    self, ErrorCode, M3uaFramer, M3uaMessageType, M3uaPacket, M3uaParameter, M3uaRepr, MaskedPointCode,
    ProtocolData, TrafficMode,
};
use ainsim_wire::pcap::{LinkType, PcapReader, PcapWriter};
use ainsim_wire::PointCode;
use proptest::prelude::*;

fn example_bytes() -> Vec<Vec<u8>> {
    m3ua::examples().iter().map(|(_, r)| r.to_bytes().unwrap()).collect()
}

fn check_accepted(b: &[u8]) {
    if let Ok(r) = M3uaRepr::parse(b) {
        assert_eq!(r.to_bytes().unwrap(), b, "accepted buffer must re-emit identically");
        assert_eq!(r.buffer_len(), b.len());
    }
    if let Ok(p) = M3uaPacket::new_checked(b) {
        let _ = (p.class(), p.message_type(), p.length(), p.message());
        let _ = p.protocol_data();
        for raw in p.raw_params() {
            if raw.is_err() {
                break;
            }
        }
    }
}

fn param() -> impl Strategy<Value = M3uaParameter> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..24);
    let pc24 = || (0u32..=0x00ff_ffff).prop_map(PointCode);
    prop_oneof![
        "[ -~]{0,20}".prop_map(M3uaParameter::InfoString),
        proptest::collection::vec(any::<u32>(), 1..4).prop_map(|v| M3uaParameter::RoutingContext(v.into())),
        bytes().prop_map(M3uaParameter::DiagnosticInformation),
        bytes().prop_map(M3uaParameter::HeartbeatData),
        any::<u32>().prop_map(|v| M3uaParameter::TrafficModeType(TrafficMode::from_value(v))),
        any::<u32>().prop_map(|v| M3uaParameter::ErrorCode(ErrorCode::from_value(v))),
        (any::<u16>(), any::<u16>())
            .prop_map(|(a, b)| M3uaParameter::Status { status_type: a, status_info: b }),
        any::<u32>().prop_map(M3uaParameter::AspIdentifier),
        proptest::collection::vec((any::<u8>(), pc24()), 1..4).prop_map(
            |v| M3uaParameter::AffectedPointCode(
                v.into_iter().map(|(mask, pc)| MaskedPointCode { mask, pc }).collect()
            )
        ),
        any::<u32>().prop_map(M3uaParameter::CorrelationId),
        any::<u32>().prop_map(M3uaParameter::NetworkAppearance),
        (any::<u16>(), any::<u16>()).prop_map(|(cause, user)| M3uaParameter::UserCause { cause, user }),
        any::<u8>().prop_map(M3uaParameter::CongestionIndications),
        pc24().prop_map(M3uaParameter::ConcernedDestination),
        // Up to 100 octets: both sides of the inline limit (62).
        (any::<u32>(), any::<u32>(), any::<[u8; 4]>(), proptest::collection::vec(any::<u8>(), 0..100))
            .prop_map(|(o, d, f, user_data)| {
                M3uaParameter::ProtocolData(ProtocolData {
                    opc: PointCode(o),
                    dpc: PointCode(d),
                    si: f[0],
                    ni: f[1],
                    mp: f[2],
                    sls: f[3],
                    user_data: user_data.into(),
                })
            }),
        (any::<u16>().prop_filter("untyped tag", |t| !M3uaParameter::is_typed_tag(*t)), bytes())
            .prop_map(|(tag, value)| M3uaParameter::Unknown { tag, value }),
    ]
}

fn repr() -> impl Strategy<Value = M3uaRepr> {
    (any::<u8>(), any::<u8>(), proptest::collection::vec(param(), 0..7)).prop_map(|(c, t, params)| {
        // Up to six parameters: both sides of the inline limit (4).
        M3uaRepr::new(M3uaMessageType::from_class_type(c % 12, t % 8), params)
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..96)) {
        check_accepted(&b);
    }

    #[test]
    fn arbitrary_params_behind_a_valid_header(mut body in proptest::collection::vec(any::<u8>(), 0..64), cls in 0u8..10, ty in 0u8..7) {
        body.truncate(body.len() & !3);
        let mut b = vec![1, 0, cls, ty];
        b.extend_from_slice(&((body.len() + 8) as u32).to_be_bytes());
        b.extend_from_slice(&body);
        check_accepted(&b);
    }

    #[test]
    fn mutated_examples(idx in any::<prop::sample::Index>(), muts in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4), cut in any::<Option<prop::sample::Index>>()) {
        let all = example_bytes();
        let mut b = all[idx.index(all.len())].clone();
        for (i, v) in muts {
            let at = i.index(b.len());
            b[at] = v;
        }
        if let Some(c) = cut {
            b.truncate(c.index(b.len() + 1));
        }
        check_accepted(&b);
    }

    #[test]
    fn repr_round_trips(r in repr()) {
        if let Ok(b) = r.to_bytes() {
            prop_assert_eq!(b.len(), r.buffer_len());
            prop_assert_eq!(&M3uaRepr::parse(&b).unwrap(), &r);
            let json = serde_json::to_string(&r).unwrap();
            prop_assert_eq!(&serde_json::from_str::<M3uaRepr>(&json).unwrap(), &r);
        }
    }

    #[test]
    fn framer_any_chunking(cuts in proptest::collection::vec(1usize..200, 1..40)) {
        let msgs = example_bytes();
        let stream: Vec<u8> = msgs.concat();
        let mut f = M3uaFramer::new();
        let mut got = Vec::new();
        let mut at = 0;
        let mut i = 0;
        while at < stream.len() {
            let n = cuts[i % cuts.len()].min(stream.len() - at);
            i += 1;
            f.push(&stream[at..at + n]).unwrap();
            at += n;
            while let Some(m) = f.pop().unwrap() {
                got.push(m);
            }
        }
        prop_assert_eq!(got, msgs);
        prop_assert_eq!(f.buffered(), 0);
    }

    #[test]
    fn framer_arbitrary_stream_never_panics(b in proptest::collection::vec(any::<u8>(), 0..128), chunk in 1usize..32) {
        let mut f = M3uaFramer::with_max(64);
        'outer: for c in b.chunks(chunk) {
            if f.push(c).is_err() {
                break;
            }
            loop {
                match f.pop() {
                    Ok(Some(m)) => { assert!(m.len() >= 8 && m.len() <= 64); check_accepted(&m); }
                    Ok(None) => break,
                    Err(_) => break 'outer,
                }
            }
            assert!(f.buffered() <= b.len());
        }
    }

    #[test]
    fn pcap_reader_arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..128)) {
        read_all(&b);
    }

    #[test]
    fn pcap_reader_arbitrary_records(link in prop::sample::select(vec![1u32, 101, 113, 139, 140, 141, 228, 276, 147]), big in any::<bool>(), body in proptest::collection::vec(any::<u8>(), 0..160)) {
        let mut b = Vec::new();
        let put32 = |b: &mut Vec<u8>, v: u32| b.extend_from_slice(&if big { v.to_be_bytes() } else { v.to_le_bytes() });
        put32(&mut b, 0xa1b2_c3d4);
        b.extend_from_slice(&if big { [0, 2, 0, 4] } else { [2, 0, 4, 0] });
        b.extend_from_slice(&[0; 8]);
        put32(&mut b, 65535);
        put32(&mut b, link);
        // One record whose length covers the body, then the raw body.
        put32(&mut b, 0);
        put32(&mut b, 0);
        put32(&mut b, body.len() as u32);
        put32(&mut b, body.len() as u32);
        b.extend_from_slice(&body);
        read_all(&b);
    }

    #[test]
    fn pcap_reader_mutated_m3ua_capture(muts in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let mut b = m3ua_capture();
        for (i, v) in muts {
            let at = i.index(b.len());
            b[at] = v;
        }
        read_all(&b);
    }
}

fn m3ua_capture() -> Vec<u8> {
    let a = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 2905);
    let z = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 2905);
    let mut w = PcapWriter::new(Vec::new(), LinkType::Ethernet).unwrap();
    for m in example_bytes().iter().take(4) {
        w.write_m3ua(0, a, z, m).unwrap();
    }
    w.into_inner()
}

fn read_all(b: &[u8]) {
    let Ok(r) = PcapReader::new(b) else { return };
    for rec in r {
        let Ok(rec) = rec else { break };
        if let Ok(ainsim_wire::pcap::Frame::Sctp(p)) = rec.decode() {
            for (m, off) in p.m3ua_messages() {
                assert_eq!(&b[off..off + m.len()], m);
                check_accepted(m);
            }
        }
    }
}
