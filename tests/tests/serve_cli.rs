//! `ainsim serve` from the command line: it prints where the shop, the
//! console and the live view are (with the real port when asked for port
//! 0), serves the shop there, and stops after `--for`; a bad config file
//! is refused naming its file, line and key.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use ainsim_tests::{ainsim_bin, run_ainsim, stderr, TempFile};

/// A plain HTTP/1.1 GET on loopback; the status line and the body.
fn get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the shop");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    text
}

#[test]
fn serve_prints_the_urls_and_serves_the_shop_until_told_to_stop() {
    let mut child = Command::new(ainsim_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--for", "5s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ainsim serve");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut printed = String::new();
    let mut line = String::new();
    while out.read_line(&mut line).expect("read stdout") > 0 {
        printed.push_str(&line);
        line.clear();
        if printed.contains("Ctrl-C") {
            break;
        }
    }
    let url = |what: &str| {
        printed
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(what))
            .and_then(|r| r.split_whitespace().next())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no {what} line in:\n{printed}"))
    };
    let (shop, console, network) = (url("shop:"), url("console:"), url("live view:"));
    let addr = shop.trim_start_matches("http://").trim_end_matches('/').to_owned();
    assert!(!addr.ends_with(":0") && addr.starts_with("127.0.0.1:"), "{printed}");
    assert_eq!(console, format!("http://{addr}/console"), "{printed}");
    assert_eq!(network, format!("http://{addr}/network"), "{printed}");
    assert!(printed.contains("access server's front: http://127.0.0.1:"), "{printed}");

    let page = get(&addr, "/cruises");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Talk to a customer service representative"), "{page}");

    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("read the rest");
    let status = child.wait().expect("wait for ainsim serve");
    assert!(status.success(), "{printed}{rest}");
    assert!(rest.contains("stopped"), "{rest}");
}

#[test]
fn serve_refuses_a_bad_config_naming_file_line_and_key() {
    let f =
        TempFile::new("serve.toml", b"listen = \"127.0.0.1:0\"\n[tls]\ncert = \"c.pem\"\nkee = \"k.pem\"\n");
    let p = f.path().to_str().expect("utf-8 path");
    let o = run_ainsim(&["serve", "--config", p, "--for", "1s"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("{p}:4: tls")), "{err}");
    assert!(err.contains("kee"), "{err}");
}
