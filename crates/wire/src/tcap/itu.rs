//! ITU-T Q.773 TCAP: Unidirectional, Begin, Continue, End and Abort, with the
//! dialogue portion (Q.773 §4.2.3: AARQ, AARE, ABRT, AUDT) and the component
//! portion (Invoke, ReturnResult(Not)Last, ReturnError, Reject).
//!
//! What it is not: it does not decode component parameters (they stay the raw
//! bytes of the whole element, for the INAP/CAMEL/MAP codecs), nor the
//! user-information of a dialogue PDU (raw), nor the later-version extensions
//! (Q.773 1997 `linkedId` CHOICE, AARQ extensions), which are refused.
//!
//! Contract: `parse` never panics; `emit(parse(b)) == b` for every accepted
//! buffer (constructed elements remember their [`LenForm`]; primitives must use
//! minimal lengths); `parse(emit(m)) == m` for every message `emit` accepts.

use super::common::{bad, check_raw, int, prim, put, put_int, Elems, Oid, L, TO_BYTES_CAPACITY};
use crate::ber::{self, Class, LenForm, Tag, Tlv};
use crate::error::{Error, Reason, Result};
use crate::reader::Reader;

const UNIDIRECTIONAL: Tag = Tag::constructed(Class::Application, 1);
const BEGIN: Tag = Tag::constructed(Class::Application, 2);
const END: Tag = Tag::constructed(Class::Application, 4);
const CONTINUE: Tag = Tag::constructed(Class::Application, 5);
const ABORT: Tag = Tag::constructed(Class::Application, 7);
const OTID: Tag = Tag::primitive(Class::Application, 8);
const DTID: Tag = Tag::primitive(Class::Application, 9);
const P_ABORT: Tag = Tag::primitive(Class::Application, 10);
const DIALOGUE: Tag = Tag::constructed(Class::Application, 11);
const COMPONENTS: Tag = Tag::constructed(Class::Application, 12);
const EXTERNAL: Tag = Tag::constructed(Class::Universal, 8);
const SINGLE_ASN1: Tag = Tag::constructed(Class::Context, 0);
const AARQ: Tag = Tag::constructed(Class::Application, 0);
const AARE: Tag = Tag::constructed(Class::Application, 1);
const ABRT: Tag = Tag::constructed(Class::Application, 4);
const PROTOCOL_VERSION: Tag = Tag::primitive(Class::Context, 0);
const ACN: Tag = Tag::constructed(Class::Context, 1);
const RESULT: Tag = Tag::constructed(Class::Context, 2);
const DIAGNOSTIC: Tag = Tag::constructed(Class::Context, 3);
const USER_INFORMATION: Tag = Tag::constructed(Class::Context, 30);
const ABORT_SOURCE: Tag = Tag::primitive(Class::Context, 0);
const INVOKE: Tag = Tag::constructed(Class::Context, 1);
const RETURN_RESULT_LAST: Tag = Tag::constructed(Class::Context, 2);
const RETURN_ERROR: Tag = Tag::constructed(Class::Context, 3);
const REJECT: Tag = Tag::constructed(Class::Context, 4);
const RETURN_RESULT_NOT_LAST: Tag = Tag::constructed(Class::Context, 7);
const LINKED_ID: Tag = Tag::primitive(Class::Context, 0);

/// Q.773 §4.2.3: dialogue-as-id `0.0.17.773.1.1.1`.
pub fn dialogue_as_id() -> Oid {
    Oid::new(&DIALOGUE_AS_ID)
}

const DIALOGUE_AS_ID: [u64; 7] = [0, 0, 17, 773, 1, 1, 1];
const UNIDIALOGUE_AS_ID: [u64; 7] = [0, 0, 17, 773, 1, 2, 1];

/// Q.773 §4.2.3: unidialogue-as-id `0.0.17.773.1.2.1`.
pub fn unidialogue_as_id() -> Oid {
    Oid::new(&UNIDIALOGUE_AS_ID)
}

fn form_is_default(f: &LenForm) -> bool {
    f.is_definite()
}

/// The five Q.773 message types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    Unidirectional,
    Begin,
    End,
    Continue,
    Abort,
}

impl MessageType {
    /// The message tag (`0x61`, `0x62`, `0x64`, `0x65`, `0x67`).
    pub fn tag(self) -> Tag {
        match self {
            MessageType::Unidirectional => UNIDIRECTIONAL,
            MessageType::Begin => BEGIN,
            MessageType::End => END,
            MessageType::Continue => CONTINUE,
            MessageType::Abort => ABORT,
        }
    }

    /// The message type of a tag, if it is one.
    pub fn from_tag(t: Tag) -> Option<Self> {
        [Self::Unidirectional, Self::Begin, Self::End, Self::Continue, Self::Abort]
            .into_iter()
            .find(|m| m.tag() == t)
    }

    /// The message type of a first octet, if it is one.
    pub fn from_octet(b: u8) -> Option<Self> {
        match b {
            0x61 => Some(Self::Unidirectional),
            0x62 => Some(Self::Begin),
            0x64 => Some(Self::End),
            0x65 => Some(Self::Continue),
            0x67 => Some(Self::Abort),
            _ => None,
        }
    }

    /// The name used in errors and traces.
    pub fn name(self) -> &'static str {
        match self {
            MessageType::Unidirectional => "Unidirectional",
            MessageType::Begin => "Begin",
            MessageType::End => "End",
            MessageType::Continue => "Continue",
            MessageType::Abort => "Abort",
        }
    }
}

/// One ITU TCAP message (Q.773 §4.2.1 `TCMessage`).
///
/// Which fields may be present depends on `message_type` (Q.773 Table 1);
/// `parse` and `emit` both refuse other combinations.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    #[serde(rename = "type")]
    pub message_type: MessageType,
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    /// Originating transaction ID, 1–4 octets (Begin, Continue).
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub otid: Option<Vec<u8>>,
    /// Destination transaction ID, 1–4 octets (Continue, End, Abort).
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub dtid: Option<Vec<u8>>,
    /// P-AbortCause (Abort only): 0 unrecognizedMessageType, 1 unrecognizedTransactionID,
    /// 2 badlyFormattedTransactionPortion, 3 incorrectTransactionPortion, 4 resourceLimitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_abort_cause: Option<i64>,
    /// Dialogue portion (in an Abort: the u-abortCause).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialogue: Option<DialoguePortion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<ComponentPortion>,
}

