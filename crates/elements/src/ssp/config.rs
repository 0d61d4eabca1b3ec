//! The SSP's configuration: signalling point, subscriber lines, numbering
//! plan, trunk groups and ISUP timers. Everything is serde (TOML or JSON in a
//! topology file); durations are written in humane units (`"15s"`,
//! `"500ms"`, `"5min"`, or a bare integer of milliseconds).

use std::time::Duration;

use ainsim_wire::{PointCode, Variant};

use crate::core::Port;

/// Everything an [`Ssp`](super::Ssp) needs to start.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SspConfig {
    /// Name in traces and ladders (`"SSP-A"`).
    pub name: String,
    pub signalling: SignallingConfig,
    #[serde(default)]
    pub lines: Vec<LineConfig>,
    #[serde(default)]
    pub numbering: NumberingPlan,
    #[serde(default)]
    pub trunk_groups: Vec<TrunkGroupConfig>,
    #[serde(default)]
    pub timers: IsupTimers,
    /// The AIN 0.2 call model (absent: triggers in the numbering plan are
    /// ignored and the switch routes as if none were armed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ain: Option<AinConfig>,
}

/// The AIN call model: where the ISCP is, which lines have a
/// Termination_Attempt trigger, and the TCAP response timer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AinConfig {
    /// The DPC of our queries: the ISCP itself (PC + SSN routing) or, with
    /// `iscp_gt`, the STP (or the mated pair's alias point code) that
    /// translates the global title.
    pub iscp_pc: PointCode,
    /// The ISCP's SSN (default 248 ANSI, 241 ITU).
    #[serde(default)]
    pub iscp_ssn: Option<u8>,
    /// When set, the called party address is this global title (translation
    /// type `gt_tt`, route on GT) instead of `iscp_pc` + SSN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iscp_gt: Option<String>,
    #[serde(default)]
    pub gt_tt: u8,
    /// Our own SSN, where the ISCP answers and sends Create_Call (default as `iscp_ssn`).
    #[serde(default)]
    pub ssn: Option<u8>,
    /// Directory numbers of our lines with a Termination_Attempt trigger.
    #[serde(default)]
    pub termination_attempt: Vec<String>,
    /// TCAP response timer (GR-1298's T1): how long a query or an event
    /// report waits for the ISCP's instruction.
    #[serde(default = "three_s", with = "humane")]
    pub response_timer: Duration,
    /// What to do when the response timer expires.
    #[serde(default)]
    pub on_timeout: TimeoutAction,
    /// The release cause when `on_timeout` is `release` (default 41, temporary failure).
    #[serde(default = "temporary_failure")]
    pub timeout_cause: u8,
    /// Ringing time before O_No_Answer / T_No_Answer when the ISCP gives no timer.
    #[serde(default = "thirty_s", with = "humane")]
    pub no_answer: Duration,
}

fn three_s() -> Duration {
    Duration::from_secs(3)
}

fn thirty_s() -> Duration {
    Duration::from_secs(30)
}

fn temporary_failure() -> u8 {
    41
}

impl AinConfig {
    /// An AIN section toward the ISCP at `iscp_pc` (PC + SSN routing), defaults elsewhere.
    pub fn new(iscp_pc: PointCode) -> Self {
        AinConfig {
            iscp_pc,
            iscp_ssn: None,
            iscp_gt: None,
            gt_tt: 0,
            ssn: None,
            termination_attempt: Vec::new(),
            response_timer: three_s(),
            on_timeout: TimeoutAction::default(),
            timeout_cause: temporary_failure(),
            no_answer: thirty_s(),
        }
    }
}

/// What the SSP does when the ISCP does not answer in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutAction {
    /// Final treatment: release the call with `timeout_cause`.
    #[default]
    Release,
    /// Default routing: carry on as if the trigger were not armed.
    Continue,
}

/// The switch's MTP3 signalling point and its link sets (usually one toward
/// each STP of the mated pair; in small tests, straight to the far switch).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignallingConfig {
    pub point_code: PointCode,
    pub variant: Variant,
    /// Network indicator for outgoing SIOs; 2 (national) by default.
    #[serde(default = "national")]
    pub ni: u8,
    pub linksets: Vec<LinkSetConfig>,
    /// Routes by DPC; when empty, one default route shares load over every
    /// link set (the usual combined link set toward an STP pair).
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
}

fn national() -> u8 {
    2
}

/// A link set toward an adjacent signalling point.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSetConfig {
    pub adjacent: PointCode,
    pub ports: Vec<Port>,
}

/// A route: `dpc` (none = default route) over ranks of link-set indices.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    #[serde(default)]
    pub dpc: Option<PointCode>,
    pub ranks: Vec<Vec<usize>>,
}

