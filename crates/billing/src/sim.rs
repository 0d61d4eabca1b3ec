//! Feeding a [`Billing`] from a simulated network: its element events and
//! the OSN frames of its trace, merged in time order.
//!
//! What it is not: the real-time feed. The real-time runtime's event
//! channel (`Running::events`) carries element events, which a caller hands
//! to [`Billing::event`] as they come; it does not carry OSN frames, so
//! sessions there need the OSN messages handed to [`Billing::osn`] by
//! whoever sees them.

use ainsim_runtime::topology::Network;
use ainsim_runtime::{Fate, LinkKind};

use crate::recorder::Billing;

/// Feeds `billing` every event and every delivered OSN frame of `net`'s
/// run so far (OSN frames at their delivery time, before events of the
/// same instant). Frames that are not OSN messages are skipped. Feed a run
/// once: a second call feeds it again.
///
/// Sessions need the OSN frames in the simulator's trace: keep tracing on
/// (the default) and feed before any `take_trace` that would drop them.
pub fn feed(billing: &mut Billing, net: &Network) {
    let mut osn = net
        .sim
        .trace()
        .iter()
        .filter(|e| e.kind == LinkKind::Osn)
        .filter_map(|e| match e.fate {
            Fate::Delivered(at) => Some((at, e)),
            _ => None,
        })
        .collect::<Vec<_>>();
    osn.sort_by_key(|(at, _)| *at);
    let mut osn = osn.into_iter().peekable();
    for r in net.sim.events() {
        while let Some((at, e)) = osn.next_if(|(at, _)| *at <= r.at) {
            let _ = billing.osn_frame(at, &e.from_name, &e.to_name, &e.bytes);
        }
        billing.event(r.at, &r.name, &r.event);
    }
    for (at, e) in osn {
        let _ = billing.osn_frame(at, &e.from_name, &e.to_name, &e.bytes);
    }
}
