//! What each fuzz target checks, one function a target (the files in
//! `fuzz_targets/` only call these), so a crash reproduces with a plain
//! `#[test]` too.
//!
//! Every check: the decoder must not panic; when it accepts the input, its
//! encoder must give back the identical bytes, and the repr must survive a
//! JSON round trip unchanged; when it refuses, the error must display and
//! point into the buffer it was given. Where a target needs a choice (ITU or
//! ANSI, the start layer, FCS or not), the first input byte makes it.

use ainsim_wire::m3ua::M3uaFramer;
use ainsim_wire::mtp2::{fcs16, Mtp2Format};
use ainsim_wire::pcap::{Frame as PcapFrame, PcapReader};
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::{
    ain, inap, tcap, AinOperation, Error, InapOperation, IsupPacket, IsupRepr, M3uaPacket, M3uaRepr,
    Mtp2Packet, Mtp2Repr, Mtp3Packet, Mtp3Repr, SccpPacket, SccpRepr, Slt, SnmRepr, TcapRepr, Variant,
};
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;

/// The start layers, in the order the `stack` selector byte indexes them.
pub const STARTS: [Start; 6] = [Start::Mtp2, Start::Mtp3, Start::M3ua, Start::Sccp, Start::Tcap, Start::Isup];

/// ITU for an even selector, ANSI for an odd one.
pub fn variant(sel: u8) -> Variant {
    if sel & 1 == 0 {
        Variant::Itu
    } else {
        Variant::Ansi
    }
}

/// The selector bit for `v` (the inverse of [`variant`]).
pub fn variant_bit(v: Variant) -> u8 {
    u8::from(v == Variant::Ansi)
}

fn json_round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(v: &T) {
    let s = serde_json::to_string(v).expect("a decoded repr serializes to JSON");
    let back: T = serde_json::from_str(&s).unwrap_or_else(|e| panic!("JSON does not read back ({e}): {s}"));
    assert_eq!(&back, v, "JSON round trip changed the value: {s}");
}

fn refused(e: &Error, len: usize) {
    let _ = e.to_string();
    assert!(e.offset <= len, "error offset {} past the end of a {len}-octet buffer: {e}", e.offset);
}

fn same(out: ainsim_wire::Result<Vec<u8>>, buf: &[u8], what: &dyn Debug) {
    let out = out.unwrap_or_else(|e| panic!("encode refuses what decode accepted: {e}\n{what:?}"));
    assert_eq!(hex::encode(&out), hex::encode(buf), "re-encoded bytes differ\n{what:?}");
}

/// MTP2. Selector: bit 0 FCS present, bit 1 extended (Annex A) format,
/// bit 2 append the right FCS (so the fuzzer gets past the check).
pub fn mtp2(data: &[u8]) {
    let Some((&sel, buf)) = data.split_first() else { return };
    let format = Mtp2Format { fcs: sel & 1 != 0, extended: sel & 2 != 0 };
    let owned;
    let buf = if format.fcs && sel & 4 != 0 {
        let mut v = buf.to_vec();
        v.extend_from_slice(&fcs16(buf).to_le_bytes());
        owned = v;
        &owned[..]
    } else {
        buf
    };
    match Mtp2Repr::parse_with(buf, format) {
        Ok(r) => {
            same(if format.fcs { r.to_bytes() } else { r.to_bytes_without_fcs() }, buf, &r);
            json_round_trip(&r);
            let unit = if format.fcs { &buf[..buf.len() - 2] } else { buf };
            let p = if format.extended {
                Mtp2Packet::new_checked_extended(unit)
            } else {
                Mtp2Packet::new_checked(unit)
            };
            let p = p.expect("the view refuses a unit the repr accepted");
            assert_eq!((p.bsn(), p.fsn(), p.bib(), p.fib()), (r.bsn, r.fsn, r.bib, r.fib));
        }
        Err(e) => refused(&e, buf.len()),
    }
}

/// MTP3 MSU, and the SNM and SLT messages it carries. Selector bit 0: ANSI.
pub fn mtp3(data: &[u8]) {
    let Some((&sel, buf)) = data.split_first() else { return };
    let v = variant(sel);
    match Mtp3Repr::parse(buf, v) {
        Ok(r) => {
            same(r.to_bytes(), buf, &r);
            json_round_trip(&r);
            let p = Mtp3Packet::new_checked(buf, v).expect("the view refuses an MSU the repr accepted");
            assert_eq!((p.si(), p.dpc(), p.opc(), p.sls()), (r.si, r.dpc, r.opc, r.sls));
        }
        Err(e) => refused(&e, buf.len()),
    }
    match SnmRepr::parse(buf, v) {
        Ok(r) => {
            same(r.to_bytes(), buf, &r);
            json_round_trip(&r);
        }
        Err(e) => refused(&e, buf.len()),
    }
    match Slt::parse(buf) {
        Ok(r) => {
            same(r.to_bytes(), buf, &r);
            json_round_trip(&r);
        }
        Err(e) => refused(&e, buf.len()),
    }
}

