//! Network benchmarks (issue 3 item 8): the codec baseline (emit + parse of
//! the five MSUs of a basic call), and basic calls through the simulator
//! (SSP – STP – SSP, phones on both sides, every frame emitted and parsed at
//! each hop). The same figures, with the real-time runtime and memory, come
//! from `ainsim bench`; see docs/performance.md, section "Network".
//!
//! Run: `cargo bench -p ainsim-benches --bench network -- --warm-up-time 1 --measurement-time 5`.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use ainsim_elements::Instant;
use ainsim_runtime::bench::{basic_call_messages, sim_network, Shape};
use ainsim_wire::{IsupRepr, Mtp3Packet, PointCode, Variant};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn codec(c: &mut Criterion) {
    let msgs = basic_call_messages(1);
    let sp = ainsim_elements::sp::SignallingPoint::new(PointCode(100), Variant::Itu, 2);
    let mut g = c.benchmark_group("network");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.bench_function("codec/basic-call-5-frames", |b| {
        let mut buf = Vec::with_capacity(64);
        b.iter(|| {
            for m in &msgs {
                buf.clear();
                m.emit(&mut buf).unwrap();
                let msu = sp.build(5, PointCode(300), 1, &buf).unwrap();
                let p = Mtp3Packet::new_checked(&msu[..], Variant::Itu).unwrap();
                black_box(IsupRepr::parse(p.sif(), Variant::Itu).unwrap());
            }
        });
    });
    g.finish();
}

fn sim(c: &mut Criterion) {
    let calls = 2_000;
    let shape = Shape::throughput(calls);
    let mut g = c.benchmark_group("network");
    g.sample_size(10);
    g.throughput(Throughput::Elements(calls));
    // Building the network is not timed; start-up (GRS/GRA) and the calls are.
    g.bench_function("sim/2000-basic-calls", |b| {
        b.iter_batched(
            || sim_network(&shape).unwrap(),
            |mut net| {
                net.sim.start();
                net.sim.run_until_idle(Instant(u64::MAX / 2));
                assert_eq!(net.released(), calls);
                net
            },
            criterion::BatchSize::LargeInput,
        );
    });
    g.finish();
}

criterion_group!(benches, codec, sim);
criterion_main!(benches);
