//! Click-to-call end to end in simulated time, through the real servers:
//! the shopper's browser posts to ABC Travel's web server, its ACD picks a
//! representative, its signed instruction crosses the access server's HTTP
//! front, and the emulated network (default topology) calls the shopper and
//! the representative. Each story checks what the business, the consoles,
//! the front's audit log and the network saw.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ainsim_business::{demo as abc, CallId, CallSummary, WebCallRequest};
use ainsim_elements::osn::CallStatus;
use ainsim_runtime::topology::Topology;
use ainsim_service::demo::{self, DemoOptions};
use ainsim_service::{Harness, HarnessConfig};
use ainsim_wire::Variant;

const S: Duration = Duration::from_secs(1);
const CRUISE_EXPERT: &str = "2125550142";

fn start(cfg: &HarnessConfig) -> (Harness, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start(cfg, dir.path()).unwrap();
    (h, dir)
}

/// Both representatives log in and their consoles listen.
fn open_for_business(h: &mut Harness) {
    for rep in ["cruise-1", "flights-1"] {
        let (status, _) = h.http("POST", &format!("/api/representatives/{rep}/login"), None).unwrap();
        assert_eq!(status, 200);
        h.open_console(rep);
    }
}

fn click(h: &mut Harness, req: &WebCallRequest) -> (CallId, String) {
    let (status, answer) =
        h.http("POST", "/api/call-requests", Some(&serde_json::to_value(req).unwrap())).unwrap();
    assert_eq!(status, 202, "{answer}");
    (CallId(answer["call"].as_u64().unwrap()), answer["state"].as_str().unwrap().to_owned())
}

fn summary(h: &Harness, call: CallId) -> CallSummary {
    h.web.with_server(|s, _| s.call(call)).unwrap()
}

fn run_until_finished(h: &mut Harness, call: CallId, limit: Duration) {
    let until = h.now().after(limit);
    let stopped = h.run_while(until, |h| !summary(h, call).finished).unwrap();
    assert!(stopped, "call {call} still going after {limit:?}: {:?}", summary(h, call));
}

fn states(h: &Harness) -> Vec<String> {
    h.statuses()
        .iter()
        .map(|(_, _, s)| serde_json::to_value(s).unwrap()["state"].as_str().unwrap().to_owned())
        .collect()
}

fn console(h: &Harness, agent: &str) -> Vec<String> {
    h.console_events().into_iter().filter(|(a, e, _)| a == agent && e != "hello").map(|(_, e, _)| e).collect()
}

fn counter(h: &Harness, node: &str, name: &str) -> u64 {
    let n = h.net.node(node).unwrap();
    h.net.sim.counters(n).into_iter().find(|(k, _)| k == name).map_or(0, |(_, v)| v)
}

/// The front's audit log, without the opening of the business's status stream.
fn audit(h: &Harness) -> Vec<String> {
    h.front
        .with_gateway(|g| g.audit().unwrap())
        .into_iter()
        .filter(|a| a.path != "/v1/events")
        .map(|a| a.outcome)
        .collect()
}

#[test]
fn the_demo_tells_the_whole_story_in_both_variants_and_repeats_byte_for_byte() {
    for variant in [Variant::Itu, Variant::Ansi] {
        let opts = DemoOptions { variant, seed: 5, topology: None };
        let a = demo::run(&opts).unwrap();
        let failed: Vec<_> = a.checks.iter().filter(|c| !c.ok).collect();
        assert!(a.ok(), "{variant}: {failed:#?}");
        assert!(a.checks.len() >= 10);
        let b = demo::run(&opts).unwrap();
        assert_eq!(a.steps, b.steps, "{variant}: the transcript differs between two runs");
        assert_eq!(a.ladder, b.ladder, "{variant}");
        assert_eq!(a.pcap, b.pcap, "{variant}");
        assert_eq!(a.console, b.console, "{variant}");
    }
}

