//! `ainsim cdr`: the call detail records in a sled database, with
//! per-business totals; and the hook `ainsim call --cdr-db DIR` uses to
//! record its call's CDRs there.

use std::path::{Path, PathBuf};

use ainsim_billing::{feed, list, save, Billing, Directory, Filter, Listing, Record};
use ainsim_runtime::topology::{Network, Plan};
use ainsim_store::SledStore;

use crate::codec::Failure;

/// `ainsim cdr`'s arguments.
#[derive(clap::Args)]
pub(crate) struct CdrArgs {
    /// Only the sessions of this business and their legs.
    #[arg(long)]
    business: Option<String>,
    /// Only the records of this run (as printed by `ainsim call --cdr-db`).
    #[arg(long)]
    run: Option<String>,
    /// The sled database the records are in.
    #[arg(long, default_value = "ainsim-cdr")]
    db: PathBuf,
    /// Print the records and totals as JSON.
    #[arg(long)]
    json: bool,
}

fn other(e: impl std::fmt::Display) -> Failure {
    Failure::Other(anyhow::anyhow!("{e}"))
}

/// Lists the records and totals.
pub(crate) fn cdr(a: &CdrArgs) -> Result<(), Failure> {
    if !a.db.exists() {
        return Err(Failure::BadInput(format!(
            "no CDR database at {} (record calls into one with `ainsim call FROM TO --cdr-db {0}`)",
            a.db.display()
        )));
    }
    let store = SledStore::open(&a.db).map_err(|e| other(format!("{}: {e}", a.db.display())))?;
    let filter = Filter { business: a.business.clone(), run: a.run.clone() };
    let listing = list(&store, &filter).map_err(|e| other(format!("{}: {e}", a.db.display())))?;
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&listing).map_err(other)?);
        return Ok(());
    }
    print(&listing);
    Ok(())
}

fn secs(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

pub(crate) fn print(l: &Listing) {
    let sessions: Vec<_> =
        l.records.iter().filter_map(|r| if let Record::Session(s) = r { Some(s) } else { None }).collect();
    let legs: Vec<_> =
        l.records.iter().filter_map(|r| if let Record::Leg(x) = r { Some(x) } else { None }).collect();
    outln!("{} sessions, {} legs", sessions.len(), legs.len());
    if !sessions.is_empty() {
        outln!("sessions:");
    }
    for s in &sessions {
        let cause = s.cause.map(|c| format!(" cause {c}")).unwrap_or_default();
        let reason = s.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default();
        outln!(
            "  {} #{} {} {} -> {}  {}{cause}{reason}  billable {}  bridged {}  legs {}",
            s.run,
            s.call_id,
            s.business,
            s.customer,
            s.representative,
            s.outcome.name(),
            secs(s.billable_ms),
            secs(s.bridged_ms),
            if s.legs.is_empty() { "-".to_owned() } else { s.legs.join(",") },
        );
    }
    if !legs.is_empty() {
        outln!("legs:");
    }
    for x in &legs {
        let cause = x.cause.map(|c| format!(" cause {c}")).unwrap_or_default();
        let cic = x.cic.map(|c| format!(" cic {c}")).unwrap_or_default();
        let of = match (&x.business, x.session) {
            (Some(b), Some(s)) => format!("  [{b} #{s}]"),
            _ => String::new(),
        };
        let dir = match x.direction {
            ainsim_billing::Direction::Originating => "orig",
            ainsim_billing::Direction::Terminating => "term",
        };
        outln!(
            "  {} {} {} {} {dir} {} -> {}{cic}  {}{cause}  talk {}  total {}{of}",
            x.run,
            x.id,
            x.switch,
            x.line,
            if x.from.is_empty() { "?" } else { &x.from },
            x.to,
            x.outcome.name(),
            secs(x.talk_ms),
            secs(x.duration_ms),
        );
    }
    outln!("totals by business (illustrative tariff):");
    if l.totals.is_empty() {
        outln!("  (no business sessions)");
    }
    for t in &l.totals {
        outln!(
            "  {}  sessions {}  connected {}  legs {}  billable {}  bridged {}  amount {}",
            t.business,
            t.sessions,
            t.connected,
            t.legs,
            secs(t.billable_ms),
            secs(t.bridged_ms),
            money(t.amount_cents),
        );
    }
}

/// Records the CDRs of a finished simulated run into the database at
/// `db`, under a run name made of the wall clock and `label`; returns the
/// run name and the number of records.
pub(crate) fn record(plan: &Plan, net: &Network, db: &Path, label: &str) -> Result<(String, usize), Failure> {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let run = format!("{ms:013}-{label}");
    let mut billing = Billing::new(&run, Directory::from_plan(plan));
    feed(&mut billing, net);
    let records = billing.finish();
    let mut store = SledStore::open(db).map_err(|e| other(format!("{}: {e}", db.display())))?;
    save(&mut store, &records).map_err(|e| other(format!("{}: {e}", db.display())))?;
    Ok((run, records.len()))
}
