//! `ainsim bench`: runs [`ainsim_runtime::bench`], then the click-to-call
//! bench ([`ainsim_service::bench`]), and prints their figures as a table
//! or, with `--json`, as one JSON object with stable keys (the figures, the
//! goals of issues 3 and 4 with pass/fail, and the scale of the run).
//!
//! Not a test: it asserts nothing about speed; the exit status is 0 unless
//! the bench network failed to complete its calls or the service did not
//! start (a bug, exit 1).

use ainsim_alloc_count::CountingAlloc;
use ainsim_runtime::bench::{self, Config, Goal, HeapProbe, Report};
use ainsim_service::bench::{click_to_call, C2cConfig, C2cReport};
use serde_json::{json, Value};

/// Counts live heap bytes for the memory figures (off, one relaxed load per
/// allocation, outside them).
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Runs the bench: `calls` overrides the number of simulated calls; `quick`
/// is the small run (seconds, memory at small scale, extrapolated per unit).
///
/// # Errors
/// The bench network did not complete its calls.
pub(crate) fn run(json_out: bool, calls: Option<u64>, quick: bool) -> anyhow::Result<()> {
    let mut cfg = if quick { Config::quick() } else { Config::full() };
    if let Some(n) = calls {
        cfg = cfg.with_calls(n);
    }
    cfg.heap = Some(HeapProbe {
        set_counting: ainsim_alloc_count::set_counting,
        live_bytes: ainsim_alloc_count::live_bytes,
    });
    if !json_out {
        eprintln!(
            "ainsim bench: {} simulated calls, {} real-time calls, {} idle subscribers, {} active calls{}",
            cfg.sim_calls,
            cfg.rt_calls,
            cfg.idle_subscribers,
            cfg.active_calls,
            if quick { " (quick)" } else { "" }
        );
    }
    let report = bench::run(&cfg).map_err(anyhow::Error::msg)?;
    let c2c_cfg = if quick { C2cConfig::quick() } else { C2cConfig::full() };
    if !json_out {
        eprintln!(
            "ainsim bench: click-to-call, {} sessions, {} HTTP clients, {} representatives",
            c2c_cfg.sessions, c2c_cfg.clients, c2c_cfg.representatives
        );
    }
    let c2c = click_to_call(&c2c_cfg).map_err(|e| anyhow::anyhow!("click-to-call bench: {e}"))?;
    if json_out {
        outln!("{}", serde_json::to_string_pretty(&to_json(&report, &c2c, &cfg, &c2c_cfg, quick))?);
    } else {
        out!("{}", table(&report, &c2c));
    }
    Ok(())
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |x| json!(x))
}

/// Click-to-call sessions completed per second, real time, 2 cores (issue 4, item 8).
pub(crate) const GOAL_C2C_SESSIONS_PER_S: f64 = 2_000.0;

/// Every goal: the network's, then click-to-call's.
fn all_goals(r: &Report, c: &C2cReport) -> Vec<Goal> {
    let mut g = r.goals();
    g.push(Goal {
        key: "c2c_sessions_per_s",
        op: ">=",
        target: GOAL_C2C_SESSIONS_PER_S,
        measured: Some(c.sessions_per_s),
        met: Some(c.sessions_per_s >= GOAL_C2C_SESSIONS_PER_S),
    });
    g
}

