//! `ainsim serve`'s service in real time, over real HTTP: the cruise
//! expert logs in and opens the console's event stream, a shopper's call
//! request comes in, the console pops, the network calls the shopper and
//! the representative and bridges them (`/api/calls` shows the call
//! answered), the live view shows the session and its ladder, and the
//! representative posts the order.

use std::time::Duration;

use ainsim_business::demo as abc;
use ainsim_service::serve::{start, ServeConfig};
use serde_json::{json, Value};

/// Generous: the network takes a few seconds of real time (the shopper
/// answers after 2 s, the representative after 3 s).
const PATIENCE: Duration = Duration::from_secs(25);

async fn get(http: &reqwest::Client, url: &str) -> Value {
    http.get(url).send().await.expect("GET").json().await.expect("JSON")
}

#[test]
fn a_call_request_pops_the_console_and_is_bridged_in_real_time() {
    let mut cfg = ServeConfig::new("127.0.0.1:0".parse().expect("address"));
    cfg.shopper_holds = Duration::from_secs(60);
    let served = start(cfg).expect("serve starts");
    assert!(served.front_url.starts_with("http://"), "{}", served.front_url);
    served.block_on(story(format!("http://{}", served.web)));
    served.shutdown();
}

#[test]
fn with_a_config_file_the_front_speaks_tls_and_the_data_stays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("a certificate");
    std::fs::write(dir.path().join("cert.pem"), cert.cert.pem()).expect("cert.pem");
    std::fs::write(dir.path().join("key.pem"), cert.key_pair.serialize_pem()).expect("key.pem");
    let file = dir.path().join("serve.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:0\"\ndata_dir = \"data\"\nshopper_holds = \"60s\"\nvariant = \"itu\"\n\
         [tls]\ncert = \"cert.pem\"\nkey = \"key.pem\"\n",
    )
    .expect("serve.toml");
    let served = start(ServeConfig::load(&file).expect("the config loads")).expect("serve starts");
    assert!(served.front_url.starts_with("https://"), "{}", served.front_url);
    assert_eq!(served.data_dir, dir.path().join("data"));
    assert!(!served.data_dir_is_temp);
    served.block_on(story(format!("http://{}", served.web)));
    served.shutdown();
    assert!(dir.path().join("data/business").is_dir() && dir.path().join("data/front").is_dir());
}

/// The story over HTTP against the business web server at `base`.
/// Opens cruise-1's console stream (real SSE) and waits for its hello; the
/// receiver gets every later event as (event, data).
async fn console(
    http: &reqwest::Client,
    base: &str,
) -> tokio::sync::mpsc::UnboundedReceiver<(String, String)> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    let mut sse =
        http.get(format!("{base}/api/representatives/cruise-1/events")).send().await.expect("events");
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = sse.chunk().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                let event = block.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or("message");
                let data = block.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or_default();
                let _ = tx.send((event.to_owned(), data.to_owned()));
            }
        }
    });
    let (event, _) = tokio::time::timeout(PATIENCE, rx.recv()).await.expect("hello in time").expect("hello");
    assert_eq!(event, "hello");
    rx
}

/// The next pop on the console stream, as JSON.
async fn next_pop(rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, String)>) -> Value {
    let pop = tokio::time::timeout(PATIENCE, async {
        loop {
            match rx.recv().await {
                Some((e, d)) if e == "pop" => return d,
                Some(_) => {}
                None => panic!("the console's stream ended before the pop"),
            }
        }
    })
    .await
    .expect("the pop in time");
    serde_json::from_str(&pop).expect("pop JSON")
}

