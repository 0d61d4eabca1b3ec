//! A network described in TOML: the switches, the mated STP pair, the ISCP,
//! the intelligent peripheral, trunk groups, subscribers' phones and links to
//! outside peers, and a built-in default that mirrors the seed's Fig. 1.
//!
//! [`Topology::parse`] reads a file; [`Topology::plan`] checks it and derives
//! every element's configuration (link sets, MTP3 routes, global title
//! translation, numbering plans, trunk groups at both ends); the
//! [`Plan`] then builds a [`Simulator`](crate::Simulator) or a real-time
//! [`Rt`](crate::rt::Rt) from the same element configurations.
//!
//! Contract: a topology error names the file, the line and the field
//! (`topology.toml:12: ssp[1] (SSP-B) point_code: bad point code "1-1-999" for ansi`);
//! nothing here panics on a bad file.
//!
//! The file format is documented in `docs/topology.md`; the default is
//! [`DEFAULT`].

mod plan;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use ainsim_elements::access::Business;
use ainsim_elements::iscp::{Subscriber, TollFreeRule};
use ainsim_elements::m3ua_link::M3uaRole;
use ainsim_elements::mtso::{MobileState, PagingConfig};
use ainsim_elements::ssp::config::{humane, IsupTimers, TriggerKind};
use ainsim_elements::PhoneScript;
use ainsim_wire::{PointCode, Variant};
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub use plan::{
    phone_name, ExternalSpec, LineReport, LinkSpec, Network, NodeSpec, Plan, ACCESS_CLIENT_PORT, OSN_PORT,
    SWITCH_EXTERNAL_BASE, SWITCH_SS7_BASE,
};

/// The default topology (the seed's Fig. 1), as TOML.
pub const DEFAULT: &str = include_str!("default.toml");

/// What is wrong with a topology, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyError {
    /// The file (`"<default>"` for the built-in topology).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The field, e.g. `ssp[1] (SSP-B) point_code`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for TopologyError {}

/// A point code as written: an integer or `a-b-c` (read for the variant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PcText {
    Int(u32),
    Text(String),
}

impl PcText {
    fn resolve(&self, v: Variant) -> Result<PointCode, String> {
        match self {
            PcText::Int(n) => {
                let pc = PointCode(*n);
                if pc.fits(v) {
                    Ok(pc)
                } else {
                    Err(format!("point code {n} does not fit {v}"))
                }
            }
            PcText::Text(t) => PointCode::parse(t, v),
        }
    }
}

/// One-way delays per kind of link in the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkDelays {
    #[serde(with = "humane")]
    pub ss7: Duration,
    #[serde(with = "humane")]
    pub line: Duration,
    #[serde(with = "humane")]
    pub osn: Duration,
}

impl Default for LinkDelays {
    fn default() -> Self {
        LinkDelays {
            ss7: Duration::from_millis(2),
            line: Duration::from_millis(1),
            osn: Duration::from_millis(1),
        }
    }
}

/// An STP of the mated pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StpDef {
    pub name: String,
    pub point_code: Spanned<PcText>,
}

/// A digit-analysis trigger armed on a switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerDef {
    pub prefix: String,
    pub kind: TriggerKind,
    /// Digits needed before the trigger fires (default: the plan's number length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
}

/// A prefix routed toward another switch or an outside peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteDef {
    pub prefix: String,
    /// A switch with a trunk group to this one, or an `[[external]]` name.
    pub via: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
}

/// A class-5 switch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchDef {
    pub name: String,
    pub point_code: Spanned<PcText>,
    /// Directory numbers of the subscriber lines, each with a phone.
    #[serde(default)]
    pub lines: Vec<String>,
    /// Lines out of service (subscriber absent, cause 20).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_service: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<TriggerDef>,
    /// Lines with an AIN Termination_Attempt trigger (the ISCP's
    /// forwarding on busy / no answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub termination_attempt: Vec<String>,
    /// Extra prefix routes; routes to every line of the network are derived.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteDef>,
    #[serde(default)]
    pub timers: IsupTimers,
}

/// A mobile subscriber of an MTSO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MobileDef {
    pub number: String,
    /// `attached` (default), `detached`, `unreachable` or `{ roaming = "MSRN" }`.
    #[serde(default)]
    pub state: MobileState,
}

/// A mobile switching office: a switch whose lines are mobiles, paged
/// before they ring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MtsoDef {
    pub name: String,
    pub point_code: Spanned<PcText>,
    #[serde(default)]
    pub mobiles: Vec<MobileDef>,
    #[serde(default)]
    pub paging: PagingConfig,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteDef>,
    #[serde(default)]
    pub timers: IsupTimers,
}

