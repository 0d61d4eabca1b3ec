//! The sans-IO AT engine: one command at a time, its response lines, its
//! final result or its timeout; unsolicited lines (RING, caller ID) and
//! DLE-shielded voice in between.
//!
//! What it is: a state machine in the quinn-proto manner. Bytes from the
//! modem go in with [`AtEngine::handle_input`]`(now, bytes)`, expired
//! deadlines with [`AtEngine::handle_timeout`]`(now)`; bytes for the modem
//! come out of [`AtEngine::poll_transmit`], what happened out of
//! [`AtEngine::poll_event`], the next deadline out of
//! [`AtEngine::poll_timeout`]. `now` is the time since the caller's start.
//! What it is not: no port, no clock, no retry policy (the caller decides
//! what a timeout means; `ops` re-synchronises with a bare `AT`).
//!
//! Contract: never panics on input; the echo of the pending command (echo
//! on, `ATE1`) is recognised and dropped, so echo on or off both work;
//! partial lines wait for their end; bytes that are no text (line noise,
//! a baud mismatch) are dropped and counted, lines longer than
//! [`MAX_LINE`] are dropped; a final result that arrives when no command
//! waits (a response given up as lost) is reported as unsolicited, never
//! matched to the next command.

use std::collections::VecDeque;
use std::time::Duration;

use crate::parse::{parse_line, DleDecoder, DleEvent, ResultLine, VoiceItem, DLE};

/// Longest line kept; longer ones are dropped as garbage.
pub const MAX_LINE: usize = 512;

/// What a command does to the stream after `CONNECT`/`VCON`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataMode {
    /// An ordinary command: the stream stays in command mode.
    None,
    /// `+VTX`: the DTE sends audio; the modem sends only DLE events until the DTE ends it.
    Transmit,
    /// `+VRX`: the modem sends audio until `<DLE><ETX>`.
    Receive,
    /// `+VTR`: both ways, until the modem's `<DLE><ETX>`.
    Duplex,
}

/// One command for the modem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The whole command, `AT` included, without the CR (`AT+FCLASS=8`).
    pub text: String,
    pub timeout: Duration,
    pub data: DataMode,
}

impl Command {
    /// An ordinary command.
    pub fn new(text: impl Into<String>, timeout: Duration) -> Command {
        Command { text: text.into(), timeout, data: DataMode::None }
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Final {
    Ok,
    Error,
    Connect(String),
    Vcon,
    Busy,
    NoCarrier,
    NoDialtone,
    NoAnswer,
    /// No final result before the deadline: the response was lost or the device is gone.
    Timeout,
}

impl Final {
    fn from_line(l: &ResultLine) -> Option<Final> {
        Some(match l {
            ResultLine::Ok => Final::Ok,
            ResultLine::Error => Final::Error,
            ResultLine::Connect(s) => Final::Connect(s.clone()),
            ResultLine::Vcon => Final::Vcon,
            ResultLine::Busy => Final::Busy,
            ResultLine::NoCarrier => Final::NoCarrier,
            ResultLine::NoDialtone => Final::NoDialtone,
            ResultLine::NoAnswer => Final::NoAnswer,
            _ => return None,
        })
    }
}

/// A command's whole answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub command: String,
    /// The lines before the final result (an `ATI3` text, `+VSM=?` entries).
    pub lines: Vec<String>,
    pub result: Final,
}

/// What the engine saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEvent {
    Response(Response),
    /// A line no command asked for: RING, caller ID, a late final result.
    Unsolicited(ResultLine),
    /// Audio or a shielded event (in command mode too: voice modems report DTMF so).
    Voice(VoiceItem),
    /// Bytes dropped as noise, with why.
    Discarded {
        bytes: usize,
        why: &'static str,
    },
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("at engine: {0:?} is still waiting for its result")]
    Busy(String),
    #[error("at engine: {0:?} holds a CR or LF")]
    BadCommand(String),
    #[error("at engine: not in a voice data stream")]
    NotInData,
}

#[derive(Debug)]
struct Pending {
    cmd: Command,
    deadline: Duration,
    lines: Vec<String>,
    echo_seen: bool,
}

/// The AT command/response state machine.
#[derive(Debug, Default)]
pub struct AtEngine {
    line: Vec<u8>,
    line_overflow: bool,
    /// Command mode: a DLE was the last byte, its code comes next.
    dle_held: bool,
    /// A stream started on the CR of `CONNECT`: its LF is no audio.
    skip_lf: bool,
    pending: Option<Pending>,
    data: Option<DataMode>,
    decoder: DleDecoder,
    tx: Vec<u8>,
    events: VecDeque<EngineEvent>,
}

