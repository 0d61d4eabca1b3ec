//! The ISCP in simulated time: a stand-in SSP sends TCAP queries, we read
//! the answers off the link.
#![allow(clippy::unwrap_used)]

mod common;

use ainsim_elements::iscp::{Iscp, Subscriber, TollFree, TollFreeRule, SUBSCRIBER_TREE, TOLL_FREE_TREE};
use ainsim_elements::osn::{CallStatus, OsnMessage};
use ainsim_elements::{Output, Outputs, Port};
use ainsim_store::{MemStore, SledStore, Store, StoreExt};
use ainsim_wire::ain::{AinOpcode, Param, StrParameterBlock, Value};
use ainsim_wire::inap::{InapField, InapOpcode, InapValue};
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::tcap::{ansi, itu, TcapRepr};
use ainsim_wire::Variant;
use common::*;

const SSP_TID: [u8; 4] = [0x1a, 0x2b, 0x3c, 0x4d];

/// 1-800-555-1234 goes to the representative 2125550142 in business hours,
/// to 2125550143 after hours, and calls from the 917 area go to the mobile.
fn provision(s: &mut dyn Store) {
    let tf = TollFree {
        rules: vec![
            TollFreeRule { to: "9175550123".into(), origins: vec!["917".into()], ..Default::default() },
            TollFreeRule {
                to: "2125550142".into(),
                start: Some("08:00".into()),
                end: Some("18:00".into()),
                ..Default::default()
            },
        ],
        default: Some("2125550143".into()),
        monitor: false,
    };
    s.put(TOLL_FREE_TREE, "8005551234", &tf).unwrap();
    let sub = Subscriber {
        forward_on_busy: Some("9175550123".into()),
        forward_on_no_answer: Some("2125550143".into()),
        no_answer_s: 20,
    };
    s.put(SUBSCRIBER_TREE, "2125550142", &sub).unwrap();
}

fn mem() -> Box<dyn Store + Send> {
    let mut s = MemStore::new();
    provision(&mut s);
    Box::new(s)
}

fn called_of(op: &ainsim_wire::AinOperation) -> String {
    op.digits(Param::CalledPartyId).unwrap().digits.clone()
}

#[test]
fn an_800_call_is_translated_by_time_of_day_and_origin() {
    let mut net = network(Variant::Ansi, mem());
    net.sim.tap_pcap_memory();
    // 09:00: the shopper on SSP-A dials 1-800-555-1234.
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::QueryWithPerm,
        SSP_TID.to_vec(),
        &[info_analyzed("8005551234", "2015550100")],
    ));
    let got = net.run(20 * MS);
    assert_eq!(got.len(), 1);
    let (pt, tid, ops) = ansi_view(&got[0]);
    assert_eq!(pt, ansi::PackageType::Response);
    assert_eq!(tid, SSP_TID);
    assert_eq!(names_ain(&ops), ["Analyze_Route"]);
    assert_eq!(called_of(&ops[0]), "2125550142");

    // Ten hours later (19:00) the same call goes to the after-hours desk.
    net.sim.run_for(10 * 3600 * SEC);
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::QueryWithPerm,
        vec![0, 0, 0, 2],
        &[info_analyzed("8005551234", "2015550100")],
    ));
    let (_, _, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!(called_of(&ops[0]), "2125550143");

    // A caller from the 917 area reaches the mobile at any hour.
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::QueryWithPerm,
        vec![0, 0, 0, 3],
        &[info_analyzed("8005551234", "9175551111")],
    ));
    let (_, tid, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!((tid, called_of(&ops[0])), (vec![0, 0, 0, 3], "9175550123".to_string()));

    // A number the ISCP does not serve: Continue.
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::QueryWithPerm,
        vec![0, 0, 0, 4],
        &[info_analyzed("2125550143", "2015550100")],
    ));
    let (_, _, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!(names_ain(&ops), ["Continue"]);

    let c = net.iscp().counters();
    assert_eq!((c.received, c.translations, c.malformed), (4, 3, 0));
    assert_eq!(net.iscp().open_dialogues(), 0);
    let ladder = net.ladder();
    assert!(ladder.contains("QueryWithPerm Info_Analyzed"), "{ladder}");
    assert!(ladder.contains("Response Analyze_Route"), "{ladder}");
    tshark_clean(&net.sim.pcap_bytes(), net.variant, "an_800_call_is_translated_by_time_of_day_and_origin");
}