/// One M3UA message (no selector).
pub fn m3ua(buf: &[u8]) {
    let view = M3uaPacket::new_checked(buf);
    if let Ok(p) = &view {
        let _ = (p.message(), p.length(), p.payload().len());
        for raw in p.raw_params() {
            if raw.is_err() {
                break;
            }
        }
        let _ = p.protocol_data();
    }
    match M3uaRepr::parse(buf) {
        Ok(r) => {
            same(r.to_bytes(), buf, &r);
            json_round_trip(&r);
            assert!(view.is_ok(), "the view refuses a message the repr accepted");
        }
        Err(e) => refused(&e, buf.len()),
    }
}

/// M3UA over a stream: the input after the selector is pushed into an
/// [`M3uaFramer`] in chunks whose sizes come from a generator seeded by the
/// selector, popping after every push. What comes out must be exactly what
/// a one-shot framing of the whole stream gives, and the framer must fail
/// exactly when (and where) a complete header declares a bad length.
pub fn m3ua_framer(data: &[u8]) {
    let Some((&sel, stream)) = data.split_first() else { return };
    let max = if sel & 0x80 != 0 { 64 } else { ainsim_wire::m3ua::DEFAULT_MAX_MESSAGE };
    // Reference framing.
    let mut expected = Vec::new();
    let mut bad_at = None;
    let mut at = 0usize;
    while let Some(h) = stream.get(at..at + 8) {
        let len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
        if !(8..=max).contains(&len) {
            bad_at = Some(at + 4);
            break;
        }
        match stream.get(at..at + len) {
            Some(m) => expected.push(m),
            None => break,
        }
        at += len;
    }
    let mut f = M3uaFramer::with_max(max);
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut failed = None;
    let mut rng = u32::from(sel) | 0x100;
    let mut rest = stream;
    while !rest.is_empty() {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        let n = (rng as usize % 23 + 1).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        if let Err(e) = f.push(chunk) {
            failed = Some(e);
            break;
        }
        while let Some(m) = f.pop().expect("pop fails on a framer that has not failed") {
            got.push(m);
        }
    }
    assert!(got.len() <= expected.len(), "framer returned more messages than the stream holds");
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g.as_slice(), *e, "framer returned other bytes than the stream holds");
    }
    match (bad_at, failed) {
        (None, None) => {
            assert_eq!(got.len(), expected.len(), "framer held back a complete message");
            let used: usize = expected.iter().map(|m| m.len()).sum();
            assert_eq!(f.buffered(), stream.len() - used);
        }
        (Some(at), Some(e)) => {
            assert_eq!(e.offset, at, "framer error at the wrong stream offset: {e}");
            assert!(f.pop().is_err() && f.push(&[0]).is_err(), "framer recovered without reset");
        }
        (Some(at), None) => panic!("framer missed the bad length at stream offset {at}"),
        (None, Some(e)) => panic!("framer failed on a good stream: {e}"),
    }
    for m in &got {
        m3ua(m);
    }
}

/// SCCP. Selector bit 0: ANSI.
pub fn sccp(data: &[u8]) {
    let Some((&sel, buf)) = data.split_first() else { return };
    let v = variant(sel);
    let view = SccpPacket::new_checked(buf, v);
    if let Ok(p) = &view {
        let _ = (p.called_party(), p.calling_party());
        let lazy = (
            p.called_party_address().is_ok(),
            p.calling_party_address().is_ok(),
            p.user_data().is_ok(),
            p.hop_counter().is_ok(),
        );
        let _ = (p.message_type(), p.protocol_class(), p.return_cause());
        let _ = (p.destination_local_reference(), p.source_local_reference());
        // After the full layout check no accessor may refuse.
        if p.check_layout().is_ok() {
            assert_eq!(lazy, (true, true, true, true), "an accessor refused a checked layout");
        }
    }
    match SccpRepr::parse(buf, v) {
        Ok(r) => {
            same(r.to_bytes(v), buf, &r);
            json_round_trip(&r);
            let p = view.expect("the view refuses a message the repr accepted");
            assert_eq!(p.message_type(), r.message_type());
            assert!(p.check_layout().is_ok(), "the view's layout check refuses a message the repr accepted");
            assert_eq!(p.user_data().ok(), Some(r.data()));
            assert!(p.called_party().is_ok() && p.calling_party().is_ok(), "an address view refused");
        }
        Err(e) => refused(&e, buf.len()),
    }
}

/// TCAP, ITU or ANSI by its first tag (no selector).
pub fn tcap(buf: &[u8]) {
    if let Ok(p) = tcap::Packet::new_checked(buf) {
        let _ = (p.kind(), p.variant(), p.otid(), p.dtid(), p.first_invoke_id(), p.first_opcode());
    }
    match TcapRepr::parse(buf) {
        Ok(r) => {
            same(r.to_bytes(), buf, &r);
            json_round_trip(&r);
            let _ = r.first_parameter();
        }
        Err(e) => refused(&e, buf.len()),
    }
}