/// The pseudo-command that waits for the result after a voice data stream.
pub const END_OF_DATA: &str = "<end of voice data>";

impl AtEngine {
    /// A fresh engine in command mode.
    pub fn new() -> AtEngine {
        AtEngine::default()
    }

    /// Whether a command waits for its result.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// The data stream in progress, if any.
    pub fn data_mode(&self) -> Option<DataMode> {
        self.data
    }

    /// Queue `cmd` for the modem; its result comes as an [`EngineEvent::Response`].
    ///
    /// # Errors
    /// [`EngineError::Busy`] while another command waits; [`EngineError::BadCommand`]
    /// for a command with a line break in it.
    pub fn send(&mut self, now: Duration, cmd: Command) -> Result<(), EngineError> {
        if let Some(p) = &self.pending {
            return Err(EngineError::Busy(p.cmd.text.clone()));
        }
        if cmd.text.contains(['\r', '\n']) {
            return Err(EngineError::BadCommand(cmd.text));
        }
        self.tx.extend_from_slice(cmd.text.as_bytes());
        self.tx.push(b'\r');
        self.pending = Some(Pending {
            deadline: now.saturating_add(cmd.timeout),
            cmd,
            lines: Vec::new(),
            echo_seen: false,
        });
        Ok(())
    }

    /// Send audio in a transmit or duplex stream, DLE doubled.
    ///
    /// # Errors
    /// [`EngineError::NotInData`] outside a stream that carries DTE audio.
    pub fn send_audio(&mut self, audio: &[u8]) -> Result<(), EngineError> {
        match self.data {
            Some(DataMode::Transmit | DataMode::Duplex) => {
                crate::parse::dle_escape(audio, &mut self.tx);
                Ok(())
            }
            _ => Err(EngineError::NotInData),
        }
    }

    /// End the current voice stream with the profile's sequence (`<DLE><ETX>`
    /// to end a transmission, `<DLE>!` to stop a reception); the modem's
    /// final result comes as a response to [`END_OF_DATA`].
    ///
    /// # Errors
    /// [`EngineError::NotInData`] outside a stream.
    pub fn end_data(&mut self, now: Duration, seq: &[u8], timeout: Duration) -> Result<(), EngineError> {
        let Some(mode) = self.data else { return Err(EngineError::NotInData) };
        self.tx.extend_from_slice(seq);
        if mode == DataMode::Transmit {
            // The modem sends no <DLE><ETX> after +VTX: back to lines now.
            self.data = None;
        }
        self.pending = Some(Pending {
            cmd: Command::new(END_OF_DATA, timeout),
            deadline: now.saturating_add(timeout),
            lines: Vec::new(),
            echo_seen: true,
        });
        Ok(())
    }

