//! Peer / ainsim time ratios for the operations of the criterion `wire`
//! bench, measured interleaved: for each operation, short bursts of ours and
//! of the peer's alternate, many times over, so that both sides see the same
//! machine. On a shared machine (steal time, other jobs) criterion's groups
//! run one function after another for seconds each, and a burst of load
//! lands on one side only; here it lands on both.
//!
//! Run: `cargo run --release -p ainsim-benches --example ratios [ROUNDS] [FILTER]`
//! (default 201 rounds; FILTER keeps the rows whose name contains it).
//! Prints, per operation, the median and the minimum over the rounds of
//! each side's ns per call and the two ratios. The closures are the
//! criterion bench's (`benches/wire.rs`): the same calls, the same
//! `black_box`es, the result dropped after each call. The ISUP rows named
//! `parse+emit reused` are criterion's `parse_into+emit_into` (the repr and
//! the output buffer reused) against the peer's only, owning path.
//!
//! A row's ns, and so its ratio, are this binary's: the same codec linked
//! into another binary (another example, the criterion bench, an
//! application) can run 15-20 % faster or slower on the same machine, from
//! where its code and its callers land, and the peer's does not move in
//! step (docs/performance.md "The binary decides as much as the code").
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use ainsim_benches as frames;
use ainsim_wire::{IsupRepr, M3uaRepr, SccpRepr, TcapRepr, Variant};

/// Calls per burst: ~1 ms for the longest operation.
const BURST: u32 = 2_000;

