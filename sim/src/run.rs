//! Builds a scenario's network in the simulator, runs it, and sums it up.
//!
//! The network is generated as a topology (docs/topology.md): SSP-A with
//! the callers' (or customers') lines, SSP-B with the callees' (or
//! representatives') lines, an STP pair, one trunk group between the
//! SSPs, and for `acd` runs the ISCP, the IP and the access server with
//! one business whose password hash is cheap (argon2 m = 8 KiB, t = 1) so
//! the check does not dominate a million sessions. The phones the plan
//! makes for those lines are taken out; the [`Driver`] is linked to the
//! same switch ports instead.

use std::fmt::Write as _;
use std::time::Duration;

use ainsim_elements::access::hash_password;
use ainsim_runtime::topology::{NodeSpec, Topology, ACCESS_CLIENT_PORT};
use ainsim_runtime::{LinkKind, LinkModel};
use ainsim_wire::Variant;
use serde::Serialize;

use crate::driver::{
    Counters, Driver, LineSpec, AGENTS, CALLERS, CUSTOMERS, LOCAL, MOBILES, OSN, PASSWORD, TOLL_FREE,
};
use crate::erlang;
use crate::metrics::{Batches, Delays, Estimate, Percentiles};
use crate::probe::{ElementLoad, ElementSample, LinkLoad, LinkSample, Probe, Sample};
use crate::scenario::{FaultAction, Kind, Scenario, VariantName};

fn number(prefix: &str, i: usize) -> String {
    format!("{prefix}{i:07}")
}

/// The lines a run plays, in port order, and the circuits of each trunk group.
fn lines(sc: &Scenario) -> (Vec<LineSpec>, u32) {
    let mut v = Vec::new();
    let mut add = |pool: usize, prefix: &str, n: usize, dial: &dyn Fn(usize, &str) -> String| {
        for i in 0..n {
            let num = number(prefix, i);
            v.push(LineSpec { dial: dial(i, &num), number: num, pool });
        }
    };
    let same = |_: usize, n: &str| n.to_owned();
    let circuits = sc.trunk.as_ref().map_or(1, |t| t.circuits);
    let bizs = sc.businesses();
    let agents: usize = bizs.iter().map(|b| b.agents as usize).sum();
    match sc.run.kind {
        Kind::Acd => {}
        Kind::Trunk => {
            let n = circuits as usize * 2 + 16;
            add(CALLERS, "201", n, &same);
            add(LOCAL, "212", n, &same);
        }
        Kind::Network => {
            let n = circuits as usize;
            add(CALLERS, "201", 4 * n + 16, &same);
            add(LOCAL, "212", 2 * n + 16, &same);
            add(MOBILES, "917", n + 16, &same);
            add(TOLL_FREE, "213", n + 16, &|i, _| number("800", i));
        }
    }
    if !bizs.is_empty() {
        add(CUSTOMERS, "202", agents * 2 + 16, &same);
        let mut first = 0;
        for b in &bizs {
            let id = b.id.clone();
            let k = b.agents as usize;
            for i in first..first + k {
                v.push(LineSpec { number: number("214", i), dial: id.clone(), pool: AGENTS });
            }
            first += k;
        }
    }
    let c = match sc.run.kind {
        Kind::Acd => (agents as u32 * 2 + 16).min(4000),
        Kind::Trunk => circuits,
        Kind::Network => (circuits + agents as u32 * 2 + 16).min(4000),
    };
    (v, c)
}

