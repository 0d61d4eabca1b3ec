//! A sans-IO V.253 voice modem: what the DTE would talk to on the serial
//! port, with the far end of its phone line scripted.
//!
//! What it is: [`ModemEmu`] takes the DTE's bytes
//! ([`ModemEmu::handle_input`]) and the script's verbs (an incoming
//! [`ModemEmu::ring`] with caller ID, [`ModemEmu::far_dtmf`],
//! [`ModemEmu::far_hangup`], far audio), keeps a ring/ringback timer
//! ([`ModemEmu::poll_timeout`] / [`ModemEmu::handle_timeout`]), and gives
//! bytes for the DTE ([`ModemEmu::poll_transmit`]) and what it does on the
//! line ([`ModemEmu::poll_line`]: off/on hook, dialled number, DTMF,
//! audio). The profile's quirks apply: its `ATI` texts and `+VSM` list, the
//! one caller-ID command it accepts, the exact `+VSM=` form, `+VSD`,
//! `+VTR`, and the triple-DLE end of playback of Conexant.
//! What it is not: no port (`pty` runs it on a pseudo-terminal), no data
//! or fax modes, one command per line (no `ATE0V1` chains).
//!
//! Contract: never panics on any input; an unknown command answers ERROR.

use std::collections::VecDeque;
use std::time::Duration;

use crate::parse::{dle_escape, CallerId, DleEvent, DLE, ETX};
use crate::profile::{DleStyle, Profile};

/// What the far end does when the DTE dials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FarEnd {
    /// Ringback, then answer after this many rings.
    AnswerAfter(u32),
    Busy,
    /// Ringback until the modem gives up.
    NoAnswer,
    /// The line is dead: `NO DIALTONE`.
    NoDialtone,
    /// Another party decides: [`ModemEmu::remote_answer`], [`ModemEmu::remote_busy`]
    /// (the line simulator, the bridge).
    External,
}

/// Timing and behaviour of the scripted line.
#[derive(Debug, Clone, Copy)]
pub struct EmuConfig {
    /// Ring and ringback cadence (6 s in North America).
    pub ring_period: Duration,
    pub far_end: FarEnd,
    /// Ringbacks before `NO ANSWER`.
    pub no_answer_rings: u32,
}

impl Default for EmuConfig {
    fn default() -> EmuConfig {
        EmuConfig { ring_period: Duration::from_secs(6), far_end: FarEnd::AnswerAfter(2), no_answer_rings: 8 }
    }
}

/// What the emulated modem does on its phone line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent {
    OffHook,
    OnHook,
    /// Dialled (or, on a gateway, the FXS phone is rung with this caller ID).
    Dial(String),
    Dtmf(u8),
    Audio(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    Idle,
    /// The line rings toward us.
    Incoming {
        cid: Option<CallerId>,
        rings: u32,
    },
    /// We dialled; `answered` once the far end picked up (VCON after `+VRA`).
    Outgoing {
        rings: u32,
        answered: bool,
    },
    /// Off hook, talking (or just off hook with dial tone).
    Up,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    None,
    Tx,
    Rx,
    Duplex,
}

/// The emulated modem.
#[derive(Debug)]
pub struct ModemEmu {
    profile: &'static Profile,
    cfg: EmuConfig,
    echo: bool,
    fclass: u8,
    vsm: Option<u16>,
    cid_on: bool,
    /// `+VRA`: ringback gone this long (0.1 s units) means answered.
    vra: u32,
    call: Call,
    stream: Stream,
    /// DLEs in a row in a stream from the DTE.
    dles: usize,
    cmd: Vec<u8>,
    held_audio: Vec<u8>,
    out: Vec<u8>,
    line: VecDeque<LineEvent>,
    timer: Option<Duration>,
}

const MAX_CMD: usize = 256;

/// Far-end audio kept between receive streams (8 s at 8 kHz).
pub const MAX_HELD_AUDIO: usize = 64_000;

impl ModemEmu {
    /// A modem of `profile`, on hook, echo on, in data class 0 (as after power-on).
    pub fn new(profile: &'static Profile, cfg: EmuConfig) -> ModemEmu {
        ModemEmu {
            profile,
            cfg,
            echo: true,
            fclass: 0,
            vsm: None,
            cid_on: false,
            vra: 50,
            call: Call::Idle,
            stream: Stream::None,
            dles: 0,
            cmd: Vec::new(),
            held_audio: Vec::new(),
            out: Vec::new(),
            line: VecDeque::new(),
            timer: None,
        }
    }

