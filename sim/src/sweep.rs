//! Sweeps: one scenario run at each value of one key (`--sweep
//! acd.agents=10..20`), summed up as a table and a curve against theory.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::metrics::Estimate;
use crate::run::Summary;

/// The values of a sweep: `A..B` (integers, step 1), `A..B/STEP`, or `a,b,c`.
///
/// # Errors
/// Not one of those forms, a bound that is not a number, or more than 1000 values.
pub fn parse(spec: &str) -> Result<(String, Vec<String>), String> {
    let (key, range) = spec.split_once('=').ok_or_else(|| format!("--sweep {spec}: expected KEY=A..B"))?;
    let key = key.trim().to_owned();
    let range = range.trim();
    let bad = |why: &str| format!("--sweep {spec}: {why}");
    if range.contains(',') {
        return Ok((key, range.split(',').map(|v| v.trim().to_owned()).collect()));
    }
    let (ab, step) = match range.split_once('/') {
        Some((ab, st)) => (ab, Some(st.trim().parse::<f64>().map_err(|_| bad("the step is not a number"))?)),
        None => (range, None),
    };
    let (a, b) = ab.split_once("..").ok_or_else(|| bad("expected A..B, A..B/STEP or a,b,c"))?;
    let (a, b) = (a.trim(), b.trim());
    if step.is_none() {
        if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
            if y < x || y.checked_sub(x).is_none_or(|n| n > 1000) {
                return Err(bad("B must be at least A, and at most 1000 values"));
            }
            return Ok((key, (x..=y).map(|v| v.to_string()).collect()));
        }
    }
    let (x, y) = (
        a.parse::<f64>().map_err(|_| bad("A is not a number"))?,
        b.parse::<f64>().map_err(|_| bad("B is not a number"))?,
    );
    let st = step.unwrap_or(1.0);
    if !(st.is_finite() && st > 0.0 && y >= x && ((y - x) / st) <= 1000.0) {
        return Err(bad("needs A ≤ B, a positive step and at most 1000 values"));
    }
    let n = ((y - x) / st + 1e-9).floor() as u64;
    Ok((key, (0..=n).map(|i| format!("{}", ((x + st * i as f64) * 1e9).round() / 1e9)).collect()))
}

/// One value of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The figures a row is plotted and tabled by: (name, measured, theory).
pub fn figures(s: &Summary) -> Vec<(&'static str, Estimate, Option<f64>)> {
    if let Some(a) = &s.acd {
        vec![
            ("p_wait", a.p_wait, a.theory.p_wait),
            ("asa_s", a.asa_s, a.theory.asa_s),
            ("service_level", a.service_level, a.theory.service_level),
            ("abandon_rate", a.abandon_rate, a.theory.abandon_rate),
            ("occupancy", a.occupancy, a.theory.occupancy),
        ]
    } else if let Some(t) = &s.trunk {
        vec![("blocking", t.blocking, t.theory.blocking)]
    } else {
        Vec::new()
    }
}