fn quoted(v: &[String]) -> String {
    v.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// The topology TOML of a scenario's network.
///
/// # Errors
/// The business's password cannot be hashed.
pub fn topology_toml(sc: &Scenario) -> Result<String, String> {
    let (specs, circuits) = lines(sc);
    let on = |pools: &[usize]| -> Vec<String> {
        specs.iter().filter(|l| pools.contains(&l.pool)).map(|l| l.number.clone()).collect()
    };
    let (a, b, m) = (on(&[CALLERS, CUSTOMERS]), on(&[LOCAL, AGENTS, TOLL_FREE]), on(&[MOBILES]));
    let ms = |x: f64| format!("{}us", (x * 1000.0).round() as u64);
    let mut t = format!(
        r#"name = "sim-{kind:?}"
variant = "{variant}"
number_length = 10
capability_point_code = "1-2-3"

[links]
ss7 = "{ss7}"
line = "{line}"
osn = "{osn}"

[[stp]]
name = "STP-1"
point_code = "1-2-1"

[[stp]]
name = "STP-2"
point_code = "1-2-2"

[[ssp]]
name = "SSP-A"
point_code = "1-1-1"
lines = [{a}]
{triggers}

[[ssp]]
name = "SSP-B"
point_code = "1-1-2"
lines = [{b}]

[[trunk_group]]
between = ["SSP-A", "SSP-B"]
circuits = {circuits}
"#,
        kind = sc.run.kind,
        variant = match sc.run.variant {
            VariantName::Ansi => "ansi",
            VariantName::Itu => "itu",
        },
        ss7 = ms(sc.links.ss7_ms),
        line = ms(sc.links.line_ms),
        osn = ms(sc.links.osn_ms),
        a = quoted(&a),
        b = quoted(&b),
        triggers = if sc.run.kind == Kind::Network {
            "triggers = [{ prefix = \"800\", kind = \"info_analyzed\" }]"
        } else {
            ""
        },
    );
    if sc.run.kind == Kind::Network {
        let mobiles = m.iter().map(|n| format!("{{ number = \"{n}\" }}")).collect::<Vec<_>>().join(", ");
        let _ = write!(
            t,
            r#"
[[mtso]]
name = "MTSO"
point_code = "1-1-4"
paging = {{ delay = "1s", timeout = "6s" }}
mobiles = [{mobiles}]

[[trunk_group]]
between = ["SSP-A", "MTSO"]
circuits = {c}
"#,
            c = sc.trunk.as_ref().map_or(1, |t| t.circuits),
        );
    }
    let bizs = sc.businesses();
    if !bizs.is_empty() || sc.run.kind == Kind::Network {
        let hash = hash_password(PASSWORD, b"ainsim-research-salt", 8, 1)?;
        let _ = write!(
            t,
            r#"
[iscp]
name = "ISCP"
point_code = "1-3-1"
originating_ssp = "SSP-A"
global_title = "8885550000"

[ip]
name = "IP"
point_code = "1-3-2"
host = "SSP-B"
circuits = {ip}

[access_server]
name = "ACCESS"
listen = "127.0.0.1:0"
"#,
            ip = circuits.min(4000),
        );
        for b in &bizs {
            let _ = write!(
                t,
                r#"
[[access_server.businesses]]
id = "{id}"
password_hash = "{hash}"
max_concurrent = 1000000
max_held = 1000000
rate_limit = 1000000000
"#,
                id = b.id
            );
        }
        for l in specs.iter().filter(|l| l.pool == TOLL_FREE) {
            let _ = write!(t, "\n[[iscp.toll_free]]\nnumber = \"{}\"\ndefault = \"{}\"\n", l.dial, l.number);
        }
    }
    Ok(t)
}

/// A run's network, with the driver in place, ready to start.
pub struct Built {
    pub net: ainsim_runtime::topology::Network,
    pub driver: ainsim_elements::NodeId,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built").finish_non_exhaustive()
    }
}

