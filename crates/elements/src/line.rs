//! Signals on a subscriber line between a [`Phone`](crate) and its switch.
//!
//! A real analog line carries loop current, ringing voltage, DTMF and tones;
//! an emulated one carries these signals as small frames, so a line can be
//! tapped like any other link and a real line (a modem or FXS port, crate
//! `ainsim-hw`) can stand in for an emulated phone.
//!
//! Wire form: one type octet, then for text-bearing signals a length octet
//! and that many UTF-8 octets. `parse` never panics; `emit(parse(b)) == b`.

use std::fmt;

/// A tone the switch plays to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Dial,
    Ringback,
    Busy,
    /// Reorder / network congestion.
    Congestion,
    /// Special information tone before an intercept announcement.
    Sit,
}

/// One line signal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineSignal {
    /// Phone → switch: the handset is lifted (a call, or answering a ring).
    OffHook,
    /// Phone → switch: the handset is put down.
    OnHook,
    /// Phone → switch: dialled digits (DTMF or pulse), `0-9 * #`. During a
    /// call (after the digits that chose the called party), the DTMF the
    /// party keys on its voice path, which the switch carries to the far
    /// party. Switch → phone: DTMF keyed by the far party, as the phone's
    /// earpiece hears it.
    Digits(String),
    /// Switch → phone: ringing starts, with caller ID if presented.
    Ring { caller: Option<String> },
    /// Switch → phone: ringing stops (the caller gave up or was answered elsewhere).
    StopRing,
    /// Switch → phone: a tone starts.
    Tone(Tone),
    /// Switch → phone: the line is connected through to the far party.
    Connected,
    /// Switch → phone: what the subscriber hears on the voice path (an
    /// announcement's text, or the far party's words in a test script).
    Hear(String),
    /// Switch → phone: the far end hung up (disconnect supervision, open loop).
    FarEndReleased,
    /// Phone → switch: a ringing line cannot take the call, with the Q.850
    /// cause the switch releases it with (17 user busy, 19 no answer, 41
    /// temporary failure…, 1-127). A plain phone rejects by going on hook
    /// (cause 21); a line bridged to real gear (crate `ainsim-hw`) knows
    /// why its far end did not answer and says so.
    Refuse(u8),
    /// Phone → switch, off hook before the called digits: the calling
    /// number of the call it is about to dial (a PBX or gateway trunk that
    /// passes on the caller ID it heard). The switch takes it only from a
    /// line of class `pbx` and ignores it elsewhere.
    Present(Presented),
}

/// A calling number a line presents ([`LineSignal::Present`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presented {
    /// The caller's number, `0-9` (1-32 digits).
    Number(String),
    /// The caller withheld it (caller ID `P`, private).
    Restricted,
    /// The line heard none (caller ID `O`, out of area / unavailable).
    Unavailable,
}

