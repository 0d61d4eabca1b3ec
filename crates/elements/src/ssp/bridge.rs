//! The switch's conference bridge: the bearer as call legs joined two by two.
//!
//! A leg is a subscriber line or a trunk circuit ([`Leg`]). Joining two legs
//! makes each the other's peer: signalling from one half-call (answer,
//! release, suspend) goes to its peer, and so does what the parties hear.
//! The relation is kept in two vectors indexed by line and circuit, so a
//! look-up is one index, and nothing depends on hash order.
//!
//! **In-band audio.** Ports carry frames, not voice, so what a party hears
//! is an explicit event: on a subscriber line a [`LineSignal::Hear`]
//! frame, on an ISUP circuit a **USR** (user-to-user information, Q.763
//! §3.61) whose user-to-user information starts with protocol discriminator
//! 0x00 ("user-specific protocol", Q.931 §4.5.30) followed by the UTF-8 text
//! ([`encode_hear`], [`decode_hear`]). USR is end-to-end, passes transit
//! exchanges unchanged, and Wireshark shows it, so an announcement played by
//! a peripheral on a trunk reaches whatever line is bridged to that trunk,
//! through any number of switches.
//!
//! **DTMF.** Digits a party keys during a call cross the bridge the same
//! way: from a line as [`LineSignal::Digits`] (after the called digits), to
//! a line as `LineSignal::Digits`, and on a circuit as a USR whose
//! user-to-user information is protocol discriminator 0x00, then DLE (0x10,
//! the code a V.253 voice modem puts before a DTMF it detects), then the
//! digits `0-9 * #` in ASCII ([`encode_dtmf`], [`decode_dtmf`]). Heard text
//! never starts with a control character, so the two cannot be confused.
//! Only two-party bridges exist today; the
//! IP's conference ports will add legs with more than one peer.
//!
//! [`LineSignal::Hear`]: crate::line::LineSignal::Hear

/// One leg of a call inside a switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leg {
    /// A subscriber line, by its index in the switch's configuration.
    Line(u32),
    /// A trunk circuit, by its index in the switch's circuit table.
    Circuit(u32),
}

/// Two-party bridges over lines and circuits.
#[derive(Debug, Clone, Default)]
pub struct Bridge {
    lines: Vec<Option<Leg>>,
    circuits: Vec<Option<Leg>>,
}

impl Bridge {
    /// A bridge for `lines` lines and `circuits` circuits, nothing joined.
    pub fn new(lines: usize, circuits: usize) -> Self {
        Bridge { lines: vec![None; lines], circuits: vec![None; circuits] }
    }

    fn slot(&mut self, l: Leg) -> Option<&mut Option<Leg>> {
        match l {
            Leg::Line(i) => self.lines.get_mut(i as usize),
            Leg::Circuit(i) => self.circuits.get_mut(i as usize),
        }
    }

    /// The leg `l` is joined to.
    pub fn peer(&self, l: Leg) -> Option<Leg> {
        match l {
            Leg::Line(i) => self.lines.get(i as usize).copied().flatten(),
            Leg::Circuit(i) => self.circuits.get(i as usize).copied().flatten(),
        }
    }

    /// Joins `a` and `b` (each first split from any former peer).
    pub fn join(&mut self, a: Leg, b: Leg) {
        self.split(a);
        self.split(b);
        if let Some(s) = self.slot(a) {
            *s = Some(b);
        }
        if let Some(s) = self.slot(b) {
            *s = Some(a);
        }
    }

    /// Attaches `a` to `to` one way: `a`'s signals and what it plays reach
    /// `to`, while `to` stays joined to its own peer. This is how a customer
    /// keeps hearing the IP while the switch sets up the call's second leg
    /// (the AIN call model's hold); splitting `a` leaves `to` as it is.
    pub fn attach(&mut self, a: Leg, to: Leg) {
        self.split(a);
        if let Some(s) = self.slot(a) {
            *s = Some(to);
        }
    }

