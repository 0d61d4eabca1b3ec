//! Stories of ABC Travel's web server (in memory; the sled story is in
//! tests/persistence.rs).

use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage, Refusal};
use ainsim_store::MemStore;

use super::*;
use crate::demo;
use crate::model::{Contact, OrderLine};

fn secs(s: u64) -> Instant {
    Instant(s * 1_000_000)
}

const START: u64 = 1_795_910_400; // 2026-11-28 00:00 UTC

/// ABC Travel with both representatives logged in.
fn abc(flights_at_home: bool) -> BusinessServer {
    let mut s = BusinessServer::open(
        Box::new(MemStore::new()),
        demo::config("198.51.100.20", START, 1),
        Instant::ZERO,
    )
    .expect("open");
    for r in demo::representatives(flights_at_home) {
        s.put_representative(r).expect("representative");
    }
    s.set_status(secs(1), "cruise-1", Status::Available).expect("log in");
    s.set_status(secs(2), "flights-1", Status::Available).expect("log in");
    s
}

fn instructions(a: &[Action]) -> Vec<(String, OsnMessage)> {
    a.iter()
        .filter_map(|x| match x {
            Action::Instruction { agent, message, .. } => Some((agent.clone(), message.clone())),
            _ => None,
        })
        .collect()
}

fn request_id(m: &OsnMessage) -> u64 {
    match m {
        OsnMessage::CallInstruction { request_id, .. } => *request_id,
        _ => u64::MAX,
    }
}

fn rep_number(m: &OsnMessage) -> String {
    match m {
        OsnMessage::CallInstruction { representative, .. } => representative.clone(),
        _ => String::new(),
    }
}

#[test]
fn the_shopper_on_the_cruise_page_is_called_with_the_cruise_expert_and_buys_a_cruise() {
    let mut s = abc(false);
    let (call, actions) = s.web_request(secs(10), &demo::cruise_request()).expect("request");
    // Fig. 8, built for the cruise expert.
    let sent = instructions(&actions);
    assert_eq!(
        sent,
        [(
            "cruise-1".to_owned(),
            OsnMessage::CallInstruction {
                request_id: 0,
                equipment: "198.51.100.20".into(),
                business: "ABC".into(),
                password: "cruise-2027".into(),
                customer: "2015550100".into(),
                representative: "2125550142".into(),
                contact_at: None,
            }
        )]
    );
    // Step 612: the screen pop carries the customer and the pages they saw.
    let pop = actions.iter().find_map(|a| match a {
        Action::ScreenPop { pop } => Some(pop.clone()),
        _ => None,
    });
    let pop = pop.expect("a screen pop");
    assert_eq!((pop.agent.as_str(), pop.customer.number.as_str()), ("cruise-1", "2015550100"));
    let urls: Vec<_> = pop.customer.recently_viewed.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(urls, ["/flights", "/cruises"]);
    assert_eq!(pop.note, "Is there a cabin with a balcony?");

    // The network does its part.
    let r = request_id(&sent[0].1);
    assert_eq!(s.call_of_request(r), Some(call));
    let live = s.active_calls();
    assert_eq!(live.len(), 1);
    assert!(
        matches!(&live[0].phase, Some(CallPhase::Offered { agent, .. }) if agent == "cruise-1"),
        "{live:?}"
    );
    assert_eq!(
        s.instruction_result(secs(10), r, &InstructionResult::Accepted { held_until: None }).ok(),
        Some(vec![])
    );
    for st in [
        CallStatus::CallingCustomer,
        CallStatus::CustomerAnswered,
        CallStatus::Announcing,
        CallStatus::CallingRepresentative,
        CallStatus::Connected,
    ] {
        s.call_status(secs(20), r, &st).expect("status");
    }
    assert_eq!(s.agent("cruise-1").map(|a| a.status), Some(Status::OnCall));
    s.call_status(secs(300), r, &CallStatus::Released).expect("released");
    assert_eq!(s.agent("cruise-1").map(|a| a.status), Some(Status::WrapUp));
    assert!(s.active_calls().is_empty());
    assert_eq!(s.call(call).map(|c| (c.answered, c.finished)), Some((true, true)));

    // Steps 614-616: the representative sends the order back.
    let lines =
        vec![OrderLine { item: "7-night Caribbean cruise".into(), quantity: 2, unit_price_cents: 129_900 }];
    let rec = s.record_result(secs(310), call, "cruise-1", CallResult::Order { lines }).expect("order");
    assert_eq!(rec.order, Some(0));
    let orders = s.orders().expect("orders");
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].total_cents(), 259_800);
    assert_eq!(s.call_records().expect("records"), [rec]);
    assert_eq!(s.poll_timeout(), Some(secs(310)), "wrap-up ends 10 s after the call");
}

