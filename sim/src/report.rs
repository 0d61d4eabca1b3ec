//! What a run prints and writes: the readable summary, and with `--out DIR`
//! the JSON summary, CSV series, plots as SVG and PNG, and one
//! self-contained HTML report that shows them.
//!
//! Plots are drawn once per backend (plotters' SVG and bitmap backends);
//! text is laid out and rasterised with a bundled font (DejaVu Sans, through
//! plotters' `ab_glyph` feature), so a machine without system fonts draws
//! the same pictures (docs/decisions.md).

use std::fmt::Write as _;
use std::path::Path;

use plotters::coord::Shift;
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
    let m = &s.cause_mix;
    if m.attempted > 0 {
        let _ = writeln!(
            t,
            "  basic calls: {} attempted: answered {}, busy {}, no answer {}, congestion {}, timeouts {}, other {}",
            m.attempted, m.answered, m.busy, m.no_answer, m.congestion, m.timeouts, m.other
        );
        let _ = writeln!(
            t,
            "    shares: answer {}, busy {}, no answer {}",
            est(&m.answer_share),
            est(&m.busy_share),
            est(&m.no_answer_share)
        );
    }
    for f in &s.faults {
        let _ = writeln!(t, "  fault at {:.0} s: {}", f.at_s, f.fault);
    }
    let lf = &s.lost_frames;
    if lf.random + lf.link_down + lf.crashed + lf.partition > 0 {
        let _ = writeln!(
            t,
            "  frames lost: {} at random, {} on links down, {} to crashed elements, {} across partitions",
            lf.random, lf.link_down, lf.crashed, lf.partition
        );
    }
    let ss7: Vec<_> = s.links.iter().filter(|l| l.kind == "ss7").collect();
    if let Some(top) = ss7.iter().max_by(|a, b| a.erlangs.total_cmp(&b.erlangs)) {
        let _ = writeln!(
            t,
            "  SS7 link load over {:.0}-{:.0} s: busiest {}-{} {:.4} E; {} of {} links above the {} E limit",
            s.window_s.0,
            s.window_s.1,
            top.a,
            top.b,
            top.erlangs,
            s.links_over_limit,
            ss7.len(),
            s.link_load_limit
        );
        for l in ss7.iter().filter(|l| l.over_limit) {
            let _ = writeln!(t, "    OVER LIMIT: {}-{} {:.4} E", l.a, l.b, l.erlangs);
        }
    }
    if !s.elements.is_empty() {
        let busy: Vec<String> = s
            .elements
            .iter()
            .filter(|e| e.frames > 0)
            .map(|e| format!("{} {:.1} f/s {:.2} c/s", e.name, e.frames_per_s, e.calls_per_s))
            .collect();
        let _ = writeln!(t, "  elements: {}", busy.join("; "));
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

/// DejaVu Sans (Bitstream Vera licence, sim/fonts/LICENSE-DejaVu.txt).
static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// Registers the bundled font as plotters' "sans-serif" (once).
pub fn fonts() -> Result<(), String> {
    static ONCE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .map_err(|_| "plot: the bundled font does not load".to_owned())
    })
    .clone()
}

/// Plot size, pixels.
pub const SIZE: (u32, u32) = (720, 420);

/// Draws `draw` into `stem.svg` and `stem.png` in `dir`.
#[macro_export]
#[doc(hidden)]
macro_rules! svg_and_png {
    ($dir:expr, $stem:expr, $draw:ident ( $($arg:expr),* $(,)? )) => {{
        $crate::report::fonts()?;
        let svg = $dir.join(format!("{}.svg", $stem));
        let png = $dir.join(format!("{}.png", $stem));
        $draw(plotters::prelude::SVGBackend::new(&svg, $crate::report::SIZE).into_drawing_area(), $($arg),*)?;
        $draw(plotters::prelude::BitMapBackend::new(&png, $crate::report::SIZE).into_drawing_area(), $($arg),*)?;
    }};
}

