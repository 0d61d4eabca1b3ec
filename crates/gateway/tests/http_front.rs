//! The HTTP front end to end, in real time on loopback: a business's web
//! server (reqwest) posts signed call instructions to the axum front, which
//! hands the accepted ones over OSN/TCP to the `AccessServer` of the default
//! Fig. 1 network running in the tokio runtime (ISCP, IP, SSPs, STPs).
//! The accepted call's statuses come back on `GET /v1/calls/{id}`; every
//! kind of refusal gets its status, its audit entry, and sends nothing
//! into the network.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ainsim_elements::access::hash_password;
use ainsim_gateway::check::sign;
use ainsim_gateway::{start, Gateway, GatewayBusiness, GatewayConfig, Running, ServerConfig};
use ainsim_runtime::topology::Topology;
use ainsim_store::SledStore;
use serde_json::{json, Value};

const KEY: &[u8] = b"abc-signing-key-for-tests";
const PATH: &str = "/v1/call-instructions";

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn abc(rate_limit: u32) -> GatewayBusiness {
    GatewayBusiness {
        id: "ABC".into(),
        password_hash: hash_password("cruise-2027", b"abc-salt-0001", 64, 1).unwrap(),
        signing_key_hex: hex::encode(KEY),
        rate_limit,
        rate_window_s: 60,
        allow_premium: false,
        allow_international: false,
    }
}

fn instruction(customer: &str, password: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "equipment": "198.51.100.20", "business": "ABC", "password": password,
        "customer": customer, "representative": "2125550142"
    }))
    .unwrap()
}

struct Shop {
    http: reqwest::Client,
    base: String,
}

