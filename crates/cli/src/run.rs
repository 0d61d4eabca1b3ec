//! `ainsim run`: the topology in real time on tokio, with its outside links
//! (MTP2 over UDP) open to peers, logging every element's events.

use std::path::Path;
use std::time::Duration;

use ainsim_elements::ssp::LINE_EVENT_BASE;
use ainsim_elements::EventKind;
use ainsim_runtime::rt::Tap;
use ainsim_runtime::topology::{ExternalKind, Plan, Topology};
use ainsim_wire::Variant;

use crate::codec::Failure;

/// `ainsim run`'s arguments.
pub(crate) struct RunArgs<'a> {
    pub(crate) topology: Option<&'a Path>,
    pub(crate) variant: Option<Variant>,
    /// Stop after this long (default: until Ctrl-C).
    pub(crate) stop_after: Option<Duration>,
    pub(crate) pcap: Option<&'a Path>,
}

pub(crate) fn run(a: &RunArgs<'_>) -> Result<(), Failure> {
    let t = match a.topology {
        Some(p) => Topology::load(p),
        None => Ok(Topology::default_fig1()),
    }
    .map_err(|e| Failure::BadInput(e.to_string()))?;
    let plan = t.plan(a.variant).map_err(|e| Failure::BadInput(e.to_string()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(anyhow::anyhow!("cannot start tokio: {e}")))?;
    rt.block_on(async {
        let tap = a.pcap.map(|_| Tap::new());
        let listen = access_listen(&t)?;
        let (mut running, bound) = plan.run(tap.clone(), listen).await.map_err(Failure::BadInput)?;
        let name = if t.name.is_empty() { t.file().to_owned() } else { t.name.clone() };
        outln!("network {name} ({}) running in real time: {} elements", plan.variant, plan.nodes.len());
        print_bound(&plan, &bound);
        outln!("  Ctrl-C stops it");
        let stop = stopped(a.stop_after);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                ev = running.events.recv() => {
                    let Some(ev) = ev else { break };
                    let what = match &ev.event.kind {
                        EventKind::CallAttempt { from, to } => format!("call attempt {from} -> {to}"),
                        EventKind::Alerting => "alerting".into(),
                        EventKind::Answered => "answered".into(),
                        EventKind::Released { cause } => format!(
                            "released, cause {cause} ({})",
                            ainsim_wire::names::q850_cause(u64::from(*cause)).unwrap_or("unknown")
                        ),
                        EventKind::Dropped { reason, hex } => format!("dropped: {reason}: {hex}"),
                        EventKind::Note(n) => n.clone(),
                    };
                    let call = match ev.event.call {
                        Some(c) if c >= LINE_EVENT_BASE => format!(" line {}", c - LINE_EVENT_BASE),
                        Some(c) => format!(" cic {c}"),
                        None => String::new(),
                    };
                    outln!("{:>12.6} {}{call}: {what}", ev.at.micros() as f64 / 1e6, ev.source);
                }
            }
        }
        running.shutdown();
        if let (Some(p), Some(tap)) = (a.pcap, tap) {
            let bytes = tap.pcap().map_err(|e| Failure::Other(e.into()))?;
            std::fs::write(p, bytes)
                .map_err(|e| Failure::Other(anyhow::anyhow!("cannot write {}: {e}", p.display())))?;
            outln!("pcap of the outside links: {}", p.display());
        }
        Ok(())
    })
}

/// The access server's OSN listen address from the topology, if any.
pub(crate) fn access_listen(t: &Topology) -> Result<Option<std::net::SocketAddr>, Failure> {
    match t.access_server.as_ref().and_then(|a| a.get_ref().listen.clone()) {
        Some(a) => Ok(Some(a.parse::<std::net::SocketAddr>().map_err(|_| {
            Failure::BadInput(format!("{}: access_server listen: {a:?} is not an address:port", t.file()))
        })?)),
        None => Ok(None),
    }
}

/// Prints what [`Plan::run`](ainsim_runtime::topology::Plan::run) bound for outside peers.
pub(crate) fn print_bound(plan: &Plan, bound: &[(String, std::net::SocketAddr)]) {
    for (name, addr) in bound {
        match plan.externals.iter().find(|e| &e.name == name) {
            Some(spec) => {
                let how = match (spec.kind, spec.local) {
                    (ExternalKind::Mtp2Udp, _) => format!(
                        "MTP2/UDP on {addr} <-> {}",
                        spec.remote.map_or("?".to_owned(), |r| r.to_string())
                    ),
                    (ExternalKind::M3uaTcp, Some(_)) => {
                        format!("M3UA/TCP listening on {addr} as {:?}", spec.role)
                    }
                    (ExternalKind::M3uaTcp, None) => {
                        format!("M3UA/TCP connecting to {addr} as {:?}", spec.role)
                    }
                };
                outln!(
                    "  {name}: {how} (peer point code {}, on {})",
                    spec.peer_pc.display(plan.variant),
                    spec.switch
                );
            }
            None => outln!("  {name}: call instructions (OSN over TCP) on {addr}"),
        }
    }
    if bound.is_empty() {
        outln!("  no [[external]] links in the topology: nothing from outside can reach it");
    }
}

/// Resolves after `after` (for tests and timed runs) or, without it, at Ctrl-C.
pub(crate) async fn stopped(after: Option<std::time::Duration>) {
    match after {
        Some(d) => tokio::time::sleep(d).await,
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