async fn story(base: String) {
    let http = reqwest::Client::new();
    let r = http.post(format!("{base}/api/representatives/cruise-1/login")).send().await.expect("login");
    assert_eq!(r.status(), 200);

    // The console's stream: hello first, then the pop.
    let mut rx = console(&http, &base).await;

    let request = serde_json::to_value(abc::cruise_request()).expect("request");
    let r = http.post(format!("{base}/api/call-requests")).json(&request).send().await.expect("request");
    assert_eq!(r.status(), 202);
    let answer: Value = r.json().await.expect("answer");
    assert_eq!(answer["state"], "calling", "{answer}");
    let call = answer["call"].as_u64().expect("call id");

    let pop = next_pop(&mut rx).await;
    assert_eq!(pop["customer"]["number"], abc::SHOPPER, "{pop}");
    assert_eq!(pop["page"]["page"]["url"], "/cruises", "{pop}");

    // The network calls the shopper, announces, calls the representative, bridges.
    let bridged = tokio::time::timeout(PATIENCE, async {
        loop {
            let calls = get(&http, &format!("{base}/api/calls")).await;
            let this = calls.as_array().and_then(|a| a.iter().find(|c| c["call"] == call)).cloned();
            if let Some(c) = this.filter(|c| c["answered"] == true) {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the call bridged in time");
    assert_eq!(bridged["agent"], "cruise-1", "{bridged}");
    assert_eq!(bridged["phase"]["phase"], "talking", "{bridged}");

    // The live view sees the session connected and its ladder.
    let view = get(&http, &format!("{base}/api/network")).await;
    let net = &view["network"];
    assert!(net["elements"].as_array().is_some_and(|e| e.iter().any(|e| e["name"] == "ISCP")), "{net}");
    let calls: Vec<&str> = net["calls"].as_array().expect("calls").iter().filter_map(Value::as_str).collect();
    assert!(calls.iter().any(|c| c.contains("click-to-call") && c.contains("connected")), "{calls:?}");
    let ladder = net["ladder"].as_str().expect("ladder");
    assert!(ladder.contains("IAM") && ladder.contains("ANM"), "{ladder}");

    let order = json!({"representative": "cruise-1", "result": {"kind": "order", "lines": [
        {"item": "7-night Caribbean cruise", "quantity": 2, "unit_price_cents": 129_900}]}});
    let r = http.post(format!("{base}/api/calls/{call}/result")).json(&order).send().await.expect("result");
    assert_eq!(r.status(), 201);
    let orders = get(&http, &format!("{base}/api/orders")).await;
    assert_eq!(orders.as_array().map(Vec::len), Some(1), "{orders}");
}

#[test]
fn the_network_bills_a_real_time_session_and_the_front_lists_it() {
    let mut cfg = ServeConfig::new("127.0.0.1:0".parse().expect("address"));
    // Long enough for the representative (3 s of ringing) to be bridged.
    cfg.shopper_holds = Duration::from_secs(6);
    let served = start(cfg).expect("serve starts");
    let base = format!("http://{}", served.web);
    let link = served.link.clone();
    served.block_on(async move {
        let http = reqwest::Client::new();
        let r = http.post(format!("{base}/api/representatives/cruise-1/login")).send().await.expect("login");
        assert_eq!(r.status(), 200);
        let r = http
            .post(format!("{base}/api/call-requests"))
            .json(&serde_json::to_value(abc::cruise_request()).expect("request"))
            .send()
            .await
            .expect("call request");
        assert_eq!(r.status(), 202);
        // The shopper hangs up 6 s after answering; the session's CDR follows.
        let bill = tokio::time::timeout(PATIENCE, async {
            loop {
                let (status, bill) = link.get("/v1/cdrs").await.expect("GET /v1/cdrs");
                assert_eq!(status, 200, "{bill}");
                let sessions: Vec<Value> = bill["records"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|r| r["record"] == "session")
                    .cloned()
                    .collect();
                if !sessions.is_empty() {
                    return bill;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
        .await
        .expect("the session billed in time");
        assert_eq!(bill["totals"][0]["business"], "ABC", "{bill}");
        assert_eq!(bill["totals"][0]["connected"], 1, "{bill}");
    });
    served.shutdown();
}

/// Fig. 9 in real time: the shopper's page posts straight to the access
/// server's front, the network's own ACD picks the cruise expert, the front
/// posts the signed screen pop to the business web server, the expert's
/// console pops (`via: network`), and the network bridges the call.
#[test]
fn a_fig9_request_pops_the_console_through_the_business_web_server_in_real_time() {
    let mut cfg = ServeConfig::new("127.0.0.1:0".parse().expect("address"));
    cfg.shopper_holds = Duration::from_secs(60);
    let served = start(cfg).expect("serve starts");
    let base = format!("http://{}", served.web);
    let front = served.front_url.clone();
    let link = served.link.clone();
    served.block_on(async move {
        let http = reqwest::Client::new();
        let mut rx = console(&http, &base).await;

        let request = json!({
            "equipment": "127.0.0.1", "business": "ABC", "customer_number": abc::SHOPPER,
            "page": {"page": {"url": "/cruises", "title": "Cruises", "skill": "cruise"},
                     "recently_viewed": [{"url": "/flights", "title": "Flights"}]}
        });
        let r = http.post(format!("{front}/v1/call-requests")).json(&request).send().await.expect("Fig. 9");
        assert_eq!(r.status(), 202);
        let answer: Value = r.json().await.expect("answer");
        assert_eq!(answer["representative"], "cruise-1", "{answer}");
        let id = answer["request_id"].as_u64().expect("request id");

        let pop = next_pop(&mut rx).await;
        assert_eq!((pop["via"].as_str(), pop["request_id"].as_u64()), (Some("network"), Some(id)), "{pop}");
        assert_eq!(pop["customer"]["number"], abc::SHOPPER, "{pop}");
        assert_eq!(pop["page"]["recently_viewed"][0]["url"], "/flights", "{pop}");

        // The business follows the session at the front: bridged.
        let path = format!("/v1/calls/{id}");
        tokio::time::timeout(PATIENCE, async {
            loop {
                let (status, c) = link.get(&path).await.expect("GET the call");
                assert_eq!(status, 200, "{c}");
                if c["statuses"].as_array().is_some_and(|s| s.iter().any(|s| s["state"] == "connected")) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
        .await
        .expect("bridged in time");

        // The representative reports on the popped call.
        let call = pop["call"].as_u64().expect("call");
        let note = json!({"representative": "cruise-1", "result": {"kind": "note", "text": "called via the network"}});
        let r = http.post(format!("{base}/api/calls/{call}/result")).json(&note).send().await.expect("result");
        assert_eq!(r.status(), 201);
    });
    served.shutdown();
}
