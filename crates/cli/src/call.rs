//! `ainsim call FROM TO`: one call through the network in simulated time,
//! its ladder, and whether it ended as the subscribers' behaviour says.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Duration;

use ainsim_elements::iscp::TollFree;
use ainsim_elements::mtso::MobileState;
use ainsim_elements::ssp::cause;
use ainsim_elements::{PlacedCall, WhenCalled};
use ainsim_runtime::ladder::Options;
use ainsim_runtime::topology::{phone_name, Topology};
use ainsim_wire::Variant;
use serde::Serialize;

use crate::codec::Failure;

/// The call's parameters from the command line.
pub(crate) struct CallArgs<'a> {
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) topology: Option<&'a Path>,
    pub(crate) variant: Option<Variant>,
    pub(crate) pcap: Option<&'a Path>,
    pub(crate) seed: u64,
    pub(crate) hold: Duration,
    pub(crate) json: bool,
    pub(crate) cdr_db: Option<&'a Path>,
}

/// How a call ended, from the caller's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub(crate) enum Outcome {
    /// The called party answered.
    Answered,
    /// Released before answer with this Q.850 cause.
    Failed { cause: u8 },
    /// Nothing conclusive happened.
    Unfinished,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Answered => write!(f, "answered"),
            Outcome::Failed { cause } => {
                write!(f, "released before answer, cause {cause} ({})", cause_name(*cause))
            }
            Outcome::Unfinished => write!(f, "unfinished"),
        }
    }
}

fn cause_name(c: u8) -> &'static str {
    ainsim_wire::names::q850_cause(u64::from(c)).unwrap_or("unknown cause")
}

#[derive(Serialize)]
struct Report {
    from: String,
    to: String,
    variant: Variant,
    seed: u64,
    expected: Outcome,
    why: String,
    outcome: Outcome,
    /// Seconds from the caller lifting the handset.
    alerting_s: Option<f64>,
    answered_s: Option<f64>,
    released_s: Option<f64>,
    frames: u64,
    /// Each network element's non-zero counters (phones left out).
    counters: std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
    ok: bool,
}

/// What the topology says the call should do, and why: the ISCP's 800
/// translation, the mobile's radio state and roaming number, the called
/// phone's behaviour, and AIN forwarding on busy / no answer.
fn expected(t: &Topology, from: &str, to: &str, at_minute: u32) -> (Outcome, String) {
    let mut to = to.to_owned();
    let mut why = String::new();
    let iscp = t.iscp.as_ref().map(|i| i.get_ref());
    if let Some(tf) = iscp.and_then(|i| i.toll_free.iter().find(|r| r.number == to)) {
        let rec = TollFree { rules: tf.rules.clone(), default: tf.default.clone(), monitor: tf.monitor };
        match rec.translate(at_minute, Some(from)) {
            Some(dest) => {
                why = format!("the ISCP translates {to} to {dest}; ");
                to = dest.to_owned();
            }
            None => return (Outcome::Failed { cause: 31 }, format!("the ISCP has no translation for {to}")),
        }
    }
    let switches = t.switches();
    // A chain of forwards ends somewhere: at most a few hops.
    for _ in 0..6 {
        let Some((_, _, sw)) = switches.iter().find(|(_, _, s)| s.lines.contains(&to)) else {
            return (
                Outcome::Failed { cause: cause::UNALLOCATED },
                format!("{why}{to} is no subscriber's number"),
            );
        };
        if sw.out_of_service.contains(&to) {
            return (Outcome::Failed { cause: cause::ABSENT }, format!("{why}{to} is out of service"));
        }
        match t.mobile_state(&to) {
            Some(MobileState::Detached) => {
                return (
                    Outcome::Failed { cause: cause::ABSENT },
                    format!("{why}the mobile {to} is switched off"),
                )
            }
            Some(MobileState::Unreachable) => {
                return (
                    Outcome::Failed { cause: cause::ABSENT },
                    format!("{why}the mobile {to} does not answer the page"),
                )
            }
            Some(MobileState::Roaming(msrn)) => {
                why.push_str(&format!("the mobile {to} roams at {msrn}; "));
                to = msrn.clone();
                continue;
            }
            Some(MobileState::Attached) => why.push_str(&format!("the MTSO pages {to}; ")),
            None => {}
        }
        let features = iscp
            .filter(|_| sw.termination_attempt.contains(&to))
            .and_then(|i| i.subscriber.iter().find(|s| s.number == to))
            .map(|s| s.features.clone())
            .unwrap_or_default();
        let script =
            t.phone.iter().find(|p| p.get_ref().number == to).map(|p| p.get_ref().when_called.clone());
        let same_switch = sw.lines.iter().any(|l| l == from);
        match script.unwrap_or_default() {
            WhenCalled::Answer { after } => {
                return (Outcome::Answered, format!("{why}{to} answers after {}", humane(after)))
            }
            WhenCalled::Busy => match features.forward_on_busy {
                Some(next) => {
                    why.push_str(&format!("{to} is busy and the ISCP forwards it to {next}; "));
                    to = next;
                }
                None => return (Outcome::Failed { cause: cause::BUSY }, format!("{why}{to} is busy")),
            },
            WhenCalled::NoAnswer => match features.forward_on_no_answer {
                Some(next) => {
                    why.push_str(&format!("{to} does not answer and the ISCP forwards it to {next}; "));
                    to = next;
                }
                None if same_switch => {
                    return (
                        Outcome::Failed { cause: cause::NORMAL },
                        format!(
                        "{why}{to} does not answer; on one switch no ISUP T9 runs, so the caller gives up"
                    ),
                    )
                }
                None => {
                    return (
                        Outcome::Failed { cause: cause::NO_ANSWER },
                        format!("{why}{to} does not answer; T9 expires at the originating switch"),
                    )
                }
            },
            WhenCalled::Reject => {
                return (Outcome::Failed { cause: cause::REJECTED }, format!("{why}{to} rejects calls"))
            }
            WhenCalled::Refuse { cause } => {
                return (Outcome::Failed { cause }, format!("{why}{to} refuses calls with cause {cause}"))
            }
        }
    }
    (Outcome::Unfinished, format!("{why}too many forwards"))
}

