//! ISDN User Part, ITU-T Q.763 and ANSI T1.113.3: circuit identification code,
//! message type, and the three parts of a message body.
//!
//! What it is: one table-driven parser/emitter ([`message::format`]) for every
//! message listed in `docs/protocols/isup.md`, both variants, plus a view
//! ([`Packet`]) for a transit switch that reads or rewrites the CIC without a
//! full parse.
//!
//! What it is not: no MTP3 routing label (the MTP3 module carries ISUP as
//! its payload), no call control, no segmentation (SGM) reassembly.
//!
//! Layout (Q.763 §1.3, Figure 3): CIC (2 octets, least significant first; ITU
//! 12 bits with the upper 4 spare, ANSI 14 bits with the upper 2 spare), the
//! message type, the mandatory fixed part, one pointer per mandatory variable
//! parameter, the optional-part pointer where the message allows one, the
//! mandatory variable parameters (length + value), then optional parameters
//! (name + length + value) ended by the end-of-optional-parameters octet 0.
//!
//! Pointers (Q.763 §1.7, Annex C): a pointer counts octets from the pointer
//! octet itself to the length octet of its parameter (or to the first octet of
//! the optional part). An optional-part pointer of 0 means there is no optional
//! part, and then no end-of-optional-parameters octet follows.
//!
//! Contract: `parse` never panics; `emit(parse(b)) == b` and
//! `parse(emit(r)) == r`. To keep the first, the parser accepts only the
//! canonical layout that every implementation sends: variable parameters in
//! table order, each right after the previous, the optional part right after
//! the last one. Any other pointer value is refused (`BadPointer`) rather than
//! silently re-laid-out. Spare bits (the CIC's upper bits, spare bits inside
//! parameters) are kept in the repr. A message type without a format in the
//! chosen variant keeps its whole body raw, byte-exact.

pub mod addr;
pub mod examples;
mod list;
pub mod message;
pub mod param;

pub use addr::Digits;
pub use examples::examples;
pub use list::ParameterList;
pub use message::{format, Format, MessageType};
pub use param::{
    code, parameter_name, BackwardCallIndicators, CauseIndicators, CircuitGroupSupervision,
    ContinuityIndicators, EventInformation, ForwardCallIndicators, GenericDigits, GenericNumber,
    InformationIndicators, InformationRequestIndicators, NatureOfConnection, Number,
    OptionalBackwardCallIndicators, OptionalForwardCallIndicators, Parameter, RangeAndStatus,
    RedirectionInformation, SubsequentNumber, SuspendResumeIndicators, UserServiceInformation,
};

use crate::error::{Error, Layer, Reason, Result};
use crate::Variant;

/// Octets before the message body: CIC (2) and message type (1).
pub const HEADER_LEN: usize = 3;

/// Bits of the CIC field that carry the CIC in `variant` (Q.763 §1.2, T1.113.3 §1.2).
pub fn cic_mask(variant: Variant) -> u16 {
    match variant {
        Variant::Itu => 0x0fff,
        Variant::Ansi => 0x3fff,
    }
}

fn cic_shift(variant: Variant) -> u32 {
    match variant {
        Variant::Itu => 12,
        Variant::Ansi => 14,
    }
}

/// A read/write view of an ISUP message in a buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    variant: Variant,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` without checking it.
    pub fn new_unchecked(buffer: T, variant: Variant) -> Self {
        Packet { buffer, variant }
    }

    /// Wraps `buffer`, checking that the CIC and message type are there.
    ///
    /// # Errors
    /// [`Reason::Truncated`] when the buffer is shorter than 3 octets.
    pub fn new_checked(buffer: T, variant: Variant) -> Result<Self> {
        let p = Self::new_unchecked(buffer, variant);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the accessors cannot panic.
    ///
    /// # Errors
    /// [`Reason::Truncated`] when the buffer is shorter than 3 octets.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::truncated(Layer::Isup, 0, HEADER_LEN, len).parameter("header"));
        }
        Ok(())
    }

    /// The variant the view reads the CIC with.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    fn cic_field(&self) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_le_bytes([b[0], b[1]])
    }

    /// The circuit identification code.
    pub fn cic(&self) -> u16 {
        self.cic_field() & cic_mask(self.variant)
    }

    /// The spare bits above the CIC, shifted down.
    pub fn cic_spare(&self) -> u8 {
        (self.cic_field() >> cic_shift(self.variant)) as u8
    }

    /// The message type.
    pub fn message_type(&self) -> MessageType {
        MessageType::lookup(self.buffer.as_ref()[2])
    }

    /// Everything after the message type.
    pub fn body(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Rewrites the CIC, keeping the spare bits; bits above the variant's
    /// width in `cic` are ignored.
    pub fn set_cic(&mut self, cic: u16) {
        let mask = cic_mask(self.variant);
        let v = (self.cic_field() & !mask) | (cic & mask);
        self.buffer.as_mut()[..2].copy_from_slice(&v.to_le_bytes());
    }

    /// Rewrites the message type octet.
    pub fn set_message_type(&mut self, mt: MessageType) {
        self.buffer.as_mut()[2] = mt.code();
    }
}