/// A CDF line plot (x in ms) with an optional theory curve.
fn cdf<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    data: &[(f64, f64)],
    theory: Option<&[(f64, f64)]>,
) -> Result<(), String> {
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

/// A line over time, with the faults marked: (seconds, label) as red verticals.
pub fn line<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    xdesc: &str,
    ydesc: &str,
    data: &[(f64, f64)],
    marks: &[(f64, String)],
) -> Result<(), String> {
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
    for (k, (t, label)) in marks.iter().enumerate().filter(|(_, m)| m.0 >= x0 && m.0 <= x1) {
        chart.draw_series(LineSeries::new([(*t, 0.0), (*t, ymax)], RED.stroke_width(2))).map_err(plot_err)?;
        // Labels step down so that faults close in time stay readable.
        let y = ymax * (0.95 - 0.07 * (k % 6) as f64);
        chart
            .draw_series(std::iter::once(Text::new(
                format!(" {label}"),
                (*t, y),
                ("sans-serif", 12).into_font().color(&RED),
            )))
            .map_err(plot_err)?;
    }
    root.present().map_err(plot_err)
}

/// Each SS7 link's load over time against the engineering limit.
fn link_load<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    series: &[(String, Vec<(f64, f64)>)],
    limit: f64,
    marks: &[(f64, String)],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(plot_err)?;
    let pts = series.iter().flat_map(|s| s.1.iter());
    let (x0, x1) = pts.clone().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (x0, x1) = if x0.is_finite() && x1 > x0 { (x0, x1) } else { (0.0, 1.0) };
    let ymax = pts.map(|p| p.1).fold(limit, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption("Signalling link load (busier direction)", ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x0..x1, 0.0..ymax)
        .map_err(plot_err)?;
    chart.configure_mesh().x_desc("simulated s").y_desc("Erlangs").draw().map_err(plot_err)?;
    for (i, (name, data)) in series.iter().enumerate() {
        let c = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(data.iter().copied(), c))
            .map_err(plot_err)?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c));
    }
    chart
        .draw_series(LineSeries::new([(x0, limit), (x1, limit)], RED.stroke_width(2)))
        .map_err(plot_err)?
        .label(format!("engineering limit {limit} E"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    for (t, _) in marks.iter().filter(|m| m.0 >= x0 && m.0 <= x1) {
        chart.draw_series(LineSeries::new([(*t, 0.0), (*t, ymax)], RED.mix(0.4))).map_err(plot_err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 10))
        .draw()
        .map_err(plot_err)?;
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
    let mut csv = String::from("batch,arrived,waited,served,within_sl,abandoned,blocked,answered,failed,wait_s,busy_s,first_s,last_s,busy,no_answer,timeouts\n");
    for (i, b) in o.batches.batches.iter().enumerate() {
        let _ = writeln!(
            csv,
            "{i},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
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
            b.last_s,
            b.busy,
            b.no_answer,
            b.timeouts
        );
    }
    w("batches.csv", &csv)?;
    let n = &o.net;
    let mut csv = String::from("seconds,in_progress,acd_queue,events_queued,answered,failed\n");
    for x in &n.samples {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{}",
            x.t_s, x.in_progress, x.acd_queue, x.events_queued, x.answered, x.failed
        );
    }
    w("series.csv", &csv)?;
    let mut csv = String::from("seconds,element,frames_per_s,calls_per_s,in_flight_to_it\n");
    for (si, ei, f, c, q) in &n.element_samples {
        let t = n.samples.get(*si as usize).map_or(0.0, |x| x.t_s);
        let name = n.element_names.get(usize::from(*ei)).map_or("?", String::as_str);
        let _ = writeln!(csv, "{t},{name},{f},{c},{q}");
    }
    w("elements.csv", &csv)?;
    let mut csv = String::from("seconds,link,erlangs_ab,erlangs_ba,in_flight\n");
    for (si, li, ab, ba, q) in &n.link_samples {
        let t = n.samples.get(*si as usize).map_or(0.0, |x| x.t_s);
        let name = n.link_names.get(usize::from(*li)).map_or("?", String::as_str);
        let _ = writeln!(csv, "{t},{name},{ab},{ba},{q}");
    }
    w("links.csv", &csv)?;
    let marks: Vec<(f64, String)> = o.summary.faults.iter().map(|f| (f.at_s, f.fault.clone())).collect();
    let mut plots = Vec::new();
    if o.setup.count() > 0 {
        svg_and_png!(dir, "setup_cdf", cdf("Set-up time (click → bridge) CDF", &o.setup.cdf(), None));
        plots.push(("setup_cdf", "Set-up time, click to bridge"));
    }
    if o.pdd.count() > 0 {
        svg_and_png!(dir, "pdd_cdf", cdf("Post-dial delay CDF", &o.pdd.cdf(), None));
        plots.push(("pdd_cdf", "Post-dial delay"));
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
            let wait = o.wait.cdf();
            svg_and_png!(
                dir,
                "wait_cdf",
                cdf("ACD wait (all served calls) against Erlang C", &wait, theory.as_deref())
            );
            plots.push(("wait_cdf", "ACD wait against Erlang C"));
        }
    }
    let load: Vec<(f64, f64)> = o.load.iter().map(|(x, y)| (*x, *y as f64)).collect();
    if !load.is_empty() {
        let title = if marks.is_empty() {
            "Calls in progress over time"
        } else {
            "Calls in progress over time, faults in red"
        };
        svg_and_png!(dir, "load", line(title, "simulated s", "calls", &load, &marks));
        plots.push(("load", "Load over time"));
    }
    // Each SS7 link's load per sample, the busiest eight.
    let mut per_link: Vec<(String, Vec<(f64, f64)>)> =
        n.link_names.iter().map(|name| (name.clone(), Vec::new())).collect();
    for (si, li, ab, ba, _) in &n.link_samples {
        let t = n.samples.get(*si as usize).map_or(0.0, |x| x.t_s);
        if let Some(v) = per_link.get_mut(usize::from(*li)) {
            v.1.push((t, ab.max(*ba)));
        }
    }
    let ss7: std::collections::BTreeSet<String> =
        o.summary.links.iter().filter(|l| l.kind == "ss7").map(|l| format!("{}-{}", l.a, l.b)).collect();
    per_link.retain(|(name, v)| ss7.contains(name) && v.iter().any(|p| p.1 > 0.0));
    per_link.sort_by(|a, b| {
        let m = |v: &[(f64, f64)]| v.iter().map(|p| p.1).fold(0.0, f64::max);
        m(&b.1).total_cmp(&m(&a.1))
    });
    per_link.truncate(8);
    if !per_link.is_empty() {
        svg_and_png!(dir, "link_load", link_load(&per_link, o.summary.link_load_limit, &marks));
        plots.push(("link_load", "Signalling link load against the engineering limit"));
    }
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ainsim sim report</title>\
         <style>body{font-family:sans-serif;max-width:900px;margin:2em auto}pre{background:#f4f4f4;padding:1em}</style>\
         </head><body><h1>ainsim sim report</h1><pre>",
    );
    html.push_str(&escape(&text(&o.summary)));
    html.push_str("</pre>");
    for (stem, title) in &plots {
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg")))
            .map_err(|e| format!("{stem}.svg: {e}"))?;
        let _ = write!(html, "<h2>{title}</h2>{svg}<p><a href=\"{stem}.png\">{stem}.png</a></p>");
    }
    let _ = write!(html, "<h2>Summary (JSON)</h2><pre>{}</pre></body></html>", escape(&json));
    w("report.html", &html)?;
    let mut files = vec![
        "summary.json".into(),
        "setup_cdf.csv".into(),
        "wait_cdf.csv".into(),
        "load.csv".into(),
        "batches.csv".into(),
        "series.csv".into(),
        "elements.csv".into(),
        "links.csv".into(),
    ];
    for (stem, _) in &plots {
        files.push(format!("{stem}.svg"));
        files.push(format!("{stem}.png"));
    }
    files.push("report.html".into());
    Ok(files)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
