//! `ainsim bench --quick --json` runs to the end and prints every key of its
//! report (figures, goals with pass/fail, the scale of the run). Nothing is
//! asserted about the figures themselves: timing is not a test.
#![allow(clippy::unwrap_used)]

use ainsim_tests::run_ainsim;

#[test]
fn bench_quick_json_prints_every_key() {
    let out = run_ainsim(&["bench", "--quick", "--json", "--calls", "300"], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ainsim bench failed: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "codec_frames_per_s",
        "sim_frames_per_s",
        "sim_ss7_frames_per_s",
        "sim_calls_per_s",
        "model_cost_ratio",
        "rt_calls_per_s",
        "idle_subscriber_bytes",
        "active_call_bytes",
        "c2c_sessions_per_s",
        "c2c_setup_p50_ms",
        "c2c_setup_p99_ms",
        "all_goals_met",
    ] {
        assert!(v.get(key).is_some(), "no {key} in {v}");
    }
    for key in ["codec_frames_per_s", "sim_frames_per_s", "sim_calls_per_s", "model_cost_ratio"] {
        assert!(v[key].as_f64().unwrap() > 0.0, "{key} is not a positive number in {v}");
    }
    let goals: Vec<&str> =
        v["goals"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(
        goals,
        [
            "sim_calls_per_s",
            "sim_frames_per_s",
            "model_cost_ratio",
            "rt_calls_per_s",
            "idle_subscriber_bytes",
            "active_call_bytes",
            "c2c_sessions_per_s"
        ]
    );
    for g in v["goals"].as_array().unwrap() {
        for key in ["op", "target", "measured", "met"] {
            assert!(g.get(key).is_some(), "goal without {key}: {g}");
        }
    }
    let run = &v["run"];
    assert_eq!(run["quick"], true);
    assert_eq!(run["sim_calls"], 300);
    assert_eq!(run["goal_subscribers"], 1_000_000);
    assert_eq!(run["goal_active_calls"], 100_000);
    for key in ["c2c_sessions", "c2c_requests", "c2c_lost", "c2c_wall_s", "c2c_clients"] {
        assert!(run.get(key).is_some(), "no run.{key} in {v}");
    }
}