impl Shop {
    /// Posts `body` stamped `ts` with `nonce`, signed with `key`.
    async fn post(&self, body: Vec<u8>, key: &[u8], ts: u64, nonce: &str) -> (u16, Value) {
        let ts = ts.to_string();
        let sig = sign(key, "POST", PATH, &ts, nonce, &body);
        let r = self
            .http
            .post(format!("{}{PATH}", self.base))
            .header("content-type", "application/json")
            .header("X-Ainsim-Timestamp", ts)
            .header("X-Ainsim-Nonce", nonce)
            .header("X-Ainsim-Signature", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Posts `body` to `path` as ABC (or with no business header), signed with `key`.
    async fn signed_post(
        &self,
        path: &str,
        body: &[u8],
        key: &[u8],
        nonce: &str,
        anonymous: bool,
    ) -> (u16, Value) {
        let ts = now().to_string();
        let sig = sign(key, "POST", path, &ts, nonce, body);
        let mut r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("X-Ainsim-Timestamp", ts)
            .header("X-Ainsim-Nonce", nonce)
            .header("X-Ainsim-Signature", sig)
            .body(body.to_vec());
        if !anonymous {
            r = r.header("X-Ainsim-Business", "ABC");
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Opens `path` as `business`, signed with `key`.
    async fn open(&self, path: &str, business: &str, key: &[u8], nonce: &str) -> reqwest::Response {
        let ts = now().to_string();
        let sig = sign(key, "GET", path, &ts, nonce, b"");
        self.http
            .get(format!("{}{path}", self.base))
            .header("X-Ainsim-Business", business)
            .header("X-Ainsim-Timestamp", ts)
            .header("X-Ainsim-Nonce", nonce)
            .header("X-Ainsim-Signature", sig)
            .send()
            .await
            .unwrap()
    }

    /// Reads `path` as `business`, signed with `key`.
    async fn get(&self, path: &str, business: &str, key: &[u8], nonce: &str) -> (u16, Value) {
        let r = self.open(path, business, key, nonce).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// The default network in real time, its access server listening on loopback,
/// and the front in front of it (audit in a sled store in `dir`).
async fn network_and_front(dir: &std::path::Path, rate_limit: u32) -> (ainsim_runtime::rt::Running, Running) {
    let plan = Topology::default_fig1().plan(None).unwrap();
    let (network, bound) = plan.run(None, Some(loopback())).await.unwrap();
    let access = bound.iter().find(|(n, _)| n == "ACCESS").unwrap().1;
    let mut gateway = Gateway::new(GatewayConfig::default(), Box::new(SledStore::open(dir).unwrap()));
    gateway.register(&abc(rate_limit)).unwrap();
    let cfg = ServerConfig { listen: loopback(), tls: None, access_server: access };
    (network, start(cfg, gateway).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_instruction_calls_the_customer_and_the_statuses_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let (network, front) = network_and_front(dir.path(), 10).await;
    let shop = Shop { http: reqwest::Client::new(), base: format!("http://{}", front.addr) };

    let (status, body) = shop.post(instruction("+12015550100", "cruise-2027"), KEY, now(), "n-1").await;
    assert_eq!(status, 202, "{body}");
    let id = body["request_id"].as_u64().unwrap();
    assert_eq!(body["status_url"], format!("/v1/calls/{id}"));
    assert_eq!(front.frames_sent(), 1);

    // The network calls the customer, then the representative, and bridges
    // them; the business watches it on the call's event stream.
    let path = format!("/v1/calls/{id}");
    let mut events = shop.open(&format!("{path}/events"), "ABC", KEY, "sse-1").await;
    assert_eq!(events.status().as_u16(), 200);
    let mut streamed: Vec<String> = Vec::new();
    let mut pending = String::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while !streamed.iter().any(|s| s == "connected" || s == "failed") {
            let chunk = events.chunk().await.unwrap().expect("the stream stays open until the call ends");
            pending.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = pending.find('\n') {
                let line: String = pending.drain(..=end).collect();
                if let Some(data) = line.trim_end().strip_prefix("data: ") {
                    let status: Value = serde_json::from_str(data).unwrap();
                    streamed.push(status["state"].as_str().unwrap().to_string());
                }
            }
        }
    })
    .await
    .expect("the call is connected in time");
    assert_eq!(streamed.first().map(String::as_str), Some("calling_customer"), "{streamed:?}");
    assert_eq!(streamed.last().map(String::as_str), Some("connected"), "{streamed:?}");

    // The same statuses, read at once.
    let (status, call) = shop.get(&path, "ABC", KEY, "poll-1").await;
    assert_eq!(status, 200, "{call}");
    let read: Vec<&str> =
        call["statuses"].as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(read[..streamed.len()], streamed.iter().map(String::as_str).collect::<Vec<_>>()[..]);
    assert_eq!(call["result"]["outcome"], "accepted");

    // Reads are signed too: an unsigned or mis-signed read gets nothing.
    let unsigned = shop.http.get(format!("{}{path}", shop.base)).send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 400);
    assert_eq!(shop.get(&path, "ABC", b"not the key", "x").await.0, 401);

    let audit = front.with_gateway(|g| g.audit().unwrap());
    assert_eq!((audit[0].status, audit[0].outcome.as_str()), (202, "accepted"));
    assert!(audit[1..].iter().all(|e| e.method == "GET"));
    assert_eq!(audit.iter().filter(|e| e.outcome == "read").count(), 2);
    assert_eq!(audit.last().unwrap().outcome, "bad_signature");
    front.shutdown();
    network.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_bad_request_is_refused_audited_and_kept_off_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let (network, front) = network_and_front(dir.path(), 2).await;
    let shop = Shop { http: reqwest::Client::new(), base: format!("http://{}", front.addr) };
    let good = || instruction("2015550101", "cruise-2027");
    let t = now();

    let mut seen = Vec::new();
    for (what, body, key, ts, nonce, want, error) in [
        ("malformed JSON", b"{\"business\":\"ABC\",".to_vec(), KEY, t, "m", 400, "malformed"),
        ("oversize body", vec![b' '; 20_000], KEY, t, "o", 413, "body_too_large"),
        ("stale timestamp", good(), KEY, t - 600, "s", 401, "stale_timestamp"),
        ("bad signature", good(), &b"not the key"[..], t, "b", 401, "bad_signature"),
        ("wrong password", instruction("2015550101", "cruise-2028"), KEY, t, "w", 401, "wrong_password"),
        ("replay of the wrong-password nonce", good(), KEY, t, "w", 409, "replayed_nonce"),
        (
            "premium-rate number (rate: 2nd counted)",
            instruction("9005550100", "cruise-2027"),
            KEY,
            t,
            "p",
            422,
            "premium_rate",
        ),
        ("over the rate", good(), KEY, t, "r", 429, "rate_limited"),
    ] {
        let (status, answer) = shop.post(body, key, ts, nonce).await;
        assert_eq!(status, want, "{what}: {answer}");
        assert_eq!(answer["error"], error, "{what}: {answer}");
        assert!(answer["reason"].as_str().is_some_and(|r| !r.is_empty()), "{what}: {answer}");
        seen.push(error);
    }

    // Nothing reached the network, and each refusal is in the audit log with its reason.
    assert_eq!(front.frames_sent(), 0);
    let audit = front.with_gateway(|g| g.audit().unwrap());
    assert_eq!(audit.iter().map(|e| e.outcome.as_str()).collect::<Vec<_>>(), seen);
    assert!(audit.iter().all(|e| e.request_id.is_none() && !e.reason.is_empty()));
    front.shutdown();
    network.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_certificate_configured_the_front_speaks_only_tls() {
    // A self-signed certificate for localhost, made here; the network is a bare listener.
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.key_pair.serialize_pem()).unwrap();
    let access = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let mut gateway =
        Gateway::new(GatewayConfig::default(), Box::new(SledStore::open(dir.path().join("db")).unwrap()));
    gateway.register(&abc(10)).unwrap();
    let cfg = ServerConfig {
        listen: loopback(),
        tls: Some((cert_pem, key_pem)),
        access_server: access.local_addr().unwrap(),
    };
    let front = start(cfg, gateway).await.unwrap();
    let port = front.addr.port();

    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let shop = Shop { http, base: format!("https://localhost:{port}") };
    let (status, answer) =
        shop.post(instruction("2015550101", "cruise-2027"), b"not the key", now(), "t").await;
    assert_eq!((status, answer["error"].as_str()), (401, Some("bad_signature")));

    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = reqwest::Client::new().post(format!("http://127.0.0.1:{port}{PATH}")).body("{}").send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    assert_eq!(front.frames_sent(), 0);
    front.shutdown();
}

/// Reads one OSN frame.
async fn read(osn: &mut tokio::net::TcpStream) -> ainsim_elements::osn::OsnMessage {
    use tokio::io::AsyncReadExt;
    let mut len = [0u8; 4];
    osn.read_exact(&mut len).await.unwrap();
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    osn.read_exact(&mut body).await.unwrap();
    ainsim_elements::osn::OsnMessage::parse(&[&len[..], &body].concat()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_wire_only_accepted_instructions_go_out_and_the_network_may_still_refuse() {
    // The access server is played by this test, so every byte the front
    // writes toward the network can be read.
    use ainsim_elements::osn::{InstructionResult, OsnMessage, Refusal};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let access = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let mut gateway = Gateway::new(GatewayConfig::default(), Box::new(SledStore::open(dir.path()).unwrap()));
    gateway.register(&abc(10)).unwrap();
    let cfg = ServerConfig { listen: loopback(), tls: None, access_server: access.local_addr().unwrap() };
    let front = start(cfg, gateway).await.unwrap();
    let (mut osn, _) = access.accept().await.unwrap();
    let shop = Shop { http: reqwest::Client::new(), base: format!("http://{}", front.addr) };
    let t = now();

    for (body, key, nonce) in [
        (instruction("2015550101", "cruise-2028"), KEY, "a"),
        (instruction("2015550101", "cruise-2027"), &b"not the key"[..], "b"),
        (instruction("2019760101", "cruise-2027"), KEY, "c"),
        (instruction("+442071234567", "cruise-2027"), KEY, "d"),
    ] {
        let (status, answer) = shop.post(body, key, t, nonce).await;
        assert!(status == 401 || status == 422, "{status} {answer}");
    }

    // Now a good one: it is the first frame on the wire.
    let shop_side =
        tokio::spawn(async move { shop.post(instruction("+12015550102", "cruise-2027"), KEY, t, "e").await });
    let mut len = [0u8; 4];
    osn.read_exact(&mut len).await.unwrap();
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    osn.read_exact(&mut body).await.unwrap();
    let OsnMessage::CallInstruction { request_id, customer, business, .. } =
        OsnMessage::parse(&[&len[..], &body].concat()).unwrap()
    else {
        panic!("not an instruction")
    };
    assert_eq!((request_id, customer.as_str(), business.as_str()), (1, "2015550102", "ABC"));
    let answer = OsnMessage::CallInstructionResult {
        request_id,
        result: InstructionResult::Accepted { held_until: None },
    };
    osn.write_all(&answer.emit()).await.unwrap();
    let (status, answer) = shop_side.await.unwrap();
    assert_eq!((status, answer["request_id"].as_u64()), (202, Some(1)));

    // Follow-ups are signed too, and only the policy-checked ones go out.
    let shop = Shop { http: reqwest::Client::new(), base: format!("http://{}", front.addr) };
    assert_eq!(
        shop.signed_post("/v1/calls/1/cancel", b"", KEY, "g", true).await.0,
        400,
        "no business header"
    );
    assert_eq!(shop.signed_post("/v1/calls/99/cancel", b"", KEY, "h", false).await.0, 404);
    let premium = br#"{"representative":"9005550199"}"#;
    assert_eq!(shop.signed_post("/v1/calls/1/next-representative", premium, KEY, "i", false).await.0, 422);
    assert_eq!(shop.signed_post("/v1/calls/1/next-representative", b"{", KEY, "j", false).await.0, 400);
    let next = br#"{"representative":"+12125550143"}"#;
    assert_eq!(shop.signed_post("/v1/calls/1/next-representative", next, KEY, "k", false).await.0, 202);
    assert_eq!(shop.signed_post("/v1/calls/1/cancel", b"", KEY, "l", false).await.0, 202);
    assert_eq!(
        read(&mut osn).await,
        OsnMessage::NextRepresentative { call_id: 1, representative: "2125550143".into() }
    );
    assert_eq!(read(&mut osn).await, OsnMessage::Cancel { call_id: 1 });

    // The network may still refuse (here: the business is at its limit); the shop hears 502 and why.
    let shop = Shop { http: reqwest::Client::new(), base: format!("http://{}", front.addr) };
    let shop_side =
        tokio::spawn(async move { shop.post(instruction("2015550103", "cruise-2027"), KEY, t, "f").await });
    osn.read_exact(&mut len).await.unwrap();
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    osn.read_exact(&mut body).await.unwrap();
    let refusal = Refusal::TooManyCalls { business: "ABC".into(), limit: 4 };
    let answer =
        OsnMessage::CallInstructionResult { request_id: 2, result: InstructionResult::refused(refusal) };
    osn.write_all(&answer.emit()).await.unwrap();
    let (status, answer) = shop_side.await.unwrap();
    assert_eq!(status, 502, "{answer}");
    assert_eq!(
        (answer["error"].as_str(), answer["refusal"]["what"].as_str()),
        (Some("network_refused"), Some("too_many_calls"))
    );
    front.shutdown();
}

impl Shop {
    /// `PUT /v1/direct` as ABC, signed with `key`.
    async fn put_direct(&self, body: &Value, key: &[u8], nonce: &str) -> (u16, Value) {
        let body = serde_json::to_vec(body).unwrap();
        let ts = now().to_string();
        let sig = sign(key, "PUT", "/v1/direct", &ts, nonce, &body);
        let r = self
            .http
            .put(format!("{}/v1/direct", self.base))
            .header("X-Ainsim-Business", "ABC")
            .header("X-Ainsim-Timestamp", ts)
            .header("X-Ainsim-Nonce", nonce)
            .header("X-Ainsim-Signature", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The shopper's browser posts a Fig. 9 request straight to the front (unsigned).
    async fn fig9(&self, body: &Value) -> (u16, Value, Option<String>) {
        let r = self.http.post(format!("{}/v1/call-requests", self.base)).json(body).send().await.unwrap();
        let status = r.status().as_u16();
        let cors = r.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned());
        (status, r.json().await.unwrap_or(Value::Null), cors)
    }
}

fn fig9_request(customer: &str, skill: &str) -> Value {
    json!({
        "equipment": "calling-equipment.example",
        "business": "ABC",
        "page": {"page": {"url": format!("/{skill}"), "title": skill, "skill": skill}, "recently_viewed": []},
        "customer_number": customer,
    })
}

fn desk_setup(password: &str) -> Value {
    json!({
        "password": password,
        "representatives": [
            {"id": "cruise-1", "name": "Carla Cruz", "office": {"phone": "2125550142"}, "skills": {"cruise": 1}},
            {"id": "flights-1", "name": "Frank Flyer", "office": {"phone": "2125550143"}, "skills": {"flights": 1}}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fig9_request_from_the_page_is_routed_by_the_networks_own_acd_and_bridged() {
    let dir = tempfile::tempdir().unwrap();
    let (network, front) = network_and_front(dir.path(), 10).await;
    let shop = Shop { http: reqwest::Client::new(), base: format!("http://{}", front.addr) };

    // Not before the business has set it up, and only with its password.
    let (status, body, cors) = shop.fig9(&fig9_request("2015550100", "flights")).await;
    assert_eq!(
        (status, body["error"].as_str(), cors.as_deref()),
        (403, Some("direct_not_enabled"), Some("*"))
    );
    assert_eq!(shop.put_direct(&desk_setup("cruise-2026"), KEY, "d-1").await.0, 401);
    let (status, body) = shop.put_direct(&desk_setup("cruise-2027"), KEY, "d-2").await;
    assert_eq!((status, body["representatives"].as_u64()), (200, Some(2)), "{body}");

    // The flights page's request goes to the flights expert.
    let (status, body, _) = shop.fig9(&fig9_request("2015550100", "flights")).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        (body["state"].as_str(), body["representative"].as_str()),
        (Some("calling"), Some("flights-1"))
    );
    let id = body["request_id"].as_u64().unwrap();
    let call = body["call"].as_u64().unwrap();

    // The business follows it like any call of its own.
    let path = format!("/v1/calls/{id}");
    let mut states: Vec<String> = Vec::new();
    for i in 0..300 {
        let (status, c) = shop.get(&path, "ABC", KEY, &format!("p-{i}")).await;
        assert_eq!(status, 200, "{c}");
        states = c["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["state"].as_str().unwrap().to_owned())
            .collect();
        if states.iter().any(|s| s == "connected" || s == "failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(states.last().map(String::as_str), Some("connected"), "{states:?}");
    let answered = front.with_desk("ABC", |d| d.call(ainsim_business::CallId(call)).map(|c| c.answered));
    assert_eq!(answered, Some(Some(true)));

    // A premium-rate shopper number is refused; the browser's preflight is answered.
    let (status, body, _) = shop.fig9(&fig9_request("9005550100", "cruise")).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("premium_rate")), "{body}");
    let pre = shop
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/v1/call-requests", shop.base))
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status().as_u16(), 204);
    let audit = front.with_gateway(|g| g.audit().unwrap());
    let outcomes: Vec<&str> =
        audit.iter().filter(|e| e.method != "GET").map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["direct_not_enabled", "wrong_password", "accepted", "accepted", "premium_rate"]);
    front.shutdown();
    network.shutdown();
}
