//! The Internet access server, network side: a business's web server (a
//! stand-in on the OSN) sends call instructions; the access server checks
//! them and hands the good ones to the ISCP, which has SSP-A (a stand-in)
//! call the customer and then the representative; the statuses come back
//! to the business under its own request id.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use ainsim_elements::access::{hash_password, AccessConfig, AccessServer, Business};
use ainsim_elements::iscp::Iscp;
use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage, Refusal};
use ainsim_elements::{NodeId, Port};
use ainsim_runtime::ladder::Options;
use ainsim_runtime::{LinkId, LinkKind, LinkModel, Simulator};
use ainsim_store::MemStore;
use ainsim_wire::ain::{AinOpcode, Param};
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::tcap::ansi;
use ainsim_wire::Variant;
use common::*;

/// 2027-01-15 08:00:00 UTC: the wall clock at the start of the run.
const T0: u64 = 1_800_000_000;
const CLIENT: Port = Port(1);
const NET: Port = Port(9);
const V: Variant = Variant::Ansi;

struct Story {
    sim: Simulator,
    web: NodeId,
    ssp: NodeId,
    access: NodeId,
    iscp: NodeId,
    osn_to_iscp: LinkId,
}

fn story() -> Story {
    let mut cfg = AccessConfig::new("ACCESS", vec![CLIENT], NET);
    cfg.unix_time_at_start = T0;
    // Cheap argon2 parameters keep the test fast; a real deployment uses argon2's defaults.
    let mut abc = Business::new("ABC", hash_password("cruise-2027", b"abc-salt-0001", 64, 1).unwrap());
    abc.max_concurrent = 2;
    cfg.businesses.push(abc);
    let mut sim = Simulator::new(3);
    let web = sim.add_node("WEB", StandIn::new("WEB")).unwrap();
    let access = sim.add_node("ACCESS", AccessServer::new(cfg).unwrap()).unwrap();
    let iscp = sim.add_node("ISCP", Iscp::new(iscp_config(V), Box::new(MemStore::new()))).unwrap();
    let ssp = sim.add_node("SSP-A", StandIn::new("SSP-A")).unwrap();
    let osn = LinkModel::fixed(Duration::from_millis(2));
    sim.link((web, LINK), (access, CLIENT), LinkKind::Osn, osn).unwrap();
    let osn_to_iscp = sim.link((access, NET), (iscp, Port(9)), LinkKind::Osn, osn).unwrap();
    sim.link((ssp, LINK), (iscp, Port(0)), LinkKind::Ss7, LinkModel::fixed(Duration::from_millis(5)))
        .unwrap();
    sim.start();
    Story { sim, web, ssp, access, iscp, osn_to_iscp }
}

fn instruction(request_id: u64, business: &str, password: &str, customer: &str) -> OsnMessage {
    OsnMessage::CallInstruction {
        request_id,
        equipment: "198.51.100.20".into(),
        business: business.into(),
        password: password.into(),
        customer: customer.into(),
        representative: "2125550142".into(),
        contact_at: None,
    }
}

impl Story {
    /// The web server sends `m` to the access server.
    fn web_sends(&mut self, m: &OsnMessage) {
        self.sim.inject(self.web, SCRIPT, m.emit());
    }

    /// Runs for `d`; what the web server received, and the TCAP frames SSP-A received.
    fn run(&mut self, d: Duration) -> (Vec<OsnMessage>, Vec<Frame>) {
        self.sim.run_for(d);
        let web = self.sim.element_mut::<StandIn>(self.web).unwrap();
        let osn = web.received.drain(..).map(|(_, b)| OsnMessage::parse(&b).unwrap()).collect();
        let ssp = self.sim.element_mut::<StandIn>(self.ssp).unwrap();
        let ss7 =
            ssp.received.drain(..).map(|(_, b)| Frame::decode(&b, Start::Mtp3, V, false).unwrap()).collect();
        (osn, ss7)
    }

    fn ssp_sends(&mut self, m: &ainsim_wire::tcap::TcapRepr) {
        self.sim.inject(self.ssp, SCRIPT, msu(V, ssp_pc(V), iscp_pc(V), m));
    }

    fn access(&mut self) -> &mut AccessServer {
        self.sim.element_mut::<AccessServer>(self.access).unwrap()
    }
}

