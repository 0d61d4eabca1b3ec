//! `ainsim hw`: real phone lines. `emulate` runs a V.253 voice modem on a
//! pseudo-terminal, `probe` identifies the device on a port, `bridge`
//! joins a line to the network running in real time (docs/hardware.md).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ainsim_elements::EventKind;
use ainsim_hw::bridge::{prepare, relay_calls, serve_line, start_network, BridgeConfig};
use ainsim_hw::emu::{EmuConfig, FarEnd, LineEvent};
use ainsim_hw::parse::{CallerId, CidValue};
use ainsim_hw::profile::{self, Profile};
use ainsim_hw::pty::{PtyModem, Script};
use ainsim_runtime::topology::Topology;
use clap::Subcommand;

use crate::codec::Failure;

#[derive(Subcommand)]
pub(crate) enum HwCommand {
    /// Start an emulated voice modem on a pseudo-terminal; print its path as
    /// the first line, then what it does on its line. Far-end actions come
    /// on standard input, one a line: `ring [NUMBER]`, `dtmf DIGITS`,
    /// `hangup`, `answer-after N`, `busy`, `no-answer`, `no-dialtone`,
    /// `unplug`.
    Emulate {
        /// usr5637, zoom3095, v253 or gateway.
        #[arg(long, default_value = "usr5637")]
        profile: String,
        /// Ring and ringback cadence.
        #[arg(long, default_value = "6s", value_parser = crate::parse_duration)]
        ring_period: Duration,
        /// Rings before the far end answers a call the modem places.
        #[arg(long, default_value_t = 2)]
        answer_after: u32,
        /// Stop after this long (default: until Ctrl-C or `unplug`).
        #[arg(long, value_parser = crate::parse_duration)]
        stop_after: Option<Duration>,
        /// Two modems joined by the line simulator instead, with these numbers
        /// (`5550001,5550002`): the first two lines of stdout are their ptys;
        /// dialling one from the other rings it. No stdin actions.
        #[arg(long, value_delimiter = ',')]
        pair: Option<Vec<String>>,
    },
    /// Identify the modem or gateway on PORT: its ATI answers, profile and capabilities.
    Probe {
        /// The serial device (`/dev/ttyACM0`) or a pty from `ainsim hw emulate`.
        port: String,
    },
    /// Line to line, no network: when the line on PORT rings, dial DIAL on the
    /// line on OTHER, answer at its probable answer and join their audio.
    Join {
        #[arg(long)]
        port: String,
        #[arg(long)]
        other: String,
        /// The number to dial on the other line.
        #[arg(long)]
        dial: String,
        /// As for `bridge`.
        #[arg(long, default_value_t = 50)]
        vra: u32,
        /// Stop after this long (default: until Ctrl-C).
        #[arg(long, value_parser = crate::parse_duration)]
        stop_after: Option<Duration>,
    },
    /// Join the line on PORT to the network as subscriber NUMBER, in real time.
    Bridge {
        #[arg(long)]
        port: String,
        /// The subscriber number the line takes in the topology.
        #[arg(long)]
        number: String,
        /// A topology file (default: the seed's Fig. 1).
        #[arg(long)]
        topology: Option<PathBuf>,
        /// Where a call from the line goes (default: the digits dialled are not
        /// seen by a modem, so calls from the line need this).
        #[arg(long)]
        to: Option<String>,
        /// On a voice modem, the number to dial on the real line when the network calls NUMBER.
        #[arg(long)]
        dial: Option<String>,
        /// Tenths of a second without ringback after it was heard that count
        /// as the far end answering (V.253 `+VRA`).
        #[arg(long, default_value_t = 50)]
        vra: u32,
        /// Stop after this long (default: until Ctrl-C).
        #[arg(long, value_parser = crate::parse_duration)]
        stop_after: Option<Duration>,
    },
}

pub(crate) fn run(cmd: HwCommand) -> Result<(), Failure> {
    match cmd {
        HwCommand::Emulate { profile, ring_period, answer_after: _, stop_after, pair: Some(numbers) } => {
            emulate_pair(pick(&profile)?, &numbers, ring_period, stop_after)
        }
        HwCommand::Emulate { profile, ring_period, answer_after, stop_after, pair: None } => {
            emulate(pick(&profile)?, ring_period, answer_after, stop_after)
        }
        HwCommand::Probe { port } => probe(&port),
        HwCommand::Join { port, other, dial, vra, stop_after } => join(&port, &other, &dial, vra, stop_after),
        HwCommand::Bridge { port, number, topology, to, dial, vra, stop_after } => {
            let cfg = BridgeConfig { to, dial, vra_tenths: vra, ..BridgeConfig::default() };
            bridge(&port, &number, topology.as_deref(), cfg, stop_after)
        }
    }
}

fn pick(id: &str) -> Result<&'static Profile, Failure> {
    profile::by_id(id).ok_or_else(|| {
        let names: Vec<&str> = profile::PROFILES.iter().map(|p| p.id).collect();
        Failure::BadInput(format!("--profile {id:?}: not one of {}", names.join(", ")))
    })
}

