//! The outside judge: a foreign exchange built on libss7 (tests/libss7/exchange.c)
//! linked to our SSP by MTP2 over UDP on loopback, in real time, ITU and ANSI.
//!
//! The story: the link aligns and proves, both sides' SLTMs are answered;
//! the exchange resets our circuits (GRS → GRA) and we reset its; it blocks
//! and unblocks CICs 5–8 (CGB → CGBA, CGU → CGUA); it calls our subscriber
//! 2125550142, who answers after 1 s (IAM → ACM → ANM → REL → RLC); our
//! subscriber 2125550143 calls 3125550100 behind it, it answers, our side
//! hangs up. Every MTP2 unit both sides exchanged goes into a pcap that
//! tshark must decode without malformed or expert items.
//!
//! Needs `cc`, libss7-dev (and tshark for the pcap check). Without them the
//! test skips loudly, unless `CI` is set: then it fails.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub)]

#[path = "../examples/ssp_udp.rs"]
mod ssp_udp;

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ainsim_elements::EventKind;
use ainsim_runtime::rt::{RtEvent, Tap};
use ainsim_wire::Variant;

/// The exchange exits by itself after this many seconds (every wait bounded).
const EXCHANGE_TIMEOUT_S: u64 = 25;

fn skip_or_fail(what: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is required on CI (scripts/test.sh installs it)");
    }
    eprintln!("!!!!!!!! {what} not found: SKIPPING the libss7 judge !!!!!!!!");
    false
}

