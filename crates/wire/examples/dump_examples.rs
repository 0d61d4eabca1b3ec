//! Prints every example frame of every codec as hex, one per line:
//! `layer variant name hex`. Handy for trying `ainsim decode`.

use ainsim_wire::{isup, m3ua, mtp2, mtp3, sccp, tcap, Variant};

fn main() {
    for v in [Variant::Itu, Variant::Ansi] {
        for (n, r) in mtp2::examples(v) {
            println!("mtp2 {v} {n} {}", hex::encode(r.to_bytes().unwrap_or_default()));
        }
        for (n, r) in mtp3::examples(v) {
            println!("mtp3 {v} {n} {}", hex::encode(r.to_bytes().unwrap_or_default()));
        }
        for (n, r) in isup::examples(v) {
            println!("isup {v} {n} {}", hex::encode(r.to_bytes().unwrap_or_default()));
        }
        for (n, r) in sccp::examples(v) {
            println!("sccp {v} {n} {}", hex::encode(r.to_bytes(v).unwrap_or_default()));
        }
        for (n, r) in tcap::examples(v) {
            println!("tcap {v} {n} {}", hex::encode(r.to_bytes().unwrap_or_default()));
        }
    }
    for (n, r) in m3ua::examples() {
        println!("m3ua itu {n} {}", hex::encode(r.to_bytes().unwrap_or_default()));
    }
}
