//! Wireshark check: every AIN and INAP example, wrapped in a hand-built
//! MTP3 + SCCP UDT + TCAP frame, must decode in tshark without malformed or
//! expert items, with the same operation codes and digits as ours.
//!
//! ANSI frames: SIO 0x83, 7-octet ANSI label, ANSI SCCP UDT (called/calling
//! SSN only), ANSI TCAP QueryWithPerm {TransactionID, ComponentSequence
//! {InvokeLast {component ID, private opcode, parameter set}}}. tshark is run
//! with `-o mtp3.standard:ANSI`; AIN is reached because ansi_tcap hands every
//! private opcode with family 0x6X to the AIN dissector.
//!
//! ITU frames: SIO 0x83, ITU label, SCCP UDT to SSN 241 (`inap.ssn` default),
//! ITU TCAP Begin {otid, components {invoke {id, local opcode, argument}}}.
//!
//! Skips loudly when tshark is not installed.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use ainsim_wire::ain::{self, AinOperation, AinParameter, Param, Value};
use ainsim_wire::ber::{write_tlv, Class, LenForm, Tag};
use ainsim_wire::inap::{
    self, InapArgument, InapElement, InapField as F, InapOperation, InapValue, InformationToSend, LegId,
};
use ainsim_wire::{Layer, Variant};

fn tlv(out: &mut Vec<u8>, tag: u8, body: impl FnOnce(&mut Vec<u8>)) {
    let t = Tag {
        class: match tag >> 6 {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::Context,
            _ => Class::Private,
        },
        constructed: tag & 0x20 != 0,
        number: u32::from(tag & 0x1f),
    };
    write_tlv(out, t, LenForm::Definite, Layer::Tcap, |o| {
        body(o);
        Ok(())
    })
    .unwrap();
}

/// SCCP UDT (class 0) from `ssn` to `ssn` carrying `data`; ANSI and ITU share
/// this layout when the addresses hold only an SSN (indicator 0x42 ITU, 0xC1 ANSI).
fn udt(variant: Variant, ssn: u8, data: &[u8]) -> Vec<u8> {
    let addr = match variant {
        Variant::Itu => [0x42, ssn],
        Variant::Ansi => [0xc1, ssn],
    };
    let mut s = vec![0x09, 0x00, 3, 3 + 2, 3 + 2 + 2];
    s.push(2);
    s.extend_from_slice(&addr);
    s.push(2);
    s.extend_from_slice(&addr);
    assert!(data.len() < 256);
    s.push(data.len() as u8);
    s.extend_from_slice(data);
    s
}

fn ansi_frame(op: &AinOperation, invoke_id: u8) -> Vec<u8> {
    let code = op.opcode.code();
    let param = op.parameter_bytes().unwrap();
    let mut tcap = Vec::new();
    tlv(&mut tcap, 0xe2, |o| {
        tlv(o, 0xc7, |o| o.extend_from_slice(&[0x11, 0x22, 0x33, invoke_id]));
        tlv(o, 0xe8, |o| {
            tlv(o, 0xe9, |o| {
                tlv(o, 0xcf, |o| o.push(invoke_id));
                tlv(o, 0xd1, |o| o.extend_from_slice(&code.to_be_bytes()));
                if let Some(p) = &param {
                    o.extend_from_slice(p);
                }
            });
        });
    });
    // SIO national SCCP, label DPC 1-2-3, OPC 1-2-4 (member, cluster, network), SLS 5.
    let mut f = vec![0x83, 3, 2, 1, 4, 2, 1, 5];
    f.extend(udt(Variant::Ansi, 248, &tcap));
    f
}

fn itu_frame(op: &InapOperation, invoke_id: u8) -> Vec<u8> {
    let arg = op.argument_bytes().unwrap();
    let mut tcap = Vec::new();
    tlv(&mut tcap, 0x62, |o| {
        tlv(o, 0x48, |o| o.extend_from_slice(&[0x0a, 0x0b, 0x0c, invoke_id]));
        tlv(o, 0x6c, |o| {
            tlv(o, 0xa1, |o| {
                tlv(o, 0x02, |o| o.push(invoke_id));
                tlv(o, 0x02, |o| o.push(op.opcode.code() as u8));
                if let Some(a) = &arg {
                    o.extend_from_slice(a);
                }
            });
        });
    });
    // SIO international? no: national 0x83; ITU label DPC 100, OPC 200, SLS 3.
    let (dpc, opc, sls) = (100u32, 200u32, 3u32);
    let label = dpc | opc << 14 | sls << 28;
    let mut f = vec![0x83];
    f.extend_from_slice(&label.to_le_bytes());
    f.extend(udt(Variant::Itu, 241, &tcap));
    f
}

