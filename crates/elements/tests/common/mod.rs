//! Stand-ins and frame builders for the ISCP and IP stories.
#![allow(dead_code, clippy::unwrap_used, clippy::type_complexity, unreachable_pub)]

use std::time::Duration;

use ainsim_elements::iscp::{Iscp, IscpConfig};
use ainsim_elements::sp::SignallingPoint;
use ainsim_elements::{Element, Input, Instant, NodeId, Outputs, Port};
use ainsim_runtime::{LinkKind, LinkModel, Simulator};
use ainsim_store::Store;
use ainsim_wire::ain::{AinDigits, AinOpcode, AinOperation, AinParameter, Param};
use ainsim_wire::inap::{InapElement, InapField, InapOpcode, InapOperation, InapValue, IsupNumber};
use ainsim_wire::sccp::{self, Address, ProtocolClass};
use ainsim_wire::stack::{Frame, OperationBody, Start};
use ainsim_wire::tcap::{ansi, itu, TcapRepr};
use ainsim_wire::{PointCode, SccpRepr, Variant};

/// The port on which a test hands a stand-in the bytes it should send.
pub const SCRIPT: Port = Port(99);
/// The stand-in's signalling link.
pub const LINK: Port = Port(0);
/// Bytes injected here go out on [`LINK2`].
pub const SCRIPT2: Port = Port(98);
/// The stand-in's second link (e.g. toward the IP).
pub const LINK2: Port = Port(1);

/// A stand-in SSP: sends what the test scripts (bytes injected on
/// [`SCRIPT`] go out on [`LINK`]) and keeps what it receives.
pub struct StandIn {
    pub name: String,
    pub received: Vec<(Port, Vec<u8>)>,
}

impl StandIn {
    pub fn new(name: &str) -> Self {
        StandIn { name: name.into(), received: Vec::new() }
    }
}

impl Element for StandIn {
    fn name(&self) -> &str {
        &self.name
    }

    fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Recv { port, bytes } if port == SCRIPT => out.send(LINK, bytes.to_vec()),
            Input::Recv { port, bytes } if port == SCRIPT2 => out.send(LINK2, bytes.to_vec()),
            Input::Recv { port, bytes } => self.received.push((port, bytes.to_vec())),
            _ => {}
        }
    }
}

pub fn ssp_pc(v: Variant) -> PointCode {
    if v == Variant::Ansi {
        PointCode::ansi(1, 1, 1)
    } else {
        PointCode(100)
    }
}

pub fn iscp_pc(v: Variant) -> PointCode {
    if v == Variant::Ansi {
        PointCode::ansi(1, 1, 50)
    } else {
        PointCode(500)
    }
}

pub fn ip_pc(v: Variant) -> PointCode {
    if v == Variant::Ansi {
        PointCode::ansi(1, 1, 60)
    } else {
        PointCode(600)
    }
}

pub fn iscp_config(v: Variant) -> IscpConfig {
    let mut c = IscpConfig::new("ISCP", iscp_pc(v), v, ssp_pc(v));
    c.linksets = vec![(ssp_pc(v), vec![Port(0)])];
    c.osn_port = Some(Port(9));
    c
}

/// SSP-A ── ISCP (5 ms), plus an OSN requester on the ISCP's port 9.
pub struct Net {
    pub sim: Simulator,
    pub ssp: NodeId,
    pub iscp: NodeId,
    pub osn: NodeId,
    pub variant: Variant,
}

pub fn network(v: Variant, store: Box<dyn Store + Send>) -> Net {
    let mut sim = Simulator::new(7);
    let ssp = sim.add_node("SSP-A", StandIn::new("SSP-A")).unwrap();
    let iscp = sim.add_node("ISCP", Iscp::new(iscp_config(v), store)).unwrap();
    let osn = sim.add_node("OSN", StandIn::new("OSN")).unwrap();
    let ms5 = LinkModel::fixed(Duration::from_millis(5));
    sim.link((ssp, LINK), (iscp, Port(0)), LinkKind::Ss7, ms5).unwrap();
    sim.link((osn, LINK), (iscp, Port(9)), LinkKind::Osn, LinkModel::fixed(Duration::from_millis(2)))
        .unwrap();
    sim.start();
    Net { sim, ssp, iscp, osn, variant: v }
}

impl Net {
    /// The SSP sends `tcap` to the ISCP (SCCP UDT, PC + SSN addressing).
    pub fn ssp_sends(&mut self, tcap: &TcapRepr) {
        let msu = msu(self.variant, ssp_pc(self.variant), iscp_pc(self.variant), tcap);
        self.sim.inject(self.ssp, SCRIPT, msu);
    }