/// What follows the message type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// A message with a format in the table: mandatory fixed then
    /// mandatory variable parameters in table order, and the optional part
    /// (none when the pointer is 0 or the message has none; empty when the
    /// pointer leads straight to the end octet).
    Parameters(ParameterList),
    /// A message type this variant's table does not define: the body as it came.
    Raw(#[serde(with = "crate::hexser")] Vec<u8>),
}

/// An ISUP message, owned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Repr {
    pub variant: Variant,
    /// Circuit identification code (12 bits ITU, 14 bits ANSI).
    pub cic: u16,
    /// The spare bits above the CIC (Q.763 §1.2), normally 0.
    #[serde(default)]
    pub cic_spare: u8,
    pub message_type: MessageType,
    pub body: Body,
}

/// A whole message of at most 16 octets ([`Repr::short_form`]), built in a
/// register: octet `i` is bits `8 i ..`. Written into an array one octet at
/// a time and then copied out whole, it stalled on store forwarding.
struct ShortForm {
    word: u128,
    len: u8,
}

impl ShortForm {
    /// Appends the `n` low octets of `x` (little-endian), or `None` when
    /// they would pass 16 octets.
    #[inline(always)]
    fn put(&mut self, x: u128, n: usize) -> Option<()> {
        let at = usize::from(self.len);
        if at + n > 16 {
            return None;
        }
        self.word |= x << (8 * at);
        self.len += n as u8;
        Some(())
    }

    #[inline(always)]
    fn bytes(&self) -> [u8; 16] {
        self.word.to_le_bytes()
    }
}

/// Octets a [`MediumForm`] holds: an everyday IAM is 33.
const MEDIUM: usize = 64;

/// A whole message of at most [`MEDIUM`] octets ([`Repr::medium_form`]),
/// written into the caller's buffer with the position in a register: no
/// capacity test and no length through memory per append, as a `Vec` would
/// have. Written where it stays: built in an array of its own and copied
/// out, the copy's wide loads waited for the narrow stores just made (no
/// store forwarding), which cost what the appends had saved.
struct MediumForm<'a> {
    buf: &'a mut [u8; MEDIUM],
    len: usize,
}

impl MediumForm<'_> {
    /// Writes the `K` octets of `b` at the end and keeps the first `n <= K`
    /// of them, or `None` when the `K` would pass [`MEDIUM`]. A fixed-size
    /// copy: a variable-length one compiles to a `memcpy` call.
    #[inline(always)]
    fn put<const K: usize>(&mut self, b: [u8; K], n: usize) -> Option<()> {
        self.buf.get_mut(self.len..self.len + K)?.copy_from_slice(&b);
        self.len += n;
        Some(())
    }

    /// Sets the pointer octet at `at` to the current end.
    #[inline(always)]
    fn point(&mut self, at: usize) {
        // `len < MEDIUM`, so the distance fits its octet.
        self.buf[at] = (self.len - at) as u8;
    }
}

fn msg_err(e: Error, mt: MessageType) -> Error {
    e.message(mt.acronym())
}

impl Repr {
    /// A message of type `mt` with mandatory parameters and optional part.
    pub fn new(
        variant: Variant,
        cic: u16,
        mt: MessageType,
        mandatory: Vec<Parameter>,
        optional: Option<Vec<Parameter>>,
    ) -> Self {
        let body = Body::Parameters(ParameterList::new(mandatory, optional));
        Repr { variant, cic, cic_spare: 0, message_type: mt, body }
    }

    /// Parses one ISUP message (CIC onwards).
    ///
    /// # Errors
    /// Truncation, a bad pointer, a parameter running past the end, a typed
    /// parameter with a bad length, a missing end-of-optional-parameters octet,
    /// or trailing octets. The offset is absolute in `buf`.
    // Not inlined: the message is written straight into the caller's slot.
    // Inlined, the caller copied the 40-byte value right after the four
    // narrow stores of its header fields (type, CIC, variant, spare), and
    // the copy's 8-byte load over them could not be forwarded from the
    // pending stores (perf: the hottest samples of an ANM parse loop).
    // Interleaved minimum, ANM parse 11.7 -> 6.4 ns (itu-isup 21.5).
    #[inline(never)]
    pub fn parse(buf: &[u8], variant: Variant) -> Result<Self> {
        // A message without any parameter (ANM, RLC, ... with the optional
        // pointer at 0): answered here, the rest goes to the walk. The
        // general path below reads it the same way (the `no_parameters` arm).
        if let (&[c0, c1, mt, ref rest @ ..], 3..=4) = (buf, buf.len()) {
            if buf.len() == message::bare_len(mt, variant) && rest.first().is_none_or(|&p| p == 0) {
                let body = Body::Parameters(ParameterList::empty());
                return Ok(Self::from_header([c0, c1], mt, variant, body));
            }
        }
        Self::parse_general(buf, variant)
    }

