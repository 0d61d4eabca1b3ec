//! The bridge: a real line (a voice modem on an FXO line, or a gateway's
//! FXS phone) stands in the network as subscriber `number`.
//!
//! What it is: [`LinePort`], an element that takes the place of the
//! emulated phone on the switch's line port and hands [`LineSignal`]
//! frames to and from the device side; [`start_network`], which builds the
//! topology's elements and links on the real-time runtime with that
//! element for `number`; and [`drive`], the loop that turns modem events
//! into line signals and back:
//!
//! | line (device) | network |
//! |---|---|
//! | RING, then caller ID (or the next RING) | off hook, present the caller ID, dial `--to`: the IAM carries that calling number |
//! | `ATA` → VCON once the network says Connected | answer seen by the caller |
//! | network rings the line | modem dials `--dial` / gateway rings its phone |
//! | probable answer | off hook → ANM |
//! | BUSY / NO ANSWER / NO DIALTONE | `Refuse` with cause 17 / 19 / 41 → REL with that cause |
//! | loop break / busy tone on the line | on hook → REL 16 |
//! | FarEndReleased | `ATH0` |
//! | DTMF `<DLE>d` from the line during a call | `Digits`: the far party hears them |
//! | `Digits` from the network during a call | `AT+VTS` on the line |
//! | port gone (unplug) | on hook → REL, log line, re-initialise when back |
//!
//! The bridged line is made a line of class `pbx` in the plan, so its
//! switch takes the calling number the bridge presents
//! ([`LineSignal::Present`]): the caller ID heard on the line, `P`
//! (private) as restricted, `O` as unavailable. The network is started by
//! [`Plan::run_replacing`], as `ainsim run` starts it, `[[external]]`
//! links included.
//!
//! What it is not: no audio crosses the emulated network (it carries no
//! voice). [`LinePort`] polls its device queue every
//! [`POLL`] on a timer: the runtime has no way yet to wake an element
//! from outside.
//!
//! Contract: a call never stays up on the network side when the device
//! fails: any I/O error releases it first.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use ainsim_elements::line::{LineSignal, Presented, Tone};
use ainsim_elements::phone::Phone;
use ainsim_elements::ssp::config::LineClass;
use ainsim_elements::{Element, EventKind, Input, Instant, Outputs, TimerId};
use ainsim_runtime::rt::Running;
use ainsim_runtime::topology::{phone_name, NodeSpec, Plan};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;

use crate::ops::{DialOutcome, HwError, Modem, ModemEvent};
use crate::parse::{CidField, CidValue, DleEvent};
use crate::profile::DeviceKind;

/// How often [`LinePort`] looks for signals from the device.
pub const POLL: Duration = Duration::from_millis(10);

const POLL_TIMER: TimerId = TimerId(1);

/// The element on the switch's line port in place of the phone.
pub struct LinePort {
    name: String,
    to_device: mpsc::UnboundedSender<LineSignal>,
    from_device: std_mpsc::Receiver<LineSignal>,
}

/// The device side's ends of a [`LinePort`].
pub struct LineEnds {
    /// Signals from the switch (ring, tones, connected, far end released).
    pub from_network: mpsc::UnboundedReceiver<LineSignal>,
    /// Signals to the switch (off hook, digits, on hook).
    pub to_network: std_mpsc::Sender<LineSignal>,
}

impl LinePort {
    /// A line port for subscriber `number` and the ends the device side keeps.
    pub fn new(number: &str) -> (LinePort, LineEnds) {
        let (to_device, from_network) = mpsc::unbounded_channel();
        let (to_network, from_device) = std_mpsc::channel();
        (
            LinePort { name: format!("hw:{number}"), to_device, from_device },
            LineEnds { from_network, to_network },
        )
    }
}

impl Element for LinePort {
    fn name(&self) -> &str {
        &self.name
    }

