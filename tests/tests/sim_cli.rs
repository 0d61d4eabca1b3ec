//! `ainsim sim`: the shipped scenarios run from the command line, `--json`
//! carries the keys docs/scenarios.md promises, `--out` writes the report,
//! and bad input is refused with the file, line and key before anything runs.
#![allow(clippy::unwrap_used)]

use ainsim_tests::{run_ainsim, stderr, TempFile};

fn scenario(name: &str) -> String {
    format!("{}/../sim/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn acd_json_summary_has_every_key_and_the_theory() {
    let s = scenario("acd-mmn.toml");
    let out = run_ainsim(
        &["sim", &s, "--set", "run.calls=500", "--set", "run.warmup=50", "--json", "--seed", "7"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["seed"], 7);
    assert_eq!(v["calls"], 500);
    for key in ["p_wait", "asa_s", "service_level", "abandon_rate", "occupancy"] {
        assert!(v["acd"][key]["value"].as_f64().is_some(), "no acd.{key} in {v}");
        assert!(v["acd"][key]["ci95"].as_f64().is_some(), "no acd.{key} interval in {v}");
    }
    assert!(v["acd"]["theory"]["p_wait"].as_f64().is_some());
    assert_eq!(v["setup_time"]["count"], 500);
}

#[test]
fn trunk_out_dir_gets_json_csv_svg_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario("trunk-erlang-b.toml");
    let d = dir.path().display().to_string();
    let out = run_ainsim(&["sim", &s, "--set", "run.calls=500", "--out", &d], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("blocking") && text.contains("Erlang B"), "{text}");
    for f in ["summary.json", "batches.csv", "load.csv", "pdd_cdf.svg", "load.svg", "report.html"] {
        assert!(dir.path().join(f).exists(), "no {f} in {d}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("blocking"), "the report does not show its plots");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
    assert!(v["trunk"]["blocking"]["value"].as_f64().is_some(), "{v}");
}

#[test]
fn bad_scenarios_are_refused_with_file_line_and_key() {
    let bad = TempFile::new(
        "bad.toml",
        b"[run]\nkind = \"acd\"\ncalls = 100\n\n[traffic]\narrivals_per_s = -1\n\n[acd]\nagents = 4\nhandle_s = 60\n",
    );
    let p = bad.path().display().to_string();
    let out = run_ainsim(&["sim", &p], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let e = stderr(&out);
    assert!(e.contains(&format!("{p}:6: traffic.arrivals_per_s")), "{e}");

    let s = scenario("acd-mmn.toml");
    let out = run_ainsim(&["sim", &s, "--set", "acd.agents=0"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--set acd.agents"), "{}", stderr(&out));
    let out = run_ainsim(&["sim", &s, "--set", "acd.colour=red"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("colour"), "{}", stderr(&out));
}

#[test]
fn a_fault_schedule_is_checked_before_the_run_and_the_report_has_pngs() {
    let bad = TempFile::new(
        "faults.toml",
        b"[run]\nkind = \"trunk\"\ncalls = 200\n\n[traffic]\nerlangs = 4\nholding_s = 20\n\n[trunk]\ncircuits = 10\n\n[[fault]]\nat_s = 100\naction = \"crash\"\nelement = \"STP-9\"\n",
    );
    let p = bad.path().display().to_string();
    let out = run_ainsim(&["sim", &p], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("{p}:15: fault[0].element")), "{}", stderr(&out));

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let s = scenario("signalling-faults.toml");
    let out = run_ainsim(&["sim", &s, "--set", "run.calls=8000", "--out", &d], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fault at 12000 s: crash STP-1") && text.contains("busy"), "{text}");
    for f in ["load.png", "pdd_cdf.png", "link_load.png", "series.csv", "elements.csv", "links.csv"] {
        let bytes = std::fs::read(dir.path().join(f)).unwrap_or_default();
        assert!(!bytes.is_empty(), "no {f} in {d}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("href=\"load.png\""), "the report does not link its PNGs");
}