    /// Splits `a` from its peer and returns the peer.
    pub fn split(&mut self, a: Leg) -> Option<Leg> {
        let peer = self.slot(a).and_then(Option::take)?;
        if let Some(s) = self.slot(peer) {
            if *s == Some(a) {
                *s = None;
            }
        }
        Some(peer)
    }

    /// Splits every leg.
    pub fn clear(&mut self) {
        self.lines.iter_mut().chain(self.circuits.iter_mut()).for_each(|s| *s = None);
    }
}

/// The user-to-user information of a USR that carries heard text.
pub fn encode_hear(text: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(text.len() + 1);
    v.push(0x00);
    v.extend_from_slice(text.as_bytes());
    v
}

/// The heard text in a USR's user-to-user information, if it is one.
pub fn decode_hear(uui: &[u8]) -> Option<&str> {
    match uui {
        [0x00, DLE, ..] => None,
        [0x00, text @ ..] => std::str::from_utf8(text).ok(),
        _ => None,
    }
}

/// DLE: before the digits of a DTMF USR ([`encode_dtmf`]).
const DLE: u8 = 0x10;

/// The user-to-user information of a USR that carries DTMF digits
/// (`0-9 * #`; the caller checks them).
pub fn encode_dtmf(digits: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(digits.len() + 2);
    v.extend_from_slice(&[0x00, DLE]);
    v.extend_from_slice(digits.as_bytes());
    v
}

/// The DTMF digits in a USR's user-to-user information, if it carries
/// some (1 or more of `0-9 * #`).
pub fn decode_dtmf(uui: &[u8]) -> Option<&str> {
    match uui {
        [0x00, DLE, d @ ..]
            if !d.is_empty() && d.iter().all(|b| b.is_ascii_digit() || *b == b'*' || *b == b'#') =>
        {
            std::str::from_utf8(d).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joining_and_splitting_legs() {
        let mut b = Bridge::new(2, 3);
        b.join(Leg::Line(0), Leg::Circuit(2));
        assert_eq!(b.peer(Leg::Circuit(2)), Some(Leg::Line(0)));
        b.join(Leg::Line(1), Leg::Circuit(2));
        assert_eq!(b.peer(Leg::Line(0)), None, "joining again splits the former pair");
        assert_eq!(b.split(Leg::Line(1)), Some(Leg::Circuit(2)));
        assert_eq!(b.peer(Leg::Circuit(2)), None);
        assert_eq!(b.split(Leg::Circuit(9)), None, "an unknown leg is no panic");
        b.join(Leg::Line(0), Leg::Circuit(0));
        b.attach(Leg::Circuit(1), Leg::Line(0));
        assert_eq!(b.peer(Leg::Circuit(1)), Some(Leg::Line(0)));
        assert_eq!(b.peer(Leg::Line(0)), Some(Leg::Circuit(0)), "attaching is one way");
        assert_eq!(b.split(Leg::Circuit(1)), Some(Leg::Line(0)));
        assert_eq!(b.peer(Leg::Line(0)), Some(Leg::Circuit(0)), "and so is splitting it");
    }

    #[test]
    fn heard_text_round_trips() {
        assert_eq!(decode_hear(&encode_hear("Please hold")), Some("Please hold"));
        assert_eq!(decode_hear(&[0x04, b'x']), None);
    }

    #[test]
    fn dtmf_round_trips_and_is_not_heard_text() {
        assert_eq!(encode_dtmf("12#"), [0x00, 0x10, b'1', b'2', b'#']);
        assert_eq!(decode_dtmf(&encode_dtmf("*09#")), Some("*09#"));
        assert_eq!(decode_hear(&encode_dtmf("5")), None);
        assert_eq!(decode_dtmf(&encode_hear("5")), None);
        assert_eq!(decode_dtmf(&[0x00, 0x10]), None, "no digits");
        assert_eq!(decode_dtmf(&[0x00, 0x10, b'x']), None);
    }
}
