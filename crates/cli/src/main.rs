//! `ainsim`: the command-line front of the emulator.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ainsim", version, about = "An AIN/SS7 network emulator running click-to-call")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the version of the wire layer.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("ainsim {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
    }
}
