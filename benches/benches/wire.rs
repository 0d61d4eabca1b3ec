//! Wire-layer benchmarks: parse and emit of the everyday messages, field
//! access through the zero-copy views, and the crates.io peer crates on the
//! same bytes, with a plain copy of the bytes as the floor.
//!
//! Run: `cargo bench -p ainsim-benches -- --warm-up-time 1 --measurement-time 3`.
//! Results and how to read them: docs/performance.md.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use ainsim_benches as frames;
use ainsim_wire::{
    IsupPacket, IsupRepr, M3uaPacket, M3uaRepr, Mtp3Packet, SccpPacket, SccpRepr, TcapRepr, Variant,
};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// The floor: an owned copy of the same bytes (one allocation + memcpy).
fn copy_floor(g: &mut Group<'_>, b: &[u8]) {
    g.bench_function("copy/to_vec", |x| x.iter(|| black_box(b).to_vec()));
}

/// Whether a peer decodes `b` and re-encodes it to the same bytes; printed so
/// a bench run says which peer figures are for a faithful round trip.
fn peer_check<M, E: std::fmt::Debug>(
    peer: &str,
    what: &str,
    b: &[u8],
    decode: impl Fn(&[u8]) -> Result<M, E>,
    encode: impl Fn(&M) -> Option<Vec<u8>>,
) -> bool {
    match decode(b) {
        Err(e) => {
            eprintln!("peer {peer} cannot decode {what}: {e:?} (no peer figures)");
            false
        }
        Ok(m) => {
            let same = encode(&m).is_some_and(|v| v == b);
            if !same {
                eprintln!("peer {peer} decodes {what} but does not re-encode the same bytes");
            }
            true
        }
    }
}

fn isup(c: &mut Criterion) {
    frames::check_frames();
    for (label, name) in frames::ISUP_MESSAGES {
        let b = frames::isup(Variant::Itu, name);
        let r = IsupRepr::parse(&b, Variant::Itu).unwrap();
        let mut g = c.benchmark_group(format!("isup/{label}"));
        g.throughput(Throughput::Bytes(b.len() as u64));
        g.bench_function("ainsim/parse", |x| x.iter(|| IsupRepr::parse(black_box(&b), Variant::Itu)));
        g.bench_function("ainsim/emit", |x| x.iter(|| black_box(&r).to_bytes()));
        g.bench_function("ainsim/parse+emit", |x| {
            x.iter(|| IsupRepr::parse(black_box(&b), Variant::Itu).and_then(|r| r.to_bytes()))
        });
        // The steady-state path of a loop: the repr and the output buffer
        // are reused (`parse_into`, `emit` into a cleared `Vec`).
        let mut reused = r.clone();
        g.bench_function("ainsim/parse_into", |x| {
            x.iter(|| IsupRepr::parse_into(black_box(&b), Variant::Itu, black_box(&mut reused)))
        });
        let mut out = Vec::with_capacity(64);
        g.bench_function("ainsim/emit_into", |x| {
            x.iter(|| {
                out.clear();
                black_box(&r).emit(black_box(&mut out))
            })
        });
        let (mut reused, mut out) = (r.clone(), Vec::with_capacity(64));
        g.bench_function("ainsim/parse_into+emit_into", |x| {
            x.iter(|| {
                out.clear();
                IsupRepr::parse_into(black_box(&b), Variant::Itu, &mut reused)
                    .and_then(|()| reused.emit(black_box(&mut out)))
            })
        });
        let peer_ok = peer_check("itu-isup", label, &b, itu_isup::Message::decode, |m| m.encode().ok());
        if peer_ok {
            let m = itu_isup::Message::decode(&b).unwrap();
            g.bench_function("itu-isup/parse", |x| x.iter(|| itu_isup::Message::decode(black_box(&b))));
            g.bench_function("itu-isup/emit", |x| x.iter(|| black_box(&m).encode()));
            g.bench_function("itu-isup/parse+emit", |x| {
                x.iter(|| itu_isup::Message::decode(black_box(&b)).and_then(|m| m.encode()))
            });
        }
        copy_floor(&mut g, &b);
        g.finish();
    }
}

