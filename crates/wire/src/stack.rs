//! A whole frame, decoded through every layer we know, and encoded back.
//!
//! [`Frame::decode`] starts at a given layer (an MTP2 signal unit, an MTP3
//! MSU, an M3UA message, an SCCP message, a TCAP message or an ISUP message)
//! and hands each payload to the codec of the layer above: MTP3 by service
//! indicator to SNM, SLT, SCCP or ISUP; M3UA DATA likewise; SCCP
//! connectionless data to TCAP when it starts with a TCAP tag; TCAP invoke
//! parameters to AIN 0.2 (ANSI private opcodes) or INAP (ITU local opcodes).
//!
//! A layer whose payload was decoded carries an empty payload field; the
//! decoded layer above is the truth, and [`Frame::encode`] rebuilds each
//! payload from it, innermost first. So `encode(decode(b)) == b`, and the
//! JSON of a [`Frame`] is what `ainsim decode --json` prints and
//! `ainsim encode --json` reads.
//!
//! What is not decoded stays raw: an MTP3 user part we have no codec for,
//! SCCP data that is not TCAP, a TCAP parameter of an operation that is not
//! AIN or INAP (MAP, CAP, IS-41...). Raw bytes re-encode as they came.
//! Decoding AIN and INAP is best effort: a parameter that does not parse as
//! the operation it claims to be stays raw rather than failing the frame.

use crate::error::{Error, Layer, Result};
use crate::mtp2::{Mtp2Format, SignalUnit};
use crate::mtp3::si;
use crate::tcap::{ansi, itu, TcapRepr};
use crate::{
    AinOperation, InapOperation, IsupRepr, M3uaParameter, M3uaRepr, Mtp2Repr, Mtp3Repr, SccpRepr, Slt,
    SnmRepr, Variant,
};

/// The layer a buffer starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Start {
    /// An MTP2 signal unit.
    Mtp2,
    /// An MTP3 message signal unit: SIO, routing label, SIF.
    Mtp3,
    /// An M3UA message (RFC 4666).
    M3ua,
    /// An SCCP message.
    Sccp,
    /// A TCAP message (ITU or ANSI, told apart by its first tag).
    Tcap,
    /// An ISUP message, from its CIC.
    Isup,
}

impl std::str::FromStr for Start {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "mtp2" => Start::Mtp2,
            "mtp3" => Start::Mtp3,
            "m3ua" => Start::M3ua,
            "sccp" => Start::Sccp,
            "tcap" => Start::Tcap,
            "isup" => Start::Isup,
            _ => return Err(format!("unknown layer {s:?} (expected mtp2, mtp3, m3ua, sccp, tcap or isup)")),
        })
    }
}

/// A decoded operation: which TCAP component it came from, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Operation {
    /// Index of the component in the TCAP component portion.
    pub component: usize,
    /// The operation's parameter decoded as AIN 0.2 or INAP.
    #[serde(flatten)]
    pub body: OperationBody,
}

/// AIN 0.2 or INAP.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationBody {
    Ain(AinOperation),
    Inap(InapOperation),
}

/// A frame decoded through every layer ainsim knows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frame {
    /// ITU or ANSI (MTP3 label, SCCP addresses, ISUP formats).
    pub variant: Variant,
    /// The layer the frame started at.
    pub start: Start,
    /// MTP2 only: the unit carried its FCS.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fcs: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtp2: Option<Mtp2Repr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtp3: Option<Mtp3Repr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m3ua: Option<M3uaRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snm: Option<SnmRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slt: Option<Slt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isup: Option<IsupRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sccp: Option<SccpRepr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcap: Option<TcapRepr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<Operation>,
}

impl Frame {
    fn empty(variant: Variant, start: Start) -> Self {
        Frame {
            variant,
            start,
            fcs: false,
            mtp2: None,
            mtp3: None,
            m3ua: None,
            snm: None,
            slt: None,
            isup: None,
            sccp: None,
            tcap: None,
            operations: Vec::new(),
        }
    }

