//! The shipped scenarios against queueing theory: the trunk group against
//! Erlang B, the ACD against Erlang C and, with patience, Erlang A. Each
//! figure must fall within its batch-means 95 % confidence interval, widened
//! by half (≈ 99.5 %: six checks per run, so a plain 95 % would fail one
//! seed in four by chance), and the interval must be narrow enough to mean
//! something. Sized to run in seconds in the `ci` profile.

use std::path::Path;

use ainsim_sim::metrics::Estimate;
use ainsim_sim::{run, Scenario};

fn scenario(file: &str, sets: &[(&str, &str)]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let sets: Vec<(String, String)> = sets.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    match Scenario::load(&path, &sets) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn check(what: &str, m: &Estimate, theory: Option<f64>, max_width: f64) {
    let Some(t) = theory else { panic!("{what}: no theory") };
    assert!(
        m.ci95 > 0.0 && m.ci95 <= max_width,
        "{what}: interval ±{} is not meaningful (limit {max_width})",
        m.ci95
    );
    assert!(
        (m.value - t).abs() <= 1.5 * m.ci95,
        "{what}: measured {} ± {} (95 %), theory {t}",
        m.value,
        m.ci95
    );
}

#[test]
fn trunk_blocking_agrees_with_erlang_b() {
    let sc = scenario("trunk-erlang-b.toml", &[("run.calls", "20000")]);
    let o = match run(&sc, &mut |_, _| {}) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let t = o.summary.trunk.as_ref().map(|t| (t.blocking, t.theory.blocking));
    let Some((blocking, theory)) = t else { panic!("no trunk summary") };
    check("trunk.blocking", &blocking, theory, 0.03);
    assert_eq!(o.summary.counters.no_line, 0);
    assert_eq!(o.summary.counters.failed, 0, "{:?}", o.summary.counters.reasons);
    // Every answered call signalled its way through: ringback 5 hops of 2 ms.
    assert!(o.summary.post_dial_delay.p50_ms > 0.0);
}

#[test]
fn acd_agrees_with_erlang_c() {
    // 10 agents, 8 Erlangs (80 % load).
    let sc = scenario("acd-mmn.toml", &[("run.calls", "20000"), ("traffic.arrivals_per_s", "0.13333333")]);
    let o = match run(&sc, &mut |_, _| {}) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let Some(a) = &o.summary.acd else { panic!("no acd summary") };
    assert_eq!(o.summary.counters.failed, 0, "{:?}", o.summary.counters.reasons);
    assert_eq!(a.theory.model, "Erlang C (M/M/c)");
    check("acd.p_wait", &a.p_wait, a.theory.p_wait, 0.1);
    check("acd.asa_s", &a.asa_s, a.theory.asa_s, 10.0);
    check("acd.service_level", &a.service_level, a.theory.service_level, 0.1);
    check("acd.occupancy", &a.occupancy, a.theory.occupancy, 0.05);
    assert_eq!(a.abandon_rate.value, 0.0);
    // Every served session was bridged through the network.
    assert_eq!(o.summary.setup_time.count, 20_000);
    assert!(o.summary.answer_seizure_ratio > 0.99, "{}", o.summary.answer_seizure_ratio);
}

#[test]
fn acd_with_patience_agrees_with_erlang_a() {
    // Over-loaded (10 agents, 10 Erlangs) but stable: the impatient leave.
    let sc = scenario(
        "acd-mmn.toml",
        &[("run.calls", "20000"), ("traffic.arrivals_per_s", "0.16666667"), ("acd.patience_s", "60")],
    );
    let o = match run(&sc, &mut |_, _| {}) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let Some(a) = &o.summary.acd else { panic!("no acd summary") };
    assert_eq!(o.summary.counters.failed, 0, "{:?}", o.summary.counters.reasons);
    assert_eq!(a.theory.model, "Erlang A (M/M/c+M)");
    check("acd.p_wait", &a.p_wait, a.theory.p_wait, 0.1);
    check("acd.abandon_rate", &a.abandon_rate, a.theory.abandon_rate, 0.05);
    check("acd.occupancy", &a.occupancy, a.theory.occupancy, 0.05);
    assert!(a.abandon_rate.value > 0.02, "the scenario should lose callers: {:?}", a.abandon_rate);
}

/// The summary without its wall-clock figures.
fn figures(o: &ainsim_sim::Outcome) -> serde_json::Value {
    let mut v = serde_json::to_value(&o.summary).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.remove("wall_s");
        m.remove("calls_per_wall_s");
    }
    v
}

#[test]
fn a_seed_gives_the_same_run_and_jobs_merge_their_batches() {
    let sc =
        scenario("acd-mmn.toml", &[("run.calls", "1000"), ("run.warmup", "100"), ("acd.patience_s", "90")]);
    let a = run(&sc, &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    let b = run(&sc, &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(figures(&a), figures(&b), "the same seed gave two runs");
    let mut other = sc.clone();
    other.run.seed += 1;
    let c = run(&other, &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(figures(&a), figures(&c), "another seed gave the same run");

    let j = ainsim_sim::run_jobs(&sc, 2, &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(j.seeds, vec![sc.run.seed, sc.run.seed + 1]);
    assert_eq!(j.summary.batches, 2 * sc.run.batches);
    assert_eq!(j.summary.calls, 2 * sc.run.calls);
    // Merged counts are the two runs' sums, merged in seed order.
    assert_eq!(j.summary.setup_time.count, a.summary.setup_time.count + c.summary.setup_time.count);
    let waited = |o: &ainsim_sim::Outcome| o.batches.total().waited;
    assert_eq!(waited(&j), waited(&a) + waited(&c));
}

#[test]
fn the_mixed_network_day_completes_every_kind_of_call() {
    let sc = scenario("mixed-network-day.toml", &[("run.calls", "1500"), ("run.warmup", "100")]);
    let o = run(&sc, &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"));
    let c = &o.summary.counters;
    assert_eq!(c.no_line, 0);
    assert_eq!(c.refused, 0, "{:?}", c.reasons);
    assert!(c.answered_toll_free > 100, "800 calls translated and answered: {c:?}");
    assert!(c.answered_mobile > 100, "calls to mobiles answered: {c:?}");
    assert!(c.answered > c.answered_toll_free + c.answered_mobile + 100, "local calls answered: {c:?}");
    let ids: Vec<&str> = o.summary.businesses.iter().map(|b| b.business.as_str()).collect();
    assert_eq!(ids, ["ABC", "XYZ"]);
    for b in &o.summary.businesses {
        assert!(b.occupancy.value > 0.1, "{} took calls: {b:?}", b.business);
    }
    assert!(o.summary.setup_time.count > 100);
    assert!(o.summary.post_dial_delay.count > 1000);
}