    fn handle(&mut self, now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start => out.set_timer(POLL_TIMER, now.after(POLL)),
            Input::Recv { bytes, .. } => match LineSignal::parse(bytes) {
                Ok(s) => {
                    let _ = self.to_device.send(s);
                }
                Err(e) => out.event(
                    None,
                    EventKind::Dropped { reason: format!("{}: {e}", self.name), hex: hex(bytes) },
                ),
            },
            Input::Timer(POLL_TIMER) => {
                while let Ok(s) = self.from_device.try_recv() {
                    match s.to_bytes() {
                        Ok(b) => out.send(Phone::LINE, b),
                        Err(e) => {
                            out.event(None, EventKind::Note(format!("{}: cannot send {s:?}: {e}", self.name)))
                        }
                    }
                }
                out.set_timer(POLL_TIMER, now.after(POLL));
            }
            Input::Timer(_) | Input::LinkState { .. } => {}
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Start the plan's elements, links and `[[external]]` links on tokio, as
/// `ainsim run` does ([`Plan::run_replacing`]), with a [`LinePort`] as
/// subscriber `number`, whose line becomes of class `pbx` (it presents the
/// caller ID heard on the line). Returns the running network, the line's
/// ends, and the addresses bound for outside peers.
///
/// # Errors
/// When `number` is no subscriber line of the plan, an element cannot be
/// built, or a socket for an outside peer cannot be bound.
pub async fn start_network(
    plan: &Plan,
    number: &str,
    access_listen: Option<std::net::SocketAddr>,
) -> Result<(Running, LineEnds, Vec<(String, std::net::SocketAddr)>), String> {
    let phone = phone_name(number);
    if !plan.nodes.iter().any(|(n, _)| *n == phone) {
        let known: Vec<&str> = plan.lines.keys().map(String::as_str).collect();
        return Err(format!(
            "--number {number}: not a subscriber of the topology (lines: {})",
            known.join(", ")
        ));
    }
    let mut plan = plan.clone();
    for (_, spec) in &mut plan.nodes {
        if let NodeSpec::Ssp(c) = spec {
            c.lines.iter_mut().filter(|l| l.number == number).for_each(|l| l.class = LineClass::Pbx);
        }
    }
    let (port, ends) = LinePort::new(number);
    let (running, bound) = plan.run_replacing(None, access_listen, Some((&phone, Box::new(port)))).await?;
    Ok((running, ends, bound))
}

/// What the bridge does with calls.
#[derive(Debug, Clone)]
pub struct BridgeConfig {
    /// Where a call from the line goes.
    pub to: Option<String>,
    /// The number a voice modem dials on its line when the network calls; a
    /// gateway rings its phone with the caller's number instead.
    pub dial: Option<String>,
    /// How long a dial may ring before it counts as no answer.
    pub dial_wait: Duration,
    /// The line stopped ringing this long after the last RING: the caller gave up.
    pub ring_gone: Duration,
    /// `+VRA` in tenths of a second.
    pub vra_tenths: u32,
}

impl Default for BridgeConfig {
    fn default() -> BridgeConfig {
        BridgeConfig {
            to: None,
            dial: None,
            dial_wait: Duration::from_secs(60),
            ring_gone: Duration::from_secs(8),
            vra_tenths: 50,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum St {
    Idle,
    /// The line rings: until caller ID or the second RING, the call waits
    /// (`placed` false); then we place it into the network and wait for
    /// its answer.
    Inbound {
        caller: Option<Presented>,
        last_ring: tokio::time::Instant,
        placed: bool,
    },
    Talking,
}

/// Why [`drive`] returned.
#[derive(Debug)]
pub enum Stopped {
    /// The network side closed (the runtime stopped).
    NetworkGone,
    /// The device failed; any call was released first.
    Device(HwError),
}

/// Set the device up for the bridge: init, caller ID (if it has it), voice mode.
///
/// # Errors
/// When the device does not answer.
pub async fn prepare<T: AsyncRead + AsyncWrite + Unpin>(
    m: &mut Modem<T>,
    log: &mut impl FnMut(String),
) -> Result<(), HwError> {
    m.init().await?;
    let id = m.identify().await?;
    log(format!("device: {} ({})", id.profile.id, id.profile.name));
    match m.enable_caller_id().await {
        Ok(c) => log(format!("caller id on with {c}")),
        Err(e) => log(format!("no caller id: {e}")),
    }
    let codec = m.voice_mode().await?;
    log(format!("voice mode: {}", m.profile().vsm_command(codec)));
    Ok(())
}

/// Run the bridge on one prepared device until the device or the network goes.
pub async fn drive<T: AsyncRead + AsyncWrite + Unpin>(
    m: &mut Modem<T>,
    ends: &mut LineEnds,
    cfg: &BridgeConfig,
    log: &mut impl FnMut(String),
) -> Stopped {
    let mut st = St::Idle;
    let r = drive_inner(m, ends, cfg, log, &mut st).await;
    if st != St::Idle {
        // Never leave the network side hanging.
        let _ = ends.to_network.send(LineSignal::OnHook);
        log("released the call on the network side".into());
    }
    match r {
        Ok(()) => Stopped::NetworkGone,
        Err(e) => Stopped::Device(e),
    }
}

async fn drive_inner<T: AsyncRead + AsyncWrite + Unpin>(
    m: &mut Modem<T>,
    ends: &mut LineEnds,
    cfg: &BridgeConfig,
    log: &mut impl FnMut(String),
    st: &mut St,
) -> Result<(), HwError> {
    let net = |e: &LineEnds, s: LineSignal| e.to_network.send(s).is_ok();
    loop {
        // Signals from the network first.
        loop {
            let sig = match ends.from_network.try_recv() {
                Ok(s) => s,
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => return Ok(()),
            };
            match (sig, st.clone()) {
                (LineSignal::Ring { caller }, St::Idle) => {
                    log(format!(
                        "network rings the line (caller {})",
                        caller.as_deref().unwrap_or("unknown")
                    ));
                    let target = match m.profile().kind {
                        DeviceKind::Gateway => caller.clone().unwrap_or_default(),
                        DeviceKind::VoiceModem => cfg.dial.clone().unwrap_or_default(),
                    };
                    let outcome = m.dial(&target, cfg.vra_tenths, cfg.dial_wait).await?;
                    // The caller may have given up while we dialled.
                    let mut gave_up = false;
                    while let Ok(s) = ends.from_network.try_recv() {
                        gave_up |= matches!(s, LineSignal::StopRing | LineSignal::FarEndReleased);
                    }
                    match (outcome, gave_up) {
                        (DialOutcome::ProbableAnswer, false) => {
                            log("probable answer on the line: off hook to the network (ANM)".into());
                            net(ends, LineSignal::OffHook);
                            *st = St::Talking;
                        }
                        (DialOutcome::ProbableAnswer, true) => {
                            log("answered, but the network caller gave up: hanging up".into());
                            m.hang_up().await?;
                        }
                        (o, _) => {
                            let cause = match o {
                                DialOutcome::Busy => 17,
                                DialOutcome::NoAnswer => 19,
                                _ => 41,
                            };
                            log(format!("{o:?} on the line: refusing the call with cause {cause}"));
                            let _ = m.hang_up().await;
                            if !gave_up {
                                net(ends, LineSignal::Refuse(cause));
                            }
                        }
                    }
                }
                (LineSignal::Connected, St::Inbound { .. }) => {
                    log("network answered: answering the line".into());
                    m.answer().await?;
                    *st = St::Talking;
                }
                (LineSignal::Tone(t @ (Tone::Busy | Tone::Congestion | Tone::Sit)), St::Inbound { .. }) => {
                    log(format!("network says {t:?}: the call from the line fails"));
                    net(ends, LineSignal::OnHook);
                    *st = St::Idle;
                }
                (LineSignal::Tone(Tone::Dial), St::Inbound { caller, .. }) => {
                    if let Some(p) = caller {
                        net(ends, LineSignal::Present(p));
                    }
                    let to = cfg.to.clone().unwrap_or_default();
                    net(ends, LineSignal::Digits(to));
                }
                (LineSignal::Digits(d), St::Talking) => {
                    log(format!("dtmf {d} from the network: AT+VTS on the line"));
                    m.send_dtmf(&d).await?;
                }
                (LineSignal::FarEndReleased | LineSignal::StopRing, St::Talking | St::Inbound { .. }) => {
                    log("network side hung up: hanging up the line".into());
                    m.hang_up().await?;
                    net(ends, LineSignal::OnHook);
                    *st = St::Idle;
                }
                (LineSignal::Hear(text), _) => log(format!("network plays: {text}")),
                (s, _) => tracing::debug!("hw bridge: {s:?} in {st:?}"),
            }
        }
        // Then the device.
        if let St::Inbound { last_ring, placed, .. } = st {
            if last_ring.elapsed() > cfg.ring_gone {
                log("the line stopped ringing: the caller gave up".into());
                if *placed {
                    net(ends, LineSignal::OnHook);
                }
                *st = St::Idle;
            }
        }
        let Some(ev) = m.next_event(Duration::from_millis(20)).await? else { continue };
        match (ev, st.clone()) {
            (ModemEvent::Ring(_), St::Idle) => {
                let Some(to) = &cfg.to else {
                    log("the line rings, but no --to says where calls from it go".into());
                    continue;
                };
                log(format!("the line rings: calling {to} in the network after its caller id"));
                *st = St::Inbound { caller: None, last_ring: tokio::time::Instant::now(), placed: false };
            }
            (ModemEvent::Ring(_), St::Inbound { caller, placed, .. }) => {
                if !placed {
                    log("no caller id by the second ring: calling without one".into());
                    net(ends, LineSignal::OffHook);
                }
                *st = St::Inbound { caller, last_ring: tokio::time::Instant::now(), placed: true };
            }
            (ModemEvent::Cid(CidField::Number(n)), St::Inbound { last_ring, placed: false, .. }) => {
                let caller = presented(Some(&n), log);
                net(ends, LineSignal::OffHook);
                *st = St::Inbound { caller, last_ring, placed: true };
            }
            (ModemEvent::RawCid(Ok(c)), St::Inbound { last_ring, placed: false, .. }) => {
                let caller = presented(c.number.as_ref(), log);
                net(ends, LineSignal::OffHook);
                *st = St::Inbound { caller, last_ring, placed: true };
            }
            (ModemEvent::RawCid(Err(e)), _) => log(format!("caller id refused: {e}")),
            (ModemEvent::Dtmf(d), St::Talking) => {
                log(format!("dtmf {} from the line: to the network", char::from(d)));
                net(ends, LineSignal::Digits(char::from(d).to_string()));
            }
            (ModemEvent::Tone(DleEvent::LoopBreak | DleEvent::Busy | DleEvent::DialTone), St::Talking) => {
                log("the line hung up: releasing the network side".into());
                m.hang_up().await?;
                net(ends, LineSignal::OnHook);
                *st = St::Idle;
            }
            (ModemEvent::Tone(DleEvent::HandsetOnHook), St::Talking) => {
                log("the phone hung up: releasing the network side".into());
                net(ends, LineSignal::OnHook);
                *st = St::Idle;
            }
            (e, _) => tracing::debug!("hw bridge: {e:?} in {st:?}"),
        }
    }
}

/// The calling number to present for caller ID `v` heard on the line
/// (none: the switch puts the line's own number).
fn presented(v: Option<&CidValue>, log: &mut impl FnMut(String)) -> Option<Presented> {
    let p = match v {
        Some(CidValue::Value(n))
            if !n.is_empty() && n.len() <= 32 && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Presented::Number(n.clone())
        }
        Some(CidValue::Value(n)) => {
            log(format!("caller id {n:?} is not a number: the network sees the line's own number"));
            return None;
        }
        Some(CidValue::Private) => Presented::Restricted,
        Some(CidValue::Unavailable) => Presented::Unavailable,
        None => {
            log("caller id without a number: the network sees the line's own number".into());
            return None;
        }
    };
    let shown = match &p {
        Presented::Number(n) => n.as_str(),
        Presented::Restricted => "private (presentation restricted)",
        Presented::Unavailable => "unavailable (number not available)",
    };
    log(format!("caller id {shown}: presented to the network"));
    Some(p)
}

/// Keep a line bridged for as long as the network runs: open the device
/// with `open`, prepare it, [`drive`] it; when it fails (unplugged), log it,
/// and try `open` every `retry` until it is back, then re-initialise.
pub async fn serve_line<T, F>(
    mut open: F,
    ends: &mut LineEnds,
    cfg: &BridgeConfig,
    retry: Duration,
    log: &mut impl FnMut(String),
) where
    T: AsyncRead + AsyncWrite + Unpin,
    F: FnMut() -> Result<(String, Modem<T>), String>,
{
    let mut waiting = false;
    loop {
        if ends.from_network.is_closed() {
            return;
        }
        let (port, mut m) = match open() {
            Ok(x) => x,
            Err(e) => {
                if !waiting {
                    log(format!("{e}; waiting for it (retry every {retry:?})"));
                    waiting = true;
                }
                tokio::time::sleep(retry).await;
                continue;
            }
        };
        waiting = false;
        if let Err(e) = prepare(&mut m, log).await {
            log(format!("{port}: cannot initialise: {e}; retrying"));
            tokio::time::sleep(retry).await;
            continue;
        }
        log(format!("{port} ready"));
        match drive(&mut m, ends, cfg, log).await {
            Stopped::NetworkGone => return,
            Stopped::Device(e) => {
                log(format!("{port} is gone ({e}): any call was released; re-initialising when it is back"));
            }
        }
    }
}

/// Which side ended a [`join_lines`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinEnd {
    /// The first line hung up (loop break or busy tone heard on it).
    FirstHungUp,
    SecondHungUp,
}

/// Join two answered lines: both in full duplex (`+VTR`), the audio of each
/// sent to the other, until one hangs up; then both streams end and both
/// modems hang up. Logs a warning when neither device cancels echo.
///
/// # Errors
/// When either device refuses `+VTR` or fails; both are hung up as far as they answer.
pub async fn join_lines<A, B>(
    a: &mut Modem<A>,
    b: &mut Modem<B>,
    log: &mut impl FnMut(String),
) -> Result<JoinEnd, HwError>
where
    A: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    if !a.profile().echo_canceller && !b.profile().echo_canceller {
        log(format!(
            "warning: neither {} nor {} cancels echo: expect echo and howl on the joined lines",
            a.profile().id,
            b.profile().id
        ));
    }
    a.start_duplex().await?;
    b.start_duplex().await?;
    let hung = |e: &ModemEvent| matches!(e, ModemEvent::Tone(DleEvent::LoopBreak | DleEvent::Busy));
    let end = loop {
        match a.next_event(Duration::from_millis(10)).await? {
            Some(ModemEvent::Audio(x)) => b.send_audio(&x)?,
            Some(ModemEvent::Dtmf(d)) => log(format!("dtmf {} on the first line", char::from(d))),
            Some(e) if hung(&e) => break JoinEnd::FirstHungUp,
            _ => {}
        }
        match b.next_event(Duration::from_millis(10)).await? {
            Some(ModemEvent::Audio(x)) => a.send_audio(&x)?,
            Some(ModemEvent::Dtmf(d)) => log(format!("dtmf {} on the second line", char::from(d))),
            Some(e) if hung(&e) => break JoinEnd::SecondHungUp,
            _ => {}
        }
    };
    log(format!("{end:?}: ending both streams and hanging up"));
    let (ra, rb) = (a.stop_duplex().await, b.stop_duplex().await);
    let (ha, hb) = (a.hang_up().await, b.hang_up().await);
    ra.and(rb).and(ha).and(hb)?;
    Ok(end)
}

/// Line to line, no network: when line `a` rings, dial `dial` on line `b`;
/// at its probable answer, answer `a` and [`join_lines`] them until one
/// hangs up; then wait for the next ring. Runs until a device fails.
///
/// # Errors
/// The first device failure (both lines are hung up as far as they answer).
pub async fn relay_calls<A, B>(
    a: &mut Modem<A>,
    b: &mut Modem<B>,
    dial: &str,
    cfg: &BridgeConfig,
    log: &mut impl FnMut(String),
) -> Result<(), HwError>
where
    A: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match a.next_event(Duration::from_secs(1)).await? {
            Some(ModemEvent::Ring(_)) => {}
            Some(ModemEvent::Cid(CidField::Number(n))) => {
                log(format!("caller id on the first line: {n:?}"));
                continue;
            }
            _ => continue,
        }
        log(format!("the first line rings: dialling {dial} on the second"));
        match b.dial(dial, cfg.vra_tenths, cfg.dial_wait).await? {
            DialOutcome::ProbableAnswer => {
                a.answer().await?;
                log("probable answer: both lines joined".into());
                let end = join_lines(a, b, log).await?;
                log(format!("call over: {end:?}"));
            }
            o => {
                log(format!("{o:?} on the second line: the first keeps ringing unanswered"));
                let _ = b.hang_up().await;
            }
        }
    }
}
