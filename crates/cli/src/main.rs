//! `ainsim`: the command-line front of the emulator.
//!
//! Exit status: 0 on success, 2 when the input (hex, JSON, a frame, a pcap)
//! is bad — with one line on stderr naming the offset and what was wrong —
//! and 1 for any other failure (a file that cannot be read, say).

mod bench;
mod codec;
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
    /// Measure codec, simulator and real-time throughput and memory against the goals.
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Bench { json, calls, quick } => {
            bench::run(json, calls, quick).map_err(codec::Failure::Other)
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
