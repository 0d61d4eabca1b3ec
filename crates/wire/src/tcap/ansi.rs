//! ANSI T1.114 TCAP: the seven package types, the transaction ID element,
//! the optional dialogue portion (T1.114-2000 §3.3.3), the component sequence
//! (InvokeLast/NotLast, ReturnResultLast/NotLast, ReturnError, Reject) and the
//! abort cause.
//!
//! What it is not: it does not decode parameter sets (kept as the raw bytes of
//! the whole `0xF2`/`0x30` element, for the AIN codec), nor dialogue
//! user-information, security context or confidentiality (raw elements).
//!
//! Contract: `parse` never panics; `emit(parse(b)) == b` for every accepted
//! buffer (constructed elements remember their [`LenForm`]; decoded primitives
//! must use minimal lengths); `parse(emit(m)) == m` for every message `emit`
//! accepts.

use super::common::{bad, check_raw, int, prim, put, put_int, Elems, Oid, L, TO_BYTES_CAPACITY};
use crate::ber::{self, Class, LenForm, Tag, Tlv};
use crate::error::{Error, Reason, Result};
use crate::reader::Reader;

const fn pc(n: u32) -> Tag {
    Tag::constructed(Class::Private, n)
}
const fn pp(n: u32) -> Tag {
    Tag::primitive(Class::Private, n)
}

const TRANSACTION_ID: Tag = pp(7);
const COMPONENT_SEQUENCE: Tag = pc(8);
const INVOKE_LAST: Tag = pc(9);
const RETURN_RESULT_LAST: Tag = pc(10);
const RETURN_ERROR: Tag = pc(11);
const REJECT: Tag = pc(12);
const INVOKE_NOT_LAST: Tag = pc(13);
const RETURN_RESULT_NOT_LAST: Tag = pc(14);
const COMPONENT_ID: Tag = pp(15);
const OP_NATIONAL: Tag = pp(16);
const OP_PRIVATE: Tag = pp(17);
const PARAMETER_SET: Tag = pc(18);
const ERR_NATIONAL: Tag = pp(19);
const ERR_PRIVATE: Tag = pp(20);
const PROBLEM: Tag = pp(21);
const P_ABORT_CAUSE: Tag = pp(23);
const USER_ABORT_PRIM: Tag = pp(24);
const USER_ABORT_CONS: Tag = pc(24);
const DIALOGUE: Tag = pc(25);
const PROTOCOL_VERSION: Tag = pp(26);
const AC_INTEGER: Tag = pp(27);
const AC_OID: Tag = pp(28);
const USER_INFORMATION: Tag = pc(29);
const SECURITY_INTEGER: Tag = pp(30);
const SECURITY_OID: Tag = pp(31);
const CONFIDENTIALITY: Tag = pc(32);

fn form_is_default(f: &LenForm) -> bool {
    f.is_definite()
}

/// The T1.114 package types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageType {
    Unidirectional,
    QueryWithPerm,
    QueryWithoutPerm,
    Response,
    ConversationWithPerm,
    ConversationWithoutPerm,
    Abort,
}

impl PackageType {
    const ALL: [PackageType; 7] = [
        PackageType::Unidirectional,
        PackageType::QueryWithPerm,
        PackageType::QueryWithoutPerm,
        PackageType::Response,
        PackageType::ConversationWithPerm,
        PackageType::ConversationWithoutPerm,
        PackageType::Abort,
    ];

    /// The package tag (`0xE1`–`0xE6`, `0xF6`).
    pub fn tag(self) -> Tag {
        match self {
            PackageType::Unidirectional => pc(1),
            PackageType::QueryWithPerm => pc(2),
            PackageType::QueryWithoutPerm => pc(3),
            PackageType::Response => pc(4),
            PackageType::ConversationWithPerm => pc(5),
            PackageType::ConversationWithoutPerm => pc(6),
            PackageType::Abort => pc(22),
        }
    }

    /// The package type of a tag, if it is one.
    pub fn from_tag(t: Tag) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.tag() == t)
    }

    /// The package type of a first octet, if it is one.
    pub fn from_octet(b: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.tag().first_octet() == b)
    }

    /// The name used in errors and traces.
    pub fn name(self) -> &'static str {
        match self {
            PackageType::Unidirectional => "Unidirectional",
            PackageType::QueryWithPerm => "QueryWithPerm",
            PackageType::QueryWithoutPerm => "QueryWithoutPerm",
            PackageType::Response => "Response",
            PackageType::ConversationWithPerm => "ConversationWithPerm",
            PackageType::ConversationWithoutPerm => "ConversationWithoutPerm",
            PackageType::Abort => "Abort",
        }
    }
}