/// Q.773 dialogue portion: `[APPLICATION 11] EXTERNAL { direct-reference, single-ASN1-type [0] PDU }`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DialoguePortion {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub external_form: LenForm,
    /// The EXTERNAL's direct-reference: dialogue-as-id or unidialogue-as-id.
    pub oid: Oid,
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub pdu_form: LenForm,
    pub pdu: DialoguePdu,
}

/// A dialogue PDU (Q.773 §4.2.3 `DialoguePDU` / `UniDialoguePDU`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DialoguePdu {
    /// AARQ-apdu (0x60) under dialogue-as-id.
    Aarq(Aarq),
    /// AARE-apdu (0x61).
    Aare(Aare),
    /// ABRT-apdu (0x64).
    Abrt(Abrt),
    /// AUDT-apdu (0x60) under unidialogue-as-id; same layout as AARQ.
    Audt(Aarq),
    /// Any other PDU (or any PDU under another OID): the whole element, raw.
    Unknown(#[serde(with = "crate::hexser")] Vec<u8>),
}

/// AARQ-apdu (and AUDT-apdu, which has the same fields).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Aarq {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    /// protocol-version `[0] BIT STRING` contents (`0780` = version1), if present.
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub acn_form: LenForm,
    pub application_context: Oid,
    /// user-information `[30]`: the whole element, raw.
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub user_information: Option<Vec<u8>>,
}

/// Who produced an AARE's result-source-diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticSource {
    /// dialogue-service-user `[1]`: 0 null, 1 no-reason-given, 2 application-context-name-not-supported.
    ServiceUser,
    /// dialogue-service-provider `[2]`: 0 null, 1 no-reason-given, 2 no-common-dialogue-portion.
    ServiceProvider,
}

/// AARE-apdu.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Aare {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub acn_form: LenForm,
    pub application_context: Oid,
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub result_form: LenForm,
    /// Associate-result: 0 accepted, 1 reject-permanent.
    pub result: i64,
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub diagnostic_form: LenForm,
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub diagnostic_choice_form: LenForm,
    pub diagnostic_source: DiagnosticSource,
    pub diagnostic: i64,
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub user_information: Option<Vec<u8>>,
}

/// ABRT-apdu.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Abrt {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    /// ABRT-source: 0 dialogue-service-user, 1 dialogue-service-provider.
    pub abort_source: i64,
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub user_information: Option<Vec<u8>>,
}

/// Q.773 component portion `[APPLICATION 12] SEQUENCE OF Component`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ComponentPortion {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    pub components: Vec<Component>,
}

/// An operation or error code: local INTEGER or global OID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    Local(i64),
    Global(Oid),
}

/// One component (Q.773 §4.2.2 `Component`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Component {
    Invoke(Invoke),
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

/// Invoke `[1]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Invoke {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    pub invoke_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_id: Option<i64>,
    pub opcode: Code,
    /// The whole parameter element (tag, length, contents), raw.
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub parameter: Option<Vec<u8>>,
}

/// ReturnResultLast `[2]` / ReturnResultNotLast `[7]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReturnResult {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    pub invoke_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ResultBody>,
}

/// The `SEQUENCE { opcode, parameter }` of a ReturnResult.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResultBody {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    pub opcode: Code,
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub parameter: Option<Vec<u8>>,
}

/// ReturnError `[3]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReturnError {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    pub invoke_id: i64,
    pub error_code: Code,
    #[serde(default, with = "crate::hexser::opt", skip_serializing_if = "Option::is_none")]
    pub parameter: Option<Vec<u8>>,
}

/// Reject problem type (the context tag of the problem CHOICE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemType {
    General,
    Invoke,
    ReturnResult,
    ReturnError,
}

impl ProblemType {
    fn tag(self) -> Tag {
        let n = match self {
            ProblemType::General => 0,
            ProblemType::Invoke => 1,
            ProblemType::ReturnResult => 2,
            ProblemType::ReturnError => 3,
        };
        Tag::primitive(Class::Context, n)
    }
}

/// Reject `[4]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reject {
    #[serde(default, skip_serializing_if = "form_is_default")]
    pub form: LenForm,
    /// The rejected invoke ID, or `None` for not-derivable (NULL).
    pub invoke_id: Option<i64>,
    pub problem_type: ProblemType,
    pub problem_code: i64,
}

// Depths of nested elements, for bounded parsing.
const D_MSG: usize = 1;
const D_COMP: usize = 2;
const D_IN_COMP: usize = 3;

