//! The real `ainsim` binary, end to end: `decode` (hex and pcap, tree and
//! JSON) and `encode`, on every example frame of the corpus at every layer
//! it contains, and on bad input (exit status 2, one line on stderr naming
//! the layer and the offset, never a panic).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::Output;

use ainsim_tests::corpus::{self, Capture};
use ainsim_tests::{hex, run_ainsim, TempFile};
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::{LinkType, Mtp3Repr, PcapWriter, Variant};

fn layer_name(s: Start) -> &'static str {
    match s {
        Start::Mtp2 => "mtp2",
        Start::Mtp3 => "mtp3",
        Start::M3ua => "m3ua",
        Start::Sccp => "sccp",
        Start::Tcap => "tcap",
        Start::Isup => "isup",
    }
}

/// One frame given to `ainsim decode` as hex.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct HexCase {
    layer: &'static str,
    variant: String,
    fcs: bool,
    hex: String,
}

impl HexCase {
    fn args(&self, json: bool) -> Vec<String> {
        let mut a: Vec<String> = vec!["decode".into(), "--variant".into(), self.variant.clone()];
        a.extend(["--layer".into(), self.layer.into(), "--fcs".into(), self.fcs.to_string()]);
        if json {
            a.push("--json".into());
        }
        a.push(self.hex.clone());
        a
    }
}

/// Every corpus frame at the layer it starts at, and the ISUP, SCCP and
/// TCAP inside it on their own (each distinct frame once).
fn hex_cases() -> Vec<HexCase> {
    let mut set = BTreeSet::new();
    for c in corpus::captures() {
        for e in &c.examples {
            let f = &e.frame;
            let mut layers = vec![(c.start(), e.bytes.clone())];
            for (start, present) in [
                (Start::Isup, f.isup.is_some()),
                (Start::Sccp, f.sccp.is_some()),
                (Start::Tcap, f.tcap.is_some()),
            ] {
                if present {
                    let inner = Frame { start, ..f.clone() }.encode().unwrap();
                    layers.push((start, inner));
                }
            }
            for (start, bytes) in layers {
                set.insert(HexCase {
                    layer: layer_name(start),
                    variant: c.variant.to_string(),
                    fcs: c.fcs,
                    hex: hex(&bytes),
                });
            }
        }
    }
    set.into_iter().collect()
}

/// Runs `f` on every case from a few threads; returns the failures.
fn each_case(cases: &[HexCase], f: impl Fn(&HexCase) -> Option<String> + Sync) -> Vec<String> {
    let n = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8);
    let chunk = cases.len().div_ceil(n).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().filter_map(&f).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn every_example_decodes_to_a_tree() {
    let cases = hex_cases();
    let layers: BTreeSet<(&str, &str)> = cases.iter().map(|c| (c.layer, c.variant.as_str())).collect();
    assert_eq!(layers.len(), 12, "all six layers in both variants: {layers:?}");
    let bad = each_case(&cases, |c| {
        let out = run_ainsim(&c.args(false), None);
        let stdout = text(&out.stdout);
        // The tree opens a heading for the layer the frame started at
        // ("ISUP (ANSI) UBL CIC 1024: unblocking", "MTP3 (ITU) OPC ...").
        let heading = format!("{} ", c.layer.to_uppercase());
        let ok =
            out.status.success() && out.stderr.is_empty() && stdout.lines().any(|l| l.starts_with(&heading));
        (!ok)
            .then(|| format!("{c:?}: status {:?}\nstdout {stdout}\nstderr {}", out.status, text(&out.stderr)))
    });
    assert!(bad.is_empty(), "{} of {} failed:\n{}", bad.len(), cases.len(), bad.join("\n"));
    eprintln!("{} frames decoded to trees", cases.len());
}

#[test]
fn json_encodes_back_to_the_same_hex() {
    let cases = hex_cases();
    let bad = each_case(&cases, |c| {
        let out = run_ainsim(&c.args(true), None);
        if !out.status.success() {
            return Some(format!("{c:?}: decode --json failed: {}", text(&out.stderr)));
        }
        let back = run_ainsim(&["encode", "--json", "-"], Some(&out.stdout));
        let got = text(&back.stdout);
        (!back.status.success() || got.trim_end() != c.hex || !back.stderr.is_empty()).then(|| {
            format!("{c:?}: encode gave {got:?} (status {:?}, stderr {})", back.status, text(&back.stderr))
        })
    });
    assert!(bad.is_empty(), "{} of {} failed:\n{}", bad.len(), cases.len(), bad.join("\n"));
}

