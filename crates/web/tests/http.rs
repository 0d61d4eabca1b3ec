//! ABC Travel's business web server on a real loopback socket, driven by a
//! real HTTP client: the shopper's call request, the representative's
//! console (log in, status, the live screen pop, the result form), and
//! every way a request can be wrong.

use std::sync::Arc;

use ainsim_business::{demo, BusinessServer};
use ainsim_elements::osn::{CallStatus, OsnMessage};
use ainsim_elements::Instant;
use ainsim_store::MemStore;
use ainsim_web::{
    router, CallRequestAnswer, ElementView, LinkView, ManualClock, NetworkSnapshot, NetworkView,
    RecordingSink, WebState, MAX_BODY,
};
use serde_json::{json, Value};

/// ABC Travel's web server, listening on a loopback port.
struct Abc {
    base: String,
    http: reqwest::Client,
    state: WebState,
    sink: Arc<RecordingSink>,
}

impl Abc {
    async fn start() -> Abc {
        let mut server = BusinessServer::open(
            Box::new(MemStore::new()),
            demo::config("198.51.100.20", 1_795_910_400, 1),
            Instant::ZERO,
        )
        .expect("business server");
        for rep in demo::representatives(false) {
            server.put_representative(rep).expect("representative");
        }
        let sink = Arc::new(RecordingSink::default());
        let state = WebState::new(server, Arc::new(ManualClock::default()), sink.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let app = router(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Abc { base, http: reqwest::Client::new(), state, sink }
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self.http.post(format!("{}{path}", self.base)).json(body).send().await.expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("GET")
    }

    async fn log_in(&self, rep: &str) {
        let (status, view) = self.post(&format!("/api/representatives/{rep}/login"), &json!({})).await;
        assert_eq!((status, view["status"].as_str()), (200, Some("available")), "{view}");
    }
}

/// The story's Fig. 7 request from the cruise page, flights viewed before.
fn cruise_request() -> Value {
    serde_json::to_value(demo::cruise_request()).expect("json")
}

/// A console's event stream, read event by event.
struct Events {
    resp: reqwest::Response,
    buf: String,
}

impl Events {
    async fn open(abc: &Abc, rep: &str) -> Events {
        let resp = abc.get(&format!("/api/representatives/{rep}/events")).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        Events { resp, buf: String::new() }
    }

    /// The next event named `kind` (others are skipped), as JSON.
    async fn next(&mut self, kind: &str) -> Value {
        let wanted = format!("event: {kind}\n");
        let read = async {
            loop {
                while let Some(end) = self.buf.find("\n\n") {
                    let block: String = self.buf.drain(..end + 2).collect();
                    if block.starts_with(&wanted) {
                        let data: String = block
                            .lines()
                            .filter_map(|l| l.strip_prefix("data: "))
                            .collect::<Vec<_>>()
                            .join("\n");
                        return serde_json::from_str(&data).expect("event JSON");
                    }
                }
                let chunk = self.resp.chunk().await.expect("stream").expect("stream ended");
                self.buf.push_str(&String::from_utf8_lossy(&chunk));
            }
        };
        // A guard against a hang, not a timing assertion.
        tokio::time::timeout(std::time::Duration::from_secs(30), read).await.expect("no such event")
    }
}

#[tokio::test]
async fn the_shoppers_click_pops_up_on_the_cruise_experts_console() {
    let abc = Abc::start().await;
    abc.log_in("cruise-1").await;
    abc.log_in("flights-1").await;
    let mut carla = Events::open(&abc, "cruise-1").await;
    let hello = carla.next("hello").await;
    assert_eq!(hello["status"], "available");

    let (status, answer) = abc.post("/api/call-requests", &cruise_request()).await;
    assert_eq!(status, 202, "{answer}");
    let answer: CallRequestAnswer = serde_json::from_value(answer).expect("answer");
    assert_eq!(answer.state, "calling");

    let pop = carla.next("pop").await;
    assert_eq!(pop["agent"], "cruise-1");
    assert_eq!(pop["call"], answer.call);
    assert_eq!(pop["customer"]["number"], "2015550100");
    assert_eq!(pop["page"]["page"]["url"], "/cruises");
    assert_eq!(pop["page"]["recently_viewed"][0]["url"], "/flights");
    assert_eq!(pop["note"], "Is there a cabin with a balcony?");

    // The Fig. 8 message went to the sink: the shopper and Carla's office line.
    let sent = abc.sink.take();
    assert_eq!(sent.len(), 1);
    let (_, agent, msg) = &sent[0];
    assert_eq!(agent, "cruise-1");
    let OsnMessage::CallInstruction { customer, representative, business, .. } = msg else {
        panic!("not a call instruction: {msg:?}")
    };
    assert_eq!(
        (customer.as_str(), representative.as_str(), business.as_str()),
        ("2015550100", "2125550142", "ABC")
    );

    // The console that connects late still gets the pop.
    let mut late = Events::open(&abc, "cruise-1").await;
    assert_eq!(late.next("pop").await["call"], answer.call);
    let rep = abc.get("/api/representatives/cruise-1").await.json::<Value>().await.expect("json");
    assert_eq!(rep["representative"]["status"], "on_call");
    assert_eq!(rep["pop"]["call"], answer.call);
}

#[tokio::test]
async fn the_representative_sends_back_an_order_and_it_is_stored() {
    let abc = Abc::start().await;
    abc.log_in("cruise-1").await;
    let (_, answer) = abc.post("/api/call-requests", &cruise_request()).await;
    let call = answer["call"].as_u64().expect("call id");
    let sent = abc.sink.take();
    let OsnMessage::CallInstruction { request_id, .. } = &sent[0].2 else { panic!("no instruction") };
    abc.state.call_status(*request_id, &CallStatus::Connected).expect("connected");

    let order = json!({"representative": "cruise-1", "result": {"kind": "order",
        "lines": [{"item": "7-night Caribbean cruise", "quantity": 2, "unit_price_cents": 129900}]}});
    let (status, rec) = abc.post(&format!("/api/calls/{call}/result"), &order).await;
    assert_eq!(status, 201, "{rec}");
    assert_eq!(rec["order"], 0);

    let orders = abc.get("/api/orders").await.json::<Value>().await.expect("json");
    assert_eq!(orders[0]["customer"], "2015550100");
    assert_eq!(orders[0]["representative"], "cruise-1");
    assert_eq!(orders[0]["lines"][0]["quantity"], 2);
    let results = abc.get("/api/results").await.json::<Value>().await.expect("json");
    assert_eq!(results[0]["result"]["kind"], "order");
    // The pop is done with.
    let rep = abc.get("/api/representatives/cruise-1").await.json::<Value>().await.expect("json");
    assert_eq!(rep["pop"], Value::Null);

    // A complaint and a note are results too; someone else's call is not yours.
    let (status, _) = abc
        .post(
            &format!("/api/calls/{call}/result"),
            &json!({"representative": "cruise-1",
            "result": {"kind": "note", "text": "Wants a balcony."}}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, err) = abc
        .post(
            &format!("/api/calls/{call}/result"),
            &json!({"representative": "flights-1",
            "result": {"kind": "complaint", "text": "Late."}}),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (409, Some("representative")), "{err}");
}

#[tokio::test]
async fn with_nobody_logged_in_the_shopper_is_queued_then_called() {
    let abc = Abc::start().await;
    let (status, answer) = abc.post("/api/call-requests", &cruise_request()).await;
    assert_eq!(
        (status, answer["state"].as_str(), answer["position"].as_u64()),
        (202, Some("queued"), Some(0))
    );
    assert!(abc.sink.take().is_empty());
    let (status, view) = abc.post("/api/representatives/cruise-1/login", &json!({})).await;
    assert_eq!(
        (status, view["status"].as_str()),
        (200, Some("on_call")),
        "logging in takes the waiting call"
    );
    assert_eq!(abc.sink.take().len(), 1);
    assert_eq!(abc.state.current_pop("cruise-1").map(|p| p.call.0), answer["call"].as_u64());
    let calls = abc.get("/api/calls").await.json::<Value>().await.expect("json");
    assert_eq!(calls[0]["agent"], "cruise-1");
}

#[tokio::test]
async fn a_fig9_request_names_the_representative() {
    let abc = Abc::start().await;
    abc.log_in("cruise-1").await;
    abc.log_in("flights-1").await;
    let req = json!({"equipment": "198.51.100.20", "business": "ABC",
        "page": {"page": {"url": "/cruises", "title": "Caribbean cruises", "skill": "cruise"}},
        "customer_number": "2015550100", "representative": "flights-1", "desired_contact_time": null});
    let (status, answer) = abc.post("/api/equipment-call-requests", &req).await;
    assert_eq!((status, answer["state"].as_str()), (202, Some("calling")), "{answer}");
    assert_eq!(abc.sink.take()[0].1, "flights-1");

    let mut other = req.clone();
    other["business"] = json!("XYZ");
    let (status, err) = abc.post("/api/equipment-call-requests", &other).await;
    assert_eq!((status, err["field"].as_str()), (400, Some("business")), "{err}");
}

#[tokio::test]
async fn a_representative_goes_on_break_wraps_up_and_logs_out() {
    let abc = Abc::start().await;
    abc.log_in("flights-1").await;
    for s in ["on_break", "wrap_up", "available"] {
        let (status, view) = abc.post("/api/representatives/flights-1/status", &json!({"status": s})).await;
        assert_eq!((status, view["status"].as_str()), (200, Some(s)), "{view}");
    }
    let (status, view) = abc.post("/api/representatives/flights-1/logout", &json!({})).await;
    assert_eq!((status, view["status"].as_str()), (200, Some("logged_out")));
    let list = abc.get("/api/representatives").await.json::<Value>().await.expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2));

    let (status, err) = abc.post("/api/representatives/flights-1/status", &json!({"status": "asleep"})).await;
    assert_eq!((status, err["field"].as_str()), (400, Some("status")), "{err}");
    let (status, err) =
        abc.post("/api/representatives/flights-1/status", &json!({"status": "on_call"})).await;
    assert_eq!((status, err["field"].as_str()), (400, Some("status")), "{err}");
    let (status, err) = abc.post("/api/representatives/nobody/login", &json!({})).await;
    assert_eq!((status, err["field"].as_str()), (404, Some("representative")), "{err}");
    assert_eq!(abc.get("/api/representatives/nobody/events").await.status(), 404);
}

#[tokio::test]
async fn bad_call_requests_are_refused_naming_the_field() {
    let abc = Abc::start().await;
    let cases: Vec<(&str, String, &str)> = vec![
        ("cut short", "{\"server\": ".into(), "server"),
        ("not JSON at all", "hello".into(), "body"),
        (
            "a number as a number",
            {
                let mut r = cruise_request();
                r["customer_number"] = json!(2015550100u64);
                r.to_string()
            },
            "customer_number",
        ),
        (
            "letters in the number",
            {
                let mut r = cruise_request();
                r["customer_number"] = json!("20155501OO");
                r.to_string()
            },
            "customer_number",
        ),
        (
            "an empty page url",
            {
                let mut r = cruise_request();
                r["page"]["page"]["url"] = json!("");
                r.to_string()
            },
            "page.page.url",
        ),
        (
            "an unknown field",
            {
                let mut r = cruise_request();
                r["password"] = json!("x");
                r.to_string()
            },
            "password",
        ),
    ];
    for (what, body, field) in cases {
        let (status, err) = abc.post_raw("/api/call-requests", body).await;
        assert_eq!((status, err["field"].as_str()), (400, Some(field)), "{what}: {err}");
        assert!(err["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: {err}");
    }
    let big = format!("{{\"note\": \"{}\"}}", "x".repeat(MAX_BODY));
    let (status, err) = abc.post_raw("/api/call-requests", big).await;
    assert_eq!((status, err["field"].as_str()), (413, Some("body")), "{err}");
    // Nothing reached the network.
    assert!(abc.sink.take().is_empty());

    let (status, err) = abc.post_raw("/api/calls/abc/result", "{}").await;
    assert_eq!((status, err["field"].as_str()), (400, Some("call")), "{err}");
    let (status, err) = abc
        .post(
            "/api/calls/99/result",
            &json!({"representative": "cruise-1", "result": {"kind": "note", "text": "x"}}),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (404, Some("call")), "{err}");
    let (status, err) = abc
        .post(
            "/api/calls/0/result",
            &json!({"representative": "cruise-1", "result": {"kind": "order", "lines": []}}),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (400, Some("lines")), "{err}");
}

#[tokio::test]
async fn the_pages_are_served_with_their_button() {
    let abc = Abc::start().await;
    for (path, has) in [
        ("/", "Talk to a customer service representative"),
        ("/cruises", "Talk to a customer service representative"),
        ("/flights", "Talk to a customer service representative"),
        ("/cruises", "Add to cart"),
        ("/cruises", "data-skill=\"cruise\""),
        ("/console", "Screen pop"),
        ("/network", "Ladder of the latest call"),
    ] {
        let r = abc.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8", "{path}");
        assert!(r.text().await.expect("text").contains(has), "{path} lacks {has}");
    }
    for (path, ty, has) in [
        ("/assets/style.css", "text/css; charset=utf-8", ".talk"),
        ("/assets/shop.js", "text/javascript; charset=utf-8", "localStorage"),
        ("/assets/console.js", "text/javascript; charset=utf-8", "EventSource"),
        ("/assets/network.js", "text/javascript; charset=utf-8", "/api/network"),
    ] {
        let r = abc.get(path).await;
        assert_eq!(r.headers()["content-type"], ty, "{path}");
        assert!(r.text().await.expect("text").contains(has), "{path} lacks {has}");
    }
    assert_eq!(abc.get("/assets/secret.txt").await.status(), 404);
    assert_eq!(abc.get("/nowhere").await.status(), 404);
}

#[tokio::test]
async fn a_call_asked_for_later_is_made_when_the_clock_gets_there() {
    let clock = Arc::new(ManualClock::default());
    let mut server = BusinessServer::open(
        Box::new(MemStore::new()),
        demo::config("198.51.100.20", 1_795_910_400, 1),
        Instant::ZERO,
    )
    .expect("business server");
    for rep in demo::representatives(false) {
        server.put_representative(rep).expect("representative");
    }
    let sink = Arc::new(RecordingSink::default());
    let state = WebState::new(server, clock.clone(), sink.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    http.post(format!("{base}/api/representatives/cruise-1/login")).send().await.expect("login");

    // The shopper asks to be called in an hour.
    let mut req = cruise_request();
    req["desired_contact_time"] = json!(1_795_910_400u64 + 3600);
    let answer: Value = http
        .post(format!("{base}/api/call-requests"))
        .json(&req)
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (answer["state"].as_str(), answer["due_unix"].as_u64()),
        (Some("scheduled"), Some(1_795_914_000))
    );
    assert!(sink.take().is_empty());

    // Half an hour on, nothing; at the hour, the call is made.
    clock.set(Instant(1_800 * 1_000_000));
    let next = state.tick().expect("tick");
    assert!(sink.take().is_empty());
    assert_eq!(next, Some(Instant(3_600 * 1_000_000)));
    clock.set(Instant(3_600 * 1_000_000));
    state.tick().expect("tick");
    let sent = sink.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, "cruise-1");
    assert!(state.current_pop("cruise-1").is_some());
}

#[test]
fn every_api_route_is_in_the_openapi_file_and_the_api_doc() {
    let openapi = include_str!("../../../docs/openapi-business.yaml");
    let api = include_str!("../../../docs/api.md");
    for route in [
        "/api/call-requests",
        "/api/equipment-call-requests",
        "/api/representatives",
        "/api/representatives/{id}",
        "/api/representatives/{id}/login",
        "/api/representatives/{id}/logout",
        "/api/representatives/{id}/status",
        "/api/representatives/{id}/events",
        "/api/calls",
        "/api/calls/{call}/result",
        "/api/calls/{call}/cancel",
        "/api/orders",
        "/api/results",
        "/api/network",
    ] {
        assert!(openapi.contains(&format!("  {route}:")), "{route} missing from docs/openapi-business.yaml");
        assert!(api.contains(route), "{route} missing from docs/api.md");
    }
}

#[tokio::test]
async fn the_business_cancels_a_call_and_the_network_is_told() {
    let abc = Abc::start().await;
    abc.log_in("cruise-1").await;
    let mut carla = Events::open(&abc, "cruise-1").await;
    let (_, answer) = abc.post("/api/call-requests", &cruise_request()).await;
    let call = answer["call"].as_u64().expect("call id");
    carla.next("pop").await;
    let sent = abc.sink.take();
    let OsnMessage::CallInstruction { request_id, .. } = &sent[0].2 else { panic!("no instruction") };

    let (status, answer) = abc.post(&format!("/api/calls/{call}/cancel"), &json!({})).await;
    assert_eq!((status, answer["state"].as_str()), (200, Some("cancelled")), "{answer}");
    let sent = abc.sink.take();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].2, OsnMessage::Cancel { call_id: *request_id });
    assert_eq!(carla.next("cancelled").await["call"], call);
    assert!(abc.state.current_pop("cruise-1").is_none());
    let calls = abc.get("/api/calls").await.json::<Value>().await.expect("json");
    assert_eq!(calls, json!([]));

    // Carla is free again for the next shopper; an unknown call cannot be cancelled.
    let rep = abc.get("/api/representatives/cruise-1").await.json::<Value>().await.expect("json");
    assert_ne!(rep["representative"]["status"], "on_call");
    let (status, err) = abc.post("/api/calls/77/cancel", &json!({})).await;
    assert_eq!((status, err["field"].as_str()), (404, Some("call")), "{err}");
}

