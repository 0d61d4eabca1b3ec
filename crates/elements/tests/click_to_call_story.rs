//! The seed's story, network side, with a scripted SSP: the access server
//! asks the ISCP over the OSN to join a customer and a representative; the
//! ISCP has SSP-A call the customer, sends them to the IP for
//! "please-hold" and, in the same message, has the representative called as
//! the call's second leg (Create_Call in the open dialogue); the
//! announcement repeats at each Resource_Clear until the representative
//! answers.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use ainsim_elements::ip::{Ip, IpConfig};
use ainsim_elements::iscp::Iscp;
use ainsim_elements::osn::{CallStatus, OsnMessage};
use ainsim_elements::sp::SignallingPoint;
use ainsim_elements::Port;
use ainsim_runtime::ladder::Options;
use ainsim_runtime::{LinkKind, LinkModel, Simulator};
use ainsim_store::MemStore;
use ainsim_wire::ain::{AinOpcode, Param};
use ainsim_wire::isup::{self, MessageType, Parameter};
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::tcap::ansi;
use ainsim_wire::{IsupBody, IsupRepr, Variant};
use common::*;

#[test]
fn click_to_call_with_an_announcement_from_the_ip() {
    let v = Variant::Ansi;
    let mut sim = Simulator::new(11);
    let ssp = sim.add_node("SSP-A", StandIn::new("SSP-A")).unwrap();
    let iscp = sim.add_node("ISCP", Iscp::new(iscp_config(v), Box::new(MemStore::new()))).unwrap();
    let mut ipc = IpConfig::new("IP", ip_pc(v), v);
    ipc.linksets = vec![(ssp_pc(v), vec![Port(0)])];
    let ip = sim.add_node("IP", Ip::new(ipc)).unwrap();
    let osn = sim.add_node("ACCESS", StandIn::new("ACCESS")).unwrap();
    let ss7 = LinkModel::fixed(Duration::from_millis(5));
    sim.link((ssp, LINK), (iscp, Port(0)), LinkKind::Ss7, ss7).unwrap();
    sim.link((ssp, LINK2), (ip, Port(0)), LinkKind::Ss7, ss7).unwrap();
    sim.link((osn, LINK), (iscp, Port(9)), LinkKind::Osn, LinkModel::fixed(Duration::from_millis(2)))
        .unwrap();
    sim.tap_pcap_memory();
    sim.start();
    let take = |sim: &mut Simulator, d: Duration| -> Vec<(Port, Frame)> {
        sim.run_for(d);
        let s = sim.element_mut::<StandIn>(ssp).unwrap();
        s.received.drain(..).map(|(p, b)| (p, Frame::decode(&b, Start::Mtp3, v, false).unwrap())).collect()
    };

    // The business's web server asked for the call; the access server passes it on.
    let setup = OsnMessage::CallSetup {
        call_id: 1,
        business: "ABC".into(),
        customer: "2015550100".into(),
        representative: "2125550142".into(),
        announcement: Some("please-hold".into()),
    };
    sim.inject(osn, SCRIPT, setup.emit());
    let got = take(&mut sim, 20 * MS);
    let (_, iscp_tid, ops) = ansi_view(&got[0].1);
    assert_eq!(ops[0].opcode, AinOpcode::CreateCall);
    let ssp_tid = vec![0x5a, 0, 0, 1];
    let conv = [ssp_tid.clone(), iscp_tid.clone()].concat();

    // SSP-A rang the shopper, who answered.
    let m = ansi_msg(ansi::PackageType::ConversationWithPerm, conv.clone(), &[report(AinOpcode::OAnswer)]);
    sim.inject(ssp, SCRIPT, msu(v, ssp_pc(v), iscp_pc(v), &m));
    let got = take(&mut sim, 20 * MS);
    let (_, _, ops) = ansi_view(&got[0].1);
    assert_eq!(names_ain(&ops), ["Send_To_Resource", "Request_Report_BCM_Event", "Create_Call"]);
    assert_eq!(ops[2].digits(Param::CalledPartyId).unwrap().digits, "2125550142");
    assert_eq!(ops[2].digits(Param::CallingPartyId).unwrap().digits, "2015550100");
    let ip_number = ops[0].digits(Param::DestinationAddress).unwrap().digits.clone();

    // SSP-A connects the shopper to the IP: IAM to the IP number + announcement id 1.
    let (_, mut iam) = isup::examples(v).into_iter().find(|(n, _)| *n == "IAM").unwrap();
    iam.cic = 12;
    if let IsupBody::Parameters(list) = &mut iam.body {
        for p in list.mandatory_mut() {
            if let Parameter::CalledPartyNumber(n) = p {
                n.digits = format!("{ip_number}1").into();
            }
        }
    }
    let sp = SignallingPoint::new(ssp_pc(v), v, 2);
    let isup_msu = |m: &IsupRepr| sp.build(5, ip_pc(v), 12, &m.to_bytes().unwrap()).unwrap();
    sim.inject(ssp, SCRIPT2, isup_msu(&iam));
    let got = take(&mut sim, 20 * MS);
    let types: Vec<_> = got.iter().map(|(_, f)| f.isup.as_ref().unwrap().message_type).collect();
    assert_eq!(types, [MessageType::Acm, MessageType::Anm]);

    // Five seconds of "Please hold...", then the IP clears.
    let got = take(&mut sim, 5 * SEC);
    assert_eq!(got[0].1.isup.as_ref().unwrap().message_type, MessageType::Rel);
    sim.inject(ssp, SCRIPT2, isup_msu(&IsupRepr::new(v, 12, MessageType::Rlc, vec![], None)));
    let m = ansi_msg(ansi::PackageType::ConversationWithPerm, conv.clone(), &[resource_clear()]);
    sim.inject(ssp, SCRIPT, msu(v, ssp_pc(v), iscp_pc(v), &m));
    let got = take(&mut sim, 20 * MS);
    let (_, _, ops) = ansi_view(&got[0].1);
    // The representative still rings: the announcement again.
    assert_eq!(names_ain(&ops), ["Send_To_Resource"]);

    // The representative answers; much later the shopper hangs up.
    let m = ansi_msg(ansi::PackageType::ConversationWithoutPerm, conv.clone(), &[report(AinOpcode::TAnswer)]);
    sim.inject(ssp, SCRIPT, msu(v, ssp_pc(v), iscp_pc(v), &m));
    take(&mut sim, 120 * SEC);
    let m = ansi_msg(ansi::PackageType::ConversationWithPerm, conv, &[report(AinOpcode::ODisconnect)]);
    sim.inject(ssp, SCRIPT, msu(v, ssp_pc(v), iscp_pc(v), &m));
    let got = take(&mut sim, 20 * MS);
    let (pt, _, ops) = ansi_view(&got[0].1);
    assert_eq!((pt, names_ain(&ops)), (ansi::PackageType::Response, vec!["Close"]));

    let statuses: Vec<CallStatus> = sim
        .element_mut::<StandIn>(osn)
        .unwrap()
        .received
        .drain(..)
        .map(|(_, b)| match OsnMessage::parse(&b).unwrap() {
            OsnMessage::CallStatus { status, .. } => status,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(statuses.first(), Some(&CallStatus::CallingCustomer));
    assert_eq!(statuses.last(), Some(&CallStatus::Released));
    assert!(statuses.contains(&CallStatus::Connected));

    let mut opts = Options::new(v);
    opts.column_width = 56;
    opts.columns = vec!["ACCESS".into(), "ISCP".into(), "SSP-A".into(), "IP".into()];
    let ladder = sim.ladder(&opts);
    println!("{ladder}");
    let order = [
        "QueryWithPerm Create_Call",
        "ConversationWithPerm O_Answer",
        "ConversationWithPerm Send_To_Resource, Request_Re",
        "IAM 9195550100→21255509991 cic 12",
        "ACM",
        "ANM",
        "REL 16",
        "RLC",
        "ConversationWithPerm Resource_Clear",
        "ConversationWithPerm Send_To_Resource",
        "ConversationWithoutPerm T_Answer",
        "ConversationWithPerm O_Disconnect",
        "Response Close",
    ];
    let mut at = 0;
    for label in order {
        let found = ladder[at..].find(label).unwrap_or_else(|| panic!("{label} not after {at} in\n{ladder}"));
        at += found + label.len();
    }

    tshark_judges(&sim.pcap_bytes());
}

/// Wireshark must decode every frame of the story without a malformed or
/// expert item, with AIN operations where we put them. Skips (loudly)
/// without tshark.
fn tshark_judges(pcap: &[u8]) {
    use std::process::Command;
    if !Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success()) {
        eprintln!(
            "!!!!!!!! tshark not found: SKIPPING the Wireshark check of the click-to-call pcap !!!!!!!!"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("click-to-call.pcap");
    std::fs::write(&path, pcap).unwrap();
    if let Ok(keep) = std::env::var("AINSIM_KEEP_PCAP") {
        std::fs::write(keep, pcap).unwrap();
    }
    let run = |extra: &[&str]| {
        let out = Command::new("tshark")
            .args(["-n", "-o", "mtp3.standard:ANSI", "-d", "sccp.ssn==248,tcap", "-r"])
            .arg(&path)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The scripted SSP's own RLC (built by this test with the wire codec) draws a
    // Note that ANSI RLC has no optional part; only the elements' frames are judged.
    let bad = run(&["-Y", "(_ws.malformed || _ws.expert) && !(isup.message_type == 16)", "-V"]);
    assert!(bad.trim().is_empty(), "tshark flags frames:\n{bad}");
    let ops = run(&["-T", "fields", "-e", "ansi_tcap.private", "-e", "isup.message_type"]);
    assert!(ops.contains("0x6507") || ops.contains("25863"), "no Create_Call in\n{ops}");
    assert!(ops.contains("0x6601") || ops.contains("26113"), "no Send_To_Resource in\n{ops}");
}