/// Why a line frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("line: empty frame")]
    Empty,
    #[error("line: unknown signal type {0:#04x}")]
    UnknownType(u8),
    #[error("line: {what} at offset {offset} runs past the end (len {len}, {left} left)")]
    Truncated { what: &'static str, offset: usize, len: usize, left: usize },
    #[error("line: {0} trailing octets")]
    Trailing(usize),
    #[error("line: {what} is not valid UTF-8 or has a bad character")]
    BadText { what: &'static str },
    #[error("line: text of {0} octets is longer than 255")]
    TooLong(usize),
    #[error("line: refusal cause {0} is not a Q.850 cause value (1-127)")]
    BadCause(u8),
}

mod ty {
    pub(super) const OFF_HOOK: u8 = 0x01;
    pub(super) const ON_HOOK: u8 = 0x02;
    pub(super) const DIGITS: u8 = 0x03;
    pub(super) const RING: u8 = 0x04;
    pub(super) const RING_CLI: u8 = 0x05;
    pub(super) const STOP_RING: u8 = 0x06;
    pub(super) const TONE: u8 = 0x07;
    pub(super) const CONNECTED: u8 = 0x08;
    pub(super) const HEAR: u8 = 0x09;
    pub(super) const FAR_END_RELEASED: u8 = 0x0a;
    pub(super) const REFUSE: u8 = 0x0b;
    pub(super) const PRESENT_NUMBER: u8 = 0x0c;
    pub(super) const PRESENT_NONE: u8 = 0x0d;
}

fn tone_code(t: Tone) -> u8 {
    match t {
        Tone::Dial => 1,
        Tone::Ringback => 2,
        Tone::Busy => 3,
        Tone::Congestion => 4,
        Tone::Sit => 5,
    }
}

fn valid_number(s: &str) -> bool {
    (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn valid_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
}

/// Appends a text frame: type `t`, a length octet, the text.
fn text(out: &mut Vec<u8>, t: u8, s: &str) -> Result<(), LineError> {
    let len = u8::try_from(s.len()).map_err(|_| LineError::TooLong(s.len()))?;
    out.push(t);
    out.push(len);
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

impl LineSignal {
    /// Parses one line frame.
    ///
    /// # Errors
    /// An empty frame, an unknown type, a text that runs past the end or is
    /// not valid (digits must be `0-9*#`), or trailing octets.
    pub fn parse(b: &[u8]) -> Result<Self, LineError> {
        let (&t, rest) = b.split_first().ok_or(LineError::Empty)?;
        let text = |what: &'static str| -> Result<String, LineError> {
            let (&len, body) =
                rest.split_first().ok_or(LineError::Truncated { what, offset: 1, len: 1, left: 0 })?;
            let len = usize::from(len);
            let s = body.get(..len).ok_or(LineError::Truncated { what, offset: 2, len, left: body.len() })?;
            if body.len() > len {
                return Err(LineError::Trailing(body.len() - len));
            }
            String::from_utf8(s.to_vec()).map_err(|_| LineError::BadText { what })
        };
        let bare =
            |sig: LineSignal| if rest.is_empty() { Ok(sig) } else { Err(LineError::Trailing(rest.len())) };
        match t {
            ty::OFF_HOOK => bare(LineSignal::OffHook),
            ty::ON_HOOK => bare(LineSignal::OnHook),
            ty::DIGITS => {
                let d = text("digits")?;
                if valid_digits(&d) {
                    Ok(LineSignal::Digits(d))
                } else {
                    Err(LineError::BadText { what: "digits" })
                }
            }
            ty::RING => bare(LineSignal::Ring { caller: None }),
            ty::RING_CLI => Ok(LineSignal::Ring { caller: Some(text("caller id")?) }),
            ty::STOP_RING => bare(LineSignal::StopRing),
            ty::TONE => match rest {
                [1] => Ok(LineSignal::Tone(Tone::Dial)),
                [2] => Ok(LineSignal::Tone(Tone::Ringback)),
                [3] => Ok(LineSignal::Tone(Tone::Busy)),
                [4] => Ok(LineSignal::Tone(Tone::Congestion)),
                [5] => Ok(LineSignal::Tone(Tone::Sit)),
                [] => Err(LineError::Truncated { what: "tone", offset: 1, len: 1, left: 0 }),
                [_] => Err(LineError::BadText { what: "tone" }),
                [_, more @ ..] => Err(LineError::Trailing(more.len())),
            },
            ty::CONNECTED => bare(LineSignal::Connected),
            ty::HEAR => Ok(LineSignal::Hear(text("heard text")?)),
            ty::FAR_END_RELEASED => bare(LineSignal::FarEndReleased),
            ty::REFUSE => match rest {
                [c @ 1..=127] => Ok(LineSignal::Refuse(*c)),
                [] => Err(LineError::Truncated { what: "refusal cause", offset: 1, len: 1, left: 0 }),
                [c] => Err(LineError::BadCause(*c)),
                [_, more @ ..] => Err(LineError::Trailing(more.len())),
            },
            ty::PRESENT_NUMBER => {
                let n = text("presented number")?;
                if valid_number(&n) {
                    Ok(LineSignal::Present(Presented::Number(n)))
                } else {
                    Err(LineError::BadText { what: "presented number" })
                }
            }
            ty::PRESENT_NONE => match rest {
                [1] => Ok(LineSignal::Present(Presented::Restricted)),
                [2] => Ok(LineSignal::Present(Presented::Unavailable)),
                [] => Err(LineError::Truncated { what: "presentation", offset: 1, len: 1, left: 0 }),
                [_] => Err(LineError::BadText { what: "presentation" }),
                [_, more @ ..] => Err(LineError::Trailing(more.len())),
            },
            other => Err(LineError::UnknownType(other)),
        }
    }

    /// Appends `LineSignal::Digits(d)` without building it (no copy of `d`).
    ///
    /// # Errors
    /// Over 255 digits, or digits outside `0-9*#`.
    pub fn emit_digits(d: &str, out: &mut Vec<u8>) -> Result<(), LineError> {
        if !valid_digits(d) {
            return Err(LineError::BadText { what: "digits" });
        }
        text(out, ty::DIGITS, d)
    }

    /// Appends the frame to `out`.
    ///
    /// # Errors
    /// A text over 255 octets, or digits outside `0-9*#`.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), LineError> {
        match self {
            LineSignal::OffHook => out.push(ty::OFF_HOOK),
            LineSignal::OnHook => out.push(ty::ON_HOOK),
            LineSignal::Digits(d) => Self::emit_digits(d, out)?,
            LineSignal::Ring { caller: None } => out.push(ty::RING),
            LineSignal::Ring { caller: Some(c) } => text(out, ty::RING_CLI, c)?,
            LineSignal::StopRing => out.push(ty::STOP_RING),
            LineSignal::Tone(t) => out.extend_from_slice(&[ty::TONE, tone_code(*t)]),
            LineSignal::Connected => out.push(ty::CONNECTED),
            LineSignal::Hear(s) => text(out, ty::HEAR, s)?,
            LineSignal::FarEndReleased => out.push(ty::FAR_END_RELEASED),
            LineSignal::Refuse(c) => {
                if !(1..=127).contains(c) {
                    return Err(LineError::BadCause(*c));
                }
                out.extend_from_slice(&[ty::REFUSE, *c]);
            }
            LineSignal::Present(Presented::Number(n)) => {
                if !valid_number(n) {
                    return Err(LineError::BadText { what: "presented number" });
                }
                text(out, ty::PRESENT_NUMBER, n)?;
            }
            LineSignal::Present(Presented::Restricted) => out.extend_from_slice(&[ty::PRESENT_NONE, 1]),
            LineSignal::Present(Presented::Unavailable) => out.extend_from_slice(&[ty::PRESENT_NONE, 2]),
        }
        Ok(())
    }

    /// The encoded frame.
    ///
    /// # Errors
    /// As [`LineSignal::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, LineError> {
        // Exactly the frame's size: a vector with no spare capacity becomes
        // a `Bytes` without a second allocation.
        let mut v = Vec::with_capacity(self.encoded_len());
        self.emit(&mut v)?;
        Ok(v)
    }

    /// The frame's length in octets (as [`LineSignal::emit`] writes it, when it can).
    fn encoded_len(&self) -> usize {
        match self {
            LineSignal::Digits(s)
            | LineSignal::Ring { caller: Some(s) }
            | LineSignal::Hear(s)
            | LineSignal::Present(Presented::Number(s)) => 2 + s.len(),
            LineSignal::Tone(_) | LineSignal::Refuse(_) | LineSignal::Present(_) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for LineSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineSignal::OffHook => f.write_str("off-hook"),
            LineSignal::OnHook => f.write_str("on-hook"),
            LineSignal::Digits(d) => write!(f, "digits {d}"),
            LineSignal::Ring { caller: Some(c) } => write!(f, "ring (caller {c})"),
            LineSignal::Ring { caller: None } => f.write_str("ring"),
            LineSignal::StopRing => f.write_str("stop ring"),
            LineSignal::Tone(t) => write!(f, "{t:?} tone"),
            LineSignal::Connected => f.write_str("connected"),
            LineSignal::Hear(s) => write!(f, "hears {s:?}"),
            LineSignal::FarEndReleased => f.write_str("far end released"),
            LineSignal::Refuse(c) => write!(f, "refuse (cause {c})"),
            LineSignal::Present(Presented::Number(n)) => write!(f, "presents {n}"),
            LineSignal::Present(Presented::Restricted) => f.write_str("presents a withheld number"),
            LineSignal::Present(Presented::Unavailable) => f.write_str("presents no number"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<LineSignal> {
        vec![
            LineSignal::OffHook,
            LineSignal::OnHook,
            LineSignal::Digits("2125550142".into()),
            LineSignal::Ring { caller: None },
            LineSignal::Ring { caller: Some("2015550100".into()) },
            LineSignal::StopRing,
            LineSignal::Tone(Tone::Busy),
            LineSignal::Connected,
            LineSignal::Hear("Please hold while we connect you".into()),
            LineSignal::FarEndReleased,
            LineSignal::Refuse(17),
            LineSignal::Present(Presented::Number("3035550111".into())),
            LineSignal::Present(Presented::Restricted),
            LineSignal::Present(Presented::Unavailable),
        ]
    }

    #[test]
    fn every_signal_round_trips() {
        for s in all() {
            let b = s.to_bytes().unwrap();
            assert_eq!(LineSignal::parse(&b).unwrap(), s);
            assert_eq!(b.len(), s.encoded_len());
            assert_eq!(b.capacity(), b.len(), "no spare capacity: Bytes::from takes it as is");
        }
    }

    #[test]
    fn bad_frames_are_refused() {
        assert_eq!(LineSignal::parse(&[]), Err(LineError::Empty));
        assert_eq!(LineSignal::parse(&[0x7f]), Err(LineError::UnknownType(0x7f)));
        assert!(matches!(LineSignal::parse(&[ty::DIGITS, 5, b'1']), Err(LineError::Truncated { .. })));
        assert!(matches!(LineSignal::parse(&[ty::DIGITS, 1, b'x']), Err(LineError::BadText { .. })));
        assert_eq!(LineSignal::parse(&[ty::OFF_HOOK, 0]), Err(LineError::Trailing(1)));
        assert!(LineSignal::Hear("x".repeat(300)).to_bytes().is_err());
        assert_eq!(LineSignal::parse(&[ty::REFUSE, 0]), Err(LineError::BadCause(0)));
        assert_eq!(LineSignal::parse(&[ty::REFUSE, 200]), Err(LineError::BadCause(200)));
        assert!(matches!(LineSignal::parse(&[ty::REFUSE]), Err(LineError::Truncated { .. })));
        assert_eq!(LineSignal::Refuse(0).to_bytes(), Err(LineError::BadCause(0)));
        assert!(matches!(LineSignal::parse(&[ty::PRESENT_NUMBER, 1, b'*']), Err(LineError::BadText { .. })));
        assert!(matches!(LineSignal::parse(&[ty::PRESENT_NUMBER, 0]), Err(LineError::BadText { .. })));
        assert!(matches!(LineSignal::parse(&[ty::PRESENT_NONE, 3]), Err(LineError::BadText { .. })));
        assert!(LineSignal::Present(Presented::Number("12a".into())).to_bytes().is_err());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics_and_reemits(b in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            if let Ok(s) = LineSignal::parse(&b) {
                proptest::prop_assert_eq!(s.to_bytes().unwrap(), b);
            }
        }
    }
}