impl Message {
    /// Parses one ITU TCAP message that fills `buf`.
    ///
    /// # Errors
    /// Truncation, bad lengths, an unknown message tag, elements out of
    /// Q.773 order or not allowed for the message type, trailing octets.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(L, buf);
        let top = ber::read_tlv(&mut r, 0)?;
        r.finish()?;
        let mt = MessageType::from_tag(top.tag).ok_or_else(|| {
            Error::new(L, 0, Reason::UnexpectedTag { found: top.tag.code(), expected: "ITU TCAP message" })
        })?;
        Self::parse_body(mt, &top).map_err(|e| e.message(mt.name()))
    }

    fn parse_body(mt: MessageType, top: &Tlv<'_>) -> Result<Self> {
        let mut e = Elems::new(top, D_MSG);
        let tid = |t: Tlv<'_>, what| -> Result<Vec<u8>> {
            let v = prim(&t, what)?;
            if v.is_empty() || v.len() > 4 {
                return Err(Error::new(L, t.offset, Reason::BadLength { declared: v.len(), available: 4 })
                    .parameter(what));
            }
            Ok(v.to_vec())
        };
        let otid = e.next_if(OTID).map(|(t, _)| tid(t, "otid")).transpose()?;
        let dtid = e.next_if(DTID).map(|(t, _)| tid(t, "dtid")).transpose()?;
        let p_abort_cause = e.next_if(P_ABORT).map(|(t, _)| int(&t, "p-abort cause")).transpose()?;
        let dialogue = e.next_if(DIALOGUE).map(|(t, _)| DialoguePortion::parse(&t)).transpose()?;
        let components = e.next_if(COMPONENTS).map(|(t, _)| ComponentPortion::parse(&t)).transpose()?;
        e.finish("end of message")?;
        let m = Message { message_type: mt, form: top.form, otid, dtid, p_abort_cause, dialogue, components };
        m.check().map_err(|why| Error::other(L, top.offset, why))?;
        Ok(m)
    }

    /// Which portions `message_type` allows (Q.773 §3.1 Table 1).
    fn check(&self) -> std::result::Result<(), &'static str> {
        let (o, d, p, dl, c) = (
            self.otid.is_some(),
            self.dtid.is_some(),
            self.p_abort_cause.is_some(),
            self.dialogue.is_some(),
            self.components.is_some(),
        );
        match self.message_type {
            MessageType::Unidirectional if o || d || p => Err("Unidirectional carries no transaction IDs"),
            MessageType::Unidirectional if !c => Err("Unidirectional needs a component portion"),
            MessageType::Begin if !o || d || p => Err("Begin carries an otid only"),
            MessageType::End if o || !d || p => Err("End carries a dtid only"),
            MessageType::Continue if !o || !d || p => Err("Continue carries otid and dtid"),
            MessageType::Abort if o || !d => Err("Abort carries a dtid only"),
            MessageType::Abort if p && dl => {
                Err("Abort carries a P-abort cause or a dialogue portion, not both")
            }
            MessageType::Abort if c => Err("Abort carries no components"),
            _ => Ok(()),
        }
    }

    /// Octets `emit` writes.
    pub fn buffer_len(&self) -> usize {
        self.to_bytes().map(|v| v.len()).unwrap_or(0)
    }

    /// Appends the encoded message to `out`.
    ///
    /// # Errors
    /// Portions not allowed for the message type, transaction IDs outside
    /// 1–4 octets, raw elements that are not exactly one element, bad OIDs.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let name = self.message_type.name();
        self.check().map_err(|why| bad(out, "message", why).message(name))?;
        ber::write_tlv(out, self.message_type.tag(), self.form, L, |o| {
            for (tag, id, what) in [(OTID, &self.otid, "otid"), (DTID, &self.dtid, "dtid")] {
                if let Some(id) = id {
                    if id.is_empty() || id.len() > 4 {
                        return Err(bad(o, what, "transaction ID must be 1-4 octets"));
                    }
                    put(o, tag, id)?;
                }
            }
            if let Some(c) = self.p_abort_cause {
                put_int(o, P_ABORT, c)?;
            }
            if let Some(d) = &self.dialogue {
                d.emit(o)?;
            }
            if let Some(c) = &self.components {
                c.emit(o)?;
            }
            Ok(())
        })
        .map_err(|e| e.message(name))
    }

    /// The encoded message.
    ///
    /// # Errors
    /// As [`Message::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        // Room for a usual message at once rather than five regrowths from empty.
        let mut v = Vec::with_capacity(TO_BYTES_CAPACITY);
        self.emit(&mut v)?;
        Ok(v)
    }

    /// The components, empty when there is no component portion.
    pub fn components(&self) -> &[Component] {
        self.components.as_ref().map_or(&[], |c| &c.components)
    }

    /// The application context name of the dialogue portion, if any.
    pub fn application_context(&self) -> Option<&Oid> {
        match &self.dialogue.as_ref()?.pdu {
            DialoguePdu::Aarq(a) | DialoguePdu::Audt(a) => Some(&a.application_context),
            DialoguePdu::Aare(a) => Some(&a.application_context),
            _ => None,
        }
    }
}

impl DialoguePortion {
    /// A dialogue portion under dialogue-as-id (or unidialogue-as-id for AUDT).
    pub fn new(pdu: DialoguePdu) -> Self {
        let oid = if matches!(pdu, DialoguePdu::Audt(_)) { unidialogue_as_id() } else { dialogue_as_id() };
        DialoguePortion {
            form: LenForm::Definite,
            external_form: LenForm::Definite,
            oid,
            pdu_form: LenForm::Definite,
            pdu,
        }
    }

    fn parse(t: &Tlv<'_>) -> Result<Self> {
        let what = "dialogue portion";
        let d = D_MSG + 1;
        let mut e = Elems::new(t, d);
        let ext = e.take(EXTERNAL, "EXTERNAL")?;
        e.finish(what)?;
        let mut x = Elems::new(&ext, d + 1);
        let oid =
            Oid::from_tlv(&x.take(Tag::OID, "dialogue direct-reference")?, "dialogue direct-reference")?;
        let single = x.take(SINGLE_ASN1, "single-ASN1-type")?;
        x.finish(what)?;
        let mut s = Elems::new(&single, d + 2);
        let (p, raw) = s.take_any("dialogue PDU")?;
        s.finish(what)?;
        let pdu = match Self::structured(&oid, p.tag) {
            Some(k) => match k {
                AARQ_K => DialoguePdu::Aarq(Aarq::parse(&p, d + 3)?),
                AUDT_K => DialoguePdu::Audt(Aarq::parse(&p, d + 3)?),
                AARE_K => DialoguePdu::Aare(Aare::parse(&p, d + 3)?),
                _ => DialoguePdu::Abrt(Abrt::parse(&p, d + 3)?),
            },
            None => DialoguePdu::Unknown(raw.to_vec()),
        };
        Ok(DialoguePortion { form: t.form, external_form: ext.form, oid, pdu_form: single.form, pdu })
    }