    /// The message with CIC field `cic` (as on the wire), type code `mt` and `body`.
    #[inline(always)]
    fn from_header(cic: [u8; 2], mt: u8, variant: Variant, body: Body) -> Self {
        let field = u16::from_le_bytes(cic);
        Repr {
            variant,
            cic: field & cic_mask(variant),
            cic_spare: (field >> cic_shift(variant)) as u8,
            message_type: MessageType::lookup(mt),
            body,
        }
    }

    /// [`parse`](Self::parse) past the bare messages: the everyday REL, or
    /// the walk.
    #[inline(never)]
    fn parse_general(buf: &[u8], variant: Variant) -> Result<Self> {
        // The everyday REL (CFN in ITU alike): a cause of two octets without
        // a recommendation octet as the one parameter, no optional part.
        // The general path reads it the same way (`short_*` tests).
        if let &[c0, c1, mt, 2, 0, 2, o1, _] = buf {
            if o1 & 0x80 != 0
                && message::format_by_code(mt, variant)
                    .is_some_and(|f| f.fixed.is_empty() && f.variable == [code::CAUSE] && f.optional)
            {
                let mut list = list::Slots::new();
                if let Some(slot) = list.open_slots(1).first_mut() {
                    Parameter::fill(slot, code::CAUSE, &buf[6..], variant, 6)
                        .map_err(|e| msg_err(e, MessageType::lookup(mt)))?;
                }
                let body = Body::Parameters(ParameterList { list, mandatory: 1, optional: false });
                return Ok(Self::from_header([c0, c1], mt, variant, body));
            }
        }
        Self::parse_walk(buf, variant)
    }

    /// [`parse`](Self::parse) through the parameter walk, for every message.
    #[inline(always)]
    fn parse_walk(buf: &[u8], variant: Variant) -> Result<Self> {
        let p = Packet::new_checked(buf, variant)?;
        let mt = p.message_type();
        let body = match message::format_by_code(buf[2], variant) {
            None => Body::Raw(p.body().to_vec()),
            // No parameters at all (ANM, RLC, ... without an optional
            // part): the everyday short messages skip the walk.
            Some(f) if no_parameters(buf, f) => Body::Parameters(ParameterList::empty()),
            Some(f) => {
                // Walked into the result itself. Built in a local, the list
                // was copied out right after its last narrow stores (a short
                // list's slots, filled field by field), and that copy's wide
                // loads waited for them (no store forwarding): ACM parse 38
                // -> 43 ns interleaved minimum.
                let body = Body::Parameters(ParameterList::empty());
                let mut res =
                    Ok(Repr { variant, cic: p.cic(), cic_spare: p.cic_spare(), message_type: mt, body });
                if let Ok(Repr { body: Body::Parameters(list), .. }) = &mut res {
                    if let Err(e) = parse_body(buf, f, variant, list) {
                        res = Err(msg_err(e, mt));
                    }
                }
                return res;
            }
        };
        Ok(Repr { variant, cic: p.cic(), cic_spare: p.cic_spare(), message_type: mt, body })
    }

    /// Parses like [`parse`](Self::parse) into `out`, reusing its parameter
    /// list (or its raw body) instead of allocating a new one: the
    /// steady-state path for a loop that handles one message after another.
    /// On success `*out == Repr::parse(buf, variant)?`.
    ///
    /// # Errors
    /// As [`parse`](Self::parse). On error `out` holds a valid but
    /// unspecified message (what was read so far); do not use it.
    pub fn parse_into(buf: &[u8], variant: Variant, out: &mut Repr) -> Result<()> {
        let p = Packet::new_checked(buf, variant)?;
        let mt = p.message_type();
        out.variant = variant;
        out.cic = p.cic();
        out.cic_spare = p.cic_spare();
        out.message_type = mt;
        let Some(f) = message::format_by_code(buf[2], variant) else {
            match &mut out.body {
                Body::Raw(raw) => {
                    raw.clear();
                    raw.extend_from_slice(p.body());
                }
                body => *body = Body::Raw(p.body().to_vec()),
            }
            return Ok(());
        };
        if let Body::Parameters(list) = &mut out.body {
            if no_parameters(buf, f) {
                list.clear();
                return Ok(());
            }
            return parse_body_inline(buf, f, variant, list).map_err(|e| msg_err(e, mt));
        }
        // The body was raw: start from an empty list.
        let mut list = ParameterList::empty();
        let r = if no_parameters(buf, f) { Ok(()) } else { parse_body(buf, f, variant, &mut list) };
        out.body = Body::Parameters(list);
        r.map_err(|e| msg_err(e, mt))
    }

    /// The mandatory parameters (empty for a raw body).
    pub fn mandatory(&self) -> &[Parameter] {
        match &self.body {
            Body::Parameters(list) => list.mandatory(),
            Body::Raw(_) => &[],
        }
    }

