//! What a run prints and writes: the readable summary, and with `--out DIR`
//! the JSON summary, CSV series, SVG plots and one self-contained HTML
//! report that shows them.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use crate::metrics::{Estimate, Percentiles};
use crate::run::{Outcome, Summary};

fn est(e: &Estimate) -> String {
    format!("{:.4} ± {:.4}", e.value, e.ci95)
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

fn pct(name: &str, p: &Percentiles) -> String {
    if p.count == 0 {
        return String::new();
    }
    format!(
        "  {name:<16} n={:<8} p50 {:>9.1} ms  p90 {:>9.1}  p99 {:>9.1}  p99.9 {:>9.1}  max {:>9.1}\n",
        p.count, p.p50_ms, p.p90_ms, p.p99_ms, p.p999_ms, p.max_ms
    )
}

/// The readable summary.
pub fn text(s: &Summary) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} ({}): {} calls after {} warm-up, seed {}, {} batches",
        if s.scenario.is_empty() { "scenario" } else { &s.scenario },
        s.kind,
        s.calls,
        s.warmup,
        s.seed,
        s.batches
    );
    let _ = writeln!(
        t,
        "  simulated {:.0} s in {:.2} s wall: {:.0} calls/s, {} frames",
        s.simulated_s, s.wall_s, s.calls_per_wall_s, s.frames
    );
    t.push_str(&pct("post-dial delay", &s.post_dial_delay));
    t.push_str(&pct("answer delay", &s.answer_delay));
    t.push_str(&pct("set-up time", &s.setup_time));
    let _ = writeln!(
        t,
        "  answer-seizure ratio {:.4}, network effectiveness {:.4}",
        s.answer_seizure_ratio, s.network_effectiveness_ratio
    );
    for a in s.acd.iter().chain(&s.businesses) {
        let _ = writeln!(
            t,
            "  ACD of {}: {} agents, {:.2} Erlangs offered; against {}:",
            a.business, a.agents, a.offered_erlangs, a.theory.model
        );
        let _ = writeln!(t, "    {:<22} {:>20} {:>10}", "", "measured (95% CI)", "theory");
        for (k, m, th) in [
            ("p_wait", &a.p_wait, a.theory.p_wait),
            ("asa_s", &a.asa_s, a.theory.asa_s),
            (&*format!("service_level@{}s", a.sl_threshold_s), &a.service_level, a.theory.service_level),
            ("abandon_rate", &a.abandon_rate, a.theory.abandon_rate),
            ("occupancy", &a.occupancy, a.theory.occupancy),
        ] {
            let _ = writeln!(t, "    {k:<22} {:>20} {:>10}", est(m), opt(th));
        }
        let _ = writeln!(t, "    longest queue {}", a.max_queue);
    }
    if let Some(tr) = &s.trunk {
        let _ = writeln!(
            t,
            "  trunk group: {} circuits, {:.2} Erlangs offered: blocking {}{}",
            tr.circuits,
            tr.offered_erlangs,
            est(&tr.blocking),
            tr.theory.blocking.map_or_else(String::new, |b| format!(" ({} {b:.4})", tr.theory.model))
        );
    }
    let c = &s.counters;
    if c.failed + c.no_line + c.refused > 0 {
        let _ = writeln!(
            t,
            "  failed {}, refused {}, no line {}: {:?}",
            c.failed, c.refused, c.no_line, c.reasons
        );
    }
    t
}

fn plot_err<E: std::fmt::Display>(e: E) -> String {
    format!("plot: {e}")
}

