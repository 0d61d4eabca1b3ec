//! The tokio runtime in real time: two of our SSPs, each in its own `Rt`,
//! linked by M3UA over TCP on loopback. SSP-B is the ASP and connects;
//! SSP-A is the SGP and listens, but starts only after SSP-B has reported
//! its refused connection, so the client's reconnection is part of the story. The ASP
//! comes up and goes active (ASPUP, ASPAC, NTFY), the start-up GRS that
//! both SSPs sent before that waited in the association's queue, and a call
//! from SSP-B's 2125550143 to SSP-A's 3125550100 is answered and released
//! by the caller. Both ends' taps become pcaps of SCTP/IPv4 that tshark
//! must decode with no malformed frame and no warning, showing the M3UA
//! management and the ISUP call inside DATA. ITU and ANSI.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub)]

#[path = "../examples/ssp_udp.rs"]
mod ssp_udp;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ainsim_elements::m3ua_link::{M3uaConfig, M3uaRole};
use ainsim_elements::ssp::config::{LineConfig, LinkSetConfig, PrefixRoute};
use ainsim_elements::{EventKind, Phone, PhoneScript, Port, Ssp, WhenCalled};
use ainsim_runtime::rt::{Rt, RtEvent, Tap};
use ainsim_wire::{M3uaMessageType, M3uaRepr, PointCode, Variant};

fn free_tcp_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn m3ua_cfg(role: M3uaRole, v: Variant, me: PointCode, peer: PointCode) -> M3uaConfig {
    M3uaConfig {
        routing_context: Some(1),
        network_appearance: Some(8),
        beat_interval: Some(Duration::from_millis(500)),
        local_pc: Some(me),
        adjacent_pc: Some(peer),
        ..M3uaConfig::new(role, v)
    }
}

fn have_tshark() -> bool {
    let ok = Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("!!!!!!!! tshark not found: SKIPPING the Wireshark check of the M3UA pcap !!!!!!!!");
    }
    ok
}