#[test]
fn the_cruise_expert_is_busy_so_the_flights_expert_at_home_takes_it_on_the_mobile_after_20_s() {
    let mut s = abc(true);
    let (call, a) = s.web_request(secs(10), &demo::cruise_request()).expect("request");
    let r = request_id(&instructions(&a)[0].1);
    s.call_status(secs(12), r, &CallStatus::CallingRepresentative).expect("status");
    let a = s
        .call_status(secs(14), r, &CallStatus::Failed { reason: "representative busy".into() })
        .expect("failed");
    assert!(
        matches!(a.as_slice(), [Action::Queued { call: c, position: 0, .. }] if *c == call),
        "no other cruise expert yet: {a:?}"
    );
    assert_eq!(s.agent("cruise-1").map(|a| a.missed), Some(1));
    // The second tier opens 20 s after the call went back in line.
    assert_eq!(s.poll_timeout(), Some(secs(34)));
    let a = s.handle_timeout(secs(34)).expect("timeout");
    let sent = instructions(&a);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "flights-1");
    assert_eq!(rep_number(&sent[0].1), "9175550123");
    assert_ne!(request_id(&sent[0].1), r, "a new request id for the new attempt");
    // The old attempt's late news is ignored.
    assert!(matches!(
        s.call_status(secs(35), r, &CallStatus::Released),
        Err(BusinessError::UnknownRequest(_))
    ));
}

