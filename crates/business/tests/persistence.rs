//! ABC Travel's web server on a real sled database in a temp dir: shut
//! down and started again on the same directory, it still knows its
//! representatives, customers, orders, call results and the callback that
//! was not due yet, which is then made on time, ahead of later callers.

use ainsim_business::{demo, Action, BusinessServer, CallResult, OrderLine, Status, WebCallRequest};
use ainsim_elements::osn::OsnMessage;
use ainsim_elements::Instant;
use ainsim_store::SledStore;

const START: u64 = 1_795_910_400;

fn secs(s: u64) -> Instant {
    Instant(s * 1_000_000)
}

fn open(dir: &std::path::Path, start: u64) -> BusinessServer {
    let store = SledStore::open(dir).expect("sled");
    BusinessServer::open(Box::new(store), demo::config("198.51.100.20", start, 1), Instant::ZERO)
        .expect("open")
}

fn sent_to(a: &[Action]) -> Vec<(String, String)> {
    a.iter()
        .filter_map(|x| match x {
            Action::Instruction { agent, message: OsnMessage::CallInstruction { customer, .. }, .. } => {
                Some((agent.clone(), customer.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_restart_from_the_sled_dir_restores_the_business() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (done, later) = {
        let mut s = open(dir.path(), START);
        for r in demo::representatives(true) {
            s.put_representative(r).expect("representative");
        }
        s.set_status(secs(1), "cruise-1", Status::Available).expect("log in");
        // A call now, answered, with an order.
        let (done, a) = s.web_request(secs(10), &demo::cruise_request()).expect("request");
        assert_eq!(sent_to(&a), [("cruise-1".to_owned(), demo::SHOPPER.to_owned())]);
        s.call_connected(secs(20), done).expect("connected");
        s.call_ended(secs(200), done).expect("ended");
        let lines = vec![OrderLine { item: "Cruise".into(), quantity: 1, unit_price_cents: 99_900 }];
        s.record_result(secs(205), done, "cruise-1", CallResult::Order { lines }).expect("order");
        // A callback for an hour from now.
        let req = WebCallRequest {
            customer_number: Some("2015550101".into()),
            desired_contact_time: Some(START + 3600),
            ..demo::cruise_request()
        };
        let (later, a) = s.web_request(secs(300), &req).expect("callback");
        assert_eq!(a, [Action::Scheduled { call: later, due_unix: START + 3600 }]);
        (done, later)
    }; // dropped: the server is gone

    // Restarted 30 minutes later (a new run: its Instant starts at zero again).
    let restart = START + 1800;
    let mut s = open(dir.path(), restart);
    let ids: Vec<_> = s.representatives().map(|r| r.id.clone()).collect();
    assert_eq!(ids, ["cruise-1", "flights-1"]);
    assert_eq!(s.agent("cruise-1").map(|a| a.status), Some(Status::LoggedOut), "everyone starts logged out");
    let shopper = s.customer(demo::SHOPPER).expect("store").expect("the shopper is known");
    assert_eq!(shopper.recently_viewed.len(), 2);
    assert_eq!(s.orders().expect("orders").len(), 1);
    assert_eq!(s.call_records().expect("records").first().map(|r| r.call), Some(done.0));
    assert_eq!(s.callbacks().expect("callbacks"), [(later, START + 3600, "2015550101".to_owned())]);

    // A new caller asks at once, before the callback is due; nobody is in.
    let (newer, a) = s.web_request(secs(1700), &demo::cruise_request()).expect("request");
    assert!(newer.0 > later.0, "ids go on where they stopped");
    assert!(matches!(a.as_slice(), [Action::Queued { .. }]), "{a:?}");
    // The callback comes due 30 minutes into the new run and goes ahead of it.
    let mut actions = Vec::new();
    while let Some(t) = s.poll_timeout().filter(|t| *t <= secs(1800)) {
        actions.extend(s.handle_timeout(t).expect("timeout"));
    }
    assert_eq!(s.acd().queue(), [later, newer], "the callback keeps its place in line");
    let a = s.set_status(secs(1801), "cruise-1", Status::Available).expect("log in");
    assert_eq!(sent_to(&a), [("cruise-1".to_owned(), "2015550101".to_owned())]);
    assert!(s.callbacks().expect("callbacks").is_empty());
}
