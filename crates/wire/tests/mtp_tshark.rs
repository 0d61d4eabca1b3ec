//! Wireshark judges our MTP2 and MTP3 frames: every example is written into a
//! pcap (link type 141 for MTP3, 140 for MTP2 without FCS, 140 with FCS and
//! the `mtp2.capture_contains_frame_check_sequence` preference, 139 with the
//! pseudo-header) and tshark must decode it with no malformed frame and no
//! expert info, and with the field values our codec reads.
//!
//! Skips (loudly) when tshark is not installed.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use ainsim_wire::mtp2::{self, LinkStatus, SignalUnit};
use ainsim_wire::mtp3::{self, Slt, Snm, SnmRepr};
use ainsim_wire::{Mtp3Repr, Variant};

fn have_tshark() -> bool {
    let ok = Command::new("tshark").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        eprintln!("!!!!!!!! tshark not found: SKIPPING the Wireshark check of MTP2/MTP3 !!!!!!!!");
    }
    ok
}

/// A pcap in the temp directory, removed when dropped (even on a failed assert).
struct TempPcap(PathBuf);

impl Drop for TempPcap {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl std::ops::Deref for TempPcap {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

fn write_pcap(name: &str, linktype: u32, frames: &[Vec<u8>]) -> TempPcap {
    let path = std::env::temp_dir().join(format!("ainsim-mtp-{}-{name}.pcap", std::process::id()));
    let mut b = Vec::new();
    b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&4u16.to_le_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&65535u32.to_le_bytes());
    b.extend_from_slice(&linktype.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        b.extend_from_slice(&(i as u32).to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&(f.len() as u32).to_le_bytes());
        b.extend_from_slice(&(f.len() as u32).to_le_bytes());
        b.extend_from_slice(f);
    }
    std::fs::write(&path, b).unwrap();
    TempPcap(path)
}

fn tshark(path: &PathBuf, prefs: &[&str], extra: &[&str]) -> String {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(path);
    for p in prefs {
        cmd.arg("-o").arg(p);
    }
    cmd.args(extra);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// One row of `-T fields` per frame, one column per field.
fn fields(path: &PathBuf, prefs: &[&str], names: &[&str]) -> Vec<Vec<String>> {
    let mut extra = vec!["-T", "fields", "-E", "separator=|", "-E", "occurrence=f"];
    for n in names {
        extra.push("-e");
        extra.push(n);
    }
    tshark(path, prefs, &extra).lines().map(|l| l.split('|').map(str::to_string).collect()).collect()
}

/// Frames tshark flags as malformed or with an expert item, with details.
fn problems(path: &PathBuf, prefs: &[&str]) -> String {
    tshark(path, prefs, &["-Y", "_ws.malformed || _ws.expert", "-V"])
}

fn hex(v: u32) -> String {
    format!("0x{v:02x}")
}

fn prefs(variant: Variant) -> Vec<&'static str> {
    match variant {
        Variant::Itu => vec!["mtp3.standard:ITU"],
        Variant::Ansi => vec!["mtp3.standard:ANSI"],
    }
}

const MTP3_FIELDS: &[&str] = &[
    "mtp3.service_indicator",
    "mtp3.network_indicator",
    "mtp3.dpc",
    "mtp3.opc",
    "mtp3.sls",
    "mtp3mg.h0",
    "mtp3mg.h1",
    "mtp3mg.test.h0",
    "mtp3mg.test.h1",
    "mtp3mg.test.length",
    "mtp3mg.test_pattern",
    "mtp3mg.fsn",
    "mtp3mg.slc",
    "mtp3mg.cbc",
    "mtp3mg.apc",
    "mtp3mg.apc.network",
    "mtp3mg.apc.cluster",
    "mtp3mg.apc.member",
    "mtp3mg.user",
    "mtp3mg.cause",
    "mtp3.priority",
];

/// Checks one decoded row against our repr; returns a list of mismatches.
fn check_mtp3_row(variant: Variant, name: &str, r: &Mtp3Repr, row: &[String], errs: &mut Vec<String>) {
    let col = |f: &str| -> &str {
        let i = MTP3_FIELDS.iter().position(|x| *x == f).unwrap();
        row.get(i).map(String::as_str).unwrap_or("")
    };
    let mut eq = |f: &str, want: String| {
        if col(f) != want {
            errs.push(format!("{variant} {name}: {f} = {:?}, ours {want:?}", col(f)));
        }
    };
    eq("mtp3.service_indicator", hex(r.si.into()));
    eq("mtp3.network_indicator", hex(r.ni.into()));
    eq("mtp3.dpc", r.dpc.0.to_string());
    eq("mtp3.opc", r.opc.0.to_string());
    eq("mtp3.sls", r.sls.to_string());
    if variant == Variant::Ansi {
        eq("mtp3.priority", r.priority.to_string());
    }
    let apc = |eq: &mut dyn FnMut(&str, String), pc: ainsim_wire::PointCode| match variant {
        Variant::Itu => eq("mtp3mg.apc", pc.0.to_string()),
        Variant::Ansi => {
            eq("mtp3mg.apc.network", (pc.0 >> 16).to_string());
            eq("mtp3mg.apc.cluster", (pc.0 >> 8 & 0xff).to_string());
            eq("mtp3mg.apc.member", (pc.0 & 0xff).to_string());
        }
    };
    match r.si {
        mtp3::si::SNM => {
            let snm = SnmRepr::parse(&r.sif, variant).unwrap().message;
            let h = snm.h0h1();
            eq("mtp3mg.h0", hex(u32::from(h & 0x0f)));
            eq("mtp3mg.h1", hex(u32::from(h >> 4)));
            let slc = |eq: &mut dyn FnMut(&str, String), s: Option<u8>| {
                if let Some(s) = s {
                    eq("mtp3mg.slc", s.to_string());
                }
            };
            match snm {
                Snm::Coo { slc: s, fsn } | Snm::Coa { slc: s, fsn } => {
                    eq("mtp3mg.fsn", fsn.to_string());
                    slc(&mut eq, s);
                }
                Snm::Xco { slc: s, fsn } | Snm::Xca { slc: s, fsn } => {
                    eq("mtp3mg.fsn", fsn.to_string());
                    slc(&mut eq, s);
                }
                Snm::Cbd { slc: s, cbc } | Snm::Cba { slc: s, cbc } => {
                    eq("mtp3mg.cbc", cbc.to_string());
                    slc(&mut eq, s);
                }
                Snm::Eco { slc: s }
                | Snm::Eca { slc: s }
                | Snm::Lin { slc: s }
                | Snm::Lun { slc: s }
                | Snm::Lia { slc: s }
                | Snm::Lua { slc: s }
                | Snm::Lid { slc: s }
                | Snm::Lfu { slc: s }
                | Snm::Llt { slc: s }
                | Snm::Lrt { slc: s } => slc(&mut eq, s),
                Snm::Tfp { dest }
                | Snm::Tcp { dest }
                | Snm::Tfr { dest }
                | Snm::Tcr { dest }
                | Snm::Tfa { dest }
                | Snm::Tca { dest }
                | Snm::Rst { dest }
                | Snm::Rsr { dest }
                | Snm::Rcp { dest }
                | Snm::Rcr { dest }
                | Snm::Tfc { dest, .. } => apc(&mut eq, dest),
                Snm::Upu { dest, user, cause } => {
                    apc(&mut eq, dest);
                    eq("mtp3mg.user", hex(user.into()));
                    eq("mtp3mg.cause", hex(cause.into()));
                }
                _ => {}
            }
        }
        mtp3::si::MTN | mtp3::si::MTNS => {
            let slt = Slt::parse(&r.sif).unwrap();
            let h = slt.h0h1();
            eq("mtp3mg.test.h0", hex(u32::from(h & 0x0f)));
            eq("mtp3mg.test.h1", hex(u32::from(h >> 4)));
            if let Slt::Sltm { slc: s, pattern } | Slt::Slta { slc: s, pattern } = slt {
                eq("mtp3mg.test.length", pattern.len().to_string());
                eq("mtp3mg.test_pattern", pattern.iter().map(|b| format!("{b:02x}")).collect());
                if variant == Variant::Ansi {
                    eq("mtp3mg.slc", s.to_string());
                }
            }
        }
        _ => {}
    }
}

#[test]
fn mtp3_examples_decode_cleanly_in_tshark() {
    if !have_tshark() {
        return;
    }
    let mut errs = Vec::new();
    for variant in [Variant::Itu, Variant::Ansi] {
        let ex = mtp3::examples(variant);
        let frames: Vec<Vec<u8>> = ex.iter().map(|(_, r)| r.to_bytes().unwrap()).collect();
        let path = write_pcap(&format!("mtp3-{variant}"), 141, &frames);
        let prefs = prefs(variant);
        let bad = problems(&path, &prefs);
        assert!(bad.trim().is_empty(), "{variant}: tshark flags frames:\n{bad}");
        let rows = fields(&path, &prefs, MTP3_FIELDS);
        assert_eq!(rows.len(), ex.len());
        for ((name, r), row) in ex.iter().zip(&rows) {
            check_mtp3_row(variant, name, r, row, &mut errs);
        }
    }
    assert!(errs.is_empty(), "tshark disagrees:\n{}", errs.join("\n"));
}

/// Frames from a live ITU link (osmocom libosmo-sccp tests/mtp/mtp_parse_test.c):
/// SLTM, SLTA, TRA, TFP, SCCP UDT.
const LIVE_ITU: &[&[u8]] = &[
    &[
        0x81, 0x88, 0xc0, 0x16, 0x00, 0x11, 0xe0, 0x62, 0x61, 0x72, 0x62, 0x61, 0x6e, 0x6f, 0x62, 0x61, 0x72,
        0x6e, 0x61, 0x62, 0x6f,
    ],
    &[
        0x81, 0x88, 0xc0, 0x16, 0x00, 0x21, 0xe0, 0x41, 0x6d, 0x69, 0x74, 0x20, 0x43, 0x68, 0x61, 0x6e, 0x64,
        0x72, 0x61, 0x00, 0x00,
    ],
    &[0x80, 0x5b, 0x00, 0x22, 0x00, 0x17],
    &[0x80, 0x88, 0xc0, 0x16, 0x00, 0x14, 0x56, 0x00],
    &[
        0x83, 0x5b, 0x00, 0x22, 0x20, 0x09, 0x00, 0x03, 0x07, 0x0b, 0x04, 0xc3, 0x5b, 0x00, 0x01, 0x04, 0xc3,
        0x88, 0x00, 0x01, 0x05, 0x03, 0xfe, 0x5b, 0x00, 0x01,
    ],
];

#[test]
fn live_itu_frames_agree_with_tshark() {
    if !have_tshark() {
        return;
    }
    let frames: Vec<Vec<u8>> = LIVE_ITU.iter().map(|f| f.to_vec()).collect();
    let path = write_pcap("mtp3-live", 141, &frames);
    let prefs = prefs(Variant::Itu);
    let bad = problems(&path, &prefs);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");
    let rows = fields(&path, &prefs, MTP3_FIELDS);
    let mut errs = Vec::new();
    for (f, row) in frames.iter().zip(&rows) {
        let r = Mtp3Repr::parse(f, Variant::Itu).unwrap();
        assert_eq!(&r.to_bytes().unwrap(), f);
        check_mtp3_row(Variant::Itu, "live", &r, row, &mut errs);
    }
    assert!(errs.is_empty(), "tshark disagrees:\n{}", errs.join("\n"));
}

#[test]
fn ansi_sls_octet_5_and_8_bit() {
    if !have_tshark() {
        return;
    }
    // An SLS octet with the 3 spare bits set: tshark's 8-bit SLS is the octet,
    // its 5-bit SLS (mtp3.ansi_5_bit_sls) is our sls5().
    let r = Mtp3Repr { sls: 0xe5, ..mtp3::examples(Variant::Ansi).remove(0).1 };
    let b = r.to_bytes().unwrap();
    let path = write_pcap("mtp3-sls", 141, &[b]);
    let eight = fields(&path, &["mtp3.standard:ANSI"], &["mtp3.sls"]);
    assert_eq!(eight[0][0], r.sls.to_string());
    // (tshark 4.0 shows no mtp3.sls_spare item for the 3 high bits.)
    let five = fields(&path, &["mtp3.standard:ANSI", "mtp3.ansi_5_bit_sls:TRUE"], &["mtp3.sls"]);
    assert_eq!(five[0][0], r.sls5().to_string());
}

const MTP2_FIELDS: &[&str] = &[
    "mtp2.bsn",
    "mtp2.bib",
    "mtp2.fsn",
    "mtp2.fib",
    "mtp2.li",
    "mtp2.spare",
    "mtp2.sf",
    "mtp2.sf_extra",
    "mtp3.service_indicator",
];

fn check_mtp2_rows(what: &str, ex: &[(&str, mtp2::Mtp2Repr)], rows: &[Vec<String>]) {
    assert_eq!(rows.len(), ex.len(), "{what}");
    let mut errs = Vec::new();
    for ((name, r), row) in ex.iter().zip(rows) {
        let col = |f: &str| row[MTP2_FIELDS.iter().position(|x| *x == f).unwrap()].clone();
        let mut eq = |f: &str, want: String| {
            if col(f) != want {
                errs.push(format!("{what} {name}: {f} = {:?}, ours {want:?}", col(f)));
            }
        };
        eq("mtp2.bsn", r.bsn.to_string());
        eq("mtp2.bib", u8::from(r.bib).to_string());
        eq("mtp2.fsn", r.fsn.to_string());
        eq("mtp2.fib", u8::from(r.fib).to_string());
        eq("mtp2.li", r.li().to_string());
        eq("mtp2.spare", r.spare.to_string());
        match &r.unit {
            SignalUnit::Lssu { status, extra } => {
                eq("mtp2.sf", status.octet().to_string());
                if let Some(x) = extra {
                    eq("mtp2.sf_extra", hex((*x).into()));
                }
            }
            SignalUnit::Msu { payload } => eq("mtp3.service_indicator", hex((payload[0] & 0x0f).into())),
            SignalUnit::Fisu => {}
        }
    }
    assert!(errs.is_empty(), "tshark disagrees:\n{}", errs.join("\n"));
}

#[test]
fn mtp2_without_fcs_link_type_140() {
    if !have_tshark() {
        return;
    }
    let ex = mtp2::examples(Variant::Itu);
    let frames: Vec<Vec<u8>> = ex.iter().map(|(_, r)| r.to_bytes_without_fcs().unwrap()).collect();
    let path = write_pcap("mtp2-nofcs", 140, &frames);
    // tshark 4.0 default: mtp2.capture_contains_frame_check_sequence is FALSE.
    let bad = problems(&path, &[]);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");
    check_mtp2_rows("140 without FCS", &ex, &fields(&path, &[], MTP2_FIELDS));
}

#[test]
fn mtp2_with_fcs_link_type_140() {
    if !have_tshark() {
        return;
    }
    let ex = mtp2::examples(Variant::Ansi);
    let frames: Vec<Vec<u8>> = ex.iter().map(|(_, r)| r.to_bytes().unwrap()).collect();
    let path = write_pcap("mtp2-fcs", 140, &frames);
    let prefs = ["mtp2.capture_contains_frame_check_sequence:TRUE", "mtp3.standard:ANSI"];
    let bad = problems(&path, &prefs);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");
    check_mtp2_rows("140 with FCS", &ex, &fields(&path, &prefs, MTP2_FIELDS));
    // tshark computes the FCS itself and must call ours good (status 1).
    let st = fields(&path, &prefs, &["mtp2.fcs_16", "mtp2.fcs_16.status"]);
    for ((name, r), row) in ex.iter().zip(&st) {
        let b = r.to_bytes().unwrap();
        let ours = u16::from_le_bytes([b[b.len() - 2], b[b.len() - 1]]);
        assert_eq!(row[0], format!("0x{ours:04x}"), "{name}");
        assert_eq!(row[1], "1", "{name}: FCS status");
    }
}

#[test]
fn mtp2_extended_sequence_numbers() {
    if !have_tshark() {
        return;
    }
    let ex = mtp2::extended_examples(Variant::Itu);
    let frames: Vec<Vec<u8>> = ex.iter().map(|(_, r)| r.to_bytes().unwrap()).collect();
    let path = write_pcap("mtp2-ext", 140, &frames);
    let prefs =
        ["mtp2.use_extended_sequence_numbers:TRUE", "mtp2.capture_contains_frame_check_sequence:TRUE"];
    let bad = problems(&path, &prefs);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");
    check_mtp2_rows("140 extended with FCS", &ex, &fields(&path, &prefs, MTP2_FIELDS));
}

#[test]
fn mtp2_link_type_139_with_pseudo_header() {
    if !have_tshark() {
        return;
    }
    // Link type 139 (MTP2 with pseudo-header): sent (1), Annex A used (1),
    // link number (2, big endian), then the signal unit without FCS.
    let ex = mtp2::examples(Variant::Itu);
    let frames: Vec<Vec<u8>> = ex
        .iter()
        .map(|(_, r)| {
            let mut f = vec![1, 0, 0, 3];
            r.emit_without_fcs(&mut f).unwrap();
            f
        })
        .collect();
    let path = write_pcap("mtp2-139", 139, &frames);
    let bad = problems(&path, &[]);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");
    check_mtp2_rows("139", &ex, &fields(&path, &[], MTP2_FIELDS));
}

#[test]
fn mtp2_link_type_139_annex_a_flag_selects_extended_format() {
    if !have_tshark() {
        return;
    }
    // With "Annex A used" = 1 in the pseudo-header tshark reads the extended
    // header without the mtp2.use_extended_sequence_numbers preference.
    let ex = mtp2::extended_examples(Variant::Itu);
    let frames: Vec<Vec<u8>> = ex
        .iter()
        .map(|(_, r)| {
            let mut f = vec![0, 1, 0, 3];
            r.emit_without_fcs(&mut f).unwrap();
            f
        })
        .collect();
    let path = write_pcap("mtp2-139-ext", 139, &frames);
    let bad = problems(&path, &[]);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");
    check_mtp2_rows("139 Annex A", &ex, &fields(&path, &[], MTP2_FIELDS));
}

#[test]
fn lssu_status_names_match_tshark() {
    if !have_tshark() {
        return;
    }
    let all = [
        LinkStatus::Sio,
        LinkStatus::Sin,
        LinkStatus::Sie,
        LinkStatus::Sios,
        LinkStatus::Sipo,
        LinkStatus::Sib,
    ];
    let frames: Vec<Vec<u8>> = all
        .iter()
        .map(|s| {
            mtp2::Mtp2Repr {
                extended: false,
                bsn: 0,
                bib: false,
                fsn: 0,
                fib: false,
                spare: 0,
                reserved: 0,
                unit: SignalUnit::Lssu { status: *s, extra: None },
            }
            .to_bytes_without_fcs()
            .unwrap()
        })
        .collect();
    let path = write_pcap("mtp2-lssu", 140, &frames);
    let info = tshark(&path, &[], &["-T", "fields", "-e", "_ws.col.Info"]);
    for (s, line) in all.iter().zip(info.lines()) {
        assert!(line.contains(s.name()), "{line:?} should name {}", s.name());
    }
}