/// Builds the network of `sc` with its driver.
///
/// # Errors
/// The generated topology or an element refuses its configuration.
pub fn build(sc: &Scenario) -> Result<Built, String> {
    let text = topology_toml(sc)?;
    let topo = Topology::parse(&text, "<generated>").map_err(|e| e.to_string())?;
    let variant = match sc.run.variant {
        VariantName::Ansi => Variant::Ansi,
        VariantName::Itu => Variant::Itu,
    };
    let mut plan = topo.plan(Some(variant)).map_err(|e| e.to_string())?;
    let (specs, _) = lines(sc);
    let driven: std::collections::BTreeMap<String, usize> =
        specs.iter().enumerate().map(|(i, l)| (ainsim_runtime::topology::phone_name(&l.number), i)).collect();
    // The switch port of each driven line, from the plan's phone links.
    let mut ports: Vec<Option<(String, ainsim_elements::Port)>> = vec![None; driven.len()];
    plan.links.retain(|l| {
        for (mine, theirs) in [(&l.a, &l.b), (&l.b, &l.a)] {
            if let Some(&i) = driven.get(&mine.0) {
                if let Some(p) = ports.get_mut(i) {
                    *p = Some(theirs.clone());
                }
                return false;
            }
        }
        true
    });
    plan.nodes.retain(|(name, spec)| !(matches!(spec, NodeSpec::Phone(_)) && driven.contains_key(name)));
    let mut net = plan.simulate(sc.run.seed)?;
    let driver = net.sim.add_node("LAB", Driver::new(sc, &specs)).map_err(|e| e.to_string())?;
    let line = LinkModel::fixed(Duration::from_micros((sc.links.line_ms * 1000.0).round() as u64));
    for (i, p) in ports.iter().enumerate() {
        let Some((switch, port)) = p else { return Err(format!("line {i} has no switch port in the plan")) };
        let sw = net.node(switch).ok_or_else(|| format!("no switch {switch}"))?;
        net.sim
            .link((driver, ainsim_elements::Port(i as u32)), (sw, *port), LinkKind::Line, line)
            .map_err(|e| e.to_string())?;
    }
    shape_links(sc, &mut net)?;
    schedule_faults(sc, &mut net)?;
    if !sc.businesses().is_empty() {
        let access = net.node("ACCESS").ok_or("no access server")?;
        let osn = LinkModel::fixed(Duration::from_micros((sc.links.osn_ms * 1000.0).round() as u64));
        net.sim
            .link((driver, OSN), (access, ACCESS_CLIENT_PORT), LinkKind::Osn, osn)
            .map_err(|e| e.to_string())?;
    }
    Ok(Built { net, driver })
}

/// The SS7 links between elements `a` and `b`.
fn links_between(
    net: &ainsim_runtime::topology::Network,
    a: &str,
    b: &str,
) -> Vec<ainsim_runtime::sim::LinkId> {
    let (Some(x), Some(y)) = (net.node(a), net.node(b)) else { return Vec::new() };
    net.sim
        .links()
        .filter(|l| {
            let [(p, _), (q, _)] = net.sim.link_ends(*l);
            (p, q) == (x, y) || (p, q) == (y, x)
        })
        .collect()
}

/// Gives the SS7 links the scenario's latency, jitter and loss (`[links]`, then `[[link]]`).
fn shape_links(sc: &Scenario, net: &mut ainsim_runtime::topology::Network) -> Result<(), String> {
    use ainsim_runtime::sim::Jitter;
    let ms = |x: f64| Duration::from_micros((x * 1000.0).round() as u64);
    let l = &sc.links;
    let jitter = |j: f64| if j > 0.0 { Jitter::Uniform(ms(j)) } else { Jitter::None };
    if l.ss7_jitter_ms > 0.0 || l.ss7_loss > 0.0 {
        let model = LinkModel::fixed(ms(l.ss7_ms)).jitter(jitter(l.ss7_jitter_ms)).loss(l.ss7_loss);
        let ss7: Vec<_> = net.sim.links().filter(|k| net.sim.link_kind(*k) == LinkKind::Ss7).collect();
        for k in ss7 {
            net.sim.set_link_model(k, model);
        }
    }
    for (i, x) in sc.link.iter().enumerate() {
        let found = links_between(net, &x.between[0], &x.between[1]);
        if found.is_empty() {
            return Err(format!(
                "link[{i}].between: no link between {} and {} in the generated network (docs/scenarios.md lists its links)",
                x.between[0], x.between[1]
            ));
        }
        let model = LinkModel::fixed(ms(x.latency_ms.unwrap_or(l.ss7_ms)))
            .jitter(jitter(x.jitter_ms.unwrap_or(l.ss7_jitter_ms)))
            .loss(x.loss.unwrap_or(l.ss7_loss));
        for k in found {
            net.sim.set_link_model(k, model);
        }
    }
    Ok(())
}

