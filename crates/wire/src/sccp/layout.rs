//! The message layout table (Q.713 §4, T1.112.3 §4) and the pointer walk
//! (Q.713 §2.3) shared by the view and the owned repr.
//!
//! A message is: message type, mandatory fixed part, one pointer per
//! mandatory variable parameter plus one to the optional part (if the message
//! has one), the variable parameters (length + contents), then the optional
//! part. Pointers count from the pointer octet itself. LUDT and LUDTS use
//! 2-octet pointers (least significant first) that count from their second,
//! most significant, octet (as Wireshark reads them), and a 2-octet long data
//! length.
//!
//! We accept the canonical layout only: each variable parameter starts right
//! after the previous one, in pointer order, and the optional part right after
//! the last one. That is what every encoder we know writes, and it is what makes
//! `emit(parse(b)) == b` hold. A zero optional-part pointer means "no optional
//! part"; an optional part with no parameters must be sent as pointer 0.

use crate::error::{Error, Layer, Reason, Result};
use crate::reader::Reader;

/// One mandatory variable parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Var {
    pub(crate) name: &'static str,
    /// Two-octet length indicator (LUDT long data).
    pub(crate) long: bool,
}

const CALLED: Var = Var { name: "called party address", long: false };
const CALLING: Var = Var { name: "calling party address", long: false };
const DATA: Var = Var { name: "data", long: false };
const LONG_DATA: Var = Var { name: "long data", long: true };

/// How one message type is laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub(crate) name: &'static str,
    /// Octets of the mandatory fixed part (after the message type).
    pub(crate) fixed: usize,
    pub(crate) vars: &'static [Var],
    pub(crate) optional: bool,
    /// Two-octet pointers (LUDT, LUDTS).
    pub(crate) long_pointers: bool,
}

const fn l(name: &'static str, fixed: usize, vars: &'static [Var], optional: bool) -> Layout {
    Layout { name, fixed, vars, optional, long_pointers: false }
}

/// The layout of message type `mt`, if known.
#[inline]
pub(crate) const fn layout(mt: u8) -> Option<Layout> {
    Some(match mt {
        // CR: SLR, protocol class | called | optional.
        0x01 => l("CR", 4, &[CALLED], true),
        // CC: DLR, SLR, protocol class | optional.
        0x02 => l("CC", 7, &[], true),
        // CREF: DLR, refusal cause | optional.
        0x03 => l("CREF", 4, &[], true),
        // RLSD: DLR, SLR, release cause | optional.
        0x04 => l("RLSD", 7, &[], true),
        // RLC: DLR, SLR.
        0x05 => l("RLC", 6, &[], false),
        // DT1: DLR, segmenting/reassembling | data.
        0x06 => l("DT1", 4, &[DATA], false),
        // DT2: DLR, sequencing/segmenting | data.
        0x07 => l("DT2", 5, &[DATA], false),
        // AK: DLR, receive sequence number, credit.
        0x08 => l("AK", 5, &[], false),
        // UDT: protocol class | called, calling, data.
        0x09 => l("UDT", 1, &[CALLED, CALLING, DATA], false),
        // UDTS: return cause | called, calling, data.
        0x0a => l("UDTS", 1, &[CALLED, CALLING, DATA], false),
        // ED: DLR | data.
        0x0b => l("ED", 3, &[DATA], false),
        // EA: DLR.
        0x0c => l("EA", 3, &[], false),
        // RSR: DLR, SLR, reset cause.
        0x0d => l("RSR", 7, &[], false),
        // RSC: DLR, SLR.
        0x0e => l("RSC", 6, &[], false),
        // ERR: DLR, error cause.
        0x0f => l("ERR", 4, &[], false),
        // IT: DLR, SLR, protocol class, sequencing/segmenting, credit.
        0x10 => l("IT", 10, &[], false),
        // XUDT: protocol class, hop counter | called, calling, data | optional.
        0x11 => l("XUDT", 2, &[CALLED, CALLING, DATA], true),
        // XUDTS: return cause, hop counter | called, calling, data | optional.
        0x12 => l("XUDTS", 2, &[CALLED, CALLING, DATA], true),
        // LUDT / LUDTS: as XUDT / XUDTS with 2-octet pointers and long data.
        0x13 => Layout { long_pointers: true, ..l("LUDT", 2, &[CALLED, CALLING, LONG_DATA], true) },
        0x14 => Layout { long_pointers: true, ..l("LUDTS", 2, &[CALLED, CALLING, LONG_DATA], true) },
        _ => return None,
    })
}

