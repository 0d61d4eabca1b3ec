//! The operations on a modem or gateway, driven on tokio over any
//! `AsyncRead + AsyncWrite` (a serial port, a pty, an in-memory duplex).
//!
//! What it is: [`Modem`] owns the byte stream and an [`AtEngine`]; each
//! operation is a short sequence of commands whose answers it checks, with
//! the quirks of its [`Profile`]. Lines and voice events nobody asked for
//! (RING, caller ID, DTMF, busy tone) queue up as [`ModemEvent`]s for
//! [`Modem::next_event`]. What it is not: no policy about calls (the
//! bridge decides), no audio pacing (the modem's flow control paces a
//! real port).
//!
//! Contract: every wait is bounded by a timeout; a closed or failing
//! stream is [`HwError::Io`] / [`HwError::Closed`], never a hang.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::engine::{AtEngine, Command, DataMode, EngineEvent, Final, Response, END_OF_DATA};
use crate::parse::{CallerId, CidError, CidField, DleEvent, ResultLine, VoiceItem};
use crate::profile::{identify, DeviceKind, Profile, GENERIC_V253};

/// How long an ordinary command may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(3);

/// Something the device reported on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModemEvent {
    Ring(Option<u32>),
    Cid(CidField),
    RawCid(Result<CallerId, CidError>),
    Dtmf(u8),
    /// Any other shielded event: busy tone, dial tone, loop break, silence …
    Tone(DleEvent),
    Audio(Vec<u8>),
    /// A line no command asked for (a late `OK`, `NO CARRIER` after a hang-up).
    Line(ResultLine),
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum HwError {
    #[error("hw: i/o on the port: {0}")]
    Io(#[from] std::io::Error),
    #[error("hw: the port closed (device unplugged?)")]
    Closed,
    #[error("hw: {command:?} got no answer within {timeout:?}")]
    Timeout { command: String, timeout: Duration },
    #[error("hw: {command:?} answered {result:?}")]
    Rejected { command: String, result: Final },
    #[error("hw: the device offers no 8 kHz linear codec in +VSM=? ({0:?})")]
    NoCodec(Vec<String>),
    #[error("hw: the device accepts none of the caller-ID commands {0:?}")]
    NoCallerId(&'static [&'static str]),
    #[error("hw: {0} is not supported by {1}")]
    Unsupported(&'static str, &'static str),
    #[error("hw: {0}")]
    Engine(#[from] crate::engine::EngineError),
}

/// What `ATI0`, `ATI3`, `ATI9` said and the profile they point to.
#[derive(Debug, Clone)]
pub struct Identity {
    pub ati: [String; 3],
    pub profile: &'static Profile,
}

/// How a dial ended. Voice modems cannot see an answer: V.253 makes it
/// "ringback stopped for `+VRA`", so an answer is only probable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialOutcome {
    ProbableAnswer,
    Busy,
    NoAnswer,
    NoDialTone,
}

/// A device on a byte stream.
pub struct Modem<T> {
    io: T,
    engine: AtEngine,
    start: Instant,
    profile: &'static Profile,
    events: VecDeque<ModemEvent>,
    buf: Vec<u8>,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Modem<T> {
    /// Drive the device on `io`, assuming the generic profile until [`Modem::identify`].
    pub fn new(io: T) -> Modem<T> {
        Modem {
            io,
            engine: AtEngine::new(),
            start: Instant::now(),
            profile: &GENERIC_V253,
            events: VecDeque::new(),
            buf: vec![0; 4096],
        }
    }

    pub fn profile(&self) -> &'static Profile {
        self.profile
    }