/// Puts the scenario's `[[fault]]` entries on the simulator's schedule.
fn schedule_faults(sc: &Scenario, net: &mut ainsim_runtime::topology::Network) -> Result<(), String> {
    use ainsim_runtime::sim::Fault;
    for (i, f) in sc.fault.iter().enumerate() {
        let at = ainsim_elements::Instant::ZERO.after(Duration::from_micros((f.at_s * 1e6).round() as u64));
        let node = |n: &str| {
            net.node(n).ok_or_else(|| format!("fault[{i}]: no element {n} in the generated network"))
        };
        let faults = match f.action {
            FaultAction::LinkDown | FaultAction::LinkUp => {
                let [a, b] = f.between.clone().unwrap_or_default();
                let found = links_between(net, &a, &b);
                if found.is_empty() {
                    return Err(format!(
                        "fault[{i}].between: no link between {a} and {b} in the generated network"
                    ));
                }
                let up = f.action == FaultAction::LinkUp;
                found.into_iter().map(|k| if up { Fault::LinkUp(k) } else { Fault::LinkDown(k) }).collect()
            }
            FaultAction::Crash => vec![Fault::Crash(node(f.element.as_deref().unwrap_or_default())?)],
            FaultAction::Restart => vec![Fault::Restart(node(f.element.as_deref().unwrap_or_default())?)],
            FaultAction::Partition => {
                let set = f.elements.iter().flatten().map(|n| node(n)).collect::<Result<Vec<_>, _>>()?;
                vec![Fault::Partition(set)]
            }
            FaultAction::Heal => vec![Fault::Heal],
        };
        for x in faults {
            net.sim.schedule(at, x);
        }
    }
    Ok(())
}

/// How the measured basic calls ended.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct CauseMix {
    pub attempted: u64,
    pub answered: u64,
    /// The called line was busy (cause 17).
    pub busy: u64,
    /// Rang unanswered until the caller gave up, or T9 (cause 19).
    pub no_answer: u64,
    /// No circuit or no route (congestion within 2 s of dialling).
    pub congestion: u64,
    /// Released by a timer (ISUP T7…), or no dial tone, or no progress.
    pub timeouts: u64,
    /// Anything else (no free line in the generator, special information tone…).
    pub other: u64,
    /// Each as a share of the attempts, with its batch-means 95 % interval.
    pub busy_share: Estimate,
    pub no_answer_share: Estimate,
    pub answer_share: Estimate,
}

/// A fault of the schedule, as the summary reports it.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct FaultReport {
    pub at_s: f64,
    pub fault: String,
}

/// Frames the network lost, by cause.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Lost {
    pub random: u64,
    pub link_down: u64,
    pub crashed: u64,
    pub partition: u64,
}

/// What the probe saw (of the first seed with `--jobs`).
#[derive(Debug, Clone, Default)]
pub struct NetSeries {
    pub window_s: (f64, f64),
    pub elements: Vec<ElementLoad>,
    pub links: Vec<LinkLoad>,
    pub lost: Lost,
    pub samples: Vec<Sample>,
    pub element_names: Vec<String>,
    pub link_names: Vec<String>,
    pub element_samples: Vec<ElementSample>,
    pub link_samples: Vec<LinkSample>,
}

/// The ACD part of a summary.
#[derive(Debug, Clone, Serialize, Default)]
pub struct AcdSummary {
    /// The business.
    pub business: String,
    pub agents: u32,
    /// The agent's time per call: two answer delays, handling and wrap-up, seconds.
    pub handle_s: f64,
    pub offered_erlangs: f64,
    pub p_wait: Estimate,
    pub asa_s: Estimate,
    pub service_level: Estimate,
    pub sl_threshold_s: f64,
    pub abandon_rate: Estimate,
    pub occupancy: Estimate,
    pub wait: Percentiles,
    pub max_queue: u64,
    /// What theory says for the same parameters (Erlang C, or Erlang A with patience).
    pub theory: Theory,
}

/// Closed-form predictions.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Theory {
    pub model: String,
    pub p_wait: Option<f64>,
    pub asa_s: Option<f64>,
    pub service_level: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub occupancy: Option<f64>,
    pub blocking: Option<f64>,
}

