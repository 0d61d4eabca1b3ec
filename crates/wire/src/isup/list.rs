//! The parameters of an ISUP message with a format: the mandatory part and
//! the optional part in one list.
//!
//! One list, not two: parsing a message then costs at most one allocation,
//! not one per part (an ACM's two lists were two thirds of its `parse`; see
//! docs/decisions.md "One list for an ISUP message's two parts"), and none
//! for two parameters or fewer (REL, ACM, CPG, SUS...; "Two parameters of a
//! list in place").

use serde::ser::SerializeStruct;

use crate::inline::overwrite;

use super::Parameter;

/// Mandatory parameters (fixed then variable, in table order) followed by
/// the optional part, if the message has one.
///
/// "No optional part" (the pointer is 0, or the message allows none) and
/// "an empty optional part" (the pointer leads straight to the
/// end-of-optional-parameters octet) are different messages on the wire and
/// different values here: [`optional`](Self::optional) is `None` for the
/// first and `Some(&[])` for the second.
///
/// Serialized as `{"mandatory": [...], "optional": [...] | null}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(from = "Parts")]
pub struct ParameterList {
    /// `mandatory` parameters, then the optional ones.
    pub(super) list: Slots,
    /// How many of `list` are mandatory.
    pub(super) mandatory: u32,
    /// Whether there is an optional part (when false, `list` holds the
    /// mandatory parameters only).
    pub(super) optional: bool,
}

/// Parameters a list holds without allocating: a REL's cause, an ACM's
/// two indicators, a CPG's two.
const INLINE: usize = 2;

/// A list's parameters: up to [`INLINE`] in place, on the heap beyond.
///
/// In place, a short message's parse allocates nothing: the allocation and
/// its free were a quarter of an ACM's `parse` and half of a REL's (see
/// docs/decisions.md "Two parameters of a list in place"). Two variants, so
/// that reaching the parameters is one test: the slots in place past `len`
/// hold `Parameter::PLACEHOLDER`, which owns nothing.
#[derive(Clone)]
pub(super) enum Slots {
    /// `len <= INLINE` parameters in place.
    Inline { len: u8, buf: [Parameter; INLINE] },
    /// No parameter yet ([`Slots::new`]: an empty vector owns nothing), or
    /// more than [`INLINE`] at some point (kept on the heap when the list
    /// shrinks again, so a reused list keeps its room).
    Heap(Vec<Parameter>),
}

/// `Parameter::PLACEHOLDER`, built where it is written: the tag and one
/// octet, not a 48-octet constant copied through a stack temporary.
#[inline(always)]
fn new_slot() -> Parameter {
    Parameter::HopCounter(0)
}

