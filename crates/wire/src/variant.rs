//! ITU or ANSI, and the signalling point code whose width depends on it.

use std::fmt;

/// Which family of SS7 standards a frame follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// ITU-T Q.700 series: 14-bit point codes, 4-bit SLS.
    #[default]
    Itu,
    /// ANSI T1.110 series: 24-bit network-cluster-member point codes.
    Ansi,
}

impl Variant {
    /// Width of a point code in bits.
    pub fn pc_bits(self) -> u32 {
        match self {
            Variant::Itu => 14,
            Variant::Ansi => 24,
        }
    }

    /// Largest point code value.
    pub fn pc_max(self) -> u32 {
        (1 << self.pc_bits()) - 1
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Variant::Itu => "itu",
            Variant::Ansi => "ansi",
        })
    }
}

impl std::str::FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "itu" => Ok(Variant::Itu),
            "ansi" => Ok(Variant::Ansi),
            _ => Err(format!("unknown variant {s:?} (expected itu or ansi)")),
        }
    }
}

/// A signalling point code, stored as its integer value.
///
/// ITU point codes are 14 bits (shown 3-8-3 as zone-area-point or plain
/// decimal); ANSI point codes are 24 bits network-cluster-member, each 8 bits.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct PointCode(pub u32);

impl PointCode {
    /// An ANSI point code from network, cluster and member.
    pub fn ansi(network: u8, cluster: u8, member: u8) -> Self {
        PointCode(u32::from(network) << 16 | u32::from(cluster) << 8 | u32::from(member))
    }

    /// An ITU point code from zone (3 bits), area (8 bits) and point (3 bits).
    pub fn itu(zone: u8, area: u8, point: u8) -> Self {
        PointCode(u32::from(zone & 7) << 11 | u32::from(area) << 3 | u32::from(point & 7))
    }

    /// The value as an integer.
    pub fn value(self) -> u32 {
        self.0
    }

    /// Whether the value fits the variant's width.
    pub fn fits(self, variant: Variant) -> bool {
        self.0 <= variant.pc_max()
    }

    /// Formats as `n-c-m` (ANSI) or `z-a-p` (ITU).
    pub fn display(self, variant: Variant) -> String {
        match variant {
            Variant::Ansi => format!("{}-{}-{}", self.0 >> 16 & 0xff, self.0 >> 8 & 0xff, self.0 & 0xff),
            Variant::Itu => format!("{}-{}-{}", self.0 >> 11 & 7, self.0 >> 3 & 0xff, self.0 & 7),
        }
    }

    /// Parses a decimal integer or a dashed `a-b-c` form for `variant`.
    ///
    /// # Errors
    /// A message naming the bad text.
    pub fn parse(s: &str, variant: Variant) -> Result<Self, String> {
        let bad = || format!("bad point code {s:?} for {variant}");
        let pc = if s.contains('-') {
            let parts: Vec<u32> =
                s.split('-').map(|p| p.trim().parse::<u32>().map_err(|_| bad())).collect::<Result<_, _>>()?;
            let [a, b, c] = parts[..] else { return Err(bad()) };
            match variant {
                Variant::Ansi if a < 256 && b < 256 && c < 256 => a << 16 | b << 8 | c,
                Variant::Itu if a < 8 && b < 256 && c < 8 => a << 11 | b << 3 | c,
                _ => return Err(bad()),
            }
        } else {
            s.trim().parse::<u32>().map_err(|_| bad())?
        };
        let pc = PointCode(pc);
        if pc.fits(variant) {
            Ok(pc)
        } else {
            Err(bad())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashed_forms_round_trip() {
        let a = PointCode::parse("1-2-3", Variant::Ansi).unwrap();
        assert_eq!(a, PointCode::ansi(1, 2, 3));
        assert_eq!(a.display(Variant::Ansi), "1-2-3");
        let i = PointCode::parse("2-100-5", Variant::Itu).unwrap();
        assert_eq!(i, PointCode::itu(2, 100, 5));
        assert_eq!(i.display(Variant::Itu), "2-100-5");
        assert!(PointCode::parse("16384", Variant::Itu).is_err());
        assert!(PointCode::parse("8-0-0", Variant::Itu).is_err());
    }
}
