//! Running tshark on a capture: field values per frame and the frames it
//! complains about, both from one run.

use std::path::Path;
use std::process::Command;

/// Expert severity "warning" (`_ws.expert.severity` value); notes and chats are below it.
pub const SEVERITY_WARNING: u32 = 0x0060_0000;

/// Whether tshark runs here; says so loudly when it does not (the tests then skip).
pub fn have_tshark() -> bool {
    let ok = Command::new("tshark").arg("-v").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("\n!!!!!!!! tshark NOT FOUND: SKIPPING the Wireshark checks (CI has it) !!!!!!!!\n");
    }
    ok
}

/// What tshark said about one frame.
#[derive(Debug, Clone, Default)]
pub struct FrameFields {
    /// 1-based frame number.
    pub number: usize,
    /// Per requested field, every occurrence in the frame, in tree order.
    pub values: Vec<Vec<String>>,
    /// The frame is marked malformed.
    pub malformed: bool,
    /// Expert items of severity warning or error: (severity, message).
    pub complaints: Vec<(u32, String)>,
}

impl FrameFields {
    /// Every occurrence of field number `i`.
    pub fn get(&self, i: usize) -> &[String] {
        self.values.get(i).map_or(&[], Vec::as_slice)
    }
}

const SEP: &str = "\u{1f}";
const AGG: &str = "\u{1e}";

/// Runs tshark once on `pcap` with `options` (`-o`, `-d` ...) and returns,
/// per frame, every occurrence of each of `fields`, whether the frame is
/// malformed, and its expert items of severity warning or above.
///
/// # Panics
/// If tshark cannot run or fails, or prints something that is not one line per frame.
pub fn tshark_fields(pcap: &Path, options: &[String], fields: &[&str]) -> Vec<FrameFields> {
    let mut c = Command::new("tshark");
    c.arg("-n").arg("-r").arg(pcap).args(options);
    c.args(["-T", "fields", "-E", &format!("separator={SEP}"), "-E", "occurrence=a"]);
    c.args(["-E", &format!("aggregator={AGG}")]);
    let extra = ["frame.number", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message"];
    for f in extra.iter().chain(fields) {
        c.args(["-e", f]);
    }
    let out = c.output().expect("run tshark");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tshark failed on {}: {stderr}", pcap.display());
    // tshark reports dissector bugs (assertions) on stderr and carries on.
    assert!(
        !stderr.contains("DISSECTOR_ASSERT") && !stderr.contains("dissector bug"),
        "tshark reports a dissector bug on {}: {stderr}",
        pcap.display()
    );
    let text = String::from_utf8(out.stdout).expect("tshark prints UTF-8");
    let split = |s: &str| -> Vec<String> {
        if s.is_empty() {
            Vec::new()
        } else {
            s.split(AGG).map(str::to_owned).collect()
        }
    };
    text.lines()
        .map(|line| {
            let cols: Vec<&str> = line.split(SEP).collect();
            assert_eq!(cols.len(), extra.len() + fields.len(), "tshark line {line:?}");
            let severities = split(cols[2]);
            let messages = split(cols[3]);
            let complaints = severities
                .iter()
                .zip(messages.iter().chain(std::iter::repeat(&String::new())))
                .filter_map(|(s, m)| {
                    let s = parse_int(s)?;
                    (s >= SEVERITY_WARNING).then(|| (s, m.clone()))
                })
                .collect();
            FrameFields {
                number: cols[0].parse().expect("frame number"),
                malformed: !cols[1].is_empty(),
                complaints,
                values: cols[extra.len()..].iter().map(|c| split(c)).collect(),
            }
        })
        .collect()
}

/// The frames tshark marks malformed or gives an expert item of severity
/// warning or above, one line each (empty when all is well).
pub fn tshark_complaints(frames: &[FrameFields]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| f.malformed || !f.complaints.is_empty())
        .map(|f| {
            let items: Vec<String> = f.complaints.iter().map(|(s, m)| format!("[{s:#x}] {m}")).collect();
            format!("frame {}{}: {}", f.number, if f.malformed { " MALFORMED" } else { "" }, items.join("; "))
        })
        .collect()
}

/// Parses a tshark integer: decimal, or hex with `0x`.
pub fn parse_int(s: &str) -> Option<u32> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}