#[test]
fn a_fig9_request_gets_the_representative_the_page_named() {
    let mut s = abc(false);
    let req = EquipmentCallRequest {
        equipment: "198.51.100.20".into(),
        business: "ABC".into(),
        page: PageContext { page: demo::cruise_page(), recently_viewed: vec![] },
        customer_number: demo::SHOPPER.into(),
        representative: Some("flights-1".into()),
        desired_contact_time: None,
    };
    let (_, a) = s.equipment_request(secs(5), &req).expect("request");
    assert_eq!(instructions(&a)[0].0, "flights-1");
    // Representative info that is not an id is taken as the skill.
    let req2 = EquipmentCallRequest { representative: Some("cruise".into()), ..req.clone() };
    let (_, a) = s.equipment_request(secs(6), &req2).expect("request");
    assert_eq!(instructions(&a)[0].0, "cruise-1");
    let other = EquipmentCallRequest { business: "XYZ".into(), ..req };
    match s.equipment_request(secs(7), &other) {
        Err(BusinessError::Invalid(f)) => assert_eq!(f.field, "business"),
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn a_customer_who_does_not_answer_fails_the_call_and_frees_the_representative() {
    let mut s = abc(false);
    let (call, a) = s.web_request(secs(10), &demo::cruise_request()).expect("request");
    let r = request_id(&instructions(&a)[0].1);
    s.call_status(secs(11), r, &CallStatus::CallingCustomer).expect("status");
    let a =
        s.call_status(secs(40), r, &CallStatus::Failed { reason: "customer no answer".into() }).expect("f");
    assert_eq!(a, [Action::Failed { call, reason: "customer no answer".into() }]);
    assert_eq!(s.agent("cruise-1").map(|a| (a.status, a.call)), Some((Status::Available, None)));
}

#[test]
fn a_refused_instruction_fails_the_call() {
    let mut s = abc(false);
    let (call, a) = s.web_request(secs(10), &demo::cruise_request()).expect("request");
    let r = request_id(&instructions(&a)[0].1);
    let refused = InstructionResult::refused(Refusal::WrongPassword { business: "ABC".into() });
    let a = s.instruction_result(secs(10), r, &refused).expect("result");
    assert!(matches!(a.as_slice(), [Action::Failed { call: c, .. }] if *c == call), "{a:?}");
    assert_eq!(s.agent("cruise-1").map(|a| a.call), Some(None));
}

#[test]
fn a_desired_contact_time_makes_a_callback_that_is_called_on_time() {
    let mut s = abc(false);
    let req = WebCallRequest { desired_contact_time: Some(START + 3600), ..demo::cruise_request() };
    let (call, a) = s.web_request(secs(10), &req).expect("request");
    assert_eq!(a, [Action::Scheduled { call, due_unix: START + 3600 }]);
    assert_eq!(s.callbacks().expect("callbacks"), [(call, START + 3600, demo::SHOPPER.to_owned())]);
    assert_eq!(s.poll_timeout(), Some(secs(3600)));
    let a = s.handle_timeout(secs(3600)).expect("timeout");
    assert_eq!(instructions(&a)[0].0, "cruise-1");
    assert!(s.callbacks().expect("callbacks").is_empty(), "offered: no longer pending");
    // A time in the past means now.
    let req = WebCallRequest { desired_contact_time: Some(START), ..demo::cruise_request() };
    let (_, a) = s.web_request(secs(3700), &req).expect("request");
    assert!(matches!(a.first(), Some(Action::Instruction { .. }) | Some(Action::Queued { .. })), "{a:?}");
}

#[test]
fn bad_input_is_refused_with_the_field_named() {
    let mut s = abc(false);
    let bad = WebCallRequest { customer_number: Some("555-0100".into()), ..demo::cruise_request() };
    match s.web_request(secs(1), &bad) {
        Err(BusinessError::Invalid(f)) => assert_eq!(f.field, "customer_number"),
        other => panic!("not refused: {other:?}"),
    }
    let mut rep = demo::representatives(false).remove(0);
    rep.office = Some(Contact::Phone("12".into()));
    match s.put_representative(rep) {
        Err(BusinessError::Invalid(f)) => assert_eq!(f.field, "office.phone"),
        other => panic!("not refused: {other:?}"),
    }
    let unknown = WebCallRequest {
        customer_number: None,
        customer_id: Some("nobody".into()),
        ..demo::cruise_request()
    };
    assert!(matches!(s.web_request(secs(1), &unknown), Err(BusinessError::UnknownCustomer(_))));
}

#[test]
fn a_known_customer_id_stands_in_for_the_number_and_brings_their_priority() {
    let mut s = abc(false);
    let vip = Customer { id: Some("cust-17".into()), priority: 9, ..Customer::new("2015550101") };
    s.put_customer(&vip).expect("customer");
    // Both representatives busy with ordinary callers.
    s.set_status(secs(3), "flights-1", Status::OnBreak).expect("break");
    s.web_request(secs(4), &demo::cruise_request()).expect("first");
    s.web_request(secs(5), &demo::cruise_request()).expect("second waits");
    let req = WebCallRequest {
        customer_number: None,
        customer_id: Some("cust-17".into()),
        ..demo::cruise_request()
    };
    let (call, a) = s.web_request(secs(6), &req).expect("vip");
    assert!(
        matches!(a.as_slice(), [Action::Queued { position: 0, .. }]),
        "the VIP goes first in line: {a:?}"
    );
    assert_eq!(s.acd().queue().first(), Some(&call));
}

#[test]
fn only_the_representative_who_had_the_call_records_its_result() {
    let mut s = abc(false);
    let (call, _) = s.web_request(secs(10), &demo::cruise_request()).expect("request");
    let note = CallResult::Note { text: "wants to think".into() };
    assert!(matches!(
        s.record_result(secs(20), call, "flights-1", note.clone()),
        Err(BusinessError::NotYourCall { .. })
    ));
    assert!(matches!(
        s.record_result(secs(20), CallId(99), "cruise-1", note.clone()),
        Err(BusinessError::UnknownCall(_))
    ));
    let empty = CallResult::Complaint { text: " ".into() };
    assert!(matches!(s.record_result(secs(20), call, "cruise-1", empty), Err(BusinessError::Invalid(_))));
    s.record_result(secs(20), call, "cruise-1", note).expect("note");
}

#[test]
fn cancelling_a_ringing_call_frees_the_representative_for_the_next_in_line() {
    let mut s = abc(false);
    s.set_status(secs(3), "flights-1", Status::LoggedOut).expect("out");
    let (first, _) = s.web_request(secs(4), &demo::cruise_request()).expect("first");
    let (second, a) = s.web_request(secs(5), &demo::cruise_request()).expect("second");
    assert!(matches!(a.as_slice(), [Action::Queued { estimated_wait_ms: Some(180_000), .. }]), "{a:?}");
    let a = s.cancel(secs(6), first).expect("cancel");
    assert!(a.contains(&Action::Abandoned { call: first, reason: AbandonReason::Cancelled }));
    let sent = instructions(&a);
    assert_eq!(sent.len(), 1, "{a:?}");
    assert_eq!(s.acd().call_agent(second), Some("cruise-1"));
}

#[test]
fn the_documented_settings_read() {
    let cfg: BusinessConfig = serde_json::from_str(
        r#"{"business": "abc-travel", "password": "cruise-ship-7", "equipment": "ias.telco.example",
            "server": "abc-travel.example", "unix_time_at_start": 1795910400, "seed": 1,
            "acd": {"strategy": "longest_idle"}}"#,
    )
    .expect("business config");
    assert_eq!(cfg.acd, AcdConfig::default());
    let acd: AcdConfig = serde_json::from_str(
        r#"{"strategy": "longest_idle", "fixed_order": [],
            "tiers": [{"after_ms": 0, "max_level": 1}, {"after_ms": 20000, "max_level": 3}, {"after_ms": 60000}],
            "wrap_up_ms": 10000, "max_missed": 3, "soon_free_ms": 5000,
            "max_wait_ms": 600000, "default_handle_ms": 180000, "handle_window": 20}"#,
    )
    .expect("acd config");
    assert_eq!(acd, AcdConfig::default());
    assert!(serde_json::from_str::<AcdConfig>(r#"{"strategy": "shortest_queue"}"#).is_err());
}

#[test]
fn a_busy_cruise_expert_while_the_shopper_holds_brings_the_flights_expert_as_next_representative() {
    let mut s = abc(true);
    let (call, a) = s.web_request(secs(10), &demo::cruise_request()).expect("request");
    let r = request_id(&instructions(&a)[0].1);
    s.call_status(secs(12), r, &CallStatus::CallingRepresentative).expect("status");
    let a = s
        .call_status(
            secs(14),
            r,
            &CallStatus::RepresentativeUnavailable {
                representative: "2125550142".into(),
                cause: "busy".into(),
                wait_s: 30,
            },
        )
        .expect("unavailable");
    assert!(matches!(a.as_slice(), [Action::Queued { call: c, .. }] if *c == call), "{a:?}");
    // The second tier opens 20 s later, inside the network's 30 s wait.
    let a = s.handle_timeout(secs(34)).expect("timeout");
    let sent = instructions(&a);
    assert_eq!(
        sent,
        vec![(
            "flights-1".to_owned(),
            OsnMessage::NextRepresentative { call_id: r, representative: "9175550123".into() }
        )],
        "the same network call, not a new one that would ring the shopper again"
    );
    // The network goes on under the same request id.
    s.call_status(secs(36), r, &CallStatus::CallingRepresentative).expect("calling");
    s.call_status(secs(40), r, &CallStatus::Connected).expect("connected");
    assert_eq!(s.call(call).map(|c| (c.agent, c.answered)), Some((Some("flights-1".into()), true)));
}

#[test]
fn a_call_the_networks_acd_routed_is_known_by_a_fresh_id_and_takes_its_result() {
    let mut s = abc(false);
    // One call of the business's own first: the network's must not reuse its id.
    let (own, _) = s.web_request(secs(10), &demo::cruise_request()).expect("request");
    let page = demo::cruise_request().page;
    let pop = s.network_call("cruise-1", demo::SHOPPER, &page, String::new()).expect("network call");
    assert_ne!(pop.call, own);
    assert_eq!((pop.agent.as_str(), pop.customer.number.as_str()), ("cruise-1", demo::SHOPPER));
    let seen: Vec<_> = pop.customer.recently_viewed.iter().map(|p| p.url.clone()).collect();
    assert!(seen.contains(&page.page.url), "{seen:?}");
    // Finished for the ACD (it did not route it); the result is recorded.
    assert!(s.call(pop.call).is_some_and(|c| c.finished));
    let note = CallResult::Note { text: "booked by phone".into() };
    assert!(s.record_result(secs(20), pop.call, "flights-1", note.clone()).is_err());
    assert!(s.record_result(secs(20), pop.call, "cruise-1", note).is_ok());
    // Bad input is refused, naming what.
    let e = s.network_call("nobody", demo::SHOPPER, &page, String::new()).unwrap_err();
    assert!(e.to_string().contains("nobody"), "{e}");
    let e = s.network_call("cruise-1", "12ab", &page, String::new()).unwrap_err();
    assert!(e.to_string().contains("customer"), "{e}");
}
