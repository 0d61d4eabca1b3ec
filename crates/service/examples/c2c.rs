//! Runs only the click-to-call part of `ainsim bench`, for profiling:
//! `c2c [quick|full] [sessions]` prints the report, CPU per session included.
//!
//!     cargo build --release -p ainsim-service --example c2c
//!     target/release/examples/c2c full
//!     perf record -g target/release/examples/c2c full

use ainsim_service::bench::{click_to_call, C2cConfig};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = match args.first().map(String::as_str) {
        Some("quick") => C2cConfig::quick(),
        None | Some("full") => C2cConfig::full(),
        Some(other) => {
            eprintln!("c2c: unknown scale {other:?} (quick or full)");
            std::process::exit(2);
        }
    };
    if let Some(n) = args.get(1) {
        match n.parse() {
            Ok(n) => cfg.sessions = n,
            Err(e) => {
                eprintln!("c2c: sessions {n:?}: {e}");
                std::process::exit(2);
            }
        }
    }
    if let Some(ms) = args.get(2).and_then(|a| a.parse().ok()) {
        cfg.holding = std::time::Duration::from_millis(ms);
    }
    if let Some(n) = args.get(3).and_then(|a| a.parse().ok()) {
        cfg.clients = n;
    }
    match click_to_call(&cfg) {
        Ok(r) => println!(
            "sessions/s {:.0}  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  cpu/session {:.3} ms  {} of {} in {:.2} s, lost {} (refused {}, timed out {}) {:?}",
            r.sessions_per_s,
            r.setup_p50_ms.unwrap_or(f64::NAN),
            r.setup_p99_ms.unwrap_or(f64::NAN),
            r.setup_max_ms.unwrap_or(f64::NAN),
            r.cpu_ms_per_session.unwrap_or(f64::NAN),
            r.sessions,
            r.requests,
            r.wall_s,
            r.lost,
            r.refused,
            r.timed_out,
            r.failures
        ),
        Err(e) => {
            eprintln!("c2c: {e}");
            std::process::exit(1);
        }
    }
}