/// One ANSI TCAP package.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    #[serde(rename = "type")]
    pub package_type: PackageType,
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    /// Transaction ID element contents: 0 octets (Unidirectional), 4 (one ID)
    /// or 8 (originating then responding).
    #[serde(with = "crate::hexser")]
    pub transaction_id: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialogue: Option<DialoguePortion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<ComponentSequence>,
    /// Abort only: the P-abort cause or user abort information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_cause: Option<AbortCause>,
}

/// Why a transaction was aborted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbortCause {
    /// P-Abort cause `0xD7` (T1.114 §3.3.2: 1 unrecognized package type,
    /// 2 incorrect transaction portion, 3 badly structured transaction portion,
    /// 4 unassigned responding transaction ID, 5 permission to release problem,
    /// 6 resource unavailable, ...).
    PAbort(i64),
    /// User abort information `0xD8` (or `0xF8` as EXTERNAL): the whole element, raw.
    UserAbort(#[serde(with = "crate::hexser")] Vec<u8>),
}

/// T1.114 dialogue portion `0xF9`: its elements in wire order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DialoguePortion {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    pub elements: Vec<DialogueElement>,
}

/// One element of a dialogue portion.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DialogueElement {
    /// Protocol version `0xDA` contents (`0x03` = T1.114-1996/2000).
    ProtocolVersion(#[serde(with = "crate::hexser")] Vec<u8>),
    /// Integer application context `0xDB`.
    ApplicationContextInteger(i64),
    /// Object application context `0xDC`.
    ApplicationContextOid(Oid),
    /// User information `0xFD`: the whole element, raw.
    UserInformation(#[serde(with = "crate::hexser")] Vec<u8>),
    /// Security context `0xDE` (integer) or `0xDF 0x1F` (OID): the whole element, raw.
    SecurityContext(#[serde(with = "crate::hexser")] Vec<u8>),
    /// Confidentiality `0xFF 0x20`: the whole element, raw.
    Confidentiality(#[serde(with = "crate::hexser")] Vec<u8>),
    /// Any other element: raw.
    Unknown(#[serde(with = "crate::hexser")] Vec<u8>),
}

/// Component sequence `0xE8`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ComponentSequence {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    pub components: Vec<Component>,
}

/// Operation code: national `0xD0` or private `0xD1`, two octets: family
/// (bit 8 = reply required) then specifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpCode {
    National(u16),
    Private(u16),
}

impl OpCode {
    /// The two octets as a number (`0x6403` for AIN Info_Analyzed).
    pub fn value(self) -> u16 {
        match self {
            OpCode::National(v) | OpCode::Private(v) => v,
        }
    }

    /// The operation family, reply-required bit removed.
    pub fn family(self) -> u8 {
        (self.value() >> 8) as u8 & 0x7f
    }

    /// The operation specifier.
    pub fn specifier(self) -> u8 {
        self.value() as u8
    }

    /// T1.114 §3.4.2.1: bit H of the family octet asks for a reply.
    pub fn reply_required(self) -> bool {
        self.value() & 0x8000 != 0
    }
}

/// Error code: national `0xD3` or private `0xD4`, one octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    National(u8),
    Private(u8),
}

/// One component (T1.114 §3.4).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Component {
    InvokeLast(Invoke),
    InvokeNotLast(Invoke),
    ReturnResultLast(ReturnResult),
    ReturnResultNotLast(ReturnResult),
    ReturnError(ReturnError),
    Reject(Reject),
    /// A component with another tag: the whole element, raw.
    Unknown {
        #[serde(with = "crate::hexser")]
        raw: Vec<u8>,
    },
}

/// Invoke (Last `0xE9` / Not Last `0xED`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Invoke {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    /// Component IDs `0xCF`: invoke ID then optional correlation ID (0–2 octets).
    #[serde(with = "crate::hexser")]
    pub component_ids: Vec<u8>,
    pub opcode: OpCode,
    /// Parameter set `0xF2` or sequence `0x30`: the whole element, raw.
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub parameter: Option<Vec<u8>>,
}

/// ReturnResult (Last `0xEA` / Not Last `0xEE`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReturnResult {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    #[serde(with = "crate::hexser")]
    pub component_ids: Vec<u8>,
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub parameter: Option<Vec<u8>>,
}

/// ReturnError `0xEB`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReturnError {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    #[serde(with = "crate::hexser")]
    pub component_ids: Vec<u8>,
    pub error_code: ErrorCode,
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub parameter: Option<Vec<u8>>,
}

/// Reject `0xEC`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reject {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    #[serde(with = "crate::hexser")]
    pub component_ids: Vec<u8>,
    /// Problem code `0xD5`: problem type (high octet) and specifier, e.g. `0x0101`
    /// general/unrecognized component type.
    pub problem: u16,
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub parameter: Option<Vec<u8>>,
}