/// Asserts `out` is a bad-input failure: status 2, exactly one line on
/// stderr, containing every one of `needles`, and no panic.
fn assert_bad_input(what: &str, out: &Output, needles: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: status {:?}, stderr {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{what}: one line on stderr, got {stderr:?}");
    for n in needles {
        assert!(stderr.contains(n), "{what}: stderr {stderr:?} should contain {n:?}");
    }
}

fn decode(layer: &str, variant: &str, hex: &str) -> Output {
    run_ainsim(&["decode", "--layer", layer, "--variant", variant, hex], None)
}

fn iam(variant: Variant) -> Vec<u8> {
    ainsim_wire::isup::examples(variant)[0].1.to_bytes().unwrap().into()
}

#[test]
fn bad_hex_is_refused_with_its_offset() {
    assert_bad_input("bad hex char", &decode("isup", "itu", "0100zz"), &["hex", "offset 4", "'z'"]);
    assert_bad_input("odd hex", &decode("isup", "itu", "010"), &["hex", "odd"]);
    assert_bad_input("no hex", &decode("isup", "itu", ""), &["hex"]);
}

#[test]
fn truncated_isup_names_layer_and_offset() {
    let b = iam(Variant::Itu);
    assert_bad_input("truncated ISUP", &decode("isup", "itu", &hex(&b[..3])), &["isup", "IAM", "offset 3"]);
    // The same cut inside MTP3: the offset counts from the MTP3 frame.
    let m = Mtp3Repr {
        variant: Variant::Ansi,
        si: 5,
        ni: 2,
        priority: 0,
        dpc: ainsim_wire::PointCode::ansi(1, 2, 3),
        opc: ainsim_wire::PointCode::ansi(4, 5, 6),
        sls: 1,
        sif: iam(Variant::Ansi)[..3].to_vec(),
    };
    let hexed = hex(&m.to_bytes().unwrap());
    assert_bad_input("truncated ISUP in MTP3", &decode("mtp3", "ansi", &hexed), &["isup", "offset 11"]);
}

#[test]
fn bad_mtp2_fcs_is_refused() {
    let (_, unit) = ainsim_wire::mtp2::examples(Variant::Itu).remove(0);
    let mut b = unit.to_bytes().unwrap();
    let last = b.len() - 1;
    b[last] ^= 0x01;
    assert_bad_input("bad FCS", &decode("mtp2", "itu", &hex(&b)), &["mtp2", "FCS", "offset"]);
    // The same with the FCS flag spelled out.
    let out = run_ainsim(&["decode", "--layer", "mtp2", "--fcs", "true", &hex(&b)], None);
    assert_bad_input("bad FCS, --fcs true", &out, &["mtp2", "FCS"]);
}

fn encode_stdin(json: &str) -> Output {
    run_ainsim(&["encode", "--json", "-"], Some(json.as_bytes()))
}

#[test]
fn bad_json_names_line_and_column() {
    assert_bad_input(
        "cut JSON",
        &encode_stdin("{\"variant\": \"itu\",\n  \"start\": "),
        &["json", "line 2", "column"],
    );
    assert_bad_input("not JSON", &encode_stdin("hello"), &["json", "line 1", "column 1"]);
    // The position is said once.
    let out = encode_stdin("hello");
    assert_eq!(text(&out.stderr).matches("column").count(), 1, "{}", text(&out.stderr));
    let unknown = r#"{"variant":"itu","start":"isup","isup":{"variant":"itu","cic":1,"message_type":"bogus","body":{"raw":""}}}"#;
    assert_bad_input("unknown message type", &encode_stdin(unknown), &["json", "line 1", "`bogus`"]);
    assert_bad_input(
        "unknown variant",
        &encode_stdin(r#"{"variant":"martian","start":"isup"}"#),
        &["`martian`"],
    );
    assert_bad_input("unknown layer", &encode_stdin(r#"{"variant":"itu","start":"x25"}"#), &["`x25`"]);
    // Well-formed JSON the codec cannot encode: a layer that is missing, a bad digit.
    assert_bad_input(
        "missing layer",
        &encode_stdin(r#"{"variant":"itu","start":"isup"}"#),
        &["no isup layer"],
    );
    let c = corpus::captures().into_iter().find(|c| c.name == "mtp3-itu").unwrap();
    let e = c.examples.iter().find(|e| e.name == "isup: IAM").unwrap();
    let mut v = serde_json::to_value(&e.frame).unwrap();
    let s = v.to_string();
    let digits = serde_json::to_string(&find_key(&mut v, "digits").unwrap().clone()).unwrap();
    let bad = s.replacen(&digits, "\"12#X\"", 1);
    assert_ne!(bad, s);
    assert_bad_input("bad digit", &encode_stdin(&bad), &["isup"]);
}

fn find_key<'a>(v: &'a mut serde_json::Value, key: &str) -> Option<&'a mut serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => {
            if m.contains_key(key) {
                return m.get_mut(key);
            }
            m.values_mut().find_map(|x| find_key(x, key))
        }
        serde_json::Value::Array(a) => a.iter_mut().find_map(|x| find_key(x, key)),
        _ => None,
    }
}

/// Cutting frames anywhere gives status 0 or 2 and never a panic.
#[test]
fn truncated_frames_never_panic() {
    let mut cases = Vec::new();
    for c in corpus::captures().iter().filter(|c| c.link != LinkType::Mtp2WithPhdr) {
        // A few frames of each capture, cut at every length.
        for e in c.examples.iter().step_by(c.examples.len() / 3 + 1) {
            for n in 1..e.bytes.len() {
                cases.push(HexCase {
                    layer: layer_name(c.start()),
                    variant: c.variant.to_string(),
                    fcs: c.fcs,
                    hex: hex(&e.bytes[..n]),
                });
            }
        }
    }
    let bad = each_case(&cases, |c| {
        let out = run_ainsim(&c.args(false), None);
        let stderr = text(&out.stderr);
        let ok = match out.status.code() {
            Some(0) => stderr.is_empty(),
            Some(2) => {
                stderr.lines().count() == 1 && stderr.contains("offset") && !stderr.contains("panicked")
            }
            _ => false,
        };
        (!ok).then(|| format!("{c:?}: status {:?}, stderr {stderr}", out.status))
    });
    assert!(bad.is_empty(), "{} of {} failed:\n{}", bad.len(), cases.len(), bad.join("\n"));
}

fn decode_pcap(path: &std::path::Path, extra: &[String]) -> Output {
    let mut args = vec!["decode".to_string(), "--pcap".into(), path.display().to_string()];
    args.extend_from_slice(extra);
    run_ainsim(&args, None)
}

#[test]
fn every_corpus_pcap_decodes_as_a_tree() {
    for c in corpus::captures() {
        let f = TempFile::new(&format!("{}.pcap", c.name), &c.pcap());
        let out = decode_pcap(f.path(), &c.decode_args());
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{}: {}", c.name, text(&out.stderr));
        let heads = stdout.lines().filter(|l| l.starts_with("frame ")).count();
        assert_eq!(heads, c.examples.len(), "{}: one tree per frame", c.name);
        assert!(
            !stdout.lines().any(|l| l.starts_with("frame ") && l.contains(": error")),
            "{}: {stdout}",
            c.name
        );
        for n in 1..=c.examples.len() {
            assert!(stdout.contains(&format!("frame {n} (")), "{}: frame {n} missing", c.name);
        }
    }
}

/// Three ISUP frames in MTP3, the middle one cut short inside the IAM;
/// and where each record starts in the file.
fn capture_with_broken_frame() -> (Vec<u8>, Vec<usize>) {
    let c: Capture = corpus::captures().into_iter().find(|c| c.name == "mtp3-itu").unwrap();
    let good: Vec<&[u8]> =
        c.examples.iter().filter(|e| e.frame.isup.is_some()).map(|e| e.bytes.as_slice()).take(2).collect();
    let broken = &good[1][..good[1].len() - 3];
    let mut w = PcapWriter::new(Vec::new(), LinkType::Mtp3).unwrap();
    let mut at = Vec::new();
    for (i, f) in [good[0], broken, good[1]].into_iter().enumerate() {
        at.push(w.bytes_written());
        w.write_mtp3(i as u64 * 1_000_000, f).unwrap();
    }
    (w.into_inner(), at)
}

#[test]
fn a_broken_frame_is_reported_and_the_others_decoded() {
    let (pcap, _) = capture_with_broken_frame();
    let f = TempFile::new("broken.pcap", &pcap);
    let out = decode_pcap(f.path(), &[]);
    let stdout = text(&out.stdout);
    assert_bad_input("pcap with a broken frame", &out, &["1 of 3 frames"]);
    assert!(stdout.contains("frame 1 ("), "{stdout}");
    assert!(stdout.contains("frame 3 ("), "{stdout}");
    let err: Vec<&str> = stdout.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(err.len(), 1, "{stdout}");
    assert!(err[0].starts_with("frame 2: error: isup"), "{}", err[0]);
    assert!(err[0].contains("file offset"), "{}", err[0]);
    // JSON mode: one object per frame, the broken one with its error.
    let mut args = vec!["--json".to_string()];
    args.extend(["--variant".into(), "itu".into()]);
    let out = decode_pcap(f.path(), &args);
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["pcap_frame"], 2);
    assert!(lines[1]["error"].as_str().unwrap().starts_with("isup"), "{}", lines[1]);
    assert!(lines[0].get("error").is_none() && lines[2].get("error").is_none());
}

#[test]
fn a_truncated_pcap_reports_the_offset() {
    let (pcap, at) = capture_with_broken_frame();
    // Cut inside the third record's header, then inside its data: the
    // frames before it are still printed, and the error names the record's offset.
    // (The header's offset, then that of its length field, which claims too much.)
    for (cut, offset) in [(at[2] + 7, at[2]), (at[2] + 16 + 5, at[2] + 8)] {
        let f = TempFile::new("cut.pcap", &pcap[..cut]);
        let out = decode_pcap(f.path(), &[]);
        assert_bad_input("truncated pcap", &out, &["pcap", "truncated", &format!("offset {offset}:")]);
        assert!(text(&out.stdout).contains("frame 1 ("), "{}", text(&out.stdout));
    }
    // The global header alone, cut.
    let f = TempFile::new("header.pcap", &pcap[..10]);
    assert_bad_input(
        "cut global header",
        &decode_pcap(f.path(), &[]),
        &["pcap", "global header", "offset 0"],
    );
    // Not a pcap at all.
    let f = TempFile::new("text.pcap", b"this is not a capture file at all");
    assert_bad_input("not a pcap", &decode_pcap(f.path(), &[]), &["pcap", "offset 0"]);
}