fn tcap(c: &mut Criterion) {
    let cases = [
        ("tcap/itu-begin-initiate-call-attempt", frames::tcap_itu_begin_ica()),
        ("tcap/ansi-qwp-info-analyzed", frames::tcap_ansi_qwp_info_analyzed()),
    ];
    for (label, b) in cases {
        let r = TcapRepr::parse(&b).unwrap();
        let mut g = c.benchmark_group(label);
        g.throughput(Throughput::Bytes(b.len() as u64));
        g.bench_function("ainsim/parse", |x| x.iter(|| TcapRepr::parse(black_box(&b))));
        g.bench_function("ainsim/emit", |x| x.iter(|| black_box(&r).to_bytes()));
        g.bench_function("ainsim/parse+emit", |x| {
            x.iter(|| TcapRepr::parse(black_box(&b)).and_then(|r| r.to_bytes()))
        });
        // Ours one layer further: the INAP argument / AIN parameter set too.
        g.bench_function("ainsim/parse+operation", |x| x.iter(|| parse_with_operation(black_box(&b))));
        let peer_ok = peer_check("tcap", label, &b, tcap::decode, |m| tcap::encode(m).ok());
        if peer_ok {
            let m = tcap::decode(&b).unwrap();
            g.bench_function("tcap/parse", |x| x.iter(|| tcap::decode(black_box(&b))));
            g.bench_function("tcap/emit", |x| x.iter(|| tcap::encode(black_box(&m))));
            g.bench_function("tcap/parse+emit", |x| {
                x.iter(|| tcap::decode(black_box(&b)).and_then(|m| tcap::encode(&m)))
            });
        }
        copy_floor(&mut g, &b);
        g.finish();
    }
}

/// TCAP parse, then the first component's argument as INAP (ITU) or AIN (ANSI).
fn parse_with_operation(b: &[u8]) -> ainsim_wire::Result<bool> {
    use ainsim_wire::tcap::{ansi, itu};
    Ok(match TcapRepr::parse(b)? {
        TcapRepr::Itu(m) => {
            let Some(inv) = m.components().first() else { return Ok(false) };
            let Some(itu::Code::Local(op)) = inv.opcode() else { return Ok(false) };
            ainsim_wire::InapOperation::parse(*op, inv.parameter()).is_ok()
        }
        TcapRepr::Ansi(m) => {
            let Some(inv) = m.components().first() else { return Ok(false) };
            let Some(ansi::OpCode::Private(op)) = inv.opcode() else { return Ok(false) };
            ainsim_wire::AinOperation::parse(op, inv.parameter()).is_ok()
        }
    })
}

fn m3ua(c: &mut Criterion) {
    let b = frames::m3ua_data();
    let r = M3uaRepr::parse(&b).unwrap();
    let mut g = c.benchmark_group("m3ua/data-isup-iam");
    g.throughput(Throughput::Bytes(b.len() as u64));
    g.bench_function("ainsim/parse", |x| x.iter(|| M3uaRepr::parse(black_box(&b))));
    // The steady-state path of a loop: the repr is reused (`parse_into`).
    let mut reused = r.clone();
    g.bench_function("ainsim/parse_into", |x| {
        x.iter(|| M3uaRepr::parse_into(black_box(&b), black_box(&mut reused)))
    });
    g.bench_function("ainsim/emit", |x| x.iter(|| black_box(&r).to_bytes()));
    g.bench_function("ainsim/parse+emit", |x| {
        x.iter(|| M3uaRepr::parse(black_box(&b)).and_then(|r| r.to_bytes()))
    });
    if peer_check("m3ua", "DATA", &b, m3ua::M3uaMessage::decode, |m| Some(m.encode())) {
        let m = m3ua::M3uaMessage::decode(&b).unwrap();
        g.bench_function("m3ua/parse", |x| x.iter(|| m3ua::M3uaMessage::decode(black_box(&b))));
        g.bench_function("m3ua/emit", |x| x.iter(|| black_box(&m).encode()));
        g.bench_function("m3ua/parse+emit", |x| {
            x.iter(|| m3ua::M3uaMessage::decode(black_box(&b)).map(|m| m.encode()))
        });
    }
    copy_floor(&mut g, &b);
    g.finish();
}

