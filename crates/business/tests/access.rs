//! ABC Travel's call initiation message is taken by the real Internet
//! access server element: accepted, handed to the network as a call setup
//! for the shopper and the cruise expert, and the network's statuses come
//! back to the business server under its own request id.

use ainsim_business::{demo, Action, BusinessServer, Status};
use ainsim_elements::access::hash_password;
use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage};
use ainsim_elements::{AccessConfig, AccessServer, Business, Element, Input, Instant, Output, Outputs, Port};
use ainsim_store::MemStore;

const CLIENT: Port = Port(1);
const NET: Port = Port(9);

fn secs(s: u64) -> Instant {
    Instant(s * 1_000_000)
}

fn access() -> AccessServer {
    let mut cfg = AccessConfig::new("IAS", vec![CLIENT], NET);
    // Cheap argon2 parameters: the test is about the message, not the cost.
    let hash = hash_password("cruise-2027", b"ABC-example-salt", 8, 1).expect("hash");
    cfg.businesses.push(Business::new("ABC", hash));
    AccessServer::new(cfg).expect("access server")
}

fn sent(out: &mut Outputs) -> Vec<(Port, OsnMessage)> {
    out.drain()
        .filter_map(|o| match o {
            Output::Send { port, bytes } => OsnMessage::parse(&bytes).ok().map(|m| (port, m)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_access_server_takes_abc_travels_instruction_and_relays_the_network_back() {
    let mut abc =
        BusinessServer::open(Box::new(MemStore::new()), demo::config("198.51.100.20", 0, 1), Instant::ZERO)
            .expect("open");
    for r in demo::representatives(false) {
        abc.put_representative(r).expect("representative");
    }
    abc.set_status(secs(1), "cruise-1", Status::Available).expect("log in");
    let (call, actions) = abc.web_request(secs(2), &demo::cruise_request()).expect("request");
    let Some(Action::Instruction { message, .. }) =
        actions.into_iter().find(|a| matches!(a, Action::Instruction { .. }))
    else {
        panic!("no instruction")
    };

    let mut ias = access();
    let mut out = Outputs::new();
    ias.handle(secs(2), Input::Recv { port: CLIENT, bytes: &message.emit() }, &mut out);
    let got = sent(&mut out);
    let (request_id, result) = match &got[0] {
        (CLIENT, OsnMessage::CallInstructionResult { request_id, result }) => (*request_id, result.clone()),
        other => panic!("not an answer: {other:?}"),
    };
    assert_eq!(result, InstructionResult::Accepted { held_until: None });
    let ias_call = match &got[1] {
        (NET, OsnMessage::CallSetup { call_id, business, customer, representative, .. }) => {
            assert_eq!(
                (business.as_str(), customer.as_str(), representative.as_str()),
                ("ABC", "2015550100", "2125550142")
            );
            *call_id
        }
        other => panic!("not a setup: {other:?}"),
    };
    assert!(abc.instruction_result(secs(2), request_id, &result).expect("result").is_empty());

    // The network reports; the access server relays under the business's request id.
    for (t, status) in
        [(3, CallStatus::CallingCustomer), (6, CallStatus::CallingRepresentative), (9, CallStatus::Connected)]
    {
        let frame = OsnMessage::CallStatus { call_id: ias_call, status }.emit();
        ias.handle(secs(t), Input::Recv { port: NET, bytes: &frame }, &mut out);
        for (port, m) in sent(&mut out) {
            if let (CLIENT, OsnMessage::CallStatus { call_id, status }) = (port, m) {
                abc.call_status(secs(t), call_id, &status).expect("status");
            }
        }
    }
    assert_eq!(abc.acd().call_agent(call), Some("cruise-1"));
    assert_eq!(abc.agent("cruise-1").map(|a| a.status), Some(Status::OnCall));
    assert!(abc.call(call).is_some_and(|c| c.answered));
}
