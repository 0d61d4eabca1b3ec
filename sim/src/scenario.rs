//! Scenario files: what a research run simulates, read from TOML.
//!
//! A scenario names its kind (`acd`: click-to-call sessions queued by the
//! business's ACD; `trunk`: basic calls offered to one trunk group), the
//! run's size and seed, the traffic, and the ACD or trunk group. Every key
//! is documented in `docs/scenarios.md`.
//!
//! Contract: [`Scenario::parse`] refuses unknown keys, wrong types and
//! impossible values (a negative rate, zero agents, a warm-up longer than
//! the run…) with the file, the line and the key; `--set KEY=VALUE`
//! overrides ([`Scenario::parse_with`]) are checked the same way and named
//! `--set KEY` in errors. Nothing here runs anything.

use std::fmt;

use ainsim_business::Strategy;
use serde::{Deserialize, Serialize};

/// What is wrong with a scenario, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file, or `--set KEY` for an override.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The key, dotted (`acd.agents`).
    pub key: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.key, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// What a run simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Click-to-call sessions through the ACD, the access server, the ISCP and the SSPs.
    Acd,
    /// Basic calls from SSP-A's lines to SSP-B's over one trunk group.
    Trunk,
    /// A network day: basic calls with a destination mix (local, 800
    /// numbers translated by the ISCP, mobiles behind the MTSO) and
    /// click-to-call for each `[[business]]`.
    Network,
}

/// ITU or ANSI signalling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VariantName {
    #[default]
    Ansi,
    Itu,
}

/// How arrivals are spaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Arrivals {
    /// Exponential gaps (a Poisson process).
    #[default]
    Poisson,
    /// Equal gaps of 1/rate.
    Fixed,
}

/// A distribution of durations around a mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Dist {
    #[default]
    Exponential,
    /// Log-normal with the given mean and `holding_sigma` (σ of the log).
    Lognormal,
    Fixed,
}

/// `[run]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    pub kind: Kind,
    /// Calls measured (after the warm-up).
    pub calls: u64,
    /// Calls simulated first and not measured (default: a tenth of `calls`).
    #[serde(default)]
    pub warmup: Option<u64>,
    #[serde(default = "one")]
    pub seed: u64,
    #[serde(default)]
    pub variant: VariantName,
    /// Batches for the batch-means confidence intervals.
    #[serde(default = "twenty")]
    pub batches: u32,
}

fn one() -> u64 {
    1
}
fn twenty() -> u32 {
    20
}
fn sl_default() -> f64 {
    20.0
}

/// `[traffic]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    #[serde(default)]
    pub arrivals: Arrivals,
    /// Calls (sessions) per second: required for `acd`.
    #[serde(default)]
    pub arrivals_per_s: Option<f64>,
    /// Offered load in Erlangs: `trunk` (arrivals = erlangs / holding_s).
    #[serde(default)]
    pub erlangs: Option<f64>,
    /// The holding (talk) time's distribution; `acd` uses it for the handling time.
    #[serde(default)]
    pub holding: Dist,
    /// Mean holding time of a trunk call, seconds.
    #[serde(default)]
    pub holding_s: Option<f64>,
    /// σ of the log of a log-normal holding time.
    #[serde(default)]
    pub holding_sigma: Option<f64>,
    /// How long the called party lets it ring before answering, seconds.
    #[serde(default)]
    pub answer_delay_s: f64,
    /// `network`: share of basic calls dialled as 800 numbers.
    #[serde(default)]
    pub toll_free_share: f64,
    /// `network`: share of basic calls to mobiles.
    #[serde(default)]
    pub mobile_share: f64,
    /// Basic calls: probability that the called line is busy (it refuses
    /// the ringing call with cause 17; mobiles are never busy).
    #[serde(default)]
    pub p_busy: f64,
    /// Basic calls: probability that the called line lets it ring; the
    /// caller gives up after `no_answer_s`. Answer = 1 − p_busy − p_no_answer.
    #[serde(default)]
    pub p_no_answer: f64,
    /// How long a caller waits from dialling for an answer before giving up, seconds.
    #[serde(default = "thirty")]
    pub no_answer_s: f64,
}

fn thirty() -> f64 {
    30.0
}