/// A subscriber line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineConfig {
    /// The directory number (`"2015550100"`).
    pub number: String,
    /// The port the phone hangs on.
    pub port: Port,
    #[serde(default)]
    pub class: LineClass,
    /// A line out of service is reported as subscriber absent (cause 20).
    #[serde(default = "yes")]
    pub in_service: bool,
}

fn yes() -> bool {
    true
}

/// The line class: sets the calling party's category in the IAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineClass {
    /// Ordinary subscriber (category 10).
    #[default]
    Ordinary,
    /// Payphone (category 15).
    Payphone,
    /// A PBX or gateway trunk on a line (category 10): it may present the
    /// calling number of the call it dials ([`LineSignal::Present`]).
    ///
    /// [`LineSignal::Present`]: crate::line::LineSignal::Present
    Pbx,
}

impl LineClass {
    /// The calling party's category (Q.763 §3.11).
    pub fn category(self) -> u8 {
        match self {
            LineClass::Ordinary | LineClass::Pbx => 10,
            LineClass::Payphone => 15,
        }
    }
}

/// Digit analysis: local numbers come from the lines; the rest from here.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberingPlan {
    /// When set, a number is complete at this many digits unless a prefix
    /// rule gives its own length.
    #[serde(default)]
    pub number_length: Option<usize>,
    /// Prefix rules; the longest matching prefix wins.
    #[serde(default)]
    pub routes: Vec<PrefixRoute>,
}

/// One prefix rule of the numbering plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefixRoute {
    pub prefix: String,
    /// Digits in a complete number under this prefix (default: the plan's
    /// `number_length`, else the first digit string that matches is complete).
    #[serde(default)]
    pub length: Option<usize>,
    /// Trunk groups by name, tried in order.
    #[serde(default)]
    pub trunk_groups: Vec<String>,
    /// An AIN trigger armed on this prefix: with an `ain` section the SSP
    /// queries the ISCP; without one it routes as if the trigger were absent.
    #[serde(default)]
    pub trigger: Option<TriggerKind>,
}

/// AIN 0.2 trigger detection points digit analysis can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    /// Info_Analyzed on a specific digit string (e.g. an 800 number).
    InfoAnalyzed,
    /// Termination_Attempt on the called line.
    TerminationAttempt,
}

/// A trunk group: circuits toward one far-end exchange.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkGroupConfig {
    pub name: String,
    /// The far-end exchange's point code (the DPC of the group's ISUP messages).
    pub far_end: PointCode,
    /// First and last CIC, inclusive.
    pub cics: [u16; 2],
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub glare: GlareControl,
}

/// Which way calls may be set up on a trunk group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Both,
    /// Only the far end seizes (we never select these circuits).
    Incoming,
    /// Only we seize.
    Outgoing,
}

/// Which circuits this exchange controls in a dual seizure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlareControl {
    /// Q.764 §2.9.1.4: the exchange with the higher point code controls the
    /// even-numbered CICs, the other one the odd-numbered CICs.
    #[default]
    Auto,
    Even,
    Odd,
    All,
    None,
}

/// ISUP timers (Q.764 Annex A), ITU defaults; configurable per switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IsupTimers {
    /// Await RLC after REL; REL is repeated on expiry (4–15 s).
    #[serde(with = "humane")]
    pub t1: Duration,
    /// Initial await RLC after REL; RSC and maintenance alert on expiry (5–15 min).
    #[serde(with = "humane")]
    pub t5: Duration,
    /// Await RES (network) after SUS (network) at the controlling exchange (Q.118).
    #[serde(with = "humane")]
    pub t6: Duration,
    /// Await ACM after IAM (20–30 s).
    #[serde(with = "humane")]
    pub t7: Duration,
    /// Await answer after ACM at the originating exchange (Q.118: 1.5–3 min).
    #[serde(with = "humane")]
    pub t9: Duration,
    /// Await BLA (4–15 s).
    #[serde(with = "humane")]
    pub t12: Duration,
    /// Initial await BLA: repeat at this interval and alert (5–15 min).
    #[serde(with = "humane")]
    pub t13: Duration,
    /// Await UBA (4–15 s).
    #[serde(with = "humane")]
    pub t14: Duration,
    #[serde(with = "humane")]
    pub t15: Duration,
    /// Await RLC after RSC (4–15 s).
    #[serde(with = "humane")]
    pub t16: Duration,
    /// Initial await RLC after RSC (5–15 min).
    #[serde(with = "humane")]
    pub t17: Duration,
    /// Await CGBA (4–15 s).
    #[serde(with = "humane")]
    pub t18: Duration,
    #[serde(with = "humane")]
    pub t19: Duration,
    /// Await CGUA (4–15 s).
    #[serde(with = "humane")]
    pub t20: Duration,
    #[serde(with = "humane")]
    pub t21: Duration,
    /// Await GRA (4–15 s).
    #[serde(with = "humane")]
    pub t22: Duration,
    /// Initial await GRA (5–15 min).
    #[serde(with = "humane")]
    pub t23: Duration,
    /// Await more address digits (SAM) or ST (15–20 s); cause 28 on expiry.
    #[serde(with = "humane")]
    pub t35: Duration,
}