fn th(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

/// The table.
pub fn table(key: &str, rows: &[Row]) -> String {
    let mut t = String::new();
    let names: Vec<&str> = rows
        .iter()
        .find_map(|r| r.summary.as_ref())
        .map(|s| figures(s).iter().map(|f| f.0).collect())
        .unwrap_or_default();
    let _ = write!(t, "{key:>14}");
    for n in &names {
        let _ = write!(t, " {:>22} {:>8}", format!("{n} (95% CI)"), "theory");
    }
    t.push('\n');
    for r in rows {
        let _ = write!(t, "{:>14}", r.value);
        match (&r.summary, &r.error) {
            (Some(s), _) => {
                for (_, m, x) in figures(s) {
                    let _ = write!(t, " {:>22} {:>8}", format!("{:.4} ± {:.4}", m.value, m.ci95), th(x));
                }
            }
            (None, Some(e)) => {
                let _ = write!(t, "  refused: {e}");
            }
            _ => {}
        }
        t.push('\n');
    }
    t
}

/// Writes sweep.json, sweep.csv, sweep.svg (the first figure against
/// theory, with its intervals) and report.html into `dir`.
///
/// # Errors
/// A file cannot be written.
pub fn write_out(dir: &Path, key: &str, rows: &[Row]) -> Result<Vec<String>, String> {
    use plotters::prelude::*;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let w = |name: &str, body: &str| std::fs::write(dir.join(name), body).map_err(|e| format!("{name}: {e}"));
    let json = serde_json::to_string_pretty(rows).map_err(|e| e.to_string())?;
    w("sweep.json", &json)?;
    let mut csv = key.to_owned();
    let names: Vec<&str> = rows
        .iter()
        .find_map(|r| r.summary.as_ref())
        .map(|s| figures(s).iter().map(|f| f.0).collect())
        .unwrap_or_default();
    for n in &names {
        let _ = write!(csv, ",{n},{n}_ci95,{n}_theory");
    }
    csv.push('\n');
    let mut points: Vec<(f64, Estimate, Option<f64>)> = Vec::new();
    for r in rows {
        let Some(s) = &r.summary else { continue };
        let _ = write!(csv, "{}", r.value);
        let f = figures(s);
        for (_, m, x) in &f {
            let _ = write!(csv, ",{},{},{}", m.value, m.ci95, x.map_or(String::new(), |v| v.to_string()));
        }
        csv.push('\n');
        if let (Ok(v), Some(first)) = (r.value.parse::<f64>(), f.first()) {
            points.push((v, first.1, first.2));
        }
    }
    w("sweep.csv", &csv)?;
    let name = names.first().copied().unwrap_or("value");
    let path = dir.join("sweep.svg");
    crate::svg_and_png!(dir, "sweep", curve(name, key, &points));
    let svg = std::fs::read_to_string(&path).map_err(|e| format!("sweep.svg: {e}"))?;
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ainsim sim sweep</title>\
         <style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}pre{{background:#f4f4f4;padding:1em;overflow-x:auto}}</style>\
         </head><body><h1>Sweep of {key}</h1>{svg}<p><a href=\"sweep.png\">sweep.png</a></p><pre>{}</pre></body></html>",
        table(key, rows).replace('&', "&amp;").replace('<', "&lt;")
    );
    w("report.html", &html)?;
    Ok(vec![
        "sweep.json".into(),
        "sweep.csv".into(),
        "sweep.svg".into(),
        "sweep.png".into(),
        "report.html".into(),
    ])
}

/// The sweep's curve: the first figure with its intervals, and theory.
fn curve<DB: plotters::prelude::DrawingBackend>(
    root: plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    name: &str,
    key: &str,
    points: &[(f64, Estimate, Option<f64>)],
) -> Result<(), String> {
    use plotters::prelude::*;
    let e = |e: &dyn std::fmt::Display| format!("plot: {e}");
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let (x0, x1) =
        points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (x0, x1) = if x0.is_finite() && x1 > x0 { (x0, x1) } else { (0.0, 1.0) };
    let ymax =
        points.iter().map(|p| (p.1.value + p.1.ci95).max(p.2.unwrap_or(0.0))).fold(1e-9, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{name} against {key}"), ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x0..x1, 0.0..ymax)
        .map_err(|x| e(&x))?;
    chart.configure_mesh().x_desc(key).y_desc(name).draw().map_err(|x| e(&x))?;
    chart
        .draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1.value)), &BLUE))
        .map_err(|x| e(&x))?
        .label("measured (95% CI)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(points.iter().map(|p| {
            ErrorBar::new_vertical(
                p.0,
                p.1.value - p.1.ci95,
                p.1.value,
                p.1.value + p.1.ci95,
                BLUE.filled(),
                6,
            )
        }))
        .map_err(|x| e(&x))?;
    let theory: Vec<(f64, f64)> = points.iter().filter_map(|p| p.2.map(|t| (p.0, t))).collect();
    if !theory.is_empty() {
        chart
            .draw_series(LineSeries::new(theory, &RED))
            .map_err(|x| e(&x))?
            .label("theory")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    }
    chart.configure_series_labels().background_style(WHITE).border_style(BLACK).draw().map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sweep_specs_read() {
        assert_eq!(
            parse("acd.agents=10..12").unwrap(),
            ("acd.agents".into(), vec!["10".into(), "11".into(), "12".into()])
        );
        assert_eq!(parse("traffic.erlangs=4..5/0.5").unwrap().1, vec!["4", "4.5", "5"]);
        assert_eq!(parse("acd.strategy=random,round_robin").unwrap().1, vec!["random", "round_robin"]);
        assert!(parse("acd.agents=12..10").is_err());
        assert!(parse("acd.agents").is_err());
        assert!(parse("acd.agents=1..x").is_err());
    }
}