    /// The optional parameters (empty when there is no optional part).
    pub fn optional(&self) -> &[Parameter] {
        match &self.body {
            Body::Parameters(list) => list.optional().unwrap_or_default(),
            Body::Raw(_) => &[],
        }
    }

    /// The first parameter with name code `c`, mandatory or optional.
    pub fn find(&self, c: u8) -> Option<&Parameter> {
        match &self.body {
            Body::Parameters(list) => list.all().iter().find(|p| p.code() == c),
            Body::Raw(_) => None,
        }
    }

    /// Octets [`emit`](Self::emit) will append.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + match &self.body {
                Body::Raw(b) => b.len(),
                Body::Parameters(list) => {
                    let (mandatory, optional) = (list.mandatory(), list.optional());
                    let f = format(self.message_type, self.variant);
                    let nfixed = f.map_or(0, |f| f.fixed.len());
                    let pointers = f.map_or(0, |f| f.variable.len() + usize::from(f.optional));
                    let mand: usize = mandatory
                        .iter()
                        .enumerate()
                        .map(|(i, p)| p.value_len() + usize::from(i >= nfixed))
                        .sum();
                    let opt: usize =
                        optional.map_or(0, |o| o.iter().map(|p| 2 + p.value_len()).sum::<usize>() + 1);
                    pointers + mand + opt
                }
            }
    }

    /// Appends the message to `out`. On error `out` is left as it was.
    ///
    /// # Errors
    /// A CIC wider than the variant's field, a body that does not match the
    /// message's format (wrong parameter at a position, a fixed parameter of
    /// the wrong length, an optional part where none is allowed), a field
    /// wider than its bits, a bad digit, or a parameter or pointer too long
    /// for its octet.
    #[inline]
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        if let Some(bytes) = self.short_form() {
            // ANM, RLC, the everyday REL, ACM, ...: one append of at most
            // 16 octets. `emit_general` writes the same octets (the `short_*`
            // tests compare the two).
            // A fixed 16-octet append cut back: a variable-length one
            // compiled to a `memcpy` call.
            let start = out.len();
            out.extend_from_slice(&bytes.bytes());
            out.truncate(start + usize::from(bytes.len));
            return Ok(());
        }
        self.emit_long(out)
    }

    /// The whole message when it has one of the everyday short shapes,
    /// else `None`: no parameter at all (ANM, RLC, CCR, BLO, ... with the
    /// optional pointer at 0); one cause of two octets as the only
    /// parameter (REL, and CFN in ITU) with no optional part; or fixed and
    /// optional parameters of one or two octets only, 16 octets in all
    /// (ACM, CPG, ...). Anything else, and anything
    /// [`emit_general`](Self::emit_general) would refuse (a CIC or field
    /// wider than its bits, a parameter out of place), is `None`.
    #[inline(always)]
    fn short_form(&self) -> Option<ShortForm> {
        let v = self.variant;
        let shift = cic_shift(v);
        if self.cic > cic_mask(v) || u32::from(self.cic_spare) >= 1 << (16 - shift) {
            return None;
        }
        let field = self.cic | u16::from(self.cic_spare) << shift;
        let mt = self.message_type.code();
        let header = u128::from(field) | u128::from(mt) << 16;
        let Body::Parameters(list) = &self.body else { return None };
        match (list.mandatory(), list.optional()) {
            ([], None) => {
                let len = message::bare_len(mt, v);
                (len != 0).then_some(ShortForm { word: header, len: len as u8 })
            }
            ([Parameter::CauseIndicators(ci)], None) => {
                let f = message::format_by_code(mt, v)?;
                let simple = ci.recommendation.is_none()
                    && ci.diagnostics.is_empty()
                    && ci.coding_standard <= 3
                    && ci.spare <= 1
                    && ci.location <= 15
                    && ci.value <= 0x7f
                    && ci.value_ext <= 1;
                let cause_only = f.fixed.is_empty() && f.variable == [code::CAUSE] && f.optional;
                if !(simple && cause_only) {
                    return None;
                }
                let o1 = 0x80 | ci.coding_standard << 5 | ci.spare << 4 | ci.location;
                let o2 = ci.value_ext << 7 | ci.value;
                // Pointer 2, optional pointer 0, length 2, the two octets.
                let word = header | 2 << 24 | 2 << 40 | u128::from(o1) << 48 | u128::from(o2) << 56;
                Some(ShortForm { word, len: 8 })
            }
            (mandatory, optional) => {
                let f = message::format_by_code(mt, v)?;
                if mandatory.len() != f.fixed.len() || !f.variable.is_empty() {
                    return None;
                }
                let mut s = ShortForm { word: header, len: 3 };
                for (p, &(c, len)) in mandatory.iter().zip(f.fixed) {
                    let (pc, value, n) = p.short_value()?;
                    if pc != c || n != len {
                        return None;
                    }
                    s.put(u128::from(value), n)?;
                }
                match (optional, f.optional) {
                    (None, true) => s.put(0, 1)?,
                    (None, false) => {}
                    (Some(_), false) => return None,
                    (Some(opts), true) => {
                        // No variable part: the optional part starts right
                        // after its pointer.
                        s.put(1, 1)?;
                        for p in opts {
                            let (c, value, n) = p.short_value()?;
                            s.put(u128::from(c) | (n as u128) << 8 | u128::from(value) << 16, 2 + n)?;
                        }
                        s.put(u128::from(code::END_OF_OPTIONAL), 1)?;
                    }
                }
                Some(s)
            }
        }
    }

    /// The whole message when every parameter is in its everyday form and
    /// it fits [`MEDIUM`] octets: fixed parameters of one or two octets,
    /// numbers as the variable ones (called party number), and optional
    /// parameters of one or two octets or numbers (the everyday IAM). The
    /// same octets [`emit_general`](Self::emit_general) writes (the
    /// `medium_*` tests compare the two); anything else, and anything it
    /// would refuse, is `None`.
    /// Returns the message's length in `buf`.
    #[inline(always)]
    fn medium_form(&self, buf: &mut [u8; MEDIUM]) -> Option<usize> {
        let v = self.variant;
        let shift = cic_shift(v);
        if self.cic > cic_mask(v) || u32::from(self.cic_spare) >= 1 << (16 - shift) {
            return None;
        }
        let Body::Parameters(list) = &self.body else { return None };
        let f = format(self.message_type, v)?;
        let mandatory = list.mandatory();
        let nptr = f.variable.len() + usize::from(f.optional);
        if mandatory.len() != f.mandatory_len() || nptr > 4 {
            return None;
        }
        let [c0, c1] = (self.cic | u16::from(self.cic_spare) << shift).to_le_bytes();
        let mut m = MediumForm { buf, len: 0 };
        m.put([c0, c1, self.message_type.code()], HEADER_LEN)?;
        let (fixed, variable) = mandatory.split_at(f.fixed.len());
        for (p, &(c, len)) in fixed.iter().zip(f.fixed) {
            let (pc, value, n) = p.short_value()?;
            if pc != c || n != len {
                return None;
            }
            m.put(value.to_le_bytes(), n)?;
        }
        // The pointers, 0 until their parameter is written.
        let ptr_base = m.len;
        m.put([0; 4], nptr)?;
        for (i, (p, &c)) in variable.iter().zip(f.variable).enumerate() {
            if p.code() != c {
                return None;
            }
            m.point(ptr_base + i);
            let lv = p.number_lv(v, None)?;
            m.put(lv.head, lv.head_len)?;
            m.put(lv.digits, lv.digits_len)?;
        }
        match (list.optional(), f.optional) {
            (None, _) => {}
            (Some(_), false) => return None,
            (Some(opts), true) => {
                m.point(ptr_base + f.variable.len());
                for p in opts {
                    if let Some((c, value, n)) = p.short_value() {
                        let [a, b] = value.to_le_bytes();
                        m.put([c, n as u8, a, b], 2 + n)?;
                    } else {
                        let lv = p.number_lv(v, Some(p.code()))?;
                        m.put(lv.head, lv.head_len)?;
                        m.put(lv.digits, lv.digits_len)?;
                    }
                }
                m.put([code::END_OF_OPTIONAL], 1)?;
            }
        }
        Some(m.len)
    }

    /// [`emit`](Self::emit) past the short forms: the medium form written
    /// in `out` itself, else the general walk.
    #[inline(never)]
    fn emit_long(&self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        // A fixed-size append: a variable-length one (`resize`) compiles to
        // a `memset` call.
        out.extend_from_slice(&[0; MEDIUM]);
        let n = out
            .get_mut(start..)
            .and_then(|s| <&mut [u8; MEDIUM]>::try_from(s).ok())
            .and_then(|buf| self.medium_form(buf));
        if let Some(n) = n {
            out.truncate(start + n);
            return Ok(());
        }
        out.truncate(start);
        self.emit_general(out)
    }

    /// [`emit`](Self::emit) through the general walk.
    #[inline(never)]
    fn emit_general(&self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let r = self.emit_inner(out, start);
        if r.is_err() {
            out.truncate(start);
        }
        r.map_err(|e| msg_err(e, self.message_type))
    }

    /// The message as an owned byte string: inline for a message of up to
    /// 64 octets (ANM, RLC, the everyday REL, ACM, CPG and IAM: no
    /// allocation), in a `Vec` beyond. It reads as a `&[u8]`, compares with
    /// slices and `Vec<u8>`, and `Vec::from` gives a `Vec` back (a copy only
    /// when inline). [`emit`](Self::emit) appends to a buffer of the
    /// caller's instead.
    ///
    /// # Errors
    /// As [`emit`](Self::emit).
    pub fn to_bytes(&self) -> Result<crate::AlignedBytes<MEDIUM>> {
        // ANM, RLC, the everyday REL, ACM: the 16 octets of the register go
        // into the inline value whole. Copying a variable length out of them
        // (`from_slice`) cost a `memcpy` call and a store-forwarding stall
        // when the result was moved (ANM 16.7 ns against 10.3 this way).
        // The octets are 16-aligned in the value: a move of the result
        // reads these 16 in one load from this one store (with the octets
        // at offset 2, ANM, REL and RLC parse + emit lost a quarter of
        // their speed; docs/decisions.md).
        if let Some(s) = self.short_form() {
            let mut buf = [0; MEDIUM];
            buf[..16].copy_from_slice(&s.bytes());
            return Ok(crate::AlignedBytes::from_array(buf, s.len));
        }
        // The everyday IAM: written in the inline value itself (IAM emit
        // 62 → 53 ns: no `malloc` and `free`).
        let mut out = crate::AlignedBytes::default();
        if let Some((len, buf)) = out.inline_parts() {
            // Already zero, but zeroed again here the compiler writes the
            // zeros in place in four aligned stores; left to `default()`,
            // it built them on the stack and moved them in unaligned
            // 16-octet loads that waited on those stores (IAM emit 54-58 →
            // 50 ns; docs/performance.md "Fifteenth pass").
            *buf = [0; MEDIUM];
            if let Some(n) = self.medium_form(buf) {
                *len = n as u8;
                return Ok(out);
            }
        }
        // Anything else through the general walk, into a `Vec` that the
        // result keeps past 64 octets (a message of 64 octets or fewer
        // that is no medium form is copied inline and the Vec freed).
        let mut v = Vec::with_capacity(MEDIUM);
        self.emit_general(&mut v)?;
        Ok(v.into())
    }

    fn emit_inner(&self, out: &mut Vec<u8>, start: usize) -> Result<()> {
        let v = self.variant;
        let shift = cic_shift(v);
        if self.cic > cic_mask(v) || u32::from(self.cic_spare) >= 1 << (16 - shift) {
            return Err(Error::new(
                Layer::Isup,
                0,
                Reason::BadValue { value: u64::from(self.cic), expected: "a CIC and spare that fit 16 bits" },
            )
            .parameter("CIC"));
        }
        let field = self.cic | u16::from(self.cic_spare) << shift;
        let f = format(self.message_type, v);
        out.extend_from_slice(&field.to_le_bytes());
        out.push(self.message_type.code());
        let (mandatory, optional, f) = match (&self.body, f) {
            (Body::Raw(b), None) => {
                out.extend_from_slice(b);
                return Ok(());
            }
            (Body::Parameters(list), Some(f)) => (list.mandatory(), list.optional(), f),
            (Body::Raw(_), Some(_)) => {
                return Err(Error::other(
                    Layer::Isup,
                    2,
                    "message type has a format: give parameters, not raw",
                ))
            }
            (Body::Parameters(_), None) => {
                return Err(Error::other(
                    Layer::Isup,
                    2,
                    "message type has no format in this variant: give a raw body",
                ))
            }
        };
        let err_at = |out: &Vec<u8>, e: Error| e.at_base(out.len() - start);
        if mandatory.len() != f.mandatory_len() {
            return Err(Error::new(
                Layer::Isup,
                HEADER_LEN,
                Reason::BadValue {
                    value: mandatory.len() as u64,
                    expected: "the format's mandatory parameters",
                },
            ));
        }
        let (fixed, variable) = mandatory.split_at(f.fixed.len());
        for (p, &(c, len)) in fixed.iter().zip(f.fixed) {
            // The everyday case: a one- or two-octet typed parameter in its
            // place, written without going through `emit_value`.
            if let Some((pc, value, n)) = p.short_value() {
                if pc == c && n == len {
                    if n == 1 {
                        out.push(value as u8);
                    } else {
                        out.extend_from_slice(&value.to_le_bytes());
                    }
                    continue;
                }
            }
            // A typed parameter with the right code always has the table's
            // length; only a raw (`Unknown`) one needs measuring.
            if p.code() != c || (matches!(p, Parameter::Unknown { .. }) && p.value_len() != len) {
                return Err(err_at(
                    out,
                    Error::other(Layer::Isup, 0, "wrong parameter or length").parameter(parameter_name(c, v)),
                ));
            }
            p.emit_value(v, out).map_err(|e| err_at(out, e))?;
        }
        let ptr_base = out.len();
        let nptr = f.variable.len() + usize::from(f.optional);
        if nptr <= 4 {
            // A fixed 4-octet append cut back: a variable-length one
            // (`[..nptr]`) compiled to a `memset` call (perf, REL emit: 5 %).
            out.extend_from_slice(&[0u8; 4]);
            out.truncate(ptr_base + nptr);
        } else {
            out.resize(ptr_base + nptr, 0);
        }
        // `c` names the parameter (0: the optional part), only on error.
        let pointer = |out: &mut Vec<u8>, i: usize, c: u8| -> Result<()> {
            let p = out.len() - (ptr_base + i);
            let b = u8::try_from(p).map_err(|_| {
                let name = if c == 0 { "optional part pointer" } else { parameter_name(c, v) };
                Error::new(Layer::Isup, ptr_base + i - start, Reason::TooLong { len: p, max: 255 })
                    .parameter(name)
            })?;
            out[ptr_base + i] = b;
            Ok(())
        };
        for (i, (p, &c)) in variable.iter().zip(f.variable).enumerate() {
            if p.code() != c {
                return Err(err_at(
                    out,
                    Error::other(Layer::Isup, 0, "wrong parameter").parameter(parameter_name(c, v)),
                ));
            }
            pointer(out, i, c)?;
            if !p.emit_number_lv(v, None, out) {
                emit_lv(p, v, out, start)?;
            }
        }
        match (optional, f.optional) {
            (None, _) => {}
            (Some(_), false) => {
                return Err(err_at(out, Error::other(Layer::Isup, 0, "this message has no optional part")))
            }
            (Some(opts), true) => {
                pointer(out, f.variable.len(), 0)?;
                for p in opts {
                    // Short parameters: name, length and value in one append.
                    if let Some((c, value, n)) = p.short_value() {
                        let [a, b] = value.to_le_bytes();
                        if n == 1 {
                            out.extend_from_slice(&[c, 1, a]);
                        } else {
                            out.extend_from_slice(&[c, 2, a, b]);
                        }
                        continue;
                    }
                    let c = p.code();
                    if p.emit_number_lv(v, Some(c), out) {
                        continue;
                    }
                    if c == code::END_OF_OPTIONAL {
                        return Err(err_at(
                            out,
                            Error::other(
                                Layer::Isup,
                                0,
                                "parameter code 0 is the end of optional parameters",
                            ),
                        ));
                    }
                    out.push(c);
                    emit_lv(p, v, out, start)?;
                }
                out.push(code::END_OF_OPTIONAL);
            }
        }
        Ok(())
    }
}