/// Builds the exchange; `None` when the toolchain or libss7 is missing.
fn build_exchange() -> Option<PathBuf> {
    if !Path::new("/usr/include/libss7.h").exists() {
        skip_or_fail("libss7-dev (/usr/include/libss7.h)");
        return None;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/libss7/exchange.c");
    let bin = std::env::temp_dir().join(format!("ainsim-libss7-exchange-{}", std::process::id()));
    let out =
        Command::new("cc").args(["-Wall", "-Wextra", "-O1", "-o"]).arg(&bin).arg(&src).arg("-lss7").output();
    match out {
        Ok(o) if o.status.success() => Some(bin),
        Ok(o) => panic!("cc failed:\n{}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => {
            skip_or_fail("a C compiler (cc)");
            None
        }
    }
}

fn have_tshark() -> bool {
    let ok = Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("!!!!!!!! tshark not found: SKIPPING the Wireshark check of the libss7 pcap !!!!!!!!");
    }
    ok
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Outcome {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    events: Vec<RtEvent>,
    pcap: Vec<u8>,
}

async fn run(bin: &Path, v: Variant) -> Outcome {
    let (ours, theirs) = ssp_udp::point_codes(v);
    let ext_port = free_udp_port();
    let tap = Tap::new();
    let (mut running, bound) = ssp_udp::start(
        v,
        SocketAddr::from(([127, 0, 0, 1], 0)),
        SocketAddr::from(([127, 0, 0, 1], ext_port)),
        Duration::from_secs(3),
        Some(tap.clone()),
    )
    .await;
    let mut cmd = Command::new(bin);
    cmd.arg(if v == Variant::Ansi { "ansi" } else { "itu" })
        .arg(ext_port.to_string())
        .arg(bound.port().to_string())
        .arg(theirs.0.to_string())
        .arg(ours.0.to_string())
        .arg(ssp_udp::ANSWERS)
        .arg(EXCHANGE_TIMEOUT_S.to_string());
    let child = tokio::task::spawn_blocking(move || cmd.output());
    let limit = Duration::from_secs(EXCHANGE_TIMEOUT_S + 10);
    let out =
        tokio::time::timeout(limit, child).await.expect("the exchange outlived its own deadline").unwrap();
    let out = out.expect("run the exchange");
    // Let the last acknowledgements and events land.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut events = vec![];
    while let Ok(e) = running.events.try_recv() {
        events.push(e);
    }
    running.shutdown();
    Outcome {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
        events,
        pcap: tap.pcap().unwrap(),
    }
}

/// `lines` appear in `text` in this order (other lines may come between).
fn in_order(text: &str, lines: &[&str]) -> bool {
    let mut it = text.lines();
    lines.iter().all(|want| it.any(|l| l.starts_with(want)))
}

fn kinds(o: &Outcome, source: &str) -> Vec<EventKind> {
    o.events.iter().filter(|e| e.source == source).map(|e| e.event.kind.clone()).collect()
}

fn judge_pcap(pcap: &[u8], v: Variant) {
    if !have_tshark() {
        return;
    }
    let path = std::env::temp_dir().join(format!("ainsim-libss7-{}-{v:?}.pcap", std::process::id()));
    std::fs::write(&path, pcap).unwrap();
    let std_ = if v == Variant::Ansi { "mtp3.standard:ANSI" } else { "mtp3.standard:ITU" };
    let tshark = |extra: &[&str]| {
        let o = Command::new("tshark")
            .arg("-n")
            .arg("-o")
            .arg(std_)
            .arg("-r")
            .arg(&path)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "tshark: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    // Warnings and up (as crates/wire/tests/isup_tshark.rs): Wireshark adds
    // notes to every message without an optional part and to GRS.
    let bad = tshark(&[
        "-Y",
        "_ws.malformed || _ws.expert.severity >= 0x600000",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "frame.p2p_dir",
        "-e",
        "isup.message_type",
        "-e",
        "_ws.expert.message",
        "-e",
        "_ws.malformed",
    ]);
    let types = tshark(&["-Y", "isup", "-T", "fields", "-e", "isup.message_type"]);
    let _ = std::fs::remove_file(&path);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");
    // IAM 1, ACM 6, ANM 9, REL 12, RLC 16, GRS 23, GRA 41, CGB 24, CGBA 26, CGU 25, CGUA 27.
    let seen: Vec<&str> = types.lines().collect();
    for t in ["1", "6", "9", "12", "16", "23", "41", "24", "26", "25", "27"] {
        assert!(seen.contains(&t), "ISUP message type {t} missing from the pcap: {seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libss7_exchange_calls_and_is_called_over_mtp2_udp() {
    let Some(bin) = build_exchange() else { return };
    for v in [Variant::Itu, Variant::Ansi] {
        let o = run(&bin, v).await;
        println!("--- {v:?} exchange stdout\n{}", o.stdout);
        for e in &o.events {
            println!("{:>12} {:<16} {:?}", e.at.to_string(), e.source, e.event.kind);
        }
        assert_eq!(
            o.code,
            Some(0),
            "{v:?}: the exchange did not finish its script:\n{}\n{}",
            o.stdout,
            o.stderr
        );
        // What libss7 saw, in order: our GRS answered, its GRS/CGB/CGU answered,
        // its call answered and released, our call received and released.
        assert!(
            in_order(&o.stdout, &["EVENT GRS 1 8", "EVENT GRA 1 8", "EVENT CGBA 5 8", "EVENT CGUA 5 8"]),
            "{v:?} maintenance:\n{}",
            o.stdout
        );
        assert!(
            in_order(&o.stdout, &["SENT IAM 1 2125550142", "EVENT ACM 1", "EVENT ANM 1", "SENT REL 1 16"]),
            "{v:?} call in:\n{}",
            o.stdout
        );
        assert!(
            in_order(&o.stdout, &["EVENT IAM", "SENT ANM", "EVENT REL"]),
            "{v:?} call out:\n{}",
            o.stdout
        );
        assert!(
            o.stdout.contains("EVENT IAM 2 3125550100 2125550143")
                || o.stdout.contains(" 3125550100 2125550143")
        );
        assert!(o.stdout.trim_end().ends_with("DONE"));

        // What our side saw.
        let link = kinds(&o, "SSP-B/mtp2:100");
        assert!(
            link.contains(&EventKind::Note("link test passed (SLTA received)".into())),
            "{v:?}: {link:?}"
        );
        assert!(
            !link.iter().any(|k| matches!(k, EventKind::Note(n) if n.contains("out of service"))),
            "{v:?}: the link failed: {link:?}"
        );
        let ssp = kinds(&o, "SSP-B");
        assert!(ssp
            .iter()
            .any(|k| matches!(k, EventKind::CallAttempt { to, .. } if to.starts_with(ssp_udp::ANSWERS))));
        assert!(ssp
            .iter()
            .any(|k| matches!(k, EventKind::CallAttempt { from, to } if from == ssp_udp::CALLER && to == ssp_udp::FOREIGN)));
        assert_eq!(ssp.iter().filter(|k| **k == EventKind::Answered).count(), 2, "{v:?}: {ssp:?}");
        assert_eq!(
            ssp.iter().filter(|k| matches!(k, EventKind::Released { cause: 16 })).count(),
            2,
            "{v:?}: {ssp:?}"
        );
        assert!(!ssp.iter().any(|k| matches!(k, EventKind::Dropped { .. })), "{v:?}: {ssp:?}");
        let note = |s: &str| ssp.iter().any(|k| matches!(k, EventKind::Note(n) if n.contains(s)));
        assert!(note("4 circuits from CIC 5 blocked by the far end"), "{v:?}: {ssp:?}");
        assert!(note("4 circuits from CIC 5 unblocked by the far end"), "{v:?}: {ssp:?}");
        judge_pcap(&o.pcap, v);
    }
    let _ = std::fs::remove_file(&bin);
}