#[test]
fn an_itu_800_call_is_connected_by_inap() {
    let mut net = network(Variant::Itu, mem());
    net.sim.tap_pcap_memory();
    net.ssp_sends(&itu_msg(
        itu::MessageType::Begin,
        Some(vec![0x00, 0x01, 0x3a, 0x7f]),
        None,
        &[initial_dp("8005551234", "2015550100", 3)],
    ));
    let got = net.run(20 * MS);
    let (mt, otid, dtid, ops) = itu_view(&got[0]);
    assert_eq!((mt, otid, dtid), (itu::MessageType::End, None, Some(vec![0x00, 0x01, 0x3a, 0x7f])));
    assert_eq!(names_inap(&ops), ["connect"]);
    let Some(InapValue::Numbers(dra)) = ops[0].get(InapField::DestinationRoutingAddress) else { panic!() };
    assert_eq!(dra[0].digits, "2125550142");
    // The End answers the AARQ with an AARE.
    let Some(TcapRepr::Itu(m)) = &got[0].tcap else { panic!() };
    assert!(matches!(m.dialogue.as_ref().unwrap().pdu, itu::DialoguePdu::Aare(_)));
    tshark_clean(&net.sim.pcap_bytes(), net.variant, "an_itu_800_call_is_connected_by_inap");
}

#[test]
fn a_busy_subscriber_is_forwarded() {
    let mut net = network(Variant::Ansi, mem());
    net.sim.tap_pcap_memory();
    // Someone calls the representative's home line; SSP-B's Termination_Attempt trigger fires.
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::QueryWithPerm,
        SSP_TID.to_vec(),
        &[termination_attempt("2125550142", "2015550100")],
    ));
    let got = net.run(20 * MS);
    let (pt, tid, ops) = ansi_view(&got[0]);
    assert_eq!(pt, ansi::PackageType::ConversationWithPerm);
    assert_eq!(names_ain(&ops), ["Request_Report_BCM_Event", "Authorize_Termination"]);
    // tBusy (bit 4) and tNoAnswer (bit 5) armed.
    assert_eq!(ops[0].get(Param::EdpRequest), Some(&Value::Bits { unused_bits: 3, bits: vec![0x0c, 0, 0] }));
    // The subscriber's no-answer time rides along.
    assert_eq!(ops[0].get(Param::TNoAnswerTimer), Some(&Value::Integer(20)));
    let iscp_tid = tid[..4].to_vec();
    assert_eq!(&tid[4..], SSP_TID);

    // The line is busy: the SSP reports T_Busy.
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::ConversationWithPerm,
        [SSP_TID.to_vec(), iscp_tid].concat(),
        &[report(AinOpcode::TBusy)],
    ));
    let (pt, tid, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!((pt, tid), (ansi::PackageType::Response, SSP_TID.to_vec()));
    assert_eq!(names_ain(&ops), ["Analyze_Route"]);
    assert_eq!(called_of(&ops[0]), "9175550123");
    assert_eq!(ops[0].digits(Param::RedirectingPartyId).unwrap().digits, "2125550142");
    assert_eq!(net.iscp().counters().forwards, 1);
    assert_eq!(net.iscp().open_dialogues(), 0);
    tshark_clean(&net.sim.pcap_bytes(), net.variant, "a_busy_subscriber_is_forwarded");
}

