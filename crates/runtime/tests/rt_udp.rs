//! The tokio runtime in real time: two of our own SSPs linked by MTP2 over
//! UDP on loopback (no outside stack needed). The link aligns (emergency
//! proving), both link tests pass, and a call from SSP-B's 2125550143 to
//! SSP-A's 3125550100 is answered and released by the caller.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub)]

#[path = "../examples/ssp_udp.rs"]
mod ssp_udp;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use ainsim_elements::mtp2link::{LinkTest, Mtp2Config};
use ainsim_elements::ssp::config::{LineConfig, LinkSetConfig, PrefixRoute};
use ainsim_elements::{EventKind, Phone, PhoneScript, Port, Ssp, WhenCalled};
use ainsim_runtime::rt::{Rt, RtEvent, Tap};
use ainsim_wire::Variant;

fn free_port() -> SocketAddr {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_ssps_call_each_other_over_mtp2_udp() {
    for v in [Variant::Itu, Variant::Ansi] {
        let (b_pc, a_pc) = ssp_udp::point_codes(v);
        let fast = |me, peer| Mtp2Config {
            emergency: true,
            link_test: Some(LinkTest {
                variant: v,
                opc: me,
                dpc: peer,
                ni: 2,
                slc: 0,
                t1: Duration::from_secs(4),
            }),
            ..Mtp2Config::default()
        };
        // SSP-B as in the example (its foreign exchange is SSP-A here).
        let b_cfg = ssp_udp::ssp_config(v);
        // SSP-A: the "foreign" point code, line 3125550100, 212 routed back.
        let mut a_cfg = ssp_udp::ssp_config(v);
        a_cfg.name = "SSP-A".into();
        a_cfg.signalling.point_code = a_pc;
        a_cfg.signalling.linksets = vec![LinkSetConfig { adjacent: b_pc, ports: vec![ssp_udp::LINK] }];
        a_cfg.trunk_groups[0].far_end = b_pc;
        a_cfg.numbering.routes = vec![PrefixRoute {
            prefix: "212".into(),
            length: None,
            trunk_groups: vec!["to-ext".into()],
            trigger: None,
        }];
        a_cfg.lines = vec![LineConfig { number: ssp_udp::FOREIGN.into(), ..a_cfg.lines[0].clone() }];

        let (pa, pb) = (free_port(), free_port());
        let tap = Tap::new();
        let mut rt = Rt::new();
        rt.tap(tap.clone());
        let a = rt.add(Ssp::new(&a_cfg).unwrap());
        let b = rt.add(Ssp::new(&b_cfg).unwrap());
        let callee = rt.add(Phone::new(PhoneScript {
            when_called: WhenCalled::Answer { after: Duration::from_millis(300) },
            ..PhoneScript::new(ssp_udp::FOREIGN)
        }));
        let caller = rt.add(Phone::new(PhoneScript {
            calls: vec![ainsim_elements::PlacedCall {
                at: Duration::from_millis(1500),
                to: ssp_udp::FOREIGN.into(),
                holding: Some(Duration::from_millis(300)),
                give_up_after: Some(Duration::from_secs(10)),
            }],
            ..PhoneScript::new(ssp_udp::CALLER)
        }));
        rt.wire(callee, Phone::LINE, a, Port(0));
        rt.wire(caller, Phone::LINE, b, Port(1));
        rt.mtp2_udp(a, ssp_udp::LINK, pa, pb, fast(a_pc, b_pc)).await.unwrap();
        rt.mtp2_udp(b, ssp_udp::LINK, pb, pa, fast(b_pc, a_pc)).await.unwrap();
        let mut running = rt.start();

        let mut events: Vec<RtEvent> = vec![];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        let released = |ev: &[RtEvent], who: &str| {
            ev.iter().any(|e| e.source == who && matches!(e.event.kind, EventKind::Released { cause: 16 }))
        };
        while !(released(&events, "SSP-A") && released(&events, "SSP-B")) {
            match tokio::time::timeout_at(deadline, running.events.recv()).await {
                Ok(Some(e)) => events.push(e),
                _ => break,
            }
        }
        running.shutdown();
        for e in &events {
            println!("{:>12} {:<16} {:?}", e.at.to_string(), e.source, e.event.kind);
        }
        for who in ["SSP-A", "SSP-B"] {
            let k: Vec<&EventKind> =
                events.iter().filter(|e| e.source == who).map(|e| &e.event.kind).collect();
            assert!(k.contains(&&EventKind::Answered), "{v:?} {who}: {k:?}");
            assert!(released(&events, who), "{v:?} {who}: {k:?}");
            assert!(!k.iter().any(|k| matches!(k, EventKind::Dropped { .. })), "{v:?} {who}: {k:?}");
            let link = format!("{who}/mtp2:100");
            assert!(events.iter().any(|e| e.source == link
                && e.event.kind == EventKind::Note("link test passed (SLTA received)".into())));
        }
        // Both directions recorded, and every unit parses as MTP2.
        let recs = tap.records();
        assert!(recs.iter().any(|r| r.sent) && recs.iter().any(|r| !r.sent));
        assert!(recs.iter().all(|r| ainsim_wire::Mtp2Repr::parse_without_fcs(&r.unit).is_ok()));
    }
}
