//! Wireshark judges the TCAP codec: every example is wrapped by hand in SCCP
//! UDT inside MTP3 (pcap link type 141), dissected by `tshark`, and the
//! values tshark reads (transaction IDs, invoke IDs, opcodes) must equal ours,
//! with no malformed frame and no expert warning.
//!
//! Skips (loudly) when `tshark` is not installed; CI has it.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use ainsim_wire::ber::{self, LenForm};
use ainsim_wire::tcap::{ansi, itu, Kind, TcapRepr};
use ainsim_wire::{tcap, Layer, Reader, Variant};

/// SSN the frames are addressed to, also given to tshark as a TCAP SSN.
///
/// 241 is INAP in Wireshark's defaults (`inap.ssn: 106,241`), so the ITU
/// components are dissected by the INAP dissector (fields `inap.*`); with an
/// SSN no sub-dissector claims, tshark shows the components as bare "Data".
const SSN: u8 = 241;

fn tshark_present() -> bool {
    match Command::new("tshark").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!("\n\n*** tcap_tshark: tshark NOT FOUND, SKIPPING the Wireshark check ***\n\n");
            false
        }
    }
}

/// SCCP UDT, class 0, both addresses route-on-SSN with PC and SSN.
fn sccp_udt(variant: Variant, tcap: &[u8]) -> Vec<u8> {
    let (called, calling) = match variant {
        // Q.713 §3.4: AI 0x43 = RI route-on-SSN, SSN present, PC present; PC (2, LE) then SSN.
        Variant::Itu => (vec![0x43, 0x2c, 0x08, SSN], vec![0x43, 0x51, 0x05, SSN]),
        // T1.112.3 §3.4: AI 0xc3 = national, RI route-on-SSN, PC present, SSN present;
        // SSN first, then PC member, cluster, network.
        Variant::Ansi => (vec![0xc3, SSN, 0x0a, 0x14, 0xfa], vec![0xc3, SSN, 0x02, 0x14, 0xfa]),
    };
    let mut v = vec![0x09, 0x00];
    // Each pointer counts from its own octet to the length octet of its field.
    let p1 = 3usize;
    let p2 = 2 + 1 + called.len();
    let p3 = 1 + 1 + called.len() + 1 + calling.len();
    v.extend([p1 as u8, p2 as u8, p3 as u8]);
    v.push(called.len() as u8);
    v.extend(&called);
    v.push(calling.len() as u8);
    v.extend(&calling);
    assert!(tcap.len() < 256, "UDT data must fit one length octet");
    v.push(tcap.len() as u8);
    v.extend(tcap);
    v
}

/// MTP3 MSU: SIO 0x83 (national, SCCP) and the routing label.
fn mtp3(variant: Variant, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x83];
    match variant {
        Variant::Itu => {
            let (dpc, opc, sls) = (0x082cu32, 0x0551u32, 5u32);
            v.extend((dpc | opc << 14 | sls << 28).to_le_bytes());
        }
        Variant::Ansi => {
            v.extend([0x0a, 0x14, 0xfa]); // DPC 250-20-10
            v.extend([0x02, 0x14, 0xfa]); // OPC 250-20-2
            v.push(0x07); // SLS
        }
    }
    v.extend(payload);
    v
}

fn write_pcap(name: &str, frames: &[Vec<u8>]) -> PathBuf {
    let mut f = vec![0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00];
    f.extend([0; 8]);
    f.extend([0xff, 0xff, 0x00, 0x00, 0x8d, 0x00, 0x00, 0x00]);
    for (i, fr) in frames.iter().enumerate() {
        f.extend((1_700_000_000u32 + i as u32).to_le_bytes());
        f.extend(0u32.to_le_bytes());
        f.extend((fr.len() as u32).to_le_bytes());
        f.extend((fr.len() as u32).to_le_bytes());
        f.extend(fr);
    }
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&p, f).unwrap();
    p
}

