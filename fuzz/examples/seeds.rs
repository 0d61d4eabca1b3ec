//! Writes seed corpora for every fuzz target from the codecs' examples:
//! `cargo run --release --example seeds [DIR]` (default `corpus`), one file an example,
//! each starting with the selector byte its target reads.
#![allow(clippy::unwrap_used)]

use ainsim_fuzz::{stack_selector, variant_bit};
use ainsim_wire::mtp2::{self, SignalUnit};
use ainsim_wire::pcap::{LinkType, PcapWriter};
use ainsim_wire::stack::{self, Start};
use ainsim_wire::{ain, inap, isup, m3ua, mtp3, sccp, tcap, Variant};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::{Path, PathBuf};

struct Out {
    dir: PathBuf,
    count: usize,
}

impl Out {
    fn put(&mut self, target: &str, name: &str, sel: Option<u8>, bytes: &[u8]) {
        let dir = self.dir.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        let mut data = Vec::with_capacity(bytes.len() + 1);
        data.extend(sel);
        data.extend_from_slice(bytes);
        let clean: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        std::fs::write(dir.join(format!("{clean}_{}", self.count)), data).unwrap();
        self.count += 1;
    }
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "corpus".into());
    let mut o = Out { dir: Path::new(&dir).to_path_buf(), count: 0 };
    let mut m3ua_msgs = Vec::new();
    let mut mtp2_units = Vec::new();
    let mut mtp3_msus = Vec::new();
    for v in [Variant::Itu, Variant::Ansi] {
        let vb = variant_bit(v);
        for (n, r) in mtp2::examples(v) {
            o.put("mtp2", n, Some(1), &r.to_bytes().unwrap());
            o.put("mtp2", n, Some(0), &r.to_bytes_without_fcs().unwrap());
        }
        for (n, r) in mtp2::extended_examples(v) {
            o.put("mtp2", n, Some(3), &r.to_bytes().unwrap());
            o.put("mtp2", n, Some(2), &r.to_bytes_without_fcs().unwrap());
        }
        for (n, r) in mtp3::examples(v) {
            o.put("mtp3", n, Some(vb), &r.to_bytes().unwrap());
        }
        for (n, r) in mtp3::snm_examples(v) {
            o.put("mtp3", n, Some(vb), &r.to_bytes().unwrap());
        }
        for (n, r) in mtp3::slt_examples(v) {
            o.put("mtp3", n, Some(vb), &r.to_bytes().unwrap());
        }
        for (n, r) in isup::examples(v) {
            o.put("isup", n, Some(vb), &r.to_bytes().unwrap());
        }
        for (n, r) in sccp::examples(v) {
            o.put("sccp", n, Some(vb), &r.to_bytes(v).unwrap());
        }
        for (n, r) in tcap::examples(v) {
            o.put("tcap", n, None, &r.to_bytes().unwrap());
        }
        for (n, f) in stack::examples(v) {
            let b = f.encode().unwrap();
            o.put("stack", &n, Some(stack_selector(f.start, v, false)), &b);
            match f.start {
                Start::Mtp3 => {
                    o.put("mtp3", &n, Some(vb), &b);
                    mtp3_msus.push(b.clone());
                }
                Start::Sccp => o.put("sccp", &n, Some(vb), &b),
                Start::M3ua => {
                    o.put("m3ua", &n, None, &b);
                    m3ua_msgs.push(b.clone());
                }
                Start::Mtp2 => {
                    // The same unit with its FCS, for the FCS-checking paths.
                    let u = mtp2::Mtp2Repr::parse_without_fcs(&b).unwrap();
                    let with = u.to_bytes().unwrap();
                    o.put("stack", &n, Some(stack_selector(Start::Mtp2, v, true)), &with);
                    if matches!(u.unit, SignalUnit::Msu { .. }) && v == Variant::Itu {
                        mtp2_units.push(b.clone());
                    }
                    o.put("mtp2", &n, Some(0), &b);
                }
                _ => {}
            }
        }
    }
    for (n, r) in m3ua::examples() {
        let b = r.to_bytes().unwrap();
        o.put("m3ua", n, None, &b);
        m3ua_msgs.push(b);
    }
    // Streams of several messages for the framer.
    for (i, w) in m3ua_msgs.windows(3).enumerate().step_by(7) {
        let s: Vec<u8> = w.concat();
        o.put("m3ua_framer", "stream", Some(i as u8), &s);
    }
    for (n, op) in ain::examples() {
        let sel = ain::AinOpcode::ALL.iter().position(|c| *c == op.opcode).unwrap_or(255) as u8;
        o.put("ain", n, Some(sel), &op.to_bytes().unwrap());
    }
    for (n, op) in inap::examples(Variant::Itu) {
        let sel = inap::InapOpcode::ALL.iter().position(|c| *c == op.opcode).unwrap_or(255) as u8;
        o.put("inap", n, Some(sel), &op.to_bytes().unwrap());
    }
    // Small captures of each link type the reader knows.
    let a = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 2905);
    let b = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 2905);
    for link in [LinkType::Mtp2, LinkType::Mtp2WithPhdr, LinkType::Mtp3, LinkType::Ethernet, LinkType::Raw] {
        for (k, chunk) in (0..4).enumerate() {
            let mut w = PcapWriter::new(Vec::new(), link).unwrap();
            for i in 0..3 {
                let t = 1_700_000_000_000_000 + i as u64 * 1000;
                let j = chunk * 3 + i;
                match link {
                    LinkType::Mtp2 | LinkType::Mtp2WithPhdr => {
                        w.write_mtp2(t, &mtp2_units[j % mtp2_units.len()]).unwrap();
                    }
                    LinkType::Mtp3 => w.write_mtp3(t, &mtp3_msus[j * 5 % mtp3_msus.len()]).unwrap(),
                    _ => w.write_m3ua(t, a, b, &m3ua_msgs[j * 5 % m3ua_msgs.len()]).unwrap(),
                }
            }
            o.put("pcap", &format!("{link:?}_{k}"), None, &w.into_inner());
        }
    }
    eprintln!("wrote {} seeds under {dir}/", o.count);
}