/// ISUP. Selector bit 0: ANSI.
pub fn isup(data: &[u8]) {
    let Some((&sel, buf)) = data.split_first() else { return };
    let v = variant(sel);
    match IsupRepr::parse(buf, v) {
        Ok(r) => {
            same(r.to_bytes(), buf, &r);
            json_round_trip(&r);
            let p = IsupPacket::new_checked(buf, v).expect("the view refuses a message the repr accepted");
            assert_eq!((p.cic(), p.message_type()), (r.cic, r.message_type));
        }
        Err(e) => refused(&e, buf.len()),
    }
}

/// AIN 0.2 parameter set. Selector: the operation (index into
/// `AinOpcode::ALL`; past its end, a code no operation has).
pub fn ain(data: &[u8]) {
    let Some((&sel, buf)) = data.split_first() else { return };
    let code = ain::AinOpcode::ALL.get(usize::from(sel)).map_or(0xff00 | u16::from(sel), |o| o.code());
    if let Ok(p) = ain::Packet::new_checked(buf) {
        let _ = p.form();
        for &param in ain::Param::ALL.iter().take(8) {
            let _ = p.digits(param);
        }
    }
    match AinOperation::parse(code, Some(buf)) {
        Ok(op) => {
            same(op.to_bytes(), buf, &op);
            json_round_trip(&op);
        }
        Err(e) => refused(&e, buf.len()),
    }
}

/// INAP argument. Selector: the operation (index into `InapOpcode::ALL`;
/// past its end, a code no operation has).
pub fn inap(data: &[u8]) {
    let Some((&sel, buf)) = data.split_first() else { return };
    let code = inap::InapOpcode::ALL.get(usize::from(sel)).map_or(1000 + i64::from(sel), |o| o.code());
    if let Ok(p) = ainsim_wire::InapPacket::new_checked(buf) {
        let _ = (p.service_key(), p.member(0), p.member(1), p.member(50));
    }
    match InapOperation::parse(code, Some(buf)) {
        Ok(op) => {
            same(op.to_bytes(), buf, &op);
            json_round_trip(&op);
        }
        Err(e) => refused(&e, buf.len()),
    }
}

/// A classic pcap file: every record and what it holds must be where the
/// offsets say, and every SS7 frame in it goes through [`check_frame`] as
/// `ainsim decode --pcap` would hand it over (ITU, no FCS).
pub fn pcap(buf: &[u8]) {
    let reader = match PcapReader::new(buf) {
        Ok(r) => r,
        Err(e) => return refused(&e, buf.len()),
    };
    for rec in reader {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => return refused(&e, buf.len()),
        };
        assert_eq!(buf.get(rec.data_offset()..rec.data_offset() + rec.data.len()), Some(rec.data));
        match rec.decode() {
            Ok(PcapFrame::Mtp2 { frame, .. }) => check_frame(frame, Start::Mtp2, Variant::Itu, false),
            Ok(PcapFrame::Mtp3(b)) => check_frame(b, Start::Mtp3, Variant::Itu, false),
            Ok(PcapFrame::Sctp(s)) => {
                for c in &s.chunks {
                    assert_eq!(buf.get(c.data_offset..c.data_offset + c.data.len()), Some(c.data));
                }
                for (m, off) in s.m3ua_messages() {
                    assert_eq!(buf.get(off..off + m.len()), Some(m));
                    check_frame(m, Start::M3ua, Variant::Itu, false);
                }
            }
            Ok(PcapFrame::Other(_)) => {}
            Err(e) => refused(&e, buf.len()),
        }
    }
}

/// The whole stack from one start layer. Selector: `sel % 8 % 6` indexes
/// [`STARTS`], bit 3 ANSI, bit 4 FCS present, bit 5 append the right FCS.
pub fn stack(data: &[u8]) {
    let Some((&sel, buf)) = data.split_first() else { return };
    let start = STARTS[usize::from(sel & 7) % STARTS.len()];
    let v = variant(sel >> 3);
    let fcs = start == Start::Mtp2 && sel & 0x10 != 0;
    if fcs && sel & 0x20 != 0 {
        let mut owned = buf.to_vec();
        owned.extend_from_slice(&fcs16(buf).to_le_bytes());
        check_frame(&owned, start, v, fcs);
    } else {
        check_frame(buf, start, v, fcs);
    }
}

/// The selector byte [`stack`] reads for this start, variant and FCS flag
/// (the FCS is taken as present in the bytes, not appended).
pub fn stack_selector(start: Start, v: Variant, fcs: bool) -> u8 {
    let i = STARTS.iter().position(|s| *s == start).unwrap_or(0) as u8;
    i | variant_bit(v) << 3 | u8::from(fcs) << 4
}

/// [`Frame::decode`] must not panic; an accepted frame encodes back to the
/// same bytes and comes back the same from its JSON.
pub fn check_frame(buf: &[u8], start: Start, v: Variant, fcs: bool) {
    match Frame::decode(buf, start, v, fcs) {
        Ok(f) => {
            same(f.encode(), buf, &f);
            json_round_trip(&f);
        }
        Err(e) => refused(&e, buf.len()),
    }
}