impl Default for IsupTimers {
    fn default() -> Self {
        let s = Duration::from_secs;
        IsupTimers {
            t1: s(15),
            t5: s(300),
            t6: s(30),
            t7: s(20),
            t9: s(90),
            t12: s(15),
            t13: s(300),
            t14: s(15),
            t15: s(300),
            t16: s(15),
            t17: s(300),
            t18: s(15),
            t19: s(300),
            t20: s(15),
            t21: s(300),
            t22: s(15),
            t23: s(300),
            t35: s(15),
        }
    }
}

/// Serde for [`Duration`] in humane units: `"15s"`, `"250ms"`, `"5min"`,
/// `"1h"`, `"100us"`, or an integer of milliseconds. Written back as the
/// largest exact unit.
pub mod humane {
    use std::time::Duration;

    /// Writes `"5min"`, `"15s"`, `"250ms"` or `"100us"`.
    ///
    /// # Errors
    /// Never (the serializer's own errors only).
    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_string(*d))
    }

    /// Reads a humane duration.
    ///
    /// # Errors
    /// A string that is not a number followed by a known unit.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Millis(u64),
            Text(String),
        }
        match <Raw as serde::Deserialize>::deserialize(d)? {
            Raw::Millis(ms) => Ok(Duration::from_millis(ms)),
            Raw::Text(t) => parse(&t).map_err(serde::de::Error::custom),
        }
    }

    /// Formats a duration in the largest exact unit.
    pub fn to_string(d: Duration) -> String {
        let us = d.as_micros();
        match us {
            0 => "0s".into(),
            _ if us % 3_600_000_000 == 0 => format!("{}h", us / 3_600_000_000),
            _ if us % 60_000_000 == 0 => format!("{}min", us / 60_000_000),
            _ if us % 1_000_000 == 0 => format!("{}s", us / 1_000_000),
            _ if us % 1000 == 0 => format!("{}ms", us / 1000),
            _ => format!("{us}us"),
        }
    }

    /// Parses `"15s"`, `"1.5s"`, `"250ms"`, `"5min"`, `"1h"`, `"100us"`.
    ///
    /// # Errors
    /// A message naming the text.
    pub fn parse(t: &str) -> Result<Duration, String> {
        let t = t.trim();
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: f64 = num.parse().map_err(|_| format!("bad duration {t:?}: expected e.g. \"15s\""))?;
        let scale = match unit.trim() {
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" | "" => 1.0,
            "min" | "m" => 60.0,
            "h" => 3600.0,
            other => return Err(format!("bad duration {t:?}: unknown unit {other:?} (us, ms, s, min, h)")),
        };
        Duration::try_from_secs_f64(n * scale).map_err(|e| format!("bad duration {t:?}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humane_durations_round_trip() {
        for (t, d) in [
            ("15s", Duration::from_secs(15)),
            ("250ms", Duration::from_millis(250)),
            ("5min", Duration::from_secs(300)),
            ("1h", Duration::from_secs(3600)),
            ("100us", Duration::from_micros(100)),
        ] {
            assert_eq!(humane::parse(t).unwrap(), d);
            assert_eq!(humane::to_string(d), t);
        }
        assert_eq!(humane::parse("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(humane::parse("5 fortnights").is_err());
    }

    #[test]
    fn timers_default_to_itu_values_and_accept_partial_config() {
        let t: IsupTimers = serde_json::from_str(r#"{"t1": "4s", "t9": 120000}"#).unwrap();
        assert_eq!(t.t1, Duration::from_secs(4));
        assert_eq!(t.t9, Duration::from_secs(120));
        assert_eq!(t.t5, Duration::from_secs(300));
        let back = serde_json::to_string(&IsupTimers::default()).unwrap();
        assert!(back.contains(r#""t5":"5min""#), "{back}");
    }
}

/// Serde for `Option<Duration>` in the units of [`humane`]; absent or null is `None`.
pub mod humane_opt {
    use std::time::Duration;

    /// Writes the duration as [`humane`](super::humane) does, or null.
    ///
    /// # Errors
    /// The serializer's own errors only.
    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::humane::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    /// Reads an optional humane duration.
    ///
    /// # Errors
    /// As [`humane::deserialize`](super::humane::deserialize).
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        #[derive(serde::Deserialize)]
        struct W(#[serde(with = "super::humane")] Duration);
        Ok(<Option<W> as serde::Deserialize>::deserialize(d)?.map(|w| w.0))
    }
}