/// One far-end action from a line of text.
fn script_line(l: &str) -> Result<Script, String> {
    let mut w = l.split_whitespace();
    let verb = w.next().unwrap_or_default();
    let arg = w.next();
    Ok(match (verb, arg) {
        ("ring", n) => Script::Ring(
            n.map(|n| CallerId { number: Some(CidValue::Value(n.into())), ..CallerId::default() }),
        ),
        ("dtmf", Some(d)) if d.bytes().all(|b| b.is_ascii_digit() || b"*#ABCD".contains(&b)) => {
            // One action per digit, in order.
            return d.bytes().next().map(Script::FarDtmf).ok_or_else(|| "dtmf: no digit".into());
        }
        ("hangup", None) => Script::FarHangup,
        ("answer-after", Some(n)) => Script::FarEnd(FarEnd::AnswerAfter(
            n.parse().map_err(|_| format!("answer-after: {n:?} is no number"))?,
        )),
        ("busy", None) => Script::FarEnd(FarEnd::Busy),
        ("no-answer", None) => Script::FarEnd(FarEnd::NoAnswer),
        ("no-dialtone", None) => Script::FarEnd(FarEnd::NoDialtone),
        ("unplug", None) => Script::Unplug,
        _ => return Err(format!("unknown action {l:?}")),
    })
}