/// `[[business]]` (`network` runs): one business's click-to-call and its ACD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessSpec {
    pub id: String,
    /// Clicks per second.
    pub arrivals_per_s: f64,
    pub agents: u32,
    pub handle_s: f64,
    #[serde(default)]
    pub patience_s: Option<f64>,
    #[serde(default = "sl_default")]
    pub sl_threshold_s: f64,
    #[serde(default)]
    pub strategy: Strategy,
    #[serde(default)]
    pub wrap_up_s: f64,
}

/// `[acd]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcdSpec {
    /// Identical representatives, each on a line of SSP-B.
    pub agents: u32,
    /// Mean handling (talk) time, seconds.
    pub handle_s: f64,
    /// Mean customer patience while queued, seconds (exponential); none = infinite.
    #[serde(default)]
    pub patience_s: Option<f64>,
    /// Service-level threshold, seconds.
    #[serde(default = "sl_default")]
    pub sl_threshold_s: f64,
    #[serde(default)]
    pub strategy: Strategy,
    #[serde(default)]
    pub wrap_up_s: f64,
}

/// `[trunk]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkSpec {
    pub circuits: u32,
}

/// `[links]`: one-way delays (milliseconds), and the SS7 links' jitter, loss and rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Links {
    #[serde(default = "two")]
    pub ss7_ms: f64,
    #[serde(default = "onef")]
    pub line_ms: f64,
    #[serde(default = "onef")]
    pub osn_ms: f64,
    /// Uniform jitter of every SS7 link, ± milliseconds.
    #[serde(default)]
    pub ss7_jitter_ms: f64,
    /// Probability that an SS7 link loses a frame (MSU).
    #[serde(default)]
    pub ss7_loss: f64,
    /// Signalling link rate, bit/s, for the link load in Erlangs.
    #[serde(default = "rate64k")]
    pub ss7_rate_bps: f64,
    /// Engineering limit of a signalling link's load, Erlangs.
    #[serde(default = "limit04")]
    pub load_limit: f64,
}

fn rate64k() -> f64 {
    64_000.0
}
fn limit04() -> f64 {
    0.4
}

/// `[[link]]`: one SS7 link's own latency, jitter or loss (all the links
/// between the two named elements).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub between: [String; 2],
    #[serde(default)]
    pub latency_ms: Option<f64>,
    #[serde(default)]
    pub jitter_ms: Option<f64>,
    #[serde(default)]
    pub loss: Option<f64>,
}

/// What a scheduled fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    /// The links between `between` go down (frames on them are lost).
    LinkDown,
    LinkUp,
    /// `element` crashes: its state is lost and frames to it are dropped.
    Crash,
    /// `element` restarts from its configuration.
    Restart,
    /// `elements` are cut off from every other element.
    Partition,
    /// Every partition ends.
    Heal,
}

/// `[[fault]]`: one fault at a time of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Simulated seconds since the start (arrivals begin at 1 s).
    pub at_s: f64,
    pub action: FaultAction,
    #[serde(default)]
    pub between: Option<[String; 2]>,
    #[serde(default)]
    pub element: Option<String>,
    #[serde(default)]
    pub elements: Option<Vec<String>>,
}

impl FaultSpec {
    /// `link_down SSP-B–STP-1`, `crash STP-1`…
    pub fn describe(&self) -> String {
        let what = match (&self.between, &self.element, &self.elements) {
            (Some([a, b]), _, _) if matches!(self.action, FaultAction::LinkDown | FaultAction::LinkUp) => {
                format!(" {a}–{b}")
            }
            (_, Some(e), _) if matches!(self.action, FaultAction::Crash | FaultAction::Restart) => {
                format!(" {e}")
            }
            (_, _, Some(v)) if self.action == FaultAction::Partition => format!(" {}", v.join(",")),
            _ => String::new(),
        };
        let action = serde_json::to_value(self.action).ok().and_then(|v| v.as_str().map(str::to_owned));
        format!("{}{what}", action.unwrap_or_default())
    }
}

fn two() -> f64 {
    2.0
}
fn onef() -> f64 {
    1.0
}

