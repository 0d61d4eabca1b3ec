//! Wireshark judges the whole stack: every example of every codec, wrapped
//! through `stack::Frame` into MTP3 (link type 141), M3UA DATA over
//! SCTP/IPv4 (228) and MTP2 (140 with FCS, 139 with pseudo-header), is
//! written to pcaps (see `ainsim_tests::corpus`). For each capture:
//!
//! 1. the real `ainsim decode --pcap FILE --json` must decode every frame
//!    into exactly the `Frame` the library built;
//! 2. tshark must mark no frame malformed and raise no expert item of
//!    severity warning or above (the one known Wireshark 4.0 gap, ANSI ISUP
//!    EXM, is allowed by name);
//! 3. tshark's values for the fields below must EQUAL ours, taken from the
//!    binary's JSON: MTP2 sequence numbers, LI and status; MTP3 SI, NI, OPC,
//!    DPC, SLS (and ANSI priority); SNM/SLT headings; M3UA class, type and
//!    protocol data; ISUP message type, CIC, called and calling digits and
//!    nature of address, cause value; SCCP message type, SSNs, point codes,
//!    GT digits; TCAP transaction ids and operation (and ITU error) codes.
//!
//! One tshark run per capture. Skips the tshark half loudly when tshark is
//! missing (CI has it). `AINSIM_KEEP_PCAP=1` keeps the captures.
#![allow(clippy::unwrap_used)]

use ainsim_tests::corpus::{self, Capture};
use ainsim_tests::{have_tshark, hex, run_ainsim, tshark_complaints, tshark_fields, FrameFields, TempFile};
use ainsim_wire::isup::{self, Parameter};
use ainsim_wire::mtp2::{Mtp2Format, SignalUnit};
use ainsim_wire::sccp::{GlobalTitle, OptionalParameter};
use ainsim_wire::stack::Frame;
use ainsim_wire::tcap::{ansi, itu};
use ainsim_wire::{M3uaParameter, SccpRepr, TcapRepr, Variant};

/// What we expect tshark to show for one field of one frame: `None` when
/// the field is not compared in this frame, else every occurrence in order.
type Expect = Option<Vec<String>>;

/// A field tshark prints and how to get ours from a decoded frame.
struct Check {
    field: &'static str,
    ours: fn(&Frame) -> Expect,
}

fn hx(v: impl Into<u32>) -> String {
    format!("0x{:02x}", v.into())
}

fn opt(v: Option<impl ToString>) -> Vec<String> {
    v.map(|x| x.to_string()).into_iter().collect()
}

fn isup_number(f: &Frame, code: u8) -> Option<&isup::Number> {
    match f.isup.as_ref()?.find(code)? {
        Parameter::CalledPartyNumber(n)
        | Parameter::CallingPartyNumber(n)
        | Parameter::ConnectedNumber(n) => Some(n),
        _ => None,
    }
}

/// TCAP in an SCCP segment that is not the last one: tshark waits for the
/// rest and does not dissect it.
fn tcap_hidden(f: &Frame) -> bool {
    let opts = match f.sccp.as_ref() {
        Some(SccpRepr::Xudt(x)) => &x.optional,
        Some(SccpRepr::Xudts(x)) => &x.optional,
        _ => return false,
    };
    opts.iter().any(|o| matches!(o, OptionalParameter::Segmentation(s) if s.remaining > 0))
}

fn itu_tcap(f: &Frame) -> Option<&itu::Message> {
    match f.tcap.as_ref()? {
        TcapRepr::Itu(m) if !tcap_hidden(f) => Some(m),
        _ => None,
    }
}

fn ansi_tcap(f: &Frame) -> Option<&ansi::Message> {
    match f.tcap.as_ref()? {
        TcapRepr::Ansi(m) if !tcap_hidden(f) => Some(m),
        _ => None,
    }
}

fn gt_digits(gt: &GlobalTitle) -> Option<String> {
    match gt {
        GlobalTitle::Nai { digits, .. }
        | GlobalTitle::Tt { digits, .. }
        | GlobalTitle::TtNpEs { digits, .. }
        | GlobalTitle::TtNpEsNai { digits, .. } => Some(digits.to_string()),
        GlobalTitle::None | GlobalTitle::Raw { .. } => None,
    }
}

