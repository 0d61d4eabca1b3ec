//! [`InlineBytes`]: a byte string kept in place up to `N` octets.
//!
//! What it is: the owned bytes of a payload field (M3UA Protocol Data's
//! MTP3-user message, SCCP user data) that reads like a `&[u8]`
//! (`Deref<Target = [u8]>`, comparisons with slices, arrays and `Vec<u8>`,
//! JSON as a hex string like the `Vec<u8>` fields it replaces), but keeps up
//! to `N` octets inline, so parsing a typical message does not allocate.
//! Longer payloads fall back to a `Vec<u8>`; nothing is refused.
//!
//! What it isn't: a `Vec` with every method. Build one with `From`
//! (`Vec<u8>`, `&[u8]`, arrays) or [`InlineBytes::from_slice`]; read it as a
//! slice; [`InlineBytes::to_vec`] / `Vec::from` give a `Vec` back.
//!
//! [`AlignedBytes`] is the same with the inline octets 16-aligned, for a
//! result that is moved right after it is written (ISUP `to_bytes`).
//!
//! Also [`overwrite`], how the parsers write a value into a slot in place.

use std::fmt;

/// Bytes held inline up to `N` octets (`N <= 255`), on the heap beyond.
/// `S` is where the inline octets lie: a plain array (the default, the
/// smallest value) or [`Aligned`] ([`AlignedBytes`]).
#[derive(Clone)]
pub struct InlineBytes<const N: usize, S = [u8; N]>(Inner<S>);

/// [`InlineBytes`] whose inline octets lie on a 16-octet boundary of the
/// value (see [`Aligned`]).
pub type AlignedBytes<const N: usize> = InlineBytes<N, Aligned<N>>;

#[derive(Clone)]
enum Inner<S> {
    /// `len <= N`.
    Inline {
        len: u8,
        buf: S,
    },
    Heap(Vec<u8>),
}

/// Inline octets on a 16-octet boundary of the value (at offset 16: the
/// tag and the length fill the first 16 octets). A move of the value copies
/// it in 16-octet loads; over the octets each load then reads what one store
/// wrote (a short ISUP message's one 16-octet store, say). With the octets
/// right after the tag and the length (offset 2), every such load straddled
/// two stores and found none to forward from: a stall when a result is
/// moved just after it was written. It costs 14 octets of padding.
#[derive(Clone, Copy)]
#[repr(align(16))]
pub struct Aligned<const N: usize>([u8; N]);

/// Where an [`InlineBytes`] keeps its inline octets: `[u8; N]` or
/// [`Aligned`]. Sealed.
pub trait Storage<const N: usize>: Copy + sealed::Sealed {
    #[doc(hidden)]
    fn from_array(a: [u8; N]) -> Self;
    #[doc(hidden)]
    fn array(&self) -> &[u8; N];
    #[doc(hidden)]
    fn array_mut(&mut self) -> &mut [u8; N];
}

mod sealed {
    pub trait Sealed {}
    impl<const N: usize> Sealed for [u8; N] {}
    impl<const N: usize> Sealed for super::Aligned<N> {}
}

impl<const N: usize> Storage<N> for [u8; N] {
    #[inline(always)]
    fn from_array(a: [u8; N]) -> Self {
        a
    }
    #[inline(always)]
    fn array(&self) -> &[u8; N] {
        self
    }
    #[inline(always)]
    fn array_mut(&mut self) -> &mut [u8; N] {
        self
    }
}

impl<const N: usize> Storage<N> for Aligned<N> {
    #[inline(always)]
    fn from_array(a: [u8; N]) -> Self {
        Aligned(a)
    }
    #[inline(always)]
    fn array(&self) -> &[u8; N] {
        &self.0
    }
    #[inline(always)]
    fn array_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

impl<const N: usize> InlineBytes<N> {
    /// The empty string (`default()` for any storage).
    pub const fn new() -> Self {
        InlineBytes(Inner::Inline { len: 0, buf: [0; N] })
    }
}

impl<const N: usize, S: Storage<N>> InlineBytes<N, S> {
    /// The empty string, whichever the storage.
    fn empty() -> Self {
        InlineBytes(Inner::Inline { len: 0, buf: S::from_array([0; N]) })
    }

    /// A copy of `b`: inline when it fits, else one allocation.
    #[inline]
    pub fn from_slice(b: &[u8]) -> Self {
        if b.len() <= N && N <= usize::from(u8::MAX) {
            let mut buf = [0u8; N];
            if let Some(dst) = buf.get_mut(..b.len()) {
                dst.copy_from_slice(b);
            }
            InlineBytes(Inner::Inline { len: b.len() as u8, buf: S::from_array(buf) })
        } else {
            InlineBytes(Inner::Heap(b.to_vec()))
        }
    }