/// ns per call of one burst of `f`.
#[inline(never)]
fn burst(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..BURST {
        f();
    }
    t.elapsed().as_nanos() as f64 / f64::from(BURST)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One row: `ours` and `peer` alternated for `rounds` rounds.
fn row(name: &str, rounds: usize, mut ours: impl FnMut(), mut peer: impl FnMut()) {
    // Warm up both.
    for _ in 0..10 {
        burst(&mut ours);
        burst(&mut peer);
    }
    let (mut a, mut b) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for i in 0..rounds {
        // Alternate which side goes first.
        if i % 2 == 0 {
            a.push(burst(&mut ours));
            b.push(burst(&mut peer));
        } else {
            b.push(burst(&mut peer));
            a.push(burst(&mut ours));
        }
    }
    let (min_a, min_b) =
        (a.iter().copied().fold(f64::MAX, f64::min), b.iter().copied().fold(f64::MAX, f64::min));
    let (med_a, med_b) = (median(&mut a), median(&mut b));
    println!(
        "{name:<31} {med_a:8.1} {med_b:8.1} {:6.2}x {min_a:8.1} {min_b:8.1} {:6.2}x",
        med_b / med_a,
        min_b / min_a
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(201);
    let filter = args.next().unwrap_or_default();
    let keep = |name: &str| name.contains(&filter);
    frames::check_frames();
    println!(
        "{:<31} {:>8} {:>8} {:>7} {:>8} {:>8} {:>7}",
        "operation", "ours", "peer", "ratio", "ours min", "peer min", "ratio"
    );
    println!("{:<31} {:>8} {:>8} {:>7} {:>8} {:>8} {:>7}", "", "median", "median", "", "", "", "of min");
    let v = Variant::Itu;
    for (label, name) in frames::ISUP_MESSAGES {
        let b = frames::isup(v, name);
        let r = IsupRepr::parse(&b, v).unwrap();
        let m = itu_isup::Message::decode(&b).unwrap();
        let n = format!("ISUP {label} parse");
        if keep(&n) {
            row(
                &n,
                rounds,
                || drop(black_box(IsupRepr::parse(black_box(&b), v))),
                || drop(black_box(itu_isup::Message::decode(black_box(&b)))),
            );
        }
        let n = format!("ISUP {label} emit");
        if keep(&n) {
            row(
                &n,
                rounds,
                || drop(black_box(black_box(&r).to_bytes())),
                || drop(black_box(black_box(&m).encode())),
            );
        }
        let n = format!("ISUP {label} parse+emit");
        if keep(&n) {
            row(
                &n,
                rounds,
                || drop(black_box(IsupRepr::parse(black_box(&b), v).and_then(|r| r.to_bytes()))),
                || drop(black_box(itu_isup::Message::decode(black_box(&b)).and_then(|m| m.encode()))),
            );
        }
        // The steady state of a switch: the repr and the output buffer
        // reused (`parse_into`, `emit` into a cleared `Vec`), as the
        // criterion bench's `parse_into+emit_into`; the peer has no such
        // path, so its row is its owning parse + emit again.
        let n = format!("ISUP {label} parse+emit reused");
        if keep(&n) {
            let (mut reused, mut out) = (r.clone(), Vec::with_capacity(64));
            row(
                &n,
                rounds,
                || {
                    out.clear();
                    let res = IsupRepr::parse_into(black_box(&b), v, &mut reused)
                        .and_then(|()| reused.emit(&mut out));
                    drop(black_box((res, &out)));
                },
                || drop(black_box(itu_isup::Message::decode(black_box(&b)).and_then(|m| m.encode()))),
            );
        }
    }

    let b = frames::m3ua_data();
    let r = M3uaRepr::parse(&b).unwrap();
    let m = m3ua::M3uaMessage::decode(&b).unwrap();
    if keep("M3UA DATA parse") {
        row(
            "M3UA DATA parse",
            rounds,
            || drop(black_box(M3uaRepr::parse(black_box(&b)))),
            || drop(black_box(m3ua::M3uaMessage::decode(black_box(&b)))),
        );
    }
    if keep("M3UA DATA emit") {
        row(
            "M3UA DATA emit",
            rounds,
            || drop(black_box(black_box(&r).to_bytes())),
            || drop(black_box(black_box(&m).encode())),
        );
    }
    if keep("M3UA DATA parse+emit") {
        row(
            "M3UA DATA parse+emit",
            rounds,
            || drop(black_box(M3uaRepr::parse(black_box(&b)).and_then(|r| r.to_bytes()))),
            || drop(black_box(m3ua::M3uaMessage::decode(black_box(&b)).map(|m| m.encode()))),
        );
    }

    let b = frames::sccp_udt(v);
    let r = SccpRepr::parse(&b, v).unwrap();
    let m = sccp::SccpMessage::decode(&b).unwrap();
    if keep("SCCP UDT parse") {
        row(
            "SCCP UDT parse",
            rounds,
            || drop(black_box(SccpRepr::parse(black_box(&b), v))),
            || drop(black_box(sccp::SccpMessage::decode(black_box(&b)))),
        );
    }
    if keep("SCCP UDT emit") {
        row(
            "SCCP UDT emit",
            rounds,
            || drop(black_box(black_box(&r).to_bytes(v))),
            || drop(black_box(black_box(&m).encode())),
        );
    }
    if keep("SCCP UDT parse+emit") {
        row(
            "SCCP UDT parse+emit",
            rounds,
            || drop(black_box(SccpRepr::parse(black_box(&b), v).and_then(|r| r.to_bytes(v)))),
            || drop(black_box(sccp::SccpMessage::decode(black_box(&b)).and_then(|m| m.encode()))),
        );
    }

    let b = frames::tcap_itu_begin_ica();
    let r = TcapRepr::parse(&b).unwrap();
    let m = tcap::decode(&b).unwrap();
    if keep("TCAP ITU Begin parse") {
        row(
            "TCAP ITU Begin parse",
            rounds,
            || drop(black_box(TcapRepr::parse(black_box(&b)))),
            || drop(black_box(tcap::decode(black_box(&b)))),
        );
    }
    if keep("TCAP ITU Begin emit") {
        row(
            "TCAP ITU Begin emit",
            rounds,
            || drop(black_box(black_box(&r).to_bytes())),
            || drop(black_box(tcap::encode(black_box(&m)))),
        );
    }
    if keep("TCAP ITU Begin parse+emit") {
        row(
            "TCAP ITU Begin parse+emit",
            rounds,
            || drop(black_box(TcapRepr::parse(black_box(&b)).and_then(|r| r.to_bytes()))),
            || drop(black_box(tcap::decode(black_box(&b)).and_then(|m| tcap::encode(&m)))),
        );
    }
}