#[test]
fn no_answer_forwarding_in_inap() {
    let mut net = network(Variant::Itu, mem());
    net.sim.tap_pcap_memory();
    let ssp = vec![0x77, 0x00, 0x00, 0x01];
    net.ssp_sends(&itu_msg(
        itu::MessageType::Begin,
        Some(ssp.clone()),
        None,
        &[initial_dp("2125550142", "2015550100", 12)],
    ));
    let (mt, otid, _, ops) = itu_view(&net.run(20 * MS)[0]);
    assert_eq!(mt, itu::MessageType::Continue);
    assert_eq!(names_inap(&ops), ["requestReportBCSMEvent", "continue"]);
    let report = ainsim_wire::inap::InapOperation::new(
        InapOpcode::EventReportBcsm,
        vec![ainsim_wire::inap::InapElement::new(InapField::EventTypeBcsm, InapValue::Integer(14))],
    );
    net.ssp_sends(&itu_msg(itu::MessageType::Continue, Some(ssp.clone()), otid, &[report]));
    let (mt, _, dtid, ops) = itu_view(&net.run(20 * MS)[0]);
    assert_eq!((mt, dtid), (itu::MessageType::End, Some(ssp)));
    let Some(InapValue::Numbers(dra)) = ops[0].get(InapField::DestinationRoutingAddress) else { panic!() };
    assert_eq!(dra[0].digits, "2125550143");
    tshark_clean(&net.sim.pcap_bytes(), net.variant, "no_answer_forwarding_in_inap");
}

#[test]
fn a_silent_ssp_has_its_dialogue_aborted() {
    let mut net = network(Variant::Ansi, mem());
    net.sim.tap_pcap_memory();
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::QueryWithPerm,
        SSP_TID.to_vec(),
        &[termination_attempt("2125550142", "2015550100")],
    ));
    assert_eq!(net.run(20 * MS).len(), 1);
    assert_eq!(net.iscp().open_dialogues(), 1);
    // The ISCP waits out the ringing (no-answer timer 20 s) plus the 10 s
    // dialogue timeout: 29.9 s of silence, nothing yet.
    assert!(net.run(29_900 * MS).is_empty());
    // At 30 s the ISCP gives up and aborts toward the SSP's transaction.
    let got = net.run(200 * MS);
    let Some(TcapRepr::Ansi(m)) = &got[0].tcap else { panic!() };
    assert_eq!((m.package_type, m.transaction_id.clone()), (ansi::PackageType::Abort, SSP_TID.to_vec()));
    assert!(matches!(m.abort_cause, Some(ansi::AbortCause::UserAbort(_))));
    assert_eq!(net.iscp().counters().timeouts, 1);
    assert_eq!(net.iscp().open_dialogues(), 0);
    tshark_clean(&net.sim.pcap_bytes(), net.variant, "a_silent_ssp_has_its_dialogue_aborted");
}