/// A CDF line plot (x in ms) with an optional theory curve.
fn cdf_svg(
    path: &Path,
    title: &str,
    data: &[(f64, f64)],
    theory: Option<&[(f64, f64)]>,
) -> Result<(), String> {
    let root = SVGBackend::new(path, (720, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let xmax = data.iter().map(|p| p.0).fold(1e-3, f64::max);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..xmax, 0.0..1.0)
        .map_err(plot_err)?;
    chart.configure_mesh().x_desc("ms").y_desc("share ≤ x").draw().map_err(plot_err)?;
    chart
        .draw_series(LineSeries::new(data.iter().copied(), &BLUE))
        .map_err(plot_err)?
        .label("measured")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    if let Some(th) = theory {
        chart
            .draw_series(LineSeries::new(th.iter().copied().filter(|p| p.0 <= xmax), &RED))
            .map_err(plot_err)?
            .label("Erlang C")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    }
    chart.configure_series_labels().background_style(WHITE).border_style(BLACK).draw().map_err(plot_err)?;
    root.present().map_err(plot_err)
}

/// A line over time.
pub fn line_svg(
    path: &Path,
    title: &str,
    xdesc: &str,
    ydesc: &str,
    data: &[(f64, f64)],
) -> Result<(), String> {
    let root = SVGBackend::new(path, (720, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (x0, x1) = data.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (x0, x1) = if x0.is_finite() && x1 > x0 { (x0, x1) } else { (0.0, 1.0) };
    let ymax = data.iter().map(|p| p.1).fold(1e-9, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x0..x1, 0.0..ymax)
        .map_err(plot_err)?;
    chart.configure_mesh().x_desc(xdesc).y_desc(ydesc).draw().map_err(plot_err)?;
    chart.draw_series(LineSeries::new(data.iter().copied(), &BLUE)).map_err(plot_err)?;
    chart.draw_series(data.iter().map(|p| Circle::new(*p, 2, BLUE.filled()))).map_err(plot_err)?;
    root.present().map_err(plot_err)
}

/// Writes the summary, series, plots and HTML report into `dir`.
///
/// # Errors
/// A file cannot be written.
pub fn write_out(dir: &Path, o: &Outcome) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let w = |name: &str, body: &str| {
        std::fs::write(dir.join(name), body).map_err(|e| format!("{}: {e}", dir.join(name).display()))
    };
    let json = serde_json::to_string_pretty(&o.summary).map_err(|e| e.to_string())?;
    w("summary.json", &json)?;
    let mut csv = String::from("ms,share\n");
    for (x, y) in o.setup.cdf() {
        let _ = writeln!(csv, "{x},{y}");
    }
    w("setup_cdf.csv", &csv)?;
    let mut csv = String::from("ms,share\n");
    for (x, y) in o.wait.cdf() {
        let _ = writeln!(csv, "{x},{y}");
    }
    w("wait_cdf.csv", &csv)?;
    let mut csv = String::from("seconds,in_progress\n");
    for (x, y) in &o.load {
        let _ = writeln!(csv, "{x},{y}");
    }
    w("load.csv", &csv)?;
    let mut csv = String::from("batch,arrived,waited,served,within_sl,abandoned,blocked,answered,failed,wait_s,busy_s,first_s,last_s\n");
    for (i, b) in o.batches.batches.iter().enumerate() {
        let _ = writeln!(
            csv,
            "{i},{},{},{},{},{},{},{},{},{},{},{},{}",
            b.arrived,
            b.waited,
            b.served,
            b.within_sl,
            b.abandoned,
            b.blocked,
            b.answered,
            b.failed,
            b.wait_s,
            b.busy_s,
            b.first_s,
            b.last_s
        );
    }
    w("batches.csv", &csv)?;
    let mut plots = Vec::new();
    if o.setup.count() > 0 {
        cdf_svg(&dir.join("setup_cdf.svg"), "Set-up time (click → bridge) CDF", &o.setup.cdf(), None)?;
        plots.push(("setup_cdf.svg", "Set-up time, click to bridge"));
    }
    if o.pdd.count() > 0 {
        cdf_svg(&dir.join("pdd_cdf.svg"), "Post-dial delay CDF", &o.pdd.cdf(), None)?;
        plots.push(("pdd_cdf.svg", "Post-dial delay"));
    }
    if let Some(a) = &o.summary.acd {
        if o.wait.count() > 0 {
            // Erlang C: P(W ≤ t) = 1 − C e^{−(c−A) t / h}.
            let theory: Option<Vec<(f64, f64)>> = a.theory.asa_s.and(a.theory.p_wait).map(|c| {
                let (n, load, h) = (f64::from(a.agents), a.offered_erlangs, a.handle_s);
                let xmax = o.wait.percentiles().max_ms.max(1.0);
                (0..=200)
                    .map(|i| {
                        let t = xmax * f64::from(i) / 200.0;
                        (t, 1.0 - c * (-(n - load) * t / 1000.0 / h).exp())
                    })
                    .collect()
            });
            cdf_svg(
                &dir.join("wait_cdf.svg"),
                "ACD wait (all served calls) against Erlang C",
                &o.wait.cdf(),
                theory.as_deref(),
            )?;
            plots.push(("wait_cdf.svg", "ACD wait against Erlang C"));
        }
    }
    let load: Vec<(f64, f64)> = o.load.iter().map(|(x, y)| (*x, *y as f64)).collect();
    if !load.is_empty() {
        line_svg(&dir.join("load.svg"), "Calls in progress over time", "simulated s", "calls", &load)?;
        plots.push(("load.svg", "Load over time"));
    }
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ainsim sim report</title>\
         <style>body{font-family:sans-serif;max-width:900px;margin:2em auto}pre{background:#f4f4f4;padding:1em}</style>\
         </head><body><h1>ainsim sim report</h1><pre>",
    );
    html.push_str(&escape(&text(&o.summary)));
    html.push_str("</pre>");
    for (file, title) in &plots {
        let svg = std::fs::read_to_string(dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let _ = write!(html, "<h2>{title}</h2>{svg}");
    }
    let _ = write!(html, "<h2>Summary (JSON)</h2><pre>{}</pre></body></html>", escape(&json));
    w("report.html", &html)?;
    let mut files = vec![
        "summary.json".into(),
        "setup_cdf.csv".into(),
        "wait_cdf.csv".into(),
        "load.csv".into(),
        "batches.csv".into(),
    ];
    files.extend(plots.iter().map(|(f, _)| (*f).to_owned()));
    files.push("report.html".into());
    Ok(files)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
