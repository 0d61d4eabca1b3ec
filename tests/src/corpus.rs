//! The Wireshark corpus: every example of every codec, wrapped through the
//! real stack into the frames a link or an IP network carries, ready to be
//! written as pcaps.
//!
//! Per variant (ITU, ANSI) there are four captures:
//! - `mtp3-<v>` (link type 141): the MTP3 examples (SNM, SLT, an ISUP IAM),
//!   every ISUP example, every SCCP example, every TCAP example in an SCCP
//!   UDT, and every AIN 0.2 (ANSI) or INAP (ITU) operation as a TCAP invoke
//!   in a UDT;
//! - `m3ua-<v>` (link type 228, IPv4 + SCTP): the same ISUP, SCCP, TCAP and
//!   AIN/INAP user parts in M3UA DATA, and (ITU) every M3UA example;
//! - `mtp2-fcs-<v>` (link type 140, FCS included): every MTP2 example;
//! - `mtp2-phdr-<v>` (link type 139, pseudo-header, no FCS): the same units.
//!
//! Each frame is built from the codecs' `examples()`, decoded with
//! [`Frame::decode`] and re-encoded with [`Frame::encode`] (which must give
//! the same bytes) before it goes into the capture, so what is written is
//! exactly what the stack produces and reads.

use std::net::{Ipv4Addr, SocketAddrV4};

use ainsim_wire::m3ua::{M3uaMessageType, ProtocolData};
use ainsim_wire::mtp2::Mtp2Format;
use ainsim_wire::mtp3::{self, ni, si};
use ainsim_wire::sccp::{self, Address, ProtocolClass, Udt};
use ainsim_wire::stack::{Frame, Start};
use ainsim_wire::tcap::{ansi, itu};
use ainsim_wire::{
    ain, inap, isup, m3ua, mtp2, LinkType, M3uaParameter, M3uaRepr, Mtp2PseudoHeader, Mtp3Repr, PcapWriter,
    PointCode, SccpRepr, TcapRepr, Variant,
};

/// SCCP subsystem the TCAP frames are addressed to: 241 is Wireshark's
/// default INAP SSN (ITU); 247 is a typical AIN SSN (ANSI), which tshark must
/// be told is TCAP (`-d sccp.ssn==247,tcap`).
pub fn tcap_ssn(variant: Variant) -> u8 {
    match variant {
        Variant::Itu => 241,
        Variant::Ansi => 247,
    }
}

/// One frame of a capture: the example it came from, the decoded stack and its bytes.
#[derive(Debug, Clone)]
pub struct Example {
    /// `<codec>: <example name>`.
    pub name: String,
    /// The frame as the stack decodes it.
    pub frame: Frame,
    /// The frame's bytes (what the pcap record carries, minus any pseudo-header or IP/SCTP).
    pub bytes: Vec<u8>,
}

/// A capture file of the corpus.
#[derive(Debug, Clone)]
pub struct Capture {
    /// `mtp3-itu`, `m3ua-ansi`, ...
    pub name: String,
    pub variant: Variant,
    pub link: LinkType,
    /// MTP2 units end with their FCS.
    pub fcs: bool,
    pub examples: Vec<Example>,
}

/// SCTP endpoints of the M3UA captures (an SG and an ASP, port 2905).
pub const SG: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 2905);
pub const ASP: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 2905);

impl Capture {
    /// The layer each frame starts at.
    pub fn start(&self) -> Start {
        match self.link {
            LinkType::Mtp2 | LinkType::Mtp2WithPhdr => Start::Mtp2,
            LinkType::Mtp3 => Start::Mtp3,
            _ => Start::M3ua,
        }
    }

