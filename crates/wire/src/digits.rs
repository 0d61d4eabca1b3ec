//! Semi-octet (BCD/TBCD) digit strings as ISUP, SCCP global titles, AIN and
//! INAP carry them: two digits an octet, the first digit in the low nibble.
//!
//! Digits are written as the characters `0`–`9` and `A`–`F` for nibble values
//! 10–15 (what each value means — code 11, code 12, ST, `*`, `#` — depends on
//! the field; the codec that owns the field documents it).

use crate::error::{Error, Layer, Reason, Result};

/// The character for a nibble value.
pub fn nibble_char(n: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(n & 0x0f)])
}

/// The nibble value for a digit character (`0`–`9`, `A`–`F`, `a`–`f`).
///
/// # Errors
/// [`Reason::BadDigit`] for any other character.
pub fn char_nibble(c: char, layer: Layer) -> Result<u8> {
    c.to_digit(16).map(|d| d as u8).ok_or_else(|| Error::new(layer, 0, Reason::BadDigit { digit: c }))
}

/// Unpacks `bytes` into a digit string; drops the last (high) nibble when `odd`.
pub fn unpack(bytes: &[u8], odd: bool) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for (i, b) in bytes.iter().enumerate() {
        s.push(nibble_char(b & 0x0f));
        if !(odd && i + 1 == bytes.len()) {
            s.push(nibble_char(b >> 4));
        }
    }
    s
}

/// Packs a digit string, low nibble first; an odd count leaves the last high
/// nibble as `filler` (0 in ISUP). Returns whether the count was odd.
///
/// # Errors
/// [`Reason::BadDigit`] for a character that is not a hex digit.
pub fn pack(digits: &str, filler: u8, layer: Layer, out: &mut Vec<u8>) -> Result<bool> {
    let mut low: Option<u8> = None;
    for c in digits.chars() {
        let n = char_nibble(c, layer)?;
        match low.take() {
            None => low = Some(n),
            Some(l) => out.push(l | n << 4),
        }
    }
    if let Some(l) = low {
        out.push(l | (filler & 0x0f) << 4);
        Ok(true)
    } else {
        Ok(false)
    }
}

/// Octets needed for `n` digits.
pub fn packed_len(n: usize) -> usize {
    n.div_ceil(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_unpack() {
        let mut v = Vec::new();
        assert!(pack("12345", 0, Layer::Isup, &mut v).unwrap());
        assert_eq!(v, [0x21, 0x43, 0x05]);
        assert_eq!(unpack(&v, true), "12345");
        v.clear();
        assert!(pack("1234F", 0, Layer::Isup, &mut v).is_ok());
        assert!(pack("12x", 0, Layer::Isup, &mut v).is_err());
    }
}