/// The trunk part of a summary.
#[derive(Debug, Clone, Serialize, Default)]
pub struct TrunkSummary {
    pub circuits: u32,
    pub offered_erlangs: f64,
    pub blocking: Estimate,
    pub theory: Theory,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub scenario: String,
    pub kind: String,
    pub seed: u64,
    /// Every seed merged (`--jobs`).
    pub seeds: Vec<u64>,
    pub calls: u64,
    pub warmup: u64,
    pub batches: u32,
    pub simulated_s: f64,
    pub wall_s: f64,
    /// Calls or sessions (warm-up included) per wall-clock second.
    pub calls_per_wall_s: f64,
    /// SS7 and line frames the simulator delivered.
    pub frames: u64,
    pub post_dial_delay: Percentiles,
    pub answer_delay: Percentiles,
    pub setup_time: Percentiles,
    /// Answered / attempted (answer-seizure ratio).
    pub answer_seizure_ratio: f64,
    /// (Answered + busy + no answer) / attempted: calls the network did its
    /// job for (ITU-T E.425: the user's busy and no answer count as success).
    pub network_effectiveness_ratio: f64,
    /// How the measured basic calls ended.
    pub cause_mix: CauseMix,
    /// The scheduled faults.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultReport>,
    /// Frames lost on the wire, by cause.
    pub lost_frames: Lost,
    /// The measurement window of the element and link figures, simulated seconds.
    pub window_s: (f64, f64),
    /// The engineering limit of a signalling link's load, Erlangs.
    pub link_load_limit: f64,
    /// SS7 links above it.
    pub links_over_limit: u32,
    /// Each SS7 (and OSN) link's load over the window.
    pub links: Vec<LinkLoad>,
    /// Each element's frames and calls per second over the window.
    pub elements: Vec<ElementLoad>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acd: Option<AcdSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trunk: Option<TrunkSummary>,
    /// `network` runs: each business's ACD.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub businesses: Vec<AcdSummary>,
    pub counters: Counters,
}

/// Everything a run leaves behind: the summary and what it was made from.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub summary: Summary,
    pub setup: Delays,
    pub wait: Delays,
    pub pdd: Delays,
    pub answer: Delays,
    /// (seconds, calls in progress), of the first seed.
    pub load: Vec<(f64, u64)>,
    pub batches: Batches,
    /// Each business's batches.
    pub business_batches: Vec<(String, Batches)>,
    pub counters: Counters,
    /// Seeds merged into this outcome.
    pub seeds: Vec<u64>,
    /// The network's figures and series, of the first seed.
    pub net: NetSeries,
    pub wall_s: f64,
    pub simulated_s: f64,
    pub frames: u64,
}

/// Runs `sc`; `progress(arrived, total)` is called now and then.
///
/// # Errors
/// The network cannot be built, or the run stops making progress.
pub fn run(sc: &Scenario, progress: &mut dyn FnMut(u64, u64)) -> Result<Outcome, String> {
    run_inner(sc, progress, false).map(|(o, _)| o)
}

/// Runs `sc` keeping the simulator's trace of every frame (memory grows
/// with the run: for tests and small runs that check the figures against
/// the frames themselves).
///
/// # Errors
/// As [`run`].
pub fn run_traced(sc: &Scenario) -> Result<(Outcome, Vec<ainsim_runtime::sim::TraceEntry>), String> {
    run_inner(sc, &mut |_, _| {}, true)
}

