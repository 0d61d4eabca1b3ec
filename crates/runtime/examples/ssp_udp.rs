//! One SSP in real time, linked to a foreign exchange by MTP2 over UDP on
//! loopback (e.g. the libss7 exchange of `tests/libss7/exchange.c`).
//!
//! SSP "SSP-B": point code 2 (ITU) or 1-1-2 (ANSI); the foreign exchange is
//! 1 or 1-1-1, reached over trunk group "to-ext" (CICs 1–8) for numbers
//! starting 312. Lines: 2125550142 answers after 1 s; 2125550143 calls
//! 3125550100 at `CALL_AT` seconds and hangs up 1 s after the answer.
//!
//! ```text
//! cargo run -p ainsim-runtime --example ssp_udp -- itu 40001 40002 [seconds] [call_at]
//! ```
//! binds 127.0.0.1:40001 and sends to 127.0.0.1:40002; prints every event.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use ainsim_elements::mtp2link::{LinkTest, Mtp2Config};
use ainsim_elements::ssp::config::{
    Direction, GlareControl, IsupTimers, LineClass, LineConfig, LinkSetConfig, NumberingPlan, PrefixRoute,
    SignallingConfig, TrunkGroupConfig,
};
use ainsim_elements::{Phone, PhoneScript, PlacedCall, Port, Ssp, SspConfig, WhenCalled};
use ainsim_runtime::rt::{Rt, Running, Tap};
use ainsim_wire::{PointCode, Variant};

/// The SSP's signalling link port.
pub const LINK: Port = Port(100);
/// The number that answers.
pub const ANSWERS: &str = "2125550142";
/// The number that calls out.
pub const CALLER: &str = "2125550143";
/// What it dials (routed to the foreign exchange).
pub const FOREIGN: &str = "3125550100";

/// Our SSP's and the foreign exchange's point codes.
pub fn point_codes(v: Variant) -> (PointCode, PointCode) {
    match v {
        Variant::Itu => (PointCode(2), PointCode(1)),
        Variant::Ansi => (PointCode::ansi(1, 1, 2), PointCode::ansi(1, 1, 1)),
    }
}

/// The SSP's configuration.
pub fn ssp_config(v: Variant) -> SspConfig {
    let (me, ext) = point_codes(v);
    let line = |n: &str, p| LineConfig {
        number: n.into(),
        port: Port(p),
        class: LineClass::Ordinary,
        in_service: true,
    };
    SspConfig {
        name: "SSP-B".into(),
        signalling: SignallingConfig {
            point_code: me,
            variant: v,
            ni: 2,
            linksets: vec![LinkSetConfig { adjacent: ext, ports: vec![LINK] }],
            routes: vec![],
        },
        lines: vec![line(ANSWERS, 0), line(CALLER, 1)],
        numbering: NumberingPlan {
            number_length: Some(10),
            routes: vec![PrefixRoute {
                prefix: "312".into(),
                length: None,
                trunk_groups: vec!["to-ext".into()],
                trigger: None,
            }],
        },
        trunk_groups: vec![TrunkGroupConfig {
            name: "to-ext".into(),
            far_end: ext,
            cics: [1, 8],
            direction: Direction::Both,
            glare: GlareControl::Auto,
        }],
        timers: IsupTimers::default(),
        ain: None,
    }
}

/// The MTP2 link configuration toward the foreign exchange.
pub fn link_config(v: Variant) -> Mtp2Config {
    let (me, ext) = point_codes(v);
    Mtp2Config {
        link_test: Some(LinkTest {
            variant: v,
            opc: me,
            dpc: ext,
            ni: 2,
            slc: 0,
            t1: Duration::from_secs(4),
        }),
        ..Mtp2Config::default()
    }
}

/// Builds and starts the network on the current tokio runtime.
pub async fn start(
    v: Variant,
    local: SocketAddr,
    peer: SocketAddr,
    call_at: Duration,
    tap: Option<Tap>,
) -> (Running, SocketAddr) {
    let mut rt = Rt::new();
    if let Some(t) = tap {
        rt.tap(t);
    }
    let ssp = rt.add(Ssp::new(&ssp_config(v)).unwrap());
    let callee = rt.add(Phone::new(PhoneScript {
        when_called: WhenCalled::Answer { after: Duration::from_secs(1) },
        ..PhoneScript::new(ANSWERS)
    }));
    let caller = rt.add(Phone::new(PhoneScript {
        calls: vec![PlacedCall {
            at: call_at,
            to: FOREIGN.into(),
            holding: Some(Duration::from_secs(1)),
            give_up_after: Some(Duration::from_secs(20)),
        }],
        ..PhoneScript::new(CALLER)
    }));
    rt.wire(callee, Phone::LINE, ssp, Port(0));
    rt.wire(caller, Phone::LINE, ssp, Port(1));
    let bound = rt.mtp2_udp(ssp, LINK, local, peer, link_config(v)).await.unwrap();
    (rt.start(), bound)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let v = if args.get(1).map(String::as_str) == Some("ansi") { Variant::Ansi } else { Variant::Itu };
    let port = |i: usize, d: u16| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let local = SocketAddr::from(([127, 0, 0, 1], port(2, 40001)));
    let peer = SocketAddr::from(([127, 0, 0, 1], port(3, 40002)));
    let secs = Duration::from_secs(port(4, 60).into());
    let call_at = Duration::from_secs(port(5, 10).into());
    let tap = std::env::var_os("AINSIM_PCAP").map(|_| Tap::new());
    let (mut running, _) = start(v, local, peer, call_at, tap.clone()).await;
    let end = tokio::time::Instant::now() + secs;
    while let Ok(Some(e)) = tokio::time::timeout_at(end, running.events.recv()).await {
        println!("{:>12} {:<16} {:?}", e.at.to_string(), e.source, e.event.kind);
    }
    running.shutdown();
    if let (Some(t), Some(path)) = (tap, std::env::var_os("AINSIM_PCAP")) {
        std::fs::write(path, t.pcap().unwrap()).unwrap();
    }
}
