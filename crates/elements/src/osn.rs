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
//! The Internet access server ([`crate::access`]) takes
//! [`OsnMessage::CallInstruction`]s from the business side and answers each
//! with one [`OsnMessage::CallInstructionResult`]; it hands accepted calls to
//! the network as [`OsnMessage::CallSetup`] and relays the
//! [`OsnMessage::CallStatus`]es back under the requester's own reference.
//!
//! What it is not: an authentication layer (the Internet access server
//! checks the business and its password before anything reaches the OSN;
//! the frames themselves are plain JSON, not encrypted or signed).

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
    /// Business side → Internet access server: the seed's Fig. 8 call
    /// initiation message. Call `customer` first, then `representative`,
    /// and bridge them, at `contact_at` or at once.
    CallInstruction {
        /// The requester's reference, echoed in the
        /// [`OsnMessage::CallInstructionResult`] and in every
        /// [`OsnMessage::CallStatus`] of the call.
        request_id: u64,
        /// The calling equipment's address (the business's web server), as
        /// the business gives it; recorded, not checked.
        #[serde(default)]
        equipment: String,
        /// The business id the telco gave the subscribing business.
        business: String,
        password: String,
        customer: String,
        representative: String,
        /// Desired contact time, seconds since the Unix epoch (UTC); absent
        /// or past = at once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact_at: Option<u64>,
    },
    /// Internet access server → business side: whether the instruction
    /// `request_id` was taken on.
    CallInstructionResult { request_id: u64, result: InstructionResult },
    /// Business side → access server → ISCP: after
    /// [`CallStatus::RepresentativeUnavailable`], try `representative` for the
    /// same call (the ACD's next pick). `call_id` is the sender's reference
    /// on each hop (the `request_id` toward the access server).
    NextRepresentative { call_id: u64, representative: String },
    /// Business side → access server → ISCP: give the call up, whether it is
    /// held for a contact time, waiting for a retry, ringing or announcing.
    /// Answered with [`CallStatus::Cancelled`] (or refused with
    /// [`Refusal::UnknownRequest`] when there is no such call).
    Cancel { call_id: u64 },
}

/// The answer to a [`OsnMessage::CallInstruction`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum InstructionResult {
    /// Taken on. `held_until` (Unix seconds) when the call waits for its
    /// contact time; [`OsnMessage::CallStatus`]es follow under the request id.
    Accepted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        held_until: Option<u64>,
    },
    /// Refused: `refusal` says what was wrong, `reason` says it in words.
    Refused { refusal: Refusal, reason: String },
}

impl InstructionResult {
    /// A refusal with its words.
    pub fn refused(refusal: Refusal) -> Self {
        let reason = refusal.to_string();
        InstructionResult::Refused { refusal, reason }
    }
}

/// What was wrong with a refused [`OsnMessage::CallInstruction`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "what")]
pub enum Refusal {
    /// The frame was not a call instruction we could read.
    #[error("malformed instruction: {why}")]
    Malformed { why: String },
    /// No subscribing business has this id.
    #[error("business {business:?} is not a subscriber")]
    UnknownBusiness { business: String },
    /// The password does not match the business's.
    #[error("wrong password for business {business:?}")]
    WrongPassword { business: String },
    /// `field` (`customer` or `representative`) is not a valid number.
    #[error("{field} number {number:?} is not valid: {why}")]
    BadNumber { field: String, number: String, why: String },
    /// The contact time is further ahead than the server holds calls.
    #[error("contact time {contact_at} is more than {max_hold_s} s ahead (latest {latest})")]
    ContactTooFar { contact_at: u64, latest: u64, max_hold_s: u64 },
    /// The business sent more than `limit` instructions in `per_s` seconds.
    #[error("business {business:?} is over its rate of {limit} instructions per {per_s} s")]
    RateLimited { business: String, limit: u32, per_s: u64 },
    /// The business already has `limit` calls in progress.
    #[error("business {business:?} already has its maximum of {limit} calls in progress")]
    TooManyCalls { business: String, limit: u32 },
    /// The business already has `limit` calls held for a later contact time.
    #[error("business {business:?} already has its maximum of {limit} calls held for later")]
    TooManyHeld { business: String, limit: u32 },
    /// The requester already has an instruction with this id in progress.
    #[error("request id {request_id} is already in use")]
    DuplicateRequest { request_id: u64 },
    /// The OSN link toward the network is down.
    #[error("the OSN link to the network is down")]
    NetworkDown,
    /// A `cancel` or `next_representative` names no call of this requester.
    #[error("no call in progress or held under request id {request_id}")]
    UnknownRequest { request_id: u64 },
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
    /// The customer was busy or did not answer (`cause`: `busy` or
    /// `no_answer`) on attempt `attempt`; `retry_in_s` when the network will
    /// try again, else `failed` follows.
    CustomerUnavailable {
        cause: String,
        attempt: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_in_s: Option<u64>,
    },
    /// The representative was busy or did not answer (`cause`: `busy` or
    /// `no_answer`); the customer hears the announcement again and the
    /// network waits `wait_s` seconds for [`OsnMessage::NextRepresentative`].
    RepresentativeUnavailable { representative: String, cause: String, wait_s: u64 },
    /// The call was given up on the business's [`OsnMessage::Cancel`];
    /// every leg is released.
    Cancelled,
    /// The call ended normally.
    Released,
    /// The call could not be completed.
    Failed { reason: String },
}

