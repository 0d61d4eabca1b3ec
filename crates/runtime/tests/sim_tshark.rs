//! Wireshark judges the simulator's pcap tap: the story call, tapped on
//! both SS7 links, must decode as MTP2 → MTP3 → ISUP with no malformed frame
//! and no expert info, with the directions, link numbers and message types
//! we sent.
//!
//! Skips (loudly) when tshark is not installed.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ainsim_runtime::LinkModel;

fn have_tshark() -> bool {
    let ok = Command::new("tshark").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        eprintln!("!!!!!!!! tshark not found: SKIPPING the Wireshark check of the simulator's pcap !!!!!!!!");
    }
    ok
}

/// A pcap in the temp directory, removed when dropped.
struct TempPcap(PathBuf);

impl Drop for TempPcap {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn tshark(path: &Path, extra: &[&str]) -> String {
    let out = Command::new("tshark").arg("-n").arg("-r").arg(path).args(extra).output().unwrap();
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_story_pcap_passes_tshark() {
    if !have_tshark() {
        return;
    }
    let mut sim = common::story(
        3,
        LinkModel::fixed(Duration::from_millis(5)),
        LinkModel::fixed(Duration::from_millis(1)),
    );
    sim.tap_pcap_memory();
    sim.start();
    sim.run_until_idle(common::ms(60_000));
    let path = TempPcap(std::env::temp_dir().join(format!("ainsim-sim-{}.pcap", std::process::id())));
    std::fs::write(&path.0, sim.pcap_bytes()).unwrap();

    let bad = tshark(&path.0, &["-Y", "_ws.malformed || _ws.expert", "-V"]);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");

    let rows = tshark(
        &path.0,
        &[
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "frame.protocols",
            "-e",
            "mtp2.fsn",
            "-e",
            "mtp2.bsn",
            "-e",
            "isup.message_type",
            "-e",
            "isup.cic",
            "-e",
            "frame.p2p_dir",
            "-e",
            "frame.link_nr",
        ],
    );
    let rows: Vec<Vec<&str>> = rows.lines().map(|l| l.split('|').collect()).collect();
    // Ten MSUs: IAM, ACM, ANM, REL, RLC, each on both links.
    assert_eq!(rows.len(), 10, "{rows:?}");
    let types: Vec<&str> = rows.iter().map(|r| r[3]).collect();
    assert_eq!(types, ["1", "1", "6", "6", "9", "9", "12", "12", "16", "16"]);
    assert!(rows.iter().all(|r| r[0].ends_with("mtp2:mtp3:isup") && r[4] == "3"), "{rows:?}");
    // Sequence numbers count per direction: SSP-A → STP sends IAM (0), REL (1);
    // its BSN acknowledges what came back.
    assert_eq!((rows[0][1], rows[0][2]), ("0", "127"));
    assert_eq!((rows[6][1], rows[6][2]), ("1", "1"));

    // Direction (wiretap: 0 sent, 1 received) and link number from the
    // pseudo-header: link 1 is SSP-A (its A side) – STP, link 2 is STP – SSP-B.
    let dirs: Vec<(&str, &str)> = rows.iter().map(|r| (r[5], r[6])).collect();
    assert_eq!(dirs[..4], [("0", "1"), ("0", "2"), ("1", "2"), ("1", "1")]);
}

#[test]
fn sccp_and_tcap_frames_decode_through_every_layer() {
    use ainsim_elements::sp::SignallingPoint;
    use ainsim_elements::Port;
    use ainsim_runtime::{LinkKind, Simulator};
    use ainsim_wire::mtp3::si;
    use ainsim_wire::sccp::{self, Repr as Sccp};
    use ainsim_wire::{tcap, PointCode, Variant};

    if !have_tshark() {
        return;
    }
    // An SSP sends an INAP InitiateCallAttempt Begin in a UDT (SSN 241) to
    // an SCP, which echoes it back.
    let itu = tcap::examples(Variant::Itu).into_iter().next().unwrap().1.to_bytes().unwrap();
    let (_, mut udt) = sccp::examples(Variant::Itu).into_iter().find(|(n, _)| *n == "udt").unwrap();
    if let Sccp::Udt(u) = &mut udt {
        u.data = itu;
    }
    let sp = SignallingPoint::new(PointCode(0x0101), Variant::Itu, 2);
    let msu = sp.build(si::SCCP, PointCode(0x0202), 0, &udt.to_bytes(Variant::Itu).unwrap()).unwrap();
    let mut sim = Simulator::new(1);
    let ssp = sim.add_node("SSP", common::Probe::starting_with(vec![common::send(Port(0), &msu)])).unwrap();
    let mut scp = common::Probe::new();
    scp.echo = true;
    let scp = sim.add_node("SCP", scp).unwrap();
    sim.link((ssp, Port(0)), (scp, Port(0)), LinkKind::Ss7, LinkModel::default()).unwrap();
    sim.tap_pcap_memory();
    sim.start();
    sim.run_until(common::ms(2));
    let path = TempPcap(std::env::temp_dir().join(format!("ainsim-sim-tcap-{}.pcap", std::process::id())));
    std::fs::write(&path.0, sim.pcap_bytes()).unwrap();
    let bad = tshark(&path.0, &["-Y", "_ws.malformed || _ws.expert", "-V"]);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");
    let rows = tshark(&path.0, &["-T", "fields", "-e", "frame.protocols", "-e", "inap.code.local"]);
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    for r in rows {
        assert!(r.starts_with("mtp2:mtp3:sccp:tcap"), "{r}");
        assert!(r.ends_with("\t32"), "InitiateCallAttempt is INAP local code 32: {r}");
    }
}