fn refusal(m: &OsnMessage) -> (u64, Refusal, String) {
    match m {
        OsnMessage::CallInstructionResult {
            request_id,
            result: InstructionResult::Refused { refusal, reason },
        } => (*request_id, refusal.clone(), reason.clone()),
        other => panic!("not a refusal: {other:?}"),
    }
}

fn statuses(msgs: &[OsnMessage], id: u64) -> Vec<CallStatus> {
    msgs.iter()
        .filter_map(|m| match m {
            OsnMessage::CallStatus { call_id, status } if *call_id == id => Some(status.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_accepted_instruction_becomes_a_call_and_its_statuses_come_back() {
    let mut s = story();
    s.web_sends(&instruction(501, "ABC", "cruise-2027", "2015550100"));
    let (web, ss7) = s.run(20 * MS);

    // The business hears "accepted", then "calling the customer" under its own id 501.
    assert_eq!(
        web[0],
        OsnMessage::CallInstructionResult {
            request_id: 501,
            result: InstructionResult::Accepted { held_until: None }
        }
    );
    assert_eq!(statuses(&web, 501), [CallStatus::CallingCustomer]);
    // SSP-A is asked to call the customer, with the representative as calling party.
    let (pt, iscp_tid, ops) = ansi_view(&ss7[0]);
    assert_eq!((pt, ops[0].opcode), (ansi::PackageType::QueryWithPerm, AinOpcode::CreateCall));
    assert_eq!(ops[0].digits(Param::CalledPartyId).unwrap().digits, "2015550100");
    let conv = [vec![0x5a, 0, 0, 1], iscp_tid].concat();

    // The customer answers (no announcement for ABC): the ISCP routes to the representative.
    s.ssp_sends(&ansi_msg(
        ansi::PackageType::ConversationWithPerm,
        conv.clone(),
        &[report(AinOpcode::OAnswer)],
    ));
    let (web, ss7) = s.run(20 * MS);
    assert_eq!(statuses(&web, 501), [CallStatus::CustomerAnswered, CallStatus::CallingRepresentative]);
    let (_, _, ops) = ansi_view(&ss7[0]);
    assert_eq!(names_ain(&ops), ["Request_Report_BCM_Event", "Analyze_Route"]);
    assert_eq!(ops[1].digits(Param::CalledPartyId).unwrap().digits, "2125550142");

    // The representative answers; later the customer hangs up.
    s.ssp_sends(&ansi_msg(
        ansi::PackageType::ConversationWithoutPerm,
        conv.clone(),
        &[report(AinOpcode::TAnswer)],
    ));
    let (web, _) = s.run(60 * SEC);
    assert_eq!(statuses(&web, 501), [CallStatus::Connected]);
    assert_eq!(s.access().calls(), (1, 0));
    s.ssp_sends(&ansi_msg(ansi::PackageType::ConversationWithPerm, conv, &[report(AinOpcode::ODisconnect)]));
    let (web, _) = s.run(20 * MS);
    assert_eq!(statuses(&web, 501), [CallStatus::Released]);
    assert_eq!(s.access().calls(), (0, 0));
    let c = s.access().counters().clone();
    assert_eq!((c.accepted, c.setups_sent, c.statuses_relayed, c.dropped), (1, 1, 5, 0));

    let mut opts = Options::new(V);
    opts.column_width = 44;
    opts.columns = vec!["WEB".into(), "ACCESS".into(), "ISCP".into(), "SSP-A".into()];
    let ladder = s.sim.ladder(&opts);
    println!("{ladder}");
    for label in
        ["CallInstruction #501 ABC", "#501 accepted", "CallSetup #1 2015550100", "CallStatus #1 calling_c"]
    {
        assert!(ladder.contains(label), "{label} not in\n{ladder}");
    }
    assert!(!ladder.contains("cruise-2027"), "the ladder shows the password:\n{ladder}");
}

#[test]
fn refusals_name_what_was_wrong_and_nothing_reaches_the_network() {
    let mut s = story();
    s.web_sends(&instruction(1, "ABC", "cruise-2026", "2015550100"));
    s.web_sends(&instruction(2, "XYZ", "cruise-2027", "2015550100"));
    s.web_sends(&instruction(3, "ABC", "cruise-2027", "201-555-0100"));
    s.web_sends(&instruction(4, "ABC", "cruise-2027", "2125550142"));
    let (web, ss7) = s.run(20 * MS);
    let got: Vec<_> = web.iter().map(refusal).collect();
    assert_eq!(got[0].1, Refusal::WrongPassword { business: "ABC".into() });
    assert_eq!(got[0].2, r#"wrong password for business "ABC""#);
    assert_eq!(got[1].1, Refusal::UnknownBusiness { business: "XYZ".into() });
    assert_eq!(got[1].2, r#"business "XYZ" is not a subscriber"#);
    assert_eq!(
        got[2].1,
        Refusal::BadNumber {
            field: "customer".into(),
            number: "201-555-0100".into(),
            why: "'-' at position 3 is not a digit".into()
        }
    );
    assert_eq!(got[2].2, r#"customer number "201-555-0100" is not valid: '-' at position 3 is not a digit"#);
    assert_eq!(
        got[3].2,
        r#"representative number "2125550142" is not valid: it is the customer's own number"#
    );
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(ss7.is_empty());
    assert_eq!(s.sim.element::<Iscp>(s.iscp).unwrap().counters().initiated, 0);
    assert_eq!(s.access().counters().setups_sent, 0);

    // With the OSN link to the ISCP down, even a good instruction is refused.
    s.sim.link_down(s.osn_to_iscp);
    s.web_sends(&instruction(5, "ABC", "cruise-2027", "2015550100"));
    let (web, _) = s.run(20 * MS);
    assert_eq!(refusal(&web[0]).2, "the OSN link to the network is down");
}

#[test]
fn a_future_contact_time_holds_the_call_until_then() {
    let mut s = story();
    let at = |secs: u64| OsnMessage::CallInstruction {
        request_id: 77,
        equipment: "198.51.100.20".into(),
        business: "ABC".into(),
        password: "cruise-2027".into(),
        customer: "2015550100".into(),
        representative: "2125550142".into(),
        contact_at: Some(T0 + secs),
    };
    // Eight days ahead is too far; a quarter of an hour is fine.
    s.web_sends(&at(8 * 86_400));
    let (web, _) = s.run(20 * MS);
    assert_eq!(
        refusal(&web[0]).1,
        Refusal::ContactTooFar {
            contact_at: T0 + 8 * 86_400,
            latest: T0 + 7 * 86_400,
            max_hold_s: 7 * 86_400
        }
    );
    s.web_sends(&at(900));
    let (web, ss7) = s.run(20 * MS);
    assert_eq!(
        web,
        [OsnMessage::CallInstructionResult {
            request_id: 77,
            result: InstructionResult::Accepted { held_until: Some(T0 + 900) }
        }]
    );
    assert!(ss7.is_empty());
    assert_eq!(s.access().calls(), (0, 1));

    // Nothing happens before the contact time...
    let (web, ss7) = s.run(Duration::from_secs(899));
    assert!(web.is_empty() && ss7.is_empty());
    // ...then the network calls the customer.
    let (web, ss7) = s.run(2 * SEC);
    assert_eq!(statuses(&web, 77), [CallStatus::CallingCustomer]);
    let (_, _, ops) = ansi_view(&ss7[0]);
    assert_eq!(ops[0].opcode, AinOpcode::CreateCall);
    assert_eq!(s.access().calls(), (1, 0));
    let setup_at = s
        .sim
        .events()
        .iter()
        .find(|e| matches!(e.event.kind, ainsim_elements::EventKind::CallAttempt { .. }));
    assert_eq!(setup_at.unwrap().at.micros(), 900_000_000);

    // SSP-A never reports back: the ISCP gives up on its dialogue (the
    // dialogue timeout plus the customer's ringing time) and says so.
    let (web, _) = s.run(40 * SEC);
    assert_eq!(statuses(&web, 77), [CallStatus::Failed { reason: "dialogue timeout".into() }]);
    assert_eq!(s.access().calls(), (0, 0));
}

#[test]
fn the_business_concurrency_limit_is_kept() {
    let mut s = story();
    for id in 1..=3 {
        s.web_sends(&instruction(id, "ABC", "cruise-2027", &format!("201555010{id}")));
    }
    let (web, ss7) = s.run(20 * MS);
    let results: Vec<_> =
        web.iter().filter(|m| matches!(m, OsnMessage::CallInstructionResult { .. })).collect();
    assert_eq!(results.len(), 3);
    assert_eq!(refusal(results[2]).1, Refusal::TooManyCalls { business: "ABC".into(), limit: 2 });
    assert_eq!(ss7.len(), 2);
}