/// What the lazy view reads first, per message type octet, from the layout
/// table at compile time: the octets up to the end of the pointers (0 for
/// an unknown type), and for the types with one-octet pointers where the
/// first pointer sits (1 + fixed part) and how many mandatory variable
/// parameters there are ((0, 0) for LUDT/LUDTS and unknown types).
pub(crate) struct ViewTable {
    pub(crate) header_len: [u8; 256],
    pub(crate) short_vars: [(u8, u8); 256],
}

pub(crate) const VIEW: ViewTable = {
    let mut t = ViewTable { header_len: [0; 256], short_vars: [(0, 0); 256] };
    let mut i = 0;
    while i < 256 {
        if let Some(l) = layout(i as u8) {
            let ps = if l.long_pointers { 2 } else { 1 };
            t.header_len[i] = (1 + l.fixed + (l.vars.len() + l.optional as usize) * ps) as u8;
            if !l.long_pointers {
                t.short_vars[i] = ((1 + l.fixed) as u8, l.vars.len() as u8);
            }
        }
        i += 1;
    }
    t
};

/// Where the parts of a checked message are: absolute byte ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Skeleton {
    /// Mandatory fixed part, `(start, end)`.
    pub(crate) fixed: (usize, usize),
    /// Contents of the mandatory variable parameters (length octets excluded).
    pub(crate) vars: [(usize, usize); 3],
    /// Start of the optional part (first parameter code), if present.
    pub(crate) optional: Option<usize>,
}

impl Layout {
    #[inline]
    fn pointer_size(&self) -> usize {
        if self.long_pointers {
            2
        } else {
            1
        }
    }

    #[inline]
    fn pointers(&self) -> usize {
        self.vars.len() + usize::from(self.optional)
    }

    /// Walk the pointers of `buf` (message type at 0) and check every part
    /// lies inside it in canonical order; the optional part is walked too.
    pub(crate) fn check(&self, buf: &[u8]) -> Result<Skeleton> {
        // A well-formed message takes the lean path; anything it does not
        // accept goes through the full walk, which names the error.
        match self.check_fast(buf) {
            Some(sk) => Ok(sk),
            None => self.check_slow(buf),
        }
    }

    /// [`check`](Self::check) without the skeleton (for the view).
    #[inline]
    pub(crate) fn validate(&self, buf: &[u8]) -> Result<()> {
        if self.check_fast(buf).is_some() {
            Ok(())
        } else {
            self.check_slow(buf).map(drop)
        }
    }

    /// Octets up to the end of the pointers: message type, fixed part, pointers.
    #[inline]
    pub(crate) fn header_len(&self) -> usize {
        1 + self.fixed + self.pointers() * self.pointer_size()
    }