impl MtsoDef {
    /// The MTSO as a switch whose lines are its mobiles.
    fn as_switch(&self) -> SwitchDef {
        SwitchDef {
            name: self.name.clone(),
            point_code: self.point_code.clone(),
            lines: self.mobiles.iter().map(|m| m.number.clone()).collect(),
            out_of_service: vec![],
            triggers: vec![],
            termination_attempt: vec![],
            routes: self.routes.clone(),
            timers: self.timers,
        }
    }
}

/// The Internet access server (network side) on the OSN, in front of the ISCP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessDef {
    pub name: String,
    /// `ainsim run`: the TCP address where businesses' servers send call
    /// instructions (OSN framing, docs/osn.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Subscribing businesses with their argon2 password hashes.
    #[serde(default)]
    pub businesses: Vec<Business>,
    /// A sled directory for held calls (they survive a restart); none = in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

/// An 800 number's translation, stored in the ISCP's `toll_free` tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TollFreeDef {
    pub number: String,
    #[serde(default)]
    pub rules: Vec<TollFreeRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default)]
    pub monitor: bool,
}

/// A subscriber's AIN features, stored in the ISCP's `subscriber` tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberDef {
    pub number: String,
    #[serde(flatten)]
    pub features: Subscriber,
}

/// The ISCP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IscpDef {
    pub name: String,
    pub point_code: Spanned<PcText>,
    /// The switch that places SCP-initiated calls (Create_Call / InitiateCallAttempt).
    pub originating_ssp: String,
    /// The global title the switches query (translated by the STP pair,
    /// sent to `capability_point_code`); without it they query the ISCP's
    /// point code and SSN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_title: Option<String>,
    /// A sled database directory for provisioning (default: in memory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(default)]
    pub toll_free: Vec<TollFreeDef>,
    #[serde(default)]
    pub subscriber: Vec<SubscriberDef>,
}

/// The intelligent peripheral, homed on one switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpDef {
    pub name: String,
    pub point_code: Spanned<PcText>,
    /// The switch it hangs on (one signalling link and one trunk group).
    pub host: String,
    #[serde(default = "eight")]
    pub circuits: u16,
}

fn eight() -> u16 {
    8
}

/// ISUP circuits between two switches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkGroupDef {
    pub between: Spanned<[String; 2]>,
    pub circuits: u16,
    #[serde(default = "one")]
    pub first_cic: u16,
}

fn one() -> u16 {
    1
}

/// How an outside peer reaches a switch in `ainsim run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExternalKind {
    /// One Q.703 signal unit per UDP datagram plus 2 FCS octets (libss7);
    /// needs `local` and `remote`.
    Mtp2Udp,
    /// M3UA (RFC 4666) over TCP: `local` to listen, or `remote` to connect.
    M3uaTcp,
}

/// A link to an outside exchange (used by `ainsim run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalDef {
    pub name: String,
    pub kind: ExternalKind,
    /// The switch the peer is linked to.
    pub switch: String,
    /// The peer's point code.
    pub point_code: Spanned<PcText>,
    /// Our address (UDP for MTP2; the TCP address to listen on for M3UA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<String>,
    /// The peer's address (UDP for MTP2; the TCP address to connect to for M3UA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// M3UA: our end of the association (default: `sgp` when listening, `asp` when connecting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<M3uaRole>,
    /// M3UA: the routing context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_context: Option<u32>,
    /// ISUP circuits toward the peer.
    #[serde(default = "thirty")]
    pub circuits: u16,
    #[serde(default = "one")]
    pub first_cic: u16,
    /// Number prefixes routed to the peer.
    #[serde(default)]
    pub prefixes: Vec<String>,
}

fn thirty() -> u16 {
    30
}

/// A topology file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub variant: Variant,
    /// Digits in a complete national number (10 in North America).
    #[serde(default = "ten")]
    pub number_length: usize,
    #[serde(default)]
    pub links: LinkDelays,
    #[serde(default)]
    pub stp: Vec<Spanned<StpDef>>,
    #[serde(default)]
    pub ssp: Vec<Spanned<SwitchDef>>,
    #[serde(default)]
    pub mtso: Vec<Spanned<MtsoDef>>,
    /// The mated STP pair's capability point code (an alias both answer
    /// to): the switches send their global-title queries there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability_point_code: Option<Spanned<PcText>>,
    #[serde(default)]
    pub iscp: Option<Spanned<IscpDef>>,
    #[serde(default)]
    pub ip: Option<Spanned<IpDef>>,
    #[serde(default)]
    pub access_server: Option<Spanned<AccessDef>>,
    #[serde(default)]
    pub trunk_group: Vec<Spanned<TrunkGroupDef>>,
    #[serde(default)]
    pub phone: Vec<Spanned<PhoneScript>>,
    #[serde(default)]
    pub external: Vec<Spanned<ExternalDef>>,
    #[serde(skip)]
    source: Source,
}