fn protocol_data(f: &Frame) -> Option<&ainsim_wire::M3uaProtocolData> {
    f.m3ua.as_ref()?.params.iter().find_map(|p| match p {
        M3uaParameter::ProtocolData(pd) => Some(pd),
        _ => None,
    })
}

/// tshark shows an ANSI point code as `n-c-m` first (then as integers).
fn sccp_pc(f: &Frame, called: bool, ansi: bool) -> Expect {
    let s = f.sccp.as_ref()?;
    let a = if called { s.called_party() } else { s.calling_party() };
    let pc = a.and_then(|a| a.point_code);
    Some(match (pc, ansi) {
        (Some(pc), true) if f.variant == Variant::Ansi => vec![pc.display(Variant::Ansi)],
        (Some(pc), false) if f.variant == Variant::Itu => vec![pc.0.to_string()],
        _ => vec![],
    })
}

const CHECKS: &[Check] = &[
    // MTP2
    Check { field: "mtp2.bsn", ours: |f| Some(opt(f.mtp2.as_ref().map(|u| u.bsn))) },
    Check { field: "mtp2.fsn", ours: |f| Some(opt(f.mtp2.as_ref().map(|u| u.fsn))) },
    // The LI is derived from the payload, which the decoded frame leaves to
    // the MTP3 layer: read it from the re-encoded unit.
    Check {
        field: "mtp2.li",
        ours: |f| {
            Some(opt(f.mtp2.as_ref().map(|_| {
                let b = f.encode().unwrap();
                ainsim_wire::Mtp2Repr::parse_with(&b, Mtp2Format { fcs: f.fcs, extended: false })
                    .unwrap()
                    .li()
            })))
        },
    },
    Check {
        field: "mtp2.sf",
        ours: |f| {
            Some(opt(f.mtp2.as_ref().and_then(|u| match &u.unit {
                SignalUnit::Lssu { status, .. } => Some(status.octet()),
                _ => None,
            })))
        },
    },
    // tshark computes the FCS itself: ours must be good (status 1).
    Check { field: "mtp2.fcs_16.status", ours: |f| Some(opt(f.mtp2.as_ref().filter(|_| f.fcs).map(|_| 1))) },
    // MTP3 (not in M3UA frames: M3UA carries the label in protocol data)
    Check {
        field: "mtp3.service_indicator",
        ours: |f| f.m3ua.is_none().then(|| opt(f.mtp3.as_ref().map(|m| hx(m.si)))),
    },
    Check {
        field: "mtp3.network_indicator",
        ours: |f| f.m3ua.is_none().then(|| opt(f.mtp3.as_ref().map(|m| hx(m.ni)))),
    },
    Check { field: "mtp3.opc", ours: |f| f.m3ua.is_none().then(|| opt(f.mtp3.as_ref().map(|m| m.opc.0))) },
    Check { field: "mtp3.dpc", ours: |f| f.m3ua.is_none().then(|| opt(f.mtp3.as_ref().map(|m| m.dpc.0))) },
    Check { field: "mtp3.sls", ours: |f| f.m3ua.is_none().then(|| opt(f.mtp3.as_ref().map(|m| m.sls))) },
    Check {
        field: "mtp3.priority",
        ours: |f| (f.variant == Variant::Ansi).then(|| opt(f.mtp3.as_ref().map(|m| m.priority))),
    },
    // SNM and SLT headings, SLT test pattern
    Check { field: "mtp3mg.h0", ours: |f| Some(opt(f.snm.as_ref().map(|s| hx(s.message.h0h1() & 0x0f)))) },
    Check { field: "mtp3mg.h1", ours: |f| Some(opt(f.snm.as_ref().map(|s| hx(s.message.h0h1() >> 4)))) },
    Check { field: "mtp3mg.test.h0", ours: |f| Some(opt(f.slt.as_ref().map(|s| hx(s.h0h1() & 0x0f)))) },
    Check { field: "mtp3mg.test.h1", ours: |f| Some(opt(f.slt.as_ref().map(|s| hx(s.h0h1() >> 4)))) },
    Check {
        field: "mtp3mg.test_pattern",
        ours: |f| {
            Some(opt(f.slt.as_ref().and_then(|s| match s {
                ainsim_wire::Slt::Sltm { pattern, .. } | ainsim_wire::Slt::Slta { pattern, .. } => {
                    Some(hex(pattern))
                }
                _ => None,
            })))
        },
    },
    // M3UA
    Check {
        field: "m3ua.message_class",
        ours: |f| f.m3ua.as_ref().map(|m| vec![m.message.class().to_string()]),
    },
    Check {
        field: "m3ua.message_type",
        ours: |f| f.m3ua.as_ref().map(|m| vec![m.message.msg_type().to_string()]),
    },
    Check {
        field: "m3ua.protocol_data_opc",
        ours: |f| f.m3ua.as_ref().map(|_| opt(protocol_data(f).map(|p| p.opc.0))),
    },
    Check {
        field: "m3ua.protocol_data_dpc",
        ours: |f| f.m3ua.as_ref().map(|_| opt(protocol_data(f).map(|p| p.dpc.0))),
    },
    Check {
        field: "m3ua.protocol_data_si",
        ours: |f| f.m3ua.as_ref().map(|_| opt(protocol_data(f).map(|p| p.si))),
    },
    Check {
        field: "m3ua.protocol_data_ni",
        ours: |f| f.m3ua.as_ref().map(|_| opt(protocol_data(f).map(|p| p.ni))),
    },
    Check {
        field: "m3ua.protocol_data_mp",
        ours: |f| f.m3ua.as_ref().map(|_| opt(protocol_data(f).map(|p| p.mp))),
    },
    Check {
        field: "m3ua.protocol_data_sls",
        ours: |f| f.m3ua.as_ref().map(|_| opt(protocol_data(f).map(|p| p.sls))),
    },
    // ISUP (only in ISUP frames: INAP arguments use tshark's ISUP number fields too)
    Check {
        field: "isup.message_type",
        ours: |f| f.isup.as_ref().map(|i| vec![i.message_type.code().to_string()]),
    },
    Check { field: "isup.cic", ours: |f| f.isup.as_ref().map(|i| vec![i.cic.to_string()]) },
    Check {
        field: "isup.called",
        ours: |f| f.isup.as_ref().map(|_| opt(isup_number(f, isup::code::CALLED).map(|n| n.digits.clone()))),
    },
    Check {
        field: "isup.called_party_nature_of_address_indicator",
        ours: |f| {
            f.isup.as_ref().map(|_| opt(isup_number(f, isup::code::CALLED).map(|n| n.nature_of_address)))
        },
    },
    Check {
        // A calling number "address not available" has no digits: Wireshark
        // then shows no `isup.calling` at all.
        field: "isup.calling",
        ours: |f| {
            f.isup.as_ref().map(|_| {
                opt(isup_number(f, isup::code::CALLING).map(|n| n.digits.clone()).filter(|d| !d.is_empty()))
            })
        },
    },
    Check {
        // Wireshark uses this field for every number parameter laid out like
        // the calling party number (connected, redirecting, original called,
        // generic, location), in wire order.
        field: "isup.calling_party_nature_of_address_indicator",
        ours: |f| {
            f.isup.as_ref().map(|i| {
                i.mandatory()
                    .iter()
                    .chain(i.optional())
                    .filter_map(|p| match p {
                        Parameter::CallingPartyNumber(n)
                        | Parameter::ConnectedNumber(n)
                        | Parameter::RedirectingNumber(n)
                        | Parameter::OriginalCalledNumber(n)
                        | Parameter::LocationNumber(n) => Some(n.nature_of_address.to_string()),
                        Parameter::GenericNumber(g) => Some(g.number.nature_of_address.to_string()),
                        _ => None,
                    })
                    .collect()
            })
        },
    },
    Check {
        field: "isup.cause_indicator",
        ours: |f| {
            f.isup.as_ref().map(|i| {
                opt(match i.find(isup::code::CAUSE) {
                    Some(Parameter::CauseIndicators(c)) => Some(c.value),
                    _ => None,
                })
            })
        },
    },
    // SCCP
    Check {
        field: "sccp.message_type",
        ours: |f| Some(opt(f.sccp.as_ref().map(|s| hx(s.message_type().to_u8())))),
    },
    Check {
        field: "sccp.called.ssn",
        ours: |f| f.sccp.as_ref().map(|s| opt(s.called_party().and_then(|a| a.ssn))),
    },
    Check {
        field: "sccp.calling.ssn",
        ours: |f| f.sccp.as_ref().map(|s| opt(s.calling_party().and_then(|a| a.ssn))),
    },
    Check {
        field: "sccp.called.digits",
        ours: |f| f.sccp.as_ref().map(|s| opt(s.called_party().and_then(|a| gt_digits(&a.global_title)))),
    },
    Check {
        field: "sccp.calling.digits",
        ours: |f| f.sccp.as_ref().map(|s| opt(s.calling_party().and_then(|a| gt_digits(&a.global_title)))),
    },
    Check { field: "sccp.called.pc", ours: |f| sccp_pc(f, true, false) },
    Check { field: "sccp.calling.pc", ours: |f| sccp_pc(f, false, false) },
    // First occurrence only is the dashed form; the others are the same PC as integers.
    Check { field: "sccp.called.ansi_pc", ours: |f| sccp_pc(f, true, true) },
    Check { field: "sccp.calling.ansi_pc", ours: |f| sccp_pc(f, false, true) },
    // ITU TCAP: transaction ids; codes as tshark's INAP shows them (it shows
    // nothing for ReturnResultNotLast).
    Check { field: "tcap.otid", ours: |f| itu_tcap(f).map(|m| opt(m.otid.as_deref().map(hex))) },
    Check { field: "tcap.dtid", ours: |f| itu_tcap(f).map(|m| opt(m.dtid.as_deref().map(hex))) },
    Check {
        field: "inap.code.local",
        ours: |f| {
            itu_tcap(f).map(|m| {
                let local = |c: &itu::Code| match c {
                    itu::Code::Local(n) => Some(n.to_string()),
                    itu::Code::Global(_) => None,
                };
                m.components()
                    .iter()
                    .filter_map(|c| match c {
                        itu::Component::Invoke(i) => local(&i.opcode),
                        itu::Component::ReturnResultLast(r) => {
                            r.result.as_ref().and_then(|b| local(&b.opcode))
                        }
                        itu::Component::ReturnError(e) => local(&e.error_code),
                        _ => None,
                    })
                    .collect()
            })
        },
    },
    // ANSI TCAP: the transaction id field (both ids of a conversation in one).
    Check {
        field: "ansi_tcap.identifier",
        ours: |f| {
            ansi_tcap(f).map(|m| {
                if m.package_type == ansi::PackageType::Abort && m.transaction_id.is_empty() {
                    vec![]
                } else if m.transaction_id.is_empty() {
                    // tshark prints an empty octet string as <MISSING>.
                    vec!["<MISSING>".into()]
                } else {
                    vec![hex(&m.transaction_id)]
                }
            })
        },
    },
    Check {
        field: "ansi_tcap.private",
        ours: |f| {
            ansi_tcap(f).map(|m| {
                m.components()
                    .iter()
                    .filter_map(|c| match c {
                        ansi::Component::InvokeLast(i) | ansi::Component::InvokeNotLast(i) => {
                            match i.opcode {
                                ansi::OpCode::Private(n) => Some(n.to_string()),
                                _ => None,
                            }
                        }
                        _ => None,
                    })
                    .collect()
            })
        },
    },
    Check {
        // tshark shows a national opcode as a signed 16-bit integer.
        field: "ansi_tcap.national",
        ours: |f| {
            ansi_tcap(f).map(|m| {
                m.components()
                    .iter()
                    .filter_map(|c| match c {
                        ansi::Component::InvokeLast(i) | ansi::Component::InvokeNotLast(i) => {
                            match i.opcode {
                                ansi::OpCode::National(n) => Some((n as i16).to_string()),
                                _ => None,
                            }
                        }
                        _ => None,
                    })
                    .collect()
            })
        },
    },
];

