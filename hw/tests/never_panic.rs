//! Arbitrary bytes never panic the parsers or the engine, and the engine
//! always answers: a command gets exactly one response, or its timeout.

use std::time::Duration;

use ainsim_hw::engine::{AtEngine, Command, DataMode, EngineEvent};
use ainsim_hw::parse::{parse_line, parse_raw_cid, DleDecoder, VoiceItem};
use proptest::prelude::*;

proptest! {
    #[test]
    fn parse_line_never_panics(s in ".*") {
        let _ = parse_line(&s);
    }

    #[test]
    fn raw_cid_never_panics(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_raw_cid(&b);
    }

    #[test]
    fn dle_decoder_is_split_invariant(b in proptest::collection::vec(any::<u8>(), 0..400), cut in 0usize..400) {
        let cut = cut.min(b.len());
        let mut whole = Vec::new();
        let used_whole = DleDecoder::default().feed(&b, &mut whole);
        let mut parts = Vec::new();
        let mut d = DleDecoder::default();
        let used_a = d.feed(&b[..cut], &mut parts);
        if used_a.is_none() {
            let _ = d.feed(&b[cut..], &mut parts);
        }
        // Merge adjacent audio for comparison: a split may cut one run in two.
        let merge = |v: Vec<VoiceItem>| v.into_iter().fold(Vec::new(), |mut acc: Vec<VoiceItem>, it| {
            match (acc.last_mut(), it) {
                (Some(VoiceItem::Audio(a)), VoiceItem::Audio(b)) => a.extend(b),
                (_, it) => acc.push(it),
            }
            acc
        });
        prop_assert_eq!(merge(whole), merge(parts));
        prop_assert!(used_whole.is_none_or(|n| n <= b.len()));
    }

    #[test]
    fn engine_answers_every_command(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..20), data in 0u8..4) {
        let mut e = AtEngine::new();
        let mode = [DataMode::None, DataMode::Transmit, DataMode::Receive, DataMode::Duplex][usize::from(data)];
        e.send(Duration::ZERO, Command { text: "AT+VRX".into(), timeout: Duration::from_secs(1), data: mode }).expect("idle");
        let mut responses = 0;
        for (i, c) in chunks.iter().enumerate() {
            e.handle_input(Duration::from_millis(u64::try_from(i).unwrap_or(0)), c);
            let _ = e.end_data(Duration::from_millis(30), &[0x10, 0x03], Duration::from_secs(1));
            let _ = e.send_audio(c);
        }
        e.handle_timeout(Duration::from_secs(5));
        while let Some(ev) = e.poll_event() {
            if let EngineEvent::Response(_) = ev { responses += 1; }
        }
        prop_assert!(responses >= 1);
        prop_assert!(!e.is_busy());
    }
}

proptest! {
    /// The emulator takes any bytes from the DTE and any far-end verb, in any order.
    #[test]
    fn emulator_never_panics(
        steps in proptest::collection::vec((0u8..8, proptest::collection::vec(any::<u8>(), 0..48)), 0..40),
        profile in 0usize..4,
    ) {
        use ainsim_hw::emu::{EmuConfig, FarEnd, ModemEmu};
        let p = ainsim_hw::profile::PROFILES[profile];
        let mut m = ModemEmu::new(p, EmuConfig { far_end: FarEnd::AnswerAfter(1), ..EmuConfig::default() });
        let mut now = Duration::ZERO;
        // Put it in voice mode first so dialling and streams are reachable.
        m.handle_input(now, b"AT+FCLASS=8\rATE0\r");
        for (verb, bytes) in steps {
            now += Duration::from_millis(700);
            match verb {
                0 => m.ring(now, None),
                1 => m.far_dtmf(bytes.first().copied().unwrap_or(b'1')),
                2 => m.far_hangup(now),
                3 => m.far_audio(&bytes),
                4 => m.handle_input(now, b"ATD123\r"),
                5 => m.handle_input(now, b"AT+VLS=1\rAT+VRX\r"),
                _ => m.handle_input(now, &bytes),
            }
            m.handle_timeout(now);
            let _ = m.poll_transmit();
            while m.poll_line().is_some() {}
        }
    }
}