fn run_inner(
    sc: &Scenario,
    progress: &mut dyn FnMut(u64, u64),
    tracing: bool,
) -> Result<(Outcome, Vec<ainsim_runtime::sim::TraceEntry>), String> {
    let wall = std::time::Instant::now();
    let Built { mut net, driver } = build(sc)?;
    let total = sc.warmup() + sc.run.calls;
    // Streaming: no trace and no event records (they would grow with every call).
    net.sim.set_tracing(tracing);
    net.sim.set_event_records(false);
    net.sim.start();
    // Run in slices of simulated time until the driver says it is done.
    // Slices of 200 arrivals (fewer in a short run, so that the window the
    // element and link figures are measured over ends close to the last arrival).
    let per_slice = (total / 100).clamp(20, 200) as f64;
    let slice = Duration::from_secs_f64((per_slice / sc.rate().max(1e-9)).clamp(1.0, 86_400.0));
    let slices = (total as f64 / per_slice).ceil() as u64 + 1;
    let mut probe = Probe::new(&net.sim, driver, sc.links.ss7_rate_bps, sc.links.load_limit, slices, 400);
    let warmup = sc.warmup();
    let mut after_last = Duration::ZERO;
    loop {
        if net.sim.element::<Driver>(driver).is_some_and(|d| d.arrived() >= warmup) {
            probe.start_window(&net.sim);
        }
        net.sim.run_for(slice);
        let d = net.sim.element::<Driver>(driver).ok_or("the driver is gone")?;
        progress(d.arrived(), total);
        let c = &d.counters;
        let sample = Sample {
            in_progress: d.open() as u64,
            acd_queue: d.queued(),
            answered: c.answered,
            failed: c.congestion + c.timeouts + c.no_dial_tone + c.failed + c.no_line + c.dropped,
            ..Sample::default()
        };
        let (arrived, done) = (d.arrived(), d.done());
        probe.after_slice(&net.sim, sample);
        if arrived >= total {
            probe.end_window(&net.sim);
        }
        if done {
            break;
        }
        let d = net.sim.element::<Driver>(driver).ok_or("the driver is gone")?;
        if d.arrived() >= total {
            after_last += slice;
            // Calls still open hours after the last arrival: something hangs.
            if after_last > Duration::from_secs(5 * 3600) {
                return Err(format!(
                    "the run did not finish: {} calls or sessions still open 5 h after the last arrival",
                    d.open()
                ));
            }
        }
    }
    let frames = net.sim.stats().frames_delivered;
    let simulated_s = net.sim.now().micros() as f64 / 1e6;
    let (elements, links) = probe.loads(&net.sim);
    let st = net.sim.stats();
    let net_series = NetSeries {
        window_s: probe.window(),
        elements,
        links,
        lost: Lost {
            random: st.lost_random,
            link_down: st.lost_link_down,
            crashed: st.lost_crashed,
            partition: st.lost_partition,
        },
        element_names: probe.element_names(),
        link_names: probe.link_names(),
        samples: std::mem::take(&mut probe.samples),
        element_samples: std::mem::take(&mut probe.element_samples),
        link_samples: std::mem::take(&mut probe.link_samples),
    };
    let d = net.sim.element_mut::<Driver>(driver).ok_or("the driver is gone")?;
    let mut o = Outcome {
        summary: Summary::default(),
        setup: std::mem::take(&mut d.setup),
        wait: std::mem::take(&mut d.wait),
        pdd: std::mem::take(&mut d.pdd),
        answer: std::mem::take(&mut d.answer),
        load: std::mem::take(&mut d.load),
        batches: d.batches.clone(),
        business_batches: d.business_batches(),
        counters: d.counters.clone(),
        seeds: vec![sc.run.seed],
        net: net_series,
        wall_s: wall.elapsed().as_secs_f64(),
        simulated_s,
        frames,
    };
    summarize(sc, &mut o);
    let trace = net.sim.take_trace();
    Ok((o, trace))
}

/// Runs `jobs` independent seeds of `sc` (seed, seed + 1, …) on as many
/// threads and merges them ([`merge`]); `progress(arrived, total)` sums them.
///
/// # Errors
/// Any seed's run fails.
pub fn run_jobs(sc: &Scenario, jobs: u32, progress: &mut dyn FnMut(u64, u64)) -> Result<Outcome, String> {
    if jobs <= 1 {
        return run(sc, progress);
    }
    let wall = std::time::Instant::now();
    let per = sc.warmup() + sc.run.calls;
    let counts: Vec<std::sync::atomic::AtomicU64> =
        (0..jobs).map(|_| std::sync::atomic::AtomicU64::new(0)).collect();
    let results: Vec<Result<Outcome, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|j| {
                let mut s = sc.clone();
                s.run.seed = sc.run.seed.wrapping_add(u64::from(j));
                let count = &counts[j as usize];
                scope.spawn(move || run(&s, &mut |d, _| count.store(d, std::sync::atomic::Ordering::Relaxed)))
            })
            .collect();
        while !handles.iter().all(std::thread::ScopedJoinHandle::is_finished) {
            let done: u64 = counts.iter().map(|c| c.load(std::sync::atomic::Ordering::Relaxed)).sum();
            progress(done, per * u64::from(jobs));
            std::thread::sleep(Duration::from_millis(100));
        }
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a run panicked".into()))).collect()
    });
    let outcomes = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let mut o = merge(sc, outcomes);
    o.wall_s = wall.elapsed().as_secs_f64();
    summarize(sc, &mut o);
    Ok(o)
}

