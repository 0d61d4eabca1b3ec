//! Helpers for the end-to-end tests under `tests/tests/`: running tshark as
//! an independent judge of the frames ainsim writes.
#![forbid(unsafe_code)]

use std::path::Path;
use std::process::Command;

/// Whether tshark is on the PATH. Tests that need it fail loudly without it
/// when `CI` is set (the test script installs it), and skip otherwise.
pub fn have_tshark() -> bool {
    let ok = Command::new("tshark").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is missing on CI: scripts/test.sh should have installed it"
        );
        eprintln!("SKIPPED: tshark is not installed (scripts/test.sh installs it)");
    }
    ok
}

/// Runs tshark on `pcap` with preferences `prefs` (`-o` values) and returns,
/// per frame, the values of `fields` (tshark's `-T fields` output split on tabs;
/// a field that occurs several times comes comma-separated).
///
/// # Panics
/// If tshark cannot run or exits non-zero: a test helper.
pub fn tshark_fields(pcap: &Path, prefs: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(pcap);
    for p in prefs {
        cmd.arg("-o").arg(p);
    }
    cmd.args(["-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]);
    for f in fields {
        cmd.arg("-e").arg(f);
    }
    let out = cmd.output().expect("run tshark");
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| l.split('\t').map(str::to_owned).collect()).collect()
}

/// Frame numbers and summaries of every frame tshark marks malformed or with
/// an expert note of warning severity or worse.
///
/// # Panics
/// If tshark cannot run: a test helper.
pub fn tshark_complaints(pcap: &Path, prefs: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(pcap);
    for p in prefs {
        cmd.arg("-o").arg(p);
    }
    cmd.args(["-Y", "_ws.malformed || _ws.expert.severity >= 6291456"]);
    let out = cmd.output().expect("run tshark");
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
    if !out.status.success() {
        lines.push(format!("tshark failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    lines
}
