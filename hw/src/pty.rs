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
        let pty = nix::pty::openpty(None, None).map_err(to_io)?;
        let mut t = tcgetattr(&pty.slave).map_err(to_io)?;
        cfmakeraw(&mut t);
        tcsetattr(&pty.slave, SetArg::TCSANOW, &t).map_err(to_io)?;
        let path = nix::unistd::ttyname(&pty.slave).map_err(to_io)?;
        let master = File::from(pty.master);
        let mut reader = master.try_clone()?;
        let (tx, rx) = mpsc::channel();
        let (line_tx, line) = mpsc::channel();
        let rtx = tx.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stop_reader = Arc::clone(&stop);
        thread::Builder::new().name("pty-read".into()).spawn(move || {
            let mut buf = [0u8; 4096];
            // Poll with a short timeout so that an unplug (the run loop ending)
            // closes this clone of the master too, and the slave sees the hang-up.
            while !stop_reader.load(Ordering::Relaxed) {
                let mut fds = [PollFd::new(reader.as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, PollTimeout::from(100u16)) {
                    Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                    Ok(_) => {}
                    Err(_) => {
                        let _ = rtx.send(Msg::ReaderGone);
                        return;
                    }
                }
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => {
                        let _ = rtx.send(Msg::ReaderGone);
                        return;
                    }
                    Ok(n) => {
                        if rtx.send(Msg::Bytes(buf[..n].to_vec())).is_err() {
                            return;
                        }
                    }
                }
            }
        })?;
        let emu = ModemEmu::new(profile, cfg);
        let slave = pty.slave;
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