    /// The contents of mandatory variable parameter `i`, read from its
    /// pointer and length: `None` when the pointer is missing or zero, or
    /// the length or contents run past `buf` ([`var_error`](Self::var_error)
    /// says which). The canonical order is not checked (that is
    /// [`check`](Self::check)'s job).
    #[inline]
    pub(crate) fn var_in<'b>(&self, buf: &'b [u8], i: usize) -> Option<&'b [u8]> {
        let var = self.vars.get(i)?;
        let ps = self.pointer_size();
        let ptr_at = 1 + self.fixed + i * ps;
        let p = read_ptr(buf, ptr_at, ps)?;
        if p == 0 {
            return None;
        }
        let at = ptr_at + ps - 1 + p;
        if var.long {
            let &[a, b] = buf.get(at..at + 2)? else { return None };
            let len = usize::from(u16::from_le_bytes([a, b]));
            buf.get(at + 2..at + 2 + len)
        } else {
            let len = usize::from(*buf.get(at)?);
            buf.get(at + 1..at + 1 + len)
        }
    }

    /// Why [`var_in`](Self::var_in) refused parameter `i` of `buf`.
    #[cold]
    #[inline(never)]
    pub(crate) fn var_error(&self, buf: &[u8], i: usize) -> Error {
        let name = self.vars.get(i).map_or("mandatory variable parameter", |v| v.name);
        let long = self.vars.get(i).is_some_and(|v| v.long);
        let ps = self.pointer_size();
        let ptr_at = 1 + self.fixed + i * ps;
        let e = match read_ptr(buf, ptr_at, ps) {
            None => Error::truncated(Layer::Sccp, ptr_at, ps, buf.len().saturating_sub(ptr_at)),
            Some(0) => Error::new(Layer::Sccp, ptr_at, Reason::BadPointer { pointer: 0 }),
            Some(p) => {
                let at = ptr_at + ps - 1 + p;
                let ll = if long { 2 } else { 1 };
                match buf.get(at..at + ll) {
                    None => Error::new(Layer::Sccp, ptr_at, Reason::BadPointer { pointer: p }),
                    Some(l) => {
                        let len = match *l {
                            [a, b] => usize::from(u16::from_le_bytes([a, b])),
                            [a] => usize::from(a),
                            _ => 0,
                        };
                        let available = buf.len() - (at + ll);
                        Error::new(Layer::Sccp, at, Reason::BadLength { declared: len, available })
                    }
                }
            }
        };
        e.message(self.name).parameter(name)
    }

    /// Where the optional part starts, if the message type has one and its
    /// pointer is not 0.
    ///
    /// # Errors
    /// The pointer is missing or points past the end of `buf`.
    pub(crate) fn optional_start_checked(&self, buf: &[u8]) -> Result<Option<usize>> {
        if !self.optional {
            return Ok(None);
        }
        let ps = self.pointer_size();
        let ptr_at = 1 + self.fixed + self.vars.len() * ps;
        let err = |reason: Reason| {
            Error::new(Layer::Sccp, ptr_at, reason).message(self.name).parameter("optional part")
        };
        match read_ptr(buf, ptr_at, ps) {
            None => Err(err(Reason::Truncated { needed: ps, available: buf.len().saturating_sub(ptr_at) })),
            Some(0) => Ok(None),
            Some(p) if ptr_at + ps - 1 + p >= buf.len() => Err(err(Reason::BadPointer { pointer: p })),
            Some(p) => Ok(Some(ptr_at + ps - 1 + p)),
        }
    }

    /// [`check`](Self::check) for a well-formed message, with plain slice
    /// reads: `Some` exactly when `check_slow` returns `Ok`, with the same
    /// skeleton; `None` for anything `check_slow` refuses.
    #[inline]
    pub(crate) fn check_fast(&self, buf: &[u8]) -> Option<Skeleton> {
        let ps = self.pointer_size();
        let fixed_end = 1 + self.fixed;
        let mut expected = fixed_end + self.pointers() * ps;
        if buf.len() < expected {
            return None;
        }
        let read_ptr = |at: usize| -> usize {
            if ps == 2 {
                usize::from(u16::from_le_bytes([buf[at], buf[at + 1]]))
            } else {
                usize::from(buf[at])
            }
        };
        let mut sk = Skeleton { fixed: (1, fixed_end), ..Skeleton::default() };
        for (i, var) in self.vars.iter().enumerate() {
            let ptr_at = fixed_end + i * ps;
            let p = read_ptr(ptr_at);
            if p == 0 || ptr_at + ps - 1 + p != expected {
                return None;
            }
            let (len, start) = if var.long {
                let b = buf.get(expected..expected + 2)?;
                (usize::from(u16::from_le_bytes([b[0], b[1]])), expected + 2)
            } else {
                (usize::from(*buf.get(expected)?), expected + 1)
            };
            if len > buf.len() - start {
                return None;
            }
            *sk.vars.get_mut(i)? = (start, start + len);
            expected = start + len;
        }
        if self.optional {
            let ptr_at = fixed_end + self.vars.len() * ps;
            let p = read_ptr(ptr_at);
            if p != 0 {
                if ptr_at + ps - 1 + p != expected || !optional_ok(buf, expected) {
                    return None;
                }
                sk.optional = Some(expected);
                return Some(sk);
            }
        }
        (expected == buf.len()).then_some(sk)
    }

    /// The full walk behind [`check`](Self::check), naming any error.
    fn check_slow(&self, buf: &[u8]) -> Result<Skeleton> {
        let err = |at: usize, reason: Reason, param: &'static str| {
            Error::new(Layer::Sccp, at, reason).message(self.name).parameter(param)
        };
        let mut r = Reader::new(Layer::Sccp, buf);
        r.u8().map_err(|e| e.message(self.name).parameter("message type"))?;
        let fixed_start = r.offset();
        r.take(self.fixed).map_err(|e| e.message(self.name).parameter("mandatory fixed part"))?;
        let fixed_end = r.offset();
        let ps = self.pointer_size();
        r.take(self.pointers() * ps).map_err(|e| e.message(self.name).parameter("pointers"))?;
        let mut expected = fixed_end + self.pointers() * ps;
        let mut sk = Skeleton { fixed: (fixed_start, fixed_end), ..Skeleton::default() };
        let read_ptr = |at: usize| -> usize {
            if ps == 2 {
                usize::from(u16::from_le_bytes([buf[at], buf[at + 1]]))
            } else {
                usize::from(buf[at])
            }
        };
        for (i, var) in self.vars.iter().enumerate() {
            let ptr_at = fixed_end + i * ps;
            let p = read_ptr(ptr_at);
            let base = ptr_at + ps - 1;
            // Q.713 §2.3: a pointer counts octets from itself; zero is only
            // allowed for the optional part.
            if p == 0 || base + p != expected {
                return Err(err(ptr_at, Reason::BadPointer { pointer: p }, var.name));
            }
            let mut pr = Reader::with_base(Layer::Sccp, &buf[expected..], expected);
            let len = if var.long {
                usize::from(pr.u16_le().map_err(|e| e.message(self.name).parameter(var.name))?)
            } else {
                usize::from(pr.u8().map_err(|e| e.message(self.name).parameter(var.name))?)
            };
            if len > pr.remaining() {
                return Err(err(
                    expected,
                    Reason::BadLength { declared: len, available: pr.remaining() },
                    var.name,
                ));
            }
            let start = pr.offset();
            sk.vars[i] = (start, start + len);
            expected = start + len;
        }
        if self.optional {
            let ptr_at = fixed_end + self.vars.len() * ps;
            let p = read_ptr(ptr_at);
            if p != 0 {
                if ptr_at + ps - 1 + p != expected {
                    return Err(err(ptr_at, Reason::BadPointer { pointer: p }, "optional part"));
                }
                walk_optional(buf, expected).map_err(|e| e.message(self.name))?;
                sk.optional = Some(expected);
                return Ok(sk);
            }
        }
        if expected < buf.len() {
            return Err(err(expected, Reason::Trailing { count: buf.len() - expected }, "end of message"));
        }
        Ok(sk)
    }
}

