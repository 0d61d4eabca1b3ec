//! `ainsim serve`: the click-to-call service in real time (see
//! `ainsim_service::serve`), for a person with a browser: prints where the
//! shop, the console and the live view are, and runs until Ctrl-C.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use ainsim_service::serve::{start, ServeConfig, DEFAULT_LISTEN};

use crate::codec::Failure;

/// `ainsim serve`'s arguments.
pub(crate) struct ServeArgs<'a> {
    pub(crate) config: Option<&'a Path>,
    /// Overrides the config file's `listen`.
    pub(crate) listen: Option<SocketAddr>,
    /// Stop after this long (default: until Ctrl-C).
    pub(crate) stop_after: Option<Duration>,
}

pub(crate) fn serve(a: &ServeArgs<'_>) -> Result<(), Failure> {
    let mut cfg = match a.config {
        Some(p) => ServeConfig::load(p).map_err(|e| Failure::BadInput(e.to_string()))?,
        None => ServeConfig::new(
            DEFAULT_LISTEN.parse().map_err(|_| Failure::Other(anyhow::anyhow!("bad default address")))?,
        ),
    };
    if let Some(l) = a.listen {
        cfg.listen = l;
    }
    let holds = cfg.shopper_holds;
    let default_network = cfg.topology.is_none();
    let served = start(cfg).map_err(|e| Failure::Other(anyhow::anyhow!("serve: {e}")))?;
    outln!(
        "ainsim serve: click-to-call for ABC Travel on the emulated AIN/SS7 network ({}), in real time",
        served.variant
    );
    outln!();
    outln!(
        "  shop:        {}   (press \"Talk to a customer service representative\" on /cruises)",
        served.shop_url()
    );
    outln!("  console:     {}   (log in as cruise-1 first)", served.console_url());
    outln!("  live view:   {}", served.network_url());
    outln!();
    outln!("  access server's front: {}   (signed call instructions, docs/api.md)", served.front_url);
    outln!("  access server's OSN port: {}", served.access);
    let temp = if served.data_dir_is_temp { " (temporary, removed on exit)" } else { "" };
    outln!("  data: {}{temp}", served.data_dir.display());
    outln!();
    if default_network {
        outln!(
            "  The shopper's phone is 2015550100: it answers after 2 s and hangs up {} s later.",
            holds.as_secs()
        );
    } else {
        outln!("  Phones hang up {} s after answering unless the topology says otherwise.", holds.as_secs());
    }
    outln!("  Ctrl-C stops it.");
    let stop_after = a.stop_after;
    served.block_on(crate::run::stopped(stop_after));
    served.shutdown();
    outln!("ainsim serve: stopped");
    Ok(())
}
