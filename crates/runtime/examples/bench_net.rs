//! One simulator run of the bench network, for profiling:
//! `valgrind --tool=callgrind target/release/examples/bench_net 2000`.
//! Prints calls, frames and wall time. `bench_net codec ROUNDS` runs the
//! codec baseline instead (ROUNDS x 5 frames, plus ROUNDS/10 of warm-up).

use ainsim_elements::Instant;
use ainsim_runtime::bench::{sim_network, Shape};

fn main() -> Result<(), String> {
    if std::env::args().nth(1).as_deref() == Some("codec") {
        let rounds = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(10_000);
        println!("{:.0} frames/s", ainsim_runtime::bench::codec_frames_per_s(rounds)?);
        return Ok(());
    }
    let calls: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let shape = Shape::throughput(calls);
    let mut net = sim_network(&shape)?;
    let t = std::time::Instant::now();
    net.sim.start();
    net.sim.run_until_idle(Instant(u64::MAX / 2));
    let secs = t.elapsed().as_secs_f64();
    let frames = net.sim.stats().frames_delivered;
    println!(
        "{} calls, {frames} frames in {secs:.3} s: {:.0} calls/s, {:.0} frames/s",
        net.released(),
        net.released() as f64 / secs,
        frames as f64 / secs
    );
    Ok(())
}
