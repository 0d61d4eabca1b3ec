//! The network side of research runs: called lines that are busy or do not
//! answer, lossy signalling links, faults on a schedule, link load in
//! Erlangs, per-element rates, and the files a run writes. Each test can
//! fail: they compare against a probability's confidence interval, an
//! independent count of the octets on the wire, or the time of a fault.

use std::path::Path;

use ainsim_runtime::sim::Fate;
use ainsim_sim::run::{run_traced, Outcome};
use ainsim_sim::{run, Scenario};

/// The shipped trunk scenario, faster: 8 E on 40 circuits (no blocking to speak of), 20 s calls.
fn trunk(sets: &[(&str, &str)]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join("trunk-erlang-b.toml");
    let mut all: Vec<(String, String)> = [
        ("trunk.circuits", "40"),
        ("traffic.holding_s", "20"),
        ("traffic.erlangs", "8"),
        ("run.calls", "4000"),
        ("run.warmup", "400"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    all.extend(sets.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    match Scenario::load(&path, &all) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn go(sc: &Scenario) -> Outcome {
    match run(sc, &mut |_, _| {}) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn busy_and_no_answer_probabilities_give_their_shares_and_the_ratios_follow() {
    let sc =
        trunk(&[("traffic.p_busy", "0.3"), ("traffic.p_no_answer", "0.1"), ("traffic.no_answer_s", "15")]);
    let o = go(&sc);
    let m = &o.summary.cause_mix;
    assert_eq!(m.attempted, 4000);
    assert_eq!(m.answered + m.busy + m.no_answer + m.congestion + m.timeouts + m.other, m.attempted, "{m:?}");
    for (what, e, p) in
        [("busy", m.busy_share, 0.3), ("no answer", m.no_answer_share, 0.1), ("answer", m.answer_share, 0.6)]
    {
        assert!(e.ci95 > 0.0 && e.ci95 < 0.04, "{what}: interval ±{} is not meaningful", e.ci95);
        assert!((e.value - p).abs() <= 1.5 * e.ci95, "{what}: {} ± {} against {p}", e.value, e.ci95);
    }
    // Busy and no answer are the users', not the network's: NER stays near 1, ASR does not.
    let s = &o.summary;
    assert!((s.answer_seizure_ratio - m.answer_share.value).abs() < 1e-9);
    assert!(s.network_effectiveness_ratio > 0.99, "NER {}", s.network_effectiveness_ratio);
    assert!(s.answer_seizure_ratio < 0.7, "ASR {}", s.answer_seizure_ratio);
    // The caller heard busy tone from the far switch: a REL with cause 17 crossed the network.
    assert!(s.counters.busy_tone >= m.busy);
    assert_eq!(s.counters.timeouts, 0);
}

#[test]
fn without_probabilities_every_call_is_answered_or_blocked() {
    let o = go(&trunk(&[]));
    let m = &o.summary.cause_mix;
    assert_eq!((m.busy, m.no_answer, m.timeouts, m.other), (0, 0, 0, 0), "{m:?}");
    assert_eq!(m.answered + m.congestion, m.attempted);
}

#[test]
fn signalling_loss_shows_as_timer_releases_not_vanished_calls() {
    let sc = trunk(&[("links.ss7_loss", "0.02"), ("run.calls", "2000"), ("run.warmup", "200")]);
    let o = go(&sc);
    let s = &o.summary;
    let m = &s.cause_mix;
    assert!(s.lost_frames.random > 0, "{:?}", s.lost_frames);
    // Every measured call is accounted for…
    assert_eq!(m.answered + m.busy + m.no_answer + m.congestion + m.timeouts + m.other, m.attempted, "{m:?}");
    // …and a lost IAM or ACM leaves the call to ISUP T7 (20 s), then a
    // congestion tone long after dialling: a timeout, not a blocked call.
    assert!(m.timeouts > 0, "{m:?}");
    assert!(m.answered < m.attempted, "{m:?}");
    // With 2 % loss per hop, most calls still get through.
    assert!(m.answer_share.value > 0.8, "{m:?}");
    // Lost frames were sent: they count in the links' load.
    assert!(s.links.iter().any(|l| l.lost > 0));
}

#[test]
fn a_fault_drops_calls_on_its_route_and_the_network_recovers() {
    // SSP-B loses both its signalling links at 3000 s and gets them back at 3600 s.
    let mut sc = trunk(&[]);
    let faults = "[[fault]]\nat_s = 3000.5\naction = \"link_down\"\nbetween = [\"SSP-B\", \"STP-1\"]\n\
                  [[fault]]\nat_s = 3000.5\naction = \"link_down\"\nbetween = [\"SSP-B\", \"STP-2\"]\n\
                  [[fault]]\nat_s = 3600.5\naction = \"link_up\"\nbetween = [\"SSP-B\", \"STP-1\"]\n\
                  [[fault]]\nat_s = 3600.5\naction = \"link_up\"\nbetween = [\"SSP-B\", \"STP-2\"]\n";
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/trunk-erlang-b.toml"))
            .unwrap_or_default();
    let with = match Scenario::parse_with(
        &format!("{text}\n{faults}"),
        "trunk+faults.toml",
        &[
            ("trunk.circuits".into(), "40".into()),
            ("traffic.holding_s".into(), "20".into()),
            ("traffic.erlangs".into(), "8".into()),
            ("run.calls".into(), "4000".into()),
            ("run.warmup".into(), "400".into()),
        ],
    ) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    sc.fault = with.fault;
    assert_eq!(sc.fault.len(), 4);
    let o = go(&sc);
    let s = &o.summary;
    assert_eq!(s.faults.len(), 4);
    assert_eq!(s.faults[0].fault, "link_down SSP-B–STP-1");
    // SSP-A learns that SSP-B is unreachable (MTP3 route set unavailable)
    // and refuses at once (congestion); calls already set up run into T7.
    assert!(s.cause_mix.congestion + s.cause_mix.timeouts > 0, "{:?}", s.cause_mix);
    let at = |t: f64| o.net.samples.iter().rfind(|x| x.t_s <= t).cloned().unwrap_or_default();
    let before = at(3000.0);
    let during = at(3700.0);
    let last = o.net.samples.last().cloned().unwrap_or_default();
    assert!(before.t_s > 0.0 && before.answered > 0);
    assert_eq!(before.failed, 0, "no failure before the fault");
    assert!(during.failed > 0, "calls failed while SSP-B was cut off: {during:?}");
    let settled = at(4500.0);
    assert!(last.answered > settled.answered + 100, "calls answered again after the repair");
    assert_eq!(last.failed, settled.failed, "no failure once the links are back");
}

#[test]
fn link_load_is_the_octets_on_the_wire_in_erlangs_and_is_flagged_over_the_limit() {
    let sc = trunk(&[("run.calls", "1000"), ("run.warmup", "100"), ("links.load_limit", "0.001")]);
    let (o, trace) = match run_traced(&sc) {
        Ok(x) => x,
        Err(e) => panic!("{e}"),
    };
    let s = &o.summary;
    let (t0, t1) = s.window_s;
    assert!(t1 > t0 && t0 > 0.0, "window {t0}..{t1}");
    let ss7: Vec<_> = s.links.iter().filter(|l| l.kind == "ss7").collect();
    assert!(ss7.len() >= 4, "{ss7:?}");
    let mut carried = 0;
    for l in &ss7 {
        // Count the same link's frames and octets from the trace, independently.
        let (mut frames, mut octets) = (0u64, 0u64);
        for e in trace.iter().filter(|e| {
            let at = e.sent.micros() as f64 / 1e6;
            *e.from_name == *l.a && *e.to_name == *l.b && at > t0 && at <= t1
        }) {
            frames += 1;
            octets += e.bytes.len() as u64;
            let _ = matches!(e.fate, Fate::Lost(_));
        }
        assert_eq!((l.frames_ab, l.octets_ab), (frames, octets), "{}-{}", l.a, l.b);
        let erlangs = (octets + 6 * frames) as f64 * 8.0 / 64_000.0 / (t1 - t0);
        assert!((l.erlangs_ab - erlangs).abs() < 1e-12, "{} against {erlangs}", l.erlangs_ab);
        assert_eq!(l.over_limit, l.erlangs > 0.001);
        carried += frames;
    }
    assert!(carried > 1000 * 4, "at least IAM, ACM, ANM, REL, RLC per call cross the links");
    assert!(s.links_over_limit > 0);
    assert!(ainsim_sim::report::text(s).contains("OVER LIMIT"));
    // At the engineering limit (0.4 E) this light traffic is far below it.
    let o = go(&trunk(&[("run.calls", "1000"), ("run.warmup", "100")]));
    assert_eq!(o.summary.links_over_limit, 0);
    assert!(o.summary.links.iter().all(|l| l.erlangs < 0.05));
}

#[test]
fn elements_report_frames_and_calls_per_second_and_queues_over_time() {
    let sc = trunk(&[("run.calls", "2000"), ("run.warmup", "200")]);
    let o = go(&sc);
    let s = &o.summary;
    let rate = 8.0 / 20.0;
    let el = |n: &str| s.elements.iter().find(|e| e.name == n).cloned().unwrap_or_default();
    // SSP-A's calls are its attempts: one per arrival.
    let a = el("SSP-A");
    assert!((a.calls_per_s - rate).abs() < 0.1 * rate, "SSP-A {a:?}");
    assert!(el("STP-1").frames_per_s + el("STP-2").frames_per_s > 0.0, "{:?}", s.elements);
    assert_eq!(el("STP-1").calls, 0);
    assert!(a.frames_per_s > el("STP-1").frames_per_s, "lines and both STPs");
    assert!(o.net.samples.len() > 5);
    assert!(o.net.samples.iter().any(|x| x.in_progress > 0 && x.events_queued > 0));
    assert_eq!(o.net.element_samples.len(), o.net.samples.len() * o.net.element_names.len());
}

#[test]
fn a_run_writes_pngs_next_to_the_svgs_and_the_report_links_them() {
    let sc = trunk(&[("run.calls", "500"), ("run.warmup", "50"), ("traffic.p_busy", "0.2")]);
    let mut sc = sc;
    sc.fault = Scenario::parse(
        "[run]\nkind = \"trunk\"\ncalls = 100\n[traffic]\nerlangs = 1\nholding_s = 10\n[trunk]\ncircuits = 2\n\
         [[fault]]\nat_s = 300\naction = \"crash\"\nelement = \"STP-2\"\n\
         [[fault]]\nat_s = 400\naction = \"restart\"\nelement = \"STP-2\"\n",
        "f.toml",
    )
    .map(|s| s.fault)
    .unwrap_or_default();
    let o = go(&sc);
    let dir = std::env::temp_dir().join(format!("ainsim-sim-out-{}", std::process::id()));
    let files = match ainsim_sim::report::write_out(&dir, &o) {
        Ok(f) => f,
        Err(e) => panic!("{e}"),
    };
    for f in
        ["pdd_cdf.png", "load.png", "link_load.png", "pdd_cdf.svg", "series.csv", "elements.csv", "links.csv"]
    {
        assert!(files.iter().any(|x| x == f), "{f} not in {files:?}");
    }
    let png = std::fs::read(dir.join("load.png")).unwrap_or_default();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "{} bytes", png.len());
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap_or_default();
    assert!(html.contains("href=\"load.png\"") && html.contains("crash STP-2"));
    // The fault is drawn on the load plot.
    let svg = std::fs::read_to_string(dir.join("load.svg")).unwrap_or_default();
    assert!(svg.contains("crash STP-2"), "fault label on the plot");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_shipped_signalling_faults_scenario_shows_each_fault_in_its_summary() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join("signalling-faults.toml");
    let sc = Scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
    let o = go(&sc);
    let s = &o.summary;
    assert_eq!(s.faults.len(), 6);
    assert_eq!(s.faults[0].fault, "crash STP-1");
    let lf = &s.lost_frames;
    assert!(lf.random > 0 && lf.crashed + lf.link_down > 0, "{lf:?}");
    let m = &s.cause_mix;
    assert_eq!(m.answered + m.busy + m.no_answer + m.congestion + m.timeouts + m.other, m.attempted, "{m:?}");
    assert!(m.timeouts > 0 && m.congestion > 0, "{m:?}");
    assert!((m.busy_share.value - 0.1).abs() < 0.03, "{m:?}");
    // The noisier SSP-A–STP-2 link (0.5 %) lost frames of its own.
    let lost = |a: &str, b: &str| {
        s.links.iter().find(|l| (l.a == a && l.b == b) || (l.a == b && l.b == a)).map_or(0, |l| l.lost)
    };
    assert!(lost("SSP-A", "STP-2") > 0, "{:?}", s.links);
}

#[test]
fn a_partition_of_the_stps_fails_calls_until_it_heals() {
    let faults =
        "[run]\nkind = \"trunk\"\ncalls = 4000\nwarmup = 400\n[traffic]\nerlangs = 8\nholding_s = 20\n\
                  [trunk]\ncircuits = 40\n\
                  [[fault]]\nat_s = 3000.5\naction = \"partition\"\nelements = [\"STP-1\", \"STP-2\"]\n\
                  [[fault]]\nat_s = 3600.5\naction = \"heal\"\n";
    let sc = Scenario::parse(faults, "partition.toml").unwrap_or_else(|e| panic!("{e}"));
    let o = go(&sc);
    let s = &o.summary;
    assert!(s.lost_frames.partition > 0, "{:?}", s.lost_frames);
    let at = |t: f64| o.net.samples.iter().rfind(|x| x.t_s <= t).cloned().unwrap_or_default();
    let (before, during, settled) = (at(3000.0), at(3700.0), at(4500.0));
    let last = o.net.samples.last().cloned().unwrap_or_default();
    assert_eq!(before.failed, 0);
    assert!(during.failed > 0, "{during:?}");
    assert!(last.answered > settled.answered + 100, "calls answered again after the heal");
    assert_eq!(last.failed, settled.failed, "no failure once healed");
}