    /// Which structured PDU `tag` is under `oid`, if any.
    fn structured(oid: &Oid, tag: Tag) -> Option<u8> {
        // Compared with the arcs in place: no `Oid` (a heap `Vec`) per call.
        if oid.0 == DIALOGUE_AS_ID {
            match tag {
                AARQ => Some(AARQ_K),
                AARE => Some(AARE_K),
                ABRT => Some(ABRT_K),
                _ => None,
            }
        } else if oid.0 == UNIDIALOGUE_AS_ID && tag == AARQ {
            Some(AUDT_K)
        } else {
            None
        }
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let d = D_MSG + 1;
        ber::write_tlv(out, DIALOGUE, self.form, L, |o| {
            ber::write_tlv(o, EXTERNAL, self.external_form, L, |o| {
                self.oid.put(o, Tag::OID)?;
                ber::write_tlv(o, SINGLE_ASN1, self.pdu_form, L, |o| {
                    let want = match &self.pdu {
                        DialoguePdu::Aarq(a) => {
                            a.emit(o, AARQ, d + 3)?;
                            Some(AARQ_K)
                        }
                        DialoguePdu::Audt(a) => {
                            a.emit(o, AARQ, d + 3)?;
                            Some(AUDT_K)
                        }
                        DialoguePdu::Aare(a) => {
                            a.emit(o, d + 3)?;
                            Some(AARE_K)
                        }
                        DialoguePdu::Abrt(a) => {
                            a.emit(o, d + 3)?;
                            Some(ABRT_K)
                        }
                        DialoguePdu::Unknown(raw) => {
                            let tag = check_raw(raw, &[], d + 2, "dialogue PDU")?;
                            if Self::structured(&self.oid, tag).is_some() {
                                return Err(bad(o, "dialogue PDU", "raw PDU has the tag of a known PDU"));
                            }
                            o.extend_from_slice(raw);
                            None
                        }
                    };
                    if let Some(k) = want {
                        let tag = match k {
                            AARE_K => AARE,
                            ABRT_K => ABRT,
                            _ => AARQ,
                        };
                        if Self::structured(&self.oid, tag) != Some(k) {
                            return Err(bad(o, "dialogue PDU", "PDU does not match the EXTERNAL's OID"));
                        }
                    }
                    Ok(())
                })
            })
        })
    }
}

const AARQ_K: u8 = 0;
const AARE_K: u8 = 1;
const ABRT_K: u8 = 2;
const AUDT_K: u8 = 3;

fn parse_acn(e: &mut Elems<'_>, depth: usize) -> Result<(LenForm, Oid)> {
    let what = "application-context-name";
    let a = e.take(ACN, what)?;
    let mut x = Elems::new(&a, depth);
    let oid = Oid::from_tlv(&x.take(Tag::OID, what)?, what)?;
    x.finish(what)?;
    Ok((a.form, oid))
}

fn emit_acn(o: &mut Vec<u8>, form: LenForm, oid: &Oid) -> Result<()> {
    ber::write_tlv(o, ACN, form, L, |o| oid.put(o, Tag::OID))
}

fn parse_user_info(e: &mut Elems<'_>) -> Option<Vec<u8>> {
    e.next_if(USER_INFORMATION).map(|(_, raw)| raw.to_vec())
}

fn emit_user_info(o: &mut Vec<u8>, ui: Option<&Vec<u8>>, depth: usize) -> Result<()> {
    if let Some(ui) = ui {
        check_raw(ui, &[USER_INFORMATION], depth, "user-information")?;
        o.extend_from_slice(ui);
    }
    Ok(())
}

fn parse_version(e: &mut Elems<'_>) -> Result<Option<Vec<u8>>> {
    e.next_if(PROTOCOL_VERSION).map(|(t, _)| prim(&t, "protocol-version").map(<[u8]>::to_vec)).transpose()
}

impl Aarq {
    /// An AARQ proposing `application_context`, protocol version 1.
    pub fn new(application_context: Oid) -> Self {
        Aarq {
            form: LenForm::Definite,
            protocol_version: Some(vec![0x07, 0x80]),
            acn_form: LenForm::Definite,
            application_context,
            user_information: None,
        }
    }

    fn parse(t: &Tlv<'_>, depth: usize) -> Result<Self> {
        let mut e = Elems::new(t, depth);
        let protocol_version = parse_version(&mut e)?;
        let (acn_form, application_context) = parse_acn(&mut e, depth + 1)?;
        let user_information = parse_user_info(&mut e);
        e.finish("end of AARQ")?;
        Ok(Aarq { form: t.form, protocol_version, acn_form, application_context, user_information })
    }

    fn emit(&self, out: &mut Vec<u8>, tag: Tag, depth: usize) -> Result<()> {
        ber::write_tlv(out, tag, self.form, L, |o| {
            if let Some(v) = &self.protocol_version {
                put(o, PROTOCOL_VERSION, v)?;
            }
            emit_acn(o, self.acn_form, &self.application_context)?;
            emit_user_info(o, self.user_information.as_ref(), depth)
        })
    }
}

impl Aare {
    fn parse(t: &Tlv<'_>, depth: usize) -> Result<Self> {
        let mut e = Elems::new(t, depth);
        let protocol_version = parse_version(&mut e)?;
        let (acn_form, application_context) = parse_acn(&mut e, depth + 1)?;
        let r = e.take(RESULT, "result")?;
        let mut rx = Elems::new(&r, depth + 1);
        let result = int(&rx.take(Tag::INTEGER, "result")?, "result")?;
        rx.finish("end of result")?;
        let dg = e.take(DIAGNOSTIC, "result-source-diagnostic")?;
        let mut dx = Elems::new(&dg, depth + 1);
        let (c, _) = dx.take_any("result-source-diagnostic")?;
        dx.finish("end of result-source-diagnostic")?;
        let diagnostic_source = if c.tag == Tag::constructed(Class::Context, 1) {
            DiagnosticSource::ServiceUser
        } else if c.tag == Tag::constructed(Class::Context, 2) {
            DiagnosticSource::ServiceProvider
        } else {
            return Err(Error::new(
                L,
                c.offset,
                Reason::UnexpectedTag { found: c.tag.code(), expected: "dialogue-service-user/provider" },
            ));
        };
        let mut cx = Elems::new(&c, depth + 2);
        let diagnostic = int(&cx.take(Tag::INTEGER, "diagnostic")?, "diagnostic")?;
        cx.finish("end of diagnostic")?;
        let user_information = parse_user_info(&mut e);
        e.finish("end of AARE")?;
        Ok(Aare {
            form: t.form,
            protocol_version,
            acn_form,
            application_context,
            result_form: r.form,
            result,
            diagnostic_form: dg.form,
            diagnostic_choice_form: c.form,
            diagnostic_source,
            diagnostic,
            user_information,
        })
    }