/// The pointer of `ps` octets (1, or 2 least significant first) at `at`.
#[inline]
fn read_ptr(buf: &[u8], at: usize, ps: usize) -> Option<usize> {
    if ps == 2 {
        let &[a, b] = buf.get(at..at + 2)? else { return None };
        Some(usize::from(u16::from_le_bytes([a, b])))
    } else {
        buf.get(at).map(|&p| usize::from(p))
    }
}

/// Check the optional part starting at `start` without allocating: every
/// parameter fits, there is at least one, and the end-of-optional octet is the
/// last octet of `buf`.
pub(crate) fn walk_optional(buf: &[u8], start: usize) -> Result<()> {
    for p in OptionalIter::new(buf, start) {
        p?;
    }
    Ok(())
}

/// Whether [`walk_optional`] would accept the optional part at `start`.
#[inline]
fn optional_ok(buf: &[u8], start: usize) -> bool {
    let mut at = start;
    loop {
        let Some(&code) = buf.get(at) else { return false };
        if code == 0 {
            return at != start && at + 1 == buf.len();
        }
        let Some(&len) = buf.get(at + 1) else { return false };
        let end = at + 2 + usize::from(len);
        if end > buf.len() {
            return false;
        }
        at = end;
    }
}

/// Iterator over `(code, contents, offset of code)` of an optional part.
pub(crate) struct OptionalIter<'a> {
    r: Reader<'a>,
    start: usize,
    done: bool,
}

impl<'a> OptionalIter<'a> {
    pub(crate) fn new(buf: &'a [u8], start: usize) -> Self {
        OptionalIter {
            r: Reader::with_base(Layer::Sccp, buf.get(start..).unwrap_or(&[]), start),
            start,
            done: false,
        }
    }
}

