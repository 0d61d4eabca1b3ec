//! One SSP in real time, linked to an outside M3UA peer over TCP (an STP,
//! an SG or another ainsim process).
//!
//! The SSP is the one of `ssp_udp` ("SSP-B": point code 2 / 1-1-2, the far
//! exchange 1 / 1-1-1, trunk group CICs 1–8 for numbers starting 312,
//! 2125550142 answers after 1 s, 2125550143 calls 3125550100 at `call_at`).
//!
//! ```text
//! cargo run -p ainsim-runtime --example ssp_m3ua -- itu asp 127.0.0.1:2905 [rc] [seconds] [call_at]
//! cargo run -p ainsim-runtime --example ssp_m3ua -- ansi sgp 127.0.0.1:2905 [rc] [seconds] [call_at]
//! ```
//! `asp` connects to the address (and reconnects) as an ASP; `sgp` listens
//! on it as an SGP (the answering side of an IPSP single exchange). `rc` is
//! the routing context (default 1; 0 for none). Prints every event;
//! `AINSIM_PCAP=file.pcap` records the association as SCTP/IPv4.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub)]

#[path = "ssp_udp.rs"]
mod ssp_udp;

use std::net::SocketAddr;
use std::time::Duration;

use ainsim_elements::m3ua_link::{M3uaConfig, M3uaRole};
use ainsim_elements::{Phone, PhoneScript, PlacedCall, Port, Ssp, WhenCalled};
use ainsim_runtime::rt::{Rt, Tap};
use ainsim_wire::Variant;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let v = if args.get(1).map(String::as_str) == Some("ansi") { Variant::Ansi } else { Variant::Itu };
    let role = if args.get(2).map(String::as_str) == Some("sgp") { M3uaRole::Sgp } else { M3uaRole::Asp };
    let addr: SocketAddr = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(([127, 0, 0, 1], 2905).into());
    let num = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let rc = u32::try_from(num(4, 1)).unwrap_or(1);
    let secs = Duration::from_secs(num(5, 60));
    let call_at = Duration::from_secs(num(6, 10));

    let (me, far) = ssp_udp::point_codes(v);
    let cfg = M3uaConfig {
        routing_context: (rc != 0).then_some(rc),
        local_pc: Some(me),
        adjacent_pc: Some(far),
        ..M3uaConfig::new(role, v)
    };
    let tap = std::env::var_os("AINSIM_PCAP").map(|_| Tap::new());
    let mut rt = Rt::new();
    if let Some(t) = &tap {
        rt.tap(t.clone());
    }
    let ssp = rt.add(Ssp::new(&ssp_udp::ssp_config(v)).unwrap());
    let callee = rt.add(Phone::new(PhoneScript {
        when_called: WhenCalled::Answer { after: Duration::from_secs(1) },
        ..PhoneScript::new(ssp_udp::ANSWERS)
    }));
    let caller = rt.add(Phone::new(PhoneScript {
        calls: vec![PlacedCall {
            at: call_at,
            to: ssp_udp::FOREIGN.into(),
            holding: Some(Duration::from_secs(1)),
            give_up_after: Some(Duration::from_secs(20)),
        }],
        ..PhoneScript::new(ssp_udp::CALLER)
    }));
    rt.wire(callee, Phone::LINE, ssp, Port(0));
    rt.wire(caller, Phone::LINE, ssp, Port(1));
    match role {
        M3uaRole::Asp => rt.m3ua_tcp_client(ssp, ssp_udp::LINK, addr, cfg),
        M3uaRole::Sgp => {
            let bound = rt.m3ua_tcp_server(ssp, ssp_udp::LINK, addr, cfg).await.unwrap();
            println!("listening on {bound}");
        }
    }
    let mut running = rt.start();
    let end = tokio::time::Instant::now() + secs;
    while let Ok(Some(e)) = tokio::time::timeout_at(end, running.events.recv()).await {
        println!("{:>12} {:<22} {:?}", e.at.to_string(), e.source, e.event.kind);
    }
    running.shutdown();
    if let (Some(t), Some(path)) = (tap, std::env::var_os("AINSIM_PCAP")) {
        std::fs::write(path, t.m3ua_pcap().unwrap()).unwrap();
    }
}
