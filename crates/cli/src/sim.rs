//! `ainsim sim SCENARIO`: a research run (issue 5, docs/scenarios.md).
//!
//! Reads the scenario (with `--set KEY=VALUE` overrides and `--seed`),
//! runs it in the simulator through [`ainsim_sim::run`], and prints the
//! readable summary, or with `--json` the JSON summary; `--out DIR` also
//! writes the JSON, CSV series, SVG plots and an HTML report. A progress
//! bar shows on stderr only when stderr is a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use ainsim_sim::{report, Scenario};

use crate::codec::Failure;

/// What `ainsim sim` was asked.
pub(crate) struct SimArgs {
    pub scenario: PathBuf,
    pub set: Vec<String>,
    pub json: bool,
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
}

/// Runs the scenario and reports it.
///
/// # Errors
/// A bad scenario or override ([`Failure::BadInput`], exit 2), or a run
/// that could not be built or finished.
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
    let sc = Scenario::load(&a.scenario, &overrides).map_err(|e| Failure::BadInput(e.to_string()))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let total = sc.warmup() + sc.run.calls;
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} calls  {per_sec}  ETA {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut progress = |done: u64, _total: u64| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
    };
    let outcome = ainsim_sim::run(&sc, &mut progress).map_err(|e| Failure::Other(anyhow::anyhow!(e)))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if a.json {
        let j = serde_json::to_string_pretty(&outcome.summary).map_err(|e| Failure::Other(e.into()))?;
        crate::emit(format_args!("{j}"), true);
    } else {
        crate::emit(format_args!("{}", report::text(&outcome.summary)), false);
    }
    if let Some(dir) = &a.out {
        let files = report::write_out(dir, &outcome).map_err(|e| Failure::Other(anyhow::anyhow!(e)))?;
        if !a.json {
            crate::emit(format_args!("wrote {} in {}", files.join(", "), dir.display()), true);
        }
    }
    Ok(())
}