/// Appends length + value, checking the length fits its octet.
fn emit_lv(p: &Parameter, v: Variant, out: &mut Vec<u8>, start: usize) -> Result<()> {
    let at = out.len();
    out.push(0);
    p.emit_value_inline(v, out).map_err(|e| e.at_base(at - start))?;
    let len = out.len() - at - 1;
    out[at] = u8::try_from(len).map_err(|_| {
        Error::new(Layer::Isup, at - start, Reason::TooLong { len, max: 255 })
            .parameter(parameter_name(p.code(), v))
    })?;
    Ok(())
}

/// How many optional parameters start at `at` (a cheap pre-scan so the vector
/// is allocated once; stops quietly at anything malformed, the real parse
/// reports it).
fn count_optional(buf: &[u8], mut at: usize) -> usize {
    let mut n = 0;
    while let (Some(&c), Some(&len)) = (buf.get(at), buf.get(at + 1)) {
        if c == code::END_OF_OPTIONAL {
            break;
        }
        n += 1;
        at += 2 + usize::from(len);
    }
    n
}

/// Whether `buf` is a message of format `f` without any parameter (ANM,
/// RLC, ... without an optional part), which skips the walk.
#[inline(always)]
fn no_parameters(buf: &[u8], f: &Format) -> bool {
    f.fixed.is_empty()
        && f.variable.is_empty()
        && buf.len() == HEADER_LEN + usize::from(f.optional)
        && buf.get(HEADER_LEN).is_none_or(|&ptr| ptr == 0)
}