    /// Decodes `buf`, which starts at layer `start`. For MTP2, `fcs` says
    /// whether the unit ends with its FCS (checked when present).
    ///
    /// # Errors
    /// The first layer that refuses its bytes, with the offset re-based to `buf`.
    pub fn decode(buf: &[u8], start: Start, variant: Variant, fcs: bool) -> Result<Frame> {
        let mut f = Frame::empty(variant, start);
        match start {
            Start::Mtp2 => {
                f.fcs = fcs;
                let mut unit = Mtp2Repr::parse_with(buf, Mtp2Format { fcs, extended: false })?;
                if let SignalUnit::Msu { payload } = &mut unit.unit {
                    // The MSU payload (SIO + SIF) follows the 3-octet header.
                    f.decode_mtp3(payload, 3)?;
                    payload.clear();
                }
                f.mtp2 = Some(unit);
            }
            Start::Mtp3 => f.decode_mtp3(buf, 0)?,
            Start::M3ua => f.decode_m3ua(buf)?,
            Start::Sccp => f.decode_sccp(buf, 0)?,
            Start::Tcap => f.decode_tcap(buf, 0)?,
            Start::Isup => f.isup = Some(IsupRepr::parse(buf, variant)?),
        }
        Ok(f)
    }

    fn decode_mtp3(&mut self, buf: &[u8], base: usize) -> Result<()> {
        let mut m = Mtp3Repr::parse(buf, self.variant).map_err(|e| e.at_base(base))?;
        let at = base + crate::mtp3::header_len(self.variant);
        if self.decode_user_part(m.si, &m.sif, at)? {
            m.sif.clear();
        }
        self.mtp3 = Some(m);
        Ok(())
    }