fn sccp(c: &mut Criterion) {
    let v = Variant::Itu;
    let b = frames::sccp_udt(v);
    let r = SccpRepr::parse(&b, v).unwrap();
    let mut g = c.benchmark_group("sccp/udt");
    g.throughput(Throughput::Bytes(b.len() as u64));
    g.bench_function("ainsim/parse", |x| x.iter(|| SccpRepr::parse(black_box(&b), v)));
    g.bench_function("ainsim/emit", |x| x.iter(|| black_box(&r).to_bytes(v)));
    g.bench_function("ainsim/parse+emit", |x| {
        x.iter(|| SccpRepr::parse(black_box(&b), v).and_then(|r| r.to_bytes(v)))
    });
    if peer_check("sccp", "UDT", &b, sccp::SccpMessage::decode, |m| m.encode().ok()) {
        let m = sccp::SccpMessage::decode(&b).unwrap();
        g.bench_function("sccp/parse", |x| x.iter(|| sccp::SccpMessage::decode(black_box(&b))));
        g.bench_function("sccp/emit", |x| x.iter(|| black_box(&m).encode()));
        g.bench_function("sccp/parse+emit", |x| {
            x.iter(|| sccp::SccpMessage::decode(black_box(&b)).and_then(|m| m.encode()))
        });
    }
    copy_floor(&mut g, &b);
    g.finish();
}

/// Header fields through the zero-copy views (`new_checked` included), against
/// the peer's only way to the same field: a full decode.
fn views(c: &mut Criterion) {
    let iam = frames::isup(Variant::Itu, "IAM");
    let mut g = c.benchmark_group("view/isup-cic-message-type");
    g.bench_function("ainsim/view", |x| {
        x.iter(|| {
            IsupPacket::new_checked(black_box(&iam[..]), Variant::Itu).map(|p| (p.cic(), p.message_type()))
        })
    });
    g.bench_function("itu-isup/parse", |x| {
        x.iter(|| itu_isup::Message::decode(black_box(&iam)).map(|m| (m.cic, m.message_type)))
    });
    copy_floor(&mut g, &iam);
    g.finish();

    let msu = frames::mtp3_isup_iam(Variant::Itu);
    let mut g = c.benchmark_group("view/mtp3-dpc-opc-sls");
    g.bench_function("ainsim/view", |x| {
        x.iter(|| {
            Mtp3Packet::new_checked(black_box(&msu[..]), Variant::Itu).map(|p| (p.dpc(), p.opc(), p.sls()))
        })
    });
    copy_floor(&mut g, &msu);
    g.finish();

    let data = frames::m3ua_data();
    let mut g = c.benchmark_group("view/m3ua-protocol-data");
    g.bench_function("ainsim/view", |x| {
        x.iter(|| {
            M3uaPacket::new_checked(black_box(&data[..])).and_then(|p| {
                p.protocol_data().map(|pd| pd.map(|pd| (pd.opc, pd.dpc, pd.si, pd.sls, pd.user_data.len())))
            })
        })
    });
    g.bench_function("m3ua/parse", |x| {
        x.iter(|| {
            m3ua::M3uaMessage::decode(black_box(&data))
                .and_then(|m| m.protocol_data())
                .map(|pd| (pd.opc, pd.dpc, pd.si, pd.sls, pd.user_data.len()))
        })
    });
    copy_floor(&mut g, &data);
    g.finish();

    let udt = frames::sccp_udt(Variant::Itu);
    let mut g = c.benchmark_group("view/sccp-called-party");
    g.bench_function("ainsim/view", |x| {
        x.iter(|| {
            SccpPacket::new_checked(black_box(&udt[..]), Variant::Itu).and_then(|p| {
                p.called_party().map(|a| a.map(|a| (a.gti(), a.ssn(), a.global_title_bytes().len())))
            })
        })
    });
    g.bench_function("sccp/parse", |x| {
        x.iter(|| {
            sccp::SccpMessage::decode(black_box(&udt)).map(|m| {
                let a = m.called_party();
                (a.ssn, a.global_title.clone())
            })
        })
    });
    copy_floor(&mut g, &udt);
    g.finish();
}

criterion_group!(benches, isup, tcap, m3ua, sccp, views);
criterion_main!(benches);