    /// Runs for `d` and returns the TCAP frames the SSP received meanwhile.
    pub fn run(&mut self, d: Duration) -> Vec<Frame> {
        self.sim.run_for(d);
        let v = self.variant;
        let s = self.sim.element_mut::<StandIn>(self.ssp).unwrap();
        s.received.drain(..).map(|(_, b)| Frame::decode(&b, Start::Mtp3, v, false).unwrap()).collect()
    }

    pub fn iscp(&mut self) -> &mut Iscp {
        self.sim.element_mut::<Iscp>(self.iscp).unwrap()
    }

    /// OSN frames the requester received.
    pub fn osn_received(&mut self) -> Vec<ainsim_elements::osn::OsnMessage> {
        let s = self.sim.element_mut::<StandIn>(self.osn).unwrap();
        s.received.drain(..).map(|(_, b)| ainsim_elements::osn::OsnMessage::parse(&b).unwrap()).collect()
    }

    pub fn ladder(&self) -> String {
        self.sim.ladder(&ainsim_runtime::ladder::Options::new(self.variant))
    }
}

/// MTP3 + SCCP UDT around TCAP.
pub fn msu(v: Variant, from: PointCode, to: PointCode, tcap: &TcapRepr) -> Vec<u8> {
    let ssn = if v == Variant::Ansi { 248 } else { 241 };
    sccp_msu(v, from, to, ssn, tcap.to_bytes().unwrap())
}

pub fn sccp_msu(v: Variant, from: PointCode, to: PointCode, ssn: u8, data: Vec<u8>) -> Vec<u8> {
    let udt = SccpRepr::Udt(sccp::Udt {
        protocol_class: ProtocolClass { class: 0, return_on_error: false, spare: 0 },
        called_party: Address::pc_ssn(v, to, ssn),
        calling_party: Address::pc_ssn(v, from, ssn),
        data,
    });
    let sp = SignallingPoint::new(from, v, 2);
    sp.build(3, to, 1, &udt.to_bytes(v).unwrap()).unwrap()
}

// ------------------------------------------------------------------ ANSI

pub fn invoke(id: u8, op: &AinOperation, last: bool) -> ansi::Component {
    let inv = ansi::Invoke {
        form: Default::default(),
        component_ids: vec![id],
        opcode: ansi::OpCode::Private(op.opcode.code()),
        parameter: op.parameter_bytes().unwrap(),
    };
    if last {
        ansi::Component::InvokeLast(inv)
    } else {
        ansi::Component::InvokeNotLast(inv)
    }
}

pub fn ansi_msg(pt: ansi::PackageType, tid: Vec<u8>, ops: &[AinOperation]) -> TcapRepr {
    let comps: Vec<_> =
        ops.iter().enumerate().map(|(i, op)| invoke(i as u8 + 1, op, i + 1 == ops.len())).collect();
    TcapRepr::Ansi(ansi::Message {
        package_type: pt,
        form: Default::default(),
        transaction_id: tid,
        dialogue: None,
        components: (!comps.is_empty()).then(|| ansi::ComponentSequence::new(comps)),
        abort_cause: None,
    })
}

/// InfoAnalyzedArg in ASN.1 order: userID (the caller's DN), bearerCapability, calledPartyID, callingPartyID.
pub fn info_analyzed(called: &str, calling: &str) -> AinOperation {
    AinOperation::new(
        AinOpcode::InfoAnalyzed,
        vec![
            user_id(calling),
            AinParameter::int(Param::BearerCapability, 0),
            AinParameter::digits(Param::CalledPartyId, AinDigits::national(called)),
            AinParameter::digits(Param::CallingPartyId, AinDigits::national(calling)),
        ],
    )
}

/// TerminationAttemptArg in ASN.1 order: userID (the called DN), bearerCapability, calledPartyID, callingPartyID.
pub fn termination_attempt(called: &str, calling: &str) -> AinOperation {
    AinOperation::new(
        AinOpcode::TerminationAttempt,
        vec![
            user_id(called),
            AinParameter::int(Param::BearerCapability, 0),
            AinParameter::digits(Param::CalledPartyId, AinDigits::national(called)),
            AinParameter::digits(Param::CallingPartyId, AinDigits::national(calling)),
        ],
    )
}

pub fn user_id(dn: &str) -> AinParameter {
    AinParameter::new(Param::UserId, ainsim_wire::ain::Value::UserId(ainsim_wire::ain::UserId::Dn(dn.into())))
}

/// Resource_Clear as the SSP sends it when the IP is done: clearCause 0 (normal).
pub fn resource_clear() -> AinOperation {
    AinOperation::new(AinOpcode::ResourceClear, vec![AinParameter::int(Param::ClearCause, 0)])
}