    /// The first `len` octets of `buf`, inline, built in place from the
    /// array (no copy of a variable length). `len` past `N` keeps `N`.
    #[inline(always)]
    pub(crate) fn from_array(buf: [u8; N], len: u8) -> Self {
        let len = if usize::from(len) <= N { len } else { N.min(255) as u8 };
        InlineBytes(Inner::Inline { len, buf: S::from_array(buf) })
    }

    /// The octets.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Inner::Inline { len, buf } => buf.array().get(..usize::from(*len)).unwrap_or(&[]),
            Inner::Heap(v) => v,
        }
    }

    /// Number of octets.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there are no octets.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Whether the octets are held inline (no allocation).
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Inner::Inline { .. })
    }

    /// Replace the octets with a copy of `b`, in place: an inline value is
    /// overwritten where it lies (no temporary to move), so a parser can
    /// fill a value already in its final slot.
    #[inline]
    pub fn assign(&mut self, b: &[u8]) {
        if let Inner::Inline { len, buf } = &mut self.0 {
            if let Some(dst) = buf.array_mut().get_mut(..b.len()) {
                if N <= usize::from(u8::MAX) {
                    dst.copy_from_slice(b);
                    *len = b.len() as u8;
                    return;
                }
            }
        }
        *self = Self::from_slice(b);
    }

    /// The length and buffer of an inline value, to be written in place
    /// (the octets past the length are the buffer's own); `None` on the
    /// heap.
    #[inline(always)]
    pub(crate) fn inline_parts(&mut self) -> Option<(&mut u8, &mut [u8; N])> {
        match &mut self.0 {
            Inner::Inline { len, buf } => Some((len, buf.array_mut())),
            Inner::Heap(_) => None,
        }
    }

    /// Empties it (inline afterwards).
    pub fn clear(&mut self) {
        *self = Self::empty();
    }

    /// The octets as a new `Vec`.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_slice().to_vec()
    }
}

impl<const N: usize, S: Storage<N>> Default for InlineBytes<N, S> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<const N: usize, S: Storage<N>> std::ops::Deref for InlineBytes<N, S> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<const N: usize, S: Storage<N>> AsRef<[u8]> for InlineBytes<N, S> {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<const N: usize, S: Storage<N>> std::borrow::Borrow<[u8]> for InlineBytes<N, S> {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<const N: usize, S: Storage<N>> From<&[u8]> for InlineBytes<N, S> {
    fn from(b: &[u8]) -> Self {
        Self::from_slice(b)
    }
}

impl<const N: usize, const K: usize, S: Storage<N>> From<[u8; K]> for InlineBytes<N, S> {
    fn from(b: [u8; K]) -> Self {
        Self::from_slice(&b)
    }
}

impl<const N: usize, const K: usize, S: Storage<N>> From<&[u8; K]> for InlineBytes<N, S> {
    fn from(b: &[u8; K]) -> Self {
        Self::from_slice(b)
    }
}

impl<const N: usize, S: Storage<N>> From<Vec<u8>> for InlineBytes<N, S> {
    fn from(v: Vec<u8>) -> Self {
        if v.len() <= N {
            Self::from_slice(&v)
        } else {
            InlineBytes(Inner::Heap(v))
        }
    }
}

impl<const N: usize, S: Storage<N>> From<&Vec<u8>> for InlineBytes<N, S> {
    fn from(v: &Vec<u8>) -> Self {
        Self::from_slice(v)
    }
}

impl<const N: usize, S: Storage<N>> From<InlineBytes<N, S>> for Vec<u8> {
    fn from(b: InlineBytes<N, S>) -> Self {
        match b.0 {
            Inner::Heap(v) => v,
            Inner::Inline { .. } => b.as_slice().to_vec(),
        }
    }
}

impl<const N: usize, S: Storage<N>> FromIterator<u8> for InlineBytes<N, S> {
    fn from_iter<I: IntoIterator<Item = u8>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<u8>>())
    }
}

impl<'a, const N: usize, S: Storage<N>> IntoIterator for &'a InlineBytes<N, S> {
    type Item = &'a u8;
    type IntoIter = std::slice::Iter<'a, u8>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<const N: usize, S: Storage<N>> PartialEq for InlineBytes<N, S> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<const N: usize, S: Storage<N>> Eq for InlineBytes<N, S> {}

impl<const N: usize, S: Storage<N>> std::hash::Hash for InlineBytes<N, S> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // As a `Vec<u8>` hashes, so swapping the field type keeps hashes.
        self.as_slice().hash(state);
    }
}

