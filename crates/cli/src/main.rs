//! `ainsim`: the command-line front of the emulator.
//!
//! Exit status: 0 on success, 2 when the input (hex, JSON, a frame, a pcap)
//! is bad — with one line on stderr naming the offset and what was wrong —
//! and 1 for any other failure (a file that cannot be read, say).

/// `print!` that ends the program quietly when stdout is a closed pipe
/// (`ainsim decode --pcap big.pcap | head`), like a C tool killed by SIGPIPE.
macro_rules! out {
    ($($t:tt)*) => { $crate::emit(format_args!($($t)*), false) };
}

/// `println!` with the same treatment of a closed pipe.
macro_rules! outln {
    () => { $crate::emit(format_args!(""), true) };
    ($($t:tt)*) => { $crate::emit(format_args!($($t)*), true) };
}

mod bench;
mod call;
mod cdr;
mod codec;
mod demo;
mod hw;
mod run;
mod serve;
mod sim;
mod tree;

use std::path::PathBuf;
use std::process::ExitCode;

use ainsim_wire::stack::Start;
use ainsim_wire::Variant;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ainsim", version, about = "An AIN/SS7 network emulator running click-to-call")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a frame given as hex (or every frame of a pcap) into a readable tree or JSON.
    Decode {
        /// ITU or ANSI: point-code width, SCCP address layout, ISUP formats.
        #[arg(long, default_value = "itu")]
        variant: Variant,
        /// The layer the bytes start at: mtp2 (a signal unit as on the wire, FCS
        /// included and checked), mtp3, m3ua, sccp, tcap or isup.
        #[arg(long, default_value = "mtp3")]
        layer: Start,
        /// Whether MTP2 units end with their FCS: default true for hex input,
        /// false for pcaps (link types 139/140 carry none unless captured so).
        #[arg(long)]
        fcs: Option<bool>,
        /// Print the JSON tree that `ainsim encode --json` turns back into the same bytes.
        #[arg(long)]
        json: bool,
        /// Decode every frame of this capture (link types 139, 140, 141, or SCTP/IP carrying M3UA).
        #[arg(long, conflicts_with = "hex")]
        pcap: Option<PathBuf>,
        /// The frame as hex (spaces, colons and a 0x prefix are allowed).
        #[arg(required_unless_present = "pcap")]
        hex: Option<String>,
    },
    /// Encode the JSON that `ainsim decode --json` prints back into a frame, as hex.
    Encode {
        /// Overrides the variant the JSON names.
        #[arg(long)]
        variant: Option<Variant>,
        /// A file holding the JSON, or `-` for standard input.
        #[arg(long)]
        json: String,
    },
    /// Run one call through the network in simulated time: print its ladder
    /// and outcome; exit 0 when it ended as the subscribers' behaviour says.
    Call {
        /// The calling subscriber (a line of the topology).
        from: String,
        /// The number dialled.
        to: String,
        /// A topology file (default: the built-in network of the seed's Fig. 1; see docs/topology.md).
        #[arg(long)]
        topology: Option<PathBuf>,
        /// ITU or ANSI (default: the topology's).
        #[arg(long)]
        variant: Option<Variant>,
        /// Write every SS7 frame of the run to this pcap.
        #[arg(long)]
        pcap: Option<PathBuf>,
        /// The simulator's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How long the caller talks after an answer (e.g. 5s, 2min).
        #[arg(long, default_value = "5s", value_parser = parse_duration)]
        hold: std::time::Duration,
        /// Print a JSON summary instead of the ladder.
        #[arg(long)]
        json: bool,
        /// Also record the run's call detail records in this sled database (see `ainsim cdr`).
        #[arg(long)]
        cdr_db: Option<PathBuf>,
    },
    /// List the call detail records in a sled database, with per-business totals.
    Cdr(cdr::CdrArgs),
    /// The whole click-to-call story in simulated time: a shopper presses
    /// "talk to a representative" on ABC Travel's cruise page, the ACD picks
    /// the cruise expert, the access server's front checks the signed call
    /// instruction, the network calls the shopper, plays "please hold…",
    /// calls and bridges the representative, the console pops, the order
    /// and the CDRs are recorded. Exit 0 only if all of it happened.
    Demo {
        #[arg(long, default_value = "itu")]
        variant: Variant,
        /// The same seed gives the same output, byte for byte.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write every frame of the run to this pcap.
        #[arg(long)]
        pcap: Option<PathBuf>,
        /// A topology of the default's shape (docs/topology.md).
        #[arg(long)]
        topology: Option<PathBuf>,
    },
    /// Run the network in real time; outside peers reach it on the MTP2/UDP
    /// links named in the topology's [[external]] entries.
    Run {
        /// A topology file (default: the built-in network of the seed's Fig. 1).
        #[arg(long)]
        topology: Option<PathBuf>,
        /// ITU or ANSI (default: the topology's).
        #[arg(long)]
        variant: Option<Variant>,
        /// Stop after this long (e.g. 30s; default: run until Ctrl-C).
        #[arg(long = "for", value_parser = parse_duration)]
        stop_after: Option<std::time::Duration>,
        /// Write the outside links' MTP2 units to this pcap (link type 139) when stopping.
        #[arg(long)]
        pcap: Option<PathBuf>,
    },
    /// The click-to-call service in real time, for a browser: ABC Travel's
    /// shop (/), the representative console (/console) and a live view of
    /// the network (/network), the access server's HTTP(S) front and the
    /// emulated network behind it. Prints the URLs; runs until Ctrl-C.
    /// docs/serve.md describes the --config file.
    #[command(after_help = SERVE_HELP)]
    Serve {
        /// A TOML file: listen addresses, data directory, topology, variant,
        /// TLS certificate and key for the front, the shopper's holding time.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where the business web server listens (default 127.0.0.1:8080,
        /// or the config file's `listen`; port 0 picks a free port).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Stop after this long (for tests; default: run until Ctrl-C).
        #[arg(long = "for", value_parser = parse_duration, hide = true)]
        stop_after: Option<std::time::Duration>,
    },
    /// Real phone lines: emulate a voice modem, probe a port, bridge a line into the network.
    Hw {
        #[command(subcommand)]
        cmd: hw::HwCommand,
    },
    /// Measure codec, simulator, real-time and click-to-call throughput and memory against the goals.
    Bench {
        /// Print one JSON object (stable keys, goals with pass/fail).
        #[arg(long)]
        json: bool,
        /// Simulated calls (default 200000; 4000 with --quick).
        #[arg(long)]
        calls: Option<u64>,
        /// A small run of a few seconds (memory measured at small scale, per unit).
        #[arg(long)]
        quick: bool,
    },
    /// Run a research scenario (docs/scenarios.md): ACD and trunk statistics against Erlang B/C/A.
    Sim {
        /// The scenario file (TOML), e.g. sim/scenarios/acd-mmn.toml.
        scenario: std::path::PathBuf,
        /// Override a scenario key: --set acd.agents=12 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Print the JSON summary instead of the table.
        #[arg(long)]
        json: bool,
        /// Write summary.json, CSV series, SVG plots and report.html here.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// The run's seed (same as --set run.seed=N).
        #[arg(long)]
        seed: Option<u64>,
        /// Run at each value of a key: acd.agents=10..20, traffic.erlangs=4..12/0.5, or a,b,c.
        #[arg(long, value_name = "KEY=A..B")]
        sweep: Option<String>,
        /// Independent seeds (seed, seed+1, …) run in parallel and merged.
        #[arg(long, default_value_t = 1)]
        jobs: u32,
    },
}