fn emulate(
    p: &'static Profile,
    ring_period: Duration,
    answer_after: u32,
    stop_after: Option<Duration>,
) -> Result<(), Failure> {
    let cfg = EmuConfig { ring_period, far_end: FarEnd::AnswerAfter(answer_after), no_answer_rings: 8 };
    let m = PtyModem::spawn(p, cfg).map_err(|e| Failure::Other(anyhow::anyhow!("cannot open a pty: {e}")))?;
    outln!("{}", m.path().display());
    outln!("emulating {} ({}); far-end actions on stdin", p.id, p.name);
    let far = m.far_end();
    let (done_tx, done) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(d) = line.strip_prefix("dtmf ") {
                for b in d.trim().bytes() {
                    far.script(Script::FarDtmf(b));
                }
                continue;
            }
            match script_line(line) {
                Ok(Script::Unplug) => {
                    far.script(Script::Unplug);
                    let _ = done_tx.send(());
                    return;
                }
                Ok(s) => far.script(s),
                Err(e) => eprintln!("warning: {e}"),
            }
        }
    });
    let start = Instant::now();
    loop {
        if stop_after.is_some_and(|d| start.elapsed() >= d) || done.try_recv().is_ok() {
            return Ok(());
        }
        match m.line_events().recv_timeout(Duration::from_millis(100)) {
            Ok(e) => match e {
                LineEvent::OffHook => outln!("line: off hook"),
                LineEvent::OnHook => outln!("line: on hook"),
                LineEvent::Dial(n) => outln!("line: dialled {n}"),
                LineEvent::Dtmf(d) => outln!("line: dtmf {}", char::from(d)),
                LineEvent::Audio(a) => outln!("line: audio {} bytes", a.len()),
            },
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

fn emulate_pair(
    p: &'static Profile,
    numbers: &[String],
    ring_period: Duration,
    stop_after: Option<Duration>,
) -> Result<(), Failure> {
    let [a, b] = numbers else {
        return Err(Failure::BadInput(format!("--pair: two numbers, not {}", numbers.len())));
    };
    let pair = ainsim_hw::pty::PtyLinePair::spawn([p, p], [a, b], ring_period)
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot open a pty: {e}")))?;
    let [pa, pb] = pair.paths();
    outln!("{}", pa.display());
    outln!("{}", pb.display());
    outln!("emulating two {} modems, {a} and {b}, on one simulated exchange", p.id);
    let start = Instant::now();
    let names = [a, b];
    loop {
        if stop_after.is_some_and(|d| start.elapsed() >= d) {
            return Ok(());
        }
        match pair.line_events().recv_timeout(Duration::from_millis(100)) {
            Ok((i, e)) => {
                let who = names.get(i).map_or("?", |n| n.as_str());
                match e {
                    LineEvent::OffHook => outln!("line {who}: off hook"),
                    LineEvent::OnHook => outln!("line {who}: on hook"),
                    LineEvent::Dial(n) => outln!("line {who}: dialled {n}"),
                    LineEvent::Dtmf(d) => outln!("line {who}: dtmf {}", char::from(d)),
                    LineEvent::Audio(x) => outln!("line {who}: audio {} bytes", x.len()),
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

fn probe(port: &str) -> Result<(), Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot start tokio: {e}")))?;
    rt.block_on(async {
        let mut m =
            ainsim_hw::serial::open(port).map_err(|e| Failure::Other(anyhow::anyhow!("{port}: {e}")))?;
        let fail = |e: ainsim_hw::ops::HwError| Failure::Other(anyhow::anyhow!("{port}: {e}"));
        m.init().await.map_err(fail)?;
        let id = m.identify().await.map_err(fail)?;
        let p = id.profile;
        outln!("port {port}");
        for (n, a) in [0, 3, 9].iter().zip(&id.ati) {
            outln!("  ATI{n}: {}", if a.is_empty() { "(ERROR)" } else { a });
        }
        outln!("profile {} ({})", p.id, p.name);
        let cid = match m.enable_caller_id().await {
            Ok(c) => c.to_string(),
            Err(e) => format!("none ({e})"),
        };
        outln!("  caller id: {cid}");
        match m.voice_mode().await {
            Ok(id) => outln!("  voice: +FCLASS=8, {}", p.vsm_command(id)),
            Err(e) => outln!("  voice: none ({e})"),
        }
        outln!("  dle style: {:?}", p.dle);
        outln!("  silence detection (+VSD): {}", if p.has_vsd { "yes" } else { "no" });
        outln!("  full duplex (+VTR): {}", if p.full_duplex { "yes" } else { "no" });
        outln!(
            "  echo canceller: {}",
            if p.echo_canceller { "yes" } else { "no: do not bridge two such lines without one" }
        );
        let _ = m.command("AT+FCLASS=0").await;
        Ok(())
    })
}

fn join(port: &str, other: &str, dial: &str, vra: u32, stop_after: Option<Duration>) -> Result<(), Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot start tokio: {e}")))?;
    rt.block_on(async {
        let open =
            |p: &str| ainsim_hw::serial::open(p).map_err(|e| Failure::Other(anyhow::anyhow!("{p}: {e}")));
        let (mut a, mut b) = (open(port)?, open(other)?);
        let mut log = |s: String| outln!("join: {s}");
        prepare(&mut a, &mut log).await.map_err(|e| Failure::Other(anyhow::anyhow!("{port}: {e}")))?;
        prepare(&mut b, &mut log).await.map_err(|e| Failure::Other(anyhow::anyhow!("{other}: {e}")))?;
        outln!("join: waiting for {port} to ring; then dialling {dial} on {other}");
        let cfg = BridgeConfig { vra_tenths: vra, ..BridgeConfig::default() };
        let relay = relay_calls(&mut a, &mut b, dial, &cfg, &mut log);
        let stop = crate::run::stopped(stop_after);
        tokio::select! {
            r = relay => r.map_err(|e| Failure::Other(anyhow::anyhow!("join: {e}"))),
            () = stop => Ok(()),
        }
    })
}

fn bridge(
    port: &str,
    number: &str,
    topology: Option<&Path>,
    cfg: BridgeConfig,
    stop_after: Option<Duration>,
) -> Result<(), Failure> {
    let t = match topology {
        Some(p) => Topology::load(p),
        None => Ok(Topology::default_fig1()),
    }
    .map_err(|e| Failure::BadInput(e.to_string()))?;
    let plan = t.plan(None).map_err(|e| Failure::BadInput(e.to_string()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot start tokio: {e}")))?;
    rt.block_on(async {
        // The access server's OSN listener stays closed: the bridge's network
        // takes calls from its line and from outside SS7 peers, and a fixed
        // port would clash with an `ainsim run` or `serve` of the same topology.
        let (mut running, mut ends, bound) =
            start_network(&plan, number, None).await.map_err(Failure::BadInput)?;
        let name = if t.name.is_empty() { t.file().to_owned() } else { t.name.clone() };
        outln!("network {name} running in real time: {} elements; line {number} on {port}", plan.nodes.len());
        crate::run::print_bound(&plan, &bound);
        let mut events = std::mem::replace(&mut running.events, tokio::sync::mpsc::unbounded_channel().1);
        tokio::spawn(async move {
            while let Some(ev) = events.recv().await {
                let what = match &ev.event.kind {
                    EventKind::CallAttempt { from, to } => format!("call attempt {from} -> {to}"),
                    EventKind::Alerting => "alerting".into(),
                    EventKind::Answered => "answered".into(),
                    EventKind::Released { cause } => format!("released, cause {cause}"),
                    EventKind::Dropped { reason, .. } => format!("dropped: {reason}"),
                    EventKind::Note(n) => n.clone(),
                };
                outln!("{:>12.6} {}: {what}", ev.at.micros() as f64 / 1e6, ev.source);
            }
        });
        let port = port.to_owned();
        let bridge = async move {
            let mut log = |s: String| outln!("bridge: {s}");
            let open = || {
                ainsim_hw::serial::open(&port).map(|m| (port.clone(), m)).map_err(|e| format!("{port}: {e}"))
            };
            serve_line(open, &mut ends, &cfg, Duration::from_secs(1), &mut log).await;
        };
        let stop = crate::run::stopped(stop_after);
        tokio::select! {
            () = bridge => {}
            () = stop => {}
        }
        running.shutdown();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_lines() {
        assert!(matches!(script_line("ring 5551234"), Ok(Script::Ring(Some(_)))));
        assert!(matches!(script_line("ring"), Ok(Script::Ring(None))));
        assert!(matches!(script_line("answer-after 3"), Ok(Script::FarEnd(FarEnd::AnswerAfter(3)))));
        assert!(script_line("answer-after x").is_err());
        assert!(script_line("jump").is_err());
    }
}
