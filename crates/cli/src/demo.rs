//! `ainsim demo`: the whole click-to-call story in simulated time (see
//! `ainsim_service::demo`), printed as a transcript, the ladder of every
//! SS7 frame and OSN message, the console's screen pop, the CDRs and a
//! checklist. Exit 0 only if every part of the story happened.

use std::path::Path;

use ainsim_service::demo::{run, seconds, DemoOptions, DemoReport};
use ainsim_wire::Variant;

use crate::codec::Failure;

pub(crate) struct DemoArgs<'a> {
    pub(crate) variant: Variant,
    pub(crate) seed: u64,
    pub(crate) pcap: Option<&'a Path>,
    pub(crate) topology: Option<&'a Path>,
}

/// Runs the story; `Ok(false)` when it ran but a part did not happen.
pub(crate) fn demo(a: &DemoArgs<'_>) -> Result<bool, Failure> {
    let topology = match a.topology {
        Some(p) => {
            Some(ainsim_runtime::topology::Topology::load(p).map_err(|e| Failure::BadInput(e.to_string()))?)
        }
        None => None,
    };
    let report = run(&DemoOptions { variant: a.variant, seed: a.seed, topology })
        .map_err(|e| Failure::Other(anyhow::anyhow!("demo: {e}")))?;
    if let Some(p) = a.pcap {
        std::fs::write(p, &report.pcap)
            .map_err(|e| Failure::Other(anyhow::anyhow!("cannot write {}: {e}", p.display())))?;
    }
    print(&report, a.pcap);
    Ok(report.ok())
}

fn print(r: &DemoReport, pcap: Option<&Path>) {
    outln!("ainsim demo: click-to-call for ABC Travel on the emulated AIN/SS7 network");
    outln!("({} SS7, seed {}, simulated time; the web servers are real HTTP on loopback)", r.variant, r.seed);
    outln!();
    outln!("== The story, step by step");
    for s in &r.steps {
        outln!("{:>10}  {:<14} {}", seconds(s.at), s.who, s.text);
    }
    outln!();
    outln!("== The representative's console (server-sent events)");
    for (agent, event, data) in &r.console {
        if event == "hello" {
            continue;
        }
        outln!("  {agent}: {event} {data}");
    }
    outln!();
    outln!("== Ladder: every SS7 frame and OSN message of the call");
    out!("{}", r.ladder);
    outln!();
    outln!("== Call detail records (sled)");
    crate::cdr::print(&r.cdrs);
    outln!();
    outln!("== Did it all happen?");
    for c in &r.checks {
        outln!("  [{}] {}", if c.ok { "ok" } else { "FAILED" }, c.what);
        outln!("        {}", c.detail);
    }
    if let Some(p) = pcap {
        outln!();
        let hint = match r.variant {
            Variant::Ansi => " (tshark -o mtp3.standard:ANSI -r …)",
            Variant::Itu => "",
        };
        outln!("pcap: {}{hint}", p.display());
    }
    outln!();
    if r.ok() {
        outln!("demo: OK: the shopper and the cruise expert were bridged, the console popped, the order and the CDRs were recorded");
    } else {
        let failed = r.checks.iter().filter(|c| !c.ok).count();
        outln!("demo: FAILED: {failed} part(s) of the story did not happen (see above)");
    }
}