impl<'a> Iterator for OptionalIter<'a> {
    type Item = Result<(u8, &'a [u8], usize)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = |r: &mut Reader<'a>, start: usize| -> Result<Option<(u8, &'a [u8], usize)>> {
            let at = r.offset();
            let code = r.u8().map_err(|e| e.parameter("end of optional parameters"))?;
            if code == 0 {
                if at == start {
                    // Q.713 §2.3: no optional parameters means pointer 0.
                    return Err(Error::new(Layer::Sccp, at, Reason::Other("empty optional part".into()))
                        .parameter("optional part"));
                }
                r.finish().map_err(|e| e.parameter("end of optional parameters"))?;
                return Ok(None);
            }
            let len = usize::from(r.u8().map_err(|e| e.parameter("optional parameter length"))?);
            if len > r.remaining() {
                return Err(Error::new(
                    Layer::Sccp,
                    at,
                    Reason::BadLength { declared: len, available: r.remaining() },
                )
                .parameter("optional parameter"));
            }
            Ok(Some((code, r.take(len)?, at)))
        };
        match step(&mut self.r, self.start) {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Assemble a message from its parts (contents of the variable parameters
/// without length octets; optional part encoded with its end octet).
pub(crate) fn assemble(
    layout: &Layout,
    mt: u8,
    fixed: &[u8],
    vars: &[Vec<u8>],
    optional: Option<&[u8]>,
    out: &mut Vec<u8>,
) -> Result<()> {
    let err = |reason: Reason, param: &'static str| {
        Error::new(Layer::Sccp, 0, reason).message(layout.name).parameter(param)
    };
    debug_assert_eq!(fixed.len(), layout.fixed);
    debug_assert_eq!(vars.len(), layout.vars.len());
    let ps = layout.pointer_size();
    let max_ptr = if ps == 2 { 0xffff } else { 0xff };
    out.push(mt);
    out.extend_from_slice(fixed);
    let ptr_base = out.len();
    let n_ptr = layout.pointers();
    out.resize(ptr_base + n_ptr * ps, 0);
    let put_ptr = |out: &mut Vec<u8>, i: usize, name: &'static str| -> Result<()> {
        let at = ptr_base + i * ps;
        let p = out.len() - (at + ps - 1);
        if p > max_ptr {
            return Err(err(Reason::TooLong { len: p, max: max_ptr }, name));
        }
        out[at..at + ps].copy_from_slice(&(p as u16).to_le_bytes()[..ps]);
        Ok(())
    };
    for (i, (var, v)) in layout.vars.iter().zip(vars).enumerate() {
        put_ptr(out, i, var.name)?;
        let max = if var.long { 0xffff } else { 0xff };
        if v.len() > max {
            return Err(err(Reason::TooLong { len: v.len(), max }, var.name));
        }
        if var.long {
            out.extend_from_slice(&(v.len() as u16).to_le_bytes());
        } else {
            out.push(v.len() as u8);
        }
        out.extend_from_slice(v);
    }
    if layout.optional {
        if let Some(opt) = optional {
            put_ptr(out, layout.vars.len(), "optional part")?;
            out.extend_from_slice(opt);
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sccp::examples;
    use crate::Variant;

    /// The lean walk must agree with the full one on every input: the same
    /// skeleton when the full walk accepts, `None` when it refuses.
    fn agree(buf: &[u8]) {
        let Some(&mt) = buf.first() else { return };
        let Some(l) = layout(mt) else { return };
        assert_eq!(l.check_fast(buf), l.check_slow(buf).ok(), "{buf:02x?}");
    }

    #[test]
    fn view_table_follows_the_layouts() {
        for mt in 0..=255u8 {
            let (h, (p0, n)) = (VIEW.header_len[usize::from(mt)], VIEW.short_vars[usize::from(mt)]);
            match layout(mt) {
                None => assert_eq!((h, p0, n), (0, 0, 0), "{mt}"),
                Some(l) => {
                    assert_eq!(usize::from(h), l.header_len(), "{mt}");
                    if l.long_pointers {
                        assert_eq!((p0, n), (0, 0), "{mt}");
                    } else {
                        assert_eq!((usize::from(p0), usize::from(n)), (1 + l.fixed, l.vars.len()), "{mt}");
                    }
                }
            }
        }
    }

    #[test]
    fn fast_check_agrees_with_the_full_walk() {
        for v in [Variant::Itu, Variant::Ansi] {
            for (_, r) in examples(v) {
                let b = r.to_bytes(v).unwrap();
                agree(&b);
                for n in 0..b.len() {
                    agree(&b[..n]);
                }
                let mut longer = b.clone();
                longer.push(0);
                agree(&longer);
                for i in 0..b.len() {
                    for x in [0u8, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff, b[i] ^ 1, b[i].wrapping_add(1)] {
                        let mut m = b.clone();
                        m[i] = x;
                        agree(&m);
                    }
                }
            }
        }
    }
}
