//! Wireshark judges our M3UA, SCTP/IPv4 and pcap framing.
//!
//! Every M3UA example is written into pcaps (Ethernet, raw IP, IPv4 link
//! types) as SCTP DATA chunks, and tshark must report: no malformed frame,
//! no expert info at all, good IPv4 and CRC32c SCTP checksums, and the same
//! message class/type, routing context, Protocol Data fields and typed
//! parameter values as our repr. MTP2, MTP2-with-pseudo-header and MTP3 files
//! must open in capinfos and tshark with the fields we put in.
//!
//! Skips (loudly) when tshark is not installed; CI has it.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::process::Command;

use ainsim_wire::m3ua::{self, M3uaMessageType, M3uaParameter, M3uaRepr};
use ainsim_wire::pcap::{LinkType, Mtp2PseudoHeader, PcapWriter};

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        eprintln!(
            "\n!!!!! SKIPPING: `{tool}` not found; install Wireshark's tshark to run this check !!!!!\n"
        );
    }
    ok
}

fn temp_pcap(name: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("ainsim-{}-{name}.pcap", std::process::id()));
    std::fs::write(&p, bytes).expect("write temp pcap");
    p
}

fn tshark(file: &PathBuf, extra: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(file)
        .args(["-o", "sctp.checksum:CRC-32c", "-o", "ip.check_checksum:TRUE"])
        .args(extra)
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Run tshark -T fields and return one map field -> value per frame.
fn fields(file: &PathBuf, names: &[&str]) -> Vec<BTreeMap<String, String>> {
    let mut args = vec!["-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"];
    for n in names {
        args.push("-e");
        args.push(n);
    }
    tshark(file, &args)
        .lines()
        .map(|l| names.iter().map(|n| n.to_string()).zip(l.split('|').map(decimal)).collect())
        .collect()
}

/// tshark prints some integer fields in hex (`0x0001`): make them decimal.
fn decimal(v: &str) -> String {
    v.split(',')
        .map(|t| match t.strip_prefix("0x").map(|h| u64::from_str_radix(h, 16)) {
            Some(Ok(n)) => n.to_string(),
            _ => t.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn assert_clean(file: &PathBuf) {
    let bad = tshark(
        file,
        &[
            "-Y",
            "_ws.malformed || _ws.expert",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.expert.message",
        ],
    );
    assert!(bad.trim().is_empty(), "tshark flags frames in {}:\n{bad}", file.display());
}

/// What tshark should show for `r`, field by field.
fn expected(r: &M3uaRepr) -> BTreeMap<&'static str, String> {
    let mut e = BTreeMap::new();
    let (class, ty) = r.message.class_type();
    e.insert("m3ua.message_class", class.to_string());
    e.insert("m3ua.message_type", ty.to_string());
    let mut push = |k: &'static str, v: String| {
        e.entry(k)
            .and_modify(|s: &mut String| {
                s.push(',');
                s.push_str(&v);
            })
            .or_insert(v);
    };
    for p in &r.params {
        match p {
            M3uaParameter::RoutingContext(v) => {
                v.iter().for_each(|x| push("m3ua.routing_context", x.to_string()))
            }
            M3uaParameter::NetworkAppearance(x) => push("m3ua.network_appearance", x.to_string()),
            M3uaParameter::AspIdentifier(x) => push("m3ua.asp_identifier", x.to_string()),
            M3uaParameter::CorrelationId(x) => push("m3ua.correlation_identifier", x.to_string()),
            M3uaParameter::ErrorCode(c) => push("m3ua.error_code", c.value().to_string()),
            M3uaParameter::TrafficModeType(m) => push("m3ua.traffic_mode_type", m.value().to_string()),
            M3uaParameter::Status { status_type, status_info } => {
                push("m3ua.status_type", status_type.to_string());
                push("m3ua.status_info", status_info.to_string());
            }
            M3uaParameter::InfoString(s) => push("m3ua.info_string", s.clone()),
            M3uaParameter::HeartbeatData(b) => push("m3ua.heartbeat_data", hex::encode(b)),
            M3uaParameter::AffectedPointCode(v) => v.iter().for_each(|m| {
                push("m3ua.affected_point_code_mask", m.mask.to_string());
                push("m3ua.affected_point_code_pc", m.pc.0.to_string());
            }),
            M3uaParameter::CongestionIndications(l) => push("m3ua.congestion_level", l.to_string()),
            M3uaParameter::ConcernedDestination(pc) => push("m3ua.concerned_dpc", pc.0.to_string()),
            M3uaParameter::UserCause { cause, user } => {
                push("m3ua.unavailability_cause", cause.to_string());
                push("m3ua.user_identity", user.to_string());
            }
            M3uaParameter::ProtocolData(pd) => {
                push("m3ua.protocol_data_opc", pd.opc.0.to_string());
                push("m3ua.protocol_data_dpc", pd.dpc.0.to_string());
                push("m3ua.protocol_data_si", pd.si.to_string());
                push("m3ua.protocol_data_ni", pd.ni.to_string());
                push("m3ua.protocol_data_mp", pd.mp.to_string());
                push("m3ua.protocol_data_sls", pd.sls.to_string());
            }
            M3uaParameter::DiagnosticInformation(b) => push("m3ua.diagnostic_information", hex::encode(b)),
            M3uaParameter::Unknown { .. } => {}
        }
    }
    // Our RKM examples carry their nested parameters raw; tshark dissects them.
    match r.message {
        M3uaMessageType::RegReq => {
            e.insert("m3ua.local_rk_identifier", "1".into());
            e.insert("m3ua.routing_context", "1".into());
            e.insert("m3ua.dpc_pc", "4114".into());
            e.insert("m3ua.si", "5".into());
        }
        M3uaMessageType::RegRsp => {
            e.insert("m3ua.local_rk_identifier", "1".into());
            e.insert("m3ua.registration_status", "0".into());
            e.insert("m3ua.routing_context", "1".into());
        }
        M3uaMessageType::DeregRsp => {
            e.insert("m3ua.routing_context", "1".into());
            e.insert("m3ua.deregistration_status", "0".into());
        }
        _ => {}
    }
    e
}

const M3UA_FIELDS: &[&str] = &[
    "frame.number",
    "ip.checksum.status",
    "sctp.checksum.status",
    "sctp.data_payload_proto_id",
    "sctp.data_sid",
    "m3ua.version",
    "m3ua.message_length",
    "m3ua.message_class",
    "m3ua.message_type",
    "m3ua.routing_context",
    "m3ua.network_appearance",
    "m3ua.asp_identifier",
    "m3ua.correlation_identifier",
    "m3ua.error_code",
    "m3ua.traffic_mode_type",
    "m3ua.status_type",
    "m3ua.status_info",
    "m3ua.info_string",
    "m3ua.heartbeat_data",
    "m3ua.affected_point_code_mask",
    "m3ua.affected_point_code_pc",
    "m3ua.congestion_level",
    "m3ua.concerned_dpc",
    "m3ua.unavailability_cause",
    "m3ua.user_identity",
    "m3ua.protocol_data_opc",
    "m3ua.protocol_data_dpc",
    "m3ua.protocol_data_si",
    "m3ua.protocol_data_ni",
    "m3ua.protocol_data_mp",
    "m3ua.protocol_data_sls",
    "m3ua.diagnostic_information",
    "m3ua.local_rk_identifier",
    "m3ua.dpc_pc",
    "m3ua.si",
    "m3ua.registration_status",
    "m3ua.deregistration_status",
    "isup.cic",
    "e164.called_party_number.digits",
    "e164.calling_party_number.digits",
];

#[test]
fn m3ua_examples_match_tshark() {
    if !have("tshark") {
        return;
    }
    let a = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), m3ua::SCTP_PORT);
    let b = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), m3ua::SCTP_PORT);
    let examples = m3ua::examples();
    for link in [LinkType::Ethernet, LinkType::Raw, LinkType::Ipv4] {
        let mut w = PcapWriter::new(Vec::new(), link).unwrap();
        let mut lens = Vec::new();
        for (i, (_, r)) in examples.iter().enumerate() {
            let bytes = r.to_bytes().unwrap();
            lens.push(bytes.len());
            let (s, d) = if i % 2 == 0 { (a, b) } else { (b, a) };
            w.write_m3ua(1_700_000_000_000_000 + i as u64 * 20_000, s, d, &bytes).unwrap();
        }
        let file = temp_pcap(&format!("m3ua-{}", link.value()), &w.into_inner());
        assert_clean(&file);
        let rows = fields(&file, M3UA_FIELDS);
        assert_eq!(rows.len(), examples.len(), "frame count");
        for (((name, r), row), len) in examples.iter().zip(&rows).zip(&lens) {
            let ctx = format!("link {} example {name:?}", link.value());
            assert_eq!(row["ip.checksum.status"], "1", "{ctx}: IPv4 checksum");
            assert_eq!(row["sctp.checksum.status"], "1", "{ctx}: CRC32c");
            assert_eq!(row["sctp.data_payload_proto_id"], "3", "{ctx}: PPID");
            let sid = if r.message == M3uaMessageType::Data { "1" } else { "0" };
            assert_eq!(row["sctp.data_sid"], sid, "{ctx}: stream");
            assert_eq!(row["m3ua.version"], "1", "{ctx}");
            assert_eq!(row["m3ua.message_length"], len.to_string(), "{ctx}");
            let want = expected(r);
            for f in M3UA_FIELDS.iter().filter(|f| f.starts_with("m3ua.")) {
                if matches!(*f, "m3ua.version" | "m3ua.message_length") {
                    continue;
                }
                let w = want.get(f).map_or("", String::as_str);
                assert_eq!(row[*f], w, "{ctx}: field {f}");
            }
            if r.message == M3uaMessageType::Data {
                assert_eq!(row["isup.cic"], "17", "{ctx}");
                assert_eq!(row["e164.called_party_number.digits"], "2125551234", "{ctx}");
                assert_eq!(row["e164.calling_party_number.digits"], "9085551212", "{ctx}");
            }
        }
        let _ = std::fs::remove_file(&file);
    }
}