impl Default for Links {
    fn default() -> Self {
        Links {
            ss7_ms: 2.0,
            line_ms: 1.0,
            osn_ms: 1.0,
            ss7_jitter_ms: 0.0,
            ss7_loss: 0.0,
            ss7_rate_bps: 64_000.0,
            load_limit: 0.4,
        }
    }
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub run: Run,
    #[serde(default)]
    pub traffic: Traffic,
    #[serde(default)]
    pub acd: Option<AcdSpec>,
    #[serde(default)]
    pub trunk: Option<TrunkSpec>,
    #[serde(default)]
    pub business: Vec<BusinessSpec>,
    #[serde(default)]
    pub links: Links,
    /// Per-link latency, jitter or loss.
    #[serde(default)]
    pub link: Vec<LinkSpec>,
    /// Faults during the run.
    #[serde(default)]
    pub fault: Vec<FaultSpec>,
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(1, |s| s.matches('\n').count() + 1)
}

/// The line where dotted `key` (`acd.agents`) is set in `text`, if it is.
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let (section, leaf) = key.rsplit_once('.').unwrap_or(("", key));
    // `fault[2].at_s`: the third `[[fault]]` table.
    let (section, nth) = match section.strip_suffix(']').and_then(|s| s.split_once('[')) {
        Some((name, n)) => (name, n.parse::<usize>().ok()),
        None => (section, None),
    };
    // A key that names a whole array table (`fault[2]`): its header line.
    let (leaf, header_only) = match leaf.strip_suffix(']').and_then(|l| l.split_once('[')) {
        Some((name, n)) if section.is_empty() => (name, n.parse::<usize>().ok()),
        _ => (leaf, None),
    };
    let mut current = String::new();
    let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut index = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(rest) = line.strip_prefix('[') {
            current = rest.trim_start_matches('[').split(']').next().unwrap_or("").trim().to_owned();
            let n = seen.entry(current.clone()).or_insert(0);
            index = *n;
            *n += 1;
            if header_only.is_some_and(|h| h == index) && current == leaf {
                return Some(i + 1);
            }
            continue;
        }
        if current == section && nth.is_none_or(|n| n == index) && header_only.is_none() {
            if let Some((k, _)) = line.split_once('=') {
                if k.trim().trim_matches('"') == leaf {
                    return Some(i + 1);
                }
            }
        }
    }
    None
}