#[test]
fn an_osn_call_setup_joins_customer_and_representative() {
    let mut net = network(Variant::Ansi, mem());
    let setup = OsnMessage::CallSetup {
        call_id: 42,
        business: "ABC".into(),
        customer: "2015550100".into(),
        representative: "2125550142".into(),
        announcement: Some("please-hold".into()),
    };
    net.sim.inject(net.osn, SCRIPT, setup.emit());
    let got = net.run(20 * MS);
    let (pt, tid, ops) = ansi_view(&got[0]);
    assert_eq!(pt, ansi::PackageType::QueryWithPerm);
    assert_eq!(names_ain(&ops), ["Create_Call", "Request_Report_BCM_Event"]);
    assert_eq!(called_of(&ops[0]), "2015550100");
    assert_eq!(ops[0].digits(Param::CallingPartyId).unwrap().digits, "2125550142");
    let iscp_tid = tid.clone();
    let conv = |ours: &[u8]| [SSP_TID.to_vec(), ours.to_vec()].concat();

    // The customer answers: the ISCP sends them to the IP for "please-hold"
    // (id 1) and, in the same message, has the representative called as the
    // call's second leg, its busy, no answer and answer as notifications.
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::ConversationWithPerm,
        conv(&iscp_tid),
        &[report(AinOpcode::OAnswer)],
    ));
    let (pt, tid, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!((pt, tid[..4].to_vec()), (ansi::PackageType::ConversationWithPerm, iscp_tid.clone()));
    assert_eq!(names_ain(&ops), ["Send_To_Resource", "Request_Report_BCM_Event", "Create_Call"]);
    assert_eq!(called_of(&ops[2]), "2125550142");
    assert_eq!(ops[2].digits(Param::CallingPartyId).unwrap().digits, "2015550100");
    assert!(ops[1].get(Param::EdpRequest).is_none(), "nothing suspends the customer's call");
    let Some(Value::StrParameterBlock(StrParameterBlock::AnnouncementBlock(b))) =
        ops[0].get(Param::StrParameterBlock)
    else {
        panic!()
    };
    assert_eq!(b.uninterruptible.as_ref().unwrap()[0].0, [0, 1, 1]);

    // The announcement is over and the representative still rings: again.
    net.ssp_sends(&ansi_msg(ansi::PackageType::ConversationWithPerm, conv(&iscp_tid), &[resource_clear()]));
    let (_, _, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!(names_ain(&ops), ["Send_To_Resource"]);
    assert_eq!(net.iscp().counters().repeats, 1);

    // The representative answers (a notification: no reply), later the customer hangs up.
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::ConversationWithoutPerm,
        conv(&iscp_tid),
        &[report(AinOpcode::TAnswer)],
    ));
    assert!(net.run(20 * MS).is_empty());
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::Response,
        iscp_tid.clone(),
        &[report(AinOpcode::ODisconnect)],
    ));
    assert!(net.run(20 * MS).is_empty());
    assert_eq!(net.iscp().open_dialogues(), 0);

    let statuses: Vec<CallStatus> = net
        .osn_received()
        .into_iter()
        .map(|m| match m {
            OsnMessage::CallStatus { call_id: 42, status } => status,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        statuses,
        [
            CallStatus::CallingCustomer,
            CallStatus::CustomerAnswered,
            CallStatus::Announcing,
            CallStatus::CallingRepresentative,
            CallStatus::Connected,
            CallStatus::Released,
        ]
    );
    let ladder = net.ladder();
    assert!(ladder.contains("QueryWithPerm Create_Call"), "{ladder}");
}

#[test]
fn the_api_starts_an_itu_initiate_call_attempt() {
    let mut iscp = Iscp::new(iscp_config(Variant::Itu), mem());
    let mut out = Outputs::new();
    let tid = iscp
        .initiate_call(ainsim_elements::Instant::ZERO, "2015550100", "2125550142", None, &mut out)
        .unwrap();
    let sent: Vec<_> = out
        .drain()
        .filter_map(|o| match o {
            Output::Send { port, bytes } => Some((port, bytes)),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, Port(0));
    let f = Frame::decode(&sent[0].1, Start::Mtp3, Variant::Itu, false).unwrap();
    let (mt, otid, _, ops) = itu_view(&f);
    assert_eq!((mt, otid), (itu::MessageType::Begin, Some(tid.to_be_bytes().to_vec())));
    assert_eq!(names_inap(&ops), ["initiateCallAttempt", "requestReportBCSMEvent", "continue"]);
    let Some(InapValue::Numbers(dra)) = ops[0].get(InapField::DestinationRoutingAddress) else { panic!() };
    assert_eq!(dra[0].digits, "2015550100");
    assert!(iscp.initiate_call(ainsim_elements::Instant::ZERO, "1", "2", Some("no-such"), &mut out).is_err());
}

#[test]
fn malformed_tcap_is_aborted_or_rejected_and_counted() {
    let mut net = network(Variant::Ansi, mem());
    let v = Variant::Ansi;
    // A QueryWithPerm whose component sequence claims more octets than it has.
    let bad = vec![0xe2, 0x09, 0xc7, 0x04, 0x1a, 0x2b, 0x3c, 0x4d, 0xe8, 0x09, 0xe9];
    net.sim.inject(net.ssp, SCRIPT, sccp_msu(v, ssp_pc(v), iscp_pc(v), 248, bad));
    let got = net.run(20 * MS);
    let Some(TcapRepr::Ansi(m)) = &got[0].tcap else { panic!("{got:?}") };
    assert_eq!(m.package_type, ansi::PackageType::Abort);
    assert_eq!(m.transaction_id, SSP_TID);
    assert_eq!(m.abort_cause, Some(ansi::AbortCause::PAbort(3)));

    // An operation the ISCP does not know: Reject (unrecognized operation code).
    let unknown = ainsim_wire::AinOperation::new(AinOpcode::Unknown(0x6499), vec![]);
    net.ssp_sends(&ansi_msg(ansi::PackageType::QueryWithPerm, vec![0, 0, 0, 9], &[unknown]));
    let got = net.run(20 * MS);
    assert!(!got.is_empty(), "{:?}", net.sim.events());
    let Some(TcapRepr::Ansi(m)) = &got[0].tcap else { panic!() };
    assert_eq!(m.package_type, ansi::PackageType::Response);
    let [ansi::Component::Reject(r)] = m.components() else { panic!("{m:?}") };
    assert_eq!(r.problem, 0x0202);

    // A conversation for a transaction the ISCP never opened: P-Abort 4.
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::ConversationWithPerm,
        [SSP_TID, [9, 9, 9, 9]].concat(),
        &[report(AinOpcode::OAnswer)],
    ));
    let got = net.run(20 * MS);
    let Some(TcapRepr::Ansi(m)) = &got[0].tcap else { panic!() };
    assert_eq!(m.abort_cause, Some(ansi::AbortCause::PAbort(4)));

    // Garbage that is not even SCCP is dropped and counted, with no answer.
    net.sim.inject(net.ssp, SCRIPT, vec![0x83, 0x01]);
    assert!(net.run(20 * MS).is_empty());

    let c = net.iscp().counters();
    assert_eq!((c.malformed, c.aborts_sent, c.rejects_sent, c.dropped), (1, 2, 1, 1));
    assert_eq!(net.iscp().open_dialogues(), 0);
    assert!(net.sim.event_counts().get("Dropped").copied().unwrap_or(0) >= 2);
}

