//! `ainsim decode` and `ainsim encode`: frames between hex, trees and JSON.

use std::io::Read;
use std::path::Path;

use ainsim_wire::pcap::Frame as PcapFrame;
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::{hexser, PcapReader, Variant};

/// Why a command failed: bad input (exit 2) or anything else (exit 1).
#[derive(Debug)]
pub(crate) enum Failure {
    BadInput(String),
    Other(anyhow::Error),
}

impl From<ainsim_wire::Error> for Failure {
    fn from(e: ainsim_wire::Error) -> Self {
        Failure::BadInput(e.to_string())
    }
}

fn print_frame(frame: &Frame, json: bool) -> Result<(), Failure> {
    if json {
        let s = serde_json::to_string_pretty(frame).map_err(|e| Failure::Other(e.into()))?;
        outln!("{s}");
    } else {
        let v = serde_json::to_value(frame).map_err(|e| Failure::Other(e.into()))?;
        out!("{}", crate::tree::render(&v, frame.variant));
    }
    Ok(())
}

/// Decodes one frame given as hex.
pub(crate) fn decode_hex(
    hex: &str,
    layer: Start,
    variant: Variant,
    fcs: bool,
    json: bool,
) -> Result<(), Failure> {
    let bytes = hexser::parse_user_hex(hex)?;
    if bytes.is_empty() {
        return Err(Failure::BadInput("hex: no bytes given".into()));
    }
    let frame = Frame::decode(&bytes, layer, variant, fcs)?;
    print_frame(&frame, json)
}

/// Decodes every frame of a pcap; a frame that fails is reported and the rest go on.
/// Exit status 2 if any frame failed.
pub(crate) fn decode_pcap(path: &Path, variant: Variant, fcs: bool, json: bool) -> Result<(), Failure> {
    let data = std::fs::read(path)
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot read {}: {e}", path.display())))?;
    let reader = PcapReader::new(&data).map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))?;
    let mut bad = 0usize;
    let mut count = 0usize;
    for rec in reader {
        let rec = rec.map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))?;
        count += 1;
        let n = rec.index + 1;
        let units: Vec<(Start, &[u8], usize)> = match rec.decode() {
            Ok(PcapFrame::Mtp2 { frame, .. }) => vec![(Start::Mtp2, frame, rec.data_offset())],
            Ok(PcapFrame::Mtp3(b)) => vec![(Start::Mtp3, b, rec.data_offset())],
            Ok(PcapFrame::Sctp(s)) => s.m3ua_messages().map(|(b, off)| (Start::M3ua, b, off)).collect(),
            Ok(PcapFrame::Other(_)) => {
                if !json {
                    outln!("frame {n}: not SS7 (skipped)");
                }
                continue;
            }
            Err(e) => {
                bad += 1;
                report(n, &e.to_string(), json);
                continue;
            }
        };
        for (start, bytes, offset) in units {
            match Frame::decode(bytes, start, variant, fcs) {
                Ok(frame) => {
                    if json {
                        let mut v = serde_json::to_value(&frame).map_err(|e| Failure::Other(e.into()))?;
                        if let Some(o) = v.as_object_mut() {
                            o.insert("pcap_frame".into(), n.into());
                            o.insert("ts_micros".into(), rec.ts_micros.into());
                        }
                        outln!("{v}");
                    } else {
                        outln!(
                            "frame {n} ({:.6} s, {} octets at file offset {offset})",
                            rec.ts_micros as f64 / 1e6,
                            bytes.len()
                        );
                        out!(
                            "{}",
                            crate::tree::render_indented(
                                &serde_json::to_value(&frame).map_err(|e| Failure::Other(e.into()))?,
                                frame.variant,
                                1
                            )
                        );
                    }
                }
                Err(e) => {
                    bad += 1;
                    report(n, &format!("{} (file offset {})", e, offset + e.offset), json);
                }
            }
        }
    }
    if bad > 0 {
        return Err(Failure::BadInput(format!(
            "{bad} of {count} frames in {} could not be decoded",
            path.display()
        )));
    }
    Ok(())
}

fn report(n: usize, msg: &str, json: bool) {
    if json {
        outln!("{}", serde_json::json!({ "pcap_frame": n, "error": msg }));
    } else {
        outln!("frame {n}: error: {msg}");
    }
}

/// Encodes the JSON of a decoded frame back to hex.
pub(crate) fn encode_json(source: &str, variant: Option<Variant>) -> Result<(), Failure> {
    let text = if source == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Other(anyhow::anyhow!("reading stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(source)
            .map_err(|e| Failure::Other(anyhow::anyhow!("cannot read {source}: {e}")))?
    };
    let mut frame: Frame = serde_json::from_str(&text).map_err(|e| {
        // serde_json ends its message with the same position: say it once.
        let (line, column) = (e.line(), e.column());
        let msg = e.to_string();
        let msg = msg.strip_suffix(&format!(" at line {line} column {column}")).unwrap_or(&msg);
        Failure::BadInput(format!("json: line {line} column {column}: {msg}"))
    })?;
    if let Some(v) = variant {
        frame.variant = v;
    }
    let bytes = frame.encode()?;
    outln!("{}", hex_string(&bytes));
    Ok(())
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
