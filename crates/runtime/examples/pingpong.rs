//! How many frames per second the simulator moves: two signalling points
//! bounce an ISUP message back and forth over one SS7 link, each parsing the
//! MSU it receives and building a new one (no trace, no pcap).
//!
//! `cargo run --release -p ainsim-runtime --example pingpong [FRAMES] [taps]`
//! (`taps`: keep the in-memory trace and an in-memory pcap too)

use std::time::Duration;

use ainsim_elements::sp::SignallingPoint;
use ainsim_elements::{Element, Input, Instant, Outputs, Port};
use ainsim_runtime::{LinkKind, LinkModel, Simulator};
use ainsim_wire::{PointCode, Variant};

/// An ISUP ANM on CIC 3 (ITU): CIC, message type, no optional part.
const ANM: [u8; 4] = [0x03, 0x00, 0x09, 0x00];

struct Pinger {
    sp: SignallingPoint,
    peer: PointCode,
    serve: bool,
}

impl Element for Pinger {
    fn name(&self) -> &str {
        "pinger"
    }

    fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start if self.serve => {
                let _ = self.sp.send(out, 5, self.peer, 3, &ANM);
            }
            Input::Recv { bytes, .. } => {
                if let Ok(msu) = self.sp.receive(bytes) {
                    let _ = self.sp.send(out, msu.si(), msu.opc(), msu.sls(), msu.sif());
                }
            }
            _ => {}
        }
    }
}

fn pinger(pc: u32, peer: u32, serve: bool) -> Pinger {
    let mut sp = SignallingPoint::new(PointCode(pc), Variant::Itu, 2);
    let ls = sp.add_linkset(PointCode(peer), &[Port(0)]);
    sp.add_route(None, &[&[ls]]);
    Pinger { sp, peer: PointCode(peer), serve }
}

fn main() {
    let frames: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2_000_000);
    let mut sim = Simulator::new(1);
    let taps = std::env::args().nth(2).as_deref() == Some("taps");
    sim.set_tracing(taps);
    if taps {
        sim.tap_pcap_memory();
    }
    let a = sim.add_node("A", pinger(1, 2, true)).expect("node");
    let b = sim.add_node("B", pinger(2, 1, false)).expect("node");
    sim.link((a, Port(0)), (b, Port(0)), LinkKind::Ss7, LinkModel::fixed(Duration::from_micros(10)))
        .expect("link");
    sim.start();
    let wall = std::time::Instant::now();
    while sim.stats().frames_delivered < frames {
        if sim.step().is_none() {
            break;
        }
    }
    let secs = wall.elapsed().as_secs_f64();
    let n = sim.stats().frames_delivered;
    println!("{n} frames in {secs:.3} s: {:.0} frames/s (virtual time {} s)", n as f64 / secs, sim.now());
}