/// Walks the body of a message of format `f` into `list` (empty on
/// entry): the mandatory parameters, then the optional part.
#[inline(never)]
fn parse_body(buf: &[u8], f: &Format, v: Variant, list: &mut ParameterList) -> Result<()> {
    fill_body(buf, f, v, list)
}

/// [`parse_body`] into a list that may hold a message already (emptied
/// first, its room kept), inlined into [`Repr::parse_into`].
#[inline(always)]
fn parse_body_inline(buf: &[u8], f: &Format, v: Variant, list: &mut ParameterList) -> Result<()> {
    list.clear();
    fill_body(buf, f, v, list)
}

/// [`parse_body`]'s walk and the list's two counts. On error `list` holds
/// its slots, read or still placeholders, as mandatory parameters.
#[inline(always)]
fn fill_body(buf: &[u8], f: &Format, v: Variant, list: &mut ParameterList) -> Result<()> {
    // The two counts a successful walk leaves, written before it: written
    // after, they were the last narrow stores into the message, and a caller
    // that moved the message at once (`parse(..).and_then(|r| ..)`) read
    // them back with one wide load, which waited for both (no store
    // forwarding).
    let opt_pp = optional_pointer_at(f);
    list.mandatory = list::count(f.mandatory_len());
    list.optional = f.optional && buf.get(opt_pp).is_some_and(|&ptr| ptr != 0);
    let r = walk_body(buf, f, v, opt_pp, &mut list.list);
    if r.is_err() {
        list.mandatory = list::count(list.list.len());
        list.optional = false;
    }
    r
}