/// The `--json` object.
pub(crate) fn to_json(r: &Report, c: &C2cReport, cfg: &Config, c2c: &C2cConfig, quick: bool) -> Value {
    let goals: Vec<Value> = all_goals(r, c)
        .into_iter()
        .map(|g| json!({"key": g.key, "op": g.op, "target": g.target, "measured": opt(g.measured), "met": g.met}))
        .collect();
    json!({
        "codec_frames_per_s": r.codec_frames_per_s,
        "sim_frames_per_s": r.sim_frames_per_s,
        "sim_ss7_frames_per_s": r.sim_ss7_frames_per_s,
        "sim_calls_per_s": r.sim_calls_per_s,
        "model_cost_ratio": r.model_cost_ratio,
        "rt_calls_per_s": r.rt_calls_per_s,
        "idle_subscriber_bytes": opt(r.idle_subscriber_bytes),
        "active_call_bytes": opt(r.active_call_bytes),
        "c2c_sessions_per_s": c.sessions_per_s,
        "c2c_setup_p50_ms": opt(c.setup_p50_ms),
        "c2c_setup_p99_ms": opt(c.setup_p99_ms),
        "goals": goals,
        "all_goals_met": all_goals(r, c).iter().all(|g| g.met == Some(true)),
        "run": {
            "quick": quick,
            "sim_calls": r.sim_calls,
            "sim_frames": r.sim_frames,
            "rt_calls": r.rt_calls,
            "rt_offered": r.rt_offered,
            "codec_rounds": cfg.codec_rounds,
            "idle_subscribers": r.idle_subscribers,
            "active_calls": r.active_calls,
            "goal_subscribers": bench::GOAL_SUBSCRIBERS,
            "goal_active_calls": bench::GOAL_ACTIVE_CALLS,
            "memory_method": r.memory_method,
            "c2c_sessions": c.sessions,
            "c2c_requests": c.requests,
            "c2c_lost": c.lost,
            "c2c_refused": c.refused,
            "c2c_timed_out": c.timed_out,
            "c2c_failures": c.failures,
            "c2c_wall_s": c.wall_s,
            "c2c_setup_max_ms": opt(c.setup_max_ms),
            "c2c_clients": c2c.clients,
            "c2c_representatives": c2c.representatives,
        },
    })
}

fn num(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The human table.
pub(crate) fn table(r: &Report, c: &C2cReport) -> String {
    let mut s = String::new();
    let mut row = |k: &str, v: String, note: &str| s.push_str(&format!("{k:<26} {v:>14}  {note}\n"));
    row(
        "codec_frames_per_s",
        num(r.codec_frames_per_s),
        "emit+parse of IAM/ACM/ANM/REL/RLC with MTP3 (baseline)",
    );
    row("sim_frames_per_s", num(r.sim_frames_per_s), "every frame (SS7 + line), simulator, one core");
    row("sim_ss7_frames_per_s", num(r.sim_ss7_frames_per_s), "of which MTP3 MSUs");
    row("sim_calls_per_s", num(r.sim_calls_per_s), &format!("{} basic calls SSP-STP-SSP", r.sim_calls));
    row(
        "model_cost_ratio",
        format!("{:.2}", r.model_cost_ratio),
        "sim time per frame / codec time per frame",
    );
    row(
        "rt_calls_per_s",
        num(r.rt_calls_per_s),
        &format!("tokio, 2 workers: {} of {} offered calls", r.rt_calls, r.rt_offered),
    );
    let mem = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), num);
    row(
        "idle_subscriber_bytes",
        mem(r.idle_subscriber_bytes),
        &format!("SSP line + phone + line link, {} built", r.idle_subscribers),
    );
    row("active_call_bytes", mem(r.active_call_bytes), &format!("{} calls held up", r.active_calls));
    row(
        "c2c_sessions_per_s",
        num(c.sessions_per_s),
        &format!(
            "click-to-call over HTTP, connected then released: {} of {} requests in {:.2} s",
            c.sessions, c.requests, c.wall_s
        ),
    );
    let ms = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.1}"));
    row("c2c_setup_p50_ms", ms(c.setup_p50_ms), "HTTP call request -> `connected` at the web server");
    row("c2c_setup_p99_ms", ms(c.setup_p99_ms), &format!("(max {} ms)", ms(c.setup_max_ms)));
    s.push('\n');
    for g in all_goals(r, c) {
        let verdict = match g.met {
            Some(true) => "met",
            Some(false) => "NOT met",
            None => "not measured",
        };
        s.push_str(&format!("goal {:<22} {} {:<12} {verdict}\n", g.key, g.op, num(g.target)));
    }
    s
}
