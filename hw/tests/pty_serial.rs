//! The real tokio-serial code against the modem emulator on a pty: every
//! operation of `ops`, per profile, plus unplugging.

use std::sync::mpsc::Receiver;
use std::time::Duration;

use ainsim_hw::emu::{EmuConfig, FarEnd, LineEvent};
use ainsim_hw::ops::{DialOutcome, HwError, ModemEvent};
use ainsim_hw::parse::{CallerId, CidField, CidValue, DLE};
use ainsim_hw::profile::{Profile, GATEWAY, USR5637, ZOOM3095};
use ainsim_hw::pty::{PtyModem, Script};
use ainsim_hw::serial;

const WAIT: Duration = Duration::from_secs(15);

fn cfg(far_end: FarEnd) -> EmuConfig {
    EmuConfig { ring_period: Duration::from_millis(300), far_end, no_answer_rings: 3 }
}

fn spawn(p: &'static Profile, far_end: FarEnd) -> PtyModem {
    PtyModem::spawn(p, cfg(far_end)).expect("a pty")
}

fn next_line(rx: &Receiver<LineEvent>) -> LineEvent {
    rx.recv_timeout(WAIT).expect("a line event")
}

#[tokio::test]
async fn usr5637_incoming_call_with_caller_id_dtmf_audio_and_hangup() {
    let emu = spawn(&USR5637, FarEnd::AnswerAfter(1));
    let mut m = serial::open(emu.path().to_str().expect("utf-8 path")).expect("open the pty");
    let id = m.identify().await.expect("identify");
    assert_eq!(id.profile.id, "usr5637");
    assert_eq!(id.ati[0], "5601");
    m.init().await.expect("init");
    assert_eq!(m.enable_caller_id().await.expect("cid"), "AT+VCID=1");
    assert_eq!(m.voice_mode().await.expect("voice"), 128);

    let cid = CallerId {
        number: Some(CidValue::Value("5551234".into())),
        name: Some(CidValue::Private),
        ..CallerId::default()
    };
    emu.script(Script::Ring(Some(cid)));
    assert_eq!(m.next_event(WAIT).await.expect("event"), Some(ModemEvent::Ring(None)));
    assert_eq!(
        m.next_event(WAIT).await.expect("event"),
        Some(ModemEvent::Cid(CidField::Number(CidValue::Value("5551234".into()))))
    );
    assert_eq!(
        m.next_event(WAIT).await.expect("event"),
        Some(ModemEvent::Cid(CidField::Name(CidValue::Private)))
    );
    m.answer().await.expect("answer");
    assert_eq!(next_line(emu.line_events()), LineEvent::OffHook);

    emu.script(Script::FarDtmf(b'5'));
    // Later RINGs may have been queued before the answer; skip them.
    let dtmf = loop {
        match m.next_event(WAIT).await.expect("event") {
            Some(ModemEvent::Ring(_)) => {}
            e => break e,
        }
    };
    assert_eq!(dtmf, Some(ModemEvent::Dtmf(b'5')));
    m.send_dtmf("1#").await.expect("dtmf");
    assert_eq!(next_line(emu.line_events()), LineEvent::Dtmf(b'1'));
    assert_eq!(next_line(emu.line_events()), LineEvent::Dtmf(b'#'));

    let audio: Vec<u8> = (0..=255u8).chain([DLE, DLE, 3]).collect();
    m.play(&audio).await.expect("play");
    let mut heard = Vec::new();
    while heard.len() < audio.len() {
        match next_line(emu.line_events()) {
            LineEvent::Audio(a) => heard.extend(a),
            e => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(heard, audio);

    emu.script(Script::FarAudio(audio.clone()));
    let got = m.record(audio.len(), WAIT).await.expect("record");
    assert_eq!(got, audio);

    emu.script(Script::FarHangup);
    assert_eq!(
        m.next_event(WAIT).await.expect("event"),
        Some(ModemEvent::Tone(ainsim_hw::DleEvent::LoopBreak))
    );
    assert_eq!(m.next_event(WAIT).await.expect("event"), Some(ModemEvent::Tone(ainsim_hw::DleEvent::Busy)));
    m.hang_up().await.expect("hang up");
    assert_eq!(next_line(emu.line_events()), LineEvent::OnHook);
}

#[tokio::test]
async fn zoom3095_falls_back_to_hash_cid_and_dial_outcomes() {
    let emu = spawn(&ZOOM3095, FarEnd::AnswerAfter(1));
    let mut m = serial::open(emu.path().to_str().expect("utf-8 path")).expect("open the pty");
    assert_eq!(m.identify().await.expect("identify").profile.id, "zoom3095");
    m.init().await.expect("init");
    assert_eq!(m.enable_caller_id().await.expect("cid"), "AT#CID=1");
    assert_eq!(m.voice_mode().await.expect("voice"), 1);

    assert_eq!(m.dial("5550100", 3, WAIT).await.expect("dial"), DialOutcome::ProbableAnswer);
    assert_eq!(next_line(emu.line_events()), LineEvent::OffHook);
    assert_eq!(next_line(emu.line_events()), LineEvent::Dial("5550100".into()));
    // Conexant ends playback only on a triple DLE: the profile sends it.
    m.play(&[1, 2, 3]).await.expect("play ends");
    m.hang_up().await.expect("hang up");

    for (far, want) in [
        (FarEnd::Busy, DialOutcome::Busy),
        (FarEnd::NoAnswer, DialOutcome::NoAnswer),
        (FarEnd::NoDialtone, DialOutcome::NoDialTone),
    ] {
        emu.script(Script::FarEnd(far));
        assert_eq!(m.dial("5550100", 3, WAIT).await.expect("dial"), want, "{far:?}");
        m.hang_up().await.expect("hang up");
    }
}

#[tokio::test]
async fn gateway_rings_its_phone_with_caller_id() {
    let emu = spawn(&GATEWAY, FarEnd::AnswerAfter(1));
    let mut m = serial::open(emu.path().to_str().expect("utf-8 path")).expect("open the pty");
    assert_eq!(m.identify().await.expect("identify").profile.id, "gateway");
    m.init().await.expect("init");
    m.voice_mode().await.expect("voice");
    assert_eq!(m.dial("2125550100", 2, WAIT).await.expect("ring"), DialOutcome::ProbableAnswer);
    assert_eq!(next_line(emu.line_events()), LineEvent::OffHook);
    assert_eq!(next_line(emu.line_events()), LineEvent::Dial("2125550100".into()));
}

#[tokio::test]
async fn unplugging_is_an_error_not_a_hang() {
    let emu = spawn(&USR5637, FarEnd::AnswerAfter(1));
    let mut m = serial::open(emu.path().to_str().expect("utf-8 path")).expect("open the pty");
    m.init().await.expect("init");
    emu.script(Script::Unplug);
    let r = m.next_event(WAIT).await;
    assert!(matches!(r, Err(HwError::Closed | HwError::Io(_))), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_answered_lines_are_joined_with_audio_both_ways_until_one_hangs_up() {
    use ainsim_hw::bridge::{join_lines, JoinEnd};
    let (ea, eb) = (spawn(&USR5637, FarEnd::AnswerAfter(1)), spawn(&ZOOM3095, FarEnd::AnswerAfter(1)));
    let mut ms = Vec::new();
    for e in [&ea, &eb] {
        let mut m = serial::open(e.path().to_str().expect("utf-8 path")).expect("open the pty");
        m.identify().await.expect("identify");
        m.init().await.expect("init");
        m.voice_mode().await.expect("voice");
        e.script(Script::Ring(None));
        assert_eq!(m.next_event(WAIT).await.expect("event"), Some(ModemEvent::Ring(None)));
        m.answer().await.expect("answer");
        assert_eq!(next_line(e.line_events()), LineEvent::OffHook);
        ms.push(m);
    }
    let (mut b, mut a) = (ms.pop().expect("b"), ms.pop().expect("a"));
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let l2 = std::sync::Arc::clone(&log);
    let join = tokio::spawn(async move {
        let mut lg = move |s: String| l2.lock().expect("log").push(s);
        join_lines(&mut a, &mut b, &mut lg).await
    });
    let heard = |e: &PtyModem, n: usize| {
        let mut got = Vec::new();
        while got.len() < n {
            match next_line(e.line_events()) {
                LineEvent::Audio(a) => got.extend(a),
                other => panic!("unexpected {other:?}"),
            }
        }
        got
    };
    // Audio from each far end reaches the other line, DLEs intact.
    let sound = vec![1, DLE, 2, DLE, DLE, 3];
    // Held until the stream starts, then sent: either way it arrives.
    ea.script(Script::FarAudio(sound.clone()));
    assert_eq!(heard(&eb, sound.len()), sound);
    eb.script(Script::FarAudio(vec![9, 8, 7]));
    assert_eq!(heard(&ea, 3), vec![9, 8, 7]);
    eb.script(Script::FarHangup);
    let end = tokio::time::timeout(WAIT, join).await.expect("join ends").expect("join task").expect("join");
    assert_eq!(end, JoinEnd::SecondHungUp);
    assert_eq!(next_line(ea.line_events()), LineEvent::OnHook);
    assert_eq!(next_line(eb.line_events()), LineEvent::OnHook);
    assert!(log.lock().expect("log")[0].contains("neither usr5637 nor zoom3095 cancels echo"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_a_ring_on_one_line_dials_the_other_and_joins_them() {
    use ainsim_hw::bridge::{relay_calls, BridgeConfig};
    let (ea, eb) = (spawn(&USR5637, FarEnd::AnswerAfter(1)), spawn(&USR5637, FarEnd::AnswerAfter(1)));
    let mut ms = Vec::new();
    for e in [&ea, &eb] {
        let mut m = serial::open(e.path().to_str().expect("utf-8 path")).expect("open the pty");
        m.identify().await.expect("identify");
        m.init().await.expect("init");
        m.voice_mode().await.expect("voice");
        ms.push(m);
    }
    let (mut b, mut a) = (ms.pop().expect("b"), ms.pop().expect("a"));
    let cfg = BridgeConfig { vra_tenths: 3, dial_wait: WAIT, ..BridgeConfig::default() };
    let relay = tokio::spawn(async move {
        let mut log = |_s: String| {};
        relay_calls(&mut a, &mut b, "5550123", &cfg, &mut log).await
    });
    ea.script(Script::Ring(None));
    assert_eq!(next_line(eb.line_events()), LineEvent::OffHook);
    assert_eq!(next_line(eb.line_events()), LineEvent::Dial("5550123".into()));
    assert_eq!(next_line(ea.line_events()), LineEvent::OffHook);
    ea.script(Script::FarAudio(vec![4, DLE, 5]));
    let mut got = Vec::new();
    while got.len() < 3 {
        match next_line(eb.line_events()) {
            LineEvent::Audio(x) => got.extend(x),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(got, vec![4, DLE, 5]);
    ea.script(Script::FarHangup);
    assert_eq!(next_line(ea.line_events()), LineEvent::OnHook);
    assert_eq!(next_line(eb.line_events()), LineEvent::OnHook);
    relay.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_simulator_on_two_ptys_one_modem_calls_the_other() {
    use ainsim_hw::pty::PtyLinePair;
    let pair = PtyLinePair::spawn([&USR5637, &ZOOM3095], ["5550001", "5550002"], Duration::from_millis(300))
        .expect("ptys");
    let [pa, pb] = pair.paths();
    let mut a = serial::open(pa.to_str().expect("path")).expect("open a");
    let mut b = serial::open(pb.to_str().expect("path")).expect("open b");
    for m in [&mut a, &mut b] {
        m.identify().await.expect("identify");
        m.init().await.expect("init");
        m.enable_caller_id().await.expect("cid");
        m.voice_mode().await.expect("voice");
    }
    let dial = tokio::spawn(async move {
        let r = a.dial("5550002", 3, WAIT).await;
        (a, r)
    });
    assert_eq!(b.next_event(WAIT).await.expect("event"), Some(ModemEvent::Ring(None)));
    assert_eq!(
        b.next_event(WAIT).await.expect("event"),
        Some(ModemEvent::Cid(CidField::Number(CidValue::Value("5550001".into()))))
    );
    b.answer().await.expect("answer");
    let (mut a, r) = dial.await.expect("dial task");
    assert_eq!(r.expect("dial"), DialOutcome::ProbableAnswer);
    a.send_dtmf("9").await.expect("dtmf");
    let dtmf = loop {
        match b.next_event(WAIT).await.expect("event") {
            Some(ModemEvent::Ring(_)) => {}
            e => break e,
        }
    };
    assert_eq!(dtmf, Some(ModemEvent::Dtmf(b'9')));
    b.hang_up().await.expect("hang up");
    let tone = loop {
        match a.next_event(WAIT).await.expect("event") {
            Some(ModemEvent::Tone(ainsim_hw::DleEvent::Ringback)) => {}
            e => break e,
        }
    };
    assert_eq!(tone, Some(ModemEvent::Tone(ainsim_hw::DleEvent::LoopBreak)));
    let events: Vec<(usize, LineEvent)> = std::iter::from_fn(|| pair.line_events().try_recv().ok()).collect();
    assert!(events.contains(&(0, LineEvent::Dial("5550002".into()))), "{events:?}");
    assert!(events.contains(&(1, LineEvent::OnHook)), "{events:?}");
}
