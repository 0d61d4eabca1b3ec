//! A line simulator: two emulated modems on one exchange, each with a
//! number; one dials the other, it rings with the caller's number as
//! caller ID, answers, and DTMF, audio and hang-ups cross.
//!
//! What it is: sans-IO glue over two [`ModemEmu`]s whose far end is
//! [`FarEnd::External`]; [`LineSim::step`] moves each modem's line events
//! to the other. What it is not: no tones generated as audio (tones are
//! DLE events, as a voice modem reports them).

use std::time::Duration;

use crate::emu::{EmuConfig, FarEnd, LineEvent, ModemEmu};
use crate::parse::{CallerId, CidValue};
use crate::profile::Profile;

/// Two modems, `0` and `1`, and their numbers.
#[derive(Debug)]
pub struct LineSim {
    pub modems: [ModemEmu; 2],
    numbers: [String; 2],
    /// `(caller, callee)` while a call rings.
    ringing: Option<(usize, usize)>,
    /// Whether side i is in a call with the other.
    joined: bool,
    /// Every line event routed, for [`LineSim::take_log`].
    log: Vec<(usize, LineEvent)>,
}

impl LineSim {
    /// Two modems of these profiles with these numbers.
    pub fn new(p: [&'static Profile; 2], numbers: [&str; 2], ring_period: Duration) -> LineSim {
        let cfg = EmuConfig { ring_period, far_end: FarEnd::External, no_answer_rings: 8 };
        LineSim {
            modems: [ModemEmu::new(p[0], cfg), ModemEmu::new(p[1], cfg)],
            numbers: numbers.map(str::to_string),
            ringing: None,
            joined: false,
            log: Vec::new(),
        }
    }

    /// The earliest timer of either modem.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.modems.iter().filter_map(ModemEmu::poll_timeout).min()
    }

    /// The line events routed since the last call: `(which modem, event)`.
    pub fn take_log(&mut self) -> Vec<(usize, LineEvent)> {
        std::mem::take(&mut self.log)
    }

    /// Fire due timers and route line events until nothing moves.
    pub fn step(&mut self, now: Duration) {
        for m in &mut self.modems {
            m.handle_timeout(now);
        }
        loop {
            let mut moved = false;
            for x in 0..2 {
                let y = 1 - x;
                while let Some(e) = self.modems[x].poll_line() {
                    moved = true;
                    self.log.push((x, e.clone()));
                    self.route(now, x, y, e);
                }
            }
            if !moved {
                return;
            }
        }
    }

    fn route(&mut self, now: Duration, x: usize, y: usize, e: LineEvent) {
        match e {
            LineEvent::Dial(n) => {
                if n == self.numbers[y] && !self.modems[y].off_hook() && !self.modems[y].ringing() {
                    let cid = CallerId {
                        number: Some(CidValue::Value(self.numbers[x].clone())),
                        ..CallerId::default()
                    };
                    self.modems[y].ring(now, Some(cid));
                    self.modems[x].remote_ringback();
                    self.ringing = Some((x, y));
                } else {
                    self.modems[x].remote_busy();
                }
            }
            LineEvent::OffHook => {
                if self.ringing == Some((y, x)) {
                    self.ringing = None;
                    self.joined = true;
                    self.modems[y].remote_answer(now);
                }
            }
            LineEvent::OnHook => {
                if self.ringing.is_some_and(|(a, _)| a == x) {
                    self.ringing = None;
                    self.modems[y].far_hangup(now);
                } else if std::mem::take(&mut self.joined) {
                    self.modems[y].far_hangup(now);
                }
            }
            LineEvent::Dtmf(d) if self.joined => self.modems[y].far_dtmf(d),
            LineEvent::Audio(a) if self.joined => self.modems[y].far_audio(&a),
            LineEvent::Dtmf(_) | LineEvent::Audio(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{USR5637, ZOOM3095};

    fn talk(s: &mut LineSim, i: usize, now: Duration, cmd: &str) -> String {
        s.modems[i].handle_input(now, format!("{cmd}\r").as_bytes());
        s.step(now);
        String::from_utf8_lossy(&s.modems[i].poll_transmit().unwrap_or_default()).into_owned()
    }

    fn out(s: &mut LineSim, i: usize) -> String {
        String::from_utf8_lossy(&s.modems[i].poll_transmit().unwrap_or_default()).into_owned()
    }

    #[test]
    fn a_calls_b_b_answers_dtmf_crosses_b_hangs_up() {
        let t = Duration::from_secs;
        let mut s = LineSim::new([&USR5637, &ZOOM3095], ["5550001", "5550002"], t(6));
        for (i, cid) in [(0, "AT+VCID=1"), (1, "AT#CID=1")] {
            talk(&mut s, i, t(0), "ATE0");
            talk(&mut s, i, t(0), "AT+FCLASS=8");
            assert_eq!(talk(&mut s, i, t(0), cid), "\r\nOK\r\n");
        }
        assert_eq!(talk(&mut s, 0, t(1), "AT+VRA=10"), "\r\nOK\r\n");
        assert_eq!(talk(&mut s, 0, t(1), "ATD5550002"), "\x10r");
        assert_eq!(out(&mut s, 1), "\r\nRING\r\n\r\nNMBR = 5550001\r\n");
        assert_eq!(talk(&mut s, 1, t(3), "ATA"), "\r\nVCON\r\n");
        assert_eq!(s.poll_timeout(), Some(t(4)));
        s.step(t(4));
        assert_eq!(out(&mut s, 0), "\r\nVCON\r\n");
        assert_eq!(talk(&mut s, 0, t(5), "AT+VTS=4,2"), "\r\nOK\r\n");
        assert_eq!(out(&mut s, 1), "\x104\x102");
        assert_eq!(talk(&mut s, 1, t(6), "ATH"), "\r\nOK\r\n");
        assert_eq!(out(&mut s, 0), "\x10l\x10b");
    }

    #[test]
    fn dialling_a_busy_or_unknown_number_is_busy() {
        let t = Duration::from_secs;
        let mut s = LineSim::new([&USR5637, &USR5637], ["1", "2"], t(6));
        talk(&mut s, 0, t(0), "ATE0");
        talk(&mut s, 0, t(0), "AT+FCLASS=8");
        assert_eq!(talk(&mut s, 0, t(0), "ATD3"), "\r\nBUSY\r\n");
    }
}