const D_MSG: usize = 1;
const D_COMP: usize = 2;
const D_IN_COMP: usize = 3;

impl Message {
    /// Parses one ANSI TCAP package that fills `buf`.
    ///
    /// # Errors
    /// Truncation, bad lengths, an unknown package tag, elements out of
    /// T1.114 order or not allowed in the package, trailing octets.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(L, buf);
        let top = ber::read_tlv(&mut r, 0)?;
        r.finish()?;
        let pt = PackageType::from_tag(top.tag).ok_or_else(|| {
            Error::new(L, 0, Reason::UnexpectedTag { found: top.tag.code(), expected: "ANSI TCAP package" })
        })?;
        Self::parse_body(pt, &top).map_err(|e| e.message(pt.name()))
    }

    fn parse_body(pt: PackageType, top: &Tlv<'_>) -> Result<Self> {
        let mut e = Elems::new(top, D_MSG);
        let t = e.take(TRANSACTION_ID, "transaction ID")?;
        let transaction_id = prim(&t, "transaction ID")?.to_vec();
        if ![0, 4, 8].contains(&transaction_id.len()) {
            return Err(Error::new(
                L,
                t.offset,
                Reason::BadValue { value: transaction_id.len() as u64, expected: "0, 4 or 8 octets" },
            )
            .parameter("transaction ID"));
        }
        let dialogue = e.next_if(DIALOGUE).map(|(t, _)| DialoguePortion::parse(&t)).transpose()?;
        let components =
            e.next_if(COMPONENT_SEQUENCE).map(|(t, _)| ComponentSequence::parse(&t)).transpose()?;
        let abort_cause = if let Some((t, _)) = e.next_if(P_ABORT_CAUSE) {
            Some(AbortCause::PAbort(int(&t, "P-abort cause")?))
        } else if let Some((_, raw)) = e.next_if(USER_ABORT_PRIM).or_else(|| e.next_if(USER_ABORT_CONS)) {
            Some(AbortCause::UserAbort(raw.to_vec()))
        } else {
            None
        };
        e.finish("end of package")?;
        let m =
            Message { package_type: pt, form: top.form, transaction_id, dialogue, components, abort_cause };
        m.check().map_err(|why| Error::other(L, top.offset, why))?;
        Ok(m)
    }

    fn check(&self) -> std::result::Result<(), &'static str> {
        let n = self.transaction_id.len();
        if ![0, 4, 8].contains(&n) {
            return Err("transaction ID must be 0, 4 or 8 octets");
        }
        match self.package_type {
            PackageType::Unidirectional if n != 0 => Err("Unidirectional has an empty transaction ID"),
            PackageType::Unidirectional if self.components.is_none() => {
                Err("Unidirectional needs a component sequence")
            }
            PackageType::Abort if self.components.is_some() => Err("Abort carries no components"),
            PackageType::Abort => Ok(()),
            _ if self.abort_cause.is_some() => Err("only an Abort carries an abort cause"),
            _ => Ok(()),
        }
    }

    /// Octets `emit` writes.
    pub fn buffer_len(&self) -> usize {
        self.to_bytes().map(|v| v.len()).unwrap_or(0)
    }

    /// Appends the encoded package to `out`.
    ///
    /// # Errors
    /// Elements not allowed in the package type, a transaction ID that is not
    /// 0, 4 or 8 octets, raw elements that are not exactly one element of the
    /// right tag, component IDs longer than 2 octets.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let name = self.package_type.name();
        self.check().map_err(|why| bad(out, "package", why).message(name))?;
        ber::write_tlv(out, self.package_type.tag(), self.form, L, |o| {
            put(o, TRANSACTION_ID, &self.transaction_id)?;
            if let Some(d) = &self.dialogue {
                d.emit(o)?;
            }
            if let Some(c) = &self.components {
                c.emit(o)?;
            }
            match &self.abort_cause {
                Some(AbortCause::PAbort(c)) => put_int(o, P_ABORT_CAUSE, *c)?,
                Some(AbortCause::UserAbort(raw)) => {
                    check_raw(raw, &[USER_ABORT_PRIM, USER_ABORT_CONS], D_MSG, "user abort information")?;
                    o.extend_from_slice(raw);
                }
                None => {}
            }
            Ok(())
        })
        .map_err(|e| e.message(name))
    }

    /// The encoded package.
    ///
    /// # Errors
    /// As [`Message::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        // Room for a usual message at once rather than five regrowths from empty.
        let mut v = Vec::with_capacity(TO_BYTES_CAPACITY);
        self.emit(&mut v)?;
        Ok(v)
    }

    /// The components, empty without a component sequence.
    pub fn components(&self) -> &[Component] {
        self.components.as_ref().map_or(&[], |c| &c.components)
    }

    /// The originating transaction ID: the first 4 octets of a Query,
    /// Conversation (8 octets) or Unidirectional (none).
    pub fn originating_id(&self) -> Option<&[u8]> {
        originating(self.package_type, &self.transaction_id)
    }

    /// The responding transaction ID: the only ID of a Response or Abort, the
    /// last 4 octets of a Conversation.
    pub fn responding_id(&self) -> Option<&[u8]> {
        responding(self.package_type, &self.transaction_id)
    }
}