#[test]
fn provisioning_in_sled_survives_a_restart_and_drives_the_iscp() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = SledStore::open(dir.path()).unwrap();
        provision(&mut s);
        s.flush().unwrap();
    }
    let s = SledStore::open(dir.path()).unwrap();
    let tf: TollFree = s.get(TOLL_FREE_TREE, "8005551234").unwrap().unwrap();
    assert_eq!(tf.rules.len(), 2);
    let mut net = network(Variant::Ansi, Box::new(s));
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::QueryWithPerm,
        SSP_TID.to_vec(),
        &[info_analyzed("8005551234", "2015550100")],
    ));
    let (_, _, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!(called_of(&ops[0]), "2125550142");
    // Re-provision live: after hours now go to the mobile.
    let tf = TollFree { rules: vec![], default: Some("9175550123".into()), monitor: false };
    net.iscp().store_mut().put(TOLL_FREE_TREE, "8005551234", &tf).unwrap();
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::QueryWithPerm,
        vec![1, 1, 1, 1],
        &[info_analyzed("8005551234", "2015550100")],
    ));
    let (_, _, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!(called_of(&ops[0]), "9175550123");
}

#[test]
fn an_itu_click_to_call_plays_the_announcement_then_connects() {
    let mut net = network(Variant::Itu, mem());
    net.sim.tap_pcap_memory();
    let setup = OsnMessage::CallSetup {
        call_id: 9,
        business: "ABC".into(),
        customer: "2015550100".into(),
        representative: "2125550142".into(),
        announcement: Some("please-hold".into()),
    };
    net.sim.inject(net.osn, SCRIPT, setup.emit());
    let (mt, otid, _, ops) = itu_view(&net.run(20 * MS)[0]);
    assert_eq!(mt, itu::MessageType::Begin);
    assert_eq!(names_inap(&ops), ["initiateCallAttempt", "requestReportBCSMEvent", "continue"]);
    let ssf = vec![0x51, 0x00, 0x02, 0x9c];
    let event = |n: i64| {
        ainsim_wire::inap::InapOperation::new(
            InapOpcode::EventReportBcsm,
            vec![ainsim_wire::inap::InapElement::new(InapField::EventTypeBcsm, InapValue::Integer(n))],
        )
    };
    // oAnswer (7): to the IP.
    net.ssp_sends(&itu_msg(itu::MessageType::Continue, Some(ssf.clone()), otid.clone(), &[event(7)]));
    let (mt, _, dtid, ops) = itu_view(&net.run(20 * MS)[0]);
    assert_eq!((mt, dtid), (itu::MessageType::Continue, Some(ssf.clone())));
    // The customer to the IP and, in the same Continue, the representative
    // as a second call party (InitiateCallAttempt in the open dialogue).
    assert_eq!(
        names_inap(&ops),
        ["connectToResource", "playAnnouncement", "requestReportBCSMEvent", "initiateCallAttempt"]
    );
    let Some(InapValue::Number(ip)) = ops[0].get(InapField::IpRoutingAddress) else { panic!() };
    assert_eq!(ip.digits, "2125550999");
    let Some(InapValue::Numbers(dra)) = ops[3].get(InapField::DestinationRoutingAddress) else { panic!() };
    assert_eq!(dra[0].digits, "2125550142");
    // The announcement is complete, the representative still rings: again.
    let srr =
        ainsim_wire::inap::InapOperation { opcode: InapOpcode::SpecializedResourceReport, argument: None };
    net.ssp_sends(&itu_msg(itu::MessageType::Continue, Some(ssf.clone()), otid.clone(), &[srr]));
    let (_, _, _, ops) = itu_view(&net.run(20 * MS)[0]);
    assert_eq!(names_inap(&ops), ["connectToResource", "playAnnouncement"]);
    // tAnswer (15), then oDisconnect (9): End.
    net.ssp_sends(&itu_msg(itu::MessageType::Continue, Some(ssf.clone()), otid.clone(), &[event(15)]));
    assert!(net.run(20 * MS).is_empty());
    net.ssp_sends(&itu_msg(itu::MessageType::Continue, Some(ssf.clone()), otid, &[event(9)]));
    let (mt, _, dtid, _) = itu_view(&net.run(20 * MS)[0]);
    assert_eq!((mt, dtid), (itu::MessageType::End, Some(ssf)));
    assert_eq!(net.iscp().open_dialogues(), 0);
    let statuses: Vec<_> = net.osn_received();
    assert_eq!(statuses.len(), 6, "{statuses:?}");
    tshark_clean(
        &net.sim.pcap_bytes(),
        net.variant,
        "an_itu_click_to_call_plays_the_announcement_then_connects",
    );
}

