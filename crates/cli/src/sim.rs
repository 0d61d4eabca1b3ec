//! `ainsim sim SCENARIO`: a research run (issue 5, docs/scenarios.md).
//!
//! Reads the scenario (with `--set KEY=VALUE` overrides and `--seed`),
//! runs it in the simulator through [`ainsim_sim::run_jobs`] (`--jobs N`
//! independent seeds on N threads, merged), and prints the readable
//! summary, or with `--json` the JSON summary; `--out DIR` also writes the
//! JSON, CSV series, SVG plots and an HTML report. `--sweep KEY=A..B` runs
//! the scenario at each value and prints a table (and with `--out`, a
//! curve). A progress bar shows on stderr only when stderr is a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use ainsim_sim::{report, sweep, Scenario};

use crate::codec::Failure;

/// What `ainsim sim` was asked.
pub(crate) struct SimArgs {
    pub scenario: PathBuf,
    pub set: Vec<String>,
    pub json: bool,
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    pub sweep: Option<String>,
    pub jobs: u32,
}

fn bar(total: u64, label: String) -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix} {bar:40} {pos}/{len} calls  {per_sec}  ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_prefix(label);
        b
    })
}

fn run_one(sc: &Scenario, jobs: u32, label: String) -> Result<ainsim_sim::Outcome, String> {
    let b = bar((sc.warmup() + sc.run.calls) * u64::from(jobs.max(1)), label);
    let mut progress = |done: u64, _total: u64| {
        if let Some(b) = &b {
            b.set_position(done);
        }
    };
    let o = ainsim_sim::run_jobs(sc, jobs, &mut progress);
    if let Some(b) = &b {
        b.finish_and_clear();
    }
    o
}

/// Runs the scenario (or the sweep) and reports it.
///
/// # Errors
/// A bad scenario, override or sweep ([`Failure::BadInput`], exit 2), or a
/// run that could not be built or finished.
pub(crate) fn sim(a: &SimArgs) -> Result<(), Failure> {
    let mut overrides = Vec::new();
    for s in &a.set {
        let Some((k, v)) = s.split_once('=') else {
            return Err(Failure::BadInput(format!("--set {s}: expected KEY=VALUE")));
        };
        overrides.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    if let Some(seed) = a.seed {
        overrides.push(("run.seed".into(), seed.to_string()));
    }
    if a.jobs == 0 || a.jobs > 256 {
        return Err(Failure::BadInput(format!("--jobs {}: must be 1 to 256", a.jobs)));
    }
    // The scenario as given must be good even when a sweep follows.
    let sc = Scenario::load(&a.scenario, &overrides).map_err(|e| Failure::BadInput(e.to_string()))?;
    let other = |e: String| Failure::Other(anyhow::anyhow!(e));
    if let Some(spec) = &a.sweep {
        let (key, values) = sweep::parse(spec).map_err(Failure::BadInput)?;
        let mut rows = Vec::new();
        for v in &values {
            let mut o = overrides.clone();
            o.push((key.clone(), v.clone()));
            let row = match Scenario::load(&a.scenario, &o) {
                // A value the scenario cannot run with (an unstable queue…) is a row, not the end.
                Err(e) => sweep::Row { value: v.clone(), summary: None, error: Some(e.to_string()) },
                Ok(s) => {
                    let out = run_one(&s, a.jobs, format!("{key}={v}")).map_err(other)?;
                    sweep::Row { value: v.clone(), summary: Some(out.summary), error: None }
                }
            };
            rows.push(row);
        }
        if a.json {
            let j = serde_json::to_string_pretty(&rows).map_err(|e| Failure::Other(e.into()))?;
            crate::emit(format_args!("{j}"), true);
        } else {
            crate::emit(format_args!("{}", sweep::table(&key, &rows)), false);
        }
        if let Some(dir) = &a.out {
            let files = sweep::write_out(dir, &key, &rows).map_err(other)?;
            if !a.json {
                crate::emit(format_args!("wrote {} in {}", files.join(", "), dir.display()), true);
            }
        }
        return Ok(());
    }
    let outcome = run_one(&sc, a.jobs, sc.name.clone()).map_err(other)?;
    if a.json {
        let j = serde_json::to_string_pretty(&outcome.summary).map_err(|e| Failure::Other(e.into()))?;
        crate::emit(format_args!("{j}"), true);
    } else {
        crate::emit(format_args!("{}", report::text(&outcome.summary)), false);
    }
    if let Some(dir) = &a.out {
        let files = report::write_out(dir, &outcome).map_err(other)?;
        if !a.json {
            crate::emit(format_args!("wrote {} in {}", files.join(", "), dir.display()), true);
        }
    }
    Ok(())
}
