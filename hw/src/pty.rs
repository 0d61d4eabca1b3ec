//! The modem emulator on a real pseudo-terminal: a program opens the pty's
//! slave path as it would `/dev/ttyACM0`, and talks to a [`ModemEmu`].
//!
//! What it is: [`PtyModem::spawn`] opens a pty (nix `openpty`; see
//! docs/decisions.md), sets it raw, and runs the emulator on a thread: one
//! thread reads the master, one loop feeds the emulator, fires its timer
//! (std clock: this is the I/O edge) and takes [`Script`] verbs.
//! [`Script::Unplug`] closes the pty, as pulling the USB cable would.
//! What it is not: no baud rate or modem-control lines (a pty has none).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};

use crate::emu::{EmuConfig, FarEnd, LineEvent, ModemEmu};
use crate::parse::CallerId;
use crate::profile::Profile;

/// A far-end action for the emulated line.
#[derive(Debug, Clone)]
pub enum Script {
    /// A call comes in: rings, with this caller ID after the first ring.
    Ring(Option<CallerId>),
    FarDtmf(u8),
    FarHangup,
    FarAudio(Vec<u8>),
    /// What the far end does on the next dial.
    FarEnd(FarEnd),
    /// External far end: it answered / it is busy / ringback heard.
    RemoteAnswer,
    RemoteBusy,
    RemoteRingback,
    /// Close the pty, as an unplugged USB modem disappears.
    Unplug,
}

enum Msg {
    Bytes(Vec<u8>),
    Script(Script),
    ReaderGone,
}

/// A handle that acts on the far end from another thread.
#[derive(Clone)]
pub struct FarEndHandle(mpsc::Sender<Msg>);

impl FarEndHandle {
    /// Act on the far end (ignored once the emulator stopped).
    pub fn script(&self, s: Script) {
        let _ = self.0.send(Msg::Script(s));
    }
}

/// An emulated modem on a pty.
pub struct PtyModem {
    path: PathBuf,
    tx: mpsc::Sender<Msg>,
    line: mpsc::Receiver<LineEvent>,
}

fn to_io(e: nix::Error) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

impl PtyModem {
    /// Open a pty and run a `profile` modem on it.
    ///
    /// # Errors
    /// When no pty can be opened (no `/dev/ptmx`).
    pub fn spawn(profile: &'static Profile, cfg: EmuConfig) -> io::Result<PtyModem> {
        let (path, master, slave) = open_raw_pty()?;
        let (tx, rx) = mpsc::channel();
        let (line_tx, line) = mpsc::channel();
        let rtx = tx.clone();
        let stop = Arc::new(AtomicBool::new(false));
        spawn_reader(master.try_clone()?, Arc::clone(&stop), move |b| {
            rtx.send(match b {
                Some(b) => Msg::Bytes(b),
                None => Msg::ReaderGone,
            })
            .is_ok()
        })?;
        let emu = ModemEmu::new(profile, cfg);
        thread::Builder::new().name("pty-modem".into()).spawn(move || {
            run(emu, master, slave, &rx, &line_tx);
            stop.store(true, Ordering::Relaxed);
        })?;
        Ok(PtyModem { path, tx, line })
    }

    /// The slave path to open (`/dev/pts/N`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Act on the far end.
    pub fn script(&self, s: Script) {
        let _ = self.tx.send(Msg::Script(s));
    }

    /// A cloneable handle for [`PtyModem::script`].
    pub fn far_end(&self) -> FarEndHandle {
        FarEndHandle(self.tx.clone())
    }

    /// What the modem did on its line (off hook, dialled digits, DTMF, audio).
    pub fn line_events(&self) -> &mpsc::Receiver<LineEvent> {
        &self.line
    }
}

impl Drop for PtyModem {
    fn drop(&mut self) {
        self.script(Script::Unplug);
    }
}

/// Open a pty, raw, and give its slave path, master and slave.
fn open_raw_pty() -> io::Result<(PathBuf, File, OwnedFd)> {
    let pty = nix::pty::openpty(None, None).map_err(to_io)?;
    let mut t = tcgetattr(&pty.slave).map_err(to_io)?;
    cfmakeraw(&mut t);
    tcsetattr(&pty.slave, SetArg::TCSANOW, &t).map_err(to_io)?;
    let path = nix::unistd::ttyname(&pty.slave).map_err(to_io)?;
    Ok((path, File::from(pty.master), pty.slave))
}

/// Read the master on a thread, handing each read to `send` (`None`: gone)
/// until `send` returns false or `stop` is set. Polls with a short timeout
/// so that an unplug (the run loop ending) closes this clone of the master
/// too, and the slave sees the hang-up.
fn spawn_reader(
    mut reader: File,
    stop: Arc<AtomicBool>,
    send: impl Fn(Option<Vec<u8>>) -> bool + Send + 'static,
) -> io::Result<()> {
    thread::Builder::new().name("pty-read".into()).spawn(move || {
        let mut buf = [0u8; 4096];
        while !stop.load(Ordering::Relaxed) {
            let mut fds = [PollFd::new(reader.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(100u16)) {
                Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                Ok(_) => {}
                Err(_) => {
                    send(None);
                    return;
                }
            }
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => {
                    send(None);
                    return;
                }
                Ok(n) => {
                    if !send(Some(buf[..n].to_vec())) {
                        return;
                    }
                }
            }
        }
    })?;
    Ok(())
}