#[test]
fn a_busy_cruise_expert_hands_the_waiting_shopper_to_the_flights_expert_without_calling_the_shopper_again() {
    let mut t = Topology::default_fig1();
    t.phone_mut(CRUISE_EXPERT).when_called = ainsim_elements::WhenCalled::Busy;
    t.phone_mut(abc::SHOPPER).holding = Some(60 * S);
    let (mut h, _dir) = start(&HarnessConfig { topology: t, ..HarnessConfig::new() });
    open_for_business(&mut h);
    let (call, state) = click(&mut h, &abc::cruise_request());
    assert_eq!(state, "calling");
    assert_eq!(summary(&h, call).agent.as_deref(), Some("cruise-1"));
    run_until_finished(&mut h, call, 300 * S);

    let s = summary(&h, call);
    assert_eq!((s.agent.as_deref(), s.answered), (Some("flights-1"), true), "{s:?}");
    let st = states(&h);
    assert!(st.contains(&"representative_unavailable".to_owned()), "{st:?}");
    assert_eq!(
        st.iter().filter(|s| *s == "calling_customer").count(),
        1,
        "the shopper was called once: {st:?}"
    );
    assert_eq!(st.last().map(String::as_str), Some("released"), "{st:?}");
    assert_eq!(counter(&h, "ACCESS", "next_representatives"), 1);
    assert!(h.steps().iter().any(|s| s.text.contains("next-representative -> 202")), "{:#?}", h.steps());
    assert_eq!(console(&h, "cruise-1"), ["pop"]);
    assert_eq!(console(&h, "flights-1"), ["pop"]);
    h.shutdown();
}

#[test]
fn a_shopper_who_does_not_answer_fails_the_call_and_frees_the_representative() {
    let mut t = Topology::default_fig1();
    t.phone_mut(abc::SHOPPER).when_called = ainsim_elements::WhenCalled::NoAnswer;
    let (mut h, _dir) = start(&HarnessConfig { topology: t, ..HarnessConfig::new() });
    open_for_business(&mut h);
    let (call, _) = click(&mut h, &abc::cruise_request());
    run_until_finished(&mut h, call, 900 * S);

    let st = states(&h);
    assert!(!st.contains(&"calling_representative".to_owned()), "{st:?}");
    assert!(matches!(h.statuses().last(), Some((_, _, CallStatus::Failed { .. }))), "{st:?}");
    assert!(!summary(&h, call).answered);
    assert_eq!(console(&h, "cruise-1"), ["pop", "failed"]);
    // The cruise expert is free for the next shopper.
    let (_, body) = h.http("GET", "/api/representatives/cruise-1", None).unwrap();
    assert_eq!(body["representative"]["status"], "available", "{body}");
    assert!(body["pop"].is_null(), "the failed call no longer shows: {body}");
    h.shutdown();
}

#[test]
fn the_business_cancels_while_the_representative_rings_and_everything_is_torn_down() {
    let mut t = Topology::default_fig1();
    t.phone_mut(CRUISE_EXPERT).when_called = ainsim_elements::WhenCalled::NoAnswer;
    let (mut h, _dir) = start(&HarnessConfig { topology: t, ..HarnessConfig::new() });
    open_for_business(&mut h);
    let (call, _) = click(&mut h, &abc::cruise_request());
    let until = h.now().after(120 * S);
    h.run_while(until, |h| !states(h).contains(&"calling_representative".to_owned())).unwrap();
    h.run_for(2 * S).unwrap();

    let (status, body) = h.http("POST", &format!("/api/calls/{}/cancel", call.0), None).unwrap();
    assert_eq!((status, body["state"].as_str()), (200, Some("cancelled")), "{body}");
    h.run_for(30 * S).unwrap();

    assert_eq!(states(&h).last().map(String::as_str), Some("cancelled"), "{:?}", states(&h));
    assert_eq!(counter(&h, "ACCESS", "cancels"), 1);
    assert_eq!(console(&h, "cruise-1"), ["pop", "cancelled"]);
    let trace = h.net.sim.trace();
    let label = |e: &ainsim_runtime::TraceEntry| ainsim_runtime::ladder::label(e.kind, &e.bytes, h.variant);
    let iams =
        trace.iter().filter(|e| e.kind == ainsim_runtime::LinkKind::Ss7 && label(e).contains("IAM")).count();
    let rlcs =
        trace.iter().filter(|e| e.kind == ainsim_runtime::LinkKind::Ss7 && label(e).contains("RLC")).count();
    assert_eq!(iams, rlcs, "every circuit released");
    h.shutdown();
}

#[test]
fn the_flights_expert_at_home_is_reached_on_the_mobile_behind_the_mtso() {
    let mut t = Topology::default_fig1();
    t.phone_mut(abc::SHOPPER).holding = Some(40 * S);
    let (mut h, _dir) = start(&HarnessConfig { topology: t, flights_at_home: true, ..HarnessConfig::new() });
    open_for_business(&mut h);
    let mut req = abc::cruise_request();
    req.page.page = abc::flights_page();
    let (call, _) = click(&mut h, &req);
    run_until_finished(&mut h, call, 300 * S);

    let s = summary(&h, call);
    assert_eq!((s.agent.as_deref(), s.answered), (Some("flights-1"), true), "{s:?}");
    assert!(counter(&h, "MTSO", "page_responses") >= 1);
    h.shutdown();
}