const SERVE_HELP: &str = "\
The --config file (TOML; every key optional; paths relative to the file):
  listen = \"127.0.0.1:8080\"         the shop, console and live view
  front_listen = \"127.0.0.1:8443\"   the access server's HTTP(S) front (default: a free port)
  access_listen = \"127.0.0.1:7000\"  the access server's OSN port (default: a free port)
  data_dir = \"/var/lib/ainsim\"      sled databases (default: a temporary directory)
  topology = \"net.toml\"             docs/topology.md (default: the seed's Fig. 1)
  variant = \"itu\"                   itu | ansi (default: the topology's)
  shopper_holds = \"45s\"             phones hang up this long after answering
  flights_at_home = false           the flights expert takes calls on the mobile
  [tls]                             HTTPS for the front
  cert = \"cert.pem\"
  key = \"key.pem\"";

pub(crate) fn emit(args: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let r = o.write_fmt(args).and_then(|()| if newline { o.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = r {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    ainsim_elements::ssp::config::humane::parse(s)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // AINSIM_LOG=debug (or a filter like `ainsim_runtime=trace`) logs every
    // element event, in `element{node=…}` spans, on stderr.
    if let Ok(filter) = std::env::var("AINSIM_LOG") {
        let filter = tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|e| {
            eprintln!("warning: AINSIM_LOG={filter:?}: {e}; logging everything at info");
            tracing_subscriber::EnvFilter::new("info")
        });
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    }
    let result = match cli.command {
        Command::Decode { variant, layer, fcs, json, pcap, hex } => match pcap {
            Some(path) => codec::decode_pcap(&path, variant, fcs.unwrap_or(false), json),
            None => codec::decode_hex(
                hex.as_deref().unwrap_or_default(),
                layer,
                variant,
                fcs.unwrap_or(true),
                json,
            ),
        },
        Command::Encode { variant, json } => codec::encode_json(&json, variant),
        Command::Call { from, to, topology, variant, pcap, seed, hold, json, cdr_db } => {
            let args = call::CallArgs {
                from: &from,
                to: &to,
                topology: topology.as_deref(),
                variant,
                pcap: pcap.as_deref(),
                seed,
                hold,
                json,
                cdr_db: cdr_db.as_deref(),
            };
            match call::call(&args) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(e) => Err(e),
            }
        }
        Command::Cdr(a) => cdr::cdr(&a),
        Command::Demo { variant, seed, pcap, topology } => {
            let args = demo::DemoArgs { variant, seed, pcap: pcap.as_deref(), topology: topology.as_deref() };
            match demo::demo(&args) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(1),
                Err(e) => Err(e),
            }
        }
        Command::Run { topology, variant, stop_after, pcap } => run::run(&run::RunArgs {
            topology: topology.as_deref(),
            variant,
            stop_after,
            pcap: pcap.as_deref(),
        }),
        Command::Serve { config, listen, stop_after } => {
            serve::serve(&serve::ServeArgs { config: config.as_deref(), listen, stop_after })
        }
        Command::Hw { cmd } => hw::run(cmd),
        Command::Bench { json, calls, quick } => {
            bench::run(json, calls, quick).map_err(codec::Failure::Other)
        }
        Command::Sim { scenario, set, json, out, seed, sweep, jobs } => {
            sim::sim(&sim::SimArgs { scenario, set, json, out, seed, sweep, jobs })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(codec::Failure::BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(codec::Failure::Other(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