fn tshark(variant: Variant, pcap: &PathBuf, extra: &[&str]) -> String {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(pcap).args(["-o", &format!("tcap.ssn:{SSN}")]);
    if variant == Variant::Ansi {
        c.args(["-o", "mtp3.standard:ANSI"]);
    }
    let o = c.args(extra).output().unwrap();
    assert!(o.status.success(), "tshark failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Rewrites every constructed element of `b` with indefinite length (X.690 §8.1.3.6).
fn to_indefinite(b: &[u8]) -> Vec<u8> {
    let mut r = Reader::new(Layer::Tcap, b);
    let mut out = Vec::new();
    while !r.is_empty() {
        let t = ber::read_tlv(&mut r, 0).unwrap();
        t.tag.emit(&mut out);
        if t.tag.constructed {
            out.push(0x80);
            out.extend(to_indefinite(t.value));
            out.extend([0, 0]);
        } else {
            ber::write_len(&mut out, t.value.len(), LenForm::Definite, Layer::Tcap).unwrap();
            out.extend(t.value);
        }
    }
    out
}

/// Every example, first as emitted, then (when `indefinite`) re-encoded with
/// indefinite lengths everywhere, which our parser must accept and re-emit.
fn frames(variant: Variant, indefinite: bool) -> Vec<(&'static str, TcapRepr, Vec<u8>)> {
    tcap::examples(variant)
        .into_iter()
        .map(|(n, r)| {
            let mut b = r.to_bytes().unwrap();
            let mut r = r;
            if indefinite {
                b = to_indefinite(&b);
                r = TcapRepr::parse(&b).unwrap();
                assert_eq!(r.to_bytes().unwrap(), b, "{n}: indefinite form re-emits");
            }
            let f = mtp3(variant, &sccp_udt(variant, &b));
            (n, r, f)
        })
        .collect()
}

/// No frame may be malformed or carry an expert info of warning or worse.
fn assert_clean(variant: Variant, pcap: &PathBuf) {
    let bad = tshark(variant, pcap, &["-Y", "_ws.malformed || _ws.expert.severity >= 0x00600000"]);
    if !bad.trim().is_empty() {
        let v = tshark(variant, pcap, &["-V"]);
        panic!("tshark flags frames:\n{bad}\nfull dissection:\n{v}");
    }
}

/// The values of `fields` per frame, one `Vec<String>` per field.
fn fields(variant: Variant, pcap: &PathBuf, fields: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"];
    for f in fields {
        args.push("-e");
        args.push(f);
    }
    tshark(variant, pcap, &args).lines().map(|l| l.split('|').map(str::to_owned).collect()).collect()
}

#[test]
fn itu_examples_dissect_cleanly_and_agree() {
    if tshark_present() {
        check_itu(false);
        check_itu(true);
    }
}

#[test]
fn ansi_examples_dissect_cleanly_and_agree() {
    if tshark_present() {
        check_ansi(false);
        check_ansi(true);
    }
}

fn check_itu(indefinite: bool) {
    let fr = frames(Variant::Itu, indefinite);
    let name = if indefinite { "tcap-itu-indefinite.pcap" } else { "tcap-itu.pcap" };
    let pcap = write_pcap(name, &fr.iter().map(|f| f.2.clone()).collect::<Vec<_>>());
    if std::env::var_os("TCAP_TSHARK_DUMP").is_some() {
        eprintln!("{}", tshark(Variant::Itu, &pcap, &["-V"]));
    }
    assert_clean(Variant::Itu, &pcap);
    let got = fields(
        Variant::Itu,
        &pcap,
        &[
            "tcap.otid",
            "tcap.dtid",
            "inap.present",
            "inap.code.local",
            "tcap.p_abortCause",
            "tcap.abort_source",
        ],
    );
    assert_eq!(got.len(), fr.len());
    for ((name, r, _), row) in fr.iter().zip(&got) {
        let TcapRepr::Itu(m) = r else { unreachable!() };
        assert_eq!(row[0], m.otid.as_deref().map(hex).unwrap_or_default(), "{name} otid");
        assert_eq!(row[1], m.dtid.as_deref().map(hex).unwrap_or_default(), "{name} dtid");
        // Wireshark 4.0's INAP dissector (ROS-based) shows nothing for
        // ReturnResultNotLast [7], so those components are left out here.
        let comps: Vec<&itu::Component> =
            m.components().iter().filter(|c| !matches!(c, itu::Component::ReturnResultNotLast(_))).collect();
        // inap.present holds invoke IDs and linked IDs in wire order.
        let ids: Vec<String> = comps
            .iter()
            .flat_map(|c| {
                let linked = match c {
                    itu::Component::Invoke(i) => i.linked_id,
                    _ => None,
                };
                c.invoke_id().into_iter().chain(linked)
            })
            .map(|i| i.to_string())
            .collect();
        assert_eq!(row[2], ids.join(","), "{name} invoke ids");
        let ops: Vec<String> = comps
            .iter()
            .filter_map(|c| match c {
                itu::Component::ReturnError(e) => Some(&e.error_code),
                c => c.opcode(),
            })
            .filter_map(|c| match c {
                itu::Code::Local(x) => Some(x.to_string()),
                itu::Code::Global(_) => None,
            })
            .collect();
        assert_eq!(row[3], ops.join(","), "{name} local values");
        assert_eq!(row[4], m.p_abort_cause.map(|c| c.to_string()).unwrap_or_default(), "{name} p-abort");
        let src = match m.dialogue.as_ref().map(|d| &d.pdu) {
            Some(itu::DialoguePdu::Abrt(a)) => a.abort_source.to_string(),
            _ => String::new(),
        };
        assert_eq!(row[5], src, "{name} abort-source");
        let bytes = r.to_bytes().unwrap();
        let s = tcap::peek(&bytes).unwrap();
        assert_eq!(s.kind, Kind::Itu(m.message_type));
    }
}

fn check_ansi(indefinite: bool) {
    let fr = frames(Variant::Ansi, indefinite);
    let name = if indefinite { "tcap-ansi-indefinite.pcap" } else { "tcap-ansi.pcap" };
    let pcap = write_pcap(name, &fr.iter().map(|f| f.2.clone()).collect::<Vec<_>>());
    if std::env::var_os("TCAP_TSHARK_DUMP").is_some() {
        eprintln!("{}", tshark(Variant::Ansi, &pcap, &["-V"]));
    }
    assert_clean(Variant::Ansi, &pcap);
    let got = fields(
        Variant::Ansi,
        &pcap,
        &[
            "ansi_tcap.identifier",
            "ansi_tcap.componentIDs",
            "ansi_tcap.componentID",
            "ansi_tcap.private",
            "ansi_tcap.national",
            "ansi_tcap.ec_private",
            "ansi_tcap.rejectProblem",
            "ansi_tcap.abortCause",
        ],
    );
    assert_eq!(got.len(), fr.len());
    let join = |v: Vec<String>| v.join(",");
    for ((name, r, _), row) in fr.iter().zip(&got) {
        let TcapRepr::Ansi(m) = r else { unreachable!() };
        // tshark writes an empty octet string as "<MISSING>".
        let tid = if m.transaction_id.is_empty() { "<MISSING>".to_owned() } else { hex(&m.transaction_id) };
        assert_eq!(row[0], tid, "{name} transaction ID");
        let comps = m.components();
        let is_invoke = |c: &&ansi::Component| {
            matches!(c, ansi::Component::InvokeLast(_) | ansi::Component::InvokeNotLast(_))
        };
        // Invokes carry componentIDs; the others a componentID.
        let ids = |inv: bool| {
            join(
                comps
                    .iter()
                    .filter(|c| is_invoke(c) == inv)
                    .filter_map(ansi::Component::component_ids)
                    .map(|i| if i.is_empty() { "<MISSING>".to_owned() } else { hex(i) })
                    .collect(),
            )
        };
        assert_eq!(row[1], ids(true), "{name} componentIDs");
        assert_eq!(row[2], ids(false), "{name} componentID");
        let ops: Vec<ansi::OpCode> = comps.iter().filter_map(ansi::Component::opcode).collect();
        let private = ops.iter().filter_map(|o| match o {
            ansi::OpCode::Private(v) => Some(v.to_string()),
            ansi::OpCode::National(_) => None,
        });
        assert_eq!(row[3], join(private.collect()), "{name} private opcodes");
        // tshark shows a national opcode as a signed 16-bit INTEGER.
        let national = ops.iter().filter_map(|o| match o {
            ansi::OpCode::National(v) => Some((*v as i16).to_string()),
            ansi::OpCode::Private(_) => None,
        });
        assert_eq!(row[4], join(national.collect()), "{name} national opcodes");
        let errs = comps.iter().filter_map(|c| match c {
            ansi::Component::ReturnError(e) => match e.error_code {
                ansi::ErrorCode::Private(v) => Some(v.to_string()),
                ansi::ErrorCode::National(_) => None,
            },
            _ => None,
        });
        assert_eq!(row[5], join(errs.collect()), "{name} private error codes");
        let rejects = comps.iter().filter_map(|c| match c {
            ansi::Component::Reject(r) => Some(r.problem.to_string()),
            _ => None,
        });
        assert_eq!(row[6], join(rejects.collect()), "{name} reject problems");
        let cause = match &m.abort_cause {
            Some(ansi::AbortCause::PAbort(c)) => c.to_string(),
            _ => String::new(),
        };
        assert_eq!(row[7], cause, "{name} abort cause");
        let bytes = r.to_bytes().unwrap();
        let s = tcap::peek(&bytes).unwrap();
        assert_eq!(s.kind, Kind::Ansi(m.package_type));
    }
}
