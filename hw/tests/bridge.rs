//! The bridge end to end without hardware: the network of the default
//! topology on the real-time runtime, subscriber 2125550142 played by the
//! modem emulator on a pty, driven through tokio-serial.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ainsim_elements::phone::PlacedCall;
use ainsim_elements::EventKind;
use ainsim_hw::bridge::{drive, prepare, serve_line, start_network, BridgeConfig, Stopped};
use ainsim_hw::emu::{EmuConfig, FarEnd, LineEvent};
use ainsim_hw::parse::{CallerId, CidValue};
use ainsim_hw::profile::USR5637;
use ainsim_hw::pty::{PtyModem, Script};
use ainsim_hw::serial;
use ainsim_runtime::rt::{RtEvent, Running};
use ainsim_runtime::topology::{phone_name, NodeSpec, Plan, Topology};

const LINE: &str = "2125550142";
const OTHER: &str = "2015550100";
const WAIT: Duration = Duration::from_secs(15);

fn plan(other_calls_line: bool) -> Plan {
    plan_to(other_calls_line, LINE)
}

/// The plan; when `other_calls_line`, OTHER calls `to` (a dial string: the
/// line's number, then perhaps post-dial DTMF).
fn plan_to(other_calls_line: bool, to: &str) -> Plan {
    let mut p = Topology::default_fig1().plan(None).expect("default plan");
    if other_calls_line {
        for (name, spec) in &mut p.nodes {
            if *name == phone_name(OTHER) {
                let NodeSpec::Phone(s) = spec else { panic!("a phone") };
                s.calls = vec![PlacedCall {
                    at: Duration::from_millis(300),
                    to: to.into(),
                    holding: Some(Duration::from_secs(if to == LINE { 1 } else { 4 })),
                    give_up_after: Some(Duration::from_secs(20)),
                }];
            }
        }
    }
    p
}

fn emulator() -> PtyModem {
    let cfg = EmuConfig {
        ring_period: Duration::from_millis(300),
        far_end: FarEnd::AnswerAfter(1),
        no_answer_rings: 4,
    };
    PtyModem::spawn(&USR5637, cfg).expect("a pty")
}

fn cfg(to: Option<&str>) -> BridgeConfig {
    BridgeConfig {
        to: to.map(str::to_string),
        dial: Some("5550199".into()),
        dial_wait: Duration::from_secs(10),
        ring_gone: Duration::from_secs(3),
        vra_tenths: 3,
    }
}

/// Wait for a network event that `want` accepts.
async fn await_event(r: &mut Running, want: impl Fn(&RtEvent) -> bool) -> RtEvent {
    tokio::time::timeout(WAIT, async {
        loop {
            let e = r.events.recv().await.expect("network running");
            if want(&e) {
                return e;
            }
        }
    })
    .await
    .expect("the event in time")
}

fn next_line(m: &PtyModem) -> LineEvent {
    m.line_events().recv_timeout(WAIT).expect("a line event")
}

type Log = Arc<Mutex<Vec<String>>>;

fn logger(log: &Log) -> impl FnMut(String) {
    let log = Arc::clone(log);
    move |s| log.lock().expect("log").push(s)
}

/// The network (with or without the other phone calling the line) and the
/// bridge driving the emulated modem as subscriber `LINE`; the bridge's log.
async fn bridged(
    emu: &PtyModem,
    other_calls_line: bool,
    to: Option<&str>,
) -> (Running, tokio::task::JoinHandle<Stopped>, Log) {
    bridged_plan(emu, &plan(other_calls_line), to).await
}

