//! Serde helpers: byte vectors as lowercase hex strings in JSON.

use serde::{Deserialize, Deserializer, Serializer};

/// Serialize bytes as a hex string.
///
/// # Errors
/// Whatever the serializer returns.
pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

/// Deserialize a hex string (spaces and colons allowed) into bytes.
///
/// # Errors
/// A message naming the bad hex.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    let clean: String = s.chars().filter(|c| !c.is_whitespace() && *c != ':').collect();
    hex::decode(&clean).map_err(|e| serde::de::Error::custom(format!("bad hex {s:?}: {e}")))
}

/// The same for `Option<Vec<u8>>`.
pub mod opt {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize optional bytes as a hex string or null.
    ///
    /// # Errors
    /// Whatever the serializer returns.
    #[allow(clippy::ref_option)]
    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => s.serialize_some(&hex::encode(b)),
            None => s.serialize_none(),
        }
    }

    /// Deserialize an optional hex string.
    ///
    /// # Errors
    /// A message naming the bad hex.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| {
            let clean: String = s.chars().filter(|c| !c.is_whitespace() && *c != ':').collect();
            hex::decode(&clean).map_err(|e| serde::de::Error::custom(format!("bad hex {s:?}: {e}")))
        })
        .transpose()
    }
}

/// Parse a user-supplied hex string (spaces, colons, a `0x` prefix allowed).
///
/// # Errors
/// [`crate::Error`] in layer `hex` naming the offset of the first bad character.
pub fn parse_user_hex(s: &str) -> crate::Result<Vec<u8>> {
    use crate::error::{Error, Layer};
    let s = s.trim();
    let s = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    let mut nibbles = Vec::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        if c.is_whitespace() || c == ':' || c == '-' {
            continue;
        }
        match c.to_digit(16) {
            Some(d) => nibbles.push(d as u8),
            None => return Err(Error::other(Layer::Hex, i, format!("not a hex digit: {c:?}"))),
        }
    }
    if nibbles.len() % 2 != 0 {
        return Err(Error::other(Layer::Hex, s.len(), "odd number of hex digits"));
    }
    Ok(nibbles.chunks(2).map(|p| p[0] << 4 | p[1]).collect())
}