/// Splits a transaction ID element's contents (see [`Message::originating_id`]).
pub(super) fn originating(pt: PackageType, tid: &[u8]) -> Option<&[u8]> {
    match (pt, tid.len()) {
        (_, 8) => tid.get(..4),
        (PackageType::Response | PackageType::Abort, _) => None,
        (_, 4) => Some(tid),
        _ => None,
    }
}

/// Splits a transaction ID element's contents (see [`Message::responding_id`]).
pub(super) fn responding(pt: PackageType, tid: &[u8]) -> Option<&[u8]> {
    match (pt, tid.len()) {
        (_, 8) => tid.get(4..),
        (PackageType::Response | PackageType::Abort, 4) => Some(tid),
        _ => None,
    }
}

impl DialoguePortion {
    fn parse(t: &Tlv<'_>) -> Result<Self> {
        let mut e = Elems::new(t, D_MSG + 1);
        let mut elements = Vec::new();
        while let Some((c, raw)) = e.next_any() {
            let el = match c.tag {
                PROTOCOL_VERSION => DialogueElement::ProtocolVersion(prim(&c, "protocol version")?.to_vec()),
                AC_INTEGER => DialogueElement::ApplicationContextInteger(int(&c, "application context")?),
                AC_OID => DialogueElement::ApplicationContextOid(Oid::from_tlv(&c, "application context")?),
                USER_INFORMATION => DialogueElement::UserInformation(raw.to_vec()),
                SECURITY_INTEGER | SECURITY_OID => DialogueElement::SecurityContext(raw.to_vec()),
                CONFIDENTIALITY => DialogueElement::Confidentiality(raw.to_vec()),
                _ => DialogueElement::Unknown(raw.to_vec()),
            };
            elements.push(el);
        }
        e.finish("end of dialogue portion")?;
        Ok(DialoguePortion { form: t.form, elements })
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let d = D_MSG + 1;
        ber::write_tlv(out, DIALOGUE, self.form, L, |o| {
            for el in &self.elements {
                match el {
                    DialogueElement::ProtocolVersion(v) => put(o, PROTOCOL_VERSION, v)?,
                    DialogueElement::ApplicationContextInteger(x) => put_int(o, AC_INTEGER, *x)?,
                    DialogueElement::ApplicationContextOid(oid) => oid.put(o, AC_OID)?,
                    DialogueElement::UserInformation(raw) => {
                        check_raw(raw, &[USER_INFORMATION], d, "user information")?;
                        o.extend_from_slice(raw);
                    }
                    DialogueElement::SecurityContext(raw) => {
                        check_raw(raw, &[SECURITY_INTEGER, SECURITY_OID], d, "security context")?;
                        o.extend_from_slice(raw);
                    }
                    DialogueElement::Confidentiality(raw) => {
                        check_raw(raw, &[CONFIDENTIALITY], d, "confidentiality")?;
                        o.extend_from_slice(raw);
                    }
                    DialogueElement::Unknown(raw) => {
                        let tag = check_raw(raw, &[], d, "dialogue element")?;
                        let known = [
                            PROTOCOL_VERSION,
                            AC_INTEGER,
                            AC_OID,
                            USER_INFORMATION,
                            SECURITY_INTEGER,
                            SECURITY_OID,
                            CONFIDENTIALITY,
                        ];
                        if known.contains(&tag) {
                            return Err(bad(o, "dialogue element", "raw element has the tag of a known one"));
                        }
                        o.extend_from_slice(raw);
                    }
                }
            }
            Ok(())
        })
    }
}

impl ComponentSequence {
    /// A definite-length component sequence.
    pub fn new(components: Vec<Component>) -> Self {
        ComponentSequence { form: LenForm::Definite, components }
    }

    fn parse(t: &Tlv<'_>) -> Result<Self> {
        let mut e = Elems::new(t, D_COMP);
        let mut components = Vec::new();
        while let Some((c, raw)) = e.next_any() {
            components.push(Component::parse(&c, raw)?);
        }
        e.finish("end of component sequence")?;
        Ok(ComponentSequence { form: t.form, components })
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        ber::write_tlv(out, COMPONENT_SEQUENCE, self.form, L, |o| {
            for c in &self.components {
                c.emit(o)?;
            }
            Ok(())
        })
    }
}