fn tshark(path: &Path, v: Variant, extra: &[&str]) -> String {
    let std_ = if v == Variant::Ansi { "mtp3.standard:ANSI" } else { "mtp3.standard:ITU" };
    let o = Command::new("tshark")
        .args(["-n", "-o", std_, "-o", "sctp.checksum:CRC-32c", "-o", "ip.check_checksum:TRUE", "-r"])
        .arg(path)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "tshark: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// tshark finds nothing wrong with the pcap, and sees the call and the ASP
/// management in it.
fn judge(pcap: &[u8], v: Variant, who: &str) {
    if !have_tshark() {
        return;
    }
    let path = std::env::temp_dir().join(format!("ainsim-m3ua-{}-{v:?}-{who}.pcap", std::process::id()));
    std::fs::write(&path, pcap).unwrap();
    // One run: per frame the M3UA class/type, ISUP type, and what tshark
    // thinks is wrong. Warnings and up count, as in libss7.rs: Wireshark
    // adds notes (chat level) to ISUP messages without an optional part.
    let rows = tshark(
        &path,
        v,
        &[
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "frame.number",
            "-e",
            "m3ua.message_class",
            "-e",
            "m3ua.message_type",
            "-e",
            "isup.message_type",
            "-e",
            "_ws.malformed",
            "-e",
            "_ws.expert.severity",
            "-e",
            "sctp.checksum.status",
            "-e",
            "ip.checksum.status",
            "-e",
            "_ws.expert.message",
        ],
    );
    if std::env::var_os("KEEP_PCAP").is_none() {
        let _ = std::fs::remove_file(&path);
    }
    let (mut isup, mut m3ua) = (vec![], vec![]);
    for row in rows.lines() {
        let f: Vec<&str> = row.split('|').collect();
        assert_eq!(f.len(), 9, "{row}");
        let severe = f[5].split(',').filter(|x| !x.is_empty()).any(|x| {
            let n = x
                .strip_prefix("0x")
                .map_or_else(|| x.parse().unwrap(), |h| u32::from_str_radix(h, 16).unwrap());
            n >= 0x60_0000
        });
        assert!(f[4].is_empty() && !severe, "{v:?} {who}: tshark flags frame {row}");
        assert!(f[6] == "1" && f[7] == "1", "{v:?} {who}: bad checksum in {row}");
        m3ua.push(format!("{}/{}", f[1], f[2]));
        isup.extend(f[3].split(',').filter(|x| !x.is_empty()).map(str::to_owned));
    }
    let isup: Vec<&str> = isup.iter().map(String::as_str).collect();
    // IAM 1, ACM 6, ANM 9, REL 12, RLC 16, GRS 23, GRA 41.
    for t in ["1", "6", "9", "12", "16", "23", "41"] {
        assert!(isup.contains(&t), "{v:?} {who}: ISUP type {t} missing: {isup:?}");
    }
    // ASPUP 3/1, ASPUP ACK 3/4, BEAT 3/3, BEAT ACK 3/6, ASPAC 4/1, ASPAC ACK 4/3, NTFY 0/1, DATA 1/1.
    for t in ["3/1", "3/4", "3/3", "3/6", "4/1", "4/3", "0/1", "1/1"] {
        assert!(m3ua.contains(&t.to_owned()), "{v:?} {who}: M3UA {t} missing: {m3ua:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_ssps_call_each_other_over_m3ua_tcp() {
    for v in [Variant::Itu, Variant::Ansi] {
        let (b_pc, a_pc) = ssp_udp::point_codes(v);
        // SSP-B as in the example; its far end is SSP-A here.
        let b_cfg = ssp_udp::ssp_config(v);
        // SSP-A: the far point code, line 3125550100, 212 routed back.
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

        let server_addr = free_tcp_port();

        // SSP-B, the ASP, starts first and is refused until SSP-A listens.
        let tap_b = Tap::new();
        let mut rt_b = Rt::new();
        rt_b.tap(tap_b.clone());
        let b = rt_b.add(Ssp::new(&b_cfg).unwrap());
        let caller = rt_b.add(Phone::new(PhoneScript {
            calls: vec![ainsim_elements::PlacedCall {
                at: Duration::from_millis(2500),
                to: ssp_udp::FOREIGN.into(),
                holding: Some(Duration::from_millis(300)),
                give_up_after: Some(Duration::from_secs(10)),
            }],
            ..PhoneScript::new(ssp_udp::CALLER)
        }));
        rt_b.wire(caller, Phone::LINE, b, Port(1));
        rt_b.m3ua_tcp_client(b, ssp_udp::LINK, server_addr, m3ua_cfg(M3uaRole::Asp, v, b_pc, a_pc));
        let mut running_b = rt_b.start();
        let mut events: Vec<RtEvent> = vec![];
        let refused = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(e) = running_b.events.recv().await {
                let failed =
                    matches!(&e.event.kind, EventKind::Note(n) if n.starts_with("M3UA connection failed"));
                events.push(e);
                if failed {
                    return true;
                }
            }
            false
        });
        assert!(refused.await.unwrap(), "{v:?}: the client reports the refused connection");

        // SSP-A, the SGP.
        let tap_a = Tap::new();
        let mut rt_a = Rt::new();
        rt_a.tap(tap_a.clone());
        let a = rt_a.add(Ssp::new(&a_cfg).unwrap());
        let callee = rt_a.add(Phone::new(PhoneScript {
            when_called: WhenCalled::Answer { after: Duration::from_millis(300) },
            ..PhoneScript::new(ssp_udp::FOREIGN)
        }));
        rt_a.wire(callee, Phone::LINE, a, Port(0));
        let bound = rt_a
            .m3ua_tcp_server(a, ssp_udp::LINK, server_addr, m3ua_cfg(M3uaRole::Sgp, v, a_pc, b_pc))
            .await
            .unwrap();
        assert_eq!(bound, server_addr);
        let mut running_a = rt_a.start();

        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        let released = |ev: &[RtEvent], who: &str| {
            ev.iter().any(|e| e.source == who && matches!(e.event.kind, EventKind::Released { cause: 16 }))
        };
        while !(released(&events, "SSP-A") && released(&events, "SSP-B")) {
            let e = tokio::select! {
                e = running_a.events.recv() => e,
                e = running_b.events.recv() => e,
                () = tokio::time::sleep_until(deadline) => None,
            };
            match e {
                Some(e) => events.push(e),
                None => break,
            }
        }
        // The RLC follows the callee's release: wait (bounded) until both
        // ends have recorded it.
        let has_rlc = |t: &Tap| {
            t.m3ua_records().iter().any(|r| {
                M3uaRepr::parse(&r.message)
                    .ok()
                    .and_then(|m| m.protocol_data().map(|pd| pd.user_data.get(2) == Some(&0x10)))
                    .unwrap_or(false)
            })
        };
        let settle = tokio::time::Instant::now() + Duration::from_secs(5);
        while !(has_rlc(&tap_a) && has_rlc(&tap_b)) && tokio::time::Instant::now() < settle {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        while let Ok(e) = running_a.events.try_recv() {
            events.push(e);
        }
        while let Ok(e) = running_b.events.try_recv() {
            events.push(e);
        }
        running_a.shutdown();
        running_b.shutdown();
        for e in &events {
            println!("{:>12} {:<22} {:?}", e.at.to_string(), e.source, e.event.kind);
        }
        for who in ["SSP-A", "SSP-B"] {
            let k: Vec<&EventKind> =
                events.iter().filter(|e| e.source == who).map(|e| &e.event.kind).collect();
            assert!(k.contains(&&EventKind::Answered), "{v:?} {who}: {k:?}");
            assert!(released(&events, who), "{v:?} {who}: {k:?}");
        }
        assert!(
            !events.iter().any(|e| matches!(e.event.kind, EventKind::Dropped { .. })),
            "{v:?}: nothing dropped anywhere"
        );
        for link in ["SSP-A/m3ua-server:100", "SSP-B/m3ua:100"] {
            assert!(
                events
                    .iter()
                    .any(|e| e.source == link && e.event.kind == EventKind::Note("M3UA ASP active".into())),
                "{v:?}: {link} never went active"
            );
        }

        // Each tap holds one end's view: every message once, both directions.
        for (tap, who) in [(&tap_a, "SGP"), (&tap_b, "ASP")] {
            let recs = tap.m3ua_records();
            assert!(recs.iter().any(|r| r.sent) && recs.iter().any(|r| !r.sent), "{who}");
            assert!(recs.iter().all(|r| M3uaRepr::parse(&r.message).is_ok()), "{who}");
            let first = M3uaRepr::parse(&recs[0].message).unwrap().message;
            assert_eq!(first, M3uaMessageType::AspUp, "{who}: the ASP speaks first");
            judge(&tap.m3ua_pcap().unwrap(), v, who);
        }
    }
}

/// Reads the next whole M3UA message from `s` (5 s at most); `None` at EOF.
async fn next_message(
    s: &mut tokio::net::TcpStream,
    framer: &mut ainsim_wire::M3uaFramer,
) -> Option<M3uaRepr> {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1024];
    loop {
        if let Some(m) = framer.pop().unwrap() {
            return Some(M3uaRepr::parse(&m).unwrap());
        }
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await.unwrap().ok()?;
        if n == 0 {
            return None;
        }
        framer.push(&buf[..n]).unwrap();
    }
}

/// A hand-written peer on a raw TCP socket: our SGP answers its ASPUP,
/// answers a bad version with ERR, and cuts the connection when the stream
/// loses its framing; the SSP behind it is untouched, and the next
/// connection is accepted and comes up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_sends_garbage_gets_err_and_is_cut_off() {
    use ainsim_wire::m3ua::ErrorCode;
    use ainsim_wire::{M3uaMessageType as T, M3uaParameter as P};
    use tokio::io::AsyncWriteExt;

    let v = Variant::Itu;
    let (me, far) = ssp_udp::point_codes(v);
    let mut rt = Rt::new();
    let ssp = rt.add(Ssp::new(&ssp_udp::ssp_config(v)).unwrap());
    let addr = rt
        .m3ua_tcp_server(
            ssp,
            ssp_udp::LINK,
            "127.0.0.1:0".parse().unwrap(),
            m3ua_cfg(M3uaRole::Sgp, v, me, far),
        )
        .await
        .unwrap();
    let mut running = rt.start();

    let aspup = M3uaRepr::new(T::AspUp, vec![]).to_bytes().unwrap();
    for round in 0..2 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut framer = ainsim_wire::M3uaFramer::new();
        // ASPUP split over two writes.
        s.write_all(&aspup[..3]).await.unwrap();
        s.flush().await.unwrap();
        s.write_all(&aspup[3..]).await.unwrap();
        assert_eq!(next_message(&mut s, &mut framer).await.unwrap().message, T::AspUpAck, "round {round}");
        assert_eq!(next_message(&mut s, &mut framer).await.unwrap().message, T::Ntfy);
        // Version 2.
        s.write_all(&[2, 0, 3, 1, 0, 0, 0, 8]).await.unwrap();
        let err = next_message(&mut s, &mut framer).await.unwrap();
        assert_eq!(err.message, T::Err);
        assert_eq!(err.params[0], P::ErrorCode(ErrorCode::InvalidVersion));
        // A length of 4: the stream has lost its framing.
        s.write_all(&[1, 0, 3, 1, 0, 0, 0, 4]).await.unwrap();
        let mut got = vec![];
        while let Some(m) = next_message(&mut s, &mut framer).await {
            if m.message == T::Beat {
                continue;
            }
            got.push(m);
        }
        assert_eq!(got.len(), 1, "round {round}: {got:?}");
        assert_eq!(got[0].params[0], P::ErrorCode(ErrorCode::ProtocolError));
    }
    // The reset is reported before the connection is dropped, so both are in.
    let mut events = vec![];
    while let Ok(e) = running.events.try_recv() {
        events.push(e);
    }
    running.shutdown();
    let resets = events
        .iter()
        .filter(|e| e.event.kind == EventKind::Note("M3UA connection reset: M3UA framing lost".into()))
        .count();
    assert_eq!(resets, 2, "{events:#?}");
    assert!(
        !events.iter().any(|e| e.source == "SSP-B" && matches!(e.event.kind, EventKind::Dropped { .. })),
        "the SSP saw none of it"
    );
}
