//! [`Digits`]: the address signals of an ISUP number, held inline.
//!
//! What it is: a string of digit characters that reads like a `&str`
//! (`Deref<Target = str>`, `Display`, comparisons with `str`/`String`,
//! JSON as a plain string), but keeps up to [`Digits::INLINE`] ASCII
//! characters in place, so parsing a called or calling party number does not
//! allocate. Longer or non-ASCII strings (only reachable through `From` or
//! JSON: the parser only produces `0`–`9`/`A`–`F`) fall back to a `String`.
//!
//! What it isn't: a validator. Any string is accepted here; `emit` refuses a
//! character that is not `0`–`9`/`A`–`F`, as it did with `String`.

use std::fmt;

/// The two characters of each octet: low nibble first.
const PAIRS: [[u8; 2]; 256] = {
    const CHARS: &[u8; 16] = b"0123456789ABCDEF";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [CHARS[i & 0x0f], CHARS[i >> 4]];
        i += 1;
    }
    t
};

/// Address digits (`0`–`9`, `A`–`F`), inline up to [`Digits::INLINE`] characters.
#[derive(Clone)]
pub struct Digits(Inner);

#[derive(Clone)]
enum Inner {
    /// ASCII only (checked on the way in), `len <= INLINE`.
    Inline {
        len: u8,
        buf: [u8; Digits::INLINE],
    },
    Heap(String),
}

impl Digits {
    /// The longest digit string held without allocating (a 32-byte value;
    /// E.164 numbers have at most 15 digits).
    pub const INLINE: usize = 30;

    /// The empty string.
    pub const fn new() -> Self {
        Digits(Inner::Inline { len: 0, buf: [0; Digits::INLINE] })
    }

    /// The characters as a `&str`.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Inline bytes are ASCII by construction, so this never fails.
            Inner::Inline { len, buf } => {
                std::str::from_utf8(buf.get(..usize::from(*len)).unwrap_or(&[])).unwrap_or_default()
            }
            Inner::Heap(s) => s,
        }
    }

    /// Number of characters' bytes (no UTF-8 check, unlike `str::len` through `Deref`).
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether there are no digits.
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// The characters as bytes (no UTF-8 check on the inline path).
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Inner::Inline { len, buf } => buf.get(..usize::from(*len)).unwrap_or(&[]),
            Inner::Heap(s) => s.as_bytes(),
        }
    }

    /// Unpacks semi-octets, low nibble first, as `0`–`9`/`A`–`F`; drops the
    /// last high nibble when `odd`.
    pub(crate) fn unpack(b: &[u8], odd: bool) -> Self {
        let n = (b.len() * 2).saturating_sub(usize::from(odd && !b.is_empty()));
        if n > Self::INLINE {
            return Digits(Inner::Heap(crate::digits::unpack(b, odd)));
        }
        let mut buf = [0u8; Self::INLINE];
        // One lookup and one two-octet store per octet.
        for (pair, &x) in buf.chunks_exact_mut(2).zip(b) {
            pair.copy_from_slice(&PAIRS[usize::from(x)]);
        }
        // `n <= INLINE <= 255`.
        Digits(Inner::Inline { len: n as u8, buf })
    }

    /// Replaces the digits with `b` unpacked as [`unpack`](Self::unpack)
    /// does, writing an inline value where it lies (no 32-byte temporary
    /// to copy).
    #[inline(always)]
    pub(crate) fn assign_unpacked(&mut self, b: &[u8], odd: bool) {
        let n = (b.len() * 2).saturating_sub(usize::from(odd && !b.is_empty()));
        if let Inner::Inline { len, buf } = &mut self.0 {
            if n <= Self::INLINE {
                for (pair, &x) in buf.chunks_exact_mut(2).zip(b) {
                    pair.copy_from_slice(&PAIRS[usize::from(x)]);
                }
                // `n <= INLINE <= 255`.
                *len = n as u8;
                return;
            }
        }
        *self = Self::unpack(b, odd);
    }
}

impl Default for Digits {
    fn default() -> Self {
        Self::new()
    }
}

impl std::ops::Deref for Digits {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Digits {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Digits {
    fn from(s: &str) -> Self {
        let b = s.as_bytes();
        if b.len() <= Self::INLINE && b.is_ascii() {
            let mut buf = [0u8; Self::INLINE];
            buf[..b.len()].copy_from_slice(b);
            Digits(Inner::Inline { len: b.len() as u8, buf })
        } else {
            Digits(Inner::Heap(s.to_owned()))
        }
    }
}

impl From<String> for Digits {
    fn from(s: String) -> Self {
        if s.len() <= Self::INLINE && s.is_ascii() {
            Self::from(s.as_str())
        } else {
            Digits(Inner::Heap(s))
        }
    }
}

impl From<&String> for Digits {
    fn from(s: &String) -> Self {
        Self::from(s.as_str())
    }
}

impl From<Digits> for String {
    fn from(d: Digits) -> Self {
        match d.0 {
            Inner::Heap(s) => s,
            Inner::Inline { .. } => d.as_str().to_owned(),
        }
    }
}

impl PartialEq for Digits {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Digits {}

impl std::hash::Hash for Digits {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Digits {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Digits {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for Digits {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Digits> for str {
    fn eq(&self, other: &Digits) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Digits> for &str {
    fn eq(&self, other: &Digits) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Digits> for String {
    fn eq(&self, other: &Digits) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl fmt::Debug for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Digits {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Digits {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(Digits::from)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap_agree() {
        let long = "0123456789".repeat(4);
        for s in ["", "5551234", "89F", long.as_str(), "12é"] {
            let d = Digits::from(s);
            assert_eq!(d, s);
            assert_eq!(d, Digits::from(s.to_owned()));
            assert_eq!(d.to_string(), s);
            assert_eq!(format!("{d:?}"), format!("{s:?}"));
            assert_eq!(serde_json::to_string(&d).unwrap(), serde_json::to_string(s).unwrap());
            let back: Digits = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
            assert_eq!(back, d);
        }
    }

    #[test]
    fn unpack_matches_the_shared_helper() {
        let b: Vec<u8> = (0..=255u8).collect();
        for n in 0..b.len() {
            for odd in [false, true] {
                let d = Digits::unpack(&b[..n], odd);
                let want = if n == 0 { String::new() } else { crate::digits::unpack(&b[..n], odd) };
                assert_eq!(d, want, "{n} {odd}");
            }
        }
    }
}