impl Default for Slots {
    fn default() -> Self {
        Slots::new()
    }
}

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl PartialEq for Slots {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Slots {}

impl Slots {
    /// No parameter: an empty vector, which owns nothing and costs three
    /// words to make and one test to drop (an empty list in place would
    /// write and check two placeholders).
    pub(super) const fn new() -> Self {
        Slots::Heap(Vec::new())
    }

    #[inline(always)]
    pub(super) fn as_slice(&self) -> &[Parameter] {
        match self {
            Slots::Heap(v) => v,
            Slots::Inline { len, buf } => &buf[..usize::from(*len).min(INLINE)],
        }
    }

    #[inline(always)]
    pub(super) fn as_mut_slice(&mut self) -> &mut [Parameter] {
        match self {
            Slots::Heap(v) => v,
            // `len <= INLINE`: the `min` only spares a panic path.
            Slots::Inline { len, buf } => &mut buf[..usize::from(*len).min(INLINE)],
        }
    }

    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        match self {
            Slots::Heap(v) => v.len(),
            Slots::Inline { len, .. } => usize::from(*len),
        }
    }

    /// Keeps the first `n` (dropping the rest); the heap keeps its room.
    #[inline(always)]
    pub(super) fn truncate(&mut self, n: usize) {
        match self {
            Slots::Heap(v) => v.truncate(n),
            Slots::Inline { len, buf } => {
                let l = usize::from(*len).min(INLINE);
                if n < l {
                    for slot in &mut buf[n..l] {
                        *slot = Parameter::PLACEHOLDER;
                    }
                    *len = n as u8;
                }
            }
        }
    }

    /// Appends `p`.
    pub(super) fn push(&mut self, p: Parameter) {
        if let Some(slot) = self.open_slots(1).first_mut() {
            *slot = p;
        }
    }

    /// Inserts `p` at `at` (the end when past it).
    pub(super) fn insert(&mut self, at: usize, p: Parameter) {
        self.push(p);
        if let Some(tail) = self.as_mut_slice().get_mut(at..) {
            tail.rotate_right(1);
        }
    }

    /// `n` more slots holding `Parameter::PLACEHOLDER`, to be filled by
    /// index: in place when they fit, else on the heap sized once to
    /// exactly what is needed (a reused heap list only grows when too
    /// small).
    #[inline(always)]
    pub(super) fn open_slots(&mut self, n: usize) -> &mut [Parameter] {
        const P: Parameter = Parameter::PLACEHOLDER;
        let start = self.len();
        match self {
            Slots::Inline { len, .. } if start + n <= INLINE => {
                // The slots past `len` already hold the placeholder.
                *len = (start + n) as u8;
            }
            Slots::Inline { .. } => self.spill(n),
            // A list that never held anything (a fresh `parse`): in place
            // when the slots fit, else allocated once at their number (the
            // empty vector owns nothing, so it is written over without a
            // drop; `reserve` would go through the general growth path).
            Slots::Heap(v) if v.capacity() == 0 && n <= INLINE => {
                overwrite(self, Slots::Inline { len: n as u8, buf: [new_slot(), new_slot()] });
            }
            Slots::Heap(v) if v.capacity() == 0 => {
                overwrite(v, Vec::with_capacity(n));
                v.extend((0..n).map(|_| P));
            }
            Slots::Heap(v) => {
                v.reserve_exact(n);
                v.extend((0..n).map(|_| P));
            }
        }
        self.as_mut_slice().get_mut(start..).unwrap_or_default()
    }

    /// Moves the parameters in place to the heap, with room for `n` more
    /// there as placeholders.
    #[inline(never)]
    fn spill(&mut self, n: usize) {
        let old = std::mem::replace(self, Slots::Heap(Vec::new()));
        if let (Slots::Inline { len, buf }, Slots::Heap(v)) = (old, &mut *self) {
            let len = usize::from(len);
            *v = Vec::with_capacity((len + n).max(2 * INLINE));
            v.extend(buf.into_iter().take(len));
            v.extend((0..n).map(|_| Parameter::PLACEHOLDER));
        }
    }

    fn into_vec(self) -> Vec<Parameter> {
        match self {
            Slots::Inline { len, buf } => buf.into_iter().take(usize::from(len)).collect(),
            Slots::Heap(v) => v,
        }
    }
}

/// The serialized shape.
#[derive(serde::Deserialize)]
struct Parts {
    mandatory: Vec<Parameter>,
    optional: Option<Vec<Parameter>>,
}

impl From<Parts> for ParameterList {
    fn from(p: Parts) -> Self {
        ParameterList::new(p.mandatory, p.optional)
    }
}

impl serde::Serialize for ParameterList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ParameterList", 2)?;
        st.serialize_field("mandatory", self.mandatory())?;
        st.serialize_field("optional", &self.optional())?;
        st.end()
    }
}

impl ParameterList {
    /// No parameter and no optional part.
    pub const fn empty() -> Self {
        ParameterList { list: Slots::new(), mandatory: 0, optional: false }
    }