fn write_pcap(frames: &[Vec<u8>], name: &str) -> PathBuf {
    let mut b = hex_decode("d4c3b2a1020004000000000000000000ffff00008d000000");
    for (i, f) in frames.iter().enumerate() {
        for x in [i as u32, 0, f.len() as u32, f.len() as u32] {
            b.extend_from_slice(&x.to_le_bytes());
        }
        b.extend_from_slice(f);
    }
    let p = std::env::temp_dir().join(format!("ainsim-{name}-{}.pcap", std::process::id()));
    std::fs::write(&p, b).unwrap();
    p
}

/// Removes the capture unless `AINSIM_KEEP_PCAP` is set (then prints its path).
fn done(pcap: PathBuf) {
    if std::env::var_os("AINSIM_KEEP_PCAP").is_some() {
        eprintln!("kept {}", pcap.display());
    } else {
        let _ = std::fs::remove_file(pcap);
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn have_tshark() -> bool {
    let ok = Command::new("tshark").arg("-v").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("\n\n*** tshark NOT FOUND: skipping the Wireshark check (CI has it) ***\n\n");
    }
    ok
}

/// Runs tshark with `-T fields`, one line per frame, fields split on `|`.
fn fields(pcap: &PathBuf, opts: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(pcap).args(opts).args([
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=;",
    ]);
    for f in fields {
        c.args(["-e", f]);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "tshark failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().lines().map(|l| l.split('|').map(str::to_owned).collect()).collect()
}

fn problems(pcap: &PathBuf, opts: &[&str]) -> String {
    let o = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(opts)
        .args(["-Y", "_ws.malformed || _ws.expert"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn split(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(';').map(str::to_owned).collect()
    }
}

const ANSI_OPTS: &[&str] = &["-o", "mtp3.standard:ANSI", "-d", "sccp.ssn==248,tcap"];
const ITU_OPTS: &[&str] = &["-o", "mtp3.standard:ITU"];

#[test]
fn tshark_agrees_on_ain() {
    if !have_tshark() {
        return;
    }
    let ex = ain::examples();
    let frames: Vec<Vec<u8>> =
        ex.iter().enumerate().map(|(i, (_, op))| ansi_frame(op, i as u8 + 1)).collect();
    let pcap = write_pcap(&frames, "ain");
    let bad = problems(&pcap, ANSI_OPTS);
    assert!(bad.is_empty(), "malformed/expert frames:\n{bad}");
    let rows = fields(
        &pcap,
        ANSI_OPTS,
        &[
            "ansi_tcap.private",
            "ain.bcd_digits",
            "ain.dn",
            "ain.carrier_bcd_digits",
            "ain.eDPRequest",
            "ain.eDPNotification",
            "ain.bearerCapability",
            "ain.resourceType",
        ],
    );
    assert_eq!(rows.len(), ex.len());
    for ((name, op), row) in ex.iter().zip(&rows) {
        assert_eq!(row[0], op.opcode.code().to_string(), "{name}: opcode");
        let params = &op.parameter.as_ref().unwrap().params;
        let mut digits = Vec::new();
        let mut dns = Vec::new();
        let mut carriers = Vec::new();
        let mut ints: [Vec<String>; 4] = Default::default();
        for p in params {
            if let AinParameter::Known { param, value } = p {
                match (param, value) {
                    (Param::EdpRequest, Value::Bits { bits, .. }) => ints[0].push(hex(bits)),
                    (Param::EdpNotification, Value::Bits { bits, .. }) => ints[1].push(hex(bits)),
                    (Param::BearerCapability, Value::Integer(n)) => ints[2].push(n.to_string()),
                    (Param::ResourceType, Value::Integer(n)) => ints[3].push(n.to_string()),
                    _ => {}
                }
                match value {
                    Value::Digits(d) => digits.push(d.digits.clone()),
                    Value::DigitsList(l) => digits.extend(l.iter().map(|d| d.digits.clone())),
                    Value::UserId(ain::UserId::Dn(d)) => dns.push(d.clone()),
                    Value::Carrier(c) => carriers.push(c.digits.clone()),
                    _ => {}
                }
            }
        }
        // Wireshark ignores the odd/even flag and prints the filler digit.
        let ws_digits: Vec<String> =
            digits.iter().map(|d| if d.len() % 2 == 1 { format!("{d}0") } else { d.clone() }).collect();
        assert_eq!(split(&row[1]), ws_digits, "{name}: AINDigits");
        assert_eq!(split(&row[2]), dns, "{name}: DN");
        assert_eq!(split(&row[3]), carriers, "{name}: carrier");
        for (k, w) in ints.iter().enumerate() {
            assert_eq!(&split(&row[4 + k]), w, "{name}: field {}", 4 + k);
        }
    }
    done(pcap);
}

#[test]
fn tshark_agrees_on_inap() {
    if !have_tshark() {
        return;
    }
    let ex = inap::examples(Variant::Itu);
    let frames: Vec<Vec<u8>> = ex.iter().enumerate().map(|(i, (_, op))| itu_frame(op, i as u8 + 1)).collect();
    let pcap = write_pcap(&frames, "inap");
    let bad = problems(&pcap, ITU_OPTS);
    assert!(bad.is_empty(), "malformed/expert frames:\n{bad}");
    let rows = fields(
        &pcap,
        ITU_OPTS,
        &[
            "inap.code.local",
            "e164.called_party_number.digits",
            "e164.calling_party_number.digits",
            "inap.serviceKey",
            "inap.eventTypeBCSM",
            "inap.elementaryMessageID",
            "inap.cause_indicator",
            "inap.sendingSideID",
            "inap.receivingSideID",
        ],
    );
    assert_eq!(rows.len(), ex.len());
    for ((name, op), row) in ex.iter().zip(&rows) {
        assert_eq!(row[0], op.opcode.code().to_string(), "{name}: opcode");
        let mut want: [Vec<String>; 8] = Default::default();
        let leg = |w: &mut [Vec<String>; 8], l: &LegId| match l {
            LegId::SendingSideId(n) => w[6].push(format!("{n:02x}")),
            LegId::ReceivingSideId(n) => w[7].push(format!("{n:02x}")),
        };
        match &op.argument {
            Some(InapArgument::Cause(c)) => want[5].push(c.value.to_string()),
            Some(InapArgument::Sequence { elements, .. }) => {
                for e in elements {
                    let InapElement::Known { field, value } = e else { continue };
                    match (field, value) {
                        (F::CalledPartyNumber | F::IpRoutingAddress, InapValue::Number(n)) => {
                            want[0].push(n.digits.clone())
                        }
                        (F::DestinationRoutingAddress, InapValue::Numbers(l)) => {
                            want[0].extend(l.iter().map(|n| n.digits.clone()));
                        }
                        (F::CallingPartyNumber, InapValue::Number(n)) => want[1].push(n.digits.clone()),
                        (F::ServiceKey, InapValue::Integer(k)) => want[2].push(k.to_string()),
                        (F::EventTypeBcsm, InapValue::Integer(k)) => want[3].push(k.to_string()),
                        (F::BcsmEvents, InapValue::BcsmEvents(l)) => {
                            for ev in l {
                                want[3].push(ev.event_type.to_string());
                                if let Some(x) = &ev.leg_id {
                                    leg(&mut want, x);
                                }
                            }
                        }
                        (
                            F::InformationToSend,
                            InapValue::InformationToSend(InformationToSend::InbandInfo {
                                message_id, ..
                            }),
                        ) => {
                            want[4].push(message_id.to_string());
                        }
                        (F::LegId | F::LegToBeCreated, InapValue::LegId(l)) => leg(&mut want, l),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        for (k, w) in want.iter().enumerate() {
            assert_eq!(&split(&row[k + 1]), w, "{name}: field {k}");
        }
    }
    done(pcap);
}