/// Merges independent runs of one scenario: their batches side by side (so
/// the intervals come from every seed's batches), their histograms and
/// counters summed.
pub fn merge(sc: &Scenario, mut outcomes: Vec<Outcome>) -> Outcome {
    let mut first = if outcomes.is_empty() {
        return Outcome {
            summary: Summary::default(),
            setup: Delays::default(),
            wait: Delays::default(),
            pdd: Delays::default(),
            answer: Delays::default(),
            load: Vec::new(),
            batches: Batches::new(0, 1, 1),
            business_batches: Vec::new(),
            counters: Counters::default(),
            seeds: Vec::new(),
            net: NetSeries::default(),
            wall_s: 0.0,
            simulated_s: 0.0,
            frames: 0,
        };
    } else {
        outcomes.remove(0)
    };
    for o in outcomes {
        first.setup.merge(&o.setup);
        first.wait.merge(&o.wait);
        first.pdd.merge(&o.pdd);
        first.answer.merge(&o.answer);
        first.batches.batches.extend(o.batches.batches);
        for ((_, mine), (_, theirs)) in first.business_batches.iter_mut().zip(o.business_batches) {
            mine.batches.extend(theirs.batches);
        }
        first.counters.add(&o.counters);
        first.seeds.extend(o.seeds);
        first.wall_s = first.wall_s.max(o.wall_s);
        first.simulated_s += o.simulated_s;
        first.frames += o.frames;
    }
    summarize(sc, &mut first);
    first
}