    /// Decodes an MTP3 user part by service indicator; false if it stays raw.
    fn decode_user_part(&mut self, si: u8, sif: &[u8], base: usize) -> Result<bool> {
        match si {
            si::SNM => self.snm = Some(SnmRepr::parse(sif, self.variant).map_err(|e| e.at_base(base))?),
            si::MTN | si::MTNS => self.slt = Some(Slt::parse(sif).map_err(|e| e.at_base(base))?),
            si::ISUP => self.isup = Some(IsupRepr::parse(sif, self.variant).map_err(|e| e.at_base(base))?),
            si::SCCP => self.decode_sccp(sif, base)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn decode_m3ua(&mut self, buf: &[u8]) -> Result<()> {
        let mut m = M3uaRepr::parse(buf)?;
        // Offset of each parameter's value: walk the wire order again.
        let mut at = 8;
        for p in &mut m.params {
            let len = p.buffer_len();
            if let M3uaParameter::ProtocolData(pd) = p {
                // Tag, length, then OPC, DPC, SI, NI, MP, SLS: 16 octets before the user data.
                if self.decode_user_part(pd.si, &pd.user_data, at + 16)? {
                    pd.user_data.clear();
                }
            }
            at += len;
        }
        self.m3ua = Some(m);
        Ok(())
    }

    fn decode_sccp(&mut self, buf: &[u8], base: usize) -> Result<()> {
        let mut s = SccpRepr::parse(buf, self.variant).map_err(|e| e.at_base(base))?;
        if let Some(data) = sccp_data_mut(&mut s) {
            if crate::tcap::variant_of(data).is_ok() {
                let tcap = std::mem::take(data);
                // The user data's place in `buf` is needed only to re-base an error.
                self.decode_tcap(&tcap, 0)
                    .map_err(|e| e.at_base(base + sccp_user_data_offset(buf, self.variant)))?;
            }
        }
        self.sccp = Some(s);
        Ok(())
    }

    fn decode_tcap(&mut self, buf: &[u8], base: usize) -> Result<()> {
        let mut t = TcapRepr::parse(buf).map_err(|e| e.at_base(base))?;
        match &mut t {
            TcapRepr::Ansi(m) => {
                for (i, c) in ansi_components_mut(m).iter_mut().enumerate() {
                    if let ansi::Component::InvokeLast(inv) | ansi::Component::InvokeNotLast(inv) = c {
                        let ansi::OpCode::Private(code) = inv.opcode else { continue };
                        if let Some(op) = try_ain(code, inv.parameter.as_deref()) {
                            inv.parameter = None;
                            self.operations.push(Operation { component: i, body: OperationBody::Ain(op) });
                        }
                    }
                }
            }
            TcapRepr::Itu(m) => {
                if !inap_context(m) {
                    self.tcap = Some(t);
                    return Ok(());
                }
                for (i, c) in itu_components_mut(m).iter_mut().enumerate() {
                    if let itu::Component::Invoke(inv) = c {
                        let itu::Code::Local(code) = inv.opcode else { continue };
                        if let Some(op) = try_inap(code, inv.parameter.as_deref()) {
                            inv.parameter = None;
                            self.operations.push(Operation { component: i, body: OperationBody::Inap(op) });
                        }
                    }
                }
            }
        }
        self.tcap = Some(t);
        Ok(())
    }

    /// Encodes the frame back to bytes, rebuilding every decoded payload.
    ///
    /// # Errors
    /// A layer that is missing (e.g. `start: mtp3` without `mtp3`), an
    /// operation naming a component that has no parameter slot, or any
    /// codec's own refusal of a value.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let missing =
            |what: &'static str| Error::other(Layer::Json, 0, format!("the frame has no {what} layer"));
        let tcap = self.tcap.as_ref().map(|t| self.encode_tcap(t)).transpose()?;
        let sccp = match &self.sccp {
            Some(s) => {
                let mut s = s.clone();
                if let (Some(t), Some(d)) = (&tcap, sccp_data_mut(&mut s)) {
                    d.clone_from(t);
                }
                let mut out = Vec::with_capacity(64);
                s.emit(self.variant, &mut out)?;
                Some(out)
            }
            None => None,
        };
        let user_part = self.encode_user_part(sccp.clone())?;
        match self.start {
            Start::Tcap => tcap.ok_or_else(|| missing("tcap")),
            Start::Sccp => sccp.ok_or_else(|| missing("sccp")),
            Start::Isup => {
                let mut out = Vec::new();
                self.isup.as_ref().ok_or_else(|| missing("isup"))?.emit(&mut out).map(|()| out)
            }
            Start::M3ua => {
                let mut m = self.m3ua.clone().ok_or_else(|| missing("m3ua"))?;
                if let Some(up) = user_part {
                    for p in &mut m.params {
                        if let M3uaParameter::ProtocolData(pd) = p {
                            pd.user_data = crate::InlineBytes::from_slice(&up);
                        }
                    }
                }
                m.to_bytes()
            }
            Start::Mtp3 | Start::Mtp2 => {
                let mtp3 = match &self.mtp3 {
                    Some(m) => {
                        let mut m = m.clone();
                        if let Some(up) = user_part {
                            m.sif = up;
                        }
                        Some(m.to_bytes()?)
                    }
                    None => None,
                };
                if self.start == Start::Mtp3 {
                    return mtp3.ok_or_else(|| missing("mtp3"));
                }
                let mut u = self.mtp2.clone().ok_or_else(|| missing("mtp2"))?;
                // Only an MSU carries MTP3; a FISU or LSSU has no layer above.
                match (&mut u.unit, mtp3) {
                    (SignalUnit::Msu { payload }, Some(b)) => *payload = b,
                    (SignalUnit::Msu { .. }, None) => {}
                    (_, Some(_)) => {
                        return Err(Error::other(Layer::Json, 0, "an MTP3 layer above a FISU or LSSU"))
                    }
                    (_, None) => {}
                }
                let mut out = Vec::with_capacity(u.buffer_len() + 2);
                if self.fcs {
                    u.emit(&mut out)?;
                } else {
                    u.emit_without_fcs(&mut out)?;
                }
                Ok(out)
            }
        }
    }

    /// The MTP3 user part bytes from whichever user layer is present.
    fn encode_user_part(&self, sccp: Option<Vec<u8>>) -> Result<Option<Vec<u8>>> {
        if let Some(s) = sccp {
            return Ok(Some(s));
        }
        if let Some(i) = &self.isup {
            return i.to_bytes().map(|b| Some(b.into()));
        }
        if let Some(s) = &self.snm {
            return s.to_bytes().map(Some);
        }
        if let Some(s) = &self.slt {
            return s.to_bytes().map(Some);
        }
        Ok(None)
    }

    fn encode_tcap(&self, t: &TcapRepr) -> Result<Vec<u8>> {
        let mut t = t.clone();
        for op in &self.operations {
            let mut param = Vec::new();
            let slot = match (&mut t, &op.body) {
                (TcapRepr::Ansi(m), OperationBody::Ain(a)) => {
                    a.emit(&mut param)?;
                    ansi_components_mut(m).get_mut(op.component).and_then(|c| match c {
                        ansi::Component::InvokeLast(i) | ansi::Component::InvokeNotLast(i) => {
                            Some(&mut i.parameter)
                        }
                        _ => None,
                    })
                }
                (TcapRepr::Itu(m), OperationBody::Inap(o)) => {
                    o.emit(&mut param)?;
                    itu_components_mut(m).get_mut(op.component).and_then(|c| match c {
                        itu::Component::Invoke(i) => Some(&mut i.parameter),
                        _ => None,
                    })
                }
                _ => None,
            };
            let slot = slot.ok_or_else(|| {
                Error::other(
                    Layer::Json,
                    0,
                    format!("operation for component {} has no invoke to go in", op.component),
                )
            })?;
            *slot = if param.is_empty() { None } else { Some(param) };
        }
        t.to_bytes()
    }
}

/// Realistic frames at every start layer, decoded: every ISUP, SCCP, SNM and
/// SLT example, and every TCAP example of `variant` in an SCCP UDT, each in an
/// MTP3 MSU, in an MTP2 MSU (no FCS) and in an M3UA DATA message; ISUP, SCCP
/// and TCAP also bare. Names read `start/user part/example`.
pub fn examples(variant: Variant) -> Vec<(String, Frame)> {
    example_bytes(variant)
        .into_iter()
        .filter_map(|(name, start, b)| Frame::decode(&b, start, variant, false).ok().map(|f| (name, f)))
        .collect()
}

/// The bytes behind [`examples`]: name, start layer, frame.
fn example_bytes(variant: Variant) -> Vec<(String, Start, Vec<u8>)> {
    // (name, service indicator, start when sent bare, bytes)
    let mut users: Vec<(String, u8, Option<Start>, Vec<u8>)> = Vec::new();
    for (n, r) in crate::isup::examples(variant) {
        users.extend(r.to_bytes().ok().map(|b| (format!("isup/{n}"), si::ISUP, Some(Start::Isup), b.into())));
    }
    for (n, r) in crate::sccp::examples(variant) {
        users.extend(r.to_bytes(variant).ok().map(|b| (format!("sccp/{n}"), si::SCCP, Some(Start::Sccp), b)));
    }
    let udt = crate::sccp::examples(variant).into_iter().find_map(|(_, r)| match r {
        SccpRepr::Udt(u) => Some(u),
        _ => None,
    });
    for (n, t) in crate::tcap::examples(variant) {
        let Ok(tcap) = t.to_bytes() else { continue };
        if let Some(mut u) = udt.clone() {
            u.data.clone_from(&tcap);
            let b = SccpRepr::Udt(u).to_bytes(variant);
            users.extend(b.ok().map(|b| (format!("sccp udt/tcap/{n}"), si::SCCP, Some(Start::Sccp), b)));
        }
        users.push((format!("tcap/{n}"), si::SCCP, Some(Start::Tcap), tcap));
    }
    for (n, r) in crate::mtp3::snm_examples(variant) {
        users.extend(r.to_bytes().ok().map(|b| (format!("snm/{n}"), si::SNM, None, b)));
    }
    for (n, r) in crate::mtp3::slt_examples(variant) {
        users.extend(r.to_bytes().ok().map(|b| (format!("slt/{n}"), si::MTN, None, b)));
    }
    let (dpc, opc) = match variant {
        Variant::Itu => (crate::PointCode::itu(2, 2, 2), crate::PointCode::itu(1, 1, 1)),
        Variant::Ansi => (crate::PointCode(0x01_02_03), crate::PointCode(0x0a_0b_0c)),
    };
    let mut out = Vec::new();
    for (name, si, bare, user) in users {
        let sccp_or_tcap = si == si::SCCP && bare == Some(Start::Tcap);
        if let Some(start) = bare {
            out.push((format!("{start:?}/{name}").to_lowercase(), start, user.clone()));
        }
        if sccp_or_tcap {
            // Bare TCAP is not an MTP3 user part; it went in a UDT above.
            continue;
        }
        let m3 = Mtp3Repr { variant, si, ni: 2, priority: 0, dpc, opc, sls: 5, sif: user.clone() };
        let Ok(mtp3) = m3.to_bytes() else { continue };
        let m2 = Mtp2Repr {
            extended: false,
            bsn: 17,
            bib: true,
            fsn: 42,
            fib: true,
            spare: 0,
            reserved: 0,
            unit: SignalUnit::Msu { payload: mtp3.clone() },
        };
        if let Ok(b) = m2.to_bytes_without_fcs() {
            out.push((format!("mtp2/{name}"), Start::Mtp2, b));
        }
        out.push((format!("mtp3/{name}"), Start::Mtp3, mtp3));
        let pd = crate::M3uaProtocolData { opc, dpc, si, ni: 2, mp: 0, sls: 5, user_data: user.into() };
        if let Ok(b) = M3uaRepr::data(Some(1), pd).to_bytes() {
            out.push((format!("m3ua/{name}"), Start::M3ua, b));
        }
    }
    out
}

/// Tries AIN for an ANSI private opcode; `None` keeps the parameter raw.
fn try_ain(code: u16, param: Option<&[u8]>) -> Option<AinOperation> {
    if matches!(crate::ain::AinOpcode::from_code(code), crate::ain::AinOpcode::Unknown(_)) {
        return None;
    }
    let op = AinOperation::parse(code, param).ok()?;
    round_trips(param, |out| op.emit(out)).then_some(op)
}

/// Tries INAP for an ITU local opcode; `None` keeps the parameter raw.
fn try_inap(code: i64, param: Option<&[u8]>) -> Option<InapOperation> {
    if matches!(crate::inap::InapOpcode::from_code(code), crate::inap::InapOpcode::Unknown(_)) {
        return None;
    }
    let op = InapOperation::parse(code, param).ok()?;
    round_trips(param, |out| op.emit(out)).then_some(op)
}

fn round_trips(param: Option<&[u8]>, emit: impl FnOnce(&mut Vec<u8>) -> Result<()>) -> bool {
    let mut out = Vec::new();
    emit(&mut out).is_ok() && out.as_slice() == param.unwrap_or(&[])
}

/// INAP rides ITU TCAP with no application context (pre-arranged, by SSN) or
/// with an ETSI INAP / CAMEL one; MAP's contexts are left alone.
fn inap_context(m: &itu::Message) -> bool {
    match m.application_context() {
        None => true,
        Some(oid) => {
            let a = &oid.0;
            // 0.4.0.1.1 INAP CS-1/CS-2 (ETSI in-network), 0.4.0.0.1.0.50..=52 CAMEL.
            a.starts_with(&[0, 4, 0, 1, 1])
                || (a.starts_with(&[0, 4, 0, 0, 1, 0]) && a.get(6).is_some_and(|x| (50..=52).contains(x)))
        }
    }
}

fn ansi_components_mut(m: &mut ansi::Message) -> &mut [ansi::Component] {
    m.components.as_mut().map_or(&mut [], |c| c.components.as_mut_slice())
}

fn itu_components_mut(m: &mut itu::Message) -> &mut [itu::Component] {
    m.components.as_mut().map_or(&mut [], |c| c.components.as_mut_slice())
}

/// The user data of a connectionless SCCP message (the ones TCAP rides in).
fn sccp_data_mut(s: &mut SccpRepr) -> Option<&mut Vec<u8>> {
    match s {
        SccpRepr::Udt(m) => Some(&mut m.data),
        SccpRepr::Udts(m) => Some(&mut m.data),
        SccpRepr::Xudt(m) | SccpRepr::Ludt(m) => Some(&mut m.data),
        SccpRepr::Xudts(m) | SccpRepr::Ludts(m) => Some(&mut m.data),
        _ => None,
    }
}

/// Offset of an SCCP message's user data within `buf` (0 if the view refuses it).
fn sccp_user_data_offset(buf: &[u8], variant: Variant) -> usize {
    let Ok(p) = crate::SccpPacket::new_checked(buf, variant) else { return 0 };
    p.user_data().ok().flatten().map_or(0, |d| (d.as_ptr() as usize).saturating_sub(buf.as_ptr() as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(buf: &[u8], start: Start, variant: Variant) -> Frame {
        let f = Frame::decode(buf, start, variant, false).unwrap();
        assert_eq!(f.encode().unwrap(), buf, "{f:#?}");
        let json = serde_json::to_string(&f).unwrap();
        let back: Frame = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        f
    }

    #[test]
    fn isup_in_mtp3_round_trips() {
        for variant in [Variant::Itu, Variant::Ansi] {
            for (name, isup) in crate::isup::examples(variant) {
                let m = Mtp3Repr {
                    variant,
                    si: si::ISUP,
                    ni: 2,
                    priority: 0,
                    dpc: crate::PointCode(if variant == Variant::Itu { 0x1234 } else { 0x010203 }),
                    opc: crate::PointCode(7),
                    sls: 3,
                    sif: isup.to_bytes().unwrap().into(),
                };
                let f = round_trip(&m.to_bytes().unwrap(), Start::Mtp3, variant);
                assert_eq!(f.isup.as_ref(), Some(&isup), "{name}");
            }
        }
    }

    #[test]
    fn tcap_operations_decode_and_round_trip() {
        for variant in [Variant::Itu, Variant::Ansi] {
            let mut decoded = 0;
            for (_, t) in crate::tcap::examples(variant) {
                let f = round_trip(&t.to_bytes().unwrap(), Start::Tcap, variant);
                decoded += f.operations.len();
            }
            assert!(decoded > 0, "{variant}: no AIN/INAP operation decoded from the TCAP examples");
        }
    }

    #[test]
    fn mtp2_units_without_mtp3_round_trip() {
        // FISUs and LSSUs have no MTP3 layer; MSUs do. With and without FCS.
        for (name, u) in crate::mtp2::examples(Variant::Itu) {
            let f = Frame::decode(&u.to_bytes().unwrap(), Start::Mtp2, Variant::Itu, true).unwrap();
            assert_eq!(f.encode().unwrap(), u.to_bytes().unwrap(), "{name}");
            let b = u.to_bytes_without_fcs().unwrap();
            let f = Frame::decode(&b, Start::Mtp2, Variant::Itu, false).unwrap();
            assert_eq!(f.encode().unwrap(), b, "{name}");
        }
    }

    #[test]
    fn every_example_frame_decodes_and_round_trips() {
        for variant in [Variant::Itu, Variant::Ansi] {
            let built = example_bytes(variant);
            for (name, start, b) in &built {
                let f = Frame::decode(b, *start, variant, false).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(f.encode().unwrap(), *b, "{name}");
            }
            assert_eq!(examples(variant).len(), built.len());
            for start in [Start::Mtp2, Start::Mtp3, Start::M3ua, Start::Sccp, Start::Tcap, Start::Isup] {
                assert!(built.iter().any(|(_, s, _)| *s == start), "{variant}: no {start:?} example");
            }
        }
    }

    #[test]
    fn tcap_errors_point_into_the_sccp_frame() {
        // A UDT whose user data starts like a TCAP Begin but claims 127 octets.
        let (_, mut udt) = crate::sccp::examples(Variant::Itu)
            .into_iter()
            .find(|(_, r)| matches!(r, SccpRepr::Udt(_)))
            .unwrap();
        let bad_tcap = vec![0x62, 0x7f, 0x48, 0x01, 0x01];
        *sccp_data_mut(&mut udt).unwrap() = bad_tcap.clone();
        let buf = udt.to_bytes(Variant::Itu).unwrap();
        let at = buf.len() - bad_tcap.len();
        assert_eq!(&buf[at..], &bad_tcap[..]);
        let e = Frame::decode(&buf, Start::Sccp, Variant::Itu, false).unwrap_err();
        assert_eq!((e.layer, e.offset), (Layer::Tcap, at), "{e}");
    }

    #[test]
    fn errors_point_into_the_outer_frame() {
        // An MTP3 ITU frame (SIO ISUP + label) whose ISUP part is cut short.
        let buf = [0x85, 0x01, 0x00, 0x00, 0x00, 0x05];
        let e = Frame::decode(&buf, Start::Mtp3, Variant::Itu, false).unwrap_err();
        assert_eq!(e.layer, Layer::Isup);
        assert!(e.offset >= 5, "{e}");
    }
}
