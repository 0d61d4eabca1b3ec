//! `ainsim hw` as a user runs it, no hardware: `emulate` on a pty, `probe`
//! on that pty, and `bridge` joining the emulated line to the network in
//! real time — the network rings the line, the modem answers, DTMF from the
//! line is heard, the network caller hangs up and both sides release.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use ainsim_tests::{ainsim_bin, run_ainsim, stderr, stdout, TempFile};

const WAIT: Duration = Duration::from_secs(30);

struct Proc {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Proc {
    fn start(args: &[&str]) -> Proc {
        let mut child = Command::new(ainsim_bin())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ainsim runs");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { return };
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        Proc { child, lines, seen: Vec::new() }
    }

    /// The next line that contains `what` (the lines before it are kept in `seen`).
    fn expect(&mut self, what: &str) -> String {
        loop {
            match self.lines.recv_timeout(WAIT) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.contains(what) {
                        return l;
                    }
                }
                Err(_) => panic!("no line with {what:?}; seen:\n{}", self.seen.join("\n")),
            }
        }
    }

    fn stdin(&mut self) -> &mut ChildStdin {
        self.child.stdin.as_mut().unwrap()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn emulate_prints_its_pty_first_and_probe_identifies_it() {
    let emu = Proc::start(&["hw", "emulate", "--profile", "usr5637", "--stop-after", "30s"]);
    let path = emu.lines.recv_timeout(WAIT).expect("the first line");
    assert!(path.starts_with("/dev/"), "{path}");
    let o = run_ainsim(&["hw", "probe", &path], None);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    for m in
        ["ATI0: 5601", "profile usr5637", "caller id: AT+VCID=1", "AT+VSM=128,8000", "echo canceller: no"]
    {
        assert!(out.contains(m), "{m} missing in\n{out}");
    }
}

#[test]
fn probe_of_a_missing_port_fails_clearly() {
    let o = run_ainsim(&["hw", "probe", "/dev/ainsim-no-such-port"], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("/dev/ainsim-no-such-port"), "{}", stderr(&o));
    let o = run_ainsim(&["hw", "emulate", "--profile", "acme"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("usr5637"), "{}", stderr(&o));
}

#[test]
fn the_network_rings_the_emulated_line_it_answers_dtmf_and_hang_up() {
    let topo = format!(
        "{}\n[[phone]]\nnumber = \"2015550100\"\ncalls = [{{ at = \"2s\", to = \"2125550142,123#\", holding = \"5s\", give_up_after = \"30s\" }}]\n",
        ainsim_runtime::topology::DEFAULT
    );
    let file = TempFile::new("hw-bridge.toml", topo.as_bytes());
    let mut emu = Proc::start(&[
        "hw",
        "emulate",
        "--ring-period",
        "300ms",
        "--answer-after",
        "1",
        "--stop-after",
        "60s",
    ]);
    let path = emu.lines.recv_timeout(WAIT).expect("the first line");
    let mut bridge = Proc::start(&[
        "hw",
        "bridge",
        "--port",
        &path,
        "--number",
        "2125550142",
        "--dial",
        "5550199",
        "--vra",
        "5",
        "--topology",
        file.path().to_str().unwrap(),
        "--stop-after",
        "40s",
    ]);
    bridge.expect(&format!("{path} ready"));
    bridge.expect("call attempt 2015550100 -> 2125550142");
    emu.expect("line: off hook");
    emu.expect("line: dialled 5550199");
    bridge.expect("probable answer");
    bridge.expect("answered");
    // A second after the answer the network caller keys 123#: AT+VTS on the line.
    bridge.expect("dtmf 123# from the network");
    for d in ["1", "2", "3", "#"] {
        emu.expect(&format!("line: dtmf {d}"));
    }
    // The line's far end keys 5: the network caller hears it.
    writeln!(emu.stdin(), "dtmf 5").unwrap();
    bridge.expect("dtmf 5 from the line");
    bridge.expect("2015550100: hears dtmf 5");
    // The network caller hangs up after 5 s: the network releases, the modem hangs up.
    let rel = bridge.expect("released");
    assert!(rel.contains("cause 16"), "{rel}");
    bridge.expect("network side hung up");
    emu.expect("line: on hook");
}

#[test]
fn a_ring_with_caller_id_enters_the_network_with_that_number_and_externals_open() {
    let topo = format!(
        "{}\n[[external]]\nname = \"lab-stp\"\nkind = \"m3ua_tcp\"\nswitch = \"SSP-A\"\npoint_code = \"1-1-8\"\nlocal = \"127.0.0.1:0\"\nrole = \"sgp\"\nrouting_context = 1\nprefixes = [\"415\"]\n",
        ainsim_runtime::topology::DEFAULT
    );
    let file = TempFile::new("hw-bridge-cid.toml", topo.as_bytes());
    let mut emu = Proc::start(&["hw", "emulate", "--ring-period", "300ms", "--stop-after", "60s"]);
    let path = emu.lines.recv_timeout(WAIT).expect("the first line");
    let mut bridge = Proc::start(&[
        "hw",
        "bridge",
        "--port",
        &path,
        "--number",
        "2125550142",
        "--to",
        "2015550100",
        "--topology",
        file.path().to_str().unwrap(),
        "--stop-after",
        "40s",
    ]);
    bridge.expect("lab-stp: M3UA/TCP listening on 127.0.0.1:");
    bridge.expect(&format!("{path} ready"));
    writeln!(emu.stdin(), "ring 3035550111").unwrap();
    bridge.expect("caller id 3035550111: presented to the network");
    bridge.expect("call attempt 3035550111 -> 2015550100");
    bridge.expect("network answered: answering the line");
    emu.expect("line: off hook");
    writeln!(emu.stdin(), "hangup").unwrap();
    bridge.expect("the line hung up");
    let rel = bridge.expect("released");
    assert!(rel.contains("cause 16"), "{rel}");
}

#[test]
fn join_relays_a_ring_on_one_emulated_line_to_the_other() {
    let args = ["hw", "emulate", "--ring-period", "300ms", "--answer-after", "1", "--stop-after", "60s"];
    let (mut a, mut b) = (Proc::start(&args), Proc::start(&args));
    let pa = a.lines.recv_timeout(WAIT).expect("a's pty");
    let pb = b.lines.recv_timeout(WAIT).expect("b's pty");
    let mut join = Proc::start(&[
        "hw",
        "join",
        "--port",
        &pa,
        "--other",
        &pb,
        "--dial",
        "5550123",
        "--vra",
        "3",
        "--stop-after",
        "40s",
    ]);
    join.expect("waiting for");
    writeln!(a.stdin(), "ring 3035550111").unwrap();
    b.expect("line: dialled 5550123");
    a.expect("line: off hook");
    join.expect("both lines joined");
    writeln!(a.stdin(), "hangup").unwrap();
    a.expect("line: on hook");
    b.expect("line: on hook");
    join.expect("call over");
}

#[test]
fn emulate_pair_prints_two_ptys_each_a_modem() {
    let emu = Proc::start(&["hw", "emulate", "--pair", "5550001,5550002", "--stop-after", "30s"]);
    for _ in 0..2 {
        let path = emu.lines.recv_timeout(WAIT).expect("a pty line");
        assert!(path.starts_with("/dev/"), "{path}");
        let o = run_ainsim(&["hw", "probe", &path], None);
        assert!(stdout(&o).contains("profile usr5637"), "{}{}", stdout(&o), stderr(&o));
    }
}