    /// The list of `mandatory` and, if any, the `optional` part.
    pub fn new(mut mandatory: Vec<Parameter>, optional: Option<Vec<Parameter>>) -> Self {
        let n = mandatory.len();
        let has = optional.is_some();
        if let Some(o) = optional {
            mandatory.extend(o);
        }
        ParameterList { list: Slots::Heap(mandatory), mandatory: count(n), optional: has }
    }

    /// The list with room for `n` parameters, none yet, no optional part.
    pub fn with_capacity(n: usize) -> Self {
        let list = if n <= INLINE { Slots::new() } else { Slots::Heap(Vec::with_capacity(n)) };
        ParameterList { list, mandatory: 0, optional: false }
    }

    fn split(&self) -> usize {
        self.mandatory as usize
    }

    /// The mandatory parameters: fixed, then variable.
    pub fn mandatory(&self) -> &[Parameter] {
        self.list.as_slice().get(..self.split()).unwrap_or_default()
    }

    /// The mandatory parameters, to change in place.
    pub fn mandatory_mut(&mut self) -> &mut [Parameter] {
        let at = self.split();
        self.list.as_mut_slice().get_mut(..at).unwrap_or_default()
    }

    /// The optional part: `None` when there is none.
    pub fn optional(&self) -> Option<&[Parameter]> {
        if self.optional {
            self.list.as_slice().get(self.split()..)
        } else {
            None
        }
    }

    /// The optional part, to change in place.
    pub fn optional_mut(&mut self) -> Option<&mut [Parameter]> {
        let at = self.split();
        if self.optional {
            self.list.as_mut_slice().get_mut(at..)
        } else {
            None
        }
    }

    /// Every parameter in wire order: mandatory, then optional.
    pub fn all(&self) -> &[Parameter] {
        self.list.as_slice()
    }

    /// Removes every parameter and the optional part, keeping the room.
    pub fn clear(&mut self) {
        self.list.truncate(0);
        self.mandatory = 0;
        self.optional = false;
    }

    /// Appends a mandatory parameter (after the other mandatory ones,
    /// before the optional part).
    pub fn push_mandatory(&mut self, p: Parameter) {
        self.list.insert(self.split(), p);
        self.mandatory += 1;
    }

    /// Appends an optional parameter, opening the optional part if there
    /// was none.
    pub fn push_optional(&mut self, p: Parameter) {
        self.optional = true;
        self.list.push(p);
    }

    /// Replaces the optional part: `None` removes it, `Some(vec![])` makes
    /// it empty.
    pub fn set_optional(&mut self, optional: Option<Vec<Parameter>>) {
        self.list.truncate(self.split());
        self.optional = optional.is_some();
        for p in optional.into_iter().flatten() {
            self.list.push(p);
        }
    }

    /// Opens an empty optional part if there is none.
    pub fn open_optional(&mut self) {
        self.optional = true;
    }

    /// Keeps the optional parameters for which `keep` is true (the part
    /// itself stays, perhaps empty).
    pub fn retain_optional(&mut self, mut keep: impl FnMut(&Parameter) -> bool) {
        let at = self.split();
        let all = self.list.as_mut_slice();
        let first = at.min(all.len());
        let mut kept = first;
        for i in first..all.len() {
            if keep(&all[i]) {
                all.swap(kept, i);
                kept += 1;
            }
        }
        self.list.truncate(kept);
    }

    /// The mandatory parameters and the optional part, as two vectors.
    pub fn into_parts(self) -> (Vec<Parameter>, Option<Vec<Parameter>>) {
        let mut all = self.list.into_vec();
        let opt = all.split_off((self.mandatory as usize).min(all.len()));
        (all, self.optional.then_some(opt))
    }
}

/// A mandatory count as stored: a message has at most a dozen mandatory
/// parameters (a format's table), a hand-built one perhaps more; past
/// `u32::MAX` is not a value a `Vec` of 48-byte parameters can reach.
pub(super) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