#[test]
fn an_itu_dialogue_times_out_with_an_abrt() {
    let mut net = network(Variant::Itu, mem());
    net.sim.tap_pcap_memory();
    // An SCP-initiated call the SSF accepts, then never reports on.
    net.sim.inject(
        net.osn,
        SCRIPT,
        OsnMessage::CallSetup {
            call_id: 5,
            business: "ABC".into(),
            customer: "2015550100".into(),
            representative: "2125550142".into(),
            announcement: None,
        }
        .emit(),
    );
    let (_, otid, _, _) = itu_view(&net.run(20 * MS)[0]);
    let ssf = vec![0x42];
    // The SSF accepts (Continue, no components) then falls silent.
    net.ssp_sends(&itu_msg(itu::MessageType::Continue, Some(ssf.clone()), otid, &[]));
    assert!(net.run(20 * MS).is_empty());
    // The ISCP waits the dialogue timeout (10 s) plus the customer's ringing time (20 s).
    assert!(net.run(29 * SEC).is_empty());
    let got = net.run(2 * SEC);
    let Some(TcapRepr::Itu(m)) = &got[0].tcap else { panic!() };
    assert_eq!((m.message_type, m.dtid.clone()), (itu::MessageType::Abort, Some(ssf)));
    assert!(matches!(m.dialogue.as_ref().unwrap().pdu, itu::DialoguePdu::Abrt(_)));
    let failed = net.osn_received().into_iter().any(|m| {
        matches!(m, OsnMessage::CallStatus { call_id: 5, status: CallStatus::Failed { reason } } if reason == "dialogue timeout")
    });
    assert!(failed);
    assert_eq!(net.iscp().open_dialogues(), 0);
    tshark_clean(&net.sim.pcap_bytes(), net.variant, "an_itu_dialogue_times_out_with_an_abrt");
}

