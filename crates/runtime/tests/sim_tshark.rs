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