/// Runs the real binary on the capture and returns its frames, checking
/// each equals the frame the library built.
fn ainsim_decodes(cap: &Capture, pcap: &TempFile) -> Vec<Frame> {
    let mut args: Vec<String> = vec!["decode".into(), "--json".into(), "--pcap".into()];
    args.push(pcap.path().display().to_string());
    args.extend(cap.decode_args());
    let out = run_ainsim(&args, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: ainsim decode --pcap failed: {stderr}", cap.name);
    assert!(stderr.is_empty(), "{}: ainsim wrote to stderr: {stderr}", cap.name);
    let text = String::from_utf8(out.stdout).unwrap();
    let frames: Vec<Frame> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            let o = v.as_object_mut().unwrap();
            assert_eq!(o.remove("pcap_frame"), Some((i + 1).into()), "{}: line {line}", cap.name);
            assert!(o.remove("ts_micros").is_some(), "{}: line {line}", cap.name);
            serde_json::from_value(v).unwrap_or_else(|e| panic!("{}: frame {}: {e}: {line}", cap.name, i + 1))
        })
        .collect();
    assert_eq!(frames.len(), cap.examples.len(), "{}: one JSON line per frame", cap.name);
    for (e, f) in cap.examples.iter().zip(&frames) {
        assert_eq!(&e.frame, f, "{}: {}: ainsim decodes another frame than the library", cap.name, e.name);
    }
    frames
}