    /// The capture as a classic pcap file: one record per example, one
    /// second apart.
    ///
    /// # Panics
    /// If the pcap writer refuses a frame (the corpus is built to fit).
    pub fn pcap(&self) -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new(), self.link).expect("pcap header");
        for (i, e) in self.examples.iter().enumerate() {
            let ts = 1_700_000_000_000_000 + i as u64 * 1_000_000;
            let r = match self.link {
                LinkType::Mtp3 => w.write_mtp3(ts, &e.bytes),
                LinkType::Mtp2 => w.write_mtp2(ts, &e.bytes),
                LinkType::Mtp2WithPhdr => {
                    let phdr = Mtp2PseudoHeader { sent: 1, annex_a_used: 0, link_number: 3 };
                    w.write_mtp2_phdr(ts, phdr, &e.bytes)
                }
                _ => w.write_m3ua(ts, SG, ASP, &e.bytes),
            };
            r.unwrap_or_else(|err| panic!("{}: {}: {err}", self.name, e.name));
        }
        w.into_inner()
    }

    /// The tshark options this capture needs (`-o` preferences, `-d` decode-as).
    pub fn tshark_options(&self) -> Vec<String> {
        let mut o: Vec<String> = Vec::new();
        let mut pref = |p: String| {
            o.push("-o".into());
            o.push(p);
        };
        pref(format!(
            "mtp3.standard:{}",
            match self.variant {
                Variant::Itu => "ITU",
                Variant::Ansi => "ANSI",
            }
        ));
        if self.fcs {
            pref("mtp2.capture_contains_frame_check_sequence:TRUE".into());
        }
        if self.variant == Variant::Ansi {
            o.push("-d".into());
            o.push(format!("sccp.ssn=={},tcap", tcap_ssn(self.variant)));
        }
        o
    }

    /// The `ainsim decode --pcap` arguments for this capture (variant, FCS).
    pub fn decode_args(&self) -> Vec<String> {
        vec!["--variant".into(), self.variant.to_string(), "--fcs".into(), self.fcs.to_string()]
    }
}

/// Every capture of the corpus.
pub fn captures() -> Vec<Capture> {
    let mut v = Vec::new();
    for variant in [Variant::Itu, Variant::Ansi] {
        v.push(mtp3_capture(variant));
        v.push(m3ua_capture(variant));
        v.push(mtp2_capture(variant, LinkType::Mtp2, true));
        v.push(mtp2_capture(variant, LinkType::Mtp2WithPhdr, false));
    }
    v
}

/// Decodes `bytes` through the stack and checks it re-encodes to the same bytes.
///
/// # Panics
/// If the stack refuses the frame or does not give back the same bytes.
pub fn through_stack(name: String, bytes: Vec<u8>, start: Start, variant: Variant, fcs: bool) -> Example {
    let frame = Frame::decode(&bytes, start, variant, fcs)
        .unwrap_or_else(|e| panic!("{name}: the stack refuses its own example: {e}"));
    let again = frame.encode().unwrap_or_else(|e| panic!("{name}: the stack cannot encode it back: {e}"));
    assert_eq!(again, bytes, "{name}: encode(decode(b)) != b");
    Example { name, frame, bytes }
}

/// Signalling points of the corpus: an SSP and an STP/SCP.
fn points(variant: Variant) -> (PointCode, PointCode) {
    match variant {
        Variant::Itu => (PointCode::itu(2, 100, 5), PointCode::itu(2, 110, 1)),
        Variant::Ansi => (PointCode::ansi(245, 16, 1), PointCode::ansi(245, 20, 3)),
    }
}

/// An MTP3 user part: the example's name, the service indicator and the bytes.
struct UserPart {
    name: String,
    si: u8,
    bytes: Vec<u8>,
}

fn bytes_of<E: std::fmt::Display>(name: &str, r: Result<Vec<u8>, E>) -> Vec<u8> {
    r.unwrap_or_else(|e| panic!("{name}: example does not encode: {e}"))
}

