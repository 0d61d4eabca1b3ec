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
use crate::scenario::{Kind, Scenario, VariantName};

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
    if !sc.businesses().is_empty() {
        let access = net.node("ACCESS").ok_or("no access server")?;
        let osn = LinkModel::fixed(Duration::from_micros((sc.links.osn_ms * 1000.0).round() as u64));
        net.sim
            .link((driver, OSN), (access, ACCESS_CLIENT_PORT), LinkKind::Osn, osn)
            .map_err(|e| e.to_string())?;
    }
    Ok(Built { net, driver })
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
    /// (Answered + busy) / attempted: calls the network did its job for.
    pub network_effectiveness_ratio: f64,
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
    pub wall_s: f64,
    pub simulated_s: f64,
    pub frames: u64,
}

/// Runs `sc`; `progress(arrived, total)` is called now and then.
///
/// # Errors
/// The network cannot be built, or the run stops making progress.
pub fn run(sc: &Scenario, progress: &mut dyn FnMut(u64, u64)) -> Result<Outcome, String> {
    let wall = std::time::Instant::now();
    let Built { mut net, driver } = build(sc)?;
    let total = sc.warmup() + sc.run.calls;
    // Streaming: no trace and no event records (they would grow with every call).
    net.sim.set_tracing(false);
    net.sim.set_event_records(false);
    net.sim.start();
    // Run in slices of simulated time until the driver says it is done.
    let slice = Duration::from_secs_f64((200.0 / sc.rate().max(1e-9)).clamp(1.0, 86_400.0));
    let mut after_last = Duration::ZERO;
    loop {
        net.sim.run_for(slice);
        let d = net.sim.element::<Driver>(driver).ok_or("the driver is gone")?;
        progress(d.arrived(), total);
        if d.done() {
            break;
        }
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
        wall_s: wall.elapsed().as_secs_f64(),
        simulated_s,
        frames,
    };
    summarize(sc, &mut o);
    Ok(o)
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
        network_effectiveness_ratio: (t.answered + o.counters.busy_tone.min(t.arrived)) as f64 / attempted,
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