#[test]
fn a_monitored_800_call_stays_open_until_its_disconnect() {
    let mut store = MemStore::new();
    let tf = TollFree { rules: vec![], default: Some("2125550142".into()), monitor: true };
    store.put(TOLL_FREE_TREE, "8005551234", &tf).unwrap();
    let mut net = network(Variant::Ansi, Box::new(store));
    net.sim.tap_pcap_memory();
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::QueryWithPerm,
        SSP_TID.to_vec(),
        &[info_analyzed("8005551234", "2015550100")],
    ));
    let (pt, tid, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!(pt, ansi::PackageType::ConversationWithPerm);
    assert_eq!(names_ain(&ops), ["Analyze_Route", "Request_Report_BCM_Event"]);
    let conv = [SSP_TID.to_vec(), tid[..4].to_vec()].concat();
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::ConversationWithoutPerm,
        conv.clone(),
        &[report(AinOpcode::OAnswer)],
    ));
    // A ten-minute conversation outlasts the 10 s dialogue timer but not the call guard.
    assert!(net.run(600 * SEC).is_empty());
    net.ssp_sends(&ansi_msg(
        ansi::PackageType::ConversationWithPerm,
        conv,
        &[report(AinOpcode::ODisconnect)],
    ));
    let (pt, _, ops) = ansi_view(&net.run(20 * MS)[0]);
    assert_eq!((pt, names_ain(&ops)), (ansi::PackageType::Response, vec!["Close"]));
    assert_eq!(net.sim.event_count(net.iscp, "Answered"), 1);
    tshark_clean(&net.sim.pcap_bytes(), net.variant, "a_monitored_800_call_stays_open_until_its_disconnect");
}

#[test]
fn malformed_itu_tcap_gets_p_aborts_and_rejects() {
    let mut net = network(Variant::Itu, mem());
    let v = Variant::Itu;
    // A Begin whose component portion runs past the end.
    let bad = vec![0x62, 0x08, 0x48, 0x02, 0x12, 0x34, 0x6c, 0x09, 0xa1, 0x00];
    net.sim.inject(net.ssp, SCRIPT, sccp_msu(v, ssp_pc(v), iscp_pc(v), 241, bad));
    let got = net.run(20 * MS);
    let Some(TcapRepr::Itu(m)) = &got[0].tcap else { panic!("{got:?}") };
    assert_eq!(
        (m.message_type, m.dtid.clone(), m.p_abort_cause),
        (itu::MessageType::Abort, Some(vec![0x12, 0x34]), Some(2))
    );

    // A Continue for a dialogue the ISCP never had: unrecognizedTransactionID.
    net.ssp_sends(&itu_msg(itu::MessageType::Continue, Some(vec![0x55]), Some(vec![0, 0, 0, 0x63]), &[]));
    let got = net.run(20 * MS);
    let Some(TcapRepr::Itu(m)) = &got[0].tcap else { panic!() };
    assert_eq!((m.dtid.clone(), m.p_abort_cause), (Some(vec![0x55]), Some(1)));

    // An InitialDP without a called number: Reject (mistypedParameter) in an End.
    let idp = ainsim_wire::inap::InapOperation::new(
        InapOpcode::InitialDp,
        vec![ainsim_wire::inap::InapElement::new(InapField::ServiceKey, InapValue::Integer(1))],
    );
    net.ssp_sends(&itu_msg(itu::MessageType::Begin, Some(vec![0x56]), None, &[idp]));
    let got = net.run(20 * MS);
    let Some(TcapRepr::Itu(m)) = &got[0].tcap else { panic!() };
    assert_eq!(m.message_type, itu::MessageType::End);
    let [itu::Component::Reject(r)] = m.components() else { panic!("{m:?}") };
    assert_eq!((r.invoke_id, r.problem_type, r.problem_code), (Some(1), itu::ProblemType::Invoke, 2));
    let c = net.iscp().counters();
    assert_eq!((c.malformed, c.aborts_sent, c.rejects_sent), (1, 2, 1));
    assert_eq!(net.iscp().open_dialogues(), 0);
}