fn status_name(s: &CallStatus) -> &'static str {
    match s {
        CallStatus::CallingCustomer => "calling_customer",
        CallStatus::CustomerAnswered => "customer_answered",
        CallStatus::Announcing => "announcing",
        CallStatus::CallingRepresentative => "calling_representative",
        CallStatus::Connected => "connected",
        CallStatus::CustomerUnavailable { .. } => "customer_unavailable",
        CallStatus::RepresentativeUnavailable { .. } => "representative_unavailable",
        CallStatus::Cancelled => "cancelled",
        CallStatus::Released => "released",
        CallStatus::Failed { .. } => "failed",
    }
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

    /// A one-line summary for ladders and logs (never the password).
    pub fn label(&self) -> String {
        match self {
            OsnMessage::CallSetup { call_id, customer, representative, .. } => {
                format!("CallSetup #{call_id} {customer}→{representative}")
            }
            OsnMessage::CallStatus { call_id, status } => match status {
                CallStatus::Failed { reason } => format!("CallStatus #{call_id} failed: {reason}"),
                CallStatus::CustomerUnavailable { cause, attempt, retry_in_s } => format!(
                    "CallStatus #{call_id} customer_unavailable {cause} (attempt {attempt}{})",
                    retry_in_s.map(|s| format!(", retry in {s} s")).unwrap_or_default()
                ),
                CallStatus::RepresentativeUnavailable { representative, cause, .. } => {
                    format!("CallStatus #{call_id} representative_unavailable {representative} {cause}")
                }
                other => format!("CallStatus #{call_id} {}", status_name(other)),
            },
            OsnMessage::Play { cic, announcement } => format!("Play {announcement} cic {cic}"),
            OsnMessage::Collect { cic, max_digits } => format!("Collect {max_digits} cic {cic}"),
            OsnMessage::Digits { cic, digits } => format!("Digits {digits} cic {cic}"),
            OsnMessage::CallInstruction {
                request_id,
                business,
                customer,
                representative,
                contact_at,
                ..
            } => {
                let at = contact_at.map(|t| format!(" at {t}")).unwrap_or_default();
                format!("CallInstruction #{request_id} {business} {customer}→{representative}{at}")
            }
            OsnMessage::CallInstructionResult { request_id, result } => match result {
                InstructionResult::Accepted { held_until: None } => format!("#{request_id} accepted"),
                InstructionResult::Accepted { held_until: Some(t) } => {
                    format!("#{request_id} accepted, held until {t}")
                }
                InstructionResult::Refused { reason, .. } => format!("#{request_id} refused: {reason}"),
            },
            OsnMessage::NextRepresentative { call_id, representative } => {
                format!("NextRepresentative #{call_id} {representative}")
            }
            OsnMessage::Cancel { call_id } => format!("Cancel #{call_id}"),
        }
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
    fn the_follow_up_messages_have_the_documented_json() {
        let cases: [(OsnMessage, &str); 4] = [
            (
                OsnMessage::NextRepresentative { call_id: 501, representative: "2125550143".into() },
                r#"{"next_representative":{"call_id":501,"representative":"2125550143"}}"#,
            ),
            (OsnMessage::Cancel { call_id: 501 }, r#"{"cancel":{"call_id":501}}"#),
            (
                OsnMessage::CallStatus {
                    call_id: 501,
                    status: CallStatus::RepresentativeUnavailable {
                        representative: "2125550144".into(),
                        cause: "busy".into(),
                        wait_s: 30,
                    },
                },
                r#"{"call_status":{"call_id":501,"status":{"state":"representative_unavailable","representative":"2125550144","cause":"busy","wait_s":30}}}"#,
            ),
            (
                OsnMessage::CallStatus {
                    call_id: 501,
                    status: CallStatus::CustomerUnavailable {
                        cause: "busy".into(),
                        attempt: 1,
                        retry_in_s: Some(60),
                    },
                },
                r#"{"call_status":{"call_id":501,"status":{"state":"customer_unavailable","cause":"busy","attempt":1,"retry_in_s":60}}}"#,
            ),
        ];
        for (m, json) in cases {
            let b = m.emit();
            assert_eq!(std::str::from_utf8(&b[4..]).unwrap(), json);
            assert_eq!(OsnMessage::parse(&b).unwrap(), m);
        }
    }

    #[test]
    fn call_instruction_and_result_round_trip() {
        let m = OsnMessage::CallInstruction {
            request_id: 9,
            equipment: "192.0.2.7".into(),
            business: "ABC".into(),
            password: "s3cret".into(),
            customer: "2015550100".into(),
            representative: "2125550142".into(),
            contact_at: Some(1_800_000_000),
        };
        assert_eq!(OsnMessage::parse(&m.emit()).unwrap(), m);
        let r = OsnMessage::CallInstructionResult {
            request_id: 9,
            result: InstructionResult::refused(Refusal::WrongPassword { business: "ABC".into() }),
        };
        let b = r.emit();
        assert_eq!(
            std::str::from_utf8(&b[4..]).unwrap(),
            r#"{"call_instruction_result":{"request_id":9,"result":{"outcome":"refused","refusal":{"what":"wrong_password","business":"ABC"},"reason":"wrong password for business \"ABC\""}}}"#
        );
        assert_eq!(OsnMessage::parse(&b).unwrap(), r);
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