/// Every ISUP, SCCP, TCAP and AIN/INAP example as an MTP3 user part.
fn user_parts(variant: Variant) -> Vec<UserPart> {
    let mut v = Vec::new();
    for (n, r) in isup::examples(variant) {
        let name = format!("isup: {n}");
        let bytes = bytes_of(&name, r.to_bytes().map(Vec::from));
        v.push(UserPart { name, si: si::ISUP, bytes });
    }
    for (n, r) in ssp_examples(variant) {
        let name = format!("ssp: {n}");
        let bytes = bytes_of(&name, r.to_bytes().map(Vec::from));
        v.push(UserPart { name, si: si::ISUP, bytes });
    }
    for (n, r) in sccp::examples(variant) {
        let name = format!("sccp: {n}");
        let bytes = bytes_of(&name, r.to_bytes(variant));
        v.push(UserPart { name, si: si::SCCP, bytes });
    }
    for (n, t) in ainsim_wire::tcap::examples(variant) {
        let name = format!("tcap: {n}");
        let tcap = bytes_of(&name, t.to_bytes());
        v.push(UserPart { bytes: udt(variant, &name, tcap), name, si: si::SCCP });
    }
    match variant {
        Variant::Ansi => {
            for (i, (n, op)) in ain::examples().into_iter().enumerate() {
                let name = format!("ain: {n}");
                let tcap = bytes_of(&name, ain_query(i, &op).to_bytes());
                v.push(UserPart { bytes: udt(variant, &name, tcap), name, si: si::SCCP });
            }
        }
        Variant::Itu => {
            for (i, (n, op)) in inap::examples(variant).into_iter().enumerate() {
                let name = format!("inap: {n}");
                let tcap = bytes_of(&name, inap_begin(i, &op).to_bytes());
                v.push(UserPart { bytes: udt(variant, &name, tcap), name, si: si::SCCP });
            }
        }
    }
    v
}

/// What the SSP adds on top of the codec's examples: DTMF and heard text in
/// a USR (`ainsim_elements::ssp::bridge`), and the IAMs of a `pbx` line
/// that presented a calling number, a withheld one, or none.
fn ssp_examples(variant: Variant) -> Vec<(&'static str, isup::Repr)> {
    use ainsim_elements::line::Presented;
    use ainsim_elements::ssp::{bridge, presented_calling};
    use isup::{MessageType as M, Parameter as P};
    let usr = |uui| isup::Repr::new(variant, 7, M::Usr, vec![P::UserToUserInformation(uui)], Some(vec![]));
    let iam = |p: &Presented| {
        let mut r = isup::examples(variant).into_iter().find(|(n, _)| *n == "IAM").expect("IAM example").1;
        if let isup::Body::Parameters(list) = &mut r.body {
            list.set_optional(Some(presented_calling(variant, "2125550142", p)));
        }
        r
    };
    vec![
        ("USR (DTMF)", usr(bridge::encode_dtmf("123#"))),
        ("USR (heard text)", usr(bridge::encode_hear("Please hold"))),
        ("IAM (pbx line, presented number)", iam(&Presented::Number("3035550111".into()))),
        ("IAM (pbx line, withheld)", iam(&Presented::Restricted)),
        ("IAM (pbx line, no number)", iam(&Presented::Unavailable)),
    ]
}

/// An SCCP UDT (class 1, return on error) between the TCAP subsystems of
/// the SSP and the SCP, routed on PC + SSN.
fn udt(variant: Variant, name: &str, data: Vec<u8>) -> Vec<u8> {
    let (ssp, scp) = points(variant);
    let ssn = tcap_ssn(variant);
    let r = SccpRepr::Udt(Udt {
        protocol_class: ProtocolClass::class1(true),
        called_party: Address::pc_ssn(variant, scp, ssn),
        calling_party: Address::pc_ssn(variant, ssp, ssn),
        data,
    });
    bytes_of(name, r.to_bytes(variant))
}

/// An ANSI TCAP Query With Permission carrying one AIN invoke.
fn ain_query(i: usize, op: &ain::AinOperation) -> TcapRepr {
    let id = u8::try_from(i % 200 + 1).unwrap_or(1);
    TcapRepr::Ansi(ansi::Message {
        package_type: ansi::PackageType::QueryWithPerm,
        form: ainsim_wire::ber::LenForm::Definite,
        transaction_id: vec![0x1a, 0x2b, 0x3c, id],
        dialogue: None,
        components: Some(ansi::ComponentSequence::new(vec![ansi::Component::InvokeLast(ansi::Invoke {
            form: ainsim_wire::ber::LenForm::Definite,
            component_ids: vec![id],
            opcode: ansi::OpCode::Private(op.opcode.code()),
            parameter: op.parameter_bytes().unwrap_or_else(|e| panic!("{op:?}: {e}")),
        })])),
        abort_cause: None,
    })
}