#[test]
fn a_wrong_password_is_refused_at_the_front_audited_and_nothing_reaches_the_network() {
    let cfg = HarnessConfig { password: Some("cruise-2026".into()), ..HarnessConfig::new() };
    let (mut h, _dir) = start(&cfg);
    open_for_business(&mut h);
    let (call, _) = click(&mut h, &abc::cruise_request());

    h.run_for(5 * S).unwrap();

    assert!(summary(&h, call).finished);
    assert_eq!(audit(&h), ["wrong_password"]);
    assert_eq!(h.front.frames_sent(), 0);
    assert_eq!(counter(&h, "ACCESS", "instructions"), 0);
    assert!(h.statuses().is_empty());
    assert!(h.steps().iter().any(|s| s.text.contains("-> 401")), "{:#?}", h.steps());
    assert_eq!(console(&h, "cruise-1"), ["pop", "failed"], "{:#?} {:#?}", h.steps(), h.console_events());
    h.shutdown();
}

#[test]
fn a_representative_on_a_premium_rate_number_is_refused_by_the_number_policy() {
    let (mut h, _dir) = start(&HarnessConfig::new());
    // The cruise expert is reachable only on a 900 number today.
    h.web
        .with_server(|s, _| {
            let mut rep = s.representative("cruise-1").cloned().unwrap();
            rep.office = Some(ainsim_business::Contact::Phone("9005550142".into()));
            s.put_representative(rep)
        })
        .unwrap();
    open_for_business(&mut h);
    let (call, _) = click(&mut h, &abc::cruise_request());
    h.run_for(5 * S).unwrap();

    assert!(summary(&h, call).finished);
    assert_eq!(audit(&h), ["premium_rate"]);
    assert_eq!(h.front.frames_sent(), 0);
    assert_eq!(counter(&h, "ACCESS", "instructions"), 0);
    h.shutdown();
}

#[test]
fn a_shopper_who_asks_to_be_called_later_is_called_at_that_time() {
    let mut t = Topology::default_fig1();
    t.phone_mut(abc::SHOPPER).holding = Some(40 * S);
    let (mut h, _dir) = start(&HarnessConfig { topology: t, ..HarnessConfig::new() });
    open_for_business(&mut h);
    let mut req = abc::cruise_request();
    let at = ainsim_service::harness::UNIX_AT_START + 600;
    req.desired_contact_time = Some(at);
    let (call, state) = click(&mut h, &req);
    assert_eq!(state, "scheduled");
    h.run_for(500 * S).unwrap();
    assert!(h.statuses().is_empty(), "nobody is called before the time");
    run_until_finished(&mut h, call, 400 * S);

    let (first, _, _) = h.statuses().first().cloned().unwrap();
    assert!(first.0 >= 600 * 1_000_000, "called at {first}");
    assert!(summary(&h, call).answered);
    h.shutdown();
}

#[test]
fn the_bill_is_listed_by_the_front_only_to_a_signed_request_of_its_business() {
    let mut t = Topology::default_fig1();
    t.phone_mut(abc::SHOPPER).holding = Some(30 * S);
    let (mut h, _dir) = start(&HarnessConfig { topology: t, ..HarnessConfig::new() });
    open_for_business(&mut h);
    let (call, _) = click(&mut h, &abc::cruise_request());
    run_until_finished(&mut h, call, 300 * S);
    assert_eq!(h.record_cdrs("bill").unwrap(), 3);

    let (status, bill) = h.front_get("/v1/cdrs").unwrap();
    assert_eq!(status, 200, "{bill}");
    assert_eq!(bill["records"].as_array().unwrap().len(), 3, "{bill}");
    assert_eq!(bill["totals"][0]["business"], "ABC");
    assert_eq!(bill["totals"][0]["connected"], 1);
    // Unsigned: refused, and audited.
    let unsigned = raw_get(h.front.addr, "/v1/cdrs");
    assert!(unsigned.starts_with("HTTP/1.1 400"), "{unsigned}");
    assert_eq!(audit(&h).last().map(String::as_str), Some("missing_header"));
    h.shutdown();
}

/// A plain, unsigned HTTP/1.1 GET; the whole answer as text.
fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}