fn ten() -> usize {
    10
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Source {
    file: String,
    text: String,
}

impl Topology {
    /// The built-in topology (the seed's Fig. 1).
    ///
    /// # Panics
    /// Never: the default is checked by the tests.
    pub fn default_fig1() -> Topology {
        #[allow(clippy::expect_used)]
        Topology::parse(DEFAULT, "<default>").expect("the default topology parses")
    }

    /// Reads a topology file.
    ///
    /// # Errors
    /// The file cannot be read, or [`Topology::parse`] refuses it.
    pub fn load(path: &Path) -> Result<Topology, TopologyError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TopologyError {
            file: file.clone(),
            line: None,
            field: String::new(),
            message: format!("cannot read: {e}"),
        })?;
        Topology::parse(&text, &file)
    }

    /// Parses TOML text; `file` names it in errors.
    ///
    /// # Errors
    /// Bad TOML, an unknown or missing field, or a value of the wrong type,
    /// with its line and field.
    pub fn parse(text: &str, file: &str) -> Result<Topology, TopologyError> {
        let de = toml::Deserializer::parse(text).map_err(|e| toml_error(file, text, &e))?;
        let mut t: Topology = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner();
            let mut err = toml_error(file, text, &inner);
            if field != "." {
                err.field = field;
            }
            err
        })?;
        t.source = Source { file: file.into(), text: text.into() };
        Ok(t)
    }

    /// The file this topology came from.
    pub fn file(&self) -> &str {
        &self.source.file
    }

    /// An error at `span` of the source.
    fn error_at(
        &self,
        span: std::ops::Range<usize>,
        field: String,
        message: impl Into<String>,
    ) -> TopologyError {
        TopologyError {
            file: self.source.file.clone(),
            // Entries added in code (span 0..0) have no line.
            line: if span == (0..0) { None } else { line_of(&self.source.text, span.start) },
            field,
            message: message.into(),
        }
    }

    /// The phone script of `number`, creating a default one (answers after
    /// 2 s) when the file has none.
    pub fn phone_mut(&mut self, number: &str) -> &mut PhoneScript {
        let i = match self.phone.iter().position(|p| p.get_ref().number == number) {
            Some(i) => i,
            None => {
                self.phone.push(Spanned::new(0..0, PhoneScript::new(number)));
                self.phone.len() - 1
            }
        };
        self.phone[i].get_mut()
    }

    /// Every subscriber number with a line (mobiles included).
    pub fn numbers(&self) -> Vec<String> {
        self.switches().into_iter().flat_map(|(_, _, s)| s.lines).collect()
    }

    /// Every switch (SSPs, then MTSOs as switches whose lines are their
    /// mobiles), with its span and its field prefix (`ssp[0] (SSP-A)`).
    pub fn switches(&self) -> Vec<(std::ops::Range<usize>, String, SwitchDef)> {
        let ssps = self
            .ssp
            .iter()
            .enumerate()
            .map(|(i, s)| (s.span(), format!("ssp[{i}] ({})", s.get_ref().name), s.get_ref().clone()));
        let mtsos =
            self.mtso.iter().enumerate().map(|(i, s)| {
                (s.span(), format!("mtso[{i}] ({})", s.get_ref().name), s.get_ref().as_switch())
            });
        ssps.chain(mtsos).collect()
    }

    /// The state of mobile `number`, if it is one.
    pub fn mobile_state(&self, number: &str) -> Option<&MobileState> {
        self.mtso.iter().flat_map(|m| &m.get_ref().mobiles).find(|m| m.number == number).map(|m| &m.state)
    }
}

fn line_of(text: &str, offset: usize) -> Option<usize> {
    (offset > 0 || !text.is_empty()).then(|| text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1)
}

fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> TopologyError {
    TopologyError {
        file: file.into(),
        line: e.span().and_then(|s| line_of(text, s.start)),
        field: String::new(),
        message: e.message().trim().to_owned(),
    }
}

#[cfg(test)]
mod tests;
