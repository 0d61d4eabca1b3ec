//! STP configuration (serde): point code, variant, link sets and their
//! gateway screening, routes, the mate, GTT rules and MTP3 timers.

use ainsim_wire::{PointCode, Variant};
use serde::{Deserialize, Serialize};

use crate::core::Port;

/// Everything an [`super::Stp`] is built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StpConfig {
    /// Name in traces and ladders (`"STP-1"`).
    pub name: String,
    /// Own signalling point code.
    pub point_code: PointCode,
    #[serde(default)]
    pub variant: Variant,
    /// Other point codes the STP answers to for SCCP: the mated pair's
    /// capability (alias) point code, to which SSPs send GTT queries over
    /// their combined link set so that either STP translates them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alias_point_codes: Vec<PointCode>,
    /// Network indicator of the MSUs the STP originates (2 = national).
    #[serde(default = "national")]
    pub ni: u8,
    /// SLS bits used for load sharing: 4 (ITU), 5 or 8 (ANSI). Default: 4
    /// for ITU, 5 for ANSI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sls_bits: Option<u8>,
    /// Link sets, each toward one adjacent node.
    pub linksets: Vec<LinkSetConfig>,
    /// Routes by destination (`dpc` absent: the default route).
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
    /// Name of the link set (C-links) toward the mate STP. It is added as
    /// the last-resort rank of every route that does not name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mate: Option<String>,
    /// Global title translation rules.
    #[serde(default)]
    pub gtt: Vec<GttRule>,
    #[serde(default)]
    pub timers: Timers,
    /// Emulate MTP2 retrieval (Q.704 §5.4): keep the last 127 MSUs sent on
    /// each link and, on a COO/COA naming the last MSU the far end
    /// accepted, send the ones after it on the new link before the held
    /// traffic. Only for peers that count accepted MSUs
    /// (`SignallingPoint::count_received`, every STP); off by default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retrieval: bool,
}

fn national() -> u8 {
    2
}

/// A link set: the ports of its links (SLC 0, 1, … in order), the adjacent
/// node, and the screening applied to what arrives on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSetConfig {
    pub name: String,
    pub adjacent: PointCode,
    pub ports: Vec<Port>,
    #[serde(default, skip_serializing_if = "Screening::is_open")]
    pub screening: Screening,
}

/// Gateway screening of one incoming link set: each list, when present,
/// names what is allowed; an MSU failing any list is dropped and counted.
/// SNM and test messages (SI 0–2) addressed to the STP itself always pass,
/// so network management keeps working.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screening {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_opc: Option<Vec<PointCode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_dpc: Option<Vec<PointCode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_si: Option<Vec<u8>>,
}

impl Screening {
    /// True when nothing is screened.
    pub fn is_open(&self) -> bool {
        self.allowed_opc.is_none() && self.allowed_dpc.is_none() && self.allowed_si.is_none()
    }

    /// Why an MSU with `opc`, `dpc`, `si` is refused, or `None`.
    pub fn check(&self, opc: PointCode, dpc: PointCode, si: u8) -> Option<&'static str> {
        let bad = |l: &Option<Vec<PointCode>>, pc: PointCode| l.as_ref().is_some_and(|l| !l.contains(&pc));
        if bad(&self.allowed_opc, opc) {
            Some("screening: OPC not allowed on this link set")
        } else if bad(&self.allowed_dpc, dpc) {
            Some("screening: DPC not allowed on this link set")
        } else if self.allowed_si.as_ref().is_some_and(|l| !l.contains(&si)) {
            Some("screening: SI not allowed on this link set")
        } else {
            None
        }
    }
}

/// A route: the destination and its link sets by rank (names from
/// [`StpConfig::linksets`]); each inner list is a combined link set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpc: Option<PointCode>,
    pub linksets: Vec<Vec<String>>,
}

/// Where a global title goes: a point code and the subsystem to route on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GttTarget {
    pub pc: PointCode,
    pub ssn: u8,
}

/// One global title translation rule: a called party GT whose digits start
/// with `prefix` (and whose TT / numbering plan match, when given) is sent
/// to `primary`, or to `backup` while the primary's point code is
/// inaccessible (link sets down or transfer-prohibited). The longest
/// matching prefix wins; among equal prefixes, the first rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GttRule {
    pub prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tt: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub np: Option<u8>,
    pub primary: GttTarget,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<GttTarget>,
}

/// MTP3 timers in milliseconds (Q.704 §16.8 ranges; defaults in the middle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timers {
    /// T1: time-controlled changeover when no COO/COA path exists (0.5–1.2 s).
    pub t1_ms: u64,
    /// T2: waiting for the changeover acknowledgement (0.7–2 s).
    pub t2_ms: u64,
    /// T3: time-controlled changeback when no CBD path exists (0.5–1.2 s).
    pub t3_ms: u64,
    /// T4: waiting for the changeback acknowledgement (0.5–1.2 s).
    pub t4_ms: u64,
    /// T10: repeat the route-set-test of a prohibited destination (30–60 s).
    pub t10_ms: u64,
}

impl Default for Timers {
    fn default() -> Self {
        Timers { t1_ms: 800, t2_ms: 1400, t3_ms: 800, t4_ms: 800, t10_ms: 30_000 }
    }
}

/// A configuration mistake, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("stp {stp}: route {route}: no link set named {name:?}")]
    UnknownLinkSet { stp: String, route: usize, name: String },
    #[error("stp {stp}: mate: no link set named {name:?}")]
    UnknownMate { stp: String, name: String },
    #[error("stp {stp}: point code {pc:?} does not fit {variant}")]
    PointCode { stp: String, pc: PointCode, variant: Variant },
    #[error("stp {stp}: link sets {first:?} and {second:?} both use port {port:?}")]
    DuplicatePort { stp: String, first: String, second: String, port: Port },
    #[error("stp {stp}: link set {name:?} has no ports")]
    EmptyLinkSet { stp: String, name: String },
    #[error("stp {stp}: gtt rule {rule}: prefix {prefix:?} is not digits 0-9/A-F")]
    BadPrefix { stp: String, rule: usize, prefix: String },
}