/// An event report as the SSP sends it: userID, bearerCapability.
pub fn report(op: AinOpcode) -> AinOperation {
    AinOperation::new(op, vec![user_id("2015550100"), AinParameter::int(Param::BearerCapability, 0)])
}

/// The ANSI package and its AIN operations (name, operation).
pub fn ansi_view(f: &Frame) -> (ansi::PackageType, Vec<u8>, Vec<AinOperation>) {
    let Some(TcapRepr::Ansi(m)) = &f.tcap else { panic!("not ANSI TCAP: {f:?}") };
    let ops = f
        .operations
        .iter()
        .filter_map(|o| match &o.body {
            OperationBody::Ain(a) => Some(a.clone()),
            OperationBody::Inap(_) => None,
        })
        .collect();
    (m.package_type, m.transaction_id.clone(), ops)
}

// ------------------------------------------------------------------ ITU

pub fn itu_msg(
    mt: itu::MessageType,
    otid: Option<Vec<u8>>,
    dtid: Option<Vec<u8>>,
    ops: &[InapOperation],
) -> TcapRepr {
    let comps: Vec<_> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            itu::Component::Invoke(itu::Invoke {
                form: Default::default(),
                invoke_id: i as i64 + 1,
                linked_id: None,
                opcode: itu::Code::Local(op.opcode.code()),
                parameter: op.argument_bytes().unwrap(),
            })
        })
        .collect();
    let dialogue = (mt == itu::MessageType::Begin).then(|| {
        itu::DialoguePortion::new(itu::DialoguePdu::Aarq(itu::Aarq::new(ainsim_wire::tcap::Oid::new(&[
            0, 4, 0, 1, 1, 0, 0, 0,
        ]))))
    });
    TcapRepr::Itu(itu::Message {
        message_type: mt,
        form: Default::default(),
        otid,
        dtid,
        p_abort_cause: None,
        dialogue,
        components: (!comps.is_empty()).then(|| itu::ComponentPortion::new(comps)),
    })
}

pub fn initial_dp(called: &str, calling: &str, event: i64) -> InapOperation {
    InapOperation::new(
        InapOpcode::InitialDp,
        vec![
            InapElement::new(InapField::ServiceKey, InapValue::Integer(100)),
            InapElement::new(InapField::CalledPartyNumber, InapValue::Number(IsupNumber::national(called))),
            InapElement::new(InapField::CallingPartyNumber, InapValue::Number(IsupNumber::national(calling))),
            InapElement::new(InapField::EventTypeBcsm, InapValue::Integer(event)),
        ],
    )
}

pub fn itu_view(f: &Frame) -> (itu::MessageType, Option<Vec<u8>>, Option<Vec<u8>>, Vec<InapOperation>) {
    let Some(TcapRepr::Itu(m)) = &f.tcap else { panic!("not ITU TCAP: {f:?}") };
    let ops = f
        .operations
        .iter()
        .filter_map(|o| match &o.body {
            OperationBody::Inap(a) => Some(a.clone()),
            OperationBody::Ain(_) => None,
        })
        .collect();
    (m.message_type, m.otid.clone(), m.dtid.clone(), ops)
}

pub fn names_ain(ops: &[AinOperation]) -> Vec<&'static str> {
    ops.iter().map(|o| o.opcode.name()).collect()
}

pub fn names_inap(ops: &[InapOperation]) -> Vec<&'static str> {
    ops.iter().map(|o| o.opcode.name()).collect()
}

pub const MS: Duration = Duration::from_millis(1);
pub const SEC: Duration = Duration::from_secs(1);

/// Wireshark must decode every frame in `pcap` without a malformed or expert
/// item. Returns false (and says so loudly) when tshark is not installed.
pub fn tshark_clean(pcap: &[u8], variant: Variant, name: &str) -> bool {
    use std::process::Command;
    if !Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success()) {
        eprintln!("!!!!!!!! tshark not found: SKIPPING the Wireshark check of {name} !!!!!!!!");
        return false;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.pcap"));
    std::fs::write(&path, pcap).unwrap();
    if let Ok(keep) = std::env::var("AINSIM_KEEP_PCAP") {
        std::fs::write(format!("{keep}-{name}.pcap"), pcap).unwrap();
    }
    let standard = if variant == Variant::Ansi { "mtp3.standard:ANSI" } else { "mtp3.standard:ITU" };
    let out = Command::new("tshark")
        .args(["-n", "-o", standard, "-d", "sccp.ssn==248,tcap", "-r"])
        .arg(&path)
        .args(["-Y", "_ws.malformed || _ws.expert", "-V"])
        .output()
        .unwrap();
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    let bad = String::from_utf8_lossy(&out.stdout);
    assert!(bad.trim().is_empty(), "tshark flags frames of {name}:\n{bad}");
    true
}
