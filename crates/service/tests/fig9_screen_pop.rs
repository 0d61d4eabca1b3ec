//! The seed's Fig. 9 path with a screen pop, end to end in simulated time
//! through the real servers: the shopper's page posts the call request
//! straight to the access server's front, the network's own ACD picks the
//! cruise expert, the front posts the signed pop to ABC's web server
//! (`/api/screen-pops`), the expert's console pops over its usual event
//! stream, and the network calls the shopper and the expert and bridges
//! them. A pop that fails is audited and does not hold the call up.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ainsim_business::demo as abc;
use ainsim_elements::osn::CallStatus;
use ainsim_service::{Harness, HarnessConfig};
use serde_json::{json, Value};

fn start() -> (Harness, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(&HarnessConfig::new(), dir.path()).unwrap();
    (h, dir)
}

/// The cruise page's Fig. 9 request: the shopper saw the flights page first.
fn fig9_request() -> Value {
    json!({
        "equipment": "127.0.0.1",
        "business": "ABC",
        "page": {
            "page": {"url": "/cruises", "title": "Caribbean cruises", "skill": "cruise"},
            "recently_viewed": [{"url": "/flights", "title": "Flights"}]
        },
        "customer_number": abc::SHOPPER,
    })
}

/// Runs until the network reports `connected` for front request `id`.
fn run_until_connected(h: &mut Harness, id: u64) {
    let until = h.now().after(Duration::from_secs(120));
    let connected =
        |h: &Harness| h.statuses().iter().any(|(_, c, s)| *c == id && matches!(s, CallStatus::Connected));
    let stopped = h.run_while(until, |h| !connected(h)).unwrap();
    let states: Vec<_> =
        h.statuses().iter().filter(|(_, c, _)| *c == id).map(|(_, _, s)| s.clone()).collect();
    assert!(stopped, "request {id} not bridged: {states:?}");
}

fn pops(h: &Harness, agent: &str) -> Vec<Value> {
    h.console_events()
        .into_iter()
        .filter(|(a, e, _)| a == agent && e == "pop")
        .map(|(_, _, d)| serde_json::from_str(&d).unwrap())
        .collect()
}

fn audit(h: &Harness) -> Vec<(String, u16, Option<u64>)> {
    h.front
        .with_gateway(|g| g.audit().unwrap())
        .into_iter()
        .filter(|a| a.outcome.starts_with("screen_pop"))
        .map(|a| (a.outcome, a.status, a.request_id))
        .collect()
}

#[test]
fn the_networks_acd_pops_the_cruise_experts_console_and_the_call_is_bridged() {
    let (mut h, _dir) = start();
    assert_eq!(h.http("POST", "/api/representatives/cruise-1/login", None).unwrap().0, 200);
    h.open_console("cruise-1");
    let (status, setup) = h.direct_setup(Some("")).unwrap();
    assert_eq!(status, 200, "{setup}");

    let (status, answer) = h.front_post("/v1/call-requests", &fig9_request()).unwrap();
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["representative"].as_str(), Some("cruise-1"), "{answer}");
    let id = answer["request_id"].as_u64().unwrap();

    // The pop came before the network has even called the shopper.
    let got = pops(&h, "cruise-1");
    assert_eq!(got.len(), 1, "{got:?}");
    let pop = &got[0];
    assert_eq!(pop["via"].as_str(), Some("network"), "{pop}");
    assert_eq!(pop["request_id"].as_u64(), Some(id), "{pop}");
    assert_eq!(pop["customer"]["number"].as_str(), Some(abc::SHOPPER), "{pop}");
    assert_eq!(pop["page"]["page"]["url"].as_str(), Some("/cruises"), "{pop}");
    let viewed: Vec<_> =
        pop["customer"]["recently_viewed"].as_array().unwrap().iter().map(|p| p["url"].clone()).collect();
    assert!(viewed.contains(&json!("/flights")) && viewed.contains(&json!("/cruises")), "{pop}");
    assert!(!h.statuses().iter().any(|(_, c, _)| *c == id), "the pop should precede the call");
    assert_eq!(audit(&h), [("screen_pop_delivered".to_owned(), 202, Some(id))]);

    run_until_connected(&mut h, id);

    // The representative reports the outcome against the popped call (Fig. 6 step 614).
    let call = pop["call"].as_u64().unwrap();
    let result =
        json!({"representative": "cruise-1", "result": {"kind": "note", "text": "booked the balcony cabin"}});
    let (status, rec) = h.http("POST", &format!("/api/calls/{call}/result"), Some(&result)).unwrap();
    assert_eq!(status, 201, "{rec}");
    assert_eq!(rec["customer"].as_str(), Some(abc::SHOPPER), "{rec}");
    h.shutdown();
}

#[test]
fn a_pop_the_web_server_refuses_is_audited_and_the_call_goes_on() {
    let (mut h, _dir) = start();
    h.open_console("cruise-1");
    // The web server knows another key: every pop is refused (401).
    h.web.accept_network_pops("ABC", b"not the key the front signs with");
    assert_eq!(h.direct_setup(Some("")).unwrap().0, 200);
    let (status, answer) = h.front_post("/v1/call-requests", &fig9_request()).unwrap();
    assert_eq!(status, 202, "{answer}");
    let id = answer["request_id"].as_u64().unwrap();
    assert_eq!(audit(&h), [("screen_pop_failed".to_owned(), 401, Some(id))]);
    assert!(pops(&h, "cruise-1").is_empty());
    run_until_connected(&mut h, id);
    h.shutdown();
}

#[test]
fn a_pop_nobody_answers_is_audited_and_the_call_goes_on() {
    let (mut h, _dir) = start();
    // A setup with a URL that is not one is refused.
    let (status, body) = h.direct_setup(Some("ftp://abc.example/pops")).unwrap();
    assert_eq!((status, body["error"].as_str()), (400, Some("malformed")), "{body}");
    // Nobody listening at all: audited with no status, and bridged all the same.
    assert_eq!(h.direct_setup(Some("http://127.0.0.1:9/api/screen-pops")).unwrap().0, 200);
    let (status, answer) = h.front_post("/v1/call-requests", &fig9_request()).unwrap();
    assert_eq!(status, 202, "{answer}");
    let id = answer["request_id"].as_u64().unwrap();
    assert_eq!(audit(&h), [("screen_pop_failed".to_owned(), 0, Some(id))]);
    run_until_connected(&mut h, id);
    h.shutdown();
}