    /// Use `p` without asking the device.
    pub fn set_profile(&mut self, p: &'static Profile) {
        self.profile = p;
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    async fn flush(&mut self) -> Result<(), HwError> {
        if let Some(b) = self.engine.poll_transmit() {
            self.io.write_all(&b).await?;
            self.io.flush().await?;
        }
        Ok(())
    }

    /// Wait for bytes until `until` (and the engine's own deadline); feed them in.
    async fn pump(&mut self, until: Instant) -> Result<(), HwError> {
        self.flush().await?;
        let deadline = self.engine.poll_timeout().map_or(until, |d| (self.start + d).min(until));
        match tokio::time::timeout_at(deadline, self.io.read(&mut self.buf)).await {
            Ok(Ok(0)) => Err(HwError::Closed),
            Ok(Ok(n)) => {
                let now = self.now();
                let (engine, buf) = (&mut self.engine, &self.buf);
                engine.handle_input(now, &buf[..n]);
                Ok(())
            }
            Ok(Err(e)) => Err(HwError::Io(e)),
            Err(_) => {
                let now = self.now();
                self.engine.handle_timeout(now);
                Ok(())
            }
        }
    }

    /// Move engine events to the queue; return a response if one came.
    fn collect(&mut self) -> Option<Response> {
        let mut resp = None;
        while let Some(e) = self.engine.poll_event() {
            match e {
                EngineEvent::Response(r) => resp = Some(r),
                EngineEvent::Unsolicited(l) => self.events.push_back(match l {
                    ResultLine::Ring(n) => ModemEvent::Ring(n),
                    ResultLine::Cid(f) => ModemEvent::Cid(f),
                    ResultLine::RawCid(r) => ModemEvent::RawCid(r),
                    l => ModemEvent::Line(l),
                }),
                EngineEvent::Voice(VoiceItem::Audio(a)) => self.events.push_back(ModemEvent::Audio(a)),
                EngineEvent::Voice(VoiceItem::Event(DleEvent::Dtmf(d))) => {
                    self.events.push_back(ModemEvent::Dtmf(d))
                }
                EngineEvent::Voice(VoiceItem::Event(DleEvent::EndOfStream)) => {}
                EngineEvent::Voice(VoiceItem::Event(e)) => self.events.push_back(ModemEvent::Tone(e)),
                EngineEvent::Discarded { bytes, why } => tracing::debug!(bytes, why, "hw: discarded"),
            }
        }
        resp
    }

    async fn wait_response(&mut self) -> Result<Response, HwError> {
        loop {
            if let Some(r) = self.collect() {
                return Ok(r);
            }
            // The engine's deadline bounds this wait.
            self.pump(Instant::now() + Duration::from_secs(3600)).await?;
        }
    }

    /// Send one command and wait for its whole answer (any final result).
    ///
    /// # Errors
    /// [`HwError::Timeout`] when no final result came; I/O errors.
    pub async fn raw(&mut self, cmd: Command) -> Result<Response, HwError> {
        let (text, timeout) = (cmd.text.clone(), cmd.timeout);
        let now = self.now();
        self.engine.send(now, cmd)?;
        let r = self.wait_response().await?;
        if r.result == Final::Timeout {
            return Err(HwError::Timeout { command: text, timeout });
        }
        Ok(r)
    }

    /// Send a command that must answer `OK`; return its lines.
    ///
    /// # Errors
    /// [`HwError::Rejected`] for any other final result, or as [`Modem::raw`].
    pub async fn command(&mut self, text: &str) -> Result<Vec<String>, HwError> {
        let r = self.raw(Command::new(text, COMMAND_TIMEOUT)).await?;
        match r.result {
            Final::Ok => Ok(r.lines),
            result => Err(HwError::Rejected { command: r.command, result }),
        }
    }

    /// Get back in step after a lost response: `AT` until `OK`, three tries.
    ///
    /// # Errors
    /// The last failure when the device never answers.
    pub async fn resync(&mut self) -> Result<(), HwError> {
        let mut last = None;
        for _ in 0..3 {
            match self.command("AT").await {
                Ok(_) => return Ok(()),
                Err(e @ (HwError::Io(_) | HwError::Closed)) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(HwError::Closed))
    }

    /// `ATI0`, `ATI3`, `ATI9`, and the profile they name (kept for what follows).
    ///
    /// # Errors
    /// When the device does not answer at all.
    pub async fn identify(&mut self) -> Result<Identity, HwError> {
        let mut ati: [String; 3] = Default::default();
        for (slot, n) in ati.iter_mut().zip([0, 3, 9]) {
            match self.command(&format!("ATI{n}")).await {
                Ok(lines) => *slot = lines.join("\n"),
                Err(HwError::Rejected { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.profile = identify(&ati);
        Ok(Identity { ati, profile: self.profile })
    }

    /// Reset and set up: `ATZ`, echo off, verbose results.
    ///
    /// # Errors
    /// When the device does not answer OK.
    pub async fn init(&mut self) -> Result<(), HwError> {
        self.engine.reset();
        if let Err(e) = self.command("ATZ").await {
            tracing::warn!("hw: ATZ failed ({e}); resynchronising");
            self.resync().await?;
        }
        for c in ["ATE0", "ATV1", "ATQ0"] {
            self.command(c).await?;
        }
        Ok(())
    }

    /// Turn caller ID on with the first of the profile's commands that works.
    ///
    /// # Errors
    /// [`HwError::NoCallerId`] when each answers ERROR.
    pub async fn enable_caller_id(&mut self) -> Result<&'static str, HwError> {
        for c in self.profile.cid_commands {
            match self.command(c).await {
                Ok(_) => return Ok(c),
                Err(HwError::Rejected { .. }) => tracing::debug!("hw: {c} refused, trying the next form"),
                Err(e) => return Err(e),
            }
        }
        Err(HwError::NoCallerId(self.profile.cid_commands))
    }

    /// Voice mode: `+FCLASS=8`, a codec from `+VSM=?`, `+VSM=`. Returns the codec id.
    ///
    /// # Errors
    /// [`HwError::NoCodec`] when `+VSM=?` offers none the profile takes.
    pub async fn voice_mode(&mut self) -> Result<u16, HwError> {
        self.command("AT+FCLASS=8").await?;
        let lines = self.command("AT+VSM=?").await?;
        let id = self.profile.choose_vsm(&lines).ok_or_else(|| HwError::NoCodec(lines.clone()))?;
        self.command(&self.profile.vsm_command(id)).await?;
        Ok(id)
    }

    /// Answer a ringing line (`ATA` → `VCON`).
    ///
    /// # Errors
    /// [`HwError::Rejected`] when it did not connect (the caller gave up).
    pub async fn answer(&mut self) -> Result<(), HwError> {
        let r = self.raw(Command::new("ATA", Duration::from_secs(10))).await?;
        match r.result {
            Final::Vcon | Final::Ok | Final::Connect(_) => Ok(()),
            result => Err(HwError::Rejected { command: r.command, result }),
        }
    }

    /// Dial `number` in voice mode, or on a gateway ring its phone with
    /// `number` as caller ID; judge the answer from ringback (`+VRA` tenths of
    /// a second without ringback after it was heard; `+VRN` before any).
    ///
    /// # Errors
    /// [`HwError::Rejected`] for `ERROR`; I/O and timeouts.
    pub async fn dial(
        &mut self,
        number: &str,
        vra_tenths: u32,
        wait: Duration,
    ) -> Result<DialOutcome, HwError> {
        self.command(&format!("AT+VRA={vra_tenths}")).await?;
        self.command("AT+VRN=10").await?;
        let cmd = match (self.profile.kind, self.profile.ring_command) {
            (DeviceKind::Gateway, Some(r)) => format!("{r}\"{number}\""),
            _ => format!("ATD{number}"),
        };
        let r = self.raw(Command::new(cmd, wait)).await?;
        Ok(match r.result {
            Final::Vcon | Final::Ok | Final::Connect(_) => DialOutcome::ProbableAnswer,
            Final::Busy => DialOutcome::Busy,
            Final::NoAnswer | Final::NoCarrier => DialOutcome::NoAnswer,
            Final::NoDialtone => DialOutcome::NoDialTone,
            result => return Err(HwError::Rejected { command: r.command, result }),
        })
    }

    /// Hang up (`ATH0`).
    ///
    /// # Errors
    /// When the device does not answer OK.
    pub async fn hang_up(&mut self) -> Result<(), HwError> {
        self.command("ATH0").await.map(|_| ())
    }

    /// Send DTMF digits (`+VTS=1,2,#`).
    ///
    /// # Errors
    /// When the device refuses (on hook, say).
    pub async fn send_dtmf(&mut self, digits: &str) -> Result<(), HwError> {
        let list: Vec<String> = digits.chars().map(String::from).collect();
        self.command(&format!("AT+VTS={}", list.join(","))).await.map(|_| ())
    }

    /// Play 8-bit 8 kHz audio (`+VTX`), DLE doubled, ended as the profile says.
    ///
    /// # Errors
    /// When the device refuses `+VTX` or does not confirm the end.
    pub async fn play(&mut self, audio: &[u8]) -> Result<(), HwError> {
        let r = self
            .raw(Command { text: "AT+VTX".into(), timeout: COMMAND_TIMEOUT, data: DataMode::Transmit })
            .await?;
        if !matches!(r.result, Final::Connect(_)) {
            return Err(HwError::Rejected { command: r.command, result: r.result });
        }
        for chunk in audio.chunks(1024) {
            self.engine.send_audio(chunk)?;
            self.flush().await?;
        }
        let now = self.now();
        self.engine.end_data(now, &self.profile.dle.end_play(), COMMAND_TIMEOUT)?;
        self.finish_data().await
    }

    async fn finish_data(&mut self) -> Result<(), HwError> {
        let r = self.wait_response().await?;
        match r.result {
            Final::Ok | Final::Vcon => Ok(()),
            Final::Timeout => Err(HwError::Timeout { command: END_OF_DATA.into(), timeout: COMMAND_TIMEOUT }),
            result => Err(HwError::Rejected { command: r.command, result }),
        }
    }

    /// Record at least `bytes` of 8 kHz audio (`+VRX`), or until `wait`
    /// passes; events heard meanwhile (DTMF) stay queued.
    ///
    /// # Errors
    /// When the device refuses `+VRX` or does not end the stream.
    pub async fn record(&mut self, bytes: usize, wait: Duration) -> Result<Vec<u8>, HwError> {
        let r = self
            .raw(Command { text: "AT+VRX".into(), timeout: COMMAND_TIMEOUT, data: DataMode::Receive })
            .await?;
        if !matches!(r.result, Final::Connect(_)) {
            return Err(HwError::Rejected { command: r.command, result: r.result });
        }
        let until = Instant::now() + wait;
        let mut audio = Vec::new();
        loop {
            let _ = self.collect();
            self.events.retain(|e| match e {
                ModemEvent::Audio(a) => {
                    audio.extend_from_slice(a);
                    false
                }
                _ => true,
            });
            if audio.len() >= bytes || Instant::now() >= until || self.engine.data_mode().is_none() {
                break;
            }
            self.pump(until).await?;
        }
        if self.engine.data_mode().is_some() {
            let now = self.now();
            self.engine.end_data(now, &self.profile.dle.abort(), COMMAND_TIMEOUT)?;
        }
        self.finish_data().await?;
        Ok(audio)
    }

    /// Start a full-duplex voice stream (`+VTR`): audio both ways until [`Modem::stop_duplex`].
    ///
    /// # Errors
    /// [`HwError::Unsupported`] when the profile has no working `+VTR`; a refusal.
    pub async fn start_duplex(&mut self) -> Result<(), HwError> {
        if !self.profile.full_duplex {
            return Err(HwError::Unsupported("full duplex (+VTR)", self.profile.id));
        }
        let r = self
            .raw(Command { text: "AT+VTR".into(), timeout: COMMAND_TIMEOUT, data: DataMode::Duplex })
            .await?;
        match r.result {
            Final::Connect(_) => Ok(()),
            result => Err(HwError::Rejected { command: r.command, result }),
        }
    }

    /// Queue audio for the line in a duplex or transmit stream (sent on the next wait).
    ///
    /// # Errors
    /// [`HwError::Engine`] outside such a stream.
    pub fn send_audio(&mut self, audio: &[u8]) -> Result<(), HwError> {
        self.engine.send_audio(audio).map_err(HwError::from)
    }

    /// End a duplex stream (`<DLE>!` in the profile's style) and wait for the modem's end.
    ///
    /// # Errors
    /// When the modem does not confirm.
    pub async fn stop_duplex(&mut self) -> Result<(), HwError> {
        if self.engine.data_mode().is_none() {
            return Ok(());
        }
        let now = self.now();
        self.engine.end_data(now, &self.profile.dle.abort(), COMMAND_TIMEOUT)?;
        self.finish_data().await
    }

    /// The next unsolicited event, waiting at most `wait`.
    ///
    /// # Errors
    /// I/O errors and [`HwError::Closed`] (the device vanished).
    pub async fn next_event(&mut self, wait: Duration) -> Result<Option<ModemEvent>, HwError> {
        let until = Instant::now() + wait;
        loop {
            let _ = self.collect();
            if let Some(e) = self.events.pop_front() {
                return Ok(Some(e));
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            self.pump(until).await?;
        }
    }

    /// Give the stream back.
    pub fn into_inner(self) -> T {
        self.io
    }
}