/// Sets dotted `key` in `table` to `value` (TOML syntax; a bare word is a string).
fn set_path(table: &mut toml::Table, key: &str, value: &str) -> Result<(), String> {
    let parsed: toml::Value = match format!("v = {value}").parse::<toml::Table>() {
        Ok(mut t) => t.remove("v").unwrap_or(toml::Value::String(value.into())),
        Err(_) => toml::Value::String(value.into()),
    };
    let mut parts: Vec<&str> = key.split('.').collect();
    let leaf = parts.pop().filter(|l| !l.is_empty()).ok_or("empty key")?;
    let mut t = table;
    for p in parts {
        if p.is_empty() {
            return Err("empty key segment".into());
        }
        let entry = t.entry(p.to_owned()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = match entry {
            toml::Value::Table(inner) => inner,
            _ => return Err(format!("{p} is not a table")),
        };
    }
    t.insert(leaf.to_owned(), parsed);
    Ok(())
}

impl Scenario {
    /// Reads a scenario file.
    ///
    /// # Errors
    /// The file cannot be read, or [`Scenario::parse_with`] refuses it.
    pub fn load(path: &std::path::Path, overrides: &[(String, String)]) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            file: file.clone(),
            line: None,
            key: String::new(),
            message: format!("cannot read: {e}"),
        })?;
        Scenario::parse_with(&text, &file, overrides)
    }

    /// Parses TOML text; `file` names it in errors.
    ///
    /// # Errors
    /// See [`Scenario::parse_with`].
    pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse_with(text, file, &[])
    }

    /// Parses TOML text, applies `KEY=VALUE` overrides, and checks the result.
    ///
    /// # Errors
    /// Bad TOML, an unknown or missing key, a wrong type, or an impossible
    /// value, with the file (or `--set KEY`), the line and the key.
    pub fn parse_with(
        text: &str,
        file: &str,
        overrides: &[(String, String)],
    ) -> Result<Scenario, ScenarioError> {
        let err = |line: Option<usize>, key: String, message: String| ScenarioError {
            file: file.to_owned(),
            line,
            key,
            message,
        };
        // First the file as written, so its errors carry its lines.
        let de = toml::Deserializer::parse(text).map_err(|e| {
            err(e.span().map(|s| line_of(text, s.start)), String::new(), e.message().to_owned())
        })?;
        let first: Result<Scenario, _> = serde_path_to_error::deserialize(de);
        if let Err(e) = first {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let line = inner.span().map(|s| line_of(text, s.start)).or_else(|| line_of_key(text, &key));
            return Err(err(line, if key == "." { String::new() } else { key }, inner.message().to_owned()));
        }
        let mut table: toml::Table =
            text.parse().map_err(|e: toml::de::Error| err(None, String::new(), e.message().to_owned()))?;
        for (k, v) in overrides {
            set_path(&mut table, k, v).map_err(|m| ScenarioError {
                file: format!("--set {k}"),
                line: None,
                key: k.clone(),
                message: m,
            })?;
        }
        let s: Scenario = serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let key = e.path().to_string();
            let over = overrides.iter().find(|(k, _)| key.starts_with(k.as_str()) || k.starts_with(&key));
            ScenarioError {
                file: over.map_or_else(|| "--set".to_owned(), |(k, _)| format!("--set {k}")),
                line: None,
                key,
                message: e.into_inner().message().trim().to_owned(),
            }
        })?;
        s.check().map_err(|(key, message)| match overrides.iter().find(|(k, _)| *k == key) {
            Some((k, _)) => ScenarioError { file: format!("--set {k}"), line: None, key, message },
            None => err(line_of_key(text, &key), key, message),
        })?;
        Ok(s)
    }

    /// Calls simulated before measuring.
    pub fn warmup(&self) -> u64 {
        self.run.warmup.unwrap_or(self.run.calls / 10)
    }

    /// The businesses whose clicks a run generates: `[acd]` as one
    /// business for `acd` runs, `[[business]]` for `network` runs.
    pub fn businesses(&self) -> Vec<BusinessSpec> {
        match (self.run.kind, &self.acd) {
            (Kind::Acd, Some(a)) => vec![BusinessSpec {
                id: "LAB".into(),
                arrivals_per_s: self.traffic.arrivals_per_s.unwrap_or(0.0),
                agents: a.agents,
                handle_s: a.handle_s,
                patience_s: a.patience_s,
                sl_threshold_s: a.sl_threshold_s,
                strategy: a.strategy,
                wrap_up_s: a.wrap_up_s,
            }],
            (Kind::Network, _) => self.business.clone(),
            _ => Vec::new(),
        }
    }

    /// Basic calls per second (`trunk` and `network`).
    pub fn basic_rate(&self) -> f64 {
        match self.run.kind {
            Kind::Acd => 0.0,
            Kind::Trunk => self.rate(),
            Kind::Network => self.traffic.arrivals_per_s.unwrap_or(0.0),
        }
    }

    /// Arrivals per second, whichever way the scenario gave them (all kinds together).
    pub fn rate(&self) -> f64 {
        match (self.run.kind, self.traffic.arrivals_per_s, self.traffic.erlangs, self.traffic.holding_s) {
            (Kind::Network, r, _, _) => {
                r.unwrap_or(0.0) + self.business.iter().map(|b| b.arrivals_per_s).sum::<f64>()
            }
            (_, Some(r), _, _) => r,
            (Kind::Trunk, None, Some(e), Some(h)) => e / h,
            _ => 0.0,
        }
    }

    /// The mean holding (talk) time, seconds.
    pub fn holding_s(&self) -> f64 {
        match (self.run.kind, &self.acd) {
            (Kind::Acd, Some(a)) => a.handle_s,
            _ => self.traffic.holding_s.unwrap_or(0.0),
        }
    }

    /// The elements of the generated network, by name (for `[[link]]` and `[[fault]]`).
    pub fn elements(&self) -> Vec<&'static str> {
        let mut v = vec!["SSP-A", "SSP-B", "STP-1", "STP-2"];
        if self.run.kind == Kind::Network || !self.businesses().is_empty() {
            v.extend(["ISCP", "IP", "ACCESS"]);
        }
        if self.run.kind == Kind::Network {
            v.push("MTSO");
        }
        v
    }

    /// Whether the driver needs its give-up timers (no answer, faults, loss).
    pub fn guarded(&self) -> bool {
        self.traffic.p_no_answer > 0.0
            || !self.fault.is_empty()
            || self.links.ss7_loss > 0.0
            || self.link.iter().any(|l| l.loss.is_some_and(|p| p > 0.0))
    }

    /// Checks `[traffic]` probabilities, `[links]`, `[[link]]` and `[[fault]]`.
    fn check_links_and_faults(&self) -> Result<(), (String, String)> {
        let t = &self.traffic;
        for (k, v) in [("traffic.p_busy", t.p_busy), ("traffic.p_no_answer", t.p_no_answer)] {
            if !(0.0..=1.0).contains(&v) {
                return Err((k.into(), format!("must be a probability between 0 and 1, not {v}")));
            }
        }
        if t.p_busy + t.p_no_answer > 1.0 {
            return Err(("traffic.p_no_answer".into(), "p_busy + p_no_answer is more than 1".into()));
        }
        if !(t.no_answer_s.is_finite() && t.no_answer_s > 0.0) {
            return Err((
                "traffic.no_answer_s".into(),
                format!("must be a positive number, not {}", t.no_answer_s),
            ));
        }
        if self.run.kind != Kind::Acd && t.answer_delay_s >= t.no_answer_s {
            return Err((
                "traffic.answer_delay_s".into(),
                format!(
                    "{} s is not less than traffic.no_answer_s ({} s): callers would give up on every call",
                    t.answer_delay_s, t.no_answer_s
                ),
            ));
        }
        let l = &self.links;
        let probability = |k: &str, v: f64| -> Result<(), (String, String)> {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err((k.to_owned(), format!("must be a probability from 0 up to (not including) 1, not {v}")))
            }
        };
        let non_negative = |k: &str, v: f64| -> Result<(), (String, String)> {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err((k.to_owned(), format!("must be zero or more, not {v}")))
            }
        };
        non_negative("links.ss7_jitter_ms", l.ss7_jitter_ms)?;
        probability("links.ss7_loss", l.ss7_loss)?;
        if !(l.ss7_rate_bps.is_finite() && l.ss7_rate_bps > 0.0) {
            return Err((
                "links.ss7_rate_bps".into(),
                format!("must be a positive number, not {}", l.ss7_rate_bps),
            ));
        }
        if !(l.load_limit > 0.0 && l.load_limit <= 1.0) {
            return Err((
                "links.load_limit".into(),
                format!("must be more than 0 and at most 1 Erlang, not {}", l.load_limit),
            ));
        }
        let names = self.elements();
        let known = |k: String, n: &str| -> Result<(), (String, String)> {
            if names.contains(&n) {
                Ok(())
            } else {
                Err((k, format!("no element {n:?} in this run's network (it has {})", names.join(", "))))
            }
        };
        for (i, x) in self.link.iter().enumerate() {
            let k = |f: &str| format!("link[{i}].{f}");
            known(k("between"), &x.between[0])?;
            known(k("between"), &x.between[1])?;
            if x.between[0] == x.between[1] {
                return Err((k("between"), "names the same element twice".into()));
            }
            if let Some(v) = x.latency_ms {
                non_negative(&k("latency_ms"), v)?;
            }
            if let Some(v) = x.jitter_ms {
                non_negative(&k("jitter_ms"), v)?;
            }
            if let Some(v) = x.loss {
                probability(&k("loss"), v)?;
            }
        }
        for (i, f) in self.fault.iter().enumerate() {
            let k = |x: &str| format!("fault[{i}].{x}");
            if !(f.at_s.is_finite() && f.at_s >= 0.0 && f.at_s <= 1e9) {
                return Err((k("at_s"), format!("must be a time from 0 to 1e9 s, not {}", f.at_s)));
            }
            let (needs, has) = match f.action {
                FaultAction::LinkDown | FaultAction::LinkUp => ("between", f.between.is_some()),
                FaultAction::Crash | FaultAction::Restart => ("element", f.element.is_some()),
                FaultAction::Partition => ("elements", f.elements.as_ref().is_some_and(|v| !v.is_empty())),
                FaultAction::Heal => ("", true),
            };
            if !has {
                return Err((k("action"), format!("{} needs `{needs}`", f.describe())));
            }
            let extra = [
                ("between", f.between.is_some() && needs != "between"),
                ("element", f.element.is_some() && needs != "element"),
                ("elements", f.elements.is_some() && needs != "elements"),
            ];
            if let Some((x, _)) = extra.iter().find(|(_, e)| *e) {
                return Err((k(x), format!("not used by {}", f.describe())));
            }
            if let Some([a, b]) = &f.between {
                known(k("between"), a)?;
                known(k("between"), b)?;
            }
            if let Some(e) = &f.element {
                known(k("element"), e)?;
                if e == "ACCESS" {
                    return Err((k("element"), "the access server is the driver's own front door: crash the ISCP, an SSP, an STP, the IP or the MTSO".into()));
                }
            }
            for e in f.elements.iter().flatten() {
                known(k("elements"), e)?;
                if ["SSP-A", "SSP-B", "MTSO", "ACCESS"].contains(&e.as_str()) {
                    // A partition cuts every link of its elements, the
                    // driver's lines and OSN link too: their lines would
                    // stay engaged for ever.
                    return Err((k("elements"), format!("{e} would be cut off from its own subscriber lines (the driver plays them): take its SS7 links down instead (link_down), or crash it")));
                }
            }
        }
        Ok(())
    }

    /// Checks values the types allow but a run cannot have: (key, what is wrong).
    fn check(&self) -> Result<(), (String, String)> {
        self.check_links_and_faults()?;
        let bad = |k: &str, m: &str| Err((k.to_owned(), m.to_owned()));
        let positive = |k: &str, v: f64| -> Result<(), (String, String)> {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err((k.to_owned(), format!("must be a positive number, not {v}")))
            }
        };
        let non_negative = |k: &str, v: f64| -> Result<(), (String, String)> {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err((k.to_owned(), format!("must be zero or more, not {v}")))
            }
        };
        if self.run.calls == 0 {
            return bad("run.calls", "must be at least 1");
        }
        if self.run.calls > 1_000_000_000 {
            return bad("run.calls", "more than 1e9 calls is not a run that ends");
        }
        if self.run.batches < 2 {
            return bad("run.batches", "needs at least 2 batches for a confidence interval");
        }
        if u64::from(self.run.batches) > self.run.calls {
            return bad("run.batches", "more batches than calls");
        }
        for (k, v) in [
            ("links.ss7_ms", self.links.ss7_ms),
            ("links.line_ms", self.links.line_ms),
            ("links.osn_ms", self.links.osn_ms),
        ] {
            non_negative(k, v)?;
        }
        non_negative("traffic.answer_delay_s", self.traffic.answer_delay_s)?;
        if let Some(s) = self.traffic.holding_sigma {
            positive("traffic.holding_sigma", s)?;
        }
        if let Some(r) = self.traffic.arrivals_per_s {
            positive("traffic.arrivals_per_s", r)?;
        }
        if let Some(e) = self.traffic.erlangs {
            positive("traffic.erlangs", e)?;
        }
        if let Some(h) = self.traffic.holding_s {
            positive("traffic.holding_s", h)?;
        }
        match self.run.kind {
            Kind::Acd => {
                let Some(a) = &self.acd else { return bad("acd", "run.kind = \"acd\" needs an [acd] table") };
                if self.traffic.arrivals_per_s.is_none() {
                    return bad("traffic.arrivals_per_s", "an acd run needs an arrival rate");
                }
                if a.agents == 0 {
                    return bad("acd.agents", "zero agents cannot take the arrivals");
                }
                if a.agents > 1_800 {
                    return bad("acd.agents", "at most 1800 agents (the generated trunk group has 2 circuits per agent, at most 4000)");
                }
                positive("acd.handle_s", a.handle_s)?;
                if let Some(p) = a.patience_s {
                    positive("acd.patience_s", p)?;
                }
                non_negative("acd.sl_threshold_s", a.sl_threshold_s)?;
                non_negative("acd.wrap_up_s", a.wrap_up_s)?;
                let load = self.rate() * (a.handle_s + a.wrap_up_s);
                if a.patience_s.is_none() && load >= f64::from(a.agents) {
                    return bad(
                        "traffic.arrivals_per_s",
                        &format!(
                            "offered load {load:.2} Erlangs with {} agents and no abandonment: the queue grows without end (set acd.patience_s or more agents)",
                            a.agents
                        ),
                    );
                }
            }
            Kind::Network => {
                let Some(t) = &self.trunk else {
                    return bad("trunk", "run.kind = \"network\" needs a [trunk] table");
                };
                if t.circuits == 0 || t.circuits > 2000 {
                    return bad("trunk.circuits", "must be 1 to 2000");
                }
                if self.traffic.holding_s.is_none() {
                    return bad("traffic.holding_s", "a network run needs a mean holding time");
                }
                let (tf, mo) = (self.traffic.toll_free_share, self.traffic.mobile_share);
                for (k, v) in [("traffic.toll_free_share", tf), ("traffic.mobile_share", mo)] {
                    if !(0.0..=1.0).contains(&v) {
                        return bad(k, "must be a share between 0 and 1");
                    }
                }
                if tf + mo > 1.0 {
                    return bad("traffic.mobile_share", "toll_free_share + mobile_share is more than 1");
                }
                if self.business.len() > 8 {
                    return bad("business", "at most 8 businesses");
                }
                let mut ids = std::collections::BTreeSet::new();
                for (i, b) in self.business.iter().enumerate() {
                    let k = |f: &str| format!("business[{i}].{f}");
                    if b.id.is_empty()
                        || !b.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        || !ids.insert(b.id.clone())
                    {
                        return Err((
                            k("id"),
                            format!("{:?} must be a unique name of letters, digits and -", b.id),
                        ));
                    }
                    positive(&k("arrivals_per_s"), b.arrivals_per_s)?;
                    positive(&k("handle_s"), b.handle_s)?;
                    if b.agents == 0 || b.agents > 400 {
                        return Err((k("agents"), "must be 1 to 400".into()));
                    }
                    if let Some(p) = b.patience_s {
                        positive(&k("patience_s"), p)?;
                    }
                    non_negative(&k("sl_threshold_s"), b.sl_threshold_s)?;
                    non_negative(&k("wrap_up_s"), b.wrap_up_s)?;
                    let load = b.arrivals_per_s * (b.handle_s + b.wrap_up_s);
                    if b.patience_s.is_none() && load >= f64::from(b.agents) {
                        return Err((k("arrivals_per_s"), format!("offered load {load:.2} Erlangs with {} agents and no abandonment: the queue grows without end", b.agents)));
                    }
                }
                if self.basic_rate() <= 0.0 && self.business.is_empty() {
                    return bad(
                        "traffic.arrivals_per_s",
                        "a network run needs basic calls or a [[business]]",
                    );
                }
            }
            Kind::Trunk => {
                let Some(t) = &self.trunk else {
                    return bad("trunk", "run.kind = \"trunk\" needs a [trunk] table");
                };
                if t.circuits == 0 || t.circuits > 4000 {
                    return bad("trunk.circuits", "must be 1 to 4000");
                }
                if self.traffic.holding_s.is_none() {
                    return bad("traffic.holding_s", "a trunk run needs a mean holding time");
                }
                if self.traffic.erlangs.is_none() && self.traffic.arrivals_per_s.is_none() {
                    return bad(
                        "traffic.erlangs",
                        "a trunk run needs traffic.erlangs or traffic.arrivals_per_s",
                    );
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ACD: &str = "[run]\nkind = \"acd\"\ncalls = 1000\n\n[traffic]\narrivals_per_s = 0.1\n\n[acd]\nagents = 10\nhandle_s = 60\n";

    #[test]
    fn a_minimal_acd_scenario_reads() {
        let s = Scenario::parse(ACD, "a.toml").unwrap();
        assert_eq!(s.acd.as_ref().unwrap().agents, 10);
        assert_eq!(s.warmup(), 100);
        assert_eq!(s.run.seed, 1);
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let e = Scenario::parse(&ACD.replace("agents = 10", "agentz = 10"), "a.toml").unwrap_err();
        assert_eq!(e.file, "a.toml");
        assert_eq!(e.line, Some(9), "{e}");
        assert!(e.message.contains("agentz"), "{e}");
    }

    #[test]
    fn a_wrong_type_is_named_with_its_key_and_line() {
        let e = Scenario::parse(&ACD.replace("calls = 1000", "calls = \"many\""), "a.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(3), "run.calls"), "{e}");
    }

    #[test]
    fn impossible_values_are_refused_before_the_run() {
        let e = Scenario::parse(&ACD.replace("0.1", "-0.1"), "a.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(6), "traffic.arrivals_per_s"), "{e}");
        let e = Scenario::parse(&ACD.replace("agents = 10", "agents = 0"), "a.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(9), "acd.agents"), "{e}");
        let e = Scenario::parse(&ACD.replace("0.1", "0.5"), "a.toml").unwrap_err();
        assert!(e.message.contains("without end"), "{e}");
    }

    #[test]
    fn overrides_set_any_scalar_and_are_checked_the_same_way() {
        let set = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        let s = Scenario::parse_with(ACD, "a.toml", &set("acd.patience_s", "30")).unwrap();
        assert_eq!(s.acd.unwrap().patience_s, Some(30.0));
        let s = Scenario::parse_with(ACD, "a.toml", &set("acd.strategy", "round_robin")).unwrap();
        assert_eq!(s.acd.unwrap().strategy, Strategy::RoundRobin);
        let e = Scenario::parse_with(ACD, "a.toml", &set("acd.agents", "-3")).unwrap_err();
        assert_eq!(e.file, "--set acd.agents", "{e}");
        let e = Scenario::parse_with(ACD, "a.toml", &set("acd.agents", "0")).unwrap_err();
        assert_eq!((e.file.as_str(), e.key.as_str()), ("--set acd.agents", "acd.agents"), "{e}");
        let e = Scenario::parse_with(ACD, "a.toml", &set("acd.colour", "1")).unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
    }

    const TRUNK: &str = "[run]\nkind = \"trunk\"\ncalls = 1000\n\n[traffic]\nerlangs = 8\nholding_s = 100\n\n[trunk]\ncircuits = 10\n";

    #[test]
    fn probabilities_are_checked_with_their_line() {
        let e = Scenario::parse(&TRUNK.replace("holding_s = 100", "holding_s = 100\np_busy = 1.5"), "t.toml")
            .unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(8), "traffic.p_busy"), "{e}");
        let e = Scenario::parse(
            &TRUNK.replace("holding_s = 100", "holding_s = 100\np_busy = 0.6\np_no_answer = 0.6"),
            "t.toml",
        )
        .unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(9), "traffic.p_no_answer"), "{e}");
        let e = Scenario::parse(&format!("{TRUNK}\n[links]\nss7_loss = 1.0\n"), "t.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(13), "links.ss7_loss"), "{e}");
    }

    #[test]
    fn faults_are_read_and_bad_ones_named_with_their_entry_and_line() {
        let faults = "\n[[fault]]\nat_s = 60\naction = \"link_down\"\nbetween = [\"SSP-B\", \"STP-1\"]\n\n[[fault]]\nat_s = 120\naction = \"crash\"\nelement = \"STP-9\"\n";
        let e = Scenario::parse(&format!("{TRUNK}{faults}"), "t.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(20), "fault[1].element"), "{e}");
        assert!(e.message.contains("STP-9") && e.message.contains("STP-2"), "{e}");
        let s = Scenario::parse(&format!("{TRUNK}{}", faults.replace("STP-9", "STP-2")), "t.toml").unwrap();
        assert_eq!(s.fault.len(), 2);
        assert_eq!(s.fault[0].describe(), "link_down SSP-B–STP-1");
        assert!(s.guarded());
        let e = Scenario::parse(&format!("{TRUNK}{}", faults.replace("element = \"STP-9\"", "")), "t.toml")
            .unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(19), "fault[1].action"), "{e}");
        let e = Scenario::parse(&format!("{TRUNK}{}", faults.replace("at_s = 120", "at_s = -1")), "t.toml")
            .unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(18), "fault[1].at_s"), "{e}");
        let e = Scenario::parse(&format!("{TRUNK}{}", faults.replace("\"crash\"", "\"explode\"")), "t.toml")
            .unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(19), "fault[1].action"), "{e}");
        let e = Scenario::parse(
            &format!(
                "{TRUNK}\n[[fault]]\nat_s = 5\naction = \"partition\"\nelements = [\"STP-1\", \"SSP-B\"]\n"
            ),
            "t.toml",
        )
        .unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (Some(15), "fault[0].elements"), "{e}");
        // The ACD's network has no MTSO.
        let e = Scenario::parse(&format!("{ACD}{}", faults.replace("STP-9", "MTSO")), "a.toml").unwrap_err();
        assert_eq!(e.key, "fault[1].element", "{e}");
    }
}