/// Known Wireshark 4.0 gaps, allowed by example name: ANSI EXM is listed by
/// name but not dissected ("Unknown Message type").
fn allowed(name: &str, ff: &FrameFields) -> bool {
    name == "isup: EXM"
        && !ff.malformed
        && ff.complaints.len() == 1
        && ff.complaints[0].1.starts_with("Unknown Message type")
}

fn check(cap: &Capture) {
    let pcap = TempFile::new(&format!("{}.pcap", cap.name), &cap.pcap());
    let frames = ainsim_decodes(cap, &pcap);
    if !have_tshark() {
        return;
    }
    let fields: Vec<&str> = CHECKS.iter().map(|c| c.field).collect();
    let rows = tshark_fields(pcap.path(), &cap.tshark_options(), &fields);
    assert_eq!(rows.len(), frames.len(), "{}: tshark printed one line per frame", cap.name);

    let bad: Vec<FrameFields> = rows
        .iter()
        .zip(&cap.examples)
        .filter(|(r, e)| (r.malformed || !r.complaints.is_empty()) && !allowed(&e.name, r))
        .map(|(r, _)| r.clone())
        .collect();
    let named: Vec<String> = tshark_complaints(&bad)
        .iter()
        .zip(&bad)
        .map(|(c, r)| format!("{c} ({})", cap.examples[r.number - 1].name))
        .collect();
    assert!(named.is_empty(), "{}: tshark complains:\n{}", cap.name, named.join("\n"));

    let (diffs, compared) = differences(cap, &frames, &rows);
    assert!(diffs.is_empty(), "{}: tshark and ainsim disagree:\n{}", cap.name, diffs.join("\n"));
    assert!(compared >= cap.examples.len(), "{}: only {compared} values compared", cap.name);
    eprintln!("{}: {} frames, {compared} values equal to tshark's", cap.name, frames.len());
}