    fn emit(&self, out: &mut Vec<u8>, depth: usize) -> Result<()> {
        ber::write_tlv(out, AARE, self.form, L, |o| {
            if let Some(v) = &self.protocol_version {
                put(o, PROTOCOL_VERSION, v)?;
            }
            emit_acn(o, self.acn_form, &self.application_context)?;
            ber::write_tlv(o, RESULT, self.result_form, L, |o| put_int(o, Tag::INTEGER, self.result))?;
            ber::write_tlv(o, DIAGNOSTIC, self.diagnostic_form, L, |o| {
                let n = match self.diagnostic_source {
                    DiagnosticSource::ServiceUser => 1,
                    DiagnosticSource::ServiceProvider => 2,
                };
                ber::write_tlv(o, Tag::constructed(Class::Context, n), self.diagnostic_choice_form, L, |o| {
                    put_int(o, Tag::INTEGER, self.diagnostic)
                })
            })?;
            emit_user_info(o, self.user_information.as_ref(), depth)
        })
    }
}

impl Abrt {
    fn parse(t: &Tlv<'_>, depth: usize) -> Result<Self> {
        let mut e = Elems::new(t, depth);
        let abort_source = int(&e.take(ABORT_SOURCE, "abort-source")?, "abort-source")?;
        let user_information = parse_user_info(&mut e);
        e.finish("end of ABRT")?;
        Ok(Abrt { form: t.form, abort_source, user_information })
    }

    fn emit(&self, out: &mut Vec<u8>, depth: usize) -> Result<()> {
        ber::write_tlv(out, ABRT, self.form, L, |o| {
            put_int(o, ABORT_SOURCE, self.abort_source)?;
            emit_user_info(o, self.user_information.as_ref(), depth)
        })
    }
}

impl ComponentPortion {
    /// A definite-length component portion.
    pub fn new(components: Vec<Component>) -> Self {
        ComponentPortion { form: LenForm::Definite, components }
    }

    fn parse(t: &Tlv<'_>) -> Result<Self> {
        let mut e = Elems::new(t, D_COMP);
        let mut components = Vec::new();
        while let Some((c, raw)) = e.next_any() {
            components.push(Component::parse(&c, raw)?);
        }
        e.finish("end of component portion")?;
        Ok(ComponentPortion { form: t.form, components })
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        ber::write_tlv(out, COMPONENTS, self.form, L, |o| {
            for c in &self.components {
                c.emit(o)?;
            }
            Ok(())
        })
    }
}

impl Code {
    fn parse(t: &Tlv<'_>, what: &'static str) -> Result<Self> {
        if t.tag == Tag::INTEGER {
            Ok(Code::Local(int(t, what)?))
        } else if t.tag == Tag::OID {
            Ok(Code::Global(Oid::from_tlv(t, what)?))
        } else {
            Err(Error::new(L, t.offset, Reason::UnexpectedTag { found: t.tag.code(), expected: what })
                .parameter(what))
        }
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Code::Local(x) => put_int(out, Tag::INTEGER, *x),
            Code::Global(oid) => oid.put(out, Tag::OID),
        }
    }
}

fn parse_param(e: &mut Elems<'_>) -> Option<Vec<u8>> {
    e.next_any().map(|(_, raw)| raw.to_vec())
}

fn emit_param(o: &mut Vec<u8>, p: Option<&Vec<u8>>, depth: usize) -> Result<()> {
    if let Some(p) = p {
        check_raw(p, &[], depth, "parameter")?;
        o.extend_from_slice(p);
    }
    Ok(())
}