    pub fn profile(&self) -> &'static Profile {
        self.profile
    }

    /// Change what the far end does on the next dial.
    pub fn set_far_end(&mut self, f: FarEnd) {
        self.cfg.far_end = f;
    }

    /// Whether the modem holds the line (off hook).
    pub fn off_hook(&self) -> bool {
        matches!(self.call, Call::Up | Call::Outgoing { .. })
    }

    /// Whether the line rings toward the modem.
    pub fn ringing(&self) -> bool {
        matches!(self.call, Call::Incoming { .. })
    }

    /// Bytes for the DTE.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        (!self.out.is_empty()).then(|| std::mem::take(&mut self.out))
    }

    /// The next thing done on the line.
    pub fn poll_line(&mut self) -> Option<LineEvent> {
        self.line.pop_front()
    }

    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timer
    }

    fn result(&mut self, s: &str) {
        self.out.extend_from_slice(b"\r\n");
        self.out.extend_from_slice(s.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    fn event(&mut self, e: DleEvent) {
        self.out.extend_from_slice(&[DLE, e.code()]);
    }

    /// Script: the line rings toward the modem (a call comes in), first ring now.
    pub fn ring(&mut self, now: Duration, cid: Option<CallerId>) {
        if self.call == Call::Idle {
            self.call = Call::Incoming { cid, rings: 0 };
            self.timer = Some(now);
            self.handle_timeout(now);
        }
    }

    /// Script: the far end presses a key.
    pub fn far_dtmf(&mut self, digit: u8) {
        if self.call == Call::Up {
            self.event(DleEvent::Dtmf(digit));
        }
    }

    /// Script: far-end audio (8-bit, 8 kHz); reaches the DTE in a receive
    /// stream, or is held (up to [`MAX_HELD_AUDIO`], while off hook) for the next one.
    pub fn far_audio(&mut self, audio: &[u8]) {
        if matches!(self.stream, Stream::Rx | Stream::Duplex) {
            dle_escape(audio, &mut self.out);
        } else if self.call == Call::Up {
            let room = MAX_HELD_AUDIO.saturating_sub(self.held_audio.len());
            self.held_audio.extend_from_slice(&audio[..audio.len().min(room)]);
        }
    }

    /// Script: the far end hangs up (or stops ringing before we answered).
    pub fn far_hangup(&mut self, _now: Duration) {
        match self.call {
            Call::Incoming { .. } => {
                self.call = Call::Idle;
                self.timer = None;
            }
            Call::Outgoing { .. } => {
                self.call = Call::Idle;
                self.timer = None;
                self.line.push_back(LineEvent::OnHook);
                self.result("NO CARRIER");
            }
            // The exchange drops the loop, then plays busy tone (V.253 `l`, `b`).
            Call::Up => {
                self.event(DleEvent::LoopBreak);
                self.event(DleEvent::Busy);
            }
            Call::Idle => {}
        }
    }

    /// External far end: ringback heard.
    pub fn remote_ringback(&mut self) {
        if matches!(self.call, Call::Outgoing { answered: false, .. }) {
            self.event(DleEvent::Ringback);
        }
    }

    /// External far end: answered; `VCON` after the `+VRA` silence.
    pub fn remote_answer(&mut self, now: Duration) {
        if let Call::Outgoing { answered, .. } = &mut self.call {
            *answered = true;
            self.timer = Some(now + Duration::from_millis(u64::from(self.vra) * 100));
        }
    }

    /// External far end: busy.
    pub fn remote_busy(&mut self) {
        if matches!(self.call, Call::Outgoing { .. }) {
            self.call = Call::Idle;
            self.timer = None;
            self.line.push_back(LineEvent::OnHook);
            self.result("BUSY");
        }
    }

    /// Ring, ringback, answer.
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.timer.is_none_or(|t| now < t) {
            return;
        }
        self.timer = None;
        let period = self.cfg.ring_period;
        match &mut self.call {
            Call::Incoming { cid, rings } => {
                *rings += 1;
                let first = *rings == 1;
                let cid = cid.clone();
                self.result("RING");
                // Caller ID comes between the first and second ring (GR-30-CORE).
                if first && self.cid_on {
                    if let Some(c) = cid {
                        let t = c.emit_formatted(self.profile.cid_spaces);
                        self.out.extend_from_slice(b"\r\n");
                        self.out.extend_from_slice(t.as_bytes());
                    }
                }
                self.timer = Some(now + period);
            }
            Call::Outgoing { answered: true, .. } => {
                self.call = Call::Up;
                self.result("VCON");
            }
            Call::Outgoing { rings, answered: false } => {
                *rings += 1;
                let rings = *rings;
                match self.cfg.far_end {
                    FarEnd::Busy => {
                        self.call = Call::Idle;
                        self.line.push_back(LineEvent::OnHook);
                        self.result("BUSY");
                    }
                    FarEnd::AnswerAfter(n) if rings > n => self.remote_answer(now),
                    _ if rings > self.cfg.no_answer_rings => {
                        self.call = Call::Idle;
                        self.line.push_back(LineEvent::OnHook);
                        self.result("NO ANSWER");
                    }
                    FarEnd::External => {}
                    _ => {
                        self.event(DleEvent::Ringback);
                        self.timer = Some(now + period);
                    }
                }
            }
            Call::Up | Call::Idle => {}
        }
    }

    /// Bytes from the DTE.
    pub fn handle_input(&mut self, now: Duration, input: &[u8]) {
        for &b in input {
            if self.stream == Stream::None {
                self.command_byte(now, b);
            } else {
                self.stream_byte(b);
            }
        }
    }

    fn stream_byte(&mut self, b: u8) {
        if b == DLE {
            self.dles += 1;
            return;
        }
        let k = std::mem::take(&mut self.dles);
        let triple = self.profile.dle == DleStyle::Triple;
        // Conexant: a command needs three DLEs (which carry no data DLE);
        // a single DLE before a command is lost, the byte taken as audio.
        let command = k % 2 == 1 && !(triple && k == 1);
        let data_dles = if command && triple { (k - 3) / 2 } else { k / 2 };
        let mut audio = vec![DLE; data_dles];
        if !command {
            if k % 2 == 1 {
                audio.push(DLE);
            }
            audio.push(b);
        }
        if !audio.is_empty() && matches!(self.stream, Stream::Tx | Stream::Duplex) {
            self.line.push_back(LineEvent::Audio(audio));
        }
        if command {
            match (b, self.stream) {
                (ETX, Stream::Tx) => {
                    self.stream = Stream::None;
                    self.result("OK");
                }
                (ETX | b'!', Stream::Rx | Stream::Duplex) => {
                    self.stream = Stream::None;
                    self.out.extend_from_slice(&[DLE, ETX]);
                    self.result("OK");
                }
                _ => {}
            }
        }
    }

    fn command_byte(&mut self, now: Duration, b: u8) {
        if self.echo {
            self.out.push(b);
        }
        match b {
            b'\r' => {
                let line =
                    String::from_utf8_lossy(&std::mem::take(&mut self.cmd)).trim().to_ascii_uppercase();
                if line.len() >= 2 && line.starts_with("AT") {
                    self.command(now, &line[2..]);
                } else if line.len() > MAX_CMD {
                    self.result("ERROR");
                }
            }
            b'\n' => {}
            0x08 => {
                self.cmd.pop();
            }
            _ => {
                if self.cmd.len() <= MAX_CMD {
                    self.cmd.push(b);
                }
            }
        }
    }

    fn reset(&mut self) {
        self.hang_up();
        self.echo = true;
        self.fclass = 0;
        self.vsm = None;
        self.cid_on = false;
    }

    fn hang_up(&mut self) {
        if self.off_hook() {
            self.line.push_back(LineEvent::OnHook);
        }
        if !self.ringing() {
            self.call = Call::Idle;
            self.timer = None;
        }
        self.held_audio.clear();
    }

    fn dial(&mut self, now: Duration, number: &str) {
        if self.fclass != 8 {
            // Data and fax calls are not emulated.
            self.result("NO CARRIER");
            return;
        }
        if self.cfg.far_end == FarEnd::NoDialtone {
            self.result("NO DIALTONE");
            return;
        }
        self.line.push_back(LineEvent::OffHook);
        self.line.push_back(LineEvent::Dial(number.to_string()));
        self.call = Call::Outgoing { rings: 0, answered: false };
        if self.cfg.far_end != FarEnd::External {
            self.timer = Some(now + Duration::from_millis(500));
        }
    }

    fn command(&mut self, now: Duration, c: &str) {
        let p = self.profile;
        let ok = |s: &mut ModemEmu| s.result("OK");
        let voice = self.fclass == 8;
        match c {
            "" | "V1" | "Q0" | "&C1" | "&D2" | "S0=0" | "L1" | "M1" => ok(self),
            "Z" | "&F" => {
                self.reset();
                ok(self);
            }
            "E0" => {
                self.echo = false;
                ok(self);
            }
            "E1" => {
                self.echo = true;
                ok(self);
            }
            "I" | "I0" | "I3" | "I9" => {
                let n = match c {
                    "I3" => 1,
                    "I9" => 2,
                    _ => 0,
                };
                let t = p.ati[n];
                self.result(t);
                ok(self);
            }
            "+FCLASS=0" | "+FCLASS=1" | "+FCLASS=8" => {
                self.fclass = c.as_bytes()[8] - b'0';
                ok(self);
            }
            "+FCLASS?" => {
                let t = self.fclass.to_string();
                self.result(&t);
                ok(self);
            }
            "+FCLASS=?" => {
                self.result("0,1,8");
                ok(self);
            }
            "+VSM=?" => {
                for l in p.vsm_list {
                    self.result(l);
                }
                ok(self);
            }
            "H" | "H0" | "+VLS=0" => {
                self.hang_up();
                ok(self);
            }
            "A" => match self.call {
                Call::Incoming { .. } if voice => {
                    self.answer();
                    self.result("VCON");
                }
                _ => self.result("NO CARRIER"),
            },
            "+VLS=1" if voice => {
                if self.ringing() {
                    self.answer();
                } else if self.call == Call::Idle {
                    self.call = Call::Up;
                    self.line.push_back(LineEvent::OffHook);
                }
                ok(self);
            }
            "+VTX" | "+VRX" | "+VTR" if voice && self.call == Call::Up => {
                self.stream = match c {
                    "+VTX" => Stream::Tx,
                    "+VRX" => Stream::Rx,
                    _ if p.full_duplex => Stream::Duplex,
                    _ => {
                        self.result("ERROR");
                        return;
                    }
                };
                self.dles = 0;
                self.result("CONNECT");
                if self.stream != Stream::Tx {
                    let held = std::mem::take(&mut self.held_audio);
                    dle_escape(&held, &mut self.out);
                }
            }
            _ if c.starts_with('D') => {
                let n: String =
                    c[1..].chars().filter(|ch| ch.is_ascii_digit() || matches!(ch, '*' | '#')).collect();
                self.dial(now, &n);
            }
            _ if c.starts_with("+VTS=") && self.call == Call::Up => {
                for d in c[5..].bytes().filter(|d| matches!(d, b'0'..=b'9' | b'*' | b'#' | b'A'..=b'D')) {
                    self.line.push_back(LineEvent::Dtmf(d));
                }
                ok(self);
            }
            _ if c.starts_with("+VSM=") => {
                let id = c[5..].split(',').next().and_then(|s| s.trim().parse::<u16>().ok());
                match id {
                    Some(id)
                        if p.vsm_list.iter().any(|l| l.starts_with(&format!("{id},")))
                            && p.vsm_command(id)[2..] == *c =>
                    {
                        self.vsm = Some(id);
                        ok(self);
                    }
                    _ => self.result("ERROR"),
                }
            }
            _ if ["+VCID=", "#CID=", "%CCID="].iter().any(|k| c.starts_with(k)) => {
                let works = &p.cid_works[2..];
                let (name, _) = works.split_once('=').unwrap_or((works, ""));
                if c.starts_with(name) {
                    self.cid_on = !c.ends_with("=0");
                    ok(self);
                } else {
                    self.result("ERROR");
                }
            }
            _ if c.starts_with("+VSD") => {
                if p.has_vsd {
                    ok(self);
                } else {
                    self.result("ERROR");
                }
            }
            _ if c.starts_with("+VRA=") => {
                self.vra = c[5..].parse().unwrap_or(self.vra);
                ok(self);
            }
            _ if ["+VRN=", "+VGT=", "+VGR=", "+VIT=", "+VNH="].iter().any(|k| c.starts_with(k)) => ok(self),
            _ if p.ring_command.is_some_and(|r| c.starts_with(&r[2..])) && voice => {
                // Gateway: ring the FXS phone; its caller ID follows `=`.
                let n = c.split_once('=').map_or("", |(_, v)| v).trim_matches('"').to_string();
                self.dial(now, &n);
            }
            _ => self.result("ERROR"),
        }
    }

    fn answer(&mut self) {
        self.call = Call::Up;
        self.timer = None;
        self.line.push_back(LineEvent::OffHook);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::CidValue;
    use crate::profile::{USR5637, ZOOM3095};

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn talk(m: &mut ModemEmu, now: Duration, cmd: &str) -> String {
        m.handle_input(now, format!("{cmd}\r").as_bytes());
        String::from_utf8_lossy(&m.poll_transmit().unwrap_or_default()).into_owned()
    }

    #[test]
    fn identify_and_quirks() {
        let mut m = ModemEmu::new(&ZOOM3095, EmuConfig::default());
        assert_eq!(talk(&mut m, s(0), "ATE0"), "ATE0\r\r\nOK\r\n");
        assert_eq!(talk(&mut m, s(0), "ATI0"), "\r\n56000\r\n\r\nOK\r\n");
        assert_eq!(talk(&mut m, s(0), "AT+VCID=1"), "\r\nERROR\r\n");
        assert_eq!(talk(&mut m, s(0), "AT#CID=1"), "\r\nOK\r\n");
        assert_eq!(talk(&mut m, s(0), "AT+VSM=1,8000"), "\r\nERROR\r\n");
        assert_eq!(talk(&mut m, s(0), "AT+VSM=1,8000,0,0"), "\r\nOK\r\n");
        assert_eq!(talk(&mut m, s(0), "AT+VSD=128,0"), "\r\nERROR\r\n");
        assert_eq!(talk(&mut m, s(0), "ATX"), "\r\nERROR\r\n");
    }

    #[test]
    fn incoming_ring_with_caller_id_and_answer() {
        let mut m = ModemEmu::new(&USR5637, EmuConfig::default());
        talk(&mut m, s(0), "ATE0");
        talk(&mut m, s(0), "AT+FCLASS=8");
        talk(&mut m, s(0), "AT+VCID=1");
        let cid = CallerId { number: Some(CidValue::Value("5551234".into())), ..CallerId::default() };
        m.ring(s(1), Some(cid));
        assert_eq!(m.poll_transmit().as_deref(), Some(&b"\r\nRING\r\n\r\nNMBR = 5551234\r\n"[..]));
        assert_eq!(m.poll_timeout(), Some(s(7)));
        m.handle_timeout(s(7));
        assert_eq!(m.poll_transmit().as_deref(), Some(&b"\r\nRING\r\n"[..]));
        assert_eq!(talk(&mut m, s(8), "ATA"), "\r\nVCON\r\n");
        assert_eq!(m.poll_line(), Some(LineEvent::OffHook));
        m.far_dtmf(b'7');
        assert_eq!(m.poll_transmit(), Some(vec![DLE, b'7']));
        m.far_hangup(s(9));
        assert_eq!(m.poll_transmit(), Some(vec![DLE, b'l', DLE, b'b']));
        talk(&mut m, s(9), "ATH");
        assert_eq!(m.poll_line(), Some(LineEvent::OnHook));
    }

    #[test]
    fn dial_with_ringback_then_vcon() {
        let mut m =
            ModemEmu::new(&USR5637, EmuConfig { far_end: FarEnd::AnswerAfter(1), ..EmuConfig::default() });
        talk(&mut m, s(0), "ATE0");
        talk(&mut m, s(0), "AT+FCLASS=8");
        talk(&mut m, s(0), "AT+VRA=20");
        assert_eq!(talk(&mut m, s(0), "ATDT5551234"), "");
        assert_eq!(m.poll_line(), Some(LineEvent::OffHook));
        assert_eq!(m.poll_line(), Some(LineEvent::Dial("5551234".into())));
        let mut now = s(0);
        let mut out = Vec::new();
        while let Some(t) = m.poll_timeout() {
            now = t;
            m.handle_timeout(now);
            out.extend(m.poll_transmit().unwrap_or_default());
        }
        assert_eq!(out, b"\x10r\r\nVCON\r\n");
        assert_eq!(now, Duration::from_millis(6500 + 2000));
    }

    #[test]
    fn zoom_needs_triple_dle_to_end_playback() {
        let mut m = ModemEmu::new(&ZOOM3095, EmuConfig::default());
        talk(&mut m, s(0), "ATE0");
        talk(&mut m, s(0), "AT+FCLASS=8");
        talk(&mut m, s(0), "AT+VLS=1");
        assert_eq!(talk(&mut m, s(0), "AT+VTX"), "\r\nCONNECT\r\n");
        m.handle_input(s(0), &[1, DLE, DLE, 2, DLE, ETX]);
        assert_eq!(m.poll_transmit(), None, "a single DLE ETX does not end a Conexant playback");
        m.handle_input(s(0), &[DLE, DLE, DLE, ETX]);
        assert_eq!(m.poll_transmit().as_deref(), Some(&b"\r\nOK\r\n"[..]));
        let audio: Vec<u8> = std::iter::from_fn(|| m.poll_line())
            .filter_map(|e| if let LineEvent::Audio(a) = e { Some(a) } else { None })
            .flatten()
            .collect();
        assert_eq!(audio, vec![1, DLE, 2, DLE, ETX]);
    }
}