fn humane(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.3} s", d.as_secs_f64())
    }
}

/// Runs the call; exit status 0 when it ended as expected.
pub(crate) fn call(a: &CallArgs<'_>) -> Result<bool, Failure> {
    let mut t = match a.topology {
        Some(p) => Topology::load(p),
        None => Ok(Topology::default_fig1()),
    }
    .map_err(|e| Failure::BadInput(e.to_string()))?;
    let numbers = t.numbers();
    if !numbers.iter().any(|n| n == a.from) {
        return Err(Failure::BadInput(format!(
            "FROM {} is not a subscriber line of {} (lines: {})",
            a.from,
            t.file(),
            numbers.join(", ")
        )));
    }
    if a.to.is_empty() || !a.to.bytes().all(|b| b.is_ascii_digit() || b == b'*' || b == b'#') {
        return Err(Failure::BadInput(format!("TO {:?} is not a dialable number (digits, * and #)", a.to)));
    }
    // Time of day on the ISCP's clock at the call (09:00 at the start).
    let (expect, why) = expected(&t, a.from, a.to, 9 * 60);
    let off_hook = Duration::from_secs(1);
    let t9 = t.ssp.iter().map(|s| s.get_ref().timers.t9).max().unwrap_or(Duration::from_secs(90));
    let script = t.phone_mut(a.from);
    script.calls = vec![PlacedCall {
        at: off_hook,
        to: a.to.to_owned(),
        holding: Some(a.hold),
        give_up_after: Some(t9 + Duration::from_secs(60)),
    }];
    let plan = t.plan(a.variant).map_err(|e| Failure::BadInput(e.to_string()))?;
    let v = plan.variant;
    let mut net = plan.simulate(a.seed).map_err(Failure::BadInput)?;
    net.sim.set_tracing(true);
    if let Some(p) = a.pcap {
        let f = File::create(p)
            .map_err(|e| Failure::Other(anyhow::anyhow!("cannot create {}: {e}", p.display())))?;
        net.sim.tap_pcap(Box::new(BufWriter::new(f))).map_err(|e| Failure::Other(e.into()))?;
    }
    net.sim.start();
    // Start-up (GRS/GRA on every trunk group) is not part of the call's ladder.
    net.sim.run_for(off_hook - Duration::from_millis(1));
    let startup_frames = net.sim.take_trace().len();
    // Long enough for T9 plus the holding time; the simulator skips idle time.
    net.sim.run_for(off_hook + t9 + a.hold + Duration::from_secs(120));
    if a.pcap.is_some() {
        net.sim.finish_pcap().map_err(|e| Failure::Other(e.into()))?;
    }
    let cdrs = match a.cdr_db {
        Some(db) => Some(crate::cdr::record(&plan, &net, db, &format!("seed{}", a.seed))?),
        None => None,
    };

    let switch = net.line(a.from).map(|(s, _)| s.to_owned()).unwrap_or_default();
    let secs = |at: ainsim_elements::Instant| (at.micros() as f64 / 1e6 - off_hook.as_secs_f64()).max(0.0);
    let report = net.line_report(a.from);
    let (alerting, answered, released) =
        (report.alerting.map(secs), report.answered.map(secs), report.released.map(secs));
    let first_cause = report.causes.first().copied();
    let outcome = match (answered, first_cause) {
        (Some(_), _) => Outcome::Answered,
        (None, Some(cause)) => Outcome::Failed { cause },
        (None, None) => Outcome::Unfinished,
    };
    let ok = outcome == expect;
    let frames = net.sim.stats().frames_delivered;
    let mut counters = std::collections::BTreeMap::new();
    for name in net.names().filter(|n| !n.starts_with("tel:")) {
        let Some(node) = net.node(name) else { continue };
        let c: std::collections::BTreeMap<String, u64> =
            net.sim.counters(node).into_iter().filter(|(_, n)| *n > 0).collect();
        counters.insert(name.to_owned(), c);
    }
    if a.json {
        let r = Report {
            from: a.from.into(),
            to: a.to.into(),
            variant: v,
            seed: a.seed,
            expected: expect,
            why,
            outcome,
            alerting_s: alerting,
            answered_s: answered,
            released_s: released,
            frames,
            counters,
            ok,
        };
        outln!("{}", serde_json::to_string_pretty(&r).map_err(|e| Failure::Other(e.into()))?);
        return Ok(ok);
    }
    let mut opts = Options::new(v);
    let mut columns = vec![phone_name(a.from), switch.clone()];
    columns.extend(t.stp.iter().map(|s| s.get_ref().name.clone()));
    if let Some(i) = &t.iscp {
        columns.push(i.get_ref().name.clone());
    }
    if let Some((to_switch, _)) = net.line(a.to) {
        if to_switch != switch {
            columns.push(to_switch.to_owned());
        }
        columns.push(phone_name(a.to));
    }
    opts.columns = columns;
    opts.column_width = 24;
    outln!("(start-up: {startup_frames} frames of circuit group reset not shown)");
    out!("{}", net.sim.ladder(&opts));
    outln!();
    outln!("call {} -> {} ({v}, seed {})", a.from, a.to, a.seed);
    outln!("counters (whole run, start-up included):");
    for (name, c) in &counters {
        let list: Vec<String> = c.iter().map(|(k, n)| format!("{k}={n}")).collect();
        let list = if list.is_empty() { "(none)".to_owned() } else { list.join(" ") };
        outln!("  {name:<8} {list}");
    }
    let at = |x: Option<f64>| x.map_or("-".to_owned(), |s| format!("{s:.3} s"));
    outln!("  alerting {}  answered {}  released {}", at(alerting), at(answered), at(released));
    outln!("  outcome:  {outcome}");
    outln!("  expected: {expect} ({why})");
    outln!("  {}", if ok { "as expected" } else { "NOT as expected" });
    if let (Some(db), Some((run, n))) = (a.cdr_db, &cdrs) {
        outln!("  cdr: {n} records in {} (run {run}; list them with `ainsim cdr --db {0}`)", db.display());
    }
    if let Some(p) = a.pcap {
        let hint = if v == Variant::Ansi { " (ANSI: open with tshark -o mtp3.standard:ANSI)" } else { "" };
        outln!("  pcap: {}{hint}", p.display());
    }
    Ok(ok)
}
