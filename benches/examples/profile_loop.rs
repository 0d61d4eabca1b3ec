//! A tight loop over one codec operation, for `valgrind --tool=callgrind`
//! (instruction counts do not depend on the machine's load, unlike criterion).
//!
//! `cargo build --release -p ainsim-benches --features profile --example profile_loop`, then
//! `valgrind --tool=callgrind target/release/examples/profile_loop isup-iam-parse 100000`
//! and `callgrind_annotate callgrind.out.<pid>`. Cases: see `CASES`.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use ainsim_benches as frames;
use ainsim_wire::{IsupRepr, M3uaRepr, SccpRepr, TcapRepr, Variant};

const CASES: [&str; 42] = [
    "isup-iam-parse",
    "isup-iam-emit",
    "isup-iam-parse-emit",
    "isup-iam-parse-into",
    "isup-iam-emit-into",
    "isup-iam-parse-emit-into",
    "isup-acm-parse-into",
    "isup-rel-parse-into",
    "isup-rel-emit-into",
    "isup-anm-parse-into",
    "isup-anm-emit-into",
    "isup-acm-parse",
    "isup-rel-parse",
    "isup-rel-emit",
    "isup-anm-parse",
    "isup-anm-emit",
    "isup-acm-emit",
    "isup-rlc-emit",
    "tcap-itu-parse",
    "tcap-itu-emit",
    "tcap-ansi-parse",
    "m3ua-data-parse",
    "m3ua-data-parse-into",
    "m3ua-data-emit",
    "sccp-udt-parse",
    "sccp-udt-emit",
    "peer-isup-iam-parse",
    "peer-isup-iam-emit",
    "peer-isup-iam-parse-emit",
    "peer-isup-rel-parse",
    "peer-isup-anm-parse",
    "peer-isup-acm-parse",
    "peer-tcap-itu-parse",
    "peer-tcap-itu-emit",
    "peer-m3ua-data-parse",
    "peer-sccp-udt-parse",
    "view-isup",
    "view-mtp3",
    "view-m3ua",
    "view-sccp",
    "copy",
    "sizes",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let v = Variant::Itu;
    let isup = |name| frames::isup(v, name);
    let mut ok = 0u64;
    let mut run = |f: &dyn Fn() -> bool| {
        for _ in 0..n {
            ok += u64::from(black_box(f()));
        }
    };
    match case.as_str() {
        "isup-iam-parse" => {
            let b = isup("IAM");
            run(&|| IsupRepr::parse(black_box(&b), v).is_ok());
        }
        "isup-iam-emit" => {
            let r = IsupRepr::parse(&isup("IAM"), v).unwrap();
            run(&|| black_box(&r).to_bytes().is_ok());
        }
        "isup-iam-parse-emit" => {
            let b = isup("IAM");
            run(&|| IsupRepr::parse(black_box(&b), v).and_then(|r| r.to_bytes()).is_ok());
        }
        // The steady-state path of a loop: the repr and the output buffer
        // are reused (`IsupRepr::parse_into`, `emit` into a cleared `Vec`).
        "isup-iam-parse-into" | "isup-acm-parse-into" | "isup-rel-parse-into" | "isup-anm-parse-into" => {
            let name = match case.as_str() {
                "isup-iam-parse-into" => "IAM",
                "isup-acm-parse-into" => "ACM",
                "isup-rel-parse-into" => "REL (normal clearing)",
                _ => "ANM",
            };
            let b = isup(name);
            let r = std::cell::RefCell::new(IsupRepr::parse(&b, v).unwrap());
            run(&|| IsupRepr::parse_into(black_box(&b), v, black_box(&mut r.borrow_mut())).is_ok());
        }
        "isup-iam-emit-into" | "isup-rel-emit-into" | "isup-anm-emit-into" => {
            let name = match case.as_str() {
                "isup-iam-emit-into" => "IAM",
                "isup-rel-emit-into" => "REL (normal clearing)",
                _ => "ANM",
            };
            let r = IsupRepr::parse(&isup(name), v).unwrap();
            let out = std::cell::RefCell::new(Vec::with_capacity(64));
            run(&|| {
                let mut out = out.borrow_mut();
                out.clear();
                black_box(&r).emit(black_box(&mut out)).is_ok()
            });
        }
        "isup-iam-parse-emit-into" => {
            let b = isup("IAM");
            let r = std::cell::RefCell::new(IsupRepr::parse(&b, v).unwrap());
            let out = std::cell::RefCell::new(Vec::with_capacity(64));
            run(&|| {
                let (mut r, mut out) = (r.borrow_mut(), out.borrow_mut());
                out.clear();
                IsupRepr::parse_into(black_box(&b), v, &mut r).is_ok() && r.emit(black_box(&mut out)).is_ok()
            });
        }
        "isup-acm-parse" => {
            let b = isup("ACM");
            run(&|| IsupRepr::parse(black_box(&b), v).is_ok());
        }
        "isup-rel-parse" => {
            let b = isup("REL (normal clearing)");
            run(&|| IsupRepr::parse(black_box(&b), v).is_ok());
        }
        "isup-rel-emit" => {
            let r = IsupRepr::parse(&isup("REL (normal clearing)"), v).unwrap();
            run(&|| black_box(&r).to_bytes().is_ok());
        }
        "isup-anm-parse" => {
            let b = isup("ANM");
            run(&|| IsupRepr::parse(black_box(&b), v).is_ok());
        }
        "isup-anm-emit" => {
            let r = IsupRepr::parse(&isup("ANM"), v).unwrap();
            run(&|| black_box(&r).to_bytes().is_ok());
        }
        "isup-acm-emit" => {
            let r = IsupRepr::parse(&isup("ACM"), v).unwrap();
            run(&|| black_box(&r).to_bytes().is_ok());
        }
        "isup-rlc-emit" => {
            let r = IsupRepr::parse(&isup("RLC"), v).unwrap();
            run(&|| black_box(&r).to_bytes().is_ok());
        }
        "tcap-itu-parse" => {
            let b = frames::tcap_itu_begin_ica();
            run(&|| TcapRepr::parse(black_box(&b)).is_ok());
        }
        "tcap-itu-emit" => {
            let r = TcapRepr::parse(&frames::tcap_itu_begin_ica()).unwrap();
            run(&|| black_box(&r).to_bytes().is_ok());
        }
        "tcap-ansi-parse" => {
            let b = frames::tcap_ansi_qwp_info_analyzed();
            run(&|| TcapRepr::parse(black_box(&b)).is_ok());
        }
        "m3ua-data-parse" => {
            let b = frames::m3ua_data();
            run(&|| M3uaRepr::parse(black_box(&b)).is_ok());
        }
        "m3ua-data-parse-into" => {
            let b = frames::m3ua_data();
            let r = std::cell::RefCell::new(M3uaRepr::parse(&b).unwrap());
            run(&|| M3uaRepr::parse_into(black_box(&b), black_box(&mut r.borrow_mut())).is_ok());
        }
        "sccp-udt-parse" => {
            let b = frames::sccp_udt(v);
            run(&|| SccpRepr::parse(black_box(&b), v).is_ok());
        }
        "m3ua-data-emit" => {
            let r = M3uaRepr::parse(&frames::m3ua_data()).unwrap();
            run(&|| black_box(&r).to_bytes().is_ok());
        }
        "sccp-udt-emit" => {
            let r = SccpRepr::parse(&frames::sccp_udt(v), v).unwrap();
            run(&|| black_box(&r).to_bytes(v).is_ok());
        }
        "peer-isup-iam-parse" => {
            let b = isup("IAM");
            run(&|| itu_isup::Message::decode(black_box(&b)).is_ok());
        }
        "peer-isup-iam-emit" => {
            let m = itu_isup::Message::decode(&isup("IAM")).unwrap();
            run(&|| black_box(&m).encode().is_ok());
        }
        "peer-isup-iam-parse-emit" => {
            let b = isup("IAM");
            run(&|| itu_isup::Message::decode(black_box(&b)).and_then(|m| m.encode()).is_ok());
        }
        "peer-isup-rel-parse" => {
            let b = isup("REL (normal clearing)");
            run(&|| itu_isup::Message::decode(black_box(&b)).is_ok());
        }
        "peer-isup-anm-parse" => {
            let b = isup("ANM");
            run(&|| itu_isup::Message::decode(black_box(&b)).is_ok());
        }
        "peer-isup-acm-parse" => {
            let b = isup("ACM");
            run(&|| itu_isup::Message::decode(black_box(&b)).is_ok());
        }
        "peer-tcap-itu-parse" => {
            let b = frames::tcap_itu_begin_ica();
            run(&|| tcap::decode(black_box(&b)).is_ok());
        }
        "peer-tcap-itu-emit" => {
            let m = tcap::decode(&frames::tcap_itu_begin_ica()).unwrap();
            run(&|| tcap::encode(black_box(&m)).is_ok());
        }
        "peer-m3ua-data-parse" => {
            let b = frames::m3ua_data();
            run(&|| m3ua::M3uaMessage::decode(black_box(&b)).is_ok());
        }
        "peer-sccp-udt-parse" => {
            let b = frames::sccp_udt(v);
            run(&|| sccp::SccpMessage::decode(black_box(&b)).is_ok());
        }
        "view-isup" => {
            let b = isup("IAM");
            run(&|| {
                ainsim_wire::IsupPacket::new_checked(black_box(&b[..]), v)
                    .is_ok_and(|p| black_box((p.cic(), p.message_type())).0 > 0)
            });
        }
        "view-mtp3" => {
            let b = frames::mtp3_isup_iam(v);
            run(&|| {
                ainsim_wire::Mtp3Packet::new_checked(black_box(&b[..]), v)
                    .is_ok_and(|p| black_box((p.dpc(), p.opc(), p.sls())).0 .0 > 0)
            });
        }
        "view-m3ua" => {
            let b = frames::m3ua_data();
            run(&|| {
                ainsim_wire::M3uaPacket::new_checked(black_box(&b[..]))
                    .and_then(|p| {
                        p.protocol_data().map(|pd| pd.map(|pd| black_box((pd.opc, pd.dpc, pd.sls))))
                    })
                    .is_ok_and(|x| x.is_some())
            });
        }
        "view-sccp" => {
            let b = frames::sccp_udt(v);
            run(&|| {
                ainsim_wire::SccpPacket::new_checked(black_box(&b[..]), v).is_ok_and(|p| {
                    p.called_party()
                        .is_ok_and(|a| a.is_some_and(|a| black_box((a.gti(), a.ssn())).1.is_some()))
                })
            });
        }
        "copy" => {
            let b = isup("IAM");
            run(&|| !black_box(&b).to_vec().is_empty());
        }
        "sizes" => {
            use ainsim_wire::{isup::Parameter, Error};
            println!(
                "Parameter {} Result<Parameter> {} Error {} IsupRepr {} Number {}",
                std::mem::size_of::<Parameter>(),
                std::mem::size_of::<ainsim_wire::Result<Parameter>>(),
                std::mem::size_of::<Error>(),
                std::mem::size_of::<IsupRepr>(),
                std::mem::size_of::<ainsim_wire::isup::Number>(),
            );
            return;
        }
        _ => {
            eprintln!("usage: profile_loop CASE [N]; CASE one of {CASES:?}");
            std::process::exit(2);
        }
    }
    assert_eq!(ok, n, "every iteration must succeed");
}