impl<const N: usize, S: Storage<N>> PartialEq<[u8]> for InlineBytes<N, S> {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize, S: Storage<N>> PartialEq<&[u8]> for InlineBytes<N, S> {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl<const N: usize, const K: usize, S: Storage<N>> PartialEq<[u8; K]> for InlineBytes<N, S> {
    fn eq(&self, other: &[u8; K]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize, S: Storage<N>> PartialEq<Vec<u8>> for InlineBytes<N, S> {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<const N: usize, S: Storage<N>> PartialEq<InlineBytes<N, S>> for [u8] {
    fn eq(&self, other: &InlineBytes<N, S>) -> bool {
        self == other.as_slice()
    }
}

impl<const N: usize, S: Storage<N>> PartialEq<InlineBytes<N, S>> for &[u8] {
    fn eq(&self, other: &InlineBytes<N, S>) -> bool {
        *self == other.as_slice()
    }
}

impl<const N: usize, S: Storage<N>> PartialEq<InlineBytes<N, S>> for Vec<u8> {
    fn eq(&self, other: &InlineBytes<N, S>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<const N: usize, S: Storage<N>> fmt::Debug for InlineBytes<N, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

/// JSON (and any serde format) as a hex string, as `crate::hexser` writes a `Vec<u8>`.
impl<const N: usize, S: Storage<N>> serde::Serialize for InlineBytes<N, S> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> std::result::Result<Ser::Ok, Ser::Error> {
        crate::hexser::serialize(self.as_slice(), s)
    }
}

impl<'de, const N: usize, S: Storage<N>> serde::Deserialize<'de> for InlineBytes<N, S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        crate::hexser::deserialize(d).map(Self::from)
    }
}

/// Writes `v` into `slot`, which holds a placeholder that owns nothing (the
/// parsers' `PLACEHOLDER` constants): `forget` spares the drop call, so the
/// value is built in the slot itself, never in a stack temporary that is then
/// copied in wide loads over narrow stores (a store-forwarding stall). Were
/// the slot anything else, its heap part would leak, never worse.
#[inline(always)]
pub(crate) fn overwrite<T>(slot: &mut T, v: T) {
    std::mem::forget(std::mem::replace(slot, v));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap_agree() {
        let long: Vec<u8> = (0..=200u8).collect();
        for b in [&[][..], &[1, 2, 3], &long[..8], &long[..]] {
            let x = InlineBytes::<8>::from_slice(b);
            assert_eq!(x.is_inline(), b.len() <= 8);
            assert_eq!(x, b);
            assert_eq!(x, InlineBytes::<8>::from(b.to_vec()));
            assert_eq!(Vec::from(x.clone()), b);
            assert_eq!(format!("{x:?}"), format!("{b:?}"));
            let json = serde_json::to_string(&x).unwrap();
            assert_eq!(json, format!("\"{}\"", hex::encode(b)));
            let back: InlineBytes<8> = serde_json::from_str(&json).unwrap();
            assert_eq!(back, x);
        }
    }

    #[test]
    fn aligned_storage_agrees_with_the_array() {
        assert_eq!(std::mem::align_of::<AlignedBytes<64>>(), 16);
        let a = AlignedBytes::<64>::from_slice(&[1, 2, 3]);
        assert_eq!(a.as_slice().as_ptr() as usize % 16, 0, "inline octets 16-aligned");
        let long: Vec<u8> = (0..=200u8).collect();
        for b in [&[][..], &[1, 2, 3], &long[..8], &long[..64], &long[..65], &long[..]] {
            let a = AlignedBytes::<64>::from_slice(b);
            let p = InlineBytes::<64>::from_slice(b);
            assert_eq!(a.is_inline(), b.len() <= 64);
            assert_eq!(a.is_inline(), p.is_inline());
            assert_eq!(a, b);
            assert_eq!(a.as_slice(), p.as_slice());
            assert_eq!(Vec::from(a.clone()), b);
            assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&p).unwrap());
            let mut c = AlignedBytes::<64>::default();
            c.assign(b);
            assert_eq!(c, a);
            if let Some((len, buf)) = c.inline_parts() {
                assert_eq!(&buf[..usize::from(*len)], b);
            }
        }
    }

    #[test]
    fn assign_replaces_in_place_or_spills() {
        let long: Vec<u8> = (0..=200u8).collect();
        // Every transition: inline to inline (shorter and longer), inline to
        // heap, heap to inline, heap to heap.
        let seq =
            [&long[..5], &long[..2], &long[..8], &long[..], &long[..3], &long[..9], &long[..10], &[][..]];
        let mut x = InlineBytes::<8>::new();
        for b in seq {
            x.assign(b);
            assert_eq!(x, InlineBytes::<8>::from_slice(b));
            assert_eq!(x.is_inline(), b.len() <= 8);
        }
    }
}
