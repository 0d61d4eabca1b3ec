//! The browser test: headless Chromium, driven over WebDriver (chromedriver,
//! `fantoccini`), against `ainsim serve`'s service in real time. A
//! representative opens the console and logs in as the cruise expert; a
//! shopper opens the cruise page, presses "Talk to a customer service
//! representative" and gives their number; the console pops with the
//! shopper's number and page; the live view shows the call bridged; the
//! representative records an order.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`
//! (scripts/test.sh installs them). Without them the test says SKIPPING
//! loudly and passes.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ainsim_service::serve::{start, ServeConfig};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// Generous for each step: the network takes a few seconds of real time.
const PATIENCE: Duration = Duration::from_secs(20);

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| PathBuf::from(d).join(name)).find(|p| p.is_file())
}

/// The chromedriver we started; killed (by its own pid) when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Evaluates `expr` in the page until it is truthy; returns its value.
async fn wait_for(c: &Client, what: &str, expr: &str) -> Value {
    let script = format!("return ({expr});");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match c.execute(&script, vec![]).await {
            Ok(v) if !v.is_null() && v != json!(false) && v != json!("") => return v,
            Ok(_) => {}
            Err(e) => eprintln!("waiting for {what}: {e}"),
        }
        assert!(tokio::time::Instant::now() < deadline, "the browser never showed {what} ({expr})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.expect("click");
}

#[test]
fn a_shopper_presses_the_button_and_the_console_pops_in_chromium() {
    let (Some(driver), Some(chromium)) = (on_path("chromedriver"), on_path("chromium")) else {
        eprintln!(
            "\n*** SKIPPING the browser test: chromedriver and chromium are not both installed \
             (apt-get install chromium chromium-driver; scripts/test.sh does it) ***\n"
        );
        return;
    };
    let mut cfg = ServeConfig::new("127.0.0.1:0".parse().expect("address"));
    cfg.shopper_holds = Duration::from_secs(60);
    let served = start(cfg).expect("serve starts");
    let base = format!("http://{}", served.web);

    let port = free_port();
    let _driver = Driver(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    served.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1200,900"],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let c = loop {
            match ClientBuilder::new(connector.clone()).capabilities(caps.clone()).connect(&webdriver).await {
                Ok(c) => break c,
                Err(e) => {
                    assert!(tokio::time::Instant::now() < deadline, "no WebDriver session: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        };

        // The representative's console: log in as the cruise expert.
        c.goto(&format!("{base}/console")).await.expect("open the console");
        let console = c.window().await.expect("console window");
        wait_for(&c, "the representatives", "document.querySelector('#rep option[value=\"cruise-1\"]') !== null").await;
        c.execute("document.getElementById('rep').value = 'cruise-1';", vec![]).await.expect("pick cruise-1");
        click(&c, "#login").await;
        wait_for(&c, "the representative available", "document.getElementById('status').textContent === 'available'")
            .await;

        // The shopper, in a window of their own: the cruise page, the button, the number.
        let shop = c.new_window(false).await.expect("a second window").handle;
        c.switch_to_window(shop.clone()).await.expect("to the shop");
        c.goto(&format!("{base}/flights")).await.expect("open the flights page");
        c.goto(&format!("{base}/cruises")).await.expect("open the cruise page");
        let button = c.find(Locator::Id("talk")).await.expect("the button").text().await.expect("its text");
        assert_eq!(button, "Talk to a customer service representative");
        click(&c, "#talk").await;
        let asks = c.execute("return !document.getElementById('number-row').hidden;", vec![]).await.expect("asks?");
        if asks == json!(true) {
            c.find(Locator::Id("number")).await.expect("number field").send_keys("2015550100").await.expect("type");
        }
        c.find(Locator::Id("note")).await.expect("note").send_keys("Is there a balcony cabin?").await.expect("type");
        click(&c, "#call-form button[type=submit]").await;
        let said = wait_for(
            &c,
            "the shop's answer",
            "document.getElementById('call-status').textContent.startsWith('We are calling you') && document.getElementById('call-status').textContent",
        )
        .await;
        assert!(said.as_str().is_some_and(|s| s.contains("2015550100")), "{said}");

        // The console pops with the shopper's number and the page.
        c.switch_to_window(console.clone()).await.expect("back to the console");
        wait_for(&c, "the screen pop", "!document.getElementById('pop-body').hidden").await;
        let number = c.find(Locator::Id("pop-number")).await.expect("pop number").text().await.expect("text");
        assert_eq!(number, "2015550100");
        let page = c.find(Locator::Id("pop-page")).await.expect("pop page").text().await.expect("text");
        assert!(page.contains("/cruises"), "{page}");
        let recent = c.find(Locator::Id("pop-recent")).await.expect("recent").text().await.expect("text");
        assert!(recent.contains("/flights"), "{recent}");

        // A reloaded console picks the representative's stream up again, pop included.
        c.refresh().await.expect("reload the console");
        wait_for(&c, "the representatives again", "document.querySelector('#rep option[value=\"cruise-1\"]') !== null")
            .await;
        c.execute(
            "var s = document.getElementById('rep'); if (s.value !== 'cruise-1') { s.value = 'cruise-1'; s.dispatchEvent(new Event('change')); }",
            vec![],
        )
        .await
        .expect("pick cruise-1 again");
        wait_for(&c, "the pop after a reload", "!document.getElementById('pop-body').hidden").await;
        let number = c.find(Locator::Id("pop-number")).await.expect("pop number").text().await.expect("text");
        assert_eq!(number, "2015550100");

        // The network bridges them: the console says so, and the live view.
        wait_for(
            &c,
            "the console's call connected",
            "document.getElementById('pop-state').textContent.startsWith('connected')",
        )
        .await;
        c.switch_to_window(shop).await.expect("to the shop window");
        c.goto(&format!("{base}/network")).await.expect("open the live view");
        wait_for(
            &c,
            "the call bridged in the live view",
            "document.getElementById('net-calls').textContent.includes('connected')",
        )
        .await;
        let business = c.find(Locator::Id("calls")).await.expect("business calls").text().await.expect("text");
        assert!(business.contains("answered"), "{business}");
        let ladder = c.find(Locator::Id("ladder")).await.expect("ladder").text().await.expect("text");
        assert!(ladder.contains("IAM") && ladder.contains("ANM"), "{ladder}");

        // The representative records the order.
        c.switch_to_window(console).await.expect("back to the console");
        click(&c, "#result button[type=submit]").await;
        wait_for(&c, "the order recorded", "document.getElementById('msg').textContent.startsWith('Recorded')").await;
        c.close().await.expect("close the session");
    });
    served.shutdown();
}