/// An ITU TCAP Begin (no dialogue portion: INAP by SSN) carrying one INAP invoke.
fn inap_begin(i: usize, op: &inap::InapOperation) -> TcapRepr {
    let id = i64::try_from(i % 100 + 1).unwrap_or(1);
    TcapRepr::Itu(itu::Message {
        message_type: itu::MessageType::Begin,
        form: ainsim_wire::ber::LenForm::Definite,
        otid: Some(vec![0x00, 0x0a, 0x0b, u8::try_from(id).unwrap_or(1)]),
        dtid: None,
        p_abort_cause: None,
        dialogue: None,
        components: Some(itu::ComponentPortion::new(vec![itu::Component::Invoke(itu::Invoke {
            form: ainsim_wire::ber::LenForm::Definite,
            invoke_id: id,
            linked_id: None,
            opcode: itu::Code::Local(op.opcode.code()),
            parameter: op.argument_bytes().unwrap_or_else(|e| panic!("{op:?}: {e}")),
        })])),
    })
}

fn mtp3_capture(variant: Variant) -> Capture {
    let (ssp, scp) = points(variant);
    let mut examples = Vec::new();
    for (n, m) in mtp3::examples(variant) {
        let name = format!("mtp3: {n}");
        let bytes = bytes_of(&name, m.to_bytes());
        examples.push(through_stack(name, bytes, Start::Mtp3, variant, false));
    }
    for (i, u) in user_parts(variant).into_iter().enumerate() {
        let m = Mtp3Repr {
            variant,
            si: u.si,
            ni: ni::NATIONAL,
            priority: if variant == Variant::Ansi { (i % 4) as u8 } else { 0 },
            dpc: scp,
            opc: ssp,
            sls: (i % 16) as u8,
            sif: u.bytes,
        };
        let bytes = bytes_of(&u.name, m.to_bytes());
        examples.push(through_stack(u.name, bytes, Start::Mtp3, variant, false));
    }
    Capture { name: format!("mtp3-{variant}"), variant, link: LinkType::Mtp3, fcs: false, examples }
}

fn m3ua_capture(variant: Variant) -> Capture {
    let (ssp, scp) = points(variant);
    let mut examples = Vec::new();
    if variant == Variant::Itu {
        // The M3UA examples' DATA carries an ITU ISUP IAM.
        for (n, m) in m3ua::examples() {
            let name = format!("m3ua: {n}");
            let bytes = bytes_of(&name, m.to_bytes());
            examples.push(through_stack(name, bytes, Start::M3ua, variant, false));
        }
    }
    for (i, u) in user_parts(variant).into_iter().enumerate() {
        let m = M3uaRepr::new(
            M3uaMessageType::Data,
            vec![
                M3uaParameter::routing_context(1),
                M3uaParameter::ProtocolData(ProtocolData {
                    opc: ssp,
                    dpc: scp,
                    si: u.si,
                    ni: ni::NATIONAL,
                    mp: if variant == Variant::Ansi { (i % 4) as u8 } else { 0 },
                    sls: (i % 16) as u8,
                    user_data: u.bytes.into(),
                }),
            ],
        );
        let bytes = bytes_of(&u.name, m.to_bytes());
        examples.push(through_stack(u.name, bytes, Start::M3ua, variant, false));
    }
    Capture { name: format!("m3ua-{variant}"), variant, link: LinkType::Ipv4, fcs: false, examples }
}

fn mtp2_capture(variant: Variant, link: LinkType, fcs: bool) -> Capture {
    let mut examples = Vec::new();
    for (n, u) in mtp2::examples(variant) {
        let name = format!("mtp2: {n}");
        let bytes = bytes_of(&name, if fcs { u.to_bytes() } else { u.to_bytes_without_fcs() });
        // The unit alone must parse as what it was built from.
        let back = mtp2::Mtp2Repr::parse_with(&bytes, Mtp2Format { fcs, extended: false })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, u, "{name}");
        examples.push(through_stack(name, bytes, Start::Mtp2, variant, fcs));
    }
    let kind = if link == LinkType::Mtp2 { "fcs" } else { "phdr" };
    Capture { name: format!("mtp2-{kind}-{variant}"), variant, link, fcs, examples }
}