/// Where the optional part's pointer is in a message of format `f`.
#[inline(always)]
fn optional_pointer_at(f: &Format) -> usize {
    let fixed_len: usize = f.fixed.iter().map(|&(_, len)| len).sum();
    HEADER_LEN + fixed_len + f.variable.len()
}

/// The walk of [`parse_body`] into `list` (empty on entry): every
/// parameter in wire order. On success there is an optional part exactly
/// when the format has one and its pointer (at `opt_pp`) is not 0.
#[inline(always)]
fn walk_body(buf: &[u8], f: &Format, v: Variant, opt_pp: usize, list: &mut list::Slots) -> Result<()> {
    let mut pos = HEADER_LEN;
    // The optional parameters are counted first (a quiet pre-scan from
    // where the optional-part pointer points; the walk checks that pointer),
    // so that the list is sized once for both parts.
    let nopt = match buf.get(opt_pp) {
        Some(&ptr) if f.optional && ptr != 0 => count_optional(buf, opt_pp + usize::from(ptr)),
        _ => 0,
    };
    // Filled by index (see `Parameter::fill`): every slot holds the
    // placeholder until its parameter is read. Both parts' slots are
    // opened at once: in place for a short message, one allocation of the
    // right size otherwise (a reused heap list only grows when too small).
    let nmand = f.mandatory_len();
    let slots = list.open_slots(nmand + nopt);
    let (mandatory_slots, opts) = slots.split_at_mut(nmand.min(slots.len()));
    let (fixed_slots, variable_slots) = mandatory_slots.split_at_mut(f.fixed.len().min(nmand));
    for (&(c, len), slot) in f.fixed.iter().zip(fixed_slots) {
        let avail = buf.len() - pos;
        let bytes = buf
            .get(pos..pos + len)
            .ok_or_else(|| Error::truncated(Layer::Isup, pos, len, avail).parameter(parameter_name(c, v)))?;
        Parameter::fill(slot, c, bytes, v, pos)?;
        pos += len;
    }
    let ptr_base = pos;
    let nptr = f.variable.len() + usize::from(f.optional);
    if buf.len() - pos < nptr {
        return Err(Error::truncated(Layer::Isup, pos, nptr, buf.len() - pos).parameter("pointers"));
    }
    // Where the next parameter must start in the canonical layout.
    let mut next = ptr_base + nptr;
    for (i, (&c, slot)) in f.variable.iter().zip(variable_slots).enumerate() {
        // Named only on error paths.
        let name = || parameter_name(c, v);
        let pp = ptr_base + i;
        let ptr = usize::from(buf[pp]);
        if pp + ptr != next {
            return Err(Error::new(Layer::Isup, pp, Reason::BadPointer { pointer: ptr }).parameter(name()));
        }
        let len = usize::from(
            *buf.get(next).ok_or_else(|| Error::truncated(Layer::Isup, next, 1, 0).parameter(name()))?,
        );
        let vstart = next + 1;
        let avail = buf.len() - vstart;
        if len > avail {
            return Err(Error::new(Layer::Isup, next, Reason::BadLength { declared: len, available: avail })
                .parameter(name()));
        }
        Parameter::fill(slot, c, &buf[vstart..vstart + len], v, vstart)?;
        next = vstart + len;
    }
    if f.optional {
        let pp = ptr_base + f.variable.len();
        let ptr = usize::from(buf[pp]);
        if ptr != 0 {
            if pp + ptr != next {
                return Err(Error::new(Layer::Isup, pp, Reason::BadPointer { pointer: ptr })
                    .parameter("optional part pointer"));
            }
            // Filled by index like the mandatory part. The pre-scan counts
            // exactly the parameters a successful walk reads; the walk
            // checks anyway (`got`).
            let mut got = 0;
            loop {
                let c = *buf.get(next).ok_or_else(|| {
                    Error::truncated(Layer::Isup, next, 1, 0).parameter("end of optional parameters")
                })?;
                if c == code::END_OF_OPTIONAL {
                    next += 1;
                    break;
                }
                let name = || parameter_name(c, v);
                let len = usize::from(
                    *buf.get(next + 1)
                        .ok_or_else(|| Error::truncated(Layer::Isup, next + 1, 1, 0).parameter(name()))?,
                );
                let vstart = next + 2;
                let avail = buf.len() - vstart;
                if len > avail {
                    return Err(Error::new(
                        Layer::Isup,
                        next + 1,
                        Reason::BadLength { declared: len, available: avail },
                    )
                    .parameter(name()));
                }
                let slot = opts.get_mut(got).ok_or_else(|| {
                    Error::other(Layer::Isup, next, "more optional parameters than counted").parameter(name())
                })?;
                Parameter::fill(slot, c, &buf[vstart..vstart + len], v, vstart)?;
                got += 1;
                next = vstart + len;
            }
            if got != nopt {
                list.truncate(nmand + got);
            }
        }
    }
    if next != buf.len() {
        return Err(Error::new(
            Layer::Isup,
            next,
            Reason::Trailing { count: buf.len().saturating_sub(next) },
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