/// Fills `o.summary` from the rest of `o`.
pub fn summarize(sc: &Scenario, o: &mut Outcome) {
    // Basic calls and click-to-call sessions together.
    let mut t = o.batches.total();
    for (_, b) in &o.business_batches {
        let x = b.total();
        t.arrived += x.arrived;
        t.answered += x.answered;
    }
    let attempted = t.arrived.max(1) as f64;
    let jobs = o.seeds.len().max(1) as u64;
    let total = (sc.warmup() + sc.run.calls) * jobs;
    let mut s = Summary {
        scenario: sc.name.clone(),
        kind: format!("{:?}", sc.run.kind).to_lowercase(),
        seed: sc.run.seed,
        seeds: o.seeds.clone(),
        calls: sc.run.calls * jobs,
        warmup: sc.warmup(),
        batches: o.batches.batches.len() as u32,
        simulated_s: o.simulated_s,
        wall_s: o.wall_s,
        calls_per_wall_s: total as f64 / o.wall_s.max(1e-9),
        frames: o.frames,
        post_dial_delay: o.pdd.percentiles(),
        answer_delay: o.answer.percentiles(),
        setup_time: o.setup.percentiles(),
        answer_seizure_ratio: t.answered as f64 / attempted,
        network_effectiveness_ratio: (t.answered + t.busy + t.no_answer) as f64 / attempted,
        cause_mix: {
            let c = o.batches.total();
            let share =
                |f: fn(&crate::metrics::Batch) -> u64| o.batches.ratio(|x| f(x) as f64, |x| x.arrived as f64);
            CauseMix {
                attempted: c.arrived,
                answered: c.answered,
                busy: c.busy,
                no_answer: c.no_answer,
                congestion: c.blocked,
                timeouts: c.timeouts,
                other: c.failed,
                busy_share: share(|x| x.busy),
                no_answer_share: share(|x| x.no_answer),
                answer_share: share(|x| x.answered),
            }
        },
        faults: sc.fault.iter().map(|f| FaultReport { at_s: f.at_s, fault: f.describe() }).collect(),
        lost_frames: o.net.lost.clone(),
        window_s: o.net.window_s,
        link_load_limit: sc.links.load_limit,
        links_over_limit: o.net.links.iter().filter(|l| l.over_limit).count() as u32,
        links: o.net.links.clone(),
        elements: o.net.elements.clone(),
        acd: None,
        trunk: None,
        businesses: Vec::new(),
        counters: o.counters.clone(),
    };
    let b = &o.batches;
    let mut accs = Vec::new();
    for (a, (id, bb)) in sc.businesses().iter().zip(&o.business_batches) {
        // The agent's time per call: from the offer, the customer's and then
        // the agent's line ring for `answer_delay_s` each, then the
        // handling time, then the wrap-up.
        let service_s = a.handle_s + a.wrap_up_s + 2.0 * sc.traffic.answer_delay_s;
        let load = a.arrivals_per_s * service_s;
        let theory = match a.patience_s {
            None => Theory {
                model: "Erlang C (M/M/c)".into(),
                p_wait: erlang::erlang_c(a.agents, load),
                asa_s: erlang::erlang_c_asa(a.agents, load, service_s),
                service_level: erlang::erlang_c_service_level(a.agents, load, service_s, a.sl_threshold_s),
                abandon_rate: Some(0.0),
                occupancy: Some(load / f64::from(a.agents)),
                blocking: None,
            },
            Some(p) => {
                let e = erlang::erlang_a(a.agents, a.arrivals_per_s, service_s, p);
                Theory {
                    model: "Erlang A (M/M/c+M)".into(),
                    p_wait: e.map(|e| e.p_wait),
                    asa_s: None,
                    service_level: None,
                    abandon_rate: e.map(|e| e.p_abandon),
                    occupancy: e.map(|e| e.occupancy),
                    blocking: None,
                }
            }
        };
        accs.push(AcdSummary {
            business: id.clone(),
            agents: a.agents,
            handle_s: service_s,
            offered_erlangs: load,
            p_wait: bb.ratio(|x| x.waited as f64, |x| x.arrived as f64),
            asa_s: bb.ratio(|x| x.wait_s, |x| x.served as f64),
            service_level: bb.ratio(|x| x.within_sl as f64, |x| x.arrived as f64),
            sl_threshold_s: a.sl_threshold_s,
            abandon_rate: bb.ratio(|x| x.abandoned as f64, |x| x.arrived as f64),
            // A batch of n arrivals spans n − 1 gaps; its time is n gaps.
            occupancy: bb.ratio(
                |x| x.busy_s,
                |x| {
                    let n = x.arrived as f64;
                    if n > 1.0 {
                        f64::from(a.agents) * (x.last_s - x.first_s) * n / (n - 1.0)
                    } else {
                        0.0
                    }
                },
            ),
            wait: o.wait.percentiles(),
            max_queue: o.counters.max_queue,
            theory,
        });
    }
    if sc.run.kind == Kind::Acd {
        s.acd = accs.into_iter().next();
    } else {
        s.businesses = accs;
    }
    match (sc.run.kind, &sc.acd, &sc.trunk) {
        (Kind::Network, _, Some(tr)) => {
            s.trunk = Some(TrunkSummary {
                circuits: tr.circuits,
                offered_erlangs: sc.basic_rate() * sc.holding_s(),
                blocking: b.ratio(|x| x.blocked as f64, |x| x.arrived as f64),
                theory: Theory {
                    model: "none (two trunk groups, mixed destinations)".into(),
                    ..Theory::default()
                },
            });
        }
        (Kind::Trunk, _, Some(tr)) => {
            let load = sc.rate() * sc.holding_s();
            s.trunk = Some(TrunkSummary {
                circuits: tr.circuits,
                offered_erlangs: load,
                blocking: b.ratio(|x| x.blocked as f64, |x| x.arrived as f64),
                theory: Theory {
                    model: "Erlang B (M/M/c/c)".into(),
                    blocking: erlang::erlang_b(tr.circuits, load),
                    ..Theory::default()
                },
            });
        }
        _ => {}
    }
    o.summary = s;
}
