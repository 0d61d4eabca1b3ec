//! Messages on the OSN, the telco's TCP/IP operations network that joins
//! the Internet access server, the SSPs, the ISCP and the IP.
//!
//! Wire form: a 4-octet big-endian length, then that many octets of UTF-8
//! JSON of one [`OsnMessage`] (externally tagged, snake_case). The same
//! bytes travel on a simulated OSN link and on TCP; [`OsnMessage::split`]
//! cuts frames off a TCP byte stream.
//!
//! Contract: [`OsnMessage::parse`] never panics and refuses frames longer
//! than [`MAX_FRAME`]; `parse(emit(m)) == m`.
//!
//! What it is not: an authentication layer (the Internet access server
//! checks the business and its password before anything reaches the OSN).

/// The largest JSON body accepted (64 KiB).
pub const MAX_FRAME: usize = 64 * 1024;

/// One OSN message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OsnMessage {
    /// Access server → ISCP: call the customer, play `announcement` to them,
    /// then call the representative and bridge the two (click-to-call).
    CallSetup {
        /// The requester's reference, echoed in every [`OsnMessage::CallStatus`].
        call_id: u64,
        business: String,
        customer: String,
        representative: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        announcement: Option<String>,
    },
    /// ISCP → requester: how a call set up with `call_id` is doing.
    CallStatus { call_id: u64, status: CallStatus },
    /// Anyone → IP: play `announcement` on the IP's circuit `cic` (the call
    /// must already be connected to the IP).
    Play { cic: u16, announcement: String },
    /// Anyone → IP: collect up to `max_digits` DTMF digits on `cic`.
    Collect { cic: u16, max_digits: u8 },
    /// IP → controller: digits collected on `cic`.
    Digits { cic: u16, digits: String },
}

/// Progress of an SCP-initiated call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum CallStatus {
    /// Accepted; the network is calling the customer.
    CallingCustomer,
    /// The customer answered.
    CustomerAnswered,
    /// The customer hears the announcement.
    Announcing,
    /// The representative's leg is being set up (routed).
    CallingRepresentative,
    /// The representative answered: the two are bridged.
    Connected,
    /// The call ended normally.
    Released,
    /// The call could not be completed.
    Failed { reason: String },
}

/// Why an OSN frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OsnError {
    #[error("osn: frame of {0} octets is shorter than its 4-octet length")]
    Short(usize),
    #[error("osn: length {len} does not match the {actual} octets that follow")]
    Length { len: usize, actual: usize },
    #[error("osn: body of {0} octets is over the {MAX_FRAME}-octet limit")]
    TooLong(usize),
    #[error("osn: bad JSON: {0}")]
    Json(String),
}

impl OsnMessage {
    /// Parses exactly one frame (length prefix included).
    ///
    /// # Errors
    /// A short frame, a length that disagrees with the octets, an oversized
    /// body, or JSON that is not an [`OsnMessage`].
    pub fn parse(frame: &[u8]) -> Result<Self, OsnError> {
        let Some((len, body)) = frame.split_first_chunk::<4>() else {
            return Err(OsnError::Short(frame.len()));
        };
        let len = u32::from_be_bytes(*len) as usize;
        if len > MAX_FRAME {
            return Err(OsnError::TooLong(len));
        }
        if len != body.len() {
            return Err(OsnError::Length { len, actual: body.len() });
        }
        serde_json::from_slice(body).map_err(|e| OsnError::Json(e.to_string()))
    }

    /// The frame: length prefix and JSON body.
    pub fn emit(&self) -> Vec<u8> {
        // Serialising these plain enums cannot fail (no maps with non-string keys).
        let body = serde_json::to_vec(self).unwrap_or_default();
        let mut out = Vec::with_capacity(4 + body.len());
        out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Cuts the first whole frame off a byte stream: `Ok(None)` if more
    /// octets are needed, else the frame's length in octets.
    ///
    /// # Errors
    /// [`OsnError::TooLong`]: the stream is not OSN framing.
    pub fn split(stream: &[u8]) -> Result<Option<usize>, OsnError> {
        let Some(len) = stream.first_chunk::<4>() else { return Ok(None) };
        let len = u32::from_be_bytes(*len) as usize;
        if len > MAX_FRAME {
            return Err(OsnError::TooLong(len));
        }
        Ok((stream.len() >= 4 + len).then_some(4 + len))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn call_setup_round_trips() {
        let m = OsnMessage::CallSetup {
            call_id: 7,
            business: "ABC".into(),
            customer: "2015550100".into(),
            representative: "2125550142".into(),
            announcement: Some("please-hold".into()),
        };
        let b = m.emit();
        assert_eq!(&b[4..5], b"{");
        assert_eq!(OsnMessage::parse(&b).unwrap(), m);
        assert_eq!(OsnMessage::split(&b[..3]).unwrap(), None);
        assert_eq!(OsnMessage::split(&[&b[..], &b[..2]].concat()).unwrap(), Some(b.len()));
        let s = OsnMessage::CallStatus { call_id: 7, status: CallStatus::Failed { reason: "busy".into() } };
        assert_eq!(OsnMessage::parse(&s.emit()).unwrap(), s);
    }

    #[test]
    fn bad_frames_are_refused() {
        assert_eq!(OsnMessage::parse(&[0, 0]), Err(OsnError::Short(2)));
        assert_eq!(OsnMessage::parse(&[0, 0, 0, 3, b'{']), Err(OsnError::Length { len: 3, actual: 1 }));
        assert!(matches!(OsnMessage::parse(&[0, 0, 0, 2, b'{', b'}']), Err(OsnError::Json(_))));
        assert!(matches!(OsnMessage::parse(&[0xff, 0, 0, 0]), Err(OsnError::TooLong(_))));
    }

    proptest! {
        #[test]
        fn parse_never_panics(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = OsnMessage::parse(&b);
            let _ = OsnMessage::split(&b);
        }
    }
}