async fn bridged_plan(
    emu: &PtyModem,
    plan: &Plan,
    to: Option<&str>,
) -> (Running, tokio::task::JoinHandle<Stopped>, Log) {
    let (running, mut ends, _) = start_network(plan, LINE, None).await.expect("network");
    let mut m = serial::open(emu.path().to_str().expect("path")).expect("open");
    let log: Log = Log::default();
    let mut lg = logger(&log);
    prepare(&mut m, &mut lg).await.expect("prepare");
    let c = cfg(to);
    let bridge = tokio::spawn(async move { drive(&mut m, &mut ends, &c, &mut lg).await });
    (running, bridge, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_calls_the_line_modem_answers_network_hangs_up() {
    let emu = emulator();
    let (mut running, bridge, log) = bridged(&emu, true, None).await;

    assert_eq!(next_line(&emu), LineEvent::OffHook);
    assert_eq!(next_line(&emu), LineEvent::Dial("5550199".into()));
    await_event(&mut running, |e| e.event.kind == EventKind::Answered).await;
    // The caller hangs up after 1 s: the modem hangs up too.
    assert_eq!(next_line(&emu), LineEvent::OnHook);
    let rel = await_event(&mut running, |e| matches!(e.event.kind, EventKind::Released { .. })).await;
    assert_eq!(rel.event.kind, EventKind::Released { cause: 16 });
    running.shutdown();
    let stopped = tokio::time::timeout(WAIT, bridge).await.expect("bridge ends").expect("join");
    assert!(matches!(stopped, Stopped::NetworkGone), "{stopped:?}");
    let log = log.lock().expect("log").join("\n");
    assert!(log.contains("probable answer"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_far_end_on_the_line_releases_the_network_call_with_cause_17() {
    let emu = emulator();
    emu.script(Script::FarEnd(FarEnd::Busy));
    let (mut running, bridge, log) = bridged(&emu, true, None).await;

    assert_eq!(next_line(&emu), LineEvent::OffHook);
    assert_eq!(next_line(&emu), LineEvent::Dial("5550199".into()));
    let rel = await_event(&mut running, |e| matches!(e.event.kind, EventKind::Released { .. })).await;
    assert_eq!(rel.event.kind, EventKind::Released { cause: 17 });
    running.shutdown();
    let _ = tokio::time::timeout(WAIT, bridge).await;
    let log = log.lock().expect("log").join("\n");
    assert!(log.contains("cause 17"), "{log}");
}

fn note(e: &RtEvent, text: &str) -> bool {
    matches!(&e.event.kind, EventKind::Note(n) if n.contains(text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_line_rings_a_network_phone_with_caller_id_dtmf_crosses_far_hang_up_releases() {
    let emu = emulator();
    let (mut running, bridge, log) = bridged(&emu, false, Some(OTHER)).await;

    emu.script(Script::Ring(Some(CallerId {
        number: Some(CidValue::Value("3035550111".into())),
        ..CallerId::default()
    })));
    // The IAM carries the caller ID heard on the line as the calling number.
    let attempt = await_event(&mut running, |e| matches!(e.event.kind, EventKind::CallAttempt { .. })).await;
    assert_eq!(attempt.event.kind, EventKind::CallAttempt { from: "3035550111".into(), to: OTHER.into() });
    let far = await_event(&mut running, |e| matches!(e.event.kind, EventKind::CallAttempt { .. })).await;
    assert_eq!(
        far.event.kind,
        EventKind::CallAttempt { from: "3035550111".into(), to: OTHER.into() },
        "at the far switch too"
    );
    await_event(&mut running, |e| e.event.kind == EventKind::Answered).await;
    // The network answered: the bridge answers the ringing line.
    assert_eq!(next_line(&emu), LineEvent::OffHook);
    // DTMF from the line's far end crosses the network to the phone.
    emu.script(Script::FarDtmf(b'7'));
    emu.script(Script::FarDtmf(b'#'));
    await_event(&mut running, |e| note(e, &format!("{OTHER}: hears dtmf 7"))).await;
    await_event(&mut running, |e| note(e, &format!("{OTHER}: hears dtmf #"))).await;
    emu.script(Script::FarHangup);
    let rel = await_event(&mut running, |e| matches!(e.event.kind, EventKind::Released { .. })).await;
    assert_eq!(rel.event.kind, EventKind::Released { cause: 16 });
    assert_eq!(next_line(&emu), LineEvent::OnHook);
    running.shutdown();
    let _ = tokio::time::timeout(WAIT, bridge).await;
    let log = log.lock().expect("log").join("\n");
    assert!(log.contains("caller id 3035550111: presented to the network"), "{log}");
    assert!(log.contains("dtmf 7 from the line"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_caller_id_is_presented_restricted() {
    let emu = emulator();
    let (mut running, bridge, log) = bridged(&emu, false, Some(OTHER)).await;
    emu.script(Script::Ring(Some(CallerId { number: Some(CidValue::Private), ..CallerId::default() })));
    // Restricted: the network carries the line's own number, not shown to the phone.
    let attempt = await_event(&mut running, |e| matches!(e.event.kind, EventKind::CallAttempt { .. })).await;
    assert_eq!(attempt.event.kind, EventKind::CallAttempt { from: LINE.into(), to: OTHER.into() });
    await_event(&mut running, |e| e.event.kind == EventKind::Answered).await;
    running.shutdown();
    let _ = tokio::time::timeout(WAIT, bridge).await;
    let log = log.lock().expect("log").join("\n");
    assert!(log.contains("caller id private (presentation restricted)"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_phone_keys_dtmf_the_bridge_plays_it_on_the_line() {
    let emu = emulator();
    let plan = plan_to(true, &format!("{LINE},12#"));
    let (mut running, bridge, log) = bridged_plan(&emu, &plan, None).await;

    assert_eq!(next_line(&emu), LineEvent::OffHook);
    assert_eq!(next_line(&emu), LineEvent::Dial("5550199".into()));
    await_event(&mut running, |e| e.event.kind == EventKind::Answered).await;
    // A second after the answer the caller keys 12#: AT+VTS on the line.
    for d in *b"12#" {
        assert_eq!(next_line(&emu), LineEvent::Dtmf(d));
    }
    // And the line's far end keys back.
    emu.script(Script::FarDtmf(b'9'));
    await_event(&mut running, |e| note(e, &format!("{OTHER}: hears dtmf 9"))).await;
    assert_eq!(next_line(&emu), LineEvent::OnHook, "the caller hangs up after 4 s");
    running.shutdown();
    let _ = tokio::time::timeout(WAIT, bridge).await;
    let log = log.lock().expect("log").join("\n");
    assert!(log.contains("dtmf 12# from the network: AT+VTS on the line"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unplugging_mid_call_releases_the_network_side() {
    let emu = emulator();
    let (mut running, bridge, _log) = bridged(&emu, false, Some(OTHER)).await;

    emu.script(Script::Ring(None));
    await_event(&mut running, |e| e.event.kind == EventKind::Answered).await;
    assert_eq!(next_line(&emu), LineEvent::OffHook);
    emu.script(Script::Unplug);
    let stopped = tokio::time::timeout(WAIT, bridge).await.expect("bridge ends").expect("join");
    assert!(matches!(stopped, Stopped::Device(_)), "{stopped:?}");
    let rel = await_event(&mut running, |e| matches!(e.event.kind, EventKind::Released { .. })).await;
    assert_eq!(rel.event.kind, EventKind::Released { cause: 16 });
    running.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_unplug_the_bridge_re_initialises_the_device_when_it_is_back() {
    let first = emulator();
    let path = Arc::new(Mutex::new(first.path().to_str().expect("path").to_string()));
    let (mut running, mut ends, _) = start_network(&plan(false), LINE, None).await.expect("network");
    let (log_tx, log_rx) = std::sync::mpsc::channel::<String>();
    let p = Arc::clone(&path);
    let open = move || {
        let port = p.lock().expect("path").clone();
        serial::open(&port).map(|m| (port.clone(), m)).map_err(|e| format!("{port}: {e}"))
    };
    let c = cfg(Some(OTHER));
    let bridge = tokio::spawn(async move {
        let mut log = move |s: String| {
            let _ = log_tx.send(s);
        };
        serve_line(open, &mut ends, &c, Duration::from_millis(100), &mut log).await;
    });
    let wait_log = |what: &str| loop {
        let l = log_rx.recv_timeout(WAIT).unwrap_or_else(|_| panic!("no log line with {what:?}"));
        if l.contains(what) {
            return l;
        }
    };
    wait_log("ready");
    first.script(Script::Unplug);
    wait_log("is gone");
    drop(first);
    let second = emulator();
    *path.lock().expect("path") = second.path().to_str().expect("path").to_string();
    wait_log("ready");
    // The re-initialised line works: a ring goes into the network.
    second.script(Script::Ring(None));
    let attempt = await_event(&mut running, |e| matches!(e.event.kind, EventKind::CallAttempt { .. })).await;
    assert_eq!(attempt.event.kind, EventKind::CallAttempt { from: LINE.into(), to: OTHER.into() });
    running.shutdown();
    bridge.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bridge_opens_the_topologys_external_links_as_run_does() {
    let text = format!(
        "{}\n[[external]]\nname = \"lab-stp\"\nkind = \"m3ua_tcp\"\nswitch = \"SSP-A\"\npoint_code = \"1-1-8\"\nlocal = \"127.0.0.1:0\"\nrole = \"sgp\"\nrouting_context = 1\nprefixes = [\"415\"]\n",
        ainsim_runtime::topology::DEFAULT
    );
    let plan = Topology::parse(&text, "lab.toml").expect("topology").plan(None).expect("plan");
    let (running, _ends, bound) = start_network(&plan, LINE, None).await.expect("network");
    let [(name, addr)] = bound.as_slice() else { panic!("one outside link bound: {bound:?}") };
    assert_eq!(name, "lab-stp");
    // An outside peer can reach the network the line is bridged into.
    tokio::time::timeout(WAIT, tokio::net::TcpStream::connect(addr))
        .await
        .expect("in time")
        .expect("connects");
    running.shutdown();
    // A number that is no line is refused before anything starts.
    let err = start_network(&plan, "5550000", None).await.err().expect("refused");
    assert!(err.contains("--number 5550000"), "{err}");
}