/// Two emulated modems on two ptys, joined by the line simulator: each
/// has a number, and dialling one from the other rings it.
pub struct PtyLinePair {
    paths: [PathBuf; 2],
    tx: mpsc::Sender<PairMsg>,
    line: mpsc::Receiver<(usize, LineEvent)>,
}

enum PairMsg {
    Bytes(usize, Vec<u8>),
    Gone,
    Stop,
}

impl PtyLinePair {
    /// Open two ptys and run `LineSim` with these profiles and numbers.
    ///
    /// # Errors
    /// When no pty can be opened.
    pub fn spawn(
        profiles: [&'static Profile; 2],
        numbers: [&str; 2],
        ring_period: Duration,
    ) -> io::Result<PtyLinePair> {
        let (pa, mut ma, sa) = open_raw_pty()?;
        let (pb, mut mb, sb) = open_raw_pty()?;
        let (tx, rx) = mpsc::channel();
        let (line_tx, line) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        for (i, m) in [(0, &ma), (1, &mb)] {
            let rtx = tx.clone();
            spawn_reader(m.try_clone()?, Arc::clone(&stop), move |b| {
                rtx.send(match b {
                    Some(b) => PairMsg::Bytes(i, b),
                    None => PairMsg::Gone,
                })
                .is_ok()
            })?;
        }
        let mut sim = crate::line::LineSim::new(profiles, numbers, ring_period);
        thread::Builder::new().name("pty-line".into()).spawn(move || {
            let _slaves = (sa, sb);
            let start = Instant::now();
            loop {
                let wait = sim
                    .poll_timeout()
                    .map_or(Duration::from_secs(3600), |t| t.saturating_sub(start.elapsed()));
                let msg = rx.recv_timeout(wait);
                let now = start.elapsed();
                match msg {
                    Ok(PairMsg::Bytes(i, b)) => {
                        if let Some(m) = sim.modems.get_mut(i) {
                            m.handle_input(now, &b);
                        }
                    }
                    Ok(PairMsg::Gone | PairMsg::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                }
                sim.step(now);
                for (i, e) in sim.take_log() {
                    let _ = line_tx.send((i, e));
                }
                let mut failed = false;
                for (m, w) in sim.modems.iter_mut().zip([&mut ma, &mut mb]) {
                    if let Some(out) = m.poll_transmit() {
                        failed |= w.write_all(&out).is_err();
                    }
                }
                if failed {
                    break;
                }
            }
            stop.store(true, Ordering::Relaxed);
        })?;
        Ok(PtyLinePair { paths: [pa, pb], tx, line })
    }

    /// The two slave paths, in the order of the numbers.
    pub fn paths(&self) -> [&Path; 2] {
        [&self.paths[0], &self.paths[1]]
    }

    /// What each modem did on the line: `(which, event)`.
    pub fn line_events(&self) -> &mpsc::Receiver<(usize, LineEvent)> {
        &self.line
    }
}

impl Drop for PtyLinePair {
    fn drop(&mut self) {
        let _ = self.tx.send(PairMsg::Stop);
    }
}

fn run(
    mut emu: ModemEmu,
    mut master: File,
    slave: OwnedFd,
    rx: &mpsc::Receiver<Msg>,
    line: &mpsc::Sender<LineEvent>,
) {
    let start = Instant::now();
    // Held so that the master reads no EIO while no program has the slave open.
    let _slave = slave;
    loop {
        let wait =
            emu.poll_timeout().map_or(Duration::from_secs(3600), |t| t.saturating_sub(start.elapsed()));
        let msg = rx.recv_timeout(wait);
        let now = start.elapsed();
        match msg {
            Ok(Msg::Bytes(b)) => emu.handle_input(now, &b),
            Ok(Msg::Script(s)) => match s {
                Script::Ring(cid) => emu.ring(now, cid),
                Script::FarDtmf(d) => emu.far_dtmf(d),
                Script::FarHangup => emu.far_hangup(now),
                Script::FarAudio(a) => emu.far_audio(&a),
                Script::FarEnd(f) => emu.set_far_end(f),
                Script::RemoteAnswer => emu.remote_answer(now),
                Script::RemoteBusy => emu.remote_busy(),
                Script::RemoteRingback => emu.remote_ringback(),
                Script::Unplug => return,
            },
            Ok(Msg::ReaderGone) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
            Err(mpsc::RecvTimeoutError::Timeout) => emu.handle_timeout(now),
        }
        if let Some(out) = emu.poll_transmit() {
            if master.write_all(&out).is_err() {
                return;
            }
        }
        while let Some(e) = emu.poll_line() {
            let _ = line.send(e);
        }
    }
}