fn parse_ids(e: &mut Elems<'_>) -> Result<Vec<u8>> {
    let what = "component IDs";
    let t = e.take(COMPONENT_ID, what)?;
    let v = prim(&t, what)?;
    if v.len() > 2 {
        return Err(
            Error::new(L, t.offset, Reason::BadLength { declared: v.len(), available: 2 }).parameter(what)
        );
    }
    Ok(v.to_vec())
}

fn emit_ids(o: &mut Vec<u8>, ids: &[u8]) -> Result<()> {
    if ids.len() > 2 {
        return Err(bad(o, "component IDs", "at most 2 octets"));
    }
    put(o, COMPONENT_ID, ids)
}

fn parse_param(e: &mut Elems<'_>) -> Option<Vec<u8>> {
    e.next_if(PARAMETER_SET).or_else(|| e.next_if(Tag::SEQUENCE)).map(|(_, raw)| raw.to_vec())
}

fn emit_param(o: &mut Vec<u8>, p: Option<&Vec<u8>>) -> Result<()> {
    if let Some(p) = p {
        check_raw(p, &[PARAMETER_SET, Tag::SEQUENCE], D_IN_COMP, "parameter")?;
        o.extend_from_slice(p);
    }
    Ok(())
}

fn two_octets(t: &Tlv<'_>, what: &'static str) -> Result<u16> {
    match prim(t, what)? {
        [a, b] => Ok(u16::from_be_bytes([*a, *b])),
        v => {
            Err(Error::new(L, t.offset, Reason::BadLength { declared: v.len(), available: 2 })
                .parameter(what))
        }
    }
}

impl Component {
    fn parse(t: &Tlv<'_>, raw: &[u8]) -> Result<Self> {
        let name = match t.tag {
            INVOKE_LAST => "InvokeLast",
            INVOKE_NOT_LAST => "InvokeNotLast",
            RETURN_RESULT_LAST => "ReturnResultLast",
            RETURN_RESULT_NOT_LAST => "ReturnResultNotLast",
            RETURN_ERROR => "ReturnError",
            REJECT => "Reject",
            _ => return Ok(Component::Unknown { raw: raw.to_vec() }),
        };
        Self::parse_known(t).map_err(|e| e.parameter(name))
    }