impl Component {
    fn parse(t: &Tlv<'_>, raw: &[u8]) -> Result<Self> {
        let name = match t.tag {
            INVOKE => "Invoke",
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
        let c = match t.tag {
            INVOKE => {
                let invoke_id = int(&e.take(Tag::INTEGER, "invoke id")?, "invoke id")?;
                let linked_id = e.next_if(LINKED_ID).map(|(t, _)| int(&t, "linked id")).transpose()?;
                let opcode = Code::parse(&e.take_any("opcode")?.0, "opcode")?;
                let parameter = parse_param(&mut e);
                Component::Invoke(Invoke { form: t.form, invoke_id, linked_id, opcode, parameter })
            }
            RETURN_RESULT_LAST | RETURN_RESULT_NOT_LAST => {
                let invoke_id = int(&e.take(Tag::INTEGER, "invoke id")?, "invoke id")?;
                let result = match e.next_if(Tag::SEQUENCE) {
                    Some((s, _)) => {
                        let mut x = Elems::new(&s, D_IN_COMP + 1);
                        let opcode = Code::parse(&x.take_any("opcode")?.0, "opcode")?;
                        let parameter = parse_param(&mut x);
                        x.finish("end of result")?;
                        Some(ResultBody { form: s.form, opcode, parameter })
                    }
                    None => None,
                };
                let rr = ReturnResult { form: t.form, invoke_id, result };
                if t.tag == RETURN_RESULT_LAST {
                    Component::ReturnResultLast(rr)
                } else {
                    Component::ReturnResultNotLast(rr)
                }
            }
            RETURN_ERROR => {
                let invoke_id = int(&e.take(Tag::INTEGER, "invoke id")?, "invoke id")?;
                let error_code = Code::parse(&e.take_any("error code")?.0, "error code")?;
                let parameter = parse_param(&mut e);
                Component::ReturnError(ReturnError { form: t.form, invoke_id, error_code, parameter })
            }
            _ => {
                let (id, _) = e.take_any("invoke id")?;
                let invoke_id = if id.tag == Tag::NULL {
                    if !prim(&id, "invoke id")?.is_empty() {
                        return Err(Error::other(L, id.offset, "NULL with contents").parameter("invoke id"));
                    }
                    None
                } else if id.tag == Tag::INTEGER {
                    Some(int(&id, "invoke id")?)
                } else {
                    return Err(Error::new(
                        L,
                        id.offset,
                        Reason::UnexpectedTag { found: id.tag.code(), expected: "INTEGER or NULL" },
                    )
                    .parameter("invoke id"));
                };
                let (p, _) = e.take_any("problem")?;
                let problem_type = [
                    ProblemType::General,
                    ProblemType::Invoke,
                    ProblemType::ReturnResult,
                    ProblemType::ReturnError,
                ]
                .into_iter()
                .find(|k| k.tag() == p.tag)
                .ok_or_else(|| {
                    Error::new(
                        L,
                        p.offset,
                        Reason::UnexpectedTag { found: p.tag.code(), expected: "problem [0]-[3]" },
                    )
                    .parameter("problem")
                })?;
                let problem_code = int(&p, "problem")?;
                Component::Reject(Reject { form: t.form, invoke_id, problem_type, problem_code })
            }
        };
        e.finish("end of component")?;
        Ok(c)
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let d = D_IN_COMP;
        match self {
            Component::Invoke(i) => ber::write_tlv(out, INVOKE, i.form, L, |o| {
                put_int(o, Tag::INTEGER, i.invoke_id)?;
                if let Some(l) = i.linked_id {
                    put_int(o, LINKED_ID, l)?;
                }
                i.opcode.emit(o)?;
                emit_param(o, i.parameter.as_ref(), d)
            }),
            Component::ReturnResultLast(r) | Component::ReturnResultNotLast(r) => {
                let tag = if matches!(self, Component::ReturnResultLast(_)) {
                    RETURN_RESULT_LAST
                } else {
                    RETURN_RESULT_NOT_LAST
                };
                ber::write_tlv(out, tag, r.form, L, |o| {
                    put_int(o, Tag::INTEGER, r.invoke_id)?;
                    if let Some(b) = &r.result {
                        ber::write_tlv(o, Tag::SEQUENCE, b.form, L, |o| {
                            b.opcode.emit(o)?;
                            emit_param(o, b.parameter.as_ref(), d + 1)
                        })?;
                    }
                    Ok(())
                })
            }
            Component::ReturnError(r) => ber::write_tlv(out, RETURN_ERROR, r.form, L, |o| {
                put_int(o, Tag::INTEGER, r.invoke_id)?;
                r.error_code.emit(o)?;
                emit_param(o, r.parameter.as_ref(), d)
            }),
            Component::Reject(r) => ber::write_tlv(out, REJECT, r.form, L, |o| {
                match r.invoke_id {
                    Some(id) => put_int(o, Tag::INTEGER, id)?,
                    None => put(o, Tag::NULL, &[])?,
                }
                put_int(o, r.problem_type.tag(), r.problem_code)
            }),
            Component::Unknown { raw } => {
                let tag = check_raw(raw, &[], D_COMP, "component")?;
                if [INVOKE, RETURN_RESULT_LAST, RETURN_RESULT_NOT_LAST, RETURN_ERROR, REJECT].contains(&tag) {
                    return Err(bad(out, "component", "raw component has the tag of a known component"));
                }
                out.extend_from_slice(raw);
                Ok(())
            }
        }
    }

    /// The invoke ID, if the component has one.
    pub fn invoke_id(&self) -> Option<i64> {
        match self {
            Component::Invoke(i) => Some(i.invoke_id),
            Component::ReturnResultLast(r) | Component::ReturnResultNotLast(r) => Some(r.invoke_id),
            Component::ReturnError(r) => Some(r.invoke_id),
            Component::Reject(r) => r.invoke_id,
            Component::Unknown { .. } => None,
        }
    }

    /// The operation code (Invoke, ReturnResult with a result).
    pub fn opcode(&self) -> Option<&Code> {
        match self {
            Component::Invoke(i) => Some(&i.opcode),
            Component::ReturnResultLast(r) | Component::ReturnResultNotLast(r) => {
                r.result.as_ref().map(|b| &b.opcode)
            }
            _ => None,
        }
    }

    /// The raw parameter element, if any.
    pub fn parameter(&self) -> Option<&[u8]> {
        match self {
            Component::Invoke(i) => i.parameter.as_deref(),
            Component::ReturnResultLast(r) | Component::ReturnResultNotLast(r) => {
                r.result.as_ref().and_then(|b| b.parameter.as_deref())
            }
            Component::ReturnError(r) => r.parameter.as_deref(),
            _ => None,
        }
    }
}

/// INAP CS-1/CS-2 application context for the SCF-SSF interface (`0.4.0.1.1.0.3.0`... is
/// network-specific; this is ETSI Core INAP CS-1 `id-ac-CS1-ssp-to-scp`).
fn inap_cs1_acn() -> Oid {
    Oid::new(&[0, 4, 0, 1, 1, 0, 0, 0])
}

/// One realistic instance of every message and component type.
#[allow(clippy::too_many_lines)]
pub fn examples() -> Vec<(&'static str, Message)> {
    // InitiateCallAttemptArg { destinationRoutingAddress [0] { CalledPartyNumber } }:
    // national number 3025551234, ISDN numbering plan.
    let ica_param = vec![0x30, 0x0b, 0xa0, 0x09, 0x04, 0x07, 0x03, 0x10, 0x03, 0x52, 0x55, 0x21, 0x43];
    let begin = Message {
        message_type: MessageType::Begin,
        form: LenForm::Definite,
        otid: Some(vec![0x00, 0x01, 0x3a, 0x7f]),
        dtid: None,
        p_abort_cause: None,
        dialogue: Some(DialoguePortion::new(DialoguePdu::Aarq(Aarq::new(inap_cs1_acn())))),
        components: Some(ComponentPortion::new(vec![Component::Invoke(Invoke {
            form: LenForm::Definite,
            invoke_id: 1,
            linked_id: None,
            opcode: Code::Local(32),
            parameter: Some(ica_param),
        })])),
    };
    let aare = Aare {
        form: LenForm::Definite,
        protocol_version: Some(vec![0x07, 0x80]),
        acn_form: LenForm::Definite,
        application_context: inap_cs1_acn(),
        result_form: LenForm::Definite,
        result: 0,
        diagnostic_form: LenForm::Definite,
        diagnostic_choice_form: LenForm::Definite,
        diagnostic_source: DiagnosticSource::ServiceUser,
        diagnostic: 0,
        user_information: None,
    };
    let cont = Message {
        message_type: MessageType::Continue,
        form: LenForm::Definite,
        otid: Some(vec![0x51, 0x00, 0x02, 0x9c]),
        dtid: Some(vec![0x00, 0x01, 0x3a, 0x7f]),
        p_abort_cause: None,
        dialogue: Some(DialoguePortion::new(DialoguePdu::Aare(aare))),
        components: Some(ComponentPortion::new(vec![
            // The SCP links an ApplyCharging (35) invoke to invoke 1 ...
            Component::Invoke(Invoke {
                form: LenForm::Definite,
                invoke_id: 2,
                linked_id: Some(1),
                opcode: Code::Local(35),
                parameter: Some(vec![0x30, 0x05, 0x80, 0x03, 0x01, 0x86, 0xa0]),
            }),
            // ... and a partial result of PromptAndCollectUserInformation (48):
            // digitsResponse [0] "1234" (generic digits, BCD even).
            Component::ReturnResultNotLast(ReturnResult {
                form: LenForm::Definite,
                invoke_id: 1,
                result: Some(ResultBody {
                    form: LenForm::Definite,
                    opcode: Code::Local(48),
                    parameter: Some(vec![0x80, 0x03, 0x00, 0x21, 0x43]),
                }),
            }),
        ])),
    };
    let end = Message {
        message_type: MessageType::End,
        form: LenForm::Definite,
        otid: None,
        dtid: Some(vec![0x51, 0x00, 0x02, 0x9c]),
        p_abort_cause: None,
        dialogue: None,
        components: Some(ComponentPortion::new(vec![
            Component::ReturnResultLast(ReturnResult {
                form: LenForm::Definite,
                invoke_id: 2,
                result: Some(ResultBody {
                    form: LenForm::Definite,
                    opcode: Code::Local(48),
                    parameter: Some(vec![0x80, 0x03, 0x00, 0x65, 0x87]),
                }),
            }),
            Component::ReturnError(ReturnError {
                form: LenForm::Definite,
                invoke_id: 3,
                // Q.1218 error 7: missingParameter.
                error_code: Code::Local(7),
                parameter: None,
            }),
            Component::Reject(Reject {
                form: LenForm::Definite,
                invoke_id: Some(4),
                problem_type: ProblemType::Invoke,
                problem_code: 1, // mistypedParameter
            }),
        ])),
    };
    let abort_user = Message {
        message_type: MessageType::Abort,
        form: LenForm::Definite,
        otid: None,
        dtid: Some(vec![0x00, 0x01, 0x3a, 0x7f]),
        p_abort_cause: None,
        dialogue: Some(DialoguePortion::new(DialoguePdu::Abrt(Abrt {
            form: LenForm::Definite,
            abort_source: 0,
            user_information: None,
        }))),
        components: None,
    };
    let abort_provider = Message {
        message_type: MessageType::Abort,
        form: LenForm::Definite,
        otid: None,
        dtid: Some(vec![0x51, 0x00, 0x02, 0x9c]),
        p_abort_cause: Some(1), // unrecognizedTransactionID
        dialogue: None,
        components: None,
    };
    let uni = Message {
        message_type: MessageType::Unidirectional,
        form: LenForm::Definite,
        otid: None,
        dtid: None,
        p_abort_cause: None,
        dialogue: Some(DialoguePortion::new(DialoguePdu::Audt(Aarq::new(inap_cs1_acn())))),
        components: Some(ComponentPortion::new(vec![Component::Reject(Reject {
            form: LenForm::Definite,
            invoke_id: None,
            problem_type: ProblemType::General,
            problem_code: 2, // badlyStructuredComponent
        })])),
    };
    vec![
        ("itu-begin-aarq-initiate-call-attempt", begin),
        ("itu-continue-aare-invoke-rrnl", cont),
        ("itu-end-rrl-return-error-reject", end),
        ("itu-abort-abrt", abort_user),
        ("itu-abort-p-abort", abort_provider),
        ("itu-unidirectional-audt-reject", uni),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Begin, otid 0x00013a7f, AARQ for INAP CS-1, Invoke id 1 op 32 (InitiateCallAttempt).
    static BEGIN_BYTES: [u8; 60] = [
        0x62, 0x3a, // Begin
        0x48, 0x04, 0x00, 0x01, 0x3a, 0x7f, // otid
        0x6b, 0x1e, 0x28, 0x1c, 0x06, 0x07, 0x00, 0x11, 0x86, 0x05, 0x01, 0x01, 0x01, // dialogue-as-id
        0xa0, 0x11, 0x60, 0x0f, 0x80, 0x02, 0x07, 0x80, // AARQ, version1
        0xa1, 0x09, 0x06, 0x07, 0x04, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, // ACN
        0x6c, 0x12, 0xa1, 0x10, 0x02, 0x01, 0x01, 0x02, 0x01, 0x20, // invoke 1, op 32
        0x30, 0x08, 0xa0, 0x06, 0x04, 0x04, 0x03, 0x10, 0x52, 0x55, // parameter
    ];

    #[test]
    fn deconstruct_begin() {
        let m = Message::parse(&BEGIN_BYTES).unwrap();
        assert_eq!(m.message_type, MessageType::Begin);
        assert_eq!(m.otid.as_deref(), Some(&[0x00, 0x01, 0x3a, 0x7f][..]));
        assert_eq!(m.application_context().unwrap().to_string(), "0.4.0.1.1.0.0.0");
        let c = &m.components()[0];
        assert_eq!((c.invoke_id(), c.opcode()), (Some(1), Some(&Code::Local(32))));
        assert_eq!(c.parameter().unwrap(), &BEGIN_BYTES[50..]);
        assert_eq!(m.to_bytes().unwrap(), BEGIN_BYTES);
    }

    #[test]
    fn indefinite_and_long_forms_re_emit() {
        // Continue, indefinite outer, long-form component portion.
        let b = [
            0x65, 0x80, 0x48, 0x01, 0x05, 0x49, 0x01, 0x07, 0x6c, 0x81, 0x09, 0xa2, 0x80, 0x02, 0x01, 0x09,
            0x00, 0x00, 0xa4, 0x00, 0x00, 0x00,
        ];
        // A reject with no contents is refused (invoke id missing) ...
        assert!(Message::parse(&b).is_err());
        let b = [
            0x65, 0x80, 0x48, 0x01, 0x05, 0x49, 0x01, 0x07, 0x6c, 0x81, 0x0b, 0xa2, 0x80, 0x02, 0x01, 0x09,
            0x00, 0x00, 0xa4, 0x02, 0x05, 0x00, 0x00, 0x00,
        ];
        // ... and a Reject with NULL id but no problem too.
        let e = Message::parse(&b).unwrap_err();
        assert_eq!(e.message.as_deref(), Some("Continue"));
        let b = [
            0x65, 0x80, 0x48, 0x01, 0x05, 0x49, 0x01, 0x07, 0x6c, 0x81, 0x0e, 0xa2, 0x80, 0x02, 0x01, 0x09,
            0x00, 0x00, 0xa4, 0x05, 0x05, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00,
        ];
        let m = Message::parse(&b).unwrap();
        assert_eq!(m.form, LenForm::Indefinite);
        assert_eq!(m.components.as_ref().unwrap().form, LenForm::Long(1));
        assert_eq!(m.to_bytes().unwrap(), b);
    }

    #[test]
    fn construct_examples_round_trip() {
        for (name, m) in examples() {
            let b = m.to_bytes().unwrap();
            assert_eq!(Message::parse(&b).unwrap(), m, "{name}");
            let j = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<Message>(&j).unwrap(), m, "{name} json {j}");
        }
    }

    #[test]
    fn errors_name_layer_and_offset() {
        let e = Message::parse(&BEGIN_BYTES[..40]).unwrap_err();
        assert_eq!((e.layer, e.offset), (crate::Layer::Tcap, 0));
        let mut b = BEGIN_BYTES;
        b[3] = 5; // otid of 5 octets
        b[2] = 0x48;
        let e = Message::parse(&b).unwrap_err();
        assert_eq!(e.layer, crate::Layer::Tcap);
        let mut b = BEGIN_BYTES;
        b[51] = 0x7f; // parameter length past the end of the invoke
        let e = Message::parse(&b).unwrap_err();
        assert_eq!((e.offset, e.message.as_deref()), (50, Some("Begin")));
        // End with an otid is refused.
        let e = Message::parse(&[0x64, 0x06, 0x48, 0x01, 0x01, 0x49, 0x01, 0x01]).unwrap_err();
        assert!(e.to_string().contains("End"), "{e}");
    }

    #[test]
    fn global_opcode_and_unknown_component_survive() {
        // End, dtid 01, Invoke id -1 with global opcode 1.2.3, then an unknown [5] component.
        let b = [
            0x64, 0x14, 0x49, 0x01, 0x01, 0x6c, 0x0f, 0xa1, 0x09, 0x02, 0x01, 0xff, 0x06, 0x02, 0x2a, 0x03,
            0x05, 0x00, 0xa5, 0x02, 0x05, 0x00,
        ];
        // The NULL after the opcode is the (raw) parameter.
        let m = Message::parse(&b).unwrap();
        let Component::Invoke(i) = &m.components()[0] else { panic!("not an invoke") };
        assert_eq!((i.invoke_id, &i.opcode), (-1, &Code::Global(Oid::new(&[1, 2, 3]))));
        assert_eq!(i.parameter.as_deref(), Some(&[0x05, 0x00][..]));
        assert_eq!(m.components()[1], Component::Unknown { raw: vec![0xa5, 0x02, 0x05, 0x00] });
        assert_eq!(m.to_bytes().unwrap(), b);
    }

    #[test]
    fn non_minimal_primitive_lengths_are_refused() {
        // otid with a long-form length: valid BER, but we could not re-emit it.
        let b = [0x62, 0x0d, 0x48, 0x81, 0x01, 0x01, 0x6c, 0x07, 0xa4, 0x05, 0x05, 0x00, 0x80, 0x01, 0x00];
        let e = Message::parse(&b).unwrap_err();
        assert_eq!((e.offset, e.parameter.as_deref()), (2, Some("otid")), "{e}");
        // The same with a minimal length is fine.
        let b = [0x62, 0x0c, 0x48, 0x01, 0x01, 0x6c, 0x07, 0xa4, 0x05, 0x05, 0x00, 0x80, 0x01, 0x00];
        assert_eq!(Message::parse(&b).unwrap().to_bytes().unwrap(), b);
    }

    #[test]
    fn emit_refuses_bad_reprs() {
        let mut m = examples().remove(0).1;
        m.otid = Some(vec![1, 2, 3, 4, 5]);
        assert!(m.to_bytes().is_err());
        let mut m = examples().remove(0).1;
        if let Some(c) = m.components.as_mut() {
            if let Component::Invoke(i) = &mut c.components[0] {
                i.parameter = Some(vec![0x04, 0x01, 0x00, 0x05, 0x00]);
            }
        }
        assert!(m.to_bytes().is_err());
    }
}