/// Every field where tshark's values differ from ours, and how many values were compared.
fn differences(cap: &Capture, frames: &[Frame], rows: &[FrameFields]) -> (Vec<String>, usize) {
    let mut diffs = Vec::new();
    let mut compared = 0usize;
    for ((e, f), row) in cap.examples.iter().zip(frames).zip(rows) {
        for (i, c) in CHECKS.iter().enumerate() {
            let Some(ours) = (c.ours)(f) else { continue };
            let mut theirs = row.get(i).to_vec();
            if c.field.ends_with(".ansi_pc") {
                theirs.truncate(1);
            }
            compared += ours.len();
            if theirs != ours {
                diffs.push(format!(
                    "frame {} ({}): {}: tshark {theirs:?}, ours {ours:?}",
                    row.number, e.name, c.field
                ));
            }
        }
    }
    (diffs, compared)
}

fn capture(name: &str) -> Capture {
    corpus::captures().into_iter().find(|c| c.name == name).unwrap()
}

#[test]
fn mtp3_itu() {
    check(&capture("mtp3-itu"));
}

#[test]
fn mtp3_ansi() {
    check(&capture("mtp3-ansi"));
}

#[test]
fn m3ua_itu() {
    check(&capture("m3ua-itu"));
}

#[test]
fn m3ua_ansi() {
    check(&capture("m3ua-ansi"));
}

#[test]
fn mtp2_with_fcs_itu() {
    check(&capture("mtp2-fcs-itu"));
}

#[test]
fn mtp2_with_fcs_ansi() {
    check(&capture("mtp2-fcs-ansi"));
}

#[test]
fn mtp2_pseudo_header_itu() {
    check(&capture("mtp2-phdr-itu"));
}

#[test]
fn mtp2_pseudo_header_ansi() {
    check(&capture("mtp2-phdr-ansi"));
}