    fn parse_known(t: &Tlv<'_>) -> Result<Self> {
        let mut e = Elems::new(t, D_IN_COMP);
        let component_ids = parse_ids(&mut e)?;
        let form = t.form;
        let c = match t.tag {
            INVOKE_LAST | INVOKE_NOT_LAST => {
                let (op, _) = e.take_any("operation code")?;
                let opcode = match op.tag {
                    OP_NATIONAL => OpCode::National(two_octets(&op, "operation code")?),
                    OP_PRIVATE => OpCode::Private(two_octets(&op, "operation code")?),
                    _ => {
                        return Err(Error::new(
                            L,
                            op.offset,
                            Reason::UnexpectedTag {
                                found: op.tag.code(),
                                expected: "operation code 0xD0/0xD1",
                            },
                        ))
                    }
                };
                let parameter = parse_param(&mut e);
                let i = Invoke { form, component_ids, opcode, parameter };
                if t.tag == INVOKE_LAST {
                    Component::InvokeLast(i)
                } else {
                    Component::InvokeNotLast(i)
                }
            }
            RETURN_RESULT_LAST | RETURN_RESULT_NOT_LAST => {
                let r = ReturnResult { form, component_ids, parameter: parse_param(&mut e) };
                if t.tag == RETURN_RESULT_LAST {
                    Component::ReturnResultLast(r)
                } else {
                    Component::ReturnResultNotLast(r)
                }
            }
            RETURN_ERROR => {
                let (ec, _) = e.take_any("error code")?;
                let one = |t: &Tlv<'_>| -> Result<u8> {
                    match prim(t, "error code")? {
                        [a] => Ok(*a),
                        v => Err(Error::new(
                            L,
                            t.offset,
                            Reason::BadLength { declared: v.len(), available: 1 },
                        )
                        .parameter("error code")),
                    }
                };
                let error_code = match ec.tag {
                    ERR_NATIONAL => ErrorCode::National(one(&ec)?),
                    ERR_PRIVATE => ErrorCode::Private(one(&ec)?),
                    _ => {
                        return Err(Error::new(
                            L,
                            ec.offset,
                            Reason::UnexpectedTag { found: ec.tag.code(), expected: "error code 0xD3/0xD4" },
                        ))
                    }
                };
                Component::ReturnError(ReturnError {
                    form,
                    component_ids,
                    error_code,
                    parameter: parse_param(&mut e),
                })
            }
            _ => {
                let problem = two_octets(&e.take(PROBLEM, "problem code")?, "problem code")?;
                Component::Reject(Reject { form, component_ids, problem, parameter: parse_param(&mut e) })
            }
        };
        e.finish("end of component")?;
        Ok(c)
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Component::InvokeLast(i) | Component::InvokeNotLast(i) => {
                let tag =
                    if matches!(self, Component::InvokeLast(_)) { INVOKE_LAST } else { INVOKE_NOT_LAST };
                ber::write_tlv(out, tag, i.form, L, |o| {
                    emit_ids(o, &i.component_ids)?;
                    match i.opcode {
                        OpCode::National(v) => put(o, OP_NATIONAL, &v.to_be_bytes())?,
                        OpCode::Private(v) => put(o, OP_PRIVATE, &v.to_be_bytes())?,
                    }
                    emit_param(o, i.parameter.as_ref())
                })
            }
            Component::ReturnResultLast(r) | Component::ReturnResultNotLast(r) => {
                let tag = if matches!(self, Component::ReturnResultLast(_)) {
                    RETURN_RESULT_LAST
                } else {
                    RETURN_RESULT_NOT_LAST
                };
                ber::write_tlv(out, tag, r.form, L, |o| {
                    emit_ids(o, &r.component_ids)?;
                    emit_param(o, r.parameter.as_ref())
                })
            }
            Component::ReturnError(r) => ber::write_tlv(out, RETURN_ERROR, r.form, L, |o| {
                emit_ids(o, &r.component_ids)?;
                match r.error_code {
                    ErrorCode::National(v) => put(o, ERR_NATIONAL, &[v])?,
                    ErrorCode::Private(v) => put(o, ERR_PRIVATE, &[v])?,
                }
                emit_param(o, r.parameter.as_ref())
            }),
            Component::Reject(r) => ber::write_tlv(out, REJECT, r.form, L, |o| {
                emit_ids(o, &r.component_ids)?;
                put(o, PROBLEM, &r.problem.to_be_bytes())?;
                emit_param(o, r.parameter.as_ref())
            }),
            Component::Unknown { raw } => {
                let tag = check_raw(raw, &[], D_COMP, "component")?;
                let known = [
                    INVOKE_LAST,
                    INVOKE_NOT_LAST,
                    RETURN_RESULT_LAST,
                    RETURN_RESULT_NOT_LAST,
                    RETURN_ERROR,
                    REJECT,
                ];
                if known.contains(&tag) {
                    return Err(bad(out, "component", "raw component has the tag of a known component"));
                }
                out.extend_from_slice(raw);
                Ok(())
            }
        }
    }

    /// The component IDs octets, if the component has them.
    pub fn component_ids(&self) -> Option<&[u8]> {
        match self {
            Component::InvokeLast(i) | Component::InvokeNotLast(i) => Some(&i.component_ids),
            Component::ReturnResultLast(r) | Component::ReturnResultNotLast(r) => Some(&r.component_ids),
            Component::ReturnError(r) => Some(&r.component_ids),
            Component::Reject(r) => Some(&r.component_ids),
            Component::Unknown { .. } => None,
        }
    }

    /// The operation code of an invoke.
    pub fn opcode(&self) -> Option<OpCode> {
        match self {
            Component::InvokeLast(i) | Component::InvokeNotLast(i) => Some(i.opcode),
            _ => None,
        }
    }

    /// The raw parameter element, if any.
    pub fn parameter(&self) -> Option<&[u8]> {
        match self {
            Component::InvokeLast(i) | Component::InvokeNotLast(i) => i.parameter.as_deref(),
            Component::ReturnResultLast(r) | Component::ReturnResultNotLast(r) => r.parameter.as_deref(),
            Component::ReturnError(r) => r.parameter.as_deref(),
            Component::Reject(r) => r.parameter.as_deref(),
            Component::Unknown { .. } => None,
        }
    }
}