    /// Bytes for the modem, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.tx.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut self.tx))
        }
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<EngineEvent> {
        self.events.pop_front()
    }

    /// When [`AtEngine::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.pending.as_ref().map(|p| p.deadline)
    }

    /// Give up on a command whose deadline passed.
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.pending.as_ref().is_some_and(|p| now >= p.deadline) {
            if let Some(p) = self.pending.take() {
                self.events.push_back(EngineEvent::Response(Response {
                    command: p.cmd.text,
                    lines: p.lines,
                    result: Final::Timeout,
                }));
            }
        }
    }

    /// Forget any command, line and stream in progress (the device went away).
    pub fn reset(&mut self) {
        *self = AtEngine::default();
    }

    /// Bytes from the modem.
    pub fn handle_input(&mut self, _now: Duration, mut input: &[u8]) {
        while !input.is_empty() {
            if self.data.is_some() {
                if std::mem::take(&mut self.skip_lf) && input.first() == Some(&b'\n') {
                    input = &input[1..];
                    continue;
                }
                let mut items = Vec::new();
                let used = self.decoder.feed(input, &mut items);
                for it in items {
                    self.events.push_back(EngineEvent::Voice(it));
                }
                match used {
                    Some(n) => {
                        self.data = None;
                        self.decoder = DleDecoder::default();
                        if self.pending.is_none() {
                            // The modem ended the stream itself; its result follows.
                            self.pending = Some(Pending {
                                cmd: Command::new(END_OF_DATA, Duration::from_secs(2)),
                                deadline: _now.saturating_add(Duration::from_secs(2)),
                                lines: Vec::new(),
                                echo_seen: true,
                            });
                        }
                        input = input.get(n..).unwrap_or_default();
                    }
                    None => return,
                }
            } else {
                let n = self.command_bytes(input);
                input = input.get(n..).unwrap_or_default();
            }
        }
    }

    /// Consume command-mode bytes; stop (returning how many were used) when a stream starts.
    fn command_bytes(&mut self, input: &[u8]) -> usize {
        let mut garbage = 0usize;
        for (i, &b) in input.iter().enumerate() {
            if self.dle_held {
                self.dle_held = false;
                self.events.push_back(EngineEvent::Voice(VoiceItem::Event(DleEvent::from_code(b))));
                continue;
            }
            match b {
                DLE => self.dle_held = true,
                b'\r' | b'\n' => {
                    if self.finish_line() {
                        self.flush_garbage(garbage);
                        self.skip_lf = b == b'\r';
                        return i + 1;
                    }
                }
                0x20..=0x7e | b'\t' => {
                    if self.line.len() < MAX_LINE {
                        self.line.push(b);
                    } else {
                        self.line_overflow = true;
                    }
                }
                // A stray ETX outside a stream (a late end of data) is noise too.
                _ => garbage += 1,
            }
        }
        self.flush_garbage(garbage);
        input.len()
    }

    fn flush_garbage(&mut self, n: usize) {
        if n > 0 {
            self.events.push_back(EngineEvent::Discarded { bytes: n, why: "not text in command mode" });
        }
    }

    /// Handle one finished line; true when it started a data stream.
    fn finish_line(&mut self) -> bool {
        if self.line_overflow {
            let n = self.line.len();
            self.line.clear();
            self.line_overflow = false;
            self.events.push_back(EngineEvent::Discarded { bytes: n, why: "line longer than MAX_LINE" });
            return false;
        }
        if self.line.is_empty() {
            return false;
        }
        let text = String::from_utf8_lossy(&std::mem::take(&mut self.line)).trim().to_string();
        if text.is_empty() {
            return false;
        }
        if let Some(p) = &mut self.pending {
            if !p.echo_seen && text.eq_ignore_ascii_case(&p.cmd.text) {
                p.echo_seen = true;
                return false;
            }
        }
        if text.len() >= 2 && text[..2].eq_ignore_ascii_case("AT") {
            // An echo nobody waits for (the command timed out, or echo of our own typing).
            self.events.push_back(EngineEvent::Discarded { bytes: text.len(), why: "stale command echo" });
            return false;
        }
        let parsed = parse_line(&text);
        let unsolicited = matches!(parsed, ResultLine::Ring(_) | ResultLine::Cid(_) | ResultLine::RawCid(_));
        match (&mut self.pending, Final::from_line(&parsed)) {
            (Some(_), Some(fin)) if !unsolicited => {
                let Some(p) = self.pending.take() else { return false };
                let starts = matches!(fin, Final::Connect(_) | Final::Vcon) && p.cmd.data != DataMode::None;
                self.events.push_back(EngineEvent::Response(Response {
                    command: p.cmd.text,
                    lines: p.lines,
                    result: fin,
                }));
                if starts {
                    self.data = Some(p.cmd.data);
                    return true;
                }
                false
            }
            (Some(p), None) if !unsolicited => {
                p.lines.push(text);
                false
            }
            _ => {
                self.events.push_back(EngineEvent::Unsolicited(parsed));
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{CidField, CidValue, ETX};

    const T: Duration = Duration::from_secs(1);
    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn events(e: &mut AtEngine) -> Vec<EngineEvent> {
        std::iter::from_fn(|| e.poll_event()).collect()
    }

    fn ok(cmd: &str, lines: &[&str]) -> EngineEvent {
        EngineEvent::Response(Response {
            command: cmd.into(),
            lines: lines.iter().map(|s| (*s).to_string()).collect(),
            result: Final::Ok,
        })
    }

    #[test]
    fn echo_on_and_partial_lines() {
        let mut e = AtEngine::new();
        e.send(ms(0), Command::new("ATI3", T)).expect("idle");
        assert_eq!(e.poll_transmit().as_deref(), Some(&b"ATI3\r"[..]));
        assert!(matches!(e.send(ms(0), Command::new("AT", T)), Err(EngineError::Busy(_))));
        e.handle_input(ms(1), b"ATI3\r\r\nU.S. Robot");
        assert!(events(&mut e).is_empty());
        e.handle_input(ms(2), b"ics 56K\r\n\r\nO");
        e.handle_input(ms(3), b"K\r\n");
        assert_eq!(events(&mut e), vec![ok("ATI3", &["U.S. Robotics 56K"])]);
        assert_eq!(e.poll_timeout(), None);
    }

    #[test]
    fn echo_off_and_ring_with_cid_during_a_command() {
        let mut e = AtEngine::new();
        e.send(ms(0), Command::new("AT+VCID=1", T)).expect("idle");
        e.handle_input(ms(1), b"\r\nRING\r\n\r\nNMBR = 5551234\r\n\r\nOK\r\n");
        assert_eq!(
            events(&mut e),
            vec![
                EngineEvent::Unsolicited(ResultLine::Ring(None)),
                EngineEvent::Unsolicited(ResultLine::Cid(CidField::Number(CidValue::Value(
                    "5551234".into()
                )))),
                ok("AT+VCID=1", &[]),
            ]
        );
    }

    #[test]
    fn lost_response_times_out_and_late_final_is_not_matched() {
        let mut e = AtEngine::new();
        e.send(ms(0), Command::new("AT", T)).expect("idle");
        assert_eq!(e.poll_timeout(), Some(T));
        e.handle_timeout(ms(999));
        assert!(events(&mut e).is_empty());
        e.handle_timeout(T);
        assert_eq!(
            events(&mut e),
            vec![EngineEvent::Response(Response {
                command: "AT".into(),
                lines: vec![],
                result: Final::Timeout
            })]
        );
        e.handle_input(ms(1100), b"AT\r\r\nOK\r\n");
        assert_eq!(
            events(&mut e),
            vec![
                EngineEvent::Discarded { bytes: 2, why: "stale command echo" },
                EngineEvent::Unsolicited(ResultLine::Ok)
            ]
        );
        e.send(ms(1200), Command::new("ATZ", T)).expect("idle again");
    }

    #[test]
    fn garbage_is_counted_and_dropped() {
        let mut e = AtEngine::new();
        e.send(ms(0), Command::new("AT", T)).expect("idle");
        e.handle_input(ms(1), &[0xff, 0x00, 0x80, b'\r', b'\n', b'O', 0xfe, b'K', b'\r', b'\n']);
        let ev = events(&mut e);
        assert!(ev.contains(&ok("AT", &[])), "{ev:?}");
        assert!(ev.iter().any(|x| matches!(x, EngineEvent::Discarded { bytes: 4, .. })), "{ev:?}");
        let mut long = vec![b'x'; MAX_LINE + 10];
        long.extend_from_slice(b"\r\n");
        e.handle_input(ms(2), &long);
        assert_eq!(
            events(&mut e),
            vec![EngineEvent::Discarded { bytes: MAX_LINE, why: "line longer than MAX_LINE" }]
        );
    }

    #[test]
    fn receive_stream_then_ok_in_one_chunk() {
        let mut e = AtEngine::new();
        e.send(ms(0), Command { text: "AT+VRX".into(), timeout: T, data: DataMode::Receive }).expect("idle");
        e.handle_input(ms(1), b"\r\nCONNECT\r\n\x01\x10\x10\x02\x105\x10\x03\r\nOK\r\n");
        assert_eq!(
            events(&mut e),
            vec![
                EngineEvent::Response(Response {
                    command: "AT+VRX".into(),
                    lines: vec![],
                    result: Final::Connect(String::new())
                }),
                EngineEvent::Voice(VoiceItem::Audio(vec![1, DLE, 2])),
                EngineEvent::Voice(VoiceItem::Event(DleEvent::Dtmf(b'5'))),
                EngineEvent::Voice(VoiceItem::Event(DleEvent::EndOfStream)),
                ok(END_OF_DATA, &[]),
            ]
        );
        assert_eq!(e.data_mode(), None);
    }

    #[test]
    fn transmit_stream_doubles_dle_and_ends() {
        let mut e = AtEngine::new();
        assert_eq!(e.send_audio(&[1]), Err(EngineError::NotInData));
        e.send(ms(0), Command { text: "AT+VTX".into(), timeout: T, data: DataMode::Transmit }).expect("idle");
        e.handle_input(ms(1), b"AT+VTX\r\r\nCONNECT\r\n");
        let _ = e.poll_transmit();
        e.send_audio(&[5, DLE, 6]).expect("in data");
        e.end_data(ms(2), &[DLE, ETX], T).expect("in data");
        assert_eq!(e.poll_transmit(), Some(vec![5, DLE, DLE, 6, DLE, ETX]));
        e.handle_input(ms(3), b"\x10d\r\nOK\r\n");
        let ev = events(&mut e);
        assert_eq!(ev[1..], [EngineEvent::Voice(VoiceItem::Event(DleEvent::DialTone)), ok(END_OF_DATA, &[])]);
    }
}