#[test]
fn corrupted_checksum_is_caught_by_tshark() {
    // Proves the checks above can fail: flip one payload octet after the CRC was computed.
    if !have("tshark") {
        return;
    }
    let a = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), m3ua::SCTP_PORT);
    let b = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), m3ua::SCTP_PORT);
    let msg = m3ua::examples()[0].1.to_bytes().unwrap();
    let mut w = PcapWriter::new(Vec::new(), LinkType::Raw).unwrap();
    w.write_m3ua(0, a, b, &msg).unwrap();
    let mut f = w.into_inner();
    let last = f.len() - 1;
    f[last - 4] ^= 0x01;
    let file = temp_pcap("m3ua-badcrc", &f);
    let rows = fields(&file, &["sctp.checksum.status"]);
    assert_eq!(rows[0]["sctp.checksum.status"], "0", "tshark must see the bad CRC32c");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn mtp_pcaps_open_in_wireshark() {
    if !have("tshark") || !have("capinfos") {
        return;
    }
    // ITU MSU: SIO 0x81 (national, SI 1 = MTP testing), label DPC 4114 OPC 2057 SLS 7,
    // SLTM (H0/H1 0x11), test length 4, pattern.
    let label = 4114u32 | 2057 << 14 | 7 << 28;
    let mut msu = vec![0x81];
    msu.extend_from_slice(&label.to_le_bytes());
    msu.extend_from_slice(&[0x11, 0x40, 0xde, 0xad, 0xbe, 0xef]);
    let fisu = [0x85u8, 0x86, 0x00];
    let lssu = [0x85u8, 0x86, 0x01, 0x01]; // SIN
    let mut mtp2_msu = vec![0x85, 0x87, msu.len() as u8];
    mtp2_msu.extend_from_slice(&msu);

    let mut w = PcapWriter::new(Vec::new(), LinkType::Mtp2).unwrap();
    for (i, f) in [&fisu[..], &lssu, &mtp2_msu].iter().enumerate() {
        w.write_mtp2(i as u64 * 1000, f).unwrap();
    }
    let p140 = temp_pcap("mtp2", &w.into_inner());

    let mut w = PcapWriter::new(Vec::new(), LinkType::Mtp2WithPhdr).unwrap();
    let phdr = Mtp2PseudoHeader { sent: 1, annex_a_used: 0, link_number: 3 };
    for (i, f) in [&fisu[..], &lssu, &mtp2_msu].iter().enumerate() {
        w.write_mtp2_phdr(i as u64 * 1000, phdr, f).unwrap();
    }
    let p139 = temp_pcap("mtp2phdr", &w.into_inner());

    let mut w = PcapWriter::new(Vec::new(), LinkType::Mtp3).unwrap();
    w.write_mtp3(0, &msu).unwrap();
    let p141 = temp_pcap("mtp3", &w.into_inner());

    for (file, encap, n) in
        [(&p140, "SS7 MTP2", 3), (&p139, "MTP2 with pseudoheader", 3), (&p141, "SS7 MTP3", 1)]
    {
        let out = Command::new("capinfos").arg(file).output().expect("capinfos");
        assert!(out.status.success(), "capinfos: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&format!("Number of packets:   {n}")), "{text}");
        assert!(text.contains(encap), "expected encapsulation {encap:?} in:\n{text}");
        assert_clean(file);
    }
    for file in [&p140, &p139] {
        let rows = fields(
            file,
            &["mtp2.li", "mtp2.sf", "mtp3.service_indicator", "mtp3.opc", "mtp3.dpc", "mtp3.sls"],
        );
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["mtp2.li"], "0");
        assert_eq!(rows[1]["mtp2.sf"], "1");
        assert_eq!(rows[2]["mtp2.li"], msu.len().to_string());
        assert_eq!(rows[2]["mtp3.service_indicator"], "1");
        assert_eq!(rows[2]["mtp3.opc"], "2057");
        assert_eq!(rows[2]["mtp3.dpc"], "4114");
        assert_eq!(rows[2]["mtp3.sls"], "7");
    }
    let rows = fields(
        &p141,
        &["mtp3.service_indicator", "mtp3.network_indicator", "mtp3.opc", "mtp3.dpc", "mtp3mg.test.length"],
    );
    assert_eq!(rows[0]["mtp3.network_indicator"], "2");
    assert_eq!(rows[0]["mtp3.opc"], "2057");
    assert_eq!(rows[0]["mtp3.dpc"], "4114");
    assert_eq!(rows[0]["mtp3mg.test.length"], "4");
    for f in [p140, p139, p141] {
        let _ = std::fs::remove_file(f);
    }
}