/// One realistic instance of every package and component type.
#[allow(clippy::too_many_lines)]
pub fn examples() -> Vec<(&'static str, Message)> {
    // AIN 0.2 InfoAnalyzedArg (GR-1299): userID [53] { dn [1] 555-123-4567 },
    // bearerCapability [13] speech, calledPartyID [15] 555-1234 (national, ISDN plan).
    let info_analyzed = vec![
        0xf2, 0x15, // parameter set
        0xbf, 0x35, 0x07, 0x81, 0x05, 0x55, 0x15, 0x32, 0x54, 0x76, // userID { dn }
        0x8d, 0x01, 0x00, // bearerCapability: speech
        0x8f, 0x06, 0x83, 0x10, 0x55, 0x15, 0x32, 0x04, // calledPartyID
    ];
    // calledPartyID alone, for Analyze_Route.
    let called = vec![0xf2, 0x08, 0x8f, 0x06, 0x83, 0x10, 0x55, 0x15, 0x32, 0x04];
    let a_tid = vec![0x1a, 0x2b, 0x3c, 0x4d];
    let b_tid = vec![0x00, 0x00, 0x91, 0x07];
    let conv_tid = [b_tid.clone(), a_tid.clone()].concat();
    let dialogue = DialoguePortion {
        form: LenForm::Definite,
        elements: vec![
            DialogueElement::ProtocolVersion(vec![0x03]),
            DialogueElement::ApplicationContextInteger(2),
        ],
    };
    vec![
        (
            "ansi-query-with-perm-info-analyzed",
            Message {
                package_type: PackageType::QueryWithPerm,
                form: LenForm::Definite,
                transaction_id: a_tid.clone(),
                dialogue: Some(dialogue),
                components: Some(ComponentSequence::new(vec![Component::InvokeLast(Invoke {
                    form: LenForm::Definite,
                    component_ids: vec![0x01],
                    opcode: OpCode::Private(0x6403),
                    parameter: Some(info_analyzed),
                })])),
                abort_cause: None,
            },
        ),
        (
            "ansi-conversation-with-perm-send-notification",
            Message {
                package_type: PackageType::ConversationWithPerm,
                form: LenForm::Definite,
                transaction_id: conv_tid.clone(),
                dialogue: None,
                components: Some(ComponentSequence::new(vec![
                    // Analyze_Route (0x6501) not last, then Close (0x6e01), both
                    // correlated with the Info_Analyzed invoke 1.
                    Component::InvokeNotLast(Invoke {
                        form: LenForm::Definite,
                        component_ids: vec![0x02, 0x01],
                        opcode: OpCode::Private(0x6501),
                        parameter: Some(called.clone()),
                    }),
                    Component::InvokeLast(Invoke {
                        form: LenForm::Definite,
                        component_ids: vec![0x03, 0x01],
                        opcode: OpCode::Private(0x6e01),
                        parameter: Some(vec![0xf2, 0x00]),
                    }),
                ])),
                abort_cause: None,
            },
        ),
        (
            "ansi-conversation-without-perm-rrnl",
            Message {
                package_type: PackageType::ConversationWithoutPerm,
                form: LenForm::Definite,
                transaction_id: conv_tid.clone(),
                dialogue: None,
                // A partial (empty) result for invoke 1. No parameter: Wireshark 4.0's AIN
                // dissector asserts on AIN result parameters.
                components: Some(ComponentSequence::new(vec![Component::ReturnResultNotLast(
                    ReturnResult { form: LenForm::Definite, component_ids: vec![0x01], parameter: None },
                )])),
                abort_cause: None,
            },
        ),
        (
            "ansi-response-rrl-error-reject",
            Message {
                package_type: PackageType::Response,
                form: LenForm::Definite,
                transaction_id: b_tid.clone(),
                dialogue: None,
                components: Some(ComponentSequence::new(vec![
                    Component::ReturnResultLast(ReturnResult {
                        form: LenForm::Definite,
                        component_ids: vec![0x03],
                        parameter: None,
                    }),
                    Component::ReturnError(ReturnError {
                        form: LenForm::Definite,
                        component_ids: vec![0x04],
                        error_code: ErrorCode::Private(0x03), // AIN erroneousDataValue
                        parameter: None,
                    }),
                    Component::Reject(Reject {
                        form: LenForm::Definite,
                        component_ids: vec![0x05],
                        problem: 0x0202, // invoke: unrecognized operation code
                        parameter: Some(vec![0xf2, 0x00]),
                    }),
                ])),
                abort_cause: None,
            },
        ),
        (
            "ansi-query-without-perm-national-op",
            Message {
                package_type: PackageType::QueryWithoutPerm,
                form: LenForm::Definite,
                transaction_id: vec![0x00, 0x00, 0x00, 0x2a],
                dialogue: None,
                components: Some(ComponentSequence::new(vec![Component::InvokeLast(Invoke {
                    form: LenForm::Definite,
                    component_ids: vec![0x07],
                    // National family 3 (Provide Instructions) specifier 1 (Start),
                    // reply required: the LNP query of T1.114/GR-533, here without
                    // its parameter set.
                    opcode: OpCode::National(0x8301),
                    parameter: None,
                })])),
                abort_cause: None,
            },
        ),
        (
            "ansi-unidirectional",
            Message {
                package_type: PackageType::Unidirectional,
                form: LenForm::Definite,
                transaction_id: vec![],
                dialogue: None,
                components: Some(ComponentSequence::new(vec![Component::InvokeLast(Invoke {
                    form: LenForm::Definite,
                    component_ids: vec![],
                    opcode: OpCode::Private(0x6a01),
                    parameter: Some(vec![0xf2, 0x00]),
                })])),
                abort_cause: None,
            },
        ),
        (
            "ansi-abort-p-abort",
            Message {
                package_type: PackageType::Abort,
                form: LenForm::Definite,
                transaction_id: b_tid.clone(),
                dialogue: None,
                components: None,
                abort_cause: Some(AbortCause::PAbort(4)), // unassigned responding transaction ID
            },
        ),
        (
            "ansi-abort-user",
            Message {
                package_type: PackageType::Abort,
                form: LenForm::Definite,
                transaction_id: conv_tid,
                dialogue: None,
                components: None,
                // [PRIVATE 24] EXTERNAL { direct-reference 1.2.840.10008.1, octet-aligned [1] 0x01 }
                abort_cause: Some(AbortCause::UserAbort(vec![
                    0xf8, 0x0d, 0x28, 0x0b, 0x06, 0x06, 0x2a, 0x86, 0x48, 0xce, 0x18, 0x01, 0x81, 0x01, 0x01,
                ])),
            },
        ),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// QueryWithPerm, otid 1a2b3c4d, InvokeLast id 1, Info_Analyzed (private 0x6403).
    static QUERY: [u8; 29] = [
        0xe2, 0x1b, 0xc7, 0x04, 0x1a, 0x2b, 0x3c, 0x4d, // package, transaction ID
        0xe8, 0x13, 0xe9, 0x11, 0xcf, 0x01, 0x01, 0xd1, 0x02, 0x64, 0x03, // invoke
        0xf2, 0x08, 0x9f, 0x0f, 0x05, 0x03, 0x10, 0x55, 0x15, 0x02, // parameter set
    ];

    #[test]
    fn deconstruct_query() {
        let m = Message::parse(&QUERY).unwrap();
        assert_eq!(m.package_type, PackageType::QueryWithPerm);
        assert_eq!(m.originating_id(), Some(&[0x1a, 0x2b, 0x3c, 0x4d][..]));
        assert_eq!(m.responding_id(), None);
        let c = &m.components()[0];
        let op = c.opcode().unwrap();
        assert_eq!(
            (op, op.family(), op.specifier(), op.reply_required()),
            (OpCode::Private(0x6403), 0x64, 3, false)
        );
        assert_eq!(c.parameter().unwrap(), &QUERY[19..]);
        assert_eq!(m.to_bytes().unwrap(), QUERY);
    }

    #[test]
    fn examples_round_trip() {
        for (name, m) in examples() {
            let b = m.to_bytes().unwrap();
            assert_eq!(Message::parse(&b).unwrap(), m, "{name}");
            let j = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<Message>(&j).unwrap(), m, "{name} json {j}");
        }
    }

    #[test]
    fn indefinite_lengths_and_unknown_dialogue_elements_re_emit() {
        // Response, indefinite package and component sequence, dialogue with an
        // unknown element 0xc1, ReturnResultLast with an empty parameter set.
        let b = [
            0xe4, 0x80, 0xc7, 0x04, 0x00, 0x00, 0x91, 0x07, 0xf9, 0x06, 0xda, 0x01, 0x03, 0xc1, 0x01, 0x07,
            0xe8, 0x80, 0xea, 0x05, 0xcf, 0x01, 0x01, 0xf2, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        let m = Message::parse(&b).unwrap();
        assert_eq!((m.form, m.components.as_ref().unwrap().form), (LenForm::Indefinite, LenForm::Indefinite));
        assert_eq!(m.responding_id(), Some(&[0x00, 0x00, 0x91, 0x07][..]));
        let d = m.dialogue.as_ref().unwrap();
        assert_eq!(d.elements[1], DialogueElement::Unknown(vec![0xc1, 0x01, 0x07]));
        assert_eq!(m.to_bytes().unwrap(), b);
    }

    #[test]
    fn errors() {
        let e = Message::parse(&QUERY[..20]).unwrap_err();
        assert_eq!((e.layer, e.offset), (crate::Layer::Tcap, 0));
        let mut b = QUERY;
        b[3] = 3; // a 3-octet transaction ID
        assert!(Message::parse(&b).is_err());
        let mut b = QUERY;
        b[16] = 0x7f; // opcode length past its component
        let e = Message::parse(&b).unwrap_err();
        assert_eq!((e.offset, e.message.as_deref()), (15, Some("QueryWithPerm")));
    }
}