/// A network of two elements, as a runtime would describe it.
struct TwoElements;

impl NetworkView for TwoElements {
    fn snapshot(&self) -> NetworkSnapshot {
        NetworkSnapshot {
            elements: vec![
                ElementView { name: "ssp-a".into(), kind: "ssp".into() },
                ElementView { name: "stp-1".into(), kind: "stp".into() },
            ],
            links: vec![LinkView { a: "ssp-a".into(), b: "stp-1".into(), kind: "ss7".into() }],
            calls: vec!["2015550100 -> 2125550142 bridged".into()],
            ladder: "ssp-a -> stp-1 IAM".into(),
        }
    }
}

#[tokio::test]
async fn the_live_view_shows_the_business_and_the_network_wired_in() {
    let abc = Abc::start().await;
    abc.log_in("cruise-1").await;
    abc.post("/api/call-requests", &cruise_request()).await;
    let view = abc.get("/api/network").await.json::<Value>().await.expect("json");
    assert_eq!(view["network"], Value::Null);
    assert_eq!(view["business"]["calls"][0]["agent"], "cruise-1");
    assert_eq!(view["business"]["representatives"][0]["status"], "on_call");

    abc.state.set_network_view(Arc::new(TwoElements));
    let view = abc.get("/api/network").await.json::<Value>().await.expect("json");
    assert_eq!(view["network"]["elements"][1]["name"], "stp-1");
    assert_eq!(view["network"]["links"][0]["kind"], "ss7");
    assert_eq!(view["network"]["ladder"], "ssp-a -> stp-1 IAM");
}