/// Every codec's examples are in the corpus: a new example cannot be left out.
#[test]
fn corpus_covers_every_example() {
    let caps = corpus::captures();
    let names = |prefix: &str, variant: Variant| -> Vec<String> {
        caps.iter()
            .filter(|c| c.variant == variant)
            .flat_map(|c| c.examples.iter().map(|e| e.name.clone()))
            .filter(|n| n.starts_with(prefix))
            .collect()
    };
    for v in [Variant::Itu, Variant::Ansi] {
        for (n, _) in isup::examples(v) {
            assert!(names("isup: ", v).contains(&format!("isup: {n}")), "{v} isup {n}");
        }
        for (n, _) in ainsim_wire::sccp::examples(v) {
            assert!(names("sccp: ", v).contains(&format!("sccp: {n}")), "{v} sccp {n}");
        }
        for (n, _) in ainsim_wire::tcap::examples(v) {
            assert!(names("tcap: ", v).contains(&format!("tcap: {n}")), "{v} tcap {n}");
        }
        for (n, _) in ainsim_wire::mtp3::examples(v) {
            assert!(names("mtp3: ", v).contains(&format!("mtp3: {n}")), "{v} mtp3 {n}");
        }
        for (n, _) in ainsim_wire::mtp2::examples(v) {
            // In both MTP2 captures of the variant.
            assert_eq!(
                names("mtp2: ", v).iter().filter(|x| **x == format!("mtp2: {n}")).count(),
                2,
                "{v} mtp2 {n}"
            );
        }
        // ISUP, SCCP and TCAP ride both MTP3 and M3UA.
        assert_eq!(names("isup: ", v).len(), 2 * isup::examples(v).len(), "{v}");
    }
    for (n, _) in ainsim_wire::ain::examples() {
        assert!(names("ain: ", Variant::Ansi).contains(&format!("ain: {n}")), "ain {n}");
    }
    for (n, _) in ainsim_wire::inap::examples(Variant::Itu) {
        assert!(names("inap: ", Variant::Itu).contains(&format!("inap: {n}")), "inap {n}");
    }
    for (n, _) in ainsim_wire::m3ua::examples() {
        assert!(names("m3ua: ", Variant::Itu).contains(&format!("m3ua: {n}")), "m3ua {n}");
    }
    // Each AIN/INAP frame decodes its operation through the stack.
    for c in &caps {
        for e in c.examples.iter().filter(|e| e.name.starts_with("ain: ") || e.name.starts_with("inap: ")) {
            assert_eq!(e.frame.operations.len(), 1, "{}: {}", c.name, e.name);
        }
    }
}

/// The comparison catches a wrong value: ours are altered after decoding
/// (a CIC, a called SSN, a TCAP transaction id, an SLS) and each shows up.
#[test]
fn a_wrong_value_is_caught() {
    let cap = capture("mtp3-itu");
    let pcap = TempFile::new("control.pcap", &cap.pcap());
    if !have_tshark() {
        return;
    }
    let fields: Vec<&str> = CHECKS.iter().map(|c| c.field).collect();
    let rows = tshark_fields(pcap.path(), &cap.tshark_options(), &fields);
    let mut frames: Vec<Frame> = cap.examples.iter().map(|e| e.frame.clone()).collect();
    assert!(differences(&cap, &frames, &rows).0.is_empty());
    let find = |frames: &[Frame], p: fn(&Frame) -> bool| frames.iter().position(p).unwrap();
    let i = find(&frames, |f| f.isup.is_some());
    frames[i].isup.as_mut().unwrap().cic += 1;
    let j = find(&frames, |f| matches!(f.sccp, Some(SccpRepr::Udt(_))));
    if let Some(SccpRepr::Udt(u)) = frames[j].sccp.as_mut() {
        u.called_party.ssn = Some(6);
    }
    let k = find(&frames, |f| itu_tcap(f).is_some_and(|m| m.otid.is_some()));
    if let Some(TcapRepr::Itu(m)) = frames[k].tcap.as_mut() {
        m.otid = Some(vec![0xde, 0xad]);
    }
    frames[0].mtp3.as_mut().unwrap().sls ^= 1;
    let (diffs, _) = differences(&cap, &frames, &rows);
    for (n, field) in [(i, "isup.cic"), (j, "sccp.called.ssn"), (k, "tcap.otid"), (0, "mtp3.sls")] {
        let tag = format!("frame {} (", n + 1);
        assert!(
            diffs.iter().any(|d| d.starts_with(&tag) && d.contains(field)),
            "{field} not caught: {diffs:?}"
        );
    }
    assert_eq!(diffs.len(), 4, "{diffs:?}");
}
